/**
 * Static tables for Lucene query-string lowering (data, not code). Field mappings follow the Kibana KQL table
 * (`kuery/kueryFacts.ts`): fields are keyword (exact, case-sensitive) unless listed as text.
 */

/** Bounds on one query text. */
export const LUCENE_LIMITS = { maxLength: 100_000, maxDepth: 100 } as const;

/** The field name that tests presence: `_exists_:field`. */
export const EXISTS_FIELD = '_exists_';

/** Lower-case words that look like operators but are terms in Lucene (ELU003). */
export const LOWER_CASE_OPERATORS: ReadonlySet<string> = new Set(['and', 'or', 'not']);

/** The model operator of `field:>n` comparisons. */
export const LUCENE_COMPARE_OPS = { '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' } as const;
