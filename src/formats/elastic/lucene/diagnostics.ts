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
import { diag, type Diagnostic } from '../../../model/diagnostics.ts';

type At = { line?: number; column?: number };

export const LuceneDiagnostics = {
  syntax: (file: string, message: string, at: At): Diagnostic =>
    diag('ELU001', 'error', file, `Lucene syntax error: ${message}`, at, 'escape + - = && || > < ! ( ) { } [ ] ^ " ~ * ? : \\ / with \\, and balance parentheses and quotes'),
  tooComplex: (file: string, limit: string, at: At): Diagnostic => diag('ELU002', 'error', file, `Lucene query ${limit}; not parsed`, at, 'split the query or reduce nesting'),
  lowerCaseOperator: (file: string, word: string, at: At): Diagnostic =>
    diag('ELU003', 'warning', file, `"${word}" is a search term in Lucene, not an operator`, at, `write ${word.toUpperCase()} in upper case`),
  optionalClause: (file: string, at: At): Diagnostic =>
    diag('ELU004', 'info', file, 'optional clause beside a required one: it does not change what matches', at, 'join the clauses with AND or OR explicitly and use parentheses'),
} as const;

/** Every code above, for documentation and tests. */
export const LUCENE_CODES = ['ELU001', 'ELU002', 'ELU003', 'ELU004'] as const;
