/**
 * Whether a YAML file with no marker around it is a Sublime rule: a document with a `name`, a `type` (every Sublime
 * rule file states one: rule, exclusion, triage_rule, query, dlp) and an MQL `source` text (Splunk's detections say
 * `search`, Sentinel's `query`, Sigma's `detection`; Splunk's data source files have a `source` too, but no `type`).
 */
import type { FormatSniffer } from '../adapter.ts';
import { someYamlMap } from '../sniff.ts';

export const MQL_SNIFF: FormatSniffer = {
  reads: ['.yml', '.yaml'],
  test: (f) => someYamlMap(f, (m) => typeof m.source === 'string' && typeof m.name === 'string' && typeof m.type === 'string' && m.search === undefined && m.query === undefined && m.detection === undefined),
};
