/**
 * The route table shared by the server and the JSON API: each page is a data function over the catalog and a
 * renderer. `/api/<page>` returns the data as JSON; `/<page>` the HTML.
 */
import type { Catalog } from '../catalog/query.ts';
import { matrixData, renderMatrix, renderTactic, renderTechnique, tacticData, techniqueData } from './pages/attack.ts';
import { browseData, homeData, renderBrowse, renderHome, renderSearch, searchData, type Params } from './pages/lists.ts';
import { renderIndicator, renderLogsource, renderLogsources } from './pages/misc.ts';
import { renderRule, ruleData } from './pages/rule.ts';
import { compareData, renderCompare } from './pages/compare.ts';
import { parsingData, renderParsing } from './pages/parsing.ts';
import { html } from './html.ts';
import { link, type Site } from './site.ts';
import { page } from './layout.ts';
import { jsonText } from '../model/ascii.ts';
import { badWordFilter } from '../catalog/searchQuery.ts';

export interface RouteResult {
  readonly data: unknown;
  readonly render: (site: Site) => string;
  /** The page is JSON (`render` returns JSON text): served as `application/json`, never as HTML. */
  readonly json?: true;
  /**
   * A request the page cannot answer: 400 for an unknown filter word, 404 for a subject the catalog does not have (a
   * rule, technique or tactic), saying why; `data` is `{ error }`.
   */
  readonly status?: 400 | 404;
}

/** A subject the catalog does not have: a 404 that says why, with a link where one leads on (a tactic, a search). */
function notFound(why: string, next?: { readonly href: (s: Site) => string; readonly text: string }): RouteResult {
  const data = { error: why };
  return { data, status: 404, render: (s) => page(s, 'Not found', html`<h1>Not found</h1><p>${why}</p>${next ? html`<p><a href="${next.href(s)}">${next.text}</a></p>` : ''}`) };
}

/** The 404 of `/rule/<id>`: a search for the id's last part leads on (a renamed rule, a typo). */
function noRule(id: string): RouteResult {
  const words = id.slice(id.lastIndexOf('/') + 1).replace(/[_-]+/g, ' ').trim();
  return notFound(`no rule '${id}' in the catalog (ids look like panther/aws_iam_backdoor_role)`, words ? { href: (s) => link.search(s, { q: words }), text: `Search for ${words}` } : undefined);
}

/** The pages that read the rule filters (`format`, `kind`, `severity`, `status`…). */
const FILTERED = new Set(['browse', 'search', 'matrix', 'technique']);

/**
 * Why filters the catalog must look up cannot match any rule: a `technique=` that names no technique of ATT&CK or of
 * any rule (`T9999`, a tactic), or a filter typed in the search box that is none (`format:splnk`, `technique:T9999`).
 */
function catalogFilterProblem(cat: Catalog, params: Params): string | undefined {
  const why = params.technique ? cat.unknownTechnique(params.technique.slice(0, 200)) : undefined;
  if (why) return `technique: ${why}`;
  // the filters typed in the search box (`format:splnk`, `technique:T9999`)
  const typed = params.q ? cat.typedFilterProblem(params.q) : undefined;
  return typed && `in the search: ${typed}`;
}

/** Resolve a page: `segments` are the decoded path segments after the page name. Undefined = not found. */
export function resolvePage(cat: Catalog, name: string, segments: readonly string[], params: Params): RouteResult | undefined {
  const one = () => (segments.length === 1 ? segments[0]! : undefined);
  const bad = FILTERED.has(name) ? (badWordFilter(params) ?? catalogFilterProblem(cat, params)) : undefined;
  if (bad !== undefined) {
    const data = { error: bad };
    // the Navigator layer is JSON wherever it is asked for, its error too
    if (name === 'matrix' && segments[0] === 'navigator') return { data, status: 400, render: () => jsonText(data), json: true };
    return { data, status: 400, render: (s) => page(s, 'Bad request', html`<h1>Bad request</h1><p>${bad}</p>`) };
  }
  switch (name) {
    case '': {
      if (segments.length) return undefined;
      const d = homeData(cat);
      return { data: d, render: (s) => renderHome(s, d) };
    }
    case 'browse': {
      const d = browseData(cat, params);
      return { data: d, render: (s) => renderBrowse(s, d) };
    }
    case 'search': {
      const d = searchData(cat, params);
      return { data: d, render: (s) => renderSearch(s, d) };
    }
    case 'matrix': {
      if (segments[0] === 'navigator' && segments.length === 1) {
        const layer = cat.navigatorLayer(matrixData(cat, params).filters);
        return { data: layer, render: () => jsonText(layer), json: true };
      }
      if (segments.length) return undefined;
      const d = matrixData(cat, params);
      return { data: d.matrix, render: (s) => renderMatrix(s, d) };
    }
    case 'rule': {
      if (segments.length < 2) return undefined;
      const id = segments.join('/');
      const d = ruleData(cat, id);
      return d ? { data: d, render: (s) => renderRule(s, d) } : noRule(id.slice(0, 300));
    }
    case 'technique': {
      const id = one()?.slice(0, 200);
      const d = id ? techniqueData(cat, id, params) : undefined;
      if (d) return { data: d, render: (s) => renderTechnique(s, d) };
      if (!id) return undefined;
      // a tactic's id or name where a technique was meant: its page is one link away
      const tactic = cat.tactics().find((t) => t.id === cat.tacticId(id));
      return notFound(cat.unknownTechnique(id) ?? `no technique '${id}' in the catalog`, tactic ? { href: (s) => link.tactic(s, tactic.id), text: `${tactic.id} ${tactic.name}` } : undefined);
    }
    case 'tactic': {
      const id = one()?.slice(0, 200);
      const d = id ? tacticData(cat, id) : undefined;
      if (d) return { data: d, render: (s) => renderTactic(s, d) };
      if (!id) return undefined;
      const version = cat.meta('attack_version');
      return notFound(
        `no tactic '${id}' in ${version ? `ATT&CK v${version}` : 'the catalog (built without an ATT&CK bundle)'} (ids look like TA0001, or its short name: initial-access)`,
        { href: (s) => link.matrix(s), text: 'The ATT&CK matrix' },
      );
    }
    case 'logsources': {
      if (segments.length) return undefined;
      const d = cat.logsources();
      return { data: d, render: (s) => renderLogsources(s, d) };
    }
    case 'logsource': {
      const k = one();
      const d = k ? cat.logsource(k) : undefined;
      return d ? { data: d, render: (s) => renderLogsource(s, d) } : undefined;
    }
    case 'indicator': {
      const k = one();
      const d = k ? cat.indicator(k) : undefined;
      const from = params.from?.slice(0, 300);
      return d ? { data: d, render: (s) => renderIndicator(s, d, from) } : undefined;
    }
    case 'compare': {
      if (segments.length) return undefined;
      const d = compareData(cat, params);
      if (d) return { data: d, render: (s) => renderCompare(s, d) };
      const missing = (['a', 'b'] as const).map((k) => (params[k] ?? '').trim().slice(0, 300)).filter((id) => !cat.ruleRecord(id));
      return notFound(`no rule ${missing.map((id) => `'${id}'`).join(' and no rule ')} in the catalog: nothing to compare`);
    }
    case 'coverage': {
      if (segments.length !== 1 || segments[0] !== 'parsing') return undefined;
      const d = parsingData(cat);
      return { data: d, render: (s) => renderParsing(s, d) };
    }
    case 'facets': {
      const d = cat.facets();
      return { data: d, render: () => jsonText(d), json: true };
    }
    default:
      return undefined;
  }
}
