/** Static tables of the Splunk security_content layout (data, not code). */
import type { Kind } from '../../model/facts.ts';

/** Top-level folders and what their files are. */
export const FOLDER_FACTS: Readonly<Record<string, { role: 'detection' | 'baseline' | 'macro' | 'skip'; reason?: string }>> = {
  detections: { role: 'detection' },
  baselines: { role: 'baseline' },
  macros: { role: 'macro' },
  lookups: { role: 'skip', reason: 'lookup definition (not a rule)' },
  stories: { role: 'skip', reason: 'analytic story metadata (groups detections; not a rule)' },
  data_sources: { role: 'skip', reason: 'data source description (not a rule)' },
};

/** security_content `type:` onto kinds, with the reason shown on the page. */
export const TYPE_KINDS: Readonly<Record<string, { kind: Kind; reason: string }>> = {
  ttp: { kind: 'detection', reason: 'Splunk type TTP: raises a notable for a specific adversary technique' },
  anomaly: { kind: 'signal', reason: 'Splunk type Anomaly: writes a risk event for risk-based alerting and raises no notable on its own' },
  hunting: { kind: 'hunting', reason: 'Splunk type Hunting: a search for an analyst to run, not an alert' },
  correlation: { kind: 'correlation', reason: 'Splunk type Correlation: alerts on risk events aggregated from other detections' },
  baseline: { kind: 'enrichment', reason: 'Splunk baseline: builds a lookup other detections read' },
};
