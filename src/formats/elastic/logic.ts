/**
 * The logic of one detection-rules `[rule]`: its query lowered by its language, then the rule type's meaning added
 * (threshold and new_terms are aggregations, threat_match joins the events with an indicator index,
 * machine_learning has no query), Kibana filter pills ANDed in, inline exceptions excluded, exception-list
 * references shown as a stage. The Logic is assembled with `buildLogic`.
 */
import { buildLogic } from '../../model/lowering.ts';
import type { Diagnostic } from '../../model/diagnostics.ts';
import { and, leaves, not, opaque, or, type Expr } from '../../model/expr.ts';
import type { Aggregation, Logic, OutputField, Stage, StageDetail } from '../../model/rule.ts';
import { detailValue, type MissingInput } from '../../model/lowering.ts';
import { windowMs } from '../../model/aggregate.ts';
import { QUERY_LANGUAGES } from './facts.ts';
import { lowerExceptionItems, lowerFilters } from './filters.ts';
import { allOpaque, DETECTION_ORDER, lowerHosted } from './query.ts';
import { isTable, list, str, text as tomlText, type Table } from './toml.ts';

export interface RuleLogic {
  readonly logic: Logic;
  readonly diagnostics: readonly Diagnostic[];
  /** The language that lowered the query (found by parsing when the rule does not say). */
  readonly language?: string;
  readonly facts: Record<string, unknown>;
}

/**
 * Build the logic of a `[rule]` table found in `path` (whose text is `hostText`). `host`: where the rule's text
 * starts (`from`), and where its query is when the file does not hold it verbatim (`queryToHost`: a JSON string).
 */
export function ruleLogic(path: string, hostText: string, r: Table, type: string, host: { from?: number; queryToHost?: (offset: number) => number } = {}): RuleLogic {
  const facts: Record<string, unknown> = {};
  const diagnostics: Diagnostic[] = [];
  const stages: Stage[] = [];
  const missing: MissingInput[] = [];
  const outputFields: OutputField[] = [];
  const conds: Expr[] = [];
  const parsers: string[] = [];
  const notes: string[] = [];
  let aggregation: Aggregation | undefined;
  let queryLowered = false;
  const query = str(r.query);
  const declared = str(r.language) ?? (type === 'esql' || type === 'eql' ? type : undefined);
  let language = declared;

  if (query) {
    const candidates = declared ? [declared] : DETECTION_ORDER;
    const categoryField = str(r.event_category_override);
    const hosted = lowerHosted({ path, hostText, query, ...(host.from !== undefined ? { from: host.from } : {}), ...(host.queryToHost ? { toHost: host.queryToHost } : {}), ...(categoryField ? { categoryField } : {}) }, candidates);
    if (hosted) {
      const l = hosted.lowering;
      language = hosted.language;
      if (!declared) facts.language_found_by_parsing = hosted.language;
      diagnostics.push(...l.diagnostics);
      parsers.push(l.parser);
      if (l.parsed) {
        stages.push(...l.stages);
        if (l.condition) {
          conds.push(l.condition);
          queryLowered = true;
        }
        missing.push(...l.missing);
        outputFields.push(...l.outputFields);
        aggregation = l.aggregation;
      } else {
        stages.push(verbatim(query, language));
        notes.push(`the ${language} query did not parse (see diagnostics): its logic is not shown`);
      }
    } else {
      stages.push(verbatim(query, language));
      notes.push(`logic not parsed yet for ${declared ?? 'a query in an unknown language'}`);
    }
  }

  if (type === 'machine_learning') {
    const jobs = list(r.machine_learning_job_id).map(tomlText);
    const threshold = typeof r.anomaly_threshold === 'number' ? r.anomaly_threshold : undefined;
    stages.push({ kind: 'source', label: 'machine learning job', text: `${jobs.join(', ')}${threshold !== undefined ? `: anomaly score >= ${threshold}` : ''}`, detail: { jobs, ...(threshold !== undefined ? { anomaly_threshold: threshold } : {}) } });
    notes.push(`a machine-learning rule has no query: it alerts when the anomaly detection job${jobs.length > 1 ? 's' : ''} ${jobs.join(', ')} report${jobs.length > 1 ? '' : 's'} an anomaly scoring ${threshold ?? 'the threshold'} or more; what counts as anomalous is learnt by the job from the data, so there is no condition to show`);
    parsers.push('none (machine learning)');
  }

  if (isTable(r.threshold)) {
    const th = r.threshold;
    const groupBy = list(th.field).map(tomlText).filter((f) => f);
    const value = typeof th.value === 'number' ? th.value : Number(th.value);
    const card = list(th.cardinality).filter(isTable);
    const cardText = card.map((c) => `cardinality(${tomlText(c.field)}) >= ${tomlText(c.value)}`).join(' and ');
    // each cardinality is a further threshold: the distinct values of its field, at least its value
    const more = card.flatMap((c) => {
      const v = typeof c.value === 'number' ? c.value : Number(tomlText(c.value));
      return tomlText(c.field) && Number.isFinite(v) ? [{ function: `cardinality(${tomlText(c.field)})`, op: 'ge' as const, value: v }] : [];
    });
    aggregation = {
      function: card.length && more.length !== card.length ? `count, cardinality(${card.map((c) => tomlText(c.field)).join(', ')})` : 'count',
      ...(more.length === card.length && more.length ? { moreThresholds: more } : {}),
      groupBy,
      // the threshold's terms aggregation has no bucket for a document without one of the fields, and one for each
      // value of a field with several
      ...(groupBy.length ? { missingKeys: 'drop' as const, listKeys: 'each' as const } : {}),
      ...(Number.isFinite(value) ? { threshold: { op: 'ge' as const, value } } : {}),
      text: `threshold: ${groupBy.length ? `by ${groupBy.join(', ')} ` : ''}count >= ${tomlText(th.value)}${cardText ? ` and ${cardText}` : ''}`,
    };
    for (const f of groupBy) outputFields.push({ name: f, source: 'threshold.field' });
    stages.push({ kind: 'aggregate', label: 'threshold', text: aggregation.text!, detail: detailValue({ field: groupBy, value: th.value, ...(card.length ? { cardinality: card } : {}) }) as StageDetail });
  }

  // detection-rules' TOML: `[rule.new_terms]` with `value` and `history_window_start`; Kibana's export and the API:
  // `new_terms_fields` and `history_window_start` on the rule itself
  const newTerms = isTable(r.new_terms) ? { value: r.new_terms.value, history: r.new_terms.history_window_start } : type === 'new_terms' && r.new_terms_fields !== undefined ? { value: r.new_terms_fields, history: r.history_window_start } : undefined;
  if (newTerms) {
    const fields = list(newTerms.value).map(tomlText);
    const history = list(newTerms.history).map((h) => (isTable(h) ? tomlText(h.value) : tomlText(h)));
    const start = history.join(', ');
    // the history is date math back from now (`now-7d`): its length is the window an event's terms are compared with
    const back = /^now-(\d+)([smhHdw])$/.exec(start.trim());
    const window = back ? `${back[1]}${back[2] === 'H' ? 'h' : back[2]}` : start;
    aggregation = {
      function: `new_terms(${fields.join(', ')})`,
      groupBy: fields,
      // the terms come from a terms aggregation: an event without a value of a field has none
      missingKeys: 'drop',
      ...(window ? { window } : {}),
      text: `new terms of ${fields.join(', ')} not seen since ${start || 'the history window'}`,
    };
    for (const f of fields) outputFields.push({ name: f, source: 'new_terms.fields' });
    stages.push({ kind: 'aggregate', label: 'new_terms', text: aggregation.text!, detail: { fields, history_window_start: history } });
  }

  if (type === 'threat_match') {
    const mapping = list(r.threat_mapping).filter(isTable).map((m) => list(m.entries).filter(isTable).map((e) => `${tomlText(e.field)} = ${tomlText(e.value)}`).join(' and '));
    const index = list(r.threat_index).map(tomlText);
    const text = `${mapping.map((m) => `(${m})`).join(' or ')} against ${index.join(', ')}${str(r.threat_query) ? ` where ${str(r.threat_query)}` : ''}`;
    stages.push({ kind: 'lookup', label: 'threat_match', text, detail: { threat_index: index, threat_mapping: mapping, ...(str(r.threat_query) ? { threat_query: str(r.threat_query) } : {}), ...(str(r.threat_indicator_path) ? { threat_indicator_path: str(r.threat_indicator_path) } : {}) } });
    conds.push(opaque(text, `lookup: the event must match an indicator of ${index.join(', ') || 'the threat index'} on ${mapping.join(' or ') || 'the threat mapping'}`));
    const tf = lowerFilters(r.threat_filters, path);
    if (tf.exprs.length) facts.threat_filters = tf.exprs.length;
  }

  const filters = lowerFilters(r.filters, path);
  if (filters.exprs.length || filters.disabled) {
    const expr = and(...filters.exprs);
    conds.push(...filters.exprs); // top-level conjuncts: a negated pill is an exclusion
    stages.push({ kind: 'filter', label: 'filters', text: JSON.stringify(r.filters, null, 1), expr, detail: { enabled: filters.exprs.length, disabled: filters.disabled } });
    parsers.push('Kibana filters as Query DSL');
  }

  const exceptions = lowerExceptionItems(r.exceptions);
  if (exceptions.length) {
    const expr = or(...exceptions);
    conds.push(not(expr));
    stages.push({ kind: 'filter', label: 'exceptions', text: JSON.stringify(r.exceptions, null, 1), expr: not(expr) });
  }
  const lists = list(r.exceptions_list).filter(isTable);
  if (lists.length) {
    const ids = lists.map((l) => str(l.list_id) ?? str(l.id) ?? '?');
    stages.push({ kind: 'filter', label: 'exceptions_list', text: ids.join(', '), detail: { lists: lists.map((l) => ({ list_id: str(l.list_id), type: str(l.type), namespace_type: str(l.namespace_type) })) } });
    notes.push(`exception list${ids.length > 1 ? 's' : ''} ${ids.join(', ')} (kept in Kibana, not in the rule) may suppress further events`);
  }

  for (const f of investigationFields(r)) if (!outputFields.some((o) => o.name === f)) outputFields.push({ name: f, source: 'investigation_fields' });

  // the query's own condition is the first conjunct; filters, the indicator match and exceptions follow. A query
  // that was not lowered stays a conjunct (opaque) when other conjuncts exist, so that they never pass for the rule.
  if (query && !queryLowered && conds.length) conds.unshift(opaque(query, `language: the ${language ?? 'query'} query is not lowered`));
  let condition = conds.length ? (conds.length === 1 ? conds[0]! : and(...conds)) : undefined;
  if (condition && allOpaque(condition)) {
    // nothing of it is expressed: no condition, and what it would have said is listed as missing
    for (const l of leaves(condition)) if (l.kind === 'opaque') missing.push({ text: l.text, reason: l.reason });
    condition = undefined;
  }
  // a threshold counts the events one run reads: those since `from` (Kibana's default now-6m), or since the
  // query's own time filter when it keeps fewer (an ES|QL `WHERE @timestamp > now() - 1 day`); a time bucket is
  // the window of its own
  if (aggregation?.threshold && !aggregation.bins) {
    const run = lookback(str(r.from) ?? 'now-6m');
    if (!aggregation.window || (windowMs(run) ?? Infinity) <= (windowMs(aggregation.window) ?? Infinity)) aggregation = { ...aggregation, window: run };
  }
  const logic = buildLogic({
    stages,
    ...(condition ? { condition } : {}),
    missing,
    ...(aggregation ? { aggregation } : {}),
    outputFields,
    parser: parsers.length ? parsers.join('; ') : `${language ?? type}: no query`,
    ...(notes.length ? { note: capitalize(notes.join('; ')) } : {}),
  });
  return { logic, diagnostics, ...(language ? { language } : {}), facts };
}

/** The span of a date-math `from` (`now-9m` → `9m`); anything else (rounding `now-1d/d`, a date) as written. */
function lookback(from: string): string {
  const rel = /^now-(\d+)([smhdw])$/.exec(from.trim());
  return rel ? `${rel[1]}${rel[2]}` : from;
}

function verbatim(query: string, language: string | undefined): Stage {
  return { kind: 'query', label: `${language ?? 'unknown language'} query`, text: query, detail: { language: QUERY_LANGUAGES[language ?? ''] ?? 'text' } };
}

function investigationFields(r: Table): string[] {
  const inv = r.investigation_fields;
  if (isTable(inv)) return list(inv.field_names).map(tomlText);
  return list(inv).map(tomlText);
}

function capitalize(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}
