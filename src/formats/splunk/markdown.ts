/**
 * SPL searches kept in Markdown (a team's detection notes: a heading per detection, a few paragraphs, the search in
 * a code block labelled `spl` or `splunk`). Each labelled block is a rule: its title the heading above it, its
 * description the section's paragraphs before it, its ATT&CK the technique ids the section names; the search is
 * parsed as a `.spl` file's is (macros expanded). Unlabelled blocks are not read: Markdown holds all kinds of code.
 */
import type Token from 'markdown-it/lib/token.mjs';
import { slugify } from '../../model/facts.ts';
import type { DeclaredAttack } from '../../model/rule.ts';
import type { FileResult, SourceInfo } from '../adapter.ts';
import { codeBlockMap, markdownTokens, techniqueIdsIn } from '../markdown.ts';
import { bodyPart, ruleRecord, ruleSource, uniqueLogSources } from '../record.ts';
import { lineStarts } from '../sourceMap.ts';
import { searchLogic } from './logic.ts';
import type { MacroTable } from './macros.ts';

/** Code block labels (the fence's info string, its first word, any case) that mark a search. */
const SPL_LABELS = new Set(['spl', 'splunk', 'splunk-spl', 'splunkspl']);

/** Whether a code block token is labelled as SPL. */
export function isSplBlock(t: Token): boolean {
  return t.type === 'fence' && SPL_LABELS.has(t.info.trim().split(/\s+/)[0]!.toLowerCase());
}

export function parseSplunkMarkdown(path: string, text: string, source: SourceInfo, macros: MacroTable): FileResult {
  const tokens = markdownTokens(text);
  const lines = lineStarts(text);
  const stem = path.split('/').pop()!.replace(/\.(md|markdown)$/i, '');
  const firstHeading = headingAt(tokens, tokens.findIndex((t) => t.type === 'heading_open'));
  const rules = [];
  const diagnostics = [];
  const titles = new Map<string, number>();
  // each section once (a heading's token index, -1 before the first): where it ends, the technique ids it names
  const sections = new Map<number, { end: number; attack: DeclaredAttack[] }>();
  const section = (h: number) => {
    let s = sections.get(h);
    if (!s) {
      // to the next heading of its level or higher
      const level = h >= 0 ? Number(tokens[h]!.tag.slice(1)) : 0;
      let end = h + 1;
      while (end < tokens.length && !(tokens[end]!.type === 'heading_open' && Number(tokens[end]!.tag.slice(1)) <= level)) end++;
      const ids = new Set<string>();
      for (let k = h + 1; k < end; k++) if (isText(tokens, k)) for (const id of techniqueIdsIn(tokens[k]!.content)) ids.add(id);
      sections.set(h, (s = { end, attack: [...ids].map((id) => ({ text: id, techniqueId: id })) }));
    }
    return s;
  };
  // the SPL blocks' token indexes, so that each block knows its neighbours
  const blocks: number[] = [];
  tokens.forEach((t, i) => {
    if (isSplBlock(t) && t.content.trim()) blocks.push(i);
  });
  let h = -1;
  let j = -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'heading_open') h = i;
    if (blocks[j + 1] !== i) continue;
    j++;
    const { end, attack } = section(h);
    const heading = headingAt(tokens, h) ?? firstHeading ?? stem;
    const n = (titles.get(heading) ?? 0) + 1;
    titles.set(heading, n);
    const title = n > 1 ? `${heading} (${n})` : heading;
    // its description: the section's paragraphs and list items just before it (a bounded read back, so that a file
    // of many blocks is read in linear time)
    const notes: string[] = [];
    for (let k = i - 1; k > h && k >= i - MAX_TOKENS_BACK; k--) if (isText(tokens, k) && tokens[k]!.content.trim()) notes.push(tokens[k]!.content.trim());
    const description = notes.reverse().join('\n\n');
    const map = codeBlockMap(path, text, lines, t);
    const search = t.content;
    const sl = searchLogic(path, text, search, (o) => map.toHost(o), macros);
    diagnostics.push(...sl.diagnostics);
    // the rule's body: its part of its section (the heading, the notes, the search), the section shared by its blocks
    // without overlap (after the block before, up to the end of this one when another follows), so that the parts
    // of a file are the file once
    const lineOf = (k: number, edge: 0 | 1): number => tokens[k]!.map?.[edge] ?? 0;
    const prev = blocks[j - 1];
    const next = blocks[j + 1];
    const firstLine = prev !== undefined && prev > h ? lineOf(prev, 1) : h >= 0 ? lineOf(h, 0) : 0;
    const lastLine = next !== undefined && next < end ? lineOf(i, 1) : end < tokens.length ? lineOf(end, 0) : lines.length;
    const from = lines[firstLine] ?? text.length;
    const to = lines[lastLine] ?? text.length;
    rules.push(
      ruleRecord({
        id: `splunk/${slugify(stem)}_${slugify(title) || 'search'}`,
        format: 'splunk',
        nativeType: 'search',
        source: ruleSource(source, path),
        title,
        ...(description ? { description } : {}),
        kind: 'hunting',
        kindReason: 'an SPL code block in Markdown: a search, with no alert settings',
        logSources: uniqueLogSources(sl.logSources),
        attackDeclared: attack,
        body: [bodyPart(path, 'markdown', text, { start: from, end: to }, firstLine + 1)],
        logic: sl.logic,
        diagnostics: sl.diagnostics,
        facts: { ...sl.facts },
      }),
    );
  }
  if (!rules.length) return { path, outcome: 'skipped', reason: 'Markdown without a code block labelled spl or splunk: no SPL search', rules: [], diagnostics: [] };
  return { path, outcome: 'parsed', rules, diagnostics };
}

/** Tokens read back from a block for its description (a paragraph is three tokens, a list item five). */
const MAX_TOKENS_BACK = 120;

/** Whether token `k` is text of a section (a paragraph, list item or table cell), not a heading's. */
function isText(tokens: readonly Token[], k: number): boolean {
  return tokens[k]!.type === 'inline' && tokens[k - 1]?.type !== 'heading_open';
}

/** The text of the heading whose `heading_open` token is at `i` (undefined: no heading there, or an empty one). */
function headingAt(tokens: readonly Token[], i: number): string | undefined {
  if (i < 0) return undefined;
  const text = tokens[i + 1]?.content.trim();
  return text || undefined;
}
