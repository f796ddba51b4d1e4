/** DefenderFacts: names used to read Defender XDR query collections (data, not code). */

/** ATT&CK enterprise tactic names as Microsoft's query template lists them (compared lower-case). */
export const ATTACK_TACTIC_NAMES: ReadonlySet<string> = new Set([
  'reconnaissance',
  'resource development',
  'initial access',
  'execution',
  'persistence',
  'privilege escalation',
  'defense evasion',
  'credential access',
  'discovery',
  'lateral movement',
  'collection',
  'command and control',
  'exfiltration',
  'impact',
]);

/** Bert-JanP folders that hold hunting / investigation queries even when a file uses the detection template. */
export const HUNTING_FOLDERS: ReadonlySet<string> = new Set([
  'DFIR',
  'Threat Hunting',
  'Threat Hunting Cases',
  'Fun',
  'Learning',
  'Functions',
  'KQL Regex',
  'Log Analytics',
  'Data Lake',
  'Exposure Management',
  'Vulnerability Management',
  'Security Operations',
  'Azure Resource Graph',
  'MISP',
]);

/**
 * Defender XDR query collections, recognized by the template file each keeps at its root (not by folder names):
 * the folder holding the template is the collection, and its files are read with that collection's conventions.
 */
export const DEFENDER_COLLECTION_TEMPLATES: Readonly<Record<string, 'm365' | 'bertjan'>> = {
  /** microsoft/Microsoft-365-Defender-Hunting-Queries: `| Technique, tactic, or state | Covered? (v=yes) |` tables. */
  '00-query-submission-template.md': 'm365',
  /** Bert-JanP/Hunting-Queries-Detection-Rules: the detection-rule template (ATT&CK table, Risk section). */
  'DetectionTemplate.md': 'bertjan',
};
