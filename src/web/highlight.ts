/**
 * Server-side syntax highlighting of rule bodies: a small scanner per language family (comments, strings, numbers,
 * keywords, YAML/TOML keys) that wraps tokens in `<span class>`; all text is escaped. It colours, it does not parse:
 * an unknown language is shown escaped and plain.
 */
import { esc } from './html.ts';

interface LangFacts {
  readonly line: readonly string[];
  readonly block?: readonly [string, string];
  readonly quotes: readonly string[];
  readonly triple?: boolean;
  readonly keywords: ReadonlySet<string>;
  readonly ci: boolean;
  /** `key:` (YAML) or `key =` (TOML) at the start of a line is a key. */
  readonly keys?: 'yaml' | 'toml';
}

const words = (s: string) => new Set(s.split(/\s+/).filter(Boolean));

const LANGS: Readonly<Record<string, LangFacts>> = {
  yaml: { line: ['#'], quotes: ['"', "'"], keywords: words('true false null yes no'), ci: true, keys: 'yaml' },
  toml: { line: ['#'], quotes: ['"', "'"], triple: true, keywords: words('true false'), ci: false, keys: 'toml' },
  python: { line: ['#'], quotes: ['"', "'"], triple: true, keywords: words('def return if elif else for while in not and or is None True False import from as class lambda try except finally with pass break continue yield global raise'), ci: false },
  kql: { line: ['//'], quotes: ['"', "'"], keywords: words('let where project extend summarize by join on kind union table datatable distinct sort order top take limit and or not has has_any has_all contains startswith endswith in between ago now count dcount make_set make_list bin iff isnotempty isempty tolower toupper parse mv-expand lookup materialize invoke evaluate inner leftouter rightanti leftanti innerunique'), ci: true },
  spl: { line: [], block: ['```', '```'], quotes: ['"', '`'], keywords: words('search where eval stats tstats table fields rename lookup by as and or not from datamodel count values dc min max sum avg earliest latest span bin dedup sort head tail rex regex inputlookup outputlookup join append'), ci: true },
  eql: { line: ['//'], block: ['/*', '*/'], quotes: ['"', "'"], keywords: words('sequence by with maxspan until where and or not in any process file network registry library dns true false null like regex'), ci: true },
  esql: { line: ['//'], block: ['/*', '*/'], quotes: ['"'], keywords: words('from where eval stats by keep drop sort limit and or not in like rlike is null desc asc rename dissect grok mv_expand enrich'), ci: true },
  kuery: { line: [], quotes: ['"'], keywords: words('and or not'), ci: true },
  lucene: { line: [], quotes: ['"'], keywords: words('AND OR NOT TO'), ci: false },
  yaral: { line: ['//'], block: ['/*', '*/'], quotes: ['"', '`'], keywords: words('rule meta events match outcome condition options over and or not nocase any all if count count_distinct max min sum array array_distinct by re net strings'), ci: false },
  mql: { line: ['//'], quotes: ['"', "'"], keywords: words('and or not any all in length type inbound outbound internal null true false'), ci: false },
  sql: { line: ['--'], block: ['/*', '*/'], quotes: ["'", '"'], keywords: words('select from where and or not in is null group by order having limit as join left right inner outer on with case when then else end distinct count union all like ilike between exists'), ci: true },
  json: { line: [], quotes: ['"'], keywords: words('true false null'), ci: false },
};
const ALIASES: Readonly<Record<string, string>> = { yml: 'yaml', py: 'python', kusto: 'kql', eql: 'eql', esql: 'esql', 'es|ql': 'esql', splunk: 'spl', mql: 'mql', yaral: 'yaral', 'yara-l': 'yaral' };

/** Highlighted HTML (escaped) of a source text. */
export function highlight(text: string, language: string): string {
  const lang = LANGS[ALIASES[language.toLowerCase()] ?? language.toLowerCase()];
  if (!lang || text.length > 1_000_000) return esc(text);
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  let lineStart = true;
  const span = (cls: string, s: string) => out.push(`<span class="${cls}">${esc(s)}</span>`);
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      out.push('\n');
      lineStart = true;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      let j = i;
      while (j < n && (text[j] === ' ' || text[j] === '\t' || text[j] === '\r')) j++;
      out.push(text.slice(i, j));
      i = j;
      continue;
    }
    const lc = lang.line.find((p) => text.startsWith(p, i));
    if (lc) {
      let j = text.indexOf('\n', i);
      if (j < 0) j = n;
      span('c', text.slice(i, j));
      i = j;
      continue;
    }
    if (lang.block && text.startsWith(lang.block[0], i)) {
      let j = text.indexOf(lang.block[1], i + lang.block[0].length);
      j = j < 0 ? n : j + lang.block[1].length;
      span('c', text.slice(i, j));
      i = j;
      continue;
    }
    if (lang.quotes.includes(c)) {
      const triple = lang.triple && text.startsWith(c.repeat(3), i) ? c.repeat(3) : undefined;
      let j = i + (triple ? 3 : 1);
      while (j < n) {
        if (triple ? text.startsWith(triple, j) : text[j] === c) break;
        if (!triple && text[j] === '\n' && lang.keys) break;
        if (text[j] === '\\' && c !== "'" ) j++;
        j++;
      }
      j = Math.min(n, j + (triple ? 3 : 1));
      span('s', text.slice(i, j));
      lineStart = false;
      i = j;
      continue;
    }
    if (isWordChar(c)) {
      let j = i;
      while (j < n && (isWordChar(text[j]!) || (lang.keys && (text[j] === '-' || text[j] === '.')))) j++;
      const w = text.slice(i, j);
      let k = j;
      while (k < n && (text[k] === ' ' || text[k] === '\t')) k++;
      if (lineStart && lang.keys === 'yaml' && text[k] === ':') span('k', w);
      else if (lineStart && lang.keys === 'toml' && text[k] === '=') span('k', w);
      else if (/^\d/.test(w) && /^[\d.]+$/.test(w)) span('n', w);
      else if (lang.keywords.has(lang.ci ? w.toLowerCase() : w)) span('kw', w);
      else out.push(esc(w));
      lineStart = false;
      i = j;
      continue;
    }
    if (c === '-' && lineStart && lang.keys === 'yaml') {
      out.push('-');
      i++;
      continue; // list item: the key after it is still at "line start"
    }
    out.push(esc(c));
    lineStart = false;
    i++;
  }
  return out.join('');
}

function isWordChar(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_' || c === '$';
}
