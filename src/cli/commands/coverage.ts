/**
 * detwiki coverage [--out DIR | --rules PATH...] [--attack FILE] [--format F] [--kind K] [--logsource L] [--navigator] [--json]
 *
 * The ATT&CK matrix of the catalog, or of one's own rules (`--rules`: folders of rules in any language, read as a
 * build reads a source: the language each folder tells, ATT&CK resolved against the bundle; into a catalog made for
 * the command in a temporary folder, read as any catalog, then removed).
 */
import { copyFileSync, mkdtempSync, rmSync, statSync, symlinkSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCatalog, type BuildReport } from '../../catalog/build.ts';
import { progressFor } from '../../catalog/progress.ts';
import type { Filters } from '../../catalog/query.ts';
import type { SourceDef } from '../../catalog/sources.ts';
import { detectRuleFolders } from '../../formats/detect.ts';
import type { Format } from '../../model/facts.ts';
import { CATALOG_OPTIONS, parseCommand, printJson } from '../args.ts';
import type { Catalog } from '../../catalog/query.ts';
import { coveredKinds, uncountedMapped } from '../../catalog/read/attack.ts';
import { catalogOption, guarded, nearestNamesHint, noArguments, oneFormatAndKind, UsageError, withCatalog } from '../context.ts';
import { say, sayLine } from '../lines.ts';

const USAGE = 'usage: detwiki coverage [--out DIR | --rules PATH...] [--attack FILE] [--format F] [--kind K] [--logsource L] [--navigator] [--json]';

export async function run(argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseCommand(argv, {
      ...CATALOG_OPTIONS,
      rules: { type: 'string', multiple: true },
      attack: { type: 'string' },
      format: { type: 'string' },
      kind: { type: 'string' },
      logsource: { type: 'string' },
      navigator: { type: 'boolean' },
    });
    if (values.help) {
      say(USAGE);
      return 0;
    }
    noArguments('coverage', positionals, 'out');
    const f: Filters = { ...oneFormatAndKind(values), ...(values.logsource ? { logsource: values.logsource } : {}) };
    const report = (cat: Catalog): number => {
      if (values.logsource) knownLogsource(cat, values.logsource);
      if (values.navigator) {
        // the layer of --rules says which folders it counts, not when its temporary catalog was built
        printJson(values.rules ? cat.navigatorLayer(f, `the rules in ${values.rules.join(', ')}`) : cat.navigatorLayer(f));
        return 0;
      }
      const m = cat.matrix(f);
      if (values.json) {
        printJson(m);
        return 0;
      }
      if (!m.tactics.length) {
        say(values.rules ? 'no ATT&CK bundle: give --attack FILE (or a folder holding enterprise-attack*.json) or run `detwiki sync`' : 'no ATT&CK data in the catalog: build with --attack FILE or run `detwiki sync`');
        return 1;
      }
      sayLine(`ATT&CK Enterprise v${m.version}: ${m.rules} rules mapped (${coveredKinds(f.kind)})`);
      // mapped rules of other kinds (a team's hunting queries): said, with how to count them, not left out silently
      const other = uncountedMapped(cat, f);
      if (other.length) sayLine(`also mapped, not counted here: ${other.map((o) => `${o.n} ${o.kind}`).join(', ')} (--kind K counts one kind)`);
      for (const t of m.tactics) {
        const covered = t.techniques.filter((q) => q.count > 0);
        const top = [...covered].sort((a, b) => b.count - a.count).slice(0, 5).map((q) => `${q.id} ${q.name} (${q.count})`);
        sayLine(`${t.name.padEnd(22)} ${String(t.count).padStart(5)} rules  ${String(covered.length).padStart(3)}/${t.techniques.length} techniques  ${top.join('; ')}`);
      }
      say(m.attribution);
      return 0;
    };
    if (!values.rules) {
      if (values.attack) throw new UsageError('--attack goes with --rules: a catalog has the ATT&CK it was built with (`detwiki build --attack FILE`)');
      return withCatalog('coverage', catalogOption(values), report);
    }
    if (catalogOption(values)) throw new UsageError('--rules reads rule folders instead of a catalog: give --rules or --out, not both');
    // the build's progress on a terminal only (the command's output is the matrix; JSON stays alone on stdout)
    return withRulesCatalog(values.rules, values.attack, values.json === true || values.navigator === true, report);
  });
}

/**
 * `--rules`: each folder a source of its own language (what `detect` tells, as for a sources file entry without a
 * format; a folder whose subfolders hold different languages, a source per subfolder and per language of its own rule
 * files: `detectRuleFolders`), built with ATT&CK into a temporary catalog for `body`; what the build could not read is
 * said on stderr.
 */
async function withRulesCatalog(paths: readonly string[], attack: string | undefined, quiet: boolean, body: (cat: Catalog) => number): Promise<number> {
  const sources: SourceDef[] = [];
  /** Each source as the summary names it, and the command that lists what the build could not read of it. */
  const shown: { label: string; scan: string }[] = [];
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'detwiki-coverage-'));
  try {
    const mirror = path.join(tmp, 'mirror');
    mkdirSync(mirror);
    const add = (label: string, scan: string, format: Format, link: (at: string) => void) => {
      // the build reads a source at <mirror>/<name>
      const name = `rules-${sources.length + 1}`;
      link(path.join(mirror, name));
      sources.push({ name, format, repository: label, url: '', branch: 'HEAD', roots: [], licence: '' });
      shown.push({ label, scan });
    };
    for (const p of paths) {
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) throw new UsageError(`--rules: no such folder: ${p}`);
      if (!st.isDirectory()) throw new UsageError(`--rules: not a folder: ${p} (give the folder of the rules: a rule's language and its companions, a Panther rule's Python, are read from there)`);
      const { folders, loose } = detectRuleFolders(p);
      if (!folders.length) throw new UsageError(`--rules: the files in ${p} do not tell their language (\`detwiki scan ${p} --format F\` reads them as F)`);
      // a link to the folder, so nothing is copied
      for (const f of folders) {
        const label = folders.length > 1 ? path.join(p, path.basename(f.root)) : p;
        add(label, `detwiki scan ${label}`, f.format, (at) => symlinkSync(f.root, at, 'dir'));
      }
      // the mixed folder's own rule files (a README with searches in it): copies, a folder of them a language
      for (const format of new Set(loose.map((l) => l.format))) {
        const names = loose.filter((l) => l.format === format).map((l) => l.name);
        add(names.map((n) => path.join(p, n)).join(', '), `detwiki scan ${p} --format ${format}`, format, (at) => {
          mkdirSync(at);
          for (const n of names) copyFileSync(path.join(p, n), path.join(at, n));
        });
      }
    }
    const out = path.join(tmp, 'catalog');
    const r = await buildCatalog({ outDir: out, mirror, sources, ...(attack !== undefined ? { attack } : {}), progress: progressFor(process.stderr, quiet || !process.stderr.isTTY) });
    for (const line of rulesSummary(r, shown)) process.stderr.write(`detwiki coverage: ${line}\n`);
    return await withCatalog('coverage', out, body);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** What the build of `--rules` read, a line a source: its language, its rules, the files skipped and those with errors. */
function rulesSummary(r: BuildReport, shown: readonly { label: string; scan: string }[]): string[] {
  return r.sources.map((s, i) => {
    const { label, scan } = shown[i]!;
    const skipped = s.outcomes.skipped ? ` (skipped ${s.outcomes.skipped})` : '';
    const withErrors = new Set(s.errors.map((e) => e.file)).size;
    const bad = withErrors ? `; errors in ${withErrors} file(s): \`${scan}\` lists them` : '';
    return `${label}: ${s.format}, ${s.rules} rule(s) from ${s.files} file(s)${skipped}${bad}`;
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
