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
import { diag } from '../../model/diagnostics.ts';

type At = { line: number; column: number };

export const YaralDiagnostics = {
  unterminated: (file: string, at: At) => diag('YRL001', 'error', file, 'unterminated string, regex or comment', at, 'close the literal or comment'),
  structure: (file: string, message: string, at: At) => diag('YRL002', 'error', file, message, at, 'a file holds `rule <name> { meta: … events: … condition: … }`'),
  noRule: (file: string) => diag('YRL003', 'error', file, 'no `rule <name> { … }` found', { line: 1 }),
  missingSection: (file: string, rule: string, section: string, at: At) => diag('YRL004', 'warning', file, `rule ${rule} has no ${section}: section`, at),
  syntax: (file: string, message: string, at: At) => diag('YRL005', 'error', file, `YARA-L syntax: ${message}`, at, 'the rule is kept with its metadata; its logic is not lowered'),
  tooDeep: (file: string, rule: string, at: At) => diag('YRL006', 'error', file, `rule ${rule} is nested deeper than the limit`, at),
  unknownVariable: (file: string, name: string, at: At) => diag('YRL007', 'warning', file, `the condition names ${name}, which no section defines`, at),
} as const;
