/**
 * The rule sources the catalog is built from: name, format, upstream git repository and the folders holding rules.
 * The default list is the public repositories of the benchmark corpora; a mirror folder is laid out by source name
 * (`<mirror>/panther`, `<mirror>/defender-xdr/bert-jan-p`…). The project's own small corpus (examples/) uses the
 * same names, one folder per language.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../formats/io.ts';
import { isFormat, type Format } from '../model/facts.ts';

export interface SourceDef {
  /** Folder name in the cache and in a mirror (may contain `/`). */
  readonly name: string;
  readonly format: Format;
  /** `owner/name` on GitHub. */
  readonly repository: string;
  /** Clone URL. */
  readonly url: string;
  /** Branch to clone; `HEAD` = the default branch. */
  readonly branch: string;
  /** Folders with rules (and what they need): a sparse checkout when the repository is large. Empty = everything. */
  readonly roots: readonly string[];
  /** Licence of the rules, shown on each rule page. */
  readonly licence: string;
}

/** A source as a sources file may give it: without `format`, the build tells the language from the folder. */
export type SourceEntry = Omit<SourceDef, 'format'> & { readonly format?: Format };

const gh = (repo: string) => `https://github.com/${repo}.git`;

export const DEFAULT_SOURCES: readonly SourceDef[] = [
  { name: 'panther', format: 'panther', repository: 'panther-labs/panther-analysis', url: gh('panther-labs/panther-analysis'), branch: 'HEAD', roots: ['rules', 'policies', 'queries', 'correlation_rules', 'data_models', 'global_helpers', 'lookup_tables', 'packs'], licence: 'Apache-2.0' },
  { name: 'sigma', format: 'sigma', repository: 'SigmaHQ/sigma', url: gh('SigmaHQ/sigma'), branch: 'HEAD', roots: ['rules', 'rules-emerging-threats', 'rules-threat-hunting', 'rules-placeholder', 'rules-compliance', 'rules-dfir', 'deprecated', 'unsupported', 'regression_data'], licence: 'Detection Rule License (DRL) 1.1' },
  { name: 'sigma-pysigma-testfiles', format: 'sigma', repository: 'SigmaHQ/pySigma', url: gh('SigmaHQ/pySigma'), branch: 'HEAD', roots: ['tests/files'], licence: 'LGPL-2.1' },
  { name: 'elastic', format: 'elastic', repository: 'elastic/detection-rules', url: gh('elastic/detection-rules'), branch: 'HEAD', roots: ['rules', 'rules_building_block', 'hunting'], licence: 'Elastic License 2.0' },
  { name: 'splunk', format: 'splunk', repository: 'splunk/security_content', url: gh('splunk/security_content'), branch: 'develop', roots: ['detections', 'baselines', 'macros', 'stories', 'data_sources', 'lookups'], licence: 'Apache-2.0' },
  { name: 'sentinel', format: 'kusto', repository: 'Azure/Azure-Sentinel', url: gh('Azure/Azure-Sentinel'), branch: 'HEAD', roots: ['Detections', 'Hunting Queries', 'Solutions'], licence: 'MIT' },
  { name: 'defender-xdr/m365-hunting-queries', format: 'kusto', repository: 'microsoft/Microsoft-365-Defender-Hunting-Queries', url: gh('microsoft/Microsoft-365-Defender-Hunting-Queries'), branch: 'HEAD', roots: [], licence: 'MIT' },
  { name: 'defender-xdr/bert-jan-p', format: 'kusto', repository: 'Bert-JanP/Hunting-Queries-Detection-Rules', url: gh('Bert-JanP/Hunting-Queries-Detection-Rules'), branch: 'HEAD', roots: [], licence: 'BSD-3-Clause' },
  { name: 'chronicle', format: 'yaral', repository: 'chronicle/detection-rules', url: gh('chronicle/detection-rules'), branch: 'HEAD', roots: ['rules'], licence: 'Apache-2.0' },
  { name: 'sublime', format: 'mql', repository: 'sublime-security/sublime-rules', url: gh('sublime-security/sublime-rules'), branch: 'HEAD', roots: ['detection-rules', 'discovery-rules', 'dlp-discovery-rules', 'insights', 'exclusions', 'automations'], licence: 'MIT' },
];

/** The project root (see `projectRoot`). */
export const PROJECT_ROOT = projectRoot();

/** The project's own example corpus: one folder per source name. */
export function examplesDir(): string {
  return path.join(PROJECT_ROOT, 'examples');
}

/** Sources of the example corpus: the default list, restricted to the folders examples/ has. */
export function exampleSources(): SourceDef[] {
  return DEFAULT_SOURCES.filter((s) => existsSync(path.join(examplesDir(), s.name))).map((s) => ({ ...s, licence: `${s.licence} (upstream); this example: MIT, written for detection-wiki` }));
}

/**
 * A sources file (JSON array of SourceDef-like objects) replaces the default list: `--sources-file FILE` or
 * `$DETWIKI_SOURCES`. Missing fields take defaults; a bad entry is an error message, not a crash. Without `format`
 * (or with `"auto"`) the build tells the language from the synced or mirrored folder (`withFormats`).
 */
export function readSourcesFile(file: string): { sources: SourceEntry[]; errors: string[] } {
  const errors: string[] = [];
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { sources: [], errors: [`${file}: ${e instanceof Error ? e.message : String(e)}`] };
  }
  if (!Array.isArray(raw)) return { sources: [], errors: [`${file}: expected a JSON array of sources`] };
  const sources: SourceEntry[] = [];
  raw.forEach((x, i) => {
    const o = (x ?? {}) as Record<string, unknown>;
    const auto = o.format === undefined || o.format === 'auto';
    if (typeof o.name !== 'string' || !(auto || (typeof o.format === 'string' && isFormat(o.format)))) {
      errors.push(`${file}: entry ${i}: needs "name", and a "format" that is a known language or "auto" (or none)`);
      return;
    }
    const repository = typeof o.repository === 'string' ? o.repository : o.name;
    sources.push({
      name: o.name,
      ...(auto ? {} : { format: o.format as Format }),
      repository,
      url: typeof o.url === 'string' ? o.url : gh(repository),
      branch: typeof o.branch === 'string' ? o.branch : 'HEAD',
      roots: Array.isArray(o.roots) ? o.roots.map(String) : [],
      licence: typeof o.licence === 'string' ? o.licence : 'see the repository',
    });
  });
  return { sources, errors };
}

/**
 * Sources with their language: an entry without one takes what its folder under `base` tells (`detect`: marker files,
 * the folder's name, then its content); an entry whose folder is not there or tells nothing is an error message.
 */
export function withFormats(entries: readonly SourceEntry[], base: string, detect: (dir: string) => Format | undefined): { sources: SourceDef[]; errors: string[] } {
  const sources: SourceDef[] = [];
  const errors: string[] = [];
  for (const e of entries) {
    if (e.format) {
      sources.push({ ...e, format: e.format });
      continue;
    }
    const dir = path.join(base, e.name);
    const there = existsSync(dir);
    const format = there ? detect(dir) : undefined;
    if (format) sources.push({ ...e, format });
    else errors.push(there ? `source ${e.name}: no "format", and the rules in ${dir} do not tell their language: add "format"` : `source ${e.name}: no "format", and ${dir} is not there to tell the language: run \`detwiki sync\` or add "format"`);
  }
  return { sources, errors };
}

/** Select sources by name (`--sources a,b`); unknown names are returned for the error message. */
export function selectSources<S extends SourceEntry>(all: readonly S[], names: readonly string[] | undefined): { sources: S[]; unknown: string[] } {
  if (!names || !names.length) return { sources: [...all], unknown: [] };
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  return { sources: all.filter((s) => names.includes(s.name)), unknown };
}
