/**
 * Tactic lookup: by id (`TA0005`), name (`Stealth`, Sentinel `InitialAccess`, `Initial access`), shortname
 * (`initial-access`, Sigma's older `initial_access`), id with name (Elastic `TA0005 Defense Evasion`), and names
 * of earlier releases (`Defense Evasion`, from LEGACY_TACTICS) with the current tactics that took them over.
 */
import type { TacticRef } from '../model/rule.ts';
import { LEGACY_TACTICS, NON_ENTERPRISE_TACTICS, tacticKey, type LegacyTactic } from './attackFacts.ts';
import type { TacticResolution } from './types.ts';

export interface TacticLookup {
  /** `ATT&CK enterprise-attack 19.1`, for notes. */
  readonly label: string;
  readonly byId: ReadonlyMap<string, TacticRef>;
  readonly byKey: ReadonlyMap<string, { readonly tactic: TacticRef; readonly by: 'name' | 'shortname' }>;
  /** Legacy tactics whose name the bundle no longer has, by key of their old name and shortname. */
  readonly legacyByKey: ReadonlyMap<string, LegacyTactic>;
  readonly legacyById: ReadonlyMap<string, LegacyTactic>;
}

export function buildTacticLookup(tactics: readonly TacticRef[], label: string): TacticLookup {
  const byId = new Map(tactics.map((t) => [t.id, t]));
  const byKey = new Map<string, { tactic: TacticRef; by: 'name' | 'shortname' }>();
  for (const t of tactics) byKey.set(tacticKey(t.shortname), { tactic: t, by: 'shortname' });
  for (const t of tactics) byKey.set(tacticKey(t.name), { tactic: t, by: 'name' });
  const legacyByKey = new Map<string, LegacyTactic>();
  const legacyById = new Map<string, LegacyTactic>();
  for (const l of LEGACY_TACTICS) {
    const current = byId.get(l.id);
    // Only when this bundle has renamed it (a v18 bundle still has "Defense Evasion" under TA0005).
    if (!current || tacticKey(current.name) === tacticKey(l.name)) continue;
    if (!byKey.has(tacticKey(l.name))) legacyByKey.set(tacticKey(l.name), l);
    if (!byKey.has(tacticKey(l.shortname))) legacyByKey.set(tacticKey(l.shortname), l);
    legacyById.set(l.id, l);
  }
  return { label, byId, byKey, legacyByKey, legacyById };
}

const ID_THEN_NAME = /^(TA\d{4})(?:\s*[:\-–—(]\s*|\s+)(.+?)\)?$/i;
const NAME_THEN_ID = /^(.+?)\s*\(\s*(TA\d{4})\s*\)$/i;
const ID_ONLY = /^TA\d{4}$/i;

/** Read a tactic text. Never throws; an unresolved text gives no `tactic` and a `note` saying why. */
export function resolveTacticText(lookup: TacticLookup, raw: string): TacticResolution {
  const text = raw.trim().replace(/^attack\./i, '').trim();
  if (ID_ONLY.test(text)) return byIdOnly(lookup, raw, text.toUpperCase());
  const a = ID_THEN_NAME.exec(text);
  const b = a ? undefined : NAME_THEN_ID.exec(text);
  if (a || b) {
    const id = (a ? a[1]! : b![2]!).toUpperCase();
    const name = (a ? a[2]! : b![1]!).trim();
    const fromId = byIdOnly(lookup, raw, id);
    if (!fromId.tactic) return fromId;
    const fromName = byName(lookup, raw, name);
    if (fromName.tactic?.id === id) return { ...fromName, by: fromName.by === 'legacy-name' ? 'legacy-name' : 'id' };
    const why = fromName.tactic
      ? `the name "${name}" is ${fromName.tactic.id} ${fromName.tactic.name}, not ${id}`
      : `"${name}" is not a tactic name`;
    return { ...fromId, note: `${why}; the id ${id} (${fromId.tactic.name}) is used` };
  }
  return byName(lookup, raw, text);
}

function byIdOnly(lookup: TacticLookup, raw: string, id: string): TacticResolution {
  const tactic = lookup.byId.get(id);
  if (!tactic) return { text: raw, note: `${id} is not a tactic of ${lookup.label}` };
  const legacy = lookup.legacyById.get(id);
  // A bare id may predate a rename (TA0005 meant Defense Evasion until v18): its successors are all candidates.
  if (legacy) return { text: raw, tactic, by: 'id', successors: successorsOf(lookup, legacy), former: formerOf(legacy) };
  return { text: raw, tactic, by: 'id' };
}

function byName(lookup: TacticLookup, raw: string, name: string): TacticResolution {
  const key = tacticKey(name);
  const hit = lookup.byKey.get(key);
  if (hit) return { text: raw, tactic: hit.tactic, by: hit.by };
  const legacy = lookup.legacyByKey.get(key);
  if (legacy) {
    const tactic = lookup.byId.get(legacy.id)!;
    const successors = successorsOf(lookup, legacy);
    const others = successors.filter((s) => s.id !== tactic.id).map((s) => `${s.id} ${s.name}`);
    const moved = others.length ? `; part of its techniques moved to ${others.join(', ')}` : '';
    return {
      text: raw,
      tactic,
      by: 'legacy-name',
      successors,
      former: formerOf(legacy),
      note: `"${name}" is the ATT&CK v${legacy.lastVersion} name of ${legacy.id}, renamed ${tactic.name}${moved}`,
    };
  }
  const foreign = NON_ENTERPRISE_TACTICS.find((f) => f.key === key);
  if (foreign) return { text: raw, note: foreign.note };
  return { text: raw, note: `"${name}" is not a tactic of ${lookup.label}` };
}

function successorsOf(lookup: TacticLookup, legacy: LegacyTactic): readonly TacticRef[] {
  return legacy.successors.map((id) => lookup.byId.get(id)).filter((t): t is TacticRef => t !== undefined);
}

function formerOf(legacy: LegacyTactic): { name: string; lastVersion: string } {
  return { name: legacy.name, lastVersion: legacy.lastVersion };
}
