/**
 * SqlDialects: everything the SQL generator (`generate.ts`, `fields.ts`, `route.ts`) says differently per engine,
 * in one table (data: each entry is a set of small templates over SQL fragments). A new engine (Snowflake, Trino)
 * is a new entry here, not a new compiler. `duckdb` is the one `detwiki hunt --engine duckdb` runs; `clickhouse`
 * is text only (`detwiki convert --to clickhouse`), checked by the generator test, never run here.
 *
 * Conventions every template keeps: an event is one JSON document (`ev`); a JSON value is the dialect's JSON text
 * type, and SQL NULL stands for a missing field (a JSON `null` is a value, not SQL NULL). Booleans are
 * three-valued: TRUE, FALSE and NULL (unknown), combined with the engine's Kleene AND / OR / NOT.
 */

import type { DeriveDialect } from './derive.ts';
import { CONTROL } from '../../model/ascii.ts';

/** The JSON type of a value as the generator tests it. */
export type JsonKind = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';

export interface SqlDialect {
  readonly name: string;
  /** A string literal. */
  str(s: string): string;
  /** A quoted identifier. */
  ident(s: string): string;
  /** The three-valued constants. */
  readonly TRUE: string;
  readonly FALSE: string;
  readonly NULL_BOOL: string;
  /** The JSON value at a key path of JSON value `x`, SQL NULL when absent. Keys are literal keys (dots are not paths). */
  get(x: string, keys: readonly string[]): string;
  /** The JSON value of key `keyExpr` (an SQL string expression) of `x`. */
  getDynamic(x: string, keyExpr: string): string;
  /** Several key paths at once, as a list (one parse of the document), and its i-th element (0-based). */
  getMany?(x: string, paths: readonly (readonly string[])[]): string;
  pick?(list: string, i: number): string;
  /** The JSON type names (as `typeOf` names them; NULL where a path is absent) at several key paths at once (one parse), as a list. */
  typesOf?(x: string, paths: readonly (readonly string[])[]): string;
  /** Is the JSON value `x` (not NULL) of this kind. */
  is(x: string, kind: JsonKind): string;
  /** The JSON type name of a value (what `typeIs` tests; computed once per event for field columns). */
  typeOf(x: string): string;
  typeIs(t: string, kind: JsonKind): string;
  /** A JSON null as SQL NULL, other values unchanged. */
  nullIfJsonNull(x: string): string;
  /** The keys of a JSON object, as a list of strings. */
  keys(x: string): string;
  /** The elements of a JSON array, as a list of JSON values. */
  elements(x: string): string;
  /** A JSON scalar as text: a string unquoted, a number or boolean as written; NULL for null, arrays and objects. */
  text(x: string): string;
  /** A text as a number (NULL when it is not one). */
  num(s: string): string;
  lower(s: string): string;
  /** The text with its spaces removed. */
  stripSpaces(s: string): string;
  /** A JSON literal from its text. */
  json(text: string): string;
  /** An IPv4 address text as an integer, NULL when it is not one (dotted quad, octets up to 255). */
  ipv4(s: string): string;
  /** Trim spaces at both ends. */
  trim(s: string): string;
  /** The text upper-cased. */
  upper(s: string): string;
  /** Texts concatenated (NULL when one is NULL). */
  concatText(parts: readonly string[]): string;
  /** The texts that are not NULL joined by `sep` (a literal), NULL when none is. */
  joinPresent(sep: string, parts: readonly string[]): string;
  /** A text as a JSON string value. */
  jsonString(s: string): string;
  /** The JSON null value (a present null, not SQL NULL). */
  readonly JSON_NULL: string;
  length(s: string): string;
  contains(hay: string, needle: string): string;
  startsWith(hay: string, needle: string): string;
  endsWith(hay: string, needle: string): string;
  /** SQL LIKE with `\` as the escape character (the generator escapes patterns so). */
  like(s: string, pattern: string): string;
  /** RE2 search (unanchored); flags are written inline by the generator (`(?i)`, `(?s)`, `(?m)`). */
  regex(s: string, pattern: string): string;
  /** List helpers: a lambda's syntax, map, filter, length, first element (NULL when empty), flatten, literal. */
  lambda(v: string, body: string): string;
  map(list: string, lam: string): string;
  filter(list: string, lam: string): string;
  listLength(list: string): string;
  first(list: string): string;
  flatten(listOfLists: string): string;
  list(items: readonly string[]): string;
  /** Kleene OR of a list of booleans: TRUE if one is TRUE, else NULL if one is NULL, else FALSE (empty: FALSE). */
  any3(list: string): string;
  /** The largest element of a list of numbers (NULL when empty). */
  listMax(list: string): string;
  /** Does a list of strings contain any of the literals. */
  hasAny(list: string, items: readonly string[]): string;
  /** A list of JSON values as one JSON array value. */
  toJsonArray(list: string): string;
  /**
   * A JSON object of the pairs (literal key, JSON value) whose value is not SQL NULL, in their order (each value
   * written once); with `emptyAsNull`, NULL instead of an empty object.
   */
  jsonObject(pairs: readonly (readonly [string, string])[], emptyAsNull?: boolean): string;
  /** Every scalar value of a JSON document, as a list of texts (full-text keyword search). */
  keywords(x: string): string;
  /** `body` with `v` bound to the value of `x` (evaluated once): keeps nested path walks linear in size. */
  let(x: string, v: string, body: string): string;
  /** A JSON value's text (as written in the input). */
  jsonText(x: string): string;
  /** Lists concatenated. */
  concat(lists: readonly string[]): string;
  /** An empty list of strings. */
  readonly EMPTY_TEXT_LIST: string;
  /** A row number starting at 0, in input order. */
  rowNumber: string;
  /** Derived values (transform chains, `derive.ts`); a dialect without them leaves such predicates unknown. */
  readonly derive?: DeriveDialect;
}

/** A plain identifier (a column or a lambda variable): bound without a lambda. */
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * The body with variable `v` replaced by identifier `x`. Variables are fresh names from `Names` (a letter prefix
 * and a number), so a whole-word match outside string literals is the variable.
 */
function renameVar(body: string, v: string, x: string): string {
  return scanVar(body, v, x).out;
}

/** Occurrences of variable `v` in `body` (outside string literals). */
function countVar(body: string, v: string): number {
  return scanVar(body, v, v).count;
}

/** `let` by substitution when `x` is an identifier or `v` is used at most once (evaluated once either way). */
function substitute(x: string, v: string, body: string): string | undefined {
  if (IDENT.test(x)) return renameVar(body, v, x);
  if (countVar(body, v) <= 1) return renameVar(body, v, `(${x})`);
  return undefined;
}

function scanVar(body: string, v: string, x: string): { out: string; count: number } {
  let count = 0;
  let out = '';
  let i = 0;
  while (i < body.length) {
    const ch = body[i]!;
    if (ch === "'") {
      const j = body.indexOf("'", i + 1);
      let end = j < 0 ? body.length : j + 1;
      while (end < body.length && body[end] === "'") {
        const k = body.indexOf("'", end + 1);
        end = k < 0 ? body.length : k + 1;
      }
      out += body.slice(i, end);
      i = end;
    } else if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1;
      while (j < body.length && /[A-Za-z0-9_]/.test(body[j]!)) j++;
      const w = body.slice(i, j);
      if (w === v) count++;
      out += w === v ? x : w;
      i = j;
    } else {
      out += ch;
      i++;
    }
  }
  return { out, count };
}

// A string literal does not hold as they are the characters `escapeControls` escapes (`CONTROL`: C0 controls but tab,
// DEL, C1 controls, the line and paragraph separators, the bidirectional controls). A NUL ends DuckDB's query text
// ("unterminated quoted string"), and the others, in printed SQL (`detwiki convert`), act on the reader's terminal
// (U+009B opens its control sequences): rule text is untrusted.

/** A DuckDB string literal; each control character (`CONTROL`) written as `chr(n)` between literals. */
const sq = (s: string): string => {
  if (!CONTROL.test(s)) return `'${s.replace(/'/g, "''")}'`;
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    if (!CONTROL.test(s[i]!)) continue;
    if (i > from) parts.push(sq(s.slice(from, i)));
    parts.push(`chr(${s.charCodeAt(i)})`);
    from = i + 1;
  }
  if (from < s.length) parts.push(sq(s.slice(from)));
  return `(${parts.join(' || ')})`;
};

/** A ClickHouse string literal: backslash escapes, each control character (`CONTROL`) as its UTF-8 bytes `\xHH`. */
const chStr = (s: string): string => {
  const t = s.replace(/\\/g, '\\\\').replace(/'/g, "''");
  if (!CONTROL.test(t)) return `'${t}'`;
  let out = '';
  for (const c of t) out += CONTROL.test(c) ? [...Buffer.from(c, 'utf8')].map((b) => `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`).join('') : c;
  return `'${out}'`;
};

/** JSON pointer of a key path (`/a/b~1c`): DuckDB reads a path that starts with `/` as a pointer. */
const pointer = (keys: readonly string[]) => keys.map((k) => '/' + k.replace(/~/g, '~0').replace(/\//g, '~1')).join('');

const DUCK_TYPES: Record<JsonKind, readonly string[]> = {
  string: ['VARCHAR'],
  number: ['BIGINT', 'UBIGINT', 'DOUBLE'],
  boolean: ['BOOLEAN'],
  null: ['NULL'],
  array: ['ARRAY'],
  object: ['OBJECT'],
};

const CH_TYPES: Record<JsonKind, readonly string[]> = {
  string: ['String'],
  number: ['Int64', 'UInt64', 'Double'],
  boolean: ['Bool'],
  null: ['Null'],
  array: ['Array'],
  object: ['Object'],
};

const inList = (x: string, vals: readonly string[]) => (vals.length === 1 ? `${x} = ${sq(vals[0]!)}` : `${x} IN (${vals.map(sq).join(', ')})`);

export const DUCKDB: SqlDialect = {
  name: 'duckdb',
  str: sq,
  ident: (s) => `"${s.replace(/"/g, '""')}"`,
  TRUE: 'TRUE',
  FALSE: 'FALSE',
  NULL_BOOL: 'CAST(NULL AS BOOLEAN)',
  get: (x, keys) => `json_extract(${x}, ${sq(pointer(keys))})`,
  getDynamic: (x, k) => `json_extract(${x}, '/' || replace(replace(${k}, '~', '~0'), '/', '~1'))`,
  getMany: (x, paths) => `json_extract(${x}, [${paths.map((p) => sq(pointer(p))).join(', ')}])`,
  pick: (list, i) => `${list}[${i + 1}]`,
  typesOf: (x, paths) => `json_type(${x}, [${paths.map((p) => sq(pointer(p))).join(', ')}])`,
  is: (x, kind) => inList(`json_type(${x})`, DUCK_TYPES[kind]),
  typeOf: (x) => `json_type(${x})`,
  typeIs: (t, kind) => inList(t, DUCK_TYPES[kind]),
  nullIfJsonNull: (x) => `nullif(${x}, CAST('null' AS JSON))`,
  keys: (x) => `json_keys(${x})`,
  elements: (x) => `CAST(json_extract(${x}, '$[*]') AS JSON[])`,
  text: (x) => `json_extract_string(${x}, '$')`,
  num: (s) => `TRY_CAST(${s} AS DOUBLE)`,
  lower: (s) => `lower(${s})`,
  // split and joined: over an event's text (1.4 KB) a fifth of `replace(s, ' ', '')`'s time, as fast on a short key
  stripSpaces: (s) => `array_to_string(string_split(${s}, ' '), '')`,
  JSON_NULL: `CAST('null' AS JSON)`,
  json: (t) => `CAST(${sq(t)} AS JSON)`,
  ipv4: (s) =>
    `CASE WHEN regexp_full_match(${s}, '[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}') AND list_max(list_transform(string_split(${s}, '.'), lambda o: CAST(o AS BIGINT))) <= 255 THEN list_reduce(list_transform(string_split(${s}, '.'), lambda o: CAST(o AS BIGINT)), lambda a, b: a * 256 + b) END`,
  trim: (s) => `trim(${s})`,
  upper: (s) => `upper(${s})`,
  concatText: (parts) => `(${parts.join(' || ')})`,
  joinPresent: (sep, parts) => `nullif(concat_ws(${sq(sep)}, ${parts.join(', ')}), '')`,
  jsonString: (s) => `to_json(${s})`,
  length: (s) => `length(${s})`,
  contains: (h, n) => `contains(${h}, ${n})`,
  startsWith: (h, n) => `starts_with(${h}, ${n})`,
  endsWith: (h, n) => `ends_with(${h}, ${n})`,
  like: (s, p) => `(${s} LIKE ${p} ESCAPE '\\')`,
  regex: (s, p) => `regexp_matches(${s}, ${p})`,
  lambda: (v, body) => `lambda ${v}: ${body}`,
  map: (l, lam) => `list_transform(${l}, ${lam})`,
  filter: (l, lam) => `list_filter(${l}, ${lam})`,
  listLength: (l) => `len(${l})`,
  first: (l) => `${l}[1]`,
  flatten: (l) => `flatten(${l})`,
  list: (items) => `[${items.join(', ')}]`,
  any3: (l) => `(CASE WHEN list_bool_or(${l}) THEN TRUE WHEN list_count(${l}) < len(${l}) THEN NULL ELSE FALSE END)`,
  listMax: (l) => `list_max(${l})`,
  hasAny: (l, items) => `list_has_any(${l}, [${items.map(sq).join(', ')}])`,
  toJsonArray: (l) => `CAST(to_json(${l}) AS JSON)`,
  // `||` is NULL when a value is, and concat_ws leaves NULL arguments out
  jsonObject: (pairs, emptyAsNull) => {
    const text = `'{' || concat_ws(',', ${pairs.map(([k, v]) => `${sq(`${JSON.stringify(k)}:`)} || CAST(${v} AS VARCHAR)`).join(', ')}) || '}'`;
    return `CAST(${emptyAsNull ? `nullif(${text}, '{}')` : text} AS JSON)`;
  },
  keywords: (x) => `(SELECT list(json_extract_string(value, '$')) FROM json_tree(${x}) WHERE type NOT IN ('OBJECT', 'ARRAY', 'NULL'))`,
  let: (x, v, body) => substitute(x, v, body) ?? `list_transform([${x}], lambda ${v}: ${body})[1]`,
  EMPTY_TEXT_LIST: 'CAST([] AS VARCHAR[])',
  concat: (ls) => `(${ls.join(' || ')})`,
  jsonText: (x) => `CAST(${x} AS VARCHAR)`,
  rowNumber: '(row_number() OVER () - 1)',
  derive: {
    pair: (s, v) => `{'s': ${s}, 'v': ${v}}`,
    state: (p) => `struct_extract(${p}, 's')`,
    value: (p) => `struct_extract(${p}, 'v')`,
    NULL_JSON: 'CAST(NULL AS JSON)',
    toJson: (x) => `to_json(${x})`,
    jsonValid: (t) => `json_valid(${t})`,
    parseJson: (t) => `CAST(${t} AS JSON)`,
    split: (s, sep) => `string_split(${s}, ${sep})`,
    regexExtract: (s, p, g) => `regexp_extract(${s}, ${p}, ${g})`,
    arrayLength: (x) => `json_array_length(${x})`,
    at: (l, i) => `${l}[${i >= 0 ? i + 1 : i}]`,
    substr: (s, start, n) => `substring(${s}, ${start}, ${n})`,
    substrFrom: (s, start) => `substring(${s}, ${start})`,
    upper: (s) => `upper(${s})`,
    ascii: (s) => `(strlen(${s}) = length(${s}))`,
    safeInteger: (x) => `(json_type(${x}) IN ('BIGINT', 'UBIGINT') AND abs(CAST(${x} AS DOUBLE)) <= 9007199254740991)`,
    integral: (x) => `(json_type(${x}) IN ('BIGINT', 'UBIGINT') OR (isfinite(CAST(${x} AS DOUBLE)) AND CAST(${x} AS DOUBLE) = floor(CAST(${x} AS DOUBLE))))`,
    distinctCount: (l) => `len(list_distinct(${l}))`,
    distinctList: (l) => `list_filter(list_distinct(${l}), lambda dl_x: dl_x IS NOT NULL)`,
    numberKey: (x) => `CAST(CAST(${x} AS DOUBLE) + 0.0 AS VARCHAR)`,
    intJson: (t) => `to_json(CAST(${t} AS BIGINT))`,
    finiteSmall: (x) => `(isfinite(CAST(${x} AS DOUBLE)) AND abs(CAST(${x} AS DOUBLE)) < 9007199254740992)`,
    truncJson: (x) => `to_json(CAST(trunc(CAST(${x} AS DOUBLE)) AS BIGINT))`,
    join: (l, sep) => `array_to_string(${l}, ${sep})`,
    slice: (l, from, to) => `list_slice(${l}, ${from}, ${to})`,
    byteLength: (s) => `strlen(${s})`,
    editDistance: (a, b) => `levenshtein(${a}, ${b})`,
    replaceText: (s, find, by) => `replace(${s}, ${find}, ${by})`,
    trimChars: (s, chars) => `trim(${s}, ${chars})`,
    fullMatch: (s, p) => `regexp_full_match(${s}, ${p})`,
    chars: (s) => `CASE WHEN ${s} = '' THEN CAST([] AS VARCHAR[]) ELSE string_split(${s}, '') END`,
    argv: duckdbArgv,
    finiteText: (t) => `isfinite(CAST(${t} AS DOUBLE))`,
    tryUtf8Base64: (s) => `try(decode(from_base64(${s})))`,
    tryBase64: (s) => `(try(from_base64(${s})) IS NOT NULL)`,
    tryUrlDecode: (s) => `try(url_decode(${s}))`,
    regexReplaceAll: (s, p, r) => `regexp_replace(${s}, ${p}, ${r}, 'g')`,
    regexCount: (s, p, ci) => `list_transform([regexp_extract_all(${s}, ${p}, 0${ci ? ", 'i'" : ''})], lambda m: CASE WHEN list_contains(m, '') THEN NULL ELSE len(m) END)[1]`,
    doubleJson: (t) => `to_json(CAST(${t} AS DOUBLE))`,
  },
};

/** ClickHouse: JSON kept as a String column; `JSONExtractRaw` gives '' for a missing key, made NULL here. */
export const CLICKHOUSE: SqlDialect = {
  name: 'clickhouse',
  str: chStr,
  ident: (s) => `\`${s.replace(/`/g, '\\`')}\``,
  TRUE: 'true',
  FALSE: 'false',
  NULL_BOOL: 'CAST(NULL AS Nullable(Bool))',
  get: (x, keys) => `nullIf(JSONExtractRaw(${x}, ${keys.map((k) => CLICKHOUSE.str(k)).join(', ')}), '')`,
  getDynamic: (x, k) => `nullIf(JSONExtractRaw(${x}, ${k}), '')`,
  is: (x, kind) => inList(`toString(JSONType(${x}))`, CH_TYPES[kind]),
  typeOf: (x) => `toString(JSONType(${x}))`,
  typeIs: (t, kind) => inList(t, CH_TYPES[kind]),
  nullIfJsonNull: (x) => `nullIf(${x}, 'null')`,
  keys: (x) => `JSONExtractKeys(${x})`,
  elements: (x) => `JSONExtractArrayRaw(${x})`,
  text: (x) => `multiIf(JSONType(${x}) = 'String', JSONExtractString(${x}), JSONType(${x}) IN ('Int64', 'UInt64', 'Double', 'Bool'), ${x}, NULL)`,
  num: (s) => `toFloat64OrNull(${s})`,
  lower: (s) => `lowerUTF8(${s})`,
  stripSpaces: (s) => `replaceAll(${s}, ' ', '')`,
  JSON_NULL: `'null'`,
  json: (t) => CLICKHOUSE.str(t),
  ipv4: (s) => `toUInt32OrNull(toIPv4OrNull(${s}))`,
  trim: (s) => `trimBoth(${s})`,
  upper: (s) => `upperUTF8(${s})`,
  concatText: (parts) => `concat(${parts.join(', ')})`,
  joinPresent: (sep, parts) => `nullIf(arrayStringConcat(arrayFilter(x -> isNotNull(x), [${parts.join(', ')}]), ${CLICKHOUSE.str(sep)}), '')`,
  jsonString: (s) => `if(isNull(${s}), NULL, toJSONString(${s}))`,
  length: (s) => `lengthUTF8(${s})`,
  contains: (h, n) => `(position(${h}, ${n}) > 0)`,
  startsWith: (h, n) => `startsWith(${h}, ${n})`,
  endsWith: (h, n) => `endsWith(${h}, ${n})`,
  like: (s, p) => `like(${s}, ${p})`,
  regex: (s, p) => `match(${s}, ${p})`,
  lambda: (v, body) => `${v} -> ${body}`,
  map: (l, lam) => `arrayMap(${lam}, ${l})`,
  filter: (l, lam) => `arrayFilter(${lam}, ${l})`,
  listLength: (l) => `length(${l})`,
  first: (l) => `arrayElementOrNull(${l}, 1)`,
  flatten: (l) => `arrayFlatten(${l})`,
  list: (items) => `[${items.join(', ')}]`,
  any3: (l) => `if(arrayExists(b -> b = 1, ${l}), true, if(arrayExists(b -> isNull(b), ${l}), NULL, false))`,
  listMax: (l) => `arrayMax(${l})`,
  hasAny: (l, items) => `hasAny(${l}, [${items.map((i) => CLICKHOUSE.str(i)).join(', ')}])`,
  toJsonArray: (l) => `concat('[', arrayStringConcat(${l}, ','), ']')`,
  // concat is NULL when a value is
  jsonObject: (pairs, emptyAsNull) => {
    const text = `concat('{', arrayStringConcat(arrayFilter(x -> isNotNull(x), [${pairs.map(([k, v]) => `concat(${CLICKHOUSE.str(`${JSON.stringify(k)}:`)}, ${v})`).join(', ')}]), ','), '}')`;
    return emptyAsNull ? `nullIf(${text}, '{}')` : text;
  },
  keywords: (x) => `JSONAllValues(${x})`,
  let: (x, v, body) => substitute(x, v, body) ?? `arrayMap(${v} -> ${body}, [${x}])[1]`,
  EMPTY_TEXT_LIST: 'CAST([] AS Array(String))',
  concat: (ls) => `arrayConcat(${ls.join(', ')})`,
  jsonText: (x) => x,
  rowNumber: '(rowNumberInAllBlocks())',
};

/** The dialect table: `detwiki convert --to <name>` and the generator's tests read it. */
export const DIALECTS: Readonly<Record<string, SqlDialect>> = { duckdb: DUCKDB, clickhouse: CLICKHOUSE };

/**
 * A Windows command line's arguments in DuckDB (`commandLineToArgv` in `src/model/derive.ts`, step for step): a fold
 * over the text's positions whose state is the arguments so far (`a`), the one being read (`b`), inside quotes (`q`),
 * backslashes pending (`k`), an argument started (`s`) and the next character consumed (`x`: a doubled quote inside
 * quotes). `list_reduce` wants its start of the elements' type, so every element is such a state carrying its
 * character (`c`) and the next one (`n`). The lambdas' names are the dialect's own (`dw_argv_…`).
 */
function duckdbArgv(s: string): string {
  const st = 'dw_argv_st';
  const e = 'dw_argv_e';
  const bs = (n: string) => `repeat(chr(92), ${n})`;
  const none = "''";
  const state = (a: string, b: string, q: string, k: string, started: string, x: string, c = none, n = none) => `{'a': ${a}, 'b': ${b}, 'q': ${q}, 'k': ${k}, 's': ${started}, 'x': ${x}, 'c': ${c}, 'n': ${n}}`;
  const ch = `${e}.c`;
  const next = `${e}.n`;
  const a = `${st}.a`;
  const b = `${st}.b`;
  const q = `${st}.q`;
  const k = `${st}.k`;
  const zero = 'CAST(0 AS BIGINT)';
  const step = `CASE
    WHEN ${st}.x THEN ${state(a, b, q, k, `${st}.s`, 'false')}
    WHEN ${ch} IN (' ', chr(9)) AND NOT ${q} THEN (CASE WHEN ${st}.s THEN ${state(`list_append(${a}, ${b} || ${bs(k)})`, none, 'false', zero, 'false', 'false')} ELSE ${st} END)
    WHEN ${ch} = '"' THEN (CASE
      WHEN ${k} % 2 = 1 THEN ${state(a, `${b} || ${bs(`${k} // 2`)} || '"'`, q, zero, 'true', 'false')}
      WHEN ${q} AND ${next} = '"' THEN ${state(a, `${b} || ${bs(`${k} // 2`)} || '"'`, 'false', zero, 'true', 'true')}
      ELSE ${state(a, `${b} || ${bs(`${k} // 2`)}`, `NOT ${q}`, zero, 'true', 'false')} END)
    WHEN ${ch} = chr(92) THEN ${state(a, b, q, `${k} + 1`, 'true', 'false')}
    ELSE ${state(a, `${b} || ${bs(k)} || ${ch}`, q, zero, 'true', 'false')} END`;
  const empty = state('CAST([] AS VARCHAR[])', none, 'false', zero, 'false', 'false');
  // the characters and each one's successor, zipped without a lambda: DuckDB (1.5) misreads a variable of an outer
  // lambda inside list_reduce's lambda, so the fold's lambda reads only its own arguments
  const chars = `string_split(${s}, '')`;
  const nexts = `list_concat(list_slice(${chars}, 2, length(${s})), [${none}])`;
  const positions = `list_transform(list_zip(${chars}, ${nexts}), lambda dw_argv_z: ${state('CAST([] AS VARCHAR[])', none, 'false', zero, 'false', 'false', 'dw_argv_z[1]', 'dw_argv_z[2]')})`;
  const folded = `list_reduce(${positions}, lambda ${st}, ${e}: ${step}, ${empty})`;
  return `CASE WHEN ${s} = '' THEN CAST([] AS VARCHAR[]) ELSE list_transform([${folded}], lambda ${st}: CASE WHEN ${st}.s THEN list_append(${st}.a, ${st}.b || ${bs(`${st}.k`)}) ELSE ${st}.a END)[1] END`;
}
