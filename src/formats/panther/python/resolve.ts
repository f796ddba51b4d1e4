/**
 * How Panther's Python runtime finds a field: PantherEvent is an ImmutableCaseInsensitiveDict (nested dicts too),
 * so `event.get("eventName")` finds `eventname` when no exact key exists. Exact key first, then a
 * case-insensitive match, at every level. Paths crossing a list collect from every element (as the model's
 * default resolver does; `deep_walk` semantics).
 */
import type { FieldResolver } from '../../../model/evaluate.ts';

export const resolvePythonField: FieldResolver = (event, field) => walk(event, field.split('.'), 0);

function lookupKey(o: Record<string, unknown>, key: string): { found: boolean; value?: unknown } {
  if (Object.prototype.hasOwnProperty.call(o, key)) return { found: true, value: o[key] };
  const lower = key.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return { found: true, value: o[k] };
  return { found: false };
}

function walk(v: unknown, parts: readonly string[], i: number): unknown {
  if (i === parts.length) return v;
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    const key = parts[i]!;
    if (key !== '' && [...key].every((c) => c >= '0' && c <= '9')) return walk(v[Number(key)], parts, i + 1);
    const out: unknown[] = [];
    for (const el of v) {
      const r = walk(el, parts, i);
      if (r === undefined) continue;
      if (Array.isArray(r)) out.push(...r);
      else out.push(r);
    }
    return out.length ? out : undefined;
  }
  if (typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  // keys that contain dots: try the longest join first
  for (let j = parts.length; j > i; j--) {
    const r = lookupKey(o, parts.slice(i, j).join('.'));
    if (r.found) {
      const w = walk(r.value, parts, j);
      if (w !== undefined || j === i + 1) return w;
    }
  }
  return undefined;
}
