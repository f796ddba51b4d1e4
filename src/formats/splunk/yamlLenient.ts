/**
 * PyYAML's reading of a quoted scalar whose continuation lines start at column 0 (YAML 1.2 forbids them inside a
 * block mapping; PyYAML folds them like any continuation line). Indenting those lines by one space gives the same
 * value under YAML 1.2, and the offsets map back by the spaces inserted before them. Only quoted scalars of
 * top-level keys are touched; anything else is left for the YAML parser to report.
 */
export interface LenientText {
  readonly text: string;
  /** Offset in the original text of an offset in `text`. */
  toOriginal(o: number): number;
  /** 1-based line of the first column-0 continuation line. */
  readonly firstLine: number;
}

export function indentColumnZeroContinuations(text: string): LenientText | undefined {
  const lines = text.split('\n');
  const inserted: number[] = []; // offsets (in the new text) where a space was inserted
  let quote: string | undefined;
  let firstLine = 0;
  let outLen = 0;
  const out: string[] = [];
  lines.forEach((line, n) => {
    let l = line;
    let startCol = 0;
    if (quote) {
      if (l.length && l[0] !== ' ' && l[0] !== '\t') {
        inserted.push(outLen);
        l = ' ' + l;
        firstLine ||= n + 1;
      }
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*:\s*(['"])/.exec(l);
      if (!m) {
        out.push(l);
        outLen += l.length + 1;
        return;
      }
      quote = m[1];
      startCol = m[0].length;
    }
    // does the quoted scalar close on this line?
    for (let i = startCol; i < l.length && quote; i++) {
      const c = l[i];
      if (quote === "'" && c === "'") {
        if (l[i + 1] === "'") i++;
        else quote = undefined;
      } else if (quote === '"' && c === '\\') i++;
      else if (quote === '"' && c === '"') quote = undefined;
    }
    out.push(l);
    outLen += l.length + 1;
  });
  if (!inserted.length) return undefined;
  return {
    text: out.join('\n'),
    firstLine,
    toOriginal(o) {
      let k = 0;
      while (k < inserted.length && inserted[k]! < o) k++;
      return o - k;
    },
  };
}
