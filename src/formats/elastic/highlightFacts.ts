/** How the wiki colours the bodies of this adapter: Elastic query languages (the TOML file uses the shared facts). */
import { COMMON_HIGHLIGHT, words, type HighlightFacts } from '../../model/highlight.ts';

const EQL: HighlightFacts = { line: ['//'], block: ['/*', '*/'], quotes: ['"', "'"], keywords: words('sequence by with maxspan until where and or not in any process file network registry library dns true false null like regex'), ci: true };
const ESQL: HighlightFacts = { line: ['//'], block: ['/*', '*/'], quotes: ['"'], keywords: words('from where eval stats by keep drop sort limit and or not in like rlike is null desc asc rename dissect grok mv_expand enrich'), ci: true };
const KUERY: HighlightFacts = { line: [], quotes: ['"'], keywords: words('and or not'), ci: true };
const LUCENE: HighlightFacts = { line: [], quotes: ['"'], keywords: words('AND OR NOT TO'), ci: false };

export const ELASTIC_HIGHLIGHT: Readonly<Record<string, HighlightFacts>> = { ...COMMON_HIGHLIGHT, eql: EQL, esql: ESQL, kuery: KUERY, lucene: LUCENE, 'es|ql': ESQL };
