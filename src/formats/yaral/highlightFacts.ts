/** How the wiki colours the bodies of this adapter: YARA-L bodies. */
import { COMMON_HIGHLIGHT, words, type HighlightFacts } from '../../model/highlight.ts';

const YARAL: HighlightFacts = { line: ['//'], block: ['/*', '*/'], quotes: ['"', '`'], keywords: words('rule meta events match outcome condition options over and or not nocase any all if count count_distinct max min sum array array_distinct by re net strings'), ci: false };

export const YARAL_HIGHLIGHT: Readonly<Record<string, HighlightFacts>> = { ...COMMON_HIGHLIGHT, yaral: YARAL, 'yara-l': YARAL };
