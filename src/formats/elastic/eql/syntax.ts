/**
 * Parse an EQL query with the peggy grammar `eql.peggy` (generated once, when first needed; no result cache:
 * predicates parse their left value once, so backtracking stays shallow). Returns EQL's own syntax tree, offsets
 * relative to the query text; lowering into the model is in lowerExpr.ts and index.ts.
 */
import { grammarParser, type PeggyParser } from '../../grammar.ts';

/** Offsets of a node inside the query text (end exclusive). */
export interface EqlRange {
  readonly start: number;
  readonly end: number;
}

/** Values: literals, fields, function calls and arithmetic. */
export type EqlValue =
  | { readonly type: 'string'; readonly value: string; readonly at: EqlRange }
  | { readonly type: 'number'; readonly value: number; readonly at: EqlRange }
  | { readonly type: 'bool'; readonly value: boolean; readonly at: EqlRange }
  | { readonly type: 'null'; readonly at: EqlRange }
  /** `path` is the dotted name with backticks removed; `optional` is the `?` prefix. */
  | { readonly type: 'field'; readonly path: string; readonly segments: readonly string[]; readonly optional: boolean; readonly at: EqlRange }
  /** `name~(…)`: `ci` is the case-insensitive form. Arguments may be conditions (EQL allows any expression). */
  | { readonly type: 'call'; readonly name: string; readonly ci: boolean; readonly args: readonly EqlExpr[]; readonly at: EqlRange }
  | { readonly type: 'arith'; readonly op: '+' | '-' | '*' | '/' | '%'; readonly left: EqlValue; readonly right: EqlValue; readonly at: EqlRange }
  | { readonly type: 'neg'; readonly arg: EqlValue; readonly at: EqlRange }
  /** Endpoint EQL `$entry` (bound by `arraySearch`), with its dotted path. */
  | { readonly type: 'variable'; readonly path: string; readonly at: EqlRange }
  /** `( … )` around one item: a value, or a condition (a group when no operator follows it). */
  | { readonly type: 'paren'; readonly expr: EqlExpr; readonly at: EqlRange }
  /** `( a, b, … )`: the right side of `in`, `:`, `like`, `regex`. */
  | { readonly type: 'list'; readonly items: readonly EqlExpr[]; readonly at: EqlRange }
  /** A condition found where a list item (a value) was expected. */
  | { readonly type: 'cond'; readonly expr: EqlExpr; readonly at: EqlRange };

export type EqlCompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | ':';
export type EqlPatternOp = 'like' | 'like~' | 'regex' | 'regex~';

/** Conditions. */
export type EqlExpr =
  | { readonly type: 'or' | 'and'; readonly args: readonly EqlExpr[]; readonly at: EqlRange }
  | { readonly type: 'not'; readonly arg: EqlExpr; readonly at: EqlRange }
  | { readonly type: 'group'; readonly expr: EqlExpr; readonly at: EqlRange }
  | { readonly type: 'compare'; readonly op: EqlCompareOp; readonly left: EqlValue; readonly right: EqlValue; readonly at: EqlRange }
  /** `x in (…)`, `x in~ (…)`, `x not in (…)`, `x : (…)`. */
  | { readonly type: 'lookup'; readonly op: 'in' | 'in~' | ':'; readonly negated: boolean; readonly left: EqlValue; readonly values: readonly EqlValue[]; readonly at: EqlRange }
  | { readonly type: 'pattern'; readonly op: EqlPatternOp; readonly left: EqlValue; readonly values: readonly EqlValue[]; readonly at: EqlRange }
  /** A value used as a condition: a function call (`startsWith(…)`), a boolean field, `true`. */
  | { readonly type: 'bare'; readonly value: EqlValue; readonly at: EqlRange }
  /** Endpoint (Endgame) EQL process lineage: `descendant of [ … ]`, `child of [ … ]`, `event of [ … ]`. */
  | { readonly type: 'lineage'; readonly relation: 'descendant' | 'child' | 'event'; readonly query: EqlEvent; readonly at: EqlRange };

/** `process where …`; `name` null for `any`. */
export interface EqlEvent {
  readonly type: 'event';
  readonly category: { readonly name: string | null; readonly at: EqlRange };
  readonly cond: EqlExpr;
  readonly at: EqlRange;
}

/** One bracketed step of a sequence or sample: `![ … ] by k with runs=n`. */
export interface EqlStep {
  readonly type: 'step';
  readonly query: EqlEvent;
  readonly by: readonly EqlValue[];
  /** `!`: a missing event (the sequence matches only when no such event occurs). */
  readonly missing: boolean;
  readonly runs: number | null;
  /** Endpoint EQL `as event0`. */
  readonly alias: string | null;
  readonly at: EqlRange;
}

export interface EqlMaxspan {
  readonly value: number;
  readonly unit: string;
  /** As written, without spaces: `5m`. */
  readonly text: string;
  readonly at: EqlRange;
}

export type EqlBody =
  | EqlEvent
  | { readonly type: 'sequence'; readonly by: readonly EqlValue[]; readonly maxspan: EqlMaxspan | null; readonly steps: readonly EqlStep[]; readonly until: EqlStep | null; readonly at: EqlRange }
  | { readonly type: 'sample'; readonly by: readonly EqlValue[]; readonly steps: readonly EqlStep[]; readonly at: EqlRange };

export interface EqlPipe {
  readonly type: 'pipe';
  /** Lower-cased: `head`, `tail`, `filter`, `unique`… */
  readonly name: string;
  readonly args: readonly EqlExpr[];
  readonly at: EqlRange;
}

export interface EqlQuery {
  readonly body: EqlBody;
  readonly pipes: readonly EqlPipe[];
  readonly at: EqlRange;
}

export type EqlParseResult = { readonly ok: true; readonly query: EqlQuery } | { readonly ok: false; readonly message: string; readonly offset: number };

/** Bounds on untrusted query text. */
export const EQL_LIMITS = { maxLength: 200_000, maxDepth: 100 } as const;

let parser: PeggyParser | undefined;

function eqlParser(): PeggyParser {
  return (parser ??= grammarParser(new URL('./eql.peggy', import.meta.url)));
}

/** Parse one EQL query. Never throws on bad input. */
export function parseEql(text: string): EqlParseResult {
  if (text.length > EQL_LIMITS.maxLength) return { ok: false, message: `longer than ${EQL_LIMITS.maxLength} characters`, offset: 0 };
  const deep = nestingTooDeep(text, EQL_LIMITS.maxDepth);
  if (deep !== undefined) return { ok: false, message: `nested deeper than ${EQL_LIMITS.maxDepth} levels`, offset: deep };
  try {
    return { ok: true, query: eqlParser().parse(text) as EqlQuery };
  } catch (e) {
    const err = e as { message?: string; location?: { start: { offset: number } } };
    if (err.location) return { ok: false, message: err.message ?? 'syntax error', offset: err.location.start.offset };
    return { ok: false, message: err.message ?? String(e), offset: 0 };
  }
}

/**
 * Offset where bracket nesting first exceeds the limit (strings skipped), so that the recursive-descent parser is
 * never handed input deep enough to exhaust the stack; undefined when within bounds.
 */
function nestingTooDeep(text: string, limit: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash escape
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 40 || c === 91) {
      if (++depth > limit) return i;
    } else if (c === 41 || c === 93) depth--;
  }
  return undefined;
}
