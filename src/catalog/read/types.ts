/**
 * The types of the catalog's read side (listings, filters, ATT&CK data) and the SQL fragments its page families share.
 */
import type { Format, Kind } from '../../model/facts.ts';

/** One rule in a listing. */
export interface RuleRow {
  readonly id: string;
  readonly title: string;
  readonly format: Format;
  readonly kind: Kind;
  readonly severity: string | null;
  readonly status: string;
  readonly completeness: string;
  readonly path: string;
  readonly source: string;
}

export interface Filters {
  readonly format?: string;
  readonly kind?: string;
  readonly severity?: string;
  readonly status?: string;
  readonly tactic?: string;
  readonly technique?: string;
  readonly logsource?: string;
  /** Include kinds that do not count for coverage (hunting, signals, building blocks…). */
  readonly all?: boolean;
}

export const SORTS = ['title', 'format', 'kind', 'severity', 'status', 'modified'] as const;
export type Sort = (typeof SORTS)[number];

/**
 * The last page a listing goes to (50 million rules at 50 a page): a page past it is read as this one, so a page
 * number from a URL (`page=99999999999999999999`) never makes an offset SQLite cannot bind as an integer.
 */
export const MAX_PAGE = 1_000_000;

/** Rules a page, at most (a listing's or a search's `pageSize`). */
export const MAX_PAGE_SIZE = 500;

export interface Paging {
  readonly sort?: Sort;
  readonly dir?: 'asc' | 'desc';
  /** From 1; a page past `MAX_PAGE` is read as `MAX_PAGE`. */
  readonly page?: number;
  readonly pageSize?: number;
}

export interface Listing {
  /** Rules listed; for a search at most SEARCH_COUNT_CAP, with `totalCapped` when more match. */
  readonly total: number;
  readonly totalCapped?: boolean;
  readonly page: number;
  readonly pageSize: number;
  readonly rows: readonly RuleRow[];
}

export interface TechniqueInfo {
  readonly id: string;
  readonly name: string;
  readonly parent: string | null;
  readonly isSub: boolean;
  readonly revoked: boolean;
  readonly deprecated: boolean;
  readonly replacedBy: string | null;
  readonly tactics: readonly string[];
  readonly platforms: readonly string[];
  readonly url: string | null;
  readonly description: string | null;
}

export interface TacticInfo {
  readonly id: string;
  readonly name: string;
  readonly shortname: string;
  readonly url: string | null;
  readonly description: string | null;
}

export interface MatrixCell {
  readonly id: string;
  readonly name: string;
  readonly count: number;
  readonly subs: readonly { readonly id: string; readonly name: string; readonly count: number }[];
}

export interface MatrixData {
  readonly version: string;
  readonly attribution: string;
  readonly filters: Filters;
  readonly max: number;
  readonly rules: number;
  readonly tactics: readonly (TacticInfo & { readonly techniques: readonly MatrixCell[]; readonly count: number })[];
}

/**
 * A search counts its matches up to this many and then says "1000+": counting every rule that mentions a common
 * word (and joining each to the filters) costs more than ranking the page shown.
 */
export const SEARCH_COUNT_CAP = 1000;

/** bm25 weights of the FTS columns, in FTS_COLUMNS order: title, description, fields, values, metadata, body. */
export const BM25 = 'bm25(rules_fts, 10.0, 3.0, 4.0, 4.0, 2.0, 0.5)';

/** An indicator (field, operator, value) gets its own page when this many rules look for or exclude it. */
export const INDICATOR_PAGE_MIN_RULES = 2;

export const ROW_COLS = 'r.id, r.title, r.format, r.kind, r.severity, r.status, r.completeness, r.path, r.source';
export const SORT_SQL: Record<Sort, string> = {
  title: 'r.title COLLATE NOCASE',
  format: 'r.format, r.title COLLATE NOCASE',
  kind: 'r.kind, r.title COLLATE NOCASE',
  severity: 'r.severity_rank',
  status: 'r.status, r.title COLLATE NOCASE',
  modified: "COALESCE(r.modified, '')",
};

/** An indicator key with the number of rules (of some set) using it. */
export interface IndicatorAgg {
  readonly key: string;
  readonly field: string;
  readonly op: string;
  readonly value_json: string;
  readonly n: number;
  /** The key has its own indicator page (indicatorHasPage). */
  readonly page: boolean;
  /** Rules of every format testing its canonical field and value, when more than one does (canonicalIndicators.ts). */
  readonly canonical?: { readonly rules: number; readonly formats: number };
}

export function techniqueFrom(r: Record<string, unknown>): TechniqueInfo {
  return {
    id: String(r.id),
    name: String(r.name),
    parent: (r.parent as string | null) ?? null,
    isSub: r.is_sub === 1,
    revoked: r.revoked === 1,
    deprecated: r.deprecated === 1,
    replacedBy: (r.replaced_by as string | null) ?? null,
    tactics: JSON.parse(String(r.tactics)) as string[],
    platforms: JSON.parse(String(r.platforms)) as string[],
    url: (r.url as string | null) ?? null,
    description: (r.description as string | null) ?? null,
  };
}

export function stripEmpty(f: Filters): Filters {
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined && v !== '')) as Filters;
}
