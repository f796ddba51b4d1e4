/**
 * MQL figures on a sublime-rules checkout (issue 12's acceptance): rules parsed without a syntax error, non-empty
 * condition, share with at least one non-opaque predicate, completeness by kind, the opaque parts by category and
 * the most used opaque functions and lists, every file's outcome.
 * Usage: node --import tsx bench/mql.ts <corpora dir | sublime-rules dir>
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { mqlAdapter } from '../src/formats/mql/index.ts';
import { scanSource } from '../src/formats/scan.ts';
import type { Expr } from '../src/model/expr.ts';

const arg = process.argv[2] ?? path.resolve(import.meta.dirname, '..', '..', 'shared', 'corpora');
const root = existsSync(path.join(arg, 'detection-rules')) ? arg : path.join(arg, 'sublime');
if (!existsSync(root)) {
  console.log(`mql: ${root} not present`);
  process.exit(0);
}

const t0 = performance.now();
const res = await scanSource(mqlAdapter, root, { repository: 'sublime-security/sublime-rules' });
const secs = (performance.now() - t0) / 1000;
const rules = res.rules;
const pct = (n: number) => `${((100 * n) / Math.max(1, rules.length)).toFixed(1)}%`;

/** Does a condition hold a leaf the model expresses (a predicate or an array quantifier)? */
const structured = (e: Expr): boolean => {
  switch (e.kind) {
    case 'pred':
    case 'each':
      return true;
    case 'and':
    case 'or':
      return e.args.some(structured);
    case 'not':
      return structured(e.arg);
    case 'quant':
      return e.items.some((i) => structured(i.expr));
    case 'opaque':
    case 'const':
      return false;
  }
};

const outcomes = new Map<string, number>();
for (const f of res.files) outcomes.set(f.outcome, (outcomes.get(f.outcome) ?? 0) + 1);
const syntaxOk = rules.filter((r) => !r.diagnostics.some((d) => d.code === 'MQL003')).length;
const withCondition = rules.filter((r) => r.logic.condition && r.logic.completeness !== 'none').length;
const nonOpaque = rules.filter((r) => r.logic.condition && structured(r.logic.condition)).length;
console.log(`mql: ${res.files.length} files (${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}), ${rules.length} rules, ${secs.toFixed(2)} s`);
console.log(`mql: parsed without syntax error ${syntaxOk} (${pct(syntaxOk)}), condition with a structured part ${withCondition} (${pct(withCondition)}), at least one non-opaque predicate ${nonOpaque} (${pct(nonOpaque)})`);
const byKind = new Map<string, Map<string, number>>();
for (const r of rules) {
  const k = byKind.get(r.kind) ?? new Map<string, number>();
  k.set(r.logic.completeness, (k.get(r.logic.completeness) ?? 0) + 1);
  byKind.set(r.kind, k);
}
const total = (c: string) => rules.filter((r) => r.logic.completeness === c).length;
console.log(`mql: complete ${total('complete')}, partial ${total('partial')}, none ${total('none')}`);
for (const [k, m] of byKind) console.log(`mql:   ${k}: ${[...m].map(([c, n]) => `${c} ${n}`).join(', ')}`);
const cats = new Map<string, number>();
const names = new Map<string, { uses: number; rules: Set<string> }>();
for (const r of rules) {
  for (const m of r.logic.missing) {
    const hit = /^(\w+): (\S+)/.exec(m.reason);
    const cat = hit?.[1] ?? m.reason;
    cats.set(cat, (cats.get(cat) ?? 0) + 1);
    if (!hit || !['enrichment', 'function', 'list'].includes(cat)) continue;
    const key = `${cat}: ${hit[2]}`;
    const e = names.get(key) ?? { uses: 0, rules: new Set<string>() };
    e.uses++;
    e.rules.add(r.id);
    names.set(key, e);
  }
}
console.log(`mql: opaque parts by category: ${[...cats].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ')}`);
console.log('mql: most used opaque functions and lists (uses, rules):');
for (const [k, v] of [...names].sort((a, b) => b[1].uses - a[1].uses).slice(0, 25)) console.log(`mql:   ${v.uses}\t${v.rules.size}\t${k}`);
