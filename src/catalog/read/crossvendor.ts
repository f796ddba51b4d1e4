/**
 * Cross-format views for the technique and indicator pages (the rule page's is `sameActionRules`): the technique's
 * rules grouped by the canonical action they test, and an indicator's canonical field and value with its counts and
 * the rules that test it under another spelling (see `canonicalIndicators.ts`).
 */
import { canonicalLabel } from '../canonicalIndicators.ts';
import type { CatalogCore } from './core.ts';
import { ROW_COLS, type RuleRow } from './types.ts';

/** Rule counts per format of one canonical key (see canonical_counts). */
export interface CanonicalCount {
  /** `log source: field op "value"`. */
  readonly label: string;
  /** Rules per format testing it (this rule included where it is one). */
  readonly counts: Readonly<Record<string, number>>;
  readonly rules: number;
  readonly formats: number;
}

function tally(counts: Record<string, number>): { rules: number; formats: number } {
  const vals = Object.values(counts).filter((n) => n > 0);
  return { rules: vals.reduce((a, b) => a + b, 0), formats: vals.length };
}

/**
 * Per native indicator key of one rule, its canonical key with the rules of every format that test it under the
 * rule's own case rule (a case-sensitive value counts the same spelling and case-insensitive tests).
 */
export function ruleCanonicalCounts(cat: CatalogCore, rowid: number): Map<string, CanonicalCount> {
  const rows = cat
    .st(
      `SELECT ci.native, ci.ls, ci.field, ci.op, ci.exact,
         (SELECT json_group_object(c.format, c.n) FROM canonical_counts c WHERE c.ckey = ci.ckey AND c.variant = CASE WHEN ci.cs = 1 THEN ci.exact ELSE '' END) counts
       FROM canonical_ind ci WHERE ci.rule = ?`,
    )
    .all(rowid) as { native: string; ls: string; field: string; op: string; exact: string; counts: string | null }[];
  const out = new Map<string, CanonicalCount>();
  for (const r of rows) {
    if (out.has(r.native)) continue;
    const counts = JSON.parse(r.counts ?? '{}') as Record<string, number>;
    out.set(r.native, { label: canonicalLabel(r), counts, ...tally(counts) });
  }
  return out;
}

/** Canonical keys shown on an indicator page at most, and rules listed per key at most. */
export const INDICATOR_CANONICAL_LIMITS = { keys: 4, rules: 300 } as const;

/** One canonical key of an indicator page: its counts and the rules testing it that the page does not list already. */
export interface IndicatorCanonical extends CanonicalCount {
  readonly others: readonly (RuleRow & { readonly native_field: string })[];
  /** More rules than listed (INDICATOR_CANONICAL_LIMITS). */
  readonly truncated: boolean;
}

/** The canonical keys of a native indicator key (`indicator_canon`) with their rules not in `listed` (rule ids). */
export function indicatorCanonical(cat: CatalogCore, key: string, listed: ReadonlySet<string>): IndicatorCanonical[] {
  const keys = cat.st('SELECT ckey, variant FROM indicator_canon WHERE key = ? ORDER BY n DESC, ckey LIMIT ?').all(key, INDICATOR_CANONICAL_LIMITS.keys) as { ckey: string; variant: string }[];
  return keys.map((k) => {
    const head = cat.st('SELECT ls, field, op, exact FROM canonical_ind WHERE ckey = ? AND native = ? LIMIT 1').get(k.ckey, key) as { ls: string; field: string; op: string; exact: string };
    const counts = Object.fromEntries((cat.st('SELECT format, n FROM canonical_counts WHERE ckey = ? AND variant = ?').all(k.ckey, k.variant) as { format: string; n: number }[]).map((r) => [r.format, r.n]));
    const rows = cat
      .st(
        // the native field is looked up for the rows kept only
        `SELECT x.*, (SELECT c2.nfield FROM canonical_ind c2 WHERE c2.rule = x.rid AND c2.ckey = ? LIMIT 1) native_field
         FROM (SELECT ${ROW_COLS}, r.rowid rid FROM rules r WHERE r.rowid IN (SELECT ci.rule FROM canonical_ind ci WHERE ci.ckey = ? AND (? = '' OR ci.cs = 0 OR ci.exact = ?))
               ORDER BY r.format, r.title COLLATE NOCASE LIMIT ?) x`,
      )
      .all(k.ckey, k.ckey, k.variant, k.variant, INDICATOR_CANONICAL_LIMITS.rules + listed.size + 1) as (RuleRow & { rid: number; native_field: string | null })[];
    const others = rows.filter((r) => !listed.has(r.id)).map(({ rid: _rid, ...r }) => ({ ...r, native_field: r.native_field ?? '' }));
    return { label: canonicalLabel(head), counts, ...tally(counts), others: others.slice(0, INDICATOR_CANONICAL_LIMITS.rules), truncated: others.length > INDICATOR_CANONICAL_LIMITS.rules };
  });
}

/** For aggregate rows (technique page indicators): the largest canonical count of each native key, when it has one. */
export function canonicalTotals(cat: CatalogCore, keys: readonly string[]): Map<string, { rules: number; formats: number }> {
  const out = new Map<string, { rules: number; formats: number }>();
  if (!keys.length) return out;
  const rows = cat.db.prepare(`SELECT key, n, formats FROM indicator_canon WHERE key IN (${keys.map(() => '?').join(',')}) ORDER BY n DESC`).all(...keys) as { key: string; n: number; formats: number }[];
  for (const r of rows) if (!out.has(r.key)) out.set(r.key, { rules: r.n, formats: r.formats });
  return out;
}

/** Action groups shown on a technique page at most, and rules listed per format in a group at most. */
export const TECHNIQUE_SAME_ACTION_LIMITS = { groups: 20, rulesPerFormat: 6 } as const;

/** A canonical action that rules of two or more formats among a technique's rules test. */
export interface TechniqueActionGroup {
  /** `log source: field = value` (the value as one of the rules writes it). */
  readonly key: string;
  readonly formats: readonly { readonly format: string; readonly count: number; readonly rules: readonly { readonly id: string; readonly title: string }[] }[];
  readonly rules: number;
}

/**
 * The technique's rules (`ruleSql`: a subquery of rule rowids with its parameters) grouped by canonical action key
 * (log source + action field + value), keeping the groups that rules of two or more formats share. Case rules as on
 * the rule page: two case-sensitive tests of different spellings are not the same action. Groups with more formats
 * first, then more rules; bounded (TECHNIQUE_SAME_ACTION_LIMITS).
 */
export function techniqueSameAction(cat: CatalogCore, ruleSql: string, params: readonly unknown[]): TechniqueActionGroup[] {
  const rows = cat
    .st(`SELECT a.ls, a.field, a.value, a.display, a.cs, a.format, r.id, r.title FROM action_keys a JOIN rules r ON r.rowid = a.rule WHERE a.rule IN (${ruleSql})`)
    .all(...params) as { ls: string; field: string; value: string; display: string; cs: number; format: string; id: string; title: string }[];
  const byKey = new Map<string, typeof rows>();
  for (const r of rows) {
    const k = `${r.ls}\0${r.field}\0${r.value}`;
    const g = byKey.get(k);
    if (g) g.push(r);
    else byKey.set(k, [r]);
  }
  const groups: TechniqueActionGroup[] = [];
  for (const members of byKey.values()) {
    if (new Set(members.map((m) => m.format)).size < 2) continue;
    // a member is in the group when a member of another format tests the same value under both case rules
    const kept = members.filter((a) => members.some((b) => b.format !== a.format && !(a.cs && b.cs && a.display !== b.display)));
    const byFormat = new Map<string, Map<string, string>>();
    for (const m of kept) {
      let f = byFormat.get(m.format);
      if (!f) byFormat.set(m.format, (f = new Map()));
      f.set(m.id, m.title);
    }
    if (byFormat.size < 2) continue;
    const first = kept[0]!;
    const formats = [...byFormat]
      .sort((a, b) => b[1].size - a[1].size || a[0].localeCompare(b[0]))
      .map(([format, rs]) => ({
        format,
        count: rs.size,
        rules: [...rs].sort((a, b) => a[1].localeCompare(b[1])).slice(0, TECHNIQUE_SAME_ACTION_LIMITS.rulesPerFormat).map(([id, title]) => ({ id, title })),
      }));
    groups.push({ key: `${first.ls}: ${first.field} = ${first.display}`, formats, rules: formats.reduce((a, f) => a + f.count, 0) });
  }
  return groups.sort((a, b) => b.formats.length - a.formats.length || b.rules - a.rules || a.key.localeCompare(b.key)).slice(0, TECHNIQUE_SAME_ACTION_LIMITS.groups);
}
