/**
 * Correlations of rules' matches in a hunt (`Aggregation.correlation`: Panther correlation rules). A correlation is
 * not run on events: each result of a rule it correlates (by native id, in the same language) is one match of that
 * member, with the event's time and the values of the member's key fields; at the end of the input the matches are
 * correlated (`correlatedKeys` in `src/model/correlation.ts`) and every value of the keys on which they correlate is
 * an alert of the correlation rule, reported at its last match.
 *
 * What stays unknown, so that the correlation may fire rather than fire or not:
 * - a key read from the correlated rule's alert context (`p_alert_context.…`) that is not an event field on every
 *   path of the rule's `alert_context()` (`OutputField.field`: `"repo": event.get("repo")` is), since the hunt does
 *   not run the rule's Python;
 * - a member's result that is unknown (a partial rule), or an event without a time;
 * - a key whose value is a JSON object (Panther cannot match on one);
 * - a member whose rule is not among the hunt's rules, or not runnable: a correlation with one is not run (named in
 *   `notRun`).
 * A key whose value is a list is matched by each of its elements (Panther: "list on list `Match On` criteria works,
 * using an intersection"). A member keeps at most `MAX_MATCHES` matches; past them the correlation is unknown.
 */
import type { FieldResolver, Truth } from '../model/evaluate.ts';
import { correlatedKeys, describeKey, keysAgree, type CorrelationMatch } from '../model/correlation.ts';
import type { CorrelationMember, OutputField, RuleCorrelation, RuleRecord } from '../model/rule.ts';
import type { EventPosition } from './events.ts';

/** Matches a member keeps (each with its event's position). */
export const MAX_MATCHES = 100_000;

type Pos = EventPosition & { readonly index: number };

interface State {
  readonly rule: RuleRecord;
  readonly corr: RuleCorrelation;
  readonly matches: Map<string, CorrelationMatch[]>;
  readonly positions: Map<string, Pos[]>;
  readonly unknown: Map<string, number>;
  /** Why some matches are unknown, in words (a few). */
  readonly why: Set<string>;
  readonly logSources: Set<string>;
  /** The latest event that gave a member's result (where an unknown outcome is reported). */
  last?: Pos;
}

/** One outcome of a correlation: a value of its keys that correlated (true), or why it may have fired. */
export interface CorrelationOutcome {
  readonly rule: RuleRecord;
  readonly truth: Truth;
  readonly pos: Pos;
  readonly logSources: readonly string[];
  /** The values of the keys, in words. */
  readonly group?: string;
  /** Matches with those values. */
  readonly count?: number;
  readonly dependsOn?: readonly string[];
}

const CONTEXT = 'p_alert_context.';

/**
 * The event field a key of the rule's alert context is (`repo` of `p_alert_context.repo`, `actor.email` of
 * `p_alert_context.actor.email` when the entry `actor` is the event's `actor`), when the rule states it
 * (`OutputField.field`).
 */
function contextField(rule: RuleRecord, key: string): { readonly path: string; readonly output: OutputField } | undefined {
  let best: OutputField | undefined;
  for (const o of rule.logic.outputFields) {
    if (o.field === undefined || !o.source.startsWith('alert_context')) continue;
    if ((key === o.name || key.startsWith(o.name + '.')) && (!best || o.name.length > best.name.length)) best = o;
  }
  return best ? { path: best.field! + key.slice(best.name.length), output: best } : undefined;
}

export class CorrelationHunts {
  /** `format \0 native id` → the correlations (and their members) that correlate that rule. */
  private readonly byMember = new Map<string, { readonly state: State; readonly member: CorrelationMember }[]>();
  private readonly states: State[] = [];
  /** Correlations not run, with the reason. */
  readonly notRun: { readonly rule: RuleRecord; readonly why: string }[] = [];

  constructor(correlations: readonly RuleRecord[], runnable: readonly RuleRecord[]) {
    const known = new Set(runnable.map((r) => `${r.format}\u0000${r.nativeId}`));
    for (const rule of correlations) {
      const corr = rule.logic.aggregation?.correlation;
      if (!corr) continue;
      const missing = corr.members.filter((m) => !known.has(`${rule.format}\u0000${m.rule}`));
      if (missing.length) {
        this.notRun.push({ rule, why: `correlated rule${missing.length > 1 ? 's' : ''} not run in this hunt: ${missing.map((m) => m.rule).join(', ')}` });
        continue;
      }
      const state: State = { rule, corr, matches: new Map(), positions: new Map(), unknown: new Map(), why: new Set(), logSources: new Set() };
      this.states.push(state);
      for (const member of corr.members) {
        const k = `${rule.format}\u0000${member.rule}`;
        const list = this.byMember.get(k) ?? [];
        list.push({ state, member });
        this.byMember.set(k, list);
      }
    }
  }

  get active(): boolean {
    return this.states.length > 0;
  }

  /** A result (true or unknown) of a rule on an event. */
  add(rule: RuleRecord, truth: Truth, event: unknown, time: number | undefined, pos: Pos, logSources: readonly string[], resolve: FieldResolver): void {
    if (truth === false || rule.nativeId === undefined) return;
    const targets = this.byMember.get(`${rule.format}\u0000${rule.nativeId}`);
    if (!targets) return;
    for (const { state, member } of targets) {
      if (!state.last || pos.index > state.last.index) state.last = pos;
      for (const ls of logSources) state.logSources.add(ls);
      const unknown = (why: string) => {
        state.unknown.set(member.id, (state.unknown.get(member.id) ?? 0) + 1);
        if (state.why.size < 5) state.why.add(why);
      };
      if (truth !== true) {
        unknown(`${member.id} (${member.rule}) may have matched`);
        continue;
      }
      if (time === undefined) {
        unknown(`a match of ${member.id} on an event without a time`);
        continue;
      }
      // the values of each criterion's key: one value, or each element of a list
      let combos: (string | null)[][] = [[]];
      let why: string | undefined;
      for (const field of member.keys) {
        if (field === null) {
          for (const c of combos) c.push(null);
          continue;
        }
        let path = field;
        let output: OutputField | undefined;
        if (field.startsWith(CONTEXT)) {
          const at = contextField(rule, field.slice(CONTEXT.length));
          if (at === undefined) {
            why = `${field}: the alert context ${member.rule} computes (not evaluated by the hunt)`;
            break;
          }
          ({ path, output } = at);
        }
        let v = resolve(event, path);
        // the entry's default, when the whole entry is the field (not a member of it)
        if (output?.fieldDefault !== undefined && path === output.field && (v === undefined || (v === null && output.nullAsMissing))) v = output.fieldDefault;
        const values = Array.isArray(v) ? v : [v];
        if (values.some((x) => x !== null && typeof x === 'object')) {
          why = `${field} is a JSON object on the event (Panther does not match on one)`;
          break;
        }
        const texts = values.filter((x) => x !== undefined && x !== null && x !== '').map(String);
        combos = combos.flatMap((c) => texts.map((t) => [...c, t]));
      }
      if (why !== undefined) {
        unknown(why);
        continue;
      }
      // an event without the key (or with an empty list) is a match with no value: it correlates with nothing
      const ms = state.matches.get(member.id) ?? [];
      const ps = state.positions.get(member.id) ?? [];
      for (const keys of combos) {
        if (ms.length >= MAX_MATCHES) {
          unknown(`more than ${MAX_MATCHES} matches of ${member.id}`);
          break;
        }
        ms.push({ time, keys });
        ps.push(pos);
      }
      state.matches.set(member.id, ms);
      state.positions.set(member.id, ps);
    }
  }

  /** The alerts (and may-fires) of every correlation over the matches read, in the order of their last matches. */
  finish(): CorrelationOutcome[] {
    const out: CorrelationOutcome[] = [];
    for (const st of this.states) {
      if (!st.last) continue;
      const input = { matches: st.matches, unknown: st.unknown };
      const { correlated, result } = correlatedKeys(st.corr, input);
      const logSources = [...st.logSources];
      for (const key of correlated) {
        // the matches with these values, of the members that must match
        const at: Pos[] = [];
        for (const m of st.corr.members) {
          if (m.absent) continue;
          const ms = st.matches.get(m.id) ?? [];
          const ps = st.positions.get(m.id) ?? [];
          ms.forEach((x, i) => {
            if (keysAgree(x.keys, key)) at.push(ps[i]!);
          });
        }
        const last = at.reduce((a, b) => (b.index > a.index ? b : a));
        out.push({ rule: st.rule, truth: true, pos: last, logSources, group: describeKey(st.corr, key), count: at.length });
      }
      if (!correlated.length && result.truth === 'unknown') out.push({ rule: st.rule, truth: 'unknown', pos: st.last, logSources, dependsOn: st.why.size ? [...st.why] : [result.detail] });
    }
    return out.sort((a, b) => a.pos.index - b.pos.index);
  }
}
