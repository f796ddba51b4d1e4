/** Where detwiki keeps its data: the cache folder (synced sources, ATT&CK bundle) and the default catalog folder. */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Make a folder and its missing parents, one level at a time. Node 20's `mkdirSync(dir, { recursive: true })` never
 * returns when a level cannot be made for a reason other than a missing parent that it takes for one (`/proc/x`:
 * ENOENT on a parent that exists; it retries at full CPU): here such an error is thrown, with the level it failed at.
 */
export function makeFolder(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const st = statSync(d, { throwIfNoEntry: false });
    if (st) {
      if (!st.isDirectory()) throw Object.assign(new Error(`not a folder: ${d}`), { code: 'ENOTDIR' });
      break;
    }
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
    }
  }
}

/** `$DETWIKI_CACHE`, else `$XDG_CACHE_HOME/detwiki`, else `~/.cache/detwiki`. */
export function cacheDir(): string {
  if (process.env.DETWIKI_CACHE) return path.resolve(process.env.DETWIKI_CACHE);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'detwiki');
}

/** Folder of the ATT&CK bundle `detwiki sync` keeps. */
export function syncedAttackDir(): string {
  return path.join(cacheDir(), 'attack');
}

/** Name of a synced bundle: its release in the name (`enterprise-attack-19.1.json`) when known, as MITRE names it. */
export function syncedAttackName(version: string | undefined): string {
  return version && /^[0-9][0-9A-Za-z.]*$/.test(version) ? `enterprise-attack-${version}.json` : 'enterprise-attack.json';
}

/**
 * The ATT&CK bundle `detwiki sync` keeps: the newest `enterprise-attack*.json` of the folder (a sync writes the new
 * one before it removes the old), else the name a first sync will write.
 */
export function syncedAttackBundle(): string {
  const dir = syncedAttackDir();
  let best: { file: string; mtime: number } | undefined;
  try {
    for (const n of readdirSync(dir)) {
      if (!/^enterprise-attack(-[0-9][0-9A-Za-z.]*)?\.json$/.test(n)) continue;
      const file = path.join(dir, n);
      const mtime = statSync(file).mtimeMs;
      if (!best || mtime > best.mtime) best = { file, mtime };
    }
  } catch {
    // no folder yet
  }
  return best?.file ?? path.join(dir, syncedAttackName(undefined));
}

/** go-libaudit's normalizations (`aucoalesce/normalizations.yaml`) as `detwiki sync` keeps them (`src/hunt/auditNormalizations.ts`). */
export function syncedAuditNormalizations(): string {
  return path.join(cacheDir(), 'reference', 'go-libaudit-normalizations.yaml');
}

/** Synced upstream sources, one folder per source name. */
export function sourcesDir(): string {
  return path.join(cacheDir(), 'sources');
}

/** Default catalog folder (SQLite database and build report). */
export function defaultCatalogDir(): string {
  return path.join(cacheDir(), 'catalog');
}

/** The SQLite catalog inside a catalog folder. */
export function catalogFile(outDir: string): string {
  return path.join(outDir, 'catalog.sqlite');
}

/** File `detwiki sync` writes after a sync (JSON: time, sources, ATT&CK). */
export function syncStampFile(): string {
  return path.join(cacheDir(), 'last-sync.json');
}

/** When the last sync ran (ISO time), if one did. */
export function lastSyncInfo(): string | undefined {
  try {
    const j = JSON.parse(readFileSync(syncStampFile(), 'utf8')) as { at?: string };
    return typeof j.at === 'string' ? j.at : undefined;
  } catch {
    return undefined;
  }
}
