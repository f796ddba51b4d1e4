/**
 * MITRE ATT&CK: load a STIX 2.1 bundle and resolve declared entries (DESIGN.md §1).
 * PLACEHOLDER: API fixed here, implementation in progress.
 */
import type { AttackMapping, DeclaredAttack, RuleRecord, TacticRef } from '../model/rule.ts';

export interface Technique {
  readonly id: string; // T1078 or T1078.004
  readonly name: string;
  readonly tactics: readonly TacticRef[]; // matrix order
  readonly parentId?: string;
  readonly isSubtechnique: boolean;
  readonly revoked: boolean;
  readonly deprecated: boolean;
  readonly replacedBy?: string; // from revoked-by relationships
  readonly platforms: readonly string[];
  readonly url?: string;
  readonly description?: string;
}

export interface AttackIndex {
  readonly version: string; // "19.1"
  readonly domain: string; // enterprise-attack
  /** The tactics of the matrix, in matrix order. */
  readonly tactics: readonly TacticRef[];
  readonly techniques: ReadonlyMap<string, Technique>;
  /** Resolve a tactic given as id (TA0005), name ("Defense Evasion", v18 "DefenseEvasion") or shortname. */
  tactic(text: string): TacticRef | undefined;
  /** Resolve one declared entry. */
  resolve(entry: DeclaredAttack): AttackMapping;
}

export async function loadAttack(_file: string): Promise<AttackIndex> {
  throw new Error('not implemented');
}

/** The rule with `attack` filled from `attackDeclared`. */
export function resolveRuleAttack(rule: RuleRecord, index: AttackIndex): RuleRecord {
  return { ...rule, attack: rule.attackDeclared.map((d) => index.resolve(d)) };
}
