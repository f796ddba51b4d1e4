/**
 * The ES|QL syntax tree, as `esql.peggy` builds it. Offsets (`at`) are into the query text.
 */
import type { TextRange } from '../queryText.ts';

/** A string literal: `"..."` (escapes resolved) or `"""..."""` (raw). */
export interface EsqlString {
  readonly type: 'string';
  readonly value: string;
  readonly triple: boolean;
  readonly at: TextRange;
}

export type EsqlCompareOp = '==' | '!=' | '=~' | '<' | '<=' | '>' | '>=';

/** An ES|QL expression. */
export type EsqlExpr =
  | { readonly type: 'or' | 'and'; readonly args: readonly EsqlExpr[]; readonly at: TextRange }
  | { readonly type: 'not'; readonly arg: EsqlExpr; readonly at: TextRange }
  | { readonly type: 'paren'; readonly expr: EsqlExpr; readonly at: TextRange }
  /** `x IS [NOT] NULL` */
  | { readonly type: 'isnull'; readonly expr: EsqlExpr; readonly negated: boolean; readonly at: TextRange }
  /** `x [NOT] LIKE "p"`, `x [NOT] RLIKE "p"`, or a parenthesised list of patterns. */
  | { readonly type: 'like'; readonly kind: 'like' | 'rlike'; readonly expr: EsqlExpr; readonly patterns: readonly EsqlString[]; readonly negated: boolean; readonly at: TextRange }
  | { readonly type: 'in'; readonly expr: EsqlExpr; readonly list: readonly EsqlExpr[]; readonly negated: boolean; readonly at: TextRange }
  | { readonly type: 'compare'; readonly op: EsqlCompareOp; readonly left: EsqlExpr; readonly right: EsqlExpr; readonly at: TextRange }
  /** `field : "text"`: the full-text match operator. */
  | { readonly type: 'match'; readonly left: EsqlExpr; readonly right: EsqlExpr; readonly at: TextRange }
  | { readonly type: 'arith'; readonly op: '+' | '-' | '*' | '/' | '%'; readonly left: EsqlExpr; readonly right: EsqlExpr; readonly at: TextRange }
  | { readonly type: 'neg'; readonly expr: EsqlExpr; readonly at: TextRange }
  /** `x::type` */
  | { readonly type: 'cast'; readonly expr: EsqlExpr; readonly to: string; readonly at: TextRange }
  /** A function call; `name` lower-cased (function names are case-insensitive); `star` for `COUNT(*)`. */
  | { readonly type: 'call'; readonly name: string; readonly args: readonly EsqlExpr[]; readonly star: boolean; readonly at: TextRange }
  /** A column reference (dotted, backquoted parts resolved). */
  | { readonly type: 'field'; readonly name: string; readonly at: TextRange }
  | EsqlString
  | { readonly type: 'number'; readonly value: number; readonly raw: string; readonly at: TextRange }
  /** `1 hour`, `7 days` */
  | { readonly type: 'timespan'; readonly value: number; readonly unit: string; readonly at: TextRange }
  | { readonly type: 'bool'; readonly value: boolean; readonly at: TextRange }
  | { readonly type: 'null'; readonly at: TextRange }
  | { readonly type: 'param'; readonly name: string; readonly at: TextRange }
  | { readonly type: 'list'; readonly items: readonly EsqlExpr[]; readonly at: TextRange }
  /** Named options of a function (`{"fuzziness": 1}`). */
  | { readonly type: 'map'; readonly at: TextRange };

/** A name or name pattern (KEEP, DROP, RENAME, MV_EXPAND, ENRICH, METADATA, index patterns). */
export interface EsqlName {
  readonly name: string;
  readonly at: TextRange;
}

/** `[name =] expr` in EVAL, ROW, STATS and BY; an aggregate may carry its own `WHERE` filter. */
export interface EsqlField {
  readonly name: string | null;
  readonly nameAt?: TextRange;
  readonly expr: EsqlExpr;
  readonly filter?: EsqlExpr;
  readonly at: TextRange;
}

export interface EsqlSortItem {
  readonly expr: EsqlExpr;
  readonly order: 'asc' | 'desc';
  readonly nulls: 'first' | 'last' | null;
  readonly at: TextRange;
}

/** One command of the pipeline. */
export type EsqlCommand =
  | { readonly type: 'from'; readonly command: 'from' | 'ts'; readonly sources: readonly EsqlName[]; readonly metadata: readonly EsqlName[]; readonly at: TextRange }
  | { readonly type: 'row'; readonly fields: readonly EsqlField[]; readonly at: TextRange }
  | { readonly type: 'show'; readonly what: string; readonly at: TextRange }
  | { readonly type: 'where'; readonly expr: EsqlExpr; readonly at: TextRange }
  | { readonly type: 'eval'; readonly fields: readonly EsqlField[]; readonly at: TextRange }
  | { readonly type: 'stats'; readonly inline: boolean; readonly aggs: readonly EsqlField[]; readonly by: readonly EsqlField[]; readonly at: TextRange }
  | { readonly type: 'keep' | 'drop'; readonly patterns: readonly EsqlName[]; readonly at: TextRange }
  | { readonly type: 'rename'; readonly pairs: readonly { readonly from: EsqlName; readonly to: EsqlName; readonly at: TextRange }[]; readonly at: TextRange }
  | { readonly type: 'sort'; readonly items: readonly EsqlSortItem[]; readonly at: TextRange }
  | { readonly type: 'limit'; readonly count: number; readonly at: TextRange }
  | { readonly type: 'mv_expand'; readonly field: EsqlName; readonly at: TextRange }
  | { readonly type: 'dissect'; readonly input: EsqlExpr; readonly pattern: EsqlString; readonly options: readonly { readonly name: string; readonly at: TextRange }[]; readonly at: TextRange }
  | { readonly type: 'grok'; readonly input: EsqlExpr; readonly patterns: readonly EsqlString[]; readonly at: TextRange }
  | { readonly type: 'enrich'; readonly policy: EsqlName; readonly on: EsqlName | null; readonly with: readonly { readonly name: EsqlName; readonly field: EsqlName; readonly at: TextRange }[]; readonly at: TextRange }
  | { readonly type: 'lookup_join'; readonly index: EsqlName; readonly on: readonly EsqlExpr[]; readonly at: TextRange }
  /** A command the grammar does not model, kept with its raw text (`name` lower-cased; `target` of `CMD x = ...`). */
  | { readonly type: 'other'; readonly name: string; readonly target: string | null; readonly at: TextRange };

/** A whole query: the source command and the processing commands in order. */
export interface EsqlQuery {
  readonly source: EsqlCommand;
  readonly commands: readonly EsqlCommand[];
  readonly at: TextRange;
}
