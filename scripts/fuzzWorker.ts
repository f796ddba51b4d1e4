/**
 * The fuzz harness's scan thread: scans a folder of mutated files with one adapter and reports, per file, its
 * outcome and diagnostic codes (progress after every file, so that the harness can tell a hang from slow work).
 */
import { parentPort } from 'node:worker_threads';
import { adapterFor } from '../src/formats/registry.ts';
import { scanSource } from '../src/formats/scan.ts';
import type { Format } from '../src/model/facts.ts';

/** One file of a fuzz batch, as the harness audits it. */
export interface FuzzFileResult {
  readonly path: string;
  readonly outcome: string;
  readonly reason?: string;
  readonly codes: readonly string[];
  /** `CODE message` of the first diagnostics (for findings). */
  readonly messages: readonly string[];
  /** Time to scan it (ms; for Sigma, whose files are all read while the source is prepared, only the hand-out). */
  readonly ms: number;
}

export type FuzzReply =
  | { readonly id: number; readonly type: 'progress'; readonly path: string }
  | { readonly id: number; readonly type: 'done'; readonly files: FuzzFileResult[] }
  | { readonly id: number; readonly type: 'error'; readonly message: string };

parentPort?.on('message', (m: { id: number; format: Format; dir: string }) => {
  void (async () => {
    const post = (r: FuzzReply) => parentPort!.postMessage(r);
    try {
      const adapter = adapterFor(m.format);
      if (!adapter) throw new Error(`no adapter for ${m.format}`);
      post({ id: m.id, type: 'progress', path: '(prepare)' });
      const ms = new Map<string, number>();
      let last = performance.now();
      const r = await scanSource(adapter, m.dir, { repository: 'fuzz' }, {
        onProgress: (_d, _t, p) => {
          const now = performance.now();
          ms.set(p, now - last);
          last = now;
          post({ id: m.id, type: 'progress', path: p });
        },
      });
      const files = r.files.map((f) => ({
        ms: ms.get(f.path) ?? 0,
        path: f.path,
        outcome: f.outcome,
        ...(f.reason ? { reason: f.reason } : {}),
        codes: f.diagnostics.map((d) => d.code),
        messages: f.diagnostics.slice(0, 3).map((d) => `${d.code} ${d.message.slice(0, 300)}`),
      }));
      post({ id: m.id, type: 'done', files });
    } catch (e) {
      post({ id: m.id, type: 'error', message: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}`.slice(0, 2000) : String(e) });
    }
  })();
});
