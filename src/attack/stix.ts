/**
 * Read an ATT&CK STIX bundle (STIX 2.0 or 2.1, MITRE's layout) into `AttackData`. Does not throw on bad input:
 * returns `{value, diagnostics}`, `value` absent when the text is not a bundle at all.
 *
 * What is read: `x-mitre-matrix.tactic_refs` (matrix order), `x-mitre-tactic` (`x_mitre_shortname`),
 * `attack-pattern` (`kill_chain_phases` of kill chain `mitre-attack`, `x_mitre_is_subtechnique`, `revoked`,
 * `x_mitre_deprecated`, `x_mitre_platforms`), `relationship` of type `revoked-by` and `subtechnique-of`,
 * `x-mitre-collection.x_mitre_version` (release), the marking definition's statement (attribution), and the
 * other objects with a `mitre-attack` id (groups, software, campaigns, mitigations, data sources…).
 */
import path from 'node:path';
import type { Diagnostic } from '../model/diagnostics.ts';
import { ATTACK_ATTRIBUTION_FALLBACK, ATTACK_DATA_FORMAT, STIX_OBJECT_TYPES } from './attackFacts.ts';
import { AttackDiagnostics as D } from './diagnostics.ts';
import type { AttackData, AttackObject, TacticData, TechniqueData, VersionSource } from './types.ts';
import { isRecord } from '../model/isRecord.ts';

/** Bundles larger than this are refused (the v19.1 Enterprise bundle is 47 MB). */
export const MAX_BUNDLE_BYTES = 512 * 1024 * 1024;

export interface ParseResult<T> {
  readonly value?: T;
  readonly diagnostics: readonly Diagnostic[];
}

type Obj = Record<string, unknown>;

const str = (o: Obj, k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
const arr = (o: Obj, k: string): readonly unknown[] => (Array.isArray(o[k]) ? (o[k] as unknown[]) : []);

function mitreRef(o: Obj): { id?: string; url?: string } {
  for (const r of arr(o, 'external_references')) {
    if (isRecord(r) && r.source_name === 'mitre-attack' && typeof r.external_id === 'string') {
      return { id: r.external_id, url: str(r, 'url') };
    }
  }
  return {};
}

/** Parse bundle text (the file's content). `file` names the bundle in diagnostics and may carry the version. */
export function parseAttackBundle(text: string, file: string): ParseResult<AttackData> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { diagnostics: [D.notJson(file, err instanceof Error ? err.message : String(err))] };
  }
  return readAttackBundle(json, file);
}

/** Read an already parsed bundle. */
export function readAttackBundle(json: unknown, file: string): ParseResult<AttackData> {
  if (!isRecord(json) || !Array.isArray(json.objects)) return { diagnostics: [D.notBundle(file)] };
  return readAttackObjects(json.objects as unknown[], file);
}

/**
 * Read a bundle's objects, in bundle order. An iterable that parses each object as it is reached (`bundleObjects`)
 * lets the objects not kept go at once.
 */
export function readAttackObjects(bundleObjects: Iterable<unknown>, file: string): ParseResult<AttackData> {
  const diagnostics: Diagnostic[] = [];

  const matrices: Obj[] = [];
  const collections: Obj[] = [];
  const statements = new Map<string, string>();
  const tacticsByStix = new Map<string, Obj>();
  const patterns: Obj[] = [];
  const others: Obj[] = [];
  const revokedBy: Obj[] = [];
  const subOf: Obj[] = [];
  /** STIX id → ATT&CK id, for relationships. */
  const extIds = new Map<string, string>();

  for (const o of bundleObjects) {
    if (!isRecord(o)) continue;
    const type = str(o, 'type');
    const stixId = str(o, 'id') ?? '';
    const ext = mitreRef(o).id;
    if (ext) extIds.set(stixId, ext);
    switch (type) {
      case 'x-mitre-matrix':
        matrices.push(o);
        break;
      case 'x-mitre-collection':
        collections.push(o);
        break;
      case 'marking-definition': {
        const def = o.definition;
        if (isRecord(def) && typeof def.statement === 'string') statements.set(stixId, def.statement);
        break;
      }
      case 'x-mitre-tactic':
        if (ext) tacticsByStix.set(stixId, o);
        else diagnostics.push(D.noExternalId(file, stixId));
        break;
      case 'attack-pattern':
        if (ext) patterns.push(o);
        else diagnostics.push(D.noExternalId(file, stixId));
        break;
      case 'relationship':
        if (o.relationship_type === 'revoked-by') revokedBy.push(o);
        else if (o.relationship_type === 'subtechnique-of') subOf.push(o);
        break;
      default:
        if (type && type in STIX_OBJECT_TYPES && ext) others.push(o);
    }
  }

  // Tactics in matrix order; tactics the matrix does not list follow in bundle order.
  if (matrices.length === 0) diagnostics.push(D.noMatrix(file));
  if (matrices.length > 1) diagnostics.push(D.manyMatrices(file, matrices.length));
  const matrix = matrices[0];
  const orderedStix: string[] = [];
  for (const ref of matrix ? arr(matrix, 'tactic_refs') : []) {
    if (typeof ref !== 'string') continue;
    if (tacticsByStix.has(ref)) orderedStix.push(ref);
    else diagnostics.push(D.unknownTacticRef(file, ref));
  }
  for (const stixId of tacticsByStix.keys()) if (!orderedStix.includes(stixId)) orderedStix.push(stixId);
  const tactics: TacticData[] = orderedStix.map((stixId) => {
    const o = tacticsByStix.get(stixId)!;
    const ref = mitreRef(o);
    const name = str(o, 'name') ?? ref.id!;
    return dropUndefined({
      id: ref.id!,
      name,
      shortname: str(o, 'x_mitre_shortname') ?? name.toLowerCase().replace(/\s+/g, '-'),
      url: ref.url,
      description: str(o, 'description'),
    });
  });
  const tacticOrder = new Map(tactics.map((t, i) => [t.shortname, i]));

  // Relationships, by ATT&CK id.
  const replacedBy = new Map<string, string>();
  for (const r of revokedBy) {
    const src = extIds.get(str(r, 'source_ref') ?? '');
    const dst = extIds.get(str(r, 'target_ref') ?? '');
    if (!src || !dst) {
      diagnostics.push(D.danglingRef(file, 'revoked-by', !src ? String(r.source_ref) : String(r.target_ref)));
      continue;
    }
    replacedBy.set(src, dst);
  }
  const parentOf = new Map<string, string>();
  for (const r of subOf) {
    const src = extIds.get(str(r, 'source_ref') ?? '');
    const dst = extIds.get(str(r, 'target_ref') ?? '');
    if (!src || !dst) {
      diagnostics.push(D.danglingRef(file, 'subtechnique-of', !src ? String(r.source_ref) : String(r.target_ref)));
      continue;
    }
    parentOf.set(src, dst);
  }

  const patternIds = new Set(patterns.map((o) => mitreRef(o).id!));
  const techniques: TechniqueData[] = patterns.map((o) => {
    const ref = mitreRef(o);
    const id = ref.id!;
    const phases: string[] = [];
    for (const k of arr(o, 'kill_chain_phases')) {
      if (!isRecord(k) || k.kill_chain_name !== 'mitre-attack' || typeof k.phase_name !== 'string') continue;
      if (!tacticOrder.has(k.phase_name)) diagnostics.push(D.unknownPhase(file, id, k.phase_name));
      else if (!phases.includes(k.phase_name)) phases.push(k.phase_name);
    }
    phases.sort((a, b) => tacticOrder.get(a)! - tacticOrder.get(b)!);
    const isSub = o.x_mitre_is_subtechnique === true || id.includes('.');
    const prefix = id.split('.')[0]!;
    const parentId = parentOf.get(id) ?? (isSub && patternIds.has(prefix) ? prefix : undefined);
    return dropUndefined({
      id,
      name: str(o, 'name') ?? id,
      tactics: phases,
      parentId,
      isSubtechnique: isSub,
      revoked: o.revoked === true,
      deprecated: o.x_mitre_deprecated === true,
      replacedBy: replacedBy.get(id),
      platforms: arr(o, 'x_mitre_platforms').filter((p): p is string => typeof p === 'string'),
      url: ref.url,
      description: str(o, 'description'),
    });
  });
  techniques.sort((a, b) => compareIds(a.id, b.id));

  const objects: AttackObject[] = others.map((o) => {
    const id = mitreRef(o).id!;
    return dropUndefined({
      id,
      type: STIX_OBJECT_TYPES[str(o, 'type')!]!,
      name: str(o, 'name') ?? id,
      revoked: o.revoked === true,
      deprecated: o.x_mitre_deprecated === true,
      replacedBy: replacedBy.get(id),
    });
  });
  objects.sort((a, b) => compareIds(a.id, b.id));

  const { version, versionSource } = findVersion(collections, file);
  if (versionSource === 'none') diagnostics.push(D.noVersion(file));
  const head = collections[0] ?? matrix;
  const markingRefs = head ? arr(head, 'object_marking_refs') : [];
  const attribution =
    markingRefs.map((r) => statements.get(String(r))).find((s) => s !== undefined) ??
    [...statements.values()][0] ??
    ATTACK_ATTRIBUTION_FALLBACK;

  const value: AttackData = dropUndefined({
    format: ATTACK_DATA_FORMAT,
    version,
    versionSource,
    domain: (matrix && mitreRef(matrix).id) ?? firstDomain(patterns) ?? 'unknown',
    specVersion: matrix ? str(matrix, 'x_mitre_attack_spec_version') : undefined,
    modified: head ? str(head, 'modified') : undefined,
    attribution,
    tactics,
    techniques,
    objects,
  });
  return { value, diagnostics };
}

/** Release from the collection object (official bundles), else from `enterprise-attack-19.1.json`. */
function findVersion(collections: readonly Obj[], file: string): { version: string; versionSource: VersionSource } {
  for (const c of collections) {
    const v = str(c, 'x_mitre_version');
    if (v) return { version: v, versionSource: 'collection' };
  }
  const m = /-v?(\d+(?:\.\d+){0,2})\.json$/i.exec(path.basename(file));
  if (m) return { version: m[1]!, versionSource: 'file-name' };
  return { version: 'unknown', versionSource: 'none' };
}

function firstDomain(patterns: readonly Obj[]): string | undefined {
  for (const o of patterns) {
    const d = arr(o, 'x_mitre_domains')[0];
    if (typeof d === 'string') return d;
  }
  return undefined;
}

/** `T1078` < `T1078.004` < `T1098`; `TA0001` < `TA0112`; letters first, then numbers numerically. */
export function compareIds(a: string, b: string): number {
  const pa = /^([A-Z]+)(\d+)(?:\.(\d+))?$/.exec(a);
  const pb = /^([A-Z]+)(\d+)(?:\.(\d+))?$/.exec(b);
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  if (pa[1] !== pb[1]) return pa[1]! < pb[1]! ? -1 : 1;
  const n = Number(pa[2]) - Number(pb[2]);
  if (n !== 0) return n;
  return Number(pa[3] ?? -1) - Number(pb[3] ?? -1);
}

/** Copy without `undefined` fields, so the data is the same before and after a JSON round trip. */
function dropUndefined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}
