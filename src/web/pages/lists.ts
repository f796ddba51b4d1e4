/** Home, Browse and Search pages. */
import type { Catalog, Filters, Paging, Sort } from '../../catalog/query.ts';
import { MAX_PAGE, MAX_PAGE_SIZE, SORTS } from '../../catalog/query.ts';
import { countsForCoverage, KINDS, type Kind } from '../../model/facts.ts';
import { WORD_FILTERS } from '../../catalog/searchQuery.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { link, type Site } from '../site.ts';
import { filterForm, formatLabel, kindLabel, pager, ruleTable } from './common.ts';
import { whyList, whyMatched } from './why.ts';

export type Params = Record<string, string | undefined>;

export function filtersFrom(p: Params): Filters {
  const f: Record<string, unknown> = {};
  for (const k of ['format', 'kind', 'severity', 'status', 'tactic', 'technique', 'logsource'] as const) if (p[k]) f[k] = p[k]!.slice(0, 200);
  // the words of the lists in any case (`format=Sigma`), as `badWordFilter` reads them
  for (const [k] of WORD_FILTERS) if (typeof f[k] === 'string') f[k] = (f[k] as string).trim().toLowerCase();
  if (p.all === '1' || p.all === 'true') f.all = true;
  return f as Filters;
}

/**
 * Sorting and paging from a page's parameters: `sort`, `dir`, `page`, and `limit` (rules a page: 50 unless given, at
 * most MAX_PAGE_SIZE); a value that is not one is left out, as a hand-written link's would be.
 */
export function pagingFrom(p: Params): Paging {
  const sort = (SORTS as readonly string[]).includes(p.sort ?? '') ? (p.sort as Sort) : undefined;
  const page = Number(p.page);
  const limit = Number(p.limit);
  return {
    ...(sort ? { sort } : {}),
    ...(p.dir === 'desc' ? { dir: 'desc' as const } : {}),
    ...(Number.isInteger(page) && page > 0 ? { page: Math.min(page, MAX_PAGE) } : {}),
    ...(Number.isInteger(limit) && limit > 0 ? { pageSize: Math.min(limit, MAX_PAGE_SIZE) } : {}),
  };
}

export function homeData(cat: Catalog) {
  return cat.home();
}

export function renderHome(site: Site, d: ReturnType<Catalog['home']>): string {
  const kinds = d.kinds as Kind[];
  const body = html`<h1>Detection rules</h1>
<p class="lead">${d.total} rules from ${d.sources.length} sources in ${d.formats.length} languages, one normalized model: what each rule matches, excludes and emits, and what ATT&amp;CK it covers.</p>
${d.examplesFallback ? html`<p class="note">This catalog holds the project's example rules only: no upstream source was synced and no mirror given. Run <code>detwiki sync</code> or <code>detwiki build --mirror DIR</code>.</p>` : ''}
<dl class="facts"><dt>Built</dt><dd>${d.builtAt || 'never'}</dd><dt>Last sync</dt><dd>${d.lastSync || 'never (built from a mirror or the examples)'}</dd>
<dt>ATT&amp;CK</dt><dd>${d.attackVersion ? `Enterprise v${d.attackVersion}` : d.attackMessage || 'no bundle'}</dd>
<dt>Files</dt><dd>${Object.entries(d.files).map(([k, v]) => `${v} ${k}`).join(', ')}</dd></dl>
<h2>Rules per format and kind</h2>
<table class="counts"><thead><tr><th>Format</th>${kinds.map((k) => html`<th>${kindLabel(k)}</th>`)}<th>Total</th></tr></thead><tbody>
${d.formats.map((f) => {
  const row = d.byFormat[f] ?? {};
  const total = Object.values(row).reduce((a, b) => a + b, 0);
  return html`<tr><th><a href="${link.browse(site, { format: f, all: 1 })}">${formatLabel(f)}</a></th>${kinds.map((k) => html`<td>${row[k] ? html`<a href="${link.browse(site, { format: f, kind: k })}">${row[k]}</a>` : ''}</td>`)}<td>${total}</td></tr>\n`;
})}</tbody></table>
<p class="note">Only ${KINDS.filter(countsForCoverage).map(kindLabel).join(' and ')} rules count in the ATT&amp;CK matrix and the default browse listing; the other kinds are searchable and each page says why it was classified so.</p>
<h2>Sources</h2>
<table><thead><tr><th>Source</th><th>Format</th><th>Repository</th><th>Origin</th><th>Files</th><th>Rules</th><th>Licence</th></tr></thead><tbody>
${(d.sources as Record<string, unknown>[]).map((s) => html`<tr><td>${s.name}</td><td>${formatLabel(String(s.format))}</td><td>${s.repository}${s.commit_id ? html` <code>${String(s.commit_id).slice(0, 8)}</code>` : ''}</td><td>${s.origin}</td><td>${s.files}</td><td>${s.rules}</td><td>${s.licence ?? ''}</td></tr>\n`)}
</tbody></table>`;
  return page(site, 'Home', body);
}

export function browseData(cat: Catalog, p: Params) {
  const filters = filtersFrom(p);
  const paging = pagingFrom(p);
  return { filters, paging, listing: cat.browse(filters, paging), facets: cat.facets() };
}

export function renderBrowse(site: Site, d: ReturnType<typeof browseData>): string {
  const base = { ...d.filters, all: d.filters.all ? 1 : undefined } as Record<string, string | number | undefined>;
  const sortLink = (col: string) => link.browse(site, { ...base, sort: col, dir: d.paging.sort === col && d.paging.dir !== 'desc' ? 'desc' : undefined });
  const body = html`<h1>Browse rules</h1>
${site.mode === 'server' ? filterForm(link.browse(site), { ...d.filters, ...(d.paging.sort ? { sort: d.paging.sort } : {}), ...(d.paging.dir ? { dir: d.paging.dir } : {}) }, d.facets, { showAll: true }) : html`<div id="static-browse" data-kind="browse"></div>`}
<p class="count"><strong id="result-count">${d.listing.total}</strong> rules${d.filters.all || d.filters.kind ? '' : html` (detections and correlations; <a href="${link.browse(site, { ...base, all: 1 })}">show every kind</a>)`}</p>
${ruleTable(site, d.listing.rows, { sortLinks: sortLink })}
${pager(d.listing, (n) => link.browse(site, { ...base, sort: d.paging.sort, dir: d.paging.dir, limit: d.paging.pageSize, page: n }))}`;
  return page(site, 'Browse', body);
}

export function searchData(cat: Catalog, p: Params) {
  const q = (p.q ?? '').slice(0, 500);
  const filters = filtersFrom(p);
  const paging = pagingFrom(p);
  const result = cat.search(q, filters, paging);
  return { q, filters, paging, result, facets: cat.facets(), why: whyMatched(cat, result.rows, result.parsed) };
}

export function renderSearch(site: Site, d: ReturnType<typeof searchData>): string {
  const base = { q: d.q, ...d.filters, all: d.filters.all ? 1 : undefined } as Record<string, string | number | undefined>;
  const r = d.result;
  const body = html`<h1>Search</h1>
${site.mode === 'server'
  ? filterForm(link.search(site), { ...d.filters, q: d.q }, d.facets, { q: true })
  : html`<form class="filters" id="static-search" method="get" action="${link.search(site)}"><label class="q">Query <input type="search" name="q" value="${d.q}"></label><button>Search</button></form>`}
<p class="help">Words match titles, descriptions, fields, values and rule bodies; <code>field:CommandLine</code> finds rules whose logic uses a field, <code>value:"\\reg.exe"</code> rules that look for (or exclude) a value; <code>format:sigma</code>, <code>kind:hunting</code>, <code>technique:T1078</code> filter; <code>word*</code> is a prefix.</p>
${d.q ? html`<p class="count"><strong id="result-count">${r.total}${r.totalCapped ? '+' : ''}</strong> result(s) for <q>${d.q}</q>${r.total && !d.paging.sort && r.parsed.fts ? ', rules matched by their title, description, fields or values first' : ''}</p>${ruleTable(site, r.rows, { under: (row) => whyList(d.why[row.id] ?? []) })}${pager(r, (n) => link.search(site, { ...base, limit: d.paging.pageSize, page: n }))}` : html`<div id="static-results"></div>`}`;
  return page(site, d.q ? `Search: ${d.q}` : 'Search', body, { q: d.q });
}
