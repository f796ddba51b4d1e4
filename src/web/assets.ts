/** The wiki's own static assets, read once into memory: the server serves only these names, never a path. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets');

export interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml' };

let cache: Map<string, Asset> | undefined;

export function assets(): ReadonlyMap<string, Asset> {
  if (!cache) {
    cache = new Map();
    for (const name of ['style.css', 'app.js', 'favicon.svg']) cache.set(name, { body: readFileSync(path.join(DIR, name)), type: TYPES[path.extname(name)]! });
  }
  return cache;
}
