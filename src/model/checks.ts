/**
 * Checking extracted logic against a rule's own tests (DESIGN.md §3), decided here once for the wiki, the CLI,
 * the corpus tests and the benches: a `complete` condition must give the expected result for every test; a
 * `partial` one must never be false on a test expected to match. A rule with no condition is not checked.
 *
 * A test over a log of events (Sigma regression data) is true when exactly `matchCount` events match (at least
 * one when absent), false when that cannot hold whatever the unknown results turn out to be, else unknown: with
 * 1 match, 1 unknown and a match count of 1 the answer is unknown (the unknown event may match too).
 */
import { evaluate, type FieldResolver, type Truth } from './evaluate.ts';
import type { Expr } from './expr.ts';
import type { TestOutcome } from './page.ts';
import type { Completeness, RuleRecord, RuleTest } from './rule.ts';

export interface RuleCheck {
  readonly ruleId: string;
  readonly completeness: Completeness;
  readonly outcomes: readonly TestOutcome[];
  readonly checked: boolean;
  readonly agrees: boolean;
}

/** Does a result agree with a test's expectation, given how complete the condition is? */
export function agreesWith(completeness: Completeness, expected: boolean, got: Truth): boolean {
  switch (completeness) {
    case 'complete':
      return got === expected;
    case 'partial':
      return !(expected === true && got === false);
    case 'none':
      return true;
  }
}

/** The outcome of one test against a condition (with the counts of a multi-event test). */
export interface TestCheck extends TestOutcome {
  /** Multi-event tests: events that matched, and events whose result is unknown. */
  readonly matched?: number;
  readonly unknown?: number;
}

/** Run one test against a condition and decide agreement. */
export function checkTest(cond: Expr, completeness: Completeness, test: RuleTest, resolve?: FieldResolver): TestCheck {
  const opts = resolve ? { resolve } : {};
  if (test.events) {
    let matched = 0;
    let unknown = 0;
    for (const e of test.events) {
      const r = evaluate(cond, e, opts);
      if (r === true) matched++;
      else if (r === 'unknown') unknown++;
    }
    const got = logTruth(matched, unknown, test.matchCount);
    return { name: test.name, expected: test.expected, got, agrees: agreesWith(completeness, test.expected, got), detail: logDetail(matched, unknown, test.events.length, test.matchCount), matched, unknown };
  }
  const got = evaluate(cond, test.event, opts);
  return { name: test.name, expected: test.expected, got, agrees: agreesWith(completeness, test.expected, got) };
}

export function checkRuleTests(rule: RuleRecord, resolve?: FieldResolver): RuleCheck {
  const cond = rule.logic.condition;
  const completeness = rule.logic.completeness;
  const checked = cond !== undefined && completeness !== 'none';
  const outcomes: TestOutcome[] = rule.tests.map((t) => {
    if (!checked) return { name: t.name, expected: t.expected, got: 'unknown', agrees: true };
    const { matched: _m, unknown: _u, ...o } = checkTest(cond!, completeness, t, resolve);
    return o;
  });
  return { ruleId: rule.id, completeness, outcomes, checked, agrees: outcomes.every((o) => o.agrees) };
}

function logTruth(matched: number, unknown: number, matchCount: number | undefined): Truth {
  const lo = matched;
  const hi = matched + unknown;
  if (matchCount === undefined) return lo >= 1 ? true : hi >= 1 ? 'unknown' : false;
  if (lo === matchCount && hi === matchCount) return true;
  return lo <= matchCount && matchCount <= hi ? 'unknown' : false;
}

/** What happened in a multi-event test, in words: "3 of 5 events matched, 2 more than the 1 expected". */
export function logDetail(matched: number, unknown: number, events: number, matchCount: number | undefined): string {
  const head = `${matched} of ${events} events matched${unknown ? ` (${unknown} unknown)` : ''}`;
  if (matchCount === undefined) return matched >= 1 ? `${head}, at least 1 expected` : `${head}, at least 1 expected: none did`;
  if (matched === matchCount) return unknown ? `${head}, ${matchCount} expected: the unknown ones may match too` : `${head}, as expected`;
  if (matched > matchCount) return `${head}, ${matched - matchCount} more than the ${matchCount} expected`;
  return `${head}, ${matchCount - matched} fewer than the ${matchCount} expected`;
}
