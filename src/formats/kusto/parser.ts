/**
 * Thin wrapper over Microsoft's Kusto parser (`@kusto/language-service-next`, a Bridge.NET build of
 * Kusto.Language). The native syntax tree never leaves this module: `parseKql` mirrors it into plain, immutable
 * `KNode`s (kind names from `SyntaxKind`, offsets, token text, literal values) that the lowering reads.
 *
 * The parser is loaded once per thread, lazily (about 1.5 s), until `unloadKusto` drops it (a build's scan worker
 * going on with other formats), and only the library's lexer and query parser are used (`KustoCode.Parse` for a
 * control command): syntax diagnostics only, no semantic analysis (unknown tables and functions are not errors
 * here). Two hot helpers of the library's runtime get fast paths when it loads (`fastPaths.ts`, `lexer` below).
 */
import { LIMITS } from '../../model/diagnostics.ts';
import { loadCommonJs } from '../io.ts';
import { AT, BACKSLASH, BACKTICK, CLOSE_CURLY, CLOSE_PAREN, CLOSE_SQUARE, CR, DASH, DQUOTE, LF, OPEN_CURLY, OPEN_PAREN, OPEN_SQUARE, PLUS, SLASH, SPACE, SQUOTE, TAB } from '../charCodes.ts';
import { WARM_UP_QUERIES, WARM_UP_SCRIPT } from './warmUp.ts';
import { installFastPaths } from './fastPaths.ts';

/** A node of the mirrored tree. Tokens have `token`; literal expressions have `literal`. */
export interface KNode {
  /** `SyntaxKind` name: `FilterOperator`, `HasAllExpression`, `List`, `IdentifierToken`… */
  readonly kind: string;
  /** Offsets into the query text (leading trivia excluded), end exclusive. */
  readonly start: number;
  readonly end: number;
  readonly children: readonly KNode[];
  readonly token?: string;
  /** Leading comments and whitespace of a token, as the lexer saw them. */
  readonly trivia?: string;
  readonly literal?: KLiteral;
}

/** The value of a literal expression: numbers as numbers, strings unescaped; timespans and datetimes as text. */
export interface KLiteral {
  readonly type: 'string' | 'number' | 'boolean' | 'null' | 'timespan' | 'datetime' | 'guid';
  readonly value: string | number | boolean | null;
  /** Text as written inside the literal (`1h`, `2020-01-01`). */
  readonly text: string;
}

/** A syntax error reported by the Kusto parser. */
export interface KqlSyntaxError {
  readonly code: string;
  readonly message: string;
  readonly start: number;
  readonly length: number;
}

export interface ParsedKql {
  readonly text: string;
  readonly root: KNode;
}

export interface ParseKqlResult {
  readonly value: ParsedKql;
  readonly diagnostics: readonly KqlSyntaxError[];
}

/** Deepest tree mirrored; deeper parts are cut (a `Truncated` node) so that untrusted input cannot blow the stack. */
export const MAX_TREE_DEPTH = 400;

/**
 * Code of the error `parseKql` returns, without parsing, for text nested deeper than LIMITS.maxDepth (brackets and
 * parentheses): Kusto's parser takes minutes on 20,000 nested parentheses. Reported as GEN005.
 */
export const KQL_TOO_DEEP = 'DEPTH';

/**
 * Where the nesting of `(`, `[`, `{` outside strings and comments first passes `limit` (offset), if it does. KQL
 * strings: `"…"` and `'…'` with backslash escapes, `@"…"` / `@'…'` verbatim (the quote doubled), ```` ``` ````
 * multi-line; `//` comments to the end of the line. A run of signs (`- - + - x`, whitespace between) nests too:
 * all but the first are unary operators, each one a level of the parser's recursion (20,000 of them took it 8 s).
 */
export function kqlDepthExceeds(text: string, limit: number = LIMITS.maxDepth): number | undefined {
  // read as character codes: comparing one-character strings made V8 optimize the loop again for each kind of string
  let depth = 0;
  let signs = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === DASH || c === PLUS) {
      if (depth + ++signs > limit + 1) return i;
      continue;
    }
    if (c !== SPACE && c !== TAB && c !== LF && c !== CR) signs = 0;
    if (c === SLASH && text.charCodeAt(i + 1) === SLASH) {
      const nl = text.indexOf('\n', i);
      if (nl < 0) return undefined;
      i = nl;
    } else if (c === BACKTICK && text.startsWith('```', i)) {
      const end = text.indexOf('```', i + 3);
      if (end < 0) return undefined;
      i = end + 2;
    } else if (c === DQUOTE || c === SQUOTE) {
      const verbatim = text.charCodeAt(i - 1) === AT;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (!verbatim && d === BACKSLASH) i++;
        else if (d === c) {
          if (verbatim && text.charCodeAt(i + 1) === c) i++;
          else break;
        } else if (!verbatim && d === LF) break;
      }
    } else if (c === OPEN_PAREN || c === OPEN_SQUARE || c === OPEN_CURLY) {
      if (++depth > limit) return i;
    } else if ((c === CLOSE_PAREN || c === CLOSE_SQUARE || c === CLOSE_CURLY) && depth > 0) depth--;
  }
  return undefined;
}

// ---- the native library (untyped on purpose: nothing outside this module sees it) ----
/* eslint-disable @typescript-eslint/no-explicit-any */
interface Native {
  readonly parse: (text: string) => { readonly syntax: any; readonly diagnostics: () => any };
  readonly kindNames: Readonly<Record<number, string>>;
  readonly globals: any;
}
let native: Native | undefined;

/** Load the Kusto parser once (lazily). */
function load(): Native {
  if (native) return native;
  // the library defines the global `Kusto` (see loadCommonJs). Its minified build (4 MB, the same package's) rather
  // than the 16 MB one: V8 keeps a script's source and the functions' preparse data for as long as the script
  // lives, and a thread holding the library after its first parse measured 35 MB of heap instead of 73 (RSS 70 MB
  // less), loaded in 0.3-0.4 s instead of 0.5-0.75 (scratch/kload.mts)
  if (!(globalThis as any).Kusto?.Language?.KustoCode) {
    const before = new Set(Object.getOwnPropertyNames(globalThis));
    const objectBefore = new Set(Object.getOwnPropertyNames(Object));
    loadCommonJs(import.meta.url, '@kusto/language-service-next/bridge.min.js');
    loadCommonJs(import.meta.url, '@kusto/language-service-next/Kusto.Language.Bridge.min.js');
    // what the library added (Bridge.NET: the globals `Bridge`, `System`, `Kusto`, and `Object.$$inheritors`), so
    // that `unloadKusto` can take it away again
    added = {
      globals: Object.getOwnPropertyNames(globalThis).filter((k) => !before.has(k)),
      statics: Object.getOwnPropertyNames(Object).filter((k) => !objectBefore.has(k)),
    };
  }
  installFastPaths(globalThis);
  const K = (globalThis as any).Kusto;
  const SK = K.Language.Syntax.SyntaxKind;
  const kindNames: Record<number, string> = {};
  for (const k of Object.keys(SK)) if (typeof SK[k] === 'number') kindNames[SK[k]] = k;
  // KustoCode.Parse asks for end tokens; globals that already have them spare a new GlobalState on every call
  const globals = K.Language.GlobalState.Default;
  const parseGlobals = globals.WithParseOptions(globals.ParseOptions.WithAlwaysProduceEndTokens(true));
  // KustoCode.Parse lexes, parses, then wraps the tree in a KustoCode: a SyntaxTree whose constructor walks every
  // element to cache its offset, and the query grammar of the grammar-based parser, which the default parser does
  // not use (1.5 s of the Sentinel source's 9.8 s of parsing). The tree is the same without them: a query is lexed
  // and parsed here as KustoCode.Create does, and only a control command (`.show …`) goes through KustoCode.
  const opts = parseGlobals.ParseOptions;
  const byDefaultParser = opts.ParserKind === K.Language.ParserKind.Default;
  const lex = lexer(K, opts);
  const parse = (t: string): { syntax: any; diagnostics: () => any } => {
    // the text is a query unless its first token (after directive lines) is a dot (`KustoCode.GetKind`, which lexes
    // that token again): read from the tokens the query is parsed from, directives left to GetKind
    const tokens = byDefaultParser ? lex(t) : undefined;
    const first = tokens?.[0]?.Kind;
    const query = tokens !== undefined && (first === SK.DirectiveToken ? K.Language.KustoCode.GetKind(t) === K.Language.Editor.CodeKinds.Query : first !== SK.DotToken);
    if (!query) {
      const code = K.Language.KustoCode.Parse(t, parseGlobals);
      return { syntax: code.Syntax, diagnostics: () => code.GetSyntaxDiagnostics() };
    }
    const syntax = K.Language.Parsing.QueryParser.ParseQuery(tokens, 0, opts);
    return { syntax, diagnostics: () => syntax.GetContainedSyntaxDiagnostics() };
  };
  native = { parse, kindNames, globals };
  warmUp(native, K);
  return native;
}

/**
 * The tokens of a text, as `TokenParser.ParseTokens` lexes them, but with the library's own token parser that keeps no
 * string table (`TokenParser.Default`). `ParseTokens` makes a new token parser for every text, whose string table
 * interns each token's text: a dictionary lookup keyed by a hashed span of the text for every token, half of the
 * lexer's time (0.8 of 1.7 s over the Sentinel corpus, CPU profile). In JavaScript a string has no identity apart
 * from its characters (`===`, and so the runtime's `referenceEquals`, compares them), so the interned text and a new
 * substring are the same to everything that reads them (the trees mirrored from every KQL text of the corpora are
 * the same either way). The loop is `ParseTokens`'s: each token from where the last one ended,
 * until the end-of-text token. Exported for the tests (`K`: the library's `Kusto` global, once loaded).
 */
export function lexer(K: any, opts: any): (text: string) => any {
  const TokenParser = K.Language.Parsing.TokenParser;
  const List = (globalThis as any).System.Collections.Generic.List$1(K.Language.Parsing.LexicalToken);
  const end = K.Language.Syntax.SyntaxKind.EndOfTextToken;
  const plain = TokenParser.Default;
  // another version of the library, whose default token parser is not the one without a table: its own lexing
  if (!plain || plain._stringTable !== null || typeof plain.Parse !== 'function') return (text) => TokenParser.ParseTokens(text, opts);
  return (text) => {
    const tokens = new List.ctor();
    let pos = 0;
    for (;;) {
      const token = plain.Parse(text, pos, opts);
      if (token == null) break;
      tokens.add(token);
      pos = (pos + token.Length) | 0;
      if (token.Kind === end) break;
    }
    return tokens.ToArray();
  };
}

/**
 * Read `WARM_UP_QUERIES` and `WARM_UP_SCRIPT` once, so that the library defines its generic types before its code is
 * optimized (see `warmUp.ts`). Nothing of it is kept; a failure only loses the warm-up.
 */
function warmUp(n: Native, K: any): void {
  try {
    for (const q of WARM_UP_QUERIES) n.parse(q).diagnostics();
    K.Language.Editor.CodeScript.From$1(WARM_UP_SCRIPT, n.globals);
    n.globals.GetFunction('ago');
    n.globals.GetAggregate('count');
  } catch {
    // the warm-up is an optimization: the queries that follow are parsed the same without it
  }
}

/** True once the parser has been loaded in this process. */
export function kustoLoaded(): boolean {
  return native !== undefined;
}

/** The globals (and `Object`'s own properties) the library defined when this module loaded it. */
let added: { readonly globals: readonly string[]; readonly statics: readonly string[] } | undefined;

/**
 * Drop the parser (its code, global state and recent parses) so that the next collection frees it: a scan worker
 * that has parsed its Kusto jobs goes on with other formats without the library's heap. Only what this module
 * loaded is removed (a library another module loaded first stays). `parseKql` loads it again if asked.
 */
export function unloadKusto(): void {
  native = undefined;
  recent.clear();
  if (!added) return;
  for (const k of added.globals) delete (globalThis as any)[k];
  for (const k of added.statics) delete (Object as any)[k];
  added = undefined;
}

let timings: number[] | undefined;

/** Start (or stop) recording the time of each `KustoCode.Parse` call, for benchmarks; returns the recorded list. */
export function recordParseTimes(on: boolean): number[] {
  timings = on ? [] : undefined;
  return timings ?? [];
}

/** Recent parses by text: the Defender adapter asks for the same block several times (probe, split, lowering). */
const recent = new Map<string, ParseKqlResult>();
/** How many recent parses are kept. */
const RECENT_PARSES = 32;

/**
 * Parse KQL text. Never throws on bad input: syntax errors come back as diagnostics beside a (partial) tree.
 * The result is immutable; the same text parsed again shortly after returns the same result.
 */
export function parseKql(text: string): ParseKqlResult {
  const hit = recent.get(text);
  if (hit) return hit;
  const deep = kqlDepthExceeds(text);
  if (deep !== undefined) {
    return {
      value: { text, root: { kind: 'QueryBlock', start: 0, end: text.length, children: [] } },
      diagnostics: [{ code: KQL_TOO_DEEP, message: `nesting deeper than ${LIMITS.maxDepth} levels; not parsed`, start: deep, length: 1 }],
    };
  }
  const n = load();
  const t0 = timings ? performance.now() : 0;
  const code = n.parse(text);
  if (timings) timings.push(performance.now() - t0);
  const diags: KqlSyntaxError[] = [];
  // Parse does no semantic analysis, so the syntax diagnostics are all of them (this walk skips clean subtrees);
  // GetDiagnostics would also drop repeats (`Diagnostic.Equals`: same code, message and location), done here
  const list = code.diagnostics();
  const seen = new Set<string>();
  for (let i = 0; i < list.Count; i++) {
    const d = list.getItem(i);
    if (d.HasLocation) {
      const key = `${d.Code}\u0000${d.Message}\u0000${d.Start}\u0000${d.Length}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    diags.push({ code: String(d.Code), message: String(d.Message), start: d.HasLocation ? d.Start : 0, length: d.HasLocation ? d.Length : 0 });
  }
  const res: ParseKqlResult = { value: { text, root: mirror(code.syntax, n.kindNames, 0, 0) }, diagnostics: diags };
  if (recent.size >= RECENT_PARSES) recent.delete(recent.keys().next().value!);
  recent.set(text, res);
  return res;
}

/**
 * Trivia width of the first token of the element last mirrored whose full width is not zero (-1: none). Set by
 * `mirror`, read by its caller: a node's text starts after its first such token's trivia (`SyntaxElement.TextStart`).
 */
let lead = -1;

/**
 * Copy a native element. Offsets are carried down (`fullStart`: where the element's trivia starts, the sum of
 * the full widths before it) instead of asking each element for `TextStart` and `Width`, which walk the parents
 * and the first descendant token every time.
 */
function mirror(el: any, names: Readonly<Record<number, string>>, depth: number, fullStart: number): KNode {
  const kind = names[el.Kind] ?? `Kind${el.Kind}`;
  const fullWidth: number = el.FullWidth;
  if (el.IsToken) {
    const trivia: string = el.Trivia ?? '';
    const start = fullStart + trivia.length;
    const end = fullStart + fullWidth;
    lead = fullWidth > 0 ? trivia.length : -1;
    return trivia ? { kind, start, end, children: [], token: el.Text, trivia } : { kind, start, end, children: [], token: el.Text };
  }
  if (depth > MAX_TREE_DEPTH) {
    const first = el.GetFirstToken();
    lead = first ? first.TriviaWidth : -1;
    const start = fullStart + Math.max(0, lead);
    return { kind: 'Truncated', start, end: start + el.Width, children: [] };
  }
  const children: KNode[] = [];
  let first = -1;
  let offset = fullStart;
  const count: number = el.ChildCount;
  for (let i = 0; i < count; i++) {
    const c = el.GetChild(i);
    if (!c) continue;
    if (kind === 'SeparatedElement') {
      // keep the element, drop the separator token
      if (i === 0) {
        const only = mirror(c, names, depth + 1, offset);
        if (lead < 0) lead = leadOf(el);
        return only;
      }
      continue;
    }
    children.push(mirror(c, names, depth + 1, offset));
    if (first < 0) first = lead; // children before it had no width, so its trivia is the node's
    offset += c.FullWidth;
  }
  lead = first;
  const node: KNode = { kind, start: fullStart + (first < 0 ? 0 : first), end: fullStart + fullWidth, children };
  if (el.IsLiteral && kind.endsWith('LiteralExpression')) {
    const lit = literalOf(kind, el);
    if (lit) return { ...node, literal: lit };
  }
  return node;
}

/** Trivia width of an element's first token of non-zero width, -1 when it has none (as `GetFirstToken`). */
function leadOf(el: any): number {
  const t = el.GetFirstToken();
  return t ? t.TriviaWidth : -1;
}

function literalOf(kind: string, el: any): KLiteral | undefined {
  const info = el.LiteralValueInfo;
  const text: string = info?.ValueText ?? '';
  const v = el.LiteralValue;
  switch (kind) {
    case 'StringLiteralExpression':
    case 'CompoundStringLiteralExpression':
      return { type: 'string', value: typeof v === 'string' ? v : text, text };
    case 'LongLiteralExpression':
    case 'IntLiteralExpression':
    case 'RealLiteralExpression':
    case 'DecimalLiteralExpression':
      if (v === null || v === undefined) return { type: 'null', value: null, text };
      return { type: 'number', value: Number(String(v)), text };
    case 'BooleanLiteralExpression':
      if (v === null || v === undefined) return { type: 'null', value: null, text };
      return { type: 'boolean', value: text.toLowerCase() === 'true', text };
    case 'NullLiteralExpression':
      return { type: 'null', value: null, text };
    case 'TimespanLiteralExpression':
      return { type: 'timespan', value: text, text };
    case 'DateTimeLiteralExpression':
      return { type: 'datetime', value: text, text };
    case 'GuidLiteralExpression':
      return { type: 'guid', value: text, text };
    default:
      return undefined;
  }
}
/**
 * Split a text holding several queries into its blocks, as Kusto's editors do (Kusto.Language `CodeScript`:
 * queries separated by blank lines). Offsets into `text`.
 */
export function splitQueryBlocks(text: string): { start: number; end: number }[] {
  const K = (load(), (globalThis as any).Kusto);
  const script = K.Language.Editor.CodeScript.From$1(text, load().globals);
  const out: { start: number; end: number }[] = [];
  for (let i = 0; i < script.Blocks.Count; i++) {
    const b = script.Blocks.getItem(i);
    out.push({ start: b.Start, end: b.End });
  }
  return out;
}

/** A built-in scalar function of KQL (`ago`, `strcat`, `pack_array`), from the parser's own function table. */
export function isBuiltinFunction(name: string): boolean {
  return !!load().globals.GetFunction(name);
}

/** A built-in aggregation function (`count`, `dcount`, `make_set`). */
export function isAggregateFunction(name: string): boolean {
  return !!load().globals.GetAggregate(name);
}
/* eslint-enable @typescript-eslint/no-explicit-any */

// ---- helpers over the mirrored tree ----

/** Source slice of a node. */
export function textOf(q: ParsedKql | string, n: KNode): string {
  return (typeof q === 'string' ? q : q.text).slice(n.start, n.end);
}

/** Children that are not tokens. */
export function nodes(n: KNode): KNode[] {
  return n.children.filter((c) => c.token === undefined);
}

/** First child of a kind. */
export function child(n: KNode, kind: string): KNode | undefined {
  return n.children.find((c) => c.kind === kind);
}

/** First token child (a keyword or operator) text. */
export function firstToken(n: KNode): string | undefined {
  for (const c of n.children) if (c.token !== undefined) return c.token;
  return undefined;
}

/** The expressions of an `ExpressionList` (`(a, b)`), or of a `List`. */
export function listItems(n: KNode | undefined): KNode[] {
  if (!n) return [];
  if (n.kind === 'ExpressionList') return listItems(child(n, 'List'));
  if (n.kind === 'List') return n.children.filter((c) => c.token === undefined || c.kind.endsWith('LiteralToken'));
  return [n];
}

/** The identifier of a name node (`NameReference`, `NameDeclaration`, `TokenName`, `BracketedName`). */
export function nameOf(n: KNode | undefined): string | undefined {
  if (!n) return undefined;
  if (n.token !== undefined) return n.token;
  if (n.kind === 'BracketedName' || n.kind === 'BracedName') {
    const lit = n.children.find((c) => c.kind.endsWith('LiteralToken'));
    if (lit?.token) return unquote(lit.token);
  }
  for (const c of n.children) {
    const r = nameOf(c);
    if (r !== undefined && c.kind !== 'OpenBracketToken' && c.kind !== 'CloseBracketToken') return r;
  }
  return undefined;
}

function unquote(s: string): string {
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'")) return s.slice(1, -1);
  return s;
}

/** Leading comment lines (`// …`) of the first token of a tree: the lexer's trivia, not a scan of the text. */
export function leadingComments(root: KNode): string[] {
  const first = firstTokenNode(root);
  if (!first?.trivia) return [];
  const out: string[] = [];
  for (const line of first.trivia.split('\n')) {
    const t = line.trim();
    if (t.startsWith('//')) out.push(t.slice(2).trim());
  }
  return out;
}

function firstTokenNode(n: KNode): KNode | undefined {
  if (n.token !== undefined) return n;
  for (const c of n.children) {
    const r = firstTokenNode(c);
    if (r && (r.token !== '' || r.trivia)) return r;
  }
  return undefined;
}
