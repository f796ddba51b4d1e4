/**
 * Filters after a KQL join that relate columns of two sides, as constraints between the sides' events
 * (`SideConstraint`, src/model/rule.ts):
 * - time relations: an ordering (`TimeDeleted > TimeAdded`), a window on a difference (`(WarnTime - MailLinkTime)
 *   between (0min .. 4min)`, `DeletedTime between (TimeGenerated .. windowEnd)` with `windowEnd = TimeGenerated +
 *   1h`), offsets (`PermsTimestamp - 2m <= ConsentTimestamp`), let-bound timespans, `datetime_add`, `datetime_diff`
 *   (counting the part's boundaries) and `abs(…) <= c`. Each side of the comparison is read as a sum of columns
 *   (each of one side, possibly a column moved by a constant timespan or a difference made by extend after the
 *   join) and constants; the comparison is a constraint when it is one column of a side minus one of another
 *   side, compared with a constant.
 * - comparisons of a column of one side with a column of another (`LoginUserAgent =~ UploadUserAgent`,
 *   `CountryCode != Country`, `FolderPath startswith DriveLetter`): the lowered predicate, its value read from the
 *   other side's event.
 * Anything else is left to the caller, which lists it in `missing`.
 */
import type { Expr } from '../../model/expr.ts';
import type { SideConstraint, SideTerm } from '../../model/rule.ts';
import { DATETIME_PART_MS, TIME_COLUMNS } from './kqlFacts.ts';
import { operatorSpelling } from './lowerExpr.ts';
import { spanMs } from './derived.ts';
import { child, listItems, nameOf, nodes, textOf, type KNode, type ParsedKql } from './parser.ts';
import type { Operand } from './scope.ts';
import { columnRefs } from './joinColumns.ts';
import type { Scope } from './scope.ts';

/** One column in a {@link Lin}: a side's term, added or subtracted; `time` when it is known to be a time. */
export interface LinTerm {
  readonly sign: number;
  readonly term: SideTerm;
  readonly time: boolean;
}

/**
 * A value as a sum of side columns and a constant (`off`, milliseconds; or a plain number with `plain`). With
 * `unitMs` the value is a `datetime_diff` count of that unit (terms in time, `off` in milliseconds).
 */
export interface Lin {
  readonly terms: readonly LinTerm[];
  readonly off: number;
  readonly plain?: boolean;
  readonly unitMs?: number;
  /** Milliseconds one unit of the value counts, when compared with a plain number (`tolong` of a timespan: ticks). */
  readonly scale?: number;
  /** A timespan or a datetime function took part (the terms are times). */
  readonly timed?: boolean;
}

/** How names after the join are read. */
export interface JoinNames {
  readonly q: ParsedKql;
  readonly scope: Scope;
  /** The side a column comes from and its meaning on that side; `value` for a let-bound name; else why not. */
  column(name: string): { side: number; operand: Operand } | 'value' | { reason: string };
  /** A let-bound name's value. */
  valueOf(n: KNode): Operand;
  /** Columns made after the join as a difference of two sides' columns. */
  readonly diffs: ReadonlyMap<string, Lin>;
  /** The sides an event must match (constraints link only those). */
  readonly required: (side: number) => boolean;
}

const constant = (off: number, plain = false): Lin => ({ terms: [], off, ...(plain ? { plain } : {}) });

function fromOperand(side: number, o: Operand): Lin | undefined {
  if (o.kind === 'field' && !o.fold) return { terms: [{ sign: 1, term: { side, field: o.field }, time: TIME_COLUMNS.has(o.field) }], off: 0 };
  if (o.kind === 'derived' && o.missingAs === undefined && !o.derived.steps.some((s) => s.fn === 'elements')) return { terms: [{ sign: 1, term: { side, field: o.field, derived: o.derived }, time: false }], off: 0 };
  if (o.kind === 'other' && o.shift) {
    const b = fromOperand(side, o.shift.base);
    return b && { terms: b.terms.map((t) => ({ ...t, time: true })), off: b.off + o.shift.ms, timed: true };
  }
  return undefined;
}

/** a + sign * b, when both are sums of the same kind. */
function combine(a: Lin | undefined, b: Lin | undefined, sign: number): Lin | undefined {
  if (!a || !b) return undefined;
  let x = a;
  let y = b;
  // a datetime_diff count (or ticks) compared with a plain number: the number counts the same unit
  const per = (l: Lin) => l.unitMs ?? l.scale;
  if (per(x) !== undefined && y.plain && !y.terms.length) y = { terms: [], off: y.off * per(x)! };
  else if (per(y) !== undefined && x.plain && !x.terms.length) x = { terms: [], off: x.off * per(y)! };
  else if (x.plain || y.plain || x.unitMs !== y.unitMs || x.scale !== y.scale) return undefined;
  const unit = x.unitMs ?? y.unitMs;
  const scale = x.scale ?? y.scale;
  return { terms: [...x.terms, ...y.terms.map((t) => ({ ...t, sign: sign * t.sign }))], off: x.off + sign * y.off, ...(unit !== undefined ? { unitMs: unit } : {}), ...(scale !== undefined ? { scale } : {}), ...(x.timed || y.timed ? { timed: true } : {}) };
}

/** The value of an expression after the join as a {@link Lin}, when it is one. */
export function linOf(r: JoinNames, n: KNode): Lin | undefined {
  const lit = n.literal;
  if (lit) {
    if (lit.type === 'timespan') {
      const ms = spanMs(lit.text);
      return ms === undefined ? undefined : { ...constant(ms), timed: true };
    }
    return lit.type === 'number' && typeof lit.value === 'number' ? constant(lit.value, true) : undefined;
  }
  switch (n.kind) {
    case 'ParenthesizedExpression': {
      const inner = nodes(n)[0];
      return inner ? linOf(r, inner) : undefined;
    }
    case 'UnaryMinusExpression':
      return combine(constant(0), linOf(r, nodes(n)[0]!), -1) ?? negPlain(linOf(r, nodes(n)[0]!));
    case 'AddExpression':
    case 'SubtractExpression': {
      const [a, b] = nodes(n);
      return a && b ? combine(linOf(r, a), linOf(r, b), n.kind === 'AddExpression' ? 1 : -1) : undefined;
    }
    case 'NameReference': {
      const name = nameOf(n) ?? '';
      const d = r.diffs.get(name);
      if (d) return d;
      const c = r.column(name);
      if (c === 'value') {
        const v = r.valueOf(n);
        if (v.kind === 'span') {
          const ms = spanMs(v.text);
          return ms === undefined ? undefined : { ...constant(ms), timed: true };
        }
        return v.kind === 'value' && typeof v.value === 'number' ? constant(v.value, true) : undefined;
      }
      return 'reason' in c ? undefined : fromOperand(c.side, c.operand);
    }
    case 'FunctionCallExpression': {
      const fname = nameOf(nodes(n)[0]) ?? '';
      const args = listItems(child(n, 'ExpressionList'));
      const part = (x: KNode | undefined) => (x?.literal?.type === 'string' && typeof x.literal.value === 'string' ? DATETIME_PART_MS[x.literal.value.toLowerCase()] : undefined);
      if ((fname === 'todatetime' || fname === 'totimespan') && args.length === 1) return linOf(r, args[0]!);
      if (fname === 'tolong' && args.length === 1) {
        // a timespan as a long is its count of ticks (100 nanoseconds)
        const x = linOf(r, args[0]!);
        return x && !x.plain && x.unitMs === undefined && x.scale === undefined && x.terms.length ? { ...x, scale: 0.0001, timed: true } : undefined;
      }
      if (fname === 'datetime_add' && args.length === 3) {
        const size = part(args[0]);
        const k = linOf(r, args[1]!);
        const x = linOf(r, args[2]!);
        if (size === undefined || !k?.plain || k.terms.length || !Number.isInteger(k.off) || !x || x.plain || x.unitMs !== undefined) return undefined;
        return { terms: x.terms.map((t) => ({ ...t, time: true })), off: x.off + k.off * size, timed: true };
      }
      if (fname === 'datetime_diff' && args.length === 3) {
        const size = part(args[0]);
        const a = linOf(r, args[1]!);
        const b = linOf(r, args[2]!);
        // the count of boundaries crossed between two times: exact only between two columns, with no offsets
        if (size === undefined || !a || !b || a.plain || b.plain || a.unitMs !== undefined || b.unitMs !== undefined || a.off !== 0 || b.off !== 0) return undefined;
        const d = combine(a, b, -1);
        return d && { terms: d.terms.map((t) => ({ ...t, time: true })), off: 0, unitMs: size, timed: true };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

const negPlain = (x: Lin | undefined): Lin | undefined => (x?.plain && !x.terms.length ? constant(-x.off, true) : undefined);

const sameTerm = (a: SideTerm, b: SideTerm) => a.side === b.side && a.field === b.field && JSON.stringify(a.derived) === JSON.stringify(b.derived);

type TimeConstraint = Extract<SideConstraint, { kind: 'time' }>;

/** `l op r` (op: lt, le, gt, ge) as a time constraint between two sides, when it is one. */
function compareLin(r: JoinNames, l: Lin | undefined, op: 'lt' | 'le' | 'gt' | 'ge', rr: Lin | undefined): TimeConstraint | undefined {
  const d = combine(l, rr, -1);
  if (!d) return undefined;
  // sum the signs of each distinct term
  const terms: LinTerm[] = [];
  for (const t of d.terms) {
    const i = terms.findIndex((x) => sameTerm(x.term, t.term));
    if (i < 0) terms.push(t);
    else terms[i] = { ...terms[i]!, sign: terms[i]!.sign + t.sign, time: terms[i]!.time || t.time };
  }
  const live = terms.filter((t) => t.sign !== 0);
  const plus = live.find((t) => t.sign === 1);
  const minus = live.find((t) => t.sign === -1);
  if (live.length !== 2 || !plus || !minus || plus.term.side === minus.term.side) return undefined;
  if (!r.required(plus.term.side) || !r.required(minus.term.side)) return undefined;
  // a plain ordering of two columns is a time relation only when one of them is known to be a time
  if (!d.timed && d.unitMs === undefined && d.off === 0 && !plus.time && !minus.time) return undefined;
  // (to - from) + off op 0
  const bound = d.off === 0 ? 0 : -d.off;
  const base = { kind: 'time' as const, from: minus.term, to: plus.term, ...(d.unitMs !== undefined ? { unitMs: d.unitMs } : {}) };
  switch (op) {
    case 'lt':
      return { ...base, maxMs: bound, maxStrict: true };
    case 'le':
      return { ...base, maxMs: bound };
    case 'gt':
      return { ...base, minMs: bound, minStrict: true };
    case 'ge':
      return { ...base, minMs: bound };
  }
}

const ORDER: Readonly<Record<string, 'lt' | 'le' | 'gt' | 'ge'>> = { '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };

/** A filter after the join as time constraints between two sides (merged when they bound the same pair). */
export function timeConstraints(r: JoinNames, cj: KNode): TimeConstraint[] | undefined {
  const text = textOf(r.q, cj);
  const out: (TimeConstraint | undefined)[] = [];
  if (cj.kind === 'ParenthesizedExpression') {
    const inner = nodes(cj)[0];
    return inner ? timeConstraints(r, inner) : undefined;
  }
  if (cj.kind === 'BetweenExpression') {
    const [x, couple] = nodes(cj);
    const [lo, hi] = couple ? nodes(couple) : [];
    if (!x || !lo || !hi) return undefined;
    const lx = linOf(r, x);
    out.push(compareLin(r, lx, 'ge', linOf(r, lo)), compareLin(r, lx, 'le', linOf(r, hi)));
  } else {
    const [a, b] = nodes(cj);
    const op = ORDER[operatorSpelling(cj)];
    if (!a || !b || !op) return undefined;
    const abs = a.kind === 'FunctionCallExpression' && nameOf(nodes(a)[0]) === 'abs' ? listItems(child(a, 'ExpressionList')) : undefined;
    if (abs?.length === 1 && (op === 'lt' || op === 'le')) {
      // abs(d) <= c: -c <= d <= c
      const dl = linOf(r, abs[0]!);
      const c = linOf(r, b);
      out.push(compareLin(r, dl, op, c), compareLin(r, dl, op === 'lt' ? 'gt' : 'ge', combine(constant(0, !!c?.plain), c, -1) ?? negPlain(c)));
    } else out.push(compareLin(r, linOf(r, a), op, linOf(r, b)));
  }
  if (out.some((c) => !c)) return undefined;
  const merged: TimeConstraint[] = [];
  for (const c of out as TimeConstraint[]) mergeTime(merged, { ...c, text });
  return merged;
}

/** Add a time constraint to a list, narrowing one on the same pair of terms (either direction) instead. */
export function mergeTime(list: SideConstraint[], c: TimeConstraint): void {
  for (let i = 0; i < list.length; i++) {
    const o = list[i]!;
    if (o.kind !== 'time' || o.unitMs !== c.unitMs) continue;
    let d = c;
    if (sameTerm(o.from, c.to) && sameTerm(o.to, c.from)) d = flip(c);
    else if (!(sameTerm(o.from, c.from) && sameTerm(o.to, c.to))) continue;
    const lo = tighter(o.minMs, o.minStrict, d.minMs, d.minStrict, 1);
    const hi = tighter(o.maxMs, o.maxStrict, d.maxMs, d.maxStrict, -1);
    const text = o.text && d.text && o.text !== d.text ? `${o.text} and ${d.text}` : (o.text ?? d.text);
    const { minMs: _a, maxMs: _b, minStrict: _c, maxStrict: _d, ...rest } = o;
    list[i] = { ...rest, ...(lo.v !== undefined ? { minMs: lo.v, ...(lo.strict ? { minStrict: true } : {}) } : {}), ...(hi.v !== undefined ? { maxMs: hi.v, ...(hi.strict ? { maxStrict: true } : {}) } : {}), ...(text ? { text } : {}) };
    return;
  }
  list.push(c);
}

/** The same constraint read from the other end: from - to within [-max, -min]. */
function flip(c: TimeConstraint): TimeConstraint {
  const { minMs, maxMs, minStrict, maxStrict, from, to, ...rest } = c;
  const neg = (x: number) => (x === 0 ? 0 : -x);
  return { ...rest, from: to, to: from, ...(maxMs !== undefined ? { minMs: neg(maxMs), ...(maxStrict ? { minStrict: true } : {}) } : {}), ...(minMs !== undefined ? { maxMs: neg(minMs), ...(minStrict ? { maxStrict: true } : {}) } : {}) };
}

/** The tighter of two bounds: dir 1 for lower bounds (the larger), -1 for upper bounds (the smaller). */
function tighter(a: number | undefined, as: boolean | undefined, b: number | undefined, bs: boolean | undefined, dir: number): { v?: number; strict?: boolean } {
  if (a === undefined) return b === undefined ? {} : { v: b, strict: !!bs };
  if (b === undefined) return { v: a, strict: !!as };
  if (a === b) return { v: a, strict: !!as || !!bs };
  return dir * (a - b) > 0 ? { v: a, strict: !!as } : { v: b, strict: !!bs };
}

/** The sides whose columns an expression reads (undefined when one is not known). */
function sidesOf(r: JoinNames, n: KNode): Set<number> | undefined {
  const out = new Set<number>();
  for (const name of columnRefs(n, r.scope)) {
    if (r.diffs.has(name)) return undefined;
    const c = r.column(name);
    if (c === 'value') continue;
    if ('reason' in c) return undefined;
    out.add(c.side);
  }
  return out;
}

/**
 * `a op b` between a column of one side and a column of another side, lowered to `lowered` (a predicate whose one
 * value is a field reference, possibly negated): the comparison constraint.
 */
export function compareConstraint(r: JoinNames, cj: KNode, lowered: Expr): SideConstraint | undefined {
  let p = lowered;
  let negated = false;
  if (p.kind === 'not') {
    negated = true;
    p = p.arg;
  }
  if (p.kind !== 'pred' || p.values.length !== 1) return undefined;
  const v = p.values[0];
  if (v === null || typeof v !== 'object' || v.missingAs !== undefined || p.opts?.missingAs !== undefined) return undefined;
  const [a, b] = nodes(cj);
  if (!a || !b || nodes(cj).length !== 2) return undefined;
  const sa = sidesOf(r, a);
  const sb = sidesOf(r, b);
  if (sa?.size !== 1 || sb?.size !== 1) return undefined;
  const x = [...sa][0]!;
  const y = [...sb][0]!;
  if (x === y || !r.required(x) || !r.required(y)) return undefined;
  return {
    kind: 'compare',
    a: { side: x, field: p.field, ...(p.derived ? { derived: p.derived } : {}) },
    op: p.op,
    b: { side: y, field: v.field, ...(v.derived ? { derived: v.derived } : {}) },
    ...(p.opts ? { opts: p.opts } : {}),
    ...(negated ? { negated } : {}),
    text: textOf(r.q, cj),
  };
}
