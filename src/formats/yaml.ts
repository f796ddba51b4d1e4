/**
 * Loading one YAML document safely, for adapters: syntax errors and resource-exhaustion input (alias bombs) become
 * a GEN003 diagnostic with file:line instead of an exception.
 */
import { LineCounter, parseDocument, type Document } from 'yaml';
import { GeneralDiagnostics, type Diagnostic } from '../model/diagnostics.ts';

export interface LoadedYaml {
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** The document as plain JS (aliases expanded, at most 100 of them). */
  readonly value: unknown;
}

export type LoadYamlResult = { ok: true; yaml: LoadedYaml } | { ok: false; diagnostic: Diagnostic };

/** Parse a single-document YAML file. Never throws. */
export function loadYaml(file: string, text: string): LoadYamlResult {
  const lines = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  } catch (e) {
    return { ok: false, diagnostic: GeneralDiagnostics.syntax(file, 'YAML', e instanceof Error ? e.message : String(e)) };
  }
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const at = lines.linePos(e.pos[0]);
    return { ok: false, diagnostic: GeneralDiagnostics.syntax(file, 'YAML', e.message.split('\n')[0]!, { line: at.line, column: at.col }) };
  }
  try {
    return { ok: true, yaml: { doc, lines, value: doc.toJS({ maxAliasCount: 100 }) } };
  } catch (e) {
    return { ok: false, diagnostic: GeneralDiagnostics.syntax(file, 'YAML', e instanceof Error ? e.message : String(e), { line: 1, column: 1 }) };
  }
}
