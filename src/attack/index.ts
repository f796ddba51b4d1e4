/**
 * MITRE ATT&CK: load a STIX bundle and resolve declared entries (DESIGN.md §1).
 *
 * Pipeline: `findAttackBundle` (locate.ts) → `loadAttack` (load.ts: read, optional derived cache) →
 * `parseAttackBundle` (stix.ts: bundle → `AttackData`) → `buildAttackIndex` (build.ts) → `index.resolve(entry)`
 * (resolve.ts, with declared.ts reading the spellings and tactics.ts the tactic names).
 * ATT&CK is © The MITRE Corporation: pages showing its content carry `index.data.attribution`.
 */
import type { RuleRecord } from '../model/rule.ts';
import type { AttackIndex } from './types.ts';

export type {
  AttackData,
  AttackIndex,
  AttackObject,
  AttackObjectType,
  TacticData,
  TacticResolution,
  Technique,
  TechniqueData,
  VersionSource,
} from './types.ts';
export { AttackLoadError, ATTACK_CACHE_FILE, loadAttack, loadLastGoodAttack, type LoadAttackOptions } from './load.ts';
export { findAttackBundle, NO_ATTACK_BUNDLE_MESSAGE, type AttackBundleLocation } from './locate.ts';
export { parseAttackBundle, readAttackBundle, MAX_BUNDLE_BYTES } from './stix.ts';
export { attackIndexFromJSON, attackIndexToJSON, attackLabel, buildAttackIndex } from './build.ts';
export { classifyDeclared, classifyText, parseDeclaredAttack, type DeclaredForm } from './declared.ts';
export { LEGACY_TACTICS, NON_ENTERPRISE_TACTICS, type LegacyTactic } from './attackFacts.ts';
export { AttackDiagnostics } from './diagnostics.ts';

/** The rule with `attack` filled from `attackDeclared`. */
export function resolveRuleAttack(rule: RuleRecord, index: AttackIndex): RuleRecord {
  return { ...rule, attack: rule.attackDeclared.map((d) => index.resolve(d)) };
}
