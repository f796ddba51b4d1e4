/**
 * Elastic detection-rules adapter: rules/ and rules_building_block/ ([metadata] + [rule]) and hunting/ ([hunt])
 * read with smol-toml; the query kept verbatim (EQL, KQL, ES|QL, Lucene are not parsed yet: completeness none).
 * Threshold and new-terms settings are recorded (aggregation threshold, output fields).
 */
import { parse as parseToml, TomlError } from 'smol-toml';
import { buildLogic } from '../../model/lowering.ts';
import { GeneralDiagnostics, type Diagnostic } from '../../model/diagnostics.ts';
import { ELASTIC_HIGHLIGHT } from './highlightFacts.ts';
import { normalizeSeverity, normalizeStatus, slugify, TECHNIQUE_ID, type Kind } from '../../model/facts.ts';
import type { Aggregation, DeclaredAttack, LogSource, OutputField, RuleRecord, Stage } from '../../model/rule.ts';
import type { FileResult, FormatAdapter, SourceInfo } from '../adapter.ts';
import { ruleSource } from '../record.ts';
import { readSourceText } from '../io.ts';
import { ELA_CODES, ElasticDiagnostics } from './diagnostics.ts';
import { HUNTING_ROOT, QUERY_LANGUAGES, RULE_ROOTS, TAG_HIGHER_ORDER, TAG_PROMOTION } from './facts.ts';

type Table = Record<string, unknown>;

export const elasticAdapter: FormatAdapter<undefined> = {
  format: 'elastic',
  detect: { markers: [['rules', 'rules_building_block'], ['detection_rules']], folderNames: ['elastic', 'detection-rules'] },
  highlight: ELASTIC_HIGHLIGHT,
  fingerprint: { packages: ['smol-toml'] },
  diagnosticCodes: [ELA_CODES],
  parserName: 'TOML via smol-toml; EQL / KQL / ES|QL not parsed yet',
  async parseFile(root, path, _prep, source) {
    const isRule = RULE_ROOTS.some((r) => path.startsWith(r)) || path.startsWith(HUNTING_ROOT);
    if (!isRule || !path.endsWith('.toml')) {
      return { path, outcome: 'skipped', reason: path.endsWith('.md') ? 'documentation (generated from the TOML)' : 'not a rule TOML (tooling, configuration or docs)', rules: [], diagnostics: [] };
    }
    const read = await readSourceText(root, path);
    if (!read.ok) return { path, outcome: 'error', rules: [], diagnostics: [read.diagnostic] };
    return parseElasticText(path, read.text, source);
  },
};

/** Parse one detection-rules TOML file (exported for tests). */
export function parseElasticText(path: string, text: string, source: SourceInfo): FileResult {
  let t: Table;
  try {
    t = parseToml(text) as Table;
  } catch (e) {
    const at = e instanceof TomlError ? { line: e.line, column: e.column } : undefined;
    const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    return { path, outcome: 'error', rules: [], diagnostics: [GeneralDiagnostics.syntax(path, 'TOML', msg, at)] };
  }
  if (isTable(t.hunt)) return { path, outcome: 'parsed', rules: [huntRecord(path, text, t.hunt, source)], diagnostics: [] };
  if (!isTable(t.rule)) return { path, outcome: 'error', rules: [], diagnostics: [ElasticDiagnostics.noRuleTable(path)] };
  const r = t.rule;
  const meta = isTable(t.metadata) ? t.metadata : {};
  const diagnostics: Diagnostic[] = [];
  const name = str(r.name);
  if (!name) diagnostics.push(GeneralDiagnostics.missingField(path, 'rule.name'));
  const type = str(r.type) ?? 'query';
  const query = str(r.query);
  if (!query && type !== 'machine_learning') diagnostics.push(ElasticDiagnostics.noQuery(path));
  const tags = list(r.tags).map(String);
  const { kind, kindReason } = classify(path, r, meta, tags);
  const language = str(r.language);
  const qlang = QUERY_LANGUAGES[language ?? ''] ?? (type === 'esql' ? 'esql' : 'text');

  const stages: Stage[] = [];
  if (query) stages.push({ kind: type === 'eql' && query.trimStart().startsWith('sequence') ? 'sequence' : 'query', label: `${language ?? type} query`, text: query, detail: { language: qlang } });
  const outputFields: OutputField[] = [];
  let aggregation: Aggregation | undefined;
  if (isTable(r.threshold)) {
    const th = r.threshold;
    const groupBy = list(th.field).map(String).filter((f) => f);
    const value = typeof th.value === 'number' ? th.value : Number(th.value);
    const card = list(th.cardinality).filter(isTable);
    aggregation = {
      function: card.length ? `cardinality(${card.map((c) => String(c.field)).join(', ')})` : 'count',
      groupBy,
      ...(Number.isFinite(value) ? { threshold: { op: 'ge' as const, value } } : {}),
      text: `threshold: ${groupBy.length ? `by ${groupBy.join(', ')} ` : ''}count >= ${String(th.value)}`,
    };
    for (const f of groupBy) outputFields.push({ name: f, source: 'threshold.field' });
    stages.push({ kind: 'aggregate', label: 'threshold', text: aggregation.text! });
  }
  if (isTable(r.new_terms)) {
    for (const f of list(r.new_terms.value).map(String)) outputFields.push({ name: f, source: 'new_terms.fields' });
    stages.push({ kind: 'aggregate', label: 'new_terms', text: `new terms of ${list(r.new_terms.value).join(', ')} over ${list(r.new_terms.history_window_start).map((h) => (isTable(h) ? String(h.value) : String(h))).join(', ')}` });
  }
  const logSources: LogSource[] = [
    ...list(r.index).map((i) => ({ kind: 'index', name: String(i) })),
    ...list(meta.integration).map((i) => ({ kind: 'integration', name: String(i) })),
  ];
  const severityNative = str(r.severity);
  const statusNative = str(meta.maturity);
  const slug = slugify(path.split('/').pop()!.replace(/\.toml$/, ''));
  const rule: RuleRecord = {
    id: `elastic/${slug}`,
    format: 'elastic',
    ...(str(r.rule_id) ? { nativeId: str(r.rule_id)! } : {}),
    nativeType: type,
    source: sourceOf(path, source),
    title: name ?? slug,
    ...(str(r.description) ? { description: str(r.description)! } : {}),
    references: list(r.references).map(String),
    ...(str(r.note) ? { runbook: str(r.note)! } : {}),
    falsePositives: list(r.false_positives).map(String),
    ...(list(r.author).length ? { author: list(r.author).map(String).join(', ') } : {}),
    ...(str(meta.creation_date) ? { created: str(meta.creation_date)! } : {}),
    ...(str(meta.updated_date) ? { modified: str(meta.updated_date)! } : {}),
    ...(r.version !== undefined ? { version: String(r.version) } : {}),
    tags,
    ...(severityNative && normalizeSeverity(severityNative) ? { severity: normalizeSeverity(severityNative)! } : {}),
    ...(severityNative ? { severityNative } : {}),
    status: normalizeStatus(statusNative),
    ...(statusNative ? { statusNative } : {}),
    ...(typeof r.enabled === 'boolean' ? { enabled: r.enabled } : {}),
    kind,
    kindReason,
    logSources,
    attackDeclared: declaredAttack(r.threat),
    attack: [],
    body: [{ path, language: 'toml', text }],
    logic: buildLogic({ stages, ...(aggregation ? { aggregation } : {}), outputFields, parser: `${language ?? type} not parsed yet`, note: `logic not parsed yet for ${language ?? type}` }),
    tests: [],
    diagnostics,
    facts: {
      type,
      ...(language ? { language } : {}),
      ...(typeof r.risk_score === 'number' ? { risk_score: r.risk_score } : {}),
      ...(str(r.from) ? { from: str(r.from) } : {}),
      ...(str(r.interval) ? { interval: str(r.interval) } : {}),
      ...(typeof r.max_signals === 'number' ? { max_signals: r.max_signals } : {}),
      ...(str(r.building_block_type) ? { building_block_type: str(r.building_block_type) } : {}),
      ...(list(r.machine_learning_job_id).length ? { machine_learning_job_id: list(r.machine_learning_job_id).map(String) } : {}),
      ...(typeof r.anomaly_threshold === 'number' ? { anomaly_threshold: r.anomaly_threshold } : {}),
      ...(str(r.timestamp_override) ? { timestamp_override: str(r.timestamp_override) } : {}),
    },
  };
  return { path, outcome: 'parsed', rules: [rule], diagnostics };
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

function classify(path: string, r: Table, meta: Table, tags: readonly string[]): { kind: Kind; kindReason: string } {
  if (str(meta.maturity) === 'deprecated' || path.split('/').includes('_deprecated')) return { kind: 'deprecated', kindReason: 'maturity = "deprecated" (or in rules/_deprecated)' };
  if (str(r.building_block_type)) return { kind: 'building_block', kindReason: 'building_block_type is set: its alerts are hidden and feed other rules' };
  if (tags.includes(TAG_PROMOTION)) return { kind: 'alert_feed', kindReason: `tag "${TAG_PROMOTION}": promotes another product's alerts` };
  if (tags.includes(TAG_HIGHER_ORDER)) return { kind: 'correlation', kindReason: `tag "${TAG_HIGHER_ORDER}": alerts on other rules' alerts` };
  return { kind: 'detection', kindReason: `Elastic ${str(r.type) ?? 'query'} rule` };
}

function huntRecord(path: string, text: string, h: Table, source: SourceInfo): RuleRecord {
  const name = str(h.name);
  const slug = slugify(path.split('/').pop()!.replace(/\.toml$/, ''));
  const langs = list(h.language).map(String);
  const stages: Stage[] = list(h.query).map((q, i) => ({ kind: 'query' as const, label: `query ${i + 1}`, text: String(q), detail: { language: langs[0] === 'ES|QL' ? 'esql' : (langs[0] ?? 'text').toLowerCase() } }));
  return {
    id: `elastic/${slug}`,
    format: 'elastic',
    ...(str(h.uuid) ? { nativeId: str(h.uuid)! } : {}),
    nativeType: 'hunt',
    source: sourceOf(path, source),
    title: name ?? slug,
    ...(str(h.description) ? { description: str(h.description)! } : {}),
    references: list(h.references).map(String),
    ...(list(h.notes).length ? { runbook: list(h.notes).map((n) => `- ${String(n)}`).join('\n') } : {}),
    falsePositives: [],
    ...(str(h.author) ? { author: str(h.author)! } : {}),
    tags: [],
    status: 'unknown',
    kind: 'hunting',
    kindReason: 'Elastic hunting query ([hunt]): run by an analyst, raises no alert',
    logSources: list(h.integration).map((i) => ({ kind: 'integration', name: String(i) })),
    attackDeclared: list(h.mitre).map((m) => String(m)).map((m) => ({ text: m, ...(TECHNIQUE_ID.test(m) ? { techniqueId: m } : {}) })),
    attack: [],
    body: [{ path, language: 'toml', text }],
    logic: buildLogic({ stages, parser: `${langs.join(', ') || 'query'} not parsed yet`, note: `logic not parsed yet for ${langs.join(', ') || 'Elastic hunting queries'}` }),
    tests: [],
    diagnostics: [],
    facts: { language: langs },
  };
}

function sourceOf(path: string, source: SourceInfo): RuleRecord['source'] {
  return ruleSource(source, path);
}
function isTable(v: unknown): v is Table {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}
function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() ? v : undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v !== null && typeof v === 'object' && 'toISOString' in v && typeof (v as { toISOString: unknown }).toISOString === 'function') return String(v);
  return undefined;
}
function list(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === undefined || v === null) return [];
  return [v];
}
