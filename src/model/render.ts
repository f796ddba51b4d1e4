/**
 * Text rendering of expressions, as on the rule page:
 * `not (errorCode is_not_null or errorMessage is_not_null or eventName ne "UpdateAssumeRolePolicy")`.
 *
 * Options that change the meaning are shown in brackets after the operator when they differ from the operator's
 * default: `[cs]` / `[ci]`, `[all]`, transforms (`[base64offset]`), regex flags and anchoring, and a field's default
 * on a null test (`[default=""]`: a missing field is not null there).
 */
import { assertNever, type Derived, type DistinctBy, type Each, type Expr, type ParsePart, type Predicate, type TransformArg, type TransformStep, type Value } from './expr.ts';
import { OPERATOR_FACTS } from './operators.ts';

export function renderValue(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return `field(${renderOperand(v.field, v.derived)})`;
}

export function renderValues(values: readonly Value[]): string {
  if (values.length === 1) return renderValue(values[0]!);
  return `[${values.map(renderValue).join(', ')}]`;
}

/** Bracketed modifiers of a predicate that differ from its operator's defaults. */
export function predicateModifiers(p: Predicate): string[] {
  return modifiersWith(p, p.values);
}

/** `predicateModifiers` of the predicate with `values` as its values. */
function modifiersWith(p: Predicate, values: readonly Value[]): string[] {
  const mods: string[] = [];
  const o = p.opts;
  if (!o) return mods;
  // a field reference compares with the other field's text as a string does
  const hasString = values.some((v) => typeof v === 'string' || (v !== null && typeof v === 'object'));
  if (o.cs !== undefined && o.cs !== OPERATOR_FACTS[p.op].defaultCaseSensitive && (hasString || p.op === 'regex')) mods.push(o.cs ? 'cs' : 'ci');
  if (o.match === 'all' && values.length > 1) mods.push('all');
  if (o.transforms?.length) mods.push(...o.transforms);
  if (o.flags) mods.push(`flags=${o.flags}`);
  if (o.anchor) mods.push(o.anchor === 'start' ? 'anchored' : 'fullmatch');
  if (o.wildcard === 'like') mods.push('like');
  if (o.wildcard === 'plain') mods.push('no-escape');
  if (o.empty) mods.push('empty');
  if (o.term && o.term !== 'whole') mods.push(o.term);
  // a default makes a missing field not null: shown where it decides the result (Python `event.get("x", "d") is None`)
  if ((p.op === 'is_null' || p.op === 'is_not_null') && !o.truthy && o.missingAs !== undefined && o.missingAs !== null) mods.push(`default=${renderValue(o.missingAs)}`);
  return mods;
}

export function renderPredicate(p: Predicate): string {
  return renderPredicateWith(p, p.values);
}

/** The predicate as text with `values` instead of its own (one of them, say), without a copy of it. */
export function renderPredicateWith(p: Predicate, values: readonly Value[]): string {
  const mods = modifiersWith(p, values);
  const op = mods.length ? `${p.op}[${mods.join(',')}]` : p.op;
  const operand = renderOperand(p.field, p.derived);
  if (values.length === 0) return `${operand} ${op}`;
  return `${operand} ${op} ${renderValues(values)}`;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** A KQL parse pattern as written after `with`: `* "lit" col:type *`. */
function renderParsePattern(parts: readonly ParsePart[]): string {
  return parts.map((p) => ('lit' in p ? JSON.stringify(p.lit) : 'star' in p ? '*' : p.type ? `${p.col}:${p.type}` : p.col)).join(' ');
}

function renderArg(a: TransformArg | undefined): string {
  if (a === undefined) return '';
  if (Array.isArray(a)) return (a as readonly Value[]).map(renderValue).join(', ');
  if (a !== null && typeof a === 'object' && 'empty' in a) return '{}';
  return renderValue(a as Value);
}

/**
 * A predicate's operand: the field, or its derivation read left to right
 * (`json(requestParameters.policyDocument).Statement[*].Effect`, `int(split(x, ":")[1])`).
 */
/** A span in milliseconds as KQL writes it (`1h`, `30m`, `1d`). */
function renderMs(ms: number): string {
  for (const [u, n] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (ms % n === 0) return `${ms / n}${u}`;
  return `${ms}ms`;
}

export function renderOperand(field: string, d: Derived | undefined): string {
  if (!d) return field;
  let x = field;
  for (const s of d.steps) {
    const a = s.args ?? [];
    switch (s.fn) {
      case 'get':
      case 'item': {
        const k = a[0];
        if (s.fn === 'get' && a.length > 1) x = `${x}.get(${renderArg(k)}, ${Array.isArray(a[1]) ? `[${renderArg(a[1])}]` : renderArg(a[1])})`;
        else if (typeof k === 'number') x = `${x}[${k}]`;
        else if (s.fn === 'get' && typeof k === 'string' && IDENT.test(k)) x = `${x}.${k}`;
        else x = `${x}[${renderArg(k)}]`;
        break;
      }
      case 'elements':
        x = `${x}[*]`;
        break;
      case 'slice':
        x = `${x}[${typeof a[0] === 'number' ? a[0] : ''}:${typeof a[1] === 'number' ? a[1] : ''}]`;
        break;
      case 'split':
        x = `${a[2] === 'right' ? 'rsplit' : 'split'}(${[x, ...(a[0] === undefined || (a[0] === null && a.length < 2) ? [] : [renderArg(a[0])]), ...(typeof a[1] === 'number' ? [String(a[1])] : [])].join(', ')})`;
        break;
      case 'trim':
        x = a[0] === undefined ? `trim(${x})` : `trim(${x}, ${renderArg(a[0])})`;
        break;
      case 'substring':
        x = `substring(${[x, ...a.map(renderArg)].join(', ')})`;
        break;
      case 'extract':
        x = `extract(${[renderArg(a[0]), renderArg(a[1]), x, ...(a[2] ? [renderArg(a[2])] : [])].join(', ')})`;
        break;
      case 'parse':
        x = `parse(${x}, ${JSON.stringify(renderParsePattern((a[0] ?? []) as readonly ParsePart[]))}, ${typeof a[1] === 'string' ? a[1] : '?'})`;
        break;
      case 'dissect':
        x = `dissect(${x}, ${renderArg(a[0])}, ${typeof a[1] === 'string' ? a[1] : '?'})`;
        break;
      case 'strcat': {
        const before = Array.isArray(a[0]) ? (a[0] as readonly Value[]).map(renderValue) : [];
        const after = Array.isArray(a[1]) ? (a[1] as readonly Value[]).map(renderValue) : [];
        x = `strcat(${[...before, x, ...after].join(', ')})`;
        break;
      }
      case 'replace':
        x = `${a[2] === 'regex' ? 'replace_regex' : 'replace'}(${[x, renderArg(a[0]), renderArg(a[1])].join(', ')})`;
        break;
      case 'bin':
        x = `bin(${x}, ${a[1] === 'ms' && typeof a[0] === 'number' ? renderMs(a[0]) : renderArg(a[0])})`;
        break;
      case 'array_len':
        x = `array_length(${x})`;
        break;
      case 'ipaddress':
        x = `${String(a[0])}(${x})${a[1] ? `.${String(a[1])}` : ''}`;
        break;
      case 'argv':
        x = `argv(${x})`;
        break;
      case 'bytes':
        x = `string_size(${x})`;
        break;
      case 'levenshtein':
        x = `${a[1] === true ? 'ilevenshtein' : 'levenshtein'}(${x}, ${renderArg(a[0])})`;
        break;
      case 'regex_count':
        x = `${a[1] === true ? 'iregex_count' : 'regex_count'}(${x}, ${renderArg(a[0])})`;
        break;
      case 'substr_count':
        x = `${a[1] === true ? 'icount' : 'count'}(${x}, ${renderArg(a[0])})`;
        break;
      case 'ifmatch':
        // the nested steps over `_`, the value the regex matched
        x = `ifmatch(${x}, ${renderArg(a[0])}, ${renderOperand('_', { steps: Array.isArray(a[1]) ? (a[1] as readonly TransformStep[]) : [] })})`;
        break;
      case 'base64decode':
      case 'urldecode':
      case 'json':
      case 'lower':
      case 'upper':
      case 'len':
      case 'int':
      case 'float':
      case 'str':
      case 'tostring':
      case 'type':
        x = `${s.fn}(${x})`;
        break;
      default:
        return assertNever(s.fn, 'transform');
    }
  }
  return x;
}

type Ctx = 'top' | 'and' | 'or' | 'not';

/** Render an expression as one line. */
export function renderExpr(e: Expr, ctx: Ctx = 'top'): string {
  switch (e.kind) {
    case 'pred':
      return renderPredicate(e);
    case 'opaque':
      return `<opaque: ${oneLine(e.text)}>`;
    case 'const':
      return String(e.value);
    case 'not': {
      const inner = renderExpr(e.arg, 'not');
      return `not ${inner}`;
    }
    case 'and':
    case 'or': {
      const s = e.args.map((a) => renderExpr(a, e.kind)).join(` ${e.kind} `);
      return ctx === 'top' ? s : `(${s})`;
    }
    case 'quant': {
      const n = e.count === 'all' ? 'all' : String(e.count);
      const items = e.items.map((i) => `${i.name}: ${renderExpr(i.expr, 'and')}`).join(', ');
      const s = `${n} of ${e.selector} {${items}}`;
      return ctx === 'top' ? s : `(${s})`;
    }
    case 'each':
      if (e.distinct) return distinctText(e, e.distinct);
      if (isLength(e)) return `length(${renderOperand(e.array, e.derived)})${eachTail(e)}`;
      return `${eachHead(e)}${renderExpr(e.expr, 'top')})${eachTail(e)}`;
    default:
      return assertNever(e, 'expression');
  }
}

/**
 * A quantifier over one element per key value, as MQL writes it: `length(distinct(filter(xs, p), .k)) lt 10`,
 * `any(distinct(xs, .k), p)`.
 */
function distinctText(e: Each, d: DistinctBy): string {
  const key = typeof d.key === 'string' ? d.key : renderExpr(d.key, 'top');
  const array = renderOperand(e.array, e.derived);
  if (typeof e.quant === 'string') return `${e.quant}(distinct(${array}, ${key}), ${renderExpr(e.expr, 'top')})`;
  const chosen = isLength(e) ? array : `filter(${array}, ${renderExpr(e.expr, 'top')})`;
  return `length(distinct(${chosen}, ${key}))${eachTail(e)}`;
}

/** A count of every element (MQL `length(x)`): no per-element condition. */
function isLength(e: Each): boolean {
  return typeof e.quant === 'object' && e.expr.kind === 'const' && e.expr.value;
}

/** `any(attachments, ` / `all(…, ` / `count(…, `: the opening of an array quantifier. */
function eachHead(e: Each): string {
  return `${typeof e.quant === 'string' ? e.quant : 'count'}(${renderOperand(e.array, e.derived)}, `;
}
/** ` gt 2` after a count quantifier. */
function eachTail(e: Each): string {
  return typeof e.quant === 'string' ? '' : ` ${e.quant.op} ${e.quant.value}`;
}

/** Render with line breaks and indentation for long expressions (pages and `show`). */
export function renderExprPretty(e: Expr, width = 100, indent = '', ctx: Ctx = 'top'): string {
  // inside an `and` / `or` block a child on one line keeps its parentheses: `x and (a or b)` is not `x and a or b`
  const flat = renderExpr(e, ctx);
  if (flat.length + indent.length <= width) return indent + flat;
  const step = indent + '  ';
  switch (e.kind) {
    case 'and':
    case 'or':
      return `${indent}(\n${e.args.map((a) => renderExprPretty(a, width, step, e.kind)).join(`\n${step}${e.kind}\n`)}\n${indent})`;
    case 'not':
      return `${indent}not\n${renderExprPretty(e.arg, width, step, 'not')}`;
    case 'each':
      if (isLength(e) || e.distinct) return indent + flat;
      return `${indent}${eachHead(e)}\n${renderExprPretty(e.expr, width, step)}\n${indent})${eachTail(e)}`;
    case 'quant': {
      const n = e.count === 'all' ? 'all' : String(e.count);
      return `${indent}${n} of ${e.selector} {\n${e.items.map((i) => `${step}${i.name}:\n${renderExprPretty(i.expr, width, step + '  ')}`).join('\n')}\n${indent}}`;
    }
    default:
      return indent + flat;
  }
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 160 ? t.slice(0, 157) + '...' : t;
}
