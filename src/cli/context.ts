/** What the rule-level commands (show, test, scan) share: finding a repository, ATT&CK, scanning. */
import { statSync } from 'node:fs';
import path from 'node:path';
import { escapeControlsByLine } from '../model/ascii.ts';
import { loadAttack, resolveRuleAttack, type AttackIndex } from '../attack/index.ts';
import { findAttackBundle } from '../attack/locate.ts';
import { defaultCatalogDir, syncedAttackBundle } from '../catalog/paths.ts';
import { Catalog } from '../catalog/query.ts';
import { detectRuleFolders, findRepoRoot, type RuleFolders } from '../formats/detect.ts';
import { adapterFor } from '../formats/registry.ts';
import { scanSource, type ScanResult } from '../formats/scan.ts';
import { describeSource } from '../formats/source-info.ts';
import { readNamedLists } from '../hunt/lists.ts';
import { choicesOf, FORMATS, KINDS, type Format, type Kind } from '../model/facts.ts';
import type { NamedLists } from '../model/lists.ts';
import { progress } from './args.ts';

export interface LoadedAttack {
  readonly index?: AttackIndex;
  readonly message?: string;
}

/** ATT&CK from --attack, DETWIKI_ATTACK, or the synced copy; a message (on stderr) when there is none. */
export async function loadAttackFor(flag: string | undefined, quiet = false): Promise<LoadedAttack> {
  const found = findAttackBundle({ ...(flag !== undefined ? { flag } : {}), synced: syncedAttackBundle() });
  if (!found.path) {
    if (!quiet) console.error(`detwiki: ${found.message}`);
    return { message: found.message };
  }
  try {
    return { index: await loadAttack(found.path) };
  } catch (e) {
    const message = `cannot load ATT&CK bundle ${found.path}: ${e instanceof Error ? e.message : String(e)}`;
    if (!quiet) console.error(`detwiki: ${message}`);
    return { message };
  }
}

/**
 * The "no ATT&CK bundle" message, printed after a command's output (load quietly first): it does not decide the
 * outcome, so it never comes before the output or an error, and a command that fails does not print it.
 */
export function warnAttackAfter(a: LoadedAttack): void {
  const reason = 'technique ids are shown without names';
  if (a.message) console.error(`detwiki: ${a.message}${a.message.includes(reason) ? '' : ` (${reason})`}`);
}

export class UsageError extends Error {}

/** The catalog folder of `CATALOG_OPTIONS` (`--catalog` or `--out`, one folder if both), undefined when neither. */
export function catalogOption(values: { readonly out?: string | undefined; readonly catalog?: string | undefined }): string | undefined {
  const { out, catalog } = values;
  if (out !== undefined && catalog !== undefined && path.resolve(out) !== path.resolve(catalog)) throw new UsageError(`--out ${out} and --catalog ${catalog} name two catalogs: give one`);
  return catalog ?? out;
}

/** A count option (`--body-lines N`): a whole number from `min` on, `fallback` when not given; a usage error otherwise. */
export function countOption(flag: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < min) throw new UsageError(`--${flag} must be a whole number from ${min} on, not '${value}'`);
  return n;
}

/**
 * A command that takes options only (`build`, `start`, `sync`, `serve`, `coverage`) given a bare argument: a usage
 * error, not an argument dropped (`detwiki build ../corpora` built the examples, `detwiki serve catalog` served the
 * default catalog). `flag`: the option the argument was likely meant for, named in the error when it is one word.
 */
export function noArguments(command: string, positionals: readonly string[], flag?: string): void {
  if (!positionals.length) return;
  const first = positionals[0]!;
  const hint = flag && positionals.length === 1 ? ` (did you mean --${flag} ${first}?)` : '';
  throw new UsageError(`unexpected argument '${first}': \`detwiki ${command}\` takes options only${hint}`);
}

/**
 * A catalog query's `--format` and `--kind` (`search`, `coverage`), each one known word: an unknown word is a usage
 * error naming the words there are, not an empty answer that reads as "no rules".
 */
export function oneFormatAndKind(values: { readonly format?: string; readonly kind?: string }): { format?: Format; kind?: Kind } {
  return {
    ...(values.format !== undefined ? { format: oneOf('format', values.format, FORMATS) } : {}),
    ...(values.kind !== undefined ? { kind: oneOf('kind', values.kind, KINDS) } : {}),
  };
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  try {
    return choicesOf(value, allowed, flag, { single: true })[0]!;
  } catch (e) {
    throw new UsageError(`--${flag}: ${(e as Error).message}`);
  }
}

/**
 * The hint of an unknown name's error: the names `isNear` keeps, else all of them, in `byUse`'s order (most used
 * first), the first six and "…" when there are more (`hunt --logsource`, `coverage --logsource`).
 */
export function nearestNamesHint(byUse: readonly string[], isNear: (name: string) => boolean, fallback: string): string {
  const near = byUse.filter(isNear);
  const names = near.length ? near : byUse;
  const shown = [...new Set(names)].slice(0, 6);
  return `${near.length ? 'did you mean' : fallback}: ${shown.join(', ')}${names.length > shown.length ? ', …' : ''}`;
}

/**
 * Resolve a repository folder and its format (from --format or the folder's markers); without --format, also the
 * folders of other languages it holds (`parts`, `detectRuleFolders`).
 */
export function repoAndFormat(dir: string, formatFlag: string | undefined): { root: string; format: Format; parts?: RuleFolders } {
  const root = path.resolve(dir);
  const st = statSync(root, { throwIfNoEntry: false });
  if (!st) throw new UsageError(`no such folder: ${dir}`);
  // a file here was scanned as a repository of no file ("files: 0") and said nothing of why
  if (!st.isDirectory()) throw new UsageError(`not a folder: ${dir} (a repository folder is wanted here; \`detwiki show FILE\` and \`detwiki test FILE\` read one rule file)`);
  if (formatFlag !== undefined) return { root, format: formatOption(formatFlag) };
  const parts = detectRuleFolders(root);
  const f = parts.format ?? findRepoRoot(root)?.format;
  if (!f) throw new UsageError(`cannot tell the format of ${dir}; pass --format`);
  return { root, format: f, parts };
}

/**
 * The repository and format of one rule file (`show`, `eval`, `test` of a file): `--repo DIR`, else the folder the
 * file's repository is found in; `--format` decides the language either way (it was read only with `--repo`, and
 * dropped without a word otherwise). Undefined when no repository is found and no format given.
 */
export function ruleFileRepo(file: string, repo: string | undefined, formatFlag: string | undefined): { root: string; format: Format } | undefined {
  if (repo !== undefined) return repoAndFormat(repo, formatFlag);
  const format = formatFlag === undefined ? undefined : formatOption(formatFlag);
  const found = findRepoRoot(file);
  if (format === undefined) return found;
  return { root: found?.root ?? path.dirname(path.resolve(file)), format };
}

/** `--format F` of a repository or a rule file: one language, in any case, or a usage error naming them. */
function formatOption(flag: string): Format {
  return oneOf('format', flag, FORMATS);
}

/** The named lists of `--lists FILE|DIR ...` (none: no list), or a usage error naming what cannot be read. */
export function listsOption(paths: readonly string[] | undefined): NamedLists {
  try {
    return paths?.length ? readNamedLists(paths) : new Map();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Scan a repository (or only some files of it) with the format's adapter, resolving ATT&CK when available. */
export async function scanRepo(
  root: string,
  format: Format,
  attack: AttackIndex | undefined,
  opts: { only?: readonly string[]; showProgress?: boolean } = {},
): Promise<ScanResult> {
  const adapter = adapterFor(format);
  if (!adapter) throw new UsageError(`no adapter for format ${format}`);
  const source = describeSource(root);
  return scanSource(adapter, root, source, {
    ...(opts.only ? { only: opts.only } : {}),
    ...(attack ? { postprocess: (r) => resolveRuleAttack(r, attack) } : {}),
    ...(opts.showProgress ? { onProgress: progress(`scanning ${format}`) } : {}),
  });
}

/** Run a command body, turning usage errors into exit code 2. */
export async function guarded(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      // a message may quote a file name or a diagnostic of a rule's text: printed without the characters a terminal acts on
      console.error(escapeControlsByLine(`detwiki: ${(e as Error).message}`));
      return 2;
    }
    throw e;
  }
}

/**
 * Open the catalog in `dir` (default: the default catalog folder), run `body` with it and close it. A catalog that
 * cannot be opened (not built, older schema) is reported as `detwiki <command>: <why>` with exit code 1.
 */
export async function withCatalog(command: string, dir: string | undefined, body: (cat: Catalog) => number | Promise<number>): Promise<number> {
  let cat: Catalog;
  try {
    cat = new Catalog(dir ?? defaultCatalogDir());
  } catch (e) {
    console.error(`detwiki ${command}: ${(e as Error).message}`);
    return 1;
  }
  try {
    return await body(cat);
  } finally {
    cat.close();
  }
}
