/**
 * ES|QL for Elastic rules and hunting queries: `lowerEsql` parses a query with the project's peggy grammar
 * (`esql.peggy`) and lowers its pipeline into the model (`lower.ts`, expressions in `lowerExpr.ts`).
 */
import type { ElasticLower } from '../lowering.ts';
import { lowerEsqlText } from './lower.ts';

export { parseEsql } from './parser.ts';
export { ESQL_PARSER } from './lower.ts';
export type { EsqlQuery, EsqlCommand, EsqlExpr } from './syntax.ts';

/** Lower one ES|QL query text into the model. Never throws. */
export const lowerEsql: ElasticLower = (text, ctx) => lowerEsqlText(text, ctx);
