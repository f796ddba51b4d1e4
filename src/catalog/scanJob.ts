/**
 * One unit of parsing work of a build: some files of one source, run through its adapter. The same function runs
 * in a scan worker (`scanWorker.ts`) and, for small jobs, in the building thread; what it hands back is plain
 * data (structured-clone safe), so either way the catalog receives the same results.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deserialize, getHeapStatistics, serialize } from 'node:v8';
import { threadId } from 'node:worker_threads';
import type { FileResult, SourceInfo } from '../formats/adapter.ts';
import { adapterFor } from '../formats/registry.ts';
import { fullCollection } from './gc.ts';
import { sha1 } from './hash.ts';
import { threadCpuSeconds } from './threadCpu.ts';
import { scannedFile, type RowText, type ScannedFile } from './rows.ts';
import { prepareSource, scanFiles, type PreparedSource } from '../formats/scan.ts';
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
  /**
   * Set on the jobs of a source that is cut in several (a splittable source), the same number for all of them and a
   * new one for every source of every build: a thread prepares such a source once for all the jobs of it that it
   * runs (`kept`), not once a job (Splunk's macro table: about 0.1 s each time, for jobs of 1–2 s).
   */
  readonly shared?: number;
}

/** The prepared source of the last `shared` job this thread ran, for its source's next jobs: one at a time. */
let kept: { readonly shared: number; readonly prepared: PreparedSource<unknown> } | undefined;

/** Drop the prepared source kept for later jobs (the end of a build). */
export function forgetPrepared(): void {
  kept = undefined;
}

/**
 * What a job reports while it runs: results in order, in batches. A worker sends them serialized (`wireBatch`:
 * `v8.serialize`, the structured-clone format, with the rules' long texts as UTF-8 bytes beside it): a few compact
 * bytes per rule while the build has not reached their source yet, instead of the object graph; `batchFiles` turns
 * either form back into results.
 */
export interface ScanBatch {
  readonly files: readonly ScannedFile[] | Uint8Array;
  /**
   * With serialized files, their rules' long texts (`RowText`: each rule's `json`, then its FTS `body`), text after
   * text in rule order, and the byte length of each; the serialized rules hold empty strings in their place.
   */
  readonly texts?: { readonly bytes: Uint8Array; readonly lengths: Uint32Array };
  /** Hashes of the batch's files among the job's `hash` files (those it could read). */
  readonly hashes: Readonly<Record<string, string>>;
  /** Files of the job done so far, and the last one. */
  readonly done: number;
  readonly path: string;
}

/** The results of a batch. */
export function batchFiles(b: ScanBatch): readonly ScannedFile[] {
  if (!(b.files instanceof Uint8Array)) return b.files;
  const files = deserialize(b.files) as ScannedFile[];
  const texts = b.texts;
  if (!texts) return files;
  let off = 0;
  let i = 0;
  const take = (): Uint8Array => {
    const end = off + texts.lengths[i++]!;
    const bytes = texts.bytes.subarray(off, end);
    off = end;
    return bytes;
  };
  return files.map((f) => (f.rules.length ? { ...f, rules: f.rules.map((r) => ({ ...r, json: take(), fts: { ...r.fts, body: take() } })) } : f));
}

/**
 * A batch as a worker sends it, and the buffers to transfer with it. The long texts go as UTF-8 in one buffer: the
 * building thread then binds views of it (no string made, nothing to encode), where serialized strings were made
 * again and encoded for SQLite. Elastic's and Splunk's rows replayed alone: the building thread's deserializing and
 * record-JSON and FTS inserts took 17 % and 31 % less time, the worker's serializing 12 % and 2 % less.
 */
export function wireBatch(b: ScanBatch): { batch: ScanBatch; transfer: ArrayBuffer[] } {
  const files = batchFiles(b);
  let size = 0;
  let count = 0;
  const byteLength = (t: RowText): number => (typeof t === 'string' ? Buffer.byteLength(t, 'utf8') : t.length);
  for (const f of files) {
    for (const r of f.rules) {
      size += byteLength(r.json) + byteLength(r.fts.body);
      count += 2;
    }
  }
  // a buffer of its own (not a slice of Node's shared pool): it is transferred
  const bytes = Buffer.allocUnsafeSlow(size);
  const lengths = new Uint32Array(count);
  let off = 0;
  let i = 0;
  const put = (t: RowText): string => {
    let n: number;
    if (typeof t === 'string') n = bytes.write(t, off, 'utf8');
    else {
      bytes.set(t, off);
      n = t.length;
    }
    lengths[i++] = n;
    off += n;
    return '';
  };
  // the same order as `take` above: a rule's json, then its body
  const serialized = serialize(files.map((f) => (f.rules.length ? { ...f, rules: f.rules.map((r) => ({ ...r, json: put(r.json), fts: { ...r.fts, body: put(r.fts.body) } })) } : f)));
  return { batch: { ...b, files: serialized, texts: { bytes, lengths } }, transfer: [serialized.buffer as ArrayBuffer, bytes.buffer as ArrayBuffer, lengths.buffer] };
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
  /** The thread's CPU seconds so far when the job ended (`threadCpuSeconds`; absent where unknown). */
  readonly cpuS?: number;
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
    kept = undefined;
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
    const prepared = job.shared !== undefined && kept?.shared === job.shared ? kept.prepared : await prepareSource(adapter, job.root, job.all, job.info);
    kept = job.shared !== undefined ? { shared: job.shared, prepared } : undefined;
    ({ prep, failed } = prepared);
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
  return { diagnostics: prep === undefined ? [] : (adapter.sourceDiagnostics?.(prep as never) ?? []), seconds: (performance.now() - t0) / 1000, startedAt, endedAt: Date.now(), thread: threadId, heapMB: getHeapStatistics().total_heap_size / 2 ** 20, cpuS: threadCpuSeconds() };
}
