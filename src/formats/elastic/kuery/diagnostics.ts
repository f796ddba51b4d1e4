/**
 * Diagnostics of Kibana KQL (kuery) queries in Elastic rules: stable codes made by the factories below (tests
 * check code and location, never message text). Locations are in the host file.
 *
 * | code   | severity | meaning |
 * |--------|----------|---------|
 * | EKQ001 | error    | KQL syntax error |
 * | EKQ002 | error    | query longer or nested deeper than the limit; not parsed |
 * | EKQ003 | info     | free text without a field: searched in every field, not expressible as a predicate |
 * | EKQ004 | info     | field name with a wildcard: matches several fields, not expressible as one predicate |
 */
import { diagnosticMaker, type Diagnostic, type CodeTable } from '../../../model/diagnostics.ts';

type At = { line?: number; column?: number };

/** Every code of this area: its severity and meaning (`docs/diagnostics.md` is generated from it). */
export const KUERY_CODES = {
  EKQ001: { severity: 'error', meaning: 'KQL syntax error' },
  EKQ002: { severity: 'error', meaning: 'query longer or nested deeper than the limit; not parsed' },
  EKQ003: { severity: 'info', meaning: 'free text without a field: searched in every field, not expressible as a predicate' },
  EKQ004: { severity: 'info', meaning: 'field name with a wildcard: matches several fields, not expressible as one predicate' },
} as const satisfies CodeTable<'EKQ'>;

const make = diagnosticMaker(KUERY_CODES);

export const KueryDiagnostics = {
  syntax: (file: string, message: string, at: At): Diagnostic =>
    make('EKQ001', file, `KQL syntax error: ${message}`, at, 'quote values with spaces or special characters ("a b"), escape \\ ( ) : < > " * { } with \\, and put and / or between clauses'),
  tooComplex: (file: string, limit: string, at: At): Diagnostic => make('EKQ002', file, `KQL query ${limit}; not parsed`, at, 'split the query or reduce nesting'),
  freeText: (file: string, value: string, at: At): Diagnostic =>
    make('EKQ003', file, `free text "${value}" is searched in every field`, at, 'name the field (field:value) so the condition can be expressed'),
  fieldPattern: (file: string, field: string, at: At): Diagnostic =>
    make('EKQ004', file, `field name pattern ${field} matches several fields`, at, 'name the field exactly'),
} as const;

