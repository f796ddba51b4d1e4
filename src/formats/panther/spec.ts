/**
 * Panther spec metadata (the YAML keys around the logic): identity, text, severity, status, tags, log sources,
 * declared ATT&CK, facts, and the kind the record is given with its reason.
 */
import type { Diagnostic } from '../../model/diagnostics.ts';
import { normalizeSeverity, normalizeStatus, TACTIC_ID, TECHNIQUE_ID, type Kind, type Severity, type Status } from '../../model/facts.ts';
import type { DeclaredAttack, LogSource } from '../../model/rule.ts';
import { PantherDiagnostics } from './diagnostics.ts';
import { FACT_KEYS, type AnalysisType } from './pantherFacts.ts';
import { asString, asStringList, isRecord, lineAt, type YamlSpec } from './yamlDoc.ts';

export interface SpecMeta {
  readonly analysisType: AnalysisType;
  readonly nativeId?: string;
  readonly title?: string;
  readonly description?: string;
  readonly references: string[];
  readonly runbook?: string;
  readonly tags: string[];
  readonly severity?: Severity;
  readonly severityNative?: string;
  readonly status: Status;
  readonly statusNative?: string;
  readonly enabled?: boolean;
  readonly logSources: LogSource[];
  readonly attackDeclared: DeclaredAttack[];
  readonly facts: Record<string, unknown>;
  /** Why the rule counts as deprecated, when it does. */
  readonly deprecatedBy?: string;
  readonly diagnostics: Diagnostic[];
}

/** The key holding the native id per analysis type. */
const ID_KEYS: Record<string, string> = {
  rule: 'RuleID',
  scheduled_rule: 'RuleID',
  correlation_rule: 'RuleID',
  policy: 'PolicyID',
  scheduled_query: 'QueryName',
  saved_query: 'QueryName',
};

export function idKeyOf(t: AnalysisType): string {
  return ID_KEYS[t] ?? 'RuleID';
}

export function readSpecMeta(spec: YamlSpec, file: string, analysisType: AnalysisType, deprecatedIds: ReadonlySet<string>): SpecMeta {
  const v = spec.value as Record<string, unknown>;
  const diagnostics: Diagnostic[] = [];
  const at = (path: (string | number)[]) => {
    const line = lineAt(spec, path);
    return line === undefined ? undefined : { line };
  };
  const nativeId = asString(v[idKeyOf(analysisType)])?.trim();

  const severityNative = asString(v['Severity']);
  const severity = normalizeSeverity(severityNative);
  if (severityNative !== undefined && severity === undefined) diagnostics.push(PantherDiagnostics.unknownSeverity(file, severityNative, at(['Severity'])));

  const tags = asStringList(v['Tags']);
  const statusNative = asString(v['Status']);
  let deprecatedBy: string | undefined;
  if (statusNative && normalizeStatus(statusNative) === 'deprecated') deprecatedBy = `Status: ${statusNative}`;
  else if (tags.some((t) => t.trim().toLowerCase() === 'deprecated')) deprecatedBy = 'tagged Deprecated';
  else if (nativeId && deprecatedIds.has(nativeId)) deprecatedBy = 'listed in deprecated.txt';
  // panther-analysis ships its content in releases: a spec without Status is released content
  const status: Status = deprecatedBy ? 'deprecated' : statusNative ? normalizeStatus(statusNative) : 'stable';

  const logSources: LogSource[] = [
    ...asStringList(v['LogTypes']).map((name) => ({ kind: 'LogTypes', name })),
    ...asStringList(v['ResourceTypes']).map((name) => ({ kind: 'ResourceTypes', name })),
    ...asStringList(v['ScheduledQueries']).map((name) => ({ kind: 'ScheduledQueries', name })),
  ];

  const attackDeclared: DeclaredAttack[] = [];
  const facts: Record<string, unknown> = { AnalysisType: analysisType };
  const reports = v['Reports'];
  if (isRecord(reports)) {
    const other: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(reports)) {
      if (k.trim().toUpperCase() === 'MITRE ATT&CK') {
        asStringList(val).forEach((text, i) => {
          const d = parseAttackEntry(text);
          if (!d.ok) diagnostics.push(PantherDiagnostics.badAttack(file, text, at(['Reports', k, i])));
          attackDeclared.push(d.value);
        });
      } else other[k] = val;
    }
    if (Object.keys(other).length) facts['Reports'] = other;
  }
  for (const k of FACT_KEYS) if (v[k] !== undefined && v[k] !== null) facts[k] = v[k];

  const references = asStringList(v['Reference']).map((s) => s.trim()).filter((s) => s !== '');
  const description = asString(v['Description'])?.trim();
  const runbook = asString(v['Runbook'])?.trim();
  const title = (asString(v['DisplayName']) ?? asString(v['QueryName']))?.trim();
  const enabled = typeof v['Enabled'] === 'boolean' ? v['Enabled'] : undefined;
  return {
    analysisType,
    ...(nativeId ? { nativeId } : {}),
    ...(title ? { title } : {}),
    ...(description ? { description } : {}),
    references,
    ...(runbook ? { runbook } : {}),
    tags,
    ...(severity ? { severity } : {}),
    ...(severityNative !== undefined ? { severityNative } : {}),
    status,
    ...(statusNative !== undefined ? { statusNative } : {}),
    ...(enabled !== undefined ? { enabled } : {}),
    logSources,
    attackDeclared,
    facts,
    ...(deprecatedBy ? { deprecatedBy } : {}),
    diagnostics,
  };
}

/**
 * `TA0007:T1078` → tactic TA0007, technique T1078; `TA0005` alone is a tactic-only entry; `T1078` a technique
 * without tactic. The text is kept verbatim; ids are trimmed and upper-cased for resolution.
 */
export function parseAttackEntry(text: string): { ok: boolean; value: DeclaredAttack } {
  const parts = text.split(':').map((p) => p.trim().toUpperCase());
  if (parts.length === 2 && TACTIC_ID.test(parts[0]!) && TECHNIQUE_ID.test(parts[1]!)) return { ok: true, value: { text, tactic: parts[0]!, techniqueId: parts[1]! } };
  if (parts.length === 1 && TACTIC_ID.test(parts[0]!)) return { ok: true, value: { text, tactic: parts[0]! } };
  if (parts.length === 1 && TECHNIQUE_ID.test(parts[0]!)) return { ok: true, value: { text, techniqueId: parts[0]! } };
  const tactic = parts.find((p) => TACTIC_ID.test(p));
  const techniqueId = parts.find((p) => TECHNIQUE_ID.test(p));
  return { ok: false, value: { text, ...(tactic ? { tactic } : {}), ...(techniqueId ? { techniqueId } : {}) } };
}

/** What a query is used for, from the rest of the repository. */
export interface QueryUse {
  /** RuleIDs of scheduled rules that run on this query's results. */
  readonly usedBy: readonly string[];
  /** Tables the query reads (when its SQL parsed). */
  readonly tables?: readonly string[];
  /** The query is a Jinja template (`-- pragma: template`, macros), not SQL that runs as written. */
  readonly template?: boolean;
}

/** Schema of Panther's enrichment (lookup table) data: a query reading only these summarizes enrichment data. */
export const LOOKUP_SCHEMA_PREFIX = 'panther_lookups.';

/** The record's kind, with the reason shown on the page. Deprecation wins over everything else. */
export function classifyKind(meta: SpecMeta, v: Record<string, unknown>, use?: QueryUse): { kind: Kind; kindReason: string } {
  if (meta.deprecatedBy) return { kind: 'deprecated', kindReason: `deprecated (${meta.deprecatedBy})` };
  switch (meta.analysisType) {
    case 'rule':
    case 'scheduled_rule': {
      if (v['CreateAlert'] === false) return { kind: 'signal', kindReason: 'CreateAlert: false: the rule labels matching events as a signal for other rules (correlation) and raises no alert' };
      return meta.analysisType === 'rule'
        ? { kind: 'detection', kindReason: 'Panther rule: alerts on matching log events' }
        : { kind: 'detection', kindReason: 'Panther scheduled rule: alerts on rows returned by its scheduled queries' };
    }
    case 'policy':
      return { kind: 'policy', kindReason: 'Panther policy: checks the configuration of cloud resources, not log events' };
    case 'correlation_rule':
      return { kind: 'correlation', kindReason: 'Panther correlation rule: alerts on a sequence or group of other rules\u2019 matches' };
    case 'scheduled_query':
    case 'saved_query':
      if (use?.template) return { kind: 'building_block', kindReason: 'Jinja macro template: other queries expand it; it does not run as written' };
      if (use?.tables?.length && use.tables.every((t) => t.toLowerCase().startsWith(LOOKUP_SCHEMA_PREFIX))) {
        return { kind: 'enrichment', kindReason: `reads only enrichment (lookup table) data (${use.tables.join(', ')}), not log events: a summary for analysts` };
      }
      if (meta.analysisType === 'saved_query') return { kind: 'hunting', kindReason: 'saved query: run on demand by an analyst (hunting / investigation), raises no alert' };
      if (use && use.usedBy.length) {
        return { kind: 'building_block', kindReason: `scheduled query feeding scheduled rule ${use.usedBy.join(', ')}: the rule is the detection, this query is its data source` };
      }
      return { kind: 'hunting', kindReason: 'scheduled query that no scheduled rule uses: its results are not turned into alerts by a rule in this source' };
    case 'datamodel':
    case 'global':
    case 'pack':
    case 'lookup_table':
      return { kind: 'placeholder', kindReason: `${meta.analysisType} is not a rule` };
  }
}
