/**
 * Assembly of a rule record from one KQL query and the metadata its file states (Sentinel YAML or Defender
 * Markdown): parse (Microsoft's parser), lower, classify, and build the logic with the model's `buildLogic`.
 */
import { buildLogic } from '../../model/lowering.ts';
import { GeneralDiagnostics, LIMITS, type Diagnostic } from '../../model/diagnostics.ts';
import type { Kind, Severity, Status } from '../../model/facts.ts';
import type { Aggregation, BodyFile, DeclaredAttack, LogSource, MissingPart, OutputField, RuleRecord, RuleSource } from '../../model/rule.ts';
import { bodyPart, ruleRecord, uniqueLogSources } from '../record.ts';
import type { SourceMap } from '../sourceMap.ts';
import { leaves } from '../../model/expr.ts';
import { KqlDiagnostics } from './diagnostics.ts';
import { ALERT_TABLES, isVendorAlertTable } from './kqlFacts.ts';
import { lowerQuery, type QueryLowering } from './lowerQuery.ts';
import { KQL_TOO_DEEP, leadingComments, parseKql } from './parser.ts';

export const PARSER_NAME = 'KQL via Microsoft Kusto.Language (@kusto/language-service-next)';

/** A rule whose condition names at most this many fields, reading only alert tables, forwards alerts. */
export const ALERT_FEED_MAX_FIELDS = 4;

/** What the file states about the rule, before its query is read. */
export interface KqlRuleInput {
  readonly id: string;
  readonly file: string;
  /** The whole file. */
  readonly fileText: string;
  readonly fileLanguage: string;
  readonly query: string;
  /** Where the query sits in the file (offsets, lines and columns). */
  readonly map: SourceMap;
  readonly range?: { readonly start: number; readonly end: number };
  readonly source: RuleSource;
  readonly nativeId?: string;
  readonly nativeType?: string;
  readonly title: string;
  readonly description?: string;
  readonly references?: readonly string[];
  readonly author?: string;
  readonly version?: string;
  readonly tags?: readonly string[];
  readonly severity?: Severity;
  readonly severityNative?: string;
  readonly status: Status;
  readonly statusNative?: string;
  readonly enabled?: boolean;
  /** Kind the metadata decides (hunting, deprecated); otherwise decided from the query. */
  readonly kind?: { readonly kind: Kind; readonly reason: string };
  readonly defaultKindReason: string;
  readonly logSources?: readonly LogSource[];
  readonly attackDeclared?: readonly DeclaredAttack[];
  readonly facts?: Readonly<Record<string, unknown>>;
  readonly outputFields?: readonly OutputField[];
  readonly diagnostics?: readonly Diagnostic[];
  /** The span of data each run reads (Sentinel queryPeriod): the window of a threshold when the query states none. */
  readonly queryPeriod?: string;
  /** Result-count trigger (Sentinel triggerOperator / triggerThreshold) when it is not "more than 0". */
  readonly trigger?: { readonly op: 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne'; readonly value: number; readonly window?: string };
}

export interface KqlRuleOutput {
  readonly rule: RuleRecord;
  readonly syntaxErrors: number;
  readonly parseMs: number;
  readonly lowering: QueryLowering;
}

/** Parse, lower and assemble one rule. */
export function buildKqlRule(input: KqlRuleInput): KqlRuleOutput {
  const t0 = performance.now();
  const parsed = parseKql(input.query);
  const parseMs = performance.now() - t0;
  const diagnostics: Diagnostic[] = [...(input.diagnostics ?? [])];
  for (const d of parsed.diagnostics) {
    const at = input.map.at(d.start, d.start + d.length);
    diagnostics.push(d.code === KQL_TOO_DEEP ? GeneralDiagnostics.tooDeep(input.file, LIMITS.maxDepth, at) : KqlDiagnostics.syntax(input.file, d.code, d.message, at));
  }
  const low = lowerQuery(parsed.value, input.file, (o) => input.map.toHost(o));
  diagnostics.push(...low.diagnostics);

  // aggregation: the query's own, then the result-count trigger
  let aggregation: Aggregation | undefined = low.aggregation;
  const window = low.timeFilters.find((t) => t.window)?.window ?? input.queryPeriod;
  const missing: MissingPart[] = [...low.missing];
  if (aggregation && !aggregation.window && window) aggregation = { ...aggregation, window };
  if (input.trigger) {
    // the trigger counts result rows, and a limit at the query's end caps them
    missing.push(...low.endLimits.map((m) => ({ ...m, reason: `${m.reason}: the result-count trigger counts only those` })));
    const threshold = { op: input.trigger.op, value: input.trigger.value, of: 'result count' };
    if (!aggregation) aggregation = { function: 'count', groupBy: [], threshold, ...(input.trigger.window ?? window ? { window: input.trigger.window ?? window } : {}), text: `alert when the result count ${input.trigger.op} ${input.trigger.value}` };
    // over an aggregated or joined query the result rows are groups or pairs: the trigger counts those, not events
    else if (!aggregation.threshold) missing.push({ kind: 'aggregation', text: `result count ${input.trigger.op} ${input.trigger.value}`, reason: 'aggregation: the rule alerts only when the number of result rows (groups or pairs) passes its trigger threshold' });
    else missing.push({ kind: 'aggregation', text: `result count ${input.trigger.op} ${input.trigger.value}`, reason: 'aggregation: the rule alerts only when the number of result rows passes its trigger threshold' });
  }

  const logic = buildLogic({
    ...low,
    missing,
    aggregation,
    outputFields: [...low.outputFields, ...(input.outputFields ?? [])],
    parser: PARSER_NAME,
    note: parsed.diagnostics.length
      ? `the Kusto parser reported ${parsed.diagnostics.length} syntax error(s); the logic is what it recovered`
      : // a query over inline data only (datatable, print, range): there are no events for a condition to test
        !low.condition && !missing.length && !low.tables.length && !low.functions.length
        ? 'the query reads no table or function, only inline data (datatable, print, range): there is no condition over events'
        : undefined,
  });

  const kind = input.kind ?? classify(low, input.defaultKindReason);
  const tables = low.tables.map((t): LogSource => ({ kind: 'table', name: t }));
  const functions = low.functions.map((f): LogSource => ({ kind: 'function', name: f }));
  const logSources = uniqueLogSources([...(input.logSources ?? []), ...tables, ...functions]);
  const description = input.description ?? (leadingComments(parsed.value.root).join('\n') || undefined);
  const body: BodyFile = input.range ? bodyPart(input.file, input.fileLanguage, input.fileText, input.range) : { path: input.file, language: input.fileLanguage, text: input.fileText };
  const facts: Record<string, unknown> = { ...(input.facts ?? {}) };
  if (low.timeFilters.length) facts['timeFilters'] = low.timeFilters.map((t) => t.text);
  if (window) facts['window'] = window;
  if (low.mainTables.length) facts['tables'] = low.mainTables;

  const rule = ruleRecord({
    ...input,
    format: 'kusto',
    description,
    kind: kind.kind,
    kindReason: kind.reason,
    logSources,
    body: [body],
    logic,
    diagnostics,
    facts,
  });
  return { rule, syntaxErrors: parsed.diagnostics.length, parseMs, lowering: low };
}

/** Third-party alert feed: reads only alert tables, no join or threshold, and filters on few fields. */
function classify(low: QueryLowering, defaultReason: string): { kind: Kind; reason: string } {
  const alertTables = low.mainTables.filter((t) => ALERT_TABLES.has(t) || isVendorAlertTable(t));
  if (low.mainTables.length > 0 && alertTables.length === low.mainTables.length) {
    const joins = low.stages.some((s) => s.kind === 'join' || s.kind === 'lookup');
    const fields = new Set<string>();
    if (low.condition) for (const l of leaves(low.condition)) if (l.kind === 'pred') fields.add(l.field);
    if (!joins && !low.aggregation?.threshold && fields.size <= ALERT_FEED_MAX_FIELDS) {
      return {
        kind: 'alert_feed',
        reason: `forwards alerts another product raised: it reads only ${alertTables.join(', ')} and filters on ${fields.size ? [...fields].join(', ') : 'nothing'} without correlating them with other data`,
      };
    }
  }
  return { kind: 'detection', reason: defaultReason };
}
