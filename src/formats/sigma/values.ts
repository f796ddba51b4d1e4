/**
 * Sigma string values: wildcards `*` (any run) and `?` (one character), escapes `\*`, `\?`, `\\` (a backslash
 * before any other character is a literal backslash, as in pySigma's SigmaString). A value is read into pieces,
 * the position modifiers add `*` at its edges, and the result is classified into the most specific operator
 * with the same meaning: eq (no wildcard), contains / starts_with / ends_with (wildcards only at the edges),
 * wildcard otherwise.
 */
import type { Operator } from '../../model/expr.ts';

export type Piece = { readonly kind: 'lit'; readonly text: string } | { readonly kind: 'star' } | { readonly kind: 'one' };

const SPECIAL = '*?\\';

/**
 * Read a Sigma string into literal text and wildcards. Literal text is taken in runs (slices between the special
 * characters), not a character at a time: a string grown by one character at a time is a chain of one V8 string
 * object per character past the first dozen (about 32 bytes each), and the values of a whole Sigma source are held
 * until its cross-file links are made.
 */
export function readSigmaString(s: string): Piece[] {
  const out: Piece[] = [];
  /** Literal text read before `from` (escapes resolved) and not yet pushed. */
  let lit = '';
  /** Where the current run of plain characters starts. */
  let from = 0;
  const flush = (end: number) => {
    const text = lit + s.slice(from, end);
    if (text) out.push({ kind: 'lit', text });
    lit = '';
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length && SPECIAL.includes(s[i + 1]!)) {
      // the escaped character starts the next run
      lit += s.slice(from, i);
      from = ++i;
    } else if (c === '*' || c === '?') {
      flush(i);
      out.push({ kind: c === '*' ? 'star' : 'one' });
      from = i + 1;
    }
  }
  flush(s.length);
  return out;
}

export function hasWildcard(pieces: readonly Piece[]): boolean {
  return pieces.some((p) => p.kind !== 'lit');
}

/** Add `*` on the sides a position modifier asks for, merge literals and collapse runs of `*`. */
export function wrapPieces(pieces: readonly Piece[], wrap: 'both' | 'start' | 'end' | undefined): Piece[] {
  const all: Piece[] = [];
  if (wrap === 'both' || wrap === 'start') all.push({ kind: 'star' });
  all.push(...pieces);
  if (wrap === 'both' || wrap === 'end') all.push({ kind: 'star' });
  const out: Piece[] = [];
  for (const p of all) {
    const last = out[out.length - 1];
    if (p.kind === 'star' && last?.kind === 'star') continue;
    if (p.kind === 'lit' && last?.kind === 'lit') {
      out[out.length - 1] = { kind: 'lit', text: last.text + p.text };
      continue;
    }
    out.push(p);
  }
  return out;
}

/** The model glob for pieces: `*`, `?`, and `\` escaping a literal `*`, `?` or a backslash that precedes one. */
export function toGlob(pieces: readonly Piece[]): string {
  // parts joined once (a flat string), as in readSigmaString
  const out: string[] = [];
  pieces.forEach((p, idx) => {
    if (p.kind === 'star') out.push('*');
    else if (p.kind === 'one') out.push('?');
    else {
      const next = pieces[idx + 1];
      const t = p.text;
      let from = 0;
      for (let i = 0; i < t.length; i++) {
        const c = t[i]!;
        if (c !== '*' && c !== '?' && c !== '\\') continue;
        out.push(t.slice(from, i));
        from = i + 1;
        if (c === '*' || c === '?') out.push('\\' + c);
        else {
          // escape only where the glob reader would otherwise take it as an escape
          const following = i + 1 < t.length ? t[i + 1]! : next ? (next.kind === 'star' ? '*' : next.kind === 'one' ? '?' : '') : '';
          out.push(SPECIAL.includes(following) && following !== '' ? '\\\\' : '\\');
        }
      }
      out.push(t.slice(from));
    }
  });
  return out.join('');
}

/** The operator and value with the same meaning as the pieces (a whole-value match). */
export function classify(pieces: readonly Piece[]): { op: Operator; value: string } {
  const n = pieces.length;
  if (n === 0) return { op: 'eq', value: '' };
  const first = pieces[0]!;
  const last = pieces[n - 1]!;
  if (n === 1 && first.kind === 'lit') return { op: 'eq', value: first.text };
  if (n === 2 && first.kind === 'lit' && last.kind === 'star') return { op: 'starts_with', value: first.text };
  if (n === 2 && first.kind === 'star' && last.kind === 'lit') return { op: 'ends_with', value: last.text };
  if (n === 3 && first.kind === 'star' && last.kind === 'star' && pieces[1]!.kind === 'lit') return { op: 'contains', value: (pieces[1] as { text: string }).text };
  return { op: 'wildcard', value: toGlob(pieces) };
}

/** Literal text of pieces without wildcards (undefined when there is one). */
export function literalOf(pieces: readonly Piece[]): string | undefined {
  if (hasWildcard(pieces)) return undefined;
  return pieces.map((p) => (p.kind === 'lit' ? p.text : '')).join('');
}
