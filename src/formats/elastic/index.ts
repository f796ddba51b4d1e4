/**
 * Elastic rules adapter. TOML read with smol-toml, in every public Elastic layout:
 * - detection-rules: `[metadata]` + `[rule]` with `type` and `language` (rules/, rules_building_block/);
 * - hunting: `[hunt]` with a `query` list and a `language` list (hunting/); the Markdown page generated from each
 *   hunting TOML (`docs/<stem>.md`) is part of that rule's body, not a second rule;
 * - other Elastic repositories: a `[rule]` with a `query` and no `type` / `language` anywhere in the tree (the
 *   language is then found by trying each parser);
 * - Kibana's export of rules (`.ndjson`) and the detection engine API's rule objects (`.json`): `json.ts`.
 * Queries are lowered by their language (languages.ts; EQL in eql/); rule types, filters and exceptions in logic.ts;
 * hunting in hunt.ts. Investigation guide (`note`) and `setup` make the runbook; required fields and related
 * integrations are facts.
 */
import { parse as parseToml, TomlError } from 'smol-toml';
import { GeneralDiagnostics } from '../../model/diagnostics.ts';
import { slugify } from '../../model/facts.ts';
import type { BodyFile } from '../../model/rule.ts';
import type { FileResult, FormatAdapter, SourceInfo } from '../adapter.ts';
import { readSourceText } from '../io.ts';
import { ElasticDiagnostics } from './diagnostics.ts';
import { HUNTING_ROOT, RULE_ROOTS, TOOLING_ROOT } from './facts.ts';
import { parseElasticJson } from './json.ts';
import { huntRecord } from './hunt.ts';
import { elasticHuntReadings } from './readings.ts';
import { elasticRule } from './rule.ts';
import { isTable, list, type Table } from './toml.ts';
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
    // rules as Kibana exports them (NDJSON) or its API takes them (JSON); detection-rules' own JSON is its tooling's
    if (/\.(nd)?json$/i.test(path) && !path.startsWith(TOOLING_ROOT)) {
      const read = await readSourceText(root, path);
      if (!read.ok) return { path, outcome: 'error', rules: [], diagnostics: [read.diagnostic] };
      return parseElasticJson(path, read.text, source);
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
  const { rule, diagnostics } = elasticRule(path, text, t.rule, isTable(t.metadata) ? t.metadata : {}, source, {
    id: slugify(path.split('/').pop()!.replace(/\.toml$/, '')),
    threat: list(t.threat),
    body: [{ path, language: 'toml', text }, ...extraBody],
  });
  return { path, outcome: 'parsed', rules: [rule], diagnostics };
}


