/**
 * Parse MQL with the peggy grammar `mql.peggy` (generated once, when first needed). Returns the syntax tree of
 * `syntax.ts` with offsets relative to the MQL text; lowering into the model is in `lower.ts`.
 */
import { grammarParser, type PeggyParser } from '../grammar.ts';
import { depthOf, type MqlNode } from './syntax.ts';

export type MqlParseResult = { ok: true; value: MqlNode } | { ok: false; message: string; offset: number; end?: number };

/** Bounds on untrusted MQL text. */
export const MQL_LIMITS = { maxLength: 1_000_000, maxDepth: 200 } as const;

let parser: PeggyParser | undefined;

function mqlParser(): PeggyParser {
  return (parser ??= grammarParser(new URL('./mql.peggy', import.meta.url)));
}

/** Parse one MQL expression. Never throws on bad input. */
export function parseMql(text: string): MqlParseResult {
  if (text.length > MQL_LIMITS.maxLength) return { ok: false, message: `longer than ${MQL_LIMITS.maxLength} characters`, offset: 0 };
  // a cheap bound before the recursive parser: brackets nested deeper than the limit
  let open = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 40 || c === 91) deepest = Math.max(deepest, ++open);
    else if (c === 41 || c === 93) open--;
  }
  if (deepest > MQL_LIMITS.maxDepth) return { ok: false, message: `nested deeper than ${MQL_LIMITS.maxDepth} levels`, offset: 0 };
  try {
    const value = mqlParser().parse(text) as MqlNode;
    if (depthOf(value) > MQL_LIMITS.maxDepth * 4) return { ok: false, message: `nested deeper than ${MQL_LIMITS.maxDepth} levels`, offset: 0 };
    return { ok: true, value };
  } catch (e) {
    const err = e as { message?: string; location?: { start: { offset: number }; end: { offset: number } } };
    if (err.location) return { ok: false, message: err.message ?? 'syntax error', offset: err.location.start.offset, end: err.location.end.offset };
    return { ok: false, message: err.message ?? String(e), offset: 0 };
  }
}
