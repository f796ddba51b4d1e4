/** How the wiki colours the bodies of this adapter: Panther bodies: the spec YAML (shared facts), the Python body and the SQL of queries. */
import { COMMON_HIGHLIGHT, words, type HighlightFacts } from '../../model/highlight.ts';

const PYTHON: HighlightFacts = { line: ['#'], quotes: ['"', "'"], triple: true, keywords: words('def return if elif else for while in not and or is None True False import from as class lambda try except finally with pass break continue yield global raise'), ci: false };
const SQL: HighlightFacts = { line: ['--'], block: ['/*', '*/'], quotes: ["'", '"'], keywords: words('select from where and or not in is null group by order having limit as join left right inner outer on with case when then else end distinct count union all like ilike between exists'), ci: true };

export const PANTHER_HIGHLIGHT: Readonly<Record<string, HighlightFacts>> = { ...COMMON_HIGHLIGHT, python: PYTHON, sql: SQL, py: PYTHON };
