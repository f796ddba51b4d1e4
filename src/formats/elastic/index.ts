/**
 * Elastic rules adapter. TOML read with smol-toml, in every public Elastic layout:
 * - detection-rules: `[metadata]` + `[rule]` with `type` and `language` (rules/, rules_building_block/);
 * - hunting: `[hunt]` with a `query` list and a `language` list (hunting/); the Markdown page generated from each
 *   hunting TOML (`docs/<stem>.md`) is part of that rule's body, not a second rule;
 * - other Elastic repositories: a `[rule]` with a `query` and no `type` / `language` anywhere in the tree (the
 *   language is then found by trying each parser).
 * Queries are lowered by their language (languages.ts; EQL in eql/); rule types, filters and exceptions in logic.ts;
 * hunting in hunt.ts. Investigation guide (`note`) and `setup` make the runbook; required fields and related
 * integrations are facts.
 */
import { parse as parseToml, TomlError } from 'smol-toml';
import { GeneralDiagnostics, type Diagnostic } from '../../model/diagnostics.ts';
import { normalizeSeverity, normalizeStatus, slugify, TECHNIQUE_ID, type Kind } from '../../model/facts.ts';
import type { BodyFile, DeclaredAttack, LogSource, RuleRecord } from '../../model/rule.ts';
import type { FileResult, FormatAdapter, SourceInfo } from '../adapter.ts';
import { readSourceText } from '../io.ts';
import { ElasticDiagnostics } from './diagnostics.ts';
import { HUNTING_ROOT, RULE_ROOTS, TAG_HIGHER_ORDER, TAG_PROMOTION } from './facts.ts';
import { huntRecord } from './hunt.ts';
import { elasticHuntReadings } from './readings.ts';
import { ruleLogic } from './logic.ts';
import { isTable, list, sourceOf, str, text as tomlText, type Table } from './toml.ts';
import { ELASTIC_HIGHLIGHT } from './highlightFacts.ts';
import { ELA_CODES } from './diagnostics.ts';
import { EQL_CODES } from './eql/diagnostics.ts';
import { ESQL_CODES } from './esql/diagnostics.ts';
import { KUERY_CODES as EKQ_TABLE } from './kuery/diagnostics.ts';
import { LUCENE_CODES } from './lucene/diagnostics.ts';
import { ELASTIC_SNIFF } from './sniff.ts';

export const elasticAdapter: FormatAdapter<null> = {
  format: 'elastic',
  detect: { markers: [['rules', 'rules_building_block'], ['detection_rules']], folderNames: ['elastic', 'detection-rules'], sniff: ELASTIC_SNIFF },
  highlight: ELASTIC_HIGHLIGHT,
  build: { splittable: true },
  fingerprint: { packages: ['smol-toml', 'peggy'] },
  diagnosticCodes: [ELA_CODES, EQL_CODES, EKQ_TABLE, ESQL_CODES, LUCENE_CODES],
  huntReadings: elasticHuntReadings,
  parserName: 'TOML via smol-toml; EQL via the project\'s peggy grammar; Kibana filters as Query DSL',
  async prepare() {
    return null;
  },
  async parseFile(root, path, _prep, source) {
    const ruleFolder = RULE_ROOTS.some((r) => path.startsWith(r)) || path.startsWith(HUNTING_ROOT);
    if (path.endsWith('.md') && path.startsWith(HUNTING_ROOT) && path.includes('/docs/')) {
      return { path, outcome: 'skipped', reason: 'page generated from a hunting query TOML (docs/<stem>.md of queries/<stem>.toml): part of that rule\'s body, not a second rule', rules: [], diagnostics: [] };
    }
    if (!path.endsWith('.toml')) return { path, outcome: 'skipped', reason: path.endsWith('.md') ? 'documentation' : 'not a rule TOML (tooling, configuration or docs)', rules: [], diagnostics: [] };
    const read = await readSourceText(root, path);
    if (!read.ok) return { path, outcome: 'error', rules: [], diagnostics: [read.diagnostic] };
    const extra: BodyFile[] = [];
    const dependsOn: string[] = [];
    if (path.startsWith(HUNTING_ROOT) && path.includes('/queries/')) {
      const md = huntDocOf(path);
      const doc = await readSourceText(root, md);
      if (doc.ok) {
        extra.push({ path: md, language: 'markdown', text: doc.text });
        dependsOn.push(md);
      }
    }
    const res = parseElasticText(path, read.text, source, extra, ruleFolder);
    return dependsOn.length && res.outcome === 'parsed' ? { ...res, dependsOn } : res;
  },
};

/** `hunting/x/queries/a.toml` → `hunting/x/docs/a.md`. */
function huntDocOf(toml: string): string {
  return toml.replace('/queries/', '/docs/').replace(/\.toml$/, '.md');
}

/**
 * Parse one Elastic TOML file (exported for tests). `extraBody`: other files of the rule (a hunting page);
 * `ruleFolder`: the file is in a folder where every TOML must be a rule (else a TOML without a rule is skipped).
 */
export function parseElasticText(path: string, text: string, source: SourceInfo, extraBody: readonly BodyFile[] = [], ruleFolder = true): FileResult {
  let t: Table;
  try {
    t = parseToml(text) as Table;
  } catch (e) {
    const at = e instanceof TomlError ? { line: e.line, column: e.column } : undefined;
    const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    const diagnostic = GeneralDiagnostics.syntax(path, 'TOML', msg, at);
    if (!ruleFolder) return { path, outcome: 'skipped', reason: 'TOML outside the rule folders that does not parse: not read as a rule (see diagnostics)', rules: [], diagnostics: [diagnostic] };
    return { path, outcome: 'error', rules: [], diagnostics: [diagnostic] };
  }
  if (isTable(t.hunt)) {
    const { rule, diagnostics } = huntRecord(path, text, t.hunt, source, extraBody);
    return { path, outcome: 'parsed', rules: [rule], diagnostics };
  }
  if (!isTable(t.rule)) {
    if (!ruleFolder) return { path, outcome: 'skipped', reason: 'TOML without a [rule] or [hunt] table (tooling or configuration)', rules: [], diagnostics: [] };
    return { path, outcome: 'error', rules: [], diagnostics: [ElasticDiagnostics.noRuleTable(path)] };
  }
  const r = t.rule;
  const meta = isTable(t.metadata) ? t.metadata : {};
  const diagnostics: Diagnostic[] = [];
  const name = str(r.name);
  if (!name) diagnostics.push(GeneralDiagnostics.missingField(path, 'rule.name'));
  const type = str(r.type) ?? (str(r.language) === 'eql' ? 'eql' : str(r.language) === 'esql' ? 'esql' : 'query');
  const query = str(r.query);
  if (!query && type !== 'machine_learning') diagnostics.push(ElasticDiagnostics.noQuery(path));
  const tags = list(r.tags).map(tomlText);
  const { kind, kindReason } = classify(path, r, meta, tags, type);
  const built = ruleLogic(path, text, r, type);
  diagnostics.push(...built.diagnostics);
  const language = built.language;
  const logSources: LogSource[] = [
    ...list(r.index).map((i) => ({ kind: 'index', name: tomlText(i) })),
    ...list(meta.integration).map((i) => ({ kind: 'integration', name: tomlText(i) })),
  ];
  const severityNative = str(r.severity);
  const statusNative = str(meta.maturity);
  const slug = slugify(path.split('/').pop()!.replace(/\.toml$/, ''));
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
    attackDeclared: declaredAttack([...list(r.threat), ...list(t.threat)]),
    attack: [],
    body: [{ path, language: 'toml', text }, ...extraBody],
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
  return { path, outcome: 'parsed', rules: [rule], diagnostics };
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

