/**
 * Diagnostics of the KQL adapter: stable codes made by the factories below (tests check code and location).
 *
 * | code   | severity | meaning |
 * | KQL001 | error    | KQL syntax error reported by the Kusto parser (its own code, e.g. KS006, is in the message) |
 * | KQL002 | warning  | Sentinel YAML has no `query`: the file is skipped (not a rule) |
 * | KQL003 | warning  | metadata value not understood (severity, kind, trigger operator…); the native value is kept |
 * | KQL004 | info     | Markdown / text file has no KQL code block |
 * | KQL005 | warning  | a let binding refers to itself or nests deeper than the limit; not expanded |
 * | KQL007 | warning  | YAML document is not a mapping |
 * | KQL008 | info     | code block in another language ignored |
 *
 * YAML syntax errors use the shared GEN003 with file:line:column.
 */
import { diag, type Diagnostic } from '../../model/diagnostics.ts';

type At = { line?: number; column?: number };

export const KqlDiagnostics = {
  syntax: (file: string, kustoCode: string, message: string, at: At) =>
    diag('KQL001', 'error', file, `KQL syntax error ${kustoCode}: ${message}`, at, 'fix the query; the rule is kept with the parts the parser recovered'),
  noQuery: (file: string, at?: At) =>
    diag('KQL002', 'warning', file, 'Sentinel rule has no query', at, 'add a `query:` field with the KQL of the rule'),
  badValue: (file: string, field: string, value: unknown, at?: At) =>
    diag('KQL003', 'warning', file, `${field} value ${JSON.stringify(value)} is not understood; kept as written`, at, `use one of the values Sentinel documents for ${field}`),
  noKqlBlock: (file: string) =>
    diag('KQL004', 'info', file, 'no KQL code block in this file', undefined, 'put the query in a ```kql fenced block'),
  letCycle: (file: string, name: string, at?: At) =>
    diag('KQL005', 'warning', file, `let binding ${name} refers to itself or nests too deep; not expanded`, at, 'inline the binding or reduce nesting'),
  notMapping: (file: string) => diag('KQL007', 'warning', file, 'YAML document is not a mapping; not a Sentinel rule', undefined, 'a Sentinel rule is a YAML mapping with id, name and query'),
  otherLanguage: (file: string, lang: string, at?: At) => diag('KQL008', 'info', file, `code block in ${lang || 'no language'} ignored`, at),
} as const satisfies Record<string, (...args: never[]) => Diagnostic>;

/** Every code of this module, for docs and tests. */
export const KQL_CODES = ['KQL001', 'KQL002', 'KQL003', 'KQL004', 'KQL005', 'KQL007', 'KQL008'] as const;
