/**
 * What an event had where a predicate looked: the predicate's operand as it read it (the field's value with its
 * default applied, or the value derived from it), rendered as short text. A hunt's hit lists it beside each matched
 * predicate (`Hit.seen`), so that `Image ends_with ["\\cmd.exe", … 40 values]` comes with the path that ended so.
 */
import { deriveValue, FAILED_NULL, Spread, UNKNOWN_OPERAND, type DerivedOperand } from './derive.ts';
import { fieldValue, onStrings, predicateOnDerived, resolveDotted, verdict, type FieldResolver, type Truth } from './evaluate.ts';
import { isFieldRef, type Expr, type Predicate, type Value } from './expr.ts';
import { renderExpr, renderPredicate } from './render.ts';
import { escapeControls } from './ascii.ts';
import { OPERATOR_FACTS } from './operators.ts';
import { predicateRegex, regexExec } from './regex.ts';

/** Characters of a value shown; a longer one is cut there and says how long it was. */
export const SEEN_MAX = 200;

/** Characters of a rule's value shown as the one that held (`heldBy`). */
export const HELD_MAX = 120;

/** What a predicate read on an event: the field's value with its default applied, or the value derived from it. */
export function operandOf(p: Predicate, event: unknown, resolve: FieldResolver): DerivedOperand {
  const raw = fieldValue(p, event, resolve);
  return p.derived ? deriveValue(p.derived, raw, (f) => resolve(event, f)) : raw;
}

/**
 * Which of a predicate's values made it hold on the event, as short text, for a predicate of several values any one
 * of which suffices (`Image ends_with [… 73 values]`): the first that holds, as the rule wrote it (before Sigma's value
 * transforms), or `field X` for a comparison with another field. For a regular expression, of one value or several,
 * the text it matched inside the event's value instead, as `matched "…"` (`regexMatched`): a pattern is often an
 * alternation of many names, and the match says which. Null when the predicate has one value or needs all of
 * them (`match: all`, `ne`), or when the reference evaluator (`evaluate.ts`) does not find the predicate true on this
 * operand: no value is named then.
 */
export function heldBy(p: Predicate, operand: DerivedOperand, event: unknown, resolve: FieldResolver): string | null {
  if (p.op === 'regex') {
    const m = regexMatched(p, operand, event, resolve);
    if (m !== null) return m;
  }
  if (p.values.length < 2 || p.opts?.match === 'all' || p.op === 'ne' || p.op === 'is_null' || p.op === 'is_not_null') return null;
  const at = typeof operand === 'string' ? heldSubstring(p, operand) : -1;
  if (at >= 0) return shownHeld(p.values, at);
  const held: Value[] = [];
  if (predicateOnDerived(p, operand, event, resolve, held) !== true || !held.length) return null;
  const v = held[0]!;
  return isFieldRef(v) ? escapeControls(`field ${v.field}`) : shownValue(v, HELD_MAX);
}

/** Strings of an operand a regular expression is tried on, at most this many (a long list's first ones). */
const MATCH_TEXTS_MAX = 64;

/**
 * The text a `regex` predicate's first matching pattern matched in the first of the operand's strings it matches, as
 * `matched "…"`. Strings as `evaluate.ts` tries them (`onStrings`: a scalar as its text, list elements in order,
 * `Spread` items), each pattern as it runs it (`predicateRegex`: anchoring and case), on the same bounded engine
 * (`regexExec`, whatever ran before it: the text named depends on the event and the rule only, the same on one thread
 * and on workers). A match found there is the evaluator's true, but with SQL-style nulls (`nulls: propagate`: a null value makes the predicate unknown), which is
 * asked of the evaluator. Null for `match: all`, for values Sigma's transforms expand, and when no pattern matches a
 * non-empty text other than the whole string (that is `seen`).
 */
function regexMatched(p: Predicate, operand: DerivedOperand, event: unknown, resolve: FieldResolver): string | null {
  const o = p.opts ?? {};
  if (o.match === 'all' || o.transforms?.length) return null;
  // the strings the evaluation tries, in its order (`onStrings`), at most MATCH_TEXTS_MAX
  const texts: string[] = [];
  const take = (s: string): Truth => (texts.push(s), texts.length >= MATCH_TEXTS_MAX);
  for (const x of operand instanceof Spread ? operand.items : [operand]) {
    if (x !== undefined && x !== FAILED_NULL && x !== UNKNOWN_OPERAND && onStrings(x, take) === true) break;
  }
  if (!texts.length) return null;
  const cs = o.cs ?? OPERATOR_FACTS.regex.defaultCaseSensitive;
  for (const v of p.values) {
    if (typeof v !== 'string') continue;
    const re = predicateRegex(v, o.anchor, o.flags, cs);
    for (const s of texts) {
      const m = regexExec(re.src, re.flags, s);
      if (!m?.[0] || m[0] === s) continue;
      if (o.nulls === 'propagate' && predicateOnDerived(p, operand, event, resolve) !== true) return null;
      return `matched ${shownValue(m[0], HELD_MAX)}`;
    }
  }
  return null;
}

/**
 * The text of what a predicate read on an event (`operandOf`, or `RecordedPredicate.operand` where the evaluation
 * derived it): JSON of the value, `missing`, or `unknown` (a derivation it could not do).
 */
export function shownOperand(d: DerivedOperand, max = SEEN_MAX): string {
  if (d === UNKNOWN_OPERAND) return 'unknown';
  // a step that failed to null: the predicate read a missing value
  if (d === FAILED_NULL) return 'missing';
  return shownValue(d instanceof Spread ? d.items : d, max);
}

/**
 * A value as JSON text of at most about `max` characters: a longer string is cut and followed by its length, a list
 * or an object is written until the budget is spent (`…` where it stops). `missing` for undefined. No character a
 * terminal acts on is left as it is (`escapeControls`).
 */
export function shownValue(v: unknown, max = SEEN_MAX): string {
  if (v === undefined) return 'missing';
  // JSON escapes C0 controls; DEL, C1 controls and the line separators are escaped too (an event's values are untrusted)
  if (typeof v === 'string') return escapeControls(v.length > max ? `${JSON.stringify(v.slice(0, max))}… (${v.length} characters)` : JSON.stringify(v));
  const out: string[] = [];
  const room: Room = { left: max, cut: false };
  write(v, out, room);
  return escapeControls(out.join(''));
}

/** JSON of `v` into `out` while `room.left` lasts; `…` (once) where it ran out. */
function write(v: unknown, out: string[], room: Room): void {
  if (room.left <= 0) return stop(out, room);
  if (v === null || v === undefined) return put('null', out, room);
  switch (typeof v) {
    case 'string':
      if (v.length <= room.left) return put(JSON.stringify(v), out, room);
      put(JSON.stringify(v.slice(0, room.left)), out, room);
      return stop(out, room);
    case 'number':
      return put(Number.isFinite(v) ? String(v) : JSON.stringify(String(v)), out, room);
    case 'boolean':
    case 'bigint':
      return put(String(v), out, room);
    case 'object':
      break;
    default:
      return put(JSON.stringify(String(v)), out, room);
  }
  if (Array.isArray(v)) {
    put('[', out, room);
    for (let i = 0; i < v.length; i++) {
      if (room.left <= 0) return stop(out, room);
      if (i) put(',', out, room);
      write(v[i], out, room);
    }
  } else {
    put('{', out, room);
    let first = true;
    for (const k in v) {
      if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
      if (room.left <= 0) return stop(out, room);
      if (!first) put(',', out, room);
      first = false;
      put(`${JSON.stringify(k)}:`, out, room);
      write((v as Record<string, unknown>)[k], out, room);
    }
  }
  if (room.cut) return;
  put(Array.isArray(v) ? ']' : '}', out, room);
}

interface Room {
  left: number;
  /** `…` written: the value was cut. */
  cut: boolean;
}

function put(s: string, out: string[], room: Room): void {
  out.push(s);
  room.left -= s.length;
}

function stop(out: string[], room: Room): void {
  if (!room.cut) out.push('…');
  room.cut = true;
}

/** The substring tests `heldSubstring` answers, on two strings as `evaluate.ts`'s `stringOp` tests them. */
const SUBSTRING_TESTS: Partial<Record<Predicate['op'], (hay: string, needle: string) => boolean>> = {
  contains: (h, n) => h.includes(n),
  starts_with: (h, n) => h.startsWith(n),
  ends_with: (h, n) => h.endsWith(n),
};

/** A predicate's values lower-cased, once per values array; null when one is not a string. */
const lowered = new WeakMap<readonly Value[], readonly string[] | null>();

/** The text of each value `heldSubstring` named, once per values array and value. */
const heldTexts = new WeakMap<readonly Value[], string[]>();

function shownHeld(values: readonly Value[], at: number): string {
  let texts = heldTexts.get(values);
  if (!texts) heldTexts.set(values, (texts = []));
  return (texts[at] ??= shownValue(values[at], HELD_MAX));
}

/**
 * The place of the first value of a substring test (`contains`, `starts_with`, `ends_with` of string values, no value
 * transforms) that the string operand passes, as `evaluate.ts` compares two strings (lower-cased both without case);
 * -1 when the predicate is not such a test or no value passes (`heldBy` then asks the reference evaluator). A hit's
 * predicates are mostly these, with tens of values: this spares lower-casing the operand for each.
 */
function heldSubstring(p: Predicate, operand: string): number {
  const test = SUBSTRING_TESTS[p.op];
  if (!test || p.opts?.transforms?.length) return -1;
  const cs = p.opts?.cs ?? OPERATOR_FACTS[p.op].defaultCaseSensitive;
  let values: readonly string[] | null | undefined;
  if (cs) values = p.values.every((v) => typeof v === 'string') ? (p.values as readonly string[]) : null;
  else {
    values = lowered.get(p.values);
    if (values === undefined) lowered.set(p.values, (values = p.values.every((v) => typeof v === 'string') ? (p.values as readonly string[]).map((v) => v.toLowerCase()) : null));
  }
  if (!values) return -1;
  const hay = cs ? operand : operand.toLowerCase();
  for (let i = 0; i < values.length; i++) if (test(hay, values[i]!)) return i;
  return -1;
}

/** One part of a condition that failed on an event (`whyFalse`): its text, and what the event had where a predicate looked. */
export interface FailedPart {
  readonly text: string;
  /** What a predicate read (`shownOperand`): absent for a part that is not one predicate. */
  readonly seen?: string;
  /** A negated part (`not (…)`) that failed because the part inside it holds: an exclusion that applied. */
  readonly excluded?: true;
  /** The name the source gives the group the part is in (a Sigma selection or filter), the nearest one. */
  readonly group?: string;
}

/** Parts `whyFalse` lists, at most; the rest are counted. */
export const FAILED_PARTS_MAX = 12;

/** Characters of a part's text shown. */
const FAILED_TEXT_MAX = 300;

/**
 * Why a condition is false on an event, for `detwiki eval`'s "does this rule fire on this event, and if not, why":
 * the parts that decided it, found by walking the condition as its verdict (`verdict`) reads it. An AND is false by
 * its false parts, an OR by all of its parts (each walked), a NOT by the part inside it that holds (an exclusion
 * that applied, listed as it is); any other part is listed as it is, a predicate with what the event had there.
 * Empty when the condition is not false on the event. At most `max` parts; `more` counts the others.
 */
export function whyFalse(e: Expr, event: unknown, resolve: FieldResolver = resolveDotted, max = FAILED_PARTS_MAX): { parts: FailedPart[]; more: number } {
  const parts: FailedPart[] = [];
  let more = 0;
  const truth = (x: Expr): Truth => verdict(x, event, { resolve });
  const add = (part: FailedPart) => {
    if (parts.length < max) parts.push(part.text.length > FAILED_TEXT_MAX ? { ...part, text: `${part.text.slice(0, FAILED_TEXT_MAX - 1)}…` } : part);
    else more++;
  };
  const walk = (x: Expr, group: string | undefined): void => {
    const named = (x.kind === 'and' || x.kind === 'or') && x.name ? x.name : group;
    const at = named !== undefined ? { group: named } : {};
    switch (x.kind) {
      case 'and': {
        // the parts that are false; with SQL-style nulls an AND can be false with none false alone: those not true
        const falseParts = x.args.filter((a) => truth(a) === false);
        for (const a of falseParts.length ? falseParts : x.args.filter((a) => truth(a) !== true)) walk(a, named);
        return;
      }
      case 'or':
        for (const a of x.args) if (truth(a) !== true) walk(a, named);
        return;
      case 'not': {
        // unknown here (an AND false by SQL-style nulls, none of its parts false alone): listed as it is, not as an exclusion
        if (truth(x) !== false) return add({ text: renderExpr(x), ...at });
        // the part inside: through its one-part groups (a Sigma filter is a named group of one predicate), with its name
        let inner = x.arg;
        let name: string | undefined;
        while ((inner.kind === 'and' || inner.kind === 'or') && inner.args.length === 1) {
          name ??= inner.name;
          inner = inner.args[0]!;
        }
        if (name === undefined && (inner.kind === 'and' || inner.kind === 'or')) name = inner.name;
        add({ text: renderExpr(x), ...(inner.kind === 'pred' ? { seen: shownOperand(operandOf(inner, event, resolve)) } : {}), excluded: true, ...(name !== undefined ? { group: name } : at) });
        return;
      }
      case 'pred':
        add({ text: renderPredicate(x), seen: shownOperand(operandOf(x, event, resolve)), ...at });
        return;
      default:
        add({ text: renderExpr(x), ...at });
    }
  };
  if (truth(e) === false) walk(e, undefined);
  return { parts, more };
}

/** A failed part as one line: `failed in selection: Image ends_with "\\x.exe"   (event: "C:\\y.exe")`, `excluded by filter: …`. */
export function failedPartLine(p: FailedPart): string {
  return `${p.excluded ? 'excluded by' : 'failed'}${p.group !== undefined ? `${p.excluded ? '' : ' in'} ${p.group}` : ''}: ${p.text}${p.seen !== undefined ? `   (event: ${p.seen})` : ''}`;
}
