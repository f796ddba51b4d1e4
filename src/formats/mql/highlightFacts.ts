/** How the wiki colours the bodies of this adapter: Sublime MQL bodies (the rule YAML uses the shared facts). */
import { COMMON_HIGHLIGHT, words, type HighlightFacts } from '../../model/highlight.ts';

const MQL: HighlightFacts = { line: ['//'], quotes: ['"', "'"], keywords: words('and or not any all in length type inbound outbound internal null true false'), ci: false };

export const MQL_HIGHLIGHT: Readonly<Record<string, HighlightFacts>> = { ...COMMON_HIGHLIGHT, mql: MQL };
