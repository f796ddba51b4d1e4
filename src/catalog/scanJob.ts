/**
 * One unit of parsing work of a build: some files of one source, run through its adapter. The same function runs
 * in a scan worker (`scanWorker.ts`) and, for small jobs, in the building thread; what it hands back is plain
 * data (structured-clone safe), so either way the catalog receives the same results.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deserialize, getHeapStatistics } from 'node:v8';
import { threadId } from 'node:worker_threads';
import type { FileResult, SourceInfo } from '../formats/adapter.ts';
import { adapterFor } from '../formats/registry.ts';
import { fullCollection } from './gc.ts';
import { sha1 } from './hash.ts';
import { scannedFile, type ScannedFile } from './rows.ts';
import { prepareSource, scanFiles } from '../formats/scan.ts';
import { observeReads } from '../formats/io.ts';
import type { Diagnostic } from '../model/diagnostics.ts';
import type { Format } from '../model/facts.ts';

export interface ScanJob {
  readonly id: number;
  readonly format: Format;
  readonly root: string;
  readonly info: SourceInfo;
  /** Every file of the source (what `prepare` reads), sorted. */
  readonly all: readonly string[];
  /** The files to parse, in order. */
  readonly only: readonly string[];
  /** Files to hash (sha1 of the content) for the catalog's keys, here rather than in the building thread. */
  readonly hash: readonly string[];
  /** Formats whose parser the thread drops before this job (`build.release` of their adapters; see `scanPool.ts`). */
  readonly release?: readonly Format[];
}

/**
 * What a job reports while it runs: results in order, in batches. A worker sends them serialized (`v8.serialize`,
 * the structured-clone format): a few compact bytes per rule while the build has not reached their source yet,
 * instead of the object graph; `batchFiles` turns either form back into results.
 */
export interface ScanBatch {
  readonly files: readonly ScannedFile[] | Uint8Array;
  /** Hashes of the batch's files among the job's `hash` files (those it could read). */
  readonly hashes: Readonly<Record<string, string>>;
  /** Files of the job done so far, and the last one. */
  readonly done: number;
  readonly path: string;
}

/** The results of a batch. */
export function batchFiles(b: ScanBatch): readonly ScannedFile[] {
  return b.files instanceof Uint8Array ? (deserialize(b.files) as ScannedFile[]) : b.files;
}

export interface ScanJobEnd {
  /** `sourceDiagnostics` of the prepared source. */
  readonly diagnostics: readonly Diagnostic[];
  /** Time spent in the adapter (prepare and parse). */
  readonly seconds: number;
  /** When the job ran (epoch ms) and in which thread (0: the building thread), for the build's timeline. */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly thread: number;
  /** The thread's V8 heap (MB) when the job ended. */
  readonly heapMB: number;
}

/** Results are sent at least this often (files), so the building thread can report progress. */
export const BATCH_FILES = 50;

/** Run a job; `onBatch` receives every file result, in order. A `prepare` that throws fails only the files causing it. */
export async function runScanJob(job: ScanJob, onBatch: (b: ScanBatch) => void): Promise<ScanJobEnd> {
  const t0 = performance.now();
  const startedAt = Date.now();
  if (job.release?.length) {
    // the dropped parser's heap is garbage now: collected at once, so that the thread's heap (and its limit, which
    // follows the live size) shrink before the next format's files
    for (const f of job.release) adapterFor(f)?.build?.release?.();
    fullCollection();
  }
  const adapter = adapterFor(job.format);
  if (!adapter) throw new Error(`no adapter for format ${job.format}`);
  let batch: ScannedFile[] = [];
  let hashes: Record<string, string> = {};
  const toHash = new Set(job.hash);
  // a file to hash is hashed from the bytes its adapter read (one read of each file, not two); one the adapter did
  // not read (a file it skips by its name) is read here
  const read = new Map<string, string>();
  const stop = observeReads((root, rel, bytes) => {
    if (root === job.root && toHash.has(rel)) read.set(rel, sha1(bytes));
  });
  let prep: unknown;
  try {
    let failed;
    ({ prep, failed } = await prepareSource(adapter, job.root, job.all, job.info));
    await scanFiles(adapter, job.root, job.info, prep as unknown, job.only, (res, done, p) => {
      batch.push(scannedFile(res));
      if (toHash.has(p)) {
        const h = read.get(p);
        if (h !== undefined) {
          hashes[p] = h;
          read.delete(p);
        } else {
          try {
            hashes[p] = sha1(readFileSync(path.join(job.root, p)));
          } catch {
            // left to the building thread, which reports what it cannot read
          }
        }
      }
      if (batch.length >= BATCH_FILES || done === job.only.length) {
        onBatch({ files: batch, hashes, done, path: p });
        batch = [];
        hashes = {};
      }
    }, failed);
  } finally {
    stop();
  }
  return { diagnostics: prep === undefined ? [] : (adapter.sourceDiagnostics?.(prep as never) ?? []), seconds: (performance.now() - t0) / 1000, startedAt, endedAt: Date.now(), thread: threadId, heapMB: getHeapStatistics().total_heap_size / 2 ** 20 };
}
