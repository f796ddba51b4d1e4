/** Log-source and indicator pages. */
import type { CatalogCore } from './core.ts';
import { indicatorCanonical } from './crossvendor.ts';
import { ROW_COLS, type RuleRow } from './types.ts';

export function logsourceList(cat: CatalogCore) {
  return cat.st('SELECT key, kind, name, COUNT(DISTINCT rule) n FROM logsources GROUP BY key ORDER BY kind, n DESC').all() as { key: string; kind: string; name: string; n: number }[];
}

export function logsourcePageData(cat: CatalogCore, key: string) {
  const ls = cat.st('SELECT key, kind, name FROM logsources WHERE key = ? LIMIT 1').get(key) as { key: string; kind: string; name: string } | undefined;
  if (!ls) return undefined;
  const rules = cat.st(`SELECT ${ROW_COLS} FROM logsources l JOIN rules r ON r.rowid = l.rule WHERE l.key = ? ORDER BY r.counts DESC, r.format, r.title COLLATE NOCASE`).all(key) as RuleRow[];
  const sub = 'SELECT rule FROM logsources WHERE key = ?';
  return {
    ...ls,
    rules,
    topFields: cat.st(`SELECT field, COUNT(DISTINCT rule) n FROM rule_fields WHERE rule IN (${sub}) AND role = 'condition' GROUP BY field_lc ORDER BY n DESC, field LIMIT 25`).all(key) as { field: string; n: number }[],
    techniques: cat.st(`SELECT a.technique id, t.name, COUNT(DISTINCT a.rule) n FROM rule_attack a LEFT JOIN attack_techniques t ON t.id = a.technique WHERE a.rule IN (${sub}) AND a.technique IS NOT NULL GROUP BY a.technique ORDER BY n DESC LIMIT 30`).all(key) as { id: string; name: string | null; n: number }[],
  };
}

export function indicatorPageData(cat: CatalogCore, key: string) {
  const k = cat.st('SELECT key, field, op, value_json, total FROM indicator_keys WHERE key = ?').get(key) as { key: string; field: string; op: string; value_json: string; total: number } | undefined;
  const ex = cat.st(`SELECT DISTINCT ${ROW_COLS}, e.stage FROM exclusions e JOIN rules r ON r.rowid = e.rule WHERE e.key = ? ORDER BY r.format, r.title`).all(key) as (RuleRow & { stage: string | null })[];
  if (!k && !ex.length) return undefined;
  const head = k ?? (cat.st('SELECT key, field, op, value_json FROM exclusions WHERE key = ? LIMIT 1').get(key) as { key: string; field: string; op: string; value_json: string });
  const rules = cat.st(`SELECT DISTINCT ${ROW_COLS}, i.field matched_field FROM indicators i JOIN rules r ON r.rowid = i.rule WHERE i.key = ? ORDER BY r.format, r.title COLLATE NOCASE`).all(key) as (RuleRow & { matched_field: string })[];
  const byFormat: Record<string, RuleRow[]> = {};
  for (const r of rules) (byFormat[r.format] ??= []).push(r);
  const listed = new Set([...rules.map((r) => r.id), ...ex.map((r) => r.id)]);
  return { key, field: head.field, op: head.op, value: JSON.parse(head.value_json) as unknown, byFormat, total: rules.length, excludedBy: ex, canonical: indicatorCanonical(cat, key, listed) };
}
