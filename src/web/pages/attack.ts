/** ATT&CK pages: the coverage matrix, technique and tactic pages. */
import type { Catalog, Filters, IndicatorAgg, TechniquePageData } from '../../catalog/query.ts';
import { TECHNIQUE_SAME_ACTION_LIMITS } from '../../catalog/read/crossvendor.ts';
import { coveredKinds } from '../../catalog/read/attack.ts';
import { html, raw, type Html } from '../html.ts';
import { page } from '../layout.ts';
import { renderMarkdown } from '../markdown.ts';
import { link, type Site } from '../site.ts';
import { filtersFrom, type Params } from './lists.ts';
import { acrossFormats, filterForm, formatLabel, ruleTable, valueLabel } from './common.ts';

/** Heat class 0-5 on a log scale of the count relative to the busiest cell. */
export function heat(count: number, max: number): number {
  if (!count) return 0;
  if (max <= 1) return 5;
  return Math.max(1, Math.min(5, Math.ceil((Math.log(count + 1) / Math.log(max + 1)) * 5)));
}

export function matrixData(cat: Catalog, p: Params) {
  const f: Filters = filtersFrom(p);
  return { filters: f, matrix: cat.matrix(f), facets: cat.facets() };
}

export function renderMatrix(site: Site, d: ReturnType<typeof matrixData>): string {
  const m = d.matrix;
  const nav = { ...d.filters } as Record<string, string | undefined>;
  const body = html`<h1>ATT&amp;CK coverage</h1>
${m.tactics.length ? '' : html`<p class="note">No ATT&amp;CK bundle was loaded when the catalog was built: run <code>detwiki sync</code> or build with <code>--attack FILE</code>.</p>`}
<p>${m.rules} rules (${coveredKinds(d.filters.kind)}) map to Enterprise ATT&amp;CK${m.version ? ` v${m.version}` : ''}. Each cell counts rules for the technique (with its sub-techniques) under that tactic; a rule counts under the tactic it declares when that is one of the technique's tactics. ${d.filters.kind ? html`The default matrix counts detections and correlations only.` : 'Hunting queries, signals, building blocks, feeds, policies and deprecated rules are not counted unless their kind is chosen.'}</p>
${site.mode === 'server' ? filterForm(link.matrix(site), d.filters, d.facets) : ''}
<p><a href="${link.navigator(site, nav)}" download="detection-wiki-layer.json">Export as ATT&amp;CK Navigator layer (4.5)</a></p>
<div class="legend">${[0, 1, 2, 3, 4, 5].map((h) => html`<span class="cell h${h}">${h === 0 ? '0' : h === 5 ? `≤${m.max}` : ''}</span>`)}</div>
<div class="matrix" id="matrix">
${m.tactics.map((t) => html`<div class="tactic"><h3><a href="${link.tactic(site, t.id)}">${t.name}</a><span class="small">${t.count} rules</span></h3>
${t.techniques.map((q) => {
  const subs = q.subs.filter((s) => s.count > 0);
  const cell = html`<a class="cell h${heat(q.count, m.max)}" href="${link.technique(site, q.id)}" title="${q.id} ${q.name}: ${q.count} rule(s)"><span class="tname"><span class="tid">${q.id}</span> ${q.name}</span><b>${q.count}</b></a>`;
  return subs.length ? html`<details class="tech"><summary>${cell}</summary>${subs.map((s) => html`<a class="cell sub h${heat(s.count, m.max)}" href="${link.technique(site, s.id)}"><span class="tname"><span class="tid">${s.id}</span> ${s.name}</span><b>${s.count}</b></a>`)}</details>` : html`<div class="tech">${cell}</div>`;
})}</div>`)}
</div>`;
  return page(site, 'ATT&CK coverage', body, m.attribution ? { attribution: m.attribution } : {});
}

function aggTable(site: Site, rows: readonly IndicatorAgg[], empty: string): Html {
  if (!rows.length) return html`<p class="empty">${empty}</p>`;
  const canonical = rows.some((r) => r.canonical);
  return html`<table><thead><tr><th>Field</th><th>Operator</th><th>Value</th><th>Rules</th>${canonical ? html`<th title="rules of every format testing the same canonical field and value, in the whole catalog">Across formats</th>` : ''}</tr></thead><tbody>${rows.map((r) => html`<tr><td><code>${r.field}</code></td><td>${r.op}</td><td>${r.page ? html`<a href="${link.indicator(site, r.key)}"><code>${valueLabel(JSON.parse(r.value_json))}</code></a>` : html`<code>${valueLabel(JSON.parse(r.value_json))}</code>`}</td><td>${r.n}</td>${canonical ? html`<td>${r.canonical ? acrossFormats(r.canonical) : ''}</td>` : ''}</tr>\n`)}</tbody></table>`;
}

/** The technique's rules grouped by the canonical action that rules of two or more formats test. */
function sameActionSection(site: Site, groups: TechniquePageData['sameAction']): Html {
  if (!groups.length) return html`<p class="empty">No canonical action is tested by rules of two or more formats among these rules.</p>`;
  const lim = TECHNIQUE_SAME_ACTION_LIMITS;
  return html`<p class="small">Actions (canonical log source, action field and value; each language's names mapped onto the raw log's) that rules of two or more formats among this technique's rules test; ${lim.groups} at most, ${lim.rulesPerFormat} rules listed per format.</p>
<table class="same-action"><thead><tr><th>Action</th><th>Rules by format</th></tr></thead><tbody>${groups.map(
    (g) => html`<tr><td><code>${g.key}</code><div class="small">${acrossFormats({ rules: g.rules, formats: g.formats.length })}</div></td><td>${g.formats.map(
      (f) => html`<div><strong>${formatLabel(f.format)} (${f.count})</strong>: ${f.rules.map((r, i) => html`${i ? ', ' : ''}<a href="${link.rule(site, r.id)}">${r.title}</a>`)}${f.count > f.rules.length ? html` <span class="small">and ${f.count - f.rules.length} more</span>` : ''}</div>`,
    )}</td></tr>\n`,
  )}</tbody></table>`;
}

export function techniqueData(cat: Catalog, id: string, p: Params = {}) {
  const d = cat.technique(id, filtersFrom(p));
  if (!d.info && !Object.keys(d.byFormat).length && !d.others.length) return undefined;
  return d;
}

export function renderTechnique(site: Site, d: NonNullable<ReturnType<typeof techniqueData>>): string {
  const info = d.info;
  const total = Object.values(d.byFormat).reduce((a, b) => a + b.length, 0);
  const body = html`<p class="crumbs"><a href="${link.matrix(site)}">ATT&amp;CK</a>${d.parent ? html` › <a href="${link.technique(site, d.parent.id)}">${d.parent.id} ${d.parent.name}</a>` : ''}</p>
<h1>${d.id} ${info?.name ?? '(not in the loaded ATT&CK bundle)'}</h1>
${info?.revoked ? html`<p class="banner">Revoked${info.replacedBy ? html`: replaced by <a href="${link.technique(site, info.replacedBy)}">${info.replacedBy}</a>. A rule that declares ${d.id} is counted under what replaced it (<a href="${link.browse(site, { technique: d.id })}">browse those rules</a>)` : ''}.</p>` : ''}
${info?.deprecated ? html`<p class="banner">Deprecated in ATT&amp;CK.</p>` : ''}
<dl class="facts"><dt>Tactics</dt><dd>${d.tactics.map((t, i) => html`${i ? ', ' : ''}<a href="${link.tactic(site, t.id)}">${t.name}</a>`)}</dd>
${info?.platforms.length ? html`<dt>Platforms</dt><dd>${info.platforms.join(', ')}</dd>` : ''}
${info?.url ? html`<dt>MITRE</dt><dd><a href="${info.url}" rel="noopener noreferrer" target="_blank">${info.url}</a></dd>` : ''}
<dt>Rules</dt><dd>${info?.revoked && info.replacedBy && !total && !d.others.length ? html`none under this id: counted under what replaced it (<a href="${link.browse(site, { technique: d.id })}">browse them</a>)` : html`${total} detections and correlations${d.others.length ? `, ${d.others.length} of other kinds` : ''}`}</dd></dl>
${info?.description ? html`<details><summary>ATT&amp;CK description</summary>${raw(renderMarkdown(info.description))}</details>` : ''}
${d.subs.length ? html`<h2>Sub-techniques</h2><ul>${d.subs.map((s) => html`<li><a href="${link.technique(site, s.id)}">${s.id} ${s.name}</a> (${s.count})</li>`)}</ul>` : ''}
<h2>Rules by format</h2>
${Object.keys(d.byFormat).length ? Object.entries(d.byFormat).map(([f, rows]) => html`<h3>${formatLabel(f)} (${rows.length})</h3>${ruleTable(site, rows)}`) : html`<p class="empty">No detection or correlation maps to this technique.</p>`}
<h2>Same action across formats</h2>${sameActionSection(site, d.sameAction)}
<h2>Most-used fields</h2>${d.topFields.length ? html`<table><thead><tr><th>Field</th><th>Rules</th></tr></thead><tbody>${d.topFields.map((f) => html`<tr><td><a href="${link.search(site, { q: `field:${f.field}`, technique: d.id })}"><code>${f.field}</code></a></td><td>${f.n}</td></tr>`)}</tbody></table>` : html`<p class="empty">No parsed logic among these rules.</p>`}
<h2>Most-used indicators</h2>${aggTable(site, d.topIndicators, 'None.')}
<h2>Common exclusions</h2>${aggTable(site, d.commonExclusions, 'None.')}
${d.others.length ? html`<h2>Other kinds (not counted)</h2>${ruleTable(site, d.others)}` : ''}`;
  return page(site, `${d.id} ${info?.name ?? ''}`, body, d.attribution ? { attribution: d.attribution } : {});
}

export function tacticData(cat: Catalog, id: string) {
  return cat.tactic(id);
}

export function renderTactic(site: Site, d: NonNullable<ReturnType<typeof tacticData>>): string {
  const body = html`<p class="crumbs"><a href="${link.matrix(site)}">ATT&amp;CK</a></p>
<h1>${d.tactic.id} ${d.tactic.name}</h1>
${d.tactic.description ? raw(renderMarkdown(d.tactic.description)) : ''}
<p>${d.count} detection and correlation rules; <a href="${link.browse(site, { tactic: d.tactic.id })}">browse them</a>.</p>
<table><thead><tr><th>Technique</th><th>Rules</th><th>Sub-techniques with rules</th></tr></thead><tbody>
${d.techniques.map((q) => html`<tr><td><a href="${link.technique(site, q.id)}">${q.id} ${q.name}</a></td><td>${q.count}</td><td>${q.subs.filter((s) => s.count).map((s, i) => html`${i ? ', ' : ''}<a href="${link.technique(site, s.id)}">${s.id}</a> (${s.count})`)}</td></tr>\n`)}
</tbody></table>`;
  return page(site, d.tactic.name, body, d.attribution ? { attribution: d.attribution } : {});
}
