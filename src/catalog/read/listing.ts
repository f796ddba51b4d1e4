/** Listings: browse with filters, full-text search in relevance tiers, the filter facets. */
import { ftsTiers, parseQuery, type ParsedQuery } from '../searchQuery.ts';
import type { CatalogCore } from './core.ts';
import { BM25, MAX_PAGE, MAX_PAGE_SIZE, ROW_COLS, SORT_SQL, stripEmpty, type Filters, type Listing, type Paging, type RuleRow } from './types.ts';

export function browseListing(cat: CatalogCore, f: Filters, p: Paging = {}): Listing {
  const params: unknown[] = [];
  const w = cat.where(f, params);
  const whereSql = w.length ? `WHERE ${w.join(' AND ')}` : '';
  const total = techniqueTotal(cat, f) ?? (cat.st(`SELECT COUNT(*) n FROM rules r ${whereSql}`).get(...params) as { n: number }).n;
  const pageSize = Math.min(Math.max(p.pageSize ?? 50, 1), MAX_PAGE_SIZE);
  const page = Math.max(1, Math.min(p.page ?? 1, Math.ceil(total / pageSize), MAX_PAGE));
  const order = `${SORT_SQL[p.sort ?? 'title']} ${p.dir === 'desc' ? 'DESC' : 'ASC'}, r.id`;
  const rows = cat.st(`SELECT ${ROW_COLS} FROM rules r ${whereSql} ORDER BY ${order} LIMIT ? OFFSET ?`).all(...params, pageSize, (page - 1) * pageSize) as RuleRow[];
  return { total, page, pageSize, rows };
}

/**
 * The total of a technique's listing (rules that count for coverage, maybe of one format) from the build's
 * `technique_totals`, the count `where` gives without reading the technique's rules (T1078: 608 of the 894 it tags,
 * from 2,941 `rule_attack` rows); undefined for any other filter set.
 */
function techniqueTotal(cat: CatalogCore, f: Filters): number | undefined {
  // any filter but these two (a filter added later included) is counted over the rules
  if (!f.technique || !Object.entries(f).every(([k, v]) => k === 'technique' || k === 'format' || !v)) return undefined;
  const t = f.technique.toUpperCase();
  // a revoked technique reads its replacements: counted over the rules
  if (cat.techniqueFilterIds(t).length !== 1) return undefined;
  const row = f.format
    ? cat.st('SELECT n FROM technique_totals WHERE technique = ? AND format = ?').get(t, f.format)
    : cat.st('SELECT SUM(n) n FROM technique_totals WHERE technique = ?').get(t);
  return (row as { n: number | null } | undefined)?.n ?? 0;
}

/**
 * Full-text search with the filters; kinds are not restricted unless a kind filter is given. Without an explicit
 * sort, results come in three relevance tiers (see `ftsTiers`): rules whose logic tests the terms (a value one of
 * their predicates compares with), then rules whose title, description, fields, values or metadata hold every
 * term, then rules that need their body for some term; each tier by bm25. Only the page is
 * ranked out of FTS5 (`ORDER BY bm25 LIMIT`), never the whole match set, and the total stops at
 * SEARCH_COUNT_CAP (`totalCapped`).
 */
export function searchListing(cat: CatalogCore, q: string, f: Filters = {}, p: Paging = {}): Listing & { readonly parsed: ParsedQuery } {
  const parsed = parseQuery(q);
  const filters: Filters = { ...parsed.filters, ...stripEmpty(f), all: f.kind || parsed.filters.kind ? (f.all ?? false) : true };
  const params: unknown[] = [];
  const w = cat.where(filters, params);
  for (const fld of parsed.fields) {
    w.push('r.rowid IN (SELECT rule FROM rule_fields WHERE field_lc = ?)');
    params.push(fld.toLowerCase());
  }
  const pageSize = Math.min(Math.max(p.pageSize ?? 50, 1), MAX_PAGE_SIZE);
  // nothing typed: no results; filters typed alone (`technique:T1033`) list the rules they keep, as a sorted listing
  if (!parsed.fts && !parsed.fields.length && !parsed.values.length && !Object.keys(parsed.filters).length) return { parsed, total: 0, page: 1, pageSize, rows: [] };
  const page = Math.max(1, Math.min(p.page ?? 1, MAX_PAGE));
  if (parsed.fts && !p.sort) return { parsed, ...rankedSearch(cat, parsed.fts, w, params, page, pageSize) };
  // a sorted listing: the FTS match (if any) is one more filter, evaluated once as a rowid set
  const cond = parsed.fts ? ['r.rowid IN (SELECT rowid FROM rules_fts WHERE rules_fts MATCH ?)', ...w] : w;
  const args = parsed.fts ? [parsed.fts, ...params] : params;
  const whereSql = cond.length ? `WHERE ${cond.join(' AND ')}` : '';
  const order = `${SORT_SQL[p.sort ?? 'title']} ${p.dir === 'desc' ? 'DESC' : 'ASC'}`;
  const rows = cat.st(`SELECT ${ROW_COLS} FROM rules r ${whereSql} ORDER BY ${order}, r.id LIMIT ? OFFSET ?`).all(...args, pageSize, (page - 1) * pageSize) as RuleRow[];
  const n = (cat.st(`SELECT COUNT(*) n FROM (SELECT 1 FROM rules r ${whereSql} LIMIT ?)`).get(...args, cat.countCap + 1) as { n: number }).n;
  return { parsed, ...cat.capped(n), page, pageSize, rows };
}

/** One page of an FTS search in relevance order: the tested tier, the described tier, then the body-only tier. */
export function rankedSearch(cat: CatalogCore, fts: string, w: readonly string[], params: readonly unknown[], page: number, pageSize: number): Listing {
  // ties broken by rowid: pages never repeat or skip a rule. CROSS JOIN keeps FTS5 the outer loop: one MATCH, then each match checked against the filters (the planner
  // would otherwise start from a selective filter and run the MATCH once per filtered rule)
  const from = `FROM rules_fts f${w.length ? ` CROSS JOIN rules r ON r.rowid = f.rowid WHERE rules_fts MATCH ? AND ${w.join(' AND ')}` : ' WHERE rules_fts MATCH ?'}`;
  const ranked = (expr: string, limit: number, offset: number) =>
    (cat.st(`SELECT f.rowid ${from} ORDER BY ${BM25}, f.rowid LIMIT ? OFFSET ?`).all(expr, ...params, limit, offset) as { rowid: number }[]).map((r) => r.rowid);
  const count = (expr: string, cap: number) => (cat.st(`SELECT COUNT(*) n FROM (SELECT 1 ${from} LIMIT ?)`).get(expr, ...params, cap) as { n: number }).n;
  // tiers in order; a page may span several: skip the rows of earlier pages tier by tier
  let skip = (page - 1) * pageSize;
  const ids: number[] = [];
  let before = 0;
  let total: number | undefined;
  const tiers = ftsTiers(fts);
  for (let t = 0; t < tiers.length && ids.length < pageSize; t++) {
    const want = pageSize - ids.length;
    const got = ranked(tiers[t]!, want, skip);
    if (got.length === want) {
      ids.push(...got);
      break;
    }
    // the tier ends on this page or before it: its size is known once a row of it was seen (or none skipped)
    const size = got.length || !skip ? skip + got.length : count(tiers[t]!, Number.MAX_SAFE_INTEGER);
    ids.push(...got);
    before += size;
    skip = Math.max(0, skip - size);
    if (t === tiers.length - 1) total = before;
  }
  const n = total ?? count(fts, cat.countCap + 1);
  return { ...cat.capped(n), page, pageSize, rows: cat.rowsByRowid(ids) };
}

export function facetsData(cat: CatalogCore) {
  const col = (c: string) => (cat.st(`SELECT DISTINCT ${c} v FROM rules WHERE ${c} IS NOT NULL ORDER BY 1`).all() as { v: string }[]).map((r) => r.v);
  return {
    format: col('format'),
    kind: col('kind'),
    severity: col('severity'),
    status: col('status'),
    tactic: cat.tactics().map((t) => ({ id: t.id, name: t.name })),
    logsource: cat.st('SELECT key, kind, name, COUNT(DISTINCT rule) n FROM logsources GROUP BY key ORDER BY n DESC LIMIT 200').all() as { key: string; kind: string; name: string; n: number }[],
  };
}
