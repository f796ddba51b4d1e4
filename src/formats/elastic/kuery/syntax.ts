/**
 * The Kibana KQL syntax tree, as `kuery.peggy` builds it. Offsets (`at`) are into the query text.
 */
import type { TextRange } from '../queryText.ts';

/** A piece of an unquoted value: literal text, or a `*` wildcard (KQL has no `?` wildcard). */
export type KueryChunk = string | { readonly wildcard: '*' };

/** A value as written: quoted (a phrase, no wildcards) or unquoted (escapes resolved, wildcards kept apart). */
export interface KueryValue {
  readonly type: 'value';
  readonly quoted: boolean;
  /** The value with escapes resolved and wildcards shown as `*`. */
  readonly text: string;
  readonly chunks: readonly KueryChunk[];
  readonly at: TextRange;
}

/** A field name: quoted or not; `wildcard` when an unescaped `*` makes it a pattern over field names. */
export interface KueryField {
  readonly name: string;
  readonly quoted: boolean;
  readonly wildcard: boolean;
  readonly at: TextRange;
}

/** The value side of `field:...`: one value, or a parenthesised boolean list of values. */
export type KueryValueNode =
  | KueryValue
  | { readonly type: 'vgroup'; readonly expr: KueryValueNode; readonly at: TextRange }
  | { readonly type: 'vor' | 'vand'; readonly args: readonly KueryValueNode[]; readonly at: TextRange }
  | { readonly type: 'vnot'; readonly arg: KueryValueNode; readonly at: TextRange };

export type KueryRangeOp = '<' | '<=' | '>' | '>=';

/** A KQL query node. */
export type KueryNode =
  /** The empty query: matches every document. */
  | { readonly type: 'all'; readonly at: TextRange }
  | { readonly type: 'or' | 'and'; readonly args: readonly KueryNode[]; readonly at: TextRange }
  | { readonly type: 'not'; readonly arg: KueryNode; readonly at: TextRange }
  | { readonly type: 'group'; readonly expr: KueryNode; readonly at: TextRange }
  /** `field:{ query }`: the inner query must hold on one object of the nested field. */
  | { readonly type: 'nested'; readonly field: KueryField; readonly expr: KueryNode; readonly at: TextRange }
  | { readonly type: 'range'; readonly field: KueryField; readonly op: KueryRangeOp; readonly value: Omit<KueryValue, 'type'>; readonly at: TextRange }
  | { readonly type: 'match'; readonly field: KueryField; readonly value: KueryValueNode; readonly at: TextRange }
  /** A value without a field: searched in every field (the index's default fields). */
  | { readonly type: 'freetext'; readonly value: KueryValue; readonly at: TextRange };
