/**
 * Panther scheduled / saved queries: Snowflake SQL parsed with node-sql-parser (dialect `snowflake`, then fallback
 * dialects, which the diagnostics say) and lowered into stages, a row-level condition and an aggregation.
 *
 * The condition is the WHERE of the first SELECT that reads a log table (in a CTE or the main query): the filter
 * on raw events. GROUP BY with a HAVING / QUALIFY of thresholds (aggregates of event fields compared with numbers,
 * in ANDs and ORs; `thresholdsOf`) is the aggregation, over the window of one `p_occurs_since`. Filters of other
 * SELECTs (over derived rows, other tables of a join or union), other conditions on aggregated rows and further
 * HAVINGs are listed as missing, so the rule is `partial` and says exactly what is left out.
 */
import type { Diagnostic } from '../../model/diagnostics.ts';
import { sqlParser } from '../sqlParser.ts';
import type { SourceMap } from '../sourceMap.ts';
import type { Expr } from '../../model/expr.ts';
import type { FullLowering } from '../../model/lowering.ts';
import type { Aggregation, MissingPart, OutputField, Stage, ThresholdTest } from '../../model/rule.ts';
import { withThresholds } from '../../model/aggregate.ts';
import { PantherDiagnostics } from './diagnostics.ts';
import { fieldOf, lowerSqlExpr, sqlSpan, sqlText, thresholdsOf, type SqlNode, type SqlScope } from './sqlExpr.ts';

const parser = sqlParser;

/** Dialects tried in order: Snowflake is what Panther runs; the others only when Snowflake's grammar refuses. */
export const SQL_DIALECTS = ['snowflake', 'postgresql', 'bigquery', 'redshift'] as const;
export const SQL_PARSER_NOTE = 'Snowflake SQL via node-sql-parser';

/** The model's `Lowering` of one query, with what only SQL knows. */
export interface SqlLowering extends FullLowering {
  /** The SQL parsed (with any dialect). */
  readonly parsed: boolean;
  readonly dialect?: string;
  readonly tables: readonly string[];
  /** The main SELECT reads log tables only and returns every column of their events (`*`, `t.*`). */
  readonly selectsAll?: boolean;
  /**
   * The main SELECT's columns that are event fields as they are, by output name in lower case (Snowflake's names are
   * case-insensitive): `actor:alternateId AS actor_id` is `actor_id` → `actor.alternateId`.
   */
  readonly rowFields?: Readonly<Record<string, string>>;
  /** A SELECT groups rows (GROUP BY): the query returns groups, not events. */
  readonly grouped?: boolean;
}

/**
 * Lower one query. `bodyPath` names the SQL body file the spans point into (the SQL shown on its own); `map`
 * places diagnostics in the spec (where the SQL sits in the YAML file).
 */
export function lowerSql(sql: string, bodyPath: string, map: SourceMap): SqlLowering {
  const yamlFile = map.file;
  const diagnostics: Diagnostic[] = [];
  let ast: unknown;
  let dialect: string | undefined;
  let firstError: { message: string; offset?: number } | undefined;
  for (const d of SQL_DIALECTS) {
    try {
      ast = parser().astify(sql, { database: d, parseOptions: { includeLocations: true } });
      dialect = d;
      break;
    } catch (e) {
      if (!firstError) {
        const loc = (e as { location?: { start?: { offset?: number } } }).location;
        const msg = e instanceof Error ? e.message : String(e);
        firstError = { message: msg.length > 160 ? msg.slice(0, 160) + '…' : msg, ...(loc?.start?.offset !== undefined ? { offset: loc.start.offset } : {}) };
      }
    }
  }
  const empty = { stages: [], missing: [], outputFields: [], tables: [] };
  if (!dialect) {
    if (sql.includes('{%') || sql.includes('{{')) {
      diagnostics.push(PantherDiagnostics.sqlTemplate(yamlFile, map.at(0)));
      return { parsed: false, ...empty, diagnostics, note: 'The query is a Jinja template: the SQL that runs is generated from it, so it is shown verbatim and not parsed.' };
    }
    diagnostics.push(PantherDiagnostics.sqlSyntax(yamlFile, firstError?.message ?? 'unknown error', map.at(firstError?.offset ?? 0)));
    return { parsed: false, ...empty, diagnostics, note: 'node-sql-parser does not accept this Snowflake SQL; the query is shown verbatim and its logic is not extracted.' };
  }
  if (dialect !== 'snowflake') diagnostics.push(PantherDiagnostics.sqlFallbackDialect(yamlFile, dialect, map.at(0)));
  const w = new Walker(sql, bodyPath);
  const stmts = Array.isArray(ast) ? ast : [ast];
  for (const s of stmts) if (s && typeof s === 'object') w.statement(s as SqlNode, 'main');
  return { parsed: true, dialect, diagnostics, ...w.result() };
}

interface SelectInfo {
  readonly name: string;
  readonly readsTable: boolean;
  readonly where?: SqlNode;
  readonly scope: SqlScope;
}

class Walker {
  readonly stages: Stage[] = [];
  readonly tables: string[] = [];
  readonly selects: SelectInfo[] = [];
  readonly ctes = new Set<string>();
  /** Each HAVING / QUALIFY read as thresholds: their alternatives (`thresholdsOf`), with the condition's text. */
  readonly havings: { readonly dnf: ThresholdTest[][]; readonly text: string }[] = [];
  readonly groupBy: string[] = [];
  /** Group-by keys that are not event fields (computed, or columns of derived rows), as written. */
  readonly computedKeys: string[] = [];
  readonly outputFields: OutputField[] = [];
  readonly extraMissing: MissingPart[] = [];
  readonly windows: string[] = [];
  readonly lookbacks: string[] = [];
  havingText?: string;
  selectsAll = false;
  readonly rowFields: Record<string, string> = {};

  constructor(
    readonly text: string,
    readonly file: string,
  ) {}

  scope(qualifiers: Set<string>): SqlScope {
    return { file: this.file, text: this.text, qualifiers, windows: this.windows, lookbacks: this.lookbacks, toSql: (n) => parser().exprToSQL(n, { database: 'snowflake' }) };
  }

  statement(s: SqlNode, name: string): void {
    if (s['type'] !== 'select') {
      this.stages.push({ kind: 'statement', label: String(s['type']).toUpperCase(), text: sqlText(this.scope(new Set()), s) });
      return;
    }
    for (const w of (s['with'] as SqlNode[] | null) ?? []) {
      const cte = String(w['name']?.value ?? w['name']);
      this.ctes.add(cte.toLowerCase());
      const inner = w['stmt']?.ast ?? w['stmt'];
      if (inner) this.statement(inner, cte);
    }
    this.select(s, name);
    let next = s['_next'] as SqlNode | undefined;
    while (next) {
      this.stages.push({ kind: 'union', label: String(s['set_op'] ?? 'UNION').toUpperCase(), text: String(s['set_op'] ?? 'union') });
      this.select(next, `${name} (${String(s['set_op'] ?? 'union')})`);
      next = next['_next'];
    }
  }

  select(s: SqlNode, name: string): void {
    const qualifiers = new Set<string>();
    let readsTable = false;
    const from = (s['from'] as SqlNode[] | null) ?? [];
    const sc0 = this.scope(qualifiers);
    for (const f of from) {
      if (typeof f['table'] === 'string') {
        const full = [f['db'], f['schema'], f['table']].filter((x) => typeof x === 'string' && x).join('.');
        const isCte = this.ctes.has(f['table'].toLowerCase()) && !f['db'];
        qualifiers.add(f['table'].toLowerCase());
        if (f['as']) qualifiers.add(String(f['as']).toLowerCase());
        if (!isCte) {
          readsTable = true;
          if (!this.tables.includes(full)) this.tables.push(full);
        }
        const kind = f['join'] ? 'join' : 'source';
        this.stages.push({
          kind,
          label: f['join'] ? String(f['join']) : 'FROM',
          text: sqlText(sc0, f),
          ...spanOpt(sqlSpan(sc0, f)),
          detail: { select: name, table: full, ...(isCte ? { cte: true } : {}), ...(f['as'] ? { alias: f['as'] } : {}), ...(f['on'] ? { on: sqlText(sc0, f['on']) } : {}) },
        });
      } else if (f['expr']?.ast) {
        if (f['as']) qualifiers.add(String(f['as']).toLowerCase());
        this.statement(f['expr'].ast, String(f['as'] ?? 'subquery'));
        if (f['join']) this.stages.push({ kind: 'join', label: String(f['join']), text: sqlText(sc0, f), detail: { select: name, subquery: f['as'] ?? null } });
      } else {
        this.stages.push({ kind: 'source', label: 'FROM', text: sqlText(sc0, f), detail: { select: name } });
      }
    }
    const sc = this.scope(qualifiers);
    if (s['where']) {
      const expr = lowerSqlExpr(sc, s['where']);
      this.stages.push({ kind: 'filter', label: 'WHERE', text: sqlText(sc, s['where']), ...spanOpt(sqlSpan(sc, s['where'])), expr, detail: { select: name } });
    }
    this.selects.push({ name, readsTable, ...(s['where'] ? { where: s['where'] } : {}), scope: sc });
    // a SELECT over log tables only: its columns are event fields; over a CTE or subquery, columns of derived rows
    const derived = !readsTable || from.some((f) => typeof f['table'] !== 'string' || (this.ctes.has(f['table'].toLowerCase()) && !f['db']));
    const gb = s['groupby'];
    const gbCols: SqlNode[] = Array.isArray(gb) ? gb : Array.isArray(gb?.columns) ? gb.columns : [];
    if (gbCols.length) {
      const keys = gbCols.map((c) => sqlText(sc, c));
      // a key is the event field it names, or its SELECT alias names (`actor:alternateId AS actor_id`); any other
      // is a value the query computes
      const aliases = new Map<string, SqlNode>();
      for (const c of (Array.isArray(s['columns']) ? s['columns'] : []) as SqlNode[]) if (typeof c['as'] === 'string') aliases.set(c['as'].toLowerCase(), c['expr']);
      gbCols.forEach((c, i) => {
        const alias = c['type'] === 'column_ref' && !c['table'] && typeof c['column'] === 'string' ? aliases.get(c['column'].toLowerCase()) : undefined;
        const field = derived ? undefined : fieldOf(sc, alias ?? c);
        const list = field !== undefined ? this.groupBy : this.computedKeys;
        const key = field ?? keys[i]!;
        if (!list.includes(key)) list.push(key);
      });
      this.stages.push({ kind: 'aggregate', label: 'GROUP BY', text: keys.join(', '), detail: { select: name, keys } });
    }
    for (const [label, node] of [['HAVING', s['having']], ['QUALIFY', s['qualify']]] as const) {
      if (!node) continue;
      const th = thresholdsOf(sc, node, derived);
      const text = sqlText(sc, node);
      if (label === 'HAVING') this.havingText = text;
      const tests = 'dnf' in th ? th.dnf.flat().map((t) => ({ of: t.of, fn: t.function, op: t.op, value: t.value })) : [];
      const alternatives = 'dnf' in th && th.dnf.length > 1 ? { alternatives: th.dnf.length } : {};
      this.stages.push({ kind: 'having', label, text, ...spanOpt(sqlSpan(sc, node)), detail: { select: name, thresholds: tests, ...alternatives } });
      if ('dnf' in th) this.havings.push({ dnf: th.dnf, text });
      else this.extraMissing.push({ kind: 'aggregation', text, reason: th.reason ?? `${label} filter over aggregated rows`, ...spanOpt(sqlSpan(sc, node)) });
    }
    const ob = s['orderby'] as SqlNode[] | null;
    if (ob?.length) this.stages.push({ kind: 'sort', label: 'ORDER BY', text: ob.map((o) => `${sqlText(sc, o['expr'])}${o['type'] ? ' ' + o['type'] : ''}`).join(', '), detail: { select: name } });
    const lim = s['limit']?.value as SqlNode[] | undefined;
    if (lim?.length) {
      const sep = String(s['limit']?.seperator ?? '').toLowerCase();
      const n = lim.map((l) => String(l['value'])).join(sep === 'offset' ? ' OFFSET ' : ', ');
      this.stages.push({ kind: 'limit', label: 'LIMIT', text: `LIMIT ${n}`, detail: { select: name } });
      // the main query's LIMIT n (n >= 1, no offset) is its last step: the query returns rows exactly when it would
      // without it, so it is a stage, not missing (docs/formats.md). A subquery's limit, or an offset, changes that.
      const count = lim.length === 1 ? Number(lim[0]!['value']) : NaN;
      if (!(name === 'main' && Number.isInteger(count) && count >= 1)) this.extraMissing.push({ kind: 'rows', text: `LIMIT ${n}`, reason: `LIMIT ${n}${name === 'main' ? '' : ` (in ${name})`}: only some of the ${gbCols.length ? 'aggregated' : 'matching'} rows are kept` });
    }
    if (name === 'main') this.project(s, sc, derived);
  }

  project(s: SqlNode, sc: SqlScope, derived: boolean): void {
    const cols = s['columns'];
    if (!Array.isArray(cols)) return;
    const texts: string[] = [];
    for (const c of cols as SqlNode[]) {
      const e = c['expr'] ?? c;
      const text = sqlText(sc, e);
      texts.push(text);
      if (e?.type === 'column_ref' && e.column === '*') {
        if (!derived) this.selectsAll = true;
        continue;
      }
      const alias = typeof c['as'] === 'string' ? c['as'] : undefined;
      const field = derived ? undefined : fieldOf(sc, e);
      if (field !== undefined) this.rowFields[(alias ?? field).toLowerCase()] = field;
      this.outputFields.push({ name: alias ?? text, source: 'SELECT', ...(alias ? { from: text } : {}) });
    }
    this.stages.push({ kind: 'project', label: 'SELECT', text: texts.join(', '), detail: { select: 'main' } });
  }

  result(): Omit<SqlLowering, 'parsed' | 'dialect' | 'diagnostics'> {
    const base = this.selects.filter((s) => s.readsTable && s.where);
    const first = base[0];
    const missing: MissingPart[] = [];
    let condition: Expr | undefined;
    let otherTableFilter = false;
    if (first?.where) condition = lowerSqlExpr({ ...first.scope, windows: [], lookbacks: [] }, first.where);
    for (const s of this.selects) {
      if (s === first || !s.where) continue;
      if (s.readsTable) otherTableFilter = true;
      const reason = s.readsTable ? `filter of another SELECT over log tables (${s.name}); the condition shows the first one` : `filter of SELECT ${s.name} over derived rows (CTE, subquery or join result), not a filter on single events`;
      missing.push({ kind: 'filter', text: sqlText(s.scope, s.where), reason, ...spanOpt(sqlSpan(s.scope, s.where)) });
    }
    if (this.selects.filter((s) => s.readsTable).length > 1 && !otherTableFilter) {
      missing.push({ kind: 'filter', text: this.tables.join(', '), reason: 'the query combines several SELECTs over log tables (join / union / CTEs)' });
    }
    missing.push(...this.extraMissing);
    let aggregation: Aggregation | undefined;
    if (this.groupBy.length || this.computedKeys.length || this.havings.length) {
      const [first, ...others] = this.havings;
      aggregation = {
        groupBy: this.groupBy,
        ...(this.computedKeys.length ? { computedKeys: this.computedKeys } : {}),
        // one `p_occurs_since('1 hour')`: the query counts the events of the hour before it runs, the window
        ...(this.windows.length ? { window: this.windows.length === 1 && this.lookbacks.length === 1 ? this.lookbacks[0]! : this.windows.join(' and ') } : {}),
        ...(this.havingText ? { text: this.havingText } : first ? { text: first.text } : {}),
      };
      const counted = first ? withThresholds(aggregation, first.dnf) : undefined;
      if (counted && 'unsupported' in counted) missing.push({ kind: 'aggregation', text: first!.text, reason: `aggregation: ${counted.unsupported}` });
      else if (counted) aggregation = counted;
      else missing.push({ kind: 'aggregation', text: `GROUP BY ${[...this.groupBy, ...this.computedKeys].join(', ')}`, reason: 'aggregation: the query returns groups of events, not single events' });
      for (const o of others) missing.push({ kind: 'aggregation', text: o.text, reason: 'aggregation: another threshold over aggregated rows' });
    }
    if (this.windows.length) this.stages.unshift({ kind: 'window', label: 'time window', text: this.windows.join(' AND '), detail: { macros: this.windows } });
    const shape = { ...(this.selectsAll ? { selectsAll: true } : {}), ...(Object.keys(this.rowFields).length ? { rowFields: this.rowFields } : {}), ...(this.groupBy.length || this.computedKeys.length ? { grouped: true } : {}) };
    return { stages: this.stages, ...(condition ? { condition } : {}), missing, ...(aggregation ? { aggregation } : {}), outputFields: this.outputFields, tables: this.tables, ...shape };
  }
}

function spanOpt<T>(s: T | undefined): { span?: T } {
  return s ? { span: s } : {};
}
