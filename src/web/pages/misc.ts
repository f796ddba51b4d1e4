/** Log-source and indicator pages. */
import type { Catalog, RuleRow } from '../../catalog/query.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { link, type Site } from '../site.ts';
import { formatLabel, ruleTable, valueLabel } from './common.ts';

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
${d.excludedBy.length ? html`<h2>Rules that exclude it</h2>${ruleTable(site, d.excludedBy, { extra: (r) => html`${(r as { stage?: string | null }).stage ?? ''}${from && site.mode === 'server' ? html` ${cmp(r)}` : ''}` })}` : ''}`;
  return page(site, `${d.field} ${d.op}`, body);
}
