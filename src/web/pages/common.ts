/** Pieces shared by the pages: rule tables, badges, filter forms, pagers. */
import type { Filters, Listing, RuleRow } from '../../catalog/query.ts';
import { FORMAT_LABELS, isFormat, KIND_LABELS, type Kind } from '../../model/facts.ts';
import { html, join, type Html } from '../html.ts';
import { link, type Site } from '../site.ts';

export function formatLabel(f: string): string {
  return isFormat(f) ? FORMAT_LABELS[f] : f;
}

export function kindLabel(k: string): string {
  return (KIND_LABELS as Record<string, string>)[k] ?? k;
}

export function badge(text: string, cls: string): Html {
  return html`<span class="badge ${cls}">${text}</span>`;
}

export function ruleTable(site: Site, rows: readonly RuleRow[], opts: { readonly sortLinks?: (col: string) => string; readonly extra?: (r: RuleRow) => Html; readonly under?: (r: RuleRow) => Html } = {}): Html {
  if (!rows.length) return html`<p class="empty">No rules.</p>`;
  const th = (col: string, label: string) => (opts.sortLinks ? html`<th><a href="${opts.sortLinks(col)}">${label}</a></th>` : html`<th>${label}</th>`);
  return html`<table class="rules"><thead><tr>${th('title', 'Title')}${th('format', 'Format')}${th('kind', 'Kind')}${th('severity', 'Severity')}${th('status', 'Status')}<th>Logic</th>${opts.extra ? html`<th></th>` : ''}</tr></thead><tbody>
${rows.map(
  (r) => html`<tr><td><a href="${link.rule(site, r.id)}">${r.title}</a><div class="rid">${r.id}</div>${opts.under ? opts.under(r) : ''}</td><td>${formatLabel(r.format)}</td><td>${kindLabel(r.kind)}</td><td>${r.severity ? badge(r.severity, `sev-${r.severity}`) : ''}</td><td>${r.status}</td><td>${badge(r.completeness, `c-${r.completeness}`)}</td>${opts.extra ? html`<td>${opts.extra(r)}</td>` : ''}</tr>\n`,
)}</tbody></table>`;
}

export function pager(listing: Listing, href: (page: number) => string): Html {
  const pages = Math.max(1, Math.ceil(listing.total / listing.pageSize));
  // a capped search total is a lower bound: a full page may have a next one
  const more = listing.totalCapped === true && listing.rows.length === listing.pageSize;
  if (pages <= 1 && !more) return html``;
  const items: Html[] = [];
  if (listing.page > 1) items.push(html`<a rel="prev" href="${href(listing.page - 1)}">← Previous</a>`);
  items.push(html`<span>Page ${listing.page} of ${pages}${listing.totalCapped ? '+' : ''}</span>`);
  if (listing.page < pages || more) items.push(html`<a rel="next" href="${href(listing.page + 1)}">Next →</a>`);
  return html`<nav class="pager">${join(items, ' ')}</nav>`;
}

export interface FacetData {
  readonly format: readonly string[];
  readonly kind: readonly string[];
  readonly severity: readonly string[];
  readonly status: readonly string[];
  readonly tactic: readonly { readonly id: string; readonly name: string }[];
  readonly logsource: readonly { readonly key: string; readonly kind: string; readonly name: string; readonly n: number }[];
}

/** GET form with the filters; works without JavaScript (submit button), app.js submits on change. */
export function filterForm(action: string, f: Filters & { readonly q?: string; readonly sort?: string; readonly dir?: string }, facets: FacetData, opts: { readonly showAll?: boolean; readonly q?: boolean } = {}): Html {
  const sel = (name: string, label: string, values: readonly { v: string; l: string }[], cur: string | undefined) =>
    html`<label>${label} <select name="${name}"><option value="">any</option>${values.map((x) => html`<option value="${x.v}"${x.v === cur ? html` selected` : ''}>${x.l}</option>`)}</select></label>`;
  return html`<form class="filters" method="get" action="${action}">
${opts.q ? html`<label class="q">Query <input type="search" name="q" value="${f.q ?? ''}"></label>` : ''}
${sel('format', 'Format', facets.format.map((v) => ({ v, l: formatLabel(v) })), f.format)}
${sel('kind', 'Kind', facets.kind.map((v) => ({ v, l: kindLabel(v as Kind) })), f.kind)}
${sel('severity', 'Severity', facets.severity.map((v) => ({ v, l: v })), f.severity)}
${sel('status', 'Status', facets.status.map((v) => ({ v, l: v })), f.status)}
${sel('tactic', 'Tactic', facets.tactic.map((t) => ({ v: t.id, l: t.name })), f.tactic)}
<label>Technique <input name="technique" size="9" value="${f.technique ?? ''}" placeholder="T1078"></label>
${sel('logsource', 'Log source', facets.logsource.map((l) => ({ v: l.key, l: `${l.name} (${l.kind}, ${l.n})` })), f.logsource)}
${opts.showAll ? html`<label class="all"><input type="checkbox" name="all" value="1"${f.all ? html` checked` : ''}> include hunting queries, signals, building blocks, feeds, policies, deprecated</label>` : ''}
${f.sort ? html`<input type="hidden" name="sort" value="${f.sort}">` : ''}${f.dir ? html`<input type="hidden" name="dir" value="${f.dir}">` : ''}
<button type="submit">Apply</button></form>`;
}

export function valueLabel(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object') return `field(${(v as { field?: string }).field ?? '?'})`;
  return String(v);
}

/** "N rules in K formats". */
export function acrossFormats(c: { readonly rules: number; readonly formats: number }): string {
  return `${c.rules} rule${c.rules === 1 ? '' : 's'} in ${c.formats} format${c.formats === 1 ? '' : 's'}`;
}
