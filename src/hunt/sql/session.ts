/**
 * A hunt run by DuckDB (`detwiki hunt --engine duckdb`): the same rules as the in-process engine (`HuntEngine`:
 * conditions, log sources, --all / --logsource), the events loaded into DuckDB file by file (`duckdb.ts`), the
 * rules run in batches of SQL (`query.ts`), and the same hits, may-fire and summary as `session.ts`. Hits are
 * emitted in event order; explaining a hit (the predicates that matched) and aggregations (thresholds over event
 * time) read the hit events back and use the in-process code, so they are the same as the memory engine's.
 * A hit's position is the file and the record number in it (`line`: for JSON lines without blank lines, the line).
 */
import type { Truth } from '../../model/evaluate.ts';
import type { HuntEngine, HuntRule } from '../engine.ts';
import type { BadInput } from '../events.ts';
import { recogniseLogSources } from '../recognise.ts';
import { huntReporter, type HuntSummary, type SessionOptions } from '../session.ts';
import { DuckEngine, type DuckOptions } from './duckdb.ts';

export interface DuckSessionOptions extends SessionOptions {
  /** Rules per SQL query (one scan of the events each). */
  readonly batch?: number;
  readonly duck?: DuckOptions;
  readonly forceLogSources?: readonly string[];
  readonly all?: boolean;
  /** Called after each batch with the rules done. */
  readonly onBatch?: (done: number, total: number) => void;
}

export async function huntDuckdb(engine: HuntEngine, files: readonly string[], opts: DuckSessionOptions = {}): Promise<HuntSummary & { readonly duckdbSeconds: { load: number; rules: number } }> {
  const t0 = performance.now();
  const duck = await DuckEngine.open(opts.duck);
  try {
    const bad: BadInput[] = [];
    const starts: { file: string; start: number }[] = [];
    let badCount = 0;
    for (const f of files) {
      const start = duck.events;
      const r = await duck.load(f);
      if (r.error) {
        badCount++;
        const b: BadInput = { kind: 'bad', pos: { file: f, line: 0 }, code: /could not|No files|IO Error/i.test(r.error) ? 'READ_ERROR' : 'NOT_JSON', message: `DuckDB could not read the file (no event of it is hunted): ${r.error}` };
        if (bad.length < (opts.keepBad ?? 100)) bad.push(b);
        opts.onBad?.(b);
      } else starts.push({ file: f, start });
    }
    const loadSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    // every rule batch: the (event, rule, truth) triples that are not false
    const rules = engine.rules.filter((hr) => opts.all || hr.logSources.length > 0);
    const perEvent = new Map<number, { rule: HuntRule; truth: Truth }[]>();
    const size = opts.batch ?? 50;
    for (let b = 0; b < rules.length; b += size) {
      const batch = rules.slice(b, b + size);
      const rows = await duck.runBatch(
        batch.map((hr) => ({ format: hr.rule.format, condition: hr.condition, ...(opts.all ? {} : { logSources: hr.logSources }) })),
        opts.forceLogSources ? { forceLogSources: opts.forceLogSources } : {},
      );
      for (const row of rows) {
        let list = perEvent.get(row.idx);
        if (!list) perEvent.set(row.idx, (list = []));
        for (const h of row.hits) list.push({ rule: batch[Math.abs(h) - 1]!, truth: h > 0 ? true : 'unknown' });
      }
      opts.onBatch?.(Math.min(b + size, rules.length), rules.length);
    }
    const rulesSeconds = (performance.now() - t1) / 1000;
    const report = huntReporter(engine, opts);
    const posOf = (idx: number) => {
      let lo = 0;
      for (let i = 0; i < starts.length; i++) if (starts[i]!.start <= idx) lo = i;
      const s = starts[lo]!;
      return { file: s.file, line: idx - s.start + 1, index: idx };
    };
    const order = new Map(engine.rules.map((hr, i) => [hr, i]));
    let unrouted = 0;
    const CHUNK = 2000;
    for (let a = 0; a < duck.events; a += CHUNK) {
      const r = await duck.conn.runAndReadAll(`SELECT rowid, ev FROM dw_events WHERE rowid >= ${a} AND rowid < ${a + CHUNK} ORDER BY rowid`);
      for (const row of r.getRows()) {
        const idx = Number(row[0]);
        const results = (perEvent.get(idx) ?? []).sort((x, y) => order.get(x.rule)! - order.get(y.rule)!);
        const event = JSON.parse(String(row[1])) as unknown;
        const logSources = opts.forceLogSources ?? recogniseLogSources(event);
        if (!logSources.length) unrouted++;
        if (opts.onProgress && (idx + 1) % 10_000 === 0) opts.onProgress(idx + 1);
        report.event(posOf(idx), event, logSources, results, (i) => engine.explain(results[i]!.rule, event));
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
    };
  } finally {
    duck.close();
  }
}
