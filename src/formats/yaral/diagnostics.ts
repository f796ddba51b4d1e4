/**
 * Diagnostics of the Chronicle YARA-L adapter.
 *
 * The code table `YRL_CODES` below is the list of every code this area emits, with its severity and meaning;
 * `docs/diagnostics.md` is generated from it (a test checks it is current). The factories after it make every
 * diagnostic of the area and take the severity from the table. Tests check the code and location, not the text.
 */
import { diagnosticMaker, type CodeTable } from '../../model/diagnostics.ts';

/** Every code of this area: its severity and meaning. */
export const YRL_CODES = {
  YRL001: { severity: 'error', meaning: 'unterminated string, regex or comment' },
  YRL002: { severity: 'error', meaning: 'rule structure could not be followed (`rule <name> {`, unbalanced braces)' },
  YRL003: { severity: 'error', meaning: 'a .yaral file holds no rule' },
  YRL004: { severity: 'warning', meaning: 'a rule has no events or condition section' },
} as const satisfies CodeTable<'YRL'>;

const make = diagnosticMaker(YRL_CODES);

type At = { line: number; column: number };

export const YaralDiagnostics = {
  unterminated: (file: string, at: At) => make('YRL001', file, 'unterminated string, regex or comment', at, 'close the literal or comment'),
  structure: (file: string, message: string, at: At) => make('YRL002', file, message, at, 'a file holds `rule <name> { meta: … events: … condition: … }`'),
  noRule: (file: string) => make('YRL003', file, 'no `rule <name> { … }` found', { line: 1 }),
  missingSection: (file: string, rule: string, section: string, at: At) => make('YRL004', file, `rule ${rule} has no ${section}: section`, at),
} as const;
