/**
 * Diagnostics of the Splunk security_content adapter. Every code it emits:
 * | code   | meaning |
 * | SPL001 | the detection YAML is not a mapping |
 * | SPL002 | the detection has no `search:` |
 * | SPL003 | a `mitre_attack_id` entry is not a technique id |
 */
import { diag } from '../../model/diagnostics.ts';

export const SplunkDiagnostics = {
  notMapping: (file: string) => diag('SPL001', 'error', file, 'detection file is not a YAML mapping', { line: 1 }, 'a security_content detection is one YAML mapping with name, search and tags'),
  noSearch: (file: string) => diag('SPL002', 'warning', file, 'detection has no search', undefined, 'add the SPL under `search:`'),
  badTechnique: (file: string, text: string, line?: number) =>
    diag('SPL003', 'warning', file, `mitre_attack_id "${text}" is not an ATT&CK technique id`, line ? { line } : undefined, 'write ids as T1234 or T1234.001'),
} as const;
