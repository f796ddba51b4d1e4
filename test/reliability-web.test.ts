/**
 * Issue 16, server side: every JSON route answers `application/json` (rule metadata never becomes live HTML), echoed
 * parameters are escaped, control characters in a search are searched for (never a 500), and responses carry an
 * ETag and Cache-Control, with 304 for a matching If-None-Match.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildCatalog } from '../src/catalog/build.ts';
import { DEFAULT_SOURCES } from '../src/catalog/sources.ts';
import { serveCatalog, type Serving } from '../src/web/server.ts';
import { tempDir } from './helpers/tempDir.ts';

const PAYLOAD = '"><meta http-equiv=refresh content="0;url=https://example.org/">';

/** Raw GET (the path is sent as written). */
function get(url: string, p: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: p, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('server: JSON routes, echoed parameters, control characters, caching', () => {
  let tmp: string;
  let s: Serving;
  before(async () => {
    tmp = tempDir('detwiki-reliab-web-');
    const rules = path.join(tmp, 'mirror', 'sigma', 'rules');
    mkdirSync(rules, { recursive: true });
    writeFileSync(
      path.join(rules, 'evil.yml'),
      `title: Evil logsource\nid: 33333333-3333-3333-3333-333333333333\nlogsource:\n  product: '<meta http-equiv=refresh content="0;url=https://example.org/">'\n  service: security\ndetection:\n  sel:\n    EventID: 4625\n  condition: sel\ntags:\n  - attack.t1110\n`,
    );
    await buildCatalog({ outDir: path.join(tmp, 'cat'), mirror: path.join(tmp, 'mirror'), sources: [DEFAULT_SOURCES.find((d) => d.name === 'sigma')!], attack: path.join(tmp, 'none.json'), workers: 0 });
    s = await serveCatalog({ dir: path.join(tmp, 'cat'), port: 0 });
  });
  after(async () => {
    await s.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('JSON pages are application/json wherever they are asked for', async () => {
    const q = encodeURIComponent(PAYLOAD);
    for (const p of ['/facets', '/api/facets', `/matrix/navigator?format=${q}`, `/api/matrix/navigator?format=${q}`, '/api/', '/api/search?q=x', '/api/nothing-here']) {
      const r = await get(s.url, p);
      assert.match(String(r.headers['content-type']), /^application\/json/, p);
      assert.doesNotThrow(() => JSON.parse(r.body), p);
    }
    assert.ok((await get(s.url, '/facets')).body.includes('<meta http-equiv=refresh'), 'the logsource is in the facets, as JSON text');
  });

  it('echoed parameters are escaped on every HTML page', async () => {
    const q = encodeURIComponent(PAYLOAD);
    // a word filter (format, kind, severity, status) that is none of its words, or a technique no bundle or rule
    // knows, is a bad request echoing it; the other parameters are echoed on the page they filter
    const free = `sort=${q}&dir=${q}&page=${q}&tactic=${q}&logsource=${q}`;
    const pages = ['/', `/browse?format=${q}&kind=${q}&severity=${q}&status=${q}&${free}`, `/browse?${free}`, `/browse?severity=${q}`, `/browse?status=${q}`, `/search?q=${q}&format=${q}`, `/search?q=${q}&kind=${q}&${free}`, `/search?q=${q}&${free}`, `/matrix?format=${q}&kind=${q}`, `/matrix?${free}`, `/technique/T1110?format=${q}`, `/technique/T1110?${free}`, `/browse?technique=${q}&${free}`, `/search?q=${q}&technique=${q}`, '/logsources', `/logsource/${q}`, `/indicator/${q}`, `/rule/${q}/${q}`];
    for (const p of pages) {
      const r = await get(s.url, p);
      assert.ok(r.status === 200 || r.status === 404 || (r.status === 400 && /(format|kind|severity|status|technique)=%22/.test(p)), `${p}: ${r.status}`);
      assert.doesNotMatch(r.body, /<meta http-equiv=refresh/i, p);
    }
  });

  it('NUL and other control characters in a search are searched for, never a 500', async () => {
    const queries = ['a%00b', '%00', 'value:%22a%00b%22', 'field:%00', '%22%00%22', ...Array.from({ length: 31 }, (_, i) => `x%${(i + 1).toString(16).padStart(2, '0')}y`), 'x%7Fy'];
    for (const q of queries) {
      for (const p of [`/api/search?q=${q}`, `/search?q=${q}`]) {
        const r = await get(s.url, p);
        assert.equal(r.status, 200, `${p}: ${r.body.slice(0, 200)}`);
      }
    }
    const r = await get(s.url, '/api/search?q=Evil%00logsource');
    assert.ok(JSON.parse(r.body).result.total >= 1, r.body.slice(0, 300));
  });

  it('a page number past any listing (or past what a float holds exactly) is read as the last page, never a 500', async () => {
    for (const n of ['99999999999999999999', '9007199254740993', '1e300', '1000001']) {
      for (const p of [`/api/search?q=evil&page=${n}`, `/api/search?q=evil&page=${n}&sort=title`, `/search?q=evil&page=${n}`, `/api/browse?page=${n}`, `/browse?page=${n}`]) {
        const r = await get(s.url, p);
        assert.equal(r.status, 200, `${p}: ${r.body.slice(0, 200)}`);
        if (p.startsWith('/api/')) assert.equal(JSON.parse(r.body).paging.page, 1_000_000, p);
      }
    }
    // the browse listing goes to its last page; a search past its results lists none
    assert.equal(JSON.parse((await get(s.url, '/api/browse?page=99999999999999999999')).body).listing.page, 1);
    assert.deepEqual(JSON.parse((await get(s.url, '/api/search?q=evil&page=99999999999999999999')).body).result.rows, []);
  });

  it('pages carry ETag and Cache-Control; a matching If-None-Match is a 304', async () => {
    for (const p of ['/', '/rule/sigma/evil', '/api/search?q=evil', '/facets']) {
      const r = await get(s.url, p);
      assert.equal(r.status, 200, p);
      const etag = String(r.headers.etag ?? '');
      assert.match(etag, /^"[^"]+"$/, p);
      assert.match(String(r.headers['cache-control']), /max-age=\d+/, p);
      const again = await get(s.url, p, { 'If-None-Match': etag });
      assert.equal(again.status, 304, p);
      assert.equal(again.body, '');
      assert.equal((await get(s.url, p, { 'If-None-Match': '"other"' })).status, 200);
    }
    const a = await get(s.url, '/search?q=evil');
    const b = await get(s.url, '/search?q=other');
    assert.notEqual(a.headers.etag, b.headers.etag, 'the ETag follows the URL');
  });
});
