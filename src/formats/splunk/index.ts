/**
 * Splunk security_content adapter (detections/, baselines/): metadata from the YAML with `yaml`, the SPL kept
 * verbatim. SPL logic is not parsed yet (completeness none).
 */
import { loadYaml } from '../yaml.ts';
import { GeneralDiagnostics, type Diagnostic } from '../../model/diagnostics.ts';
import { SPLUNK_HIGHLIGHT } from './highlightFacts.ts';
import { buildLogic } from '../../model/lowering.ts';
import { normalizeSeverity, normalizeStatus, slugify, TECHNIQUE_ID, type Kind } from '../../model/facts.ts';
import type { DeclaredAttack, LogSource, RuleRecord, Stage } from '../../model/rule.ts';
import type { FileResult, FormatAdapter, SourceInfo } from '../adapter.ts';
import { ruleSource } from '../record.ts';
import { readSourceText } from '../io.ts';
import { SPL_CODES, SplunkDiagnostics } from './diagnostics.ts';
import { FOLDER_FACTS, TYPE_KINDS } from './facts.ts';

const NOTE = 'logic not parsed yet for SPL';

export const splunkAdapter: FormatAdapter<undefined> = {
  format: 'splunk',
  detect: { markers: [['detections', 'macros']], folderNames: ['splunk', 'security_content'] },
  highlight: SPLUNK_HIGHLIGHT,
  fingerprint: { packages: ['yaml'] },
  diagnosticCodes: [SPL_CODES],
  parserName: 'YAML metadata via yaml; SPL not parsed yet',
  async parseFile(root, path, _prep, source) {
    const top = path.split('/')[0]!;
    const folder = FOLDER_FACTS[top];
    const isYaml = path.endsWith('.yml') || path.endsWith('.yaml');
    if (!folder || !isYaml) return skipped(path, folder?.reason ?? 'not a detection or baseline YAML file');
    if (folder.role === 'skip') return skipped(path, folder.reason ?? 'not a rule');
    const read = await readSourceText(root, path);
    if (!read.ok) return { path, outcome: 'error', rules: [], diagnostics: [read.diagnostic] };
    return parseSplunkText(path, read.text, source, folder.role === 'baseline');
  },
};

function skipped(path: string, reason: string): FileResult {
  return { path, outcome: 'skipped', reason, rules: [], diagnostics: [] };
}

/** Parse one detection / baseline YAML into a record (exported for tests). */
export function parseSplunkText(path: string, text: string, source: SourceInfo, baseline = false): FileResult {
  const loaded = loadYaml(path, text);
  if (!loaded.ok) return { path, outcome: 'error', rules: [], diagnostics: [loaded.diagnostic] };
  const y = loaded.yaml.value;
  if (!isMap(y)) return { path, outcome: 'error', rules: [], diagnostics: [SplunkDiagnostics.notMapping(path)] };
  const diagnostics: Diagnostic[] = [];
  const name = str(y.name);
  if (!name) diagnostics.push(GeneralDiagnostics.missingField(path, 'name'));
  const search = str(y.search);
  if (!search) diagnostics.push(SplunkDiagnostics.noSearch(path));
  const tags = isMap(y.tags) ? y.tags : {};
  const typeNative = str(y.type) ?? (baseline ? 'Baseline' : undefined);
  const statusNative = str(y.status);
  const { kind, kindReason } = classify(path, typeNative, statusNative, baseline);

  const attackDeclared: DeclaredAttack[] = [];
  for (const t of list(tags.mitre_attack_id)) {
    const id = String(t).trim();
    if (TECHNIQUE_ID.test(id)) attackDeclared.push({ text: id, techniqueId: id });
    else {
      attackDeclared.push({ text: id });
      diagnostics.push(SplunkDiagnostics.badTechnique(path, id));
    }
  }
  const logSources: LogSource[] = list(y.data_source).map((d) => ({ kind: 'data_source', name: String(d) }));
  const scores = isMap(y.rba) ? list(y.rba.risk_objects).flatMap((o) => (isMap(o) && typeof o.score === 'number' ? [o.score] : [])) : [];
  const risk = scores.length ? Math.max(...scores) : undefined;
  const stages: Stage[] = search ? [{ kind: 'query', label: 'search', text: search }] : [];
  const slug = slugify(path.split('/').pop()!.replace(/\.ya?ml$/, ''));
  const rule: RuleRecord = {
    id: `splunk/${slug}`,
    format: 'splunk',
    ...(str(y.id) ? { nativeId: str(y.id)! } : {}),
    ...(typeNative ? { nativeType: typeNative } : {}),
    source: ruleSource(source, path),
    title: name ?? slug,
    ...(str(y.description) ? { description: str(y.description)! } : {}),
    references: list(y.references).map(String),
    ...(str(y.how_to_implement) ? { runbook: str(y.how_to_implement)! } : {}),
    falsePositives: str(y.known_false_positives) ? [str(y.known_false_positives)!] : [],
    ...(str(y.author) ? { author: str(y.author)! } : {}),
    ...(str(y.date) ? { created: str(y.date)! } : {}),
    ...(y.version !== undefined ? { version: String(y.version) } : {}),
    tags: list(tags.analytic_story).map((s) => `analytic_story:${String(s)}`),
    ...(risk !== undefined ? { severity: normalizeSeverity(risk)!, severityNative: `risk score ${risk}` } : {}),
    status: normalizeStatus(statusNative),
    ...(statusNative ? { statusNative } : {}),
    kind,
    kindReason,
    logSources,
    attackDeclared,
    attack: [],
    body: [{ path, language: 'yaml', text }],
    logic: buildLogic({ stages, parser: 'SPL not parsed yet', note: NOTE }),
    tests: [],
    diagnostics,
    facts: {
      ...(typeNative ? { type: typeNative } : {}),
      ...(risk !== undefined ? { risk_score: risk } : {}),
      ...(list(tags.cve).length ? { cve: list(tags.cve).map(String) } : {}),
      ...(str(tags.security_domain) ? { security_domain: str(tags.security_domain) } : {}),
      ...(Array.isArray(y.tests) ? { attack_data_tests: y.tests.length } : {}),
    },
  };
  return { path, outcome: 'parsed', rules: [rule], diagnostics };
}

function classify(path: string, type: string | undefined, status: string | undefined, baseline: boolean): { kind: Kind; kindReason: string } {
  if (status?.toLowerCase() === 'deprecated' || path.split('/').includes('deprecated')) return { kind: 'deprecated', kindReason: 'status deprecated (or in a deprecated/ folder)' };
  const t = TYPE_KINDS[(type ?? (baseline ? 'baseline' : '')).toLowerCase()];
  if (t) return { kind: t.kind, kindReason: t.reason };
  return { kind: 'detection', kindReason: `Splunk type ${type ?? '(none)'}: treated as a detection` };
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() ? v : undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return undefined;
}
function list(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === undefined || v === null) return [];
  return [v];
}
