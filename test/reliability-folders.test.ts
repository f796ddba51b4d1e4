/**
 * Folders the commands make from a user's path (`build --out`, `export <dir>`, `sync --cache`): made level by level, and a level that
 * cannot be made is an error that names it, never a hang (Node 20's recursive `mkdirSync` retried `/proc/x` for ever
 * at full CPU) nor a stack trace.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { makeFolder } from '../src/catalog/paths.ts';
import { tempDir } from './helpers/tempDir.ts';

const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'detwiki.js');
const tmp = tempDir('detwiki-folders-');
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('makeFolder', () => {
  it('makes the missing levels; an existing folder is left as it is', () => {
    const d = path.join(tmp, 'a', 'b', 'c');
    makeFolder(d);
    assert.ok(statSync(d).isDirectory());
    writeFileSync(path.join(d, 'kept'), 'x');
    makeFolder(d);
    assert.ok(existsSync(path.join(d, 'kept')));
  });
  it('a file in the way is an error', () => {
    writeFileSync(path.join(tmp, 'file'), 'x');
    assert.throws(() => makeFolder(path.join(tmp, 'file')), /not a folder/);
    assert.throws(() => makeFolder(path.join(tmp, 'file', 'sub')), (e: NodeJS.ErrnoException) => e.code === 'ENOTDIR');
  });
  it('a level the system refuses is an error, at once', { skip: !existsSync('/proc/self') && 'no /proc here' }, () => {
    const t = performance.now();
    assert.throws(() => makeFolder('/proc/detwiki-cannot-be-made/x'), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
    assert.ok(performance.now() - t < 5000);
  });
});

describe('commands given a folder that cannot be made', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, DETWIKI_ATTACK: '', DETWIKI_CACHE: path.join(tmp, 'cache') } });
  it('export to a file: a usage error before the catalog is read', () => {
    writeFileSync(path.join(tmp, 'site'), 'x');
    const r = run('export', path.join(tmp, 'site'), '--out', path.join(tmp, 'no-catalog'));
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /site exists and is not a folder/);
  });
  it('export without a catalog: the error, and no empty folder left behind', () => {
    const site = path.join(tmp, 'new-site', 'www');
    const r = run('export', site, '--out', path.join(tmp, 'no-catalog'));
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /detwiki export: /);
    assert.equal(existsSync(path.join(tmp, 'new-site')), false);
  });
  it('export to a folder the system refuses: a usage error naming it', { skip: !existsSync('/proc/self') && 'no /proc here' }, () => {
    const cat = path.join(tmp, 'cat');
    assert.equal(run('build', '--examples', '--out', cat).status, 0);
    const r = run('export', '/proc/detwiki-cannot-be-made/site', '--out', cat);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /cannot make the folder \/proc\/detwiki-cannot-be-made\/site: .*ENOENT/);
    assert.doesNotMatch(r.stderr, /    at /);
  });
  it('sync with a cache folder that cannot be made: a usage error naming it, at once', { skip: !existsSync('/proc/self') && 'no /proc here' }, () => {
    const mirror = path.join(tmp, 'empty-mirror');
    makeFolder(mirror);
    for (const cache of ['/proc/detwiki-cannot-be-made', path.join(tmp, 'site', 'cache')]) {
      const r = run('sync', '--cache', cache, '--mirror', mirror);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /cannot make the cache folder .*(ENOENT|ENOTDIR)/);
      assert.doesNotMatch(r.stderr, /    at /);
    }
  });
  it('build --out under a file: a usage error, no stack trace', () => {
    const r = run('build', '--examples', '--out', path.join(tmp, 'site', 'catalog'));
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /cannot make the catalog folder .*ENOTDIR/);
    assert.doesNotMatch(r.stderr, /    at /);
  });
});
