/** Whether a YAML file with no marker around it is a Panther analysis file: a document with an `AnalysisType`. */
import type { FormatSniffer } from '../adapter.ts';
import { someYamlMap } from '../sniff.ts';

export const PANTHER_SNIFF: FormatSniffer = {
  reads: ['.yml', '.yaml'],
  test: (f) => someYamlMap(f, (m) => typeof m.AnalysisType === 'string'),
};
