/** Log-source and indicator pages. */
import type { Catalog, RuleRow } from '../../catalog/query.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { link, type Site } from '../site.ts';
import { acrossFormats, formatLabel, ruleTable, valueLabel } from './common.ts';
import type { Html } from '../html.ts';

/** The indicator's canonical field and value: counts across formats and the rules that spell it otherwise. */
function canonicalSection(site: Site, d: NonNullable<ReturnType<Catalog['indicator']>>, cmp: (r: RuleRow) => Html, from: string | undefined): Html {
  if (!d.canonical.length) return html``;
  const withField = (r: RuleRow) => html`${(r as { native_field?: string }).native_field ? html`<code>${(r as { native_field?: string }).native_field}</code>` : ''}${from && site.mode === 'server' ? html` ${cmp(r)}` : ''}`;
  return html`<h2>Same canonical field and value, every format</h2>
<p class="small">The field maps onto the raw log's own name (each language's names mapped onto it); rules that test the same canonical field and value are counted however their language spells the field, each language's case rule applied (two case-sensitive tests count together only when they spell the value the same).</p>
${d.canonical.map(
  (c) => html`<h3><code>${c.label}</code></h3><p>${acrossFormats(c)} (${Object.entries(c.counts).map(([f, n], k) => html`${k ? ', ' : ''}${formatLabel(f)}: ${n}`)}).${c.others.length ? ` Besides the rules above${c.truncated ? ` (the first ${c.others.length} listed)` : ''}:` : ' All of them are listed above.'}</p>${c.others.length ? ruleTable(site, c.others, { extra: withField }) : ''}`,
)}`;
}

export function renderLogsources(site: Site, rows: ReturnType<Catalog['logsources']>): string {
  const byKind = new Map<string, typeof rows>();
  for (const r of rows) byKind.set(r.kind, [...(byKind.get(r.kind) ?? []), r]);
  const body = html`<h1>Log sources</h1><p>As each rule states them (Panther LogTypes, Sigma logsource, Sentinel tables and connectors, Splunk data sources, Elastic indices and integrations, YARA-L and MQL sources).</p>
${[...byKind].map(([k, list]) => html`<h2>${k} (${list.length})</h2><ul class="cols">${list.map((l) => html`<li><a href="${link.logsource(site, l.key)}">${l.name}</a> (${l.n})</li>`)}</ul>`)}`;
  return page(site, 'Log sources', body);
}

export function renderLogsource(site: Site, d: NonNullable<ReturnType<Catalog['logsource']>>): string {
  const body = html`<p class="crumbs"><a href="${link.logsources(site)}">Log sources</a> › ${d.kind}</p><h1>${d.name}</h1>
<p>${d.rules.length} rules state this ${d.kind}; <a href="${link.browse(site, { logsource: d.key, all: 1 })}">browse with filters</a>.</p>
<h2>Techniques</h2>${d.techniques.length ? html`<ul>${d.techniques.map((t) => html`<li><a href="${link.technique(site, t.id)}">${t.id} ${t.name ?? ''}</a> (${t.n})</li>`)}</ul>` : html`<p class="empty">None.</p>`}
<h2>Most-used fields</h2>${d.topFields.length ? html`<ul>${d.topFields.map((f) => html`<li><code>${f.field}</code> (${f.n})</li>`)}</ul>` : html`<p class="empty">No parsed logic among these rules.</p>`}
<h2>Rules</h2>${ruleTable(site, d.rules)}`;
  return page(site, d.name, body);
}

/** `from`: the rule whose page linked here; each other rule listed then links to a comparison with it (served only). */
export function renderIndicator(site: Site, d: NonNullable<ReturnType<Catalog['indicator']>>, from?: string): string {
  const cmp = (r: RuleRow) => {
    const href = from && r.id !== from ? link.compare(site, from, r.id) : undefined;
    return href ? html`<a class="compare" href="${href}">compare</a>` : html``;
  };
  const withCompare = from && site.mode === 'server' ? { extra: cmp } : {};
  const body = html`<p class="crumbs">Indicator</p><h1><code>${d.field}</code> ${d.op} <code>${d.op === 'is_not_null' ? '' : valueLabel(d.value)}</code></h1>
<p>${d.total} rule(s) look for this field, operator and value (values compare case-insensitively across formats)${d.excludedBy.length ? `; ${d.excludedBy.length} exclude it` : ''}.</p>
${from && site.mode === 'server' ? html`<p class="small">"compare" sets each rule beside <a href="${link.rule(site, from)}">${from}</a>.</p>` : ''}
${Object.entries(d.byFormat).map(([f, rows]) => html`<h2>${formatLabel(f)} (${rows.length})</h2>${ruleTable(site, rows, withCompare)}`)}
${canonicalSection(site, d, cmp, from)}
${d.excludedBy.length ? html`<h2>Rules that exclude it</h2>${ruleTable(site, d.excludedBy, { extra: (r) => html`${(r as { stage?: string | null }).stage ?? ''}${from && site.mode === 'server' ? html` ${cmp(r)}` : ''}` })}` : ''}`;
  return page(site, `${d.field} ${d.op}`, body);
}
