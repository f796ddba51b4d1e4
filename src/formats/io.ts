/**
 * File access shared by adapters: bounded reads, the walk that lists every file of a source, and loading big
 * generated CommonJS libraries (parsers) straight through V8.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { runInThisContext } from 'node:vm';
import { GeneralDiagnostics, LIMITS, type Diagnostic } from '../model/diagnostics.ts';

export type ReadResult = { ok: true; text: string } | { ok: false; diagnostic: Diagnostic };

/**
 * Read a UTF-8 text file of the source, refusing files over the size limit. The reads are synchronous: rule files
 * are small and the parsing thread has nothing else to do meanwhile, while each asynchronous step (stat, open, read,
 * close) is a round trip through libuv's thread pool — seconds over a corpus when the cores are busy parsing.
 */
export async function readSourceText(root: string, rel: string, limit: number = LIMITS.maxFileBytes): Promise<ReadResult> {
  const abs = path.join(root, rel);
  try {
    const st = statSync(abs);
    if (st.size > limit) return { ok: false, diagnostic: GeneralDiagnostics.tooLarge(rel, st.size, limit) };
    const text = readFileSync(abs, 'utf8');
    return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch (e) {
    return { ok: false, diagnostic: GeneralDiagnostics.unreadable(rel, e instanceof Error ? e.message : String(e)) };
  }
}

const IGNORED_DIRS = new Set(['.git', 'node_modules']);

/** Every regular file under root (relative, `/`-separated, sorted). `.git` and `node_modules` are not walked. */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!IGNORED_DIRS.has(e.name)) walk(abs);
      } else if (e.isFile()) {
        out.push(path.relative(root, abs).split(path.sep).join('/'));
      }
    }
  };
  walk(root);
  return out.sort();
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
