/**
 * Derived operands (issue 19) in SQL: a transform chain (`Derived`) over a field's JSON value, step by step with the
 * meaning `src/model/derive.ts` gives each step (Python and KQL alike), as one SQL value of the dialect's `derive`
 * table: a pair of a state (0 a value, 1 a step failed, 2 unknown, a failure too with `onError: 'unknown'`) and
 * the JSON value (SQL NULL for null or missing). `derivedPredicateSql` then tests the predicate on it exactly as
 * `predicateOnDerived` does: a failed chain is a missing value with loose typing, unknown is NULL.
 *
 * Where the engine's functions cannot give the in-process answer for a value, that value's result is unknown, never
 * a guess:
 * - `json`: a text DuckDB's parser reads but `JSON.parse` does not (NaN, Infinity, trailing commas, found outside the
 *   text's strings by a pattern that over-approximates them), a `\uD800` escape DuckDB rejects, an object with a
 *   duplicated key read by `get` (`JSON.parse` keeps the last one, DuckDB the first);
 * - a number that is not an integer of at most 2^53 written as text (`str`, `tostring`, KQL's string functions):
 *   JavaScript and the engine write fractions differently;
 * - `lower` / `upper` of a text outside ASCII (Unicode case rules differ between engines);
 * - a Python `extract` whose group matched the empty string (or did not take part: the engine cannot tell them apart);
 * - `int` of a text outside ASCII, or of more than 15 digits; `float` of a text outside ASCII or of an infinity; `trim`
 *   of whitespace in a text outside ASCII.
 *
 * Steps not expressed at all (`elements` but after a KQL split, `bin`, a
 * whitespace `split`, a named group, a regex rewrite naming a group its pattern lacks or whose pattern can match the
 * empty string) make `derivedSql` answer undefined: the predicate stays unknown.
 */
import { fieldRefOf, isFieldRef, type Derived, type ParsePart, type TransformArg, type TransformStep, type Value } from '../../model/expr.ts';
import { EDIT_DISTANCE_CELLS, KQL_STRING_INPUT, NULL_OK, parseRegex, scalarOnly } from '../../model/derive.ts';
import { LIMITS } from '../../model/diagnostics.ts';
import { compileRegex } from '../../model/regex.ts';
import { IP_PROPERTIES, PY_IP_BLOCKS } from '../../model/pyIpaddress.ts';
import type { SqlDialect } from './dialects.ts';
import type { Names } from './fields.ts';
import { ASCII } from '../../model/ascii.ts';

/** What a dialect needs for derived values (see `DUCKDB.derive`); a dialect without it expresses none. */
export interface DeriveDialect {
  /** The pair (state, value) and its parts. */
  pair(state: string, value: string): string;
  state(p: string): string;
  value(p: string): string;
  /** SQL NULL of the JSON type. */
  readonly NULL_JSON: string;
  /** A string, number or list of strings as a JSON value. */
  toJson(x: string): string;
  /** Is the text JSON (as the engine reads it), and the text read as JSON. */
  jsonValid(t: string): string;
  parseJson(t: string): string;
  /** A text split at every occurrence of a literal separator (empty pieces kept), as a list of strings. */
  split(s: string, sep: string): string;
  /** Group `group` of the first match of an RE2 pattern ('' when the group did not take part). */
  regexExtract(s: string, pattern: string, group: number): string;
  /** Elements of a JSON array. */
  arrayLength(x: string): string;
  /** Element `i` (0-based; negative counts from the end) of a list, NULL outside it. */
  at(list: string, i: number): string;
  /**
   * `n` characters (code points; a number or an SQL expression, at least 0) of a text from 1-based position `start`
   * (an SQL expression); or to its end.
   */
  substr(s: string, start: string, n: number | string): string;
  substrFrom(s: string, start: string): string;
  upper(s: string): string;
  /** Is the text ASCII. */
  ascii(s: string): string;
  /** Is the JSON number an integer of magnitude at most 2^53 - 1 (JavaScript writes it as the engine does). */
  safeInteger(x: string): string;
  /** Is the JSON number integral (an integer type, or a finite double without a fraction). */
  integral(x: string): string;
  /** Is the JSON number finite and of magnitude under 2^53; that number truncated, as a JSON integer. */
  finiteSmall(x: string): string;
  truncJson(x: string): string;
  /** A list's elements joined by a separator; elements `from` to `to` (1-based, inclusive; SQL expressions). */
  join(list: string, sep: string): string;
  slice(list: string, from: string, to: string): string;
  /** UTF-8 bytes of a text. */
  byteLength(s: string): string;
  /** Levenshtein distance of two texts (exact for ASCII texts: the generator uses it on no other). */
  editDistance(a: string, b: string): string;
  /** Every occurrence of a literal text replaced, left to right and not overlapping. */
  replaceText(s: string, find: string, by: string): string;
  /** The text without the given characters at either end. */
  trimChars(s: string, chars: string): string;
  /** Does the RE2 pattern match the whole text. */
  fullMatch(s: string, pattern: string): string;
  /** The characters (code points) of a text, as a list of strings (none for ""). */
  chars(s: string): string;
  /** The arguments of a Windows command line (`TRANSFORM_FACTS.argv`, `commandLineToArgv` in derive.ts), a list of strings. */
  argv(s: string): string;
  /** Does a decimal text read as a finite double. */
  finiteText(t: string): string;
  /** A base64 text decoded as strict UTF-8, NULL when either fails; whether it decodes to bytes at all. */
  tryUtf8Base64(s: string): string;
  tryBase64(s: string): string;
  /** A text's `%XX` escapes decoded as bytes, the whole as strict UTF-8 (a `+` kept); NULL when that fails. */
  tryUrlDecode(s: string): string;
  /** Every match of an RE2 pattern replaced by a rewrite (`\\1` a group). */
  regexReplaceAll(s: string, pattern: string, rewrite: string): string;
  /**
   * How many non-overlapping matches of an RE2 pattern (`ci`: case-insensitive) a text has, left to right; NULL when
   * a match is empty.
   */
  regexCount(s: string, pattern: string, ci: boolean): string;
  /** The number of distinct strings of a list (NULLs not counted). */
  distinctCount(list: string): string;
  /** A list's distinct elements (NULLs left out). */
  distinctList(list: string): string;
  /** A JSON number as text two numbers share exactly when they are the same double (-0 as 0). */
  numberKey(x: string): string;
  /** A text of digits as a JSON integer. */
  intJson(t: string): string;
  /** A decimal text as a JSON double. */
  doubleJson(t: string): string;
}

/**
 * What DuckDB reads in a JSON text and `JSON.parse` may not, outside its strings (`JSON_STRING`, blanked first): NaN /
 * Infinity, a trailing comma, a huge exponent.
 */
const JSON_EXTENSIONS = '(?i)nan|inf|,[ \\t\\r\\n]*[\\]}]|e[+-]?[0-9]{3}';
const JSON_STRING = '"(?:[^"\\\\]|\\\\.)*"';
/** A surrogate escape (`\uD800`): `JSON.parse` reads a lone one, DuckDB does not. */
const SURROGATE_ESCAPE = '(?i)\\\\u[d][89a-f]';

/** What a derivation's SQL reads besides its input: fresh names, the engine's regex check, other event fields. */
export interface DeriveEnv {
  readonly names: Names;
  readonly regexOk?: (pattern: string) => boolean;
  /** SQL of an event field's JSON value (a `strcat` piece). */
  readonly field: (name: string) => string;
}

interface StepCtx extends DeriveEnv {
  readonly d: SqlDialect;
  readonly D: DeriveDialect;
  readonly lang: Derived['lang'];
  readonly OK: (v: string) => string;
  readonly FAIL: string;
  readonly UNKNOWN: string;
}

/**
 * The pair (state, JSON value) of a derivation over `raw` (an event field's JSON value, the field default already
 * applied), or undefined when a step is not expressed in SQL.
 */
export function derivedSql(d: SqlDialect, dv: Derived, raw: string, env: DeriveEnv): string | undefined {
  const D = d.derive;
  if (!D || !derivedExpressed(dv, true)) return undefined;
  const c: StepCtx = {
    ...env,
    d,
    D,
    lang: dv.lang,
    OK: (v) => D.pair('0', d.nullIfJsonNull(v)),
    // with onError 'unknown' a failure is unknown (the Python exception propagates)
    FAIL: D.pair(dv.onError === 'unknown' ? '2' : '1', D.NULL_JSON),
    UNKNOWN: D.pair('2', D.NULL_JSON),
  };
  return applySteps(c.OK(raw), dv.steps, c, dv);
}

/** Steps from a pair on: the pair after them (a spread, state 3, once `elements` is met). */
function applySteps(start: string, steps: readonly TransformStep[], c: StepCtx, dv: Derived): string {
  const { d, D, names } = c;
  let cur = start;
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    const p = names.next('p');
    if (s.fn === 'elements') {
      // several values (spreadable: after a split, so each a text): the rest of the chain over each, an element
      // whose chain fails dropped, one unknown making the whole unknown (derive.ts deriveValue)
      const it = names.next('it');
      const q = names.next('q');
      const ps = names.next('ps');
      const each = d.map(d.elements(D.value(p)), d.lambda(it, applySteps(c.OK(it), steps.slice(i + 1), c, dv)));
      const body = `CASE WHEN ${d.listLength(d.filter(ps, d.lambda(q, `${D.state(q)} = 2`)))} > 0 THEN ${c.UNKNOWN} ELSE ${D.pair('3', d.toJsonArray(d.map(d.filter(ps, d.lambda(q, `${D.state(q)} = 0`)), d.lambda(q, `COALESCE(${D.value(q)}, ${d.JSON_NULL})`))))} END`;
      return d.let(cur, p, `CASE WHEN ${D.state(p)} <> 0 THEN ${p} ELSE ${d.let(each, ps, body)} END`);
    }
    const a = names.next('a');
    let onValue: string;
    if (NULL_OK.has(s.fn)) onValue = stepSql(s, a, c);
    else if (dv.lang === 'kql' && KQL_STRING_INPUT.has(s.fn)) {
      const b = names.next('a');
      onValue = d.let(`COALESCE(${a}, ${D.toJson("''")})`, b, stepSql(s, b, c));
    } else if (scalarOnly(dv.lang, s.fn)) {
      // ES|QL's and SPL's string functions, and ES|QL's GROK, on a multi-valued field: unknown (derive.ts)
      onValue = `CASE WHEN ${a} IS NULL THEN ${c.FAIL} WHEN ${d.is(a, 'array')} OR ${d.is(a, 'object')} THEN ${c.UNKNOWN} ELSE ${stepSql(s, a, c)} END`;
    } else onValue = `CASE WHEN ${a} IS NULL THEN ${c.FAIL} ELSE ${stepSql(s, a, c)} END`;
    cur = d.let(cur, p, `CASE WHEN ${D.state(p)} <> 0 THEN ${p} ELSE ${d.let(D.value(p), a, onValue)} END`);
  }
  return cur;
}

/**
 * A predicate on a derivation's pair (`derivedSql`): `test(value)` is the predicate's SQL on a JSON value, `onFailed`
 * its SQL (or, known without the event, its truth) on a failed chain (a missing value, loose typing).
 */
export function onPairSql(d: SqlDialect, pair: string, names: Names, test: (value: string) => string, onFailed: string): string {
  const D = d.derive!;
  const q = names.next('q');
  // several values (a spread): the predicate holds when it holds for any (Kleene OR; none: false)
  const x = names.next('x');
  const spread = `WHEN ${D.state(q)} = 3 THEN ${d.any3(d.map(d.elements(D.value(q)), d.lambda(x, test(x))))} `;
  return d.let(pair, q, `CASE WHEN ${D.state(q)} = 0 THEN ${test(D.value(q))} WHEN ${D.state(q)} = 1 THEN ${onFailed} ${spread}ELSE ${d.NULL_BOOL} END`);
}

/**
 * Whether every step of a derivation has SQL (for the dialects that have a `derive` table); with `spread`, also a
 * KQL chain that spreads (`elements`) the parts of a split, followed by text functions only, where predicates test it
 * (a quantifier or a comparison with another field over several values is not written).
 */
export function derivedExpressed(dv: Derived, spread = false): boolean {
  const at = dv.steps.findIndex((s) => s.fn === 'elements');
  // ES|QL's FROM_BASE64 reads some texts otherwise than this step (derive.ts): not written
  if (dv.lang === 'esql' && dv.steps.some((s) => s.fn === 'base64decode')) return false;
  if (at < 0) return dv.steps.every((s) => stepExpressed(s));
  if (!spread || dv.lang !== 'kql' || dv.onError === 'unknown' || at === 0 || dv.steps[at - 1]!.fn !== 'split') return false;
  return dv.steps.slice(0, at).every((s) => stepExpressed(s)) && dv.steps.slice(at + 1).every((s) => SPREAD_STEPS.has(s.fn) && stepExpressed(s));
}

/** Steps after a spread of texts: each gives a text or a number (never null, for which KQL's steps differ). */
const SPREAD_STEPS = new Set(['tostring', 'lower', 'upper', 'base64decode', 'replace', 'len', 'bytes']);

const arg = (s: TransformStep, i: number): TransformArg | undefined => s.args?.[i];

function stepExpressed(s: TransformStep): boolean {
  switch (s.fn) {
    case 'json':
    case 'str':
    case 'tostring':
    case 'len':
    case 'array_len':
    case 'type':
    case 'lower':
    case 'upper':
    case 'parse':
      return true;
    case 'get':
    case 'item':
      return defaultJson(s) !== undefined;
    case 'split':
      return arg(s, 0) !== null && arg(s, 0) !== undefined;
    case 'argv':
    case 'bytes':
    case 'trim':
    case 'int':
    case 'float':
    case 'base64decode':
    case 'urldecode':
    case 'strcat':
      return true;
    case 'substring':
      return typeof (arg(s, 0) ?? 0) === 'number' && (arg(s, 1) === undefined || typeof arg(s, 1) === 'number');
    case 'slice':
      return [arg(s, 0), arg(s, 1)].every((x) => x === undefined || x === null || (typeof x === 'number' && Number.isInteger(x)));
    case 'replace':
      return arg(s, 2) !== 'regex' || regexRewriteExpressed(arg(s, 0), arg(s, 1));
    case 'ipaddress':
      return (arg(s, 0) === 'ip_address' || arg(s, 0) === 'ip_network') && IP_PROPERTIES.has(String(arg(s, 1)));
    case 'levenshtein':
      return typeof arg(s, 0) === 'string' ? ASCII.test(arg(s, 0) as string) : fieldRefOf(arg(s, 0)) !== undefined;
    case 'regex_count':
      return typeof arg(s, 0) === 'string' && compileRegex(arg(s, 0) as string, arg(s, 1) === true ? 'i' : '').ok;
    case 'substr_count':
      return typeof arg(s, 0) === 'string' && arg(s, 0) !== '' && !selfOverlapping(arg(s, 1) === true ? (arg(s, 0) as string).toLowerCase() : (arg(s, 0) as string));
    case 'ifmatch': {
      const steps = arg(s, 1);
      return typeof arg(s, 0) === 'string' && compileRegex(arg(s, 0) as string, '').ok && Array.isArray(steps) && (steps as readonly TransformStep[]).every((x) => x.fn !== 'elements' && stepExpressed(x));
    }
    case 'extract':
      return typeof arg(s, 0) !== 'string' || (extractGroup(arg(s, 0) as string, arg(s, 1)) !== undefined && regexFlags(arg(s, 2)) !== undefined && captureGroups(arg(s, 0) as string) !== undefined);
    default:
      return false;
  }
}

/** The JSON text of a `get` default (null when none); undefined when it is not a literal (a field reference). */
function defaultJson(s: TransformStep): string | undefined {
  if (s.fn !== 'get') return 'null';
  const v = arg(s, 1);
  if (v === undefined || v === null) return 'null';
  if (typeof v !== 'object') return JSON.stringify(v);
  if ('empty' in v) return '{}';
  if (Array.isArray(v)) return (v as readonly unknown[]).every((x) => x === null || typeof x !== 'object') ? JSON.stringify(v) : undefined;
  return undefined;
}

/** Inline RE2 flags of an `extract` step's flags argument, or undefined for flags SQL does not write. */
function regexFlags(f: TransformArg | undefined): string | undefined {
  if (f === undefined || f === null || f === '') return '';
  if (typeof f !== 'string' || !/^[ims]+$/.test(f)) return undefined;
  return [...new Set(f)].join('');
}

/**
 * The number of capturing groups of an RE2 pattern (`(`, `(?P<n>`, `(?<n>`), skipping escapes and character
 * classes; undefined for text it does not read with certainty (an unterminated class).
 */
export function captureGroups(p: string): number | undefined {
  return groupsBefore(p, undefined);
}

/**
 * A pattern with its named groups written `(?P<name>…)`, the spelling DuckDB's RE2 reads (it rejects `(?<name>…)`);
 * lookbehinds (`(?<=`, `(?<!`), escapes and character classes are left as they are.
 */
export function re2GroupNames(p: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === '\\') {
      out += ch + (p[i + 1] ?? '');
      i++;
      continue;
    }
    if (inClass) inClass = ch !== ']';
    else if (ch === '[') inClass = true;
    else if (ch === '(' && p.startsWith('(?<', i) && p[i + 3] !== '=' && p[i + 3] !== '!') {
      out += '(?P<';
      i += 2;
      continue;
    }
    out += ch;
  }
  return out;
}

/** The number of an extract's group: a number as it is, a name (`(?<name>…)`, `(?P<name>…)`) its place among the groups. */
function extractGroup(pattern: string, group: unknown): number | undefined {
  if (group === undefined || group === null) return 0;
  if (typeof group === 'number') return group;
  if (typeof group !== 'string') return undefined;
  const at = groupsBefore(pattern, group);
  return at === undefined || at < 0 ? undefined : at;
}

/**
 * Capturing groups of a regex (undefined when it cannot be read); with `name`, the number of the group so named (-1
 * when there is none).
 */
function groupsBefore(p: string, name: string | undefined): number | undefined {
  let n = 0;
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === '\\') i++;
    else if (ch === '[') {
      let j = i + 1;
      if (p[j] === '^') j++;
      if (p[j] === ']') j++;
      for (; j < p.length && p[j] !== ']'; j++) {
        if (p[j] === '\\') j++;
        else if (p[j] === '[' && p[j + 1] === ':') {
          const end = p.indexOf(':]', j + 2);
          if (end < 0) return undefined;
          j = end + 1;
        }
      }
      if (j >= p.length) return undefined;
      i = j;
    } else if (ch === '(') {
      if (p[i + 1] !== '?') n++;
      else if (p.startsWith('(?P<', i) || (p.startsWith('(?<', i) && p[i + 3] !== '=' && p[i + 3] !== '!')) {
        n++;
        const from = i + (p[i + 2] === 'P' ? 4 : 3);
        if (name !== undefined && p.startsWith(`${name}>`, from)) return n;
      }
    }
  }
  return name === undefined ? n : -1;
}

/**
 * A text of the value `a` (derive.ts `asString`): a string as it is; in KQL (not Python) an integer or a boolean
 * as written, other values unknown (their text differs between engines); in Python anything else fails.
 */
function asString(a: string, c: StepCtx, f: (s: string) => string): string {
  const { d, D } = c;
  const py = c.lang === 'python';
  const t = c.names.next('t');
  // `f` is written once (its SQL may be long), for every value that has a text
  const texted = py ? d.is(a, 'string') : writtenAsText(d, D, a);
  return `CASE WHEN ${texted} THEN ${d.let(d.text(a), t, f(t))} ELSE ${py ? c.FAIL : c.UNKNOWN} END`;
}

const strJson = (c: StepCtx, s: string) => c.D.toJson(c.d.str(s));

/**
 * Is a JSON value one whose text both engines write alike (a text, a boolean, an integer a double holds exactly)?
 * A CASE, not AND: the engine may test the integer's size first, and a cast of a text to a number fails.
 */
export function writtenAsText(d: SqlDialect, D: DeriveDialect, x: string): string {
  return `(CASE WHEN ${d.is(x, 'string')} OR ${d.is(x, 'boolean')} THEN TRUE WHEN ${d.is(x, 'number')} THEN ${D.safeInteger(x)} ELSE FALSE END)`;
}

/**
 * EQL concat (derive.ts `eqlConcat`): a null or missing value makes the whole null (a failure: the operand is null);
 * a text, a boolean or an integer a double holds exactly, as written; any other value (a fraction, whose digits
 * DuckDB may write otherwise, a list, an object) unknown.
 */
function eqlConcatSql(s: TransformStep, a: string, c: StepCtx): string {
  const { d, D } = c;
  const list = (x: TransformArg | undefined): readonly Value[] => (Array.isArray(x) ? (x as readonly Value[]) : []);
  const before = list(arg(s, 0));
  const after = list(arg(s, 1));
  if ([...before, ...after].includes(null)) return c.FAIL;
  // the JSON values read from the event: the chain's own, then each field reference's
  const read = [a, ...[...before, ...after].filter(isFieldRef).map((v) => c.field(v.field))];
  const isNull = (x: string): string => `${x} IS NULL OR ${d.is(x, 'null')}`;
  const text = (v: Value): string => (isFieldRef(v) ? d.text(c.field(v.field)) : d.str(String(v)));
  const joined = [...before.map(text), d.text(a), ...after.map(text)].join(' || ');
  return `CASE WHEN ${read.map(isNull).join(' OR ')} THEN ${c.FAIL} WHEN NOT (${read.map((x) => writtenAsText(d, D, x)).join(' AND ')}) THEN ${c.UNKNOWN} ELSE ${c.OK(D.toJson(`(${joined})`))} END`;
}

/** One expressed step over `a` (a variable: its input, JSON or SQL NULL), as a pair. */
function stepSql(s: TransformStep, a: string, c: StepCtx): string {
  const { d, D } = c;
  const py = c.lang === 'python';
  const kql = c.lang === 'kql';
  switch (s.fn) {
    case 'json': {
      const t = c.names.next('t');
      const parse = `CASE WHEN ${d.length(t)} > ${LIMITS.maxJsonInput} THEN ${c.UNKNOWN} WHEN ${D.jsonValid(t)} THEN (CASE WHEN ${d.regex(D.regexReplaceAll(t, d.str(JSON_STRING), `'""'`), d.str(JSON_EXTENSIONS))} THEN ${c.UNKNOWN} ELSE ${c.OK(D.parseJson(t))} END) WHEN ${d.regex(t, d.str(SURROGATE_ESCAPE))} THEN ${c.UNKNOWN} ELSE ${c.FAIL} END`;
      return `CASE WHEN ${d.is(a, 'string')} THEN ${d.let(d.text(a), t, parse)} ELSE ${py ? c.FAIL : c.OK(a)} END`;
    }
    case 'get':
    case 'item':
      return memberSql(s, a, c);
    case 'str': {
      const onBool = `CASE WHEN ${d.text(a)} = 'true' THEN ${strJson(c, 'True')} ELSE ${strJson(c, 'False')} END`;
      return `CASE WHEN ${a} IS NULL THEN ${c.OK(strJson(c, 'None'))} WHEN ${d.is(a, 'string')} THEN ${c.OK(a)} WHEN ${d.is(a, 'boolean')} THEN ${c.OK(onBool)} WHEN ${d.is(a, 'number')} AND ${D.safeInteger(a)} THEN ${c.OK(D.toJson(d.text(a)))} ELSE ${c.UNKNOWN} END`;
    }
    case 'tostring':
      // EQL's string(): null stays null (a failure, read as null); a list, an object, a number Java may write otherwise: unknown
      if (c.lang === 'eql') return `CASE WHEN ${a} IS NULL THEN ${c.FAIL} WHEN ${d.is(a, 'string')} THEN ${c.OK(a)} WHEN ${d.is(a, 'boolean')} OR (${d.is(a, 'number')} AND ${D.safeInteger(a)}) THEN ${c.OK(D.toJson(d.text(a)))} ELSE ${c.UNKNOWN} END`;
      return `CASE WHEN ${a} IS NULL THEN ${c.OK(strJson(c, ''))} WHEN ${d.is(a, 'string')} THEN ${c.OK(a)} WHEN ${writtenAsText(d, D, a)} THEN ${c.OK(D.toJson(d.text(a)))} ELSE ${c.UNKNOWN} END`;
    case 'split': {
      const sep = arg(s, 0);
      if (typeof sep !== 'string' || sep === '') return c.FAIL;
      const max = arg(s, 1);
      if (c.lang === 'spl') {
        // an empty value is unknown (derive.ts)
        const l = c.names.next('l');
        const x = c.names.next('x');
        return asString(a, c, (t) => d.let(D.split(t, d.str(sep)), l, `CASE WHEN ${d.listLength(d.filter(l, d.lambda(x, `${x} = ''`)))} > 0 THEN ${c.UNKNOWN} ELSE ${c.OK(D.toJson(l))} END`));
      }
      if (!(typeof max === 'number' && max >= 0)) return asString(a, c, (t) => c.OK(D.toJson(D.split(t, d.str(sep)))));
      // at most `max` splits, from the left or (Python rsplit) the right: the rest joined again
      const n = Math.trunc(max);
      const l = c.names.next('l');
      const k = d.listLength(l);
      const cut = arg(s, 2) === 'right' ? d.concat([d.list([D.join(D.slice(l, '1', `${k} - ${n}`), d.str(sep))]), D.slice(l, `${k} - ${n} + 1`, k)]) : d.concat([D.slice(l, '1', String(n)), d.list([D.join(D.slice(l, String(n + 1), k), d.str(sep))])]);
      return asString(a, c, (t) => d.let(D.split(t, d.str(sep)), l, `CASE WHEN ${k} <= ${n + 1} THEN ${c.OK(D.toJson(l))} ELSE ${c.OK(D.toJson(cut))} END`));
    }
    case 'bytes':
      // any other value as KQL text (derive.ts kqlToString), whatever the rule's language
      return `CASE WHEN ${d.is(a, 'array')} OR ${d.is(a, 'object')} THEN ${c.FAIL} ELSE ${asString(a, { ...c, lang: 'kql' }, (t) => c.OK(D.toJson(D.byteLength(t))))} END`;
    case 'trim': {
      // a string only (KQL's null is ""); JavaScript's trim() of whitespace, or the characters given
      const chars = arg(s, 0);
      const t = c.names.next('t');
      const body = typeof chars === 'string' ? c.OK(D.toJson(D.trimChars(t, d.str(chars)))) : `CASE WHEN ${D.ascii(t)} THEN ${c.OK(D.toJson(D.trimChars(t, d.str(ASCII_SPACE))))} ELSE ${c.UNKNOWN} END`;
      return `CASE WHEN ${d.is(a, 'string')} THEN ${d.let(d.text(a), t, body)} ELSE ${c.FAIL} END`;
    }
    case 'int':
      return intSql(a, c);
    case 'float':
      return floatSql(a, c);
    case 'strcat':
      return strcatSql(s, a, c);
    case 'substring': {
      // KQL substring(s, start, length): code points from start (negative: 0), length (negative: 0) or to the end
      const start = Math.max(0, Math.trunc(arg(s, 0) as number | undefined ?? 0));
      const len = arg(s, 1);
      const n = typeof len === 'number' ? Math.max(0, Math.trunc(len)) : undefined;
      return asString(a, c, (t) => c.OK(D.toJson(n === undefined ? D.substrFrom(t, String(start + 1)) : D.substr(t, String(start + 1), n))));
    }
    case 'slice':
      return sliceSql(s, a, c);
    case 'base64decode':
      return asString(a, c, (t) => base64Sql(t, c, kql));
    case 'urldecode':
      return asString(a, c, (t) => urlDecodeSql(t, c));
    case 'replace':
      return replaceSql(s, a, c);
    case 'regex_count':
      return regexCountSql(s, a, c);
    case 'lower':
    case 'upper':
      return asString(a, c, (t) => `CASE WHEN ${D.ascii(t)} THEN ${c.OK(D.toJson(s.fn === 'lower' ? d.lower(t) : D.upper(t)))} ELSE ${c.UNKNOWN} END`);
    case 'len': {
      const other = py ? c.FAIL : `CASE WHEN ${writtenAsText(d, D, a)} THEN ${c.OK(D.toJson(d.length(d.text(a))))} ELSE ${c.UNKNOWN} END`;
      const keys = d.keys(a);
      const onObject = py ? `CASE WHEN ${D.distinctCount(keys)} < ${d.listLength(keys)} THEN ${c.UNKNOWN} ELSE ${c.OK(D.toJson(d.listLength(keys)))} END` : c.FAIL;
      return `CASE WHEN ${d.is(a, 'string')} THEN ${c.OK(D.toJson(d.length(d.text(a))))} WHEN ${d.is(a, 'array')} THEN ${c.OK(D.toJson(D.arrayLength(a)))} WHEN ${d.is(a, 'object')} THEN ${onObject} ELSE ${other} END`;
    }
    case 'array_len':
      return `CASE WHEN ${d.is(a, 'array')} THEN ${c.OK(D.toJson(D.arrayLength(a)))} ELSE ${c.FAIL} END`;
    case 'argv': {
      // a string only, as derive.ts splits it
      const t = c.names.next('t');
      return `CASE WHEN ${d.is(a, 'string')} THEN ${d.let(d.text(a), t, c.OK(D.toJson(D.argv(t))))} ELSE ${c.FAIL} END`;
    }
    case 'type': {
      const name = (pyName: string, kqlName: string) => c.OK(strJson(c, py ? pyName : kqlName));
      return `CASE WHEN ${a} IS NULL THEN ${name('NoneType', 'null')} WHEN ${d.is(a, 'string')} THEN ${name('str', 'string')} WHEN ${d.is(a, 'boolean')} THEN ${name('bool', 'bool')} WHEN ${d.is(a, 'number')} THEN (CASE WHEN ${D.integral(a)} THEN ${name('int', 'long')} ELSE ${name('float', 'real')} END) WHEN ${d.is(a, 'array')} THEN ${name('list', 'array')} ELSE ${name('dict', 'dictionary')} END`;
    }
    case 'ipaddress':
      return ipaddressSql(s, a, c);
    case 'levenshtein':
    case 'substr_count':
      return textMeasureSql(s, a, c);
    case 'extract':
      return extractSql(s, a, c, py, kql);
    case 'ifmatch': {
      // where the regex matches the text, the nested steps over it; elsewhere the text; not a text: unknown
      if (c.regexOk && !c.regexOk(arg(s, 0) as string)) return c.UNKNOWN;
      const t = c.names.next('t');
      const then = applySteps(c.OK(a), arg(s, 1) as readonly TransformStep[], c, { steps: [], lang: c.lang });
      return `CASE WHEN ${d.is(a, 'string')} THEN ${d.let(d.text(a), t, `CASE WHEN ${d.regex(t, d.str(arg(s, 0) as string))} THEN ${then} ELSE ${c.OK(a)} END`)} ELSE ${c.UNKNOWN} END`;
    }
    case 'parse':
      return parseSql(s, a, c);
    default:
      return c.UNKNOWN; // not reached: stepExpressed
  }
}

/**
 * derive.ts base64Utf8: spaces and line breaks dropped, a multiple of 4 characters of the standard alphabet with
 * `=` padding, decoded bytes read as strict UTF-8; otherwise "" in KQL, a failure in Python. Unknown: a text the
 * engine's decoder rejects after that check, a decoded text that starts with a byte-order mark (TextDecoder drops it).
 */
function base64Sql(t: string, c: StepCtx, kql: boolean): string {
  const { d, D } = c;
  const u = c.names.next('u');
  const r = c.names.next('r');
  const bad = kql ? c.OK(strJson(c, '')) : c.FAIL;
  const decoded = d.let(D.tryUtf8Base64(u), r, `CASE WHEN ${r} IS NOT NULL THEN (CASE WHEN ${d.startsWith(r, "'\uFEFF'")} THEN ${c.UNKNOWN} ELSE ${c.OK(D.toJson(r))} END) WHEN ${D.tryBase64(u)} THEN ${bad} ELSE ${c.UNKNOWN} END`);
  const body = `CASE WHEN ${d.length(u)} % 4 <> 0 OR NOT ${D.fullMatch(u, d.str('[A-Za-z0-9+/]*={0,2}'))} THEN ${bad} ELSE ${decoded} END`;
  return d.let(D.regexReplaceAll(t, d.str('[ \t\r\n]'), "''"), u, body);
}

/**
 * derive.ts `urlDecode`: ES|QL reads a form (`+` a space, a `%` without two hexadecimal digits null); the others
 * leave both unknown; escaped bytes that are not UTF-8 are unknown in every language.
 */
function urlDecodeSql(t: string, c: StepCtx): string {
  const { d, D } = c;
  const form = c.lang === 'esql';
  const r = c.names.next('r');
  const stray = d.regex(t, d.str('%([^0-9A-Fa-f]|[0-9A-Fa-f][^0-9A-Fa-f]|[0-9A-Fa-f]?$)'));
  const decoded = d.let(D.tryUrlDecode(form ? D.replaceText(t, "'+'", "' '") : t), r, `CASE WHEN ${r} IS NULL THEN ${c.UNKNOWN} ELSE ${c.OK(D.toJson(r))} END`);
  return `CASE WHEN ${form ? 'FALSE' : d.contains(t, "'+'")} THEN ${c.UNKNOWN} WHEN ${stray} THEN ${form ? c.FAIL : c.UNKNOWN} ELSE ${decoded} END`;
}

/** JavaScript's whitespace in ASCII (what `trim()` removes there). */
const ASCII_SPACE = ' \t\n\v\f\r';

/**
 * Python int() / derive.ts toInt: a boolean 1 or 0, a number truncated, a text of digits (spaces around, `_`
 * between) read; anything else fails. Unknown: a text outside ASCII (its spaces), a number past 2^53.
 */
function intSql(a: string, c: StepCtx): string {
  const { d, D } = c;
  const t = c.names.next('t');
  const u = c.names.next('u');
  const digits = `CASE WHEN NOT ${D.ascii(t)} THEN ${c.UNKNOWN} ELSE ${d.let(`replace(${D.trimChars(t, d.str(ASCII_SPACE))}, '_', '')`, u, `CASE WHEN NOT ${D.fullMatch(u, d.str('[+-]?[0-9]+'))} THEN ${c.FAIL} WHEN ${d.length(u)} > 15 THEN ${c.UNKNOWN} ELSE ${c.OK(D.intJson(u))} END`)} END`;
  return `CASE WHEN ${d.is(a, 'boolean')} THEN ${c.OK(`CASE WHEN ${d.text(a)} = 'true' THEN ${D.intJson("'1'")} ELSE ${D.intJson("'0'")} END`)} WHEN ${d.is(a, 'number')} THEN (CASE WHEN ${D.safeInteger(a)} THEN ${c.OK(a)} WHEN ${D.finiteSmall(a)} THEN ${c.OK(D.truncJson(a))} ELSE ${c.UNKNOWN} END) WHEN ${d.is(a, 'string')} THEN ${d.let(d.text(a), t, digits)} ELSE ${c.FAIL} END`;
}

/**
 * KQL strcat: the pieces before, the value, the pieces after, each as KQL text (null as ""; a field reference's
 * value); unknown where a piece's text differs between engines (a fraction, an object).
 */
function strcatSql(s: TransformStep, a: string, c: StepCtx): string {
  if (c.lang === 'eql') return eqlConcatSql(s, a, c);
  const { d, D } = c;
  const lit = (v: Value): string => d.str(v === null ? '' : String(v));
  /** KQL text of a JSON value, NULL where unknown. */
  const text = (x: string): string => `CASE WHEN ${x} IS NULL OR ${d.is(x, 'null')} THEN '' WHEN ${writtenAsText(d, D, x)} THEN ${d.text(x)} END`;
  const piece = (v: Value): string => (v !== null && typeof v === 'object' ? text(c.field(v.field)) : lit(v));
  const list = (x: TransformArg | undefined): string[] => (Array.isArray(x) ? (x as readonly Value[]).map(piece) : []);
  const all = [...list(arg(s, 0)), text(a), ...list(arg(s, 1))];
  const r = c.names.next('r');
  return d.let(`(${all.join(' || ')})`, r, `CASE WHEN ${r} IS NULL THEN ${c.UNKNOWN} ELSE ${c.OK(D.toJson(r))} END`);
}

/**
 * Python's `x[a:b]` (derive.ts `slice`: JavaScript's slice, negative bounds from the end) of a text (code points) or
 * a list; anything else fails.
 */
function sliceSql(s: TransformStep, a: string, c: StepCtx): string {
  const { d, D } = c;
  const bound = (x: TransformArg | undefined, n: string, dflt: string): string =>
    typeof x !== 'number' ? dflt : x < 0 ? `greatest(${n} + ${x}, 0)` : `least(${x}, ${n})`;
  const cut = (n: string, f: (from1: string, count: string) => string): string => {
    const st = bound(arg(s, 0), n, '0');
    const en = bound(arg(s, 1), n, n);
    return f(`(${st}) + 1`, `greatest((${en}) - (${st}), 0)`);
  };
  const t = c.names.next('t');
  const l = c.names.next('l');
  const sliced = c.OK(D.toJson(cut(d.length(t), (from1, count) => D.substr(t, from1, count))));
  // EQL's substring counts UTF-16 code units, which a character outside the Basic Multilingual Plane counts twice;
  // over a list it is not read
  const onText = d.let(d.text(a), t, c.lang === 'eql' ? `CASE WHEN ${d.regex(t, d.str('[\\x{10000}-\\x{10FFFF}]'))} THEN ${c.UNKNOWN} ELSE ${sliced} END` : sliced);
  const onList = c.lang === 'eql' ? c.UNKNOWN : d.let(d.elements(a), l, c.OK(d.toJsonArray(cut(d.listLength(l), (from1, count) => D.slice(l, from1, `(${from1}) + (${count}) - 1`)))));
  return `CASE WHEN ${d.is(a, 'string')} THEN ${onText} WHEN ${d.is(a, 'array')} THEN ${onList} ELSE ${c.FAIL} END`;
}

/**
 * Python's `ipaddress.ip_address(x)` / `ip_network(x)` and a property (`pyIpaddress.ts`, in the same order): an IPv4
 * address (text, or an integer below 2**32) or network; the property under CPython's private blocks before and since
 * 3.12.4, unknown where they differ. Fails where Python raises; unknown for IPv6, a netmask written as an address, an
 * octet with a leading zero, a boolean.
 */
function ipaddressSql(s: TransformStep, a: string, c: StepCtx): string {
  const { d, D } = c;
  const network = arg(s, 0) === 'ip_network';
  const global = arg(s, 1) === 'is_global';
  const [lo, hi, t, n, b, v] = ['lo', 'hi', 't', 'n', 'b', 'v'].map((x) => c.names.next(x)) as [string, string, string, string, string, string];
  const inside = (x: string, [from, to]: readonly [number, number]) => `(${x} BETWEEN ${from} AND ${to})`;
  const any = (parts: string[]) => `(${parts.join(' OR ') || 'FALSE'})`;
  const before = any(PY_IP_BLOCKS.before.map((r) => inside(lo, r))) + ' AND ' + any(PY_IP_BLOCKS.before.map((r) => inside(hi, r)));
  const after = `${any(PY_IP_BLOCKS.after.map((r) => `${inside(lo, r)} AND ${inside(hi, r)}`))} AND NOT ${any(PY_IP_BLOCKS.exceptions.flatMap((r) => [inside(lo, r), inside(hi, r)]))}`;
  const prop = (priv: string) => (global ? `(NOT (${inside(lo, PY_IP_BLOCKS.shared)} AND ${inside(hi, PY_IP_BLOCKS.shared)}) AND NOT (${priv}))` : `(${priv})`);
  // the property since 3.12.4, bound once: compared with the one before, and the value where they agree
  const decide = (loE: string, hiE: string) => d.let(loE, lo, d.let(hiE, hi, d.let(prop(after), v, `CASE WHEN ${prop(before)} = ${v} THEN ${c.OK(D.toJson(v))} ELSE ${c.UNKNOWN} END`)));
  const octets = '[0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}';
  const size = `CAST(pow(2, 32 - ${b}) AS BIGINT)`;
  const onNumbers = `CASE WHEN ${n} IS NULL OR ${b} > 32 OR ${n} % ${size} <> 0 THEN ${c.FAIL} WHEN ${d.regex(t, d.str('(^|[.])0[0-9]'))} THEN ${c.UNKNOWN} ELSE ${decide(n, `${n} + ${size} - 1`)} END`;
  const bits = network ? `CASE WHEN ${d.contains(t, "'/'")} THEN CAST(${D.regexExtract(t, d.str('/([0-9]+)$'), 1)} AS BIGINT) ELSE 32 END` : '32';
  // the dotted address before any `/`, as a number (NULL when an octet is past 255)
  const address = d.ipv4(D.regexExtract(t, d.str('^([0-9.]+)'), 1));
  const parsed = d.let(address, n, d.let(bits, b, onNumbers));
  const shape = network ? `${octets}(/[0-9]{1,2})?` : octets;
  // a netmask or host mask after valid octets (`/255.255.0.0`) is not read
  const netmask = network ? `(${d.regex(t, d.str(`^${octets}/[0-9.]+$`))} AND ${address} IS NOT NULL)` : 'FALSE';
  const onText = d.let(d.text(a), t, `CASE WHEN ${d.contains(t, "':'")} THEN ${c.UNKNOWN} WHEN NOT ${D.fullMatch(t, d.str(shape))} THEN (CASE WHEN ${netmask} THEN ${c.UNKNOWN} ELSE ${c.FAIL} END) ELSE ${parsed} END`);
  const onNumber = `CASE WHEN NOT ${D.safeInteger(a)} OR CAST(${a} AS DOUBLE) < 0 THEN (CASE WHEN ${D.integral(a)} AND CAST(${a} AS DOUBLE) > 4294967295 THEN ${c.UNKNOWN} ELSE ${c.FAIL} END) WHEN CAST(${a} AS DOUBLE) > 4294967295 THEN ${c.UNKNOWN} ELSE ${decide(`CAST(${a} AS BIGINT)`, `CAST(${a} AS BIGINT)`)} END`;
  return `CASE WHEN ${a} IS NULL THEN ${c.FAIL} WHEN ${d.is(a, 'boolean')} THEN ${c.UNKNOWN} WHEN ${d.is(a, 'string')} THEN ${onText} WHEN ${d.is(a, 'number')} THEN ${onNumber} ELSE ${c.FAIL} END`;
}

/**
 * Python float() / derive.ts toFloat: a boolean 1 or 0, a number as it is, a decimal text (spaces around) read; anything
 * else fails. Unknown: a text outside ASCII, one that reads as an infinity (JSON has none).
 */
function floatSql(a: string, c: StepCtx): string {
  const { d, D } = c;
  const t = c.names.next('t');
  const u = c.names.next('u');
  const decimal = '[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)(e[+-]?[0-9]+)?';
  const onText = `CASE WHEN NOT ${D.ascii(t)} THEN ${c.UNKNOWN} ELSE ${d.let(d.lower(D.trimChars(t, d.str(ASCII_SPACE))), u, `CASE WHEN ${D.fullMatch(u, d.str('[+-]?(inf|infinity)'))} THEN ${c.UNKNOWN} WHEN NOT ${D.fullMatch(u, d.str(decimal))} THEN ${c.FAIL} WHEN NOT ${D.finiteText(u)} THEN ${c.UNKNOWN} ELSE ${c.OK(D.doubleJson(u))} END`)} END`;
  return `CASE WHEN ${d.is(a, 'boolean')} THEN ${c.OK(`CASE WHEN ${d.text(a)} = 'true' THEN ${D.intJson("'1'")} ELSE ${D.intJson("'0'")} END`)} WHEN ${d.is(a, 'number')} THEN ${c.OK(a)} WHEN ${d.is(a, 'string')} THEN ${d.let(d.text(a), t, onText)} ELSE ${c.FAIL} END`;
}

/**
 * The group numbers a KQL replace_regex rewrite names (`\0`-`\9`; `\\` is a backslash), or undefined when it has a
 * backslash the engine's rewrite reads otherwise.
 */
function rewriteGroups(r: string): number[] | undefined {
  const out: number[] = [];
  for (let i = 0; i < r.length; i++) {
    if (r[i] !== '\\') continue;
    const n = r[i + 1];
    if (n === undefined || !/[0-9\\]/.test(n)) return undefined;
    if (n !== '\\') out.push(Number(n));
    i++;
  }
  return out;
}

/**
 * MQL regex.count: the number of matches of an RE2 pattern in a string (anything else fails, as in process); unknown
 * where a match is empty, or past the regex input bound, as in process.
 */
function regexCountSql(s: TransformStep, a: string, c: StepCtx): string {
  const { d, D } = c;
  const pattern = arg(s, 0) as string;
  if (c.regexOk && !c.regexOk(pattern)) return c.UNKNOWN;
  const t = c.names.next('t');
  const n = c.names.next('n');
  const count = d.let(D.regexCount(t, d.str(pattern), arg(s, 1) === true), n, `CASE WHEN ${n} IS NULL THEN ${c.UNKNOWN} ELSE ${c.OK(D.toJson(n))} END`);
  return `CASE WHEN ${d.is(a, 'string')} THEN ${d.let(d.text(a), t, `CASE WHEN ${d.length(t)} > ${LIMITS.maxRegexInput} THEN ${c.UNKNOWN} ELSE ${count} END`)} ELSE ${c.FAIL} END`;
}

/** KQL replace_string (every occurrence of a literal) and replace_regex (RE2, every match, `\n` groups). */
function replaceSql(s: TransformStep, a: string, c: StepCtx): string {
  const { d, D } = c;
  const lookup = arg(s, 0);
  const rewrite = arg(s, 1);
  if (typeof lookup !== 'string' || typeof rewrite !== 'string') return c.FAIL;
  if (arg(s, 2) !== 'regex') return asString(a, c, (t) => c.OK(D.toJson(lookup === '' ? t : `replace(${t}, ${d.str(lookup)}, ${d.str(rewrite)})`)));
  if (!compileRegex(lookup, '').ok || (c.regexOk && !c.regexOk(lookup))) return c.UNKNOWN;
  return asString(a, c, (t) => `CASE WHEN ${d.length(t)} > ${LIMITS.maxRegexInput} THEN ${c.UNKNOWN} ELSE ${c.OK(D.toJson(D.regexReplaceAll(t, d.str(lookup), d.str(rewrite))))} END`);
}

/** A regex rewrite the engine reads as the evaluator does (a group the pattern lacks is "" there, an error here). */
function regexRewriteExpressed(lookup: TransformArg | undefined, rewrite: TransformArg | undefined): boolean {
  if (typeof lookup !== 'string' || typeof rewrite !== 'string') return true; // fails alike
  const groups = captureGroups(lookup);
  const used = rewriteGroups(rewrite);
  return groups !== undefined && used !== undefined && used.every((g) => g <= groups) && !mayMatchEmpty(lookup);
}

/**
 * Can the pattern match the empty string somewhere: after a match, the evaluator (as JavaScript and Python) then
 * takes an empty match where the engine's RE2 does not (`x*` over `x`: `--` against `-`). Sound: in the empty text
 * every `^` and `$` holds, so only a word boundary (`\b`, `\B`) can make a pattern empty elsewhere and not there.
 */
function mayMatchEmpty(p: string): boolean {
  const c = compileRegex(p, '');
  if (!c.ok || c.re.exec('') !== null) return true;
  for (let i = 0; i < p.length; i++) {
    if (p[i] !== '\\') continue;
    if (p[i + 1] === 'b' || p[i + 1] === 'B') return true;
    i++;
  }
  return false;
}

/** `get` (missing → default / null) and `item` (missing → failure) on an object, a list or (item) a string. */
function memberSql(s: TransformStep, a: string, c: StepCtx): string {
  const { d, D } = c;
  const key = arg(s, 0);
  const strict = s.fn === 'item';
  const py = c.lang === 'python';
  const missing = strict ? c.FAIL : c.OK(d.json(defaultJson(s)!));
  const m = c.names.next('m');
  const present = (x: string) => d.let(x, m, `CASE WHEN ${m} IS NULL THEN ${missing} ELSE ${c.OK(m)} END`);
  const keys = d.keys(a);
  const onObject =
    typeof key === 'string' || typeof key === 'number'
      ? `CASE WHEN ${D.distinctCount(keys)} < ${d.listLength(keys)} THEN ${c.UNKNOWN} ELSE ${present(d.get(a, [String(key)]))} END`
      : missing;
  const index = typeof key === 'number' && Number.isInteger(key) ? key : undefined;
  const onArray = s.fn === 'get' && py ? c.FAIL : index === undefined ? c.FAIL : present(D.at(d.elements(a), index));
  let onString = '';
  if (strict) {
    const t = c.names.next('t');
    const at = index === undefined ? c.FAIL : index >= 0 ? `CASE WHEN ${d.length(t)} > ${index} THEN ${c.OK(D.toJson(D.substr(t, String(index + 1), 1)))} ELSE ${c.FAIL} END` : `CASE WHEN ${d.length(t)} >= ${-index} THEN ${c.OK(D.toJson(D.substr(t, `${d.length(t)} + ${index + 1}`, 1)))} ELSE ${c.FAIL} END`;
    onString = `WHEN ${d.is(a, 'string')} THEN ${d.let(d.text(a), t, at)} `;
  }
  const other = py || strict ? c.FAIL : c.OK(D.NULL_JSON);
  return `CASE WHEN ${d.is(a, 'object')} THEN ${onObject} WHEN ${d.is(a, 'array')} THEN ${onArray} ${onString}ELSE ${other} END`;
}

function extractSql(s: TransformStep, a: string, c: StepCtx, py: boolean, kql: boolean): string {
  const { d, D } = c;
  const pattern = arg(s, 0);
  if (typeof pattern !== 'string') return c.FAIL;
  const group = extractGroup(pattern, arg(s, 1)) ?? -1;
  const flags = regexFlags(arg(s, 2))!;
  const inline = `${flags ? `(?${flags})` : ''}${re2GroupNames(pattern)}`;
  // a pattern the in-process engine cannot run is unknown there (regexExec gives undefined)
  if (!compileRegex(pattern, flags).ok || (c.regexOk && !c.regexOk(inline))) return c.UNKNOWN;
  const groups = captureGroups(pattern)!;
  const noMatch = kql ? c.OK(strJson(c, '')) : c.FAIL;
  return asString(a, c, (t) => {
    let onMatch: string;
    if (!Number.isInteger(group) || group < 0) onMatch = c.UNKNOWN;
    else if (group > groups) onMatch = kql ? c.OK(strJson(c, '')) : c.FAIL;
    else {
      const g = c.names.next('g');
      // a group that did not take part is null (Python None) outside KQL, one that matched nothing ""; the engine
      // gives "" for both
      const body = !kql && group > 0 ? `CASE WHEN ${g} = '' THEN ${c.UNKNOWN} ELSE ${c.OK(D.toJson(g))} END` : c.OK(D.toJson(g));
      onMatch = d.let(D.regexExtract(t, d.str(inline), group), g, body);
    }
    return `CASE WHEN ${d.length(t)} > ${LIMITS.maxRegexInput} THEN ${c.UNKNOWN} WHEN ${d.regex(t, d.str(inline))} THEN ${onMatch} ELSE ${noMatch} END`;
  });
}

/** KQL `parse`: the pattern's regex (derive.ts parseRegex), the column's group, typed. */
function parseSql(s: TransformStep, a: string, c: StepCtx): string {
  const { d, D } = c;
  const parts = arg(s, 0);
  const col = arg(s, 1);
  if (!Array.isArray(parts) || typeof col !== 'string') return c.FAIL;
  const { source, groups } = parseRegex(parts as readonly ParsePart[]);
  const g = groups.get(col);
  if (!g) return c.FAIL;
  const inline = `(?s)${source}`;
  if (!compileRegex(source, 's').ok || (c.regexOk && !c.regexOk(inline))) return c.UNKNOWN;
  const isString = g.type === 'string';
  const x = c.names.next('x');
  let typed: string;
  if (g.type === 'long' || g.type === 'int') typed = `CASE WHEN ${d.length(x)} <= 15 THEN ${c.OK(D.intJson(x))} ELSE ${c.UNKNOWN} END`;
  else if (g.type === 'real' || g.type === 'double' || g.type === 'decimal') typed = `CASE WHEN ${d.length(x)} > 15 THEN ${c.UNKNOWN} WHEN ${d.contains(x, "'.'")} THEN ${c.OK(D.doubleJson(x))} ELSE ${c.OK(D.intJson(x))} END`;
  else typed = c.OK(D.toJson(x));
  // parse reads any value as KQL text (derive.ts kqlToString), whatever the rule's language
  return asString(a, { ...c, lang: 'kql' }, (t) => `CASE WHEN ${d.length(t)} > ${LIMITS.maxRegexInput} THEN ${c.UNKNOWN} WHEN ${d.regex(t, d.str(inline))} THEN ${d.let(D.regexExtract(t, d.str(inline), g.index), x, typed)} ELSE ${isString ? c.OK(strJson(c, '')) : c.FAIL} END`);
}

/** Can two occurrences of `sub` overlap (a proper prefix of it is also its suffix: `aa`, `abab`)? */
function selfOverlapping(sub: string): boolean {
  for (let k = 1; k < sub.length; k++) if (sub.endsWith(sub.slice(0, k))) return true;
  return false;
}

/**
 * `levenshtein` and `substr_count` over a string (anything else fails, as in process), on ASCII texts only (where
 * SQL's lower case and character counts are the process's; others are unknown). A distance past the process's bound
 * (the lengths multiplied) is unknown too; a count's substring never overlaps itself here (`stepExpressed`).
 */
function textMeasureSql(s: TransformStep, a: string, c: StepCtx): string {
  const { d, D } = c;
  const ci = arg(s, 1) === true;
  const ref = fieldRefOf(arg(s, 0));
  if (s.fn === 'levenshtein' && ref !== undefined) {
    // the distance to another field's text: both ASCII, the same bound on the work
    const t = c.names.next('t');
    const o = c.names.next('o');
    const other = c.field(ref);
    const cs = (x: string) => (ci ? d.lower(x) : x);
    const measure = `CASE WHEN NOT (${D.ascii(t)} AND ${D.ascii(o)}) THEN ${c.UNKNOWN} WHEN ${d.length(t)} * ${d.length(o)} > ${EDIT_DISTANCE_CELLS} THEN ${c.UNKNOWN} ELSE ${c.OK(D.toJson(D.editDistance(cs(t), cs(o))))} END`;
    return `CASE WHEN ${d.is(a, 'string')} AND ${d.is(other, 'string')} THEN ${d.let(d.text(a), t, d.let(d.text(other), o, measure))} ELSE ${c.FAIL} END`;
  }
  const other = ci ? (arg(s, 0) as string).toLowerCase() : (arg(s, 0) as string);
  const t = c.names.next('t');
  const text = ci ? d.lower(t) : t;
  const measure =
    s.fn === 'levenshtein'
      ? `CASE WHEN ${d.length(t)} * ${[...other].length} > ${EDIT_DISTANCE_CELLS} THEN ${c.UNKNOWN} ELSE ${c.OK(D.toJson(D.editDistance(text, d.str(other))))} END`
      : c.OK(D.toJson(`((${d.length(t)} - ${d.length(D.replaceText(text, d.str(other), "''"))}) // ${[...other].length})`));
  return `CASE WHEN ${d.is(a, 'string')} THEN ${d.let(d.text(a), t, `CASE WHEN ${D.ascii(t)} THEN ${measure} ELSE ${c.UNKNOWN} END`)} ELSE ${c.FAIL} END`;
}

