/**
 * A hunt run by DuckDB (`detwiki hunt --engine duckdb`): the same rules as the in-process engine (`HuntEngine`:
 * conditions, log sources, --all / --logsource), the events loaded into DuckDB file by file (`duckdb.ts`), the
 * rules run in batches of SQL (`query.ts`), and the same hits, may-fire and summary as `session.ts`. Hits are
 * emitted in event order; explaining a hit (the predicates that matched) and aggregations (thresholds over event
 * time) read the hit events back and use the in-process code, so they are the same as the memory engine's.
 * A hit's position is the file and the record number in it (`line`: for JSON lines without blank lines, the line).
 */
import { closeSync, createWriteStream, mkdtempSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Truth } from '../../model/evaluate.ts';
import type { HuntEngine, HuntRule } from '../engine.ts';
import { isGzip, type BadInput } from '../events.ts';
import { recogniseLogSources } from '../recognise.ts';
import { huntReporter, type HuntSummary, type SessionOptions } from '../session.ts';
import { DuckEngine, type DuckOptions } from './duckdb.ts';
import { DUCKDB } from './dialects.ts';
import { sqlGaps } from './generate.ts';
import { batchWeight, type SqlRule } from './query.ts';

export interface DuckSessionOptions extends SessionOptions {
  /** Rules per SQL query (one scan of the events each). */
  readonly batch?: number;
  readonly duck?: DuckOptions;
  readonly forceLogSources?: readonly string[];
  readonly all?: boolean;
  /** Called after each batch with the rules done. */
  readonly onBatch?: (done: number, total: number) => void;
}

/** A rule DuckDB could not run (alone, after its batch was split): left out of the hunt, with DuckDB's error. */
export interface DuckFailure {
  readonly rule: { readonly id: string };
  readonly error: string;
}

export async function huntDuckdb(
  engine: HuntEngine,
  files: readonly string[],
  opts: DuckSessionOptions = {},
): Promise<HuntSummary & { readonly duckdbSeconds: { load: number; rules: number }; readonly duckdbFailed: readonly DuckFailure[] }> {
  const t0 = performance.now();
  const duck = await DuckEngine.open(opts.duck);
  try {
    const bad: BadInput[] = [];
    const starts: { file: string; start: number; lines?: Int32Array }[] = [];
    let badCount = 0;
    for (const input of files) {
      const start = duck.events;
      // DuckDB reads files: standard input is copied to one first (as the memory engine names it, `<stdin>`)
      const spool = input === '-' ? await spoolStdin() : undefined;
      const f = spool ? '<stdin>' : input;
      const r = await duck.load(spool?.file ?? input);
      if (spool) rmSync(spool.dir, { recursive: true, force: true });
      if (r.error) {
        badCount++;
        const b: BadInput = { kind: 'bad', pos: { file: f, line: 0 }, code: /could not|No files|IO Error/i.test(r.error) ? 'READ_ERROR' : 'NOT_JSON', message: `DuckDB could not read the file (no event of it is hunted): ${r.error}` };
        if (bad.length < (opts.keepBad ?? 100)) bad.push(b);
        opts.onBad?.(b);
      } else {
        starts.push({ file: f, start, ...(r.lines ? { lines: r.lines } : {}) });
        // a file read line by line (a Linux audit log): its lines that are not events, each with its line
        badCount += r.badCount ?? 0;
        for (const b of r.bad ?? []) {
          const at = spool ? { ...b, pos: { ...b.pos, file: f } } : b;
          if (bad.length < (opts.keepBad ?? 100)) bad.push(at);
          opts.onBad?.(at);
        }
      }
    }
    const loadSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    // every rule batch: the (event, rule, truth) triples that are not false
    // a rule none of whose log sources (or whose reading's) the events have is not run: its routing would leave it
    // out of every event, after DuckDB had planned its SQL
    const present = opts.all || opts.forceLogSources ? undefined : await duck.presentLogSources();
    const all = engine.rules.filter((hr) => opts.all || (hr.logSources.length > 0 && (!present || (hr.logSources.some((l) => present.has(l)) && (hr.onlyWith === undefined || present.has(hr.onlyWith))))));
    const rules = opts.all || opts.forceLogSources ? all : byLogSource(all);
    // every (event, rule, truth) not false, as one number each (event index, rule order, truth bit), sorted at the end:
    // 8 bytes a result where an object each and a list per event took about ten times that until the last batch
    if (duck.events >= 2 ** 30 || engine.rules.length >= RULE_BITS) throw new Error(`the DuckDB engine hunts at most 2^30 events with at most ${RULE_BITS - 1} rules`);
    const found = new GrowableF64();
    const size = opts.batch ?? 50;
    const failures: { readonly hr: HuntRule; readonly error: string }[] = [];
    // two batches at once, each on a connection of its own (one plans while the other plans or runs)
    const conns = await duck.connections(DUCK_LANES);
    // a batch DuckDB cannot run is split (its memory grows with a query's SQL: fifty Sigma rules' SQL, 348 KB, went
    // past the 1 GB limit over 50 events); a rule it cannot run alone is reported, never the whole hunt
    await runInBatches(
      rules,
      size,
      (batch, lane) =>
        duck.runBatch(
          batch.map((hr) => sqlRuleOf(hr, opts.all === true)),
          opts.forceLogSources ? { forceLogSources: opts.forceLogSources } : {},
          conns[lane],
        ),
      (batch, rows) => {
        for (const row of rows) for (const h of row.hits) found.push(resultKey(row.idx, batch[Math.abs(h) - 1]!.index, h > 0));
      },
      (hr, e) => failures.push({ hr, error: (e instanceof Error ? e.message : String(e)).split('\n')[0]! }),
      opts.onBatch,
      { weight: (hr) => batchWeight(DUCKDB, { format: hr.readAs ?? hr.rule.format, condition: hr.condition }), max: BATCH_SQL_MAX },
      conns.length,
    );
    // in rule order, whichever lane met them
    const failed: DuckFailure[] = failures.sort((a, b) => a.hr.index - b.hr.index).map((f) => ({ rule: { id: f.hr.rule.id }, error: f.error }));
    const rulesSeconds = (performance.now() - t1) / 1000;
    const report = huntReporter(engine, opts);
    const posOf = (idx: number) => {
      let lo = 0;
      for (let i = 0; i < starts.length; i++) if (starts[i]!.start <= idx) lo = i;
      const s = starts[lo]!;
      // a file read line by line (an audit log): the event's own line, and whether it is a document made of records
      const l = s.lines?.[idx - s.start];
      if (l !== undefined) return { file: s.file, line: Math.abs(l), index: idx, ...(l < 0 ? { made: true as const } : {}) };
      return { file: s.file, line: idx - s.start + 1, index: idx };
    };
    const keys = found.sorted();
    let at = 0;
    let unrouted = 0;
    const CHUNK = 2000;
    for (let a = 0; a < duck.events; a += CHUNK) {
      const r = await duck.conn.runAndReadAll(`SELECT rowid, ev FROM dw_events WHERE rowid >= ${a} AND rowid < ${a + CHUNK} ORDER BY rowid`);
      for (const row of r.getRows()) {
        const idx = Number(row[0]);
        // this event's results, in rule order (the keys are sorted by event, then rule)
        const results: { rule: HuntRule; truth: Truth }[] = [];
        const event = JSON.parse(String(row[1])) as unknown;
        for (; at < keys.length && keyEvent(keys[at]!) <= idx; at++) {
          if (keyEvent(keys[at]!) < idx) continue;
          const k = keys[at]!;
          const rule = engine.rules[keyRule(k)]!;
          // SQL's NULL: a rule whose result is SQL-style null (MQL) is no match, as in memory
          if (k % 2 === 1 && engine.nullNoMatch(rule, event)) continue;
          results.push({ rule, truth: k % 2 === 0 ? true : 'unknown' });
        }
        const logSources = opts.forceLogSources ?? recogniseLogSources(event);
        if (!logSources.length) unrouted++;
        if (opts.onProgress && (idx + 1) % 10_000 === 0) opts.onProgress(idx + 1);
        report.event(posOf(idx), event, logSources, results, (i) => {
          const ex = engine.explain(results[i]!.rule, event, results[i]!.truth);
          // unknown in SQL where the memory engine has nothing undecided: a part SQL does not write (named), else a
          // value DuckDB cannot test as it does
          if (results[i]!.truth !== 'unknown' || ex.dependsOn.length) return ex;
          const gaps = sqlGaps(results[i]!.rule.condition, DUCKDB);
          return { ...ex, dependsOn: gaps.length ? gaps.map((g) => `not written in SQL: ${g}`) : [SQL_UNDECIDED] };
        });
      }
    }
    return {
      ...report.summary({
        counts: { files: files.length, lines: duck.events, events: duck.events, bad: badCount },
        seconds: (performance.now() - t0) / 1000,
        evaluations: rules.length * duck.events,
        unroutedEvents: opts.all ? 0 : unrouted,
        bad,
      }),
      duckdbSeconds: { load: loadSeconds, rules: rulesSeconds },
      duckdbFailed: failed,
    };
  } finally {
    duck.close();
  }
}

/** A hunt's rule as the SQL of a batch runs it: its condition, its log sources (unless every rule runs on every event), its readings. */
export function sqlRuleOf(hr: HuntRule, all = false): SqlRule {
  return {
    // a reading read through another language's field resolution (`HuntRule.readAs`) takes its resolver kind
    format: hr.readAs ?? hr.rule.format,
    condition: hr.condition,
    ...(all ? {} : { logSources: hr.logSources }),
    ...(hr.onlyWith !== undefined ? { onlyWith: hr.onlyWith } : {}),
    ...(hr.unless?.length ? { unless: hr.unless } : {}),
  };
}

/**
 * Rules in the order they are batched: grouped by their log sources and readings (in rule order within a group), so that a
 * batch reads only the events of a few log sources (`batchQuerySql` filters on the stored `dw_ls`) and resolves
 * fewer distinct fields.
 */
export function byLogSource<R extends { readonly logSources: readonly string[]; readonly index: number; readonly onlyWith?: string }>(rules: readonly R[]): R[] {
  // a rule's other readings (`onlyWith`) in batches of their own, which read only the events they apply to
  const key = new Map(rules.map((r) => [r, `${r.logSources.join('\n')}\u0000${r.onlyWith ?? ''}`]));
  return [...rules].sort((a, b) => (key.get(a)! < key.get(b)! ? -1 : key.get(a)! > key.get(b)! ? 1 : a.index - b.index));
}

/**
 * `items` run `size` at a time by `run`, each batch's result given to `done`; a batch `run` throws on is split in
 * halves and run again, down to single items, and an item that throws alone is given to `failed`. `onBatch` after
 * each batch of `size` (items done, items in all).
 */
export async function runInBatches<T, R>(
  items: readonly T[],
  size: number,
  run: (batch: readonly T[], lane: number) => Promise<R>,
  done: (batch: readonly T[], result: R) => void,
  failed: (item: T, error: unknown) => void,
  onBatch?: (done: number, total: number) => void,
  limit?: { readonly weight: (item: T) => number; readonly max: number },
  lanes = 1,
): Promise<void> {
  const attempt = async (batch: readonly T[], lane: number): Promise<void> => {
    let result: R;
    try {
      result = await run(batch, lane);
    } catch (e) {
      if (batch.length === 1) return failed(batch[0]!, e);
      const half = batch.length >> 1;
      await attempt(batch.slice(0, half), lane);
      await attempt(batch.slice(half), lane);
      return;
    }
    done(batch, result);
  };
  // consecutive items, at most `size` of them and (with a limit) of at most `max` weight together (one item at least);
  // each item weighed once
  const weights = limit ? items.map(limit.weight) : undefined;
  const batches: (readonly T[])[] = [];
  for (let b = 0; b < items.length; ) {
    let e = b + 1;
    if (!weights) e = Math.min(b + size, items.length);
    else for (let w = weights[b]!; e < items.length && e - b < size && w + weights[e]! <= limit!.max; e++) w += weights[e]!;
    batches.push(items.slice(b, e));
    b = e;
  }
  // `lanes` batches at a time, each lane taking the next batch when its own is done (in order with one lane)
  let next = 0;
  let doneItems = 0;
  const lane = async (l: number): Promise<void> => {
    for (let i = next++; i < batches.length; i = next++) {
      await attempt(batches[i]!, l);
      doneItems += batches[i]!.length;
      onBatch?.(doneItems, items.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, batches.length)) }, (_, l) => lane(l)));
}

/** Batches a DuckDB hunt runs at once (`runInBatches`' lanes), each on its own connection. */
export const DUCK_LANES = 2;

/** SQL a batch's rules may have together (`batchWeight`): fifty Sigma rules are about 250 KB. */
export const BATCH_SQL_MAX = 512 * 1024;

/** Standard input copied to a temporary file (named `.gz` when it starts with gzip's magic bytes: DuckDB tells by the name). */
async function spoolStdin(): Promise<{ dir: string; file: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'detwiki-stdin-'));
  const raw = path.join(dir, 'stdin');
  await pipeline(process.stdin, createWriteStream(raw));
  const head = Buffer.alloc(2);
  const fd = openSync(raw, 'r');
  const n = readSync(fd, head, 0, 2, 0);
  closeSync(fd);
  const file = path.join(dir, isGzip(head.subarray(0, n)) ? 'stdin.json.gz' : 'stdin.json');
  renameSync(raw, file);
  return { dir, file };
}

/** Rules of one hunt, at most (a result key holds a rule's order in 21 bits). */
const RULE_BITS = 2 ** 21;

/** A result as one number: event index, then rule order, then 0 (true) or 1 (unknown); exact below 2^30 events. */
const resultKey = (event: number, rule: number, isTrue: boolean): number => (event * RULE_BITS + rule) * 2 + (isTrue ? 0 : 1);
const keyEvent = (k: number): number => Math.floor(k / (2 * RULE_BITS));
const keyRule = (k: number): number => Math.floor(k / 2) % RULE_BITS;

/** An append-only list of numbers in a typed array that doubles as it fills. */
class GrowableF64 {
  private buf = new Float64Array(1024);
  private n = 0;
  push(x: number): void {
    if (this.n === this.buf.length) {
      const b = new Float64Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
    }
    this.buf[this.n++] = x;
  }
  /** The numbers in ascending order. */
  sorted(): Float64Array {
    return this.buf.subarray(0, this.n).sort();
  }
}

/** Why a result is unknown in DuckDB only (`derive.ts`: values whose engine functions differ from the evaluator's). */
export const SQL_UNDECIDED = 'a value DuckDB cannot test as the memory engine does (the text of a fraction or an object, JSON it reads otherwise…): the memory engine decides it';
