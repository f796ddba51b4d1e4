/**
 * How YARA-L finds a UDM field in a JSON event, for `eval`: the path the lowering wrote (`principal.hostname`,
 * `security_result.detection_fields["status_code"]`, `about[0].ip`; a leading `$e.` is stripped too). UDM JSON
 * comes in proto snake_case or the API's camelCase (`metadata.event_type` / `metadata.eventType`): both are found.
 * A repeated field collects from every element. Map access `["k"]` reads key `k` of an object, or the `value` of the
 * `{key, value}` entries with that key (UDM labels and detection fields). An event wrapped as `{"udm": {...}}`
 * (search results) is unwrapped. A timestamp's `seconds` / `nanos` are read from its RFC 3339 text too (proto JSON writes
 * a `Timestamp` as text).
 */
import type { FieldResolver } from '../../model/evaluate.ts';
import { isRecord } from '../../model/isRecord.ts';

type Part = { kind: 'name'; name: string } | { kind: 'key'; key: string } | { kind: 'index'; index: number };

const cache = new Map<string, Part[] | null>();

/** Split `a.b["k"][0]` into parts; null when the path is malformed. */
export function splitUdmPath(path: string): Part[] | null {
  const hit = cache.get(path);
  if (hit !== undefined) return hit;
  const parts: Part[] = [];
  let i = path.startsWith('$') ? path.indexOf('.') + 1 : 0;
  if (i === 0 && path.startsWith('$')) return null;
  let name = '';
  const flush = () => {
    if (name) parts.push({ kind: 'name', name });
    name = '';
  };
  while (i < path.length) {
    const c = path[i]!;
    if (c === '.') {
      flush();
      i++;
    } else if (c === '[') {
      flush();
      const close = path.indexOf(']', i);
      if (close < 0) return null;
      const inner = path.slice(i + 1, close);
      if (/^\d+$/.test(inner)) parts.push({ kind: 'index', index: Number(inner) });
      else {
        try {
          parts.push({ kind: 'key', key: JSON.parse(inner) as string });
        } catch {
          return null;
        }
      }
      i = close + 1;
    } else {
      name += c;
      i++;
    }
  }
  flush();
  if (cache.size < 10_000) cache.set(path, parts);
  return parts;
}

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_m, ch: string) => ch.toUpperCase());

function own(o: Record<string, unknown>, k: string): unknown {
  if (Object.prototype.hasOwnProperty.call(o, k)) return o[k];
  const c = camel(k);
  return c !== k && Object.prototype.hasOwnProperty.call(o, c) ? o[c] : undefined;
}

function step(v: unknown, p: Part): unknown {
  if (v === null || v === undefined) return undefined;
  if (p.kind === 'index') return Array.isArray(v) ? v[p.index] : undefined;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    if (p.kind === 'key' && v.every((el) => isRecord(el) && 'key' in el)) {
      for (const el of v as Record<string, unknown>[]) if (el['key'] === p.key) out.push(el['value']);
      return out.length ? (out.length === 1 ? out[0] : out) : undefined;
    }
    for (const el of v) {
      const r = step(el, p);
      if (r === undefined) continue;
      if (Array.isArray(r)) out.push(...r);
      else out.push(r);
    }
    return out.length ? out : undefined;
  }
  if (typeof v === 'string' && p.kind === 'name' && (p.name === 'seconds' || p.name === 'nanos')) return timestampPart(v, p.name);
  if (typeof v !== 'object') return undefined;
  return own(v as Record<string, unknown>, p.kind === 'name' ? p.name : p.key);
}

/**
 * `seconds` / `nanos` of a timestamp written as RFC 3339 text, as UDM JSON writes a proto `Timestamp`
 * (`"2024-05-01T10:00:00.5Z"`): what a rule's `$e.metadata.event_timestamp.seconds` reads. Other text has none.
 */
function timestampPart(v: string, part: 'seconds' | 'nanos'): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)) return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) return undefined;
  if (part === 'seconds') return Math.floor(ms / 1000);
  const frac = /\.(\d+)/.exec(v)?.[1] ?? '';
  return Number((frac + '000000000').slice(0, 9));
}

function walk(event: unknown, parts: readonly Part[]): unknown {
  let v: unknown = event;
  for (const p of parts) {
    v = step(v, p);
    if (v === undefined) return undefined;
  }
  return v;
}

export const resolveUdmField: FieldResolver = (event, field) => {
  const parts = splitUdmPath(field);
  if (!parts) return undefined;
  const direct = walk(event, parts);
  if (direct !== undefined) return direct;
  if (isRecord(event)) {
    const udm = event['udm'];
    if (udm !== null && typeof udm === 'object') return walk(udm, parts);
  }
  return undefined;
};
