/**
 * Microsoft Sentinel YAML (analytic rules and hunting queries): metadata into the rule record, the `query` block
 * into the KQL lowering with spans placed in the YAML file.
 * Reference: Azure-Sentinel "Query Style Guide" and analytic-rule template (id, name, description, severity,
 * requiredDataConnectors, queryFrequency, queryPeriod, triggerOperator, triggerThreshold, tactics,
 * relevantTechniques, query, entityMappings, customDetails, alertDetailsOverride, version, kind).
 */
import { collectionKey, flowDepthExceeds, yamlComplexKey, yamlScalarMap } from '../yaml.ts';
import { LIMITS } from '../../model/diagnostics.ts';
import { isMap, isScalar, parseDocument, type Scalar } from 'yaml';
import { GeneralDiagnostics, type Diagnostic } from '../../model/diagnostics.ts';
import { normalizeSeverity, normalizeStatus, slugify } from '../../model/facts.ts';
import type { DeclaredAttack, LogSource, OutputField } from '../../model/rule.ts';
import { lineColAt } from '../../model/span.ts';
import type { SourceInfo } from '../adapter.ts';
import { ruleSource } from '../record.ts';
import type { SourceMap } from '../sourceMap.ts';
import { KqlDiagnostics } from './diagnostics.ts';
import { buildKqlRule, type KqlRuleInput, type KqlRuleOutput } from './record.ts';

export interface SentinelResult {
  readonly outputs: readonly KqlRuleOutput[];
  readonly diagnostics: readonly Diagnostic[];
  /** Set when the file is not a rule (no query): the reason. */
  readonly notARule?: string;
}

const TRIGGER_OPS: Readonly<Record<string, 'gt' | 'lt' | 'eq' | 'ne'>> = {
  gt: 'gt',
  greaterthan: 'gt',
  lt: 'lt',
  lessthan: 'lt',
  eq: 'eq',
  equal: 'eq',
  ne: 'ne',
  notequal: 'ne',
};

/** Parse one Sentinel YAML file. `hunting` when the file sits in a Hunting Queries folder. */
export function parseSentinelYaml(file: string, text: string, hunting: boolean, source: SourceInfo): SentinelResult {
  const deep = flowDepthExceeds(text);
  if (deep) return { outputs: [], diagnostics: [GeneralDiagnostics.tooDeep(file, LIMITS.maxDepth, deep)] };
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false });
  const diags: Diagnostic[] = [];
  for (const e of doc.errors) {
    const lp = e.linePos?.[0];
    diags.push(GeneralDiagnostics.syntax(file, 'YAML', e.message.split('\n')[0] ?? e.message, lp ? { line: lp.line, column: lp.col } : undefined));
  }
  if (doc.errors.length) return { outputs: [], diagnostics: diags };
  if (!isMap(doc.contents)) return { outputs: [], diagnostics: [KqlDiagnostics.notMapping(file)], notARule: 'YAML document is not a mapping' };
  const complex = collectionKey(doc);
  if (complex) return { outputs: [], diagnostics: [yamlComplexKey(file, complex, text)] };
  let y: Record<string, unknown>;
  try {
    y = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  } catch (e) {
    // alias bombs and other resource-exhaustion input
    return { outputs: [], diagnostics: [GeneralDiagnostics.syntax(file, 'YAML', e instanceof Error ? e.message : String(e), { line: 1, column: 1 })] };
  }
  const qnode = doc.contents.get('query', true);
  if (!isScalar(qnode) || typeof qnode.value !== 'string') {
    return { outputs: [], diagnostics: [KqlDiagnostics.noQuery(file)], notARule: 'Sentinel YAML without a query (e.g. a stub left where content moved): not a rule' };
  }
  const query = qnode.value;
  const map = yamlScalarMap(file, text, qnode);
  const atKey = (k: string) => {
    const n = doc.contents && isMap(doc.contents) ? doc.contents.get(k, true) : undefined;
    const r = (n as Scalar | undefined)?.range;
    return r ? lineColAt(text, r[0]) : undefined;
  };
  const id = `kusto/${slugify(file.split('/').pop()!.replace(/\.ya?ml$/i, ''))}`;
  return { outputs: [buildKqlRule(sentinelRuleInput(y, { file, text, fileLanguage: 'yaml', query, map, hunting, source, atKey, diagnostics: diags, id }))], diagnostics: [] };
}

/** Where a Sentinel rule's fields sit: the YAML file, or an ARM template / API export (`arm.ts`). */
export interface SentinelRuleContext {
  readonly file: string;
  readonly text: string;
  readonly fileLanguage: string;
  readonly query: string;
  /** Where the query sits in the file. */
  readonly map: SourceMap;
  readonly hunting: boolean;
  readonly source: SourceInfo;
  readonly atKey: (k: string) => { line: number; column: number } | undefined;
  readonly diagnostics: Diagnostic[];
  readonly id: string;
  readonly range?: { readonly start: number; readonly end: number };
  readonly lines?: { readonly start: number; readonly end: number };
}

/**
 * The rule input from a Sentinel rule's fields, named as the YAML template names them (name, description,
 * severity, requiredDataConnectors, queryFrequency, queryPeriod, triggerOperator, triggerThreshold, tactics,
 * relevantTechniques, entityMappings, customDetails, kind, status, version).
 */
export function sentinelRuleInput(y: Readonly<Record<string, unknown>>, ctx: SentinelRuleContext): KqlRuleInput {
  const { file, text, query, map, hunting, source, atKey } = ctx;
  const diags = ctx.diagnostics;
  const str = (k: string): string | undefined => (typeof y[k] === 'string' ? (y[k] as string) : typeof y[k] === 'number' ? String(y[k]) : undefined);
  const sevNative = str('severity');
  const severity = normalizeSeverity(sevNative);
  if (sevNative !== undefined && !severity) diags.push(KqlDiagnostics.badValue(file, 'severity', sevNative, atKey('severity')));

  const logSources: LogSource[] = [];
  for (const c of arr(y['requiredDataConnectors'])) {
    if (!c || typeof c !== 'object') continue;
    const o = c as Record<string, unknown>;
    const types = arr(o['dataTypes']).map(String);
    logSources.push({ kind: 'dataConnector', name: String(o['connectorId'] ?? ''), ...(types.length ? { detail: { dataTypes: types.join(', ') } } : {}) });
  }

  const attack: DeclaredAttack[] = [];
  for (const t of arr(y['tactics'])) attack.push({ text: String(t), tactic: String(t) });
  for (const t of [...arr(y['relevantTechniques']), ...arr(y['techniques'])]) attack.push({ text: String(t), techniqueId: String(t).trim() });

  const outputFields: OutputField[] = [];
  for (const m of arr(y['entityMappings'])) {
    if (!m || typeof m !== 'object') continue;
    const em = m as Record<string, unknown>;
    for (const f of arr(em['fieldMappings'])) {
      const fm = (f ?? {}) as Record<string, unknown>;
      outputFields.push({ name: `${String(em['entityType'])}.${String(fm['identifier'])}`, source: 'entityMappings', from: String(fm['columnName'] ?? '') });
    }
  }
  const cd = y['customDetails'];
  if (cd && typeof cd === 'object') for (const [k, v] of Object.entries(cd)) outputFields.push({ name: k, source: 'customDetails', from: String(v) });

  const facts: Record<string, unknown> = {};
  for (const k of ['kind', 'queryFrequency', 'queryPeriod', 'triggerOperator', 'triggerThreshold', 'suppressionEnabled', 'suppressionDuration', 'eventGroupingSettings', 'incidentConfiguration', 'alertDetailsOverride', 'customDetails', 'entityMappings', 'sentinelEntitiesMappings', 'alertRuleTemplateName']) {
    if (y[k] !== undefined) facts[k] = y[k];
  }

  let trigger: KqlRuleInput['trigger'];
  const trigOp = str('triggerOperator');
  if (trigOp !== undefined) {
    const op = TRIGGER_OPS[trigOp.toLowerCase()];
    const value = Number(y['triggerThreshold']);
    if (!op || Number.isNaN(value)) diags.push(KqlDiagnostics.badValue(file, 'triggerOperator', `${trigOp} ${String(y['triggerThreshold'])}`, atKey('triggerOperator')));
    else if (!(op === 'gt' && value === 0)) trigger = { op, value, ...(str('queryPeriod') ? { window: str('queryPeriod')! } : {}) };
  }

  const nativeKind = str('kind');
  if (nativeKind !== undefined && !['Scheduled', 'NRT'].includes(nativeKind)) diags.push(KqlDiagnostics.badValue(file, 'kind', nativeKind, atKey('kind')));
  const name = str('name') ?? file;
  const deprecated = /^\s*\[deprecated\]/i.test(name) || str('status')?.toLowerCase() === 'deprecated';
  const kind = deprecated
    ? { kind: 'deprecated' as const, reason: 'marked deprecated by its authors ([Deprecated] in the name or status)' }
    : hunting
      ? { kind: 'hunting' as const, reason: 'Sentinel hunting query (a Hunting Queries folder): run by an analyst, not scheduled to alert' }
      : undefined;

  const statusNative = str('status');
  const input: KqlRuleInput = {
    id: ctx.id,
    file,
    fileText: text,
    fileLanguage: ctx.fileLanguage,
    query,
    map,
    ...(ctx.range ? { range: ctx.range } : {}),
    source: ruleSource(source, file, ctx.lines ? { lines: ctx.lines } : {}),
    ...(str('id') ? { nativeId: str('id')! } : {}),
    nativeType: hunting ? 'hunting' : (nativeKind ?? 'Scheduled'),
    title: name,
    ...(str('description') ? { description: str('description')!.trim() } : {}),
    ...(str('version') ? { version: str('version')! } : {}),
    tags: arr(y['tags']).map((t) => (typeof t === 'object' ? JSON.stringify(t) : String(t))),
    ...(severity ? { severity } : {}),
    ...(sevNative ? { severityNative: sevNative } : {}),
    status: deprecated ? 'deprecated' : normalizeStatus(statusNative),
    ...(statusNative ? { statusNative } : {}),
    ...(typeof y['enabled'] === 'boolean' ? { enabled: y['enabled'] as boolean } : {}),
    ...(kind ? { kind } : {}),
    defaultKindReason: `Sentinel analytic rule (${nativeKind ?? 'Scheduled'}): alerts on every result of its query`,
    logSources,
    attackDeclared: attack,
    facts,
    outputFields,
    diagnostics: diags,
    ...(str('queryPeriod') ? { queryPeriod: str('queryPeriod')! } : {}),
    ...(trigger ? { trigger } : {}),
  };
  return input;
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}
