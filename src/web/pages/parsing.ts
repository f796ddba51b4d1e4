/** `/coverage/parsing`: how far the parsers got, per format and per source (src/catalog/parsingCoverage.ts). */
import type { Catalog } from '../../catalog/query.ts';
import { parsingCoverage, type ParsingCounts, type ParsingCoverage, type ReasonRow } from '../../catalog/parsingCoverage.ts';
import { html, type Html } from '../html.ts';
import { page } from '../layout.ts';
import { link, type Site } from '../site.ts';
import { formatLabel, kindLabel } from './common.ts';

const memo = new WeakMap<Catalog, ParsingCoverage>();

/** The coverage of this catalog, computed once per open catalog (it does not change while open). */
export function parsingData(cat: Catalog): ParsingCoverage {
  let d = memo.get(cat);
  if (!d) memo.set(cat, (d = parsingCoverage(cat.db)));
  return d;
}

const pct = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(1)}%` : '');

function countCells(c: ParsingCounts): Html {
  const f = c.files;
  return html`<td class="num">${f.parsed}</td><td class="num">${f.support}</td><td class="num">${f.skipped}</td><td class="num">${f.error}</td><td class="num">${c.rules}</td><td class="num c-complete">${c.complete}</td><td class="num c-partial">${c.partial}</td><td class="num c-none">${c.none}</td><td class="num">${pct(c.complete, c.rules)}</td><td class="num">${pct(c.complete + c.partial, c.rules)}</td>`;
}

/** data-* attributes with the scan figures (the browser test reads them). */
function dataAttrs(c: ParsingCounts): Html {
  return html` data-parsed="${c.files.parsed}" data-support="${c.files.support}" data-skipped="${c.files.skipped}" data-error="${c.files.error}" data-rules="${c.rules}" data-complete="${c.complete}" data-partial="${c.partial}" data-none="${c.none}"`;
}

const HEAD = html`<tr><th rowspan="2"></th><th colspan="4">Files</th><th colspan="6">Rules and their logic</th></tr>
<tr><th class="num">parsed</th><th class="num">support</th><th class="num">skipped</th><th class="num">error</th><th class="num">rules</th><th class="num">complete</th><th class="num">partial</th><th class="num">none</th><th class="num">complete %</th><th class="num">with logic %</th></tr>`;

function reasons(site: Site, rows: readonly ReasonRow[], what: string): Html {
  if (!rows.length) return html`<p class="empty">None.</p>`;
  return html`<table class="cov reasons"><thead><tr><th>Format</th><th>${what}</th><th class="num">Rules</th><th>Example</th></tr></thead><tbody>
${rows.map((r) => html`<tr><td>${formatLabel(r.format)}</td><td>${r.reason}</td><td class="num">${r.n}</td><td><a href="${link.rule(site, r.example.id)}">${r.example.title}</a><div class="rid">${r.example.id}</div></td></tr>\n`)}</tbody></table>`;
}

export function renderParsing(site: Site, d: ParsingCoverage): string {
  const codes = Object.entries(d.total.diagnosticsByCode).sort((a, b) => b[1].files + b[1].rules + b[1].source - (a[1].files + a[1].rules + a[1].source) || a[0].localeCompare(b[0]));
  const bySourceFor = (code: string) => d.sources.filter((s) => s.diagnosticsByCode[code]).map((s) => `${s.name} ${s.diagnosticsByCode[code]!.files + s.diagnosticsByCode[code]!.rules + s.diagnosticsByCode[code]!.source}`).join(', ');
  const body = html`<h1>Parser coverage</h1>
<p class="lead">How much of each rule's logic the parsers extracted, so that you know how far to trust a rule page. <strong>Complete</strong>: the condition is the rule's whole row-level logic. <strong>Partial</strong>: some parts could not be expressed and are kept verbatim (listed on the rule page); every alerting event satisfies the structured part. <strong>None</strong>: no condition was extracted.</p>
<p class="small">Per source these are the figures of <code>detwiki scan &lt;source folder&gt; --json</code> on the same files (<code>files</code>, <code>rules</code>, <code>complete</code>, <code>partial</code>, <code>none</code>, <code>diagnosticsByCode</code>).</p>
<h2>Per format</h2>
<table class="cov formats"><thead>${HEAD}</thead><tbody>
${d.formats.map((f) => html`<tr data-format="${f.format}"${dataAttrs(f)}><th><a href="${link.browse(site, { format: f.format, all: 1 })}">${formatLabel(f.format)}</a></th>${countCells(f)}</tr>\n`)}
<tr class="total"${dataAttrs(d.total)}><th>Total</th>${countCells(d.total)}</tr></tbody></table>
<h2>Per source</h2>
<table class="cov sources"><thead>${HEAD}</thead><tbody>
${d.sources.map((s) => html`<tr data-source="${s.name}"${dataAttrs(s)}><th>${s.name}<div class="small">${formatLabel(s.format)}</div></th>${countCells(s)}</tr>\n`)}</tbody></table>
<p class="small">Rules by kind: ${Object.entries(d.total.byKind).sort((a, b) => b[1] - a[1]).map(([k, n], i) => `${i ? ', ' : ''}${kindLabel(k)} ${n}`)}.</p>
<h2>Most frequent missing constructs</h2>
<p class="small">Parts of partial or logic-less rules that the model could not express (each rule page lists its own under "What is missing").</p>
${reasons(site, d.missing, 'Missing construct')}
<h2>Why rules have no logic</h2>
${reasons(site, d.noLogic, 'Reason')}
<h2>Diagnostics by code</h2>
${codes.length ? html`<table class="cov diags"><thead><tr><th>Code</th><th>Severity</th><th class="num">in files</th><th class="num">in rules</th><th class="num">about a source</th><th>Sources</th></tr></thead><tbody>
${codes.map(([code, c]) => html`<tr data-code="${code}"><td><code>${code}</code></td><td>${d.severities[code] ?? ''}</td><td class="num">${c.files}</td><td class="num">${c.rules}</td><td class="num">${c.source}</td><td class="small">${bySourceFor(code)}</td></tr>\n`)}</tbody></table>` : html`<p class="empty">No diagnostics.</p>`}`;
  return page(site, 'Parser coverage', body);
}
