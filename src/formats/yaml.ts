/**
 * Loading one YAML document safely, for adapters: syntax errors and resource-exhaustion input (alias bombs) become
 * a GEN003 diagnostic with file:line instead of an exception.
 */
import { isAlias, isCollection, isMap, isPair, isSeq, LineCounter, parseDocument, type Document, type Node, type Scalar } from 'yaml';
import { SourceMap } from './sourceMap.ts';
import { GeneralDiagnostics, LIMITS, type Diagnostic } from '../model/diagnostics.ts';
import { lineColAt } from '../model/span.ts';
import { BACKSLASH, CLOSE_CURLY, CLOSE_SQUARE, CR, DASH, DQUOTE, HASH, OPEN_CURLY, OPEN_SQUARE, QMARK, SPACE, SQUOTE, TAB } from './charCodes.ts';

export interface LoadedYaml {
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** The document as plain JS (aliases expanded, at most 100 of them). */
  readonly value: unknown;
}

/** Character codes after which a quote or a bracket opens a scalar or a collection (else it is part of a plain scalar). */
const VALUE_START = new Uint8Array(128);
for (const c of ':-?[{,!&|>') VALUE_START[c.charCodeAt(0)] = 1;
/** A line whose content ends so (`key: |`, `- >-`, `x: |2+`) opens a block scalar: deeper lines are its text. */
const BLOCK_SCALAR_END = /(?:^|[\s:])[|>][-+0-9]*\s*(?:#.*)?$/;

/**
 * Nesting depth of a YAML text, estimated before parsing, stopping at `limit + 1`: block collections (one level per
 * indentation step and per compact `- `/`? ` indicator: `- - - x` is three sequences deep) plus flow collections
 * (`[`, `{` where a value starts, outside quoted scalars). A YAML (or JSON) parser recurses once per level, so hostile
 * input thousands of levels deep exhausts the stack: it is refused before parsing. Returns where the limit was passed.
 *
 * The estimate errs on the high side, so that no text can blind it: a quote or a bracket counts only where a scalar
 * or a collection can start (an apostrophe or a `[` inside a plain scalar does not open one), quotes end with their
 * line (a multi-line quoted scalar's next lines are read as plain text: an apostrophe-led continuation line cannot
 * hide what follows), block levels are counted inside flow collections too, and only the text of a block scalar
 * (`|`, `>`) opened outside any flow collection is skipped.
 *
 * Read as character codes: every YAML text of a build passes here, and comparing one-character strings made V8
 * optimize the loop for each kind of string it met (17 recompilations in a cold build).
 */
export function flowDepthExceeds(text: string, limit: number = LIMITS.maxDepth): { line: number; column: number } | undefined {
  return withinDepthBound(text, limit) ? undefined : depthScan(text, limit);
}

/** `flowDepthExceeds`'s reading of the text, character by character (exported for the tests of the bound). */
export function depthScan(text: string, limit: number): { line: number; column: number } | undefined {
  let flow = 0;
  /** Indentation of the open block nodes. */
  const stack: number[] = [];
  /** While >= 0: lines indented deeper than this are the text of a block scalar. */
  let blockScalar = -1;
  let line = 0;
  const n = text.length;
  for (let pos = 0; pos <= n; ) {
    line++;
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? n : nl;
    let i = pos;
    // a tab is not YAML indentation, but the parser still reads what follows it: counted as a column
    let c = i < end ? text.charCodeAt(i) : -1;
    while (c === SPACE || c === TAB) c = ++i < end ? text.charCodeAt(i) : -1;
    const indent = i - pos;
    // spaces and tabs are skipped already: only a carriage return can start a blank rest
    const blank = i >= end || c === HASH || (c === CR && /^[\t\r ]*$/.test(text.slice(i, Math.min(end, i + 64))));
    if (blockScalar >= 0 && (blank || indent > blockScalar)) {
      pos = end + 1;
      continue;
    }
    blockScalar = -1;
    if (blank) {
      pos = end + 1;
      continue;
    }
    if (indent === 0 && (text.startsWith('---', i) || text.startsWith('...', i))) stack.length = 0;
    while (stack.length && stack[stack.length - 1]! >= indent) stack.pop();
    stack.push(indent);
    // compact nested collections on one line: `- - x`, `? - x`
    for (;;) {
      c = text.charCodeAt(i);
      if (i >= end || (c !== DASH && c !== QMARK)) break;
      const next = i + 1 < end ? text.charCodeAt(i + 1) : -1;
      if (next !== -1 && next !== SPACE && next !== TAB && next !== CR) break;
      i++;
      while (i < end && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i++;
      stack.push(i - pos);
      if (stack.length + flow > limit) return { line, column: i - pos + 1 };
    }
    if (stack.length + flow > limit) return { line, column: i - pos + 1 };
    if (flow === 0) {
      const rest = text.slice(i, end);
      // the pattern, tried at every position of the line, needs a `|` or a `>`: most lines have neither
      if ((rest.includes('|') || rest.includes('>')) && BLOCK_SCALAR_END.test(rest)) blockScalar = indent;
    }
    let quote = -1;
    /** The last significant character code, -1 at the line's start (a value may start there). */
    let prev = -1;
    for (; i < end; i++) {
      c = text.charCodeAt(i);
      if (quote >= 0) {
        if (c === BACKSLASH && quote === DQUOTE) i++;
        else if (c === SQUOTE && quote === SQUOTE && text.charCodeAt(i + 1) === SQUOTE) i++;
        else if (c === quote) {
          quote = -1;
          prev = c;
        }
        continue;
      }
      if (c === SPACE || c === TAB || c === CR) continue;
      const valueStart = prev < 0 || (prev < 128 && VALUE_START[prev] === 1);
      if ((c === DQUOTE || c === SQUOTE) && valueStart) quote = c;
      else if (c === HASH && (i === pos || text.charCodeAt(i - 1) === SPACE || text.charCodeAt(i - 1) === TAB)) break;
      else if ((c === OPEN_SQUARE || c === OPEN_CURLY) && valueStart) {
        if (++flow + stack.length > limit) return { line, column: i - pos + 1 };
      } else if ((c === CLOSE_SQUARE || c === CLOSE_CURLY) && flow > 0) flow--;
      prev = c;
    }
    pos = end + 1;
  }
  return undefined;
}

/**
 * True when `depthScan` cannot find more than `limit` levels in the text, decided by the library's native
 * string search instead of a character loop (all but 7 of the corpora's 12,106 YAML files, in a fifth of the loop's
 * time). The loop's count is at most its block levels plus its open flow collections:
 * - block levels: each line's indentation, and the column after each compact `- ` / `? ` on it, are pushed on a
 *   stack that stays strictly increasing (deeper entries are popped first), so it holds at most 1 + the largest
 *   column pushed, and every column pushed lies within the line's leading run of spaces, tabs, `-` and `?`;
 * - flow levels: each `[` or `{` opens at most one, wherever it stands.
 * So a text with B brackets in all and no line whose leading run reaches `limit - B` characters stays within the
 * limit. Line breaks the loop does not split on (`\r`, U+2028) only add lines for the run test to look at.
 */
export function withinDepthBound(text: string, limit: number): boolean {
  let brackets = 0;
  for (const open of ['[', '{']) {
    for (let i = text.indexOf(open); i >= 0; i = text.indexOf(open, i + 1)) if (++brackets >= limit) return false;
  }
  return !leadingRun(limit - brackets).test(text);
}

const LEADING_RUNS = new Map<number, RegExp>();

/** A line (after any line break) that starts with `n` spaces, tabs, `-` or `?`. */
function leadingRun(n: number): RegExp {
  let re = LEADING_RUNS.get(n);
  if (!re) LEADING_RUNS.set(n, (re = new RegExp(`^[\\t ?-]{${n}}`, 'm')));
  return re;
}

/** The same check under the name that says what it counts (flow and block collections). */
export const nestingExceeds = flowDepthExceeds;

/**
 * The first mapping key that is itself a mapping or a sequence (`? - a`, `? b: c`, `[a, b]: x`, or an alias of one),
 * in document order. Plain JavaScript has no such keys: the `yaml` library's `toJS` writes each one out as YAML text
 * to use as a string key, and when such keys nest, that writing repeats at every level. Hostile input takes it
 * nowhere: 2 KB of nested explicit keys (`? ? ? …`, 184 levels around a long scalar) took 14 s, 40 KB over a minute.
 * No rule format has such keys, so a document with one is refused before `toJS` (`yamlComplexKey`).
 */
export function collectionKey(doc: Document): Node | undefined {
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const n = stack.pop();
    if (isMap(n) || isSeq(n)) {
      for (let i = n.items.length - 1; i >= 0; i--) stack.push(n.items[i]);
    } else if (isPair(n)) {
      const k = n.key;
      if (isCollection(k) || (isAlias(k) && isCollection(k.resolve(doc)))) return k as Node;
      stack.push(n.value);
    }
  }
  return undefined;
}

/** What a reader says of `collectionKey`'s finding. */
export const COMPLEX_KEY = 'a mapping key that is a mapping or a sequence (no rule format has one; not read)';

/** The diagnostic of `collectionKey`'s finding, at its line in `text` (counted only then: the path is rare). */
export function yamlComplexKey(file: string, key: Node, text: string): Diagnostic {
  return GeneralDiagnostics.syntax(file, 'YAML', COMPLEX_KEY, lineColAt(text, key.range?.[0] ?? 0));
}

export type LoadYamlResult = { ok: true; yaml: LoadedYaml } | { ok: false; diagnostic: Diagnostic };

/** Parse a single-document YAML file. Never throws. */
export function loadYaml(file: string, text: string): LoadYamlResult {
  const deep = flowDepthExceeds(text);
  if (deep) return { ok: false, diagnostic: GeneralDiagnostics.tooDeep(file, LIMITS.maxDepth, deep) };
  const lines = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  } catch (e) {
    return { ok: false, diagnostic: GeneralDiagnostics.syntax(file, 'YAML', e instanceof Error ? e.message : String(e)) };
  }
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const at = lines.linePos(e.pos[0]);
    return { ok: false, diagnostic: GeneralDiagnostics.syntax(file, 'YAML', e.message.split('\n')[0]!, { line: at.line, column: at.col }) };
  }
  const complex = collectionKey(doc);
  if (complex) return { ok: false, diagnostic: yamlComplexKey(file, complex, text) };
  try {
    return { ok: true, yaml: { doc, lines, value: doc.toJS({ maxAliasCount: 100 }) } };
  } catch (e) {
    return { ok: false, diagnostic: GeneralDiagnostics.syntax(file, 'YAML', e instanceof Error ? e.message : String(e), { line: 1, column: 1 }) };
  }
}

/**
 * The source map of a YAML scalar's value in its file: block scalars (`|`, `>`) line by line with their
 * indentation removed, quoted and plain scalars verbatim from their first character (after the quote).
 */
export function yamlScalarMap(file: string, text: string, node: Scalar): SourceMap {
  const start = node.range?.[0] ?? 0;
  if (node.type !== 'BLOCK_LITERAL' && node.type !== 'BLOCK_FOLDED') {
    const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
    return SourceMap.verbatim(file, text, start + quoted);
  }
  const lineStarts: number[] = [];
  let p = text.indexOf('\n', start);
  while (p >= 0 && p < (node.range?.[2] ?? text.length)) {
    lineStarts.push(p + 1);
    p = text.indexOf('\n', p + 1);
  }
  let indent = 0;
  for (const ls of lineStarts) {
    let i = ls;
    while (text[i] === ' ') i++;
    if (text[i] !== '\n' && text[i] !== '\r' && i < text.length) {
      indent = i - ls;
      break;
    }
  }
  return SourceMap.lines(file, text, String(node.value), lineStarts.map((ls) => ls + indent), start);
}
