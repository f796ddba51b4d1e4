/**
 * Per-thread CPU for a build's figures (`threadCpuSeconds`, src/catalog/threadCpu.ts): each thread reads its own time,
 * so a worker's busy loop shows in the worker's reading and not in the waiting main thread's (a process-wide reading
 * fails this), and a scan job's end carries its thread's time. Linux only (elsewhere the reading is undefined and
 * these tests are skipped).
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { batchFiles, runScanJob } from '../src/catalog/scanJob.ts';
import { threadCpuSeconds } from '../src/catalog/threadCpu.ts';
import { tempDir } from './helpers/tempDir.ts';

const linux = threadCpuSeconds() !== undefined;

/** Busy until the process has used `seconds` more CPU (by CPU, not wall time: a loaded machine must not fail it). */
const spin = (seconds: number): void => {
  const cpu = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const end = cpu() + seconds;
  while (cpu() < end);
};

describe('per-thread CPU', { skip: linux ? false : 'no /proc/thread-self here' }, () => {
  it("counts the calling thread's own time", async () => {
    const before = threadCpuSeconds()!;
    spin(0.12);
    const busy = threadCpuSeconds()! - before;
    assert.ok(busy >= 0.06, `a busy loop of 0.12 s of the process's CPU read as ${busy} s of this thread's`);

    // a worker spins for 0.3 s of its own CPU (read with threadCpuSeconds there) while this thread waits: the
    // worker's reading has it, this thread's does not
    const mine = threadCpuSeconds()!;
    const theirs = await new Promise<number>((resolve, reject) => {
      const w = new Worker(new URL('./helpers/threadCpuWorker.mjs', import.meta.url));
      w.once('message', (m: number) => void w.terminate().then(() => resolve(m)));
      w.once('error', reject);
    });
    const waited = threadCpuSeconds()! - mine;
    assert.ok(theirs >= 0.3);
    assert.ok(waited < theirs / 2, `this thread waited, yet read ${waited} s against the worker's ${theirs} s`);
  });

  it("a scan job's end carries its thread's CPU", async () => {
    const root = tempDir('tcpu-job-');
    writeFileSync(path.join(root, 'r.yml'), 'title: t\nlogsource: {product: windows}\ndetection: {sel: {Image: a.exe}, condition: sel}\n');
    try {
      const before = threadCpuSeconds()!;
      const end = await runScanJob({ id: 1, format: 'sigma', root, info: { repository: 'test/tcpu' }, all: ['r.yml'], only: ['r.yml'], hash: [] }, (b) => void batchFiles(b));
      assert.equal(typeof end.cpuS, 'number');
      assert.ok(end.cpuS! >= before && end.cpuS! <= threadCpuSeconds()!, `job end ${end.cpuS}, thread ${before} before`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
