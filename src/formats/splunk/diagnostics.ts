/**
 * Diagnostics of the Splunk security_content adapter. Every code it emits:
 * | code   | meaning |
 * | SPL001 | the detection YAML is not a mapping |
 * | SPL002 | the detection has no `search:` |
 * | SPL003 | a `mitre_attack_id` entry is not a technique id |
 * | SPL004 | the search does not parse as SPL (file:line:column of the first error) |
 * | SPL005 | a macro the search calls is not defined in the source (macros/*.yml or macros.conf; kept as an opaque leaf) |
 * | SPL006 | macro expansion nested deeper than the limit, or into too many calls (recursive macro) |
 * | SPL007 | a macros/ file is not a macro definition (no name or definition) |
 * | SPL008 | the YAML needed PyYAML's reading of column-0 continuation lines inside a quoted scalar |
 * | SPL009 | a line of a `.conf` file is neither a stanza, a setting nor a comment |
 */
import { diagnosticMaker, type CodeTable } from '../../model/diagnostics.ts';
import { MACRO_PLACES } from './splFacts.ts';

type At = { line?: number; column?: number } | undefined;

/** Every code of this area: its severity and meaning (`docs/diagnostics.md` is generated from it). */
export const SPL_CODES = {
  SPL001: { severity: 'error', meaning: 'the detection YAML is not a mapping' },
  SPL002: { severity: 'warning', meaning: 'the detection has no `search:`' },
  SPL003: { severity: 'warning', meaning: 'a `mitre_attack_id` entry is not a technique id' },
  SPL004: { severity: 'error', meaning: 'the search does not parse as SPL (file:line:column of the first error)' },
  SPL005: { severity: 'warning', meaning: `a macro the search calls is not defined in the source (${MACRO_PLACES}; kept as an opaque leaf)` },
  SPL006: { severity: 'error', meaning: 'macro expansion nested deeper than the limit, or into too many calls (recursive macro)' },
  SPL007: { severity: 'warning', meaning: 'a macros/ file is not a macro definition (no name or definition)' },
  SPL008: { severity: 'warning', meaning: 'the YAML needed PyYAML\'s reading of column-0 continuation lines inside a quoted scalar' },
  SPL009: { severity: 'warning', meaning: 'a line of a `.conf` file (savedsearches.conf, macros.conf) is neither a [stanza], a setting nor a comment' },
} as const satisfies CodeTable<'SPL'>;

const make = diagnosticMaker(SPL_CODES);

export const SplunkDiagnostics = {
  notMapping: (file: string) => make('SPL001', file, 'detection file is not a YAML mapping', { line: 1 }, 'a security_content detection is one YAML mapping with name, search and tags'),
  noSearch: (file: string) => make('SPL002', file, 'detection has no search', undefined, 'add the SPL under `search:`'),
  badTechnique: (file: string, text: string, line?: number) =>
    make('SPL003', file, `mitre_attack_id "${text}" is not an ATT&CK technique id`, line ? { line } : undefined, 'write ids as T1234 or T1234.001'),
  syntax: (file: string, message: string, at: At) =>
    make('SPL004', file, `SPL syntax error: ${message}`, at, 'the search is shown verbatim; its logic is not extracted'),
  undefinedMacro: (file: string, name: string, at: At) =>
    make('SPL005', file, `macro \`${name}\` is not defined in the source (${MACRO_PLACES})`, at, 'define it in macros/<name>.yml or in a macros.conf stanza; the condition keeps it as an opaque part'),
  macroTooDeep: (file: string, name: string, limit: number, calls: number, at: At) =>
    make('SPL006', file, `macro \`${name}\` expands deeper than ${limit} levels or into more than ${calls} macro calls (recursive?)`, at, 'break the cycle between the macros'),
  badMacroFile: (file: string) => make('SPL007', file, 'macro file has no name or definition', { line: 1 }, 'a macro file is a mapping with name, definition and optional arguments'),
  badConfLine: (file: string, message: string, at: At) => make('SPL009', file, message, at, 'a .conf line is `[stanza]`, `key = value` (a trailing backslash continues the value) or `# comment`'),
  lenientYaml: (file: string, line: number) =>
    make('SPL008', file, 'a quoted scalar continues on lines at column 0, which YAML 1.2 forbids; read as PyYAML reads it', { line }, 'indent the continuation lines of the quoted search'),
} as const;
