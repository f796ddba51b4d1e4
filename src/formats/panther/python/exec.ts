/**
 * Statements: a function body becomes a decision tree of returned values. Early returns, if/elif/else, local
 * assignments (substituted), loops over constants (unrolled), and helper calls (inlined with their parameters
 * bound) are followed; loops over event data, try/except and other statements we cannot follow become opaque
 * conditions, so the result stays honest (unknown, never a guess).
 */
import { TRUE, opaque, relativeDepth, type Expr } from '../../../model/expr.ts';
import { evalArgs } from './calls.ts';
import { PY_LIMITS } from './facts.ts';
import { isFactName, withGuardFacts } from './known.ts';
import type { Args, Env, LowererApi, LowererApi as Lowerer, Scope } from './scope.ts';
import type { ModuleInfo } from './module.ts';
import { field, namedKids, type Node } from './parser.ts';
import { NONE, cmpOpts, constAV, fieldName, fpred, mentionsElement, missingOpts, setEntry, ite, leaf, opaqueAV, stripForCompare, treeLeaves, treeValue, truthy, type AV, type DictEntry, type FuncRef, type Tree } from './values.ts';

/** A tree during execution: paths that fell through the statements so far carry their variables. */
type X =
  | { readonly t: 'leaf'; readonly v: AV }
  | { readonly t: 'if'; readonly c: Expr; readonly then: X; readonly else: X }
  | { readonly t: 'none' }
  | { readonly t: 'fall'; readonly env: Env };

const fall = (env: Env): X => ({ t: 'fall', env });

function mapFalls(x: X, f: (env: Env) => X): X {
  switch (x.t) {
    case 'fall':
      return f(x.env);
    case 'if': {
      const a = mapFalls(x.then, f);
      const b = mapFalls(x.else, f);
      return a === x.then && b === x.else ? x : { t: 'if', c: x.c, then: a, else: b };
    }
    default:
      return x;
  }
}

function falls(x: X, out: Env[] = []): Env[] {
  if (x.t === 'fall') out.push(x.env);
  else if (x.t === 'if') {
    falls(x.then, out);
    falls(x.else, out);
  }
  return out;
}

function size(x: X): number {
  return x.t === 'if' ? size(x.then) + size(x.else) : 1;
}

/** The tree of one variable's values along the fall-through paths (returns are unreachable for it). */
function phiTree(x: X, name: string): Tree {
  switch (x.t) {
    case 'fall':
      return leaf(x.env.get(name) ?? NONE);
    case 'if':
      return { t: 'if', c: x.c, then: phiTree(x.then, name), else: phiTree(x.else, name) };
    default:
      return { t: 'none' };
  }
}

function fallGuard(x: X): Expr | undefined {
  switch (x.t) {
    case 'fall':
      return TRUE;
    case 'leaf':
      return { kind: 'const', value: false };
    case 'none':
      return undefined;
    case 'if':
      return ite(x.c, fallGuard(x.then), fallGuard(x.else));
  }
}

function dropFalls(x: X): X {
  return mapFalls(x, () => ({ t: 'none' }));
}

/** Several fall-through paths become one: variables that differ get conditional values. */
function mergeFalls(x: X): X {
  const envs = falls(x);
  if (envs.length <= 1) return x;
  const names = new Set<string>();
  for (const e of envs) for (const k of e.keys()) names.add(k);
  const merged = new Map<string, AV>();
  for (const name of names) {
    const first = envs[0]!.get(name);
    if (first && envs.every((e) => e.get(name) === first)) merged.set(name, first);
    // a guard's fact holds after the paths meet only if it held on each of them
    else if (!isFactName(name)) merged.set(name, treeValue(phiTree(x, name)));
  }
  const g = fallGuard(x) ?? TRUE;
  if (g.kind === 'const' && g.value) {
    // every path falls through (no return yet): the returns part is unreachable
    return fall(merged);
  }
  return { t: 'if', c: g, then: fall(merged), else: dropFalls(x) };
}

export function execBlock(L: Lowerer, stmts: readonly Node[], env: Env, mod: ModuleInfo): X {
  let x: X = fall(env);
  for (const s of stmts) {
    x = mergeFalls(mapFalls(x, (e) => execStmt(L, s, e, mod)));
    if (size(x) > PY_LIMITS.maxPaths) {
      return { t: 'leaf', v: opaqueAV(s.text, `more than ${PY_LIMITS.maxPaths} paths through the function`, L.span({ mod, vars: env }, s)) };
    }
    if (falls(x).length === 0) break; // the rest is unreachable
  }
  return x;
}

function blockOf(n: Node | undefined): Node[] {
  if (!n) return [];
  return namedKids(n);
}

function assignedNames(n: Node): Set<string> {
  const out = new Set<string>();
  for (const a of n.descendantsOfType(['assignment', 'augmented_assignment', 'for_statement', 'for_in_clause'])) {
    if (!a) continue;
    const left = field(a, 'left');
    if (!left) continue;
    if (left.type === 'identifier') out.add(left.text);
    else for (const id of left.descendantsOfType('identifier')) if (id && left.type !== 'subscript' && left.type !== 'attribute') out.add(id.text);
    if (left.type === 'subscript' || left.type === 'attribute') {
      const base = field(left, left.type === 'subscript' ? 'value' : 'object');
      if (base?.type === 'identifier') out.add(base.text);
    }
  }
  for (const c of n.descendantsOfType('call')) {
    const f = c && field(c, 'function');
    if (f?.type === 'attribute') {
      const o = field(f, 'object');
      // x.append(...), x.update(...), any method not known to leave its object as it was
      if (o?.type === 'identifier' && !READING_METHODS.has(field(f, 'attribute')?.text ?? '')) out.add(o.text);
    }
  }
  return out;
}

/**
 * Methods of Python's built-in types (and of Panther's event: `get`, `deep_get`, `deep_walk`, `udm`) that read their
 * object and never change it: a call of one inside a loop or a try does not make its object unknown after it.
 */
const READING_METHODS: ReadonlySet<string> = new Set([
  'get', 'deep_get', 'deep_walk', 'udm', 'keys', 'values', 'items', 'copy', 'count', 'index', 'find', 'rfind',
  'startswith', 'endswith', 'lower', 'upper', 'casefold', 'strip', 'lstrip', 'rstrip', 'split', 'rsplit', 'splitlines',
  'replace', 'join', 'format', 'encode', 'decode', 'isdigit', 'isalpha', 'isalnum', 'isspace', 'islower', 'isupper',
  'isnumeric', 'isdecimal', 'partition', 'rpartition', 'removeprefix', 'removesuffix', 'zfill', 'title',
  'capitalize', 'issubset', 'issuperset', 'isdisjoint', 'intersection', 'union', 'difference',
  'symmetric_difference',
]);

/** A region we do not follow (loop over event data, try, while, match): its variables become opaque. */
function opaqueRegion(L: Lowerer, s: Node, env: Env, mod: ModuleInfo, headerNode: Node, reason: string, scope: Scope): X {
  // the statement's first line (`for x in y:`), not its whole body
  const body = field(s, 'body');
  const head = body && headerNode.id === s.id ? s.text.slice(0, body.startIndex - s.startIndex).trim() : headerNode.text;
  const header = { text: head.length > 200 ? head.slice(0, 197) + '...' : head, node: headerNode };
  const m = new Map(env);
  for (const name of assignedNames(s)) m.set(name, opaqueAV(`${name}`, `${name} is changed inside ${header.text.slice(0, 80)}: ${reason}`, L.span(scope, header.node)));
  const rets = s.descendantsOfType('return_statement').filter((r): r is Node => r !== null && !insideNestedDef(r, s));
  if (rets.length === 0) return fall(m);
  const vals = rets.map((r) => namedKids(r)[0]?.type);
  const v: AV = vals.every((t) => t === 'true') ? constAV(true) : vals.every((t) => t === 'false') ? constAV(false) : opaqueAV(header.text.slice(0, 200), `value returned from inside ${reason}`, L.span(scope, header.node));
  return { t: 'if', c: opaque(header.text.slice(0, 200), `whether ${reason} returns`, L.span(scope, header.node)), then: leaf(v) as X, else: fall(m) };
}

function insideNestedDef(n: Node, top: Node): boolean {
  for (let p = n.parent; p && p.id !== top.id; p = p.parent) if (p.type === 'function_definition' || p.type === 'lambda') return true;
  return false;
}

function hasBreakOrContinue(body: Node, kinds: readonly string[] = ['break_statement', 'continue_statement']): boolean {
  for (const b of body.descendantsOfType([...kinds])) {
    if (!b) continue;
    // only those of this loop (not of nested loops)
    let p = b.parent;
    let nested = false;
    while (p && p.id !== body.id) {
      if (p.type === 'for_statement' || p.type === 'while_statement') nested = true;
      p = p.parent;
    }
    if (!nested) return true;
  }
  return false;
}

/** Add names bound by `:=` during the statement's evaluation to the variables. */
function withPending(L: Lowerer, env: Env): Env {
  if (L.pending.size === 0) return env;
  const m = new Map(env);
  for (const [k, v] of L.pending) m.set(k, v);
  L.pending.clear();
  return m;
}

function execStmt(L: Lowerer, s: Node, env: Env, mod: ModuleInfo): X {
  L.pending.clear();
  const x = execStmtInner(L, s, env, mod);
  if (L.pending.size && x.t === 'fall') return fall(withPending(L, x.env));
  L.pending.clear();
  return x;
}

function execStmtInner(L: Lowerer, s: Node, env: Env, mod: ModuleInfo): X {
  const scope: Scope = { mod, vars: env };
  switch (s.type) {
    case 'expression_statement': {
      const k = namedKids(s)[0];
      if (!k) return fall(env);
      if (k.type === 'assignment') return fall(assign(L, k, scope));
      if (k.type === 'augmented_assignment') {
        const left = field(k, 'left');
        if (left?.type !== 'identifier') return fall(env);
        const m = new Map(env);
        m.set(left.text, L.op(scope, k, `${left.text} is updated in place (${field(k, 'operator')?.text ?? 'op='})`));
        return fall(m);
      }
      if (k.type === 'call') return fall(mutatingCall(L, k, scope));
      return fall(env);
    }
    case 'return_statement': {
      const e = namedKids(s)[0];
      return { t: 'leaf', v: e ? L.eval(e, scope) : NONE };
    }
    case 'if_statement':
      return execIf(L, field(s, 'condition'), field(s, 'consequence'), s.childrenForFieldName('alternative').filter((a): a is Node => a !== null), env, mod);
    case 'for_statement': {
      const target = field(s, 'left')!;
      const src = field(s, 'right')!;
      const body = field(s, 'body');
      const iterable = L.eval(src, scope);
      const items = L.iterate(iterable);
      const header = s;
      if (items && items.length <= PY_LIMITS.maxUnroll && body && !hasBreakOrContinue(body)) {
        let x: X = fall(env);
        for (const it of items) x = mergeFalls(mapFalls(x, (e) => execBlock(L, blockOf(body), bindTarget(e, target, it, L, { mod, vars: e }), mod)));
        const els = s.childrenForFieldName('alternative').find((a) => a?.type === 'else_clause');
        if (els) x = mergeFalls(mapFalls(x, (e) => execBlock(L, blockOf(field(els, 'body')), e, mod)));
        return x;
      }
      // `event.get("x", []) or []`: the field, a missing or null value iterated as no elements
      const arrayOf = iterable.k === 'logic' && iterable.op === 'or' && iterable.args.length === 2 && iterable.args[0]!.k === 'field' && isEmptySeq(iterable.args[1]!) ? iterable.args[0] : iterable;
      const quantified = arrayOf.k === 'field' && body ? loopAsQuantifier(L, s, arrayOf, target, body, env, mod, scope) : undefined;
      if (quantified) return quantified;
      const why =
        iterable.k === 'field'
          ? `a loop over the event field ${iterable.path.join('.') || '(whole event)'}`
          : iterable.k === 'opaque'
            ? `a loop over ${src.text} (${iterable.reason})`
            : items
              ? `a loop with break/continue or over ${items.length} items`
              : `a loop over ${src.text}`;
      const region = opaqueRegion(L, s, env, mod, header, why, scope);
      // where the event lacks the value, the loop runs no time: only an event that has it depends on the region
      const none = noIterationGuard(L, src, iterable, scope);
      if (!none) return region;
      const els = s.childrenForFieldName('alternative').find((a) => a?.type === 'else_clause');
      return { t: 'if', c: none, then: els ? execBlock(L, blockOf(field(els, 'body')), env, mod) : fall(env), else: region };
    }
    case 'while_statement':
      return opaqueRegion(L, s, env, mod, s, "a while loop", scope);
    case 'try_statement': {
      const lookupOnly = lookupTry(s);
      if (lookupOnly === true) {
        // the handlers catch only lookup / parse errors and fall back to a null-like value: the body's derived values
        // are null when a step fails (Derived.onError), and the handlers are not followed
        L.nullOnError++;
        let bx: X;
        try {
          bx = execBlock(L, blockOf(field(s, 'body')), env, mod);
        } finally {
          L.nullOnError--;
        }
        const els = s.namedChildren.find((c) => c?.type === 'else_clause');
        return els ? mergeFalls(mapFalls(bx, (e) => execBlock(L, blockOf(field(els, 'body')), e, mod))) : bx;
      }
      const body = execBlock(L, blockOf(field(s, 'body')), env, mod);
      const handler = s.namedChildren.find((c) => c?.type === 'except_clause' || c?.type === 'except_group_clause');
      const els = s.namedChildren.find((c) => c?.type === 'else_clause');
      const withElse = els ? mergeFalls(mapFalls(body, (e) => execBlock(L, blockOf(field(els, 'body')), e, mod))) : body;
      if (!handler) return withElse;
      const hblock = handler.namedChildren.find((c) => c?.type === 'block');
      // the handler runs with the variables as they were before the try (assignments inside are not known)
      const hx = execBlock(L, blockOf(hblock ?? undefined), opaqueAssigned(L, field(s, 'body')!, env, scope), mod);
      const c = opaque(`try: ... ${handler.text.split('\n')[0]}`, `whether the try block raises an exception (${lookupOnly})`, L.span(scope, handler));
      return mergeFalls({ t: 'if', c, then: hx, else: withElse });
    }
    case 'with_statement':
      return execBlock(L, blockOf(field(s, 'body')), env, mod);
    case 'raise_statement':
      return { t: 'leaf', v: L.op(scope, s, 'raises an exception (the rule errors)') };
    case 'match_statement':
      return opaqueRegion(L, s, env, mod, s, 'a match statement', scope);
    case 'function_definition': {
      const name = field(s, 'name')?.text;
      if (!name) return fall(env);
      const m = new Map(env);
      m.set(name, { k: 'func', fn: { module: mod, name, node: s } });
      return fall(m);
    }
    case 'decorated_definition':
    case 'class_definition':
    case 'pass_statement':
    case 'global_statement':
    case 'nonlocal_statement':
    case 'import_statement':
    case 'import_from_statement':
    case 'assert_statement':
    case 'delete_statement':
    case 'print_statement':
    case 'comment':
      return fall(env);
    case 'continue_statement':
      if (continueDepth > 0) return { t: 'leaf', v: CONTINUE };
      return { t: 'leaf', v: L.op(scope, s, 'continue outside a followed loop') };
    case 'break_statement':
      return { t: 'leaf', v: L.op(scope, s, `${s.type.split('_')[0]} outside a followed loop`) };
    default:
      return fall(env);
  }
}

/**
 * `for x in <event array>:` whose body returns one value when a condition on the element holds (`if P(x): return
 * True`): the loop returns that value when any element satisfies the body's return condition (an `each` over the
 * array, fields of `x` element-relative), and falls through otherwise with the variables the body assigns unknown.
 * Undefined when the loop does not have that shape (the caller keeps it opaque with its reason).
 */
function loopAsQuantifier(L: Lowerer, s: Node, arr: Extract<AV, { k: 'field' }>, target: Node, body: Node, env: Env, mod: ModuleInfo, scope: Scope): X | undefined {
  if (arr.fn || (arr.missingAs !== undefined && !arr.emptyDefault && !arr.derived)) return undefined;
  // inside another loop's body: variables holding an enclosing element (`group`) are one level further out in this
  // loop's body (`..`); any other value computed from an element is not followed yet
  const outer = new Map(env);
  for (const [k, v] of env) {
    if (!mentionsElement(v)) continue;
    const shifted = shiftAV(v);
    if (!shifted) return undefined;
    outer.set(k, shifted);
  }
  if (hasBreakOrContinue(body, ['break_statement']) || s.childrenForFieldName('alternative').some((a) => a?.type === 'else_clause')) return undefined;
  const el: AV = { k: 'field', path: [''] };
  const inner = bindTarget(outer, target, el, L, scope);
  continueDepth++;
  let bx: X;
  try {
    // `continue` ends the element's path: it falls through to the next element
    bx = mapLeaves(execBlock(L, blockOf(body), inner, mod), (v) => (v === CONTINUE ? fall(inner) : undefined));
  } finally {
    continueDepth--;
  }
  const rets: AV[] = [];
  const collect = (x: X): void => {
    if (x.t === 'leaf') rets.push(x.v);
    else if (x.t === 'if') {
      collect(x.then);
      collect(x.else);
    }
  };
  collect(bx);
  const after = new Map(env);
  for (const name of assignedNames(body)) after.set(name, L.op(scope, s, `${name} is changed inside a loop over ${arr.path.join('.') || 'the event'}`));
  if (target.type === 'identifier') after.set(target.text, L.op(scope, target, `${target.text} is the last element of a loop over ${arr.path.join('.')}`));
  if (rets.length === 0) return fall(after);
  const first = JSON.stringify(stripForCompare(rets[0]!));
  if (rets.some((r) => r.k === 'opaque' || JSON.stringify(stripForCompare(r)) !== first) || mentionsElement(rets[0])) return undefined;
  const guard = returnGuard(bx);
  if (!guard) return undefined;
  const each: Expr = { kind: 'each', quant: 'any', array: fieldName(arr), ...(arr.derived ? { derived: arr.derived, ...(arr.missingAs !== undefined ? { missingAs: arr.missingAs } : {}) } : {}), expr: guard, iterate: 'python', span: L.span(scope, s) };
  return { t: 'if', c: each, then: leaf(rets[0]!) as X, else: fall(after) };
}

/** An element-relative field one loop further out (`.x` → `..x`); fields relative to inner quantifiers stay. */
function shiftField(name: string, depth: number): string {
  return relativeDepth(name) > depth ? `.${name}` : name;
}

function shiftExpr(e: Expr, depth: number): Expr {
  switch (e.kind) {
    case 'pred':
      return { ...e, field: shiftField(e.field, depth), values: e.values.map((v) => (v !== null && typeof v === 'object' ? { ...v, field: shiftField(v.field, depth) } : v)) };
    case 'each':
      return { ...e, array: shiftField(e.array, depth), expr: shiftExpr(e.expr, depth + 1) };
    case 'and':
    case 'or':
      return { ...e, args: e.args.map((a) => shiftExpr(a, depth)) };
    case 'not':
      return { kind: 'not', arg: shiftExpr(e.arg, depth) };
    case 'quant':
      return { ...e, items: e.items.map((i) => ({ name: i.name, expr: shiftExpr(i.expr, depth) })) };
    default:
      return e;
  }
}

/** A value seen from one loop further in: its element-relative parts one level further out; undefined if unknown. */
function shiftAV(v: AV): AV | undefined {
  switch (v.k) {
    case 'field':
      return v.path[0] === '' ? { ...v, path: ['', ...v.path] } : v;
    case 'bool':
      return { ...v, e: shiftExpr(v.e, 0) };
    case 'logic': {
      const args = v.args.map(shiftAV);
      return args.every((a): a is AV => a !== undefined) ? { ...v, args } : undefined;
    }
    case 'cond': {
      let ok = true;
      const go = (t: Tree): Tree => {
        if (t.t === 'leaf') {
          const x = shiftAV(t.v);
          if (!x) ok = false;
          return x ? leaf(x) : t;
        }
        return t.t === 'if' ? { t: 'if', c: shiftExpr(t.c, 0), then: go(t.then), else: go(t.else) } : t;
      };
      const tree = go(v.tree);
      return ok ? { k: 'cond', tree } : undefined;
    }
    case 'seq': {
      const items = v.items.map(shiftAV);
      return items.every((a): a is AV => a !== undefined) ? { ...v, items } : undefined;
    }
    default:
      return mentionsElement(v) ? undefined : v;
  }
}

/** The value a `continue` of a loop lowered as a quantifier returns from the element's body (replaced by a fall). */
const CONTINUE: AV = { k: 'opaque', text: 'continue', reason: 'continue of a loop over event values' };
/** Nesting of loop bodies lowered as quantifiers (where `continue` is followed). */
let continueDepth = 0;

function mapLeaves(x: X, f: (v: AV) => X | undefined): X {
  switch (x.t) {
    case 'leaf':
      return f(x.v) ?? x;
    case 'if':
      return { t: 'if', c: x.c, then: mapLeaves(x.then, f), else: mapLeaves(x.else, f) };
    default:
      return x;
  }
}

/**
 * The condition under which `for … in <src>` runs no time because the event lacks the value it loops over (a loop
 * the lowering does not follow otherwise); undefined when there is none it can state:
 * - `x or []` (any empty container): every falsy value of `x` gives the empty container (`is_null`, Python
 *   truthiness);
 * - a field whose default is an empty container or "" (`event.get("x", [])`, `deep_get(…, default={})`): the field
 *   missing (or null, where `deep_get` takes the default for None), or present as "" (the stand-in of an empty
 *   container's default in the model, and an empty string iterates no time either);
 * - `.keys()`, `.values()` or `.items()` of a field read with `deep_get(…, default={})`: the field missing or null
 *   (a list or a string has no `.keys()`).
 * A present empty list or dict is not counted (it is not told apart from a non-empty one here): such an event
 * still depends on the loop.
 */
function noIterationGuard(L: Lowerer, src: Node, iterable: AV, scope: Scope): Expr | undefined {
  const plain = (f: AV): f is Extract<AV, { k: 'field' }> => f.k === 'field' && !f.fn && !f.walk && !f.derived && !mentionsElement(f);
  const span = L.span(scope, src);
  if (iterable.k === 'logic' && iterable.op === 'or' && iterable.args.length === 2 && isEmptySeq(iterable.args[1]!)) {
    const f = iterable.args[0]!;
    return plain(f) ? fpred(f, 'is_null', [], { truthy: true, ...missingOpts(f) }, span) : undefined;
  }
  if (iterable.k === 'field') {
    return plain(iterable) && iterable.missingAs === '' ? fpred(iterable, 'eq', [''], cmpOpts(iterable), span) : undefined;
  }
  const args = src.type === 'call' ? field(src, 'arguments') : undefined;
  if (!args || namedKids(args).length) return undefined;
  const fn = field(src, 'function');
  const attr = fn?.type === 'attribute' ? field(fn, 'attribute')?.text : undefined;
  if (!fn || (attr !== 'keys' && attr !== 'values' && attr !== 'items')) return undefined;
  const obj = L.eval(field(fn, 'object')!, scope);
  return plain(obj) && obj.dictDefault && obj.nullAsMissing ? fpred(obj, 'is_null', [], undefined, span) : undefined;
}

function isEmptySeq(v: AV): boolean {
  return (v.k === 'seq' && v.items.length === 0) || (v.k === 'dict' && v.entries.length === 0);
}

/** The condition under which a body's tree returns (rather than falling through). */
function returnGuard(x: X): Expr | undefined {
  switch (x.t) {
    case 'leaf':
      return TRUE;
    case 'fall':
      return { kind: 'const', value: false };
    case 'none':
      return undefined;
    case 'if':
      return ite(x.c, returnGuard(x.then), returnGuard(x.else));
  }
}

/** Exceptions raised by lookups, conversions and parsing (what a failed derived step stands for). */
const LOOKUP_ERRORS: ReadonlySet<string> = new Set(['KeyError', 'IndexError', 'TypeError', 'AttributeError', 'ValueError', 'JSONDecodeError', 'json.JSONDecodeError', 'json.decoder.JSONDecodeError', 'Exception', 'BaseException', 'LookupError']);

/** A constant whose use is like None's in the conditions rules write: None, False, "", 0, [], {}. */
function nullLike(n: Node | undefined): boolean {
  if (!n) return true;
  switch (n.type) {
    case 'none':
    case 'false':
      return true;
    case 'integer':
      return Number(n.text) === 0;
    case 'string':
      return n.text === '""' || n.text === "''";
    case 'list':
    case 'dictionary':
    case 'tuple':
      return namedKids(n).length === 0;
    default:
      return false;
  }
}

/**
 * Whether a try statement only guards lookups (true), or why not: every handler catches lookup / parse errors
 * (LOOKUP_ERRORS, or everything) and does nothing but fall back to a null-like constant (`return None`, `x = ""`,
 * `pass` when the body returns nothing), and there is no `finally`.
 */
function lookupTry(s: Node): true | string {
  const handlers = s.namedChildren.filter((c): c is Node => c !== null && (c.type === 'except_clause' || c.type === 'except_group_clause'));
  if (handlers.length === 0) return 'no handler';
  if (s.namedChildren.some((c) => c?.type === 'finally_clause')) return 'a finally clause';
  const bodyReturns = (field(s, 'body')?.descendantsOfType('return_statement').length ?? 0) > 0;
  for (const h of handlers) {
    if (h.type === 'except_group_clause') return 'an except* clause';
    const kids = namedKids(h);
    const block = kids.find((k) => k.type === 'block');
    const what = kids.filter((k) => k.type !== 'block' && k.type !== 'comment');
    const caught: Node[] = [];
    for (const w of what) {
      const x = w.type === 'as_pattern' ? namedKids(w)[0] : w;
      if (!x) continue;
      if (x.type === 'tuple' || x.type === 'parenthesized_expression') caught.push(...namedKids(x));
      else caught.push(x);
    }
    const other = caught.find((c) => !LOOKUP_ERRORS.has(c.text));
    if (other) return `the handler catches ${other.text}`;
    for (const st of block ? namedKids(block) : []) {
      if (st.type === 'comment') continue;
      if (st.type === 'pass_statement') {
        if (bodyReturns) return 'the handler passes over a body that returns';
        continue;
      }
      if (st.type === 'return_statement' && nullLike(namedKids(st)[0])) continue;
      const a = st.type === 'expression_statement' ? namedKids(st)[0] : undefined;
      if (a?.type === 'assignment' && field(a, 'left')?.type === 'identifier' && nullLike(field(a, 'right'))) continue;
      return `the handler does more than fall back to an empty value: ${st.text.split('\n')[0]!.slice(0, 60)}`;
    }
  }
  return true;
}

function opaqueAssigned(L: Lowerer, n: Node, env: Env, scope: Scope): Env {
  const m = new Map(env);
  for (const name of assignedNames(n)) m.set(name, L.op(scope, n, `${name} may be partly assigned when the try block raises`));
  return m;
}

function execIf(L: Lowerer, cond: Node | undefined, cons: Node | undefined, alts: readonly Node[], env: Env, mod: ModuleInfo): X {
  L.pending.clear();
  const c = cond ? truthy(L.eval(cond, { mod, vars: env })) : TRUE;
  env = withPending(L, env);
  // each branch with what the condition establishes there (`if k in D:` … `D[k]`, `if k not in D: return` … `D[k]`)
  const yes = (): Env => withGuardFacts(L, cond, { mod, vars: env }, true);
  const rest = (): X => {
    const no = withGuardFacts(L, cond, { mod, vars: env }, false);
    const [a, ...more] = alts;
    if (!a) return fall(no);
    if (a.type === 'else_clause') return execBlock(L, blockOf(field(a, 'body')), no, mod);
    return execIf(L, field(a, 'condition'), field(a, 'consequence'), more, no, mod);
  };
  if (c.kind === 'const') return c.value ? execBlock(L, blockOf(cons), yes(), mod) : rest();
  return { t: 'if', c, then: execBlock(L, blockOf(cons), yes(), mod), else: rest() };
}

/** `x = v`, `a, b = ...`, `d["k"] = v` on a local dict. */
function assign(L: Lowerer, a: Node, scope: Scope): Env {
  const left = field(a, 'left');
  const right = field(a, 'right');
  if (!left || !right) return scope.vars;
  let value: AV;
  let env = scope.vars;
  if (right.type === 'assignment') {
    env = assign(L, right, scope);
    let inner = right;
    while (field(inner, 'right')?.type === 'assignment') inner = field(inner, 'right')!;
    // a chain the parser could not finish (`a = b =` in a file it recovered from) has no value to assign
    const last = field(inner, 'right');
    if (!last) return env;
    value = L.eval(last, scope);
  } else value = L.eval(right, scope);
  if (left.type === 'subscript') {
    const base = field(left, 'value');
    const key = field(left, 'subscript');
    if (base?.type !== 'identifier' || !key) return env;
    const cur = env.get(base.text);
    const m = new Map(env);
    if (cur?.k === 'dict') {
      const entry: DictEntry = { key: L.eval(key, scope), value, text: right.text };
      m.set(base.text, { k: 'dict', entries: setEntry([...cur.entries], entry) });
    } else if (cur) m.set(base.text, L.op(scope, a, `${base.text} is modified by item assignment`));
    return m;
  }
  if (left.type === 'attribute') return env;
  return bindTarget(env, left, value, L, scope);
}

/** Calls used as statements that change a local: `d.update(...)`, `l.append(...)`. */
function mutatingCall(L: Lowerer, call: Node, scope: Scope): Env {
  const f = field(call, 'function');
  if (f?.type !== 'attribute') return scope.vars;
  const obj = field(f, 'object');
  const meth = field(f, 'attribute')?.text;
  if (obj?.type !== 'identifier' || !scope.vars.has(obj.text)) return scope.vars;
  const cur = scope.vars.get(obj.text)!;
  const args = evalArgs(L, field(call, 'arguments'), scope);
  const m = new Map(scope.vars);
  if (cur.k === 'dict' && meth === 'update' && args.pos.length === 1 && args.pos[0]!.k === 'dict') {
    let entries = [...cur.entries];
    for (const e of (args.pos[0] as Extract<AV, { k: 'dict' }>).entries) entries = setEntry(entries, e);
    for (const [k, v] of args.kw) entries = setEntry(entries, { key: constAV(k), value: v, text: k });
    m.set(obj.text, { k: 'dict', entries });
    return m;
  }
  if (cur.k === 'dict' && meth === 'update' && args.pos.length === 0) {
    let entries = [...cur.entries];
    for (const [k, v] of args.kw) entries = setEntry(entries, { key: constAV(k), value: v, text: k });
    m.set(obj.text, { k: 'dict', entries });
    return m;
  }
  if (cur.k === 'seq' && cur.t === 'list' && meth === 'append' && args.pos.length === 1) {
    m.set(obj.text, { k: 'seq', t: 'list', items: [...cur.items, args.pos[0]!] });
    return m;
  }
  if (meth === 'get' || meth === 'startswith' || meth === 'endswith' || meth === 'lower' || meth === 'upper') return scope.vars;
  m.set(obj.text, L.op(scope, call, `${obj.text} is modified by .${meth}()`));
  return m;
}

/** Close a tree: paths that fall off the end return None. */
export function finish(x: X): Tree {
  switch (x.t) {
    case 'fall':
      return leaf(NONE);
    case 'if':
      return { t: 'if', c: x.c, then: finish(x.then), else: finish(x.else) };
    default:
      return x;
  }
}

/** Bind a function's parameters to argument values; undefined when the call does not fit. */
export function bindParams(L: Lowerer, fn: FuncRef, args: Args): { vars: Map<string, AV> } | { why: string } {
  const params = field(fn.node, 'parameters');
  const vars = new Map<string, AV>();
  let i = 0;
  const defScope: Scope = { mod: fn.module, vars: new Map() };
  for (const p of params ? namedKids(params) : []) {
    let name: string | undefined;
    let dflt: Node | undefined;
    switch (p.type) {
      case 'identifier':
        name = p.text;
        break;
      case 'typed_parameter': {
        const id = namedKids(p).find((k) => k.type === 'identifier');
        if (!id) return { why: 'variadic parameter' };
        name = id.text;
        break;
      }
      case 'default_parameter':
      case 'typed_default_parameter':
        name = field(p, 'name')?.text;
        dflt = field(p, 'value');
        break;
      case 'list_splat_pattern':
      case 'dictionary_splat_pattern':
        if (i < args.pos.length || p.type === 'dictionary_splat_pattern') {
          if (p.type === 'list_splat_pattern') {
            const nm = namedKids(p)[0]?.text;
            if (nm) vars.set(nm, { k: 'seq', t: 'tuple', items: args.pos.slice(i) });
            i = args.pos.length;
          } else {
            const nm = namedKids(p)[0]?.text;
            if (nm) vars.set(nm, { k: 'dict', entries: [...args.kw].filter(([k]) => !vars.has(k)).map(([k, v]) => ({ key: constAV(k), value: v, text: k })) });
          }
        } else {
          const nm = namedKids(p)[0]?.text;
          if (nm) vars.set(nm, { k: 'seq', t: 'tuple', items: [] });
        }
        continue;
      case 'keyword_separator':
      case 'positional_separator':
        continue;
      default:
        return { why: `parameter ${p.type}` };
    }
    if (!name) return { why: 'unnamed parameter' };
    if (args.kw.has(name)) vars.set(name, args.kw.get(name)!);
    else if (i < args.pos.length) vars.set(name, args.pos[i++]!);
    else if (dflt) vars.set(name, L.eval(dflt, defScope));
    else return { why: `missing argument ${name}` };
  }
  if (i < args.pos.length) return { why: 'too many arguments' };
  return { vars };
}

/** Run a function body with its parameters bound: the tree of returned values. */
export function lowerFunctionTree(L: Lowerer, fn: FuncRef, vars: Map<string, AV>): Tree {
  const body = field(fn.node, 'body');
  return finish(execBlock(L, blockOf(body), vars, fn.module));
}

interface CachedCall {
  readonly value: AV;
  readonly inlined: readonly [string, string][];
  readonly deps: readonly string[];
}

/** Inline a call to a helper (rule file or global_helpers), with a depth limit and a cache for `f(event)`. */
export function inlineFunction(L: Lowerer, fn: FuncRef, args: Args, n: Node, scope: Scope): AV {
  const key = `${fn.module.name}.${fn.name}`;
  if (L.stack.includes(key)) return L.op(scope, n, `recursive call to ${fn.name}`);
  if (L.stack.length >= PY_LIMITS.maxInlineDepth) return L.op(scope, n, `helper calls nested deeper than ${PY_LIMITS.maxInlineDepth}`);
  const bound = bindParams(L, fn, args);
  if ('why' in bound) return L.op(scope, n, `call to ${fn.name} does not fit its signature (${bound.why})`);
  const isHelper = L.repo.helpers.get(fn.module.name) === fn.module;
  const eventOnly = args.kw.size === 0 && args.pos.length === 1 && args.pos[0]!.k === 'field' && args.pos[0]!.path.length === 0 && !args.pos[0]!.fn && !args.pos[0]!.derived && args.pos[0]!.missingAs === undefined;
  const cacheable = isHelper && eventOnly && L.opts.mocked.size === 0 && !L.reads;
  const cacheKey = `${key}(event)|${L.opts.logTypes.join(',')}`;
  if (cacheable) {
    const hit = L.repo.cache.get(cacheKey) as CachedCall | undefined;
    if (hit) {
      for (const [a, b] of hit.inlined) L.inlined.set(a, b);
      for (const d of hit.deps) L.deps.add(d);
      return hit.value;
    }
  }
  const before = new Set(L.inlined.keys());
  const depsBefore = new Set(L.deps);
  L.stack.push(key);
  const savedPending = L.pending;
  L.pending = new Map();
  let value: AV;
  try {
    value = treeValue(lowerFunctionTree(L, fn, bound.vars));
  } finally {
    L.stack.pop();
    L.pending = savedPending;
  }
  L.inlined.set(fn.name, fn.module.parsed.file);
  if (isHelper) L.deps.add(fn.module.parsed.file);
  if (value.k === 'dict') value = { k: 'dict', entries: value.entries.map((e) => (e.via ? e : { ...e, via: fn.name })) };
  if (cacheable) {
    L.repo.cache.set(cacheKey, {
      value,
      inlined: [...L.inlined].filter(([k]) => !before.has(k) || k === fn.name),
      deps: [...L.deps].filter((d) => !depsBefore.has(d)),
    } satisfies CachedCall);
  }
  return value;
}

export { treeLeaves };

/** Bind an assignment / for target (names, tuples, lists) to a value. */
/** Bind a for-target (name or tuple pattern) to a value. */
export function bindTarget(vars: Env, target: Node, v: AV, L: LowererApi, scope: Scope): Env {
  const m = new Map(vars);
  const go = (t: Node, x: AV): void => {
    if (t.type === 'identifier') {
      m.set(t.text, x);
      return;
    }
    if (t.type === 'pattern_list' || t.type === 'tuple_pattern' || t.type === 'list_pattern' || t.type === 'tuple' || t.type === 'list') {
      const kids = namedKids(t);
      const items = x.k === 'seq' && x.items.length === kids.length ? x.items : undefined;
      kids.forEach((k, i) => go(k, items ? items[i]! : x.k === 'opaque' ? L.wrap(scope, k, x) : L.op(scope, k, 'unpacking a run-time value')));
      return;
    }
    if (t.type === 'parenthesized_expression') {
      const k = namedKids(t)[0];
      if (k) go(k, x);
    }
  };
  go(target, v);
  return m;
}
