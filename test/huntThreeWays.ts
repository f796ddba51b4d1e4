/**
 * Test helpers (not a test file) for the hunt's readings: a temporary folder of invented rule files and an events file,
 * and a hunt of the same rules over the same events in process, on two worker threads and in DuckDB.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HuntEngine } from '../src/hunt/engine.ts';
import { hunt, type Hit } from '../src/hunt/session.ts';
import { huntDuckdb } from '../src/hunt/sql/session.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { tempDir } from './helpers/tempDir.ts';

/** A result as a line: the event, hit or may-fire, the rule, and for a may-fire the fields of the parts it depends on. */
export const hitKey = (h: Hit): string => `${h.pos.index} ${h.type} ${h.rule.id}${h.type === 'may_fire' ? ` (${(h.dependsOn ?? []).map((d) => /^([\w.]+) /.exec(d)?.[1]).join(',')})` : ''}`;

/** A temporary folder holding these files (paths relative to it) and `events.jsonl`, one event a line. */
export function writeHuntFixture(prefix: string, files: Readonly<Record<string, string>>, events: readonly unknown[]): { dir: string; file: string } {
  const dir = tempDir(prefix);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  const file = path.join(dir, 'events.jsonl');
  writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return { dir, file };
}

/**
 * The rules hunted over the events in process, on two worker threads and in DuckDB, each result written by `key`,
 * sorted; and how each hit was read (`Hit.readAs`), by event index and rule id, from the in-process run.
 */
export async function huntThreeWays(rules: readonly RuleRecord[], file: string, key: (h: Hit) => string): Promise<{ mem: string[]; par: string[]; duck: string[]; readAs: Map<string, string | undefined> }> {
  const mem: string[] = [];
  const readAs = new Map<string, string | undefined>();
  await hunt(new HuntEngine(rules), [file], { onHit: (h) => (mem.push(key(h)), readAs.set(`${h.pos.index} ${h.rule.id}`, h.readAs)) });
  const par: string[] = [];
  await hunt(new HuntEngine(rules), [file], { onHit: (h) => par.push(key(h)), workers: 2 });
  const duck: string[] = [];
  await huntDuckdb(new HuntEngine(rules), [file], { onHit: (h) => duck.push(key(h)) });
  return { mem: mem.sort(), par: par.sort(), duck: duck.sort(), readAs };
}

/**
 * An invented security_content detection (`detections/…/*.yml`): `id` numbers it among the fixtures of `series` (two
 * digits, so that each test file's rules have ids of their own).
 */
export function splunkDetection(series: string, id: number, name: string, dataSource: string, search: string, technique = 'T1059'): string {
  return `name: ${name}
id: 00000000-0000-4000-8000-0000000${series}${String(id).padStart(2, '0')}
version: 1
date: '2026-01-01'
author: detection-wiki fixtures
status: production
type: TTP
data_source:
- ${dataSource}
description: Invented search for the hunt's Splunk readings.
search: '${search.replace(/'/g, "''")}'
tags:
  mitre_attack_id:
  - ${technique}
`;
}

/**
 * An invented Sigma rule: `id` numbers it among the fixtures of `series` (two digits); `logsource` its keys in order;
 * `detection` the indented lines of its search identifiers.
 */
export function sigmaDetection(series: string, id: number, title: string, logsource: Readonly<Record<string, string>>, detection: string, condition = 'selection'): string {
  return `title: ${title}
id: 6b6e5d1c-0d3f-4c1a-9a3e-00000000${series}${String(id).padStart(2, '0')}
status: test
description: Invented rule for the hunt's readings.
author: detection-wiki
date: 2026-12-05
logsource:
${Object.entries(logsource).map(([k, v]) => `  ${k}: ${v}\n`).join('')}detection:
${detection}
  condition: ${condition}
level: medium
`;
}

/**
 * An invented Elastic detection rule (TOML) over `index`: `id` numbers it among the fixtures of `series` (two digits);
 * `query` in `language` (EQL unless told).
 */
export function elasticDetection(series: string, id: number, name: string, index: string, query: string, language: 'eql' | 'kuery' = 'eql'): string {
  return `[rule]
author = ["detection-wiki"]
description = "Invented rule for the hunt."
name = "${name}"
risk_score = 21
rule_id = "00000000-0000-4000-8000-00000000${series}${String(id).padStart(2, '0')}"
severity = "low"
type = "${language === 'eql' ? 'eql' : 'query'}"
language = "${language}"
index = ["${index}"]
query = '''
${query}
'''
`;
}
