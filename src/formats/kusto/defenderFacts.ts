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
 * Syntax kinds (Kusto.Language `SyntaxKind` names) whose presence makes text in a code fence a query rather than
 * a stray expression: a fence labelled C#, text or nothing holds KQL when its tree has one of these.
 */
export const QUERY_SHAPE_KINDS: ReadonlySet<string> = new Set(['PipeExpression', 'LetStatement', 'UnionOperator', 'SearchOperator']);

/** Table header cells (lower-case, letters only) of a column that holds ATT&CK tactics. */
export const TACTIC_COLUMN_HEADERS: ReadonlySet<string> = new Set(['tactic', 'tactics', 'mitre tactic', 'mitre tactics', 'att&ck tactic', 'attack tactic', 'tactic name', 'tactic id', 'mitre att&ck tactic']);

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
