/**
 * Conditional values (issue 19): a column made by `iff` / `iif`, `case` or `coalesce` is one of several operands,
 * each under a condition. A predicate on it is the OR of (branch condition AND the predicate on the branch's
 * operand); the branch conditions exclude each other (a later branch holds only when the earlier ones do not), so
 * the OR says exactly what KQL picks. A branch whose operand is a constant is decided when the query is lowered.
 */
import { and, not, opaque, or, TRUE, type Expr } from '../../model/expr.ts';
import { evaluate } from '../../model/evaluate.ts';
import type { Operand } from './scope.ts';

/** A conditional operand. */
export type CasesOperand = Extract<Operand, { kind: 'cases' }>;
type Branch = CasesOperand['branches'][number];

/** Most branches a conditional value keeps (nested conditionals multiply); past it the value is `other`. */
export const MAX_BRANCHES = 64;

/** The branches of an operand: a conditional's, or the operand itself under `true`. */
function branchesOf(o: Operand): readonly Branch[] {
  return o.kind === 'cases' ? o.branches : [{ when: TRUE, value: o }];
}

/**
 * A conditional operand from (condition, operand) pairs and the operand when none holds: branch i holds when its
 * condition does and no earlier one does. Nested conditionals are flattened. `other` when a branch's operand is.
 */
export function casesOperand(pairs: readonly { readonly when: Expr; readonly value: Operand }[], otherwise: Operand, text: string): Operand {
  const branches: Branch[] = [];
  const earlier: Expr[] = [];
  const add = (when: Expr, value: Operand) => {
    for (const b of branchesOf(value)) {
      const w = and(when, b.when);
      if (!(w.kind === 'const' && !w.value)) branches.push({ when: w, value: b.value });
    }
  };
  for (const p of [...pairs, { when: TRUE, value: otherwise }]) {
    add(and(p.when, ...earlier.map((e) => not(e))), p.value);
    earlier.push(p.when);
    if (p.when.kind === 'const' && p.when.value) break;
  }
  const bad = branches.find((b) => b.value.kind === 'other' || b.value.kind === 'table' || b.value.kind === 'values');
  if (bad) return { kind: 'other', text, reason: bad.value.kind === 'other' ? `a branch is a computed value (${bad.value.reason})` : `a branch is a ${bad.value.kind}` };
  if (branches.length > MAX_BRANCHES) return { kind: 'other', text, reason: `more than ${MAX_BRANCHES} branches` };
  return { kind: 'cases', branches, text };
}

/** A predicate on a conditional operand: the OR over its branches of (condition AND the predicate on the branch). */
export function onBranches(o: CasesOperand, predicateOn: (value: Operand) => Expr): Expr {
  return or(...o.branches.map((b) => and(b.when, predicateOn(b.value))));
}

/** Pseudo-field a constant operand is read from when its comparison is decided at lowering time. */
const CONSTANT = '\u0000constant';

/**
 * A comparison whose left side is a constant (a branch of a conditional): decided now with the model's own
 * evaluation of the operator, or opaque when it depends on a column or cannot be decided.
 */
export function decideConstant(value: unknown, compareAsField: (field: string) => Expr, text: string): Expr {
  const e = compareAsField(CONSTANT);
  let readsColumn = false;
  const r = evaluate(e, null, {
    resolve: (_ev, f) => {
      if (f === CONSTANT) return value;
      readsColumn = true;
      return undefined;
    },
  });
  if (readsColumn || r === 'unknown' || e.kind === 'opaque') return opaque(text, 'a constant compared with a column or in a way that cannot be decided');
  return { kind: 'const', value: r };
}
