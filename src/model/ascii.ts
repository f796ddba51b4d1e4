/**
 * A string all of whose characters are ASCII: such a string lower-cases, counts and compares the same way in every
 * engine the project runs (JavaScript, RE2, DuckDB). Not global: `test` keeps no state between calls.
 */
// eslint-disable-next-line no-control-regex
export const ASCII = /^[\x00-\x7f]*$/;

/**
 * The bidirectional marks, embeddings, overrides and isolates, as a character class's body: U+202E writes what
 * follows right to left (`Ann\u202Egepj.exe` shows as `Annexe.jpeg`, the trick rules look for, which a reader must see
 * as written). The wiki's `esc` (`src/web/html.ts`) marks the same set.
 */
export const BIDI_CLASS = '\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069';

/** What `JSON.stringify` leaves as it is of `CONTROL` (it escapes C0 controls only): DEL, C1, the separators, `BIDI_CLASS`. */
const RAW_IN_JSON = `\u007f-\u009f\u2028\u2029${BIDI_CLASS}`;

/**
 * Characters a terminal or a reader of lines acts on: C0 controls but tab, DEL, C1 controls (U+009B is a terminal's
 * CSI), the line and paragraph separators, and the bidirectional controls (`BIDI_CLASS`). Event values and rule texts
 * are untrusted.
 */
export const CONTROL = new RegExp(`[\u0000-\u0008\u000a-\u001f${RAW_IN_JSON}]`);
const CONTROLS = new RegExp(CONTROL.source, 'g');
const JSON_RAW = new RegExp(`[${RAW_IN_JSON}]`);
const JSON_RAWS = new RegExp(JSON_RAW.source, 'g');

/** A character as its `\uXXXX` escape. */
const uEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `s` with each such character written as its `\uXXXX` escape (itself when it has none). */
export function escapeControls(s: string): string {
  return CONTROL.test(s) ? s.replace(CONTROLS, uEscape) : s;
}

/** A text of several lines with each line's controls escaped (`escapeControls`); a line's CR before its LF is dropped. */
export function escapeControlsByLine(s: string): string {
  return CONTROL.test(s) ? s.split('\n').map((l) => escapeControls(l.endsWith('\r') ? l.slice(0, -1) : l)).join('\n') : s;
}

/**
 * `JSON.stringify(v, null, space)` with every character a terminal acts on written as its `\uXXXX` escape: the same
 * value to a JSON reader, and nothing in rule or event text printed (`--json`, `--jsonl`) moves a terminal's cursor or
 * opens its control sequences. (`CONTROL` itself cannot be used: an indented text has its own line breaks.)
 */
export function jsonText(v: unknown, space?: number): string {
  const t = JSON.stringify(v, null, space);
  return JSON_RAW.test(t) ? t.replace(JSON_RAWS, uEscape) : t;
}
