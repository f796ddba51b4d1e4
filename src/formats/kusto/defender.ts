/**
 * Defender XDR advanced-hunting files: Markdown with one or more KQL code blocks (Microsoft's archived
 * Microsoft-365-Defender-Hunting-Queries, Bert-JanP's Hunting-Queries-Detection-Rules) and plain `.txt` queries.
 * Markdown is read with markdown-it's tokenizer: the title is the first heading, the description the section under
 * a "Description" heading (else the paragraphs before the first section), ATT&CK from technique ids in tables and,
 * in Microsoft's template, the "Category" table rows marked covered. Every KQL block becomes a rule.
 */
import type Token from 'markdown-it/lib/token.mjs';
import type { Diagnostic } from '../../model/diagnostics.ts';
import { normalizeSeverity, slugify, TACTIC_ID, type Kind } from '../../model/facts.ts';
import { readCommentMeta } from './commentMeta.ts';
import type { DeclaredAttack } from '../../model/rule.ts';
import type { SourceInfo } from '../adapter.ts';
import { codeBlockMap, markdownTokens, techniqueIdsIn, type CodeBlock } from '../markdown.ts';
import { ruleSource } from '../record.ts';
import { floorIndex, lineStarts, SourceMap } from '../sourceMap.ts';
import { KqlDiagnostics } from './diagnostics.ts';
import { ATTACK_TACTIC_NAMES, HUNTING_FOLDERS, QUERY_SHAPE_KINDS, TACTIC_COLUMN_HEADERS } from './defenderFacts.ts';
import { readFrontMatter } from './frontMatter.ts';
import { buildKqlRule, type KqlRuleOutput } from './record.ts';
import { leadingComments, parseKql, splitQueryBlocks, type KNode } from './parser.ts';
import { DEFENDER_TABLES, KQL_TABLES, SENTINEL_ROW_TABLES } from './vocabulary.ts';

export interface DefenderResult {
  readonly outputs: readonly KqlRuleOutput[];
  readonly diagnostics: readonly Diagnostic[];
}

/** The contents of a Markdown text's code blocks (fenced or indented), as markdown-it reads them. */
export function markdownCodeBlocks(text: string): string[] {
  return markdownTokens(text)
    .filter((t) => t.type === 'fence' || t.type === 'code_block')
    .map((t) => t.content);
}

interface Block extends CodeBlock {
  readonly info: string;
  /** 0-based first and last+1 line of the block (a fence: its ``` lines included) in the file. */
  readonly map: [number, number];
  readonly heading?: string;
}

/** Which repository layout a file follows, from its path under the corpus root. */
export type DefenderFlavour = 'm365' | 'bertjan' | 'generic';

/** One Markdown file; `collection` is the folder of its Defender collection (its files' paths start with it). */
export function parseDefenderMarkdown(file: string, text: string, flavour: DefenderFlavour, source: SourceInfo, collection = ''): DefenderResult {
  const front = readFrontMatter(file, text);
  const tokens = markdownTokens(front.body);
  const lines = lineStarts(text);
  const diags: Diagnostic[] = [];
  let title: string | undefined = front.title;
  const headings: { level: number; text: string; line: number }[] = [];
  const blocks: Block[] = [];
  const attack: DeclaredAttack[] = [...front.attack];
  const tags: string[] = [...front.tags];
  let tableHeader: string[] = [];
  let inHead = false;
  let lastHeading: string | undefined;
  let hasLabelledKql = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'heading_open') {
      const inline = tokens[i + 1];
      const h = inline?.content.trim() ?? '';
      headings.push({ level: Number(t.tag.slice(1)), text: h, line: t.map?.[0] ?? 0 });
      if (title === undefined && h) title = h;
      lastHeading = h;
    } else if (t.type === 'fence' || t.type === 'code_block') {
      const info = t.info.trim().toLowerCase();
      if (info.startsWith('kql') || info.startsWith('kusto')) hasLabelledKql = true;
      blocks.push({ type: t.type, content: t.content, info, map: (t.map ?? [0, 0]) as [number, number], ...(lastHeading ? { heading: lastHeading } : {}) });
    } else if (t.type === 'thead_open' || t.type === 'thead_close') {
      inHead = t.type === 'thead_open';
    } else if (t.type === 'tr_open') {
      const cells = rowCells(tokens, i);
      if (inHead) {
        tableHeader = cells.map((c) => c.toLowerCase());
        continue;
      }
      cells.forEach((c, col) => {
        for (const id of techniqueIdsIn(c)) attack.push({ text: id, techniqueId: id });
        // an ATT&CK table's tactic column: | Tactic | Technique | ... |
        if (TACTIC_COLUMN_HEADERS.has((tableHeader[col] ?? '').replace(/[^a-z& ]/g, '').trim())) {
          for (const part of c.split(/[,;/]| and /)) {
            const name = part.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').trim();
            if (TACTIC_ID.test(name) || ATTACK_TACTIC_NAMES.has(name.toLowerCase())) attack.push({ text: name, tactic: name });
          }
        }
      });
      // Microsoft's template: | Technique, tactic, or state | Covered? (v=yes) | Notes |
      if (flavour === 'm365' && cells.length >= 2 && cells[1]!.toLowerCase() === 'v') {
        if (ATTACK_TACTIC_NAMES.has(cells[0]!.toLowerCase())) attack.push({ text: cells[0]!, tactic: cells[0]! });
        else tags.push(cells[0]!);
      }
    }
  }
  const kqlBlocks = blocks.filter((b) => {
    if (b.info.startsWith('kql') || b.info.startsWith('kusto')) return true;
    if (b.info === '' && flavour !== 'generic') {
      // an unlabelled block is KQL by these repositories' convention; when the file labels its KQL, an unlabelled
      // block that the Kusto parser rejects is something else (output, a path list)
      if (hasLabelledKql ? parseKql(b.content).diagnostics.length === 0 : looksLikeKql(b.content)) return true;
    }
    // whatever the fence label (C#, csharp, sql, text, none): a block the Kusto parser reads as a query is one
    if (isQueryShaped(b.content)) return true;
    diags.push(KqlDiagnostics.otherLanguage(file, b.info || 'no language, not read as a KQL query by the Kusto parser', { line: b.map[0] + 1 }));
    return false;
  });
  if (kqlBlocks.length === 0) return { outputs: [], diagnostics: [...diags, KqlDiagnostics.noKqlBlock(file)] };

  const description = front.description ?? sectionText(text, lines, headings, 'description') ?? introText(text, lines, headings, blocks);
  const references = [...new Set([...front.references, ...sectionLinks(tokens, 'references')])];
  const author = front.author ?? sectionText(text, lines, headings, 'author')?.trim();
  const stem = slugify(file.split('/').pop()!.replace(/\.md$/i, ''));
  const { kind, reason } = kindOf(file.slice(collection.length), flavour, headings);
  const queries = kqlBlocks.flatMap((b) => {
    const blockMap = codeBlockMap(file, text, lines, b);
    return queriesOf(b.content).map((part) => ({ block: b, part, query: b.content.slice(part.start, part.end), map: blockMap.sub(part.start) }));
  });
  const several = queries.length > 1;
  const outputs = queries.map(({ block: b, part, query, map }, idx) => {
    const start = map.toHost(0);
    const end = map.toHost(query.length);
    const startLine = lineOf(lines, start);
    return buildKqlRule({
      id: `kusto/${stem}${several ? `-${idx + 1}` : ''}`,
      file,
      fileText: text,
      fileLanguage: 'markdown',
      query,
      map,
      range: { start, end },
      source: ruleSource(source, file, { lines: { start: startLine, end: lineOf(lines, Math.max(start, end - 1)) } }),
      title: `${title ?? stem}${several && b.heading && b.heading !== title ? ` (${b.heading}${part.of > 1 ? `, query ${part.index}` : ''})` : several ? ` (query ${idx + 1})` : ''}`,
      ...(description ? { description } : {}),
      references,
      ...(author ? { author } : {}),
      tags,
      status: 'unknown',
      kind: { kind, reason },
      defaultKindReason: reason,
      attackDeclared: dedupeAttack(attack),
      facts: { ...(b.heading ? { section: b.heading } : {}), query: idx + 1, queries: queries.length },
      diagnostics: idx === 0 ? diags : [],
    });
  });
  return { outputs, diagnostics: [] };
}

/**
 * A raw query file (`.kql`, `.csl`, `.kusto`, `.txt`): the whole text is one query, or several separated by blank
 * lines and `//` headers. The leading comment block of the file (and of each query) gives metadata where it holds
 * it (`commentMeta.ts`: title, description, author, ATT&CK ids, data source, links); otherwise the title is the
 * file name and the comments are the description.
 */
export function parseDefenderText(file: string, text: string, flavour: DefenderFlavour, source: SourceInfo, collection = ''): DefenderResult {
  const stem = file.split('/').pop()!.replace(/\.(txt|kql|csl|kusto)$/i, '');
  const { kind, reason } = kindOf(file.slice(collection.length), flavour, []);
  if (!looksLikeKql(text)) return { outputs: [], diagnostics: [KqlDiagnostics.otherLanguage(file, 'plain text rejected by the Kusto parser from its first line (not KQL)')] };
  const parts = queriesOf(text);
  const lines = lineStarts(text);
  const fileMeta = readCommentMeta(leadingComments(parseKql(text).value.root));
  const fileMap = SourceMap.verbatim(file, text);
  const outputs = parts.map((part, idx) => {
    const query = text.slice(part.start, part.end);
    const comments = leadingComments(parseKql(query).value.root);
    const own = parts.length > 1 ? readCommentMeta(comments) : fileMeta;
    const title = parts.length > 1 ? (own.title ?? `${fileMeta.title ?? stem} (query ${idx + 1})`) : (own.title ?? stem);
    const description = own.description ?? (parts.length > 1 ? undefined : fileMeta.description);
    const attack = dedupeAttack([...fileMeta.attack, ...own.attack]);
    const references = [...new Set([...fileMeta.references, ...own.references])];
    const dataSources = [...new Set([...fileMeta.dataSources, ...own.dataSources])];
    const author = own.author ?? fileMeta.author;
    const severityNative = own.severity ?? fileMeta.severity;
    const severity = normalizeSeverity(severityNative);
    return buildKqlRule({
      id: `kusto/${slugify(stem)}${parts.length > 1 ? `-${idx + 1}` : ''}`,
      file,
      fileText: text,
      fileLanguage: 'kql',
      query,
      map: fileMap.sub(part.start),
      ...(parts.length > 1 ? { range: { start: part.start, end: part.end } } : {}),
      source: ruleSource(source, file, { lines: { start: lineOf(lines, part.start), end: lineOf(lines, Math.max(part.start, part.end - 1)) } }),
      title,
      ...(description ? { description } : {}),
      ...(references.length ? { references } : {}),
      ...(author ? { author } : {}),
      ...(own.version ?? fileMeta.version ? { version: (own.version ?? fileMeta.version)! } : {}),
      ...(severity ? { severity } : {}),
      ...(severityNative ? { severityNative } : {}),
      tags: [...new Set([...fileMeta.tags, ...own.tags])],
      status: 'unknown',
      kind: { kind, reason },
      defaultKindReason: reason,
      attackDeclared: attack,
      logSources: dataSources.map((name) => ({ kind: 'dataSource', name })),
      ...(parts.length > 1 ? { facts: { query: idx + 1, queries: parts.length } } : {}),
    });
  });
  return { outputs, diagnostics: [] };
}

/**
 * The queries of a block. A block that the parser accepts is one query. One it rejects is split the way Kusto's
 * editors split a script (blank lines between queries, `CodeScript`); let-only parts join the query after them.
 * The split is kept only when it removes syntax errors: a block that is one broken query stays one.
 */
export function queriesOf(content: string): { start: number; end: number; index: number; of: number }[] {
  const whole = [{ start: 0, end: content.length, index: 1, of: 1 }];
  const errors = parseKql(content).diagnostics.length;
  if (errors === 0) return whole;
  const parts = splitQueryBlocks(content).filter((p) => statementsOf(content.slice(p.start, p.end)).length > 0);
  if (parts.length < 2) return whole;
  const merged: { start: number; end: number }[] = [];
  let pending: number | undefined;
  for (const p of parts) {
    const hasQuery = statementsOf(content.slice(p.start, p.end)).some((k) => k !== 'LetStatement');
    if (!hasQuery) {
      pending ??= p.start;
      continue;
    }
    merged.push({ start: pending ?? p.start, end: p.end });
    pending = undefined;
  }
  if (merged.length < 2) return whole;
  const after = merged.reduce((n, m) => n + parseKql(content.slice(m.start, m.end)).diagnostics.length, 0);
  if (after >= errors) return whole;
  return merged.map((m, i) => ({ ...m, index: i + 1, of: merged.length }));
}

/**
 * Whether unlabelled text is KQL: the Kusto parser accepts it, or its first error comes after the first line of
 * code (a query with a mistake further down is still a query; a command line or a table of data is not).
 */
export function looksLikeKql(text: string): boolean {
  const r = parseKql(text);
  if (r.diagnostics.length === 0) return true;
  const first = firstCodeOffset(r.value.root);
  if (first === undefined) return false;
  const lineEnd = text.indexOf('\n', first);
  const firstError = Math.min(...r.diagnostics.map((d) => d.start));
  return firstError > (lineEnd < 0 ? text.length : lineEnd);
}

/**
 * Whether text in a fence of any label (or none) is a KQL query: `looksLikeKql`, and the syntax tree holds a query
 * shape (a pipe, a let statement, union, search), so that a shell line such as `ls -la /tmp`, which Kusto reads as
 * an arithmetic expression, is not taken for a query.
 */
export function isQueryShaped(text: string): boolean {
  if (!looksLikeKql(text)) return false;
  const stack: KNode[] = [parseKql(text).value.root];
  let budget = 10_000;
  while (stack.length && budget-- > 0) {
    const n = stack.pop()!;
    if (QUERY_SHAPE_KINDS.has(n.kind)) return true;
    for (const c of n.children) if (c.token === undefined) stack.push(c);
  }
  return false;
}

/**
 * Whether text that is a query as a whole (`isQueryShaped`) also parses without a syntax error, or names a log table
 * this project knows (Sentinel's, Defender XDR's: `KQL_TABLES`, `DEFENDER_TABLES`, `SENTINEL_ROW_TABLES`) or a custom
 * log (`…_CL`): the test for a file with no extension, where a Makefile (an `all:` line, then a command piped to
 * another) would pass the first.
 */
export function isLogQuery(text: string): boolean {
  if (!isQueryShaped(text)) return false;
  const parsed = parseKql(text);
  if (parsed.diagnostics.length === 0) return true;
  const stack: KNode[] = [parsed.value.root];
  let budget = 100_000;
  while (stack.length && budget-- > 0) {
    const n = stack.pop()!;
    if (n.kind === 'IdentifierToken' && n.token !== undefined && isLogTable(n.token)) return true;
    for (const c of n.children) stack.push(c);
  }
  return false;
}

const isLogTable = (name: string): boolean => name in KQL_TABLES || name in SENTINEL_ROW_TABLES || DEFENDER_TABLES.includes(name) || /^[A-Za-z][A-Za-z0-9_]*_CL$/.test(name);

function firstCodeOffset(n: KNode): number | undefined {
  if (n.token !== undefined) return n.token === '' ? undefined : n.start;
  for (const c of n.children) {
    const r = firstCodeOffset(c);
    if (r !== undefined) return r;
  }
  return undefined;
}

function statementsOf(q: string): string[] {
  const root = parseKql(q).value.root;
  const lists = root.children.filter((c) => c.kind === 'List');
  const last = lists[lists.length - 1];
  return last ? last.children.filter((c) => c.token === undefined).map((c) => c.kind) : [];
}

function lineOf(lines: readonly number[], off: number): number {
  return floorIndex(lines, off) + 1;
}

/** `inCollection`: the file's path inside its collection (its first folder is the collection's own grouping). */
function kindOf(inCollection: string, flavour: DefenderFlavour, headings: readonly { text: string }[]): { kind: Kind; reason: string } {
  if (flavour === 'bertjan') {
    const top = inCollection.split('/')[0] ?? '';
    const template = headings.some((h) => h.text.toLowerCase() === 'risk');
    if (template && !HUNTING_FOLDERS.has(top)) {
      return { kind: 'detection', reason: "follows the repository's detection-rule template (DetectionTemplate.md: ATT&CK technique table, Risk section): written to run as a custom detection" };
    }
    return { kind: 'hunting', reason: template ? `in the ${top} folder: a hunting / investigation query` : 'no detection-rule template (no Risk section): a hunting or investigation query' };
  }
  if (flavour === 'm365') return { kind: 'hunting', reason: 'Defender XDR advanced hunting query from a collection of hunting queries: run by an analyst, not scheduled to alert' };
  return { kind: 'hunting', reason: 'a KQL query kept as a file or a document (no schedule, trigger or alert settings): a hunting query an analyst runs' };
}

function rowCells(tokens: readonly Token[], i: number): string[] {
  const out: string[] = [];
  for (let j = i + 1; j < tokens.length && tokens[j]!.type !== 'tr_close'; j++) if (tokens[j]!.type === 'inline') out.push(tokens[j]!.content.trim());
  return out;
}

/** The source text of the section under the first heading whose text starts with `name` (case-insensitive). */
function sectionText(text: string, lines: readonly number[], headings: readonly { level: number; text: string; line: number }[], name: string): string | undefined {
  const i = headings.findIndex((h) => h.text.toLowerCase().startsWith(name));
  if (i < 0) return undefined;
  const h = headings[i]!;
  const next = headings.slice(i + 1).find((x) => x.level <= h.level) ?? headings[i + 1];
  const start = lines[h.line + 1] ?? text.length;
  const end = next ? (lines[next.line] ?? text.length) : text.length;
  const s = text.slice(start, end).trim();
  return s || undefined;
}

/** Paragraphs between the title and the first later heading or code block. */
function introText(text: string, lines: readonly number[], headings: readonly { line: number }[], blocks: readonly Block[]): string | undefined {
  const first = headings[0];
  const startLine = first ? first.line + 1 : 0;
  const stops = [...headings.slice(1).map((h) => h.line), ...blocks.map((b) => b.map[0])].filter((l) => l >= startLine);
  const endLine = stops.length ? Math.min(...stops) : lines.length;
  const s = text.slice(lines[startLine] ?? text.length, lines[endLine] ?? text.length).trim();
  return s || undefined;
}

function sectionLinks(tokens: readonly Token[], name: string): string[] {
  const out: string[] = [];
  let inSection = false;
  let level = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'heading_open') {
      const lv = Number(t.tag.slice(1));
      const h = tokens[i + 1]?.content.trim().toLowerCase() ?? '';
      if (inSection && lv <= level) inSection = false;
      if (h.startsWith(name)) {
        inSection = true;
        level = lv;
      }
    } else if (inSection && t.type === 'inline') {
      for (const c of t.children ?? []) {
        if (c.type === 'link_open') {
          const href = c.attrGet('href');
          if (href) out.push(href);
        } else if (c.type === 'text' && (c.content.startsWith('http://') || c.content.startsWith('https://'))) out.push(c.content.trim());
      }
    }
  }
  return [...new Set(out)];
}

function dedupeAttack(a: readonly DeclaredAttack[]): DeclaredAttack[] {
  const seen = new Set<string>();
  return a.filter((x) => {
    const k = JSON.stringify(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
