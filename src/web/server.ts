/**
 * The wiki server: node:http, read-only (GET and HEAD only), bound to 127.0.0.1 by default. Only the fixed routes
 * and the in-memory assets (stylesheet, script, icon, the icon also as `/favicon.ico`) are served: no request path is ever mapped to the file system, and a path with `.`/`..`
 * segments (plain or percent-encoded) or a NUL is refused.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Catalog } from '../catalog/query.ts';
import { assets } from './assets.ts';
import { esc, raw } from './html.ts';
import { CSP, page } from './layout.ts';
import { resolvePage } from './routes.ts';
import { SERVER } from './site.ts';

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

export function createWikiServer(cat: Catalog): http.Server {
  return http.createServer((req, res) => {
    const send = (status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
      const buf = typeof body === 'string' ? Buffer.from(body) : body;
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(buf.length), ...SECURITY_HEADERS, ...extra });
      res.end(req.method === 'HEAD' ? undefined : buf);
    };
    const notFound = (why = 'Not found') => send(404, 'text/html; charset=utf-8', page(SERVER, 'Not found', raw(`<h1>Not found</h1><p>${esc(why)}</p>`)));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, 'text/plain; charset=utf-8', 'Method not allowed: the wiki is read-only\n', { Allow: 'GET, HEAD' });
      return;
    }
    const p = pathSegments(req.url ?? '/');
    if (!p) return notFound('Bad path');
    const [first = '', ...rest] = p.segments;
    try {
      if (first === 'static') {
        const a = rest.length === 1 ? assets().get(rest[0]!) : undefined;
        if (!a) return notFound();
        return send(200, a.type, a.body, { 'Cache-Control': 'public, max-age=3600' });
      }
      if (first === 'api') {
        const [name = '', ...args] = rest;
        const r = resolvePage(cat, name === 'home' ? '' : name, args, p.params);
        if (!r) return send(404, 'application/json; charset=utf-8', JSON.stringify({ error: 'not found' }));
        const extra: Record<string, string> = name === 'matrix' && args[0] === 'navigator' ? { 'Content-Disposition': 'attachment; filename="detection-wiki-layer.json"' } : {};
        return send(200, 'application/json; charset=utf-8', JSON.stringify(r.data), extra);
      }
      // browsers ask for /favicon.ico on their own: the page icon (an in-memory asset) answers it
      if (first === 'favicon.ico' && !rest.length) return send(200, 'image/svg+xml', assets().get('favicon.svg')!.body, { 'Cache-Control': 'public, max-age=3600' });
      if (first === 'healthz') return send(200, 'text/plain; charset=utf-8', 'ok\n');
      const r = resolvePage(cat, first, rest, p.params);
      if (!r) return notFound();
      return send(200, 'text/html; charset=utf-8', r.render(SERVER));
    } catch (e) {
      send(500, 'text/plain; charset=utf-8', `internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  });
}

export interface Serving {
  readonly server: http.Server;
  readonly url: string;
  readonly catalog: Catalog;
  close(): Promise<void>;
}

export async function serveCatalog(opts: { readonly dir: string; readonly host?: string; readonly port?: number }): Promise<Serving> {
  const catalog = new Catalog(opts.dir);
  const server = createWikiServer(catalog);
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
          catalog.close();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
