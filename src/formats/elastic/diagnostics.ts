/**
 * Diagnostics of the Elastic detection-rules adapter. Every code it emits:
 * | code   | meaning |
 * | ELA001 | the TOML has neither a [rule] nor a [hunt] table |
 * | ELA002 | the rule has no query (and is not a machine-learning rule) |
 */
import { diag } from '../../model/diagnostics.ts';

export const ElasticDiagnostics = {
  noRuleTable: (file: string) => diag('ELA001', 'error', file, 'TOML file has no [rule] or [hunt] table', { line: 1 }, 'a detection-rules file has [metadata] and [rule]; a hunting file has [hunt]'),
  noQuery: (file: string) => diag('ELA002', 'warning', file, 'rule has no query', undefined, 'add `query` (or use type machine_learning with machine_learning_job_id)'),
} as const;
