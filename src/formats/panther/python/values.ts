/**
 * Abstract values of the Python lowering: what a Python expression denotes when the event is unknown.
 * A value is a constant, a reference to an event field, a boolean condition (model Expr), a conditional value
 * (a decision tree: the result of an if/else, a ternary, `a or b`, a helper with several returns), or opaque.
 */
import { PY_LIMITS } from './facts.ts';
import { and, not, opaque, or, pred, type Derived, type Expr, type FieldRef, type Opaque, type Operator, type Predicate, type PredicateOptions, type Value } from '../../../model/expr.ts';
import { renderOperand } from '../../../model/render.ts';
import type { Span } from '../../../model/span.ts';
import type { ModuleInfo } from './module.ts';
import type { Node } from './parser.ts';

export type Scalar = null | boolean | number | string;

/** A function defined in a parsed module (rule file, global helper, data model). */
export interface FuncRef {
  readonly module: ModuleInfo;
  readonly name: string;
  readonly node: Node;
}

export interface DictEntry {
  readonly key: AV;
  readonly value: AV;
  /** Source text of the value (for output fields). */
  readonly text: string;
  /** Helper whose dict literal this entry comes from (`aws_rule_context`). */
  readonly via?: string;
}

export type AV =
  | { readonly k: 'const'; readonly v: Scalar }
  | { readonly k: 'seq'; readonly t: 'list' | 'tuple' | 'set'; readonly items: readonly AV[] }
  | { readonly k: 'dict'; readonly entries: readonly DictEntry[] }
  /** An event field: `event.get("a", default)`, `deep_get(event, "a", "b")`, `event["a"]`; path [] is the event. */
  | { readonly k: 'field'; readonly path: readonly string[]; readonly missingAs?: Value; readonly nullAsMissing?: boolean; readonly fn?: 'lower' | 'upper'; readonly span?: Span; /** deep_walk: a one-item list collapses to its item */ readonly walk?: boolean; /** missingAs "" stands for a [] / {} default */ readonly emptyDefault?: boolean; /** with emptyDefault: the default is {} (`.keys()` of it is empty), not [] */ readonly dictDefault?: boolean; /** a value computed from the field (`json.loads(x)["a"]`, `len(x)`): the transform chain */ readonly derived?: Derived }
  /**
   * A boolean (or match object, `match`) whose truth is `e`. A match object of a pattern on an event value keeps
   * the value and the pattern as the model runs it (`extract`'s arguments but the group), for its `.group()`.
   */
  | { readonly k: 'bool'; readonly e: Expr; readonly match?: boolean; readonly groups?: { readonly of: Extract<AV, { k: 'field' }>; readonly pattern: string; readonly flags: string } }
  /** Python `a and b` / `a or b` on values: truthiness distributes, the value is conditional. */
  | { readonly k: 'logic'; readonly op: 'and' | 'or'; readonly args: readonly AV[] }
  | { readonly k: 'cond'; readonly tree: Tree }
  /** An address object of a constant (`ip_network("0.0.0.0/32")`, a default): its properties are computed. */
  | { readonly k: 'ipconst'; readonly constructor: 'ip_address' | 'ip_network'; readonly v: Scalar }
  /** A compiled pattern (`re.compile`). Flags are Python's bit values. */
  | { readonly k: 'regex'; readonly pattern: string; readonly flags: number }
  | { readonly k: 'func'; readonly fn: FuncRef }
  /** A module: the stdlib ones we model (re, fnmatch), or a global-helper module. */
  | { readonly k: 'module'; readonly name: string }
  /** A name imported from a library outside the repository. */
  | { readonly k: 'extern'; readonly module: string; readonly name: string }
  /** A method bound to its object, awaiting the call. */
  | { readonly k: 'method'; readonly self: AV; readonly name: string }
  /** `parts`: an f-string's interpolated values, in order, with the text between them (kept for dedup keys). */
  | { readonly k: 'opaque'; readonly text: string; readonly reason: string; readonly span?: Span; readonly parts?: readonly AV[] };

/** A decision tree of values (the paths through a function body). `none` marks an unreachable path. */
export type Tree =
  | { readonly t: 'leaf'; readonly v: AV }
  | { readonly t: 'if'; readonly c: Expr; readonly then: Tree; readonly else: Tree }
  | { readonly t: 'none' };

export const NONE: AV = { k: 'const', v: null };
export const constAV = (v: Scalar): AV => ({ k: 'const', v });
export const boolAV = (e: Expr): AV => ({ k: 'bool', e });
export const opaqueAV = (text: string, reason: string, span?: Span): AV => (span ? { k: 'opaque', text, reason, span } : { k: 'opaque', text, reason });
export const leaf = (v: AV): Tree => ({ t: 'leaf', v });

/** Options of Python comparisons: strict typing, case-sensitive, the field's default. */
export function cmpOpts(f: Extract<AV, { k: 'field' }>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const o: Record<string, unknown> = { typing: 'strict', cs: f.fn === undefined, ...(f.walk ? { listMatch: 'any' } : {}), ...extra };
  return { ...o, ...missingOpts(f) };
}

/** The field's default (`missingAs`, and `nullAsMissing` for deep_get) as predicate options. */
export function missingOpts(f: Extract<AV, { k: 'field' }>): { missingAs?: Value; nullAsMissing?: boolean } {
  if (f.missingAs === undefined) return {};
  return f.nullAsMissing ? { missingAs: f.missingAs, nullAsMissing: true } : { missingAs: f.missingAs };
}

/**
 * The model's name of an event value: its dotted path; inside a loop over an event array (an `each`), a path that
 * starts with empty segments is relative to the element (`['', 'name']` is `.name`, `['']` the element `.`).
 */
export const fieldName = (f: Extract<AV, { k: 'field' }>): string => {
  let n = 0;
  while (n < f.path.length && f.path[n] === '') n++;
  if (n === 0) return f.path.join('.');
  return '.'.repeat(n) + f.path.slice(n).join('.');
};

/** Is the value (or anything inside it) relative to a loop element? */
export function mentionsElement(v: unknown): boolean {
  const text = JSON.stringify(v, (k, x) => (k === 'span' || (k === 'fn' && x && typeof x === 'object') ? undefined : x));
  // an element value (`path: ['', …]`), or a condition already lowered over element-relative fields (`.x`)
  return text.includes('"path":[""') || /"(?:field|array)":"\./.test(text);
}

/** The event value `f` as a predicate's value (compared with another event value): its default and derivation kept. */
export function fieldRef(f: Extract<AV, { k: 'field' }>): FieldRef {
  const d = f.missingAs;
  return { kind: 'field', field: fieldName(f), ...(d !== undefined && d !== null && typeof d !== 'object' ? { missingAs: d } : {}), ...(f.nullAsMissing ? { nullAsMissing: true } : {}), ...(f.derived ? { derived: f.derived } : {}) };
}

/**
 * Where a read with a default gives its default: the value missing, or (`deep_get`, `nullAsMissing`) missing or None.
 * A plain `.get` gives its default only for a missing key (a null value is None): null, but not null with a default.
 */
export function defaultApplies(own: Extract<AV, { k: 'field' }>, nullAsMissing: boolean, span: Span | undefined): Expr {
  const isNull = fpred(own, 'is_null', [], undefined, span);
  return nullAsMissing ? isNull : and(isNull, not(fpred(own, 'is_null', [], { missingAs: '' }, span)));
}

/** A predicate on an event value: the field, or the value derived from it. */
export function fpred(f: Extract<AV, { k: 'field' }>, op: Operator, values: readonly Value[], opts: PredicateOptions | Record<string, unknown> | undefined, span: Predicate['span']): Predicate {
  return pred(fieldName(f), op, values, opts as PredicateOptions | undefined, span, f.derived);
}

/** Negation that keeps null checks as one predicate (`not x` is `x is_null` with truthiness). */
export function neg(e: Expr): Expr {
  if (e.kind === 'pred' && (e.op === 'is_not_null' || e.op === 'is_null')) {
    return { ...e, op: e.op === 'is_null' ? 'is_not_null' : 'is_null' } as Predicate;
  }
  return not(e);
}

/** `if c then a else b` as an expression; undefined arms are unreachable. Early returns give `c or b` / `not c and b`. */
export function ite(c: Expr, a: Expr | undefined, b: Expr | undefined): Expr | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (c.kind === 'const') return c.value ? a : b;
  if (a === b) return a;
  if (a.kind === 'const') return a.value ? or(c, b) : and(neg(c), b);
  // `x and x == "v"`: a predicate that needs a truthy value implies the truthiness test of the same value
  if (impliesTruthy(a, c)) return b.kind === 'const' && !b.value ? a : or(a, and(neg(c), b));
  if (b.kind === 'const') return b.value ? or(neg(c), a) : and(c, a);
  return or(and(c, a), and(neg(c), b));
}

const TRUTHY_OPS = new Set(['eq', 'in', 'contains', 'starts_with', 'ends_with']);

/** Does predicate `a` hold only when the value tested truthy by `c` is truthy? (same field, same default) */
function impliesTruthy(a: Expr, c: Expr): boolean {
  if (a.kind !== 'pred' || c.kind !== 'pred' || c.op !== 'is_not_null' || !c.opts?.truthy || a.field !== c.field) return false;
  if (JSON.stringify(a.derived) !== JSON.stringify(c.derived)) return false;
  if (!TRUTHY_OPS.has(a.op) || a.values.length === 0) return false;
  if (a.opts?.missingAs !== c.opts?.missingAs || a.opts?.nullAsMissing !== c.opts?.nullAsMissing || a.opts?.listMatch) return false;
  // a non-empty string / non-zero number / True value can only be equal to (or contained in) a truthy value
  return a.values.every((v) => (typeof v === 'string' && v !== '') || (typeof v === 'number' && v !== 0) || v === true);
}

/** Map a tree's leaves to expressions and combine them along the paths. */
export function treeExpr(t: Tree, f: (v: AV) => Expr | undefined): Expr | undefined {
  switch (t.t) {
    case 'leaf':
      return f(t.v);
    case 'none':
      return undefined;
    case 'if':
      return ite(t.c, treeExpr(t.then, f), treeExpr(t.else, f));
  }
}

/** The single value of a tree when it has one leaf (or all leaves are the same object). */
export function treeValue(t: Tree): AV {
  const ls = treeLeaves(t);
  if (ls.length === 1) return ls[0]!;
  if (ls.length > 1 && ls.every((l) => l === ls[0])) return ls[0]!;
  if (ls.length === 0) return NONE;
  return { k: 'cond', tree: t };
}

export function treeLeaves(t: Tree, out: AV[] = []): AV[] {
  if (t.t === 'leaf') out.push(t.v);
  else if (t.t === 'if') {
    treeLeaves(t.then, out);
    treeLeaves(t.else, out);
  }
  return out;
}

export function opaqueExpr(v: Extract<AV, { k: 'opaque' }>): Opaque {
  return opaque(v.text, v.reason, v.span);
}

/** Python truthiness of a value, as a condition. */
export function truthy(v: AV): Expr {
  switch (v.k) {
    case 'const':
      return { kind: 'const', value: v.v !== null && v.v !== false && v.v !== 0 && v.v !== '' };
    case 'seq':
      return { kind: 'const', value: v.items.length > 0 };
    case 'dict':
      return { kind: 'const', value: v.entries.length > 0 };
    case 'field':
      return fpred(v, 'is_not_null', [], { truthy: true, ...missingOpts(v) }, v.span);
    case 'bool':
      return v.e;
    case 'logic':
      return v.op === 'and' ? and(...v.args.map(truthy)) : or(...v.args.map(truthy));
    case 'cond':
      return treeExpr(v.tree, truthy) ?? { kind: 'const', value: false };
    case 'regex':
    case 'func':
    case 'module':
    case 'method':
    case 'ipconst':
      return { kind: 'const', value: true };
    case 'extern':
      return opaque(v.name, `truth value of ${v.name} from ${v.module}, a library outside the repository`);
    case 'opaque':
      return opaqueExpr(v);
  }
}

/** Python `a or b` / `a and b` as a conditional value (for use as a value, not a condition). */
export function logicAsCond(v: Extract<AV, { k: 'logic' }>): AV {
  // each term adds a level to the tree of conditional values (walked recursively): a long chain used as a value
  // is opaque, as a function with too many paths is
  if (v.args.length > PY_LIMITS.maxPaths) return opaqueAV(`<${v.args.length} values joined by ${v.op}>`, `the value of a chain of more than ${PY_LIMITS.maxPaths} \`${v.op}\` terms`);
  let acc = v.args[v.args.length - 1]!;
  for (let i = v.args.length - 2; i >= 0; i--) {
    const a = v.args[i]!;
    const c = truthy(a);
    acc = { k: 'cond', tree: v.op === 'or' ? { t: 'if', c, then: leaf(a), else: valueTree(acc) } : { t: 'if', c, then: valueTree(acc), else: leaf(a) } };
  }
  return acc;
}

export function valueTree(v: AV): Tree {
  return v.k === 'cond' ? v.tree : leaf(v);
}

/** A constant Python value as a model value, when it is a scalar. */
export function scalarOf(v: AV): Scalar | undefined {
  return v.k === 'const' ? v.v : undefined;
}

/** A Python constant for display. */
export function pyRepr(v: AV): string {
  switch (v.k) {
    case 'const':
      return v.v === null ? 'None' : v.v === true ? 'True' : v.v === false ? 'False' : typeof v.v === 'string' ? JSON.stringify(v.v) : String(v.v);
    case 'seq':
      return `[${v.items.map(pyRepr).join(', ')}]`;
    case 'dict':
      return `{${v.entries.map((e) => `${pyRepr(e.key)}: ${pyRepr(e.value)}`).join(', ')}}`;
    case 'field':
      return renderOperand(fieldName(v), v.derived);
    default:
      return `<${v.k}>`;
  }
}

/** Deep structural equality of two constant values (for `==` between constants and dedup of sets). */
export function constEquals(a: AV, b: AV): boolean | undefined {
  if (a.k === 'const' && b.k === 'const') {
    const x = typeof a.v === 'boolean' ? Number(a.v) : a.v;
    const y = typeof b.v === 'boolean' ? Number(b.v) : b.v;
    return x === y;
  }
  if (a.k === 'seq' && b.k === 'seq') {
    if (a.t !== b.t || a.items.length !== b.items.length) return a.t !== b.t ? false : a.items.length === b.items.length ? undefined : false;
    for (let i = 0; i < a.items.length; i++) {
      const r = constEquals(a.items[i]!, b.items[i]!);
      if (r !== true) return r;
    }
    return true;
  }
  if ((a.k === 'const' && (b.k === 'seq' || b.k === 'dict')) || (b.k === 'const' && (a.k === 'seq' || a.k === 'dict'))) return false;
  return undefined;
}

/** A value without spans and function nodes, for comparing two values structurally. */
export function stripForCompare(v: AV): unknown {
  return JSON.parse(
    JSON.stringify(v, (k, x) => (k === 'span' ? undefined : k === 'fn' && x && typeof x === 'object' ? `${(x as FuncRef).module.name}.${(x as FuncRef).name}` : x)),
  );
}

/** A None constant (a branch that raises AttributeError / TypeError when used as an object). */
export function isNone(v: AV): boolean {
  return v.k === 'const' && v.v === null;
}

/** A dict's entries with `e` set (replacing the entry of the same constant key). */
export function setEntry(entries: DictEntry[], e: DictEntry): DictEntry[] {
  const i = e.key.k === 'const' ? entries.findIndex((x) => x.key.k === 'const' && x.key.v === (e.key as { v: Scalar }).v) : -1;
  if (i < 0) return [...entries, e];
  const out = [...entries];
  out[i] = e;
  return out;
}

/** `or` of the truthiness of values (any), `and` (all). */
export function anyAll(kind: 'any' | 'all', items: readonly AV[]): Expr {
  return kind === 'any' ? or(...items.map(truthy)) : and(...items.map(truthy));
}
