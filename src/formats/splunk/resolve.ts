/**
 * How a Splunk field name finds its value in a JSON event. Splunk's JSON extraction (`KV_MODE = json`, `spath`) names
 * a nested value by its dotted path and an array's elements with `{}` (`user.groups{}`, `resources{}.ARN`,
 * `{}.Name` for a top-level array): a name with `{}` is read segment by segment, a key only in an object and `{}`
 * only on an array, whose elements it collects (`a{}.b{}` flattens the lists into one); there is no such field where the
 * event's shape differs (`user.groups{}` of a string). A name without `{}` is read as the model's dotted paths.
 */
import { resolveDotted, type FieldResolver } from '../../model/evaluate.ts';
import { walkSegments } from '../pathWalk.ts';

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

export const resolveSplunkField: FieldResolver = (event, field) => {
  if (!field.includes('{}')) return resolveDotted(event, field);
  const segs = splunkPath(field);
  return segs ? walkSegments(event, segs, 0, false) : undefined;
};
