/**
 * What a membership test establishes on the paths it guards. After `k in D` holds (or on the path where `k not in D`
 * failed), the event value k is one of D's constant keys, so `D[k]` there cannot raise KeyError and `D.get(k)` cannot
 * give its default. Python code guards its lookups this way: `if k in D and v in D[k]`, `D[k] if k in D else x`,
 * `if k not in D: return True` before `return v in D[k]`. Without the guard known, the lookup's missing-key branch
 * stays in the condition as an opaque KeyError, and a complete rule reads as partial.
 *
 * A fact lives among the variables (`Env`) under a name no identifier can have, so it follows a function body's paths
 * as variables do (an if's branches, the statements after it); where paths with different facts meet, it is dropped
 * (`exec.ts` mergeFalls). A fact is kept only where the test cannot hold on the value's default (a member default, or
 * one that is not a constant, would); None as a member stands for the value missing or null, and such a fact is used
 * only by a later read without a default of its own (which gives None there too).
 */
import { field, type Node } from './parser.ts';
import type { Env, LowererApi, Scope } from './scope.ts';
import { constAV, type AV, type Scalar } from './values.ts';

const PREFIX = '\u0000in ';

/** Whether a variable name is a fact's, not a Python variable's. */
export function isFactName(name: string): boolean {
  return name.startsWith(PREFIX);
}

/** The name a fact about `v` has: plain event fields only (a field read as it is, or lower/upper-cased). */
function factName(v: AV): string | undefined {
  if (v.k !== 'field' || v.derived || v.walk || v.emptyDefault || !v.path.length) return undefined;
  return `${PREFIX}${v.fn ?? ''}\u0001${v.path.join('\u0001')}`;
}

/** The constant values a membership test in `c` compares with: a dict's keys, a list's, tuple's or set's items (a fact's own set). */
function members(c: AV): Scalar[] | undefined {
  const items = c.k === 'dict' ? c.entries.map((e) => e.key) : c.k === 'seq' ? c.items : undefined;
  if (!items) return undefined;
  const out: Scalar[] = [];
  for (const i of items) {
    if (i.k !== 'const') return undefined;
    out.push(i.v);
  }
  return out;
}

/** The values `v` is known to be one of on this path, if a guard said so. */
export function knownMembers(vars: Env, v: AV): readonly Scalar[] | undefined {
  const name = factName(v);
  const f = name === undefined ? undefined : vars.get(name);
  const vals = f?.k === 'seq' ? members(f) : undefined;
  // None among them is the value missing or null: this read gives None there only without a default of its own
  return vals && (!vals.includes(null) || (v.k === 'field' && v.missingAs === undefined)) ? vals : undefined;
}

/** The variables of `scope` with what `n` establishes where it is truthy (`holds`) or falsy; the same map if nothing. */
export function withGuardFacts(L: LowererApi, n: Node | undefined, scope: Scope, holds: boolean): Env {
  const facts = new Map<string, Scalar[]>();
  // the test's operands are evaluated again here: a `:=` among them was bound when the test itself was evaluated
  const pending = L.pending;
  L.pending = new Map();
  try {
    collect(L, n, scope, holds, facts, 0);
  } finally {
    L.pending = pending;
  }
  if (!facts.size) return scope.vars;
  const m = new Map(scope.vars);
  for (const [name, vals] of facts) {
    // a second guard on the same value narrows the first
    const before = m.get(name);
    const prev = before ? members(before) : undefined;
    const kept = prev ? vals.filter((x) => prev.includes(x)) : vals;
    m.set(name, { k: 'seq', t: 'set', items: kept.map(constAV) });
  }
  return m;
}

function collect(L: LowererApi, n: Node | undefined, scope: Scope, holds: boolean, out: Map<string, Scalar[]>, depth: number): void {
  if (!n || depth > 16) return;
  switch (n.type) {
    case 'parenthesized_expression':
      collect(L, n.namedChildren.find((c) => c !== null && c.type !== 'comment') ?? undefined, scope, holds, out, depth + 1);
      return;
    case 'not_operator':
      collect(L, field(n, 'argument'), scope, !holds, out, depth + 1);
      return;
    case 'boolean_operator': {
      // `a and b` true: both hold; `a or b` false: both fail; nothing definite otherwise
      if ((field(n, 'operator')?.text === 'and') !== holds) return;
      collect(L, field(n, 'left'), scope, holds, out, depth + 1);
      collect(L, field(n, 'right'), scope, holds, out, depth + 1);
      return;
    }
    case 'comparison_operator': {
      const ops = n.childrenForFieldName('operators').filter((c): c is Node => c !== null);
      const operands = n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
      if (ops.length !== 1 || operands.length !== 2) return;
      const op = ops[0]!.type;
      if ((op === 'in') !== holds || (op !== 'in' && op !== 'not in')) return;
      // the container first: a name or attribute bound to a constant dict (cheap to look up), before the value is
      // evaluated again; only a dict is looked up by its keys (a membership test in a list, the common case, is not)
      const [value, container] = operands as [Node, Node];
      if (container.type !== 'identifier' && container.type !== 'attribute') return;
      const c = L.eval(container, scope);
      const vals = c.k === 'dict' ? members(c) : undefined;
      if (!vals) return;
      const v = L.eval(value, scope);
      const name = factName(v);
      if (name === undefined || v.k !== 'field') return;
      const d = v.missingAs;
      // a default would make the test true on an event without the value when it is a member (or not a constant);
      // None as a member is the value missing or null, which only a read without a default sees as None
      if (d !== undefined && (typeof d === 'object' || vals.includes(d) || vals.includes(null))) return;
      out.set(name, vals);
      return;
    }
    default:
      return;
  }
}
