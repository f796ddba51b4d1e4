/**
 * Splunk `.conf` files (`savedsearches.conf`, `macros.conf`), as Splunk's configuration file reference describes
 * them: lines of `[stanza]` headers and `key = value` settings; a line whose first non-blank character is `#` is a
 * comment; a value continues on the next line when its line ends with a backslash (the line break is kept, the
 * backslash is not). Settings before the first stanza belong to the default stanza (named ``). Every value keeps
 * the offsets of its characters in the file, for spans and diagnostics.
 */

export interface ConfSetting {
  readonly key: string;
  readonly value: string;
  /** Offset of the key in the file. */
  readonly at: number;
  /** Offset in the file of the value's character at `i` (the value may span lines). */
  readonly toFile: (i: number) => number;
}

export interface ConfStanza {
  readonly name: string;
  /** Offset of the `[` in the file (0 for the default stanza), and where the stanza's text ends. */
  readonly at: number;
  readonly end: number;
  readonly settings: readonly ConfSetting[];
}

export interface ConfFile {
  readonly stanzas: readonly ConfStanza[];
  /** Lines that are neither a stanza, a setting nor a comment. */
  readonly errors: readonly { readonly offset: number; readonly message: string }[];
}

/** A run of value characters and where it starts in the file. */
interface Piece {
  readonly from: number;
  readonly fileAt: number;
}

export function readConf(text: string): ConfFile {
  const stanzas: { name: string; at: number; end: number; settings: ConfSetting[] }[] = [{ name: '', at: 0, end: text.length, settings: [] }];
  const errors: { offset: number; message: string }[] = [];
  let pending: { key: string; at: number; value: string; pieces: Piece[] } | undefined;
  const finish = () => {
    if (!pending) return;
    const { key, at, value, pieces } = pending;
    const toFile = (i: number): number => {
      // the last piece that starts at or before i (pieces are in order)
      let lo = 0;
      let hi = pieces.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (pieces[mid]!.from <= i) lo = mid;
        else hi = mid - 1;
      }
      const p = pieces[lo]!;
      return p.fileAt + (i - p.from);
    };
    stanzas[stanzas.length - 1]!.settings.push({ key, value, at, toFile });
    pending = undefined;
  };
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const continues = line.endsWith('\\');
    const body = continues ? line.slice(0, -1) : line;
    if (pending) {
      // a continuation line: taken whole (its leading blanks are part of the value)
      pending.pieces.push({ from: pending.value.length + 1, fileAt: start });
      pending.value += '\n' + body;
    } else {
      const trimmed = body.trim();
      const lead = body.length - body.trimStart().length;
      if (trimmed === '' || trimmed.startsWith('#')) {
        // blank or comment
      } else if (trimmed.startsWith('[') && trimmed.endsWith(']') && !continues) {
        stanzas[stanzas.length - 1]!.end = start;
        stanzas.push({ name: trimmed.slice(1, -1).trim(), at: start + lead, end: text.length, settings: [] });
      } else {
        const eq = body.indexOf('=');
        const key = eq > 0 ? body.slice(0, eq).trim() : '';
        if (!key) errors.push({ offset: start + lead, message: 'not a [stanza], a key = value setting or a # comment' });
        else {
          const raw = body.slice(eq + 1);
          const skip = raw.length - raw.trimStart().length;
          pending = { key, at: start + lead, value: raw.trimStart(), pieces: [{ from: 0, fileAt: start + eq + 1 + skip }] };
        }
      }
    }
    if (pending && !continues) {
      pending.value = pending.value.trimEnd();
      finish();
    }
    start = end + 1;
  }
  finish();
  return { stanzas: stanzas.filter((s) => s.name !== '' || s.settings.length), errors };
}

/** The last value of a key in a stanza (a later setting of the same key wins, as in Splunk). */
export function setting(s: ConfStanza, key: string): ConfSetting | undefined {
  for (let i = s.settings.length - 1; i >= 0; i--) if (s.settings[i]!.key === key) return s.settings[i];
  return undefined;
}
