/**
 * Derived event values (issue 19): what Python computes from an event field (`json.loads(x)["a"]`, `str(x)`,
 * `int(x)`, `len(x)`, `x.split(":")[1]`, `x.strip()`, `isinstance(x, dict)`) as a field value with a transform chain
 * (`Derived`, `src/model/transformFacts.ts`), so that comparisons on it become predicates on a derived operand; an
 * f-string of one such value is `str` and `strcat` of its texts.
 * A step that Python would raise on is unknown (`onError: 'unknown'`), or null inside a `try` whose handlers catch
 * only lookup and parse errors (`Lowerer.nullOnError`).
 */
import { and, not, or, type Expr, type TransformArg, type TransformStep } from '../../../model/expr.ts';
import type { LowererApi as Lowerer, Scope } from './scope.ts';
import { contentText, type Node } from './parser.ts';
import { boolAV, cmpOpts, constAV, defaultApplies, fpred, isNone, treeLeaves, type AV, type Scalar } from './values.ts';
import { IP_PROPERTIES, pyIpProperty } from '../../../model/pyIpaddress.ts';

type FieldAV = Extract<AV, { k: 'field' }>;

/** Steps that give the same result on "" as on the empty list / dict a `default=[]` / `{}` stands for. */
const SAME_ON_EMPTY = new Set(['len', 'json', 'int', 'float']);

/** The field's value with one more transform step; opaque when the field's representation cannot carry it. */
export function deriveStep(L: Lowerer, f: FieldAV, step: TransformStep, scope: Scope, n: Node): AV {
  if (f.walk) return L.op(scope, n, `${step.fn}() of a deep_walk value (a list or one item)`);
  if (f.emptyDefault && !SAME_ON_EMPTY.has(step.fn)) return L.op(scope, n, `${step.fn}() of a value whose default is an empty container`);
  const prior: TransformStep[] = f.derived ? [...f.derived.steps] : f.fn ? [{ fn: f.fn }] : [];
  const onError = f.derived?.onError === 'null' || L.nullOnError > 0 ? 'null' : 'unknown';
  const { fn: _fn, emptyDefault: _e, dictDefault: _d, ...rest } = f;
  return { ...rest, derived: { steps: [...prior, step], lang: 'python', onError } };
}

/**
 * A property of an address object (`ip_network(x).is_global`): the `ipaddress` step takes the property; undefined
 * when `f` is no address object. Properties other than `is_private` and `is_global` are opaque.
 */
export function ipProperty(L: Lowerer, obj: AV, name: string, scope: Scope, n: Node): AV | undefined {
  const notModelled = () => L.op(scope, n, `the address property ${name} is not modelled (is_private and is_global are)`);
  if (obj.k === 'ipconst') {
    if (!IP_PROPERTIES.has(name)) return notModelled();
    const r = pyIpProperty(obj.v, obj.constructor, name);
    if (r === 'fail') return L.op(scope, n, `ipaddress.${obj.constructor}(${JSON.stringify(obj.v)}) raises ValueError`);
    return r === 'unknown' ? L.op(scope, n, `ipaddress.${obj.constructor}(${JSON.stringify(obj.v)}).${name}: IPv6, or a value Python releases read differently`) : constAV(r.ok);
  }
  if (obj.k === 'cond') {
    // a conditional value of address objects (`ip_network(x or "0.0.0.0/32")`): the property of each
    const all = treeLeaves(obj.tree).every((v) => isNone(v) || isAddressObject(v));
    return all ? L.mapValue(obj.tree, (v) => (isNone(v) ? undefined : ipProperty(L, v, name, scope, n))) : undefined;
  }
  if (obj.k !== 'field' || !isAddressObject(obj)) return undefined;
  if (!IP_PROPERTIES.has(name)) return notModelled();
  const steps = obj.derived!.steps;
  return { ...obj, derived: { ...obj.derived!, steps: [...steps.slice(0, -1), { fn: 'ipaddress', args: [steps[steps.length - 1]!.args![0]!, name] }] } };
}

/** An address object: of a constant, or an event value whose last step is `ipaddress` without a property. */
function isAddressObject(v: AV): boolean {
  if (v.k === 'ipconst') return true;
  const last = v.k === 'field' ? v.derived?.steps[v.derived.steps.length - 1] : undefined;
  return last?.fn === 'ipaddress' && last.args?.length === 1;
}

/** `obj[key]` on an event value that is already derived (a plain field's subscript extends its path). */
export function deriveIndex(L: Lowerer, f: FieldAV, key: AV, scope: Scope, n: Node): AV {
  if (key.k !== 'const' || (typeof key.v !== 'string' && (typeof key.v !== 'number' || !Number.isInteger(key.v)))) return L.op(scope, n, 'index computed at run time');
  return deriveStep(L, f, { fn: 'item', args: [key.v] }, scope, n);
}

/** `obj[a:b]` on an event value. */
export function deriveSlice(L: Lowerer, f: FieldAV, sliceNode: Node, scope: Scope, n: Node): AV {
  const parts: (number | null)[] = [];
  // tree-sitter: slice children are the start / stop / step expressions around `:`
  let cur: number | null = null;
  let colons = 0;
  for (let i = 0; i < sliceNode.childCount; i++) {
    const c = sliceNode.child(i);
    if (!c) continue;
    if (c.type === ':') {
      parts.push(cur);
      cur = null;
      colons++;
      continue;
    }
    const v = L.eval(c, scope);
    if (v.k !== 'const' || typeof v.v !== 'number' || !Number.isInteger(v.v)) return L.op(scope, n, 'slice bounds computed at run time');
    cur = v.v;
  }
  parts.push(cur);
  if (colons !== 1) return L.op(scope, n, 'slice with a step');
  const args: TransformArg[] = [parts[0] ?? null, parts[1] ?? null];
  return deriveStep(L, f, { fn: 'slice', args }, scope, n);
}

/** Python type names a class (or a tuple of classes) in `isinstance` stands for, as `type` transform values. */
export function isinstanceNames(cls: AV): string[] | undefined {
  const one = (c: AV): string[] | undefined => {
    if (c.k !== 'extern') return undefined;
    const name = c.name.split('.').pop()!;
    switch (name) {
      case 'str':
        return ['str'];
      case 'int':
        return ['int', 'bool']; // bool is a subclass of int
      case 'float':
        return ['float'];
      case 'bool':
        return ['bool'];
      case 'list':
      case 'Sequence':
      case 'MutableSequence':
        return name === 'list' ? ['list'] : ['list', 'str'];
      case 'dict':
      case 'Mapping':
      case 'MutableMapping':
        return ['dict'];
      case 'tuple':
      case 'set':
      case 'frozenset':
      case 'bytes':
      case 'bytearray':
        return []; // JSON event values are never tuples, sets or bytes
      default:
        return undefined;
    }
  };
  if (cls.k === 'seq') {
    const out: string[] = [];
    for (const c of cls.items) {
      const x = one(c);
      if (!x) return undefined;
      out.push(...x);
    }
    return [...new Set(out)];
  }
  return one(cls);
}

/** The Python type name of a constant value (for `isinstance` on a constant). */
function constTypeName(v: AV): string | undefined {
  switch (v.k) {
    case 'const':
      return v.v === null ? 'NoneType' : typeof v.v === 'string' ? 'str' : typeof v.v === 'boolean' ? 'bool' : Number.isInteger(v.v) ? 'int' : 'float';
    case 'seq':
      return v.t;
    case 'dict':
      return 'dict';
    default:
      return undefined;
  }
}

/** `isinstance(x, T)`: a type test of an event value, or a constant answer for a constant. */
export function isinstanceCall(L: Lowerer, x: AV | undefined, cls: AV | undefined, scope: Scope, n: Node): AV {
  if (!x || !cls) return L.op(scope, n, 'isinstance() without two arguments');
  if (x.k === 'opaque') return L.wrap(scope, n, x);
  const names = isinstanceNames(cls);
  if (!names) return cls.k === 'opaque' ? L.wrap(scope, n, cls) : L.op(scope, n, `type test (isinstance) against ${cls.k === 'extern' ? cls.name : 'a run-time class'}`);
  if (x.k === 'cond') return L.mapValue(x.tree, (v) => isinstanceCall(L, v, cls, scope, n));
  const t = constTypeName(x);
  if (t !== undefined) return boolAV({ kind: 'const', value: names.includes(t) });
  if (x.k === 'bool') return boolAV({ kind: 'const', value: names.includes('bool') });
  if (x.k !== 'field') return L.op(scope, n, `type test (isinstance) of a ${x.k} value`);
  if (x.emptyDefault && !x.derived && !x.fn && !x.walk) {
    // a read with `default={}` / `[]`: the default's type where it applies, the value's own type elsewhere
    const own = L.field(x.path, x.span);
    if (own.k !== 'field') return own;
    const applies = defaultApplies(own, x.nullAsMissing === true, x.span);
    const ownTest = isinstanceCall(L, own, cls, scope, n);
    if (ownTest.k !== 'bool') return ownTest;
    const dflt: Expr = { kind: 'const', value: names.includes(x.dictDefault ? 'dict' : 'list') };
    return boolAV(or(and(applies, dflt), and(not(applies), ownTest.e)));
  }
  const typed = deriveStep(L, x, { fn: 'type' }, scope, n);
  if (typed.k !== 'field') return typed;
  if (names.length === 0) return boolAV({ kind: 'const', value: false });
  // type() never fails: the test holds or not
  const t2 = { ...typed, derived: { ...typed.derived!, onError: 'null' as const } };
  const e: Expr = fpred(t2, names.length === 1 ? 'eq' : 'in', names, cmpOpts(t2), L.span(scope, n));
  return boolAV(or(e));
}

/** Python's `str()` of a constant, as an f-string writes it; undefined where it is not exact here (a float). */
function pyStr(v: Scalar): string | undefined {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isSafeInteger(v) ? String(v) : undefined;
  return v;
}

/**
 * `f"before{x}after"` with one interpolation and neither a conversion (`!r`) nor a format spec: `str(x)` between
 * two constant texts, where x is an event value (a derived value: `str`, then `strcat` of the texts) or a conditional
 * value of such values and constants (per branch). Undefined for anything else: the caller keeps the f-string opaque.
 */
export function fstringOfOne(L: Lowerer, n: Node, value: AV, prefix: string, scope: Scope): AV | undefined {
  let before = '';
  let after = '';
  let seen = false;
  for (const c of n.children) {
    if (!c) continue;
    switch (c.type) {
      case 'string_start':
      case 'string_end':
        break;
      case 'string_content':
        if (seen) after += contentText(c, prefix);
        else before += contentText(c, prefix);
        break;
      case 'interpolation':
        if (seen || c.namedChildren.some((k) => k?.type === 'type_conversion' || k?.type === 'format_specifier')) return undefined;
        seen = true;
        break;
      default:
        return undefined;
    }
  }
  const leaves = value.k === 'cond' ? treeLeaves(value.tree) : [value];
  // a deep_walk value (a list or one item) or an empty-container default is not `str()`-ed here: left as it was
  if (!leaves.every((v) => (v.k === 'field' && !v.walk && !v.emptyDefault) || (v.k === 'const' && pyStr(v.v) !== undefined))) return undefined;
  const one = (v: AV): AV => {
    if (v.k === 'const') return constAV(before + pyStr(v.v)! + after);
    if (v.k !== 'field') return L.op(scope, n, 'f-string built from run-time values');
    const str = deriveStep(L, v, { fn: 'str' }, scope, n);
    if (str.k !== 'field' || (!before && !after)) return str;
    return deriveStep(L, str, { fn: 'strcat', args: [before ? [before] : [], after ? [after] : []] }, scope, n);
  };
  return value.k === 'cond' ? L.mapValue(value.tree, one) : one(value);
}
