/**
 * detwiki show <rule id | file> [--repo DIR] [--format F] [--json] [--body-lines N]
 * Prints a rule page as text (or the rule record as JSON). A file is parsed in its repository (found from marker
 * folders, or --repo); an id (`panther/aws_iam_backdoor_role`) is looked up in the built catalog (--out, default
 * the cache's), or with --repo in that repository (where a native id such as `AWS.IAM.BackdoorRole` works too).
 */
import { existsSync, statSync } from 'node:fs';
import { catalogFile, defaultCatalogDir } from '../../catalog/paths.ts';
import { Catalog } from '../../catalog/query.ts';
import path from 'node:path';
import { adapterFor } from '../../formats/registry.ts';
import { checkRuleTests } from '../../model/checks.ts';
import { formatDiagnostic } from '../../model/diagnostics.ts';
import type { Format } from '../../model/facts.ts';
import { renderRulePage } from '../../model/page.ts';
import type { RuleRecord } from '../../model/rule.ts';
import { CATALOG_OPTIONS, parseCommand, printJson } from '../args.ts';
import { escapeControlsByLine } from '../../model/ascii.ts';
import { catalogOption, countOption, guarded, loadAttackFor, repoAndFormat, ruleFileRepo, scanRepo, UsageError, warnAttackAfter } from '../context.ts';

export function run(argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseCommand(argv, {
      repo: { type: 'string' },
      format: { type: 'string' },
      ...CATALOG_OPTIONS,
      'body-lines': { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError('usage: detwiki show <rule id | file> [--repo DIR | --out CATALOG_DIR] [--json]');
    const arg = positionals[0]!;
    // the body in full unless a number of lines is given
    const bodyLines = values['body-lines'] === undefined ? undefined : countOption('body-lines', values['body-lines'], 0, 1);
    const attack = await loadAttackFor(values.attack, true);
    let format: Format;
    let rules: readonly RuleRecord[];
    // a rule read from a built catalog carries the catalog's ATT&CK (names, tactics and version as it was built with):
    // the page's tactic order and version, none when it was built without a bundle
    let catalogAttack: { tacticOrder?: ReturnType<Catalog['tactics']>; attackVersion?: string } | undefined;
    const asFile = statSync(path.resolve(arg), { throwIfNoEntry: false })?.isFile();
    if (asFile) {
      const abs = path.resolve(arg);
      const found = ruleFileRepo(abs, values.repo, values.format);
      if (!found) throw new UsageError(`cannot find the repository of ${arg}; pass --repo DIR`);
      const root = found.root;
      format = found.format;
      const rel = path.relative(root, abs).split(path.sep).join('/');
      const res = await scanRepo(root, format, attack.index, { only: [rel] });
      const file = res.files[0];
      if (!file || file.rules.length === 0) {
        console.error(`detwiki: ${rel} holds no rule (${file?.outcome ?? 'not found'}${file?.reason ? `: ${file.reason}` : ''})`);
        for (const d of file?.diagnostics ?? []) console.error(`  ${formatDiagnostic(d)}`);
        return 1;
      }
      rules = file.rules;
    } else if (!values.repo && looksLikePath(arg)) {
      throw new UsageError(statSync(path.resolve(arg), { throwIfNoEntry: false })?.isDirectory() ? `not a rule file: ${arg} is a folder (show reads one rule file, or a rule id)` : `no such file: ${arg}`);
    } else if (!values.repo) {
      // an id: look it up in the built catalog
      const dir = catalogOption(values) ?? defaultCatalogDir();
      if (!existsSync(catalogFile(dir))) {
        throw new UsageError(`'${arg}' is not a file and there is no catalog in ${dir}: run \`detwiki build\`, or pass --repo DIR to look in a repository`);
      }
      const cat = new Catalog(dir);
      try {
        const rule = cat.ruleRecord(arg);
        if (!rule) {
          // an id and a relative folder look alike (`sigma/rules`): the folder is named when there is one
          const folder = statSync(path.resolve(arg), { throwIfNoEntry: false })?.isDirectory() ? `; ${arg} is a folder here: show reads one rule file` : '';
          console.error(`detwiki: no rule '${arg}' in the catalog ${dir} (ids look like panther/aws_iam_backdoor_role; or pass --repo DIR${folder})`);
          return 1;
        }
        rules = [rule];
        format = rule.format;
        const attackVersion = cat.meta('attack_version');
        catalogAttack = attackVersion ? { tacticOrder: cat.tactics(), attackVersion } : {};
      } finally {
        cat.close();
      }
    } else {
      const found = repoAndFormat(values.repo, values.format);
      const root = found.root;
      format = found.format;
      const res = await scanRepo(root, format, attack.index, { showProgress: !values.json });
      const lower = arg.toLowerCase();
      rules = res.rules.filter((r) => r.id.toLowerCase() === lower || r.nativeId?.toLowerCase() === lower);
      if (rules.length === 0) {
        console.error(`detwiki: no rule '${arg}' in ${root}`);
        return 1;
      }
    }
    const resolve = adapterFor(format)?.resolveField;
    const pages = rules.map((rule) => ({ rule, check: checkRuleTests(rule, resolve) }));
    if (values.json) {
      printJson(pages.length === 1 ? { ...pages[0]!.rule, testResults: pages[0]!.check } : pages.map((p) => ({ ...p.rule, testResults: p.check })));
      return 0;
    }
    for (const { rule, check } of pages) {
      // the rule's texts are untrusted: no character a terminal acts on is written as it is
      process.stdout.write(
        escapeControlsByLine(
          renderRulePage(rule, {
            ...(catalogAttack ?? (attack.index ? { tacticOrder: attack.index.tactics, attackVersion: attack.index.version } : {})),
            testOutcomes: check.checked ? check.outcomes : [],
            ...(bodyLines ? { bodyLines } : {}),
          }),
        ) + '\n',
      );
    }
    // the catalog's rules were resolved against ATT&CK when it was built: no bundle is needed to show them, and one
    // given now would not name them (the names come from the build)
    if (catalogAttack && !catalogAttack.attackVersion) console.error(`detwiki: the catalog was built without an ATT&CK bundle: technique ids are shown without names (\`detwiki build --attack FILE\` resolves them)`);
    else if (!catalogAttack) warnAttackAfter(attack);
    return 0;
  });
}

/** A path the user meant as a file (`./x.yml`, `/abs/x`, `rules/x.py`), not a rule id (`panther/aws_iam_backdoor_role`). */
function looksLikePath(arg: string): boolean {
  return /^(\.{0,2}\/|~)/.test(arg) || /\.(ya?ml|py|toml|json|txt|kql|spl|md|sql|eql)$/i.test(arg);
}
