/** detwiki coverage [--out DIR] [--format F] [--kind K] [--logsource L] [--navigator] [--json] */
import type { Filters } from '../../catalog/query.ts';
import { CATALOG_OPTIONS, parseCommand, printJson } from '../args.ts';
import type { Catalog } from '../../catalog/query.ts';
import { coveredKinds } from '../../catalog/read/attack.ts';
import { catalogOption, guarded, nearestNamesHint, noArguments, oneFormatAndKind, UsageError, withCatalog } from '../context.ts';
import { say, sayLine } from '../lines.ts';

export async function run(argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseCommand(argv, { ...CATALOG_OPTIONS, format: { type: 'string' }, kind: { type: 'string' }, logsource: { type: 'string' }, navigator: { type: 'boolean' } });
    if (values.help) {
      say('usage: detwiki coverage [--out DIR] [--format F] [--kind K] [--logsource L] [--navigator] [--json]');
      return 0;
    }
    noArguments('coverage', positionals, 'out');
    const f: Filters = { ...oneFormatAndKind(values), ...(values.logsource ? { logsource: values.logsource } : {}) };
    return withCatalog('coverage', catalogOption(values), (cat) => {
      if (values.logsource) knownLogsource(cat, values.logsource);
      if (values.navigator) {
        printJson(cat.navigatorLayer(f));
        return 0;
      }
      const m = cat.matrix(f);
      if (values.json) {
        printJson(m);
        return 0;
      }
      if (!m.tactics.length) {
        say('no ATT&CK data in the catalog: build with --attack FILE or run `detwiki sync`');
        return 1;
      }
      sayLine(`ATT&CK Enterprise v${m.version}: ${m.rules} rules mapped (${coveredKinds(f.kind)})`);
      for (const t of m.tactics) {
        const covered = t.techniques.filter((q) => q.count > 0);
        const top = [...covered].sort((a, b) => b.count - a.count).slice(0, 5).map((q) => `${q.id} ${q.name} (${q.count})`);
        sayLine(`${t.name.padEnd(22)} ${String(t.count).padStart(5)} rules  ${String(covered.length).padStart(3)}/${t.techniques.length} techniques  ${top.join('; ')}`);
      }
      say(m.attribution);
      return 0;
    });
  });
}

/**
 * `--logsource`: a log source of the catalog, by its key or its name as the rules give it (`windows/process_creation`,
 * `DeviceProcessEvents`, `Endpoint.Processes`); one it does not have is a usage error naming those that contain the
 * word, not a matrix of zeros.
 */
function knownLogsource(cat: Catalog, ls: string): void {
  const all = cat.logsources();
  if (all.some((l) => l.key === ls || l.name === ls)) return;
  const word = ls.toLowerCase();
  const byUse = [...all].sort((a, b) => b.n - a.n).map((l) => l.name);
  throw new UsageError(`--logsource: the catalog has no log source '${ls}' (${nearestNamesHint(byUse, (n) => n.toLowerCase().includes(word), 'its largest are')})`);
}
