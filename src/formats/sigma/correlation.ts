/**
 * Sigma correlation rules (Sigma specification v2, correlation rules): `correlation: {type, rules, group-by,
 * timespan, condition, aliases, generate}`. Lowered to an Aggregation over the referenced rules (function =
 * correlation type, group-by, window = timespan, threshold from the condition). The row-level condition
 * (which events count) is the OR of the referenced rules' conditions, filled in when the source is linked.
 */
import { isMap, isScalar, isSeq, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Diagnostic } from '../../model/diagnostics.ts';
import type { Operator } from '../../model/expr.ts';
import type { Aggregation, Stage } from '../../model/rule.ts';
import { SigmaDiagnostics } from './diagnostics.ts';
import { atOffset, getNode, getPair, nodeSpan, pairSpan, plain, type SigmaDocument, type SigmaFile } from './syntax.ts';

export const CORRELATION_TYPES = ['event_count', 'value_count', 'temporal', 'temporal_ordered', 'value_sum', 'value_avg', 'value_percentile', 'value_median'] as const;
export type CorrelationType = (typeof CORRELATION_TYPES)[number];

const CONDITION_OPS: Readonly<Record<string, { op: Operator; symbol: string }>> = {
  gt: { op: 'gt', symbol: '>' },
  gte: { op: 'ge', symbol: '>=' },
  lt: { op: 'lt', symbol: '<' },
  lte: { op: 'le', symbol: '<=' },
  eq: { op: 'eq', symbol: '==' },
  neq: { op: 'ne', symbol: '!=' },
};

export interface ParsedCorrelation {
  readonly type: CorrelationType;
  /** Rule names or ids, as written. */
  readonly rules: readonly string[];
  readonly rulesSpan: { file: string; start: number; end: number };
  readonly aggregation: Aggregation;
  readonly stage: Stage;
  /** Every comparison of the condition (a range has two). */
  readonly comparisons: readonly { op: Operator; value: number }[];
  /** `aliases`: for a group-by name, each correlated rule's own field (by the rule's name or id as written). */
  readonly aliases: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly facts: Record<string, unknown>;
}

export function parseCorrelation(file: SigmaFile, d: SigmaDocument, diagnostics: Diagnostic[]): ParsedCorrelation | undefined {
  const pair = getPair(d.map, 'correlation')!;
  const corr = pair.value as Node;
  const at = (n: Node | undefined) => atOffset(file.lines, n?.range?.[0] ?? d.range.start);
  const bad = (msg: string, n?: Node) => {
    diagnostics.push(SigmaDiagnostics.badCorrelation(file.path, msg, at(n ?? corr)));
    return undefined;
  };
  if (!isMap(corr)) return bad('`correlation` must be a map');
  const map = corr as YAMLMap;
  const typeNode = getNode(map, 'type');
  const type = isScalar(typeNode) ? String(typeNode.value) : '';
  if (!(CORRELATION_TYPES as readonly string[]).includes(type)) return bad(`type "${type}" is not one of ${CORRELATION_TYPES.join(', ')}`, typeNode);
  const rulesNode = getNode(map, 'rules');
  const rules = isSeq(rulesNode) ? ((rulesNode as YAMLSeq).items as Node[]).map((n) => (isScalar(n) ? String(n.value) : '')).filter((x) => x) : isScalar(rulesNode) ? [String(rulesNode.value)] : [];
  if (rules.length === 0) return bad('`rules` must list the rules correlated');
  const groupBy = toStrings(plain(getNode(map, 'group-by'), d.doc));
  const spanNode = getNode(map, 'timespan') ?? getNode(map, 'timeframe');
  const timespan = isScalar(spanNode) ? String(spanNode.value) : undefined;
  if (!timespan) return bad('`timespan` is required');
  const condNode = getNode(map, 'condition');
  const comparisons: { op: Operator; value: number }[] = [];
  const words: string[] = [];
  let field: string | undefined;
  const temporal = type === 'temporal' || type === 'temporal_ordered';
  if (condNode !== undefined) {
    if (!isMap(condNode)) return bad('`condition` must be a map like {gte: 10}', condNode);
    const c = plain(condNode, d.doc) as Record<string, unknown>;
    for (const [k, v] of Object.entries(c)) {
      if (k === 'field') {
        field = Array.isArray(v) ? v.map(String).join(', ') : String(v);
        continue;
      }
      const op = CONDITION_OPS[k];
      if (!op) return bad(`condition operator "${k}" is not one of ${Object.keys(CONDITION_OPS).join(', ')}`, condNode);
      if (typeof v !== 'number') return bad(`condition ${k} needs a number`, condNode);
      comparisons.push({ op: op.op, value: v });
      words.push(`${op.symbol} ${v}`);
    }
    if (comparisons.length === 0 && !temporal) return bad('`condition` needs a comparison (gt, gte, lt, lte, eq)', condNode);
  } else if (!temporal) return bad('`condition` is required for this correlation type');
  if (type.startsWith('value_') && !field) return bad(`${type} needs condition.field`, condNode);
  const fn = field ? `${type}(${field})` : type;
  const text = temporal && comparisons.length === 0 ? `${type}: all of [${rules.join(', ')}] within ${timespan}` : `${fn} ${words.join(' and ')}`;
  const span = pairSpan(file.path, pair, file.text);
  const first = comparisons[0];
  const aggregation: Aggregation = {
    function: fn,
    groupBy,
    // the specification does not say how an event without a group-by field is counted; backends differ (Splunk's
    // `stats … by` leaves it out, SQL and ES|QL group it under null)
    ...(groupBy.length ? { missingKeys: 'unknown' as const } : {}),
    window: timespan,
    ...(first ? { threshold: { op: first.op, value: first.value, ...(field ? { of: field } : {}) } } : {}),
    rules,
    text,
    span: nodeSpan(file.path, condNode ?? corr),
  };
  const facts: Record<string, unknown> = { correlationType: type };
  const gen = getNode(map, 'generate');
  if (isScalar(gen)) facts['generate'] = gen.value;
  const aliasesNode = getNode(map, 'aliases');
  const aliases: Record<string, Record<string, string>> = {};
  if (aliasesNode) {
    const a = plain(aliasesNode, d.doc);
    facts['aliases'] = a;
    if (!a || typeof a !== 'object' || Array.isArray(a)) return bad('`aliases` must map each alias to the field of each rule', aliasesNode);
    for (const [name, perRule] of Object.entries(a as Record<string, unknown>)) {
      if (!perRule || typeof perRule !== 'object' || Array.isArray(perRule)) return bad(`alias "${name}" must map rules to their field`, aliasesNode);
      aliases[name] = Object.fromEntries(Object.entries(perRule as Record<string, unknown>).map(([r, f]) => [r, String(f)]));
    }
  }
  return {
    type: type as CorrelationType,
    rules,
    rulesSpan: nodeSpan(file.path, rulesNode),
    aggregation,
    stage: { kind: 'aggregate', label: `correlation ${type}`, text: file.text.slice(span.start, span.end), span, detail: { type, groupBy, timespan, rules } },
    comparisons,
    aliases,
    facts,
  };
}

function toStrings(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}
