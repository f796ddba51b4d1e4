/**
 * Which ATT&CK bundle to use: `--attack FILE`, else `$DETWIKI_ATTACK`, else the bundle `detwiki sync` keeps.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export interface AttackBundleLocation {
  /** Absolute path of the bundle, when one was found. */
  readonly path?: string;
  /** Where it came from, or what to do when none was found (for the CLI to print). */
  readonly message: string;
}

export const NO_ATTACK_BUNDLE_MESSAGE =
  'no ATT&CK bundle: pass --attack FILE, set DETWIKI_ATTACK, or run `detwiki sync`; technique ids are shown without names';

/**
 * Find the bundle. An explicitly named file (flag or environment) that does not exist is reported, not replaced
 * by the synced one. `synced` is where `detwiki sync` keeps its copy (the catalog's `syncedAttackBundle()`: the
 * caller passes it, so that this layer does not depend on the catalog); `env` is a parameter for tests.
 */
export function findAttackBundle(
  opts: { readonly flag?: string; readonly env?: NodeJS.ProcessEnv; readonly synced?: string } = {},
): AttackBundleLocation {
  const env = opts.env ?? process.env;
  if (opts.flag !== undefined && opts.flag !== '') return named(opts.flag, '--attack');
  const fromEnv = env.DETWIKI_ATTACK;
  if (fromEnv !== undefined && fromEnv !== '') return named(fromEnv, 'DETWIKI_ATTACK');
  const synced = opts.synced;
  if (synced !== undefined && existsSync(synced)) return { path: synced, message: `ATT&CK bundle ${synced} (from detwiki sync)` };
  return { message: NO_ATTACK_BUNDLE_MESSAGE };
}

function named(file: string, from: string): AttackBundleLocation {
  const abs = path.resolve(file);
  if (statSync(abs, { throwIfNoEntry: false })?.isDirectory()) return inFolder(abs, from);
  if (existsSync(abs)) return { path: abs, message: `ATT&CK bundle ${abs} (from ${from})` };
  return { message: `ATT&CK bundle ${abs} (from ${from}) does not exist; ${NO_ATTACK_BUNDLE_MESSAGE}` };
}

/**
 * A folder named where a bundle is wanted (`--attack ../attack`): its `enterprise-attack*.json`, the newest by the
 * version in the name when there are several (`enterprise-attack-19.1.json` after `-9.0`), and the choice said.
 */
function inFolder(dir: string, from: string): AttackBundleLocation {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^enterprise-attack.*\.json$/i.test(n) && statSync(path.join(dir, n), { throwIfNoEntry: false })?.isFile());
  } catch (e) {
    return { message: `ATT&CK folder ${dir} (from ${from}) cannot be read (${e instanceof Error ? e.message : String(e)}); ${NO_ATTACK_BUNDLE_MESSAGE}` };
  }
  if (!names.length) return { message: `ATT&CK folder ${dir} (from ${from}) holds no enterprise-attack*.json; ${NO_ATTACK_BUNDLE_MESSAGE}` };
  names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const chosen = path.join(dir, names[names.length - 1]!);
  const others = names.length > 1 ? `, the newest of ${names.length} in the folder` : '';
  return { path: chosen, message: `ATT&CK bundle ${chosen} (from ${from}${others})` };
}
