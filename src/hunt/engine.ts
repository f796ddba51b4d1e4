/**
 * The in-process hunt engine: every rule compiled once (`src/model/compile.ts`), indexed by canonical log source
 * and by prefilter key (`prefilter.ts`); each event is routed to the rule set of its combination of log sources,
 * each key index of the set is scanned once, the rules reached through a key they need (plus those without keys)
 * become candidates, and a candidate is evaluated only when the event offers what its requirement tree needs.
 * Results, in rule order, are three-valued: `true` is a hit, `unknown` (a partial rule whose outcome depends on
 * what could not be expressed) is a "may fire".
 */
import { adapterFor } from '../formats/registry.ts';
import { readingApplies } from '../formats/adapter.ts';
import { vocabularyFor } from '../formats/vocabularies.ts';
import { compile, compileRecorded, derivedOperandOf, EventView, fieldId, type Compiled, type RecordedCompiled } from '../model/compile.ts';
import { FAILED_NULL, Spread } from '../model/derive.ts';
import { and3, evaluate, not3, nullNoMatch, nullOn, or3, resolveDotted, verdictOfUnknown, type FieldResolver, type Truth } from '../model/evaluate.ts';
import { assertNever, leaves, or, overEvents, type Expr } from '../model/expr.ts';
import { aggregationDecides } from '../model/aggregate.ts';
import { renderExpr, renderPredicate } from '../model/render.ts';
import { heldBy, operandOf, shownOperand } from '../model/evidence.ts';
import type { Format } from '../model/facts.ts';
import type { Aggregation, RuleRecord } from '../model/rule.ts';
import { SubstringSet } from './substrings.ts';
import { cost, isSubstringKind, norm, numericLike, numKey, prefilterRequirement, requirementCut, requirementKeys, withoutComputedKeys, type KeyKind, type PrefilterKey, type Requirement } from './prefilter.ts';
import { recogniseLogSources } from './recognise.ts';
import { LIMITS } from '../model/diagnostics.ts';

/** A rule ready to run. */
export interface HuntRule {
  readonly rule: RuleRecord;
  readonly condition: Expr;
  readonly compiled: Compiled;
  /** The compiled condition with its positive predicates' results as last evaluated (what `explain` reads). */
  readonly recorded: RecordedCompiled;
  readonly resolverIndex: number;
  logSources: readonly string[];
  /** Its index in `HuntEngine.rules`. */
  readonly index: number;
  /** Another reading of the rule (`FormatAdapter.huntReadings`): it runs only on events also recognised as this. */
  readonly onlyWith?: string;
  /** With `onlyWith`: the index of the rule as written (whose tallies it shares, and its aggregation unless `aggregation`). */
  readonly of?: number;
  /** A reading's own aggregation (`HuntReading.aggregation`), counted apart from the rule's. */
  readonly aggregation?: Aggregation;
  /** A reading whose events another language's field resolution reads (`HuntReading.readAsFormat`). */
  readonly readAs?: Format;
  /** A reading: what it reads (`HuntReading.label`), for output. */
  readonly reading?: string;
  /** The rule as written has other readings: it does not run on events recognised as one of these. */
  unless?: readonly string[];
}

/** The keys of one field, kind and resolver, over every rule: each distinct value is one key id. */
interface KeyIndex {
  readonly id: number;
  readonly field: string;
  readonly fid: number;
  readonly kind: KeyKind;
  readonly resolverIndex: number;
  readonly byValue: Map<string, number>;
  /** `xsub`: the derived operand the scan computes (`derivedOperandOf`). */
  readonly operand?: (v: EventView) => unknown;
  /** `xsub`: a null or missing operand offers none of the keys (`PrefilterKey.falseWhenMissing`). */
  readonly falseWhenMissing?: boolean;
}

/** One key index as a rule set scans it: for `sub` keys, a substring set over the keys of the set's rules only. */
interface ScanIndex {
  readonly index: KeyIndex;
  /** `sub`: key ids of the set's rules on this index (the substring set is built from them at first use). */
  readonly subKeys?: readonly number[];
  ac?: Automaton;
}

interface Automaton {
  readonly set: SubstringSet;
  /** Key index in the set → key id. */
  readonly keys: Int32Array;
}

/**
 * The rules an event of one combination of log sources meets: those always evaluated, the key indexes to scan (every
 * index holding a key of one of its rules), and which rules belong to it (keys are shared by every log source).
 */
interface RuleSet {
  readonly always: readonly number[];
  readonly keyed: readonly ScanIndex[];
  readonly member: Uint8Array;
}

/** How a rule is reached: always, or through its trigger keys; and what the event must offer for it to be evaluated. */
interface RulePlan {
  readonly always: boolean;
  /** Key indexes holding a key of the rule's requirement. */
  readonly indexes: readonly number[];
  /** Every key id of the rule's requirement. */
  readonly keys: readonly number[];
  /** The rule's requirement over the event's offered keys (`prefilterRequirement`); undefined: none. */
  readonly requires?: Check;
}

export interface HuntOptions {
  /**
   * Every event is read as this log source (instead of recognising it). A name is read in any case: the engine keeps
   * the rules' own spelling of it (`options.forceLogSources`, what a worker's engine and the DuckDB engine are given).
   */
  readonly forceLogSources?: readonly string[];
  /** Every rule runs on every event, whatever the log sources. */
  readonly all?: boolean;
  /** Turn the prefilter off (for the differential test and the bench's comparison). */
  readonly noPrefilter?: boolean;
  /** Also run filters and exclusions on their own (see `notOnItsOwn`). */
  readonly filtersAlone?: boolean;
}

export interface HuntResult {
  readonly rule: HuntRule;
  readonly truth: Truth;
}

/**
 * A result explained: the predicates of its rule that held on the event, what the event had where each looked (its
 * operand's value as short text, in the same order: `shownOperand`), which of each one's values held (`heldBy`: the text a
 * regular expression matched; null for a predicate of one other value), and what an unknown result depends on.
 */
export interface Explained {
  readonly matched: readonly string[];
  readonly seen: readonly string[];
  readonly held: readonly (string | null)[];
  readonly dependsOn: readonly string[];
}

export interface EngineStats {
  rules: number;
  /** Rules not run: no condition, or no canonical log source (without --all). */
  notRunnable: number;
  withoutLogSource: number;
  /** Filters and exclusions left out (`notOnItsOwn`). */
  notOnTheirOwn: number;
  evaluations: number;
  unrouted: number;
  /**
   * Prefilter requirements made so far: those of the rules of the log sources whose rules the events called for
   * (`popularityOf`), not of every rule.
   */
  requirements: number;
}

const EVERYWHERE = '\u0000all';

/** A prefilter key as `popularityOf` counts it. */
const keyName = (k: PrefilterKey): string => `${k.kind}\u0000${k.field.toLowerCase()}\u0000${k.value}`;

/**
 * A `HuntRule` whose condition is compiled when it is first evaluated or explained, not when the engine is made: a
 * hunt over one log source's events runs a few hundred of the catalog's 22,000 rules and readings, and compiling all
 * of them (their patterns, automata and regular expressions) took about a second of the start of every hunt, and
 * held their closures for the whole run.
 */
class EngineRule implements HuntRule {
  private compiledOnce: RecordedCompiled | undefined;
  readonly onlyWith: string | undefined;
  readonly of: number | undefined;
  readonly aggregation: Aggregation | undefined;
  readonly readAs: Format | undefined;
  readonly reading: string | undefined;
  unless: readonly string[] | undefined = undefined;

  constructor(
    readonly rule: RuleRecord,
    readonly condition: Expr,
    readonly resolverIndex: number,
    public logSources: readonly string[],
    readonly index: number,
    reading?: { readonly onlyWith: string; readonly of: number; readonly reading: string; readonly readAs?: Format | undefined; readonly aggregation?: Aggregation | undefined },
  ) {
    this.onlyWith = reading?.onlyWith;
    this.of = reading?.of;
    this.reading = reading?.reading;
    this.readAs = reading?.readAs;
    this.aggregation = reading?.aggregation;
  }

  get recorded(): RecordedCompiled {
    return (this.compiledOnce ??= compileRecorded(this.condition));
  }

  get compiled(): Compiled {
    return this.recorded.compiled;
  }
}

export class HuntEngine {
  readonly rules: HuntRule[] = [];
  readonly resolvers: FieldResolver[] = [];
  /** Rule indexes of each canonical log source. */
  private readonly byLogSource = new Map<string, number[]>();
  /** Each rule's plan, once a rule set it belongs to is made (`planRule`). */
  private readonly plans: (RulePlan | undefined)[] = [];
  private readonly indexes: KeyIndex[] = [];
  /** Key id → the planned rules it triggers (laid out as `keyState` and `triggered` by `layOutKeys`). */
  private readonly triggers: number[][] = [];
  private readonly keyValue: string[] = [];
  /** Key id → its key index. */
  private readonly indexOfKey: number[] = [];
  /** Substring sets by key set (rule sets with the same keys on a field share one). */
  private readonly automata = new Map<string, Automaton>();
  /** Rule sets by combination of log sources (the recognised list joined), made at first use. */
  private readonly sets = new Map<string, RuleSet | null>();
  private lastSources: readonly string[] | undefined;
  private lastSet: RuleSet | null = null;
  private eventNo = 0;
  /**
   * Two numbers a key, so that an offer reads one cache line: at `2 * id` the last event that offered the key (the
   * stamp requirements read), at `2 * id + 1` where its rules start in `triggered` (they end where the next key's
   * start); a last pair holds the end.
   */
  private keyState = new Int32Array(0);
  /** The rules each key triggers, key after key. */
  private triggered = new Int32Array(0);
  private ruleStamp = new Int32Array(0);
  private readonly candidates: number[] = [];
  /**
   * Exclusions (kind `exclusion`: Sublime's, which apply to every detection rule of their language) by that
   * language: not run as rules, but an event one of them holds on is kept from the language's detection rules
   * (`exclusionsOn`, applied by the hunt's reporter).
   */
  readonly exclusions = new Map<string, { readonly rule: RuleRecord; readonly condition: Expr; readonly compiled: Compiled; readonly resolver: FieldResolver }[]>();
  readonly stats: EngineStats = { rules: 0, notRunnable: 0, withoutLogSource: 0, notOnTheirOwn: 0, evaluations: 0, unrouted: 0, requirements: 0 };
  /**
   * Correlations of rules' matches (Panther correlation rules): not run on events, but fed their member rules'
   * results by the reporter (`correlations.ts`).
   */
  readonly correlations: RuleRecord[] = [];
  /** `format \0 native id` of every rule a correlation correlates. */
  private readonly correlationMembers = new Set<string>();

  constructor(
    rules: readonly RuleRecord[],
    private readonly opts: HuntOptions = {},
  ) {
    const resolverIdx = new Map<FieldResolver, number>();
    const resolverOf = (resolver: FieldResolver): number => {
      let ri = resolverIdx.get(resolver);
      if (ri === undefined) {
        ri = this.resolvers.length;
        this.resolvers.push(resolver);
        resolverIdx.set(resolver, ri);
      }
      return ri;
    };
    for (const r of rules) {
      this.stats.rules++;
      const cond = r.logic.condition;
      if (!cond || r.logic.completeness === 'none') {
        this.stats.notRunnable++;
        const corr = r.logic.aggregation?.correlation;
        if (corr) {
          this.correlations.push(r);
          for (const m of corr.members) this.correlationMembers.add(`${r.format}\u0000${m.rule}`);
        }
        continue;
      }
      if (!opts.filtersAlone && notOnItsOwn(r)) {
        this.stats.notOnTheirOwn++;
        if (r.kind === 'exclusion') {
          const list = this.exclusions.get(r.format) ?? [];
          list.push({ rule: r, condition: cond, compiled: compileRecorded(cond).compiled, resolver: adapterFor(r.format)?.resolveField ?? resolveDotted });
          this.exclusions.set(r.format, list);
        }
        continue;
      }
      const ri = resolverOf(adapterFor(r.format)?.resolveField ?? resolveDotted);
      const vocab = vocabularyFor(r.format);
      const logSources = [...new Set((vocab?.huntLogSources ?? vocab?.logSources)?.(r) ?? [])];
      const condition = huntCondition(r, cond);
      if (condition.kind === 'const' && condition.value === false) {
        // every part reads something other than events (a hunt of osquery queries alone): nothing here can fire
        this.stats.notRunnable++;
        continue;
      }
      this.rules.push(new EngineRule(r, condition, ri, logSources, this.rules.length));
    }
    inheritLogSources(this.rules);
    // a rule with another reading for some events (a Sigma process creation rule over Security 4688, a KQL rule over
    // a Defender endpoint table over Sysmon events) runs as that reading on them, as written on the others: both are
    // rules of the engine, each routed to its events, a reading through the field resolution it names
    if (!opts.all) {
      for (const hr of [...this.rules]) {
        const readings = adapterFor(hr.rule.format)?.huntReadings?.(hr.logSources, hr.condition, hr.rule) ?? [];
        if (!readings.length) continue;
        hr.unless = readings.map((r) => r.onlyWith);
        for (const r of readings) {
          const resolverIndex = r.readAsFormat ? resolverOf(adapterFor(r.readAsFormat)?.resolveField ?? resolveDotted) : hr.resolverIndex;
          this.rules.push(new EngineRule(hr.rule, r.condition, resolverIndex, r.logSources ?? hr.logSources, this.rules.length, { onlyWith: r.onlyWith, of: hr.index, reading: r.label, readAs: r.readAsFormat, aggregation: r.aggregation }));
        }
      }
    }
    if (!opts.all) {
      for (const hr of this.rules) {
        if (hr.logSources.length === 0) this.stats.withoutLogSource++;
        else for (const ls of hr.logSources) {
          let list = this.byLogSource.get(ls);
          if (!list) this.byLogSource.set(ls, (list = []));
          list.push(hr.index);
        }
      }
    }
    if (opts.forceLogSources) this.opts = { ...opts, forceLogSources: opts.forceLogSources.map((l) => this.spelledAsRules(l)) };
    this.ruleStamp = new Int32Array(this.rules.length);
  }

  /** A log source name as the loaded rules spell it (`Windows.Process_Creation` → `windows.process_creation`), when one name differs only in case. */
  private spelledAsRules(name: string): string {
    if (this.byLogSource.has(name)) return name;
    const lower = name.toLowerCase();
    const cased = [...this.byLogSource.keys()].filter((k) => k.toLowerCase() === lower);
    return cased.length === 1 ? cased[0]! : name;
  }

  /** Each rule's prefilter requirement, made when first needed (`requirementOf`; null: none). */
  private readonly reqs: (Requirement | null | undefined)[] = [];
  /** How many rules of a log source (or of every rule, `EVERYWHERE`) need each key (`popularityOf`). */
  private readonly popularity = new Map<string, Map<string, number>>();

  /** A rule's prefilter requirement (undefined: none). */
  private requirementOf(r: number): Requirement | undefined {
    let req = this.reqs[r];
    if (req === undefined) {
      this.reqs[r] = req = this.opts.noPrefilter ? null : (prefilterRequirement(this.rules[r]!.condition) ?? null);
      this.stats.requirements++;
    }
    return req ?? undefined;
  }

  /**
   * How many rules of a log source need each key (by `keyName`), counted over every rule of the log source when it is
   * first asked for. A key many rules need is likely common in events too: it costs more as a trigger. Counted over
   * each log source's rules, not over the events' rule sets, so that a rule's plan is the same whichever rule sets the
   * events call for first (and on a worker thread as on this one); not over every rule either, so that a hunt of a few
   * log sources' events makes the requirements of those log sources' rules only (over the whole catalog, making every
   * requirement took about half a second of the hunt's start).
   */
  private popularityOf(ls: string): Map<string, number> {
    let p = this.popularity.get(ls);
    if (!p) {
      p = new Map();
      const members = ls === EVERYWHERE ? this.rules.map((hr) => hr.index) : (this.byLogSource.get(ls) ?? []);
      for (const r of members) {
        const req = this.requirementOf(r);
        if (req) for (const n of new Set(requirementKeys(req).map(keyName))) p.set(n, (p.get(n) ?? 0) + 1);
      }
      this.popularity.set(ls, p);
    }
    return p;
  }

  /**
   * What a key costs as a trigger of a rule (`requirementCut`): its kind and field, and its popularity among the rules
   * of the rule's log source that has the fewest (the first of them on a tie). A rule of several log sources (a KQL
   * union of Windows and Entra ID tables) would otherwise have every rule of each of them read (over the whole catalog,
   * a hunt of one Windows event then made 11,527 requirements instead of 2,373, for the same plans).
   */
  private keyCostFor(hr: HuntRule): (k: PrefilterKey) => number {
    const size = (x: string): number => this.byLogSource.get(x)?.length ?? 0;
    let ls = hr.logSources[0];
    for (const x of hr.logSources) if (size(x) < size(ls!)) ls = x;
    const pop = this.popularityOf(this.opts.all || ls === undefined ? EVERYWHERE : ls);
    return (k) => cost([k]) + (pop.get(keyName(k)) ?? 0);
  }

  private readonly indexOf = new Map<string, KeyIndex>();

  /** The key id of a key of a rule's requirement (its key index made at first use). */
  private keyId(hr: HuntRule, k: PrefilterKey): number {
    const ik = `${hr.resolverIndex}\u0000${k.kind}\u0000${k.field}`;
    let idx = this.indexOf.get(ik);
    if (!idx) {
      const index = { id: this.indexes.length, field: k.field, kind: k.kind, byValue: new Map(), resolverIndex: hr.resolverIndex };
      this.indexOf.set(ik, (idx = k.operand ? { ...index, fid: -1, operand: derivedOperandOf(k.operand), falseWhenMissing: k.falseWhenMissing === true } : { ...index, fid: fieldId(k.field) }));
      this.indexes.push(idx);
    }
    let id = idx.byValue.get(k.value);
    if (id === undefined) {
      idx.byValue.set(k.value, (id = this.triggers.length));
      this.triggers.push([]);
      this.keyValue.push(k.value);
      this.indexOfKey.push(idx.id);
    }
    return id;
  }

  /**
   * How a rule is reached (`RulePlan`): planned when a rule set it belongs to is first made, not when the engine is
   * made (a hunt of one log source's events plans a few hundred of the catalog's 22,000 rules and readings; planning
   * them all took most of a second at the start of every hunt).
   */
  private planRule(r: number): void {
    const hr = this.rules[r]!;
    const req = this.requirementOf(r);
    const trigger = req ? requirementCut(req, this.keyCostFor(hr))?.keys : undefined;
    const used = new Set<number>();
    const all = new Set<number>();
    const ids = (keys: readonly PrefilterKey[]): Int32Array => {
      const out = [...new Set(keys.map((k) => this.keyId(hr, k)))];
      for (const id of out) {
        used.add(this.indexOfKey[id]!);
        all.add(id);
      }
      return Int32Array.from(out);
    };
    if (trigger) for (const id of ids(trigger)) this.triggers[id]!.push(r);
    // a requirement that is one key list is its own cut: the trigger already checked it. `xsub` keys are checked only
    // as triggers (their operand is computed only where one is)
    const check = req && withoutComputedKeys(req);
    const requires = check && (check !== req || !('any' in check)) ? compileRequirement(check, ids) : undefined;
    this.plans[r] = { always: !trigger, indexes: [...used], keys: [...all], ...(requires ? { requires } : {}) };
  }

  /**
   * The keys through which a rule is reached (`kind field value` each, sorted), planning it if it is not yet;
   * undefined when it is evaluated on every event of its log sources. For tests and diagnostics (the hunt itself reads
   * the plans).
   */
  triggerKeys(hr: HuntRule): string[] | undefined {
    if (this.plans[hr.index] === undefined) {
      this.planRule(hr.index);
      this.layOutKeys();
    }
    const ids: number[] = [];
    for (let id = 0; id < this.triggers.length; id++) if (this.triggers[id]!.includes(hr.index)) ids.push(id);
    if (!ids.length) return undefined;
    return ids
      .map((id) => {
        const index = this.indexes[this.indexOfKey[id]!]!;
        return `${index.kind} ${index.field} ${this.keyValue[id]}`;
      })
      .sort();
  }

  /**
   * Lay the keys' trigger lists out as `keyState` and `triggered` read them, after rules were planned. Made between
   * events (a rule set is made before its event is scanned): the stamps of the event before are not needed.
   */
  private layOutKeys(): void {
    const nKeys = this.triggers.length;
    this.keyState = new Int32Array(2 * nKeys + 2);
    let total = 0;
    for (const t of this.triggers) total += t.length;
    this.triggered = new Int32Array(total);
    let at = 0;
    for (let id = 0; id < nKeys; id++) {
      this.keyState[2 * id + 1] = at;
      // in rule order, whichever rule set planned them
      const t = this.triggers[id]!.sort((a, b) => a - b);
      for (const r of t) this.triggered[at++] = r;
    }
    this.keyState[2 * nKeys + 1] = at;
  }

  /** The rule as written of a rule or of one of its readings (`HuntRule.of`): whose tallies and aggregation they share. */
  asWritten(hr: HuntRule): HuntRule {
    return hr.of === undefined ? hr : this.rules[hr.of]!;
  }

  /** The rule set of a combination of log sources (null: none of them has rules). */
  private ruleSet(logSources: readonly string[]): RuleSet | null {
    if (logSources === this.lastSources) return this.lastSet;
    const key = this.opts.all ? EVERYWHERE : logSources.join('\n');
    let set = this.sets.get(key);
    if (set === undefined) {
      const members = this.opts.all ? this.rules.map((hr) => hr.index) : [...new Set(logSources.flatMap((ls) => this.byLogSource.get(ls) ?? []))].filter((i) => readingApplies(this.rules[i]!, logSources));
      set = members.length ? this.makeSet(members) : null;
      this.sets.set(key, set);
    }
    this.lastSources = logSources;
    this.lastSet = set;
    return set;
  }

  private makeSet(members: readonly number[]): RuleSet {
    let planned = false;
    for (const r of members) {
      if (this.plans[r] !== undefined) continue;
      this.planRule(r);
      planned = true;
    }
    if (planned) this.layOutKeys();
    const member = new Uint8Array(this.rules.length);
    const always: number[] = [];
    const used = new Map<number, Set<number>>();
    for (const r of members) {
      member[r] = 1;
      const plan = this.plans[r]!;
      if (plan.always) always.push(r);
      for (const i of plan.indexes) if (!used.has(i)) used.set(i, new Set());
      for (const id of plan.keys) used.get(this.indexOfKey[id]!)!.add(id);
    }
    always.sort((a, b) => a - b);
    const keyed = [...used.keys()].sort((a, b) => a - b).map((i): ScanIndex => {
      const index = this.indexes[i]!;
      return isSubstringKind(index.kind) ? { index, subKeys: [...used.get(i)!].sort((a, b) => a - b) } : { index };
    });
    return { always, keyed, member };
  }

  /** The automaton of a `sub` scan index (shared by every rule set with the same keys on that field). */
  private automatonOf(k: ScanIndex): Automaton {
    const sig = `${k.index.id}:${k.subKeys!.join(',')}`;
    let a = this.automata.get(sig);
    if (!a) this.automata.set(sig, (a = { set: new SubstringSet(k.subKeys!.map((id) => this.keyValue[id]!)), keys: Int32Array.from(k.subKeys!) }));
    return a;
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
  private member: Uint8Array = new Uint8Array(0);
  private readonly hits: number[] = [];

  /** The view of the current event for one resolver (reused from event to event). */
  private view(i: number): EventView {
    let v = this.views[i];
    if (!v) this.views[i] = v = new EventView(this.current, this.resolvers[i]!);
    else if (this.viewOf[i] !== this.eventNo) v.reset(this.current);
    this.viewOf[i] = this.eventNo;
    return v;
  }

  /** The event offers key `id`: the rules it triggers become candidates. */
  private offer(id: number): void {
    const ks = this.keyState;
    const at = id << 1;
    if (ks[at] === this.eventNo) return;
    ks[at] = this.eventNo;
    const t = this.triggered;
    const end = ks[at + 3]!;
    for (let i = ks[at + 1]!; i < end; i++) {
      const r = t[i]!;
      if (this.member[r] === 1 && this.ruleStamp[r] !== this.eventNo) {
        this.ruleStamp[r] = this.eventNo;
        this.candidates.push(r);
      }
    }
  }

  /** Every key of the index is offered (the value is not one the keys decide). */
  private offerAll(k: ScanIndex): void {
    for (const id of k.index.byValue.values()) this.offer(id);
  }

  private offerValue(k: ScanIndex, value: string): void {
    const id = k.index.byValue.get(value);
    if (id !== undefined) this.offer(id);
  }

  /** The keys of one index that one scalar of the event offers (the field's value, or one element of its list). */
  private scan(k: ScanIndex, x: unknown, normed: string | undefined): void {
    if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') return;
    const kind = k.index.kind;
    if (kind === 'sub' || kind === 'dsub') {
      // (a `dsub` value here is a string or a number: `runSet` offers every key for the others)
      if (typeof x === 'string') this.scanSub(k, x, normed);
      else this.scanSub(k, String(x), undefined);
      return;
    }
    if (kind === 'num') {
      // a number, or a numeric string, as `equals` in `evaluate.ts` reads it loosely (a boolean is neither)
      if (typeof x === 'number') this.offerValue(k, numKey(x));
      else if (typeof x === 'string' && numericLike(x)) this.offerValue(k, numKey(Number(x)));
      return;
    }
    const s = typeof x === 'string' ? (normed ?? norm(x)) : String(x).toLowerCase();
    if (kind === 'eq') {
      this.offerValue(k, s);
      // numbers and numeric strings also under their canonical number; Python booleans equal 1 and 0
      if (typeof x === 'number') this.offerValue(k, numKey(x));
      else if (typeof x === 'boolean') this.offerValue(k, numKey(Number(x)));
      else if (numericLike(x)) this.offerValue(k, numKey(Number(x)));
      return;
    }
    this.offerValue(k, s.slice(s.lastIndexOf(kind === 'base\\' ? '\\' : '/') + 1));
  }

  /**
   * An `xsub` index over its derived operand, as the evaluation computed it (or will, from the view's cache): a scalar
   * scanned as its text, a list (`argv`) or several values (`Spread`) element by element, as a loosely typed predicate
   * reads them (`onStrings`, `stringOp` in `evaluate.ts`); a null or missing one (or a step failed to null) offers
   * none when the index's predicates are false on it; anything else (unknown, an object, a nested list, a value over
   * the regex input bound) offers every key.
   */
  private scanDerived(k: ScanIndex, d: unknown): void {
    if ((d === undefined || d === null || d === FAILED_NULL) && k.index.falseWhenMissing) return;
    if (d instanceof Spread) {
      if (!d.items.every((x) => scannable(x, true))) return this.offerAll(k);
      for (const x of d.items) this.scanScalars(k, x);
    } else if (scannable(d, true)) this.scanScalars(k, d);
    else this.offerAll(k);
  }

  /** A scannable value's scalars (`scannable`), each as its text. */
  private scanScalars(k: ScanIndex, x: unknown): void {
    if (Array.isArray(x)) for (const el of x) this.scanSub(k, String(el), undefined);
    else this.scanSub(k, String(x), undefined);
  }

  /** Substring keys in a normalised text. */
  private scanSub(k: ScanIndex, text: string, normed: string | undefined): void {
    const ac = (k.ac ??= this.automatonOf(k));
    const ids = ac.set.collectText(text, normed, this.hits);
    for (let i = 0; i < ids.length; i++) this.offer(ac.keys[ids[i]!]!);
  }

  private passes(r: number): boolean {
    const req = this.plans[r]!.requires;
    return req === undefined || holds(req, 0, this.keyState, this.eventNo);
  }

  private evaluate(r: number, results: HuntResult[]): void {
    const hr = this.rules[r]!;
    this.stats.evaluations++;
    const t = verdictOn(hr.compiled, hr.condition, this.view(hr.resolverIndex));
    if (t !== false) results.push({ rule: hr, truth: t });
  }

  private runSet(set: RuleSet, results: HuntResult[]): void {
    this.member = set.member;
    const cands = this.candidates;
    cands.length = 0;
    for (let i = 0; i < set.keyed.length; i++) {
      const k = set.keyed[i]!;
      const { resolverIndex, fid, field, operand } = k.index;
      const view = this.view(resolverIndex);
      if (operand) {
        this.scanDerived(k, operand(view));
        continue;
      }
      const raw = view.at(fid, field);
      if (raw === undefined || raw === null) continue;
      if (k.index.kind !== 'num' && tooLongForRegex(raw)) {
        // a glob or regex on a value over the regex input bound is unknown, whatever the literals: every key is offered
        // (not a `num` key: offered, it says the value equals that number, which no pattern decides)
        this.offerAll(k);
        continue;
      }
      if (k.index.kind === 'dsub' && typeof raw !== 'string' && typeof raw !== 'number') {
        // a value derived from a list or an object reads its JSON text: not scanned
        this.offerAll(k);
        continue;
      }
      if (Array.isArray(raw)) {
        // substrings: one pass over the elements joined (a key found across two elements is a false positive;
        // lower-casing and `norm` of the joined text equal those of each element joined)
        if (k.index.kind === 'sub') this.scanSub(k, joinScalars(raw), undefined);
        else for (const x of raw) this.scan(k, x, undefined);
      } else if (typeof raw === 'string' && k.index.kind === 'sub') this.scanSub(k, raw, undefined);
      else this.scan(k, raw, typeof raw === 'string' ? view.normAt(fid, field) : undefined);
    }
    for (let i = 0; i < set.always.length; i++) if (this.passes(set.always[i]!)) this.evaluate(set.always[i]!, results);
    for (let i = 0; i < cands.length; i++) if (this.passes(cands[i]!)) this.evaluate(cands[i]!, results);
    if (cands.length && results.length > 1) sortByRule(results);
  }

  /** Evaluate one event: the rules that are true or unknown on it (in rule order), and the log sources it was read as. */
  run(event: unknown): { logSources: readonly string[]; results: HuntResult[] } {
    if (++this.eventNo === 0x7fffffff) {
      // the stamps are 32-bit: start them again (views are stamped by event number too)
      this.eventNo = 1;
      for (let i = 0; i < this.keyState.length; i += 2) this.keyState[i] = 0;
      this.ruleStamp.fill(0);
      this.viewOf = [];
    }
    this.current = event;
    const results: HuntResult[] = [];
    const logSources = this.opts.forceLogSources ?? recogniseLogSources(event);
    const set = this.ruleSet(logSources);
    if (set) this.runSet(set, results);
    else if (!this.opts.all) this.stats.unrouted++;
    return { logSources, results };
  }

  /**
   * A result another engine (DuckDB) found unknown that is SQL-style null on the event (as `evaluate()` finds it):
   * no match, as `run` reports it.
   */
  nullNoMatch(hr: HuntRule, event: unknown): boolean {
    return nullNoMatch(hr.condition, event, this.resolvers[hr.resolverIndex]!);
  }

  /** Is the rule one a correlation correlates (its results feed `correlations`)? */
  correlated(r: RuleRecord): boolean {
    return this.correlationMembers.size > 0 && r.nativeId !== undefined && this.correlationMembers.has(`${r.format}\u0000${r.nativeId}`);
  }

  /** Do exclusions apply to the rule (a detection rule of a language with exclusions)? */
  excludable(r: RuleRecord): boolean {
    return r.kind === 'detection' && this.exclusions.has(r.format);
  }

  /**
   * The exclusions of a language on an event: the first that holds (the event is kept from the language's detection
   * rules), else those that may hold (a hit of those rules then depends on them); undefined when none can.
   */
  exclusionsOn(format: string, event: unknown): { readonly holds?: RuleRecord; readonly may: readonly RuleRecord[] } | undefined {
    const list = this.exclusions.get(format);
    if (!list) return undefined;
    const may: RuleRecord[] = [];
    for (const x of list) {
      const t = verdictOn(x.compiled, x.condition, new EventView(event, x.resolver));
      if (t === true) return { holds: x.rule, may: [] };
      if (t === 'unknown') may.push(x.rule);
    }
    return may.length ? { may } : undefined;
  }

  private readonly explainPlans = new WeakMap<HuntRule, ExplainPlan>();

  /**
   * The predicates of a rule that hold on the event (for a hit), what the event had where each looked (`seen`), and
   * the opaque parts it depends on. On the event just run, a predicate the evaluation tested is read from its
   * recorded result; the others are tested now.
   */
  explain(hr: HuntRule, event: unknown, truth?: Truth): Explained {
    const { matched, seen, held, dependsOn } = this.explainAt(hr, event, truth);
    const texts = this.matchedTexts(hr, matched, seen, held);
    return { matched: texts.matched, seen: texts.seen, held: texts.held, dependsOn };
  }

  /**
   * As `explain`, with the matched predicates by their number in the rule (`matchedTexts` renders them) and what the
   * event had for each, and which value held, in the same order.
   */
  explainAt(hr: HuntRule, event: unknown, truth?: Truth): { matched: number[]; seen: string[]; held: (string | null)[]; dependsOn: string[] } {
    const plan = this.planOf(hr);
    const view = event === this.current && this.viewOf[hr.resolverIndex] === this.eventNo ? this.view(hr.resolverIndex) : new EventView(event, this.resolvers[hr.resolverIndex]!);
    // a view made here has a stamp no evaluation recorded
    const stamp = view.stamp;
    const { preds, done } = hr.recorded;
    const matched: number[] = [];
    const seen: string[] = [];
    const held: (string | null)[] = [];
    for (let i = 0; i < preds.length; i++) {
      const d = done[i];
      if (d === stamp || (d !== -stamp && preds[i]!.test(view) === true)) {
        matched.push(i);
        // through the view: the values (and derived operands) the evaluation resolved are read from its cache
        const { pred, operand } = preds[i]!;
        const value = operand ? operand(view) : operandOf(pred, event, view.resolve);
        seen.push(shownOperand(value));
        held.push(heldBy(pred, value, event, view.resolve));
      }
    }
    // unknown without an opaque part: the tests that are undecided on this event (a null the language propagates, a
    // regex over too long a value, a derived value that cannot be known…)
    // unknown with opaque parts: those this event's result depends on (not one under an OR another part of which holds,
    // or an AND another part of which fails: a reading's "any other event id" part, where the event's id is listed)
    const resolve = this.resolvers[hr.resolverIndex]!;
    const reached = truth === 'unknown' && plan.dependsOn.length ? opaqueOn(hr.condition, event, resolve, view) : undefined;
    const dependsOn = reached?.length ? reached : plan.dependsOn.length || truth !== 'unknown' ? [...plan.dependsOn] : undecidedOn(hr, event, resolve);
    return { matched, seen, held, dependsOn };
  }

  /**
   * A rule's predicates given by number, rendered, with what the event had for each (`seen`) and which value held
   * (`held`), in the same order; a predicate written the same way twice is listed once, with what the first had.
   */
  matchedTexts(
    hr: HuntRule,
    at: ArrayLike<number>,
    seen: readonly string[],
    held: readonly (string | null)[],
  ): { matched: string[]; seen: readonly string[]; held: readonly (string | null)[] } {
    const plan = this.planOf(hr);
    const matched: string[] = [];
    if (plan.unique) {
      for (let i = 0; i < at.length; i++) matched.push(plan.texts[at[i]!]!);
      return { matched, seen, held };
    }
    const shown: string[] = [];
    const heldShown: (string | null)[] = [];
    for (let i = 0; i < at.length; i++) {
      const text = plan.texts[at[i]!]!;
      if (matched.includes(text)) continue;
      matched.push(text);
      shown.push(seen[i]!);
      heldShown.push(held[i]!);
    }
    return { matched, seen: shown, held: heldShown };
  }

  private planOf(hr: HuntRule): ExplainPlan {
    let plan = this.explainPlans.get(hr);
    if (!plan) this.explainPlans.set(hr, (plan = explainPlan(hr)));
    return plan;
  }
}

/** A rule's verdict on the view's event: its compiled condition, a SQL-style null (MQL) read as no match. */
function verdictOn(compiled: Compiled, condition: Expr, view: EventView): Truth {
  const t = compiled(view);
  return t === 'unknown' ? verdictOfUnknown(condition, view.event, view.resolve) : t;
}

/**
 * Why a record's condition is not an alert of its own, or undefined: a Sigma filter (meta-filter) is already ANDed,
 * negated, into the rules it targets, and a Sublime exclusion keeps the messages it matches from the detection rules.
 * Run alone, either "fires" on exactly the events it lets through or keeps out (a filter for domain controllers on
 * every event from one). The hunt leaves them out unless asked (`filtersAlone`).
 */
export function notOnItsOwn(r: RuleRecord): string | undefined {
  if (r.format === 'sigma' && r.nativeType === 'filter') return 'a Sigma filter: applied to the rules it targets';
  if (r.kind === 'exclusion') return 'an exclusion: keeps the events it matches from other rules';
  return undefined;
}

type ExplainLeaf = Extract<Expr, { kind: 'pred' | 'each' | 'opaque' | 'const' }>;

/**
 * The leaves of a condition, for an explanation, until `leaf` says stop; with `pruned`, the walk passes over an AND
 * one of whose parts fails and an OR one of whose parts holds on the event (nothing under them changes the result).
 */
function walkLeaves(e: Expr, leaf: (x: ExplainLeaf) => boolean, pruned?: { readonly event: unknown; readonly resolve: FieldResolver; readonly view?: EventView }): void {
  let stop = false;
  // each AND, OR and NOT's truth on the event computed once (`evaluate` of every part at every level walked the
  // tree again under each: a large rule's may-fire explanation cost more than its evaluation); a predicate by its
  // compiled test on the event's view when there is one (the reference `evaluate` of each predicate was most of the
  // explanations of a whole-catalog hunt, whose reading rules' may-fires are most of its output), the rest by `evaluate`
  const truths = new Map<Expr, Truth>();
  const truthOf = (x: Expr): Truth => {
    let t = truths.get(x);
    if (t !== undefined) return t;
    if (x.kind === 'and' || x.kind === 'or') {
      const and = x.kind === 'and';
      t = and;
      for (const a of x.args) {
        t = and ? and3(t, truthOf(a)) : or3(t, truthOf(a));
        if (t === !and) break;
      }
    } else if (x.kind === 'not') t = not3(truthOf(x.arg));
    else if (x.kind === 'pred' && pruned!.view) t = compiledLeaf(x)(pruned!.view);
    else t = evaluate(x, pruned!.event, { resolve: pruned!.resolve });
    truths.set(x, t);
    return t;
  };
  const walk = (x: Expr): void => {
    if (stop) return;
    switch (x.kind) {
      case 'and':
      case 'or':
        if (pruned && x.args.some((a) => truthOf(a) === (x.kind === 'or'))) return;
        for (const a of x.args) walk(a);
        return;
      case 'not':
        walk(x.arg);
        return;
      case 'quant':
        for (const i of x.items) walk(i.expr);
        return;
      case 'pred':
      case 'each':
      case 'const':
      case 'opaque':
        stop = leaf(x);
        return;
      default:
        assertNever(x, 'expression');
    }
  };
  walk(e);
}

/**
 * The opaque parts an unknown result depends on, on this event: those not under an AND one of whose parts fails or an
 * OR one of whose parts holds.
 */
function opaqueOn(e: Expr, event: unknown, resolve: FieldResolver, view?: EventView): string[] {
  const out = new Set<string>();
  walkLeaves(e, (x) => (x.kind === 'opaque' && out.add(`${x.text.slice(0, 120)} (${x.reason})`), false), { event, resolve, ...(view ? { view } : {}) });
  return [...out];
}

/** A predicate's compiled test, made at its first explanation (a rule's predicates are nodes of its condition). */
const compiledLeaves = new WeakMap<Expr, Compiled>();
function compiledLeaf(p: Expr): Compiled {
  let c = compiledLeaves.get(p);
  if (!c) compiledLeaves.set(p, (c = compile(p)));
  return c;
}

/**
 * The rule's leaf tests (predicates, and quantifiers over a list) that are unknown on the event, rendered (at most 3);
 * a test that is SQL-style null there (MQL) is not one: its outcome is known, and it cannot make the rule fire.
 */
function undecidedOn(hr: HuntRule, event: unknown, resolve: FieldResolver): string[] {
  const out: string[] = [];
  walkLeaves(hr.condition, (x) => {
    if ((x.kind === 'pred' || x.kind === 'each') && evaluate(x, event, { resolve }) === 'unknown' && !nullOn(x, event, resolve)) out.push(`undecided on this event: ${x.kind === 'pred' ? renderPredicate(x) : renderExpr(x)}`.slice(0, 200));
    return out.length >= 3;
  });
  return out;
}

/** What `explain` needs of a rule, made once: its positive predicates rendered, and its opaque parts. */
interface ExplainPlan {
  readonly texts: readonly string[];
  /** No two texts are the same (the matched list needs no de-duplication). */
  readonly unique: boolean;
  readonly dependsOn: readonly string[];
}

function explainPlan(hr: HuntRule): ExplainPlan {
  const texts = hr.recorded.preds.map((p) => renderPredicate(p.pred));
  // the opaque parts, those inside a quantifier included
  const dependsOn: string[] = [];
  for (const l of leaves(hr.condition)) if (l.kind === 'opaque') dependsOn.push(`${l.text.slice(0, 120)} (${l.reason})`);
  return { texts, unique: new Set(texts).size === texts.length, dependsOn: [...new Set(dependsOn)] };
}

/**
 * The condition the hunt runs for a rule: its own, except that a multi-event rule stated side by side (and not
 * counted by a threshold) runs the OR of its required and absent sides' conditions, so that the reporter also sees
 * the events that keep a binding from alerting (an EQL `until`, a missing event: `sides.ts`).
 */
function huntCondition(r: RuleRecord, written: Expr): Expr {
  // a part that reads a host's state, not events (an Elastic hunt's osquery SQL), is false over events
  const cond = overEvents(written);
  const a = r.logic.aggregation;
  if (!a?.sides?.length || aggregationDecides(a) || !a.sides.some((s) => s.presence === 'absent')) return cond;
  return or(cond, ...a.sides.filter((s) => s.presence === 'absent').map((s) => overEvents(s.condition)));
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

/**
 * A requirement over offered keys, flattened into one array (no closure per node): each node is `[op, end, ...]`
 * where `end` is where the next node starts; `ANY` lists the places of keys' stamps in `keyState` (twice the key
 * ids; offered when `stamp[2 * id] === epoch`), `ALL` and
 * `EITHER` their child nodes.
 */
type Check = Int32Array;

const ANY = 0;
const ALL = 1;
const EITHER = 2;
/** The node holds when none of its keys is offered. */
const NONE = 3;

function compileRequirement(r: Requirement, ids: (keys: readonly PrefilterKey[]) => Int32Array): Check {
  const out: number[] = [];
  const put = (x: Requirement): void => {
    const at = out.length;
    if ('any' in x || 'none' in x) {
      out.push('any' in x ? ANY : NONE, 0);
      for (const k of ids('any' in x ? x.any : x.none)) out.push(2 * k);
    } else {
      out.push('all' in x ? ALL : EITHER, 0);
      for (const c of 'all' in x ? x.all : x.either) put(c);
    }
    out[at + 1] = out.length;
  };
  put(r);
  return Int32Array.from(out);
}

/** Whether the node at `at` of a flattened requirement holds on the offered keys. */
function holds(p: Int32Array, at: number, stamp: Int32Array, epoch: number): boolean {
  const op = p[at]!;
  const end = p[at + 1]!;
  if (op === ANY) {
    for (let i = at + 2; i < end; i++) if (stamp[p[i]!] === epoch) return true;
    return false;
  }
  if (op === NONE) {
    for (let i = at + 2; i < end; i++) if (stamp[p[i]!] === epoch) return false;
    return true;
  }
  if (op === ALL) {
    for (let c = at + 2; c < end; c = p[c + 1]!) if (!holds(p, c, stamp, epoch)) return false;
    return true;
  }
  for (let c = at + 2; c < end; c = p[c + 1]!) if (holds(p, c, stamp, epoch)) return true;
  return false;
}

/** Results in rule order, in place (a few, mostly in order already: an insertion sort allocates nothing). */
function sortByRule(results: HuntResult[]): void {
  for (let i = 1; i < results.length; i++) {
    const x = results[i]!;
    const k = x.rule.index;
    let j = i - 1;
    while (j >= 0 && results[j]!.rule.index > k) {
      results[j + 1] = results[j]!;
      j--;
    }
    results[j + 1] = x;
  }
}

/** The scalars of a list as text, one per line (objects and nulls left out). */
function joinScalars(xs: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out += (out.length ? '\n' : '') + String(x);
  }
  return out;
}

/** A string, number or boolean within the regex input bound; with `list`, also a list of them. */
function scannable(x: unknown, list: boolean): boolean {
  if (typeof x === 'string') return !tooLongForRegex(x);
  if (typeof x === 'number' || typeof x === 'boolean') return true;
  return list && Array.isArray(x) && x.every((el) => scannable(el, false));
}

function tooLongForRegex(v: unknown): boolean {
  if (typeof v === 'string') return v.length > LIMITS.maxRegexInput;
  if (Array.isArray(v)) return v.some((x) => typeof x === 'string' && x.length > LIMITS.maxRegexInput);
  return false;
}
