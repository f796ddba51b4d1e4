/**
 * EQL into the model: `lowerEql` parses one query with the project's peggy grammar (syntax.ts) and lowers it.
 *
 * - `<category> where <cond>`: the condition is `event.category == <category>` (case-sensitive, any element of the
 *   array) AND the lowered condition; `any where` tests no category.
 * - `sequence [by k] [with maxspan=t] [a] by x [b] by y [until [c]]`: a multi-event rule. One `selection` stage per
 *   step (with its own condition, join keys, `!` missing-event flag and `with runs`), an `aggregate` stage for the
 *   sequence itself, and an aggregation `sequence` grouped by the join keys with the maxspan as its window, whose
 *   `sides` state it (`sequenceSides`: each step a required side paired with the previous one on its keys and
 *   later than it, a missing event and `until` absent sides). The row-level condition is the OR of the positive
 *   steps (named `step 1`…): what one event must satisfy to take part in an alert. A key that is not a plain field
 *   leaves the sequence in `missing` (reasons start with `sequence:`).
 * - `sample by k [a] [b]`: the same shape without order or window (`sample:`).
 * - Pipes: `head` / `tail` keep only some matches (`pipe:`), which matters only when another pipe follows them (at
 *   the end they do not change whether the query returns a match); the Endgame `filter` pipe is ANDed into the condition;
 *   other pipes are stages listed in `missing`.
 */
import { lineColAt } from '../../../model/span.ts';
import { and, or, pred, type Expr } from '../../../model/expr.ts';
import type { Aggregation, CorrelationSide, OutputField, SideConstraint, Stage } from '../../../model/rule.ts';
import type { MissingInput } from '../../../model/lowering.ts';
import type { ElasticLower, ElasticLowering, ElasticQueryContext } from '../lowering.ts';
import { EqlDiagnostics } from './diagnostics.ts';
import { EQL_CATEGORY_FIELD, EQL_PIPES } from './eqlFacts.ts';
import { lowerCondition, spanOf, type EqlEnv } from './lowerExpr.ts';
import { parseEql, type EqlEvent, type EqlStep, type EqlValue } from './syntax.ts';

export const EQL_PARSER = "EQL via the project's peggy grammar";

export interface EqlOptions {
  /** The rule's `event_category_override`: the field the event category is read from (default `event.category`). */
  readonly categoryField?: string;
}

/** Lower one EQL query (the `ElasticLower` of the language table). */
export const lowerEql: ElasticLower = (text, ctx) => lowerEqlWith(text, ctx, {});

export function lowerEqlWith(text: string, ctx: ElasticQueryContext, opts: EqlOptions): ElasticLowering {
  const diagnostics: ElasticLowering['diagnostics'][number][] = [];
  const at = (offset: number) => {
    if (ctx.at) return ctx.at(offset);
    const lc = lineColAt(text, offset);
    return { line: ctx.line + lc.line - 1, column: lc.line === 1 ? ctx.column + lc.column - 1 : lc.column };
  };
  const parsed = parseEql(text);
  if (!parsed.ok) {
    diagnostics.push(EqlDiagnostics.syntax(ctx.file, parsed.message, at(parsed.offset)));
    return { stages: [{ kind: 'query', label: 'eql query', text, detail: { language: 'eql' } }], missing: [], outputFields: [], diagnostics, parser: EQL_PARSER, parsed: false };
  }
  const env: EqlEnv = { text, file: ctx.file, diagnostics, at };
  const categoryField = opts.categoryField ?? EQL_CATEGORY_FIELD;
  const q = parsed.query;
  const stages: Stage[] = [];
  const missing: MissingInput[] = [];
  const outputFields: OutputField[] = [];
  let condition: Expr;
  let aggregation: Aggregation | undefined;
  const body = q.body;
  const sliceOf = (r: { start: number; end: number }) => text.slice(r.start, r.end);

  const lowerEvent = (ev: EqlEvent): Expr => {
    const cond = lowerCondition(env, ev.cond);
    if (ev.category.name === null) return cond;
    return and(pred(categoryField, 'eq', [ev.category.name], { cs: true }, spanOf(env, ev.category.at)), cond);
  };
  const keyText = (k: EqlValue) => (k.type === 'field' ? k.path : sliceOf(k.at));

  switch (body.type) {
    case 'event': {
      condition = lowerEvent(body);
      stages.push({ kind: 'filter', label: `${body.category.name ?? 'any'} where`, text: sliceOf(body.at), span: spanOf(env, body.at), expr: condition, detail: { category: body.category.name ?? 'any' } });
      break;
    }
    case 'sequence':
    case 'sample': {
      const isSeq = body.type === 'sequence';
      const shared = body.by.map(keyText);
      const positives: Expr[] = [];
      const stepKeys: string[][] = [];
      const stepExprs: Expr[] = [];
      const suppressing: MissingInput[] = [];
      body.steps.forEach((s, i) => {
        const expr = lowerEvent(s.query);
        stepExprs.push(expr);
        const keys = s.by.map(keyText);
        if (!s.missing) {
          positives.push({ kind: 'and', args: [expr], name: `step ${i + 1}` });
          stepKeys.push(keys);
        }
        stages.push(stepStage(s, i, expr, keys, sliceOf(s.at), spanOf(env, s.at)));
        if (s.missing) suppressing.push({ text: sliceOf(s.at), reason: `sequence: no event matching step ${i + 1} may occur at this point of the sequence (a missing event); one event cannot show it`, span: spanOf(env, s.at) });
      });
      condition = or(...positives);
      const until = isSeq && body.type === 'sequence' ? body.until : null;
      const untilExpr = until ? lowerEvent(until.query) : undefined;
      if (until && untilExpr) {
        stages.push({ kind: 'selection', label: 'until', text: sliceOf(until.at), span: spanOf(env, until.at), expr: untilExpr, detail: { joinKeys: until.by.map(keyText), role: 'until' } });
        suppressing.push({ text: sliceOf(until.at), reason: 'sequence: an event matching `until` between the steps ends the sequence without an alert; one event cannot show it', span: spanOf(env, until.at) });
      }
      const groupBy = joinKeys(shared, stepKeys);
      const maxspan = body.type === 'sequence' ? body.maxspan : null;
      const sides = sequenceSides(body.by, body.steps, stepExprs, isSeq, until && untilExpr ? { step: until, expr: untilExpr } : null, (r) => spanOf(env, r), sliceOf);
      const runs = body.steps.map((s) => (s.runs && s.runs > 1 ? ` (step ${body.steps.indexOf(s) + 1} ${s.runs} times)` : '')).join('');
      const steps = body.steps.filter((s) => !s.missing).length;
      const header = sliceOf({ start: body.at.start, end: body.steps[0]!.at.start }).trim();
      const what = isSeq
        ? `${steps} event${steps === 1 ? '' : 's'} in order${runs}${groupBy.length ? ` with the same ${groupBy.join(', ')}` : ''}${maxspan ? ` within ${maxspan.text}` : ''}`
        : `${steps} events in any order${groupBy.length ? ` with the same ${groupBy.join(', ')}` : ''}`;
      aggregation = {
        function: body.type,
        groupBy,
        ...(maxspan ? { window: maxspan.text } : {}),
        ...('sides' in sides ? { sides: sides.sides } : {}),
        text: `${body.type}: ${what}`,
        span: spanOf(env, body.at),
      };
      stages.unshift({ kind: isSeq ? 'sequence' : 'aggregate', label: body.type, text: header, span: spanOf(env, { start: body.at.start, end: body.steps[0]!.at.start }), detail: { joinKeys: shared, ...(maxspan ? { maxspan: maxspan.text } : {}), steps: body.steps.length } });
      // stated side by side, the sequence (its order, keys, window, missing events and `until`) is expressed;
      // otherwise it is what one event cannot show
      if ('why' in sides) missing.unshift({ text: header || body.type, reason: `${body.type}: the rule alerts on ${what}; one event cannot show it (${sides.why})`, span: spanOf(env, body.at) }, ...suppressing);
      for (const k of new Set([...shared, ...stepKeys.flat()])) outputFields.push({ name: k, source: `${body.type} by` });
      break;
    }
    default:
      throw new Error('unexpected EQL body');
  }

  // `head n` / `tail n` (n >= 1) with only limits and sorts after them do not change whether the query returns a
  // match: stages, not missing. Any other pipe after a limit sees only the kept matches: the limit is missing.
  let pendingLimit: (typeof missing)[number] | undefined;
  for (const p of q.pipes) {
    const fact = EQL_PIPES[p.name];
    const ptext = sliceOf(p.at);
    const span = spanOf(env, p.at);
    if (pendingLimit && fact?.role !== 'limit' && fact?.stage !== 'sort') {
      missing.push({ ...pendingLimit, reason: `${pendingLimit.reason}, and | ${p.name} after it sees only those` });
      pendingLimit = undefined;
    }
    if (!fact) {
      diagnostics.push(EqlDiagnostics.unknownPipe(ctx.file, p.name, at(p.at.start)));
      stages.push({ kind: 'modifier', label: `| ${p.name}`, text: ptext, span });
      missing.push({ text: ptext, reason: `pipe: | ${p.name} is not an EQL pipe`, span });
      continue;
    }
    if (fact.role === 'filter') {
      const expr = and(...p.args.map((a) => lowerCondition(env, a)));
      condition = and(condition, expr);
      stages.push({ kind: fact.stage, label: `| ${p.name}`, text: ptext, span, expr });
      continue;
    }
    stages.push({ kind: fact.stage, label: `| ${p.name}`, text: ptext, span });
    const part = { text: ptext, reason: `pipe: | ${p.name}: ${fact.meaning}`, span };
    const a = p.args.length === 1 ? p.args[0] : undefined;
    const n = a?.type === 'bare' && a.value.type === 'number' ? a.value.value : undefined;
    if (fact.role === 'limit' && n !== undefined && n >= 1) pendingLimit ??= part;
    else missing.push(part);
  }

  return { stages, condition, missing, ...(aggregation ? { aggregation } : {}), outputFields, diagnostics, parser: EQL_PARSER, parsed: true };
}

/** Most steps a sequence is stated with side by side (a step `with runs=n` counts n): more keep it in `missing`. */
const MAX_SEQUENCE_SIDES = 100;

/** The field EQL orders a sequence's events by (the search's default `timestamp_field`). */
const EQL_TIMESTAMP = '@timestamp';

/**
 * A sequence or sample as the sides of a multi-event rule (`Aggregation.sides`): one `required` side per step (a
 * step `with runs=n` n times), each paired with the previous required side on its keys (the `by` keys, then the
 * step's own, position by position); a missing-event step (`![…]`) and `until` are `absent` sides. In a sequence
 * each step's event is a later event than the previous one's (by `@timestamp`, then by the order events come in: so
 * never the same event), a missing event lies between the steps around it, and an `until` event between the first
 * and the last. A key that is not a plain field (a function, or an optional `?field`, whose null values pair with
 * each other, which sides do not state) or more than MAX_SEQUENCE_SIDES steps leave the sequence unstated.
 */
function sequenceSides(
  by: readonly EqlValue[],
  steps: readonly EqlStep[],
  exprs: readonly Expr[],
  ordered: boolean,
  until: { step: EqlStep; expr: Expr } | null,
  spanAt: (r: { start: number; end: number }) => Stage['span'],
  sliceOf: (r: { start: number; end: number }) => string,
): { sides: CorrelationSide[] } | { why: string } {
  const fieldsOf = (vs: readonly EqlValue[]): string[] | string => {
    const out: string[] = [];
    for (const v of vs) {
      if (v.type !== 'field') return `the join key ${sliceOf(v.at)} is not a field`;
      if (v.optional) return `the join key ?${v.path} is optional: its null values pair with each other`;
      out.push(v.path);
    }
    return out;
  };
  const shared = fieldsOf(by);
  if (typeof shared === 'string') return { why: shared };
  const total = steps.reduce((n, s) => n + (s.missing ? 1 : Math.max(1, s.runs ?? 1)), 0);
  if (total > MAX_SEQUENCE_SIDES) return { why: `${total} steps (with their runs), more than the ${MAX_SEQUENCE_SIDES} stated side by side` };
  const time = (side: number) => ({ side, field: EQL_TIMESTAMP });
  const after = (from: number, to: number): SideConstraint => ({ kind: 'time', from: time(from), to: time(to), minMs: 0, later: true });
  const sides: CorrelationSide[] = [];
  const required: number[] = [];
  /** Absent sides waiting for the next required side (the missing event lies before it). */
  let pendingAbsent: number[] = [];
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    const own = fieldsOf(s.by);
    if (typeof own === 'string') return { why: own };
    const keys = [...shared, ...own];
    const runs = s.missing ? 1 : Math.max(1, s.runs ?? 1);
    for (let r = 0; r < runs; r++) {
      const at = sides.length;
      const prev = required[required.length - 1];
      const name = `${s.missing ? 'missing ' : ''}step ${i + 1}${runs > 1 ? `.${r + 1}` : ''}`;
      const constraints: SideConstraint[] = [];
      if (ordered && prev !== undefined) constraints.push(after(prev, at));
      if (!s.missing) for (const a of pendingAbsent) if (ordered) constraints.push(after(a, at));
      const side: CorrelationSide = {
        name,
        condition: exprs[i]!,
        presence: s.missing ? 'absent' : 'required',
        keys,
        ...(prev !== undefined ? { partner: prev, partnerKeys: sides[prev]!.keys } : {}),
        ...(constraints.length ? { constraints } : {}),
        text: sliceOf(s.at),
        ...(spanAt(s.at) ? { span: spanAt(s.at)! } : {}),
      };
      sides.push(side);
      if (s.missing) pendingAbsent.push(at);
      else {
        required.push(at);
        pendingAbsent = [];
      }
    }
  }
  if (!required.length) return { why: 'no step is required' };
  // a missing event before the first required step pairs with it (it has no earlier partner)
  for (let a = 0; a < required[0]!; a++) sides[a] = { ...sides[a]!, partner: required[0]!, partnerKeys: sides[required[0]!]!.keys };
  if (until) {
    const own = fieldsOf(until.step.by);
    if (typeof own === 'string') return { why: own };
    const at = sides.length;
    const first = required[0]!;
    const last = required[required.length - 1]!;
    sides.push({
      name: 'until',
      condition: until.expr,
      presence: 'absent',
      keys: [...shared, ...own],
      partner: first,
      partnerKeys: sides[first]!.keys,
      constraints: [after(first, at), after(at, last)],
      text: sliceOf(until.step.at),
      ...(spanAt(until.step.at) ? { span: spanAt(until.step.at)! } : {}),
    });
  }
  return { sides };
}

function stepStage(s: EqlStep, i: number, expr: Expr, keys: string[], text: string, span: Stage['span']): Stage {
  return {
    kind: 'selection',
    label: `${s.missing ? '!' : ''}step ${i + 1}: ${s.query.category.name ?? 'any'} where`,
    text,
    ...(span ? { span } : {}),
    expr,
    detail: { category: s.query.category.name ?? 'any', joinKeys: keys, ...(s.missing ? { missing: true } : {}), ...(s.runs ? { runs: s.runs } : {}), ...(s.alias ? { alias: s.alias } : {}) },
  };
}

/**
 * The join keys of a sequence: the `sequence by` keys, then each position of the per-step `by` keys, written
 * `a = b` when the steps join different fields (`process.entity_id = process.parent.entity_id`).
 */
function joinKeys(shared: readonly string[], stepKeys: readonly (readonly string[])[]): string[] {
  const out = [...shared];
  const width = Math.max(0, ...stepKeys.map((k) => k.length));
  for (let j = 0; j < width; j++) {
    const names = [...new Set(stepKeys.map((k) => k[j]).filter((x): x is string => x !== undefined))];
    out.push(names.join(' = '));
  }
  return out;
}
