/**
 * A pool of scan workers (worker_threads), so that a build parses on several cores. Each free worker asks the
 * build for its next job (`JobQueue.take`); results come back as plain data.
 *
 * Failure isolation: an adapter that throws on a file is already a GEN004 result inside the job. A worker that dies
 * (out of memory, a crash in native code, an uncaught error) fails only the job it was running; the pool starts
 * another worker for the jobs still queued (at most MAX_RESTARTS times, then `onGone`).
 */
import { Worker } from 'node:worker_threads';
import type { Format } from '../model/facts.ts';
import type { ScanBatch, ScanJob, ScanJobEnd } from './scanJob.ts';
import { workerEntry } from './workerEntry.ts';

/** Messages from a worker. */
export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'batch'; readonly id: number; readonly batch: ScanBatch }
  | { readonly type: 'end'; readonly id: number; readonly end: ScanJobEnd }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };

/** A job handed to a worker, with where its results go. */
export interface PendingJob {
  readonly job: ScanJob;
  readonly onBatch: (b: ScanBatch) => void;
  readonly resolve: (e: ScanJobEnd) => void;
  readonly reject: (e: Error) => void;
}

/** Where the workers take their jobs from. */
export interface JobQueue {
  /**
   * The next job for a worker, if any. `ahead`: the worker is still busy and the job would wait behind the ones it
   * has (JOBS_AHEAD), so the queue may keep a job back for a thread that is free sooner.
   */
  take(ahead: boolean): PendingJob | undefined;
  /** A job taken but not started (its worker died first): first in line again. */
  putBack(p: PendingJob): void;
  /** No worker is left and none can be started: the queue's jobs must go elsewhere. */
  onGone(why: string): void;
  /**
   * The queue is empty and no job will be added (every source is planned): a worker with nothing posted ends, and
   * its heap and its thread's memory go while the building thread writes the last results. A job put back later
   * (a worker died) starts a new worker as a restart does.
   */
  drained?(): boolean;
}

export interface ScanPool {
  /** New jobs are queued: free workers take them. */
  wake(): void;
  /** Workers running (started and not ended). */
  size(): number;
  close(): Promise<void>;
}

/** Workers started to replace dead ones, at most, per pool: a worker that cannot start does not loop forever. */
export const MAX_RESTARTS = 4;

const ENTRY = workerEntry(import.meta.url, 'scanWorker');

/**
 * Old-generation heap of a worker, at most (MB). A Kusto job keeps ~130 MB live (the library and one query's
 * trees); without a bound V8 lets a busy worker's heap grow to several times that before collecting, which is what
 * pushed the whole build past 1 GB. A job that really needs more fails alone (its worker dies; see `died`).
 */
export const WORKER_OLD_SPACE_MB = 384;

/**
 * Young generation of a worker (MB): parsing allocates gigabytes of short-lived objects (YAML tokens, syntax trees).
 * 96 MB (32 MB semi-spaces) once cut the cold build by 2 s against V8's default; since the compilation flags and the
 * later changes, 48 MB (16 MB semi-spaces) builds all corpora in the same time (alternating runs) and takes 32 MB
 * off each worker's resident memory, at the build's peaks (the Kusto worker beside Panther's phase; the worker that
 * replaces it beside Sigma and Elastic): docs/performance.md, issue 17's third round.
 */
export const WORKER_YOUNG_SPACE_MB = 48;

interface Slot {
  readonly worker: Worker;
  /** Jobs posted to the worker, in the order it runs them (the first is running). */
  readonly posted: PendingJob[];
  dead: boolean;
  /** Formats that `keep` whose jobs the worker has run (their parsers are in its heap). */
  kept: Format[];
  /** No more jobs are posted to it: once those posted have ended, it stops and a new worker takes its place. */
  retiring: boolean;
}

/**
 * Jobs posted to a worker ahead: the next one waits in the worker, which goes on with it even while the building
 * thread is busy writing the catalog and cannot hand out jobs.
 */
export const JOBS_AHEAD = 2;

/**
 * `entry`: the worker's script (tests give one that fails). `keeps`: formats whose parser, once loaded, stays in a
 * worker's heap until dropped (the Kusto library and its global state). A worker that ran such a job and is given a
 * job of another format drops those parsers first when every one of them `releases` (the job carries the formats
 * to release: `build.release` of their adapters); otherwise it ends once its jobs are done, and a new worker, which
 * loads only the parsers it meets, takes the job instead (its start costs a fraction of a second of the other core
 * and its warm-up).
 */
export function createScanPool(
  size: number,
  queue: JobQueue,
  entry: URL = ENTRY,
  keeps: (format: Format) => boolean = () => false,
  releases: (format: Format) => boolean = () => false,
): ScanPool {
  const slots: Slot[] = [];
  let restarts = 0;
  let closed = false;

  const dispatch = (slot: Slot): void => {
    while (!slot.dead && !slot.retiring && !closed && slot.posted.length < JOBS_AHEAD) {
      const next = queue.take(slot.posted.length > 0);
      if (!next) {
        if (!slot.posted.length && queue.drained?.()) idle(slot);
        return;
      }
      let job = next.job;
      if (slot.kept.length && !keeps(job.format)) {
        if (!slot.kept.every(releases)) {
          slot.retiring = true;
          queue.putBack(next);
          retire(slot);
          return;
        }
        job = { ...job, release: slot.kept };
        slot.kept = [];
      }
      if (keeps(job.format) && !slot.kept.includes(job.format)) slot.kept.push(job.format);
      slot.posted.push(next);
      slot.worker.postMessage(job);
    }
  };

  /** A retiring worker whose jobs have ended stops; a new one starts in its place (not counted as a restart). */
  const retire = (slot: Slot): void => {
    if (!slot.retiring || slot.posted.length || slot.dead || closed) return;
    slot.dead = true;
    slots.splice(slots.indexOf(slot), 1);
    void slot.worker.terminate();
    start();
  };

  /** A worker with no job left to take ends for good (no replacement). */
  const idle = (slot: Slot): void => {
    slot.dead = true;
    slots.splice(slots.indexOf(slot), 1);
    void slot.worker.terminate();
  };

  const died = (slot: Slot, why: string): void => {
    if (slot.dead) return;
    slot.dead = true;
    slots.splice(slots.indexOf(slot), 1);
    // the job it was running fails; those posted behind it had not started: back to the queue
    const [running, ...waiting] = slot.posted.splice(0);
    for (const p of waiting.reverse()) queue.putBack(p);
    running?.reject(new Error(`scan worker stopped: ${why}`));
    if (closed) return;
    if (restarts < MAX_RESTARTS) {
      restarts++;
      start();
    } else if (!slots.length) queue.onGone(why);
    for (const s of [...slots]) dispatch(s);
  };

  const start = (): void => {
    // execArgv: none of the parent's flags (--test, --cpu-prof…): run from the sources, the entry registers tsx itself
    // DETWIKI_PROFILE_WORKERS=DIR writes each worker's CPU profile there (see docs/performance.md)
    const prof = process.env['DETWIKI_PROFILE_WORKERS'];
    const execArgv = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [];
    // DETWIKI_WORKER_IMPORT=FILE preloads a module into each worker (bench/memtrace.mjs: memory samples per thread)
    const preload = process.env['DETWIKI_WORKER_IMPORT'];
    if (preload) execArgv.push('--import', preload);
    // env: the parent's process.env as it is (a plain copy after plainProcessEnv(), which Worker's default would skip)
    const worker = new Worker(entry, { execArgv, env: process.env, resourceLimits: { maxOldGenerationSizeMb: WORKER_OLD_SPACE_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_SPACE_MB } });
    const slot: Slot = { worker, posted: [], dead: false, kept: [], retiring: false };
    slots.push(slot);
    worker.on('message', (m: WorkerReply) => {
      const cur = slot.posted[0];
      if (m.type === 'ready' || !cur || m.id !== cur.job.id) return;
      if (m.type === 'batch') {
        cur.onBatch(m.batch);
        return;
      }
      slot.posted.shift();
      if (m.type === 'end') cur.resolve(m.end);
      else cur.reject(new Error(m.message));
      if (slot.retiring) retire(slot);
      else dispatch(slot);
    });
    worker.on('error', (e) => died(slot, e instanceof Error ? e.message : String(e)));
    worker.on('exit', (code) => died(slot, `exit code ${code}`));
    dispatch(slot);
  };

  for (let i = 0; i < size; i++) start();

  return {
    wake() {
      for (const s of [...slots]) dispatch(s);
    },
    size: () => slots.length,
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
