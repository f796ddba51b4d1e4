/**
 * How a Splunk field name finds its value in a JSON event. Splunk's JSON extraction (`KV_MODE = json`, `spath`) names
 * a nested value by its dotted path and an array's elements with `{}` (`user.groups{}`, `resources{}.ARN`,
 * `{}.Name` for a top-level array): a name with `{}` is read segment by segment, a key only in an object and `{}`
 * only on an array, whose elements it collects (`a{}.b{}` flattens the lists into one); there is no such field where the
 * event's shape differs (`user.groups{}` of a string). A name without `{}` is read as the model's dotted paths.
 */
import { resolveDotted, type FieldResolver } from '../../model/evaluate.ts';
import { isRecord } from '../../model/isRecord.ts';

export type SplunkSegment = { readonly key: string } | { readonly any: true };

/** The segments of a name with `{}` (`a.b{}.c` → a, b, {}, c); undefined for an empty key (`a..b`, `a.{}`). */
export function splunkPath(field: string): SplunkSegment[] | undefined {
  const out: SplunkSegment[] = [];
  for (const [i, part] of field.split('.').entries()) {
    let key = part;
    let arrays = 0;
    while (key.endsWith('{}')) {
      key = key.slice(0, -2);
      arrays++;
    }
    // only the first part may be a bare `{}` (a top-level array)
    if (key === '' && !(i === 0 && arrays > 0)) return undefined;
    if (key !== '') out.push({ key });
    for (let n = 0; n < arrays; n++) out.push({ any: true });
  }
  return out;
}

function walk(v: unknown, segs: readonly SplunkSegment[], i: number): unknown {
  if (i === segs.length) return v;
  const s = segs[i]!;
  if ('any' in s) {
    if (!Array.isArray(v)) return undefined;
    const out: unknown[] = [];
    for (const el of v) {
      const r = walk(el, segs, i + 1);
      if (r === undefined) continue;
      // a later `{}` gives a list of its own, flattened into this one (as the SQL resolver's `keyPath`)
      if (Array.isArray(r) && segs.slice(i + 1).some((x) => 'any' in x)) out.push(...r);
      else out.push(r);
    }
    return out.length ? out : undefined;
  }
  return isRecord(v) && Object.prototype.hasOwnProperty.call(v, s.key) ? walk(v[s.key], segs, i + 1) : undefined;
}

export const resolveSplunkField: FieldResolver = (event, field) => {
  if (!field.includes('{}')) return resolveDotted(event, field);
  const segs = splunkPath(field);
  return segs ? walk(event, segs, 0) : undefined;
};
