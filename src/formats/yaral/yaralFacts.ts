/**
 * YARA-L 2.0 facts (data, not code), from Google's public YARA-L 2.0 reference: which functions map onto operators
 * of the model and with which options, which are value transforms, which are outcome aggregates, which UDM fields
 * are repeated, and the zero value an omitted field takes.
 */
import type { Operator } from '../../model/expr.ts';
import type { CompareOp } from './syntax.ts';

/** A boolean function of the events section that is exactly an operator of the model: `fn(field, pattern)`. */
export interface PredicateFunctionFact {
  readonly kind: 'predicate';
  readonly op: Operator;
  /** YARA-L string functions are case-sensitive; the `nocase` suffix (where allowed) makes them not. */
  readonly cs: boolean;
  readonly meaning: string;
}

/** A function applied to a field before comparing: `strings.to_lower($e.f) = "abc"`. */
export interface TransformFunctionFact {
  readonly kind: 'transform';
  readonly transform: 'lower' | 'upper';
  readonly meaning: string;
}

/** A function the model cannot express; predicates using it stay opaque with this reason. */
export interface OpaqueFunctionFact {
  readonly kind: 'opaque';
  readonly reason: string;
}

export type FunctionFact = PredicateFunctionFact | TransformFunctionFact | OpaqueFunctionFact;

/** Functions by name. A function missing from this table is opaque with a generic reason. */
export const FUNCTION_FACTS: Readonly<Record<string, FunctionFact>> = {
  're.regex': { kind: 'predicate', op: 'regex', cs: true, meaning: 'RE2 search: true when a substring matches (unanchored)' },
  'strings.contains': { kind: 'predicate', op: 'contains', cs: true, meaning: 'substring, case-sensitive' },
  'strings.starts_with': { kind: 'predicate', op: 'starts_with', cs: true, meaning: 'prefix, case-sensitive' },
  'strings.ends_with': { kind: 'predicate', op: 'ends_with', cs: true, meaning: 'suffix, case-sensitive' },
  'net.ip_in_range_cidr': { kind: 'predicate', op: 'cidr', cs: false, meaning: 'IP address inside the CIDR range (IPv4 and IPv6)' },
  'strings.to_lower': { kind: 'transform', transform: 'lower', meaning: 'lower-cases the value' },
  'strings.to_upper': { kind: 'transform', transform: 'upper', meaning: 'upper-cases the value' },
  're.capture': { kind: 'opaque', reason: 'function: re.capture extracts a substring; the model compares fields, not captured groups' },
  're.replace': { kind: 'opaque', reason: 'function: re.replace rewrites the value before comparing' },
  'strings.concat': { kind: 'opaque', reason: 'function: strings.concat builds a value from several fields' },
  'strings.coalesce': { kind: 'opaque', reason: 'function: strings.coalesce picks the first non-empty of several fields' },
  'strings.split': { kind: 'opaque', reason: 'function: strings.split makes an array from a value' },
  'strings.count_substrings': { kind: 'opaque', reason: 'function: strings.count_substrings counts occurrences; the model has no count of a substring' },
  'strings.base64_decode': { kind: 'opaque', reason: 'function: strings.base64_decode decodes the field before comparing' },
  'strings.length': { kind: 'opaque', reason: 'function: strings.length compares a length; the model has no length operator' },
  'strings.trim': { kind: 'opaque', reason: 'function: strings.trim rewrites the value before comparing' },
  'strings.extract_domain': { kind: 'opaque', reason: 'function: strings.extract_domain derives a domain from a URL' },
  'strings.extract_hostname': { kind: 'opaque', reason: 'function: strings.extract_hostname derives a host name from a URL' },
  'arrays.index_to_str': { kind: 'opaque', reason: 'function: arrays.index_to_str picks one element of an array' },
  'arrays.length': { kind: 'opaque', reason: 'function: arrays.length compares the size of a repeated field' },
  'cast.as_int': { kind: 'opaque', reason: 'function: cast.as_int converts the value before comparing' },
  'cast.as_string': { kind: 'opaque', reason: 'function: cast.as_string converts the value before comparing' },
  'math.abs': { kind: 'opaque', reason: 'function: math.abs is arithmetic on a field' },
  'timestamp.current_seconds': { kind: 'opaque', reason: 'function: timestamp.current_seconds depends on when the rule runs' },
  'timestamp.get_hour': { kind: 'opaque', reason: 'function: timestamp.get_hour derives the hour of a timestamp' },
  'timestamp.get_day_of_week': { kind: 'opaque', reason: 'function: timestamp.get_day_of_week derives the weekday of a timestamp' },
  'timestamp.get_date': { kind: 'opaque', reason: 'function: timestamp.get_date derives the date of a timestamp' },
};

/** Outcome aggregate functions (outcome section of a rule with a match section). */
export const OUTCOME_AGGREGATES: ReadonlySet<string> = new Set(['max', 'min', 'sum', 'avg', 'count', 'count_distinct', 'array', 'array_distinct', 'stddev', 'earliest', 'latest']);

/** Comparison operators of YARA-L and the model's operator for each (`!=` is the negation of `=`). */
export const COMPARE_OPS: Readonly<Record<CompareOp, { readonly op: Operator; readonly negated: boolean }>> = {
  '=': { op: 'eq', negated: false },
  '==': { op: 'eq', negated: false },
  '!=': { op: 'eq', negated: true },
  '<': { op: 'lt', negated: false },
  '>': { op: 'gt', negated: false },
  '<=': { op: 'le', negated: false },
  '>=': { op: 'ge', negated: false },
};

/** `a OP b` written as `b FLIP(OP) a`. */
export const FLIPPED_OPS: Readonly<Record<CompareOp, CompareOp>> = { '=': '=', '==': '==', '!=': '!=', '<': '>', '>': '<', '<=': '>=', '>=': '<=' };

/**
 * Path segments of UDM fields that are repeated (lists): Google's UDM field list. A YARA-L comparison on a repeated
 * field is made per element ("unnesting"): `$e.principal.ip != "x"` holds when SOME element differs, which the
 * model's `ne` (no element equals) does not say, so negative comparisons on these paths stay opaque.
 */
export const REPEATED_UDM_SEGMENTS: ReadonlySet<string> = new Set([
  'ip',
  'mac',
  'nat_ip',
  'about',
  'intermediary',
  'security_result',
  'labels',
  'detection_fields',
  'category_details',
  'email_addresses',
  'group_identifiers',
  'names',
  'roles',
  'permissions',
  'rule_labels',
  'outcomes',
  'associations',
  'ip_geo_artifact',
  'command_line_history',
]);

/** Event fields of the entity graph (context joined to events), not UDM events: `$g.graph.entity.ip`. */
export const ENTITY_GRAPH_ROOT = 'graph';

/** Meta `type` values (lower-cased) that make a rule hunting rather than detection. */
export const HUNTING_TYPES: ReadonlySet<string> = new Set(['hunt', 'hunting']);
