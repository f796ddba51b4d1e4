/**
 * The driver that runs one adapter over every file of a source. Nothing is lost: each file ends as parsed,
 * support, skipped (with a reason) or error (with diagnostics). An adapter exception on one file is reported as
 * GEN004 for that file and the scan goes on.
 */
import { GeneralDiagnostics, type Diagnostic } from '../model/diagnostics.ts';
import type { RuleRecord } from '../model/rule.ts';
import type { FileResult, FormatAdapter, SourceInfo } from './adapter.ts';
import { listSource, skippedResult } from './io.ts';

export interface ScanOptions {
  /** Only these files (relative paths) are parsed; the rest are still prepared from. */
  readonly only?: readonly string[];
  /** Called after each file: done, total, path. */
  readonly onProgress?: (done: number, total: number, path: string) => void;
  /** Applied to every rule produced (ATT&CK resolution). */
  readonly postprocess?: (r: RuleRecord) => RuleRecord;
}

export interface ScanResult {
  readonly files: readonly FileResult[];
  readonly rules: readonly RuleRecord[];
  /** Diagnostics about the source as a whole. */
  readonly diagnostics: readonly Diagnostic[];
}

export async function scanSource<P>(adapter: FormatAdapter<P>, root: string, source: SourceInfo, opts: ScanOptions = {}): Promise<ScanResult> {
  const listing = listSource(root);
  const all = listing.files;
  const { prep, failed } = await prepareSource(adapter, root, all, source);
  const targets = opts.only ?? all;
  const files: FileResult[] = [];
  const rules: RuleRecord[] = [];
  const seen = new Map<string, number>();
  const post = opts.postprocess;
  await scanFiles(adapter, root, source, prep as P, targets, (res, done, p) => {
    if (res.rules.length) {
      try {
        res = { ...res, rules: res.rules.map((r) => uniqueId(post ? post(r) : r, seen)) };
      } catch (e) {
        // the postprocess step (ATT&CK resolution) under the same per-file accounting as parsing
        res = { path: res.path, outcome: 'error', rules: [], diagnostics: [...res.diagnostics, GeneralDiagnostics.crash(res.path, e)] };
      }
    }
    files.push(res);
    rules.push(...res.rules);
    opts.onProgress?.(done, targets.length, p);
  }, failed);
  // entries that are not regular files (links, FIFOs, names that are not UTF-8): skipped, with their reason
  const only = opts.only ? new Set(opts.only) : undefined;
  const odd = listing.skipped.filter((e) => !only || only.has(e.path)).map(skippedResult);
  if (odd.length) {
    files.push(...odd);
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
  return { files, rules, diagnostics: prep === undefined ? [] : adapter.sourceDiagnostics?.(prep) ?? [] };
}

/** A prepared source, and the files that made preparing it throw (each with its GEN004). */
export interface PreparedSource<P> {
  /** Undefined only when no subset of the files could be prepared (then every file is in `failed`). */
  readonly prep: P | undefined;
  readonly failed: ReadonlyMap<string, Diagnostic>;
}

/**
 * `prepare` under per-file accounting. Preparing reads the whole source (Sigma links filters and correlations across
 * files there, Panther reads its helpers), so one hostile file could fail the whole source: when `prepare` throws, each
 * file is prepared alone to find those that throw; they become GEN004 errors and the source is prepared again without
 * them. Only when that throws too (files that fail together) is every file an error. Costs nothing when nothing throws.
 */
export async function prepareSource<P>(adapter: FormatAdapter<P>, root: string, files: readonly string[], source: SourceInfo): Promise<PreparedSource<P>> {
  // an adapter whose files parse on their own declares no prepare
  if (!adapter.prepare) return { prep: undefined as P, failed: new Map() };
  const prepare = adapter.prepare.bind(adapter);
  let first: unknown;
  try {
    return { prep: await prepare(root, files, source), failed: new Map() };
  } catch (e) {
    first = e;
  }
  const failed = new Map<string, Diagnostic>();
  for (const f of files) {
    try {
      await prepare(root, [f], source);
    } catch (e) {
      failed.set(f, GeneralDiagnostics.crash(f, e));
    }
  }
  try {
    if (failed.size) return { prep: await prepare(root, files.filter((f) => !failed.has(f)), source), failed };
  } catch (e) {
    first = e;
  }
  return { prep: undefined, failed: new Map(files.map((f) => [f, failed.get(f) ?? GeneralDiagnostics.crash(f, first)])) };
}

/** Files parsed between two turns of the event loop. */
export const YIELD_EVERY = 16;

/**
 * Parse the given files of a prepared source, in order, handing each result to `onFile` as it is made (rule ids as
 * the adapter made them). An adapter exception on a file becomes that file's GEN004 error; so do the files that made
 * `prepare` throw (`failed`, from `prepareSource`).
 */
export async function scanFiles<P>(
  adapter: FormatAdapter<P>,
  root: string,
  source: SourceInfo,
  prep: P,
  targets: readonly string[],
  onFile: (res: FileResult, done: number, path: string) => void,
  failed?: ReadonlyMap<string, Diagnostic>,
): Promise<void> {
  let done = 0;
  for (const p of targets) {
    // let the event loop run now and then (files are read synchronously): progress, messages, other work
    if (done % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((r) => setImmediate(r));
    let res: FileResult;
    const crashed = failed?.get(p);
    if (crashed) res = { path: p, outcome: 'error', rules: [], diagnostics: [crashed] };
    else try {
      res = await adapter.parseFile(root, p, prep, source);
    } catch (e) {
      res = { path: p, outcome: 'error', rules: [], diagnostics: [GeneralDiagnostics.crash(p, e)] };
    }
    onFile(res, ++done, p);
  }
}

/** Rule ids are `<format>/<slug>`; a slug seen twice gets `-2`, `-3`… in path order. */
function uniqueId(r: RuleRecord, seen: Map<string, number>): RuleRecord {
  const n = seen.get(r.id) ?? 0;
  seen.set(r.id, n + 1);
  return n > 0 ? { ...r, id: `${r.id}-${n + 1}` } : r;
}
