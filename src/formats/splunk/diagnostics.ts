/**
 * Diagnostics of the Splunk security_content adapter. Every code it emits:
 * | code   | meaning |
 * | SPL001 | the detection YAML is not a mapping |
 * | SPL002 | the detection has no `search:` |
 * | SPL003 | a `mitre_attack_id` entry is not a technique id |
 * | SPL004 | the search does not parse as SPL (file:line:column of the first error) |
 * | SPL005 | a macro the search calls is not defined in macros/ (kept as an opaque leaf) |
 * | SPL006 | macro expansion nested deeper than the limit, or into too many calls (recursive macro) |
 * | SPL007 | a macros/ file is not a macro definition (no name or definition) |
 * | SPL008 | the YAML needed PyYAML's reading of column-0 continuation lines inside a quoted scalar |
 */
import { diag } from '../../model/diagnostics.ts';

type At = { line?: number; column?: number } | undefined;

export const SplunkDiagnostics = {
  notMapping: (file: string) => diag('SPL001', 'error', file, 'detection file is not a YAML mapping', { line: 1 }, 'a security_content detection is one YAML mapping with name, search and tags'),
  noSearch: (file: string) => diag('SPL002', 'warning', file, 'detection has no search', undefined, 'add the SPL under `search:`'),
  badTechnique: (file: string, text: string, line?: number) =>
    diag('SPL003', 'warning', file, `mitre_attack_id "${text}" is not an ATT&CK technique id`, line ? { line } : undefined, 'write ids as T1234 or T1234.001'),
  syntax: (file: string, message: string, at: At) =>
    diag('SPL004', 'error', file, `SPL syntax error: ${message}`, at, 'the search is shown verbatim; its logic is not extracted'),
  undefinedMacro: (file: string, name: string, at: At) =>
    diag('SPL005', 'warning', file, `macro \`${name}\` is not defined in macros/`, at, 'define it in macros/<name>.yml; the condition keeps it as an opaque part'),
  macroTooDeep: (file: string, name: string, limit: number, calls: number, at: At) =>
    diag('SPL006', 'error', file, `macro \`${name}\` expands deeper than ${limit} levels or into more than ${calls} macro calls (recursive?)`, at, 'break the cycle between the macros'),
  badMacroFile: (file: string) => diag('SPL007', 'warning', file, 'macro file has no name or definition', { line: 1 }, 'a macro file is a mapping with name, definition and optional arguments'),
  lenientYaml: (file: string, line: number) =>
    diag('SPL008', 'warning', file, 'a quoted scalar continues on lines at column 0, which YAML 1.2 forbids; read as PyYAML reads it', { line }, 'indent the continuation lines of the quoted search'),
} as const;
