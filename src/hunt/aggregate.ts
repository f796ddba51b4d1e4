/**
 * Aggregating rules in a hunt: the rule's row condition selects events, which are counted per group-by key over
 * event time in a sliding window; the rule fires when the count passes its threshold (then the group starts
 * again). What is counted, and what cannot be, is read by `planAggregation` (`src/model/aggregate.ts`); "exactly
 * N" fires when the count reaches N. A function the plan does not count (sum, avg, temporal correlations…) is not
 * computed: the rule's row hits are reported as "may fire" with the reason.
 *
 * Event time is read from the usual timestamp fields (`TIME_FIELDS`); an event without one counts at the time of
 * the last event that had one. Windows: `30s`, `5m`, `1h`, `2d`, ISO `PT5M`; none means the whole input.
 */
import type { FieldResolver } from '../model/evaluate.ts';
import type { Operator } from '../model/expr.ts';
import type { AggregatePlan } from '../model/aggregate.ts';

/** Where event time is found (first present wins). */
export const TIME_FIELDS: readonly string[] = ['Event.System.TimeCreated.#attributes.SystemTime', 'System.TimeCreated.#attributes.SystemTime', 'TimeCreated', 'UtcTime', 'eventTime', 'published', '@timestamp', 'timestamp', 'p_event_time', 'TimeGenerated', 'createdDateTime', 'time', 'created_at'];

interface Group {
  times: number[];
  values: string[];
  /** With bins: the bin counted now, and whether it has fired (a bin is one result row: it alerts once). */
  bin?: number;
  fired?: boolean;
}

/** Counts of one aggregating rule, per group key. */
export class AggregateState {
  private readonly groups = new Map<string, Group>();
  constructor(readonly plan: AggregatePlan) {}

  /** Add one selected event; returns the count when the threshold is passed (the group then starts again). */
  add(event: unknown, time: number, resolve: FieldResolver): { key: string; count: number } | undefined {
    const key = this.plan.groupBy.map((f) => JSON.stringify(resolve(event, f) ?? null)).join('|');
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = { times: [], values: [] }));
    if (this.plan.bins) {
      // fixed bins (events in time order): a new bin starts the group again; a bin that fired stays quiet
      const bin = Math.floor(time / this.plan.windowMs!);
      if (g.bin !== bin) Object.assign(g, { times: [], values: [], bin, fired: false });
      else if (g.fired) return undefined;
    }
    const counted = this.plan.of ? resolve(event, this.plan.of) : '';
    if (this.plan.kind === 'count' && (counted === undefined || counted === null)) return undefined;
    g.times.push(time);
    g.values.push(this.plan.of ? JSON.stringify(counted ?? null) : '');
    if (this.plan.windowMs !== undefined && !this.plan.bins) {
      let drop = 0;
      while (drop < g.times.length && g.times[drop]! < time - this.plan.windowMs) drop++;
      if (drop) {
        g.times.splice(0, drop);
        g.values.splice(0, drop);
      }
    }
    const count = this.plan.kind === 'count' ? g.times.length : new Set(g.values).size;
    if (passes(count, this.plan.op, this.plan.value)) {
      if (this.plan.bins) Object.assign(g, { times: [], values: [], fired: true });
      else this.groups.delete(key);
      return { key, count };
    }
    return undefined;
  }
}

function passes(n: number, op: Operator, v: number): boolean {
  switch (op) {
    case 'gt':
      return n > v;
    case 'ge':
      return n >= v;
    case 'eq':
      return n === v;
    default:
      return false;
  }
}

/** Event time in ms since the epoch, when the event carries one. */
export function eventTime(event: unknown, resolve: FieldResolver): number | undefined {
  for (const f of TIME_FIELDS) {
    const v = resolve(event, f);
    if (typeof v === 'number') return v > 1e12 ? v : v * 1000;
    if (typeof v === 'string') {
      const t = Date.parse(v.includes(' ') && !v.includes('T') ? v.replace(' ', 'T') + 'Z' : v);
      if (!Number.isNaN(t)) return t;
    }
  }
  return undefined;
}
