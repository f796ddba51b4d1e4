/** Static tables of the sublime-rules layout (data, not code). */
import type { Kind } from '../../model/facts.ts';

/** `type:` of a Sublime YAML (with the folder for `rule`) onto kinds, with the reason shown on the page. */
export function kindOf(type: string, folder: string): { kind: Kind; reason: string } {
  switch (type) {
    case 'rule':
      return folder === 'discovery-rules'
        ? { kind: 'hunting', reason: 'Sublime discovery rule: surfaces messages for review, not a verdict' }
        : { kind: 'detection', reason: 'Sublime detection rule (type: rule)' };
    case 'query':
      return { kind: 'enrichment', reason: 'Sublime query (insight): annotates messages for other rules and analysts' };
    case 'dlp':
      return { kind: 'hunting', reason: 'Sublime DLP discovery rule: flags outbound data for review' };
    case 'triage_rule':
      return { kind: 'enrichment', reason: 'Sublime triage rule: routes user reports, raises no detection' };
    case 'exclusion':
      return { kind: 'enrichment', reason: 'Sublime exclusion: suppresses other rules on matching messages' };
    default:
      return { kind: 'detection', reason: `Sublime type ${type || '(none)'}: treated as a detection` };
  }
}

/** Every MQL rule reads Sublime's Message Data Model. */
export const MQL_LOG_SOURCE = { kind: 'data_model', name: 'Sublime message data model (email)' } as const;
