/**
 * KqlFacts: the KQL dialect as data. Operator spellings onto the model's operators, functions the lowering
 * understands, query operators onto stage kinds, and the tables that mark a third-party alert feed.
 * Only the single-predicate code in `lowerExpr.ts` reads these; adding a spelling is a table line.
 *
 * References: https://learn.microsoft.com/kusto/query/datatypes-string-operators (string operators and their case
 * rules), Kusto.Language `SyntaxKind` (operator node names).
 */
import type { Operator, TransformName } from '../../model/expr.ts';
import type { SidePresence, StageKind } from '../../model/rule.ts';

/** How a binary string/comparison operator lowers. */
export interface BinaryOperatorFact {
  readonly op: Operator;
  /** Case-sensitive per KQL (`==`, `in`, `has_cs`… are; `=~`, `has`, `contains`… are not). */
  readonly cs: boolean;
  /** `!has`, `!in~`, `!contains`…: the negation of the positive operator (lowered as `not (…)`). */
  readonly negated?: boolean;
  /** Right side is a list: `in (…)`, `has_any (…)`, `has_all (…)`. */
  readonly list?: boolean;
  /** `has_all`: every value must match. */
  readonly all?: boolean;
  /** `hasprefix` / `hassuffix`: the value lines up with the start / end of a term. */
  readonly term?: 'prefix' | 'suffix';
}

/** Operator spellings (tokens of the operator, joined by a space) onto the model. */
export const BINARY_OPERATOR_FACTS: Readonly<Record<string, BinaryOperatorFact>> = {
  '==': { op: 'eq', cs: true },
  '!=': { op: 'ne', cs: true },
  '<>': { op: 'ne', cs: true },
  '=~': { op: 'eq', cs: false },
  '!~': { op: 'ne', cs: false },
  '<': { op: 'lt', cs: true },
  '<=': { op: 'le', cs: true },
  '>': { op: 'gt', cs: true },
  '>=': { op: 'ge', cs: true },
  has: { op: 'has', cs: false },
  '!has': { op: 'has', cs: false, negated: true },
  has_cs: { op: 'has', cs: true },
  '!has_cs': { op: 'has', cs: true, negated: true },
  contains: { op: 'contains', cs: false },
  '!contains': { op: 'contains', cs: false, negated: true },
  contains_cs: { op: 'contains', cs: true },
  '!contains_cs': { op: 'contains', cs: true, negated: true },
  // older spellings the Kusto parser still reads as the operators above
  notcontains: { op: 'contains', cs: false, negated: true },
  containscs: { op: 'contains', cs: true },
  notcontainscs: { op: 'contains', cs: true, negated: true },
  startswith: { op: 'starts_with', cs: false },
  '!startswith': { op: 'starts_with', cs: false, negated: true },
  startswith_cs: { op: 'starts_with', cs: true },
  '!startswith_cs': { op: 'starts_with', cs: true, negated: true },
  endswith: { op: 'ends_with', cs: false },
  '!endswith': { op: 'ends_with', cs: false, negated: true },
  endswith_cs: { op: 'ends_with', cs: true },
  '!endswith_cs': { op: 'ends_with', cs: true, negated: true },
  'matches regex': { op: 'regex', cs: true },
  like: { op: 'wildcard', cs: false },
  notlike: { op: 'wildcard', cs: false, negated: true },
  likecs: { op: 'wildcard', cs: true },
  notlikecs: { op: 'wildcard', cs: true, negated: true },
  in: { op: 'in', cs: true, list: true },
  '!in': { op: 'in', cs: true, list: true, negated: true },
  'in~': { op: 'in', cs: false, list: true },
  '!in~': { op: 'in', cs: false, list: true, negated: true },
  has_any: { op: 'has', cs: false, list: true },
  has_all: { op: 'has', cs: false, list: true, all: true },
  hasprefix: { op: 'has', cs: false, term: 'prefix' },
  '!hasprefix': { op: 'has', cs: false, term: 'prefix', negated: true },
  hasprefix_cs: { op: 'has', cs: true, term: 'prefix' },
  '!hasprefix_cs': { op: 'has', cs: true, term: 'prefix', negated: true },
  hassuffix: { op: 'has', cs: false, term: 'suffix' },
  '!hassuffix': { op: 'has', cs: false, term: 'suffix', negated: true },
  hassuffix_cs: { op: 'has', cs: true, term: 'suffix' },
  '!hassuffix_cs': { op: 'has', cs: true, term: 'suffix', negated: true },
};

/** Operators the model has no operator for: they lower to opaque (none left; kept for future spellings). */
export const UNSUPPORTED_OPERATORS: Readonly<Record<string, string>> = {};

/** Ordering comparisons whose operands may be swapped (`5 < x` is `x > 5`). */
export const SWAPPED: Readonly<Partial<Record<Operator, Operator>>> = { eq: 'eq', ne: 'ne', lt: 'gt', le: 'ge', gt: 'lt', ge: 'le' };

/** Functions that only convert a value's type: `tostring(x)` is the field `x` for matching purposes. */
export const TRANSPARENT_FUNCTIONS: ReadonlySet<string> = new Set([
  'tostring',
  'tolong',
  'toint',
  'toreal',
  'todouble',
  'todecimal',
  'tobool',
  'toboolean',
  'todynamic',
  'toobject',
  'parse_json',
  'parsejson',
  'toguid',
]);

/**
 * The step a conversion function adds when its argument is already a derived value (`toint(extract(…))`); on a
 * plain column the function stays transparent (above). Conversions without a transform (tobool, toguid) are not
 * listed: on a derived value they stay opaque.
 */
export const CONVERSION_STEPS: Readonly<Record<string, TransformName>> = {
  tostring: 'tostring',
  tolong: 'int',
  toint: 'int',
  toreal: 'float',
  todouble: 'float',
  todecimal: 'float',
  todynamic: 'json',
  toobject: 'json',
  parse_json: 'json',
  parsejson: 'json',
  tolower: 'lower',
  toupper: 'upper',
};

/** A scalar function computing a value from one column: its transform, which argument is the column, its arity. */
export interface DerivingFunction {
  readonly transform: TransformName;
  /** Index of the argument the value is computed from. */
  readonly source: number;
  /** Fewest and most arguments. */
  readonly arity?: readonly [number, number];
}

/** Scalar functions that become a transform step over their column (issue 19; see derived.ts). */
export const DERIVING_FUNCTIONS: Readonly<Record<string, DerivingFunction>> = {
  substring: { transform: 'substring', source: 0, arity: [2, 3] },
  split: { transform: 'split', source: 0, arity: [2, 3] },
  extract: { transform: 'extract', source: 2, arity: [3, 4] },
  extract_json: { transform: 'json', source: 1, arity: [2, 3] },
  extractjson: { transform: 'json', source: 1, arity: [2, 3] },
  trim: { transform: 'trim', source: 1, arity: [2, 2] },
  strlen: { transform: 'len', source: 0, arity: [1, 1] },
  array_length: { transform: 'array_len', source: 0, arity: [1, 1] },
  string_size: { transform: 'bytes', source: 0, arity: [1, 1] },
  replace_string: { transform: 'replace', source: 0, arity: [3, 3] },
  bin: { transform: 'bin', source: 0, arity: [2, 2] },
  floor: { transform: 'bin', source: 0, arity: [2, 2] },
  base64_decode_tostring: { transform: 'base64decode', source: 0, arity: [1, 1] },
  base64_decodestring: { transform: 'base64decode', source: 0, arity: [1, 1] },
  url_decode: { transform: 'urldecode', source: 0, arity: [1, 1] },
  replace_regex: { transform: 'replace', source: 0, arity: [3, 3] },
  replace: { transform: 'replace', source: 2, arity: [3, 3] },
  strcat: { transform: 'strcat', source: 0 },
  strcat_delim: { transform: 'strcat', source: 1 },
};

/** Column / conversion types (`parse … col:long`, `typeof(real)`) and the transform converting to each. */
export const PARSE_COLUMN_TYPES: Readonly<Record<string, 'string' | 'int' | 'float'>> = {
  string: 'string',
  long: 'int',
  int: 'int',
  real: 'float',
  double: 'float',
  decimal: 'float',
};

/** Functions that fold case: comparing their result is a case-insensitive comparison of the field. */
export const CASE_FOLDING_FUNCTIONS: Readonly<Record<string, 'lower' | 'upper'>> = { tolower: 'lower', toupper: 'upper' };

/** Functions whose value is a point in time: comparing a column with them is a time-window filter. */
export const TIME_FUNCTIONS: ReadonlySet<string> = new Set([
  'ago',
  'now',
  'datetime',
  'todatetime',
  'startofday',
  'startofweek',
  'startofmonth',
  'startofyear',
  'endofday',
  'endofweek',
  'endofmonth',
  'endofyear',
  'datetime_add',
  'make_datetime',
  'unixtime_seconds_todatetime',
  'unixtime_milliseconds_todatetime',
]);

/**
 * Null / empty checks (`isempty` also holds for the empty string); `notnull` and `notempty` are the deprecated aliases
 * Microsoft's reference gives `isnotnull` and `isnotempty`.
 */
export const NULL_FUNCTIONS: Readonly<Record<string, { readonly op: 'is_null' | 'is_not_null'; readonly empty: boolean }>> = {
  isnull: { op: 'is_null', empty: false },
  isnotnull: { op: 'is_not_null', empty: false },
  notnull: { op: 'is_not_null', empty: false },
  isempty: { op: 'is_null', empty: true },
  isnotempty: { op: 'is_not_null', empty: true },
  notempty: { op: 'is_not_null', empty: true },
};

/** `ipv4_is_private`: the RFC 1918 ranges, as the function documents them. */
export const PRIVATE_IPV4_RANGES: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/**
 * The address functions (`ipv4_is_private` and the range functions) are null, not false, for a value that is not an
 * address they can read: an IPv4 address for the `ipv4_` ones, IPv4 or IPv6 for the `ipv6_` ones. These ranges hold
 * every such address (`cidr` against them is "the value is an address").
 */
export const ADDRESS_RANGES: Readonly<Record<'ipv4' | 'ipv6', readonly string[]>> = { ipv4: ['0.0.0.0/0'], ipv6: ['::/0', '0.0.0.0/0'] };

/** Range functions: `f(ip, range)` or `f(ip, ranges…)`. */
export const CIDR_FUNCTIONS: ReadonlySet<string> = new Set(['ipv4_is_in_range', 'ipv4_is_in_any_range', 'ipv6_is_in_range', 'ipv6_is_in_any_range', 'ipv4_is_match']);

/** What a query operator is as a stage, and whether the row-level condition ends before it. */
export interface QueryOperatorFact {
  readonly stage: StageKind;
  /**
   * `end`: rows after it are no longer the source's events (aggregated, joined, reshaped by a plugin), so later
   * filters are not row-level. `keep`: later filters still constrain each source event.
   * `limit`: rows are a subset (take/top/sample): later filters stay row-level but the condition is partial.
   */
  readonly rows: 'keep' | 'end' | 'limit';
}

export const QUERY_OPERATOR_FACTS: Readonly<Record<string, QueryOperatorFact>> = {
  FilterOperator: { stage: 'filter', rows: 'keep' },
  ExtendOperator: { stage: 'extend', rows: 'keep' },
  ProjectOperator: { stage: 'project', rows: 'keep' },
  ProjectAwayOperator: { stage: 'project', rows: 'keep' },
  ProjectKeepOperator: { stage: 'project', rows: 'keep' },
  ProjectRenameOperator: { stage: 'project', rows: 'keep' },
  ProjectReorderOperator: { stage: 'project', rows: 'keep' },
  ProjectByNamesOperator: { stage: 'project', rows: 'keep' },
  SortOperator: { stage: 'sort', rows: 'keep' },
  SerializeOperator: { stage: 'modifier', rows: 'keep' },
  AsOperator: { stage: 'modifier', rows: 'keep' },
  RenderOperator: { stage: 'output', rows: 'keep' },
  ParseOperator: { stage: 'parse', rows: 'keep' },
  ParseWhereOperator: { stage: 'parse', rows: 'keep' },
  ParseKvOperator: { stage: 'parse', rows: 'keep' },
  MvExpandOperator: { stage: 'expand', rows: 'keep' },
  TakeOperator: { stage: 'limit', rows: 'limit' },
  SampleOperator: { stage: 'limit', rows: 'limit' },
  TopOperator: { stage: 'limit', rows: 'limit' },
  SummarizeOperator: { stage: 'aggregate', rows: 'end' },
  DistinctOperator: { stage: 'aggregate', rows: 'end' },
  CountOperator: { stage: 'aggregate', rows: 'end' },
  MakeSeriesOperator: { stage: 'aggregate', rows: 'end' },
  TopNestedOperator: { stage: 'aggregate', rows: 'end' },
  TopHittersOperator: { stage: 'aggregate', rows: 'end' },
  SampleDistinctOperator: { stage: 'aggregate', rows: 'end' },
  ReduceByOperator: { stage: 'aggregate', rows: 'end' },
  JoinOperator: { stage: 'join', rows: 'end' },
  LookupOperator: { stage: 'lookup', rows: 'end' },
  UnionOperator: { stage: 'union', rows: 'end' },
  EvaluateOperator: { stage: 'function', rows: 'end' },
  InvokeOperator: { stage: 'function', rows: 'end' },
  MvApplyOperator: { stage: 'expand', rows: 'end' },
  ScanOperator: { stage: 'sequence', rows: 'end' },
  PartitionOperator: { stage: 'branch', rows: 'end' },
  PartitionByOperator: { stage: 'branch', rows: 'end' },
  ForkOperator: { stage: 'branch', rows: 'end' },
  FacetOperator: { stage: 'branch', rows: 'end' },
  GetSchemaOperator: { stage: 'output', rows: 'end' },
  ConsumeOperator: { stage: 'output', rows: 'end' },
  ExecuteAndCacheOperator: { stage: 'modifier', rows: 'keep' },
  AssertSchemaOperator: { stage: 'modifier', rows: 'keep' },
};

/**
 * Operators that neither drop nor count rows: after a row limit (`take` / `top` / `sample` of N >= 1) of the main
 * query, only these may follow for the limit to leave the rule's firing unchanged (the query returns rows exactly
 * when some row passed the filters before the limit). Any other operator after a limit (a filter, an aggregation,
 * a join...) sees only the kept rows, and the limit is a missing part.
 */
export const ROW_KEEPING_AFTER_LIMIT: ReadonlySet<string> = new Set([
  'ExtendOperator', 'ProjectOperator', 'ProjectAwayOperator', 'ProjectKeepOperator', 'ProjectRenameOperator', 'ProjectReorderOperator',
  'ProjectByNamesOperator', 'SortOperator', 'SerializeOperator', 'AsOperator', 'RenderOperator', 'TakeOperator', 'TopOperator',
  'SampleOperator', 'ParseKvOperator', 'ParseOperator', 'ExecuteAndCacheOperator', 'AssertSchemaOperator',
]);

/**
 * Enrichment functions of Defender XDR advanced hunting called with `invoke`: each row stays the row it was, with
 * columns added from a Microsoft service when the query runs (their values are not in the event). `FileProfile(x,
 * y)` looks up the file whose hash column x names, for at most y rows.
 */
export const ENRICHMENT_FUNCTIONS: Readonly<Record<string, { readonly what: string; readonly columns: readonly string[] }>> = {
  FileProfile: {
    what: "Microsoft's profile of the file (prevalence, signature, publisher), looked up when the query runs",
    columns: ['SHA1', 'SHA256', 'MD5', 'FileSize', 'GlobalPrevalence', 'GlobalFirstSeen', 'GlobalLastSeen', 'Signer', 'Issuer', 'SignerHash', 'IsCertificateValid', 'IsRootSignerMicrosoft', 'SignatureState', 'IsExecutable', 'ThreatName', 'Publisher', 'SoftwareName', 'ProfileAvailability'],
  },
};

/** Plugins of `evaluate` that work row by row (the rows stay the source's events). */
export const ROW_WISE_PLUGINS: ReadonlySet<string> = new Set(['bag_unpack']);

/**
 * Plugins of `evaluate` that add a lookup table's columns to each row whose IP address falls in one of its ranges
 * (`ipv4_lookup(T, ip, range, return_unmatched)`): the rows stay the events, but without `return_unmatched = true`
 * (the fourth argument, false by default) a row in none of the ranges is dropped.
 */
export const IP_LOOKUP_PLUGINS: ReadonlySet<string> = new Set(['ipv4_lookup', 'ipv6_lookup']);

/** Aggregation functions that count rows (a threshold on them is a count threshold). */
export const COUNT_FUNCTIONS: ReadonlySet<string> = new Set(['count', 'countif']);

/**
 * Conditional aggregates: the aggregate they compute over the rows that meet their condition, and the place of the
 * condition among their arguments (`countif(p)`, `dcountif(x, p)`, `sumif(x, p)`).
 */
export const CONDITIONAL_AGGREGATES: Readonly<Record<string, { readonly base: string; readonly condition: number }>> = {
  countif: { base: 'count', condition: 0 },
  dcountif: { base: 'dcount', condition: 1 },
  sumif: { base: 'sum', condition: 1 },
};

/** Aggregates whose value is an array of the argument's values (`in` over them flattens the arrays). */
export const SET_AGGREGATES: ReadonlySet<string> = new Set(['make_set', 'make_list']);
/** The deprecated forms, which keep at most 128 values unless given a size. */
export const SET_AGGREGATES_128: ReadonlySet<string> = new Set(['makeset', 'makelist']);
/**
 * Aggregates whose array holds each distinct value once, with the most values they keep by default: the length of
 * such an array is the distinct count of the argument while it is under that size (`array_length(make_set(x))`).
 */
export const DISTINCT_SET_SIZE: Readonly<Record<string, number>> = { make_set: 1_048_576, makeset: 128 };

/**
 * Tables that hold alerts raised by other products. A rule whose only sources are these, with few filters of its
 * own, forwards another product's alerts: a third-party alert feed.
 */
export const ALERT_TABLES: ReadonlySet<string> = new Set(['SecurityAlert', 'AlertInfo', 'AlertEvidence', 'SecurityIncident']);

/** Custom-log tables whose name says they hold a vendor's alerts (`*_CL` with `alert` in the name). */
export function isVendorAlertTable(name: string): boolean {
  const n = name.toLowerCase();
  return n.endsWith('_cl') && (n.includes('alert') || n.includes('threat_cl') || n.includes('incident'));
}

/** Column names that are the event time: comparing them with a point in time is the rule's window. */
export const TIME_COLUMNS: ReadonlySet<string> = new Set(['TimeGenerated', 'Timestamp', 'timestamp', 'EventTime', 'StartTime', 'EndTime', 'TimeCreated', '_TimeReceived', 'ingestion_time()']);

/**
 * What each join flavor means for a multi-event rule (https://learn.microsoft.com/kusto/query/join-operator):
 * how the left and right sides take part, and whose columns the joined rows carry (later filters go to that side).
 * `lookup` is `leftouter` by default and accepts `inner`; `in (subquery)` is a `leftsemi` join and `!in` a
 * `leftanti` one, on the tested column and the subquery's only column.
 */
export interface JoinKindFact {
  readonly left: SidePresence;
  readonly right: SidePresence;
  /** Columns of the joined rows: the left side's, the right side's, or both. */
  readonly rows: 'left' | 'right' | 'both';
}

export const JOIN_KIND_FACTS: Readonly<Record<string, JoinKindFact>> = {
  innerunique: { left: 'required', right: 'required', rows: 'both' },
  inner: { left: 'required', right: 'required', rows: 'both' },
  leftsemi: { left: 'required', right: 'required', rows: 'left' },
  rightsemi: { left: 'required', right: 'required', rows: 'right' },
  leftanti: { left: 'required', right: 'absent', rows: 'left' },
  anti: { left: 'required', right: 'absent', rows: 'left' },
  leftantisemi: { left: 'required', right: 'absent', rows: 'left' },
  rightanti: { left: 'absent', right: 'required', rows: 'right' },
  rightantisemi: { left: 'absent', right: 'required', rows: 'right' },
  leftouter: { left: 'required', right: 'optional', rows: 'both' },
  rightouter: { left: 'optional', right: 'required', rows: 'both' },
  fullouter: { left: 'optional', right: 'optional', rows: 'both' },
};

/** Default flavor of `join` without `kind=`, and of `lookup`. */
export const DEFAULT_JOIN_KIND = 'innerunique';
export const DEFAULT_LOOKUP_KIND = 'leftouter';
/** Flavors `lookup` accepts. */
export const LOOKUP_KINDS: ReadonlySet<string> = new Set(['leftouter', 'inner']);

/**
 * `datetime_add` / `datetime_diff` parts whose length is fixed, in milliseconds (months and years are not; weeks
 * count Sundays in datetime_diff). datetime_diff counts the part's boundaries crossed between its two times.
 */
export const DATETIME_PART_MS: Readonly<Record<string, number>> = {
  day: 86_400_000,
  hour: 3_600_000,
  minute: 60_000,
  second: 1000,
  millisecond: 1,
};
