/**
 * Splunk adapter: security_content's layout (detections/, baselines/, macros/: metadata from the YAML with `yaml`),
 * and Splunk's own files wherever an app keeps them (`savedsearches.conf`, `macros.conf`, `.spl`:
 * `savedSearches.ts`), and searches in Markdown code blocks labelled `spl` (`markdown.ts`). Each SPL search is parsed with the project's grammar after macro expansion and lowered into
 * the model (logic.ts).
 */
import { ruleRecord, ruleSource, uniqueLogSources } from '../record.ts';
import { isScalar, isMap as isYamlMap } from 'yaml';
import { loadYaml, type LoadYamlResult } from '../yaml.ts';
import { GeneralDiagnostics, type Diagnostic } from '../../model/diagnostics.ts';
import { normalizeSeverity, normalizeStatus, slugify, TECHNIQUE_ID, type Kind } from '../../model/facts.ts';
import type { DeclaredAttack, LogSource } from '../../model/rule.ts';
import type { FileResult, FormatAdapter, SourceInfo } from '../adapter.ts';
import { readSourceText } from '../io.ts';
import { SplunkDiagnostics } from './diagnostics.ts';
import { FOLDER_FACTS, TYPE_KINDS } from './facts.ts';
import { searchLogic, PARSER_NAME } from './logic.ts';
import { macroKey, readMacroFile, type MacroDef, type MacroTable } from './macros.ts';
import { scalarMapper } from './scalarMap.ts';
import { indentColumnZeroContinuations } from './yamlLenient.ts';
import { addConfMacros, parseSavedSearches, parseSplFile, readConfMacros } from './savedSearches.ts';
import { parseSplunkMarkdown } from './markdown.ts';
import { SPLUNK_HIGHLIGHT } from './highlightFacts.ts';
import { SPL_CODES } from './diagnostics.ts';
import { isArmoryShaped, isDetectionShaped, isSplLogic, SPLUNK_SNIFF } from './sniff.ts';
import { splunkHuntReadings } from './readings.ts';
import { resolveSplunkField } from './resolve.ts';
import { isRecord } from '../../model/isRecord.ts';

/** What prepare reads once: the macro table and each macro file's diagnostics. */
export interface SplunkPrep {
  readonly macros: MacroTable;
  readonly macroFiles: ReadonlyMap<string, readonly Diagnostic[]>;
}

export const splunkAdapter: FormatAdapter<SplunkPrep> = {
  format: 'splunk',
  detect: { markers: [['detections', 'macros'], ['default/savedsearches.conf'], ['local/savedsearches.conf']], folderNames: ['splunk', 'security_content'], sniff: SPLUNK_SNIFF },
  highlight: SPLUNK_HIGHLIGHT,
  build: { splittable: true },
  fingerprint: { packages: ['yaml', 'peggy'] },
  diagnosticCodes: [SPL_CODES],
  parserName: PARSER_NAME,
  huntReadings: splunkHuntReadings,
  resolveField: resolveSplunkField,
  async prepare(root, files) {
    const macros = new Map<string, MacroDef>();
    const macroFiles = new Map<string, readonly Diagnostic[]>();
    /** Read each file with its reader, keeping its diagnostics (or why it could not be read). */
    const readAll = async (list: readonly string[], readOne: (f: string, text: string) => readonly Diagnostic[]) => {
      for (const f of list) {
        const read = await readSourceText(root, f);
        macroFiles.set(f, read.ok ? readOne(f, read.text) : [read.diagnostic]);
      }
    };
    await readAll(
      files.filter((f) => f.startsWith('macros/') && /\.ya?ml$/.test(f)),
      (f, text) => {
        const r = readMacroFile(f, text);
        if (r.def) macros.set(macroKey(r.def.name, r.def.args.length), r.def);
        return r.diagnostics;
      },
    );
    // an app's macros.conf files, after security_content's macros/ (whose definitions win)
    await readAll(
      files.filter((f) => baseName(f) === 'macros.conf'),
      (f, text) => {
        const r = readConfMacros(f, text);
        addConfMacros(macros, r.defs);
        return r.diagnostics;
      },
    );
    return { macros, macroFiles };
  },
  async parseFile(root, path, prep, source) {
    // Splunk's own files, wherever an app keeps them (default/, local/): saved searches, macros, plain searches
    const file = baseName(path);
    if (file === 'savedsearches.conf' || file === 'macros.conf' || /\.spl$/i.test(file)) {
      if (file === 'macros.conf') {
        const diagnostics = prep.macroFiles.get(path) ?? [];
        return { path, outcome: 'support', reason: 'SPL macro definitions (macros.conf), expanded into the searches that call them', rules: [], diagnostics };
      }
      const read = await readSourceText(root, path);
      if (!read.ok) return { path, outcome: 'error', rules: [], diagnostics: [read.diagnostic] };
      return file === 'savedsearches.conf' ? parseSavedSearches(path, read.text, source, prep.macros) : parseSplFile(path, read.text, source, prep.macros);
    }
    const top = path.split('/')[0]!;
    // SPL searches in Markdown (a team's notes: `spl` code blocks), outside folders of files that are not rules
    if (/\.(md|markdown)$/i.test(file) && FOLDER_FACTS[top]?.role !== 'skip') {
      const read = await readSourceText(root, path);
      if (!read.ok) return { path, outcome: 'error', rules: [], diagnostics: [read.diagnostic] };
      return parseSplunkMarkdown(path, read.text, source, prep.macros);
    }
    const isYaml = path.endsWith('.yml') || path.endsWith('.yaml');
    // outside security_content's folders (a team's own detections kept as loose files): a YAML or JSON file shaped as
    // a detection (JSON is YAML too: a saved search as `{"name": …, "search": …}`)
    const folder = FOLDER_FACTS[top] ?? (isYaml || path.endsWith('.json') ? LOOSE_YAML : undefined);
    if (!folder || (!isYaml && folder !== LOOSE_YAML)) return skipped(path, folder?.reason ?? 'not a detection or baseline YAML file');
    if (folder.role === 'macro') {
      const diagnostics = prep.macroFiles.get(path) ?? [];
      if (diagnostics.some((d) => d.severity === 'error')) return { path, outcome: 'error', rules: [], diagnostics };
      return { path, outcome: 'support', reason: 'SPL macro definition, expanded into the searches that call it', rules: [], diagnostics };
    }
    if (folder.role === 'skip') return skipped(path, folder.reason ?? 'not a rule');
    const read = await readSourceText(root, path);
    if (!read.ok) return { path, outcome: 'error', rules: [], diagnostics: [read.diagnostic] };
    const loose = folder === LOOSE_YAML ? `${isYaml ? 'YAML' : 'JSON'} without a name and a search: not a Splunk detection` : undefined;
    return parseSplunkText(path, read.text, source, folder.role === 'baseline', prep.macros, loose);
  },
};

/** A YAML or JSON file outside security_content's folders: a detection when shaped as one (`isDetectionShaped`). */
const LOOSE_YAML = { role: 'detection' } as const;

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

function skipped(path: string, reason: string): FileResult {
  return { path, outcome: 'skipped', reason, rules: [], diagnostics: [] };
}

/**
 * Parse one detection / baseline YAML into a record (exported for tests). With `loose` (a file outside
 * security_content's folders, the reason to give otherwise), only a mapping shaped as a detection is read: anything
 * else, or a file that does not load, is skipped with that reason.
 */
export function parseSplunkText(path: string, text: string, source: SourceInfo, baseline = false, macros: MacroTable = new Map(), loose?: string): FileResult {
  const diagnostics: Diagnostic[] = [];
  let loaded: LoadYamlResult = loadYaml(path, text);
  /** Offset in `text` of an offset in the text the YAML was read from. */
  let toOriginal = (o: number) => o;
  let readText = text;
  if (!loaded.ok) {
    // PyYAML reads quoted scalars whose continuation lines start at column 0; YAML 1.2 (and `yaml`) does not
    const lenient = indentColumnZeroContinuations(text);
    const retry = lenient ? loadYaml(path, lenient.text) : undefined;
    if (!lenient || !retry?.ok) return loose ? skipped(path, loose) : { path, outcome: 'error', rules: [], diagnostics: [loaded.diagnostic] };
    loaded = retry;
    toOriginal = lenient.toOriginal;
    readText = lenient.text;
    diagnostics.push(SplunkDiagnostics.lenientYaml(path, lenient.firstLine));
  }
  const y = loaded.yaml.value;
  if (isRecord(y) && isArmoryShaped(y) && !isSplLogic(y)) return skipped(path, `an Anvilogic Armory rule whose logic is ${y.logic_format}, not SPL: no adapter reads that language`);
  if (loose !== undefined && !(isRecord(y) && isDetectionShaped(y))) return skipped(path, loose);
  if (!isRecord(y)) return { path, outcome: 'error', rules: [], diagnostics: [SplunkDiagnostics.notMapping(path)] };
  const layout = isArmoryShaped(y) ? ARMORY : SECURITY_CONTENT;
  const name = str(y[layout.name]);
  if (!name) diagnostics.push(GeneralDiagnostics.missingField(path, layout.name));
  const search = str(y[layout.search]);
  if (!search) diagnostics.push(SplunkDiagnostics.noSearch(path));
  const tags = isRecord(y.tags) ? y.tags : {};
  const typeNative = str(y.type) ?? (baseline ? 'Baseline' : undefined);
  const statusNative = str(y.status);
  const { kind, kindReason } = classify(path, typeNative, statusNative, baseline);

  const attackDeclared: DeclaredAttack[] = [];
  for (const t of list(layout.attackIds(y, tags))) {
    const id = String(t).trim();
    if (TECHNIQUE_ID.test(id)) attackDeclared.push({ text: id, techniqueId: id });
    else {
      attackDeclared.push({ text: id });
      diagnostics.push(SplunkDiagnostics.badTechnique(path, id));
    }
  }
  const dataSources: LogSource[] = list(y[layout.dataSource]).map((d) => ({ kind: layout.dataSource, name: String(d) }));
  const scores = isRecord(y.rba) ? list(y.rba.risk_objects).flatMap((o) => (isRecord(o) && typeof o.score === 'number' ? [o.score] : [])) : [];
  const risk = scores.length ? Math.max(...scores) : undefined;
  const searchNode = isYamlMap(loaded.yaml.doc.contents) ? loaded.yaml.doc.contents.get(layout.search, true) : undefined;
  const mapper = isScalar(searchNode) ? scalarMapper(readText, searchNode) : () => 0;
  const sl = search ? searchLogic(path, text, search, (o) => toOriginal(mapper(o)), macros) : undefined;
  diagnostics.push(...(sl?.diagnostics ?? []));
  const logSources = uniqueLogSources([...dataSources, ...(sl?.logSources ?? [])]);
  const slug = slugify(path.split('/').pop()!.replace(/\.ya?ml$/, ''));
  const rule = ruleRecord({
    id: `splunk/${slug}`,
    format: 'splunk',
    nativeId: str(y.id),
    nativeType: typeNative,
    source: ruleSource(source, path),
    title: name ?? slug,
    description: str(y.description),
    references: list(y.references).map(String),
    runbook: str(y.how_to_implement),
    falsePositives: str(y.known_false_positives) ? [str(y.known_false_positives)!] : [],
    author: str(y.author),
    created: str(y.date),
    version: y.version !== undefined ? String(y.version) : undefined,
    tags: layout.tags(y, tags),
    severity: risk !== undefined ? normalizeSeverity(risk) : undefined,
    severityNative: risk !== undefined ? `risk score ${risk}` : undefined,
    status: normalizeStatus(statusNative),
    statusNative,
    kind,
    kindReason,
    logSources,
    attackDeclared,
    body: [{ path, language: 'yaml', text }],
    logic: sl?.logic ?? { stages: [], completeness: 'none', missing: [], exclusions: [], indicators: [], outputFields: [], eventKeys: [], parser: PARSER_NAME, note: 'the detection has no search' },
    diagnostics,
    facts: {
      ...(typeNative ? { type: typeNative } : {}),
      ...(risk !== undefined ? { risk_score: risk } : {}),
      ...(list(tags.cve).length ? { cve: list(tags.cve).map(String) } : {}),
      ...(str(tags.security_domain) ? { security_domain: str(tags.security_domain) } : {}),
      ...(Array.isArray(y.tests) ? { attack_data_tests: `${y.tests.length} test(s) on remote attack data (splunk/attack_data): remote data, not run`, remote_tests: y.tests.length } : {}),
      ...(sl?.facts ?? {}),
    },
  });
  return { path, outcome: 'parsed', rules: [rule], diagnostics };
}

/** Where a layout keeps a rule's name, its search, its data sources, its ATT&CK ids and its tags. */
interface Layout {
  readonly name: string;
  readonly search: string;
  readonly dataSource: string;
  attackIds(y: Readonly<Record<string, unknown>>, tags: Readonly<Record<string, unknown>>): unknown;
  tags(y: Readonly<Record<string, unknown>>, tags: Readonly<Record<string, unknown>>): string[];
}
const SECURITY_CONTENT: Layout = {
  name: 'name',
  search: 'search',
  dataSource: 'data_source',
  attackIds: (_y, tags) => tags.mitre_attack_id,
  tags: (_y, tags) => list(tags.analytic_story).map((s) => `analytic_story:${String(s)}`),
};
/** Anvilogic's Armory (`isArmoryShaped`): its ATT&CK ids are `technique_id`, its tags the `techniques` it names. */
const ARMORY: Layout = {
  name: 'title',
  search: 'logic',
  dataSource: 'data_category',
  attackIds: (y) => y.technique_id,
  tags: (y) => list(y.techniques).map(String),
};

function classify(path: string, type: string | undefined, status: string | undefined, baseline: boolean): { kind: Kind; kindReason: string } {
  if (status?.toLowerCase() === 'deprecated' || path.split('/').includes('deprecated')) return { kind: 'deprecated', kindReason: 'status deprecated (or in a deprecated/ folder)' };
  const t = TYPE_KINDS[(type ?? (baseline ? 'baseline' : '')).toLowerCase()];
  if (t) return { kind: t.kind, kindReason: t.reason };
  return { kind: 'detection', kindReason: `Splunk type ${type ?? '(none)'}: treated as a detection` };
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
