/** "Why it matched" on the search page: the locations of each result with their marked snippets. */
import type { Catalog, RuleRow } from '../../catalog/query.ts';
import type { ParsedQuery } from '../../catalog/searchQuery.ts';
import { explainMatch, type MatchLocation, type SnippetPart } from '../../catalog/snippets.ts';
import { esc, html, raw, type Html } from '../html.ts';

/** The match locations of each listed rule (by id). */
export function whyMatched(cat: Catalog, rows: readonly RuleRow[], parsed: ParsedQuery): Record<string, readonly MatchLocation[]> {
  const out: Record<string, readonly MatchLocation[]> = {};
  for (const r of rows) {
    const rec = cat.ruleRecord(r.id);
    if (rec) out[r.id] = explainMatch(rec, parsed);
  }
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
