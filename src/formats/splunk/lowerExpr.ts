/**
 * Lowering of SPL expressions into the model, with Splunk's semantics:
 * - search command (and tstats `where`): values match case-insensitively (CASE() makes them case-sensitive),
 *   `*` is the only wildcard, an IPv4 CIDR value matches addresses in the range, `field=*` means the field exists,
 *   `field!=v` needs the field to exist (NOT field=v also matches events without it: Search Manual, "Difference
 *   between != and NOT"), bare terms match the raw event;
 * - evaluation expressions (where, eval): comparisons are case-sensitive unless a side goes through lower() or
 *   upper(); like() uses `%` and `_`; match() is a regex; a comparison with a null (missing) field is null, which
 *   `where` treats as false, so `!=` also needs the field.
 * Field names go through the pipeline's environment (renames, eval, rex, lookups); a field `rex` extracts from an
 * event field is that field's derived `extract`; a field whose value the model cannot express becomes an opaque leaf
 * with the reason.
 */
import { and, exprEquals, isFieldRef, leaves, mapEachLeaf, not, opaque, or, pred, TRUE, FALSE, type Derived, type Expr, type Operator, type PredicateOptions, type TransformStep, type Value } from '../../model/expr.ts';
import { renderPredicate } from '../../model/render.ts';
import { evaluatePredicate } from '../../model/evaluate.ts';
import type { Span } from '../../model/span.ts';
import { parseSearchExpr, type EvalNode, type SearchNode, type SearchValue, type SplRange } from './parser.ts';
import { CASE_FOLD_FUNCTIONS, OVER_SPLIT, STEP_FUNCTIONS, undefinedMacroReason } from './splFacts.ts';

/** Where a field's value comes from at a point of the pipeline. */
export type FieldOrigin =
  /** A field of the event (or a group-by key after stats, which is constant over its group). */
  | { readonly kind: 'raw'; readonly field: string }
  /** lower(f) / upper(f): comparisons through it are case-insensitive. */
  | { readonly kind: 'fold'; readonly field: string }
  /** The result of an aggregate function (`count`, `dc(user)`): a threshold candidate. */
  /**
   * `counted`: the aggregate over the event field it reads (`dc(src_user)`); absent when it reads a computed value.
   * `of`: that event field, when the aggregate reads one over the events themselves (not an earlier stats' rows).
   */
  | { readonly kind: 'agg'; readonly fn: string; readonly text: string; readonly counted?: string; readonly of?: string; readonly notEvents?: string; readonly where?: Expr }
  /** Computed by a command or expression the model does not express; reason starts with a category word. */
  | { readonly kind: 'computed'; readonly reason: string }
  /**
   * `eval x=if(cond, a, b)` with constant a and b: `x=a` is cond, `x=b` is not cond (a null cond makes if() take
   * the else branch, which `not` over unknown leaves keeps unknown). `reason` is used for any other test of x.
   */
  | { readonly kind: 'cond'; readonly cond: Expr; readonly then: Value; readonly else: Value; readonly reason: string }
  /**
   * A value the model derives from an event field (`rex field=f "(?<name>…)"`: the named group of the first match,
   * absent when it does not match; `eval x=len(f)` and the other `STEP_FUNCTIONS`); `reason` is used where a derived
   * value cannot be compared.
   */
  | { readonly kind: 'derived'; readonly field: string; readonly derived: Derived; readonly reason: string }
  /**
   * The first of these event fields the event has (`rename properties.* as *`: `user` is `properties.user` where the
   * event has it, else its own `user`). Tested as a placeholder field (`coalescedField`) that the lowering expands.
   */
  | { readonly kind: 'coalesce'; readonly fields: readonly string[] };

/** The placeholder field of a coalesce origin, expanded by `expandCoalesced` once the search is lowered. */
const COALESCE = '\u0001coalesce\u0001';
export const coalescedField = (fields: readonly string[]): string => COALESCE + fields.join('\u0001');

/**
 * Each test of a coalesce placeholder as the test of the first field the event has: `(a present and the test of a)
 * or (a missing and the test of b)`; a placeholder compared with another field, or inside a derivation of another,
 * is unknown.
 */
export function expandCoalesced(e: Expr): Expr {
  /** A placeholder shown as the rule names it (its last field). */
  const shown = (f: string): string => (f.startsWith(COALESCE) ? f.slice(COALESCE.length).split('\u0001').at(-1)! : f);
  return mapEachLeaf(e, (x) => {
    if (x.kind !== 'pred') return x;
    const refs = x.values.some((v) => isFieldRef(v) && v.field.startsWith(COALESCE));
    const text = (): string => renderPredicate({ ...x, field: shown(x.field), values: x.values.map((v) => (isFieldRef(v) ? { ...v, field: shown(v.field) } : v)) });
    if (!x.field.startsWith(COALESCE)) return refs ? opaque(text(), 'rename: a field compared with a renamed one, which the model does not pair', x.span) : x;
    if (refs) return opaque(text(), 'rename: two renamed fields compared', x.span);
    const fields = x.field.slice(COALESCE.length).split('\u0001');
    const alt = (i: number): Expr => {
      const p = { ...x, field: fields[i]! };
      if (i === fields.length - 1) return p;
      return or(and(pred(fields[i]!, 'is_not_null', [], {}, x.span), p), and(pred(fields[i]!, 'is_null', [], {}, x.span), alt(i + 1)));
    };
    return alt(0);
  });
}

/**
 * The row condition under which a derived value is what its steps say, and null elsewhere (`eval x=if(cond, f(y),
 * null())`), keyed by the `Derived` its predicates carry (so the key is the object `guardedDerived` registered).
 */
const GUARDS = new WeakMap<Derived, Expr>();

/** `d`, registered as null where `guard` fails (no guard: `d` as it is). */
export function guardedDerived(d: Derived, guard: Expr | undefined): Derived {
  if (guard) GUARDS.set(d, guard);
  return d;
}

/** The guard a derived value was registered with (`guardedDerived`). */
export const guardOf = (d: Derived | undefined): Expr | undefined => (d ? GUARDS.get(d) : undefined);

/** Two guards as one: both, once when they are the same condition. */
export function bothGuards(a: Expr | undefined, b: Expr | undefined): Expr | undefined {
  if (!a || !b) return a ?? b;
  return exprEquals(a, b) ? a : and(a, b);
}

/**
 * The tests of guarded values stated with their guard, once per guard: `e` is `(g and e) or (not g and e')`, where
 * `e'` has each test of a value guarded by g replaced by that test's truth on a null value (false for a comparison,
 * true for `isnull()`), so that a guard whose tests are false on null is one conjunct, `g and e`.
 */
export function expandGuarded(e: Expr): Expr {
  const guards: Expr[] = [];
  for (const x of leaves(e)) {
    const g = x.kind === 'pred' ? guardOf(x.derived) : undefined;
    if (g && !guards.includes(g)) guards.push(g);
  }
  for (const g of guards) {
    const onNull = mapEachLeaf(e, (x) => {
      if (x.kind !== 'pred' || guardOf(x.derived) !== g) return x;
      const t = evaluatePredicate(x, {});
      return t === 'unknown' ? opaque(renderPredicate(x), 'eval: a test of a value that is null where its if() condition fails, whose result on null is not known', x.span) : t ? TRUE : FALSE;
    });
    e = or(and(g, e), and(not(g), onNull));
  }
  return e;
}

export interface ExprContext {
  /** The expanded search text (for opaque leaves' text). */
  readonly text: string;
  span(at: SplRange): Span;
  /** Origin of a field name at this point of the pipeline. */
  origin(name: string): FieldOrigin;
  /** Text of a range as the rule wrote it (macro calls shown as written). */
  source(at: SplRange): string;
}

const SEARCH_OPTS: PredicateOptions = { cs: false, typing: 'loose' };
const EVAL_OPTS: PredicateOptions = { cs: true, typing: 'loose' };
const CIDR = /^\d{1,3}(?:\.\d{1,3}){3}\/\d{1,2}$/;
const NUMBER = /^-?(?:\d+(?:\.\d+)?|\.\d+)$/;

// ---------------- search command ----------------

/** Lower a search-command expression. */
export function lowerSearch(n: SearchNode, ctx: ExprContext): Expr {
  switch (n.type) {
    case 'and':
      return and(...n.args.map((a) => lowerSearch(a, ctx)));
    case 'or':
      return or(...n.args.map((a) => lowerSearch(a, ctx)));
    case 'not':
      return not(lowerSearch(n.arg, ctx));
    case 'group':
      return lowerSearch(n.expr, ctx);
    case 'cmp':
      return searchCompare(n.field, n.op, n.value, n.at, ctx);
    case 'in': {
      const f = resolve(n.field, n.at, ctx);
      if (f.kind === 'opaque') return f;
      const plain = n.values.every((v) => !v.macro && !v.text.includes('*') && !CIDR.test(v.text) && !v.directive);
      if (plain && n.values.length > 1) return pred(f.field, 'in', n.values.map((v) => searchValue(v)), f.opts ?? SEARCH_OPTS, ctx.span(n.at), f.derived);
      return or(...n.values.map((v) => searchEquals(f.field, v, n.at, ctx, f.derived)));
    }
    case 'term': {
      const v = n.value;
      if (v.macro) return opaque(v.text, undefinedMacroReason(v.macro), ctx.span(n.at));
      if (v.text === '*') return TRUE;
      // a term searches the raw event text, which the rows of a stats (or of a command whose rows are not single
      // events) do not have
      const raw = ctx.origin('_raw');
      if (raw.kind !== 'raw') return opaque(ctx.source(n.at), `term: ${v.text} is searched for in rows that are not events (they have no raw text)`, ctx.span(n.at));
      const cs = (n.directive ?? v.directive) === 'CASE';
      if (v.text.includes('*')) return pred('_raw', 'wildcard', [v.text], { cs, wildcard: 'spl' }, ctx.span(n.at));
      const phrase = /\s/.test(v.text);
      return pred('_raw', phrase ? 'contains' : 'has', [v.text], { cs }, ctx.span(n.at));
    }
    case 'subsearch':
      return opaque(ctx.source(n.at), 'subsearch: the values come from another search at run time', ctx.span(n.at));
    case 'macro':
      return opaque(n.text, undefinedMacroReason(n.name), ctx.span(n.at));
    default: {
      const never: never = n;
      return never;
    }
  }
}

type Resolved = { kind: 'field'; field: string; opts?: PredicateOptions; derived?: Derived } | (Expr & { kind: 'opaque' });

function resolve(name: string, at: SplRange, ctx: ExprContext): Resolved {
  const o = ctx.origin(name);
  switch (o.kind) {
    case 'cond':
      return opaque(ctx.source(at), o.reason, ctx.span(at)) as Resolved;
    case 'raw':
      return { kind: 'field', field: o.field };
    case 'fold':
      return { kind: 'field', field: o.field, opts: { cs: false, typing: 'loose' } };
    case 'derived':
      return { kind: 'field', field: o.field, derived: o.derived };
    case 'coalesce':
      return { kind: 'field', field: coalescedField(o.fields) };
    case 'agg':
      return opaque(ctx.source(at), `aggregate: ${name} is ${o.text} over a group of events`, ctx.span(at)) as Resolved;
    case 'computed':
      return opaque(ctx.source(at), o.reason, ctx.span(at)) as Resolved;
    default: {
      const never: never = o;
      return never;
    }
  }
}

function searchValue(v: SearchValue): Value {
  return !v.quoted && NUMBER.test(v.text) ? Number(v.text) : v.text;
}

function searchEquals(field: string, v: SearchValue, at: SplRange, ctx: ExprContext, derived?: Derived): Expr {
  const span = ctx.span(at);
  if (v.macro) return opaque(v.text, undefinedMacroReason(v.macro), span);
  const cs = v.directive === 'CASE';
  if (v.text === '*') return pred(field, 'is_not_null', [], undefined, span, derived);
  if (v.text.includes('*')) return pred(field, 'wildcard', [v.text], { cs, wildcard: 'spl' }, span, derived);
  if (CIDR.test(v.text)) return pred(field, 'cidr', [v.text], undefined, span, derived);
  return pred(field, 'eq', [searchValue(v)], { cs, typing: 'loose' }, span, derived);
}

function searchCompare(name: string, op: string, v: SearchValue, at: SplRange, ctx: ExprContext): Expr {
  const o = ctx.origin(name);
  if (o.kind === 'cond' && (op === '=' || op === '==' || op === '!=') && !v.text.includes('*')) {
    const e = condCompare(o, searchValue(v), false);
    if (e) return op === '!=' ? not(e) : e;
  }
  const f = resolve(name, at, ctx);
  if (f.kind === 'opaque') return f;
  const span = ctx.span(at);
  const d = f.derived;
  switch (op) {
    case '=':
    case '==':
      return searchEquals(f.field, v, at, ctx, d);
    case '!=':
      // != needs the field (Search Manual: "Difference between != and NOT")
      if (v.text === '*' && !v.quoted) return FALSE;
      return and(pred(f.field, 'is_not_null', [], undefined, span, d), not(searchEquals(f.field, v, at, ctx, d)));
    default:
      return pred(f.field, ORDER_OPS[op]!, [searchValue(v)], { typing: 'loose' }, span, d);
  }
}

const ORDER_OPS: Readonly<Record<string, Operator>> = { '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };

// ---------------- evaluation expressions ----------------

/** Lower an evaluation expression in a boolean context (where, searchmatch, eval(...) inside stats). */
export function lowerEval(n: EvalNode, ctx: ExprContext): Expr {
  switch (n.type) {
    case 'and':
      return and(...n.args.map((a) => lowerEval(a, ctx)));
    case 'or':
      return or(...n.args.map((a) => lowerEval(a, ctx)));
    case 'xor':
      return opaque(ctx.source(n.at), 'operator: XOR has no counterpart in the model', ctx.span(n.at));
    case 'not':
      return not(lowerEval(n.arg, ctx));
    case 'group':
      return lowerEval(n.expr, ctx);
    case 'cmp':
      return evalCompare(n.op, n.lhs, n.rhs, n.at, ctx);
    case 'like': {
      const f = operand(n.lhs, ctx);
      if (f.kind !== 'field' || n.rhs.type !== 'lit' || typeof n.rhs.value !== 'string') return unexpressed(n, 'function: like() over a computed value or pattern', ctx);
      return pred(f.field, 'wildcard', [n.rhs.value], { ...(f.opts ?? EVAL_OPTS), wildcard: 'like' }, ctx.span(n.at), f.derived);
    }
    case 'in':
      return evalIn(n.lhs, n.list, n.at, ctx);
    case 'call':
      return evalCall(n, ctx);
    case 'lit':
      if (typeof n.value === 'boolean') return n.value ? TRUE : FALSE;
      return unexpressed(n, 'operator: a literal used as a condition', ctx);
    case 'field': {
      const o = ctx.origin(n.name);
      if (o.kind === 'computed') return opaque(ctx.source(n.at), o.reason, ctx.span(n.at));
      return unexpressed(n, `operator: the truth value of field ${n.name}`, ctx);
    }
    case 'macro':
      return opaque(n.text, undefinedMacroReason(n.name), ctx.span(n.at));
    default: {
      const never: never = n;
      return never;
    }
  }
}

function unexpressed(n: EvalNode, reason: string, ctx: ExprContext): Expr {
  return opaque(ctx.source(n.at), reason, ctx.span(n.at));
}

type Operand =
  | { kind: 'field'; field: string; opts?: PredicateOptions; fold?: boolean; derived?: Derived }
  | { kind: 'value'; value: Value }
  | { kind: 'opaque'; reason: string };

/** A comparison side: a field (through lower()/upper()), a literal, or something the model cannot compare. */
function operand(n: EvalNode, ctx: ExprContext): Operand {
  switch (n.type) {
    case 'group':
      return operand(n.expr, ctx);
    case 'lit':
      return { kind: 'value', value: n.value };
    case 'field': {
      const o = ctx.origin(n.name);
      if (o.kind === 'raw') return { kind: 'field', field: o.field };
      if (o.kind === 'fold') return { kind: 'field', field: o.field, opts: { cs: false, typing: 'loose' }, fold: true };
      if (o.kind === 'derived') return { kind: 'field', field: o.field, derived: o.derived };
      if (o.kind === 'coalesce') return { kind: 'field', field: coalescedField(o.fields) };
      if (o.kind === 'agg') return { kind: 'opaque', reason: `aggregate: ${n.name} is ${o.text} over a group of events` };
      return { kind: 'opaque', reason: o.reason };
    }
    case 'call': {
      // string functions of a field: the field through their steps (a case fold of the field itself stays a fold)
      const chain = evalChain(n, ctx.origin);
      if (chain && !(CASE_FOLD_FUNCTIONS.has(n.name) && chain.steps.length === 1)) return { kind: 'field', field: chain.field, derived: guardedDerived({ steps: chain.steps, lang: 'spl' }, chain.guard) };
      if (CASE_FOLD_FUNCTIONS.has(n.name) && n.args.length === 1) {
        const inner = operand(n.args[0]!, ctx);
        if (inner.kind === 'field' && inner.derived) return { kind: 'opaque', reason: `function: ${n.name}() of a value the model derives otherwise` };
        if (inner.kind === 'field') return { ...inner, opts: { cs: false, typing: 'loose' }, fold: true };
        if (inner.kind === 'value' && typeof inner.value === 'string') return { kind: 'value', value: n.name === 'lower' ? inner.value.toLowerCase() : inner.value.toUpperCase() };
        return inner;
      }
      const negated = negatedNumber(n);
      if (negated !== undefined) return { kind: 'value', value: negated };
      return { kind: 'opaque', reason: `function: ${n.name}() computes a value the model cannot compare` };
    }
    case 'macro':
      return { kind: 'opaque', reason: undefinedMacroReason(n.name) };
    default:
      return { kind: 'opaque', reason: `operator: ${n.type} as a value` };
  }
}

/**
 * A field through eval string functions (`STEP_FUNCTIONS`): the event field and the transform steps, when every
 * function's other arguments are constants it can take and the innermost argument is an event field (or a value the
 * model already derives from one: `rex`'s extraction, an earlier `eval` of these). Undefined otherwise.
 */
export function evalChain(n: EvalNode, origin: (name: string) => FieldOrigin): EvalChain | undefined {
  if (n.type === 'group') return evalChain(n.expr, origin);
  if (n.type === 'field') {
    const o = origin(n.name);
    if (o.kind === 'raw') return { field: o.field, steps: [] };
    if (o.kind === 'derived' && (o.derived.lang === undefined || o.derived.lang === 'spl') && !o.derived.onError) return { field: o.field, steps: [...o.derived.steps], ...guardProp(guardOf(o.derived)) };
    return undefined;
  }
  if (n.type !== 'call' || !STEP_FUNCTIONS.has(n.name) || !n.args.length) return undefined;
  const step = evalStep(n);
  const inner = step && evalChain(n.args[0]!, origin);
  if (!inner || !step) return undefined;
  // mvindex / mvcount of the values of a split only (OVER_SPLIT)
  if (OVER_SPLIT.has(n.name) && inner.steps.at(-1)?.fn !== 'split') return undefined;
  return { ...inner, steps: [...inner.steps, step] };
}

/** An event field through transform steps, null where `guard` fails (see `GUARDS`). */
export interface EvalChain {
  readonly field: string;
  readonly steps: TransformStep[];
  readonly guard?: Expr;
}

const guardProp = (g: Expr | undefined): { guard?: Expr } => (g ? { guard: g } : {});

/** A negative number literal (`-1`: the grammar's `neg` of a number), or undefined. */
function negatedNumber(n: EvalNode): number | undefined {
  if (n.type !== 'call' || n.name !== 'neg' || n.args.length !== 1) return undefined;
  const a = n.args[0]!;
  return a.type === 'lit' && typeof a.value === 'number' ? -a.value : undefined;
}

/** The transform step of one eval string function call (see `STEP_FUNCTIONS`). */
function evalStep(n: Extract<EvalNode, { type: 'call' }>): TransformStep | undefined {
  const lit = (i: number) => {
    const a = n.args[i];
    return a?.type === 'lit' ? a.value : a ? negatedNumber(a) : undefined;
  };
  const whole = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);
  switch (n.name) {
    case 'split': {
      const delim = lit(1);
      return n.args.length === 2 && typeof delim === 'string' && delim !== '' ? { fn: 'split', args: [delim] } : undefined;
    }
    case 'mvindex': {
      const at = lit(1);
      return n.args.length === 2 && whole(at) ? { fn: 'get', args: [at] } : undefined;
    }
    case 'mvcount':
      return n.args.length === 1 ? { fn: 'array_len' } : undefined;
    case 'len':
    case 'urldecode':
    case 'lower':
    case 'upper':
      return n.args.length === 1 ? { fn: n.name } : undefined;
    case 'replace': {
      const [re, rewrite] = [lit(1), lit(2)];
      return n.args.length === 3 && typeof re === 'string' && typeof rewrite === 'string' ? { fn: 'replace', args: [re, rewrite, 'regex'] } : undefined;
    }
    case 'substr': {
      // a start from the end (negative) or before the first character is not read here
      const [start, count] = [lit(1), lit(2)];
      if (!whole(start) || start < 1 || n.args.length > 3) return undefined;
      if (n.args.length === 2) return { fn: 'substring', args: [start - 1] };
      return whole(count) && count >= 0 ? { fn: 'substring', args: [start - 1, count] } : undefined;
    }
    case 'trim': {
      const chars = n.args.length === 1 ? ' \t' : lit(1);
      return n.args.length <= 2 && typeof chars === 'string' && chars !== '' ? { fn: 'trim', args: [chars] } : undefined;
    }
    default:
      return undefined;
  }
}

const FLIP: Readonly<Record<string, string>> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=', '==': '==', '!=': '!=' };

/** `x = v` where x = if(cond, a, b): cond when v is a, not cond when v is b (values compared loosely). */
function condCompare(o: FieldOrigin & { kind: 'cond' }, v: Value, cs: boolean): Expr | undefined {
  const same = (a: Value, b: Value) => (typeof a === 'object' || typeof b === 'object' ? false : cs ? String(a) === String(b) : String(a).toLowerCase() === String(b).toLowerCase());
  if (same(o.then, o.else)) return undefined;
  if (same(v, o.then)) return o.cond;
  if (same(v, o.else)) return not(o.cond);
  return FALSE;
}

function evalCompare(op: string, lhs: EvalNode, rhs: EvalNode, at: SplRange, ctx: ExprContext): Expr {
  const side = lhs.type === 'field' ? lhs : rhs.type === 'field' ? rhs : undefined;
  const other = side === lhs ? rhs : lhs;
  const co = side ? ctx.origin(side.name) : undefined;
  if (co?.kind === 'cond' && other.type === 'lit' && (op === '=' || op === '==' || op === '!=')) {
    const e = condCompare(co, other.value, true);
    if (e) return op === '!=' ? not(e) : e;
  }
  let l = operand(lhs, ctx);
  let r = operand(rhs, ctx);
  if (l.kind === 'value' && r.kind === 'field') {
    [l, r] = [r, l];
    op = FLIP[op]!;
  }
  const span = ctx.span(at);
  if (l.kind === 'opaque') return opaque(ctx.source(at), l.reason, span);
  if (r.kind === 'opaque') return opaque(ctx.source(at), r.reason, span);
  if (l.kind === 'value') return opaque(ctx.source(at), 'operator: a comparison of two constants', span);
  const opts = l.opts ?? EVAL_OPTS;
  const d = l.derived;
  let value: Value;
  if (r.kind === 'field') {
    // a value computed from a field compares with another (computed) field, the other's derivation carried by the
    // reference; not one null outside a condition (`if(c, v, null())`): that condition is stated per predicate
    if (guardOf(r.derived) || guardOf(d)) return opaque(ctx.source(at), `${(r.derived ?? d)!.steps.some((x) => x.fn === 'extract') ? 'rex' : 'eval'}: a comparison between a conditional computed value and another field`, span);
    value = r.derived ? { kind: 'field', field: r.field, derived: r.derived } : { kind: 'field', field: r.field };
  } else {
    value = r.value;
    if (l.fold && typeof value === 'string' && value !== value.toLowerCase() && value !== value.toUpperCase()) {
      return opaque(ctx.source(at), 'function: a lower()/upper() value compared with mixed-case text never matches', span);
    }
    if (value === null) return op === '!=' ? pred(l.field, 'is_not_null', [], undefined, span, d) : pred(l.field, 'is_null', [], undefined, span, d);
  }
  // a null (missing) field on either side makes the comparison null, which where treats as false (two nulls too)
  const present: Expr[] = [pred(l.field, 'is_not_null', [], undefined, span, d)];
  if (r.kind === 'field') present.push(pred(r.field, 'is_not_null', [], undefined, span, r.derived));
  switch (op) {
    case '=':
    case '==':
      return r.kind === 'field' ? and(...present, pred(l.field, 'eq', [value], opts, span, d)) : pred(l.field, 'eq', [value], opts, span, d);
    case '!=':
      return and(...present, pred(l.field, 'ne', [value], opts, span, d));
    default:
      return pred(l.field, ORDER_OPS[op]!, [value], { typing: 'loose' }, span, d);
  }
}

function evalIn(lhs: EvalNode, list: readonly EvalNode[], at: SplRange, ctx: ExprContext): Expr {
  const f = operand(lhs, ctx);
  const span = ctx.span(at);
  if (f.kind === 'opaque') return opaque(ctx.source(at), f.reason, span);
  if (f.kind !== 'field') return opaque(ctx.source(at), 'operator: IN over a constant', span);
  const values: Value[] = [];
  for (const v of list) {
    const o = operand(v, ctx);
    if (o.kind !== 'value') return opaque(ctx.source(at), 'operator: IN over computed values', span);
    values.push(o.value);
  }
  return pred(f.field, 'in', values, f.opts ?? EVAL_OPTS, span, f.derived);
}

function evalCall(n: EvalNode & { type: 'call' }, ctx: ExprContext): Expr {
  const span = ctx.span(n.at);
  const [a, b] = n.args;
  const str = (x: EvalNode | undefined): string | undefined => (x?.type === 'lit' && typeof x.value === 'string' ? x.value : undefined);
  switch (n.name) {
    case 'isnull':
    case 'isnotnull': {
      const f = a ? operand(a, ctx) : undefined;
      if (f?.kind !== 'field') return opaque(ctx.source(n.at), f?.kind === 'opaque' ? f.reason : `function: ${n.name}() of a computed value`, span);
      return pred(f.field, n.name === 'isnull' ? 'is_null' : 'is_not_null', [], undefined, span, f.derived);
    }
    case 'like':
    case 'match': {
      const f = a ? operand(a, ctx) : undefined;
      const pat = str(b);
      if (f?.kind !== 'field' || pat === undefined) return opaque(ctx.source(n.at), f?.kind === 'opaque' ? f.reason : `function: ${n.name}() over a computed value or pattern`, span);
      if (n.name === 'like') return pred(f.field, 'wildcard', [pat], { ...(f.opts ?? EVAL_OPTS), wildcard: 'like' }, span, f.derived);
      return pred(f.field, 'regex', [pat], f.opts?.cs === false ? { cs: false } : { cs: true }, span, f.derived);
    }
    case 'cidrmatch': {
      const cidr = str(a);
      const f = b ? operand(b, ctx) : undefined;
      if (f?.kind !== 'field' || cidr === undefined) return opaque(ctx.source(n.at), f?.kind === 'opaque' ? f.reason : 'function: cidrmatch() over a computed value', span);
      return pred(f.field, 'cidr', [cidr], undefined, span, f.derived);
    }
    case 'in':
      return a ? evalIn(a, n.args.slice(1), n.at, ctx) : opaque(ctx.source(n.at), 'function: in() without arguments', span);
    case 'searchmatch': {
      const q = str(a);
      const parsed = q !== undefined ? parseSearchExpr(q) : undefined;
      if (!parsed?.ok) return opaque(ctx.source(n.at), 'function: searchmatch() of a search that does not parse', span);
      // the inner search's offsets are inside the string: every leaf points at the call
      return lowerSearch(parsed.value, { ...ctx, span: () => span, source: () => ctx.source(n.at) });
    }
    case 'true':
      return TRUE;
    case 'false':
      return FALSE;
    default:
      return opaque(ctx.source(n.at), `function: ${n.name}() has no counterpart in the model`, span);
  }
}
