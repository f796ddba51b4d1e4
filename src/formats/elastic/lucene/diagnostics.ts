/**
 * Diagnostics of Lucene query-string queries in Elastic rules: stable codes made by the factories below (tests
 * check code and location, never message text). Locations are in the host file.
 *
 * | code   | severity | meaning |
 * |--------|----------|---------|
 * | ELU001 | error    | Lucene query syntax error |
 * | ELU002 | error    | query longer or nested deeper than the limit; not parsed |
 * | ELU003 | warning  | lower-case `and` / `or` / `not`: Lucene reads it as a search term, not an operator |
 * | ELU004 | info     | optional clause beside a required one: it only changes scoring, not what matches |
 */
import { diagnosticMaker, type Diagnostic, type CodeTable } from '../../../model/diagnostics.ts';

type At = { line?: number; column?: number };

/** Every code of this area: its severity and meaning (`docs/diagnostics.md` is generated from it). */
export const LUCENE_CODES = {
  ELU001: { severity: 'error', meaning: 'Lucene query syntax error' },
  ELU002: { severity: 'error', meaning: 'query longer or nested deeper than the limit; not parsed' },
  ELU003: { severity: 'warning', meaning: 'lower-case `and` / `or` / `not`: Lucene reads it as a search term, not an operator' },
  ELU004: { severity: 'info', meaning: 'optional clause beside a required one: it only changes scoring, not what matches' },
} as const satisfies CodeTable<'ELU'>;

const make = diagnosticMaker(LUCENE_CODES);

export const LuceneDiagnostics = {
  syntax: (file: string, message: string, at: At): Diagnostic =>
    make('ELU001', file, `Lucene syntax error: ${message}`, at, 'escape + - = && || > < ! ( ) { } [ ] ^ " ~ * ? : \\ / with \\, and balance parentheses and quotes'),
  tooComplex: (file: string, limit: string, at: At): Diagnostic => make('ELU002', file, `Lucene query ${limit}; not parsed`, at, 'split the query or reduce nesting'),
  lowerCaseOperator: (file: string, word: string, at: At): Diagnostic =>
    make('ELU003', file, `"${word}" is a search term in Lucene, not an operator`, at, `write ${word.toUpperCase()} in upper case`),
  optionalClause: (file: string, at: At): Diagnostic =>
    make('ELU004', file, 'optional clause beside a required one: it does not change what matches', at, 'join the clauses with AND or OR explicitly and use parentheses'),
} as const;

