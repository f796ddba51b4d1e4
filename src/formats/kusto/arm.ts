/**
 * KQL rules kept as JSON:
 * - Microsoft Sentinel exports and ARM templates: `resources[]` of type `…/alertRules` (analytic rules: displayName,
 *   severity, tactics, techniques, queryFrequency, queryPeriod, triggerOperator, triggerThreshold, entityMappings…)
 *   and `…/savedSearches` (hunting queries: displayName, category, tags tactics/techniques), also nested in
 *   deployment templates (`properties.template.resources`), and a single exported rule `{properties: {query…}}`;
 * - Microsoft Defender XDR custom detection rules as the Graph API returns them (`displayName`,
 *   `queryCondition.queryText`, `schedule.period`, `detectionAction.alertTemplate` with severity, category and
 *   `mitreTechniques`), one rule or a `value` list.
 * Values come from `JSON.parse`; the query's position from `jsonLocate.ts`, so diagnostics point into the file.
 */
import { GeneralDiagnostics, type Diagnostic } from '../../model/diagnostics.ts';
import { normalizeSeverity, slugify } from '../../model/facts.ts';
import { lineColAt } from '../../model/span.ts';
import type { SourceInfo } from '../adapter.ts';
import { SourceMap } from '../sourceMap.ts';
import { jsonStringOffsets, locateJsonStrings, MAX_JSON_DEPTH, type StringLiteral } from '../jsonLocate.ts';
import { nestsDeeperThan } from '../../model/jsonDepth.ts';
import { buildKqlRule, type KqlRuleOutput } from './record.ts';
import { sentinelRuleInput } from './sentinel.ts';
import { isRecord } from '../../model/isRecord.ts';

export interface KqlJsonResult {
  readonly outputs: readonly KqlRuleOutput[];
  readonly diagnostics: readonly Diagnostic[];
  /** Set when the JSON holds no KQL rule: the reason it is skipped. */
  readonly notARule?: string;
}

type Obj = Record<string, unknown>;

/** A rule found in the document: its fields in Sentinel YAML naming, and where its query string is. */
interface Found {
  readonly fields: Obj;
  readonly queryPointer: string;
  readonly hunting: boolean;
  readonly nativeType: string;
  readonly name: string;
}

export function parseKqlJson(file: string, text: string, source: SourceInfo): KqlJsonResult {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) return { outputs: [], diagnostics: [GeneralDiagnostics.tooDeep(file, MAX_JSON_DEPTH)] };
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    return { outputs: [], diagnostics: [GeneralDiagnostics.syntax(file, 'JSON', msg, pos ? lineColAt(text, Number(pos[1])) : { line: 1, column: 1 })] };
  }
  const found: Found[] = [];
  collect(doc, '', found, 0);
  if (found.length === 0) return { outputs: [], diagnostics: [], notARule: 'JSON without a KQL rule (no alertRules / savedSearches resource with a query, no Defender custom detection)' };
  const strings = locateJsonStrings(text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text);
  const stem = slugify(file.split('/').pop()!.replace(/\.json$/i, ''));
  const outputs = found.map((f, idx) => {
    const query = String(getPointer(doc, f.queryPointer));
    const lit: StringLiteral | undefined = strings?.get(f.queryPointer);
    const map = lit ? SourceMap.characters(file, text, jsonStringOffsets(text, lit), lit.end) : SourceMap.verbatim(file, text, 0);
    const startLine = lit ? lineColAt(text, lit.start).line : 1;
    const endLine = lit ? lineColAt(text, lit.end).line : 1;
    const diagnostics: Diagnostic[] = [];
    const input = sentinelRuleInput(f.fields, {
      file,
      text,
      fileLanguage: 'json',
      query,
      map,
      hunting: f.hunting,
      source,
      atKey: () => (lit ? lineColAt(text, lit.start) : undefined),
      diagnostics,
      id: `kusto/${found.length > 1 ? `${stem}-${slugify(f.name) || idx + 1}` : stem}`,
      ...(lit && found.length > 1 ? { range: { start: lit.start, end: lit.end }, lines: { start: startLine, end: endLine } } : {}),
    });
    return buildKqlRule({ ...input, nativeType: f.nativeType });
  });
  return { outputs, diagnostics: [] };
}

/** Walk the document for rule objects (bounded: ARM nests deployments inside deployments). */
function collect(v: unknown, pointer: string, out: Found[], depth: number): void {
  if (depth > 12 || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    v.forEach((x, i) => collect(x, `${pointer}/${i}`, out, depth + 1));
    return;
  }
  const o = v as Obj;
  const props = isRecord(o['properties']) ? o['properties'] : undefined;
  const type = typeof o['type'] === 'string' ? o['type'].toLowerCase() : '';
  if (props && typeof props['query'] === 'string' && (type.endsWith('alertrules') || type === '' || typeof o['kind'] === 'string')) {
    out.push(analyticRule(o, props, `${pointer}/properties/query`));
    return;
  }
  if (props && typeof props['query'] === 'string' && type.endsWith('savedsearches')) {
    out.push(savedSearch(props, `${pointer}/properties/query`));
    return;
  }
  const qc = o['queryCondition'];
  if (isRecord(qc) && typeof qc['queryText'] === 'string') {
    out.push(customDetection(o, `${pointer}/queryCondition/queryText`));
    return;
  }
  for (const k of ['resources', 'value', 'template']) if (o[k] !== undefined) collect(o[k], `${pointer}/${escapePointer(k)}`, out, depth + 1);
  if (props) for (const k of ['template', 'mainTemplate']) if (props[k] !== undefined) collect(props[k], `${pointer}/properties/${k}`, out, depth + 1);
}

/** A Sentinel analytic rule resource: its `properties` renamed to the YAML template's field names. */
function analyticRule(o: Obj, p: Obj, queryPointer: string): Found {
  const techniques = [...arr(p['techniques']), ...arr(p['subTechniques'])];
  const name = str(p['displayName']) ?? str(o['name']) ?? 'analytic rule';
  const { techniques: _t, subTechniques: _s, ...rest } = p;
  const fields: Obj = {
    ...rest,
    name,
    ...(str(o['kind']) ? { kind: str(o['kind']) } : {}),
    ...(techniques.length ? { relevantTechniques: techniques } : {}),
    ...(p['alertRuleTemplateName'] ? { id: p['alertRuleTemplateName'] } : str(o['name']) && !str(o['name'])!.startsWith('[') ? { id: str(o['name']) } : {}),
    ...(str(p['templateVersion']) ? { version: str(p['templateVersion']) } : {}),
  };
  return { fields, queryPointer, hunting: false, nativeType: str(o['kind']) ?? 'Scheduled', name };
}

/** A Log Analytics saved search (how Sentinel exports hunting queries): tactics and techniques are tags. */
function savedSearch(p: Obj, queryPointer: string): Found {
  const tags = arr(p['tags']).filter(isRecord);
  const tag = (n: string) => tags.filter((t) => String(t['name']).toLowerCase() === n).flatMap((t) => String(t['value'] ?? '').split(','));
  const name = str(p['displayName']) ?? 'hunting query';
  const description = tag('description').join(',').trim();
  const fields: Obj = {
    name,
    ...(description ? { description } : {}),
    tactics: tag('tactics').map((s) => s.trim()).filter(Boolean),
    relevantTechniques: [...tag('techniques'), ...tag('relevanttechniques')].map((s) => s.trim()).filter(Boolean),
  };
  // Sentinel keeps hunting queries as saved searches (category "Hunting Queries"); any saved search is run by hand
  return { fields, queryPointer, hunting: true, nativeType: 'savedSearch', name };
}

/** A Defender XDR custom detection rule (Graph `detectionRule`). */
function customDetection(o: Obj, queryPointer: string): Found {
  const action = isRecord(o['detectionAction']) ? o['detectionAction'] : {};
  const alert = isRecord(action['alertTemplate']) ? action['alertTemplate'] : {};
  const schedule = isRecord(o['schedule']) ? o['schedule'] : {};
  const name = str(o['displayName']) ?? str(alert['title']) ?? 'custom detection';
  const sev = str(alert['severity']);
  const fields: Obj = {
    name,
    ...(str(alert['description']) ? { description: str(alert['description']) } : {}),
    ...(sev && normalizeSeverity(sev) ? { severity: sev } : {}),
    ...(str(o['id']) ? { id: str(o['id']) } : {}),
    ...(typeof o['isEnabled'] === 'boolean' ? { enabled: o['isEnabled'] } : {}),
    ...(str(schedule['period']) ? { queryFrequency: str(schedule['period']) } : {}),
    ...(str(alert['category']) ? { tactics: [str(alert['category'])] } : {}),
    relevantTechniques: arr(alert['mitreTechniques']).map(String),
    ...(str(alert['recommendedActions']) ? { recommendedActions: str(alert['recommendedActions']) } : {}),
  };
  return { fields, queryPointer, hunting: false, nativeType: 'customDetection', name };
}

function getPointer(doc: unknown, pointer: string): unknown {
  let cur = doc;
  for (const part of pointer.split('/').slice(1)) {
    const k = part.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = Array.isArray(cur) ? cur[Number(k)] : isRecord(cur) ? cur[k] : undefined;
  }
  return cur;
}

function escapePointer(k: string): string {
  return k.replace(/~/g, '~0').replace(/\//g, '~1');
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v : undefined;
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}
