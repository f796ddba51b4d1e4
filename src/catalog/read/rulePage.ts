/** The rule page's data: the record, its indicators with their counts elsewhere, exclusions, rules of other formats on the same action. */
import type { RuleRecord } from '../../model/rule.ts';
import { sameActionRules, type SameActionRule } from '../crossvendor.ts';
import type { CatalogCore } from './core.ts';
import { ruleCanonicalCounts, type CanonicalCount } from './crossvendor.ts';
import { INDICATOR_PAGE_MIN_RULES } from './types.ts';

/** A canonical count without the rule itself ("other rules"); undefined when the field maps to no canonical field. */
function otherRules(c: CanonicalCount | undefined, format: string): CanonicalCount | undefined {
  if (!c) return undefined;
  const counts: Record<string, number> = { ...c.counts };
  if (counts[format]) counts[format] -= 1;
  for (const k of Object.keys(counts)) if (!counts[k]) delete counts[k];
  const vals = Object.values(counts);
  return { label: c.label, counts, rules: vals.reduce((a, b) => a + b, 0), formats: vals.length };
}

export function ruleRecordOf(cat: CatalogCore, id: string): RuleRecord | undefined {
  const r = cat.st('SELECT j.json FROM rules r JOIN rule_json j ON j.rowid = r.rowid WHERE r.id = ?').get(id) as { json: string } | undefined;
  return r ? (JSON.parse(r.json) as RuleRecord) : undefined;
}

/**
 * A rule's excluded keys, each with whether it has its own page: `indicatorHasPage` in one statement (this rule
 * tests the key, so another rule testing or excluding it makes the two rules it asks for; or another spelling of it
 * is tested: `indicator_canon`).
 */
const EXCLUSION_KEYS_SQL = `SELECT k.key, k.field, k.op, k.value_json,
    EXISTS (SELECT 1 FROM indicators i WHERE i.key = k.key AND i.rule != ?)
      OR EXISTS (SELECT 1 FROM exclusions e WHERE e.key = k.key AND e.rule != ?)
      OR EXISTS (SELECT 1 FROM indicator_canon c WHERE c.key = k.key) page
  FROM (SELECT DISTINCT key, field, op, value_json FROM exclusions WHERE rule = ?) k`;
// the statement counts "another rule" for the two rules a page asks for: it follows INDICATOR_PAGE_MIN_RULES only at 2
const PAGE_RULES_READ_AS_ANOTHER: 2 = INDICATOR_PAGE_MIN_RULES;
void PAGE_RULES_READ_AS_ANOTHER;

export function rulePageData(cat: CatalogCore, id: string) {
  const row = cat.st('SELECT r.rowid, j.json FROM rules r JOIN rule_json j ON j.rowid = r.rowid WHERE r.id = ?').get(id) as { rowid: number; json: string } | undefined;
  if (!row) return undefined;
  const rule = JSON.parse(row.json) as RuleRecord;
  const indicators = cat.st(
    `SELECT i.key, i.field, i.op, i.value_json, (SELECT json_group_object(c.format, c.n) FROM indicator_counts c WHERE c.key = i.key) counts,
       EXISTS (SELECT 1 FROM exclusions e WHERE e.key = i.key AND e.rule != i.rule) excluded_elsewhere,
       EXISTS (SELECT 1 FROM indicator_canon k WHERE k.key = i.key) canon_page
     FROM indicators i WHERE i.rule = ?`,
  ).all(row.rowid) as { key: string; field: string; op: string; value_json: string; counts: string; excluded_elsewhere: number; canon_page: number }[];
  const canonical = ruleCanonicalCounts(cat, row.rowid);
  const src = cat.st('SELECT repository, licence, commit_id, url_base, origin FROM sources WHERE name = (SELECT source FROM rules WHERE rowid = ?)').get(row.rowid) as
    | { repository: string; licence: string | null; commit_id: string | null; url_base: string | null; origin: string }
    | undefined;
  return {
    rule,
    indicators: indicators.map((i) => {
      const counts = JSON.parse(i.counts ?? '{}') as Record<string, number>;
      // "other rules": this rule is not counted
      if (counts[rule.format]) counts[rule.format]! -= 1;
      for (const k of Object.keys(counts)) if (!counts[k]) delete counts[k];
      // its own page when another rule looks for it or excludes it (indicatorHasPage, without a query per row)
      const page = Object.keys(counts).length > 0 || i.excluded_elsewhere === 1 || i.canon_page === 1;
      return { key: i.key, field: i.field, op: i.op, value: JSON.parse(i.value_json) as unknown, counts, page, canonical: otherRules(canonical.get(i.key), rule.format) };
    }),
    exclusionKeys: (cat.st(EXCLUSION_KEYS_SQL).all(row.rowid, row.rowid, row.rowid) as { key: string; field: string; op: string; value_json: string; page: number }[]).map((k) => ({ ...k, page: k.page === 1 })),
    sameAction: sameAction(cat, row.rowid, rule.format),
    aggregated: aggregatedRules(cat, rule),
    source: src,
    attackVersion: cat.meta('attack_version'),
    attackAttribution: cat.meta('attack_attribution'),
    tacticOrder: cat.tactics(),
  };
}

/**
 * The catalog's rules a correlation aggregates (`aggregation.rules`: Panther RuleIDs, Sigma ids), by native id in
 * the rule's own format; a name the catalog has no rule for is left out.
 */
function aggregatedRules(cat: CatalogCore, rule: RuleRecord): Record<string, { readonly id: string; readonly title: string }> {
  const out: Record<string, { id: string; title: string }> = {};
  for (const n of rule.logic.aggregation?.rules ?? []) {
    const r = cat.st('SELECT id, title FROM rules WHERE format = ? AND native_id = ? ORDER BY id LIMIT 1').get(rule.format, n) as { id: string; title: string } | undefined;
    if (r) out[n] = r;
  }
  return out;
}

/**
 * Rules of other formats that test the same action (canonical log source, action field and value; see
 * crossvendor.ts), grouped by format, with how their conditions relate and whether they fire on this rule's
 * test events; and this rule's own action keys and canonical log sources.
 */
export function sameAction(cat: CatalogCore, rowid: number, format: string) {
  const rules = sameActionRules(cat.db, rowid, format);
  const groups = new Map<string, SameActionRule[]>();
  for (const r of rules) {
    let g = groups.get(r.format);
    if (!g) groups.set(r.format, (g = []));
    g.push(r);
  }
  const keys = (cat.st('SELECT ls, field, display FROM action_keys WHERE rule = ?').all(rowid) as { ls: string; field: string; display: string }[]).map((k) => `${k.ls}: ${k.field} = ${k.display}`);
  const logSources = (cat.st('SELECT DISTINCT ls FROM canonical_ls WHERE rule = ?').all(rowid) as { ls: string }[]).map((r) => r.ls);
  return { keys, logSources, groups: [...groups].map(([fmt, rs]) => ({ format: fmt, rules: rs })) };
}
