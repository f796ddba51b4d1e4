/**
 * Sigma YAML files as documents: `yaml` parses every document of a file with a LineCounter (locations), and the
 * Sigma v1 multi-document actions are applied: `action: global` is merged into every following document,
 * `action: reset` clears it, `action: repeat` repeats the previous document with this one's changes.
 * Merging works on the YAML nodes, so every value keeps its offsets in the file.
 *
 * The YAML 1.2 core schema is used (the `yaml` default). pySigma reads YAML 1.1 (`yes`/`no` booleans, `010`
 * octal); no SigmaHQ rule's detection differs between the two (checked on the whole corpus).
 */
import { isMap, isScalar, isSeq, LineCounter, Pair, parseAllDocuments, YAMLMap, type Document, type Node } from 'yaml';
import { GeneralDiagnostics, LIMITS, type Diagnostic } from '../../model/diagnostics.ts';
import { COMPLEX_KEY, collectionKey, flowDepthExceeds } from '../yaml.ts';
import type { Span } from '../../model/span.ts';
import { SigmaDiagnostics } from './diagnostics.ts';

/** One rule-bearing document after the multi-document actions were applied. */
export interface SigmaDocument {
  /** Index of the document in the file (0-based). */
  readonly index: number;
  /** The merged top-level mapping (nodes keep their offsets). */
  readonly map: YAMLMap;
  /** Offsets of this document's own text in the file. */
  readonly range: { readonly start: number; readonly end: number };
  /** The `yaml` document it came from, for converting nodes to plain values. */
  readonly doc: Document;
  /** Offsets of the global document merged into it, when there was one. */
  readonly globalRange?: { readonly start: number; readonly end: number };
}

export interface SigmaFile {
  readonly path: string;
  readonly text: string;
  readonly docs: readonly SigmaDocument[];
  readonly diagnostics: readonly Diagnostic[];
  readonly lines: LineCounter;
  /** Documents that failed to parse (YAML errors). */
  readonly failedDocs: number;
  /** Of those, documents that read as far as a `detection` or `correlation` key: rules that could not be read. */
  readonly failedRules?: number;
}

/** 1-based line and column of an offset. */
export function atOffset(lines: LineCounter, offset: number): { line: number; column: number } {
  const p = lines.linePos(offset);
  return { line: p.line, column: p.col };
}

/** Span of a YAML node (its value, without trailing comments). */
export function nodeSpan(file: string, node: Node | null | undefined, fallback = 0): Span {
  const r = node?.range;
  return r ? { file, start: r[0], end: r[1] } : { file, start: fallback, end: fallback };
}

/** Span of a key-value pair, from the key to the end of the value (trailing line breaks left out when `text` is given). */
export function pairSpan(file: string, pair: Pair, text?: string): Span {
  const k = pair.key as Node | null;
  const v = pair.value as Node | null;
  const start = k?.range?.[0] ?? v?.range?.[0] ?? 0;
  let end = v?.range?.[1] ?? k?.range?.[1] ?? start;
  if (text !== undefined) while (end > start && /\s/.test(text[end - 1]!)) end--;
  return { file, start, end };
}

/** The pair of a mapping with a scalar key equal to `key`. */
export function getPair(map: YAMLMap, key: string): Pair | undefined {
  for (const item of map.items) if (isScalar(item.key) && String(item.key.value) === key) return item as Pair;
  return undefined;
}

export function getNode(map: YAMLMap, key: string): Node | undefined {
  const v = getPair(map, key)?.value;
  return v === null || v === undefined ? undefined : (v as Node);
}

/** Key of a pair as text. */
export function keyText(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

/** Deep merge of mappings (b wins; mappings merged recursively), reusing b's and a's nodes. */
export function mergeMaps(a: YAMLMap, b: YAMLMap): YAMLMap {
  const out = new YAMLMap();
  const bKeys = new Set(b.items.map((p) => keyText(p as Pair)));
  for (const item of a.items) {
    const k = keyText(item as Pair);
    if (!bKeys.has(k)) {
      out.items.push(item);
      continue;
    }
    const bp = getPair(b, k)!;
    if (isMap(item.value) && isMap(bp.value)) out.items.push(new Pair(bp.key, mergeMaps(item.value as YAMLMap, bp.value as YAMLMap)));
    else out.items.push(bp);
  }
  const aKeys = new Set(a.items.map((p) => keyText(p as Pair)));
  for (const item of b.items) if (!aKeys.has(keyText(item as Pair))) out.items.push(item);
  out.range = b.range;
  return out;
}

function withoutKey(map: YAMLMap, key: string): YAMLMap {
  const out = new YAMLMap();
  out.items = map.items.filter((p) => keyText(p as Pair) !== key);
  out.range = map.range;
  return out;
}

/** Parse a Sigma YAML file into its rule-bearing documents. Never throws on bad input. */
export function parseSigmaFile(path: string, text: string): SigmaFile {
  const lines = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const docs: SigmaDocument[] = [];
  const deep = flowDepthExceeds(text);
  if (deep) return { path, text, docs: [], diagnostics: [GeneralDiagnostics.tooDeep(path, LIMITS.maxDepth, deep)], lines, failedDocs: 1 };
  const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const list: Document[] = Array.isArray(parsed) ? (parsed as Document[]) : [];
  let global: { map: YAMLMap; range: { start: number; end: number } } | undefined;
  let previous: YAMLMap | undefined;
  let failedDocs = 0;
  let failedRules = 0;
  list.forEach((doc, index) => {
    const range = { start: doc.range?.[0] ?? 0, end: doc.range?.[2] ?? text.length };
    // a key written twice in one map: PyYAML, which pySigma reads Sigma with, keeps the last; so does this reader
    if (doc.errors.length && isMap(doc.contents) && doc.errors.every((e) => e.code === 'DUPLICATE_KEY')) {
      keepLastKeys(doc.contents);
      for (const e of doc.errors) diagnostics.push(SigmaDiagnostics.duplicateKey(path, atOffset(lines, e.pos[0])));
      doc.errors.length = 0;
    }
    if (doc.errors.length) {
      failedDocs++;
      // what the parser made of it still shows whether it was meant as a rule (a broken value, an unclosed list)
      if (isMap(doc.contents) && (getPair(doc.contents as YAMLMap, 'detection') || getPair(doc.contents as YAMLMap, 'correlation'))) failedRules++;
      for (const e of doc.errors) diagnostics.push(SigmaDiagnostics.yamlSyntax(path, e.message.split('\n')[0]!, atOffset(lines, e.pos[0])));
      return;
    }
    const complex = collectionKey(doc);
    if (complex) {
      failedDocs++;
      diagnostics.push(SigmaDiagnostics.yamlSyntax(path, COMPLEX_KEY, atOffset(lines, complex.range?.[0] ?? 0)));
      return;
    }
    const contents = doc.contents;
    if (contents === null || (isScalar(contents) && contents.value === null)) return; // empty document (trailing ---)
    if (!isMap(contents)) {
      failedDocs++;
      diagnostics.push(SigmaDiagnostics.notARule(path, atOffset(lines, range.start)));
      return;
    }
    const map = contents as YAMLMap;
    const actionNode = getNode(map, 'action');
    const action = isScalar(actionNode) ? String(actionNode.value) : undefined;
    switch (action) {
      case 'global':
        global = { map: global ? mergeMaps(global.map, withoutKey(map, 'action')) : withoutKey(map, 'action'), range };
        return;
      case 'reset':
        global = undefined;
        return;
      case 'repeat': {
        if (!previous) {
          failedDocs++;
          diagnostics.push(SigmaDiagnostics.badAction(path, 'action: repeat with no previous document to repeat', atOffset(lines, range.start)));
          return;
        }
        const merged = mergeMaps(previous, withoutKey(map, 'action'));
        previous = merged;
        docs.push({ index, map: merged, range, doc, ...(global ? { globalRange: global.range } : {}) });
        return;
      }
      case undefined: {
        const merged = global ? mergeMaps(global.map, map) : map;
        previous = merged;
        docs.push({ index, map: merged, range, doc, ...(global ? { globalRange: global.range } : {}) });
        return;
      }
      default:
        failedDocs++;
        diagnostics.push(SigmaDiagnostics.badAction(path, `unknown action "${action}" (expected global, reset or repeat)`, atOffset(lines, actionNode?.range?.[0] ?? range.start)));
    }
  });
  return { path, text, docs, diagnostics, lines, failedDocs, ...(failedRules ? { failedRules } : {}) };
}

/** Drop the earlier pairs of every scalar key written more than once, in every map of a node (depth bounded by the pre-check). */
function keepLastKeys(node: unknown): void {
  if (isMap(node)) {
    const seen = new Set<string>();
    const items = node.items as Pair[];
    const kept: Pair[] = [];
    for (let i = items.length - 1; i >= 0; i--) {
      const k = items[i]!.key;
      const name = isScalar(k) ? String(k.value) : undefined;
      if (name !== undefined && seen.has(name)) continue;
      if (name !== undefined) seen.add(name);
      kept.push(items[i]!);
    }
    node.items = kept.reverse();
    for (const p of node.items as Pair[]) keepLastKeys(p.value);
  } else if (isSeq(node)) for (const x of node.items) keepLastKeys(x);
}

/** Plain JS value of a node (dates and other objects as YAML gave them). */
export function plain(node: Node | undefined, doc: Document): unknown {
  if (node === undefined) return undefined;
  return node.toJS(doc);
}
