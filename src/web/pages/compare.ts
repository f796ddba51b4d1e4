/** `/compare?a=<id>&b=<id>`: two rules side by side (src/catalog/compare.ts). */
import type { Catalog } from '../../catalog/query.ts';
import { compareRules, type Comparison, type SetDiff } from '../../catalog/compare.ts';
import { html, raw, type Html } from '../html.ts';
import { highlightFactsFor } from '../../catalog/formatServices.ts';
import { highlight } from '../highlight.ts';
import { page } from '../layout.ts';
import { link, type Site } from '../site.ts';
import { badge, formatLabel } from './common.ts';
import type { Params } from './lists.ts';

/** The two ids asked for and, when both name rules, their comparison. */
export type CompareData = { readonly a: string; readonly b: string; readonly comparison?: Comparison };

/** Undefined (not found) when an id names no rule; no ids: the form alone. */
export function compareData(cat: Catalog, p: Params): CompareData | undefined {
  const a = (p.a ?? '').trim().slice(0, 300);
  const b = (p.b ?? '').trim().slice(0, 300);
  if (!a || !b) return { a, b };
  const ra = cat.ruleRecord(a);
  const rb = cat.ruleRecord(b);
  if (!ra || !rb) return undefined;
  return { a, b, comparison: compareRules(ra, rb) };
}

/** Longest predicate text and most values shown in a cell (the API has them all). */
const PRED_MAX = 400;
const VALUES_MAX = 30;
const cut = (t: string) => (t.length > PRED_MAX ? `${t.slice(0, PRED_MAX - 1)}…` : t);
const some = (vs: readonly string[]) => (vs.length > VALUES_MAX ? `${vs.slice(0, VALUES_MAX).join(', ')} … ${vs.length - VALUES_MAX} more` : vs.join(', '));

const STATUS_LABEL = { same: 'same', differs: 'differs', 'only-a': 'only in A', 'only-b': 'only in B' } as const;

function diffList<T>(d: SetDiff<T>, show: (t: T) => Html | string): Html {
  const col = (items: readonly T[]) => (items.length ? html`<ul>${items.map((t) => html`<li>${show(t)}</li>`)}</ul>` : html`<span class="empty">none</span>`);
  return html`<table class="cmp"><thead><tr><th>Both</th><th>Only in A</th><th>Only in B</th></tr></thead><tbody><tr><td class="same">${col(d.both)}</td><td class="only-a">${col(d.onlyA)}</td><td class="only-b">${col(d.onlyB)}</td></tr></tbody></table>`;
}

function form(a: string, b: string): Html {
  return html`<form class="filters" method="get" action="/compare"><label>Rule A <input name="a" size="40" value="${a}" placeholder="panther/aws_iam_backdoor_role"></label><label>Rule B <input name="b" size="40" value="${b}" placeholder="sigma/…"></label><button>Compare</button></form>`;
}

export function renderCompare(site: Site, d: CompareData): string {
  const c = d.comparison;
  if (!c) return page(site, 'Compare rules', html`<h1>Compare two rules</h1>${form(d.a, d.b)}<p class="help">Rule ids as on rule pages (<code>sigma/proc_creation_win_reg_add_run_key</code>); each "same action" entry of a rule page links here.</p>`);
  const ruleHead = (s: Comparison['a'], tag: string) => html`<h3>${tag}: <a href="${link.rule(site, s.id)}">${s.title}</a></h3><p class="rid">${s.id} · ${formatLabel(s.format)} · ${badge(s.completeness, `c-${s.completeness}`)}${s.parser ? html` · ${s.parser}` : ''}</p>`;
  const body = html`<h1>Compare: ${c.a.title} ↔ ${c.b.title}</h1>
${form(d.a, d.b)}
<div class="side">${[ruleHead(c.a, 'A'), ruleHead(c.b, 'B')].map((h) => html`<div>${h}</div>`)}</div>
<section id="cmp-metadata"><h2>Metadata</h2><table class="cmp"><thead><tr><th class="w-label"></th><th>A</th><th>B</th></tr></thead><tbody>
${c.metadata.filter((m) => m.a || m.b).map((m) => html`<tr class="${m.same ? 'same' : 'differs'}"><th>${m.label}</th><td>${m.a}</td><td>${m.b}</td></tr>\n`)}</tbody></table></section>
<section id="cmp-attack"><h2>ATT&amp;CK</h2>${diffList(c.attack, (t) => html`<a href="${link.technique(site, t.id)}">${t.id}</a> ${t.name}`)}</section>
<section id="cmp-logsources"><h2>Log sources</h2>${diffList(c.logSources, (s) => s)}</section>
<section id="cmp-fields"><h2>Fields the logic uses</h2>${diffList(c.fields, (f) => html`<code>${f}</code>`)}</section>
<section id="cmp-predicates"><h2>Conditions, predicate by predicate</h2>
<p class="small">Each predicate in its positive form, grouped by field (case-insensitive) and by whether the rule requires it or excludes what it matches. Values compare case-insensitively.</p>
${c.predicates.length ? html`<table class="cmp preds"><thead><tr><th class="w-field">Field</th><th class="w-status"></th><th>A</th><th>B</th></tr></thead><tbody>
${c.predicates.map((p) => html`<tr class="${p.status}" data-status="${p.status}"><td><code>${p.field}</code><div class="small">${p.role}</div></td><td>${badge(STATUS_LABEL[p.status], p.status === 'same' ? 'st-ok' : p.status === 'differs' ? 'st-warn' : 'st-bad')}</td>
<td>${p.a.map((x) => html`<div><code>${cut(x)}</code></div>`)}${p.status === 'differs' && p.values.onlyA.length ? html`<div class="small">only A: ${some(p.values.onlyA)}</div>` : ''}${p.status === 'differs' && !p.values.onlyA.length && !p.values.onlyB.length ? html`<div class="small">same values; the operators or their options (case sensitivity…) differ</div>` : ''}</td>
<td>${p.b.map((x) => html`<div><code>${cut(x)}</code></div>`)}${p.status === 'differs' && p.values.onlyB.length ? html`<div class="small">only B: ${some(p.values.onlyB)}</div>` : ''}</td></tr>\n`)}</tbody></table>` : html`<p class="empty">Neither rule has a parsed predicate.</p>`}
</section>
<section id="cmp-conditions"><h2>Conditions</h2><div class="side">${[c.a, c.b].map((s, i) => html`<div class="cond-${i ? 'b' : 'a'}"><h3>${i ? 'B' : 'A'}: ${formatLabel(s.format)}</h3>${s.condition ? html`<pre class="expr">${s.condition}</pre>` : html`<p class="empty">No condition was extracted (${s.completeness}).</p>`}
${s.opaque.length ? html`<p class="small">Not comparable (opaque): ${s.opaque.map((o, k) => html`${k ? '; ' : ''}<code>${o.text.length > 120 ? o.text.slice(0, 117) + '…' : o.text}</code> (${o.reason})`)}</p>` : ''}</div>`)}</div></section>
<section id="cmp-native"><h2>Native form</h2><div class="side">${[c.a, c.b].map((s, i) => html`<div><h3>${i ? 'B' : 'A'}: ${formatLabel(s.format)}</h3>${s.native.map((n) => html`<div class="small">${n.path} <span class="badge">${n.language}</span></div><pre class="code lang-${n.language}"><code>${raw(highlight(n.text, highlightFactsFor(n.language)))}</code></pre>`)}</div>`)}</div></section>`;
  return page(site, `Compare ${c.a.id} and ${c.b.id}`, body);
}
