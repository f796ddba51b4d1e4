/**
 * One diagnostic type for every phase and language: `{code, severity, message, file, line, column, hint?}`.
 * Codes are stable and made by factory functions kept in one place per language (`<format>/diagnostics.ts`);
 * codes shared by all adapters are made here. Tests check the code and location, not the message text.
 */
export type DiagnosticSeverity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  /** Stable code, `<AREA><nnn>`: e.g. `GEN001`, `PAN010`, `SIG003`. */
  readonly code: string;
  readonly severity: DiagnosticSeverity;
  readonly message: string;
  /** Path relative to the source root. */
  readonly file: string;
  /** 1-based, when known. */
  readonly line?: number;
  readonly column?: number;
  /** What to do instead. */
  readonly hint?: string;
}

export function diag(
  code: string,
  severity: DiagnosticSeverity,
  file: string,
  message: string,
  at?: { line?: number; column?: number },
  hint?: string,
): Diagnostic {
  const d: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = { code, severity, message, file };
  if (at?.line !== undefined) d.line = at.line;
  if (at?.column !== undefined) d.column = at.column;
  if (hint) d.hint = hint;
  return d;
}

/** `file:line:col: severity CODE: message` */
export function formatDiagnostic(d: Diagnostic): string {
  const loc = d.line !== undefined ? `${d.file}:${d.line}${d.column !== undefined ? `:${d.column}` : ''}` : d.file;
  return `${loc}: ${d.severity} ${d.code}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`;
}

/**
 * Codes shared by all adapters. Language-specific codes live in each adapter's diagnostics module.
 * | code   | meaning |
 * | GEN001 | file could not be read |
 * | GEN002 | file larger than the size limit; skipped |
 * | GEN003 | YAML / TOML / JSON syntax error |
 * | GEN004 | adapter crashed on this file (a bug: reported, other files unaffected) |
 * | GEN005 | nesting deeper than the limit |
 * | GEN006 | required field missing |
 */
export const GeneralDiagnostics = {
  unreadable: (file: string, err: string) => diag('GEN001', 'error', file, `cannot read file: ${err}`),
  tooLarge: (file: string, size: number, limit: number) =>
    diag('GEN002', 'error', file, `file is ${size} bytes, over the ${limit}-byte limit; not parsed`, undefined, 'split the file or raise the limit'),
  syntax: (file: string, lang: string, message: string, at?: { line?: number; column?: number }) =>
    diag('GEN003', 'error', file, `${lang} syntax error: ${message}`, at),
  crash: (file: string, err: unknown) =>
    diag('GEN004', 'error', file, `internal error while parsing: ${err instanceof Error ? err.message : String(err)}`, undefined, 'report this as a detection-wiki bug'),
  tooDeep: (file: string, limit: number, at?: { line?: number; column?: number }) =>
    diag('GEN005', 'error', file, `nesting deeper than ${limit} levels`, at),
  missingField: (file: string, field: string, at?: { line?: number; column?: number }) =>
    diag('GEN006', 'error', file, `required field ${field} is missing`, at),
} as const;

/** Limits applied to untrusted input, named once. */
export const LIMITS = {
  /** Largest rule file parsed. */
  maxFileBytes: 2 * 1024 * 1024,
  /** Deepest expression nesting produced by an adapter. */
  maxDepth: 200,
  /** Longest string a regex is run against. */
  maxRegexInput: 64 * 1024,
  /** Longest regex pattern compiled. */
  maxRegexPattern: 8 * 1024,
} as const;
