/**
 * The one interface every language adapter implements. The driver (`scan.ts`) walks every file of a source,
 * hands each to the adapter, and isolates failures: an adapter that throws on one file yields a GEN004
 * diagnostic for that file and the rest of the source goes on.
 *
 * Adding a language: a folder `src/formats/<language>/` exporting a `FormatAdapter`, one line in `registry.ts`,
 * fixtures under `test/fixtures/<language>/`, and a page in `docs/formats/`.
 */
import type { CodeTable, Diagnostic } from '../model/diagnostics.ts';
import type { FieldResolver } from '../model/evaluate.ts';
import type { Format } from '../model/facts.ts';
import type { RuleRecord } from '../model/rule.ts';

/** Where the source comes from, for rule records' `source` and upstream links. */
export interface SourceInfo {
  /** `owner/name` of the upstream repository, or a local name. */
  readonly repository: string;
  readonly commit?: string;
  readonly licence?: string;
  /** Prefix for upstream file links, e.g. `https://github.com/owner/name/blob/<ref>/`. */
  readonly urlBase?: string;
}

/**
 * What became of one file of a source.
 * - parsed: it produced rules (possibly with diagnostics)
 * - support: read as part of other rules (a Panther Python body or helper, a data model, a Splunk macro)
 * - skipped: not a rule file (README, licence, images…), with the reason
 * - error: meant to be a rule but could not be parsed; diagnostics say where
 */
export type FileOutcome = 'parsed' | 'support' | 'skipped' | 'error';

export interface FileResult {
  readonly path: string;
  readonly outcome: FileOutcome;
  readonly reason?: string;
  readonly rules: readonly RuleRecord[];
  readonly diagnostics: readonly Diagnostic[];
  /** Other files of the source this result was computed from (Python body, helpers), for incremental builds. */
  readonly dependsOn?: readonly string[];
}

export interface FormatAdapter<Prep = unknown> {
  readonly format: Format;
  /** Every diagnostic code the adapter emits (its areas' tables; `docs/diagnostics.md` is generated from them). */
  readonly diagnosticCodes: readonly CodeTable[];
  /** Which parser the adapter uses, for the page ("Python via tree-sitter"). */
  readonly parserName: string;
  /**
   * Read what every file of the source may need (helpers, data models, macros) once. `files` is every file of the
   * source, relative to `root`, sorted. Must not throw on bad input: collect diagnostics instead.
   */
  prepare(root: string, files: readonly string[], source: SourceInfo): Promise<Prep>;
  /** Parse one file. May throw only on adapter bugs (the driver reports GEN004). */
  parseFile(root: string, path: string, prep: Prep, source: SourceInfo): Promise<FileResult>;
  /** Diagnostics about the source as a whole (helpers that failed to parse…), after prepare. */
  sourceDiagnostics?(prep: Prep): readonly Diagnostic[];
  /** How this language finds a field in a JSON event (default: exact key, then dotted path). */
  readonly resolveField?: FieldResolver;
}
