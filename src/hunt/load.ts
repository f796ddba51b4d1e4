/**
 * The rules a hunt runs: from a built catalog (`rule_json`, every language at once) or from rule files and
 * repositories parsed on the spot (`--rules PATH...`), filtered by format, kind and minimum severity.
 */
import Database from 'better-sqlite3';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { catalogFile } from '../catalog/paths.ts';
import { workerEntry } from '../catalog/workerEntry.ts';
import { detectRuleFolders, findRepoRoot } from '../formats/detect.ts';
import { adapterFor } from '../formats/registry.ts';
import { scanSource } from '../formats/scan.ts';
import { describeSource } from '../formats/source-info.ts';
import { VOCABULARIES, vocabularyFor } from '../formats/vocabularies.ts';
import { choicesOf, FORMATS, KINDS, SEVERITIES, STATUSES, type Format, type Kind, type Severity, type Status } from '../model/facts.ts';
import type { RuleRecord } from '../model/rule.ts';
import type { ReadJob, ReadReply } from './readWorker.ts';

export interface RuleFilter {
  readonly formats?: readonly Format[];
  readonly kinds?: readonly string[];
  readonly minSeverity?: Severity;
  /** Only these rules, each named by its id or its native id (`detwiki convert`). */
  readonly ids?: readonly string[];
}

export function parseFormats(s: string | undefined): Format[] | undefined {
  return s ? choicesOf(s, FORMATS, 'format') : undefined;
}

/** `--kind k1,k2`: each a rule kind (`KINDS`), or undefined for every kind. */
export function parseKinds(s: string | undefined): Kind[] | undefined {
  return s ? choicesOf(s, KINDS, 'kind') : undefined;
}

/**
 * Statuses a hunt leaves out unless `--status` names them: withdrawn rules (and those of kind `deprecated`), and
 * Sigma's `unsupported/` rules, whose logic their authors say Sigma cannot express (the documents left, run alone,
 * match far more than the rule means: `sysmon_process_reimaging`'s second document is `EventID: 11`).
 */
export const STATUSES_LEFT_OUT: readonly Status[] = ['deprecated', 'unsupported'];

/** `--status a,b` (or `all`): the statuses to run; undefined: every status but those left out by default. */
export function parseStatuses(s: string | undefined): readonly Status[] {
  if (!s) return STATUSES.filter((x) => !STATUSES_LEFT_OUT.includes(x));
  if (s.trim().toLowerCase() === 'all') return STATUSES;
  return choicesOf(s, STATUSES, 'status', { also: 'all' });
}

/** Whether a rule's status is among those to run (a rule of kind `deprecated` counts as status `deprecated`). */
export function statusKept(r: RuleRecord, statuses: readonly Status[]): boolean {
  return statuses.includes(r.status) && (r.kind !== 'deprecated' || statuses.includes('deprecated'));
}

export function keep(r: RuleRecord, f: RuleFilter): boolean {
  if (f.formats && !f.formats.includes(r.format)) return false;
  if (f.kinds && !f.kinds.includes(r.kind)) return false;
  if (f.ids && !f.ids.includes(r.id) && !(r.nativeId !== undefined && f.ids.includes(r.nativeId))) return false;
  if (f.minSeverity) {
    const want = SEVERITIES.indexOf(f.minSeverity);
    if (r.severity === undefined || SEVERITIES.indexOf(r.severity) < want) return false;
  }
  return true;
}

/**
 * A rule's record as the hunt reads it from the catalog: without what only its page shows (the rule text, its tests,
 * description, runbook, false positives and references), without its exclusions (a view of the condition for the
 * page and the indexes) and without its stages' expressions, texts and spans (a vocabulary reads a stage's kind and
 * detail; the hunt runs `logic.condition`). All of SigmaHQ's and the other corpora's records: 215 MB of JSON read as
 * 86 MB, 3.6 s → 2.6–3.5 s, and 142 MB of heap held instead of 308 MB. The stages are kept only for the languages
 * whose vocabulary reads them (`Vocabulary.readsStages`), and are taken apart after parsing (`huntView`); the
 * others' are an empty list. Taking each stage apart in SQL (`json_each`, `json_group_array`), and setting the two
 * lists there (`json_set`), made the query over every record 0.80–1.0 s where `json_remove` alone takes 0.62–0.69 s
 * (one thread, warm; with the parse, 1.16–1.37 s against 1.08–1.10 s: 2026-12-06).
 */
const PAGE_ONLY = `'$.body', '$.tests', '$.description', '$.runbook', '$.falsePositives', '$.references', '$.logic.exclusions'`;
const STAGE_FORMATS = (Object.keys(VOCABULARIES) as Format[]).filter((f) => vocabularyFor(f)?.readsStages);
const HUNT_RECORD_SQL = `CASE WHEN r.format IN (${STAGE_FORMATS.map((f) => `'${f}'`).join(', ') || "''"}) THEN json_remove(j.json, ${PAGE_ONLY}) ELSE json_remove(j.json, ${PAGE_ONLY}, '$.logic.stages') END`;

/** A record as `HUNT_RECORD_SQL` reads it, made what the hunt runs: no exclusions, stages without expressions, texts or spans. */
function huntView(r: RuleRecord): RuleRecord {
  const logic = r.logic as { exclusions: RuleRecord['logic']['exclusions']; stages: RuleRecord['logic']['stages'] };
  logic.exclusions = [];
  logic.stages = logic.stages ? logic.stages.map(({ expr: _e, text: _t, span: _s, ...rest }) => rest as RuleRecord['logic']['stages'][number]) : [];
  return r;
}

/**
 * From this many rules on, a second thread queries the later part of the catalog (`rulesFromCatalog`). Every corpus'
 * 15,486 records: the query about 1.0 s, `JSON.parse` of its rows about 0.95 s, on one thread.
 */
export const READ_THREAD_MIN = 3000;
/**
 * The share of the rules, in id order, the calling thread queries itself: it then parses its rows while the reading
 * thread (started first, about 0.1 s) still queries the rest, and parses those last.
 */
const OWN_SHARE = 0.42;
const READ_ENTRY = workerEntry(import.meta.url, 'readWorker');

/** The build a connection's open transaction reads (each build that changes the catalog writes a new id). */
const BUILD_ID_SQL = "SELECT value FROM meta WHERE key = 'build_id'";

export interface CatalogReadOptions {
  /** From how many rules on a reading thread is used (`READ_THREAD_MIN`). */
  readonly readThreadMin?: number;
  /** How the reading thread's part was read: by it, or here again (the thread failed, or it read another build). */
  readonly onThread?: (outcome: 'read' | 'failed' | 'another build') => void;
  /** Called once this thread's read transaction has its snapshot, before the reading thread starts (for tests: a build committed in between). */
  readonly afterSnapshot?: () => void;
  /** What the command can do instead when there is no catalog, said in that error (default: the hunt's `pass --rules PATH`). */
  readonly otherwise?: string;
}

/**
 * Every rule of a built catalog that passes the filter (`HUNT_RECORD_SQL`: what the hunt reads of each), in id order.
 * A large catalog is queried by two threads (`READ_THREAD_MIN`), each over its own connection: when the two read
 * different builds (a build committed in between), the rest is read again here, in this thread's own transaction.
 */
export async function rulesFromCatalog(dir: string, f: RuleFilter, opts: CatalogReadOptions = {}): Promise<RuleRecord[]> {
  const file = catalogFile(dir);
  if (!existsSync(file)) throw new Error(`no catalog at ${file}: run \`detwiki build\` or ${opts.otherwise ?? 'pass --rules PATH'}`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const where: string[] = [];
    const params: string[] = [];
    if (f.formats) {
      where.push(`r.format IN (${f.formats.map(() => '?').join(',')})`);
      params.push(...f.formats);
    }
    if (f.ids) {
      const marks = f.ids.map(() => '?').join(',');
      where.push(`(r.id IN (${marks}) OR r.native_id IN (${marks}))`);
      params.push(...f.ids, ...f.ids);
    }
    const whereSql = (extra: readonly string[]) => {
      const w = [...where, ...extra];
      return w.length ? ` WHERE ${w.join(' AND ')}` : '';
    };
    const query = (extra: readonly string[]) => `SELECT ${HUNT_RECORD_SQL} AS json FROM rules r JOIN rule_json j ON j.rowid = r.rowid${whereSql(extra)} ORDER BY r.id`;
    const filtered = whereSql([]);
    /** The rows from the cut on: the reading thread's part. */
    const restSql = query(['r.id >= ?']);
    db.exec('BEGIN');
    const build = db.prepare(BUILD_ID_SQL).pluck().get() as string | undefined;
    opts.afterSnapshot?.();
    const n = db.prepare(`SELECT COUNT(*) FROM rules r${filtered}`).pluck().get(...params) as number;
    const cut = n >= Math.max(2, opts.readThreadMin ?? READ_THREAD_MIN) ? (db.prepare(`SELECT r.id FROM rules r${filtered} ORDER BY r.id LIMIT 1 OFFSET ?`).pluck().get(...params, Math.floor(n * OWN_SHARE)) as string) : undefined;
    const rest = cut === undefined ? undefined : readInThread({ file, buildSql: BUILD_ID_SQL, sql: restSql, params: [...params, cut] });
    const own = db.prepare(query(cut === undefined ? [] : ['r.id < ?'])).pluck().all(...params, ...(cut === undefined ? [] : [cut])) as string[];
    const out = parseKept(own, f);
    if (cut !== undefined) {
      const got = await rest!;
      opts.onThread?.(!got ? 'failed' : got.build !== build ? 'another build' : 'read');
      const rows = got && got.build === build ? got.rows : (db.prepare(restSql).pluck().all(...params, cut) as string[]);
      out.push(...parseKept(rows, f));
    }
    db.exec('COMMIT');
    return out;
  } finally {
    db.close();
  }
}

function parseKept(rows: readonly string[], f: RuleFilter): RuleRecord[] {
  const out: RuleRecord[] = [];
  for (const json of rows) {
    const r = JSON.parse(json) as RuleRecord;
    if (keep(r, f)) out.push(huntView(r));
  }
  return out;
}

/** The rows of a query run by the reading thread (`readWorker.ts`); undefined when the thread failed (read here instead). */
function readInThread(job: ReadJob): Promise<ReadReply | undefined> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(READ_ENTRY, { workerData: job, env: process.env });
    } catch {
      resolve(undefined);
      return;
    }
    worker.once('message', (reply: ReadReply) => resolve(reply));
    worker.once('error', () => resolve(undefined));
    worker.once('exit', () => resolve(undefined));
  });
}

/**
 * Why a path holds no rule, when it can be told: Python alone (a Panther rule is its YAML specification, which names
 * the Python file), else what was looked for.
 */
function notRuleHint(abs: string, dir: boolean): string {
  const py = dir ? readdirSync(abs).some((n) => n.endsWith('.py')) : abs.endsWith('.py');
  if (py) return ': Python alone is not a rule (a Panther rule is its YAML file, with `AnalysisType` and `Filename:` naming the .py); give the YAML file, or the folder holding both';
  return dir ? ': no marker file, folder name or file in it reads as a rule of a known language' : ': its content reads as a rule of no known language, and no folder above it is a rule repository';
}

/**
 * Rules of files or repositories: each path is a repository folder (any language; a folder whose subfolders hold
 * different languages is read as each, with its own files that read as rules: `detectRuleFolders`) or a rule file
 * inside one.
 */
export async function rulesFromPaths(paths: readonly string[], f: RuleFilter, onProgress?: (label: string) => (done: number, total: number) => void): Promise<RuleRecord[]> {
  const out: RuleRecord[] = [];
  for (const p of paths) {
    for (const { root, format, only } of pathScans(p)) {
      const adapter = adapterFor(format);
      if (!adapter) throw new Error(`no adapter for ${format}`);
      const res = await scanSource(adapter, root, describeSource(root), { ...(only ? { only } : {}), ...(onProgress ? { onProgress: onProgress(`parsing ${format} rules`) } : {}) });
      for (const r of res.rules) if (keep(r, f)) out.push(r);
    }
  }
  return out;
}

/** What reading one rule path scans: repository folders, each as its language, maybe only some of its files. */
function pathScans(p: string): { root: string; format: Format; only?: string[] }[] {
  const abs = path.resolve(p);
  const st = statSync(abs, { throwIfNoEntry: false });
  if (!st) throw new Error(`no such rule path: ${p}`);
  if (st.isDirectory()) {
    const { folders, loose } = detectRuleFolders(abs);
    if (folders.length) {
      // the mixed folder's own rule files, each language's under the folder
      const byFormat = new Map<Format, string[]>();
      for (const { name, format } of loose) byFormat.set(format, [...(byFormat.get(format) ?? []), name]);
      return [...folders, ...[...byFormat].map(([format, only]) => ({ root: abs, format, only }))];
    }
    const up = findRepoRoot(abs);
    if (!up) throw new Error(`cannot tell the language of ${p}${notRuleHint(abs, true)}`);
    return [{ root: up.root, format: up.format }];
  }
  const up = findRepoRoot(abs);
  if (!up) throw new Error(`cannot find the repository of ${p}${notRuleHint(abs, false)}`);
  return [{ root: up.root, format: up.format, only: [path.relative(up.root, abs).split(path.sep).join('/')] }];
}
