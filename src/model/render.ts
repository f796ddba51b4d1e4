/**
 * Text rendering of expressions, as on the rule page:
 * `not (errorCode is_not_null or errorMessage is_not_null or eventName ne "UpdateAssumeRolePolicy")`.
 *
 * Options that change the meaning are shown in brackets after the operator when they differ from the operator's
 * default: `[cs]` / `[ci]`, `[all]`, transforms (`[base64offset]`), regex flags and anchoring.
 */
import { assertNever, type Each, type Expr, type Predicate, type Value } from './expr.ts';
import { OPERATOR_FACTS } from './operators.ts';

export function renderValue(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return `field(${v.field})`;
}

export function renderValues(values: readonly Value[]): string {
  if (values.length === 1) return renderValue(values[0]!);
  return `[${values.map(renderValue).join(', ')}]`;
}

/** Bracketed modifiers of a predicate that differ from its operator's defaults. */
export function predicateModifiers(p: Predicate): string[] {
  const mods: string[] = [];
  const o = p.opts;
  if (!o) return mods;
  const hasString = p.values.some((v) => typeof v === 'string');
  if (o.cs !== undefined && o.cs !== OPERATOR_FACTS[p.op].defaultCaseSensitive && (hasString || p.op === 'regex')) mods.push(o.cs ? 'cs' : 'ci');
  if (o.match === 'all' && p.values.length > 1) mods.push('all');
  if (o.transforms?.length) mods.push(...o.transforms);
  if (o.flags) mods.push(`flags=${o.flags}`);
  if (o.anchor) mods.push(o.anchor === 'start' ? 'anchored' : 'fullmatch');
  if (o.wildcard === 'like') mods.push('like');
  if (o.wildcard === 'plain') mods.push('no-escape');
  if (o.empty) mods.push('empty');
  if (o.term && o.term !== 'whole') mods.push(o.term);
  return mods;
}

export function renderPredicate(p: Predicate): string {
  const mods = predicateModifiers(p);
  const op = mods.length ? `${p.op}[${mods.join(',')}]` : p.op;
  if (p.values.length === 0) return `${p.field} ${op}`;
  return `${p.field} ${op} ${renderValues(p.values)}`;
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
      if (isLength(e)) return `length(${e.array})${eachTail(e)}`;
      return `${eachHead(e)}${renderExpr(e.expr, 'top')})${eachTail(e)}`;
    default:
      return assertNever(e, 'expression');
  }
}

/** A count of every element (MQL `length(x)`): no per-element condition. */
function isLength(e: Each): boolean {
  return typeof e.quant === 'object' && e.expr.kind === 'const' && e.expr.value;
}

/** `any(attachments, ` / `all(…, ` / `count(…, `: the opening of an array quantifier. */
function eachHead(e: Each): string {
  return `${typeof e.quant === 'string' ? e.quant : 'count'}(${e.array}, `;
}
/** ` gt 2` after a count quantifier. */
function eachTail(e: Each): string {
  return typeof e.quant === 'string' ? '' : ` ${e.quant.op} ${e.quant.value}`;
}

/** Render with line breaks and indentation for long expressions (pages and `show`). */
export function renderExprPretty(e: Expr, width = 100, indent = ''): string {
  const flat = renderExpr(e);
  if (flat.length + indent.length <= width) return indent + flat;
  const step = indent + '  ';
  switch (e.kind) {
    case 'and':
    case 'or':
      return `${indent}(\n${e.args.map((a) => renderExprPretty(a, width, step)).join(`\n${step}${e.kind}\n`)}\n${indent})`;
    case 'not':
      return `${indent}not\n${renderExprPretty(e.arg, width, step)}`;
    case 'each':
      if (isLength(e)) return indent + flat;
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
