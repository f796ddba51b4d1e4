/** Argument parsing shared by the commands (node:util parseArgs), with the conventions every command keeps. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { jsonText } from '../model/ascii.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every command accepts. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean' },
  attack: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/**
 * The catalog a reading command opens (`show`, `search`, `compare`, `coverage`, `serve`, `export`): `--out DIR`, the
 * folder `build --out` wrote, or `--catalog DIR` as `hunt` and `convert` name it (`catalogOption` reads them).
 */
export const CATALOG_OPTIONS = {
  out: { type: 'string' },
  catalog: { type: 'string' },
} as const satisfies Options;

export function parseCommand<O extends Options>(argv: string[], options: O) {
  return parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
}

/** Print a value as JSON on stdout (control characters escaped: `jsonText`). */
export function printJson(v: unknown): void {
  process.stdout.write(jsonText(v, 2) + '\n');
}

/** A progress line on a terminal (stderr), nothing otherwise. */
export function progress(label: string): (done: number, total: number) => void {
  if (!process.stderr.isTTY) return () => {};
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (done !== total && now - last < 100) return;
    last = now;
    const width = 30;
    const filled = Math.round((done / Math.max(total, 1)) * width);
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
    if (done === total) process.stderr.write('\n');
  };
}
