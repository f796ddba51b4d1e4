/**
 * Lowering of an ES|QL query (its pipeline of commands) into stages, the row-level condition, the aggregation and
 * its threshold, output fields and what the condition leaves out.
 *
 * Row-level (the condition): the WHERE filters on the source's events before STATS (after which rows are groups)
 * or a command that reshapes rows. Filters after EVAL / RENAME / DISSECT / GROK / MV_EXPAND / SORT stay
 * row-level, with derived columns substituted where they are renames, conversions or case folds and opaque
 * otherwise. After STATS a WHERE on aggregate columns is the threshold (the first comparison with a number; the
 * rest are listed as missing); a WHERE only on the group-by keys is still row-level. After LOOKUP JOIN or ENRICH
 * without WITH, fields may come from the other index, so later filters are listed as missing.
 * Output fields: KEEP decides (following RENAME); without KEEP, the columns STATS and EVAL produced.
 */
import { and, TRUE, type Expr, type Operator, type TransformStep } from '../../../model/expr.ts';
import { dissectKeys, dissectUnsupported, parseDissect } from '../../../model/dissect.ts';
import type { Diagnostic } from '../../../model/diagnostics.ts';
import { renderExpr } from '../../../model/render.ts';
import type { Aggregation, DerivedKey, OutputField, Stage, StageKind, StageDetail } from '../../../model/rule.ts';
import { exprParts, foldedKey, thresholdDnf, withThresholds } from '../../../model/aggregate.ts';
import { detailValue, type MissingInput } from '../../../model/lowering.ts';
import type { ElasticLowering, ElasticQueryContext } from '../lowering.ts';
import { clip, hostAt, spanOf, type TextRange } from '../queryText.ts';
import { EsqlDiagnostics } from './diagnostics.ts';
import { BUCKET_FUNCTIONS, COUNT_FUNCTIONS, OTHER_COMMAND_FACTS, ROW_KEEPING_AFTER_LIMIT } from './esqlFacts.ts';
import { chainOf, lowerCondition, operand, type CaseOf, type ExprEnv, type Operand } from './lowerExpr.ts';
import { simplifyPresence } from '../../../model/lowering.ts';
import { parseEsql } from './parser.ts';
import { grokKeys, grokToRegex } from './patterns.ts';
import type { EsqlCommand, EsqlExpr, EsqlField, EsqlQuery } from './syntax.ts';

export const ESQL_PARSER = "ES|QL via the project's peggy grammar";

interface State {
  phase: 'rows' | 'aggregated' | 'ended';
  endedBy?: string;
  /** Set after LOOKUP JOIN / ENRICH without WITH: later field references may be the other index's columns. */
  joinedBy?: string;
  hasSource: boolean;
  cond: Expr[];
  columns: Map<string, Operand>;
  groupKeys: Set<string>;
  aggregation?: Aggregation;
  missing: MissingInput[];
  /** Output columns once a command fixes them (STATS, KEEP); before that, columns EVAL and others added. */
  outputs: Map<string, OutputField>;
  fixed: boolean;
  stages: Stage[];
  timeWindows: string[];
  /**
   * How far back from the run the row filters keep events (`WHERE @timestamp > now() - 14 day` → `14 day`: a
   * conjunct of its own before any aggregation); `sinceNow` those of the conjunct being lowered.
   */
  lookbacks: string[];
  sinceNow: string[];
  /** A LIMIT not yet known to be harmless: missing once a command that drops or counts rows follows it. */
  pendingLimit?: MissingInput;
}

interface Env {
  readonly text: string;
  readonly ctx: ElasticQueryContext;
  readonly diagnostics: Diagnostic[];
}

/** Lower one ES|QL query text. Never throws. */
export function lowerEsqlText(text: string, ctx: ElasticQueryContext): ElasticLowering {
  const parsed = parseEsql(text, ctx);
  if (!parsed.value) {
    return { stages: [{ kind: 'query', label: 'esql', text, span: spanOf(ctx, { start: 0, end: text.length }) }], missing: [], outputFields: [], diagnostics: parsed.diagnostics, parser: ESQL_PARSER, parsed: false };
  }
  const env: Env = { text, ctx, diagnostics: [...parsed.diagnostics] };
  const s = run(env, parsed.value);
  const condition = s.cond.length ? simplifyPresence(and(...s.cond)) : s.hasSource ? TRUE : undefined;
  return {
    stages: s.stages,
    ...(condition ? { condition } : {}),
    missing: s.missing,
    ...(s.aggregation ? { aggregation: s.aggregation } : {}),
    outputFields: [...s.outputs.values()],
    diagnostics: env.diagnostics,
    parser: ESQL_PARSER,
    parsed: true,
  };
}

function run(env: Env, q: EsqlQuery): State {
  const s: State = { phase: 'rows', hasSource: false, cond: [], columns: new Map(), groupKeys: new Set(), missing: [], outputs: new Map(), fixed: false, stages: [], timeWindows: [], lookbacks: [], sinceNow: [] };
  for (const c of [q.source, ...q.commands]) apply(env, s, c);
  return s;
}

const textOf = (env: Env, at: TextRange) => env.text.slice(at.start, at.end);

function stage(env: Env, s: State, kind: StageKind, label: string, at: TextRange, detail?: Record<string, unknown>, expr?: Expr): void {
  s.stages.push({ kind, label, text: textOf(env, at), span: spanOf(env.ctx, at), ...(detail && Object.keys(detail).length ? { detail: detailValue(detail) as StageDetail } : {}), ...(expr ? { expr } : {}) });
}

function exprEnv(env: Env, s: State, onRef?: (o: Operand, name: string) => void): ExprEnv {
  const onTime = (t: string, back?: string): void => {
    s.timeWindows.push(t);
    if (back !== undefined) s.sinceNow.push(back);
  };
  return { text: env.text, ctx: env.ctx, columns: s.columns, diagnostics: env.diagnostics, ...(onRef ? { onRef } : {}), onTime };
}

/** May this command follow a limit without making it matter (it neither drops nor counts rows)? */
function keepsRowsAfterLimit(c: EsqlCommand): boolean {
  if (c.type === 'other') return OTHER_COMMAND_FACTS[c.name]?.rows === 'keep';
  return ROW_KEEPING_AFTER_LIMIT.has(c.type);
}

function endRows(s: State, why: string): void {
  if (s.phase === 'rows') s.endedBy = why;
  s.phase = 'ended';
}

function apply(env: Env, s: State, c: EsqlCommand): void {
  if (s.pendingLimit && !keepsRowsAfterLimit(c)) {
    s.missing.push({ ...s.pendingLimit, reason: `${s.pendingLimit.reason}, and ${(c.type === 'other' ? c.name : c.type).toUpperCase()} after it sees only those` });
    s.pendingLimit = undefined;
  }
  switch (c.type) {
    case 'from':
      s.hasSource = true;
      stage(env, s, 'source', c.command, c.at, { indices: c.sources.map((x) => x.name), ...(c.metadata.length ? { metadata: c.metadata.map((m) => m.name) } : {}) });
      return;
    case 'row':
    case 'show':
      stage(env, s, 'source', c.type, c.at);
      return;
    case 'where':
      return applyWhere(env, s, c.expr, c.at);
    case 'eval':
      for (const f of c.fields) {
        const name = f.name ?? textOf(env, f.expr.at);
        s.columns.set(name, derived(env, s, f, 'eval'));
        s.outputs.set(name, { name, source: 'eval', from: clip(textOf(env, f.expr.at), 200) });
      }
      stage(env, s, 'extend', 'eval', c.at, { columns: c.fields.map((f) => f.name ?? textOf(env, f.expr.at)) });
      return;
    case 'stats':
      return applyStats(env, s, c);
    case 'keep':
    case 'drop': {
      const names = c.patterns.map((p) => p.name);
      if (c.type === 'keep') {
        const next = new Map<string, OutputField>();
        for (const n of names) {
          const matched = s.fixed ? [...s.outputs.keys()].filter((k) => globMatch(n, k)) : [];
          if (matched.length) for (const m of matched) next.set(m, { ...s.outputs.get(m)!, source: 'keep' });
          else {
            const prev = s.outputs.get(n);
            next.set(n, prev?.from ? { name: n, source: 'keep', from: prev.from } : { name: n, source: 'keep' });
          }
        }
        s.outputs = next;
        s.fixed = true;
      } else {
        for (const k of [...s.outputs.keys()]) if (names.some((n) => globMatch(n, k))) s.outputs.delete(k);
        for (const n of names) if (!n.includes('*')) s.columns.delete(n);
      }
      stage(env, s, 'project', c.type, c.at, { fields: names });
      return;
    }
    case 'rename':
      for (const p of c.pairs) {
        const from = p.from.name;
        const to = p.to.name;
        s.columns.set(to, s.columns.get(from) ?? { kind: 'field', field: from });
        s.columns.delete(from);
        if (s.groupKeys.delete(from)) s.groupKeys.add(to);
        const prev = s.outputs.get(from);
        if (prev || s.fixed) s.outputs.delete(from);
        s.outputs.set(to, { name: to, source: 'rename', from: prev?.from ?? from });
      }
      stage(env, s, 'project', 'rename', c.at, { renamed: Object.fromEntries(c.pairs.map((p) => [p.from.name, p.to.name])) });
      return;
    case 'sort':
      stage(env, s, 'sort', 'sort', c.at);
      return;
    case 'limit':
      stage(env, s, 'limit', 'limit', c.at, { count: c.count });
      // after STATS the rows are groups: the limit keeps only some of them. A limit of N >= 1 with nothing after
      // it that drops or counts rows does not change whether the query returns rows: a stage, not missing
      if (s.phase !== 'ended') {
        const part: MissingInput = { text: textOf(env, c.at), reason: `limit: only the first ${c.count} ${s.phase === 'rows' ? 'matching' : 'aggregated'} rows are kept`, span: spanOf(env.ctx, c.at) };
        if (c.count >= 1) s.pendingLimit ??= part;
        else s.missing.push(part);
      }
      return;
    case 'mv_expand':
      stage(env, s, 'expand', 'mv_expand', c.at, { field: c.field.name });
      return;
    case 'dissect':
    case 'grok': {
      const input = textOf(env, c.input.at);
      const from = chainOf(operand(exprEnv(env, s), c.input));
      const { keys, step, what } = extraction(c);
      const why = what ?? (from ? undefined : 'of a value the model does not compute');
      for (const k of keys) {
        const st = from && step?.(k);
        s.columns.set(
          k,
          from && st
            ? { kind: 'derived', field: from.field, derived: { steps: [...from.steps, st], lang: 'esql' }, text: k }
            : { kind: 'other', text: k, reason: `derived: column ${k} extracted by ${c.type.toUpperCase()} from ${clip(input, 60)}${why ? ` (${why})` : ''}` },
        );
        s.outputs.set(k, { name: k, source: c.type, from: input });
      }
      stage(env, s, 'parse', c.type, c.at, { input, columns: keys });
      return;
    }
    case 'enrich': {
      const policy = c.policy.name;
      for (const w of c.with) {
        s.columns.set(w.name.name, { kind: 'other', text: w.name.name, reason: `lookup: column ${w.name.name} comes from the enrich policy ${policy}` });
        s.outputs.set(w.name.name, { name: w.name.name, source: 'enrich', from: `${policy}.${w.field.name}` });
      }
      if (!c.with.length) s.joinedBy = `ENRICH ${policy}`;
      stage(env, s, 'lookup', 'enrich', c.at, { policy, ...(c.on ? { on: c.on.name } : {}), columns: c.with.map((w) => w.name.name) });
      return;
    }
    case 'lookup_join':
      s.joinedBy = `LOOKUP JOIN ${c.index.name}`;
      stage(env, s, 'join', 'lookup join', c.at, { index: c.index.name, on: c.on.map((o) => textOf(env, o.at)) });
      return;
    case 'other': {
      const fact = OTHER_COMMAND_FACTS[c.name];
      stage(env, s, fact?.stage ?? 'statement', c.name, c.at);
      if (!fact) {
        env.diagnostics.push(EsqlDiagnostics.unknownCommand(env.ctx.file, c.name, hostAt(env.ctx, env.text, c.at.start)));
        s.missing.push({ text: clip(textOf(env, c.at), 400), reason: `command: ${c.name.toUpperCase()} is not modelled; what it does to the rows is not followed`, span: spanOf(env.ctx, c.at) });
        endRows(s, `the command ${c.name.toUpperCase()}`);
        return;
      }
      const column = c.target ?? fact.column;
      if (column) {
        s.columns.set(column, { kind: 'other', text: column, reason: `command: column ${column} computed by ${c.name.toUpperCase()}` });
        s.outputs.set(column, { name: column, source: c.name });
      }
      if (fact.rows === 'end') endRows(s, `the command ${c.name.toUpperCase()}`);
      else if (fact.rows === 'limit' && s.phase !== 'ended') s.missing.push({ text: textOf(env, c.at), reason: `limit: ${c.name.toUpperCase()} keeps only some of the ${s.phase === 'rows' ? 'matching' : 'aggregated'} rows`, span: spanOf(env.ctx, c.at) });
      return;
    }
    default: {
      const never: never = c;
      return never;
    }
  }
}

/** A column computed by EVAL (or a STATS key): renames, conversions, folds and aggregates stay what they are. */
function derived(env: Env, s: State, f: EsqlField, by: string): Operand {
  const o = operand(exprEnv(env, s), f.expr);
  const name = f.name ?? textOf(env, f.expr.at);
  if (o.kind === 'other') return { kind: 'other', text: name, reason: `derived: column ${name} = ${clip(textOf(env, f.expr.at), 80)} computed by ${by} (${o.reason})`, ...(o.condition ? { condition: o.condition } : {}), ...(o.bucket ? { bucket: o.bucket } : {}), ...(o.caseOf ? { caseOf: o.caseOf } : {}) };
  if (o.kind === 'value') return { kind: 'other', text: name, reason: `derived: column ${name} is the constant ${clip(textOf(env, f.expr.at), 40)}` };
  if (o.kind === 'agg') return { ...o, column: name };
  return o;
}

/** Top-level AND operands of a WHERE. */
function conjuncts(e: EsqlExpr): EsqlExpr[] {
  if (e.type === 'and') return e.args.flatMap(conjuncts);
  if (e.type === 'paren' && e.expr.type === 'and') return conjuncts(e.expr);
  return [e];
}

function applyWhere(env: Env, s: State, e: EsqlExpr, at: TextRange): void {
  const parts: Expr[] = [];
  let having = false;
  for (const cj of conjuncts(e)) {
    const refs: { o: Operand; name: string }[] = [];
    const windows = s.timeWindows.length;
    s.sinceNow = [];
    const lowered = lowerCondition(exprEnv(env, s, (o, name) => refs.push({ o, name })), cj).t;
    parts.push(lowered);
    if (s.timeWindows.length > windows && lowered.kind === 'const') {
      // the conjunct is the time filter alone: a row filter keeping the events since a span before the run
      const bare = cj.type === 'compare' || (cj.type === 'paren' && cj.expr.type === 'compare');
      if (s.phase === 'rows' && bare && s.sinceNow.length === 1) s.lookbacks.push(s.sinceNow[0]!);
      continue;
    }
    const usesAgg = refs.some((r) => r.o.kind === 'agg');
    const onlyKeys = refs.length > 0 && refs.every((r) => r.o.kind === 'field' && s.groupKeys.has(r.name));
    const cjText = clip(textOf(env, cj.at), 400);
    const cjSpan = spanOf(env.ctx, cj.at);
    if (s.phase === 'rows' && !usesAgg) {
      if (s.joinedBy && refs.some((r) => r.o.kind === 'field' || r.o.kind === 'coalesce' || r.o.kind === 'derived')) s.missing.push({ text: cjText, reason: `lookup: filter after ${s.joinedBy}, whose columns it may test`, span: cjSpan });
      else s.cond.push(lowered);
    } else if (usesAgg) {
      having = true;
      takeThreshold(s, lowered, cjText, cjSpan);
    } else if (s.phase === 'aggregated' && onlyKeys) {
      s.cond.push(lowered); // a filter on group-by keys can be applied before the aggregation
    } else {
      s.missing.push({ text: cjText, reason: `aggregation: filter after ${s.endedBy ?? 'the rows were reshaped'}: not a row-level filter on the source events`, span: cjSpan });
    }
  }
  const expr = simplifyPresence(and(...parts));
  const windowDetail = s.timeWindows.length ? { timeWindow: s.timeWindows.join('; ') } : undefined;
  stage(env, s, having ? 'having' : 'filter', 'where', at, windowDetail, expr.kind === 'const' ? undefined : expr);
}

const ORDERING: ReadonlySet<Operator> = new Set(['lt', 'le', 'gt', 'ge', 'eq', 'ne']);

/**
 * A filter on aggregate columns: each conjunct that compares aggregates with numbers, alone or in ands and ors, is a
 * threshold the groups must pass (the first comparison is the rule's).
 */
function takeThreshold(s: State, e: Expr, text: string, span: ReturnType<typeof spanOf>): void {
  const conj = e.kind === 'and' ? e.args : [e];
  const where = ` | where ${text}`;
  for (const c of conj) {
    if (c.kind === 'pred' && c.op === 'is_not_null') continue; // the presence a `!=` needs
    let why: string | undefined;
    let further = false;
    const dnf = thresholdDnf(c, (p) => {
      const agg = p.kind === 'pred' ? s.columns.get(p.field) : undefined;
      if (p.kind !== 'pred' || agg?.kind !== 'agg') return undefined;
      if (agg.computedArg) {
        why ??= `aggregation: ${agg.text} aggregates a value the query computes (EVAL), not an event field`;
        return undefined;
      }
      const v = p.values.length === 1 ? p.values[0] : undefined;
      const test = { function: agg.call ?? agg.text, op: p.op, value: 0, of: p.field, ...(agg.where ? { where: agg.where } : {}) };
      if (ORDERING.has(p.op) && typeof v === 'number') return { ...test, value: v };
      // another aggregate of the group (`WHERE failures > successes`)
      const name = ORDERING.has(p.op) && typeof v === 'object' && v !== null && v.kind === 'field' && !v.missingAs ? v.field : undefined;
      const other = name !== undefined ? s.columns.get(name) : undefined;
      if (other?.kind === 'agg' && other.computedArg) why ??= `aggregation: ${other.text} aggregates a value the query computes (EVAL), not an event field`;
      else if (other?.kind === 'agg') return { ...test, than: { function: other.call ?? other.text, of: name, ...(other.where ? { where: other.where } : {}) } };
      further = true;
      return undefined;
    }, exprParts);
    const next = dnf && s.aggregation && withThresholds(s.aggregation, dnf, s.aggregation.text?.endsWith(where) ? s.aggregation.text : `${s.aggregation.text ?? ''}${where}`);
    if (next && !('unsupported' in next)) s.aggregation = next;
    else if (why) s.missing.push({ kind: 'aggregation', text: renderExpr(c), reason: why, span });
    else s.missing.push({ text: c.kind === 'opaque' ? c.text : renderExpr(c), reason: next ? `aggregation: ${next.unsupported}` : further || dnf ? 'aggregation: a further condition on an aggregate' : 'aggregation: condition on aggregated rows', span });
  }
}

/**
 * An aggregate of `CASE(c, v)` (null otherwise) read as a conditional one: `SUM` of 1 (0 or null otherwise) counts
 * the rows meeting c; `COUNT` of a field or of a constant counts those rows where it is present; `COUNT_DISTINCT` of
 * a field counts its distinct values over them. Undefined for anything else (`COUNT(CASE(c, 1, 0))` counts every
 * row).
 */
function casedAggregate(fn: string, k: CaseOf): { call: string; where: Expr } | undefined {
  const isNull = (o: Operand | undefined) => o === undefined || (o.kind === 'value' && o.value === null);
  const plain = k.then.kind === 'field' && !k.then.fold ? k.then.field : undefined;
  switch (fn.toLowerCase()) {
    case 'sum':
      return k.then.kind === 'value' && k.then.value === 1 && (isNull(k.otherwise) || (k.otherwise?.kind === 'value' && k.otherwise.value === 0)) ? { call: 'count', where: k.when } : undefined;
    case 'count':
      if (!isNull(k.otherwise)) return undefined;
      if (plain) return { call: `count(${plain})`, where: k.when };
      return k.then.kind === 'value' && k.then.value !== null ? { call: 'count', where: k.when } : undefined;
    case 'count_distinct':
      return plain && isNull(k.otherwise) ? { call: `count_distinct(${plain})`, where: k.when } : undefined;
    default:
      return undefined;
  }
}

/**
 * How a computed group-by key is computed, when the model states it: a case fold of a field (`TO_LOWER(user.name)`),
 * string functions of one (`LENGTH`, `REPLACE`…) or `COALESCE` of fields; undefined for anything else.
 */
function derivedKey(name: string, o: Operand): DerivedKey | undefined {
  if (o.kind === 'field' && o.fold) return foldedKey(name, o.field, o.fold);
  if (o.kind === 'derived') return { name, field: o.field, derived: o.derived };
  if (o.kind === 'coalesce' && o.items.length && o.items.every((i) => !i.fold)) return { name, field: o.items[0]!.field, ...(o.items.length > 1 ? { coalesce: o.items.slice(1).map((i) => i.field) } : {}) };
  return undefined;
}

function applyStats(env: Env, s: State, c: Extract<EsqlCommand, { type: 'stats' }>): void {
  const cols = new Map<string, Operand>();
  const keys: string[] = [];
  const keyFields = new Set<string>();
  // what the aggregation groups by: the keys' event fields; a time bucket is the window (in bins), others computed
  const groupFields: string[] = [];
  const computedKeys: string[] = [];
  const derivedKeys: DerivedKey[] = [];
  let window: string | undefined;
  for (const k of c.by) {
    const name = k.name ?? textOf(env, k.expr.at);
    let o = derived(env, s, k, 'STATS ... BY');
    // a time bucket, in the key or in the EVAL column the key names: its span is the window's bins
    const bucket = o.kind === 'other' ? o.bucket : undefined;
    if (bucket !== undefined || (k.expr.type === 'call' && BUCKET_FUNCTIONS.has(k.expr.name))) {
      if (bucket !== undefined && !window) window = bucket;
      else computedKeys.push(name);
      o = { kind: 'other', text: name, reason: `derived: time bucket ${clip(textOf(env, k.expr.at), 60)}` };
    } else if (!(o.kind === 'field' && !o.fold)) {
      computedKeys.push(name);
      const d = derivedKey(name, o);
      if (d) derivedKeys.push(d);
    }
    keys.push(name);
    cols.set(name, o);
    if (o.kind === 'field' && !o.fold) {
      keyFields.add(name);
      groupFields.push(o.field);
    }
  }
  const fns: string[] = [];
  for (const a of c.aggs) {
    const name = a.name ?? textOf(env, a.expr.at);
    const fn = a.expr.type === 'call' ? a.expr.name : 'expression';
    fns.push(a.filter ? `${fn} where ${clip(textOf(env, a.filter.at), 60)}` : fn);
    const arg = a.expr.type === 'call' && a.expr.args.length === 1 ? a.expr.args[0] : undefined;
    // the function over the event field its argument is (a column EVAL computed is not one)…; the expression is
    // read once, for what it reports (a one-argument call through its argument)
    const argOperand = arg ? operand(exprEnv(env, s), arg) : (operand(exprEnv(env, s), a.expr), undefined);
    // …or a conditional one: the aggregate's own WHERE (`COUNT(*) WHERE c`), or a CASE of one condition, in the
    // call or in EVAL, whose aggregate counts the rows meeting it (`SUM(CASE(c, 1, 0))`, `COUNT(CASE(c, f))`)
    const cased = argOperand?.kind === 'other' && argOperand.caseOf && !a.filter ? casedAggregate(fn, argOperand.caseOf) : undefined;
    const where = cased ? { where: cased.where } : a.filter ? { where: lowerCondition(exprEnv(env, s), a.filter).t } : {};
    const call = cased ? cased.call : a.expr.type === 'call' && a.expr.star ? fn : argOperand?.kind === 'field' && !argOperand.fold ? `${fn}(${argOperand.field})` : undefined;
    const computedArg = !cased && argOperand !== undefined && !(argOperand.kind === 'field' && !argOperand.fold);
    cols.set(name, { kind: 'agg', column: name, fn, text: textOf(env, a.expr.at), ...(call ? { call } : {}), ...(computedArg ? { computedArg } : {}), ...where });
  }
  const text = clip(textOf(env, c.at), 2000);
  const span = spanOf(env.ctx, c.at);
  const fn = fns.find((f) => COUNT_FUNCTIONS.has(f)) ?? fns[0] ?? 'stats';
  const wasRows = s.phase === 'rows';
  // without a time bucket, the events counted are those the row filters keep: since one time span before the run
  const lookback = !window && new Set(s.lookbacks).size === 1 ? { window: s.lookbacks[0]! } : {};
  // a multivalued key puts the row in the group of each of its values
  if (wasRows && !s.aggregation) s.aggregation = { function: fn, groupBy: groupFields, ...(groupFields.length || computedKeys.length ? { listKeys: 'each' as const } : {}), ...(computedKeys.length ? { computedKeys } : {}), ...(derivedKeys.length ? { derivedKeys } : {}), ...(window ? { window, bins: true } : lookback), text, span };
  if (c.inline) {
    // INLINE STATS adds the aggregates to every row: rows stay the source's events
    for (const [k, v] of cols) if (v.kind === 'agg') s.columns.set(k, v);
    for (const [k, v] of cols) if (v.kind === 'agg') s.outputs.set(k, { name: k, source: 'inline stats', from: v.text });
  } else {
    if (s.phase === 'rows') {
      s.endedBy = `the aggregation (${clip(textOf(env, c.at), 60)})`;
      s.phase = 'aggregated';
      s.groupKeys = keyFields;
    } else {
      if (s.phase === 'aggregated' && s.aggregation && !s.aggregation.threshold) {
        // STATS over groups: the alert groups are the last STATS's keys, and its aggregates carry the threshold
        s.aggregation = { ...s.aggregation, groupBy: keys, text: `${s.aggregation.text ?? ''} | ${text}` };
        s.missing.push({ text, reason: 'aggregation: a second STATS aggregates the groups of the first again', span });
      }
      s.phase = 'ended';
      s.groupKeys = new Set();
    }
    s.columns = cols;
    s.outputs = new Map();
    for (const k of c.by) {
      const name = k.name ?? textOf(env, k.expr.at);
      s.outputs.set(name, { name, source: 'stats by', from: textOf(env, k.expr.at) });
    }
    for (const [name, o] of cols) if (o.kind === 'agg') s.outputs.set(name, { name, source: 'stats', from: o.text });
    s.fixed = true;
  }
  stage(env, s, 'aggregate', c.inline ? 'inline stats' : 'stats', c.at, { groupBy: keys, functions: fns, ...(window ? { window } : {}) });
}

/** KEEP / DROP name patterns: `*` matches any run of characters. */
function globMatch(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  const parts = pattern.split('*');
  if (!name.startsWith(parts[0]!) || !name.endsWith(parts[parts.length - 1]!)) return false;
  let pos = parts[0]!.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const at = name.indexOf(parts[i]!, pos);
    if (at < 0) return false;
    pos = at + parts[i]!.length;
  }
  return pos <= name.length - parts[parts.length - 1]!.length;
}

/**
 * The columns a GROK or DISSECT command writes and the step that computes each from its input (null where the pattern
 * does not match, as ES|QL has it): a capture of a GROK pattern's regex (`grokToRegex`; one pattern), a key of a
 * DISSECT pattern (the model's `dissect` step, `src/model/dissect.ts`); or what the model does not run of it.
 */
function extraction(c: Extract<EsqlCommand, { type: 'dissect' | 'grok' }>): { keys: readonly string[]; step?: (k: string) => TransformStep | undefined; what?: string } {
  if (c.type === 'dissect') {
    const text = c.pattern.value;
    const r = parseDissect(text);
    if (!r.ok) return { keys: [], what: r.what };
    const what = dissectUnsupported(r.pattern);
    return { keys: dissectKeys(r.pattern), ...(what ? { what } : { step: (k) => ({ fn: 'dissect', args: [text, k] }) }) };
  }
  const keys = c.patterns.flatMap((p) => grokKeys(p.value));
  if (c.patterns.length !== 1) return { keys, what: 'several patterns, the first that matches' };
  const g = grokToRegex(c.patterns[0]!.value);
  if (!g.ok) return { keys, what: g.what };
  return {
    keys,
    step: (k) => {
      const cap = g.captures.find((x) => x.name === k);
      return cap && { fn: 'extract', args: [g.regex, cap.group, 'm'] };
    },
  };
}
