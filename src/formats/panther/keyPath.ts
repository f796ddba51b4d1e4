/**
 * Panther key specifiers (match expressions): `Key: name` (a top-level key), `DeepKey: [a, b, 0]` (a list of keys and
 * indexes), `KeyPath: a.b[0].c` / `a[*].b` (JSON-path-like). Fields keep Panther's KeyPath spelling; the resolver
 * below finds such a field in a JSON event (`[*]` collects from every element, `[n]` indexes).
 */
import type { FieldResolver } from '../../model/evaluate.ts';
import { resolvePythonField } from './python/resolve.ts';
import { walkSegments, type PathSegment } from '../pathWalk.ts';

export type { PathSegment };

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
  return walkSegments(event, segs, 0, true);
};
