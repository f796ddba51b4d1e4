/** detwiki serve [--out DIR] [--host H] [--port N]: serve the wiki (127.0.0.1 by default, read-only). */
import { defaultCatalogDir } from '../../catalog/paths.ts';
import { serveCatalog } from '../../web/server.ts';
import { parseCommand } from '../args.ts';
import { guarded, UsageError } from '../context.ts';

export const SERVE_OPTIONS = { out: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' } } as const;

export async function runServe(values: { out?: string | undefined; host?: string | undefined; port?: string | undefined }): Promise<number> {
  const port = values.port !== undefined ? Number(values.port) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`bad --port ${values.port}`);
  const host = values.host ?? '127.0.0.1';
  let s;
  try {
    s = await serveCatalog({ dir: values.out ?? defaultCatalogDir(), host, port });
  } catch (e) {
    console.error(`detwiki serve: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') console.error(`detwiki serve: listening on ${host}: the wiki is reachable from other machines`);
  console.log(`detection-wiki at ${s.url} (read-only; Ctrl-C to stop)`);
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
    const { values } = parseCommand(argv, SERVE_OPTIONS);
    if (values.help) {
      console.log('usage: detwiki serve [--out DIR] [--host H] [--port N]');
      return 0;
    }
    return runServe(values);
  });
}
