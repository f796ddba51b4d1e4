/** detwiki sync [--mirror DIR] [--cache DIR] [--attack FILE] [--audit-normalizations FILE] [--sources a,b] [--json] */
import { statSync } from 'node:fs';
import { cacheDir, makeFolder } from '../../catalog/paths.ts';
import { syncSources } from '../../catalog/sync.ts';
import { parseCommand, printJson } from '../args.ts';
import { guarded, noArguments, UsageError } from '../context.ts';
import { sourcesFrom } from './build.ts';
import { say, sayLine } from '../lines.ts';

export async function run(argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseCommand(argv, { mirror: { type: 'string' }, cache: { type: 'string' }, sources: { type: 'string' }, 'sources-file': { type: 'string' }, 'audit-normalizations': { type: 'string' } });
    if (values.help) {
      say('usage: detwiki sync [--mirror DIR] [--cache DIR] [--attack FILE] [--audit-normalizations FILE] [--sources a,b] [--json]');
      return 0;
    }
    noArguments('sync', positionals, 'mirror');
    // a mirror is named on purpose (offline): one that is not there is the command's error, not every source 'missing'
    if (values.mirror !== undefined && statSync(values.mirror, { throwIfNoEntry: false })?.isDirectory() !== true) throw new UsageError(`no such mirror folder: ${values.mirror}`);
    if (values.cache) process.env.DETWIKI_CACHE = values.cache;
    // the cache folder is made first: one that cannot be made (a file in its place, `/proc/x`) is the command's
    // error, named, before any source is fetched
    try {
      makeFolder(cacheDir());
    } catch (e) {
      throw new UsageError(`cannot make the cache folder ${cacheDir()}: ${(e as Error).message}`);
    }
    const report = await syncSources(sourcesFrom(values), {
      ...(values.mirror ? { mirror: values.mirror } : {}),
      ...(values.attack ? { attack: values.attack } : {}),
      ...(values['audit-normalizations'] ? { auditNormalizations: values['audit-normalizations'] } : {}),
      onSource: values.json ? undefined : (r) => console.error(`${r.name}: ${r.status}${r.commit ? ` ${r.commit.slice(0, 8)}` : ''}${r.message ? ` (${r.message})` : ''}`),
    });
    if (values.json) printJson(report);
    else {
      const { attack, auditNormalizations: an } = report;
      sayLine(`ATT&CK: ${attack.status} ${attack.path}${attack.message ? ` (${attack.message})` : ''}`);
      sayLine(`go-libaudit's audit normalizations (the hunt's Auditbeat documents): ${an.status} ${an.path}${an.entries ? ` (${an.entries} entries)` : ''}${an.message ? ` (${an.message})` : ''}`);
    }
    const failed = report.sources.filter((s) => s.status === 'failed' || s.status === 'missing').length;
    return failed === report.sources.length ? 1 : 0;
  });
}
