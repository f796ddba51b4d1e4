/**
 * Source locations. Recorded while parsing as offsets into one file of the rule's body; line and column are
 * computed when shown. Spans are left out of expression equality.
 */
export interface Span {
  /** Path of the file relative to the source root (one of the rule's body files). */
  readonly file: string;
  /** UTF-16 offsets into that file's text, end exclusive. */
  readonly start: number;
  readonly end: number;
}

export interface LineCol {
  readonly line: number;
  readonly column: number;
}

/** 1-based line and column of an offset. */
export function lineColAt(text: string, offset: number): LineCol {
  // newlines found with indexOf: faster than reading every character (Elastic asks once per hosted query)
  const end = Math.min(offset, text.length);
  let line = 1;
  let lineStart = 0;
  for (let nl = text.indexOf('\n'); nl >= 0 && nl < end; nl = text.indexOf('\n', nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return { line, column: end - lineStart + 1 };
}

/** Offset of a 1-based line and column. */
export function offsetAt(text: string, line: number, column = 1): number {
  let off = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', off);
    if (nl < 0) return text.length;
    off = nl + 1;
  }
  return Math.min(off + column - 1, text.length);
}

/** `file:line:col` for messages. */
export function formatSpan(span: Span, text?: string): string {
  if (text === undefined) return `${span.file}@${span.start}`;
  const { line, column } = lineColAt(text, span.start);
  return `${span.file}:${line}:${column}`;
}
