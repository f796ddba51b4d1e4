/** How the wiki colours the bodies of this adapter: Sigma rules are YAML (the shared facts). */
import { COMMON_HIGHLIGHT, type HighlightFacts } from '../../model/highlight.ts';

export const SIGMA_HIGHLIGHT: Readonly<Record<string, HighlightFacts>> = COMMON_HIGHLIGHT;
