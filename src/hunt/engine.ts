/**
 * The in-process hunt engine: every rule compiled once (`src/model/compile.ts`), indexed by canonical log source
 * and by prefilter key (`prefilter.ts`); each event is routed to the rules of its log sources, and only the rules
 * whose keys the event offers (plus those without keys) are evaluated. Results are three-valued: `true` is a hit,
 * `unknown` (a partial rule whose outcome depends on what could not be expressed) is a "may fire".
 */
import { adapterFor } from '../formats/registry.ts';
import { vocabularyFor } from '../formats/vocabularies.ts';
import { compile, EventView, fieldId, type Compiled } from '../model/compile.ts';
import { resolveDotted, type FieldResolver, type Truth } from '../model/evaluate.ts';
import { assertNever, type Expr, type Opaque, type Predicate } from '../model/expr.ts';
import { renderPredicate } from '../model/render.ts';
import type { RuleRecord } from '../model/rule.ts';
import { AhoCorasick } from './ahoCorasick.ts';
import { norm, numericLike, numKey, prefilterKeys, type KeyKind } from './prefilter.ts';
import { recogniseLogSources } from './recognise.ts';
import { LIMITS } from '../model/diagnostics.ts';

/** A rule ready to run. */
export interface HuntRule {
  readonly rule: RuleRecord;
  readonly condition: Expr;
  readonly compiled: Compiled;
  readonly resolverIndex: number;
  logSources: readonly string[];
  /** Last event index this rule was evaluated on (dedupe across keys). */
  seen: number;
}

interface KeyIndex {
  readonly field: string;
  readonly fid: number;
  readonly kind: KeyKind;
  readonly byValue: Map<string, HuntRule[]>;
  readonly resolverIndex: number;
  /** For `sub` keys: the automaton over the values, and the rules of each pattern id (built at first use). */
  ac?: { readonly automaton: AhoCorasick; readonly rules: HuntRule[][] };
}

/** Rules of one log source: those always evaluated and those reached through a key. */
interface LogSourceRules {
  readonly always: HuntRule[];
  readonly keyed: KeyIndex[];
}

export interface HuntOptions {
  /** Every event is read as this log source (instead of recognising it). */
  readonly forceLogSources?: readonly string[];
  /** Every rule runs on every event, whatever the log sources. */
  readonly all?: boolean;
  /** Turn the prefilter off (for the differential test and the bench's comparison). */
  readonly noPrefilter?: boolean;
}

export interface HuntResult {
  readonly rule: HuntRule;
  readonly truth: Truth;
}

export interface EngineStats {
  rules: number;
  /** Rules not run: no condition, or no canonical log source (without --all). */
  notRunnable: number;
  withoutLogSource: number;
  evaluations: number;
  unrouted: number;
}

export class HuntEngine {
  readonly rules: HuntRule[] = [];
  readonly resolvers: FieldResolver[] = [];
  private readonly byLogSource = new Map<string, LogSourceRules>();
  private readonly everywhere: LogSourceRules = { always: [], keyed: [] };
  private eventNo = 0;
  readonly stats: EngineStats = { rules: 0, notRunnable: 0, withoutLogSource: 0, evaluations: 0, unrouted: 0 };

  constructor(
    rules: readonly RuleRecord[],
    private readonly opts: HuntOptions = {},
  ) {
    const resolverIdx = new Map<FieldResolver, number>();
    for (const r of rules) {
      this.stats.rules++;
      const cond = r.logic.condition;
      if (!cond || r.logic.completeness === 'none') {
        this.stats.notRunnable++;
        continue;
      }
      const resolver = adapterFor(r.format)?.resolveField ?? resolveDotted;
      let ri = resolverIdx.get(resolver);
      if (ri === undefined) {
        ri = this.resolvers.length;
        this.resolvers.push(resolver);
        resolverIdx.set(resolver, ri);
      }
      const logSources = [...new Set(vocabularyFor(r.format)?.logSources(r) ?? [])];
      this.rules.push({ rule: r, condition: cond, compiled: compile(cond), resolverIndex: ri, logSources, seen: -1 });
    }
    inheritLogSources(this.rules);
    for (const hr of this.rules) {
      if (opts.all) this.add(this.everywhere, hr);
      else if (hr.logSources.length === 0) this.stats.withoutLogSource++;
      else for (const ls of hr.logSources) this.add(this.forLogSource(ls), hr);
    }
  }

  private forLogSource(ls: string): LogSourceRules {
    let s = this.byLogSource.get(ls);
    if (!s) this.byLogSource.set(ls, (s = { always: [], keyed: [] }));
    return s;
  }

  private add(set: LogSourceRules, hr: HuntRule): void {
    const keys = this.opts.noPrefilter ? undefined : prefilterKeys(hr.condition);
    if (!keys) {
      set.always.push(hr);
      return;
    }
    for (const k of keys) {
      let idx = set.keyed.find((x) => x.field === k.field && x.kind === k.kind && x.resolverIndex === hr.resolverIndex);
      if (!idx) set.keyed.push((idx = { field: k.field, fid: fieldId(k.field), kind: k.kind, byValue: new Map(), resolverIndex: hr.resolverIndex }));
      let list = idx.byValue.get(k.value);
      if (!list) idx.byValue.set(k.value, (list = []));
      if (!list.includes(hr)) list.push(hr);
    }
  }

  /** The options the engine was made with (what a worker thread's engine is given). */
  get options(): HuntOptions {
    return this.opts;
  }

  /** Log sources known to the loaded rules. */
  logSourcesOfRules(): string[] {
    return [...this.byLogSource.keys()].sort();
  }

  // state of the event being run (no closure is made per event)
  private views: EventView[] = [];
  private viewOf: number[] = [];
  private current: unknown;
  private results: HuntResult[] = [];
  private readonly hits: number[] = [];

  /** The view of the current event for one resolver (reused from event to event). */
  private view(i: number): EventView {
    let v = this.views[i];
    if (!v) this.views[i] = v = new EventView(this.current, this.resolvers[i]!);
    else if (this.viewOf[i] !== this.eventNo) v.reset(this.current);
    this.viewOf[i] = this.eventNo;
    return v;
  }

  private runRule(hr: HuntRule): void {
    if (hr.seen === this.eventNo) return;
    hr.seen = this.eventNo;
    this.stats.evaluations++;
    const t = hr.compiled(this.view(hr.resolverIndex));
    if (t !== false) this.results.push({ rule: hr, truth: t });
  }

  private runList(list: readonly HuntRule[] | undefined): void {
    if (list) for (let i = 0; i < list.length; i++) this.runRule(list[i]!);
  }

  /** Rules keyed on one scalar of the event (the field's value, or one element of its list). */
  private runKeyed(k: KeyIndex, x: unknown, normed: string | undefined): void {
    if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') return;
    const s = typeof x === 'string' ? (normed ?? norm(x)) : String(x).toLowerCase();
    if (k.kind === 'sub') {
      const ac = (k.ac ??= buildAutomaton(k.byValue));
      const ids = ac.automaton.collect(s, this.hits);
      for (let i = 0; i < ids.length; i++) this.runList(ac.rules[ids[i]!]);
      return;
    }
    if (k.kind === 'eq') {
      this.runList(k.byValue.get(s));
      // numbers and numeric strings also under their canonical number; Python booleans equal 1 and 0
      if (typeof x === 'number') this.runList(k.byValue.get(numKey(x)));
      else if (typeof x === 'boolean') this.runList(k.byValue.get(numKey(Number(x))));
      else if (numericLike(x)) this.runList(k.byValue.get(numKey(Number(x))));
      return;
    }
    this.runList(k.byValue.get(s.slice(s.lastIndexOf(k.kind === 'base\\' ? '\\' : '/') + 1)));
  }

  private runSet(set: LogSourceRules): void {
    for (let i = 0; i < set.always.length; i++) this.runRule(set.always[i]!);
    for (let i = 0; i < set.keyed.length; i++) {
      const k = set.keyed[i]!;
      const view = this.view(k.resolverIndex);
      const raw = view.at(k.fid, k.field);
      if (raw === undefined || raw === null) continue;
      if (tooLongForRegex(raw)) {
        // a glob or regex on a value over the regex input bound is unknown, whatever the literals: run them all
        for (const list of k.byValue.values()) this.runList(list);
        continue;
      }
      if (Array.isArray(raw)) for (const x of raw) this.runKeyed(k, x, undefined);
      else this.runKeyed(k, raw, typeof raw === 'string' ? view.normAt(k.fid, k.field) : undefined);
    }
  }

  /** Evaluate one event: the rules that are true or unknown on it, and the log sources it was read as. */
  run(event: unknown): { logSources: readonly string[]; results: HuntResult[] } {
    this.eventNo++;
    this.current = event;
    const results: HuntResult[] = (this.results = []);
    const logSources = this.opts.forceLogSources ?? recogniseLogSources(event);
    if (this.opts.all) this.runSet(this.everywhere);
    else {
      let routed = false;
      for (const ls of logSources) {
        const set = this.byLogSource.get(ls);
        if (set) {
          routed = true;
          this.runSet(set);
        }
      }
      if (!routed) this.stats.unrouted++;
    }
    return { logSources, results };
  }

  private readonly plans = new WeakMap<HuntRule, ExplainPlan>();

  /** The predicates of a rule that hold on the event (for a hit), and the opaque parts it depends on. */
  explain(hr: HuntRule, event: unknown): { matched: string[]; dependsOn: string[] } {
    let plan = this.plans.get(hr);
    if (!plan) this.plans.set(hr, (plan = explainPlan(hr.condition)));
    const view = event === this.current && this.viewOf[hr.resolverIndex] === this.eventNo ? this.view(hr.resolverIndex) : new EventView(event, this.resolvers[hr.resolverIndex]!);
    const matched: string[] = [];
    for (const p of plan.preds) if (p.compiled(view) === true) matched.push(p.text);
    return { matched: [...new Set(matched)], dependsOn: [...plan.dependsOn] };
  }
}

/** What `explain` needs of a condition, made once per rule: its positive predicates compiled and rendered. */
interface ExplainPlan {
  readonly preds: readonly { readonly compiled: Compiled; readonly text: string }[];
  readonly dependsOn: readonly string[];
}

function explainPlan(cond: Expr): ExplainPlan {
  const preds: { compiled: Compiled; text: string }[] = [];
  const dependsOn: string[] = [];
  const walk = (e: Expr, negated: boolean): void => {
    switch (e.kind) {
      case 'pred':
        if (!negated) preds.push({ compiled: compile(e), text: renderPredicate(e as Predicate) });
        return;
      case 'opaque':
        dependsOn.push(`${(e as Opaque).text.slice(0, 120)} (${(e as Opaque).reason})`);
        return;
      case 'and':
      case 'or':
        for (const a of e.args) walk(a, negated);
        return;
      case 'not':
        walk(e.arg, !negated);
        return;
      case 'quant':
        for (const i of e.items) walk(i.expr, negated);
        return;
      case 'const':
      case 'each':
        return;
      default:
        assertNever(e, 'expression');
    }
  };
  walk(cond, false);
  return { preds, dependsOn: [...new Set(dependsOn)] };
}

/**
 * A correlation declares no log source of its own: it reads those of the rules it aggregates (Sigma
 * `correlation.rules` by name or id, of the same language).
 */
function inheritLogSources(rules: HuntRule[]): void {
  const byRef = new Map<string, HuntRule[]>();
  for (const hr of rules) {
    const name = hr.rule.facts['name'];
    for (const k of [hr.rule.nativeId, typeof name === 'string' ? name : undefined]) {
      if (!k) continue;
      const key = `${hr.rule.format}:${k}`;
      byRef.set(key, [...(byRef.get(key) ?? []), hr]);
    }
  }
  for (const hr of rules) {
    const refs = hr.rule.logic.aggregation?.rules;
    if (hr.logSources.length || !refs?.length) continue;
    hr.logSources = [...new Set(refs.flatMap((r) => (byRef.get(`${hr.rule.format}:${r}`) ?? []).flatMap((x) => x.logSources)))];
  }
}

function buildAutomaton(byValue: Map<string, HuntRule[]>): { automaton: AhoCorasick; rules: HuntRule[][] } {
  const automaton = new AhoCorasick();
  const rules: HuntRule[][] = [];
  for (const [v, list] of byValue) rules[automaton.add(v)] = list;
  return { automaton, rules };
}

function tooLongForRegex(v: unknown): boolean {
  if (typeof v === 'string') return v.length > LIMITS.maxRegexInput;
  if (Array.isArray(v)) return v.some((x) => typeof x === 'string' && x.length > LIMITS.maxRegexInput);
  return false;
}
