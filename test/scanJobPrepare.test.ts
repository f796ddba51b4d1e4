/**
 * A source cut in several scan jobs is prepared once per thread (`ScanJob.shared`, src/catalog/scanJob.ts): Splunk's
 * macro files are read by the first job of the source only, the later jobs expand the same macros, and a job of
 * another source, or of the same source in a later build (a new `shared`), prepares again.
 */
import assert from 'node:assert/strict';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { batchFiles, forgetPrepared, runScanJob, type ScanJob } from '../src/catalog/scanJob.ts';
import type { ScannedFile } from '../src/catalog/rows.ts';
import { listFiles, observeReads } from '../src/formats/io.ts';
import { tempDir } from './helpers/tempDir.ts';

const fixture = path.join(import.meta.dirname, 'fixtures', 'splunk', 'repo');

describe('scan jobs of one source share its prepared value in a thread', () => {
  let root: string;
  let all: string[];
  let detections: string[];
  let nextId = 1;
  before(async () => {
    root = path.join(tempDir('prep-'), 'repo');
    cpSync(fixture, root, { recursive: true });
    all = await listFiles(root);
    detections = all.filter((f) => f.startsWith('detections/'));
    assert.ok(detections.length >= 4);
  });
  after(() => {
    forgetPrepared();
    rmSync(path.dirname(root), { recursive: true, force: true });
  });

  /** Run a job over `only`; its results and how many macro files it read. */
  const run = async (only: readonly string[], shared?: number): Promise<{ files: ScannedFile[]; macroReads: number }> => {
    const job: ScanJob = { id: nextId++, format: 'splunk', root, info: { repository: 'fixtures/splunk' }, all, only, hash: [], ...(shared !== undefined ? { shared } : {}) };
    let macroReads = 0;
    const stop = observeReads((r, rel) => {
      if (r === root && rel.startsWith('macros/')) macroReads++;
    });
    const files: ScannedFile[] = [];
    try {
      await runScanJob(job, (b) => files.push(...batchFiles(b)));
    } finally {
      stop();
    }
    return { files, macroReads };
  };
  const searches = (files: readonly ScannedFile[]): string[] => files.flatMap((f) => f.rules.map((r) => `${r.id} ${JSON.stringify(JSON.parse(String(r.json)).logic.stages)}`));

  it('prepares once for the jobs of one source, again for another', async () => {
    const half = Math.ceil(detections.length / 2);
    const [a, b] = [detections.slice(0, half), detections.slice(half)];
    const alone = [...(await run(a)).files, ...(await run(b)).files];
    const first = await run(a, 1001);
    const second = await run(b, 1001);
    assert.ok(first.macroReads > 0, 'the first job read the macro files');
    assert.equal(second.macroReads, 0, 'the second job of the source used what the first prepared');
    assert.deepEqual(searches([...first.files, ...second.files]), searches(alone));
    assert.ok((await run(b, 1002)).macroReads > 0, 'another source (or build) prepares again');
    forgetPrepared();
    assert.ok((await run(b, 1002)).macroReads > 0, 'nothing kept after forgetPrepared');
  });

  it('a later build sees a changed macro: its jobs have a new `shared`', async () => {
    const before = searches((await run(detections, 2001)).files).join('\n');
    const macro = all.find((f) => f === 'macros/demo_tuned_filter.yml');
    assert.ok(macro);
    writeFileSync(path.join(root, macro), 'name: demo_tuned_filter\ndefinition: search NOT user IN ("changed_user_name")\ndescription: changed\n');
    const same = searches((await run(detections, 2001)).files).join('\n');
    assert.equal(same, before, 'the same source in the same build: the macro table it prepared');
    const after = searches((await run(detections, 2002)).files).join('\n');
    assert.notEqual(after, before);
    assert.match(after, /changed_user_name/);
  });
});
