/**
 * Parse SPL (after macro expansion) with the peggy grammar `spl.peggy` (generated once, when first needed).
 * Returns SPL's own syntax tree with offsets into the parsed text; lowering is in lower.ts.
 */
import { grammarParser, type PeggyParser } from '../grammar.ts';

/** Offsets of a node inside the parsed (expanded) search text. */
export interface SplRange {
  readonly start: number;
  readonly end: number;
}

/** A value of the search command: quoted or not, with the macro it stands for when it is an unexpanded macro. */
export interface SearchValue {
  readonly quoted: boolean;
  readonly text: string;
  readonly macro?: string;
  /** `TERM(...)` or `CASE(...)` around the value. */
  readonly directive?: 'TERM' | 'CASE';
  readonly at: SplRange;
}

export type CompareOp = '=' | '==' | '!=' | '<' | '<=' | '>' | '>=';

/** The search command's expression (also tstats `where`). */
export type SearchNode =
  | { readonly type: 'and' | 'or'; readonly args: readonly SearchNode[]; readonly at: SplRange }
  | { readonly type: 'not'; readonly arg: SearchNode; readonly at: SplRange }
  | { readonly type: 'group'; readonly expr: SearchNode; readonly at: SplRange }
  | { readonly type: 'cmp'; readonly field: string; readonly op: CompareOp; readonly value: SearchValue; readonly at: SplRange }
  | { readonly type: 'in'; readonly field: string; readonly values: readonly SearchValue[]; readonly at: SplRange }
  | { readonly type: 'term'; readonly directive: 'TERM' | 'CASE' | null; readonly value: SearchValue; readonly at: SplRange }
  | { readonly type: 'subsearch'; readonly pipeline: Pipeline; readonly at: SplRange }
  | { readonly type: 'macro'; readonly name: string; readonly text: string; readonly at: SplRange };

/** Evaluation expressions (`where`, `eval`). Operators other than boolean, comparison, LIKE and IN are calls. */
export type EvalNode =
  | { readonly type: 'and' | 'or' | 'xor'; readonly args: readonly EvalNode[]; readonly at: SplRange }
  | { readonly type: 'not'; readonly arg: EvalNode; readonly at: SplRange }
  | { readonly type: 'group'; readonly expr: EvalNode; readonly at: SplRange }
  | { readonly type: 'cmp'; readonly op: '=' | '==' | '!=' | '<' | '<=' | '>' | '>='; readonly lhs: EvalNode; readonly rhs: EvalNode; readonly at: SplRange }
  | { readonly type: 'like'; readonly lhs: EvalNode; readonly rhs: EvalNode; readonly at: SplRange }
  | { readonly type: 'in'; readonly lhs: EvalNode; readonly list: readonly EvalNode[]; readonly at: SplRange }
  /** Functions, and arithmetic / concatenation as calls named `+`, `-`, `*`, `/`, `%`, `.`, `neg`. */
  | { readonly type: 'call'; readonly name: string; readonly args: readonly EvalNode[]; readonly at: SplRange }
  | { readonly type: 'lit'; readonly value: string | number | boolean | null; readonly at: SplRange }
  | { readonly type: 'field'; readonly name: string; readonly at: SplRange }
  | { readonly type: 'macro'; readonly name: string; readonly text: string; readonly at: SplRange };

export interface StatsOption {
  readonly key: string;
  readonly value: string;
  readonly at: SplRange;
}

export interface Agg {
  /** Function as written: `count`, `dc`, `values`, `min`… */
  readonly fn: string;
  readonly args: { readonly kind: 'fields'; readonly fields: readonly string[]; readonly at: SplRange } | { readonly kind: 'eval'; readonly expr: EvalNode; readonly at: SplRange } | null;
  readonly alias: string | null;
  readonly at: SplRange;
}

/** One command of the pipeline. */
export type Command =
  | { readonly type: 'search'; readonly implicit: boolean; readonly expr: SearchNode | null; readonly at: SplRange }
  | { readonly type: 'where'; readonly expr: EvalNode; readonly at: SplRange }
  | { readonly type: 'eval'; readonly assigns: readonly { readonly field: string; readonly expr: EvalNode; readonly at: SplRange }[]; readonly at: SplRange }
  | {
      readonly type: 'stats';
      /** stats, eventstats, streamstats, tstats, mstats, chart, timechart, sistats (lower case). */
      readonly name: string;
      readonly options: readonly StatsOption[];
      readonly aggs: readonly Agg[];
      readonly from: string | null;
      readonly where: SearchNode | null;
      readonly by: readonly string[];
      readonly at: SplRange;
    }
  | { readonly type: 'rename'; readonly pairs: readonly { readonly from: string; readonly to: string; readonly at: SplRange }[]; readonly at: SplRange }
  | { readonly type: 'fields'; readonly name: 'table' | 'fields'; readonly mode: '+' | '-'; readonly fields: readonly string[]; readonly at: SplRange }
  /** `unquoted`: the regular expression was not written as one double-quoted string; `regex` is the word as written. */
  | { readonly type: 'rex'; readonly regex: string; readonly unquoted?: true; readonly options: Readonly<Record<string, string>>; readonly at: SplRange }
  | { readonly type: 'regex'; readonly field: string; readonly negated: boolean; readonly regex: string; readonly unquoted?: true; readonly at: SplRange }
  | { readonly type: 'bucket'; readonly field: string | null; readonly options: Readonly<Record<string, string>>; readonly at: SplRange }
  | {
      readonly type: 'lookup';
      readonly table: string;
      readonly inputs: readonly { readonly field: string; readonly as: string }[];
      readonly outputMode: 'OUTPUT' | 'OUTPUTNEW' | null;
      readonly outputs: readonly { readonly field: string; readonly as: string }[];
      readonly at: SplRange;
    }
  /** An unexpanded (undefined) macro standing for a whole command. */
  /** An undefined macro standing as a command; `unpiped`: right after a command's arguments, with no pipe before it. */
  | { readonly type: 'macro'; readonly name: string; readonly text: string; readonly unpiped?: boolean; readonly at: SplRange }
  | {
      readonly type: 'generic';
      readonly name: string;
      /** The arguments as written. */
      readonly args: string;
      /** `name=value` options, in order (a quoted value unquoted). */
      readonly options: readonly { readonly name: string; readonly value: string }[];
      /** Positional words (a quoted one unquoted), in order: not options, macros, subsearches or groups. */
      readonly words: readonly string[];
      readonly subsearches: readonly Pipeline[];
      readonly at: SplRange;
    };

export interface Pipeline {
  readonly commands: readonly Command[];
  readonly at: SplRange;
}

export type SplParseResult = { ok: true; value: Pipeline } | { ok: false; message: string; offset: number };

/** Bounds on untrusted search text (after macro expansion). */
export const SPL_LIMITS = { maxLength: 100_000, maxDepth: 200 } as const;

let parser: PeggyParser | undefined;

function splParser(): PeggyParser {
  return (parser ??= grammarParser(new URL('./spl.peggy', import.meta.url), ['Pipeline', 'SearchExpr']));
}

/** Parse a whole search (a pipeline). Never throws on bad input. */
export function parseSpl(text: string): SplParseResult {
  return run<Pipeline>(text, 'Pipeline');
}

/** Parse a search-command expression alone (`searchmatch("...")`). Never throws on bad input. */
export function parseSearchExpr(text: string): { ok: true; value: SearchNode } | { ok: false; message: string; offset: number } {
  return run<SearchNode>(text, 'SearchExpr');
}

function run<T>(text: string, startRule: string): { ok: true; value: T } | { ok: false; message: string; offset: number } {
  if (text.length > SPL_LIMITS.maxLength) return { ok: false, message: `longer than ${SPL_LIMITS.maxLength} characters`, offset: 0 };
  const depth = nestingDepth(text);
  if (depth > SPL_LIMITS.maxDepth) return { ok: false, message: `nested deeper than ${SPL_LIMITS.maxDepth} levels`, offset: 0 };
  const blanked = blankComments(text);
  try {
    const value = splParser().parse(blanked, { startRule }) as T;
    // `NOT NOT ... a` nests without brackets: bound the tree's depth too, so that lowering never recurses deeper
    if (treeDeeper(value, SPL_LIMITS.maxDepth)) return { ok: false, message: `nested deeper than ${SPL_LIMITS.maxDepth} levels`, offset: 0 };
    return { ok: true, value };
  } catch (e) {
    const err = e as { message?: string; location?: { start: { offset: number } } };
    if (err.location) {
      // the search ended inside a string: the error is where the string was opened, not at the end
      const open = err.location.start.offset >= blanked.length ? unclosedQuote(blanked) : undefined;
      if (open !== undefined) return { ok: false, message: 'a double-quoted string opened here is not closed: it runs to the end of the search', offset: open };
      return { ok: false, message: err.message ?? 'syntax error', offset: err.location.start.offset };
    }
    return { ok: false, message: err.message ?? String(e), offset: 0 };
  }
}

/**
 * The index of the double quote that closes the string opened at `open` (a backslash escapes the character after it,
 * as in the grammar's strings), or the text's length when nothing closes it.
 */
function quotedEnd(text: string, open: number): number {
  let i = open + 1;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i;
  }
  return text.length;
}

/** Where the double-quoted string a search ends inside was opened, or undefined when every string is closed. */
function unclosedQuote(text: string): number | undefined {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== QUOTE) continue;
    const end = quotedEnd(text, i);
    if (end >= text.length) return i;
    i = end;
  }
  return undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Depth of brackets and parentheses outside double-quoted strings: the generated parser recurses once per level. */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') i = quotedEnd(text, i);
    else if (c === '(' || c === '[') max = Math.max(max, ++depth);
    else if ((c === ')' || c === ']') && depth > 0) depth--;
  }
  return max;
}

/** ``` comments ``` (outside double-quoted strings) replaced by spaces of the same length: offsets are kept. */
export function blankComments(text: string): string {
  if (!text.includes('```')) return text;
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i = quotedEnd(text, i);
      continue;
    }
    if (c === '`' && text.startsWith('```', i)) {
      const close = text.indexOf('```', i + 3);
      const end = close < 0 ? text.length : close + 3;
      out += text.slice(last, i) + text.slice(i, end).replace(/[^\n]/g, ' ');
      last = end;
      i = end - 1;
    }
  }
  return out + text.slice(last);
}

/** Does a syntax tree nest more than `limit` nodes deep? Visits at most limit + 1 levels. */
function treeDeeper(root: unknown, limit: number): boolean {
  const visit = (v: unknown, d: number): boolean => {
    if (v === null || typeof v !== 'object') return false;
    if (Array.isArray(v)) return v.some((x) => visit(x, d));
    const node = v as Record<string, unknown>;
    const depth = typeof node.type === 'string' ? d + 1 : d;
    if (depth > limit) return true;
    for (const k in node) if (k !== 'at' && visit(node[k], depth)) return true;
    return false;
  };
  return visit(root, 0);
}
