/**
 * Parsing Python with tree-sitter (web-tree-sitter + tree-sitter-python wasm). The grammar is loaded once per
 * process. Node offsets (`startIndex`/`endIndex`) are UTF-16 code units, the same unit as JS strings and the
 * model's spans (web-tree-sitter parses JS strings as UTF-16).
 */
import { createRequire } from 'node:module';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';
import type { Diagnostic } from '../../../model/diagnostics.ts';
import type { Span } from '../../../model/span.ts';
import { PythonDiagnostics } from './diagnostics.ts';

export type { Node, Tree };

const require = createRequire(import.meta.url);
let parserPromise: Promise<Parser> | undefined;

/** The shared parser, initialised on first use. */
export function getParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init();
    const lang = await Language.load(require.resolve('tree-sitter-python/tree-sitter-python.wasm'));
    const p = new Parser();
    p.setLanguage(lang);
    return p;
  })();
  return parserPromise;
}

export interface ParsedPython {
  readonly file: string;
  readonly text: string;
  readonly root: Node;
  readonly diagnostics: readonly Diagnostic[];
}

/** Parse a file; syntax errors become PY001/PY002 diagnostics with line and column, never exceptions. */
export async function parsePython(file: string, text: string): Promise<ParsedPython> {
  const parser = await getParser();
  const tree = parser.parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return { file, text, root: tree.rootNode, diagnostics: diagnoseSyntax(file, tree.rootNode) };
}

const MAX_SYNTAX_DIAGNOSTICS = 20;

/** ERROR and MISSING nodes as diagnostics (at most MAX_SYNTAX_DIAGNOSTICS per file). */
export function diagnoseSyntax(file: string, root: Node): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (!root.hasError) return out;
  // pre-order with an explicit stack, not recursion: hostile input nests tens of thousands of levels
  const stack: Node[] = [root];
  while (stack.length && out.length < MAX_SYNTAX_DIAGNOSTICS) {
    const n = stack.pop()!;
    const at = { line: n.startPosition.row + 1, column: n.startPosition.column + 1 };
    if (n.isMissing) {
      out.push(PythonDiagnostics.missingToken(file, at, n.type));
      continue;
    }
    if (n.type === 'ERROR') {
      // an ERROR that wraps valid code and smaller errors (tree-sitter recovery): report the smaller ones
      const inner = n.descendantsOfType('ERROR').filter((d) => d !== null && d.id !== n.id);
      const missing = n.descendantsOfType('MISSING');
      if (inner.length === 0 && missing.length === 0) {
        out.push(PythonDiagnostics.syntax(file, at, n.text.slice(0, 40)));
        continue;
      }
    }
    if (!n.hasError) continue;
    const kids = n.children;
    for (let i = kids.length - 1; i >= 0; i--) if (kids[i]) stack.push(kids[i]!);
  }
  return out;
}

export function spanOf(file: string, n: Node): Span {
  return { file, start: n.startIndex, end: n.endIndex };
}

/** Named children, without comments. */
export function namedKids(n: Node): Node[] {
  return n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
}

export function field(n: Node, name: string): Node | undefined {
  return n.childForFieldName(name) ?? undefined;
}

/**
 * The value of a string literal node (`string` or `concatenated_string`); undefined for f-strings with
 * interpolations and for byte strings.
 */
export function stringValue(n: Node): string | undefined {
  if (n.type === 'concatenated_string') {
    let s = '';
    for (const c of namedKids(n)) {
      const v = stringValue(c);
      if (v === undefined) return undefined;
      s += v;
    }
    return s;
  }
  if (n.type !== 'string') return undefined;
  const start = n.children.find((c) => c?.type === 'string_start');
  const prefix = (start?.text ?? '').replace(/["']/g, '').toLowerCase();
  if (prefix.includes('b')) return undefined;
  let out = '';
  for (const c of n.children) {
    if (!c) continue;
    if (c.type === 'interpolation') return undefined;
    if (c.type === 'string_content') out += contentText(c, prefix);
  }
  return out;
}

/**
 * The text of a string literal's `string_content` part, given the literal's prefix (`r`, `f`, `rb`…): escapes decoded
 * unless raw, and in an f-string `{{` / `}}` as one brace.
 */
export function contentText(c: Node, prefix: string): string {
  const p = prefix.toLowerCase();
  const t = p.includes('f') ? c.text.replaceAll('{{', '{').replaceAll('}}', '}') : c.text;
  return p.includes('r') ? t : decodeEscapes(t);
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0', '\n': '' };

/** Python escape sequences of a non-raw string literal; unknown escapes stay as written (as Python does). */
export function decodeEscapes(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch !== '\\' || i + 1 >= s.length) {
      out += ch;
      continue;
    }
    const nx = s[i + 1]!;
    const hexLen = nx === 'x' ? 2 : nx === 'u' ? 4 : nx === 'U' ? 8 : 0;
    if (hexLen) {
      const hex = s.slice(i + 2, i + 2 + hexLen);
      if (hex.length === hexLen && [...hex].every((h) => '0123456789abcdefABCDEF'.includes(h))) {
        out += String.fromCodePoint(parseInt(hex, 16));
        i += 1 + hexLen;
        continue;
      }
    }
    if (nx >= '0' && nx <= '7') {
      let j = i + 1;
      let oct = '';
      while (j < s.length && oct.length < 3 && s[j]! >= '0' && s[j]! <= '7') oct += s[j++];
      out += String.fromCharCode(parseInt(oct, 8));
      i = j - 1;
      continue;
    }
    const simple = SIMPLE_ESCAPES[nx];
    if (simple !== undefined) {
      out += simple;
      i++;
      continue;
    }
    out += ch;
  }
  return out;
}
