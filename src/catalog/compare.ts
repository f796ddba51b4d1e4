/**
 * Two rules side by side (`/compare?a=&b=`, `detwiki compare a b`): metadata, ATT&CK, log sources, the fields
 * their logic uses, and their conditions predicate by predicate. Predicates are taken in their positive form with
 * whether the rule requires or excludes them (as the search's "why it matched" does), grouped by field (names
 * compare case-insensitively, as indicators do across formats) and by role; each group says whether both rules
 * test the same operators and values, differ, or only one tests the field, and which values are shared or only in
 * one. Parts the parsers could not express (opaque) are listed per side: they cannot be compared.
 */
import { leaves, type Expr, type Predicate } from '../model/expr.ts';
import { predicateModifiers, renderExprPretty, renderPredicate } from '../model/render.ts';
import type { RuleRecord } from '../model/rule.ts';
import { valueKey, valueText } from './keys.ts';
import { polarPredicates } from './snippets.ts';

/** One rule as the comparison shows it. */
export interface CompareSide {
  readonly id: string;
  readonly title: string;
  readonly format: string;
  readonly kind: string;
  readonly completeness: string;
  readonly parser?: string;
  /** The condition in the model's notation (pretty-printed), when one was extracted. */
  readonly condition?: string;
  /** The rule's logic as its language writes it: each body file (the rule's part of it). */
  readonly native: readonly { readonly path: string; readonly language: string; readonly text: string }[];
  /** Parts of the logic no parser could express. */
  readonly opaque: readonly { readonly text: string; readonly reason: string }[];
}

/** A metadata row: both values as text and whether they agree. */
export interface MetaRow {
  readonly label: string;
  readonly a: string;
  readonly b: string;
  readonly same: boolean;
}

/** Items of both, only of A, only of B. */
export interface SetDiff<T> {
  readonly both: readonly T[];
  readonly onlyA: readonly T[];
  readonly onlyB: readonly T[];
}

export type PredicateStatus = 'same' | 'differs' | 'only-a' | 'only-b';

/** One field (and role) of the conditions: what each rule tests on it. */
export interface PredicateRow {
  readonly field: string;
  /** The rule requires the predicate to match, or excludes what it matches. */
  readonly role: 'requires' | 'excludes';
  /** `same`: the same operators, options and values (values case-insensitively); `differs`: both test the field otherwise. */
  readonly status: PredicateStatus;
  /** The predicates of each side, rendered (`Image ends_with "\\reg.exe"`). */
  readonly a: readonly string[];
  readonly b: readonly string[];
  /** Values (case-insensitive) both sides test, and the ones only one side does. */
  readonly values: SetDiff<string>;
}

export interface Comparison {
  readonly a: CompareSide;
  readonly b: CompareSide;
  readonly metadata: readonly MetaRow[];
  readonly attack: SetDiff<{ readonly id: string; readonly name: string }>;
  readonly logSources: SetDiff<string>;
  readonly fields: SetDiff<string>;
  readonly predicates: readonly PredicateRow[];
}

/** Longest native text kept per body file. */
const NATIVE_MAX = 20_000;

function side(r: RuleRecord): CompareSide {
  const L = r.logic;
  const opaque: { text: string; reason: string }[] = [];
  if (L.condition) for (const l of leaves(L.condition)) if (l.kind === 'opaque') opaque.push({ text: l.text, reason: l.reason });
  return {
    id: r.id,
    title: r.title,
    format: r.format,
    kind: r.kind,
    completeness: L.completeness,
    ...(L.parser ? { parser: L.parser } : {}),
    ...(L.condition ? { condition: renderExprPretty(L.condition) } : {}),
    native: r.body.map((b) => {
      const t = b.range ? b.text.slice(b.range.start, b.range.end) : b.text;
      return { path: b.path, language: b.language, text: t.length > NATIVE_MAX ? `${t.slice(0, NATIVE_MAX)}\n…` : t };
    }),
    opaque,
  };
}

/** Set difference keyed case-insensitively; the label shown is A's spelling when both have it. */
export function setDiff<T>(a: readonly T[], b: readonly T[], key: (t: T) => string): SetDiff<T> {
  const kb = new Map(b.map((x) => [key(x), x]));
  const ka = new Map(a.map((x) => [key(x), x]));
  return {
    both: [...ka].filter(([k]) => kb.has(k)).map(([, x]) => x),
    onlyA: [...ka].filter(([k]) => !kb.has(k)).map(([, x]) => x),
    onlyB: [...kb].filter(([k]) => !ka.has(k)).map(([, x]) => x),
  };
}

/** The predicates a rule's logic tests: its condition, else its stages' filters. */
function logicExprs(r: RuleRecord): Expr[] {
  if (r.logic.condition) return [r.logic.condition];
  return r.logic.stages.flatMap((s) => (s.expr ? [s.expr] : []));
}

interface Group {
  field: string;
  role: 'requires' | 'excludes';
  preds: Predicate[];
}

function groups(r: RuleRecord): Map<string, Group> {
  const out = new Map<string, Group>();
  for (const e of logicExprs(r)) {
    for (const { p, negated } of polarPredicates(e)) {
      const role = negated ? 'excludes' : 'requires';
      const k = `${role}\0${p.field.toLowerCase()}`;
      let g = out.get(k);
      if (!g) out.set(k, (g = { field: p.field, role, preds: [] }));
      if (!g.preds.some((q) => renderPredicate(q) === renderPredicate(p))) g.preds.push(p);
    }
  }
  return out;
}

/** What a predicate tests, per value: operator with the options that change its meaning (`eq[ci]`), and the value. */
const testKeys = (ps: readonly Predicate[]) =>
  new Set(
    ps.flatMap((p) => {
      const op = `${p.op}[${predicateModifiers(p).join(',')}]`;
      return p.values.length ? p.values.map((v) => `${op}:${valueKey(v)}`) : [op];
    }),
  );
const values = (ps: readonly Predicate[]) => ps.flatMap((p) => p.values.map(valueText));

function predicateRows(a: RuleRecord, b: RuleRecord): PredicateRow[] {
  const ga = groups(a);
  const gb = groups(b);
  const rows: PredicateRow[] = [];
  for (const k of new Set([...ga.keys(), ...gb.keys()])) {
    const x = ga.get(k);
    const y = gb.get(k);
    const g = (x ?? y)!;
    let status: PredicateStatus;
    if (x && y) {
      const kx = testKeys(x.preds);
      const ky = testKeys(y.preds);
      status = kx.size === ky.size && [...kx].every((t) => ky.has(t)) ? 'same' : 'differs';
    } else status = x ? 'only-a' : 'only-b';
    rows.push({
      field: g.field,
      role: g.role,
      status,
      a: (x?.preds ?? []).map(renderPredicate),
      b: (y?.preds ?? []).map(renderPredicate),
      values: setDiff(values(x?.preds ?? []), values(y?.preds ?? []), (v) => v.toLowerCase()),
    });
  }
  const order: Record<PredicateStatus, number> = { same: 0, differs: 1, 'only-a': 2, 'only-b': 3 };
  return rows.sort((p, q) => order[p.status] - order[q.status] || (p.role === q.role ? 0 : p.role === 'requires' ? -1 : 1));
}

function fieldsOfRule(r: RuleRecord): string[] {
  const s = new Set<string>();
  for (const e of logicExprs(r)) for (const { p } of polarPredicates(e)) s.add(p.field);
  return [...s];
}

export function compareRules(a: RuleRecord, b: RuleRecord): Comparison {
  const meta = (label: string, f: (r: RuleRecord) => string | undefined | null): MetaRow => {
    const x = f(a) ?? '';
    const y = f(b) ?? '';
    return { label, a: x, b: y, same: x.toLowerCase() === y.toLowerCase() };
  };
  const techniques = (r: RuleRecord) => r.attack.filter((m) => m.techniqueId).map((m) => ({ id: m.techniqueId!, name: m.techniqueName ?? '' }));
  return {
    a: side(a),
    b: side(b),
    metadata: [
      meta('Title', (r) => r.title),
      meta('Format', (r) => r.format),
      meta('Kind', (r) => r.kind),
      meta('Severity', (r) => r.severity ?? r.severityNative),
      meta('Status', (r) => r.status),
      meta('Author', (r) => r.author),
      meta('Created', (r) => r.created),
      meta('Modified', (r) => r.modified),
      meta('Logic', (r) => r.logic.completeness),
      meta('Source', (r) => `${r.source.repository} ${r.source.path}`),
      meta('Aggregation', (r) => (r.logic.aggregation ? [r.logic.aggregation.function, r.logic.aggregation.groupBy.join(', '), r.logic.aggregation.window].filter(Boolean).join(' · ') : '')),
    ],
    attack: setDiff(techniques(a), techniques(b), (t) => t.id),
    logSources: setDiff(
      a.logSources.map((l) => `${l.name} (${l.kind})`),
      b.logSources.map((l) => `${l.name} (${l.kind})`),
      (s) => s.toLowerCase(),
    ),
    fields: setDiff(fieldsOfRule(a), fieldsOfRule(b), (f) => f.toLowerCase()),
    predicates: predicateRows(a, b),
  };
}
