/**
 * A Panther scheduled rule's logic: its scheduled queries select the rows, and its `rule()` (or YAML `Detection`)
 * runs on each row they return. The rule's condition over events is therefore the query's (its WHERE, its
 * aggregation, what it leaves out) and the Python's, read over the query's rows:
 * - a column the query returns as an event field (`SELECT *`, `user_name`, `actor:alternateId AS actor_id`) is that
 *   field, so a test of it is a test of the event;
 * - any other column (an aggregate, a value the query computes, a column of derived rows, or one the query does not
 *   return) is not an event's: a test of it is an opaque part, and the rule is partial; where the query returns groups
 *   (GROUP BY), `rule()` as a whole is a filter after the aggregation, a missing part, and the events are counted by
 *   the query's condition alone;
 * - a query whose SQL is not parsed selects rows nobody here can name: an opaque part, so the rule is partial at best.
 *
 * The rule's own tests give rows of the query (Panther runs `rule()` on them), so they are run against the Python's
 * condition alone (`Logic.tested`).
 */
import { and, derivedFields, fieldsOf, isFieldRef, leaves, mapEachLeaf, opaque, or, TRUE, type Each, type Expr, type Predicate, type Value } from '../../model/expr.ts';
import { buildLogic, type Lowering, type MissingInput } from '../../model/lowering.ts';
import { renderExpr } from '../../model/render.ts';
import type { Aggregation, Logic } from '../../model/rule.ts';
import type { SqlLowering } from './sql.ts';

/** A scheduled query a scheduled rule names, with its lowering. */
export interface RowSource {
  readonly name: string;
  readonly sql: SqlLowering;
}

/** The rule's lowering (its Python or Detection over rows) composed with the queries that give it its rows. */
export function overQueryRows(queries: readonly RowSource[], rule: Lowering): Logic {
  const own = buildLogic(rule);
  if (!queries.length) return own;
  const onRows: Expr = own.condition ?? opaque('rule()', own.note ?? "the rule's logic is not read", undefined);
  const missing: MissingInput[] = [...(rule.missing ?? [])];
  const alternatives: Expr[] = [];
  let aggregation: Aggregation | undefined;
  for (const q of queries) {
    const label = `scheduled query "${q.name}"`;
    if (!q.sql.parsed) {
      // its rows, and so the columns rule() reads of them, are unknown
      alternatives.push(opaque(q.name, `the rows of ${label}: ${q.sql.note ?? 'its SQL is not read'}`));
      continue;
    }
    for (const m of q.sql.missing) missing.push({ ...m, reason: `${label}: ${m.reason}` });
    const read = overRows(q, onRows);
    if (q.sql.grouped && opaqueCount(read) > opaqueCount(onRows)) {
      // rule() tests the groups the query returns, after the aggregation: not a test of single events
      missing.push({ kind: 'filter', text: renderExpr(onRows), reason: `${label}: rule() tests the aggregated rows the query returns (${firstOpaque(read)}): a filter after the aggregation, not on single events` });
      alternatives.push(q.sql.condition ?? TRUE);
    } else alternatives.push(and(q.sql.condition ?? TRUE, read));
    if (!q.sql.aggregation) continue;
    // one query's aggregation is the rule's; a rule's own Threshold on top of it, or several aggregating queries,
    // count rows that are groups already: not read
    if (queries.length === 1 && !rule.aggregation) aggregation = q.sql.aggregation;
    else missing.push({ kind: 'aggregation', text: q.sql.aggregation.text ?? `GROUP BY ${q.sql.aggregation.groupBy.join(', ')}`, reason: `${label}: aggregation: the rule counts rows that are groups of events` });
  }
  aggregation ??= rule.aggregation;
  const logic = buildLogic({ ...rule, condition: or(...alternatives), missing, ...(aggregation ? { aggregation } : {}) });
  return {
    ...logic,
    tested: { ...(own.condition ? { condition: own.condition } : {}), completeness: own.completeness, of: 'a row of its scheduled queries, on which only rule() runs' },
  };
}

const opaqueCount = (e: Expr): number => leaves(e).filter((l) => l.kind === 'opaque').length;

/** The reason of the first opaque part of an expression. */
function firstOpaque(e: Expr): string {
  const o = leaves(e).find((l) => l.kind === 'opaque');
  return o?.kind === 'opaque' ? o.reason : '';
}

/** The rule's condition read over events: each column an event field as the query returns it, any other opaque. */
function overRows(q: RowSource, e: Expr): Expr {
  return mapEachLeaf(e, (x) => {
    if (x.kind === 'opaque' || x.kind === 'const') return x;
    // fields the leaf names itself (renamed when the query renames them), and fields inside a derivation or an
    // element test (which must be the event's as they are)
    const own = x.kind === 'pred' ? [x.field, ...x.values.flatMap((v: Value) => (isFieldRef(v) ? [v.field] : []))] : [x.array];
    const inner = x.kind === 'pred' ? derivedFields(x.derived) : [...derivedFields(x.derived), ...fieldsOf(x.expr)];
    const renamed = new Map<string, string>();
    for (const f of [...own, ...inner]) {
      if (f.startsWith('.') || f.includes('[]')) continue;
      const read = eventField(q, f);
      if (typeof read !== 'string') return opaque(renderExpr(x), read.why, x.span);
      if (read === f) continue;
      if (!own.includes(f)) return opaque(renderExpr(x), `${f}: a column scheduled query "${q.name}" renames, read inside a computed value`, x.span);
      renamed.set(f, read);
    }
    return renamed.size ? rename(x, renamed) : x;
  });
}

/** The event field a column of the query's rows is, or why it is none. */
function eventField(q: RowSource, field: string): string | { why: string } {
  // a field relative to an array element is the element's
  if (field.startsWith('.')) return field;
  const end = field.search(/[.[]/);
  const head = (end < 0 ? field : field.slice(0, end)).toLowerCase();
  const rest = end < 0 ? '' : field.slice(end);
  const cols = q.sql.rowFields;
  const label = `scheduled query "${q.name}"`;
  if (cols && Object.hasOwn(cols, head)) {
    const f = cols[head]! + rest;
    return q.sql.grouped && !q.sql.aggregation?.groupBy.includes(cols[head]!) ? { why: `${field}: a column of the aggregated rows of ${label}, not an event's field` } : f;
  }
  if (q.sql.grouped) return { why: `${field}: a column of the aggregated rows of ${label} (an aggregate or a computed value), not an event's field` };
  if (q.sql.selectsAll) return field;
  const out = q.sql.outputFields.find((o) => o.name.toLowerCase() === head);
  if (out) return { why: `${field}: a column ${label} computes${out.from ? ` (${out.from})` : ''}, not an event's field` };
  return { why: `${field}: not a column of the rows of ${label}` };
}

/** A predicate or element test with the fields it names itself renamed. */
function rename(x: Predicate | Each, names: ReadonlyMap<string, string>): Expr {
  const to = (f: string) => names.get(f) ?? f;
  if (x.kind === 'each') return { ...x, array: to(x.array) };
  return { ...x, field: to(x.field), values: x.values.map((v) => (isFieldRef(v) ? { ...v, field: to(v.field) } : v)) };
}
