/**
 * Sublime MQL adapter: metadata from the YAML with `yaml`, the MQL `source` parsed with our peggy grammar
 * (`mql.peggy`) and lowered into the model (`lower.ts`). Sublime's `attack_types`, `tactics_and_techniques` and
 * `detection_methods` are its own taxonomy, not ATT&CK: kept in facts, no ATT&CK entry is invented.
 */
import { isScalar, type Scalar } from 'yaml';
import { lineColAt } from '../../model/span.ts';
import { loadYaml, yamlScalarMap } from '../yaml.ts';
import { ruleRecord, ruleSource } from '../record.ts';
import { GeneralDiagnostics, type Diagnostic } from '../../model/diagnostics.ts';
import { normalizeSeverity, normalizeStatus, slugify } from '../../model/facts.ts';
import type { Stage } from '../../model/rule.ts';
import type { FileResult, FormatAdapter, SourceInfo } from '../adapter.ts';
import { readSourceText } from '../io.ts';
import { MqlDiagnostics } from './diagnostics.ts';
import { AUTOMATION_KEYS, kindOf, MQL_LOG_SOURCE, MQL_NOTES } from './facts.ts';
import { lowerMql, type MqlLowering } from './lower.ts';
import { parseMql } from './parser.ts';
import { MQL_HIGHLIGHT } from './highlightFacts.ts';
import { MQL_CODES } from './diagnostics.ts';
import { MQL_SNIFF } from './sniff.ts';

export const MQL_PARSER_NAME = 'MQL via our peggy grammar (Sublime Message Query Language)';

export const mqlAdapter: FormatAdapter<null> = {
  format: 'mql',
  detect: { markers: [['detection-rules', 'insights']], folderNames: ['sublime', 'sublime-rules'], sniff: MQL_SNIFF },
  highlight: MQL_HIGHLIGHT,
  build: { splittable: true },
  fingerprint: { packages: ['yaml', 'peggy'] },
  diagnosticCodes: [MQL_CODES],
  parserName: MQL_PARSER_NAME,
  async prepare() {
    return null;
  },
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
  if (m.source === undefined && m.name === undefined) {
    // YAML of another kind beside the rules (a Sigma rule in a repository of both, a configuration)
    const reason = m.detection !== undefined && m.logsource !== undefined ? 'a Sigma rule (logsource and detection), not a Sublime rule' : 'YAML without name or source: not a Sublime rule';
    return { path, outcome: 'skipped', reason, rules: [], diagnostics: [] };
  }
  const diagnostics: Diagnostic[] = [];
  const name = str(m.name);
  if (!name) diagnostics.push(GeneralDiagnostics.missingField(path, 'name'));
  const mql = str(m.source);
  if (!mql) diagnostics.push(MqlDiagnostics.noSource(path));
  const type = str(m.type) ?? '';
  const { kind, reason } = kindOf(type, path.split('/')[0]!);
  const automation = Object.fromEntries(AUTOMATION_KEYS.filter((k) => m[k] !== undefined).map((k) => [k, m[k]]));
  const severityNative = str(m.severity);
  const slug = slugify(path.split('/').pop()!.replace(/\.ya?ml$/, ''));
  const low = mql ? lowerSource(path, text, loaded.yaml.doc.get('source', true), mql) : undefined;
  if (low) diagnostics.push(...low.diagnostics);
  const stages: Stage[] = low?.stages.length ? [...low.stages] : mql ? [{ kind: 'filter', label: 'source', text: mql, detail: { language: 'mql' } }] : [];
  const statusNative = str(m.maturity) ?? str(m.status);
  const rule = ruleRecord({
    id: `mql/${slug}`,
    format: 'mql',
    nativeId: str(m.id),
    nativeType: type,
    source: ruleSource(source, path),
    title: name ?? slug,
    description: str(m.description),
    references: list(m.references).map(String),
    falsePositives: list(m.false_positives).map(String),
    author: list(m.authors).length ? list(m.authors).map((a) => (a && typeof a === 'object' ? String((a as Record<string, unknown>).name ?? (a as Record<string, unknown>).twitter ?? JSON.stringify(a)) : String(a))).join(', ') : undefined,
    tags: list(m.tags).map(String),
    severity: severityNative ? normalizeSeverity(severityNative) : undefined,
    severityNative,
    status: normalizeStatus(statusNative),
    statusNative,
    kind,
    kindReason: reason,
    logSources: [MQL_LOG_SOURCE],
    body: [{ path, language: 'yaml', text }],
    logic: {
      stages,
      ...(low?.condition ? { condition: low.condition } : {}),
      missing: low?.missing ?? [],
      outputFields: low?.outputFields ?? [],
      parser: MQL_PARSER_NAME,
      ...(low?.condition ? {} : { note: mql ? 'the MQL did not parse (see diagnostics)' : 'the rule has no MQL source' }),
    },
    diagnostics,
    facts: {
      ...(type ? { type } : {}),
      ...(list(m.attack_types).length ? { attack_types: list(m.attack_types).map(String) } : {}),
      ...(list(m.tactics_and_techniques).length ? { tactics_and_techniques: list(m.tactics_and_techniques).map(String) } : {}),
      ...(list(m.detection_methods).length ? { detection_methods: list(m.detection_methods).map(String) } : {}),
      attack: MQL_NOTES.attack,
      output_fields: MQL_NOTES.output_fields,
      ...(kind === 'exclusion' ? { excludes: 'messages matching the condition', applies_to: MQL_NOTES.exclusion_scope } : {}),
      ...automation,
    },
  });
  return { path, outcome: 'parsed', rules: [rule], diagnostics };
}

/** Parse and lower the `source:` scalar; offsets mapped back into the YAML file for spans and diagnostics. */
function lowerSource(path: string, fileText: string, node: unknown, mql: string): MqlLowering | { diagnostics: Diagnostic[]; stages: []; missing: []; outputFields: []; condition?: undefined } {
  const map = isScalar(node) ? yamlScalarMap(path, fileText, node as Scalar) : undefined;
  const toFile = (o: number) => (map ? map.toHost(o) : o);
  const lineCol = (o: number) => {
    const lc = lineColAt(fileText, toFile(o));
    return { line: lc.line, column: lc.column };
  };
  const parsed = parseMql(mql);
  if (!parsed.ok) return { diagnostics: [MqlDiagnostics.syntax(path, parsed.message, lineCol(parsed.offset))], stages: [], missing: [], outputFields: [] };
  return lowerMql(parsed.value, { file: path, mql, toFile, lineCol });
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
