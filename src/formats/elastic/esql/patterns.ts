/**
 * ES|QL pattern languages: LIKE wildcards and RLIKE Lucene regular expressions converted to the model's glob and
 * RE2 syntax, and the field names GROK patterns extract (DISSECT's: `src/model/dissect.ts`).
 */
import { compileRegex } from '../../../model/regex.ts';
import { toModelGlob } from '../queryText.ts';
import { GROK_PATTERNS, LUCENE_ONLY_REGEX_CHARS } from './esqlFacts.ts';

/** LIKE: `*` any run, `?` one character, `\` escapes the next character. Whole-value, case-sensitive. */
export function likeToGlob(pattern: string): string {
  const chunks: (string | { wildcard: '*' | '?' })[] = [];
  let lit = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) lit += pattern[++i]!;
    else if (c === '*' || c === '?') {
      if (lit) chunks.push(lit);
      lit = '';
      chunks.push({ wildcard: c });
    } else lit += c;
  }
  if (lit) chunks.push(lit);
  return toModelGlob(chunks);
}

/**
 * The options of a `regex` predicate a Lucene regular expression becomes (ES|QL RLIKE, EQL `regex`, Lucene `/re/`,
 * Kibana's `regexp` filter): it matches the whole value, and its `.` matches any character, a line break too (Lucene
 * has no notion of lines; RE2's `.` needs the `s` flag for that).
 */
export const LUCENE_REGEX = { anchor: 'full', flags: 's' } as const;

/**
 * RLIKE (Lucene regular expression, matched against the whole value) to an RE2 pattern for a regex predicate with
 * `LUCENE_REGEX`'s options. `"..."` quotes a literal; `^` and `$` are ordinary characters in Lucene. Returns the unsupported
 * construct instead when one is used.
 */
export function rlikeToRegex(pattern: string): { ok: true; regex: string } | { ok: false; what: string } {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined) return { ok: false, what: 'a trailing backslash' };
      out += /[A-Za-z0-9]/.test(n) ? '\\' + n : escapeRe(n);
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c === '[' ? '\\[' : c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (pattern[i + 1] === '^') out += pattern[++i];
      continue;
    }
    if (c === '"') {
      const end = pattern.indexOf('"', i + 1);
      if (end < 0) return { ok: false, what: 'an unterminated "..." literal' };
      out += escapeRe(pattern.slice(i + 1, end));
      i = end;
      continue;
    }
    if (LUCENE_ONLY_REGEX_CHARS.includes(c)) return { ok: false, what: `the Lucene operator ${c}` };
    if (c === '^' || c === '$') {
      out += '\\' + c;
      continue;
    }
    out += c;
  }
  if (inClass) return { ok: false, what: 'an unterminated character class' };
  return { ok: true, regex: out };
}

function escapeRe(s: string): string {
  let out = '';
  for (const ch of s) out += '\\^$.|?*+()[]{}/'.includes(ch) ? '\\' + ch : ch;
  return out;
}

/** Field names a GROK pattern writes: `%{SYNTAX:name}` / `%{SYNTAX:name:type}` and `(?<name>...)` groups. */
export function grokKeys(pattern: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < pattern.length; i++) {
    if (pattern.startsWith('%{', i)) {
      const end = pattern.indexOf('}', i + 2);
      if (end < 0) break;
      const parts = pattern.slice(i + 2, end).split(':');
      if (parts[1] && !out.includes(parts[1])) out.push(parts[1]);
      i = end;
    } else if (pattern.startsWith('(?<', i) && pattern[i + 3] !== '=' && pattern[i + 3] !== '!') {
      const end = pattern.indexOf('>', i + 3);
      if (end < 0) break;
      const name = pattern.slice(i + 3, end);
      if (name && !out.includes(name)) out.push(name);
      i = end;
    }
  }
  return out;
}

/** A GROK pattern as one RE2 regular expression: each named capture's group number, in the order they appear. */
export type GrokRegex = { readonly ok: true; readonly regex: string; readonly captures: readonly { readonly name: string; readonly group: number }[] } | { readonly ok: false; readonly what: string };

/** Escapes whose meaning RE2 and Oniguruma share whatever the text (punctuation escapes aside). */
const SHARED_ESCAPES = 'Aztnrf';

/**
 * A GROK pattern (Oniguruma syntax, with `%{SYNTAX}`, `%{SYNTAX:name}` references to `GROK_PATTERNS`) as one RE2
 * regular expression for the model's `extract` step with the `m` flag: Oniguruma's Ruby syntax makes `^` and `$`
 * line anchors. A named group `(?<name>…)` (or a named reference) becomes a numbered group; any other group does not
 * capture (Oniguruma leaves plain groups uncaptured once a pattern has named ones). Not expressed, with what: a
 * reference to a pattern not in `GROK_PATTERNS`, a `:type` conversion, a name used twice (a multi-valued column),
 * `\w`, `\d`, `\s`, `\b` and the other escapes whose range outside ASCII depends on Oniguruma's options, nested
 * or intersected character classes, and anything RE2 does not compile (look-around, atomic groups, back-references).
 */
export function grokToRegex(pattern: string): GrokRegex {
  const captures: { name: string; group: number }[] = [];
  let groups = 0;
  const expand = (p: string, depth: number): string | { what: string } => {
    let out = '';
    let inClass = false;
    for (let i = 0; i < p.length; i++) {
      const c = p[i]!;
      if (c === '\\') {
        const n = p[i + 1];
        if (n === undefined) return { what: 'a trailing backslash' };
        if (/[A-Za-z]/.test(n) && !SHARED_ESCAPES.includes(n)) return { what: `the escape \\${n} (its meaning outside ASCII depends on Oniguruma's options, or RE2 has no such escape)` };
        if (/[0-9]/.test(n)) return { what: `the escape \\${n} (a back-reference or an octal code)` };
        out += c + n;
        i++;
        continue;
      }
      if (inClass) {
        if (c === '[' || (c === '&' && p[i + 1] === '&')) return { what: 'a nested or intersected character class' };
        if (c === ']') inClass = false;
        out += c;
        continue;
      }
      if (c === '[') {
        inClass = true;
        out += c;
        if (p[i + 1] === '^') out += p[++i];
        // a `]` first in the class is a character of it
        if (p[i + 1] === ']') out += '\\' + p[++i];
        continue;
      }
      if (c === '%' && p[i + 1] === '{') {
        const end = p.indexOf('}', i + 2);
        if (end < 0) return { what: 'an unterminated %{' };
        const [syntax = '', name, type, ...rest] = p.slice(i + 2, end).split(':');
        if (type !== undefined || rest.length) return { what: `the conversion in %{${p.slice(i + 2, end)}}` };
        const def = GROK_PATTERNS[syntax];
        if (def === undefined) return { what: `the grok pattern ${syntax}, which the model does not spell out` };
        if (depth > 8) return { what: 'references nested too deep' };
        const inner = expand(def, depth + 1);
        if (typeof inner !== 'string') return inner;
        if (name) {
          if (captures.some((x) => x.name === name)) return { what: `the name ${name} used twice (a multi-valued column)` };
          captures.push({ name, group: ++groups });
          out += `(${inner})`;
        } else out += `(?:${inner})`;
        i = end;
        continue;
      }
      if (c === '(') {
        if (p.startsWith('(?<', i) && p[i + 3] !== '=' && p[i + 3] !== '!') {
          const end = p.indexOf('>', i + 3);
          if (end < 0) return { what: 'an unterminated group name' };
          const name = p.slice(i + 3, end);
          if (captures.some((x) => x.name === name)) return { what: `the name ${name} used twice (a multi-valued column)` };
          captures.push({ name, group: ++groups });
          out += '(';
          i = end;
          continue;
        }
        out += p[i + 1] === '?' ? '(' : '(?:';
        continue;
      }
      out += c;
    }
    if (inClass) return { what: 'an unterminated character class' };
    return out;
  };
  const regex = expand(pattern, 0);
  if (typeof regex !== 'string') return { ok: false, what: regex.what };
  const compiled = compileRegex(regex, 'm');
  if (!compiled.ok) return { ok: false, what: `a construct RE2 does not run (${compiled.error})` };
  return { ok: true, regex, captures };
}
