/**
 * Evaluation of derived operands (issue 19): a transform chain (`Derived`) applied to a field's value, with the
 * semantics TRANSFORM_FACTS documents. Never throws: a step that fails gives null (`onError: 'null'`) or makes the
 * operand unknown (`onError: 'unknown'`); what is not modelled (Python repr of a dict, a pattern RE2 cannot run) is
 * unknown.
 */
import { assertNever, fieldRefOf, type Derived, type ParsePart, type TransformArg, type TransformStep, type Value } from './expr.ts';
import { LIMITS } from './diagnostics.ts';
import { nestsDeeperThan } from './jsonDepth.ts';
import { escapeRegex, regexExec, regexReplaceAll, regexCount, regexTest } from './regex.ts';
import { isRecord } from './isRecord.ts';
import { pyIpProperty } from './pyIpaddress.ts';
import { dissect, dissectPatternOf } from './dissect.ts';

/** The operand cannot be known (not modelled, or a failure with onError=unknown). */
export const UNKNOWN_OPERAND = Symbol('unknown operand');

/**
 * A step failed and the derivation's `onError` is `null`: the operand is null, and a predicate on it is evaluated as
 * on a missing value with loose typing (an ordering or substring test of it is false, not a Python TypeError).
 */
export const FAILED_NULL = Symbol('failed: null');

/** Several values (after `elements`): the predicate holds when it holds for any of them. */
export class Spread {
  constructor(readonly items: readonly unknown[]) {}
}

/** A derived operand: a value (`undefined`: null / missing), several values, or unknown. */
export type DerivedOperand = unknown;

const FAIL = Symbol('fail');
type StepResult = unknown; // a value, undefined (null), FAIL or UNKNOWN_OPERAND

type Lang = Derived['lang'];

/** Steps that take a null / missing value without failing. */
export const NULL_OK: ReadonlySet<string> = new Set(['str', 'tostring', 'type', 'elements', 'strcat']);

/**
 * KQL string functions: a null / missing input is the empty string (KQL has no null string: `tostring(null)` is
 * ""), so `strlen(x)` of a missing x is 0 and `extract(…, x)` of it is "".
 */
export const KQL_STRING_INPUT: ReadonlySet<string> = new Set(['lower', 'upper', 'trim', 'substring', 'extract', 'parse', 'split', 'len', 'bytes', 'replace', 'base64decode', 'urldecode']);

/**
 * The steps ES|QL's string functions and SPL's eval functions map to: on a multi-valued field (a list) most of them
 * give null and some, by version, each value's result, so in a `lang: 'esql'` or `'spl'` chain a list input to them
 * is unknown.
 */
export const SCALAR_STRING_STEPS: ReadonlySet<string> = new Set(['lower', 'upper', 'len', 'replace', 'base64decode', 'urldecode', 'substring', 'trim', 'ifmatch', 'substr_count']);

/**
 * The steps that are unknown on a list or an object, by language: `SCALAR_STRING_STEPS` in ES|QL and SPL, and in
 * ES|QL also GROK's and DISSECT's (`extract`, `dissect`), which match each value of a multi-valued column and make
 * their columns multi-valued; in SPL also `split`, whose reading of a multivalue field Splunk does not document.
 */
const SCALAR_ONLY: Readonly<Partial<Record<NonNullable<Derived['lang']>, ReadonlySet<string>>>> = {
  esql: new Set([...SCALAR_STRING_STEPS, 'extract', 'dissect']),
  spl: new Set([...SCALAR_STRING_STEPS, 'split']),
};

/** Is the step unknown on a list or an object in this language (`SCALAR_ONLY`)? */
export const scalarOnly = (lang: Derived['lang'], fn: string): boolean => (lang !== undefined && SCALAR_ONLY[lang]?.has(fn)) === true;

/**
 * Apply a derivation to a field's value (`undefined` when the field is missing; null is null). `field` reads other
 * fields of the event (strcat arguments).
 */
export function deriveValue(d: Derived, raw: unknown, field: (name: string) => unknown): DerivedOperand {
  const onFail = d.onError === 'unknown' ? UNKNOWN_OPERAND : FAILED_NULL;
  let cur: unknown = raw === null ? undefined : raw;
  let spread: unknown[] | undefined;
  for (const s of d.steps) {
    if (s.fn === 'elements' && spread === undefined) {
      spread = cur === undefined ? [] : Array.isArray(cur) ? [...(cur as unknown[])] : [cur];
      continue;
    }
    if (spread) {
      const next: unknown[] = [];
      for (const x of spread) {
        if (s.fn === 'elements') {
          if (Array.isArray(x)) next.push(...(x as unknown[]));
          else if (x !== undefined) next.push(x);
          continue;
        }
        const r = applyStep(s, x, d.lang, field);
        if (r === UNKNOWN_OPERAND) return UNKNOWN_OPERAND;
        if (r === FAIL) continue; // an element whose steps fail is dropped
        next.push(r);
      }
      spread = next;
      continue;
    }
    const r = applyStep(s, cur, d.lang, field);
    if (r === UNKNOWN_OPERAND) return UNKNOWN_OPERAND;
    if (r === FAIL) return onFail;
    cur = r === null ? undefined : r;
  }
  return spread ? new Spread(spread) : cur;
}

const argOf = (s: TransformStep, i: number): TransformArg | undefined => s.args?.[i];

/** KQL tostring(): null as "", a list or object as JSON. */
export function kqlToString(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function applyStep(s: TransformStep, input: unknown, lang: Lang, field: (name: string) => unknown): StepResult {
  let v = input;
  if (v === undefined && !NULL_OK.has(s.fn)) {
    if (lang !== 'kql' || !KQL_STRING_INPUT.has(s.fn)) return FAIL;
    v = '';
  }
  if (scalarOnly(lang, s.fn) && (Array.isArray(v) || isRecord(v))) return UNKNOWN_OPERAND;
  const py = lang === 'python';
  const asString = (x: unknown): string | typeof FAIL => (typeof x === 'string' ? x : py ? FAIL : kqlToString(x));
  switch (s.fn) {
    case 'json': {
      if (typeof v !== 'string') return py ? FAIL : v;
      // a text nested deeper than the limit would overflow the walks over its value: unknown, as a longer one
      if (v.length > LIMITS.maxJsonInput || nestsDeeperThan(v, LIMITS.maxDepth)) return UNKNOWN_OPERAND;
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return FAIL;
      }
    }
    case 'get':
    case 'item':
      return member(s, v, lang);
    case 'elements':
      return v; // only reached inside a spread (handled by the caller)
    case 'split': {
      const str = asString(v);
      if (str === FAIL) return FAIL;
      const sep = argOf(s, 0);
      const max = argOf(s, 1);
      const limited = typeof max === 'number' && max >= 0;
      if (sep === null || sep === undefined) return limited ? UNKNOWN_OPERAND : str.split(/\s+/).filter((x) => x !== '');
      if (typeof sep !== 'string' || sep === '') return FAIL;
      const parts = str.split(sep);
      // SPL's split: whether an empty value (delimiters side by side, or at either end) is kept is not documented
      if (lang === 'spl' && parts.includes('')) return UNKNOWN_OPERAND;
      if (!limited || parts.length <= max + 1) return parts;
      if (argOf(s, 2) === 'right') return [parts.slice(0, parts.length - max).join(sep), ...parts.slice(parts.length - max)];
      return [...parts.slice(0, max), parts.slice(max).join(sep)];
    }
    case 'lower':
    case 'upper': {
      const str = asString(v);
      if (str === FAIL) return FAIL;
      return s.fn === 'lower' ? str.toLowerCase() : str.toUpperCase();
    }
    case 'trim': {
      if (typeof v !== 'string') return FAIL;
      const chars = argOf(s, 0);
      if (typeof chars !== 'string') return v.trim();
      let a = 0;
      let b = v.length;
      while (a < b && chars.includes(v[a]!)) a++;
      while (b > a && chars.includes(v[b - 1]!)) b--;
      return v.slice(a, b);
    }
    case 'len':
      if (typeof v === 'string') return [...v].length;
      if (Array.isArray(v)) return v.length;
      if (isRecord(v)) return py ? Object.keys(v).length : FAIL;
      return py ? FAIL : [...kqlToString(v)].length;
    case 'array_len':
      return Array.isArray(v) ? v.length : FAIL;
    case 'argv':
      return typeof v === 'string' ? commandLineToArgv(v) : FAIL;
    case 'bytes':
      if (Array.isArray(v) || isRecord(v)) return FAIL;
      return Buffer.byteLength(typeof v === 'string' ? v : kqlToString(v), 'utf8');
    case 'int':
      return toInt(v);
    case 'float':
      return toFloat(v);
    case 'str':
      if (v === undefined) return 'None';
      if (typeof v === 'string') return v;
      if (typeof v === 'boolean') return v ? 'True' : 'False';
      if (typeof v === 'number') return pyNumber(v);
      return pyRepr(v, 0) ?? UNKNOWN_OPERAND;
    case 'tostring':
      return lang === 'eql' ? eqlString(v) : kqlToString(v);
    case 'substring': {
      const str = asString(v);
      if (str === FAIL) return FAIL;
      const chars = [...str];
      const start = Math.max(0, Math.trunc(Number(argOf(s, 0) ?? 0)));
      const len = argOf(s, 1);
      const end = typeof len === 'number' ? start + Math.max(0, Math.trunc(len)) : chars.length;
      return chars.slice(start, end).join('');
    }
    case 'slice': {
      const a = argOf(s, 0);
      const b = argOf(s, 1);
      const start = typeof a === 'number' ? a : undefined;
      const end = typeof b === 'number' ? b : undefined;
      // Python counts code points; EQL's substring (Java) UTF-16 code units, as a JavaScript string is indexed
      if (typeof v === 'string') return lang === 'eql' ? v.slice(start, end) : [...v].slice(start, end).join('');
      // EQL's substring of a multi-valued field is not read
      if (Array.isArray(v)) return lang === 'eql' ? UNKNOWN_OPERAND : v.slice(start, end);
      return FAIL;
    }
    case 'extract': {
      const str = asString(v);
      if (str === FAIL) return FAIL;
      const pattern = argOf(s, 0);
      const group = argOf(s, 1) ?? 0;
      const flags = argOf(s, 2);
      if (typeof pattern !== 'string') return FAIL;
      const m = regexExec(pattern, typeof flags === 'string' ? flags : '', str);
      if (m === undefined) return UNKNOWN_OPERAND;
      // KQL: no match is null, and a null string is "" (KQL has no null string)
      if (m === null) return lang === 'kql' ? '' : FAIL;
      const g = typeof group === 'number' ? m[group] : typeof group === 'string' ? m.groups?.[group] : undefined;
      if (typeof group === 'number' && group >= m.length) return lang === 'kql' ? '' : FAIL; // Python IndexError: no such group
      return g === undefined ? (lang === 'kql' ? '' : null) : g;
    }
    case 'parse':
      return parsePattern(s, v);
    case 'dissect': {
      const pattern = argOf(s, 0);
      const key = argOf(s, 1);
      const str = asString(v);
      if (str === FAIL || typeof pattern !== 'string' || typeof key !== 'string') return FAIL;
      const parsed = dissectPatternOf(pattern);
      if (!parsed) return UNKNOWN_OPERAND;
      return dissect(parsed, str)?.get(key) ?? FAIL;
    }
    case 'strcat': {
      if (lang === 'eql') return eqlConcat(s, v, field);
      const piece = (x: Value): string => (x !== null && typeof x === 'object' ? kqlToString(field(x.field)) : kqlToString(x));
      const list = (a: TransformArg | undefined): string => (Array.isArray(a) ? (a as readonly Value[]).map(piece).join('') : '');
      return list(argOf(s, 0)) + kqlToString(v) + list(argOf(s, 1));
    }
    case 'replace':
      return replaceStep(s, asString(v));
    case 'bin':
      return binStep(s, v);
    case 'base64decode': {
      const str = asString(v);
      if (str === FAIL) return FAIL;
      const r = base64Utf8(str);
      // ES|QL's FROM_BASE64 (Java's basic decoder) fails the query on a character outside the alphabet (spaces and
      // line breaks, which this reading skips, included), reads unpadded text, and keeps bytes that are not UTF-8
      if (lang === 'esql') return r === undefined || /[ \t\r\n]/.test(str) ? UNKNOWN_OPERAND : r;
      return r ?? (lang === 'kql' ? '' : FAIL);
    }
    case 'urldecode':
      return urlDecode(asString(v), lang);
    case 'ifmatch':
      return ifMatch(s, v, lang, field);
    case 'ipaddress': {
      const r = pyIpProperty(v, String(argOf(s, 0)), String(argOf(s, 1)));
      return r === 'fail' ? FAIL : r === 'unknown' ? UNKNOWN_OPERAND : r.ok;
    }
    case 'levenshtein': {
      // the other text: a literal, or another field's value (MQL's distance between two fields)
      const ref = fieldRefOf(argOf(s, 0));
      const other = ref !== undefined ? field(ref) : argOf(s, 0);
      if (typeof v !== 'string' || typeof other !== 'string') return FAIL;
      const d = argOf(s, 1) === true ? editDistance(v.toLowerCase(), other.toLowerCase()) : editDistance(v, other);
      return d ?? UNKNOWN_OPERAND;
    }
    case 'substr_count': {
      const sub = argOf(s, 0);
      if (typeof v !== 'string' || typeof sub !== 'string') return FAIL;
      const ci = argOf(s, 1) === true;
      return countOccurrences(ci ? v.toLowerCase() : v, ci ? sub.toLowerCase() : sub) ?? UNKNOWN_OPERAND;
    }
    case 'regex_count': {
      const re = argOf(s, 0);
      if (typeof v !== 'string' || typeof re !== 'string') return FAIL;
      return regexCount(re, argOf(s, 1) === true ? 'i' : '', v) ?? UNKNOWN_OPERAND;
    }
    case 'type':
      return typeName(v, lang);
    default:
      return assertNever(s.fn, 'transform');
  }
}

/**
 * `ifmatch`: where the regex matches the string, the string through the nested steps (a null result is null);
 * elsewhere the string as it is. A value that is not a string is unknown (SPL's `match()` of a number is not read).
 */
function ifMatch(s: TransformStep, v: unknown, lang: Lang, field: (name: string) => unknown): StepResult {
  const re = argOf(s, 0);
  const steps = argOf(s, 1);
  if (typeof re !== 'string' || !Array.isArray(steps) || typeof v !== 'string') return UNKNOWN_OPERAND;
  const hit = regexTest(re, '', v);
  if (hit === undefined) return UNKNOWN_OPERAND;
  if (!hit) return v;
  let cur: unknown = v;
  for (const inner of steps as readonly TransformStep[]) {
    if (inner.fn === 'elements') return UNKNOWN_OPERAND;
    const r = applyStep(inner, cur, lang, field);
    if (r === UNKNOWN_OPERAND || r === FAIL) return r;
    cur = r === null ? undefined : r;
  }
  return cur ?? null;
}

/** EQL's string(): null stays null (a failure, read as null); a list, an object or a number Java may write otherwise is unknown. */
function eqlString(v: unknown): StepResult {
  if (v === undefined) return FAIL;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return UNKNOWN_OPERAND;
}

/**
 * EQL `concat(…)`: the values before, the value so far and the values after as text (numbers and booleans as
 * written); a null or missing one makes the whole null (a failure here, so the operand is null), whatever the others
 * are. A list or an object is not a value `concat` takes: unknown.
 */
function eqlConcat(s: TransformStep, v: unknown, field: (name: string) => unknown): StepResult {
  const read = (a: TransformArg | undefined): unknown[] => (Array.isArray(a) ? (a as readonly Value[]).map((x) => (x !== null && typeof x === 'object' ? field(x.field) : x)) : []);
  const values = [...read(argOf(s, 0)), v, ...read(argOf(s, 1))];
  if (values.some((x) => x === undefined || x === null)) return FAIL;
  let out = '';
  for (const x of values) {
    if (typeof x === 'string') out += x;
    else if (typeof x === 'number' || typeof x === 'boolean') out += String(x);
    else return UNKNOWN_OPERAND;
  }
  return out;
}

/** `get` (missing → default / null) and `item` (missing → failure) on an object, a list or (item) a string. */
function member(s: TransformStep, v: unknown, lang: Lang): StepResult {
  const key = argOf(s, 0);
  const strict = s.fn === 'item';
  const missing = (): StepResult => {
    if (strict) return FAIL;
    const d = argOf(s, 1);
    if (d !== null && typeof d === 'object' && 'empty' in d) return {};
    return d ?? null;
  };
  if (isRecord(v)) {
    if (typeof key === 'string' || typeof key === 'number') {
      const k = String(key);
      return Object.prototype.hasOwnProperty.call(v, k) ? v[k] : missing();
    }
    return missing();
  }
  if (Array.isArray(v) || (strict && typeof v === 'string')) {
    if (s.fn === 'get' && lang === 'python') return FAIL; // list.get: AttributeError
    if (typeof key !== 'number' || !Number.isInteger(key)) return FAIL;
    const xs: readonly unknown[] = typeof v === 'string' ? [...v] : v;
    const i = key < 0 ? xs.length + key : key;
    return i >= 0 && i < xs.length ? xs[i] : missing();
  }
  return lang === 'python' || strict ? FAIL : null;
}

/** KQL replace_string (literal) / replace_regex (RE2; in the rewrite `\0`-`\9` name the match and its groups). */
function replaceStep(s: TransformStep, str: string | typeof FAIL): StepResult {
  if (str === FAIL) return FAIL;
  const lookup = argOf(s, 0);
  const rewrite = argOf(s, 1);
  if (typeof lookup !== 'string' || typeof rewrite !== 'string') return FAIL;
  if (argOf(s, 2) !== 'regex') return lookup === '' ? str : str.split(lookup).join(rewrite);
  // RE2 rewrite: backslash-digit is a group, two backslashes one backslash
  const r = regexReplaceAll(lookup, '', str, (m) => rewrite.replace(/\\([0-9\\])/g, (_x, d: string) => (d === '\\' ? '\\' : (m[Number(d)] ?? ''))));
  return r === undefined ? UNKNOWN_OPERAND : r;
}

/** Base64 (standard alphabet, `=` padding to a multiple of 4, whitespace ignored) decoded as UTF-8; undefined when either fails. */
export function base64Utf8(s: string): string | undefined {
  const t = s.replace(/[ \t\r\n]/g, '');
  if (t.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(t)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(t, 'base64'));
  } catch {
    return undefined;
  }
}

/**
 * URL decoding: each run of `%XX` escapes is bytes decoded as UTF-8. ES|QL's URL_DECODE (Java's URLDecoder) reads
 * application/x-www-form-urlencoded text: `+` is a space, and a `%` not followed by two hexadecimal digits fails
 * (null). KQL's url_decode documents percent-decoding alone, and SPL's urldecode no statement either way was found
 * for: a `+` (kept, or a space?) and a `%` without its two digits are unknown there. Bytes that are not UTF-8 are unknown (Java puts a replacement character
 * there).
 */
function urlDecode(str: string | typeof FAIL, lang: Lang): StepResult {
  if (str === FAIL) return FAIL;
  const form = lang === 'esql';
  if (!form && str.includes('+')) return UNKNOWN_OPERAND;
  if (!str.includes('%')) return form ? str.replaceAll('+', ' ') : str;
  let out = '';
  for (let i = 0; i < str.length; ) {
    const c = str[i]!;
    if (c === '+') {
      out += ' ';
      i++;
    } else if (c !== '%') {
      out += c;
      i++;
    } else {
      const bytes: number[] = [];
      while (i < str.length && str[i] === '%') {
        const hex = str.slice(i + 1, i + 3);
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return form ? FAIL : UNKNOWN_OPERAND;
        bytes.push(parseInt(hex, 16));
        i += 3;
      }
      try {
        out += new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
      } catch {
        return UNKNOWN_OPERAND;
      }
    }
  }
  return out;
}

/** A number rounded down to a multiple of size; with unit "ms" an ISO date-time rounded down to size milliseconds. */
function binStep(s: TransformStep, v: unknown): StepResult {
  const size = argOf(s, 0);
  if (typeof size !== 'number' || !(size > 0)) return FAIL;
  if (argOf(s, 1) !== 'ms') return typeof v === 'number' ? Math.floor(v / size) * size : FAIL;
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(v)) return FAIL;
  const t = Date.parse(v);
  return Number.isNaN(t) ? FAIL : new Date(Math.floor(t / size) * size).toISOString();
}

function pyNumber(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan';
  return String(v).replace(/e\+?/, 'e+').replace('e+-', 'e-');
}

/** Python repr of a string: single quotes unless it contains one and no double quote. */
function pyStringRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += '\\' + q;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + q;
}

/** Python repr (str() of a list or dict) of a JSON value; undefined past a depth bound. */
export function pyRepr(v: unknown, depth: number): string | undefined {
  if (depth > 50) return undefined;
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyNumber(v);
  if (typeof v === 'string') return pyStringRepr(v);
  const parts: string[] = [];
  if (Array.isArray(v)) {
    for (const x of v) {
      const r = pyRepr(x, depth + 1);
      if (r === undefined) return undefined;
      parts.push(r);
    }
    return `[${parts.join(', ')}]`;
  }
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const r = pyRepr(x, depth + 1);
    if (r === undefined) return undefined;
    parts.push(`${pyStringRepr(k)}: ${r}`);
  }
  return `{${parts.join(', ')}}`;
}

function toInt(v: unknown): StepResult {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : FAIL;
  if (typeof v === 'string') {
    const t = v.trim().split('_').join('');
    return /^[+-]?\d+$/.test(t) ? Number(t) : FAIL;
  }
  return FAIL;
}

function toFloat(v: unknown): StepResult {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return Number(t);
    if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
    return FAIL;
  }
  return FAIL;
}

function typeName(v: unknown, lang: Lang): string {
  const py = lang === 'python';
  if (v === undefined || v === null) return py ? 'NoneType' : 'null';
  if (typeof v === 'string') return py ? 'str' : 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? (py ? 'int' : 'long') : py ? 'float' : 'real';
  if (Array.isArray(v)) return py ? 'list' : 'array';
  return py ? 'dict' : 'dictionary';
}

/** The regex a KQL simple-kind parse pattern stands for, and the group of each column (see TRANSFORM_FACTS.parse). */
export function parseRegex(parts: readonly ParsePart[]): { source: string; groups: Map<string, { index: number; type: string }> } {
  let src = '^';
  const groups = new Map<string, { index: number; type: string }>();
  parts.forEach((p, i) => {
    if ('lit' in p) src += escapeRegex(p.lit);
    else if ('star' in p) src += '.*?';
    else {
      const type = (p.type ?? 'string').toLowerCase();
      const last = i === parts.length - 1;
      const body = type === 'long' || type === 'int' ? '-?\\d+' : type === 'real' || type === 'double' || type === 'decimal' ? '-?\\d+(?:\\.\\d+)?' : '.*?';
      src += `(${body})${last ? '$' : ''}`;
      groups.set(p.col, { index: groups.size + 1, type });
    }
  });
  return { source: src, groups };
}

function parsePattern(s: TransformStep, v: unknown): StepResult {
  const parts = argOf(s, 0);
  const col = argOf(s, 1);
  if (!Array.isArray(parts) || typeof col !== 'string') return FAIL;
  const { source, groups } = parseRegex(parts as readonly ParsePart[]);
  const g = groups.get(col);
  if (!g) return FAIL;
  const m = regexExec(source, 's', kqlToString(v));
  if (m === undefined) return UNKNOWN_OPERAND;
  const isString = g.type === 'string';
  // a failed parse: every column null, and a null string column is "" (KQL has no null string)
  if (m === null) return isString ? '' : FAIL;
  const text = m[g.index];
  if (text === undefined) return isString ? '' : null;
  if (g.type === 'long' || g.type === 'int') return Number(text);
  if (g.type === 'real' || g.type === 'double' || g.type === 'decimal') return Number(text);
  return text;
}

/** The work one edit distance may take (the two lengths multiplied): past it the distance is unknown. */
export const EDIT_DISTANCE_CELLS = 1_000_000;

/**
 * Levenshtein distance between two strings, by code point (insertions, deletions, substitutions of one character),
 * or undefined past `EDIT_DISTANCE_CELLS`. One row of the table at a time.
 */
export function editDistance(a: string, b: string): number | undefined {
  const x = [...a];
  const y = [...b];
  if (x.length * y.length > EDIT_DISTANCE_CELLS) return undefined;
  if (x.length === 0) return y.length;
  if (y.length === 0) return x.length;
  let prev = new Int32Array(y.length + 1);
  let row = new Int32Array(y.length + 1);
  for (let j = 0; j <= y.length; j++) prev[j] = j;
  for (let i = 1; i <= x.length; i++) {
    row[0] = i;
    const xi = x[i - 1];
    for (let j = 1; j <= y.length; j++) {
      const sub = prev[j - 1]! + (xi === y[j - 1] ? 0 : 1);
      row[j] = Math.min(sub, prev[j]! + 1, row[j - 1]! + 1);
    }
    [prev, row] = [row, prev];
  }
  return prev[y.length]!;
}

/**
 * Occurrences of `sub` in `text`, left to right and not overlapping; undefined for an empty `sub`, or when two
 * occurrences overlap (counted overlapping, the number would differ: which one a language means is then not known).
 */
export function countOccurrences(text: string, sub: string): number | undefined {
  if (sub === '') return undefined;
  let n = 0;
  let end = 0;
  for (let at = text.indexOf(sub); at >= 0; at = text.indexOf(sub, at + 1)) {
    if (at < end) return undefined;
    n++;
    end = at + sub.length;
  }
  return n;
}

/**
 * The arguments of a Windows command line (TRANSFORM_FACTS.argv): CommandLineToArgvW's rules, with a doubled double
 * quote inside a quoted part read as before 2008 (one literal quote, and the part closes), as Go's
 * `commandLineToArgv` and the Elastic Windows integration's port of it read them.
 */
export function commandLineToArgv(cmd: string): string[] {
  const args: string[] = [];
  let i = 0;
  const n = cmd.length;
  while (i < n) {
    const c0 = cmd.charCodeAt(i);
    if (c0 === 0x20 || c0 === 0x09) {
      i++;
      continue;
    }
    let b = '';
    let inQuote = false;
    let slashes = 0;
    for (; i < n; i++) {
      const c = cmd.charCodeAt(i);
      if ((c === 0x20 || c === 0x09) && !inQuote) break;
      if (c === 0x22) {
        b += '\\'.repeat(slashes >> 1);
        if (slashes % 2 === 0) {
          if (inQuote && i + 1 < n && cmd.charCodeAt(i + 1) === 0x22) {
            b += '"';
            i++;
          }
          inQuote = !inQuote;
        } else {
          b += '"';
        }
        slashes = 0;
        continue;
      }
      if (c === 0x5c) {
        slashes++;
        continue;
      }
      b += '\\'.repeat(slashes) + cmd[i];
      slashes = 0;
    }
    args.push(b + '\\'.repeat(slashes));
    // the separator that ended the argument
    if (i < n) i++;
  }
  return args;
}
