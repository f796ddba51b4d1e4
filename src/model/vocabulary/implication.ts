/**
 * Implication between two conditions over canonical fields: is every event that A matches also matched by B?
 * Decided soundly for the fragment of eq / in / contains / starts_with / ends_with / is_null / is_not_null and
 * and / or / not (with each predicate's case rule); anything else implies only itself, and opaque parts are
 * unknown: an opaque conjunct of A can only narrow A (so A ⟹ B may still be proved), an opaque part of B is implied
 * only by the same opaque text in A. The answer is "proved" or "not proved", never a guess: a pair the procedure
 * cannot decide is not reported.
 *
 * Method: both conditions in negation normal form, then in disjunctive normal form (bounded; larger conditions are
 * not decided); A ⟹ B when every disjunct of A implies some disjunct of B, and a conjunction implies another when
 * each literal of the second is implied by some literal of the first.
 */
import type { Expr, Predicate, Value } from '../expr.ts';

/** Disjuncts and literals per disjunct beyond which a condition is not decided. */
export const DNF_LIMITS = { disjuncts: 64, literals: 48 } as const;

type Literal = { readonly kind: 'pred'; readonly p: Predicate; readonly neg: boolean } | { readonly kind: 'opaque'; readonly text: string; readonly neg: boolean };
type Conj = readonly Literal[];
type Dnf = readonly Conj[];

export type Relation = 'equivalent' | 'stricter' | 'broader';

/** How A relates to B: equivalent (each implies the other), stricter (A ⟹ B), broader (B ⟹ A), or undefined. */
export function relate(a: Expr, b: Expr): Relation | undefined {
  return relator(a)(b);
}

/**
 * `relate` with A fixed: A's normal form and the expansion of its disjuncts are made once, for comparing one rule
 * with many (a rule page's candidates of other formats).
 */
export function relator(a: Expr): (b: Expr) => Relation | undefined {
  const da = dnf(a);
  if (!da) return () => undefined;
  const expanded = da.map(expandAlternatives);
  return (b) => {
    const db = dnf(b);
    if (!db) return undefined;
    const ab = expandedImplies(expanded, db);
    const ba = implies(db, da);
    if (ab && ba) return 'equivalent';
    if (ab) return 'stricter';
    if (ba) return 'broader';
    return undefined;
  };
}

/** Whether A ⟹ B is proved. */
export function provesImplication(a: Expr, b: Expr): boolean {
  const da = dnf(a);
  const db = dnf(b);
  return !!da && !!db && implies(da, db);
}

function implies(a: Dnf, b: Dnf): boolean {
  // a disjunct of A is expanded only when some disjunct of B tests no field it does not test (`mayImply`): its
  // expansions test the same fields, so otherwise none of them implies B (most pairs of a rule page's candidates)
  return a.every((xs) => b.some((cb) => mayImply(xs, cb)) && expandAlternatives(xs).every((x) => b.some((cb) => conjImplies(x, cb))));
}

/** Whether every literal of B has a literal of A it could be implied by: one on the same field, or the same opaque text. */
function mayImply(a: Conj, b: Conj): boolean {
  const ia = indexOf(a);
  return b.every((lb) => (lb.kind === 'opaque' ? ia.opaque.has(opaqueKey(lb)) : ia.byField.has(lb.p.field.toLowerCase())));
}

/** A ⟹ B, A's disjuncts given expanded (`expandAlternatives`); an A of no disjunct is unsatisfiable (false) and implies anything. */
function expandedImplies(a: readonly (readonly Conj[])[], b: Dnf): boolean {
  return a.every((xs) => xs.every((x) => b.some((cb) => conjImplies(x, cb))));
}

const expansions = new WeakMap<Conj, readonly Conj[]>();
/**
 * A conjunction with a positive any-of literal (`x in [a, b]`) is the disjunction of its alternatives: each must
 * imply B (so `x in [a, b]` implies `x eq a or x eq b`). Expanded only while small; otherwise kept whole. Made once
 * per conjunction (a normal form kept by `dnf` is compared with many others).
 */
function expandAlternatives(c: Conj): readonly Conj[] {
  let out = expansions.get(c);
  if (!out) expansions.set(c, (out = expand(c)));
  return out;
}

function expand(c: Conj): Conj[] {
  let out: Conj[] = [c];
  for (let i = 0; i < c.length; i++) {
    const l = c[i]!;
    if (l.kind !== 'pred' || l.neg || l.p.values.length < 2 || l.p.opts?.match === 'all') continue;
    if (out.length * l.p.values.length > DNF_LIMITS.disjuncts) return [c];
    out = out.flatMap((x) => l.p.values.map((v) => x.map((y, j) => (j === i ? { ...l, p: { ...l.p, op: l.p.op === 'in' ? ('eq' as const) : l.p.op, values: [v] } } : y))));
  }
  return out;
}

/**
 * A conjunction implies another when each literal of the second is implied by a literal of the first. Only literals
 * on the same canonical field can imply one another (an opaque one only the same text): A's literals are looked up
 * by field (`indexOf`), not compared all with all.
 */
function conjImplies(a: Conj, b: Conj): boolean {
  const ia = indexOf(a);
  return b.every((lb) => {
    if (lb.kind === 'opaque') return ia.opaque.has(opaqueKey(lb));
    const same = ia.byField.get(lb.p.field.toLowerCase());
    return same !== undefined && same.some((la) => literalImplies(la, lb));
  });
}

/** A conjunction's predicate literals by lower-case field, and its opaque literals (`opaqueKey`). */
interface ConjIndex {
  readonly byField: ReadonlyMap<string, readonly Literal[]>;
  readonly opaque: ReadonlySet<string>;
}
const conjIndexes = new WeakMap<Conj, ConjIndex>();
function indexOf(c: Conj): ConjIndex {
  let ix = conjIndexes.get(c);
  if (ix) return ix;
  const byField = new Map<string, Literal[]>();
  const opaque = new Set<string>();
  for (const l of c) {
    if (l.kind === 'opaque') opaque.add(opaqueKey(l));
    else {
      const f = l.p.field.toLowerCase();
      const list = byField.get(f);
      if (list) list.push(l);
      else byField.set(f, [l]);
    }
  }
  conjIndexes.set(c, (ix = { byField, opaque }));
  return ix;
}

const opaqueKey = (l: Extract<Literal, { kind: 'opaque' }>): string => `${l.neg ? '!' : ''}${l.text}`;

/**
 * Normal forms by condition object (`null`: too large to decide): a condition kept by its caller (a rule page's
 * cache of parsed candidates, `crossvendor.ts`) is put in normal form once, and its conjunctions keep their indexes.
 */
const dnfs = new WeakMap<Expr, Dnf | null>();

function dnf(e: Expr): Dnf | undefined {
  const known = dnfs.get(e);
  if (known !== undefined) return known ?? undefined;
  let d: Dnf | null;
  try {
    d = toDnf(e, false, 0);
  } catch (err) {
    if (err !== TOO_BIG) throw err;
    d = null;
  }
  dnfs.set(e, d);
  return d ?? undefined;
}

const TOO_BIG = new Error('condition too large to decide');

function toDnf(e: Expr, neg: boolean, depth: number): Dnf {
  if (depth > 100) throw TOO_BIG;
  switch (e.kind) {
    case 'const':
      return e.value !== neg ? [[]] : [];
    case 'opaque':
      return [[{ kind: 'opaque', text: e.text, neg }]];
    case 'pred': {
      // an all-values predicate is the conjunction of its values
      if (e.values.length > 1 && e.opts?.match === 'all' && !neg) return [e.values.map((v) => ({ kind: 'pred' as const, p: { ...e, values: [v], opts: { ...e.opts, match: 'any' as const } }, neg: false }))];
      return [[{ kind: 'pred', p: e, neg }]];
    }
    case 'not':
      return toDnf(e.arg, !neg, depth + 1);
    case 'and':
    case 'or': {
      const conj = (e.kind === 'and') !== neg;
      const parts = e.args.map((x) => toDnf(x, neg, depth + 1));
      return conj ? product(parts) : union(parts);
    }
    case 'quant': {
      const items = e.items.map((i) => i.expr);
      const asOr = e.count === 1;
      const asAnd = e.count === 'all' || e.count === items.length;
      if (!asOr && !asAnd) return [[{ kind: 'opaque', text: `${e.count} of ${e.selector}`, neg }]];
      const parts = items.map((x) => toDnf(x, neg, depth + 1));
      return asAnd !== neg ? product(parts) : union(parts);
    }
    default:
      return [[{ kind: 'opaque', text: JSON.stringify(e), neg }]];
  }
}

function union(parts: readonly Dnf[]): Dnf {
  const out = parts.flat();
  if (out.length > DNF_LIMITS.disjuncts) throw TOO_BIG;
  return out;
}

function product(parts: readonly Dnf[]): Dnf {
  let acc: Conj[] = [[]];
  for (const p of parts) {
    const next: Conj[] = [];
    for (const a of acc) for (const c of p) next.push([...a, ...c]);
    if (next.length > DNF_LIMITS.disjuncts || next.some((c) => c.length > DNF_LIMITS.literals)) throw TOO_BIG;
    acc = next;
  }
  return acc;
}

/** Whether literal a implies literal b. */
function literalImplies(a: Literal, b: Literal): boolean {
  if (a.kind === 'opaque' || b.kind === 'opaque') return a.kind === 'opaque' && b.kind === 'opaque' && a.neg === b.neg && a.text === b.text;
  if (a.neg !== b.neg) return false;
  // ¬A ⟹ ¬B iff B ⟹ A
  return a.neg ? predImplies(b.p, a.p) : predImplies(a.p, b.p);
}

/** Options besides case and list matching that change a predicate's meaning: only identical ones compare. */
function plainOpts(p: Predicate): string {
  const { cs: _cs, match: _m, ...rest } = p.opts ?? {};
  return JSON.stringify(rest);
}

const STRING_OPS = new Set(['eq', 'in', 'contains', 'starts_with', 'ends_with']);

/** Whether every event matching predicate a also matches predicate b (same canonical field). */
export function predImplies(a: Predicate, b: Predicate): boolean {
  if (a.field.toLowerCase() !== b.field.toLowerCase()) return false;
  if (a.derived || b.derived) return JSON.stringify(a) === JSON.stringify(b) || (JSON.stringify(a.derived) === JSON.stringify(b.derived) && predImplies({ ...a, derived: undefined }, { ...b, derived: undefined }));
  if (b.op === 'is_not_null') return a.op !== 'is_null' && a.op !== 'ne' && (a.values.length > 0 || a.op === 'is_not_null');
  if (a.op === 'is_null' || b.op === 'is_null') return a.op === b.op;
  const primitive = (p: Predicate) => p.values.every((v) => v === null || typeof v !== 'object');
  if (!STRING_OPS.has(a.op) || !STRING_OPS.has(b.op) || plainOpts(a) !== '{}' || plainOpts(b) !== '{}' || !primitive(a) || !primitive(b)) {
    return a.op === b.op && plainOpts(a) === plainOpts(b) && (a.opts?.cs ?? false) === (b.opts?.cs ?? false) && sameValues(a.values, b.values) && (a.opts?.match ?? 'any') === (b.opts?.match ?? 'any');
  }
  // a case-insensitive test matches more than a case-sensitive one with the same value
  const aCs = a.opts?.cs ?? false;
  const bCs = b.opts?.cs ?? false;
  if (bCs && !aCs) return false;
  const norm = (v: Value) => (typeof v === 'string' ? (bCs ? v : v.toLowerCase()) : String(v));
  // every alternative of a must satisfy some alternative of b
  return a.values.every((va) => b.values.some((vb) => singleImplies(a.op, norm(va), b.op, norm(vb))));
}

function singleImplies(opA: string, va: string, opB: string, vb: string): boolean {
  const a = opA === 'in' ? 'eq' : opA;
  const b = opB === 'in' ? 'eq' : opB;
  switch (a) {
    case 'eq':
      return b === 'eq' ? va === vb : b === 'contains' ? va.includes(vb) : b === 'starts_with' ? va.startsWith(vb) : b === 'ends_with' ? va.endsWith(vb) : false;
    case 'contains':
      return b === 'contains' && va.includes(vb);
    case 'starts_with':
      return (b === 'starts_with' && va.startsWith(vb)) || (b === 'contains' && va.includes(vb));
    case 'ends_with':
      return (b === 'ends_with' && va.endsWith(vb)) || (b === 'contains' && va.includes(vb));
    default:
      return false;
  }
}

function sameValues(a: readonly Value[], b: readonly Value[]): boolean {
  return a.length === b.length && a.every((v, i) => JSON.stringify(v) === JSON.stringify(b[i]));
}
