/**
 * Writing so that a reader (or the next run) sees the old content or the new, never a part: files are written to a
 * temporary name beside their destination and renamed over it (rename is atomic within a folder); the catalog is
 * written in one SQLite transaction (see `build.ts`), whose journal rolls an interrupted build back.
 *
 * `crashPoint(name)`: a named point where a test can have the process killed (`DETWIKI_CRASH_AT=<name>[,<name>…]`
 * sends it SIGKILL there, as `kill -9` would), so interrupted builds and syncs are tested at exact points.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Kill this process here (SIGKILL, no clean-up) when `DETWIKI_CRASH_AT` names this point. For crash tests only. */
export function crashPoint(name: string): void {
  const at = process.env['DETWIKI_CRASH_AT'];
  if (at && at.split(',').includes(name)) process.kill(process.pid, 'SIGKILL');
}

/** The temporary name a file is written to before it is renamed over `file`. */
export function partialName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial`);
}

/**
 * Write `data` to `file` atomically: to a temporary file in the same folder, flushed to disk, then renamed over
 * `file`. An interrupted write leaves `file` as it was (and at worst a `.partial` file, removed by the next write).
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, crashName?: string): void {
  const tmp = partialName(file);
  try {
    const fd = openSync(tmp, 'w');
    try {
      if (typeof data === 'string') writeFileSync(fd, data);
      else writeSync(fd, data);
      if (crashName) crashPoint(`${crashName}:written`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    if (crashName) crashPoint(`${crashName}:renamed`);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Remove the `.partial` files an interrupted write left beside `file` (any process's). */
export function removeStalePartials(file: string, list: readonly string[]): void {
  const prefix = `.${path.basename(file)}.`;
  for (const n of list) if (n.startsWith(prefix) && n.endsWith('.partial')) rmSync(path.join(path.dirname(file), n), { force: true });
}

/** The marker a build keeps in its catalog folder while it runs: who runs it, since when. */
export interface BuildMarker {
  readonly pid: number;
  readonly startedAt: string;
}

export const BUILD_MARKER_FILE = 'build-running.json';

/**
 * Mark a build as running in `outDir`; returns the marker of a previous build that never finished (killed: its
 * process is gone), if there was one. The catalog itself needs no repair (that build's transaction was rolled back);
 * the marker only lets the report say so.
 */
export function markBuildRunning(outDir: string): BuildMarker | undefined {
  const file = path.join(outDir, BUILD_MARKER_FILE);
  let previous: BuildMarker | undefined;
  if (existsSync(file)) {
    try {
      const m = JSON.parse(readFileSync(file, 'utf8')) as BuildMarker;
      if (typeof m.pid === 'number' && m.pid !== process.pid && !alive(m.pid)) previous = m;
    } catch {
      previous = { pid: 0, startedAt: 'unknown' };
    }
  }
  writeFileAtomic(file, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() } satisfies BuildMarker));
  return previous;
}

export function clearBuildMarker(outDir: string): void {
  rmSync(path.join(outDir, BUILD_MARKER_FILE), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
