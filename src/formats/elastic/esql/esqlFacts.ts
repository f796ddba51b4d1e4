/**
 * Static tables for ES|QL lowering (data, not code), from Elastic's ES|QL command and function references.
 */
import type { Operator, TransformName } from '../../../model/expr.ts';
import type { StageKind } from '../../../model/rule.ts';

/** Bounds on one query text. */
export const ESQL_LIMITS = { maxLength: 200_000, maxDepth: 100 } as const;

/**
 * What a command does to the rows, for the pipeline walk: `keep` (rows are still the source's events, columns may
 * change), `limit` (only some rows kept), `end` (rows stop being events: later filters are not row-level).
 */
export interface CommandFact {
  readonly stage: StageKind;
  readonly rows: 'keep' | 'limit' | 'end';
  /** Column a command adds when the query does not name one (COMPLETION). */
  readonly column?: string;
}

/**
 * Commands that neither drop nor count rows (`other` commands by their fact's `rows`): after a LIMIT (or SAMPLE)
 * only these may follow for the limit to leave the rule's firing unchanged (the query returns rows exactly when
 * some row passed before the limit). Any other command after it sees only the kept rows: the limit is missing.
 */
export const ROW_KEEPING_AFTER_LIMIT: ReadonlySet<string> = new Set(['eval', 'keep', 'drop', 'rename', 'sort', 'limit', 'dissect', 'grok', 'enrich']);

/** Commands the grammar keeps as raw text (`other`), by lower-case name. */
export const OTHER_COMMAND_FACTS: Readonly<Record<string, CommandFact>> = {
  completion: { stage: 'function', rows: 'keep', column: 'completion' },
  rerank: { stage: 'function', rows: 'keep' },
  sample: { stage: 'limit', rows: 'limit' },
  change_point: { stage: 'function', rows: 'end' },
  fork: { stage: 'union', rows: 'end' },
  fuse: { stage: 'union', rows: 'end' },
};

/**
 * The grok patterns a GROK command may name that the model spells out (`grokToRegex`), as Elasticsearch's grok
 * library defines them, written here in RE2 syntax. Left out: those built on look-behind or atomic groups (NUMBER,
 * BASE10NUM, BASE16NUM, IPV4 and what uses them: IP, IPORHOST, URIHOST), on `\b`, `\w`, `\s` or `\d` (WORD,
 * NOTSPACE, SPACE, POSINT, NONNEGINT: Oniguruma's range for them outside ASCII is not settled here), and the rest,
 * which the rules met so far do not name; a GROK naming one stays a column the model does not compute.
 */
export const GROK_PATTERNS: Readonly<Record<string, string>> = {
  DATA: '.*?',
  GREEDYDATA: '.*',
  USERNAME: '[a-zA-Z0-9._-]+',
  USER: '%{USERNAME}',
  INT: '(?:[+-]?(?:[0-9]+))',
  URIPROTO: '[A-Za-z](?:[A-Za-z0-9+.-]+)+',
};

/** Type-conversion functions and `::` cast types: the converted column still names the field's value. */
export const CONVERSION_FUNCTIONS: ReadonlySet<string> = new Set([
  'to_string', 'to_str', 'to_ip', 'to_long', 'to_lng', 'to_integer', 'to_int', 'to_double', 'to_dbl', 'to_unsigned_long',
  'to_ul', 'to_ulong', 'to_boolean', 'to_bool', 'to_datetime', 'to_dt', 'to_version', 'to_ver', 'to_keyword',
]);
export const CAST_TYPES: ReadonlySet<string> = new Set([
  'string', 'keyword', 'text', 'ip', 'long', 'integer', 'int', 'double', 'unsigned_long', 'boolean', 'bool', 'datetime', 'version',
]);

/** Case folds: `TO_LOWER(x) == "abc"` is a case-insensitive comparison when the literal is already folded. */
export const FOLD_FUNCTIONS: Readonly<Record<string, 'lower' | 'upper'>> = { to_lower: 'lower', to_upper: 'upper' };

/**
 * String functions that are one transform step of their first argument (the model's TRANSFORM_FACTS), their other
 * arguments constants: a predicate on the result tests the field through the step. REPLACE's pattern is a Java
 * regular expression, run as RE2 (one RE2 cannot run is unknown), its rewrite's `$n` a group.
 */
export const STEP_FUNCTIONS: Readonly<Record<string, { readonly fn: TransformName; readonly arity: number }>> = {
  length: { fn: 'len', arity: 1 },
  from_base64: { fn: 'base64decode', arity: 1 },
  url_decode: { fn: 'urldecode', arity: 1 },
  replace: { fn: 'replace', arity: 3 },
};

/** The first non-null of its arguments: predicates on it are expanded over its fields. */
export const COALESCE = 'coalesce';

/** Boolean functions that are one predicate: `fn(field, value...)`; all case-sensitive in ES|QL. */
export const PREDICATE_FUNCTIONS: Readonly<Record<string, Operator>> = {
  starts_with: 'starts_with',
  ends_with: 'ends_with',
  cidr_match: 'cidr',
  contains: 'contains',
};

/** Functions whose argument is a query in another language: lowered with that language's module. */
export const EMBEDDED_QUERY_FUNCTIONS: Readonly<Record<string, 'kuery' | 'lucene'>> = { kql: 'kuery', qstr: 'lucene' };

/** Full-text functions: their meaning depends on the field's analyser, so they stay opaque. */
export const FULL_TEXT_FUNCTIONS: ReadonlySet<string> = new Set(['match', 'match_phrase', 'multi_match', 'term', 'knn']);

/** Functions whose value is the current time: comparisons of @timestamp with them are the rule's time window. */
export const TIME_FUNCTIONS: ReadonlySet<string> = new Set(['now']);

/** Aggregate functions that count rows (preferred as the aggregation's function). */
export const COUNT_FUNCTIONS: ReadonlySet<string> = new Set(['count', 'count_distinct']);

/** Functions that bucket time in STATS ... BY: their span is the aggregation's window. */
export const BUCKET_FUNCTIONS: ReadonlySet<string> = new Set(['date_trunc', 'bucket', 'tbucket']);

/** The model operator of each comparison, and the ordering negation used for the false form. */
export const COMPARE_OPS = { '==': 'eq', '=~': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' } as const;
export const FLIPPED_COMPARE = { '==': '==', '=~': '=~', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as const;

/**
 * Lucene regular-expression characters (RLIKE) that RE2 reads differently: `#` (empty language), `@` (any
 * string), `&` (intersection), `~` (complement), `<n-m>` (numeric interval), when the ES|QL engine enables them.
 */
export const LUCENE_ONLY_REGEX_CHARS = '#@&~<>';
