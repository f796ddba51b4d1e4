/**
 * Types of the ATT&CK layer: the compact data derived from a STIX bundle (`AttackData`, plain JSON, cacheable) and
 * the queryable index built on it (`AttackIndex`). Pipeline: bundle text → `parseAttackBundle` (stix.ts) →
 * `AttackData` → `buildAttackIndex` (build.ts) → `AttackIndex.resolve` (resolve.ts) → `AttackMapping`.
 */
import type { Diagnostic } from '../model/diagnostics.ts';
import type { AttackMapping, DeclaredAttack, TacticRef } from '../model/rule.ts';

/** A technique or sub-technique (`attack-pattern` with a `mitre-attack` external id). */
export interface Technique {
  /** `T1078` or `T1078.004`. */
  readonly id: string;
  readonly name: string;
  /** From `kill_chain_phases` (kill chain `mitre-attack`), in matrix order. */
  readonly tactics: readonly TacticRef[];
  /** Parent technique of a sub-technique (`subtechnique-of` relationship, else the id's prefix). */
  readonly parentId?: string;
  readonly isSubtechnique: boolean;
  /** Sub-techniques of a technique, in id order (empty for a sub-technique). */
  readonly subtechniqueIds: readonly string[];
  /** STIX `revoked: true`: the object was replaced; see `replacedBy`. */
  readonly revoked: boolean;
  /** `x_mitre_deprecated: true`: withdrawn without replacement. */
  readonly deprecated: boolean;
  /** Direct target of the `revoked-by` relationship (may itself be revoked: follow `AttackIndex.replacementOf`). */
  readonly replacedBy?: string;
  readonly platforms: readonly string[];
  readonly url?: string;
  /** Markdown as MITRE writes it (with `(Citation: …)` markers). */
  readonly description?: string;
}

/** Other ATT&CK objects rules sometimes cite (Sigma `attack.g0007`, `attack.s0002`): groups, software, campaigns… */
export type AttackObjectType =
  | 'group'
  | 'software'
  | 'campaign'
  | 'mitigation'
  | 'data-source'
  | 'data-component'
  | 'analytic'
  | 'detection-strategy';

export interface AttackObject {
  /** `G0007`, `S0002`, `C0022`, `M1024`, `DS0005`… */
  readonly id: string;
  readonly type: AttackObjectType;
  readonly name: string;
  readonly revoked: boolean;
  readonly deprecated: boolean;
  readonly replacedBy?: string;
}

/** A tactic with the facts pages need (the `TacticRef` of mappings stays id/name/shortname only). */
export interface TacticData extends TacticRef {
  readonly url?: string;
  readonly description?: string;
}

/** Where `AttackData.version` came from: the `x-mitre-collection` object, the bundle's file name, or nowhere. */
export type VersionSource = 'collection' | 'file-name' | 'none';

/** Technique as stored in `AttackData`: tactics by shortname, everything else as in `Technique`. */
export interface TechniqueData {
  readonly id: string;
  readonly name: string;
  readonly tactics: readonly string[];
  readonly parentId?: string;
  readonly isSubtechnique: boolean;
  readonly revoked: boolean;
  readonly deprecated: boolean;
  readonly replacedBy?: string;
  readonly platforms: readonly string[];
  readonly url?: string;
  readonly description?: string;
}

/**
 * Everything the catalog needs from a bundle, as plain JSON (about 2 MB instead of 47): what `attackIndexToJSON`
 * returns and the derived cache holds. `format` changes whenever this shape or its derivation changes.
 */
export interface AttackData {
  readonly format: number;
  /** ATT&CK release, `19.1`; `unknown` when neither the bundle nor its file name says. */
  readonly version: string;
  readonly versionSource: VersionSource;
  /** `enterprise-attack`. */
  readonly domain: string;
  /** `x_mitre_attack_spec_version` of the matrix object. */
  readonly specVersion?: string;
  /** Latest `modified` date of the matrix or collection (ISO). */
  readonly modified?: string;
  /** Copyright statement of the bundle's marking definition (must be shown with ATT&CK content). */
  readonly attribution: string;
  /** In matrix order (`x-mitre-matrix.tactic_refs`). */
  readonly tactics: readonly TacticData[];
  /** Sorted by id. */
  readonly techniques: readonly TechniqueData[];
  /** Sorted by id. */
  readonly objects: readonly AttackObject[];
}

/** How a tactic text was read (see `AttackIndex.resolveTactic`). */
export interface TacticResolution {
  readonly text: string;
  readonly tactic?: TacticRef;
  /** `id` (TA0005), `name` (Stealth, InitialAccess, initial access), `shortname` (initial-access), `legacy-name`. */
  readonly by?: 'id' | 'name' | 'shortname' | 'legacy-name';
  /**
   * Set when the text may mean a tactic as it was before a rename/split (v18 "Defense Evasion", or the bare id
   * TA0005 which meant Defense Evasion until v19): the current tactics that took it over, current tactic first.
   */
  readonly successors?: readonly TacticRef[];
  /** With `successors`: the name the tactic had, and the last release that used it. */
  readonly former?: { readonly name: string; readonly lastVersion: string };
  /** Explanation: legacy name, id/name disagreement, non-Enterprise tactic… */
  readonly note?: string;
}

export interface AttackIndex {
  readonly version: string; // "19.1"
  readonly domain: string; // enterprise-attack
  /** The tactics of the matrix, in matrix order. */
  readonly tactics: readonly TacticRef[];
  /** By id (`T1078`, `T1078.004`), including revoked and deprecated ones. */
  readonly techniques: ReadonlyMap<string, Technique>;
  /** Groups, software, campaigns, mitigations, data sources… by id. */
  readonly objects: ReadonlyMap<string, AttackObject>;
  /** The compact data the index was built from (serialize with `attackIndexToJSON`). */
  readonly data: AttackData;
  /** Problems met while reading the bundle (none for a well-formed official bundle). */
  readonly diagnostics: readonly Diagnostic[];
  /** Resolve a tactic given as id (TA0005), name ("Defense Evasion", v18 "DefenseEvasion") or shortname. */
  tactic(text: string): TacticRef | undefined;
  /** Like `tactic`, saying how the text was read and whether it is a pre-v19 name. */
  resolveTactic(text: string): TacticResolution;
  /** A technique by id, case-insensitive (`t1059.001`, `T1059/001`). */
  technique(id: string): Technique | undefined;
  /** The end of a `revoked-by` chain (first non-revoked object), with the chain followed. */
  replacementOf(id: string): { readonly id: string; readonly name: string; readonly chain: readonly string[] } | undefined;
  /** Resolve one declared entry. */
  resolve(entry: DeclaredAttack): AttackMapping;
}
