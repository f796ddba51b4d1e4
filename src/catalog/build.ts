/**
 * `detwiki build`: parse every file of every source into the SQLite catalog, incrementally.
 *
 * A file is parsed again only when its key changes: the hash of its content and of the files its result depends on
 * (`FileResult.dependsOn`), the adapter's code fingerprint and the ATT&CK bundle. Unchanged files keep their stored
 * rows. Every file of every source ends in `files` with its outcome; the report counts them.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { findAttackBundle, loadAttack, loadLastGoodAttack, type AttackIndex } from '../attack/index.ts';
import { clearBuildMarker, crashPoint, markBuildRunning, writeFileAtomic } from './atomic.ts';
import type { FileOutcome, FileResult, SourceInfo } from '../formats/adapter.ts';
import { listSource, skippedResult, type SkippedEntry, type SourceListing } from '../formats/io.ts';
import { adapterFor } from '../formats/registry.ts';
import type { Format } from '../model/facts.ts';
import { GeneralDiagnostics, type Diagnostic } from '../model/diagnostics.ts';
import type { FileRow, JobSpan, ResolvedSource, SourceOrigin, SourcePlan } from './buildTypes.ts';
import { codeFingerprint } from './fingerprint.ts';
import { sha1 } from './hash.ts';
import { threadCpuSeconds } from './threadCpu.ts';
import { fullCollection } from './gc.ts';
import { catalogFile, lastSyncInfo, makeFolder, syncedAttackBundle } from './paths.ts';
import { progressFor, type Progress } from './progress.ts';
export type { FileRow, ResolvedSource, SourceOrigin, SourcePlan } from './buildTypes.ts';
import { getMeta, openCatalogDb, setMeta, type DB } from './schema.ts';
import { DEFAULT_SOURCES, examplesDir, exampleSources, type SourceDef } from './sources.ts';
import { sourcesDir } from './paths.ts';
import { confirmByEvents } from './crossvendor.ts';
import { writeCanonicalCounts } from './canonicalIndicators.ts';
import { ruleWriter, type RuleWriter } from './store.ts';
import { POOL_MIN_FILES, scanner, type SourceScan } from './buildScan.ts';
import type { ScannedFile } from './rows.ts';
import { writeAttackTables } from './attackTables.ts';

export interface BuildOptions {
  /** Catalog folder. */
  readonly outDir: string;
  /** Read sources from `<mirror>/<name>` instead of the sync cache. */
  readonly mirror?: string;
  /** Build the project's example corpus (examples/). */
  readonly examples?: boolean;
  /** `--attack FILE` (else DETWIKI_ATTACK, else the synced bundle). */
  readonly attack?: string;
  readonly sources?: readonly SourceDef[];
  /** Parse every file again. */
  readonly force?: boolean;
  /**
   * Scan workers (threads parsing beside this one). Default: one per spare core, when enough files are to be
   * parsed to pay for starting them; 0 parses in this thread only; a number always starts that many.
   */
  readonly workers?: number;
  readonly progress?: Progress;
}


export interface SourceReport {
  readonly name: string;
  readonly format: string;
  readonly root: string;
  readonly origin: SourceOrigin;
  readonly files: number;
  readonly outcomes: Record<FileOutcome, number>;
  readonly rules: number;
  /** Files parsed in this run (the rest were unchanged). */
  readonly parsed: number;
  readonly seconds: number;
  /**
   * Parsing (the adapter's time, summed over the jobs of the source: with scan workers, sources are parsed at once
   * and these overlap, so their sum can exceed the build's seconds) and writing the catalog.
   */
  readonly scanSeconds: number;
  readonly writeSeconds: number;
  /** When its parsing jobs ran (thread 0: the building thread) and when its writing started and ended (epoch ms; its results are written as they come in): the build's timeline. */
  readonly timeline?: { readonly jobs: readonly JobSpan[]; readonly writeStart: number; readonly writeEnd: number };
  readonly skippedReasons: Record<string, number>;
  /** Error diagnostics, file:line; `read`: the file's rules were still read (its outcome is not `error`: a query that does not parse is kept verbatim). */
  readonly errors: readonly { readonly file: string; readonly line?: number; readonly code: string; readonly message: string; readonly read?: boolean }[];
  readonly note?: string;
}

export interface BuildReport {
  readonly catalog: string;
  readonly builtAt: string;
  readonly seconds: number;
  readonly upToDate: boolean;
  readonly examplesFallback: boolean;
  readonly attack: { readonly path?: string; readonly version?: string; readonly message: string };
  readonly sources: readonly SourceReport[];
  readonly totals: { readonly files: number; readonly rules: number; readonly outcomes: Record<FileOutcome, number>; readonly parsed: number };
  /** A previous build was interrupted (killed): what became of it (its transaction was rolled back; this one redid it). */
  readonly interrupted?: string;
  /** Seconds of the build's phases after the sources are written (event confirmation, summaries, commit, statistics), and when the build started (epoch ms). */
  readonly phases?: Readonly<Record<string, number>>;
  readonly startedAt?: number;
  /** Peak resident memory of the process (MB; its worker threads included) when the build ended. */
  readonly peakRssMB?: number;
  /** CPU seconds of the process so far (user and system, every thread), when the build ended. */
  readonly cpuSeconds?: number;
  /**
   * CPU seconds of the building thread when the build ended (Linux; absent elsewhere). A scan worker's are in its
   * jobs' `cpuS`; the rest of `cpuSeconds` is V8's helper threads (garbage collection, optimizing compilation).
   */
  readonly buildingThreadCpuSeconds?: number;
  /** The build parsed every file again and wrote a new catalog in place of the old one: why. */
  readonly rebuilt?: string;
}



const zeroOutcomes = (): Record<FileOutcome, number> => ({ parsed: 0, support: 0, skipped: 0, error: 0 });

/** Where each source is read from: the mirror, the sync cache, or (explicitly or as a fallback) examples/. */
export function resolveSources(opts: Pick<BuildOptions, 'mirror' | 'examples' | 'sources'>): { sources: ResolvedSource[]; examplesFallback: boolean } {
  const defs = opts.sources ?? DEFAULT_SOURCES;
  // the examples of the sources asked for (`--sources sigma`: the Sigma example), all of them when none is named
  // among them (a sources file of other names)
  const useExamples = (): ResolvedSource[] => {
    const all = exampleSources();
    const wanted = all.filter((def) => defs.some((d) => d.name === def.name));
    return (wanted.length ? wanted : all).map((def) => ({ def, root: path.join(examplesDir(), def.name), origin: 'examples' as const, info: { repository: `detection-wiki examples (${def.name})`, licence: def.licence } }));
  };
  if (opts.examples) return { sources: useExamples(), examplesFallback: false };
  const base = opts.mirror ? path.resolve(opts.mirror) : sourcesDir();
  const origin: SourceOrigin = opts.mirror ? 'mirror' : 'synced';
  const out: ResolvedSource[] = defs.map((def) => {
    const root = path.join(base, def.name);
    if (!existsSync(root)) return { def, root, origin: 'missing' as const, info: { repository: def.repository } };
    const commit = gitCommit(root);
    const ref = commit ?? (def.branch === 'HEAD' ? 'HEAD' : def.branch);
    return { def, root, origin, info: { repository: def.repository, ...(commit ? { commit } : {}), licence: def.licence, urlBase: `https://github.com/${def.repository}/blob/${ref}/` } };
  });
  if (!opts.mirror && out.every((s) => s.origin === 'missing')) return { sources: useExamples(), examplesFallback: true };
  return { sources: out, examplesFallback: false };
}

function gitCommit(root: string): string | undefined {
  if (!existsSync(path.join(root, '.git'))) return undefined;
  try {
    return execFileSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Page cache (KiB) once every source is written, for making the indexes and the summaries. */
export const END_CACHE_KB = 65536;

/** Rows of each index that ANALYZE samples at the end of a build (SQLite's `analysis_limit`). */
export const ANALYSIS_LIMIT = 1000;

/**
 * Heap in use above which the build collects garbage between two sources (`fullCollection`). V8 lets garbage pile up
 * to several times the live size before collecting it (the building thread parses and writes hundreds of MB of
 * records: peaks of 600 MB of heap with 150 MB live); collecting between sources costs ~0.1 s each time and keeps
 * the build's memory low.
 */
export const BUILD_HEAP_SOFT_LIMIT = 256 * 1024 * 1024;

/** Heap in use above which a cold build collects garbage before its last phases (indexes, summaries). */
export const END_HEAP_SOFT_LIMIT = 64 * 1024 * 1024;

/**
 * Build (or update) the catalog. Never throws on bad rule files; they are reported.
 *
 * Atomic: everything a build writes (every source, the summaries, the ATT&CK tables, the build id) is one SQLite
 * transaction, committed at the end. A reader (the server, in WAL mode) sees the previous build until the commit
 * and the new one after, never a mix; a build killed at any point is rolled back by SQLite's journal when the catalog
 * is next opened, so the next build starts from the last complete catalog and redoes the work (no `--force`).
 * A build that parses every file again (see `freshRebuild`) writes a new file instead and renames it over the old
 * one once committed: a killed rebuild leaves the old catalog, and a server reopens the new file (its inode).
 */
export async function buildCatalog(opts: BuildOptions): Promise<BuildReport> {
  makeFolder(opts.outDir);
  const file = catalogFile(opts.outDir);
  const listings = new Map<string, SeenSource>();
  const fresh = freshRebuild(opts, file, listings);
  if (!fresh) return buildInto(opts, file, undefined, listings);
  // every file is parsed again: build a new catalog on the cold path beside the old one, then put it in its place
  // (the old catalog stays whole until the rename, so a killed build leaves it as it was)
  const report = await buildInto(opts, fresh.file, fresh.why, listings);
  crashPoint('build:rebuilt');
  renameSync(fresh.file, file);
  const done: BuildReport = { ...report, catalog: file };
  writeFileAtomic(path.join(opts.outDir, 'build-report.json'), JSON.stringify(done, null, 2));
  return done;
}

/** Where a catalog being built afresh is written, beside the catalog it replaces. */
export const rebuildFile = (file: string): string => `${file}.rebuild`;

/**
 * A build that parses every file again over a non-empty catalog (`--force`, or the code of every format in it changed:
 * an update of detection-wiki), or most of them (`FRESH_SHARE`: a sync after a long time), is written as a cold build
 * into a new file: the incremental path would delete and insert those rows under the write-ahead log with the indexes
 * kept — more time and memory than a cold build.
 * Only when no other connection has the catalog open (a running server keeps the incremental path: it keeps
 * reading the file it has open until the build commits). Returns the new file and why, or undefined.
 */
function freshRebuild(opts: BuildOptions, file: string, listings: Map<string, SeenSource>): { file: string; why: string } | undefined {
  const tmp = rebuildFile(file);
  for (const f of [tmp, `${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true }); // a killed rebuild's leftovers
  if (!existsSync(file)) return undefined;
  const db = openCatalogDb(file);
  try {
    if (!db.prepare('SELECT 1 FROM files LIMIT 1').get()) return undefined;
    let why: string | undefined;
    if (opts.force) why = 'every file is parsed again (--force)';
    else {
      const sources = resolveSources(opts).sources.filter((s) => s.origin !== 'missing');
      const formats = [...new Set(sources.map((s) => s.def.format))];
      const stored = JSON.parse(getMeta(db, 'code_fingerprints') || '{}') as Record<string, string>;
      if (formats.length && formats.every((f) => stored[f] !== codeFingerprint(f))) why = 'the code of every format changed since the last build';
      else {
        const share = toParseShare(db, sources, (f) => stored[f] !== codeFingerprint(f), listings);
        if (share >= FRESH_SHARE) why = `${Math.round(share * 100)} % of the files are to be parsed again`;
      }
    }
    // the catalog must be closed by everyone else: the switch out of the write-ahead log fails while another
    // connection has it open
    if (!why || !setJournalMode(db, 'delete')) return undefined;
    return { file: tmp, why };
  } finally {
    db.close();
  }
}

/**
 * Share of the files to parse again above which a build over a catalog is written afresh (`freshRebuild`). Measured on
 * all corpora (2026-12-01): the incremental path takes about 40 s and 500–527 MiB when every file changed, 10–15 s
 * for Sigma's quarter of them, where a cold build takes about 31 s and 375–410 MB; the paths cross near three quarters.
 */
const FRESH_SHARE = 0.7;

/**
 * A source's files as the build saw them while choosing its path: the listing, each listed file's size and time, and
 * the hashes it took (of files whose time changed).
 */
interface SeenSource {
  readonly listing: SourceListing;
  readonly stats: ReadonlyMap<string, { readonly size: number; readonly mtime: number }>;
  readonly hashes: ReadonlyMap<string, string>;
}

/**
 * Of the files the sources list now, the share a build would parse again: every file of a format whose code changed
 * (`codeChanged`), a new file, and one whose content differs from the catalog's (by size and time, then by hash when
 * they differ: a fresh clone touches every file without changing it). What `planSource` will find, without the
 * ATT&CK key and the dependencies (which change few files). What it lists and stats is kept for the build
 * (`listings`, by root).
 */
function toParseShare(db: DB, sources: readonly ResolvedSource[], codeChanged: (f: Format) => boolean, listings: Map<string, SeenSource>): number {
  const rows = db.prepare('SELECT path, size, mtime, hash FROM files WHERE source = ?');
  let total = 0;
  let again = 0;
  for (const src of sources) {
    const listing = listSource(src.root);
    const stats = new Map<string, { size: number; mtime: number }>();
    const hashes = new Map<string, string>();
    listings.set(src.root, { listing, stats, hashes });
    const files = listing.files;
    total += files.length;
    const prev = new Map<string, { size: number; mtime: number; hash: string }>();
    for (const r of rows.all(src.def.name) as { path: string; size: number; mtime: number; hash: string }[]) prev.set(r.path, r);
    const recode = codeChanged(src.def.format);
    for (const f of files) {
      let st;
      try {
        st = statSync(path.join(src.root, f));
      } catch {
        again++; // the build's plan reports it
        continue;
      }
      stats.set(f, { size: st.size, mtime: st.mtimeMs });
      const p = prev.get(f);
      if (recode || !p) again++;
      else if (st.size !== p.size) again++;
      else if (st.mtimeMs !== p.mtime) {
        const h = sha1(readFileSync(path.join(src.root, f)));
        hashes.set(f, h);
        if (h !== p.hash) again++;
      }
    }
  }
  return total ? again / total : 0;
}

async function buildInto(opts: BuildOptions, dbFile: string, rebuilt?: string, listings?: ReadonlyMap<string, SeenSource>): Promise<BuildReport> {
  const t0 = performance.now();
  const startedAt = Date.now();
  const phases: Record<string, number> = {};
  const phase = <T>(name: string, f: () => T): T => {
    const t = performance.now();
    try {
      return f();
    } finally {
      phases[name] = (phases[name] ?? 0) + (performance.now() - t) / 1000;
    }
  };
  const db = openCatalogDb(dbFile);
  const progress = opts.progress ?? progressFor(process.stderr, true);
  const killed = markBuildRunning(opts.outDir);
  const interrupted = killed ? `the build started at ${killed.startedAt}${killed.pid ? ` (pid ${killed.pid})` : ''} was interrupted: the catalog kept the last complete build, and this build redid the work` : undefined;
  try {
    const { sources, examplesFallback } = resolveSources(opts);
    const bundle = findAttackBundle({ ...(opts.attack !== undefined ? { flag: opts.attack } : {}), synced: syncedAttackBundle() });
    let attackKey = 'none';
    if (bundle.path) {
      const st = statSync(bundle.path);
      attackKey = `${bundle.path}:${st.size}:${st.mtimeMs}`;
    }
    let attack: AttackIndex | undefined;
    let attackMessage = bundle.message;
    let attackLoaded = false;
    const needAttack = async (): Promise<AttackIndex | undefined> => {
      if (attackLoaded || !bundle.path) return attack;
      attackLoaded = true;
      try {
        attack = await loadAttack(bundle.path, { cacheDir: opts.outDir });
      } catch (e) {
        const why = `cannot load ATT&CK bundle ${bundle.path}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
        // never replace good ATT&CK data with an unreadable bundle: keep the last good one (the derived copy the
        // previous build left in the catalog folder) and its key, so nothing is parsed again for it
        const kept = previousAttackKey && previousAttackKey !== 'none' && previousAttackKey !== 'unloadable' ? await loadLastGoodAttack(opts.outDir) : undefined;
        if (kept) {
          attack = kept;
          attackKey = previousAttackKey!;
          attackMessage = `${why}; kept the ATT&CK data of the previous build (v${kept.version})`;
        } else {
          attackMessage = why;
          attackKey = 'unloadable';
        }
      }
      return attack;
    };
    const previousAttackKey = getMeta(db, 'attack_key');
    let attackChanged = previousAttackKey !== attackKey;
    // a catalog last written by a build without build ids (older detwiki, one transaction per source) may hold
    // summaries of a build that was killed half-way: they are computed again
    const legacy = !db.prepare('SELECT 1 FROM files LIMIT 1').get() ? false : !getMeta(db, 'build_id');
    const reports: SourceReport[] = [];
    let anyChange = attackChanged || legacy || opts.force === true;
    // a cold build (empty catalog) of many files starts its scan workers now: they load while the ATT&CK bundle is
    // read and the sources are planned
    const listed = new Map<string, string[]>();
    const oddEntries = new Map<string, SkippedEntry[]>();
    for (const src of sources) {
      if (src.origin === 'missing') continue;
      // listed a moment ago when the build chose its path (`toParseShare`), else now
      const l = listings?.get(src.root)?.listing ?? listSource(src.root);
      listed.set(src.def.name, l.files);
      oddEntries.set(src.def.name, l.skipped);
    }
    const cold = !db.prepare('SELECT 1 FROM files LIMIT 1').get();
    // A cold build writes the whole catalog in one transaction: with a write-ahead log every page is written twice
    // (into the log, then back into the file at the checkpoint). An empty catalog has nothing for a reader to see,
    // so a cold build uses a rollback journal (new pages are not journaled: a killed build still leaves the empty
    // catalog) when no other connection is open (the switch fails otherwise, and the build keeps the log).
    const journalled = cold && setJournalMode(db, 'delete');
    const scans = scanner(opts.workers, cold && [...listed.values()].reduce((n, f) => n + f.length, 0) >= POOL_MIN_FILES, opts.outDir);
    db.exec('BEGIN IMMEDIATE');
    // a cold build fills empty tables: their secondary indexes are dropped and made again once the rows are in
    // (one sorted pass each instead of a B-tree insertion per row; the DDL is inside the build's transaction)
    const deferred = cold ? deferIndexes(db) : undefined;
    try {
      // An incremental build needs the ATT&CK bundle's key to tell what changed, before it plans. A cold build
      // compares with nothing: it loads the bundle once its sources are planned (below).
      if (attackChanged && !cold) {
        await needAttack();
        attackChanged = previousAttackKey !== attackKey;
      }

      const keep = new Set(sources.filter((s) => s.origin !== 'missing').map((s) => s.def.name));
      let writer = ruleWriter(db, attack);
      // sources no longer in the build: drop their rows
      for (const r of db.prepare('SELECT name FROM sources').all() as { name: string }[]) {
        if (keep.has(r.name)) continue;
        anyChange = true;
        dropSource(db, r.name, writer);
      }

      // 1. what changed in each source; its parsing starts as soon as that is known (sources whose parser only
      //    workers load first, so that the workers start on them)
      const planned: Planned[] = sources.map((src, ord) => ({ ord, src }));
      for (const { ord, src } of [...planned].sort((a, b) => Number(scans.prefersWorker(b.src.def.format)) - Number(scans.prefersWorker(a.src.def.format)))) {
        if (src.origin === 'missing') continue;
        const ts = performance.now();
        const plan = planSource(db, src, listed.get(src.def.name) ?? [], oddEntries.get(src.def.name) ?? [], () => attackKey, opts.force === true, listings?.get(src.root));
        if (plan.changed.length || plan.odd.length || plan.removed.length || plan.sourceMoved) anyChange = true;
        const adapter = adapterFor(src.def.format);
        const scan = plan.changed.length && adapter ? scans.scan(src, plan) : undefined;
        planned[ord] = { ord, src, plan, ...(scan ? { scan } : {}), planSeconds: (performance.now() - ts) / 1000 };
      }
      scans.planned();
      // A cold build loads the bundle here, read and parsed at once (0.5 s; nothing is written before it has ended):
      // after the planning, which handed the scan worker its first jobs, so that the worker loads its parser meanwhile
      // instead of waiting for them; and before any source's heap has grown, so that its 94 MB text and the parsed
      // bundle are let go first.
      if (attackChanged && cold) {
        await needAttack();
        attackChanged = previousAttackKey !== attackKey;
      }

      // 2. write each source, in order (rule ids are made unique in that order), its results as they come in
      for (const { ord, src, plan, scan, planSeconds } of planned) {
        if (!plan) {
          reports.push({ name: src.def.name, format: src.def.format, root: src.root, origin: 'missing', files: 0, outcomes: zeroOutcomes(), rules: 0, parsed: 0, seconds: 0, scanSeconds: 0, writeSeconds: 0, skippedReasons: {}, errors: [], note: opts.mirror ? `not in the mirror (${src.root})` : 'not synced: run `detwiki sync`' });
          continue;
        }
        const { changed } = plan;
        const index = changed.length ? await needAttack() : attack;
        if (changed.length) writer = ruleWriter(db, index);
        phase('gc', () => fullCollection(BUILD_HEAP_SOFT_LIMIT));
        const writeStart = Date.now();
        let writeMs = 0;
        const timed = (f: () => void): void => {
          const t = performance.now();
          f();
          writeMs += performance.now() - t;
        };
        // one savepoint per source: a source whose parsing fails keeps its previous rows
        db.exec('SAVEPOINT source');
        let out!: ReturnType<typeof openSource>;
        timed(() => (out = openSource(db, src, ord, plan, writer)));
        let scanSeconds = 0;
        let jobs: readonly JobSpan[] = [];
        let failure: string | undefined;
        let sourceDiags: readonly Diagnostic[] | undefined;
        if (changed.length && !scan) {
          timed(() => out.files(changed.map((p) => ({ path: p, outcome: 'skipped' as const, reason: `no adapter for format ${src.def.format}`, rules: [], diagnostics: [] }))));
        } else if (scan) {
          progress.start(`${src.def.name} (${src.def.format})`, changed.length);
          // results are written from the callbacks that deliver them (a worker's message, a job's batch): an error
          // there is kept and thrown here, where the build's transaction is rolled back
          let writeError: unknown;
          const done = await scan.stream(progress, (files, hashes) => {
            if (writeError !== undefined) return;
            try {
              for (const [f, h] of Object.entries(hashes)) plan.hashes.set(f, h);
              timed(() => out.files(files.map((fr) => (fr.rules.length && index ? resolveFileAttack(fr, index) : fr))));
            } catch (e) {
              writeError = e ?? new Error('writing failed');
            }
          });
          if (writeError !== undefined) throw writeError;
          scanSeconds = done.seconds;
          if ('failure' in done) failure = done.failure;
          else {
            sourceDiags = done.diagnostics;
            jobs = done.jobs;
            const missing = out.missing();
            if (missing.length) failure = `no result for ${missing.length} file(s) to parse (first: ${missing[0]})`;
          }
          progress.end(failure ? `${src.def.name}: not parsed: ${failure}` : `${src.def.name}: parsed ${changed.length} file(s) in ${scanSeconds.toFixed(1)} s`);
        }
        if (failure) {
          db.exec('ROLLBACK TO source; RELEASE source');
          const r = sourceReport(db, src, 0, planSeconds! + scanSeconds, scanSeconds, 0);
          reports.push({ ...r, note: `parsing failed, the catalog keeps this source's previous rows: ${failure}`, errors: [{ file: '', code: 'GEN004', message: `parsing this source failed: ${failure}` }, ...r.errors] });
          continue;
        }
        timed(() => {
          if (plan.odd.length) out.files(plan.odd.map((o) => ({ ...o, rules: [] })));
          out.end(sourceDiags);
          db.exec('RELEASE source');
        });
        crashPoint(`build:source:${src.def.name}`);
        const writeSeconds = writeMs / 1000;
        phase('gc', () => fullCollection(BUILD_HEAP_SOFT_LIMIT));
        reports.push({ ...sourceReport(db, src, changed.length, planSeconds! + scanSeconds + writeSeconds, scanSeconds, writeSeconds), timeline: { jobs, writeStart, writeEnd: Date.now() } });
      }
    } finally {
      await scans.close();
    }

    crashPoint('build:sources-written');
    // the scan workers are gone: the index builds and summaries read back what was written, with a larger cache;
    // the writing's garbage goes first, so that the cache and the index sorts do not come on top of it
    if (cold) phase('gc', () => fullCollection(END_HEAP_SOFT_LIMIT));
    db.pragma(`cache_size = -${END_CACHE_KB}`);
    if (deferred) phase('indexes', deferred);
    if (anyChange) {
      const index = await needAttack();
      const tConfirm = performance.now();
      const confirmed = phase('confirm', () => confirmByEvents(db));
      progress.end(`cross-vendor: ${confirmed.pairs} rule pair(s) confirmed by ${confirmed.rulesWithEvents} rule(s)' test events in ${((performance.now() - tConfirm) / 1000).toFixed(1)} s`);
      phase('summaries', () => db.transaction(() => {
        db.exec('DELETE FROM indicator_counts; DELETE FROM indicator_keys; DELETE FROM technique_totals;');
        db.exec(`INSERT INTO technique_totals (technique, format, n)
                 SELECT t, format, COUNT(DISTINCT rule) FROM (SELECT technique t, format, rule FROM rule_attack WHERE technique IS NOT NULL AND counts = 1
                   UNION ALL SELECT parent, format, rule FROM rule_attack WHERE parent IS NOT NULL AND counts = 1) GROUP BY t, format`);
        db.exec('INSERT INTO indicator_counts (key, format, n) SELECT key, format, COUNT(DISTINCT rule) FROM indicators GROUP BY key, format');
        db.exec(`INSERT INTO indicator_keys (key, field, op, value_json, total)
                 SELECT key, MIN(field), MIN(op), MIN(value_json), COUNT(DISTINCT rule) FROM indicators GROUP BY key`);
        writeCanonicalCounts(db);
        if (attackChanged || legacy) writeAttackTables(db, index);
        setMeta(db, 'build_id', randomUUID());
        setMeta(db, 'attack_key', attackKey);
        setMeta(db, 'attack_version', index?.version ?? '');
        setMeta(db, 'attack_attribution', index?.data.attribution ?? '');
        setMeta(db, 'attack_message', attackMessage);
        setMeta(db, 'built_at', new Date().toISOString());
        const sync = lastSyncInfo();
        setMeta(db, 'last_sync', sync ?? '');
        setMeta(db, 'examples_fallback', examplesFallback ? '1' : '');
        setMeta(db, 'code_fingerprints', JSON.stringify(codeFingerprints(db)));
      })());
    }
    crashPoint('build:before-commit');
    phase('commit', () => db.exec('COMMIT'));
    if (journalled) setJournalMode(db, 'wal');
    crashPoint('build:committed');
    if (anyChange) {
      // statistics from a sample of each index (SQLite's advice for large databases: `analysis_limit`), not every
      // row: 0.06 s instead of 0.2 s, and the same plans for the catalog's queries
      phase('analyze', () => {
        db.pragma(`analysis_limit = ${ANALYSIS_LIMIT}`);
        db.exec('ANALYZE');
        db.pragma('analysis_limit = 0');
      });
      phase('checkpoint', () => db.pragma('wal_checkpoint(TRUNCATE)'));
    }
    const totals = { files: 0, rules: 0, outcomes: zeroOutcomes(), parsed: 0 };
    for (const r of reports) {
      totals.files += r.files;
      totals.rules += r.rules;
      totals.parsed += r.parsed;
      for (const k of Object.keys(r.outcomes) as FileOutcome[]) totals.outcomes[k] += r.outcomes[k];
    }
    const usage = process.resourceUsage();
    const mainCpu = threadCpuSeconds();
    const report: BuildReport = {
      catalog: dbFile,
      ...(rebuilt ? { rebuilt } : {}),
      builtAt: getMeta(db, 'built_at') ?? new Date().toISOString(),
      seconds: (performance.now() - t0) / 1000,
      upToDate: !anyChange,
      examplesFallback,
      attack: { ...(bundle.path ? { path: bundle.path } : {}), ...(getMeta(db, 'attack_version') ? { version: getMeta(db, 'attack_version')! } : {}), message: attackMessage },
      sources: reports,
      totals,
      ...(interrupted ? { interrupted } : {}),
      phases,
      startedAt,
      peakRssMB: Math.round(usage.maxRSS / 1024),
      cpuSeconds: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1e4) / 100,
      ...(mainCpu !== undefined ? { buildingThreadCpuSeconds: Math.round(mainCpu * 100) / 100 } : {}),
    };
    writeFileAtomic(path.join(opts.outDir, 'build-report.json'), JSON.stringify(report, null, 2));
    return report;
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
    clearBuildMarker(opts.outDir);
  }
}

/** The code fingerprint of each format the catalog holds (what `freshRebuild` compares with). */
function codeFingerprints(db: DB): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { format } of db.prepare('SELECT DISTINCT format FROM sources').all() as { format: Format }[]) out[format] = codeFingerprint(format);
  return out;
}

/** Switch the catalog's journal mode; false when SQLite kept the old one (another connection is open). */
function setJournalMode(db: DB, mode: 'delete' | 'wal'): boolean {
  try {
    return String(db.pragma(`journal_mode = ${mode}`, { simple: true })).toLowerCase() === mode;
  } catch {
    return false;
  }
}

/** Drop the catalog's secondary indexes; returns the function that makes them again. */
function deferIndexes(db: DB): () => void {
  const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").all() as { name: string; sql: string }[];
  for (const i of indexes) db.exec(`DROP INDEX "${i.name.replaceAll('"', '""')}"`);
  return () => {
    for (const i of indexes) db.exec(i.sql);
  };
}

/** ATT&CK resolution of a file's rules, under per-file accounting: a rule it fails on makes the file a GEN004 error. */
function resolveFileAttack(fr: ScannedFile, index: AttackIndex): ScannedFile {
  try {
    return { ...fr, rules: fr.rules.map((r) => ({ ...r, attack: r.attackDeclared.map((d) => index.resolve(d)) })) };
  } catch (e) {
    return { path: fr.path, outcome: 'error', rules: [], diagnostics: [...fr.diagnostics, GeneralDiagnostics.crash(fr.path, e)], ...(fr.dependsOn ? { dependsOn: fr.dependsOn } : {}) };
  }
}


interface Planned {
  readonly ord: number;
  readonly src: ResolvedSource;
  readonly plan?: SourcePlan;
  readonly scan?: SourceScan;
  readonly planSeconds?: number;
}

/** `attackKey`: the ATT&CK bundle's key, read when a file's key is made (a cold build plans while the bundle loads). */
function planSource(db: DB, src: ResolvedSource, files: readonly string[], skipped: readonly SkippedEntry[], attackKey: () => string, force: boolean, seen?: SeenSource): SourcePlan {
  const prev = new Map<string, FileRow>();
  for (const r of db.prepare('SELECT id, path, size, mtime, hash, key, deps FROM files WHERE source = ?').all(src.def.name) as FileRow[]) prev.set(r.path, r);
  const hashes = new Map<string, string>();
  const stats = new Map<string, { size: number; mtime: number }>();
  const changed: string[] = [];
  const touched: string[] = [];
  const unhashed: string[] = [];
  const vanished: SkippedEntry[] = [];
  for (const f of files) {
    // stat'ed a moment ago when the build chose its path (`seen`), else now
    let st = seen?.stats.get(f);
    if (!st) {
      try {
        const s = statSync(path.join(src.root, f));
        st = { size: s.size, mtime: s.mtimeMs };
      } catch (e) {
        vanished.push({ path: f, reason: `cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, size: 0, mtime: 0 });
        continue;
      }
    }
    stats.set(f, st);
    const p = prev.get(f);
    if (p && p.size === st.size && p.mtime === st.mtime) hashes.set(f, p.hash);
    else if (p) hashes.set(f, seen?.hashes.get(f) ?? sha1(readFileSync(path.join(src.root, f))));
    // a new file is parsed whatever its content: the thread that parses it hashes it (see `hashOf`)
    else unhashed.push(f);
  }
  const hashOf = (f: string): string | undefined => {
    let h = hashes.get(f);
    if (h === undefined && stats.has(f)) hashes.set(f, (h = sha1(readFileSync(path.join(src.root, f)))));
    return h;
  };
  const fp = codeFingerprint(src.def.format);
  const keyOf = (f: string, deps: readonly string[]) => sha1([fp, attackKey(), JSON.stringify(src.info), hashOf(f), ...deps.map((d) => `${d}:${hashOf(d) ?? 'missing'}`)].join('\n'));
  if (vanished.length) files = files.filter((f) => stats.has(f));
  for (const f of files) {
    const p = prev.get(f);
    if (!force && p && p.key === keyOf(f, JSON.parse(p.deps) as string[])) {
      const st = stats.get(f)!;
      if (p.size !== st.size || p.mtime !== st.mtime) touched.push(f);
    } else changed.push(f);
  }
  // an entry that is not read is keyed by what is known of it: its reason, size and time
  const odd: FileResult[] = [];
  for (const e of [...skipped, ...vanished]) {
    if (stats.has(e.path)) continue;
    stats.set(e.path, { size: e.size, mtime: e.mtime });
    hashes.set(e.path, sha1(`not read\n${e.reason}\n${e.size}\n${e.mtime}`));
    const p = prev.get(e.path);
    if (!force && p && p.key === keyOf(e.path, [])) continue;
    odd.push(skippedResult(e));
  }
  const removed = [...prev.keys()].filter((f) => !stats.has(f));
  const existingSource = db.prepare('SELECT root, origin FROM sources WHERE name = ?').get(src.def.name) as { root: string; origin: string } | undefined;
  const sourceMoved = !existingSource || existingSource.root !== src.root || existingSource.origin !== src.origin;
  return { files, prev, hashes, unhashed: new Set(unhashed), hashOf, stats, keyOf, changed, touched, removed, odd, sourceMoved };
}

/**
 * Writing one source: its row and the files gone or touched first, then its results as they come (`files`, in file
 * order), then its diagnostics (`end`). The caller wraps it in a savepoint.
 */
function openSource(
  db: DB,
  src: ResolvedSource,
  ord: number,
  plan: SourcePlan,
  writer: RuleWriter,
): { files(results: readonly ScannedFile[]): void; end(sourceDiags: readonly Diagnostic[] | undefined): void; missing(): string[] } {
  const { prev, stats, hashOf, keyOf } = plan;
  db.prepare(
    `INSERT INTO sources (name, format, repository, root, origin, commit_id, licence, url_base, ord, diagnostics) VALUES (?,?,?,?,?,?,?,?,?,?)
     ON CONFLICT (name) DO UPDATE SET format=excluded.format, repository=excluded.repository, root=excluded.root, origin=excluded.origin,
     commit_id=excluded.commit_id, licence=excluded.licence, url_base=excluded.url_base, ord=excluded.ord`,
  ).run(src.def.name, src.def.format, src.info.repository, src.root, src.origin, src.info.commit ?? null, src.info.licence ?? null, src.info.urlBase ?? null, ord, '[]');
  const delDiag = db.prepare('DELETE FROM diagnostics WHERE source = ? AND file = ?');
  const insDiag = db.prepare('INSERT INTO diagnostics (source, file, rule, code, severity, line, col, message) VALUES (?,?,?,?,?,?,?,?)');
  const delFile = db.prepare('DELETE FROM files WHERE id = ?');
  for (const f of plan.removed) {
    writer.deleteFile(prev.get(f)!.id);
    delFile.run(prev.get(f)!.id);
    delDiag.run(src.def.name, f);
  }
  // The old rows of every file about to be written again go first, before any new row: FTS5 writes out its pending
  // index whenever a row it deletes is older than the last one it was given, so deleting each file's rows between
  // other files' inserts flushed and merged it once a file (parsing Sigma's 4,485 files again took 19.7–21.8 s, now
  // 10 s). A source whose parsing fails rolls back to its savepoint, these deletions included, and so does one where
  // a file to parse brought no result (`missing`).
  const cleared = new Set<string>();
  for (const f of [...plan.changed, ...plan.odd.map((o) => o.path)]) {
    const old = prev.get(f);
    if (old) writer.deleteFile(old.id);
    cleared.add(f);
  }
  const written = new Set<string>();
  // a file's old diagnostics are deleted before its new ones go in; a source that has none (every source of a cold
  // build) has only those written since, so a file none was written for needs no delete
  const hadDiagnostics = db.prepare('SELECT 1 FROM diagnostics WHERE source = ? LIMIT 1').get(src.def.name) !== undefined;
  const diagnosed = new Set<string>();
  const upTouch = db.prepare('UPDATE files SET size = ?, mtime = ? WHERE id = ?');
  for (const f of plan.touched) upTouch.run(stats.get(f)!.size, stats.get(f)!.mtime, prev.get(f)!.id);
  // A file's row by a plain INSERT (a new file) or UPDATE by its id (a known one): an upsert (or RETURNING) opens a
  // statement savepoint, and FTS5 flushes its pending index to disk at every savepoint — once per file, which
  // doubled the time to write a cold catalog and made an incremental one several times slower.
  const insFile = db.prepare('INSERT INTO files (source, path, size, mtime, hash, key, outcome, reason, diagnostics, deps, rules) VALUES (?,?,?,?,?,?,?,?,?,?,?)');
  const updFile = db.prepare('UPDATE files SET size = ?, mtime = ?, hash = ?, key = ?, outcome = ?, reason = ?, diagnostics = ?, deps = ?, rules = ? WHERE id = ?');
  const writeFiles = (results: readonly ScannedFile[]): void => {
    for (const fr of results) {
      const old = prev.get(fr.path);
      if (old && !cleared.has(fr.path)) writer.deleteFile(old.id);
      cleared.add(fr.path);
      written.add(fr.path);
      const deps = [...new Set(fr.dependsOn ?? [])].filter((d) => d !== fr.path).sort();
      const st = stats.get(fr.path)!;
      const values = [st.size, st.mtime, hashOf(fr.path)!, keyOf(fr.path, deps), fr.outcome, fr.reason ?? null, JSON.stringify(fr.diagnostics), JSON.stringify(deps), fr.rules.length] as const;
      let fileId: number;
      if (old) updFile.run(...values, (fileId = old.id));
      else fileId = Number(insFile.run(src.def.name, fr.path, ...values).lastInsertRowid);
      if (hadDiagnostics || diagnosed.has(fr.path)) delDiag.run(src.def.name, fr.path);
      for (const d of fr.diagnostics) {
        insDiag.run(src.def.name, d.file || fr.path, null, d.code, d.severity, d.line ?? null, d.column ?? null, d.message);
        if (!hadDiagnostics) diagnosed.add(d.file || fr.path);
      }
      for (const r of fr.rules) writer.insert(r, fileId, src.def.name);
    }
  };
  return {
    files(results) {
      try {
        writeFiles(results);
        writer.flush();
      } catch (e) {
        // the build's transaction is rolled back (or the source's savepoint): rows not inserted yet go with it
        writer.discard();
        throw e;
      }
    },
    end(sourceDiags) {
      if (sourceDiags) db.prepare('UPDATE sources SET diagnostics = ? WHERE name = ?').run(JSON.stringify(sourceDiags), src.def.name);
    },
    missing() {
      return plan.changed.filter((f) => !written.has(f));
    },
  };
}

function dropSource(db: DB, name: string, writer: RuleWriter): void {
  db.transaction(() => {
    for (const f of db.prepare('SELECT id FROM files WHERE source = ?').all(name) as { id: number }[]) writer.deleteFile(f.id);
    db.prepare('DELETE FROM files WHERE source = ?').run(name);
    db.prepare('DELETE FROM diagnostics WHERE source = ?').run(name);
    db.prepare('DELETE FROM sources WHERE name = ?').run(name);
  })();
}

function sourceReport(db: DB, src: ResolvedSource, parsed: number, seconds: number, scanSeconds: number, writeSeconds: number): SourceReport {
  const outcomes = zeroOutcomes();
  let files = 0;
  let rules = 0;
  for (const r of db.prepare('SELECT outcome, COUNT(*) n, SUM(rules) r FROM files WHERE source = ? GROUP BY outcome').all(src.def.name) as { outcome: FileOutcome; n: number; r: number }[]) {
    outcomes[r.outcome] = r.n;
    files += r.n;
    rules += r.r;
  }
  const skippedReasons: Record<string, number> = {};
  for (const r of db.prepare("SELECT reason, COUNT(*) n FROM files WHERE source = ? AND outcome = 'skipped' GROUP BY reason ORDER BY n DESC").all(src.def.name) as { reason: string | null; n: number }[]) {
    skippedReasons[r.reason ?? '(no reason)'] = r.n;
  }
  const errors = (
    db
      .prepare(
        "SELECT d.file, d.line, d.code, d.message, f.outcome FROM diagnostics d LEFT JOIN files f ON f.source = d.source AND f.path = d.file WHERE d.source = ? AND d.severity = 'error' ORDER BY d.file, d.line",
      )
      .all(src.def.name) as { file: string; line: number | null; code: string; message: string; outcome: string | null }[]
  ).map((e) => ({
    file: e.file,
    ...(e.line !== null ? { line: e.line } : {}),
    code: e.code,
    message: e.message,
    ...(e.outcome !== null && e.outcome !== 'error' ? { read: true } : {}),
  }));
  return { name: src.def.name, format: src.def.format, root: src.root, origin: src.origin, files, outcomes, rules, parsed, seconds, scanSeconds, writeSeconds, skippedReasons, errors };
}

/** Text form of the build report: per-source counts by outcome, then every error as file:line. */
export function formatBuildReport(r: BuildReport, maxErrors = 50): string {
  const lines: string[] = [];
  lines.push(`catalog ${r.catalog}${r.upToDate ? ' (up to date: nothing changed)' : ''}`);
  if (r.examplesFallback) lines.push('no synced sources and no --mirror: built the project examples (run `detwiki sync` or pass --mirror DIR)');
  if (r.interrupted) lines.push(`note: ${r.interrupted}`);
  if (r.rebuilt) lines.push(`rebuilt as a new catalog: ${r.rebuilt}`);
  lines.push(`ATT&CK: ${r.attack.version ? `v${r.attack.version} ` : ''}${r.attack.message}`);
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  lines.push(`${'source'.padEnd(34)} ${'format'.padEnd(8)} ${pad('files', 6)} ${pad('parsed', 6)} ${pad('support', 7)} ${pad('skipped', 7)} ${pad('error', 5)} ${pad('rules', 6)} ${pad('reparsed', 8)}`);
  for (const s of r.sources) {
    if (s.origin === 'missing') {
      lines.push(`${s.name.padEnd(34)} ${s.format.padEnd(8)} missing: ${s.note ?? ''}`);
      continue;
    }
    lines.push(`${s.name.padEnd(34)} ${s.format.padEnd(8)} ${pad(s.files, 6)} ${pad(s.outcomes.parsed, 6)} ${pad(s.outcomes.support, 7)} ${pad(s.outcomes.skipped, 7)} ${pad(s.outcomes.error, 5)} ${pad(s.rules, 6)} ${pad(s.parsed, 8)}`);
  }
  const t = r.totals;
  lines.push(`${'total'.padEnd(34)} ${''.padEnd(8)} ${pad(t.files, 6)} ${pad(t.outcomes.parsed, 6)} ${pad(t.outcomes.support, 7)} ${pad(t.outcomes.skipped, 7)} ${pad(t.outcomes.error, 5)} ${pad(t.rules, 6)} ${pad(t.parsed, 8)}`);
  const errs = r.sources.flatMap((s) => s.errors.map((e) => ({ ...e, source: s.name })));
  if (errs.length) {
    // the table counts a file by its outcome: an error in a file whose rules were read is not in its error column
    const read = errs.filter((e) => e.read).length;
    const where = read === 0 ? '' : `${read === errs.length ? ', all' : `, ${read} of them`} in files whose rules are in the catalog, the part that failed shown verbatim`;
    lines.push(`errors (${errs.length}${where}):`);
    for (const e of errs.slice(0, maxErrors)) lines.push(`  ${e.source}/${e.file}${e.line !== undefined ? `:${e.line}` : ''}: ${e.code} ${e.message}`);
    if (errs.length > maxErrors) lines.push(`  … ${errs.length - maxErrors} more (see build-report.json or --json)`);
  }
  lines.push(`built in ${r.seconds.toFixed(1)} s`);
  return lines.join('\n');
}
