/**
 * Lowering of Sigma searches into model expressions.
 * - a map is the AND of its items; a list of maps the OR of the maps; a keyword list the OR of keyword searches
 *   (`_keywords contains "x"`, see KEYWORD_FIELD);
 * - an item's value list is an OR (AND with `|all`); values sharing operator and options become one predicate
 *   (`Image ends_with ["\a.exe", "\b.exe"]`, several plain values `in`);
 * - Sigma matching is case-insensitive (cs:false) unless `|cased`; regexes are case-sensitive unless `|i`;
 *   typing is loose (numbers and numeric strings compare as numbers); `null` is is_null, `''` is eq "".
 */
import { and, opaque, or, pred, type Expr, type Operator, type PredicateOptions, type Value, type ValueTransform } from '../../model/expr.ts';
import type { Diagnostic } from '../../model/diagnostics.ts';
import { ipInCidr } from '../../model/evaluate.ts';
import { compileRegex } from '../../model/regex.ts';
import type { Span } from '../../model/span.ts';
import type { DetectionItem, SearchBody } from './detection.ts';
import { SigmaDiagnostics, type At } from './diagnostics.ts';
import { KEYWORD_FIELD, MODIFIER_FACTS } from './sigmaFacts.ts';
import { classify, hasWildcard, literalOf, readSigmaString, wrapPieces } from './values.ts';

export interface LowerContext {
  readonly file: string;
  readonly at: (offset: number) => At;
  readonly diagnostics: Diagnostic[];
}

/** The modifiers of one item, read. */
interface Mods {
  wrap?: 'both' | 'start' | 'end';
  transforms: ValueTransform[];
  op?: Operator;
  re: boolean;
  flags: string;
  all: boolean;
  cased: boolean;
  exists: boolean;
  fieldref: boolean;
  expand: boolean;
  unsupported?: string;
}

export function lowerSearch(body: SearchBody, ctx: LowerContext): Expr {
  switch (body.kind) {
    case 'map':
      return and(...body.items.map((i) => lowerItem(i, ctx)));
    case 'list':
      return or(...body.alternatives.map((a) => lowerSearch(a, ctx)));
    case 'keywords':
      return lowerItem(body.item, ctx);
  }
}

function itemText(item: DetectionItem): string {
  const vals = item.values.map((v) => (v.value === null ? 'null' : JSON.stringify(v.value)));
  return `${item.key || '(keywords)'}: ${vals.length === 1 ? vals[0] : `[${vals.join(', ')}]`}`;
}

function readModifiers(item: DetectionItem, ctx: LowerContext): Mods | Expr {
  const m: Mods = { transforms: [], re: false, flags: '', all: false, cased: false, exists: false, fieldref: false, expand: false };
  const at = ctx.at(item.span.start);
  const bad = (msg: string) => {
    ctx.diagnostics.push(SigmaDiagnostics.badModifier(ctx.file, `"${item.key}": ${msg}`, at));
    return opaque(itemText(item), `invalid modifiers: ${msg}`, item.span);
  };
  for (const name of item.modifiers) {
    const f = MODIFIER_FACTS[name];
    if (!f) {
      ctx.diagnostics.push(SigmaDiagnostics.unknownModifier(ctx.file, name, at));
      return opaque(itemText(item), `unknown modifier "${name}"`, item.span);
    }
    switch (f.role) {
      case 'position':
        if (m.wrap) return bad('more than one of contains, startswith, endswith');
        m.wrap = f.wrap;
        break;
      case 'transform':
        m.transforms.push(f.transform);
        break;
      case 'operator':
        if (m.op) return bad('more than one comparison modifier');
        m.op = f.op;
        break;
      case 're':
        m.re = true;
        break;
      case 'flag':
        m.flags += f.flag;
        break;
      case 'all':
        m.all = true;
        break;
      case 'cased':
        m.cased = true;
        break;
      case 'exists':
        m.exists = true;
        break;
      case 'fieldref':
        m.fieldref = true;
        break;
      case 'expand':
        m.expand = true;
        break;
      case 'unsupported':
        m.unsupported = f.reason;
        break;
    }
  }
  if (m.flags && !m.re) return bad('regex flags (i, m, s) need |re');
  if (m.re && (m.wrap || m.op || m.transforms.length || m.fieldref)) return bad('|re cannot be combined with position, comparison, transform or fieldref modifiers');
  if (m.op && (m.wrap || m.transforms.length || m.fieldref)) return bad(`|${item.modifiers.find((x) => MODIFIER_FACTS[x]?.role === 'operator')} cannot be combined with position or transform modifiers`);
  if (m.exists && item.modifiers.length > 1) return bad('|exists stands alone');
  if (m.fieldref && m.transforms.length) return bad('|fieldref cannot be combined with transforms');
  if (m.unsupported) return opaque(itemText(item), m.unsupported, item.span);
  return m;
}

/** One lowered value: a predicate's op, value and options, or an opaque/whole expression. */
type Lowered = { op: Operator; value?: Value; opts: PredicateOptions } | { expr: Expr };

export function lowerItem(item: DetectionItem, ctx: LowerContext): Expr {
  const mods = readModifiers(item, ctx);
  if ('kind' in mods) return mods;
  const field = item.field ?? KEYWORD_FIELD;
  // a keyword search matches anywhere in the event: contains unless a position modifier says otherwise
  if (item.field === null && !mods.wrap && !mods.re && !mods.op && !mods.exists) mods.wrap = 'both';
  // a value that could not be read may be the one that matches (or, with |all, the one that fails): unknown
  const unread: Lowered[] = item.unread ? [{ expr: opaque(itemText(item), `${item.unread}: not read`, item.span) }] : [];
  if (item.values.length === 0 && !unread.length) return or();
  const lowered = [...item.values.map((v) => lowerValue(item, mods, v.value, v.span, ctx)), ...unread];
  return combine(field, lowered, mods.all, item.span);
}

function lowerValue(item: DetectionItem, m: Mods, v: string | number | boolean | null, span: Span, ctx: LowerContext): Lowered {
  const at = ctx.at(span.start);
  const base: PredicateOptions = { cs: m.cased, typing: 'loose' };
  const bad = (msg: string): Lowered => {
    ctx.diagnostics.push(SigmaDiagnostics.badModifier(ctx.file, `"${item.key}": ${msg}`, at));
    return { expr: opaque(itemText(item), msg, item.span) };
  };
  if (m.exists) {
    const b = typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : undefined;
    if (b === undefined) return bad('|exists needs true or false');
    return { op: b ? 'is_not_null' : 'is_null', opts: {} };
  }
  if (v === null) return { op: 'is_null', opts: {} };
  if (m.expand && typeof v === 'string' && /%[^%\s]+%/.test(v)) {
    // one placeholder: what its values make of the item (each a Sigma string in the value's place, the position
    // modifier's wildcards around it), for a hunt given the list (`ListTest`); encodings and |all stay unknown
    const names = [...v.matchAll(/%([^%\s]+)%/g)].map((x) => x[1]!);
    const template = m.wrap === 'both' ? `*${v}*` : m.wrap === 'start' ? `*${v}` : m.wrap === 'end' ? `${v}*` : v;
    const test = new Set(names).size === 1 && !m.transforms.length && !m.all ? { name: names[0]!, pred: pred(item.field ?? KEYWORD_FIELD, 'wildcard', [], base, span), template } : undefined;
    return { expr: opaque(itemText(item), `expand: placeholder ${v} is replaced by a processing pipeline before use`, item.span, test) };
  }
  if (m.fieldref) {
    if (typeof v !== 'string') return bad('|fieldref needs a field name');
    const op: Operator = m.wrap === 'both' ? 'contains' : m.wrap === 'start' ? 'ends_with' : m.wrap === 'end' ? 'starts_with' : 'eq';
    // equality with a field that is missing (or null) is no match, as Sigma's backends write it (`Image = ParentImage`
    // in SQL, `where Image==ParentImage` in SPL): the model's equality, Python's, holds for two missing values
    if (op === 'eq') return { expr: and(pred(v, 'is_not_null', [], undefined, span), pred(item.field ?? KEYWORD_FIELD, 'eq', [{ kind: 'field', field: v }], base, span)) };
    return { op, value: { kind: 'field', field: v }, opts: base };
  }
  if (m.re) {
    const pattern = String(v);
    const c = compileRegex(pattern, m.flags);
    if (!c.ok) {
      let jsOk = true;
      try {
        new RegExp(pattern, m.flags);
      } catch {
        jsOk = false;
      }
      if (jsOk) ctx.diagnostics.push(SigmaDiagnostics.unboundedRegex(ctx.file, c.error, at));
      else {
        ctx.diagnostics.push(SigmaDiagnostics.badRegex(ctx.file, pattern, c.error, at));
        return { expr: opaque(itemText(item), `regular expression does not compile: ${c.error}`, item.span) };
      }
    }
    return { op: 'regex', value: pattern, opts: { cs: true, typing: 'loose', ...(m.flags ? { flags: [...new Set(m.flags)].sort().join('') } : {}) } };
  }
  if (m.op) {
    if (m.op === 'cidr') {
      if (typeof v !== 'string' || !ipInCidr(v.split('/')[0]!, v)) return bad(`"${String(v)}" is not a CIDR range`);
      return { op: 'cidr', value: v, opts: {} };
    }
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : undefined;
    if (n === undefined) return bad(`|${item.modifiers.join('|')} needs a number`);
    return { op: m.op, value: n, opts: { typing: 'loose' } };
  }
  // plain values and position modifiers
  const opts: PredicateOptions = m.transforms.length ? { ...base, transforms: m.transforms } : base;
  if (typeof v !== 'string') {
    if (!m.wrap && !m.transforms.length) return { op: 'eq', value: v, opts: base };
    v = String(v);
  }
  const pieces = readSigmaString(v);
  const encoding = m.transforms.some((t) => t !== 'windash');
  if (encoding) {
    const lit = literalOf(pieces);
    if (lit === undefined) return bad(`wildcards cannot be encoded by |${m.transforms.join('|')}`);
    const op: Operator = m.wrap === 'both' ? 'contains' : m.wrap === 'start' ? 'ends_with' : m.wrap === 'end' ? 'starts_with' : 'eq';
    return { op, value: lit, opts };
  }
  const { op, value } = classify(wrapPieces(pieces, m.wrap));
  return { op, value, opts };
}

/** Group values with the same operator and options into one predicate each; OR them (AND with |all). */
function combine(field: string, lowered: readonly Lowered[], all: boolean, span: Span): Expr {
  const groups: { op: Operator; values: Value[]; opts: PredicateOptions }[] = [];
  const parts: (number | Expr)[] = [];
  const byKey = new Map<string, number>();
  for (const l of lowered) {
    if ('expr' in l) {
      parts.push(l.expr);
      continue;
    }
    if (l.value === undefined) {
      parts.push(pred(field, l.op, [], undefined, span));
      continue;
    }
    const key = `${l.op}\u0000${JSON.stringify(l.opts)}`;
    const idx = byKey.get(key);
    if (idx !== undefined) groups[idx]!.values.push(l.value);
    else {
      byKey.set(key, groups.length);
      parts.push(groups.length);
      groups.push({ op: l.op, values: [l.value], opts: l.opts });
    }
  }
  const exprs = parts.map((p) => {
    if (typeof p !== 'number') return p;
    const g = groups[p]!;
    const op: Operator = g.op === 'eq' && g.values.length > 1 && !all ? 'in' : g.op;
    const opts: PredicateOptions = all && g.values.length > 1 ? { ...g.opts, match: 'all' } : g.opts;
    return pred(field, op, g.values, opts, span);
  });
  return all ? and(...exprs) : or(...exprs);
}
