/** Static tables of the sublime-rules layout (data, not code). */
import type { Kind } from '../../model/facts.ts';

/** Folders of the sublime-rules repository onto kinds, with the reason shown on the page. */
export const FOLDER_KINDS: Readonly<Record<string, { kind: Kind; reason: string }>> = {
  'detection-rules': { kind: 'detection', reason: 'Sublime detection rule (detection-rules/): flags a message as an attack' },
  'discovery-rules': { kind: 'hunting', reason: 'Sublime discovery rule (discovery-rules/): surfaces messages for review, not a verdict' },
  'dlp-discovery-rules': { kind: 'hunting', reason: 'Sublime DLP discovery rule (dlp-discovery-rules/): flags outbound data for review' },
  insights: { kind: 'signal', reason: 'Sublime insight (insights/): enrichment shown to analysts on a message, raises no alert' },
  exclusions: { kind: 'exclusion', reason: 'Sublime exclusion (exclusions/): messages matching it are excluded from analysis by the detection rules' },
  automations: { kind: 'response', reason: 'Sublime automation (automations/): a response action run on matching messages (user reports, triage), not a detection' },
};

/** `type:` of a Sublime YAML onto kinds, for files outside the known folders. */
export const TYPE_KINDS: Readonly<Record<string, { kind: Kind; reason: string }>> = {
  rule: { kind: 'detection', reason: 'Sublime rule (type: rule)' },
  query: { kind: 'signal', reason: 'Sublime query (type: query, an insight): enrichment shown to analysts, raises no alert' },
  dlp: { kind: 'hunting', reason: 'Sublime DLP rule (type: dlp): flags outbound data for review' },
  exclusion: { kind: 'exclusion', reason: 'Sublime exclusion (type: exclusion): excludes matching messages from analysis' },
  triage_rule: { kind: 'response', reason: 'Sublime triage rule (type: triage_rule): a response action, not a detection' },
};

/** The kind of a Sublime YAML: its folder first (the repository's layout), then its `type:`. */
export function kindOf(type: string, folder: string): { kind: Kind; reason: string } {
  return FOLDER_KINDS[folder] ?? TYPE_KINDS[type] ?? { kind: 'detection', reason: `Sublime type ${type || '(none)'}: treated as a detection` };
}

/** Every MQL rule reads Sublime's Message Data Model. */
export const MQL_LOG_SOURCE = { kind: 'data_model', name: 'Sublime message data model (email)' } as const;

/** Page notes every MQL rule carries (facts box). */
export const MQL_NOTES = {
  attack: "none declared: Sublime rules state attack_types, tactics_and_techniques and detection_methods in Sublime's own taxonomy, not ATT&CK ids",
  output_fields: 'none: an MQL rule returns a verdict on the message; MQL has no output fields',
  exclusion_scope: 'every detection rule: an exclusion file names no rule it is limited to',
} as const;

/** Automation (triage rule) keys shown as facts: what triggers it and what it does. */
export const AUTOMATION_KEYS = ['default_actions', 'triage_abuse_reports', 'triage_flagged_messages', 'triage_classification_changes', 'triage_asa_complete', 'triage_ade_complete', 'triage_email_bomb', 'internal_type', 'active'] as const;
