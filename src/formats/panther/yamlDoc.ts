/**
 * The Panther spec's own syntax tree: the `yaml` library's document with a line counter, and small accessors that
 * give a key's value together with its line. Nothing here knows Panther semantics.
 */
import { LIMITS } from '../../model/diagnostics.ts';
import { COMPLEX_KEY, collectionKey, flowDepthExceeds } from '../yaml.ts';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { isRecord } from '../../model/isRecord.ts';

export interface YamlSpec {
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** Plain JS value of the document. */
  readonly value: unknown;
}

export interface YamlError {
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

export type ParseYamlResult = { ok: true; spec: YamlSpec } | { ok: false; error: YamlError };

/** Parse one YAML file; the first error (with its line) when it is malformed. Never throws. */
export function parseYamlSpec(text: string): ParseYamlResult {
  const deep = flowDepthExceeds(text);
  if (deep) return { ok: false, error: { message: `nesting deeper than ${LIMITS.maxDepth} levels`, line: deep.line, column: deep.column } };
  const lines = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  } catch (e) {
    return { ok: false, error: { message: e instanceof Error ? e.message : String(e) } };
  }
  if (doc.errors.length) {
    const err = doc.errors[0]!;
    const pos = err.linePos?.[0] ?? lines.linePos(err.pos[0]);
    return { ok: false, error: { message: err.message.split('\n')[0]!, line: pos.line, column: pos.col } };
  }
  const complex = collectionKey(doc);
  if (complex) {
    const pos = lines.linePos(complex.range?.[0] ?? 0);
    return { ok: false, error: { message: COMPLEX_KEY, line: pos.line, column: pos.col } };
  }
  flattenScalars(doc);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { ok: false, error: { message: e instanceof Error ? e.message : String(e) } };
  }
  return { ok: true, spec: { text, doc, lines, value } };
}

/**
 * The `yaml` library builds a quoted or multi-line scalar's value piece by piece, and V8 keeps such a string as a
 * tree of its pieces (a cons string: 32 bytes a node) until something reads its characters. A Panther build keeps
 * every spec's document from `prepare` until its file's turn: about 600,000 such nodes, 19 MB of the 107 MB live
 * after `prepare` (heap snapshot). Reading a character makes V8 flatten the string in place (one sequential string,
 * the pieces freed); the plain JS value (`toJS`) shares the same string objects.
 */
function flattenScalars(doc: Document.Parsed): void {
  visit(doc, {
    Scalar(_, n) {
      if (typeof n.value === 'string' && n.value.length > 1) n.value.charCodeAt(0);
      if (typeof n.source === 'string' && n.source !== n.value && n.source.length > 1) n.source.charCodeAt(0);
    },
  });
}

/** 1-based line of a node's start. */
export function lineOf(spec: YamlSpec, node: unknown): number | undefined {
  const r = (node as Node | undefined)?.range;
  if (!r) return undefined;
  return spec.lines.linePos(r[0]).line;
}

/** The node at a path of map keys and sequence indexes, or undefined. */
export function nodeAt(spec: YamlSpec, path: readonly (string | number)[]): Node | undefined {
  let cur: unknown = spec.doc.contents;
  for (const k of path) {
    if (isMap(cur)) {
      const pair = cur.items.find((p) => isScalar(p.key) && p.key.value === k);
      if (!pair) return undefined;
      cur = pair.value;
    } else if (isSeq(cur) && typeof k === 'number') {
      cur = cur.items[k];
    } else return undefined;
  }
  return (cur ?? undefined) as Node | undefined;
}

/** Line of the key (for a map entry) or of the item (for a sequence index) at a path. */
export function lineAt(spec: YamlSpec, path: readonly (string | number)[]): number | undefined {
  if (path.length === 0) return 1;
  const parent = nodeAt(spec, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
    return pair ? lineOf(spec, pair.key) : undefined;
  }
  if (isSeq(parent) && typeof last === 'number') return lineOf(spec, parent.items[last]);
  return undefined;
}

/** Offsets [start, end) of the node at a path, for spans. */
export function rangeAt(spec: YamlSpec, path: readonly (string | number)[]): { start: number; end: number } | undefined {
  const n = nodeAt(spec, path);
  const r = n?.range;
  return r ? { start: r[0], end: r[1] } : undefined;
}

/** Panther's readers take it with the YAML helpers here. */
export { isRecord };

export function asString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export function asStringList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map(asString).filter((s): s is string => s !== undefined);
  const s = asString(v);
  return s === undefined ? [] : [s];
}
