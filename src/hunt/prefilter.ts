/**
 * Literal prefilters: for a condition, keys (field + normalised literal) an event must offer for the condition to
 * be true or unknown, so the rule is not evaluated on an event without them. Keys come from positive equality
 * (`eq`, `in` with non-numeric string values) and from path suffixes (`ends_with` / `*\x.exe` globs): the file name
 * after the last `\` or `/`; and from substrings (`contains`, `starts_with`, `ends_with`, the literal parts of a
 * glob, a regex's required literal), found in one pass per field (`substrings.ts`). `prefilterRequirement` gives
 * the whole requirement as a tree (AND of parts, OR of branches; a NOT or anything else needs nothing), and
 * `requirementCut` one key list of it the engine reaches the rule through; `prefilterKeys` is one such list (an AND
 * takes the most selective of its parts, an OR needs keys on every branch). Soundness: every key test is implied by
 * the predicate holding (lower-casing keeps equality; a suffix that contains a separator fixes the last path
 * segment), and none of these predicates can be unknown; a predicate on a derived operand keys the operand itself
 * (`derivedKeys`), whose scan offers every key where the operand could make it unknown.
 */
import { assertNever, type Expr, type Predicate } from '../model/expr.ts';
import { derivedOperandKey, norm } from '../model/compile.ts';
import { applyTransform, evaluatePredicate, predicateOnDerived, wildcardRuns } from '../model/evaluate.ts';
import { FAILED_NULL } from '../model/derive.ts';
import { compileIfCertain } from '../model/regex.ts';
import { ASCII } from '../model/ascii.ts';

/**
 * `eq`: the whole value; `base\` / `base/`: the value's last path segment; `sub`: a substring of the value; `num`:
 * the value as a number, offered only by a number or a numeric string (`numKey`), never by a boolean: what a
 * loosely typed numeric equality holds on exactly (the keys of a `none` requirement).
 */
export type KeyKind = 'eq' | 'base\\' | 'base/' | 'sub' | 'num' | 'dsub' | 'xsub';

/**
 * Keys scanned as substrings: `sub`, of the field's value; `dsub`, a substring of a value derived from the field
 * that is itself a part of the field's text (`derivedKeys`); `xsub`, a substring of a derived operand that is not (a
 * `replace_regex` of the path, a command line's `argv`), which the scan computes as the evaluation does (once per
 * event for both). A `dsub` index offers every one of its keys when the field's value is not a string or a number (a
 * list or an object is read as its JSON text there, which the scan does not read); an `xsub` index when the operand is
 * unknown, an object or over the regex input bound, or is null or missing (or a step failed to null) and the
 * predicate is not false there (a scalar is read as its text, a list or several values element by element).
 */
export const isSubstringKind = (k: KeyKind): boolean => k === 'sub' || k === 'dsub' || k === 'xsub';

export interface PrefilterKey {
  /** The field; for `xsub`, what identifies the derived operand (`derivedOperandKey`). */
  readonly field: string;
  readonly kind: KeyKind;
  readonly value: string;
  /** `xsub`: the predicate whose derived operand the scan computes. */
  readonly operand?: DerivedPredicate;
  /** `xsub`: the predicate is false when the operand is null or missing (or a step failed to null): none offered then. */
  readonly falseWhenMissing?: boolean;
}

export type DerivedPredicate = Predicate & { readonly derived: NonNullable<Predicate['derived']> };

/** Fields that route events rather than select them: keys on them are a last resort. */
const ROUTING_FIELDS = new Set(['eventid', 'channel', 'provider_name', 'eventsource', 'eventtype', 'p_log_type', 'category', 'type']);

/** Fields with few distinct values (most events share them): poor keys when another part of the rule has one. */
const FEW_VALUES = new Set(['integritylevel', 'company', 'product', 'logontype', 'signed', 'signaturestatus', 'initiated', 'protocol', 'status', 'result', 'outcome.result', 'errorcode', 'useridentity.type', 'awsregion']);

export const numericLike = (s: string) => s.trim() !== '' && !Number.isNaN(Number(s));

export { norm };

const longest = (xs: readonly string[]) => xs.reduce((a, b) => (b.length > a.length ? b : a), '');

/** The canonical spelling of a number, as keys write it (`16`, `16.0` and `0x10` alike). */
export const numKey = (n: number) => `#${String(n)}`;

function predKeys(p: Predicate): PrefilterKey[] | undefined {
  const o = p.opts ?? {};
  // a derived operand is not the field's value: its keys are of the operand (`derivedKeys`). SQL-style nulls (MQL)
  // make the predicate null on an event without the field, which offers no key: a rule that needs the predicate is
  // then null or false, no match as the engine reports it (`verdict`)
  if (p.values.length === 0) return undefined;
  if (p.derived) return derivedKeys(p);
  if (o.missingAs !== undefined) {
    // a field's default (YARA-L's zero values, Python's `.get(k, "")`): keys of the value the event has only when the
    // predicate is false on the default (an event without the field then offers none and needs none)
    if (evaluatePredicate(p, {}, () => undefined) !== false) return undefined;
    const { missingAs: _m, nullAsMissing: _n, ...rest } = o;
    return predKeys({ ...p, opts: rest });
  }
  if (o.transforms?.length) return transformedKeys(p);
  if (o.match === 'all' && p.values.length > 1) {
    // every value must hold: any one of them is a requirement
    const one = predKeys({ ...p, values: [p.values[0]!], opts: { ...o, match: 'any' } });
    return one;
  }
  const out: PrefilterKey[] = [];
  for (const v of p.values) {
    if (typeof v === 'number' && (p.op === 'eq' || p.op === 'in') && Number.isFinite(v)) {
      out.push({ field: p.field, kind: 'eq', value: numKey(v) });
      continue;
    }
    if (typeof v !== 'string') return undefined;
    switch (p.op) {
      case 'eq':
      case 'in':
        // a numeric string equals a number of the same value (loose typing) or the same string
        out.push({ field: p.field, kind: 'eq', value: o.typing !== 'strict' && numericLike(v) ? numKey(Number(v)) : norm(v) });
        break;
      case 'has': {
        // KQL's term match: the term occurs in the value (lower-cased unless case-sensitive) as a substring
        const n = norm(v);
        if (n === '') return undefined;
        out.push({ field: p.field, kind: 'sub', value: n });
        break;
      }
      case 'contains':
      case 'starts_with':
      case 'ends_with': {
        if (o.typing === 'strict') return undefined; // Python: on a list or None this is an error (unknown) or membership
        const n = norm(v);
        const k = p.op === 'ends_with' ? baseKey(p.field, n) : undefined;
        if (k) out.push(k);
        else if (n !== '') out.push({ field: p.field, kind: 'sub', value: n });
        else return undefined;
        break;
      }
      case 'wildcard': {
        // RE2 folds an ASCII letter only with ASCII letters, K (lower-cased to k) and ſ (normalised): ASCII only
        const style = o.wildcard ?? 'sigma';
        if (style === 'like' || !ASCII.test(v)) return undefined;
        // the literal runs as the pattern's own style reads it (an EQL or SPL backslash is a character, not an escape)
        const lits = wildcardRuns(v, style).runs;
        // a glob `…*<suffix>` whose suffix has a separator fixes the last segment; else its longest literal run
        const last = lits[lits.length - 1]!;
        const k = lits.length > 1 && !v.endsWith('?') ? baseKey(p.field, norm(last)) : undefined;
        const lit = norm(longest(lits));
        if (k) out.push(k);
        else if (lits.length === 1) out.push({ field: p.field, kind: 'eq', value: lit });
        else if (lit !== '') out.push({ field: p.field, kind: 'sub', value: lit });
        else return undefined;
        break;
      }
      case 'regex': {
        // a literal run the pattern requires, when RE2 can run it (else every value is unknown): known without
        // compiling it when the pattern is in the subset `regexPlan` reads (`certain`); another pattern gives no key
        // (RE2 would have to compile it, a millisecond or more, for every rule of the catalog, run or not)
        const lit = requiredLiteral(v);
        if (!lit) return undefined;
        if (!compileIfCertain(v, (o.flags ?? '') + ((o.cs ?? true) ? '' : 'i'))?.ok) return undefined;
        out.push({ field: p.field, kind: 'sub', value: norm(lit) });
        break;
      }
      default:
        return undefined;
    }
  }
  return out;
}

/** Steps whose result is a part of their input's text (a match of `extract`, `substring`, `trim`) or its lower case. */
const PART_STEPS = new Set(['extract', 'substring', 'trim', 'lower']);

/**
 * Keys of a predicate on a derived operand: what the operand must contain (every key of the predicate on a plain
 * value is a substring of that value), not from numbers (a numeric string equal to a number need not contain its
 * digits).
 * - When the operand is a part of the field's text (`basename` as `extract("[^\\/]*$", 0, path)`, Elastic's and
 *   Splunk's readings of a file name), no step can make it unknown (an `extract` pattern RE2 runs; no `onError:
 *   unknown`) and the field has no default, the field's text contains it too: `dsub`, scanned on the field's value.
 * - Else `xsub`: the scan computes the operand itself (`derivedOperandOf`, as the evaluation does, once per event for
 *   both) and offers every key when it is not a string or strings, except a null or missing one on which the
 *   predicate is false (`falseWhenMissing`).
 */
function derivedKeys(p: Predicate): PrefilterKey[] | undefined {
  const d = p.derived!;
  if (p.opts?.transforms?.length || d.steps.length === 0) return undefined;
  const part = d.onError !== 'unknown' && p.opts?.missingAs === undefined && d.steps.every((step) => PART_STEPS.has(step.fn) && (step.fn !== 'extract' || certainPattern(step.args)));
  // the predicate on the operand's value: the field's default was applied before the chain
  const { missingAs: _m, nullAsMissing: _n, ...opts } = p.opts ?? {};
  const keys = predKeys({ ...p, derived: undefined, opts });
  if (!keys) return undefined;
  const operand = p as DerivedPredicate;
  const none = (): unknown => undefined;
  const falseWhenMissing = !part && [undefined, null, FAILED_NULL].every((x) => predicateOnDerived(p, x, {}, none) === false);
  // one index per operand and per behaviour on a missing one (an index's keys all read it alike)
  const field = part ? p.field : `${derivedOperandKey(operand)}${falseWhenMissing ? '' : '\u0000offered when missing'}`;
  const out: PrefilterKey[] = [];
  for (const k of keys) {
    if (k.value.startsWith('#') || k.value === '') return undefined;
    out.push(part ? { field, kind: 'dsub', value: k.value } : { field, kind: 'xsub', value: k.value, operand, falseWhenMissing });
  }
  return out;
}

function certainPattern(args: readonly unknown[] | undefined): boolean {
  const [pattern, , flags] = args ?? [];
  return typeof pattern === 'string' && compileIfCertain(pattern, typeof flags === 'string' ? flags : '')?.ok === true;
}

/**
 * The longest run of literal ASCII characters a regular expression requires, outside any group and class, when it
 * has no top-level alternation (undefined when there is none of 3 characters or more). A character followed by
 * `?`, `*` or `{` is optional and ends the run; one followed by `+` ends it after itself.
 */
export function requiredLiteral(re: string): string | undefined {
  let depth = 0;
  let best = '';
  let cur = '';
  const end = () => {
    if (cur.length > best.length) best = cur;
    cur = '';
  };
  for (let i = 0; i < re.length; i++) {
    const c = re[i]!;
    if (c === '[') {
      // skip the class (a `]` first in it is literal)
      end();
      let j = i + 1;
      if (re[j] === '^') j++;
      if (re[j] === ']') j++;
      for (; j < re.length && re[j] !== ']'; j++) if (re[j] === '\\') j++;
      i = j;
      continue;
    }
    if (c === '{') {
      // a counted repetition `{n,m}`: its digits are not text
      end();
      const close = re.indexOf('}', i);
      if (close > i) i = close;
      continue;
    }
    if (c === '(') {
      end();
      depth++;
      continue;
    }
    if (c === ')') {
      end();
      depth--;
      continue;
    }
    if (c === '|') {
      if (depth === 0) return undefined;
      end();
      continue;
    }
    let lit: string | undefined;
    if (c === '\\') {
      const n = re[i + 1];
      i++;
      if (n !== undefined && /[.\\/\-*+?()[\]{}|^$ #:"'=,;@!%&~<>]/.test(n)) lit = n;
    } else if (/[A-Za-z0-9_\-\/:"'=,;@!%&~<> #]/.test(c)) lit = c;
    if (lit === undefined || depth > 0) {
      end();
      continue;
    }
    const q = re[i + 1];
    if (q === '?' || q === '*' || q === '{') {
      end();
      continue;
    }
    cur += lit;
    if (q === '+') end();
  }
  end();
  return best.length >= 3 ? best : undefined;
}

/**
 * Substring predicates with Sigma value transforms (base64offset, utf16, windash): the alternatives a transform
 * makes do not depend on the event, and one of them must occur.
 */
function transformedKeys(p: Predicate): PrefilterKey[] | undefined {
  if (p.op !== 'contains' && p.op !== 'starts_with' && p.op !== 'ends_with') return undefined;
  if (p.opts?.typing === 'strict' || p.opts?.match === 'all') return undefined;
  const out: PrefilterKey[] = [];
  for (const v of p.values) {
    if (typeof v !== 'string') return undefined;
    let alts = [v];
    for (const t of p.opts?.transforms ?? []) alts = alts.flatMap((a) => applyTransform(t, a));
    for (const a of alts) {
      const n = norm(a);
      if (n === '') return undefined;
      out.push({ field: p.field, kind: 'sub', value: n });
    }
  }
  return out;
}

function baseKey(field: string, suffix: string): PrefilterKey | undefined {
  const b = suffix.lastIndexOf('\\');
  if (b >= 0) return { field, kind: 'base\\', value: suffix.slice(b + 1) };
  const s = suffix.lastIndexOf('/');
  if (s >= 0) return { field, kind: 'base/', value: suffix.slice(s + 1) };
  return undefined;
}

/** How many events a key set lets through, roughly: routing fields and short substrings are poor filters. */
export function cost(keys: readonly PrefilterKey[]): number {
  let c = 0;
  for (const k of keys) {
    c += isSubstringKind(k.kind) ? (k.value.length < 4 ? 40 : k.value.length < 6 ? 15 : 3) : 1;
    // an `xsub` index computes its operand on every event of the rule set: a trigger when nothing cheaper is
    if (k.kind === 'xsub') c += 100;
    const f = k.field.toLowerCase();
    if (ROUTING_FIELDS.has(f)) c += 1000;
    else if (FEW_VALUES.has(f)) c += 50;
  }
  return c;
}

/** Keys of a condition (undefined: no prefilter, always evaluate; empty: the condition is never true). */
export function prefilterKeys(e: Expr): PrefilterKey[] | undefined {
  switch (e.kind) {
    case 'pred':
      return predKeys(e);
    case 'const':
      return e.value ? undefined : [];
    case 'opaque':
    case 'not':
    case 'each':
      return undefined;
    case 'and':
      return best(e.args.map(prefilterKeys));
    case 'or':
      return union(e.args.map(prefilterKeys));
    case 'quant': {
      const parts = e.items.map((i) => prefilterKeys(i.expr));
      if (e.count === 'all') return best(parts);
      if (e.count <= 0) return undefined;
      return union(parts);
    }
    default:
      return assertNever(e, 'expression');
  }
}

function best(parts: (PrefilterKey[] | undefined)[]): PrefilterKey[] | undefined {
  let b: PrefilterKey[] | undefined;
  for (const p of parts) if (p && (!b || cost(p) < cost(b))) b = p;
  return b;
}

function union(parts: (PrefilterKey[] | undefined)[]): PrefilterKey[] | undefined {
  const out: PrefilterKey[] = [];
  for (const p of parts) {
    if (!p) return undefined;
    out.push(...p);
  }
  return out;
}

/**
 * What an event must offer for a condition to be true or unknown, as a tree over keys: a predicate needs one of
 * its keys (a `match: all` predicate one key of each value), an AND all of its parts that need something, an OR
 * one of its branches (when every branch needs something), an `n of` quantifier one of its items, an `all of` every
 * item; a NOT, an opaque part or an array quantifier need nothing (undefined), a false constant can never be met.
 * Each leaf is sound as `prefilterKeys` is: the key test is implied by the predicate holding.
 */
export type Requirement = { readonly any: readonly PrefilterKey[] } | { readonly none: readonly PrefilterKey[] } | { readonly all: readonly Requirement[] } | { readonly either: readonly Requirement[] };

/**
 * The keys of a predicate that holds on exactly the events offering one of them, for a NOT of it (`none`): a loosely
 * typed equality with numbers (`EventID in [1, 10]`), which `equals` in `evaluate.ts` decides as `numKey` does (a
 * number or a numeric string of the same value, any element of a list; never a boolean, never unknown). Such a NOT
 * guards the opaque branches of a reading (`not EventID in [1, 10] and <opaque: …>`: the event kinds a reading has
 * no field mapping for): before, a NOT needed nothing, so the whole condition did, and the reading was evaluated on
 * every event of its log source.
 */
function exactNumberKeys(p: Predicate): PrefilterKey[] | undefined {
  const o = p.opts ?? {};
  if (p.op !== 'eq' && p.op !== 'in') return undefined;
  if (p.derived || o.transforms?.length || o.typing === 'strict' || o.listMatch === 'whole' || o.match === 'all' || p.values.length === 0) return undefined;
  const out: PrefilterKey[] = [];
  for (const v of p.values) {
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    out.push({ field: p.field, kind: 'num', value: numKey(v) });
  }
  return out;
}

export function prefilterRequirement(e: Expr): Requirement | undefined {
  switch (e.kind) {
    case 'pred': {
      const o = e.opts ?? {};
      if (o.match === 'all' && e.values.length > 1 && !o.transforms?.length) {
        const parts = e.values.map((v) => predKeys({ ...e, values: [v], opts: { ...o, match: 'any' } })).filter((k): k is PrefilterKey[] => k !== undefined);
        return parts.length ? { all: parts.map((any) => ({ any })) } : undefined;
      }
      const k = predKeys(e);
      return k ? { any: k } : undefined;
    }
    case 'const':
      return e.value ? undefined : { any: [] };
    case 'not': {
      const k = e.arg.kind === 'pred' ? exactNumberKeys(e.arg) : undefined;
      return k ? { none: k } : undefined;
    }
    case 'opaque':
    case 'each':
      return undefined;
    case 'and': {
      const parts = e.args.map(prefilterRequirement).filter((r): r is Requirement => r !== undefined);
      return parts.length ? { all: parts } : undefined;
    }
    case 'or': {
      const parts = e.args.map(prefilterRequirement);
      return parts.every((r): r is Requirement => r !== undefined) ? { either: parts } : undefined;
    }
    case 'quant': {
      const parts = e.items.map((i) => prefilterRequirement(i.expr));
      if (e.count === 'all') {
        const needed = parts.filter((r): r is Requirement => r !== undefined);
        return needed.length ? { all: needed } : undefined;
      }
      if (e.count <= 0) return undefined;
      return parts.every((r): r is Requirement => r !== undefined) ? { either: parts } : undefined;
    }
    default:
      return assertNever(e, 'expression');
  }
}

/** Every key a requirement needs (not those of its `none` leaves, which it needs absent). */
export function requirementKeys(r: Requirement, out: PrefilterKey[] = []): PrefilterKey[] {
  if ('any' in r) out.push(...r.any);
  else if (!('none' in r)) for (const x of 'all' in r ? r.all : r.either) requirementKeys(x, out);
  return out;
}

/**
 * The requirement without its `xsub` keys (undefined: nothing left to check), for the check after the trigger: an
 * `xsub` index is scanned (its operand computed) only where it is a trigger, so a key list with one of them holds
 * unchecked. Fewer checks, never more: the rule is evaluated on at least the events the whole requirement allows.
 */
export function withoutComputedKeys(r: Requirement): Requirement | undefined {
  if ('any' in r) return r.any.some((k) => k.kind === 'xsub') ? undefined : r;
  if ('none' in r) return r;
  if ('all' in r) {
    const kept = r.all.map(withoutComputedKeys).filter((x): x is Requirement => x !== undefined);
    if (kept.length === r.all.length && kept.every((x, i) => x === r.all[i])) return r;
    return kept.length === 0 ? undefined : kept.length === 1 ? kept[0] : { all: kept };
  }
  const kept: Requirement[] = [];
  for (const x of r.either) {
    const k = withoutComputedKeys(x);
    // a branch that needs nothing checked: the whole either holds unchecked
    if (!k) return undefined;
    kept.push(k);
  }
  return kept.every((x, i) => x === r.either[i]) ? r : { either: kept };
}

/**
 * The cheapest set of keys of which an event must offer one for the requirement to hold (a cut): a key list as
 * it is, the cheapest part of an `all`, every branch of an `either` together. A rule is reached through its cut.
 * Undefined when there is none: a `none` leaf holds on an event that offers nothing, and so does an `either` with
 * such a branch (the rule is then evaluated on every event of its rule set whose keys meet the requirement).
 */
export function requirementCut(r: Requirement, keyCost: (k: PrefilterKey) => number): { keys: PrefilterKey[]; cost: number } | undefined {
  if ('any' in r) return { keys: [...r.any], cost: r.any.reduce((a, k) => a + keyCost(k), 0) };
  if ('none' in r) return undefined;
  if ('all' in r) {
    let best: { keys: PrefilterKey[]; cost: number } | undefined;
    for (const x of r.all) {
      const c = requirementCut(x, keyCost);
      if (c && (!best || c.cost < best.cost)) best = c;
    }
    return best;
  }
  const keys: PrefilterKey[] = [];
  let total = 0;
  for (const x of r.either) {
    const c = requirementCut(x, keyCost);
    if (!c) return undefined;
    keys.push(...c.keys);
    total += c.cost;
  }
  return { keys, cost: total };
}
