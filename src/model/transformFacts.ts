/**
 * TransformFacts: the documented meaning of every transform a derived operand may apply (issue 19), one table.
 * Evaluation (`derive.ts`) implements exactly these; `docs/operators.md` is generated from this table too.
 *
 * A failure (the `failure` column) never throws: the value becomes null, or with the derivation's
 * `onError: 'unknown'` the predicate is unknown (a Python exception the rule does not catch). KQL has no null
 * string: in a `lang: 'kql'` chain the string steps (lower, upper, trim, substring, extract, parse, split, len, …) take
 * a null / missing input as "", and a string result KQL documents as null (no match) is "". In a `lang: 'esql'` or
 * `'spl'` chain a list (a multi-valued field) given to a step ES|QL's or SPL's string functions map to is unknown
 * (`SCALAR_STRING_STEPS` in derive.ts).
 */
import type { TransformName } from './expr.ts';

export interface TransformFact {
  /** The arguments, in order, as `TransformStep.args` holds them. */
  readonly args: string;
  /** How the rendered chain shows the step (`X` is the value so far). */
  readonly render: string;
  /** Exact semantics, as evaluation implements them. */
  readonly meaning: string;
  /** Where Python and KQL differ (chosen by the derivation's `lang`). */
  readonly languages?: string;
  /** When the step fails (its result is then null, or unknown with onError=unknown). */
  readonly failure: string;
  /** Source constructs that map to it, per language. */
  readonly sources: readonly string[];
}

export const TRANSFORM_FACTS: Record<TransformName, TransformFact> = {
  json: {
    args: '',
    render: 'json(X)',
    meaning: 'Parse a JSON text into a value (object, list, string, number, boolean, null).',
    languages: 'Python: a value that is not a string is a failure (json.loads raises TypeError). KQL: a value that is already dynamic (object, list, number) is kept as it is.',
    failure: 'not valid JSON; a missing or null value',
    sources: ['Python json.loads(x)', 'KQL todynamic(x) / parse_json(x)', 'SPL spath'],
  },
  get: {
    args: 'key (string or integer)[, default]',
    render: 'X.key / X[i]',
    meaning: 'The member of an object (by key) or the element of a list (by integer index; negative from the end). A missing key or index gives the default (null when none).',
    languages: 'Python: on a value that is not a dict (dict.get) it is a failure (AttributeError); KQL: null.',
    failure: 'a value that is not an object / list (Python)',
    sources: ['Python d.get("k"[, default])', 'Panther deep_get(json, "a", "b")', 'KQL x.k / x["k"] / x[i] on dynamic', 'SPL mvindex(split(s, "delim"), i)'],
  },
  item: {
    args: 'key (string or integer)',
    render: 'X["key"] / X[i]',
    meaning: 'Python subscript: the member of a dict or the element of a list or string (negative from the end).',
    failure: 'a missing key or index out of range (KeyError / IndexError); a value that cannot be subscripted (TypeError)',
    sources: ['Python d["k"], xs[i], s[i]'],
  },
  elements: {
    args: '',
    render: 'X[*]',
    meaning: 'Each element of a list: the following steps apply to every element, and the predicate holds when it holds for any element (elements whose steps fail are dropped). An object or scalar is one element.',
    failure: 'never (a missing value gives no elements)',
    sources: ['JSON path [*]', 'KQL mv-expand of a derived array'],
  },
  split: {
    args: 'separator (string; null: runs of whitespace)[, maxsplit (integer; -1: no limit)[, "right"]]',
    render: 'split(X, sep)',
    meaning: 'The list of the parts of a string between separators (an empty string gives [""] with a separator); with maxsplit at most maxsplit splits, counted from the start, or from the end with "right" (Python rsplit). Index it with get / item.',
    languages: 'Python str.split(); KQL split(s, sep) (then [i] on the dynamic array: out of range is null); SPL split(s, "delim") (a text that gives an empty value is unknown: Splunk does not document whether split keeps it; a multivalue field is unknown).',
    failure: 'a value that is not a string (Python)',
    sources: ['Python s.split(sep[, maxsplit]) / s.rsplit(sep, maxsplit)', 'KQL split(s, sep)', 'SPL split(s, "delim")'],
  },
  argv: {
    args: '',
    render: 'argv(X)',
    meaning:
      'The arguments of a Windows command line, split as CommandLineToArgvW does with the rule from before 2008: spaces and tabs outside double quotes separate arguments; a double quote opens or closes a quoted part; 2n backslashes before a double quote give n backslashes (the quote then opens or closes), 2n+1 give n backslashes and a literal double quote; backslashes before anything else are literal; inside a quoted part a doubled double quote gives one literal double quote and closes the part. Leading spaces and tabs are skipped.',
    failure: 'a value that is not a string',
    sources: ["Elastic's Windows integration (sysmon_operational pipeline): process.args and process.parent.args from the command line"],
  },
  lower: { args: '', render: 'lower(X)', meaning: 'The string lower-cased.', failure: 'a value that is not a string (Python; KQL converts with tostring)', sources: ['Python s.lower() / casefold()', 'KQL tolower(s)', 'ES|QL TO_LOWER(s)', 'SPL lower(s) of another eval function'] },
  upper: { args: '', render: 'upper(X)', meaning: 'The string upper-cased.', failure: 'a value that is not a string (Python; KQL converts with tostring)', sources: ['Python s.upper()', 'KQL toupper(s)', 'ES|QL TO_UPPER(s)', 'SPL upper(s) of another eval function'] },
  trim: {
    args: '[characters (string)]',
    render: 'trim(X)',
    meaning: 'The string with leading and trailing whitespace (or any of the given characters) removed.',
    failure: 'a value that is not a string',
    sources: ['Python s.strip([chars])', 'KQL trim(regex, s) where the regex is a set of characters (`@"\\s+"`: RE2 whitespace, `@"[ \"]+"`)', 'SPL trim(s[, chars]) (spaces and tabs by default)'],
  },
  len: {
    args: '',
    render: 'len(X)',
    meaning: 'Length: code points of a string, elements of a list, members of an object.',
    languages: 'Python len() of a number or None is a failure (TypeError); KQL strlen(x) converts a scalar to its string first (null: "", length 0), ',
    failure: 'a value without a length (Python), null / missing',
    sources: ['Python len(x)', 'KQL strlen(s)', 'ES|QL LENGTH(s)', 'SPL len(s)'],
  },
  array_len: {
    args: '',
    render: 'array_length(X)',
    meaning: 'The number of elements of an array.',
    failure: 'a value that is not an array (KQL: null), null / missing',
    sources: ['KQL array_length(a)', 'SPL mvcount(split(s, "delim"))'],
  },
  bytes: {
    args: '',
    render: 'string_size(X)',
    meaning: 'The size in bytes of the value as a UTF-8 string.',
    languages: 'KQL string_size(x) converts a scalar to its string first (null: "", size 0).',
    failure: 'a list / object',
    sources: ['KQL string_size(s)'],
  },
  int: {
    args: '',
    render: 'int(X)',
    meaning: 'An integer: a number truncated toward zero, a string of decimal digits (surrounding whitespace allowed), a boolean as 0 / 1.',
    languages: 'Python int("1.5") fails; KQL toint("1.5") is null too, toint(1.5) is 1.',
    failure: 'a string that is not an integer, a list / object, null',
    sources: ['Python int(x)', 'KQL toint(x) / tolong(x)'],
  },
  float: {
    args: '',
    render: 'float(X)',
    meaning: 'A number from a number, a numeric string or a boolean.',
    failure: 'a string that is not a number, a list / object, null',
    sources: ['Python float(x)', 'KQL todouble(x) / toreal(x)'],
  },
  str: {
    args: '',
    render: 'str(X)',
    meaning: 'Python str(): a string unchanged, None as "None", True / False, a number in decimal (an integral JSON number without a fraction), a list or dict as its Python repr (`{\'type\': \'public\'}`).',
    failure: 'never (a missing field is None)',
    sources: ['Python str(x)'],
  },
  tostring: {
    args: '',
    render: 'tostring(X)',
    meaning: 'KQL tostring(): a string unchanged, null as "", true / false, a number in decimal, a list or object as its JSON text.',
    languages: 'EQL string(): null stays null; a list, an object, or a number other than a safe integer is unknown (Java may write it otherwise).',
    failure: 'never (EQL: a null or missing value gives null)',
    sources: ['KQL tostring(x)', 'SPL tostring(x)', 'EQL string(x)'],
  },
  substring: {
    args: 'start (integer)[, length (integer)]',
    render: 'substring(X, start, length)',
    meaning: 'KQL substring(): the characters from start (0-based; a negative start counts as 0) for length characters (to the end when absent).',
    failure: 'a missing / null value (a non-string is converted with tostring)',
    sources: ['KQL substring(s, start, length)', 'SPL substr(s, start, length) (1-based: lowered with start-1)'],
  },
  slice: {
    args: 'start (integer or null)[, end (integer or null)]',
    render: 'X[start:end]',
    meaning: 'Python slice of a string or list: from start to end (exclusive), negative indices from the end, out-of-range bounds clamped.',
    languages: 'Python counts code points; EQL\'s substring (Java\'s String) UTF-16 code units, and its substring of a multi-valued field is unknown.',
    failure: 'a value that is not a string or list',
    sources: ['Python s[a:b]', 'EQL substring(s, start[, end])'],
  },
  extract: {
    args: 'pattern (string), group (integer or name)[, flags (string)]',
    render: 'extract("re", n, X)',
    meaning: 'The text of capture group `group` (0: the whole match) of the first match of the regular expression (RE2, unanchored search) in the string; a group that did not take part is null.',
    languages: 'Python re.search(p, s).group(n): no match is a failure (AttributeError on None); KQL extract(p, n, s): no match (or a group that did not take part, or no such group) is null, which for a string is "" (KQL has no null string), so isempty() holds and == "" too.',
    failure: 'no match (Python), a value that is not a string, a pattern RE2 cannot run (unknown)',
    sources: ['Python re.search(p, s).group(n) / re.match (pattern anchored ^)', 'KQL extract(p, n, s[, typeof(T)])', 'KQL parse kind=regex (the pattern as one regex, the column\'s group)', 'SPL rex field=s "(?<name>...)"', 'ES|QL GROK s "pattern" (a named capture of the pattern as one regex, flag m: Oniguruma\'s ^ and $ are line anchors; a multi-valued s is unknown)'],
  },
  parse: {
    args: 'pattern (parse parts: {lit}, {star}, {col, type?}), column (string)',
    render: 'parse(X, "pattern", column)',
    meaning: 'KQL `parse x with * "lit" col:type *` (simple kind): the pattern must match from the start of the string (and to its end when it ends with a column, which takes the rest), literals exactly, `*` and string columns as few characters as possible (`.*?`), long / int columns `-?[0-9]+`, real columns a decimal number; the value is the named column (converted to its type).',
    failure: 'the string does not match the pattern: every column is null, a string column "" (KQL has no null string)',
    sources: ['KQL parse (simple kind)', 'KQL parse-where (the row is dropped when null)'],
  },
  dissect: {
    args: 'pattern (string), key (string)',
    render: 'dissect(X, "pattern", key)',
    meaning: 'Elasticsearch\'s dissect of the string (`src/model/dissect.ts`): the text before the first `%{` must start it (and it must be longer); each key runs to the first occurrence of the delimiter after it, the last key without a delimiter takes the rest; a delimiter repeated right away gives the next keys "" each, unless the key has `->`; `%{}` and `%{?name}` match without being kept. The value is the named key\'s (the last, for a name used twice).',
    failure: 'the string does not match the pattern (a delimiter not found, the leading text absent): null; a value that is not a string; on a multi-valued input (ES|QL matches each value) unknown',
    sources: ['ES|QL DISSECT s "pattern" (without the append `+` and reference `*` / `&` modifiers)'],
  },
  strcat: {
    args: 'before (list of values), after (list of values)',
    render: 'strcat(before..., X, after...)',
    meaning: 'The concatenation of the values before, the value so far and the values after, each as tostring (null as ""); field references are read from the event. With EQL semantics (`lang: eql`) numbers and booleans are written as they are and a null or missing value makes the whole null.',
    failure: 'never (KQL, Python, SPL); with EQL semantics, a null or missing value (null), a list or an object (unknown)',
    sources: ['KQL strcat(a, b, ...)', 'Python a + b on strings / f"{a}{b}"', 'SPL a.b', 'EQL concat(a, b, ...)'],
  },
  replace: {
    args: 'lookup (string), rewrite (string)[, "regex"]',
    render: 'replace(X, lookup, rewrite) / replace_regex(X, re, rewrite)',
    meaning: 'Every occurrence of lookup in the string, left to right and not overlapping, replaced by rewrite. With "regex": every match of the RE2 regular expression (after an empty match the search moves on one character), and in rewrite `\\0`…`\\9` stand for the match and its groups (a group that did not take part is "") and `\\\\` for a backslash (RE2 rewrite).',
    failure: 'a value that is not a string (KQL converts with tostring; null is ""); a pattern RE2 cannot run (unknown)',
    sources: ['KQL replace_string(s, lookup, rewrite)', 'KQL replace_regex(s, re, rewrite)', 'KQL replace(re, rewrite, s) (deprecated spelling)', 'ES|QL REPLACE(s, re, rewrite) (its `$1` group references rewritten as `\\1`)', 'SPL replace(s, regex, rewrite)'],
  },
  bin: {
    args: 'size (number)[, "ms"]',
    render: 'bin(X, size)',
    meaning: 'The value rounded down to a multiple of size; with "ms" an ISO 8601 date-time rounded down to a multiple of size milliseconds since 1970-01-01 (UTC), as an ISO date-time.',
    languages: 'KQL bin(t, span): the lowering keeps only spans that divide a day, for which counting from 1970 or from year 1 gives the same buckets.',
    failure: 'a value that is not a number (or not an ISO date-time with "ms"); null',
    sources: ['KQL bin(x, size) / floor(x, size)'],
  },
  base64decode: {
    args: '',
    render: 'base64decode(X)',
    meaning: 'The text a base64 string encodes, decoded as UTF-8 (standard alphabet; `=` padding to a multiple of 4 characters; spaces and line breaks ignored).',
    languages: 'KQL documents null for bytes that are not valid UTF-8; a text that is not base64 is taken as null too (not documented). A null string is "" (KQL has no null string). ES|QL (FROM_BASE64 is Java\'s basic decoder): a text it cannot decode fails the query, and it reads unpadded text and keeps bytes that are not UTF-8: any text this step does not decode, or one with spaces or line breaks, is unknown.',
    failure: 'not base64, or bytes that are not UTF-8',
    sources: ['KQL base64_decode_tostring(s) / base64_decodestring(s)', 'ES|QL FROM_BASE64(s)'],
  },
  urldecode: {
    args: '',
    render: 'urldecode(X)',
    meaning: 'The text a URL-encoded string stands for: each run of `%XX` escapes is bytes decoded as UTF-8.',
    languages: 'ES|QL reads application/x-www-form-urlencoded text (Java\'s URLDecoder): `+` is a space. KQL documents percent-decoding alone, and for SPL\'s urldecode no statement either way was found: in both a text with a `+` is unknown (kept, or a space), and so is a `%` without its two digits; a null string is "" in KQL.',
    failure: 'ES|QL: a `%` not followed by two hexadecimal digits (null, as ES|QL documents for an input it cannot decode); escaped bytes that are not UTF-8 are unknown (Java\'s decoder puts a replacement character there)',
    sources: ['ES|QL URL_DECODE(s)', 'KQL url_decode(s)', 'SPL urldecode(s)'],
  },
  ipaddress: {
    args: 'constructor ("ip_address" or "ip_network"), property ("is_private" or "is_global"; without one the value is the address object, unknown to the model)',
    render: 'ip_network(X).is_global',
    meaning: 'Python\'s `ipaddress.ip_address(x).is_private` (and `ip_network`, `is_global`) of an IPv4 address (a dotted quad, or an integer below 2**32) or network (`a.b.c.d/n`): a boolean. The private blocks are CPython\'s; they changed in 3.12.4, 3.11.10 and 3.13 (all of 192.0.0.0/24 but 192.0.0.9 and .10, where 192.0.0.0/29 was before), and the property is read under both tables: where they differ it is unknown. `is_global` is false in the shared space 100.64.0.0/10 too.',
    languages: 'Python only (Panther).',
    failure: 'a value Python rejects (not an address, a network with host bits set, an address with a prefix given to ip_address, null): ValueError. Unknown: IPv6 (its tables changed more), an octet with a leading zero (decimal before 3.9.5, rejected since), a netmask written as an address, a boolean.',
    sources: ['Python ipaddress.ip_address(x).is_private / .is_global', 'Python ipaddress.ip_network(x).is_private / .is_global'],
  },
  levenshtein: {
    args: 'other (string, or a field reference: that field\'s value), case-insensitive (boolean)',
    render: 'levenshtein(X, "other") / ilevenshtein(X, "other") / levenshtein(X, field(y))',
    meaning: 'The edit distance from the string to `other`: the fewest insertions, deletions and substitutions of one character (a Unicode code point) that turn one into the other. Case-insensitive: both lower-cased first (Unicode lower case).',
    languages: 'MQL: the unit is the code point, as Sublime documents for `length`; its documentation of the edit distance (as found) does not name one, and only strings outside ASCII can tell.',
    failure: 'a value that is not a string (a missing or null value gives null); unknown when the two lengths multiplied pass 1,000,000 (the bound on the work one comparison may take)',
    sources: ['MQL strings.levenshtein(s, "t") / strings.ilevenshtein(s, "t")'],
  },
  ifmatch: {
    args: 'pattern (string), steps (a list of transform steps)',
    render: 'ifmatch(X, "re", f(_))',
    meaning: 'Where the regular expression (RE2 syntax, unanchored, case-sensitive) matches the string, the string through the nested steps (written over `_`, the string); elsewhere the string as it is. A null result of the steps is null.',
    languages: 'SPL `eval y=if(match(x, "re"), f(x), x)` with `f` the eval functions the model reads as steps (`replace`, `urldecode`, `substr`…), as Splunk\'s Linux auditd macros decode a hexadecimal `proctitle`. `match()` is PCRE, whose `$` also matches before a final line break; the model reads it as RE2, as it reads `match()` elsewhere.',
    failure: 'a null value (null); a value that is not a string, a pattern RE2 cannot run, a nested `elements` (unknown); the nested steps\' own failures',
    sources: ['SPL if(match(x, "re"), f(x), x)'],
  },
  substr_count: {
    args: 'substring (string), case-insensitive (boolean)',
    render: 'count(X, "sub") / icount(X, "sub")',
    meaning: 'How many times the substring occurs in the string, left to right and not overlapping. Case-insensitive: both lower-cased first (Unicode lower case). When occurrences overlap (`"aa"` in `"aaa"`: one counted apart, two counted overlapping) the count is unknown: Sublime\'s documentation does not say which it counts.',
    failure: 'a value that is not a string (a missing or null value gives null); unknown for an empty substring and for overlapping occurrences, and (ES|QL) for a multi-valued field',
    sources: ['MQL strings.count(s, "sub") / strings.icount(s, "sub")', 'ES|QL LENGTH(s) - LENGTH(REPLACE(s, "c", "")) of one character c'],
  },
  regex_count: {
    args: 'pattern (string), case-insensitive (boolean)',
    render: 'regex_count(X, "re") / iregex_count(X, "re")',
    meaning: 'How many matches of the regular expression (RE2 syntax, unanchored) the string has, left to right and not overlapping. Case-insensitive: the pattern with the `i` flag.',
    languages: 'MQL regex.count / regex.icount (RE2 syntax, as the project reads MQL\'s other regex functions). Where a match is empty the count is unknown: engines differ on an empty match next to the previous one (Go\'s regexp skips it, JavaScript\'s does not), and the documentation found does not say.',
    failure: 'a value that is not a string (a missing or null value gives null); unknown for an empty match, a pattern RE2 cannot run, or a string past the regex input bound',
    sources: ['MQL regex.count(s, "re") / regex.icount(s, "re")'],
  },
  type: {
    args: '',
    render: 'type(X)',
    meaning: 'The name of the value\'s type: Python `str`, `int`, `float`, `bool`, `list`, `dict`, `NoneType`; KQL `string`, `long`, `real`, `bool`, `array`, `dictionary`, `null`.',
    languages: 'Python isinstance(x, int) is type(x) in [int, bool] (bool is a subclass of int).',
    failure: 'never (a missing field is None / null)',
    sources: ['Python type(x), isinstance(x, T)', 'KQL gettype(x)'],
  },
};
