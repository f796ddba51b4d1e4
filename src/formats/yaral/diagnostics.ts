/**
 * Diagnostics of the Chronicle YARA-L adapter. Every code it emits:
 * | code   | meaning |
 * | YRL001 | unterminated string, regex or comment |
 * | YRL002 | rule structure could not be followed (`rule <name> {`, unbalanced braces) |
 * | YRL003 | a .yaral file holds no rule |
 * | YRL004 | a rule has no events or condition section |
 * | YRL005 | syntax error: the rule does not follow the YARA-L 2.0 grammar (its logic is not lowered) |
 * | YRL006 | a rule nested deeper than the limit (its logic is not lowered) |
 * | YRL007 | the condition names a variable the events and outcome sections do not define |
 */
import { diagnosticMaker, type CodeTable } from '../../model/diagnostics.ts';

type At = { line: number; column: number };

/** Every code of this area: its severity and meaning (`docs/diagnostics.md` is generated from it). */
export const YRL_CODES = {
  YRL001: { severity: 'error', meaning: 'unterminated string, regex or comment' },
  YRL002: { severity: 'error', meaning: 'rule structure could not be followed (`rule <name> {`, unbalanced braces)' },
  YRL003: { severity: 'error', meaning: 'a .yaral file holds no rule' },
  YRL004: { severity: 'warning', meaning: 'a rule has no events or condition section' },
  YRL005: { severity: 'error', meaning: 'syntax error: the rule does not follow the YARA-L 2.0 grammar (its logic is not lowered)' },
  YRL006: { severity: 'error', meaning: 'a rule nested deeper than the limit (its logic is not lowered)' },
  YRL007: { severity: 'warning', meaning: 'the condition names a variable the events and outcome sections do not define' },
} as const satisfies CodeTable<'YRL'>;

const make = diagnosticMaker(YRL_CODES);

export const YaralDiagnostics = {
  unterminated: (file: string, at: At) => make('YRL001', file, 'unterminated string, regex or comment', at, 'close the literal or comment'),
  structure: (file: string, message: string, at: At) => make('YRL002', file, message, at, 'a file holds `rule <name> { meta: … events: … condition: … }`'),
  noRule: (file: string) => make('YRL003', file, 'no `rule <name> { … }` found', { line: 1 }),
  missingSection: (file: string, rule: string, section: string, at: At) => make('YRL004', file, `rule ${rule} has no ${section}: section`, at),
  syntax: (file: string, message: string, at: At) => make('YRL005', file, `YARA-L syntax: ${message}`, at, 'the rule is kept with its metadata; its logic is not lowered'),
  tooDeep: (file: string, rule: string, at: At) => make('YRL006', file, `rule ${rule} is nested deeper than the limit`, at),
  unknownVariable: (file: string, name: string, at: At) => make('YRL007', file, `the condition names ${name}, which no section defines`, at),
} as const;
