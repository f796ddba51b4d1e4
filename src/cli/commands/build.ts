/** detwiki build [--mirror DIR] [--attack FILE] [--out DIR] [--examples] [--sources a,b] [--force] [--json] */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { buildCatalog, formatBuildReport } from '../../catalog/build.ts';
import { defaultCatalogDir, makeFolder } from '../../catalog/paths.ts';
import { progressFor } from '../../catalog/progress.ts';
import { DEFAULT_SOURCES, readSourcesFile, selectSources, withFormats, type SourceEntry } from '../../catalog/sources.ts';
import { sourcesDir } from '../../catalog/paths.ts';
import { detectFormat } from '../../formats/detect.ts';
import { parseCommand, printJson } from '../args.ts';
import { guarded, noArguments, UsageError } from '../context.ts';
import { say } from '../lines.ts';

export const BUILD_OPTIONS = {
  mirror: { type: 'string' },
  out: { type: 'string' },
  examples: { type: 'boolean' },
  sources: { type: 'string' },
  'sources-file': { type: 'string' },
  force: { type: 'boolean' },
} as const;

/** The sources of the command line: the default list or a sources file's, selected by `--sources`. */
export function sourcesFrom(values: { sources?: string | undefined; 'sources-file'?: string | undefined }): SourceEntry[] {
  let all: readonly SourceEntry[] = DEFAULT_SOURCES;
  const file = values['sources-file'] ?? process.env.DETWIKI_SOURCES;
  if (file) {
    const r = readSourcesFile(file);
    if (r.errors.length) throw new UsageError(r.errors.join('\n'));
    all = r.sources;
  }
  const sel = selectSources(all, values.sources ? values.sources.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
  if (sel.unknown.length) throw new UsageError(`unknown source(s): ${sel.unknown.join(', ')} (known: ${all.map((s) => s.name).join(', ')})`);
  return sel.sources;
}

/** Build with the parsed flags; prints the report. Returns the exit code and the catalog folder. */
export async function runBuild(values: Record<string, string | boolean | undefined>): Promise<{ code: number; out: string }> {
  const out = (values.out as string | undefined) ?? defaultCatalogDir();
  let mirror = values.mirror as string | undefined;
  if (mirror && !existsSync(mirror)) {
    // the README's main command names ../shared/corpora: on a machine without it, fall back to synced sources or
    // the project's examples rather than building an empty catalog
    console.error(`detwiki: mirror folder ${mirror} not found; building from synced sources, else the project's examples/`);
    mirror = undefined;
  }
  // a sources file's entry without a format: the language its folder tells
  // (examples/ has its own list)
  const entries = values.examples ? [] : sourcesFrom(values as { sources?: string; 'sources-file'?: string });
  const known = withFormats(entries, mirror ? path.resolve(mirror) : sourcesDir(), (dir) => detectFormat(dir));
  if (known.errors.length) throw new UsageError(known.errors.join('\n'));
  // the catalog's folder, made before the build starts: a folder that cannot be made is the command's error
  try {
    makeFolder(out);
  } catch (e) {
    throw new UsageError(`cannot make the catalog folder ${out}: ${(e as Error).message}`);
  }
  const report = await buildCatalog({
    outDir: out,
    ...(mirror ? { mirror } : {}),
    ...(values.attack ? { attack: values.attack as string } : {}),
    ...(values.examples ? { examples: true } : {}),
    ...(values.force ? { force: true } : {}),
    sources: known.sources,
    progress: progressFor(process.stderr, values.json === true && !process.stderr.isTTY),
  });
  if (values.json) printJson(report);
  else say(formatBuildReport(report));
  const missingAll = report.sources.length > 0 && report.sources.every((s) => s.origin === 'missing');
  return { code: missingAll ? 1 : 0, out };
}

export async function run(argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseCommand(argv, BUILD_OPTIONS);
    if (values.help) {
      say('usage: detwiki build [--mirror DIR] [--attack FILE] [--out DIR] [--examples] [--sources a,b] [--sources-file FILE] [--force] [--json]');
      return 0;
    }
    noArguments('build', positionals, 'mirror');
    return (await runBuild(values)).code;
  });
}
