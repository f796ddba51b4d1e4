/**
 * Offsets of a YAML scalar's value back to its file: the search of a detection is a quoted, plain or block scalar
 * whose lines YAML folds (and whose `''` / `\"` escapes it decodes), so an offset in the value is not the offset
 * in the file plus a constant. The scalar is decoded again here, recording where each character came from, and the
 * result is checked against the value the YAML parser produced; when they differ (a construct this small decoder
 * does not know) offsets fall back to the scalar's start plus the offset, clamped to the scalar.
 */
import type { Scalar } from 'yaml';

export function scalarMapper(text: string, node: Scalar): (o: number) => number {
  const [start, valueEnd] = [node.range?.[0] ?? 0, node.range?.[1] ?? text.length];
  const value = String(node.value ?? '');
  const decoded = decode(text, start, valueEnd, node.type);
  if (decoded && decoded.text === value) {
    const map = decoded.map;
    return (o) => (o < map.length ? map[o]! : o === map.length && map.length ? map[map.length - 1]! + 1 : Math.min(start + o, text.length));
  }
  const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
  return (o) => Math.min(start + quoted + o, valueEnd);
}

function decode(text: string, start: number, end: number, type: Scalar['type']): { text: string; map: number[] } | undefined {
  if (type === 'QUOTE_SINGLE' || type === 'QUOTE_DOUBLE' || type === 'PLAIN') return decodeFlow(text, start, end, type);
  if (type === 'BLOCK_LITERAL' || type === 'BLOCK_FOLDED') return decodeBlock(text, start, end, type === 'BLOCK_FOLDED');
  return undefined;
}

function decodeFlow(text: string, start: number, end: number, type: Scalar['type']): { text: string; map: number[] } {
  const quote = type === 'QUOTE_SINGLE' ? "'" : type === 'QUOTE_DOUBLE' ? '"' : '';
  let i = start + quote.length;
  const stop = end - quote.length;
  let out = '';
  const map: number[] = [];
  const push = (c: string, at: number) => {
    out += c;
    map.push(at);
  };
  while (i < stop) {
    const c = text[i]!;
    if (c === '\r' || c === '\n') {
      // fold: trailing blanks dropped, leading blanks of the next lines skipped, empty lines kept as newlines
      while (out.length && (out.endsWith(' ') || out.endsWith('\t'))) {
        out = out.slice(0, -1);
        map.pop();
      }
      const breakAt = i;
      let empties = 0;
      while (i < stop && (text[i] === '\r' || text[i] === '\n' || text[i] === ' ' || text[i] === '\t')) {
        if (text[i] === '\n') empties++;
        i++;
      }
      if (empties > 1) for (let k = 1; k < empties; k++) push('\n', breakAt);
      else push(' ', breakAt);
      continue;
    }
    if (quote === "'" && c === "'" && text[i + 1] === "'") {
      push("'", i);
      i += 2;
      continue;
    }
    if (quote === '"' && c === '\\') {
      const n = text[i + 1];
      if (n === '\n' || n === '\r') {
        i += 2;
        while (i < stop && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
        continue;
      }
      const esc: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '/': '/', '0': '\0', ' ': ' ', a: '\x07', b: '\b', e: '\x1b', f: '\f', v: '\v' };
      if (n !== undefined && esc[n] !== undefined) {
        push(esc[n]!, i);
        i += 2;
        continue;
      }
      return { text: '\u0000mismatch', map };
    }
    push(c, i);
    i++;
  }
  return { text: out, map };
}

function decodeBlock(text: string, start: number, end: number, folded: boolean): { text: string; map: number[] } | undefined {
  const header = text.indexOf('\n', start);
  if (header < 0) return undefined;
  const lines: { at: number; s: string }[] = [];
  let p = header + 1;
  while (p < end) {
    let e = text.indexOf('\n', p);
    if (e < 0 || e > end) e = end;
    lines.push({ at: p, s: text.slice(p, e).replace(/\r$/, '') });
    p = e + 1;
  }
  const first = lines.find((l) => l.s.trim());
  if (!first) return undefined;
  const indent = first.s.length - first.s.trimStart().length;
  let out = '';
  const map: number[] = [];
  lines.forEach((l, k) => {
    const body = l.s.slice(Math.min(indent, l.s.length));
    for (let j = 0; j < body.length; j++) {
      out += body[j];
      map.push(l.at + indent + j);
    }
    if (k < lines.length - 1) {
      const next = lines[k + 1]!;
      const sep = folded && l.s.trim() && next.s.trim() && !next.s.slice(indent).startsWith(' ') && !body.startsWith(' ') ? ' ' : '\n';
      out += sep;
      map.push(l.at + l.s.length);
    }
  });
  // clip (default chomping): one final newline
  out = out.replace(/\n*$/, '\n');
  return { text: out, map: map.slice(0, out.length) };
}
