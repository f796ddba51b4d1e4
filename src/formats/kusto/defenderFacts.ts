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
