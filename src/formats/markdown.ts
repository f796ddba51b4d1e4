/**
 * Markdown that holds rules in code blocks (Defender hunting queries in KQL, a team's SPL searches): markdown-it's
 * tokens, and where a code block's lines are in the file, for the `SourceMap` of the query inside it.
 */
import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import { TECHNIQUE_ID } from '../model/facts.ts';
import { lineStarts, SourceMap } from './sourceMap.ts';

let md: MarkdownIt | undefined;

/** markdown-it's block tokens of a Markdown text (one parser for every adapter). */
export function markdownTokens(text: string): Token[] {
  return (md ??= new MarkdownIt()).parse(text, {});
}

/** What `codeBlockMap` reads of a code block: markdown-it's `fence` or `code_block` token, or a copy of these parts. */
export type CodeBlock = Pick<Token, 'type' | 'map' | 'content'>;

/**
 * The map of a code block's content (`fence` or `code_block` token of `text`) to the file: each content line at its
 * line of the file after the fence's indentation. `lines`: `lineStarts(text)`.
 */
export function codeBlockMap(file: string, text: string, lines: readonly number[], token: CodeBlock): SourceMap {
  const [open] = token.map ?? [0, 0];
  // a fence's content starts on the line after its opening ``` line; an indented block's on its own first line
  const first = token.type === 'fence' ? open + 1 : open;
  let indent = 0;
  const at = lines[open] ?? 0;
  while (text[at + indent] === ' ') indent++;
  const hostStarts: number[] = [];
  const count = lineStarts(token.content).length;
  for (let l = 0; l < count && lines[first + l] !== undefined; l++) hostStarts.push(lines[first + l]! + (token.type === 'fence' ? indent : Math.min(indent, 4)));
  return SourceMap.lines(file, text, token.content, hostStarts);
}

/** Technique ids in a Markdown text (a table cell, a line): `T1078`, `[T1078.004](https://…)`, `T1078 - Valid Accounts`. */
export function techniqueIdsIn(cell: string): string[] {
  const text = cell
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/https?:\/\/attack\.mitre\.org\/techniques\/(T\d{4})(?:\/(\d{3}))?\S*/gi, (_m, t: string, sub?: string) => (sub ? `${t}.${sub}` : t))
    .replace(/https?:\/\/\S+/g, ' ');
  return text.split(/[^A-Za-z0-9.]+/).map((w) => w.replace(/\.+$/, '').toUpperCase()).filter((w) => TECHNIQUE_ID.test(w));
}
