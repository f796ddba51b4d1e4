/**
 * Diagnostics of the ATT&CK layer (reading a STIX bundle). `file` is the bundle path.
 * | code   | meaning |
 * | ATK001 | bundle file cannot be read |
 * | ATK002 | bundle is not valid JSON |
 * | ATK003 | not a STIX bundle (no `objects` array) |
 * | ATK004 | no `x-mitre-matrix` object: tactic order falls back to bundle order |
 * | ATK005 | several matrices: the first is used |
 * | ATK006 | object without a `mitre-attack` external id: skipped |
 * | ATK007 | kill-chain phase names no tactic of the matrix |
 * | ATK008 | relationship refers to an object not in the bundle |
 * | ATK009 | ATT&CK version not found (no x-mitre-collection, no version in the file name) |
 * | ATK010 | matrix refers to a tactic not in the bundle |
 */
import { diag, type Diagnostic } from '../model/diagnostics.ts';

export const AttackDiagnostics = {
  unreadable: (file: string, err: string): Diagnostic =>
    diag('ATK001', 'error', file, `cannot read ATT&CK bundle: ${err}`, undefined, 'pass --attack FILE with a readable enterprise-attack.json, or run `detwiki sync`'),
  notJson: (file: string, err: string): Diagnostic =>
    diag('ATK002', 'error', file, `ATT&CK bundle is not valid JSON: ${err}`, undefined, 'download the bundle again (`detwiki sync`)'),
  notBundle: (file: string): Diagnostic =>
    diag('ATK003', 'error', file, 'not a STIX bundle: no `objects` array', undefined, 'use enterprise-attack.json from mitre-attack/attack-stix-data'),
  noMatrix: (file: string): Diagnostic =>
    diag('ATK004', 'warning', file, 'no x-mitre-matrix object: tactics are listed in bundle order, not matrix order'),
  manyMatrices: (file: string, n: number): Diagnostic =>
    diag('ATK005', 'warning', file, `${n} x-mitre-matrix objects: the first is used for tactic order`, undefined, 'load one domain (enterprise-attack) per bundle'),
  noExternalId: (file: string, stixId: string): Diagnostic =>
    diag('ATK006', 'warning', file, `${stixId} has no mitre-attack external id; skipped`),
  unknownPhase: (file: string, techniqueId: string, phase: string): Diagnostic =>
    diag('ATK007', 'warning', file, `${techniqueId}: kill-chain phase "${phase}" is not a tactic of the matrix; ignored`),
  danglingRef: (file: string, relType: string, ref: string): Diagnostic =>
    diag('ATK008', 'warning', file, `${relType} relationship refers to ${ref}, which is not in the bundle`),
  noVersion: (file: string): Diagnostic =>
    diag('ATK009', 'info', file, 'ATT&CK version not found: no x-mitre-collection object and no version in the file name', undefined, 'keep the file name enterprise-attack-<version>.json or the collection object'),
  unknownTacticRef: (file: string, ref: string): Diagnostic =>
    diag('ATK010', 'warning', file, `matrix refers to ${ref}, which is not in the bundle`),
};
