/** Code fingerprints: a change to an adapter (or the model, or how rows are derived) re-parses that format's files. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Format } from '../model/facts.ts';
import { SCHEMA_VERSION } from './schema.ts';
import { PROJECT_ROOT } from './sources.ts';

const SHARED = ['src/model', 'src/formats/adapter.ts', 'src/formats/scan.ts', 'src/formats/io.ts', 'src/attack', 'src/catalog/store.ts', 'src/catalog/keys.ts'];
const cache = new Map<string, string>();

export function codeFingerprint(format: Format): string {
  const hit = cache.get(format);
  if (hit) return hit;
  const h = createHash('sha1').update(`schema ${SCHEMA_VERSION}\n`);
  for (const p of [...SHARED, `src/formats/${format}`]) addPath(h, path.join(PROJECT_ROOT, p));
  const fp = h.digest('hex');
  cache.set(format, fp);
  return fp;
}

function addPath(h: ReturnType<typeof createHash>, abs: string): void {
  let st;
  try {
    st = statSync(abs);
  } catch {
    return;
  }
  if (st.isFile()) {
    h.update(abs).update(readFileSync(abs));
    return;
  }
  for (const e of readdirSync(abs).sort()) addPath(h, path.join(abs, e));
}
