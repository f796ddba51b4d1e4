/**
 * What every Panther file may need, read once per source: every spec parsed (cached), which Python files the specs
 * name, the scheduled queries by name and the scheduled rules that use them, deprecated.txt, and the Python
 * repository context (global helpers, data models) from the Python lowering.
 */
import path from 'node:path';
import type { Diagnostic } from '../../model/diagnostics.ts';
import { isScalar } from 'yaml';
import { readSourceText } from '../io.ts';
import { SourceMap } from '../sourceMap.ts';
import { yamlScalarMap } from '../yaml.ts';
import { preparePythonRepo, type PythonRepoContext } from './python/index.ts';
import { lowerSql, type SqlLowering } from './sql.ts';
import { asString, asStringList, isRecord, parseYamlSpec, type ParseYamlResult } from './yamlDoc.ts';
import { SKIPPED_DIRS } from './pantherFacts.ts';

export interface QueryRef {
  /** Spec file of the query. */
  readonly path: string;
  readonly sql: string;
  /** Where the SQL sits in the spec. */
  readonly map: SourceMap;
}

export interface PantherPrep {
  readonly files: ReadonlySet<string>;
  readonly deprecatedIds: ReadonlySet<string>;
  /**
   * Parsed spec YAML by path (every .yml/.yaml outside the skipped folders), each taken (removed) by its own file's
   * parse, which parses the file again if asked a second time.
   */
  readonly specs: Map<string, { text: string; parsed: ParseYamlResult }>;
  /** Python / SQL file → spec files naming it in `Filename`. */
  readonly referenced: ReadonlyMap<string, string[]>;
  /** QueryName → the query spec. */
  readonly queries: ReadonlyMap<string, QueryRef>;
  /** QueryName → RuleIDs of the scheduled rules that run on it. */
  readonly queryUsers: ReadonlyMap<string, string[]>;
  readonly python: PythonRepoContext;
  readonly diagnostics: readonly Diagnostic[];
  /** SQL lowerings by query spec path, computed on first use. */
  readonly sqlCache: Map<string, SqlLowering>;
}

export function isYamlPath(p: string): boolean {
  return p.endsWith('.yml') || p.endsWith('.yaml');
}

export function topDir(p: string): string {
  const i = p.indexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

/** The file a spec's `Filename` names, relative to the source root. */
export function resolveFilename(specPath: string, filename: string): string {
  return path.posix.normalize(path.posix.join(path.posix.dirname(specPath), filename));
}

/** The source map of a spec's `Query` value (the whole file when the node is not a scalar). */
export function queryMap(file: string, text: string, node: unknown): SourceMap {
  return isScalar(node) ? yamlScalarMap(file, text, node) : SourceMap.verbatim(file, text);
}

export async function preparePanther(root: string, files: readonly string[]): Promise<PantherPrep> {
  const specs = new Map<string, { text: string; parsed: ParseYamlResult }>();
  const referenced = new Map<string, string[]>();
  const queries = new Map<string, QueryRef>();
  const queryUsers = new Map<string, string[]>();
  const diagnostics: Diagnostic[] = [];
  let deprecatedIds = new Set<string>();
  for (const f of files) {
    if (f === 'deprecated.txt') {
      const r = await readSourceText(root, f);
      if (r.ok) deprecatedIds = new Set(r.text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')));
      else diagnostics.push(r.diagnostic);
      continue;
    }
    if (!isYamlPath(f) || SKIPPED_DIRS[topDir(f)] !== undefined || f.startsWith('.')) continue;
    const r = await readSourceText(root, f);
    if (!r.ok) continue; // reported by parseFile
    const parsed = parseYamlSpec(r.text);
    specs.set(f, { text: r.text, parsed });
    if (!parsed.ok || !isRecord(parsed.spec.value)) continue;
    const v = parsed.spec.value;
    const filename = asString(v['Filename']);
    if (filename) {
      const target = resolveFilename(f, filename);
      referenced.set(target, [...(referenced.get(target) ?? []), f]);
    }
    const type = asString(v['AnalysisType']);
    if ((type === 'scheduled_query' || type === 'saved_query') && typeof v['QueryName'] === 'string' && typeof v['Query'] === 'string') {
      const name = v['QueryName'].trim();
      if (!queries.has(name)) queries.set(name, { path: f, sql: v['Query'], map: queryMap(f, r.text, parsed.spec.doc.get('Query', true)) });
    }
    if (type === 'scheduled_rule') {
      const id = asString(v['RuleID']) ?? f;
      for (const q of asStringList(v['ScheduledQueries'])) queryUsers.set(q.trim(), [...(queryUsers.get(q.trim()) ?? []), id]);
    }
  }
  const python = await preparePythonRepo(root, files);
  return { files: new Set(files), deprecatedIds, specs, referenced, queries, queryUsers, python, diagnostics, sqlCache: new Map() };
}

/** The SQL lowering of a query spec, computed once. */
export function sqlOf(prep: PantherPrep, q: QueryRef): SqlLowering {
  let r = prep.sqlCache.get(q.path);
  if (!r) {
    r = lowerSql(q.sql, `${q.path}#Query`, q.map);
    prep.sqlCache.set(q.path, r);
  }
  return r;
}
