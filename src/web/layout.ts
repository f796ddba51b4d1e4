/** The page frame: head, navigation, footer with licences and the ATT&CK attribution. */
import { html, type Html } from './html.ts';
import { link, type Site } from './site.ts';

export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * A whole page. `opts.q`: the query of a search page, kept in the header's search box. Every page links the icon
 * (an in-memory asset) so that no browser asks for a `/favicon.ico` that is not there.
 */
export function page(site: Site, title: string, body: Html, opts: { readonly attribution?: string; readonly q?: string } = {}): string {
  const h = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">

<title>${title} · detection-wiki</title>
<link rel="icon" href="${link.asset(site, 'favicon.svg')}" type="image/svg+xml">
<link rel="stylesheet" href="${link.asset(site, 'style.css')}">
<script src="${link.asset(site, 'app.js')}" defer></script>
</head><body data-mode="${site.mode}" data-root="${site.root}">
<header><nav><a class="brand" href="${link.home(site)}">detection-wiki</a>
<a href="${link.browse(site)}">Browse</a><a href="${link.search(site)}">Search</a><a href="${link.matrix(site)}">ATT&amp;CK matrix</a><a href="${link.logsources(site)}">Log sources</a><a href="${link.parsing(site)}">Parser coverage</a>
<form class="navsearch" action="${link.search(site)}" method="get" role="search"><input name="q" type="search" value="${opts.q ?? ''}" placeholder="Search rules, fields, values… (press /)" aria-label="Search" title="Press / to search from any page"><button>Search</button></form>
</nav></header>
<main>${body}</main>
<footer><p>Rules belong to their authors and carry their repositories' licences (shown on each rule page).
${opts.attribution ? html`<br>${opts.attribution}` : html`<br>MITRE ATT&amp;CK® content is © The MITRE Corporation, reproduced under its terms of use.`}</p></footer>
</body></html>`;
  return h.value;
}
