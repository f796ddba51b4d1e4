/** How the wiki colours the bodies of this adapter: SPL bodies. */
import { COMMON_HIGHLIGHT, words, type HighlightFacts } from '../../model/highlight.ts';

const SPL: HighlightFacts = { line: [], block: ['```', '```'], quotes: ['"', '`'], keywords: words('search where eval stats tstats table fields rename lookup by as and or not from datamodel count values dc min max sum avg earliest latest span bin dedup sort head tail rex regex inputlookup outputlookup join append'), ci: true };

export const SPLUNK_HIGHLIGHT: Readonly<Record<string, HighlightFacts>> = { ...COMMON_HIGHLIGHT, spl: SPL, splunk: SPL };
