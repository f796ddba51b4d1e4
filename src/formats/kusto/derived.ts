/**
 * KQL derived operands (issue 19): a value computed from a column by scalar functions (`tolower`, `tostring`,
 * `substring`, `split(…)[i]`, `extract`, `extract_json`, `strcat`, `trim`, `strlen`, a member of `parse_json(…)`)
 * or captured by the `parse` operator, as the model's transform chain (`Derived`, `src/model/transformFacts.ts`)
 * over the source field, with KQL's semantics (`lang: 'kql'`). What a chain cannot say stays `other` with its
 * reason. Nothing here re-parses the query: everything is read from the mirrored syntax tree.
 */
import type { Derived, ParsePart, TransformArg, TransformName, TransformStep, Value } from '../../model/expr.ts';
import { kqlToString, parseRegex } from '../../model/derive.ts';
import { DERIVING_FUNCTIONS, PARSE_COLUMN_TYPES } from './kqlFacts.ts';
import { child, listItems, nameOf, nodes, textOf, type KNode, type ParsedKql } from './parser.ts';
import type { Operand } from './scope.ts';

/** A derived operand. */
export type DerivedOperand = Extract<Operand, { kind: 'derived' }>;

const other = (text: string, reason: string): Operand => ({ kind: 'other', text, reason });

/** The chain an operand stands for: a field (its case fold as the first step) or a derived operand. */
export function chainOf(o: Operand): { readonly field: string; readonly steps: readonly TransformStep[]; readonly missingAs?: Value } | undefined {
  if (o.kind === 'derived') return { field: o.field, steps: o.derived.steps, ...(o.missingAs !== undefined ? { missingAs: o.missingAs } : {}) };
  if (o.kind === 'field') return { field: o.field, steps: o.fold ? [{ fn: o.fold }] : [] };
  return undefined;
}

/** The operand with more steps; `undefined` when it is not a field or a derived value. */
export function derive(o: Operand, steps: readonly TransformStep[], text: string): DerivedOperand | undefined {
  const c = chainOf(o);
  if (!c) return undefined;
  return { kind: 'derived', field: c.field, derived: { steps: [...c.steps, ...steps], lang: 'kql' }, ...(c.missingAs !== undefined ? { missingAs: c.missingAs } : {}), text };
}

/** Predicate options an operand brings: the value a missing field takes (`column_ifexists`). */
export function missingOpts(o: Operand | undefined): { missingAs?: Value } {
  return o?.kind === 'derived' && o.missingAs !== undefined ? { missingAs: o.missingAs } : {};
}

/**
 * `column_ifexists("X", default)`: the column X, or `default` when the event has no X (the table has no such
 * column). A default computed from other columns is `other`.
 */
export function columnIfExists(ops: readonly Operand[], text: string): Operand {
  const name = constant(ops[0]);
  const d = ops[1];
  if (typeof name !== 'string' || name === '') return other(text, 'column_ifexists(): the column name is not a constant');
  if (d?.kind !== 'value' || (d.value !== null && typeof d.value === 'object')) return other(text, 'column_ifexists(): a default that is not a constant');
  if (d.value === null) return { kind: 'field', field: name, text };
  return { kind: 'derived', field: name, derived: { steps: [], lang: 'kql' }, missingAs: d.value, text };
}

/** A field operand as a derived one (a case fold becomes its step), for comparisons a fold alone cannot say. */
export function asDerived(o: Operand): DerivedOperand | undefined {
  return o.kind === 'derived' ? o : derive(o, [], o.text);
}

const step = (fn: TransformName, ...args: TransformArg[]): TransformStep => (args.length ? { fn, args } : { fn });

/** The value of a constant operand, if it is one. */
function constant(o: Operand | undefined): Value | undefined {
  return o?.kind === 'value' ? o.value : undefined;
}

/**
 * A call of a KQL scalar function that computes a value from one column (`substring(x, 0, 3)`, `extract(re, 1, x)`):
 * the derived operand, an `other` with the reason, or `undefined` when `fname` is not such a function.
 */
export function derivingCall(q: ParsedKql, fname: string, args: readonly KNode[], text: string, operandOf: (n: KNode) => Operand): Operand | undefined {
  const fact = DERIVING_FUNCTIONS[fname];
  if (!fact) return undefined;
  const ops = args.map(operandOf);
  const source = ops[fact.source];
  const fail = (why: string) => other(text, `${fname}(): ${why}`);
  if (fact.arity && (args.length < fact.arity[0] || args.length > fact.arity[1])) return fail(`${args.length} arguments`);
  if (fname === 'strcat' || fname === 'strcat_delim') return strcat(fname, ops, text);
  if (!source || (source.kind !== 'field' && source.kind !== 'derived')) {
    return source?.kind === 'other' ? other(text, `${fname}() of a computed value (${source.reason})`) : fail(`its input is a ${source?.kind ?? 'missing argument'}`);
  }
  const steps: TransformStep[] = [];
  switch (fact.transform) {
    case 'substring': {
      const start = constant(ops[1]);
      const len = ops[2] ? constant(ops[2]) : undefined;
      if (typeof start !== 'number' || (ops[2] && typeof len !== 'number')) return fail('start or length is not a constant number');
      steps.push(typeof len === 'number' ? step('substring', start, len) : step('substring', start));
      break;
    }
    case 'split': {
      const sep = constant(ops[1]);
      if (typeof sep !== 'string' || sep === '') return fail('the separator is not a constant non-empty string');
      if (args.length > 2) return fail('a requested index (the result is a one-element array)');
      steps.push(step('split', sep));
      break;
    }
    case 'extract': {
      const re = constant(ops[0]);
      const group = constant(ops[1]);
      if (typeof re !== 'string' || typeof group !== 'number' || !Number.isInteger(group) || group < 0) return fail('the pattern or group is not a constant');
      steps.push(step('extract', re, group));
      if (args[3]) {
        const conv = typeConversion(typeOfName(q, args[3]));
        if (conv === undefined) return fail(`conversion to ${textOf(q, args[3])}`);
        if (conv) steps.push(conv);
      }
      break;
    }
    case 'json': {
      // extract_json(path, text[, typeof(T)]): the element at a JSONPath of a JSON text, as a string by default
      const path = constant(ops[0]);
      const keys = typeof path === 'string' ? jsonPathKeys(path) : undefined;
      if (!keys) return fail('a JSONPath other than $.a.b / $["a"] / $.a[0]');
      steps.push(step('json'), ...keys.map((k) => step('get', k)));
      const conv = args[2] ? typeConversion(typeOfName(q, args[2])) : step('tostring');
      if (conv === undefined) return fail(`conversion to ${textOf(q, args[2]!)}`);
      if (conv) steps.push(conv);
      break;
    }
    case 'trim': {
      const re = constant(ops[0]);
      const chars = typeof re === 'string' ? trimCharacters(re) : undefined;
      if (chars === undefined) return fail('a pattern that is not a set of characters (such as @"\\s" or @"[ \\"]+")');
      steps.push(step('trim', chars));
      break;
    }
    case 'bin': {
      const size = ops[1];
      if (size?.kind === 'span') {
        const ms = spanMilliseconds(size.text);
        if (ms === undefined || DAY_MS % ms !== 0) return fail(`a time bin of ${size.text} (only spans that divide a day are modelled)`);
        steps.push(step('bin', ms, 'ms'));
      } else if (size?.kind === 'value' && typeof size.value === 'number' && size.value > 0) steps.push(step('bin', size.value));
      else return fail('the bin size is not a constant');
      break;
    }
    case 'replace': {
      const regex = fname !== 'replace_string';
      const [lookup, rewrite] = fname === 'replace' ? [constant(ops[0]), constant(ops[1])] : [constant(ops[1]), constant(ops[2])];
      if (typeof lookup !== 'string' || typeof rewrite !== 'string') return fail('the lookup or rewrite is not a constant string');
      steps.push(regex ? step('replace', lookup, rewrite, 'regex') : step('replace', lookup, rewrite));
      break;
    }
    default:
      steps.push(step(fact.transform));
  }
  return derive(source, steps, text) ?? fail('not a column');
}

/** strcat of columns and constants: the first column is the chain's field; the others are read from the event. */
function strcat(fname: string, ops: readonly Operand[], text: string): Operand {
  const delim = fname === 'strcat_delim' ? constant(ops[0]) : '';
  if (typeof delim !== 'string') return other(text, `${fname}(): the delimiter is not a constant string`);
  const parts = fname === 'strcat_delim' ? ops.slice(1) : ops;
  const pieces: Value[] = [];
  let at = -1;
  parts.forEach((o, i) => {
    if (i > 0 && delim) pieces.push(delim);
    if (at < 0 && (o.kind === 'derived' || o.kind === 'field')) {
      at = pieces.length;
      pieces.push(null);
    } else if (o.kind === 'value') pieces.push(o.value);
    else if (o.kind === 'field' && !o.fold) pieces.push({ kind: 'field', field: o.field });
    else pieces.push({ kind: 'field', field: '\u0000' }); // marks an operand a strcat argument cannot hold
  });
  if (pieces.some((p) => p !== null && typeof p === 'object' && p.field === '\u0000')) return other(text, `${fname}() of several computed values`);
  if (at < 0) return { kind: 'value', value: pieces.map((p) => kqlToString(p)).join(''), text };
  return derive(parts.find((o) => o.kind === 'derived' || o.kind === 'field')!, [step('strcat', pieces.slice(0, at), pieces.slice(at + 1))], text)!;
}

/** The type a `typeof(T)` argument names, lower-cased. */
function typeOfName(q: ParsedKql, n: KNode): string {
  if (n.kind !== 'TypeOfLiteralExpression') return '';
  const items = listItems(child(n, 'List'));
  return items.length === 1 ? textOf(q, items[0]!).toLowerCase() : '';
}

/** The step a KQL conversion to `type` is: null for none (string), undefined when no transform says it. */
export function typeConversion(type: string): TransformStep | null | undefined {
  const t = columnType(type);
  if (t === undefined) return undefined;
  return t === 'string' ? null : step(t);
}

/**
 * The keys of a simple JSONPath (`$.a.b`, `$["a"]`, `$.a[0]`, `$['a b']`), or undefined for anything else (wildcards,
 * filters, recursive descent). A small hand-written reader of that grammar.
 */
export function jsonPathKeys(path: string): (string | number)[] | undefined {
  if (path[0] !== '$') return undefined;
  const keys: (string | number)[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i]!;
    if (c === '.') {
      let j = i + 1;
      while (j < path.length && /[A-Za-z0-9_@$-]/.test(path[j]!)) j++;
      if (j === i + 1) return undefined;
      keys.push(path.slice(i + 1, j));
      i = j;
    } else if (c === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) return undefined;
      const inner = path.slice(i + 1, close).trim();
      const q = inner[0];
      if ((q === '"' || q === "'") && inner.length >= 2 && inner[inner.length - 1] === q && !inner.slice(1, -1).includes(q)) keys.push(inner.slice(1, -1));
      else if (/^\d+$/.test(inner)) keys.push(Number(inner));
      else return undefined;
      i = close + 1;
    } else return undefined;
  }
  return keys;
}

const DAY_MS = 86_400_000;
const SPAN_UNITS: Readonly<Record<string, number>> = { d: DAY_MS, day: DAY_MS, days: DAY_MS, h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000, m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000, s: 1000, sec: 1000, second: 1000, seconds: 1000, ms: 1, milli: 1, millis: 1, millisecond: 1, milliseconds: 1 };

/** A KQL timespan literal (`1h`, `30m`, `1.5d`) in milliseconds; undefined for other spellings. */
export function spanMilliseconds(text: string): number | undefined {
  let i = 0;
  while (i < text.length && ((text[i]! >= '0' && text[i]! <= '9') || text[i] === '.')) i++;
  const n = Number(text.slice(0, i));
  const unit = SPAN_UNITS[text.slice(i).toLowerCase()];
  if (i === 0 || Number.isNaN(n) || unit === undefined || !Object.hasOwn(SPAN_UNITS, text.slice(i).toLowerCase())) return undefined;
  const ms = n * unit;
  return Number.isInteger(ms) && ms > 0 ? ms : undefined;
}

/** A KQL timespan literal in milliseconds, zero and negative ones included (`0min`, `-2m`, `1h`). */
export function spanMs(text: string): number | undefined {
  const t = text.trim();
  if (t.startsWith('-')) {
    const m = spanMs(t.slice(1));
    return m === undefined ? undefined : -m;
  }
  let i = 0;
  while (i < t.length && ((t[i]! >= '0' && t[i]! <= '9') || t[i] === '.')) i++;
  if (i > 0 && Number(t.slice(0, i)) === 0 && Object.hasOwn(SPAN_UNITS, t.slice(i).toLowerCase())) return 0;
  return spanMilliseconds(t);
}

/** RE2 `\s`: the characters it matches. */
const RE2_SPACE = '\t\n\f\r ';

/**
 * The characters a trim pattern removes, when the pattern is a set of characters repeated (`\s`, `\s+`, ` `,
 * `[ "]+`): KQL trim removes every leading and trailing match, so a class and the class repeated trim alike.
 */
export function trimCharacters(re: string): string | undefined {
  let body = re;
  if (body.endsWith('+') || body.endsWith('*')) body = body.slice(0, -1);
  if (body === '\\s') return RE2_SPACE;
  if (body.length === 1 && !'.*+?()[]{}|^$\\'.includes(body)) return body;
  if (body.length === 2 && body[0] === '\\' && !/[A-Za-z0-9]/.test(body[1]!)) return body[1];
  if (body[0] !== '[' || body[body.length - 1] !== ']' || body[1] === '^') return undefined;
  let chars = '';
  for (let i = 1; i < body.length - 1; i++) {
    const c = body[i]!;
    if (c === '\\') {
      const e = body[++i];
      if (e === undefined) return undefined;
      if (e === 's') chars += RE2_SPACE;
      else if (e === 't') chars += '\t';
      else if (e === 'n') chars += '\n';
      else if (e === 'r') chars += '\r';
      else if (/[A-Za-z0-9]/.test(e)) return undefined;
      else chars += e;
    } else if (c === '-' && i > 1 && i < body.length - 2) return undefined; // a range
    else if (c === '[') return undefined;
    else chars += c;
  }
  return chars || undefined;
}

// ---------------- the parse operator ----------------

/** The columns a `parse` operator makes, each with its meaning. */
export interface ParseColumns {
  readonly columns: readonly { readonly name: string; readonly operand: Operand }[];
  /**
   * When every column is expressed: the regular expression the source must match for the parse to succeed (what
   * `parse-where` keeps), over the source's field (and its chain when the source is derived).
   */
  readonly match?: { readonly field: string; readonly derived?: Derived; readonly missingAs?: Value; readonly pattern: string; readonly flags: string };
}

/**
 * The columns of `parse [kind=simple|regex] [flags=…] Expr with …`: for the simple kind, one `parse` step per
 * column; for the regex kind, the pattern made into one regular expression (literals as written, `*` and string
 * columns `.*?`, long / int `-?\d+`, real a decimal) and an `extract` of the column's group. The relaxed kind, types
 * no transform converts to, capture groups inside the pattern's own regexes and the U (ungreedy) flag stay `other`.
 */
export function parseOperatorColumns(q: ParsedKql, op: KNode, operandOf: (n: KNode) => Operand): ParseColumns {
  const params = new Map<string, string>();
  const withAt = op.children.findIndex((c) => c.kind === 'WithKeyword');
  const before = withAt < 0 ? op.children : op.children.slice(0, withAt);
  const after = withAt < 0 ? [] : op.children.slice(withAt + 1);
  for (const l of before.filter((c) => c.kind === 'List')) {
    for (const p of nodes(l)) if (p.kind === 'NamedParameter') params.set((nameOf(child(p, 'NameDeclaration')) ?? '').toLowerCase(), textOf(q, nodes(p).filter((x) => x.kind !== 'NameDeclaration')[0] ?? p).toLowerCase());
  }
  const srcNode = before.filter((c) => c.token === undefined && c.kind !== 'List')[0];
  const patternList = after.find((c) => c.kind === 'List');
  const items = patternList ? nodes(patternList) : [];
  const parts: ParsePart[] = [];
  const regexParts: { re?: string; star?: true; col?: string; type?: string }[] = [];
  const names: { name: string; type: string }[] = [];
  for (const it of items) {
    if (it.kind === 'StarExpression') {
      parts.push({ star: true });
      regexParts.push({ star: true });
    } else if (it.literal && typeof it.literal.value === 'string') {
      parts.push({ lit: it.literal.value });
      regexParts.push({ re: it.literal.value });
    } else if (it.kind === 'NameAndTypeDeclaration' || it.kind === 'NameDeclaration') {
      const name = nameOf(it.kind === 'NameDeclaration' ? it : child(it, 'NameDeclaration')) ?? '';
      const typeNode = it.kind === 'NameAndTypeDeclaration' ? nodes(it).filter((x) => x.kind !== 'NameDeclaration')[0] : undefined;
      const type = typeNode ? textOf(q, typeNode).toLowerCase() : 'string';
      parts.push(type === 'string' ? { col: name } : { col: name, type });
      regexParts.push({ col: name, type });
      names.push({ name, type });
    }
  }
  const kind = params.get('kind') ?? 'simple';
  const flags = params.get('flags') ?? '';
  const source = srcNode ? operandOf(srcNode) : undefined;
  const label = textOf(q, op.children.find((c) => c.token !== undefined) ?? op);
  const whyNot = (() => {
    if (!source) return 'no source expression';
    if (source.kind === 'other') return `from a computed value (${source.reason})`;
    if (source.kind !== 'field' && source.kind !== 'derived') return `from a ${source.kind}`;
    if (kind !== 'simple' && kind !== 'regex') return `kind=${kind} (columns that do not match their type are null, the rest kept)`;
    if (kind === 'regex' && /[^ims]/.test(flags)) return `regex flags ${flags}`;
    if (kind === 'regex' && regexParts.some((p) => p.re !== undefined && hasCaptureGroup(p.re))) return 'a capture group inside the pattern (it shifts the columns\u2019 groups)';
    return undefined;
  })();
  const columns = names.map(({ name, type }) => {
    if (whyNot) return { name, operand: other(name, `column ${name} extracted by ${label} ${whyNot}`) };
    if (!columnType(type)) return { name, operand: other(name, `column ${name} extracted by ${label} as ${type}, a type no transform converts to`) };
    if (kind === 'simple') return { name, operand: derive(source!, [step('parse', parts, name)], name)! };
    const { re, group } = regexOf(regexParts, name);
    const conv = typeConversion(type);
    return { name, operand: derive(source!, [step('extract', re, group, ...(flags ? [flags] : [])), ...(conv ? [conv] : [])], name)! };
  });
  const chain = source && !whyNot ? asDerived(source) : undefined;
  if (!chain || names.some((c) => !columnType(c.type))) return { columns };
  const pattern = kind === 'simple' ? parseRegex(parts).source : regexOf(regexParts, '').re;
  const match = { field: chain.field, ...(chain.derived.steps.length ? { derived: chain.derived } : {}), ...missingOpts(chain), pattern, flags: kind === 'simple' ? 's' : flags };
  return { columns, match };
}

/** The transform a column type converts with, when one does. */
function columnType(type: string): 'string' | 'int' | 'float' | undefined {
  return Object.hasOwn(PARSE_COLUMN_TYPES, type) ? PARSE_COLUMN_TYPES[type] : undefined;
}

/** An unescaped `(` that opens a capturing group (not `(?:`, `(?i)`, `(?P<…>` is capturing too). */
function hasCaptureGroup(re: string): boolean {
  for (let i = 0; i < re.length; i++) {
    if (re[i] === '\\') {
      i++;
      continue;
    }
    if (re[i] === '(' && (re[i + 1] !== '?' || re[i + 2] === 'P' || re[i + 2] === '<')) return true;
  }
  return false;
}

/** The regex a regex-kind parse pattern stands for, and the group of `column`. */
function regexOf(parts: readonly { re?: string; star?: true; col?: string; type?: string }[], column: string): { re: string; group: number } {
  let re = '^';
  let group = 0;
  let n = 0;
  parts.forEach((p, i) => {
    if (p.re !== undefined) re += `(?:${p.re})`;
    else if (p.star) re += '.*?';
    else {
      n++;
      if (p.col === column) group = n;
      const t = columnType(p.type ?? 'string');
      re += `(${t === 'int' ? '-?\\d+' : t === 'float' ? '-?\\d+(?:\\.\\d+)?' : '.*?'})${i === parts.length - 1 ? '$' : ''}`;
    }
  });
  return { re, group };
}
