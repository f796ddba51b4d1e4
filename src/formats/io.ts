/**
 * File access shared by adapters: bounded reads, the walk that lists every file of a source, and loading big
 * generated CommonJS libraries (parsers) straight through V8.
 */
import { closeSync, existsSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInThisContext } from 'node:vm';
import { GeneralDiagnostics, LIMITS, type Diagnostic } from '../model/diagnostics.ts';

export type ReadResult = { ok: true; text: string } | { ok: false; diagnostic: Diagnostic };

/** Told of every file `readSourceText` reads (the source's root, the file's relative path, its bytes). */
export type ReadObserver = (root: string, rel: string, bytes: Buffer) => void;
const observers = new Set<ReadObserver>();

/**
 * Tell `fn` of each file read in this thread until the returned function is called: a build hashes the bytes the
 * adapter read instead of reading the file again.
 */
export function observeReads(fn: ReadObserver): () => void {
  observers.add(fn);
  return () => observers.delete(fn);
}

/**
 * The bytes of a file opened as `fd` whose size was `size` when it was opened: read until the end (a file that grew
 * meanwhile is read whole, one that shrank is cut where it ends), refusing more than `limit` bytes.
 */
function readOpen(fd: number, size: number, limit: number): Buffer | undefined {
  let buf = Buffer.allocUnsafe(Math.max(size, 0) + 1);
  let n = 0;
  for (;;) {
    if (n === buf.length) {
      if (n > limit) return undefined;
      const grown = Buffer.allocUnsafe(Math.min(buf.length * 2, limit + 1));
      buf.copy(grown, 0, 0, n);
      buf = grown;
    }
    const got = readSync(fd, buf, n, buf.length - n, null);
    if (got === 0) break;
    n += got;
  }
  return n > limit ? undefined : buf.subarray(0, n);
}

/**
 * Read a UTF-8 text file of the source, refusing files over the size limit. The reads are synchronous: rule files
 * are small and the parsing thread has nothing else to do meanwhile, while each asynchronous step (stat, open, read,
 * close) is a round trip through libuv's thread pool — seconds over a corpus when the cores are busy parsing. One
 * open, one `fstat` for the size, the reads and a close: a build's hashing reuses these bytes (`observeReads`).
 */
export async function readSourceText(root: string, rel: string, limit: number = LIMITS.maxFileBytes): Promise<ReadResult> {
  const abs = path.join(root, rel);
  try {
    const fd = openSync(abs, 'r');
    let bytes: Buffer | undefined;
    let size: number;
    try {
      size = fstatSync(fd).size;
      bytes = size > limit ? undefined : readOpen(fd, size, limit);
    } finally {
      closeSync(fd);
    }
    if (!bytes) return { ok: false, diagnostic: GeneralDiagnostics.tooLarge(rel, Math.max(size, limit + 1), limit) };
    for (const o of observers) o(root, rel, bytes);
    const text = bytes.toString('utf8');
    return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch (e) {
    return { ok: false, diagnostic: GeneralDiagnostics.unreadable(rel, e instanceof Error ? e.message : String(e)) };
  }
}

const IGNORED_DIRS = new Set(['.git', 'node_modules']);

/** An entry of a source that is not read: a symbolic link, a FIFO, a device, a name that is not UTF-8… */
export interface SkippedEntry {
  /** Relative, `/`-separated (a name that is not UTF-8 is shown with U+FFFD for the bad bytes). */
  readonly path: string;
  readonly reason: string;
  /** Of the entry itself (lstat), for incremental builds. */
  readonly size: number;
  readonly mtime: number;
}

/** What a walk of a source found: the regular files it reads, and every other entry with the reason it is not read. */
export interface SourceListing {
  readonly files: string[];
  readonly skipped: SkippedEntry[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeName(name: Buffer): string | undefined {
  try {
    return utf8.decode(name);
  } catch {
    return undefined;
  }
}

/** Why a symbolic link is not followed: links are never followed (one leaving the source could read anything). */
function linkReason(root: string, abs: string): string {
  let target: string;
  try {
    target = realpathSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ELOOP' ? 'symbolic link loop: not followed' : 'dangling symbolic link (its target does not exist): not followed';
  }
  let realRoot = root;
  try {
    realRoot = realpathSync(root);
  } catch {
    // the root itself vanished: every link leaves it
  }
  const rel = path.relative(realRoot, target);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return 'symbolic link leaving the source: not followed';
  let dir = false;
  try {
    dir = statSync(target).isDirectory();
  } catch {
    // raced away: reported as a link into the source
  }
  if (dir) return `symbolic link to a directory of the source (${rel.split(path.sep).join('/') || '.'}): not followed`;
  return `symbolic link to ${rel.split(path.sep).join('/')}: not followed (the target is read as itself)`;
}

function kindReason(e: { isFIFO(): boolean; isSocket(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean }): string {
  if (e.isFIFO()) return 'named pipe (FIFO): not a regular file, not read';
  if (e.isSocket()) return 'socket: not a regular file, not read';
  if (e.isBlockDevice() || e.isCharacterDevice()) return 'device file: not a regular file, not read';
  return 'not a regular file: not read';
}

/**
 * Walk a source: every regular file under root (relative, `/`-separated, sorted), and every other entry with the
 * reason it is not read (sorted), so that nothing vanishes from the accounting. Symbolic links are never followed;
 * `.git` and `node_modules` are not walked; a name that is not valid UTF-8 is reported, not read (it cannot be
 * named as a string path).
 */
export function listSource(root: string): SourceListing {
  const files: string[] = [];
  const skipped: SkippedEntry[] = [];
  const relOf = (abs: string) => path.relative(root, abs).split(path.sep).join('/');
  const skip = (rel: string, reason: string, at: string | Buffer) => {
    let size = 0;
    let mtime = 0;
    try {
      const st = lstatSync(at);
      size = st.size;
      mtime = st.mtimeMs;
    } catch {
      // gone meanwhile: still reported
    }
    skipped.push({ path: rel, reason, size, mtime });
  };
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true, encoding: 'buffer' });
    } catch (e) {
      if (dir !== root) skip(relOf(dir), `directory cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, dir);
      return;
    }
    for (const e of entries) {
      const name = decodeName(e.name);
      if (name === undefined) {
        const shown = `${relOf(dir) ? `${relOf(dir)}/` : ''}${e.name.toString('utf8')}`;
        skip(shown, `${e.isDirectory() ? 'directory' : 'file'} name is not valid UTF-8: not read`, Buffer.concat([Buffer.from(`${dir}/`), e.name]));
        continue;
      }
      const abs = path.join(dir, name);
      if (e.isDirectory()) {
        if (!IGNORED_DIRS.has(name)) walk(abs);
      } else if (e.isFile()) files.push(relOf(abs));
      else if (e.isSymbolicLink()) skip(relOf(abs), linkReason(root, abs), abs);
      else skip(relOf(abs), kindReason(e), abs);
    }
  };
  walk(root);
  const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return { files: files.sort(), skipped: skipped.sort(byPath) };
}

/** Every regular file under root (relative, `/`-separated, sorted); see `listSource` for the entries not read. */
export async function listFiles(root: string): Promise<string[]> {
  return listSource(root).files;
}

/**
 * A file name's extension, lower-cased, with its dot (`.yml`); '' when it has none, or when what follows its last dot
 * holds a space (`OCI.DLL SideLoad`, `notes v1.2 draft`): a name with a dot in it, not an extension.
 */
export function fileExtension(name: string): string {
  const ext = path.extname(name);
  return /\s/.test(ext) ? '' : ext.toLowerCase();
}

/** A skipped entry as a file result (outcome skipped, with its reason). */
export function skippedResult(e: SkippedEntry): { path: string; outcome: 'skipped'; reason: string; rules: []; diagnostics: [] } {
  return { path: e.path, outcome: 'skipped', reason: e.reason, rules: [], diagnostics: [] };
}

let root: string | undefined;

/**
 * The project root: the nearest folder above this module with a `package.json` and a `src/` folder (two levels up
 * when run from the sources, more when compiled into `.cache/js/<fingerprint>/`: bin/compiled.js).
 */
export function projectRoot(): string {
  if (root) return root;
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = path.resolve(here, '..'); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'src'))) return (root = dir);
    if (path.dirname(dir) === dir) return (root = path.resolve(here, '..', '..'));
  }
}

/**
 * Load a CommonJS file of a dependency (`id` resolved from `from`, a module URL) by compiling it directly, not through
 * `require`: the loader hooks (tsx transforms every file it is handed) and the source-map cache (an 18 MB map for
 * node-sql-parser) would cost seconds and a hundred MB in every process and worker that loads a parser. Its own
 * `require`s load normally. Returns its `module.exports`; each call runs the file again, so callers keep the result.
 */
export function loadCommonJs(from: string | URL, id: string): unknown {
  const file = createRequire(from).resolve(id);
  const mod = { exports: {} as unknown, id: file, filename: file, loaded: false };
  const fn = runInThisContext(Module.wrap(readFileSync(file, 'utf8')), { filename: file }) as (...a: unknown[]) => void;
  fn.call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  return mod.exports;
}
