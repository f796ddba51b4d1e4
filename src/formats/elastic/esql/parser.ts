/**
 * Parse an ES|QL query with the peggy grammar `esql.peggy` (generated once, when first needed) into its own syntax
 * tree (`syntax.ts`); lowering into the model is in `lower.ts`.
 */
import type { Diagnostic } from '../../../model/diagnostics.ts';
import type { ElasticQueryContext } from '../lowering.ts';
import { hostAt, runParser } from '../queryText.ts';
import { EsqlDiagnostics } from './diagnostics.ts';
import { ESQL_LIMITS } from './esqlFacts.ts';
import type { EsqlQuery } from './syntax.ts';

const GRAMMAR = new URL('./esql.peggy', import.meta.url);

/** Parse one ES|QL query. Never throws: a text that does not parse gives `value: undefined` and a diagnostic. */
export function parseEsql(text: string, ctx: ElasticQueryContext): { value?: EsqlQuery; diagnostics: Diagnostic[] } {
  const res = runParser<EsqlQuery>(GRAMMAR, text, ESQL_LIMITS);
  if (res.ok) return { value: res.value, diagnostics: [] };
  const at = hostAt(ctx, text, res.offset);
  return { diagnostics: [res.kind === 'limit' ? EsqlDiagnostics.tooComplex(ctx.file, res.message, at) : EsqlDiagnostics.syntax(ctx.file, res.message, at)] };
}
