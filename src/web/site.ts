/**
 * URLs of the wiki in its two forms: served (`/rule/sigma/x`, query strings) and exported as static files
 * (`rule/sigma/x.html`, relative to the current page so that the export works from any folder or file://).
 */
export interface Site {
  readonly mode: 'server' | 'static';
  /** Static mode: prefix from the current page back to the export root (`../../`). */
  readonly root: string;
}

export const SERVER: Site = { mode: 'server', root: '/' };

export function staticSite(pagePath: string): Site {
  const depth = pagePath.split('/').length - 1;
  return { mode: 'static', root: depth ? '../'.repeat(depth) : './' };
}

const enc = (s: string) => s.split('/').map(encodeURIComponent).join('/');

function qs(params: Record<string, string | number | boolean | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '' && v !== false) u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

export const link = {
  home: (s: Site) => (s.mode === 'server' ? '/' : `${s.root}index.html`),
  browse: (s: Site, p: Record<string, string | number | boolean | undefined> = {}) => (s.mode === 'server' ? `/browse${qs(p)}` : `${s.root}browse.html${qs(p)}`),
  search: (s: Site, p: Record<string, string | number | boolean | undefined> = {}) => (s.mode === 'server' ? `/search${qs(p)}` : `${s.root}search.html${qs(p)}`),
  matrix: (s: Site, p: Record<string, string | number | boolean | undefined> = {}) => (s.mode === 'server' ? `/matrix${qs(p)}` : `${s.root}matrix.html`),
  navigator: (s: Site, p: Record<string, string | number | boolean | undefined> = {}) => (s.mode === 'server' ? `/api/matrix/navigator${qs(p)}` : `${s.root}navigator-layer.json`),
  rule: (s: Site, id: string) => (s.mode === 'server' ? `/rule/${enc(id)}` : `${s.root}rule/${enc(id)}.html`),
  technique: (s: Site, id: string) => (s.mode === 'server' ? `/technique/${enc(id)}` : `${s.root}technique/${enc(id)}.html`),
  tactic: (s: Site, id: string) => (s.mode === 'server' ? `/tactic/${enc(id)}` : `${s.root}tactic/${enc(id)}.html`),
  logsource: (s: Site, key: string) => (s.mode === 'server' ? `/logsource/${enc(key)}` : `${s.root}logsource/${enc(key)}.html`),
  logsources: (s: Site) => (s.mode === 'server' ? '/logsources' : `${s.root}logsources.html`),
  /** `from`: the rule page the link is on (served only): the indicator page then offers to compare with it. */
  indicator: (s: Site, key: string, from?: string) => (s.mode === 'server' ? `/indicator/${enc(key)}${qs({ from })}` : `${s.root}indicator/${enc(key)}.html`),
  /** Served only: a comparison of two rules is not exported (one page per pair would not fit). */
  compare: (s: Site, a: string, b: string) => (s.mode === 'server' ? `/compare${qs({ a, b })}` : undefined),
  parsing: (s: Site) => (s.mode === 'server' ? '/coverage/parsing' : `${s.root}coverage/parsing.html`),
  asset: (s: Site, name: string) => (s.mode === 'server' ? `/static/${name}` : `${s.root}static/${name}`),
};
