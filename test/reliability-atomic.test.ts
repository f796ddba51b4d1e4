/**
 * Issue 16, items 2 and 3: builds and syncs are atomic. A build killed (SIGKILL, in a child process) at any point —
 * after a source's write, before the summaries, before or after the commit, or at a random moment — leaves the last
 * complete catalog with consistent counts, and the next build (without --force) completes the work. A build given
 * an unreadable ATT&CK bundle keeps the last good ATT&CK data. A killed sync leaves every file old or new, and the
 * synced bundle keeps its release in its name.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { buildCatalog } from '../src/catalog/build.ts';
import { catalogFile } from '../src/catalog/paths.ts';
import { DEFAULT_SOURCES, examplesDir, exampleSources } from '../src/catalog/sources.ts';
import { tempDir } from './helpers/tempDir.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const CHILD = path.join(ROOT, 'test', 'helpers', 'buildChild.ts');
const ATTACK = path.join(ROOT, 'test', 'fixtures', 'attack', 'mini-enterprise.json');
const QUIET = { start() {}, tick() {}, end() {} };

interface State {
  readonly rules: number;
  readonly files: number;
  readonly indicatorRows: number;
  readonly techniques: number;
  readonly titles: string;
  readonly problems: readonly string[];
}

/** What a reader sees in the catalog, and every inconsistency between its tables. */
function inspect(dir: string): State {
  if (!existsSync(catalogFile(dir))) return { rules: 0, files: 0, indicatorRows: 0, techniques: 0, titles: '', problems: [] };
  const db = new Database(catalogFile(dir), { readonly: true, fileMustExist: true });
  try {
    const one = (sql: string) => (db.prepare(sql).get() as { n: number | null }).n ?? 0;
    const problems: string[] = [];
    const staleCounts = one(`SELECT COUNT(*) n FROM (SELECT key, format, n FROM indicator_counts EXCEPT SELECT key, format, COUNT(DISTINCT rule) FROM indicators GROUP BY key, format)`);
    const missingCounts = one(`SELECT COUNT(*) n FROM (SELECT key, format, COUNT(DISTINCT rule) FROM indicators GROUP BY key, format EXCEPT SELECT key, format, n FROM indicator_counts)`);
    if (staleCounts || missingCounts) problems.push(`indicator_counts: ${staleCounts} stale, ${missingCounts} missing`);
    const staleKeys = one(`SELECT COUNT(*) n FROM (SELECT key, total FROM indicator_keys EXCEPT SELECT key, COUNT(DISTINCT rule) FROM indicators GROUP BY key)`);
    if (staleKeys) problems.push(`indicator_keys: ${staleKeys} stale`);
    const rules = one('SELECT COUNT(*) n FROM rules');
    if (rules !== one('SELECT SUM(rules) n FROM files')) problems.push('rules and files.rules differ');
    const techniques = one('SELECT COUNT(*) n FROM attack_techniques');
    const version = (db.prepare("SELECT value FROM meta WHERE key = 'attack_version'").get() as { value: string } | undefined)?.value;
    if (version && !techniques) problems.push(`ATT&CK ${version} without techniques`);
    if (rules && !(db.prepare("SELECT value FROM meta WHERE key = 'build_id'").get() as { value: string } | undefined)?.value) problems.push('rules without a build id');
    const titles = (db.prepare('SELECT title FROM rules ORDER BY title').all() as { title: string }[]).map((r) => r.title).join('|');
    return { rules, files: one('SELECT COUNT(*) n FROM files'), indicatorRows: one('SELECT COUNT(*) n FROM indicator_counts'), techniques, titles, problems };
  } finally {
    db.close();
  }
}

/** Run a build in a child process; `crashAt` kills it there, `killAfterMs` kills it (SIGKILL) after that long. */
function childBuild(out: string, mirror: string, opts: { crashAt?: string; killAfterMs?: number } = {}): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, ...(opts.crashAt ? { DETWIKI_CRASH_AT: opts.crashAt } : {}) };
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, out, mirror, ATTACK], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.resume();
    const timer = opts.killAfterMs !== undefined ? setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs) : undefined;
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout });
    });
  });
}

/** A new Sigma rule sharing its indicators with an example rule (their counts go from 1 to 2). */
function addRule(mirror: string): void {
  const dir = path.join(mirror, 'sigma', 'rules', 'cloud', 'aws');
  const text = readFileSync(path.join(dir, 'aws_cloudtrail_stop_logging.yml'), 'utf8');
  writeFileSync(path.join(dir, 'added_twin.yml'), text.replace(/^title: .*$/m, 'title: Added twin').replace(/^id: .*$/m, 'id: 99999999-9999-4999-8999-999999999999'));
}

describe('killed builds', () => {
  let tmp: string;
  let before0: State;
  let after1: State;
  before(async () => {
    tmp = tempDir('detwiki-reliab-atomic-');
    // reference catalogs: the examples, and the examples with one more rule
    cpSync(examplesDir(), path.join(tmp, 'm0'), { recursive: true });
    cpSync(examplesDir(), path.join(tmp, 'm1'), { recursive: true });
    addRule(path.join(tmp, 'm1'));
    await buildCatalog({ outDir: path.join(tmp, 'ref0'), mirror: path.join(tmp, 'm0'), attack: ATTACK, sources: exampleSources(), workers: 0, progress: QUIET });
    await buildCatalog({ outDir: path.join(tmp, 'ref1'), mirror: path.join(tmp, 'm1'), attack: ATTACK, sources: exampleSources(), workers: 0, progress: QUIET });
    before0 = inspect(path.join(tmp, 'ref0'));
    after1 = inspect(path.join(tmp, 'ref1'));
    assert.deepEqual([before0.problems, after1.problems], [[], []]);
    assert.equal(after1.rules, before0.rules + 1);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const same = (s: State, ref: State, what: string) => {
    assert.deepEqual(s.problems, [], what);
    assert.deepEqual([s.rules, s.files, s.indicatorRows, s.techniques, s.titles], [ref.rules, ref.files, ref.indicatorRows, ref.techniques, ref.titles], what);
  };

  it('an incremental build killed after a source, before the summaries or before the commit leaves the old catalog; the next build completes it', async () => {
    const sources = exampleSources().map((s) => s.name);
    for (const point of [`build:source:${sources[0]}`, 'build:sources-written', 'build:before-commit']) {
      const out = path.join(tmp, `inc-${point.replace(/[^a-z0-9]/gi, '_')}`);
      cpSync(path.join(tmp, 'ref0'), out, { recursive: true });
      const mirror = path.join(tmp, 'm1');
      // the reference catalog was built from m0: point it at m1 (same sources, one more rule)
      const killed = await childBuild(out, mirror, { crashAt: point });
      assert.equal(killed.signal, 'SIGKILL', `${point}: killed`);
      // the sources were moved to m1, the rules are those of the complete m0 build
      same(inspect(out), before0, `${point}: after the kill`);
      const next = await childBuild(out, mirror);
      assert.equal(next.code, 0, point);
      const r = JSON.parse(next.stdout) as { upToDate: boolean; interrupted: string | null };
      assert.equal(r.upToDate, false, `${point}: the next build is not "up to date"`);
      assert.match(r.interrupted ?? '', /interrupted/, `${point}: the next build says a build was interrupted`);
      same(inspect(out), after1, `${point}: after the next build`);
    }
  });

  it('a cold build killed part-way leaves no partial catalog; killed after the commit, the catalog is complete', async () => {
    const sources = exampleSources().map((s) => s.name);
    const cold = path.join(tmp, 'cold');
    const k = await childBuild(cold, path.join(tmp, 'm1'), { crashAt: `build:source:${sources[Math.floor(sources.length / 2)]}` });
    assert.equal(k.signal, 'SIGKILL');
    const seen = inspect(cold);
    assert.deepEqual([seen.rules, seen.files, seen.problems], [0, 0, []], 'no rule of a build that did not finish is visible');
    assert.equal((await childBuild(cold, path.join(tmp, 'm1'))).code, 0);
    same(inspect(cold), after1, 'cold: after the next build');

    const committed = path.join(tmp, 'committed');
    assert.equal((await childBuild(committed, path.join(tmp, 'm1'), { crashAt: 'build:committed' })).signal, 'SIGKILL');
    same(inspect(committed), after1, 'killed after the commit');
    const next = JSON.parse((await childBuild(committed, path.join(tmp, 'm1'))).stdout) as { upToDate: boolean };
    assert.equal(next.upToDate, true);
  });

  it('kill -9 at random moments of a build: always the old or the new catalog, and the next build completes', async () => {
    const out = path.join(tmp, 'random');
    cpSync(path.join(tmp, 'ref0'), out, { recursive: true });
    const mirror = path.join(tmp, 'm1');
    for (const ms of [500, 1200, 2500]) {
      await childBuild(out, mirror, { killAfterMs: ms });
      const s = inspect(out);
      assert.deepEqual(s.problems, [], `killed after ${ms} ms`);
      assert.ok(s.titles === before0.titles || s.titles === after1.titles, `killed after ${ms} ms: ${s.rules} rules, neither the old nor the new catalog`);
    }
    assert.equal((await childBuild(out, mirror)).code, 0);
    same(inspect(out), after1, 'after the last build');
  });

  it('an unreadable ATT&CK bundle never replaces the last good ATT&CK data', async () => {
    const out = path.join(tmp, 'attack');
    cpSync(path.join(tmp, 'ref0'), out, { recursive: true });
    const empty = path.join(tmp, 'empty-attack.json');
    writeFileSync(empty, '');
    const r = await buildCatalog({ outDir: out, mirror: path.join(tmp, 'm0'), attack: empty, sources: exampleSources(), workers: 0, progress: QUIET });
    assert.match(r.attack.message, /kept the ATT&CK data of the previous build/);
    assert.equal(r.attack.version, '9.9');
    assert.equal(r.totals.parsed, 0, 'nothing parsed again for a bundle that did not load');
    same(inspect(out), before0, 'after a build with a 0-byte bundle');
  });
});

describe('full rebuilds (every file parsed again) write a new catalog in place of the old one', () => {
  let tmp: string;
  let ref: State;
  before(async () => {
    tmp = tempDir('detwiki-reliab-rebuild-');
    cpSync(examplesDir(), path.join(tmp, 'm'), { recursive: true });
    await buildCatalog({ outDir: path.join(tmp, 'ref'), mirror: path.join(tmp, 'm'), attack: ATTACK, sources: exampleSources(), workers: 0, progress: QUIET });
    ref = inspect(path.join(tmp, 'ref'));
    assert.deepEqual(ref.problems, []);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  /** A copy of the reference catalog as an older detection-wiki left it: other code fingerprints. */
  const olderCode = (name: string): string => {
    const out = path.join(tmp, name);
    cpSync(path.join(tmp, 'ref'), out, { recursive: true });
    const db = new Database(catalogFile(out));
    db.prepare("UPDATE meta SET value = '{}' WHERE key = 'code_fingerprints'").run();
    db.close();
    return out;
  };
  const build = (out: string, force = false) => buildCatalog({ outDir: out, mirror: path.join(tmp, 'm'), attack: ATTACK, sources: exampleSources(), workers: 0, progress: QUIET, force });
  const inode = (out: string) => statSync(catalogFile(out)).ino;
  const leftovers = (out: string) => readdirSync(out).filter((f) => f.includes('.rebuild'));

  it('after a code change of every format: a new file, the same catalog, nothing left beside it', async () => {
    const out = olderCode('code');
    const ino = inode(out);
    const r = await build(out);
    assert.match(r.rebuilt ?? '', /code of every format changed/);
    assert.equal(r.catalog, catalogFile(out));
    assert.notEqual(inode(out), ino, 'the catalog file was replaced');
    assert.deepEqual(leftovers(out), []);
    const s = inspect(out);
    assert.deepEqual([s.problems, s.rules, s.titles, s.techniques], [[], ref.rules, ref.titles, ref.techniques]);
    const again = await build(out);
    assert.equal(again.upToDate, true, 'the fingerprints were stored: the next build has nothing to do');
    assert.equal(again.rebuilt, undefined);
  });

  it('when most files changed it rebuilds afresh; when few did, or only their times, it updates in place', async () => {
    const mirror = path.join(tmp, 'm-share');
    cpSync(path.join(tmp, 'm'), mirror, { recursive: true });
    const out = path.join(tmp, 'share');
    const run = () => buildCatalog({ outDir: out, mirror, attack: ATTACK, sources: exampleSources(), workers: 0, progress: QUIET });
    await run();
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (e.isFile()) files.push(path.join(d, e.name));
      }
    };
    walk(mirror);
    files.sort();
    assert.ok(files.length >= 10, String(files.length));
    const append = (fs: readonly string[]) => { for (const f of fs) writeFileSync(f, readFileSync(f, 'utf8') + '\n'); };
    // a few files' content: in place
    let ino = inode(out);
    append(files.slice(0, 2));
    const few = await run();
    assert.equal(few.rebuilt, undefined);
    assert.equal(inode(out), ino);
    assert.ok(few.totals.parsed >= 1 && few.totals.parsed <= 2, String(few.totals.parsed));
    // every file's time, none's content (a fresh clone): in place, nothing parsed
    const later = new Date(Date.now() + 60_000);
    for (const f of files) utimesSync(f, later, later);
    const touched = await run();
    assert.equal(touched.rebuilt, undefined);
    assert.equal(touched.totals.parsed, 0);
    // most files' content: a new catalog file, the same rules
    append(files.slice(0, Math.ceil(files.length * 0.8)));
    const most = await run();
    assert.match(most.rebuilt ?? '', /% of the files are to be parsed again/);
    assert.notEqual(inode(out), ino);
    assert.deepEqual(leftovers(out), []);
    const s = inspect(out);
    assert.deepEqual([s.problems, s.rules, s.titles], [[], ref.rules, ref.titles]);
    ino = inode(out);
    const again = await run();
    assert.equal(again.upToDate, true);
    assert.equal(inode(out), ino);
  });

  it('--force rebuilds afresh; with a reader connected it stays in place (incremental) and is still right', async () => {
    const out = path.join(tmp, 'force');
    cpSync(path.join(tmp, 'ref'), out, { recursive: true });
    const r = await build(out, true);
    assert.match(r.rebuilt ?? '', /--force/);
    // a reader that has read (as a server has): it holds the write-ahead log open
    const reader = new Database(catalogFile(out), { readonly: true });
    reader.prepare('SELECT COUNT(*) FROM rules').get();
    try {
      const ino = inode(out);
      const r2 = await build(out, true);
      assert.equal(r2.rebuilt, undefined, 'another connection is open: no new file');
      assert.equal(inode(out), ino);
      assert.ok(r2.totals.parsed > 0, 'every file parsed again');
    } finally {
      reader.close();
    }
    const s = inspect(out);
    assert.deepEqual([s.problems, s.rules, s.titles], [[], ref.rules, ref.titles]);
  });

  it('killed while rebuilding or before the new file is put in place: the old catalog is whole; the next build completes', async () => {
    const sources = exampleSources().map((x) => x.name);
    for (const point of [`build:source:${sources[1]}`, 'build:committed', 'build:rebuilt']) {
      const out = olderCode(`kill-${point.replace(/[^a-z0-9]/gi, '_')}`);
      const ino = inode(out);
      const killed = await childBuild(out, path.join(tmp, 'm'), { crashAt: point });
      assert.equal(killed.signal, 'SIGKILL', `${point}: killed`);
      assert.equal(inode(out), ino, `${point}: the old catalog is still in place`);
      const s = inspect(out);
      assert.deepEqual([s.problems, s.rules, s.titles], [[], ref.rules, ref.titles], `${point}: the old catalog is whole`);
      const next = await childBuild(out, path.join(tmp, 'm'));
      assert.equal(next.code, 0, point);
      assert.deepEqual(leftovers(out), [], `${point}: the killed build's file was removed`);
      const s2 = inspect(out);
      assert.deepEqual([s2.problems, s2.rules, s2.titles], [[], ref.rules, ref.titles], `${point}: after the next build`);
    }
  });
});

describe('killed syncs', () => {
  let tmp: string;
  before(() => {
    tmp = tempDir('detwiki-reliab-sync-');
    cpSync(examplesDir(), path.join(tmp, 'mirror'), { recursive: true });
    // a bundle whose release is in its file name only: the fixture without its collection object
    const bundle = JSON.parse(readFileSync(ATTACK, 'utf8')) as { objects: { type: string }[] };
    writeFileSync(path.join(tmp, 'enterprise-attack-19.1.json'), JSON.stringify({ ...bundle, objects: bundle.objects.filter((o) => o.type !== 'x-mitre-collection') }));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const sync = (cache: string, crashAt?: string, attack = path.join(tmp, 'enterprise-attack-19.1.json')) =>
    spawnSync(process.execPath, [path.join(ROOT, 'bin', 'detwiki.js'), 'sync', '--mirror', path.join(tmp, 'mirror'), '--attack', attack, '--sources', exampleSources().map((s) => s.name).join(','), '--json'], {
      cwd: ROOT,
      env: { ...process.env, DETWIKI_CACHE: cache, ...(crashAt ? { DETWIKI_CRASH_AT: crashAt } : {}) },
      encoding: 'utf8',
    });

  it('the synced bundle keeps its release in its name, and a build from it has the release', async () => {
    const cache = path.join(tmp, 'cache-ok');
    const r = sync(cache);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { attack: { path: string; version?: string } };
    assert.equal(path.basename(report.attack.path), 'enterprise-attack-19.1.json');
    assert.equal(report.attack.version, '19.1');
  });

  it('--attack naming the folder of the bundle copies the bundle in it', () => {
    const r = sync(path.join(tmp, 'cache-folder'), undefined, tmp);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { attack: { status: string; path: string; version?: string } };
    assert.deepEqual([report.attack.status, path.basename(report.attack.path), report.attack.version], ['copied', 'enterprise-attack-19.1.json', '19.1']);
  });

  it('killed while writing the bundle, the stamp or a source link: every file is old or new, and a build serves correct counts', async () => {
    const cache = path.join(tmp, 'cache-kill');
    assert.equal(sync(cache).status, 0);
    const good = readFileSync(path.join(cache, 'attack', 'enterprise-attack-19.1.json'), 'utf8');
    const stamp = readFileSync(path.join(cache, 'last-sync.json'), 'utf8');
    const first = exampleSources()[0]!.name;
    for (const point of ['sync:attack:written', 'sync:attack:renamed', 'sync:stamp:written', `sync:source:${first}`]) {
      const r = sync(cache, point);
      assert.equal(r.signal, 'SIGKILL', point);
      const bundles = readdirSync(path.join(cache, 'attack')).filter((n) => n.endsWith('.json'));
      assert.deepEqual(bundles, ['enterprise-attack-19.1.json'], point);
      assert.equal(readFileSync(path.join(cache, 'attack', bundles[0]!), 'utf8'), good, `${point}: the bundle is whole`);
      assert.doesNotThrow(() => JSON.parse(readFileSync(path.join(cache, 'last-sync.json'), 'utf8')), `${point}: the stamp is whole`);
      assert.ok(existsSync(path.join(cache, 'sources', first, 'rules')), `${point}: the source is still linked`);
    }
    assert.ok(stamp.length > 0);
    // a build from the cache after the kills: every example source and the ATT&CK techniques
    const prev = process.env.DETWIKI_CACHE;
    process.env.DETWIKI_CACHE = cache;
    try {
      const r = await buildCatalog({ outDir: path.join(tmp, 'cat'), sources: DEFAULT_SOURCES.filter((d) => exampleSources().some((e) => e.name === d.name)), workers: 0, progress: QUIET });
      assert.equal(r.attack.version, '19.1');
      const ref = await buildCatalog({ outDir: path.join(tmp, 'cat-ref'), mirror: path.join(tmp, 'mirror'), attack: ATTACK, sources: exampleSources(), workers: 0, progress: QUIET });
      assert.equal(r.totals.rules, ref.totals.rules);
      assert.ok(inspect(path.join(tmp, 'cat')).techniques > 0);
    } finally {
      if (prev === undefined) delete process.env.DETWIKI_CACHE;
      else process.env.DETWIKI_CACHE = prev;
    }
  });
});
