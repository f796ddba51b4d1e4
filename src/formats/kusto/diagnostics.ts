/**
 * Diagnostics of the KQL adapter. YAML syntax errors use the shared GEN003 with file:line:column.
 *
 * The code table `KQL_CODES` below is the list of every code this area emits, with its severity and meaning;
 * `docs/diagnostics.md` is generated from it (a test checks it is current). The factories after it make every
 * diagnostic of the area and take the severity from the table. Tests check the code and location, not the text.
 */
import { diagnosticMaker, type At, type CodeTable, type Diagnostic } from '../../model/diagnostics.ts';

/** Every code of this area: its severity and meaning. */
export const KQL_CODES = {
  KQL001: { severity: 'error', meaning: 'KQL syntax error reported by the Kusto parser (its own code, e.g. KS006, is in the message)' },
  KQL002: { severity: 'warning', meaning: 'Sentinel YAML has no `query`: the file is skipped (not a rule)' },
  KQL003: { severity: 'warning', meaning: 'metadata value not understood (severity, kind, trigger operator…); the native value is kept' },
  KQL004: { severity: 'info', meaning: 'Markdown / text file has no KQL code block' },
  KQL005: { severity: 'warning', meaning: 'a let binding refers to itself or nests deeper than the limit; not expanded' },
  KQL007: { severity: 'warning', meaning: 'YAML document is not a mapping' },
  KQL008: { severity: 'info', meaning: 'code block in another language ignored' },
} as const satisfies CodeTable<'KQL'>;

const make = diagnosticMaker(KQL_CODES);


export const KqlDiagnostics = {
  syntax: (file: string, kustoCode: string, message: string, at: At) =>
    make('KQL001', file, `KQL syntax error ${kustoCode}: ${message}`, at, 'fix the query; the rule is kept with the parts the parser recovered'),
  noQuery: (file: string, at?: At) =>
    make('KQL002', file, 'Sentinel rule has no query', at, 'add a `query:` field with the KQL of the rule'),
  badValue: (file: string, field: string, value: unknown, at?: At) =>
    make('KQL003', file, `${field} value ${JSON.stringify(value)} is not understood; kept as written`, at, `use one of the values Sentinel documents for ${field}`),
  noKqlBlock: (file: string) =>
    make('KQL004', file, 'no KQL code block in this file', undefined, 'put the query in a ```kql fenced block'),
  letCycle: (file: string, name: string, at?: At) =>
    make('KQL005', file, `let binding ${name} refers to itself or nests too deep; not expanded`, at, 'inline the binding or reduce nesting'),
  notMapping: (file: string) => make('KQL007', file, 'YAML document is not a mapping; not a Sentinel rule', undefined, 'a Sentinel rule is a YAML mapping with id, name and query'),
  otherLanguage: (file: string, lang: string, at?: At) => make('KQL008', file, `code block in ${lang || 'no language'} ignored`, at),
} as const satisfies Record<string, (...args: never[]) => Diagnostic>;
