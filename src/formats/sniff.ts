/**
 * Looking at a folder's content to tell its language (`detect.ts`: a folder with no marker files, such as a team's own
 * rules kept as loose files). Bounded: a sniff lists at most `SNIFF_LIMITS.entries` entries and reads at most
 * `SNIFF_LIMITS.reads` files (`SNIFF_LIMITS.perExtension` of one extension) of at most `SNIFF_LIMITS.bytes` each.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileExtension } from './io.ts';
import { parse as parseToml } from 'smol-toml';
import { parseAllDocuments } from 'yaml';
import type { Format } from '../model/facts.ts';
import type { FormatSniffer, SniffedFile } from './adapter.ts';
import { flowDepthExceeds } from './yaml.ts';
import { isRecord } from '../model/isRecord.ts';

/**
 * Entries listed at most, files of one extension read at most (so that a folder of documentation does not crowd out
 * the rules below it), text files read at most, and the size of each.
 */
export const SNIFF_LIMITS = { entries: 5000, perExtension: 8, reads: 40, bytes: 256 * 1024 } as const;

/**
 * Files below `dir` (breadth first, hidden folders and `node_modules` left out) by extension (lower case, with its
 * dot): `kind` says which decide the language by their extension alone (`decides`, listed without being read) and
 * which are to be read (`sample`: at most `SNIFF_LIMITS.perExtension` of an extension, `SNIFF_LIMITS.reads` in all);
 * `decides` holds at most `SNIFF_LIMITS.reads` files.
 */
export function sampleFolder(dir: string, kind: (ext: string) => 'decides' | 'read' | undefined): { readonly decides: readonly string[]; readonly sample: readonly string[] } {
  const decides: string[] = [];
  const sample: string[] = [];
  const perExtension = new Map<string, number>();
  const queue = [dir];
  let seen = 0;
  while (queue.length && seen < SNIFF_LIMITS.entries && decides.length < SNIFF_LIMITS.reads && sample.length < SNIFF_LIMITS.reads) {
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
        const ext = fileExtension(e.name);
        const k = kind(ext);
        if (k === 'decides' && decides.length < SNIFF_LIMITS.reads) decides.push(p);
        else if (k === 'read' && sample.length < SNIFF_LIMITS.reads && (perExtension.get(ext) ?? 0) < SNIFF_LIMITS.perExtension) {
          perExtension.set(ext, (perExtension.get(ext) ?? 0) + 1);
          sample.push(p);
        }
      }
    }
  }
  return { decides, sample };
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

/** A file read for sniffing: its YAML and TOML parsed at most once, whichever sniffers ask. */
class Sampled implements SniffedFile {
  readonly ext: string;
  readonly name: string;
  private docs: readonly unknown[] | undefined;
  private table: Record<string, unknown> | undefined | null = null;

  constructor(
    file: string,
    readonly text: string,
  ) {
    this.name = path.basename(file);
    this.ext = fileExtension(this.name);
  }

  yamlDocs(): readonly unknown[] {
    if (this.docs) return this.docs;
    const out: unknown[] = [];
    // too deep a text would exhaust the parser's stack (yaml.ts): it decides nothing
    if (!flowDepthExceeds(this.text)) {
      try {
        for (const doc of parseAllDocuments(this.text, { uniqueKeys: false })) {
          if (!('contents' in doc) || doc.errors.length) continue;
          try {
            out.push(doc.toJS({ maxAliasCount: 100 }));
          } catch {
            // an alias bomb: this document decides nothing
          }
        }
      } catch {
        // not YAML the parser can take
      }
    }
    return (this.docs = out);
  }

  toml(): Readonly<Record<string, unknown>> | undefined {
    if (this.table !== null) return this.table;
    try {
      this.table = parseToml(this.text, { maxDepth: 64 }) as Record<string, unknown>;
    } catch {
      this.table = undefined;
    }
    return this.table;
  }
}

/** Does one of the file's YAML documents, a mapping, pass `test`? */
export function someYamlMap(f: SniffedFile, test: (m: Readonly<Record<string, unknown>>) => boolean): boolean {
  return f.yamlDocs().some((d) => {
    const m = asMap(d);
    return m !== undefined && test(m);
  });
}

/** A plain object (a YAML mapping or a TOML table), or undefined. */
export function asMap(x: unknown): Readonly<Record<string, unknown>> | undefined {
  return isRecord(x) ? x : undefined;
}

/** The languages whose sniffers claim a file (`decides` by its extension, else `test` on its text), in `sniffers` order. */
function claims(file: string, sniffers: readonly { readonly format: Format; readonly sniff: FormatSniffer }[], text: () => string | undefined): Format[] {
  const ext = fileExtension(path.basename(file));
  const decided = sniffers.filter((s) => s.sniff.decides?.includes(ext));
  if (decided.length) return decided.map((s) => s.format);
  const readers = sniffers.filter((s) => s.sniff.reads.includes(ext));
  if (!readers.length) return [];
  const t = text();
  if (t === undefined) return [];
  const f = new Sampled(file, t);
  return readers.filter((s) => passes(s.sniff, f)).map((s) => s.format);
}

/** A sniffer's test; one that throws on a file (a bug in it) claims nothing, and the look at the folder goes on. */
function passes(sniff: FormatSniffer, f: SniffedFile): boolean {
  try {
    return sniff.test(f);
  } catch {
    return false;
  }
}

/**
 * The language of a folder with no marker files, from a bounded sample of its files (`SNIFF_LIMITS`): each language
 * gets a vote for each sampled file it claims (a file whose extension decides counts as much as one read), and the
 * most votes win (ties in `sniffers` order). Undefined when no file is claimed.
 */
export function sniffFolder(dir: string, sniffers: readonly { readonly format: Format; readonly sniff: FormatSniffer }[]): Format | undefined {
  return mostVoted(folderVotes(dir, sniffers), sniffers);
}

/** The language most sampled files are claimed by (ties in the sniffers' order). */
export function mostVoted(votes: ReadonlyMap<Format, number>, sniffers: readonly { readonly format: Format }[]): Format | undefined {
  let best: Format | undefined;
  let most = 0;
  for (const s of sniffers) {
    const n = votes.get(s.format) ?? 0;
    if (n > most) {
      best = s.format;
      most = n;
    }
  }
  return best;
}

/** How many of a folder's sampled files each language's sniffer claims (see `sniffFolder`). */
export function folderVotes(dir: string, sniffers: readonly { readonly format: Format; readonly sniff: FormatSniffer }[]): ReadonlyMap<Format, number> {
  const deciding = new Set(sniffers.flatMap((s) => s.sniff.decides ?? []));
  const reading = new Set(sniffers.flatMap((s) => s.sniff.reads));
  const votes = new Map<Format, number>();
  const { decides, sample } = sampleFolder(dir, (ext) => (deciding.has(ext) ? 'decides' : reading.has(ext) ? 'read' : undefined));
  for (const p of [...decides, ...sample]) for (const f of claims(p, sniffers, () => readSampled(p))) votes.set(f, (votes.get(f) ?? 0) + 1);
  return votes;
}

/** The language of one loose file from its own content (see `sniffFolder`), or undefined. */
export function sniffFile(file: string, sniffers: readonly { readonly format: Format; readonly sniff: FormatSniffer }[]): Format | undefined {
  return claims(file, sniffers, () => readSampled(file))[0];
}
