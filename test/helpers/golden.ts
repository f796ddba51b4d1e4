/**
 * Golden-file comparison for node:test (Node 20 has no snapshot assertion).
 * `assertGolden(file, actual)` compares `actual` with the file's content exactly and prints both on mismatch;
 * `UPDATE_GOLDEN=1` rewrites the file instead.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function assertGolden(expectedFile: string, actual: string): void {
  const text = actual.endsWith('\n') ? actual : actual + '\n';
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(expectedFile)) {
    if (process.env.UPDATE_GOLDEN !== '1') {
      assert.fail(`golden file ${expectedFile} is missing; run with UPDATE_GOLDEN=1 to create it. Actual:\n${text}`);
    }
    mkdirSync(path.dirname(expectedFile), { recursive: true });
    writeFileSync(expectedFile, text);
    return;
  }
  const expected = readFileSync(expectedFile, 'utf8');
  if (expected !== text) {
    assert.fail(`golden mismatch for ${expectedFile}\n--- expected\n${expected}\n--- actual\n${text}`);
  }
}

/** Absolute path of a fixture: `fixture('panther', 'x.yml')`. */
export function fixture(...parts: string[]): string {
  return path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'fixtures', ...parts);
}

/** ../shared beside the project (corpora, ATT&CK); tests that need it skip when it is absent. */
export const SHARED = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..', 'shared');
export const SHARED_PRESENT = existsSync(path.join(SHARED, 'corpora'));
