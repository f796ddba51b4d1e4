/**
 * Derived views of a rule's condition (DESIGN.md §2): exclusions, indicators, event keys, the structured part of a
 * partial condition. `lowering.ts` assembles a `Logic` record from them.
 */
import { absoluteField, absolutePredicate, and, assertNever, leaves, pred, type Expr, type Predicate } from './expr.ts';
import { OPERATOR_FACTS } from './operators.ts';
import { renderOperand } from './render.ts';
import type { EventKey, Exclusion, Indicator } from './rule.ts';

/** The conjuncts of the top-level AND (one when the condition is not an AND). */
export function topConjuncts(e: Expr): readonly Expr[] {
  return e.kind === 'and' && e.name === undefined ? e.args : [e];
}

/** A single predicate with its operator negated (ne for eq, is_null for is_not_null), when the operator has a dual. */
export function negatePredicate(p: Predicate): Predicate | undefined {
  const neg = OPERATOR_FACTS[p.op].negation;
  if (!neg) return undefined;
  if (p.values.length > 1 && p.opts?.match !== 'all') return undefined;
  return pred(p.field, neg, p.values, p.opts, p.span, p.derived);
}

/**
 * Exclusions: top-level conjuncts that suppress events, in their positive (suppressed) form.
 * `not (A or B)` gives two conjuncts `not A`, `not B` (De Morgan). A negated positive predicate is an exclusion;
 * a negated negative predicate (`not (eventName ne "X")`) is a requirement (eventName eq "X"), not an exclusion;
 * a bare negative predicate (`x ne "v"`, `x is_null`) excludes its dual (`x eq "v"`, `x is_not_null`).
 */
export function deriveExclusions(condition: Expr): Exclusion[] {
  const out: Exclusion[] = [];
  const visit = (c: Expr, negated: boolean, stage: string | undefined): void => {
    if (c.kind === 'not') return visit(c.arg, !negated, stage);
    if (negated) {
      if (c.kind === 'or' || (c.kind === 'and' && c.args.length === 1)) {
        // an OR's parts are each suppressed; a group of one part (a Sigma filter of one field) is that part, named
        for (const a of c.args) visit(a, true, c.name ?? stage);
        return;
      }
      if (c.kind === 'pred') {
        if (OPERATOR_FACTS[c.op].negative) return; // a requirement
        out.push(withStage(c, stage));
        return;
      }
      if (c.kind === 'quant') {
        // not (1 of filter_*): every filter is suppressed
        if (c.count === 1) for (const i of c.items) visit(i.expr, true, i.name);
        else out.push(withStage(c, c.selector));
        return;
      }
      if (c.kind === 'opaque' || c.kind === 'const') return;
      out.push(withStage(c, c.kind === 'each' ? stage : (c.name ?? stage)));
      return;
    }
    if (c.kind === 'pred' && OPERATOR_FACTS[c.op].negative) {
      const dual = negatePredicate(c);
      if (dual) out.push(withStage(dual, stage));
    }
  };
  for (const c of topConjuncts(condition)) visit(c, false, undefined);
  return out;
}

function withStage(expr: Expr, stage: string | undefined): Exclusion {
  return stage ? { expr, stage } : { expr };
}

/** Indicators: positive leaves not under negation (negative operators under negation count in their dual form). */
export function deriveIndicators(condition: Expr): Indicator[] {
  const out: Indicator[] = [];
  const seen = new Set<string>();
  const add = (p: Predicate) => {
    if (p.values.length === 0 && p.op !== 'is_not_null') return;
    // ranges of prefix length 0 hold every address: a test that the value is an address, no indicator
    if (p.op === 'cidr' && p.values.every((v) => typeof v === 'string' && v.trim().endsWith('/0'))) return;
    const ind: Indicator = {
      field: p.field,
      ...(p.derived ? { chain: renderOperand(p.field, p.derived) } : {}),
      op: p.op,
      values: p.values,
      ...(p.opts?.cs !== undefined ? { cs: p.opts.cs } : {}),
      ...(p.opts?.match ? { match: p.opts.match } : {}),
    };
    const k = JSON.stringify(ind);
    if (seen.has(k)) return;
    seen.add(k);
    out.push(ind);
  };
  const visit = (e: Expr, negated: boolean, scopes: readonly string[]): void => {
    switch (e.kind) {
      case 'not':
        return visit(e.arg, !negated, scopes);
      case 'and':
      case 'or':
        for (const a of e.args) visit(a, negated, scopes);
        return;
      case 'quant':
        for (const i of e.items) visit(i.expr, negated, scopes);
        return;
      case 'each': {
        // a count that must stay small (`== 0`, `< n`) looks for the absence of its elements: negated
        const q = e.quant;
        const absence = typeof q === 'object' && (q.op === 'lt' || q.op === 'le' || (q.op === 'eq' && q.value === 0));
        visit(e.expr, absence ? !negated : negated, [...scopes, absoluteField(e.array, scopes)]);
        return;
      }
      case 'pred': {
        const p = scopes.length ? absolutePredicate(e, scopes) : e;
        const negative = OPERATOR_FACTS[p.op].negative;
        if (!negated && !negative) add(p);
        else if (negated && negative) {
          const dual = negatePredicate(p);
          if (dual) add(dual);
        }
        return;
      }
      case 'opaque':
      case 'const':
        return;
      default:
        return assertNever(e, 'expression');
    }
  };
  visit(condition, false, []);
  return out;
}

/**
 * Fields that name a concrete action, per data model: the basis for "rules from other vendors that detect the
 * same action". Data, not code: extend the table when a new schema arrives.
 */
export const EVENT_KEY_FIELDS: ReadonlySet<string> = new Set([
  'eventName',
  'eventSource',
  'EventID',
  'EventCode',
  'eventType',
  'ActionType',
  'OperationName',
  'Operation',
  'event.action',
  'event.code',
  'action',
  'type',
  'event_type',
  'methodName',
  'protoPayload.methodName',
  'metadata.event_type',
  'metadata.product_event_type',
  'signature',
  'operationName',
  'Category',
  'activityDisplayName',
  'ActivityDisplayName',
]);

export function deriveEventKeys(indicators: readonly Indicator[]): EventKey[] {
  const out: EventKey[] = [];
  const seen = new Set<string>();
  for (const i of indicators) {
    if (!EVENT_KEY_FIELDS.has(i.field) || i.chain !== undefined || (i.op !== 'eq' && i.op !== 'in')) continue;
    for (const v of i.values) {
      if (typeof v !== 'string' && typeof v !== 'number') continue;
      const k = `${i.field}=${v}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ field: i.field, value: v });
    }
  }
  return out;
}

/**
 * The structured part of a partial condition: opaque conjuncts of the top-level AND dropped. What remains is a
 * necessary condition (every alerting event satisfies it). Opaque parts deeper inside are kept.
 */
export function structuredPart(e: Expr): Expr | undefined {
  const kept = topConjuncts(e).filter((c) => !(c.kind === 'opaque'));
  if (kept.length === 0) return undefined;
  return and(...kept);
}
