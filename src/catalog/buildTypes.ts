/**
 * Types the catalog build (`build.ts`) and its scanning (`buildScan.ts`) share, in their own module so that neither
 * imports the other for them.
 */
import type { FileResult, SourceInfo } from '../formats/adapter.ts';
import type { SourceDef } from './sources.ts';

export type SourceOrigin = 'mirror' | 'synced' | 'examples' | 'missing';

export interface FileRow {
  id: number;
  path: string;
  size: number;
  mtime: number;
  hash: string;
  key: string;
  deps: string;
}

export interface ResolvedSource {
  readonly def: SourceDef;
  readonly root: string;
  readonly origin: SourceOrigin;
  readonly info: SourceInfo;
}

/** What changed in one source since the last build. */
export interface SourcePlan {
  /** Every file of the source, sorted. */
  readonly files: readonly string[];
  readonly prev: ReadonlyMap<string, FileRow>;
  /** Content hashes known so far: new files are hashed by the thread that parses them, or by `hashOf`. */
  readonly hashes: Map<string, string>;
  /** New files, not hashed yet. */
  readonly unhashed: ReadonlySet<string>;
  /** A file's hash (computed now if not known yet); undefined for a file not in the source. */
  readonly hashOf: (f: string) => string | undefined;
  readonly stats: ReadonlyMap<string, { size: number; mtime: number }>;
  readonly keyOf: (f: string, deps: readonly string[]) => string;
  /** Files to parse (new or changed, or depending on a changed file), in path order. */
  readonly changed: readonly string[];
  /** Unchanged files whose size or mtime moved (their row is updated). */
  readonly touched: readonly string[];
  readonly removed: readonly string[];
  /** Entries that are not read (links, FIFOs, names that are not UTF-8), new or changed: skipped with their reason. */
  readonly odd: readonly FileResult[];
  readonly sourceMoved: boolean;
}

/** One parsing job of a build as it ran (epoch ms; thread 0 is the building thread): the build's timeline. */
export interface JobSpan {
  readonly thread: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly files: number;
  /** The thread's V8 heap (MB) when the job ended. */
  readonly heapMB: number;
  /** The thread's CPU seconds so far when the job ended (Linux; absent elsewhere). */
  readonly cpuS?: number;
}
