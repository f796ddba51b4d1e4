/**
 * Panther key specifiers (match expressions): `Key: name` (a top-level key), `DeepKey: [a, b, 0]` (a list of keys and
 * indexes), `KeyPath: a.b[0].c` / `a[*].b` (JSON-path-like). Fields keep Panther's KeyPath spelling; the resolver
 * below finds such a field in a JSON event (`[*]` collects from every element, `[n]` indexes).
 */
import type { FieldResolver } from '../../model/evaluate.ts';
import { resolvePythonField } from './python/resolve.ts';

export type PathSegment = { readonly key: string } | { readonly index: number } | { readonly any: true };

/** Split a KeyPath into segments; undefined when it is malformed (unbalanced brackets, empty key). */
export function parseKeyPath(path: string): PathSegment[] | undefined {
  const out: PathSegment[] = [];
  let i = 0;
  let cur = '';
  const flush = (): boolean => {
    if (cur === '') return false;
    out.push({ key: cur });
    cur = '';
    return true;
  };
  while (i < path.length) {
    const c = path[i]!;
    if (c === '.') {
      if (cur === '' && !(out.length && path[i - 1] === ']')) return undefined;
      if (cur !== '') flush();
      i++;
    } else if (c === '[') {
      if (cur !== '') flush();
      const close = path.indexOf(']', i);
      if (close < 0) return undefined;
      const inner = path.slice(i + 1, close).trim();
      if (inner === '*') out.push({ any: true });
      else if (inner !== '' && [...inner].every((ch) => ch >= '0' && ch <= '9')) out.push({ index: Number(inner) });
      else if ((inner.startsWith('"') && inner.endsWith('"')) || (inner.startsWith("'") && inner.endsWith("'"))) out.push({ key: inner.slice(1, -1) });
      else return undefined;
      i = close + 1;
    } else {
      cur += c;
      i++;
    }
  }
  if (cur !== '') flush();
  return out.length ? out : undefined;
}

/** A DeepKey list as a KeyPath string: `[a, b, 0]` → `a.b[0]`. */
export function deepKeyToPath(parts: readonly unknown[]): string | undefined {
  let s = '';
  for (const p of parts) {
    if (typeof p === 'number' && Number.isInteger(p)) s += `[${p}]`;
    else if (typeof p === 'string' && p !== '') s += s === '' ? p : `.${p}`;
    else return undefined;
  }
  return s || undefined;
}

/** Does the path cross a list wildcard (`[*]`)? Predicates on such fields match when any element does. */
export function crossesList(path: string): boolean {
  return parseKeyPath(path)?.some((s) => 'any' in s) ?? false;
}

/** Resolve a Panther field (KeyPath spelling, or a plain dotted path) in a JSON event. */
export const resolvePantherField: FieldResolver = (event, field) => {
  // Panther's event object is a case-insensitive dict: the Python runtime's resolver applies to plain paths
  if (!field.includes('[')) return resolvePythonField(event, field);
  const segs = parseKeyPath(field);
  if (!segs) return undefined;
  return walk(event, segs, 0);
};

function walk(v: unknown, segs: readonly PathSegment[], i: number): unknown {
  if (i === segs.length) return v;
  if (v === null || v === undefined) return undefined;
  const s = segs[i]!;
  if ('any' in s) {
    if (!Array.isArray(v)) return undefined;
    const out: unknown[] = [];
    for (const el of v) {
      const r = walk(el, segs, i + 1);
      if (r === undefined) continue;
      if (Array.isArray(r) && segs.slice(i + 1).some((x) => 'any' in x)) out.push(...r);
      else out.push(r);
    }
    return out.length ? out : undefined;
  }
  if ('index' in s) return Array.isArray(v) ? walk(v[s.index], segs, i + 1) : undefined;
  if (typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(o, s.key)) return walk(o[s.key], segs, i + 1);
  const lower = s.key.toLowerCase();
  const k = Object.keys(o).find((x) => x.toLowerCase() === lower);
  return k === undefined ? undefined : walk(o[k], segs, i + 1);
}
