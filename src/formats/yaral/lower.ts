/**
 * Lowering of a parsed YARA-L rule into the model's logic.
 *
 * - events: each event variable's predicates become one stage whose expr is the condition over UDM fields
 *   (`$e.principal.hostname` → `principal.hostname`). `$ph = $e.f` declares a placeholder (not a predicate); a
 *   placeholder bound to fields of two event variables, or `$e1.f = $e2.g`, is a join key.
 * - match: group-by placeholders and window (`over`, `by`, sliding `before` / `after` a pivot) → aggregation.
 * - condition: `$e` / `#e > n` / `!$e` / outcome comparisons → event-count threshold, absence, outcome conditions.
 * - A rule over one UDM event variable has that variable's condition; entity-graph variables joined to it
 *   (`$g.graph.…`) are an opaque conjunct. A rule over several UDM event variables is lowered like a Sigma temporal
 *   correlation: the row-level condition is the OR of the variables' conditions, the aggregation lists the
 *   variables as `rules` with the match placeholders as keys; stated side by side when it can be (`yaralSides`),
 *   else the joins are a `correlation:` missing part.
 * - outcome: each variable is an output field with its expression; `$risk_score` is noted.
 */
import type { Diagnostic } from '../../model/diagnostics.ts';
import { and, leaves, mapLeaves, named, opaque, or, pred, type Expr } from '../../model/expr.ts';
import { lineColAt } from '../../model/span.ts';
import type { Aggregation, CorrelationSide, DerivedKey, OutputField, SideConstraint, Stage } from '../../model/rule.ts';
import type { Span } from '../../model/span.ts';
import { detailValue, type MissingInput, type StatedLowering } from '../../model/lowering.ts';
import { YaralDiagnostics } from './diagnostics.ts';
import { lowerBool, repeatedPrefixes, span, type ExprContext } from './lowerExpr.ts';
import { fieldPath, sectionOf, type FieldNode, type YExpr, type YRule } from './syntax.ts';
import { COMPARE_OPS, ENTITY_GRAPH_ROOT, OUTCOME_AGGREGATES } from './yaralFacts.ts';

/** A join between event variables: a placeholder shared by fields of several variables, or `$e1.f = $e2.g`. */
export interface JoinKey {
  readonly placeholder?: string;
  /** `$e1.principal.ip` … */
  readonly fields: readonly string[];
}

export interface YaralLowering extends StatedLowering {
  /** UDM event variables (not entity graph), in order of appearance. */
  readonly eventVariables: readonly string[];
  readonly entityVariables: readonly string[];
  readonly joins: readonly JoinKey[];
  /** The `$risk_score` outcome expression, verbatim. */
  readonly riskScore?: string;
  /** Outcome variables assigned a string literal (`$mitre_attack_technique_id = "T1078"`). */
  readonly outcomeStrings: ReadonlyMap<string, string>;
}

interface Threshold {
  readonly of: string;
  readonly op: '>' | '>=' | '<' | '<=' | '=' | '==' | '!=';
  readonly value: number;
  readonly text: string;
}

export function lowerRule(file: string, text: string, rule: YRule): YaralLowering {
  const diagnostics: Diagnostic[] = [];
  const missing: MissingInput[] = [];
  const slice = (at: { start: number; end: number }) => text.slice(at.start, at.end);
  const events = sectionOf(rule, 'events');
  const conjuncts = (events?.statements ?? []).flatMap(flattenAnd);

  // event variables, in order of appearance
  const varOrder: string[] = [];
  const varFields = new Map<string, string[]>();
  for (const c of conjuncts) {
    for (const f of fieldsIn(c)) {
      if (!varFields.has(f.variable)) {
        varFields.set(f.variable, []);
        varOrder.push(f.variable);
      }
      varFields.get(f.variable)!.push(fieldPath(f));
    }
  }
  const isEntity = (v: string) => (varFields.get(v) ?? []).every((p) => p === ENTITY_GRAPH_ROOT || p.startsWith(ENTITY_GRAPH_ROOT + '.'));

  // placeholder declarations
  const bindings = new Map<string, FieldNode[]>();
  const computed = new Map<string, YExpr>();
  const rest: YExpr[] = [];
  for (const c of conjuncts) {
    const b = asBinding(c);
    if (!b) {
      rest.push(c);
      continue;
    }
    if (b.value.type === 'field') {
      if (!bindings.has(b.placeholder)) bindings.set(b.placeholder, []);
      bindings.get(b.placeholder)!.push(b.value);
    } else if (!computed.has(b.placeholder)) computed.set(b.placeholder, b.value);
  }
  const placeholderField = new Map<string, FieldNode>();
  for (const [ph, fs] of bindings) placeholderField.set(ph, fs[0]!);
  const ctx: ExprContext = { file, text, placeholderField };

  const perVar = new Map<string, { exprs: Expr[]; texts: string[]; start: number; end: number }>();
  const addTo = (v: string, e: Expr, at: { start: number; end: number } | undefined, t?: string) => {
    let s = perVar.get(v);
    if (!s) perVar.set(v, (s = { exprs: [], texts: [], start: at?.start ?? 0, end: at?.end ?? 0 }));
    s.exprs.push(e);
    if (t !== undefined) s.texts.push(t);
    if (at) {
      s.start = Math.min(s.start, at.start);
      s.end = Math.max(s.end, at.end);
    }
  };
  const joins: JoinKey[] = [];
  const joinTexts: string[] = [];
  /** Conditions between event variables other than an equality join (a time order, `!=`), with their missing part. */
  const crossConds: { readonly expr: YExpr; readonly missing: MissingInput }[] = [];
  /** `$a.f = $b.g` joins (also in `joins`). */
  const crossJoins: YExpr[] = [];
  // placeholders bound to several fields: same variable → field equality; several variables → join key
  for (const [ph, fs] of bindings) {
    const vars = [...new Set(fs.map((f) => f.variable))];
    if (vars.length > 1) joins.push({ placeholder: `$${ph}`, fields: fs.map((f) => `$${f.variable}.${fieldPath(f)}`) });
    for (const v of vars) {
      const same = fs.filter((f) => f.variable === v);
      for (const f of same.slice(1)) addTo(v, pred(fieldPath(same[0]!), 'eq', [{ kind: 'field', field: fieldPath(f) }], { cs: true }, span(ctx, f.at)), f.at);
    }
  }
  for (const c of rest) {
    const vars = varsOf(c, placeholderField, computed);
    if (vars.size === 1) {
      const v = [...vars][0]!;
      addTo(v, lowerBool(c, ctx), c.at, slice(c.at));
      continue;
    }
    if (vars.size === 0) {
      missing.push({ text: slice(c.at), reason: 'syntax: a statement of the events section that names no event variable', span: span(ctx, c.at) });
      continue;
    }
    const eq = directJoin(c);
    if (eq) {
      joins.push({ fields: eq });
      crossJoins.push(c);
    } else crossConds.push({ expr: c, missing: { text: slice(c.at), reason: `join: a condition between event variables ${[...vars].map((v) => '$' + v).join(', ')}`, span: span(ctx, c.at) } });
    joinTexts.push(slice(c.at));
  }
  // placeholder declarations are part of their variable's stage text
  for (const c of conjuncts) {
    const b = asBinding(c);
    if (!b) continue;
    const f = b.value.type === 'field' ? b.value : undefined;
    if (f && (bindings.get(b.placeholder)?.length ?? 0) === 1) {
      const s = perVar.get(f.variable);
      if (s) s.texts.push(slice(c.at));
    }
  }

  // conditions on one repeated field hold for one element at a time (YARA-L unnests the field: one row per
  // element): when one repeated field has several tests, the variable's whole condition is tested per element of
  // it (some element satisfies all of it); with several such fields, not stated
  for (const [v, s] of perVar) {
    const seen = new Map<string, number>();
    for (const e of s.exprs) countRepeatedTests(e, seen);
    // tests of one field joined by an or (or several under a `not` joined by an and) hold for some element each
    // as they do for the same one: only tests joined as a conjunction need the same element
    const whole = and(...s.exprs);
    const shared = [...seen].filter(([p, n]) => n >= 2 && conjoined(whole, p, true));
    if (shared.length === 1) {
      const [array] = shared[0]!;
      s.exprs = [{ kind: 'each', quant: 'any', array, expr: elementwise(and(...s.exprs), array), missingAs: '', span: { file, start: s.start, end: s.end } }];
      continue;
    }
    for (const [p, n] of shared) {
      missing.push({ text: `$${v}.${p}`, reason: `repeated field: ${n} conditions on $${v}.${p} must hold for the same element (YARA-L unnests repeated fields), and so must those on ${shared.filter(([q]) => q !== p).map(([q]) => q).join(', ')}; the model tests each over all elements, so it may match where the rule does not`, span: { file, start: s.start, end: s.end } });
    }
  }

  const udmVars = varOrder.filter((v) => !isEntity(v));
  const entityVars = varOrder.filter((v) => isEntity(v));
  const stageExpr = (v: string) => and(...(perVar.get(v)?.exprs ?? []));

  // condition section
  const condSec = sectionOf(rule, 'condition');
  const outcome = sectionOf(rule, 'outcome');
  const outcomeVars = new Set((outcome?.assignments ?? []).map((a) => a.name));
  const required = new Set<string>();
  const absent = new Set<string>();
  const thresholds: Threshold[] = [];
  let outcomeThreshold: (Threshold & { fn: string; call: string; arg?: FieldNode; placeholder?: string }) | undefined;
  if (condSec) {
    for (const c of flattenAnd(condSec.expr)) {
      const x = c.type === 'group' ? c.expr : c;
      if (x.type === 'var') {
        if (varFields.has(x.name)) required.add(x.name);
        else if (outcomeVars.has(x.name)) missing.push({ text: slice(x.at), reason: `outcome: the rule needs the outcome variable $${x.name} to be true`, span: span(ctx, x.at) });
        else if (!bindings.has(x.name) && !computed.has(x.name)) diagnostics.push(YaralDiagnostics.unknownVariable(file, `$${x.name}`, lineColAt(text, x.at.start)));
        continue;
      }
      if (x.type === 'not' && x.arg.type === 'var' && varFields.has(x.arg.name)) {
        absent.add(x.arg.name);
        continue;
      }
      if (x.type === 'compare' && x.left.type === 'count' && x.right.type === 'number') {
        thresholds.push({ of: `#${x.left.name}`, op: x.op, value: x.right.value, text: slice(x.at) });
        if (!varFields.has(x.left.name) && !bindings.has(x.left.name) && !computed.has(x.left.name)) diagnostics.push(YaralDiagnostics.unknownVariable(file, `#${x.left.name}`, lineColAt(text, x.left.at.start)));
        if (varFields.has(x.left.name) && !(x.right.value === 0 && (x.op === '=' || x.op === '==' || x.op === '<=')) && !(x.op === '<' && x.right.value <= 1)) required.add(x.left.name);
        else if (varFields.has(x.left.name)) absent.add(x.left.name);
        continue;
      }
      if (x.type === 'compare' && x.left.type === 'var' && outcomeVars.has(x.left.name)) {
        const name = x.left.name;
        const value = outcome!.assignments.find((a) => a.name === name)!.value;
        // an outcome that aggregates the matched events, compared with a number: the rule's threshold (when no #count is)
        if (x.right.type === 'number' && value.type === 'call' && OUTCOME_AGGREGATES.has(value.name) && !outcomeThreshold) {
          const only = value.args.length === 1 ? value.args[0]! : undefined;
          // its argument: an event field (`$e.target.resource.name`) or a placeholder bound to one (`$repo`)
          const arg = only?.type === 'field' ? { arg: only } : only?.type === 'var' ? { placeholder: only.name } : {};
          outcomeThreshold = { of: `$${name}`, op: x.op, value: x.right.value, text: slice(x.at), fn: slice(value.at).replace(/\s+/g, ' '), call: value.name, ...arg };
          continue;
        }
        missing.push({ text: slice(x.at), reason: `outcome: a condition on the outcome variable $${x.left.name}, computed over the matched events`, span: span(ctx, x.at) });
        continue;
      }
      missing.push({ text: slice(x.at), reason: 'condition: a combination of event variables the model does not express (or, or a count compared with a computed value)', span: span(ctx, x.at) });
    }
  }

  // the row-level condition
  let condition: Expr | undefined;
  const multi = udmVars.length > 1;
  const keysText = joins.map((j) => (j.placeholder ? `${j.placeholder} (${j.fields.join(' = ')})` : j.fields.join(' = '))).join(', ');
  const match = sectionOf(rule, 'match');
  const windowText = match?.window ? `${match.window.kind} ${match.window.duration}${match.window.slide ? ` ${match.window.slide.direction} $${match.window.slide.pivot}` : ''}` : undefined;
  let sides: CorrelationSide[] | undefined;
  if (multi) {
    const counted = udmVars.filter((v) => !absent.has(v));
    condition = or(...counted.map((v) => named(`$${v}`, stageExpr(v))));
    const stated = entityVars.length || thresholds.length || outcomeThreshold ? undefined : yaralSides(udmVars, absent, stageExpr, bindings, crossJoins, crossConds.map((c) => c.expr), match, (at) => span(ctx, at), slice);
    if (stated && 'sides' in stated) {
      sides = stated.sides;
      for (const c of crossConds) if (!stated.stated.has(c.expr)) missing.push(c.missing);
    } else {
      for (const c of crossConds) missing.push(c.missing);
      missing.push({
        text: condSec ? slice(condSec.expr.at) : udmVars.map((v) => '$' + v).join(' and '),
        reason: `correlation: events of ${counted.map((v) => '$' + v).join(', ')}${udmVars.some((v) => absent.has(v)) ? ` and no event of ${udmVars.filter((v) => absent.has(v)).map((v) => '$' + v).join(', ')}` : ''}${keysText ? ` joined on ${keysText}` : ' with no join key'}${windowText ? ` within a window (${windowText})` : ''}; one event cannot decide the rule${stated && 'why' in stated ? ` (${stated.why})` : ''}`,
        ...(condSec ? { span: span(ctx, condSec.expr.at) } : {}),
      });
    }
  } else {
    for (const c of crossConds) missing.push(c.missing);
  }
  if (!multi && (udmVars.length === 1 || entityVars.length > 0)) {
    const main = udmVars[0] ?? entityVars[0]!;
    const parts: Expr[] = [stageExpr(main)];
    for (const g of entityVars) {
      if (g === main) continue;
      const s = perVar.get(g);
      const how = absent.has(g) ? 'must have no match' : 'must have a match';
      parts.push(opaque(s?.texts.join('\n') ?? `$${g}`, `entity graph: context $${g} ${how}${keysText ? ` joined on ${keysText}` : ''}`, s ? { file, start: s.start, end: s.end } : undefined));
    }
    condition = and(...parts);
  }
  for (const v of udmVars) if (absent.has(v) && !multi) missing.push({ text: `!$${v}`, reason: `correlation: the rule needs $${v} to be absent` });

  // aggregation
  // in a rule over one event variable, a key or counted placeholder bound to a field of that variable is the event
  // field, unless the field is repeated (YARA-L unnests it, one value per element); others stay rule variables
  const single = !multi && udmVars.length === 1 ? udmVars[0] : undefined;
  const eventField = (f: FieldNode): string | undefined => (f.variable === single && repeatedPrefixes(fieldPath(f)).length === 0 ? fieldPath(f) : undefined);
  const placeholderAsField = (ph: string): string | undefined => {
    const fs = bindings.get(ph);
    return fs?.length && !computed.has(ph) && fs.every((f) => f.variable === single) ? eventField(fs[0]!) : undefined;
  };
  const keyNames = (match?.keys ?? []).map((k) => (k.type === 'var' ? (placeholderAsField(k.name) ?? `$${k.name}`) : (eventField(k) ?? `$${k.variable}.${fieldPath(k)}`)));
  // a key placeholder bound to one repeated field of the event variable (`$e.principal.ip = $ip`): a computed key,
  // one value per element (the event is counted in the group of each)
  const derivedKeys: DerivedKey[] = [];
  for (const k of match?.keys ?? []) {
    if (k.type !== 'var') continue;
    const fs = bindings.get(k.name);
    const c = computed.get(k.name);
    const d =
      fs?.length === 1 && !c && fs[0]!.variable === single
        ? elementKey(`$${k.name}`, fieldPath(fs[0]!))
        : !fs?.length && c && single !== undefined
          ? captureKey(`$${k.name}`, c, single)
          : undefined;
    if (d) derivedKeys.push(d);
  }
  const computedKeys = derivedKeys.map((d) => d.name);
  const groupBy = keyNames.filter((n) => !computedKeys.includes(n));
  if (outcomeThreshold && thresholds.length) missing.push({ text: outcomeThreshold.text, reason: `outcome: a condition on the outcome variable ${outcomeThreshold.of} (${outcomeThreshold.fn}) over the matched events` });
  const first = thresholds[0] ?? outcomeThreshold;
  let aggregation: Aggregation | undefined;
  if (match || first || multi) {
    const firstOf = first?.of.slice(1);
    const counted = firstOf ? (placeholderAsField(firstOf) ?? `$${firstOf}`) : '';
    // an outcome aggregate of one event field (`count_distinct($e.metadata.product_event_type)`, or of a placeholder
    // bound to one) names that field
    const outcomeArg = outcomeThreshold?.arg ? eventField(outcomeThreshold.arg) : outcomeThreshold?.placeholder ? placeholderAsField(outcomeThreshold.placeholder) : undefined;
    const outcomeFn = outcomeThreshold ? (outcomeArg ? `${outcomeThreshold.call}(${outcomeArg})` : outcomeThreshold.fn) : '';
    const fn = multi ? 'temporal' : !thresholds.length && outcomeThreshold ? outcomeFn : first ? (firstOf && varFields.has(firstOf) ? 'count' : `count_distinct(${counted})`) : 'match';
    const m = first ? COMPARE_OPS[first.op] : undefined;
    // the rules engine leaves out events whose match placeholders hold zero values unless the rule allows them
    const zeroAllowed = sectionOf(rule, 'options')?.entries.some((e) => e.key.toLowerCase() === 'allow_zero_values' && String(e.value).toLowerCase() === 'true');
    aggregation = {
      function: fn,
      groupBy,
      ...(computedKeys.length ? { computedKeys, derivedKeys } : {}),
      ...(keyNames.length ? { missingKeys: zeroAllowed ? ('group' as const) : ('zero' as const) } : {}),
      ...(match?.window ? { window: match.window.slide ? `${match.window.duration} ${match.window.slide.direction} $${match.window.slide.pivot}` : match.window.duration } : {}),
      ...(match?.window?.kind === 'by' && !match.window.slide ? { bins: true } : {}), // tumbling
      ...(first && m && !m.negated ? { threshold: { op: m.op, value: first.value, of: first.of } } : {}),
      ...(multi ? { rules: udmVars.filter((v) => !absent.has(v)).map((v) => `$${v}`) } : {}),
      ...(sides ? { sides } : {}),
      text: [match ? slice(match.at) : '', ...(thresholds.length ? thresholds : outcomeThreshold ? [outcomeThreshold] : []).map((t) => `condition: ${t.text}`)].filter(Boolean).join('\n'),
      ...(match ? { span: span(ctx, match.at) } : {}),
    };
    for (const t of (thresholds.length ? thresholds : outcomeThreshold ? [outcomeThreshold] : []).slice(first && m && !m.negated ? 1 : 0)) missing.push({ text: t.text, reason: 'aggregation: a further event count over the matched events' });
  }

  // stages
  const stages: Stage[] = [];
  for (const v of varOrder) {
    const s = perVar.get(v);
    stages.push({
      kind: 'filter',
      label: `$${v}`,
      text: s?.texts.join('\n') ?? '',
      ...(s ? { span: { file, start: s.start, end: s.end } } : {}),
      expr: stageExpr(v),
      detail: { eventVariable: `$${v}`, ...(isEntity(v) ? { entityGraph: true } : {}), ...(absent.has(v) ? { absent: true } : {}) },
    });
  }
  if (joins.length || joinTexts.length) stages.push({ kind: 'join', label: 'join', text: joinTexts.join('\n') || keysText, detail: { keys: detailValue(joins) } });
  if (match) stages.push({ kind: 'window', label: 'match', text: slice(match.at), span: span(ctx, match.at), detail: { groupBy: keyNames, ...(match.window ? { window: match.window.duration, windowKind: match.window.slide ? 'sliding' : match.window.kind === 'by' ? 'tumbling' : 'hop', ...(match.window.slide ? { pivot: `$${match.window.slide.pivot}`, direction: match.window.slide.direction } : {}) } : {}) } });
  if (outcome) stages.push({ kind: 'outcome', label: 'outcome', text: slice(outcome.at), span: span(ctx, outcome.at) });
  if (condSec) stages.push({ kind: 'condition', label: 'condition', text: slice(condSec.at), span: span(ctx, condSec.at) });
  const options = sectionOf(rule, 'options');
  if (options) stages.push({ kind: 'modifier', label: 'options', text: slice(options.at), span: span(ctx, options.at) });

  // outputs
  const outputFields: OutputField[] = [];
  const outcomeStrings = new Map<string, string>();
  let riskScore: string | undefined;
  for (const a of outcome?.assignments ?? []) {
    const from = slice(a.value.at).replace(/\s+/g, ' ').trim();
    outputFields.push({ name: `$${a.name}`, source: 'outcome', from: from.length > 200 ? from.slice(0, 197) + '...' : from });
    if (a.value.type === 'string') outcomeStrings.set(a.name, a.value.value);
    if (a.name === 'risk_score') riskScore = from;
  }
  for (const k of match?.keys ?? []) {
    if (k.type !== 'var') continue;
    const f = placeholderField.get(k.name);
    outputFields.push({ name: `$${k.name}`, source: 'match', ...(f ? { from: `$${f.variable}.${fieldPath(f)}` } : {}) });
  }
  return {
    stages,
    ...(condition ? { condition } : {}),
    missing,
    ...(aggregation ? { aggregation } : {}),
    outputFields,
    diagnostics,
    eventVariables: udmVars.map((v) => `$${v}`),
    entityVariables: entityVars.map((v) => `$${v}`),
    joins,
    ...(riskScore ? { riskScore } : {}),
    outcomeStrings,
  };
}

/**
 * A rule over several UDM event variables stated side by side (`Aggregation.sides`), or why it cannot be: each
 * variable a side (`$e` required, `!$e` absent), paired with the first earlier variable it is joined to on the
 * fields its placeholders or `$a.f = $b.g` bind (further joins to other variables are equality constraints), within
 * the `match … over` window. Conditions between variables become constraints: an order of
 * `metadata.event_timestamp.seconds` a time constraint, `$a.f != $b.g` a negated equality (`stated`). A join on a
 * repeated field pairs element by element (`keysAny`: YARA-L unnests it). A case-insensitive join, a further join on
 * a repeated field, or a tumbling or sliding window leaves the rule unstated.
 */
function yaralSides(
  vars: readonly string[],
  absent: ReadonlySet<string>,
  exprOf: (v: string) => Expr,
  bindings: ReadonlyMap<string, FieldNode[]>,
  direct: readonly YExpr[],
  cross: readonly YExpr[],
  match: Extract<YRule['sections'][number], { type: 'match' }> | undefined,
  spanAt: (at: { start: number; end: number }) => Span | undefined,
  slice: (at: { start: number; end: number }) => string,
): { sides: CorrelationSide[]; stated: ReadonlySet<YExpr> } | { why: string } {
  if (match?.window && (match.window.kind === 'by' || match.window.slide)) return { why: `a ${match.window.slide ? 'sliding' : 'tumbling'} match window` };
  const index = new Map(vars.map((v, i) => [v, i]));
  /** Equality links between two variables' fields (`repeated`: one of them is, compared element by element). */
  const links: { a: string; fa: string; b: string; fb: string; repeated: boolean }[] = [];
  const plainField = (f: FieldNode): string | undefined => {
    const p = fieldPath(f);
    return repeatedPrefixes(p).length ? undefined : p;
  };
  const isRepeated = (...fs: FieldNode[]) => fs.some((f) => repeatedPrefixes(fieldPath(f)).length > 0);
  for (const fs of bindings.values()) {
    const firstOf = new Map<string, FieldNode>();
    for (const f of fs) if (index.has(f.variable) && !firstOf.has(f.variable)) firstOf.set(f.variable, f);
    const [root, ...others] = [...firstOf.values()];
    for (const o of others) links.push({ a: root!.variable, fa: fieldPath(root!), b: o.variable, fb: fieldPath(o), repeated: isRepeated(root!, o) });
  }
  for (const c of direct) {
    if (c.type !== 'compare' || c.left.type !== 'field' || c.right.type !== 'field') continue;
    if (c.nocase) return { why: 'a join compared without case' };
    if (index.has(c.left.variable) && index.has(c.right.variable)) links.push({ a: c.left.variable, fa: fieldPath(c.left), b: c.right.variable, fb: fieldPath(c.right), repeated: isRepeated(c.left, c.right) });
  }
  const stated = new Set<YExpr>();
  const constraints: SideConstraint[][] = vars.map(() => []);
  const TIME = 'metadata.event_timestamp.seconds';
  for (const c of cross) {
    if (c.type !== 'compare' || c.nocase || c.quantifier || c.left.type !== 'field' || c.right.type !== 'field') continue;
    const l = c.left;
    const r = c.right;
    const [ia, ib] = [index.get(l.variable), index.get(r.variable)];
    const [fa, fb] = [plainField(l), plainField(r)];
    if (ia === undefined || ib === undefined || ia === ib || !fa || !fb) continue;
    const later = Math.max(ia, ib);
    const term = (side: number, field: string) => ({ side, field });
    const text = slice(c.at);
    const sp = spanAt(c.at);
    if (fa === TIME && fb === TIME && ['<', '<=', '>', '>='].includes(c.op)) {
      // a < b: b's time minus a's is more than 0
      const [from, to] = c.op.startsWith('<') ? [term(ia, fa), term(ib, fb)] : [term(ib, fb), term(ia, fa)];
      constraints[later]!.push({ kind: 'time', from, to, minMs: 0, ...(c.op.length === 1 ? { minStrict: true } : {}), text, ...(sp ? { span: sp } : {}) });
      stated.add(c);
    } else if (c.op === '!=') {
      constraints[later]!.push({ kind: 'compare', a: term(ia, fa), op: 'eq', b: term(ib, fb), opts: { cs: true }, negated: true, text, ...(sp ? { span: sp } : {}) });
      stated.add(c);
    }
  }
  const built: (CorrelationSide | undefined)[] = vars.map((v, i) => {
    // the first earlier variable it is joined to is its partner; joins to other earlier ones are constraints
    const mine = links.flatMap((k) => (k.b === v && (index.get(k.a) ?? i) < i ? [{ other: k.a, own: k.fb, theirs: k.fa, repeated: k.repeated }] : k.a === v && (index.get(k.b) ?? i) < i ? [{ other: k.b, own: k.fa, theirs: k.fb, repeated: k.repeated }] : []));
    const partner = mine.length ? Math.min(...mine.map((m) => index.get(m.other)!)) : undefined;
    const withPartner = mine.filter((m) => index.get(m.other) === partner);
    for (const m of mine) {
      if (index.get(m.other) === partner) continue;
      // a further join: an equality between the two events (one on a repeated field is not stated: see below)
      constraints[i]!.push({ kind: 'compare', a: { side: i, field: m.own }, op: 'eq', b: { side: index.get(m.other)!, field: m.theirs }, opts: { cs: true } });
      if (m.repeated) return undefined;
    }
    return {
      name: `$${v}`,
      condition: exprOf(v),
      presence: absent.has(v) ? ('absent' as const) : ('required' as const),
      keys: withPartner.map((m) => m.own),
      ...(partner !== undefined ? { partner, partnerKeys: withPartner.map((m) => m.theirs) } : {}),
      ...(withPartner.some((m) => m.repeated) ? { keysAny: true } : {}),
      ...(constraints[i]!.length ? { constraints: constraints[i] } : {}),
    };
  });
  if (built.some((x) => x === undefined)) return { why: 'a further join between variables is on a repeated field' };
  const sides = built as CorrelationSide[];
  // the first side states the keys its later partners pair with (when they agree)
  const firsts = sides.filter((s) => s.partner === 0).map((s) => s.partnerKeys ?? []);
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((k, j) => k === b[j]);
  if (firsts.length && firsts.every((k) => same(k, firsts[0]!))) sides[0] = { ...sides[0]!, keys: firsts[0]! };
  if (!sides.some((s) => s.presence === 'required')) return { why: 'no event variable is required' };
  return { sides, stated };
}

/**
 * How many tests of the condition read each repeated field (`repeatedPrefixes`): a predicate counts for each repeated
 * segment of its field, a per-element test (`each` over a repeated field, `perElement`) for its array.
 */
function countRepeatedTests(e: Expr, seen: Map<string, number>): void {
  if (e.kind === 'each') {
    const n = leaves(e.expr).filter((l) => l.kind === 'pred').length;
    seen.set(e.array, (seen.get(e.array) ?? 0) + Math.max(1, n));
    return;
  }
  if (e.kind === 'pred') {
    for (const p of repeatedPrefixes(e.field)) seen.set(p, (seen.get(p) ?? 0) + 1);
    return;
  }
  if (e.kind === 'and' || e.kind === 'or') for (const a of e.args) countRepeatedTests(a, seen);
  else if (e.kind === 'not') countRepeatedTests(e.arg, seen);
}

/** Whether two tests of the repeated field `array` are joined by an and (an or under a `not`) somewhere in `e`. */
function conjoined(e: Expr, array: string, positive: boolean): boolean {
  switch (e.kind) {
    case 'not':
      return conjoined(e.arg, array, !positive);
    case 'and':
    case 'or': {
      const conjunction = (e.kind === 'and') === positive;
      if (conjunction && e.args.filter((a) => readsRepeated(a, array)).length >= 2) return true;
      return e.args.some((a) => conjoined(a, array, positive));
    }
    default:
      return false;
  }
}

function readsRepeated(e: Expr, array: string): boolean {
  const seen = new Map<string, number>();
  countRepeatedTests(e, seen);
  return seen.has(array);
}

/**
 * The condition on one element of the repeated field `array`: its fields under `array` relative to the element
 * (`.`, `.action`); a per-element test over it is its element test; everything else as it was.
 */
function elementwise(e: Expr, array: string): Expr {
  return mapLeaves(e, (x) => {
    if (x.kind === 'each') return x.array === array ? x.expr : x;
    if (x.kind !== 'pred') return x;
    if (x.field === array) return { ...x, field: '.' };
    return x.field.startsWith(array + '.') || x.field.startsWith(array + '[') ? { ...x, field: `.${x.field.slice(array.length).replace(/^\./, '')}` } : x;
  });
}

/** Top-level conjuncts (ands and parentheses around ands flattened). */
function flattenAnd(e: YExpr): YExpr[] {
  if (e.type === 'and') return e.args.flatMap(flattenAnd);
  if (e.type === 'group' && e.expr.type === 'and') return flattenAnd(e.expr);
  return [e];
}

/**
 * A match key over a repeated UDM field (`principal.ip`, or a field inside one repeated message such as
 * `about.labels.value`), one value per element; undefined for a field under several repeated messages or a map.
 */
function elementKey(name: string, path: string): DerivedKey | undefined {
  const reps = repeatedPrefixes(path);
  if (reps.length !== 1 || path.includes('[')) return undefined;
  const rest = path.slice(reps[0]!.length).split('.').filter(Boolean);
  return { name, field: reps[0]!, derived: { steps: [{ fn: 'elements' }, ...rest.map((seg) => ({ fn: 'get' as const, args: [seg] }))] } };
}

/**
 * A match key bound to `re.capture($e.f, "re")` of a field of the event variable that is not repeated: the pattern's
 * first capture group (the whole match without one) of the field's value (an omitted field is ""); undefined for
 * anything else.
 */
function captureKey(name: string, c: YExpr, variable: string): DerivedKey | undefined {
  if (c.type !== 'call' || c.name !== 're.capture' || c.args.length !== 2) return undefined;
  const [f, re] = c.args as [YExpr, YExpr];
  if (f.type !== 'field' || f.variable !== variable || repeatedPrefixes(fieldPath(f)).length || re.type !== 'string') return undefined;
  return { name, field: fieldPath(f), missingAs: '', derived: { steps: [{ fn: 'extract', args: [re.value, capturingGroups(re.value) ? 1 : 0] }] } };
}

/** Capturing groups in an RE2 pattern: `(` outside a class and not escaped, not `(?…` unless named (`(?P<n>`, `(?<n>`). */
function capturingGroups(pattern: string): number {
  let n = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') i++;
    else if (inClass) inClass = ch !== ']';
    else if (ch === '[') {
      inClass = true;
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++; // a leading ] is a member
    } else if (ch === '(' && (pattern[i + 1] !== '?' || /^\?P?</.test(pattern.slice(i + 1, i + 4)))) n++;
  }
  return n;
}

/** `$ph = <field or computed value>` (either side), a placeholder declaration. */
function asBinding(e: YExpr): { placeholder: string; value: YExpr } | undefined {
  if (e.type !== 'compare' || (e.op !== '=' && e.op !== '==') || e.nocase || e.quantifier) return undefined;
  const lit = (x: YExpr) => x.type === 'string' || x.type === 'number' || x.type === 'bool' || x.type === 'regex';
  if (e.left.type === 'var' && e.right.type !== 'var' && !lit(e.right) && (e.right.type === 'field' || e.right.type === 'call' || e.right.type === 'arith')) return { placeholder: e.left.name, value: e.right };
  if (e.right.type === 'var' && !lit(e.left) && (e.left.type === 'field' || e.left.type === 'call' || e.left.type === 'arith')) return { placeholder: e.right.name, value: e.left };
  return undefined;
}

/** `$e1.f = $e2.g`: the two fields, when a statement is exactly that. */
function directJoin(e: YExpr): string[] | undefined {
  if (e.type !== 'compare' || (e.op !== '=' && e.op !== '==') || e.left.type !== 'field' || e.right.type !== 'field') return undefined;
  return [`$${e.left.variable}.${fieldPath(e.left)}`, `$${e.right.variable}.${fieldPath(e.right)}`];
}

/** Direct sub-expressions of a node. */
function children(e: YExpr): readonly YExpr[] {
  switch (e.type) {
    case 'or':
    case 'and':
    case 'call':
      return e.args;
    case 'not':
    case 'neg':
    case 'quantified':
      return [e.arg];
    case 'group':
      return [e.expr];
    case 'compare':
    case 'arith':
      return [e.left, e.right];
    case 'inlist':
      return [e.left];
    case 'list':
      return e.items;
    default:
      return [];
  }
}

/** Event fields of an expression, in order. */
function* fieldsIn(e: YExpr): Generator<FieldNode> {
  if (e.type === 'field') yield e;
  else for (const c of children(e)) yield* fieldsIn(c);
}

/** Event variables an expression depends on, placeholders resolved through their bindings. */
function varsOf(e: YExpr, fields: ReadonlyMap<string, FieldNode>, computed: ReadonlyMap<string, YExpr>, out = new Set<string>(), depth = 0): Set<string> {
  if (e.type === 'field') out.add(e.variable);
  else if (e.type === 'var') {
    const f = fields.get(e.name);
    const c = computed.get(e.name);
    if (f) out.add(f.variable);
    else if (c && depth < 8) varsOf(c, fields, computed, out, depth + 1);
  } else for (const x of children(e)) varsOf(x, fields, computed, out, depth);
  return out;
}
