/**
 * Diagnostics of the Elastic detection-rules adapter.
 *
 * The code table `ELA_CODES` below is the list of every code this area emits, with its severity and meaning;
 * `docs/diagnostics.md` is generated from it (a test checks it is current). The factories after it make every
 * diagnostic of the area and take the severity from the table. Tests check the code and location, not the text.
 */
import { diagnosticMaker, type CodeTable } from '../../model/diagnostics.ts';

/** Every code of this area: its severity and meaning. */
export const ELA_CODES = {
  ELA001: { severity: 'error', meaning: 'the TOML has neither a [rule] nor a [hunt] table' },
  ELA002: { severity: 'warning', meaning: 'the rule has no query (and is not a machine-learning rule)' },
  ELA003: { severity: 'warning', meaning: "a hunting query's first line is only a language's name (a Markdown fence's tag left in the string): the query is read without it, and does not run as written" },
  ELA004: { severity: 'error', meaning: "osquery SQL syntax error (reported when the hunting query reads further as SQL than in the hunt's other languages)" },
  ELA005: { severity: 'info', meaning: 'values of a Kibana export (NDJSON) or API JSON file that are not rules (exception lists, action connectors): not read' },
} as const satisfies CodeTable<'ELA'>;

const make = diagnosticMaker(ELA_CODES);

export const ElasticDiagnostics = {
  noRuleTable: (file: string) => make('ELA001', file, 'TOML file has no [rule] or [hunt] table', { line: 1 }, 'a detection-rules file has [metadata] and [rule]; a hunting file has [hunt]'),
  fenceTag: (file: string, line: number | undefined, label: string, tag: string) =>
    make('ELA003', file, `${label} begins with a line \`${tag}\` that no listed language reads: read without it (as written, the query does not run)`, line !== undefined ? { line } : undefined, 'a Markdown fence\'s tag belongs outside the TOML string'),
  osquerySyntax: (file: string, at: { line: number; column: number }, message: string) =>
    make('ELA004', file, `osquery SQL syntax error: ${message}`, at, 'osquery reads SQLite SQL: SELECT … FROM a table of the host (processes, file, users …)'),
  notRules: (file: string, n: number) => make('ELA005', file, `${n} value(s) of this file are not Elastic rules (exception lists, action connectors): not read`),
  noQuery: (file: string) => make('ELA002', file, 'rule has no query', undefined, 'add `query` (or use type machine_learning with machine_learning_job_id)'),
} as const;
