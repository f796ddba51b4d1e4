/**
 * Diagnostics of the Splunk security_content adapter.
 *
 * The code table `SPL_CODES` below is the list of every code this area emits, with its severity and meaning;
 * `docs/diagnostics.md` is generated from it (a test checks it is current). The factories after it make every
 * diagnostic of the area and take the severity from the table. Tests check the code and location, not the text.
 */
import { diagnosticMaker, type CodeTable } from '../../model/diagnostics.ts';

/** Every code of this area: its severity and meaning. */
export const SPL_CODES = {
  SPL001: { severity: 'error', meaning: 'the detection YAML is not a mapping' },
  SPL002: { severity: 'warning', meaning: 'the detection has no `search:`' },
  SPL003: { severity: 'warning', meaning: 'a `mitre_attack_id` entry is not a technique id' },
} as const satisfies CodeTable<'SPL'>;

const make = diagnosticMaker(SPL_CODES);

export const SplunkDiagnostics = {
  notMapping: (file: string) => make('SPL001', file, 'detection file is not a YAML mapping', { line: 1 }, 'a security_content detection is one YAML mapping with name, search and tags'),
  noSearch: (file: string) => make('SPL002', file, 'detection has no search', undefined, 'add the SPL under `search:`'),
  badTechnique: (file: string, text: string, line?: number) =>
    make('SPL003', file, `mitre_attack_id "${text}" is not an ATT&CK technique id`, line ? { line } : undefined, 'write ids as T1234 or T1234.001'),
} as const;
