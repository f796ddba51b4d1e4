/**
 * The DuckDB engine of `detwiki hunt --engine duckdb`: embedded DuckDB (`@duckdb/node-api`, nothing to start).
 * Events are loaded once into a table `dw_events (dw_file, ev JSON, dw_ls)` (its rowid is the event's index; `dw_ls`
 * its log sources, recognised once at load: the recognition was half of a batch's time), file by file so that a bad file is
 * one error and the hunt goes on: JSON lines, JSON arrays and pretty-printed JSON sequences (gzip too) through
 * `read_json_objects` (each event one JSON value: heterogeneous and nested keys stay exactly as written, missing
 * stays missing), Parquet through `read_parquet` with each row turned into a JSON object (`to_json`). The table
 * spills to disk beyond the memory limit. Rules run in batches (`query.ts`), one scan per batch.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { closeSync, openSync, readSync } from 'node:fs';
import os from 'node:os';
import { constants, gunzipSync } from 'node:zlib';
import path from 'node:path';
import { looksLikeAuditRecord } from '../auditd.ts';
import { isGzip, readEventBatches, type BadInput, type InputCounts } from '../events.ts';
import { DUCKDB } from './dialects.ts';
import { batchQuerySql, duckJsonEventsSql, type SqlRule } from './query.ts';
import { logSourcesSql } from './route.ts';

export interface DuckOptions {
  /** DuckDB memory limit (default 1GB); the events table spills to a temp folder beyond it. */
  readonly memoryLimit?: string;
  readonly threads?: number;
}

export interface LoadedFile {
  readonly file: string;
  readonly events: number;
  readonly error?: string;
  /** Lines that are not events, where the file is read line by line (a Linux audit log): the first 100 of them. */
  readonly bad?: readonly BadInput[];
  /** How many such lines there were. */
  readonly badCount?: number;
  /**
   * Where the file is read line by line: each event's line (the line of an audit event's first record for its
   * Auditbeat document), its index in the file's events; negative for a document made of records (`EventPosition.made`).
   */
  readonly lines?: Int32Array;
}

export interface BatchRow {
  readonly idx: number;
  /** 1-based rule numbers of the batch: positive TRUE, negative unknown. */
  readonly hits: readonly number[];
  readonly event?: string;
}

/** Whether a line of a file's first 64 KB (`fileHead`) is a Linux audit record. */
const holdsAuditRecords = (head: string | undefined): boolean => head !== undefined && head.split('\n').some((l) => looksLikeAuditRecord(l.trimStart()));

/** The first 64 KB of a file as text (inflated when it is gzip); undefined when it cannot be read. */
function fileHead(file: string): string | undefined {
  try {
    const fd = openSync(file, 'r');
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    closeSync(fd);
    let head = buf.subarray(0, n);
    if (isGzip(head)) {
      try {
        head = gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
      } catch {
        return undefined;
      }
    }
    return head.toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * How DuckDB should read a JSON file, from its first 64 KB (`fileHead`): `array` when its first non-blank character is
 * `[`, else `unstructured` (JSON lines and pretty-printed values one after the other).
 */
const jsonLayout = (head: string | undefined): 'array' | 'unstructured' => (head?.trimStart().startsWith('[') ? 'array' : 'unstructured');

/** The events relation of the batch queries: the table's rowid is the index. */
const EVENTS = '(SELECT rowid AS dw_idx, ev, dw_ls FROM dw_events)';

/** Each event's canonical log sources, computed as it is loaded (the SQL made at first use). */
let logSources: string | undefined;
const LOG_SOURCES = (): string => (logSources ??= logSourcesSql(DUCKDB, 'ev'));

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The batch query's last filter (an event with a hit) would be pushed below the projection that makes the hit list,
 * with the whole list inlined into it: every rule's condition planned twice, and run twice for the events with hits.
 * Nothing else in these queries gains from the pushdown (every test is per row). Set on every connection.
 */
const FILTER_PUSHDOWN_OFF = "SET disabled_optimizers = 'filter_pushdown'";

/** A JSON file DuckDB read with values that are not objects (thrown to roll its rows back). */
class NotEvents extends Error {}

export class DuckEngine {
  private constructor(
    private readonly inst: DuckDBInstance,
    readonly conn: DuckDBConnection,
  ) {}

  static async open(opts: DuckOptions = {}): Promise<DuckEngine> {
    const inst = await DuckDBInstance.create(':memory:', {
      memory_limit: opts.memoryLimit ?? '1GB',
      temp_directory: path.join(os.tmpdir(), 'detwiki-duckdb'),
      ...(opts.threads ? { threads: String(opts.threads) } : {}),
    });
    const conn = await inst.connect();
    await conn.run(FILTER_PUSHDOWN_OFF);
    await conn.run('CREATE TABLE dw_events (dw_file VARCHAR, ev JSON, dw_ls VARCHAR[])');
    return new DuckEngine(inst, conn);
  }

  private count = 0;

  /** Events loaded so far. */
  get events(): number {
    return this.count;
  }

  /** Load one file (JSON / JSON lines / gzip of either, a Linux audit log, or Parquet by its extension or magic). */
  async load(file: string): Promise<LoadedFile> {
    const parquet = /\.parquet$/i.test(file);
    const head = parquet ? undefined : fileHead(file);
    if (holdsAuditRecords(head)) return this.loadByReader(file);
    let evColumn = false;
    if (parquet) {
      try {
        const cols = (await this.conn.runAndReadAll(`SELECT name FROM parquet_schema(${q(file)}) WHERE name <> 'duckdb_schema' AND num_children IS NULL`)).getRows().map((r) => String(r[0]));
        evColumn = cols.length === 1 && cols[0] === 'ev';
      } catch {
        evColumn = false;
      }
    }
    const src = parquet
      ? evColumn
        ? `(SELECT CAST(ev AS JSON) AS ev FROM read_parquet(${q(file)}))`
        : `(SELECT CAST(to_json(p) AS JSON) AS ev FROM read_parquet(${q(file)}) p)`
      : duckJsonEventsSql(file, jsonLayout(head));
    const before = this.count;
    await this.conn.run('BEGIN TRANSACTION');
    try {
      // no window function (it would hold the whole input): the table's rowid is the event's index
      await this.conn.run(`INSERT INTO dw_events SELECT ${q(file)}, ev, ${LOG_SOURCES()} FROM ${src}`);
      // DuckDB reads a JSON scalar or an array of them as a value: the reader below reports each as NOT_EVENT
      const notEvents = parquet ? 0 : Number((await this.conn.runAndReadAll(`SELECT count(*) FROM dw_events WHERE rowid >= ${before} AND json_type(ev) <> 'OBJECT'`)).getRows()[0]![0]);
      if (notEvents) throw new NotEvents();
      await this.conn.run('COMMIT');
      const r = await this.conn.runAndReadAll('SELECT count(*) FROM dw_events');
      this.count = Number(r.getRows()[0]![0]);
      return { file, events: this.count - before };
    } catch (e) {
      // the file's rows go with the transaction: the rowids of the next file's events follow on from this one's
      await this.conn.run('ROLLBACK');
      // DuckDB rejects a whole file for one line that is not JSON or not an event: the file is read as the memory
      // engine reads it instead, every line that is not an event reported at its line and the others hunted
      if (e instanceof NotEvents || (!parquet && /^(Invalid Input Error|Conversion Error)/.test((e as Error).message))) return this.loadByReader(file);
      return { file, events: 0, error: (e as Error).message.split('\n')[0]! };
    }
  }

  /**
   * A file read as the memory engine reads it (`readEventBatches`), its events appended: a Linux audit log (or a file
   * whose first 64 KB hold a record among JSON), which DuckDB does not read (each record one event, `auditd.ts`; JSON
   * as JSON), and a JSON file DuckDB rejects, or reads with values that are not events. A line that is not an event is
   * one bad line of the file, with its code; each event keeps its line.
   */
  private async loadByReader(file: string): Promise<LoadedFile> {
    const counts: InputCounts = { files: 0, lines: 0, events: 0, bad: 0 };
    const bad: BadInput[] = [];
    await this.conn.run('CREATE OR REPLACE TEMP TABLE dw_stage (dw_file VARCHAR, ev JSON)');
    const app = await this.conn.createAppender('dw_stage');
    let n = 0;
    let lines = new Int32Array(1024);
    for await (const batch of readEventBatches([file], counts)) {
      for (const item of batch) {
        if (item.kind === 'bad') {
          if (bad.length < 100) bad.push(item);
          continue;
        }
        if (n === lines.length) {
          const grown = new Int32Array(n * 2);
          grown.set(lines);
          lines = grown;
        }
        lines[n] = item.pos.made ? -item.pos.line : item.pos.line;
        n++;
        app.appendVarchar(file);
        app.appendVarchar(JSON.stringify(item.event));
        app.endRow();
      }
    }
    app.closeSync();
    await this.conn.run(`INSERT INTO dw_events SELECT dw_file, ev, ${LOG_SOURCES()} FROM dw_stage`);
    await this.conn.run('DROP TABLE dw_stage');
    this.count += n;
    return { file, events: n, bad, badCount: counts.bad, lines: lines.subarray(0, n) };
  }

  /** Every log source some loaded event is recognised as. */
  async presentLogSources(): Promise<ReadonlySet<string>> {
    const rows = (await this.conn.runAndReadAll('SELECT DISTINCT unnest(dw_ls) FROM dw_events')).getRows();
    return new Set(rows.map((r) => String(r[0])));
  }

  /** Load events given in memory (tests). */
  async loadValues(events: readonly unknown[], file = '(memory)'): Promise<void> {
    // appended to a staging table, then inserted with their log sources: an UPDATE of the list column afterwards
    // moved the rows (the tests' events came back under other indexes), and a rowid is an event's index
    await this.conn.run('CREATE OR REPLACE TEMP TABLE dw_stage (dw_file VARCHAR, ev JSON)');
    const app = await this.conn.createAppender('dw_stage');
    for (const e of events) {
      this.count++;
      app.appendVarchar(file);
      app.appendVarchar(JSON.stringify(e));
      app.endRow();
    }
    app.closeSync();
    await this.conn.run(`INSERT INTO dw_events SELECT dw_file, ev, ${LOG_SOURCES()} FROM dw_stage`);
    await this.conn.run('DROP TABLE dw_stage');
  }

  /** Patterns DuckDB's RE2 accepts (checked once each). */
  private readonly regexCache = new Map<string, boolean>();
  async checkRegexes(patterns: Iterable<string>, conn: DuckDBConnection = this.conn): Promise<void> {
    for (const p of patterns) {
      if (this.regexCache.has(p)) continue;
      try {
        await conn.run(`SELECT regexp_matches('', ${q(p)})`);
        this.regexCache.set(p, true);
      } catch {
        this.regexCache.set(p, false);
      }
    }
  }
  regexOk = (p: string): boolean => this.regexCache.get(p) ?? true;

  /** Run one batch of rules over the loaded events (on `conn`: this engine's connection, or one of `connection()`'s). */
  async runBatch(rules: readonly SqlRule[], opts: { forceLogSources?: readonly string[]; withEvent?: boolean } = {}, conn: DuckDBConnection = this.conn): Promise<BatchRow[]> {
    const seen = new Set<string>();
    batchQuerySql(DUCKDB, rules, EVENTS, { ...opts, sourceHasLogSources: true, regexOk: (p) => (seen.add(p), true) });
    await this.checkRegexes(seen, conn);
    const sql = batchQuerySql(DUCKDB, rules, EVENTS, { ...opts, sourceHasLogSources: true, regexOk: this.regexOk });
    const reader = await conn.runAndReadAll(sql);
    const out: BatchRow[] = [];
    for (const row of reader.getRows()) {
      const hits = row[opts.withEvent ? 2 : 1] as { items: unknown[] } | null;
      out.push({ idx: Number(row[0]), hits: (hits?.items ?? []).map(Number), ...(opts.withEvent ? { event: String(row[1]) } : {}) });
    }
    return out;
  }

  private readonly others: DuckDBConnection[] = [];

  /**
   * Another connection to the loaded events, set as this engine's is: a batch runs on it while another is planned or
   * run on the first (DuckDB plans a query on one thread: two batches at once over the 238 Sigma regression events
   * took 3.37 s where one after the other took 5.94 s). Closed with the engine.
   */
  async connection(): Promise<DuckDBConnection> {
    const conn = await this.inst.connect();
    this.others.push(conn);
    await conn.run(FILTER_PUSHDOWN_OFF);
    return conn;
  }

  /** `n` connections (at least one): this engine's, then new ones (`connection`), one per lane of `runInBatches`. */
  async connections(n: number): Promise<DuckDBConnection[]> {
    return [this.conn, ...(await Promise.all(Array.from({ length: Math.max(0, n - 1) }, () => this.connection())))];
  }

  close(): void {
    for (const c of this.others) c.closeSync();
    this.conn.closeSync();
    this.inst.closeSync();
  }
}
