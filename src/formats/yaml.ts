/**
 * Loading one YAML document safely, for adapters: syntax errors and resource-exhaustion input (alias bombs) become
 * a GEN003 diagnostic with file:line instead of an exception.
 */
import { LineCounter, parseDocument, type Document, type Scalar } from 'yaml';
import { SourceMap } from './sourceMap.ts';
import { GeneralDiagnostics, LIMITS, type Diagnostic } from '../model/diagnostics.ts';

export interface LoadedYaml {
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** The document as plain JS (aliases expanded, at most 100 of them). */
  readonly value: unknown;
}

/**
 * Depth of flow collections (`[`, `{`) outside quoted strings, stopping at `limit + 1`. A YAML (or TOML, JSON) parser
 * recurses once per level; hostile input thousands of levels deep exhausts the stack, so it is refused before parsing.
 */
export function flowDepthExceeds(text: string, limit: number = LIMITS.maxDepth): { line: number; column: number } | undefined {
  let depth = 0;
  let quote: string | undefined;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      lineStart = i + 1;
      if (quote === '"' || quote === "'") continue;
    }
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || text[i - 1] === ' ' || text[i - 1] === '\n')) {
      const nl = text.indexOf('\n', i);
      i = (nl < 0 ? text.length : nl) - 1;
    } else if (c === '[' || c === '{') {
      if (++depth > limit) return { line, column: i - lineStart + 1 };
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
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
