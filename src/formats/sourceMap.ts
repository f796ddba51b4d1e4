/**
 * Text embedded in a host file (a KQL query in a Sentinel YAML block scalar or a Markdown code block, the SQL of a
 * Panther spec, a Sigma condition, SPL in a YAML field, EQL in a TOML string): a `SourceMap` turns an offset in the
 * embedded text into an offset in the host file, a `Span` of the rule's body file, and the line and column a
 * diagnostic shows. One helper for every adapter; YAML scalars get theirs from `yamlScalarMap` (`yaml.ts`).
 *
 * The embedded text is a sequence of lines; line k starts at host offset `hostLineStarts[k]` (indentation already
 * skipped). Offsets beyond the mapped lines go to `beyond` (the host text's end unless the map says otherwise).
 */
import type { At } from '../model/diagnostics.ts';
import type { Span } from '../model/span.ts';

export class SourceMap {
  private hostLines?: number[];

  private constructor(
    /** Path of the host file, relative to the source root. */
    readonly file: string,
    /** The whole host file. */
    readonly hostText: string,
    /** Offsets in the embedded text where its lines start (the first is 0). */
    private readonly embeddedLineStarts: readonly number[],
    /** Host offset of each embedded line's first character. */
    private readonly hostLineStarts: readonly number[],
    /** Host offset of embedded offset 0 when offsets pass the mapped lines (undefined: the host's end). */
    private readonly beyondBase?: number,
    /** Added to every offset: the map of a part of the embedded text (`sub`). */
    private readonly shift = 0,
  ) {}

  /** The embedded text is the host text from `start` on, verbatim (a quoted scalar, a whole file, a TOML string). */
  static verbatim(file: string, hostText: string, start = 0): SourceMap {
    return new SourceMap(file, hostText, [0], [start], start);
  }

  /**
   * The embedded text's lines each start at a host offset (a YAML block scalar, a Markdown fence: indentation
   * removed). `beyondBase`: where offsets past the last line count from (default: they map to the host's end).
   */
  static lines(file: string, hostText: string, embeddedText: string, hostLineStarts: readonly number[], beyondBase?: number): SourceMap {
    const starts = [0];
    for (let i = 0; i < embeddedText.length; i++) if (embeddedText.charCodeAt(i) === 10) starts.push(i + 1);
    return new SourceMap(file, hostText, starts, hostLineStarts, beyondBase);
  }

  /**
   * Every embedded character at its own host offset (a JSON string literal, whose escapes `\n`, `\u0027` take
   * several host characters for one embedded one); offsets past the end map to `end`.
   */
  static characters(file: string, hostText: string, hostOffsets: readonly number[], end: number): SourceMap {
    return new SourceMap(file, hostText, [...hostOffsets.map((_, i) => i), hostOffsets.length], [...hostOffsets, end], end - hostOffsets.length);
  }

  /** The map of a part of the embedded text that starts at `offset` (one query of several in a code block). */
  sub(offset: number): SourceMap {
    const m = new SourceMap(this.file, this.hostText, this.embeddedLineStarts, this.hostLineStarts, this.beyondBase, this.shift + offset);
    m.hostLines = this.hostLines;
    return m;
  }

  /** Host offset of an offset in the embedded text. */
  toHost(offset: number): number {
    const o = offset + this.shift;
    const starts = this.embeddedLineStarts;
    const lo = floorIndex(starts, o);
    const ls = this.hostLineStarts[lo];
    const n = this.hostText.length;
    if (ls === undefined) return this.beyondBase === undefined ? n : Math.min(this.beyondBase + o, n);
    return Math.min(ls + (o - starts[lo]!), n);
  }

  /** The span in the host file of an embedded range. */
  span(start: number, end: number): Span {
    return { file: this.file, start: this.toHost(start), end: this.toHost(end) };
  }

  /** Where a diagnostic at an embedded range points: host line, column and offsets. */
  at(start: number, end = start): At {
    const s = this.toHost(start);
    return { ...this.lineCol(s), span: { start: s, end: Math.max(s, this.toHost(end)) } };
  }

  /** 1-based line and column of a host offset. */
  lineCol(hostOffset: number): { line: number; column: number } {
    const lines = (this.hostLines ??= lineStarts(this.hostText));
    const lo = floorIndex(lines, hostOffset);
    return { line: lo + 1, column: hostOffset - lines[lo]! + 1 };
  }
}

/** Index of the last element of an ascending list that is at most `x` (0 when none is). */
export function floorIndex(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Offsets where the lines of a text start. */
export function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) out.push(i + 1);
  return out;
}
