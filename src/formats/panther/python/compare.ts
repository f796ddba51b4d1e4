/**
 * Python comparisons (`==`, `!=`, `<`…, chained), identity (`is None`), membership (`in`, `not in`) lowered to
 * predicates with Python semantics: strict typing, case-sensitive unless the value went through `.lower()`.
 */
import { FALSE, TRUE, and, opaque, or, pred, type Expr, type Operator, type Value } from '../../../model/expr.ts';
import type { LowererApi as Lowerer, Scope } from './scope.ts';
import type { Node } from './parser.ts';
import { missingOpts, cmpOpts, constEquals, fieldName, fieldRef, fpred, isNone, logicAsCond, neg, opaqueExpr, treeExpr, type AV, type Scalar } from './values.ts';

const ORDER_OPS: Readonly<Record<string, Operator>> = { '==': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };
const FLIP: Readonly<Record<string, string>> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

type FieldAV = Extract<AV, { k: 'field' }>;

/** A (possibly chained) comparison node: `a < b < c` is `a < b and b < c`. */
export function compareNode(L: Lowerer, n: Node, scope: Scope): Expr {
  const operands = n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
  const ops = n.childrenForFieldName('operators').filter((c): c is Node => c !== null);
  if (ops.length !== operands.length - 1) return opaque(n.text, 'malformed comparison', L.span(scope, n));
  const vals = operands.map((o) => L.eval(o, scope));
  const parts: Expr[] = [];
  for (let i = 0; i < ops.length; i++) parts.push(compareNodeValues(L, ops[i]!.type, vals[i]!, vals[i + 1]!, scope, n));
  return and(...parts);
}

/** One comparison between two values. */
export function compareNodeValues(L: Lowerer, op: string, a: AV, b: AV, scope: Scope, n: Node): Expr {
  const span = L.span(scope, n);
  const opq = (reason: string): Expr => opaque(n.text, reason, span);
  if (a.k === 'opaque') return opaque(n.text, a.reason, span);
  if (b.k === 'opaque') return opaque(n.text, b.reason, span);
  // conditional values distribute over their branches
  if (a.k === 'logic') return compareNodeValues(L, op, logicAsCond(a), b, scope, n);
  if (b.k === 'logic') return compareNodeValues(L, op, a, logicAsCond(b), scope, n);
  if (a.k === 'cond') return treeExpr(a.tree, (x) => compareNodeValues(L, op, x, b, scope, n)) ?? FALSE;
  if (b.k === 'cond' && op !== 'in' && op !== 'not in') return treeExpr(b.tree, (x) => compareNodeValues(L, op, a, x, scope, n)) ?? FALSE;
  // `x in None` raises TypeError: like a method called on a None branch, that path does not reach this point
  if (b.k === 'cond') return treeExpr(b.tree, (x) => (isNone(x) ? undefined : compareNodeValues(L, op, a, x, scope, n))) ?? FALSE;

  switch (op) {
    case 'in':
      return membership(L, a, b, scope, n);
    case 'not in':
      return neg(membership(L, a, b, scope, n));
    case 'is':
    case 'is not': {
      const r = identity(a, b, opq);
      return op === 'is' ? r : neg(r);
    }
    case '<>':
      return compareNodeValues(L, '!=', a, b, scope, n);
    default:
      break;
  }
  const mop = ORDER_OPS[op];
  if (!mop) return opq(`comparison operator ${op}`);

  if (a.k === 'const' && b.k === 'field') return compareNodeValues(L, FLIP[op]!, b, a, scope, n);
  if (a.k === 'field') {
    if (b.k === 'const') return fieldVsConst(a, mop, b.v, span, opq);
    if (b.k === 'field') {
      if (a.fn || b.fn || b.walk || b.emptyDefault || a.walk) return opq('comparison of two transformed event values');
      return fpred(a, mop, [fieldRef(b)], cmpOpts(a), span);
    }
    if (b.k === 'bool') return opq('comparison of an event value with a condition');
    return opq(`comparison of an event value with a ${b.k === 'seq' ? 'sequence' : b.k === 'dict' ? 'dict' : b.k} value`);
  }
  if (a.k === 'bool' || b.k === 'bool') {
    const [x, y] = a.k === 'bool' ? [a, b] : [b, a];
    if (x.k !== 'bool') return opq('comparison of conditions');
    if (y.k === 'const' && (mop === 'eq' || mop === 'ne')) {
      const isTrue = y.v === true || y.v === 1;
      const isFalse = y.v === false || y.v === 0;
      if (!isTrue && !isFalse) return mop === 'eq' ? FALSE : TRUE;
      const r = isTrue ? x.e : neg(x.e);
      return mop === 'eq' ? r : neg(r);
    }
    if (y.k === 'bool' && (mop === 'eq' || mop === 'ne')) {
      const same = or(and(x.e, y.e), and(neg(x.e), neg(y.e)));
      return mop === 'eq' ? same : neg(same);
    }
    return opq('ordering of conditions');
  }
  if ((a.k === 'const' || a.k === 'seq' || a.k === 'dict') && (b.k === 'const' || b.k === 'seq' || b.k === 'dict')) {
    if (mop === 'eq' || mop === 'ne') {
      const r = constEquals(a, b);
      if (r === undefined) return opq('comparison of constant containers');
      return r === (mop === 'eq') ? TRUE : FALSE;
    }
    if (a.k === 'const' && b.k === 'const') {
      const x = a.v;
      const y = b.v;
      if ((typeof x === 'number' && typeof y === 'number') || (typeof x === 'string' && typeof y === 'string')) {
        const r = mop === 'lt' ? x < y : mop === 'le' ? x <= y : mop === 'gt' ? x > y : x >= y;
        return r ? TRUE : FALSE;
      }
    }
    return opq('ordering of constants of different types');
  }
  return opq(`comparison involving a ${a.k === 'const' ? b.k : a.k} value`);
}

function fieldVsConst(f: FieldAV, op: Operator, v: Scalar, span: ReturnType<Lowerer['span']>, opq: (r: string) => Expr): Expr {
  if (v === null && (op === 'eq' || op === 'ne')) {
    const o = f.missingAs !== undefined ? missingOpts(f) : undefined;
    return fpred(f, op === 'eq' ? 'is_null' : 'is_not_null', [], o, span);
  }
  if (f.emptyDefault && op !== 'eq' && op !== 'ne') return opq('ordering of a value whose default is an empty container');
  if (f.emptyDefault && v === '') return opq('comparison with "" of a value whose default is an empty container');
  if (f.fn) {
    if (typeof v !== 'string') return op === 'eq' ? FALSE : op === 'ne' ? TRUE : opq('ordering of a transformed string with a non-string');
    if (op !== 'eq' && op !== 'ne') return opq(`ordering of a .${f.fn}() value`);
    // `x.lower() == "Abc"` can never hold
    if (transformed(v, f.fn) !== v) return op === 'eq' ? FALSE : TRUE;
  }
  return fpred(f, op, [v], cmpOpts(f), span);
}

function transformed(s: string, fn: 'lower' | 'upper'): string {
  return fn === 'lower' ? s.toLowerCase() : s.toUpperCase();
}

/** `a is b`: only `is None` / `is True` / `is False` are meaningful. */
function identity(a: AV, b: AV, opq: (r: string) => Expr): Expr {
  if (a.k === 'const' && b.k !== 'const') return identity(b, a, opq);
  if (b.k !== 'const') return opq('identity of two run-time values');
  if (a.k === 'const') return a.v === b.v ? TRUE : FALSE;
  if (a.k === 'field') {
    if (b.v === null) {
      const o = a.missingAs !== undefined ? missingOpts(a) : undefined;
      return fpred(a, 'is_null', [], o, a.span);
    }
    if (typeof b.v === 'boolean') return fpred(a, 'eq', [b.v], cmpOpts(a), a.span);
    return opq('identity test of an event value with a constant');
  }
  if (a.k === 'bool') {
    if (b.v === null) return a.match ? neg(a.e) : FALSE;
    if (b.v === true) return a.match ? FALSE : a.e;
    if (b.v === false) return a.match ? FALSE : neg(a.e);
    return FALSE;
  }
  if (a.k === 'seq' || a.k === 'dict' || a.k === 'regex' || a.k === 'func' || a.k === 'module') return FALSE;
  return opq('identity test');
}

/** `a in b`. */
function membership(L: Lowerer, a: AV, b: AV, scope: Scope, n: Node): Expr {
  const span = L.span(scope, n);
  const opq = (reason: string): Expr => opaque(n.text, reason, span);
  if (b.k === 'seq' || b.k === 'dict') {
    const items = b.k === 'seq' ? b.items : b.entries.map((e) => e.key);
    if (a.k === 'const') {
      let r: Expr = FALSE;
      for (const it of items) {
        if (it.k === 'const') {
          if (constEquals(a, it)) return TRUE;
        } else r = or(r, compareNodeValues(L, '==', a, it, scope, n));
      }
      return r;
    }
    if (a.k === 'field') {
      const consts: Value[] = [];
      const rest: AV[] = [];
      for (const it of items) {
        if (it.k === 'const') consts.push(it.v);
        else rest.push(it);
      }
      let r: Expr = FALSE;
      if (a.emptyDefault && consts.includes('')) return opq('membership of a value whose default is an empty container');
      if (consts.length) {
        let vals = consts;
        if (a.fn) vals = consts.filter((v) => typeof v === 'string' && transformed(v, a.fn!) === v);
        if (vals.length === 1 && vals[0] === null) r = fpred(a, 'is_null', [], a.missingAs !== undefined ? missingOpts(a) : undefined, span);
        else if (vals.length) r = fpred(a, 'in', vals, cmpOpts(a), span);
      }
      for (const it of rest) r = or(r, compareNodeValues(L, '==', a, it, scope, n));
      return r;
    }
    if (a.k === 'bool') return opq('membership of a condition in a collection');
    return opq(`membership of a ${a.k} value`);
  }
  if (b.k === 'field') {
    if (a.k === 'const' && typeof a.v === 'string') {
      if (b.fn && transformed(a.v, b.fn) !== a.v) return FALSE;
      return fpred(b, 'contains', [a.v], cmpOpts(b), span);
    }
    if (a.k === 'field') return opq('membership of one event value in another');
    return opq('membership test on an event value');
  }
  if (b.k === 'const' && typeof b.v === 'string') {
    if (a.k === 'const' && typeof a.v === 'string') return b.v.includes(a.v) ? TRUE : FALSE;
    return opq('substring test of an event value in a constant string');
  }
  if (b.k === 'bool' || b.k === 'const') return opq('membership in a non-container');
  if (b.k === 'opaque') return opaqueExpr(b);
  return opq(`membership in a ${b.k} value`);
}
