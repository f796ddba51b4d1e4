/** Facts about a source folder: repository name, commit, licence and upstream link base. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SourceInfo } from './adapter.ts';

/** Licence names recognised from the first lines of a LICENSE file (data). */
export const LICENCE_FACTS: readonly { readonly needle: string; readonly id: string }[] = [
  { needle: 'Detection Rule License', id: 'DRL-1.1' },
  { needle: 'Elastic License 2.0', id: 'Elastic-2.0' },
  { needle: 'Elastic License', id: 'Elastic-2.0' },
  { needle: 'Apache License', id: 'Apache-2.0' },
  { needle: 'MIT License', id: 'MIT' },
  { needle: 'Permission is hereby granted, free of charge', id: 'MIT' },
  { needle: 'GNU Lesser General Public License', id: 'LGPL' },
  { needle: 'GNU General Public License', id: 'GPL' },
  { needle: 'GNU AFFERO', id: 'AGPL-3.0' },
];

export function detectLicence(root: string): string | undefined {
  for (const name of ['LICENSE', 'LICENSE.txt', 'LICENSE.md', 'LICENCE', 'License.txt']) {
    const p = path.join(root, name);
    if (!existsSync(p)) continue;
    const head = readFileSync(p, 'utf8').slice(0, 4000);
    for (const f of LICENCE_FACTS) if (head.includes(f.needle)) return f.id;
    return `see ${name}`;
  }
  return undefined;
}

function git(root: string, args: string[]): string | undefined {
  if (!existsSync(path.join(root, '.git'))) return undefined;
  try {
    return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** `owner/name` from a GitHub remote URL. */
export function repoFromUrl(url: string): string | undefined {
  const m = /github\.com[/:]([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/** Describe a source folder; `known` (from the sources list) wins over what git says. */
export function describeSource(root: string, known: Partial<SourceInfo> = {}): SourceInfo {
  const remote = git(root, ['config', '--get', 'remote.origin.url']);
  const repository = known.repository ?? (remote ? repoFromUrl(remote) : undefined) ?? path.basename(path.resolve(root));
  const commit = known.commit ?? git(root, ['rev-parse', 'HEAD']);
  const licence = known.licence ?? detectLicence(root);
  const urlBase = known.urlBase ?? (repository.includes('/') ? `https://github.com/${repository}/blob/${commit ?? 'HEAD'}/` : undefined);
  return { repository, ...(commit ? { commit } : {}), ...(licence ? { licence } : {}), ...(urlBase ? { urlBase } : {}) };
}
