/**
 * Rewrites of the MQL syntax tree used by lowering: substituting the loop item of a lambda (`any(map(xs, .a), P)`
 * is `any(xs, P[. := .a])`; `any([a, b], P)` is `P[. := a] or P[. := b]`) and shifting loop-item depths when an
 * expression moves under one more loop. Loop-item depth: `.` is 1, `..` is 2, counted from the innermost loop.
 */
import { assertNever } from '../../model/expr.ts';
import { LOOP_FUNCTIONS } from './mqlFacts.ts';
import type { MqlNode } from './syntax.ts';

/**
 * Replace the loop item of `lambda` (depth 1 at its top) by `item`. `removeScope`: the lambda's loop disappears
 * (an inline array expanded), so references to enclosing loops get one level shallower. `item` is written in the
 * scope the loop item came from; under `level` nested lambdas its own loop references are shifted by `level`.
 */
export function substituteItem(lambda: MqlNode, item: MqlNode, removeScope: boolean): MqlNode {
  const walk = (n: MqlNode, level: number): MqlNode => {
    switch (n.type) {
      case 'element':
        if (n.depth === level + 1) return shiftItems(item, level);
        if (n.depth > level + 1 && removeScope) return { ...n, depth: n.depth - 1 };
        return n;
      case 'call':
        return { ...n, args: n.args.map((a, i) => ({ ...a, value: walk(a.value, i > 0 && LOOP_FUNCTIONS.has(n.name) ? level + 1 : level) })) };
      default:
        return mapChildren(n, (c) => walk(c, level));
    }
  };
  return walk(lambda, 0);
}

/** Loop-item references that escape `n` (deeper than the lambdas inside it) get `by` levels deeper. */
export function shiftItems(n: MqlNode, by: number): MqlNode {
  if (by === 0) return n;
  const walk = (x: MqlNode, level: number): MqlNode => {
    switch (x.type) {
      case 'element':
        return x.depth > level ? { ...x, depth: x.depth + by } : x;
      case 'call':
        return { ...x, args: x.args.map((a, i) => ({ ...a, value: walk(a.value, i > 0 && LOOP_FUNCTIONS.has(x.name) ? level + 1 : level) })) };
      default:
        return mapChildren(x, (c) => walk(c, level));
    }
  };
  return walk(n, 0);
}

/** The same node with every child mapped (calls are handled by the callers, which know the loop scopes). */
/** `n` with each child replaced by `f` of it. */
export function mapChildren(n: MqlNode, f: (c: MqlNode) => MqlNode): MqlNode {
  switch (n.type) {
    case 'or':
    case 'and':
      return { ...n, args: n.args.map(f) };
    case 'not':
    case 'neg':
      return { ...n, arg: f(n.arg) };
    case 'is_null':
      return { ...n, arg: f(n.arg) };
    case 'compare':
    case 'in':
    case 'arith':
      return { ...n, left: f(n.left), right: f(n.right) };
    case 'of':
      return { ...n, args: n.args.map(f) };
    case 'call':
      return { ...n, args: n.args.map((a) => ({ ...a, value: f(a.value) })) };
    case 'member':
      return { ...n, object: f(n.object) };
    case 'index':
      return { ...n, object: f(n.object), index: f(n.index) };
    case 'tuple':
    case 'array':
      return { ...n, items: n.items.map(f) };
    case 'group':
      return { ...n, expr: f(n.expr) };
    case 'field':
    case 'element':
    case 'list':
    case 'string':
    case 'number':
    case 'bool':
    case 'null':
      return n;
    default:
      return assertNever(n, 'MQL node');
  }
}
