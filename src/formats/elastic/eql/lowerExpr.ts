/**
 * EQL conditions into model expressions, with Elasticsearch EQL's meaning (ECS keyword fields):
 * - `==` / `!=` compare case-sensitively and never expand wildcards; `!=` holds when the field is missing (must_not);
 *   `== null` / `!= null` test presence.
 * - `:` is case-insensitive equality, `*` and `?` are wildcards (a backslash is an ordinary character), lists allowed.
 * - `like` / `like~` wildcard match (case-sensitive / -insensitive); `regex` / `regex~` match the whole value
 *   (Lucene regular expressions are anchored); `in` / `in~` list membership; `not in`.
 * - `startsWith`, `endsWith`, `stringContains`, `cidrMatch` (and their `~` case-insensitive forms) are predicates.
 * - Functions that compute values (`length`, `substring`, `number`…) and arithmetic have no model operator: opaque.
 * - Multi-valued (array) fields match when any element does, as Elasticsearch term queries do.
 * - `?field` (optional field) reads as the field: a missing optional field is null, as a missing field is here.
 */
import { and, FALSE, not, opaque, or, pred, TRUE, type Derived, type Each, type Expr, type FieldRef, isFieldRef, type Operator, type TransformStep, type PredicateOptions, type Value } from '../../../model/expr.ts';
import type { Diagnostic } from '../../../model/diagnostics.ts';
import type { Span } from '../../../model/span.ts';
import { EqlDiagnostics } from './diagnostics.ts';
import { EQL_FUNCTIONS, type EqlPredicateFunction } from './eqlFacts.ts';
import { LUCENE_REGEX, rlikeToRegex } from '../esql/patterns.ts';
import type { EqlExpr, EqlRange, EqlValue } from './syntax.ts';

/** What lowering needs from the query: its text (for opaque slices), the host file, diagnostics. */
export interface EqlEnv {
  readonly text: string;
  readonly file: string;
  readonly diagnostics: Diagnostic[];
  /** Host-file line and column of a query offset. */
  readonly at: (offset: number) => { line: number; column: number };
  /** Variables bound by the enclosing `arraySearch` calls, innermost last (their fields are element-relative). */
  readonly vars?: readonly string[];
}

export function spanOf(env: EqlEnv, at: EqlRange): Span {
  return { file: env.file, start: at.start, end: at.end };
}

function slice(env: EqlEnv, at: EqlRange): string {
  return env.text.slice(at.start, at.end);
}

function opq(env: EqlEnv, at: EqlRange, reason: string): Expr {
  return opaque(slice(env, at), reason, spanOf(env, at));
}

/** Lower one EQL condition. */
export function lowerCondition(env: EqlEnv, e: EqlExpr): Expr {
  switch (e.type) {
    case 'and':
      return and(...e.args.map((a) => lowerCondition(env, a)));
    case 'or':
      return or(...e.args.map((a) => lowerCondition(env, a)));
    case 'not':
      return not(lowerCondition(env, e.arg));
    case 'group':
      return lowerCondition(env, e.expr);
    case 'compare':
      return lowerCompare(env, e);
    case 'lookup':
      return lowerLookup(env, e);
    case 'pattern':
      return lowerPattern(env, e);
    case 'bare':
      return lowerBare(env, e.value, e.at);
    case 'lineage':
      return opq(env, e.at, `lineage: the event must be ${e.relation === 'event' ? 'an event' : `a ${e.relation}`} of a process matching another query (Endpoint EQL process lineage); one event cannot show it`);
    default:
      return assertNeverExpr(e);
  }
}

function assertNeverExpr(e: never): Expr {
  throw new Error(`unexpected EQL node ${JSON.stringify(e)}`);
}

/** Parentheses around a single value are transparent. */
function unwrap(v: EqlValue): EqlValue {
  if (v.type !== 'paren') return v;
  const inner = valueOfExpr(v.expr);
  return inner ? unwrap(inner) : v;
}

/** The value a condition node stands for, when it is a bare value (possibly in groups). */
function valueOfExpr(e: EqlExpr): EqlValue | undefined {
  if (e.type === 'bare') return e.value;
  if (e.type === 'group') return valueOfExpr(e.expr);
  return undefined;
}

type Literal = { ok: true; value: Value } | { ok: false };

function literal(v: EqlValue): Literal {
  const u = unwrap(v);
  switch (u.type) {
    case 'string':
    case 'number':
    case 'bool':
      return { ok: true, value: u.value };
    case 'null':
      return { ok: true, value: null };
    case 'neg': {
      const inner = unwrap(u.arg);
      return inner.type === 'number' ? { ok: true, value: -inner.value } : { ok: false };
    }
    default:
      return { ok: false };
  }
}

/**
 * A plain field reference (no array index), or undefined. A field of a variable an enclosing `arraySearch` binds is
 * relative to that array's element (`$entry.trusted` → `.trusted`, the enclosing one's `..trusted`; `$entry` → `.`).
 */
function fieldOf(v: EqlValue, env: EqlEnv): string | undefined {
  const u = unwrap(v);
  if (u.type === 'variable') {
    const [head = '', ...rest] = u.path.split('.');
    const bound = env.vars?.lastIndexOf(head) ?? -1;
    if (bound < 0 || rest.some((s) => s.includes('['))) return undefined;
    return '.'.repeat(env.vars!.length - bound) + rest.join('.');
  }
  if (u.type !== 'field' || u.segments.some((s) => s.startsWith('['))) return undefined;
  return u.path;
}

/** Why a value that is not a field cannot be the subject of a predicate. */
function notAFieldReason(env: EqlEnv, v: EqlValue): string {
  const u = unwrap(v);
  if (u.type === 'call') {
    const fact = EQL_FUNCTIONS[u.name.toLowerCase()];
    if (!fact) {
      env.diagnostics.push(EqlDiagnostics.unknownFunction(env.file, u.name, env.at(u.at.start)));
      return `function: ${u.name}() is not an EQL function`;
    }
    return `function: ${u.name}() computes ${fact.kind === 'value' ? fact.meaning : 'a value'}; the model compares fields, not computed values`;
  }
  if (u.type === 'arith' || u.type === 'neg') return 'expression: arithmetic on field values has no model operator';
  if (u.type === 'field') return 'expression: array element access (field[n]) has no model operator';
  if (u.type === 'variable') return `expression: the variable $${u.path} is bound by an array function`;
  if (u.type === 'paren' || u.type === 'cond') return 'expression: a condition used as a value';
  if (u.type === 'list') return 'expression: a list where one value is expected';
  return 'expression: a comparison between two constants';
}

const FLIP: Readonly<Record<string, string>> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=', ':': ':' };
const ORDER_OPS: Readonly<Record<string, Operator>> = { '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };

function hasWildcard(v: Value): boolean {
  return typeof v === 'string' && (v.includes('*') || v.includes('?'));
}

/** `length(field)`: the field's length as the model's derived operand (a string's characters, an array's elements). */
const LENGTH: Derived = { steps: [{ fn: 'len' }], onError: 'null' };

/**
 * The subject of a comparison: a field, or a function of one the model derives (`length(file.name)`: a null or
 * missing field has no length, so a comparison on it is false, as EQL's comparison with null is).
 */
function subjectOf(v: EqlValue, env: EqlEnv): { field: string; derived?: Derived } | undefined {
  const field = fieldOf(v, env);
  if (field) return { field };
  const u = unwrap(v);
  if (u.type !== 'call' || u.name.toLowerCase() !== 'length' || u.args.length !== 1) return undefined;
  const a = u.args[0]!;
  const arg = a.type === 'bare' ? fieldOf(a.value, env) : undefined;
  return arg ? { field: arg, derived: LENGTH } : undefined;
}

function lowerCompare(env: EqlEnv, e: Extract<EqlExpr, { type: 'compare' }>): Expr {
  let { left, right } = e;
  let op: string = e.op;
  if (!subjectOf(left, env) && subjectOf(right, env) && literal(left).ok) {
    [left, right] = [right, left];
    op = FLIP[op]!;
  }
  const subject = subjectOf(left, env);
  if (!subject) return opq(env, e.at, notAFieldReason(env, left));
  const { field, derived } = subject;
  const span = spanOf(env, e.at);
  const lit = literal(right);
  let value: Value;
  if (lit.ok) value = lit.value;
  else {
    const other = fieldOf(right, env);
    if (!other) return opq(env, e.at, notAFieldReason(env, right));
    value = { kind: 'field', field: other };
  }
  if (value === null) {
    if (derived) return opq(env, e.at, 'expression: a computed value compared with null');
    if (op === '==' || op === ':') return pred(field, 'is_null', [], undefined, span);
    if (op === '!=') return pred(field, 'is_not_null', [], undefined, span);
    return opq(env, e.at, 'expression: ordering against null');
  }
  if (derived && typeof value !== 'number') return opq(env, e.at, notAFieldReason(env, left));
  switch (op) {
    case '==':
      return pred(field, 'eq', [value], { cs: true }, span, derived);
    case '!=':
      return pred(field, 'ne', [value], { cs: true }, span, derived);
    case ':':
      if (hasWildcard(value)) return pred(field, 'wildcard', [value], { cs: false, wildcard: 'plain' }, span);
      return pred(field, 'eq', [value], { cs: false }, span, derived);
    default:
      return pred(field, ORDER_OPS[op]!, [value], undefined, span, derived);
  }
}

/** The values of a list, or the reason one is not a constant or field. */
function listValues(env: EqlEnv, values: readonly EqlValue[]): { ok: true; values: Value[] } | { ok: false; reason: string } {
  const out: Value[] = [];
  for (const v of values) {
    const lit = literal(v);
    if (lit.ok) {
      out.push(lit.value);
      continue;
    }
    const f = fieldOf(v, env);
    if (f) {
      out.push({ kind: 'field', field: f });
      continue;
    }
    const c = concatValue(env, v) ?? computedValue(env, v);
    if (c?.ok) {
      out.push(c.value);
      continue;
    }
    return { ok: false, reason: c?.reason ?? notAFieldReason(env, v) };
  }
  return { ok: true, values: out };
}

/**
 * `concat(a, b, …)` of constants and event fields (nested concats flattened), as a value a string function compares
 * with (`endswith~(process.thread.Ext.call_stack_summary, concat("ntdll.dll|", process.name))`): a reference to its
 * first field, with the `strcat` of the values before and after it under EQL's semantics (a null or missing value
 * makes the whole null; numbers and booleans as written). Constants alone are folded. Undefined when `v` is not a
 * concat.
 */
function concatValue(env: EqlEnv, v: EqlValue): { ok: true; value: Value } | { ok: false; reason: string } | undefined {
  const u = unwrap(v);
  if (u.type !== 'call' || u.name.toLowerCase() !== 'concat') return undefined;
  const parts: Value[] = [];
  const flatten = (c: Extract<EqlValue, { type: 'call' }>): string | undefined => {
    for (const a of c.args) {
      if (a.type !== 'bare') return 'a condition';
      const x = unwrap(a.value);
      if (x.type === 'call' && x.name.toLowerCase() === 'concat') {
        const why = flatten(x);
        if (why) return why;
        continue;
      }
      const lit = literal(x);
      const f = lit.ok ? undefined : fieldOf(x, env);
      const sub = lit.ok || f ? undefined : computedValue(env, x);
      // a field of an arraySearch element is not one the event has at its root
      if (lit.ok) parts.push(lit.value);
      else if (f && !f.startsWith('.')) parts.push({ kind: 'field', field: f });
      else if (sub) {
        if (!sub.ok) return sub.reason;
        parts.push(sub.value);
      } else return notAFieldReason(env, x);
    }
    return undefined;
  };
  const why = flatten(u);
  if (why) return { ok: false, reason: `function: concat() of something other than constants and fields (${why})` };
  if (!parts.length) return { ok: false, reason: 'function: concat() needs a value' };
  const at = parts.findIndex((p) => p !== null && typeof p === 'object');
  if (at < 0) return { ok: true, value: parts.includes(null) ? null : parts.map((p) => String(p)).join('') };
  const first = parts[at] as FieldRef;
  // the parts around the first field are joined as they are: a value computed from a later field is not
  if (parts.some((p, i) => i !== at && isFieldRef(p as Value) && (p as FieldRef).derived)) return { ok: false, reason: 'function: concat() with a substring() or string() after its first field' };
  const strcat = { fn: 'strcat', args: [parts.slice(0, at), parts.slice(at + 1)] } as const;
  return { ok: true, value: { kind: 'field', field: first.field, derived: { steps: [...(first.derived?.steps ?? []), strcat], lang: 'eql', onError: 'null' } } };
}

/**
 * A value computed from one event field, as a value a string function compares with or tests
 * (`startswith~(host.name, substring(user.name, 0, -1))`, `endswith(string(source.ip), string(host.ip))`):
 * `substring(field, start[, end])` is the field's `slice` under EQL's reading (negative positions from the end,
 * bounds clamped, a start past the end gives ""; UTF-16 code units, as Java counts), `string(field)` its `tostring`
 * under EQL's (null stays null). Undefined when `v` is neither call.
 */
function computedValue(env: EqlEnv, v: EqlValue): { ok: true; value: FieldRef } | { ok: false; reason: string } | undefined {
  const u = unwrap(v);
  const name = u.type === 'call' ? u.name.toLowerCase() : '';
  if (u.type !== 'call' || (name !== 'substring' && name !== 'string')) return undefined;
  const [src, a, b, ...more] = u.args;
  const bad = { ok: false, reason: `function: ${u.name}() of something other than a field${name === 'substring' ? ' and constant positions' : ''}` } as const;
  const f = src?.type === 'bare' ? fieldOf(src.value, env) : undefined;
  if (!f || f.startsWith('.')) return bad;
  const at = (step: TransformStep) => ({ ok: true, value: { kind: 'field', field: f, derived: { steps: [step], lang: 'eql', onError: 'null' } } }) as const;
  if (name === 'string') return a ? bad : at({ fn: 'tostring' });
  const int = (x: EqlExpr | undefined): number | null | undefined => {
    if (x === undefined) return null;
    const l = x.type === 'bare' ? literal(x.value) : undefined;
    return l?.ok && typeof l.value === 'number' && Number.isInteger(l.value) ? l.value : undefined;
  };
  const start = int(a);
  const end = int(b);
  if (!a || more.length || start === undefined || start === null || end === undefined) return bad;
  return at({ fn: 'slice', args: [start, end] });
}

/** `field op values` for list operators: nulls become is_null, one value stays a single predicate. */
function listPredicate(field: string, op: Operator, values: Value[], opts: PredicateOptions, span: Span): Expr {
  const nulls = values.some((v) => v === null);
  const rest = values.filter((v) => v !== null);
  const parts: Expr[] = [];
  if (nulls) parts.push(pred(field, 'is_null', [], undefined, span));
  if (rest.length) parts.push(pred(field, rest.length > 1 && op === 'eq' ? 'in' : op, rest, opts, span));
  return parts.length ? or(...parts) : FALSE;
}

function lowerLookup(env: EqlEnv, e: Extract<EqlExpr, { type: 'lookup' }>): Expr {
  const field = fieldOf(e.left, env);
  if (!field) return opq(env, e.at, notAFieldReason(env, e.left));
  const list = listValues(env, e.values);
  if (!list.ok) return opq(env, e.at, list.reason);
  const span = spanOf(env, e.at);
  let r: Expr;
  if (e.op === ':') {
    r = list.values.some(hasWildcard)
      ? listPredicate(field, 'wildcard', list.values, { cs: false, wildcard: 'plain' }, span)
      : listPredicate(field, 'eq', list.values, { cs: false }, span);
  } else r = listPredicate(field, 'eq', list.values, { cs: e.op === 'in' }, span);
  return e.negated ? not(r) : r;
}

function lowerPattern(env: EqlEnv, e: Extract<EqlExpr, { type: 'pattern' }>): Expr {
  const field = fieldOf(e.left, env);
  if (!field) return opq(env, e.at, notAFieldReason(env, e.left));
  const list = listValues(env, e.values);
  if (!list.ok) return opq(env, e.at, list.reason);
  const span = spanOf(env, e.at);
  const cs = !e.op.endsWith('~');
  if (e.op.startsWith('like')) return listPredicate(field, 'wildcard', list.values, { cs, wildcard: 'plain' }, span);
  return regexPredicate(env, field, list.values, cs, e.at);
}

/** EQL's `regex` is a Lucene regular expression (see `rlikeToRegex`); a pattern using Lucene-only operators stays opaque. */
function regexPredicate(env: EqlEnv, field: string, values: Value[], cs: boolean, at: EqlRange): Expr {
  const patterns: string[] = [];
  for (const v of values) {
    if (typeof v !== 'string') return opq(env, at, 'regex: the pattern is not a string');
    const re = rlikeToRegex(v);
    if (!re.ok) return opq(env, at, `regex: the pattern uses ${re.what} (Lucene regular-expression syntax without an RE2 equivalent)`);
    patterns.push(re.regex);
  }
  return pred(field, 'regex', patterns, { cs, ...LUCENE_REGEX }, spanOf(env, at));
}

function lowerBare(env: EqlEnv, v: EqlValue, at: EqlRange): Expr {
  const u = unwrap(v);
  switch (u.type) {
    case 'bool':
      return u.value ? TRUE : FALSE;
    case 'field': {
      const f = fieldOf(u, env);
      return f ? pred(f, 'eq', [true], undefined, spanOf(env, at)) : opq(env, at, notAFieldReason(env, u));
    }
    case 'call':
      return lowerCall(env, u);
    case 'paren':
    case 'cond':
      return lowerCondition(env, u.expr);
    default:
      return opq(env, at, 'expression: a value used as a condition');
  }
}

/**
 * Endgame / Endpoint EQL `arraySearch(array, $v, condition)` (`_arraySearch` in Endpoint's rules): some element of
 * the array satisfies the condition, in which `$v` is that element: the model's `each` over the array with
 * element-relative fields. Nested searches bind their own variables; a field not of a variable is the event's. A
 * missing array has no element (false).
 */
function lowerArraySearch(env: EqlEnv, c: Extract<EqlValue, { type: 'call' }>): Expr {
  const [arr, variable, cond] = c.args;
  const array = arr?.type === 'bare' ? fieldOf(arr.value, env) : undefined;
  const v = variable?.type === 'bare' ? unwrap(variable.value) : undefined;
  if (c.args.length !== 3 || !array || v?.type !== 'variable' || v.path.includes('.')) {
    return opq(env, c.at, `function: ${c.name}() needs an array field, a $variable and a condition over it`);
  }
  const expr = lowerCondition({ ...env, vars: [...(env.vars ?? []), v.path] }, cond!);
  const each: Each = { kind: 'each', quant: 'any', array, expr, span: spanOf(env, c.at) };
  return each;
}

function lowerCall(env: EqlEnv, c: Extract<EqlValue, { type: 'call' }>): Expr {
  const fact = EQL_FUNCTIONS[c.name.toLowerCase()];
  if (!fact) {
    env.diagnostics.push(EqlDiagnostics.unknownFunction(env.file, c.name, env.at(c.at.start)));
    return opq(env, c.at, `function: ${c.name}() is not an EQL function`);
  }
  const name = c.name.toLowerCase();
  if (name === 'arraysearch' || name === '_arraysearch') return lowerArraySearch(env, c);
  if (fact.kind === 'value') return opq(env, c.at, `function: ${c.name}() computes ${fact.meaning}, used here as a condition`);
  const [subject, ...rest] = c.args;
  const field = subject && subject.type === 'bare' ? fieldOf(subject.value, env) : undefined;
  // a computed subject (`startswith~(substring(user.name, 0, -1), host.name)`): a derived operand, for the
  // comparisons that take one
  const computed = !field && subject?.type === 'bare' && fact.op !== 'regex' && fact.op !== 'in' ? (concatValue(env, subject.value) ?? computedValue(env, subject.value)) : undefined;
  if (computed && !computed.ok) return opq(env, c.at, computed.reason);
  if (computed?.ok && isFieldRef(computed.value)) return lowerCallOn(env, c, fact, computed.value.field, rest, computed.value.derived);
  if (!field) return opq(env, c.at, `function: ${c.name}() on something other than a field`);
  return lowerCallOn(env, c, fact, field, rest);
}

/** A string or address function of a field (or a value computed from one, `derived`) with its other arguments. */
function lowerCallOn(env: EqlEnv, c: Extract<EqlValue, { type: 'call' }>, fact: EqlPredicateFunction, field: string, rest: readonly EqlExpr[], derived?: Derived): Expr {
  if (rest.length < fact.minArgs) return opq(env, c.at, `function: ${c.name}() needs ${fact.minArgs + 1} arguments`);
  const values: EqlValue[] = [];
  for (const a of rest) {
    if (a.type !== 'bare') return opq(env, c.at, `function: ${c.name}() with a condition as argument`);
    values.push(a.value);
  }
  const list = listValues(env, values);
  if (!list.ok) return opq(env, c.at, list.reason);
  const cs = fact.insensitiveForm ? fact.cs && !c.ci : fact.cs;
  const span = spanOf(env, c.at);
  if (fact.op === 'regex') return regexPredicate(env, field, list.values, cs, c.at);
  const opts: PredicateOptions = fact.op === 'cidr' ? {} : fact.op === 'wildcard' ? { cs, wildcard: 'plain' } : { cs };
  if (fact.op === 'in') return listPredicate(field, 'eq', list.values, opts, span);
  return pred(field, fact.op, list.values, opts, span, derived);
}
