/**
 * Whether a YAML file with no marker around it holds Sigma (a team's own rules kept as loose files, not in SigmaHQ's
 * layout): one document shaped as a Sigma rule (a `detection` map beside `logsource`) or correlation (a `correlation`
 * map with `rules`). Keys are Sigma's own, lower case: Panther's YAML detections say `Detection`, Splunk's `search`,
 * Sentinel's `query`.
 */
import type { FormatSniffer } from '../adapter.ts';
import { asMap, someYamlMap } from '../sniff.ts';

export const SIGMA_SNIFF: FormatSniffer = {
  reads: ['.yml', '.yaml'],
  test: (f) => someYamlMap(f, (m) => (asMap(m.detection) !== undefined && m.logsource !== undefined) || asMap(m.correlation)?.rules !== undefined),
};
