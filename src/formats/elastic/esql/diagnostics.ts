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
import { diag, type Diagnostic } from '../../../model/diagnostics.ts';

type At = { line?: number; column?: number };

export const EsqlDiagnostics = {
  syntax: (file: string, message: string, at: At): Diagnostic =>
    diag('ESQ001', 'error', file, `ES|QL syntax error: ${message}`, at, 'an ES|QL query is a source command (FROM) followed by | and processing commands; compare with ==, quote strings with " or """'),
  tooComplex: (file: string, limit: string, at: At): Diagnostic => diag('ESQ002', 'error', file, `ES|QL query ${limit}; not parsed`, at, 'split the query or reduce nesting'),
  unknownCommand: (file: string, name: string, at: At): Diagnostic =>
    diag('ESQ003', 'warning', file, `ES|QL command ${name.toUpperCase()} is not modelled; later filters are not part of the condition`, at, 'see the ES|QL command reference'),
  regex: (file: string, what: string, at: At): Diagnostic =>
    diag('ESQ004', 'warning', file, `RLIKE pattern uses ${what}, which has no RE2 equivalent; the predicate is kept opaque`, at, 'use plain regular-expression syntax (. * + ? | [] () {})'),
  embedded: (file: string, fn: string, at: At): Diagnostic => diag('ESQ005', 'info', file, `the ${fn}() query text did not parse`, at, `fix the text of ${fn}()`),
} as const;

/** Every code above, for documentation and tests. */
export const ESQL_CODES = ['ESQ001', 'ESQ002', 'ESQ003', 'ESQ004', 'ESQ005'] as const;
