/**
 * Lucene query strings (Elasticsearch `query_string`) for Elastic rules: `lowerLucene` parses a query with the
 * project's peggy grammar (`lucene.peggy`) and lowers it into the model (`lower.ts`).
 */
import type { ElasticLower } from '../lowering.ts';
import { lowerLuceneText } from './lower.ts';

export { parseLucene } from './parser.ts';
export { LUCENE_PARSER } from './lower.ts';
export type { LuceneBool } from './syntax.ts';

/** Lower one Lucene query string into the model. Never throws. */
export const lowerLucene: ElasticLower = (text, ctx) => lowerLuceneText(text, ctx);
