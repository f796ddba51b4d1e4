/**
 * Whether a file with no marker around it is Splunk's: a YAML (or JSON) document shaped as a security_content
 * detection or a saved search (a `name` and a `search` text; Sublime's rules say `source`, Sentinel's `query`), or a
 * `savedsearches.conf` with a search in it, or Markdown with a code block labelled `spl` or `splunk`.
 */
import type { FormatSniffer } from '../adapter.ts';
import { someYamlMap } from '../sniff.ts';
import { parseSavedSearches } from './savedSearches.ts';
import { markdownTokens } from '../markdown.ts';
import { isSplBlock } from './markdown.ts';

/**
 * A YAML or JSON mapping shaped as a Splunk detection or saved search: a `name` and a `search` text, no `source`; or
 * an Anvilogic Armory rule whose logic is SPL (`isArmoryShaped`, `logic_format: Splunk`).
 */
export function isDetectionShaped(m: Readonly<Record<string, unknown>>): boolean {
  return (typeof m.search === 'string' && typeof m.name === 'string' && m.source === undefined) || (isArmoryShaped(m) && isSplLogic(m));
}

/**
 * Anvilogic's Armory layout: one rule per YAML file, with a `title`, its `logic` and the language that is in
 * (`logic_format`: Splunk, or snowflake for Snowflake SQL), `technique_id`, `techniques` (tactic:technique name),
 * `data_category`, `references`.
 */
export function isArmoryShaped(m: Readonly<Record<string, unknown>>): m is Readonly<Record<string, unknown>> & { title: string; logic: string; logic_format: string } {
  return typeof m.title === 'string' && typeof m.logic === 'string' && typeof m.logic_format === 'string';
}

/** An Armory rule whose logic is SPL. */
export const isSplLogic = (m: { logic_format: string }): boolean => m.logic_format.trim().toLowerCase() === 'splunk';

export const SPLUNK_SNIFF: FormatSniffer = {
  reads: ['.yml', '.yaml', '.json', '.conf', '.md'],
  test(f) {
    // Markdown claimed only for a code block labelled SPL: Markdown holds all kinds of code
    if (f.ext === '.md') return markdownTokens(f.text).some(isSplBlock);
    if (f.ext === '.conf') return f.name === 'savedsearches.conf' && parseSavedSearches(f.name, f.text, { repository: 'sniff' }, new Map()).rules.length > 0;
    return someYamlMap(f, isDetectionShaped);
  },
};
