import { escapeControls, escapeControlsByLine } from '../model/ascii.ts';

/**
 * Print text (a line, or several joined by newlines) on standard output, as `console.log` does, with every character
 * a terminal acts on escaped (`escapeControlsByLine`): rule texts, file names, list names and event values are
 * untrusted, and the commands print through this rather than through `console.log`, so that no line is left out.
 */
export function say(text = ''): void {
  console.log(escapeControlsByLine(text));
}

/**
 * Print one line whatever it holds: a line break inside it is escaped too (`escapeControls`), so that a rule's title
 * or a file name cannot start a line of its own (a line of SQL after `convert`'s comment, a forged `ok` in `test`).
 */
export function sayLine(text: string): void {
  console.log(escapeControls(text));
}

/**
 * Lines for standard output, written in chunks. A hunt reports a line per hit and per may-fire (144,000 lines for
 * 5,000 Sysmon events with the whole catalog), and Node writes standard output to a file or a pipe synchronously: a
 * write a line was a system call a line, about a tenth of such a hunt's time. Lines wait until 64 KB are pending or
 * for at most a quarter of a second (a timer, so that a reader of a slow hunt still sees each hit soon after it is
 * found); `flush` writes what is pending, in order, before anything else is printed.
 */
export class LineWriter {
  private pending = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (text: string) => void = (text) => void process.stdout.write(text),
    private readonly chunk = 65536,
    private readonly waitMs = 250,
  ) {}

  /** A line (without its newline). */
  line(text: string): void {
    this.pending += text + '\n';
    if (this.pending.length >= this.chunk) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.waitMs).unref();
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.pending) return;
    const text = this.pending;
    this.pending = '';
    this.write(text);
  }
}

/** Characters of a matched predicate's text a line shows (a long list of values is cut; `--json` has it whole). */
const PREDICATE_SHOWN = 160;

/** Predicates a hit or an evaluation lists a line each; `--json` lists them all. */
const PREDICATES_LISTED = 6;

/**
 * The lines of a hit's (or an evaluation's) matched predicates: each predicate, cut at `PREDICATE_SHOWN` characters,
 * with what the event had (`seen`) and the value that held (`held`) when that is not the event's value itself (an
 * equality: `EventID in [4699, 4701]` on 4701). Rule texts and event values are untrusted: no character a terminal
 * acts on is left as it is.
 */
export function matchedLines(ex: { readonly matched: readonly string[]; readonly seen?: readonly string[]; readonly held?: readonly (string | null)[] }, indent = '    '): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.min(ex.matched.length, PREDICATES_LISTED); i++) {
    const m = ex.matched[i]!;
    const seen = ex.seen?.[i];
    const held = ex.held?.[i];
    const event = seen !== undefined ? `   (event: ${seen}${held && held !== seen ? `; held: ${held}` : ''})` : '';
    out.push(escapeControls(`${indent}${m.length > PREDICATE_SHOWN ? `${m.slice(0, PREDICATE_SHOWN)}…` : m}${event}`));
  }
  if (ex.matched.length > PREDICATES_LISTED) out.push(`${indent}… and ${ex.matched.length - PREDICATES_LISTED} more (the JSON output lists them all)`);
  return out;
}
