/**
 * Checking extracted logic against a rule's own tests (DESIGN.md §3): a `complete` condition must give the
 * expected result for every test; a `partial` one must never be false on a test expected to match. A rule with
 * no condition is not checked.
 */
import { evaluate, type FieldResolver, type Truth } from './evaluate.ts';
import type { Expr } from './expr.ts';
import type { TestOutcome } from './page.ts';
import type { RuleRecord } from './rule.ts';

export interface RuleCheck {
  readonly ruleId: string;
  readonly completeness: RuleRecord['logic']['completeness'];
  readonly outcomes: readonly TestOutcome[];
  readonly checked: boolean;
  readonly agrees: boolean;
}

export function checkRuleTests(rule: RuleRecord, resolve?: FieldResolver): RuleCheck {
  const cond = rule.logic.condition;
  const checked = cond !== undefined && rule.logic.completeness !== 'none';
  const outcomes: TestOutcome[] = rule.tests.map((t) => {
    if (!checked) return { name: t.name, expected: t.expected, got: 'unknown', agrees: true };
    const log = t.events ? evaluateLog(cond!, t.events, t.matchCount, resolve) : undefined;
    const got = log ? log.truth : evaluate(cond!, t.event, resolve ? { resolve } : {});
    const agrees = rule.logic.completeness === 'complete' ? got === t.expected : !(t.expected === true && got === false);
    return { name: t.name, expected: t.expected, got, agrees, ...(log ? { detail: log.detail } : {}) };
  });
  return { ruleId: rule.id, completeness: rule.logic.completeness, outcomes, checked, agrees: outcomes.every((o) => o.agrees) };
}

/**
 * A multi-event test (Sigma regression data): true when exactly `matchCount` events match (at least one when
 * absent), false when that cannot hold whatever the unknown results are, else unknown.
 */
function evaluateLog(cond: Expr, events: readonly unknown[], matchCount: number | undefined, resolve?: FieldResolver): { truth: Truth; detail: string } {
  const r = countMatches(cond, events, resolve);
  const detail = `${r.matched} of ${events.length} events matched${r.unknown ? ` (${r.unknown} unknown)` : ''}, expected ${matchCount ?? 'at least 1'}`;
  return { truth: logTruth(r.matched, r.unknown, matchCount), detail };
}

function countMatches(cond: Expr, events: readonly unknown[], resolve?: FieldResolver): { matched: number; unknown: number } {
  let matched = 0;
  let unknown = 0;
  for (const e of events) {
    const r = evaluate(cond, e, resolve ? { resolve } : {});
    if (r === true) matched++;
    else if (r === 'unknown') unknown++;
  }
  return { matched, unknown };
}

function logTruth(matched: number, unknown: number, matchCount: number | undefined): Truth {
  const lo = matched;
  const hi = matched + unknown;
  if (matchCount === undefined) return lo >= 1 ? true : hi >= 1 ? 'unknown' : false;
  if (lo === matchCount && hi === matchCount) return true;
  return lo <= matchCount && matchCount <= hi ? 'unknown' : false;
}
