/**
 * Aggregating rules in a hunt: the rule's row condition selects events, which are counted per group-by key over
 * event time in a sliding window, or per fixed bin (`plan.bins`: a bin alerts once); the rule fires when every
 * count of one alternative passes its threshold (then the group starts again). What is counted, and what cannot
 * be, is read by `planAggregation` (`src/model/aggregate.ts`). A plan with a test decided only when the window
 * closes (`plan.atClose`: exactly, fewer than, at most, other than N) counts per fixed window (the whole input
 * without one) and tests each group once its window has closed: when an event of a later window is counted
 * (`closeUntil` for the other rules' windows), and at the end of the input (`closeAll`). New terms
 * (`kind: 'new'`) fire on an event whose terms no selected event had within the window before it. One row kept per
 * group (`kind: 'keep'`, KQL `arg_max(TimeGenerated, *) by k | where …`): each group keeps its latest (earliest)
 * selected event by the `by` column until the window closes, and passes when that event meets the filter. A sum adds the
 * numbers of its field; a conditional count counts only the events meeting its condition. A function the plan does
 * not count (avg, temporal correlations…) is not computed: the rule's row hits are reported as "may fire" with the
 * reason.
 *
 * Event time is read from the usual timestamp fields (`TIME_FIELDS`); an event without one counts at the time of
 * the last event that had one. Windows: `30s`, `5m`, `1h`, `2d`, ISO `PT5M`; none means the whole input.
 */
import { compile, EventView, type Compiled } from '../model/compile.ts';
import { deriveValue, FAILED_NULL, Spread, UNKNOWN_OPERAND } from '../model/derive.ts';
import type { FieldResolver, Truth } from '../model/evaluate.ts';
import type { Operator } from '../model/expr.ts';
import type { AggregatePlan, Counted, CountTest } from '../model/aggregate.ts';
import type { DerivedKey, KeyCase, MissingKeys } from '../model/rule.ts';
import { isRecord } from '../model/isRecord.ts';
import { auditdTime } from './auditd.ts';

/** Where event time is found (first present wins). */
export const TIME_FIELDS: readonly string[] = ['Event.System.TimeCreated.#attributes.SystemTime', 'System.TimeCreated.#attributes.SystemTime', 'TimeCreated', 'UtcTime', 'eventTime', 'published', '@timestamp', 'timestamp', 'p_event_time', 'TimeGenerated', 'createdDateTime', 'time', 'created_at', 'metadata.event_timestamp', 'metadata.eventTimestamp'];

/**
 * One group's events in its window and its counts over them. The counts are kept as events come and leave (each event
 * is added once and taken off once): recounting the window's values at every event made a hunt quadratic in the events
 * of one group's window (one address failing logons 50,000 times in 30 minutes under a distinct count that stays at
 * 1: 44.8 s, now 2.6 s). Only a sliding window keeps its events' values (to take them off when they leave).
 */
interface Group {
  /** Sliding window: times of the group's events, oldest first; those from `head` on are in the window (the others left it). */
  times: number[];
  head: number;
  /** Per count, per event (as `times`): the counted value (JSON), '' when the test counts events, undefined when absent. */
  values: (string | undefined)[][];
  /**
   * Per count, over the window's events: the number of events (`count`), the sum (`sum`), or each distinct value with
   * the number of the window's events that have it (`distinct`).
   */
  acc: (number | Map<string, number>)[];
  /** Per sum: how many of the window's summands are not integers (then the sum is added again when one leaves). */
  fractions: number[];
  /** With bins: the bin counted now, and whether it has fired (a bin is one result row: it alerts once). */
  bin?: number;
  fired?: boolean;
}

/**
 * A group of a closed window that passed (`AggregateState` with `plan.atClose`): `last` is what its last event left
 * (`keep`: its kept event, and no count).
 */
export interface Closed<P> {
  readonly key: string;
  readonly count?: number;
  readonly missing?: string;
  readonly last: P;
  /** Why an event the group counted may not count (the first reason given to `add`): the result is then unknown. */
  readonly uncertain?: readonly string[];
}

/** A group of the window open now, decided when it closes: its running counts (a number, or the distinct values). */
interface OpenGroup<P> {
  readonly window: number;
  readonly acc: (number | Set<string>)[];
  readonly missing?: string;
  last: P;
  uncertain?: readonly string[];
  /** `keep`: the kept event's `by` value and whether it meets the filter (`last` is what the caller keeps of it). */
  best?: number;
  truth?: Truth;
  /**
   * `keep`: what the filter gave on events that might have been kept instead: those whose `by` value equals the
   * kept one's (`tied`: the language keeps any one of them), and those whose value cannot be compared
   * (`unordered`: missing, not a time or a number).
   */
  tied?: Set<Truth>;
  unordered?: Set<Truth>;
}

/** Counts of one aggregating rule, per group key; `P`: what the caller keeps of a group's last event (`atClose`). */
export class AggregateState<P = undefined> {
  private readonly groups = new Map<string, Group>();
  /** `atClose`: the groups of open windows, the earliest window among them, and the passed groups not yet taken. */
  private readonly open = new Map<string, OpenGroup<P>>();
  private openFrom = Infinity;
  private done: Closed<P>[] = [];
  /** New terms: when each combination of terms was last seen; pruned of what fell out of the window. */
  private readonly seen = new Map<string, number>();
  private pruneAt = NEW_TERMS_PRUNE;
  /** Groups kept before those with no event in the window are dropped. */
  private pruneGroupsAt = GROUPS_PRUNE;
  /** Every count test: the plan's first alternative (its test and `more`), then each of `or`. */
  private readonly tests: readonly CountTest[];
  /** Where each alternative's tests end in `tests`. */
  private readonly altEnds: readonly number[];
  /** Every count kept: one per test, then the counts tests compare with (`than`). */
  private readonly measures: readonly Counted[];
  /** Per test: the index in `measures` of the count it compares with, or undefined (it compares with its value). */
  private readonly thanAt: readonly (number | undefined)[];
  /** Per count: its condition compiled once (a conditional count), or undefined. */
  private readonly wheres: readonly (Compiled | undefined)[];
  /** `keep`: the filter on the kept event, compiled once. */
  private readonly keepWhere: Compiled | undefined;
  /** Per computed key: its branch conditions compiled once (a conditional key), else none. */
  private readonly caseWhens: readonly (readonly Compiled[])[];
  /** The view the conditions read an event through (one, reset from event to event). */
  private view: EventView | undefined;
  private viewResolve: FieldResolver | undefined;
  constructor(readonly plan: AggregatePlan) {
    const alts = [[plan, ...(plan.more ?? [])], ...(plan.or ?? [])];
    this.tests = alts.flat();
    const measures: Counted[] = [...this.tests];
    this.thanAt = this.tests.map((t) => (t.than ? measures.push(t.than) - 1 : undefined));
    this.measures = measures;
    this.wheres = measures.map((t) => (t.where ? compile(t.where) : undefined));
    this.keepWhere = plan.keep?.where ? compile(plan.keep.where) : undefined;
    this.caseWhens = (plan.derivedKeys ?? []).map((d) => (d.cases ?? []).map((c) => compile(c.when)));
    let end = 0;
    this.altEnds = alts.map((a) => (end += a.length));
  }

  /** The event's view for the conditions (the same view while the event is the same). */
  private viewOf(event: unknown, resolve: FieldResolver): EventView {
    if (!this.view || this.viewResolve !== resolve) {
      this.view = new EventView(event, resolve);
      this.viewResolve = resolve;
    } else if (this.view.event !== event) this.view.reset(event);
    return this.view;
  }

  /** Whether the counts pass every test of one alternative. */
  private passed(counts: readonly number[]): boolean {
    let start = 0;
    for (const end of this.altEnds) {
      let all = true;
      for (let i = start; i < end && all; i++) {
        const than = this.thanAt[i];
        all = passes(counts[i]!, this.tests[i]!.op, than === undefined ? this.tests[i]!.value : counts[than]!);
      }
      if (all) return true;
      start = end;
    }
    return false;
  }

  /**
   * Add one selected event; returns the (first) count when every count test of one alternative passes (the group
   * then starts again).
   * A distinct count ignores events without the field (null included); `count(f)` counts the events that have f.
   * An event without a group-by key is counted as the plan's `missingKeys` says: in a group of its own, not at all
   * (`drop`, `zero`), or in a group of its own whose alert names the key (`missing`: the rule may fire, `unknown`).
   * With `plan.atClose` nothing fires here: `last` is what the caller keeps of the event, `uncertain` why it may not
   * count, and the groups are tested as their windows close (`closeUntil`, `closeAll`).
   */
  add(event: unknown, time: number, resolve: FieldResolver, last?: P, uncertain?: readonly string[]): Fired | undefined {
    const keys = this.plan.derivedKeys || this.plan.listKeys ? this.keyValues(event, resolve) : this.plan.groupBy.map((f) => resolve(event, f));
    if (this.plan.kind === 'new') return this.addTerms(keys, time);
    return this.addKeys(keys, event, time, resolve, last, uncertain);
  }

  /**
   * `add` for a plan whose keys may have several values on one event (a key over a repeated field's elements, YARA-L
   * `$ip = $e.principal.ip`; a list-valued field under `plan.listKeys`, Splunk `stats … by`): the event is counted
   * in the group of each combination of its values (at most KEY_COMBINATIONS; more make the key unknown), and every
   * group that passes is returned.
   */
  addAll(event: unknown, time: number, resolve: FieldResolver, last?: P, uncertain?: readonly string[]): readonly Fired[] {
    if ((!this.plan.derivedKeys && !this.plan.listKeys) || this.plan.kind === 'new') {
      const one = this.add(event, time, resolve, last, uncertain);
      return one ? [one] : NONE_FIRED;
    }
    const out: Fired[] = [];
    for (const keys of keyCombinations(this.keyValues(event, resolve, true))) {
      const fired = this.addKeys(keys, event, time, resolve, last, uncertain);
      if (fired) out.push(fired);
    }
    return out;
  }

  private addKeys(keys: readonly unknown[], event: unknown, time: number, resolve: FieldResolver, last?: P, uncertain?: readonly string[]): Fired | undefined {
    const { groupBy, missingKeys } = this.plan;
    const missing = missingKeys ? missingKey(groupBy, keys, missingKeys) : undefined;
    if (missing !== undefined && missingKeys !== 'unknown') return undefined;
    // a computed key the model could not compute on this event: the event is counted in a group of its own, whose
    // result is unknown
    const notComputed = keys.indexOf(UNKNOWN_OPERAND);
    const unsure = notComputed >= 0 ? [`the value of the group-by key ${groupBy[notComputed]} (not computed here)`] : undefined;
    const key = keys.map((v) => (v === UNKNOWN_OPERAND ? '?' : JSON.stringify(v ?? null))).join('|');
    if (this.plan.atClose) {
      this.addAtClose(key, missing, event, time, resolve, last as P, uncertain ?? unsure);
      return undefined;
    }
    let g = this.groups.get(key);
    if (!g) {
      this.groups.set(key, (g = this.empty()));
      if (this.groups.size > this.pruneGroupsAt) this.pruneGroups(time, key);
    }
    if (this.plan.bins) {
      // fixed bins (events in time order): a new bin starts the group again; a bin that fired stays quiet
      const bin = Math.floor(time / this.plan.windowMs!);
      if (g.bin !== bin) Object.assign(g, this.empty(), { bin, fired: false });
      else if (g.fired) return undefined;
    }
    const row = this.measures.map((_, i) => this.counted(i, event, resolve));
    if (row.every((v) => v === undefined)) return undefined; // nothing this event adds to any count
    // a sliding window keeps each event's values until it leaves; bins and the whole input only count
    const sliding = this.plan.windowMs !== undefined && !this.plan.bins;
    if (sliding) g.times.push(time);
    for (let i = 0; i < row.length; i++) {
      if (sliding) g.values[i]!.push(row[i]);
      this.tally(g, i, row[i], 1);
    }
    if (sliding) this.slide(g, time - this.plan.windowMs!);
    const counts = this.measures.map((_, i) => {
      const a = g.acc[i]!;
      return typeof a === 'number' ? a : a.size;
    });
    if (this.passed(counts)) {
      if (this.plan.bins) Object.assign(g, this.empty(), { fired: true });
      else this.groups.delete(key);
      return { key, count: counts[0]!, ...(missing !== undefined ? { missing } : {}), ...(unsure ? { uncertain: unsure } : {}) };
    }
    return undefined;
  }

  /**
   * The event's group-by values: fields as they are, computed keys by their derivation (`plan.derivedKeys`, after
   * the fields): a failed step gives null (a missing key), a value the model cannot compute `UNKNOWN_OPERAND`;
   * several values (a key over an array's elements, a list under `listKeys: each`) a `Spread` with `spread`, else
   * `UNKNOWN_OPERAND`.
   */
  private keyValues(event: unknown, resolve: FieldResolver, spread = false): unknown[] {
    const { groupBy, derivedKeys = [] } = this.plan;
    const fields = groupBy.length - derivedKeys.length;
    const out: unknown[] = [];
    for (let i = 0; i < fields; i++) {
      const v = resolve(event, groupBy[i]!);
      // a list under `listKeys: each`: each element a key (with `spread`; else the key cannot be one value)
      out.push(this.plan.listKeys === 'each' && Array.isArray(v) ? (spread ? new Spread(v) : UNKNOWN_OPERAND) : v);
    }
    derivedKeys.forEach((d, i) => {
      let k: KeyCase | DerivedKey = d;
      if (d.cases) {
        // the branch whose condition holds; a condition that cannot be decided before it makes the key unknown
        const whens = this.caseWhens[i]!;
        const at = whens.findIndex((w) => w(this.viewOf(event, resolve)) !== false);
        if (at < 0 || whens[at]!(this.viewOf(event, resolve)) !== true) {
          out.push(UNKNOWN_OPERAND);
          return;
        }
        k = d.cases[at]!;
        if (k.field === undefined) {
          out.push(k.value ?? null);
          return;
        }
      }
      let raw = resolve(event, k.field!);
      for (const f of 'coalesce' in k ? (k.coalesce ?? []) : []) if (raw === undefined || raw === null) raw = resolve(event, f);
      if ((raw === undefined || (raw === null && k.nullAsMissing)) && k.missingAs !== undefined) raw = k.missingAs;
      const v = k.derived ? deriveValue(k.derived, raw, (f) => resolve(event, f)) : raw;
      out.push(v === FAILED_NULL ? null : v instanceof Spread && !spread ? UNKNOWN_OPERAND : v);
    });
    return out;
  }

  /** The value test `i` counts on the event: '' (an event), the field's value (JSON) or summand; undefined: none. */
  private counted(i: number, event: unknown, resolve: FieldResolver): string | undefined {
    const t = this.measures[i]!;
    // a conditional aggregate counts only the events that meet its condition (it has no opaque part: the plan says
    // so), read with the rule's resolver
    const where = this.wheres[i];
    if (where && where(this.viewOf(event, resolve)) !== true) return undefined;
    if (!t.of) return '';
    const v = resolve(event, t.of);
    if (t.kind === 'sum') return summand(v);
    return v === undefined || v === null ? undefined : JSON.stringify(v);
  }

  /**
   * `atClose`: count the event in its group of the window of `time`, after closing the windows before it. A group
   * is a result row from its first event on, whatever that event adds to the counts (`count(f) < 5` holds for a
   * group none of whose events has f, as the query's row says 0).
   */
  private addAtClose(key: string, missing: string | undefined, event: unknown, time: number, resolve: FieldResolver, last: P, uncertain: readonly string[] | undefined): void {
    const window = this.plan.windowMs === undefined ? 0 : Math.floor(time / this.plan.windowMs);
    this.closeBefore(window);
    let g = this.open.get(key);
    if (!g) {
      this.open.set(key, (g = { window, acc: this.measures.map((t) => (t.kind === 'distinct' ? new Set<string>() : 0)), ...(missing !== undefined ? { missing } : {}), last }));
      this.openFrom = Math.min(this.openFrom, window);
    }
    if (this.plan.kind === 'keep') {
      this.keepEvent(g, event, resolve, last, uncertain);
      return;
    }
    // an event earlier than its group's window (input out of time order) is counted in the window open
    g.last = last;
    if (uncertain && !g.uncertain) g.uncertain = uncertain;
    for (let i = 0; i < this.measures.length; i++) {
      const v = this.counted(i, event, resolve);
      if (v === undefined) continue;
      const a = g.acc[i]!;
      if (typeof a !== 'number') a.add(v);
      else g.acc[i] = a + (this.measures[i]!.kind === 'sum' ? Number(v) : 1);
    }
  }

  /**
   * `keep`: the event replaces the group's kept one when its `by` value is greater (`latest`; less: `earliest`). An
   * event whose value equals the kept one's, or cannot be compared, might be the kept row instead: what the filter
   * gives on it is noted, and the group's result is unknown when that differs from the kept event's.
   */
  private keepEvent(g: OpenGroup<P>, event: unknown, resolve: FieldResolver, last: P, uncertain: readonly string[] | undefined): void {
    const keep = this.plan.keep!;
    const truth = this.keepWhere ? this.keepWhere(this.viewOf(event, resolve)) : true;
    const v = orderValue(resolve(event, keep.by));
    const better = v !== undefined && (g.best === undefined || (keep.which === 'latest' ? v > g.best : v < g.best));
    if (better) {
      g.best = v;
      g.truth = truth;
      g.last = last;
      g.uncertain = uncertain;
      // events tied with the one replaced are no longer candidates; those without a comparable value still are
      g.tied?.clear();
      return;
    }
    if (v === undefined) (g.unordered ??= new Set()).add(truth);
    else if (v === g.best) (g.tied ??= new Set()).add(truth);
  }

  /** Test the groups of windows before `window` (they have closed), and drop them. */
  private closeBefore(window: number): void {
    if (window <= this.openFrom) return;
    let from = Infinity;
    for (const [key, g] of this.open) {
      if (g.window >= window) {
        from = Math.min(from, g.window);
        continue;
      }
      this.decide(key, g);
      this.open.delete(key);
    }
    this.openFrom = from;
  }

  private decide(key: string, g: OpenGroup<P>): void {
    if (this.plan.kind === 'keep') return this.decideKept(key, g);
    const counts = g.acc.map((a) => (typeof a === 'number' ? a : a.size));
    if (this.passed(counts)) this.done.push({ key, count: counts[0]!, ...(g.missing !== undefined ? { missing: g.missing } : {}), last: g.last, ...(g.uncertain ? { uncertain: g.uncertain } : {}) });
  }

  /**
   * `keep`: the group passes when its kept event meets the filter. Its result is unknown when the filter is unknown
   * on it, when an event that might have been kept instead (`tied`, `unordered`) gives another result, or when no
   * event's `by` value could be compared.
   */
  private decideKept(key: string, g: OpenGroup<P>): void {
    const { which, by } = this.plan.keep!;
    const possible = new Set<Truth>([...(g.best !== undefined ? [g.truth!] : []), ...(g.tied ?? []), ...(g.unordered ?? [])]);
    if (!possible.has(true) && !possible.has('unknown')) return;
    const why: string[] = [...(g.uncertain ?? [])];
    if (g.best === undefined) why.push(`no event of the group has a ${by} value to compare, so which one is the ${which} is not known`);
    else if (possible.size > 1) why.push(`several events may be the ${which} by ${by} (equal or missing values), and the filter after the aggregation differs between them`);
    else if (g.truth === 'unknown') why.push(`the filter after the aggregation cannot be decided on the ${which} event`);
    this.done.push({ key, ...(g.missing !== undefined ? { missing: g.missing } : {}), last: g.last, ...(why.length ? { uncertain: why } : {}) });
  }

  /** `atClose`: the groups that passed in windows closed before the window of `time` (and not taken before). */
  closeUntil(time: number): Closed<P>[] {
    if (this.plan.windowMs !== undefined) this.closeBefore(Math.floor(time / this.plan.windowMs));
    return this.closed();
  }

  /** `atClose`, at the end of the input: every open window closes; the groups that passed (and not taken before). */
  closeAll(): Closed<P>[] {
    this.closeBefore(Infinity);
    return this.closed();
  }

  /** The groups that passed in windows closed so far and not taken before. */
  closed(): Closed<P>[] {
    if (!this.done.length) return [];
    const out = this.done;
    this.done = [];
    return out;
  }

  /**
   * New terms: every combination of the event's values (an array's elements each a term; an event without a value
   * of some field has no term, as Elastic's terms aggregation gives none) is compared with when it was last seen;
   * the event fires when one was not seen within the window before it. `key` lists the new ones.
   */
  private addTerms(keys: readonly unknown[], time: number): { key: string; count: number } | undefined {
    let combos: string[] = [''];
    for (const v of keys) {
      const terms = [...new Set((Array.isArray(v) ? v : [v]).filter((x) => x !== undefined && x !== null).map((x) => JSON.stringify(x)))];
      if (!terms.length) return undefined;
      const next: string[] = [];
      for (const c of combos) for (const t of terms) if (next.length < NEW_TERMS_COMBINATIONS) next.push(c ? `${c}|${t}` : t);
      combos = next;
    }
    const window = this.plan.windowMs!;
    const fresh = combos.filter((c) => {
      const last = this.seen.get(c);
      this.seen.set(c, time);
      return last === undefined || last < time - window;
    });
    if (this.seen.size > this.pruneAt) {
      for (const [c, t] of this.seen) if (t < time - window) this.seen.delete(c);
      this.pruneAt = Math.max(NEW_TERMS_PRUNE, 2 * this.seen.size);
    }
    return fresh.length ? { key: fresh.join(', '), count: 1 } : undefined;
  }

  private empty(): Omit<Group, 'bin' | 'fired'> {
    return { times: [], head: 0, values: this.measures.map(() => []), acc: this.measures.map((t) => (t.kind === 'distinct' ? new Map<string, number>() : 0)), fractions: this.measures.map(() => 0) };
  }

  /** Count test `i`'s value `v` of one event in (`by` 1) or out of (`by` -1) the group's counts. */
  private tally(g: Group, i: number, v: string | undefined, by: 1 | -1): void {
    if (v === undefined) return;
    const a = g.acc[i]!;
    if (typeof a !== 'number') {
      const n = (a.get(v) ?? 0) + by;
      if (n > 0) a.set(v, n);
      else a.delete(v);
    } else if (this.measures[i]!.kind === 'sum') {
      const x = Number(v);
      g.acc[i] = a + by * x;
      if (!Number.isInteger(x)) g.fractions[i]! += by;
    } else g.acc[i] = a + by;
  }

  /** Take the group's events before `from` out of its window and its counts. */
  private slide(g: Group, from: number): void {
    const start = g.head;
    while (g.head < g.times.length && g.times[g.head]! < from) {
      for (let i = 0; i < g.values.length; i++) this.tally(g, i, g.values[i]![g.head], -1);
      g.head++;
    }
    if (g.head === start) return;
    // a sum with fractions is added again over the window, in order, as one pass over the events would add it
    // (taking a fraction off a float sum can leave a rounding error where the sum crosses its threshold); also one
    // whose last fraction just left (a sum of integers is an integer)
    for (let i = 0; i < g.values.length; i++) {
      const a = g.acc[i]!;
      if (typeof a !== 'number' || (!g.fractions[i] && Number.isInteger(a))) continue;
      let sum = 0;
      for (let j = g.head; j < g.times.length; j++) if (g.values[i]![j] !== undefined) sum += Number(g.values[i]![j]);
      g.acc[i] = sum;
    }
    // the entries that left are dropped once they are most of the arrays (each is copied a bounded number of times)
    if (g.head >= 1024 && 2 * g.head >= g.times.length) {
      g.times = g.times.slice(g.head);
      g.values = g.values.map((vs) => vs.slice(g.head));
      g.head = 0;
    }
  }

  /**
   * Drop the groups none of whose events is in the window any more (a group is made again, empty, by its next event):
   * the groups would otherwise grow with every key the input ever had. Run when the groups double, as the new terms'.
   */
  private pruneGroups(time: number, keep: string): void {
    const { windowMs, bins } = this.plan;
    if (windowMs !== undefined) {
      const bin = Math.floor(time / windowMs);
      for (const [k, g] of this.groups) {
        if (k === keep) continue;
        const stale = bins ? g.bin === undefined || g.bin < bin : g.times.length === g.head || g.times[g.times.length - 1]! < time - windowMs;
        if (stale) this.groups.delete(k);
      }
    }
    this.pruneGroupsAt = Math.max(GROUPS_PRUNE, 2 * this.groups.size);
  }
}

/** What `add` returns for a group that passed: its key, its first count, and why its result may be unknown. */
export interface Fired {
  readonly key: string;
  readonly count: number;
  readonly missing?: string;
  readonly uncertain?: readonly string[];
}

/** What `addAll` returns when no group passes (most events: one array, not one per event). */
const NONE_FIRED: readonly Fired[] = Object.freeze([]);

/** Combinations of several-valued keys one event is counted by, at most (more: the key is unknown). */
const KEY_COMBINATIONS = 64;

/**
 * The combinations of an event's key values, a value being one (`Spread`: each of its items; none: the key is
 * missing, null); more than KEY_COMBINATIONS: one combination with the several-valued keys unknown.
 */
function keyCombinations(values: readonly unknown[]): unknown[][] {
  let out: unknown[][] = [[]];
  for (const v of values) {
    const items = v instanceof Spread ? (v.items.length ? v.items : [null]) : [v];
    out = out.flatMap((c) => items.map((x) => [...c, x]));
    if (out.length > KEY_COMBINATIONS) return [values.map((x) => (x instanceof Spread ? UNKNOWN_OPERAND : x))];
  }
  return out;
}

/** Combinations of terms one event is compared by, at most (arrays in several fields multiply). */
const NEW_TERMS_COMBINATIONS = 256;
/** Seen combinations kept before those older than the window are dropped. */
const NEW_TERMS_PRUNE = 100_000;
/** Groups kept before those with no event in their window are dropped (`AggregateState.pruneGroups`). */
const GROUPS_PRUNE = 10_000;

/**
 * The first group-by key (of `groupBy`, whose values on the event are `values`) that counts as missing under `mode`
 * (`Aggregation.missingKeys`): undefined or null, and with `zero` also `""`, `0` and `false`; undefined when none does.
 */
export function missingKey(groupBy: readonly string[], values: readonly unknown[], mode: MissingKeys): string | undefined {
  if (mode === 'group') return undefined;
  const at = values.findIndex((v) => v === undefined || v === null || (mode === 'zero' && (v === '' || v === 0 || v === false)));
  return at < 0 ? undefined : groupBy[at];
}

/** A value a sum adds (a number, or text that is one: `"512"`), as text; undefined for anything else (not summed). */
function summand(v: unknown): string | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(v) ? Number(v) : NaN;
  return Number.isFinite(n) ? String(n) : undefined;
}

function passes(n: number, op: Operator, v: number): boolean {
  switch (op) {
    case 'gt':
      return n > v;
    case 'ge':
      return n >= v;
    case 'eq':
      return n === v;
    case 'lt':
      return n < v;
    case 'le':
      return n <= v;
    case 'ne':
      return n !== v;
    default:
      return false;
  }
}

/**
 * A value `arg_max` / `arg_min` compare (`KeptRow.by`): a number, or a time as ms since the epoch (ISO text, or a
 * proto Timestamp object); undefined for anything else.
 */
function orderValue(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string') {
    const t = Date.parse(v.includes(' ') && !v.includes('T') ? v.replace(' ', 'T') + 'Z' : v);
    return Number.isNaN(t) ? undefined : t;
  }
  if (isRecord(v)) {
    const sec = Number(v['seconds']);
    if (Number.isFinite(sec)) return sec * 1000 + Math.floor(Number(v['nanos'] ?? 0) / 1e6);
  }
  return undefined;
}

/** Event time in ms since the epoch, when the event carries one. */
export function eventTime(event: unknown, resolve: FieldResolver): number | undefined {
  for (const f of TIME_FIELDS) {
    const v = resolve(event, f);
    if (typeof v === 'number') return v > 1e12 ? v : v * 1000;
    // ISO text, or a proto Timestamp as an object (UDM `metadata.event_timestamp`: `{seconds, nanos}`)
    const t = orderValue(v);
    if (t !== undefined) return t;
  }
  // a Linux audit record's `msg=audit(<seconds>.<ms>:<serial>)`
  return auditdTime(resolve(event, 'msg'));
}
