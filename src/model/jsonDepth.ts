/**
 * How deep JSON text nests, told without parsing it: walks over a parsed value recurse (the hunt's over an event, an
 * evaluation's over a member of `parse_json`), and a value nested many thousand levels deep overflows their stack.
 */

/**
 * Whether JSON text nests objects and arrays deeper than `limit`. A value cannot nest deeper than it has opening
 * brackets, so their count (`indexOf`, no character loop) answers for almost every event; only a text with more of
 * them is scanned, strings skipped.
 */
export function nestsDeeperThan(text: string | Buffer, limit: number): boolean {
  let n = 0;
  if (typeof text === 'string') {
    for (let i = text.indexOf('{'); i >= 0; i = text.indexOf('{', i + 1)) if (++n > limit) return depthOf(text, limit) > limit;
    for (let i = text.indexOf('['); i >= 0; i = text.indexOf('[', i + 1)) if (++n > limit) return depthOf(text, limit) > limit;
  } else {
    // UTF-8 bytes: brackets, quotes and backslashes are ASCII, never inside another character's bytes
    for (let i = text.indexOf(123); i >= 0; i = text.indexOf(123, i + 1)) if (++n > limit) return depthOf(text.toString('latin1'), limit) > limit;
    for (let i = text.indexOf(91); i >= 0; i = text.indexOf(91, i + 1)) if (++n > limit) return depthOf(text.toString('latin1'), limit) > limit;
  }
  return false;
}

/** The deepest nesting of objects and arrays in JSON text, strings skipped; counting stops past `limit`. */
function depthOf(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 92 /* \\ */) i++;
        else if (s === 34) break;
      }
    } else if (c === 123 || c === 91) {
      if (++depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (c === 125 || c === 93) depth--;
  }
  return deepest;
}
