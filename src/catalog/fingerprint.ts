/**
 * Code fingerprints: a change to an adapter, to the shared modules it uses (`src/formats/*.ts`: io, yaml, record,
 * source map…), to the model, to how rows are derived, or to the version of one of its parser packages re-parses
 * that format's files. The adapter declares its parser packages and any further module (`FormatAdapter.fingerprint`).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { adapterFor } from '../formats/registry.ts';
import type { Format } from '../model/facts.ts';
import { SCHEMA_VERSION } from './schema.ts';
import { PROJECT_ROOT } from './sources.ts';

/** Shared by every format: the model, the adapter contract and shared modules of src/formats, ATT&CK, row derivation. */
const SHARED = ['src/model', 'src/attack', 'src/catalog/store.ts', 'src/catalog/keys.ts'];
const cache = new Map<string, string>();

export function codeFingerprint(format: Format): string {
  const hit = cache.get(format);
  if (hit) return hit;
  const h = createHash('sha1').update(`schema ${SCHEMA_VERSION}\n`);
  const inputs = fingerprintInputs(format);
  for (const p of inputs.paths) addPath(h, path.join(PROJECT_ROOT, p));
  for (const [pkg, version] of inputs.packages) h.update(`package ${pkg}@${version}\n`);
  const fp = h.digest('hex');
  cache.set(format, fp);
  return fp;
}

/** What a format's fingerprint hashes: project paths (files or folders) and parser packages with their versions. */
export function fingerprintInputs(format: Format): { paths: string[]; packages: [string, string][] } {
  const declared = adapterFor(format)?.fingerprint;
  const sharedFormatFiles = readdirSync(path.join(PROJECT_ROOT, 'src/formats')).filter((f) => f.endsWith('.ts')).sort().map((f) => `src/formats/${f}`);
  return {
    paths: [...SHARED, ...sharedFormatFiles, `src/formats/${format}`, ...(declared?.modules ?? [])],
    packages: [...(declared?.packages ?? [])].sort().map((p) => [p, packageVersion(p)]),
  };
}

const require = createRequire(import.meta.url);

/** The installed version of an npm package ('missing' when it cannot be found). */
export function packageVersion(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    // packages whose exports hide package.json: walk up from the entry point
    try {
      let dir = path.dirname(require.resolve(pkg));
      for (;;) {
        const f = path.join(dir, 'package.json');
        try {
          const j = JSON.parse(readFileSync(f, 'utf8')) as { name?: string; version?: string };
          if (j.name === pkg) return j.version ?? 'unknown';
        } catch {
          /* not here */
        }
        const up = path.dirname(dir);
        if (up === dir) return 'missing';
        dir = up;
      }
    } catch {
      return 'missing';
    }
  }
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
