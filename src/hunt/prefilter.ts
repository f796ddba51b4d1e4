/**
 * Literal prefilters: for a condition, a set of keys (field + normalised literal) such that an event with none of
 * them cannot make the condition true or unknown, so the rule is not evaluated on it. Keys come from positive
 * equality (`eq`, `in` with non-numeric string values) and from path suffixes (`ends_with` / `*\x.exe` globs):
 * the file name after the last `\` or `/`. An AND takes the most selective of its parts, an OR needs keys on every
 * branch, a NOT or anything else gives none (the rule is always evaluated). Soundness: every key test is
 * implied by the predicate holding (lower-casing keeps equality; a suffix that contains a separator fixes the
 * last path segment), and none of these predicates can be unknown.
 */
import { assertNever, type Expr, type Predicate } from '../model/expr.ts';
import { EventView } from '../model/compile.ts';

export type KeyKind = 'eq' | 'base\\' | 'base/';

export interface PrefilterKey {
  readonly field: string;
  readonly kind: KeyKind;
  readonly value: string;
}

/** Fields that route events rather than select them: keys on them are a last resort. */
const ROUTING_FIELDS = new Set(['eventid', 'channel', 'provider_name', 'eventsource', 'eventtype', 'p_log_type', 'category', 'type']);

const numericLike = (s: string) => s.trim() !== '' && !Number.isNaN(Number(s));

/** Event-side normalisation of a literal (RE2 folds `ſ` with `s`; lower-casing does not). */
export function norm(s: string): string {
  const l = s.toLowerCase();
  return l.includes('ſ') ? l.replaceAll('ſ', 's') : l;
}

function predKeys(p: Predicate): PrefilterKey[] | undefined {
  const o = p.opts ?? {};
  if (o.missingAs !== undefined || o.transforms?.length || p.values.length === 0) return undefined;
  if (o.match === 'all' && p.values.length > 1) {
    // every value must hold: any one of them is a requirement
    const one = predKeys({ ...p, values: [p.values[0]!], opts: { ...o, match: 'any' } });
    return one;
  }
  const out: PrefilterKey[] = [];
  for (const v of p.values) {
    if (typeof v !== 'string') return undefined;
    switch (p.op) {
      case 'eq':
      case 'in':
        if (numericLike(v)) return undefined;
        out.push({ field: p.field, kind: 'eq', value: norm(v) });
        break;
      case 'ends_with': {
        if (o.typing === 'strict') return undefined; // Python: endswith on a list is an error (unknown)
        const k = baseKey(p.field, norm(v));
        if (!k) return undefined;
        out.push(k);
        break;
      }
      case 'wildcard': {
        if (o.wildcard === 'like') return undefined;
        // a glob `…*<suffix>` whose suffix has a separator and no wildcard or escape fixes the last segment
        const star = v.lastIndexOf('*');
        const suffix = v.slice(star + 1);
        if (star < 0 || suffix.includes('?') || (star > 0 && v[star - 1] === '\\') || suffix.includes('*')) return undefined;
        if (/\\[*?\\]/.test(suffix)) return undefined;
        const k = baseKey(p.field, norm(suffix));
        if (!k) return undefined;
        out.push(k);
        break;
      }
      default:
        return undefined;
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

function cost(keys: readonly PrefilterKey[]): number {
  let c = keys.length;
  for (const k of keys) if (ROUTING_FIELDS.has(k.field.toLowerCase())) c += 1000;
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

/** The key strings an event offers for one field and kind (the value, or each element of a list). */
export function eventKeys(view: EventView, field: string, kind: KeyKind): string[] {
  const v = view.get(field);
  const out: string[] = [];
  const add = (x: unknown): void => {
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') {
      const s = typeof x === 'string' ? norm(x) : String(x).toLowerCase();
      if (kind === 'eq') out.push(s);
      else {
        const sep = kind === 'base\\' ? '\\' : '/';
        out.push(s.slice(s.lastIndexOf(sep) + 1));
      }
    }
  };
  if (Array.isArray(v)) for (const x of v) add(x);
  else add(v);
  return out;
}
