/**
 * The contract between the Elastic adapter and its query languages (EQL, Kibana KQL, ES|QL, Lucene): each language
 * module lowers one query text into this shape; the adapter adds rule-type logic (threshold, new_terms, filters)
 * and builds the rule's Logic with `buildLogic`.
 */
import type { StatedLowering } from '../../model/lowering.ts';

/** Where the query text sits in its host file, so that diagnostics and spans point into the file. */
export interface ElasticQueryContext {
  /** Path of the host file, relative to the source root. */
  readonly file: string;
  /** 1-based line of the query's first character in the host file. */
  readonly line: number;
  /** 1-based column of the query's first character in the host file. */
  readonly column: number;
  /**
   * Line and column in the host file of an offset into the query, when the query is not verbatim there (a JSON
   * string with escapes: `\n` is two characters of the file and one of the query); else counted from `line`.
   */
  readonly at?: (offset: number) => { line: number; column: number };
}

/** One query text lowered into the model. Spans are offsets into the query text. */
export interface ElasticLowering extends StatedLowering {
  /** The parser, as the rule page names it ("EQL via the project's peggy grammar"). */
  readonly parser: string;
  /** False when the text did not parse (a syntax error diagnostic is then in `diagnostics`). */
  readonly parsed: boolean;
}

export type ElasticLower = (text: string, ctx: ElasticQueryContext) => ElasticLowering;
