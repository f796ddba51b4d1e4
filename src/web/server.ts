/**
 * The wiki server: node:http, read-only (GET and HEAD only), bound to 127.0.0.1 by default. Only the fixed routes
 * and the in-memory assets (stylesheet, script, icon, the icon also as `/favicon.ico`) are served: no request path is ever mapped to the file system, and a path with `.`/`..`
 * segments (plain or percent-encoded) or a NUL is refused.
 */
import { statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { catalogFile } from '../catalog/paths.ts';
import { Catalog } from '../catalog/query.ts';
import { assets } from './assets.ts';
import { etagOf, matchesEtag, ResponseCache, type CachedResponse } from './cache.ts';
import { esc, raw } from './html.ts';
import { jsonText } from '../model/ascii.ts';
import { CSP, page } from './layout.ts';
import { resolvePage } from './routes.ts';
import { SERVER } from './site.ts';
import { warmPages } from './warm.ts';

const SECURITY_HEADERS = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** Decoded path segments, or undefined when the path is not acceptable. */
export function pathSegments(rawUrl: string): { segments: string[]; params: Record<string, string> } | undefined {
  if (rawUrl.length > 8192) return undefined;
  let url: URL;
  try {
    url = new URL(rawUrl, 'http://localhost');
  } catch {
    return undefined;
  }
  // the raw path, before URL normalisation removed dot segments
  const rawPath = rawUrl.split('?')[0]!.split('#')[0]!;
  const segments: string[] = [];
  for (const s of rawPath.split('/').slice(1)) {
    let d: string;
    try {
      d = decodeURIComponent(s);
    } catch {
      return undefined;
    }
    if (d === '.' || d === '..' || d.includes('/') || d.includes('\\') || d.includes('\0')) return undefined;
    segments.push(d);
  }
  if (segments.length && segments[segments.length - 1] === '') segments.pop();
  const params: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!(k in params)) params[k] = v;
  return { segments, params };
}

/** How often (ms) at most the server looks whether a newer catalog build was swapped in. */
export const CATALOG_CHECK_MS = 1000;

/** `Cache-Control` of pages and API answers: they change only with a new build (the ETag says which). */
export const PAGE_CACHE_CONTROL = 'public, max-age=60';

/**
 * The catalog a server reads, reopened when a build commits a new one. A build is one SQLite transaction: a reader
 * sees the previous build until the commit and the new one after. The open `Catalog` memoizes aggregates, so a
 * new build id means a fresh `Catalog`; it is looked for at most every CATALOG_CHECK_MS for cached answers, and
 * inside the read transaction of every page made (`read`), so one page is never made from two builds.
 */
export class LiveCatalog {
  private cat: Catalog;
  private checked = Date.now();
  private id: string;
  /** The catalog file's inode when opened: a build that writes a new catalog (a full rebuild) renames it in place. */
  private ino: number | undefined;

  constructor(
    readonly dir: string,
    first?: Catalog,
  ) {
    this.ino = inodeOf(dir);
    this.cat = first ?? new Catalog(dir);
    this.id = buildIdOf(this.cat);
  }

  private reopen(): void {
    try {
      const ino = inodeOf(this.dir);
      const next = new Catalog(this.dir);
      this.cat.close();
      this.cat = next;
      this.id = buildIdOf(next);
      this.ino = ino;
    } catch {
      // not a readable catalog now (another schema): keep serving the one open
    }
  }

  /** The catalog open now (reopened if a newer build was committed: looked at every CATALOG_CHECK_MS). */
  get catalog(): Catalog {
    const now = Date.now();
    if (now - this.checked >= CATALOG_CHECK_MS) {
      this.checked = now;
      if (buildIdOf(this.cat) !== this.id || inodeOf(this.dir) !== this.ino) this.reopen();
    }
    return this.cat;
  }

  /** The open catalog's build id (see `buildIdOf`). */
  get buildId(): string {
    return this.id;
  }

  /** Run `f` on one snapshot of the newest build: a read transaction whose build id is the open catalog's. */
  read<T>(f: (cat: Catalog, buildId: string) => T): T {
    for (let attempt = 0; ; attempt++) {
      const cat = this.catalog;
      cat.db.exec('BEGIN');
      try {
        const id = buildIdOf(cat);
        if (id === this.id || attempt > 0) return f(cat, id);
      } finally {
        if (cat.db.inTransaction) cat.db.exec('COMMIT');
      }
      this.reopen();
    }
  }

  close(): void {
    this.cat.close();
  }
}

/** The inode of the catalog file in `dir` (undefined when it cannot be read). */
function inodeOf(dir: string): number | undefined {
  try {
    return statSync(catalogFile(dir)).ino;
  } catch {
    return undefined;
  }
}

/** A catalog build's id: `build_id` (each build makes a new one), else its build time. */
export function buildIdOf(cat: Catalog): string {
  return cat.meta('build_id') || cat.meta('built_at') || 'unbuilt';
}

export function createWikiServer(source: Catalog | LiveCatalog, cache = new ResponseCache()): http.Server {
  const live = source instanceof LiveCatalog ? source : undefined;
  return http.createServer((req, res) => {
    const head = req.method === 'HEAD';
    const send = (r: CachedResponse | { status: number; type: string; body: Buffer; headers: Readonly<Record<string, string>>; etag?: undefined }) => {
      const headers: Record<string, string> = { 'Content-Type': r.type, ...SECURITY_HEADERS, ...r.headers };
      if (r.etag) {
        headers['ETag'] = r.etag;
        if (matchesEtag(req.headers['if-none-match'], r.etag)) {
          res.writeHead(304, headers);
          res.end();
          return;
        }
      }
      headers['Content-Length'] = String(r.body.length);
      res.writeHead(r.status, headers);
      res.end(head ? undefined : r.body);
    };
    if (req.method !== 'GET' && !head) {
      send({ status: 405, type: 'text/plain; charset=utf-8', body: Buffer.from('Method not allowed: the wiki is read-only\n'), headers: { Allow: 'GET, HEAD' } });
      return;
    }
    const key = req.url ?? '/';
    if (live) void live.catalog; // reopens a newer build, if one was committed
    const hit = cache.forBuild(live ? live.buildId : buildIdOf(source as Catalog)).get(key);
    if (hit) return send(hit);
    let made: { status: number; type: string; body: string | Buffer; headers?: Record<string, string> };
    let buildId: string;
    try {
      [made, buildId] = live ? live.read((cat, id) => [respond(cat, key), id] as const) : [respond(source as Catalog, key), buildIdOf(source as Catalog)];
    } catch (e) {
      send({ status: 500, type: 'text/plain; charset=utf-8', body: Buffer.from(`internal error: ${e instanceof Error ? e.message : String(e)}\n`), headers: { 'Cache-Control': 'no-store' } });
      return;
    }
    const body = typeof made.body === 'string' ? Buffer.from(made.body) : made.body;
    const r: CachedResponse = { status: made.status, type: made.type, body, etag: etagOf(buildId, body), headers: { 'Cache-Control': PAGE_CACHE_CONTROL, ...made.headers } };
    cache.forBuild(buildId).set(key, r);
    send(r);
  });
}

const JSON_TYPE = 'application/json; charset=utf-8';
const HTML_TYPE = 'text/html; charset=utf-8';

/** The response to a GET of `rawUrl` (status, type, body), made from the catalog. May throw on a bug (a 500). */
export function respond(cat: Catalog, rawUrl: string): { status: number; type: string; body: string | Buffer; headers?: Record<string, string> } {
  const notFound = (why = 'Not found') => ({ status: 404, type: HTML_TYPE, body: page(SERVER, 'Not found', raw(`<h1>Not found</h1><p>${esc(why)}</p>`)) });
  const p = pathSegments(rawUrl);
  if (!p) return notFound('Bad path');
  const [first = '', ...rest] = p.segments;
  if (first === 'static') {
    const a = rest.length === 1 ? assets().get(rest[0]!) : undefined;
    if (!a) return notFound();
    return { status: 200, type: a.type, body: a.body, headers: { 'Cache-Control': 'public, max-age=3600' } };
  }
  if (first === 'api') {
    const [name = '', ...args] = rest;
    const r = resolvePage(cat, name === 'home' ? '' : name, args, p.params);
    if (!r) return { status: 404, type: JSON_TYPE, body: JSON.stringify({ error: 'not found' }) };
    const headers: Record<string, string> = name === 'matrix' && args[0] === 'navigator' && !r.status ? { 'Content-Disposition': 'attachment; filename="detection-wiki-layer.json"' } : {};
    return { status: r.status ?? 200, type: JSON_TYPE, body: jsonText(r.data), headers };
  }
  // browsers ask for /favicon.ico on their own: the page icon (an in-memory asset) answers it
  if (first === 'favicon.ico' && !rest.length) return { status: 200, type: 'image/svg+xml', body: assets().get('favicon.svg')!.body, headers: { 'Cache-Control': 'public, max-age=3600' } };
  if (first === 'healthz') return { status: 200, type: 'text/plain; charset=utf-8', body: 'ok\n', headers: { 'Cache-Control': 'no-store' } };
  const r = resolvePage(cat, first, rest, p.params);
  if (!r) return notFound();
  // a JSON page (facets, the Navigator layer) is JSON wherever it is asked for: never HTML with rule data in it
  return { status: r.status ?? 200, type: r.json ? JSON_TYPE : HTML_TYPE, body: r.render(SERVER) };
}

export interface Serving {
  readonly server: http.Server;
  readonly url: string;
  /** The catalog opened first (the server reopens a newer build when one is swapped in). */
  readonly catalog: Catalog;
  close(): Promise<void>;
}

export async function serveCatalog(opts: { readonly dir: string; readonly host?: string; readonly port?: number }): Promise<Serving> {
  const catalog = new Catalog(opts.dir);
  // before the first request: the first visitors do not wait for the page code to compile (warm.ts)
  warmPages(catalog);
  const live = new LiveCatalog(opts.dir, catalog);
  const server = createWikiServer(live);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    url: `http://${shownHost}:${addr.port}/`,
    catalog,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          live.close();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
