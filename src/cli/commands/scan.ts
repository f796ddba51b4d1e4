/**
 * detwiki scan <repo dir> [--format F] [--strict] [--json] [--files]
 * Parses a whole repository and prints what became of every file: parsed, support, skipped (with reason),
 * error (with diagnostics). Exit 0 when every file was accounted for; with --strict, non-zero if any rule file
 * failed to parse.
 */
import path from 'node:path';
import type { DiagnosticCount } from '../../catalog/parsingCoverage.ts';
import type { FileResult } from '../../formats/adapter.ts';
import type { ScanResult } from '../../formats/scan.ts';
import type { RuleFolders } from '../../formats/detect.ts';
import type { Format } from '../../model/facts.ts';
import { formatDiagnostic } from '../../model/diagnostics.ts';
import { parseCommand, printJson } from '../args.ts';
import { guarded, loadAttackFor, repoAndFormat, scanRepo, UsageError, warnAttackAfter } from '../context.ts';
import { say, sayLine } from '../lines.ts';

export function run(argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseCommand(argv, {
      format: { type: 'string' },
      strict: { type: 'boolean' },
      files: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError('usage: detwiki scan <repo dir> [--format F] [--strict] [--json] [--files]');
    const { root, format, parts } = repoAndFormat(positionals[0]!, values.format);
    if (parts) noteOtherLanguages(root, format, parts);
    const attack = await loadAttackFor(values.attack, true);
    const t0 = performance.now();
    const res = await scanRepo(root, format, attack.index, { showProgress: !values.json });
    const seconds = (performance.now() - t0) / 1000;
    const report = scanReport(res, root, format, seconds, values.files === true);
    const summary = summarize(res.files);
    const rules = res.rules;
    const { withCondition, complete, byKind } = report;
    if (values.json) printJson(report);
    else {
      const pct = (n: number) => (rules.length ? ((100 * n) / rules.length).toFixed(1) : '0.0');
      sayLine(`scanned ${root} as ${format} in ${report.seconds}s`);
      sayLine(`files: ${res.files.length} (parsed ${summary.counts.parsed}, support ${summary.counts.support}, skipped ${summary.counts.skipped}, error ${summary.counts.error})`);
      sayLine(`rules: ${rules.length}; by kind: ${Object.entries(byKind).map(([k, n]) => `${k} ${n}`).join(', ')}`);
      sayLine(`logic: with condition ${withCondition} (${pct(withCondition)}%), complete ${complete} (${pct(complete)}%), partial ${report.partial}, none ${report.none}`);
      if (Object.keys(summary.skippedReasons).length) {
        say('skipped:');
        for (const [reason, n] of Object.entries(summary.skippedReasons).sort((a, b) => b[1] - a[1])) sayLine(`  ${n}  ${reason}`);
      }
      // file names and diagnostics' texts come from the repository: no character a terminal acts on is printed as it is
      if (values.files) for (const f of res.files) sayLine(`${f.outcome.padEnd(8)} ${f.path}${f.reason ? `  (${f.reason})` : ''}${f.rules.length ? `  → ${f.rules.map((r) => r.id).join(', ')}` : ''}`);
      const errs = res.files.flatMap((f) => f.diagnostics.filter((d) => d.severity === 'error'));
      if (errs.length || res.diagnostics.length) {
        say('diagnostics:');
        for (const d of [...res.diagnostics, ...errs].slice(0, 200)) say(`  ${formatDiagnostic(d)}`);
        if (errs.length > 200) sayLine(`  … ${errs.length - 200} more (use --json)`);
      }
    }
    if (!values.json) warnAttackAfter(attack);
    return values.strict && summary.counts.error > 0 ? 1 : 0;
  });
}

/**
 * A folder whose subfolders hold different languages is scanned as one (the one most of its sampled files are in):
 * the others are named on stderr, with the command that reads each (`hunt --rules` and `coverage --rules` read them all).
 */
function noteOtherLanguages(root: string, format: Format, { folders, loose }: RuleFolders): void {
  if (folders.length < 2) return;
  const others = [
    ...folders.map((f) => ({ at: f.root, format: f.format, how: `detwiki scan ${f.root}` })),
    ...loose.map((l) => ({ at: path.join(root, l.name), format: l.format, how: `detwiki scan ${root} --format ${l.format}` })),
  ];
  for (const o of others.filter((x) => x.format !== format)) process.stderr.write(`note: ${o.at} holds ${o.format} rules, not read as ${format} here: \`${o.how}\` reads them\n`);
}

/** The figures `scan --json` prints (the parser coverage page shows the same per source). */
export function scanReport(res: ScanResult, root: string, format: string, seconds: number, withFiles = false) {
  const summary = summarize(res.files);
  const rules = res.rules;
  const withCondition = rules.filter((r) => r.logic.condition !== undefined && r.logic.completeness !== 'none').length;
  const complete = rules.filter((r) => r.logic.completeness === 'complete').length;
  const byKind: Record<string, number> = {};
  for (const r of rules) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
  const report = {
    root,
    format,
    seconds: Number(seconds.toFixed(2)),
    files: summary.counts,
    rules: rules.length,
    byKind,
    withCondition,
    complete,
    partial: rules.filter((r) => r.logic.completeness === 'partial').length,
    none: rules.filter((r) => r.logic.completeness === 'none').length,
    diagnosticsByCode: diagnosticsByCode(res),
    errors: summary.errors,
    skippedReasons: summary.skippedReasons,
    sourceDiagnostics: res.diagnostics,
    ...(withFiles ? { fileResults: res.files.map((f) => ({ path: f.path, outcome: f.outcome, reason: f.reason, rules: f.rules.map((r) => r.id), diagnostics: f.diagnostics })) } : {}),
  };
  return report;
}

/** Diagnostics by code: in files, in rules, about the source (as the parser coverage page counts them). */
function diagnosticsByCode(res: ScanResult): Record<string, DiagnosticCount> {
  const out: Record<string, DiagnosticCount> = {};
  const add = (code: string, w: keyof DiagnosticCount) => ((out[code] ??= { files: 0, rules: 0, source: 0 })[w] += 1);
  for (const f of res.files) for (const d of f.diagnostics) add(d.code, 'files');
  for (const r of res.rules) for (const d of r.diagnostics) add(d.code, 'rules');
  for (const d of res.diagnostics) add(d.code, 'source');
  return out;
}

function summarize(files: readonly FileResult[]) {
  const counts = { parsed: 0, support: 0, skipped: 0, error: 0 };
  const skippedReasons: Record<string, number> = {};
  const errors: { path: string; diagnostics: unknown }[] = [];
  for (const f of files) {
    counts[f.outcome]++;
    if (f.outcome === 'skipped') skippedReasons[f.reason ?? '(no reason)'] = (skippedReasons[f.reason ?? '(no reason)'] ?? 0) + 1;
    if (f.outcome === 'error') errors.push({ path: f.path, diagnostics: f.diagnostics });
  }
  return { counts, skippedReasons, errors };
}
