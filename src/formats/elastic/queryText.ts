/**
 * Helpers shared by the Kibana KQL, ES|QL and Lucene modules: a peggy parser generated once per grammar and run
 * without throwing under length and nesting bounds, and the placement of query offsets in the host file.
 */
import { grammarParser } from '../grammar.ts';
import type { Span } from '../../model/span.ts';
import type { ElasticQueryContext } from './lowering.ts';

/** Offsets of a syntax node inside its query text (end exclusive). */
export interface TextRange {
  readonly start: number;
  readonly end: number;
}

/** Bounds on an untrusted query text. */
export interface QueryLimits {
  readonly maxLength: number;
  readonly maxDepth: number;
}

/** A parse outcome that never throws: the tree, or why not and where. */
export type PeggyOutcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly kind: 'syntax' | 'limit'; readonly message: string; readonly offset: number; readonly end?: number };

/**
 * Deepest bracket nesting of a text, outside double-quoted strings and escapes (a cheap bound checked before parsing, so that
 * the recursive-descent parser never meets input deep enough to exhaust the stack).
 */
export function bracketDepth(text: string): { depth: number; offset: number } {
  let depth = 0;
  let max = 0;
  let at = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \\ */) {
      i++; // an escaped character (in a string, or an escaped bracket in KQL and Lucene) does not count
      continue;
    }
    if (inString) {
      if (c === 34 /* " */) inString = false;
      continue;
    }
    switch (c) {
      case 34:
        inString = true;
        break;
      case 40: // (
      case 91: // [
      case 123: // {
        if (++depth > max) {
          max = depth;
          at = i;
        }
        break;
      case 41: // )
      case 93: // ]
      case 125: // }
        if (depth > 0) depth--;
        break;
      default:
        break;
    }
  }
  return { depth: max, offset: at };
}

/** Run a generated parser under the limits; syntax errors and stack exhaustion become outcomes. */
export function runParser<T>(url: URL, text: string, limits: QueryLimits): PeggyOutcome<T> {
  if (text.length > limits.maxLength) return { ok: false, kind: 'limit', message: `longer than ${limits.maxLength} characters`, offset: 0 };
  const deep = bracketDepth(text);
  if (deep.depth > limits.maxDepth) return { ok: false, kind: 'limit', message: `nested deeper than ${limits.maxDepth} levels`, offset: deep.offset };
  const parser = grammarParser(url); // a grammar that does not compile is a bug: it throws
  try {
    const value = parser.parse(text) as T;
    // `not not not ...`, `- - - 1`: nesting without brackets, bounded on the tree (object levels, ~3 per node)
    if (deeperThan(value, limits.maxDepth * 6)) return { ok: false, kind: 'limit', message: `nested deeper than ${limits.maxDepth} levels`, offset: 0 };
    return { ok: true, value };
  } catch (e) {
    const err = e as { message?: string; location?: { start: { offset: number }; end: { offset: number } } };
    if (err.location) return { ok: false, kind: 'syntax', message: err.message ?? 'syntax error', offset: err.location.start.offset, end: err.location.end.offset };
    // the generated recursive-descent parser ran out of stack: nesting without brackets
    return { ok: false, kind: 'limit', message: e instanceof RangeError ? 'nested too deep for the parser' : (err.message ?? String(e)), offset: 0 };
  }
}

/**
 * Whether a parsed tree nests objects and arrays deeper than `limit` (the walk stops there, so the recursion is
 * bounded by the limit, not by the input).
 */
export function deeperThan(v: unknown, limit: number): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (limit <= 0) return true;
  if (Array.isArray(v)) {
    for (const c of v) if (deeperThan(c, limit - 1)) return true;
    return false;
  }
  for (const k in v) if (deeperThan((v as Record<string, unknown>)[k], limit - 1)) return true;
  return false;
}

/** 1-based line and column in the host file of an offset into the query text. */
export function hostAt(ctx: ElasticQueryContext, text: string, offset: number): { line: number; column: number } {
  if (ctx.at) return ctx.at(offset);
  let line = ctx.line;
  let lineStart = -1;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i;
    }
  }
  return lineStart < 0 ? { line, column: ctx.column + end } : { line, column: end - lineStart };
}

/** A model span (offsets into the query text, as the lowering contract says). */
export function spanOf(ctx: ElasticQueryContext, r: TextRange): Span {
  return { file: ctx.file, start: r.start, end: r.end };
}

/** Shorten a text for a reason or label. */
export function clip(s: string, n = 80): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? one.slice(0, n - 3) + '...' : one;
}

/**
 * A glob value in the model's wildcard syntax (`*`, `?`, `\` escapes: see OPERATOR_FACTS.wildcard) from chunks
 * that are either literal text or a wildcard of the source language. A literal backslash is doubled only before
 * `*`, `?` or `\` (elsewhere it already stands for itself): `C:\Windows\System32\` keeps single backslashes.
 */
export function toModelGlob(chunks: readonly (string | { readonly wildcard: '*' | '?' })[]): string {
  const tokens: { ch: string; literal: boolean }[] = [];
  for (const c of chunks) {
    if (typeof c === 'string') for (const ch of c) tokens.push({ ch, literal: true });
    else tokens.push({ ch: c.wildcard, literal: false });
  }
  let out = '';
  tokens.forEach((t, i) => {
    if (!t.literal) out += t.ch;
    else if (t.ch === '*' || t.ch === '?') out += '\\' + t.ch;
    else if (t.ch === '\\') {
      const next = tokens[i + 1];
      out += next && (next.ch === '*' || next.ch === '?' || next.ch === '\\') ? '\\\\' : '\\';
    } else out += t.ch;
  });
  return out;
}
