/** Where detwiki keeps its data: the cache folder (synced sources, ATT&CK bundle) and the default catalog folder. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** `$DETWIKI_CACHE`, else `$XDG_CACHE_HOME/detwiki`, else `~/.cache/detwiki`. */
export function cacheDir(): string {
  if (process.env.DETWIKI_CACHE) return path.resolve(process.env.DETWIKI_CACHE);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'detwiki');
}

/** The ATT&CK bundle `detwiki sync` keeps. */
export function syncedAttackBundle(): string {
  return path.join(cacheDir(), 'attack', 'enterprise-attack.json');
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
