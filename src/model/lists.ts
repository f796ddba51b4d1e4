/**
 * Named lists. A rule may test membership in a list whose values live outside it (MQL `sender.email.domain.root_domain
 * in $org_domains`, a list synced from the organisation's mail tenant or maintained by Sublime; a Sigma `|expand`
 * placeholder, `%Admins_Workstations%`, which a pySigma pipeline fills): the catalog keeps
 * such a test as an opaque part with its `ListTest`, and the rule is partial. Given the lists' values (`detwiki hunt
 * --lists FILE`, `detwiki eval --lists FILE`), `bindLists` makes each such part its test with the values, so that it is
 * decided on events like any other predicate; a rule left with no missing part is complete for that run.
 */
import { and, assertNever, containsOpaque, leaves, not, or, type Expr, type ListTest, type Value } from './expr.ts';
import type { RuleRecord } from './rule.ts';

/** A value of a named list: a string, number or boolean, or a record (`{display_name, email}` of `$org_vips`). */
export type ListValue = string | number | boolean | ListRecord;
export interface ListRecord {
  readonly [key: string]: unknown;
}

/** List values by name (the name without its sigil: `org_domains`). */
export type NamedLists = ReadonlyMap<string, readonly ListValue[]>;

const isScalar = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/**
 * The values a test reads of a list: its scalars, or with `item` the scalars at that path of its records (an array
 * there gives each of its scalars). Undefined when a non-empty list gives none: the list does not fit the test.
 */
function testValues(list: readonly ListValue[], item: string | undefined): Value[] | undefined {
  const out: Value[] = [];
  for (const v of list) {
    if (item === undefined) {
      if (isScalar(v)) out.push(v);
      continue;
    }
    if (isScalar(v)) continue;
    let x: unknown = v;
    for (const k of item.split('.')) x = x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as ListRecord)[k] : undefined;
    if (isScalar(x)) out.push(x);
    else if (Array.isArray(x)) for (const y of x) if (isScalar(y)) out.push(y);
  }
  return out.length || !list.length ? out : undefined;
}

/** The values a test's predicate takes, per list array and test shape: the rules testing one list share one array. */
const valuesCache = new WeakMap<readonly ListValue[], Map<string, Value[] | null>>();

/** `testValues`, then each in `template`'s place; undefined when the list does not fit the test. */
function valuesFor(list: readonly ListValue[], test: ListTest): Value[] | undefined {
  const key = `${test.item ?? ''}\u0000${test.template ?? ''}\u0000${test.name}`;
  let byKey = valuesCache.get(list);
  if (!byKey) valuesCache.set(list, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit !== undefined) return hit ?? undefined;
  const raw = testValues(list, test.item);
  const placeholder = `%${test.name}%`;
  const values = raw && test.template !== undefined ? [...new Set(raw.map((v) => test.template!.split(placeholder).join(String(v))))] : raw;
  byKey.set(key, values ?? null);
  return values;
}

/** A list's name as a user may write it (`$org_domains`, `%Admins_Workstations%`, `org_domains`), without its sigil. */
export function listName(raw: string): string {
  const t = raw.trim();
  if (t.length > 2 && t.startsWith('%') && t.endsWith('%')) return t.slice(1, -1);
  return t.startsWith('$') ? t.slice(1) : t;
}

/** What binding did to one rule. */
export interface Binding {
  readonly rule: RuleRecord;
  /** Names of the lists whose tests were bound (each once). */
  readonly bound: readonly string[];
  /** Names of the lists the rule tests that were not given (each once). */
  readonly unbound: readonly string[];
  /**
   * Names of lists given whose values do not fit a test of the rule (plain values where it tests a field of each
   * record, records where it tests values): the test stays unknown.
   */
  readonly unfit: readonly string[];
}

/**
 * The rule with its tests of the given lists bound (`ListTest.pred` with the list's values; `not` of it when negated),
 * in its condition and in the conditions of its sides; the missing parts those tests were, dropped; and `complete`
 * when nothing else is missing. A rule that tests no given list comes back as it was.
 */
export function bindLists(rule: RuleRecord, lists: NamedLists): Binding {
  const L = rule.logic;
  const bound = new Set<string>();
  const unbound = new Set<string>();
  const unfit = new Set<string>();
  /** `text \0 reason` of each bound part, as `logic.missing` records it (a side's reason has its name before it). */
  const parts = new Set<string>();
  const bindIn = (e: Expr, prefix: string): Expr =>
    bindExpr(e, (o) => {
      const test = o.list;
      if (!test) return undefined;
      const list = lists.get(test.name);
      if (!list) {
        unbound.add(test.name);
        return undefined;
      }
      const values = valuesFor(list, test);
      if (!values) {
        unfit.add(test.name);
        return undefined;
      }
      bound.add(test.name);
      parts.add(`${o.text}\u0000${prefix}${o.reason}`);
      const p = { ...test.pred, values };
      return test.negated ? not(p) : p;
    });
  if (!L.condition) return { rule, bound: [], unbound: [], unfit: [] };
  const condition = bindIn(L.condition, '');
  const agg = L.aggregation;
  const sides = agg?.sides?.map((s) => ({ ...s, condition: bindIn(s.condition, `${s.name}: `) }));
  if (!bound.size) return { rule, bound: [], unbound: [...unbound], unfit: [...unfit] };
  const missing = L.missing.filter((m) => !(m.kind === 'opaque' && parts.has(`${m.text}\u0000${m.reason}`)));
  const opaqueLeft = [condition, ...(sides ?? []).map((s) => s.condition)].some(containsOpaque);
  // a condition that was a list's test alone had no logic (`none`): bound, it has
  let completeness = L.completeness;
  if (completeness !== 'complete' && missing.length === 0 && !opaqueLeft) completeness = 'complete';
  else if (completeness === 'none' && condition.kind !== 'opaque') completeness = 'partial';
  const logic = { ...L, condition, missing, completeness, ...(agg && sides ? { aggregation: { ...agg, sides } } : {}) };
  return { rule: { ...rule, logic }, bound: [...bound], unbound: [...unbound], unfit: [...unfit] };
}

/** The lists a rule's condition and sides test (each name once, in order of appearance). */
export function listsTested(rule: RuleRecord): string[] {
  const names = new Set<string>();
  for (const c of [rule.logic.condition, ...(rule.logic.aggregation?.sides ?? []).map((s) => s.condition)]) {
    if (c) for (const l of leaves(c)) if (l.kind === 'opaque' && l.list) names.add(l.list.name);
  }
  return [...names];
}

/**
 * `e` with each opaque part `f` gives a replacement for replaced, at any depth (inside quantifiers and loops too; the
 * model's `mapLeaves` stops at them). Unchanged subtrees are kept as they are.
 */
function bindExpr(e: Expr, f: (o: Extract<Expr, { kind: 'opaque' }>) => Expr | undefined): Expr {
  switch (e.kind) {
    case 'opaque':
      return f(e) ?? e;
    case 'pred':
    case 'const':
      return e;
    case 'and':
    case 'or': {
      const args = e.args.map((a) => bindExpr(a, f));
      if (args.every((a, i) => a === e.args[i])) return e;
      const out = e.kind === 'and' ? and(...args) : or(...args);
      return e.name !== undefined && (out.kind === 'and' || out.kind === 'or') ? { ...out, name: e.name } : out;
    }
    case 'not': {
      const arg = bindExpr(e.arg, f);
      return arg === e.arg ? e : not(arg);
    }
    case 'quant': {
      const items = e.items.map((i) => ({ ...i, expr: bindExpr(i.expr, f) }));
      return items.every((i, k) => i.expr === e.items[k]!.expr) ? e : { ...e, items };
    }
    case 'each': {
      const expr = bindExpr(e.expr, f);
      return expr === e.expr ? e : { ...e, expr };
    }
    default:
      return assertNever(e, 'expression');
  }
}

/** What binding lists did to a set of rules. */
export interface ListsReport {
  /** Lists given, by name. */
  readonly given: readonly string[];
  /** Given lists some rule tests, with how many rules. */
  readonly bound: readonly { readonly name: string; readonly rules: number }[];
  /** Given lists no rule tests. */
  readonly unused: readonly string[];
  /** Lists rules test that were not given, most tested first, with how many rules. */
  readonly notGiven: readonly { readonly name: string; readonly rules: number }[];
  /** Given lists whose values do not fit some rule's test of them (`Binding.unfit`), with how many rules. */
  readonly unfit: readonly { readonly name: string; readonly rules: number }[];
  /** Rules that were partial and are complete once their lists are bound. */
  readonly completed: number;
}

/** Bind `lists` in every rule (`bindLists`), and say what was bound, what was not given, and what it completed. */
export function bindAll(rules: readonly RuleRecord[], lists: NamedLists): { rules: RuleRecord[]; report: ListsReport } {
  const bound = new Map<string, number>();
  const notGiven = new Map<string, number>();
  const unfit = new Map<string, number>();
  let completed = 0;
  const out = rules.map((r) => {
    const b = bindLists(r, lists);
    for (const n of b.bound) bound.set(n, (bound.get(n) ?? 0) + 1);
    for (const n of b.unbound) notGiven.set(n, (notGiven.get(n) ?? 0) + 1);
    for (const n of b.unfit) unfit.set(n, (unfit.get(n) ?? 0) + 1);
    if (b.rule !== r && r.logic.completeness !== 'complete' && b.rule.logic.completeness === 'complete') completed++;
    return b.rule;
  });
  const byCount = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([name, n]) => ({ name, rules: n }));
  return {
    rules: out,
    report: { given: [...lists.keys()], bound: byCount(bound), unused: [...lists.keys()].filter((n) => !bound.has(n) && !unfit.has(n)), notGiven: byCount(notGiven), unfit: byCount(unfit), completed },
  };
}
