/**
 * `detwiki sync`: bring every source into the cache folder: `git clone` (shallow; sparse on the rule roots when a
 * source lists them) or `git fetch` + reset for an existing clone; from a mirror folder (offline), a symbolic link
 * to `<mirror>/<name>` instead. Also fetches the ATT&CK bundle (or copies `--attack FILE`).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sourcesDir, syncedAttackBundle, syncStampFile } from './paths.ts';
import type { SourceDef } from './sources.ts';

export const ATTACK_BUNDLE_URL = 'https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/enterprise-attack/enterprise-attack.json';

export interface SyncResult {
  readonly name: string;
  readonly status: 'cloned' | 'updated' | 'linked' | 'failed' | 'missing';
  readonly path: string;
  readonly message?: string;
  readonly commit?: string;
}

export interface SyncReport {
  readonly at: string;
  readonly sources: readonly SyncResult[];
  readonly attack: { readonly status: 'downloaded' | 'copied' | 'kept' | 'failed'; readonly path: string; readonly message?: string };
}

function git(args: string[], cwd?: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30 * 60 * 1000 }).trim();
}

function syncOne(def: SourceDef, mirror: string | undefined): SyncResult {
  const dest = path.join(sourcesDir(), def.name);
  mkdirSync(path.dirname(dest), { recursive: true });
  if (mirror) {
    const from = path.resolve(mirror, def.name);
    if (!existsSync(from)) return { name: def.name, status: 'missing', path: from, message: 'not in the mirror' };
    if (existsSync(dest) || isLink(dest)) rmSync(dest, { recursive: true, force: true });
    symlinkSync(from, dest, 'dir');
    return { name: def.name, status: 'linked', path: dest, message: `→ ${from}` };
  }
  try {
    if (existsSync(path.join(dest, '.git'))) {
      git(['fetch', '--depth', '1', 'origin', def.branch], dest);
      git(['reset', '--hard', 'FETCH_HEAD'], dest);
      return { name: def.name, status: 'updated', path: dest, commit: git(['rev-parse', 'HEAD'], dest) };
    }
    if (existsSync(dest) || isLink(dest)) rmSync(dest, { recursive: true, force: true });
    const tmp = `${dest}.partial`;
    rmSync(tmp, { recursive: true, force: true });
    const branch = def.branch === 'HEAD' ? [] : ['--branch', def.branch];
    if (def.roots.length) {
      git(['clone', '--depth', '1', '--filter=blob:none', '--sparse', ...branch, def.url, tmp]);
      git(['sparse-checkout', 'set', '--no-cone', ...def.roots.map((r) => `/${r}/`), '/LICENSE*', '/README*'], tmp);
    } else git(['clone', '--depth', '1', ...branch, def.url, tmp]);
    renameSync(tmp, dest);
    return { name: def.name, status: 'cloned', path: dest, commit: git(['rev-parse', 'HEAD'], dest) };
  } catch (e) {
    const msg = e instanceof Error ? ((e as { stderr?: string }).stderr || e.message).toString().trim().split('\n').slice(-2).join(' ') : String(e);
    return { name: def.name, status: 'failed', path: dest, message: msg };
  }
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

async function syncAttack(attackFile: string | undefined): Promise<SyncReport['attack']> {
  const dest = syncedAttackBundle();
  mkdirSync(path.dirname(dest), { recursive: true });
  if (attackFile) {
    copyFileSync(attackFile, dest);
    return { status: 'copied', path: dest };
  }
  try {
    const res = await fetch(ATTACK_BUNDLE_URL, { signal: AbortSignal.timeout(120_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const text = await res.text();
    JSON.parse(text);
    writeFileSync(`${dest}.partial`, text);
    renameSync(`${dest}.partial`, dest);
    return { status: 'downloaded', path: dest };
  } catch (e) {
    const message = `cannot download ${ATTACK_BUNDLE_URL}: ${e instanceof Error ? e.message : String(e)}`;
    return existsSync(dest) ? { status: 'kept', path: dest, message } : { status: 'failed', path: dest, message };
  }
}

export async function syncSources(defs: readonly SourceDef[], opts: { readonly mirror?: string; readonly attack?: string; readonly onSource?: (r: SyncResult) => void } = {}): Promise<SyncReport> {
  const sources: SyncResult[] = [];
  for (const d of defs) {
    const r = syncOne(d, opts.mirror);
    sources.push(r);
    opts.onSource?.(r);
  }
  const attack = await syncAttack(opts.attack);
  const report: SyncReport = { at: new Date().toISOString(), sources, attack };
  mkdirSync(path.dirname(syncStampFile()), { recursive: true });
  writeFileSync(syncStampFile(), JSON.stringify(report, null, 2));
  return report;
}
