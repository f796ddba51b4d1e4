/**
 * Multi-event rules stated side by side (`Aggregation.sides`: EQL sequences and samples, KQL joins, lookups and
 * `in (subquery)`) in a hunt: every event that satisfies (or may satisfy) one side's condition is kept, and each
 * new one is paired with those kept as `evaluateSides` pairs events (`src/model/multiEvent.ts`), with the new event
 * taking a required side. So a rule alerts at the event that completes a binding, once for each such event.
 *
 * What is kept: within the rule's window when it has one (events in time order), else the last `SIDES_KEEP`
 * events; once a rule without a window has dropped events, a new event that pairs with none of those kept may
 * have paired with one dropped, so it is reported as "may fire". An `absent` side (an EQL missing event or `until`,
 * a KQL anti-join's other side) is decided when the new event comes only if its events must come before a required
 * side's (an EQL missing event between two steps, `until`): one that may come later (a trailing missing event, an
 * anti-join's side) cannot be ruled out yet, and the rule may fire.
 */
import { evaluate, type FieldResolver, type Truth } from '../model/evaluate.ts';
import { evaluateSides } from '../model/multiEvent.ts';
import type { CorrelationSide } from '../model/rule.ts';

/** Events kept per rule without a window (and at most within one). */
export const SIDES_KEEP = 2000;
/** Bindings tried for one new event before its answer is unknown. */
const SIDES_BINDINGS = 100_000;

interface Kept {
  readonly event: unknown;
  readonly time: number | undefined;
  /** Where it is in the hunt's input (what the hit names). */
  readonly pos: string;
  readonly truths: readonly Truth[];
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
  private dropped = false;
  /** Absent sides whose events may come after every required side's: a true binding is not final. */
  private readonly openAbsent: readonly string[];

  constructor(
    private readonly sides: readonly CorrelationSide[],
    private readonly windowMs: number | undefined,
    private readonly resolve: FieldResolver,
    private readonly timeOf: (event: unknown) => number | undefined,
  ) {
    this.openAbsent = sides.flatMap((s, i) => (s.presence === 'absent' && !beforeARequired(sides, i) ? [s.name] : []));
  }

  /** A new event (`pos`: `file:line`): whether it completes a binding, or undefined when no side wants it. */
  add(event: unknown, pos: string): SidesResult | undefined {
    const truths = this.sides.map((s) => evaluate(s.condition, event, { resolve: this.resolve }));
    if (truths.every((t) => t === false)) return undefined;
    const time = this.timeOf(event);
    if (this.windowMs !== undefined && time !== undefined) {
      let drop = 0;
      while (drop < this.kept.length && this.kept[drop]!.time !== undefined && this.kept[drop]!.time! < time - this.windowMs) drop++;
      if (drop) this.kept.splice(0, drop);
    }
    const all = [...this.kept, { event, time, pos, truths }];
    const binding: (number | undefined)[] = [];
    let truth = evaluateSides(this.sides, all.map((k) => k.event), {
      resolve: this.resolve,
      ...(this.windowMs !== undefined ? { windowMs: this.windowMs, timeOf: this.timeOf } : {}),
      truths: this.sides.map((_, i) => all.map((k) => k.truths[i]!)),
      including: all.length - 1,
      maxBindings: SIDES_BINDINGS,
      binding,
    });
    this.kept.push(all[all.length - 1]!);
    if (this.kept.length > SIDES_KEEP) {
      this.kept.splice(0, this.kept.length - SIDES_KEEP);
      if (this.windowMs === undefined) this.dropped = true;
    }
    if (truth === false) {
      if (this.dropped && truths.some((t, i) => t !== false && this.sides[i]!.presence === 'required')) return { truth: 'unknown', positions: [], why: `the events it pairs with may be older than the last ${SIDES_KEEP} the hunt keeps for a rule without a window` };
      return undefined;
    }
    const positions = this.sides.flatMap((s, i) => (s.presence === 'required' && binding[i] !== undefined ? [all[binding[i]!]!.pos] : []));
    if (truth === true && this.openAbsent.length) {
      truth = 'unknown';
      return { truth, positions, why: `no event of ${this.openAbsent.join(', ')} may come later (the hunt decides as events come)` };
    }
    return { truth, positions, ...(truth === 'unknown' ? { why: 'a side or a key of the paired events cannot be decided' } : {}) };
  }
}

/** Whether absent side `a`'s event has to come before (or with) some required side's event, by a time constraint. */
function beforeARequired(sides: readonly CorrelationSide[], a: number): boolean {
  const required = (i: number) => sides[i]?.presence === 'required';
  return sides.some((s) =>
    (s.constraints ?? []).some((c) => c.kind === 'time' && ((c.from.side === a && required(c.to.side) && c.minMs !== undefined && c.minMs >= 0) || (c.to.side === a && required(c.from.side) && c.maxMs !== undefined && c.maxMs <= 0))),
  );
}
