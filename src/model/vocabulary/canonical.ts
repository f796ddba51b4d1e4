/**
 * A rule's predicates re-expressed over canonical log sources and fields (issue "one event, every vendor").
 * Each language declares a `Vocabulary` (data tables beside its adapter): which canonical log sources a rule
 * reads, and how its field names map onto the raw log's own names. `canonicalView` applies it to one rule:
 * the canonical condition (native predicates kept beside), the share of predicates on mapped fields, and the
 * action keys (log source + action field + value) that "same action" links compare.
 *
 * Derived name fields: `Image:name` is the file name of the `Image` path. A language that only has the name
 * (Defender `FileName`, ECS `process.name`, CIM `process_name`) maps onto it; a path predicate that pins the
 * file name (`Image endswith "\cmd.exe"`, `Image eq "C:\…\cmd.exe"`) is re-expressed as `Image:name eq "cmd.exe"`,
 * which is what the path test means for the name (Windows paths end in the file name). Likewise an attachment's
 * name tested for a suffix `.ext` (`FileName endswith ".jnlp"`) is a test of its extension (`EXTENSION_OF_NAME`).
 */
import { and, not, or, pred, type Expr, type Predicate, type Value } from '../expr.ts';
import { negatePredicate } from '../analyze.ts';
import { OPERATOR_FACTS } from '../operators.ts';
import { regexAsStringTest } from '../regex.ts';
import type { RuleRecord } from '../rule.ts';
import { FLAT_LOG_SOURCES, LOG_SOURCE_BY_ID } from './logSources.ts';

/** Native field name → canonical field name, for one canonical log source. */
export type FieldTable = Readonly<Record<string, string>>;

/** What a language declares about its names (see the module comment). */
export interface Vocabulary {
  /** Canonical log source ids the rule reads, from what its language declares; empty when none can be told. */
  readonly logSources: (rule: RuleRecord) => readonly string[];
  /**
   * The log sources a hunt runs the rule on, where they differ from `logSources`: a rule over a product's own table
   * (Defender XDR's `DeviceProcessEvents`) reads that table's rows, whose fields no raw log has, though the same
   * action links it to the raw log's rules. Absent: `logSources`.
   */
  readonly huntLogSources?: (rule: RuleRecord) => readonly string[];
  /**
   * Its log sources read the rule's stages (their kind and detail: Elastic's ES|QL `FROM` indices and endpoint
   * categories). A hunt loads the stages of such a language's rules only (`src/hunt/load.ts`).
   */
  readonly readsStages?: boolean;
  /** Field tables per canonical log source id; `*` applies to every log source of the language. */
  readonly fields: Readonly<Record<string, FieldTable>>;
  /** Native field spelling normalised before lookup (a YARA-L `$e.` prefix, a data-model prefix). */
  readonly normalizeField?: (field: string) => string;
  /**
   * Values that differ by vendor but mean the same (Defender `ActionType` "LogonSuccess" is Security event 4624):
   * per canonical log source, per canonical field, native value (lower-case) → canonical value.
   */
  readonly values?: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, string | number>>>>>>;
  /**
   * Log sources (ids, or prefixes ending in `.`) whose raw field names the language uses as they are: any field
   * of such a rule is its own canonical name (Sigma's Windows taxonomy is the Windows event data; Panther reads
   * CloudTrail JSON). Vendor log sources (`vendor:…`) always keep their names.
   */
  readonly raw?: readonly string[];
  /**
   * Per log source, a field prefix under which the language keeps the raw log's own names (ECS
   * `winlog.event_data.TargetUserName` is the Windows event's `TargetUserName`): the rest of the name is canonical.
   */
  readonly rawPrefixes?: Readonly<Record<string, string>>;
}

/** One predicate of a rule on a canonical field. */
export interface CanonicalPredicate {
  readonly logSource: string;
  readonly field: string;
  readonly op: Predicate['op'];
  readonly values: readonly Value[];
  readonly cs: boolean;
  /** Under a negation in the condition (an exclusion, not something the rule looks for). */
  readonly negated: boolean;
  /** The native predicate, as the rule writes it. */
  readonly native: Predicate;
}

/** Log source + action field + value: what "same action" links compare (value lower-cased; `cs` kept). */
export interface ActionKey {
  readonly logSource: string;
  readonly field: string;
  readonly value: string;
  readonly display: string;
  readonly cs: boolean;
}

export interface CanonicalView {
  readonly logSources: readonly string[];
  /** The condition over canonical fields (unmapped fields keep their native name, prefixed `?`). */
  readonly condition?: Expr;
  readonly predicates: readonly CanonicalPredicate[];
  /** Predicates (leaves with a field) counted, and those on a mapped canonical field. */
  readonly total: number;
  readonly mapped: number;
  readonly actionKeys: readonly ActionKey[];
}

const tableCache = new WeakMap<FieldTable, Map<string, string>>();
function lowerTable(t: FieldTable): Map<string, string> {
  let m = tableCache.get(t);
  if (!m) {
    m = new Map(Object.entries(t).map(([k, v]) => [k.toLowerCase(), v]));
    tableCache.set(t, m);
  }
  return m;
}
const rawFieldCache = new Map<string, Map<string, string>>();
function rawFields(ls: string): Map<string, string> {
  let m = rawFieldCache.get(ls);
  if (!m) {
    m = new Map((LOG_SOURCE_BY_ID.get(ls)?.fields ?? []).map((f) => [f.toLowerCase(), f]));
    rawFieldCache.set(ls, m);
  }
  return m;
}

/** The canonical name of a native field for a log source, or undefined when the vocabulary does not map it. */
export function canonicalField(vocab: Vocabulary, logSource: string, native: string): string | undefined {
  const f = (vocab.normalizeField ? vocab.normalizeField(native) : native).toLowerCase();
  const own = vocab.fields[logSource];
  const hit = (own && lowerTable(own).get(f)) ?? (vocab.fields['*'] && lowerTable(vocab.fields['*']).get(f));
  if (hit) return hit;
  // the raw log's own name (Sigma and Panther read raw logs)
  const raw = rawFields(logSource).get(f);
  if (raw) return raw;
  const prefix = vocab.rawPrefixes?.[logSource];
  if (prefix && f.startsWith(prefix.toLowerCase()) && f.length > prefix.length) {
    const n = vocab.normalizeField ? vocab.normalizeField(native) : native;
    return n.slice(prefix.length);
  }
  if (logSource.startsWith('vendor:') || vocab.raw?.some((r) => (r.endsWith('.') ? logSource.startsWith(r) : logSource === r))) return vocab.normalizeField ? vocab.normalizeField(native) : native;
  // nested raw paths: requestParameters.roleArn under requestParameters
  const dot = f.indexOf('.');
  if (dot > 0 && !FLAT_LOG_SOURCES.has(logSource)) {
    const head = rawFields(logSource).get(f.slice(0, dot));
    if (head) return head + (vocab.normalizeField ? vocab.normalizeField(native) : native).slice(dot);
  }
  return undefined;
}

/**
 * The nested path a derived operand reads when it only parses a JSON text and takes members of it (`json(x).a.b` is
 * `x.a.b` of the raw log, whose `x` holds that part as text: Azure's AKS audit events in `properties.log`); undefined
 * for any other derivation, or a member taken with a default other than null (a missing member would then compare
 * as the default).
 */
export function jsonMemberPath(p: Predicate): string | undefined {
  const steps = p.derived?.steps ?? [];
  if (steps.length < 2 || steps[0]!.fn !== 'json') return undefined;
  const keys: string[] = [];
  for (let i = 1; i < steps.length; i++) {
    const s = steps[i]!;
    const [key, dflt] = s.args ?? [];
    if (s.fn !== 'get' || typeof key !== 'string' || key === '') return undefined;
    const last = i === steps.length - 1;
    if (s.args!.length > 1 && !(dflt === null || (!last && typeof dflt === 'object'))) return undefined;
    keys.push(key);
  }
  return `${p.field}.${keys.join('.')}`;
}

function withoutDerived(p: Predicate, field: string): Predicate {
  const { derived: _derived, ...plain } = p;
  return { ...plain, field };
}

/** Re-express a rule over canonical fields. */
export function canonicalView(rule: RuleRecord, vocab: Vocabulary): CanonicalView {
  const logSources = [...new Set(vocab.logSources(rule))];
  const cond = rule.logic.condition;
  if (!cond || logSources.length === 0) return { logSources, predicates: [], total: 0, mapped: 0, actionKeys: [] };
  const predicates: CanonicalPredicate[] = [];
  let total = 0;
  let mapped = 0;
  const mapPred = (q: Predicate, negated: boolean, scope: string): Expr => {
    total++;
    // inside an array quantifier a field starting with `.` is the element's (`.` the element itself); any other is
    // the event's own
    const prefix = q.field.startsWith('.') ? scope : '';
    const at = (f: string) => (prefix + f.replace(/^\.+/, '')).replace(/\.$/, '');
    // a member of a JSON text (json(properties.log).verb) is the raw log's nested field; any other derived operand
    // (len(x), lower(x), split(x)[i]) is not the field's value: it keeps its chain over the canonical field (so it is
    // mapped, shown and evaluated there), but is no value of that field: no value mapping, action key or indicator
    // row, and implication compares it only with the same chain (implication.ts)
    const member = q.derived ? jsonMemberPath(q) : undefined;
    if (q.derived && member === undefined) {
      for (const ls of logSources) {
        const field = canonicalField(vocab, ls, at(q.field));
        // a field whose values differ by vendor (Defender ActionType → EventID) cannot carry the chain across
        if (!field || vocab.values?.[ls]?.[field]) continue;
        mapped++;
        return { ...q, field: prefix ? q.field : field };
      }
      return { ...q, field: `?${q.field}` };
    }
    const native: Predicate = member === undefined ? q : withoutDerived(q, member);
    const p = asStringTest(native);
    for (const ls of logSources) {
      const field = canonicalField(vocab, ls, at(p.field));
      if (!field) continue;
      mapped++;
      const { re, path, canonical } = reexpress(mapValues(vocab, ls, field, p), prefix ? p.field : field, field);
      // a negative operator under a negation is a requirement (`not (eventName ne "X")` is eventName eq "X")
      const dual = negated && OPERATOR_FACTS[re.op].negative ? negatePredicate(re) : undefined;
      const pos = dual ?? re;
      predicates.push({ logSource: ls, field: prefix ? (canonical ?? field) : pos.field, op: pos.op, values: pos.values, cs: pos.opts?.cs ?? false, negated: dual ? false : negated, native });
      return path ? and(path, re) : re;
    }
    return pred(`?${p.field}`, p.op, p.values, p.opts, p.span);
  };
  // inside an array quantifier (MQL `any(attachments, .file_extension == "x")`) fields are element-relative: they
  // are looked up by their absolute path, and keep their relative name in the condition
  const walk = (e: Expr, negated: boolean, depth: number, prefix = ''): Expr => {
    if (depth > 200) return e;
    switch (e.kind) {
      case 'pred':
        return mapPred(e, negated, prefix);
      case 'each':
        return { ...e, expr: walk(e.expr, negated, depth + 1, `${prefix}${e.array.replace(/^\.+/, '')}.`) };
      case 'and':
      case 'or': {
        const args = e.args.map((a) => walk(a, negated, depth + 1, prefix));
        const out = e.kind === 'and' ? and(...args) : or(...args);
        return e.name && (out.kind === 'and' || out.kind === 'or') ? { ...out, name: e.name } : out;
      }
      case 'not':
        return not(walk(e.arg, !negated, depth + 1, prefix));
      case 'quant':
        return { ...e, items: e.items.map((i) => ({ name: i.name, expr: walk(i.expr, negated, depth + 1, prefix) })) };
      default:
        return e;
    }
  };
  const condition = walk(cond, false, 0);
  return { logSources, condition, predicates, total, mapped, actionKeys: [...actionKeysOf(predicates), ...tupleKeysOf(logSources, condition)] };
}

/**
 * A regular expression that states a string test exactly (`.*\\cmd\.exe` is contains `\cmd.exe`: YARA-L and
 * Sigma `|re` write many so) as that test, so that it meets other languages' tests of the same value (action keys,
 * a path's file name, canonical indicators). Every value must state the same kind of test; otherwise the predicate
 * stays a regex.
 */
function asStringTest(p: Predicate): Predicate {
  if (p.op !== 'regex' || !p.values.length) return p;
  const cs = p.opts?.cs ?? OPERATOR_FACTS.regex.defaultCaseSensitive;
  const tests = p.values.map((v) => (typeof v === 'string' ? regexAsStringTest(v, p.opts?.anchor, p.opts?.flags, cs) : undefined));
  const first = tests[0];
  if (!first || tests.some((t) => !t || t.op !== first.op || t.ci !== first.ci)) return p;
  const { flags: _flags, anchor: _anchor, ...opts } = p.opts ?? {};
  const op = first.op === 'eq' && tests.length > 1 ? 'in' : first.op;
  return pred(p.field, op, tests.map((t) => t!.value), { ...opts, cs: !first.ci }, p.span, p.derived);
}

/** Native values onto canonical ones where the vocabulary says they mean the same. */
function mapValues(vocab: Vocabulary, ls: string, field: string, p: Predicate): Predicate {
  const table = vocab.values?.[ls]?.[field];
  if (!table) return p;
  const values = p.values.map((v) => (typeof v === 'string' && table[v.toLowerCase()] !== undefined ? table[v.toLowerCase()]! : v));
  return { ...p, values };
}

/**
 * A predicate on a canonical field. A path test that pins the file name becomes a test of the derived `:name`
 * field (see the module comment): `endswith "\\x.exe"` is exactly `:name eq "x.exe"`; a full path (`eq`, `in`) is
 * kept beside the name it implies (`path` is returned, and the caller conjoins both), so that the canonical
 * condition stays equivalent to the native one, also under a negation. Everything else keeps its operator, values
 * and options; a test without values (`is_not_null`) is never re-expressed.
 */
function reexpress(p: Predicate, field: string, canonical: string): { re: Predicate; path?: Predicate; canonical?: string } {
  const values = p.values;
  const strings = values.length > 0 && values.every((v): v is string => typeof v === 'string');
  const extension = EXTENSION_OF_NAME.get(canonical);
  if (strings && extension && p.op === 'ends_with') {
    // `file_name endswith ".jnlp"` is exactly `file_extension == "jnlp"`: the extension is what follows the last dot
    const exts = values.map((v) => (v.length > 1 && v.startsWith('.') && !/[./\\*?]/.test(v.slice(1)) ? v.slice(1) : undefined));
    if (exts.every((x): x is string => x !== undefined)) {
      const rel = field.slice(0, field.length - canonical.slice(canonical.lastIndexOf('.') + 1).length) + extension.slice(extension.lastIndexOf('.') + 1);
      return { re: pred(rel, exts.length > 1 ? 'in' : 'eq', exts, { ...(p.opts ?? {}), cs: p.opts?.cs ?? false }, p.span), canonical: extension };
    }
  }
  if (strings && !field.endsWith(':name') && NAME_OF_PATH.has(field)) {
    const names = values.map((v) => baseName(v, p.op));
    if (names.every((n): n is string => n !== undefined)) {
      const name = pred(`${field}:name`, names.length > 1 ? 'in' : 'eq', names, { ...(p.opts ?? {}), cs: false }, p.span);
      // `endswith "\\x.exe"` says exactly that the name is x.exe; a full path says more than its name
      return p.op === 'ends_with' ? { re: name } : { re: name, path: pred(field, p.op, values, p.opts, p.span) };
    }
  }
  return { re: pred(field, p.op, values, p.opts, p.span) };
}

/** Name fields whose extension (after the last dot) is a canonical field of its own: Sublime's and Defender's attachments. */
const EXTENSION_OF_NAME: ReadonlyMap<string, string> = new Map([['attachments.file_name', 'attachments.file_extension']]);

/** Path fields whose file name is the derived `:name` field. */
const NAME_OF_PATH: ReadonlySet<string> = new Set(['Image', 'ParentImage', 'TargetFilename', 'ImageLoaded', 'TargetImage']);

/** The file name a path test pins: `endswith "\x.exe"` or `eq "C:\…\x.exe"`; undefined when it pins none. */
function baseName(v: string, op: Predicate['op']): string | undefined {
  if (op !== 'ends_with' && op !== 'eq' && op !== 'in') return undefined;
  const cut = Math.max(v.lastIndexOf('\\'), v.lastIndexOf('/'));
  if (cut < 0) return undefined;
  const name = v.slice(cut + 1);
  if (!name || name.includes('*') || name.includes('?')) return undefined;
  if (op === 'ends_with' && cut !== 0) return undefined;
  return name;
}

/** A numeric value within the range (a value that is no number is outside). */
function inRange(value: string, [lo, hi]: readonly [number, number]): boolean {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  return n >= lo && n <= hi;
}

/** Positive eq / in predicates on an action field of their log source. */
function actionKeysOf(preds: readonly CanonicalPredicate[]): ActionKey[] {
  const out: ActionKey[] = [];
  const seen = new Set<string>();
  for (const p of preds) {
    if (p.negated || (p.op !== 'eq' && p.op !== 'in')) continue;
    const ls = LOG_SOURCE_BY_ID.get(p.logSource);
    const action = ls?.actionFields.find((f) => f.toLowerCase() === p.field.toLowerCase());
    if (!action) continue;
    for (const v of p.values) {
      if (typeof v !== 'string' && typeof v !== 'number') continue;
      const value = String(v).toLowerCase();
      if (!value || value.includes('*')) continue;
      if (ls?.actionRange && !inRange(value, ls.actionRange)) continue;
      const k = `${p.logSource}|${action}|${value}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ logSource: p.logSource, field: action, value, display: String(v), cs: p.cs });
    }
  }
  return out;
}

/** One conjunction of a condition: pinned values per canonical field (positive eq / in, or negated ne / not_in). */
type Branch = ReadonlyMap<string, readonly string[]>;

/** Conjunctions kept at most when a condition is spread into its disjuncts (the rest are dropped). */
const MAX_BRANCHES = 256;

/**
 * Keys of log sources whose action is a combination of fields (`actionTuple`, e.g. Kubernetes verb + resource
 * + subresource): the condition is spread into conjunctions (negations pushed to the leaves, opaque parts and
 * other fields ignored), and each conjunction that pins the resource gives one key per combination of its values.
 */
function tupleKeysOf(logSources: readonly string[], condition: Expr): ActionKey[] {
  const out: ActionKey[] = [];
  for (const id of logSources) {
    const src = LOG_SOURCE_BY_ID.get(id);
    const tuple = src?.actionTuple;
    if (!tuple) continue;
    const fields = new Set(tuple.map((f) => f.toLowerCase()));
    const seen = new Set<string>();
    for (const b of branchesOf(condition, fields, false, 0)) {
      const [verb, object, qualifier] = tuple.map((f) => b.get(f.toLowerCase()));
      if (!object?.length) continue;
      for (const v of verb?.length ? verb : (src.actionTupleAll ?? []))
        for (const o of object)
          for (const q of qualifier?.length ? qualifier : ['']) {
            const value = `${v} ${o}${q ? `/${q}` : ''}`.toLowerCase();
            if (seen.has(value) || value.includes('*')) continue;
            seen.add(value);
            out.push({ logSource: id, field: tuple.join('+'), value, display: value, cs: false });
          }
    }
  }
  return out;
}

function branchesOf(e: Expr, fields: ReadonlySet<string>, neg: boolean, depth: number): Branch[] {
  const free: Branch[] = [new Map()];
  if (depth > 100) return free;
  switch (e.kind) {
    case 'pred': {
      const f = e.field.toLowerCase();
      if (!fields.has(f)) return free;
      const pinning = neg ? e.op === 'ne' : e.op === 'eq' || e.op === 'in';
      const values = e.values.filter((v): v is string => typeof v === 'string').map((v) => v.toLowerCase());
      return pinning && values.length ? [new Map([[f, values]])] : free;
    }
    case 'not':
      return branchesOf(e.arg, fields, !neg, depth + 1);
    case 'and':
    case 'or':
      return combine(e.args.map((a) => branchesOf(a, fields, neg, depth + 1)), (e.kind === 'and') !== neg);
    case 'quant':
      return combine(e.items.map((i) => branchesOf(i.expr, fields, neg, depth + 1)), (e.count === 'all') !== neg);
    default:
      return free;
  }
}

/** Conjunction (product, values of a field intersected) or disjunction (union) of branch lists. */
function combine(parts: Branch[][], conjunction: boolean): Branch[] {
  if (!conjunction) return distinct(parts.flat());
  let acc: Branch[] = [new Map()];
  for (const part of parts) {
    const next: Branch[] = [];
    for (const a of acc)
      for (const b of part) {
        const m = new Map(a);
        let empty = false;
        for (const [f, vs] of b) {
          const prev = m.get(f);
          const merged = prev ? prev.filter((v) => vs.includes(v)) : vs;
          if (!merged.length) empty = true;
          m.set(f, merged);
        }
        if (!empty) next.push(m);
      }
    acc = distinct(next);
  }
  return acc;
}

/** Branches without repeats (only the tuple's fields are kept, so few are distinct), at most MAX_BRANCHES. */
function distinct(bs: Branch[]): Branch[] {
  const seen = new Map<string, Branch>();
  for (const b of bs) {
    const k = JSON.stringify([...b].sort((x, y) => x[0].localeCompare(y[0])).map(([f, vs]) => [f, [...vs].sort()]));
    if (!seen.has(k)) seen.set(k, b);
    if (seen.size >= MAX_BRANCHES) break;
  }
  return [...seen.values()];
}
