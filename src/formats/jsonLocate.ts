/**
 * Where the string values of a JSON document sit in its text, so that a query kept in a JSON string (an ARM
 * template's `properties.query`, a Defender custom detection's `queryCondition.queryText`) maps back to file
 * offsets through its escapes (`\n`, `\"`, `\u0027`). A small JSON tokenizer, iterative and bounded in depth; the
 * values themselves come from `JSON.parse`.
 */

import { LIMITS } from '../model/diagnostics.ts';

/** Raw range of a string literal, quotes excluded. */
export interface StringLiteral {
  readonly start: number;
  readonly end: number;
}

/**
 * Deepest nesting the locator follows (deeper documents are refused by the caller's depth check): the project's one
 * bound on untrusted nesting, `LIMITS.maxDepth`.
 */
export const MAX_JSON_DEPTH = LIMITS.maxDepth;

/**
 * The raw ranges of every string value, keyed by its JSON pointer (`/resources/0/properties/query`). Returns
 * undefined for text the tokenizer cannot follow (the caller then maps to the value's file start only).
 */
export function locateJsonStrings(text: string): Map<string, StringLiteral> | undefined {
  const out = new Map<string, StringLiteral>();
  // stack of containers: for objects the pending key, for arrays the next index
  const stack: { array: boolean; key: string | number; path: string }[] = [];
  let i = 0;
  let expectKey = false;
  const n = text.length;
  const skipWs = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const readString = (): StringLiteral | undefined => {
    const start = ++i;
    while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= n) return undefined;
    return { start, end: i++ };
  };
  const pathOf = () => {
    const top = stack[stack.length - 1];
    return top ? `${top.path}/${String(top.key)}` : '';
  };
  for (;;) {
    skipWs();
    if (i >= n) return stack.length === 0 ? out : undefined;
    const c = text[i];
    const top = stack[stack.length - 1];
    if (expectKey) {
      if (c === '}') {
        stack.pop();
        i++;
        expectKey = false;
        continue;
      }
      if (c !== '"') return undefined;
      const k = readString();
      if (!k || !top) return undefined;
      top.key = JSON.parse(`"${text.slice(k.start, k.end)}"`) as string;
      skipWs();
      if (text[i] !== ':') return undefined;
      i++;
      expectKey = false;
      continue;
    }
    if (c === ',') {
      i++;
      if (top?.array) top.key = (top.key as number) + 1;
      else expectKey = true;
      continue;
    }
    if (c === '}' || c === ']') {
      stack.pop();
      i++;
      continue;
    }
    if (c === '{' || c === '[') {
      if (stack.length >= MAX_JSON_DEPTH) return undefined;
      stack.push({ array: c === '[', key: 0, path: pathOf() });
      i++;
      if (c === '{') expectKey = true;
      else {
        skipWs();
        if (text[i] === ']') {
          stack.pop();
          i++;
        }
      }
      continue;
    }
    if (c === '"') {
      const s = readString();
      if (!s) return undefined;
      out.set(pathOf(), s);
      continue;
    }
    // number, true, false, null
    while (i < n && !',}] \n\r\t'.includes(text[i]!)) i++;
  }
}

/** Offset in the file of an offset in the decoded string whose raw literal is `lit`. */
export function jsonStringMapper(text: string, lit: StringLiteral): (o: number) => number {
  const raw = jsonStringOffsets(text, lit);
  return (o) => (o < raw.length ? raw[o]! : lit.end);
}

/** The file offset of each decoded character of the string literal `lit`. */
export function jsonStringOffsets(text: string, lit: StringLiteral): number[] {
  const raw: number[] = [];
  for (let i = lit.start; i < lit.end; ) {
    raw.push(i);
    if (text[i] === '\\') i += text[i + 1] === 'u' ? 6 : 2;
    else {
      const code = text.charCodeAt(i);
      // a non-escaped astral character is two UTF-16 units in the decoded string too
      i += 1;
      if (code >= 0xd800 && code <= 0xdbff) raw.push(i++);
    }
  }
  return raw;
}
