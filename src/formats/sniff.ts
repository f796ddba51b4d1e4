/**
 * Looking at a folder's content to tell its language (`detect.ts`: a folder with no marker files, such as a team's own
 * rules kept as loose files). Bounded: a sniff lists at most `SNIFF_LIMITS.entries` entries and reads at most
 * `SNIFF_LIMITS.reads` files of at most `SNIFF_LIMITS.bytes` each.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Entries listed at most, and text files read at most, while sniffing. */
export const SNIFF_LIMITS = { entries: 5000, reads: 24, bytes: 256 * 1024 } as const;

/**
 * Files below `dir` (breadth first, hidden folders and `node_modules` left out) by extension (lower case, with its
 * dot): `decides` ends the walk at once (`decided`), `read` puts the file in the sample (up to the read limit).
 */
export function sampleFolder(dir: string, kind: (ext: string) => 'decides' | 'read' | undefined): { readonly decided: boolean; readonly sample: readonly string[] } {
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
        const k = kind(path.extname(e.name).toLowerCase());
        if (k === 'decides') return { decided: true, sample };
        if (k === 'read' && sample.length < SNIFF_LIMITS.reads) sample.push(p);
      }
    }
  }
  return { decided: false, sample };
}

/** A sampled file's text, or undefined when it is over the size limit or cannot be read. */
export function readSampled(p: string): string | undefined {
  try {
    if (statSync(p).size > SNIFF_LIMITS.bytes) return undefined;
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}
