/**
 * Reading a search box string into an FTS5 query and structured criteria. Every user token is quoted, so FTS
 * syntax characters (`-`, `*` inside words, `:`, quotes, parentheses, NEAR/AND/OR/NOT words) are searched for as
 * text and never raise a syntax error. Recognised prefixes: `field:Name` (rules whose logic uses that field),
 * `value:"text"` (rules looking for / excluding that value), and filters `format:`, `kind:`, `severity:`,
 * `status:`, `tactic:`, `technique:`. A trailing `*` on a word is a prefix search.
 */
import { choicesOf, FORMATS, KINDS, SEVERITIES, STATUSES } from '../model/facts.ts';
import { FTS_COLUMNS } from './schema.ts';

export interface ParsedQuery {
  /** The FTS5 MATCH expression, or undefined when no free text remains. */
  readonly fts?: string;
  readonly fields: readonly string[];
  readonly values: readonly string[];
  readonly filters: Readonly<Record<string, string>>;
  /** Free-text terms as the user typed them (for highlighting / display). */
  readonly terms: readonly string[];
}

const FILTER_PREFIXES = new Set(['format', 'kind', 'severity', 'status', 'tactic', 'technique', 'logsource']);

/** The filters whose values are a fixed list of words (all lower case), with that list. */
export const WORD_FILTERS = [
  ['format', FORMATS],
  ['kind', KINDS],
  ['severity', SEVERITIES],
  ['status', STATUSES],
] as const;

/**
 * Why filters cannot match any rule, when one of them is not a word of its list (`format=sigam`, `format:splnk` in a
 * search box): said, naming the words there are, not an empty list that reads as "no rules". Words in any case.
 */
export function badWordFilter(filters: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const [k, words] of WORD_FILTERS) {
    const v = filters[k];
    if (!v) continue;
    try {
      choicesOf(v.slice(0, 200), words, k, { single: true });
    } catch (e) {
      return (e as Error).message;
    }
  }
  return undefined;
}

/** Split into tokens: quoted phrases (with an optional `prefix:`), or runs of non-space characters. */
function tokenize(q: string): { prefix?: string; text: string; quoted: boolean }[] {
  const out: { prefix?: string; text: string; quoted: boolean }[] = [];
  let i = 0;
  while (i < q.length) {
    while (i < q.length && /\s/.test(q[i]!)) i++;
    if (i >= q.length) break;
    let prefix: string | undefined;
    const m = /^([A-Za-z]+):/.exec(q.slice(i));
    if (m && (m[1]!.toLowerCase() === 'field' || m[1]!.toLowerCase() === 'value' || FILTER_PREFIXES.has(m[1]!.toLowerCase()))) {
      prefix = m[1]!.toLowerCase();
      i += m[0].length;
    }
    if (q[i] === '"') {
      const end = q.indexOf('"', i + 1);
      const text = end < 0 ? q.slice(i + 1) : q.slice(i + 1, end);
      i = end < 0 ? q.length : end + 1;
      out.push({ ...(prefix ? { prefix } : {}), text, quoted: true });
      continue;
    }
    let j = i;
    while (j < q.length && !/\s/.test(q[j]!)) j++;
    out.push({ ...(prefix ? { prefix } : {}), text: q.slice(i, j), quoted: false });
    i = j;
  }
  return out;
}

/** Every FTS column but the body, as an FTS5 column filter. */
const DESCRIBING = `{${FTS_COLUMNS.filter((c) => c !== 'body').join(' ')}}`;

/**
 * The three relevance tiers of a MATCH expression: `tested` = rules whose logic tests every term (the values their
 * indicators and exclusions compare with, any field, any format); `described` = the other rules that hold every
 * term in their title, description, fields, values or metadata; `bodyOnly` = the other matches (some term only in
 * the verbatim body). A column filter inside the expression (`vals : …`) intersects with the outer one, so
 * `value:` keeps its column.
 */
export function ftsTiers(fts: string): readonly [tested: string, described: string, bodyOnly: string] {
  const tested = `{vals} : (${fts})`;
  const described = `${DESCRIBING} : (${fts})`;
  return [tested, `${described} NOT ${tested}`, `(${fts}) NOT (${described})`];
}

/** True when the text has something the FTS tokenizer keeps (letters or digits). */
function hasWordChars(s: string): boolean {
  return /[\p{L}\p{N}]/u.test(s);
}

/** An FTS5 string literal: double quotes doubled. */
export function ftsQuote(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** C0 controls and DEL. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/g;

export function parseQuery(q: string): ParsedQuery {
  const fields: string[] = [];
  const values: string[] = [];
  const filters: Record<string, string> = {};
  const parts: string[] = [];
  const terms: string[] = [];
  // control characters (NUL, escapes, DEL) are separators, as the FTS tokenizer treats them: inside an FTS5 string
  // literal a NUL ends the query text early ("unterminated string")
  for (const t of tokenize(q.slice(0, 500).replace(CONTROL_CHARS, ' '))) {
    if (t.prefix === 'field') {
      if (t.text) fields.push(t.text);
      continue;
    }
    if (t.prefix === 'value') {
      if (t.text) values.push(t.text);
      continue;
    }
    if (t.prefix) {
      // the words of the lists in any case (`format:Sigma`), as the pages' and the commands' filters read them
      if (t.text) filters[t.prefix] = WORD_FILTERS.some(([k]) => k === t.prefix) ? t.text.trim().toLowerCase() : t.text;
      continue;
    }
    if (!hasWordChars(t.text)) continue;
    terms.push(t.text);
    if (!t.quoted && t.text.endsWith('*') && t.text.length > 1 && hasWordChars(t.text.slice(0, -1))) parts.push(`${ftsQuote(t.text.slice(0, -1))}*`);
    else parts.push(ftsQuote(t.text));
  }
  for (const v of values) if (hasWordChars(v)) parts.push(`vals : ${ftsQuote(v)}`);
  return { ...(parts.length ? { fts: parts.join(' AND ') } : {}), fields, values, filters, terms };
}
