/**
 * `detwiki`: the command line. Each command lives in `commands/<name>.ts` and exports
 * `run(argv): Promise<number>` (the exit code). Conventions every command keeps: `--json` for machine output;
 * ATT&CK data from `--attack <bundle>` or `DETWIKI_ATTACK`, else the copy `detwiki sync` keeps.
 */
import { plainProcessEnv } from '../formats/env.ts';
import { say } from './lines.ts';

type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

export const COMMANDS: Record<string, Command> = {
  show: { summary: 'show <rule id | file> [--repo DIR | --out CATALOG] [--json]   print a rule page', load: () => import('./commands/show.ts') },
  test: { summary: 'test <path> [--format F] [--json]   run rules\' embedded tests against their extracted logic', load: () => import('./commands/test.ts') },
  scan: { summary: 'scan <repo dir> [--format F] [--strict] [--json]   parse a repository, account for every file', load: () => import('./commands/scan.ts') },
  eval: { summary: 'eval <rule file> <events (JSON, JSON lines, audit.log; gzip)|-> [--json]   run a rule\'s logic against events', load: () => import('./commands/eval.ts') },
  hunt: { summary: 'hunt <events...> [--catalog DIR | --rules PATH...] [--json|--jsonl]   which rules fire on these logs', load: () => import('./commands/hunt.ts') },
  convert: { summary: 'convert <rule id | file> --to duckdb|clickhouse [--catalog DIR]   print a rule\'s condition as SQL', load: () => import('./commands/convert.ts') },
  sync: { summary: 'sync [--mirror DIR] [--cache DIR]   clone or update the upstream sources and the ATT&CK bundle', load: () => import('./commands/sync.ts') },
  build: { summary: 'build [--mirror DIR] [--attack FILE] [--out DIR]   build the SQLite catalog', load: () => import('./commands/build.ts') },
  serve: { summary: 'serve [--out DIR] [--host H] [--port N]   serve the wiki (localhost, read-only)', load: () => import('./commands/serve.ts') },
  start: { summary: 'start [--mirror DIR]   build the catalog and serve it', load: () => import('./commands/start.ts') },
  search: { summary: 'search <query> [--json]   full-text search of the catalog', load: () => import('./commands/search.ts') },
  compare: { summary: 'compare <rule id A> <rule id B> [--json]   two rules side by side, predicate by predicate', load: () => import('./commands/compare.ts') },
  coverage: { summary: 'coverage [--rules PATH...] [--navigator] [--json]   ATT&CK coverage of the catalog, or of your rule folders', load: () => import('./commands/coverage.ts') },
  export: { summary: 'export <dir> [--workers N]   write the wiki as static files (on every core)', load: () => import('./commands/export.ts') },
};

export function usage(): string {
  return ['usage: detwiki <command> [options]', '', ...Object.values(COMMANDS).map((c) => `  ${c.summary}`)].join('\n');
}

/**
 * A reader that stops reading (`detwiki hunt … --jsonl | head`) closes the pipe: output ends there, quietly, as
 * other command-line tools end, instead of an unhandled EPIPE error.
 */
function endQuietlyOnClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  plainProcessEnv();
  endQuietlyOnClosedOutput();
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    say(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`detwiki: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  const mod = await cmd.load();
  return mod.run(rest);
}
