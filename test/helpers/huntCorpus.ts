/**
 * Rules and events of the corpora for the hunt tests and bench: the SigmaHQ rules named by the regression data
 * (plus a sample of the others) with every regression event, and a sample of Panther rules with their test events.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { scanSource } from '../../src/formats/scan.ts';
import { sigmaAdapter } from '../../src/formats/sigma/index.ts';
import { pantherAdapter } from '../../src/formats/panther/index.ts';
import type { RuleRecord } from '../../src/model/rule.ts';

function walk(root: string, under: string, ext: string): string[] {
  return (readdirSync(path.join(root, under), { recursive: true }) as string[])
    .filter((f) => f.endsWith(ext))
    .map((f) => path.posix.join(under, f.split(path.sep).join('/')))
    .sort();
}

export interface CorpusSample {
  readonly rules: readonly RuleRecord[];
  /** Events of the rules' tests, with the rule that names them. */
  readonly events: readonly { readonly event: unknown; readonly ruleId: string }[];
}

/** Sigma: the rules the regression data names, plus every `every`-th other rule (0: none). */
export async function sigmaSample(sigmaRoot: string, every = 0): Promise<CorpusSample> {
  const named = walk(sigmaRoot, 'regression_data', 'info.yml').map((f) => path.posix.dirname(f.slice('regression_data/'.length)) + '.yml');
  const others = every > 0 ? walk(sigmaRoot, 'rules', '.yml').filter((_, i) => i % every === 0) : [];
  const only = [...new Set([...named, ...others])];
  const res = await scanSource(sigmaAdapter, sigmaRoot, { repository: 'SigmaHQ/sigma' }, { only });
  return { rules: res.rules, events: testEvents(res.rules) };
}

/** Panther: every `every`-th rule YAML under rules/. */
export async function pantherSample(pantherRoot: string, every = 4): Promise<CorpusSample> {
  const only = walk(pantherRoot, 'rules', '.yml').filter((_, i) => i % every === 0);
  const res = await scanSource(pantherAdapter, pantherRoot, { repository: 'panther-labs/panther-analysis' }, { only });
  return { rules: res.rules, events: testEvents(res.rules) };
}

function testEvents(rules: readonly RuleRecord[]): { event: unknown; ruleId: string }[] {
  const out: { event: unknown; ruleId: string }[] = [];
  for (const r of rules) for (const t of r.tests) for (const e of t.events ?? [t.event]) if (e !== null && e !== undefined) out.push({ event: e, ruleId: r.id });
  return out;
}
