/**
 * One Panther spec (rule, scheduled rule, policy, correlation rule, scheduled / saved query) assembled into a
 * RuleRecord: metadata from spec.ts, tests, body files verbatim, and logic from the YAML detection, the Python body,
 * the SQL or the correlation block.
 */
import { GeneralDiagnostics, type Diagnostic } from '../../model/diagnostics.ts';
import { and, type Expr } from '../../model/expr.ts';
import { buildLogic, noLogic } from '../../model/lowering.ts';
import { slugify } from '../../model/facts.ts';
import type { Aggregation, BodyFile, LogSource, Logic, OutputField, RuleRecord, Stage } from '../../model/rule.ts';
import type { SourceInfo } from '../adapter.ts';
import { ruleRecord, ruleSource } from '../record.ts';
import { readSourceText } from '../io.ts';
import { lowerCorrelation } from './correlation.ts';
import { keyOf, lowerMatchExpressions } from './detection.ts';
import { PantherDiagnostics } from './diagnostics.ts';
import type { AnalysisType } from './pantherFacts.ts';
import { queryMap, resolveFilename, sqlOf, type PantherPrep } from './prep.ts';
import { lowerPythonRule } from './python/index.ts';
import type { DedupKey } from './python/api.ts';
import { classifyKind, idKeyOf, readSpecMeta } from './spec.ts';
import { SQL_PARSER_NOTE, type SqlLowering } from './sql.ts';
import { overQueryRows, type RowSource } from './scheduled.ts';
import { parseTests } from './tests.ts';
import { asString, asStringList, isRecord, lineAt, rangeAt, type YamlSpec } from './yamlDoc.ts';

export const PARSER_YAML_DETECTION = 'Panther YAML detection';
export const PARSER_PYTHON = 'Python via tree-sitter';
export const PARSER_CORRELATION = 'Panther YAML correlation';

export interface BuiltRecord {
  readonly record: RuleRecord;
  readonly dependsOn: string[];
}

export async function buildRecord(root: string, file: string, spec: YamlSpec, type: AnalysisType, prep: PantherPrep, source: SourceInfo): Promise<BuiltRecord> {
  const v = spec.value as Record<string, unknown>;
  const at = (p: (string | number)[]) => {
    const line = lineAt(spec, p);
    return line === undefined ? undefined : { line };
  };
  const meta = readSpecMeta(spec, file, type, prep.deprecatedIds);
  const diagnostics: Diagnostic[] = [...meta.diagnostics];
  if (!meta.nativeId) diagnostics.push(GeneralDiagnostics.missingField(file, idKeyOf(type), at(['AnalysisType'])));
  const tests = parseTests(spec, file);
  diagnostics.push(...tests.diagnostics);
  const body: BodyFile[] = [{ path: file, language: 'yaml', text: spec.text }];
  const dependsOn: string[] = [];
  const logSources: LogSource[] = [...meta.logSources];
  const facts: Record<string, unknown> = { ...meta.facts };
  let logic: Logic;

  if (type === 'correlation_rule') {
    const c = lowerCorrelation(spec, file);
    diagnostics.push(...c.diagnostics);
    logic = buildLogic({ ...c, parser: PARSER_CORRELATION });
    facts['CorrelatedRules'] = c.rules;
  } else if (type === 'scheduled_query' || type === 'saved_query') {
    const name = asString(v['QueryName'])?.trim();
    const q = name ? prep.queries.get(name) : undefined;
    if (typeof v['Query'] !== 'string' || !q || q.path !== file) {
      if (typeof v['Query'] !== 'string') diagnostics.push(PantherDiagnostics.noQuery(file, at(['AnalysisType'])));
      logic = buildLogic(noLogic('The query has no SQL to show.'));
      if (typeof v['Query'] === 'string') {
        // a second spec with the same QueryName: lower its own SQL
        const own = sqlOf(prep, { path: file, sql: v['Query'], map: queryMap(file, spec.text, spec.doc.get('Query', true)) });
        ({ logic } = sqlLogic(own));
        diagnostics.push(...own.diagnostics);
        body.push({ path: `${file}#Query`, language: 'sql', text: v['Query'] });
      }
    } else {
      const sql = sqlOf(prep, q);
      diagnostics.push(...sql.diagnostics);
      body.push({ path: `${file}#Query`, language: 'sql', text: q.sql });
      for (const t of sql.tables) logSources.push({ kind: 'table', name: t });
      ({ logic } = sqlLogic(sql));
      if (sql.dialect) facts['SqlDialect'] = sql.dialect;
    }
    const users = name ? prep.queryUsers.get(name) : undefined;
    if (users?.length) facts['UsedByScheduledRules'] = users;
  } else {
    const built = await ruleLogic(root, file, spec, type, prep, diagnostics, dependsOn, body, logSources);
    logic = built;
  }

  const name = asString(v['QueryName'])?.trim();
  const isQuery = type === 'scheduled_query' || type === 'saved_query';
  const { kind, kindReason } = classifyKind(
    meta,
    v,
    isQuery
      ? {
          usedBy: (type === 'scheduled_query' && name ? prep.queryUsers.get(name) : undefined) ?? [],
          tables: logSources.filter((l) => l.kind === 'table').map((l) => l.name),
          template: diagnostics.some((d) => d.code === PantherDiagnostics.sqlTemplate(file, {}).code),
        }
      : undefined,
  );
  const stem = file.slice(file.lastIndexOf('/') + 1).replace(/\.ya?ml$/, '');
  const id = `panther/${slugify(stem)}`;
  const record = ruleRecord({
    ...meta,
    id,
    format: 'panther',
    nativeType: type,
    source: ruleSource(source, file),
    title: meta.title ?? meta.nativeId ?? id,
    kind,
    kindReason,
    logSources,
    body,
    logic,
    tests: tests.tests,
    diagnostics,
    facts,
  });
  return { record, dependsOn };
}

function sqlLogic(sql: SqlLowering): { logic: Logic } {
  if (!sql.parsed) return { logic: buildLogic(noLogic(sql.note)) };
  return { logic: buildLogic({ ...sql, parser: SQL_PARSER_NOTE + (sql.dialect && sql.dialect !== 'snowflake' ? ` (accepted as ${sql.dialect})` : '') }) };
}

/** Logic of a rule / scheduled rule / policy: YAML `Detection`, or the Python body (with `InlineFilters` first). */
async function ruleLogic(
  root: string,
  file: string,
  spec: YamlSpec,
  type: AnalysisType,
  prep: PantherPrep,
  diagnostics: Diagnostic[],
  dependsOn: string[],
  body: BodyFile[],
  logSources: LogSource[],
): Promise<Logic> {
  const v = spec.value as Record<string, unknown>;
  const stages: Stage[] = [];
  const slice = (p: (string | number)[]) => {
    const r = rangeAt(spec, p);
    return r ? { text: spec.text.slice(r.start, r.end).trimEnd(), span: { file, ...r } } : { text: '' };
  };
  // scheduled rules run on the rows of their scheduled queries
  const queries: RowSource[] = [];
  for (const qn of asStringList(v['ScheduledQueries']).map((s) => s.trim())) {
    const q = prep.queries.get(qn);
    if (!q) {
      const i = asStringList(v['ScheduledQueries']).findIndex((s) => s.trim() === qn);
      diagnostics.push(PantherDiagnostics.queryNotFound(file, qn, lineOpt(lineAt(spec, ['ScheduledQueries', i]))));
      stages.push({ kind: 'source', label: 'ScheduledQueries', text: qn, detail: { query: qn, found: false } });
      queries.push({ name: qn, sql: { parsed: false, stages: [], missing: [], outputFields: [], diagnostics: [], tables: [], note: 'the query is not in this source' } });
      continue;
    }
    const sql = sqlOf(prep, q);
    dependsOn.push(q.path);
    body.push({ path: `${q.path}#Query`, language: 'sql', text: q.sql });
    for (const t of sql.tables) if (!logSources.some((l) => l.kind === 'table' && l.name === t)) logSources.push({ kind: 'table', name: t });
    stages.push({ kind: 'source', label: 'ScheduledQueries', text: qn, detail: { query: qn, path: q.path, tables: sql.tables } });
    queries.push({ name: qn, sql });
  }
  let inline: Expr | undefined;
  if (v['InlineFilters'] !== undefined) {
    const m = lowerMatchExpressions(spec, file, ['InlineFilters']);
    diagnostics.push(...m.diagnostics);
    inline = m.expr;
    stages.push({ kind: 'filter', label: 'InlineFilters', ...slice(['InlineFilters']), expr: m.expr });
  }
  if (v['Detection'] !== undefined) {
    const m = lowerMatchExpressions(spec, file, ['Detection']);
    diagnostics.push(...m.diagnostics);
    stages.push({ kind: 'condition', label: 'Detection', ...slice(['Detection']), expr: m.expr });
    const condition = inline ? and(inline, m.expr) : m.expr;
    const key: DedupKey = v['GroupBy'] !== undefined ? { kind: 'computed', by: 'GroupBy' } : v['AlertTitle'] !== undefined ? { kind: 'computed', by: 'AlertTitle' } : { kind: 'none' };
    const aggregation = matchThreshold(v, key);
    return overQueryRows(queries, { stages, condition, ...(aggregation ? { aggregation } : {}), outputFields: alertContextFields(v['AlertContext']), parser: PARSER_YAML_DETECTION });
  }
  const filename = asString(v['Filename']);
  if (!filename) {
    diagnostics.push(GeneralDiagnostics.missingField(file, 'Filename or Detection', lineOpt(lineAt(spec, ['AnalysisType']))));
    return overQueryRows(queries, { stages, note: 'The spec names no Python body (Filename) and has no YAML Detection.' });
  }
  const py = resolveFilename(file, filename);
  dependsOn.push(py);
  if (!prep.files.has(py)) {
    diagnostics.push(PantherDiagnostics.pythonMissing(file, py, lineOpt(lineAt(spec, ['Filename']))));
    return overQueryRows(queries, { stages, note: `The detection logic is in the Python body ${py}, which is not in this source (a corpus of YAML specs only); the logic cannot be shown or checked.` });
  }
  const read = await readSourceText(root, py);
  if (!read.ok) {
    diagnostics.push(read.diagnostic);
    return overQueryRows(queries, { stages, note: `The Python body ${py} could not be read.` });
  }
  body.push({ path: py, language: 'python', text: read.text });
  const logTypes = [...asStringList(v['LogTypes']), ...asStringList(v['ResourceTypes'])];
  // functions the spec's Tests mock are not the code that runs in production: calls to them stay opaque
  const mockedNames = mockedFunctionNames(v['Tests']);
  const low = await lowerPythonRule({ file: py, text: read.text, logTypes, analysisType: type, mockedNames }, prep.python);
  diagnostics.push(...low.diagnostics);
  dependsOn.push(...low.dependsOn.filter((d) => !dependsOn.includes(d)));
  const condition = low.condition ? (inline ? and(inline, low.condition) : low.condition) : undefined;
  const aggregation = type === 'policy' ? undefined : matchThreshold(v, low.dedupKey);
  return overQueryRows(queries, {
    ...low,
    stages: [...stages, ...low.stages],
    condition,
    ...(aggregation ? { aggregation } : {}),
    parser: PARSER_PYTHON,
    note: type === 'policy' ? 'A policy checks a resource configuration: the condition is what a COMPLIANT resource satisfies (policy() returns True); an alert is raised when it does not hold.' : undefined,
  });
}


/** Panther's default deduplication period, in minutes. */
const DEFAULT_DEDUP_MINUTES = 60;

/**
 * `Threshold: N` (N > 1): Panther alerts once N events that match the rule share a dedup string within the
 * deduplication period (`DedupPeriodMinutes`, 60 by default), so the rule is a count per dedup string. The dedup
 * string is dedup()'s value, else title()'s, else the rule's id (one group): group-by fields when the function
 * returns event fields as they are (`f"{account}:{region}"`), a computed key otherwise (the rule then stays
 * partial, with that reason).
 */
function matchThreshold(v: Record<string, unknown>, key: DedupKey): Aggregation | undefined {
  const n = typeof v['Threshold'] === 'number' ? v['Threshold'] : Number(asString(v['Threshold']));
  if (!Number.isInteger(n) || n <= 1) return undefined;
  const minutes = typeof v['DedupPeriodMinutes'] === 'number' ? v['DedupPeriodMinutes'] : DEFAULT_DEDUP_MINUTES;
  return {
    function: 'count',
    groupBy: key.kind === 'fields' ? key.fields : [],
    ...(key.kind === 'computed' ? { computedKeys: [key.by] } : key.kind === 'derived' ? { computedKeys: key.keys.map((k) => k.name), derivedKeys: key.keys } : {}),
    window: `${minutes}m`,
    threshold: { op: 'ge', value: n, of: 'rule matches' },
    text: `Threshold: ${n} matches with the same dedup string (${key.kind === 'none' ? 'the rule id' : key.kind === 'fields' ? key.fields.join(', ') : key.by}) within DedupPeriodMinutes: ${minutes}`,
  };
}

/** Names of the objects mocked by the spec's Tests (`Mocks: [{objectName, returnValue}]`). */
function mockedFunctionNames(tests: unknown): string[] {
  const names = new Set<string>();
  if (!Array.isArray(tests)) return [];
  for (const t of tests) {
    if (!isRecord(t) || !Array.isArray(t['Mocks'])) continue;
    for (const m of t['Mocks']) {
      const n = isRecord(m) ? asString(m['objectName']) : undefined;
      if (n) names.add(n);
    }
  }
  return [...names];
}

function lineOpt(line: number | undefined): { line: number } | undefined {
  return line === undefined ? undefined : { line };
}

/** `AlertContext: [{KeyName, KeyValue: {KeyPath | Key | DeepKey}}]` of a YAML detection. */
function alertContextFields(raw: unknown): OutputField[] {
  if (!Array.isArray(raw)) return [];
  const out: OutputField[] = [];
  for (const e of raw) {
    if (!isRecord(e)) continue;
    const name = asString(e['KeyName']);
    if (!name) continue;
    const from = keyOf(e['KeyValue']);
    out.push({ name, source: 'AlertContext', ...(from ? { from } : {}) });
  }
  return out;
}
