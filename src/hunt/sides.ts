/**
 * Multi-event rules stated side by side (`Aggregation.sides`: EQL sequences and samples, KQL joins, lookups and
 * `in (subquery)`) in a hunt: every event that satisfies (or may satisfy) one side's condition is kept, and each
 * new one is paired with those kept as `evaluateSides` pairs events (`src/model/multiEvent.ts`), with the new event
 * taking a required side. So a rule alerts at the event that completes a binding, once for each such event.
 *
 * Pairing only looks at the kept events that may pair with the new one: when each side takes part in every pair by
 * the same key columns (an EQL sequence's steps, a join's sides: `bucketKeysOf`), the events of a binding share one
 * bucket of key values (`keyBucket`), so kept events are filed by bucket; otherwise every kept event is a candidate.
 *
 * What is kept: within the rule's window when it has one (events in time order), and at most the last `SIDES_KEEP`
 * events; once events were dropped that a later binding could have used (no window, or more than that within one),
 * a new event that pairs with none of those kept is reported as "may fire". An `absent` side (an EQL missing event or
 * `until`, a KQL anti-join's other side) is decided when the new event comes only if its events must come before a
 * required side's (an EQL missing event between two steps, `until`): one that may come later (a trailing missing
 * event, an anti-join's side) cannot be ruled out yet, and the rule may fire.
 */
import { compile, EventView, type Compiled } from '../model/compile.ts';
import type { FieldResolver, Truth } from '../model/evaluate.ts';
import { evaluateSides, keyBucket } from '../model/multiEvent.ts';
import { missingKey } from './aggregate.ts';
import type { Derived } from '../model/expr.ts';
import type { CorrelationSide } from '../model/rule.ts';

/** Events kept per rule, at most. */
export const SIDES_KEEP = 2000;
/** Buckets of dropped events remembered; past that, any new event may have paired with a dropped one. */
const DROPPED_BUCKETS = 100_000;
/** Bindings tried for one new event before its answer is unknown. */
const SIDES_BINDINGS = 100_000;

interface Kept {
  readonly event: unknown;
  readonly time: number | undefined;
  /** Where it is in the hunt's input (what the hit names). */
  readonly pos: string;
  readonly truths: readonly Truth[];
  /** Per side: its key bucket (undefined: it pairs with nothing on that side; null: any bucket). */
  readonly buckets: readonly (string | null | undefined)[];
  /** Its order among the kept events (they are dropped oldest first). */
  readonly seq: number;
}

export interface SidesResult {
  readonly truth: Truth;
  /** For a true result: where the events bound to the required sides are (`file:line`), in side order. */
  readonly positions: readonly string[];
  /** For an unknown result: why. */
  readonly why?: string;
}

export class SidesState {
  private kept: Kept[] = [];
  private seq = 0;
  /** Events were dropped (over `SIDES_KEEP`) that a later binding could have used: of these buckets, or of any. */
  private readonly droppedBuckets = new Set<string>();
  private droppedAny = false;
  private readonly compiled: readonly Compiled[];
  /** The keys each side's events are filed by, when the events of a binding share one bucket (module comment). */
  private readonly bucketKeys: readonly BucketKeys[] | undefined;
  private readonly bucketed: boolean;
  /** Kept events by bucket (`bucketed`): those whose bucket is unknown are in `anyBucket`. */
  private readonly byBucket = new Map<string, Kept[]>();
  private anyBucket: Kept[] = [];
  /** Absent sides whose events may come after every required side's: a true binding is not final. */
  private readonly openAbsent: readonly string[];
  /** Why a binding is unknown (an unknown side or key; what the sides leave to the backend). */
  private readonly unknownWhy: string;

  constructor(
    private readonly sides: readonly CorrelationSide[],
    private readonly windowMs: number | undefined,
    private readonly resolve: FieldResolver,
    private readonly timeOf: (event: unknown) => number | undefined,
    /** The event's view for `resolve` (one view reused from event to event, shared by the rules of a hunt). */
    private readonly viewOf: (event: unknown) => EventView = (event) => new EventView(event, resolve),
    /** A zero value (`""`, `0`, `false`) of a key pairs with nothing (YARA-L, unless `allow_zero_values`). */
    private readonly zeroKeys = false,
    /**
     * For each side, the log sources of the events it takes (its tables'), where the language says: an event of
     * none of them is not that side's (a KQL join's `MicrosoftGraphActivityLogs` side takes no sign-in record).
     */
    private readonly sideLogSources: readonly (ReadonlySet<string> | undefined)[] = [],
  ) {
    this.compiled = sides.map((s) => compile(s.condition));
    this.bucketKeys = bucketKeysOf(sides);
    this.bucketed = this.bucketKeys !== undefined;
    this.openAbsent = sides.flatMap((s, i) => (s.presence === 'absent' && !beforeARequired(sides, i) ? [s.name] : []));
    // what the rule's sides leave to the backend (Sigma temporal correlations), named beside the usual reason
    const left = [
      ...(sides.some((x) => x.sameEventUnknown) ? ['whether one event may stand for two sides'] : []),
      ...(sides.some((x) => x.keysNullUnknown) ? ['whether events without a key pair with each other'] : []),
    ];
    this.unknownWhy = `a side or a key of the paired events cannot be decided${left.length ? `, or the backend decides ${left.join(' and ')}` : ''}`;
  }


  /** A new event (`pos`: `file:line`): whether it completes a binding, or undefined when no side wants it. */
  add(event: unknown, pos: string, logSources: readonly string[] = []): SidesResult | undefined {
    const view = this.viewOf(event);
    // (an event whose log source is not known, run on every rule with `--all`, may be any side's)
    const ofSide = (i: number): boolean => {
      const set = this.sideLogSources[i];
      return !set || !logSources.length || logSources.some((ls) => set.has(ls));
    };
    const truths = this.compiled.map((c, i) => (!ofSide(i) || (this.zeroKeys && this.zeroKey(event, i)) ? false : c(view)));
    if (truths.every((t) => t === false)) return undefined;
    const time = this.timeOf(event);
    this.expire(time);
    const buckets = this.sides.map((_, i) => {
      const k = this.bucketKeys?.[i];
      return truths[i] === false ? undefined : k ? keyBucket(this.resolve, event, k.keys, k.derived, k.ci, k.nullUnknown) : '';
    });
    const me: Kept = { event, time, pos, truths, buckets, seq: this.seq++ };
    // the kept events that may pair with it: those of its buckets (and of an unknown one), in the order they came
    const all = [...this.candidates(buckets), me];
    const binding: (number | undefined)[] = [];
    let truth: Truth = truths.some((t, i) => t !== false && this.sides[i]!.presence === 'required')
      ? evaluateSides(this.sides, all.map((k) => k.event), {
          resolve: this.resolve,
          // event times for the window and for time terms (Sigma temporal_ordered) alike
          timeOf: this.timeOf,
          ...(this.windowMs !== undefined ? { windowMs: this.windowMs } : {}),
          truthOf: (side, e) => all[e]!.truths[side]!,
          including: all.length - 1,
          maxBindings: SIDES_BINDINGS,
          binding,
        })
      : false;
    this.keep(me);
    if (truth === false) {
      const mayHaveDropped = this.droppedAny || buckets.some((b, i) => this.sides[i]!.presence === 'required' && b !== undefined && (b === null || this.droppedBuckets.has(b)));
      if (mayHaveDropped && truths.some((t, i) => t !== false && this.sides[i]!.presence === 'required')) return { truth: 'unknown', positions: [], why: `the events it pairs with may be older than the last ${SIDES_KEEP} the hunt keeps for the rule` };
      return undefined;
    }
    const positions = this.sides.flatMap((s, i) => (s.presence === 'required' && binding[i] !== undefined ? [all[binding[i]!]!.pos] : []));
    if (truth === true && this.openAbsent.length) {
      truth = 'unknown';
      return { truth, positions, why: `no event of ${this.openAbsent.join(', ')} may come later (the hunt decides as events come)` };
    }
    return { truth, positions, ...(truth === 'unknown' ? { why: this.unknownWhy } : {}) };
  }

  /**
   * Whether the event's value of a key it would pair by on side `i` is missing or a zero value (`missingKey` with
   * `zero`: such an event pairs with nothing on that side).
   */
  private zeroKey(event: unknown, i: number): boolean {
    const keys = [...new Set([...this.sides[i]!.keys, ...(this.bucketKeys?.[i]?.keys ?? [])])];
    return missingKey(keys, keys.map((k) => this.resolve(event, k)), 'zero') !== undefined;
  }

  /** The kept events that may pair with an event of these buckets (those of its buckets, or of an unknown one), in the order they came. */
  private candidates(buckets: readonly (string | null | undefined)[]): readonly Kept[] {
    if (!this.bucketed || buckets.includes(null)) return this.kept;
    const own = [...new Set(buckets)].filter((b): b is string => b !== undefined);
    if (own.length === 1 && !this.anyBucket.length) return this.byBucket.get(own[0]!) ?? [];
    const seen = new Set<Kept>(this.anyBucket);
    for (const b of own) for (const k of this.byBucket.get(b) ?? []) seen.add(k);
    return [...seen].sort((a, b) => a.seq - b.seq);
  }

  /** Drop the kept events that fell out of the window before `time` (events come in time order). */
  private expire(time: number | undefined): void {
    if (this.windowMs === undefined || time === undefined) return;
    let drop = 0;
    while (drop < this.kept.length && this.kept[drop]!.time !== undefined && this.kept[drop]!.time! < time - this.windowMs) drop++;
    if (drop) this.forget(drop, false);
  }

  private keep(k: Kept): void {
    this.kept.push(k);
    if (this.bucketed) {
      if (k.buckets.includes(null)) this.anyBucket.push(k);
      for (const b of new Set(k.buckets)) {
        if (typeof b !== 'string') continue;
        let list = this.byBucket.get(b);
        if (!list) this.byBucket.set(b, (list = []));
        list.push(k);
      }
    }
    if (this.kept.length > SIDES_KEEP) this.forget(this.kept.length - SIDES_KEEP, true);
  }

  /**
   * Forget the oldest `n` kept events (their buckets' lists hold them first); `overflow`: not out of the window but
   * over `SIDES_KEEP`, so a later binding could have used them.
   */
  private forget(n: number, overflow: boolean): void {
    const gone = this.kept.splice(0, n);
    if (overflow) {
      if (!this.bucketed) this.droppedAny = true;
      for (const k of gone) {
        for (const b of k.buckets) {
          if (b === undefined) continue;
          if (b === null || this.droppedBuckets.size >= DROPPED_BUCKETS) this.droppedAny = true;
          else this.droppedBuckets.add(b);
        }
      }
    }
    if (!this.bucketed) return;
    const last = gone[gone.length - 1]!.seq;
    for (const k of gone) {
      for (const b of new Set(k.buckets)) {
        if (typeof b !== 'string') continue;
        const list = this.byBucket.get(b);
        if (!list) continue;
        let i = 0;
        while (i < list.length && list[i]!.seq <= last) i++;
        if (i === list.length) this.byBucket.delete(b);
        else if (i) list.splice(0, i);
      }
    }
    if (this.anyBucket.length && this.anyBucket[0]!.seq <= last) this.anyBucket = this.anyBucket.filter((k) => k.seq > last);
  }
}

/** The key columns an event of a side is filed by (`keyBucket`). */
interface BucketKeys {
  readonly keys: readonly string[];
  readonly derived?: readonly (Derived | null)[] | undefined;
  readonly ci: boolean;
  /** Events that lack a key may pair with each other (`CorrelationSide.keysNullUnknown`): filed in any bucket. */
  readonly nullUnknown: boolean;
}

/**
 * The keys each side's events are filed by, when the events of any binding then share one bucket; undefined when
 * they need not. A side pairs with its partner on its own `keys` and the partner's `partnerKeys` (or the partner's
 * own keys): when each side takes part in every pair by the same columns (as many on every side, compared alike),
 * equal pairs chain from side to side. Every side must take part in a pair (one that does not pairs with anything).
 */
function bucketKeysOf(sides: readonly CorrelationSide[]): readonly BucketKeys[] | undefined {
  // a list pairs element by element: its events would be in a bucket per element
  if (sides.length < 2 || sides.some((s) => s.keysAny)) return undefined;
  const out: (BucketKeys | undefined)[] = sides.map(() => undefined);
  const same = (a: BucketKeys, b: BucketKeys) => a.ci === b.ci && a.nullUnknown === b.nullUnknown && JSON.stringify(a.keys) === JSON.stringify(b.keys) && JSON.stringify(a.derived ?? []) === JSON.stringify(b.derived ?? []);
  let ok = true;
  const put = (i: number, k: BucketKeys) => {
    const had = out[i];
    if (!had) out[i] = k;
    else if (!same(had, k)) ok = false;
  };
  for (let i = 0; i < sides.length; i++) {
    const s = sides[i]!;
    if (s.partner === undefined) continue;
    const p = sides[s.partner];
    if (!p) return undefined;
    const ci = s.keysCi === true;
    const nullUnknown = s.keysNullUnknown === true;
    put(i, { keys: s.keys, derived: s.keysDerived, ci, nullUnknown });
    put(s.partner, s.partnerKeys ? { keys: s.partnerKeys, derived: s.partnerKeysDerived, ci, nullUnknown } : { keys: p.keys, derived: p.keysDerived, ci, nullUnknown });
  }
  if (!ok || out.some((k) => !k)) return undefined;
  const n = out[0]!.keys.length;
  const ci = out[0]!.ci;
  return out.every((k) => k!.keys.length === n && k!.ci === ci) ? (out as BucketKeys[]) : undefined;
}

/** Whether absent side `a`'s event has to come before (or with) some required side's event, by a time constraint. */
function beforeARequired(sides: readonly CorrelationSide[], a: number): boolean {
  const required = (i: number) => sides[i]?.presence === 'required';
  return sides.some((s) =>
    (s.constraints ?? []).some((c) => c.kind === 'time' && ((c.from.side === a && required(c.to.side) && c.minMs !== undefined && c.minMs >= 0) || (c.to.side === a && required(c.from.side) && c.maxMs !== undefined && c.maxMs <= 0))),
  );
}
