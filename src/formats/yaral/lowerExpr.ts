/**
 * Lowering of one events-section expression (over a single event variable) into the model's Expr. Fields lose
 * their event variable (`$e.principal.hostname` → `principal.hostname`); placeholders are replaced by the field they
 * are bound to. YARA-L semantics kept: comparisons are case-sensitive unless `nocase`; an omitted field takes its
 * zero value (`""`, 0, false: `missingAs`); regexes are RE2 searches; `any` / `all` over repeated fields.
 * What the model cannot say is opaque with a reason starting with its category word (`function:`,
 * `reference list:`, `repeated field:`, `arithmetic:`, `placeholder:`, `syntax:`).
 */
import { and, FALSE, not, opaque, or, pred, type Expr, type Operator, type PredicateOptions, type Value } from '../../model/expr.ts';
import type { Span } from '../../model/span.ts';
import { fieldPath, type CompareOp, type FieldNode, type YExpr } from './syntax.ts';
import { COMPARE_OPS, FLIPPED_OPS, FUNCTION_FACTS, REPEATED_UDM_SEGMENTS } from './yaralFacts.ts';

/** What lowering needs to know about the rule. */
export interface ExprContext {
  readonly file: string;
  readonly text: string;
  /** Placeholder → the event field it is bound to (first binding), when bound to a field. */
  readonly placeholderField: ReadonlyMap<string, FieldNode>;
}

type Lit = { kind: 'lit'; value: string | number | boolean };

export function span(ctx: ExprContext, at: { start: number; end: number }): Span {
  return { file: ctx.file, start: at.start, end: at.end };
}

function src(ctx: ExprContext, at: { start: number; end: number }): string {
  return ctx.text.slice(at.start, at.end);
}

function strip(e: YExpr): YExpr {
  return e.type === 'group' ? strip(e.expr) : e;
}

/** The field a node denotes: an event field, or a placeholder bound to one. */
export function asField(e: YExpr, ctx: ExprContext): FieldNode | undefined {
  const x = strip(e);
  if (x.type === 'field') return x;
  if (x.type === 'var') return ctx.placeholderField.get(x.name);
  return undefined;
}

function asLiteral(e: YExpr): Lit | undefined {
  const x = strip(e);
  if (x.type === 'string' || x.type === 'number' || x.type === 'bool') return { kind: 'lit', value: x.value };
  if (x.type === 'neg' && strip(x.arg).type === 'number') return { kind: 'lit', value: -(strip(x.arg) as { value: number }).value };
  return undefined;
}

/** The zero value YARA-L gives an omitted field compared with this value. */
function zeroFor(v: string | number | boolean): Value {
  return typeof v === 'string' ? '' : typeof v === 'number' ? 0 : false;
}

/** Is a field path on a repeated UDM field (compared element by element)? */
export function isRepeated(f: FieldNode): boolean {
  return f.path.some((p) => p.kind === 'name' && REPEATED_UDM_SEGMENTS.has(p.name));
}

/**
 * The repeated parts of a lowered field path: `security_result.action` → [`security_result`]; `principal.ip` →
 * [`principal.ip`]. Map access (`labels["k"]`) is a lookup, not a repeated element: the path stops there.
 */
export function repeatedPrefixes(field: string): string[] {
  const names = field.split('[')[0]!.split('.');
  const mapped = field.includes('[');
  const out: string[] = [];
  names.forEach((n, i) => {
    if (mapped && i === names.length - 1) return; // the map itself
    if (REPEATED_UDM_SEGMENTS.has(n)) out.push(names.slice(0, i + 1).join('.'));
  });
  return out;
}

/**
 * Lower a boolean expression over one event variable. `negated` tracks an enclosing `not` (a negative comparison
 * on a repeated field is per element in YARA-L and has no model equivalent).
 */
export function lowerBool(e: YExpr, ctx: ExprContext, negated = false): Expr {
  switch (e.type) {
    case 'group':
      return lowerBool(e.expr, ctx, negated);
    case 'and':
      return and(...e.args.map((a) => lowerBool(a, ctx, negated)));
    case 'or':
      return or(...e.args.map((a) => lowerBool(a, ctx, negated)));
    case 'not':
      return not(lowerBool(e.arg, ctx, !negated));
    case 'compare':
      return lowerCompare(e, ctx, negated);
    case 'inlist':
      return opaque(src(ctx, e.at), `reference list: %${e.list.name} (${e.mode === 'exact' ? 'values' : e.mode === 'regex' ? 'regexes' : 'CIDR ranges'}; its content is not public)`, span(ctx, e.at));
    case 'call':
      return lowerCall(e, ctx, negated);
    case 'bool':
      return e.value ? and() : FALSE;
    case 'field':
    case 'var': {
      const f = asField(e, ctx);
      if (!f) return opaque(src(ctx, e.at), `placeholder: ${src(ctx, e.at)} is computed, not a field`, span(ctx, e.at));
      return pred(fieldPath(f), 'eq', [true], { missingAs: false }, span(ctx, e.at));
    }
    case 'quantified':
      return opaque(src(ctx, e.at), `repeated field: \`${e.quantifier}\` over a boolean repeated field`, span(ctx, e.at));
    case 'arith':
    case 'neg':
    case 'count':
    case 'reflist':
    case 'string':
    case 'regex':
    case 'number':
    case 'list':
      return opaque(src(ctx, e.at), 'syntax: not a condition on an event', span(ctx, e.at));
    default: {
      const never: never = e;
      return never;
    }
  }
}

type CompareNode = Extract<YExpr, { type: 'compare' }>;

function lowerCompare(e: CompareNode, ctx: ExprContext, negated: boolean): Expr {
  let left = strip(e.left);
  let right = strip(e.right);
  let op: CompareOp = e.op;
  // literal on the left: `"x" = $e.f`
  if ((asLiteral(left) || left.type === 'regex') && !asLiteral(right)) {
    [left, right] = [right, left];
    op = FLIPPED_OPS[op];
  }
  const at = span(ctx, e.at);
  const text = src(ctx, e.at);
  const cs = !e.nocase && !(right.type === 'regex' && right.nocase);
  // strings.to_lower($e.f) = "abc"
  let transform: 'lower' | 'upper' | undefined;
  if (left.type === 'call') {
    const fact = FUNCTION_FACTS[left.name];
    if (fact?.kind === 'transform' && left.args.length === 1) {
      transform = fact.transform;
      left = strip(left.args[0]!);
    } else return opaque(text, functionReason(left.name), at);
  }
  const field = asField(left, ctx);
  if (!field) {
    if (left.type === 'var') return opaque(text, `placeholder: $${left.name} is computed by a function, not bound to a field`, at);
    if (left.type === 'arith' || left.type === 'neg') return opaque(text, 'arithmetic: a computed value is compared', at);
    return opaque(text, 'syntax: comparison without an event field', at);
  }
  const name = fieldPath(field);
  const m = COMPARE_OPS[op];
  const neg = m.negated !== negated; // the comparison, as evaluated, says "not"
  const repeatedNote = (): Expr | undefined => {
    if (e.quantifier === 'all') return m.negated && m.op === 'eq' && !negated ? undefined : opaque(text, 'repeated field: `all` needs every element to satisfy the comparison', at);
    if (e.quantifier === 'any' && neg) return opaque(text, 'repeated field: `any` with a negative comparison holds when some element differs', at);
    if (neg && isRepeated(field)) {
      // per element: some element differs (`!=`), or (under a `not`) not every element matches
      const each = perElement(name, m.negated ? 'any' : 'all', at, (el) => {
        const p = positive(el);
        return m.negated ? not(p) : p;
      });
      return each ?? opaque(text, `repeated field: ${name} is compared element by element, so a negative comparison holds when some element differs`, at);
    }
    return undefined;
  };
  /** The comparison without its operator's negation, on `target` (the field, or an element's field). */
  const positive = (target: string): Expr => {
    if (right.type === 'regex') return transform ? lowerTransformed(text, at, target, 'regex', right.pattern, transform, false) : pred(target, 'regex', [right.pattern], { cs, missingAs: '' }, at);
    const lit = asLiteral(right);
    if (lit) {
      if (!transform) return pred(target, m.op, [lit.value], typeof lit.value === 'string' ? { cs, missingAs: '' } : { missingAs: zeroFor(lit.value) }, at);
      if (typeof lit.value !== 'string' || m.op !== 'eq') return opaque(text, `function: strings.to_${transform} compared with ${op}`, at);
      return lowerTransformed(text, at, target, 'eq', lit.value, transform, false);
    }
    return opaque(text, 'repeated field: a comparison with a value that is not a constant', at);
  };
  const rep = repeatedNote();
  if (rep) return rep;
  if (right.type === 'regex') {
    if (transform) return lowerTransformed(text, at, name, 'regex', right.pattern, transform, m.negated);
    const p = pred(name, 'regex', [right.pattern], { cs, missingAs: '' }, at);
    return m.negated ? not(p) : p;
  }
  const lit = asLiteral(right);
  if (lit) {
    if (transform) {
      if (typeof lit.value !== 'string' || m.op !== 'eq') return opaque(text, `function: strings.to_${transform} compared with ${op}`, at);
      return lowerTransformed(text, at, name, 'eq', lit.value, transform, m.negated);
    }
    const opts: PredicateOptions = typeof lit.value === 'string' ? { cs, missingAs: '' } : { missingAs: zeroFor(lit.value) };
    const p = pred(name, m.op, [lit.value], opts, at);
    return m.negated ? not(p) : p;
  }
  const other = asField(right, ctx);
  if (other && !transform) {
    const p = pred(name, m.op, [{ kind: 'field', field: fieldPath(other) }], { cs }, at);
    return m.negated ? not(p) : p;
  }
  if (right.type === 'call') return opaque(text, functionReason(right.name), at);
  if (right.type === 'arith' || right.type === 'neg') return opaque(text, 'arithmetic: a field is compared with a computed value', at);
  if (right.type === 'var') return opaque(text, `placeholder: $${right.name} is computed by a function, not bound to a field`, at);
  return opaque(text, 'syntax: comparison the model cannot express', at);
}

/**
 * `strings.to_lower(x) = "abc"` is x equal to "abc" ignoring case exactly when the literal is already lower-case
 * (otherwise it never holds); a regex pattern likewise needs no upper-case letter and no escape that names a
 * character by code (`\x41`, `\101`, `\u`, `\p`).
 */
function lowerTransformed(text: string, at: Span, field: string, op: Operator, value: string, transform: 'lower' | 'upper', negated: boolean): Expr {
  const fold = transform === 'lower' ? value.toLowerCase() : value.toUpperCase();
  let ok: boolean;
  if (op === 'regex') {
    const bare = value.replace(/\\[SWDBAQEZswdbz]/g, '');
    ok = bare === (transform === 'lower' ? bare.toLowerCase() : bare.toUpperCase()) && !/\\(x|u|p|P|[0-7])/.test(value);
    if (!ok) return opaque(text, `function: strings.to_${transform} before a regex with letters of the other case or character codes`, at);
  } else if (fold !== value) {
    // to_lower(x) = "Abc" never holds
    return negated ? and() : FALSE;
  }
  const p = pred(field, op, [value], { cs: false, missingAs: '' }, at);
  return negated ? not(p) : p;
}

function lowerCall(e: Extract<YExpr, { type: 'call' }>, ctx: ExprContext, negated: boolean): Expr {
  const text = src(ctx, e.at);
  const at = span(ctx, e.at);
  const fact = FUNCTION_FACTS[e.name];
  if (!fact || fact.kind !== 'predicate') return opaque(text, functionReason(e.name), at);
  if (e.args.length !== 2) return opaque(text, `function: ${e.name} with ${e.args.length} arguments`, at);
  let target = strip(e.args[0]!);
  let transform: 'lower' | 'upper' | undefined;
  if (target.type === 'call') {
    const inner = FUNCTION_FACTS[target.name];
    if (inner?.kind !== 'transform' || target.args.length !== 1) return opaque(text, functionReason(target.name), at);
    transform = inner.transform;
    target = strip(target.args[0]!);
  }
  const field = asField(target, ctx);
  const pattern = asLiteral(e.args[1]!);
  if (!field) return opaque(text, `function: ${e.name} over a value that is not an event field`, at);
  if (!pattern || typeof pattern.value !== 'string') return opaque(text, `function: ${e.name} with a pattern that is not a literal string`, at);
  const name = fieldPath(field);
  // strings.starts_with / ends_with are false for an empty pattern (the reference), unlike the model's operators
  if (pattern.value === '' && fact.op !== 'regex') return opaque(text, `function: ${e.name} with an empty pattern`, at);
  const value: string = pattern.value;
  const test = (target: string): Expr => {
    if (transform) {
      if (fact.op === 'regex') return lowerTransformed(text, at, target, 'regex', value, transform, false);
      if (fact.op !== 'contains' && fact.op !== 'starts_with' && fact.op !== 'ends_with') return opaque(text, `function: ${e.name} over strings.to_${transform}`, at);
      const fold = transform === 'lower' ? value.toLowerCase() : value.toUpperCase();
      if (fold !== value) return FALSE;
      return pred(target, fact.op, [value], { cs: false, missingAs: '' }, at);
    }
    const cs = fact.cs && !e.nocase;
    const opts: PredicateOptions = fact.op === 'cidr' ? { missingAs: '' } : { cs, missingAs: '' };
    return pred(target, fact.op, [value], opts, at);
  };
  if (negated && isRepeated(field)) {
    // under a `not`: not every element passes (the caller negates), as YARA-L tests each element of the field
    return perElement(name, 'all', at, test) ?? opaque(text, `repeated field: ${name} is tested element by element, so a negated test holds when some element fails it`, at);
  }
  return test(name);
}

/**
 * A test of a repeated field that YARA-L applies element by element (it unnests the field: one row per element)
 * and that must hold for some element: the model's `each` over the field's one repeated segment (`target.ip`,
 * `security_result`), the test on the element (`.`, `.action`). `all` for a test the caller negates (`not …`: some
 * element fails it). A missing field is one zero-value element (`""`), as a missing single field compares.
 * Undefined when the path has several repeated segments or the test is not expressed.
 */
function perElement(name: string, quant: 'any' | 'all', at: Span, test: (elementField: string) => Expr): Expr | undefined {
  const reps = repeatedPrefixes(name);
  if (reps.length !== 1) return undefined;
  const array = reps[0]!;
  const expr = test(name === array ? '.' : `.${name.slice(array.length + 1)}`);
  if (expr.kind === 'opaque') return undefined;
  return { kind: 'each', quant, array, expr, missingAs: '', span: at };
}

export function functionReason(name: string): string {
  const fact = FUNCTION_FACTS[name];
  if (fact?.kind === 'opaque') return fact.reason;
  if (fact?.kind === 'transform') return `function: ${name} used other than compared with a literal`;
  if (fact?.kind === 'predicate') return `function: ${name} used as a value`;
  return `function: ${name} is not an operator of the model`;
}
