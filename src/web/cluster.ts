/**
 * Serving on every core: `workers` processes (node:cluster), each with the whole server (its catalog connection and
 * response cache), sharing one listening socket that the primary hands connections from. Rendering a page is
 * synchronous CPU work, so one process uses one core; on a machine with spare cores more processes serve more
 * requests at once. A worker that dies is replaced.
 */
import cluster, { type Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerEntry } from '../catalog/workerEntry.ts';

/** Most server processes started by default. */
export const MAX_SERVE_WORKERS = 4;

/**
 * Default number of server processes: 1. With the response cache a page is rendered once per build, so one process
 * keeps up with 50 local clients (`npm run bench -- serve` on 2 cores: 6,400 requests/s with one process, 5,400 with
 * two, which compete with the clients for the cores); `--workers N` (at most `availableParallelism()` is useful) serves
 * from N processes where the clients are elsewhere and pages are rendered often.
 */
export function defaultServeWorkers(): number {
  return 1;
}

/** Processes worth starting on this machine: one per core, at most MAX_SERVE_WORKERS. */
export function usefulServeWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), MAX_SERVE_WORKERS));
}

export interface ClusterServing {
  readonly url: string;
  readonly workers: number;
  close(): Promise<void>;
}

/** Most workers replaced in a row without one staying up for REPLACE_WINDOW_MS (then the server stops replacing). */
export const MAX_REPLACEMENTS = 5;
const REPLACE_WINDOW_MS = 60_000;

/**
 * Start `workers` server processes on host:port and wait until they listen. Every worker asks for the same address
 * (port 0 included: the primary binds one free port and every worker shares it). A worker that dies after it was
 * listening is replaced; one that dies before is a startup failure (rejected, nothing replaced).
 */
export async function serveClustered(opts: { readonly dir: string; readonly host: string; readonly port: number; readonly workers: number }): Promise<ClusterServing> {
  cluster.setupPrimary({ exec: fileURLToPath(workerEntry(import.meta.url, 'serveWorker')), args: [], execArgv: [] });
  const env = { DETWIKI_SERVE_DIR: path.resolve(opts.dir), DETWIKI_SERVE_HOST: opts.host, DETWIKI_SERVE_PORT: String(opts.port) };
  let closing = false;
  let replaced: number[] = [];
  const fork = (): Promise<AddressInfo> =>
    new Promise((resolve, reject) => {
      const w: Worker = cluster.fork(env);
      let listening = false;
      w.once('listening', (a: AddressInfo) => {
        listening = true;
        resolve(a);
      });
      w.once('exit', (code, signal) => {
        if (closing || w.exitedAfterDisconnect === true) return;
        if (!listening) return reject(new Error(`a server worker exited before listening (${signal ?? `code ${code}`})`));
        const now = Date.now();
        replaced = [...replaced.filter((t) => now - t < REPLACE_WINDOW_MS), now];
        if (replaced.length <= MAX_REPLACEMENTS) void fork().catch(() => undefined);
      });
    });
  let addrs: AddressInfo[];
  try {
    addrs = await Promise.all(Array.from({ length: opts.workers }, () => fork()));
  } catch (e) {
    closing = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
    throw e;
  }
  const first = addrs[0]!;
  const shownHost = first.address.includes(':') ? `[${first.address}]` : first.address;
  return {
    url: `http://${shownHost}:${first.port}/`,
    workers: opts.workers,
    close: async () => {
      closing = true;
      await Promise.all(
        Object.values(cluster.workers ?? {}).map(
          (w) =>
            new Promise<void>((resolve) => {
              if (!w) return resolve();
              w.once('exit', () => resolve());
              w.disconnect();
              setTimeout(() => w.process.kill('SIGKILL'), 5000).unref();
            }),
        ),
      );
    },
  };
}
