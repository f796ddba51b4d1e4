/**
 * How the wiki colours a body language (comments, strings, numbers, keywords, YAML / TOML keys): data each adapter
 * declares for the languages of the bodies it produces (`FormatAdapter.highlight`). Colouring is not parsing: an
 * unknown language is shown plain.
 */
export interface HighlightFacts {
  /** Line-comment starts. */
  readonly line: readonly string[];
  /** Block-comment delimiters. */
  readonly block?: readonly [string, string];
  readonly quotes: readonly string[];
  /** Triple-quoted strings (Python, TOML). */
  readonly triple?: boolean;
  readonly keywords: ReadonlySet<string>;
  /** Keywords are case-insensitive. */
  readonly ci: boolean;
  /** `key:` (YAML) or `key =` (TOML) at the start of a line is a key. */
  readonly keys?: 'yaml' | 'toml';
}

/** A keyword set from a space-separated list. */
export const words = (s: string): ReadonlySet<string> => new Set(s.split(/\s+/).filter(Boolean));

/** Languages shared by several adapters' bodies. */
const YAML: HighlightFacts = { line: ['#'], quotes: ['"', "'"], keywords: words('true false null yes no'), ci: true, keys: 'yaml' };

export const COMMON_HIGHLIGHT: Readonly<Record<string, HighlightFacts>> = {
  yaml: YAML,
  yml: YAML,
  toml: { line: ['#'], quotes: ['"', "'"], triple: true, keywords: words('true false'), ci: false, keys: 'toml' },
  json: { line: [], quotes: ['"'], keywords: words('true false null'), ci: false },
};
