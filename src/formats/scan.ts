/**
 * The driver that runs one adapter over every file of a source. Nothing is lost: each file ends as parsed,
 * support, skipped (with a reason) or error (with diagnostics). An adapter exception on one file is reported as
 * GEN004 for that file and the scan goes on.
 */
import { GeneralDiagnostics, type Diagnostic } from '../model/diagnostics.ts';
import type { RuleRecord } from '../model/rule.ts';
import type { FileResult, FormatAdapter, SourceInfo } from './adapter.ts';
import { listFiles } from './io.ts';

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
  const all = await listFiles(root);
  const prep = (await adapter.prepare?.(root, all, source)) as P;
  const targets = opts.only ?? all;
  const files: FileResult[] = [];
  const rules: RuleRecord[] = [];
  const seen = new Map<string, number>();
  const post = opts.postprocess;
  await scanFiles(adapter, root, source, prep, targets, (res, done, p) => {
    if (res.rules.length) res = { ...res, rules: res.rules.map((r) => uniqueId(post ? post(r) : r, seen)) };
    files.push(res);
    rules.push(...res.rules);
    opts.onProgress?.(done, targets.length, p);
  });
  return { files, rules, diagnostics: adapter.sourceDiagnostics?.(prep) ?? [] };
}

/** Files parsed between two turns of the event loop. */
export const YIELD_EVERY = 16;

/**
 * Parse the given files of a prepared source, in order, handing each result to `onFile` as it is made (rule ids as
 * the adapter made them). An adapter exception on a file becomes that file's GEN004 error.
 */
export async function scanFiles<P>(
  adapter: FormatAdapter<P>,
  root: string,
  source: SourceInfo,
  prep: P,
  targets: readonly string[],
  onFile: (res: FileResult, done: number, path: string) => void,
): Promise<void> {
  let done = 0;
  for (const p of targets) {
    // let the event loop run now and then (files are read synchronously): progress, messages, other work
    if (done % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((r) => setImmediate(r));
    let res: FileResult;
    try {
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
