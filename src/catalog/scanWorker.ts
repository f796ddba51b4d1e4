/**
 * A scan worker (worker_threads): runs the jobs the build posts (`scanJob.ts`), one at a time, and posts back their
 * results in batches. Started by `scanPool.ts` at `workerEntry.ts`'s entry (run from the sources, `scanWorker.mjs`,
 * which loads TypeScript as the CLI does).
 */
import { parentPort } from 'node:worker_threads';
import { runScanJob, wireBatch, type ScanJob } from './scanJob.ts';
import type { WorkerReply } from './scanPool.ts';
import { plainProcessEnv } from '../formats/env.ts';

plainProcessEnv();

const port = parentPort;
if (!port) throw new Error('scanWorker.ts runs in a worker thread (see scanPool.ts)');
const post = (m: WorkerReply) => port.postMessage(m);

// one job at a time, in the order posted (the pool posts the next job ahead)
const queue: ScanJob[] = [];
let running = false;
const runNext = (): void => {
  if (running) return;
  const job = queue.shift();
  if (!job) return;
  running = true;
  runScanJob(job, (b) => {
    const { batch, transfer } = wireBatch(b);
    port.postMessage({ type: 'batch', id: job.id, batch } satisfies WorkerReply, transfer);
  })
    .then(
      (end) => post({ type: 'end', id: job.id, end }),
      (e: unknown) => post({ type: 'failed', id: job.id, message: e instanceof Error ? e.message : String(e) }),
    )
    .finally(() => {
      running = false;
      runNext();
    });
};
port.on('message', (job: ScanJob) => {
  queue.push(job);
  runNext();
});
post({ type: 'ready' });
