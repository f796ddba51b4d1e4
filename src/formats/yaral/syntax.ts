/**
 * The YARA-L 2.0 syntax tree, as `rule.peggy` builds it. Offsets (`at`) are offsets into the file's text.
 * Lowering into the model is in `lower.ts` / `lowerExpr.ts`.
 */
import { assertNever } from '../../model/expr.ts';

/** Offsets of a node in the file. */
export interface At {
  readonly start: number;
  readonly end: number;
}

/** One `key = value` line of meta or options. */
export interface Setting {
  readonly key: string;
  readonly value: string | number | boolean;
  readonly at: At;
}

/** A part of an event field path: `.name`, `["key"]` (map access) or `[0]` (index). */
export type FieldPart = { readonly kind: 'name'; readonly name: string } | { readonly kind: 'key'; readonly key: string } | { readonly kind: 'index'; readonly index: number };

export type CompareOp = '=' | '==' | '!=' | '<' | '>' | '<=' | '>=';

/** Expressions of the events, outcome and condition sections. */
export type YExpr =
  | { readonly type: 'or' | 'and'; readonly args: readonly YExpr[]; readonly at: At }
  | { readonly type: 'not'; readonly arg: YExpr; readonly at: At }
  | { readonly type: 'group'; readonly expr: YExpr; readonly at: At }
  | {
      readonly type: 'compare';
      readonly op: CompareOp;
      readonly left: YExpr;
      readonly right: YExpr;
      readonly nocase: boolean;
      /** `any` / `all` written before a repeated field. */
      readonly quantifier: 'any' | 'all' | null;
      readonly at: At;
    }
  | {
      readonly type: 'inlist';
      readonly mode: 'exact' | 'regex' | 'cidr';
      readonly left: YExpr;
      readonly list: { readonly type: 'reflist'; readonly name: string; readonly at: At };
      readonly nocase: boolean;
      readonly quantifier: 'any' | 'all' | null;
      readonly at: At;
    }
  /** `any $e.f` / `all $e.f` not followed by a comparison (a boolean repeated field). */
  | { readonly type: 'quantified'; readonly quantifier: 'any' | 'all'; readonly arg: YExpr; readonly at: At }
  | { readonly type: 'arith'; readonly op: string; readonly left: YExpr; readonly right: YExpr; readonly at: At }
  | { readonly type: 'neg'; readonly arg: YExpr; readonly at: At }
  | {
      readonly type: 'call';
      readonly name: string;
      readonly args: readonly YExpr[];
      /** Named arguments (metric functions): `period:1d`, `principal.asset.ip:$ip`. */
      readonly named?: readonly NamedArg[];
      readonly nocase: boolean;
      readonly at: At;
    }
  | { readonly type: 'field'; readonly variable: string; readonly path: readonly FieldPart[]; readonly at: At }
  | { readonly type: 'var'; readonly name: string; readonly at: At }
  | { readonly type: 'count'; readonly name: string; readonly at: At }
  | { readonly type: 'reflist'; readonly name: string; readonly at: At }
  | { readonly type: 'string'; readonly value: string; readonly raw: boolean; readonly at: At }
  | { readonly type: 'regex'; readonly pattern: string; readonly nocase: boolean; readonly at: At }
  | { readonly type: 'number'; readonly value: number; readonly at: At }
  | { readonly type: 'bool'; readonly value: boolean; readonly at: At }
  | { readonly type: 'list'; readonly items: readonly YExpr[]; readonly at: At };

export type FieldNode = Extract<YExpr, { type: 'field' }>;

export interface MatchWindow {
  /** `over` (hop or sliding) or `by` (tumbling). */
  readonly kind: 'over' | 'by';
  readonly duration: string;
  /** Sliding window: `over 10m after $e1`. */
  readonly slide: { readonly direction: 'before' | 'after'; readonly pivot: string } | null;
  readonly at: At;
}

export type YSection =
  | { readonly type: 'meta'; readonly entries: readonly Setting[]; readonly at: At }
  | { readonly type: 'options'; readonly entries: readonly Setting[]; readonly at: At }
  | { readonly type: 'events'; readonly statements: readonly YExpr[]; readonly at: At }
  | { readonly type: 'match'; readonly keys: readonly (FieldNode | Extract<YExpr, { type: 'var' }>)[]; readonly window: MatchWindow | null; readonly at: At }
  | { readonly type: 'outcome'; readonly assignments: readonly { readonly name: string; readonly value: YExpr; readonly at: At }[]; readonly at: At }
  | { readonly type: 'condition'; readonly expr: YExpr; readonly at: At };

/** A named argument of a call: a bare word (`1d`, `event_count_sum`) or an expression (`$ip`). */
export interface NamedArg {
  readonly name: string;
  readonly value?: YExpr;
  readonly text: string;
  readonly at: At;
}

export type SectionType = YSection['type'];

export interface YRule {
  readonly name: string;
  readonly sections: readonly YSection[];
  readonly at: At;
}

/** The section of a type, when the rule has it. */
export function sectionOf<T extends SectionType>(r: YRule, type: T): Extract<YSection, { type: T }> | undefined {
  return r.sections.find((s) => s.type === type) as Extract<YSection, { type: T }> | undefined;
}

/** The dotted UDM path of a field without its event variable: `principal.hostname`, `labels["k"]`. */
export function fieldPath(f: FieldNode): string {
  let out = '';
  for (const p of f.path) {
    if (p.kind === 'name') out += (out ? '.' : '') + p.name;
    else if (p.kind === 'key') out += `[${JSON.stringify(p.key)}]`;
    else out += `[${p.index}]`;
  }
  return out;
}

/** Nesting depth of an expression (bounded before lowering). */
export function exprDepth(e: YExpr): number {
  switch (e.type) {
    case 'or':
    case 'and':
      return 1 + Math.max(0, ...e.args.map(exprDepth));
    case 'not':
    case 'neg':
    case 'quantified':
      return 1 + exprDepth(e.arg);
    case 'group':
      return 1 + exprDepth(e.expr);
    case 'compare':
    case 'arith':
      return 1 + Math.max(exprDepth(e.left), exprDepth(e.right));
    case 'inlist':
      return 1 + exprDepth(e.left);
    case 'call':
      return 1 + Math.max(0, ...e.args.map(exprDepth));
    case 'list':
      return 1 + Math.max(0, ...e.items.map(exprDepth));
    case 'field':
    case 'var':
    case 'count':
    case 'reflist':
    case 'string':
    case 'regex':
    case 'number':
    case 'bool':
      return 1;
    default:
      return assertNever(e, 'YARA-L expression');
  }
}
