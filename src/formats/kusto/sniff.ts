/**
 * Whether a folder with no marker files holds KQL queries (issue: a folder of raw `.kql` files, or Markdown whose
 * KQL sits in fences labelled `C#` or nothing, must be recognised without `--format`). Looks at a bounded sample:
 * any raw query file (`.kql`, `.csl`, `.kusto`) decides; otherwise a few Markdown, text and JSON files are read and
 * one KQL query or Sentinel / Defender rule in them decides.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isQueryShaped, markdownCodeBlocks } from './defender.ts';
import { parseKqlJson } from './arm.ts';

/** Entries listed at most, and text files read at most, while sniffing. */
export const SNIFF_LIMITS = { entries: 5000, reads: 24, bytes: 256 * 1024 } as const;

const RAW_EXTENSIONS = new Set(['.kql', '.csl', '.kusto']);
const READ_EXTENSIONS = new Set(['.md', '.txt', '.json']);

export function looksLikeKqlFolder(dir: string): boolean {
  const sample: string[] = [];
  const queue = [dir];
  let seen = 0;
  while (queue.length && seen < SNIFF_LIMITS.entries) {
    const d = queue.shift()!;
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (++seen > SNIFF_LIMITS.entries) break;
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) queue.push(p);
      else if (e.isFile()) {
        const ext = path.extname(e.name).toLowerCase();
        if (RAW_EXTENSIONS.has(ext)) return true;
        if (READ_EXTENSIONS.has(ext) && sample.length < SNIFF_LIMITS.reads) sample.push(p);
      }
    }
  }
  for (const p of sample) {
    let text: string;
    try {
      if (statSync(p).size > SNIFF_LIMITS.bytes) continue;
      text = readFileSync(p, 'utf8');
    } catch {
      continue;
    }
    const ext = path.extname(p).toLowerCase();
    if (ext === '.json') {
      if (parseKqlJson(path.basename(p), text, { repository: 'sniff' }).outputs.length) return true;
    } else if (ext === '.txt') {
      if (isQueryShaped(text)) return true;
    } else if (markdownCodeBlocks(text).some(isQueryShaped)) return true;
  }
  return false;
}
