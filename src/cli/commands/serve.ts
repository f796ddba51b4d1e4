/**
 * detwiki serve [--out DIR] [--host H] [--port N] [--workers N]: serve the wiki (127.0.0.1 by default, read-only),
 * with N server processes (node:cluster; default 1: this process only).
 */
import { defaultCatalogDir } from '../../catalog/paths.ts';
import { defaultServeWorkers, serveClustered } from '../../web/cluster.ts';
import { Catalog } from '../../catalog/query.ts';
import { serveCatalog } from '../../web/server.ts';
import { CATALOG_OPTIONS, parseCommand } from '../args.ts';
import { catalogOption, guarded, noArguments, UsageError } from '../context.ts';
import { say, sayLine } from '../lines.ts';

export const SERVE_OPTIONS = { out: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, workers: { type: 'string' } } as const;

export async function runServe(values: { out?: string | undefined; host?: string | undefined; port?: string | undefined; workers?: string | undefined }): Promise<number> {
  const port = values.port !== undefined ? Number(values.port) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`bad --port ${values.port}`);
  const workers = values.workers !== undefined ? Number(values.workers) : defaultServeWorkers();
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UsageError(`bad --workers ${values.workers}`);
  const host = values.host ?? '127.0.0.1';
  const dir = values.out ?? defaultCatalogDir();
  let s;
  try {
    if (workers > 1) {
      // the catalog is opened here first, so that a missing or stale catalog is one clear message, not N
      new Catalog(dir).close();
      s = await serveClustered({ dir, host, port, workers });
    } else s = await serveCatalog({ dir, host, port });
  } catch (e) {
    console.error(`detwiki serve: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') console.error(`detwiki serve: listening on ${host}: the wiki is reachable from other machines`);
  sayLine(`detection-wiki at ${s.url} (read-only${workers > 1 ? `, ${workers} server processes` : ''}; Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void s.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseCommand(argv, { ...SERVE_OPTIONS, ...CATALOG_OPTIONS });
    if (values.help) {
      say('usage: detwiki serve [--out DIR | --catalog DIR] [--host H] [--port N] [--workers N]');
      return 0;
    }
    noArguments('serve', positionals, 'out');
    return runServe({ ...values, out: catalogOption(values) });
  });
}
