/**
 * Diagnostics of ES|QL queries in Elastic rules and hunting queries: stable codes made by the factories below
 * (tests check code and location, never message text). Locations are in the host file.
 *
 * | code   | severity | meaning |
 * |--------|----------|---------|
 * | ESQ001 | error    | ES|QL syntax error |
 * | ESQ002 | error    | query longer or nested deeper than the limit; not parsed |
 * | ESQ003 | warning  | processing command this project does not know: kept as a stage, rows after it not followed |
 * | ESQ004 | warning  | RLIKE pattern uses Lucene regular-expression syntax with no RE2 equivalent: the predicate is opaque |
 * | ESQ005 | info     | the KQL() / QSTR() text inside the query did not parse (its own diagnostic follows) |
 */
import { diagnosticMaker, type Diagnostic, type CodeTable } from '../../../model/diagnostics.ts';

type At = { line?: number; column?: number };

/** Every code of this area: its severity and meaning (`docs/diagnostics.md` is generated from it). */
export const ESQL_CODES = {
  ESQ001: { severity: 'error', meaning: 'ES|QL syntax error' },
  ESQ002: { severity: 'error', meaning: 'query longer or nested deeper than the limit; not parsed' },
  ESQ003: { severity: 'warning', meaning: 'processing command this project does not know: kept as a stage, rows after it not followed' },
  ESQ004: { severity: 'warning', meaning: 'RLIKE pattern uses Lucene regular-expression syntax with no RE2 equivalent: the predicate is opaque' },
  ESQ005: { severity: 'info', meaning: 'the KQL() / QSTR() text inside the query did not parse (its own diagnostic follows)' },
} as const satisfies CodeTable<'ESQ'>;

const make = diagnosticMaker(ESQL_CODES);

export const EsqlDiagnostics = {
  syntax: (file: string, message: string, at: At): Diagnostic =>
    make('ESQ001', file, `ES|QL syntax error: ${message}`, at, 'an ES|QL query is a source command (FROM) followed by | and processing commands; compare with ==, quote strings with " or """'),
  tooComplex: (file: string, limit: string, at: At): Diagnostic => make('ESQ002', file, `ES|QL query ${limit}; not parsed`, at, 'split the query or reduce nesting'),
  unknownCommand: (file: string, name: string, at: At): Diagnostic =>
    make('ESQ003', file, `ES|QL command ${name.toUpperCase()} is not modelled; later filters are not part of the condition`, at, 'see the ES|QL command reference'),
  regex: (file: string, what: string, at: At): Diagnostic =>
    make('ESQ004', file, `RLIKE pattern uses ${what}, which has no RE2 equivalent; the predicate is kept opaque`, at, 'use plain regular-expression syntax (. * + ? | [] () {})'),
  embedded: (file: string, fn: string, at: At): Diagnostic => make('ESQ005', file, `the ${fn}() query text did not parse`, at, `fix the text of ${fn}()`),
} as const;

