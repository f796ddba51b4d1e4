/**
 * Static facts of the ATT&CK layer that the STIX bundle does not carry. Everything else (tactics, their order,
 * techniques, revocations) comes from the bundle.
 */
import type { AttackObjectType } from './types.ts';

/** Version of the `AttackData` shape and derivation; bump to invalidate derived caches. */
export const ATTACK_DATA_FORMAT = 1;

/** Shown with ATT&CK content when the bundle has no marking-definition statement of its own. */
export const ATTACK_ATTRIBUTION_FALLBACK =
  '© The MITRE Corporation. This work is reproduced and distributed with the permission of The MITRE Corporation.';

/** A tactic id/name of an earlier ATT&CK release whose meaning is now held by other (current) tactics. */
export interface LegacyTactic {
  /** The id it had (ids are kept by MITRE across renames). */
  readonly id: string;
  readonly name: string;
  readonly shortname: string;
  /** Last release in which it had this name. */
  readonly lastVersion: string;
  /** The current tactics that took it over, the one keeping the id first. */
  readonly successors: readonly string[];
  /** Where this fact comes from. */
  readonly source: string;
}

/**
 * Renamed / split tactics. The v19 bundle keeps TA0005 with its new name only (no alias, no previous-name field,
 * no revoked tactic object), so the old name cannot be derived from the data: it is recorded here.
 */
export const LEGACY_TACTICS: readonly LegacyTactic[] = [
  {
    id: 'TA0005',
    name: 'Defense Evasion',
    shortname: 'defense-evasion',
    lastVersion: '18',
    successors: ['TA0005', 'TA0112'],
    source:
      'MITRE ATT&CK v19 release notes (attack.mitre.org/resources/updates): TA0005 "Defense Evasion" renamed ' +
      '"Stealth"; the techniques that impair defenses moved to the new tactic TA0112 "Defense Impairment"',
  },
];

/** Tactic names some products use that are not Enterprise ATT&CK tactics (Microsoft Sentinel's tactic enum). */
export const NON_ENTERPRISE_TACTICS: readonly { readonly key: string; readonly note: string }[] = [
  {
    key: 'preattack',
    note: 'PreAttack is the PRE-ATT&CK domain, retired in ATT&CK v8 (its scope moved to Reconnaissance TA0043 and Resource Development TA0042)',
  },
  { key: 'impairprocesscontrol', note: 'Impair Process Control is an ATT&CK for ICS tactic (TA0106), not an Enterprise one' },
  { key: 'inhibitresponsefunction', note: 'Inhibit Response Function is an ATT&CK for ICS tactic (TA0107), not an Enterprise one' },
];

/** STIX object type → our name for ATT&CK objects other than techniques and tactics. */
export const STIX_OBJECT_TYPES: Readonly<Record<string, AttackObjectType>> = {
  'intrusion-set': 'group',
  malware: 'software',
  tool: 'software',
  campaign: 'campaign',
  'course-of-action': 'mitigation',
  'x-mitre-data-source': 'data-source',
  'x-mitre-data-component': 'data-component',
  'x-mitre-analytic': 'analytic',
  'x-mitre-detection-strategy': 'detection-strategy',
};

/** Words for object types in notes ("G0007 is an ATT&CK group"). */
export const OBJECT_TYPE_LABELS: Readonly<Record<AttackObjectType, string>> = {
  group: 'group',
  software: 'software',
  campaign: 'campaign',
  mitigation: 'mitigation',
  'data-source': 'data source',
  'data-component': 'data component',
  analytic: 'analytic',
  'detection-strategy': 'detection strategy',
};

/** Id prefixes of non-technique objects, for ids absent from the bundle (`G9999`: a group id, not a technique). */
export const OBJECT_ID_PREFIXES: Readonly<Record<string, AttackObjectType>> = {
  G: 'group',
  S: 'software',
  C: 'campaign',
  M: 'mitigation',
  DS: 'data-source',
  DC: 'data-component',
  AN: 'analytic',
  DET: 'detection-strategy',
};

export const TECHNIQUE_ID = /^T\d{4}(?:\.\d{3})?$/;
export const TACTIC_ID = /^TA\d{4}$/;
export const OBJECT_ID = /^(G|S|C|M|DS|DC|AN|DET)\d{4}$/;

/** Key for matching tactic names and shortnames: lower case, letters and digits only (`DefenseEvasion`, `defense_evasion`). */
export function tacticKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Canonical spelling of an ATT&CK id: upper case, `T1059/001` → `T1059.001`. */
export function canonicalId(text: string): string {
  return text.trim().toUpperCase().replace(/^(T\d{4})\/(\d{3})$/, '$1.$2');
}
