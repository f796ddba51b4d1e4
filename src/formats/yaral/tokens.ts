/**
 * A tokenizer for YARA-L 2.0 (Chronicle) rule files: enough to find each `rule name { ... }`, its sections and the
 * `meta:` assignments, and to read the match window and condition threshold. Logic is not lowered here.
 * Tokens carry offsets (spans) into the file; comments are dropped.
 */

export type TokenKind = 'ident' | 'var' | 'count' | 'string' | 'regex' | 'number' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  /** Verbatim text (strings with their quotes). */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** Only whitespace precedes this token on its line. */
  readonly lineStart: boolean;
}

export interface TokenizeResult {
  readonly tokens: readonly Token[];
  /** Offset of an unterminated string, regex or comment, when there is one. */
  readonly unterminated?: number;
}

const PUNCT2 = new Set(['!=', '>=', '<=', '==', '->', '=~']);
/** After these tokens a `/` opens a regex literal rather than dividing. */
const REGEX_AFTER = new Set(['=', '!=', '(', ',', 'and', 'or', 'not', 'in', ':', '{', 'nocase', 'regex']);

export function tokenizeYaral(src: string): TokenizeResult {
  const tokens: Token[] = [];
  let i = 0;
  let lineStart = true;
  const n = src.length;
  const push = (kind: TokenKind, start: number, end: number) => {
    tokens.push({ kind, text: src.slice(start, end), start, end, lineStart });
    lineStart = false;
  };
  while (i < n) {
    const c = src[i]!;
    if (c === '\n') {
      lineStart = true;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const e = src.indexOf('*/', i + 2);
      if (e < 0) return { tokens, unterminated: i };
      for (let k = i; k < e; k++) if (src[k] === '\n') lineStart = true;
      i = e + 2;
      continue;
    }
    const start = i;
    if (c === '"' || c === '`' || c === "'") {
      i++;
      while (i < n && src[i] !== c) {
        if (src[i] === '\\' && c !== '`') i++;
        i++;
      }
      if (i >= n) return { tokens, unterminated: start };
      i++;
      push('string', start, i);
      continue;
    }
    if (c === '/') {
      const prev = tokens[tokens.length - 1];
      if (!prev || REGEX_AFTER.has(prev.text.toLowerCase())) {
        i++;
        while (i < n && src[i] !== '/' && src[i] !== '\n') {
          if (src[i] === '\\') i++;
          i++;
        }
        if (i >= n || src[i] !== '/') return { tokens, unterminated: start };
        i++;
        while (i < n && isIdentChar(src[i]!)) i++; // flags
        push('regex', start, i);
        continue;
      }
    }
    if (c === '$' || c === '#' || c === '@') {
      i++;
      while (i < n && isIdentChar(src[i]!)) i++;
      push(c === '#' ? 'count' : 'var', start, i);
      continue;
    }
    if (isDigit(c)) {
      while (i < n && (isIdentChar(src[i]!) || src[i] === '.')) i++;
      push('number', start, i);
      continue;
    }
    if (isIdentStart(c)) {
      while (i < n && isIdentChar(src[i]!)) i++;
      push('ident', start, i);
      continue;
    }
    const two = src.slice(i, i + 2);
    i += PUNCT2.has(two) ? 2 : 1;
    push('punct', start, i);
  }
  return { tokens };
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}
function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}
function isIdentChar(c: string): boolean {
  return isIdentStart(c) || isDigit(c);
}

/** The value of a string token: quotes removed, backslash escapes of `"` and `\` undone. */
export function stringValue(tok: Token): string {
  const q = tok.text[0];
  const inner = tok.text.slice(1, -1);
  if (q === '`') return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i]!;
    if (ch === '\\' && i + 1 < inner.length) {
      const nx = inner[i + 1]!;
      out += nx === 'n' ? '\n' : nx === 't' ? '\t' : nx;
      i++;
    } else out += ch;
  }
  return out;
}
