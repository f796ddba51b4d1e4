/**
 * MQL's vocabulary: every Sublime rule reads email messages through the Message Data Model, whose field paths are
 * the canonical email fields (`sender.email.domain.root_domain`, `attachments[].file_extension`…); array element
 * access is written without the index.
 */
import type { Vocabulary } from '../../model/vocabulary/canonical.ts';

export const mqlVocabulary: Vocabulary = {
  logSources: () => ['email'],
  // the Message Data Model's paths are the canonical email fields
  raw: ['email'],
  normalizeField: (f) => f.replace(/\[\d*\]/g, '').replace(/^\./, ''),
  fields: {},
};
