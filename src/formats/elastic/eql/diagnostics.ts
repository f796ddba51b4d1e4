/**
 * Diagnostics of the EQL parser and lowering. Every code it emits (located in the host file):
 * | code   | meaning |
 * | EQL001 | EQL syntax error (or a query over the size / nesting bounds) |
 * | EQL002 | a function EQL does not define |
 * | EQL003 | a pipe EQL does not define |
 */
import { diagnosticMaker, type CodeTable } from '../../../model/diagnostics.ts';

type At = { line: number; column: number };

/** Every code of this area: its severity and meaning (`docs/diagnostics.md` is generated from it). */
export const EQL_CODES = {
  EQL001: { severity: 'error', meaning: 'EQL syntax error (or a query over the size / nesting bounds)' },
  EQL002: { severity: 'warning', meaning: 'a function EQL does not define' },
  EQL003: { severity: 'warning', meaning: 'a pipe EQL does not define' },
} as const satisfies CodeTable<'EQL'>;

const make = diagnosticMaker(EQL_CODES);

export const EqlDiagnostics = {
  syntax: (file: string, message: string, at: At) => make('EQL001', file, `EQL syntax error: ${message}`, at),
  unknownFunction: (file: string, name: string, at: At) =>
    make('EQL002', file, `unknown EQL function ${name}()`, at, 'see the EQL function reference; the call is kept verbatim (opaque)'),
  unknownPipe: (file: string, name: string, at: At) => make('EQL003', file, `unknown EQL pipe | ${name}`, at, 'Elasticsearch EQL runs `head` and `tail`'),
} as const;
