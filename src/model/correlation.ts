/**
 * Evaluating a correlation of rules' matches (`Aggregation.correlation`: Panther correlation rules) over those
 * matches: each match is a member's, with its time and the values of the member's key fields.
 *
 * One evaluation reads the matches a scheduled run of the rule would see together (a rule's test gives them all):
 * - `group`: for one value of the keys, every member that must match has at least its `minMatches` matches with
 *   those values inside one window of `windowMinutes`, in any order;
 * - `sequence`: the same, with each member's matches after the previous member's (the `from` side of a transition
 *   at most `withinMinutes` before its `to` side, their `on` fields equal; a transition joins two neighbouring steps,
 *   whichever way it is written);
 * - a member that must be absent has no match with those values within the window of a chosen match (before it or
 *   after it: the run's lookback holds both); in a sequence, none between the steps around it, and when it is the
 *   first or the last step, none within its transition's bound (the window's) before the next step or after the
 *   previous one;
 * - a group's `minMembers`: that many of the members that must match are enough.
 * Equal times are in order. Defaults are Panther's, documented in its correlation rules' style guide: one match a
 * member, a transition bounded by the window.
 * The values of a key are compared as text (a test writes them as mapping keys). A time that cannot be read, or a
 * field that is not one of the member's keys, makes the result unknown where it matters.
 */
import type { Truth } from './evaluate.ts';
import type { CorrelationMember, RuleCorrelation } from './rule.ts';

/** One match of a member: its time (ms since the epoch, or minutes from a test's origin × 60,000) and key values. */
export interface CorrelationMatch {
  readonly time: number;
  /** The value of each criterion (as `RuleCorrelation.criteria`), null where the member names no field for it. */
  readonly keys: readonly (string | null)[];
}

/** Matches by member id; `unknown`: matches whose time or keys could not be read, by member id. */
export interface CorrelationInput {
  readonly matches: ReadonlyMap<string, readonly CorrelationMatch[]>;
  readonly unknown?: ReadonlyMap<string, number>;
}

export interface CorrelationResult {
  readonly truth: Truth;
  /** In words: which key values correlated, or why none did. */
  readonly detail: string;
}

const MINUTE = 60_000;

export function evaluateCorrelation(c: RuleCorrelation, input: CorrelationInput): CorrelationResult {
  const found = correlatedKeys(c, input, 1);
  if (found.correlated.length) return { truth: true, detail: `correlated on ${describeKey(c, found.correlated[0]!)}` };
  return found.result;
}

/**
 * The values of the keys on which the matches correlate (at most `limit` of them), and the result when none does:
 * false, or unknown (parts of the rule not read, matches whose time or keys could not be read).
 */
export function correlatedKeys(c: RuleCorrelation, input: CorrelationInput, limit = Infinity): { readonly correlated: readonly (readonly (string | null)[])[]; readonly result: CorrelationResult } {
  if (c.unread?.length) return { correlated: [], result: { truth: 'unknown', detail: `not read: ${c.unread.join('; ')}` } };
  const present = c.members.filter((m) => !m.absent);
  if (present.length === 0) return { correlated: [], result: { truth: 'unknown', detail: 'no member that must match' } };
  const windowMs = c.windowMinutes === undefined ? Infinity : c.windowMinutes * MINUTE;
  const unknownOf = (m: CorrelationMember) => input.unknown?.get(m.id) ?? 0;
  // candidate key values: those of the matches of the members that must match
  const first = present[0]!;
  const candidates = new Map<string, readonly (string | null)[]>();
  for (const m of present) for (const mt of input.matches.get(m.id) ?? []) candidates.set(JSON.stringify(mt.keys), mt.keys);
  const correlated: (readonly (string | null)[])[] = [];
  const ix = new TimeIndex(input);
  for (const [keyText, key] of candidates) {
    const r = c.mode === 'sequence' ? sequenceAt(c, key, keyText, ix, windowMs) : groupAt(c, key, keyText, ix, windowMs);
    if (r && correlated.push(key) >= limit) break;
  }
  // a match of an absent member that could not be read may be the one that keeps them from correlating
  if (correlated.length && c.members.some((m) => m.absent && unknownOf(m) > 0)) return { correlated: [], result: { truth: 'unknown', detail: 'matches of a member that must be absent could not be read' } };
  if (correlated.length) return { correlated, result: { truth: true, detail: `correlated on ${describeKey(c, correlated[0]!)}` } };
  if (c.members.some((m) => unknownOf(m) > 0)) return { correlated, result: { truth: 'unknown', detail: 'matches whose time or keys could not be read' } };
  const missing = present.filter((m) => !(input.matches.get(m.id)?.length));
  if (missing.length > present.length - (c.minMembers ?? present.length)) return { correlated, result: { truth: false, detail: `no match of ${missing.map((m) => m.id).join(', ')}` } };
  return { correlated, result: { truth: false, detail: candidates.size ? 'the matches do not correlate on their keys within the window' : `no match of ${first.id}` } };
}

/** The values of the keys in words: `user = bob`. */
export function describeKey(c: RuleCorrelation, key: readonly (string | null)[]): string {
  // a transition's `On f` criterion is named by its field
  const parts = c.criteria.map((name, i) => (key[i] === null ? undefined : `${name.startsWith('On ') ? name.slice(3) : name} = ${key[i]}`)).filter((x) => x !== undefined);
  return parts.length ? parts.join(', ') : 'every match (no match criteria)';
}

/** Do two matches' keys agree (a null on either side: that member names no field for the criterion)? */
export function keysAgree(a: readonly (string | null)[], b: readonly (string | null)[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== null && b[i] !== null && a[i] !== b[i]) return false;
  return true;
}

/**
 * Each member's match times by the values of its keys, sorted: a hunt may hold many matches of many values, and
 * each value is correlated on its own (a member's times for one value are a lookup, not a scan of every match).
 */
class TimeIndex {
  private readonly byMember = new Map<string, { readonly exact: Map<string, number[]>; readonly loose: readonly CorrelationMatch[] }>();
  private readonly cache = new Map<string, number[]>();

  constructor(private readonly input: CorrelationInput) {}

  /** The sorted times of the member's matches whose keys agree with `key`. */
  times(m: CorrelationMember, key: readonly (string | null)[], keyText: string): number[] {
    const ck = `${m.id}\u0000${keyText}`;
    const hit = this.cache.get(ck);
    if (hit) return hit;
    let ix = this.byMember.get(m.id);
    if (!ix) {
      // matches with every key given are filed by their keys; the others (a key the member names no field for) are scanned
      const exact = new Map<string, number[]>();
      const loose: CorrelationMatch[] = [];
      for (const x of this.input.matches.get(m.id) ?? []) {
        if (x.keys.includes(null)) loose.push(x);
        else {
          const k = JSON.stringify(x.keys);
          const list = exact.get(k);
          if (list) list.push(x.time);
          else exact.set(k, [x.time]);
        }
      }
      this.byMember.set(m.id, (ix = { exact, loose }));
    }
    let out: number[];
    if (!key.includes(null)) out = [...(ix.exact.get(keyText) ?? [])];
    else {
      out = [];
      for (const [k, ts] of ix.exact) if (keysAgree(JSON.parse(k) as (string | null)[], key)) out.push(...ts);
    }
    for (const x of ix.loose) if (keysAgree(x.keys, key)) out.push(x.time);
    out.sort((a, b) => a - b);
    this.cache.set(ck, out);
    return out;
  }
}

/** The first index of a sorted array whose value is ≥ t. */
function lowerBound(a: readonly number[], t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Does the sorted array hold a value in [lo, hi]? */
function anyIn(a: readonly number[], lo: number, hi: number): boolean {
  const i = lowerBound(a, lo);
  return i < a.length && a[i]! <= hi;
}

/** Group: one window holding every present member's matches (enough of each), no absent member's match near them. */
function groupAt(c: RuleCorrelation, key: readonly (string | null)[], keyText: string, ix: TimeIndex, windowMs: number): boolean {
  const present = c.members.filter((m) => !m.absent);
  const times = present.map((m) => ix.times(m, key, keyText));
  const absent = c.members.filter((m) => m.absent).map((m) => ix.times(m, key, keyText));
  const starts = [...new Set(times.flat())].sort((a, b) => a - b);
  const need = c.minMembers ?? present.length;
  for (const t of starts) {
    const end = t + windowMs;
    // the window [t, t + window]: enough matches of each member (or of enough members) inside it
    const chosen: number[] = [];
    let satisfied = 0;
    for (let i = 0; i < present.length; i++) {
      const ts = times[i]!;
      const from = lowerBound(ts, t);
      const k = present[i]!.minMatches;
      if (from + k - 1 >= ts.length || ts[from + k - 1]! > end) continue;
      satisfied++;
      for (let j = from; j < from + k; j++) chosen.push(ts[j]!);
    }
    if (satisfied < need) continue;
    if (absent.some((a) => chosen.some((x) => anyIn(a, x - windowMs, x + windowMs)))) continue;
    return true;
  }
  return false;
}

/**
 * Sequence: the members in order, each step's matches (enough of them) after the previous step's last chosen match,
 * the whole within the window; a transition bounds the time from its `from` step to its `to` step. The earliest
 * choice at each step is taken (a later one can only narrow what follows).
 */
function sequenceAt(c: RuleCorrelation, key: readonly (string | null)[], keyText: string, ix: TimeIndex, windowMs: number): boolean {
  const firstPresent = c.members.find((m) => !m.absent)!;
  for (const start of ix.times(firstPresent, key, keyText)) {
    if (sequenceFrom(c, key, keyText, ix, windowMs, start)) return true;
  }
  return false;
}

function sequenceFrom(c: RuleCorrelation, key: readonly (string | null)[], keyText: string, ix: TimeIndex, windowMs: number, start: number): boolean {
  const end = start + windowMs;
  // a transition's bound in ms (the window's when it states none)
  const within = (from: string | undefined, to: string) => {
    // a transition joins two neighbouring steps, whichever way it is written
    const w = from === undefined ? undefined : c.transitions?.find((x) => (x.from === from && x.to === to) || (x.from === to && x.to === from))?.withinMinutes;
    return w === undefined ? windowMs : w * MINUTE;
  };
  let prev = -Infinity;
  let prevId: string | undefined;
  let pendingAbsent: CorrelationMember[] = [];
  for (const m of c.members) {
    if (m.absent) {
      pendingAbsent.push(m);
      continue;
    }
    const lo = prevId === undefined ? start : prev;
    const limit = prevId === undefined ? end : Math.min(end, prev + within(prevId, m.id));
    const ts = ix.times(m, key, keyText);
    const from = lowerBound(ts, lo);
    const last = from + m.minMatches - 1;
    if (last >= ts.length || ts[last]! > limit) return false;
    const at = ts[last]!;
    // an absent step between the previous step and this one; before the first step: within its bound before it
    for (const a of pendingAbsent) {
      const after = prevId === undefined ? at - within(a.id, m.id) : prev;
      if (anyIn(ix.times(a, key, keyText), after, at)) return false;
    }
    pendingAbsent = [];
    prev = at;
    prevId = m.id;
  }
  // absent steps after the last one: none within the transition's bound (the window's) after it
  for (const a of pendingAbsent) if (anyIn(ix.times(a, key, keyText), prev, prev + within(prevId, a.id))) return false;
  return true;
}

/**
 * The matches a Panther correlation test gives (`RuleOutputs: [{ID, Matches: {field: {value: [time, …]}}}]`): a
 * number is minutes from the test's origin, a text a timestamp. A field that is not one of the member's keys, or a
 * time that cannot be read, is counted as unknown.
 */
export function correlationInputOfTest(c: RuleCorrelation, outputs: unknown): CorrelationInput | undefined {
  if (!Array.isArray(outputs)) return undefined;
  const matches = new Map<string, CorrelationMatch[]>();
  const unknown = new Map<string, number>();
  for (const o of outputs) {
    if (!o || typeof o !== 'object') return undefined;
    const id = (o as Record<string, unknown>)['ID'];
    const m = typeof id === 'string' ? c.members.find((x) => x.id === id) : undefined;
    if (!m) return undefined;
    // each field's values and times; matches of several key fields are told apart by their times
    const byField: { crit: readonly number[]; value: string; time: number }[][] = [];
    const raw = (o as Record<string, unknown>)['Matches'];
    if (!raw || typeof raw !== 'object') continue;
    for (const [field, values] of Object.entries(raw as Record<string, unknown>)) {
      // the criteria this field is the member's key for (a field may serve two: MatchCriteria and a transition's On)
      const crit = m.keys.flatMap((k, j) => (k === field ? [j] : []));
      const counts = crit.length > 0 || c.criteria.length === 0;
      if (!values || typeof values !== 'object') continue;
      const entries: { crit: readonly number[]; value: string; time: number }[] = [];
      for (const [value, times] of Object.entries(values as Record<string, unknown>)) {
        for (const t of Array.isArray(times) ? times : [times]) {
          const time = typeof t === 'number' ? t * MINUTE : typeof t === 'string' ? Date.parse(t) : NaN;
          if (!counts || !Number.isFinite(time)) unknown.set(m.id, (unknown.get(m.id) ?? 0) + 1);
          else entries.push({ crit, value, time });
        }
      }
      byField.push(entries);
    }
    const list = matches.get(m.id) ?? [];
    const blank = () => m.keys.map((): string | null => null);
    if (byField.length <= 1) {
      for (const e of byField[0] ?? []) {
        const keys = blank();
        for (const j of e.crit) keys[j] = e.value;
        list.push({ time: e.time, keys });
      }
    } else {
      // one match per time, each field giving its one value then; a time with two values of a field is not read
      const at = new Map<number, { keys: (string | null)[]; clash: boolean }>();
      for (const entries of byField) for (const e of entries) {
        const cur = at.get(e.time) ?? { keys: blank(), clash: false };
        for (const j of e.crit) {
          if (cur.keys[j] !== null && cur.keys[j] !== e.value) cur.clash = true;
          cur.keys[j] = e.value;
        }
        at.set(e.time, cur);
      }
      for (const [time, x] of at) {
        if (x.clash) unknown.set(m.id, (unknown.get(m.id) ?? 0) + 1);
        else list.push({ time, keys: x.keys });
      }
    }
    // a key the member matches on that the test does not give
    for (let i = list.length - 1; i >= 0; i--) {
      if (m.keys.some((k, j) => k !== null && list[i]!.keys[j] === null)) {
        unknown.set(m.id, (unknown.get(m.id) ?? 0) + 1);
        list.splice(i, 1);
      }
    }
    matches.set(m.id, list);
  }
  return { matches, unknown };
}

/** The correlation in words, a line each: its members, its match criteria, its transitions, its window (for pages). */
export function correlationLines(c: RuleCorrelation): string[] {
  const out: string[] = [];
  const which = c.mode === 'sequence' ? 'in this order' : c.minMembers !== undefined ? `any order; ${c.minMembers} of the rules that must match are enough` : 'any order';
  out.push(`${c.mode === 'sequence' ? 'Sequence' : 'Group'} (${which})${c.windowMinutes !== undefined ? ` within ${c.windowMinutes} minutes` : ''}:`);
  c.members.forEach((m, i) => {
    const count = m.absent ? 'must not match' : m.minMatches > 1 ? `at least ${m.minMatches} matches` : 'at least one match';
    out.push(`${c.mode === 'sequence' ? `${i + 1}. ` : '- '}${m.id} (rule ${m.rule}): ${count}`);
  });
  c.criteria.forEach((name, i) => {
    const fields = c.members.filter((m) => m.keys[i] !== null).map((m) => `${m.id}.${m.keys[i]}`);
    // a MatchCriteria entry's own name; a transition's is its fields already
    const own = !name.startsWith('On ') && !name.includes(' = ');
    out.push(`equal values: ${fields.join(' = ')}${own ? ` (${name})` : ''}`);
  });
  if (!c.criteria.length) out.push('no match criteria: every match correlates');
  for (const t of c.transitions ?? []) out.push(`${t.from} → ${t.to}${t.withinMinutes !== undefined ? ` within ${t.withinMinutes} minutes` : ''}`);
  if (c.order) out.push(`evaluation order: ${c.order}`);
  if (c.unread?.length) out.push(`not read (evaluating it is unknown): ${c.unread.join('; ')}`);
  return out;
}
