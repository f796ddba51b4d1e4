/** Static tables of SPL semantics (data, not code): macros Splunk ships, source fields, commands, eval functions. */
import type { StageKind } from '../../model/rule.ts';

/**
 * Macros Splunk apps ship that the repository uses without defining. `drop_dm_object_name(X)` (Splunk SA-Utils)
 * is `rename X.* AS *`: it strips the data-model object prefix from field names.
 */
export const BUILTIN_MACROS: Readonly<Record<string, (args: readonly string[]) => string>> = {
  'drop_dm_object_name(1)': (args) => `rename ${unquote(args[0] ?? '')}.* AS *`,
};

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/**
 * Where a Splunk source defines its macros, as a missing part or a diagnostic names them: security_content's
 * `macros/*.yml` and an app's `macros.conf` are both read (`index.ts`), so an undefined macro is in neither.
 */
export const MACRO_PLACES = 'macros/*.yml or macros.conf';

/** The reason of a missing part that calls a macro the source does not define. */
export function undefinedMacroReason(name: string): string {
  return `macro: \`${name}\` is not defined in the source (${MACRO_PLACES})`;
}

/** Each security_content detection ends with its own `<name>_filter` macro: its tuning point. */
export const FILTER_MACRO_SUFFIX = '_filter';
/** What Splunk ships a detection's filter macro as: it filters nothing. */
export const FILTER_MACRO_DEFAULT = 'search *';

/** Fields that select where events come from rather than what they say (names are case-sensitive: `eventType` is an Okta field, `eventtype` Splunk's event type): they name the log source (`nodename` selects a data-model dataset in tstats). */
export const SOURCE_FIELDS: ReadonlySet<string> = new Set(['index', 'sourcetype', 'source', 'eventtype', 'nodename']);

/** Search-time modifiers of the base search: they set the time range, not a condition. */
export const TIME_MODIFIERS: ReadonlySet<string> = new Set(['earliest', 'latest', '_index_earliest', '_index_latest', 'starttime', 'endtime']);

/** Stage kinds of commands that are not lowered one by one (every other command is `other`). */
export const COMMAND_STAGE_KINDS: Readonly<Record<string, StageKind>> = {
  search: 'filter',
  where: 'filter',
  regex: 'filter',
  eval: 'extend',
  rex: 'parse',
  spath: 'parse',
  xmlkv: 'parse',
  kv: 'parse',
  extract: 'parse',
  fromjson: 'parse',
  stats: 'aggregate',
  tstats: 'aggregate',
  mstats: 'aggregate',
  eventstats: 'aggregate',
  streamstats: 'aggregate',
  chart: 'aggregate',
  timechart: 'aggregate',
  sistats: 'aggregate',
  transaction: 'aggregate',
  rare: 'aggregate',
  top: 'aggregate',
  rename: 'project',
  table: 'project',
  fields: 'project',
  dedup: 'modifier',
  lookup: 'lookup',
  inputlookup: 'source',
  from: 'source',
  datamodel: 'source',
  join: 'join',
  append: 'union',
  appendcols: 'union',
  appendpipe: 'union',
  union: 'union',
  multisearch: 'union',
  sort: 'sort',
  head: 'limit',
  tail: 'limit',
  mvexpand: 'expand',
  bucket: 'window',
  bin: 'window',
  outputlookup: 'output',
  collect: 'output',
  sendalert: 'output',
  fillnull: 'extend',
  convert: 'extend',
  iplocation: 'extend',
  makemv: 'extend',
  replace: 'extend',
  foreach: 'extend',
  apply: 'function',
  fit: 'function',
  map: 'function',
  macro: 'statement',
};

/**
 * Commands that neither drop nor add rows, nor change the fields a later filter reads, except those they
 * create: filters after them still apply to single events.
 */
export const ROW_PRESERVING: ReadonlySet<string> = new Set([
  'eval', 'rex', 'spath', 'xmlkv', 'kv', 'extract', 'fromjson', 'rename', 'table', 'fields', 'fillnull', 'convert',
  'iplocation', 'makemv', 'bucket', 'bin', 'sort', 'lookup', 'eventstats', 'streamstats', 'replace', 'foreach', 'macro',
]);

/**
 * Commands that keep only some rows: what each keeps (before an aggregation rows are events; `top` / `rare` count
 * the values of their fields and keep the most / least common, 10 unless `limit=` says otherwise).
 */
export const ROW_LIMITING: Readonly<Record<string, { readonly events: string; readonly rows: string }>> = {
  head: { events: 'the first matching events', rows: 'the first rows' },
  tail: { events: 'the last matching events', rows: 'the last rows' },
  top: { events: 'the most common values of its fields', rows: 'the most common values of its fields' },
  rare: { events: 'the least common values of its fields', rows: 'the least common values of its fields' },
};

/** Aggregation commands after which rows are groups, not events. */
export const GROUPING_STATS: ReadonlySet<string> = new Set(['stats', 'tstats', 'mstats', 'chart', 'timechart', 'sistats']);

/** Abbreviations of stats functions, as Splunk's reference gives them (`c(X)` for `count(X)`). */
export const AGGREGATE_ABBREVIATIONS: Readonly<Record<string, string>> = { c: 'count' };

/**
 * Aggregating commands that leave out an event without a value for one of their BY fields (`fillnull` first keeps
 * it); `chart` and `timechart` count such events under `NULL` unless `usenull=f`.
 */
export const DROPS_NULL_KEYS: ReadonlySet<string> = new Set(['stats', 'tstats', 'mstats', 'sistats', 'eventstats', 'streamstats']);

/** Eval functions that only change case: a comparison through them is case-insensitive. */
export const CASE_FOLD_FUNCTIONS: ReadonlySet<string> = new Set(['lower', 'upper']);

/**
 * Eval functions that are one transform step of their first argument (the model's TRANSFORM_FACTS), their other
 * arguments constants, as Splunk's eval reference gives them: `len(x)` (characters), `replace(x, regex, rewrite)`
 * (every match; `\1` in the rewrite is a group, as in RE2's), `substr(x, start[, n])` (start 1-based),
 * `urldecode(x)` (percent-decoding; a `+` or a stray `%`, whose reading was not found documented, is unknown), `trim(x[, chars])` (spaces and tabs by default); `lower` / `upper` of these.
 * `split(x, delim)` (the values between occurrences of a literal delimiter; where that gives an empty value, which
 * Splunk's reference does not say it keeps, unknown), and of its values `mvindex(…, i)` (one value by a zero-based
 * index, negative from the end; out of range: null) and `mvcount(…)` (how many): the basename idiom
 * `mvindex(split(path, "\\"), -1)`. Of a field itself `mvindex` and `mvcount` stay unread: a single value is
 * one value to them, a list element to the model.
 */
export const STEP_FUNCTIONS: ReadonlySet<string> = new Set(['len', 'replace', 'substr', 'urldecode', 'trim', 'lower', 'upper', 'split', 'mvindex', 'mvcount']);

/** Multivalue functions read only over the values of a `split` (see `STEP_FUNCTIONS`). */
export const OVER_SPLIT: ReadonlySet<string> = new Set(['mvindex', 'mvcount']);

/** Statistical functions whose result is a number (a threshold can compare them). */
export const NUMERIC_AGGREGATES: ReadonlySet<string> = new Set([
  'count', 'c', 'dc', 'distinct_count', 'sum', 'avg', 'mean', 'min', 'max', 'range', 'stdev', 'stdevp', 'var', 'varp',
  'median', 'mode', 'estdc', 'estdc_error', 'sumsq', 'rate', 'per_second', 'per_minute', 'per_hour', 'per_day',
]);
