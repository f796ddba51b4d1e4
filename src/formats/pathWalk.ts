/**
 * A field path as segments, walked over a JSON event: a key of an object, an index of a list, or every element of a
 * list (`any`: Panther's `[*]`, Splunk's `{}`). A later `any` gives a list of its own, flattened into the earlier
 * one's (the SQL resolvers' `keyPath` in `src/hunt/sql/fields.ts` does the same).
 */
export type PathSegment = { readonly key: string } | { readonly index: number } | { readonly any: true };

/** The value at segment `i` on of `v`; keys exact, then (with `ci`) case-insensitive; undefined where the shape differs. */
export function walkSegments(v: unknown, segs: readonly PathSegment[], i: number, ci: boolean): unknown {
  if (i === segs.length) return v;
  if (v === null || v === undefined) return undefined;
  const s = segs[i]!;
  if ('any' in s) {
    if (!Array.isArray(v)) return undefined;
    const out: unknown[] = [];
    for (const el of v) {
      const r = walkSegments(el, segs, i + 1, ci);
      if (r === undefined) continue;
      if (Array.isArray(r) && segs.slice(i + 1).some((x) => 'any' in x)) out.push(...r);
      else out.push(r);
    }
    return out.length ? out : undefined;
  }
  if ('index' in s) return Array.isArray(v) ? walkSegments(v[s.index], segs, i + 1, ci) : undefined;
  if (typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(o, s.key)) return walkSegments(o[s.key], segs, i + 1, ci);
  if (!ci) return undefined;
  const lower = s.key.toLowerCase();
  const k = Object.keys(o).find((x) => x.toLowerCase() === lower);
  return k === undefined ? undefined : walkSegments(o[k], segs, i + 1, ci);
}
