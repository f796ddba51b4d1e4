/**
 * Compiled evaluation: a rule's condition turned once into closures over one flat array, so that running it over
 * many events does no tree walk per event (issue 15, "hunt"). The result is exactly `evaluate()`'s (three-valued,
 * Kleene logic): the boolean structure is one `Int32Array` read by `run`, and each predicate gets a fast path for
 * the common string cases (loose or strict string comparison, contains / starts_with / ends_with / eq / in, ASCII
 * glob patterns) and falls back to `evaluatePredicate` for everything else. The differential test
 * (`test/compile.test.ts`) checks the agreement over every rule and event of the Sigma regression data and Panther
 * tests.
 *
 * Field paths are resolved once per event: an `EventView` caches each field's value (and its lower-cased string)
 * for every rule of the same resolver that reads it.
 */
import { applyTransform, evaluate, evaluatePredicate, fieldValue, hasTerm, isNullish, not3, stringSet, predicateOnDerived, wildcardRuns, wildcardToRegex, type FieldResolver, type Truth, type WildcardStyle } from './evaluate.ts';
import { deriveValue, FAILED_NULL, Spread, UNKNOWN_OPERAND, type DerivedOperand } from './derive.ts';
import { compileRegex, predicateRegex, type CompileResult } from './regex.ts';
import { assertNever, type Expr, type Predicate, type Value } from './expr.ts';
import { OPERATOR_FACTS } from './operators.ts';
import { LIMITS } from './diagnostics.ts';
import { AhoCorasick } from '../hunt/ahoCorasick.ts';
import { ASCII } from './ascii.ts';

/** From this many needles on, "contains any" runs one automaton pass instead of one search per needle. */
const AUTOMATON_FROM = 6;

const NONE = Symbol('none');

/** Views' epochs, unique over the process (a predicate's recorded result names the view and event it holds for). */
let epochs = 0;

/**
 * Normalisation of a literal and of the event's value alike for the hunt's literal prefilters: lower-cased, with
 * `ſ` as `s` (RE2's case folding joins them, lower-casing does not) and final `ς` as `σ` (lower-casing `Σ` depends
 * on its position, so a substring could lower-case differently from the text around it).
 */
export function norm(s: string): string {
  return normLower(s.toLowerCase());
}
const normLower = (l: string) => (l.includes('ſ') || l.includes('ς') ? l.replaceAll('ſ', 's').replaceAll('ς', 'σ') : l);

/**
 * A resolver that may also offer a per-event form: the event indexed once (on first use), then one lookup per
 * field, with the resolver's own answers. Views use it when present.
 */
export interface IndexingResolver extends FieldResolver {
  perEvent?: (event: unknown) => (field: string) => unknown;
}

/** Field names numbered once for the process, so that a view finds a field's cached value by index. */
const fieldIds = new Map<string, number>();
export function fieldId(field: string): number {
  let id = fieldIds.get(field);
  if (id === undefined) fieldIds.set(field, (id = fieldIds.size));
  return id;
}

/**
 * One event as the rules of one resolver see it: field values resolved once, lower-cased strings once. A view is
 * reused from event to event (`reset`): its caches are arrays indexed by field id, valid for the current epoch.
 */
export class EventView {
  // caches indexed by field id, packed (sized to the field count, grown on demand), valid where the stamp is the epoch
  private values: unknown[] = [];
  private lowers: (string | typeof NONE)[] = [];
  private norms: string[] = [];
  private stamps = new Int32Array(0);
  private lowerStamps = new Int32Array(0);
  private normStamps = new Int32Array(0);
  private epoch = ++epochs;
  private current: unknown;
  private readonly deriveds = new Map<string, DerivedOperand>();
  private derivedEpoch = this.epoch;
  private readonly perEvent: IndexingResolver['perEvent'];
  private lookup: ((field: string) => unknown) | undefined;
  /** The resolver reading through the cache (what the fallback evaluator is given). */
  readonly resolve: FieldResolver;
  constructor(
    event: unknown,
    private readonly resolver: FieldResolver,
  ) {
    this.current = event;
    this.perEvent = (resolver as IndexingResolver).perEvent;
    this.resolve = (ev, field) => (ev === this.current ? this.get(field) : this.resolver(ev, field));
  }
  get event(): unknown {
    return this.current;
  }
  /** This view's event as a number unique over the process (changes at each `reset`). */
  get stamp(): number {
    return this.epoch;
  }
  /** Read another event through the same view (the caches of the previous one are dropped). */
  reset(event: unknown): void {
    this.current = event;
    this.lookup = undefined;
    this.epoch = ++epochs;
  }
  get(field: string): unknown {
    return this.at(fieldId(field), field);
  }
  /** The value of the field numbered `id` (named `field`). */
  at(id: number, field: string): unknown {
    if (id >= this.stamps.length) this.grow(id);
    if (this.stamps[id] === this.epoch) return this.values[id];
    const v = this.perEvent ? (this.lookup ??= this.perEvent(this.current))(field) : this.resolver(this.current, field);
    this.values[id] = v;
    this.stamps[id] = this.epoch;
    return v;
  }
  private grow(id: number): void {
    const n = Math.max(id + 1, fieldIds.size, this.stamps.length * 2);
    const stamps = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.stamps = stamps(this.stamps);
    this.lowerStamps = stamps(this.lowerStamps);
    this.normStamps = stamps(this.normStamps);
    for (let i = this.values.length; i < n; i++) {
      this.values.push(undefined);
      this.lowers.push(NONE);
      this.norms.push('');
    }
  }
  /** A derived operand, computed once per event for every predicate with the same chain (`key`). */
  derived(key: string, compute: () => DerivedOperand): DerivedOperand {
    if (this.derivedEpoch !== this.epoch) {
      // a view reused for the next event (`reset`) drops the previous event's derived operands
      this.deriveds.clear();
      this.derivedEpoch = this.epoch;
    }
    if (this.deriveds.has(key)) return this.deriveds.get(key);
    const d = compute();
    this.deriveds.set(key, d);
    return d;
  }
  /** The field's value as a lower-cased string when it is a string or a number (what the fast paths test). */
  lower(field: string): string | typeof NONE {
    return this.lowerAt(fieldId(field), field);
  }
  /** `norm` of the field's value, for a field whose value is a string or a number. */
  normAt(id: number, field: string): string {
    if (id >= this.stamps.length) this.grow(id);
    if (this.normStamps[id] === this.epoch) return this.norms[id]!;
    const l = this.lowerAt(id, field);
    const n = l === NONE ? '' : normLower(l);
    this.norms[id] = n;
    this.normStamps[id] = this.epoch;
    return n;
  }
  lowerAt(id: number, field: string): string | typeof NONE {
    if (id >= this.stamps.length) this.grow(id);
    if (this.lowerStamps[id] === this.epoch) return this.lowers[id]!;
    const v = this.at(id, field);
    const s = typeof v === 'string' ? v.toLowerCase() : typeof v === 'number' ? String(v).toLowerCase() : NONE;
    this.lowers[id] = s;
    this.lowerStamps[id] = this.epoch;
    return s;
  }
}

/** A compiled condition. */
export type Compiled = (view: EventView) => Truth;

/** Compile an expression once; run it with `compiled(new EventView(event, resolver))`. */
export function compile(e: Expr): Compiled {
  return build(e, false).compiled;
}

/**
 * A condition compiled so that it records, as it runs, the results of its positive predicates (those under an even
 * number of NOTs: what an explanation lists), so that explaining a hit re-tests only the predicates the evaluation
 * skipped (short-circuit).
 */
export interface RecordedCompiled {
  readonly compiled: Compiled;
  /** The positive predicates in condition order (as an explanation walks them), each with the test the condition runs. */
  readonly preds: readonly RecordedPredicate[];
  /**
   * Per predicate: the view's `stamp` when it was true on that view's event, the stamp negated when it was evaluated
   * there and not true; anything else when it was not evaluated on that event.
   */
  readonly done: Float64Array;
}

/**
 * A positive predicate of a recorded condition: its test, and for a derived operand the operand as the test reads it
 * (computed once per event for every predicate with the same chain, `EventView.derived`), so that an explanation
 * reads the value the evaluation derived rather than deriving it again.
 */
export interface RecordedPredicate {
  readonly pred: Predicate;
  readonly test: Compiled;
  readonly operand?: (view: EventView) => DerivedOperand;
}

/** Compile a condition recording its positive predicates' results (see `RecordedCompiled`). */
export function compileRecorded(e: Expr): RecordedCompiled {
  return build(e, true);
}

// The boolean structure of a condition is one flat array read by `run` (no closure per node): each node is
// `[op, end, ...]`, `end` where the next node starts. LEAF: the leaf's index and its recording slot (-1: none);
// CONST: the truth code; NOT: one child; AND / OR: children; QUANT: how many must hold, then the children.
const LEAF = 0;
const CONST = 1;
const NOT = 2;
const AND = 3;
const OR = 4;
const QUANT = 5;

// truth codes inside `run`
const F = 0;
const T = 1;
const U = 2;
const TRUTHS: readonly Truth[] = [false, true, 'unknown'];
const NO_RECORD = new Float64Array(0);

function build(e: Expr, record: boolean): RecordedCompiled {
  const prog: number[] = [];
  const leaves: Compiled[] = [];
  const preds: RecordedPredicate[] = [];
  const emit = (x: Expr, negated: boolean): void => {
    const at = prog.length;
    switch (x.kind) {
      case 'const':
        prog.push(CONST, 0, x.value === true ? T : x.value === false ? F : U);
        break;
      case 'opaque':
        prog.push(CONST, 0, U);
        break;
      case 'not':
        prog.push(NOT, 0);
        emit(x.arg, !negated);
        break;
      case 'and':
      case 'or':
        prog.push(x.kind === 'and' ? AND : OR, 0);
        for (const a of x.args) emit(a, negated);
        break;
      case 'quant':
        prog.push(QUANT, 0, x.count === 'all' ? x.items.length : x.count);
        for (const i of x.items) emit(i.expr, negated);
        break;
      case 'pred': {
        const test = compilePredicate(x);
        let slot = -1;
        if (record && !negated) {
          slot = preds.length;
          preds.push({ pred: x, test, ...(x.derived ? { operand: derivedOperandOf(x as Predicate & { derived: NonNullable<Predicate['derived']> }) } : {}) });
        }
        prog.push(LEAF, 0, leaves.length, slot);
        leaves.push(test);
        break;
      }
      case 'each':
        // array quantifiers (MQL) run through the reference evaluator, with the view's cached resolver
        prog.push(LEAF, 0, leaves.length, -1);
        leaves.push((v) => evaluate(x, v.event, { resolve: v.resolve }));
        break;
      default:
        assertNever(x, 'expression');
    }
    prog[at + 1] = prog.length;
  };
  emit(e, false);
  const done = preds.length ? new Float64Array(preds.length) : NO_RECORD;
  const p = Int32Array.from(prog);
  // a condition that is one predicate, not recorded, is that predicate's test
  const compiled: Compiled = p[0] === LEAF && p[3] === -1 ? leaves[0]! : (v) => TRUTHS[run(p, 0, leaves, done, v)]!;
  return { compiled, preds, done };
}

/** The truth code of a LEAF node at `at` (recording a positive predicate's result). */
function leaf(p: Int32Array, at: number, leaves: readonly Compiled[], done: Float64Array, v: EventView): number {
  const r = leaves[p[at + 2]!]!(v);
  const slot = p[at + 3]!;
  if (slot >= 0) done[slot] = r === true ? v.stamp : -v.stamp;
  return r === true ? T : r === false ? F : U;
}

/** The truth code of the node at `at` of a condition's array (Kleene logic, as `evaluate`); leaves are read in place. */
function run(p: Int32Array, at: number, leaves: readonly Compiled[], done: Float64Array, v: EventView): number {
  const end = p[at + 1]!;
  switch (p[at]) {
    case LEAF:
      return leaf(p, at, leaves, done, v);
    case CONST:
      return p[at + 2]!;
    case NOT: {
      const c = at + 2;
      const r = p[c] === LEAF ? leaf(p, c, leaves, done, v) : run(p, c, leaves, done, v);
      return r === U ? U : 1 - r;
    }
    case AND:
    case OR: {
      // a child with the deciding value (false for AND, true for OR) decides; else unknown if a child was
      const decides = p[at] === AND ? F : T;
      let unknown = false;
      for (let c = at + 2; c < end; c = p[c + 1]!) {
        const r = p[c] === LEAF ? leaf(p, c, leaves, done, v) : run(p, c, leaves, done, v);
        if (r === decides) return decides;
        if (r === U) unknown = true;
      }
      return unknown ? U : 1 - decides;
    }
    default: {
      // QUANT: every item is evaluated
      const need = p[at + 2]!;
      let t = 0;
      let u = 0;
      for (let c = at + 3; c < end; c = p[c + 1]!) {
        const r = p[c] === LEAF ? leaf(p, c, leaves, done, v) : run(p, c, leaves, done, v);
        if (r === T) t++;
        else if (r === U) u++;
      }
      if (t >= need) return T;
      if (t + u >= need) return U;
      return F;
    }
  }
}

const generic = (p: Predicate): Compiled => (v) => evaluatePredicate(p, v.event, v.resolve);

/** A predicate's patterns as its compiled test reads them: as written (`pats`), case-folded (`needles`), flattened. */
interface Patterns {
  readonly pats: string[][];
  readonly needles: string[][];
  readonly flat: string[];
  /** The flattened needles as a set, made once. */
  readonly eqSet: () => ReadonlySet<string>;
  /** The flattened needles as one automaton (undefined when one is empty), made once. */
  readonly automaton: () => AhoCorasick | undefined;
}

/**
 * Patterns per values array, case rule and transforms: the rules that test one named list (`x in $tranco_1m`, a
 * million values) share its set instead of each making its own.
 */
const patternCache = new WeakMap<readonly Value[], Map<string, Patterns | null>>();

function patternsOf(p: Predicate, cs: boolean): Patterns | undefined {
  const key = `${cs ? 1 : 0}${(p.opts?.transforms ?? []).join(',')}`;
  let byKey = patternCache.get(p.values);
  if (!byKey) patternCache.set(p.values, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit !== undefined) return hit ?? undefined;
  const pats = staticPatterns(p);
  if (!pats) {
    byKey.set(key, null);
    return undefined;
  }
  const needles = pats.map((alts) => alts.map((s) => (cs ? s : s.toLowerCase())));
  const flat = needles.flat();
  let set: ReadonlySet<string> | undefined;
  let automaton: AhoCorasick | null | undefined;
  const out: Patterns = {
    pats,
    needles,
    flat,
    // without transforms the needles are the values (case-folded as the evaluator folds them): its set
    eqSet: () => (set ??= (p.opts?.transforms?.length ? null : stringSet(p.values, cs)) ?? new Set(flat)),
    automaton: () => {
      if (automaton === undefined) {
        automaton = flat.includes('') ? null : new AhoCorasick();
        if (automaton) for (const n of flat) automaton.add(n);
      }
      return automaton ?? undefined;
    },
  };
  byKey.set(key, out);
  return out;
}

/** The pattern values after transforms, when none is a field reference (they do not depend on the event). */
function staticPatterns(p: Predicate): string[][] | undefined {
  const out: string[][] = [];
  for (const val of p.values) {
    if (typeof val !== 'string') return undefined;
    let cur = [val];
    for (const t of p.opts?.transforms ?? []) cur = cur.flatMap((s) => applyTransform(t, s));
    out.push(cur);
  }
  return out;
}

type StringOpCode = 0 | 1 | 2 | 3 | 4 | 5 | 6;
const OP_CONTAINS = 0;
const OP_STARTS = 1;
const OP_ENDS = 2;
const OP_EQ = 3;
/** KQL `has`, `hasprefix`, `hassuffix` (`hasTerm`). */
const OP_HAS = 4;
const OP_HAS_PREFIX = 5;
const OP_HAS_SUFFIX = 6;

function stringTest(op: StringOpCode, hay: string, needle: string): boolean {
  switch (op) {
    case OP_CONTAINS:
      return hay.includes(needle);
    case OP_STARTS:
      return hay.startsWith(needle);
    case OP_ENDS:
      return hay.endsWith(needle);
    case OP_HAS:
      return hasTerm(hay, needle, 'whole');
    case OP_HAS_PREFIX:
      return hasTerm(hay, needle, 'prefix');
    case OP_HAS_SUFFIX:
      return hasTerm(hay, needle, 'suffix');
    default:
      return hay === needle;
  }
}

/**
 * A predicate on a derived operand: the chain runs once per event (a JSON text is parsed once for every predicate
 * over it), then the predicate is tested on the value as `predicateOnDerived` does: on each value of a spread (any
 * of them), by the predicate's own compiled test (`onValue`). That test reads a field of its own, which the view
 * `valueView` holds the value in; its other fields (a value's field reference) are the event's. An unknown operand,
 * or a step that failed to null (tested loosely), goes to `predicateOnDerived`.
 */
function compileDerived(p: Predicate & { derived: NonNullable<Predicate['derived']> }): Compiled {
  const operand = derivedOperandOf(p);
  // the field's default and its null-as-missing applied before the chain: not again to the value
  const { derived: _chain, opts, ...rest } = p;
  const { missingAs: _missingAs, nullAsMissing: _nullAsMissing, ...onValueOpts } = opts ?? {};
  const field = `\u0000derived ${derivedOperandKey(p)}`;
  const onValue = compilePredicate({ ...rest, field, opts: onValueOpts });
  const test = (v: EventView, value: unknown): Truth => {
    valueOf.field = field;
    valueOf.value = value;
    valueOf.of = v;
    valueView.reset(v.event);
    return onValue(valueView);
  };
  return (v) => {
    const d = operand(v);
    if (d === UNKNOWN_OPERAND || d === FAILED_NULL) return predicateOnDerived(p, d, v.event, v.resolve);
    if (!(d instanceof Spread)) return test(v, d);
    let r: Truth = false;
    for (const x of d.items) {
      const t = test(v, x);
      if (t === true) return true;
      if (t === 'unknown') r = 'unknown';
    }
    return r;
  };
}

/**
 * What `valueView` reads: the derived value tested now, in `field`, and the event's view `of` for any other field.
 * One view for every derived predicate (a view's caches are sized to every field of the process): a compiled test
 * runs no other predicate's test while it runs, so one value at a time is enough.
 */
const valueOf: { field: string; value: unknown; of: EventView | undefined } = { field: '', value: undefined, of: undefined };
const valueView = new EventView(undefined, (event, f) => (f === valueOf.field ? valueOf.value : valueOf.of!.resolve(event, f)));

/**
 * A predicate's derived operand on a view's event, computed once per event for every predicate (and prefilter scan,
 * `src/hunt/engine.ts`) with the same field, default and chain.
 */
export function derivedOperandOf(p: Predicate & { derived: NonNullable<Predicate['derived']> }): (v: EventView) => DerivedOperand {
  const d = p.derived;
  const key = derivedOperandKey(p);
  return (v) => v.derived(key, () => deriveValue(d, fieldValue(p, v.event, v.resolve), (f) => v.resolve(v.event, f)));
}

/** What identifies a derived operand: its field, the field's default, and the chain. */
export function derivedOperandKey(p: Predicate & { derived: NonNullable<Predicate['derived']> }): string {
  return JSON.stringify([p.field, p.opts?.missingAs, p.opts?.nullAsMissing, p.derived]);
}

function compilePredicate(p: Predicate): Compiled {
  if (p.derived) return compileDerived(p as Predicate & { derived: NonNullable<Predicate['derived']> });
  if (p.op === 'ne') {
    // the negation of eq with the same options (OPERATOR_FACTS), as `predicateOnValue` reads it: eq's fast paths serve
    const eq = compilePredicate({ ...p, op: 'eq' });
    return (v) => not3(eq(v));
  }
  const o = p.opts ?? {};
  const slow = generic(p);
  const field = p.field;
  const fid = fieldId(field);
  if (o.missingAs !== undefined) {
    // a default for a missing field (KQL's empty string): a present value is tested as without it, by its fast path
    if (p.values.length === 0) return slow;
    const { missingAs: _m, nullAsMissing, ...rest } = o;
    const onValue = compilePredicate({ ...p, opts: rest });
    // on a missing value the predicate tests the default: the same answer on every event, unless a value is another
    // field of the event (a literal value, with its transforms, reads nothing of the event: `expandValue`)
    const same = !p.values.some((x) => x !== null && typeof x === 'object');
    let onMissing: Truth | undefined;
    return (v) => {
      const raw = v.at(fid, field);
      if (raw === undefined || (raw === null && nullAsMissing === true)) return same ? (onMissing ??= slow(v)) : slow(v);
      return onValue(v);
    };
  }
  if (p.values.length === 0) {
    if (p.op !== 'is_null' && p.op !== 'is_not_null') return slow;
    // a missing or null value is null (`isNullish`: with `truthy`, Python's falsy values too), and with `empty` the
    // empty string too
    const isNull = p.op === 'is_null';
    const empty = o.empty === true;
    const truthy = o.truthy === true;
    return (v) => {
      const raw = v.at(fid, field);
      const n = isNullish(raw, truthy) || (empty && raw === '');
      return isNull ? n : !n;
    };
  }
  if (o.nulls === 'propagate' && p.op !== 'is_null' && p.op !== 'is_not_null') {
    // SQL-style nulls (MQL): a missing or null operand makes the predicate null, reported unknown (`predicateOnValue`),
    // before any fast path; on a value, the predicate without them
    if (p.values.some((x) => x === null || typeof x === 'object')) return slow;
    const { nulls: _, ...rest } = o;
    const onValue = compilePredicate({ ...p, opts: rest });
    return (v) => {
      const raw = v.at(fid, field);
      return raw === undefined || raw === null ? 'unknown' : onValue(v);
    };
  }
  const cs = o.cs ?? OPERATOR_FACTS[p.op].defaultCaseSensitive;
  const ref = p.values[0];
  if ((p.op === 'eq' || p.op === 'in') && p.values.length === 1 && ref !== null && typeof ref === 'object' && ref.missingAs === undefined && !ref.derived && !o.transforms?.length) {
    // equality with another field of the event (Sigma `fieldref`): two strings compare as strings
    const rfield = ref.field;
    const rid = fieldId(rfield);
    return (v) => {
      const a = v.at(fid, field);
      const b = v.at(rid, rfield);
      if (typeof a === 'string' && typeof b === 'string') return cs ? a === b : v.lowerAt(fid, field) === v.lowerAt(rid, rfield);
      return slow(v);
    };
  }
  if ((p.op === 'eq' || p.op === 'in') && o.match !== 'all' && !o.transforms?.length && p.values.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    // numbers (an event id, as every Windows reading's case split tests it): a number in the event equals one of them
    // the same way strict or loose (`equals` in evaluate.ts); any other value the slow way
    const nums = p.values as readonly number[];
    const set = nums.length > 8 ? new Set(nums) : undefined;
    return (v) => {
      const raw = v.at(fid, field);
      if (typeof raw === 'number') return set ? set.has(raw) : nums.includes(raw);
      // a missing or null value equals no number (`equals`), strict or loose
      if (raw === undefined || raw === null) return false;
      return slow(v);
    };
  }
  const compiledPats = patternsOf(p, cs);
  if (!compiledPats) return slow;
  const { pats, needles, flat } = compiledPats;
  const strict = o.typing === 'strict';
  const all = o.match === 'all';
  // any of many needles: equality is one hash lookup, containment one automaton pass (each made for its operator)
  const eqSet = !all && flat.length > 1 && (p.op === 'eq' || p.op === 'in') ? compiledPats.eqSet() : undefined;
  const automaton = !all && flat.length >= AUTOMATON_FROM && p.op === 'contains' ? compiledPats.automaton() : undefined;
  // one monomorphic loop per predicate (no closure per event): any value, or every value (one of its alternatives)
  const scan = (op: StringOpCode, hay: string): boolean => {
    if (op === OP_EQ && eqSet) return eqSet.has(hay);
    if (op === OP_CONTAINS && automaton) return automaton.has(hay);
    if (all) {
      for (const alts of needles) {
        let ok = false;
        for (let i = 0; i < alts.length; i++) if (stringTest(op, hay, alts[i]!)) {
          ok = true;
          break;
        }
        if (!ok) return false;
      }
      return true;
    }
    for (let i = 0; i < flat.length; i++) if (stringTest(op, hay, flat[i]!)) return true;
    return false;
  };
  const stringOp = (op: StringOpCode): Compiled => {
    // loose: a string or a number is tested as a string; missing / null is false; lists and objects go the slow way.
    // strict: only a string value takes the fast path.
    return (v) => {
      const raw = v.at(fid, field);
      if (typeof raw === 'string' || (!strict && typeof raw === 'number')) {
        if (cs) return scan(op, typeof raw === 'string' ? raw : String(raw));
        return scan(op, v.lowerAt(fid, field) as string);
      }
      if (!strict && (raw === undefined || raw === null)) return false;
      return slow(v);
    };
  };
  switch (p.op) {
    case 'contains':
      return stringOp(OP_CONTAINS);
    case 'starts_with':
      return stringOp(OP_STARTS);
    case 'ends_with':
      return stringOp(OP_ENDS);
    case 'has':
      // evaluate reads `has` loosely whatever the typing (a number as its text, a missing value false): so does this
      // path, which a strict predicate does not take
      if (strict) return slow;
      return stringOp(o.term === 'prefix' ? OP_HAS_PREFIX : o.term === 'suffix' ? OP_HAS_SUFFIX : OP_HAS);
    case 'eq':
    case 'in': {
      // a list equals a value when one of its values does (`equals`, unless the list is compared whole)
      const byValue = !all && (o.listMatch ?? (strict ? 'whole' : 'any')) === 'any';
      // string against string patterns: loose typing compares numeric strings as strings too (neither is a number)
      return (v) => {
        const raw = v.at(fid, field);
        if (typeof raw === 'string') return scan(OP_EQ, cs ? raw : (v.lowerAt(fid, field) as string));
        // a missing or null value equals no string (`equals`), strict or loose
        if (raw === undefined || raw === null) return false;
        if (byValue && Array.isArray(raw)) {
          // strings here, a null equals no string; any other value the slow way
          for (const el of raw) {
            if (el === null) continue;
            if (typeof el !== 'string') return slow(v);
            if (scan(OP_EQ, cs ? el : el.toLowerCase())) return true;
          }
          return false;
        }
        return slow(v);
      };
    }
    case 'regex':
      return regexPath(pats.map((alts) => alts.map((pat) => predicateRegex(pat, o.anchor, o.flags, cs))), all, field, slow);
    case 'wildcard': {
      const style = o.wildcard ?? 'sigma';
      const viaRegex = () => regexPath(pats.map((alts) => alts.map((pat) => ({ src: wildcardToRegex(pat, style), flags: cs ? 's' : 'is' }))), all, field, slow);
      if (style === 'like' || cs) return viaRegex();
      const globs = needles.map((alts) => alts.map((g) => simpleGlob(g, style)));
      if (globs.some((alts) => alts.some((g) => g === undefined))) return viaRegex();
      const tests = globs as SimpleGlob[][];
      /** A scalar's text against the globs; undefined: not decided here (the slow way). */
      const onText = (s: string): Truth | undefined => {
        // RE2's case folding equals toLowerCase on ASCII; longer inputs are unknown (bounded regex input)
        if (s.length > LIMITS.maxRegexInput || !ASCII.test(s)) return undefined;
        const hay = s.toLowerCase();
        if (all) {
          for (const alts of tests) if (!alts.some((g) => globTest(g, hay))) return false;
          return true;
        }
        for (const alts of tests) for (const g of alts) if (globTest(g, hay)) return true;
        return false;
      };
      return (v) => {
        const raw = v.at(fid, field);
        if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') return onText(String(raw)) ?? slow(v);
        if (raw === undefined || raw === null) return false;
        // a list: any of its values (with "all", each pattern by any value: the slow way)
        if (Array.isArray(raw) && !all) return anyElement(raw, onText) ?? slow(v);
        return slow(v);
      };
    }
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge':
    case 'has':
    case 'cidr':
    case 'is_null':
    case 'is_not_null':
      return slow;
    default:
      return assertNever(p.op, 'operator');
  }
}

/**
 * Regular expressions (and globs that need one) compiled once: a scalar value is tested as a string, missing / null
 * or an object is false, a list by its values (`anyElement`; with "all", the slow way); a pattern RE2 cannot run, or
 * an input over the bound, is unknown (as `regexTest` says). Alternatives of a value are ORed, values combined by any /
 * all, three-valued.
 */
function regexPath(pats: { src: string; flags: string }[][], all: boolean, field: string, slow: Compiled): Compiled {
  // the patterns are compiled when the predicate first tests a value, not when its rule is compiled: a pattern RE2
  // has to compile to say whether it is valid costs 1 ms or more in WebAssembly, and a hunt over the whole catalog
  // compiled thousands of rules' patterns it never ran (2.5 s of a three-event hunt's 9). All of them at once, outside
  // the loop over patterns: a check of each pattern inside it took the hunt bench from 14.5-15.3k events/s per core
  // end to end to 9.5-11.9k
  let res: CompileResult[][] | undefined;
  const test = (r: CompileResult, s: string): Truth => (!r.ok || s.length > LIMITS.maxRegexInput ? 'unknown' : r.re.test(s));
  const fid = fieldId(field);
  const onText = (s: string): Truth => {
    res ??= pats.map((alts) => alts.map((p) => compileRegex(p.src, p.flags)));
    let acc: Truth = all;
    for (const alts of res) {
      let r: Truth = false;
      for (const re of alts) {
        const t = test(re, s);
        if (t === true) {
          r = true;
          break;
        }
        if (t === 'unknown') r = 'unknown';
      }
      if (all) {
        if (r === false) return false;
        if (r === 'unknown') acc = 'unknown';
      } else {
        if (r === true) return true;
        if (r === 'unknown') acc = 'unknown';
      }
    }
    return acc;
  };
  return (v) => {
    const raw = v.at(fid, field);
    if (raw === undefined || raw === null) return false;
    // a list: any of its values (with "all", each pattern by any value: the slow way)
    if (Array.isArray(raw)) return all ? slow(v) : (anyElement(raw, onText) ?? slow(v));
    if (typeof raw === 'object') return false;
    return onText(String(raw));
  };
}

/**
 * A list's values tested by a scalar test, any of them, as the reference evaluator reads a list for a text operator
 * (`onStrings`): a scalar by its text, a null or an object false; undefined (the slow way) for a list inside the list,
 * an undefined element or a value the scalar test leaves undecided.
 */
function anyElement(list: readonly unknown[], onText: (s: string) => Truth | undefined): Truth | undefined {
  let r: Truth = false;
  for (const el of list) {
    if (el === null) continue;
    if (el === undefined || Array.isArray(el)) return undefined;
    if (typeof el === 'object') continue;
    const t = onText(String(el));
    if (t === undefined) return undefined;
    if (t === true) return true;
    if (t === 'unknown') r = 'unknown';
  }
  return r;
}

/** A glob made only of literal ASCII parts and `*` (no one-character wildcard): parts in order, anchored at both ends. */
interface SimpleGlob {
  readonly parts: readonly string[];
}

/** The pattern as a `SimpleGlob`, read in its style as `wildcardToRegex` reads it (undefined: the regex way). */
function simpleGlob(g: string, style: Exclude<WildcardStyle, 'like'>): SimpleGlob | undefined {
  if (!ASCII.test(g) || wildcardToRegex(g, style).length > LIMITS.maxRegexPattern) return undefined;
  const { runs, oneChar } = wildcardRuns(g, style);
  return oneChar ? undefined : { parts: runs };
}

/** `*`-glob match of a lower-cased ASCII haystack (the glob's literals are lower-cased already). */
function globTest(g: SimpleGlob, hay: string): boolean {
  const parts = g.parts;
  if (parts.length === 1) return hay === parts[0];
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (hay.length < first.length + last.length) return false;
  if (!hay.startsWith(first) || !hay.endsWith(last)) return false;
  let pos = first.length;
  const end = hay.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i]!;
    if (part === '') continue;
    const at = hay.indexOf(part, pos);
    if (at < 0 || at + part.length > end) return false;
    pos = at + part.length;
  }
  return true;
}

/** Compile a condition and run it over one event (convenience for tests). */
export function runCompiled(c: Compiled, event: unknown, resolver: FieldResolver): Truth {
  return c(new EventView(event, resolver));
}

export type { Value };
