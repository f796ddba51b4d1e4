/**
 * Static tables of EQL (data, not code), from Elastic's EQL function and pipe references. Function names are
 * matched case-insensitively (rules write `cidrmatch`, `startswith~`); a trailing `~` is the case-insensitive form.
 */
import type { Operator } from '../../../model/expr.ts';
import type { StageKind } from '../../../model/rule.ts';

/** A function EQL uses as a condition, lowered into one predicate `op(field, values…)`. */
export interface EqlPredicateFunction {
  readonly kind: 'predicate';
  readonly op: Operator;
  /** Case sensitivity without `~` (Elasticsearch EQL functions are case-sensitive unless written `name~`). */
  readonly cs: boolean;
  /** Fewest pattern arguments after the field. */
  readonly minArgs: number;
  /** Whether the `~` form exists (cidrMatch compares addresses, not strings). */
  readonly insensitiveForm: boolean;
  readonly meaning: string;
}

/** A function that computes a value (a length, a substring…): a comparison on it is not a model predicate. */
export interface EqlValueFunction {
  readonly kind: 'value';
  readonly meaning: string;
}

export type EqlFunctionFact = EqlPredicateFunction | EqlValueFunction;

export const EQL_FUNCTIONS: Readonly<Record<string, EqlFunctionFact>> = {
  startswith: { kind: 'predicate', op: 'starts_with', cs: true, minArgs: 1, insensitiveForm: true, meaning: 'the field starts with one of the prefixes' },
  endswith: { kind: 'predicate', op: 'ends_with', cs: true, minArgs: 1, insensitiveForm: true, meaning: 'the field ends with one of the suffixes' },
  stringcontains: { kind: 'predicate', op: 'contains', cs: true, minArgs: 1, insensitiveForm: true, meaning: 'the field contains the substring' },
  cidrmatch: { kind: 'predicate', op: 'cidr', cs: false, minArgs: 1, insensitiveForm: false, meaning: 'the IP address is in one of the CIDR blocks' },
  // Endgame EQL functions that Elasticsearch EQL dropped; lowered with their documented meaning when met.
  wildcard: { kind: 'predicate', op: 'wildcard', cs: true, minArgs: 1, insensitiveForm: true, meaning: 'the field matches one of the wildcard patterns (Endgame EQL)' },
  arraycontains: { kind: 'predicate', op: 'in', cs: true, minArgs: 1, insensitiveForm: true, meaning: 'an element of the array field equals one of the values (Endgame EQL)' },
  match: { kind: 'predicate', op: 'regex', cs: true, minArgs: 1, insensitiveForm: true, meaning: 'the field matches one of the regular expressions (Endgame EQL)' },
  add: { kind: 'value', meaning: 'sum of two numbers' },
  between: { kind: 'value', meaning: 'substring between two strings' },
  concat: { kind: 'value', meaning: 'concatenation of the arguments' },
  divide: { kind: 'value', meaning: 'quotient of two numbers' },
  indexof: { kind: 'value', meaning: 'position of a substring' },
  length: { kind: 'value', meaning: 'length of a string (or of an array)' },
  modulo: { kind: 'value', meaning: 'remainder of a division' },
  multiply: { kind: 'value', meaning: 'product of two numbers' },
  number: { kind: 'value', meaning: 'a string converted to a number' },
  string: { kind: 'value', meaning: 'a value converted to a string' },
  substring: { kind: 'value', meaning: 'part of a string' },
  subtract: { kind: 'value', meaning: 'difference of two numbers' },
  arraycount: { kind: 'value', meaning: 'number of array elements that match (Endgame EQL)' },
  arraysearch: { kind: 'value', meaning: 'whether an array element satisfies a condition over a $variable (Endgame EQL)' },
  _arraysearch: { kind: 'value', meaning: 'whether an array element satisfies a condition over a $variable (Endpoint EQL)' },
};

/** What a pipe does to the matches, and the stage it becomes. */
export interface EqlPipeFact {
  readonly stage: StageKind;
  /** `filter` adds a condition on each event; the rest change which matches are returned. */
  readonly role: 'filter' | 'limit' | 'other';
  readonly meaning: string;
}

export const EQL_PIPES: Readonly<Record<string, EqlPipeFact>> = {
  head: { stage: 'limit', role: 'limit', meaning: 'only the first matches (oldest first) are returned' },
  tail: { stage: 'limit', role: 'limit', meaning: 'only the last matches (most recent) are returned' },
  // Endgame EQL pipes (not run by Elasticsearch; kept when a rule has them)
  filter: { stage: 'filter', role: 'filter', meaning: 'matches are kept only when the condition holds' },
  unique: { stage: 'modifier', role: 'other', meaning: 'only the first match of each combination of values is kept' },
  unique_count: { stage: 'aggregate', role: 'other', meaning: 'one match per combination of values, with a count' },
  count: { stage: 'aggregate', role: 'other', meaning: 'counts matches (by the given fields)' },
  sort: { stage: 'sort', role: 'other', meaning: 'reorders the matches' },
};

/** The event field an EQL event category tests (Elasticsearch's default `event_category_field`). */
export const EQL_CATEGORY_FIELD = 'event.category';
