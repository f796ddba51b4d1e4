/**
 * A hunt worker thread (`parallel.ts`): compiles the rules once, then for each batch of value texts parses each,
 * runs the engine and explains the results, and answers with the results by rule index (the main thread's engine
 * has the same rules in the same order), the event itself when an aggregating rule needs it, and the counts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Truth } from '../model/evaluate.ts';
import type { RuleRecord } from '../model/rule.ts';
import { HuntEngine, type HuntOptions, type HuntRule } from './engine.ts';
import type { EventPosition } from './events.ts';

/** What the main thread sends: the rules and options at start, then batches. */
export interface WorkerSetup {
  readonly rules: readonly RuleRecord[];
  readonly opts: HuntOptions;
  readonly explain: boolean;
}
export interface WorkerBatch {
  readonly id: number;
  readonly texts: readonly string[];
}

/** One value's outcome: a parse error, or the engine's results. */
export type WorkerEvent =
  | { readonly error: string }
  | {
      readonly logSources: readonly string[];
      readonly results: readonly { readonly i: number; readonly truth: Truth; readonly matched: readonly string[]; readonly dependsOn: readonly string[] }[];
      /** The parsed event, when a result is of an aggregating rule (counted on the main thread) or one exclusions apply to. */
      readonly event?: unknown;
    };

export interface WorkerReply {
  readonly id: number;
  readonly out: readonly WorkerEvent[];
  readonly evaluations: number;
  readonly unrouted: number;
}

/** Parse and run one value text. */
export function runText(engine: HuntEngine, index: Map<HuntRule, number>, explain: boolean, text: string): WorkerEvent {
  let event: unknown;
  try {
    event = JSON.parse(text) as unknown;
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
  const { logSources, results } = engine.run(event);
  let aggregating = false;
  const rs = results.map((r) => {
    // the main thread counts aggregations and applies exclusions: it needs the event for either
    if (r.rule.rule.logic.aggregation || engine.excludable(r.rule.rule)) aggregating = true;
    const ex = explain ? engine.explain(r.rule, event, r.truth) : { matched: [], dependsOn: [] };
    return { i: index.get(r.rule)!, truth: r.truth, matched: ex.matched, dependsOn: ex.dependsOn };
  });
  return { logSources, results: rs, ...(aggregating ? { event } : {}) };
}

export type { EventPosition };

if (parentPort) {
  const setup = workerData as WorkerSetup;
  const engine = new HuntEngine(setup.rules, setup.opts);
  const index = new Map(engine.rules.map((hr, i) => [hr, i]));
  const port = parentPort;
  port.on('message', (m: WorkerBatch) => {
    const e0 = engine.stats.evaluations;
    const u0 = engine.stats.unrouted;
    const out = m.texts.map((t) => runText(engine, index, setup.explain, t));
    const reply: WorkerReply = { id: m.id, out, evaluations: engine.stats.evaluations - e0, unrouted: engine.stats.unrouted - u0 };
    port.postMessage(reply);
  });
}
