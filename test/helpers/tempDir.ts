/**
 * Temporary folders for tests, removed when the test file's process exits (each test file runs in a process of its
 * own), whether its tests passed or not. The suite used to leave every folder it made (catalogs among them) in the
 * system's temp folder: dozens a run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

/** A new folder under the system's temp folder, named `prefix` and six random characters. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  if (made.length === 0) process.once('exit', () => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
  made.push(dir);
  return dir;
}
