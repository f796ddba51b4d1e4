/**
 * Search macros: the table read from the repository's `macros/*.yml`, and textual expansion of a search with a
 * source map back to the original text. Splunk expands macros before it parses a search, so we do too:
 * `` `name` `` and `` `name(a, "b")` `` (looked up as `name` / `name(2)`, `$arg$` substituted), nested macros
 * expanded in turn, recursion bounded by MACRO_LIMITS.
 */
import type { Diagnostic } from '../../model/diagnostics.ts';
import { loadYaml } from '../yaml.ts';
import { parseSearchExpr, type SearchNode } from './parser.ts';
import { BUILTIN_MACROS, FILTER_MACRO_SUFFIX, FILTER_MACRO_DEFAULT, SOURCE_FIELDS } from './splFacts.ts';
import { SplunkDiagnostics } from './diagnostics.ts';
import { indentColumnZeroContinuations } from './yamlLenient.ts';

/** One macro definition of `macros/*.yml`. */
export interface MacroDef {
  readonly name: string;
  readonly args: readonly string[];
  readonly definition: string;
  readonly file: string;
  /** The definition is a source constraint only (index / sourcetype / source…): it names the log source. */
  readonly source: boolean;
}

/** Macros by lookup key: `name` without arguments, `name(N)` with N arguments (Splunk's own naming). */
export type MacroTable = ReadonlyMap<string, MacroDef>;

/** Nesting depth, expanded length, and macro calls expanded per search (a macro calling itself several times grows exponentially). */
export const MACRO_LIMITS = { maxDepth: 20, maxLength: 200_000, maxExpansions: 2_000 } as const;

/** Read one macro file; a file that is not a macro gives a diagnostic and no definition. */
export function readMacroFile(path: string, text: string): { def?: MacroDef; diagnostics: Diagnostic[] } {
  let loaded = loadYaml(path, text);
  const diagnostics: Diagnostic[] = [];
  if (!loaded.ok) {
    const lenient = indentColumnZeroContinuations(text);
    const retry = lenient ? loadYaml(path, lenient.text) : undefined;
    if (!lenient || !retry?.ok) return { diagnostics: [loaded.diagnostic] };
    loaded = retry;
    diagnostics.push(SplunkDiagnostics.lenientYaml(path, lenient.firstLine));
  }
  const y = loaded.yaml.value as Record<string, unknown> | null;
  const name = y && typeof y === 'object' && typeof y.name === 'string' ? y.name.trim() : undefined;
  const definition = y && typeof y === 'object' && y.definition !== undefined && y.definition !== null ? String(y.definition) : undefined;
  if (!name || definition === undefined) return { diagnostics: [SplunkDiagnostics.badMacroFile(path)] };
  const args = Array.isArray(y!.arguments) ? y!.arguments.map((a) => String(a).trim()) : [];
  return { def: { name, args, definition, file: path, source: isSourceConstraint(definition) }, diagnostics };
}

export function macroKey(name: string, argc: number): string {
  return argc ? `${name}(${argc})` : name;
}

/** A definition that only constrains index / sourcetype / source / eventtype / host with `=` (possibly OR-ed). */
export function isSourceConstraint(definition: string): boolean {
  const p = parseSearchExpr(definition.trim());
  if (!p.ok) return false;
  const ok = (n: SearchNode): boolean => {
    switch (n.type) {
      case 'and':
      case 'or':
        return n.args.every(ok);
      case 'group':
        return ok(n.expr);
      case 'cmp':
        return (n.op === '=' || n.op === '==') && SOURCE_FIELDS.has(n.field);
      case 'in':
        return SOURCE_FIELDS.has(n.field);
      default:
        return false;
    }
  };
  return ok(p.value);
}

/** What a top-level macro call of the search became. */
export interface MacroUse {
  readonly name: string;
  readonly args: readonly string[];
  /** Offsets of the call (backticks included) in the original search. */
  readonly start: number;
  readonly end: number;
  /** Offsets of its expansion in the expanded text. */
  readonly outStart: number;
  readonly outEnd: number;
  /**
   * defined: from macros/; builtin: a Splunk-shipped macro this project knows (drop_dm_object_name); filter: the
   * rule's own tuning macro, not shipped (Splunk ships it as `search *`); undefined: left as written.
   */
  readonly status: 'defined' | 'builtin' | 'filter' | 'undefined';
  /** The definition names the log source (index / sourcetype / source). */
  readonly source: boolean;
  readonly definition?: string;
  readonly file?: string;
  /** Macros found undefined inside this one's expansion, and whether recursion was cut. */
  readonly nestedUndefined: readonly string[];
  readonly tooDeep: boolean;
}

export interface Expansion {
  readonly text: string;
  readonly uses: readonly MacroUse[];
  /** Offset in the original search of an offset in the expanded text (`end` maps ends of ranges). */
  toSource(o: number, end?: boolean): number;
  /** The top-level macro call whose expansion holds the range, if any. */
  useAt(start: number, end: number): MacroUse | undefined;
}

interface Segment {
  readonly outStart: number;
  readonly outEnd: number;
  readonly srcStart: number;
  readonly srcEnd: number;
  readonly use?: MacroUse;
}

/** Expand every macro of a search. Never throws; undefined macros stay as written (the grammar reads them). */
export function expandMacros(search: string, table: MacroTable): Expansion {
  const segments: Segment[] = [];
  const uses: MacroUse[] = [];
  let out = '';
  let last = 0;
  const budget = { left: MACRO_LIMITS.maxExpansions };
  for (const call of macroCalls(search)) {
    if (call.start > last) {
      segments.push({ outStart: out.length, outEnd: out.length + call.start - last, srcStart: last, srcEnd: call.start });
      out += search.slice(last, call.start);
    }
    const r = expandCall(call.name, call.args, table, 0, budget);
    const outStart = out.length;
    const text = r.text ?? search.slice(call.start, call.end);
    out += text;
    const use: MacroUse = {
      name: call.name,
      args: call.args,
      start: call.start,
      end: call.end,
      outStart,
      outEnd: out.length,
      status: r.status,
      source: r.def?.source ?? false,
      ...(r.def ? { definition: r.def.definition, file: r.def.file } : {}),
      nestedUndefined: r.undefinedInside,
      tooDeep: r.tooDeep,
    };
    uses.push(use);
    segments.push({ outStart, outEnd: out.length, srcStart: call.start, srcEnd: call.end, use });
    last = call.end;
  }
  if (last < search.length) {
    segments.push({ outStart: out.length, outEnd: out.length + search.length - last, srcStart: last, srcEnd: search.length });
    out += search.slice(last);
  }
  const find = (o: number): Segment | undefined => {
    let lo = 0;
    let hi = segments.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = segments[mid]!;
      if (o < s.outStart) hi = mid - 1;
      else if (o >= s.outEnd) lo = mid + 1;
      else return s;
    }
    return undefined;
  };
  return {
    text: out,
    uses,
    toSource(o, end = false) {
      const s = find(end && o > 0 ? o - 1 : o);
      if (!s) return Math.min(search.length, o - out.length + search.length);
      if (s.use) return end ? s.srcEnd : s.srcStart;
      return s.srcStart + (o - s.outStart);
    },
    useAt(start, end) {
      const s = find(start);
      return s?.use && end <= s.outEnd ? s.use : undefined;
    },
  };
}

interface CallResult {
  readonly text?: string;
  readonly status: MacroUse['status'];
  readonly def?: MacroDef;
  readonly undefinedInside: string[];
  readonly tooDeep: boolean;
}

function expandCall(name: string, args: readonly string[], table: MacroTable, depth: number, budget: { left: number }): CallResult {
  const def = table.get(macroKey(name, args.length));
  if (!def) {
    const builtin = BUILTIN_MACROS[macroKey(name, args.length)];
    if (builtin) return { text: builtin(args), status: 'builtin', undefinedInside: [], tooDeep: false };
    if (name.endsWith(FILTER_MACRO_SUFFIX) && args.length === 0) return { text: FILTER_MACRO_DEFAULT, status: 'filter', undefinedInside: [], tooDeep: false };
    return { status: 'undefined', undefinedInside: [], tooDeep: false };
  }
  let body = def.definition;
  def.args.forEach((a, i) => {
    body = body.split(`$${a}$`).join(args[i] ?? '');
  });
  if (depth >= MACRO_LIMITS.maxDepth || --budget.left < 0) return { status: 'defined', def, text: body, undefinedInside: [], tooDeep: true };
  // nested macros
  let text = '';
  let last = 0;
  const undefinedInside: string[] = [];
  let tooDeep = false;
  for (const call of macroCalls(body)) {
    text += body.slice(last, call.start);
    const r = expandCall(call.name, call.args, table, depth + 1, budget);
    if (r.status === 'undefined') undefinedInside.push(call.name);
    undefinedInside.push(...r.undefinedInside);
    tooDeep ||= r.tooDeep;
    text += r.text ?? body.slice(call.start, call.end);
    last = call.end;
    if (text.length > MACRO_LIMITS.maxLength) return { status: 'defined', def, text: text.slice(0, MACRO_LIMITS.maxLength), undefinedInside, tooDeep: true };
  }
  text += body.slice(last);
  return { status: 'defined', def, text, undefinedInside, tooDeep };
}

/** Macro calls of a text, outside double-quoted strings and ``` comments. */
export function macroCalls(text: string): { name: string; args: string[]; start: number; end: number }[] {
  const out: { name: string; args: string[]; start: number; end: number }[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (c !== '`') continue;
    if (text.startsWith('```', i)) {
      const close = text.indexOf('```', i + 3);
      i = close < 0 ? text.length : close + 2;
      continue;
    }
    const close = text.indexOf('`', i + 1);
    if (close < 0) break;
    const inner = text.slice(i + 1, close).trim();
    const paren = inner.indexOf('(');
    const name = (paren < 0 ? inner : inner.slice(0, paren)).trim();
    const args = paren < 0 || !inner.endsWith(')') ? [] : splitArgs(inner.slice(paren + 1, -1));
    if (name && /^[A-Za-z0-9_.:\-]+$/.test(name)) out.push({ name, args, start: i, end: close + 1 });
    i = close;
  }
  return out;
}

/** Macro arguments: comma-separated at the top level (quotes and parentheses respected); quotes kept. */
function splitArgs(s: string): string[] {
  if (!s.trim()) return [];
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) if (s[j] === '\\') j++;
      cur += s.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}
