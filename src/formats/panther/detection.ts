/**
 * Panther YAML match expressions (`Detection:` of a Simple Detection, `InlineFilters:` of any rule) lowered into
 * the model. The top-level list is an implicit `All`. Combinators: All (and), Any (or), OnlyOne (exactly one: an
 * or of "this one and none of the others"), None (none holds: not of or). Conditions come from CONDITIONS.
 */
import type { Diagnostic } from '../../model/diagnostics.ts';
import { and, not, opaque, or, pred, TRUE, FALSE, type Expr, type PredicateOptions, type Value } from '../../model/expr.ts';
import { LIMITS } from '../../model/diagnostics.ts';
import type { Span } from '../../model/span.ts';
import { PantherDiagnostics } from './diagnostics.ts';
import { crossesList, deepKeyToPath, parseKeyPath } from './keyPath.ts';
import { CONDITIONS } from './pantherFacts.ts';
import { isRecord, lineAt, rangeAt, type YamlSpec } from './yamlDoc.ts';

export interface MatchLowering {
  readonly expr: Expr;
  readonly diagnostics: readonly Diagnostic[];
}

type Path = readonly (string | number)[];

const COMBINATORS = ['All', 'Any', 'OnlyOne', 'None'] as const;

/** Lower the match-expression list at `path` (e.g. ['Detection']) of a spec. */
export function lowerMatchExpressions(spec: YamlSpec, file: string, path: Path): MatchLowering {
  const diagnostics: Diagnostic[] = [];
  const ctx: Ctx = { spec, file, diagnostics };
  const v = valueAt(spec.value, path);
  const expr = Array.isArray(v) ? lowerList(ctx, v, path, 'All', 0) : lowerOne(ctx, v, path, 0);
  return { expr, diagnostics };
}

interface Ctx {
  readonly spec: YamlSpec;
  readonly file: string;
  readonly diagnostics: Diagnostic[];
}

function valueAt(v: unknown, path: Path): unknown {
  let cur = v;
  for (const k of path) {
    if (typeof k === 'number' ? Array.isArray(cur) : isRecord(cur)) cur = (cur as Record<string | number, unknown>)[k];
    else return undefined;
  }
  return cur;
}

function spanOf(ctx: Ctx, path: Path): Span | undefined {
  const r = rangeAt(ctx.spec, path);
  return r ? { file: ctx.file, ...r } : undefined;
}

function textOf(ctx: Ctx, path: Path): string {
  const r = rangeAt(ctx.spec, path);
  return r ? ctx.spec.text.slice(r.start, r.end).trimEnd() : JSON.stringify(valueAt(ctx.spec.value, path));
}

function at(ctx: Ctx, path: Path) {
  const line = lineAt(ctx.spec, path);
  return line === undefined ? undefined : { line };
}

function lowerList(ctx: Ctx, items: readonly unknown[], path: Path, comb: (typeof COMBINATORS)[number], depth: number): Expr {
  const parts = items.map((it, i) => lowerOne(ctx, it, [...path, i], depth + 1));
  switch (comb) {
    case 'All':
      return and(...parts);
    case 'Any':
      return or(...parts);
    case 'None':
      return not(or(...parts));
    case 'OnlyOne':
      // exactly one holds
      return or(...parts.map((p, i) => and(p, ...parts.filter((_, j) => j !== i).map((q) => not(q)))));
  }
}

function lowerOne(ctx: Ctx, item: unknown, path: Path, depth: number): Expr {
  if (depth > LIMITS.maxDepth) return opaque(textOf(ctx, path), `nesting deeper than ${LIMITS.maxDepth}`, spanOf(ctx, path));
  if (!isRecord(item)) {
    ctx.diagnostics.push(PantherDiagnostics.badMatchExpression(ctx.file, 'expected a mapping', at(ctx, path)));
    return opaque(textOf(ctx, path), 'malformed match expression', spanOf(ctx, path));
  }
  for (const c of COMBINATORS) {
    if (c in item) {
      const inner = item[c];
      if (!Array.isArray(inner)) {
        ctx.diagnostics.push(PantherDiagnostics.badMatchExpression(ctx.file, `${c} takes a list`, at(ctx, path)));
        return opaque(textOf(ctx, path), `${c} without a list`, spanOf(ctx, path));
      }
      return lowerList(ctx, inner, [...path, c], c, depth);
    }
  }
  const condName = item['Condition'];
  if (typeof condName !== 'string') {
    ctx.diagnostics.push(PantherDiagnostics.badMatchExpression(ctx.file, 'no Condition', at(ctx, path)));
    return opaque(textOf(ctx, path), 'match expression without a Condition', spanOf(ctx, path));
  }
  const fact = CONDITIONS[condName];
  if (!fact) {
    ctx.diagnostics.push(PantherDiagnostics.unknownCondition(ctx.file, condName, at(ctx, path)));
    return opaque(textOf(ctx, path), `unknown Panther condition ${condName}`, spanOf(ctx, path));
  }
  if (fact.shape === 'const') return fact.value ? TRUE : FALSE;
  if ('Enrichment' in item) return opaque(textOf(ctx, path), 'enrichment match expression: compares a value looked up in an enrichment table', spanOf(ctx, path));
  if (fact.shape === 'opaque') return opaque(textOf(ctx, path), fact.reason, spanOf(ctx, path));

  const field = keyOf(item);
  const span = spanOf(ctx, path);
  // multi-key: Values is a list of key specifiers compared with each other
  if (field === undefined && Array.isArray(item['Values']) && item['Values'].length === 2 && item['Values'].every((v) => keyOf(v) !== undefined)) {
    if (fact.shape !== 'value') return opaque(textOf(ctx, path), `multi-key match with ${condName}`, span);
    const [a, b] = (item['Values'] as unknown[]).map((v) => keyOf(v)!) as [string, string];
    const e = pred(a, fact.op, [{ kind: 'field', field: b }], optsFor(a, fact.opts), span);
    return fact.negate ? not(e) : e;
  }
  if (field === undefined) {
    ctx.diagnostics.push(PantherDiagnostics.badMatchExpression(ctx.file, 'no Key, DeepKey or KeyPath', at(ctx, path)));
    return opaque(textOf(ctx, path), 'match expression without a key', span);
  }
  switch (fact.shape) {
    case 'null_or_empty': {
      // absent, null, "", [] or {}: falsy in Python except 0 / False
      const e = and(pred(field, 'is_null', [], { truthy: true }, span), pred(field, 'ne', [0], { typing: 'strict' }, span));
      return fact.negate ? not(e) : e;
    }
    case 'list':
      return lowerComprehension(ctx, item, path, field, fact.quant, depth);
    case 'none': {
      const e = pred(field, fact.op, fact.values ?? [], optsFor(field, fact.opts), span);
      return fact.negate ? not(e) : e;
    }
    case 'value':
    case 'values': {
      const raw = fact.shape === 'values' ? item['Values'] : item['Value'];
      const values = fact.shape === 'values' ? (Array.isArray(raw) ? raw : undefined) : raw === undefined ? undefined : [raw];
      if (!values || !values.every(isScalarValue)) {
        ctx.diagnostics.push(PantherDiagnostics.badMatchExpression(ctx.file, `${condName} needs ${fact.shape === 'values' ? 'Values: a list of scalars' : 'a scalar Value'}`, at(ctx, path)));
        return opaque(textOf(ctx, path), `${condName} without a usable value`, span);
      }
      const e = pred(field, fact.op, values as Value[], optsFor(field, fact.opts), span);
      return fact.negate ? not(e) : e;
    }
  }
}

function isScalarValue(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/**
 * Panther's engine is Python: types are not coerced (5 != "5"). A `[*]` path yields the list of element values and
 * the predicate holds when any element satisfies it; strict (Python) typing would compare the list as a whole, so
 * those predicates use element-wise (loose) matching instead.
 */
function optsFor(field: string, base: PredicateOptions | undefined): PredicateOptions {
  return crossesList(field) ? { ...base, listMatch: 'any' } : { ...base, typing: 'strict' };
}

/** Operators whose evaluation on a list of element values means "some element satisfies it". */
const ELEMENTWISE: ReadonlySet<string> = new Set(['eq', 'in', 'contains', 'starts_with', 'ends_with', 'cidr', 'regex', 'wildcard']);

/** The field a match expression (or a multi-key operand) names, in KeyPath spelling. */
export function keyOf(item: unknown): string | undefined {
  if (!isRecord(item)) return undefined;
  if (typeof item['Key'] === 'string' && item['Key'] !== '') return item['Key'];
  if (typeof item['KeyPath'] === 'string' && parseKeyPath(item['KeyPath'])) return item['KeyPath'];
  if (Array.isArray(item['DeepKey'])) return deepKeyToPath(item['DeepKey']);
  return undefined;
}

/**
 * List comprehension (`AnyElement` / `NoElement` / `AllElements` / `OnlyOneElement` with `Expressions` over each
 * element). Only "any element satisfies one predicate" (and its negation, NoElement) has the model's meaning: a
 * predicate on `list[*].key` holds when any element does. Several per-element expressions must hold on the SAME
 * element, which separate predicates cannot say, so those stay opaque.
 */
function lowerComprehension(ctx: Ctx, item: Record<string, unknown>, path: Path, field: string, quant: 'any' | 'all' | 'none' | 'one', depth: number): Expr {
  const span = spanOf(ctx, path);
  const exprs = item['Expressions'];
  if (!Array.isArray(exprs) || exprs.length === 0) {
    ctx.diagnostics.push(PantherDiagnostics.badMatchExpression(ctx.file, 'list comprehension without Expressions', at(ctx, path)));
    return opaque(textOf(ctx, path), 'list comprehension without Expressions', span);
  }
  if ((quant === 'any' || quant === 'none') && exprs.length === 1) {
    const inner = lowerOne({ ...ctx, diagnostics: ctx.diagnostics }, exprs[0], [...path, 'Expressions', 0], depth + 1);
    if (inner.kind === 'pred' && ELEMENTWISE.has(inner.op) && !inner.values.some((v) => v !== null && typeof v === 'object')) {
      const f = inner.field.startsWith('[') ? `${field}[*]${inner.field}` : `${field}[*].${inner.field}`;
      const { typing: _t, ...rest } = inner.opts ?? {};
      const e = pred(f, inner.op, inner.values, { ...rest, listMatch: 'any' }, inner.span);
      return quant === 'none' ? not(e) : e;
    }
  }
  const what = { any: 'some element', all: 'every element', none: 'no element', one: 'exactly one element' }[quant];
  return opaque(textOf(ctx, path), `list comprehension: ${what} of ${field} must satisfy the expressions together; the model matches list elements per predicate`, span);
}
