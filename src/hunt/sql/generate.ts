/**
 * The SQL generator: a rule's condition (model `Expr`) as one three-valued SQL boolean over an event's resolved
 * field values, with each operator's meaning exactly as `evaluate.ts` computes it (OPERATOR_FACTS): loose and
 * strict typing, case sensitivity (`lower()` on both sides), Sigma / SQL / EQL / SPL wildcards as escaped LIKE
 * patterns (RE2 with `(?is)` for a case-insensitive non-ASCII pattern, as in process), RE2 regexes with the rule's
 * flags and anchoring, IPv4 CIDR ranges, Python truthiness, KQL `has` terms, list fields (any element), missing
 * fields and nulls. TRUE fires, FALSE does not, NULL may fire (unknown), combined by SQL's Kleene AND / OR / NOT
 * exactly as `and3` / `or3` / `not3`.
 *
 * What SQL does not express becomes NULL (unknown), never FALSE: opaque parts, a regex RE2 rejects (or the engine
 * rejects: `regexOk`), a glob or regex over a value longer than the in-process bound (LIMITS.maxRegexInput), an
 * IPv6 CIDR range, field references other than (in)equality, and nested lists inside list fields.
 */
import { applyTransform, predicateOnValue, resolveDotted, wildcardToRegex } from '../../model/evaluate.ts';
import { assertNever, relativeDepth, type DistinctBy, type ElementCount, type Expr, type Predicate, type PredicateOptions, type Value } from '../../model/expr.ts';
import { OPERATOR_FACTS } from '../../model/operators.ts';
import { renderExpr, renderPredicate } from '../../model/render.ts';
import { compileRegex } from '../../model/regex.ts';
import { LIMITS } from '../../model/diagnostics.ts';
import { DUCKDB, type SqlDialect } from './dialects.ts';
import { fieldSql, Names, type EventColumns, type ResolverKind } from './fields.ts';
import { derivedExpressed, derivedSql, onPairSql, writtenAsText, type DeriveEnv } from './derive.ts';
import type { Derived } from '../../model/expr.ts';
import { ASCII } from '../../model/ascii.ts';

export interface GenContext {
  readonly d: SqlDialect;
  /** SQL of an event field's resolved value (a column of the query, or the resolver's expression). */
  readonly field: (name: string) => string;
  /** The resolver of the rule (for element-relative fields inside `each`). */
  readonly kind: ResolverKind;
  /** Columns holding a field column's scalar text and its lower-cased text (computed once per event). */
  readonly columnText?: (x: string) => { readonly text: string; readonly lower: string; readonly type: string } | undefined;
  /** Can the engine run this (already RE2-checked) regex? Default: yes. */
  readonly regexOk?: (pattern: string) => boolean;
  readonly names?: Names;
  /**
   * A column holding a derivation's pair, computed once per event (the batch query's), by a key of what it derives
   * from; `make` gives its SQL the first time. Without it, a derivation is written where it is tested.
   */
  readonly derivedColumn?: (key: string, make: () => string) => string;
}

interface Ctx extends GenContext {
  readonly names: Names;
  /** Element variables of enclosing `each` nodes (innermost last). */
  readonly scopes: readonly string[];
}

/** A rule's condition as an SQL boolean (TRUE / FALSE / NULL). */
export function exprSql(e: Expr, ctx: GenContext): string {
  const base = ctx.d;
  const col = ctx.columnText;
  // a field column's JSON type and text are columns too (computed once per event)
  const d: SqlDialect = col
    ? { ...base, is: (x, k) => (col(x) ? base.typeIs(col(x)!.type, k) : base.is(x, k)), text: (x) => col(x)?.text ?? base.text(x) }
    : base;
  return gen(e, { ...ctx, d, names: ctx.names ?? new Names(), scopes: [] });
}

function gen(e: Expr, c: Ctx): string {
  const d = c.d;
  switch (e.kind) {
    case 'const':
      return e.value ? d.TRUE : d.FALSE;
    case 'opaque':
      return d.NULL_BOOL;
    case 'not':
      return `(NOT ${gen(e.arg, c)})`;
    case 'and':
    case 'or':
      return `(${e.args.map((a) => gen(a, c)).join(e.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'quant': {
      const items = e.items.map((i) => gen(i.expr, c));
      const need = e.count === 'all' ? items.length : e.count;
      if (need <= 0) return d.TRUE;
      if (need > items.length) return d.FALSE;
      if (need === items.length) return `(${items.join(' AND ')})`;
      if (need === 1) return `(${items.join(' OR ')})`;
      return countCase(d, items, { op: 'ge', value: need });
    }
    case 'pred':
      if (valueSideUnexpressed(e, d)) return d.NULL_BOOL;
      if (!e.derived) return predSql(e, c);
      {
        const pair = derivedPair(c, e.derived, e.field, e.opts?.missingAs, e.opts?.nullAsMissing === true, () => rawOf(e, c));
        return pair === undefined ? d.NULL_BOOL : onPairSql(d, pair, c.names, (v) => predOn(e, v, c), onFailedChain(e, c));
      }
    case 'each':
      return eachExpressed(e, d) ? eachSql(e, c) : d.NULL_BOOL;
    default:
      return assertNever(e, 'expression');
  }
}

/** TRUE when the count of TRUE items certainly satisfies the comparison, FALSE when it cannot, else NULL. */
function countCase(d: SqlDialect, items: readonly string[], q: { op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'; value: number }): string {
  const t = items.map((i) => `(CASE WHEN ${i} THEN 1 ELSE 0 END)`).join(' + ');
  const u = items.map((i) => `(CASE WHEN ${i} IS NULL THEN 1 ELSE 0 END)`).join(' + ');
  return countTruthSql(d, `(${t})`, `(${u})`, q);
}

/** Does every count in [t, t + u] satisfy the comparison (TRUE), none (FALSE), or some (NULL). */
function countTruthSql(d: SqlDialect, t: string, u: string, q: { op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'; value: number }): string {
  const lo = t;
  const hi = `(${t} + ${u})`;
  const v = q.value;
  // the set of counts satisfying the comparison is an interval (or its complement for ne)
  switch (q.op) {
    case 'ge':
      return `CASE WHEN ${lo} >= ${v} THEN TRUE WHEN ${hi} >= ${v} THEN NULL ELSE FALSE END`;
    case 'gt':
      return `CASE WHEN ${lo} > ${v} THEN TRUE WHEN ${hi} > ${v} THEN NULL ELSE FALSE END`;
    case 'le':
      return `CASE WHEN ${hi} <= ${v} THEN TRUE WHEN ${lo} <= ${v} THEN NULL ELSE FALSE END`;
    case 'lt':
      return `CASE WHEN ${hi} < ${v} THEN TRUE WHEN ${lo} < ${v} THEN NULL ELSE FALSE END`;
    case 'eq':
      return `CASE WHEN ${lo} = ${v} AND ${hi} = ${v} THEN TRUE WHEN ${lo} <= ${v} AND ${hi} >= ${v} THEN NULL ELSE FALSE END`;
    case 'ne':
      return `CASE WHEN ${lo} = ${v} AND ${hi} = ${v} THEN FALSE WHEN ${lo} <= ${v} AND ${hi} >= ${v} THEN NULL ELSE TRUE END`;
    default:
      return assertNever(q.op, 'count operator');
  }
  void d;
}

/** Kleene OR (any) of a list of booleans. */
function any3(d: SqlDialect, list: string, names: Names): string {
  const l = names.next('l');
  return d.let(list, l, d.any3(l));
}

/**
 * Kleene OR over the elements of a list: one pass, each element's truth coded 2 (TRUE), 1 (NULL), 0 (FALSE), the
 * largest code (0 for an empty list) read back through a list of the three truths. Each part is written once: a
 * `CASE x WHEN …` is expanded by the engine into a copy of `x` per branch (the element test four times).
 */
function anyOver(d: SqlDialect, list: string, e: string, body: string): string {
  const codes = d.map(list, d.lambda(e, `COALESCE(CAST(${body} AS INTEGER) * 2, 1)`));
  return `${d.list([d.FALSE, d.NULL_BOOL, d.TRUE])}[COALESCE(${d.listMax(codes)}, 0) + 1]`;
}

/** The value of a field: an event field, or an element-relative one inside `each`. */
function valueOf(field: string, c: Ctx): string {
  const n = relativeDepth(field);
  if (n === 0) return c.field(field);
  const base = c.scopes[c.scopes.length - n];
  if (base === undefined) return 'NULL';
  const rest = field.slice(n);
  if (!rest) return `CASE WHEN ${c.d.is(base, 'null')} THEN NULL ELSE ${base} END`;
  const kind: ResolverKind = c.kind === 'sigma' ? 'dotted' : c.kind;
  return fieldSql(c.d, kind, rest, { ev: base, win: 'NULL', ed: 'NULL', ud: 'NULL', sys: 'NULL' }, c.names);
}

/**
 * A quantifier SQL expresses: an array computed by a chain `derive.ts` writes (not `elements`), Python's iteration of
 * a text (its characters) or an object (its keys), a default for a missing array; in a dialect with derivations. Over
 * distinct key values (MQL `distinct`), a plain array (and a key SQL writes).
 */
function eachExpressed(e: Extract<Expr, { kind: 'each' }>, d: SqlDialect): boolean {
  if (e.distinct) return d.derive !== undefined && !e.derived && !e.iterate && e.missingAs === undefined && (typeof e.distinct.key === 'string' || sqlExpressesAll(e.distinct.key, d));
  if (!e.derived && !e.iterate && e.missingAs === undefined) return true;
  if (!d.derive) return false;
  if (e.missingAs !== undefined && e.missingAs !== null && typeof e.missingAs === 'object') return false;
  return !e.derived || derivedExpressed(e.derived);
}

function eachSql(e: Extract<Expr, { kind: 'each' }>, c: Ctx): string {
  const d = c.d;
  const arr = c.names.next('arr');
  const el = c.names.next('el');
  const inner = gen(e.expr, { ...c, scopes: [...c.scopes, el] });
  const l = c.names.next('l');
  const y = c.names.next('y');
  const t = d.listLength(d.filter(l, d.lambda(y, y)));
  const u = d.listLength(d.filter(l, d.lambda(y, `${y} IS NULL`)));
  const f = d.listLength(d.filter(l, d.lambda(y, `NOT ${y}`)));
  const q = e.quant;
  let overArray: string;
  if (e.distinct) overArray = typeof q === 'object' ? distinctCountSql(l, c, q) : distinctAnyAllSql(l, c, q);
  else if (q === 'any') overArray = `CASE WHEN ${t} > 0 THEN TRUE WHEN ${u} > 0 THEN NULL ELSE FALSE END`;
  else if (q === 'all') overArray = `CASE WHEN ${f} > 0 THEN FALSE WHEN ${u} > 0 THEN NULL ELSE TRUE END`;
  else overArray = countTruthSql(d, t, u, q);
  const empty = q === 'any' ? d.FALSE : q === 'all' ? d.TRUE : countTruthSql(d, '0', '0', q);
  const missing = e.nulls === 'propagate' ? d.NULL_BOOL : empty;
  // the elements, whatever the value: a list's; with Python's iteration a text's characters or an object's keys (a
  // number or a boolean raises: unknown); else the value alone. The element test is written once: a copy per branch
  // multiplied the SQL of nested quantifiers (a Panther rule's query was 514 KB)
  const D = d.derive;
  const ch = c.names.next('ch');
  const asJson = (list: string) => d.map(list, d.lambda(ch, D!.toJson(ch)));
  const iterated = e.iterate && D ? `WHEN ${d.is(arr, 'string')} THEN ${asJson(D.chars(d.text(arr)))} WHEN ${d.is(arr, 'object')} THEN ${asJson(d.keys(arr))} ` : '';
  const elements = `CASE WHEN ${d.is(arr, 'array')} THEN ${d.elements(arr)} ${iterated}ELSE ${d.list([arr])} END`;
  const raises = e.iterate ? `WHEN ${d.is(arr, 'number')} OR ${d.is(arr, 'boolean')} THEN ${d.NULL_BOOL} ` : '';
  // over distinct key values each element is the pair (its key's text, its truth)
  const perElement = e.distinct ? d.derive!.pair(distinctKeySql(e.distinct, { ...c, scopes: [...c.scopes, el] }), inner) : inner;
  let body = `CASE WHEN ${arr} IS NULL OR ${d.is(arr, 'null')} THEN ${missing} ${raises}ELSE ${d.let(d.map(elements, d.lambda(el, perElement)), l, overArray)} END`;
  if (typeof q === 'object' && e.expr.kind === 'const' && e.expr.value && !e.distinct) {
    body = `CASE WHEN ${d.is(arr, 'string')} THEN ${countTruthSql(d, d.length(d.text(arr)), '0', q)} ELSE ${body} END`;
  }
  // the array's default when missing (not when null), then its derivation (evaluate.ts, `each`)
  let raw = valueOf(e.array, c);
  if (e.missingAs !== undefined) raw = withDefault(d, raw, e.missingAs, false);
  if (!e.derived) return d.let(raw, arr, body);
  const pair = derivedPair(c, e.derived, e.array, e.missingAs, false, () => raw, 'each')!;
  const p = c.names.next('q');
  return d.let(pair, p, `CASE WHEN ${D!.state(p)} = 2 THEN ${d.NULL_BOOL} ELSE ${d.let(`CASE WHEN ${D!.state(p)} = 0 THEN ${D!.value(p)} ELSE ${D!.NULL_JSON} END`, arr, body)} END`);
}

/**
 * The text of an element's distinct key, as `evaluate.ts` groups them (typed: "s…", "n…", "b…"; a condition's truth);
 * NULL for a null or missing key (in no other value's group), `u` for a key that may be in any group (an object or a
 * list, an unknown condition).
 */
function distinctKeySql(dk: DistinctBy, c: Ctx): string {
  const d = c.d;
  const D = d.derive!;
  if (typeof dk.key !== 'string') {
    const k = c.names.next('k');
    return d.let(gen(dk.key, c), k, `CASE WHEN ${k} THEN 'btrue' WHEN NOT ${k} THEN 'bfalse' ELSE ${UNSURE_KEY} END`);
  }
  const v = c.names.next('v');
  return d.let(valueOf(dk.key, c), v, `CASE WHEN ${d.is(v, 'string')} THEN ${d.concatText([d.str('s'), d.text(v)])} WHEN ${d.is(v, 'number')} THEN ${d.concatText([d.str('n'), D.numberKey(v)])} WHEN ${d.is(v, 'boolean')} THEN ${d.concatText([d.str('b'), d.text(v)])} WHEN ${v} IS NULL OR ${d.is(v, 'null')} THEN NULL ELSE ${UNSURE_KEY} END`);
}

/** The key text of an element that may be in any group. */
const UNSURE_KEY = "'u'";

/** Is the pair `y`'s key in a certain group (neither null nor unsure)? */
function certainKey(D: NonNullable<SqlDialect['derive']>, y: string): string {
  return `${D.state(y)} IS NOT NULL AND ${D.state(y)} <> ${UNSURE_KEY}`;
}

/**
 * A count over distinct key values (the list `l` of pairs: key text, truth of `expr`): at least the keys of the
 * elements `expr` holds for, at most those of the elements it may hold for and one more for each of those whose key is
 * in no certain group (`evaluate.ts`, `distinctTruth`).
 */
function distinctCountSql(l: string, c: Ctx, q: ElementCount): string {
  const d = c.d;
  const D = d.derive!;
  const y = c.names.next('y');
  const certain = certainKey(D, y);
  const keysWhere = (cond: string) => D.distinctCount(d.map(d.filter(l, d.lambda(y, `${cond} AND ${certain}`)), d.lambda(y, D.state(y))));
  const lo = keysWhere(`${D.value(y)}`);
  const hi = `(${keysWhere(`${D.value(y)} IS NOT FALSE`)} + ${d.listLength(d.filter(l, d.lambda(y, `${D.value(y)} IS NOT FALSE AND NOT (${certain})`)))})`;
  return countTruthSql(d, `(${lo})`, `(${hi} - ${lo})`, q);
}

/**
 * `any` / `all` over one element of each key value, whichever (`evaluate.ts`, `distinctTruth`): the other truth when
 * every element gives it (or there is none); the deciding truth when a certain group's elements all give it and no
 * element of unsure key gives another; else NULL.
 */
function distinctAnyAllSql(l: string, c: Ctx, q: 'any' | 'all'): string {
  const d = c.d;
  const D = d.derive!;
  const y = c.names.next('y');
  const g = c.names.next('g');
  const decides = q === 'any' ? d.TRUE : d.FALSE;
  const other = q === 'any' ? d.FALSE : d.TRUE;
  const none = (cond: string) => `${d.listLength(d.filter(l, d.lambda(y, cond)))} = 0`;
  const keys = D.distinctList(d.map(d.filter(l, d.lambda(y, certainKey(D, y))), d.lambda(y, D.state(y))));
  const groupDecides = `${d.listLength(d.filter(keys, d.lambda(g, none(`${D.state(y)} = ${g} AND ${D.value(y)} IS NOT ${decides}`))))} > 0`;
  // the group test reads the list once per key: past DISTINCT_GROUP_ELEMENTS elements (a hostile event) it is not run
  return `CASE WHEN ${none(`${D.value(y)} IS NOT ${other}`)} THEN ${other} WHEN ${d.listLength(l)} > ${DISTINCT_GROUP_ELEMENTS} THEN ${d.NULL_BOOL} WHEN ${groupDecides} AND ${none(`${D.state(y)} = ${UNSURE_KEY} AND ${D.value(y)} IS NOT ${decides}`)} THEN ${decides} ELSE ${d.NULL_BOOL} END`;
}

/** Elements of a list past which SQL does not look for a deciding group (the test is quadratic); unknown instead. */
const DISTINCT_GROUP_ELEMENTS = 2000;

// ---------------- predicates ----------------

/** JavaScript `Number(s.trim())` when it is a finite-or-infinite number (the evaluator's `numeric`). */
function numericOf(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return undefined;
}

const num = (n: number) => (Number.isFinite(n) ? String(n) : n > 0 ? "CAST('inf' AS DOUBLE)" : "CAST('-inf' AS DOUBLE)");

/**
 * Whether SQL expresses every part of a condition whose in-process evaluation decides (in `d`): no derived operand
 * compared with, and every derivation's steps expressed. A derivation may still be unknown on some values (see
 * `derive.ts`).
 */
export function sqlExpressesAll(e: Expr, d: SqlDialect = DUCKDB): boolean {
  switch (e.kind) {
    case 'const':
    case 'opaque':
      return true;
    case 'not':
      return sqlExpressesAll(e.arg, d);
    case 'and':
    case 'or':
      return e.args.every((a) => sqlExpressesAll(a, d));
    case 'quant':
      return e.items.every((i) => sqlExpressesAll(i.expr, d));
    case 'pred':
      return !valueSideUnexpressed(e, d) && !refOpUnexpressed(e) && (e.derived === undefined || (d.derive !== undefined && derivedExpressed(e.derived, true)));
    case 'each':
      return eachExpressed(e, d) && sqlExpressesAll(e.expr, d);
    default:
      return assertNever(e, 'expression');
  }
}

/**
 * The parts of a condition SQL (in `d`) leaves unknown whatever the event, rendered (at most `max`): opaque parts,
 * derivations and comparisons it does not write. What it leaves unknown for some values only (`derive.ts`) is not
 * listed.
 */
export function sqlGaps(e: Expr, d: SqlDialect = DUCKDB, max = 5): string[] {
  const out: string[] = [];
  const walk = (x: Expr): void => {
    if (out.length >= max) return;
    switch (x.kind) {
      case 'const':
        return;
      case 'opaque':
        out.push(`${x.text.slice(0, 100)} (${x.reason})`);
        return;
      case 'not':
        walk(x.arg);
        return;
      case 'and':
      case 'or':
        for (const a of x.args) walk(a);
        return;
      case 'quant':
        for (const i of x.items) walk(i.expr);
        return;
      case 'pred':
        if (!sqlExpressesAll(x, d)) out.push(renderPredicate(x).slice(0, 160));
        return;
      case 'each':
        if (!eachExpressed(x, d)) out.push(renderExpr(x).slice(0, 160));
        else walk(x.expr);
        return;
      default:
        assertNever(x, 'expression');
    }
  };
  walk(e);
  return out;
}

/** Operators SQL writes against another field's value (`equals`, `stringRefTests`); the others leave it NULL. */
const REF_OPS: ReadonlySet<string> = new Set(['eq', 'in', 'ne', 'contains', 'starts_with', 'ends_with']);

/** Is the predicate compared with another field by an operator SQL does not write against one (`has`, an ordering…). */
function refOpUnexpressed(p: Predicate): boolean {
  return !REF_OPS.has(p.op) && p.values.some((v) => v !== null && typeof v === 'object');
}

/**
 * Is the predicate compared with another field's derived value or default that SQL does not express: a derivation
 * with a step `derive.ts` does not write, or in a dialect without derivations; either under `nulls: propagate`.
 */
function valueSideUnexpressed(p: Predicate, d: SqlDialect): boolean {
  return p.values.some((v) => {
    if (v === null || typeof v !== 'object') return false;
    if (v.derived === undefined && v.missingAs === undefined && !v.nullAsMissing) return false;
    if (p.opts?.nulls === 'propagate' || (v.missingAs !== null && typeof v.missingAs === 'object')) return true;
    return v.derived !== undefined && (d.derive === undefined || !derivedExpressed(v.derived));
  });
}

/**
 * The (state, value) pair of a derivation over a field (with its default), as SQL: at the top of a condition a
 * column of the batch (`GenContext.derivedColumn`), computed once per event whatever the number of tests of it (a
 * Panther helper inlined tests the same `json(x).user` a dozen times); inside a quantifier (element fields) inline.
 */
function derivedPair(c: Ctx, dv: Derived, field: string, missingAs: unknown, nullAsMissing: boolean, raw: () => string, as: 'value' | 'each' | 'ref' = 'value'): string | undefined {
  // several values (a spread) only where a predicate tests them (`onPairSql`)
  if (!c.d.derive || !derivedExpressed(dv, as === 'value')) return undefined;
  const make = (): string => derivedSql(c.d, dv, raw(), deriveEnv(c))!;
  if (c.scopes.length || !c.derivedColumn || relativeDepth(field) > 0) return make();
  return c.derivedColumn(JSON.stringify([c.kind, as, field, missingAs ?? null, nullAsMissing, dv]), make);
}

/** What a derivation reads from the generator's context (`derive.ts`). */
const deriveEnv = (c: Ctx): DeriveEnv => ({ names: c.names, ...(c.regexOk ? { regexOk: c.regexOk } : {}), field: (f) => valueOf(f, c) });

/**
 * A failed derivation is tested as a missing value with loose typing (evaluate.ts `predicateOnDerived`): without
 * another field among its values, a truth known here, written as a constant (half the SQL of the predicate).
 */
function onFailedChain(p: Predicate, c: Ctx): string {
  const loose: Predicate = p.opts?.typing === 'strict' ? { ...p, opts: { ...p.opts, typing: 'loose' } } : p;
  if (p.values.some((v) => v !== null && typeof v === 'object')) return predOn(loose, c.d.derive!.NULL_JSON, c);
  const t = predicateOnValue(loose, undefined, {}, resolveDotted);
  return t === true ? c.d.TRUE : t === false ? c.d.FALSE : c.d.NULL_BOOL;
}

/** The predicate's field value with its default (`missingAs`) applied: JSON, SQL NULL when missing. */
function rawOf(p: Predicate, c: Ctx): string {
  const o: PredicateOptions = p.opts ?? {};
  const raw = valueOf(p.field, c);
  if (o.missingAs === undefined || (o.missingAs !== null && typeof o.missingAs === 'object')) return raw;
  return withDefault(c.d, raw, o.missingAs, o.nullAsMissing === true);
}

/** A value with the default it takes when missing (and when null, with `nullAsMissing`). */
function withDefault(d: SqlDialect, raw: string, missingAs: Value, nullAsMissing: boolean): string {
  const lit = d.json(JSON.stringify(missingAs));
  return `CASE WHEN ${raw} IS NULL${nullAsMissing ? ` OR ${d.is(raw, 'null')}` : ''} THEN ${lit} ELSE ${raw} END`;
}

function predSql(p: Predicate, c: Ctx): string {
  return predOn(p, rawOf(p, c), c);
}

/** The predicate on a value `raw` (JSON, SQL NULL when missing). */
function predOn(p: Predicate, raw: string, c: Ctx): string {
  const d = c.d;
  const o: PredicateOptions = p.opts ?? {};
  const cs = o.cs ?? OPERATOR_FACTS[p.op].defaultCaseSensitive;
  const strict = o.typing === 'strict';
  const x = /^[A-Za-z_][A-Za-z0-9_]*$/.test(raw) ? raw : c.names.next('x');
  let body: string;
  switch (p.op) {
    case 'is_null':
      body = nullish(d, x, o);
      break;
    case 'is_not_null':
      body = `(NOT ${nullish(d, x, o)})`;
      break;
    case 'ne':
      body = `(NOT ${anyOrAll(p, c, (pats) => equals(d, x, pats, cs, strict, o.listMatch, c))})`;
      break;
    default:
      body = anyOrAll(p, c, (pats) => opTest(p, x, pats, cs, strict, c));
  }
  if (o.nulls === 'propagate' && p.op !== 'is_null' && p.op !== 'is_not_null') {
    const nullish1 = [`${x} IS NULL`, d.is(x, 'null')];
    for (const v of p.values) {
      if (v === null) return d.NULL_BOOL;
      if (typeof v === 'object') {
        const r = valueOf(v.field, c);
        nullish1.push(`${r} IS NULL`, d.is(r, 'null'));
      }
    }
    body = `CASE WHEN ${nullish1.join(' OR ')} THEN ${d.NULL_BOOL} ELSE ${body} END`;
  }
  return x === raw ? body : d.let(raw, x, body);
}

/**
 * A pattern: a static value after transforms (alternatives), or a field reference: its JSON value, or with `pair` its
 * derivation's (state, value) pair (`derive.ts`).
 */
type Pat = { kind: 'lit'; v: string | number | boolean | null } | { kind: 'ref'; sql: string; pair?: boolean };
type Lit = string | number | boolean | null;

/**
 * Every value's patterns to one test: with `match: any` (default) all patterns in one test (any value, any
 * alternative: Kleene OR commutes with the any-element of lists), with `match: all` one test per value, ANDed.
 */
function anyOrAll(p: Predicate, c: Ctx, test: (pats: readonly Pat[]) => string): string {
  const all = p.opts?.match === 'all';
  const per = p.values.map((v) => expand(v, p.opts?.transforms, c));
  if (per.length === 0) return all ? c.d.TRUE : c.d.FALSE;
  if (!all) return test(per.flat());
  const parts = per.map((pats) => test(pats));
  return parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`;
}

function expand(v: Value, transforms: PredicateOptions['transforms'], c: Ctx): Pat[] {
  if (v !== null && typeof v === 'object') {
    // the other field with its default, then its derivation (evaluate.ts expandValue)
    let sql = valueOf(v.field, c);
    if (v.missingAs !== undefined) sql = withDefault(c.d, sql, v.missingAs, v.nullAsMissing === true);
    if (!v.derived) return [{ kind: 'ref', sql }];
    return [{ kind: 'ref', sql: derivedPair(c, v.derived, v.field, v.missingAs, v.nullAsMissing === true, () => sql, 'ref')!, pair: true }];
  }
  if (!transforms?.length || typeof v !== 'string') return [{ kind: 'lit', v }];
  let cur: string[] = [v];
  for (const t of transforms) cur = cur.flatMap((s) => applyTransform(t, s));
  return cur.map((s) => ({ kind: 'lit', v: s }));
}

/** A value's scalar text (lower-cased unless cs): the precomputed column when there is one. */
function textOf(c: Ctx, x: string, cs: boolean): string {
  const col = c.columnText?.(x);
  if (col) return cs ? col.text : col.lower;
  return cs ? c.d.text(x) : c.d.lower(c.d.text(x));
}

const lits = (pats: readonly Pat[]): Lit[] => pats.flatMap((p) => (p.kind === 'lit' ? [p.v] : []));
const refs = (pats: readonly Pat[]): string[] => pats.flatMap((p) => (p.kind === 'ref' ? [p.sql] : []));
const orAll = (d: SqlDialect, xs: readonly string[]) => (xs.length === 0 ? d.FALSE : xs.length === 1 ? xs[0]! : `(${xs.join(' OR ')})`);

/** `isNullish` (+ KQL `empty`): never NULL. */
function nullish(d: SqlDialect, x: string, o: PredicateOptions): string {
  const t = [`${x} IS NULL`, d.is(x, 'null')];
  if (o.truthy) {
    t.push(
      `(${d.is(x, 'boolean')} AND ${d.text(x)} = 'false')`,
      `(${d.is(x, 'number')} AND ${d.num(d.text(x))} = 0)`,
      `(${d.is(x, 'string')} AND ${d.text(x)} = '')`,
      `(${d.is(x, 'array')} AND ${d.listLength(d.elements(x))} = 0)`,
      `(${d.is(x, 'object')} AND ${d.listLength(d.keys(x))} = 0)`,
    );
  } else if (o.empty) t.push(`(${d.is(x, 'string')} AND ${d.text(x)} = '')`);
  return `(${t.join(' OR ')})`;
}

const cmpText = (d: SqlDialect, a: string, b: string, cs: boolean) => (cs ? `${a} = ${d.str(b)}` : `${a} = ${d.str(b.toLowerCase())}`);

/** The evaluator's `equals` (missing, list any / whole, strict or loose typing) for any of the patterns. */
function equals(d: SqlDialect, x: string, pats: readonly Pat[], cs: boolean, strict: boolean, listMatch: 'any' | 'whole' | undefined, c: Ctx): string {
  const out = pats.flatMap((p) => (p.kind === 'ref' ? [p.pair ? equalsDerivedRef(d, x, p.sql, cs, c) : equalsRef(d, x, p.sql, cs, c)] : []));
  const ls = lits(pats);
  if (ls.length) {
    const missing = ls.includes(null) ? d.TRUE : d.FALSE;
    const whole = (y: string) => equalsWholeAny(d, y, ls, cs, strict, c);
    const any = (listMatch ?? (strict ? 'whole' : 'any')) === 'any';
    const e = c.names.next('e');
    const arr = any ? `WHEN ${d.is(x, 'array')} THEN ${anyOver(d, d.elements(x), e, whole(e))} ` : '';
    out.push(`(CASE WHEN ${x} IS NULL THEN ${missing} ${arr}ELSE ${whole(x)} END)`);
  }
  return orAll(d, out);
}

/** Equality of a present value `y` with any of the literals: strings compared once as (lower-cased) text. */
function equalsWholeAny(d: SqlDialect, y: string, ls: readonly Lit[], cs: boolean, strict: boolean, c: Ctx): string {
  const strs = ls.filter((v): v is string => typeof v === 'string');
  const others = ls.filter((v) => typeof v !== 'string');
  const parts = others.map((v) => equalsWhole(d, y, v, cs, strict));
  if (strs.length) {
    const t = textOf(c, y, cs);
    const inSet = (vals: readonly string[]) => (vals.length === 1 ? cmpText(d, t, vals[0]!, cs) : `${t} IN (${vals.map((v) => d.str(cs ? v : v.toLowerCase())).join(', ')})`);
    if (strict) parts.push(`(${d.is(y, 'string')} AND ${inSet(strs)})`);
    else {
      const nums = strs.map(numericOf).filter((n): n is number => n !== undefined);
      const nonNum = strs.filter((s) => numericOf(s) === undefined);
      const onNumber = orAll(d, [...(nums.length ? [`COALESCE(${d.num(d.text(y))} IN (${nums.map(num).join(', ')}), FALSE)`] : []), ...(nonNum.length ? [inSet(nonNum)] : [])]);
      const lowerSet = [...new Set(strs.map((s) => s.toLowerCase()))];
      parts.push(`(CASE WHEN ${d.is(y, 'number')} THEN ${onNumber} WHEN ${d.is(y, 'boolean')} THEN ${textOf(c, y, false)} IN (${lowerSet.map((v) => d.str(v)).join(', ')}) WHEN ${d.is(y, 'string')} THEN ${inSet(strs)} ELSE FALSE END)`);
    }
  }
  return orAll(d, parts);
}

function equalsWhole(d: SqlDialect, y: string, pat: Lit, cs: boolean, strict: boolean): string {
  const isN = d.is(y, 'number');
  const isS = d.is(y, 'string');
  const isB = d.is(y, 'boolean');
  const numEq = (n: number) => `COALESCE(${d.num(d.text(y))} = ${num(n)}, FALSE)`;
  if (pat === null) return d.is(y, 'null');
  if (strict) {
    if (typeof pat === 'string') return `(${isS} AND ${cs ? `${d.text(y)} = ${d.str(pat)}` : `${d.lower(d.text(y))} = ${d.str(pat.toLowerCase())}`})`;
    const n = typeof pat === 'boolean' ? Number(pat) : pat;
    return `((${isN} AND ${numEq(n)}) OR (${isB} AND ${d.text(y)} = ${d.str(n === 1 ? 'true' : n === 0 ? 'false' : 'none')}))`;
  }
  if (typeof pat === 'boolean') return `((${isB} OR ${isS}) AND ${d.lower(d.text(y))} = ${d.str(String(pat))})`;
  if (typeof pat === 'number') return `((${isN} OR ${isS}) AND ${numEq(pat)})`;
  const np = numericOf(pat);
  const txt = (cmp: string) => (cs ? `${d.text(y)} = ${d.str(cmp)}` : `${d.lower(d.text(y))} = ${d.str(cmp.toLowerCase())}`);
  const onNumber = np !== undefined ? numEq(np) : txt(pat);
  return `(CASE WHEN ${isN} THEN ${onNumber} WHEN ${isB} THEN ${d.lower(d.text(y))} = ${d.str(pat.toLowerCase())} WHEN ${isS} THEN ${txt(pat)} ELSE FALSE END)`;
}

/**
 * Equality with another field's derived value (a pair): unknown where the derivation is (or gives several values),
 * a failed one compared as a missing value (evaluate.ts expandValue).
 */
function equalsDerivedRef(d: SqlDialect, x: string, pair: string, cs: boolean, c: Ctx): string {
  const D = d.derive!;
  const q = c.names.next('q');
  return d.let(pair, q, `CASE WHEN ${D.state(q)} = 2 THEN ${d.NULL_BOOL} ELSE ${equalsRef(d, x, `CASE WHEN ${D.state(q)} = 0 THEN ${D.value(q)} ELSE ${D.NULL_JSON} END`, cs, c)} END`);
}

/** Equality with another field: strings (case as the predicate says), numbers and booleans; other shapes are unknown. */
function equalsRef(d: SqlDialect, x: string, r: string, cs: boolean, c: Ctx): string {
  const ref = c.names.next('r');
  const low = (s: string) => (cs ? s : d.lower(s));
  const body = `CASE WHEN ${x} IS NULL THEN (${ref} IS NULL OR ${d.is(ref, 'null')}) WHEN ${ref} IS NULL THEN FALSE WHEN ${d.is(x, 'null')} OR ${d.is(ref, 'null')} THEN (${d.is(x, 'null')} AND ${d.is(ref, 'null')}) WHEN ${d.is(x, 'string')} AND ${d.is(ref, 'string')} THEN ${low(d.text(x))} = ${low(d.text(ref))} WHEN ${d.is(x, 'number')} AND ${d.is(ref, 'number')} THEN ${d.num(d.text(x))} = ${d.num(d.text(ref))} WHEN ${d.is(x, 'boolean')} AND ${d.is(ref, 'boolean')} THEN ${d.text(x)} = ${d.text(ref)} ELSE ${d.NULL_BOOL} END`;
  return d.let(r, ref, body);
}

function opTest(p: Predicate, x: string, pats: readonly Pat[], cs: boolean, strict: boolean, c: Ctx): string {
  const d = c.d;
  const o = p.opts ?? {};
  const unknownRefs = refs(pats).length ? [d.NULL_BOOL] : [];
  switch (p.op) {
    case 'eq':
    case 'in':
      return equals(d, x, pats, cs, strict, o.listMatch, c);
    case 'ne':
    case 'is_null':
    case 'is_not_null':
      return d.NULL_BOOL; // handled by predSql
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge': {
      const op = p.op;
      return orAll(d, [...lits(pats).map((v) => ordered(d, op, x, v, strict)), ...unknownRefs]);
    }
    case 'contains':
    case 'starts_with':
    case 'ends_with':
    case 'has':
      return orAll(d, [...(lits(pats).length ? [stringOp(p, x, lits(pats), cs, p.op === 'has' ? false : strict, c)] : []), ...(p.op === 'has' ? unknownRefs : stringRefTests(p, x, pats, cs, strict, c))]);
    case 'wildcard':
    case 'regex':
    case 'cidr': {
      const ss = lits(pats).filter((v): v is string => typeof v === 'string');
      const tests = ss.map((v) => stringTest(p, v, cs, c));
      const combined = tests.length ? [onStrings(c, x, () => tests)] : [];
      return orAll(d, [...combined, ...unknownRefs]);
    }
    default:
      return assertNever(p.op, 'operator');
  }
}

function ordered(d: SqlDialect, op: 'lt' | 'le' | 'gt' | 'ge', x: string, pat: Lit, strict: boolean): string {
  const sqlOp = { lt: '<', le: '<=', gt: '>', ge: '>=' }[op];
  const absent = strict ? d.NULL_BOOL : d.FALSE;
  if (pat === null) return absent;
  const isN = d.is(x, 'number');
  const isS = d.is(x, 'string');
  const head = `WHEN ${x} IS NULL OR ${d.is(x, 'null')} THEN ${absent}`;
  if (strict) {
    if (typeof pat === 'number') return `(CASE ${head} WHEN ${isN} THEN ${d.num(d.text(x))} ${sqlOp} ${num(pat)} ELSE ${d.NULL_BOOL} END)`;
    if (typeof pat === 'string') return `(CASE ${head} WHEN ${isS} THEN ${d.text(x)} ${sqlOp} ${d.str(pat)} ELSE ${d.NULL_BOOL} END)`;
    return `(CASE ${head} ELSE ${d.NULL_BOOL} END)`;
  }
  const nb = typeof pat === 'boolean' ? undefined : numericOf(pat);
  const strCmp = typeof pat === 'string' ? `${d.text(x)} ${sqlOp} ${d.str(pat)}` : 'FALSE';
  if (nb !== undefined) {
    return `(CASE ${head} WHEN ${isN} THEN ${d.num(d.text(x))} ${sqlOp} ${num(nb)} WHEN ${isS} THEN COALESCE(${d.num(d.text(x))} ${sqlOp} ${num(nb)}, ${strCmp}) ELSE FALSE END)`;
  }
  return `(CASE ${head} WHEN ${isS} THEN ${strCmp} ELSE FALSE END)`;
}

/** The evaluator's `stringOp` (contains / starts_with / ends_with / has) for any of the literals. */
function stringOp(p: Predicate, x: string, pats: readonly Lit[], cs: boolean, strict: boolean, c: Ctx, depth = 0): string {
  const d = c.d;
  const absent = strict ? d.NULL_BOOL : d.FALSE;
  const needles = pats.filter((v): v is string | number | boolean => v !== null).map(String);
  if (needles.length === 0) return `(CASE WHEN ${x} IS NULL OR ${d.is(x, 'null')} THEN ${absent} ELSE FALSE END)`;
  const membership = p.op === 'contains';
  const t = c.names.next('t');
  const one = (h: string, needle: string): string => {
    const n = cs ? needle : needle.toLowerCase();
    switch (p.op) {
      case 'contains':
        return d.contains(h, d.str(n));
      case 'starts_with':
        return d.startsWith(h, d.str(n));
      case 'ends_with':
        return d.endsWith(h, d.str(n));
      default:
        return hasTermSql(d, h, n, p.opts?.term ?? 'whole');
    }
  };
  void t;
  const test = (): string => {
    const h = textOf(c, x, cs);
    return orAll(d, needles.map((n) => one(h, n)));
  };
  const e = c.names.next('e');
  let onArray: string;
  if (strict && membership) onArray = anyOver(d, d.elements(x), e, equalsWholeAny(d, e, pats.filter((v) => v !== null), cs, true, c));
  else if (strict) onArray = d.NULL_BOOL;
  else if (depth >= 1) onArray = d.NULL_BOOL;
  else onArray = anyOver(d, d.elements(x), e, stringOp(p, e, pats, cs, strict, c, depth + 1));
  const k = c.names.next('k');
  const onObject = strict && membership ? `${d.listLength(d.filter(d.keys(x), d.lambda(k, `${k} IN (${needles.map((n) => d.str(n)).join(', ')})`)))} > 0` : absent;
  const onOther = strict ? `CASE WHEN ${d.is(x, 'string')} THEN ${test()} ELSE ${d.NULL_BOOL} END` : test();
  return `(CASE WHEN ${x} IS NULL OR ${d.is(x, 'null')} THEN ${absent} WHEN ${d.is(x, 'array')} THEN ${onArray} WHEN ${d.is(x, 'object')} THEN ${onObject} ELSE ${onOther} END)`;
}

/**
 * contains / starts_with / ends_with against another field's value (evaluate.ts `stringOp`, the needle read from the
 * event): a missing value is false (unknown under strict typing), a missing needle false; a text, a boolean or an
 * exact integer on either side as written; a list, an object or a fraction on either side, a derivation that cannot
 * be known, or case folding outside ASCII (the engines' Unicode case rules differ): unknown.
 */
function stringRefTests(p: Predicate, x: string, pats: readonly Pat[], cs: boolean, strict: boolean, c: Ctx): string[] {
  const d = c.d;
  const D = d.derive;
  const test = (r: string): string => {
    if (!D) return d.NULL_BOOL;
    const h = d.text(x);
    const n = d.text(r);
    const one = (hh: string, nn: string): string => (p.op === 'contains' ? d.contains(hh, nn) : p.op === 'starts_with' ? d.startsWith(hh, nn) : d.endsWith(hh, nn));
    const compared = cs ? one(h, n) : `CASE WHEN ${D.ascii(h)} AND ${D.ascii(n)} THEN ${one(d.lower(h), d.lower(n))} ELSE ${d.NULL_BOOL} END`;
    // under strict typing only a text is searched (Python: a number has no startswith); else its written text
    const searched = strict ? d.is(x, 'string') : writtenAsText(d, D, x);
    return `(CASE WHEN ${x} IS NULL OR ${d.is(x, 'null')} THEN ${strict ? d.NULL_BOOL : d.FALSE} WHEN ${r} IS NULL OR ${d.is(r, 'null')} THEN FALSE WHEN NOT ${writtenAsText(d, D, r)} THEN ${d.NULL_BOOL} WHEN ${searched} THEN ${compared} ELSE ${d.NULL_BOOL} END)`;
  };
  return pats.flatMap((pat) => {
    if (pat.kind !== 'ref') return [];
    if (!D) return [d.NULL_BOOL];
    const r = c.names.next('r');
    if (!pat.pair) return [d.let(pat.sql, r, test(r))];
    // a derived needle: unknown where the derivation is, a failed one a missing needle (evaluate.ts expandValue)
    const q = c.names.next('q');
    return [d.let(pat.sql, q, `CASE WHEN ${D.state(q)} = 2 THEN ${d.NULL_BOOL} ELSE ${d.let(`CASE WHEN ${D.state(q)} = 0 THEN ${D.value(q)} ELSE ${D.NULL_JSON} END`, r, test(r))} END`)];
  });
}

const WORD = '[\\p{L}\\p{N}_]';
const NOT_WORD = '[^\\p{L}\\p{N}_]';
const isWordChar = (ch: string | undefined) => ch !== undefined && /[\p{L}\p{N}_]/u.test(ch);

/** KQL `has` (`hasTerm`) as an RE2 search: the needle bounded by non-word characters where the term says. */
function hasTermSql(d: SqlDialect, hay: string, needle: string, term: 'whole' | 'prefix' | 'suffix'): string {
  if (needle === '') return 'TRUE';
  const chars = [...needle];
  const start = term !== 'suffix' && isWordChar(chars[0]) ? `(?:^|${NOT_WORD})` : '';
  const end = term !== 'prefix' && isWordChar(chars[chars.length - 1]) ? `(?:$|${NOT_WORD})` : '';
  void WORD;
  return d.regex(hay, d.str(`(?s)${start}${escapeRe2(needle)}${end}`));
}

const escapeRe2 = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The evaluator's `onStrings`: missing / null / object false, a list any element, a scalar as text. */
function onStrings(c: Ctx, x: string, tests: (x: string) => ((text: string, lower: string) => string)[], depth = 0): string {
  const d = c.d;
  const e = c.names.next('e');
  const onArray = depth >= 1 ? d.NULL_BOOL : anyOver(d, d.elements(x), e, onStrings(c, e, tests, depth + 1));
  const here = orAll(d, tests(x).map((f) => f(textOf(c, x, true), textOf(c, x, false))));
  return `(CASE WHEN ${x} IS NULL OR ${d.is(x, 'null')} OR ${d.is(x, 'object')} THEN FALSE WHEN ${d.is(x, 'array')} THEN ${onArray} ELSE ${here} END)`;
}

/** The test of a wildcard, regex or cidr pattern on a text. */
function stringTest(p: Predicate, pat: string, cs: boolean, c: Ctx): (s: string, lower: string) => string {
  const d = c.d;
  const o = p.opts ?? {};
  const bound = (s: string, t: string) => `CASE WHEN ${d.length(s)} > ${LIMITS.maxRegexInput} THEN ${d.NULL_BOOL} ELSE ${t} END`;
  if (p.op === 'cidr') return cidrTest(d, pat);
  if (p.op === 'regex') {
    let src = pat;
    if (o.anchor === 'start') src = `^(?:${pat})`;
    else if (o.anchor === 'full') src = `^(?:${pat})$`;
    const flags = [...new Set(((o.flags ?? '') + (cs ? '' : 'i')).replace(/[^ims]/g, '').split(''))].join('');
    const inline = `${flags ? `(?${flags})` : ''}${src}`;
    if (!compileRegex(src, flags).ok || (c.regexOk && !c.regexOk(inline))) return () => d.NULL_BOOL;
    return (s) => bound(s, d.regex(s, d.str(inline)));
  }
  const re = wildcardToRegex(pat, o.wildcard);
  if (!compileRegex(re, cs ? 's' : 'is').ok) return () => d.NULL_BOOL;
  if (!cs && !ASCII.test(pat)) {
    const inline = `(?is)${re}`;
    if (c.regexOk && !c.regexOk(inline)) return () => d.NULL_BOOL;
    return (s) => bound(s, d.regex(s, d.str(inline)));
  }
  const like = likePattern(pat, o.wildcard ?? 'sigma');
  return (s, low) => bound(s, cs ? d.like(s, d.str(like)) : d.like(low, d.str(like.toLowerCase())));
}

/** A wildcard pattern as an SQL LIKE pattern with `\` escapes. */
export function likePattern(pat: string, style: 'sigma' | 'like' | 'plain' | 'spl'): string {
  const lit = (ch: string) => (ch === '%' || ch === '_' || ch === '\\' ? `\\${ch}` : ch);
  let out = '';
  const chars = [...pat];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (style === 'like') out += ch === '%' || ch === '_' ? ch : lit(ch);
    else if (style === 'sigma' && ch === '\\' && i + 1 < chars.length && '*?\\'.includes(chars[i + 1]!)) out += lit(chars[++i]!);
    else if (ch === '*') out += '%';
    else if (ch === '?' && style !== 'spl') out += '_';
    else out += lit(ch);
  }
  return out;
}

/** IPv4 CIDR as an integer range; an IPv6 range is unknown on an IPv6-looking value (false on others, as in process). */
function cidrTest(d: SqlDialect, cidr: string): (s: string) => string {
  const [net, bitsS] = cidr.split('/');
  const parts = net!.trim().split('.');
  const v4 = parts.length === 4 && parts.every((x) => /^\d{1,3}$/.test(x) && Number(x) <= 255);
  if (!v4) {
    if (!net!.includes(':')) return () => 'FALSE';
    return (s) => `CASE WHEN ${d.contains(s, "':'")} THEN ${d.NULL_BOOL} ELSE FALSE END`;
  }
  const bits = bitsS === undefined ? 32 : Number(bitsS);
  if (!(bits >= 0 && bits <= 32)) return () => 'FALSE';
  const n = parts.reduce((a, x) => a * 256 + Number(x), 0);
  const size = 2 ** (32 - bits);
  const lo = Math.floor(n / size) * size;
  const hi = lo + size - 1;
  return (s) => `COALESCE(${d.ipv4(d.trim(s))} BETWEEN ${lo} AND ${hi}, FALSE)`;
}
