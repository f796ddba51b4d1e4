/**
 * Server-side syntax highlighting of rule bodies: a small scanner per language family (comments, strings, numbers,
 * keywords, YAML/TOML keys) that wraps tokens in `<span class>`; all text is escaped. It colours, it does not parse:
 * a language without facts (`HighlightFacts`, declared by the adapters) is shown escaped and plain.
 */
import type { HighlightFacts } from '../model/highlight.ts';
import { esc } from './html.ts';

/** Highlighted HTML (escaped) of a source text. */
export function highlight(text: string, lang: HighlightFacts | undefined): string {
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
