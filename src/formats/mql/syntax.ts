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

/** Nesting depth of a tree (parentheses and calls included), to bound untrusted input. */
export function depthOf(n: MqlNode): number {
  const max = (xs: readonly MqlNode[]) => xs.reduce((m, x) => Math.max(m, depthOf(x)), 0);
  switch (n.type) {
    case 'or':
    case 'and':
      return 1 + max(n.args);
    case 'not':
    case 'neg':
      return 1 + depthOf(n.arg);
    case 'is_null':
      return 1 + depthOf(n.arg);
    case 'compare':
    case 'in':
    case 'arith':
      return 1 + Math.max(depthOf(n.left), depthOf(n.right));
    case 'of':
      return 1 + max(n.args);
    case 'call':
      return 1 + max(n.args.map((a) => a.value));
    case 'member':
      return 1 + depthOf(n.object);
    case 'index':
      return 1 + Math.max(depthOf(n.object), depthOf(n.index));
    case 'tuple':
    case 'array':
      return 1 + max(n.items);
    case 'group':
      return 1 + depthOf(n.expr);
    case 'field':
    case 'element':
    case 'list':
    case 'string':
    case 'number':
    case 'bool':
    case 'null':
      return 1;
    default:
      return assertNever(n, 'MQL node');
  }
}
