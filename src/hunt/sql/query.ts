/**
 * Rules batched into one SQL query over a relation of events (`dw_idx`, `ev` JSON): each field every rule of the
 * batch reads is resolved once per event (a column per resolver and field), each rule's condition is one
 * three-valued boolean over those columns (`generate.ts`), and each event's log sources are computed once
 * (`route.ts`) so that a rule only runs on the events of its log sources. The query returns, per event with at
 * least one non-false rule, the list of `k` (rule k of the batch is TRUE, 1-based) and `-k` (unknown).
 */
import { readingApplies } from '../../formats/adapter.ts';
import type { Expr } from '../../model/expr.ts';
import { DUCKDB, type SqlDialect } from './dialects.ts';
import { eventDataColumnsSql, fieldGuard, fieldSql, Names, resolverKindOf, windowsColumnsSql, WINDOWS_PARTS, type EventColumns, type ResolverKind } from './fields.ts';
import { exprSql } from './generate.ts';
import { logSourcesSql } from './route.ts';

export interface SqlRule {
  readonly format: string;
  readonly condition: Expr;
  /** Canonical log sources the rule runs on; undefined: every event. */
  readonly logSources?: readonly string[];
  /** Another reading of a rule (`HuntRule.onlyWith`): only on the events also recognised as this. */
  readonly onlyWith?: string;
  /** Not on the events recognised as one of these (`HuntRule.unless`: the rule has other readings for them). */
  readonly unless?: readonly string[];
}

export interface QueryOptions {
  /** Every event is read as these log sources (no recognition). */
  readonly forceLogSources?: readonly string[];
  readonly regexOk?: (pattern: string) => boolean;
  /** Also return the event (JSON) of each row. */
  readonly withEvent?: boolean;
  /** The source relation has each event's log sources as a column `dw_ls` (computed once when it was loaded). */
  readonly sourceHasLogSources?: boolean;
}

/** A key the JSON text of an event writes as it is (printable ASCII but a quote and a backslash). */
const PLAIN_KEY = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * A `\u` escape of a printable ASCII character in (lower-cased) JSON text, not an escaped backslash followed by `u`
 * (`C:\\Users`): such an escape may spell a plain key (`Comm\u0061ndLine`; Go writes `<`, `>`, `&` so, .NET also `'`
 * and `+`). An escape of another character cannot spell a plain key.
 */
const ASCII_ESCAPE = '(^|[^\\\\])(\\\\\\\\)*\\\\u00[2-7][0-9a-f]';

/**
 * The events of a JSON file for DuckDB (`ev`, one row per event): every JSON value of the file (`unstructured`:
 * JSON lines or values one after the other; `array`: the elements of a top-level array), and a value that is an
 * array of objects (or empty) stands for its elements, as the memory engine reads it (`events.ts`).
 */
export function duckJsonEventsSql(file: string, layout: 'array' | 'unstructured'): string {
  const q = DUCKDB.str;
  return `(SELECT unnest(CASE WHEN json_type(json) = 'ARRAY' AND (json_array_length(json) = 0 OR json_type(json, '$[0]') = 'OBJECT') THEN CAST(json_extract(json, '$[*]') AS JSON[]) ELSE [json] END) AS ev FROM read_json_objects(${q(file)}, format = ${q(layout)}, maximum_object_size = 16777216))`;
}

/** The condition of one rule alone, each field resolved inline (what `detwiki convert --to <dialect>` prints). */
export function ruleConditionSql(d: SqlDialect, format: string, condition: Expr, ev = 'ev'): string {
  const kind = resolverKindOf(format);
  const names = new Names();
  const w = windowsColumnsSql(d, ev);
  // the Windows element is bound once (it is used by every field of a Sigma rule)
  const win = names.next('dw_win');
  const cols: EventColumns = { ev, win, ed: w.ed(win), ud: w.ud(win), sys: w.sys(win) };
  const cache = new Map<string, string>();
  const cond = exprSql(condition, {
    d,
    kind,
    names,
    field: (f) => {
      let s = cache.get(f);
      if (s === undefined) cache.set(f, (s = `(${fieldSql(d, kind, f, cols, names)})`));
      return s;
    },
  });
  return kind === 'sigma' ? d.let(w.win, win, cond) : cond;
}

/** One rule as a complete query over `source` (a relation with an `ev` column): the rows where it is not false. */
export function ruleQuerySql(d: SqlDialect, format: string, condition: Expr, source: string): string {
  const c = ruleConditionSql(d, format, condition);
  return `SELECT ev, dw_truth FROM (SELECT ev, ${c} AS dw_truth FROM ${source}) WHERE dw_truth IS NULL OR dw_truth`;
}

/**
 * The size of a rule's SQL in a batch (its condition and the derivations it adds; not the field columns it shares):
 * what batches are cut by, so that a few rules with long SQL (a Panther helper inlined a dozen times) do not make a
 * query DuckDB holds gigabytes to plan and run.
 */
export function batchWeight(d: SqlDialect, r: SqlRule): number {
  let extra = 0;
  const cond = exprSql(r.condition, {
    d,
    kind: resolverKindOf(r.format),
    names: new Names(),
    field: () => 'dw_f0',
    derivedColumn: (_key, make) => {
      extra += make().length;
      return 'dw_d0';
    },
  });
  return cond.length + extra;
}

/** The batch query over `source` (a relation with `dw_idx` and `ev`). */
export function batchQuerySql(d: SqlDialect, rules: readonly SqlRule[], source: string, opts: QueryOptions = {}): string {
  const names = new Names();
  const fields = new Map<string, { col: string; kind: ResolverKind; field: string }>();
  const needsWindows = rules.some((r) => resolverKindOf(r.format) === 'sigma');
  // key paths of ev / dw_ed / dw_sys the fields read: extracted once per event, one parse each (getMany)
  const prefetched = new Map<string, Map<string, number>>();
  const listCol = (base: string) => `${base}_m`;
  const prefetch = d.getMany
    ? (base: string, keys: readonly string[]): string | undefined => {
        if (base !== 'ev' && base !== 'dw_ed' && base !== 'dw_sys') return undefined;
        let m = prefetched.get(base);
        if (!m) prefetched.set(base, (m = new Map()));
        const k = JSON.stringify(keys);
        let i = m.get(k);
        if (i === undefined) m.set(k, (i = m.size));
        return d.pick!(listCol(base), i);
      }
    : undefined;
  // EventData's `Data` among the EventData paths extracted at once, where they are (one parse of EventData fewer)
  const edData = (needsWindows && prefetch?.('dw_ed', ['Data'])) || 'dw_ed_data';
  const cols: EventColumns = { ev: 'ev', win: 'dw_win', ed: 'dw_ed', ud: 'dw_ud', sys: 'dw_sys', edSpaced: 'dw_ed_sp', edData, ...(prefetch ? { prefetch } : {}) };
  // derivations tested at the top of a condition: one column each, computed once per event (`derivedColumn`)
  const derived = new Map<string, { col: string; sql: string }>();
  const derivedColumn = (key: string, make: () => string): string => {
    let e = derived.get(key);
    if (!e) derived.set(key, (e = { col: `dw_d${derived.size}`, sql: make() }));
    return e.col;
  };
  const conds = rules.map((r, i) => {
    const kind = resolverKindOf(r.format);
    const cond = exprSql(r.condition, {
      d,
      kind,
      names,
      derivedColumn,
      ...(opts.regexOk ? { regexOk: opts.regexOk } : {}),
      columnText: (x) => (/^dw_f[0-9]+$/.test(x) ? { text: `${x}_t`, lower: `${x}_l`, type: `${x}_y` } : undefined),
      field: (f) => {
        const key = `${kind}\u0000${f}`;
        let e = fields.get(key);
        if (!e) fields.set(key, (e = { col: `dw_f${fields.size}`, kind, field: f }));
        return e.col;
      },
    });
    const k = i + 1;
    const forced = opts.forceLogSources;
    let routed = forced ? (r.logSources === undefined || r.logSources.some((l) => forced.includes(l)) ? '' : 'FALSE') : r.logSources === undefined ? '' : r.logSources.length ? d.hasAny('dw_ls', r.logSources) : 'FALSE';
    if (routed !== 'FALSE' && (r.onlyWith !== undefined || r.unless?.length)) {
      if (forced) {
        if (!readingApplies(r, forced)) routed = 'FALSE';
      } else {
        const parts = [routed, r.onlyWith !== undefined ? d.hasAny('dw_ls', [r.onlyWith]) : '', r.unless?.length ? `NOT ${d.hasAny('dw_ls', r.unless)}` : ''];
        routed = parts.filter((x) => x).join(' AND ');
      }
    }
    // TRUE → k, FALSE → 0, NULL → -k, with the condition written once: DuckDB expands `CASE cond WHEN TRUE …
    // WHEN FALSE …` (and NULLIF) into a copy of the condition per branch, so every rule was planned twice
    const truth = `${k} * COALESCE(CAST(${cond} AS INTEGER), -1)`;
    if (routed === 'FALSE') return 'NULL';
    return routed ? `CASE WHEN ${routed} THEN ${truth} END` : truth;
  });
  const w = windowsColumnsSql(d, 'ev');
  const useLs = !opts.forceLogSources && rules.some((r) => r.logSources !== undefined);
  const s1 = [`dw_idx`, `ev`, ...(useLs && opts.sourceHasLogSources ? ['dw_ls'] : [])];
  if (needsWindows) s1.push(`${w.win} AS dw_win`);
  // the element's EventData, UserData and System: extracted at once where the dialect can (one parse of the element
  // instead of three), picked in the next step
  const partCols = WINDOWS_PARTS.map(([c]) => `dw_${c}`);
  const parts = needsWindows && d.getMany && d.pick ? d.getMany('dw_win', WINDOWS_PARTS.map(([, key]) => [key])) : undefined;
  const s2 = ['dw_idx', 'ev', ...(needsWindows ? ['dw_win', ...(parts ? [`${parts} AS dw_wp`] : WINDOWS_PARTS.map(([c, key]) => `${d.get('dw_win', [key])} AS dw_${c}`))] : [])];
  if (useLs) s2.push(opts.sourceHasLogSources ? 'dw_ls' : `${logSourcesSql(d, 'ev')} AS dw_ls`);
  s2.push(`${d.lower(d.jsonText('ev'))} AS dw_lev`);
  const s2a = ['dw_idx', 'ev', 'dw_lev', ...(useLs ? ['dw_ls'] : [])];
  if (needsWindows) s2a.push('dw_win', ...(parts ? partCols.map((c, i) => `${d.pick!('dw_wp', i)} AS ${c}`) : partCols), `${d.stripSpaces('dw_lev')} AS dw_levns`);
  const guarded = (f: { kind: ResolverKind; field: string }): string => {
    const sql = fieldSql(d, f.kind, f.field, cols, names);
    const g = fieldGuard(f.kind, f.field);
    if (!g || g.keys.length === 0) return sql;
    // the guard looks for the key in the event's JSON text as read: a key that text must spell otherwise (a quote or
    // a backslash escaped, a control or non-ASCII character that may be written \u…) has none, and an event whose
    // text has a \u escape of an ASCII character (it may spell a key with one) reads every field; the memory engine reads keys
    // parsed, and the engines gave different hits on such events
    if (g.keys.some((k) => !PLAIN_KEY.test(k))) return sql;
    const text = g.noSpaces ? 'dw_levns' : 'dw_lev';
    return `CASE WHEN dw_esc OR ${g.keys.map((k) => d.contains(text, d.str(k))).join(' OR ')} THEN ${sql} END`;
  };
  const s3 = ['dw_idx', 'ev', ...(useLs ? ['dw_ls'] : []), ...[...fields.values()].map((f) => `${guarded(f)} AS ${f.col}`)];
  const edCols = eventDataColumnsSql(d, 'dw_ed');
  const base2 = ['dw_idx', 'ev', 'dw_lev', ...(needsWindows ? ['dw_win', 'dw_ed', 'dw_ud', 'dw_sys', 'dw_levns', `${edCols.spaced} AS dw_ed_sp`, ...(edData === 'dw_ed_data' ? [`${edCols.data} AS dw_ed_data`] : [])] : []), ...(useLs ? ['dw_ls'] : [])];
  // the regex only where its literal part is (2.5 µs an event over the whole text, most of a batch's events have none)
  const s2b = [...base2, `(${d.contains('dw_lev', d.str('\\u00'))} AND ${d.regex('dw_lev', d.str(ASCII_ESCAPE))}) AS dw_esc`, ...[...prefetched.entries()].map(([base, m]) => `${d.getMany!(base, [...m.keys()].map((k) => JSON.parse(k) as string[]))} AS ${listCol(base)}`)];
  const s4 = ['dw_idx', 'ev', ...(useLs ? ['dw_ls'] : []), ...[...fields.values()].flatMap((f) => [f.col, `${d.typeOf(f.col)} AS ${f.col}_y`, `${d.text(f.col)} AS ${f.col}_t`, `${d.lower(d.text(f.col))} AS ${f.col}_l`])];
  const h = names.next('h');
  // not routed (NULL) and false (0) are left out
  const hits = d.filter(d.list(conds), d.lambda(h, `COALESCE(${h}, 0) <> 0`));
  // with the log sources a column of the source, only the events of the batch's log sources are read at all
  const only = useLs && opts.sourceHasLogSources && rules.every((r) => r.logSources !== undefined) ? [...new Set(rules.flatMap((r) => r.logSources!))].sort() : undefined;
  // a batch of other readings only (`onlyWith`: Sigma rules over Security 4688) reads only the events they apply to
  const withs = only && rules.every((r) => r.onlyWith !== undefined) ? [...new Set(rules.map((r) => r.onlyWith!))].sort() : undefined;
  const where = only ? ` WHERE ${only.length ? d.hasAny('dw_ls', only) : d.FALSE}${withs ? ` AND ${d.hasAny('dw_ls', withs)}` : ''}` : '';
  return [
    `WITH dw_e1 AS (SELECT ${s1.join(', ')} FROM ${source}${where}),`,
    `dw_e2 AS (SELECT ${s2.join(', ')} FROM dw_e1),`,
    `dw_e2a AS (SELECT ${s2a.join(', ')} FROM dw_e2),`,
    `dw_e2b AS (SELECT ${s2b.join(', ')} FROM dw_e2a),`,
    `dw_e3 AS (SELECT ${s3.join(',\n  ')} FROM dw_e2b),`,
    `dw_e4 AS (SELECT ${s4.join(', ')} FROM dw_e3),`,
    ...(derived.size ? [`dw_e5 AS (SELECT *, ${[...derived.values()].map((x) => `${x.sql} AS ${x.col}`).join(',\n  ')} FROM dw_e4),`] : []),
    `dw_r AS (SELECT dw_idx, ${opts.withEvent ? 'ev, ' : ''}${hits} AS dw_hits FROM ${derived.size ? 'dw_e5' : 'dw_e4'})`,
    `SELECT * FROM dw_r WHERE ${d.listLength('dw_hits')} > 0 ORDER BY dw_idx`,
  ].join('\n');
}
