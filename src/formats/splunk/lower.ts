/**
 * Lowering of a parsed SPL pipeline into the model: stages, the row-level condition, aggregation and thresholds,
 * output fields, log sources. The condition is the AND of the filters an event passes before its rows become
 * groups (base search, tstats `where`, search / where / regex); a filter after stats on a group-by key is a
 * row-level filter too (the key is constant over its group); a numeric comparison of an aggregate is the threshold.
 * What is not expressed is listed in `missing`, each reason starting with a category word
 * (command:, macro:, function:, eval:, rex:, lookup:, subsearch:, aggregate:, operator:).
 */
import { uniqueLogSources } from '../record.ts';
import { and, containsOpaque, not, opaque, or, pred, TRUE, type Expr } from '../../model/expr.ts';
import type { Aggregation, CorrelationSide, DerivedKey, LogSource, OtherAggregate, OutputField, Stage, StageDetail } from '../../model/rule.ts';
import { detailValue, type MissingInput, type StatedLowering } from '../../model/lowering.ts';
import { aggregationDecides, foldedKey, MISSING_KEYS_WORDS, thresholdDnf, withThresholds } from '../../model/aggregate.ts';
import type { Span } from '../../model/span.ts';
import { bothGuards, evalChain, expandCoalesced, expandGuarded, guardedDerived, guardOf, lowerEval, lowerSearch, type EvalChain, type ExprContext, type FieldOrigin } from './lowerExpr.ts';
import type { MacroUse } from './macros.ts';
import type { Command, EvalNode, Pipeline, SearchNode, SplRange } from './parser.ts';
import { AGGREGATE_ABBREVIATIONS, COMMAND_STAGE_KINDS, DROPS_NULL_KEYS, GROUPING_STATS, NUMERIC_AGGREGATES, ROW_LIMITING, ROW_PRESERVING, SOURCE_FIELDS, TIME_MODIFIERS, undefinedMacroReason } from './splFacts.ts';

/** What the lowering of one search gives (the shape every language's lowering returns). */
export interface SplLowering extends StatedLowering {
  /** Data models, source macros, index / sourcetype constraints. */
  readonly logSources: readonly LogSource[];
  /** earliest= / latest= of the base search, bucket / bin spans. */
  readonly timeRange: readonly string[];
}

export interface LowerInput {
  readonly pipeline: Pipeline;
  /** The expanded text the pipeline was parsed from. */
  readonly text: string;
  span(at: SplRange): Span;
  /** The rule's own text for a range of the expanded text (a macro call as written). */
  source(at: SplRange): string;
  /** The top-level macro call whose expansion holds the range. */
  macroAt(at: SplRange): MacroUse | undefined;
}

type Phase = 'rows' | 'groups' | 'opaque';

/** The command's name as a user reads it. */
function commandName(c: Command): string {
  if (c.type === 'macro') return `the macro ${c.name}`;
  return c.type === 'generic' || c.type === 'stats' || c.type === 'fields' ? c.name : c.type;
}

/** Why a regular expression written otherwise than as one double-quoted string (`unquoted`) is not read. */
function unquotedRegex(written: string): string {
  return `the regular expression ${written.length > 80 ? written.slice(0, 77) + '...' : written} is not one double-quoted string, and the Search Reference does not say how a word written so is read`;
}

/**
 * May this command follow a row limit without making it matter? Row-preserving commands (eval, table, sort, lookup,
 * eventstats...: ROW_PRESERVING) and other limits neither drop nor count rows; a macro's text is unknown, and
 * search, where, regex, stats, dedup... see only the kept rows.
 */
function keepsRowsAfterLimit(c: Command): boolean {
  switch (c.type) {
    case 'search':
    case 'where':
    case 'regex':
    case 'macro':
      return false;
    case 'fields':
      return true;
    case 'stats':
    case 'generic':
      return (ROW_PRESERVING.has(c.name) && c.name !== 'macro') || ROW_LIMITING[c.name] !== undefined;
    default:
      return ROW_PRESERVING.has(c.type);
  }
}

/** `head` / `tail` of N >= 1 (10 when not given), `top` / `rare` (limit=0 keeps every value): never an empty result. */
function keepsAtLeastOne(c: Command & { type: 'generic' }): boolean {
  const limit = c.options.find((o) => o.name.toLowerCase() === 'limit')?.value;
  if (c.name === 'top' || c.name === 'rare') return limit === undefined || /^\d+$/.test(limit);
  const n = limit ?? (c.words.length === 1 && !c.subsearches.length ? c.words[0] : c.args.trim() === '' ? '10' : undefined);
  return n !== undefined && /^\d+$/.test(n) && Number(n) >= 1 && c.options.every((o) => ['limit', 'null', 'keeplast'].includes(o.name.toLowerCase()));
}

/** Lower a whole pipeline. Never throws on well-formed trees. */
export function lowerPipeline(input: LowerInput): SplLowering {
  return lowerWithFields(input).lowering;
}

/**
 * `lowerPipeline`, with what its rows end as: their phase and the fields defined (renames, evals, a grouping
 * stats' keys), for a `join` whose subsearch this is.
 */
function lowerWithFields(input: LowerInput): { lowering: SplLowering; phase: Phase; fields: ReadonlyMap<string, FieldOrigin> } {
  const stages: Stage[] = [];
  const conjuncts: Expr[] = [];
  const missing: MissingInput[] = [];
  /**
   * Filters on the values a grouping stats collected (`stats values(process) as process by dest | search
   * process=*rhaegal*`), each as "some event of the group has such a value" (`anyValueFilter`; `NOT …`: "no event
   * has"): one positive filter, on an aggregation that decides nothing by counting, is that condition on the events
   * (a group alerts when one of its events meets it; its row hits are those events). Otherwise (several, each maybe
   * met by a different event of the group, a negated one, or beside a threshold, which counts every event of the
   * group) each is a count of the group's events that meet it: at least 1, or none.
   */
  const anyValue: { e: Expr; negated: boolean; columns: string[]; part: MissingInput }[] = [];
  const logSources: LogSource[] = [];
  const timeRange: string[] = [];
  let aggregation: Aggregation | undefined;
  let phase: Phase = 'rows';
  /**
   * Right after a join stated as sides (`joinSides`): what each side's columns are, so that a filter on the joined
   * rows that reads one side's columns only is that side's condition. Ends at any command but `search` / `where` /
   * `table` / `fields`.
   */
  let joined: { readonly keys: readonly string[]; readonly left: (name: string) => FieldOrigin; readonly right: ReadonlyMap<string, FieldOrigin> | undefined } | undefined;
  let opaqueAfter = '';
  /** The dedup a count of events after it would count through (`dedup user`). */
  let deduped: string | undefined;
  /**
   * What a `fillnull` over the events did: `all` (no field list) fills a field missing on an event where another event
   * of the results has it, which one event cannot tell; a field list creates each field named.
   */
  const filled = { all: false, fields: new Set<string>() };
  /** Fields defined so far (renames, eval, stats); a name not here is the event's own field while phase is rows. */
  const env = new Map<string, FieldOrigin>();
  /** Output fields as the pipeline shapes them; undefined: every field of the event. */
  let out: { name: string; source: string; from?: string }[] | undefined;

  /**
   * Wildcard renames of the events' own fields (`rename properties.* as *`), latest first: after one, `user` is
   * `properties.user` where the event has it, else its own `user`.
   */
  const rawRenames: { readonly from: string; readonly to: string }[] = [];
  const origin = (name: string): FieldOrigin => {
    const o = env.get(name);
    if (o) return o;
    if (phase === 'groups') return { kind: 'computed', reason: `aggregate: ${name} is not a group-by key or aggregate of the stats before it` };
    if (phase === 'opaque') return { kind: 'computed', reason: `command: ${name} is read after ${opaqueAfter}, whose rows are not single events` };
    const fields: string[] = [];
    for (const r of rawRenames) {
      const caps = wildcardCaptures(r.to, name);
      if (caps) fields.push(applyWildcard(r.from, caps));
    }
    return fields.length ? { kind: 'coalesce', fields: [...new Set([...fields, name])] } : { kind: 'raw', field: name };
  };
  const ctx: ExprContext = { text: input.text, span: input.span, origin, source: input.source };

  const stage = (kind: Stage['kind'], label: string, at: SplRange, detail?: Record<string, unknown>, expr?: Expr): void => {
    stages.push({ kind, label, text: input.source(at), span: input.span(at), ...(detail && Object.keys(detail).length ? { detail: detailValue(detail) as StageDetail } : {}), ...(expr ? { expr } : {}) });
  };

  /** A filter whose every part is row-level (regex, tstats where). */
  const filter = (e: Expr, at: SplRange): void => {
    if (phase === 'opaque') {
      missing.push({ text: input.source(at), reason: `command: filter after ${opaqueAfter}, whose rows are not single events`, span: input.span(at) });
      return;
    }
    conjuncts.push(e);
  };

  /** A row limit not yet known to be harmless: missing once a command that drops or counts rows follows it. */
  let pendingLimit: MissingInput | undefined;

  const cmds = input.pipeline.commands;
  cmds.forEach((c, i) => {
    const first = i === 0;
    if (joined && !(c.type === 'search' || c.type === 'where' || c.type === 'fields')) joined = undefined;
    if (pendingLimit && !keepsRowsAfterLimit(c)) {
      missing.push({ ...pendingLimit, reason: `${pendingLimit.reason}, and ${commandName(c)} after it sees only those` });
      pendingLimit = undefined;
    }
    switch (c.type) {
      case 'search': {
        if (!c.expr) {
          stage('filter', 'search', c.at);
          return;
        }
        const use = input.macroAt(c.at);
        if (use?.status === 'filter') {
          stage('filter', use.name, c.at, { tuning: true, shipped: 'search * (no exclusions shipped)' });
          return;
        }
        const parts = first ? splitSource(c.expr, input, logSources, timeRange) : c.expr;
        const e = parts ? pipelineFilter(parts, c.at, 'search') : TRUE;
        stage('filter', use ? use.name : 'search', c.at, use ? { macro: use.name, expanded: input.text.slice(c.at.start, c.at.end) } : {}, e.kind === 'const' ? undefined : e);
        return;
      }
      case 'where': {
        const e = pipelineFilter(c.expr, c.at, 'eval');
        stage('filter', 'where', c.at, {}, e.kind === 'const' ? undefined : e);
        return;
      }
      case 'regex': {
        const e0 = c.unquoted ? opaque(input.source(c.at), `regex: ${unquotedRegex(c.regex)}`, input.span(c.at)) : lowerSearchLike(c.field, c.regex, c.at);
        const e = c.negated ? { kind: 'not', arg: e0 } as Expr : e0;
        filter(e, c.at);
        stage('filter', 'regex', c.at, {}, e);
        return;
      }
      case 'eval': {
        for (const a of c.assigns) env.set(a.field, evalOrigin(a.field, a.expr, input.source(a.at), origin, ctx));
        if (out) for (const a of c.assigns) if (!out.some((o) => o.name === a.field)) out.push({ name: a.field, source: 'eval', from: input.source(a.expr.at) });
        stage('extend', 'eval', c.at, { fields: c.assigns.map((a) => a.field) });
        return;
      }
      case 'rex': {
        const from = c.options['field'] ?? '_raw';
        const names = [...c.regex.matchAll(/\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1]!);
        const source = origin(from);
        // one match (the default max_match=1) of a field of the event: each named group is the model's `extract` of
        // that field; several matches make a multivalue field, which the model does not derive
        const single = (c.options['max_match'] ?? '1') === '1';
        if (c.options['mode'] !== 'sed') {
          for (const n of names) {
            const reason = `rex: ${n} is extracted from ${from} by a regular expression${c.unquoted ? ` (${unquotedRegex(c.regex)})` : single ? '' : ` (max_match=${c.options['max_match']}: every match)`}`;
            env.set(n, single && !c.unquoted && source.kind === 'raw' ? { kind: 'derived', field: source.field, derived: { steps: [{ fn: 'extract', args: [c.regex, n] }] }, reason } : { kind: 'computed', reason });
          }
        }
        stage('parse', 'rex', c.at, { field: from, extracts: names, ...(c.options['mode'] ? { mode: c.options['mode'] } : {}) });
        return;
      }
      case 'stats':
        return stats(c, first);
      case 'bucket': {
        const span = c.options['span'];
        if (span && !timeRange.includes(`span=${span}`)) timeRange.push(`span=${span}`);
        stage('window', 'bucket', c.at, { field: c.field, ...c.options });
        return;
      }
      case 'rename': {
        for (const p of c.pairs) rename(p.from, p.to);
        stage('project', 'rename', c.at, { renames: c.pairs.map((p) => `${p.from} → ${p.to}`) });
        return;
      }
      case 'fields': {
        if (c.mode === '-') out = (out ?? []).filter((o) => !c.fields.some((f) => wildcardMatch(f, o.name)));
        else {
          const next: { name: string; source: string; from?: string }[] = [];
          for (const f of c.fields) {
            if (f.includes('*') && out) for (const o of out) (wildcardMatch(f, o.name) && !next.some((n) => n.name === o.name) ? next.push(o) : undefined);
            else if (!next.some((n) => n.name === f)) {
              const prev = out?.find((o) => o.name === f);
              const o = env.get(f);
              next.push(prev ?? { name: f, source: c.name, ...(o?.kind === 'raw' && o.field !== f ? { from: o.field } : {}) });
            }
          }
          out = next;
        }
        stage('project', c.name, c.at, { fields: c.fields, ...(c.mode === '-' ? { remove: true } : {}) });
        return;
      }
      case 'lookup': {
        for (const o of c.outputs) env.set(o.as, { kind: 'computed', reason: `lookup: ${o.as} comes from lookup table ${c.table}` });
        if (out) for (const o of c.outputs) if (!out.some((x) => x.name === o.as)) out.push({ name: o.as, source: `lookup ${c.table}` });
        stage('lookup', 'lookup', c.at, { table: c.table, inputs: c.inputs.map((x) => x.field), outputs: c.outputs.map((x) => x.as) });
        if (!c.outputs.length) missing.push({ text: input.source(c.at), reason: `lookup: every field of table ${c.table} is added`, span: input.span(c.at) });
        return;
      }
      case 'macro': {
        missing.push({ text: c.text, reason: `${undefinedMacroReason(c.name)}${c.unpiped ? '; it follows the previous command without a pipe, so its definition may begin one' : ''}`, span: input.span(c.at) });
        stage('statement', c.name, c.at, { macro: c.name, undefined: true });
        return;
      }
      case 'generic':
        return generic(c, first);
      default: {
        const never: never = c;
        return never;
      }
    }
  });

  /**
   * `search … | join f1 f2 [search …]` (an inner join, the default type): the events so far and the subsearch's
   * are the two sides of a multi-event rule, paired on equal values of the join fields (through the renames and
   * case folds of each side). A side that groups with `stats … by` (no threshold) keeps a row per group of events
   * whose every key is present: its side is those events. False (the join stays a missing part) when a side's rows
   * are not events or groups of them, the fields are not given or not fields of both sides, a side counts against a
   * threshold, or an option changes the pairing (`usetime`, `earlier`).
   */
  function joinSides(c: Command & { type: 'generic' }): boolean {
    const fields = c.words.flatMap((w) => w.split(',')).map((w) => w.trim()).filter(Boolean);
    if (phase === 'opaque' || anyValue.length || !fields.length || c.subsearches.length !== 1) return false;
    if (c.options.some((o) => !['type', 'max', 'overwrite'].includes(o.name.toLowerCase()))) return false;
    const sub = lowerWithFields({ ...input, pipeline: c.subsearches[0]! });
    if (sub.phase === 'opaque') return false;
    const subOrigin = (f: string): FieldOrigin | undefined => sub.fields.get(f) ?? (sub.phase === 'rows' ? { kind: 'raw', field: f } : undefined);
    const here = grouped(aggregation, origin);
    const there = grouped(sub.lowering.aggregation, subOrigin);
    if (!here || !there) return false;
    const left = fields.map((f) => keyOf(origin(f)));
    const right = fields.map((f) => keyOf(subOrigin(f)));
    if (left.some((k) => !k) || right.some((k) => !k)) return false;
    // `_time` after `stats … by _time span=1h` is the event's time bin, not its time: pairing on it is not read
    const binned = (a: Aggregation | undefined, keys: readonly ({ field: string } | undefined)[]) => !!a?.bins && keys.some((k) => k!.field === '_time');
    if (binned(aggregation, left) || binned(sub.lowering.aggregation, right)) return false;
    // keys compared through upper() / lower() on both sides pair case-insensitively; folded on one side only, not read
    const folded = [...left, ...right].map((k) => k!.folded);
    if (folded.some((x) => x !== folded[0])) return false;
    for (const m of sub.lowering.missing) missing.push({ ...m, reason: `subsearch: ${m.reason}` });
    const names = (ls: readonly LogSource[]) => (ls.length ? { sources: ls.map((l) => l.name) } : {});
    const leftKeys = left.map((k) => k!.field);
    const sides: CorrelationSide[] = [
      { name: 'search', condition: and(...conjuncts, ...here.present), presence: 'required', keys: leftKeys, ...names(logSources) },
      { name: 'subsearch', condition: and(sub.lowering.condition ?? TRUE, ...there.present), presence: 'required', keys: right.map((k) => k!.field), partner: 0, partnerKeys: leftKeys, ...(folded[0] ? { keysCi: true } : {}), ...names(sub.lowering.logSources), text: input.source(c.subsearches[0]!.at), span: input.span(c.subsearches[0]!.at) },
    ];
    // the rule reads the subsearch's sources too
    logSources.push(...sub.lowering.logSources);
    const leftFields = new Map(env);
    const leftPhase = phase;
    joined = {
      keys: fields,
      left: (name) => leftFields.get(name) ?? (leftPhase === 'rows' ? { kind: 'raw', field: name } : { kind: 'computed', reason: `aggregate: ${name} is not a group-by key or aggregate of the stats before the join` }),
      // after a grouping stats the subsearch's rows have its keys and aggregates only; before, any field may be its
      right: sub.phase === 'groups' ? sub.fields : undefined,
    };
    aggregation = { function: 'join', groupBy: [], sides, text: input.source(c.at), span: input.span(c.at) };
    return true;
  }

  /**
   * A filter right after a join stated as sides, when every column it reads is known to come from one side (a
   * column of the subsearch's grouping stats, or one the subsearch does not give): that side's condition.
   * Undefined when it reads both sides, an aggregate, a value the model does not express, or a column either side
   * may give (a subsearch that keeps every field).
   */
  function sideFilter(n: SearchNode | EvalNode, lang: 'search' | 'eval'): Expr | undefined {
    const j = joined!;
    let side: 0 | 1 | undefined;
    let ok = true;
    const sideOrigin = (name: string): FieldOrigin => {
      const fromRight = j.right?.get(name);
      const s: 0 | 1 = j.keys.includes(name) ? (side ?? 0) : fromRight ? 1 : 0;
      if (!j.keys.includes(name) && !fromRight && !j.right) ok = false;
      if (side !== undefined && side !== s) ok = false;
      side = s;
      const o = s === 1 ? fromRight! : j.left(name);
      if (o.kind === 'agg' || o.kind === 'computed') ok = false;
      return o;
    };
    const e = lang === 'eval' ? lowerEval(n as EvalNode, { ...ctx, origin: sideOrigin }) : lowerSearch(n as SearchNode, { ...ctx, origin: sideOrigin });
    if (!ok || containsOpaque(e) || !aggregation?.sides) return undefined;
    const at = side ?? 0;
    aggregation = { ...aggregation, sides: aggregation.sides.map((x, i) => (i === at ? { ...x, condition: and(x.condition, e) } : x)) };
    return e;
  }

  function lowerSearchLike(field: string, regex: string, at: SplRange): Expr {
    const o = origin(field);
    if (o.kind === 'raw') return { kind: 'pred', field: o.field, op: 'regex', values: [regex], opts: { cs: true }, span: input.span(at) };
    return opaque(input.source(at), 'reason' in o ? o.reason : `aggregate: regex over ${field}`, input.span(at));
  }


  /**
   * A search filter over `values(f)` columns of the groups, or undefined: an or of positive tests (a multivalue
   * field matches `field=value` when one of its values does), each on such a column or a group-by key, read as the
   * same tests of the events' own fields. `list(f)` keeps only the first 100 values, so it is not read so.
   */
  function anyValueFilter(p: SearchNode): { e: Expr; negated: boolean; columns: string[] } | undefined {
    const columns: string[] = [];
    const anyOrigin = (name: string): FieldOrigin => {
      const o = origin(name);
      if (o.kind !== 'agg' || o.fn !== 'values' || o.of === undefined) return o;
      if (!columns.includes(name)) columns.push(name);
      return { kind: 'raw', field: o.of };
    };
    const e = lowerSearch(p, { ...ctx, origin: anyOrigin });
    const positiveOr = (x: Expr): boolean => (x.kind === 'or' ? x.args.every(positiveOr) : x.kind === 'pred' && x.op !== 'ne');
    // `NOT process=*x*` on a multivalue field: none of its values matches
    if (e.kind === 'not' && positiveOr(e.arg)) return { e: e.arg, negated: true, columns };
    return positiveOr(e) ? { e, negated: false, columns } : undefined;
  }

  /**
   * An aggregate of `eval(if(c, x, y))` read as a conditional one: `dc(eval(if(c, f, null())))` counts the distinct
   * values of f over the events where c holds, `sum(eval(if(c, 1, 0)))` (or null() for 0) the events where it holds.
   * Undefined for anything else.
   */
  function conditionalEval(fn: string, e: EvalNode): { counted: string; where: Expr } | undefined {
    const x = e.type === 'group' ? e.expr : e;
    if (x.type !== 'call' || x.name.toLowerCase() !== 'if' || x.args.length !== 3) return undefined;
    const [c, then, otherwise] = x.args as [EvalNode, EvalNode, EvalNode];
    const isNull = (n: EvalNode) => (n.type === 'call' && n.name.toLowerCase() === 'null' && n.args.length === 0) || (n.type === 'lit' && n.value === null);
    if ((fn === 'dc' || fn === 'distinct_count') && then.type === 'field' && isNull(otherwise)) {
      const o = origin(then.name);
      return o.kind === 'raw' ? { counted: `dc(${o.field})`, where: lowerEval(c, ctx) } : undefined;
    }
    if (fn === 'sum' && then.type === 'lit' && then.value === 1 && ((otherwise.type === 'lit' && otherwise.value === 0) || isNull(otherwise))) return { counted: 'count', where: lowerEval(c, ctx) };
    return undefined;
  }

  /**
   * A search / where filter: each top-level conjunct that tests an aggregate against a number is a threshold; the
   * others are lowered (row-level, or on group-by keys after stats) and join the condition; a filter on other
   * aggregated values is missing.
   */
  function pipelineFilter(n: SearchNode | EvalNode, at: SplRange, lang: 'search' | 'eval'): Expr {
    if (joined) {
      // right after a join stated as sides: each conjunct on one side's columns is that side's condition
      const kept: Expr[] = [];
      for (const p of topAnd(n)) {
        const e = sideFilter(p, lang);
        if (e) kept.push(e);
        else missing.push({ text: input.source(p.at), reason: `command: filter after ${opaqueAfter}, whose rows are not single events`, span: input.span(p.at) });
      }
      return and(...kept);
    }
    if (phase === 'opaque') {
      missing.push({ text: input.source(at), reason: `command: filter after ${opaqueAfter}, whose rows are not single events`, span: input.span(at) });
      return TRUE;
    }
    const parts = topAnd(n);
    const kept: Expr[] = [];
    for (const p of parts) {
      // comparisons of aggregates with numbers, alone or in ands and ors (`port_count > 10 OR dest_count > 10`)
      let why: string | undefined;
      const dnf = thresholdDnf(
        p,
        (q) => {
          const t = threshold(q, lang);
          if (t?.notEvents) why ??= `aggregate: ${t.threshold.of} aggregates ${t.notEvents}, not every event`;
          else if (t && t.counted === undefined) why ??= `aggregate: ${t.threshold.of} aggregates a value the search computes, not an event field`;
          return t?.counted !== undefined ? { function: t.counted, ...t.threshold, ...(t.where ? { where: t.where } : {}) } : undefined;
        },
        splParts,
      );
      if (why) {
        missing.push({ kind: 'aggregation', text: input.source(p.at), reason: why, span: input.span(p.at) });
        continue;
      }
      if (dnf) {
        // the function is the aggregate the first threshold compares (`dc(user)`), not the command's first one; a
        // further condition is one more the groups must pass
        const next = aggregation && withThresholds(aggregation, dnf);
        if (!next) missing.push({ text: input.source(p.at), reason: 'aggregate: a further threshold on an aggregate', span: input.span(p.at) });
        else if ('unsupported' in next) missing.push({ kind: 'aggregation', text: input.source(p.at), reason: `aggregate: ${next.unsupported}`, span: input.span(p.at) });
        else aggregation = aggregation!.threshold ? next : { ...next, text: input.source(at), span: input.span(at) };
        continue;
      }
      const e = lang === 'eval' ? lowerEval(p as EvalNode, ctx) : lowerSearch(p as SearchNode, ctx);
      if (hasAggregateOpaque(e)) {
        const part = { text: input.source(p.at), reason: 'aggregate: a filter on aggregated values', span: input.span(p.at) };
        const any = lang === 'search' && phase === 'groups' ? anyValueFilter(p as SearchNode) : undefined;
        if (any) anyValue.push({ ...any, part });
        else missing.push(part);
      } else conjuncts.push(e);
      kept.push(e);
    }
    return and(...kept);
  }

  function threshold(p: SearchNode | EvalNode, lang: 'search' | 'eval'): { threshold: NonNullable<Aggregation['threshold']>; counted: string | undefined; notEvents?: string; where?: Expr } | undefined {
    let field: string | undefined;
    let op: string | undefined;
    let value: number | undefined;
    if (lang === 'eval' && p.type === 'cmp' && 'lhs' in p) {
      if (p.lhs.type === 'field' && p.rhs.type === 'lit' && typeof p.rhs.value === 'number') [field, op, value] = [p.lhs.name, p.op, p.rhs.value];
      else if (p.rhs.type === 'field' && p.lhs.type === 'lit' && typeof p.lhs.value === 'number') [field, op, value] = [p.rhs.name, FLIP[p.op], p.lhs.value];
    } else if (lang === 'search' && p.type === 'cmp' && 'field' in p && !p.value.quoted && /^-?\d+(\.\d+)?$/.test(p.value.text)) [field, op, value] = [p.field, p.op, Number(p.value.text)];
    // two aggregates compared (`where failures > successes`): a threshold of one against the other, when the other
    // counts events too
    let than: OtherAggregate | undefined;
    if (lang === 'eval' && p.type === 'cmp' && 'lhs' in p && p.lhs.type === 'field' && p.rhs.type === 'field') {
      const other = env.get(p.rhs.name);
      if (other?.kind !== 'agg' || other.notEvents || other.counted === undefined) return undefined;
      [field, op, value, than] = [p.lhs.name, p.op, 0, { function: other.counted, of: p.rhs.name, ...(other.where ? { where: other.where } : {}) }];
    }
    if (field === undefined || op === undefined || value === undefined) return undefined;
    const o = env.get(field);
    if (o?.kind !== 'agg') return undefined;
    const mop = ({ '>': 'gt', '>=': 'ge', '<': 'lt', '<=': 'le', '=': 'eq', '==': 'eq', '!=': 'ne' } as const)[op as '>'];
    return mop ? { threshold: { op: mop, value, of: o.text, ...(than ? { than } : {}) }, counted: o.counted, ...(o.notEvents ? { notEvents: o.notEvents } : {}), ...(o.where ? { where: o.where } : {}) } : undefined;
  }

  function stats(c: Command & { type: 'stats' }, first: boolean): void {
    const grouping = GROUPING_STATS.has(c.name);
    const detail: Record<string, unknown> = { by: c.by, aggregates: c.aggs.map((a) => aggText(a)) };
    if (c.from) {
      detail.from = c.from;
      const dm = /^datamodel\s*[=:]\s*"?([^"\s]+)"?/i.exec(c.from);
      if (dm) logSources.push({ kind: 'datamodel', name: dm[1]! });
      else logSources.push({ kind: 'from', name: c.from });
    }
    if (c.options.length) detail.options = Object.fromEntries(c.options.map((o) => [o.key, o.value]));
    // tstats / mstats where: search-language filter over the data model's rows
    if (c.where) {
      const parts = first ? splitSource(c.where, input, logSources, timeRange) : c.where;
      const e = parts ? lowerSearch(parts, ctx) : TRUE;
      filter(e, c.where.at);
      if (e.kind !== 'const') stages.push({ kind: 'filter', label: `${c.name} where`, text: input.source(c.where.at), span: input.span(c.where.at), expr: e });
    }
    const span = c.options.find((o) => o.key.toLowerCase() === 'span' || o.key.toLowerCase() === 'time_window')?.value;
    if (span && !timeRange.includes(`span=${span}`)) timeRange.push(`span=${span}`);
    // count(eval(cond)) and friends: the condition is evaluated per event but only counted (count(eval(c)) counts
    // the events where c holds, as KQL's countif)
    const evalConds = new Map<(typeof c.aggs)[number], Expr>();
    for (const a of c.aggs) {
      if (a.args?.kind === 'eval') {
        const e = lowerEval(a.args.expr, ctx);
        evalConds.set(a, e);
        stages.push({ kind: 'aggregate', label: `${a.fn}(eval(...))`, text: input.source(a.at), span: input.span(a.at), expr: e });
      }
    }
    const byOrigins = c.by.map((b) => [b, origin(b)] as const);
    // `counted`: the aggregate over the event field its argument is (`dc(user)` after `rename src_user as user` is
    // `dc(src_user)`); undefined when the argument is a value the search computed
    const countedOf = (a: (typeof c.aggs)[number]): string | undefined => {
      const fn = AGGREGATE_ABBREVIATIONS[a.fn.toLowerCase()] ?? a.fn.toLowerCase();
      if (a.args?.kind === 'eval' && fn === 'count') return 'count';
      if (a.args?.kind !== 'fields' || a.args.fields.length !== 1) return a.args ? aggText(a) : fn;
      const o = origin(a.args.fields[0]!);
      return o.kind === 'raw' ? `${fn}(${o.field})` : undefined;
    };
    // after a grouping stats rows are its groups: an aggregate of them counts groups (or sums their counts, per
    // other keys), not events as the rule's aggregation does; after dedup, only the events it kept. A threshold on
    // such an aggregate is not read
    const notEvents = phase === 'groups' ? 'the rows of an earlier stats (its groups)' : deduped !== undefined ? `the events ${deduped} keeps` : undefined;
    const aggs = c.aggs.map((a) => {
      const fn = AGGREGATE_ABBREVIATIONS[a.fn.toLowerCase()] ?? a.fn.toLowerCase();
      const cased = a.args?.kind === 'eval' && fn !== 'count' ? conditionalEval(fn, a.args.expr) : undefined;
      const counted = cased ? cased.counted : countedOf(a);
      const cond = cased ? cased.where : counted === 'count' ? evalConds.get(a) : undefined;
      const one = a.args?.kind === 'fields' && a.args.fields.length === 1 ? origin(a.args.fields[0]!) : undefined;
      const of = !notEvents && one?.kind === 'raw' ? { of: one.field } : {};
      return { name: a.alias ?? aggText(a), text: aggText(a), fn: a.fn.toLowerCase(), counted: notEvents ? undefined : counted, ...of, ...(notEvents ? { notEvents } : {}), ...(cond ? { where: cond } : {}) };
    });
    if (grouping || !aggregation) {
      if (!aggregation && (grouping || c.name === 'eventstats' || c.name === 'streamstats')) {
        const fn = aggs.find((a) => NUMERIC_AGGREGATES.has(a.fn) && a.fn !== 'min' && a.fn !== 'max')?.text ?? aggs[0]?.text;
        // groups: the keys' event fields; `_time` with a span is the window's bins (a span without `_time` among the
        // keys buckets nothing); other keys are computed values
        const span = timeRange.find((t) => t.startsWith('span='))?.slice(5);
        const timeBins = span !== undefined && c.by.includes('_time');
        const groupBy = byOrigins.filter(([b, o]) => o.kind === 'raw' && !(timeBins && b === '_time')).map(([, o]) => (o as { field: string }).field);
        const computedKeys = byOrigins.filter(([, o]) => o.kind !== 'raw').map(([b]) => b);
        // lower(f) / upper(f) keys: the model states them as the field, case-folded
        const derivedKeys = byOrigins.flatMap(([b, o]): DerivedKey[] => (o.kind === 'fold' ? [foldedKey(b, o.field, 'lower')] : o.kind === 'coalesce' ? [{ name: b, field: o.fields[0]!, coalesce: o.fields.slice(1) }] : o.kind === 'derived' ? [derivedKey(b, o)] : []));
        const usenull = c.options.find((o) => o.key.toLowerCase() === 'usenull')?.value;
        // `tstats fillnull_value=…` puts a value in place of a missing key: such events stay, under that value
        const fillValue = c.name === 'tstats' && c.options.some((o) => o.key.toLowerCase() === 'fillnull_value');
        const drops = (DROPS_NULL_KEYS.has(c.name) && !fillValue) || (usenull !== undefined && /^(f|false|0)$/i.test(String(usenull)));
        // after `fillnull`: keys it named are never missing; a key it may have filled (no field list: only where
        // another event has it) leaves the event's row to the other events
        const keys = c.by.filter((b) => b !== '_time');
        const unfilled = keys.filter((b) => !filled.fields.has(b));
        const missingKeys = !drops || !unfilled.length ? undefined : filled.all || unfilled.length < keys.length ? ('unknown' as const) : ('drop' as const);
        // a multivalue key: the event counts in the group of each of its values
        aggregation = { ...(fn ? { function: fn } : {}), groupBy, ...(groupBy.length || computedKeys.length ? { listKeys: 'each' as const } : {}), ...(missingKeys && (groupBy.length || computedKeys.length) ? { missingKeys } : {}), ...(computedKeys.length ? { computedKeys } : {}), ...(derivedKeys.length ? { derivedKeys } : {}), ...(timeBins ? { window: span, bins: true } : {}), text: input.source(c.at), span: input.span(c.at) };
      }
    }
    for (const a of aggs) env.set(a.name, { kind: 'agg', ...a });
    if (grouping) {
      phase = phase === 'opaque' ? 'opaque' : 'groups';
      const keep = new Map<string, FieldOrigin>();
      for (const [b, o] of byOrigins) keep.set(b, o);
      for (const a of aggs) keep.set(a.name, { kind: 'agg', ...a });
      env.clear();
      for (const [k, v] of keep) env.set(k, v);
      out = [
        ...c.by.filter((b) => b !== '_time' || true).map((b) => ({ name: b, source: `${c.name} by`, ...fromOf(b, byOrigins) })),
        ...aggs.map((a) => ({ name: a.name, source: c.name, from: a.text })),
      ];
    } else if (out) {
      for (const a of aggs) if (!out.some((o) => o.name === a.name)) out.push({ name: a.name, source: c.name, from: a.text });
    }
    stage('aggregate', c.name, c.at, detail);
  }

  function rename(from: string, to: string): void {
    const moved: [string, FieldOrigin][] = [];
    for (const [k, v] of env) {
      const m = wildcardCaptures(from, k);
      if (m) moved.push([applyWildcard(to, m), v]), env.delete(k);
    }
    if (!from.includes('*') && !moved.length) {
      moved.push([to, origin(from)]);
      env.set(from, { kind: 'computed', reason: `command: ${from} was renamed to ${to}` });
    }
    // the events' own fields a wildcard names are renamed too (the ones the pipeline has not defined)
    if (from.includes('*') && phase === 'rows') rawRenames.unshift({ from, to });
    for (const [k, v] of moved) env.set(k, v);
    if (out) {
      out = out.map((o) => {
        const m = wildcardCaptures(from, o.name);
        return m ? { ...o, name: applyWildcard(to, m), from: o.from ?? o.name } : o;
      });
    }
  }

  function generic(c: Command & { type: 'generic' }, first: boolean): void {
    const name = c.name;
    const kind = COMMAND_STAGE_KINDS[name] ?? 'statement';
    const detail: Record<string, unknown> = { args: c.args };
    const option = (key: string): string | undefined => c.options.find((o) => o.name.toLowerCase() === key)?.value;
    if (name === 'spath') {
      // spath [output=<field>] [path=<datapath> | <datapath>] [input=<field>]
      const out = option('output');
      const p = option('path') ?? c.words[0];
      const inp = option('input');
      if (p && out) env.set(out, !inp || inp === '_raw' ? { kind: 'raw', field: p } : { kind: 'computed', reason: `command: spath extracts ${out} from ${inp}` });
    }
    // dedup keeps one event per value: counts after it count those (which events alert is unchanged without one)
    if (name === 'dedup' && phase === 'rows') deduped ??= `dedup ${c.args}`.trim();
    if (name === 'fillnull' && phase === 'rows') {
      if (c.words.length) for (const w of c.words) for (const f of w.split(',')) f && filled.fields.add(f);
      else filled.all = true;
    }
    if (name === 'iplocation') for (const f of ['City', 'Country', 'Region', 'lat', 'lon']) env.set(f, { kind: 'computed', reason: 'command: iplocation adds the location of an IP address' });
    if (first && (name === 'inputlookup' || name === 'from' || name === 'datamodel' || name === 'rest' || name === 'makeresults')) {
      const words = c.words;
      // `from datamodel X.Y` / `from datamodel:X.Y` / `from datamodel:"X.Y"`, `datamodel X Y search`: the data
      // model (and its dataset)
      const w0 = words[0] ?? '';
      const lw = w0.toLowerCase();
      const dm = lw === 'datamodel' || lw === 'datamodel:' ? words[1] : lw.startsWith('datamodel:') ? w0.slice('datamodel:'.length) : undefined;
      if (name === 'from' && dm) logSources.push({ kind: 'datamodel', name: dm });
      else if (name === 'datamodel' && words[0]) logSources.push({ kind: 'datamodel', name: words[1] && words[1] !== 'search' ? `${words[0]}.${words[1]}` : words[0] });
      else logSources.push({ kind: name, name: words[0] ?? c.args });
    }
    const limited = ROW_LIMITING[name];
    if (limited !== undefined) {
      const part: MissingInput = { kind: 'rows', text: input.source(c.at), reason: `command: ${name} keeps only ${phase === 'rows' ? limited.events : limited.rows}`, span: input.span(c.at) };
      // a limit of N >= 1 rows with nothing after it that drops or counts rows does not change whether the search
      // returns rows: a stage, not missing (head with an eval expression stops at the first row failing it)
      if (keepsAtLeastOne(c)) pendingLimit ??= part;
      else missing.push(part);
    }
    if (!ROW_PRESERVING.has(name) && !GROUPING_STATS.has(name)) {
      if (['join', 'append', 'appendcols', 'appendpipe', 'union', 'multisearch', 'transaction', 'map', 'apply', 'fit', 'anomalydetection', 'rare', 'top', 'inputlookup', 'from', 'datamodel', 'rest', 'makeresults', 'mvexpand', 'dedup', 'head', 'tail', 'sort', 'outputlookup', 'collect', 'foreach', 'fillnull', 'convert', 'xmlkv', 'fromjson', 'makemv', 'return', 'format', 'stats'].includes(name)) {
        if (['join', 'transaction', 'map', 'apply', 'fit', 'anomalydetection', 'rare', 'top', 'append', 'appendpipe', 'union', 'multisearch', 'appendcols'].includes(name)) {
          const joinType = option('type')?.toLowerCase();
          if (name === 'join' && joinType !== 'left' && joinType !== 'outer' && !joinSides(c)) missing.push({ text: input.source(c.at), reason: 'command: join keeps only events the subsearch matches', span: input.span(c.at) });
          if (phase !== 'opaque') {
            phase = 'opaque';
            opaqueAfter = name;
          }
          if (name === 'transaction' && !aggregation) aggregation = { function: 'transaction', groupBy: [...c.words], text: input.source(c.at), span: input.span(c.at) };
        }
      } else if (phase !== 'opaque') {
        phase = 'opaque';
        opaqueAfter = name;
      }
    }
    stage(kind, name, c.at, detail);
  }

  if (anyValue.length === 1 && !anyValue[0]!.negated && !aggregationDecides(aggregation) && !aggregation?.sides?.length) conjuncts.push(anyValue[0]!.e);
  else if (anyValue.length && aggregation && !aggregation.sides?.length) {
    const counts = anyValue.map((a) => ({ function: 'count', op: a.negated ? ('eq' as const) : ('ge' as const), value: a.negated ? 0 : 1, of: a.columns.join(', '), where: a.e }));
    const next = withThresholds(aggregation, [counts]);
    if ('unsupported' in next) for (const a of anyValue) missing.push({ ...a.part, kind: 'aggregation', reason: `aggregate: ${next.unsupported}` });
    else aggregation = aggregation.threshold ? next : { ...next, text: anyValue.map((a) => a.part.text).join(' '), ...(anyValue[0]!.part.span ? { span: anyValue[0]!.part.span } : {}) };
  } else for (const a of anyValue) missing.push(a.part);
  const outputFields: OutputField[] = (out ?? []).map((o) => ({ name: o.name, source: o.source, ...(o.from && o.from !== o.name ? { from: o.from } : {}) }));
  // a join stated side by side: an event of either side may be one of a pair (the sides' conditions, or-ed)
  const required = (aggregation?.sides ?? []).filter((x) => x.presence === 'required');
  const cond = required.length ? or(...required.map((x) => x.condition)) : conjuncts.length ? and(...conjuncts) : undefined;
  // the placeholders of renamed fields, expanded into their tests; the tests of values null where an if() fails, with
  // that condition
  const x = (e: Expr): Expr => expandGuarded(rawRenames.length ? expandCoalesced(e) : e);
  const xAgg = (a: Aggregation): Aggregation => ({
    ...a,
    ...(a.threshold?.where ? { threshold: { ...a.threshold, where: x(a.threshold.where) } } : {}),
    ...(a.moreThresholds ? { moreThresholds: a.moreThresholds.map((t) => (t.where ? { ...t, where: x(t.where) } : t)) } : {}),
    ...(a.orThresholds ? { orThresholds: a.orThresholds.map((alt) => alt.map((t) => (t.where ? { ...t, where: x(t.where) } : t))) } : {}),
    ...(a.sides ? { sides: a.sides.map((sd) => ({ ...sd, condition: x(sd.condition) })) } : {}),
  });
  const lowering: SplLowering = {
    stages: stages.map((st) => (st.expr ? { ...st, expr: x(st.expr) } : st)),
    // a join whose side reads every event of its source still states the rule (by its sides)
    ...(cond && (!(cond.kind === 'const' && cond.value) || required.length) ? { condition: x(cond) } : {}),
    missing,
    ...(aggregation ? { aggregation: xAgg(aggregation) } : {}),
    outputFields,
    diagnostics: [],
    logSources: uniqueLogSources(logSources),
    timeRange,
  };
  return { lowering, phase, fields: env };
}

/** A key the model derives from a field (`rex`, eval string functions): null where an if() that guards it fails. */
function derivedKey(name: string, o: FieldOrigin & { kind: 'derived' }): DerivedKey {
  const g = guardOf(o.derived);
  return g ? { name, field: o.field, cases: [{ when: g, field: o.field, derived: o.derived }, { when: not(g), value: null }] } : { name, field: o.field, derived: o.derived };
}

/** A join key: an event field, maybe through upper() / lower(). */
function keyOf(o: FieldOrigin | undefined): { field: string; folded: boolean } | undefined {
  return o?.kind === 'raw' ? { field: o.field, folded: false } : o?.kind === 'fold' ? { field: o.field, folded: true } : undefined;
}

/**
 * A join side's rows as events: every event (no aggregation), or the groups of a `stats … by` that decides nothing
 * by counting, which exist for the events whose every key is present when the stats leaves out missing keys
 * (`present`: those presence tests). Undefined when the rows are not such (a threshold, sides, a computed key).
 */
function grouped(a: Aggregation | undefined, origin: (name: string) => FieldOrigin | undefined): { present: Expr[] } | undefined {
  if (!a) return { present: [] };
  if (aggregationDecides(a) || a.sides?.length) return undefined;
  const computed = (a.computedKeys ?? []).map((k) => keyOf(origin(k)));
  if (computed.some((k) => !k)) return undefined;
  const keys = [...a.groupBy, ...computed.map((k) => k!.field)];
  // a key `fillnull` may have filled (`missingKeys: 'unknown'`): a row where the key is present, maybe one where not
  const present = (k: string): Expr => (a.missingKeys === 'unknown' ? or(pred(k, 'is_not_null'), opaque(`${k} missing`, MISSING_KEYS_WORDS.unknown(k))) : pred(k, 'is_not_null'));
  return { present: a.missingKeys === 'drop' || a.missingKeys === 'unknown' ? keys.map(present) : [] };
}

const FLIP: Readonly<Record<string, string>> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=', '==': '==', '!=': '!=' };

/** The ands and ors of a filter, for `thresholdDnf`. */
function splParts(n: SearchNode | EvalNode): { op: 'and' | 'or'; args: readonly (SearchNode | EvalNode)[] } | undefined {
  if (n.type === 'group') return { op: 'and', args: [n.expr] };
  return n.type === 'and' || n.type === 'or' ? { op: n.type, args: n.args as (SearchNode | EvalNode)[] } : undefined;
}

/** Top-level conjuncts of a search or eval expression (groups unwrapped). */
function topAnd(n: SearchNode | EvalNode): (SearchNode | EvalNode)[] {
  if (n.type === 'group') return topAnd(n.expr);
  if (n.type === 'and') return (n.args as (SearchNode | EvalNode)[]).flatMap(topAnd);
  return [n];
}

function hasAggregateOpaque(e: Expr): boolean {
  switch (e.kind) {
    case 'opaque':
      return e.reason.startsWith('aggregate:');
    case 'and':
    case 'or':
      return e.args.some(hasAggregateOpaque);
    case 'not':
      return hasAggregateOpaque(e.arg);
    default:
      return false;
  }
}

function aggText(a: { fn: string; args: { kind: 'fields'; fields: readonly string[] } | { kind: 'eval'; expr: EvalNode } | null }): string {
  if (!a.args) return a.fn;
  if (a.args.kind === 'eval') return `${a.fn}(eval(...))`;
  return `${a.fn}(${a.args.fields.join(', ')})`;
}

function fromOf(name: string, origins: readonly (readonly [string, FieldOrigin])[]): { from?: string } {
  const o = origins.find(([b]) => b === name)?.[1];
  return o && (o.kind === 'raw' || o.kind === 'fold') && o.field !== name ? { from: o.field } : {};
}

function evalOrigin(field: string, e: EvalNode, text: string, origin: (n: string) => FieldOrigin, ctx: ExprContext): FieldOrigin {
  if (e.type === 'field') return origin(e.name);
  const reason = `eval: ${field} is computed (${text.length > 120 ? text.slice(0, 117) + '...' : text})`;
  if (e.type === 'call' && e.name === 'if' && e.args.length === 3) {
    const [c, a, b] = e.args as [EvalNode, EvalNode, EvalNode];
    const lit = (x: EvalNode) => (x.type === 'lit' ? x : x.type === 'call' && x.name === 'null' && x.args.length === 0 ? { value: null } : undefined);
    const la = lit(a);
    const lb = lit(b);
    if (la && lb) return { kind: 'cond', cond: lowerEval(c, ctx), then: la.value, else: lb.value, reason };
    // if(cond, value, null()): a value the model derives from a field where cond holds, null elsewhere
    if (lb?.value === null) {
      const inner = evalOrigin(field, a, text, origin, ctx);
      if (inner.kind === 'derived') return { ...inner, derived: guardedDerived({ ...inner.derived }, bothGuards(lowerEval(c, ctx), guardOf(inner.derived))), reason };
    }
    // if(match(x, "re"), f(x), x): x through f's steps where the regex matches it, x as it is elsewhere
    const m = ifMatchChain(c, a, b, origin);
    if (m) return { kind: 'derived', field: m.field, derived: guardedDerived({ steps: m.steps, lang: 'spl' }, m.guard), reason };
  }
  if (e.type === 'group') return evalOrigin(field, e.expr, text, origin, ctx);
  if (e.type === 'call' && (e.name === 'lower' || e.name === 'upper') && e.args.length === 1 && e.args[0]!.type === 'field') {
    const o = origin(e.args[0]!.name);
    if (o.kind === 'raw') return { kind: 'fold', field: o.field };
  }
  // string functions of a field (`len`, `replace`, `substr`, `urldecode`, `trim`): the field through their steps
  const chain = evalChain(e, origin);
  if (chain?.steps.length) return { kind: 'derived', field: chain.field, derived: { steps: chain.steps, lang: 'spl' }, reason };
  return { kind: 'computed', reason };
}

/**
 * `if(match(x, "re"), f(x), x)`, with f eval functions the model reads as steps (`STEP_FUNCTIONS`): x's chain, then
 * an `ifmatch` of f's steps. Undefined for any other shape.
 */
function ifMatchChain(c: EvalNode, a: EvalNode, b: EvalNode, origin: (n: string) => FieldOrigin): EvalChain | undefined {
  const bare = (n: EvalNode): EvalNode => (n.type === 'group' ? bare(n.expr) : n);
  const test = bare(c);
  const other = bare(b);
  if (test.type !== 'call' || test.name !== 'match' || test.args.length !== 2 || other.type !== 'field') return undefined;
  const [subject, re] = [bare(test.args[0]!), bare(test.args[1]!)];
  if (subject.type !== 'field' || subject.name !== other.name || re.type !== 'lit' || typeof re.value !== 'string') return undefined;
  const x = evalChain(other, origin);
  const then = evalChain(a, origin);
  if (!x || !then || then.field !== x.field || then.guard !== x.guard || then.steps.length <= x.steps.length) return undefined;
  if (!x.steps.every((st, i) => JSON.stringify(st) === JSON.stringify(then.steps[i]))) return undefined;
  return { ...x, steps: [...x.steps, { fn: 'ifmatch', args: [re.value, then.steps.slice(x.steps.length)] }] };
}

/**
 * The first search's top-level conjuncts that only constrain where events come from (index, sourcetype, source,
 * eventtype; a source macro's expansion) become log sources; earliest= / latest= become the time range. Returns
 * what remains of the expression.
 */
function splitSource(n: SearchNode, input: LowerInput, logSources: LogSource[], timeRange: string[]): SearchNode | undefined {
  const parts = n.type === 'and' ? n.args : [n];
  const kept: SearchNode[] = [];
  for (const p of parts) {
    if (p.type === 'cmp' && TIME_MODIFIERS.has(p.field.toLowerCase())) {
      timeRange.push(`${p.field}=${p.value.text}`);
      continue;
    }
    const use = input.macroAt(p.at);
    if (use?.source) {
      if (!logSources.some((l) => l.kind === 'macro' && l.name === use.name)) logSources.push({ kind: 'macro', name: use.name, detail: { definition: (use.definition ?? '').trim() } });
      continue;
    }
    if (onlySource(p)) {
      logSources.push({ kind: 'constraint', name: input.source(p.at) });
      continue;
    }
    kept.push(p);
  }
  if (!kept.length) return undefined;
  if (kept.length === 1) return kept[0];
  return { type: 'and', args: kept, at: n.at };
}

function onlySource(n: SearchNode): boolean {
  switch (n.type) {
    case 'cmp':
      return (n.op === '=' || n.op === '==') && SOURCE_FIELDS.has(n.field);
    case 'in':
      return SOURCE_FIELDS.has(n.field);
    case 'or':
      return n.args.every(onlySource);
    case 'group':
      return onlySource(n.expr);
    default:
      return false;
  }
}

/**
 * What each `*` of a field-name pattern (`rename foo_* AS bar_*`, `fields - x*`) stands for in `name`, as
 * `^foo_(.*)$` would capture it (each `*` takes as much as it can, the first first), or undefined when the name does
 * not match. The segments between the stars are placed from the right, each as late as it can start before the next
 * one: no placement lets an earlier `*` take more, and none exists when this one fails. One `lastIndexOf` a segment,
 * where a regular expression of several `(.*)` backtracks polynomially in the name's length, and a pattern of
 * megabytes (rule text is untrusted) does not compile at all.
 */
export function wildcardCaptures(pattern: string, name: string): string[] | undefined {
  const segs = pattern.split('*');
  if (segs.length === 1) return pattern === name ? [] : undefined;
  const head = segs[0]!;
  const tail = segs[segs.length - 1]!;
  if (name.length < head.length + tail.length || !name.startsWith(head) || !name.endsWith(tail)) return undefined;
  const starts: number[] = new Array<number>(segs.length).fill(0);
  let next = name.length - tail.length;
  starts[segs.length - 1] = next;
  for (let i = segs.length - 2; i >= 1; i--) {
    const seg = segs[i]!;
    const at = next - seg.length < head.length ? -1 : name.lastIndexOf(seg, next - seg.length);
    if (at < head.length) return undefined;
    starts[i] = next = at;
  }
  const caps: string[] = [];
  let from = head.length;
  for (let i = 1; i < segs.length; i++) {
    caps.push(name.slice(from, starts[i]));
    from = starts[i]! + segs[i]!.length;
  }
  return caps;
}
function wildcardMatch(p: string, s: string): boolean {
  return wildcardCaptures(p, s) !== undefined;
}
function applyWildcard(p: string, caps: readonly string[]): string {
  let i = 0;
  return p.replace(/\*/g, () => caps[i++] ?? '');
}
