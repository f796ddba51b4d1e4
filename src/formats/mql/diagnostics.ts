/**
 * Diagnostics of the Sublime MQL adapter.
 *
 * The code table `MQL_CODES` below is the list of every code this area emits, with its severity and meaning;
 * `docs/diagnostics.md` is generated from it (a test checks it is current). The factories after it make every
 * diagnostic of the area and take the severity from the table. Tests check the code and location, not the text.
 */
import { diagnosticMaker, type CodeTable } from '../../model/diagnostics.ts';

/** Every code of this area: its severity and meaning. */
export const MQL_CODES = {
  MQL001: { severity: 'error', meaning: 'the rule YAML is not a mapping' },
  MQL002: { severity: 'warning', meaning: 'the rule has no `source:` (MQL)' },
} as const satisfies CodeTable<'MQL'>;

const make = diagnosticMaker(MQL_CODES);

export const MqlDiagnostics = {
  notMapping: (file: string) => make('MQL001', file, 'rule file is not a YAML mapping', { line: 1 }, 'a Sublime rule is one YAML mapping with name, type and source'),
  noSource: (file: string) => make('MQL002', file, 'rule has no MQL source', undefined, 'add the MQL under `source:`'),
} as const;
