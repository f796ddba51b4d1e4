/**
 * Which format a repository folder holds, from the marker folders and folder names each adapter declares, and the
 * root of the repository a rule file belongs to.
 */
import { existsSync, readdirSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import type { Format } from '../model/facts.ts';
import type { FormatSniffer } from './adapter.ts';
import { ADAPTERS } from './registry.ts';
import { folderVotes, mostVoted, sniffFile, sniffFolder } from './sniff.ts';

interface Marker {
  readonly format: Format;
  /** All of these must exist below the folder. */
  readonly all: readonly string[];
}

/** Marker table (each adapter's `detect.markers`, in registry order): the first row whose paths all exist wins. */
export const FORMAT_MARKERS: readonly Marker[] = Object.values(ADAPTERS).flatMap((a) => a.detect.markers.map((all) => ({ format: a.format, all })));

/** Folder names of the default sources (../shared/corpora layout) and their formats (each adapter's `detect.folderNames`). */
export const SOURCE_FOLDER_FORMATS: Readonly<Record<string, Format>> = Object.fromEntries(
  Object.values(ADAPTERS).flatMap((a) => a.detect.folderNames.map((n) => [n, a.format] as const)),
);

/** Content sniffers for folders and files with no marker (each adapter's `detect.sniff`, in registry order). */
export const FORMAT_SNIFFERS: readonly { readonly format: Format; readonly sniff: FormatSniffer }[] = Object.values(ADAPTERS).flatMap((a) => (a.detect.sniff ? [{ format: a.format, sniff: a.detect.sniff }] : []));

/** The format of a folder: marker files, then the folder's name, then (with `sniff`) a look at its content. */
export function detectFormat(dir: string, sniff = true): Format | undefined {
  const named = detectByMarkers(dir) ?? SOURCE_FOLDER_FORMATS[path.basename(path.resolve(dir))];
  if (named || !sniff) return named;
  return sniffFolder(dir, FORMAT_SNIFFERS);
}

/** A folder of rules and the language it is read as (`detectRuleFolders`). */
export interface RuleFolder {
  readonly root: string;
  readonly format: Format;
}

/** What `detectRuleFolders` tells of a folder. */
export interface RuleFolders {
  /** The folder's own language, read as one (what `detectFormat` tells). */
  readonly format?: Format;
  readonly folders: readonly RuleFolder[];
  readonly loose: readonly { readonly name: string; readonly format: Format }[];
}

/**
 * The folders of rules a folder given as rules holds (`hunt --rules`, `coverage --rules`): the folder itself, of the
 * language `detectFormat` tells; but when no marker or name decides it and its subfolders tell different languages by
 * their content (a team's repository with Sigma rules in `sigma/` and SPL searches in `queries/`), each subfolder that
 * tells one, as that language (those that tell none hold no rule), and `loose`: the folder's own files that read as a
 * rule, each with its language. No folder when no language is told. `format` is the folder's own language either way
 * (from the same sample: a caller that reads the folder as one language needs no second look).
 */
export function detectRuleFolders(dir: string): RuleFolders {
  const root = path.resolve(dir);
  const named = detectByMarkers(root) ?? SOURCE_FOLDER_FORMATS[path.basename(root)];
  if (named) return { format: named, folders: [{ root, format: named }], loose: [] };
  const votes = folderVotes(root, FORMAT_SNIFFERS);
  const format = mostVoted(votes, FORMAT_SNIFFERS);
  const whole = (): RuleFolders => (format ? { format, folders: [{ root, format }], loose: [] } : { folders: [], loose: [] });
  // the subfolders are looked at only when the folder's own sample holds rules of more than one language
  if (votes.size < 2) return whole();
  let entries: Dirent[] = [];
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch {
    return whole();
  }
  const subfolders = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
    .map((e) => e.name)
    .sort()
    .flatMap((name) => {
      const format = detectFormat(path.join(root, name));
      return format ? [{ root: path.join(root, name), format }] : [];
    });
  if (new Set(subfolders.map((f) => f.format)).size > 1) {
    const loose = entries
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort()
      .flatMap((name) => {
        const format = detectFileFormat(path.join(root, name));
        return format ? [{ name, format }] : [];
      });
    return { ...(format ? { format } : {}), folders: subfolders, loose };
  }
  return whole();
}

/** The format of one loose file, from its own content. */
export function detectFileFormat(file: string): Format | undefined {
  return sniffFile(file, FORMAT_SNIFFERS);
}

function detectByMarkers(dir: string): Format | undefined {
  for (const m of FORMAT_MARKERS) {
    if (m.all.every((p) => existsSync(path.join(dir, p)))) return m.format;
  }
  return undefined;
}

/**
 * The nearest ancestor folder of `file` that is a repository of a known format: marker folders first (a Sublime
 * `detection-rules/` folder inside a sublime-rules checkout is not Elastic's repository of that name), then folder
 * names; else a look at the content (the file's own, for a file), rooted at the enclosing git checkout or the folder.
 */
export function findRepoRoot(file: string): { root: string; format: Format } | undefined {
  let start = path.resolve(file);
  const isFile = !isDir(start);
  if (isFile) start = path.dirname(start);
  // the file's own content, read once if a folder name is to be weighed against it
  let own: Format | null | undefined;
  const ownFormat = (): Format | null => (own ??= (isFile ? detectFileFormat(path.resolve(file)) : undefined) ?? null);
  // marker folders all the way up, then known folder names all the way up (a name the file's own content contradicts
  // is passed over: a Sublime rule in a `detection-rules/` folder without Sublime's other folders is not Elastic's)
  let gitRoot: string | undefined;
  const byName = (d: string): Format | undefined => {
    const f = detectFormat(d, false);
    return f && ownFormat() !== null && ownFormat() !== f ? undefined : f;
  };
  for (const detect of [detectByMarkers, byName]) {
    for (let dir = start; ; ) {
      const f = detect(dir);
      if (f) return { root: dir, format: f };
      if (!gitRoot && existsSync(path.join(dir, '.git'))) gitRoot = dir;
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  // then a look at the content: of the file itself, then of the enclosing git checkout, else of the file's own folder
  const dir = gitRoot ?? start;
  const f = (start !== path.resolve(file) ? detectFileFormat(path.resolve(file)) : undefined) ?? detectFormat(dir);
  return f ? { root: dir, format: f } : undefined;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
