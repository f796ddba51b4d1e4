/**
 * "Why it matched": for one search result, where the query's words are in the rule (its title, description, a field
 * its logic uses, a value its logic tests or excludes, its metadata, or its verbatim body), each with a short
 * snippet whose matching text is marked. Words match as the full-text index tokenizes (runs of letters and digits,
 * case-insensitive; a trailing `*` is a prefix; a quoted phrase is its words in a row), so a location is named only
 * where the index could have matched it. The snippet is data (text pieces, marked or not); the page escapes each
 * piece and wraps the marked ones in `<mark>`.
 */
import { negatePredicate } from '../model/analyze.ts';
import { OPERATOR_FACTS } from '../model/operators.ts';
import { type Expr, type Predicate, type Value } from '../model/expr.ts';
import { renderPredicate } from '../model/render.ts';
import type { RuleRecord } from '../model/rule.ts';
import type { ParsedQuery } from './searchQuery.ts';
import { valueText } from './keys.ts';

/** Where in the rule a word matched. */
export type MatchWhere = 'title' | 'description' | 'value' | 'excluded' | 'field' | 'meta' | 'body';

/** Labels of the locations, as the page shows them. */
export const MATCH_LABELS: Readonly<Record<MatchWhere, string>> = {
  title: 'title',
  description: 'description',
  value: 'value its logic tests',
  excluded: 'value its logic excludes',
  field: 'field its logic uses',
  meta: 'metadata',
  body: 'rule body',
};

/** A piece of snippet text; `mark` when it is matching text. */
export interface SnippetPart {
  readonly text: string;
  readonly mark?: true;
}

/** One location where the query matched, with its snippet. */
export interface MatchLocation {
  readonly where: MatchWhere;
  readonly label: string;
  readonly snippet: readonly SnippetPart[];
}

/** How many characters of context a snippet keeps around the first match. */
const CONTEXT = 50;
/** Longest snippet text kept. */
const SNIPPET_MAX = 160;
/** Longest text searched in one location (a body beyond this is not searched for a snippet). */
const SEARCH_MAX = 400_000;

const WORD = /[\p{L}\p{N}]+/gu;

/** A query word as the index sees it: its tokens in a row, the last one maybe a prefix. */
interface Term {
  readonly re: RegExp;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Terms of a free-text word or phrase (`reg*`, `"stop logging"`, `\reg.exe`); undefined when it has no token. */
export function termOf(text: string): Term | undefined {
  const prefix = text.endsWith('*');
  const tokens = (prefix ? text.slice(0, -1) : text).match(WORD);
  if (!tokens?.length) return undefined;
  const body = tokens.map(escapeRe).join('[^\\p{L}\\p{N}]+');
  // a prefix marks the whole word it starts
  return { re: new RegExp(`(?<![\\p{L}\\p{N}])${body}${prefix ? '[\\p{L}\\p{N}]*' : '(?![\\p{L}\\p{N}])'}`, 'giu') };
}

/** Ranges of every match of any term in the text, sorted, overlaps merged. */
function ranges(text: string, terms: readonly Term[], seen?: Set<Term>): [number, number][] {
  const s = text.length > SEARCH_MAX ? text.slice(0, SEARCH_MAX) : text;
  const out: [number, number][] = [];
  for (const t of terms) {
    t.re.lastIndex = 0;
    for (let m = t.re.exec(s); m; m = t.re.exec(s)) {
      seen?.add(t);
      out.push([m.index, m.index + m[0].length]);
      if (out.length > 200) break;
    }
  }
  out.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: [number, number][] = [];
  for (const r of out) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** The snippet of a text around its first match (one line of it), or undefined when nothing matches. */
export function snippet(text: string, terms: readonly Term[], whole = false, seen?: Set<Term>): SnippetPart[] | undefined {
  const rs = ranges(text, terms, seen);
  if (!rs.length) return undefined;
  let from = 0;
  let to = text.length;
  if (!whole) {
    const [s0] = rs[0]!;
    const lineStart = text.lastIndexOf('\n', s0 - 1) + 1;
    const nl = text.indexOf('\n', s0);
    const lineEnd = nl < 0 ? text.length : nl;
    from = Math.max(lineStart, s0 - CONTEXT);
    to = Math.min(lineEnd, from + SNIPPET_MAX);
    if (to <= s0) to = Math.min(text.length, s0 + SNIPPET_MAX);
  }
  const parts: SnippetPart[] = [];
  const push = (t: string, mark?: true) => {
    if (t) parts.push(mark ? { text: t, mark } : { text: t });
  };
  if (from > 0) push('…');
  let i = from;
  for (const [a, b] of rs) {
    if (b <= from) continue;
    if (a >= to) break;
    const s = Math.max(a, from);
    const e = Math.min(b, to);
    push(text.slice(i, s).replace(/\s+/g, ' '));
    push(text.slice(s, e), true);
    i = e;
  }
  push(text.slice(i, to).replace(/\s+/g, ' '));
  if (to < text.length) push('…');
  return parts;
}

/** Predicates of an expression in their positive form, with whether the rule requires or excludes each. */
export function* polarPredicates(e: Expr, negated = false): Generator<{ p: Predicate; negated: boolean }> {
  switch (e.kind) {
    case 'pred': {
      // in the positive form: `not (eventName ne "X")` tests eventName eq "X"; a bare `x ne "v"` excludes x eq "v"
      const dual = OPERATOR_FACTS[e.op].negative ? negatePredicate(e) : undefined;
      yield dual ? { p: dual, negated: !negated } : { p: e, negated };
      return;
    }
    case 'not':
      yield* polarPredicates(e.arg, !negated);
      return;
    case 'and':
    case 'or':
      for (const a of e.args) yield* polarPredicates(a, negated);
      return;
    case 'quant':
      for (const it of e.items) yield* polarPredicates(it.expr, negated);
      return;
    case 'each':
      // element-relative fields inside an array quantifier, named by their absolute path
      for (const x of polarPredicates(e.expr, negated)) yield { ...x, p: { ...x.p, field: `${e.array}[]${x.p.field.startsWith('.') ? '' : '.'}${x.p.field}` } };
      return;
    case 'opaque':
    case 'const':
      return;
  }
}

function valueSnippet(p: Predicate, v: Value, terms: readonly Term[], seen: Set<Term>): SnippetPart[] | undefined {
  const text = valueText(v);
  const inValue = snippet(text, terms, text.length <= SNIPPET_MAX, seen);
  if (!inValue) return undefined;
  const head = renderPredicate({ ...p, values: [] }).replace(/\s*\(\)\s*$|\s*\[\]\s*$/, '');
  return [{ text: `${head} ` }, ...(typeof v === 'string' ? [{ text: '"' }, ...inValue, { text: '"' }] : inValue)];
}

/**
 * What the explanation reads of a rule record: everything but the body (large; read only when a word is found
 * nowhere else, through `bodyText`) and the tests.
 */
export type MatchableRule = Omit<RuleRecord, 'body' | 'tests'> & { readonly body?: RuleRecord['body'] };

/**
 * Where the query matched in this rule, most telling first (values and fields of the logic, then title,
 * description, metadata, body), at most one snippet per location.
 */
export function explainMatch(rule: MatchableRule, q: ParsedQuery, bodyText: () => string = () => rule.body?.map((b) => b.text).join('\n') ?? ''): MatchLocation[] {
  const words = q.terms.map(termOf).filter((t): t is Term => !!t);
  const valueTerms = [...words, ...q.values.map(termOf).filter((t): t is Term => !!t)];
  const out: MatchLocation[] = [];
  /** Free-text words found in some location: a word found nowhere else sends the search to the body. */
  const seen = new Set<Term>();
  const add = (where: MatchWhere, s: readonly SnippetPart[] | undefined) => {
    if (s && !out.some((o) => o.where === where)) out.push({ where, label: MATCH_LABELS[where], snippet: s });
  };
  const L = rule.logic;
  if (valueTerms.length) {
    const exprs: Expr[] = [...(L.condition ? [L.condition] : []), ...L.stages.flatMap((s) => (s.expr ? [s.expr] : []))];
    for (const e of exprs) {
      for (const { p, negated } of polarPredicates(e)) {
        const where: MatchWhere = negated ? 'excluded' : 'value';
        for (const v of p.values) {
          const s = valueSnippet(p, v, valueTerms, seen);
          if (s) {
            add(where, s);
            break;
          }
        }
      }
    }
    // values the analysis found outside the condition's predicates (exclusions of a stage)
    for (const ex of L.exclusions) for (const { p } of polarPredicates(ex.expr)) for (const v of p.values) add('excluded', valueSnippet(p, v, valueTerms, seen));
  }
  const fieldTerms = [...words, ...q.fields.map(termOf).filter((t): t is Term => !!t)];
  if (fieldTerms.length) {
    const fields = new Set<string>();
    if (L.condition) for (const { p } of polarPredicates(L.condition)) fields.add(p.field);
    for (const s of L.stages) if (s.expr) for (const { p } of polarPredicates(s.expr)) fields.add(p.field);
    for (const o of L.outputFields) fields.add(o.name);
    for (const f of fields) add('field', snippet(f, fieldTerms, true, seen));
  }
  if (!words.length) return out;
  add('title', snippet(rule.title, words, true, seen));
  add('description', snippet([rule.description ?? '', rule.runbook ?? '', ...rule.falsePositives].join('\n'), words, false, seen));
  const meta = [rule.id, rule.nativeId ?? '', rule.author ?? '', ...rule.tags, ...rule.logSources.map((l) => l.name), ...rule.attack.map((m) => `${m.techniqueId ?? m.declared.text} ${m.techniqueName ?? ''}`), ...rule.references].filter(Boolean).join('\n');
  add('meta', snippet(meta, words, false, seen));
  const missing = words.filter((w) => !seen.has(w));
  if (missing.length) add('body', snippet(bodyText(), missing));
  return out;
}
