/**
 * Responses of the wiki server kept by URL for the catalog they were made from. A catalog never changes once built
 * (a build writes a new file and renames it into place), so a page is rendered once per catalog build: the cache is
 * emptied when the server opens a newer build, and every entry's ETag names that build. Bounded by entries and
 * bytes, least recently used out first.
 */
import { createHash } from 'node:crypto';

/** A response as sent: status, content type, body and its extra headers. */
export interface CachedResponse {
  readonly status: number;
  readonly type: string;
  readonly body: Buffer;
  /** Strong validator: the catalog build id and a hash of the body. */
  readonly etag: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Most entries kept. */
export const CACHE_MAX_ENTRIES = 4000;
/** Most body bytes kept (a rule page is a few tens of KB; a big listing a few hundred). */
export const CACHE_MAX_BYTES = 96 * 1024 * 1024;

/** `"<build id>-<sha1 of the body, 20 hex>"`: two builds never share an ETag, two bodies of one build neither. */
export function etagOf(buildId: string, body: Buffer): string {
  return `"${buildId.replace(/[^A-Za-z0-9._-]/g, '')}-${createHash('sha1').update(body).digest('hex').slice(0, 20)}"`;
}

/** Whether an `If-None-Match` header names this ETag (a list, `*`, weak forms). */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

export class ResponseCache {
  private readonly map = new Map<string, CachedResponse>();
  private bytes = 0;
  /** The catalog build the entries belong to. */
  private build = '';

  constructor(
    private readonly maxEntries = CACHE_MAX_ENTRIES,
    private readonly maxBytes = CACHE_MAX_BYTES,
  ) {}

  /** Entries of `buildId` only: a new build empties the cache. */
  forBuild(buildId: string): this {
    if (buildId !== this.build) {
      this.map.clear();
      this.bytes = 0;
      this.build = buildId;
    }
    return this;
  }

  get(key: string): CachedResponse | undefined {
    const hit = this.map.get(key);
    if (hit) {
      // most recently used last
      this.map.delete(key);
      this.map.set(key, hit);
    }
    return hit;
  }

  set(key: string, r: CachedResponse): void {
    if (r.body.length > this.maxBytes / 8) return;
    const old = this.map.get(key);
    if (old) {
      this.bytes -= old.body.length;
      this.map.delete(key);
    }
    this.map.set(key, r);
    this.bytes += r.body.length;
    for (const [k, v] of this.map) {
      if (this.map.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= v.body.length;
    }
  }

  get size(): number {
    return this.map.size;
  }
}
