/**
 * The `detection` section as Sigma's own syntax tree: named searches (selections), each a map of detection
 * items (AND), a list of maps (OR), or a keyword list; each item a field, its modifiers and its values, with
 * offsets. Lowering to the model is in lowerDetection.ts.
 */
import { isAlias, isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Diagnostic } from '../../model/diagnostics.ts';
import type { Span } from '../../model/span.ts';
import type { SourceMap } from '../sourceMap.ts';
import { yamlScalarMap } from '../yaml.ts';
import { SigmaDiagnostics } from './diagnostics.ts';
import { atOffset, keyText, nodeSpan, pairSpan, type SigmaFile } from './syntax.ts';

/** A scalar value of a detection item as YAML typed it. */
export interface SigmaValue {
  readonly value: string | number | boolean | null;
  readonly span: Span;
}

/** `field|mod1|mod2: value(s)`; a keyword search has field null. */
export interface DetectionItem {
  readonly field: string | null;
  readonly modifiers: readonly string[];
  readonly values: readonly SigmaValue[];
  /** The key as written (`CommandLine|contains|all`), for messages. */
  readonly key: string;
  readonly span: Span;
  /** Values of a shape Sigma does not allow (reported as SIG011): what the item would have matched is not known. */
  readonly unread?: string;
}

export type SearchBody =
  /** A map: every item must match (AND). */
  | { readonly kind: 'map'; readonly items: readonly DetectionItem[]; readonly span: Span }
  /** A list of maps (or keyword groups): one must match (OR). */
  | { readonly kind: 'list'; readonly alternatives: readonly SearchBody[]; readonly span: Span }
  /** A keyword list: plain values searched for in the whole event. */
  | { readonly kind: 'keywords'; readonly item: DetectionItem; readonly span: Span };

/** One named search of the detection (a "selection"). */
export interface Selection {
  readonly name: string;
  /** Undefined when the search could not be read (a diagnostic says why). */
  readonly body: SearchBody | undefined;
  /** From the name to the end of the value. */
  readonly span: Span;
  readonly text: string;
}

export interface ParsedDetection {
  readonly selections: readonly Selection[];
  readonly condition: { readonly texts: readonly { readonly text: string; readonly span: Span; readonly map: SourceMap }[] } | undefined;
  readonly timeframe?: string;
  readonly diagnostics: readonly Diagnostic[];
}

/** Read the detection mapping. Never throws. */
export function parseDetection(file: SigmaFile, det: YAMLMap): ParsedDetection {
  const diagnostics: Diagnostic[] = [];
  const selections: Selection[] = [];
  let condition: ParsedDetection['condition'];
  let timeframe: string | undefined;
  const at = (n: number) => atOffset(file.lines, n);
  for (const p of det.items as Pair[]) {
    const name = keyText(p);
    const span = pairSpan(file.path, p, file.text);
    const value = p.value as Node | null;
    if (name === 'condition') {
      const texts: { text: string; span: Span; map: SourceMap }[] = [];
      const nodes = isSeq(value) ? (value.items as Node[]) : [value];
      for (const n of nodes) {
        if (isScalar(n) && typeof n.value === 'string') texts.push({ text: n.value, span: nodeSpan(file.path, n), map: yamlScalarMap(file.path, file.text, n) });
        else diagnostics.push(SigmaDiagnostics.conditionSyntax(file.path, 'the condition must be a string (or a list of strings)', at(span.start)));
      }
      condition = { texts };
      continue;
    }
    if (name === 'timeframe') {
      if (isScalar(value)) timeframe = String(value.value);
      continue;
    }
    if (name.includes('|')) diagnostics.push(SigmaDiagnostics.selectionNameModifier(file.path, name, at(span.start)));
    const body = readSearch(file, name, value, diagnostics);
    selections.push({ name, body, span, text: file.text.slice(span.start, span.end) });
  }
  return { selections, condition, ...(timeframe !== undefined ? { timeframe } : {}), diagnostics };
}

function readSearch(file: SigmaFile, name: string, node: Node | null, diags: Diagnostic[]): SearchBody | undefined {
  const at = (n: number) => atOffset(file.lines, n);
  const span = nodeSpan(file.path, node);
  if (node === null || (isScalar(node) && node.value === null)) {
    diags.push(SigmaDiagnostics.emptySelection(file.path, name, at(span.start)));
    return undefined;
  }
  if (isMap(node)) return readMap(file, node as YAMLMap, diags);
  if (isSeq(node)) {
    const seq = node as YAMLSeq;
    if (seq.items.length === 0) {
      diags.push(SigmaDiagnostics.emptySelection(file.path, name, at(span.start)));
      return undefined;
    }
    const alternatives: SearchBody[] = [];
    let keywords: SigmaValue[] = [];
    const flush = () => {
      if (!keywords.length) return;
      const s = { file: file.path, start: keywords[0]!.span.start, end: keywords[keywords.length - 1]!.span.end };
      alternatives.push({ kind: 'keywords', item: { field: null, modifiers: [], values: keywords, key: '', span: s }, span: s });
      keywords = [];
    };
    for (const it of seq.items as Node[]) {
      if (isMap(it)) {
        flush();
        const m = readMap(file, it as YAMLMap, diags);
        if (m) alternatives.push(m);
      } else if (isScalar(it) && isValueType(it.value)) {
        keywords.push({ value: it.value, span: nodeSpan(file.path, it) });
      } else {
        diags.push(SigmaDiagnostics.badShape(file.path, `selection "${name}": a list element must be a map or a plain value`, at(nodeSpan(file.path, it).start)));
      }
    }
    flush();
    if (alternatives.length === 0) return undefined;
    if (alternatives.length === 1) return alternatives[0];
    return { kind: 'list', alternatives, span };
  }
  if (isScalar(node) && isValueType(node.value)) {
    const v = { value: node.value, span };
    return { kind: 'keywords', item: { field: null, modifiers: [], values: [v], key: '', span }, span };
  }
  diags.push(SigmaDiagnostics.badShape(file.path, `selection "${name}" must be a map, a list of maps or a list of keywords`, at(span.start)));
  return undefined;
}

function isValueType(v: unknown): v is string | number | boolean | null {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function readMap(file: SigmaFile, map: YAMLMap, diags: Diagnostic[]): SearchBody | undefined {
  const items: DetectionItem[] = [];
  for (const p of map.items as Pair[]) {
    const key = keyText(p);
    const span = pairSpan(file.path, p, file.text);
    const [field, ...modifiers] = key.split('|');
    const values: SigmaValue[] = [];
    const v = p.value as Node | null;
    let unread: string | undefined;
    const push = (n: Node | null) => {
      if (n === null) values.push({ value: null, span });
      else if (isScalar(n) && isValueType(n.value)) values.push({ value: n.value, span: nodeSpan(file.path, n) });
      else {
        // an unquoted `*…` is a YAML alias, not a wildcard value
        const shape = isMap(n) ? 'a map' : isSeq(n) ? 'a list' : isAlias(n) ? `the YAML alias *${n.source} (a value starting with * must be quoted)` : 'a value of another kind';
        unread ??= `a value of ${key} is ${shape}`;
        diags.push(SigmaDiagnostics.badShape(file.path, `"${key}": a value must be a string, number, boolean or null, not ${shape}`, atOffset(file.lines, nodeSpan(file.path, n, span.start).start)));
      }
    };
    if (isSeq(v)) for (const n of (v as YAMLSeq).items as Node[]) push(n);
    else push(v);
    if (isSeq(v) && (v as YAMLSeq).items.length === 0) diags.push(SigmaDiagnostics.emptySelection(file.path, key, atOffset(file.lines, span.start)));
    items.push({ field: field === '' ? null : field!, modifiers, values, key, span, ...(unread ? { unread } : {}) });
  }
  return { kind: 'map', items, span: nodeSpan(file.path, map) };
}
