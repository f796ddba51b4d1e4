/** Small readers over parsed TOML tables (smol-toml values), shared by the Elastic adapter's modules. */
import type { RuleRecord } from '../../model/rule.ts';
import type { SourceInfo } from '../adapter.ts';
import { isRecord } from '../../model/isRecord.ts';

export type Table = Record<string, unknown>;

export function isTable(v: unknown): v is Table {
  return isRecord(v) && !(v instanceof Date);
}

/** A non-empty string (numbers, booleans and dates as text), else undefined. */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() ? v : undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v !== null && typeof v === 'object' && 'toISOString' in v && typeof (v as { toISOString: unknown }).toISOString === 'function') return String(v);
  return undefined;
}

/**
 * Any TOML value as text, never throwing: a string as it is, numbers, booleans and dates as `str` gives them, a list's
 * elements joined with ", ", a table as JSON, nothing as "". `String()` throws on a table: smol-toml makes tables
 * without a prototype (a fuzzed rule with an inline table among `investigation_fields` took its file down, GEN004).
 */
export function text(v: unknown): string {
  if (typeof v === 'string') return v;
  const s = str(v);
  if (s !== undefined) return s;
  if (Array.isArray(v)) return v.map(text).join(', ');
  if (v === null || v === undefined) return '';
  return JSON.stringify(v) ?? '';
}

/** A value as a list: arrays as they are, a scalar as one element, nothing as none. */
export function list(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === undefined || v === null) return [];
  return [v];
}

export function sourceOf(path: string, source: SourceInfo): RuleRecord['source'] {
  return { repository: source.repository, path, ...(source.commit ? { commit: source.commit } : {}), ...(source.licence ? { licence: source.licence } : {}), ...(source.urlBase ? { url: source.urlBase + path } : {}) };
}
