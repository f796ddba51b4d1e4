/**
 * The one interface every language adapter implements. The driver (`scan.ts`) walks every file of a source,
 * hands each to the adapter, and isolates failures: an adapter that throws on one file yields a GEN004
 * diagnostic for that file and the rest of the source goes on.
 *
 * Adding a language: its folder `src/formats/<language>/` exporting a `FormatAdapter` that declares itself
 * (detection, highlighting, code tables, build and fingerprint inputs), one line in `registry.ts`, fixtures under
 * `test/fixtures/<language>/`, and its section in `docs/formats.md` (the recipe is there).
 */
import type { CodeTable, Diagnostic } from '../model/diagnostics.ts';
import type { FieldResolver } from '../model/evaluate.ts';
import type { Expr } from '../model/expr.ts';
import type { Format } from '../model/facts.ts';
import type { HighlightFacts } from '../model/highlight.ts';
import type { Aggregation, RuleRecord } from '../model/rule.ts';

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

/** How a folder of a language is recognized (`detect.ts`). */
export interface FormatDetection {
  /** Marker rows: a folder holding every path of a row is a repository of this format (rows tried in registry order). */
  readonly markers: readonly (readonly string[])[];
  /** Folder names of the default sources (`../shared/corpora/<name>`, upstream repository names). */
  readonly folderNames: readonly string[];
  /** A look at the content, for a folder or file with neither (a team's own rules kept as loose files). */
  readonly sniff?: FormatSniffer;
}

/**
 * How a file's content tells its language (`sniff.ts`, bounded: a sample of a folder's files, each of at most 256 KB).
 * A file with a `decides` extension is of this language whatever it holds (`.yaral`, `.kql`); one with a `reads`
 * extension is read and `test`ed. Tests must not throw, and must be exclusive: no file is a rule of two languages.
 */
export interface FormatSniffer {
  /** Lower-case extensions, with the dot. */
  readonly decides?: readonly string[];
  readonly reads: readonly string[];
  readonly test: (file: SniffedFile) => boolean;
}

/** A sampled file as sniffers see it: its text, and its YAML or TOML read once for every sniffer that asks. */
export interface SniffedFile {
  /** Lower-case extension, with the dot. */
  readonly ext: string;
  readonly name: string;
  readonly text: string;
  /** Each YAML document as plain JS (none when the text is not YAML, or too deeply nested to parse safely). */
  yamlDocs(): readonly unknown[];
  /** The TOML table, or undefined when the text is not TOML. */
  toml(): Readonly<Record<string, unknown>> | undefined;
}

/**
 * What the catalog's code fingerprint hashes for this format besides its folder `src/formats/<format>`, the
 * shared `src/formats/*.ts` modules and the model: further modules it uses, and the npm packages of its parsers
 * (their installed versions), so that changing any of them re-parses the format's files.
 */
export interface FingerprintInputs {
  readonly modules?: readonly string[];
  readonly packages: readonly string[];
}

/**
 * A language adapter: what it reads (`prepare`, `parseFile`) and what it declares about itself, so that adding a
 * language touches only its folder, one registry line, fixtures and a docs page (the recipe is in docs/formats.md).
 */
export interface FormatAdapter<Prep = unknown> {
  readonly format: Format;
  readonly detect: FormatDetection;
  /** Highlighting of the body languages the adapter produces (`BodyFile.language`, lower-case, aliases included). */
  readonly highlight: Readonly<Record<string, HighlightFacts>>;
  /**
   * Catalog builds: `worker`, parse this format's files in worker threads first (a heavy parser the main thread
   * should not wait for); `splittable`, a source's changed files may be split into several jobs; `release`, drop
   * what loading the parser keeps in a thread (the Kusto library and its global state), so that a worker that has
   * parsed this format's files goes on with another's instead of being replaced by a new worker.
   */
  readonly build?: { readonly worker?: boolean; readonly splittable?: boolean; readonly release?: () => void };
  readonly fingerprint: FingerprintInputs;
  /** Every diagnostic code the adapter emits (its areas' tables; `docs/diagnostics.md` is generated from them). */
  readonly diagnosticCodes: readonly CodeTable[];
  /** Which parser the adapter uses, for the page ("Python via tree-sitter"). */
  readonly parserName: string;
  /**
   * Read what every file of the source may need (helpers, data models, macros) once. `files` is every file of the
   * source, relative to `root`, sorted. Must not throw on bad input: collect diagnostics instead. Absent when
   * every file parses on its own (`prep` is then `undefined`).
   */
  prepare?(root: string, files: readonly string[], source: SourceInfo): Promise<Prep>;
  /** Parse one file. May throw only on adapter bugs (the driver reports GEN004). */
  parseFile(root: string, path: string, prep: Prep, source: SourceInfo): Promise<FileResult>;
  /** Diagnostics about the source as a whole (helpers that failed to parse…), after prepare. */
  sourceDiagnostics?(prep: Prep): readonly Diagnostic[];
  /** How this language finds a field in a JSON event (default: exact key, then dotted path). */
  readonly resolveField?: FieldResolver;
  /**
   * Other readings of a rule's condition for the hunt, given the rule's canonical log sources: on an event also
   * recognised as `onlyWith`, the rule runs as `condition` instead of as written (a Sigma process creation rule over a
   * Security event 4688, whose fields have other names: `src/formats/sigma/securityAudit.ts`).
   */
  readonly huntReadings?: (logSources: readonly string[], condition: Expr, rule?: RuleRecord) => readonly HuntReading[];
}

/** A rule's condition as it reads the events of another log source (`FormatAdapter.huntReadings`). */
export interface HuntReading {
  readonly onlyWith: string;
  readonly condition: Expr;
  /** What the reading is, for output (`Security 4688's field names, as pySigma's windows-audit pipeline`). */
  readonly label: string;
  /** The log sources the reading runs on, when not the rule's own (a Defender XDR rule read over Sysmon events). */
  readonly logSources?: readonly string[];
  /** The language whose field resolution reads the events (`sigma`: a Windows event's EventData); default the rule's. */
  readonly readAsFormat?: Format;
  /**
   * The rule's aggregation as the reading reads it (its keys and counted fields by the events' names), counted apart
   * from the rule's own; absent: the reading shares the rule's (its fields have the same names on both).
   */
  readonly aggregation?: Aggregation;
}

/**
 * Does a rule (or one of its readings) run on an event of these log sources, as far as readings go: a reading only
 * where its `onlyWith` is, the rule as written nowhere one of its readings applies (`unless`).
 */
export function readingApplies(r: { readonly onlyWith?: string | undefined; readonly unless?: readonly string[] | undefined }, logSources: readonly string[]): boolean {
  return (r.onlyWith === undefined || logSources.includes(r.onlyWith)) && !(r.unless?.some((u) => logSources.includes(u)) ?? false);
}
