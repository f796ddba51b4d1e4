/**
 * The structure of a YARA-L file from its tokens: rules, their sections (meta, events, match, outcome, condition,
 * options) with offsets, and the `meta:` key = value pairs.
 */
import { stringValue, type Token } from './tokens.ts';

export const SECTION_NAMES = ['meta', 'events', 'match', 'outcome', 'condition', 'options'] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

export interface Section {
  readonly name: SectionName;
  /** Tokens of the section body (after the `:`). */
  readonly tokens: readonly Token[];
  /** Offsets of the section from its header to its last token. */
  readonly start: number;
  readonly end: number;
}

export interface YaralRule {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly sections: readonly Section[];
  /** meta: key = value, in order (a key may repeat). */
  readonly meta: readonly { readonly key: string; readonly value: string | number | boolean; readonly start: number }[];
}

export interface StructureResult {
  readonly rules: readonly YaralRule[];
  /** Offset where the structure could not be followed (unbalanced braces, missing rule name). */
  readonly errorAt?: { readonly offset: number; readonly message: string };
}

export function readStructure(tokens: readonly Token[], textLength: number): StructureResult {
  const rules: YaralRule[] = [];
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (!(t.kind === 'ident' && t.text === 'rule')) {
      i++;
      continue;
    }
    const nameTok = tokens[i + 1];
    const brace = tokens[i + 2];
    if (!nameTok || nameTok.kind !== 'ident' || !brace || brace.text !== '{') {
      return { rules, errorAt: { offset: t.start, message: 'expected `rule <name> {`' } };
    }
    // find the matching close brace
    let depth = 0;
    let j = i + 2;
    for (; j < tokens.length; j++) {
      const x = tokens[j]!.text;
      if (x === '{') depth++;
      else if (x === '}') {
        depth--;
        if (depth === 0) break;
      }
    }
    if (j >= tokens.length) return { rules, errorAt: { offset: brace.start, message: `rule ${nameTok.text}: unbalanced braces` } };
    const body = tokens.slice(i + 3, j);
    const sections = splitSections(body);
    rules.push({ name: nameTok.text, start: t.start, end: tokens[j]!.end, sections, meta: readMeta(sections.find((s) => s.name === 'meta')) });
    i = j + 1;
  }
  void textLength;
  return { rules };
}

function splitSections(body: readonly Token[]): Section[] {
  const heads: { name: SectionName; at: number }[] = [];
  let depth = 0;
  for (let k = 0; k < body.length; k++) {
    const t = body[k]!;
    if (t.text === '{' || t.text === '(' || t.text === '[') depth++;
    else if (t.text === '}' || t.text === ')' || t.text === ']') depth--;
    else if (depth === 0 && t.kind === 'ident' && (SECTION_NAMES as readonly string[]).includes(t.text) && body[k + 1]?.text === ':') {
      heads.push({ name: t.text as SectionName, at: k });
    }
  }
  return heads.map((h, idx) => {
    const endIdx = idx + 1 < heads.length ? heads[idx + 1]!.at : body.length;
    const toks = body.slice(h.at + 2, endIdx);
    const last = toks[toks.length - 1] ?? body[h.at + 1]!;
    return { name: h.name, tokens: toks, start: body[h.at]!.start, end: last.end };
  });
}

function readMeta(s: Section | undefined): YaralRule['meta'] {
  if (!s) return [];
  const out: { key: string; value: string | number | boolean; start: number }[] = [];
  const t = s.tokens;
  for (let k = 0; k + 2 < t.length; k++) {
    if (t[k]!.kind !== 'ident' || t[k + 1]!.text !== '=') continue;
    const v = t[k + 2]!;
    let value: string | number | boolean | undefined;
    if (v.kind === 'string') value = stringValue(v);
    else if (v.kind === 'number' && Number.isFinite(Number(v.text))) value = Number(v.text);
    else if (v.kind === 'ident' && (v.text === 'true' || v.text === 'false')) value = v.text === 'true';
    if (value === undefined) continue;
    out.push({ key: t[k]!.text, value, start: t[k]!.start });
    k += 2;
  }
  return out;
}
