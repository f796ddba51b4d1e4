/**
 * Static tables for Kibana KQL lowering (data, not code).
 *
 * KQL's meaning depends on the field's mapping, which a rule file does not carry: on keyword, numeric, date and
 * boolean fields `field:value` is an exact, case-sensitive term match (a `*` makes it a case-sensitive wildcard
 * query); on text fields the value is analysed (a match query, a phrase for quoted values). ECS maps almost every
 * field a rule filters on as keyword, so fields are taken as keyword unless this table says otherwise.
 */

/** Bounds on one query text. */
export const KUERY_LIMITS = { maxLength: 100_000, maxDepth: 100 } as const;

/** Fields mapped as text (or match_only_text) in ECS and the Elastic integrations the rules query. */
export const KUERY_TEXT_FIELDS: ReadonlySet<string> = new Set([
  'message',
  'error.message',
  'powershell.file.script_block_text',
  'winlog.event_data.ScriptBlockText',
]);

/** Multi-field suffixes and their mapping: `.text` is analysed text; `.caseless` is keyword with a lowercase normalizer. */
export const KUERY_FIELD_SUFFIXES: Readonly<Record<string, 'text' | 'caseless'>> = {
  '.text': 'text',
  '.caseless': 'caseless',
};

/** How the lowering reads a field's mapping. */
export type KueryFieldMapping = 'keyword' | 'text' | 'caseless';

export function fieldMapping(field: string): KueryFieldMapping {
  if (KUERY_TEXT_FIELDS.has(field)) return 'text';
  for (const [suffix, m] of Object.entries(KUERY_FIELD_SUFFIXES)) if (field.endsWith(suffix)) return m;
  return 'keyword';
}

/** The model operator of each KQL range operator. */
export const KUERY_RANGE_OPS = { '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' } as const;
