/**
 * Parsing for a build: the changed files of every source become scan jobs (`scanJob.ts`); big builds run them in a
 * pool of worker threads (`scanPool.ts`) while the building thread writes the catalog, small ones (an incremental
 * build touching a few files) in the building thread, where starting workers would cost more than it saves.
 * Results are handed out per source, in file order, batch by batch as soon as every earlier file's are in: the
 * building thread writes them while the rest is still being parsed, and holds no more than it has to.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { adapterFor } from '../formats/registry.ts';
import type { Diagnostic } from '../model/diagnostics.ts';
import type { Format } from '../model/facts.ts';
import type { JobSpan, ResolvedSource, SourcePlan } from './buildTypes.ts';
import type { ScannedFile } from './rows.ts';
import type { Progress } from './progress.ts';
import { batchFiles, forgetPrepared, runScanJob, type ScanBatch, type ScanJob, type ScanJobEnd } from './scanJob.ts';
import { createScanPool, type JobQueue, type PendingJob, type ScanPool } from './scanPool.ts';

/** Below this many files to parse, the build parses in its own thread only. */
export const POOL_MIN_FILES = 300;
/** Most scan workers (each loads the parsers it meets: memory grows with every one). */
export const MAX_SCAN_WORKERS = 3;
/** A splittable source is cut into jobs of about this many files, so that workers finish close together. */
export const JOB_FILES = 600;
/**
 * Once every source is planned, the queue's last jobs of splittable sources are cut in two (halves of at least
 * TAIL_MIN_FILES files), so that the threads end closer together: the last job a thread takes otherwise decides
 * how long the other core idles before the end phases.
 */
export const TAIL_SPLITS = 3;
/** Halves of fewer files are not made (`DETWIKI_TAIL_MIN_FILES` overrides it: tests cut jobs of a few files). */
export const TAIL_MIN_FILES = 100;
/**
 * Formats parsed only in workers when there are workers (adapters declaring `build.worker`): their parser is costly
 * to load into a thread (the Kusto library is 16 MB of generated JavaScript plus seconds of warm-up), so the
 * building thread keeps to the others.
 */
const prefersWorkers = (f: Format): boolean => adapterFor(f)?.build?.worker === true;
/** Formats whose parser a worker can drop to go on with other formats (`build.release`; see `createScanPool`). */
const releasable = (f: Format): boolean => adapterFor(f)?.build?.release !== undefined;

/** How a source's parsing ended. */
export type SourceScanEnd =
  | { readonly diagnostics: readonly Diagnostic[]; readonly seconds: number; readonly jobs: readonly JobSpan[] }
  | { readonly failure: string; readonly seconds: number };

export interface SourceScan {
  /**
   * The results of the source's files, handed to `onFiles` in file order, batch by batch, with the hashes the jobs
   * made (reporting progress on `progress` meanwhile); resolves when every file is in, or parsing failed.
   */
  stream(progress: Progress, onFiles: (files: readonly ScannedFile[], hashes: Readonly<Record<string, string>>) => void): Promise<SourceScanEnd>;
}

export interface Scanner {
  /** Whether a format's files are best parsed first, by the workers (adapters declaring `build.worker`, when there will be workers). */
  prefersWorker(format: Format): boolean;
  scan(src: ResolvedSource, plan: SourcePlan): SourceScan;
  /** Every source has been handed to `scan`. */
  planned(): void;
  close(): Promise<void>;
}

/**
 * How many workers by default: `DETWIKI_SCAN_WORKERS` (0 = none), else one per core beside the building thread's
 * (which parses too), at most MAX_SCAN_WORKERS.
 */
function defaultWorkers(): number {
  const env = process.env['DETWIKI_SCAN_WORKERS'];
  if (env !== undefined && /^\d+$/.test(env)) return Math.min(Number(env), 16);
  return Math.max(1, Math.min(availableParallelism() - 1, MAX_SCAN_WORKERS));
}

let nextJobId = 1;
/** `ScanJob.shared` of the next splittable source. */
let nextShared = 1;

/**
 * Jobs are queued in source order. Workers take first the jobs only they run (`build.worker` formats), then, once every
 * source is planned, any; the building thread takes the others, one at a time, between writing sources (a scan
 * yields to the event loop every few files, so a source whose results are in is written soon). Among the jobs it
 * may take, a thread prefers one of the source being written, then a format it already parses, then one the other
 * thread has not started (`pickJob`). A busy worker takes a job ahead only in a format it already parses, and the
 * building thread takes none while every job of the source being written has ended (its rows are what it has to
 * do): so the threads' last jobs end together, with no rows left waiting to be written behind them.
 *
 * `workers`: how many scan workers, always (BuildOptions.workers); by default as many as pay off. `early`: start
 * them now (a cold build of many files), before the first source is planned.
 */
export function scanner(workers?: number, early = false, spillDir?: string): Scanner {
  const explicit = workers !== undefined;
  const spill = spillDir !== undefined ? new Spill(spillDir) : undefined;
  const count = workers ?? defaultWorkers();
  const tailEnv = process.env['DETWIKI_TAIL_MIN_FILES'];
  const tailMin = tailEnv !== undefined && /^\d+$/.test(tailEnv) ? Math.max(1, Number(tailEnv)) : TAIL_MIN_FILES;
  let pool: ScanPool | undefined;
  let poolGone = false;
  let filesQueued = 0;
  let released = false;
  /** Until every source is planned, workers take only their own formats (the building thread the rest). */
  let planning = true;
  const queue: PendingJob[] = [];
  let localBusy = false;
  /** The chunks of the source being written (`stream`), in order. */
  let streaming: readonly Chunk[] | undefined;

  const takeAt = (i: number): PendingJob | undefined => (i < 0 ? undefined : queue.splice(i, 1)[0]);
  /**
   * Formats the workers / the building thread have parsed so far. Each thread keeps to the formats it already runs
   * where it can: a parser new to a thread is compiled and warmed up again in that thread (V8 isolates share no
   * code), which cost seconds of CPU when both threads took turns at every shared source.
   */
  const workerFormats = new Set<Format>();
  const localFormats = new Set<Format>();
  /** The chunk each queued job's results go to. */
  const chunkOf = new WeakMap<PendingJob, Chunk>();
  const pick = (candidates: (p: PendingJob) => boolean, mine: ReadonlySet<Format>, theirs: ReadonlySet<Format>): number =>
    pickJob(queue, candidates, mine, theirs, (p) => streaming !== undefined && streaming.includes(chunkOf.get(p)!));
  /** How to cut a queued job of a splittable source in two (its chunk replaced by two, in file order). */
  const halves = new WeakMap<PendingJob, () => PendingJob[]>();
  /** Cut the last TAIL_SPLITS splittable jobs of the queue in two (before any of them has started: `planned`). */
  const splitTail = (): void => {
    let n = 0;
    for (let i = queue.length - 1; i >= 0 && n < TAIL_SPLITS; i--) {
      const cut = halves.get(queue[i]!);
      if (!cut) continue;
      queue.splice(i, 1, ...cut());
      n++;
    }
  };
  const took = (p: PendingJob | undefined, mine: Set<Format>): PendingJob | undefined => {
    if (p) mine.add(p.job.format);
    return p;
  };
  const jobQueue: JobQueue = {
    take: (ahead) => {
      const own = takeAt(queue.findIndex((p) => prefersWorkers(p.job.format)));
      if (own || planning) return took(own, workerFormats);
      // a busy worker takes ahead only a format it already parses: a new one, claimed while the worker still has
      // seconds of Kusto jobs to run, would turn the building thread away from it (`pick`) and leave its rows, and
      // every later source's, to be written after the last job
      const i = pick(() => true, workerFormats, localFormats);
      return i >= 0 && (!ahead || workerFormats.has(queue[i]!.job.format)) ? took(takeAt(i), workerFormats) : undefined;
    },
    putBack: (p) => {
      // its format stays the workers' (taken above), although this worker did not parse it: the building thread then
      // leaves it to the worker replacing a retired Kusto worker, which parses faster (its small fresh heap collects
      // less often; giving it to the building thread measured slower: docs/performance.md, "Tried and left")
      queue.unshift(p);
      runLocal();
    },
    onGone: () => {
      poolGone = true;
      runLocal();
    },
    drained: () => !planning && queue.length === 0,
  };
  /** The building thread's own share: every job without a pool, else those a worker need not run. */
  const runLocal = (): void => {
    if (localBusy || !released) return;
    const local = !pool || poolGone;
    // every job of the source being written has ended: what is left of it is writing, and the building thread writes
    // it before taking another job (a job taken now would be stretched by those writes while a worker ran out of
    // jobs); the next source's `stream` asks again
    if (!local && streaming?.length && streaming.every((c) => c.outcome)) return;
    const next = took(takeAt(local ? (queue.length ? 0 : -1) : pick((p) => !prefersWorkers(p.job.format), localFormats, workerFormats)), localFormats);
    if (!next) return;
    localBusy = true;
    runScanJob(next.job, next.onBatch)
      .then(next.resolve, (e: unknown) => next.reject(e instanceof Error ? e : new Error(String(e))))
      .finally(() => {
        localBusy = false;
        runLocal();
      });
  };
  const wake = (): void => {
    pool?.wake();
    runLocal();
  };

  if (early && count > 0) {
    pool = createScanPool(count, jobQueue, undefined, prefersWorkers, releasable);
    released = true;
  }
  return {
    prefersWorker: (format) => count > 0 && prefersWorkers(format),
    scan(src, plan) {
      const splittable = adapterFor(src.def.format)?.build?.splittable === true;
      const splits = splittable ? Math.max(1, Math.round(plan.changed.length / JOB_FILES)) : 1;
      const size = Math.ceil(plan.changed.length / splits);
      const chunks: Chunk[] = [];
      const shared = splittable ? nextShared++ : undefined;
      /** A job over `only` whose results go to `chunk`; a splittable source's job can be cut in two while queued. */
      const pending = (only: readonly string[], chunk: Chunk): PendingJob => {
        const job: ScanJob = { id: nextJobId++, format: src.def.format, root: src.root, info: src.info, all: plan.files, only, hash: only.filter((f) => plan.unhashed.has(f)), ...(shared !== undefined ? { shared } : {}) };
        const p: PendingJob = { job, onBatch: (b) => chunk.batch(b), resolve: (e) => chunk.end(e), reject: (e) => chunk.fail(e.message) };
        chunkOf.set(p, chunk);
        if (splittable && only.length >= 2 * tailMin) {
          halves.set(p, () => {
            const at = chunks.indexOf(chunk);
            const mid = Math.ceil(only.length / 2);
            const [c1, c2] = [new Chunk(spill), new Chunk(spill)];
            chunks.splice(at, 1, c1, c2);
            return [pending(only.slice(0, mid), c1), pending(only.slice(mid), c2)];
          });
        }
        return p;
      };
      for (let i = 0; i < plan.changed.length; i += size) {
        const chunk = new Chunk(spill);
        chunks.push(chunk);
        queue.push(pending(plan.changed.slice(i, i + size), chunk));
      }
      filesQueued += plan.changed.length;
      if (!pool && count > 0 && (explicit || filesQueued >= POOL_MIN_FILES)) {
        pool = createScanPool(count, jobQueue, undefined, prefersWorkers, releasable);
        released = true;
      }
      if (released) wake();
      return {
        stream: (progress, onFiles) => {
          streaming = chunks;
          const done = combine(chunks, progress, onFiles);
          // after the worker messages that waited while earlier sources were written: a worker whose job ended
          // meanwhile takes its next job first
          setImmediate(runLocal);
          return done;
        },
      };
    },
    planned() {
      released = true;
      planning = false;
      splitTail();
      wake();
    },
    async close() {
      await pool?.close();
      spill?.close();
      forgetPrepared();
    },
  };
}

/**
 * Index in `queue` of the job a thread should take among those `candidates` allows (-1: none): one of the source being
 * written (`writing`: the writing waits for it, and every later source's rows wait behind it), else one of the
 * thread's own formats (`mine`), else one the other thread has not started (`theirs`), else the first.
 */
export function pickJob(
  queue: readonly PendingJob[],
  candidates: (p: PendingJob) => boolean,
  mine: ReadonlySet<Format>,
  theirs: ReadonlySet<Format>,
  writing: (p: PendingJob) => boolean,
): number {
  let own = -1;
  let fresh = -1;
  let first = -1;
  for (let i = 0; i < queue.length; i++) {
    const p = queue[i]!;
    if (!candidates(p)) continue;
    if (writing(p)) return i;
    const f = p.job.format;
    if (own < 0 && mine.has(f)) own = i;
    if (fresh < 0 && !theirs.has(f)) fresh = i;
    if (first < 0) first = i;
  }
  return own >= 0 ? own : fresh >= 0 ? fresh : first;
}

const EMPTY = new Uint8Array(0);

/** Where a spilled batch's bytes are in the spill file: its serialized rows (`rows` bytes), then its texts. */
interface Spilled {
  readonly offset: number;
  readonly length: number;
  readonly rows: number;
}

/**
 * Worker results that wait for their source's turn to be written (the building thread writes sources in order, and
 * the worker parses the Kusto sources first) are kept in a temporary file beside the catalog, not in memory: they
 * were up to 100 MB of a build's peak. The file is unlinked at once where the system allows it (else at `close`).
 */
export class Spill {
  private fd: number | undefined;
  private file: string | undefined;
  private size = 0;
  private buf = Buffer.alloc(0);
  constructor(private readonly dir: string) {}
  /** Write a batch's serialized rows and its texts (`ScanBatch.texts`) one after the other; undefined: kept in memory. */
  put(rows: Uint8Array, texts: Uint8Array = EMPTY): Spilled | undefined {
    try {
      if (this.fd === undefined) {
        const file = path.join(this.dir, `.detwiki-spill-${process.pid}-${randomUUID()}`);
        this.fd = openSync(file, 'w+');
        try {
          unlinkSync(file);
        } catch {
          this.file = file;
        }
      }
      writeSync(this.fd, rows, 0, rows.length, this.size);
      if (texts.length) writeSync(this.fd, texts, 0, texts.length, this.size + rows.length);
    } catch {
      return undefined; // kept in memory
    }
    const at = { offset: this.size, length: rows.length + texts.length, rows: rows.length };
    this.size += at.length;
    return at;
  }
  /**
   * A spilled batch's bytes, read into one buffer that every read reuses (valid until the next `take`): the building
   * thread deserializes a batch before it reads the next. A buffer per batch, all read at once when the source's turn
   * came, were tens of MB of malloc'd memory that stayed in the process (its main arena) after they were freed.
   */
  take(at: Spilled): Uint8Array {
    if (this.buf.length < at.length) this.buf = Buffer.allocUnsafeSlow(Math.max(at.length, 2 * this.buf.length, 1 << 20));
    const b = this.buf.subarray(0, at.length);
    let n = 0;
    while (n < at.length) n += readSync(this.fd!, b, n, at.length - n, at.offset + n);
    return b;
  }
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    if (this.file) unlinkSync(this.file);
    this.fd = undefined;
    this.buf = Buffer.alloc(0);
  }
}

/** One job's results as they arrive, and its end. */
export class Chunk {
  private readonly held: (ScanBatch | { readonly spilled: Spilled; readonly batch: ScanBatch; readonly lengths: Uint32Array | undefined })[] = [];
  done = 0;
  path = '';
  outcome?: { end: ScanJobEnd } | { failure: string };
  /** The source is being written: batches are delivered as they come, not spilled. */
  live = false;
  private listeners: (() => void)[] = [];

  constructor(private readonly spill?: Spill) {}

  /**
   * The next batch received and not yet delivered, in order; the chunk lets it go. A spilled one is read back: its
   * bytes, and the views of its texts that `batchFiles` gives, are valid until the next call (the building thread
   * writes a batch's rows before it takes the next).
   */
  takeBatch(): ScanBatch | undefined {
    const h = this.held.shift();
    if (!h || !('spilled' in h)) return h;
    const bytes = this.spill!.take(h.spilled);
    const files = bytes.subarray(0, h.spilled.rows);
    return h.lengths ? { ...h.batch, files, texts: { bytes: bytes.subarray(h.spilled.rows), lengths: h.lengths } } : { ...h.batch, files };
  }

  batch(b: ScanBatch): void {
    // the rows and their texts go to the spill file (the texts are most of a batch's bytes); the texts' lengths stay
    const spilled = !this.live && this.spill && b.files instanceof Uint8Array ? this.spill.put(b.files, b.texts?.bytes) : undefined;
    if (spilled) {
      const { texts, ...rest } = b;
      this.held.push({ spilled, batch: { ...rest, files: [] }, lengths: texts?.lengths });
    } else this.held.push(b);
    this.done = b.done;
    this.path = b.path;
    this.notify();
  }
  end(end: ScanJobEnd): void {
    this.outcome = { end };
    this.notify();
  }
  fail(failure: string): void {
    this.outcome = { failure };
    this.notify();
  }
  onChange(f: () => void): void {
    this.listeners.push(f);
  }
  private notify(): void {
    for (const f of this.listeners) f();
  }
}

/**
 * Hand a source's batches to `onFiles` in chunk (file) order as they arrive, reporting the files done so far; resolves
 * once every chunk has ended. A delivered batch is dropped: the build holds a result until written, no longer.
 */
function combine(chunks: readonly Chunk[], progress: Progress, onFiles: (files: readonly ScannedFile[], hashes: Readonly<Record<string, string>>) => void): Promise<SourceScanEnd> {
  return new Promise((resolve) => {
    let last = -1;
    let settled = false;
    let ci = 0;
    const check = (): void => {
      if (settled) return;
      const done = chunks.reduce((n, c) => n + c.done, 0);
      if (done !== last) {
        last = done;
        const at = [...chunks].reverse().find((c) => c.path)?.path ?? '';
        if (done > 0) progress.tick(done, at);
      }
      const failed = chunks.find((c) => c.outcome && 'failure' in c.outcome);
      if (!failed) {
        // deliver what is in order: the current chunk's batches, then the next chunk once this one has ended
        while (ci < chunks.length) {
          const c = chunks[ci]!;
          for (let b = c.takeBatch(); b; b = c.takeBatch()) onFiles(batchFiles(b), b.hashes);
          if (!c.outcome) break;
          ci++;
        }
      }
      if (!chunks.every((c) => c.outcome)) return;
      settled = true;
      const seconds = chunks.reduce((n, c) => n + (c.outcome && 'end' in c.outcome ? c.outcome.end.seconds : 0), 0);
      if (failed && failed.outcome && 'failure' in failed.outcome) {
        resolve({ failure: failed.outcome.failure, seconds });
        return;
      }
      const first = chunks[0]?.outcome;
      const jobs = chunks.flatMap((c) => (c.outcome && 'end' in c.outcome ? [{ thread: c.outcome.end.thread, startedAt: c.outcome.end.startedAt, endedAt: c.outcome.end.endedAt, files: c.done, heapMB: c.outcome.end.heapMB, cpuS: c.outcome.end.cpuS }] : []));
      resolve({ diagnostics: first && 'end' in first ? first.end.diagnostics : [], seconds, jobs });
    };
    for (const c of chunks) {
      c.live = true;
      c.onChange(check);
    }
    check();
  });
}
