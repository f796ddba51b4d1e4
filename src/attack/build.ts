/**
 * The queryable `AttackIndex` built from `AttackData`, and the JSON round trip the catalog and the derived cache
 * use (`attackIndexToJSON` / `attackIndexFromJSON`).
 */
import type { Diagnostic } from '../model/diagnostics.ts';
import type { DeclaredAttack, TacticRef } from '../model/rule.ts';
import { ATTACK_DATA_FORMAT, canonicalId, tacticKey } from './attackFacts.ts';
import { resolveDeclared, type ResolveContext } from './resolve.ts';
import { compareIds } from './stix.ts';
import { buildTacticLookup, resolveTacticText } from './tactics.ts';
import type { AttackData, AttackIndex, AttackObject, Technique } from './types.ts';

const DOMAIN_LABELS: Readonly<Record<string, string>> = {
  'enterprise-attack': 'Enterprise',
  'mobile-attack': 'Mobile',
  'ics-attack': 'ICS',
};

/** `ATT&CK Enterprise 19.1`: how notes name the bundle. */
export function attackLabel(data: Pick<AttackData, 'domain' | 'version'>): string {
  const domain = DOMAIN_LABELS[data.domain] ?? data.domain;
  return `ATT&CK ${domain}${data.version === 'unknown' ? '' : ` ${data.version}`}`;
}

export function buildAttackIndex(data: AttackData, diagnostics: readonly Diagnostic[] = []): AttackIndex {
  const tactics: TacticRef[] = data.tactics.map((t) => ({ id: t.id, name: t.name, shortname: t.shortname }));
  const byShort = new Map(tactics.map((t) => [t.shortname, t]));
  const subs = new Map<string, string[]>();
  for (const t of data.techniques) {
    if (t.parentId) {
      const list = subs.get(t.parentId) ?? [];
      list.push(t.id);
      subs.set(t.parentId, list);
    }
  }
  const techniques = new Map<string, Technique>();
  for (const t of data.techniques) {
    const { tactics: shortnames, ...rest } = t;
    techniques.set(t.id, {
      ...rest,
      tactics: shortnames.map((s) => byShort.get(s)).filter((x): x is TacticRef => x !== undefined),
      subtechniqueIds: (subs.get(t.id) ?? []).sort(compareIds),
    });
  }
  const objects = new Map<string, AttackObject>(data.objects.map((o) => [o.id, o]));
  const label = attackLabel(data);
  const lookup = buildTacticLookup(tactics, label);

  const technique = (id: string) => techniques.get(canonicalId(id));
  const replacementOf = (id: string) => {
    const chain = [canonicalId(id)];
    type Node = { readonly id: string; readonly name: string; readonly revoked: boolean; readonly replacedBy?: string };
    const find = (x: string): Node | undefined => techniques.get(x) ?? objects.get(x);
    let cur = find(chain[0]!);
    if (!cur?.replacedBy) return undefined;
    while (cur.replacedBy && !chain.includes(cur.replacedBy)) {
      const next = find(cur.replacedBy);
      if (!next) break;
      chain.push(next.id);
      cur = next;
      if (!cur.revoked) break;
    }
    return { id: cur.id, name: cur.name, chain };
  };
  const byName = new Map<string, Technique[]>();
  for (const t of techniques.values()) {
    const parent = t.parentId ? techniques.get(t.parentId) : undefined;
    const key = tacticKey(parent ? `${parent.name}: ${t.name}` : t.name);
    const list = byName.get(key) ?? [];
    list.push(t);
    byName.set(key, list);
  }
  const live = (t: Technique) => (t.revoked || t.deprecated ? 1 : 0);
  for (const list of byName.values()) list.sort((a, b) => live(a) - live(b) || compareIds(a.id, b.id));
  const techniquesByName = (name: string): readonly Technique[] => byName.get(tacticKey(name)) ?? [];
  const ctx: ResolveContext = {
    label,
    tactics: lookup,
    technique,
    object: (id) => objects.get(canonicalId(id)),
    replacementOf,
    techniquesByName,
  };

  return {
    version: data.version,
    domain: data.domain,
    tactics,
    techniques,
    objects,
    data,
    diagnostics,
    tactic: (text: string) => resolveTacticText(lookup, text).tactic,
    resolveTactic: (text: string) => resolveTacticText(lookup, text),
    technique,
    replacementOf,
    resolve: (entry: DeclaredAttack) => resolveDeclared(ctx, entry),
  };
}

/** The index's data as plain JSON (for the catalog database or the derived cache). */
export function attackIndexToJSON(index: AttackIndex): AttackData {
  return index.data;
}

/**
 * An index from JSON written by `attackIndexToJSON`; undefined when the JSON is not such data or was written by
 * another `ATTACK_DATA_FORMAT` (then rebuild it from the bundle).
 */
export function attackIndexFromJSON(json: unknown): AttackIndex | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const d = json as Partial<AttackData>;
  if (d.format !== ATTACK_DATA_FORMAT || typeof d.version !== 'string' || typeof d.domain !== 'string') return undefined;
  if (!Array.isArray(d.tactics) || !Array.isArray(d.techniques) || !Array.isArray(d.objects)) return undefined;
  return buildAttackIndex(d as AttackData);
}
