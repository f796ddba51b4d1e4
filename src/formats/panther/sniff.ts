/** Whether a YAML file with no marker around it is a Panther analysis file: a document with an `AnalysisType`. */
import type { FormatSniffer } from '../adapter.ts';
import { asMap } from '../sniff.ts';

export const PANTHER_SNIFF: FormatSniffer = {
  reads: ['.yml', '.yaml'],
  test: (f) => f.yamlDocs().some((d) => typeof asMap(d)?.AnalysisType === 'string'),
};
