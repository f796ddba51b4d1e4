/**
 * A faster way to run a regular expression that RE2 accepted, with RE2's answer (issue 15, hunt speed): RE2 compiled
 * to WebAssembly costs 5 to 100 µs a test, V8's own engine a fraction of a microsecond. The pattern (RE2 syntax) is
 * parsed here; when every construct in it means the same in both engines on ASCII input, it is translated to a
 * JavaScript RegExp, and the worst-case backtracking work of that RegExp is bounded from the pattern's shape. A test
 * then goes one of four ways:
 * - the literals the pattern requires (its runs of literal characters outside optional parts, and for an
 *   alternation one of its branches' literals) do not occur in the input in the pattern's order: `false`, without
 *   running anything;
 * - a glob-shaped pattern (`^…$` made of literals, `.` and `.*`, as wildcards become): a linear segment match;
 * - ASCII input and the bound within budget for its length: the RegExp;
 * - otherwise (non-ASCII input, a construct not translated, a bound over budget): the caller runs RE2.
 *
 * Equivalence on ASCII input: `.` is written `[^\n]` (RE2 without `s`), `\s` `[\t\n\f\r ]` (RE2's Perl class), `\d` /
 * `\w` / `\b` and the POSIX classes are ASCII in both, and a Unicode property (`\p{L}`, a script written as
 * JavaScript's `Script=`) holds the same ASCII characters in both; case folding of ASCII letters is the same in both
 * (the non-ASCII letters that fold with `k` and `s` never occur in ASCII input, and no other non-ASCII character folds
 * with an ASCII one); `^` / `$` are text anchors in both (under RE2's `m` flag they are line anchors, where only `\n`
 * ends a line: written as lookarounds, as JavaScript's `m` also ends lines at `\r`; `\A` and `\z` stay text anchors).
 * Flags set inside the pattern hold to the end of their group, as in RE2: `.` under another `s` than the start's is
 * written as its class, and a pattern that folds case only in parts is translated without the `i` flag, the letters of
 * those parts written as classes of both cases (Node 20's V8 has no inline modifiers). A `{` that does not start a
 * repetition as RE2 reads one (`{x}`, `{,3}`, a count with a leading zero) is a literal in both. Backtracking bound: no
 * quantified part contains a choice (alternation or quantifier), so a match attempt explores at most the product of the
 * quantifiers' choice counts times the alternation branches, each path at most (pattern + input) steps, from each start
 * position.
 */
import { ASCII } from './ascii.ts';
import type { RegexMatch } from './re2Pool.ts';

/**
 * Worst-case backtracking steps allowed for the RegExp path: about 10 ms, the order of RE2-wasm's own worst case on
 * an input of a few thousand characters (a counted repetition such as `.{1000,}` costs it 100 ms), so the fast path
 * never costs more than a small multiple of what it replaces.
 */
const STEP_BUDGET = 10_000_000;

type Node =
  | { readonly k: 'char'; readonly c: number }
  /** `weight`: what re2-wasm takes for it (`unitWeight`), counted from its members as it is parsed. */
  | { readonly k: 'class'; readonly src: string; readonly weight: number }
  | { readonly k: 'any' }
  | { readonly k: 'assert'; readonly src: string }
  /** `cap`: a capturing group (read so only for `fastExec`; the test reads every group as a plain sequence). */
  | { readonly k: 'seq'; readonly items: Node[]; readonly cap?: true }
  | { readonly k: 'alt'; readonly alts: Node[] }
  /** `lazy`: non-greedy (kept only for `fastExec`: a test's answer does not depend on it). */
  | { readonly k: 'rep'; readonly body: Node; readonly min: number; readonly max: number; readonly lazy?: true };

class Reject extends Error {}
/** Case folding turned off inside a pattern translated with JavaScript's `i` flag: parsed again without it. */
class NeedsExpansion extends Error {}

const hex = (c: number) => (c < 0x10000 ? `\\u${c.toString(16).padStart(4, '0')}` : `\\u{${c.toString(16)}}`);
const isWordChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const SPACE_CLASS = '\\t\\n\\f\\r ';

/** RE2's line anchors under `m` (JavaScript's `m` also takes `\r` and U+2028 / U+2029 as line ends). */
const LINE_START = '(?<![^\\n])';
const LINE_END = '(?![^\\n])';

/** RE2's POSIX classes (`[[:alpha:]]`), all ASCII: their ranges. */
const POSIX: Readonly<Record<string, readonly (readonly [number, number])[]>> = {
  alnum: [[48, 57], [65, 90], [97, 122]],
  alpha: [[65, 90], [97, 122]],
  ascii: [[0, 127]],
  blank: [[9, 9], [32, 32]],
  cntrl: [[0, 31], [127, 127]],
  digit: [[48, 57]],
  graph: [[33, 126]],
  lower: [[97, 122]],
  print: [[32, 126]],
  punct: [[33, 47], [58, 64], [91, 96], [123, 126]],
  space: [[9, 13], [32, 32]],
  upper: [[65, 90]],
  word: [[48, 57], [65, 90], [95, 95], [97, 122]],
  xdigit: [[48, 57], [65, 70], [97, 102]],
};
const POSIX_CLASS = /\[:(\^?)([a-z]+):\]/y;

/** The code points outside sorted, disjoint ranges. */
function complement(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of ranges) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

/**
 * What case folding adds to a class that lists `ranges` (its ASCII part): the other case of their letters, and
 * U+212A / U+017F when it holds `k` / `s` (`word`: it holds `\w`, whose letters all fold).
 */
function otherCases(ranges: readonly (readonly [number, number])[], word: boolean): string {
  let out = '';
  let k = word;
  let s = word;
  for (const [lo, hi] of ranges) {
    const u0 = Math.max(lo, 65);
    const u1 = Math.min(hi, 90);
    if (u0 <= u1) out += `${hex(u0 + 32)}-${hex(u1 + 32)}`;
    const l0 = Math.max(lo, 97);
    const l1 = Math.min(hi, 122);
    if (l0 <= l1) out += `${hex(l0 - 32)}-${hex(l1 - 32)}`;
    const holds = (lower: number) => (lo <= lower && lower <= hi) || (lo <= lower - 32 && lower - 32 <= hi);
    if (holds(0x6b)) k = true;
    if (holds(0x73)) s = true;
  }
  return out + (k ? '\\u212a' : '') + (s ? '\\u017f' : '');
}

const rangesSrc = (ranges: readonly (readonly [number, number])[]): string =>
  ranges.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join('');
/**
 * `\W` and `\D` as members of a class translated with JavaScript's `iu` flags, where the escapes themselves fold
 * oddly: what is not a word character (nor U+017F or U+212A, which fold with `s` and `k`, as RE2 leaves them out),
 * what is not a digit.
 */
const FOLDED_NEGATED: Readonly<Record<'W' | 'D', string>> = {
  W: rangesSrc(complement([[48, 57], [65, 90], [95, 95], [97, 122], [0x17f, 0x17f], [0x212a, 0x212a]])),
  D: rangesSrc(complement([[48, 57]])),
};

/** RE2's general categories (`\p{Lu}`); any other name is a script (`\p{Greek}`) or `Any`. */
const GENERAL_CATEGORIES: ReadonlySet<string> = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' '),
);
/** After `\p` / `\P`: one letter, or a name in braces (`^` negates it). */
const PROPERTY = /([A-Za-z])|\{(\^?)([A-Za-z][A-Za-z_]*)\}/y;

/** `\S` as a member of a class: what is not one of RE2's five space characters (`\s`). */
const NOT_SPACE = rangesSrc(complement([[9, 10], [12, 13], [32, 32]]));

/** A repetition in braces as RE2 reads one; `{` is a literal where none is. */
const BRACES = /\{(\d+)(,(\d*))?\}/y;
/** A count RE2 reads: no leading zero, at most nine digits (else the `{` is a literal). */
const re2Count = (d: string): boolean => d.length <= 9 && (d.length === 1 || d[0] !== '0');
/** A group that sets flags: `(?i)`, `(?s-i:…)`; `U` (ungreedy) changes no match. */
const FLAGS = /\?([imsU]*)(-([imsU]*))?([:)])/y;

/** Parser of the RE2 syntax subset that translates; anything else rejects. */
class Parser {
  i = 0;
  /** Whether a named group (`(?P<n>…)`, `(?<n>…)`) was read: RE2 is strict about their names. */
  named = false;
  /**
   * Whether a class lists characters outside ASCII under case folding, or a Unicode property (`\p{L}`): translated
   * (on ASCII input both engines match the same), but what RE2 takes to compile such a class was not measured, and a
   * property's name may be one RE2 does not know (`certainOf`).
   */
  unmeasured = false;
  /**
   * Read what an `exec` returns depends on (`fastExec`): capturing groups (numbered as RE2 numbers them, by their
   * opening parenthesis) and non-greedy repetitions; RE2's `U` flag (greedy and non-greedy swapped) rejects.
   */
  captures = false;
  /** The flags where the parser is: a flag group changes them to the end of the group around it. */
  private fold: boolean;
  private dotNl: boolean;
  private multiline: boolean;
  constructor(
    readonly s: string,
    /**
     * Case folding is the translation's flag (JavaScript's `i`): on in the whole pattern. Otherwise the letters of
     * the parts that fold are written as classes of both cases.
     */
    readonly jsFold: boolean,
    /** `.` is translated as `[^]` (`s` at the start). */
    readonly jsDotNl: boolean,
    /** `m`: `^` and `$` are line anchors in RE2 (written as lookarounds); `\A` and `\z` stay text anchors. */
    multiline: boolean,
    /** Case folding at the start (when it is not the translation's flag: the pattern turns it off somewhere). */
    fold = jsFold,
  ) {
    this.fold = fold;
    this.dotNl = jsDotNl;
    this.multiline = multiline;
  }
  private peek(): string | undefined {
    return this.s[this.i];
  }
  private cp(): number {
    const c = this.s.codePointAt(this.i);
    if (c === undefined) throw new Reject();
    this.i += c > 0xffff ? 2 : 1;
    return c;
  }
  parseAlt(): Node {
    const alts = [this.parseSeq()];
    while (this.peek() === '|') {
      this.i++;
      alts.push(this.parseSeq());
    }
    return alts.length === 1 ? alts[0]! : { k: 'alt', alts };
  }
  private parseSeq(): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|' || c === ')') break;
      const atom = this.parseAtom();
      if (atom) items.push(this.parseRepeat(atom));
      // a repetition after a flag group repeats what came before it in RE2: not translated
      else if (this.repetitionNext()) throw new Reject();
    }
    return { k: 'seq', items };
  }
  /** `{n}`, `{n,}` or `{n,m}` at `at` as RE2 reads a repetition (undefined: a `{` there is a literal). */
  private braces(at: number): { min: number; max: number; end: number } | undefined {
    BRACES.lastIndex = at;
    const m = BRACES.exec(this.s);
    if (!m || !re2Count(m[1]!) || (m[3] && !re2Count(m[3]))) return undefined;
    const min = Number(m[1]);
    return { min, max: m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]), end: at + m[0].length };
  }
  private repetitionNext(): boolean {
    const n = this.peek();
    return n === '*' || n === '+' || n === '?' || (n === '{' && this.braces(this.i) !== undefined);
  }
  private parseRepeat(atom: Node): Node {
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const b = this.braces(this.i);
      if (!b) return atom; // a literal `{` follows
      [min, max] = [b.min, b.max];
      this.i = b.end - 1;
    } else return atom;
    this.i++;
    // non-greedy: the same language (the same test), another match for `exec`
    let lazy = false;
    if (this.peek() === '?') {
      this.i++;
      lazy = true;
    }
    if (this.repetitionNext()) throw new Reject(); // RE2 rejects a repetition of a repetition
    // RE2 rejects counts over its limit, and counts out of order
    if (atom.k === 'assert' || max < min || min > RE2_MAX_REPEAT || (max !== Infinity && max > RE2_MAX_REPEAT)) throw new Reject();
    return lazy && this.captures ? { k: 'rep', body: atom, min, max, lazy } : { k: 'rep', body: atom, min, max };
  }
  /** An atom; undefined for a group that only sets flags (`(?i)`). */
  private parseAtom(): Node | undefined {
    const c = this.peek()!;
    if (c === '(') return this.parseGroup();
    if (c === '[') return this.parseClass();
    if (c === '.') {
      this.i++;
      if (this.dotNl === this.jsDotNl) return { k: 'any' };
      // `s` set or cleared inside the pattern: this `.` written as its class
      return { k: 'class', src: this.dotNl ? '[^]' : '[^\\n]', weight: unitWeight({ k: 'any' }, false) };
    }
    if (c === '^' || c === '$') {
      this.i++;
      // under `m` RE2's line anchors: at the text's start or after a `\n`, at its end or before a `\n`
      if (this.multiline) return { k: 'assert', src: c === '^' ? LINE_START : LINE_END };
      return { k: 'assert', src: c };
    }
    if (c === '{') {
      // a repetition here has nothing to repeat (RE2 rejects it); anything else is a literal `{`
      if (this.braces(this.i)) throw new Reject();
      this.i++;
      return this.literal(0x7b);
    }
    // a `]` or `}` that closes nothing is a literal in RE2 (written as an escape in the translation)
    if (c === '*' || c === '+' || c === '?' || c === ')') throw new Reject();
    if (c === '\\') return this.parseEscape();
    return this.literal(this.cp());
  }
  /** A group: its body with the flags it sets, or undefined for `(?flags)`, whose flags hold to the group's end. */
  private parseGroup(): Node | undefined {
    this.i++;
    const { fold, dotNl, multiline } = this;
    let capturing = false;
    if (this.s.startsWith('?:', this.i)) this.i += 2;
    else if (this.s.startsWith('?P<', this.i) || this.s.startsWith('?<', this.i)) {
      this.named = true;
      const close = this.s.indexOf('>', this.i);
      if (close < 0) throw new Reject();
      this.i = close + 1;
    } else if (this.peek() === '?') {
      FLAGS.lastIndex = this.i;
      const m = FLAGS.exec(this.s);
      // RE2 wants a flag, and one after a `-`; anything else after `(?` (lookarounds, …) it rejects
      if (!m || !(m[1] || m[3]) || (m[2] !== undefined && !m[3])) throw new Reject();
      this.setFlags(m[1]!, true);
      this.setFlags(m[3] ?? '', false);
      this.i += m[0].length;
      if (m[4] === ')') return undefined;
    } else capturing = true;
    const body = this.parseAlt();
    if (this.peek() !== ')') throw new Reject();
    this.i++;
    this.fold = fold;
    this.dotNl = dotNl;
    this.multiline = multiline;
    return capturing && this.captures ? { k: 'seq', items: [body], cap: true } : body;
  }
  private setFlags(letters: string, on: boolean): void {
    for (const f of letters) {
      if (f === 'U' && this.captures) throw new Reject();
      if (f === 'i') {
        // the translation's `i` flag cannot be turned off in a part: parsed again without it (`parsePattern`)
        if (this.jsFold && !on) throw new NeedsExpansion();
        this.fold = on;
      } else if (f === 's') this.dotNl = on;
      else if (f === 'm') this.multiline = on;
    }
  }
  private literal(c: number): Node {
    if (!this.fold) return { k: 'char', c };
    if (c === 0x17f || c === 0x212a) throw new Reject(); // they fold with `s` and `k`
    if (c > 0x7f) {
      // matches no ASCII input in either engine; written as a class of its cases (folding without the
      // translation's flag) it would no longer be a literal the pattern requires: not translated then
      if (!this.jsFold) throw new Reject();
      return { k: 'char', c };
    }
    const lower = c | 0x20;
    if (this.jsFold || lower < 0x61 || lower > 0x7a) return { k: 'char', c };
    // a letter that folds where the translation does not: its class of cases, as RE2 folds it
    const extra = lower === 0x6b ? '\\u212a' : lower === 0x73 ? '\\u017f' : '';
    return { k: 'class', src: `[${hex(lower - 32)}${hex(lower)}${extra}]`, weight: unitWeight({ k: 'char', c }, true) };
  }
  private parseEscape(): Node {
    this.i++;
    const e = this.peek();
    if (e === undefined) throw new Reject();
    switch (e) {
      case 'd':
      case 'w':
        this.i++;
        return { k: 'class', src: `[\\${e}]`, weight: CLASS_BASE + SHORTHAND_WEIGHT };
      case 'D':
      case 'W':
        this.i++;
        return { k: 'class', src: this.jsFold ? `[${FOLDED_NEGATED[e]}]` : `[\\${e}]`, weight: NEGATED_CLASS_BASE + SHORTHAND_WEIGHT };
      case 's':
        this.i++;
        return { k: 'class', src: `[${SPACE_CLASS}]`, weight: CLASS_BASE + this.spaceWeight() };
      case 'S':
        this.i++;
        return { k: 'class', src: `[^${SPACE_CLASS}]`, weight: NEGATED_CLASS_BASE + this.spaceWeight() };
      case 'b':
      case 'B':
        this.i++;
        if (this.jsFold && e === 'B') throw new Reject();
        return { k: 'assert', src: `\\${e}` };
      case 'p':
      case 'P': {
        const prop = this.property();
        return { k: 'class', src: `[${prop.src}${this.fold && !this.jsFold ? otherCases(prop.ascii, false) : ''}]`, weight: CLASS_BASE };
      }
      case 'A':
        this.i++;
        return { k: 'assert', src: '^' };
      case 'z':
        this.i++;
        return { k: 'assert', src: '$' };
      default:
        return this.literal(this.escapedChar());
    }
  }
  /**
   * A Unicode property after `\p` or `\P` (the parser at the letter): `\pL`, `\p{Greek}`, `\p{^Lu}`, `\PN`, written
   * as JavaScript's (a script as `Script=`), with the ASCII ranges it holds. Negated under case folding it is not
   * translated: RE2 leaves out what folds into the property, JavaScript's `iu` keeps it.
   */
  private property(): { src: string; ascii: [number, number][] } {
    const upper = this.s[this.i] === 'P';
    this.i++;
    PROPERTY.lastIndex = this.i;
    const m = PROPERTY.exec(this.s);
    if (!m) throw new Reject();
    this.i += m[0].length;
    const name = m[1] ?? m[3]!;
    const negated = upper !== (m[2] === '^');
    if (m[1] !== undefined && !GENERAL_CATEGORIES.has(name)) throw new Reject(); // `\pX`: a one-letter category
    if (negated && this.fold) throw new Reject();
    const inner = `\\${negated ? 'P' : 'p'}{${GENERAL_CATEGORIES.has(name) || name === 'Any' ? name : `Script=${name}`}}`;
    let re: RegExp;
    try {
      re = new RegExp(`^[${inner}]$`, 'u');
    } catch {
      throw new Reject(); // a name JavaScript does not know
    }
    this.unmeasured = true;
    const ascii: [number, number][] = [];
    const set = asciiMembers(re);
    for (let c = 0; c < 128; c++) {
      if (!set[c]) continue;
      const last = ascii[ascii.length - 1];
      if (last && last[1] === c - 1) last[1] = c;
      else ascii.push([c, c]);
    }
    return { src: inner, ascii };
  }
  /** A character written as an escape (outside or inside a class). */
  private escapedChar(): number {
    const e = this.peek()!;
    const simple: Record<string, number> = { t: 9, n: 10, r: 13, f: 12, v: 11, a: 7 };
    if (e in simple) {
      this.i++;
      return simple[e]!;
    }
    if (e === 'x') {
      const m = /^x(?:([0-9a-fA-F]{2})|\{([0-9a-fA-F]{1,6})\})/.exec(this.s.slice(this.i));
      if (!m) throw new Reject();
      this.i += m[0].length;
      const v = parseInt(m[1] ?? m[2]!, 16);
      if (v > 0x10ffff) throw new Reject();
      return v;
    }
    if (e === '0') {
      // an octal escape: `\0` and up to two more octal digits (RE2 reads `\1`–`\7` alone as a backreference: rejected)
      const m = /^0[0-7]{0,2}/.exec(this.s.slice(this.i, this.i + 3))!;
      this.i += m[0].length;
      return parseInt(m[0], 8);
    }
    const c = e.charCodeAt(0);
    // escaped punctuation, and `\_` (RE2 takes it as `_`: "too many programs and people insist on using it")
    if (c < 0x80 && (!isWordChar(c) || c === 0x5f)) {
      this.i++;
      return c;
    }
    throw new Reject(); // \pN, \Q…\E, octal, \C, …
  }
  /** A member character's weight in a class (`unitWeight`). */
  private memberWeight(c: number): number {
    return c > 0x7f ? 12 : this.fold ? 8 : 6;
  }
  /** The weight of `\s`'s five characters in a class. */
  private spaceWeight(): number {
    return 5 * this.memberWeight(32);
  }
  private parseClass(): Node {
    this.i++;
    let src = '[';
    // a class of what it does not list (`[^…]`, or holding `\W`, `\D` or a negated POSIX class) weighs more before
    // its members
    let negated = false;
    let members = 0;
    // its ASCII ranges and whether it holds `\w`: what folding adds when the translation does not fold
    const ascii: [number, number][] = [];
    let word = false;
    if (this.peek() === '^') {
      src += '^';
      negated = true;
      this.i++;
    }
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw new Reject();
      if (c === ']' && !first) break;
      first = false;
      if (c === '[' && this.s[this.i + 1] === ':') {
        POSIX_CLASS.lastIndex = this.i;
        const m = POSIX_CLASS.exec(this.s);
        const set = m ? POSIX[m[2]!] : undefined;
        if (!m || !set) throw new Reject(); // RE2 rejects other names
        // negated under folding, RE2 also leaves out what folds into it: not translated
        if (m[1] && this.fold) throw new Reject();
        this.i += m[0].length;
        const listed = m[1] ? complement(set) : set;
        src += rangesSrc(listed);
        for (const [lo, hi] of listed) if (lo < 0x80) ascii.push([lo, Math.min(hi, 0x7f)]);
        for (const [lo, hi] of set) members += this.memberWeight(lo) + (lo === hi ? 0 : this.memberWeight(hi));
        if (m[1]) negated = true;
        if (this.peek() === '-' && this.s[this.i + 1] !== ']') throw new Reject();
        continue;
      }
      let lo: number;
      if (c === '\\') {
        this.i++;
        const e = this.peek();
        if (e === 'd' || e === 'w' || e === 'D' || e === 'W') {
          this.i++;
          src += this.jsFold && (e === 'D' || e === 'W') ? FOLDED_NEGATED[e] : `\\${e}`;
          members += SHORTHAND_WEIGHT;
          if (e === 'D' || e === 'W') negated = true;
          if (e === 'w') word = true;
          if (this.peek() === '-' && this.s[this.i + 1] !== ']') throw new Reject();
          continue;
        }
        if (e === 's' || e === 'S') {
          this.i++;
          src += e === 's' ? SPACE_CLASS : NOT_SPACE;
          members += this.spaceWeight();
          if (e === 'S') negated = true;
          if (this.peek() === '-' && this.s[this.i + 1] !== ']') throw new Reject();
          continue;
        }
        if (e === 'p' || e === 'P') {
          const prop = this.property();
          src += prop.src;
          ascii.push(...prop.ascii);
          if (this.peek() === '-' && this.s[this.i + 1] !== ']') throw new Reject();
          continue;
        }
        lo = this.escapedChar();
      } else lo = this.cp();
      let hi = lo;
      if (this.peek() === '-' && this.s[this.i + 1] !== ']' && this.s[this.i + 1] !== undefined) {
        this.i++;
        if (this.peek() === '\\') {
          this.i++;
          hi = this.escapedChar();
        } else hi = this.cp();
        if (hi < lo) throw new Reject();
        src += `${hex(lo)}-${hex(hi)}`;
        members += this.memberWeight(lo) + this.memberWeight(hi);
      } else {
        src += hex(lo);
        members += this.memberWeight(lo);
      }
      if (this.fold && hi > 0x7f) {
        // U+017F and U+212A fold with `s` and `k`; the other characters outside ASCII match no ASCII input in either
        // engine, but as classes of their cases (folding without the translation's flag) they are not written
        if (!this.jsFold || (lo <= 0x17f && hi >= 0x17f) || (lo <= 0x212a && hi >= 0x212a)) throw new Reject();
        this.unmeasured = true;
      }
      if (lo < 0x80) ascii.push([lo, Math.min(hi, 0x7f)]);
    }
    this.i++;
    if (this.fold && !this.jsFold) src += otherCases(ascii, word);
    src += ']';
    return { k: 'class', src, weight: (negated ? NEGATED_CLASS_BASE : CLASS_BASE) + members };
  }
}

function toJs(n: Node, dotNl: boolean): string {
  switch (n.k) {
    case 'char':
      return hex(n.c);
    case 'class':
      return n.src;
    case 'any':
      return dotNl ? '[^]' : '[^\\n]';
    case 'assert':
      return n.src;
    case 'seq': {
      const body = n.items.map((x) => toJs(x, dotNl)).join('');
      return n.cap ? `(${body})` : body;
    }
    case 'alt':
      return `(?:${n.alts.map((x) => toJs(x, dotNl)).join('|')})`;
    case 'rep':
      return `(?:${toJs(n.body, dotNl)}){${n.min},${n.max === Infinity ? '' : n.max}}${n.lazy ? '?' : ''}`;
  }
}

/** Whether a node matches exactly one way (no alternation, no quantifier with a choice of counts inside). */
function choiceFree(n: Node): boolean {
  switch (n.k) {
    case 'seq':
      return n.items.every(choiceFree);
    case 'alt':
      return false;
    case 'rep':
      return n.min === n.max && choiceFree(n.body);
    default:
      return true;
  }
}

/**
 * The pattern's backtracking factor as a polynomial in the input length: `coef * n^deg` bounds the number of paths
 * of one match attempt (undefined: a quantified part has choices inside, the work is not bounded this way).
 *
 * `lin` counts the unbounded repetitions that add to the work instead of multiplying it: a repetition of one
 * character (a literal, a class, `.`) that nothing able to follow it can start with, on ASCII input (the only input
 * the RegExp path reads). Such a repetition (`\s+` before `STAGE`) stops at the first character it cannot take, and
 * when what follows fails there, each count it gives back puts a character of its own set before the rest, which
 * fails at its first character: one path, plus at most (input length) x (the rest's paths) short failures, instead of
 * a factor of the input length on every path.
 */
function paths(n: Node, fold: boolean, follow: First, additive: boolean): Shape | undefined {
  switch (n.k) {
    case 'seq': {
      let coef = 1;
      let deg = 0;
      let lin = 0;
      // what follows matters only to a repetition (in an item or the item itself): one-character nodes and
      // assertions pass
      const follows = additive && !n.items.every(isLeaf) ? followsOf(n.items, follow, fold) : undefined;
      for (let i = 0; i < n.items.length; i++) {
        const x = n.items[i]!;
        const p = paths(x, fold, follows && !isLeaf(x) ? follows[i]! : follow, additive);
        if (!p) return undefined;
        coef *= p.coef;
        deg += p.deg;
        lin += p.lin;
      }
      return { coef, deg, lin };
    }
    case 'alt': {
      let coef = 0;
      let deg = 0;
      let lin = 0;
      for (const x of n.alts) {
        const p = paths(x, fold, follow, additive);
        if (!p) return undefined;
        coef += p.coef;
        deg = Math.max(deg, p.deg);
        lin += p.lin;
      }
      return { coef, deg, lin };
    }
    case 'rep': {
      if (n.max <= 1 && !choiceFree(n.body)) {
        // `(…)?` is the alternation of its body and nothing, `(…){1}` its body: their paths, whatever the body
        const p = paths(n.body, fold, follow, additive);
        if (!p) return undefined;
        return n.max === 0 ? { coef: 1, deg: 0, lin: 0 } : { coef: p.coef + (n.min === 0 ? 1 : 0), deg: p.deg, lin: p.lin };
      }
      if (!choiceFree(n.body)) return undefined;
      if (n.min === n.max) return { coef: 1, deg: 0, lin: 0 };
      const wide = n.max === Infinity || n.max - n.min >= 64;
      if (additive && wide && !follow.unknown) {
        const own = asciiSet(n.body, fold);
        if (own && !own.some((x, c) => x && follow.set[c])) return { coef: 1, deg: 0, lin: 1 };
      }
      // at most min(max, n) - min + 1 iteration counts
      return wide ? { coef: 1, deg: 1, lin: 0 } : { coef: n.max - n.min + 1, deg: 0, lin: 0 };
    }
    default:
      return { coef: 1, deg: 0, lin: 0 };
  }
}

interface Shape {
  readonly coef: number;
  readonly deg: number;
  readonly lin: number;
}

/**
 * The ASCII characters that can start what follows a node: `unknown` when an assertion other than the end of the
 * text (`\b`, `^`) is met before the first character that must match.
 */
interface First {
  readonly set: Uint8Array;
  readonly unknown: boolean;
}

/** The end of the pattern: nothing follows (a match is found there). */
const END: First = { set: new Uint8Array(128), unknown: false };

const isLeaf = (x: Node): boolean => x.k === 'char' || x.k === 'class' || x.k === 'any' || x.k === 'assert';

/**
 * For each item of a sequence, what can start the items after it, then `tail` if all of them can match nothing:
 * worked out from the end, each item's start read once (a sequence of optional groups read from each item to the end
 * took time in the square of its length).
 */
function followsOf(items: readonly Node[], tail: First, fold: boolean): First[] {
  const out: First[] = new Array<First>(items.length);
  let next = tail;
  for (let i = items.length - 1; i >= 0; i--) {
    out[i] = next;
    // what can start items[i..]
    const set = new Uint8Array(128);
    const r = startOf(items[i]!, fold, set);
    if (r === 'unknown') next = { set, unknown: true };
    else if (r === 'stops') next = { set, unknown: false };
    else if (next.unknown) next = { set, unknown: true };
    else {
      for (let c = 0; c < 128; c++) if (next.set[c]) set[c] = 1;
      next = { set, unknown: false };
    }
  }
  return out;
}

/**
 * Add what can start node `n` to `set`: 'stops' when `n` cannot match the empty string (nothing after it starts a
 * match), 'empty' when it can (what follows may start one too), 'unknown' when it cannot be read.
 */
function startOf(n: Node, fold: boolean, set: Uint8Array): 'stops' | 'empty' | 'unknown' {
  switch (n.k) {
    case 'char':
    case 'class':
    case 'any': {
      const own = asciiSet(n, fold);
      if (!own) return 'unknown';
      for (let c = 0; c < 128; c++) if (own[c]) set[c] = 1;
      return 'stops';
    }
    case 'assert':
      // the end of the text: no character follows, and no text position but the last matches it
      return n.src === '$' ? 'stops' : 'unknown';
    case 'seq':
      for (const x of n.items) {
        const r = startOf(x, fold, set);
        if (r !== 'empty') return r;
      }
      return 'empty';
    case 'alt': {
      let empty = false;
      for (const x of n.alts) {
        const r = startOf(x, fold, set);
        if (r === 'unknown') return 'unknown';
        if (r === 'empty') empty = true;
      }
      return empty ? 'empty' : 'stops';
    }
    case 'rep': {
      const r = startOf(n.body, fold, set);
      if (r === 'unknown') return 'unknown';
      return n.min === 0 ? 'empty' : r;
    }
  }
}

const classSets = new Map<string, Uint8Array>();

/** The ASCII characters a one-character pattern matches (1 for each it matches). */
function asciiMembers(re: RegExp): Uint8Array {
  const set = new Uint8Array(128);
  for (let c = 0; c < 128; c++) if (re.test(String.fromCharCode(c))) set[c] = 1;
  return set;
}

/** The ASCII characters a one-character node matches (with the pattern's case folding); undefined for other nodes. */
function asciiSet(n: Node, fold: boolean): Uint8Array | undefined {
  switch (n.k) {
    case 'char': {
      const set = new Uint8Array(128);
      if (n.c < 128) {
        set[n.c] = 1;
        if (fold && n.c >= 65 && n.c <= 90) set[n.c + 32] = 1;
        if (fold && n.c >= 97 && n.c <= 122) set[n.c - 32] = 1;
      }
      return set;
    }
    case 'any':
      // `.` as translated (`[^\n]`, or anything under `s`): counted as every character, which only adds to the
      // set and so never finds a disjointness that is not there
      return new Uint8Array(128).fill(1);
    case 'class': {
      const key = (fold ? 'i' : '') + n.src;
      let hit = classSets.get(key);
      if (!hit) {
        const re = new RegExp(`^${n.src}$`, fold ? 'iu' : 'u');
        hit = asciiMembers(re);
        if (classSets.size > 4096) classSets.clear();
        classSets.set(key, hit);
      }
      return hit;
    }
    default:
      return undefined;
  }
}

/** Longest and shortest match, in code points (Infinity: unbounded). */
function lengths(n: Node): { min: number; max: number } {
  switch (n.k) {
    case 'char':
    case 'class':
    case 'any':
      return { min: 1, max: 1 };
    case 'assert':
      return { min: 0, max: 0 };
    case 'seq': {
      let min = 0;
      let max = 0;
      for (const x of n.items) {
        const l = lengths(x);
        min += l.min;
        max += l.max;
      }
      return { min, max };
    }
    case 'alt': {
      const ls = n.alts.map(lengths);
      return { min: Math.min(...ls.map((l) => l.min)), max: Math.max(...ls.map((l) => l.max)) };
    }
    case 'rep': {
      const l = lengths(n.body);
      return { min: l.min * n.min, max: n.max === Infinity ? (l.max === 0 ? 0 : Infinity) : l.max * n.max };
    }
  }
}

function size(n: Node): number {
  switch (n.k) {
    case 'seq':
      return 1 + n.items.reduce((a, x) => a + size(x), 0);
    case 'alt':
      return 1 + n.alts.reduce((a, x) => a + size(x), 0);
    case 'rep':
      return 1 + size(n.body);
    default:
      return 1;
  }
}

/**
 * Literal steps the pattern requires in order: each step a list of literals one of which occurs in a matching input,
 * after the occurrence found for the step before it (what lies between is a gap: any text). A run of literal
 * characters is one step; an alternation whose every branch requires a literal is one step (each branch's longest);
 * a repetition done at least once contributes its body's steps once; anything else is a gap.
 */
function requiredSteps(n: Node, out: string[][]): void {
  let cur = '';
  const flush = () => {
    if (cur) out.push([cur]);
    cur = '';
  };
  const items = n.k === 'seq' ? n.items : [n];
  for (const x of items) {
    if (x.k === 'char') cur += String.fromCodePoint(x.c);
    else if (x.k === 'seq') {
      flush();
      requiredSteps(x, out);
    } else if (x.k === 'rep' && x.min >= 1) {
      flush();
      requiredSteps(x.body, out);
    } else if (x.k === 'alt') {
      flush();
      const alts: string[] = [];
      for (const b of x.alts) {
        const steps: string[][] = [];
        requiredSteps(b, steps);
        // the branch's longest literal it requires on its own (a step of one literal)
        let best = '';
        for (const st of steps) if (st.length === 1 && st[0]!.length > best.length) best = st[0]!;
        if (best === '') {
          alts.length = 0;
          break;
        }
        alts.push(best);
      }
      if (alts.length) out.push([...new Set(alts)]);
    } else flush();
  }
  flush();
}

/**
 * Whether the steps occur in order in `h`: each step's occurrence ending first is taken (an input the pattern
 * matches has them in order without overlap, so this finds them too).
 */
function stepsInOrder(steps: readonly (readonly string[])[], h: string): boolean {
  let pos = 0;
  for (let i = 0; i < steps.length; i++) {
    const alts = steps[i]!;
    let end = -1;
    for (let j = 0; j < alts.length; j++) {
      const a = alts[j]!;
      const at = h.indexOf(a, pos);
      if (at >= 0 && (end < 0 || at + a.length < end)) end = at + a.length;
    }
    if (end < 0) return false;
    pos = end;
  }
  return true;
}

/** A glob-shaped pattern: `^` then literals, `.` and `.*`, then `$`. */
interface GlobShape {
  /** Segments between `.*`: each a list of code points, -1 for `.`. */
  readonly segs: number[][];
}

function globShape(root: Node): GlobShape | undefined {
  if (root.k !== 'seq') return undefined;
  const it = root.items;
  if (it.length < 2 || it[0]!.k !== 'assert' || (it[0] as { src: string }).src !== '^') return undefined;
  const last = it[it.length - 1]!;
  if (last.k !== 'assert' || last.src !== '$') return undefined;
  const segs: number[][] = [[]];
  for (const x of it.slice(1, -1)) {
    if (x.k === 'char') segs[segs.length - 1]!.push(x.c);
    else if (x.k === 'any') segs[segs.length - 1]!.push(-1);
    else if (x.k === 'rep' && x.body.k === 'any' && x.min === 0 && x.max === Infinity) segs.push([]);
    else return undefined;
  }
  return { segs };
}

/** An accelerated test: true / false, or undefined when RE2 must decide. */
export type FastTest = (s: string) => boolean | undefined;

/**
 * A pattern's tree with the flags it sets at its start (`(?i)`, `(?s)`, `(?m)`); undefined when it is not translated.
 * Under `m`, `^` and `$` are RE2's line anchors (only `\n` ends a line). `fold` is whether the
 * translation folds case (JavaScript's `i` flag): a pattern that folds only in parts has those parts' letters as
 * classes of both cases instead.
 */
function parsePattern(pattern: string, flags: string, captures = false): { root: Node; fold: boolean; dotNl: boolean; named: boolean; unmeasured: boolean } | undefined {
  let p = pattern;
  let fold = flags.includes('i');
  let dotNl = flags.includes('s');
  let multiline = flags.includes('m');
  for (let m = /^\(\?([ism]+)\)/.exec(p); m; m = /^\(\?([ism]+)\)/.exec(p)) {
    if (m[1]!.includes('i')) fold = true;
    if (m[1]!.includes('s')) dotNl = true;
    if (m[1]!.includes('m')) multiline = true;
    p = p.slice(m[0].length);
  }
  const parse = (jsFold: boolean) => {
    const parser = new Parser(p, jsFold, dotNl, multiline, fold);
    parser.captures = captures;
    const root = parser.parseAlt();
    return parser.i === p.length ? { root, fold: jsFold, dotNl, named: parser.named, unmeasured: parser.unmeasured } : undefined;
  };
  try {
    try {
      return parse(fold);
    } catch (e) {
      // folding turned off inside: translated without the `i` flag, the folding parts' letters as classes
      if (e instanceof NeedsExpansion) return parse(false);
      throw e;
    }
  } catch (e) {
    if (e instanceof Reject) return undefined;
    throw e;
  }
}

/** RE2's largest repetition count, and its limit on the product of nested counts (`kMaxRepeat`). */
const RE2_MAX_REPEAT = 1000;
/**
 * What a certain pattern may weigh (`certainOf`, `unitWeight`): a plain ASCII character weighs 2. re2-wasm compiles
 * a pattern in a fixed 16 MB memory, where a fresh copy takes about 130,000 plain characters in a row (measured), so a
 * pattern of this weight takes at most a sixth of it as long as the weights are upper bounds (`test/regex-fast`
 * checks a margin of four on runs of each kind of unit).
 */
const CERTAIN_PROGRAM = 40_000;

/** A class's weight before its members; a class of what it does not list. */
const CLASS_BASE = 16;
const NEGATED_CLASS_BASE = 120;
/** `\w` or `\d` (or `\W`, `\D`) in a class. */
const SHORTHAND_WEIGHT = 32;

/**
 * A unit's weight: an upper bound of what re2-wasm was measured to take for it, by filling a fresh copy with runs of
 * it against runs of `a` (in plain characters' worth, so half its weight here): a character 1, but `k` and `s` with
 * case folding 6.8 and 5.9 (they fold with U+212A and U+017F), one outside ASCII 2 (4 with case folding); `^`, `\b`
 * 1.4; `.` 15; a class about 2.7 per character or range end listed (3.6 with case folding), `\w` or `\d` inside it
 * 8 to 16, a character outside ASCII about 3 and a range end across UTF-8 lengths 5, and a class of what it does not
 * list (`[^…]`, `\W`, `\D`, `\S`) 15 to 51 before those.
 */
function unitWeight(n: Node & { k: 'char' | 'assert' | 'class' | 'any' }, fold: boolean): number {
  switch (n.k) {
    case 'char':
      if (n.c > 0x7f) return fold ? 12 : 8;
      return fold && ((n.c | 0x20) === 0x6b || (n.c | 0x20) === 0x73) ? 16 : 2;
    case 'assert':
      return 4;
    case 'any':
      return 32;
    case 'class':
      // counted as the class was parsed: CLASS_BASE or NEGATED_CLASS_BASE, then each member (`memberWeight`,
      // SHORTHAND_WEIGHT)
      return n.weight;
  }
}

/** A lone UTF-16 surrogate, or one written as `\x{D800}`: not valid UTF-8 for RE2. */
const SURROGATE = /[\uD800-\uDFFF]|\\x\{0*[dD][89a-fA-F][0-9a-fA-F]{2}\}/;

/**
 * Whether RE2 certainly accepts a pattern (flags among `i`, `s`, `m`), decided without compiling it: compiling costs
 * 0.5 to 3 ms in RE2-wasm, and checking that a rule's pattern is valid is all its lowering needs. Certain means
 * every construct is in the subset this module parses (each one RE2 syntax), no named group, no surrogate, every
 * count at most 1000 and nested counts multiplying to at most 1000 (RE2's repetition limits), and a program small
 * enough to compile within RE2's memory budget. Otherwise (false) the caller compiles it to know.
 */
export function re2Accepts(pattern: string, flags: string): boolean {
  return regexPlan(pattern, flags).certain;
}

type Parsed = NonNullable<ReturnType<typeof parsePattern>>;

/** `re2Accepts` on a parsed pattern. */
function certainOf(pattern: string, parsed: Parsed): boolean {
  if (SURROGATE.test(pattern) || parsed.named || parsed.unmeasured) return false;
  const weight = (n: Node, product: number): number | undefined => {
    switch (n.k) {
      case 'char':
      case 'assert':
      case 'class':
      case 'any':
        return unitWeight(n, parsed.fold);
      case 'seq':
      case 'alt': {
        let w = 1;
        for (const x of n.k === 'seq' ? n.items : n.alts) {
          const v = weight(x, product);
          if (v === undefined) return undefined;
          w += v;
        }
        return w;
      }
      case 'rep': {
        const count = n.max === Infinity ? n.min : n.max;
        if (n.min > RE2_MAX_REPEAT || count > RE2_MAX_REPEAT) return undefined;
        const nested = product * Math.max(count, 1);
        if (nested > RE2_MAX_REPEAT) return undefined;
        const body = weight(n.body, nested);
        // an optional or repeated part costs RE2 more than its body (`(?:ab)?` about 5 characters' worth)
        return body === undefined ? undefined : 6 + body * Math.max(count, 1);
      }
    }
  };
  const w = weight(parsed.root, 1);
  return w !== undefined && w <= CERTAIN_PROGRAM;
}

/**
 * The fast test of an RE2 pattern with flags among `i`, `s`, `m` (undefined when nothing can be done faster).
 * Flags set inside the pattern (`(?i)`, `(?-i)`, `(?s:…)`, …) hold to the end of their group, as in RE2.
 */
export function fastRegex(pattern: string, flags: string): FastTest | undefined {
  return regexPlan(pattern, flags).fast;
}

/** The fast test of a pattern and whether RE2 certainly accepts it (`re2Accepts`), from one parse. */
export function regexPlan(pattern: string, flags: string): { readonly fast: FastTest | undefined; readonly certain: boolean } {
  const parsed = parsePattern(pattern, flags);
  return parsed ? { fast: fastOf(parsed), certain: certainOf(pattern, parsed) } : { fast: undefined, certain: false };
}

/**
 * The longest ASCII input the RegExp path runs a pattern on (-1: none, RE2 decides; undefined: not translated): the
 * step budget over the pattern's backtracking bound (for tests and benchmarks).
 */
export function regexInputBound(pattern: string, flags: string): number | undefined {
  const parsed = parsePattern(pattern, flags);
  return parsed && inputBound(parsed.root, parsed.fold);
}

/** The longest input whose backtracking bound is within the step budget; -1 when none is. */
function inputBound(root: Node, fold: boolean): number {
  // both ways of counting bound the same work: the larger input length either allows is allowed (counted as a
  // factor, a repetition costs less than counted as short failures when the rest has few paths and many nodes)
  return Math.max(boundOf(root, fold, false), boundOf(root, fold, true));
}

/** Whether the pattern starts with `^` (one start position). */
const anchoredAtStart = (root: Node): boolean => root.k === 'seq' && root.items[0]?.k === 'assert' && (root.items[0] as { src: string }).src === '^';

/**
 * The backtracking work of an input of length `n` from `starts` start positions, for a pattern of `nodes` nodes whose
 * longest match is `maxMatch`: start positions x paths of one attempt x (steps of one path, and the short failures of
 * the repetitions that add to the work: see `paths`).
 */
function workOf(shape: Shape, nodes: number, maxMatch: number, n: number, starts: number): number {
  return starts * shape.coef * Math.pow(n + 1, shape.deg) * (Math.min(n, maxMatch) + nodes + shape.lin * (n + 1) * nodes);
}

function boundOf(root: Node, fold: boolean, additive: boolean): number {
  const shape = paths(root, fold, END, additive);
  if (!shape) return -1;
  const anchored = anchoredAtStart(root);
  const nodes = size(root);
  const { max: maxMatch } = lengths(root);
  const within = (n: number): boolean => workOf(shape, nodes, maxMatch, n, anchored ? 1 : n + 1) <= STEP_BUDGET;
  if (!within(0)) return -1;
  // the longest input length within budget (monotone in n)
  let lo = 0;
  let hi = 1 << 20;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (within(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Whether an input longer than the bound still fits the step budget because few of its positions can start a match:
 * when every match starts with one of a known set of characters (`startOf`), a position holding another fails at its
 * first step, so the work is that of the positions that hold one (and the end of the text) times a path's work, plus
 * one step for each other position. Undefined when the pattern's first character is not known (or it is anchored:
 * then `inputBound` already counts one start).
 */
function startsFit(root: Node, fold: boolean): ((s: string) => boolean) | undefined {
  if (anchoredAtStart(root)) return undefined;
  const first = new Uint8Array(128);
  if (startOf(root, fold, first) !== 'stops') return undefined;
  const shapes = [paths(root, fold, END, false), paths(root, fold, END, true)].filter((x): x is Shape => x !== undefined);
  if (!shapes.length) return undefined;
  const nodes = size(root);
  const { max: maxMatch } = lengths(root);
  return (s: string) => {
    const n = s.length;
    let starts = 1;
    for (let i = 0; i < n; i++) if (first[s.charCodeAt(i)] === 1) starts++;
    return shapes.some((shape) => n + workOf(shape, nodes, maxMatch, n, starts) <= STEP_BUDGET);
  };
}

/** `fastRegex` on a parsed pattern. */
function fastOf(parsed: Parsed): FastTest | undefined {
  const { root, fold, dotNl } = parsed;
  const found: string[][] = [];
  requiredSteps(root, found);
  const steps = found.map((alts) => [...new Set(alts.map((a) => (fold ? a.toLowerCase() : a)))]);
  const shapeOfGlob = globShape(root);
  const glob = shapeOfGlob && (fold ? shapeOfGlob.segs.map((seg) => seg.map((c) => (c >= 65 && c <= 90 ? c + 32 : c))) : shapeOfGlob.segs);
  let re: RegExp | undefined;
  try {
    re = new RegExp(toJs(root, dotNl), fold ? 'iu' : 'u');
  } catch {
    re = undefined;
  }
  // the longest input the RegExp runs on, worked out at the first input that needs it (a build plans every pattern
  // and runs few)
  let maxLen: number | undefined;
  const bound = (): number => (maxLen ??= re ? inputBound(root, fold) : -1);
  // longer inputs: whether few enough of their positions can start a match (made when first needed)
  let fits: ((s: string) => boolean) | false | undefined;
  const fitsOf = (): ((s: string) => boolean) | undefined => {
    if (fits === undefined) fits = (re && startsFit(root, fold)) || false;
    return fits || undefined;
  };
  const { min: minLen } = lengths(root);
  if (!steps.length && !glob && minLen <= 1 && bound() < 0 && !fitsOf()) return undefined;
  return (s: string) => {
    // a code point is one or two UTF-16 units: fewer units than the shortest match cannot match
    if (s.length < minLen) return false;
    const ascii = ASCII.test(s);
    if (steps.length && (ascii || !fold) && !stepsInOrder(steps, fold ? s.toLowerCase() : s)) return false;
    if (!ascii) return undefined;
    if (glob && (dotNl || !s.includes('\n'))) return globMatch(glob, fold ? s.toLowerCase() : s);
    if (s.length <= bound() || fitsOf()?.(s)) return re!.test(s);
    return undefined;
  };
}

/** A match as RE2's `exec` gives it: the whole match, each group (undefined when it took no part), its offset. */
export type FastMatch = RegexMatch & { readonly index: number };

/** A faster `exec` with RE2's answer: the first match at or after `from`, null when none, undefined when RE2 must decide. */
export type FastExec = (s: string, from: number) => FastMatch | null | undefined;

/**
 * The fast `exec` of an RE2 pattern with flags among `i`, `s`, `m` (undefined when nothing can be done faster): what
 * rules compute values with (KQL `extract` and `replace_regex`, Splunk `rex` and `replace`, Python `re.sub`), run on
 * every event a hunt reads, at 10 to 30 µs a call in RE2-wasm. The translation is the test's, with the groups kept
 * capturing (numbered as RE2 numbers them: by their opening parenthesis, named groups left to RE2) and non-greedy
 * repetitions kept non-greedy. On ASCII input within the backtracking bound the RegExp finds RE2's match: both take
 * the leftmost match and, at it, the first in the pattern's order of preference (Perl's, which RE2 follows), so the
 * groups are the same too. One difference is ruled out by the pattern's shape: JavaScript forgets a repetition's
 * groups at each new pass where RE2 keeps those the pass did not set, and a repeated part here has no choice inside
 * (`paths`), so every pass sets all of its groups. A repeated part that can match nothing is left to RE2 (the engines
 * differ on when an empty pass ends a repetition). Input whose required literals are missing has no match (null,
 * without running anything).
 */
export function fastExec(pattern: string, flags: string): FastExec | undefined {
  const parsed = parsePattern(pattern, flags, true);
  if (!parsed || parsed.named || emptyRepetition(parsed.root)) return undefined;
  const { root, fold, dotNl } = parsed;
  let re: RegExp;
  try {
    re = new RegExp(toJs(root, dotNl), fold ? 'giu' : 'gu');
  } catch {
    return undefined;
  }
  const found: string[][] = [];
  requiredSteps(root, found);
  const steps = found.map((alts) => [...new Set(alts.map((a) => (fold ? a.toLowerCase() : a)))]);
  const bound = inputBound(root, fold);
  const fits = startsFit(root, fold);
  if (bound < 0 && !steps.length && !fits) return undefined;
  return (s: string, from: number) => {
    if (!ASCII.test(s)) return undefined;
    if (steps.length && !stepsInOrder(steps, fold ? s.toLowerCase() : s)) return null;
    if (s.length > bound && !fits?.(s)) return undefined;
    re.lastIndex = from;
    return re.exec(s);
  };
}

/** Whether a part repeated more than once can match the empty string. */
function emptyRepetition(n: Node): boolean {
  switch (n.k) {
    case 'seq':
      return n.items.some(emptyRepetition);
    case 'alt':
      return n.alts.some(emptyRepetition);
    case 'rep':
      return (n.max > 1 && lengths(n.body).min === 0) || emptyRepetition(n.body);
    default:
      return false;
  }
}

/** Anchored match of glob segments (`-1` any character) on an ASCII haystack (lower-cased when folding). */
function globMatch(lower: readonly (readonly number[])[], hay: string): boolean {
  const at = (seg: readonly number[], pos: number): boolean => {
    for (let j = 0; j < seg.length; j++) {
      const c = seg[j]!;
      if (c !== -1 && hay.charCodeAt(pos + j) !== c) return false;
    }
    return true;
  };
  const first = lower[0]!;
  if (lower.length === 1) return hay.length === first.length && at(first, 0);
  const last = lower[lower.length - 1]!;
  if (hay.length < first.length + last.length) return false;
  if (!at(first, 0) || !at(last, hay.length - last.length)) return false;
  let pos = first.length;
  const end = hay.length - last.length;
  for (let i = 1; i < lower.length - 1; i++) {
    const seg = lower[i]!;
    let found = -1;
    for (let q = pos; q + seg.length <= end; q++) {
      if (at(seg, q)) {
        found = q;
        break;
      }
    }
    if (found < 0) return false;
    pos = found + seg.length;
  }
  return true;
}

/**
 * Strings the pattern's tree would match, built with random choices (for the test that checks the fast test
 * against RE2; undefined when the pattern is not translated). Classes give one of a few probes.
 */
export function sampleInputs(pattern: string, flags: string, count: number, rand: () => number): string[] | undefined {
  let parsed: ReturnType<typeof parsePattern>;
  try {
    parsed = parsePattern(pattern, flags);
  } catch {
    return undefined;
  }
  if (!parsed) return undefined;
  const { root, fold } = parsed;
  const probes = ['a', 'Z', '0', '9', '_', ' ', '\t', '\n', '\r', '\v', '-', '.', '\\', '"', '/', ':', 'k', 'S', 'f', 'x'];
  const gen = (n: Node): string => {
    switch (n.k) {
      case 'char': {
        const c = String.fromCodePoint(n.c);
        return fold && rand() < 0.5 ? c.toUpperCase() : c;
      }
      case 'class': {
        const re = new RegExp(n.src, fold ? 'iu' : 'u');
        const ok = probes.filter((x) => re.test(x));
        return ok.length && rand() < 0.9 ? ok[Math.floor(rand() * ok.length)]! : probes[Math.floor(rand() * probes.length)]!;
      }
      case 'any':
        return probes[Math.floor(rand() * probes.length)]!;
      case 'assert':
        return '';
      case 'seq':
        return n.items.map(gen).join('');
      case 'alt':
        return gen(n.alts[Math.floor(rand() * n.alts.length)]!);
      case 'rep': {
        const hi = Math.min(n.max, n.min + 4);
        const k = n.min + Math.floor(rand() * (hi - n.min + 1));
        let out = '';
        for (let i = 0; i < k; i++) out += gen(n.body);
        return out;
      }
    }
  };
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = gen(root);
    const r = rand();
    if (r < 0.2) s = probes[Math.floor(rand() * probes.length)]! + s;
    else if (r < 0.4) s += probes[Math.floor(rand() * probes.length)]!;
    else if (r < 0.5 && s.length) s = s.slice(0, -1);
    else if (r < 0.6 && s.length) s = s.slice(1);
    out.push(s);
  }
  return out;
}
