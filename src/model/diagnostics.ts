/**
 * One diagnostic type for every phase and language: `{code, severity, message, file, span?, line?, column?, hint?}`.
 *
 * Codes are typed (`DiagnosticCode`: an area prefix and a number) and every area has one code table
 * (`CodeTable`: code → severity and meaning) kept beside its factories (`<format>/diagnostics.ts`); the factories
 * take the severity from the table, so the table is the list of what the area can emit. `docs/diagnostics.md` is
 * generated from every table (a test checks it is current). Codes shared by all adapters are made here.
 *
 * Location: `span` is the offsets in `file` (recorded while parsing); `line` / `column` are the same place as the
 * page shows it, computed from the span by the source map that made it (`SourceMap.at`), or the only location a
 * parser gives (a YAML error line). Tests check the code and the span / line, not the message text.
 */
export type DiagnosticSeverity = 'error' | 'warning' | 'info';

/** Area prefixes of diagnostic codes: GEN (every adapter), ATK (the ATT&CK bundle), then one per language or lowering. */
export const DIAGNOSTIC_AREAS = ['GEN', 'ATK', 'PAN', 'PY', 'SIG', 'KQL', 'SPL', 'ELA', 'EQL', 'EKQ', 'ESQ', 'ELU', 'YRL', 'MQL'] as const;
export type DiagnosticArea = (typeof DIAGNOSTIC_AREAS)[number];

/** A stable code: its area and a number, `GEN001`, `PAN010`, `SIG003`. */
export type DiagnosticCode<A extends DiagnosticArea = DiagnosticArea> = `${A}${number}`;

/** Offsets into the diagnostic's file, end exclusive (UTF-16 code units, as `Span`). */
export interface DiagnosticSpan {
  readonly start: number;
  readonly end: number;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: DiagnosticSeverity;
  readonly message: string;
  /** Path relative to the source root. */
  readonly file: string;
  /** 1-based, when known. */
  readonly line?: number;
  readonly column?: number;
  /** Offsets in `file`, when the parser gave them. */
  readonly span?: DiagnosticSpan;
  /** What to do instead. */
  readonly hint?: string;
}

/** Where a diagnostic points: a line (and column), and the offsets when known. `SourceMap.at` makes one. */
export interface At {
  readonly line?: number;
  readonly column?: number;
  readonly span?: DiagnosticSpan;
}

/** What a code means, in the area's table (the row of `docs/diagnostics.md`). */
export interface CodeFacts {
  readonly severity: DiagnosticSeverity;
  readonly meaning: string;
}

/** Every code of one area with its facts. */
export type CodeTable<A extends DiagnosticArea = DiagnosticArea> = Readonly<Partial<Record<DiagnosticCode<A>, CodeFacts>>>;

/**
 * A diagnostic. Prefer an area's factories (which take the severity from the area's table); this is what they
 * call.
 */
export function diag(code: DiagnosticCode, severity: DiagnosticSeverity, file: string, message: string, at?: At, hint?: string): Diagnostic {
  const d: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = { code, severity, message, file };
  if (at?.line !== undefined) d.line = at.line;
  if (at?.column !== undefined) d.column = at.column;
  if (at?.span) d.span = { start: at.span.start, end: at.span.end };
  if (hint) d.hint = hint;
  return d;
}

/**
 * The maker of one area's diagnostics: `make(code, file, message, at?, hint?)` accepts only the table's codes
 * and takes the severity from the table.
 */
export function diagnosticMaker<T extends Readonly<Record<string, CodeFacts>>>(table: T) {
  return (code: keyof T & DiagnosticCode, file: string, message: string, at?: At, hint?: string): Diagnostic =>
    diag(code, table[code]!.severity, file, message, at, hint);
}

/** `file:line:col: severity CODE: message` */
export function formatDiagnostic(d: Diagnostic): string {
  const loc = d.line !== undefined ? `${d.file}:${d.line}${d.column !== undefined ? `:${d.column}` : ''}` : d.file;
  return `${loc}: ${d.severity} ${d.code}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`;
}

/** Codes shared by all adapters. Language-specific codes live in each adapter's diagnostics module. */
export const GEN_CODES = {
  GEN001: { severity: 'error', meaning: 'file could not be read' },
  GEN002: { severity: 'error', meaning: 'file larger than the size limit; skipped' },
  GEN003: { severity: 'error', meaning: 'YAML / TOML / JSON syntax error' },
  GEN004: { severity: 'error', meaning: 'adapter crashed on this file (a bug: reported, other files unaffected)' },
  GEN005: { severity: 'error', meaning: 'nesting deeper than the limit' },
  GEN006: { severity: 'error', meaning: 'required field missing' },
} as const satisfies CodeTable<'GEN'>;

const gen = diagnosticMaker(GEN_CODES);

export const GeneralDiagnostics = {
  unreadable: (file: string, err: string) => gen('GEN001', file, `cannot read file: ${err}`),
  tooLarge: (file: string, size: number, limit: number) =>
    gen('GEN002', file, `file is ${size} bytes, over the ${limit}-byte limit; not parsed`, undefined, 'split the file or raise the limit'),
  syntax: (file: string, lang: string, message: string, at?: At) => gen('GEN003', file, `${lang} syntax error: ${message}`, at),
  crash: (file: string, err: unknown) =>
    gen('GEN004', file, `internal error while parsing: ${err instanceof Error ? err.message : String(err)}`, undefined, 'report this as a detection-wiki bug'),
  tooDeep: (file: string, limit: number, at?: At) => gen('GEN005', file, `nesting deeper than ${limit} levels`, at),
  missingField: (file: string, field: string, at?: At) => gen('GEN006', file, `required field ${field} is missing`, at),
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
  /** Longest text a derived operand parses as JSON (larger: unknown). */
  maxJsonInput: 1024 * 1024,
} as const;
