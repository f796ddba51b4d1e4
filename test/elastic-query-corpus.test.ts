/**
 * The Kibana KQL, ES|QL and Lucene modules over the whole Elastic corpus (../shared/corpora/elastic, skipped when
 * absent): every TOML read with smol-toml; rule queries whose `language` is kuery, esql or lucene, and the ES|QL
 * queries of the hunting TOML files (`[hunt]` with ES|QL among its languages; SQL queries skipped by their first
 * keyword). Reports parse rate, non-empty conditions, completeness, thresholds and time per language; offenders are
 * collected and the test fails once with the whole list.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { lowerEsql } from '../src/formats/elastic/esql/index.ts';
import { lowerKuery } from '../src/formats/elastic/kuery/index.ts';
import type { ElasticLower } from '../src/formats/elastic/lowering.ts';
import { lowerLucene } from '../src/formats/elastic/lucene/index.ts';
import { buildLogic } from '../src/model/lowering.ts';
import { leaves } from '../src/model/expr.ts';
import { SHARED } from './helpers/golden.ts';

const ROOT = path.join(SHARED, 'corpora', 'elastic');
const PRESENT = (() => {
  try {
    return statSync(ROOT).isDirectory();
  } catch {
    return false;
  }
})();

interface Query {
  readonly file: string;
  readonly text: string;
}

function tomlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...tomlFiles(p));
    else if (e.name.endsWith('.toml')) out.push(p);
  }
  return out;
}

/** SQL (osquery) queries sit beside ES|QL ones in hunting files: recognised by their first keyword. */
function isSql(q: string): boolean {
  const [first, second] = q.trimStart().split(/\s+/, 2).map((w) => w.toLowerCase());
  return first === 'select' || (first === 'sql' && second === 'select');
}

function collect(): Record<'kuery' | 'esql' | 'esql-hunt' | 'lucene', Query[]> {
  const out = { kuery: [] as Query[], esql: [] as Query[], 'esql-hunt': [] as Query[], lucene: [] as Query[] };
  for (const f of tomlFiles(ROOT)) {
    const rel = path.relative(ROOT, f);
    let t: Record<string, unknown>;
    try {
      t = parseToml(readFileSync(f, 'utf8')) as Record<string, unknown>;
    } catch {
      continue; // TOML errors are the adapter's (ELA / GEN003), not the query languages'
    }
    const rule = t['rule'] as Record<string, unknown> | undefined;
    if (rule && typeof rule['query'] === 'string') {
      const lang = rule['language'];
      if (lang === 'kuery' || lang === 'esql' || lang === 'lucene') out[lang].push({ file: rel, text: rule['query'] });
    }
    const hunt = t['hunt'] as Record<string, unknown> | undefined;
    if (hunt && Array.isArray(hunt['language']) && hunt['language'].includes('ES|QL') && Array.isArray(hunt['query'])) {
      for (const q of hunt['query']) if (typeof q === 'string' && !isSql(q)) out['esql-hunt'].push({ file: rel, text: q });
    }
  }
  return out;
}

interface Figures {
  total: number;
  parsed: number;
  withCondition: number;
  complete: number;
  partial: number;
  none: number;
  thresholds: number;
  ms: number;
  /** User CPU time of this process (less sensitive than wall time to other work on the machine). */
  cpuMs: number;
  offenders: string[];
}

function measure(lower: ElasticLower, queries: readonly Query[]): Figures {
  const f: Figures = { total: queries.length, parsed: 0, withCondition: 0, complete: 0, partial: 0, none: 0, thresholds: 0, ms: 0, cpuMs: 0, offenders: [] };
  const t0 = performance.now();
  const c0 = process.cpuUsage().user;
  for (const q of queries) {
    let r;
    try {
      r = lower(q.text, { file: q.file, line: 1, column: 1 });
    } catch (e) {
      f.offenders.push(`${q.file}: threw ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (!r.parsed) {
      const d = r.diagnostics[0];
      f.offenders.push(`${q.file}:${d?.line}:${d?.column} ${d?.code} ${d?.message.slice(0, 160)}`);
      f.none++;
      continue;
    }
    f.parsed++;
    if (r.condition && [...leaves(r.condition)].some((l) => l.kind === 'pred')) f.withCondition++;
    if (r.aggregation?.threshold) f.thresholds++;
    const logic = buildLogic({ stages: r.stages, ...(r.condition ? { condition: r.condition } : {}), missing: r.missing, ...(r.aggregation ? { aggregation: r.aggregation } : {}), outputFields: r.outputFields });
    f[logic.completeness]++;
  }
  f.ms = performance.now() - t0;
  f.cpuMs = (process.cpuUsage().user - c0) / 1000;
  return f;
}

const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : 'n/a');

describe('Elastic query languages over the corpus', { skip: !PRESENT && 'corpus ../shared/corpora/elastic absent' }, () => {
  const queries = PRESENT ? collect() : { kuery: [], esql: [], 'esql-hunt': [], lucene: [] };
  const lowerers: Record<keyof typeof queries, ElasticLower> = { kuery: lowerKuery, esql: lowerEsql, 'esql-hunt': lowerEsql, lucene: lowerLucene };
  /** Minimum share parsed without a syntax error (hunting files carry invalid ES|QL: see the offenders). */
  const floors: Record<keyof typeof queries, number> = { kuery: 0.99, esql: 0.99, 'esql-hunt': 0.85, lucene: 0.99 };
  for (const lang of Object.keys(queries) as (keyof typeof queries)[]) {
    it(`${lang}: parse rate, conditions, completeness, thresholds, time`, (t) => {
      const f = measure(lowerers[lang], queries[lang]);
      t.diagnostic(
        `${lang}: ${f.total} queries, parsed ${f.parsed} (${pct(f.parsed, f.total)}), non-empty condition ${f.withCondition} (${pct(f.withCondition, f.total)}), ` +
          `complete ${f.complete} / partial ${f.partial} / none ${f.none}, thresholds ${f.thresholds}, ${f.ms.toFixed(0)} ms wall / ${f.cpuMs.toFixed(0)} ms CPU (first use includes generating the grammar)`,
      );
      for (const o of f.offenders) t.diagnostic(`  ${o}`);
      assert.ok(f.total > 0, `no ${lang} queries found`);
      assert.ok(!f.offenders.some((o) => o.includes(': threw ')), `lowering threw:\n${f.offenders.join('\n')}`);
      assert.ok(f.parsed / f.total >= floors[lang], `${lang}: parsed ${pct(f.parsed, f.total)} < ${floors[lang] * 100}%; offenders:\n${f.offenders.join('\n')}`);
    });
  }
});
