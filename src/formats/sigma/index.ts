/**
 * The Sigma adapter: SigmaHQ rule folders (rules, rules-emerging-threats, rules-threat-hunting, rules-placeholder,
 * rules-compliance, deprecated, unsupported), multi-document files (action: global / reset / repeat),
 * correlation rules and filters, with SigmaHQ regression data attached to the rules as tests.
 *
 * Pipeline: `yaml` (with LineCounter) → Sigma documents (syntax.ts) → detection syntax tree (detection.ts) and the
 * condition's peggy syntax tree (condition.peggy) → model expressions (lowerDetection.ts, lower.ts) → records
 * (build.ts). The whole source is built in `prepare`, because filters, correlations and regression data link
 * files to each other; `parseFile` hands out each file's result.
 */
import type { FormatAdapter } from '../adapter.ts';
import { buildSigmaSource, SIGMA_PARSER, type SigmaBuild } from './build.ts';
import { resolveSigmaField } from './resolve.ts';
import { sigmaHuntReadings } from './securityAudit.ts';
import { SIGMA_CODES } from './diagnostics.ts';
import { SIGMA_HIGHLIGHT } from './highlightFacts.ts';
import { SIGMA_SNIFF } from './sniff.ts';

export { resolveSigmaField } from './resolve.ts';
export { SIGMA_PARSER } from './build.ts';

export const sigmaAdapter: FormatAdapter<SigmaBuild> = {
  format: 'sigma',
  detect: { markers: [['rules', 'regression_data'], ['rules', 'deprecated', 'unsupported']], folderNames: ['sigma', 'sigma-pysigma-testfiles'], sniff: SIGMA_SNIFF },
  highlight: SIGMA_HIGHLIGHT,
  fingerprint: { packages: ['yaml', 'peggy'] },
  diagnosticCodes: [SIGMA_CODES],
  parserName: SIGMA_PARSER,
  async prepare(root, files, source) {
    return buildSigmaSource(root, files, source);
  },
  async parseFile(_root, path, prep) {
    return prep.take(path) ?? { path, outcome: 'skipped', reason: 'not listed when the source was prepared', rules: [], diagnostics: [] };
  },
  sourceDiagnostics(prep) {
    return prep.diagnostics;
  },
  resolveField: resolveSigmaField,
  huntReadings: sigmaHuntReadings,
};
