/**
 * Diagnostics of the ATT&CK layer (reading a STIX bundle). `file` is the bundle path.
 *
 * The code table `ATK_CODES` below is the list of every code this area emits, with its severity and meaning;
 * `docs/diagnostics.md` is generated from it (a test checks it is current). The factories after it make every
 * diagnostic of the area and take the severity from the table. Tests check the code and location, not the text.
 */
import { diagnosticMaker, type CodeTable, type Diagnostic } from '../model/diagnostics.ts';

/** Every code of this area: its severity and meaning. */
export const ATK_CODES = {
  ATK001: { severity: 'error', meaning: 'bundle file cannot be read' },
  ATK002: { severity: 'error', meaning: 'bundle is not valid JSON' },
  ATK003: { severity: 'error', meaning: 'not a STIX bundle (no `objects` array)' },
  ATK004: { severity: 'warning', meaning: 'no `x-mitre-matrix` object: tactic order falls back to bundle order' },
  ATK005: { severity: 'warning', meaning: 'several matrices: the first is used' },
  ATK006: { severity: 'warning', meaning: 'object without a `mitre-attack` external id: skipped' },
  ATK007: { severity: 'warning', meaning: 'kill-chain phase names no tactic of the matrix' },
  ATK008: { severity: 'warning', meaning: 'relationship refers to an object not in the bundle' },
  ATK009: { severity: 'info', meaning: 'ATT&CK version not found (no x-mitre-collection, no version in the file name)' },
  ATK010: { severity: 'warning', meaning: 'matrix refers to a tactic not in the bundle' },
} as const satisfies CodeTable<'ATK'>;

const make = diagnosticMaker(ATK_CODES);

export const AttackDiagnostics = {
  unreadable: (file: string, err: string): Diagnostic =>
    make('ATK001', file, `cannot read ATT&CK bundle: ${err}`, undefined, 'pass --attack FILE with a readable enterprise-attack.json, or run `detwiki sync`'),
  notJson: (file: string, err: string): Diagnostic =>
    make('ATK002', file, `ATT&CK bundle is not valid JSON: ${err}`, undefined, 'download the bundle again (`detwiki sync`)'),
  notBundle: (file: string): Diagnostic =>
    make('ATK003', file, 'not a STIX bundle: no `objects` array', undefined, 'use enterprise-attack.json from mitre-attack/attack-stix-data'),
  noMatrix: (file: string): Diagnostic =>
    make('ATK004', file, 'no x-mitre-matrix object: tactics are listed in bundle order, not matrix order'),
  manyMatrices: (file: string, n: number): Diagnostic =>
    make('ATK005', file, `${n} x-mitre-matrix objects: the first is used for tactic order`, undefined, 'load one domain (enterprise-attack) per bundle'),
  noExternalId: (file: string, stixId: string): Diagnostic =>
    make('ATK006', file, `${stixId} has no mitre-attack external id; skipped`),
  unknownPhase: (file: string, techniqueId: string, phase: string): Diagnostic =>
    make('ATK007', file, `${techniqueId}: kill-chain phase "${phase}" is not a tactic of the matrix; ignored`),
  danglingRef: (file: string, relType: string, ref: string): Diagnostic =>
    make('ATK008', file, `${relType} relationship refers to ${ref}, which is not in the bundle`),
  noVersion: (file: string): Diagnostic =>
    make('ATK009', file, 'ATT&CK version not found: no x-mitre-collection object and no version in the file name', undefined, 'keep the file name enterprise-attack-<version>.json or the collection object'),
  unknownTacticRef: (file: string, ref: string): Diagnostic =>
    make('ATK010', file, `matrix refers to ${ref}, which is not in the bundle`),
};
