/**
 * Static tables of the Panther format: analysis types, match-expression conditions and spec keys.
 * Data, not code: a new Panther condition is one row here.
 */
import type { Operator, PredicateOptions, Value } from '../../model/expr.ts';

/** What a spec's `AnalysisType` is, and what becomes of its file. */
export const ANALYSIS_TYPES = {
  rule: 'rule',
  scheduled_rule: 'rule',
  policy: 'rule',
  correlation_rule: 'rule',
  scheduled_query: 'query',
  saved_query: 'query',
  datamodel: 'support',
  global: 'support',
  pack: 'skipped',
  lookup_table: 'skipped',
} as const satisfies Record<string, 'rule' | 'query' | 'support' | 'skipped'>;
export type AnalysisType = keyof typeof ANALYSIS_TYPES;
export function isAnalysisType(s: string): s is AnalysisType {
  return Object.prototype.hasOwnProperty.call(ANALYSIS_TYPES, s);
}

/** Why a support / skipped spec is not a rule. */
export const NON_RULE_REASONS: Record<'datamodel' | 'global' | 'pack' | 'lookup_table', string> = {
  datamodel: 'data model: maps standard field names onto a log type for event.udm(); read with the Python helpers',
  global: 'global helper spec: its Python module is inlined into the rules that import it',
  pack: 'detection pack: a named list of detection IDs, no logic of its own',
  lookup_table: 'lookup table definition: enrichment data schema and refresh settings, no detection logic',
};

/** Top-level folders of a panther-analysis checkout that hold specs. */
export const CONTENT_DIRS: ReadonlySet<string> = new Set(['rules', 'policies', 'queries', 'correlation_rules', 'data_models', 'global_helpers', 'packs', 'lookup_tables']);

/** Folders that are not content, with the reason they are skipped. */
export const SKIPPED_DIRS: Readonly<Record<string, string>> = {
  templates: 'author template (example spec), not a shipped detection',
  test_scenarios: 'test scenario data for Panther demos, not a detection',
  indexes: 'generated index of detections (documentation)',
  style_guides: 'documentation',
  '.github': 'repository tooling (CI workflows, issue templates)',
  '.scripts': 'repository tooling scripts',
  '.vscode': 'editor settings',
  '.claude': 'assistant instructions (documentation)',
  '.img': 'image',
};

/**
 * One match-expression `Condition` (Panther "Simple Detection Match Expression Reference" and the panther-analysis
 * AGENTS.md summary). `op` with `opts` is the model predicate; `negate` wraps it in `not` (DoesNotContain =
 * not contains, keeping the missing-key behaviour of the positive form negated); `values` gives fixed values;
 * `shape` says which operands the condition takes. `opaque` conditions cannot be expressed and say why.
 */
export type ConditionFact =
  | {
      readonly shape: 'value' | 'values' | 'none';
      readonly op: Operator;
      readonly opts?: PredicateOptions;
      readonly negate?: boolean;
      readonly values?: readonly Value[];
    }
  | { readonly shape: 'const'; readonly value: boolean }
  | { readonly shape: 'null_or_empty'; readonly negate: boolean }
  | { readonly shape: 'opaque'; readonly reason: string }
  | { readonly shape: 'list'; readonly quant: 'any' | 'all' | 'none' | 'one' };

const CS = { cs: true } as const;
const CI = { cs: false } as const;

export const CONDITIONS: Readonly<Record<string, ConditionFact>> = {
  Equals: { shape: 'value', op: 'eq', opts: CS },
  DoesNotEqual: { shape: 'value', op: 'ne', opts: CS },
  IEquals: { shape: 'value', op: 'eq', opts: CI },
  IDoesNotEqual: { shape: 'value', op: 'ne', opts: CI },
  IsGreaterThan: { shape: 'value', op: 'gt' },
  IsGreaterThanOrEqual: { shape: 'value', op: 'ge' },
  IsLessThan: { shape: 'value', op: 'lt' },
  IsLessThanOrEqual: { shape: 'value', op: 'le' },
  StartsWith: { shape: 'value', op: 'starts_with', opts: CS },
  EndsWith: { shape: 'value', op: 'ends_with', opts: CS },
  Contains: { shape: 'value', op: 'contains', opts: CS },
  DoesNotStartWith: { shape: 'value', op: 'starts_with', opts: CS, negate: true },
  DoesNotEndWith: { shape: 'value', op: 'ends_with', opts: CS, negate: true },
  DoesNotContain: { shape: 'value', op: 'contains', opts: CS, negate: true },
  IStartsWith: { shape: 'value', op: 'starts_with', opts: CI },
  IEndsWith: { shape: 'value', op: 'ends_with', opts: CI },
  IContains: { shape: 'value', op: 'contains', opts: CI },
  IDoesNotStartWith: { shape: 'value', op: 'starts_with', opts: CI, negate: true },
  IDoesNotEndWith: { shape: 'value', op: 'ends_with', opts: CI, negate: true },
  IDoesNotContain: { shape: 'value', op: 'contains', opts: CI, negate: true },
  IsIn: { shape: 'values', op: 'in', opts: CS },
  IsNotIn: { shape: 'values', op: 'in', opts: CS, negate: true },
  IsIPAddressInCIDR: { shape: 'value', op: 'cidr' },
  IsIPAddressNotInCIDR: { shape: 'value', op: 'cidr', negate: true },
  // "is an IP address": inside the whole address space of its family
  IsIPAddress: { shape: 'none', op: 'cidr', values: ['0.0.0.0/0', '::/0'] },
  IsIPv4Address: { shape: 'none', op: 'cidr', values: ['0.0.0.0/0'] },
  IsIPv6Address: { shape: 'none', op: 'cidr', values: ['::/0'] },
  IsIPAddressPublic: { shape: 'opaque', reason: 'public-address test: Panther does not document the exact range list (Python ipaddress is_global)' },
  IsIPAddressPrivate: { shape: 'opaque', reason: 'private-address test: Panther does not document the exact range list (Python ipaddress is_private)' },
  IsNull: { shape: 'none', op: 'is_null' },
  IsNotNull: { shape: 'none', op: 'is_not_null' },
  IsNullOrEmpty: { shape: 'null_or_empty', negate: false },
  IsNotNullOrEmpty: { shape: 'null_or_empty', negate: true },
  Exists: { shape: 'opaque', reason: 'key presence whatever its value (null included); the model has no presence-only operator' },
  DoesNotExist: { shape: 'opaque', reason: 'key absence (a present null does not count); the model has no presence-only operator' },
  AlwaysTrue: { shape: 'const', value: true },
  AlwaysFalse: { shape: 'const', value: false },
  AnyElement: { shape: 'list', quant: 'any' },
  AllElements: { shape: 'list', quant: 'all' },
  NoElement: { shape: 'list', quant: 'none' },
  OnlyOneElement: { shape: 'list', quant: 'one' },
};

/** Spec keys copied into the record's facts box as written (besides those the record has fields for). */
export const FACT_KEYS: readonly string[] = [
  'DedupPeriodMinutes',
  'Threshold',
  'SummaryAttributes',
  'OutputIds',
  'ScheduledQueries',
  'Schedule',
  'CreateAlert',
  'Suppressions',
  'AlertTitle',
  'GroupBy',
  'DynamicSeverities',
  'AlertContext',
  'InlineFilters',
  'Filename',
  'Lookback',
  'LookbackWindowSeconds',
  'Lookbacks',
  'DataModelID',
  'ResourceTypes',
  'LogTypes',
];
