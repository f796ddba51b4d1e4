/**
 * detwiki start [--mirror DIR] [--attack FILE] [--out DIR] [--host H] [--port N]: build the catalog, then serve it.
 * Without a mirror and without synced sources it builds the project's examples/, so the wiki always comes up.
 */
import { parseCommand } from '../args.ts';
import { guarded, noArguments } from '../context.ts';
import { BUILD_OPTIONS, runBuild } from './build.ts';
import { runServe, SERVE_OPTIONS } from './serve.ts';
import { say } from '../lines.ts';

export async function run(argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseCommand(argv, { ...BUILD_OPTIONS, ...SERVE_OPTIONS });
    if (values.help) {
      say('usage: detwiki start [--mirror DIR] [--attack FILE] [--out DIR] [--examples] [--sources a,b] [--host H] [--port N] [--workers N]');
      return 0;
    }
    noArguments('start', positionals, 'mirror');
    const b = await runBuild({ ...values, json: false });
    if (b.code !== 0) return b.code;
    return runServe({ out: b.out, host: values.host, port: values.port, workers: values.workers });
  });
}
