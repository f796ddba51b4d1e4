/**
 * Resolution of one declared entry against the index (DESIGN.md §1). The mapping keeps `declared` verbatim and
 * says what it resolved to and why; nothing is replaced silently.
 *
 * Status precedence for a technique: revoked, deprecated, then the declared tactic (unknown_tactic,
 * tactic_mismatch), else ok. A problem with the declared tactic of a revoked or deprecated technique is added to
 * the note.
 */
import { assertNever } from '../model/expr.ts';
import type { AttackMapping, AttackStatus, DeclaredAttack, TacticRef } from '../model/rule.ts';
import { OBJECT_ID_PREFIXES, OBJECT_TYPE_LABELS } from './attackFacts.ts';
import { classifyDeclared } from './declared.ts';
import { resolveTacticText, type TacticLookup } from './tactics.ts';
import type { AttackObject, Technique } from './types.ts';

export interface ResolveContext {
  /** `ATT&CK Enterprise 19.1`, for notes. */
  readonly label: string;
  readonly tactics: TacticLookup;
  technique(id: string): Technique | undefined;
  object(id: string): AttackObject | undefined;
  replacementOf(id: string): { readonly id: string; readonly name: string; readonly chain: readonly string[] } | undefined;
  /** Techniques whose name (`Name`, or `Parent: Sub` for a sub-technique) matches, live ones first. */
  techniquesByName(name: string): readonly Technique[];
}

export function resolveDeclared(ctx: ResolveContext, entry: DeclaredAttack): AttackMapping {
  const form = classifyDeclared(entry);
  switch (form.kind) {
    case 'technique':
      return resolveTechnique(ctx, entry, form.id, form.tactic);
    case 'tactic':
      return resolveTacticOnly(ctx, entry, form.text);
    case 'technique-name':
      return resolveByName(ctx, entry, form.name, form.tactic) ?? build(entry, 'unknown', { tactics: [], note: `"${form.name}" is not a technique name in ${ctx.label}` });
    case 'object':
      return resolveObject(ctx, entry, form.id);
    case 'malformed':
      return { declared: entry, status: 'unknown', tactics: [], note: `"${form.text}" is not an ATT&CK id (techniques are T####, sub-techniques T####.###)` };
    case 'empty':
      return { declared: entry, status: 'unknown', tactics: [], note: 'empty ATT&CK entry' };
    default:
      return assertNever(form, 'declared form');
  }
}

function resolveTechnique(ctx: ResolveContext, entry: DeclaredAttack, id: string, tacticText: string | undefined): AttackMapping {
  const t = ctx.technique(id);
  const check = tacticText === undefined ? undefined : checkTactic(ctx, t, tacticText);
  if (!t) {
    const parent = id.includes('.') ? ctx.technique(id.split('.')[0]!) : undefined;
    const hint = parent ? ` (its parent ${parent.id} ${parent.name} is)` : '';
    return build(entry, 'unknown', { tactics: [], declaredTactic: check?.declaredTactic, note: `${id} is not in ${ctx.label}${hint}` });
  }
  const parent = t.parentId ? ctx.technique(t.parentId) : undefined;
  const base = {
    techniqueId: t.id,
    techniqueName: t.name,
    parentId: t.parentId,
    parentName: parent?.name,
    tactics: t.tactics,
    declaredTactic: check?.declaredTactic,
  };
  const tacticNote = check?.note ? `; ${check.note}` : '';
  if (t.revoked) {
    const rep = ctx.replacementOf(t.id);
    if (!rep) return build(entry, 'revoked', { ...base, note: `${t.id} ${t.name} is revoked in ${ctx.label}, with no replacement given${tacticNote}` });
    const via = rep.chain.length > 2 ? ` (via ${rep.chain.slice(1, -1).join(', ')}, also revoked)` : '';
    return build(entry, 'revoked', {
      ...base,
      replacement: { id: rep.id, name: rep.name },
      note: `${t.id} ${t.name} is revoked in ${ctx.label}; replaced by ${rep.id} ${rep.name}${via}${tacticNote}`,
    });
  }
  if (t.deprecated) {
    return build(entry, 'deprecated', { ...base, note: `${t.id} ${t.name} is deprecated in ${ctx.label} (withdrawn, no replacement)${tacticNote}` });
  }
  if (check?.problem) return build(entry, check.problem, { ...base, note: check.note });
  return build(entry, 'ok', { ...base, note: check?.note });
}

interface TacticCheck {
  readonly declaredTactic?: TacticRef;
  readonly problem?: 'unknown_tactic' | 'tactic_mismatch';
  readonly note?: string;
}

/** The declared tactic against the technique's tactics; a pre-v19 tactic matches any of its successors. */
function checkTactic(ctx: ResolveContext, t: Technique | undefined, text: string): TacticCheck {
  const r = resolveTacticText(ctx.tactics, text);
  if (!r.tactic) return { problem: 'unknown_tactic', note: `declared tactic: ${r.note ?? `"${text}" is not a tactic`}` };
  if (!t) return { declaredTactic: r.tactic, note: r.note };
  const own = new Set(t.tactics.map((x) => x.id));
  const candidates = r.successors ?? [r.tactic];
  const match = candidates.find((c) => own.has(c.id));
  if (match && match.id === r.tactic.id) return { declaredTactic: r.tactic, note: r.note };
  if (match) {
    return {
      declaredTactic: match,
      note:
        `declared tactic "${text.trim()}" is ${r.tactic.id}${r.former ? ` ${r.former.name}, as named until ATT&CK v${r.former.lastVersion}` : ''}, now ${r.tactic.name}; ` +
        `${t.id} ${t.name} is under ${match.id} ${match.name}, which took over part of it`,
    };
  }
  const names = t.tactics.length ? t.tactics.map((x) => x.name).join(', ') : 'no tactics';
  const shown =
    r.by === 'legacy-name'
      ? `${text.trim()} (${r.tactic.id}, now ${candidates.map((c) => (c.id === r.tactic!.id ? c.name : `${c.id} ${c.name}`)).join(' or ')})`
      : `${r.tactic.id} ${r.tactic.name}`;
  const others = candidates.filter((c) => c.id !== r.tactic!.id).map((c) => `${c.id} ${c.name}`);
  const was =
    r.former && r.by !== 'legacy-name' && others.length
      ? `; neither is ${others.join(', ')}, which took over part of ${r.tactic.id} ${r.former.name} (its name until ATT&CK v${r.former.lastVersion})`
      : '';
  return {
    declaredTactic: r.tactic,
    problem: 'tactic_mismatch',
    note: `declared tactic ${shown} is not a tactic of ${t.id} ${t.name} (${names})${was}`,
  };
}

/**
 * A technique given by name. Live techniques win over revoked/deprecated ones of the same name (T1685 and the
 * revoked T1562.001 are both "Disable or Modify Tools"); several live ones are ambiguous (undefined + note).
 */
function resolveByName(ctx: ResolveContext, entry: DeclaredAttack, name: string, tactic: string | undefined): AttackMapping | undefined {
  const found = ctx.techniquesByName(name);
  if (found.length === 0) return undefined;
  const live = found.filter((t) => !t.revoked && !t.deprecated);
  if (live.length > 1) {
    return build(entry, 'unknown', { tactics: [], note: `"${name}" names several techniques: ${live.map((t) => t.id).join(', ')}; declare the id` });
  }
  const t = live[0] ?? found[0]!;
  const m = resolveTechnique(ctx, entry, t.id, tactic);
  const byName = `technique given by name "${name.trim()}", resolved to ${t.id}`;
  return { ...m, note: m.note ? `${byName}; ${m.note}` : byName };
}

function resolveTacticOnly(ctx: ResolveContext, entry: DeclaredAttack, text: string): AttackMapping {
  const r = resolveTacticText(ctx.tactics, text);
  const nameLike = !/^TA\d{4}$/i.test(text);
  if (!r.tactic && nameLike) {
    const named = resolveByName(ctx, entry, text, undefined);
    if (named) return named;
  }
  if (!r.tactic) return build(entry, 'unknown_tactic', { tactics: [], note: nameLike ? `${r.note} (nor a technique name)` : r.note });
  const former = r.former && r.by === 'id' ? `${r.tactic.id} was named ${r.former.name} until ATT&CK v${r.former.lastVersion}` : undefined;
  const extra = r.note ? `; ${r.note}` : former ? `; ${former}` : '';
  return build(entry, 'tactic_only', { tactics: [], declaredTactic: r.tactic, note: `tactic ${r.tactic.id} ${r.tactic.name} without a technique${extra}` });
}

function resolveObject(ctx: ResolveContext, entry: DeclaredAttack, id: string): AttackMapping {
  const o = ctx.object(id);
  if (!o) {
    const prefix = /^[A-Z]+/.exec(id)![0];
    const type = OBJECT_ID_PREFIXES[prefix];
    const what = type ? `an ATT&CK ${OBJECT_TYPE_LABELS[type]} id` : 'an ATT&CK object id';
    return build(entry, 'not_technique', { tactics: [], note: `${id} is ${what}, not a technique, and is not in ${ctx.label}` });
  }
  const rep = o.revoked ? ctx.replacementOf(o.id) : undefined;
  const revoked = o.revoked ? (rep ? `; revoked, replaced by ${rep.id} ${rep.name}` : '; revoked') : o.deprecated ? '; deprecated' : '';
  return build(entry, 'not_technique', { tactics: [], note: `${o.id} is an ATT&CK ${OBJECT_TYPE_LABELS[o.type]} (${o.name}), not a technique${revoked}` });
}

type MappingFields = Omit<AttackMapping, 'declared' | 'status'>;

/** A mapping without `undefined` fields (stable JSON, equal before and after a round trip). */
function build(declared: DeclaredAttack, status: AttackStatus, fields: MappingFields): AttackMapping {
  const out: Record<string, unknown> = { declared, status };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out as unknown as AttackMapping;
}
