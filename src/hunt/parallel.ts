/**
 * A hunt over worker threads, for large inputs: the main thread reads and cuts the input into values (not parsing
 * them), sends them in batches of lines to the workers in turn (each compiled the rules once), and gives back each
 * batch's outcome in input order, so the session counts, aggregates and reports exactly as it does on one thread.
 * Events per second per core divide by the cores used (the process's CPU time covers every thread).
 */
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../catalog/workerEntry.ts';
import type { Truth } from '../model/evaluate.ts';
import type { HuntEngine, HuntRule } from './engine.ts';
import { notJson, readEventBatches, type BadInput, type EventPosition, type InputCounts, type RawEvent } from './events.ts';
import type { WorkerBatch, WorkerReply, WorkerSetup } from './huntWorker.ts';

const ENTRY = workerEntry(import.meta.url, 'huntWorker');

/** One event's outcome, as the session handles it. */
export interface RunItem {
  readonly kind: 'run';
  readonly pos: EventPosition;
  /** The event, when an aggregating rule has a result on it. */
  readonly event?: unknown;
  readonly logSources: readonly string[];
  readonly results: readonly { readonly rule: HuntRule; readonly truth: Truth; readonly matched: readonly string[]; readonly dependsOn: readonly string[] }[];
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
  const setup: WorkerSetup = { rules: [...engine.rules.map((hr) => hr.rule), ...exclusions], opts: engine.options, explain: opts.explain };
  const pool = Array.from({ length: Math.max(1, opts.workers) }, () => new Worker(ENTRY, { execArgv: [], workerData: setup }));
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
    w.on('exit', (code) => {
      if (code !== 0) fail(new Error(`hunt worker stopped (exit code ${code})`));
    });
  }
  const inflight: { items: (RawEvent | BadInput)[]; reply: Promise<WorkerReply | undefined> }[] = [];
  let nextId = 0;
  const send = (items: (RawEvent | BadInput)[]): void => {
    const texts: string[] = [];
    for (const it of items) if (it.kind === 'raw') texts.push(it.text);
    let reply: Promise<WorkerReply | undefined> = Promise.resolve(undefined);
    if (texts.length) {
      if (failure) throw failure;
      const id = nextId++;
      reply = new Promise<WorkerReply>((resolve, reject) => waiting.set(id, { resolve, reject }));
      const msg: WorkerBatch = { id, texts };
      pool[id % pool.length]!.postMessage(msg);
    }
    inflight.push({ items, reply });
  };
  const settle = async (entry: { items: (RawEvent | BadInput)[]; reply: Promise<WorkerReply | undefined> }): Promise<(RunItem | BadInput)[]> => {
    const r = await entry.reply;
    if (r) {
      engine.stats.evaluations += r.evaluations;
      engine.stats.unrouted += r.unrouted;
    }
    let j = 0;
    return entry.items.map((it): RunItem | BadInput => {
      if (it.kind === 'bad') return it;
      const o = r!.out[j++]!;
      if ('error' in o) return notJson(it.pos, o.error);
      const results = o.results.map((x) => ({ rule: engine.rules[x.i]!, truth: x.truth, matched: x.matched, dependsOn: x.dependsOn }));
      return { kind: 'run', pos: it.pos, ...('event' in o ? { event: o.event } : {}), logSources: o.logSources, results };
    });
  };
  const size = opts.batch ?? 500;
  try {
    let batch: (RawEvent | BadInput)[] = [];
    for await (const chunk of readEventBatches(files, counts, { raw: true })) {
      for (const it of chunk) batch.push(it);
      if (batch.length < size) continue;
      send(batch);
      batch = [];
      while (inflight.length >= 2 * pool.length) yield await settle(inflight.shift()!);
    }
    if (batch.length) send(batch);
    while (inflight.length) yield await settle(inflight.shift()!);
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
