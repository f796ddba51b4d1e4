/**
 * Which format a repository folder holds, from the marker folders and folder names each adapter declares, and the
 * root of the repository a rule file belongs to.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Format } from '../model/facts.ts';
import { ADAPTERS } from './registry.ts';

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

export function detectFormat(dir: string): Format | undefined {
  for (const m of FORMAT_MARKERS) {
    if (m.all.every((p) => existsSync(path.join(dir, p)))) return m.format;
  }
  return SOURCE_FOLDER_FORMATS[path.basename(path.resolve(dir))];
}

/** The nearest ancestor folder of `file` that is a repository of a known format. */
export function findRepoRoot(file: string): { root: string; format: Format } | undefined {
  let dir = path.resolve(file);
  if (!isDir(dir)) dir = path.dirname(dir);
  for (;;) {
    const f = detectFormat(dir);
    if (f) return { root: dir, format: f };
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
