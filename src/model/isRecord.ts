/**
 * A plain object as parsed JSON, YAML or TOML makes it (a mapping): not null, not an array. A TOML date is an object
 * too; the TOML reader, which must tell them apart, tests for it itself.
 */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
