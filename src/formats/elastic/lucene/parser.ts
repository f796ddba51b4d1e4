/**
 * Parse a Lucene query string with the peggy grammar `lucene.peggy` (generated once, when first needed) into its
 * own syntax tree (`syntax.ts`); lowering into the model is in `lower.ts`.
 */
import type { Diagnostic } from '../../../model/diagnostics.ts';
import type { ElasticQueryContext } from '../lowering.ts';
import { hostAt, runParser } from '../queryText.ts';
import { LuceneDiagnostics } from './diagnostics.ts';
import { LUCENE_LIMITS } from './luceneFacts.ts';
import type { LuceneBool } from './syntax.ts';

const GRAMMAR = new URL('./lucene.peggy', import.meta.url);

/** Parse one Lucene query string. Never throws: a text that does not parse gives `value: undefined` and a diagnostic. */
export function parseLucene(text: string, ctx: ElasticQueryContext): { value?: LuceneBool; diagnostics: Diagnostic[] } {
  const res = runParser<LuceneBool>(GRAMMAR, text, LUCENE_LIMITS);
  if (res.ok) return { value: res.value, diagnostics: [] };
  const at = hostAt(ctx, text, res.offset);
  return { diagnostics: [res.kind === 'limit' ? LuceneDiagnostics.tooComplex(ctx.file, res.message, at) : LuceneDiagnostics.syntax(ctx.file, res.message, at)] };
}
