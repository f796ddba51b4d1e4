/**
 * Diagnostics of the Sublime MQL adapter. Every code it emits:
 * | code   | meaning |
 * | MQL001 | the rule YAML is not a mapping |
 * | MQL002 | the rule has no `source:` (MQL) |
 */
import { diag } from '../../model/diagnostics.ts';

export const MqlDiagnostics = {
  notMapping: (file: string) => diag('MQL001', 'error', file, 'rule file is not a YAML mapping', { line: 1 }, 'a Sublime rule is one YAML mapping with name, type and source'),
  noSource: (file: string) => diag('MQL002', 'warning', file, 'rule has no MQL source', undefined, 'add the MQL under `source:`'),
} as const;
