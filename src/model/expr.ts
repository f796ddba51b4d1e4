/**
 * The boolean expression language every adapter lowers its rule logic into (DESIGN.md §3).
 *
 * Trees are immutable plain objects (JSON-serializable, no parent pointers); builders below return
 * new nodes and never mutate. What an adapter cannot express becomes `opaque` with its verbatim
 * text and a reason, never a guess.
 */
import type { Span } from './span.ts';

/**
 * One operator vocabulary for all languages. The exact semantics of each (and which source constructs map
 * to it) are in {@link OPERATOR_FACTS}; evaluation lives in `evaluate.ts`.
 */
export const OPERATORS = [
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'in',
  'contains',
  'starts_with',
  'ends_with',
  'wildcard',
  'regex',
  'has',
  'cidr',
  'is_null',
  'is_not_null',
] as const;
export type Operator = (typeof OPERATORS)[number];

/** A reference to another field of the same event, as a comparison value (Sigma `fieldref`, KQL `a == b`). */
export interface FieldRef {
  readonly kind: 'field';
  readonly field: string;
  /** The value the field takes when missing (Python `event.get("x", "")`); with nullAsMissing also when null. */
  readonly missingAs?: string | number | boolean;
  readonly nullAsMissing?: boolean;
  /** A value computed from the field (a transform chain), as a predicate's derived operand. */
  readonly derived?: Derived;
}

/** Values keep their types: numbers are not strings, null is null. */
export type Value = string | number | boolean | null | FieldRef;

/** A comparison value that is another field of the event (`FieldRef`), not a constant. */
export const isFieldRef = (v: Value): v is FieldRef => v !== null && typeof v === 'object';

/**
 * Transforms that compute a derived value from a field (issue 19): the operand of a predicate may be a field or
 * a chain of these over a field (`json(requestParameters.policyDocument).Statement[*].Effect`). Their arguments,
 * meaning per language and failure behaviour are data in `TRANSFORM_FACTS` (`src/model/transformFacts.ts`);
 * evaluation is in `derive.ts`.
 */
export const TRANSFORMS = [
  'json',
  'get',
  'item',
  'elements',
  'split',
  'argv',
  'lower',
  'upper',
  'trim',
  'len',
  'array_len',
  'bytes',
  'int',
  'float',
  'str',
  'tostring',
  'substring',
  'slice',
  'extract',
  'parse',
  'dissect',
  'strcat',
  'replace',
  'base64decode',
  'urldecode',
  'ipaddress',
  'levenshtein',
  'ifmatch',
  'substr_count',
  'regex_count',
  'bin',
  'type',
] as const;
export type TransformName = (typeof TRANSFORMS)[number];

/** One element of a KQL `parse` pattern: a literal delimiter, `*` (skip), or a column with its type (`user:long`). */
export type ParsePart = { readonly lit: string } | { readonly star: true } | { readonly col: string; readonly type?: string };

/** The empty object `{}` as a transform argument (a `get` default: Python `.get("k", {})`). */
export interface EmptyObject {
  readonly empty: 'object';
}

/**
 * An argument of a transform step: a value (a field reference in `strcat`), a list of values (`[]` as a default),
 * the empty object, a parse pattern, or the steps `ifmatch` applies where its regex matches.
 */
export type TransformArg = Value | readonly Value[] | readonly ParsePart[] | EmptyObject | readonly TransformStep[];

/** One step of a derivation: the transform and its arguments (see TRANSFORM_FACTS for each one's arguments). */
export interface TransformStep {
  readonly fn: TransformName;
  readonly args?: readonly TransformArg[];
}

/**
 * A value computed from the predicate's field: `steps` applied in order to the field's value (after the field's
 * `missingAs`). `lang` says whose semantics apply where the languages differ (Python `int("x")` raises, KQL
 * `toint("x")` is null; Python `type()` names `str`, KQL `gettype()` names `string`). A step that fails (bad JSON, a
 * missing key, a type error) makes the value null (`onError: 'null'`, the default: KQL, and what Python code guarded
 * by `try`/`except` sees; a predicate on it is evaluated as on a missing value with loose typing, so an ordering is
 * false rather than a type error) or the predicate unknown (`onError: 'unknown'`: the Python exception propagates).
 * ES|QL (`esql`) and SPL's eval (`spl`) read a value as EQL does, but their string functions on a multi-valued field
 * (a list) are unknown: most give null there, some (by version) each value's result.
 */
export interface Derived {
  readonly steps: readonly TransformStep[];
  readonly lang?: 'python' | 'kql' | 'eql' | 'esql' | 'spl';
  readonly onError?: 'null' | 'unknown';
}

/** Transforms applied to each pattern value before matching (Sigma modifiers). */
export type ValueTransform = 'base64' | 'base64offset' | 'utf16le' | 'utf16be' | 'wide' | 'windash';

/**
 * Options that refine an operator. Every option that changes the meaning is explicit, so that
 * `has_all` stays "all", `=~` stays case-insensitive, and Python truthiness stays truthiness.
 */
export interface PredicateOptions {
  /**
   * Case-sensitive comparison of strings. Default per operator: see OPERATOR_FACTS `defaultCaseSensitive`.
   * Adapters always set it explicitly when the source language says.
   */
  readonly cs?: boolean;
  /** With several values: does one (`any`, default) or every one (`all`: Sigma `|all`, KQL `has_all`) need to hold. */
  readonly match?: 'any' | 'all';
  /**
   * When the field's value is a list: does the predicate hold if any element satisfies it (`any`, Sigma and KQL
   * dynamic arrays), or is the list compared as a whole (`whole`, Python `==`). Default `any` for string
   * operators, `whole` for eq/ne with `strict` typing.
   */
  readonly listMatch?: 'any' | 'whole';
  /**
   * Python truthiness for is_null / is_not_null: `is_not_null` with `truthy` holds when the value is truthy
   * (not None, "", 0, False, [], {}); `is_null` with `truthy` holds when it is falsy (or absent).
   */
  readonly truthy?: boolean;
  /**
   * KQL `isempty` / `isnotempty`: is_null also holds for the empty string (and is_not_null needs a non-empty
   * value), but not for 0 or false as Python truthiness would. KQL string columns are never null, only empty.
   */
  readonly empty?: boolean;
  /**
   * Strict typing (Python): 5 == "5" is false, and ordering a missing value is an error (unknown).
   * Loose typing (Sigma, KQL dynamic, SPL): numbers and numeric strings compare as numbers.
   */
  readonly typing?: 'strict' | 'loose';
  /** Regex flags (i, m, s) and anchoring: Python `re.match` anchors at the start, `re.fullmatch` at both ends. */
  readonly flags?: string;
  readonly anchor?: 'start' | 'full';
  /** Sigma value transforms applied to the pattern values, in order. */
  readonly transforms?: readonly ValueTransform[];
  /**
   * The value a missing field takes (Python `event.get("x", "")`, `deep_get(..., default=[])`). Without it a
   * missing field is absent (None / null).
   */
  readonly missingAs?: Value;
  /**
   * With `missingAs`: a field present with a null value takes `missingAs` too (Panther `deep_get(..., default=x)`
   * returns x for None; plain `dict.get("k", x)` returns None for a null value and does not set this).
   */
  readonly nullAsMissing?: boolean;
  /**
   * For `has`: which end of a term the value must line up with. `whole` (default): a whole term (KQL `has`);
   * `prefix`: the start of a term (KQL `hasprefix`); `suffix`: the end of a term (KQL `hassuffix`).
   */
  readonly term?: 'whole' | 'prefix' | 'suffix';
  /**
   * Wildcard syntax of `wildcard` patterns: Sigma `*` `?` with `\` escapes (default), SQL LIKE `%` `_`, `plain`
   * `*` `?` where a backslash is an ordinary character (EQL `:` and `like`: `"C:\\Windows\\*"` ends in a wildcard), or
   * SPL (`spl`: `*` is the only wildcard; `?` and `\` are literal, quotes already unescaped by the SPL parser).
   */
  readonly wildcard?: 'sigma' | 'like' | 'plain' | 'spl';
  /**
   * SQL-style null (Sublime MQL): when the field, or a field compared against, is missing or null, the predicate
   * is null rather than true or false, and null propagates through and/or/not as Kleene logic does (a rule whose
   * result is null does not match). Evaluation reports such a predicate as unknown.
   */
  readonly nulls?: 'propagate';
}

export interface Predicate {
  readonly kind: 'pred';
  /**
   * Dotted path as the rule's data model names it, native spelling kept (`requestParameters.policyDocument`). With
   * `derived`, the field the derivation starts from.
   */
  readonly field: string;
  /** The operand is a value computed from `field` (a transform chain), not the field itself. Absent: the field. */
  readonly derived?: Derived;
  readonly op: Operator;
  /** Zero values for is_null / is_not_null; one for most; several for `in` or a list with `match`. */
  readonly values: readonly Value[];
  readonly opts?: PredicateOptions;
  /** Where in the source this predicate came from. */
  readonly span?: Span;
}

export interface And {
  readonly kind: 'and';
  readonly args: readonly Expr[];
  /** A name the source gives this group (a Sigma selection name). */
  readonly name?: string;
}
export interface Or {
  readonly kind: 'or';
  readonly args: readonly Expr[];
  readonly name?: string;
}
export interface Not {
  readonly kind: 'not';
  readonly arg: Expr;
}

/**
 * A quantifier over named sub-expressions, kept as written: Sigma `1 of filter_*`, `all of them`,
 * YARA-L / MQL `any of` lists. `count` of the `items` must hold (`all`: every one).
 */
export interface Quantifier {
  readonly kind: 'quant';
  readonly count: number | 'all';
  /** The selector as the source wrote it (`filter_*`, `them`, `selection_*`). */
  readonly selector: string;
  readonly items: readonly { readonly name: string; readonly expr: Expr }[];
}

/** Source the adapter could not express, kept verbatim. Evaluates to unknown. */
export interface Opaque {
  readonly kind: 'opaque';
  readonly text: string;
  readonly reason: string;
  readonly span?: Span;
  /** A test of membership in a named list the catalog does not hold: what it is once the list's values are given. */
  readonly list?: ListTest;
  /**
   * A part that reads a host's state when an analyst runs it (an Elastic hunt's osquery SQL over the host's tables), not
   * events: no event satisfies it, so over events (`overEvents`: the hunt, `detwiki eval`) it is false, not unknown.
   */
  readonly readsHost?: true;
}

/**
 * A test of membership in a named list whose values live outside the rule (MQL `sender.email.domain.root_domain in
 * $org_domains`, a Sigma `|expand` placeholder `%Admins_Workstations%`). The rule stays partial; given the list
 * (`detwiki hunt --lists`, `bindLists` in `lists.ts`), the opaque part becomes `pred` with the list's values (negated
 * with `negated`).
 */
export interface ListTest {
  /** The list's name as the rule writes it, without its sigil (`org_domains`, `Admins_Workstations`). */
  readonly name: string;
  /** The test, with no values: the list's values go in `values`. */
  readonly pred: Predicate;
  readonly negated?: boolean;
  /**
   * The value as written around the list's value (`*%Admins_Workstations%*` for Sigma `|contains|expand`,
   * `.%file_extensions_executables%` for MQL `strings.concat(".", .)`): each list value takes the place of `%name%`
   * in it, and the result is the predicate's value (for Sigma a wildcard pattern, as pySigma reads a placeholder's
   * values). Absent: the list's values are the predicate's values as they are.
   */
  readonly template?: string;
  /**
   * The list's values are records, and the test is of this path in each (`display_name` of each VIP of MQL
   * `any($org_vips, strings.icontains(sender.display_name, .display_name))`); records without it add no value.
   */
  readonly item?: string;
}

/** The count comparison of an {@link Each}: how many elements satisfy the expression, compared to `value`. */
export interface ElementCount {
  readonly op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
  readonly value: number;
}

/**
 * A quantifier over the elements of an array field: MQL `any(xs, p)`, `all(xs, p)`, `length(filter(xs, p)) > n`.
 * Inside `expr`, a field that starts with `.` is relative to an element: `.x` is the innermost element's `x`, `.`
 * the element itself, `..x` the enclosing element's `x` (MQL's outer loop item); any other field is the event's.
 * Nested as deep as the source nests them. `quant`: `any` (some element satisfies expr), `all` (every element
 * does; true for an empty array), or a count comparison. With `expr` always true and a string value, the count is
 * the string's length in code points (MQL `length` of a string). A missing or null array: with
 * `nulls: 'propagate'` the node is null (unknown), otherwise it is an empty array.
 */
export interface Each {
  readonly kind: 'each';
  readonly quant: 'any' | 'all' | ElementCount;
  /** Path of the array (relative when inside another `each`). */
  readonly array: string;
  /** The array is computed from the `array` field (`json(x).Statement`), as a predicate's derived operand. */
  readonly derived?: Derived;
  /** With `derived`: the value a missing `array` field takes before the derivation (Python `event.get("x", "{}")`). */
  readonly missingAs?: Value;
  /**
   * How a value that is not an array is iterated. Default: as one element. `python`: an object gives its keys and a
   * string its characters (a Python `for` loop), a number or boolean is no element (Python raises TypeError:
   * unknown).
   */
  readonly iterate?: 'python';
  /** The elements are taken one per distinct key value (MQL `distinct(xs, key)`, see {@link DistinctBy}). */
  readonly distinct?: DistinctBy;
  readonly expr: Expr;
  readonly nulls?: 'propagate';
  readonly span?: Span;
}

/**
 * MQL `distinct(xs, key)`: the elements grouped by the key's value, one element kept of each group. Which one MQL
 * keeps, its documentation does not say: a result that depends on it is unknown. `key` is a path relative to the
 * element (`.`: the element itself) or a condition on it (`.x is not null`: its truth is the value). A key that is
 * missing, null, an object or an array, or a condition that is unknown, puts its element in no certain group: it
 * may be its own group, another's, or none. With a count, `expr` chooses the elements before they are grouped and
 * the count is the number of groups (`length(distinct(filter(xs, p), .k))`: p is `expr`); with `any` and `all`,
 * `expr` is tested on the kept elements.
 */
export interface DistinctBy {
  readonly key: string | Expr;
}

export interface Const {
  readonly kind: 'const';
  readonly value: boolean;
}

export type Expr = And | Or | Not | Predicate | Quantifier | Each | Opaque | Const;

/** Exhaustiveness check for closed switches over tagged unions. */
export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}

// ---------- builders (return new nodes, flatten, fold constants) ----------

export const TRUE: Const = { kind: 'const', value: true };
export const FALSE: Const = { kind: 'const', value: false };

export function pred(field: string, op: Operator, values: readonly Value[] = [], opts?: PredicateOptions, span?: Span, derived?: Derived): Predicate {
  const p: { -readonly [K in keyof Predicate]: Predicate[K] } = { kind: 'pred', field, op, values };
  if (derived && derived.steps.length) p.derived = derived;
  if (opts && Object.keys(opts).length) p.opts = opts;
  if (span) p.span = span;
  return p;
}

/** The field a transform argument refers to (`{kind: 'field', field}`), if it is a field reference. */
export function fieldRefOf(a: TransformArg | undefined): string | undefined {
  return a !== null && typeof a === 'object' && !Array.isArray(a) && 'kind' in a && a.kind === 'field' ? a.field : undefined;
}

/** Field references among a derivation's arguments (`strcat(a, "-", field(b))` reads b). */
export function derivedFields(d: Derived | undefined): string[] {
  const out: string[] = [];
  if (!d) return out;
  const visit = (a: TransformArg): void => {
    if (Array.isArray(a)) for (const x of a as readonly unknown[]) visit(x as TransformArg);
    else {
      const f = fieldRefOf(a);
      if (f !== undefined) out.push(f);
    }
  };
  for (const s of d.steps) for (const a of s.args ?? []) visit(a);
  return out;
}

export function opaque(text: string, reason: string, span?: Span, list?: ListTest): Opaque {
  const o: Opaque = span ? { kind: 'opaque', text, reason, span } : { kind: 'opaque', text, reason };
  return list ? { ...o, list } : o;
}

/** Conjunction; flattens nested ands, drops `true`, folds `false`, keeps one of repeated presence tests (`presenceKey`). */
export function and(...args: Expr[]): Expr {
  const out: Expr[] = [];
  /** The presence tests already in `out` (see `presenceKey`). */
  let present: Set<string> | undefined;
  const add = (a: Expr): void => {
    const key = presenceKey(a);
    if (key !== undefined) {
      if (present?.has(key)) return;
      (present ??= new Set()).add(key);
    }
    out.push(a);
  };
  for (const a of args) {
    if (a.kind === 'const') {
      if (!a.value) return FALSE;
      continue;
    }
    if (a.kind === 'and' && a.name === undefined) for (const x of a.args) add(x);
    else add(a);
  }
  if (out.length === 0) return TRUE;
  if (out.length === 1) return out[0]!;
  return { kind: 'and', args: out };
}

/**
 * A presence test (`field is_not_null`, on the field itself) as a key: written twice in one conjunction it holds
 * once. SPL's `dest_ip!=10.0.0.0/8 dest_ip!=172.16.0.0/12` requires `dest_ip` at each term, and the condition listed
 * `dest_ip is_not_null` once per term. Other predicates stay as written, repeated or not.
 */
function presenceKey(e: Expr): string | undefined {
  if (e.kind !== 'pred' || e.op !== 'is_not_null' || e.derived !== undefined || e.values.length) return undefined;
  return e.opts ? `${e.field}\u0000${JSON.stringify(e.opts)}` : e.field;
}

/** Disjunction; flattens nested ors, drops `false`, folds `true`. */
export function or(...args: Expr[]): Expr {
  const out: Expr[] = [];
  for (const a of args) {
    if (a.kind === 'const') {
      if (a.value) return TRUE;
      continue;
    }
    if (a.kind === 'or' && a.name === undefined) out.push(...a.args);
    else out.push(a);
  }
  if (out.length === 0) return FALSE;
  if (out.length === 1) return out[0]!;
  return { kind: 'or', args: out };
}

/** Negation; removes double negation and folds constants. */
export function not(arg: Expr): Expr {
  if (arg.kind === 'const') return arg.value ? FALSE : TRUE;
  if (arg.kind === 'not') return arg.arg;
  return { kind: 'not', arg };
}

/**
 * `e` with each node below its ands, ors and nots (a predicate, an opaque part, a quantifier…) replaced by `f` of it;
 * the connectives are rebuilt (named groups keep their names).
 */
export function mapLeaves(e: Expr, f: (leaf: Exclude<Expr, { kind: 'and' | 'or' | 'not' }>) => Expr): Expr {
  switch (e.kind) {
    case 'and':
    case 'or': {
      const args = e.args.map((a) => mapLeaves(a, f));
      const out = e.kind === 'and' ? and(...args) : or(...args);
      return e.name !== undefined && (out.kind === 'and' || out.kind === 'or') ? { ...out, name: e.name } : out;
    }
    case 'not':
      return not(mapLeaves(e.arg, f));
    default:
      return f(e);
  }
}

/** `mapLeaves` that also goes into the parts of an `N of` (`quant`); an `each` is a leaf (its element fields are its own). */
export function mapEachLeaf(e: Expr, f: (leaf: Exclude<Expr, { kind: 'and' | 'or' | 'not' | 'quant' }>) => Expr): Expr {
  return mapLeaves(e, (x) => (x.kind === 'quant' ? { ...x, items: x.items.map((i) => ({ name: i.name, expr: mapEachLeaf(i.expr, f) })) } : f(x)));
}

/**
 * A condition as it reads events: its parts that read a host's state instead (`Opaque.readsHost`) are false, since
 * no event satisfies them. The same condition when it has none.
 */
export function overEvents(e: Expr): Expr {
  let has = false;
  const out = mapEachLeaf(e, (x) => (x.kind === 'opaque' && x.readsHost ? ((has = true), FALSE) : x));
  return has ? out : e;
}

/** Attach a source name (Sigma selection) to a group. */
export function named(name: string, e: Expr): Expr {
  if (e.kind === 'and' || e.kind === 'or') return { ...e, name };
  return { kind: 'and', args: [e], name };
}

/**
 * Every predicate and opaque leaf of a tree, in order. Predicates inside an {@link Each} are listed with their
 * element-relative fields made absolute (`.file_extension` over `attachments` is `attachments[].file_extension`).
 */
export function leaves(e: Expr, scopes: readonly string[] = []): (Predicate | Opaque)[] {
  const out: (Predicate | Opaque)[] = [];
  collectLeaves(e, scopes, out);
  return out;
}

function collectLeaves(e: Expr, scopes: readonly string[], out: (Predicate | Opaque)[]): void {
  switch (e.kind) {
    case 'pred':
      out.push(scopes.length ? absolutePredicate(e, scopes) : e);
      return;
    case 'opaque':
      out.push(e);
      return;
    case 'and':
    case 'or':
      for (const a of e.args) collectLeaves(a, scopes, out);
      return;
    case 'not':
      collectLeaves(e.arg, scopes, out);
      return;
    case 'quant':
      for (const i of e.items) collectLeaves(i.expr, scopes, out);
      return;
    case 'each':
      collectLeaves(e.expr, [...scopes, absoluteField(e.array, scopes)], out);
      return;
    case 'const':
      return;
    default:
      assertNever(e, 'expression');
  }
}

/** Leading dots of an element-relative field (`.x` 1, `..x` 2); 0 for an event field. */
export function relativeDepth(field: string): number {
  let n = 0;
  while (n < field.length && field[n] === '.') n++;
  return n;
}

/**
 * An element-relative field made absolute against the enclosing arrays (innermost last): `.x` inside
 * `attachments` is `attachments[].x`, `.` is `attachments[]`. Event fields are returned unchanged.
 */
export function absoluteField(field: string, scopes: readonly string[]): string {
  const n = relativeDepth(field);
  if (n === 0) return field;
  const base = scopes[scopes.length - n];
  const rest = field.slice(n);
  const el = `${base ?? '?'}[]`;
  return rest ? `${el}.${rest}` : el;
}

/** A predicate with its element-relative fields (and field values) made absolute, see {@link absoluteField}. */
export function absolutePredicate(p: Predicate, scopes: readonly string[]): Predicate {
  // the same values array when none is a field reference (a named list's million values are not copied)
  const values = p.values.some(isFieldRef) ? p.values.map((v) => (isFieldRef(v) ? { ...v, field: absoluteField(v.field, scopes) } : v)) : p.values;
  return pred(absoluteField(p.field, scopes), p.op, values, p.opts, p.span, p.derived);
}

/** Whether an opaque part is anywhere in the expression (a walk: no leaf is copied). */
export function containsOpaque(e: Expr): boolean {
  switch (e.kind) {
    case 'opaque':
      return true;
    case 'pred':
    case 'const':
      return false;
    case 'and':
    case 'or':
      return e.args.some(containsOpaque);
    case 'not':
      return containsOpaque(e.arg);
    case 'quant':
      return e.items.some((i) => containsOpaque(i.expr));
    case 'each':
      return containsOpaque(e.expr);
    default:
      return assertNever(e, 'expression');
  }
}

/** Field names referenced by an expression (including field references in values). */
export function fieldsOf(e: Expr): string[] {
  const s = new Set<string>();
  for (const l of leaves(e)) {
    if (l.kind !== 'pred') continue;
    s.add(l.field);
    for (const v of l.values) if (isFieldRef(v)) s.add(v.field);
    for (const f of derivedFields(l.derived)) s.add(f);
  }
  return [...s];
}

/** Structural equality ignoring spans (locations are left out of equality). */
export function exprEquals(a: Expr, b: Expr): boolean {
  return JSON.stringify(stripSpans(a)) === JSON.stringify(stripSpans(b));
}

export function stripSpans(e: Expr): Expr {
  switch (e.kind) {
    case 'pred': {
      const { span: _s, ...rest } = e;
      return rest;
    }
    case 'opaque': {
      const { span: _s, ...rest } = e;
      return rest;
    }
    case 'and':
    case 'or':
      return { ...e, args: e.args.map(stripSpans) };
    case 'not':
      return { kind: 'not', arg: stripSpans(e.arg) };
    case 'quant':
      return { ...e, items: e.items.map((i) => ({ name: i.name, expr: stripSpans(i.expr) })) };
    case 'each': {
      const { span: _s, ...rest } = e;
      return { ...rest, expr: stripSpans(e.expr) };
    }
    case 'const':
      return e;
    default:
      return assertNever(e, 'expression');
  }
}
