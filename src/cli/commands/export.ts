/** detwiki export <dir> [--out CATALOG_DIR] [--json]: the whole wiki as static files with client-side search. */
import path from 'node:path';
import { exportSite } from '../../web/export.ts';
import { parseCommand, printJson } from '../args.ts';
import { guarded, withCatalog } from '../context.ts';

export async function run(argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseCommand(argv, { out: { type: 'string' } });
    if (values.help || positionals.length !== 1) {
      console.log('usage: detwiki export <dir> [--out CATALOG_DIR] [--json]');
      return values.help ? 0 : 2;
    }
    return withCatalog('export', values.out, (cat) => {
      const r = exportSite(cat, path.resolve(positionals[0]!), values.json ? undefined : (what, done, total) => process.stderr.write(`export ${what} ${done}/${total}\n`));
      if (values.json) printJson(r);
      else console.log(`exported ${r.files} files (${(r.bytes / 1e6).toFixed(1)} MB) to ${r.dir} in ${r.seconds.toFixed(1)} s; open index.html`);
      return 0;
    });
  });
}
