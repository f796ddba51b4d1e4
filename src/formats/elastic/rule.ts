/**
 * An Elastic rule record from its rule object: the `[rule]` table of detection-rules' TOML (with its `[metadata]`),
 * or the same object as Kibana exports it and its API takes it (JSON, `json.ts`).
 */
import { GeneralDiagnostics, type Diagnostic } from '../../model/diagnostics.ts';
import { normalizeSeverity, normalizeStatus, TECHNIQUE_ID, type Kind } from '../../model/facts.ts';
import type { BodyFile, DeclaredAttack, LogSource, RuleRecord } from '../../model/rule.ts';
import type { SourceInfo } from '../adapter.ts';
import { ElasticDiagnostics } from './diagnostics.ts';
import { TAG_HIGHER_ORDER, TAG_PROMOTION } from './facts.ts';
import { ruleLogic } from './logic.ts';
import { isTable, list, sourceOf, str, text as tomlText, type Table } from './toml.ts';

/** Where a rule's object sits in its file, beside the object itself. */
export interface ElasticRuleHost {
  /** The rule's id within the source (`elastic/<id>`): its file's stem, or its name in a file of several. */
  readonly id: string;
  /** `[[threat]]` blocks outside `[rule]` (older TOML files). */
  readonly threat?: readonly unknown[];
  readonly body: readonly BodyFile[];
  /** Offset of the rule's text in `text` (one line of an NDJSON export). */
  readonly from?: number;
  /** The file offset of each offset into the rule's query, when the file holds it escaped (JSON). */
  readonly queryToHost?: (offset: number) => number;
}

/**
 * A rule from its `[rule]` table (TOML) or the same object as Kibana exports and its API takes (JSON), with the
 * `[metadata]` table of the TOML file (`{}` for JSON). `text`: the whole file, where the query is looked for.
 */
export function elasticRule(path: string, text: string, r: Table, meta: Table, source: SourceInfo, host: ElasticRuleHost): { rule: RuleRecord; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const name = str(r.name);
  if (!name) diagnostics.push(GeneralDiagnostics.missingField(path, 'rule.name'));
  const type = str(r.type) ?? (str(r.language) === 'eql' ? 'eql' : str(r.language) === 'esql' ? 'esql' : 'query');
  const query = str(r.query);
  if (!query && type !== 'machine_learning') diagnostics.push(ElasticDiagnostics.noQuery(path));
  const tags = list(r.tags).map(tomlText);
  const { kind, kindReason } = classify(path, r, meta, tags, type);
  const built = ruleLogic(path, text, r, type, { ...(host.from !== undefined ? { from: host.from } : {}), ...(host.queryToHost ? { queryToHost: host.queryToHost } : {}) });
  diagnostics.push(...built.diagnostics);
  const language = built.language;
  const logSources: LogSource[] = [
    ...list(r.index).map((i) => ({ kind: 'index', name: tomlText(i) })),
    ...list(meta.integration).map((i) => ({ kind: 'integration', name: tomlText(i) })),
  ];
  const severityNative = str(r.severity);
  const statusNative = str(meta.maturity);
  const slug = host.id;
  const setup = str(r.setup)?.trim();
  const runbook = [str(r.note), setup ? (setup.startsWith('#') ? setup : `## Setup\n\n${setup}`) : undefined].filter((x): x is string => x !== undefined).join('\n\n');
  const rule: RuleRecord = {
    id: `elastic/${slug}`,
    format: 'elastic',
    ...(str(r.rule_id) ?? str(r.id) ? { nativeId: (str(r.rule_id) ?? str(r.id))! } : {}),
    // a rule that names no type (other Elastic repositories) takes the language its query was found to be in
    nativeType: str(r.type) ?? built.language ?? type,
    source: sourceOf(path, source),
    title: name ?? slug,
    ...(str(r.description) ? { description: str(r.description)! } : {}),
    references: list(r.references ?? r.reference).map(tomlText),
    ...(runbook ? { runbook } : {}),
    falsePositives: list(r.false_positives).map(tomlText),
    ...(list(r.author).length ? { author: list(r.author).map(tomlText).join(', ') } : {}),
    ...(str(meta.creation_date) ? { created: str(meta.creation_date)! } : {}),
    ...(str(meta.updated_date) ? { modified: str(meta.updated_date)! } : {}),
    ...(r.version !== undefined ? { version: tomlText(r.version) } : {}),
    tags,
    ...(severityNative && normalizeSeverity(severityNative) ? { severity: normalizeSeverity(severityNative)! } : {}),
    ...(severityNative ? { severityNative } : {}),
    status: normalizeStatus(statusNative),
    ...(statusNative ? { statusNative } : {}),
    ...(typeof r.enabled === 'boolean' ? { enabled: r.enabled } : {}),
    kind,
    kindReason,
    logSources,
    attackDeclared: declaredAttack([...list(r.threat), ...(host.threat ?? [])]),
    attack: [],
    body: host.body,
    logic: built.logic,
    tests: [],
    diagnostics,
    facts: {
      type,
      ...(language ? { language } : {}),
      ...built.facts,
      ...(typeof r.risk_score === 'number' ? { risk_score: r.risk_score } : {}),
      ...(str(r.from) ? { from: str(r.from) } : {}),
      ...(str(r.interval) ? { interval: str(r.interval) } : {}),
      ...(typeof r.max_signals === 'number' ? { max_signals: r.max_signals } : {}),
      ...(str(r.building_block_type) ? { building_block_type: str(r.building_block_type) } : {}),
      ...(list(r.machine_learning_job_id).length ? { machine_learning_job_id: list(r.machine_learning_job_id).map(tomlText) } : {}),
      ...(typeof r.anomaly_threshold === 'number' ? { anomaly_threshold: r.anomaly_threshold } : {}),
      ...(str(r.timestamp_override) ? { timestamp_override: str(r.timestamp_override) } : {}),
      ...(list(r.os_list).length ? { os_list: list(r.os_list).map(tomlText) } : {}),
      ...(str(r.event_category_override) ? { event_category_override: str(r.event_category_override) } : {}),
      ...(list(r.threat_index).length ? { threat_index: list(r.threat_index).map(tomlText) } : {}),
      ...requiredFieldsFacts(r, meta),
      ...(isTable(r.alert_suppression) ? { alert_suppression: r.alert_suppression } : {}),
    },
  };
  return { rule, diagnostics };
}

/** Required fields (`name (type)`, ECS or not) and related integrations (`package/integration version`), as facts. */
function requiredFieldsFacts(r: Table, meta: Table): Record<string, string> {
  const out: Record<string, string> = {};
  const req = list(r.required_fields ?? meta.required_fields).filter(isTable);
  if (req.length) out.required_fields = req.map((f) => `${tomlText(f.name)}${f.type ? ` (${tomlText(f.type)}${f.ecs === false ? ', non-ECS' : ''})` : ''}`).join(', ');
  const rel = list(r.related_integrations ?? meta.related_integrations).filter(isTable);
  if (rel.length) out.related_integrations = rel.map((i) => `${tomlText(i.package)}${i.integration ? `/${tomlText(i.integration)}` : ''}${i.version ? ` ${tomlText(i.version)}` : ''}`).join(', ');
  return out;
}

/** `[[rule.threat]]` blocks: every technique and sub-technique with the block's tactic; a block without techniques declares its tactic alone. */
function declaredAttack(threat: unknown): DeclaredAttack[] {
  const out: DeclaredAttack[] = [];
  for (const block of list(threat).filter(isTable)) {
    const tactic = isTable(block.tactic) ? str(block.tactic.id) ?? str(block.tactic.name) : undefined;
    const techniques = list(block.technique).filter(isTable);
    if (!techniques.length && tactic) out.push({ text: tactic, tactic });
    for (const t of techniques) {
      const entries = [t, ...list(t.subtechnique).filter(isTable)];
      for (const e of entries) {
        const id = str(e.id);
        const text = `${tactic ? `${tactic}:` : ''}${id ?? str(e.name) ?? '?'}`;
        out.push({ text, ...(id && TECHNIQUE_ID.test(id) ? { techniqueId: id } : {}), ...(tactic ? { tactic } : {}) });
      }
    }
  }
  return out;
}

function classify(path: string, r: Table, meta: Table, tags: readonly string[], type: string): { kind: Kind; kindReason: string } {
  if (str(meta.maturity) === 'deprecated' || path.split('/').includes('_deprecated')) return { kind: 'deprecated', kindReason: 'maturity = "deprecated" (or in rules/_deprecated)' };
  if (str(r.building_block_type)) return { kind: 'building_block', kindReason: 'building_block_type is set: its alerts are hidden and feed other rules' };
  if (tags.includes(TAG_PROMOTION)) return { kind: 'alert_feed', kindReason: `tag "${TAG_PROMOTION}": promotes another product's alerts` };
  if (tags.includes(TAG_HIGHER_ORDER)) return { kind: 'correlation', kindReason: `tag "${TAG_HIGHER_ORDER}": alerts on other rules' alerts` };
  if (type === 'machine_learning') {
    const jobs = list(r.machine_learning_job_id).map(tomlText).join(', ');
    return { kind: 'detection', kindReason: `Elastic machine_learning rule: alerts when the anomaly detection job ${jobs || '(none named)'} scores an anomaly at or above ${typeof r.anomaly_threshold === 'number' ? r.anomaly_threshold : 'the anomaly threshold'}; no query` };
  }
  if (type === 'threat_match') return { kind: 'detection', kindReason: `Elastic threat_match (indicator match) rule: events matched against the indicators of ${list(r.threat_index).map(tomlText).join(', ') || 'a threat index'}` };
  return { kind: 'detection', kindReason: `Elastic ${type} rule` };
}
