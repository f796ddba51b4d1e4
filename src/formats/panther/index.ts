/**
 * The Panther adapter (panther-analysis repositories). Every file ends as:
 * - parsed: a rule / scheduled_rule / policy / correlation_rule / scheduled_query / saved_query spec;
 * - support: a Python or SQL file a spec names (`Filename`), global helpers, data models, deprecated.txt;
 * - skipped (with the reason): packs, lookup tables, documentation, images, data, templates, tooling;
 * - error: a malformed spec (YAML syntax, not a mapping, no or unknown AnalysisType), with file:line.
 *
 * Files: prep.ts (repository index), record.ts (record assembly), spec.ts (metadata, kind), detection.ts (YAML
 * match expressions), sql.ts / sqlExpr.ts (queries), correlation.ts, tests.ts, diagnostics.ts (codes).
 */
import { GeneralDiagnostics } from '../../model/diagnostics.ts';
import { PANTHER_HIGHLIGHT } from './highlightFacts.ts';
import type { FileResult, FormatAdapter } from '../adapter.ts';
import { readSourceText } from '../io.ts';
import { PantherDiagnostics } from './diagnostics.ts';
import { resolvePantherField } from './keyPath.ts';
import { ANALYSIS_TYPES, CONTENT_DIRS, isAnalysisType, NON_RULE_REASONS, SKIPPED_DIRS } from './pantherFacts.ts';
import { isYamlPath, preparePanther, topDir, type PantherPrep } from './prep.ts';
import { buildRecord } from './record.ts';
import { isRecord, lineAt, parseYamlSpec } from './yamlDoc.ts';
import { PAN_CODES } from './diagnostics.ts';
import { PY_CODES } from './python/diagnostics.ts';
import { PANTHER_SNIFF } from './sniff.ts';

export type { PantherPrep } from './prep.ts';

export const pantherAdapter: FormatAdapter<PantherPrep> = {
  format: 'panther',
  detect: { markers: [['global_helpers'], ['data_models', 'rules']], folderNames: ['panther', 'panther-analysis'], sniff: PANTHER_SNIFF },
  highlight: PANTHER_HIGHLIGHT,
  fingerprint: { packages: ['yaml', 'web-tree-sitter', 'tree-sitter-python', 'node-sql-parser'] },
  diagnosticCodes: [PAN_CODES, PY_CODES],
  parserName: 'Panther YAML specs (yaml), Python via tree-sitter, Snowflake SQL via node-sql-parser',
  resolveField: resolvePantherField,
  async prepare(root, files) {
    return preparePanther(root, files);
  },
  sourceDiagnostics(prep) {
    return [...prep.diagnostics, ...prep.python.diagnostics];
  },
  async parseFile(root, path, prep, source): Promise<FileResult> {
    const skipped = (reason: string): FileResult => ({ path, outcome: 'skipped', reason, rules: [], diagnostics: [] });
    const support = (reason: string): FileResult => ({ path, outcome: 'support', reason, rules: [], diagnostics: [] });
    const top = topDir(path);
    const base = path.slice(path.lastIndexOf('/') + 1);
    const ext = base.includes('.') ? base.slice(base.lastIndexOf('.') + 1).toLowerCase() : '';
    const dirReason = SKIPPED_DIRS[top];
    if (dirReason) return skipped(dirReason);
    if (path === 'deprecated.txt') return support('list of retired detection IDs: rules named here are marked deprecated');
    const refs = prep.referenced.get(path);
    if (ext === 'py') {
      if (base.endsWith('_test.py')) return skipped('unit tests of the Python helpers, not used by rules');
      if (top === 'global_helpers') return support('global helper module: inlined into the rules that import it');
      if (top === 'data_models') return support('data model Python: methods behind event.udm()');
      if (refs?.length) return support(`Python body of ${refs.join(', ')}`);
      return skipped('Python file no spec names (tests or tooling)');
    }
    if (refs?.length && ext === 'sql') return support(`SQL body of ${refs.join(', ')}`);
    if (isYamlPath(path) && !base.startsWith('.')) return parseSpec(root, path, prep, source);
    if (base.startsWith('.') || top.startsWith('.')) return skipped('repository tooling / configuration');
    switch (ext) {
      case 'md':
      case 'rst':
        return skipped('documentation');
      case 'png':
      case 'jpg':
      case 'jpeg':
      case 'gif':
      case 'svg':
        return skipped('image');
      case 'json':
      case 'jsonl':
      case 'csv':
        return skipped('data file (test scenario, lookup content or index), not a detection');
      default:
        break;
    }
    if (/^(LICENSE|COPYING|NOTICE)/i.test(base)) return skipped('licence');
    if (ext === 'txt') return skipped('text file, not a detection');
    return skipped('not Panther analysis content (build or tooling file)');
  },
};

async function parseSpec(root: string, path: string, prep: PantherPrep, source: Parameters<FormatAdapter<PantherPrep>['parseFile']>[3]): Promise<FileResult> {
  const inContent = CONTENT_DIRS.has(path.slice(0, Math.max(0, path.indexOf('/'))));
  // a spec's parsed YAML (its document and every test log) is needed once, by its own file: dropped once taken, so
  // that a scan does not hold every spec of the repository until its end (asked again, it is read and parsed again)
  let cached = prep.specs.get(path);
  prep.specs.delete(path);
  if (!cached) {
    const r = await readSourceText(root, path);
    if (!r.ok) return { path, outcome: 'error', rules: [], diagnostics: [r.diagnostic] };
    cached = { text: r.text, parsed: parseYamlSpec(r.text) };
  }
  const { parsed } = cached;
  if (!parsed.ok) {
    const d = GeneralDiagnostics.syntax(path, 'YAML', parsed.error.message, { ...(parsed.error.line !== undefined ? { line: parsed.error.line } : {}), ...(parsed.error.column !== undefined ? { column: parsed.error.column } : {}) });
    return { path, outcome: 'error', rules: [], diagnostics: [d] };
  }
  const spec = parsed.spec;
  const notSpec = (): FileResult => ({ path, outcome: 'skipped', reason: 'YAML file that is not a Panther analysis spec', rules: [], diagnostics: [] });
  if (!isRecord(spec.value)) {
    if (!inContent) return notSpec();
    return { path, outcome: 'error', rules: [], diagnostics: [PantherDiagnostics.notMapping(path, { line: 1 })] };
  }
  const t = spec.value['AnalysisType'];
  if (t === undefined) {
    if (!inContent) return notSpec();
    return { path, outcome: 'error', rules: [], diagnostics: [PantherDiagnostics.noAnalysisType(path)] };
  }
  const type = typeof t === 'string' ? t.trim() : String(t);
  if (!isAnalysisType(type)) {
    const line = lineAt(spec, ['AnalysisType']);
    return { path, outcome: 'error', rules: [], diagnostics: [PantherDiagnostics.unknownAnalysisType(path, type, line === undefined ? undefined : { line })] };
  }
  const role = ANALYSIS_TYPES[type];
  if (role === 'support' || role === 'skipped') {
    const reason = NON_RULE_REASONS[type as keyof typeof NON_RULE_REASONS];
    return { path, outcome: role, reason, rules: [], diagnostics: [] };
  }
  const { record, dependsOn } = await buildRecord(root, path, spec, type, prep, source);
  return { path, outcome: 'parsed', rules: [record], diagnostics: record.diagnostics, ...(dependsOn.length ? { dependsOn } : {}) };
}
