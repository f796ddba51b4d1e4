/**
 * Parse a Kibana KQL query with the peggy grammar `kuery.peggy` (generated once, when first needed) into its own
 * syntax tree (`syntax.ts`); lowering into the model is in `lower.ts`.
 */
import type { Diagnostic } from '../../../model/diagnostics.ts';
import type { ElasticQueryContext } from '../lowering.ts';
import { hostAt, runParser } from '../queryText.ts';
import { KueryDiagnostics } from './diagnostics.ts';
import { KUERY_LIMITS } from './kueryFacts.ts';
import type { KueryNode } from './syntax.ts';

const GRAMMAR = new URL('./kuery.peggy', import.meta.url);

/** Parse one KQL query. Never throws: a text that does not parse gives `value: undefined` and a diagnostic. */
export function parseKuery(text: string, ctx: ElasticQueryContext): { value?: KueryNode; diagnostics: Diagnostic[] } {
  const res = runParser<KueryNode>(GRAMMAR, text, KUERY_LIMITS);
  if (res.ok) return { value: res.value, diagnostics: [] };
  const at = hostAt(ctx, text, res.offset);
  return { diagnostics: [res.kind === 'limit' ? KueryDiagnostics.tooComplex(ctx.file, res.message, at) : KueryDiagnostics.syntax(ctx.file, res.message, at)] };
}
