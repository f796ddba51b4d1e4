/**
 * Aho-Corasick multi-substring search: every pattern occurring in a text found in one pass over the text. The
 * hunt's substring prefilter runs one automaton per (log source, field) over the event's lower-cased value.
 * Built as a full DFA over the patterns' own characters (any other character is one class), so the search is
 * one table read per character of the text.
 */
export class AhoCorasick {
  private readonly patterns: string[] = [];
  /**
   * `approximate`: every non-ASCII character is one of 8 classes (by its code), so the table stays small; a
   * pattern may then be reported where another non-ASCII character stands in the text (a prefilter's false
   * positive), never missed.
   */
  constructor(private readonly approximate = false) {}
  private dfa?: { table: Int32Array; width: number; out: (readonly number[] | undefined)[]; ascii: Int32Array; other: Map<number, number>; bucketed: boolean };

  /** Add a pattern; returns its index. */
  add(pattern: string): number {
    if (this.dfa) throw new Error('automaton already built');
    this.patterns.push(pattern);
    return this.patterns.length - 1;
  }

  private build(): NonNullable<AhoCorasick['dfa']> {
    // character classes: 0 = a character no pattern has
    const ascii = new Int32Array(128);
    const other = new Map<number, number>();
    let width = 1;
    const cls = (c: number): number => {
      if (c < 128) return ascii[c] || (ascii[c] = width++);
      if (this.approximate) c = 0x10000 + (c & 7);
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
    const out = outs.map((o) => (o.length ? o : undefined));
    if (this.approximate) {
      // the text's non-ASCII characters are looked up by their bucket
      const buckets = new Map<number, number>();
      for (let b = 0; b < 8; b++) buckets.set(b, other.get(0x10000 + b) ?? 0);
      return (this.dfa = { table, width, out, ascii, other: buckets, bucketed: true });
    }
    return (this.dfa = { table, width, out, ascii, other, bucketed: false });
  }

  /** Whether any pattern occurs in the text (stops at the first). */
  has(text: string): boolean {
    const { table, width, out, ascii, other, bucketed } = this.dfa ?? this.build();
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      s = table[s * width + (c < 128 ? ascii[c]! : (other.get(bucketed ? c & 7 : c) ?? 0))]!;
      if (out[s] !== undefined) return true;
    }
    return false;
  }

  /** Every pattern index occurring in the text, in text order, into `out` (emptied first); returns `out`. */
  collect(text: string, out: number[]): number[] {
    const { table, width, out: outs, ascii, other, bucketed } = this.dfa ?? this.build();
    out.length = 0;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      s = table[s * width + (c < 128 ? ascii[c]! : (other.get(bucketed ? c & 7 : c) ?? 0))]!;
      const o = outs[s];
      if (o !== undefined) for (let j = 0; j < o.length; j++) out.push(o[j]!);
    }
    return out;
  }

  /** Calls `hit` with the index of every pattern occurring in the text (a pattern may be reported more than once). */
  search(text: string, hit: (id: number) => void): void {
    const { table, width, out, ascii, other, bucketed } = this.dfa ?? this.build();
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const k = c < 128 ? ascii[c]! : (other.get(bucketed ? c & 7 : c) ?? 0);
      s = table[s * width + k]!;
      const o = out[s];
      if (o !== undefined) for (let j = 0; j < o.length; j++) hit(o[j]!);
    }
  }
}
