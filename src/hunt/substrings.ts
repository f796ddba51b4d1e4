/**
 * Which of many lower-cased keys occur in a lower-cased text, for the hunt's substring prefilter. A key of 4
 * characters or more is found through one 4-character gram of it (chosen so that few keys share a gram): the text's
 * grams are hashed as it is read into a small table (a few hundred kilobytes at most, so reads hit the cache, unlike a
 * full automaton over thousands of keys), and a gram found is confirmed by comparing the whole key at its place.
 * Shorter keys go to a small Aho-Corasick automaton (those with a character outside ASCII to one of their own, read only
 * for a text that has such a character). A set whose automaton is small (it fits the cache) is one
 * automaton over every key instead, which reads ASCII text without lower-casing it first. A set whose keys are all
 * 6 characters or longer (Sigma's keyword lists, hashes) reads grams only every `shortest - 3` characters, every gram
 * of every key indexed (`Sampled`). Exact: a key is reported
 * where it occurs (maybe more than once).
 */
import { norm } from '../model/compile.ts';
import { AhoCorasick } from './ahoCorasick.ts';
import { ASCII } from '../model/ascii.ts';

/** A set whose automaton table has at most this many entries is searched by the automaton alone. */
const SMALL_TABLE = 1 << 16;

const GRAM = 4;

/** A set whose keys are all at least this long is read by sampled grams (see `Sampled`). */
const SAMPLED_FROM = GRAM + 2;

export class SubstringSet {
  private readonly short: AhoCorasick | undefined;
  /** Short key slot → key index. */
  private readonly shortKeys: Int32Array;
  /**
   * Short keys with a character outside ASCII (Sigma's windash dashes, utf16 values) in an automaton of their own:
   * one class per such character made the ASCII keys' automaton rows kilobytes wide (a table of megabytes, a cache
   * miss a character read), and an ASCII text, most of them, cannot hold these keys (it is not searched for them).
   */
  private readonly shortWide: AhoCorasick | undefined;
  private readonly shortWideKeys: Int32Array;
  /** The long keys' gram table (see `GramTable`). */
  private readonly table: Int32Array;
  private readonly shift: number;
  /** Bit b set when bucket b has entries. */
  private readonly occupied: Uint32Array;
  private readonly hits: number[] = [];
  /** The automaton over every key, for a small set. */
  private readonly whole: AhoCorasick | undefined;
  /** Every key long: grams read only every few characters. */
  private readonly sampled: Sampled | undefined;

  constructor(private readonly keys: readonly string[]) {
    let min = Infinity;
    for (const k of keys) min = Math.min(min, k.length);
    if (keys.length && min >= SAMPLED_FROM) {
      this.sampled = new Sampled(keys, min);
      keys = [];
    }
    // the automaton's table is at most (trie nodes) x (distinct characters + 1): sized without building it
    let nodes = 1;
    const chars = new Set<number>();
    for (const k of keys) {
      nodes += k.length;
      for (let i = 0; i < k.length; i++) chars.add(k.charCodeAt(i));
    }
    const small = !this.sampled && nodes * (chars.size + 1) <= SMALL_TABLE;
    if (small) {
      this.whole = new AhoCorasick();
      for (const k of keys) this.whole.add(k);
    }
    const shortKeys: number[] = [];
    const shortWide: number[] = [];
    const long: number[] = [];
    if (small) keys = [];
    keys.forEach((k, i) => (k.length >= GRAM ? long : ASCII.test(k) ? shortKeys : shortWide).push(i));
    if (shortKeys.length) {
      this.short = new AhoCorasick();
      for (const i of shortKeys) this.short.add(keys[i]!);
    }
    this.shortKeys = Int32Array.from(shortKeys);
    if (shortWide.length) {
      this.shortWide = new AhoCorasick();
      for (const i of shortWide) this.shortWide.add(keys[i]!);
    }
    this.shortWideKeys = Int32Array.from(shortWide);
    // each long key's gram: the one fewest keys contain (a gram common in keys is likely common in text too), then
    // the one fewest keys took so far (shorter keys first: they have fewer to choose from)
    long.sort((a, b) => keys[a]!.length - keys[b]!.length || a - b);
    const popular = new Map<number, number>();
    for (const i of long) {
      const k = keys[i]!;
      const seen = new Set<number>();
      for (let o = 0; o + GRAM <= k.length; o++) seen.add(gramAt(k, o));
      for (const g of seen) popular.set(g, (popular.get(g) ?? 0) + 1);
    }
    const taken = new Map<number, number>();
    const chosen: GramEntry[] = [];
    for (const i of long) {
      const k = keys[i]!;
      let best = -1;
      let bestCode = 0;
      let bestCount = Infinity;
      for (let o = 0; o + GRAM <= k.length && o <= MAX_OFFSET; o++) {
        const code = gramAt(k, o);
        const n = (popular.get(code) ?? 0) * 1024 + (taken.get(code) ?? 0);
        if (n < bestCount) {
          best = o;
          bestCode = code;
          bestCount = n;
        }
      }
      taken.set(bestCode, (taken.get(bestCode) ?? 0) + 1);
      chosen.push({ key: i, code: bestCode, offset: best, last: k.charCodeAt(k.length - 1) });
    }
    ({ shift: this.shift, occupied: this.occupied, table: this.table } = gramTable(chosen, 2));
  }

  /**
   * The indexes of the keys occurring in a text as `norm` makes it (`normed`, when the caller has it), into `out`
   * (emptied first).
   */
  collectText(text: string, normed: string | undefined, out: number[]): number[] {
    if (this.sampled) return this.sampled.collect(normed ?? norm(text), out);
    if (this.whole) return normed !== undefined ? this.whole.collect(normed, out) : this.whole.collectFolded(text, out, norm);
    return this.collect(normed ?? norm(text), out);
  }

  /** The indexes of the keys occurring in `text` (lower-cased as the keys are), into `out` (emptied first). */
  collect(text: string, out: number[]): number[] {
    if (this.sampled) return this.sampled.collect(text, out);
    if (this.whole) return this.whole.collect(text, out);
    out.length = 0;
    if (this.short) {
      const ids = this.short.collect(text, this.hits);
      for (let i = 0; i < ids.length; i++) out.push(this.shortKeys[ids[i]!]!);
    }
    if (this.shortWide && !ASCII.test(text)) {
      const ids = this.shortWide.collect(text, this.hits);
      for (let i = 0; i < ids.length; i++) out.push(this.shortWideKeys[ids[i]!]!);
    }
    const { table, shift, keys, occupied } = this;
    if (table.length === 0) return out;
    let g = 0;
    for (let i = 0; i < GRAM - 1 && i < text.length; i++) g = (g << 8) | (text.charCodeAt(i) & 0xff);
    for (let i = GRAM - 1; i < text.length; i++) {
      g = (g << 8) | (text.charCodeAt(i) & 0xff);
      const b = Math.imul(g, 0x9e3779b1) >>> shift;
      // a bit per bucket (a few kilobytes, read from the cache) before the bucket's entries
      if ((occupied[b >>> 5]! & (1 << (b & 31))) === 0) continue;
      let j = b << 2;
      do {
        if (table[j] === g) {
          const packed = table[j + 1]!;
          const from = i - (GRAM - 1) - (packed & 0xffff);
          const key = table[j + 2]!;
          const k = keys[key]!;
          if (from >= 0 && text.charCodeAt(from + k.length - 1) === packed >>> 16 && text.startsWith(k, from)) out.push(key);
        }
        j = table[j + 3]!;
      } while (j !== 0);
    }
    return out;
  }
}

/**
 * A set whose shortest key has `min` characters (`min` ≥ 6): every gram of every key is in the table with its
 * offset, and the text's grams are read only at starts that are multiples of `min - 3` (the stride). An occurrence
 * of a key of length L covers L - 3 ≥ stride consecutive gram starts, so one of them is read, and the entry of the
 * key's gram at that offset finds it; it is confirmed in place. Exact as the full scan is (a long key may be
 * reported more than once).
 */
class Sampled {
  private readonly stride: number;
  private readonly shift: number;
  private readonly table: Int32Array;
  private readonly occupied: Uint32Array;

  constructor(
    private readonly keys: readonly string[],
    min: number,
  ) {
    // the gram read in an occurrence is at an offset under the stride: offsets past MAX_OFFSET are never needed
    this.stride = Math.min(min - GRAM + 1, MAX_OFFSET + 1);
    const entries: GramEntry[] = [];
    keys.forEach((k, key) => {
      const last = k.charCodeAt(k.length - 1);
      for (let o = 0; o + GRAM <= k.length && o <= MAX_OFFSET; o++) entries.push({ code: gramAt(k, o), offset: o, key, last });
    });
    // a sparse table (about an eighth of the buckets used): most grams read miss at the bit test
    ({ shift: this.shift, occupied: this.occupied, table: this.table } = gramTable(entries, 8));
  }

  /** The indexes of the keys occurring in `text` (lower-cased as the keys are), into `out` (emptied first). */
  collect(text: string, out: number[]): number[] {
    out.length = 0;
    const { table, occupied, shift, stride, keys } = this;
    const n = text.length;
    for (let j = 0; j + GRAM <= n; j += stride) {
      const g = ((text.charCodeAt(j) & 0xff) << 24) | ((text.charCodeAt(j + 1) & 0xff) << 16) | ((text.charCodeAt(j + 2) & 0xff) << 8) | (text.charCodeAt(j + 3) & 0xff);
      const b = Math.imul(g, 0x9e3779b1) >>> shift;
      if ((occupied[b >>> 5]! & (1 << (b & 31))) === 0) continue;
      let e = b << 2;
      do {
        if (table[e] === g) {
          const packed = table[e + 1]!;
          const from = j - (packed & 0xffff);
          const key = table[e + 2]!;
          const k = keys[key]!;
          if (from >= 0 && text.charCodeAt(from + k.length - 1) === packed >>> 16 && text.startsWith(k, from)) out.push(key);
        }
        e = table[e + 3]!;
      } while (e !== 0);
    }
    return out;
  }
}

/** A gram of a key: its code, its offset in the key (at most `MAX_OFFSET`), the key's index and last character. */
interface GramEntry {
  readonly code: number;
  readonly offset: number;
  readonly key: number;
  readonly last: number;
}

/** A gram's offset in its key is packed in 16 bits (with the key's last character): grams further in are not used. */
const MAX_OFFSET = 0xffff;

/**
 * Entries bucketed by gram code, one bit per used bucket. `table` holds 4 numbers an entry, so that what a gram read
 * needs of an entry is on one cache line: the gram code, the offset in its key (low 16 bits) and the key's last
 * character (high 16 bits), the key's index, and the next entry of the same bucket (0: none). Bucket b's first
 * entry is at `b * 4`; further entries of a bucket follow the buckets.
 */
interface GramTable {
  readonly shift: number;
  readonly occupied: Uint32Array;
  readonly table: Int32Array;
}

/** Build a gram table with at least `spread` buckets per entry (a power of two, 64 to 2^24 buckets). */
function gramTable(entries: readonly GramEntry[], spread: number): GramTable {
  if (entries.length === 0) return { shift: 26, occupied: new Uint32Array(3), table: new Int32Array(0) };
  let bits = 6;
  while (1 << bits < entries.length * spread && bits < 24) bits++;
  const shift = 32 - bits;
  const size = 1 << bits;
  const occupied = new Uint32Array((size >>> 5) + 1);
  let extra = 0;
  for (const e of entries) {
    const b = bucket(e.code, shift);
    if (occupied[b >>> 5]! & (1 << (b & 31))) extra++;
    else occupied[b >>> 5]! |= 1 << (b & 31);
  }
  const table = new Int32Array((size + extra) * 4);
  /** Each bucket's last entry so far (+1; 0: none). */
  const tail = new Int32Array(size);
  let next = size;
  for (const e of entries) {
    const b = bucket(e.code, shift);
    let at = b;
    if (tail[b] !== 0) {
      at = next++;
      table[(tail[b]! - 1) * 4 + 3] = at * 4;
    }
    tail[b] = at + 1;
    table[at * 4] = e.code;
    table[at * 4 + 1] = (e.offset & 0xffff) | (e.last << 16);
    table[at * 4 + 2] = e.key;
  }
  return { shift, occupied, table };
}

/** The gram of 4 characters at `o` as the scan computes it (the low byte of each character; collisions are checked). */
function gramAt(s: string, o: number): number {
  let g = 0;
  for (let i = o; i < o + GRAM; i++) g = (g << 8) | (s.charCodeAt(i) & 0xff);
  return g;
}

function bucket(code: number, shift: number): number {
  return Math.imul(code, 0x9e3779b1) >>> shift;
}
