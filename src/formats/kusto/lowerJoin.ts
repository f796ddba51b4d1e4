/**
 * KQL joins as multi-event logic: `join` (each kind), `lookup` and `x in (subquery)` / `x !in (subquery)` become
 * the sides of the model's multi-event aggregation (`Aggregation.sides`): the pipeline's own rows are the `left`
 * side, each joined query (or membership subquery) a further side with its own filters, its keys paired with the
 * left's, and its presence from `JOIN_KIND_FACTS` (anti = no matching row, semi/inner = a matching row, outer =
 * either way). Filters after the join go to the side whose columns they read (the left's for leftsemi/leftanti, the
 * right's for rightsemi/rightanti, the owner of each column for the others: see `joinedColumns` and joinColumns.ts
 * for how a column's side is known); a filter comparing columns of two sides is a constraint between them
 * (joinConstraints.ts); a filter on an outer join's optional side that is false on an unmatched row makes that side
 * required; any other filter on an optional side, on columns of several sides or on columns whose side is unknown
 * stays in `missing`. A join key of another side of already joined rows than the first key's is an equality
 * constraint; a key whose side is not known fails the join. Keys made by extend pair on their transform chains
 * (`keysDerived`). A join that cannot be stated this
 * way (after an aggregation, a key no transform chain says, a joined query that is itself aggregated with a
 * threshold…) is listed in `missing` with the reason, and the rows end there as before.
 */
import { and, named, opaque, or, TRUE, type Derived, type Expr } from '../../model/expr.ts';
import { evaluate } from '../../model/evaluate.ts';
import { asDerived } from './derived.ts';
import type { Aggregation, CorrelationSide, MissingPart, SideConstraint, SidePresence, SideTerm, StageDetail } from '../../model/rule.ts';
import { renderSpan } from '../../model/multiEvent.ts';
import { columnRefs, queryNames } from './joinColumns.ts';
import { compareConstraint, linOf, mergeTime, timeConstraints, type JoinNames, type Lin } from './joinConstraints.ts';
import type { Span } from '../../model/span.ts';
import { DEFAULT_JOIN_KIND, DEFAULT_LOOKUP_KIND, JOIN_KIND_FACTS, LOOKUP_KINDS, SET_AGGREGATES, SET_AGGREGATES_128, TIME_COLUMNS } from './kqlFacts.ts';
import { operand, spanOf, type ExprCtx } from './lowerExpr.ts';
import { ctxFor, endRows, newState, runPipeline, stage, type Env, type State } from './lowerQuery.ts';
import { child, listItems, nameOf, nodes, textOf, type KNode, type ParsedKql } from './parser.ts';
import type { Operand, Scope } from './scope.ts';

/** One side while lowering. */
interface SideState {
  readonly name: string;
  readonly cond: Expr[];
  /** Mutable: an outer join's optional side becomes required when a filter after the join drops its unmatched rows. */
  presence: SidePresence;
  readonly keys: string[];
  readonly partner?: number;
  readonly partnerKeys?: string[];
  /** Chains of derived keys, aligned with `keys` / `partnerKeys` (null: the field itself); absent: none. */
  readonly keysDerived?: (Derived | null)[];
  readonly partnerKeysDerived?: (Derived | null)[];
  readonly keysCi?: boolean;
  readonly sources: readonly string[];
  readonly text?: string;
  readonly span?: Span;
  /** Column names the side is known to carry (undefined: not known). */
  readonly cols?: ReadonlySet<string>;
  /** Constraints between this side's events and an earlier side's (filters after the join). */
  readonly constraints: SideConstraint[];
}

/** The joined rows' sides, as the pipeline goes. */
export interface MultiState {
  readonly sides: SideState[];
  /** Column name → side it comes from, where known. */
  readonly owner: Map<string, number>;
  /** Names that may be of several sides (a right column the left may also have): their side is not known. */
  readonly ambiguous: Set<string>;
  /** Columns made after the join as a difference of two sides' columns (`extend d = t2 - t1`). */
  readonly diffs: Map<string, Lin>;
  /**
   * The joined rows are a join of tables with the right's tables among the left's, neither side dropping or renaming
   * a table column: every right column that is a table column is also the left's (so renamed with a suffix), and a
   * name no side made is the left's.
   */
  mirror?: { readonly left: number; readonly right: number };
  /** Names a side made (extend, project-rename) that its rows did not have before (see joinColumns.ts). */
  readonly made: Set<string>;
  /** Suffixed names that, when the query reads them, are a right column whose name the left also has. */
  readonly suffixed: Map<string, { readonly base: string; readonly left: number; readonly cause: string }>;
  /** Sides whose columns the current rows carry. */
  rowsFrom: number[];
  readonly fns: string[];
  readonly texts: string[];
  span?: Span;
}

/** Names the pipeline's rows carry, when known. */
function knownColumns(s: State): Set<string> | undefined {
  return s.explicit ? new Set([...s.outputs.keys(), ...s.columns.keys()]) : undefined;
}

/** Names the pipeline's rows are known to carry, the list being complete or not (see joinColumns.ts). */
function carried(s: State): Set<string> {
  return knownColumns(s) ?? new Set([...s.seen, ...s.columns.keys(), ...s.outputs.keys()]);
}

/** The field a column name means in a pipeline, when it is a plain (not case-folded) field. */
function keyField(columns: ReadonlyMap<string, Operand>, name: string): string | undefined {
  const k = keyOf(columns, name);
  return k && !k.fold ? k.field : undefined;
}

/** The field a column name means and whether it is case-folded (tolower / toupper), when it is a field. */
function keyOf(columns: ReadonlyMap<string, Operand>, name: string): { field: string; fold: boolean } | undefined {
  const o = columns.get(name);
  if (!o) return { field: name, fold: false };
  return o.kind === 'field' ? { field: o.field, fold: o.fold !== undefined } : undefined;
}

/**
 * A join key column computed from a field (`extend k = tolower(split(x, "@")[0])`): its field and chain, when the
 * chain is one value per row (not the elements of an mv-expanded array).
 */
function derivedKeyOf(columns: ReadonlyMap<string, Operand>, name: string): { field: string; derived: Derived } | undefined {
  const o = columns.get(name);
  const d = o ? asDerived(o) : undefined;
  if (!d || d.derived.steps.length === 0 || d.missingAs !== undefined || d.derived.steps.some((x) => x.fn === 'elements')) return undefined;
  return { field: d.field, derived: d.derived };
}

/** Chains of keys, or undefined when every key is its field. */
const chains = (ds: readonly (Derived | null)[]): (Derived | null)[] | undefined => (ds.some((d) => d) ? [...ds] : undefined);

/** Start the multi-event state with the pipeline's own rows as the left side. */
function ensureMulti(s: State, presence: SidePresence, keys: readonly string[], keysDerived?: readonly (Derived | null)[]): MultiState {
  if (s.multi) return s.multi;
  const cols = knownColumns(s);
  const kd = keysDerived ? chains(keysDerived) : undefined;
  const m: MultiState = { sides: [{ name: 'left', cond: s.cond, presence, keys: [...keys], ...(kd ? { keysDerived: kd } : {}), sources: [...s.sourceTables], ...(cols ? { cols } : {}), constraints: [] }], owner: new Map(), ambiguous: new Set(), diffs: new Map(), made: new Set(s.made), suffixed: new Map(), rowsFrom: [0], fns: [], texts: [] };
  for (const c of carried(s)) m.owner.set(c, 0);
  s.multi = m;
  return m;
}

/** The join keys of an `on` clause: `on a, b` or `on $left.a == $right.b` (either order). */
function parseKeys(env: Env, on: KNode | undefined): { left: string[]; right: string[] } | { reason: string } {
  if (!on) return { reason: 'join without keys' };
  if (on.kind !== 'JoinOnClause') return { reason: 'join where clause (a condition between the sides, not equal keys)' };
  const left: string[] = [];
  const right: string[] = [];
  for (const k of listItems(child(on, 'List'))) {
    if (k.kind === 'NameReference') {
      const n = nameOf(k) ?? textOf(env.q, k);
      left.push(n);
      right.push(n);
      continue;
    }
    if (k.kind === 'EqualExpression') {
      const [a, b] = nodes(k);
      const side = (x: KNode | undefined) => {
        if (x?.kind !== 'PathExpression') return undefined;
        const [root, col] = nodes(x);
        const r = nameOf(root);
        return r === '$left' || r === '$right' ? { side: r, col: nameOf(col) ?? '' } : undefined;
      };
      const sa = side(a);
      const sb = side(b);
      if (sa && sb && sa.side !== sb.side) {
        const l = sa.side === '$left' ? sa : sb;
        const r = sa.side === '$left' ? sb : sa;
        left.push(l.col);
        right.push(r.col);
        continue;
      }
    }
    return { reason: `join key ${textOf(env.q, k)} is not a column or $left.a == $right.b` };
  }
  return left.length ? { left, right } : { reason: 'join without keys' };
}

/**
 * The key pairs left when those that are the same constant on both sides (`extend k = 1 … on k`: every row pairs
 * with every row) are dropped.
 */
function withoutConstantKeys(keys: { left: string[]; right: string[] }, lcols: ReadonlyMap<string, Operand>, rcols: ReadonlyMap<string, Operand>): { left: string[]; right: string[] } {
  const constant = (cols: ReadonlyMap<string, Operand>, k: string) => {
    const o = cols.get(k);
    return o?.kind === 'value' && o.value !== null && typeof o.value !== 'object' ? o.value : undefined;
  };
  const same = keys.left.map((k, i) => {
    const a = constant(lcols, k);
    return a !== undefined && a === constant(rcols, keys.right[i]!);
  });
  if (!same.some(Boolean)) return keys;
  return { left: keys.left.filter((_, i) => !same[i]), right: keys.right.filter((_, i) => !same[i]) };
}

/** Why a joined query's rows cannot be one side (undefined when they can): aggregated with a threshold, reshaped… */
function sideBlocker(rs: State, keys: readonly string[], presence: SidePresence): string | undefined {
  if (rs.phase === 'ended') return `the joined query's rows end at ${rs.endedBy ?? 'an operator that reshapes them'}`;
  if (rs.phase === 'aggregated') {
    if (rs.aggregation?.threshold || rs.extraThresholds.length) return 'the joined query keeps only groups passing a threshold';
    if (!keys.every((k) => rs.groupKeys.has(k))) return 'the joined query is aggregated by other columns than the join keys';
  }
  if (rs.multi && presence !== 'required') return 'the joined query is itself a join, on a side that must not match or is optional';
  return undefined;
}

/** Append a joined query's sides (one, or its own left and joined sides when it is itself a join). */
function addSide(env: Env, m: MultiState, rs: State, name: string, presence: SidePresence, keys: readonly string[], partner: number, partnerKeys: readonly string[], node: KNode | undefined, ci: boolean, derived?: { keys: readonly (Derived | null)[]; partnerKeys: readonly (Derived | null)[] }): number {
  const r = m.sides.length;
  const cols = knownColumns(rs);
  const kd = derived ? chains(derived.keys) : undefined;
  const pkd = derived ? chains(derived.partnerKeys) : undefined;
  const base = { name, presence, keys: [...keys], partner, partnerKeys: [...partnerKeys], ...(kd ? { keysDerived: kd } : {}), ...(pkd ? { partnerKeysDerived: pkd } : {}), ...(ci ? { keysCi: true } : {}), sources: [...rs.sourceTables], ...(node ? { text: textOf(env.q, node), span: spanOf(env, node) } : {}), ...(cols ? { cols } : {}), constraints: [] };
  if (!rs.multi) {
    m.sides.push({ ...base, cond: rs.cond });
    return r;
  }
  // a join inside the joined query: its left is this side, its other sides follow with their partners moved
  const inner = rs.multi;
  m.sides.push({ ...base, cond: inner.sides[0]!.cond, sources: inner.sides[0]!.sources });
  const moved = (t: SideTerm): SideTerm => ({ ...t, side: t.side + r });
  const move = (c: SideConstraint): SideConstraint => (c.kind === 'time' ? { ...c, from: moved(c.from), to: moved(c.to) } : { ...c, a: moved(c.a), b: moved(c.b) });
  m.sides[r]!.constraints.push(...inner.sides[0]!.constraints.map(move));
  inner.sides.slice(1).forEach((sd) => m.sides.push({ ...sd, name: `${name}.${sd.name}`, ...(sd.partner !== undefined ? { partner: sd.partner + r } : {}), cond: sd.cond, constraints: sd.constraints.map(move) }));
  return r;
}

/** `join` / `lookup`: add the right side, or list the join in `missing` when it cannot be a side. */
export function applyJoin(env: Env, s: State, op: KNode, scope: Scope, depth: number, label: string, fromDetail: StageDetail): void {
  const params: Record<string, string> = {};
  const plist = op.children.find((x) => x.kind === 'List');
  for (const p of listItems(plist)) {
    if (p.kind !== 'NamedParameter') continue;
    const [nm, v] = nodes(p);
    params[nameOf(nm) ?? ''] = v ? textOf(env.q, v) : '';
  }
  const isLookup = op.kind === 'LookupOperator';
  const right = nodes(op).find((x) => x !== plist && x.kind !== 'JoinOnClause' && x.kind !== 'JoinWhereClause' && x.kind !== 'List');
  const on = child(op, 'JoinOnClause') ?? child(op, 'JoinWhereClause');
  const keyTexts = on ? listItems(child(on, 'List')).map((k) => textOf(env.q, k)) : [];
  const rs = newState();
  if (right) runPipeline(env, rs, right, scope, depth + 1, undefined);
  const rcondAll = rs.multi ? rs.multi.sides[0]!.cond : rs.cond;
  const rcond = rcondAll.length ? and(...rcondAll) : undefined;
  const kind = (params['kind'] ?? (isLookup ? DEFAULT_LOOKUP_KIND : DEFAULT_JOIN_KIND)).toLowerCase();
  const fact = JOIN_KIND_FACTS[kind];
  s.stages.push(
    stage(env, isLookup ? 'lookup' : 'join', label, op, { kind, on: keyTexts, right: rs.sourceTables, rightText: right ? textOf(env.q, right) : '', ...(fact ? { left: fact.left, rightSide: fact.right } : {}), ...fromDetail }, rcond && rcond.kind !== 'const' ? rcond : undefined),
  );
  const text = textOf(env.q, op);
  const span = spanOf(env, op);
  const fail = (why: string) => {
    addMissing(s, [...rs.missing, ...rs.extraThresholds]);
    s.missing.push({ kind: 'correlation', text: text.slice(0, 400), reason: `${label}: ${why}; rows must also ${fact?.right === 'absent' ? 'have no' : 'have a'} match in ${rs.sourceTables.join(', ') || 'the other side'} on ${keyTexts.join(', ') || 'the join keys'}`, span });
    endRows(s, `${label} kind=${kind} with ${rs.sourceTables.join(', ') || 'a subquery'}`);
  };
  if (!fact || (isLookup && !LOOKUP_KINDS.has(kind))) return fail(`kind=${kind} is not a ${isLookup ? 'lookup' : 'join'} flavor`);
  if (s.phase === 'ended') return fail(`the left side is reshaped before the ${label} (${s.endedBy ?? ''})`);
  if (s.multi && fact.left !== 'required') return fail(`a further ${label} whose left rows are ${fact.left === 'absent' ? 'those without a match' : 'optional'}`);
  const parsed = parseKeys(env, on);
  if ('reason' in parsed) return fail(parsed.reason);
  const keys = withoutConstantKeys(parsed, s.columns, rs.columns);
  if (keys.left.length === 0 && (s.phase !== 'rows' || rs.phase !== 'rows')) return fail('a join on a constant key only, with an aggregated side (an aggregation without groups has one row even over no events)');
  // keys folded on both sides (tolower(a) == tolower(b)) pair case-insensitively
  const lkf = keys.left.map((k) => keyOf(s.columns, k));
  const rkf = keys.right.map((k) => keyOf(rs.columns, k));
  const ci = lkf.length > 0 && lkf.every((k, i) => k?.fold && rkf[i]?.fold);
  const lk = lkf.map((k) => (k && (ci || !k.fold) ? k.field : undefined));
  const rk = rkf.map((k) => (k && (ci || !k.fold) ? k.field : undefined));
  // keys computed from a field (a case fold on one side only, extract, split…) pair on their chains' values
  const lkd: (Derived | null)[] = lk.map(() => null);
  const rkd: (Derived | null)[] = rk.map(() => null);
  const byChain = (names: readonly string[], cols: ReadonlyMap<string, Operand>, out: (string | undefined)[], outD: (Derived | null)[]) =>
    names.forEach((k, i) => {
      if (out[i] !== undefined) return;
      const d = derivedKeyOf(cols, k);
      if (d) {
        out[i] = d.field;
        outD[i] = d.derived;
      }
    });
  byChain(keys.left, s.columns, lk, lkd);
  byChain(keys.right, rs.columns, rk, rkd);
  const computedKey = [...keys.left.filter((_, i) => lk[i] === undefined).map((k) => s.columns.get(k)), ...keys.right.filter((_, i) => rk[i] === undefined).map((k) => rs.columns.get(k))][0];
  if (computedKey) return fail(`a join key is a computed column (${computedKey.text}${computedKey.kind === 'other' ? `: ${computedKey.reason}` : computedKey.kind === 'field' && computedKey.fold ? `: to${computedKey.fold}()` : ''})`);
  const blocker = sideBlocker(rs, keys.right, fact.right);
  if (blocker) return fail(blocker);
  // an aggregated left side (summarize … by keys) pairs on its group keys; its threshold, if any, stays missing
  if (s.phase === 'aggregated' && (s.multi || !keys.left.every((k) => s.groupKeys.has(k)))) return fail(`the left side is aggregated by other columns than the join keys before the ${label}`);

  // each left key's side of the joined rows: the first key's side is the partner; a key of another side is an
  // equality between that side's column and the right's (a constraint)
  const owners = s.multi ? keys.left.map((k) => keySide(s.multi!, k)) : keys.left.map(() => 0);
  const unknownKey = keys.left.find((_, i) => owners[i] === undefined);
  if (unknownKey !== undefined) return fail(`the join key ${unknownKey} is a column whose side of the joined rows is not known`);
  const main = keys.left.map((_, i) => i).filter((i) => owners[i] === owners[0]);
  const pick = <T>(xs: readonly T[]) => main.map((i) => xs[i]!);
  const m = ensureMulti(s, fact.left, pick(lk) as string[], pick(lkd));
  const partner = owners[0] ?? m.rowsFrom[0]!;
  const r = addSide(env, m, rs, m.sides.length === 1 ? 'right' : `right ${m.sides.length}`, fact.right, pick(rk) as string[], partner, pick(lk) as string[], right, ci, { keys: pick(rkd), partnerKeys: pick(lkd) });
  keys.left.forEach((k, i) => {
    if (owners[i] === owners[0]) return;
    const a: SideTerm = { side: owners[i]!, field: lk[i]!, ...(lkd[i] ? { derived: lkd[i]! } : {}) };
    const b: SideTerm = { side: r, field: rk[i]!, ...(rkd[i] ? { derived: rkd[i]! } : {}) };
    m.sides[r]!.constraints.push({ kind: 'compare', a, op: 'eq', b, opts: { cs: !ci }, text: `${k} == ${keys.right[i]}`, span });
  });
  addMissing(s, rs.missing);
  m.fns.push(isLookup ? `lookup kind=${kind}` : `join kind=${kind}`);
  m.texts.push(text);
  m.span = m.span ?? span;

  // the joined rows' columns
  const rcols = knownColumns(rs);
  if (fact.rows === 'right') {
    m.rowsFrom = rs.multi ? rs.multi.rowsFrom.map((i) => r + i) : [r];
    s.columns = new Map(rs.columns);
    s.outputs = new Map(rs.outputs);
    s.explicit = rs.explicit;
    m.owner.clear();
    m.ambiguous.clear();
    m.diffs.clear();
    m.suffixed.clear();
    m.mirror = undefined;
    if (rs.multi) for (const [c, i] of rs.multi.owner) m.owner.set(c, r + i);
    else for (const c of carried(rs)) m.owner.set(c, r);
  } else if (fact.rows === 'both') {
    joinedColumns(env.q, m, s, rs, r, partner, keys, isLookup);
  }
}

/**
 * The columns of joined rows (kinds that keep both sides' columns): the left's keep their names; a right column
 * whose name the rows already have is renamed with the first free numeric suffix (`Timestamp1`, then `Timestamp2`
 * after a further join; a lookup drops the right's copy of a key of the same name). A right column is given its
 * side when that is certain: the rows already have the name (then the suffixed name is the right's), the left's
 * columns are all known and lack it, or the right made the name (extend, project-rename) and it is not one of the
 * time columns tables have. A right column the left may also have stays ambiguous; its suffixed name, should the
 * query name it, can only be the right's copy, and then the unsuffixed name is the left's (`suffixed`). The same
 * holds for a column the left has and a right whose columns are not listed, and for the time columns every table
 * has (`TimeGenerated`, `Timestamp`).
 */
function joinedColumns(q: ParsedKql, m: MultiState, s: State, rs: State, r: number, partner: number, keys: { left: string[]; right: string[] }, isLookup: boolean): void {
  const before = new Set([...s.columns.keys(), ...s.outputs.keys(), ...m.owner.keys(), ...m.ambiguous]);
  const leftKnown = m.rowsFrom.every((i) => m.sides[i]!.cols);
  const keyNames = new Set(keys.left.filter((k, i) => k === keys.right[i]));
  for (const k of keys.left) if (!m.owner.has(k)) m.owner.set(k, partner);
  const rcols = knownColumns(rs);
  const inner = rs.multi;
  // a joined query that is itself a join: its columns' sides, moved to where its sides now are
  const rnames = inner ? new Set([...(rcols ?? []), ...inner.owner.keys(), ...inner.ambiguous]) : new Set([...carried(rs), ...keys.right]);
  const sideOf = (c: string) => r + (inner?.owner.get(c) ?? 0);
  const made = (c: string) => rs.made.has(c) || inner?.made.has(c) === true;
  const l0 = m.rowsFrom.length === 1 ? m.sides[m.rowsFrom[0]!]! : undefined;
  const mirror = !!l0 && !inner && !l0.cols && !rcols && !s.narrowed && !rs.narrowed && rs.sourceTables.length > 0 && rs.sourceTables.every((t) => l0.sources.includes(t));
  const free = (c: string) => {
    for (let k = 1; k < 10; k++) if (!before.has(`${c}${k}`) && !m.owner.has(`${c}${k}`)) return `${c}${k}`;
    return undefined;
  };
  const place = (c: string): { name: string; sure: boolean } | undefined => {
    if (isLookup && keyNames.has(c)) return undefined;
    if (before.has(c) || (mirror && !made(c))) {
      if (inner && !inner.owner.has(c)) return undefined;
      const n = free(c);
      return n ? { name: n, sure: true } : undefined;
    }
    if (inner?.ambiguous.has(c) || (inner && !inner.owner.has(c))) return { name: c, sure: false };
    if (leftKnown || (made(c) && !TIME_COLUMNS.has(c))) return { name: c, sure: true };
    return { name: c, sure: false };
  };
  const copy = (c: string): Operand => rs.columns.get(c) ?? { kind: 'field', field: c, text: c };
  for (const [c, o] of rs.outputs) {
    const p = place(c);
    if (p?.sure) s.outputs.set(p.name, o);
  }
  // the left's side of a name, when one side of the rows has it
  const leftOf = (c: string): number | undefined => m.owner.get(c) ?? (m.rowsFrom.length === 1 ? m.rowsFrom[0] : undefined);
  const guess = (c: string, cause: string) => {
    const n = free(c);
    if (!n || rs.multi) return;
    const l = leftOf(c);
    if (l === undefined) return;
    s.columns.set(n, copy(c));
    m.owner.set(n, r);
    m.suffixed.set(n, { base: c, left: l, cause });
  };
  for (const c of rnames) {
    const p = place(c);
    if (!p) continue;
    if (p.sure) {
      if (rs.columns.has(c) || p.name !== c) s.columns.set(p.name, copy(c));
      if (!m.owner.has(p.name)) m.owner.set(p.name, sideOf(c));
      if (made(c) && p.name === c) m.made.add(c);
      continue;
    }
    // the left may have c too: c is not known to be either side's; its suffixed name, if named, is the right's c
    m.ambiguous.add(c);
    guess(c, 'right');
  }
  if (mirror) {
    // the same tables on both sides: a name the query reads with and without the suffix is the two copies
    const l = m.rowsFrom[0]!;
    const names = queryNames(q);
    for (const n of names) {
      const base = n.slice(0, -1);
      if (!n.endsWith('1') || !names.has(base) || before.has(n) || m.owner.has(n) || made(base) || rs.columns.has(n)) continue;
      s.columns.set(n, copy(base));
      m.owner.set(n, r);
      if (!m.owner.has(base)) m.owner.set(base, l);
    }
    m.mirror = { left: l, right: r };
  }
  if (!rcols && !rs.multi) {
    // the right's columns are not listed: a left column, or a time column, may have a suffixed copy
    for (const c of before) if (!rnames.has(c) && !(isLookup && keyNames.has(c)) && /[^0-9]$/.test(c)) guess(c, 'left');
    for (const c of ['TimeGenerated', 'Timestamp']) if (!rnames.has(c) && !before.has(c)) guess(c, 'time');
  }
  s.explicit = s.explicit && rs.explicit;
  m.rowsFrom = [...m.rowsFrom, ...(inner ? inner.rowsFrom.map((i) => r + i) : [r])];
}

/**
 * A suffixed name the query reads (`Timestamp1`) proves that the left had the unsuffixed name: the unsuffixed name
 * is the left side's.
 */
function proveSuffixed(m: MultiState, names: Iterable<string>): void {
  for (const n of names) {
    const sfx = m.suffixed.get(n);
    if (!sfx) continue;
    if (!m.owner.has(sfx.base) || m.ambiguous.has(sfx.base)) {
      m.owner.set(sfx.base, sfx.left);
      m.ambiguous.delete(sfx.base);
    }
  }
}

/** The side of the joined rows a key column comes from, when known (see `sideOfName`). */
function keySide(m: MultiState, k: string): number | undefined {
  proveSuffixed(m, [k]);
  const o = m.owner.get(k);
  if (o !== undefined) return o;
  if (m.ambiguous.has(k)) return undefined;
  if (m.rowsFrom.length === 1) return m.rowsFrom[0];
  const mirrored = mirrorSide(m);
  if (mirrored !== undefined) return mirrored;
  const unknown = m.rowsFrom.filter((i) => !m.sides[i]!.cols);
  return unknown.length === 1 ? unknown[0] : undefined;
}

/** Add a joined query's missing parts, once each (a let-bound query joined twice states them once). */
function addMissing(s: State, parts: readonly MissingPart[]): void {
  for (const p of parts) {
    if (!s.missing.some((m) => m.text === p.text && m.reason === p.reason && m.span?.start === p.span?.start)) s.missing.push(p);
  }
}

/** Names a conjunct reads (columns and let names), not function names or member names. */
function namesIn(n: KNode, out: Set<string>): Set<string> {
  if (n.kind === 'NameReference') {
    const nm = nameOf(n);
    if (nm) out.add(nm);
    return out;
  }
  if (n.kind === 'FunctionCallExpression') {
    for (const c of nodes(n).slice(1)) namesIn(c, out);
    return out;
  }
  if (n.kind === 'PathExpression') {
    const first = nodes(n)[0];
    if (first) namesIn(first, out);
    return out;
  }
  for (const c of nodes(n)) namesIn(c, out);
  return out;
}

/**
 * The side a filter after a join belongs to, or why it has none: every column it reads must be of one side the
 * rows carry (known from the column lists, or the only side whose columns are not listed).
 */
function sideOfName(s: State, m: MultiState, name: string, scope: Scope): number | 'value' | { reason: string } {
  if (!s.columns.has(name) && !m.owner.has(name) && scope.get(name)) return 'value'; // a let-bound value
  const o = m.owner.get(name);
  if (o !== undefined) return o;
  const mirrored = mirrorSide(m);
  if (mirrored !== undefined && !m.ambiguous.has(name)) return mirrored;
  const unknown = m.rowsFrom.filter((i) => !m.sides[i]!.cols);
  if (unknown.length !== 1 || m.ambiguous.has(name)) return { reason: `filter after the join on ${name}, whose side is not known` };
  return unknown[0]!;
}

/** With the same tables on both sides (`MultiState.mirror`) and nothing joined since, the left side. */
function mirrorSide(m: MultiState): number | undefined {
  const mi = m.mirror;
  return mi && m.rowsFrom.length === 2 && m.rowsFrom[0] === mi.left && m.rowsFrom[1] === mi.right ? mi.left : undefined;
}

/** How a filter after the join reads names (for constraints between sides). */
function joinNames(env: Env, s: State, m: MultiState, scope: Scope): JoinNames {
  return {
    q: env.q,
    scope,
    diffs: m.diffs,
    required: (i) => m.sides[i]?.presence === 'required' && m.rowsFrom.includes(i),
    column: (name) => {
      const side = sideOfName(s, m, name, scope);
      if (side === 'value' || typeof side !== 'number') return side;
      return { side, operand: s.columns.get(name) ?? { kind: 'field', field: name, text: name } };
    },
    valueOf: (n) => operand(ctxFor(env, scope, s.columns), n),
  };
}

/**
 * Before an operator runs on joined rows: the side of each column that extend / project / project-rename makes
 * from columns of one side, and the columns made as a difference of two sides' times (`extend d = t2 - t1`).
 */
export function noteJoinedColumns(env: Env, s: State, m: MultiState, op: KNode, scope: Scope): void {
  if (op.kind !== 'ExtendOperator' && op.kind !== 'ProjectOperator' && op.kind !== 'ProjectRenameOperator') return;
  const r = joinNames(env, s, m, scope);
  proveSuffixed(m, columnRefs(op, scope));
  for (const it of listItems(op.children.filter((x) => x.kind === 'List').pop())) {
    if (it.kind !== 'SimpleNamedExpression') continue;
    const name = nameOf(child(it, 'NameDeclaration')) ?? '';
    const e = nodes(it).filter((x) => x.kind !== 'NameDeclaration')[0];
    if (!e || !name) continue;
    m.diffs.delete(name);
    m.suffixed.delete(name);
    const sides = new Set<number>();
    let known = true;
    for (const n of columnRefs(e, scope)) {
      if (r.diffs.has(n)) known = false;
      const o = sideOfName(s, m, n, scope);
      if (o === 'value') continue;
      if (typeof o !== 'number') known = false;
      else sides.add(o);
    }
    if (known && sides.size === 1) {
      m.owner.set(name, [...sides][0]!);
      m.ambiguous.delete(name);
      continue;
    }
    m.owner.delete(name);
    m.ambiguous.add(name);
    const d = linOf(r, e);
    if (d && d.terms.length === 2 && d.terms[0]!.term.side !== d.terms[1]!.term.side && d.terms[0]!.sign === -d.terms[1]!.sign && !d.plain) m.diffs.set(name, d);
  }
}

export function sideOfFilter(s: State, m: MultiState, cj: KNode, scope: Scope, lowered?: Expr): number | { reason: string } {
  const sides = new Set<number>();
  for (const name of namesIn(cj, new Set())) {
    const o = sideOfName(s, m, name, scope);
    if (o === 'value') continue;
    if (typeof o !== 'number') return o;
    sides.add(o);
  }
  if (sides.size === 0) return m.rowsFrom[0]!;
  if (sides.size > 1) return { reason: 'filter after the join: a condition between columns of several sides' };
  const i = [...sides][0]!;
  if (m.sides[i]!.presence === 'optional' && lowered && m.rowsFrom.includes(i) && dropsUnmatched(lowered)) {
    // the filter is false on the empty columns an outer join gives a row without a match: only matched rows stay
    m.sides[i]!.presence = 'required';
    return i;
  }
  if (m.sides[i]!.presence !== 'required') return { reason: `filter after the join on the ${m.sides[i]!.name} side, whose rows are ${m.sides[i]!.presence === 'optional' ? 'optional (outer join)' : 'absent'}` };
  return i;
}

/**
 * Is a filter on an outer join's optional side false on the row an unmatched row gets (null columns; KQL string
 * columns are empty strings, not null)? Then the filter keeps only matched rows. Unknown counts as no.
 */
function dropsUnmatched(e: Expr): boolean {
  return evaluate(e, {}, { resolve: () => undefined }) === false && evaluate(e, {}, { resolve: () => '' }) === false && evaluate(e, {}, { resolve: () => null }) === false;
}

/** Push a lowered filter to its side, or list it in `missing`. */
export function addJoinedFilter(env: Env, s: State, cj: KNode, lowered: Expr, scope: Scope): void {
  const m = s.multi!;
  proveSuffixed(m, columnRefs(cj, scope));
  const side = sideOfFilter(s, m, cj, scope, lowered);
  if (typeof side === 'number') m.sides[side]!.cond.push(lowered);
  else if (extraKey(s, m, cj, lowered, scope)) return;
  else if (!betweenSides(env, s, m, cj, lowered, scope)) s.missing.push({ kind: 'filter', text: textOf(env.q, cj), reason: side.reason, span: spanOf(env, cj) });
}

/** A filter relating two sides' columns as a constraint on the later side (false when it is not one). */
function betweenSides(env: Env, s: State, m: MultiState, cj: KNode, lowered: Expr, scope: Scope): boolean {
  const r = joinNames(env, s, m, scope);
  const span = spanOf(env, cj);
  // a time relation is null, so false, on an unmatched row: an outer join's optional side it names becomes required
  const times = timeConstraints({ ...r, required: (i) => r.required(i) || (m.sides[i]?.presence === 'optional' && m.rowsFrom.includes(i)) }, cj);
  if (times?.length) {
    for (const t of times) for (const i of [t.from.side, t.to.side]) m.sides[i]!.presence = 'required';
    for (const t of times) mergeTime(m.sides[Math.max(t.from.side, t.to.side)]!.constraints, { ...t, span });
    return true;
  }
  const c = compareConstraint(r, cj, lowered);
  if (!c || c.kind !== 'compare') return false;
  m.sides[Math.max(c.a.side, c.b.side)]!.constraints.push({ ...c, span });
  return true;
}

/**
 * `a == b` after a join between a column of a side and one of its partner: one more pair of keys (exact,
 * case-sensitive equality, as the join's own keys).
 */
function extraKey(s: State, m: MultiState, cj: KNode, lowered: Expr, scope: Scope): boolean {
  if (cj.kind !== 'EqualExpression' || lowered.kind !== 'pred' || lowered.op !== 'eq' || lowered.opts?.cs === false || lowered.values.length !== 1) return false;
  const v = lowered.values[0];
  if (v === null || typeof v !== 'object') return false;
  const [a, b] = nodes(cj);
  if (a?.kind !== 'NameReference' || b?.kind !== 'NameReference') return false;
  const sa = sideOfName(s, m, nameOf(a) ?? '', scope);
  const sb = sideOfName(s, m, nameOf(b) ?? '', scope);
  if (typeof sa !== 'number' || typeof sb !== 'number' || sa === sb) return false;
  const [child_, parent, childField, parentField] = m.sides[sa]!.partner === sb ? [sa, sb, lowered.field, v.field] : m.sides[sb]!.partner === sa ? [sb, sa, v.field, lowered.field] : [];
  if (child_ === undefined || parent === undefined) return false;
  const c = m.sides[child_]!;
  if (m.sides[parent]!.presence !== 'required' || c.presence !== 'required') return false;
  c.keys.push(childField!);
  c.partnerKeys!.push(parentField!);
  c.keysDerived?.push(null);
  c.partnerKeysDerived?.push(null);
  return true;
}

/**
 * The subquery's one column is an array of a field's values (`summarize make_set(x)`, with or without groups, no
 * threshold): `in` flattens arrays, so membership in it is membership in the x values of the rows before the
 * aggregation (the groups' sets together hold every value). Returns that field; a reason when the arrays may not
 * hold every value (a size bound, the deprecated 128-value default); undefined when the column is not such an
 * aggregate.
 */
function valuesOfSet(rs: State, col: string): { field: string; fold: boolean } | string | undefined {
  const o = rs.columns.get(col);
  if (o?.kind !== 'agg' || !(SET_AGGREGATES.has(o.fn) || SET_AGGREGATES_128.has(o.fn))) return undefined;
  if (SET_AGGREGATES_128.has(o.fn) && o.of?.args === 1) return `${o.fn}() keeps at most 128 values (its default size): the set may not hold every value`;
  if ((o.of?.args ?? 0) > 1) return `${o.text} is bounded in size: the set may not hold every value`;
  if (o.of?.operand.kind !== 'field') return `the subquery's column ${col} is a set of computed values`;
  if (rs.phase !== 'aggregated' || rs.multi) return `the subquery's rows are reshaped after ${o.fn}()`;
  if (rs.aggregation?.threshold || rs.extraThresholds.length) return 'the subquery keeps only groups passing a threshold';
  return { field: o.of.operand.field, fold: o.of.operand.fold !== undefined };
}

/**
 * `x in (subquery)` / `x !in (subquery)` as a top-level conjunct of a row filter: a side whose only column pairs
 * with x (present for `in`, absent for `!in`). Returns false when the conjunct is not such a membership (the
 * caller lowers it as a predicate); true when it was added as a side or, with its reason, as an opaque filter.
 */
export function applyMembership(env: Env, s: State, cj: KNode, c: ExprCtx, scope: Scope, depth: number): boolean {
  // the operator's token decides: `in`, `!in` compare case-sensitively, `in~`, `!in~` not
  const tok = cj.children.find((x) => x.token !== undefined && /^!?in~?$/.test(x.token))?.token;
  if (!tok) return false;
  const ci = tok.endsWith('~');
  const [l, list] = nodes(cj);
  const items = listItems(list);
  if (!l || items.length !== 1 || operand(c, items[0]!).kind !== 'table') return false;
  const presence: SidePresence = tok.startsWith('!') ? 'absent' : 'required';
  const rs = newState();
  runPipeline(env, rs, items[0]!, scope, depth + 1, undefined);
  const lo = operand(c, l);
  const out = [...rs.outputs.keys()];
  const col = rs.explicit && out.length === 1 ? out[0]! : undefined;
  const rk0 = col !== undefined ? keyOf(rs.columns, col) : undefined;
  // `make_set(x)` over all the subquery's rows: `in` flattens the array, so the rows' x values are the set
  const set = col !== undefined && rk0 === undefined ? valuesOfSet(rs, col) : undefined;
  const rk = rk0 ?? (typeof set === 'object' ? set : undefined);
  // a column computed from a field (on either side) pairs on its chain's value
  const rkd = col !== undefined && !set && !(rk && (ci || !rk.fold)) ? derivedKeyOf(rs.columns, col) : undefined;
  const rkey = rk && (ci || !rk.fold) ? rk.field : rkd?.field;
  const lkd = lo.kind === 'field' && (ci || !lo.fold) ? undefined : derivedKeyOf(new Map([['', lo]]), '');
  const lkey = lo.kind === 'field' && (ci || !lo.fold) ? lo.field : lkd?.field;
  const why =
    lkey === undefined
      ? `the tested value ${lo.text} is not a column`
      : col === undefined
        ? 'the subquery does not name its one column'
        : rkey === undefined
          ? (typeof set === 'string' ? set : `the subquery's column ${col} is computed`)
          : set
            ? undefined
            : sideBlocker(rs, [col], presence);
  const m0 = s.multi;
  const target = (e: Expr) => {
    if (m0) addJoinedFilter(env, s, cj, e, scope);
    else s.cond.push(e);
  };
  if (why || lkey === undefined) {
    addMissing(s, rs.missing);
    target(opaque(textOf(env.q, cj), `in (subquery): membership in the rows of ${rs.sourceTables.join(', ') || 'a subquery'}, not a side: ${why}`, spanOf(env, cj)));
    return true;
  }
  const lname = nameOf(l) ?? lkey;
  const owner = m0 ? keySide(m0, lname) : 0;
  if (owner === undefined) {
    addMissing(s, rs.missing);
    target(opaque(textOf(env.q, cj), `in (subquery): membership of ${lname}, whose side of the joined rows is not known`, spanOf(env, cj)));
    return true;
  }
  const m = ensureMulti(s, 'required', [lkey], [lkd?.derived ?? null]);
  const partner = owner;
  addSide(env, m, rs, m.sides.length === 1 ? 'subquery' : `subquery ${m.sides.length}`, presence, [rkey!], partner, [lkey], items[0], ci, { keys: [rkd?.derived ?? null], partnerKeys: [lkd?.derived ?? null] });
  addMissing(s, rs.missing);
  m.fns.push(`${tok} (subquery)`);
  m.texts.push(textOf(env.q, cj));
  m.span = m.span ?? spanOf(env, cj);
  return true;
}

/** The condition, the multi-event aggregation and the missing parts of joined rows, at the end of the query. */
export function finishMulti(s: State, m: MultiState): { condition: Expr | undefined; aggregation: Aggregation; missing: MissingPart[] } {
  const sides: CorrelationSide[] = m.sides.map((sd) => ({
    name: sd.name,
    condition: sd.cond.length ? and(...sd.cond) : TRUE,
    presence: sd.presence,
    keys: sd.keys,
    ...(sd.partner !== undefined ? { partner: sd.partner, partnerKeys: sd.partnerKeys ?? [] } : {}),
    ...(sd.keysDerived ? { keysDerived: sd.keysDerived } : {}),
    ...(sd.partnerKeysDerived ? { partnerKeysDerived: sd.partnerKeysDerived } : {}),
    ...(sd.keysCi ? { keysCi: true } : {}),
    ...(sd.sources.length ? { sources: sd.sources } : {}),
    ...(sd.constraints.length ? { constraints: sd.constraints } : {}),
    ...(sd.text ? { text: sd.text } : {}),
    ...(sd.span ? { span: sd.span } : {}),
  }));
  const required = sides.filter((x) => x.presence === 'required');
  const shown = required.length ? required : sides.filter((x) => x.presence === 'optional');
  const condition = or(...shown.map((x) => named(x.name, x.condition)));
  const missing: MissingPart[] = [];
  const agg = s.aggregation;
  if (agg?.threshold) missing.push({ kind: 'aggregation', text: agg.text ?? '', reason: 'aggregation: a threshold over the joined rows', ...(agg.span ? { span: agg.span } : {}) });
  // the span within which paired events lie, when a constraint bounds their times on both ends
  const bounds = sides.flatMap((x) => x.constraints ?? []).flatMap((c) => (c.kind === 'time' && c.minMs !== undefined && c.maxMs !== undefined ? [Math.max(Math.abs(c.minMs), Math.abs(c.maxMs))] : []));
  const window = bounds.length ? renderSpan(Math.max(...bounds)) : undefined;
  const aggregation: Aggregation = { function: m.fns.join(' + '), groupBy: [...sides[0]!.keys], ...(window ? { window } : {}), sides, text: m.texts.join('\n'), ...(m.span ? { span: m.span } : {}) };
  return { condition, aggregation, missing };
}
