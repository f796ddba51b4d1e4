/**
 * The rule page as text (`detwiki show`): the seed page's sections (title, description, ATT&CK coverage, rule
 * body, detection logic, exclusions, output fields) plus facts, indicators, aggregation, stages, tests and
 * diagnostics. The HTML page in src/web renders the same data.
 */
import { describeCount, groupKeyTexts, thresholdText } from './aggregate.ts';
import { structuredPart } from './analyze.ts';
import { correlationLines } from './correlation.ts';
import { formatDiagnostic } from './diagnostics.ts';
import { FORMAT_LABELS, KIND_LABELS } from './facts.ts';
import { renderSides } from './multiEvent.ts';
import { renderExpr, renderExprPretty, renderValue } from './render.ts';
import type { AttackMapping, Logic, RuleRecord, Stage, TacticRef } from './rule.ts';
import { lineColAt, type Span } from './span.ts';
import { failedPartLine, type FailedPart } from './evidence.ts';

export interface TestOutcome {
  readonly name: string;
  readonly expected: boolean;
  readonly got: boolean | 'unknown';
  readonly agrees: boolean;
  /** For a test over a log of events: how many matched, against how many were expected. */
  readonly detail?: string;
  /** A test of one event expected to match that the condition found false: the parts that decided it (`whyFalse`). */
  readonly failed?: readonly FailedPart[];
}

export interface PageOptions {
  /** Tactics in matrix order, to order the ATT&CK table; without it, the order of first appearance. */
  readonly tacticOrder?: readonly TacticRef[];
  /** Results of the rule's tests, when they were run. */
  readonly testOutcomes?: readonly TestOutcome[];
  /** ATT&CK release the mappings were resolved against, or undefined when no bundle was found. */
  readonly attackVersion?: string;
  /** Show body files in full (default) or only their first lines. */
  readonly bodyLines?: number;
}

/** `file:line:col` of a span, computed from the rule's body file when present. */
export function locate(rule: RuleRecord, span: Span | undefined): string | undefined {
  if (!span) return undefined;
  const f = rule.body.find((b) => b.path === span.file);
  if (!f) return span.file;
  const { line, column } = lineColAt(f.text, span.start);
  return `${span.file}:${line}:${column}`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)];
}

/** Rows of the ATT&CK coverage table: one per tactic (matrix order), with the techniques the rule maps there. */
export function attackRows(mappings: readonly AttackMapping[], order?: readonly TacticRef[]): { tactic: TacticRef; techniques: string[] }[] {
  const rows = new Map<string, { tactic: TacticRef; techniques: string[] }>();
  const add = (t: TacticRef, tech: string | undefined) => {
    let r = rows.get(t.id);
    if (!r) rows.set(t.id, (r = { tactic: t, techniques: [] }));
    if (tech && !r.techniques.includes(tech)) r.techniques.push(tech);
  };
  for (const m of mappings) {
    const label = m.techniqueId ? `${m.techniqueId}${m.techniqueName ? ` ${m.techniqueName}` : ''}` : undefined;
    if (m.status === 'tactic_only' || m.status === 'unknown_tactic') {
      if (m.declaredTactic) add(m.declaredTactic, undefined);
      continue;
    }
    for (const t of m.tactics) add(t, label);
  }
  const list = [...rows.values()];
  if (order) {
    const idx = new Map(order.map((t, i) => [t.id, i]));
    list.sort((a, b) => (idx.get(a.tactic.id) ?? 99) - (idx.get(b.tactic.id) ?? 99));
  }
  return list;
}

export function renderRulePage(rule: RuleRecord, opts: PageOptions = {}): string {
  const out: string[] = [];
  const L = rule.logic;
  out.push(`Detection rules › ${FORMAT_LABELS[rule.format]}`);
  out.push(rule.title);
  if (rule.description) out.push(rule.description.trim());
  out.push('');

  out.push('Facts');
  const facts: [string, string][] = [
    ['id', rule.id],
    ['native id', rule.nativeId ?? ''],
    ['type', rule.nativeType ?? ''],
    ['kind', `${KIND_LABELS[rule.kind]} (${rule.kindReason})`],
    ['severity', rule.severity ? `${rule.severity}${rule.severityNative && rule.severityNative.toLowerCase() !== rule.severity ? ` (${rule.severityNative})` : ''}` : rule.severityNative ?? ''],
    ['status', rule.statusNative ? `${rule.status} (${rule.statusNative})` : rule.status],
    ['enabled', rule.enabled === undefined ? '' : String(rule.enabled)],
    ['log sources', rule.logSources.map((l) => l.name).join(', ')],
    ['source', `${rule.source.repository} ${rule.source.path}${rule.source.lines ? `:${rule.source.lines.start}-${rule.source.lines.end}` : ''}`],
    ['commit', rule.source.commit ?? ''],
    ['licence', rule.source.licence ?? ''],
    ['upstream', rule.source.url ?? ''],
    ['author', rule.author ?? ''],
    ['tags', rule.tags.join(', ')],
  ];
  for (const [k, v] of Object.entries(rule.facts)) facts.push([k, typeof v === 'string' ? v : JSON.stringify(v)]);
  for (const [k, v] of facts) if (v) out.push(`  ${k}: ${v}`);
  if (rule.references.length) out.push('  references:', ...rule.references.map((r) => `    ${r}`));
  if (rule.runbook) out.push(`  runbook: ${rule.runbook.trim()}`);
  if (rule.falsePositives.length) out.push('  false positives:', ...rule.falsePositives.map((r) => `    ${r}`));
  out.push('');

  out.push('MITRE ATT&CK coverage');
  if (rule.attackDeclared.length === 0) out.push('  (the rule declares no ATT&CK mapping)');
  else if (rule.attack.length === 0) {
    out.push('  (no ATT&CK bundle loaded: declared entries shown without names)');
    for (const d of rule.attackDeclared) out.push(`  ${d.text}`);
  } else {
    const rows = attackRows(rule.attack, opts.tacticOrder);
    if (rows.length) out.push(...table(['Tactic', 'Techniques'], rows.map((r) => [r.tactic.name, r.techniques.join(', ')])));
    else out.push('  (no declared entry resolved to a technique or tactic of this ATT&CK release)');
    if (opts.attackVersion) out.push(`  (ATT&CK v${opts.attackVersion})`);
    for (const m of rule.attack) {
      if (m.status !== 'ok') out.push(`  note: ${m.declared.text}: ${m.status}${m.note ? ` — ${m.note}` : ''}`);
    }
  }
  out.push('');

  for (const b of rule.body) {
    out.push(`Rule body ${b.language} (${b.path})`);
    const text = b.range ? b.text.slice(b.range.start, b.range.end) : b.text;
    const lines = text.replace(/\n$/, '').split('\n');
    const shown = opts.bodyLines ? lines.slice(0, opts.bodyLines) : lines;
    out.push(...shown);
    if (shown.length < lines.length) out.push(`… (${lines.length - shown.length} more lines)`);
    out.push('');
  }

  out.push('Detection logic');
  if (L.parser) out.push(`  parsed by: ${L.parser}`);
  if (L.condition) {
    const shown = L.completeness === 'partial' ? structuredPart(L.condition) : L.condition;
    out.push('Condition');
    out.push(shown ? renderExprPretty(shown) : '(nothing structured could be extracted)');
  } else {
    out.push('Condition: none extracted');
  }
  out.push(`Completeness: ${L.completeness}`);
  if (L.completeness === 'partial') {
    out.push('This rule also runs logic the parser could not express as a filter; the condition above is the structured part (every alert satisfies it, but it is not sufficient). Left out:');
  }
  for (const m of L.missing) out.push(`  - ${m.text.replace(/\s+/g, ' ').slice(0, 200)} — ${m.reason}${m.span ? ` (${locate(rule, m.span)})` : ''}`);
  if (L.note) out.push(`  note: ${L.note}`);
  out.push('');

  if (L.aggregation) {
    const a = L.aggregation;
    out.push('Aggregation');
    if (a.function) out.push(`  function: ${a.function}`);
    if (a.groupBy.length || a.computedKeys?.length) out.push(`  group by: ${groupKeyTexts(a).map((k) => (k.computed === undefined ? k.key : `${k.key} (computed${k.computed ? `: ${k.computed}` : ''})`)).join(', ')}`);
    if (a.window) out.push(`  window: ${a.window}${a.bins ? ' (fixed bins)' : ''}`);
    if (a.threshold) out.push(`  threshold: ${thresholdText(a)}`);
    const counted = describeCount(a);
    if (counted) out.push(`  counted: ${counted}`);
    if (a.rules?.length) out.push(`  over rules: ${a.rules.join(', ')}`);
    if (a.correlation) {
      out.push('  correlation:');
      for (const line of correlationLines(a.correlation)) out.push(`    ${line}`);
    }
    if (a.sides?.length) {
      out.push('  sides:');
      for (const line of renderSides(a.sides)) out.push(`    ${line}`);
    }
    out.push('');
  }

  out.push('Exclusions');
  if (L.exclusions.length === 0) out.push('  (none)');
  else {
    out.push('Top-level negated conjuncts: events matching these are suppressed.');
    out.push(
      ...table(
        ['Field', 'Kind', 'Excluded values', 'Stage'],
        L.exclusions.map((x) =>
          x.expr.kind === 'pred'
            ? [x.expr.field, x.expr.op, x.expr.values.map(renderValue).join(', '), x.stage ?? '']
            : ['(group)', 'expression', renderExpr(x.expr), x.stage ?? ''],
        ),
      ),
    );
  }
  out.push('');

  out.push('Indicators');
  if (L.indicators.length === 0) out.push('  (none)');
  else out.push(...table(['Field', 'Operator', 'Values'], L.indicators.map((i) => [i.chain ?? i.field, i.op + (i.match === 'all' ? ' (all)' : ''), i.values.map(renderValue).join(', ')])));
  if (L.eventKeys.length) out.push(`  event keys: ${L.eventKeys.map((k) => `${k.field}=${k.value}`).join(', ')}`);
  out.push('');

  out.push('Output fields');
  if (L.outputFields.length === 0) out.push('  (none)');
  else out.push(...table(['Field', 'Source'], L.outputFields.map((f) => [f.name, f.source])));
  out.push('');

  if (L.stages.length) {
    out.push('Stages');
    for (const s of L.stages) {
      const where = locate(rule, s.span);
      out.push(`  [${s.kind}] ${s.label}${where ? ` (${where})` : ''}${harmlessLimit(L, s) ? `: ${HARMLESS_LIMIT}` : ''}`);
    }
    out.push('');
  }

  out.push(`Tests (${rule.tests.length})${L.tested && rule.tests.length ? `: each gives ${L.tested.of} (read in full: ${L.tested.completeness === 'complete' ? 'yes' : 'no'})` : ''}`);
  const outcomes = new Map((opts.testOutcomes ?? []).map((t) => [t.name, t]));
  for (const t of rule.tests) {
    const o = outcomes.get(t.name);
    out.push(`  - ${t.name}: expected ${t.expected}${o ? `, got ${o.got}${o.detail ? ` (${o.detail})` : ''}${o.agrees ? '' : '  ← DISAGREES'}` : ''}`);
    if (o && !o.agrees) for (const p of o.failed ?? []) out.push(`      ${failedPartLine(p)}`);
  }
  out.push('');

  if (rule.diagnostics.length) {
    out.push('Diagnostics');
    for (const d of rule.diagnostics) out.push(`  ${formatDiagnostic(d)}`);
    out.push('');
  }
  return out.join('\n');
}

/** Said of a row limit that is not a missing part (at the end of the query: see docs/formats.md). */
export const HARMLESS_LIMIT = 'keeps only some result rows; whether the rule returns any does not depend on it';

/** A `limit` stage that no missing part names (a limit at the query's end). */
export function harmlessLimit(L: Logic, s: Stage): boolean {
  return s.kind === 'limit' && !L.missing.some((m) => m.text === s.text || (m.span !== undefined && s.span !== undefined && m.span.start === s.span.start));
}
