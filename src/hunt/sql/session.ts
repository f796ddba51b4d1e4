/**
 * A hunt run by DuckDB (`detwiki hunt --engine duckdb`): the same rules as the in-process engine (`HuntEngine`:
 * conditions, log sources, --all / --logsource), the events loaded into DuckDB file by file (`duckdb.ts`), the
 * rules run in batches of SQL (`query.ts`), and the same hits, may-fire and summary as `session.ts`. Hits are
 * emitted in event order; explaining a hit (the predicates that matched) and aggregations (thresholds over event
 * time) read the hit events back and use the in-process code, so they are the same as the memory engine's.
 * A hit's position is the file and the record number in it (`line`: for JSON lines without blank lines, the line).
 */
import type { Truth } from '../../model/evaluate.ts';
import { AggregateState, eventTime, planAggregation } from '../aggregate.ts';
import type { HuntEngine, HuntRule } from '../engine.ts';
import type { BadInput } from '../events.ts';
import { recogniseLogSources } from '../recognise.ts';
import { hitRule, type Hit, type HuntSummary, type RuleTally, type SessionOptions } from '../session.ts';
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
    // log sources of every event (counts by log source)
    const byLs = new Map<string, { events: number; hits: number }>();
    const tallies = new Map<HuntRule, RuleTally>();
    const aggregates = new Map<HuntRule, AggregateState | { unsupported: string }>();
    for (const hr of engine.rules) if (hr.rule.logic.aggregation) {
      const p = planAggregation(hr.rule.logic.aggregation, hr.rule.format);
      aggregates.set(hr, 'unsupported' in p ? p : new AggregateState(p));
    }
    const tally = (hr: HuntRule): RuleTally => {
      let t = tallies.get(hr);
      if (!t) tallies.set(hr, (t = { rule: hitRule(hr.rule), hits: 0, mayFire: 0, dependsOn: [] }));
      return t;
    };
    const posOf = (idx: number) => {
      let lo = 0;
      for (let i = 0; i < starts.length; i++) if (starts[i]!.start <= idx) lo = i;
      const s = starts[lo]!;
      return { file: s.file, line: idx - s.start + 1, index: idx };
    };
    const order = new Map(engine.rules.map((hr, i) => [hr, i]));
    let lastTime = 0;
    const CHUNK = 2000;
    for (let a = 0; a < duck.events; a += CHUNK) {
      const r = await duck.conn.runAndReadAll(`SELECT rowid, ev FROM dw_events WHERE rowid >= ${a} AND rowid < ${a + CHUNK} ORDER BY rowid`);
      for (const row of r.getRows()) {
        const idx = Number(row[0]);
        const results = perEvent.get(idx) ?? [];
        const event = JSON.parse(String(row[1])) as unknown;
        const logSources = opts.forceLogSources ?? recogniseLogSources(event);
        if (opts.onProgress && (idx + 1) % 10_000 === 0) opts.onProgress(idx + 1);
        for (const ls of logSources.length ? logSources : ['(unrecognised)']) {
          let s = byLs.get(ls);
          if (!s) byLs.set(ls, (s = { events: 0, hits: 0 }));
          s.events++;
          if (results.some((x) => x.truth === true)) s.hits++;
        }
        if (!results.length) continue;
        results.sort((x, y) => order.get(x.rule)! - order.get(y.rule)!);
        const pos = posOf(idx);
        for (const res of results) {
          const agg = aggregates.get(res.rule);
          let truth: Truth = res.truth;
          let extra: Partial<Hit> = {};
          if (agg) {
            if ('unsupported' in agg) {
              truth = 'unknown';
              extra = { dependsOn: [agg.unsupported] };
            } else if (res.truth === true) {
              const resolve = engine.resolvers[res.rule.resolverIndex]!;
              const t = eventTime(event, resolve) ?? lastTime;
              lastTime = t;
              const fired = agg.add(event, t, resolve);
              if (!fired) continue;
              extra = { group: fired.key, count: fired.count };
            } else continue;
          }
          const t = tally(res.rule);
          const ex = opts.explain === false ? { matched: [], dependsOn: [] } : engine.explain(res.rule, event);
          const type: Hit['type'] = truth === true ? (agg ? 'aggregate' : 'hit') : 'may_fire';
          if (truth === true) t.hits++;
          else {
            t.mayFire++;
            for (const dd of extra.dependsOn ?? ex.dependsOn) if (t.dependsOn.length < 5 && !t.dependsOn.includes(dd)) t.dependsOn.push(dd);
          }
          if (!t.first) t.first = pos;
          opts.onHit?.({ type, rule: t.rule, pos, logSources, matched: ex.matched, ...(truth !== true ? { dependsOn: extra.dependsOn ?? ex.dependsOn } : {}), ...extra });
        }
      }
    }
    const byTech = new Map<string, { hits: number; rules: number }>();
    for (const t of tallies.values()) {
      if (!t.hits) continue;
      for (const id of t.rule.attack) {
        const s = byTech.get(id) ?? { hits: 0, rules: 0 };
        s.hits += t.hits;
        s.rules++;
        byTech.set(id, s);
      }
    }
    let aggUnsupported = 0;
    for (const a of aggregates.values()) if ('unsupported' in a) aggUnsupported++;
    const unrouted = byLs.get('(unrecognised)')?.events ?? 0;
    return {
      counts: { files: files.length, lines: duck.events, events: duck.events, bad: badCount },
      seconds: (performance.now() - t0) / 1000,
      rules: { loaded: engine.stats.rules, runnable: engine.rules.length, withoutLogSource: engine.stats.withoutLogSource, notRunnable: engine.stats.notRunnable, aggregating: aggregates.size, aggregationUnsupported: aggUnsupported },
      evaluations: rules.length * duck.events,
      unroutedEvents: opts.all ? 0 : unrouted,
      byRule: [...tallies.values()].sort((a, b) => b.hits - a.hits || b.mayFire - a.mayFire || a.rule.id.localeCompare(b.rule.id)),
      byTechnique: [...byTech.entries()].map(([technique, s]) => ({ technique, ...s })).sort((a, b) => b.hits - a.hits || a.technique.localeCompare(b.technique)),
      byLogSource: [...byLs.entries()].map(([logSource, s]) => ({ logSource, ...s })).sort((a, b) => b.events - a.events || a.logSource.localeCompare(b.logSource)),
      bad,
      duckdbSeconds: { load: loadSeconds, rules: rulesSeconds },
    };
  } finally {
    duck.close();
  }
}
