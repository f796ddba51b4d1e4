/**
 * Checking extracted logic against a rule's own tests (DESIGN.md §3), decided here once for the wiki, the CLI,
 * the corpus tests and the benches: a `complete` condition must give the expected result for every test; a
 * `partial` one must never be false on a test expected to match. A rule with no condition is not checked.
 *
 * A test over a log of events (Sigma regression data) is true when at least one event matches, false when none
 * can whatever the unknown results turn out to be, else unknown (no match, some unknown). That is SigmaHQ's own
 * verdict: its runner (`tests/regression_tests_runner.py`) passes a test when the rule's id is in
 * evtx-sigma-checker's output for the log, and never reads `match_count`. The declared count is compared apart
 * (`countAgrees`, and the outcome's `detail`: "3 of 5 events matched, 2 more than the 1 expected"), so a count
 * that differs is reported, not hidden, and does not decide agreement.
 */
import { verdict, type FieldResolver, type Truth } from './evaluate.ts';
import { whyFalse } from './evidence.ts';
import type { Expr } from './expr.ts';
import type { TestOutcome } from './page.ts';
import { correlationInputOfTest, evaluateCorrelation } from './correlation.ts';
import type { Completeness, RuleCorrelation, RuleRecord, RuleTest } from './rule.ts';

export interface RuleCheck {
  readonly ruleId: string;
  readonly completeness: Completeness;
  readonly outcomes: readonly TestOutcome[];
  readonly checked: boolean;
  readonly agrees: boolean;
  /** `correlation`: the tests give correlated rules' matches, decided by the rule's correlation. */
  readonly by?: 'correlation';
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
  /** Multi-event tests with a declared count: exactly that many events matched, none unknown. */
  readonly countAgrees?: boolean;
}

/** Run one test against a condition and decide agreement. */
export function checkTest(cond: Expr, completeness: Completeness, test: RuleTest, resolve?: FieldResolver): TestCheck {
  const opts = resolve ? { resolve } : {};
  if (test.events) {
    let matched = 0;
    let unknown = 0;
    for (const e of test.events) {
      const r = verdict(cond, e, opts);
      if (r === true) matched++;
      else if (r === 'unknown') unknown++;
    }
    const got = logTruth(matched, unknown);
    const count = test.matchCount === undefined ? {} : { countAgrees: matched === test.matchCount && unknown === 0 };
    return { name: test.name, expected: test.expected, got, agrees: agreesWith(completeness, test.expected, got), detail: logDetail(matched, unknown, test.events.length, test.matchCount), matched, unknown, ...count };
  }
  const got = verdict(cond, test.event, opts);
  // expected to match and found false: which parts decided it, for the reader of a failed test
  const failed = got === false && test.expected ? whyFalse(cond, test.event, resolve).parts : undefined;
  return { name: test.name, expected: test.expected, got, agrees: agreesWith(completeness, test.expected, got), ...(failed?.length ? { failed } : {}) };
}

export function checkRuleTests(rule: RuleRecord, resolve?: FieldResolver): RuleCheck {
  const corr = rule.logic.aggregation?.correlation;
  if (corr) return checkCorrelationTests(rule, corr);
  const cond = rule.logic.tested ? rule.logic.tested.condition : rule.logic.condition;
  const completeness = rule.logic.tested?.completeness ?? rule.logic.completeness;
  const checked = cond !== undefined && completeness !== 'none';
  const outcomes: TestOutcome[] = rule.tests.map((t) => {
    if (!checked) return { name: t.name, expected: t.expected, got: 'unknown', agrees: true };
    const { matched: _m, unknown: _u, countAgrees: _c, ...o } = checkTest(cond!, completeness, t, resolve);
    return o;
  });
  return { ruleId: rule.id, completeness, outcomes, checked, agrees: outcomes.every((o) => o.agrees) };
}

/**
 * A correlation rule's tests give the correlated rules' matches (Panther `RuleOutputs`), not events: each is decided
 * by the correlation itself (`evaluateCorrelation`). The rule has no row-level condition, but its correlation is its
 * whole logic: read in full, it must give every test's expected result; with parts not read, it must never say
 * false where a match is expected (as a partial condition). A test whose outputs name no member is unknown.
 */
function checkCorrelationTests(rule: RuleRecord, corr: RuleCorrelation): RuleCheck {
  const completeness: Completeness = corr.unread?.length ? 'partial' : 'complete';
  const outcomes: TestOutcome[] = rule.tests.map((t) => {
    const input = correlationInputOfTest(corr, t.event);
    if (!input) return { name: t.name, expected: t.expected, got: 'unknown', agrees: agreesWith(completeness, t.expected, 'unknown'), detail: 'the test gives no matches of the correlated rules' };
    const r = evaluateCorrelation(corr, input);
    return { name: t.name, expected: t.expected, got: r.truth, agrees: agreesWith(completeness, t.expected, r.truth), detail: r.detail };
  });
  return { ruleId: rule.id, completeness: rule.logic.completeness, outcomes, checked: true, agrees: outcomes.every((o) => o.agrees), by: 'correlation' };
}

/** Did the rule fire on the log: some event matched (true), none could (false), or only unknown ones may. */
function logTruth(matched: number, unknown: number): Truth {
  return matched >= 1 ? true : unknown >= 1 ? 'unknown' : false;
}

/** What happened in a multi-event test, in words: "3 of 5 events matched, 2 more than the 1 expected". */
export function logDetail(matched: number, unknown: number, events: number, matchCount: number | undefined): string {
  const head = `${matched} of ${events} events matched${unknown ? ` (${unknown} unknown)` : ''}`;
  if (matchCount === undefined) return matched >= 1 ? `${head}, at least 1 expected` : `${head}, at least 1 expected: none did`;
  if (matched === matchCount) return unknown ? `${head}, ${matchCount} expected: the unknown ones may match too` : `${head}, as expected`;
  if (matched > matchCount) return `${head}, ${matched - matchCount} more than the ${matchCount} expected`;
  return `${head}, ${matchCount - matched} fewer than the ${matchCount} expected`;
}
