/**
 * KQL adapter: Microsoft Sentinel analytic rules and hunting queries (YAML), Defender XDR advanced-hunting
 * queries (Markdown with KQL in fenced blocks of any label), raw query files (`.kql`, `.csl`, `.kusto`, `.txt`, with
 * `//` comment headers), Sentinel ARM templates / API exports and Defender custom detections (JSON). Queries are
 * parsed with Microsoft's own Kusto parser (`parser.ts`, loaded once per process) and lowered into the model (`lowerQuery.ts`, `lowerExpr.ts`).
 *
 * Every file is accounted for: rule files are parsed; templates, READMEs without KQL, CSV inventories, JSON without
 * a rule, workbooks, playbooks, data connectors and parser functions are skipped with the reason.
 */
import type { FileResult, FormatAdapter, SourceInfo } from '../adapter.ts';
import { fileExtension, readSourceText } from '../io.ts';
import { parseKqlJson } from './arm.ts';
import { isLogQuery, parseDefenderMarkdown, parseDefenderText, type DefenderFlavour } from './defender.ts';
import { DEFENDER_COLLECTION_TEMPLATES } from './defenderFacts.ts';
import { PARSER_NAME } from './record.ts';
import { unloadKusto } from './parser.ts';
import { parseSentinelYaml } from './sentinel.ts';
import { KQL_CODES } from './diagnostics.ts';
import { KUSTO_HIGHLIGHT } from './highlightFacts.ts';
import { KQL_SNIFF } from './sniff.ts';
import { kustoHuntReadings } from './readings.ts';

/** How a file of a KQL source is handled, from its path alone. */
export type KqlFileRole =
  | { readonly role: 'sentinel'; readonly hunting: boolean }
  | { readonly role: 'markdown'; readonly flavour: DefenderFlavour; readonly collection: string }
  | { readonly role: 'text'; readonly flavour: DefenderFlavour; readonly collection: string }
  | { readonly role: 'json' }
  /** A file without an extension: read as Markdown when it is one with a KQL block (a collection's `.md` left off). */
  | { readonly role: 'extensionless'; readonly flavour: DefenderFlavour; readonly collection: string }
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

/** A Defender XDR query collection of the source: its folder (`''` for the source root, else ending in `/`) and flavour. */
export interface DefenderCollection {
  readonly prefix: string;
  readonly flavour: Exclude<DefenderFlavour, 'generic'>;
}

/** What the adapter reads once per source: the Defender collections, from the template file at each one's root. */
export interface KqlPrep {
  readonly collections: readonly DefenderCollection[];
}

/** The collections of a source, deepest first (a file belongs to the first whose folder holds it). */
export function findDefenderCollections(files: readonly string[]): DefenderCollection[] {
  const out: DefenderCollection[] = [];
  for (const f of files) {
    const slash = f.lastIndexOf('/');
    const flavour = DEFENDER_COLLECTION_TEMPLATES[f.slice(slash + 1)];
    if (flavour) out.push({ prefix: f.slice(0, slash + 1), flavour });
  }
  return out.sort((a, b) => b.prefix.length - a.prefix.length);
}

export function classifyKqlFile(rel: string, prep: KqlPrep = { collections: [] }): KqlFileRole {
  const parts = rel.split('/');
  const base = parts[parts.length - 1]!;
  const ext = fileExtension(base);
  for (const p of parts.slice(0, -1)) if (SKIPPED_FOLDERS[p]) return { role: 'skip', reason: SKIPPED_FOLDERS[p]! };
  const collection = prep.collections.find((c) => rel.startsWith(c.prefix));
  const flavour: DefenderFlavour = collection?.flavour ?? 'generic';
  const inCollection = collection?.prefix ?? '';
  const lower = base.toLowerCase();
  if (ext !== '.json' && lower.includes('template')) return { role: 'skip', reason: 'a template for contributors, not a rule' };
  switch (ext) {
    case '.yaml':
    case '.yml':
      return { role: 'sentinel', hunting: parts.some((p) => p === 'Hunting Queries') };
    case '.md':
      return { role: 'markdown', flavour, collection: inCollection };
    case '.txt':
    case '.kql':
    case '.csl':
    case '.kusto':
      return { role: 'text', flavour, collection: inCollection };
    case '.json':
      return { role: 'json' };
    case '.csv':
      return { role: 'skip', reason: 'CSV data (inventory, schema or lookup), no KQL rule' };
    default:
      if (lower === 'license' || lower.startsWith('license.')) return { role: 'skip', reason: 'licence text' };
      if (!ext) return { role: 'extensionless', flavour, collection: inCollection };
      return { role: 'skip', reason: `${ext} file: not a KQL rule file` };
  }
}

const EXTENSIONLESS_NOT_A_RULE = 'extensionless file that is neither Markdown with a KQL block nor a KQL query: not a KQL rule file';

export const kustoAdapter: FormatAdapter<KqlPrep> = {
  format: 'kusto',
  detect: { markers: [['Detections'], ['Hunting Queries']], folderNames: ['sentinel', 'Azure-Sentinel', 'm365-hunting-queries', 'bert-jan-p'], sniff: KQL_SNIFF },
  highlight: KUSTO_HIGHLIGHT,
  build: { worker: true, splittable: true, release: unloadKusto },
  fingerprint: { packages: ['@kusto/language-service-next', 'yaml', 'markdown-it'] },
  diagnosticCodes: [KQL_CODES],
  parserName: PARSER_NAME,
  huntReadings: kustoHuntReadings,
  async prepare(_root: string, files: readonly string[]) {
    return { collections: findDefenderCollections(files) };
  },
  async parseFile(root: string, rel: string, prep: KqlPrep | undefined, source: SourceInfo): Promise<FileResult> {
    const role = classifyKqlFile(rel, prep);
    if (role.role === 'skip') return { path: rel, outcome: 'skipped', reason: role.reason, rules: [], diagnostics: [] };
    const read = await readSourceText(root, rel);
    if (!read.ok) {
      // a file without an extension is not claimed as a rule: one that cannot be read as text is skipped, saying why
      if (role.role === 'extensionless') return { path: rel, outcome: 'skipped', reason: EXTENSIONLESS_NOT_A_RULE, rules: [], diagnostics: [read.diagnostic] };
      return { path: rel, outcome: 'error', rules: [], diagnostics: [read.diagnostic] };
    }
    if (role.role === 'extensionless') {
      // read as Markdown: one with a KQL block is a rule as a `.md` file is; else a file that is one query as a whole
      // (the Kusto parser reads it, with a pipe, a let statement, union or search, and a log table it names:
      // `isLogQuery`) is a rule as a `.kql` file is; anything else is not a rule file
      const md = parseDefenderMarkdown(rel, read.text, role.flavour, source, role.collection);
      const r = md.outputs.length || !isLogQuery(read.text) ? md : parseDefenderText(rel, read.text, role.flavour, source, role.collection);
      if (!r.outputs.length) return { path: rel, outcome: 'skipped', reason: EXTENSIONLESS_NOT_A_RULE, rules: [], diagnostics: [] };
      return { path: rel, outcome: 'parsed', rules: r.outputs.map((o) => o.rule), diagnostics: r.diagnostics };
    }
    if (role.role === 'sentinel') {
      const r = parseSentinelYaml(rel, read.text, role.hunting, source);
      if (r.notARule) return { path: rel, outcome: 'skipped', reason: r.notARule, rules: [], diagnostics: r.diagnostics };
      if (r.outputs.length === 0) return { path: rel, outcome: 'error', rules: [], diagnostics: r.diagnostics };
      return { path: rel, outcome: 'parsed', rules: r.outputs.map((o) => o.rule), diagnostics: r.diagnostics };
    }
    if (role.role === 'json') {
      const r = parseKqlJson(rel, read.text, source);
      if (r.notARule) return { path: rel, outcome: 'skipped', reason: r.notARule, rules: [], diagnostics: r.diagnostics };
      if (r.outputs.length === 0) return { path: rel, outcome: 'error', rules: [], diagnostics: r.diagnostics };
      return { path: rel, outcome: 'parsed', rules: r.outputs.map((o) => o.rule), diagnostics: r.diagnostics };
    }
    const r = role.role === 'markdown' ? parseDefenderMarkdown(rel, read.text, role.flavour, source, role.collection) : parseDefenderText(rel, read.text, role.flavour, source, role.collection);
    if (r.outputs.length === 0) return { path: rel, outcome: 'skipped', reason: role.role === 'markdown' ? 'no KQL code block' : 'not KQL', rules: [], diagnostics: r.diagnostics };
    return { path: rel, outcome: 'parsed', rules: r.outputs.map((o) => o.rule), diagnostics: r.diagnostics };
  },
};
