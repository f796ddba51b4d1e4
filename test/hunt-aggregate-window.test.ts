/**
 * A sliding window's counts kept as events come and leave (`AggregateState`), against the plain recount of the
 * window's values at every event (what the hunt did before): the same groups fire with the same counts, on random
 * events with repeated and distinct keys, conditional counts, sums with fractions, several tests, alternatives and bins.
 * Groups with no event left in their window are dropped, so the groups do not grow with every key the input had.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AggregateState, type Fired } from '../src/hunt/aggregate.ts';
import type { AggregatePlan, Counted, CountTest } from '../src/model/aggregate.ts';
import { pred } from '../src/model/expr.ts';

type Ev = Record<string, unknown>;
const resolve = (e: unknown, f: string): unknown => (e as Ev)[f];

/** The reference: every count recounted over the window's values at each event, as one pass over them would. */
class Recount {
  private readonly groups = new Map<string, { times: number[]; values: (string | undefined)[][]; bin?: number; fired?: boolean }>();
  private readonly measures: Counted[];
  private readonly tests: CountTest[];
  private readonly altEnds: number[];
  private readonly thanAt: (number | undefined)[];
  constructor(private readonly plan: AggregatePlan) {
    const alts = [[plan, ...(plan.more ?? [])], ...(plan.or ?? [])];
    this.tests = alts.flat();
    this.measures = [...this.tests];
    this.thanAt = this.tests.map((t) => (t.than ? this.measures.push(t.than) - 1 : undefined));
    let end = 0;
    this.altEnds = alts.map((a) => (end += a.length));
  }
  private value(c: Counted, e: Ev): string | undefined {
    if (c.where && !(c.where.kind === 'pred' && e[c.where.field] === c.where.values[0])) return undefined;
    if (!c.of) return '';
    const v = e[c.of];
    if (c.kind === 'sum') return typeof v === 'number' ? String(v) : undefined;
    return v === undefined || v === null ? undefined : JSON.stringify(v);
  }
  add(e: Ev, time: number): Fired | undefined {
    const key = this.plan.groupBy.map((f) => JSON.stringify(e[f] ?? null)).join('|');
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = { times: [], values: this.measures.map(() => []) }));
    if (this.plan.bins) {
      const bin = Math.floor(time / this.plan.windowMs!);
      if (g.bin !== bin) Object.assign(g, { times: [], values: this.measures.map(() => []), bin, fired: false });
      else if (g.fired) return undefined;
    }
    const row = this.measures.map((c) => this.value(c, e));
    if (row.every((v) => v === undefined)) return undefined;
    g.times.push(time);
    row.forEach((v, i) => g.values[i]!.push(v));
    if (this.plan.windowMs !== undefined && !this.plan.bins) {
      let drop = 0;
      while (drop < g.times.length && g.times[drop]! < time - this.plan.windowMs) drop++;
      g.times.splice(0, drop);
      for (const vs of g.values) vs.splice(0, drop);
    }
    const counts = this.measures.map((t, i) => {
      const vs = g.values[i]!.filter((v) => v !== undefined);
      if (t.kind === 'sum') return vs.reduce((n, v) => n + Number(v), 0);
      return t.kind === 'count' ? vs.length : new Set(vs).size;
    });
    let start = 0;
    for (const end of this.altEnds) {
      let all = true;
      for (let i = start; i < end && all; i++) {
        const than = this.thanAt[i];
        const v = than === undefined ? this.tests[i]!.value : counts[than]!;
        const n = counts[i]!;
        const op = this.tests[i]!.op;
        all = op === 'gt' ? n > v : op === 'ge' ? n >= v : op === 'lt' ? n < v : op === 'le' ? n <= v : op === 'eq' ? n === v : n !== v;
      }
      if (all) {
        if (this.plan.bins) Object.assign(g, { times: [], values: this.measures.map(() => []), fired: true });
        else this.groups.delete(key);
        return { key, count: counts[0]! };
      }
      start = end;
    }
    return undefined;
  }
}

/** A small deterministic generator (the same events on every run). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('AggregateState: sliding counts kept as events come and leave', () => {
  const minute = 60_000;
  const plans: [string, AggregatePlan][] = [
    ['count', { kind: 'count', op: 'ge', value: 6, groupBy: ['k'], windowMs: minute }],
    ['distinct', { kind: 'distinct', of: 'u', op: 'gt', value: 3, groupBy: ['k'], windowMs: 2 * minute }],
    ['count of a field, conditional', { kind: 'count', of: 'u', where: pred('r', 'eq', ['fail']), op: 'ge', value: 4, groupBy: ['k'], windowMs: minute }],
    ['sum with fractions', { kind: 'sum', of: 'b', op: 'gt', value: 10.3, groupBy: ['k'], windowMs: 30_000 }],
    ['sum of integers', { kind: 'sum', of: 'n', op: 'ge', value: 20, groupBy: ['k'], windowMs: minute }],
    ['two tests', { kind: 'count', op: 'ge', value: 4, more: [{ kind: 'distinct', of: 'u', op: 'ge', value: 2 }], groupBy: ['k'], windowMs: minute }],
    ['alternatives', { kind: 'count', op: 'ge', value: 12, or: [[{ kind: 'distinct', of: 'u', op: 'ge', value: 4 }]], groupBy: ['k'], windowMs: 3 * minute }],
    ['one count against another', { kind: 'count', where: pred('r', 'eq', ['fail']), than: { kind: 'count', where: pred('r', 'eq', ['ok']) }, op: 'gt', value: 0, more: [{ kind: 'count', op: 'ge', value: 5 }], groupBy: ['k'], windowMs: minute }],
    ['bins', { kind: 'count', op: 'ge', value: 5, groupBy: ['k'], windowMs: minute, bins: true }],
    ['no window', { kind: 'distinct', of: 'u', op: 'ge', value: 6, groupBy: ['k'] }],
  ];
  for (const [name, plan] of plans) {
    it(`${name}: the same groups fire with the same counts as a recount of the window`, () => {
      for (const seed of [1, 2, 3]) {
        const rnd = lcg(seed);
        const kept = new AggregateState(plan);
        const ref = new Recount(plan);
        let time = Date.parse('2024-05-01T10:00:00Z');
        const fired: string[] = [];
        for (let i = 0; i < 6000; i++) {
          // bursts and pauses: most events seconds apart, some minutes
          time += rnd() < 0.03 ? Math.floor(rnd() * 5 * minute) : Math.floor(rnd() * 4000);
          const e: Ev = { k: `k${Math.floor(rnd() * 6)}`, u: rnd() < 0.1 ? undefined : `u${Math.floor(rnd() * 7)}`, r: rnd() < 0.6 ? 'fail' : 'ok', b: rnd() < 0.2 ? undefined : Math.round(rnd() * 40) / 10, n: Math.floor(rnd() * 9) };
          const a = kept.add(e, time, resolve);
          const b = ref.add(e, time);
          assert.deepEqual(a, b, `${name}, seed ${seed}, event ${i}`);
          if (a) fired.push(a.key);
        }
        assert.ok(fired.length > 5, `${name}: some groups fire (${fired.length})`);
      }
    });
  }

  it('one group whose distinct count stays at 1 over 200,000 events in its window: its counts are not recounted at each event', () => {
    const plan: AggregatePlan = { kind: 'distinct', of: 'u', op: 'gt', value: 5, groupBy: ['ip'], windowMs: 30 * 60_000 };
    const st = new AggregateState(plan);
    const t0 = Date.parse('2024-05-01T10:00:00Z');
    // 200,000 events 10 ms apart (33 minutes): the window holds up to 180,000 of them; a recount at each event
    // would read about 3 × 10^10 values
    let reads = 0;
    const counting = (e: unknown, f: string) => {
      reads++;
      return resolve(e, f);
    };
    for (let i = 0; i < 200_000; i++) assert.equal(st.add({ ip: '10.0.0.9', u: 'bob' }, t0 + i * 10, counting), undefined);
    // each event's key and value are read once
    assert.equal(reads, 400_000);
    // one more user every minute: the sixth different user fires
    const more = ['ann', 'cy', 'dee', 'eve', 'fay'].map((u, i) => st.add({ ip: '10.0.0.9', u }, t0 + 2_000_000 + i, resolve));
    assert.deepEqual(more.map((f) => f?.count), [undefined, undefined, undefined, undefined, 6]);
  });

  it('groups with no event left in their window are dropped: the groups do not grow with every key of the input', () => {
    const st = new AggregateState({ kind: 'count', op: 'ge', value: 3, groupBy: ['ip'], windowMs: 60_000 });
    const t0 = Date.parse('2024-05-01T10:00:00Z');
    // 100,000 addresses, each seen once, one a second: at most a minute of them is in a window
    for (let i = 0; i < 100_000; i++) st.add({ ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` }, t0 + i * 1000, resolve);
    const groups = (st as unknown as { groups: Map<string, unknown> }).groups;
    assert.ok(groups.size <= 20_001, `${groups.size} groups kept`);
    // a group dropped and made again counts from its new events only, as the window says
    assert.equal(st.add({ ip: '10.0.0.5' }, t0 + 100_000_000, resolve), undefined);
    assert.equal(st.add({ ip: '10.0.0.5' }, t0 + 100_000_001, resolve), undefined);
    assert.deepEqual(st.add({ ip: '10.0.0.5' }, t0 + 100_000_002, resolve), { key: '"10.0.0.5"', count: 3 });
  });
});
