/** Stable keys of catalog entities (indicator values, log sources), shared by the build and the pages. */
import { hash } from 'node:crypto';
import type { Value } from '../model/expr.ts';

/** Values compare case-insensitively across formats: `\reg.exe` in Sigma and `\REG.EXE` in KQL are one value. */
export function valueKey(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return 's:' + v.toLowerCase();
  if (typeof v === 'number') return 'n:' + String(v);
  if (typeof v === 'boolean') return 'b:' + String(v);
  return 'f:' + v.field.toLowerCase();
}

export function shortHash(s: string, n = 16): string {
  // the one-shot `hash` spares a Hash object per key (a build makes ~200k keys)
  return hash('sha1', s, 'hex').slice(0, n);
}

/** Key of an indicator (field, operator, one value): the indicator page's id. */
export function indicatorKey(field: string, op: string, vkey: string): string {
  return shortHash(`${field.toLowerCase()}\0${op}\0${vkey}`);
}

/** Key of a log source (kind, name): the log-source page's id. */
export function logSourceKey(kind: string, name: string): string {
  return shortHash(`${kind}\0${name}`, 12);
}

/** A value as text for search and pages. */
export function valueText(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return `field(${v.field})`;
  return String(v);
}
