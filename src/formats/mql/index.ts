/**
 * Sublime MQL adapter: metadata from the YAML with `yaml`, the MQL `source` kept verbatim. MQL logic is not parsed
 * yet (completeness none). Sublime's `tactics_and_techniques` are its own taxonomy, not ATT&CK: kept in facts.
 */
import { loadYaml } from '../yaml.ts';
import { buildLogic } from '../../model/lowering.ts';
import { GeneralDiagnostics, type Diagnostic } from '../../model/diagnostics.ts';
import { MQL_HIGHLIGHT } from './highlightFacts.ts';
import { normalizeSeverity, normalizeStatus, slugify } from '../../model/facts.ts';
import type { RuleRecord, Stage } from '../../model/rule.ts';
import type { FileResult, FormatAdapter, SourceInfo } from '../adapter.ts';
import { ruleSource } from '../record.ts';
import { readSourceText } from '../io.ts';
import { MQL_CODES, MqlDiagnostics } from './diagnostics.ts';
import { kindOf, MQL_LOG_SOURCE } from './facts.ts';

export const mqlAdapter: FormatAdapter<undefined> = {
  format: 'mql',
  detect: { markers: [['detection-rules']], folderNames: ['sublime', 'sublime-rules'] },
  highlight: MQL_HIGHLIGHT,
  fingerprint: { packages: ['yaml'] },
  diagnosticCodes: [MQL_CODES],
  parserName: 'YAML metadata via yaml; MQL not parsed yet',
  async parseFile(root, path, _prep, source) {
    if (!(path.endsWith('.yml') || path.endsWith('.yaml'))) return { path, outcome: 'skipped', reason: path.endsWith('.md') ? 'documentation' : 'not a rule YAML (licence, assets)', rules: [], diagnostics: [] };
    if (path.startsWith('.github/')) return { path, outcome: 'skipped', reason: 'CI configuration', rules: [], diagnostics: [] };
    const read = await readSourceText(root, path);
    if (!read.ok) return { path, outcome: 'error', rules: [], diagnostics: [read.diagnostic] };
    return parseMqlText(path, read.text, source);
  },
};

/** Parse one Sublime rule YAML (exported for tests). */
export function parseMqlText(path: string, text: string, source: SourceInfo): FileResult {
  const loaded = loadYaml(path, text);
  if (!loaded.ok) return { path, outcome: 'error', rules: [], diagnostics: [loaded.diagnostic] };
  const y = loaded.yaml.value;
  if (y === null || typeof y !== 'object' || Array.isArray(y)) return { path, outcome: 'error', rules: [], diagnostics: [MqlDiagnostics.notMapping(path)] };
  const m = y as Record<string, unknown>;
  const diagnostics: Diagnostic[] = [];
  const name = str(m.name);
  if (!name) diagnostics.push(GeneralDiagnostics.missingField(path, 'name'));
  const mql = str(m.source);
  if (!mql) diagnostics.push(MqlDiagnostics.noSource(path));
  const type = str(m.type) ?? '';
  const { kind, reason } = kindOf(type, path.split('/')[0]!);
  const severityNative = str(m.severity);
  const slug = slugify(path.split('/').pop()!.replace(/\.ya?ml$/, ''));
  const stages: Stage[] = mql ? [{ kind: 'filter', label: 'source', text: mql, detail: { language: 'mql' } }] : [];
  const rule: RuleRecord = {
    id: `mql/${slug}`,
    format: 'mql',
    ...(str(m.id) ? { nativeId: str(m.id)! } : {}),
    ...(type ? { nativeType: type } : {}),
    source: ruleSource(source, path),
    title: name ?? slug,
    ...(str(m.description) ? { description: str(m.description)! } : {}),
    references: list(m.references).map(String),
    falsePositives: list(m.false_positives).map(String),
    ...(list(m.authors).length ? { author: list(m.authors).map((a) => (a && typeof a === 'object' ? String((a as Record<string, unknown>).name ?? (a as Record<string, unknown>).twitter ?? JSON.stringify(a)) : String(a))).join(', ') } : {}),
    tags: list(m.tags).map(String),
    ...(severityNative && normalizeSeverity(severityNative) ? { severity: normalizeSeverity(severityNative)! } : {}),
    ...(severityNative ? { severityNative } : {}),
    status: normalizeStatus(str(m.maturity) ?? str(m.status)),
    ...(str(m.maturity) ?? str(m.status) ? { statusNative: (str(m.maturity) ?? str(m.status))! } : {}),
    kind,
    kindReason: reason,
    logSources: [MQL_LOG_SOURCE],
    attackDeclared: [],
    attack: [],
    body: [{ path, language: 'yaml', text }],
    logic: buildLogic({ stages, parser: 'MQL not parsed yet', note: 'logic not parsed yet for MQL' }),
    tests: [],
    diagnostics,
    facts: {
      ...(type ? { type } : {}),
      ...(list(m.attack_types).length ? { attack_types: list(m.attack_types).map(String) } : {}),
      ...(list(m.tactics_and_techniques).length ? { tactics_and_techniques: list(m.tactics_and_techniques).map(String) } : {}),
      ...(list(m.detection_methods).length ? { detection_methods: list(m.detection_methods).map(String) } : {}),
    },
  };
  return { path, outcome: 'parsed', rules: [rule], diagnostics };
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() ? v : undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}
function list(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === undefined || v === null) return [];
  return [v];
}
