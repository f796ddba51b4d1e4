/**
 * Lowering of an MQL syntax tree into the model: boolean structure as and / or / not, `N of (...)` as a `quant`,
 * comparisons and `in` lists as predicates with MQL's case rules and null semantics (`nulls: 'propagate'`), string
 * and regex functions onto the model's operators (MATCH_FUNCTIONS), `any` / `all` / `length(filter(...))` as the
 * model's array quantifier (`each`) with element-relative fields, nested as the rule nests them. Enrichment and
 * other functions the model has no operand for, `$list` membership and arithmetic stay opaque leaves whose reason
 * starts with a category word (`enrichment:`, `function:`, `list:`, `arithmetic:`, `syntax:`) and names what they
 * compute. Output fields do not exist in MQL.
 */
import { and, assertNever, not, opaque, or, pred, TRUE, type Derived, type DistinctBy, type Each, type ElementCount, type Expr, type Operator, type PredicateOptions, type Value } from '../../model/expr.ts';
import type { Diagnostic } from '../../model/diagnostics.ts';
import type { Stage } from '../../model/rule.ts';
import type { StatedLowering } from '../../model/lowering.ts';
import type { Span } from '../../model/span.ts';
import { MqlDiagnostics } from './diagnostics.ts';
import { DERIVED_FUNCTIONS, functionReason, listReason, LOOP_FUNCTIONS, MATCH_FUNCTIONS, OPAQUE_FUNCTIONS } from './mqlFacts.ts';
import { mapChildren, substituteItem } from './rewrite.ts';
import type { CompareOp, MqlNode } from './syntax.ts';

/** What lowering one MQL source gives (the shape of the model's lowering contract). */
export type MqlLowering = StatedLowering;

/** Where the MQL text sits: its file and the mapping of MQL offsets to file offsets. */
export interface MqlSite {
  readonly file: string;
  readonly mql: string;
  readonly toFile: (o: number) => number;
  /** 1-based line and column in the file of an MQL offset, for diagnostics. */
  readonly lineCol: (o: number) => { line: number; column: number };
}

type Lit = string | number | boolean | null;

/** What a value-position MQL expression is, for the model. */
type Operand =
  | { readonly k: 'field'; readonly path: string }
  | { readonly k: 'lit'; readonly value: Lit }
  | { readonly k: 'tuple'; readonly items: readonly Operand[] }
  | { readonly k: 'list'; readonly name: string }
  /** `coalesce(field, literal)`: the field, or the literal when it is missing or null. */
  | { readonly k: 'coalesce'; readonly path: string; readonly fallback: Lit }
  /** A value computed from a field (`strings.ilevenshtein(field, "text")`: the model's transforms, `DERIVED_FUNCTIONS`). */
  | { readonly k: 'derived'; readonly path: string; readonly derived: Derived }
  /**
   * `length(xs)` / `length(filter(xs, p))`: how many elements of `array` satisfy `expr`; with `distinct`
   * (`length(distinct(filter(xs, p), .k))`), how many key values they have.
   */
  | { readonly k: 'length'; readonly array: string; readonly expr: Expr; readonly distinct?: DistinctBy }
  /** `map(xs, f)`: f of every element, kept as syntax until it is compared. */
  | { readonly k: 'map'; readonly array: string; readonly pre: Expr; readonly body: MqlNode }
  | { readonly k: 'opaque'; readonly reason: string };

const NULLS = { nulls: 'propagate' } as const;

const COMPARE: Record<CompareOp, { op: Operator; cs?: boolean }> = {
  '==': { op: 'eq', cs: true },
  '!=': { op: 'ne', cs: true },
  '=~': { op: 'eq', cs: false },
  '!~': { op: 'ne', cs: false },
  '<': { op: 'lt' },
  '<=': { op: 'le' },
  '>': { op: 'gt' },
  '>=': { op: 'ge' },
};
const FLIP: Partial<Record<Operator, Operator>> = { lt: 'gt', le: 'ge', gt: 'lt', ge: 'le', eq: 'eq', ne: 'ne' };

/** The expression inside any parentheses. */
function ungroup(n: MqlNode): MqlNode {
  while (n.type === 'group') n = n.expr;
  return n;
}

/** Is the node the loop item itself (`.`)? */
function isItem(n: MqlNode): boolean {
  return n.type === 'element' && n.depth === 1;
}

/** Lower a parsed MQL expression. */
export function lowerMql(root: MqlNode, site: MqlSite): MqlLowering {
  const diagnostics: Diagnostic[] = [];
  let loops = 0;
  const span = (n: MqlNode): Span => ({ file: site.file, start: site.toFile(n.at.start), end: site.toFile(n.at.end) });
  const text = (n: MqlNode) => site.mql.slice(n.at.start, n.at.end);
  const opq = (n: MqlNode, reason: string): Expr => opaque(text(n), reason, span(n));
  const warned = new Set<string>();

  // a base made only of dots (`.`, `..`) is the loop item itself: `.` + `x` is `.x`
  const join = (base: string, seg: string) => (base.charCodeAt(base.length - 1) === 46 ? base + seg : `${base}.${seg}`);

  /** A plain path (event field, or relative to the loop item), or undefined. */
  const pathOf = (n: MqlNode): string | undefined => {
    switch (n.type) {
      case 'field':
        return n.name;
      case 'element':
        if (n.depth > loops) {
          if (!warned.has(`item@${n.at.start}`)) warned.add(`item@${n.at.start}`);
          else return undefined;
          diagnostics.push(MqlDiagnostics.itemOutsideLoop(site.file, '.'.repeat(n.depth), site.lineCol(n.at.start)));
          return undefined;
        }
        return '.'.repeat(n.depth);
      case 'member': {
        const b = pathOf(n.object);
        return b === undefined ? undefined : join(b, n.name);
      }
      case 'index': {
        const b = pathOf(n.object);
        const i = n.index;
        if (b === undefined) return undefined;
        if (i.type === 'number' && Number.isInteger(i.value) && i.value >= 0) return join(b, String(i.value));
        if (i.type === 'string' && i.value !== '' && !i.value.includes('.')) return join(b, i.value);
        return undefined;
      }
      case 'group':
        return pathOf(n.expr);
      default:
        return undefined;
    }
  };

  /** The reason a value cannot be expressed: the function at the root of a member chain, arithmetic, ... */
  const opaqueReason = (n: MqlNode): string => {
    switch (n.type) {
      case 'call':
        // an array function over an array the model cannot name: the reason is that array's
        if (LOOP_FUNCTIONS.has(n.name) && n.args.length >= 1 && pathOf(n.args[0]!.value) === undefined && n.args[0]!.value.type !== 'array') return opaqueReason(n.args[0]!.value);
        if (!OPAQUE_FUNCTIONS[n.name] && !warned.has(n.name)) {
          warned.add(n.name);
          diagnostics.push(MqlDiagnostics.unknownFunction(site.file, n.name, site.lineCol(n.at.start)));
        }
        return functionReason(n.name);
      case 'member':
        return opaqueReason(n.object);
      case 'index':
        return pathOf(n.object) === undefined ? opaqueReason(n.object) : 'function: index by a computed key';
      case 'arith':
      case 'neg':
        return `arithmetic: a number computed from ${text(n).replace(/\s+/g, ' ').slice(0, 80)}`;
      case 'group':
        return opaqueReason(n.expr);
      case 'element':
        return `syntax: loop item ${'.'.repeat(n.depth)} outside a loop`;
      case 'list':
        return listReason(n.name);
      default:
        return `syntax: ${n.type} used as a value`;
    }
  };

  /** Element source of a loop function's first argument: the array path and a filter already applied to it. */
  const arraySource = (n: MqlNode): { array: string; pre: Expr } | { reason: string } => {
    const p = pathOf(n);
    if (p !== undefined) return { array: p, pre: TRUE };
    if (n.type === 'group') return arraySource(n.expr);
    if (n.type === 'call' && n.name === 'filter' && n.args.length === 2) {
      let inner = n.args[0]!.value;
      let lambda = n.args[1]!.value;
      // filter(map(xs, f), p): p of f(x) for every x of xs
      if (inner.type === 'call' && inner.name === 'map' && inner.args.length === 2) {
        lambda = substituteItem(lambda, inner.args[1]!.value, false);
        inner = inner.args[0]!.value;
      }
      const src = arraySource(inner);
      if ('reason' in src) return src;
      loops++;
      const p2 = lowerBool(lambda);
      loops--;
      return { array: src.array, pre: and(src.pre, p2) };
    }
    return { reason: opaqueReason(n) };
  };

  /**
   * `distinct(xs)`, `distinct(xs, key)`, `distinct(filter(xs, p), key)`, `distinct(map(xs, .f))`: the array, the
   * filter chosen elements pass, and the key (a path relative to the element, or a condition on it).
   */
  const distinctSource = (n: Extract<MqlNode, { type: 'call' }>): { array: string; pre: Expr; distinct: DistinctBy; mapped?: MqlNode } | { reason: string } => {
    if (n.args.length < 1 || n.args.length > 2 || n.args.some((a) => a.name !== undefined)) return { reason: `function: distinct with these arguments` };
    let arr = ungroup(n.args[0]!.value);
    let keyNode: MqlNode | undefined = n.args[1]?.value;
    let mapped: MqlNode | undefined;
    if (arr.type === 'call' && arr.name === 'map' && arr.args.length === 2) {
      // distinct(map(xs, .f)) or distinct(map(xs, .f), .): the elements of xs by their .f (another key of the mapped
      // value is not expressed)
      if (keyNode && !isItem(keyNode)) return { reason: 'function: distinct by a key of mapped values' };
      keyNode = mapped = arr.args[1]!.value;
      arr = arr.args[0]!.value;
    }
    const src = arraySource(arr);
    if ('reason' in src) return src;
    const of = mapped ? { ...src, mapped } : src;
    if (!keyNode) return { ...of, distinct: { key: '.' } };
    loops++;
    try {
      const p = pathOf(keyNode);
      if (p !== undefined) return { ...of, distinct: { key: p } };
      if (isCondition(keyNode)) return { ...of, distinct: { key: lowerBool(keyNode) } };
      return { reason: opaqueReason(keyNode) };
    } finally {
      loops--;
    }
  };

  const operand = (n: MqlNode): Operand => {
    switch (n.type) {
      case 'string':
        return { k: 'lit', value: n.value };
      case 'number':
        return { k: 'lit', value: n.value };
      case 'bool':
        return { k: 'lit', value: n.value };
      case 'null':
        return { k: 'lit', value: null };
      case 'list':
        return { k: 'list', name: n.name };
      case 'tuple':
      case 'array':
        return { k: 'tuple', items: n.items.map(operand) };
      case 'group':
        return operand(n.expr);
      case 'call': {
        const a = n.args.map((x) => x.value);
        if (n.name === 'coalesce' && a.length === 2) {
          const p = pathOf(a[0]!);
          const f = operand(a[1]!);
          if (p !== undefined && f.k === 'lit') return { k: 'coalesce', path: p, fallback: f.value };
        }
        const derived = n.name === 'strings.concat' ? concatOperand(n) : derivedOperand(n);
        if (derived) return derived;
        if (n.name === 'length' && a.length === 1) {
          const inner = ungroup(a[0]!);
          if (inner.type === 'call' && inner.name === 'distinct') {
            const d = distinctSource(inner);
            return 'reason' in d ? { k: 'opaque', reason: d.reason } : { k: 'length', array: d.array, expr: d.pre, distinct: d.distinct };
          }
          const src = arraySource(a[0]!);
          if (!('reason' in src)) return { k: 'length', array: src.array, expr: src.pre };
          return { k: 'opaque', reason: src.reason };
        }
        // distinct(map(xs, f)) as a value (`x in~ distinct(map(…))`): the same values as the map's, fewer times
        if (n.name === 'distinct' && (a.length === 1 || (a.length === 2 && isItem(a[1]!)))) {
          const m = operand(a[0]!);
          if (m.k === 'map') return m;
        }
        if (n.name === 'map' && a.length === 2) {
          const src = arraySource(a[0]!);
          if (!('reason' in src)) return { k: 'map', array: src.array, pre: src.pre, body: a[1]! };
          return { k: 'opaque', reason: src.reason };
        }
        return { k: 'opaque', reason: opaqueReason(n) };
      }
      default: {
        const p = pathOf(n);
        return p !== undefined ? { k: 'field', path: p } : { k: 'opaque', reason: opaqueReason(n) };
      }
    }
  };

  /** A value an operand gives a predicate: a literal or a field reference (maybe to a value computed from the field). */
  const valueOf = (o: Operand): Value | undefined => (o.k === 'lit' ? o.value : o.k === 'field' ? { kind: 'field', field: o.path } : o.k === 'derived' ? { kind: 'field', field: o.path, derived: o.derived } : undefined);

  /** A predicate on an operand that names a value (field or coalesce). */
  const predOn = (o: Operand, op: Operator, values: readonly Value[], opts: PredicateOptions, n: MqlNode): Expr | undefined => {
    if (o.k === 'field') return pred(o.path, op, values, { ...opts, ...NULLS }, span(n));
    if (o.k === 'coalesce') return pred(o.path, op, values, { ...opts, missingAs: o.fallback, nullAsMissing: true }, span(n));
    if (o.k === 'derived') return pred(o.path, op, values, { ...opts, ...NULLS }, span(n), o.derived);
    return undefined;
  };

  /**
   * `strings.concat(…)` of texts and at most one field: the field's value with the texts before and after it (the
   * model's `strcat` with EQL's semantics, which are MQL's: a null or missing part makes the whole null); of texts
   * alone, the text. Two fields (their values joined) are not a derived operand: opaque.
   */
  const concatOperand = (n: Extract<MqlNode, { type: 'call' }>): Operand | undefined => {
    if (n.args.length === 0 || n.args.some((x) => x.name !== undefined)) return undefined;
    const before: string[] = [];
    const after: string[] = [];
    let path: string | undefined;
    for (const a of n.args) {
      const p = pathOf(a.value);
      const o = p === undefined ? operand(a.value) : undefined;
      if (p !== undefined) {
        if (path !== undefined) return undefined;
        path = p;
      } else if (o?.k === 'lit' && typeof o.value === 'string') (path === undefined ? before : after).push(o.value);
      else return undefined;
    }
    if (path === undefined) return { k: 'lit', value: before.join('') };
    return { k: 'derived', path, derived: { steps: [{ fn: 'strcat', args: [before, after] }], lang: 'eql' } };
  };

  /**
   * A call that computes a value from one field with literal arguments, as the model's transform (`DERIVED_FUNCTIONS`):
   * `strings.ilevenshtein(sender.display_name, "paypal")` (a distance is symmetric: the field may come second),
   * `strings.count(subject.subject, " ")`.
   */
  const derivedOperand = (n: Extract<MqlNode, { type: 'call' }>): Operand | undefined => {
    const fact = DERIVED_FUNCTIONS[n.name];
    if (!fact || n.args.length !== 2 || n.args.some((x) => x.name !== undefined)) return undefined;
    const [x, y] = n.args.map((arg) => arg.value) as [MqlNode, MqlNode];
    for (const [f, o] of fact.symmetric ? ([[x, y], [y, x]] as const) : ([[x, y]] as const)) {
      const p = pathOf(f);
      const other = operand(o);
      if (p !== undefined && other.k === 'lit' && typeof other.value === 'string') return { k: 'derived', path: p, derived: { steps: [{ fn: fact.transform, args: [other.value, fact.ci] }] } };
    }
    // a distance between two fields: the first field's value, the other read from the event (or the loop item)
    const [px, py] = [pathOf(x), pathOf(y)];
    if (fact.symmetric && px !== undefined && py !== undefined) return { k: 'derived', path: px, derived: { steps: [{ fn: fact.transform, args: [{ kind: 'field', field: py }, fact.ci] }] } };
    return undefined;
  };

  const each = (quant: Each['quant'], array: string, expr: Expr, n: MqlNode, distinct?: DistinctBy): Expr => ({ kind: 'each', quant, array, ...(distinct ? { distinct } : {}), expr, nulls: 'propagate', span: span(n) });

  /** Is a node a condition (not a value): `regex.imatch(...)`, `any(...)`, a comparison, a boolean combination. */
  const isCondition = (x: MqlNode): boolean => {
    switch (x.type) {
      case 'and':
      case 'or':
      case 'not':
      case 'compare':
      case 'in':
      case 'is_null':
      case 'of':
        return true;
      case 'group':
        return isCondition(x.expr);
      case 'call':
        return x.name === 'any' || x.name === 'all' || MATCH_FUNCTIONS[x.name] !== undefined;
      default:
        return false;
    }
  };

  const lowerCompare = (n: Extract<MqlNode, { type: 'compare' }>): Expr => {
    // `cond == true`, `cond != false`...: the condition itself (null stays null either way)
    for (const [c, b] of [[n.left, n.right], [n.right, n.left]] as const) {
      if (b.type === 'bool' && isCondition(c) && (n.op === '==' || n.op === '!=')) {
        const e = lowerBool(c);
        return (n.op === '==') === b.value ? e : not(e);
      }
    }
    let l = operand(n.left);
    let r = operand(n.right);
    let { op } = COMPARE[n.op];
    const { cs } = COMPARE[n.op];
    if (l.k === 'opaque') return opq(n, l.reason);
    if (r.k === 'opaque') return opq(n, r.reason);
    // literal on the left: flip
    if (l.k === 'lit' && r.k !== 'lit') {
      [l, r] = [r, l];
      op = FLIP[op] ?? op;
    }
    if (l.k === 'length' && r.k === 'lit' && typeof r.value === 'number') {
      const q: ElementCount = { op: op as ElementCount['op'], value: r.value };
      return each(q, l.array, l.expr, n, l.distinct);
    }
    const v = valueOf(r);
    if (v !== undefined) {
      const e = predOn(l, op, [v], cs === undefined ? {} : { cs }, n);
      if (e) return e;
    }
    if (l.k === 'list' || r.k === 'list') return opq(n, listReason(l.k === 'list' ? l.name : (r as { name: string }).name));
    return opq(n, `syntax: comparison of ${l.k} with ${r.k} is not expressed`);
  };

  const lowerIn = (n: Extract<MqlNode, { type: 'in' }>): Expr => {
    const l = operand(n.left);
    const r = operand(n.right);
    const cs = !n.ci;
    const wrap = (e: Expr) => (n.negated ? not(e) : e);
    if (l.k === 'opaque') return opq(n, l.reason);
    if (r.k === 'list') {
      // the test the list's values make of it, for a hunt given them (`ListTest`, `bindLists`)
      const p = predOn(l, 'in', [], { cs }, n);
      const test = p?.kind === 'pred' ? { name: r.name, pred: p, ...(n.negated ? { negated: true } : {}) } : undefined;
      return opaque(text(n), listReason(r.name), span(n), test);
    }
    if (r.k === 'opaque') return opq(n, r.reason);
    if (r.k === 'tuple' || r.k === 'lit') {
      const items = r.k === 'tuple' ? r.items : [r];
      const lits = items.filter((i): i is Extract<Operand, { k: 'lit' }> => i.k === 'lit').map((i) => i.value);
      if (lits.length === items.length) {
        const e = predOn(l, 'in', lits, { cs }, n);
        if (e) return wrap(e);
      } else {
        const alts = items.map((i) => {
          const v = valueOf(i);
          return v === undefined ? undefined : predOn(l, 'eq', [v], { cs }, n);
        });
        if (alts.every((a) => a !== undefined)) return wrap(or(...(alts as Expr[])));
      }
      return opq(n, `syntax: membership of ${l.k} in a list is not expressed`);
    }
    // membership in an array of the message or a map(...) over one: some element equals the value
    const lv = l.k === 'lit' ? l.value : l.k === 'field' ? { kind: 'field' as const, field: shiftPath(l.path) } : undefined;
    if (lv === undefined) return opq(n, `syntax: membership of ${l.k} is not expressed`);
    if (r.k === 'field') return wrap(each('any', r.path, pred('.', 'eq', [lv], { cs, ...NULLS }, span(n)), n));
    if (r.k === 'map') {
      loops++;
      const f = operand(r.body);
      loops--;
      if (f.k === 'field') return wrap(each('any', r.array, and(r.pre, pred(f.path, 'eq', [lv], { cs, ...NULLS }, span(n))), n));
      if (f.k === 'opaque') return opq(n, f.reason);
    }
    return opq(n, `syntax: membership in ${r.k} is not expressed`);
  };

  /**
   * `any($list, p)` / `all($list, p)`: opaque (the list's values are not in the rule), with the test its values make
   * when `p` is one test of the item as a value (`strings.icontains(subject.subject, .)`: `subject.subject` contains
   * one of them, or all of them), for a hunt given the list (`ListTest`). Read by lowering `p` once with a value no
   * text holds in the item's place: a single predicate with that value alone is the test.
   */
  const listLoop = (n: Extract<MqlNode, { type: 'call' }>, name: string, lambda: MqlNode, quant: 'any' | 'all'): Expr => {
    const item: MqlNode = { type: 'string', value: `${LIST_ITEM}\u0000`, raw: true, at: n.at };
    // a member of the item (`.display_name` of a record of `$org_vips`) is a value no text holds either, naming its path
    const e = lowerBool(itemMembers(substituteItem(lambda, item, true)));
    const v = e.kind === 'pred' && e.values.length === 1 ? e.values[0] : undefined;
    const at = typeof v === 'string' ? v.indexOf(LIST_ITEM) : -1;
    const end = at < 0 ? -1 : (v as string).indexOf('\u0000', at + LIST_ITEM.length);
    const marker = end < 0 ? undefined : (v as string).slice(at, end + 1);
    const path = marker?.slice(LIST_ITEM.length, -1);
    const single = e.kind === 'pred' && marker !== undefined && (path === '' || path!.startsWith('.')) && (v as string).indexOf(LIST_ITEM, end) < 0 && !JSON.stringify(e.derived ?? null).includes(LIST_ITEM) && !e.field.includes(LIST_ITEM);
    // the item inside a text (`strings.concat('.', .)`): each value in its place (`ListTest.template`)
    const template = single && v !== marker ? (v as string).replace(marker!, `%${name}%`) : undefined;
    const test = single ? { name, pred: { ...e, values: [], opts: { ...e.opts, ...(quant === 'all' ? { match: 'all' as const } : {}) } }, ...(path ? { item: path.slice(1) } : {}), ...(template !== undefined ? { template } : {}) } : undefined;
    return opaque(text(n), listReason(name), span(n), test);
  };

  const lowerLoop = (n: Extract<MqlNode, { type: 'call' }>, quant: 'any' | 'all'): Expr => {
    if (n.args.length !== 2) return opq(n, `syntax: ${n.name} takes an array and an expression`);
    const arr = n.args[0]!.value;
    let lambda = n.args[1]!.value;
    const inner = ungroup(arr);
    // inline array: the lambda once per item, no loop
    if (inner.type === 'array' || inner.type === 'tuple') {
      // opaque parts say which item they stand for: their text is the lambda's
      const parts = inner.items.map((item) => withItemNote(lowerBool(substituteItem(lambda, item, true)), `. = ${text(item).replace(/\s+/g, ' ')}`));
      return quant === 'any' ? or(...parts) : and(...parts);
    }
    if (inner.type === 'list') return listLoop(n, inner.name, lambda, quant);
    let src: { array: string; pre: Expr } | { reason: string };
    if (inner.type === 'call' && inner.name === 'distinct') {
      // the lambda on one element per key value (of the mapped value: the lambda of .f)
      const d = distinctSource(inner);
      if ('reason' in d) return opq(n, d.reason);
      if (!(d.pre.kind === 'const' && d.pre.value)) return opq(n, `function: ${n.name} over the distinct elements of a filtered array`);
      if (d.mapped) lambda = substituteItem(lambda, d.mapped, false);
      loops++;
      const body = lowerBool(lambda);
      loops--;
      return each(quant, d.array, body, n, d.distinct);
    }
    if (inner.type === 'call' && inner.name === 'map' && inner.args.length === 2) {
      src = arraySource(inner.args[0]!.value);
      if (!('reason' in src)) lambda = substituteItem(lambda, inner.args[1]!.value, false);
    } else src = arraySource(inner);
    if ('reason' in src) return opq(n, src.reason);
    loops++;
    const body = lowerBool(lambda);
    loops--;
    const expr = quant === 'any' ? and(src.pre, body) : or(not(src.pre), body);
    return each(quant, src.array, expr, n);
  };

  const lowerMatch = (n: Extract<MqlNode, { type: 'call' }>): Expr => {
    const fact = MATCH_FUNCTIONS[n.name]!;
    if (n.args.length < 2 || n.args.some((a) => a.name !== undefined)) return opq(n, `function: ${n.name} with these arguments`);
    const subject = operand(n.args[0]!.value);
    if (subject.k === 'opaque') return opq(n, subject.reason);
    const values: Value[] = [];
    for (const a of n.args.slice(1)) {
      const o = operand(a.value);
      if (o.k === 'opaque') return opq(n, o.reason);
      const v = valueOf(o);
      if (v === undefined || (typeof v === 'object' && v !== null && (fact.op === 'regex' || fact.op === 'wildcard' || fact.op === 'cidr'))) {
        return opq(n, `function: ${n.name} with a computed pattern`);
      }
      values.push(v);
    }
    const opts: PredicateOptions = { cs: fact.cs, ...(fact.anchor ? { anchor: fact.anchor } : {}) };
    return predOn(subject, fact.op, values, opts, n) ?? opq(n, `function: ${n.name} on ${subject.k}`);
  };

  /**
   * An array-valued expression used as a condition (an insight's `map(filter(attachments, p), f)`): it holds when
   * the array is non-empty, that is when some element passes the filters and, for `map`, gives a value.
   */
  const nonEmpty = (n: MqlNode): Expr => {
    if (n.type === 'group') return nonEmpty(n.expr);
    if (n.type === 'call' && n.name === 'distinct' && n.args.length >= 1) return nonEmpty(n.args[0]!.value);
    // over an inline array: some item passes the filter (and gives a value)
    const inline = inlineItems(n);
    if (inline) return or(...inline.map(({ filter, value }) => and(filter ? lowerBool(filter) : TRUE, value ? presentValue(value) : TRUE)));
    if (n.type === 'call' && n.name === 'map' && n.args.length === 2) {
      const src = arraySource(n.args[0]!.value);
      if ('reason' in src) return opq(n, src.reason);
      loops++;
      const value = presentValue(n.args[1]!.value);
      loops--;
      return each('any', src.array, and(src.pre, value), n);
    }
    const src = arraySource(n);
    if ('reason' in src) return opq(n, src.reason);
    if (src.pre.kind === 'const' && src.pre.value) return each({ op: 'gt', value: 0 }, src.array, TRUE, n);
    return each('any', src.array, src.pre, n);
  };

  /** `filter([a, b], p)`, `map([a, b], f)`, `map(filter([a], p), f)`: per item, the filter and the value, substituted. */
  const inlineItems = (n: MqlNode): { filter?: MqlNode; value?: MqlNode }[] | undefined => {
    if (n.type !== 'call' || n.args.length !== 2 || (n.name !== 'filter' && n.name !== 'map')) return undefined;
    const arr = n.args[0]!.value;
    const lambda = n.args[1]!.value;
    if (arr.type === 'array' || arr.type === 'tuple') {
      return arr.items.map((item) => {
        const sub = substituteItem(lambda, item, true);
        return n.name === 'filter' ? { filter: sub } : { value: sub };
      });
    }
    if (n.name === 'map') {
      const inner = inlineItems(arr);
      if (!inner) return undefined;
      const item = itemOf(arr);
      return inner.map((i, k) => ({ ...i, value: substituteItem(lambda, i.value ?? item(k), true) }));
    }
    return undefined;
  };

  /** The i-th item of the inline array at the bottom of a filter/map chain. */
  const itemOf = (n: MqlNode): ((i: number) => MqlNode) => {
    let a: MqlNode = n;
    while (a.type === 'call' && a.args.length) a = a.args[0]!.value;
    return (i) => (a.type === 'array' || a.type === 'tuple' ? a.items[i]! : a);
  };

  /** A mapped value that counts as present: a field that is not null, or a non-empty nested array. */
  const presentValue = (n: MqlNode): Expr => {
    const p = pathOf(n);
    if (p !== undefined) return pred(p, 'is_not_null', [], undefined, span(n));
    if (n.type === 'call' && (n.name === 'map' || n.name === 'filter' || n.name === 'distinct')) return nonEmpty(n);
    return opq(n, opaqueReason(n));
  };

  const lowerBool = (n: MqlNode): Expr => {
    switch (n.type) {
      case 'or':
        return or(...n.args.map(lowerBool));
      case 'and':
        return and(...n.args.map(lowerBool));
      case 'not':
        return not(lowerBool(n.arg));
      case 'group':
        return lowerBool(n.expr);
      case 'bool':
        return { kind: 'const', value: n.value };
      case 'of':
        return { kind: 'quant', count: n.count, selector: `(${n.args.length} conditions)`, items: n.args.map((a, i) => ({ name: String(i + 1), expr: lowerBool(a) })) };
      case 'compare':
        return lowerCompare(n);
      case 'in':
        return lowerIn(n);
      case 'is_null': {
        const o = operand(n.arg);
        if (o.k === 'field') return pred(o.path, n.negated ? 'is_not_null' : 'is_null', [], undefined, span(n));
        if (o.k === 'opaque') return opq(n, o.reason);
        return opq(n, `syntax: null test of ${o.k}`);
      }
      case 'call': {
        if (n.name === 'any' || n.name === 'all') return lowerLoop(n, n.name);
        if (n.name === 'map' || n.name === 'filter' || n.name === 'distinct') return nonEmpty(n);
        if (MATCH_FUNCTIONS[n.name]) return lowerMatch(n);
        const o = operand(n);
        if (o.k === 'coalesce') return pred(o.path, 'eq', [true], { missingAs: o.fallback, nullAsMissing: true }, span(n));
        if (o.k === 'opaque') return opq(n, o.reason);
        return opq(n, `syntax: ${n.name} is not a condition`);
      }
      case 'field':
      case 'element':
      case 'member':
      case 'index': {
        const p = pathOf(n);
        if (p !== undefined) return pred(p, 'eq', [true], NULLS, span(n));
        return opq(n, opaqueReason(n));
      }
      default:
        return opq(n, `syntax: a ${n.type} is not a condition`);
    }
  };

  const condition = lowerBool(root);
  const stage: Stage = { kind: 'filter', label: 'source', text: site.mql, span: { file: site.file, start: site.toFile(0), end: site.toFile(site.mql.length) }, detail: { language: 'mql' }, expr: condition };
  return { stages: [stage], condition, missing: [], outputFields: [], diagnostics };
}

/**
 * What `listLoop` puts in a list item's place: a value no message text holds, `LIST_ITEM` then the path of a member
 * of the item (none for the item itself) and a NUL (`\0list item\0`, `\0list item.display_name\0`).
 */
const LIST_ITEM = '\u0000list item';

/** Members of the list item put in its place (`.display_name`: the marker with `.display_name` in it), as one value. */
function itemMembers(n: MqlNode): MqlNode {
  if (n.type === 'member') {
    const o = itemMembers(n.object);
    if (o.type === 'string' && o.value.startsWith(LIST_ITEM) && o.value.endsWith('\u0000')) return { ...o, value: `${o.value.slice(0, -1)}.${n.name}\u0000`, at: n.at };
    return o === n.object ? n : { ...n, object: o };
  }
  return mapChildren(n, itemMembers);
}

/** Opaque leaves of `e` with a note appended to their text (which loop item they were lowered for). */
function withItemNote(e: Expr, note: string): Expr {
  switch (e.kind) {
    case 'opaque':
      return { ...e, text: `${e.text} [${note}]` };
    case 'and':
    case 'or':
      return { ...e, args: e.args.map((a) => withItemNote(a, note)) };
    case 'not':
      return { kind: 'not', arg: withItemNote(e.arg, note) };
    case 'quant':
      return { ...e, items: e.items.map((i) => ({ name: i.name, expr: withItemNote(i.expr, note) })) };
    case 'each':
      return { ...e, expr: withItemNote(e.expr, note) };
    case 'pred':
    case 'const':
      return e;
    default:
      return assertNever(e, 'expression');
  }
}

/** A field moved under one more loop: element-relative paths get one more dot. */
function shiftPath(path: string): string {
  return path.startsWith('.') ? `.${path}` : path;
}

