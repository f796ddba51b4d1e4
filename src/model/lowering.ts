/**
 * The one contract between a language's lowering and the rule's logic (DESIGN.md §2-3).
 *
 * Every adapter lowers its native syntax tree into a `Lowering`: the pipeline's stages, the row-level condition,
 * what the condition leaves out (each part with its `MissingKind`), the aggregation, the output fields and the
 * diagnostics met on the way. A language extends it with what only it knows (`SqlLowering` adds the tables read,
 * `QueryLowering` the time filters…). `buildLogic(lowering)` makes the rule's `Logic`: completeness, exclusions,
 * indicators and event keys derived from the condition, so no adapter computes them.
 *
 * Diagnostics travel inside the lowering (not a side list or an array passed in): the record builder puts them on
 * the rule.
 */
import { aggregationDecides, planAggregation } from './aggregate.ts';
import { and, assertNever, containsOpaque, leaves, not, or, type Expr, type Predicate } from './expr.ts';
import { OPERATOR_FACTS } from './operators.ts';
import type { Diagnostic } from './diagnostics.ts';
import { deriveEventKeys, deriveExclusions, deriveIndicators } from './analyze.ts';
import type { Aggregation, Completeness, DetailValue, Logic, MissingKind, MissingPart, OutputField, Stage } from './rule.ts';

/**
 * A missing part as a lowering states it. When `kind` is left out it comes from the category word the reason
 * starts with (`aggregation:`, `sequence:`, `command:`…, see `MISSING_CATEGORY_KINDS`), else `opaque`.
 */
export type MissingInput = Omit<MissingPart, 'kind'> & { readonly kind?: MissingKind };

/** Category words of missing-part reasons (`<word>: …`) and the kind each means (data). */
export const MISSING_CATEGORY_KINDS: Readonly<Record<string, MissingKind>> = {
  aggregation: 'aggregation',
  aggregate: 'aggregation',
  threshold: 'aggregation',
  correlation: 'correlation',
  sequence: 'correlation',
  sample: 'correlation',
  join: 'correlation',
  joins: 'correlation',
  lookup: 'correlation',
  subsearch: 'correlation',
  command: 'rows',
  pipe: 'rows',
  limit: 'rows',
  rows: 'rows',
  source: 'source',
  index: 'source',
  filter: 'filter',
  code: 'code',
  language: 'code',
  query: 'code',
  syntax: 'code',
};

/** The kind of a missing part stated without one: from its reason's category word. */
export function missingKindOf(m: MissingInput): MissingKind {
  if (m.kind) return m.kind;
  const word = /^([a-z][a-z ]*?):/.exec(m.reason)?.[1];
  return (word && MISSING_CATEGORY_KINDS[word]) || 'opaque';
}

/** What a language's lowering returns. */
export interface Lowering {
  readonly stages: readonly Stage[];
  /** The row-level condition: what one event must satisfy to count toward an alert. */
  readonly condition?: Expr;
  /** Parts not expressed; opaque leaves of the condition are added by `buildLogic`. */
  readonly missing?: readonly MissingInput[];
  readonly aggregation?: Aggregation;
  readonly outputFields?: readonly OutputField[];
  /** Diagnostics met while lowering (the record builder puts them on the rule; `buildLogic` ignores them). */
  readonly diagnostics?: readonly Diagnostic[];
  /** Which parser produced the logic, for the page. */
  readonly parser?: string;
  /** Why logic is absent or partial, for the page. */
  readonly note?: string;
  /** Force partial (imperative code outside the condition), with the reason in `missing`. */
  readonly partial?: boolean;
}

/**
 * A lowering that states each of its lists (missing parts may leave their kind to their reason's category word):
 * what a language's own lowering type extends with what only that language knows.
 */
export interface StatedLowering extends Lowering {
  readonly missing: readonly MissingInput[];
  readonly outputFields: readonly OutputField[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * A lowering that states each of its lists, every missing part with its kind: what a language's lowering returns
 * (`Lowering` lets direct callers of `buildLogic` omit them).
 */
export interface FullLowering extends Lowering {
  readonly missing: readonly MissingPart[];
  readonly outputFields: readonly OutputField[];
  readonly diagnostics: readonly Diagnostic[];
}

/** An empty lowering: no stage, no condition, with the note saying why. */
export function noLogic(note?: string, parser?: string): Lowering {
  return { stages: [], ...(note ? { note } : {}), ...(parser ? { parser } : {}) };
}

/** A missing part with its kind. */
export function missingPart(kind: MissingKind, text: string, reason: string, span?: MissingPart['span']): MissingPart {
  return span ? { kind, text, reason, span } : { kind, text, reason };
}

/** Assemble a Logic record: completeness, exclusions, indicators and event keys derived from the condition. */
export function buildLogic(input: Lowering): Logic {
  const missing: MissingPart[] = (input.missing ?? []).map((m) => (m.kind ? (m as MissingPart) : { ...m, kind: missingKindOf(m) }));
  const cond = input.condition;
  if (cond) {
    for (const l of leaves(cond)) {
      if (l.kind !== 'opaque') continue;
      if (!missing.some((m) => m.text === l.text && m.reason === l.reason)) missing.push(missingPart('opaque', l.text, l.reason, l.span));
    }
  }
  // every side of a multi-event rule must be expressed for the rule to be complete
  for (const side of input.aggregation?.sides ?? []) {
    for (const l of leaves(side.condition)) {
      if (l.kind !== 'opaque') continue;
      if (!missing.some((m) => m.text === l.text && m.reason === l.reason)) missing.push(missingPart('opaque', l.text, `${side.name}: ${l.reason}`, l.span));
    }
  }
  // a threshold (or new terms) aggregation whose count, keys, window and threshold are all read is expressed (the
  // hunt counts it); any other keeps the rule partial, with what could not be read
  const agg = input.aggregation;
  const plan = agg && aggregationDecides(agg) ? planAggregation(agg) : undefined;
  if (agg && plan && 'unsupported' in plan && !missing.some((m) => m.kind === 'aggregation')) {
    const why = agg.sides?.length ? 'the rule alerts on a threshold over paired events' : plan.unsupported;
    const text = agg.text ?? (agg.threshold ? `${agg.function ?? 'count'} ${agg.threshold.op} ${agg.threshold.value}` : agg.function ?? 'aggregation');
    missing.push(missingPart('aggregation', text, `aggregation: ${why}`));
  }
  let completeness: Completeness;
  if (!cond || cond.kind === 'opaque') completeness = 'none';
  else if (containsOpaque(cond) || input.partial || missing.length > 0) completeness = 'partial';
  else completeness = 'complete';
  const indicators = cond ? deriveIndicators(cond) : [];
  return {
    stages: input.stages,
    ...(cond ? { condition: cond } : {}),
    completeness,
    missing,
    ...(agg ? { aggregation: agg } : {}),
    exclusions: cond ? deriveExclusions(cond) : [],
    indicators,
    outputFields: input.outputFields ?? [],
    eventKeys: deriveEventKeys(indicators),
    ...(input.parser ? { parser: input.parser } : {}),
    ...(input.note ? { note: input.note } : {}),
  };
}

/** A parsed value (YAML, TOML, JSON) as stage detail: JSON values kept, anything else as its text. */
export function detailValue(v: unknown): DetailValue | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map((x) => detailValue(x) ?? null);
  if (typeof v === 'object') {
    const out: Record<string, DetailValue | undefined> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = detailValue(x);
    return out;
  }
  return String(v);
}

/**
 * Drop the presence checks (`x is_not_null`) that a lowering adds to the false form of a test that can be null
 * (ES|QL's and KQL's three-valued negations), where the same AND already implies them (`x is_not_null and x eq "a"`)
 * or repeats them, so that a rule's condition reads as written. Only a positive test that cannot hold on a missing
 * value implies the check: not one with a missing default (`missingAs`), and a test of a derived value implies the
 * check of that derived value only (KQL's `strlen(x) == 0` holds where x is missing). A check with options
 * (`isnotempty`) is kept.
 */
export function simplifyPresence(e: Expr): Expr {
  switch (e.kind) {
    case 'and': {
      const args = e.args.map(simplifyPresence);
      const key = (p: Predicate) => (p.derived ? `${p.field}\u0000${JSON.stringify(p.derived)}` : p.field);
      const implied = new Set<string>();
      for (const a of args) {
        if (a.kind !== 'pred' || a.op === 'is_not_null' || OPERATOR_FACTS[a.op].negative || a.opts?.missingAs !== undefined) continue;
        implied.add(key(a));
      }
      const seen = new Set<string>();
      const kept = args.filter((a) => {
        if (a.kind !== 'pred' || a.op !== 'is_not_null' || a.opts !== undefined) return true;
        const k = key(a);
        if (implied.has(k) || seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      return e.name === undefined ? and(...kept) : { ...e, args: kept };
    }
    case 'or':
      return e.name === undefined ? or(...e.args.map(simplifyPresence)) : { ...e, args: e.args.map(simplifyPresence) };
    case 'not':
      return not(simplifyPresence(e.arg));
    case 'quant':
    case 'each':
    case 'pred':
    case 'opaque':
    case 'const':
      return e;
    default:
      return assertNever(e, 'expression');
  }
}
