/**
 * The read side of the catalog: the data of every wiki page and API endpoint, straight from SQLite.
 * Opened read-only; every statement is prepared once.
 */
import { SCHEMA_VERSION } from './schema.ts';
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { FORMATS, KINDS, type Format, type Kind } from '../model/facts.ts';
import type { RuleRecord } from '../model/rule.ts';
import { sameActionRules, type SameActionRule } from './crossvendor.ts';
import { catalogFile } from './paths.ts';
import { ftsTiers, parseQuery, type ParsedQuery } from './searchQuery.ts';

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

export interface Paging {
  readonly sort?: Sort;
  readonly dir?: 'asc' | 'desc';
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
const BM25 = 'bm25(rules_fts, 10.0, 3.0, 4.0, 4.0, 2.0, 0.5)';

/** An indicator (field, operator, value) gets its own page when this many rules look for or exclude it. */
export const INDICATOR_PAGE_MIN_RULES = 2;

const ROW_COLS = 'r.id, r.title, r.format, r.kind, r.severity, r.status, r.completeness, r.path, r.source';
const SORT_SQL: Record<Sort, string> = {
  title: 'r.title COLLATE NOCASE',
  format: 'r.format, r.title COLLATE NOCASE',
  kind: 'r.kind, r.title COLLATE NOCASE',
  severity: 'r.severity_rank',
  status: 'r.status, r.title COLLATE NOCASE',
  modified: "COALESCE(r.modified, '')",
};

export class Catalog {
  readonly db: Database.Database;
  readonly dir: string;
  private readonly cache = new Map<string, Database.Statement>();
  /** The catalog does not change while it is open: derived aggregates are computed once per filter set. */
  private readonly memo = new Map<string, unknown>();

  private memoize<T>(key: string, f: () => T): T {
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const v = f();
    if (this.memo.size > 500) this.memo.clear();
    this.memo.set(key, v);
    return v;
  }

  /** Search totals stop here (SEARCH_COUNT_CAP unless the catalog was opened with another cap). */
  private readonly countCap: number;

  constructor(dir: string, opts: { readonly searchCountCap?: number } = {}) {
    this.dir = dir;
    this.countCap = opts.searchCountCap ?? SEARCH_COUNT_CAP;
    const file = catalogFile(dir);
    if (!existsSync(file)) throw new Error(`no catalog in ${dir}: run \`detwiki build\` first`);
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.db.pragma('query_only = ON');
    const version = (() => {
      try {
        return (this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined)?.value;
      } catch {
        return undefined;
      }
    })();
    if (version !== String(SCHEMA_VERSION)) {
      this.db.close();
      throw new Error(`the catalog in ${dir} has schema ${version ?? 'unknown'}, this detwiki reads schema ${SCHEMA_VERSION}: run \`detwiki build\` again`);
    }
  }

  close(): void {
    this.db.close();
  }

  private st(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) this.cache.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  meta(key: string): string {
    return (this.st('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? '';
  }

  // ---------------- home ----------------

  home() {
    return this.memoize('home', () => this.homeUncached());
  }

  private homeUncached() {
    const counts = this.st('SELECT format, kind, COUNT(*) n FROM rules GROUP BY format, kind').all() as { format: Format; kind: Kind; n: number }[];
    const byFormat: Record<string, Record<string, number>> = {};
    for (const c of counts) (byFormat[c.format] ??= {})[c.kind] = c.n;
    const sources = this.st('SELECT s.name, s.format, s.repository, s.origin, s.commit_id, s.licence, (SELECT COUNT(*) FROM files f WHERE f.source = s.name) files, (SELECT COUNT(*) FROM rules r WHERE r.source = s.name) rules FROM sources s ORDER BY s.ord').all();
    const outcomes = this.st('SELECT outcome, COUNT(*) n FROM files GROUP BY outcome').all() as { outcome: string; n: number }[];
    return {
      total: counts.reduce((a, c) => a + c.n, 0),
      formats: FORMATS.filter((f) => byFormat[f]),
      kinds: KINDS.filter((k) => counts.some((c) => c.kind === k)),
      byFormat,
      sources,
      files: Object.fromEntries(outcomes.map((o) => [o.outcome, o.n])),
      builtAt: this.meta('built_at'),
      lastSync: this.meta('last_sync'),
      attackVersion: this.meta('attack_version'),
      attackMessage: this.meta('attack_message'),
      examplesFallback: this.meta('examples_fallback') === '1',
    };
  }

  // ---------------- filters, browse, search ----------------

  private where(f: Filters, params: unknown[]): string[] {
    const w: string[] = [];
    if (f.format) (w.push('r.format = ?'), params.push(f.format));
    if (f.kind) (w.push('r.kind = ?'), params.push(f.kind));
    else if (!f.all) w.push('r.counts = 1');
    if (f.severity) (w.push('r.severity = ?'), params.push(f.severity));
    if (f.status) (w.push('r.status = ?'), params.push(f.status));
    if (f.technique) {
      w.push('r.rowid IN (SELECT rule FROM rule_attack WHERE technique = ? OR parent = ?)');
      params.push(f.technique.toUpperCase(), f.technique.toUpperCase());
    }
    if (f.tactic) {
      w.push('r.rowid IN (SELECT rule FROM rule_attack WHERE tactic = ?)');
      params.push(this.tacticId(f.tactic));
    }
    if (f.logsource) {
      w.push('r.rowid IN (SELECT rule FROM logsources WHERE key = ? OR name = ?)');
      params.push(f.logsource, f.logsource);
    }
    return w;
  }

  private tacticId(t: string): string {
    const r = this.st('SELECT id FROM attack_tactics WHERE id = ? OR shortname = ? OR name = ? COLLATE NOCASE').get(t.toUpperCase(), t.toLowerCase(), t) as { id: string } | undefined;
    return r?.id ?? t;
  }

  browse(f: Filters, p: Paging = {}): Listing {
    const params: unknown[] = [];
    const w = this.where(f, params);
    const whereSql = w.length ? `WHERE ${w.join(' AND ')}` : '';
    const total = (this.st(`SELECT COUNT(*) n FROM rules r ${whereSql}`).get(...params) as { n: number }).n;
    const pageSize = Math.min(Math.max(p.pageSize ?? 50, 1), 500);
    const page = Math.max(1, Math.min(p.page ?? 1, Math.max(1, Math.ceil(total / pageSize))));
    const order = `${SORT_SQL[p.sort ?? 'title']} ${p.dir === 'desc' ? 'DESC' : 'ASC'}, r.id`;
    const rows = this.st(`SELECT ${ROW_COLS} FROM rules r ${whereSql} ORDER BY ${order} LIMIT ? OFFSET ?`).all(...params, pageSize, (page - 1) * pageSize) as RuleRow[];
    return { total, page, pageSize, rows };
  }

  /**
   * Full-text search with the filters; kinds are not restricted unless a kind filter is given. Without an explicit
   * sort, results come in three relevance tiers (see `ftsTiers`): rules whose logic tests the terms (a value one of
   * their predicates compares with), then rules whose title, description, fields, values or metadata hold every
   * term, then rules that need their body for some term; each tier by bm25. Only the page is
   * ranked out of FTS5 (`ORDER BY bm25 LIMIT`), never the whole match set, and the total stops at
   * SEARCH_COUNT_CAP (`totalCapped`).
   */
  search(q: string, f: Filters = {}, p: Paging = {}): Listing & { readonly parsed: ParsedQuery } {
    const parsed = parseQuery(q);
    const filters: Filters = { ...parsed.filters, ...stripEmpty(f), all: f.kind || parsed.filters.kind ? (f.all ?? false) : true };
    const params: unknown[] = [];
    const w = this.where(filters, params);
    for (const fld of parsed.fields) {
      w.push('r.rowid IN (SELECT rule FROM rule_fields WHERE field_lc = ?)');
      params.push(fld.toLowerCase());
    }
    const pageSize = Math.min(Math.max(p.pageSize ?? 50, 1), 500);
    if (!parsed.fts && !parsed.fields.length && !parsed.values.length) return { parsed, total: 0, page: 1, pageSize, rows: [] };
    const page = Math.max(1, p.page ?? 1);
    if (parsed.fts && !p.sort) return { parsed, ...this.rankedSearch(parsed.fts, w, params, page, pageSize) };
    // a sorted listing: the FTS match (if any) is one more filter, evaluated once as a rowid set
    const cond = parsed.fts ? ['r.rowid IN (SELECT rowid FROM rules_fts WHERE rules_fts MATCH ?)', ...w] : w;
    const args = parsed.fts ? [parsed.fts, ...params] : params;
    const whereSql = cond.length ? `WHERE ${cond.join(' AND ')}` : '';
    const order = `${SORT_SQL[p.sort ?? 'title']} ${p.dir === 'desc' ? 'DESC' : 'ASC'}`;
    const rows = this.st(`SELECT ${ROW_COLS} FROM rules r ${whereSql} ORDER BY ${order}, r.id LIMIT ? OFFSET ?`).all(...args, pageSize, (page - 1) * pageSize) as RuleRow[];
    const n = (this.st(`SELECT COUNT(*) n FROM (SELECT 1 FROM rules r ${whereSql} LIMIT ?)`).get(...args, this.countCap + 1) as { n: number }).n;
    return { parsed, ...this.capped(n), page, pageSize, rows };
  }

  /** One page of an FTS search in relevance order: the described tier first, then the body-only tier. */
  private rankedSearch(fts: string, w: readonly string[], params: readonly unknown[], page: number, pageSize: number): Listing {
    // ties broken by rowid: pages never repeat or skip a rule. CROSS JOIN keeps FTS5 the outer loop: one MATCH, then each match checked against the filters (the planner
    // would otherwise start from a selective filter and run the MATCH once per filtered rule)
    const from = `FROM rules_fts f${w.length ? ` CROSS JOIN rules r ON r.rowid = f.rowid WHERE rules_fts MATCH ? AND ${w.join(' AND ')}` : ' WHERE rules_fts MATCH ?'}`;
    const ranked = (expr: string, limit: number, offset: number) =>
      (this.st(`SELECT f.rowid ${from} ORDER BY ${BM25}, f.rowid LIMIT ? OFFSET ?`).all(expr, ...params, limit, offset) as { rowid: number }[]).map((r) => r.rowid);
    const count = (expr: string, cap: number) => (this.st(`SELECT COUNT(*) n FROM (SELECT 1 ${from} LIMIT ?)`).get(expr, ...params, cap) as { n: number }).n;
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
    const n = total ?? count(fts, this.countCap + 1);
    return { ...this.capped(n), page, pageSize, rows: this.rowsByRowid(ids) };
  }

  private capped(n: number): { total: number; totalCapped?: true } {
    return n > this.countCap ? { total: this.countCap, totalCapped: true } : { total: n };
  }

  /** Listing rows of these rules, in the order given. */
  private rowsByRowid(ids: readonly number[]): RuleRow[] {
    if (!ids.length) return [];
    const got = this.st(`SELECT r.rowid rowid_, ${ROW_COLS} FROM rules r WHERE r.rowid IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as (RuleRow & { rowid_: number })[];
    const byId = new Map(got.map(({ rowid_, ...row }) => [rowid_, row as RuleRow]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Distinct values of the filter columns, for the filter forms. */
  facets() {
    return this.memoize('facets', () => this.facetsUncached());
  }

  private facetsUncached() {
    const col = (c: string) => (this.st(`SELECT DISTINCT ${c} v FROM rules WHERE ${c} IS NOT NULL ORDER BY 1`).all() as { v: string }[]).map((r) => r.v);
    return {
      format: col('format'),
      kind: col('kind'),
      severity: col('severity'),
      status: col('status'),
      tactic: this.tactics().map((t) => ({ id: t.id, name: t.name })),
      logsource: this.st('SELECT key, kind, name, COUNT(DISTINCT rule) n FROM logsources GROUP BY key ORDER BY n DESC LIMIT 200').all() as { key: string; kind: string; name: string; n: number }[],
    };
  }

  // ---------------- rule page ----------------

  ruleRecord(id: string): RuleRecord | undefined {
    const r = this.st('SELECT j.json FROM rules r JOIN rule_json j ON j.rowid = r.rowid WHERE r.id = ?').get(id) as { json: string } | undefined;
    return r ? (JSON.parse(r.json) as RuleRecord) : undefined;
  }

  rule(id: string) {
    const row = this.st('SELECT r.rowid, j.json FROM rules r JOIN rule_json j ON j.rowid = r.rowid WHERE r.id = ?').get(id) as { rowid: number; json: string } | undefined;
    if (!row) return undefined;
    const rule = JSON.parse(row.json) as RuleRecord;
    const indicators = this.st(
      `SELECT i.key, i.field, i.op, i.value_json, (SELECT json_group_object(c.format, c.n) FROM indicator_counts c WHERE c.key = i.key) counts,
         EXISTS (SELECT 1 FROM exclusions e WHERE e.key = i.key AND e.rule != i.rule) excluded_elsewhere
       FROM indicators i WHERE i.rule = ?`,
    ).all(row.rowid) as { key: string; field: string; op: string; value_json: string; counts: string; excluded_elsewhere: number }[];
    const src = this.st('SELECT repository, licence, commit_id, url_base, origin FROM sources WHERE name = (SELECT source FROM rules WHERE rowid = ?)').get(row.rowid) as
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
        const page = Object.keys(counts).length > 0 || i.excluded_elsewhere === 1;
        return { key: i.key, field: i.field, op: i.op, value: JSON.parse(i.value_json) as unknown, counts, page };
      }),
      exclusionKeys: (this.st('SELECT DISTINCT key, field, op, value_json FROM exclusions WHERE rule = ?').all(row.rowid) as { key: string; field: string; op: string; value_json: string }[]).map((k) => ({ ...k, page: this.indicatorHasPage(k.key) })),
      sameAction: this.sameAction(row.rowid, rule.format),
      source: src,
      attackVersion: this.meta('attack_version'),
      attackAttribution: this.meta('attack_attribution'),
      tacticOrder: this.tactics(),
    };
  }

  /**
   * Rules of other formats that test the same action (canonical log source, action field and value; see
   * crossvendor.ts), grouped by format, with how their conditions relate and whether they fire on this rule's
   * test events; and this rule's own action keys.
   */
  private sameAction(rowid: number, format: string) {
    const rules = sameActionRules(this.db, rowid, format);
    const groups = new Map<string, SameActionRule[]>();
    for (const r of rules) {
      let g = groups.get(r.format);
      if (!g) groups.set(r.format, (g = []));
      g.push(r);
    }
    const keys = (this.st('SELECT ls, field, display FROM action_keys WHERE rule = ?').all(rowid) as { ls: string; field: string; display: string }[]).map((k) => `${k.ls}: ${k.field} = ${k.display}`);
    const logSources = (this.st('SELECT DISTINCT ls FROM canonical_ls WHERE rule = ?').all(rowid) as { ls: string }[]).map((r) => r.ls);
    return { keys, logSources, groups: [...groups].map(([fmt, rs]) => ({ format: fmt, rules: rs })) };
  }

  // ---------------- ATT&CK ----------------

  tactics(): TacticInfo[] {
    return this.memoize('tactics', () => this.st('SELECT id, name, shortname, url, description FROM attack_tactics ORDER BY ord').all() as TacticInfo[]);
  }

  techniqueInfo(id: string): TechniqueInfo | undefined {
    const r = this.st('SELECT * FROM attack_techniques WHERE id = ?').get(id.toUpperCase()) as Record<string, unknown> | undefined;
    return r ? techniqueFrom(r) : undefined;
  }

  matrix(f: Filters = {}): MatrixData {
    return this.memoize(`matrix ${JSON.stringify(f)}`, () => this.matrixUncached(f));
  }

  private matrixUncached(f: Filters): MatrixData {
    const params: unknown[] = [];
    const w = this.where({ ...f, all: false, ...(f.kind ? { kind: f.kind } : {}) }, params);
    w.push('r.counts = 1');
    const counts = this.st(
      `SELECT a.tactic, a.technique, a.parent, COUNT(DISTINCT a.rule) n FROM rule_attack a JOIN rules r ON r.rowid = a.rule
       WHERE a.technique IS NOT NULL AND a.tactic IS NOT NULL AND ${w.join(' AND ')} GROUP BY a.tactic, a.technique`,
    ).all(...params) as { tactic: string; technique: string; parent: string | null; n: number }[];
    const parentCounts = this.st(
      `SELECT a.tactic, COALESCE(a.parent, a.technique) t, COUNT(DISTINCT a.rule) n FROM rule_attack a JOIN rules r ON r.rowid = a.rule
       WHERE a.technique IS NOT NULL AND a.tactic IS NOT NULL AND ${w.join(' AND ')} GROUP BY a.tactic, t`,
    ).all(...params) as { tactic: string; t: string; n: number }[];
    const tacticCounts = this.st(
      `SELECT a.tactic, COUNT(DISTINCT a.rule) n FROM rule_attack a JOIN rules r ON r.rowid = a.rule WHERE a.tactic IS NOT NULL AND ${w.join(' AND ')} GROUP BY a.tactic`,
    ).all(...params) as { tactic: string; n: number }[];
    const ruleTotal = (this.st(`SELECT COUNT(DISTINCT a.rule) n FROM rule_attack a JOIN rules r ON r.rowid = a.rule WHERE ${w.join(' AND ')}`).get(...params) as { n: number }).n;
    const cnt = new Map(counts.map((c) => [`${c.tactic}|${c.technique}`, c.n]));
    const pcnt = new Map(parentCounts.map((c) => [`${c.tactic}|${c.t}`, c.n]));
    const techs = (this.st('SELECT * FROM attack_techniques WHERE revoked = 0 AND deprecated = 0 ORDER BY name').all() as Record<string, unknown>[]).map(techniqueFrom);
    let max = 0;
    const subsOf = new Map<string, TechniqueInfo[]>();
    for (const q of techs) if (q.parent) subsOf.set(q.parent, [...(subsOf.get(q.parent) ?? []), q]);
    const tactics = this.tactics().map((t) => {
      const techniques: MatrixCell[] = techs
        .filter((q) => !q.isSub && q.tactics.includes(t.id))
        .map((q) => {
          const subs = (subsOf.get(q.id) ?? []).filter((s) => s.tactics.includes(t.id)).sort((a, b) => a.id.localeCompare(b.id)).map((s) => ({ id: s.id, name: s.name, count: cnt.get(`${t.id}|${s.id}`) ?? 0 }));
          const count = pcnt.get(`${t.id}|${q.id}`) ?? 0;
          if (count > max) max = count;
          return { id: q.id, name: q.name, count, subs };
        });
      return { ...t, techniques, count: tacticCounts.find((c) => c.tactic === t.id)?.n ?? 0 };
    });
    return { version: this.meta('attack_version'), attribution: this.meta('attack_attribution'), filters: f, max, rules: ruleTotal, tactics };
  }

  /** ATT&CK Navigator layer (layer format 4.5) of the matrix with these filters. */
  navigatorLayer(f: Filters = {}) {
    const m = this.matrix(f);
    const techniques: unknown[] = [];
    for (const t of m.tactics) {
      for (const q of t.techniques) {
        if (q.count) techniques.push({ techniqueID: q.id, tactic: t.shortname, score: q.count, comment: `${q.count} rule(s)`, enabled: true, showSubtechniques: q.subs.some((s) => s.count > 0) });
        for (const s of q.subs) if (s.count) techniques.push({ techniqueID: s.id, tactic: t.shortname, score: s.count, comment: `${s.count} rule(s)`, enabled: true });
      }
    }
    const fdesc = Object.entries(f).filter(([, v]) => v).map(([k, v]) => `${k}=${String(v)}`).join(', ');
    return {
      name: `detection-wiki coverage${fdesc ? ` (${fdesc})` : ''}`,
      versions: { attack: (m.version || '19').split('.')[0], navigator: '5.1.0', layer: '4.5' },
      domain: 'enterprise-attack',
      description: `Rules per technique (detections and correlations) from the detection-wiki catalog built ${this.meta('built_at')}.`,
      filters: { platforms: [] as string[] },
      sorting: 3,
      layout: { layout: 'side', aggregateFunction: 'max', showID: true, showName: true, showAggregateScores: false, countUnscored: false, expandedSubtechniques: 'annotated' },
      hideDisabled: false,
      techniques,
      gradient: { colors: ['#ffffffff', '#66b1ffff', '#0b3d91ff'], minValue: 0, maxValue: Math.max(1, m.max) },
      legendItems: [] as unknown[],
      metadata: [{ name: 'generator', value: 'detection-wiki' }],
      showTacticRowBackground: false,
      selectTechniquesAcrossTactics: true,
      selectSubtechniquesWithParent: false,
      selectVisibleTechniques: false,
    };
  }

  technique(id: string, f: Filters = {}) {
    const info = this.techniqueInfo(id);
    const tid = id.toUpperCase();
    const params: unknown[] = [];
    const w = this.where({ ...f, all: true }, params);
    const rows = this.st(
      `SELECT DISTINCT ${ROW_COLS}, r.counts, a.technique matched FROM rule_attack a JOIN rules r ON r.rowid = a.rule
       WHERE (a.technique = ? OR a.parent = ?)${w.length ? ` AND ${w.join(' AND ')}` : ''} ORDER BY r.format, r.title COLLATE NOCASE`,
    ).all(tid, tid, ...params) as (RuleRow & { counts: number; matched: string })[];
    const seen = new Set<string>();
    const uniq = rows.filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
    const byFormat: Record<string, (RuleRow & { matched: string })[]> = {};
    const others: RuleRow[] = [];
    for (const r of uniq) {
      if (r.counts) (byFormat[r.format] ??= []).push(r);
      else others.push(r);
    }
    const sub = 'SELECT DISTINCT a.rule FROM rule_attack a JOIN rules r ON r.rowid = a.rule WHERE (a.technique = ? OR a.parent = ?) AND r.counts = 1';
    return {
      id: tid,
      info,
      parent: info?.parent ? this.techniqueInfo(info.parent) : undefined,
      subs: (this.st('SELECT id, name FROM attack_techniques WHERE parent = ? AND revoked = 0 AND deprecated = 0 ORDER BY id').all(tid) as { id: string; name: string }[]).map((s) => ({
        ...s,
        count: (this.st('SELECT COUNT(DISTINCT a.rule) n FROM rule_attack a JOIN rules r ON r.rowid = a.rule WHERE a.technique = ? AND r.counts = 1').get(s.id) as { n: number }).n,
      })),
      tactics: this.tactics().filter((t) => info?.tactics.includes(t.id)),
      byFormat,
      others,
      topFields: this.st(`SELECT field, COUNT(DISTINCT rule) n FROM rule_fields WHERE rule IN (${sub}) AND role = 'condition' GROUP BY field_lc ORDER BY n DESC, field LIMIT 25`).all(tid, tid) as { field: string; n: number }[],
      topIndicators: this.withPage(this.st(`SELECT key, field, op, value_json, COUNT(DISTINCT rule) n FROM indicators WHERE rule IN (${sub}) AND value_key != '-' GROUP BY key ORDER BY n DESC, field LIMIT 25`).all(tid, tid) as Omit<IndicatorAgg, 'page'>[]),
      commonExclusions: this.withPage(this.st(`SELECT key, field, op, value_json, COUNT(DISTINCT rule) n FROM exclusions WHERE rule IN (${sub}) GROUP BY key ORDER BY n DESC, field LIMIT 25`).all(tid, tid) as Omit<IndicatorAgg, 'page'>[]),
      version: this.meta('attack_version'),
      attribution: this.meta('attack_attribution'),
    };
  }

  tactic(id: string) {
    const tacId = this.tacticId(id);
    const t = this.tactics().find((x) => x.id === tacId);
    if (!t) return undefined;
    const m = this.matrix({});
    const col = m.tactics.find((x) => x.id === tacId)!;
    return { tactic: t, techniques: [...col.techniques].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)), count: col.count, attribution: m.attribution, version: m.version };
  }

  // ---------------- log sources, indicators ----------------

  logsources() {
    return this.st('SELECT key, kind, name, COUNT(DISTINCT rule) n FROM logsources GROUP BY key ORDER BY kind, n DESC').all() as { key: string; kind: string; name: string; n: number }[];
  }

  logsource(key: string) {
    const ls = this.st('SELECT key, kind, name FROM logsources WHERE key = ? LIMIT 1').get(key) as { key: string; kind: string; name: string } | undefined;
    if (!ls) return undefined;
    const rules = this.st(`SELECT ${ROW_COLS} FROM logsources l JOIN rules r ON r.rowid = l.rule WHERE l.key = ? ORDER BY r.counts DESC, r.format, r.title COLLATE NOCASE`).all(key) as RuleRow[];
    const sub = 'SELECT rule FROM logsources WHERE key = ?';
    return {
      ...ls,
      rules,
      topFields: this.st(`SELECT field, COUNT(DISTINCT rule) n FROM rule_fields WHERE rule IN (${sub}) AND role = 'condition' GROUP BY field_lc ORDER BY n DESC, field LIMIT 25`).all(key) as { field: string; n: number }[],
      techniques: this.st(`SELECT a.technique id, t.name, COUNT(DISTINCT a.rule) n FROM rule_attack a LEFT JOIN attack_techniques t ON t.id = a.technique WHERE a.rule IN (${sub}) AND a.technique IS NOT NULL GROUP BY a.technique ORDER BY n DESC LIMIT 30`).all(key) as { id: string; name: string | null; n: number }[],
    };
  }

  /**
   * Whether an indicator key has its own page: at least INDICATOR_PAGE_MIN_RULES rules look for or exclude it. A key
   * of one rule only is listed on that rule's page (most keys are: hashes, one-off paths), which keeps the static
   * export from writing tens of thousands of pages that each list a single rule.
   */
  indicatorHasPage(key: string): boolean {
    const r = this.st('SELECT COUNT(*) n FROM (SELECT rule FROM indicators WHERE key = ? UNION SELECT rule FROM exclusions WHERE key = ? LIMIT ?)').get(key, key, INDICATOR_PAGE_MIN_RULES) as { n: number };
    return r.n >= INDICATOR_PAGE_MIN_RULES;
  }

  private withPage(rows: readonly Omit<IndicatorAgg, 'page'>[]): IndicatorAgg[] {
    return rows.map((r) => ({ ...r, page: r.n >= INDICATOR_PAGE_MIN_RULES || this.indicatorHasPage(r.key) }));
  }

  indicator(key: string) {
    const k = this.st('SELECT key, field, op, value_json, total FROM indicator_keys WHERE key = ?').get(key) as { key: string; field: string; op: string; value_json: string; total: number } | undefined;
    const ex = this.st(`SELECT DISTINCT ${ROW_COLS}, e.stage FROM exclusions e JOIN rules r ON r.rowid = e.rule WHERE e.key = ? ORDER BY r.format, r.title`).all(key) as (RuleRow & { stage: string | null })[];
    if (!k && !ex.length) return undefined;
    const head = k ?? (this.st('SELECT key, field, op, value_json FROM exclusions WHERE key = ? LIMIT 1').get(key) as { key: string; field: string; op: string; value_json: string });
    const rules = this.st(`SELECT DISTINCT ${ROW_COLS}, i.field matched_field FROM indicators i JOIN rules r ON r.rowid = i.rule WHERE i.key = ? ORDER BY r.format, r.title COLLATE NOCASE`).all(key) as (RuleRow & { matched_field: string })[];
    const byFormat: Record<string, RuleRow[]> = {};
    for (const r of rules) (byFormat[r.format] ??= []).push(r);
    return { key, field: head.field, op: head.op, value: JSON.parse(head.value_json) as unknown, byFormat, total: rules.length, excludedBy: ex };
  }

  // ---------------- export helpers ----------------

  allRuleIds(): string[] {
    return (this.st('SELECT id FROM rules ORDER BY id').all() as { id: string }[]).map((r) => r.id);
  }
  allTechniqueIds(): string[] {
    return (this.st('SELECT id FROM attack_techniques WHERE revoked = 0 AND deprecated = 0 ORDER BY id').all() as { id: string }[]).map((r) => r.id);
  }
  /** The indicator keys that have their own page (see indicatorHasPage). */
  indicatorPageKeys(): string[] {
    return (
      this.st('SELECT key FROM (SELECT key, rule FROM indicators UNION SELECT key, rule FROM exclusions) GROUP BY key HAVING COUNT(*) >= ? ORDER BY key').all(INDICATOR_PAGE_MIN_RULES) as { key: string }[]
    ).map((r) => r.key);
  }

  /** Compact index for client-side search in the static export. */
  searchIndex() {
    const rows = this.st(
      `SELECT r.id, r.title, r.format, r.kind, r.counts, r.severity, r.status,
        (SELECT GROUP_CONCAT(DISTINCT technique) FROM rule_attack a WHERE a.rule = r.rowid) techniques,
        (SELECT GROUP_CONCAT(DISTINCT tactic) FROM rule_attack a WHERE a.rule = r.rowid) tactics,
        (SELECT GROUP_CONCAT(DISTINCT field) FROM rule_fields f WHERE f.rule = r.rowid) fields,
        (SELECT GROUP_CONCAT(DISTINCT name) FROM logsources l WHERE l.rule = r.rowid) logsources,
        (SELECT GROUP_CONCAT(v, ' ') FROM (SELECT DISTINCT json_extract(i.value_json, '$') v FROM indicators i WHERE i.rule = r.rowid LIMIT 40)) vals
       FROM rules r ORDER BY r.title COLLATE NOCASE`,
    ).all() as Record<string, string | number | null>[];
    return rows;
  }
}

/** An indicator key with the number of rules (of some set) using it. */
export interface IndicatorAgg {
  readonly key: string;
  readonly field: string;
  readonly op: string;
  readonly value_json: string;
  readonly n: number;
  /** The key has its own indicator page (indicatorHasPage). */
  readonly page: boolean;
}

function techniqueFrom(r: Record<string, unknown>): TechniqueInfo {
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

function stripEmpty(f: Filters): Filters {
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined && v !== '')) as Filters;
}
