/**
 * detwiki test <path> [--format F] [--json] [--verbose]
 * Runs every rule's embedded tests (Panther Tests, Sigma regression data) against its extracted logic and prints
 * agreement per rule and in total. Exit non-zero when a complete rule disagrees with a test, or a partial rule
 * is false on a test expected to match, or when a file's rules could not be read (a syntax error; a file named alone
 * that holds no rule): those are listed with their diagnostics.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { adapterFor } from '../../formats/registry.ts';
import { checkRuleTests, type RuleCheck } from '../../model/checks.ts';
import { failedPartLine } from '../../model/evidence.ts';
import { parseCommand, printJson } from '../args.ts';
import { guarded, loadAttackFor, repoAndFormat, ruleFileRepo, scanRepo, UsageError } from '../context.ts';
import { say, sayLine } from '../lines.ts';
import { formatDiagnostic } from '../../model/diagnostics.ts';
import { escapeControls } from '../../model/ascii.ts';

export function run(argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseCommand(argv, { format: { type: 'string' }, verbose: { type: 'boolean', short: 'v' }, repo: { type: 'string' } });
    if (positionals.length !== 1) throw new UsageError('usage: detwiki test <repo dir | rule file> [--format F] [--json]');
    const target = path.resolve(positionals[0]!);
    let root: string;
    let format;
    let only: string[] | undefined;
    if (statSync(target, { throwIfNoEntry: false })?.isFile()) {
      const found = ruleFileRepo(target, values.repo, values.format);
      if (!found) throw new UsageError(`cannot find the repository of ${positionals[0]}; pass --repo DIR`);
      ({ root, format } = found);
      only = [path.relative(root, target).split(path.sep).join('/')];
    } else {
      ({ root, format } = repoAndFormat(target, values.format));
    }
    const attack = await loadAttackFor(values.attack, true);
    const res = await scanRepo(root, format, attack.index, { ...(only ? { only } : {}), showProgress: !values.json });
    const resolve = adapterFor(format)?.resolveField;
    const checks: RuleCheck[] = res.rules.filter((r) => r.tests.length > 0).map((r) => checkRuleTests(r, resolve));
    const t = totals(checks);
    // files whose rules could not be read are not "0 tests": a file named alone that holds no rule, and every file that
    // is an error (a YAML or syntax error), are listed with their diagnostics, and the command fails
    const unread = res.files.filter((f) => f.outcome === 'error' || (only && f.rules.length === 0));
    const unreadJson = unread.map((f) => ({ path: f.path, outcome: f.outcome, ...(f.reason ? { reason: f.reason } : {}), diagnostics: f.diagnostics.map(formatDiagnostic) }));
    if (values.json) printJson({ root, format, totals: t, rules: checks, ...(unread.length ? { unread: unreadJson } : {}) });
    else {
      for (const f of unread.slice(0, UNREAD_LISTED)) {
        console.error(escapeControls(`detwiki test: ${f.path} holds no rule (${f.outcome}${f.reason ? `: ${f.reason}` : ''})`));
        for (const d of f.diagnostics.slice(0, 5)) console.error(escapeControls(`  ${formatDiagnostic(d)}`));
      }
      if (unread.length > UNREAD_LISTED) console.error(`detwiki test: ${unread.length - UNREAD_LISTED} more files hold no rule that could be read (\`detwiki scan\` lists them)`);
      for (const c of checks) {
        if (!values.verbose && c.agrees) continue;
        const bad = c.outcomes.filter((o) => !o.agrees);
        sayLine(`${c.agrees ? 'ok  ' : 'FAIL'} ${c.ruleId} [${c.completeness}] ${c.outcomes.length - bad.length}/${c.outcomes.length} agree`);
        // a test's name and detail come from the rule's files: no character a terminal acts on is printed as it is
        for (const o of c.outcomes) {
          if (!values.verbose && o.agrees) continue;
          sayLine(`       ${o.agrees ? ' ' : '✗'} ${o.name}: expected ${o.expected}, got ${o.got}${o.detail ? ` (${o.detail})` : ''}`);
          // a test expected to match that did not: the parts that decided it
          if (!o.agrees) for (const p of o.failed ?? []) sayLine(`           ${failedPartLine(p)}`);
        }
      }
      say(
        `rules with tests: ${t.rules} (checked ${t.checkedRules}: complete ${t.completeRules}, partial ${t.partialRules}${t.correlationRules ? `, correlations of rules' matches ${t.correlationRules}` : ''}; not checked ${t.uncheckedRules})`,
      );
      sayLine(`tests: ${t.tests}; checked ${t.checkedTests}: agree ${t.agree}, disagree ${t.disagree}; unknown results ${t.unknown}`);
      sayLine(`rules agreeing: ${t.agreeingRules}/${t.checkedRules}`);
      // tests that point at data outside the repository (Splunk ESCU attack_data): counted, not run
      const remote = res.rules.map((r) => r.facts['remote_tests']).filter((n): n is number => typeof n === 'number' && n > 0);
      if (remote.length) sayLine(`tests on remote data, not run: ${remote.reduce((a, b) => a + b, 0)} in ${remote.length} rules`);
    }
    return t.disagree > 0 || unread.length > 0 ? 1 : 0;
  });
}

/** Files not read that `test` lists on standard error (the others are counted). */
const UNREAD_LISTED = 20;

function totals(checks: readonly RuleCheck[]) {
  const checked = checks.filter((c) => c.checked);
  const outcomes = checked.flatMap((c) => c.outcomes);
  return {
    rules: checks.length,
    checkedRules: checked.length,
    completeRules: checked.filter((c) => c.completeness === 'complete').length,
    partialRules: checked.filter((c) => c.completeness === 'partial').length,
    correlationRules: checked.filter((c) => c.by === 'correlation').length,
    uncheckedRules: checks.length - checked.length,
    agreeingRules: checked.filter((c) => c.agrees).length,
    tests: checks.reduce((n, c) => n + c.outcomes.length, 0),
    checkedTests: outcomes.length,
    agree: outcomes.filter((o) => o.agrees).length,
    disagree: outcomes.filter((o) => !o.agrees).length,
    unknown: outcomes.filter((o) => o.got === 'unknown').length,
  };
}
