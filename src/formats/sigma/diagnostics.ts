/**
 * Diagnostics of the Sigma adapter.
 *
 * The code table `SIGMA_CODES` below is the list of every code this area emits, with its severity and meaning;
 * `docs/diagnostics.md` is generated from it (a test checks it is current). The factories after it make every
 * diagnostic of the area and take the severity from the table. Tests check the code and location, not the text.
 */
import { diagnosticMaker, type At, type CodeTable, type Diagnostic } from '../../model/diagnostics.ts';

/** Every code of this area: its severity and meaning. */
export const SIGMA_CODES = {
  SIG001: { severity: 'error', meaning: 'YAML syntax error in a rule file' },
  SIG002: { severity: 'error', meaning: 'document is not a Sigma rule, correlation or filter (no `detection`, `correlation` or `filter`)' },
  SIG003: { severity: 'error', meaning: '`detection` has no `condition`' },
  SIG004: { severity: 'error', meaning: 'condition syntax error' },
  SIG005: { severity: 'error', meaning: 'condition names a selection the rule does not define' },
  SIG006: { severity: 'error', meaning: '`x of pattern` matches no selection' },
  SIG007: { severity: 'error', meaning: 'unknown value modifier' },
  SIG008: { severity: 'error', meaning: 'invalid modifier combination or value for a modifier' },
  SIG009: { severity: 'error', meaning: 'regular expression does not compile' },
  SIG010: { severity: 'warning', meaning: 'regular expression valid but not runnable with bounded cost (RE2): evaluates to unknown' },
  SIG011: { severity: 'error', meaning: 'selection or value of a shape Sigma does not allow' },
  SIG012: { severity: 'error', meaning: 'invalid correlation (type, rules, timespan, condition)' },
  SIG013: { severity: 'warning', meaning: 'correlation refers to a rule not found in the source' },
  SIG014: { severity: 'info', meaning: 'filter targets a rule not found in the source' },
  SIG015: { severity: 'warning', meaning: 'regression test names a rule or event file not found' },
  SIG016: { severity: 'warning', meaning: 'selection name carries a modifier (`name|endswith`): ignored by Sigma' },
  SIG017: { severity: 'info', meaning: 'Sigma v1 aggregation in the condition (`| count() by x > n`, `| near`)' },
  SIG018: { severity: 'error', meaning: 'multi-document action invalid (`repeat` with nothing to repeat, unknown action)' },
  SIG019: { severity: 'warning', meaning: 'empty selection or empty value list' },
  SIG020: { severity: 'error', meaning: 'regression event file is not valid JSON, or nests deeper than the limit' },
  SIG021: { severity: 'error', meaning: 'condition longer or deeper than the limit' },
  SIG022: { severity: 'warning', meaning: 'regression test has no runnable event data (type other than evtx/json, or commented out)' },
  SIG023: { severity: 'warning', meaning: '`correlation` is text beside a `detection`: read as a note, the rule read from its detection' },
  SIG024: { severity: 'warning', meaning: 'a key written twice in one map: the last is read, as PyYAML (and so pySigma) reads it' },
} as const satisfies CodeTable<'SIG'>;

const make = diagnosticMaker(SIGMA_CODES);

export type { At };

export const SigmaDiagnostics = {
  yamlSyntax: (file: string, message: string, at?: At): Diagnostic => make('SIG001', file, `YAML syntax error: ${message}`, at, 'fix the YAML; the other documents and files are unaffected'),
  notARule: (file: string, at?: At): Diagnostic =>
    make('SIG002', file, 'document has no detection, correlation or filter section', at, 'add a `detection:` with a `condition:` (or `correlation:` / `filter:`)'),
  noCondition: (file: string, at?: At): Diagnostic => make('SIG003', file, 'detection has no condition', at, 'add `condition: selection` (or a boolean expression over the selections)'),
  conditionSyntax: (file: string, message: string, at?: At): Diagnostic =>
    make('SIG004', file, `condition syntax error: ${message}`, at, 'use selection names with and, or, not, parentheses and `1 of x*` / `all of them`'),
  missingSelection: (file: string, name: string, at?: At): Diagnostic =>
    make('SIG005', file, `condition names selection "${name}" which the detection does not define`, at, 'define the selection or correct the name'),
  emptyPattern: (file: string, pattern: string, at?: At): Diagnostic =>
    make('SIG006', file, `"${pattern}" matches no selection`, at, 'rename the selections or the pattern'),
  unknownModifier: (file: string, modifier: string, at?: At): Diagnostic =>
    make('SIG007', file, `unknown value modifier "${modifier}"`, at, 'use a Sigma modifier: contains, startswith, endswith, all, re, cidr, base64, base64offset, wide, windash, exists, fieldref, gt, gte, lt, lte, cased, expand'),
  badModifier: (file: string, message: string, at?: At): Diagnostic => make('SIG008', file, message, at),
  badRegex: (file: string, pattern: string, error: string, at?: At): Diagnostic =>
    make('SIG009', file, `regular expression does not compile: ${error} (${pattern.slice(0, 80)})`, at, 'fix the pattern'),
  unboundedRegex: (file: string, error: string, at?: At): Diagnostic =>
    make('SIG010', file, `regular expression cannot run with bounded cost (${error}); evaluation gives unknown`, at, 'avoid lookaround and backreferences'),
  badShape: (file: string, message: string, at?: At): Diagnostic => make('SIG011', file, message, at),
  badCorrelation: (file: string, message: string, at?: At): Diagnostic => make('SIG012', file, `invalid correlation: ${message}`, at),
  correlationTargetMissing: (file: string, ref: string, at?: At): Diagnostic =>
    make('SIG013', file, `correlation refers to rule "${ref}" which is not in this source`, at, 'add the rule, or refer to it by its id or name'),
  filterTargetMissing: (file: string, ref: string, at?: At): Diagnostic => make('SIG014', file, `filter targets rule "${ref}" which is not in this source`, at),
  regressionTargetMissing: (file: string, message: string, at?: At): Diagnostic => make('SIG015', file, message, at),
  selectionNameModifier: (file: string, name: string, at?: At): Diagnostic =>
    make('SIG016', file, `selection name "${name}" carries a modifier, which Sigma ignores`, at, 'put the modifier on the field names inside the selection'),
  legacyAggregation: (file: string, text: string, at?: At): Diagnostic =>
    make('SIG017', file, `Sigma v1 aggregation "${text}"`, at, 'rewrite it as a Sigma correlation rule'),
  badAction: (file: string, message: string, at?: At): Diagnostic => make('SIG018', file, message, at),
  emptySelection: (file: string, name: string, at?: At): Diagnostic => make('SIG019', file, `selection "${name}" is empty`, at),
  badEventJson: (file: string, message: string): Diagnostic => make('SIG020', file, `event data is not valid JSON: ${message}`),
  conditionTooComplex: (file: string, limit: string, at?: At): Diagnostic => make('SIG021', file, `condition exceeds ${limit}`, at),
  noRunnableTest: (file: string, message: string, at?: At): Diagnostic => make('SIG022', file, message, at),
  duplicateKey: (file: string, at?: At): Diagnostic =>
    make('SIG024', file, 'a key written twice in one map: the last value is read, as PyYAML (and so pySigma) reads it', at, 'keep one of the keys (for several values of a field, list them, or use |all)'),
  correlationNote: (file: string, at?: At): Diagnostic =>
    make('SIG023', file, '`correlation` is text, not a correlation map; the rule is read from its `detection`', at, 'move the text to `description`, or write a correlation rule'),
} as const;
