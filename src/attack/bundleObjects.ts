/**
 * The objects of a STIX bundle's bytes, parsed one at a time. `JSON.parse` of the whole file needs its text as one
 * string (the 47 MB Enterprise bundle has characters beyond Latin-1, so V8 makes it a two-byte string of 94 MB) and
 * then holds every parsed object at once (about 100 MB more), while the reader keeps a fraction of them: a build's
 * building thread reached about 250 MB of heap and external memory loading it. Here the bytes are split into the
 * top-level members and the elements of `objects` by a scan that only tracks strings and nesting, and each piece is
 * decoded and given to `JSON.parse` on its own, when the reader asks for it: the objects the reader drops are
 * garbage at once.
 *
 * Every piece goes through `JSON.parse`, so what is accepted is valid JSON; the scan checks the separators between
 * pieces. Anything else (not an object at the top, no `objects` array, a duplicate `objects` key, a byte order mark)
 * gives `undefined`: the caller parses the whole text as before, which gives its usual error or diagnostics.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Index just past the string that starts at `i` (a quote), or -1 when it is not closed. */
function stringEnd(buf: Buffer, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = buf.indexOf(QUOTE, j);
    if (q < 0) return -1;
    let bs = 0;
    for (let k = q - 1; k > i && buf[k] === BACKSLASH; k--) bs++;
    if (bs % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** Index just past the JSON value that starts at `i`, or -1 (its validity is left to `JSON.parse`). */
function valueEnd(buf: Buffer, i: number): number {
  const b = buf[i];
  if (b === QUOTE) return stringEnd(buf, i);
  if (b === 0x7b || b === 0x5b) {
    let depth = 0;
    let j = i;
    while (j < buf.length) {
      const c = buf[j]!;
      if (c === QUOTE) {
        j = stringEnd(buf, j);
        if (j < 0) return -1;
        continue;
      }
      if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    return -1;
  }
  // a number or a literal: up to the next separator
  let j = i;
  while (j < buf.length && !isSpace(buf[j]!) && buf[j] !== 0x2c && buf[j] !== 0x7d && buf[j] !== 0x5d) j++;
  return j > i ? j : -1;
}

/**
 * Where each element of the bundle's `objects` array is in `buf` (start and end offsets, in pairs), after checking
 * the bundle's frame and parsing its other members; undefined when the bytes are not such a bundle.
 */
export function bundleObjectSpans(buf: Buffer): number[] | undefined {
  let i = 0;
  const skip = (): void => {
    while (i < buf.length && isSpace(buf[i]!)) i++;
  };
  const parse = (s: number, e: number): boolean => {
    try {
      JSON.parse(buf.toString('utf8', s, e));
      return true;
    } catch {
      return false;
    }
  };
  skip();
  if (buf[i] !== 0x7b) return undefined;
  i++;
  skip();
  let spans: number[] | undefined;
  if (buf[i] === 0x7d) return undefined;
  for (;;) {
    skip();
    if (buf[i] !== QUOTE) return undefined;
    const keyEnd = stringEnd(buf, i);
    if (keyEnd < 0) return undefined;
    let key: unknown;
    try {
      key = JSON.parse(buf.toString('utf8', i, keyEnd));
    } catch {
      return undefined;
    }
    i = keyEnd;
    skip();
    if (buf[i] !== 0x3a) return undefined;
    i++;
    skip();
    if (key === 'objects') {
      if (spans || buf[i] !== 0x5b) return undefined;
      spans = [];
      i++;
      skip();
      if (buf[i] === 0x5d) i++;
      else {
        for (;;) {
          skip();
          const end = valueEnd(buf, i);
          if (end < 0) return undefined;
          spans.push(i, end);
          i = end;
          skip();
          if (buf[i] === 0x2c) i++;
          else if (buf[i] === 0x5d) {
            i++;
            break;
          } else return undefined;
        }
      }
    } else {
      const end = valueEnd(buf, i);
      if (end < 0 || !parse(i, end)) return undefined;
      i = end;
    }
    skip();
    if (buf[i] === 0x2c) {
      i++;
      continue;
    }
    if (buf[i] !== 0x7d) return undefined;
    i++;
    break;
  }
  skip();
  return i === buf.length ? spans : undefined;
}

/** Thrown by `bundleObjects`' iteration when an element is not valid JSON. */
export class BundleElementError extends Error {}

/** The elements at `spans`, each decoded and parsed when the iteration reaches it. */
export function* bundleObjects(buf: Buffer, spans: readonly number[]): Generator<unknown> {
  for (let k = 0; k < spans.length; k += 2) {
    let v: unknown;
    try {
      v = JSON.parse(buf.toString('utf8', spans[k], spans[k + 1]));
    } catch (e) {
      throw new BundleElementError(e instanceof Error ? e.message : String(e));
    }
    yield v;
  }
}
