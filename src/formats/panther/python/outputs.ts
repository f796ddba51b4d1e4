/**
 * What an alert carries: alert_context() dict keys (through helpers such as aws_rule_context), and the event
 * fields title() and dedup() read.
 */
import type { OutputField } from '../../../model/rule.ts';
import { treeLeaves, type AV, type Tree } from './values.ts';

/**
 * Output fields from the values alert_context() may return (every dict along every path). An entry is `field` when
 * alert_context() returns a dict on every path and each has the entry as the same plain event field.
 */
export function outputFieldsOf(tree: Tree): OutputField[] {
  const out: OutputField[] = [];
  const seen = new Set<string>();
  const returned: AV[] = [];
  const visit = (v: AV): void => {
    if (v.k === 'cond') {
      for (const l of treeLeaves(v.tree)) visit(l);
      return;
    }
    returned.push(v);
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
  return out.map((o) => {
    const at = plainFieldOn(returned, o.name);
    return at === undefined ? o : { ...o, ...at };
  });
}

/**
 * The event field every returned dict has as its entry `name`, plain (no transform, no loop element), with the same
 * default on every path. A `deep_walk` is plain too: the resolver collects a path's values across lists as it
 * does, and a correlation matches a list by its elements.
 */
function plainFieldOn(returned: readonly AV[], name: string): Pick<OutputField, 'field' | 'fieldDefault' | 'nullAsMissing'> | undefined {
  let found: { field: string; fieldDefault?: string | number | boolean; nullAsMissing?: boolean; key: string } | undefined;
  for (const v of returned) {
    if (v.k !== 'dict') return undefined;
    const hits = v.entries.filter((e) => e.key.k === 'const' && String(e.key.v) === name);
    if (hits.length !== 1) return undefined;
    const f = hits[0]!.value;
    if (f.k !== 'field' || f.fn || f.derived || f.path.length === 0 || f.path.some((p) => p === '')) return undefined;
    const d = f.emptyDefault ? undefined : f.missingAs;
    if (d !== undefined && d !== null && typeof d === 'object') return undefined;
    const cur = { field: f.path.join('.'), ...(d !== undefined && d !== null && d !== '' ? { fieldDefault: d } : {}), ...(f.nullAsMissing ? { nullAsMissing: true } : {}) };
    const key = JSON.stringify(cur);
    if (found !== undefined && found.key !== key) return undefined;
    found = { ...cur, key };
  }
  if (!found) return undefined;
  const { key: _key, ...at } = found;
  return at;
}
