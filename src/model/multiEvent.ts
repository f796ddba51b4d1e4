/**
 * Multi-event rules stated side by side (`Aggregation.sides`: KQL joins, lookups, `in (subquery)`): evaluation
 * over a set of events, three-valued, and the readable rendering the rule page shows.
 *
 * Evaluation: the rule holds when events can be bound to every `required` side, each satisfying its side's
 * condition, with every pair of bound sides agreeing on their keys (and within the window when one is stated and
 * event times are known), such that no event satisfying an `absent` side's condition agrees on the keys with the
 * bound sides. `optional` sides never decide (an outer join keeps its rows either way); with no required side
 * (a full outer join) one event satisfying any optional side is enough. An unknown side condition or an unknown
 * time makes the binding unknown (Kleene logic): the result is true when some binding is true, false when every
 * binding is false, else unknown. A missing or null key pairs with nothing (KQL does not join null keys; with
 * `keysNullUnknown`, two events that both lack it may pair: unknown);
 * keys compare exactly (strings case-sensitively unless the side says `keysCi`, numbers as numbers; a list as a
 * whole, or element by element with `keysAny`). A derived key
 * (`keysDerived`) is its chain's value (a chain that fails is null and pairs with nothing; one that cannot be known
 * makes the pairing unknown). Constraints between sides (`CorrelationSide.constraints`: time relations, comparisons
 * of columns) must hold for every pair of bound events they link; see `SideConstraint` for their meaning.
 */
import { and3, evaluate, evaluatePredicate, not3, or3, resolveDotted, type FieldResolver, type Truth } from './evaluate.ts';
import { deriveValue, FAILED_NULL, Spread, UNKNOWN_OPERAND } from './derive.ts';
import { pred, type Derived } from './expr.ts';
import { OPERATOR_FACTS } from './operators.ts';
import { renderExpr, renderOperand } from './render.ts';
import type { CorrelationSide, SideConstraint, SidePresence, SideTerm } from './rule.ts';

/** Options of {@link evaluateSides}. */
export interface SidesEvalOptions {
  readonly resolve?: FieldResolver;
  /** The window in milliseconds within which paired events must lie (needs `timeOf`). */
  readonly windowMs?: number;
  /** An event's time in milliseconds, undefined when unknown. */
  readonly timeOf?: (event: unknown) => number | undefined;
  /** Most bindings tried before the answer is unknown (default 1,000,000). */
  readonly maxBindings?: number;
  /** Each side's condition on each event, when already known. */
  readonly truthOf?: (side: number, event: number) => Truth;
  /** Only bindings in which this event (its index in `events`) takes a required side count (a hunt's newest event). */
  readonly including?: number;
  /** Filled with the first true binding: for each side, the index of its event (undefined: none bound). */
  readonly binding?: (number | undefined)[];
}

/** Evaluate a multi-event rule's sides over a set of events (see the module comment). */
export function evaluateSides(sides: readonly CorrelationSide[], events: readonly unknown[], opts: SidesEvalOptions = {}): Truth {
  const resolve = opts.resolve;
  const truths = opts.truthOf ? undefined : sides.map((s) => events.map((e) => evaluate(s.condition, e, resolve ? { resolve } : {})));
  const truthOf = opts.truthOf ?? ((side: number, e: number): Truth => truths![side]![e]!);
  const required = sides.map((s, i) => (s.presence === 'required' ? i : -1)).filter((i) => i >= 0);
  if (required.length === 0) {
    let out: Truth = false;
    sides.forEach((s, i) => {
      if (s.presence === 'optional') for (let e = 0; e < events.length; e++) out = or3(out, truthOf(i, e));
    });
    return out;
  }
  // keys and constraints read fields as side conditions do (dotted paths into nested events)
  const res = resolve ?? resolveDotted;
  const bound: (number | undefined)[] = sides.map(() => undefined);
  const budget = { left: opts.maxBindings ?? 1_000_000 };

  /** Do side a (event ea) and side b (event eb) agree on the keys that pair them (true when no pair links them)? */
  const keysAgree = (a: number, ea: number, b: number, eb: number): Truth => {
    const sa = sides[a]!;
    const sb = sides[b]!;
    if (sa.partner === b) return pairEqual(res, { ev: events[ea], keys: sa.keys, derived: sa.keysDerived }, { ev: events[eb], keys: sa.partnerKeys ?? sb.keys, derived: sa.partnerKeys ? sa.partnerKeysDerived : sb.keysDerived }, sa.keysCi === true, sa.keysAny === true, sa.keysNullUnknown === true);
    if (sb.partner === a) return pairEqual(res, { ev: events[eb], keys: sb.keys, derived: sb.keysDerived }, { ev: events[ea], keys: sb.partnerKeys ?? sa.keys, derived: sb.partnerKeys ? sb.partnerKeysDerived : sa.keysDerived }, sb.keysCi === true, sb.keysAny === true, sb.keysNullUnknown === true);
    return true;
  };
  const windowTruth = (ea: number, eb: number): Truth => {
    if (opts.windowMs === undefined || !opts.timeOf) return true;
    const ta = opts.timeOf(events[ea]);
    const tb = opts.timeOf(events[eb]);
    if (ta === undefined || tb === undefined) return 'unknown';
    return Math.abs(ta - tb) <= opts.windowMs;
  };
  // the constraints each side takes part in
  const linked: SideConstraint[][] = sides.map(() => []);
  for (const s of sides) {
    for (const c of s.constraints ?? []) {
      const [x, y] = constraintSides(c);
      linked[x]?.push(c);
      if (y !== x) linked[y]?.push(c);
    }
  }
  /** Truth of side i taking event e given the sides bound so far (false when keys disagree). */
  const fits = (i: number, e: number): Truth => {
    let t: Truth = truthOf(i, e);
    if (t === false) return false;
    for (let j = 0; j < sides.length; j++) {
      const b = bound[j];
      if (b === undefined || j === i) continue;
      // the same event for two sides: whether it may stand for both is the backend's choice (`sameEventUnknown`)
      if (b === e && (sides[i]!.sameEventUnknown || sides[j]!.sameEventUnknown)) t = and3(t, 'unknown');
      t = and3(t, keysAgree(i, e, j, b));
      if (t === false) return false;
      t = and3(t, windowTruth(e, b));
      if (t === false) return false;
    }
    for (const c of linked[i]!) {
      const [x, y] = constraintSides(c);
      const ex = x === i ? e : bound[x];
      const ey = y === i ? e : bound[y];
      if (ex === undefined || ey === undefined) continue;
      t = and3(t, constraintTruth(c, res, events[ex], events[ey], ex, ey, opts.timeOf));
      if (t === false) return false;
    }
    return t;
  };
  const absents = sides.map((s, i) => (s.presence === 'absent' ? i : -1)).filter((i) => i >= 0);
  /** Bind the sides of `order` from its `k`-th on (those before are bound), with `acc` the truth so far. */
  const search = (order: readonly number[], k: number, acc: Truth): Truth => {
    if (--budget.left < 0) return 'unknown';
    if (k === order.length) {
      let t = acc;
      for (const a of absents) {
        let exists: Truth = false;
        for (let e = 0; e < events.length && exists !== true; e++) exists = or3(exists, fits(a, e));
        t = and3(t, not3(exists));
        if (t === false) return false;
      }
      if (t === true && opts.binding) opts.binding.splice(0, opts.binding.length, ...bound);
      return t;
    }
    const i = order[k]!;
    let out: Truth = false;
    for (let e = 0; e < events.length; e++) {
      const f = fits(i, e);
      if (f === false) continue;
      bound[i] = e;
      out = or3(out, search(order, k + 1, and3(acc, f)));
      bound[i] = undefined;
      if (out === true) return true;
    }
    return out;
  };
  const including = opts.including;
  if (including === undefined) return search(required, 0, true);
  // the given event takes one required side (each it may take, in turn), then the others are bound around it
  let out: Truth = false;
  for (const r of required) {
    const f = fits(r, including);
    if (f === false) continue;
    bound[r] = including;
    out = or3(out, search(required.filter((x) => x !== r), 0, f));
    bound[r] = undefined;
    if (out === true) return true;
  }
  return out;
}

/** The sides a constraint links: its first end's, then its second's. */
function constraintSides(c: SideConstraint): [number, number] {
  switch (c.kind) {
    case 'time':
      return [c.from.side, c.to.side];
    case 'compare':
      return [c.a.side, c.b.side];
    default: {
      const _x: never = c;
      return _x;
    }
  }
}

/** A term's value in its side's event: the field's, or its chain's (UNKNOWN_KEY when it cannot be known). */
function termValue(resolve: FieldResolver, t: SideTerm, ev: unknown): unknown {
  const raw = resolve(ev, t.field);
  if (!t.derived) return raw;
  const v = deriveValue(t.derived, raw, (f) => resolve(ev, f));
  if (v === FAILED_NULL) return undefined;
  if (v === UNKNOWN_OPERAND || v instanceof Spread) return UNKNOWN_KEY;
  return v;
}

/**
 * A time term's time in milliseconds (`timeMs` of its value; an event time term's, what `timeOf` reads), UNKNOWN_KEY
 * when it cannot be known (an event time without `timeOf`, or that it cannot read).
 */
function termTime(resolve: FieldResolver, t: SideTerm, ev: unknown, timeOf?: (event: unknown) => number | undefined): number | null | undefined | typeof UNKNOWN_KEY {
  if (t.eventTime) return timeOf?.(ev) ?? UNKNOWN_KEY;
  const v = termValue(resolve, t, ev);
  return v === UNKNOWN_KEY ? UNKNOWN_KEY : timeMs(v);
}

/**
 * A time in milliseconds since the epoch: an ISO date-time string (UTC when it states no zone; a space may stand
 * for the `T`) or an epoch number (milliseconds above 1e12, else seconds). Null when missing; undefined when the
 * value is not a time.
 */
export function timeMs(v: unknown): number | null | undefined {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? (Math.abs(v) > 1e12 ? v : v * 1000) : undefined;
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(v.trim())) return undefined;
  let t = v.trim().replace(' ', 'T');
  if (t.length > 10 && !/(Z|[+-]\d{2}:?\d{2})$/i.test(t)) t += 'Z';
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Truth of a constraint for the events bound to its two ends (`ex` to the first end's side, `ey` to the second's;
 * `px`, `py` their positions in the input, which order a `later` constraint's events of equal times; `timeOf` reads
 * the times of event time terms).
 */
export function constraintTruth(c: SideConstraint, resolve: FieldResolver, ex: unknown, ey: unknown, px?: number, py?: number, timeOf?: (event: unknown) => number | undefined): Truth {
  switch (c.kind) {
    case 'time': {
      const ta = termTime(resolve, c.from, ex, timeOf);
      const tb = termTime(resolve, c.to, ey, timeOf);
      if (ta === UNKNOWN_KEY || tb === UNKNOWN_KEY) return 'unknown';
      if (ta === undefined || tb === undefined) return ta === null || tb === null ? false : 'unknown';
      if (ta === null || tb === null) return false;
      const d = c.unitMs ? (Math.floor(tb / c.unitMs) - Math.floor(ta / c.unitMs)) * c.unitMs : tb - ta;
      if (c.minMs !== undefined && (c.minStrict ? d <= c.minMs : d < c.minMs)) return false;
      if (c.maxMs !== undefined && (c.maxStrict ? d >= c.maxMs : d > c.maxMs)) return false;
      // a later event: with equal times, one that comes after in the input (never the same event)
      if (c.later && tb === ta && px !== undefined && py !== undefined && py <= px) return false;
      return true;
    }
    case 'compare': {
      const b = termValue(resolve, c.b, ey);
      if (b === UNKNOWN_KEY) return 'unknown';
      // b's value stands in a field of its own beside a's event: the predicate compares a with it
      const other = '\u0000other side';
      const p = pred(c.a.field, c.op, [{ kind: 'field', field: other }], c.opts, undefined, c.a.derived);
      const t = evaluatePredicate(p, ex, (ev, f) => (f === other ? b : resolve(ev, f)));
      return c.negated ? not3(t) : t;
    }
    default: {
      const _x: never = c;
      return _x;
    }
  }
}

/** One side's event and its keys (with their chains). */
interface KeyedEvent {
  readonly ev: unknown;
  readonly keys: readonly string[];
  readonly derived?: readonly (Derived | null)[] | undefined;
}

const UNKNOWN_KEY = Symbol('unknown key');

/** A key's value: the field's, or its chain's (a failure is null; a value that cannot be known is UNKNOWN_KEY). */
function keyValue(resolve: FieldResolver, k: KeyedEvent, i: number): unknown {
  const raw = resolve(k.ev, k.keys[i]!);
  const d = k.derived?.[i];
  if (!d) return raw;
  const v = deriveValue(d, raw, (f) => resolve(k.ev, f));
  if (v === FAILED_NULL) return undefined;
  if (v === UNKNOWN_OPERAND || v instanceof Spread) return UNKNOWN_KEY;
  return v;
}

/**
 * A bucket for an event's values of a side's keys such that events that pair on them (`pairEqual`) share it:
 * numbers and numeric text alike as numbers, text folded when the keys pair case-insensitively. Undefined when a
 * key is missing or null (such an event pairs with nothing; with `nullUnknown`, null: it may pair with another
 * that lacks it); null when a key cannot be known (any bucket may do).
 */
export function keyBucket(resolve: FieldResolver, ev: unknown, keys: readonly string[], derived: readonly (Derived | null)[] | undefined, ci: boolean, nullUnknown = false): string | null | undefined {
  let out = '';
  const keyed: KeyedEvent = { ev, keys, derived };
  for (let i = 0; i < keys.length; i++) {
    const v = keyValue(resolve, keyed, i);
    // a missing key pairs with nothing, or (`keysNullUnknown`) may pair with another event that lacks it
    if (v === undefined || v === null) return nullUnknown ? null : undefined;
    if (v === UNKNOWN_KEY) return null;
    out += `${keyPart(v, ci)}\u0000`;
  }
  return out;
}

/** Two key values pair: objects as JSON, a number with anything as numbers, text exactly (or folded with `ci`). */
/**
 * A key value's bucket part: values `valuesEqual` calls equal share it (it may also join values that are not equal;
 * pairing checks them). Objects as JSON, anything read as a number (numbers, numeric text, booleans) as that number,
 * other text as it is (folded with `ci`).
 */
function keyPart(v: unknown, ci: boolean): string {
  if (typeof v === 'object') return `j${JSON.stringify(v)}`;
  const n = Number(v);
  if (Number.isFinite(n)) return `n${n}`;
  return `s${ci && typeof v === 'string' ? v.toLowerCase() : String(v)}`;
}

function valuesEqual(x: unknown, y: unknown, ci: boolean): boolean {
  if (typeof x === 'object' || typeof y === 'object') return JSON.stringify(x) === JSON.stringify(y);
  if (typeof x === 'number' || typeof y === 'number') return Number(x) === Number(y) && !Number.isNaN(Number(x));
  if (ci && typeof x === 'string' && typeof y === 'string') return x.toLowerCase() === y.toLowerCase();
  return x === y;
}

function pairEqual(resolve: FieldResolver, a: KeyedEvent, b: KeyedEvent, ci: boolean, any = false, nullUnknown = false): Truth {
  const ka = a.keys;
  const kb = b.keys;
  if (ka.length !== kb.length) return false;
  let unknown = false;
  for (let i = 0; i < ka.length; i++) {
    const x = keyValue(resolve, a, i);
    const y = keyValue(resolve, b, i);
    const xNull = x === undefined || x === null;
    const yNull = y === undefined || y === null;
    if (xNull && yNull && nullUnknown) {
      // both lack the key: whether they pair is the backend's choice (`keysNullUnknown`)
      unknown = true;
      continue;
    }
    if (xNull || yNull) return false;
    if (x === UNKNOWN_KEY || y === UNKNOWN_KEY) {
      unknown = true;
      continue;
    }
    if (any && (Array.isArray(x) || Array.isArray(y))) {
      // elements one by one (`keysAny`): the lists pair when they share a value
      const xs = Array.isArray(x) ? x : [x];
      const ys = Array.isArray(y) ? y : [y];
      if (!xs.some((u) => u !== null && u !== undefined && ys.some((w) => w !== null && w !== undefined && valuesEqual(u, w, ci)))) return false;
    } else if (!valuesEqual(x, y, ci)) return false;
  }
  return unknown ? 'unknown' : true;
}

/** What each presence means, for pages. */
export const PRESENCE_TEXT: Readonly<Record<SidePresence, string>> = {
  required: 'an event must match',
  absent: 'no event may match',
  optional: 'matched if present',
};

/** How a side pairs with its partner: `left.a == right.b`, or `on a` when the names are the same. */
export function renderSideKeys(sides: readonly CorrelationSide[], i: number): string {
  const s = sides[i]!;
  if (s.partner === undefined) return '';
  const p = sides[s.partner]!;
  const pkd = s.partnerKeys ? s.partnerKeysDerived : p.keysDerived;
  const pk = (s.partnerKeys ?? p.keys).map((k, j) => renderOperand(k, pkd?.[j] ?? undefined));
  const keys = s.keys.map((k, j) => renderOperand(k, s.keysDerived?.[j] ?? undefined));
  if (keys.length === 0) return '';
  const on = s.keysCi ? 'on[ci]' : 'on';
  if (keys.every((k, j) => k === pk[j])) return `${on} ${keys.join(', ')}`;
  return `${on} ${keys.map((k, j) => `${p.name}.${pk[j] ?? '?'} == ${s.name}.${k}`).join(', ')}`;
}

/**
 * One line per side: `right (no event may match) SigninLogs on left.a == right.b: <condition>`, then one line per
 * constraint between sides: `where right.TimeDeleted - left.TimeAdded within [0s, 1h]`.
 */
export function renderSides(sides: readonly CorrelationSide[]): string[] {
  const lines = sides.map((s, i) => {
    const keys = renderSideKeys(sides, i);
    const src = s.sources?.length ? ` ${s.sources.join(', ')}` : '';
    return `${s.name} (${PRESENCE_TEXT[s.presence]})${src}${keys ? ` ${keys}` : ''}: ${renderExpr(s.condition)}`;
  });
  for (const s of sides) for (const c of s.constraints ?? []) lines.push(`where ${renderConstraint(sides, c)}`);
  return lines;
}

/** A span of milliseconds in KQL's spelling (`4m`, `-2m`, `1h`, `90s`, `0s`). */
export function renderSpan(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const a = Math.abs(ms);
  if (a === 0) return '0s';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (a % size === 0) return `${sign}${a / size}${unit}`;
  return `${sign}${a}ms`;
}

/** A constraint between sides, readably: `right.TimeDeleted > left.TimeAdded`, `right.a =~ left.b`. */
export function renderConstraint(sides: readonly CorrelationSide[], c: SideConstraint): string {
  const term = (t: SideTerm) => `${sides[t.side]?.name ?? `side ${t.side}`}.${t.eventTime ? 'time' : renderOperand(t.field, t.derived)}`;
  switch (c.kind) {
    case 'time': {
      const to = term(c.to);
      const from = term(c.from);
      const diff = c.unitMs ? `datetime_diff(${renderSpan(c.unitMs)}, ${to}, ${from})` : `${to} - ${from}`;
      const lo = c.minMs;
      const hi = c.maxMs;
      if (c.later && lo === 0 && hi === undefined && !c.unitMs) return `${to} after ${from}`;
      if (lo !== undefined && hi !== undefined) return `${diff} within ${c.minStrict ? '(' : '['}${renderSpan(lo)}, ${renderSpan(hi)}${c.maxStrict ? ')' : ']'}`;
      if (lo !== undefined) return lo === 0 && !c.unitMs ? `${to} ${c.minStrict ? '>' : '>='} ${from}` : `${diff} ${c.minStrict ? '>' : '>='} ${renderSpan(lo)}`;
      if (hi !== undefined) return hi === 0 && !c.unitMs ? `${to} ${c.maxStrict ? '<' : '<='} ${from}` : `${diff} ${c.maxStrict ? '<' : '<='} ${renderSpan(hi)}`;
      return `${diff} (any)`;
    }
    case 'compare': {
      const cs = c.opts?.cs;
      const opts = cs === undefined || cs === OPERATOR_FACTS[c.op].defaultCaseSensitive ? '' : cs ? '[cs]' : '[ci]';
      return `${c.negated ? 'not ' : ''}${term(c.a)} ${c.op}${opts} ${term(c.b)}`;
    }
    default: {
      const _x: never = c;
      return _x;
    }
  }
}
