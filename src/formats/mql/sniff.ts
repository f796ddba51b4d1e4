/**
 * Whether a YAML file with no marker around it is a Sublime rule: a document with a `name` and an MQL `source` text
 * (Splunk's detections say `search`, Sentinel's `query`, Sigma's `detection`).
 */
import type { FormatSniffer } from '../adapter.ts';
import { asMap } from '../sniff.ts';

export const MQL_SNIFF: FormatSniffer = {
  reads: ['.yml', '.yaml'],
  test: (f) =>
    f.yamlDocs().some((d) => {
      const m = asMap(d);
      return m !== undefined && typeof m.source === 'string' && typeof m.name === 'string' && m.search === undefined && m.query === undefined && m.detection === undefined;
    }),
};
