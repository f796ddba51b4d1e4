/**
 * Aho-Corasick multi-substring search: every pattern occurring in a text found in one pass over the text. The
 * hunt's substring prefilter (`substrings.ts`) runs one over a field's value for a small key set; compiled
 * predicates with many needles run one too.
 * Built as a full DFA over the patterns' own characters (any other character is one class), so the search is
 * one table read per character of the text: the table holds the next state's row offset, negated when a pattern
 * ends there.
 */
export class AhoCorasick {
  private readonly patterns: string[] = [];
  /** For `collectFolded`: the classes of ASCII letters with upper case read as lower case (patterns are lower-cased). */
  private folded?: Int32Array;
  private dfa?: Dfa;

  /** Add a pattern; returns its index. */
  add(pattern: string): number {
    if (this.dfa) throw new Error('automaton already built');
    this.patterns.push(pattern);
    return this.patterns.length - 1;
  }

  private build(): Dfa {
    // character classes: 0 = a character no pattern has
    const ascii = new Int32Array(128);
    const other = new Map<number, number>();
    let width = 1;
    const cls = (c: number): number => {
      if (c < 128) return ascii[c] || (ascii[c] = width++);
      let k = other.get(c);
      if (k === undefined) other.set(c, (k = width++));
      return k;
    };
    // trie
    const next: Map<number, number>[] = [new Map()];
    const outs: number[][] = [[]];
    this.patterns.forEach((p, id) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const k = cls(p.charCodeAt(i));
        let n = next[s]!.get(k);
        if (n === undefined) {
          n = next.length;
          next.push(new Map());
          outs.push([]);
          next[s]!.set(k, n);
        }
        s = n;
      }
      outs[s]!.push(id);
    });
    // DFA by breadth-first order: a missing transition follows the failure state's
    const n = next.length;
    const table = new Int32Array(n * width);
    const fail = new Int32Array(n);
    const queue: number[] = [];
    for (let k = 0; k < width; k++) {
      const t = next[0]!.get(k);
      if (t !== undefined) {
        table[k] = t;
        queue.push(t);
      }
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      const f = fail[s]!;
      if (outs[f]!.length) outs[s] = outs[s]!.concat(outs[f]!);
      // a missing transition is the failure state's (whose row is complete: it is shallower); then its own ones
      table.copyWithin(s * width, f * width, f * width + width);
      for (const [k, t] of next[s]!) {
        fail[t] = table[f * width + k]!;
        table[s * width + k] = t;
        queue.push(t);
      }
    }
    // row offsets instead of state numbers, negative when a pattern ends in the next state (state 0 never ends one)
    const final = (t: number) => outs[t]!.length > 0;
    for (let i = 0; i < table.length; i++) {
      const t = table[i]!;
      table[i] = final(t) ? -t * width : t * width;
    }
    return (this.dfa = { table, width, outs, ascii, other });
  }

  /** Whether any pattern occurs in the text (stops at the first). */
  has(text: string): boolean {
    const d = this.dfa ?? this.build();
    const { table, ascii } = d;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      s = table[s + (c < 128 ? ascii[c]! : nonAscii(d, c))]!;
      if (s < 0) return true;
    }
    return false;
  }

  /** Every pattern index occurring in the text, in text order, into `out` (emptied first); returns `out`. */
  collect(text: string, out: number[]): number[] {
    out.length = 0;
    run(this.dfa ?? this.build(), text, 0, out);
    return out;
  }

  /**
   * `collect` over a text as `normalise` (a lower-casing that maps each ASCII letter to its lower case, whatever
   * surrounds it) would make it, for lower-cased patterns: ASCII text is read as it is, an upper-case letter as its
   * lower case; from the first non-ASCII character on, the rest of the text is normalised and read.
   */
  collectFolded(text: string, out: number[], normalise: (s: string) => string): number[] {
    const d = this.dfa ?? this.build();
    const folded = (this.folded ??= foldAscii(d.ascii));
    const { table, width, outs } = d;
    out.length = 0;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 128) {
        run(d, normalise(text.slice(i)), s, out);
        return out;
      }
      s = table[s + folded[c]!]!;
      if (s < 0) {
        s = -s;
        const o = outs[(s / width) | 0]!;
        for (let j = 0; j < o.length; j++) out.push(o[j]!);
      }
    }
    return out;
  }

  /** Calls `hit` with the index of every pattern occurring in the text (a pattern may be reported more than once). */
  search(text: string, hit: (id: number) => void): void {
    for (const id of this.collect(text, [])) hit(id);
  }
}

/** Step the automaton over `text` from state `s`, pushing the pattern indexes found into `out`; returns the last state. */
function run(d: Dfa, text: string, s: number, out: number[]): number {
  const { table, width, ascii, outs } = d;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    s = table[s + (c < 128 ? ascii[c]! : nonAscii(d, c))]!;
    if (s < 0) {
      s = -s;
      const o = outs[(s / width) | 0]!;
      for (let j = 0; j < o.length; j++) out.push(o[j]!);
    }
  }
  return s;
}

interface Dfa {
  readonly table: Int32Array;
  readonly width: number;
  readonly outs: readonly (readonly number[])[];
  readonly ascii: Int32Array;
  readonly other: Map<number, number>;
}

function foldAscii(ascii: Int32Array): Int32Array {
  const f = Int32Array.from(ascii);
  for (let c = 65; c <= 90; c++) f[c] = ascii[c + 32]!;
  return f;
}

function nonAscii(d: Dfa, c: number): number {
  return d.other.get(c) ?? 0;
}
