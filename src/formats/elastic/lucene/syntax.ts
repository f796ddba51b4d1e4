/**
 * The Lucene query-string syntax tree, as `lucene.peggy` builds it. Offsets (`at`) are into the query text.
 * Clauses stay in a flat list with their conjunction and modifier, as Lucene's classic parser reads them.
 */
import type { TextRange } from '../queryText.ts';

/** Literal text or a wildcard of a term (`*` any run, `?` one character). */
export type LuceneChunk = string | { readonly wildcard: '*' | '?' };

export type LuceneValue =
  | { readonly type: 'term'; readonly chunks: readonly LuceneChunk[]; readonly fuzzy: string | null; readonly at: TextRange }
  | { readonly type: 'phrase'; readonly text: string; readonly slop: string | null; readonly at: TextRange }
  | { readonly type: 'regex'; readonly pattern: string; readonly at: TextRange }
  /** `[a TO b]`, `{a TO b}`; a null bound is `*` (open). */
  | { readonly type: 'range'; readonly lower: string | null; readonly upper: string | null; readonly includeLower: boolean; readonly includeUpper: boolean; readonly at: TextRange }
  /** `field:>=5` */
  | { readonly type: 'compare'; readonly op: '>' | '>=' | '<' | '<='; readonly value: string; readonly at: TextRange }
  /** `field:(a OR b)`: the inner clauses use the field as their default field. */
  | { readonly type: 'group'; readonly query: LuceneBool; readonly boost: string | null; readonly at: TextRange };

export type LuceneItem =
  | { readonly type: 'group'; readonly query: LuceneBool; readonly boost: string | null; readonly at: TextRange }
  | { readonly type: 'field'; readonly field: { readonly name: string; readonly at: TextRange }; readonly value: LuceneValue; readonly at: TextRange }
  /** A value without a field: searched in the default field(s). */
  | { readonly type: 'default'; readonly value: LuceneValue; readonly at: TextRange };

/** One clause: `[AND|OR] [+|-|NOT] item`. */
export interface LuceneClause {
  readonly conj: 'and' | 'or' | null;
  readonly mod: 'required' | 'prohibited' | null;
  readonly item: LuceneItem;
  readonly at: TextRange;
}

/** A clause list (the whole query, or the inside of parentheses). */
export interface LuceneBool {
  readonly type: 'bool';
  readonly clauses: readonly LuceneClause[];
  readonly at: TextRange;
}
