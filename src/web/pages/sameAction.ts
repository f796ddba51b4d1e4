/**
 * The rule page's "Same action in other formats" section: rules of other languages that test the same canonical
 * action (log source + action field + value), with how their conditions relate over canonical fields (equivalent,
 * stricter, broader: proved, with the differing predicates) and whether they fire on this rule's test events.
 */
import type { Catalog } from '../../catalog/query.ts';
import { viewOf, type SameActionRule } from '../../catalog/crossvendor.ts';
import { renderExprPretty } from '../../model/render.ts';
import { html, type Html } from '../html.ts';
import { link, type Site } from '../site.ts';
import { formatLabel, kindLabel } from './common.ts';

type RuleData = NonNullable<ReturnType<Catalog['rule']>>;

const RELATION_TEXT: Readonly<Record<NonNullable<SameActionRule['relation']>, string>> = {
  equivalent: 'equivalent: the two conditions match the same events',
  stricter: 'this rule is stricter: every event it matches, the other matches too',
  broader: 'this rule is broader: every event the other matches, this one matches too',
};

export function sameActionSection(site: Site, d: RuleData): Html {
  const sa = d.sameAction;
  const own = d.rule.id;
  const view = viewOf(d.rule);
  const canonical = view?.condition
    ? html`<p class="small">On canonical fields (${view.logSources.join(', ')}; ${view.mapped} of ${view.total} predicates on mapped fields, unmapped ones marked <code>?</code>):</p><pre class="canonical">${renderExprPretty(view.condition)}</pre>`
    : html``;
  const intro = html`${canonical}${
    sa.keys.length
      ? html`<p class="small">Compared on canonical log sources and fields (each language's names mapped onto the raw log's): this rule tests ${sa.keys.map((k, i) => html`${i ? '; ' : ''}<code>${k}</code>`)}. Relations are proved over the canonical conditions; a pair that cannot be decided is listed without one. An action many rules test (cmd.exe, a common event id) links two rules only when they share another predicate.</p>`
      : html``
  }`;
  if (!sa.groups.length) {
    const why = sa.keys.length ? 'No rule of another format tests the same action.' : sa.logSources.length ? `The rule tests no concrete action (log source ${sa.logSources.join(', ')}) to compare.` : 'The rule reads no canonical log source, so it is not compared across formats.';
    return html`${intro}<p class="empty">${why}</p>`;
  }
  const item = (x: SameActionRule) => {
    const cmp = link.compare(site, own, x.id);
    return html`<li><a href="${link.rule(site, x.id)}">${x.title}</a> <span class="small">${kindLabel(x.kind)} · ${x.keys.join('; ')}${cmp ? html` · <a class="compare" href="${cmp}">compare</a>` : ''}</span>${x.relation ? html`<div class="small"><span class="badge">${x.relation}</span> ${RELATION_TEXT[x.relation]}${x.onlyHere?.length ? html`; only here: ${x.onlyHere.map((p, i) => html`${i ? ', ' : ''}<code>${p}</code>`)}` : ''}${x.onlyThere?.length ? html`; only there: ${x.onlyThere.map((p, i) => html`${i ? ', ' : ''}<code>${p}</code>`)}` : ''}</div>` : ''}${x.firesOnSameEvent?.length ? html`<div class="small"><span class="badge">fires on the same event</span> this rule's test ${x.firesOnSameEvent.map((t, i) => html`${i ? ', ' : ''}“${t}”`)}, re-expressed in its language, matches it</div>` : ''}${x.alsoShared?.length ? html`<div class="small">also shares ${x.alsoShared.slice(0, 6).map((p, i) => html`${i ? ', ' : ''}<code>${p}</code>`)}</div>` : ''}</li>`;
  };
  return html`${intro}${sa.groups.map((g) => html`<h3>${formatLabel(g.format)} (${g.rules.length})</h3><ul>${g.rules.map(item)}</ul>`)}`;
}
