/**
 * Issue 16, item 7: the server under a changing catalog and on every core. A running server answers from the new
 * build once it is committed (new ETag, new data: the response cache is keyed by build); `detwiki serve --workers 2`
 * serves from two processes sharing one port, with the same ETags, and stops cleanly.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildCatalog } from '../src/catalog/build.ts';
import { catalogFile } from '../src/catalog/paths.ts';
import { DEFAULT_SOURCES } from '../src/catalog/sources.ts';
import { CATALOG_CHECK_MS, serveCatalog } from '../src/web/server.ts';
import { tempDir } from './helpers/tempDir.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const rule = (title: string, id: string) => `title: ${title}\nid: ${id}\nlogsource:\n  product: windows\ndetection:\n  sel:\n    EventID: 4625\n  condition: sel\n`;

function get(base: string, p: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; etag: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: p, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, etag: String(res.headers.etag ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serving a changing catalog, on every core', () => {
  let tmp: string;
  let mirror: string;
  const build = () => buildCatalog({ outDir: path.join(tmp, 'cat'), mirror, sources: [DEFAULT_SOURCES.find((d) => d.name === 'sigma')!], attack: path.join(tmp, 'none.json'), workers: 0, progress: { start() {}, tick() {}, end() {} } });
  before(async () => {
    tmp = tempDir('detwiki-reliab-serve-');
    mirror = path.join(tmp, 'mirror');
    mkdirSync(path.join(mirror, 'sigma', 'rules'), { recursive: true });
    writeFileSync(path.join(mirror, 'sigma', 'rules', 'a.yml'), rule('Alpha one', '11111111-1111-1111-1111-111111111111'));
    await build();
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('a running server answers from the new build once it is committed', async () => {
    const s = await serveCatalog({ dir: path.join(tmp, 'cat'), port: 0 });
    try {
      const first = await get(s.url, '/api/search?q=alpha');
      assert.equal(JSON.parse(first.body).result.total, 1);
      writeFileSync(path.join(mirror, 'sigma', 'rules', 'b.yml'), rule('Alpha two', '22222222-2222-2222-2222-222222222222'));
      await build();
      await new Promise((r) => setTimeout(r, CATALOG_CHECK_MS + 100));
      const second = await get(s.url, '/api/search?q=alpha');
      assert.equal(JSON.parse(second.body).result.total, 2);
      assert.notEqual(second.etag, first.etag);
      assert.equal((await get(s.url, '/api/search?q=alpha', { 'If-None-Match': first.etag })).status, 200, 'the old ETag no longer matches');
    } finally {
      await s.close();
    }
  });

  it('a catalog file replaced in place (a full rebuild renames its new file over the old) is reopened', async () => {
    const other = path.join(tmp, 'other');
    await buildCatalog({ outDir: other, mirror, sources: [DEFAULT_SOURCES.find((d) => d.name === 'sigma')!], attack: path.join(tmp, 'none.json'), workers: 0, progress: { start() {}, tick() {}, end() {} } });
    const s = await serveCatalog({ dir: path.join(tmp, 'cat'), port: 0 });
    try {
      const before = JSON.parse((await get(s.url, '/api/search?q=alpha')).body).result.total as number;
      writeFileSync(path.join(mirror, 'sigma', 'rules', 'c.yml'), rule('Alpha three', '33333333-3333-3333-3333-333333333333'));
      await buildCatalog({ outDir: other, mirror, sources: [DEFAULT_SOURCES.find((d) => d.name === 'sigma')!], attack: path.join(tmp, 'none.json'), workers: 0, progress: { start() {}, tick() {}, end() {} } });
      renameSync(catalogFile(other), catalogFile(path.join(tmp, 'cat')));
      await new Promise((r) => setTimeout(r, CATALOG_CHECK_MS + 100));
      assert.equal(JSON.parse((await get(s.url, '/api/search?q=alpha')).body).result.total, before + 1);
    } finally {
      await s.close();
    }
  });

  it('detwiki serve --workers 2: two processes, one port, the same answers; stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'detwiki.js'), 'serve', '--out', path.join(tmp, 'cat'), '--port', '0', '--workers', '2'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const base = await new Promise<string>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (c: Buffer) => {
          buf += c.toString();
          const m = /detection-wiki at (http:\/\/\S+\/) \(read-only, 2 server processes/.exec(buf);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${buf}`)));
      });
      const answers = await Promise.all(Array.from({ length: 12 }, () => get(base, '/rule/sigma/a')));
      assert.ok(answers.every((a) => a.status === 200));
      assert.equal(new Set(answers.map((a) => a.etag)).size, 1, 'every process sends the same ETag for the same build and URL');
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
  });
});
