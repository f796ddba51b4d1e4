/**
 * Parse a Sigma condition with the peggy grammar `condition.peggy` (generated once, when first needed).
 * Returns the condition's own syntax tree (offsets relative to the condition text); lowering is in lower.ts.
 */
import { grammarParser, type PeggyParser } from '../grammar.ts';
import { assertNever } from '../../model/expr.ts';

/** Offsets of a node inside the condition text. */
export interface CondRange {
  readonly start: number;
  readonly end: number;
}

/** The Sigma condition syntax tree, as the grammar builds it. */
export type CondNode =
  | { readonly type: 'or' | 'and'; readonly args: readonly CondNode[]; readonly at: CondRange }
  | { readonly type: 'not'; readonly arg: CondNode; readonly at: CondRange }
  /** Parentheses, kept so that nesting depth is bounded. */
  | { readonly type: 'group'; readonly expr: CondNode; readonly at: CondRange }
  /** `1 of selection_*`, `all of them`: selector is the pattern or `them`. */
  | { readonly type: 'quant'; readonly count: number | 'all'; readonly selector: string; readonly at: CondRange }
  | { readonly type: 'ref'; readonly name: string; readonly at: CondRange };

/** Sigma v1 aggregation suffix after `|`. */
export type CondAggregation =
  | {
      readonly type: 'aggregate';
      readonly fn: string;
      readonly field: string | null;
      readonly groupBy: string | null;
      readonly op: '>' | '>=' | '<' | '<=' | '==' | '=';
      readonly value: number;
      readonly at: CondRange;
    }
  | { readonly type: 'near'; readonly expr: CondNode; readonly at: CondRange };

export interface ParsedCondition {
  readonly expr: CondNode;
  readonly agg: CondAggregation | null;
}

export type ConditionResult = { ok: true; value: ParsedCondition } | { ok: false; message: string; offset: number };

/** Bounds on untrusted condition text. */
export const CONDITION_LIMITS = { maxLength: 10_000, maxDepth: 100 } as const;

let parser: PeggyParser | undefined;

function conditionParser(): PeggyParser {
  return (parser ??= grammarParser(new URL('./condition.peggy', import.meta.url)));
}

/** Parse one condition string. Never throws on bad input. */
export function parseCondition(text: string): ConditionResult {
  if (text.length > CONDITION_LIMITS.maxLength) return { ok: false, message: `longer than ${CONDITION_LIMITS.maxLength} characters`, offset: 0 };
  try {
    const value = conditionParser().parse(text) as ParsedCondition;
    if (depth(value.expr) > CONDITION_LIMITS.maxDepth) return { ok: false, message: `nested deeper than ${CONDITION_LIMITS.maxDepth} levels`, offset: 0 };
    return { ok: true, value };
  } catch (e) {
    const err = e as { message?: string; location?: { start: { offset: number } } };
    if (err.location) return { ok: false, message: err.message ?? 'syntax error', offset: err.location.start.offset };
    // deep recursion in the generated parser
    return { ok: false, message: err.message ?? String(e), offset: 0 };
  }
}

function depth(n: CondNode): number {
  switch (n.type) {
    case 'and':
    case 'or':
      return 1 + Math.max(...n.args.map(depth));
    case 'not':
      return 1 + depth(n.arg);
    case 'group':
      return 1 + depth(n.expr);
    case 'quant':
    case 'ref':
      return 1;
    default:
      return assertNever(n, 'condition node');
  }
}
