/**
 * Sigma diagnostics: every code the Sigma adapter emits, made by the factory functions below.
 * Tests check codes and locations, never message text.
 *
 * | code   | severity | meaning |
 * |--------|----------|---------|
 * | SIG001 | error    | YAML syntax error in a rule file |
 * | SIG002 | error    | document is not a Sigma rule, correlation or filter (no `detection`, `correlation` or `filter`) |
 * | SIG003 | error    | `detection` has no `condition` |
 * | SIG004 | error    | condition syntax error |
 * | SIG005 | error    | condition names a selection the rule does not define |
 * | SIG006 | error    | `x of pattern` matches no selection |
 * | SIG007 | error    | unknown value modifier |
 * | SIG008 | error    | invalid modifier combination or value for a modifier |
 * | SIG009 | error    | regular expression does not compile |
 * | SIG010 | warning  | regular expression valid but not runnable with bounded cost (RE2): evaluates to unknown |
 * | SIG011 | error    | selection or value of a shape Sigma does not allow |
 * | SIG012 | error    | invalid correlation (type, rules, timespan, condition) |
 * | SIG013 | warning  | correlation refers to a rule not found in the source |
 * | SIG014 | info     | filter targets a rule not found in the source |
 * | SIG015 | warning  | regression test names a rule or event file not found |
 * | SIG016 | warning  | selection name carries a modifier (`name|endswith`): ignored by Sigma |
 * | SIG017 | info     | Sigma v1 aggregation in the condition (`| count() by x > n`, `| near`) |
 * | SIG018 | error    | multi-document action invalid (`repeat` with nothing to repeat, unknown action) |
 * | SIG019 | warning  | empty selection or empty value list |
 * | SIG020 | error    | regression event file is not valid JSON |
 * | SIG021 | error    | condition longer or deeper than the limit |
 * | SIG022 | warning  | regression test has no runnable event data (type other than evtx/json, or commented out) |
 */
import { diag, type Diagnostic } from '../../model/diagnostics.ts';

export interface At {
  readonly line?: number;
  readonly column?: number;
}

export const SigmaDiagnostics = {
  yamlSyntax: (file: string, message: string, at?: At): Diagnostic => diag('SIG001', 'error', file, `YAML syntax error: ${message}`, at, 'fix the YAML; the other documents and files are unaffected'),
  notARule: (file: string, at?: At): Diagnostic =>
    diag('SIG002', 'error', file, 'document has no detection, correlation or filter section', at, 'add a `detection:` with a `condition:` (or `correlation:` / `filter:`)'),
  noCondition: (file: string, at?: At): Diagnostic => diag('SIG003', 'error', file, 'detection has no condition', at, 'add `condition: selection` (or a boolean expression over the selections)'),
  conditionSyntax: (file: string, message: string, at?: At): Diagnostic =>
    diag('SIG004', 'error', file, `condition syntax error: ${message}`, at, 'use selection names with and, or, not, parentheses and `1 of x*` / `all of them`'),
  missingSelection: (file: string, name: string, at?: At): Diagnostic =>
    diag('SIG005', 'error', file, `condition names selection "${name}" which the detection does not define`, at, 'define the selection or correct the name'),
  emptyPattern: (file: string, pattern: string, at?: At): Diagnostic =>
    diag('SIG006', 'error', file, `"${pattern}" matches no selection`, at, 'rename the selections or the pattern'),
  unknownModifier: (file: string, modifier: string, at?: At): Diagnostic =>
    diag('SIG007', 'error', file, `unknown value modifier "${modifier}"`, at, 'use a Sigma modifier: contains, startswith, endswith, all, re, cidr, base64, base64offset, wide, windash, exists, fieldref, gt, gte, lt, lte, cased, expand'),
  badModifier: (file: string, message: string, at?: At): Diagnostic => diag('SIG008', 'error', file, message, at),
  badRegex: (file: string, pattern: string, error: string, at?: At): Diagnostic =>
    diag('SIG009', 'error', file, `regular expression does not compile: ${error} (${pattern.slice(0, 80)})`, at, 'fix the pattern'),
  unboundedRegex: (file: string, error: string, at?: At): Diagnostic =>
    diag('SIG010', 'warning', file, `regular expression cannot run with bounded cost (${error}); evaluation gives unknown`, at, 'avoid lookaround and backreferences'),
  badShape: (file: string, message: string, at?: At): Diagnostic => diag('SIG011', 'error', file, message, at),
  badCorrelation: (file: string, message: string, at?: At): Diagnostic => diag('SIG012', 'error', file, `invalid correlation: ${message}`, at),
  correlationTargetMissing: (file: string, ref: string, at?: At): Diagnostic =>
    diag('SIG013', 'warning', file, `correlation refers to rule "${ref}" which is not in this source`, at, 'add the rule, or refer to it by its id or name'),
  filterTargetMissing: (file: string, ref: string, at?: At): Diagnostic => diag('SIG014', 'info', file, `filter targets rule "${ref}" which is not in this source`, at),
  regressionTargetMissing: (file: string, message: string, at?: At): Diagnostic => diag('SIG015', 'warning', file, message, at),
  selectionNameModifier: (file: string, name: string, at?: At): Diagnostic =>
    diag('SIG016', 'warning', file, `selection name "${name}" carries a modifier, which Sigma ignores`, at, 'put the modifier on the field names inside the selection'),
  legacyAggregation: (file: string, text: string, at?: At): Diagnostic =>
    diag('SIG017', 'info', file, `Sigma v1 aggregation "${text}"`, at, 'rewrite it as a Sigma correlation rule'),
  badAction: (file: string, message: string, at?: At): Diagnostic => diag('SIG018', 'error', file, message, at),
  emptySelection: (file: string, name: string, at?: At): Diagnostic => diag('SIG019', 'warning', file, `selection "${name}" is empty`, at),
  badEventJson: (file: string, message: string): Diagnostic => diag('SIG020', 'error', file, `event data is not valid JSON: ${message}`),
  conditionTooComplex: (file: string, limit: string, at?: At): Diagnostic => diag('SIG021', 'error', file, `condition exceeds ${limit}`, at),
  noRunnableTest: (file: string, message: string, at?: At): Diagnostic => diag('SIG022', 'warning', file, message, at),
} as const;

/** Every code above, for documentation and tests. */
export const SIGMA_CODES = [
  'SIG001', 'SIG002', 'SIG003', 'SIG004', 'SIG005', 'SIG006', 'SIG007', 'SIG008', 'SIG009', 'SIG010', 'SIG011',
  'SIG012', 'SIG013', 'SIG014', 'SIG015', 'SIG016', 'SIG017', 'SIG018', 'SIG019', 'SIG020', 'SIG021', 'SIG022',
] as const;
