/**
 * Sigma benchmark: `node --import tsx bench/sigma.ts [/path/to/sigma checkout]`.
 * Scans the source with the Sigma adapter and prints stable lines: files by outcome, rules by kind and
 * completeness, constructs that keep conditions from being complete, diagnostics by code, regression tests
 * passed/total (with each failure), how many other rules match the regression events, time per rule and total.
 */
import path from 'node:path';
import { scanSource } from '../src/formats/scan.ts';
import { sigmaAdapter } from '../src/formats/sigma/index.ts';
import { checkTest } from '../src/model/checks.ts';
import { evaluate } from '../src/model/evaluate.ts';

const root = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..', '..', 'shared', 'corpora', 'sigma'));
const t0 = performance.now();
const res = await scanSource(sigmaAdapter, root, { repository: 'SigmaHQ/sigma' });
const scanMs = performance.now() - t0;

const count = <T,>(xs: readonly T[], key: (x: T) => string): [string, number][] => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
};
const pct = (a: number, b: number) => (b === 0 ? '0.0' : ((100 * a) / b).toFixed(1));

console.log(`sigma source: ${root}`);
console.log(`files: ${res.files.length}`);
for (const [k, n] of count(res.files, (f) => f.outcome)) console.log(`files ${k}: ${n}`);
for (const [k, n] of count(res.files.filter((f) => f.outcome === 'skipped'), (f) => f.reason ?? '')) console.log(`  skipped (${k}): ${n}`);
const rules = res.rules;
console.log(`rules: ${rules.length}`);
for (const [k, n] of count(rules, (r) => r.kind)) console.log(`rules kind ${k}: ${n}`);
const withCondition = rules.filter((r) => r.logic.condition !== undefined).length;
console.log(`rules parsed (condition extracted): ${withCondition}/${rules.length} (${pct(withCondition, rules.length)}%)`);
for (const [k, n] of count(rules, (r) => r.logic.completeness)) console.log(`completeness ${k}: ${n} (${pct(n, rules.length)}%)`);
const detections = rules.filter((r) => r.nativeType === 'rule');
const completeDet = detections.filter((r) => r.logic.completeness === 'complete').length;
console.log(`detection documents complete: ${completeDet}/${detections.length} (${pct(completeDet, detections.length)}%)`);
const missingKinds = count(
  rules.flatMap((r) => r.logic.missing.map((m) => m.reason.split(/[:(]/)[0]!.trim())),
  (x) => x,
);
for (const [k, n] of missingKinds) console.log(`not complete because ${k}: ${n}`);
const diags = res.files.flatMap((f) => f.diagnostics).concat(res.diagnostics);
for (const [k, n] of count(diags, (d) => `${d.code} ${d.severity}`)) console.log(`diagnostic ${k}: ${n}`);

// regression tests
const resolve = sigmaAdapter.resolveField;
let total = 0;
let passed = 0;
let counted = 0;
const failures: string[] = [];
const countDiffs: string[] = [];
const regressionEvents: { ruleId: string; logsource: string; event: unknown }[] = [];
for (const r of rules) {
  for (const t of r.tests) {
    total++;
    for (const e of t.events ?? [t.event]) regressionEvents.push({ ruleId: r.id, logsource: r.logSources[0]?.name ?? '', event: e });
    if (!r.logic.condition) {
      failures.push(`${r.id}: ${t.name}: no condition`);
      continue;
    }
    const out = checkTest(r.logic.condition, r.logic.completeness, t, resolve);
    if (out.agrees) passed++;
    else failures.push(`${r.id}: ${t.name}: expected ${t.expected}, got ${String(out.got)}${out.detail ? ` (${out.detail})` : ''}`);
    if (out.countAgrees !== undefined) counted++;
    if (out.countAgrees === false) countDiffs.push(`${r.id}: ${t.name}: ${out.detail}`);
  }
}
console.log(`regression tests passed: ${passed}/${total}`);
for (const f of failures) console.log(`  regression failure: ${f}`);
// the verdict is SigmaHQ's (the rule fires on the log); the declared match_count is compared apart
console.log(`regression logs with the declared match_count: ${counted - countDiffs.length}/${counted}`);
for (const f of countDiffs) console.log(`  match_count differs: ${f}`);

// other rules matching the regression events
const t1 = performance.now();
const evaluable = rules.filter((r) => r.logic.condition !== undefined && r.kind !== 'deprecated');
let otherMatches = 0;
let otherUnknown = 0;
let sameLogsourceMatches = 0;
const sameLogsourceEvents = new Set<number>();
const eventsWithOther = new Set<number>();
const otherRules = new Set<string>();
regressionEvents.forEach((ev, i) => {
  for (const r of evaluable) {
    if (r.id === ev.ruleId) continue;
    const got = evaluate(r.logic.condition!, ev.event, resolve ? { resolve } : {});
    if (got === true) {
      otherMatches++;
      eventsWithOther.add(i);
      otherRules.add(r.id);
      if ((r.logSources[0]?.name ?? '') === ev.logsource) {
        sameLogsourceMatches++;
        sameLogsourceEvents.add(i);
      }
    } else if (got === 'unknown') otherUnknown++;
  }
});
const crossMs = performance.now() - t1;
console.log(`other-rule matches with the same logsource: ${sameLogsourceMatches} (events: ${sameLogsourceEvents.size}/${regressionEvents.length})`);
console.log(`regression events: ${regressionEvents.length}; rules evaluated on each: ${evaluable.length} (deprecated excluded)`);
console.log(`other-rule matches: ${otherMatches} (events matched by another rule: ${eventsWithOther.size}/${regressionEvents.length}; distinct other rules: ${otherRules.size}; unknown results: ${otherUnknown})`);
console.log(`time per rule: ${(scanMs / Math.max(1, rules.length)).toFixed(2)} ms`);
console.log(`time scan: ${(scanMs / 1000).toFixed(1)} s; cross-evaluation: ${(crossMs / 1000).toFixed(1)} s`);
console.log(`time total: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
