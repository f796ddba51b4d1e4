/**
 * Lowering of KQL scalar expressions: operands (columns, literals, let-bound values) and predicates into the
 * model's expressions, with KQL's meaning (case rules, has/has_all, negations, null/empty checks, IP ranges).
 * Time comparisons (`TimeGenerated > ago(1h)`) are the rule's window: reported through `onTime`, not predicates.
 */
import { and, not, opaque, or, pred, TRUE, type Expr, type Operator, type Predicate, type PredicateOptions, type Value } from '../../model/expr.ts';
import type { Span } from '../../model/span.ts';
import {
  ADDRESS_RANGES,
  BINARY_OPERATOR_FACTS,
  CASE_FOLDING_FUNCTIONS,
  CIDR_FUNCTIONS,
  CONVERSION_STEPS,
  DATETIME_PART_MS,
  DISTINCT_SET_SIZE,
  type BinaryOperatorFact,
  NULL_FUNCTIONS,
  PRIVATE_IPV4_RANGES,
  SWAPPED,
  TIME_COLUMNS,
  TIME_FUNCTIONS,
  TRANSPARENT_FUNCTIONS,
  UNSUPPORTED_OPERATORS,
} from './kqlFacts.ts';
import { child, isBuiltinFunction, listItems, nameOf, nodes, textOf, type KNode, type ParsedKql } from './parser.ts';
import { Scope, type Binding, type Columns, type Operand } from './scope.ts';
import { asDerived, columnIfExists, derive, derivingCall, missingOpts, spanMs } from './derived.ts';
import { casesOperand, decideConstant, onBranches } from './cases.ts';

/** A comparison of the event time with a point in time: the rule's look-back window. */
export interface TimeFilter {
  readonly field: string;
  readonly text: string;
  /** `1h` for `> ago(1h)` and `between (ago(1h) .. now())`. */
  readonly window?: string;
}

export interface ExprCtx {
  readonly q: ParsedKql;
  readonly file: string;
  /** Maps an offset in the query text to an offset in the file. */
  readonly toFile: (offset: number) => number;
  readonly scope: Scope;
  readonly columns: Columns;
  readonly onTime?: (t: TimeFilter) => void;
  /** Every operand a predicate resolved (to tell filters on aggregates from filters on group keys). */
  readonly onRef?: (o: Operand) => void;
}

export function spanOf(ctx: Pick<ExprCtx, 'file' | 'toFile'>, n: KNode): Span {
  return { file: ctx.file, start: ctx.toFile(n.start), end: ctx.toFile(n.end) };
}

const other = (text: string, reason: string): Operand => ({ kind: 'other', text, reason });

/** A member of a field: `a.b`; of the element an `mv-apply` iterates (`.`, see `lowerQuery.ts`), `.b`. */
const memberPath = (field: string, key: string | number): string => (field === '.' ? `.${key}` : `${field}.${key}`);

// ---------------- operands ----------------

export function operand(ctx: ExprCtx, n: KNode): Operand {
  const text = textOf(ctx.q, n);
  if (n.literal) {
    switch (n.literal.type) {
      case 'timespan':
        return { kind: 'span', text: n.literal.text };
      case 'datetime':
        return { kind: 'time', text };
      default:
        return { kind: 'value', value: n.literal.value, text };
    }
  }
  switch (n.kind) {
    case 'ParenthesizedExpression': {
      const inner = nodes(n)[0];
      return inner ? operand(ctx, inner) : other(text, 'empty parentheses');
    }
    case 'NameReference': {
      const name = nameOf(n) ?? text;
      const col = ctx.columns.get(name);
      if (col) return col;
      const b = ctx.scope.get(name);
      if (b) return bindingOperand(ctx, b, name);
      return { kind: 'field', field: name, text };
    }
    case 'PathExpression': {
      const [left, right] = nodes(n);
      const l = left ? operand(ctx, left) : undefined;
      const r = nameOf(right);
      if (l?.kind === 'field' && !l.fold && r !== undefined) return { kind: 'field', field: memberPath(l.field, r), text };
      if (l && r !== undefined) {
        const d = derive(l, [{ fn: 'get', args: [r] }], text);
        if (d) return d;
      }
      return other(text, l?.kind === 'other' ? `member of a computed value (${l.reason})` : 'member of a computed value');
    }
    case 'ElementExpression': {
      const [left, br] = nodes(n);
      const idx = br ? nodes(br)[0] : undefined;
      const ko = idx ? operand(ctx, idx) : undefined;
      const key = ko?.kind === 'value' ? ko.value : undefined;
      const picked = key === 0 && left ? requestedSplit(ctx, left, text) : undefined;
      if (picked) return picked;
      const l = left ? operand(ctx, left) : undefined;
      // a negative index counts from the end: not a path, a `get` step
      if (l?.kind === 'field' && !l.fold && (typeof key === 'string' || (typeof key === 'number' && key >= 0))) return { kind: 'field', field: memberPath(l.field, key), text };
      if (l && (typeof key === 'string' || (typeof key === 'number' && Number.isInteger(key)))) {
        const d = derive(l, [{ fn: 'get', args: [key] }], text);
        if (d) return d;
      }
      return other(text, l?.kind === 'other' ? `element of a computed value (${l.reason})` : 'element of a computed value');
    }
    case 'FunctionCallExpression':
      return callOperand(ctx, n, text);
    case 'DynamicExpression': {
      const inner = nodes(n)[0];
      if (!inner) return other(text, 'empty dynamic');
      if (inner.kind === 'JsonArrayExpression') {
        const vals: Value[] = [];
        for (const it of listItems(child(inner, 'List'))) {
          const o = operand(ctx, it);
          if (o.kind !== 'value') return other(text, 'dynamic array with non-scalar elements');
          vals.push(o.value);
        }
        return { kind: 'values', values: vals, text };
      }
      if (inner.literal) return { kind: 'value', value: inner.literal.type === 'timespan' || inner.literal.type === 'datetime' ? inner.literal.text : inner.literal.value, text };
      return other(text, 'dynamic object');
    }
    case 'UnaryMinusExpression': {
      const inner = operand(ctx, nodes(n)[0]!);
      if (inner.kind === 'value' && typeof inner.value === 'number') return { kind: 'value', value: -inner.value, text };
      if (inner.kind === 'span') return { kind: 'span', text };
      return other(text, 'negated expression');
    }
    case 'AddExpression':
    case 'SubtractExpression': {
      const [a, b] = nodes(n).map((x) => operand(ctx, x));
      if (a?.kind === 'time' || b?.kind === 'time') return { kind: 'time', text };
      if (a?.kind === 'span' && b?.kind === 'span') return { kind: 'span', text };
      // a column moved by a timespan: kept for time relations between join sides
      const sign = n.kind === 'SubtractExpression' ? -1 : 1;
      const ms = (o: Operand | undefined) => (o?.kind === 'span' ? spanMs(o.text) : undefined);
      const col = (o: Operand | undefined) => o?.kind === 'field' || o?.kind === 'derived';
      if (col(a) && ms(b) !== undefined) return { kind: 'other', text, reason: 'arithmetic', shift: { base: a!, ms: sign * ms(b)! } };
      if (sign === 1 && col(b) && ms(a) !== undefined) return { kind: 'other', text, reason: 'arithmetic', shift: { base: b!, ms: ms(a)! } };
      return other(text, 'arithmetic');
    }
    case 'ToScalarExpression':
      return other(text, 'toscalar(): a value computed by a subquery when the rule runs');
    case 'PipeExpression':
    case 'DataTableExpression':
    case 'MaterializeExpression':
    case 'UnionOperator':
      return { kind: 'table', text };
    default:
      return other(text, `${n.kind.replace(/Expression$/, '')} expression`);
  }
}

/** `split(s, sep, i)[0]`: the one-element array split() returns for a requested index, indexed: `split(s, sep)[i]`. */
function requestedSplit(ctx: ExprCtx, call: KNode, text: string): Operand | undefined {
  if (call.kind !== 'FunctionCallExpression' || nameOf(nodes(call)[0]) !== 'split') return undefined;
  const args = listItems(child(call, 'ExpressionList'));
  if (args.length !== 3) return undefined;
  const i = operand(ctx, args[2]!);
  if (i.kind !== 'value' || typeof i.value !== 'number' || !Number.isInteger(i.value) || i.value < 0) return undefined;
  const parts = derivingCall(ctx.q, 'split', args.slice(0, 2), text, (x) => operand(ctx, x));
  return parts && parts.kind === 'derived' ? derive(parts, [{ fn: 'get', args: [i.value] }], text) : undefined;
}

/**
 * `array_length(s)` where s is `make_set(x)` of a field: the number of distinct x values of the group, an aggregate
 * `dcount(x)` capped at the set's size (its default, or the size given), so a threshold on it is a distinct count.
 */
function distinctSetLength(ctx: ExprCtx, fname: string, args: readonly KNode[], text: string): Operand | undefined {
  if (fname !== 'array_length' || args.length !== 1) return undefined;
  const set = operand(ctx, args[0]!);
  if (set.kind !== 'agg' || !set.of || set.of.args > 2 || set.of.operand.kind !== 'field' || set.of.operand.fold) return undefined;
  const defaultSize = DISTINCT_SET_SIZE[set.fn];
  if (defaultSize === undefined) return undefined;
  if (set.of.args === 2 && set.of.size === undefined) return undefined;
  const cap = Math.min(set.of.size ?? defaultSize, defaultSize);
  return { kind: 'agg', column: text, fn: 'dcount', text, of: { operand: set.of.operand, args: 1 }, cap };
}

function callOperand(ctx: ExprCtx, n: KNode, text: string): Operand {
  const fname = nameOf(nodes(n)[0]) ?? '';
  const args = listItems(child(n, 'ExpressionList'));
  if (TRANSPARENT_FUNCTIONS.has(fname) && args.length === 1) {
    const a = operand(ctx, args[0]!);
    if (a.kind === 'field' || a.kind === 'value' || a.kind === 'agg') return a;
    const conv = CONVERSION_STEPS[fname];
    if (a.kind === 'derived' && conv) return derive(a, [{ fn: conv }], text)!;
    return other(text, a.kind === 'other' ? `${fname}() of a computed value (${a.reason})` : `${fname}() of a ${a.kind}`);
  }
  const fold = CASE_FOLDING_FUNCTIONS[fname];
  if (fold && args.length === 1) {
    const a = operand(ctx, args[0]!);
    if (a.kind === 'field' && !a.fold) return { kind: 'field', field: a.field, fold, text };
    if (a.kind === 'value' && typeof a.value === 'string') return { kind: 'value', value: fold === 'lower' ? a.value.toLowerCase() : a.value.toUpperCase(), text };
    const d = derive(a, [{ fn: fold }], text);
    if (d) return d;
    return other(text, a.kind === 'other' ? `${fname}() of a computed value (${a.reason})` : `${fname}() of a ${a.kind}`);
  }
  // when the record was ingested: a time per record, which `ago()` bounds as it bounds TimeGenerated
  if (fname === 'ingestion_time' && args.length === 0) return { kind: 'other', text, reason: 'ingestion_time(): when the record was ingested, not an event field', timeColumn: 'ingestion_time()' };
  const counted = distinctSetLength(ctx, fname, args, text);
  if (counted) return counted;
  const d = derivingCall(ctx.q, fname, args, text, (x) => operand(ctx, x));
  if (d) return d;
  const cond = conditionalCall(ctx, fname, args, text);
  if (cond) return cond;
  if ((fname === 'column_ifexists' || fname === 'columnifexists') && args.length === 2) return columnIfExists(args.map((a) => operand(ctx, a)), text);
  if (isConditionFunction(fname)) {
    // a boolean column (`IsPrivate = ipv4_is_private(ip)`): true under the condition, false otherwise
    const e = lowerCall({ ...ctx, onRef: undefined }, n, false, (r) => opaque(text, r, spanOf(ctx, n)), spanOf(ctx, n));
    return casesOperand([{ when: e, value: { kind: 'value', value: true, text: 'true' } }], { kind: 'value', value: false, text: 'false' }, text);
  }
  if (fname === 'datetime_add' && args.length === 3) {
    const unit = operand(ctx, args[0]!);
    const k = operand(ctx, args[1]!);
    const base = operand(ctx, args[2]!);
    const size = unit.kind === 'value' && typeof unit.value === 'string' ? DATETIME_PART_MS[unit.value.toLowerCase()] : undefined;
    if ((base.kind === 'field' || base.kind === 'derived') && size !== undefined && k.kind === 'value' && typeof k.value === 'number' && Number.isInteger(k.value)) {
      return { kind: 'other', text, reason: 'datetime_add() of a column', shift: { base, ms: k.value * size } };
    }
  }
  if (TIME_FUNCTIONS.has(fname)) {
    if (fname === 'ago' && args.length === 1) {
      const a = operand(ctx, args[0]!);
      if (a.kind === 'span') return { kind: 'time', text, window: a.text };
    }
    return { kind: 'time', text };
  }
  if (fname === 'pack_array') {
    const vals: Value[] = [];
    for (const a of args) {
      const o = operand(ctx, a);
      if (o.kind === 'value') vals.push(o.value);
      else return other(text, 'pack_array() of computed values');
    }
    return { kind: 'values', values: vals, text };
  }
  // array_concat / set_union of constant arrays (`let all = array_concat(lolbins, dynamic(["x.exe"]))`): the values of
  // every array in turn (a set union has the same members; `in` and `has_any` test membership)
  if ((fname === 'array_concat' || fname === 'set_union') && args.length >= 1) {
    const vals: Value[] = [];
    for (const a of args) {
      const o = operand(ctx, a);
      if (o.kind !== 'values') return other(text, `${fname}() of computed arrays`);
      vals.push(...o.values);
    }
    return { kind: 'values', values: fname === 'set_union' ? [...new Set(vals)] : vals, text };
  }
  const b = ctx.scope.get(fname);
  if (b?.kind === 'function' || b?.kind === 'table' || b?.kind === 'rows') return { kind: 'table', text };
  if (!isBuiltinFunction(fname)) return { kind: 'table', text };
  return other(text, `${fname}()`);
}

function bindingOperand(ctx: ExprCtx, b: Binding, name: string): Operand {
  switch (b.kind) {
    case 'operand':
      return b.operand;
    case 'datatable':
      if (b.columns.length === 1) return { kind: 'values', values: b.rows.map((r) => r[0] ?? null), text: name };
      return { kind: 'table', text: name };
    case 'table':
    case 'rows':
      return { kind: 'table', text: name };
    case 'function':
      return other(name, `${name} is a function`);
    default: {
      const _x: never = b;
      return other(name, String(_x));
    }
  }
}

/** The meaning of a let statement's right-hand side. */
export function bindingOf(ctx: ExprCtx, rhs: KNode): Binding {
  switch (rhs.kind) {
    case 'FunctionDeclaration': {
      const params = listItems(child(child(rhs, 'FunctionParameters') ?? rhs, 'List')).map((p) => {
        const decl = child(p, 'NameAndTypeDeclaration') ?? p;
        const nm = nameOf(child(decl, 'NameDeclaration')) ?? '';
        const tabular = child(decl, 'SchemaTypeExpression') ? { tabular: true as const } : {};
        const dv = child(p, 'DefaultValueDeclaration');
        const d = dv ? nodes(dv)[0] : undefined;
        return d ? { name: nm, default: d, ...tabular } : { name: nm, ...tabular };
      });
      return { kind: 'function', params, body: child(rhs, 'FunctionBody') ?? rhs, scope: ctx.scope, node: rhs };
    }
    case 'DataTableExpression': {
      const schema = child(rhs, 'RowSchema');
      const columns = listItems(child(schema ?? rhs, 'List')).map((c) => nameOf(child(c, 'NameDeclaration')) ?? '');
      const lists = rhs.children.filter((c) => c.kind === 'List');
      const cells = listItems(lists[lists.length - 1]).map((c) => operand(ctx, c));
      if (columns.length === 0 || cells.some((c) => c.kind !== 'value')) return { kind: 'table', node: rhs, scope: ctx.scope };
      const rows: Value[][] = [];
      for (let i = 0; i < cells.length; i += columns.length) rows.push(cells.slice(i, i + columns.length).map((c) => (c.kind === 'value' ? c.value : null)));
      return { kind: 'datatable', columns, rows, node: rhs };
    }
    case 'ParenthesizedExpression': {
      const inner = nodes(rhs)[0];
      return inner ? bindingOf(ctx, inner) : { kind: 'operand', operand: other('()', 'empty'), node: rhs };
    }
    case 'NameReference': {
      const b = ctx.scope.get(nameOf(rhs) ?? '');
      if (b) return b;
      return { kind: 'table', node: rhs, scope: ctx.scope };
    }
    case 'FunctionCallExpression': {
      const fname = nameOf(nodes(rhs)[0]) ?? '';
      if (isBuiltinFunction(fname) && !ctx.scope.get(fname)) return { kind: 'operand', operand: operand(ctx, rhs), node: rhs };
      return { kind: 'table', node: rhs, scope: ctx.scope };
    }
    default:
      if (rhs.kind === 'PipeExpression' || rhs.kind === 'MaterializeExpression' || rhs.kind.endsWith('Operator')) return { kind: 'table', node: rhs, scope: ctx.scope };
      return { kind: 'operand', operand: operand(ctx, rhs), node: rhs };
  }
}

// ---------------- predicates ----------------

/** The operator spelling of a binary node: its direct tokens (`in~`, `matches regex`, `!has`). */
export function operatorSpelling(n: KNode): string {
  return n.children
    .filter((c) => c.token !== undefined)
    .map((c) => c.token)
    .join(' ');
}

/**
 * Lower a boolean expression. `conj` is true while only ANDs lead from the filter's root to `n`: there a time
 * comparison is the rule's window and is taken out; elsewhere it stays (as opaque).
 */
export function lowerPredicate(ctx: ExprCtx, n: KNode, conj = true): Expr {
  const text = textOf(ctx.q, n);
  const span = spanOf(ctx, n);
  const opq = (reason: string) => opaque(text, reason, span);
  switch (n.kind) {
    case 'AndExpression': {
      const [l, r] = nodes(n);
      return and(lowerPredicate(ctx, l!, conj), lowerPredicate(ctx, r!, conj));
    }
    case 'OrExpression': {
      const [l, r] = nodes(n);
      return or(lowerPredicate(ctx, l!, false), lowerPredicate(ctx, r!, false));
    }
    case 'ParenthesizedExpression': {
      const inner = nodes(n)[0];
      return inner ? lowerPredicate(ctx, inner, conj) : opq('empty parentheses');
    }
    case 'BooleanLiteralExpression':
      return { kind: 'const', value: n.literal?.value === true };
    case 'FunctionCallExpression':
      return lowerCall(ctx, n, conj, opq, span);
    case 'BetweenExpression':
    case 'NotBetweenExpression':
      return lowerBetween(ctx, n, conj, opq, span);
    case 'NameReference':
    case 'PathExpression':
    case 'ElementExpression': {
      const o = operand(ctx, n);
      ctx.onRef?.(o);
      return truthOf(o, span, opq);
    }
    case 'StarExpression':
      return opq('search over every column');
    default:
      break;
  }
  const kids = nodes(n);
  const spelling = operatorSpelling(n);
  if (kids.length !== 2 || !spelling) return opq(`${n.kind.replace(/Expression$/, '')} is not a condition the model can hold`);
  if (UNSUPPORTED_OPERATORS[spelling]) return opq(UNSUPPORTED_OPERATORS[spelling]!);
  const truth = comparedCondition(kids, spelling);
  if (truth) {
    // ipv4_is_private(ip) == false: the condition function itself, negated when compared with false
    const c = lowerCall(ctx, truth.call, false, opq, span);
    return truth.holds ? c : negateCall(truth.call, c);
  }
  const fact = BINARY_OPERATOR_FACTS[spelling];
  if (!fact) return opq(`operator ${spelling} is not a condition the model can hold`);
  let left = operand(ctx, kids[0]!);
  const rightItems = fact.list ? listItems(kids[1]) : [kids[1]!];
  const rights = rightItems.map((r) => operand(ctx, r));
  ctx.onRef?.(left);
  for (const r of rights) ctx.onRef?.(r);

  let op = fact.op;
  // value on the left, column on the right: swap (`5 < x` is `x > 5`)
  const isColumn = (o: Operand | undefined) => o?.kind === 'field' || o?.kind === 'agg' || o?.kind === 'derived' || o?.kind === 'cases';
  if (!fact.list && !isColumn(left) && isColumn(rights[0]) && SWAPPED[op]) {
    const r = rights[0]!;
    rights[0] = left;
    left = r;
    op = SWAPPED[op]!;
  }
  if (left.kind === 'time' || rights.some((r) => r.kind === 'time')) return timeComparison(ctx, left, rights, op, conj, text, opq);
  if (left.kind === 'cases') return onBranches(left, (v) => compare(v, rights, fact, op, span, opq));
  return compare(left, rights, fact, op, span, opq);
}

/** A comparison of an operand with the right side's operands, as the operator's facts say. */
function compare(leftIn: Operand, rights: readonly Operand[], fact: BinaryOperatorFact, op: Operator, span: Span, opq: (reason: string) => Expr): Expr {
  let left = leftIn;
  if (left.kind === 'agg') left = { kind: 'field', field: left.column, text: left.text };
  if (left.kind === 'value') {
    const v = left.value;
    return decideConstant(v !== null && typeof v === 'object' ? undefined : v, (f) => compare({ kind: 'field', field: f, text: left.text }, rights, fact, op, span, opq), left.text);
  }
  if (left.kind !== 'field' && left.kind !== 'derived') return opq(left.kind === 'other' ? `${left.text}: ${left.reason}` : `left side is a ${left.kind}`);
  const values: Value[] = [];
  for (const r of rights) {
    if (r.kind === 'value') values.push(r.value);
    else if (r.kind === 'values') values.push(...r.values);
    else if (r.kind === 'field' && !r.fold) values.push({ kind: 'field', field: r.field });
    else if (r.kind === 'field' || r.kind === 'derived') {
      const d = asDerived(r)!;
      const m = d.missingAs;
      values.push({ kind: 'field', field: d.field, ...(d.derived.steps.length ? { derived: d.derived } : {}), ...(m !== undefined && m !== null && typeof m !== 'object' ? { missingAs: m } : {}) });
    }
    else if (r.kind === 'agg') values.push({ kind: 'field', field: r.column });
    else if (r.kind === 'span') values.push(r.text);
    else if (r.kind === 'table') return opq(`membership in the rows of ${r.text.length > 60 ? 'a subquery' : r.text}, known only when the query runs`);
    else if (r.kind === 'other') return opq(`${r.text}: ${r.reason}`);
    else if (r.kind === 'cases') return opq(`right side is a conditional value (${r.text.length > 60 ? r.text.slice(0, 57) + '...' : r.text})`);
    else return opq(`right side is a ${r.kind}`);
  }
  if (fact.list && values.length === 0) return opq('empty list');
  const isOrdering = op === 'lt' || op === 'le' || op === 'gt' || op === 'ge';
  let cs = fact.cs;
  if (left.kind === 'field' && left.fold) {
    // tolower(x) == "abc" is x =~ "abc"; against a value that is not in the folded case, or in an ordering, the
    // comparison is on the folded value itself (a derived operand)
    const upper = left.fold === 'upper';
    const folded = (s: string) => (upper ? s.toUpperCase() : s.toLowerCase());
    if (isOrdering || values.some((v) => (typeof v === 'string' && folded(v) !== v) || (v !== null && typeof v === 'object'))) left = asDerived(left)!;
    else cs = false;
  }
  const opts: { -readonly [K in keyof PredicateOptions]: PredicateOptions[K] } = { ...missingOpts(left) };
  if (!isOrdering) opts.cs = cs;
  if (fact.all && values.length > 1) opts.match = 'all';
  if (fact.term) opts.term = fact.term;
  if (op === 'wildcard') opts.wildcard = 'like';
  const p = pred(left.field, op, values, opts, span, left.kind === 'derived' ? left.derived : undefined);
  if (fact.negated) return kqlNot(p);
  // `x != 5` is null, not true, where x is null
  const g = op === 'ne' ? nullGuard(p) : undefined;
  return g ? and(g, p) : p;
}

function timeComparison(
  ctx: ExprCtx,
  left: Operand,
  rights: readonly Operand[],
  op: string,
  conj: boolean,
  text: string,
  opq: (reason: string) => Expr,
): Expr {
  const r = rights[0];
  const timeField = timeColumnOf(left);
  if (timeField && rights.length === 1 && r?.kind === 'time' && (op === 'gt' || op === 'ge' || op === 'lt' || op === 'le')) {
    if (!conj) return opq('time comparison inside or / not');
    ctx.onTime?.({ field: timeField, text, ...(r.window && (op === 'gt' || op === 'ge') ? { window: r.window } : {}) });
    return TRUE;
  }
  return opq('comparison with a time relative to when the query runs');
}

/** The time column an operand is (`TimeGenerated`, `ingestion_time()`), undefined for anything else. */
function timeColumnOf(o: Operand): string | undefined {
  if (o.kind === 'field') return TIME_COLUMNS.has(o.field) ? o.field : undefined;
  return o.kind === 'other' ? o.timeColumn : undefined;
}

function lowerBetween(ctx: ExprCtx, n: KNode, conj: boolean, opq: (reason: string) => Expr, span: Span): Expr {
  const [l, couple] = nodes(n);
  const [lo, hi] = nodes(couple!);
  const text = textOf(ctx.q, n);
  const left = operand(ctx, l!);
  const a = operand(ctx, lo!);
  const b = operand(ctx, hi!);
  ctx.onRef?.(left);
  const negated = n.kind === 'NotBetweenExpression';
  const timeField = timeColumnOf(left);
  if (timeField && (a.kind === 'time' || b.kind === 'time')) {
    if (!conj || negated) return opq('time comparison inside or / not');
    ctx.onTime?.({ field: timeField, text, ...(a.kind === 'time' && a.window ? { window: a.window } : {}) });
    return TRUE;
  }
  const dl = left.kind === 'field' && left.fold ? asDerived(left) : left.kind === 'derived' ? left : undefined;
  const f = left.kind === 'agg' ? left.column : left.kind === 'field' ? left.field : dl?.field;
  if (f === undefined) return opq(left.kind === 'other' ? left.reason : 'between on a computed value');
  if (a.kind !== 'value' || b.kind !== 'value') return opq('between bounds that are not constants');
  const mo = missingOpts(dl);
  const e = and(pred(f, 'ge', [a.value], mo, span, dl?.derived), pred(f, 'le', [b.value], mo, span, dl?.derived));
  return negated ? kqlNot(e) : e;
}

function lowerCall(ctx: ExprCtx, n: KNode, conj: boolean, opq: (reason: string) => Expr, span: Span): Expr {
  const fname = nameOf(nodes(n)[0]) ?? '';
  const args = listItems(child(n, 'ExpressionList'));
  if (fname === 'not' && args.length === 1) return negateCall(args[0]!, lowerPredicate(ctx, args[0]!, false));
  const nf = NULL_FUNCTIONS[fname];
  if (nf && args.length === 1) {
    const o = operand(ctx, args[0]!);
    ctx.onRef?.(o);
    if (o.kind === 'cases') return onBranches(o, (v) => nullTest(v, nf, span, opq, fname));
    return nullTest(o, nf, span, opq, fname);
  }
  if (fname === 'ipv4_is_private' && args.length === 1) {
    const o = operand(ctx, args[0]!);
    ctx.onRef?.(o);
    if (o.kind !== 'field' && o.kind !== 'derived') return opq(o.kind === 'other' ? `${fname}() of a computed value (${o.reason})` : `${fname}() of a ${o.kind}`);
    return pred(o.field, 'cidr', PRIVATE_IPV4_RANGES, missingOpts(o), span, o.kind === 'derived' ? o.derived : undefined);
  }
  if (CIDR_FUNCTIONS.has(fname) && args.length >= 2) {
    // ipv4_is_match compares two addresses, either of which may be the constant
    if (fname === 'ipv4_is_match' && args[0]!.literal && !args[1]!.literal) [args[0], args[1]] = [args[1]!, args[0]!];
    const o = operand(ctx, args[0]!);
    ctx.onRef?.(o);
    if (o.kind !== 'field' && o.kind !== 'derived') return opq(o.kind === 'other' ? `${fname}() of a computed value (${o.reason})` : `${fname}() of a ${o.kind}`);
    const ranges: Value[] = [];
    for (const a of args.slice(1)) {
      const r = operand(ctx, a);
      if (r.kind === 'value' && typeof r.value === 'string') ranges.push(r.value);
      else if (r.kind === 'values') ranges.push(...r.values);
      else if (r.kind === 'value' && typeof r.value === 'number' && fname === 'ipv4_is_match') {
        // ipv4_is_match(ip, addr, prefix): the prefix length applies to the previous address
        const prev = ranges.pop();
        if (typeof prev === 'string') ranges.push(`${prev.split('/')[0]}/${r.value}`);
      } else return opq(`${fname}() with computed ranges`);
    }
    return pred(o.field, 'cidr', ranges, missingOpts(o), span, o.kind === 'derived' ? o.derived : undefined);
  }
  void conj;
  return opq(`${fname}() is not a condition the model can hold`);
}

/**
 * KQL's negation of the condition `c` lowered from the syntax `n` (`not(…)`, `… == false`). A comparison can be null
 * in KQL (`nullGuard`), `not(null)` is null, and `where` drops a null row: so `not(ipv4_is_private(ip))` holds for an
 * address outside the ranges only, not for an empty or IPv6 value, and `not(Count > 5)` not for a missing Count
 * (`kqlNot`). A negation of tests that are never null is the plain `not`.
 */
function negateCall(n: KNode, c: Expr): Expr {
  if (!hasNullable(c)) return not(c);
  let call: KNode | undefined = n;
  while (call?.kind === 'ParenthesizedExpression') call = nodes(call)[0];
  const fname = call?.kind === 'FunctionCallExpression' ? (nameOf(nodes(call)[0]) ?? '') : '';
  return kqlNot(c, fname.startsWith('ipv6_') ? 'ipv6' : fname.startsWith('ipv4_') ? 'ipv4' : undefined);
}

/** Operators whose comparison with a number is null on a null value. */
const NUMERIC_COMPARISONS: ReadonlySet<Operator> = new Set(['eq', 'in', 'ne', 'lt', 'le', 'gt', 'ge']);

/**
 * What must hold for a lowered KQL test not to be null, when it can be: for a range test (only the address
 * functions make them), that the value is an address of the function's family (told, or read from the ranges);
 * for a comparison with numbers, that the value is there (a missing or null column is null, and so is the
 * comparison). Undefined: the test is never null (KQL's strings are empty, not null; a `column_ifexists` default).
 */
function nullGuard(p: Predicate, family?: keyof typeof ADDRESS_RANGES): Predicate | undefined {
  if (p.op === 'cidr') {
    const f = family ?? (p.values.some((v) => typeof v === 'string' && v.includes(':')) ? 'ipv6' : 'ipv4');
    return pred(p.field, 'cidr', ADDRESS_RANGES[f], p.opts, p.span, p.derived);
  }
  if (p.opts?.missingAs !== undefined || !NUMERIC_COMPARISONS.has(p.op) || p.values.length === 0 || !p.values.every((v) => typeof v === 'number')) return undefined;
  return pred(p.field, 'is_not_null', [], undefined, p.span, p.derived);
}

function hasNullable(e: Expr): boolean {
  if (e.kind === 'pred') return nullGuard(e) !== undefined;
  if (e.kind === 'and' || e.kind === 'or') return e.args.some(hasNullable);
  return e.kind === 'not' && hasNullable(e.arg);
}

/** `g` is the guard `nullGuard` gives for `p` (the same value; any family of address). */
function isGuardOf(g: Expr, p: Predicate): boolean {
  if (g.kind !== 'pred' || g.field !== p.field || JSON.stringify(g.derived) !== JSON.stringify(p.derived)) return false;
  if (p.op === 'cidr') return g.op === 'cidr' && g.values.every((v) => typeof v === 'string' && v.endsWith('/0'));
  return g.op === 'is_not_null' && g.values.length === 0 && g.opts === undefined;
}

/** The AND of the parts, each once: negating an or of tests of one value gives each of them the same guard. */
function uniqueAnd(parts: readonly Expr[]): Expr {
  const e = and(...parts);
  if (e.kind !== 'and') return e;
  const seen = new Set<string>();
  const args = e.args.filter((a) => {
    const k = JSON.stringify(a, (key, v: unknown) => (key === 'span' ? undefined : v));
    return !seen.has(k) && !!seen.add(k);
  });
  return args.length === e.args.length ? e : and(...args);
}

/** A test `x != n` guarded or a `not(test)`: the test it negates, when that test can be null. */
function negatedNullable(e: Expr): Predicate | undefined {
  if (e.kind === 'not' && e.arg.kind === 'pred' && nullGuard(e.arg)) return e.arg;
  if (e.kind === 'pred' && e.op === 'ne' && nullGuard(e)) return { ...e, op: 'eq' };
  return undefined;
}

/**
 * When the lowered `e` is true in KQL's three-valued logic, its `not()` is false; when `e` is null, its `not()` is
 * null; so the negation is "`e` is false", which differs from the plain `not` where a part can be null. A test that
 * can be null is false when its guard holds and it does not; a negated one (the guard and `not(test)`, or `x != n`,
 * side by side in one `and`) is false where the test is true; and / or turn by De Morgan's laws, which hold in
 * three-valued logic. Other parts take the plain `not`.
 */
function kqlNot(e: Expr, family?: keyof typeof ADDRESS_RANGES): Expr {
  if (e.kind === 'pred') {
    const g = nullGuard(e, family);
    if (!g) return not(e);
    return negatedNullable(e) ?? and(g, not(e));
  }
  if ((e.kind !== 'and' && e.kind !== 'or') || !hasNullable(e)) return not(e);
  if (e.kind === 'or') return uniqueAnd(e.args.map((a) => kqlNot(a, family)));
  // tests of one value with one guard (`not(x between (1 .. 5))`): the guard, and the plain negation of them all
  const first = e.args[0]!.kind === 'pred' ? nullGuard(e.args[0] as Predicate, family) : undefined;
  if (first && e.args.every((a) => a.kind === 'pred' && a.op !== 'ne' && isGuardOf(first, a) && nullGuard(a, family)?.op === first.op)) return and(first, not(e));
  // an and: a guard and a negated test of the same value are one negated test, whose negation is the test (negating
  // each part would be wrong: the guard's negation holds where the test is null)
  const guards = new Set<Expr>();
  const tests = new Map<Expr, Predicate>();
  for (const a of e.args) {
    const t = negatedNullable(a);
    const g = t && e.args.find((x) => !guards.has(x) && isGuardOf(x, t));
    if (t && g) {
      guards.add(g);
      tests.set(a, t);
    }
  }
  const out: Expr[] = [];
  for (const a of e.args) if (!guards.has(a)) out.push(tests.get(a) ?? kqlNot(a, family));
  return or(...out);
}

/** isnull / isempty (and their negations) of an operand; of a constant it is decided now. */
function nullTest(o: Operand, nf: { readonly op: 'is_null' | 'is_not_null'; readonly empty: boolean }, span: Span, opq: (reason: string) => Expr, fname: string): Expr {
  // isempty(tolower(x)) is isempty(x): a case fold keeps emptiness
  if (o.kind === 'value') {
    const v = o.value;
    if (v !== null && typeof v === 'object') return opq(`${fname}() of a column reference`);
    return decideConstant(v, (f) => pred(f, nf.op, [], nf.empty ? { empty: true } : undefined, span), o.text);
  }
  const f = o.kind === 'field' || o.kind === 'derived' ? o.field : o.kind === 'agg' ? o.column : undefined;
  if (f === undefined) return opq(o.kind === 'other' ? `${fname}(${o.text}): ${o.reason}` : `${fname}() of a ${o.kind}`);
  return pred(f, nf.op, [], { ...(nf.empty ? { empty: true } : {}), ...missingOpts(o) }, span, o.kind === 'derived' ? o.derived : undefined);
}

/**
 * `iff(c, a, b)` / `iif`, `case(c1, v1, …, else)`, `coalesce(a, b, …)` (the first value that is not null or empty):
 * a conditional operand (cases.ts), or undefined for other functions.
 */
function conditionalCall(ctx: ExprCtx, fname: string, args: readonly KNode[], text: string): Operand | undefined {
  const cond = (n: KNode) => lowerPredicate({ ...ctx, onRef: undefined }, n, false);
  const opd = (n: KNode) => operand(ctx, n);
  if ((fname === 'iff' || fname === 'iif') && args.length === 3) return casesOperand([{ when: cond(args[0]!), value: opd(args[1]!) }], opd(args[2]!), text);
  if (fname === 'case' && args.length >= 3 && args.length % 2 === 1) {
    const pairs = [];
    for (let i = 0; i + 1 < args.length; i += 2) pairs.push({ when: cond(args[i]!), value: opd(args[i + 1]!) });
    return casesOperand(pairs, opd(args[args.length - 1]!), text);
  }
  if (fname === 'coalesce' && args.length >= 1) {
    const ops = args.map(opd);
    const span = spanOf(ctx, args[0]!);
    const pairs = ops.slice(0, -1).map((o) => ({ when: nullTest(o, NULL_FUNCTIONS['isnotempty']!, span, (r) => opaque(o.text, r, span), 'coalesce'), value: o }));
    return casesOperand(pairs, ops[ops.length - 1]!, text);
  }
  return undefined;
}

/** A column used as a condition: a boolean constant, `x == true`, or over a conditional's branches. */
function truthOf(o: Operand, span: Span, opq: (reason: string) => Expr): Expr {
  if (o.kind === 'value' && typeof o.value === 'boolean') return { kind: 'const', value: o.value };
  if (o.kind === 'field' && !o.fold) return pred(o.field, 'eq', [true], { cs: true }, span);
  if (o.kind === 'derived') return pred(o.field, 'eq', [true], { cs: true, ...missingOpts(o) }, span, o.derived);
  if (o.kind === 'cases') return onBranches(o, (v) => truthOf(v, span, opq));
  return opq(o.kind === 'other' ? o.reason : `${o.kind} used as a condition`);
}

/** Functions whose value is a condition (isempty, ipv4_is_private, ipv4_is_in_range…). */
function isConditionFunction(f: string): boolean {
  return NULL_FUNCTIONS[f] !== undefined || f === 'ipv4_is_private' || CIDR_FUNCTIONS.has(f);
}

/** `f(x) == true` / `f(x) != false` (and swapped) where f is a condition function: the call and whether it must hold. */
function comparedCondition(kids: readonly KNode[], spelling: string): { call: KNode; holds: boolean } | undefined {
  if (spelling !== '==' && spelling !== '!=') return undefined;
  const [a, b] = kids;
  const isCond = (x: KNode | undefined) => x?.kind === 'FunctionCallExpression' && isConditionFunction(nameOf(nodes(x)[0]) ?? '');
  const call = isCond(a) ? a : isCond(b) ? b : undefined;
  const lit = call === a ? b : a;
  if (!call || lit?.literal?.type !== 'boolean') return undefined;
  return { call, holds: (lit.literal.value === true) === (spelling === '==') };
}

/** Top-level conjuncts of a boolean syntax tree (`a and (b and c)` gives a, b, c). */
export function syntaxConjuncts(n: KNode): KNode[] {
  if (n.kind === 'AndExpression') return nodes(n).flatMap(syntaxConjuncts);
  if (n.kind === 'ParenthesizedExpression') {
    const inner = nodes(n)[0];
    if (inner && inner.kind === 'AndExpression') return syntaxConjuncts(inner);
  }
  return [n];
}

export { Scope };
