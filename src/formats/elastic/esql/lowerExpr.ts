/**
 * Lowering of ES|QL expressions into the model, keeping ES|QL's three-valued logic: a WHERE keeps a row only when
 * its condition is TRUE, and a comparison with a null (or missing) field is null, so `NOT x == "a"` and
 * `x != "a"` drop rows where x is null. Each boolean expression is therefore lowered twice: the model expression
 * that holds when it is TRUE (`t`) and the one that holds when it is FALSE (`f`); `NOT` swaps them, `AND`/`OR`
 * combine them by De Morgan, and a predicate's false form requires the field to be present
 * (`x is_not_null and x ne "a"`).
 *
 * Operands: columns are the source's fields unless EVAL, RENAME, STATS, DISSECT, GROK or ENRICH defined them;
 * conversions (`TO_STRING(x)`, `x::keyword`) stay the field, `TO_LOWER`/`TO_UPPER` fold case, `now()`-based
 * arithmetic is the time window, aggregates are thresholds (decided by the caller), anything else is opaque
 * with a reason.
 */
import { and, assertNever, FALSE, not, opaque, or, pred, TRUE, type Derived, type Expr, type Operator, type Predicate, type PredicateOptions, type TransformStep, type Value } from '../../../model/expr.ts';
import type { Diagnostic } from '../../../model/diagnostics.ts';
import { OPERATOR_FACTS } from '../../../model/operators.ts';
import type { Span } from '../../../model/span.ts';
import { lowerKueryText } from '../kuery/lower.ts';
import type { ElasticLowering, ElasticQueryContext } from '../lowering.ts';
import { lowerLuceneText } from '../lucene/lower.ts';
import { clip, hostAt, spanOf, type TextRange } from '../queryText.ts';
import { EsqlDiagnostics } from './diagnostics.ts';
import { BUCKET_FUNCTIONS, CAST_TYPES, COALESCE, COMPARE_OPS, CONVERSION_FUNCTIONS, EMBEDDED_QUERY_FUNCTIONS, FLIPPED_COMPARE, FOLD_FUNCTIONS, FULL_TEXT_FUNCTIONS, PREDICATE_FUNCTIONS, STEP_FUNCTIONS, TIME_FUNCTIONS } from './esqlFacts.ts';
import { likeToGlob, LUCENE_REGEX, rlikeToRegex } from './patterns.ts';
import type { EsqlCompareOp, EsqlExpr } from './syntax.ts';

/** What a column (or an expression used as a value) stands for. */
export type Operand =
  /** A source field, possibly case-folded. */
  | { readonly kind: 'field'; readonly field: string; readonly fold?: 'lower' | 'upper' }
  | { readonly kind: 'value'; readonly value: Value }
  /** An aggregate column (or a value computed from aggregates): comparisons with it are thresholds. */
  /**
   * A column computed by STATS; `call`: the function with the field it aggregates (`count_distinct(user.name)`);
   * `computedArg`: its argument is a value the query computes (an EVAL column), not an event field; `where`: the
   * condition of a conditional count (`COUNT(*) WHERE c`, `SUM(CASE(c, 1, 0))`), only rows meeting it counted.
   */
  | { readonly kind: 'agg'; readonly column: string; readonly fn: string; readonly text: string; readonly call?: string; readonly computedArg?: boolean; readonly where?: Expr }
  /**
   * A time relative to the query's run (`now() - 1 day`): `now` for `now()` itself, `span` for a timespan literal
   * (`1 day`), `back` for now() less a timespan (how far back from the run it is).
   */
  | { readonly kind: 'time'; readonly text: string; readonly now?: true; readonly span?: string; readonly back?: string }
  /**
   * Anything else; a boolean column computed by EVAL keeps its lowered condition for later filters, a time bucket
   * (`DATE_TRUNC(5 minutes, @timestamp)`, `BUCKET(@timestamp, 1 hour)`) its span (`bucket`: a group-by key on it
   * counts per bin of that span), a `CASE(c, v)` / `CASE(c, v, w)` of one condition its parts (`caseOf`: an aggregate
   * of it may count the rows meeting c).
   */
  | { readonly kind: 'other'; readonly text: string; readonly reason: string; readonly condition?: TwoForms; readonly bucket?: string; readonly caseOf?: CaseOf }
  /** `COALESCE(a, b, ...)` of fields: the first one that is not null. */
  | { readonly kind: 'coalesce'; readonly items: readonly Extract<Operand, { kind: 'field' }>[]; readonly text: string }
  /**
   * A value string functions compute from a field (`LENGTH(x)`, `URL_DECODE(x)`, `REPLACE(x, re, s)`, a case fold of
   * one of these): predicates on it test the field's value through the derivation.
   */
  | { readonly kind: 'derived'; readonly field: string; readonly derived: Derived; readonly text: string };

/** `CASE(when, then)` (null otherwise) or `CASE(when, then, otherwise)`. */
export interface CaseOf {
  readonly when: Expr;
  readonly then: Operand;
  readonly otherwise?: Operand;
}

/** Everything expression lowering needs. */
export interface ExprEnv {
  readonly text: string;
  readonly ctx: ElasticQueryContext;
  readonly columns: ReadonlyMap<string, Operand>;
  readonly diagnostics: Diagnostic[];
  /** Called with every operand a column reference resolves to (the caller splits row filters from thresholds). */
  readonly onRef?: (o: Operand, name: string) => void;
  /**
   * Called with the text of each time-window comparison; `back` when it keeps the events since a time span before
   * the run (`@timestamp > now() - 14 day`).
   */
  readonly onTime?: (text: string, back?: string) => void;
}

/** The true and false forms of a boolean expression. */
export interface TwoForms {
  readonly t: Expr;
  readonly f: Expr;
}

const src = (env: ExprEnv, at: TextRange) => env.text.slice(at.start, at.end);
const sp = (env: ExprEnv, at: TextRange) => spanOf(env.ctx, at);

/** Lower a boolean expression used by WHERE (the true form is what the WHERE keeps). */
export function lowerCondition(env: ExprEnv, e: EsqlExpr): TwoForms {
  switch (e.type) {
    case 'and': {
      const parts = e.args.map((a) => lowerCondition(env, a));
      return { t: and(...parts.map((p) => p.t)), f: or(...parts.map((p) => p.f)) };
    }
    case 'or': {
      const parts = e.args.map((a) => lowerCondition(env, a));
      return { t: or(...parts.map((p) => p.t)), f: and(...parts.map((p) => p.f)) };
    }
    case 'not': {
      const inner = lowerCondition(env, e.arg);
      return { t: inner.f, f: inner.t };
    }
    case 'paren':
      return lowerCondition(env, e.expr);
    case 'isnull': {
      const o = operand(env, e.expr);
      if (o.kind === 'derived') {
        // a function of null is null, and so is one that fails (a warning)
        const isNull = on(o, 'is_null', [], undefined, sp(env, e.at));
        const notNull = on(o, 'is_not_null', [], undefined, sp(env, e.at));
        return e.negated ? { t: notNull, f: isNull } : { t: isNull, f: notNull };
      }
      const fields = o.kind === 'field' ? [o.field] : o.kind === 'agg' ? [o.column] : o.kind === 'coalesce' ? o.items.map((i) => i.field) : undefined;
      if (!fields) return opaqueForms(env, e.at, reasonOf(o, 'IS NULL'));
      // COALESCE(a, b) is null when every item is
      const isNull = and(...fields.map((f) => pred(f, 'is_null', [], undefined, sp(env, e.at))));
      const notNull = or(...fields.map((f) => pred(f, 'is_not_null', [], undefined, sp(env, e.at))));
      return e.negated ? { t: notNull, f: isNull } : { t: isNull, f: notNull };
    }
    case 'compare':
      return lowerCompare(env, e.op, e.left, e.right, e.at);
    case 'like': {
      const forms = e.patterns.map((p) => lowerLike(env, e.kind, e.expr, p.value, p.at, e.at));
      const r = { t: or(...forms.map((x) => x.t)), f: and(...forms.map((x) => x.f)) };
      return e.negated ? { t: r.f, f: r.t } : r;
    }
    case 'in': {
      const r = lowerIn(env, e.expr, e.list, e.at);
      return e.negated ? { t: r.f, f: r.t } : r;
    }
    case 'match':
      operand(env, e.left);
      return opaqueForms(env, e.at, 'match: full-text match (:) on an analysed field; its meaning depends on the mapping');
    case 'call':
      return lowerCall(env, e);
    case 'bool':
      return e.value ? { t: TRUE, f: FALSE } : { t: FALSE, f: TRUE };
    case 'field':
    case 'cast': {
      const o = operand(env, e);
      if (o.kind === 'other' && o.condition) return o.condition;
      if (o.kind === 'field' && !o.fold) {
        const s = sp(env, e.at);
        return { t: pred(o.field, 'eq', [true], undefined, s), f: pred(o.field, 'eq', [false], undefined, s) };
      }
      return opaqueForms(env, e.at, reasonOf(o, 'a boolean column'));
    }
    case 'null':
      return { t: FALSE, f: FALSE };
    case 'arith':
    case 'neg':
    case 'string':
    case 'number':
    case 'timespan':
    case 'param':
    case 'list':
    case 'map':
      return opaqueForms(env, e.at, `derived: ${e.type === 'param' ? 'a query parameter' : 'a non-boolean expression'} used as a condition`);
    default:
      return assertNever(e, 'ES|QL expression');
  }
}

function opaqueForms(env: ExprEnv, at: TextRange, reason: string): TwoForms {
  const o = opaque(clip(src(env, at), 400), reason, sp(env, at));
  return { t: o, f: not(o) };
}

function reasonOf(o: Operand, what: string): string {
  switch (o.kind) {
    case 'other':
      return o.reason;
    case 'time':
      return `time: ${what} on a time computed from now()`;
    case 'agg':
      return `aggregation: ${what} on the aggregate ${o.column}`;
    case 'value':
      return `derived: ${what} on a constant`;
    case 'field':
      return `function: ${what} on ${o.fold === 'upper' ? 'TO_UPPER' : 'TO_LOWER'}(${o.field})`;
    case 'coalesce':
    case 'derived':
      return `function: ${what} on ${o.text}`;
    default:
      return assertNever(o, 'operand');
  }
}

/** A predicate on a field or on the value derived from one. */
function on(o: Extract<Operand, { kind: 'field' | 'derived' }>, op: Operator, values: readonly Value[], opts: PredicateOptions | undefined, span: Span | undefined): Predicate {
  return pred(o.field, op, values, opts, span, o.kind === 'derived' ? o.derived : undefined);
}

/** Presence of the predicate's field and of a field it is compared with (a null on either side makes it null). */
function presence(p: Predicate): Expr[] {
  const out: Expr[] = [pred(p.field, 'is_not_null', [], undefined, p.span, p.derived)];
  for (const v of p.values) if (v !== null && typeof v === 'object') out.push(pred(v.field, 'is_not_null', [], undefined, p.span, v.derived));
  return out;
}

/** The false form of a true predicate: the fields must be present (a null makes the comparison null). */
function falseOf(p: Predicate): Expr {
  const d = p.derived;
  switch (p.op) {
    case 'is_null':
      return pred(p.field, 'is_not_null', [], undefined, p.span, d);
    case 'is_not_null':
      return pred(p.field, 'is_null', [], undefined, p.span, d);
    case 'ne':
      return pred(p.field, 'eq', p.values, p.opts, p.span, d);
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge':
      return pred(p.field, OPERATOR_FACTS[p.op].negation!, p.values, p.opts, p.span, d);
    case 'eq':
      return p.values.length === 1 ? and(...presence(p), pred(p.field, 'ne', p.values, p.opts, p.span, d)) : and(...presence(p), not(p));
    default:
      return and(...presence(p), not(p));
  }
}

function forms(p: Predicate): TwoForms {
  return { t: p, f: falseOf(p) };
}

/** A comparison's true form: `!=` also needs the fields present. */
function comparison(field: string, op: Operator, value: Value, opts: PredicateOptions | undefined, span: Span, derived?: Derived): TwoForms {
  if (op === 'ne') {
    const p = pred(field, 'ne', [value], opts, span, derived);
    return { t: and(...presence(p), p), f: pred(field, 'eq', [value], opts, span, derived) };
  }
  return forms(pred(field, op, [value], opts, span, derived));
}

/** The characters a regular expression matches literally: escapes (`\d`, `\s`, `\.`) left out. */
function regexLiterals(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else out += pattern[i];
  }
  return out;
}

function isFolded(s: string, fold: 'lower' | 'upper'): boolean {
  return fold === 'lower' ? s === s.toLowerCase() : s === s.toUpperCase();
}

/**
 * A predicate on `COALESCE(a, b, ...)` holds through the first item that is not null: `(a pred) or (a is_null and
 * b pred) ...`; its false form likewise (each item's false form needs the item present, so all-null stays null).
 */
function bySubject(o: Operand, build: (o: Operand) => TwoForms): TwoForms {
  if (o.kind !== 'coalesce') return build(o);
  const ts: Expr[] = [];
  const fs: Expr[] = [];
  const before: Expr[] = [];
  for (const item of o.items) {
    const f = build(item);
    ts.push(and(...before, f.t));
    fs.push(and(...before, f.f));
    before.push(pred(item.field, 'is_null'));
  }
  return { t: or(...ts), f: or(...fs) };
}

function lowerCompare(env: ExprEnv, op0: EsqlCompareOp, left: EsqlExpr, right: EsqlExpr, at: TextRange): TwoForms {
  const l0 = operand(env, left);
  const r0 = operand(env, right);
  if (r0.kind === 'coalesce' && l0.kind !== 'coalesce') return bySubject(r0, (r) => compareOperands(env, FLIPPED_COMPARE[op0], r, l0, at));
  return bySubject(l0, (l) => compareOperands(env, op0, l, r0, at));
}

function compareOperands(env: ExprEnv, op0: EsqlCompareOp, l0: Operand, r0: Operand, at: TextRange): TwoForms {
  let l = l0;
  let r = r0;
  // a boolean column compared with true / false is its condition (or the negation)
  const [cond, other] = l.kind === 'other' && l.condition ? [l.condition, r] : r.kind === 'other' && r.condition ? [r.condition, l] : [undefined, undefined];
  if (cond && other?.kind === 'value' && typeof other.value === 'boolean' && (op0 === '==' || op0 === '!=')) {
    return other.value === (op0 === '==') ? cond : { t: cond.f, f: cond.t };
  }
  let op: EsqlCompareOp = op0;
  if (l.kind === 'time' || r.kind === 'time') {
    // `@timestamp > now() - 14 day` (or the same the other way round): the events since 14 days before the run
    const [field, time, cmp] = r.kind === 'time' ? [l, r, op0] : [r, l, FLIPPED_COMPARE[op0]];
    const since = field.kind === 'field' && field.field === '@timestamp' && !field.fold && (cmp === '>' || cmp === '>=') && time.kind === 'time' ? time.back : undefined;
    env.onTime?.(src(env, at), since);
    return { t: TRUE, f: FALSE };
  }
  if (l.kind === 'value' && r.kind !== 'value') {
    [l, r] = [r, l];
    op = FLIPPED_COMPARE[op];
  }
  const span = sp(env, at);
  const mop: Operator = COMPARE_OPS[op];
  const subject = l.kind === 'field' || l.kind === 'derived' ? l.field : l.kind === 'agg' ? l.column : undefined;
  if (subject === undefined) return opaqueForms(env, at, reasonOf(l, `the comparison ${op}`));
  const derived = l.kind === 'derived' ? l.derived : undefined;
  // another field, or a value computed from one (a GROK or DISSECT column): a comparison of the two, null when either is
  if (((r.kind === 'field' && !r.fold) || r.kind === 'derived') && !(l.kind === 'field' && l.fold)) {
    return comparison(subject, mop, { kind: 'field', field: r.field, ...(r.kind === 'derived' ? { derived: r.derived } : {}) }, undefined, span, derived);
  }
  // two aggregates of a group compared (`failures > successes`): a threshold of one against the other
  if (r.kind === 'agg' && l.kind === 'agg') return comparison(subject, mop, { kind: 'field', field: r.column }, undefined, span);
  if (r.kind !== 'value') return opaqueForms(env, at, reasonOf(r, `the comparison ${op}`));
  const v = r.value;
  if (v === null) return { t: FALSE, f: FALSE }; // a comparison with null is null: never kept
  let cs: boolean | undefined = typeof v === 'string' ? op !== '=~' : undefined;
  if (l.kind === 'field' && l.fold) {
    if (typeof v !== 'string' || (mop !== 'eq' && mop !== 'ne')) return opaqueForms(env, at, reasonOf(l, `the comparison ${op}`));
    if (!isFolded(v, l.fold)) return opaqueForms(env, at, `function: ${l.fold === 'lower' ? 'TO_LOWER' : 'TO_UPPER'}(${l.field}) compared with "${clip(v, 40)}", which is not ${l.fold}-case (never equal)`);
    cs = false;
  }
  return comparison(subject, mop, v, cs === undefined ? undefined : { cs }, span, derived);
}

function lowerLike(env: ExprEnv, kind: 'like' | 'rlike', subjectExpr: EsqlExpr, pattern: string, patAt: TextRange, at: TextRange): TwoForms {
  return bySubject(operand(env, subjectExpr), (o) => likeOperand(env, kind, o, pattern, patAt, at));
}

function likeOperand(env: ExprEnv, kind: 'like' | 'rlike', o: Operand, pattern: string, patAt: TextRange, at: TextRange): TwoForms {
  if (o.kind !== 'field' && o.kind !== 'derived') return opaqueForms(env, at, reasonOf(o, kind.toUpperCase()));
  const span = sp(env, at);
  let cs = true;
  if (o.kind === 'field' && o.fold) {
    const letters = kind === 'like' ? likeToGlob(pattern) : regexLiterals(pattern);
    if (!isFolded(letters, o.fold)) return opaqueForms(env, at, `function: ${o.fold === 'lower' ? 'TO_LOWER' : 'TO_UPPER'}(${o.field}) ${kind.toUpperCase()} a pattern that is not ${o.fold}-case`);
    cs = false;
  }
  if (kind === 'like') return forms(on(o, 'wildcard', [likeToGlob(pattern)], { cs }, span));
  const re = rlikeToRegex(pattern);
  if (!re.ok) {
    env.diagnostics.push(EsqlDiagnostics.regex(env.ctx.file, re.what, hostAt(env.ctx, env.text, patAt.start)));
    return opaqueForms(env, at, `regex: RLIKE pattern uses ${re.what} (Lucene regular-expression syntax without an RE2 equivalent)`);
  }
  return forms(on(o, 'regex', [re.regex], { cs, ...LUCENE_REGEX }, span));
}

function lowerIn(env: ExprEnv, subjectExpr: EsqlExpr, list: readonly EsqlExpr[], at: TextRange): TwoForms {
  const subject = operand(env, subjectExpr);
  const items = list.map((x) => operand(env, x));
  return bySubject(subject, (o) => inOperand(env, o, items, at));
}

function inOperand(env: ExprEnv, o: Operand, items: readonly Operand[], at: TextRange): TwoForms {
  if (o.kind === 'value' && typeof o.value === 'boolean' && items.length && items.every((i) => i.kind === 'other' && i.condition)) {
    // `true IN (c1, c2)`: one of the conditions holds
    const conds = items.map((i) => (i as { condition: TwoForms }).condition).map((c) => (o.value ? c : { t: c.f, f: c.t }));
    return { t: or(...conds.map((c) => c.t)), f: and(...conds.map((c) => c.f)) };
  }
  if (o.kind !== 'field' && o.kind !== 'derived') return opaqueForms(env, at, reasonOf(o, 'IN'));
  const values: Value[] = [];
  for (const it of items) {
    if (it.kind !== 'value') return opaqueForms(env, at, it.kind === 'field' ? 'derived: IN with a column in its list' : reasonOf(it, 'IN'));
    if (it.value !== null) values.push(it.value);
  }
  const span = sp(env, at);
  const strings = values.every((v) => typeof v === 'string');
  let opts: PredicateOptions | undefined = strings ? { cs: true } : undefined;
  if (o.kind === 'field' && o.fold) {
    if (!values.every((v) => typeof v === 'string' && isFolded(v, o.fold!))) return opaqueForms(env, at, `function: ${o.fold === 'lower' ? 'TO_LOWER' : 'TO_UPPER'}(${o.field}) IN values that are not ${o.fold}-case`);
    opts = { cs: false };
  }
  if (values.length === 0) return { t: FALSE, f: FALSE };
  return forms(on(o, 'in', values, opts, span));
}

function lowerCall(env: ExprEnv, e: Extract<EsqlExpr, { type: 'call' }>): TwoForms {
  const span = sp(env, e.at);
  const op = PREDICATE_FUNCTIONS[e.name];
  if (op) {
    const [subj, ...rest] = e.args;
    const subject = subj ? operand(env, subj) : undefined;
    const vals = rest.map((x) => operand(env, x));
    const bad = () => opaqueForms(env, e.at, `function: ${e.name.toUpperCase()}() with arguments other than a field and string constants`);
    if (!subject || vals.length === 0 || !vals.every((v) => v.kind === 'value' && typeof v.value === 'string')) return bad();
    const values = vals.map((v) => (v as { value: string }).value);
    return bySubject(subject, (o) => {
      if (o.kind !== 'field' && o.kind !== 'derived') return bad();
      if (op === 'cidr') return forms(on(o, 'cidr', values, undefined, span));
      let cs = true;
      if (o.kind === 'field' && o.fold) {
        if (!values.every((v) => isFolded(v, o.fold!))) return opaqueForms(env, e.at, `function: ${e.name.toUpperCase()}() of ${o.fold === 'lower' ? 'TO_LOWER' : 'TO_UPPER'}(${o.field}) with a value that is not ${o.fold}-case`);
        cs = false;
      }
      return forms(on(o, op, values, { cs }, span));
    });
  }
  const embedded = EMBEDDED_QUERY_FUNCTIONS[e.name];
  if (embedded) return lowerEmbedded(env, e, embedded);
  if (FULL_TEXT_FUNCTIONS.has(e.name)) {
    for (const a of e.args) operand(env, a);
    return opaqueForms(env, e.at, `match: ${e.name.toUpperCase()}() is a full-text query whose meaning depends on the field's analyser`);
  }
  for (const a of e.args) operand(env, a);
  return opaqueForms(env, e.at, `function: ${e.name.toUpperCase()}() as a condition`);
}

/** `KQL("...")` and `QSTR("...")`: the string is a query of another language, lowered by its own module. */
function lowerEmbedded(env: ExprEnv, e: Extract<EsqlExpr, { type: 'call' }>, lang: 'kuery' | 'lucene'): TwoForms {
  const arg = e.args[0];
  if (!arg || arg.type !== 'string') return opaqueForms(env, e.at, `function: ${e.name.toUpperCase()}() without a string constant`);
  // offsets of the string's content in the ES|QL text (exact for """...""" and for "..." without escapes)
  const contentStart = arg.at.start + (arg.triple ? 3 : 1);
  const exact = arg.triple || arg.at.end - arg.at.start - 2 === arg.value.length;
  const at = hostAt(env.ctx, env.text, contentStart);
  const inner: ElasticLowering = lang === 'kuery' ? lowerKueryText(arg.value, { file: env.ctx.file, line: at.line, column: at.column }) : lowerLuceneText(arg.value, { file: env.ctx.file, line: at.line, column: at.column });
  env.diagnostics.push(...inner.diagnostics);
  if (!inner.parsed || !inner.condition) {
    env.diagnostics.push(EsqlDiagnostics.embedded(env.ctx.file, e.name.toUpperCase(), hostAt(env.ctx, env.text, e.at.start)));
    return opaqueForms(env, e.at, `function: the ${e.name.toUpperCase()}() query did not parse`);
  }
  const whole = sp(env, e.at);
  const shifted = mapSpans(inner.condition, (s) => (exact ? { file: s.file, start: s.start + contentStart, end: s.end + contentStart } : whole));
  // KQL and Lucene queries are two-valued: a document either matches or not
  return { t: shifted, f: not(shifted) };
}

/** Rebuild an expression with every span mapped. */
export function mapSpans(e: Expr, f: (s: Span) => Span): Expr {
  switch (e.kind) {
    case 'pred':
    case 'opaque':
      return e.span ? { ...e, span: f(e.span) } : e;
    case 'and':
    case 'or':
      return { ...e, args: e.args.map((a) => mapSpans(a, f)) };
    case 'not':
      return { kind: 'not', arg: mapSpans(e.arg, f) };
    case 'quant':
      return { ...e, items: e.items.map((i) => ({ name: i.name, expr: mapSpans(i.expr, f) })) };
    case 'each':
      return { ...e, expr: mapSpans(e.expr, f), ...(e.span ? { span: f(e.span) } : {}) };
    case 'const':
      return e;
    default:
      return assertNever(e, 'expression');
  }
}

/** What an expression stands for as a value. */
export function operand(env: ExprEnv, e: EsqlExpr): Operand {
  switch (e.type) {
    case 'field': {
      const o = env.columns.get(e.name) ?? { kind: 'field' as const, field: e.name };
      env.onRef?.(o, e.name);
      return o;
    }
    case 'string':
      return { kind: 'value', value: e.value };
    case 'number':
      return { kind: 'value', value: e.value };
    case 'bool':
      return { kind: 'value', value: e.value };
    case 'null':
      return { kind: 'value', value: null };
    case 'paren':
      return operand(env, e.expr);
    case 'cast': {
      const inner = operand(env, e.expr);
      if (CAST_TYPES.has(e.to) && (inner.kind === 'field' || inner.kind === 'value' || inner.kind === 'agg' || inner.kind === 'coalesce' || inner.kind === 'derived')) return inner;
      return { kind: 'other', text: src(env, e.at), reason: inner.kind === 'other' ? inner.reason : `derived: cast to ${e.to}` };
    }
    case 'call': {
      const args = e.args.map((a) => operand(env, a));
      const first = args[0];
      if (TIME_FUNCTIONS.has(e.name)) return { kind: 'time', text: src(env, e.at), ...(e.name === 'now' && !e.args.length ? { now: true as const } : {}) };
      if (CONVERSION_FUNCTIONS.has(e.name) && args.length === 1 && first && (first.kind === 'field' || first.kind === 'value' || first.kind === 'agg' || first.kind === 'coalesce' || first.kind === 'derived')) return first;
      const fold = FOLD_FUNCTIONS[e.name];
      if (fold && args.length === 1 && first?.kind === 'field' && !first.fold) return { ...first, fold };
      const step = fold && args.length === 1 ? { fn: fold } : stepOf(e.name, args);
      const chain = first && step ? chainOf(first) : undefined;
      if (chain && step) return { kind: 'derived', field: chain.field, derived: { steps: [...chain.steps, step], lang: 'esql' }, text: src(env, e.at) };
      if (fold && args.length === 1 && first?.kind === 'coalesce') return { ...first, items: first.items.map((i) => ({ ...i, fold })), text: src(env, e.at) };
      if (e.name === COALESCE && args.length > 0) {
        const items: Operand[] = args.flatMap((a): Operand[] => (a.kind === 'coalesce' ? [...a.items] : a.kind === 'value' && a.value === null ? [] : [a]));
        const fields = items.filter((a): a is Extract<Operand, { kind: 'field' }> => a.kind === 'field');
        if (fields.length === items.length) return { kind: 'coalesce', items: fields, text: src(env, e.at) };
      }
      if (fold && args.length === 1 && first?.kind === 'value' && typeof first.value === 'string') return { kind: 'value', value: fold === 'lower' ? first.value.toLowerCase() : first.value.toUpperCase() };
      const agg = args.find((a) => a.kind === 'agg');
      if (agg && agg.kind === 'agg') return { kind: 'agg', column: agg.column, fn: 'expression', text: src(env, e.at) };
      const reason = `function: ${e.name.toUpperCase()}(${clip(e.args.map((a) => src(env, a.at)).join(', '), 60)})`;
      const span = BUCKET_FUNCTIONS.has(e.name) ? e.args.find((a) => a.type === 'timespan') : undefined;
      if (span) return { kind: 'other', text: src(env, e.at), reason, bucket: src(env, span.at) };
      if (e.name === 'case' && (e.args.length === 2 || e.args.length === 3)) {
        // the condition as its operand already lowered it (a predicate), else lowered once here
        const c = args[0]!;
        const caseOf: CaseOf = { when: c.kind === 'other' && c.condition ? c.condition.t : lowerCondition(env, e.args[0]!).t, then: args[1]!, ...(args[2] ? { otherwise: args[2] } : {}) };
        return { kind: 'other', text: src(env, e.at), reason, caseOf };
      }
      if (PREDICATE_FUNCTIONS[e.name] || EMBEDDED_QUERY_FUNCTIONS[e.name]) return { kind: 'other', text: src(env, e.at), reason, condition: lowerCondition(env, e) };
      return { kind: 'other', text: src(env, e.at), reason };
    }
    case 'arith': {
      const l = operand(env, e.left);
      const r = operand(env, e.right);
      if (l.kind === 'time' || r.kind === 'time') {
        const back = e.op === '-' && l.kind === 'time' && l.now && r.kind === 'time' && r.span !== undefined ? { back: r.span } : {};
        return { kind: 'time', text: src(env, e.at), ...back };
      }
      if (l.kind === 'value' && r.kind === 'value' && typeof l.value === 'number' && typeof r.value === 'number') {
        const v = arith(e.op, l.value, r.value);
        if (v !== undefined) return { kind: 'value', value: v };
      }
      const agg = [l, r].find((a) => a.kind === 'agg');
      if (agg && agg.kind === 'agg') return { kind: 'agg', column: agg.column, fn: 'expression', text: src(env, e.at) };
      const count = e.op === '-' ? occurrences(l, r) : undefined;
      if (count) return { kind: 'derived', field: count.field, derived: { steps: count.steps, lang: 'esql' }, text: src(env, e.at) };
      return { kind: 'other', text: src(env, e.at), reason: `derived: arithmetic ${clip(src(env, e.at), 60)}` };
    }
    case 'neg': {
      const inner = operand(env, e.expr);
      if (inner.kind === 'value' && typeof inner.value === 'number') return { kind: 'value', value: -inner.value };
      return { kind: 'other', text: src(env, e.at), reason: 'derived: negated expression' };
    }
    case 'timespan':
      return { kind: 'time', text: src(env, e.at), span: `${e.value} ${e.unit}` };
    case 'list':
      return { kind: 'other', text: src(env, e.at), reason: 'derived: a list constant' };
    case 'param':
      return { kind: 'other', text: src(env, e.at), reason: `derived: query parameter ?${e.name}, bound when the query runs` };
    case 'map':
      return { kind: 'other', text: src(env, e.at), reason: 'derived: function options' };
    case 'and':
    case 'or':
    case 'not':
    case 'isnull':
    case 'like':
    case 'in':
    case 'compare':
    case 'match':
      return { kind: 'other', text: src(env, e.at), reason: `derived: boolean expression ${clip(src(env, e.at), 60)} used as a value`, condition: lowerCondition(env, e) };
    default:
      return assertNever(e, 'ES|QL expression');
  }
}

/**
 * `LENGTH(x) - LENGTH(REPLACE(x, "c", ""))`, the idiom that counts a character in a text (Elastic's rules count the
 * matches of a pattern so, after replacing each by an emoji): x's chain, then the count of c, when c is one
 * character (LENGTH counts characters: the difference is the count times c's length) that REPLACE's regular
 * expression reads as itself.
 */
function occurrences(l: Operand, r: Operand): { field: string; steps: TransformStep[] } | undefined {
  if (l.kind !== 'derived' || r.kind !== 'derived' || l.field !== r.field) return undefined;
  const [ls, rs] = [l.derived.steps, r.derived.steps];
  const cut = rs[rs.length - 2];
  const c = cut?.fn === 'replace' && cut.args?.[1] === '' && cut.args[2] === 'regex' ? cut.args[0] : undefined;
  if (typeof c !== 'string' || [...c].length !== 1 || /[\\^$.|?*+()[\]{}]/.test(c)) return undefined;
  if (ls.at(-1)?.fn !== 'len' || rs.at(-1)?.fn !== 'len' || rs.length !== ls.length + 1) return undefined;
  const base = ls.slice(0, -1);
  if (JSON.stringify(base) !== JSON.stringify(rs.slice(0, -2))) return undefined;
  return { field: l.field, steps: [...base, { fn: 'substr_count', args: [c, false] }] };
}

/** The transform step a string function is (`STEP_FUNCTIONS`), when its other arguments are constants it can take. */
function stepOf(name: string, args: readonly Operand[]): TransformStep | undefined {
  const f = STEP_FUNCTIONS[name];
  if (!f || args.length !== f.arity) return undefined;
  if (f.fn !== 'replace') return { fn: f.fn };
  const [, re, by] = args;
  if (re?.kind !== 'value' || typeof re.value !== 'string' || by?.kind !== 'value' || typeof by.value !== 'string') return undefined;
  const rewrite = javaRewrite(by.value);
  return rewrite === undefined ? undefined : { fn: 'replace', args: [re.value, rewrite, 'regex'] };
}

/** The derivation so far of an operand a string function reads: a field (its case fold a step) or a derived value. */
export function chainOf(o: Operand): { field: string; steps: readonly TransformStep[] } | undefined {
  if (o.kind === 'field') return { field: o.field, steps: o.fold ? [{ fn: o.fold }] : [] };
  if (o.kind === 'derived') return { field: o.field, steps: o.derived.steps };
  return undefined;
}

/**
 * A Java replacement string (ES|QL REPLACE's third argument, as `Matcher.replaceAll` reads it) as an RE2 rewrite:
 * `$n` is group n, a backslash takes the next character as it is. Undefined for a named group (`${name}`), a group
 * number of two digits (Java reads as many as name a group) or a trailing `$` or backslash.
 */
export function javaRewrite(r: string): string | undefined {
  let out = '';
  for (let i = 0; i < r.length; i++) {
    const c = r[i]!;
    if (c === '\\') {
      const next = r[i + 1];
      if (next === undefined) return undefined;
      out += next === '\\' ? '\\\\' : next;
      i++;
    } else if (c === '$') {
      const d = r[i + 1];
      if (!isDigit(d) || isDigit(r[i + 2])) return undefined;
      out += `\\${d}`;
      i++;
    } else out += c;
  }
  return out;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

function arith(op: '+' | '-' | '*' | '/' | '%', a: number, b: number): number | undefined {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
    case '%':
      return undefined; // integer or floating division depends on the column types
    default:
      return assertNever(op, 'operator');
  }
}

