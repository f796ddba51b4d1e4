/** The rule page: everything of the seed page and DESIGN.md, as HTML. */
import type { Catalog } from '../../catalog/query.ts';
import { fieldResolverFor, highlightFactsFor } from '../../catalog/formatServices.ts';
import { describeCount, groupKeyTexts, thresholdText } from '../../model/aggregate.ts';
import { listsTested } from '../../model/lists.ts';
import { structuredPart } from '../../model/analyze.ts';
import { checkRuleTests } from '../../model/checks.ts';
import { correlationLines } from '../../model/correlation.ts';
import { formatDiagnostic } from '../../model/diagnostics.ts';
import { failedPartLine } from '../../model/evidence.ts';
import type { Expr } from '../../model/expr.ts';
import { countsForCoverage, FORMAT_LABELS, KIND_LABELS } from '../../model/facts.ts';
import { attackRows, harmlessLimit, HARMLESS_LIMIT, locate } from '../../model/page.ts';
import { PRESENCE_TEXT, renderConstraint, renderSideKeys } from '../../model/multiEvent.ts';
import { renderExpr, renderExprPretty } from '../../model/render.ts';
import type { AttackMapping, RuleRecord } from '../../model/rule.ts';
import { esc, extLink, html, raw, safeUrl, type Html } from '../html.ts';
import { highlight } from '../highlight.ts';
import { page } from '../layout.ts';
import { renderMarkdown } from '../markdown.ts';
import { link, type Site } from '../site.ts';
import { logSourceKey } from '../../catalog/keys.ts';
import { acrossFormats, badge, formatLabel, kindLabel, valueLabel } from './common.ts';
import { sameActionSection } from './sameAction.ts';

export type RuleData = NonNullable<ReturnType<Catalog['rule']>> & { readonly tests: ReturnType<typeof checkRuleTests> };

export function ruleData(cat: Catalog, id: string): RuleData | undefined {
  const d = cat.rule(id);
  if (!d) return undefined;
  const resolve = fieldResolverFor(d.rule.format);
  let tests: ReturnType<typeof checkRuleTests>;
  try {
    tests = checkRuleTests(d.rule, resolve);
  } catch {
    tests = { ruleId: d.rule.id, completeness: d.rule.logic.completeness, outcomes: [], checked: false, agrees: true };
  }
  return { ...d, tests };
}

const STATUS_CLASS: Record<string, string> = { ok: 'ok', revoked: 'bad', deprecated: 'bad', unknown: 'bad', tactic_mismatch: 'warn', tactic_only: 'info', unknown_tactic: 'bad', not_technique: 'info' };

function attackSection(site: Site, d: RuleData): Html {
  const r = d.rule;
  if (!r.attackDeclared.length) return html`<p class="empty">The rule declares no ATT&amp;CK mapping.</p>`;
  if (!r.attack.length) return html`<p class="note">No ATT&amp;CK bundle was loaded when the catalog was built: declared entries as written.</p><ul>${r.attackDeclared.map((x) => html`<li><code>${x.text}</code></li>`)}</ul>`;
  const rows = attackRows(r.attack, d.tacticOrder);
  const techLink = (label: string) => {
    const id = label.split(' ')[0]!;
    return html`<a href="${link.technique(site, id)}">${label}</a>`;
  };
  return html`<table class="attack"><thead><tr><th>Tactic</th><th>Techniques</th></tr></thead><tbody>
${rows.map((row) => html`<tr><td><a href="${link.tactic(site, row.tactic.id)}">${row.tactic.name}</a></td><td>${row.techniques.map((t, i) => html`${i ? ', ' : ''}${techLink(t)}`)}</td></tr>\n`)}
</tbody></table>
<table class="declared"><thead><tr><th>Declared</th><th>Resolved</th><th>Declared tactic</th><th>Status</th></tr></thead><tbody>
${r.attack.map((m) => html`<tr><td><code>${m.declared.text}</code></td><td>${m.techniqueId ? html`<a href="${link.technique(site, m.techniqueId)}">${m.techniqueId}</a> ${m.techniqueName ?? ''}` : ''}</td>
<td>${m.declaredTactic ? html`<a href="${link.tactic(site, m.declaredTactic.id)}">${m.declaredTactic.name}</a>` : m.declared.tactic ?? ''}</td>
<td>${badge(m.status, `st-${STATUS_CLASS[m.status] ?? 'info'}`)}${statusNote(site, m)}</td></tr>\n`)}
</tbody></table>${d.attackVersion ? html`<p class="small">Resolved against ATT&amp;CK Enterprise v${d.attackVersion}.</p>` : ''}`;
}

function statusNote(site: Site, m: AttackMapping): Html {
  const parts: Html[] = [];
  if (m.status === 'revoked' && m.replacement) parts.push(html` → replaced by <a href="${link.technique(site, m.replacement.id)}">${m.replacement.id} ${m.replacement.name}</a>`);
  if (m.status === 'tactic_mismatch' && m.declaredTactic) parts.push(html` declared tactic ${m.declaredTactic.name} is not a tactic of ${m.techniqueId}; kept as declared`);
  if (m.note) parts.push(html`<div class="small">${m.note}</div>`);
  return html`${parts}`;
}

function factsBox(site: Site, d: RuleData): Html {
  const r = d.rule;
  const row = (k: string, v: Html | string | undefined | null | false) => (v ? html`<dt>${k}</dt><dd>${v}</dd>` : '');
  const upstream = r.source.url ? extLink(r.source.url, 'view upstream') : '';
  return html`<aside class="factsbox"><h2>${FORMAT_LABELS[r.format]} facts</h2><dl>
${row('Rule id', html`<code>${r.id}</code>`)}${row('Native id', r.nativeId ? html`<code>${r.nativeId}</code>` : '')}${row('Type', r.nativeType)}
${row('Severity', r.severity ? html`${badge(r.severity, `sev-${r.severity}`)}${r.severityNative && r.severityNative.toLowerCase() !== r.severity ? ` (${r.severityNative})` : ''}` : r.severityNative)}
${row('Status', r.statusNative && r.statusNative !== r.status ? `${r.status} (${r.statusNative})` : r.status)}
${row('Enabled', r.enabled === undefined ? '' : String(r.enabled))}
${row('Log sources', r.logSources.length ? html`${r.logSources.map((l, i) => html`${i ? ', ' : ''}<a href="${link.logsource(site, logSourceKey(l.kind, l.name))}">${l.name}</a> <span class="small">(${l.kind})</span>`)}` : '')}
${row('Author', r.author)}${row('Created', r.created)}${row('Modified', r.modified)}${row('Version', r.version)}
${row('Tags', r.tags.length ? r.tags.join(', ') : '')}
${Object.entries(r.facts).map(([k, v]) => row(k, typeof v === 'string' ? v : JSON.stringify(v)))}
${row('Source', html`${r.source.repository}<br><code>${r.source.path}${r.source.lines ? `:${r.source.lines.start}-${r.source.lines.end}` : ''}</code> ${upstream}`)}
${row('Commit', r.source.commit ? html`<code>${r.source.commit.slice(0, 12)}</code>` : '')}
${row('Licence', r.source.licence ?? d.source?.licence ?? 'see the repository')}
${row('Parser', r.logic.parser)}
</dl></aside>`;
}

function exprHtml(e: Expr | undefined): Html {
  if (!e) return html``;
  return html`<pre class="expr">${renderExprPretty(e)}</pre>`;
}

function exclusionsSection(site: Site, d: RuleData): Html {
  const ex = d.rule.logic.exclusions;
  if (!ex.length) return html`<p class="empty">No exclusions: the condition has no negated conjunct.</p>`;
  const keyOf = new Map(d.exclusionKeys.filter((k) => k.page).map((k) => [`${k.field}\0${k.op}\0${k.value_json}`, k.key]));
  return html`<p class="small">Top-level NOT(...) conjuncts: predicates this rule actively suppresses, in their positive form.</p>
<table class="exclusions"><thead><tr><th>Field</th><th>Operator</th><th>Excluded values</th><th>Stage</th></tr></thead><tbody>
${ex.map((x) => {
  if (x.expr.kind === 'pred') {
    const p = x.expr;
    return html`<tr><td><code>${p.field}</code></td><td>${p.op}</td><td>${p.values.map((v, i) => {
      const k = keyOf.get(`${p.field}\0${p.op}\0${JSON.stringify(v)}`);
      return html`${i ? ', ' : ''}${k ? html`<a href="${link.indicator(site, k, d.rule.id)}"><code>${valueLabel(v)}</code></a>` : html`<code>${valueLabel(v)}</code>`}`;
    })}</td><td>${x.stage ?? ''}</td></tr>\n`;
  }
  return html`<tr><td colspan="3"><code>${renderExpr(x.expr)}</code></td><td>${x.stage ?? ''}</td></tr>\n`;
})}</tbody></table>`;
}

function indicatorsSection(site: Site, d: RuleData): Html {
  if (!d.indicators.length) return html`<p class="empty">No indicators${d.rule.logic.completeness === 'none' ? ' (the logic was not parsed)' : ''}.</p>`;
  return html`<p class="small">What the rule looks for (positive leaves, never excluded values). Counts: how many other rules of each format look for the same field, operator and value; where the field maps onto a canonical field (the raw log's own name), how many other rules of every format test that canonical field and value, however their language spells the field (each language's case rule applied). A value shared with another rule links to its indicator page.</p>
<table class="indicators"><thead><tr><th>Field</th><th>Operator</th><th>Value</th><th>Other rules</th></tr></thead><tbody>
${d.indicators.map((i) => html`<tr><td><code>${i.field}</code></td><td>${i.op}</td><td>${i.page ? html`<a href="${link.indicator(site, i.key, d.rule.id)}"><code>${i.op === 'is_not_null' ? '' : valueLabel(i.value)}</code></a>` : html`<code>${i.op === 'is_not_null' ? '' : valueLabel(i.value)}</code>`}</td>
<td>${Object.keys(i.counts).length ? Object.entries(i.counts).map(([f, n], k) => html`${k ? ', ' : ''}${formatLabel(f)}: ${n}`) : html`<span class="small">none</span>`}${i.canonical ? html`<div class="small canonical-count">canonical <code>${i.canonical.label}</code>: ${i.canonical.rules ? html`${acrossFormats(i.canonical)} (${Object.entries(i.canonical.counts).map(([f, n], k) => html`${k ? ', ' : ''}${formatLabel(f)}: ${n}`)})` : 'no other rule'}</div>` : ''}</td></tr>\n`)}
</tbody></table>`;
}

/** A rule a correlation aggregates, by its native id: a link to its page when the catalog has it. */
function aggregatedLink(site: Site, d: RuleData, nativeId: string): Html {
  const r = d.aggregated[nativeId];
  return r ? html`<a href="${link.rule(site, r.id)}" title="${r.title}"><code>${nativeId}</code></a>` : html`<code>${nativeId}</code>`;
}

function testsSection(d: RuleData): Html {
  const r = d.rule;
  if (!r.tests.length) return html`<p class="empty">The rule carries no tests.</p>`;
  const t = d.tests;
  const intro =
    t.by === 'correlation'
      ? 'Each test gives the matches of the correlated rules; decided by the rule’s correlation (three-valued: true / false / unknown).'
      : t.checked && r.logic.tested
        ? `Each test gives ${r.logic.tested.of}: evaluated against that ${r.logic.tested.completeness} condition, not the rule's whole condition (three-valued: true / false / unknown).`
        : t.checked
        ? `Each test event evaluated against the extracted ${r.logic.completeness} condition (three-valued: true / false / unknown).`
        : 'The condition was not extracted, so the tests could not be evaluated.';
  return html`<p class="small">${intro}</p>
<table class="tests"><thead><tr><th>Test</th><th>Expected</th><th>Got</th><th>Agrees</th></tr></thead><tbody>
${t.outcomes.map((o) => html`<tr><td>${o.name}${o.detail ? html`<br><span class="small">${o.detail}</span>` : ''}${!o.agrees && o.failed?.length ? html`<br><span class="small">${o.failed.map((p, i) => html`${i ? html`<br>` : ''}${failedPartLine(p)}`)}</span>` : ''}</td><td>${String(o.expected)}</td><td>${badge(String(o.got), o.got === 'unknown' ? 'st-info' : o.got === o.expected ? 'st-ok' : 'st-bad')}</td><td>${o.agrees ? 'yes' : badge('no', 'st-bad')}</td></tr>\n`)}
</tbody></table>`;
}

export function renderRule(site: Site, d: RuleData): string {
  const r = d.rule;
  const L = r.logic;
  const counts = countsForCoverage(r.kind);
  const structured = L.condition && L.completeness === 'partial' ? structuredPart(L.condition) : undefined;
  const tested = listsTested(r);
  const body = html`<p class="crumbs"><a href="${link.home(site)}">Detection rules</a> › <a href="${link.browse(site, { format: r.format, all: 1 })}">${formatLabel(r.format)}</a></p>
<h1>${r.title}</h1>
<div class="banner kind-${r.kind}"><strong>${KIND_LABELS[r.kind]}</strong>: ${r.kindReason}${counts ? '' : html`. <span>Not counted in the ATT&amp;CK matrix nor listed by default, because it is not a detection or correlation.</span>`}</div>
${factsBox(site, d)}
<section id="description"><h2>Description</h2>${r.description ? raw(renderMarkdown(r.description)) : html`<p class="empty">No description.</p>`}
${r.references.length ? html`<h3>References</h3><ul>${r.references.map((u) => html`<li>${extLink(u)}</li>`)}</ul>` : ''}
${r.runbook ? html`<h3>Runbook</h3>${raw(renderMarkdown(r.runbook))}` : ''}
${r.falsePositives.length ? html`<h3>False positives</h3><ul>${r.falsePositives.map((f) => html`<li>${f}</li>`)}</ul>` : ''}</section>
<section id="attack"><h2>MITRE ATT&amp;CK coverage</h2>${attackSection(site, d)}</section>
<section id="logic"><h2>Detection logic</h2>
<p>Completeness: ${badge(L.completeness, `c-${L.completeness}`)}${L.parser ? html` · parsed with ${L.parser}` : ''}</p>
${L.note ? html`<p class="note">${L.note}</p>` : ''}
${L.condition ? html`<h3>Condition</h3>${L.condition.kind === 'const' && L.condition.value ? html`<p class="small">No row filter: every event of the rule's log sources counts.</p>` : ''}${exprHtml(L.condition)}` : html`<p class="empty">No condition was extracted.</p>`}
${structured && L.condition && renderExpr(structured) !== renderExpr(L.condition) ? html`<h3>Structured part</h3><p class="small">Every alerting event satisfies this part.</p>${exprHtml(structured)}` : ''}
${L.missing.length ? html`<h3>What is missing</h3><ul class="missing">${L.missing.map((m) => html`<li><code>${m.text.length > 300 ? m.text.slice(0, 297) + '…' : m.text}</code>: ${m.reason}${m.span ? html` <span class="small">at ${locate(r, m.span) ?? ''}</span>` : ''}</li>`)}</ul>` : ''}
${tested.length ? html`<p class="small">Named lists this rule tests: ${tested.map((n, i) => html`${i ? ', ' : ''}<code>${n}</code>`)}. Their values are not in the rule; <code>detwiki hunt --lists FILE</code> and <code>detwiki eval --lists FILE</code> decide these tests with the values given.</p>` : ''}
${L.aggregation ? html`<h3>Aggregation</h3><dl class="facts">${L.aggregation.function ? html`<dt>Function</dt><dd>${L.aggregation.function}</dd>` : ''}
${L.aggregation.groupBy.length || L.aggregation.computedKeys?.length ? html`<dt>Group by</dt><dd>${groupKeyTexts(L.aggregation).map((k, i) => html`${i ? ', ' : ''}<code>${k.key}</code>${k.computed === undefined ? '' : k.computed ? html` (computed: <code>${k.computed}</code>)` : ' (computed)'}`)}</dd>` : ''}
${L.aggregation.window ? html`<dt>Window</dt><dd>${L.aggregation.window}${L.aggregation.bins ? ' (fixed bins)' : ''}</dd>` : ''}
${L.aggregation.threshold ? html`<dt>Threshold</dt><dd><strong>${thresholdText(L.aggregation)}</strong></dd>` : ''}
${describeCount(L.aggregation) ? html`<dt>Counted</dt><dd>${describeCount(L.aggregation)}</dd>` : ''}
${L.aggregation.rules?.length ? html`<dt>Rules</dt><dd>${L.aggregation.rules.map((n, i) => html`${i ? ', ' : ''}${aggregatedLink(site, d, n)}`)}</dd>` : ''}
${L.aggregation.correlation ? html`<dt>Correlation</dt><dd><ul class="sides">${correlationLines(L.aggregation.correlation).map((l) => html`<li>${l.replace(/^- /, '')}</li>`)}</ul></dd>` : ''}
${L.aggregation.sides?.length ? html`<dt>Sides</dt><dd><ol class="sides">${L.aggregation.sides.map((s, i, all) => html`<li><strong>${s.name}</strong> <span class="badge">${PRESENCE_TEXT[s.presence]}</span>${s.sources?.length ? html` <code>${s.sources.join(', ')}</code>` : ''}${renderSideKeys(all, i) ? html` <code>${renderSideKeys(all, i)}</code>` : ''}${exprHtml(s.condition)}</li>`)}</ol></dd>` : ''}
${L.aggregation.sides?.some((s) => s.constraints?.length) ? html`<dt>Between sides</dt><dd><ul class="sides">${L.aggregation.sides.flatMap((s) => s.constraints ?? []).map((c) => html`<li><code>${renderConstraint(L.aggregation!.sides!, c)}</code></li>`)}</ul></dd>` : ''}
${L.aggregation.text ? html`<dt>Source</dt><dd><pre>${L.aggregation.text}</pre></dd>` : ''}</dl>` : ''}
</section>
<section id="stages"><h2>Stages</h2>${L.stages.length ? html`<ol class="stages">${L.stages.map((s) => html`<li><span class="badge">${s.kind}</span> <strong>${s.label}</strong>${s.span ? html` <span class="small">${locate(r, s.span) ?? ''}</span>` : ''}<pre>${s.text.length > 20000 ? s.text.slice(0, 20000) + '\n…' : s.text}</pre>${harmlessLimit(L, s) ? html`<div class="small">${HARMLESS_LIMIT}</div>` : ''}${s.expr ? html`<div class="small">filter: <code>${renderExpr(s.expr)}</code></div>` : ''}</li>`)}</ol>` : html`<p class="empty">No stages.</p>`}</section>
<section id="exclusions"><h2>Exclusions</h2>${exclusionsSection(site, d)}</section>
<section id="indicators"><h2>Indicators</h2>${indicatorsSection(site, d)}</section>
<section id="output"><h2>Output fields</h2>${L.outputFields.length ? html`<p class="small">Fields the rule emits when it matches, with where each comes from.</p><table><thead><tr><th>Field</th><th>Source</th><th>From</th></tr></thead><tbody>${L.outputFields.map((o) => html`<tr><td><code>${o.name}</code></td><td>${o.source}</td><td>${o.from ? html`<code>${o.from}</code>` : ''}</td></tr>\n`)}</tbody></table>` : html`<p class="empty">No output fields known.</p>`}</section>
<section id="tests"><h2>Tests</h2>${testsSection(d)}</section>
<section id="same-action"><h2>Same action in other formats</h2>${sameActionSection(site, d)}</section>
<section id="diagnostics"><h2>Diagnostics</h2>${r.diagnostics.length ? html`<ul class="diags">${r.diagnostics.map((x) => html`<li class="${x.severity}"><code>${formatDiagnostic(x)}</code></li>`)}</ul>` : html`<p class="empty">None.</p>`}</section>
<section id="body"><h2>Rule body</h2>${r.body.map((b) => {
  const text = b.range ? b.text.slice(b.range.start, b.range.end) : b.text;
  return html`<h3>${b.path} <span class="badge">${b.language}</span></h3><pre class="code lang-${b.language}"><code>${raw(highlight(text, highlightFactsFor(b.language)))}</code></pre>`;
})}</section>`;
  return page(site, r.title, body, d.attackAttribution ? { attribution: d.attackAttribution } : {});
}

export { esc, safeUrl };
