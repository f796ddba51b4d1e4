/**
 * The MQL syntax tree, as the grammar (`mql.peggy`) builds it. Offsets (`at`) are relative to the MQL text; the
 * adapter shifts them into the rule file when it makes spans.
 */
import { assertNever } from '../../model/expr.ts';

/** Offsets of a node inside the MQL text, end exclusive. */
export interface MqlRange {
  readonly start: number;
  readonly end: number;
}

export type CompareOp = '==' | '!=' | '=~' | '!~' | '<' | '<=' | '>' | '>=';
export type ArithOp = '+' | '-' | '*' | '/' | '%';

/** A call argument; `name` for named arguments (`format="url"`). */
export interface MqlArg {
  readonly name?: string;
  readonly value: MqlNode;
}

export type MqlNode =
  | { readonly type: 'or' | 'and'; readonly args: readonly MqlNode[]; readonly at: MqlRange }
  | { readonly type: 'not'; readonly arg: MqlNode; readonly at: MqlRange }
  | { readonly type: 'compare'; readonly op: CompareOp; readonly left: MqlNode; readonly right: MqlNode; readonly at: MqlRange }
  /** `x in (...)`, `x in~ $list`, `x not in [...]`: `ci` for `in~`. */
  | { readonly type: 'in'; readonly negated: boolean; readonly ci: boolean; readonly left: MqlNode; readonly right: MqlNode; readonly at: MqlRange }
  | { readonly type: 'is_null'; readonly negated: boolean; readonly arg: MqlNode; readonly at: MqlRange }
  | { readonly type: 'arith'; readonly op: ArithOp; readonly left: MqlNode; readonly right: MqlNode; readonly at: MqlRange }
  | { readonly type: 'neg'; readonly arg: MqlNode; readonly at: MqlRange }
  /** `N of (a, b, c)`: at least N of the expressions hold. */
  | { readonly type: 'of'; readonly count: number; readonly args: readonly MqlNode[]; readonly at: MqlRange }
  /** A call of a named function: `strings.icontains(...)`, `any(...)`, `profile.by_sender()`. */
  | { readonly type: 'call'; readonly name: string; readonly nameAt: MqlRange; readonly args: readonly MqlArg[]; readonly at: MqlRange }
  | { readonly type: 'member'; readonly object: MqlNode; readonly name: string; readonly at: MqlRange }
  | { readonly type: 'index'; readonly object: MqlNode; readonly index: MqlNode; readonly at: MqlRange }
  /** A root field of the Message Data Model (`sender`, `body`, `type`). */
  | { readonly type: 'field'; readonly name: string; readonly at: MqlRange }
  /** The loop item: `.` (depth 1), `..` (the enclosing loop's item, depth 2). */
  | { readonly type: 'element'; readonly depth: number; readonly at: MqlRange }
  /** `$name`: a named list. */
  | { readonly type: 'list'; readonly name: string; readonly at: MqlRange }
  | { readonly type: 'tuple' | 'array'; readonly items: readonly MqlNode[]; readonly at: MqlRange }
  | { readonly type: 'group'; readonly expr: MqlNode; readonly at: MqlRange }
  | { readonly type: 'string'; readonly value: string; readonly raw: boolean; readonly at: MqlRange }
  | { readonly type: 'number'; readonly value: number; readonly at: MqlRange }
  | { readonly type: 'bool'; readonly value: boolean; readonly at: MqlRange }
  | { readonly type: 'null'; readonly at: MqlRange };

/** Children of a node, in source order. */
export function childrenOf(n: MqlNode): readonly MqlNode[] {
  switch (n.type) {
    case 'or':
    case 'and':
    case 'of':
      return n.args;
    case 'not':
    case 'neg':
    case 'is_null':
      return [n.arg];
    case 'compare':
    case 'in':
    case 'arith':
      return [n.left, n.right];
    case 'call':
      return n.args.map((a) => a.value);
    case 'member':
      return [n.object];
    case 'index':
      return [n.object, n.index];
    case 'tuple':
    case 'array':
      return n.items;
    case 'group':
      return [n.expr];
    case 'field':
    case 'element':
    case 'list':
    case 'string':
    case 'number':
    case 'bool':
    case 'null':
      return [];
    default:
      return assertNever(n, 'MQL node');
  }
}

/** Nesting depth of a tree (parentheses, calls and member chains included), without recursion, to bound input. */
export function depthOf(root: MqlNode): number {
  let max = 0;
  const stack: [MqlNode, number][] = [[root, 1]];
  while (stack.length) {
    const [n, d] = stack.pop()!;
    if (d > max) max = d;
    for (const c of childrenOf(n)) stack.push([c, d + 1]);
  }
  return max;
}
