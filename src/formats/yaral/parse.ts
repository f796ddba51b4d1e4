/**
 * Parse YARA-L 2.0 text with the peggy grammar `rule.peggy` (generated once, when first needed). The whole file is
 * parsed at once; when that fails, each rule the tokenizer delimits is parsed on its own, so that one bad rule does
 * not cost the others their logic. Never throws on bad input.
 */
import { grammarParser, type PeggyParser } from '../grammar.ts';
import { exprDepth, type YRule, type YSection } from './syntax.ts';

/** Bounds on untrusted rule text. */
export const YARAL_LIMITS = { maxLength: 1_000_000, maxDepth: 200 } as const;

/** A failed parse says where; `tooDeep` when the input nests deeper than the parser's stack allows. */
export type RuleParse = { readonly ok: true; readonly rule: YRule } | { readonly ok: false; readonly message: string; readonly offset: number; readonly tooDeep?: boolean };

let parser: PeggyParser | undefined;

function ruleParser(): PeggyParser {
  return (parser ??= grammarParser(new URL('./rule.peggy', import.meta.url), ['File', 'SingleRule']));
}

type Attempt<T> = { ok: true; value: T } | { ok: false; message: string; offset: number; tooDeep?: boolean };

function attempt<T>(input: string, startRule: string): Attempt<T> {
  try {
    return { ok: true, value: ruleParser().parse(input, { startRule }) as T };
  } catch (e) {
    const err = e as { message?: string; location?: { start: { offset: number } } };
    if (err.location) return { ok: false, message: err.message ?? 'syntax error', offset: err.location.start.offset };
    return { ok: false, message: err.message ?? String(e), offset: 0, tooDeep: e instanceof RangeError }; // deep recursion in the generated parser
  }
}

/** Parse every rule of a file. `null` when the whole file does not parse (then parse rules one by one). */
export function parseFile(text: string): YRule[] | null {
  if (text.length > YARAL_LIMITS.maxLength) return null;
  const r = attempt<YRule[]>(text, 'File');
  return r.ok ? r.value : null;
}

/**
 * Parse one rule at [start, end) of the file: the text before it is blanked (newlines kept), so offsets and lines
 * are those of the file.
 */
export function parseRuleAt(text: string, start: number, end: number): RuleParse {
  if (end - start > YARAL_LIMITS.maxLength) return { ok: false, message: `rule longer than ${YARAL_LIMITS.maxLength} characters`, offset: start };
  const input = text.slice(0, start).replace(/[^\n]/g, ' ') + text.slice(start, end);
  const r = attempt<YRule>(input, 'SingleRule');
  if (r.ok) return { ok: true, rule: r.value };
  return r.tooDeep ? { ok: false, message: r.message, offset: start, tooDeep: true } : r;
}

/** A rule nested deeper than the limit: the offset of the offending section, or undefined. */
export function tooDeep(r: YRule): number | undefined {
  for (const s of r.sections) if (sectionDepth(s) > YARAL_LIMITS.maxDepth) return s.at.start;
  return undefined;
}

function sectionDepth(s: YSection): number {
  switch (s.type) {
    case 'events':
      return Math.max(0, ...s.statements.map(exprDepth));
    case 'outcome':
      return Math.max(0, ...s.assignments.map((a) => exprDepth(a.value)));
    case 'condition':
      return exprDepth(s.expr);
    case 'meta':
    case 'options':
    case 'match':
      return 1;
  }
}
