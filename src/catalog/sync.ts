/**
 * `detwiki sync`: bring every source into the cache folder: `git clone` (shallow; sparse on the rule roots when a
 * source lists them) or `git fetch` + reset for an existing clone; from a mirror folder (offline), a symbolic link
 * to `<mirror>/<name>` instead. Also fetches the ATT&CK bundle (or copies `--attack FILE`) and go-libaudit's audit
 * normalizations, which the hunt reads (`syncAuditNormalizations`). Every file is written
 * to a temporary name and renamed into place (`atomic.ts`): a sync killed at any point leaves each file old or new.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { parseAttackBundle } from '../attack/stix.ts';
import { findAttackBundle } from '../attack/locate.ts';
import { parseAuditNormalizations } from '../hunt/auditNormalizations.ts';
import { crashPoint, removeStalePartials, writeFileAtomic } from './atomic.ts';
import { makeFolder, sourcesDir, syncedAttackBundle, syncedAttackDir, syncedAttackName, syncedAuditNormalizations, syncStampFile } from './paths.ts';
import type { SourceEntry } from './sources.ts';

export const ATTACK_BUNDLE_URL = 'https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/enterprise-attack/enterprise-attack.json';
/** go-libaudit's normalizations: how Auditbeat names an audit event (the hunt's Auditbeat documents, `src/hunt/auditbeat.ts`). */
export const AUDIT_NORMALIZATIONS_URL = 'https://raw.githubusercontent.com/elastic/go-libaudit/main/aucoalesce/normalizations.yaml';
/** Where a mirror folder holds them: go-libaudit's repository as `<mirror>/go-libaudit`. */
export const AUDIT_NORMALIZATIONS_IN_MIRROR = path.join('go-libaudit', 'aucoalesce', 'normalizations.yaml');

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
  readonly attack: { readonly status: 'downloaded' | 'copied' | 'kept' | 'failed'; readonly path: string; readonly version?: string; readonly message?: string };
  /** Upstream data the hunt reads: go-libaudit's normalizations. */
  readonly auditNormalizations: ReferenceResult;
}

export interface ReferenceResult {
  readonly status: 'downloaded' | 'copied' | 'kept' | 'missing' | 'failed';
  readonly path: string;
  readonly from?: string;
  readonly entries?: number;
  readonly message?: string;
}

function git(args: string[], cwd?: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30 * 60 * 1000 }).trim();
}

function syncOne(def: SourceEntry, mirror: string | undefined): SyncResult {
  const dest = path.join(sourcesDir(), def.name);
  makeFolder(path.dirname(dest));
  if (mirror) {
    const from = path.resolve(mirror, def.name);
    if (!existsSync(from)) return { name: def.name, status: 'missing', path: from, message: 'not in the mirror' };
    // a new link beside the old entry, renamed over it: a killed sync leaves the old link or the new one
    const tmp = `${dest}.${process.pid}.link`;
    rmSync(tmp, { force: true });
    symlinkSync(from, tmp, 'dir');
    crashPoint(`sync:source:${def.name}`);
    if (existsSync(dest) && !isLink(dest)) rmSync(dest, { recursive: true, force: true });
    renameSync(tmp, dest);
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

/**
 * The ATT&CK bundle, downloaded (or copied from `--attack FILE`), checked to be a usable bundle, and written under
 * its release's name (`enterprise-attack-19.1.json`, the release read from the bundle or its file name) to a
 * temporary name renamed into place; only then are older bundles removed. A download or copy that is not a usable
 * bundle leaves the one kept before.
 */
async function syncAttack(attackFile: string | undefined): Promise<SyncReport['attack']> {
  const dir = syncedAttackDir();
  makeFolder(dir);
  const previous = syncedAttackBundle();
  const keep = (message: string): SyncReport['attack'] => (existsSync(previous) ? { status: 'kept', path: previous, message } : { status: 'failed', path: previous, message });
  let text: string;
  let name: string;
  try {
    if (attackFile) {
      // a folder (`--attack ../attack`) gives its enterprise-attack*.json, as every command reads --attack
      const file = statSync(attackFile, { throwIfNoEntry: false })?.isDirectory() ? findAttackBundle({ flag: attackFile, env: {} }).path : attackFile;
      if (!file) return keep(`cannot read ${attackFile}: a folder with no enterprise-attack*.json`);
      text = readFileSync(file, 'utf8');
      name = path.basename(file);
    } else {
      const res = await fetch(ATTACK_BUNDLE_URL, { signal: AbortSignal.timeout(120_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      text = await res.text();
      name = path.basename(new URL(ATTACK_BUNDLE_URL).pathname);
    }
  } catch (e) {
    return keep(`cannot ${attackFile ? `read ${attackFile}` : `download ${ATTACK_BUNDLE_URL}`}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { value, diagnostics } = parseAttackBundle(text, name);
  if (!value) return keep(`not a usable ATT&CK bundle (${diagnostics[0]?.message ?? 'no techniques'}): kept the previous one`);
  const version = value.version === 'unknown' ? undefined : value.version;
  const dest = path.join(dir, syncedAttackName(version));
  writeFileAtomic(dest, text, 'sync:attack');
  for (const n of readdirSync(dir)) {
    const f = path.join(dir, n);
    if (f !== dest && /^enterprise-attack(-[0-9][0-9A-Za-z.]*)?\.json$/.test(n)) rmSync(f, { force: true });
  }
  removeStalePartials(dest, readdirSync(dir));
  return { status: attackFile ? 'copied' : 'downloaded', path: dest, ...(version ? { version } : {}) };
}

/**
 * go-libaudit's normalizations: copied from `--audit-normalizations FILE`, else from a mirror's
 * `go-libaudit/aucoalesce/normalizations.yaml` (offline: no download when a mirror is given), else downloaded. Checked
 * to load as go-libaudit loads it, then written to a temporary name renamed into place; a copy or download that does
 * not load leaves the file kept before.
 */
async function syncAuditNormalizations(file: string | undefined, mirror: string | undefined): Promise<ReferenceResult> {
  const dest = syncedAuditNormalizations();
  const keep = (message: string): ReferenceResult => (existsSync(dest) ? { status: 'kept', path: dest, message } : { status: mirror && !file ? 'missing' : 'failed', path: dest, message });
  const from = file ?? (mirror ? path.resolve(mirror, AUDIT_NORMALIZATIONS_IN_MIRROR) : AUDIT_NORMALIZATIONS_URL);
  let text: string;
  try {
    if (file || mirror) {
      if (!existsSync(from)) return keep(`${from} is not there`);
      text = readFileSync(from, 'utf8');
    } else {
      const res = await fetch(from, { signal: AbortSignal.timeout(120_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      text = await res.text();
    }
  } catch (e) {
    return keep(`cannot ${file || mirror ? 'read' : 'download'} ${from}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { table, errors } = parseAuditNormalizations(text, from);
  if (!table) return keep(`not go-libaudit's normalizations (${errors[0]}): kept the previous file`);
  makeFolder(path.dirname(dest));
  writeFileAtomic(dest, text, 'sync:audit-normalizations');
  return { status: file || mirror ? 'copied' : 'downloaded', path: dest, from, entries: table.entries };
}

export async function syncSources(defs: readonly SourceEntry[], opts: { readonly mirror?: string; readonly attack?: string; readonly auditNormalizations?: string; readonly onSource?: (r: SyncResult) => void } = {}): Promise<SyncReport> {
  const sources: SyncResult[] = [];
  for (const d of defs) {
    const r = syncOne(d, opts.mirror);
    sources.push(r);
    opts.onSource?.(r);
  }
  const attack = await syncAttack(opts.attack);
  const auditNormalizations = await syncAuditNormalizations(opts.auditNormalizations, opts.mirror);
  const report: SyncReport = { at: new Date().toISOString(), sources, attack, auditNormalizations };
  makeFolder(path.dirname(syncStampFile()));
  writeFileAtomic(syncStampFile(), JSON.stringify(report, null, 2), 'sync:stamp');
  return report;
}
