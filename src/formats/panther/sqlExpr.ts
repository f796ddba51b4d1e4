/**
 * Snowflake SQL expressions (node-sql-parser's AST) lowered into the model's boolean expressions: WHERE filters,
 * and HAVING / QUALIFY thresholds. Snowflake semantics: `=` and LIKE are case-sensitive, ILIKE is not; numbers and
 * numeric strings compare as numbers (loose typing); `a:b.c` is a path into a semi-structured column; a test of a
 * NULL is NULL (`sqlPred`).
 */
import { and, not, opaque, or, pred, TRUE, type Derived, type Expr, type Operator, type PredicateOptions, type Value } from '../../model/expr.ts';
import type { Span } from '../../model/span.ts';
import type { ThresholdTest } from '../../model/rule.ts';
import { thresholdDnf } from '../../model/aggregate.ts';

/** A node of node-sql-parser's AST (untyped JSON). */
export type SqlNode = Record<string, any>;

export interface SqlScope {
  readonly file: string;
  readonly text: string;
  /** Table names and aliases whose `.` qualifier is dropped from field names. */
  readonly qualifiers: ReadonlySet<string>;
  /** Time-window functions met at the top level of a WHERE (p_occurs_since…), verbatim. */
  readonly windows: string[];
  /** The durations of those that are `p_occurs_since('<duration>')` (`1 hour`, `30 minutes`, `5m`), as written. */
  readonly lookbacks?: string[];
  /** Regenerate SQL for nodes without a location. */
  readonly toSql: (n: SqlNode) => string;
}

/**
 * A predicate with SQL's NULL: a comparison, LIKE, IN or string function of a NULL (a missing column or member) is
 * NULL, not false, and stays NULL under NOT (`NOT a = 'x'` and `a != 'x'` leave out a row without `a`); a WHERE keeps
 * only the rows where it is true (`verdict()`). IS [NOT] NULL and IS [NOT] TRUE are never NULL: plain predicates.
 */
const sqlPred = (field: string, op: Operator, values: readonly Value[], opts: PredicateOptions, span: Span | undefined, derived?: Derived): Expr => pred(field, op, values, { ...opts, nulls: 'propagate' }, span, derived);

const COMPARE: Record<string, Operator> = { '=': 'eq', '==': 'eq', '!=': 'ne', '<>': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };
const MIRROR: Partial<Record<Operator, Operator>> = { lt: 'gt', le: 'ge', gt: 'lt', ge: 'le', eq: 'eq', ne: 'ne' };
/** Panther macros that bound the query to a time window rather than filter event content. */
const TIME_MACROS: ReadonlySet<string> = new Set(['p_occurs_since', 'p_occurs_between', 'p_occurs_after', 'p_occurs_before', 'p_occurs_between_now']);
const STRING_CASTS: ReadonlySet<string> = new Set(['STRING', 'VARCHAR', 'TEXT', 'CHAR']);

export function sqlText(scope: SqlScope, n: SqlNode): string {
  const loc = n?.['loc'];
  if (loc && typeof loc.start?.offset === 'number' && typeof loc.end?.offset === 'number' && loc.end.offset > loc.start.offset) {
    return scope.text.slice(loc.start.offset, loc.end.offset).trim();
  }
  try {
    return scope.toSql(n);
  } catch {
    return JSON.stringify(n).slice(0, 200);
  }
}

export function sqlSpan(scope: SqlScope, n: SqlNode): Span | undefined {
  const loc = n?.['loc'];
  if (!loc || typeof loc.start?.offset !== 'number') return undefined;
  return { file: scope.file, start: loc.start.offset, end: loc.end.offset };
}

function funcName(n: SqlNode): string | undefined {
  if (n?.['type'] !== 'function') return undefined;
  const name = n['name'];
  if (typeof name === 'string') return name.toLowerCase();
  const parts = name?.name;
  if (Array.isArray(parts)) return parts.map((p: SqlNode) => String(p.value)).join('.').toLowerCase();
  return undefined;
}

function funcArgs(n: SqlNode): SqlNode[] {
  const a = n['args'];
  if (a?.type === 'expr_list' && Array.isArray(a.value)) return a.value;
  if (Array.isArray(a?.value)) return a.value;
  return [];
}

/** The field a column reference names: table qualifiers dropped, Snowflake `:` paths joined with `.`. */
export function fieldOf(scope: SqlScope, n: SqlNode | undefined): string | undefined {
  if (!n) return undefined;
  if (n['type'] === 'cast') {
    const target = n['target']?.[0]?.dataType;
    return typeof target === 'string' ? fieldOf(scope, n['expr']) : undefined;
  }
  if (n['type'] !== 'column_ref') return undefined;
  const col = typeof n['column'] === 'string' ? n['column'] : n['column']?.expr?.value;
  if (typeof col !== 'string' || col === '*') return undefined;
  const quals = [n['db'], n['schema'], n['table']].filter((q): q is string => typeof q === 'string' && q !== '');
  const notations: string[] = Array.isArray(n['notations']) ? n['notations'] : quals.map(() => '.');
  const parts = [...quals, col];
  // drop leading `db.schema.table.` qualifiers (known tables / aliases), keep `a:b` paths
  let i = 0;
  while (i < quals.length && notations[i] === '.' && (scope.qualifiers.has(parts[i]!.toLowerCase()) || quals.length - i > 1 && notations[i + 1] === '.')) i++;
  return parts.slice(i).join('.');
}

/**
 * `PARSE_JSON(col):a.b`: the column's JSON text parsed and its members taken (the model's `json` and `get`), in EQL's
 * semantics, which are SQL's here: a NULL column, a missing member or a member of something that is not an object
 * is NULL (Snowflake fails the whole query on a text that is not JSON; the model reads that value as NULL).
 * Undefined for any other expression, or a path with an index or a quoted part.
 */
function jsonMember(scope: SqlScope, n: SqlNode | undefined): { field: string; derived: Derived } | undefined {
  if (funcName(n as SqlNode) !== 'parse_json' || funcArgs(n!).length !== 1) return undefined;
  const field = fieldOf(scope, funcArgs(n!)[0]);
  const path = n!['suffix']?.type === 'expr_list' && Array.isArray(n!['suffix'].value) ? (n!['suffix'].value as SqlNode[]) : [];
  // `:a.b` comes as the visitor `:a` and the index `.b`
  const indexes = Array.isArray(n!['array_index']) ? (n!['array_index'] as SqlNode[]) : [];
  const keys = [
    ...path.map((v) => (v['type'] === 'json_visitor' && (v['symbol'] === ':' || v['symbol'] === '.') && v['expr']?.type === 'default' && typeof v['expr'].value === 'string' ? v['expr'].value : undefined)),
    ...indexes.map((v) => (v['notation'] === '.' && v['index']?.type === 'default' && typeof v['index'].value === 'string' ? v['index'].value : undefined)),
  ];
  if (!field || !keys.length || keys.some((k) => k === undefined)) return undefined;
  return { field, derived: { steps: [{ fn: 'json' }, ...keys.map((k) => ({ fn: 'get' as const, args: [k!] }))], lang: 'eql' } };
}

/** Cast to a numeric or other non-string type changes how the value compares. */
function isStringCastOrPlain(n: SqlNode): boolean {
  if (n['type'] !== 'cast') return true;
  const t = String(n['target']?.[0]?.dataType ?? '').toUpperCase();
  return STRING_CASTS.has(t);
}

export function literalOf(n: SqlNode | undefined): { ok: true; value: Value } | { ok: false } {
  if (!n) return { ok: false };
  switch (n['type']) {
    case 'single_quote_string':
    case 'string':
    case 'natural_string':
      return { ok: true, value: String(n['value']) };
    case 'number':
      return typeof n['value'] === 'number' ? { ok: true, value: n['value'] } : { ok: true, value: Number(n['value']) };
    case 'bool':
    case 'boolean':
      return { ok: true, value: Boolean(n['value']) };
    case 'null':
      return { ok: true, value: null };
    default:
      return { ok: false };
  }
}

/** `lower(col)` / `upper(col)`: the column compared case-insensitively, when the literal has that case. */
function caseFolded(scope: SqlScope, n: SqlNode): { field: string; fold: 'lower' | 'upper' } | undefined {
  const f = funcName(n);
  if (f !== 'lower' && f !== 'upper') return undefined;
  const args = funcArgs(n);
  const field = args.length === 1 ? fieldOf(scope, args[0]) : undefined;
  return field ? { field, fold: f } : undefined;
}

function foldOk(v: Value, fold: 'lower' | 'upper'): boolean {
  return typeof v !== 'string' || (fold === 'lower' ? v === v.toLowerCase() : v === v.toUpperCase());
}

/** Lower a WHERE (or QUALIFY / HAVING) expression. `top` is true for conjuncts of the top-level AND. */
export function lowerSqlExpr(scope: SqlScope, n: SqlNode, top = true): Expr {
  const span = sqlSpan(scope, n);
  const op = typeof n['operator'] === 'string' ? n['operator'].toUpperCase() : undefined;
  if (n['type'] === 'binary_expr' && op === 'AND') return and(lowerSqlExpr(scope, n['left'], top), lowerSqlExpr(scope, n['right'], top));
  if (n['type'] === 'binary_expr' && op === 'OR') return or(lowerSqlExpr(scope, n['left'], false), lowerSqlExpr(scope, n['right'], false));
  if ((n['type'] === 'unary_expr' && op === 'NOT') || (funcName(n) === 'not' && funcArgs(n).length === 1)) {
    return not(lowerSqlExpr(scope, n['type'] === 'unary_expr' ? n['expr'] : funcArgs(n)[0]!, false));
  }
  const fn = funcName(n);
  if (fn && TIME_MACROS.has(fn) && top) {
    scope.windows.push(sqlText(scope, n));
    const args = funcArgs(n);
    const since = fn === 'p_occurs_since' && args.length === 1 ? literalOf(args[0]) : undefined;
    if (since?.ok && typeof since.value === 'string') scope.lookbacks?.push(since.value);
    return TRUE;
  }
  if (fn) return lowerFunction(scope, n, fn, span);
  if (n['type'] === 'binary_expr' && op) return lowerBinary(scope, n, op, span);
  if (n['parentheses'] && n['type'] === 'expr_list' && Array.isArray(n['value']) && n['value'].length === 1) return lowerSqlExpr(scope, n['value'][0], top);
  return opaque(sqlText(scope, n), 'SQL expression not expressible as an event filter', span);
}

function lowerBinary(scope: SqlScope, n: SqlNode, op: string, span: Span | undefined): Expr {
  const left = n['left'] as SqlNode;
  const right = n['right'] as SqlNode;
  const text = sqlText(scope, n);
  const cmp = COMPARE[op];
  if (cmp) {
    let f = fieldOf(scope, left);
    let lit = literalOf(right);
    let o: Operator = cmp;
    let side: SqlNode = left;
    if (!(f && lit.ok)) {
      const f2 = fieldOf(scope, right);
      const lit2 = literalOf(left);
      if (f2 && lit2.ok) [f, lit, o, side] = [f2, lit2, MIRROR[cmp]!, right];
    }
    if (f && lit.ok) {
      if (lit.value === null) return opaque(text, 'comparison with NULL is never true in SQL', span);
      const opts: PredicateOptions = o === 'eq' || o === 'ne' ? { cs: true } : {};
      if (!isStringCastOrPlain(side) && typeof lit.value === 'string') return opaque(text, 'comparison after a non-string cast', span);
      return sqlPred(f, o, [lit.value], opts, span);
    }
    const folded = caseFolded(scope, left);
    const litR = literalOf(right);
    if (folded && litR.ok && litR.value !== null && (cmp === 'eq' || cmp === 'ne')) {
      if (!foldOk(litR.value, folded.fold)) return opaque(text, `${folded.fold}() compared with a literal of another case: never equal`, span);
      return sqlPred(folded.field, cmp, [litR.value], { cs: false }, span);
    }
    const fl = fieldOf(scope, left);
    const fr = fieldOf(scope, right);
    if (fl && fr) return sqlPred(fl, cmp, [{ kind: 'field', field: fr }], cmp === 'eq' || cmp === 'ne' ? { cs: true } : {}, span);
    // a member of a JSON text (`PARSE_JSON(col):key`) compared with a literal, either way round
    const onLeft = jsonMember(scope, left);
    const member = onLeft ?? jsonMember(scope, right);
    const other = member && literalOf(onLeft ? right : left);
    if (member && other?.ok && other.value !== null) return sqlPred(member.field, onLeft ? cmp : MIRROR[cmp]!, [other.value], cmp === 'eq' || cmp === 'ne' ? { cs: true } : {}, span, member.derived);
    return opaque(text, 'comparison of computed values', span);
  }
  if (op === 'IN' || op === 'NOT IN') {
    const vals = right?.['type'] === 'expr_list' && Array.isArray(right['value']) ? (right['value'] as SqlNode[]).map(literalOf) : [];
    const folded = caseFolded(scope, left);
    const f = fieldOf(scope, left) ?? folded?.field;
    const values = vals.flatMap((v) => (v.ok && v.value !== null ? [v.value] : []));
    if (!f || vals.length === 0 || !vals.every((v) => v.ok)) return opaque(text, 'IN over a subquery or computed values', span);
    if (folded && !values.every((v: Value) => foldOk(v, folded.fold))) return opaque(text, `${folded.fold}() compared with a literal of another case`, span);
    const e = sqlPred(f, 'in', values, { cs: !folded }, span);
    return op === 'IN' ? e : not(e);
  }
  if (op === 'LIKE' || op === 'NOT LIKE' || op === 'ILIKE' || op === 'NOT ILIKE') {
    const folded = caseFolded(scope, left);
    const f = fieldOf(scope, left) ?? folded?.field;
    const lit = literalOf(right);
    if (!f || !lit.ok || typeof lit.value !== 'string' || n['escape']) return opaque(text, 'LIKE with a computed pattern or ESCAPE', span);
    const ci = op.includes('ILIKE') || folded !== undefined;
    if (folded && !foldOk(lit.value, folded.fold)) return opaque(text, `${folded.fold}() matched with a pattern of another case`, span);
    const e = sqlPred(f, 'wildcard', [lit.value], { wildcard: 'like', cs: !ci }, span);
    return op.startsWith('NOT') ? not(e) : e;
  }
  if (op === 'IS' || op === 'IS NOT') {
    const f = fieldOf(scope, left);
    const lit = literalOf(right);
    if (f && lit.ok && lit.value === null) return pred(f, op === 'IS' ? 'is_null' : 'is_not_null', [], undefined, span);
    if (f && lit.ok && typeof lit.value === 'boolean') {
      const e = pred(f, 'eq', [lit.value], {}, span);
      return op === 'IS' ? e : not(e);
    }
    return opaque(text, 'IS test of a computed value', span);
  }
  if (op === 'BETWEEN' || op === 'NOT BETWEEN') {
    const f = fieldOf(scope, left);
    const bounds = right?.['type'] === 'expr_list' && Array.isArray(right['value']) ? (right['value'] as SqlNode[]).map(literalOf) : [];
    const b = bounds.flatMap((x) => (x.ok && x.value !== null ? [x.value] : []));
    if (f && bounds.length === 2 && b.length === 2) {
      const e = and(sqlPred(f, 'ge', [b[0]!], {}, span), sqlPred(f, 'le', [b[1]!], {}, span));
      return op === 'BETWEEN' ? e : not(e);
    }
    return opaque(text, 'BETWEEN over computed bounds', span);
  }
  return opaque(text, `SQL operator ${op} not expressible as an event filter`, span);
}

/** Snowflake string functions with a model operator: CONTAINS, STARTSWITH, ENDSWITH, REGEXP_LIKE / RLIKE (anchored). */
function lowerFunction(scope: SqlScope, n: SqlNode, fn: string, span: Span | undefined): Expr {
  const args = funcArgs(n);
  const text = sqlText(scope, n);
  const f = fieldOf(scope, args[0]);
  const lit = literalOf(args[1]);
  const simple = f !== undefined && lit.ok && typeof lit.value === 'string';
  switch (fn) {
    case 'contains':
      if (simple && args.length === 2) return sqlPred(f!, 'contains', [lit.value], { cs: true }, span);
      break;
    case 'startswith':
      if (simple && args.length === 2) return sqlPred(f!, 'starts_with', [lit.value], { cs: true }, span);
      break;
    case 'endswith':
      if (simple && args.length === 2) return sqlPred(f!, 'ends_with', [lit.value], { cs: true }, span);
      break;
    case 'regexp_like':
    case 'rlike': {
      if (!simple) break;
      if (args.length === 2) return sqlPred(f!, 'regex', [lit.value], { cs: true, anchor: 'full' }, span);
      const flags = literalOf(args[2]);
      if (args.length === 3 && flags.ok && flags.value === 'i') return sqlPred(f!, 'regex', [lit.value], { cs: false, anchor: 'full' }, span);
      break;
    }
    default:
      return opaque(text, `SQL function ${fn}() not expressible as an event filter`, span);
  }
  return opaque(text, `${fn}() over computed arguments`, span);
}

/**
 * A HAVING / QUALIFY condition as thresholds: comparisons of an aggregate (or window aggregate) with a number, in
 * ands and ors, as the alternatives `thresholdDnf` gives; or why it is not one (a negation, a test of an aggregate's
 * value, an aggregate of a computed value or, in a SELECT over a CTE or subquery (`derived`), any aggregate, a
 * window partitioned by other columns).
 */
export function thresholdsOf(scope: SqlScope, n: SqlNode, derived: boolean): { readonly dnf: ThresholdTest[][] } | { readonly reason?: string } {
  let why: string | undefined;
  const dnf = thresholdDnf<SqlNode>(
    n,
    (e) => {
      const cmp = COMPARE[typeof e['operator'] === 'string' ? e['operator'].toUpperCase() : ''];
      if (e['type'] !== 'binary_expr' || !cmp || cmp === 'ne') return undefined;
      const left = isAggregate(e['left']);
      const agg: SqlNode | undefined = left ? e['left'] : isAggregate(e['right']) ? e['right'] : undefined;
      const num = literalOf(left ? e['right'] : e['left']);
      if (!agg || !num.ok || typeof num.value !== 'number') return undefined;
      const fn = aggFunction(scope, agg, derived);
      if ('reason' in fn) {
        why ??= fn.reason;
        return undefined;
      }
      return { function: fn.fn, op: left ? cmp : MIRROR[cmp]!, value: num.value, of: sqlText(scope, agg) };
    },
    sqlParts,
  );
  return dnf ? { dnf } : why ? { reason: why } : {};
}

/** The ANDs and ORs of a SQL condition (a parenthesised one included), for `thresholdDnf`. */
function sqlParts(n: SqlNode): { op: 'and' | 'or'; args: SqlNode[] } | undefined {
  const op = typeof n?.['operator'] === 'string' ? n['operator'].toUpperCase() : '';
  if (n?.['type'] === 'binary_expr' && (op === 'AND' || op === 'OR')) return { op: op === 'AND' ? 'and' : 'or', args: [n['left'], n['right']] };
  if (n?.['parentheses'] && n['type'] === 'expr_list' && Array.isArray(n['value']) && n['value'].length === 1) return { op: 'and', args: [n['value'][0]] };
  return undefined;
}

/**
 * The aggregate a threshold compares, with the event field it reads (`COUNT(*)`, `COUNT(user)`: rows where user is
 * not null, `count_distinct(user)` for `COUNT(DISTINCT user)`, `SUM(bytes)`), or why it is not read.
 */
function aggFunction(scope: SqlScope, n: SqlNode, derived: boolean): { fn: string } | { reason: string } {
  const name = typeof n['name'] === 'string' ? n['name'] : (funcName(n) ?? 'aggregate');
  const text = sqlText(scope, n);
  if (n['over']?.['as_window_specification']?.['window_specification']?.['partitionby']?.length) return { reason: `aggregation: ${text} counts per window partition, not per group of the query` };
  const args = n['args'];
  const list: SqlNode[] | undefined = args?.['expr'] ? [args['expr']] : Array.isArray(args?.['value']) ? args['value'] : undefined;
  const distinct = String(args?.['distinct'] ?? '').toUpperCase() === 'DISTINCT';
  // the rows of a CTE or subquery may be groups of an aggregation there, not events
  if (derived) return { reason: `aggregation: ${text} aggregates derived rows (a CTE or subquery), not events` };
  if (!list?.length || (list.length === 1 && list[0]!['type'] === 'star')) return distinct ? { reason: `aggregation: ${text} is not read` } : { fn: name };
  const field = list.length === 1 ? fieldOf(scope, list[0]) : undefined;
  if (field === undefined) return { reason: `aggregation: ${text} aggregates a value the query computes, not an event field` };
  if (distinct) return name.toLowerCase() === 'count' ? { fn: `count_distinct(${field})` } : { reason: `aggregation: ${text} is not read` };
  return { fn: `${name}(${field})` };
}

function isAggregate(n: SqlNode | undefined): boolean {
  return !!n && (n['type'] === 'aggr_func' || (n['type'] === 'function' && !!n['over']));
}
