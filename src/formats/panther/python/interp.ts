/**
 * Evaluation of Python expressions into abstract values (values.ts). The Lowerer holds the per-rule state
 * (call stack for inlining, helpers inlined, fields read); calls, comparisons and statements live in
 * calls.ts, compare.ts and exec.ts.
 */
import { and, or, type Expr } from '../../../model/expr.ts';
import type { Span } from '../../../model/span.ts';
import { callNode } from './calls.ts';
import { compareNode, compareNodeValues } from './compare.ts';
import { BUILTIN_NAMES, EXTERNAL_REASONS, MODELLED_STDLIB, PY_LIMITS, RE_FLAGS } from './facts.ts';
import type { ModuleInfo } from './module.ts';
import { field, namedKids, spanOf, stringValue, type Node } from './parser.ts';
import { bindTarget, inlineFunction } from './exec.ts';
import { knownMembers, withGuardFacts } from './known.ts';
import { deriveIndex, deriveSlice, fstringOfOne, ipProperty } from './derived.ts';
import type { Args, Env, LowererApi, LowerOptions, RepoState, Scope } from './scope.ts';
import {
  NONE,
  boolAV,
  constAV,
  isNone,
  logicAsCond,
  neg,
  opaqueAV,
  setEntry,
  treeExpr,
  treeValue,
  truthy,
  valueTree,
  type AV,
  type DictEntry,
  type FuncRef,
  type Scalar,
  type Tree,
} from './values.ts';




export class Lowerer implements LowererApi {
  /** Functions being inlined (`module.name`), innermost last. */
  readonly stack: string[] = [];
  /** Helpers inlined: name → file. */
  readonly inlined = new Map<string, string>();
  /** Files whose code was used. */
  readonly deps = new Set<string>();
  /** Event fields read, when collecting (title, dedup). */
  reads: Set<string> | undefined;
  /** Names bound by `:=` while evaluating the current statement; statements add them to their variables. */
  pending = new Map<string, AV>();
  nullOnError = 0;

  constructor(
    readonly repo: RepoState,
    readonly opts: LowerOptions,
  ) {}

  inline(fn: FuncRef, args: Args, n: Node, scope: Scope): AV {
    return inlineFunction(this, fn, args, n, scope);
  }

  span(scope: Scope, n: Node): Span {
    return spanOf(scope.mod.parsed.file, n);
  }

  /** An opaque value for node `n`. */
  op(scope: Scope, n: Node, reason: string): AV {
    return opaqueAV(n.text, reason, this.span(scope, n));
  }

  /** An opaque value for `n` that failed because an operand was opaque: the operand's reason, the outer text. */
  wrap(scope: Scope, n: Node, inner: AV): AV {
    return inner.k === 'opaque' ? opaqueAV(n.text, inner.reason, this.span(scope, n)) : inner;
  }

  field(path: readonly string[], span: Span | undefined, missingAs?: AV, nullAsMissing = false): AV {
    if (this.reads && path.length) this.reads.add(path.join('.'));
    const f: { k: 'field'; path: readonly string[]; span?: Span; missingAs?: Scalar; nullAsMissing?: boolean } = { k: 'field', path };
    if (span) f.span = span;
    if (missingAs && missingAs.k === 'const' && missingAs.v !== null) {
      f.missingAs = missingAs.v;
      if (nullAsMissing) f.nullAsMissing = true;
    }
    return f;
  }

  /** Nesting of `eval` calls now (bounded by PY_LIMITS.maxExprDepth). */
  private depth = 0;

  eval(n: Node, scope: Scope): AV {
    if (this.depth >= PY_LIMITS.maxExprDepth) return this.op(scope, n, `expression nested deeper than ${PY_LIMITS.maxExprDepth} levels`);
    this.depth++;
    try {
      return this.evalNode(n, scope);
    } finally {
      this.depth--;
    }
  }

  private evalNode(n: Node, scope: Scope): AV {
    switch (n.type) {
      case 'identifier':
        return this.lookup(n.text, scope, n);
      case 'string':
      case 'concatenated_string': {
        const s = stringValue(n);
        if (s !== undefined) return constAV(s);
        const parts: AV[] = [];
        for (const i of n.descendantsOfType('interpolation')) {
          const e = i && field(i, 'expression');
          if (e) parts.push(this.eval(e, scope)); // records the fields it reads
        }
        const prefix = n.descendantsOfType('string_start')[0]?.text.toLowerCase() ?? '';
        if (prefix.includes('b')) return this.op(scope, n, 'byte string');
        const one = parts.length === 1 && prefix.includes('f') ? fstringOfOne(this, n, parts[0]!, prefix, scope) : undefined;
        return one ?? { ...(this.op(scope, n, 'f-string built from run-time values') as Extract<AV, { k: 'opaque' }>), parts };
      }
      case 'integer':
        return constAV(parseInteger(n.text));
      case 'float':
        return constAV(Number(n.text.split('_').join('')));
      case 'true':
        return constAV(true);
      case 'false':
        return constAV(false);
      case 'none':
        return NONE;
      case 'parenthesized_expression': {
        const k = namedKids(n)[0];
        return k ? this.eval(k, scope) : NONE;
      }
      case 'list':
      case 'tuple':
      case 'set':
      case 'expression_list':
        return this.evalSeq(n, scope, n.type === 'list' ? 'list' : n.type === 'set' ? 'set' : 'tuple');
      case 'dictionary':
        return this.evalDict(n, scope);
      case 'comparison_operator':
        return boolAV(compareNode(this, n, scope));
      case 'boolean_operator': {
        // `a and b and c` is left-nested (((a and b) and c)): walked down its left spine, not recursively, so a chain
        // of thousands of terms is one flat node
        const op = field(n, 'operator')?.text === 'and' ? 'and' : 'or';
        const operands: Node[] = [];
        let left: Node = n;
        while (left.type === 'boolean_operator' && (field(left, 'operator')?.text === 'and' ? 'and' : 'or') === op) {
          operands.push(field(left, 'right')!);
          left = field(left, 'left')!;
        }
        operands.push(left);
        const args: AV[] = [];
        let sc = scope;
        for (let i = operands.length - 1; i >= 0; i--) {
          const a = this.eval(operands[i]!, sc);
          if (a.k === 'logic' && a.op === op) args.push(...a.args);
          else args.push(a);
          // a later operand runs only where this one is truthy (`and`) or falsy (`or`): what that establishes
          if (i > 0) sc = { mod: sc.mod, vars: withGuardFacts(this, operands[i], sc, op === 'and') };
        }
        return { k: 'logic', op, args };
      }
      case 'not_operator': {
        const a = field(n, 'argument');
        return boolAV(neg(truthy(a ? this.eval(a, scope) : NONE)));
      }
      case 'conditional_expression': {
        const [a, c, b] = namedKids(n);
        if (!a || !c || !b) return this.op(scope, n, 'incomplete conditional expression');
        const cond = truthy(this.eval(c, scope));
        const then = (): AV => this.eval(a, { mod: scope.mod, vars: withGuardFacts(this, c, scope, true) });
        const other = (): AV => this.eval(b, { mod: scope.mod, vars: withGuardFacts(this, c, scope, false) });
        if (cond.kind === 'const') return cond.value ? then() : other();
        return { k: 'cond', tree: { t: 'if', c: cond, then: valueTree(then()), else: valueTree(other()) } };
      }
      case 'call':
        return callNode(this, n, scope);
      case 'attribute':
        return this.evalAttribute(n, scope);
      case 'subscript':
        return this.evalSubscript(n, scope);
      case 'binary_operator':
        return this.evalBinary(n, scope);
      case 'unary_operator': {
        const a = this.eval(field(n, 'argument')!, scope);
        const o = field(n, 'operator')?.text;
        if (a.k === 'const' && typeof a.v === 'number') return constAV(o === '-' ? -a.v : o === '~' ? ~a.v : a.v);
        return a.k === 'opaque' ? this.wrap(scope, n, a) : this.op(scope, n, 'arithmetic on run-time values');
      }
      case 'list_comprehension':
      case 'set_comprehension':
      case 'generator_expression':
        return this.evalComprehension(n, scope);
      case 'lambda':
        return this.op(scope, n, 'lambda expression');
      case 'named_expression': {
        const name = field(n, 'name')?.text;
        const v = this.eval(field(n, 'value')!, scope);
        if (name) this.pending.set(name, v);
        return v;
      }
      case 'await':
        return this.op(scope, n, 'await');
      default:
        return this.op(scope, n, `${n.type.replace(/_/g, ' ')} is not modelled`);
    }
  }

  /** A name: local, mocked, module-level (function, import, constant), builtin. */
  lookup(name: string, scope: Scope, n: Node): AV {
    const local = scope.vars.get(name) ?? this.pending.get(name);
    if (local) return local;
    if (this.opts.mocked.has(name)) return this.op(scope, n, `${name} is mocked in the rule's tests`);
    if (scope.mod.bindings.has(name)) return this.moduleValue(scope.mod, name, n);
    if (BUILTIN_NAMES.has(name)) return { k: 'extern', module: 'builtins', name };
    return this.op(scope, n, `name ${name} is not defined in ${scope.mod.parsed.file}`);
  }

  /** The value of a module-level name (cached per module). */
  moduleValue(mod: ModuleInfo, name: string, at: Node): AV {
    const hit = mod.values.get(name);
    if (hit) return hit;
    const b = mod.bindings.get(name);
    const scope: Scope = { mod, vars: new Map() };
    if (!b) return this.op(scope, at, `${name} is not defined in ${mod.parsed.file}`);
    if (mod.evaluating.has(name)) return this.op(scope, at, `${name} is defined in terms of itself`);
    mod.evaluating.add(name);
    let v: AV;
    try {
      switch (b.kind) {
        case 'func':
          v = { k: 'func', fn: { module: mod, name, node: b.node } };
          break;
        case 'import':
          v = this.importModule(b.module);
          break;
        case 'from': {
          const helper = this.repo.helpers.get(b.module);
          if (helper) {
            this.deps.add(helper.parsed.file);
            v = helper.bindings.has(b.name) ? this.moduleValue(helper, b.name, at) : this.op(scope, at, `${b.name} is not defined in ${helper.parsed.file}`);
          } else v = { k: 'extern', module: b.module, name: b.name };
          break;
        }
        case 'assign': {
          const val = this.eval(b.value, scope);
          if (b.index === undefined) v = val;
          else if (val.k === 'seq' && val.items[b.index]) v = val.items[b.index]!;
          else v = this.op(scope, b.stmt, 'tuple assignment from a run-time value');
          break;
        }
        case 'other':
          v = this.op(scope, b.node, `${name} is ${b.why}`);
          break;
      }
    } finally {
      mod.evaluating.delete(name);
    }
    // a value computed while an outer name was being evaluated may be incomplete; cache only the settled ones
    if (mod.evaluating.size === 0 || v.k !== 'opaque') mod.values.set(name, v);
    return v;
  }

  importModule(name: string): AV {
    const helper = this.repo.helpers.get(name);
    if (helper) this.deps.add(helper.parsed.file);
    if (helper || MODELLED_STDLIB.has(name)) return { k: 'module', name };
    return { k: 'extern', module: name, name };
  }

  externReason(module: string, name: string): string {
    const r = EXTERNAL_REASONS[module] ?? EXTERNAL_REASONS[module.split('.')[0]!];
    const what = module === name ? module : `${module}.${name}`;
    if (r) return `${what}: ${r}`;
    if (module === 'builtins') return `builtin ${name}() on run-time values is not modelled`;
    return `${name} comes from ${module}, a library outside the repository`;
  }

  evalSeq(n: Node, scope: Scope, t: 'list' | 'tuple' | 'set'): AV {
    const items: AV[] = [];
    for (const k of namedKids(n)) {
      if (k.type === 'list_splat') {
        const inner = this.eval(namedKids(k)[0]!, scope);
        const it = this.iterate(inner);
        if (!it) return inner.k === 'opaque' ? this.wrap(scope, n, inner) : this.op(scope, n, 'unpacking a run-time value');
        items.push(...it);
      } else items.push(this.eval(k, scope));
    }
    return { k: 'seq', t, items: t === 'set' ? dedupConsts(items) : items };
  }

  evalSeqFrom(t: 'list' | 'tuple' | 'set', items: AV[]): AV {
    return { k: 'seq', t, items: t === 'set' ? dedupConsts(items) : items };
  }

  evalDict(n: Node, scope: Scope): AV {
    let entries: DictEntry[] = [];
    for (const k of namedKids(n)) {
      if (k.type === 'pair') {
        const key = this.eval(field(k, 'key')!, scope);
        const vn = field(k, 'value')!;
        entries = setEntry(entries, { key, value: this.eval(vn, scope), text: vn.text });
      } else if (k.type === 'dictionary_splat') {
        const inner = this.eval(namedKids(k)[0]!, scope);
        if (inner.k === 'dict') for (const e of inner.entries) entries = setEntry(entries, e);
        else return inner.k === 'opaque' ? this.wrap(scope, n, inner) : this.op(scope, n, 'dict unpacking of a run-time value');
      }
    }
    return { k: 'dict', entries };
  }

  /** The items of a constant iterable (list, tuple, set, dict keys, string characters); undefined otherwise. */
  iterate(v: AV): AV[] | undefined {
    if (v.k === 'seq') return [...v.items];
    if (v.k === 'dict') return v.entries.map((e) => e.key);
    if (v.k === 'const' && typeof v.v === 'string' && v.v.length <= PY_LIMITS.maxUnroll) return [...v.v].map((c) => constAV(c));
    return undefined;
  }

  evalAttribute(n: Node, scope: Scope): AV {
    const obj = this.eval(field(n, 'object')!, scope);
    const name = field(n, 'attribute')!.text;
    switch (obj.k) {
      case 'module': {
        const helper = this.repo.helpers.get(obj.name);
        if (helper) return helper.bindings.has(name) ? this.moduleValue(helper, name, n) : this.op(scope, n, `${name} is not defined in ${helper.parsed.file}`);
        if (obj.name === 're' && RE_FLAGS[name] !== undefined) return constAV(RE_FLAGS[name]!);
        return { k: 'extern', module: obj.name, name };
      }
      case 'extern':
        return { k: 'extern', module: obj.module, name: obj.name === obj.module ? name : `${obj.name}.${name}` };
      case 'opaque':
        return this.wrap(scope, n, obj);
      default:
        return ipProperty(this, obj, name, scope, n) ?? { k: 'method', self: obj, name };
    }
  }

  evalSubscript(n: Node, scope: Scope): AV {
    const obj = this.eval(field(n, 'value')!, scope);
    const subs = n.childrenForFieldName('subscript').filter((x): x is Node => x !== null);
    if (subs.length === 1 && subs[0]!.type === 'slice' && obj.k === 'field') return deriveSlice(this, obj, subs[0]!, scope, n);
    if (subs.length !== 1 || subs[0]!.type === 'slice') return obj.k === 'opaque' ? this.wrap(scope, n, obj) : this.op(scope, n, 'slice of a value');
    const key = this.eval(subs[0]!, scope);
    return this.index(obj, key, scope, n);
  }

  /** `obj[key]`: a field one level down, a constant's item, or a conditional value over a constant dict. */
  index(obj: AV, key: AV, scope: Scope, n: Node): AV {
    if (obj.k === 'opaque') return this.wrap(scope, n, obj);
    if (key.k === 'opaque') return this.wrap(scope, n, key);
    if (obj.k === 'field') {
      if (obj.derived) return deriveIndex(this, obj, key, scope, n);
      if (obj.fn) return this.op(scope, n, 'indexing a transformed string');
      if (key.k === 'const' && (typeof key.v === 'string' || (typeof key.v === 'number' && key.v >= 0 && Number.isInteger(key.v)))) {
        return this.field([...obj.path, String(key.v)], this.span(scope, n));
      }
      return this.op(scope, n, 'index computed at run time');
    }
    if (obj.k === 'seq' && key.k === 'const' && typeof key.v === 'number') {
      const i = key.v < 0 ? obj.items.length + key.v : key.v;
      return obj.items[i] ?? this.op(scope, n, 'index out of range');
    }
    if (obj.k === 'dict') return this.dictGet(obj, key, undefined, scope, n, true);
    // a None branch of a conditional value would raise here: that path does not reach this point
    if (obj.k === 'cond') return this.mapValue(obj.tree, (v) => (isNone(v) ? undefined : this.index(v, key, scope, n)));
    if (obj.k === 'logic') return this.index(logicAsCond(obj), key, scope, n);
    if (obj.k === 'const' && typeof obj.v === 'string' && key.k === 'const' && typeof key.v === 'number') {
      const i = key.v < 0 ? obj.v.length + key.v : key.v;
      return i >= 0 && i < obj.v.length ? constAV(obj.v[i]!) : this.op(scope, n, 'index out of range');
    }
    return this.op(scope, n, `indexing a ${obj.k} value is not modelled`);
  }

  /** `D.get(key, default)` / `D[key]` on a constant dict: the value, or a conditional value over the keys. */
  dictGet(d: Extract<AV, { k: 'dict' }>, key: AV, dflt: AV | undefined, scope: Scope, n: Node, strictKey: boolean): AV {
    const miss = dflt ?? (strictKey ? this.op(scope, n, 'KeyError') : NONE);
    if (key.k === 'const') {
      for (const e of d.entries) if (e.key.k === 'const' && e.key.v === key.v) return e.value;
      return miss;
    }
    if (key.k === 'field' || key.k === 'cond' || key.k === 'logic') {
      // a guard on this path said which keys the value is among (`k in D and … D[k]`): the others, and the missing
      // key's branch, cannot be taken
      const known = knownMembers(scope.vars, key);
      const has = (x: Scalar) => d.entries.some((e) => e.key.k === 'const' && e.key.v === x);
      const entries = known?.length && known.every(has) ? d.entries.filter((e) => e.key.k === 'const' && known.includes(e.key.v)) : d.entries;
      if (entries.length > PY_LIMITS.maxDictBranches) return this.op(scope, n, `lookup in a dict of ${d.entries.length} entries`);
      let tree: Tree = entries === d.entries ? { t: 'leaf', v: miss } : valueTree(entries[entries.length - 1]!.value);
      for (let i = entries === d.entries ? entries.length - 1 : entries.length - 2; i >= 0; i--) {
        const e = entries[i]!;
        tree = { t: 'if', c: compareValues(this, '==', key, e.key, scope, n), then: valueTree(e.value), else: tree };
      }
      return { k: 'cond', tree };
    }
    return this.op(scope, n, 'dict lookup with a run-time key');
  }

  /** Apply `f` to every leaf of a conditional value. */
  mapValue(t: Tree, f: (v: AV) => AV | undefined): AV {
    const go = (x: Tree): Tree => {
      if (x.t === 'leaf') {
        const r = f(x.v);
        return r ? valueTree(r) : { t: 'none' };
      }
      return x.t === 'if' ? { t: 'if', c: x.c, then: go(x.then), else: go(x.else) } : x;
    };
    return treeValue(go(t));
  }

  evalBinary(n: Node, scope: Scope): AV {
    const l = this.eval(field(n, 'left')!, scope);
    const r = this.eval(field(n, 'right')!, scope);
    const o = field(n, 'operator')?.text ?? '';
    if (l.k === 'opaque') return this.wrap(scope, n, l);
    if (r.k === 'opaque') return this.wrap(scope, n, r);
    if (l.k === 'const' && r.k === 'const') {
      const a = l.v;
      const b = r.v;
      if (typeof a === 'number' && typeof b === 'number') {
        switch (o) {
          case '+': return constAV(a + b);
          case '-': return constAV(a - b);
          case '*': return constAV(a * b);
          case '/': return constAV(a / b);
          case '//': return constAV(Math.floor(a / b));
          case '%': return constAV(((a % b) + b) % b);
          case '**': return constAV(a ** b);
          case '|': return constAV(a | b);
          case '&': return constAV(a & b);
        }
      }
      if (typeof a === 'string' && typeof b === 'string' && o === '+') return constAV(a + b);
    }
    if (l.k === 'seq' && r.k === 'seq') {
      if (o === '+' && l.t === r.t) return { k: 'seq', t: l.t, items: [...l.items, ...r.items] };
      if (l.t === 'set' && r.t === 'set') {
        if (o === '|') return { k: 'seq', t: 'set', items: dedupConsts([...l.items, ...r.items]) };
        if (o === '&' || o === '-') {
          const inR = (x: AV) => r.items.some((y) => x.k === 'const' && y.k === 'const' && x.v === y.v);
          return { k: 'seq', t: 'set', items: l.items.filter((x) => (o === '&' ? inR(x) : !inR(x))) };
        }
      }
    }
    if (l.k === 'dict' && r.k === 'dict' && o === '|') {
      let entries = [...l.entries];
      for (const e of r.entries) entries = setEntry(entries, e);
      return { k: 'dict', entries };
    }
    return this.op(scope, n, `operator ${o} on run-time values`);
  }

  evalComprehension(n: Node, scope: Scope): AV {
    const body = field(n, 'body');
    const clauses = namedKids(n).filter((k) => k !== body);
    const fors = clauses.filter((c) => c.type === 'for_in_clause');
    const ifs = clauses.filter((c) => c.type === 'if_clause');
    if (!body || fors.length !== 1) return this.op(scope, n, 'comprehension with several for clauses');
    const fc = fors[0]!;
    const target = field(fc, 'left');
    const src = field(fc, 'right');
    if (!target || !src) return this.op(scope, n, 'incomplete comprehension');
    const iterable = this.eval(src, scope);
    const items = this.iterate(iterable);
    if (!items) return this.iterationOpaque(iterable, src, scope, n);
    if (items.length > PY_LIMITS.maxUnroll) return this.op(scope, n, `comprehension over ${items.length} items`);
    const out: AV[] = [];
    for (const it of items) {
      const vars = bindTarget(scope.vars, target, it, this, scope);
      const s2: Scope = { mod: scope.mod, vars };
      let keep: Expr = { kind: 'const', value: true };
      for (const ic of ifs) keep = and(keep, truthy(this.eval(namedKids(ic)[0]!, s2)));
      if (keep.kind === 'const') {
        if (keep.value) out.push(this.eval(body, s2));
        continue;
      }
      return this.op(scope, n, 'comprehension filter depends on the event');
    }
    return { k: 'seq', t: n.type === 'set_comprehension' ? 'set' : 'list', items: out };
  }

  iterationOpaque(iterable: AV, src: Node, scope: Scope, n: Node): AV {
    if (iterable.k === 'opaque') return this.wrap(scope, n, iterable);
    if (iterable.k === 'field') return this.op(scope, n, `iterates over the event field ${iterable.path.join('.') || '(whole event)'}`);
    return this.op(scope, n, `iterates over ${src.text}, not a constant`);
  }
}


export function compareValues(L: Lowerer, op: string, a: AV, b: AV, scope: Scope, n: Node): Expr {
  return compareNodeValues(L, op, a, b, scope, n);
}



function dedupConsts(items: AV[]): AV[] {
  const seen = new Set<string>();
  const out: AV[] = [];
  for (const it of items) {
    if (it.k === 'const') {
      const k = typeof it.v + ':' + String(it.v);
      if (seen.has(k)) continue;
      seen.add(k);
    }
    out.push(it);
  }
  return out;
}

function parseInteger(t: string): number {
  const s = t.split('_').join('').toLowerCase();
  if (s.startsWith('0x')) return parseInt(s.slice(2), 16);
  if (s.startsWith('0o')) return parseInt(s.slice(2), 8);
  if (s.startsWith('0b')) return parseInt(s.slice(2), 2);
  return Number(s.endsWith('l') ? s.slice(0, -1) : s);
}


export { treeExpr };

export type { Env, LowerOptions, Scope };
