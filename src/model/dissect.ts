/**
 * Dissect patterns (Elasticsearch's DISSECT: ES|QL's command, the ingest processor): `%{key}` fields between literal
 * delimiters, matched left to right without regular expressions. The model's `dissect` step (`derive.ts`) runs this.
 *
 * As Elasticsearch's parser reads a text: the text before the first `%{` must start the string, and the string must be
 * longer than it; each key's value runs to the first occurrence of its delimiter after the value's start; the last
 * key without a delimiter after it takes the rest, and text after the pattern's last delimiter is not read. A delimiter
 * found again right after itself gives the keys that follow an empty value each (`a,,b` for `%{x},%{y},%{z}` is x=a,
 * y="", z=b), unless the key has the `->` modifier (right padding: repeats of its delimiter are passed over). Every key
 * must get a value, or the pattern does not match (null). A name used twice keeps its last value.
 */

/** One `%{…}` of a pattern and the delimiter after it ("" for the last key with nothing after it). */
export interface DissectField {
  /** The key's name (an append key's without its `/n` order); undefined for a key not kept (`%{}`, `%{?name}`). */
  readonly name: string | undefined;
  /** `%{+key}` appends its value to the key's (with the command's separator); `%{*key}` / `%{&key}` name a key by a value. */
  readonly modifier?: 'append' | 'reference';
  /** `->`: repeats of the delimiter after the key are passed over. */
  readonly rightPad: boolean;
  readonly delimiter: string;
  /** The key as written between `%{` and `}`. */
  readonly text: string;
}

export interface DissectPattern {
  readonly leading: string;
  readonly fields: readonly DissectField[];
}

/** A pattern's parts, or what makes it no pattern (Elasticsearch rejects one without a key it keeps). */
export function parseDissect(pattern: string): { ok: true; pattern: DissectPattern } | { ok: false; what: string } {
  const first = pattern.indexOf('%{');
  if (first < 0) return { ok: false, what: 'a pattern without keys' };
  const fields: DissectField[] = [];
  let i = first;
  while (i < pattern.length) {
    const close = pattern.indexOf('}', i + 2);
    if (close < 0) return { ok: false, what: 'an unterminated %{' };
    const text = pattern.slice(i + 2, close);
    let spec = text;
    const next = pattern.indexOf('%{', close + 1);
    const delimiter = pattern.slice(close + 1, next < 0 ? pattern.length : next);
    const rightPad = spec.endsWith('->');
    if (rightPad) spec = spec.slice(0, -2);
    const modifier = spec.startsWith('+') ? 'append' : spec.startsWith('*') || spec.startsWith('&') ? 'reference' : undefined;
    const name = modifier === 'append' ? spec.slice(1).split('/')[0]! : modifier ? spec.slice(1) : spec;
    fields.push({ name: name === '' || spec.startsWith('?') ? undefined : name, ...(modifier ? { modifier } : {}), rightPad, delimiter, text });
    if (next < 0) break;
    i = next;
  }
  if (!fields.some((f) => f.name !== undefined)) return { ok: false, what: 'a pattern that keeps no key' };
  return { ok: true, pattern: { leading: pattern.slice(0, first), fields } };
}

/**
 * The columns a pattern writes, in order: its keys' names (an append key's once); a reference pair writes a column
 * named by a value of the event, not one known here.
 */
export function dissectKeys(p: DissectPattern): string[] {
  const out: string[] = [];
  for (const f of p.fields) if (f.name !== undefined && f.modifier !== 'reference' && !out.includes(f.name)) out.push(f.name);
  return out;
}

/** What the model's `dissect` step does not run of a pattern, or undefined. */
export function dissectUnsupported(p: DissectPattern): string | undefined {
  // Elasticsearch finds the leading text with a regex whose `.` stops at a line break: one there is not leading text
  if (/[\r\n\u0085\u2028\u2029]/.test(p.leading)) return 'a line break before the first key';
  const f = p.fields.find((x) => x.modifier);
  if (f) return `the modifier of %{${f.text}}, ${f.modifier === 'append' ? 'which appends to another key' : "a key named by another key's value"}`;
  return undefined;
}

/** The keys' values (a name used twice: the last), or null when the string does not match the pattern. */
export function dissect(p: DissectPattern, input: string): Map<string, string> | null {
  const { leading, fields } = p;
  if (!(input.length > leading.length && input.startsWith(leading))) return null;
  const out = new Map<string, string>();
  let matched = 0;
  const add = (f: DissectField, value: string): void => {
    matched++;
    if (f.name !== undefined) out.set(f.name, value);
  };
  let at = 0;
  let field = fields[0]!;
  let i = leading.length;
  let valueStart = i;
  const n = input.length;
  while (i < n) {
    const d = field.delimiter;
    if (d.length === 0 || !input.startsWith(d, i)) {
      i++;
      continue;
    }
    add(field, input.slice(valueStart, i));
    i += d.length;
    let last = false;
    // the same delimiter again right away: the next keys get "" (or, with `->`, it is passed over)
    while (i < n && input.startsWith(d, i)) {
      i += d.length;
      if (field.rightPad) continue;
      if (at + 1 >= fields.length) {
        last = true;
        break;
      }
      field = fields[++at]!;
      add(field, '');
    }
    if (last || at + 1 >= fields.length) break;
    field = fields[++at]!;
    valueStart = i;
  }
  if (matched < fields.length && field.delimiter.length === 0) add(field, input.slice(valueStart));
  return matched === fields.length ? out : null;
}

/** Parsed patterns, by text (a rule's pattern is read for every event it is evaluated on). */
const parsed = new Map<string, DissectPattern | undefined>();
const PARSED_MAX = 1000;

/** A pattern's parts, parsed once; undefined for one the model does not run (`dissectUnsupported`). */
export function dissectPatternOf(pattern: string): DissectPattern | undefined {
  if (parsed.has(pattern)) return parsed.get(pattern);
  const r = parseDissect(pattern);
  const p = r.ok && !dissectUnsupported(r.pattern) ? r.pattern : undefined;
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(pattern, p);
  return p;
}
