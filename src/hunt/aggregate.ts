/**
 * Aggregating rules in a hunt: the rule's row condition selects events, which are counted per group-by key over
 * event time in a sliding window; the rule fires when the count passes its threshold (then the group starts
 * again). Supported functions (`AGGREGATE_FUNCTIONS`): event counts (`count`, `count()`, Sigma `event_count`,
 * Splunk `count`, Panther threshold counts; `count(f)` outside Sigma counts the events where f is present) and
 * distinct counts of a field (Sigma v1 `count(f)`, (Sigma `value_count(f)`, KQL
 * `dcount(f)`, Splunk `dc(f)` / `distinct_count(f)`, Elastic `cardinality(f)`). Any other function (sum, avg,
 * temporal correlations…) is not computed: the rule's row hits are reported as "may fire" with the reason.
 *
 * Event time is read from the usual timestamp fields (`TIME_FIELDS`); an event without one counts at the time of
 * the last event that had one. Windows: `30s`, `5m`, `1h`, `2d`, ISO `PT5M`; none means the whole input.
 */
import type { FieldResolver } from '../model/evaluate.ts';
import type { Operator } from '../model/expr.ts';
import type { Aggregation } from '../model/rule.ts';

export type AggregateKind = 'count' | 'distinct';

/** Function name (lower-case, without arguments) → what is counted. */
export const AGGREGATE_FUNCTIONS: Readonly<Record<string, AggregateKind>> = {
  count: 'count',
  event_count: 'count',
  dcount: 'distinct',
  dc: 'distinct',
  distinct_count: 'distinct',
  count_distinct: 'distinct',
  value_count: 'distinct',
  cardinality: 'distinct',
};

/** Where event time is found (first present wins). */
export const TIME_FIELDS: readonly string[] = ['Event.System.TimeCreated.#attributes.SystemTime', 'System.TimeCreated.#attributes.SystemTime', 'TimeCreated', 'UtcTime', 'eventTime', 'published', '@timestamp', 'timestamp', 'p_event_time', 'TimeGenerated', 'createdDateTime', 'time', 'created_at'];

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Window length in milliseconds; undefined when there is none (or it cannot be read). */
export function windowMs(w: string | undefined): number | undefined {
  if (!w) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\w*\s*$/i.exec(w);
  if (m) return Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
  const iso = /^P(?:T)?(\d+)([SMHD])$/i.exec(w.trim());
  if (iso) return Number(iso[1]) * UNITS[iso[2]!.toLowerCase()]!;
  return undefined;
}

export interface AggregatePlan {
  readonly kind: AggregateKind;
  readonly of?: string;
  readonly groupBy: readonly string[];
  readonly windowMs?: number;
  readonly op: Operator;
  readonly value: number;
}

/** A plan for the aggregation, or the reason it cannot be counted. */
export function planAggregation(a: Aggregation, format?: string): AggregatePlan | { unsupported: string } {
  if (a.sides?.length) return { unsupported: `multi-event rule (${a.function ?? 'join'} of ${a.sides.length} sides): events of the sides are not paired on their keys by the hunt` };
  if (!a.threshold) return { unsupported: `aggregation ${a.text ?? a.function ?? ''} has no threshold` };
  const fn = (a.function ?? 'count').trim();
  const m = /^([A-Za-z_]+)\s*(?:\(\s*([^)]*)\))?/.exec(fn);
  const name = (m?.[1] ?? fn).toLowerCase();
  // Sigma v1 `count(field)` counts distinct values of the field (as sigmac turned it into `dc(field)`)
  const kind = format === 'sigma' && name === 'count' && m?.[2]?.trim() ? 'distinct' : AGGREGATE_FUNCTIONS[name];
  if (!kind) return { unsupported: `aggregate function ${fn} is not counted by the hunt (supported: ${Object.keys(AGGREGATE_FUNCTIONS).join(', ')})` };
  const of = a.threshold.of && !/^count|^\w+\(/.test(a.threshold.of) ? a.threshold.of : m?.[2]?.trim() || undefined;
  if (kind === 'distinct' && !of) return { unsupported: `distinct count ${fn} without a field` };
  // "fewer than N" is only decided when a window closes: not counted
  if (!['gt', 'ge', 'eq'].includes(a.threshold.op)) return { unsupported: `threshold ${a.threshold.op} ${a.threshold.value} (only more than / at least / exactly are counted)` };
  const w = windowMs(a.window);
  if (a.window && w === undefined) return { unsupported: `window ${a.window} cannot be read` };
  return { kind, ...(of ? { of } : {}), groupBy: a.groupBy, ...(w !== undefined ? { windowMs: w } : {}), op: a.threshold.op, value: a.threshold.value };
}

interface Group {
  times: number[];
  values: string[];
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
    const counted = this.plan.of ? resolve(event, this.plan.of) : '';
    if (this.plan.kind === 'count' && (counted === undefined || counted === null)) return undefined;
    g.times.push(time);
    g.values.push(this.plan.of ? JSON.stringify(counted ?? null) : '');
    if (this.plan.windowMs !== undefined) {
      let drop = 0;
      while (drop < g.times.length && g.times[drop]! < time - this.plan.windowMs) drop++;
      if (drop) {
        g.times.splice(0, drop);
        g.values.splice(0, drop);
      }
    }
    const count = this.plan.kind === 'count' ? g.times.length : new Set(g.values).size;
    if (passes(count, this.plan.op, this.plan.value)) {
      this.groups.delete(key);
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
