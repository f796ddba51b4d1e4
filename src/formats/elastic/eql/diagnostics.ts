/**
 * Diagnostics of the EQL parser and lowering. Every code it emits (located in the host file):
 * | code   | meaning |
 * | EQL001 | EQL syntax error (or a query over the size / nesting bounds) |
 * | EQL002 | a function EQL does not define |
 * | EQL003 | a pipe EQL does not define |
 */
import { diag } from '../../../model/diagnostics.ts';

type At = { line: number; column: number };

export const EqlDiagnostics = {
  syntax: (file: string, message: string, at: At) => diag('EQL001', 'error', file, `EQL syntax error: ${message}`, at),
  unknownFunction: (file: string, name: string, at: At) =>
    diag('EQL002', 'warning', file, `unknown EQL function ${name}()`, at, 'see the EQL function reference; the call is kept verbatim (opaque)'),
  unknownPipe: (file: string, name: string, at: At) => diag('EQL003', 'warning', file, `unknown EQL pipe | ${name}`, at, 'Elasticsearch EQL runs `head` and `tail`'),
} as const;
