/**
 * Bounded regular-expression execution. Rule text is untrusted, so patterns run on RE2 (linear time, no
 * catastrophic backtracking), with the pattern length and the input length capped (LIMITS). A pattern RE2
 * cannot run (lookaround, backreferences) gives `undefined`: the caller evaluates it as unknown. Where
 * `regexFast.ts` shows that V8's RegExp gives RE2's answer (a test) or RE2's match and groups (an exec, a replace)
 * within a bounded backtracking work, that runs instead: RE2 compiled to WebAssembly costs 5 to 30 µs a call.
 */
import { LIMITS } from './diagnostics.ts';
import { Re2Handle, type RegexMatch } from './re2Pool.ts';
import { fastExec, regexPlan, type FastExec } from './regexFast.ts';

export type { RegexMatch } from './re2Pool.ts';

export interface CompiledRegex {
  test(s: string): boolean;
  exec(s: string): RegexMatch | null;
}

export type CompileResult = { ok: true; re: CompiledRegex } | { ok: false; error: string };

/** Compiled patterns, and whether each was known valid without RE2 compiling it (`certain`). */
const cache = new Map<string, { readonly res: CompileResult; readonly certain: boolean }>();
const CACHE_MAX = 5000;

/** RegExp-style flags for re2-wasm: the model's `i`, `m`, `s` (each once), then `extra` (`u` is required). */
function re2Flags(flags: string, extra: string): string {
  return [...new Set(flags.replace(/[^ims]/g, '').split(''))].join('') + extra;
}

/**
 * Compile a pattern with flags among `i`, `m`, `s`. Python / PCRE inline groups `(?i)` are understood by RE2.
 */
export function compileRegex(pattern: string, flags = ''): CompileResult {
  return compiled(pattern, flags, false)!;
}

/**
 * The pattern compiled when its validity is known without RE2 compiling it (a pattern in the subset `regexPlan`
 * reads, or one over the length bound); undefined, and nothing compiled, otherwise.
 */
export function compileIfCertain(pattern: string, flags = ''): CompileResult | undefined {
  return compiled(pattern, flags, true);
}

function compiled(pattern: string, flags: string, onlyCertain: boolean): CompileResult | undefined {
  const key = flags + '\u0000' + pattern;
  const hit = cache.get(key);
  if (hit) return onlyCertain && !hit.certain ? undefined : hit.res;
  let res: CompileResult;
  let certain = true;
  if (pattern.length > LIMITS.maxRegexPattern) {
    res = { ok: false, error: `pattern longer than ${LIMITS.maxRegexPattern} characters` };
  } else {
    const f = re2Flags(flags, 'u');
    // RE2 is the judge of what is valid; the fast test (regexFast.ts) answers as RE2 would, or defers to it
    const plan = regexPlan(pattern, flags);
    certain = plan.certain;
    if (onlyCertain && !certain) return undefined;
    const { fast } = plan;
    // compiled now unless certainly valid (re2Accepts): then RE2 compiles it when first needed, since a rule's
    // lowering only asks whether it is valid (re2Pool.ts: patterns live in re2-wasm copies of bounded memory)
    const re2 = new Re2Handle(pattern, f);
    try {
      if (!certain) re2.compile();
      // the fast exec is planned at the first exec (a rule's lowering compiles patterns it never runs)
      let plan: FastExec | false | undefined;
      const exec = (s: string): RegexMatch | null => {
        if (plan === undefined) plan = fastExec(pattern, flags) ?? false;
        const m = plan ? plan(s, 0) : undefined;
        return m === undefined ? re2.exec(s) : m;
      };
      res = { ok: true, re: { test: fast ? (s: string) => fast(s) ?? re2.test(s) : (s: string) => re2.test(s), exec } };
    } catch (e) {
      res = { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, { res, certain });
  return res;
}

/** RE2 alone, without the fast test (for the test that checks they agree). */
export function re2Only(pattern: string, flags: string): CompiledRegex {
  return new Re2Handle(pattern, re2Flags(flags, 'u')).compile();
}

/**
 * The pattern and flags a `regex` predicate's value runs as: its anchoring (`anchor`: Python's `re.match` and
 * `re.fullmatch`) and its case (`i` unless case-sensitive) applied to the rule's pattern and flags. One place for the
 * reference evaluator, the compiled one and a hit's explanation.
 */
export function predicateRegex(pat: string, anchor: 'start' | 'full' | undefined, flags: string | undefined, cs: boolean): { readonly src: string; readonly flags: string } {
  return { src: anchor === 'start' ? `^(?:${pat})` : anchor === 'full' ? `^(?:${pat})$` : pat, flags: (flags ?? '') + (cs ? '' : 'i') };
}

/** Test a string; undefined when the pattern cannot be run with bounded cost. */
export function regexTest(pattern: string, flags: string, input: string): boolean | undefined {
  const c = compileRegex(pattern, flags);
  if (!c.ok) return undefined;
  if (input.length > LIMITS.maxRegexInput) return undefined;
  return c.re.test(input);
}

/** The first match of a pattern in a string; null when none; undefined when the pattern cannot be run with bounded cost. */
export function regexExec(pattern: string, flags: string, input: string): RegexMatch | null | undefined {
  const c = compileRegex(pattern, flags);
  if (!c.ok) return undefined;
  if (input.length > LIMITS.maxRegexInput) return undefined;
  return c.re.exec(input);
}

const globalCache = new Map<string, { readonly re2: Re2Handle; readonly fast: FastExec | undefined }>();

/**
 * Every non-overlapping match of a pattern, left to right, given to `each` with its offset in the string (after an
 * empty match the search moves on by one character); false when the pattern cannot be run with bounded cost.
 * re2-wasm counts a `u` pattern's offsets in code points (`lastIndex` in, `index` out), which differ from the
 * string's UTF-16 offsets past a character outside the Basic Multilingual Plane (an emoji): the search runs in code
 * points and each match's offset is converted.
 */
function eachMatch(pattern: string, flags: string, input: string, each: (m: RegexMatch, index: number) => void): boolean {
  if (!compileRegex(pattern, flags).ok || input.length > LIMITS.maxRegexInput) return false;
  const f = re2Flags(flags, 'gu');
  const key = f + '\u0000' + pattern;
  let g = globalCache.get(key);
  if (!g) {
    if (globalCache.size >= CACHE_MAX) globalCache.clear();
    g = { re2: new Re2Handle(pattern, f), fast: fastExec(pattern, flags) };
    globalCache.set(key, g);
  }
  // the RegExp path (`fastExec`) decides for the whole input or for none of it: ASCII, within its bound
  const fast = g.fast;
  const first = fast?.(input, 0);
  if (first !== undefined) {
    for (let m = first, from = 0; m !== null; m = fast!(input, from)!) {
      const text = m[0] ?? '';
      each(m, m.index);
      from = m.index + text.length;
      if (text === '') {
        if (from >= input.length) break;
        from++;
      }
    }
    return true;
  }
  const re = g.re2;
  // the UTF-16 offset of each code point (and of the end), when they differ
  const units = SURROGATE.test(input) ? codePointOffsets(input) : undefined;
  const points = units ? units.length - 1 : input.length;
  let from = 0;
  for (;;) {
    const m = re.execFrom(input, from).match;
    if (m === null) break;
    const text = m[0] ?? '';
    each(m, units ? units[m.index]! : m.index);
    from = m.index + (units ? codePointLength(text) : text.length);
    if (text === '') {
      if (from >= points) break;
      from++;
    }
  }
  return true;
}

const SURROGATE = /[\uD800-\uDFFF]/;

function codePointOffsets(s: string): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    out.push(i);
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
  }
  out.push(s.length);
  return Int32Array.from(out);
}

function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    n++;
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
  }
  return n;
}

/**
 * Every non-overlapping match of a pattern, left to right, replaced by `rewrite(match)` (after an empty match the
 * search moves on by one character); undefined when the pattern cannot be run with bounded cost.
 */
export function regexReplaceAll(pattern: string, flags: string, input: string, rewrite: (m: RegexMatch) => string): string | undefined {
  let out = '';
  let pos = 0;
  const ok = eachMatch(pattern, flags, input, (m, index) => {
    out += input.slice(pos, index) + rewrite(m);
    pos = index + (m[0] ?? '').length;
  });
  return ok ? out + input.slice(pos) : undefined;
}

/**
 * How many non-overlapping matches of a pattern a string has, left to right; undefined when the pattern cannot be run
 * with bounded cost, or when a match is empty (engines differ on an empty match next to the previous one: Go's
 * regexp skips it, JavaScript's does not).
 */
export function regexCount(pattern: string, flags: string, input: string): number | undefined {
  let n = 0;
  let empty = false;
  const ok = eachMatch(pattern, flags, input, (m) => {
    n++;
    if (m[0] === '') empty = true;
  });
  return ok && !empty ? n : undefined;
}

/** Escape a literal for use inside a pattern. */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A string test a regular expression states exactly (see `regexAsStringTest`). */
export interface StringTest {
  readonly op: 'eq' | 'contains' | 'starts_with' | 'ends_with';
  readonly value: string;
  /** Case-insensitive: the predicate is, the flags say `i`, or the pattern opens with `(?i)`. */
  readonly ci: boolean;
}

/** Characters a pattern must escape to mean themselves. */
const REGEX_META = new Set(['\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '^', '$']);

/**
 * The string test a `regex` predicate's pattern states exactly, as the model runs it (RE2, searching unless
 * anchored): a literal, optionally after `^` or `.*` and before `$` or `.*` (`.*\\cmd\.exe` is contains `\cmd.exe`,
 * `\\cmd\.exe$` ends with it, `^C:\\Windows\\` starts with `C:\Windows\`). Undefined for anything else: a
 * character class, a repetition or alternation, a multi-line flag (`^` and `$` at every line), `.*` where an anchor
 * makes it read one line only (`^.*x`, a whole-value match of `.*x` without the `s` flag: with it, as Lucene's
 * regexes are read, `.*x.*` over the whole value is contains `x`), and a case-insensitive literal with a
 * character outside ASCII (RE2 folds case by Unicode's tables, the model's string tests by lower-casing). One
 * difference is left: RE2 also folds the Kelvin sign and the long s onto `k` and `s`.
 */
export function regexAsStringTest(pattern: string, anchor: 'start' | 'full' | undefined, flags: string | undefined, cs: boolean): StringTest | undefined {
  if (flags?.includes('m')) return undefined;
  let p = pattern;
  let ci = !cs || !!flags?.includes('i');
  if (p.startsWith('(?i)')) {
    ci = true;
    p = p.slice(4);
  }
  // `.*` next to an anchor reads any run only when `.` matches line breaks (`s`: Lucene's regexes)
  const dotAll = !!flags?.includes('s');
  let start = anchor !== undefined;
  let end = anchor === 'full';
  if (p.startsWith('^')) {
    start = true;
    p = p.slice(1);
  } else if (p.startsWith('.*')) {
    if (start && !dotAll) return undefined;
    start = false;
    p = p.slice(2);
  }
  // a trailing `$` or `.*` that no backslash escapes
  const escapedAt = (i: number): boolean => {
    let n = 0;
    for (let j = i - 1; j >= 0 && p[j] === '\\'; j--) n++;
    return n % 2 === 1;
  };
  if (p.endsWith('$') && !escapedAt(p.length - 1)) {
    end = true;
    p = p.slice(0, -1);
  } else if (p.endsWith('.*') && !escapedAt(p.length - 2)) {
    if (end && !dotAll) return undefined;
    end = false;
    p = p.slice(0, -2);
  }
  let value = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      const n = p[++i];
      if (n === undefined) return undefined;
      if (n === 't') value += '\t';
      else if (n === 'n') value += '\n';
      else if (n === 'r') value += '\r';
      else if (/[A-Za-z0-9]/.test(n)) return undefined;
      else value += n;
    } else if (REGEX_META.has(c)) return undefined;
    else value += c;
  }
  if (!value || (ci && /[^\x00-\x7f]/.test(value))) return undefined;
  return { op: start && end ? 'eq' : start ? 'starts_with' : end ? 'ends_with' : 'contains', value, ci };
}
