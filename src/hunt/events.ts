/**
 * Streaming event input for `detwiki hunt`: JSON lines, one JSON document, JSON values one after the other (evtx
 * dumps as the Sigma regression data has them), a top-level array, and gzip of any of these; a file, a folder
 * (every file under it, sorted) or `-` (stdin). Memory stays bounded: one value at a time, never more than
 * `maxValueBytes` of a value held.
 *
 * Bad input never stops the hunt: each problem is one `BadInput` with its file and line (a non-JSON line, a value
 * over the size limit, a binary file, a truncated gzip), and the counts of lines read / values parsed / bad are
 * kept by the caller (`InputCounts`).
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { auditEvent, auditPairs } from './auditd.ts';
import { AuditCoalescer } from './auditbeat.ts';
import { LIMITS } from '../model/diagnostics.ts';
import { nestsDeeperThan } from '../model/jsonDepth.ts';

/** Where an event came from: file and 1-based line of its first character. */
export interface EventPosition {
  readonly file: string;
  readonly line: number;
  /** A document the reader made (Auditbeat's of an audit event, at the line of its first record). */
  readonly made?: true;
}

export interface InputEvent {
  readonly kind: 'event';
  readonly event: unknown;
  readonly pos: EventPosition;
}

/** A value's text, not parsed (`ReadOptions.raw`): whoever parses it reports a failure as `notJson`. */
export interface RawEvent {
  readonly kind: 'raw';
  /**
   * The value's text, or its UTF-8 bytes as read (a line of JSON lines: a view of the chunk read, not a copy, so a
   * worker thread is sent bytes without a string made here; `rawText` decodes it).
   */
  readonly text: string | Buffer;
  readonly pos: EventPosition;
}

/** A raw value's text. */
export function rawText(r: RawEvent): string {
  return typeof r.text === 'string' ? r.text : r.text.toString('utf8');
}

/** One problem of the input, with where it is. */
export interface BadInput {
  readonly kind: 'bad';
  readonly pos: EventPosition;
  /** Stable code: NOT_JSON, NOT_EVENT, TOO_LONG, TOO_DEEP, BINARY, TRUNCATED_GZIP, READ_ERROR, TRUNCATED. */
  readonly code: 'NOT_JSON' | 'NOT_EVENT' | 'TOO_LONG' | 'TOO_DEEP' | 'BINARY' | 'TRUNCATED_GZIP' | 'READ_ERROR' | 'TRUNCATED';
  readonly message: string;
}

export type InputItem = InputEvent | BadInput;

/** The bad-input entry of a value that does not parse (as the reader makes it). */
export function notJson(pos: EventPosition, e: unknown): BadInput {
  return { kind: 'bad', code: 'NOT_JSON', message: `not JSON: ${e instanceof Error ? e.message : String(e)}`, pos };
}

/**
 * Deepest nesting of objects and arrays an event may have. The engine's walks over an event (a field's values, every
 * string of it for a keyword, a worker's reply) recurse: an event nested 200,000 levels deep stopped a hunt with
 * `RangeError: Maximum call stack size exceeded`, and one of 8,000 levels made a worker's reply unreadable. Events of
 * real logs nest a few levels (CloudTrail's, Okta's, Elastic's documents under 20). Deeper is a TOO_DEEP bad value.
 */
export const MAX_EVENT_DEPTH = LIMITS.maxDepth;

/** The bad-input entry of a value nested deeper than MAX_EVENT_DEPTH. */
export function tooDeep(pos: EventPosition): BadInput {
  return { kind: 'bad', code: 'TOO_DEEP', message: `objects and arrays nested deeper than ${MAX_EVENT_DEPTH} levels: not read`, pos };
}

/**
 * A raw value nested too deep, as the thread that parses raw values would report it had it been sent: not JSON when
 * it does not parse (the same message), else TOO_DEEP.
 */
function deepRaw(text: string | Buffer, pos: EventPosition): BadInput {
  try {
    JSON.parse(typeof text === 'string' ? text : text.toString('utf8'));
  } catch (e) {
    return notJson(pos, e);
  }
  return tooDeep(pos);
}

export interface ReadOptions {
  /** Largest value (or line) kept, in characters; longer ones are one TOO_LONG error. Default 16 MiB. */
  readonly maxValueChars?: number;
  /** Values are cut but not parsed (`RawEvent`; for worker threads that parse them). */
  readonly raw?: boolean;
  /**
   * false: every byte goes through the character scan, without the JSON-lines fast path (the reference the fast path
   * is tested against). Default true.
   */
  readonly lineFastPath?: boolean;
}

/** Counts printed at the end of a hunt: nothing is skipped silently. */
export interface InputCounts {
  files: number;
  lines: number;
  /** Events read, and documents made of audit records (`EventPosition.made`). */
  events: number;
  bad: number;
  /** Of `events`: the documents made of Linux audit records (Auditbeat's, for Elastic's rules). */
  made?: number;
}

/** Names of files a folder walk reads (files named on the command line are always read). */
export const EVENT_FILE = /\.(json|jsonl|ndjson|jsonlines|log|gz)$|\.log\.\d+$/i;

/**
 * Every input file of the arguments: files as given, folders walked (sorted, only `EVENT_FILE` names; the others
 * are listed in `skipped`), `-` for stdin.
 */
export function inputFiles(args: readonly string[], skipped: string[] = []): string[] {
  const out: string[] = [];
  const walk = (p: string, top: boolean): void => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) {
      out.push(p); // reported as READ_ERROR when read
      return;
    }
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) if (!e.startsWith('.')) walk(path.join(p, e), false);
    } else if (top || EVENT_FILE.test(p)) out.push(p);
    else skipped.push(p);
  };
  for (const a of args) if (a === '-') out.push('-');
  else walk(a, true);
  return out;
}

/** Gzip's magic bytes at the start. */
export const isGzip = (b: Buffer): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

const BINARY_MESSAGE = 'binary file (NUL bytes in its first 8 KB), not JSON; skipped';

/**
 * The bytes of an input (a file or standard input), told by its first read: gzip by its first two bytes, then
 * inflated; binary by NUL bytes in its first 8 KB. Only the first read is waited for (and a second when it holds
 * one byte), so events piped slowly are hunted as they come.
 */
async function* sniffed(input: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  const it = input[Symbol.asyncIterator]();
  const next = async (): Promise<Buffer | undefined> => {
    const r = await it.next();
    return r.done ? undefined : typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
  };
  let head = (await next()) ?? Buffer.alloc(0);
  let ended = head.length === 0;
  while (!ended && head.length < 2) {
    const more = await next();
    if (more) head = Buffer.concat([head, more]);
    else ended = true;
  }
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    if (ended) return;
    for (let b = await next(); b; b = await next()) yield b;
  }
  if (isGzip(head)) {
    // pipeline, not pipe: an error reading the input ends the inflated stream with it (pipe would leave it waiting)
    const gunzip = createGunzip();
    pipeline(Readable.from(all()), gunzip, () => undefined);
    yield* gunzip;
    return;
  }
  if (head.subarray(0, 8192).includes(0)) throw new ReadFailure('BINARY', BINARY_MESSAGE);
  yield* all();
}

/** A problem reading an input, with its bad-input code. */
class ReadFailure extends Error {
  constructor(
    readonly code: BadInput['code'],
    message: string,
  ) {
    super(message);
  }
}

/** Byte chunks of a file or of standard input (`-`), gunzipped when gzip; errors become a thrown `ReadFailure`. */
async function* chunks(file: string): AsyncGenerator<Buffer> {
  const stream = sniffed(file === '-' ? process.stdin : createReadStream(file));
  try {
    for await (const c of stream) yield typeof c === 'string' ? Buffer.from(c) : c;
  } catch (e) {
    if (e instanceof ReadFailure) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    const code = (e as { code?: string }).code;
    if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR' || /unexpected end of file|incorrect header|invalid/i.test(msg)) throw new ReadFailure('TRUNCATED_GZIP', `gzip stream broken (${msg}); the events before it were read`);
    throw new ReadFailure('READ_ERROR', msg);
  }
}

/**
 * Read every event of the inputs, in order. Values are split with a string-aware scan of `{}` / `[]` depth, so a
 * JSON lines file and a file of pretty-printed documents read alike; a top-level array gives its elements.
 */
export async function* readEvents(files: readonly string[], counts: InputCounts, opts: ReadOptions = {}): AsyncGenerator<InputItem> {
  for await (const batch of readEventBatches(files, counts, { ...opts, raw: false })) yield* batch;
}

/**
 * `readEvents` a chunk of input at a time (the items of one read, in order): one asynchronous step per chunk rather
 * than per event, for the hunt's main loop.
 */
export function readEventBatches(files: readonly string[], counts: InputCounts, opts?: ReadOptions & { raw?: false }): AsyncGenerator<InputItem[]>;
export function readEventBatches(files: readonly string[], counts: InputCounts, opts: ReadOptions & { raw: true }): AsyncGenerator<(RawEvent | BadInput)[]>;
export async function* readEventBatches(files: readonly string[], counts: InputCounts, opts: ReadOptions = {}): AsyncGenerator<(InputItem | RawEvent)[]> {
  const max = opts.maxValueChars ?? 16 * 1024 * 1024;
  for (const file of files) {
    counts.files++;
    yield* readFile(file, counts, max, opts.raw ?? false, opts.lineFastPath ?? true);
  }
}

async function* readFile(file: string, counts: InputCounts, max: number, raw: boolean, lineFastPath: boolean): AsyncGenerator<(InputItem | RawEvent)[]> {
  const name = file === '-' ? '<stdin>' : file;
  const splitter = new ValueSplitter(name, max, raw, lineFastPath);
  const batch = (items: Iterable<InputItem | RawEvent>): (InputItem | RawEvent)[] => {
    const out: (InputItem | RawEvent)[] = [];
    for (const item of items) out.push(count(item, counts));
    return out;
  };
  try {
    for await (const bytes of chunks(file)) {
      const b = batch(splitter.pushBytes(bytes));
      if (b.length) yield b;
    }
    const b = batch([...splitter.flush(), ...splitter.end()]);
    if (b.length) yield b;
  } catch (e) {
    // what the bytes read so far hold (a value completed, a bad line), then the value the error cut
    const flushed = batch([...splitter.flush(), ...splitter.endDocuments()]);
    if (flushed.length) yield flushed;
    const partial = splitter.discard();
    const f = e instanceof ReadFailure ? e : new ReadFailure('READ_ERROR', e instanceof Error ? e.message : String(e));
    const message = partial ? `${f.message}; the value it cut at line ${partial} is dropped` : f.message;
    yield [count({ kind: 'bad', code: f.code, message, pos: { file: name, line: splitter.line } }, counts)];
  }
  counts.lines += splitter.linesSeen();
}

function count<T extends InputItem | RawEvent>(item: T, counts: InputCounts): T {
  if (item.kind === 'event' || item.kind === 'raw') {
    counts.events++;
    if (item.pos.made) counts.made = (counts.made ?? 0) + 1;
  } else counts.bad++;
  return item;
}

/** A line longer than this (in bytes) is not held whole for the line fast path: it goes through the character scan. */
const FAST_LINE_BYTES = 1 << 20;

/**
 * Where the value that starts with the `{` at `from` ends (exclusive), when it closes before `eol` and only blanks
 * (space, tab, carriage return) follow it on the line; else -1. The bytes are read as `push` reads characters (the
 * same depth, string and escape rules), so the value is the one the character scan would cut there; UTF-8 never has
 * these ASCII bytes inside a character.
 */
function oneValueEnd(b: Buffer, from: number, eol: number): number {
  let depth = 0;
  let i = from;
  for (; i < eol; i++) {
    const c = b[i]!;
    if (c === 34 /* " */) {
      // to the closing quote: a backslash escapes the next byte
      for (i++; i < eol; i++) {
        const s = b[i]!;
        if (s === 92) i++;
        else if (s === 34) break;
      }
      if (i >= eol) return -1;
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (--depth === 0) break;
    }
  }
  if (i >= eol) return -1;
  const end = i + 1;
  for (i = end; i < eol; i++) {
    const c = b[i]!;
    if (c !== 32 && c !== 9 && c !== 13) return -1;
  }
  return end;
}

/** Cuts a character stream into JSON values (see readEvents). */
class ValueSplitter {
  line = 1;
  /**
   * Offset of the current value in the text being scanned, -1 between values; 0 when the value began in an earlier
   * text (its text so far is in `held`).
   */
  private start = -1;
  /** The open value's text from earlier texts, one part per text: joined once, when the value ends. */
  private held: string[] = [];
  /** Characters in `held`. */
  private heldLength = 0;
  private startLine = 1;
  private depth = 0;
  private inString = false;
  private escape = false;
  private skipping: 'no' | 'line' = 'no';
  private arrayTop = false; // inside a top-level array: its elements are the values
  private lastChar = '';
  /** Bytes of a line not yet ended (the line fast path waits for its newline). */
  private carry: Buffer[] | undefined;
  /** Bytes in `carry`. */
  private carried = 0;
  /** The current line goes to the character scan (`push`), up to its newline. */
  private feeding = false;
  private readonly dec = new StringDecoder('utf8');
  /** The decoder holds the first bytes of a character (the next bytes must go through it). */
  private midChar = false;
  constructor(
    private readonly file: string,
    private readonly max: number,
    private readonly raw = false,
    private readonly lineFastPath = true,
  ) {}

  linesSeen(): number {
    return this.line - (this.lastChar === '\n' || this.lastChar === '' ? 1 : 0);
  }

  /**
   * The next bytes of the input. JSON lines take a fast path: a line that starts with `{` while no value is open is
   * decoded and parsed on its own (a one-byte string when the line is ASCII, however the rest of the input is
   * written), as `push` would parse it; for raw values (worker threads parse them), a line whose first `{` closes at
   * its end, but for blanks, is that value's text (`oneValueEnd`), as `push` would cut it. From any other line (or
   * one longer than `FAST_LINE_BYTES`) on, the rest of the chunk is decoded and goes through `push`, as it did before
   * the fast path (the character scan looks ahead within what it was given), until the scan is between values again
   * at the end of a chunk or of a line without `[`. Bytes are cut at newlines only, which UTF-8 never has inside a
   * character.
   */
  *pushBytes(chunk: Buffer): Generator<InputItem | RawEvent> {
    if (!this.lineFastPath) {
      yield* this.push(this.decode(chunk));
      return;
    }
    const n = chunk.length;
    let i = 0;
    if (this.feeding) {
      const e = chunk.indexOf(10);
      const head = e < 0 ? chunk : chunk.subarray(0, e + 1);
      if (e < 0 || head.includes(0x5b)) {
        yield* this.push(this.decode(chunk));
        this.feeding = !this.idle();
        return;
      }
      yield* this.push(this.decode(head));
      i = e + 1;
      if (!this.idle()) {
        yield* this.push(this.decode(chunk.subarray(i)));
        this.feeding = !this.idle();
        return;
      }
      this.feeding = false;
    } else if (this.carry) {
      const e = chunk.indexOf(10);
      if (e < 0) {
        // held as parts, joined once at the newline (no copy per chunk of a long line)
        if (this.carried + n <= FAST_LINE_BYTES) {
          this.carry.push(chunk);
          this.carried += n;
        } else yield* this.fallBack(...this.carry, chunk);
        return;
      }
      const line = Buffer.concat([...this.carry, chunk.subarray(0, e + 1)]);
      this.carry = undefined;
      i = e + 1;
      if (!(yield* this.fast(line, 0, line.length - 1))) {
        yield* this.fallBack(line, chunk.subarray(i));
        return;
      }
    }
    while (i < n) {
      const e = chunk.indexOf(10, i);
      if (e < 0) {
        // the last line is not complete: kept (copied: the chunk is not held) until its newline
        if (n - i <= FAST_LINE_BYTES) {
          this.carry = [Buffer.from(chunk.subarray(i))];
          this.carried = n - i;
        } else yield* this.fallBack(chunk.subarray(i));
        return;
      }
      if (!(yield* this.fast(chunk, i, e))) {
        yield* this.fallBack(chunk.subarray(i));
        return;
      }
      i = e + 1;
    }
  }

  /** The character scan is between values: nothing open, held or skipped. */
  private idle(): boolean {
    return this.start < 0 && this.skipping === 'no' && !this.arrayTop && !this.midChar && !this.record;
  }

  /** Bytes decoded for the character scan (a character cut at the end waits in the decoder for its next bytes). */
  private decode(b: Buffer): string {
    if (b.length) this.midChar = endsMidCharacter(b);
    return this.dec.write(b);
  }

  /** The rest of the chunk (after what was held back) goes through the character scan. */
  private *fallBack(...parts: Buffer[]): Generator<InputItem | RawEvent> {
    this.carry = undefined;
    let text = '';
    for (const p of parts) text += this.decode(p);
    yield* this.push(text);
    this.feeding = !this.idle();
  }

  /**
   * One line of bytes, `from` to its newline at `eol`, parsed when it is one JSON object (raw: its text, when its first
   * brace closes at its end, `oneValueEnd`); false when it is not.
   */
  private *fast(b: Buffer, from: number, eol: number): Generator<InputItem | RawEvent, boolean> {
    if (b[from] !== 0x7b || !this.idle() || eol - from > this.max) return false;
    if (this.raw) {
      const end = oneValueEnd(b, from, eol);
      if (end < 0) return false;
      const text = b.subarray(from, end);
      const pos = { file: this.file, line: this.line };
      yield nestsDeeperThan(text, MAX_EVENT_DEPTH) ? deepRaw(text, pos) : { kind: 'raw', text, pos };
    } else {
      const text = b.toString('utf8', from, eol);
      let event: unknown;
      try {
        event = JSON.parse(text);
      } catch {
        return false;
      }
      const pos = { file: this.file, line: this.line };
      yield nestsDeeperThan(text, MAX_EVENT_DEPTH) ? tooDeep(pos) : { kind: 'event', event, pos };
    }
    this.line++;
    this.lastChar = '\n';
    return true;
  }

  /** The bytes held back (a last line without a newline, a character cut at the end), through `push`. */
  *flush(): Generator<InputItem | RawEvent> {
    let text = '';
    for (const p of this.carry ?? []) text += this.dec.write(p);
    text += this.dec.end();
    this.carry = undefined;
    this.feeding = false;
    this.midChar = false;
    if (text) yield* this.push(text);
  }

  *push(text: string): Generator<InputItem | RawEvent> {
    if (text.length) this.lastChar = text[text.length - 1]!;
    // only the new text is scanned: a value still open at its end keeps its part in `held` (appending the text to
    // the value's earlier text, as this did before, copied the whole value again at every chunk: a 15 MB line took 6 s)
    const buf = text;
    let from = 0;
    if (this.record) {
      // an audit record's line continues
      const eol = buf.indexOf('\n');
      const part = eol < 0 ? buf : buf.slice(0, eol);
      if (this.recordLength + part.length > this.max) {
        yield this.recordTooLong(this.recordLine);
        this.record = undefined;
        this.skipping = 'line';
      } else if (eol < 0) {
        this.record.push(part);
        this.recordLength += part.length;
        return;
      } else {
        this.record.push(part);
        const line = this.record.join('');
        this.record = undefined;
        yield* this.auditRecord(line);
      }
      if (this.record === undefined && this.skipping === 'no') from = eol; // the newline, counted below
    }
    for (let i = from; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c === 10) this.line++;
      if (this.skipping === 'line') {
        if (c === 10) this.skipping = 'no';
        continue;
      }
      if (this.start < 0) {
        if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff) continue;
        if (this.arrayTop && (c === 44 /* , */ || c === 93) /* ] */) {
          if (c === 93) this.arrayTop = false;
          continue;
        }
        if (c === 91 /* [ */ && !this.arrayTop && this.peekArrayOfObjects(buf, i)) {
          this.arrayTop = true;
          continue;
        }
        if (c === 123 /* { */ && !this.arrayTop && !this.raw) {
          // JSON lines: a whole line that parses is one value, as the scan below would find it (a valid object's
          // first brace closes at its end); a line that does not parse is scanned character by character
          const eol = buf.indexOf('\n', i);
          if (eol > 0 && eol - i <= this.max) {
            const text = buf.slice(i, eol);
            let event: unknown;
            let ok = true;
            try {
              event = JSON.parse(text);
            } catch {
              ok = false;
            }
            if (ok) {
              const pos = { file: this.file, line: this.line };
              yield nestsDeeperThan(text, MAX_EVENT_DEPTH) ? tooDeep(pos) : { kind: 'event', event, pos };
              i = eol - 1; // the newline is counted by the loop
              continue;
            }
          }
        }
        if (c !== 123 /* { */ && c !== 91 && this.mayBeRecord(buf, i)) {
          // a Linux audit record (`type=… msg=audit(…): …`): read to its newline, however the input is cut
          const eol = buf.indexOf('\n', i);
          this.recordLine = this.line;
          if (eol < 0) {
            if (buf.length - i > this.max) {
              yield this.recordTooLong(this.line);
              this.skipping = 'line';
              break;
            }
            this.record = [buf.slice(i)];
            this.recordLength = buf.length - i;
            break;
          }
          if (eol - i > this.max) yield this.recordTooLong(this.line);
          else yield* this.auditRecord(buf.slice(i, eol));
          i = eol - 1; // the newline is counted by the loop
          continue;
        }
        if (c !== 123 /* { */ && c !== 91) {
          // a JSON number, string, true, false or null (a line of its own, or an element of a top-level array): JSON,
          // but not an event
          const scalar = this.scalarAt(buf, i);
          if (scalar) {
            yield this.bad(this.line, 'NOT_EVENT', `not an event: ${scalar.kind} ${JSON.stringify(scalar.text.length > 40 ? scalar.text.slice(0, 40) + '…' : scalar.text)} (an event is a JSON object)`);
            if (this.arrayTop) i = scalar.end - 1;
            else this.skipping = 'line';
            continue;
          }
          const lineNo = c === 10 ? this.line - 1 : this.line;
          const eol = buf.indexOf('\n', i);
          const snippet = buf.slice(i, Math.min(eol < 0 ? buf.length : eol, i + 40));
          yield this.bad(lineNo, 'NOT_JSON', `not JSON: starts with ${JSON.stringify(snippet)}${isBinaryText(snippet) ? ' (binary data)' : ''}`);
          this.skipping = 'line';
          continue;
        }
        this.start = i;
        this.startLine = this.line;
        this.depth = 0;
        this.inString = false;
        this.escape = false;
      }
      if (this.heldLength + i - this.start > this.max) {
        yield this.bad(this.startLine, 'TOO_LONG', `value longer than ${this.max} characters; skipped to the end of the line`);
        this.drop();
        this.skipping = c === 10 ? 'no' : 'line';
        continue;
      }
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 92) this.escape = true;
        else if (c === 34) this.inString = false;
        else if (c === 10) {
          // a raw newline cannot be inside a JSON string: the value is broken; resynchronise on this line
          yield this.bad(this.startLine, 'NOT_JSON', 'not JSON: unterminated string');
          this.drop();
        }
        continue;
      }
      if (c === 34) this.inString = true;
      else if (c === 123 || c === 91) this.depth++;
      else if (c === 125 || c === 93) {
        this.depth--;
        if (this.depth === 0) {
          const tail = buf.slice(this.start, i + 1);
          yield this.emit(this.heldLength ? this.held.join('') + tail : tail);
          this.drop();
        }
      }
    }
    // keep only the open value's text
    if (this.start >= 0) {
      this.held.push(buf.slice(this.start));
      this.heldLength += buf.length - this.start;
      this.start = 0;
    }
  }

  /** An audit record's line read so far (its start line in `recordLine`), while its newline has not come. */
  private record: string[] | undefined;
  /** Audit records joined into events, once the input has one. */
  private coalescer: AuditCoalescer<EventPosition> | undefined;
  private recordLength = 0;
  private recordLine = 1;

  /**
   * Whether the line at `i` may be a Linux audit record: it starts with `type=` or `node=`, or is cut before five
   * characters in a way that could still become one.
   */
  private mayBeRecord(buf: string, i: number): boolean {
    const head = buf.slice(i, i + 5);
    return head.length === 5 ? head === 'type=' || head === 'node=' : !head.includes('\n') && ('type='.startsWith(head) || 'node='.startsWith(head));
  }

  /** An audit record's line over the bound: skipped, as one error. */
  private recordTooLong(line: number): BadInput {
    return this.bad(line, 'TOO_LONG', `line longer than ${this.max} characters; skipped`);
  }

  /**
   * An audit record's line as its event, or NOT_JSON when it is not one after all; then the Auditbeat documents of the
   * audit events it completes (`auditbeat.ts`: Elastic's rules read those).
   */
  private *auditRecord(line: string): Generator<InputItem | RawEvent> {
    const pos = { file: this.file, line: this.recordLine };
    const pairs = auditPairs(line);
    const event = pairs && auditEvent(pairs);
    if (!event) {
      yield { kind: 'bad', code: 'NOT_JSON', message: `not JSON nor a Linux audit record: starts with ${JSON.stringify(line.slice(0, 40))}`, pos };
      return;
    }
    yield this.raw ? { kind: 'raw', text: JSON.stringify(event), pos } : { kind: 'event', event, pos };
    yield* this.documents((this.coalescer ??= new AuditCoalescer()).push(line, pos, pairs));
  }

  /** Documents made of audit records, as events (`EventPosition.made`: counted apart as well). */
  private *documents(docs: readonly { document: Record<string, unknown>; pos: EventPosition }[]): Generator<InputEvent | RawEvent> {
    for (const { document, pos: at } of docs) {
      const pos = { ...at, made: true as const };
      yield this.raw ? { kind: 'raw', text: JSON.stringify(document), pos } : { kind: 'event', event: document, pos };
    }
  }

  /** The audit events still open when the input ends (or a read error cuts it), as documents. */
  *endDocuments(): Generator<InputEvent | RawEvent> {
    if (this.coalescer) yield* this.documents(this.coalescer.end());
    this.coalescer = undefined;
  }

  /** No value open any more. */
  private drop(): void {
    this.start = -1;
    this.held = [];
    this.heldLength = 0;
  }

  *end(): Generator<InputItem | RawEvent> {
    // an open value began with `{` or `[`: never blank
    if (this.start >= 0) yield this.bad(this.startLine, 'TRUNCATED', 'input ends inside a JSON value');
    this.drop();
    // an audit record on the last line, without a newline
    if (this.record) yield* this.auditRecord(this.record.join(''));
    this.record = undefined;
    yield* this.endDocuments();
  }

  /** Drop a value cut by a read error; its start line, if there was one. */
  discard(): number | undefined {
    const had = this.start >= 0 ? this.startLine : this.record ? this.recordLine : undefined;
    this.drop();
    this.record = undefined;
    return had;
  }

  private emit(text: string): InputItem | RawEvent {
    const pos = { file: this.file, line: this.startLine };
    // a value is an object or an array (the scan starts at `{` or `[`); an array here is not a top-level array of
    // events (`[1, 2]`, or an array inside one): JSON, but not an event
    const array = text.charCodeAt(0) === 91; /* [ */
    if (this.raw && !array) return nestsDeeperThan(text, MAX_EVENT_DEPTH) ? deepRaw(text, pos) : { kind: 'raw', text, pos };
    let event: unknown;
    try {
      event = JSON.parse(text) as unknown;
    } catch (e) {
      return notJson(pos, e);
    }
    if (Array.isArray(event)) return this.bad(this.startLine, 'NOT_EVENT', `not an event: an array of ${event.length} value(s) (an event is a JSON object)`);
    return nestsDeeperThan(text, MAX_EVENT_DEPTH) ? tooDeep(pos) : { kind: 'event', event, pos };
  }

  private bad(line: number, code: BadInput['code'], message: string): BadInput {
    return { kind: 'bad', code, message, pos: { file: this.file, line } };
  }

  /**
   * The JSON scalar (number, string, `true`, `false`, `null`) that starts at `i`, when it is one: at the top level it
   * must be alone on its line (up to blanks), in a top-level array it ends at the next `,` or `]` (then `end` is
   * there). Undefined when it is not JSON, or when this chunk of the input ends before it does (it is then read as
   * text that is not JSON, as before).
   */
  private scalarAt(buf: string, i: number): { kind: string; text: string; end: number } | undefined {
    let end = i;
    if (buf.charCodeAt(i) === 34 /* " */) {
      for (end = i + 1; end < buf.length; end++) {
        const d = buf.charCodeAt(end);
        if (d === 92) end++;
        else if (d === 34 || d === 10) break;
      }
      if (end >= buf.length || buf.charCodeAt(end) !== 34) return undefined;
      end++;
    } else {
      while (end < buf.length && !SCALAR_STOP.has(buf.charCodeAt(end))) end++;
    }
    // what follows on the line: blanks, then the line's end (or, in a top-level array, a `,` or `]`)
    let after = end;
    while (after < buf.length && (buf.charCodeAt(after) === 32 || buf.charCodeAt(after) === 9 || buf.charCodeAt(after) === 13)) after++;
    if (after >= buf.length) return undefined;
    const next = buf.charCodeAt(after);
    if (!(next === 10 || (this.arrayTop && (next === 44 || next === 93)))) return undefined;
    const text = buf.slice(i, end);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
    const kind = value === null ? 'a JSON null' : typeof value === 'string' ? 'a JSON string' : typeof value === 'number' ? 'a JSON number' : typeof value === 'boolean' ? `JSON ${String(value)}` : undefined;
    return kind ? { kind, text, end: after } : undefined;
  }

  /** A `[` whose next non-blank character opens an object: a top-level array of events. */
  private peekArrayOfObjects(buf: string, i: number): boolean {
    for (let j = i + 1; j < buf.length && j < i + 4096; j++) {
      const c = buf[j]!;
      if (c === ' ' || c === '\n' || c === '\r' || c === '\t') continue;
      return c === '{' || c === ']';
    }
    return false;
  }
}

/** Whether UTF-8 bytes end inside a character (a lead byte without all its continuation bytes). */
function endsMidCharacter(b: Buffer): boolean {
  for (let k = 1; k <= 4 && k <= b.length; k++) {
    const c = b[b.length - k]!;
    if ((c & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > k;
  }
  return false;
}

/** Characters that end a JSON number or literal (`true`, `false`, `null`) read from a line. */
const SCALAR_STOP = new Set([10, 13, 32, 9, 44 /* , */, 93 /* ] */, 125 /* } */]);

function isBinaryText(s: string): boolean {
  let odd = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0xfffd || (c < 32 && c !== 9 && c !== 10 && c !== 13)) odd++;
  }
  return odd > 0;
}
