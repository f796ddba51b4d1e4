/** "Why it matched" on the search page: the locations of each result with their marked snippets. */
import type { Catalog, RuleRow } from '../../catalog/query.ts';
import type { ParsedQuery } from '../../catalog/searchQuery.ts';
import { explainMatch, type MatchableRule, type MatchLocation, type SnippetPart } from '../../catalog/snippets.ts';
import { esc, html, raw, type Html } from '../html.ts';

/** The match locations of each listed rule (by id). */
export function whyMatched(cat: Catalog, rows: readonly RuleRow[], parsed: ParsedQuery): Record<string, readonly MatchLocation[]> {
  const out: Record<string, readonly MatchLocation[]> = {};
  if (!rows.length) return out;
  // the records without their bodies and tests (most of their size); a body is read only when a word is found
  // nowhere else in its rule
  const recs = cat.db
    .prepare("SELECT r.id, json_remove(j.json, '$.body', '$.tests') json FROM rules r JOIN rule_json j ON j.rowid = r.rowid WHERE r.id IN (SELECT value FROM json_each(?))")
    .all(JSON.stringify(rows.map((r) => r.id))) as { id: string; json: string }[];
  const body = cat.db.prepare("SELECT (SELECT group_concat(json_extract(b.value, '$.text'), char(10)) FROM json_each(j.json, '$.body') b) text FROM rules r JOIN rule_json j ON j.rowid = r.rowid WHERE r.id = ?");
  for (const r of recs) out[r.id] = explainMatch(JSON.parse(r.json) as MatchableRule, parsed, () => (body.get(r.id) as { text: string | null } | undefined)?.text ?? '');
  return out;
}

/** A snippet as HTML: every piece escaped, then the marked ones wrapped in `<mark>`. */
export function snippetHtml(parts: readonly SnippetPart[]): Html {
  return raw(parts.map((p) => (p.mark ? `<mark>${esc(p.text)}</mark>` : esc(p.text))).join(''));
}

const WHERE_CLASS: Record<MatchLocation['where'], string> = { title: 'title', description: 'description', value: 'value', excluded: 'excluded', field: 'field', meta: 'meta', body: 'body' };

/** Locations in the logic: their snippet is code. */
const LOGIC: ReadonlySet<MatchLocation['where']> = new Set(['value', 'excluded', 'field']);

export function whyList(locs: readonly MatchLocation[]): Html {
  if (!locs.length) return html``;
  return html`<ul class="why">${locs.map((l) => html`<li data-where="${l.where}"><span class="where ${WHERE_CLASS[l.where]}">${l.label}:</span>${LOGIC.has(l.where) ? html`<code>${snippetHtml(l.snippet)}</code>` : html`<span class="snip">${snippetHtml(l.snippet)}</span>`}</li>`)}</ul>`;
}
