/** How the wiki colours the bodies of this adapter: KQL bodies (Sentinel YAML and Defender Markdown use the shared facts). */
import { COMMON_HIGHLIGHT, words, type HighlightFacts } from '../../model/highlight.ts';

const KQL: HighlightFacts = { line: ['//'], quotes: ['"', "'"], keywords: words('let where project extend summarize by join on kind union table datatable distinct sort order top take limit and or not has has_any has_all contains startswith endswith in between ago now count dcount make_set make_list bin iff isnotempty isempty tolower toupper parse mv-expand lookup materialize invoke evaluate inner leftouter rightanti leftanti innerunique'), ci: true };

export const KUSTO_HIGHLIGHT: Readonly<Record<string, HighlightFacts>> = { ...COMMON_HIGHLIGHT, kql: KQL, kusto: KQL };
