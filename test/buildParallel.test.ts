/** The build's scan workers: the same catalog with or without them, incremental rebuilds, a worker that dies. */
import assert from 'node:assert/strict';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { buildCatalog } from '../src/catalog/build.ts';
import type { ScanJobEnd } from '../src/catalog/scanJob.ts';
import type { Format } from '../src/model/facts.ts';
import { pickJob } from '../src/catalog/buildScan.ts';
import { createScanPool, JOBS_AHEAD, MAX_RESTARTS, type PendingJob } from '../src/catalog/scanPool.ts';
import { openCatalogDb } from '../src/catalog/schema.ts';
import { examplesDir, exampleSources } from '../src/catalog/sources.ts';
import { SHARED, SHARED_PRESENT } from './helpers/golden.ts';
import { tempDir } from './helpers/tempDir.ts';

const ATTACK = SHARED_PRESENT ? path.join(SHARED, 'attack', 'enterprise-attack-19.1.json') : path.join(import.meta.dirname, 'fixtures', 'attack', 'mini-enterprise.json');

/** Everything a build derives from the rules, in insertion order (rowids included: they must match too). */
function contents(dir: string): string {
  const db = openCatalogDb(path.join(dir, 'catalog.sqlite'), { readonly: true });
  try {
    const q = (sql: string) => JSON.stringify(db.prepare(sql).all());
    return [
      q('SELECT r.rowid, r.id, r.file_id, r.kind, r.title, j.json FROM rules r JOIN rule_json j ON j.rowid = r.rowid ORDER BY r.rowid'),
      q('SELECT id, source, path, hash, outcome, reason, diagnostics, deps, rules FROM files ORDER BY id'),
      q('SELECT * FROM diagnostics ORDER BY rowid'),
      q('SELECT * FROM indicators ORDER BY rowid'),
      q('SELECT * FROM rule_attack ORDER BY rowid'),
      q("SELECT rowid FROM rules_fts WHERE rules_fts MATCH 'powershell OR login OR process' ORDER BY rowid"),
    ].join('\n');
  } finally {
    db.close();
  }
}

describe('build with scan workers', () => {
  let tmp: string;
  let mirror: string;
  before(() => {
    tmp = tempDir('detwiki-par-');
    mirror = path.join(tmp, 'mirror');
    cpSync(examplesDir(), mirror, { recursive: true });
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes the same catalog as a build in one thread', async () => {
    const sources = exampleSources();
    const one = await buildCatalog({ outDir: path.join(tmp, 'one'), mirror, attack: ATTACK, sources, workers: 0 });
    const two = await buildCatalog({ outDir: path.join(tmp, 'two'), mirror, attack: ATTACK, sources, workers: 2 });
    assert.ok(one.totals.rules > 0);
    assert.deepEqual(two.totals, one.totals);
    assert.equal(contents(path.join(tmp, 'two')), contents(path.join(tmp, 'one')));
  });

  it('cuts the queue\'s last jobs in two once every source is planned, and writes the same catalog', async () => {
    const sources = exampleSources();
    process.env['DETWIKI_TAIL_MIN_FILES'] = '1';
    try {
      const cut = await buildCatalog({ outDir: path.join(tmp, 'cut'), mirror, attack: ATTACK, sources, workers: 2 });
      const jobs = cut.sources.map((s) => s.timeline?.jobs.length ?? 0);
      // the last splittable sources of the queue (two files each) ran as two jobs of one file
      assert.ok(cut.sources.some((s) => s.timeline && s.timeline.jobs.length === 2 && s.timeline.jobs.every((j) => j.files === 1)), `jobs per source: ${jobs.join(',')}`);
    } finally {
      delete process.env['DETWIKI_TAIL_MIN_FILES'];
    }
    assert.equal(contents(path.join(tmp, 'cut')), contents(path.join(tmp, 'one')));
  });

  it('an unchanged rebuild with workers parses nothing; a changed file is parsed again, alone', async () => {
    const sources = exampleSources();
    const again = await buildCatalog({ outDir: path.join(tmp, 'two'), mirror, attack: ATTACK, sources, workers: 2 });
    assert.equal(again.upToDate, true);
    assert.equal(again.totals.parsed, 0);
    const kusto = sources.find((s) => s.format === 'kusto')!;
    const f = path.join(mirror, kusto.name, 'notes.txt');
    writeFileSync(f, 'SecurityEvent | where EventID == 4625\n');
    const third = await buildCatalog({ outDir: path.join(tmp, 'two'), mirror, attack: ATTACK, sources, workers: 2 });
    assert.equal(third.totals.parsed, 1);
    const one = await buildCatalog({ outDir: path.join(tmp, 'one'), mirror, attack: ATTACK, sources, workers: 0 });
    assert.equal(one.totals.parsed, 1);
    assert.equal(contents(path.join(tmp, 'two')), contents(path.join(tmp, 'one')));
  });
});

/**
 * A stand-in scan worker in `dir` that ends every job at once, telling its thread, and the formats the job asked it to
 * release as the job's diagnostics.
 */
function endingWorker(dir: string): URL {
  const entry = path.join(dir, 'ends.mjs');
  writeFileSync(entry, "import { parentPort, threadId } from 'node:worker_threads';\nparentPort.on('message', (job) => parentPort.postMessage({ type: 'end', id: job.id, end: { diagnostics: job.release ?? [], seconds: 0, startedAt: 0, endedAt: 0, thread: threadId, heapMB: 0 } }));\n");
  return pathToFileURL(entry);
}

describe('scan pool', () => {
  it('a worker that dies fails the job it ran, not those posted behind it; after MAX_RESTARTS the queue is handed back', async () => {
    const dir = tempDir('detwiki-pool-');
    try {
      const entry = pathToFileURL(path.join(dir, 'dies.mjs'));
      writeFileSync(entry, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => process.exit(3));\n");
      const failures: string[] = [];
      const jobs: PendingJob[] = [1, 2, 3, 4, 5, 6, 7].map((id) => ({
        job: { id, format: 'kusto', root: dir, info: { repository: 'x' }, all: [], only: [], hash: [] },
        onBatch: () => {},
        resolve: (_e: ScanJobEnd) => assert.fail('a job of a dying worker cannot end'),
        reject: (e) => failures.push(e.message),
      }));
      const left = await new Promise<number>((resolve) => {
        const pool = createScanPool(
          1,
          { take: () => jobs.shift(), putBack: (p) => jobs.unshift(p), onGone: () => void pool.close().then(() => resolve(jobs.length)) },
          entry,
        );
      });
      assert.deepEqual(failures.length, 1 + MAX_RESTARTS, 'one failed job per worker started');
      assert.ok(failures.every((m) => m.startsWith('scan worker stopped')));
      assert.equal(left, 7 - failures.length, 'the rest stay queued for the building thread');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /**
   * Jobs of `formats` through a pool of one stand-in worker that ends every job at once, telling its thread and the
   * formats the job asked it to release; what each job (by id) reported.
   */
  const runJobs = async (formats: readonly Format[], keeps: (f: Format) => boolean, releases?: (f: Format) => boolean): Promise<Map<number, { thread: number; released: unknown }>> => {
    const dir = tempDir('detwiki-pool-');
    try {
      const entry = endingWorker(dir);
      const ends = new Map<number, { thread: number; released: unknown }>();
      const queue: PendingJob[] = [];
      let pool!: ReturnType<typeof createScanPool>;
      await new Promise<void>((resolve, reject) => {
        formats.forEach((format, i) =>
          queue.push({
            job: { id: i + 1, format, root: dir, info: { repository: 'x' }, all: [], only: [], hash: [] },
            onBatch: () => {},
            resolve: (e) => {
              ends.set(i + 1, { thread: e.thread, released: e.diagnostics });
              if (ends.size === formats.length) resolve();
            },
            reject,
          }),
        );
        pool = createScanPool(1, { take: () => queue.shift(), putBack: (p) => queue.unshift(p), onGone: (why) => reject(new Error(why)) }, entry, keeps, releases);
      });
      await pool.close();
      return ends;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const kusto = (f: Format) => f === 'kusto';
  const FORMATS: readonly Format[] = ['kusto', 'kusto', 'sigma', 'sigma', 'kusto', 'sigma'];

  it('a worker that ran a job of a format it keeps hands a job of another format to a new worker', async () => {
    const ends = await runJobs(FORMATS, kusto);
    const t = (id: number) => ends.get(id)!.thread;
    assert.equal(t(1), t(2), 'jobs of the kept format share their worker');
    assert.notEqual(t(3), t(2), 'the next format runs in a new worker');
    assert.equal(t(4), t(3));
    assert.equal(t(5), t(4), 'a worker may start on another format, then take the kept one');
    assert.notEqual(t(6), t(5));
  });
  it('a worker whose kept formats can be released drops them and goes on with the next format itself', async () => {
    const ends = await runJobs(FORMATS, kusto, kusto);
    assert.equal(new Set([...ends.values()].map((e) => e.thread)).size, 1, 'one worker ran every job');
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((id) => ends.get(id)!.released), [[], [], ['kusto'], [], [], ['kusto']], 'the first job after the kept format releases it');
  });
  it('asks the queue for a job ahead only while the worker has one: the queue may keep it for a thread free sooner', async () => {
    const dir = tempDir('detwiki-pool-');
    try {
      const entry = endingWorker(dir);
      const asked: boolean[] = [];
      const queue: PendingJob[] = [];
      let pool!: ReturnType<typeof createScanPool>;
      await new Promise<void>((resolve, reject) => {
        let ended = 0;
        for (let id = 1; id <= 3; id++) queue.push({ job: { id, format: 'sigma', root: dir, info: { repository: 'x' }, all: [], only: [], hash: [] }, onBatch: () => {}, resolve: () => void (++ended === 3 && resolve()), reject });
        // a queue that never gives a job ahead: each job goes to the worker only once it has none
        const take = (ahead: boolean): PendingJob | undefined => (asked.push(ahead), ahead ? undefined : queue.shift());
        pool = createScanPool(1, { take, putBack: (p) => queue.unshift(p), onGone: (why) => reject(new Error(why)) }, entry);
      });
      await pool.close();
      assert.ok(JOBS_AHEAD > 1);
      assert.deepEqual(asked.slice(0, 2), [false, true], 'a free worker asks for its job, then for one ahead');
      assert.equal(asked.filter((a) => !a).length, 4, 'each of the three jobs, then none left, asked for by a free worker');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('once the queue is drained, a worker with nothing to take ends (none replaces it)', async () => {
    const dir = tempDir('detwiki-pool-');
    try {
      const entry = endingWorker(dir);
      const run = async (drained: boolean): Promise<number> => {
        const queue: PendingJob[] = [];
        let pool!: ReturnType<typeof createScanPool>;
        await new Promise<void>((resolve, reject) => {
          queue.push({ job: { id: 1, format: 'sigma', root: dir, info: { repository: 'x' }, all: [], only: [], hash: [] }, onBatch: () => {}, resolve: () => resolve(), reject });
          pool = createScanPool(2, { take: () => queue.shift(), putBack: (p) => queue.unshift(p), onGone: (why) => reject(new Error(why)), drained: () => drained && queue.length === 0 }, entry);
        });
        for (let i = 0; i < 50 && pool.size() > 0 && drained; i++) await new Promise((r) => setTimeout(r, 10));
        const left = pool.size();
        await pool.close();
        return left;
      };
      assert.equal(await run(true), 0, 'both workers ended: the one that ran the job and the one that found none');
      assert.equal(await run(false), 2, 'while jobs may still come, idle workers wait');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('which job a thread takes (pickJob)', () => {
  const job = (id: number, format: Format): PendingJob => ({ job: { id, format, root: '', info: { repository: 'x' }, all: [], only: [], hash: [] }, onBatch: () => {}, resolve: () => {}, reject: () => {} });
  const queue = [job(1, 'splunk'), job(2, 'splunk'), job(3, 'yaral'), job(4, 'mql'), job(5, 'sigma')];
  const any = () => true;
  const none = () => false;
  it('a job of the source being written first: its rows, and every later source\'s, wait for it', () => {
    assert.equal(pickJob(queue, any, new Set(['mql']), new Set(['splunk']), (p) => p.job.id === 2), 1);
  });
  it('else a format the thread already parses, else one the other thread has not started, else the first', () => {
    assert.equal(pickJob(queue, any, new Set(['mql']), new Set(), none), 3, 'its own format');
    assert.equal(pickJob(queue, any, new Set(), new Set(['splunk']), none), 2, 'a format the other thread has not started');
    assert.equal(pickJob(queue, any, new Set(), new Set(['splunk', 'yaral', 'mql', 'sigma']), none), 0, 'the first');
  });
  it('only among the jobs the thread may take', () => {
    assert.equal(pickJob(queue, (p) => p.job.format !== 'splunk', new Set(['splunk']), new Set(), (p) => p.job.format === 'splunk'), 2);
    assert.equal(pickJob(queue, () => false, new Set(), new Set(), any), -1);
  });
});
