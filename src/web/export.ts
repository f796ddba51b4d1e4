/**
 * `detwiki export <dir>`: the whole wiki as static files. Pages link relatively (they work from any folder or
 * file://); search and browse run in the browser on a JSON index (search-index.json, also as search-index.js for
 * file://).
 *
 * The pages made from a key (rules, techniques, tactics, log sources, indicators: nearly all of an export's time,
 * 35 of 47 s for the rule pages alone on every corpus) are rendered on every core: worker threads (`exportWorker.ts`)
 * open the catalog themselves and each thread, this one included, claims the next pages from one shared counter,
 * renders and writes them. A page is the same whichever thread renders it (pages depend on the catalog only).
 */
import { availableParallelism } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
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

export interface ExportReport {
  readonly dir: string;
  readonly files: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly pages: Record<string, number>;
  /** Threads that rendered pages (this one and the workers). */
  readonly threads: number;
}

export interface ExportOptions {
  /** Progress: pages of a kind claimed so far (`rule`, `indicator`…) of that kind's total. */
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
  private readonly made = new Set<string>();
  constructor(readonly dir: string) {}

  write(rel: string, content: string | Buffer, kind: string): void {
    const abs = path.join(this.dir, rel);
    const d = path.dirname(abs);
    if (!this.made.has(d)) {
      // recursive: another thread may have made it already
      mkdirSync(d, { recursive: true });
      this.made.add(d);
    }
    writeFileSync(abs, content);
    this.files++;
    this.bytes += typeof content === 'string' ? Buffer.byteLength(content) : content.length;
    this.pages[kind] = (this.pages[kind] ?? 0) + 1;
  }
}

/** Render and write one keyed page (nothing when its data is gone). */
export function writePage(cat: Catalog, job: PageJob, w: SiteWriter): void {
  const rel = `${job.kind}/${job.key}.html`;
  const site = staticSite(rel);
  switch (job.kind) {
    case 'rule': {
      const d = ruleData(cat, job.key);
      if (d) w.write(rel, renderRule(site, d), 'rule');
      return;
    }
    case 'technique': {
      const d = techniqueData(cat, job.key);
      if (d) w.write(rel, renderTechnique(site, d), 'technique');
      return;
    }
    case 'tactic': {
      const d = tacticData(cat, job.key);
      if (d) w.write(rel, renderTactic(site, d), 'tactic');
      return;
    }
    case 'logsource': {
      const d = cat.logsource(job.key);
      if (d) w.write(rel, renderLogsource(site, d), 'logsource');
      return;
    }
    case 'indicator': {
      const d = cat.indicator(job.key);
      if (d) w.write(rel, renderIndicator(site, d), 'indicator');
      return;
    }
  }
}

/** Pages a thread claims at a time from the shared counter. */
export const CLAIM = 16;

/**
 * Claim pages from `next` (an index into `jobs`, shared by every thread) until none is left, writing each; `onClaim`
 * is told the index of each claim's first page.
 */
export function renderClaimed(cat: Catalog, jobs: readonly PageJob[], next: Int32Array, w: SiteWriter, onClaim?: (from: number) => void): void {
  for (;;) {
    const from = Atomics.add(next, 0, CLAIM);
    if (from >= jobs.length) return;
    onClaim?.(from);
    const to = Math.min(from + CLAIM, jobs.length);
    for (let i = from; i < to; i++) writePage(cat, jobs[i]!, w);
  }
}

/** What the main thread sends a worker (`exportWorker.ts`). */
export interface ExportWorkerData {
  readonly catalogDir: string;
  readonly dir: string;
  readonly jobs: readonly PageJob[];
  /** One Int32: the index of the next page to claim. */
  readonly next: SharedArrayBuffer;
}
/** A worker's answer once no page is left: its counts, or why it stopped. */
export type ExportWorkerReply = { readonly files: number; readonly bytes: number; readonly pages: Record<string, number> } | { readonly error: string };

const ENTRY = workerEntry(import.meta.url, 'exportWorker');

export async function exportSite(cat: Catalog, dir: string, opts: ExportOptions = {}): Promise<ExportReport> {
  const t0 = performance.now();
  const w = new SiteWriter(dir);
  const jobs = pageJobs(cat);
  const next = new SharedArrayBuffer(4);
  const counter = new Int32Array(next);
  const workers = jobs.length > CLAIM ? Math.max(0, opts.workers ?? defaultExportWorkers()) : 0;
  // the workers start first (opening the catalog takes them a moment) and claim pages while this thread writes the
  // pages made once
  const data: ExportWorkerData = { catalogDir: cat.dir, dir, jobs, next };
  const answers = Array.from({ length: workers }, () => {
    const worker = new Worker(ENTRY, { workerData: data, env: process.env });
    return new Promise<ExportWorkerReply>((resolve) => {
      worker.once('message', (m: ExportWorkerReply) => resolve(m));
      worker.once('error', (e) => resolve({ error: e instanceof Error ? e.message : String(e) }));
      worker.once('exit', (code) => resolve({ error: `export worker stopped (exit code ${code})` }));
    });
  });
  try {
    for (const [name, a] of assets()) w.write(`static/${name}`, a.body, 'asset');
    w.write('index.html', renderHome(staticSite('index.html'), homeData(cat)), 'home');
    w.write('browse.html', renderBrowse(staticSite('browse.html'), browseData(cat, {})), 'browse');
    w.write('search.html', renderSearch(staticSite('search.html'), searchData(cat, {})), 'search');
    w.write('matrix.html', renderMatrix(staticSite('matrix.html'), matrixData(cat, {})), 'matrix');
    w.write('navigator-layer.json', JSON.stringify(cat.navigatorLayer({}), null, 1), 'navigator');
    w.write('coverage/parsing.html', renderParsing(staticSite('coverage/parsing.html'), parsingData(cat)), 'parsing');
    w.write('logsources.html', renderLogsources(staticSite('logsources.html'), cat.logsources()), 'logsources');
    const indexJson = JSON.stringify(cat.searchIndex());
    w.write('search-index.json', indexJson, 'index');
    w.write('search-index.js', `window.DETWIKI_INDEX=${indexJson};\n`, 'index');
    // progress by kind: where each kind's pages start in `jobs`
    const starts = new Map<PageKind, { from: number; total: number; told: number }>();
    jobs.forEach((j, i) => {
      const s = starts.get(j.kind);
      if (s) s.total++;
      else starts.set(j.kind, { from: i, total: 1, told: -Infinity });
    });
    const step = (k: PageKind) => (k === 'indicator' ? 5000 : 500);
    renderClaimed(cat, jobs, counter, w, (from) => {
      const k = jobs[from]!.kind;
      const s = starts.get(k)!;
      const done = from - s.from;
      if (done - s.told >= step(k) || done === 0) {
        s.told = done;
        opts.onProgress?.(`${k}s`, done, s.total);
      }
    });
  } finally {
    // a failure here stops the workers' claims too
    if (Atomics.load(counter, 0) < jobs.length) Atomics.store(counter, 0, jobs.length);
  }
  const errors: string[] = [];
  for (const a of await Promise.all(answers)) {
    if ('error' in a) {
      errors.push(a.error);
      continue;
    }
    w.files += a.files;
    w.bytes += a.bytes;
    for (const [k, n] of Object.entries(a.pages)) w.pages[k] = (w.pages[k] ?? 0) + n;
  }
  // a worker that stopped may have claimed pages it did not write: the export is incomplete
  if (errors.length) throw new Error(`export: ${errors.length} of ${workers} worker threads failed (${errors[0]}); the export in ${dir} is incomplete`);
  return { dir, files: w.files, bytes: w.bytes, seconds: (performance.now() - t0) / 1000, pages: w.pages, threads: workers + 1 };
}
