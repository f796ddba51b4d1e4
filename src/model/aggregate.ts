/**
 * What a threshold aggregation counts, read from the model's `Aggregation`: the kind of count, the event field it
 * counts, the group-by keys, the window and the threshold. One reading serves two readers: the hunt counts the
 * events by it (`src/hunt/aggregate.ts`), and `buildLogic` calls a rule whose threshold aggregation reads fully
 * complete, as a multi-event rule whose every side is expressed is complete.
 *
 * Counted (`AGGREGATE_FUNCTIONS`): event counts (`count`, `count()`, Sigma `event_count`, Splunk `count`; `count(f)`
 * counts the events where f is present) and distinct counts of one field (Sigma `value_count(f)` and v1 `count(f)`,
 * KQL `dcount(f)`, Splunk `dc(f)` / `distinct_count(f)`, SQL `count_distinct(f)`, Elastic `cardinality(f)`) and
 * sums of one field's numbers (`sum(f)`, Sigma `value_sum(f)`: bytes, counts; a sum that a negative value lowers is
 * still counted as it runs), each maybe over only the events meeting a condition (`where`: KQL `countif`, `dcountif`, `sumif`), with a
 * threshold; several such thresholds on one aggregation (`moreThresholds`) must all pass, and a group that passes
 * every test of one of `orThresholds` passes too (a having condition of ands and ors of such tests).
 * When a threshold is decided:
 * - "more than" and "at least" as events arrive (a count only grows within a window), in a sliding window or once
 *   per fixed bin (`bins`);
 * - "exactly", "fewer than", "at most" and "other than" (`atClose`) when the window closes: the events are counted
 *   per fixed window of the rule's length (event time rounded down; the whole input when the rule has no window), and
 *   each group of a window that has closed is tested once, as a scheduled search tests the groups of its run. A plan
 *   with one such test decides all of its tests so.
 * New terms (Elastic `new_terms(f, …)`, `window` its history): an event alerts when its value of the fields (a
 * combination of values, each value of an array its own term) was on no selected event within the window before it.
 * One row kept per group (KQL `summarize arg_max(TimeGenerated, *) by k | where …`, `keep`): each group's latest (or
 * earliest) selected event is kept until the window closes, and the group alerts when that event meets the filter.
 * Not counted: other functions (avg, min, max, temporal correlations), a function text naming several aggregates
 * (`count, cardinality(x)`), computed group-by keys, rule variables, or a window that cannot be read. Those keep
 * the rule partial, with the reason.
 */
import { containsOpaque, type Derived, type Expr, type Operator } from './expr.ts';
import { renderExpr, renderOperand, renderValue } from './render.ts';
import type { Aggregation, DerivedKey, KeptRow, KeyCase, MissingKeys, OtherAggregate, ThresholdTest } from './rule.ts';

export type AggregateKind = 'count' | 'distinct' | 'sum' | 'new' | 'keep';

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
  sum: 'sum',
  value_sum: 'sum',
};

/** An aggregation that alerts on the first appearance of values: `new_terms(field, …)` (the fields are the group-by keys). */
const NEW_TERMS = /^\s*new_terms\s*\(/i;

/**
 * Whether the aggregation decides when the rule alerts as events are counted: a threshold, or new terms. Any other
 * aggregation (`summarize count() by k`) has a result row for every group with a matching event.
 */
export function aggregationDecides(a: Aggregation | undefined): boolean {
  return !!a && (a.threshold !== undefined || NEW_TERMS.test(a.function ?? '') || a.keep?.where !== undefined);
}

/** Threshold operators decided as events arrive (the count only grows within a window). */
const DECIDED_AS_EVENTS_ARRIVE: ReadonlySet<Operator> = new Set(['gt', 'ge']);
/** Threshold operators decided when the window closes (the count may still grow until then). */
const DECIDED_AT_CLOSE: ReadonlySet<Operator> = new Set(['eq', 'lt', 'le', 'ne']);

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Window units as the languages write them (`5m`, `15 minutes`, `1h`, `PT5M` below); months and years vary. */
const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: SECOND, sec: SECOND, secs: SECOND, second: SECOND, seconds: SECOND,
  m: MINUTE, min: MINUTE, mins: MINUTE, minute: MINUTE, minutes: MINUTE,
  h: HOUR, hr: HOUR, hrs: HOUR, hour: HOUR, hours: HOUR,
  d: DAY, day: DAY, days: DAY,
  w: 7 * DAY, week: 7 * DAY, weeks: 7 * DAY,
};

/** Window length in milliseconds; undefined when there is none (or it cannot be read). */
export function windowMs(w: string | undefined): number | undefined {
  if (!w) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(w);
  const unit = m && m[2] !== 'M' ? UNITS[m[2]!.toLowerCase()] : undefined; // `1M`: a month
  if (m && unit !== undefined) return Number(m[1]) * unit;
  // ISO 8601 durations: days before the `T`, hours, minutes and seconds after it (`P1M` is a month)
  const iso = /^P(?:(\d+)D|T(\d+)([HMS]))$/i.exec(w.trim());
  if (iso?.[1]) return Number(iso[1]) * DAY;
  if (iso?.[2]) return Number(iso[2]) * UNITS[iso[3]!.toLowerCase()]!;
  return undefined;
}

/** What one count counts: its kind, field and condition. */
export interface Counted {
  readonly kind: AggregateKind;
  /** The event field counted: distinct values of it, or (count) events where it is present. */
  readonly of?: string;
  /** Only events meeting this condition are counted (a conditional aggregate: `countif`, `dcountif`, `sumif`). */
  readonly where?: Expr;
}

/** One count and the threshold it must pass: a number, or (`than`) another count of the group. */
export interface CountTest extends Counted {
  readonly op: Operator;
  readonly value: number;
  readonly than?: Counted;
}

/**
 * How a threshold aggregation is counted: the first count test, and any further ones a group must also pass; `or`:
 * other lists of tests, a group passing every test of one of them passes too.
 */
export interface AggregatePlan extends CountTest {
  /** The keys: event fields, then computed keys (named as `Aggregation.computedKeys` names them). */
  readonly groupBy: readonly string[];
  /** How each computed key is computed, in the order they follow the fields in `groupBy`. */
  readonly derivedKeys?: readonly DerivedKey[];
  /** A key whose value is a list: each element is a key (`Aggregation.listKeys`). */
  readonly listKeys?: 'each';
  readonly or?: readonly (readonly CountTest[])[];
  readonly windowMs?: number;
  /** Count per fixed bin of `windowMs` (event time rounded down), not in a sliding window. */
  readonly bins?: boolean;
  /**
   * A test is decided only when the window closes (exactly, fewer than, at most, other than): every test is then
   * tested once per group of each fixed window (`windowMs`, or the whole input without one) after it closes.
   */
  readonly atClose?: boolean;
  readonly more?: readonly CountTest[];
  /** An event whose group-by key is missing (`Aggregation.missingKeys`; absent: a group of its own). */
  readonly missingKeys?: Exclude<MissingKeys, 'group'>;
  /** `kind: 'keep'`: the row kept per group and the filter it must meet (decided when the window closes). */
  readonly keep?: KeptRow;
}

/** `name` or `name(arg)`, the whole function text (anything else, such as two functions, is not read). */
const FUNCTION = /^\s*([A-Za-z_]+)\s*(?:\(\s*([^(),]*?)\s*\))?\s*$/;

/** An aggregate's text as its function's name and its one argument (`dcount(User)`); undefined when not of that form. */
export function aggregateCall(fn: string): { readonly name: string; readonly arg?: string } | undefined {
  const m = FUNCTION.exec(fn);
  return m ? { name: m[1]!, ...(m[2] ? { arg: m[2] } : {}) } : undefined;
}

/** A plan for the aggregation's threshold, or the reason it cannot be counted. */
export function planAggregation(a: Aggregation): AggregatePlan | { unsupported: string } {
  // the hunt pairs the sides' events (`src/hunt/sides.ts`) but does not count the pairs against a threshold
  if (a.sides?.length) return { unsupported: `a threshold over the paired events of a multi-event rule (${a.function ?? 'join'} of ${a.sides.length} sides) is not counted` };
  if (NEW_TERMS.test(a.function ?? '')) return planNewTerms(a);
  if (a.keep && !a.threshold) return planKeep(a, a.keep);
  if (!a.threshold) return { unsupported: `aggregation ${a.text ?? a.function ?? ''} has no threshold` };
  const first = countTest(a.function ?? 'count', a.threshold.op, a.threshold.value, a.threshold.where, a.threshold.than);
  if ('unsupported' in first) return first;
  const tests = (list: readonly ThresholdTest[]): CountTest[] | { unsupported: string } => {
    const out: CountTest[] = [];
    for (const t of list) {
      const c = countTest(t.function, t.op, t.value, t.where, t.than);
      if ('unsupported' in c) return c;
      out.push(c);
    }
    return out;
  };
  const more = tests(a.moreThresholds ?? []);
  if ('unsupported' in more) return more;
  const or: CountTest[][] = [];
  for (const alt of a.orThresholds ?? []) {
    const t = tests(alt);
    if ('unsupported' in t) return t;
    or.push(t);
  }
  const variable = ruleVariable([...[first, ...more, ...or.flat()].flatMap((c) => [c.of, c.than?.of].filter((f): f is string => f !== undefined)), ...a.groupBy]);
  if (variable) return { unsupported: variable };
  const keys = groupKeys(a);
  if ('unsupported' in keys) return keys;
  const w = windowMs(a.window);
  if (a.window && w === undefined) return { unsupported: `window ${a.window} cannot be read` };
  // a comparison of two counts is decided when the window closes: either count may still grow
  const atClose = [first, ...more, ...or.flat()].some((c) => DECIDED_AT_CLOSE.has(c.op) || c.than !== undefined);
  // decided at close: counted per fixed window (a sliding window would hold "fewer than N" at nearly every event)
  const bins = (a.bins || atClose) && w !== undefined ? { bins: true } : {};
  const missingKeys = keys.groupBy.length && a.missingKeys && a.missingKeys !== 'group' ? { missingKeys: a.missingKeys } : {};
  return { ...first, ...keys, ...(w !== undefined ? { windowMs: w } : {}), ...bins, ...(atClose ? { atClose } : {}), ...(more.length ? { more } : {}), ...(or.length ? { or } : {}), ...missingKeys };
}

/**
 * The keys a plan groups by: the event fields, then the computed keys, each with its derivation; or why not (a
 * computed key the model does not state).
 */
function groupKeys(a: Aggregation): { groupBy: readonly string[]; derivedKeys?: readonly DerivedKey[]; listKeys?: 'each' } | { unsupported: string } {
  const each = a.listKeys === 'each' ? { listKeys: a.listKeys } : {};
  if (!a.computedKeys?.length) return { groupBy: a.groupBy, ...each };
  const unstated = a.computedKeys.filter((k) => !a.derivedKeys?.some((d) => d.name === k));
  if (unstated.length) return { unsupported: `the group-by key ${unstated.join(', ')} is a value the rule computes, not an event field` };
  const derivedKeys = a.computedKeys.map((k) => a.derivedKeys!.find((d) => d.name === k)!);
  return { groupBy: [...a.groupBy, ...a.computedKeys], derivedKeys, ...each };
}

/** A computed group-by key that is a field case-folded (KQL `tolower(User)`, Splunk `lower(user)`, ES|QL `TO_LOWER`). */
export function foldedKey(name: string, field: string, fold: 'lower' | 'upper', lang?: Derived['lang']): DerivedKey {
  return { name, field, derived: { steps: [{ fn: fold }], ...(lang ? { lang } : {}) } };
}

/**
 * The group-by keys as pages list them: event fields, then computed keys, each with how it is computed where the
 * model states it (`Low (computed: lower(host))`).
 */
export function groupKeyTexts(a: Aggregation): { key: string; computed?: string }[] {
  return [
    ...a.groupBy.map((key) => ({ key })),
    ...(a.computedKeys ?? []).map((key) => {
      const d = a.derivedKeys?.find((x) => x.name === key);
      const from = d?.coalesce?.length ? `coalesce(${[d.field, ...d.coalesce].join(', ')})` : d?.field;
      const branch = (c: KeyCase) => `${renderExpr(c.when)} → ${c.field !== undefined ? renderOperand(c.field, c.derived) : renderValue(c.value ?? null)}`;
      const how = d?.cases ? `case(${d.cases.map(branch).join('; ')})` : d ? renderOperand(from!, d.derived) : undefined;
      return { key, computed: how === undefined || how === key ? '' : how };
    }),
  ];
}

/**
 * Every threshold of the aggregation as one text (`count_ ge 3 and dcount_ip gt 2`, `(n ge 2 and f ge 5) or f ge
 * 20`), for pages; undefined without a threshold.
 */
export function thresholdText(a: Aggregation): string | undefined {
  // the rule's threshold without a column name compares its event count (as pages always said); others name theirs
  const alts = thresholdAlternatives(a).map((alt, i) => alt.map((t, j) => `${t.of ?? (i + j === 0 ? 'count' : t.function)} ${t.op} ${t.than ? (t.than.of ?? t.than.function) : t.value}`).join(' and '));
  if (!alts.length) return undefined;
  return alts.length === 1 ? alts[0] : alts.map((t) => (t.includes(' and ') ? `(${t})` : t)).join(' or ');
}

/** At most this many alternatives in a having condition's normal form (`(a or b) and (c or d)…` multiplies them). */
const MAX_ALTERNATIVES = 16;

/** The aggregation's thresholds as alternatives: the threshold with `moreThresholds`, then each of `orThresholds`. */
export function thresholdAlternatives(a: Aggregation): ThresholdTest[][] {
  if (!a.threshold) return [];
  return [[{ function: a.function ?? 'count', ...a.threshold }, ...(a.moreThresholds ?? [])], ...(a.orThresholds ?? []).map((alt) => [...alt])];
}

/**
 * The aggregation with a further having condition over its groups (`dnf`: alternatives of tests, as
 * `thresholdDnf` gives) that they must pass as well, and the `text` it adds; or why not (too many alternatives).
 * The first test becomes the threshold and `function` the aggregate it compares.
 */
export function withThresholds(a: Aggregation, dnf: readonly (readonly ThresholdTest[])[], text?: string): Aggregation | { unsupported: string } {
  const before = thresholdAlternatives(a);
  const alts = (before.length ? before : [[]]).flatMap((x) => dnf.map((y) => [...x, ...y]));
  if (alts.length > MAX_ALTERNATIVES) return { unsupported: `the condition on aggregated rows has more than ${MAX_ALTERNATIVES} alternatives` };
  const [[first, ...more] = [], ...or] = alts;
  if (!first) return a;
  const { function: fn, ...threshold } = first;
  const { moreThresholds: _m, orThresholds: _o, ...rest } = a;
  return { ...rest, function: fn, threshold, ...(more.length ? { moreThresholds: more } : {}), ...(or.length ? { orThresholds: or } : {}), ...(text !== undefined ? { text } : {}) };
}

/** The ands and ors of a model condition, for `thresholdDnf`. */
export const exprParts = (e: Expr): { readonly op: 'and' | 'or'; readonly args: readonly Expr[] } | undefined => (e.kind === 'and' || e.kind === 'or' ? { op: e.kind, args: e.args } : undefined);

/**
 * A having condition as alternatives of tests (disjunctive normal form): `parts` says which nodes are ands and ors
 * (`exprParts` for a model condition; an adapter passes its own for its syntax tree), `leaf` reads every other node as
 * a test. Undefined when a leaf is not a test (a negation included: `not (count > 5)` is "at most 5", decided only
 * when the window closes) or the alternatives would be too many.
 */
export function thresholdDnf<N>(
  e: N,
  leaf: (e: N) => ThresholdTest | undefined,
  parts: (e: N) => { readonly op: 'and' | 'or'; readonly args: readonly N[] } | undefined,
): ThresholdTest[][] | undefined {
  const p = parts(e);
  if (!p) {
    const t = leaf(e);
    return t ? [[t]] : undefined;
  }
  let out: ThresholdTest[][] = p.op === 'or' ? [] : [[]];
  for (const x of p.args) {
    const d = thresholdDnf(x, leaf, parts);
    if (!d) return undefined;
    out = p.op === 'or' ? [...out, ...d] : out.flatMap((a) => d.map((b) => [...a, ...b]));
    if (out.length > MAX_ALTERNATIVES) return undefined;
  }
  return out;
}

/** Why the first of these names that is a rule variable (`$ip`, `#e`), not an event field, cannot be counted. */
function ruleVariable(names: readonly string[]): string | undefined {
  const v = names.find((f) => /^[$#]/.test(f));
  return v === undefined ? undefined : `${v} is a rule variable, not an event field`;
}

/**
 * New terms: the group-by keys are the fields, the window the history an event's terms are compared with (it must
 * be read: "new since when" is the rule). Decided at each event, so "exactly one within the window" is its test.
 */
function planNewTerms(a: Aggregation): AggregatePlan | { unsupported: string } {
  if (!a.groupBy.length) return { unsupported: `new terms without fields` };
  const variable = ruleVariable(a.groupBy);
  if (variable) return { unsupported: variable };
  const w = windowMs(a.window);
  if (w === undefined) return { unsupported: a.window ? `history window ${a.window} cannot be read` : 'new terms without a history window' };
  const missingKeys = a.missingKeys && a.missingKeys !== 'group' ? { missingKeys: a.missingKeys } : {};
  return { kind: 'new', op: 'eq', value: 1, groupBy: a.groupBy, windowMs: w, ...missingKeys };
}

/**
 * One row kept per group, then filtered (`arg_max(TimeGenerated, *) by k | where …`): the latest (earliest) event of
 * each group is known only when its window closes, so the filter is decided then, per fixed window (the whole input
 * without one).
 */
function planKeep(a: Aggregation, keep: KeptRow): AggregatePlan | { unsupported: string } {
  if (!keep.where) return { unsupported: `one row kept per group without a filter on it` };
  if (containsOpaque(keep.where)) return { unsupported: `the filter on the ${keep.which} event of a group (${renderExpr(keep.where)}) is not fully expressed` };
  const variable = ruleVariable([...a.groupBy, keep.by]);
  if (variable) return { unsupported: variable };
  const keys = groupKeys(a);
  if ('unsupported' in keys) return keys;
  const w = windowMs(a.window);
  if (a.window && w === undefined) return { unsupported: `window ${a.window} cannot be read` };
  const missingKeys = keys.groupBy.length && a.missingKeys && a.missingKeys !== 'group' ? { missingKeys: a.missingKeys } : {};
  return { kind: 'keep', op: 'eq', value: 1, ...keys, keep, atClose: true, ...(w !== undefined ? { windowMs: w, bins: true } : {}), ...missingKeys };
}

/** One aggregate (`dcount(user)`) and its threshold (a number, or another aggregate), or why it is not counted. */
function countTest(fn: string, op: Operator, value: number, where?: Expr, than?: OtherAggregate): CountTest | { unsupported: string } {
  const counted = countedOf(fn, where);
  if ('unsupported' in counted) return counted;
  if (!DECIDED_AS_EVENTS_ARRIVE.has(op) && !DECIDED_AT_CLOSE.has(op)) return { unsupported: `threshold ${op} ${value} is not a comparison of the count with a number` };
  if (!than) return { ...counted, op, value };
  const other = countedOf(than.function, than.where);
  if ('unsupported' in other) return other;
  return { ...counted, op, value, than: other };
}

/** What an aggregate (`dcount(user)`, with its condition) counts, or why it is not counted. */
function countedOf(fn: string, where?: Expr): Counted | { unsupported: string } {
  const m = FUNCTION.exec(fn);
  const kind = m ? AGGREGATE_FUNCTIONS[m[1]!.toLowerCase()] : undefined;
  if (!m || !kind) return { unsupported: `aggregate function ${fn} is not counted (counted: ${Object.keys(AGGREGATE_FUNCTIONS).join(', ')})` };
  const of = m[2] || undefined;
  if (kind === 'distinct' && !of) return { unsupported: `distinct count ${fn} without a field` };
  if (kind === 'sum' && !of) return { unsupported: `sum ${fn} without a field` };
  // the condition is decided per event: a part of it the model does not express leaves the count unknown
  if (where && containsOpaque(where)) return { unsupported: `the condition of ${fn} (${renderExpr(where)}) is not fully expressed` };
  return { kind, ...(of ? { of } : {}), ...(where ? { where } : {}) };
}

const OP_WORDS: Partial<Record<Operator, string>> = { gt: 'more than', ge: 'at least', eq: 'exactly', lt: 'fewer than', le: 'at most', ne: 'other than' };
/** A count compared with another count, in words: before the first, and between the two. */
const THAN_WORDS: Partial<Record<Operator, readonly [string, string]>> = {
  gt: ['more', 'than'],
  ge: ['at least as many', 'as'],
  eq: ['as many', 'as'],
  lt: ['fewer', 'than'],
  le: ['at most as many', 'as'],
  ne: ['not as many', 'as'],
};

/**
 * How a threshold aggregation is counted, in words, for pages (`alerts when at least 3 distinct City values are
 * seen per Who within one 1h bin`); undefined when it is not counted.
 */
export function describeCount(a: Aggregation): string | undefined {
  const p = planAggregation(a);
  if ('unsupported' in p) return undefined;
  if (p.kind === 'new') {
    const what = p.groupBy.length > 1 ? `a combination of ${p.groupBy.join(', ')}` : `a value of ${p.groupBy[0]}`;
    return `alerts when an event has ${what} that no matching event had within the ${a.window} before it (each value of an array is a term of its own)${p.missingKeys ? `; ${MISSING_KEYS_WORDS[p.missingKeys](p.groupBy.join(', '))}` : ''}`;
  }
  const within = p.atClose
    ? a.window === undefined
      ? ' over the whole run, decided at its end'
      : ` within one fixed ${a.window} window, decided when it closes`
    : a.window === undefined
      ? ' over the whole run'
      : p.bins
        ? ` within one ${a.window} bin`
        : ` within any ${a.window}`;
  if (p.kind === 'keep' && p.keep?.where) {
    const per = p.groupBy.length ? `each ${p.groupBy.join(', ')}` : 'the one group';
    return `alerts for ${per} whose ${p.keep.which} matching event (by ${p.keep.by}) has ${renderExpr(p.keep.where)}${within}`;
  }
  const what = (c: Counted): string => {
    const where = c.where ? ` of events where ${renderExpr(c.where)}` : '';
    if (c.kind === 'sum') return `${c.of} values${where}`;
    return c.kind === 'distinct' ? `distinct ${c.of} values${where}` : c.of ? `events with ${c.of}${c.where ? ` and ${renderExpr(c.where)}` : ''}` : c.where ? `events where ${renderExpr(c.where)}` : 'matching events';
  };
  const test = (c: CountTest) => {
    // two counts compared: "more events where A than events where B"
    if (c.than) {
      const [before, between] = THAN_WORDS[c.op]!;
      return c.kind === 'sum' ? `${what(c)} summing to ${OP_WORDS[c.op]} the sum of ${what(c.than)}` : `${before} ${what(c)} ${between} ${what(c.than)}`;
    }
    if (c.kind === 'sum') return `${what(c)} summing to ${OP_WORDS[c.op]} ${c.value}`;
    // one event, or none: "at least 1 event where …", "no event where …"
    const one = (t: string) => t.replace(/^(matching )?events/, '$1event');
    if (c.kind === 'count' && c.op === 'eq' && c.value === 0) return `no ${one(what(c))}`;
    return `${OP_WORDS[c.op]} ${c.value} ${c.kind === 'count' && c.value === 1 ? one(what(c)) : what(c)}`;
  };
  const per = p.groupBy.length ? ` per ${p.groupBy.join(', ')}` : '';
  const alts = [[p, ...(p.more ?? [])], ...(p.or ?? [])].map((alt) => alt.map(test).join(' and '));
  const tests = alts.length > 1 ? alts.map((t) => (t.includes(' and ') ? `(${t})` : t)).join(', or ') : alts[0]!;
  return `alerts when ${tests} are seen${per}${within}${p.missingKeys ? `; ${MISSING_KEYS_WORDS[p.missingKeys](p.groupBy.join(', '))}` : ''}`;
}

/** What a plan's `missingKeys` does, in words (`keys`: the group-by keys). */
export const MISSING_KEYS_WORDS: Readonly<Record<Exclude<MissingKeys, 'group'>, (keys: string) => string>> = {
  drop: (keys) => `events without ${keys} are not counted`,
  zero: (keys) => `events whose ${keys} is missing, empty or zero are not counted`,
  unknown: (keys) => `events without ${keys} may or may not be counted (the backend decides, or the other events do)`,
};
