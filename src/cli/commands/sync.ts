/** detwiki sync [--mirror DIR] [--cache DIR] [--attack FILE] [--sources a,b] [--json] */
import { syncSources } from '../../catalog/sync.ts';
import { parseCommand, printJson } from '../args.ts';
import { guarded } from '../context.ts';
import { sourcesFrom } from './build.ts';

export async function run(argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values } = parseCommand(argv, { mirror: { type: 'string' }, cache: { type: 'string' }, sources: { type: 'string' }, 'sources-file': { type: 'string' } });
    if (values.help) {
      console.log('usage: detwiki sync [--mirror DIR] [--cache DIR] [--attack FILE] [--sources a,b] [--json]');
      return 0;
    }
    if (values.cache) process.env.DETWIKI_CACHE = values.cache;
    const report = await syncSources(sourcesFrom(values), {
      ...(values.mirror ? { mirror: values.mirror } : {}),
      ...(values.attack ? { attack: values.attack } : {}),
      onSource: values.json ? undefined : (r) => console.error(`${r.name}: ${r.status}${r.commit ? ` ${r.commit.slice(0, 8)}` : ''}${r.message ? ` (${r.message})` : ''}`),
    });
    if (values.json) printJson(report);
    else console.log(`ATT&CK: ${report.attack.status} ${report.attack.path}${report.attack.message ? ` (${report.attack.message})` : ''}`);
    const failed = report.sources.filter((s) => s.status === 'failed' || s.status === 'missing').length;
    return failed === report.sources.length ? 1 : 0;
  });
}
