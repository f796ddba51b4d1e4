/**
 * `detwiki export <dir>`: the whole wiki as static files. Pages link relatively (they work from any folder or
 * file://); search and browse run in the browser on a JSON index (search-index.json, also as search-index.js for
 * file://).
 *
 * The pages made from a key (rules, techniques, tactics, log sources, indicators: nearly all of an export's time,
 * 35 of 47 s for the rule pages alone on every corpus) are rendered on every core: worker threads (`exportWorker.ts`)
 * open the catalog themselves and each thread, this one included, claims the next chunk of pages from a ledger they
 * share (`PageLedger`), renders and writes them. A page is the same whichever thread renders it (pages depend on the
 * catalog only).
 */
import { availableParallelism } from 'node:os';
import { existsSync, lstatSync, mkdirSync, readdirSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Catalog } from '../catalog/query.ts';
import { workerEntry } from '../catalog/workerEntry.ts';
import { assets } from './assets.ts';
import { matrixData, renderMatrix, renderTactic, renderTechnique, tacticData, techniqueData } from './pages/attack.ts';
import { browseData, homeData, renderBrowse, renderHome, renderSearch, searchData } from './pages/lists.ts';
import { renderIndicator, renderLogsource, renderLogsources } from './pages/misc.ts';
import { renderRule, ruleData } from './pages/rule.ts';
import { parsingData, renderParsing } from './pages/parsing.ts';
import { staticSite } from './site.ts';
import { jsonText } from '../model/ascii.ts';

export interface ExportReport {
  readonly dir: string;
  readonly files: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly pages: Record<string, number>;
  /** Threads that rendered pages (this one and the workers). */
  readonly threads: number;
  /** Workers that stopped before the end (their unfinished pages were written by the main thread). */
  readonly workerFailures?: readonly string[];
  /**
   * Files of an earlier export into the same folder that this one did not write (a rule, technique, log source or
   * indicator page whose key is gone, an asset no longer shipped), removed; see `pruneStale`.
   */
  readonly removed: number;
}

export interface ExportOptions {
  /** Progress: pages of a kind (`rules`, `indicators`…) claimed so far by this thread's claims, of that kind's total. */
  readonly onProgress?: (what: string, done: number, total: number) => void;
  /** Worker threads beside this one (default `defaultExportWorkers()`; 0: this thread alone). */
  readonly workers?: number;
}

/** Most worker threads an export starts by default. */
export const MAX_EXPORT_WORKERS = 3;

/** One worker per core beyond the first, at most MAX_EXPORT_WORKERS. */
export function defaultExportWorkers(): number {
  return Math.max(0, Math.min(availableParallelism() - 1, MAX_EXPORT_WORKERS));
}

/** A page made from one key. */
export type PageKind = 'rule' | 'technique' | 'tactic' | 'logsource' | 'indicator';
export interface PageJob {
  readonly kind: PageKind;
  readonly key: string;
}

/** Every page made from a key, in the order they are claimed (rules first: the largest pages). */
export function pageJobs(cat: Catalog): PageJob[] {
  return [
    ...cat.allRuleIds().map((key) => ({ kind: 'rule' as const, key })),
    ...cat.allTechniqueIds().map((key) => ({ kind: 'technique' as const, key })),
    ...cat.tactics().map((t) => ({ kind: 'tactic' as const, key: t.id })),
    ...cat.logsources().map((l) => ({ kind: 'logsource' as const, key: l.key })),
    ...cat.indicatorPageKeys().map((key) => ({ kind: 'indicator' as const, key })),
  ];
}

/** Files written by one thread: folders made once, counts by page kind. */
export class SiteWriter {
  files = 0;
  bytes = 0;
  readonly pages: Record<string, number> = {};
  /** The paths written (relative, with `/`), when asked for (`keep`): the pages made once; keyed pages are in the ledger. */
  readonly written: string[] = [];
  private readonly made = new Set<string>();
  constructor(
    readonly dir: string,
    private readonly keep = false,
  ) {}

  /** Write one file; its size in bytes. */
  write(rel: string, content: string | Buffer, kind: string): number {
    const abs = path.join(this.dir, rel);
    const d = path.dirname(abs);
    if (!this.made.has(d)) {
      // recursive: another thread may have made it already
      mkdirSync(d, { recursive: true });
      this.made.add(d);
    }
    writeFileSync(abs, content);
    if (this.keep) this.written.push(rel);
    const n = typeof content === 'string' ? Buffer.byteLength(content) : content.length;
    this.files++;
    this.bytes += n;
    this.pages[kind] = (this.pages[kind] ?? 0) + 1;
    return n;
  }
}

/** Where a keyed page is, relative to the export's folder. */
function pagePath(job: PageJob): string {
  return `${job.kind}/${job.key}.html`;
}

/** Render and write one keyed page: its size in bytes, or -1 when its data is gone (no page). */
export function writePage(cat: Catalog, job: PageJob, w: SiteWriter): number {
  const rel = pagePath(job);
  const site = staticSite(rel);
  switch (job.kind) {
    case 'rule': {
      const d = ruleData(cat, job.key);
      return d ? w.write(rel, renderRule(site, d), 'rule') : -1;
    }
    case 'technique': {
      const d = techniqueData(cat, job.key);
      return d ? w.write(rel, renderTechnique(site, d), 'technique') : -1;
    }
    case 'tactic': {
      const d = tacticData(cat, job.key);
      return d ? w.write(rel, renderTactic(site, d), 'tactic') : -1;
    }
    case 'logsource': {
      const d = cat.logsource(job.key);
      return d ? w.write(rel, renderLogsource(site, d), 'logsource') : -1;
    }
    case 'indicator': {
      const d = cat.indicator(job.key);
      return d ? w.write(rel, renderIndicator(site, d), 'indicator') : -1;
    }
  }
}

/** Pages a thread claims at a time. */
export const CLAIM = 16;

/**
 * What the threads of one export share (`SharedArrayBuffer`s): the next chunk of CLAIM pages to claim, and for each
 * chunk whether it was written whole and the bytes of each of its pages (-1: no page). The export's counts are read
 * from here, not from the workers' answers, so a worker that stops leaves a record of what it wrote: the chunks it
 * claimed and did not finish are written again by the main thread.
 */
export class PageLedger {
  readonly chunks: number;
  private readonly next: Int32Array;
  private readonly done: Int32Array;
  private readonly sizes: Float64Array;
  constructor(
    readonly pages: number,
    readonly buffers = { next: new SharedArrayBuffer(4), done: new SharedArrayBuffer(4 * Math.ceil(pages / CLAIM)), sizes: new SharedArrayBuffer(8 * pages) },
  ) {
    this.chunks = Math.ceil(pages / CLAIM);
    this.next = new Int32Array(buffers.next);
    this.done = new Int32Array(buffers.done);
    this.sizes = new Float64Array(buffers.sizes);
  }

  /** The next chunk to write, or undefined when every chunk is claimed. */
  claim(): number | undefined {
    const c = Atomics.add(this.next, 0, 1);
    return c < this.chunks ? c : undefined;
  }
  /** No chunk is claimed any more (a failure on the main thread stops the workers too). */
  stop(): void {
    Atomics.store(this.next, 0, this.chunks);
  }
  /** Write chunk `c`'s pages and mark it done. */
  write(c: number, each: (page: number) => number): void {
    const to = Math.min((c + 1) * CLAIM, this.pages);
    for (let i = c * CLAIM; i < to; i++) this.sizes[i] = each(i);
    Atomics.store(this.done, c, 1);
  }
  /** Chunks claimed but not written whole (their thread stopped). */
  unfinished(): number[] {
    const claimed = Math.min(Atomics.load(this.next, 0), this.chunks);
    const out: number[] = [];
    for (let c = 0; c < claimed; c++) if (Atomics.load(this.done, c) !== 1) out.push(c);
    return out;
  }
  /** Size of page `i` in bytes, -1 when it has no page (after every thread ended). */
  size(i: number): number {
    return this.sizes[i]!;
  }
}

/** Claim chunks of pages until none is left, writing each; `onClaim` is told the first page of each claim. */
export function renderClaimed(cat: Catalog, jobs: readonly PageJob[], ledger: PageLedger, w: SiteWriter, onClaim?: (from: number) => void): void {
  for (let c = ledger.claim(); c !== undefined; c = ledger.claim()) {
    onClaim?.(c * CLAIM);
    ledger.write(c, (i) => writePage(cat, jobs[i]!, w));
  }
}

/** What the main thread sends a worker (`exportWorker.ts`). */
export interface ExportWorkerData {
  readonly catalogDir: string;
  readonly dir: string;
  readonly jobs: readonly PageJob[];
  readonly ledger: PageLedger['buffers'];
}
/** A worker's answer once no page is left to claim: done, or why it stopped. */
export type ExportWorkerReply = { readonly ok: true } | { readonly error: string };

const ENTRY = workerEntry(import.meta.url, 'exportWorker');

export async function exportSite(cat: Catalog, dir: string, opts: ExportOptions = {}): Promise<ExportReport> {
  // every page is read once: without the memory map, as in the workers (each thread's map would hold the whole file
  // in the process's RSS: 908 against 336 MiB at the peak, for 13 % of the time)
  const mapped = cat.mapFile(false);
  try {
    return await exportPages(cat, dir, opts);
  } finally {
    cat.mapFile(mapped);
  }
}

async function exportPages(cat: Catalog, dir: string, opts: ExportOptions): Promise<ExportReport> {
  const t0 = performance.now();
  // only a folder an export wrote before (its marker there) has stale files removed: never a folder of the user's
  const earlier = existsSync(path.join(dir, EXPORT_MARKER));
  // the pages made once, counted here; the keyed pages, counted in the ledger
  const fixed = new SiteWriter(dir, true);
  const w = new SiteWriter(dir);
  const jobs = pageJobs(cat);
  const ledger = new PageLedger(jobs.length);
  const workers = ledger.chunks > 1 ? Math.max(0, opts.workers ?? defaultExportWorkers()) : 0;
  // the workers start first (opening the catalog takes them a moment) and claim pages while this thread writes the
  // pages made once
  const data: ExportWorkerData = { catalogDir: cat.dir, dir, jobs, ledger: ledger.buffers };
  const answers = Array.from({ length: workers }, () => {
    const worker = new Worker(ENTRY, { workerData: data, env: process.env });
    return new Promise<ExportWorkerReply>((resolve) => {
      worker.once('message', (m: ExportWorkerReply) => resolve(m));
      worker.once('error', (e) => resolve({ error: e instanceof Error ? e.message : String(e) }));
      worker.once('exit', (code) => resolve({ error: `export worker stopped (exit code ${code})` }));
    });
  });
  // progress by kind: where each kind's pages start in `jobs`
  const starts = new Map<PageKind, { from: number; total: number; told: number }>();
  jobs.forEach((j, i) => {
    const s = starts.get(j.kind);
    if (s) s.total++;
    else starts.set(j.kind, { from: i, total: 1, told: -Infinity });
  });
  const step = (k: PageKind) => (k === 'indicator' ? 5000 : 500);
  try {
    for (const [name, a] of assets()) fixed.write(`static/${name}`, a.body, 'asset');
    fixed.write('index.html', renderHome(staticSite('index.html'), homeData(cat)), 'home');
    fixed.write('browse.html', renderBrowse(staticSite('browse.html'), browseData(cat, {})), 'browse');
    fixed.write('search.html', renderSearch(staticSite('search.html'), searchData(cat, {})), 'search');
    fixed.write('matrix.html', renderMatrix(staticSite('matrix.html'), matrixData(cat, {})), 'matrix');
    fixed.write('navigator-layer.json', jsonText(cat.navigatorLayer({}), 1), 'navigator');
    fixed.write('coverage/parsing.html', renderParsing(staticSite('coverage/parsing.html'), parsingData(cat)), 'parsing');
    fixed.write('logsources.html', renderLogsources(staticSite('logsources.html'), cat.logsources()), 'logsources');
    const indexJson = jsonText(cat.searchIndex());
    fixed.write('search-index.json', indexJson, 'index');
    // with the revoked techniques' replacements, so that `technique:` of an old id finds what the server finds
    fixed.write('search-index.js', `window.DETWIKI_INDEX=${indexJson};\nwindow.DETWIKI_REPLACED=${jsonText(cat.replacedTechniques())};\n`, 'index');
    renderClaimed(cat, jobs, ledger, w, (from) => {
      const k = jobs[from]!.kind;
      const s = starts.get(k)!;
      const done = from - s.from;
      if (done - s.told >= step(k) || done === 0) {
        s.told = done;
        opts.onProgress?.(`${k}s`, done, s.total);
      }
    });
  } catch (e) {
    ledger.stop();
    await Promise.all(answers);
    throw e;
  }
  const failed = (await Promise.all(answers)).flatMap((a) => ('error' in a ? [a.error] : []));
  // a worker that stopped: the chunks it claimed and did not finish are written here (nothing is left out)
  for (const c of ledger.unfinished()) ledger.write(c, (i) => writePage(cat, jobs[i]!, w));
  // the counts: the pages made once, then every keyed page from the ledger (whichever thread wrote it)
  const pages: Record<string, number> = { ...fixed.pages };
  let files = fixed.files;
  let bytes = fixed.bytes;
  for (let i = 0; i < jobs.length; i++) {
    const n = ledger.size(i);
    if (n < 0) continue;
    files++;
    bytes += n;
    pages[jobs[i]!.kind] = (pages[jobs[i]!.kind] ?? 0) + 1;
  }
  let removed = 0;
  if (earlier) {
    const written = new Set(fixed.written);
    for (let i = 0; i < jobs.length; i++) if (ledger.size(i) >= 0) written.add(path.posix.normalize(pagePath(jobs[i]!)));
    removed = pruneStale(dir, written);
  }
  // the marker last: an export that failed half-way leaves the earlier marker (or none) as it was
  writeFileSync(path.join(dir, EXPORT_MARKER), `${JSON.stringify({ detwiki: 'export', files })}\n`);
  return { dir, files, bytes, seconds: (performance.now() - t0) / 1000, pages, threads: workers + 1, ...(failed.length ? { workerFailures: failed } : {}), removed };
}

/** The file in an export's folder that says an export wrote it (its content is the same for the same catalog). */
export const EXPORT_MARKER = '.detwiki-export.json';

/** The folders of an export that hold only what an export writes there (a file in them not written this time is stale). */
const OWN_FOLDERS = ['static', 'coverage', 'rule', 'technique', 'tactic', 'logsource', 'indicator'] as const;

/**
 * Remove the files of an earlier export that this one did not write (`written`: paths relative to `dir`, with `/`),
 * in the export's own folders only, and the folders left empty: a page whose rule, technique or indicator is gone
 * from the catalog would otherwise stay in the site, found by the browser's search no more but still linked from
 * bookmarks, with its old content. Symbolic links are removed, never followed. The number of files removed.
 */
export function pruneStale(dir: string, written: ReadonlySet<string>): number {
  let removed = 0;
  const walk = (rel: string): boolean => {
    let empty = true;
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (walk(r)) rmdirSync(path.join(dir, r));
        else empty = false;
      } else if (!written.has(r)) {
        unlinkSync(path.join(dir, r));
        removed++;
      } else empty = false;
    }
    return empty;
  };
  for (const top of OWN_FOLDERS) {
    const st = lstatSync(path.join(dir, top), { throwIfNoEntry: false });
    if (st?.isDirectory()) walk(top);
  }
  return removed;
}
