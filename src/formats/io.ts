/** File access shared by adapters: bounded reads, and the walk that lists every file of a source. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GeneralDiagnostics, LIMITS, type Diagnostic } from '../model/diagnostics.ts';

export type ReadResult = { ok: true; text: string } | { ok: false; diagnostic: Diagnostic };

/** Read a UTF-8 text file of the source, refusing files over the size limit. */
export async function readSourceText(root: string, rel: string, limit: number = LIMITS.maxFileBytes): Promise<ReadResult> {
  const abs = path.join(root, rel);
  try {
    const st = await fs.stat(abs);
    if (st.size > limit) return { ok: false, diagnostic: GeneralDiagnostics.tooLarge(rel, st.size, limit) };
    const text = await fs.readFile(abs, 'utf8');
    return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch (e) {
    return { ok: false, diagnostic: GeneralDiagnostics.unreadable(rel, e instanceof Error ? e.message : String(e)) };
  }
}

const IGNORED_DIRS = new Set(['.git', 'node_modules']);

/** Every regular file under root (relative, `/`-separated, sorted). `.git` and `node_modules` are not walked. */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!IGNORED_DIRS.has(e.name)) await walk(abs);
      } else if (e.isFile()) {
        out.push(path.relative(root, abs).split(path.sep).join('/'));
      }
    }
  };
  await walk(root);
  return out.sort();
}
