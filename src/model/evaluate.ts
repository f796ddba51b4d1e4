/**
 * Three-valued evaluation of expressions against JSON events (DESIGN.md §3).
 * `true` / `false` / `'unknown'`: opaque nodes, patterns that cannot run with bounded cost and Python type
 * errors are unknown, never false. Kleene logic: false AND unknown = false, true OR unknown = true.
 */
import { assertNever, relativeDepth, type DistinctBy, type Each, type ElementCount, type Expr, type Predicate, type PredicateOptions, type Value, type ValueTransform } from './expr.ts';
import { OPERATOR_FACTS } from './operators.ts';
import { escapeRegex, predicateRegex, regexTest } from './regex.ts';
import { deriveValue, FAILED_NULL, Spread, UNKNOWN_OPERAND, type DerivedOperand } from './derive.ts';

export type Truth = true | false | 'unknown';

/** Finds a field's value in an event; `undefined` when absent. Adapters supply their own (Sigma's Windows nesting). */
export type FieldResolver = (event: unknown, field: string) => unknown;

export interface EvalOptions {
  readonly resolve?: FieldResolver;
  /** Elements already in scope, innermost last (a part of a condition inside a quantifier, as `.x` sees them). */
  readonly scope?: readonly unknown[];
}

/**
 * A dotted-path resolver: exact key first, then the dotted path, trying the longest dotted key at each level
 * (fields whose names contain dots); a path crossing a list collects from every element. With `caseInsensitive`
 * a key with no exact match is found by a case-insensitive match (Panther's event object).
 */
export function dottedResolver(opts: { readonly caseInsensitive?: boolean } = {}): FieldResolver {
  const ci = opts.caseInsensitive === true;
  /** The value of `key` in `o`, or NOT_FOUND. */
  const lookup = (o: Record<string, unknown>, key: string): unknown => {
    if (hasOwn.call(o, key)) return o[key];
    if (ci) {
      const lower = key.toLowerCase();
      for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
    }
    return NOT_FOUND;
  };
  const walk = (v: unknown, path: DottedPath, i: number): unknown => {
    const n = path.parts.length;
    if (i === n) return v;
    if (v === null || v === undefined) return undefined;
    if (Array.isArray(v)) {
      // numeric index, else collect from each element
      if (path.index[i]) return walk(v[Number(path.parts[i])], path, i + 1);
      const out: unknown[] = [];
      for (const el of v) {
        const r = walk(el, path, i);
        if (r === undefined) continue;
        if (Array.isArray(r)) out.push(...r);
        else out.push(r);
      }
      return out.length ? out : undefined;
    }
    if (typeof v !== 'object') return undefined;
    const o = v as Record<string, unknown>;
    // the longest dotted key first: parts i..j-1 joined, j from n down to i + 1
    const keys = path.keys[i] ?? keysAt(path, i);
    for (let k = 0; k < keys.length; k++) {
      const r = lookup(o, keys[k]!);
      if (r !== NOT_FOUND) {
        const j = n - k;
        const w = walk(r, path, j);
        if (w !== undefined || j === i + 1) return w;
      }
    }
    return undefined;
  };
  return (event, field) => walk(event, dottedPath(field), 0);
}

const hasOwn = Object.prototype.hasOwnProperty;
/** What `lookup` returns for a key the object does not have (a value can be `undefined`). */
const NOT_FOUND: unique symbol = Symbol('not found');

/**
 * A field's path as the dotted resolver reads it: its parts, whether each is a list index (digits only), and for
 * each part i the keys it tries there, longest first (`parts[i..j-1]` joined by dots, j from the end down to i + 1),
 * made when first needed. Kept per field: a hunt resolves the same fields on every event, and splitting and joining
 * them again at each call was most of the resolver's time.
 */
interface DottedPath {
  readonly parts: readonly string[];
  readonly index: readonly boolean[];
  readonly keys: (readonly string[] | undefined)[];
}

const dottedPaths = new Map<string, DottedPath>();
/** Paths kept at most (field names come from rules, which are untrusted input too: the cache is emptied past this). */
const DOTTED_PATHS_KEPT = 4096;
/** A path of more parts is not kept: its keys grow as the square of its parts. */
const DOTTED_PARTS_KEPT = 32;

function dottedPath(field: string): DottedPath {
  let p = dottedPaths.get(field);
  if (p) return p;
  const parts = field.split('.');
  p = { parts, index: parts.map((k) => k !== '' && /^[0-9]+$/.test(k)), keys: [] };
  if (parts.length <= DOTTED_PARTS_KEPT) {
    if (dottedPaths.size >= DOTTED_PATHS_KEPT) dottedPaths.clear();
    dottedPaths.set(field, p);
  }
  return p;
}

function keysAt(p: DottedPath, i: number): readonly string[] {
  const at: string[] = [];
  for (let j = p.parts.length; j > i; j--) at.push(p.parts.slice(i, j).join('.'));
  return (p.keys[i] = at);
}

/** Default resolver: exact key, then the dotted path (case-sensitive). */
export const resolveDotted: FieldResolver = dottedResolver();

export function and3(a: Truth, b: Truth): Truth {
  if (a === false || b === false) return false;
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  return true;
}
export function or3(a: Truth, b: Truth): Truth {
  if (a === true || b === true) return true;
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  return false;
}
export function not3(a: Truth): Truth {
  return a === 'unknown' ? 'unknown' : !a;
}

/**
 * A resolver that finds element-relative fields (`.x`, `..x`, `.`) in the elements being iterated (innermost last)
 * and every other field in the event.
 */
function scopedResolver(resolve: FieldResolver, scope: readonly unknown[]): FieldResolver {
  if (scope.length === 0) return resolve;
  return (event, field) => {
    const n = relativeDepth(field);
    if (n === 0) return resolve(event, field);
    if (n > scope.length) return undefined;
    const el = scope[scope.length - n];
    const rest = field.slice(n);
    if (!rest) return el === null ? undefined : el;
    return resolve(el, rest);
  };
}

/** Does a count known to lie in [lo, hi] satisfy the comparison: true, false, or unknown when it depends. */
function countTruth(q: ElementCount, lo: number, hi: number): Truth {
  const test = (n: number): boolean => {
    switch (q.op) {
      case 'eq':
        return n === q.value;
      case 'ne':
        return n !== q.value;
      case 'lt':
        return n < q.value;
      case 'le':
        return n <= q.value;
      case 'gt':
        return n > q.value;
      case 'ge':
        return n >= q.value;
      default:
        return assertNever(q.op, 'count operator');
    }
  };
  let sawTrue = false;
  let sawFalse = false;
  for (let n = lo; n <= hi; n++) {
    if (test(n)) sawTrue = true;
    else sawFalse = true;
    if (sawTrue && sawFalse) return 'unknown';
  }
  return sawTrue;
}

export function evaluate(e: Expr, event: unknown, opts: EvalOptions = {}): Truth {
  const base = opts.resolve ?? resolveDotted;
  let scope: readonly unknown[] = opts.scope ?? [];
  let resolve = scopedResolver(base, scope);
  const ev = (x: Expr): Truth => {
    switch (x.kind) {
      case 'const':
        return x.value;
      case 'opaque':
        return 'unknown';
      case 'not':
        return not3(ev(x.arg));
      case 'and': {
        let r: Truth = true;
        for (const a of x.args) {
          r = and3(r, ev(a));
          if (r === false) return false;
        }
        return r;
      }
      case 'or': {
        let r: Truth = false;
        for (const a of x.args) {
          r = or3(r, ev(a));
          if (r === true) return true;
        }
        return r;
      }
      case 'quant': {
        let t = 0;
        let u = 0;
        for (const i of x.items) {
          const r = ev(i.expr);
          if (r === true) t++;
          else if (r === 'unknown') u++;
        }
        const need = x.count === 'all' ? x.items.length : x.count;
        if (t >= need) return true;
        if (t + u >= need) return 'unknown';
        return false;
      }
      case 'each': {
        let arr = resolve(event, x.array);
        if (arr === undefined && x.missingAs !== undefined) arr = x.missingAs;
        if (x.derived) {
          const d = deriveValue(x.derived, arr, (f) => resolve(event, f));
          if (d === UNKNOWN_OPERAND) return 'unknown';
          arr = d instanceof Spread ? d.items : d === FAILED_NULL ? undefined : d;
        }
        if (arr === undefined || arr === null) {
          if (x.nulls === 'propagate') return 'unknown';
        }
        const q = x.quant;
        if (typeof arr === 'string' && typeof q === 'object' && x.expr.kind === 'const' && x.expr.value && !x.distinct) {
          const n = [...arr].length; // MQL length(string): code points
          return countTruth(q, n, n);
        }
        let items: readonly unknown[] = arr === undefined || arr === null ? [] : Array.isArray(arr) ? arr : [arr];
        if (x.iterate === 'python' && arr !== undefined && arr !== null && !Array.isArray(arr)) {
          if (typeof arr === 'string') items = [...arr];
          else if (typeof arr === 'object') items = Object.keys(arr);
          else return 'unknown'; // iterating a number or boolean raises TypeError
        }
        if (x.distinct) return distinctTruth(x, x.distinct, items);
        let t = 0;
        let u = 0;
        let result: Truth | undefined;
        eachElement(items, () => {
          const r = ev(x.expr);
          if (r === true) t++;
          else if (r === 'unknown') u++;
          if (q === 'any' && r === true) result = true;
          else if (q === 'all' && r === false) result = false;
          return result === undefined;
        });
        if (result !== undefined) return result;
        if (q === 'any') return u > 0 ? 'unknown' : false;
        if (q === 'all') return u > 0 ? 'unknown' : true;
        return countTruth(q, t, t + u);
      }
      case 'pred':
        return evaluatePredicate(x, event, resolve);
      default:
        return assertNever(x, 'expression');
    }
  };

  /**
   * `visit` with each element in scope in turn (`.x` its field), until it returns false; the scope is restored after.
   */
  const eachElement = (items: readonly unknown[], visit: () => boolean): void => {
    const saved = { scope, resolve };
    try {
      for (const el of items) {
        scope = [...saved.scope, el];
        resolve = scopedResolver(base, scope);
        if (!visit()) break;
      }
    } finally {
      scope = saved.scope;
      resolve = saved.resolve;
    }
  };

  /**
   * An array quantifier over one element per distinct key value (`DistinctBy`): certain whichever element of each
   * group MQL keeps, else unknown. Groups are the certain keys' (a scalar value, a condition's truth); an element
   * whose key is null or missing is in no other value's group (it may be one of its own or none), an element whose
   * key is unknown (an object, an unknown condition) may be in any group.
   */
  const distinctTruth = (x: Each, d: DistinctBy, items: readonly unknown[]): Truth => {
    // per certain key, the truths of `expr` its elements gave (bits: 1 true, 2 false, 4 unknown)
    const groups = new Map<string, number>();
    let nullish = 0;
    let nullishTruths = 0;
    let unsure = 0;
    let unsureTruths = 0;
    eachElement(items, () => {
      const r = ev(x.expr);
      const bit = r === true ? 1 : r === false ? 2 : 4;
      const k = typeof d.key === 'string' ? scalarKey(resolve(event, d.key)) : truthKey(ev(d.key));
      if (k === NULL_KEY) {
        if (bit !== 2) nullish++;
        nullishTruths |= bit;
      } else if (k === UNSURE_KEY) {
        if (bit !== 2) unsure++;
        unsureTruths |= bit;
      } else groups.set(k, (groups.get(k) ?? 0) | bit);
      return true;
    });
    const q = x.quant;
    if (typeof q === 'object') {
      // `expr` chooses the elements, the count is of their groups
      let lo = 0;
      let hi = nullish + unsure;
      for (const bits of groups.values()) {
        if (bits & 1) lo++;
        if (bits & 5) hi++;
      }
      return countTruth(q, lo, hi);
    }
    // `expr` is tested on the kept elements: one of each group, whichever
    let all = nullishTruths | unsureTruths;
    for (const bits of groups.values()) all |= bits;
    const decided = q === 'any' ? 1 : 2;
    // every element gives the other truth (false for any, true for all), or there is none: so does the quantifier
    if (all === 3 - decided || all === 0) return q === 'all';
    // a group all of whose elements decide, that no element of unknown key may join with another truth
    if ((unsureTruths & ~decided) === 0) for (const bits of groups.values()) if (bits === decided) return q === 'any';
    return 'unknown';
  };
  return ev(e);
}

// ---------------- a rule's verdict: SQL-style nulls ----------------

/**
 * A rule's truth on an event as its language reports a match. It is `evaluate()`'s, except that a result that is
 * SQL-style null (`nulls: 'propagate'`, MQL) is no match: false, not unknown (a Sublime rule over a message without a
 * field it tests does not fire). Unknown stays unknown when a part the model does not decide could make it true.
 * Use it for a whole rule's condition (a verdict), never for a part of one: `not` of a null is null, not true.
 */
export function verdict(e: Expr, event: unknown, opts: EvalOptions = {}): Truth {
  if (!reachesNulls(e)) return evaluate(e, event, opts);
  // one walk of outcomes (the engine's path, `evaluate()` and then `verdictOfUnknown`, must agree with it: a test
  // compares them over every language's rules)
  const o = outcomes(e, event, opts.resolve ?? resolveDotted, opts.scope);
  return o === T ? true : (o & T) === 0 ? false : 'unknown';
}

/**
 * `verdict()` of a condition `evaluate()` (or its compiled form) found unknown on the event: no match when it cannot
 * be true (the outcomes' true bit alone, found with early exits: `canBe`).
 */
export function verdictOfUnknown(e: Expr, event: unknown, resolve: FieldResolver): Truth {
  return reachesNulls(e) && !canBe(e, T, event, resolve) ? false : 'unknown';
}

/**
 * Is the condition unknown on the event (as `evaluate()` finds it) only as SQL-style null, so that it cannot be true
 * whatever its undecided parts are: no match?
 */
export function nullNoMatch(e: Expr, event: unknown, resolve: FieldResolver): boolean {
  // unknown as `evaluate()` finds it, it is neither true nor false alone: it is no match when it cannot be true
  return reachesNulls(e) && evaluate(e, event, { resolve }) === 'unknown' && !canBe(e, T, event, resolve);
}

/** Is a node at the top level SQL-style null on the event (decided: it cannot make its rule true on its own)? */
export function nullOn(e: Expr, event: unknown, resolve: FieldResolver): boolean {
  return reachesNulls(e) && outcomes(e, event, resolve) === N;
}

/** The outcomes a node may have in SQL's logic, as bits (null is the third; an undecided part may be any). */
const T = 1;
const F = 2;
const N = 4;
const ANY = T | F | N;

const andOf = (a: number, b: number): number => (a === F || b === F ? F : a === N || b === N ? N : T);
const orOf = (a: number, b: number): number => (a === T || b === T ? T : a === N || b === N ? N : F);

/** Every outcome of `op` over one outcome of each set. */
function combine(xs: number, ys: number, op: (a: number, b: number) => number): number {
  let out = 0;
  for (let a = T; a <= N; a <<= 1) if (xs & a) for (let b = T; b <= N; b <<= 1) if (ys & b) out |= op(a, b);
  return out;
}

/** Elements of a list whose tests `outcomes` reads one by one, at most (past it, the quantifier may be anything). */
const OUTCOME_ELEMENTS = 1000;

/**
 * The outcomes of a node with `scope` in scope (none: the event's top level), in one walk: a decided node has the
 * one `evaluate()` finds (the combinations below give Kleene's truth wherever it is decided); an undecided predicate
 * or array quantifier is null when SQL-style nulls make it so (a missing or null operand, a missing or null array),
 * else may be anything; `and`, `or` and `not` combine their arguments' outcomes, `n of` cannot be true when fewer
 * than n of its items can, nor `any` over elements none of whose tests can be (Sublime does not document whether
 * `any` reads a null test as false or as null: no match either way).
 */
function outcomes(e: Expr, event: unknown, resolve: FieldResolver, scope: readonly unknown[] = []): number {
  switch (e.kind) {
    case 'const':
      return e.value ? T : F;
    case 'opaque':
      return ANY;
    case 'not': {
      const x = outcomes(e.arg, event, resolve, scope);
      return (x & N) | (x & T ? F : 0) | (x & F ? T : 0);
    }
    case 'and':
    case 'or': {
      const and = e.kind === 'and';
      let acc = and ? T : F;
      for (const a of e.args) {
        acc = combine(acc, outcomes(a, event, resolve, scope), and ? andOf : orOf);
        if (acc === (and ? F : T)) return acc;
      }
      return acc;
    }
    case 'quant': {
      // Kleene's count (`evaluate()`): true when n items are, false when fewer than n are or may be; else it cannot be
      // true when fewer than n items can be
      const need = e.count === 'all' ? e.items.length : e.count;
      let t = 0;
      let undecided = 0;
      let canBeTrue = 0;
      for (const i of e.items) {
        const o = outcomes(i.expr, event, resolve, scope);
        if (o === T) t++;
        else if (o !== F) undecided++;
        if (o & T) canBeTrue++;
      }
      if (t >= need) return T;
      if (t + undecided < need) return F;
      return canBeTrue >= need ? ANY : F | N;
    }
    case 'pred': {
      const here = scopedResolver(resolve, scope);
      const r = evaluatePredicate(e, event, here);
      if (r !== 'unknown') return r ? T : F;
      if (e.opts?.nulls !== 'propagate') return ANY;
      const raw = fieldValue(e, event, here);
      if (!e.derived) return nullOperand(e, raw, event, here) ? N : ANY;
      const d = deriveValue(e.derived, raw, (f) => here(event, f));
      if (d === UNKNOWN_OPERAND || d instanceof Spread) return ANY;
      return nullOperand(e, d === FAILED_NULL ? undefined : d, event, here) ? N : ANY;
    }
    case 'each': {
      const r = evaluate(e, event, { resolve, scope });
      if (r !== 'unknown') return r ? T : F;
      if (e.nulls !== 'propagate' || e.derived) return ANY;
      const arr = scopedResolver(resolve, scope)(event, e.array);
      if (arr === undefined || arr === null) return N;
      if (e.quant !== 'any' || e.distinct || e.iterate) return ANY;
      const items = Array.isArray(arr) ? arr : [arr];
      if (items.length > OUTCOME_ELEMENTS) return ANY;
      for (const el of items) if (outcomes(e.expr, event, resolve, [...scope, el]) & T) return ANY;
      return F | N;
    }
    default:
      return assertNever(e, 'expression');
  }
}

/**
 * May the node's outcome be `bit` (true or false)? The same answer as `outcomes(…) & bit`, walked only as far as it
 * takes (an `and` that cannot be true stops at its first argument that cannot be), and without the null bit, which a
 * verdict does not need: an undecided `n of`, or array quantifier over a list, may be false.
 */
function canBe(e: Expr, bit: typeof T | typeof F, event: unknown, resolve: FieldResolver, scope: readonly unknown[] = []): boolean {
  const other = bit === T ? F : T;
  switch (e.kind) {
    case 'const':
      return e.value === (bit === T);
    case 'opaque':
      return true;
    case 'not':
      return canBe(e.arg, other, event, resolve, scope);
    case 'and':
    case 'or': {
      // and: true when every argument is, false when one is; or: the other way round
      const every = (e.kind === 'and') === (bit === T);
      for (const a of e.args) if (canBe(a, bit, event, resolve, scope) !== every) return !every;
      return every;
    }
    case 'quant': {
      if (bit === F) return evaluate(e, event, { resolve, scope }) !== true;
      const need = e.count === 'all' ? e.items.length : e.count;
      let can = 0;
      for (const i of e.items) if (canBe(i.expr, T, event, resolve, scope) && ++can >= need) return true;
      return can >= need;
    }
    case 'pred':
    case 'each':
      return (outcomes(e, event, resolve, scope) & bit) !== 0;
    default:
      return assertNever(e, 'expression');
  }
}

const reachesNullsOf = new WeakMap<Expr, boolean>();

/** Does a node with SQL-style nulls sit at the top level (through `and`, `or`, `not` and `n of` only)? */
function reachesNulls(e: Expr): boolean {
  let r = reachesNullsOf.get(e);
  if (r === undefined) {
    if (e.kind === 'not') r = reachesNulls(e.arg);
    else if (e.kind === 'and' || e.kind === 'or') r = e.args.some(reachesNulls);
    else if (e.kind === 'quant') r = e.items.some((i) => reachesNulls(i.expr));
    else r = (e.kind === 'pred' ? e.opts?.nulls : e.kind === 'each' ? e.nulls : undefined) === 'propagate';
    reachesNullsOf.set(e, r);
  }
  return r;
}

const NULL_KEY = '\u0000null';
const UNSURE_KEY = '\u0000unsure';

/** A distinct key's group: its scalar value (typed: 1 and "1" differ), null or missing, or unsure (an object). */
function scalarKey(v: unknown): string {
  if (v === null || v === undefined) return NULL_KEY;
  if (typeof v === 'string') return `s${v}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v === 'number' ? 'n' : 'b'}${String(v)}`;
  return UNSURE_KEY;
}

function truthKey(r: Truth): string {
  return r === 'unknown' ? UNSURE_KEY : `b${String(r)}`;
}

// ---------------- predicates ----------------

const MISSING = Symbol('missing');
/** A field reference whose derived value cannot be known: the comparison with it is unknown. */
const UNKNOWN_PATTERN = Symbol('unknown pattern');

export function evaluatePredicate(p: Predicate, event: unknown, resolve: FieldResolver = resolveDotted): Truth {
  const raw = fieldValue(p, event, resolve);
  if (!p.derived) return predicateOnValue(p, raw, event, resolve);
  return predicateOnDerived(p, deriveValue(p.derived, raw, (f) => resolve(event, f)), event, resolve);
}

/** The predicate's field value with its default (`missingAs`) applied; `undefined` when missing. */
export function fieldValue(p: Predicate, event: unknown, resolve: FieldResolver): unknown {
  const o = p.opts;
  const raw = resolve(event, p.field);
  if (o?.missingAs !== undefined && (raw === undefined || (raw === null && o.nullAsMissing === true))) return o.missingAs;
  return raw;
}

/**
 * A predicate on its derived operand: unknown stays unknown, several values (`[*]`) hold when any does. With `held`,
 * the value of the predicate that made it hold is put there (`predicateOnValue`).
 */
export function predicateOnDerived(p: Predicate, d: DerivedOperand, event: unknown, resolve: FieldResolver, held?: Value[]): Truth {
  if (d === UNKNOWN_OPERAND) return 'unknown';
  if (d === FAILED_NULL) return predicateOnValue(p.opts?.typing === 'strict' ? { ...p, opts: { ...p.opts, typing: 'loose' } } : p, undefined, event, resolve, held);
  if (!(d instanceof Spread)) return predicateOnValue(p, d, event, resolve, held);
  let r: Truth = false;
  for (const x of d.items) {
    r = or3(r, predicateOnValue(p, x, event, resolve, held));
    if (r === true) return true;
  }
  return r;
}

/**
 * SQL-style nulls (`nulls: 'propagate'`, MQL): is an operand of the predicate missing or null, so that the predicate
 * is null (reported unknown)? `raw` is the field's value with its default applied (`undefined`: missing).
 */
function nullOperand(p: Predicate, raw: unknown, event: unknown, resolve: FieldResolver): boolean {
  if (p.op === 'is_null' || p.op === 'is_not_null') return false;
  if (raw === undefined || raw === null) return true;
  for (const v of p.values) {
    if (v === null) return true;
    if (typeof v === 'object' && (resolve(event, v.field) ?? null) === null) return true;
  }
  return false;
}

/**
 * A predicate on its operand's value (`undefined`: missing), field defaults already applied. With `held` (a hit's
 * explanation, not the evaluation), a predicate of several values that holds because one of them does (not `match:
 * all`, not `ne`) puts the first such value there.
 */
export function predicateOnValue(p: Predicate, raw: unknown, event: unknown, resolve: FieldResolver, held?: Value[]): Truth {
  const o = p.opts ?? {};
  const value: unknown = raw === undefined ? MISSING : raw;
  const strict = o.typing === 'strict';
  const cs = o.cs ?? OPERATOR_FACTS[p.op].defaultCaseSensitive;

  if (o.nulls === 'propagate' && nullOperand(p, raw, event, resolve)) return 'unknown';
  if ((p.op === 'eq' || p.op === 'in' || p.op === 'ne') && typeof value === 'string') {
    // a string against many strings (a named list's values: `x in $tranco_1m`): one lookup, as `equals` compares
    // two strings whatever the typing
    const set = stringSetOf(p, cs);
    if (set) {
      const key = cs ? value : value.toLowerCase();
      const hit = set.has(key);
      if (hit && held && p.op !== 'ne') held.push((p.values as readonly string[]).find((v) => (cs ? v : v.toLowerCase()) === key)!);
      return p.op === 'ne' ? !hit : hit;
    }
  }
  switch (p.op) {
    case 'is_null':
      return isNullish(value, o.truthy === true) || (o.empty === true && value === '');
    case 'is_not_null':
      return !isNullish(value, o.truthy === true) && !(o.empty === true && value === '');
    case 'ne': {
      const r = anyOrAll(p, event, resolve, undefined, (pat) => equals(value, pat, cs, strict, o.listMatch));
      return not3(r);
    }
    default:
      break;
  }

  return anyOrAll(p, event, resolve, held, (pat) => {
    switch (p.op) {
      case 'eq':
      case 'in':
        return equals(value, pat, cs, strict, o.listMatch);
      case 'lt':
      case 'le':
      case 'gt':
      case 'ge':
        return compareOrdered(p.op, value, pat, strict);
      case 'contains':
        return stringOp(value, pat, cs, strict, (h, n) => h.includes(n), true);
      case 'starts_with':
        return stringOp(value, pat, cs, strict, (h, n) => h.startsWith(n), false);
      case 'ends_with':
        return stringOp(value, pat, cs, strict, (h, n) => h.endsWith(n), false);
      case 'has':
        return stringOp(value, pat, cs, false, (h, n) => hasTerm(h, n, o.term ?? 'whole'), false);
      case 'wildcard':
        return onStrings(value, (s) => {
          if (typeof pat !== 'string') return false;
          return regexTest(wildcardToRegex(pat, o.wildcard), cs ? 's' : 'is', s) ?? 'unknown';
        });
      case 'regex':
        return onStrings(value, (s) => {
          if (typeof pat !== 'string') return false;
          const re = predicateRegex(pat, o.anchor, o.flags, cs);
          return regexTest(re.src, re.flags, s) ?? 'unknown';
        });
      case 'cidr':
        return onStrings(value, (s) => (typeof pat === 'string' ? ipInCidr(s, pat) : false));
      case 'ne':
      case 'is_null':
      case 'is_not_null':
        return 'unknown'; // handled above
      default:
        return assertNever(p.op, 'operator');
    }
  });
}

/** Predicates with this many values or more compare a string with a set of them (`stringSetOf`). */
const STRING_SET_FROM = 32;
const stringSets = new WeakMap<readonly Value[], { cs?: ReadonlySet<string> | null; ci?: ReadonlySet<string> | null }>();

/**
 * The values of an equality test as a set (lower-cased without case), when each is a string, there are many, and a
 * string equals one of them exactly when it is in the set: no transforms, any value (not `match: all`). Kept per
 * values array, so that the rules testing one named list share it.
 */
function stringSetOf(p: Predicate, cs: boolean): ReadonlySet<string> | null {
  if (p.values.length < STRING_SET_FROM || p.opts?.transforms?.length || p.opts?.match === 'all') return null;
  return stringSet(p.values, cs);
}

/**
 * The values as a set of strings (lower-cased when `cs` is false), or null when one is not a string; made once per
 * values array and case rule, and shared by the reference evaluator and the compiled tests (`compile.ts`).
 */
export function stringSet(values: readonly Value[], cs: boolean): ReadonlySet<string> | null {
  let sets = stringSets.get(values);
  if (!sets) stringSets.set(values, (sets = {}));
  const have = cs ? sets.cs : sets.ci;
  if (have !== undefined) return have;
  const set = values.every((v) => typeof v === 'string') ? new Set((values as readonly string[]).map((v) => (cs ? v : v.toLowerCase()))) : null;
  if (cs) sets.cs = set;
  else sets.ci = set;
  return set;
}

/**
 * Apply a test to every pattern value (after transforms): any value (default) or all values must hold. With `held`,
 * the value that made an `any` test hold is put there.
 */
function anyOrAll(p: Predicate, event: unknown, resolve: FieldResolver, held: Value[] | undefined, test: (pat: unknown) => Truth): Truth {
  const all = p.opts?.match === 'all';
  let acc: Truth = all ? true : false;
  for (const v of p.values) {
    const pats = expandValue(v, p.opts?.transforms, event, resolve);
    // alternatives produced by a transform (base64offset, windash) are ORed
    let r: Truth = false;
    for (const pat of pats) {
      r = or3(r, pat === UNKNOWN_PATTERN ? 'unknown' : test(pat));
      if (r === true) break;
    }
    acc = all ? and3(acc, r) : or3(acc, r);
    if (!all && acc === true) {
      held?.push(v);
      return true;
    }
    if (all && acc === false) return false;
  }
  return acc;
}

function expandValue(v: Value, transforms: readonly ValueTransform[] | undefined, event: unknown, resolve: FieldResolver): unknown[] {
  if (v !== null && typeof v === 'object') {
    let r = resolve(event, v.field);
    if (v.missingAs !== undefined && (r === undefined || (r === null && v.nullAsMissing === true))) r = v.missingAs;
    if (v.derived) {
      const d = deriveValue(v.derived, r, (f) => resolve(event, f));
      if (d === UNKNOWN_OPERAND || d instanceof Spread) return [UNKNOWN_PATTERN];
      r = d === FAILED_NULL ? undefined : d;
    }
    return [r === undefined ? MISSING : r];
  }
  if (!transforms?.length || typeof v !== 'string') return [v];
  let cur: string[] = [v];
  for (const t of transforms) cur = cur.flatMap((s) => applyTransform(t, s));
  return cur;
}

/** Sigma value transforms; results are binary strings (latin1) or text. */
export function applyTransform(t: ValueTransform, s: string): string[] {
  switch (t) {
    case 'wide':
    case 'utf16le':
      return [Buffer.from(s, 'utf16le').toString('latin1')];
    case 'utf16be': {
      const b = Buffer.from(s, 'utf16le');
      b.swap16();
      return [b.toString('latin1')];
    }
    case 'base64':
      return [Buffer.from(s, 'latin1').toString('base64').replace(/=+$/, '')];
    case 'base64offset': {
      const out: string[] = [];
      const bytes = Buffer.from(s, 'latin1');
      const startCut = [0, 2, 3];
      const endCut = [0, 3, 2];
      for (let i = 0; i < 3; i++) {
        const padded = Buffer.concat([Buffer.alloc(i), bytes]);
        const enc = padded.toString('base64');
        const start = startCut[i]!;
        const endTrim = endCut[(bytes.length + i) % 3]!;
        out.push(enc.slice(start, enc.length - endTrim));
      }
      return out;
    }
    case 'windash': {
      const dashes = ['-', '/', '\u2013', '\u2014', '\u2015'];
      // every dash that starts a word (a flag) may be written with any of the dash characters
      if (!/(^|\s)[-/]/.test(s)) return [s];
      return dashes.map((d) => s.replace(/(^|\s)[-/\u2013\u2014\u2015]/g, `$1${d}`));
    }
    default:
      return assertNever(t, 'transform');
  }
}

/** Whether a value is null for `is_null` (`undefined`: missing), with `truthy` Python's falsy values too. */
export function isNullish(v: unknown, truthy: boolean): boolean {
  if (v === MISSING || v === null || v === undefined) return true;
  if (!truthy) return false;
  if (v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  if (typeof v === 'boolean') return undefined;
  return undefined;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

function equals(value: unknown, pat: unknown, cs: boolean, strict: boolean, listMatch: 'any' | 'whole' | undefined): Truth {
  // a missing field compares like None / null
  if (value === MISSING) return pat === MISSING || pat === null;
  if (Array.isArray(value) && (listMatch ?? (strict ? 'whole' : 'any')) === 'any') {
    let r: Truth = false;
    for (const el of value) r = or3(r, equals(el, pat, cs, strict, 'whole'));
    return r;
  }
  if (pat === MISSING) return false;
  if (strict) {
    if (typeof value === 'string' && typeof pat === 'string') return cs ? value === pat : value.toLowerCase() === pat.toLowerCase();
    if (typeof value === 'number' && typeof pat === 'number') return value === pat;
    if (typeof value === 'boolean' || typeof pat === 'boolean') {
      // Python: True == 1, False == 0
      const nv = typeof value === 'boolean' ? Number(value) : value;
      const np = typeof pat === 'boolean' ? Number(pat) : pat;
      return nv === np;
    }
    return deepEqual(value, pat);
  }
  if (pat === null) return value === null;
  if (value === null) return false;
  const nv = numeric(value);
  const np = numeric(pat);
  if (nv !== undefined && np !== undefined && (typeof value === 'number' || typeof pat === 'number')) return nv === np;
  if (typeof value === 'boolean' || typeof pat === 'boolean') return String(value).toLowerCase() === String(pat).toLowerCase();
  if (typeof value === 'object') return deepEqual(value, pat);
  const a = String(value);
  const b = String(pat);
  return cs ? a === b : a.toLowerCase() === b.toLowerCase();
}

function compareOrdered(op: 'lt' | 'le' | 'gt' | 'ge', value: unknown, pat: unknown, strict: boolean): Truth {
  if (value === MISSING || value === null || pat === MISSING || pat === null) return strict ? 'unknown' : false;
  let a: number | string | undefined;
  let b: number | string | undefined;
  if (strict) {
    if (typeof value === 'number' && typeof pat === 'number') [a, b] = [value, pat];
    else if (typeof value === 'string' && typeof pat === 'string') [a, b] = [value, pat];
    else return 'unknown'; // Python TypeError
  } else {
    const na = numeric(value);
    const nb = numeric(pat);
    if (na !== undefined && nb !== undefined) [a, b] = [na, nb];
    else if (typeof value === 'string' && typeof pat === 'string') [a, b] = [value, pat];
    else return false;
  }
  switch (op) {
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    default:
      return assertNever(op, 'operator');
  }
}

/** Run a string test on a string value, on every element of a list (any), or on a stringified scalar when loose. */
function stringOp(
  value: unknown,
  pat: unknown,
  cs: boolean,
  strict: boolean,
  test: (hay: string, needle: string) => boolean,
  listIsMembership: boolean,
): Truth {
  // Python: `'x' in None` / None.startswith raise TypeError / AttributeError
  if (value === MISSING || value === null) return strict ? 'unknown' : false;
  if (pat === MISSING || pat === null) return false;
  const needle = String(pat);
  if (Array.isArray(value)) {
    if (strict && listIsMembership) return equals(value, pat, cs, true, 'any'); // Python `x in list`
    if (strict) return 'unknown'; // list has no startswith
    let r: Truth = false;
    for (const el of value) r = or3(r, stringOp(el, pat, cs, strict, test, listIsMembership));
    return r;
  }
  if (typeof value === 'object') {
    if (strict && listIsMembership) return Object.prototype.hasOwnProperty.call(value, needle); // `k in dict`
    return strict ? 'unknown' : false;
  }
  if (typeof value !== 'string') {
    if (strict) return 'unknown';
  }
  const hay = String(value);
  return cs ? test(hay, needle) : test(hay.toLowerCase(), needle.toLowerCase());
}

/**
 * A test of a value's strings as the string operators read it: a scalar as its text, a list element by element (in
 * order, until one is true), nothing of a missing or null value or of an object.
 */
export function onStrings(value: unknown, f: (s: string) => Truth): Truth {
  if (value === MISSING || value === null) return false;
  if (Array.isArray(value)) {
    let r: Truth = false;
    for (const el of value) {
      r = or3(r, onStrings(el, f));
      if (r === true) return true;
    }
    return r;
  }
  if (typeof value === 'object') return false;
  return f(String(value));
}

const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_]/u.test(c);

/**
 * KQL `has`: the needle occurs bounded by non-alphanumeric characters (or the ends). `prefix` (hasprefix) needs
 * only the start of a term, `suffix` (hassuffix) only its end.
 */
export function hasTerm(hay: string, needle: string, term: 'whole' | 'prefix' | 'suffix' = 'whole'): boolean {
  if (needle === '') return true;
  let i = hay.indexOf(needle);
  while (i >= 0) {
    const before = hay[i - 1];
    const after = hay[i + needle.length];
    const okStart = term === 'suffix' || !isWordChar(needle[0]) || !isWordChar(before);
    const okEnd = term === 'prefix' || !isWordChar(needle[needle.length - 1]) || !isWordChar(after);
    if (okStart && okEnd) return true;
    i = hay.indexOf(needle, i + 1);
  }
  return false;
}

/** Sigma glob (`*`, `?`, `\` escapes) to an anchored regex; `plain`: no escape character (EQL). */
export function globToRegex(glob: string, plain = false): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (!plain && c === '\\' && i + 1 < glob.length && '*?\\'.includes(glob[i + 1]!)) {
      out += escapeRegex(glob[++i]!);
    } else if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else out += escapeRegex(c);
  }
  return `^${out}$`;
}

/** SPL wildcard (`*` only; every other character literal) to an anchored regex. */
export function splWildcardToRegex(pattern: string): string {
  return `^${pattern.split('*').map(escapeRegex).join('.*')}$`;
}

/** SQL LIKE (`%`, `_`) to an anchored regex. */
export function likeToRegex(like: string): string {
  let out = '';
  for (const c of like) {
    if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else out += escapeRegex(c);
  }
  return `^${out}$`;
}

/** How a `wildcard` predicate's pattern reads (`PredicateOptions.wildcard`; absent: Sigma's). */
export type WildcardStyle = NonNullable<PredicateOptions['wildcard']>;

/** A wildcard pattern as an anchored regex, read as its style reads it (see OPERATOR_FACTS `wildcard`). */
export function wildcardToRegex(pattern: string, style: WildcardStyle = 'sigma'): string {
  // made once per pattern: the reference evaluator asks again for every value it tests (a derived operand's many
  // values, `argv(CommandLine)` against an Elastic rule's 60 path globs, made the sources again per event: 1.2 ms)
  const key = `${style}\u0000${pattern}`;
  let src = REGEX_OF_WILDCARD.get(key);
  if (src === undefined) {
    if (REGEX_OF_WILDCARD.size >= MAX_WILDCARD_SOURCES) REGEX_OF_WILDCARD.clear();
    src = style === 'like' ? likeToRegex(pattern) : style === 'spl' ? splWildcardToRegex(pattern) : globToRegex(pattern, style === 'plain');
    REGEX_OF_WILDCARD.set(key, src);
  }
  return src;
}

/** The regular expression of each wildcard pattern (by style), bounded: the catalog has about 60,000 patterns. */
const REGEX_OF_WILDCARD = new Map<string, string>();
const MAX_WILDCARD_SOURCES = 100_000;

/**
 * A `*` / `?` pattern (any style but SQL LIKE) split at its wildcards as `wildcardToRegex` reads it: the literal runs in
 * order, escapes resolved (the first run is anchored at the start, the last at the end; a run between two wildcards
 * may be empty), and whether one of the wildcards is a one-character `?`. Sigma: `\` escapes `*`, `?` and `\`; EQL
 * (`plain`): no escape character; SPL: `*` is the only wildcard, `?` and `\` are literal.
 */
export function wildcardRuns(pattern: string, style: Exclude<WildcardStyle, 'like'> = 'sigma'): { readonly runs: string[]; readonly oneChar: boolean } {
  const runs: string[] = [];
  let cur = '';
  let oneChar = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (style === 'sigma' && c === '\\' && i + 1 < pattern.length && '*?\\'.includes(pattern[i + 1]!)) cur += pattern[++i]!;
    else if (c === '*' || (c === '?' && style !== 'spl')) {
      if (c === '?') oneChar = true;
      runs.push(cur);
      cur = '';
    } else cur += c;
  }
  runs.push(cur);
  return { runs, oneChar };
}

// ---------------- CIDR ----------------

/** An IPv4 address in dotted decimal as an unsigned 32-bit number, or undefined. */
function ipv4Number(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

function parseIPv4(s: string): bigint | undefined {
  const n = ipv4Number(s);
  return n === undefined ? undefined : BigInt(n);
}

function parseIPv6(s: string): bigint | undefined {
  if (!s.includes(':')) return undefined;
  let str = s.split('%')[0]!;
  let tail: bigint | undefined;
  let tailWords = 0;
  const lastColon = str.lastIndexOf(':');
  if (str.slice(lastColon + 1).includes('.')) {
    tail = parseIPv4(str.slice(lastColon + 1));
    if (tail === undefined) return undefined;
    str = str.slice(0, lastColon) + ':0:0';
    tailWords = 2;
  }
  const halves = str.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = 8 - head.length - rest.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) return undefined;
  const words = [...head, ...Array(halves.length === 2 ? fill : 0).fill('0'), ...rest];
  let n = 0n;
  for (const w of words) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return undefined;
    n = (n << 16n) | BigInt(parseInt(w, 16));
  }
  if (tail !== undefined && tailWords) n = (n & ~0xffffffffn) | tail;
  return n;
}

/** A CIDR range as `ipInCidr` tests it: network and mask, 32-bit numbers for IPv4, bigints for IPv6. */
type CidrRange = { readonly v4: true; readonly net: number; readonly mask: number } | { readonly v4: false; readonly net: bigint; readonly mask: bigint };

/**
 * Ranges parsed once (a rule's list is tested on every event); emptied when it holds this many. The catalog holds
 * 6,215 distinct ranges, 4,588 of them in one Sublime rule (Spamhaus's ASN drop list): a smaller bound would empty it
 * at every event that rule meets.
 */
const CIDR_CACHE_MAX = 65_536;
const cidrRanges = new Map<string, CidrRange | null>();

function cidrRange(cidr: string): CidrRange | null {
  let r = cidrRanges.get(cidr);
  if (r !== undefined) return r;
  r = parseCidr(cidr);
  if (cidrRanges.size >= CIDR_CACHE_MAX) cidrRanges.clear();
  cidrRanges.set(cidr, r);
  return r;
}

/** `net/bits` (bits: the address's length when absent); null when not a range (a bit count out of range included). */
function parseCidr(cidr: string): CidrRange | null {
  const [net, bitsS] = cidr.split('/');
  const n4 = ipv4Number(net!.trim());
  const n6 = n4 === undefined ? parseIPv6(net!.trim()) : undefined;
  if (n4 === undefined && n6 === undefined) return null;
  const width = n4 !== undefined ? 32 : 128;
  const bits = bitsS === undefined ? width : Number(bitsS);
  if (!Number.isInteger(bits) || bits < 0 || bits > width) return null;
  if (n4 !== undefined) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return { v4: true, net: (n4 & mask) >>> 0, mask };
  }
  const mask = bits === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - bits)) - 1n);
  return { v4: false, net: n6! & mask, mask };
}

/** The last address `ipInCidr` read as IPv4 (a value is tested against every range of a list in turn). */
let lastIp: string | undefined;
let lastIpV4: number | undefined;

/** Is the address (IPv4, or IPv6) inside the range (of the same family)? */
export function ipInCidr(ip: string, cidr: string): boolean {
  const r = cidrRange(cidr);
  if (!r) return false;
  if (r.v4) {
    if (ip !== lastIp) {
      lastIp = ip;
      lastIpV4 = ipv4Number(ip.trim());
    }
    const v = lastIpV4;
    return v !== undefined && (v & r.mask) >>> 0 === r.net;
  }
  const v6 = parseIPv6(ip.trim());
  return v6 !== undefined && (v6 & r.mask) === r.net;
}
