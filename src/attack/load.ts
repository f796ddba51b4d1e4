/**
 * Loading a bundle file into an `AttackIndex`, with an optional derived cache: the compact `AttackData` (about
 * 2 MB) written next to the catalog and keyed by the bundle's size, mtime and SHA-256, so that later runs skip
 * parsing the 47 MB bundle.
 */
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { formatDiagnostic, type Diagnostic } from '../model/diagnostics.ts';
import { ATTACK_DATA_FORMAT } from './attackFacts.ts';
import { attackIndexFromJSON, buildAttackIndex } from './build.ts';
import { AttackDiagnostics as D } from './diagnostics.ts';
import { BundleElementError, bundleObjects, bundleObjectSpans } from './bundleObjects.ts';
import { MAX_BUNDLE_BYTES, readAttackBundle, readAttackObjects, type ParseResult } from './stix.ts';
import type { AttackData, AttackIndex } from './types.ts';

/** Name of the derived cache file inside `cacheDir`. */
export const ATTACK_CACHE_FILE = 'attack-index.json';

export interface LoadAttackOptions {
  /** Folder for the derived cache (the catalog folder); no cache is read or written when absent. */
  readonly cacheDir?: string;
}

/** Thrown by `loadAttack` when the file cannot give an index at all (unreadable, not JSON, not a bundle). */
export class AttackLoadError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'AttackLoadError';
    this.diagnostics = diagnostics;
  }
}

interface CacheKey {
  readonly format: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
}

/** Load a STIX bundle (`enterprise-attack.json`). Throws `AttackLoadError` when it is not a usable bundle. */
export async function loadAttack(file: string, options: LoadAttackOptions = {}): Promise<AttackIndex> {
  const box: { bytes?: Buffer } = {};
  let stat: { size: number; mtimeMs: number };
  try {
    // read and parsed at once (no turn of the event loop until the index is made): with `fs.readFile`, which reads
    // a large file in 512 KB turns, a build's building thread, busy parsing meanwhile, got the 47 MB bundle seconds
    // later and parsed it at the build's busiest moment (see docs/performance.md)
    stat = statSync(file);
    if (stat.size > MAX_BUNDLE_BYTES) throw new Error(`${stat.size} bytes, over the ${MAX_BUNDLE_BYTES}-byte limit`);
    box.bytes = readFileSync(file);
  } catch (err) {
    throw new AttackLoadError([D.unreadable(file, err instanceof Error ? err.message : String(err))]);
  }
  const key: CacheKey | undefined = options.cacheDir
    ? { format: ATTACK_DATA_FORMAT, size: stat.size, mtimeMs: stat.mtimeMs, sha256: createHash('sha256').update(box.bytes).digest('hex') }
    : undefined;
  const cacheFile = options.cacheDir ? path.join(options.cacheDir, ATTACK_CACHE_FILE) : undefined;
  if (cacheFile && key) {
    const cached = readCache(cacheFile, key);
    if (cached) return cached;
  }
  const { value, diagnostics } = readBundle(box, file);
  if (!value) throw new AttackLoadError(diagnostics);
  if (cacheFile && key) await writeCache(cacheFile, { key, data: value });
  return buildAttackIndex(value, diagnostics);
}

/**
 * The bundle's data: its objects parsed one at a time from the bytes (`bundleObjects`: the whole text and every
 * parsed object are never held at once), or, when the bytes are not a plain bundle or an object is not valid JSON,
 * the whole text parsed as before, which gives the diagnostics.
 */
function readBundle(box: { bytes?: Buffer }, file: string): ParseResult<AttackData> {
  const spans = bundleObjectSpans(box.bytes!);
  if (spans) {
    try {
      const r = readAttackObjects(bundleObjects(box.bytes!, spans), file);
      delete box.bytes;
      return r;
    } catch (e) {
      if (!(e instanceof BundleElementError)) throw e;
    }
  }
  const json = bundleJson(box, file);
  if (!json.ok) throw new AttackLoadError([json.diagnostic]);
  return readAttackBundle(json.value, file);
}

/**
 * The bundle's JSON. The bytes are let go before the text is parsed, and the text (a two-byte string of 94 MB: the
 * bundle has characters beyond Latin-1) once parsed: of the bytes, the text and the parsed bundle, no more than two
 * are held at once.
 */
function bundleJson(box: { bytes?: Buffer }, file: string): { ok: true; value: unknown } | { ok: false; diagnostic: Diagnostic } {
  const text = box.bytes!.toString('utf8');
  delete box.bytes;
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, diagnostic: D.notJson(file, err instanceof Error ? err.message : String(err)) };
  }
}

/**
 * The ATT&CK data the last successful load left in `cacheDir` (the catalog folder), whatever bundle it came from:
 * what a build keeps when the bundle it is given cannot be loaded. Undefined when there is none.
 */
export async function loadLastGoodAttack(cacheDir: string): Promise<AttackIndex | undefined> {
  try {
    const json = JSON.parse(await fs.readFile(path.join(cacheDir, ATTACK_CACHE_FILE), 'utf8')) as { data?: unknown };
    return attackIndexFromJSON(json.data);
  } catch {
    return undefined;
  }
}

function readCache(cacheFile: string, key: CacheKey): AttackIndex | undefined {
  try {
    const json = JSON.parse(readFileSync(cacheFile, 'utf8')) as { key?: Partial<CacheKey>; data?: unknown };
    const k = json.key;
    if (!k || k.format !== key.format || k.size !== key.size || k.mtimeMs !== key.mtimeMs || k.sha256 !== key.sha256) return undefined;
    return attackIndexFromJSON(json.data);
  } catch {
    return undefined; // absent or unreadable cache: rebuild
  }
}

/** Best effort: a cache that cannot be written only costs time on the next run. */
async function writeCache(cacheFile: string, content: unknown): Promise<void> {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    await fs.mkdir(path.dirname(cacheFile), { recursive: true });
    await fs.writeFile(tmp, JSON.stringify(content));
    await fs.rename(tmp, cacheFile);
  } catch {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
  }
}
