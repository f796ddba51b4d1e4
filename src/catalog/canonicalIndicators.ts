/**
 * Indicator counts over canonical fields, across formats. An indicator (native field, operator, value) whose field
 * the rule's vocabulary maps onto a canonical field (`src/model/vocabulary`) is also counted under its canonical key:
 * log source + canonical field + operator + value, the value lower-cased; `in` lists count per value as `eq`. Rows
 * are written per positive canonical predicate value when a rule is written (`canonical_ind`, beside its native
 * indicator key and field); the counts are made in SQL once at the end of a build (`writeCanonicalCounts`).
 *
 * Case rules, as for same-action links: a value tested case-sensitively by two rules counts them together only when
 * it is written the same; a case-insensitive test counts with every spelling. `canonical_counts` keeps, per
 * canonical key and format, the count for a case-insensitive test (variant `''`) and, for each value tested
 * case-sensitively, the count for that spelling (variant = the value as written). Keys that one rule alone tests
 * are left out (no count row means "no other rule").
 *
 * The ckey index covers (ckey, format, rule): the counts are read from it in order, without a sort.
 *
 * `indicator_canon` sums it up per native indicator key (the indicator page's id): its canonical keys with their
 * rule and format counts; a native key has a row only when more than one rule tests one of its canonical keys.
 */
import type { Value } from '../model/expr.ts';
import type { CanonicalView } from '../model/vocabulary/canonical.ts';
import { indicatorKey, shortHash, valueKey } from './keys.ts';
import type { DB } from './schema.ts';

export const CANONICAL_INDICATOR_SCHEMA_SQL = `
CREATE TABLE canonical_ind (rule INTEGER NOT NULL, format TEXT NOT NULL, ckey TEXT NOT NULL, native TEXT NOT NULL, nfield TEXT NOT NULL,
  cs INTEGER NOT NULL, exact TEXT NOT NULL, ls TEXT NOT NULL, field TEXT NOT NULL, op TEXT NOT NULL);
CREATE INDEX canonical_ind_ckey ON canonical_ind (ckey, format, rule);
CREATE INDEX canonical_ind_rule ON canonical_ind (rule);
CREATE TABLE canonical_counts (ckey TEXT NOT NULL, variant TEXT NOT NULL, format TEXT NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (ckey, variant, format)) WITHOUT ROWID;
CREATE TABLE indicator_canon (key TEXT NOT NULL, ckey TEXT NOT NULL, variant TEXT NOT NULL, n INTEGER NOT NULL, formats INTEGER NOT NULL,
  PRIMARY KEY (key, ckey)) WITHOUT ROWID;
`;

/** The canonical key of one value (see the module comment). */
export function canonicalKey(ls: string, field: string, op: string, value: string): string {
  return shortHash(`${ls}\0${field.toLowerCase()}\0${op}\0${value.toLowerCase()}`);
}

/** A scalar value as the text compared (undefined for field references and null). */
function scalar(v: Value): string | undefined {
  if (typeof v === 'string') return v || undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/**
 * One rule's `canonical_ind` rows after rule and format (positive predicates with values, each value once):
 * ckey, native, nfield, cs, exact, ls, field, op. Pure: made where the rule is parsed (`rows.ts`).
 */
export function canonicalIndicatorRows(view: CanonicalView): (string | number)[][] {
  const out: (string | number)[][] = [];
  const seen = new Set<string>();
  for (const p of view.predicates) {
    if (p.negated || !p.values.length || p.values.length !== p.native.values.length) continue;
    const op = p.op === 'in' ? 'eq' : p.op;
    p.values.forEach((v, i) => {
      const exact = scalar(v);
      const nv = p.native.values[i];
      if (exact === undefined || nv === undefined) return;
      const ckey = canonicalKey(p.logSource, p.field, op, exact);
      const native = indicatorKey(p.native.field, p.native.op, valueKey(nv));
      const cs = p.cs && typeof v === 'string' ? 1 : 0;
      const dedupe = `${ckey}\0${native}\0${cs ? exact : ''}`;
      if (seen.has(dedupe)) return;
      seen.add(dedupe);
      out.push([ckey, native, p.native.field, cs, exact, p.logSource, p.field, op]);
    });
  }
  return out;
}

/**
 * The counts, made at the end of a build (after `indicator_keys`, whose keys `indicator_canon` is limited to),
 * inside its transaction.
 */
export function writeCanonicalCounts(db: DB): void {
  db.exec(`DELETE FROM canonical_counts; DELETE FROM indicator_canon;
INSERT INTO canonical_counts (ckey, variant, format, n)
  SELECT ckey, '', format, COUNT(DISTINCT rule) FROM canonical_ind
  WHERE ckey IN (SELECT ckey FROM canonical_ind GROUP BY ckey HAVING COUNT(DISTINCT rule) > 1) GROUP BY ckey, format;
INSERT INTO canonical_counts (ckey, variant, format, n)
  SELECT c.ckey, c.exact, o.format, COUNT(DISTINCT o.rule)
  FROM (SELECT DISTINCT ckey, exact FROM canonical_ind WHERE cs = 1 AND ckey IN (SELECT DISTINCT ckey FROM canonical_counts)) c
  JOIN canonical_ind o ON o.ckey = c.ckey AND (o.cs = 0 OR o.exact = c.exact) GROUP BY c.ckey, c.exact, o.format;
INSERT INTO indicator_canon (key, ckey, variant, n, formats)
  SELECT k.native, k.ckey, k.variant, SUM(c.n), COUNT(*)
  FROM (SELECT native, ckey, CASE WHEN MIN(cs) = 1 AND MIN(exact) = MAX(exact) THEN MIN(exact) ELSE '' END variant FROM canonical_ind
        WHERE ckey IN (SELECT ckey FROM canonical_counts WHERE variant = '') AND native IN (SELECT key FROM indicator_keys) GROUP BY native, ckey) k
  JOIN canonical_counts c ON c.ckey = k.ckey AND c.variant = k.variant GROUP BY k.native, k.ckey HAVING SUM(c.n) > 1;`);
}

/** A canonical key as shown: `log source: field op value`. */
export function canonicalLabel(r: { ls: string; field: string; op: string; exact: string }): string {
  return `${r.ls}: ${r.field} ${r.op} ${JSON.stringify(r.exact)}`;
}
