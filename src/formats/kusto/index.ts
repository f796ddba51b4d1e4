/**
 * KQL adapter: Microsoft Sentinel analytic rules and hunting queries (YAML), Defender XDR advanced-hunting
 * queries (Markdown with KQL blocks, `.txt`). Queries are parsed with Microsoft's own Kusto parser
 * (`parser.ts`, loaded once per process) and lowered into the model (`lowerQuery.ts`, `lowerExpr.ts`).
 *
 * Every file is accounted for: rule files are parsed; templates, READMEs without KQL, CSV inventories, JSON ARM
 * templates, workbooks, playbooks, data connectors and parser functions are skipped with the reason.
 */
import path from 'node:path';
import type { FileResult, FormatAdapter, SourceInfo } from '../adapter.ts';
import { readSourceText } from '../io.ts';
import { parseDefenderMarkdown, parseDefenderText, type DefenderFlavour } from './defender.ts';
import { PARSER_NAME } from './record.ts';
import { parseSentinelYaml } from './sentinel.ts';
import { KQL_CODES } from './diagnostics.ts';
import { KUSTO_HIGHLIGHT } from './highlightFacts.ts';

/** How a file of a KQL source is handled, from its path alone. */
export type KqlFileRole =
  | { readonly role: 'sentinel'; readonly hunting: boolean }
  | { readonly role: 'markdown'; readonly flavour: DefenderFlavour }
  | { readonly role: 'text'; readonly flavour: DefenderFlavour }
  | { readonly role: 'skip'; readonly reason: string };

/** Folder names (any level) whose YAML / files are not rules. */
const SKIPPED_FOLDERS: Readonly<Record<string, string>> = {
  Workbooks: 'Sentinel workbook (dashboard), not a rule',
  Playbooks: 'Sentinel playbook (Logic App automation), not a rule',
  'Data Connectors': 'Sentinel data connector definition, not a rule',
  DataConnectors: 'Sentinel data connector definition, not a rule',
  Parsers: 'KQL parser function (a saved function rules call), not a rule',
  'Package': 'Sentinel solution package (ARM template), not a rule',
  _meta_sentinelninja: 'inventory and table schemas (no KQL rules)',
  'Watchlists': 'Sentinel watchlist data, not a rule',
};

export function classifyKqlFile(root: string, rel: string): KqlFileRole {
  const parts = rel.split('/');
  const base = parts[parts.length - 1]!;
  const ext = path.extname(base).toLowerCase();
  for (const p of parts.slice(0, -1)) if (SKIPPED_FOLDERS[p]) return { role: 'skip', reason: SKIPPED_FOLDERS[p]! };
  const full = path.join(root, rel).split(path.sep).join('/');
  const flavour: DefenderFlavour = full.includes('m365-hunting-queries') ? 'm365' : full.includes('bert-jan-p') ? 'bertjan' : 'generic';
  const lower = base.toLowerCase();
  if (lower.includes('template')) return { role: 'skip', reason: 'a template for contributors, not a rule' };
  switch (ext) {
    case '.yaml':
    case '.yml':
      return { role: 'sentinel', hunting: parts.some((p) => p === 'Hunting Queries') };
    case '.md':
      return { role: 'markdown', flavour };
    case '.txt':
      return { role: 'text', flavour };
    case '.json':
      return { role: 'skip', reason: 'JSON (ARM template, workbook or metadata): not a KQL rule file' };
    case '.csv':
      return { role: 'skip', reason: 'CSV data (inventory, schema or lookup), no KQL rule' };
    default:
      if (lower === 'license' || lower.startsWith('license.')) return { role: 'skip', reason: 'licence text' };
      return { role: 'skip', reason: `${ext || 'extensionless'} file: not a KQL rule file` };
  }
}

export const kustoAdapter: FormatAdapter<undefined> = {
  format: 'kusto',
  detect: { markers: [['Detections'], ['Hunting Queries']], folderNames: ['sentinel', 'Azure-Sentinel', 'm365-hunting-queries', 'bert-jan-p'] },
  highlight: KUSTO_HIGHLIGHT,
  build: { worker: true, splittable: true },
  fingerprint: { packages: ['@kusto/language-service-next', 'yaml', 'markdown-it'] },
  diagnosticCodes: [KQL_CODES],
  parserName: PARSER_NAME,
  async parseFile(root: string, rel: string, _prep: undefined, source: SourceInfo): Promise<FileResult> {
    const role = classifyKqlFile(root, rel);
    if (role.role === 'skip') return { path: rel, outcome: 'skipped', reason: role.reason, rules: [], diagnostics: [] };
    const read = await readSourceText(root, rel);
    if (!read.ok) return { path: rel, outcome: 'error', rules: [], diagnostics: [read.diagnostic] };
    if (role.role === 'sentinel') {
      const r = parseSentinelYaml(rel, read.text, role.hunting, source);
      if (r.notARule) return { path: rel, outcome: 'skipped', reason: r.notARule, rules: [], diagnostics: r.diagnostics };
      if (r.outputs.length === 0) return { path: rel, outcome: 'error', rules: [], diagnostics: r.diagnostics };
      return { path: rel, outcome: 'parsed', rules: r.outputs.map((o) => o.rule), diagnostics: r.diagnostics };
    }
    const r = role.role === 'markdown' ? parseDefenderMarkdown(rel, read.text, role.flavour, source) : parseDefenderText(rel, read.text, role.flavour, source);
    if (r.outputs.length === 0) return { path: rel, outcome: 'skipped', reason: role.role === 'markdown' ? 'no KQL code block' : 'not KQL', rules: [], diagnostics: r.diagnostics };
    return { path: rel, outcome: 'parsed', rules: r.outputs.map((o) => o.rule), diagnostics: r.diagnostics };
  },
};
