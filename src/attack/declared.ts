/**
 * Reading declared ATT&CK entries in the spellings adapters meet:
 * - Panther `Reports: MITRE ATT&CK`: `TA0007:T1078`, `TA0005:T1562.001`
 * - bare ids: `T1078`, `T1078.004`, `t1059/001`, `TA0005`
 * - Sigma tags: `attack.t1059.001`, `attack.defense-evasion`, `attack.defense_evasion`, `attack.g0007`, `attack.s0002`
 * - Sentinel: tactics `DefenseEvasion`, `InitialAccess`; relevantTechniques `T1078`
 * - Elastic threat blocks: the adapter fills `techniqueId` and `tactic` (`TA0005` or `TA0005 Defense Evasion`).
 * - Chronicle YARA-L meta: technique names (`Valid Accounts: Cloud Accounts`) in `techniqueId` or the text; a text
 *   that is no tactic name is tried as a technique name.
 * When an adapter fills `techniqueId` / `tactic`, those win over the text.
 */
import type { DeclaredAttack } from '../model/rule.ts';
import { assertNever } from '../model/expr.ts';
import { canonicalId, OBJECT_ID, TACTIC_ID, TECHNIQUE_ID } from './attackFacts.ts';

/** What a declared entry names. */
export type DeclaredForm =
  | { readonly kind: 'technique'; readonly id: string; readonly tactic?: string }
  | { readonly kind: 'tactic'; readonly text: string }
  /** A group, software, campaign, mitigation, data source… id: not a technique. */
  | { readonly kind: 'object'; readonly id: string }
  /** A technique named, not numbered (Chronicle `mitre_attack_technique = "Valid Accounts: Cloud Accounts"`). */
  | { readonly kind: 'technique-name'; readonly name: string; readonly tactic?: string }
  /** Shaped like an id but not a valid ATT&CK id (`T123`, `T1078.1`). */
  | { readonly kind: 'malformed'; readonly text: string }
  | { readonly kind: 'empty' };

const ID_LIKE = /^[A-Z]{1,3}\d+(?:[./]\d+)?$/i;

/** Classify an entry: the adapter's `techniqueId` / `tactic` when given, else the text. */
export function classifyDeclared(entry: DeclaredAttack): DeclaredForm {
  if (entry.techniqueId !== undefined && entry.techniqueId.trim() !== '') {
    const form = classifyText(entry.techniqueId);
    const tactic = entry.tactic !== undefined && entry.tactic.trim() !== '' ? entry.tactic.trim() : undefined;
    if (form.kind === 'technique' && tactic) return { kind: 'technique', id: form.id, tactic };
    if (form.kind === 'tactic') return tactic ? { kind: 'technique-name', name: form.text, tactic } : { kind: 'technique-name', name: form.text };
    return form;
  }
  if (entry.tactic !== undefined && entry.tactic.trim() !== '') return { kind: 'tactic', text: entry.tactic.trim() };
  return classifyText(entry.text);
}

/** Classify one text as written in a rule. */
export function classifyText(raw: string): DeclaredForm {
  const text = raw.trim().replace(/^attack\./i, '').trim();
  if (text === '') return { kind: 'empty' };
  const colon = text.indexOf(':');
  if (colon > 0) {
    const left = text.slice(0, colon).trim();
    const right = canonicalId(text.slice(colon + 1));
    if (TECHNIQUE_ID.test(right)) return left === '' ? { kind: 'technique', id: right } : { kind: 'technique', id: right, tactic: left };
  }
  const id = canonicalId(text);
  if (TECHNIQUE_ID.test(id)) return { kind: 'technique', id };
  if (TACTIC_ID.test(id)) return { kind: 'tactic', text: id };
  if (OBJECT_ID.test(id)) return { kind: 'object', id };
  if (ID_LIKE.test(text)) return { kind: 'malformed', text };
  return { kind: 'tactic', text };
}

/** A `DeclaredAttack` from a text alone, with `techniqueId` / `tactic` filled when the text names them. */
export function parseDeclaredAttack(text: string): DeclaredAttack {
  const form = classifyText(text);
  switch (form.kind) {
    case 'technique':
      return form.tactic === undefined ? { text, techniqueId: form.id } : { text, techniqueId: form.id, tactic: form.tactic };
    case 'tactic':
      return { text, tactic: form.text };
    case 'technique-name':
    case 'object':
    case 'malformed':
    case 'empty':
      return { text };
    default:
      return assertNever(form, 'declared form');
  }
}

