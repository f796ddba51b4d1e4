/**
 * Sigma rule metadata onto the rule record: title, description, references, author, dates, level → severity,
 * status, tags → ATT&CK entries (verbatim) and other tags, logsource, fields, kind by folder.
 */
import { isMap, type Node } from 'yaml';
import { normalizeSeverity, normalizeStatus, slugify, type Kind, type Severity, type Status } from '../../model/facts.ts';
import type { DeclaredAttack, LogSource, OutputField, RuleSource, Stage } from '../../model/rule.ts';
import type { SourceInfo } from '../adapter.ts';
import { ruleSource as ruleSourceOf } from '../record.ts';
import { FOLDER_FACTS, type FolderFact } from './sigmaFacts.ts';
import { getNode, getPair, pairSpan, plain, type SigmaDocument, type SigmaFile } from './syntax.ts';

export interface Metadata {
  readonly title?: string;
  readonly nativeId?: string;
  /** Sigma `name` (v2), used by correlations and filters to refer to rules. */
  readonly name?: string;
  readonly description?: string;
  readonly references: string[];
  readonly falsePositives: string[];
  readonly author?: string;
  readonly created?: string;
  readonly modified?: string;
  readonly tags: string[];
  readonly attackDeclared: DeclaredAttack[];
  readonly severity?: Severity;
  readonly severityNative?: string;
  readonly status: Status;
  readonly statusNative?: string;
  readonly logSources: LogSource[];
  readonly outputFields: OutputField[];
  /** Stages for logsource and fields. */
  readonly logsourceStage?: Stage;
  readonly fieldsStage?: Stage;
  readonly facts: Record<string, unknown>;
}

function str(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map((x) => str(x) ?? '').join(', ');
  return JSON.stringify(v);
}

function strList(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.map((x) => str(x)).filter((x): x is string => x !== undefined);
  const s = str(v);
  return s === undefined ? [] : [s];
}

/**
 * Every `attack.*` tag is an ATT&CK entry, kept verbatim: `attack.t1059.001` → technique, `attack.defense-evasion` /
 * `attack.ta0005` → tactic, `attack.g0007` (group), `attack.s0002` (software) → text only. Other tags → undefined.
 */
export function attackFromTag(tag: string): DeclaredAttack | undefined {
  const lower = tag.toLowerCase();
  if (!lower.startsWith('attack.')) return undefined;
  const rest = lower.slice('attack.'.length);
  if (/^t\d{4}(\.\d{3})?$/.test(rest)) return { text: tag, techniqueId: rest.toUpperCase() };
  if (/^ta\d{4}$/.test(rest)) return { text: tag, tactic: rest.toUpperCase() };
  if (/^[a-z][a-z_-]+$/.test(rest)) return { text: tag, tactic: rest };
  // groups (g0007), software (s0002), campaigns, mitigations…: kept verbatim, resolution says what they are
  return { text: tag };
}

export function folderFact(path: string): FolderFact | undefined {
  return FOLDER_FACTS[path.split('/')[0]!];
}

export function readMetadata(file: SigmaFile, d: SigmaDocument): Metadata {
  const m = d.map;
  const get = (k: string) => plain(getNode(m, k), d.doc);
  const tagsAll = strList(get('tags'));
  const attackDeclared: DeclaredAttack[] = [];
  const tags: string[] = [];
  for (const t of tagsAll) {
    const a = attackFromTag(t);
    if (a) attackDeclared.push(a);
    else tags.push(t);
  }
  const levelNative = str(get('level'));
  const statusNative = str(get('status'));
  const logSources: LogSource[] = [];
  let logsourceStage: Stage | undefined;
  const lsPair = getPair(m, 'logsource');
  if (lsPair && isMap(lsPair.value)) {
    const ls = plain(lsPair.value as Node, d.doc) as Record<string, unknown>;
    const detail: Record<string, string> = {};
    for (const [k, v] of Object.entries(ls)) {
      const s = str(v);
      if (s !== undefined) detail[k] = s;
    }
    const name = ['product', 'category', 'service'].map((k) => detail[k]).filter((x): x is string => !!x).join('/');
    logSources.push({ kind: 'logsource', name: name || '(any)', detail });
    const span = pairSpan(file.path, lsPair, file.text);
    logsourceStage = { kind: 'source', label: 'logsource', text: file.text.slice(span.start, span.end), span, detail };
  }
  const outputFields: OutputField[] = [];
  let fieldsStage: Stage | undefined;
  const fPair = getPair(m, 'fields');
  if (fPair) {
    for (const f of strList(plain(fPair.value as Node, d.doc))) outputFields.push({ name: f, source: 'fields' });
    const span = pairSpan(file.path, fPair, file.text);
    fieldsStage = { kind: 'output', label: 'fields', text: file.text.slice(span.start, span.end), span };
  }
  const facts: Record<string, unknown> = {};
  for (const k of ['related', 'license', 'simulation', 'regression_tests_path', 'scope', 'taxonomy', 'name']) {
    const v = get(k);
    if (v !== undefined && v !== null) facts[k] = v;
  }
  const title = str(get('title'));
  const nativeId = str(get('id'));
  const name = str(get('name'));
  const description = str(get('description'));
  const author = str(get('author'));
  const created = str(get('date'));
  const modified = str(get('modified'));
  const severity = normalizeSeverity(levelNative);
  return {
    ...(title !== undefined ? { title } : {}),
    ...(nativeId !== undefined ? { nativeId } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(description !== undefined ? { description } : {}),
    references: strList(get('references')),
    falsePositives: strList(get('falsepositives')),
    ...(author !== undefined ? { author } : {}),
    ...(created !== undefined ? { created } : {}),
    ...(modified !== undefined ? { modified } : {}),
    tags,
    attackDeclared,
    ...(severity ? { severity } : {}),
    ...(levelNative !== undefined ? { severityNative: levelNative } : {}),
    status: normalizeStatus(statusNative),
    ...(statusNative !== undefined ? { statusNative } : {}),
    logSources,
    outputFields,
    ...(logsourceStage ? { logsourceStage } : {}),
    ...(fieldsStage ? { fieldsStage } : {}),
    facts,
  };
}

/** Kind and its reason: correlation and filter documents by their section, the rest by folder and status. */
export function kindOf(path: string, docKind: 'rule' | 'correlation' | 'filter', status: Status, statusNative?: string): { kind: Kind; kindReason: string; status: Status } {
  const folder = folderFact(path);
  if (folder?.kind === 'deprecated') return { kind: 'deprecated', kindReason: folder.kindReason, status: 'deprecated' };
  if (docKind === 'correlation') return { kind: 'correlation', kindReason: 'Sigma correlation rule: alerts on an aggregation over the events of the rules it references', status: folder?.status ?? status };
  if (docKind === 'filter') {
    return { kind: 'building_block', kindReason: 'Sigma filter (meta-filter): an exclusion applied to the rules it targets, not a rule on its own', status };
  }
  if (status === 'deprecated') return { kind: 'deprecated', kindReason: `status: ${statusNative ?? 'deprecated'}`, status };
  if (folder) return { kind: folder.kind, kindReason: folder.kindReason, status: folder.status ?? status };
  return { kind: 'detection', kindReason: 'Sigma detection rule', status };
}

export function ruleSource(path: string, d: Pick<SigmaDocument, 'range'>, file: Pick<SigmaFile, 'text' | 'lines'>, source: SourceInfo): RuleSource {
  const start = file.lines.linePos(d.range.start).line;
  const endOffset = Math.max(d.range.start, trimEnd(file.text, d.range.end) - 1);
  const end = file.lines.linePos(endOffset).line;
  return ruleSourceOf(source, path, { lines: { start, end }, anchor: `L${start}-L${end}` });
}

function trimEnd(text: string, end: number): number {
  let e = end;
  while (e > 0 && /\s/.test(text[e - 1]!)) e--;
  return e;
}

export function slugOf(path: string): string {
  const base = path.split('/').pop()!;
  return slugify(base.replace(/\.ya?ml$/i, ''));
}
