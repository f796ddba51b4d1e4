/**
 * One hunt: events read (`events.ts`) and run through the engine (`engine.ts`), aggregating rules counted
 * (`aggregate.ts`), hits streamed to a sink, and a summary by rule, technique and log source kept in memory
 * bounded by the number of rules (not of events).
 */
import type { FieldResolver, Truth } from '../model/evaluate.ts';
import { EventView } from '../model/compile.ts';
import { leaves } from '../model/expr.ts';
import type { Aggregation, MissingKeys, RuleRecord } from '../model/rule.ts';
import { aggregationDecides, MISSING_KEYS_WORDS, planAggregation, windowMs } from '../model/aggregate.ts';
import { CorrelationHunts } from './correlations.ts';
import { SidesState } from './sides.ts';
import { AggregateState, eventTime, missingKey, type Closed } from './aggregate.ts';
import type { Explained, HuntEngine, HuntRule } from './engine.ts';
import { auditNormalizationsNotice } from './auditNormalizations.ts';
import { readEventBatches, type BadInput, type EventPosition, type InputCounts } from './events.ts';
import { runParallel } from './parallel.ts';
import { vocabularyFor } from '../formats/vocabularies.ts';

/**
 * Why a group that passed may not be one (its result is then unknown), or undefined: it is the group of events
 * without a key (whether that is a group at all is the backend's choice), or an event it counted may not count (an
 * exclusion of its language may hold, its computed key could not be computed here).
 */
function groupDoubt(g: { readonly missing?: string; readonly uncertain?: readonly string[] }): readonly string[] | undefined {
  return g.missing !== undefined ? [MISSING_KEYS_WORDS.unknown(g.missing)] : g.uncertain;
}

/** The rule as a hit names it. */
export interface HitRule {
  readonly id: string;
  readonly nativeId?: string;
  readonly title: string;
  readonly format: string;
  readonly severity?: string;
  readonly attack: readonly string[];
}

export interface Hit {
  readonly type: 'hit' | 'may_fire' | 'aggregate';
  readonly rule: HitRule;
  readonly pos: EventPosition & { readonly index: number };
  readonly logSources: readonly string[];
  /** Predicates of the rule that hold on the event. */
  readonly matched: readonly string[];
  /**
   * What the event had where each matched predicate looked, in the same order: its operand's value as JSON text (cut
   * at `SEEN_MAX` characters), `missing`, or `unknown` (`model/evidence.ts`). Absent when nothing is listed as matched.
   */
  readonly seen?: readonly string[];
  /**
   * For each matched predicate, in the same order: which of its values held, as JSON text of the rule's value (cut at
   * `HELD_MAX` characters), when it has several values any one of which suffices; for a regular expression the text it
   * matched in the event's value (`matched "…"`); null otherwise (`model/evidence.ts` `heldBy`). Absent when nothing
   * is listed as matched.
   */
  readonly held?: readonly (string | null)[];
  /** For may_fire: what the outcome depends on. */
  readonly dependsOn?: readonly string[];
  /** The rule was read over the event's raw log with other field names (a reading: `FormatAdapter.huntReadings`). */
  readonly readAs?: string;
  /** For aggregate: the group key and the count that passed the threshold (none for a row kept per group). */
  readonly group?: string;
  readonly count?: number;
}

export interface RuleTally {
  readonly rule: HitRule;
  hits: number;
  mayFire: number;
  dependsOn: string[];
  first?: EventPosition & { index: number };
  /**
   * The values that held most often in the rule's explained hits (`Hit.held`, each matched predicate's), with how
   * many hits each held in: the first `HELD_LISTED`, most often first. Counted among the first `HELD_DISTINCT`
   * distinct values of the rule. Absent when no hit named one.
   */
  held?: { value: string; hits: number }[];
}

/** Values a rule's tally lists as those that held most often (`RuleTally.held`). */
const HELD_LISTED = 5;
/** Distinct values counted per rule (a rule that holds on every event's own value would grow without bound). */
const HELD_DISTINCT = 1000;

export interface HuntSummary {
  readonly counts: InputCounts;
  readonly seconds: number;
  readonly rules: { loaded: number; runnable: number; withoutLogSource: number; notRunnable: number; notOnTheirOwn: number; aggregating: number; aggregationUnsupported: number };
  /** Events an exclusion kept from its language's rules, and the hits and may-fires it so kept out (`exclusionsOn`). */
  readonly excluded: { events: number; results: number };
  readonly evaluations: number;
  readonly unroutedEvents: number;
  readonly byRule: RuleTally[];
  readonly byTechnique: { technique: string; hits: number; rules: number }[];
  readonly byLogSource: { logSource: string; events: number; hits: number }[];
  readonly bad: BadInput[];
  /** Correlations of rules' matches the hunt could not run (a rule they correlate is not among its rules). */
  readonly correlationsNotRun?: readonly { readonly id: string; readonly why: string }[];
  /** What the input's reading lacked: Auditbeat's documents made without go-libaudit's normalizations. */
  readonly notices?: readonly string[];
}

export function hitRule(r: RuleRecord): HitRule {
  const attack = [...new Set(r.attack.flatMap((a) => (a.techniqueId ? [a.techniqueId] : [])).concat(r.attackDeclared.flatMap((d) => (d.techniqueId ? [d.techniqueId] : []))))];
  return { id: r.id, ...(r.nativeId ? { nativeId: r.nativeId } : {}), title: r.title, format: r.format, ...(r.severity ? { severity: r.severity } : {}), attack };
}

export interface SessionOptions {
  /** Called for each hit (and may-fire) as it is found. */
  readonly onHit?: (h: Hit) => void;
  readonly onBad?: (b: BadInput) => void;
  readonly onProgress?: (events: number) => void;
  /** Explain hits (the predicates that matched, for `onHit`; not computed without it); costs one more evaluation per hit. Default true. */
  readonly explain?: boolean;
  /** Bad-input entries kept in the summary (all are counted). */
  readonly keepBad?: number;
  /** Run the engine on this many worker threads (the main thread reads); 0 or absent: on the main thread. */
  readonly workers?: number;
}

const UNRECOGNISED = ['(unrecognised)'];
const NOTHING: Explained = { matched: [], seen: [], held: [], dependsOn: [] };

/** An event's results as an engine gives them: the rules not false, each true or unknown. */
export type EventResults = readonly { readonly rule: HuntRule; readonly truth: Truth }[];

/**
 * What every hunt engine does with an event's results (the in-process engine here, DuckDB in `sql/session.ts`):
 * counted by log source, aggregated where the rule counts over time, tallied per rule, explained and reported; and
 * the summary made from it.
 */
export interface HuntReporter {
  /** One event: `explain(i)` gives what the predicates of `results[i]` matched. */
  event(pos: Hit['pos'], event: unknown, logSources: readonly string[], results: EventResults, explain: (i: number) => Explained): void;
  summary(s: Pick<HuntSummary, 'counts' | 'seconds' | 'evaluations' | 'unroutedEvents' | 'bad'>): HuntSummary;
}

/** What a group decided when its window closes keeps of its last event, to report it then. */
interface LastEvent {
  readonly rule: HuntRule;
  readonly pos: Hit['pos'];
  readonly logSources: readonly string[];
  readonly explain: () => Explained;
}

type Aggregating = AggregateState<LastEvent> | SidesState | { unsupported: string };

/**
 * The log sources of each side's events, from the side's tables (KQL: `Vocabulary.huntLogSources` of a rule reading
 * only that side's tables); undefined for a side that names none, or in a language whose sides name no tables.
 */
function sideLogSources(rule: RuleRecord, a: Aggregation): (ReadonlySet<string> | undefined)[] {
  const vocab = rule.format === 'kusto' ? vocabularyFor(rule.format) : undefined;
  const of = vocab?.huntLogSources ?? vocab?.logSources;
  return (a.sides ?? []).map((side) => {
    if (!of || !side.sources?.length) return undefined;
    const ls = of({ ...rule, logSources: side.sources.map((name) => ({ kind: 'table', name })) });
    return ls.length ? new Set(ls) : undefined;
  });
}

/** The aggregation a rule or reading counts: a reading's own (its fields by the events' names), else the rule's. */
const aggregationOf = (hr: HuntRule): Aggregation | undefined => hr.aggregation ?? hr.rule.logic.aggregation;

export function huntReporter(engine: HuntEngine, opts: SessionOptions): HuntReporter {
  const tallies = new Map<HuntRule, RuleTally>();
  // correlations of rules' matches: fed the results of the rules they correlate, decided at the end
  const correlations = new CorrelationHunts(engine.correlations, engine.rules.filter((hr) => hr.of === undefined).map((hr) => hr.rule));
  const correlationTallies = new Map<RuleRecord, RuleTally>();
  const byLs = new Map<string, { events: number; hits: number }>();
  const aggregates = new Map<HuntRule, Aggregating>();
  // aggregations decided when their windows close: tested as event time moves on, and at the end
  const atClose: AggregateState<LastEvent>[] = [];
  // multi-event rules read the event's fields through one view per resolver, reset at each event
  const sidesViews = new Map<FieldResolver, EventView>();
  const sidesView = (resolve: FieldResolver) => (event: unknown): EventView => {
    let v = sidesViews.get(resolve);
    if (!v) sidesViews.set(resolve, (v = new EventView(event, resolve)));
    else if (v.event !== event) v.reset(event);
    return v;
  };
  // an aggregation without a threshold (`summarize count() by k`, `stats count by k`) has a result row for every
  // group with a matching event: its row hits are hits; a threshold, new terms or sides are counted or reported as
  // may fire
  // a rule's other readings (`HuntRule.of`) share its tallies, and its aggregation unless they read it themselves
  // (`HuntRule.aggregation`: counted apart)
  for (const hr of engine.rules) {
    const a = aggregationOf(hr);
    if ((hr.of !== undefined && !hr.aggregation) || !a || !(aggregationDecides(a) || a.sides?.length)) continue;
    if (a.sides?.length && !aggregationDecides(a)) {
      // a multi-event rule: its events are paired as they come (`sides.ts`)
      const resolve = engine.resolvers[hr.resolverIndex]!;
      aggregates.set(hr, new SidesState(a.sides, windowMs(a.window), resolve, (e) => eventTime(e, resolve), sidesView(resolve), a.missingKeys === 'zero', sideLogSources(hr.rule, a)));
      continue;
    }
    const p = planAggregation(a);
    const st = 'unsupported' in p ? p : new AggregateState<LastEvent>(p);
    aggregates.set(hr, st);
    if (st instanceof AggregateState && st.plan.atClose) atClose.push(st);
  }
  // what a true row-level condition does not settle: the rule's missing parts that are neither opaque leaves of
  // its condition (those make the condition unknown) nor its aggregation when the hunt counts it (`aggregate.ts`)
  const pending: (readonly string[] | undefined)[] = [];
  const pendingOf = (hr: HuntRule): readonly string[] => {
    let p = pending[hr.index];
    if (p) return p;
    const L = hr.rule.logic;
    const leavesOf = new Set<string>();
    for (const l of leaves(hr.condition)) if (l.kind === 'opaque') leavesOf.add(`${l.text}\u0000${l.reason}`);
    const agg = aggregates.get(hr.aggregation ? hr : engine.asWritten(hr));
    const counted = agg !== undefined && !('unsupported' in agg);
    // each reason once (the branches of a union, say, are each missing for the same reason)
    p = L.completeness === 'complete' ? [] : [...new Set(L.missing.filter((m) => !(m.kind === 'opaque' && leavesOf.has(`${m.text}\u0000${m.reason}`)) && !(counted && m.kind === 'aggregation')).map((m) => m.reason))];
    pending[hr.index] = p;
    return p;
  };
  let lastTime = 0;
  // per rule, by its index (an array read per result instead of map lookups)
  const tallyOf: (RuleTally | undefined)[] = [];
  const aggregateOf: (Aggregating | undefined)[] = [];
  for (const [hr, a] of aggregates) aggregateOf[hr.index] = a;
  for (const hr of engine.rules) if (hr.of !== undefined && !hr.aggregation) aggregateOf[hr.index] = aggregateOf[engine.asWritten(hr).index];
  // an aggregation without a threshold whose language leaves out events without a group-by key (`stats count by
  // user`): such an event makes no result row
  // (a key that is the first of several fields the event has, `coalesce` without a derivation: Splunk's `rename
  // properties.* as *`, is missing where all are)
  const keysOf: ({ readonly groupBy: readonly string[]; readonly coalesced: readonly { readonly name: string; readonly fields: readonly string[] }[]; readonly mode: MissingKeys } | undefined)[] = [];
  for (const hr of engine.rules) {
    const a = aggregationOf(hr);
    const coalesced = (a?.derivedKeys ?? []).flatMap((d) => (d.coalesce && !d.derived && !d.cases && d.missingAs === undefined ? [{ name: d.name, fields: [d.field, ...d.coalesce] }] : []));
    if (a && !aggregationDecides(a) && !a.sides?.length && (a.groupBy.length || coalesced.length) && a.missingKeys && a.missingKeys !== 'group') keysOf[hr.index] = { groupBy: a.groupBy, coalesced, mode: a.missingKeys };
  }
  const tally = (hr: HuntRule): RuleTally => {
    let t = tallyOf[hr.index];
    if (!t) {
      const own = engine.asWritten(hr);
      t = tallyOf[own.index];
      if (!t) tallies.set(own, (t = tallyOf[own.index] = { rule: hitRule(own.rule), hits: 0, mayFire: 0, dependsOn: [] }));
      tallyOf[hr.index] = t;
    }
    return t;
  };
  // the log-source tallies of an event's list of log sources (the engine hands the same list for the same combination)
  let lastSources: readonly string[] | undefined;
  let lastTallies: { events: number; hits: number }[] = [];
  const lsTallies = (logSources: readonly string[]): { events: number; hits: number }[] => {
    if (logSources === lastSources) return lastTallies;
    const out: { events: number; hits: number }[] = [];
    for (const ls of logSources.length ? logSources : UNRECOGNISED) {
      let s = byLs.get(ls);
      if (!s) byLs.set(ls, (s = { events: 0, hits: 0 }));
      out.push(s);
    }
    lastSources = logSources;
    lastTallies = out;
    return out;
  };
  const excluded = { events: 0, results: 0 };
  // per event: the exclusions of each language that has results (`HuntEngine.exclusionsOn`); they keep events from
  // the language's detection rules (Sublime's: "excluded from analysis by the detection rules")
  const exclusionsOf = new Map<string, ReturnType<HuntEngine['exclusionsOn']>>();
  const exclusionOf = (r: RuleRecord, event: unknown): ReturnType<HuntEngine['exclusionsOn']> => {
    const format = r.format;
    if (!engine.excludable(r)) return undefined;
    if (!exclusionsOf.has(format)) exclusionsOf.set(format, engine.exclusionsOn(format, event));
    return exclusionsOf.get(format);
  };
  // the values that held in each rule's hits, counted (RuleTally.held)
  const heldCounts = new Map<RuleTally, Map<string, number>>();
  const countHeld = (t: RuleTally, held: readonly (string | null)[]): void => {
    let m: Map<string, number> | undefined;
    for (let i = 0; i < held.length; i++) {
      const h = held[i]!;
      // a value that held in two predicates of one hit counts once for it
      if (h === null || held.indexOf(h) < i) continue;
      if (!m && !(m = heldCounts.get(t))) heldCounts.set(t, (m = new Map()));
      const n = m.get(h);
      if (n !== undefined) m.set(h, n + 1);
      else if (m.size < HELD_DISTINCT) m.set(h, 1);
    }
  };
  /** A result in its rule's tally: a hit (and the values that held in it), or a may-fire and (the first five of) what it depends on. */
  const count = (t: RuleTally, truth: Truth, dependsOn: readonly string[], pos: Hit['pos'], held?: readonly (string | null)[]): void => {
    if (truth === true) {
      t.hits++;
      if (held?.length) countHeld(t, held);
    } else {
      t.mayFire++;
      for (const d of dependsOn) if (t.dependsOn.length < 5 && !t.dependsOn.includes(d)) t.dependsOn.push(d);
    }
    if (!t.first) t.first = pos;
  };
  /** Report one result: tallied, and to the sink (explained there). */
  const emit = (hr: HuntRule, truth: Truth, extra: Partial<Hit>, aggregate: boolean, pos: Hit['pos'], logSources: readonly string[], explain: () => Explained): void => {
    if (truth === true && pendingOf(hr).length) {
      // the event passes the row-level condition, but the rule also does what the model leaves out
      truth = 'unknown';
      extra = { ...extra, dependsOn: pendingOf(hr).slice(0, 5) };
    }
    const t = tally(hr);
    const ex = opts.explain === false || (truth === true && !opts.onHit) ? NOTHING : explain(); // matched predicates only for a sink
    const type: Hit['type'] = truth === true ? (aggregate ? 'aggregate' : 'hit') : 'may_fire';
    count(t, truth, extra.dependsOn ?? ex.dependsOn, pos, ex.held);
    opts.onHit?.({ type, rule: t.rule, pos, logSources, matched: ex.matched, ...(ex.matched.length ? { seen: ex.seen, held: ex.held } : {}), ...(truth !== true ? { dependsOn: extra.dependsOn ?? ex.dependsOn } : {}), ...(hr.reading ? { readAs: hr.reading } : {}), ...extra });
  };
  /** A group whose window closed and that passed: reported at its last event. */
  const emitClosed = (c: Closed<LastEvent>): void => {
    const { rule, pos, logSources, explain } = c.last;
    const doubt = groupDoubt(c);
    emit(rule, doubt ? 'unknown' : true, { group: c.key, ...(c.count !== undefined ? { count: c.count } : {}), ...(doubt ? { dependsOn: doubt } : {}) }, true, pos, logSources, explain);
  };
  // the latest event time an aggregating rule read: windows that end before it have closed
  let closedUntil = -Infinity;
  const closeUntil = (time: number): void => {
    if (time <= closedUntil) return;
    closedUntil = time;
    let closed: Closed<LastEvent>[] | undefined;
    for (const st of atClose) {
      const cs = st.closeUntil(time);
      if (cs.length) (closed ??= []).push(...cs);
    }
    if (closed) emitAllClosed(closed);
  };
  /** Groups of several rules' closed windows, reported in the order of their last events (then of the rules). */
  const emitAllClosed = (cs: Closed<LastEvent>[]): void => {
    if (cs.length > 1) cs.sort((a, b) => a.last.pos.index - b.last.pos.index);
    for (const c of cs) emitClosed(c);
  };
  return {
    event(pos, event, logSources, results, explain) {
      let anyHit = false;
      let kept = 0;
      exclusionsOf.clear();
      for (let i = 0; i < results.length; i++) {
        if (results[i]!.truth !== true) continue;
        if (exclusionOf(results[i]!.rule.rule, event)?.holds) continue;
        anyHit = true;
      }
      const lt = lsTallies(logSources);
      for (let i = 0; i < lt.length; i++) {
        lt[i]!.events++;
        if (anyHit) lt[i]!.hits++;
      }
      for (let i = 0; i < results.length; i++) {
        const r = results[i]!;
        const agg = aggregateOf[r.rule.index];
        let truth: Truth = r.truth;
        let extra: Partial<Hit> = {};
        const ex0 = exclusionOf(r.rule.rule, event);
        if (ex0?.holds) {
          kept++;
          continue;
        }
        if (ex0 && truth === true) {
          // a hit unless one of the language's exclusions holds, which the hunt cannot tell
          truth = 'unknown';
          extra = { dependsOn: ex0.may.slice(0, 5).map((x) => `not excluded by ${x.id}`) };
        }
        if (correlations.active && engine.correlated(r.rule.rule)) {
          const resolve = engine.resolvers[r.rule.resolverIndex]!;
          correlations.add(r.rule.rule, truth === true && pendingOf(r.rule).length ? 'unknown' : truth, event, eventTime(event, resolve), pos, logSources, resolve);
        }
        if (agg instanceof SidesState) {
          // every event a side wants is kept; one that completes a binding of the sides fires
          const res = agg.add(event, `${pos.file}:${pos.line}`, logSources);
          if (!res) continue;
          if (res.truth === true) extra = { group: res.positions.join(', '), count: res.positions.length };
          else {
            truth = 'unknown';
            extra = { dependsOn: [res.why ?? 'the pairing of the sides cannot be decided'] };
          }
        } else if (agg) {
          if ('unsupported' in agg) {
            truth = 'unknown';
            extra = { dependsOn: [agg.unsupported] };
          } else if (r.truth === true) {
            const resolve = engine.resolvers[r.rule.resolverIndex]!;
            const t = eventTime(event, resolve) ?? lastTime;
            lastTime = t;
            if (atClose.length) closeUntil(t);
            if (agg.plan.atClose) {
              // counted now, tested when its window closes (`emitClosed`)
              agg.addAll(event, t, resolve, { rule: r.rule, pos, logSources, explain: () => explain(i) }, extra.dependsOn);
              for (const c of agg.closed()) emitClosed(c);
              continue;
            }
            // each group the event passes (one, unless a key has several values on it)
            for (const fired of agg.addAll(event, t, resolve)) {
              const doubt = groupDoubt(fired);
              emit(r.rule, doubt ? 'unknown' : truth, { group: fired.key, count: fired.count, ...(doubt ? { dependsOn: doubt } : {}) }, true, pos, logSources, () => explain(i));
            }
            continue;
          } else continue; // an unknown row of an aggregation is not reported per event
        } else if (keysOf[r.rule.index]) {
          const { groupBy, coalesced, mode } = keysOf[r.rule.index]!;
          const resolve = engine.resolvers[r.rule.resolverIndex]!;
          const first = (fields: readonly string[]): unknown => {
            for (const f of fields) {
              const v = resolve(event, f);
              if (v !== undefined && v !== null) return v;
            }
            return undefined;
          };
          const values = [...groupBy.map((f) => resolve(event, f)), ...coalesced.map((c) => first(c.fields))];
          const missing = missingKey([...groupBy, ...coalesced.map((c) => c.name)], values, mode);
          if (missing !== undefined) {
            if (mode !== 'unknown') continue;
            truth = 'unknown';
            extra = { ...extra, dependsOn: [MISSING_KEYS_WORDS.unknown(missing)] };
          }
        }
        emit(r.rule, truth, extra, !!agg, pos, logSources, () => explain(i));
      }
      if (kept) {
        excluded.events++;
        excluded.results += kept;
      }
    },
    summary(s) {
      // the end of the input closes every window
      emitAllClosed(atClose.flatMap((st) => st.closeAll()));
      for (const o of correlations.finish()) {
        let t = correlationTallies.get(o.rule);
        if (!t) correlationTallies.set(o.rule, (t = { rule: hitRule(o.rule), hits: 0, mayFire: 0, dependsOn: [] }));
        count(t, o.truth, o.dependsOn ?? [], o.pos);
        const type: Hit['type'] = o.truth === true ? 'aggregate' : 'may_fire';
        opts.onHit?.({ type, rule: t.rule, pos: o.pos, logSources: o.logSources, matched: [], ...(o.group !== undefined ? { group: o.group } : {}), ...(o.count !== undefined ? { count: o.count } : {}), ...(o.dependsOn ? { dependsOn: o.dependsOn } : {}) });
      }
      const allTallies = [...tallies.values(), ...correlationTallies.values()];
      for (const [t, m] of heldCounts)
        t.held = [...m]
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
          .slice(0, HELD_LISTED)
          .map(([value, hits]) => ({ value, hits }));
      const byTech = new Map<string, { hits: number; rules: number }>();
      for (const t of allTallies) {
        if (!t.hits) continue;
        for (const id of t.rule.attack) {
          const x = byTech.get(id) ?? { hits: 0, rules: 0 };
          x.hits += t.hits;
          x.rules++;
          byTech.set(id, x);
        }
      }
      let aggUnsupported = 0;
      for (const a of aggregates.values()) if ('unsupported' in a) aggUnsupported++;
      return {
        counts: s.counts,
        seconds: s.seconds,
        rules: { loaded: engine.stats.rules, runnable: engine.rules.filter((hr) => hr.of === undefined).length, withoutLogSource: engine.stats.withoutLogSource, notRunnable: engine.stats.notRunnable, notOnTheirOwn: engine.stats.notOnTheirOwn, aggregating: aggregates.size, aggregationUnsupported: aggUnsupported },
        excluded: { ...excluded },
        evaluations: s.evaluations,
        unroutedEvents: s.unroutedEvents,
        byRule: allTallies.sort((a, b) => b.hits - a.hits || b.mayFire - a.mayFire || a.rule.id.localeCompare(b.rule.id)),
        byTechnique: [...byTech.entries()].map(([technique, x]) => ({ technique, ...x })).sort((a, b) => b.hits - a.hits || a.technique.localeCompare(b.technique)),
        byLogSource: [...byLs.entries()].map(([logSource, x]) => ({ logSource, ...x })).sort((a, b) => b.events - a.events || a.logSource.localeCompare(b.logSource)),
        bad: s.bad,
        ...(correlations.notRun.length ? { correlationsNotRun: correlations.notRun.map((x) => ({ id: x.rule.id, why: x.why })) } : {}),
        ...withNotices(s.counts),
      };
    },
  };
}

/** The notices of a hunt's input (`HuntSummary.notices`). */
function withNotices(counts: InputCounts): { notices?: string[] } {
  const audit = counts.made ? auditNormalizationsNotice() : undefined;
  return audit ? { notices: [audit] } : {};
}

export async function hunt(engine: HuntEngine, files: readonly string[], opts: SessionOptions = {}): Promise<HuntSummary> {
  const t0 = performance.now();
  const counts: InputCounts = { files: 0, lines: 0, events: 0, bad: 0 };
  const bad: BadInput[] = [];
  const report = huntReporter(engine, opts);
  let index = 0;
  const onBad = (item: BadInput): void => {
    if (bad.length < (opts.keepBad ?? 100)) bad.push(item);
    opts.onBad?.(item);
  };
  const handle = (at: EventPosition, event: unknown, logSources: readonly string[], results: EventResults, explain: (i: number) => Explained): void => {
    const pos = { file: at.file, line: at.line, index: index++, ...(at.made ? { made: true as const } : {}) };
    if (opts.onProgress && index % 10_000 === 0) opts.onProgress(index);
    report.event(pos, event, logSources, results, explain);
  };
  if (opts.workers !== undefined && opts.workers > 0) {
    for await (const batch of runParallel(engine, files, counts, { workers: opts.workers, explain: opts.explain !== false })) {
      for (const item of batch) {
        if (item.kind === 'bad') onBad(item);
        else handle(item.pos, item.event, item.logSources, item.results, (i) => item.results[i]!);
      }
    }
  } else {
    for await (const batch of readEventBatches(files, counts)) {
      for (const item of batch) {
        if (item.kind === 'bad') {
          onBad(item);
          continue;
        }
        const { logSources, results } = engine.run(item.event);
        handle(item.pos, item.event, logSources, results, (i) => engine.explain(results[i]!.rule, item.event, results[i]!.truth));
      }
    }
  }
  return report.summary({ counts, seconds: (performance.now() - t0) / 1000, evaluations: engine.stats.evaluations, unroutedEvents: engine.stats.unrouted, bad });
}

/** ATT&CK Navigator layer (format 4.5) of the techniques that fired, scored by hits. */
export function navigatorLayer(s: HuntSummary): unknown {
  const max = Math.max(1, ...s.byTechnique.map((t) => t.hits));
  return {
    name: 'detection-wiki hunt',
    versions: { attack: '19', navigator: '5.1.0', layer: '4.5' },
    domain: 'enterprise-attack',
    description: `Techniques of the rules that fired on ${s.counts.events} events (${s.counts.files} files).`,
    sorting: 3,
    layout: { layout: 'side', aggregateFunction: 'max', showID: true, showName: true },
    techniques: s.byTechnique.map((t) => ({ techniqueID: t.technique, score: t.hits, comment: `${t.hits} hit(s) by ${t.rules} rule(s)`, enabled: true })),
    gradient: { colors: ['#ffffffff', '#ff9e80ff', '#c62828ff'], minValue: 0, maxValue: max },
    metadata: [{ name: 'generator', value: 'detection-wiki hunt' }],
  };
}
