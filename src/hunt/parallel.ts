/**
 * A hunt over worker threads, for large inputs: the main thread reads and cuts the input into values (not parsing
 * them, nor making a string of them: a line's bytes are copied into the batch, which is moved to a worker whole),
 * sends them in batches to the workers in turn (each compiled the rules once), and gives back each batch's outcome
 * in input order, so the session counts, aggregates and reports exactly as it does on one thread. Events per second
 * per core divide by the cores used (the process's CPU time covers every thread).
 */
import { statSync } from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../catalog/workerEntry.ts';
import type { Truth } from '../model/evaluate.ts';
import type { Explained, HuntEngine, HuntRule } from './engine.ts';
import { notJson, readEventBatches, type BadInput, type EventPosition, type InputCounts } from './events.ts';
import { RESULT, type WorkerBatch, type WorkerReply, type WorkerSetup } from './huntWorker.ts';

/** A result not explained (`--no-explain`). */
const NOTHING_MATCHED = { matched: [], seen: [], held: [] } as const;

const ENTRY = workerEntry(import.meta.url, 'huntWorker');

/** A batch is sent once it holds this many bytes, whatever its number of values. */
const MAX_BATCH_BYTES = 32 * 1024 * 1024;
/** The batch buffer's starting size (and the size it goes back to after a batch of long values). */
const PACKER_START = 1 << 20;

/** No event was sent back for a value (an event itself may be any JSON value, null included). */
const NO_EVENT = Symbol('no event');

/** Inputs this large or larger (bytes on disk; a `.gz` file counted 8 times) run on worker threads by default. */
export const AUTO_WORKERS_MIN_BYTES = 256 * 1024 * 1024;
/** Most worker threads chosen by default: each holds every rule compiled (about 200 MB with SigmaHQ's). */
export const AUTO_WORKERS_MAX = 4;
/** Free memory counted for each worker when the default is chosen. */
export const AUTO_WORKER_BYTES = 512 * 1024 * 1024;
/** How much larger than its file a gzip file's JSON is taken to be (logs compress 5 to 20 times). */
const GZIP_FACTOR = 8;

/**
 * How many worker threads a hunt of these inputs runs on when `--workers` does not say: none for standard input,
 * for inputs under AUTO_WORKERS_MIN_BYTES, or with one core; else one per core, at most AUTO_WORKERS_MAX and as many
 * as free memory holds at AUTO_WORKER_BYTES each. `inputBytes`: the estimate it went by (undefined: standard input).
 */
export function autoWorkers(
  files: readonly string[],
  machine: { readonly cores: number; readonly freeBytes: number } = { cores: os.availableParallelism(), freeBytes: os.freemem() },
): { readonly workers: number; readonly inputBytes: number | undefined } {
  let bytes = 0;
  for (const f of files) {
    if (f === '-') return { workers: 0, inputBytes: undefined };
    const st = statSync(f, { throwIfNoEntry: false });
    if (st?.isFile()) bytes += f.endsWith('.gz') ? st.size * GZIP_FACTOR : st.size;
  }
  if (bytes < AUTO_WORKERS_MIN_BYTES || machine.cores < 2) return { workers: 0, inputBytes: bytes };
  return { workers: Math.max(0, Math.min(machine.cores, AUTO_WORKERS_MAX, Math.floor(machine.freeBytes / AUTO_WORKER_BYTES))), inputBytes: bytes };
}

/** One event's outcome, as the session handles it. */
export interface RunItem {
  readonly kind: 'run';
  readonly pos: EventPosition;
  /** The event, when an aggregating rule has a result on it. */
  readonly event?: unknown;
  readonly logSources: readonly string[];
  readonly results: readonly ({ readonly rule: HuntRule; readonly truth: Truth } & Explained)[];
}

export interface ParallelOptions {
  readonly workers: number;
  readonly explain: boolean;
  /** Values per batch sent to a worker. */
  readonly batch?: number;
}

export async function* runParallel(engine: HuntEngine, files: readonly string[], counts: InputCounts, opts: ParallelOptions): AsyncGenerator<(RunItem | BadInput)[]> {
  // the exclusions too: a worker sends the event of a result they apply to (they are not rules: the indexes hold)
  const exclusions = [...engine.exclusions.values()].flatMap((xs) => xs.map((x) => x.rule));
  // the rules as written: a worker's engine makes their other readings as this one did (same order, same indexes)
  // and the correlations, so that a worker sends the events of the rules they correlate
  const setup: WorkerSetup = { rules: [...engine.rules.filter((hr) => hr.of === undefined).map((hr) => hr.rule), ...exclusions, ...engine.correlations], opts: engine.options, explain: opts.explain };
  const pool = Array.from({ length: Math.max(1, opts.workers) }, () => new Worker(ENTRY, { execArgv: [], workerData: setup, env: process.env }));
  const waiting = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();
  let failure: Error | undefined;
  for (const w of pool) {
    w.on('message', (r: WorkerReply) => {
      const p = waiting.get(r.id);
      waiting.delete(r.id);
      p?.resolve(r);
    });
    const fail = (e: Error) => {
      failure ??= e;
      for (const p of waiting.values()) p.reject(e);
      waiting.clear();
    };
    w.on('error', fail);
    // a reply that cannot be read back would otherwise leave its batch waiting for ever
    w.on('messageerror', (e) => fail(new Error(`a hunt worker's reply could not be read: ${e.message}`)));
    w.on('exit', (code) => {
      if (code !== 0) fail(new Error(`hunt worker stopped (exit code ${code})`));
    });
  }
  /** A batch sent: each item's place (its bytes went to the worker), and the worker's reply. */
  type Sent = { readonly items: readonly (RawSlot | BadInput)[]; readonly reply: Promise<WorkerReply | undefined> };
  const inflight: Sent[] = [];
  let nextId = 0;
  const packer = new Packer();
  let items: (RawSlot | BadInput)[] = [];
  const send = (): void => {
    let reply: Promise<WorkerReply | undefined> = Promise.resolve(undefined);
    if (packer.count) {
      if (failure) throw failure;
      const id = nextId++;
      reply = new Promise<WorkerReply>((resolve, reject) => waiting.set(id, { resolve, reject }));
      const { bytes, ends } = packer.take();
      const msg: WorkerBatch = { id, bytes, ends };
      // the bytes are moved, not copied
      pool[id % pool.length]!.postMessage(msg, [bytes]);
    }
    inflight.push({ items, reply });
    items = [];
  };
  // each worker's log-source lists, by the numbers it gave them
  const lsTables: (readonly string[])[][] = pool.map(() => []);
  const settle = async (entry: Sent): Promise<(RunItem | BadInput)[]> => {
    const r = await entry.reply;
    if (!r) return entry.items as BadInput[];
    engine.stats.evaluations += r.evaluations;
    engine.stats.unrouted += r.unrouted;
    const table = lsTables[r.id % pool.length]!;
    for (const l of r.newLogSources) table.push(l);
    const { results: res, matched, seen, held, ls } = r;
    let j = 0; // the value's place in the batch
    let k = 0; // the next result
    let e = 0; // the next parse error
    let ev = 0; // the next event sent back
    let dep = 0; // the next "depends on" list
    return entry.items.map((it): RunItem | BadInput => {
      if (it.kind === 'bad') return it;
      const at = j++;
      if (ls[at] === -1) return notJson(it.pos, r.errors[e++]);
      const results: RunItem['results'][number][] = [];
      for (; k < res.length && res[k] === at; k += RESULT) {
        const n = k / RESULT;
        const rule = engine.rules[res[k + 1]!]!;
        const from = k === 0 ? 0 : res[k - 1]!;
        const dependsOn = dep < r.dependsOn.length && r.dependsOn[dep]![0] === n ? r.dependsOn[dep++]![1] : [];
        const texts = opts.explain ? engine.matchedTexts(rule, matched.subarray(from, res[k + 3]!), seen.slice(from, res[k + 3]!), held.slice(from, res[k + 3]!)) : NOTHING_MATCHED;
        results.push({ rule, truth: res[k + 2] === 1 ? true : 'unknown', matched: texts.matched, seen: texts.seen, held: texts.held, dependsOn });
      }
      const event = ev < r.events.length && r.events[ev]![0] === at ? r.events[ev++]![1] : NO_EVENT;
      return { kind: 'run', pos: it.pos, ...(event !== NO_EVENT ? { event } : {}), logSources: table[ls[at]!]!, results };
    });
  };
  const size = opts.batch ?? 500;
  try {
    for await (const chunk of readEventBatches(files, counts, { raw: true })) {
      // a raw value's bytes are a view of the chunk just read: copied into the batch at once
      for (const it of chunk) {
        if (it.kind === 'raw') {
          packer.add(it.text);
          items.push({ kind: 'raw', pos: it.pos });
        } else items.push(it);
      }
      // a batch is also cut by its bytes (values may be up to 16 MiB each)
      if (items.length < size && packer.bytes < MAX_BATCH_BYTES) continue;
      send();
      while (inflight.length >= 2 * pool.length) yield await settle(inflight.shift()!);
    }
    if (items.length) send();
    while (inflight.length) yield await settle(inflight.shift()!);
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

/** A value sent to a worker: where it was read. */
interface RawSlot {
  readonly kind: 'raw';
  readonly pos: EventPosition;
}

/**
 * The values of a batch as one buffer of UTF-8 bytes and where each ends: moved to the worker whole (one transfer,
 * no string made per value on this thread, none cloned).
 */
class Packer {
  private buf = Buffer.allocUnsafe(PACKER_START);
  private used = 0;
  private ends: number[] = [];

  get count(): number {
    return this.ends.length;
  }

  get bytes(): number {
    return this.used;
  }

  add(text: string | Buffer): void {
    const n = typeof text === 'string' ? Buffer.byteLength(text) : text.length;
    if (this.used + n > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.used + n));
      this.buf.copy(grown, 0, 0, this.used);
      this.buf = grown;
    }
    this.used += typeof text === 'string' ? this.buf.write(text, this.used) : text.copy(this.buf, this.used);
    this.ends.push(this.used);
  }

  /** The batch so far (its own ArrayBuffer, to be transferred), and a fresh start. */
  take(): { bytes: ArrayBuffer; ends: Int32Array } {
    const bytes = new ArrayBuffer(this.used);
    new Uint8Array(bytes).set(this.buf.subarray(0, this.used));
    const ends = Int32Array.from(this.ends);
    this.used = 0;
    this.ends = [];
    // a buffer grown for long values is not kept for the rest of the input
    if (this.buf.length > PACKER_START) this.buf = Buffer.allocUnsafe(PACKER_START);
    return { bytes, ends };
  }
}
