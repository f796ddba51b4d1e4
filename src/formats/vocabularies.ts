/**
 * Each language's vocabulary (canonical log sources and field names, `src/model/vocabulary`), one line per
 * language, beside the adapters registry.
 */
import type { Format } from '../model/facts.ts';
import type { Vocabulary } from '../model/vocabulary/canonical.ts';
import { elasticVocabulary } from './elastic/vocabulary.ts';
import { kustoVocabulary } from './kusto/vocabulary.ts';
import { mqlVocabulary } from './mql/vocabulary.ts';
import { pantherVocabulary } from './panther/vocabulary.ts';
import { sigmaVocabulary } from './sigma/vocabulary.ts';
import { splunkVocabulary } from './splunk/vocabulary.ts';
import { yaralVocabulary } from './yaral/vocabulary.ts';

export const VOCABULARIES = {
  panther: pantherVocabulary,
  sigma: sigmaVocabulary,
  kusto: kustoVocabulary,
  splunk: splunkVocabulary,
  elastic: elasticVocabulary,
  yaral: yaralVocabulary,
  mql: mqlVocabulary,
} satisfies Partial<Record<Format, Vocabulary>>;

export function vocabularyFor(format: Format): Vocabulary | undefined {
  return (VOCABULARIES as Partial<Record<Format, Vocabulary>>)[format];
}
