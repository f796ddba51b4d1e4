/**
 * What an alert carries: alert_context() dict keys (through helpers such as aws_rule_context), and the event
 * fields title() and dedup() read.
 */
import type { OutputField } from '../../../model/rule.ts';
import { treeLeaves, type AV, type Tree } from './values.ts';

/** Output fields from the values alert_context() may return (every dict along every path). */
export function outputFieldsOf(tree: Tree): OutputField[] {
  const out: OutputField[] = [];
  const seen = new Set<string>();
  const visit = (v: AV): void => {
    if (v.k === 'cond') {
      for (const l of treeLeaves(v.tree)) visit(l);
      return;
    }
    if (v.k !== 'dict') return;
    for (const e of v.entries) {
      if (e.key.k !== 'const' || e.key.v === null) continue;
      const name = String(e.key.v);
      if (seen.has(name)) continue;
      seen.add(name);
      out.push({ name, source: e.via ? `alert_context → ${e.via}()` : 'alert_context', from: e.text });
    }
  };
  for (const l of treeLeaves(tree)) visit(l);
  return out;
}
