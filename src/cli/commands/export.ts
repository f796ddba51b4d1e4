/** detwiki export <dir> [--out CATALOG_DIR] [--workers N] [--json]: the whole wiki as static files with client-side search. */
import { statSync } from 'node:fs';
import { makeFolder } from '../../catalog/paths.ts';
import path from 'node:path';
import { defaultExportWorkers, exportSite } from '../../web/export.ts';
import { CATALOG_OPTIONS, parseCommand, printJson } from '../args.ts';
import { catalogOption, guarded, UsageError, withCatalog } from '../context.ts';
import { say, sayLine } from '../lines.ts';
import { escapeControls } from '../../model/ascii.ts';

const USAGE = 'usage: detwiki export <dir> [--out CATALOG_DIR] [--workers N] [--json]';

export async function run(argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseCommand(argv, { ...CATALOG_OPTIONS, workers: { type: 'string' } });
    if (values.help || positionals.length !== 1) {
      say(USAGE);
      return values.help ? 0 : 2;
    }
    // --workers N: worker threads beside this one (default: one per core beyond the first, at most 3; 0: one thread)
    const workers = values.workers === undefined ? defaultExportWorkers() : Number(values.workers);
    if (!Number.isInteger(workers) || workers < 0 || workers > 64) throw new UsageError('--workers must be a whole number from 0 to 64');
    // a file in the folder's place is the command's error before the catalog is read; the folder is made once the
    // catalog is open (a command that fails for want of a catalog leaves no empty folder), before any page is
    // written: a folder that cannot be made is the command's error, not a stack trace from the first page
    const dir = path.resolve(positionals[0]!);
    if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() === false) throw new UsageError(`${positionals[0]} exists and is not a folder`);
    return withCatalog('export', catalogOption(values), async (cat) => {
      try {
        makeFolder(dir);
      } catch (e) {
        throw new UsageError(`cannot make the folder ${positionals[0]}: ${(e as Error).message}`);
      }
      let r;
      try {
        r = await exportSite(cat, dir, { workers, ...(values.json ? {} : { onProgress: (what, done, total) => process.stderr.write(`export ${what} ${done}/${total}\n`) }) });
      } catch (e) {
        // a page that cannot be written (the disk full, a file where a folder of the site goes): said, exit code 1
        const code = (e as { code?: unknown }).code;
        if (typeof code !== 'string' || !code.startsWith('E')) throw e;
        process.stderr.write(`${escapeControls(`detwiki export: cannot write the site to ${dir}: ${(e as Error).message}`)}\n`);
        return 1;
      }
      // a worker that stopped: its unfinished pages were written by the main thread; say so
      for (const f of r.workerFailures ?? []) process.stderr.write(`detwiki export: a worker thread stopped (${f.split('\n')[0]}); its pages were written on the main thread\n`);
      if (values.json) printJson(r);
      else {
        const removed = r.removed ? `, removed ${r.removed} file(s) of an earlier export that this one did not write` : '';
        sayLine(`exported ${r.files} files (${(r.bytes / 1e6).toFixed(1)} MB) to ${r.dir} in ${r.seconds.toFixed(1)} s on ${r.threads} thread${r.threads === 1 ? '' : 's'}${removed}; open index.html`);
      }
      return 0;
    });
  });
}
