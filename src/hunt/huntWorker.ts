/**
 * A hunt worker thread (`parallel.ts`): compiles the rules once, then for each batch (the values' bytes, moved to it
 * whole) parses each value, runs the engine and explains the results, and answers in flat arrays (`WorkerReply`):
 * results by rule index and matched predicates by number (the main thread's engine has the same rules in the same
 * order and renders them), log-source lists by number, the event itself when an aggregating rule or an exclusion
 * needs it, and the counts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RuleRecord } from '../model/rule.ts';
import { HuntEngine, type HuntOptions } from './engine.ts';
import type { EventPosition } from './events.ts';

/** What the main thread sends: the rules and options at start, then batches. */
export interface WorkerSetup {
  readonly rules: readonly RuleRecord[];
  readonly opts: HuntOptions;
  readonly explain: boolean;
}
export interface WorkerBatch {
  readonly id: number;
  /** The values' UTF-8 bytes one after the other (moved, not copied), and where each ends. */
  readonly bytes: ArrayBuffer;
  readonly ends: Int32Array;
}

/**
 * A batch's outcome, in flat arrays (one transfer of a few typed arrays rather than an object per value and per
 * result, which the main thread then had to rebuild and collect).
 */
export interface WorkerReply {
  readonly id: number;
  /** Per value: the number of its log-source list in this worker's table (`newLogSources`), or -1 when it did not parse. */
  readonly ls: Int32Array<ArrayBuffer>;
  /** Log-source lists first met in this batch: they take the table's next numbers. */
  readonly newLogSources: readonly (readonly string[])[];
  /** The parse error of each value that did not parse, in order. */
  readonly errors: readonly string[];
  /**
   * Results in value order, `RESULT` numbers each: the value's place in the batch, the rule's index, its truth (1:
   * true, 2: unknown), and where its matched predicates end in `matched`.
   */
  readonly results: Int32Array<ArrayBuffer>;
  /** The matched predicates of the results, by their number in the rule (`HuntEngine.matchedTexts`). */
  readonly matched: Int32Array<ArrayBuffer>;
  /** What the event had for each of `matched` (`Explained.seen`), in the same order. */
  readonly seen: readonly string[];
  /** Which value of each of `matched` held (`Explained.held`), in the same order. */
  readonly held: readonly (string | null)[];
  /** The "depends on" list of each result that has one: [its result number, the list]. */
  readonly dependsOn: readonly (readonly [number, readonly string[]])[];
  /**
   * The parsed event, for a value with a result of an aggregating rule (counted on the main thread), of a rule a
   * correlation correlates, or of one exclusions apply to.
   */
  readonly events: readonly (readonly [number, unknown])[];
  readonly evaluations: number;
  readonly unrouted: number;
}

/** Numbers a result takes in `WorkerReply.results`. */
export const RESULT = 4;

/** Runs the values of batches and writes their outcomes in the flat form of `WorkerReply`. */
export class BatchRunner {
  private readonly lsTable = new Map<string, number>();
  private lastList: readonly string[] | undefined;
  private lastNumber = -1;

  constructor(
    private readonly engine: HuntEngine,
    private readonly explain: boolean,
  ) {}

  run(id: number, texts: Iterable<string>): WorkerReply {
    const { engine } = this;
    const e0 = engine.stats.evaluations;
    const u0 = engine.stats.unrouted;
    const ls: number[] = [];
    const newLogSources: string[][] = [];
    const errors: string[] = [];
    const results: number[] = [];
    const matched: number[] = [];
    const seen: string[] = [];
    const held: (string | null)[] = [];
    const dependsOn: [number, string[]][] = [];
    const events: [number, unknown][] = [];
    let at = 0;
    for (const text of texts) {
      let event: unknown;
      try {
        event = JSON.parse(text) as unknown;
      } catch (e) {
        ls.push(-1);
        errors.push(e instanceof Error ? e.message : String(e));
        at++;
        continue;
      }
      const out = engine.run(event);
      // the same list as the last event's (recognition hands back one list per combination it has met): no lookup
      if (out.logSources !== this.lastList) {
        const key = out.logSources.join('\n');
        let n = this.lsTable.get(key);
        if (n === undefined) {
          this.lsTable.set(key, (n = this.lsTable.size));
          newLogSources.push([...out.logSources]);
        }
        this.lastList = out.logSources;
        this.lastNumber = n;
      }
      ls.push(this.lastNumber);
      let needEvent = false;
      for (const r of out.results) {
        // the main thread counts aggregations and applies exclusions: it needs the event for either
        if (r.rule.rule.logic.aggregation || engine.excludable(r.rule.rule) || engine.correlated(r.rule.rule)) needEvent = true;
        if (this.explain) {
          const ex = engine.explainAt(r.rule, event, r.truth);
          for (let i = 0; i < ex.matched.length; i++) {
            matched.push(ex.matched[i]!);
            seen.push(ex.seen[i]!);
            held.push(ex.held[i]!);
          }
          if (ex.dependsOn.length) dependsOn.push([results.length / RESULT, ex.dependsOn]);
        }
        results.push(at, r.rule.index, r.truth === true ? 1 : 2, matched.length);
      }
      if (needEvent) events.push([at, event]);
      at++;
    }
    return {
      id,
      ls: Int32Array.from(ls),
      newLogSources,
      errors,
      results: Int32Array.from(results),
      matched: Int32Array.from(matched),
      seen,
      held,
      dependsOn,
      events,
      evaluations: engine.stats.evaluations - e0,
      unrouted: engine.stats.unrouted - u0,
    };
  }
}

/** The values of a batch as text, one after the other. */
function* valuesOf(m: WorkerBatch): Generator<string> {
  const bytes = Buffer.from(m.bytes);
  for (let i = 0, from = 0; i < m.ends.length; from = m.ends[i++]!) yield bytes.toString('utf8', from, m.ends[i]!);
}

export type { EventPosition };

if (parentPort) {
  const setup = workerData as WorkerSetup;
  const runner = new BatchRunner(new HuntEngine(setup.rules, setup.opts), setup.explain);
  const port = parentPort;
  port.on('message', (m: WorkerBatch) => {
    const reply = runner.run(m.id, valuesOf(m));
    port.postMessage(reply, [reply.ls.buffer, reply.results.buffer, reply.matched.buffer]);
  });
}
