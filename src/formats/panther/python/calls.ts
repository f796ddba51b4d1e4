/**
 * Calls: methods of event values (`event.get`, `deep_get`, `udm`, `.lower()`, `.startswith()`), builtins
 * (`any`, `all`, `bool`, `len`…), the modelled standard library (`re`, `fnmatch`, `ipaddress`), intrinsic
 * global helpers (`deep_get`), and inlining of helper functions of the rule file and of global_helpers.
 */
import { FALSE, or, pred, type Expr, type TransformArg, type TransformStep } from '../../../model/expr.ts';
import type { Span } from '../../../model/span.ts';
import { udmValue } from './datamodel.ts';
import { INTRINSIC_HELPERS, PY_LIMITS, RE_FLAG_BITS } from './facts.ts';
import type { Args, LowererApi as Lowerer, Scope } from './scope.ts';
import { field, namedKids, type Node } from './parser.ts';
import { deriveStep, isinstanceCall } from './derived.ts';
import { NONE, anyAll, isNone, missingOpts, boolAV, cmpOpts, constAV, defaultApplies, fieldRef, fpred, leaf, logicAsCond, truthy, valueTree, type AV, type FuncRef } from './values.ts';


type FieldAV = Extract<AV, { k: 'field' }>;

export function evalArgs(L: Lowerer, n: Node | undefined, scope: Scope): Args {
  const pos: AV[] = [];
  const kw = new Map<string, AV>();
  let splat: AV | undefined;
  if (!n) return { pos, kw };
  if (n.type === 'generator_expression') return { pos: [L.eval(n, scope)], kw };
  for (const a of namedKids(n)) {
    if (a.type === 'keyword_argument') kw.set(field(a, 'name')!.text, L.eval(field(a, 'value')!, scope));
    else if (a.type === 'list_splat') {
      const v = L.eval(namedKids(a)[0]!, scope);
      const it = L.iterate(v);
      if (it) pos.push(...it);
      else splat = v.k === 'opaque' ? L.wrap(scope, a, v) : L.op(scope, a, '*args from a run-time value');
    } else if (a.type === 'dictionary_splat') {
      const v = L.eval(namedKids(a)[0]!, scope);
      if (v.k === 'dict' && v.entries.every((e) => e.key.k === 'const' && typeof e.key.v === 'string')) {
        for (const e of v.entries) kw.set(String((e.key as { v: string }).v), e.value);
      } else splat = v.k === 'opaque' ? L.wrap(scope, a, v) : L.op(scope, a, '**kwargs from a run-time value');
    } else pos.push(L.eval(a, scope));
  }
  return splat ? { pos, kw, splat } : { pos, kw };
}

export function callNode(L: Lowerer, n: Node, scope: Scope): AV {
  const fnNode = field(n, 'function')!;
  const args = evalArgs(L, field(n, 'arguments'), scope);
  if (args.splat) return L.wrap(scope, n, args.splat);
  const callee = L.eval(fnNode, scope);
  return callValue(L, callee, args, n, scope);
}

export function callValue(L: Lowerer, callee: AV, args: Args, n: Node, scope: Scope): AV {
  switch (callee.k) {
    case 'func': {
      const intr = INTRINSIC_HELPERS[callee.fn.module.name];
      if (intr?.includes(callee.fn.name)) return intrinsic(L, callee.fn, args, n, scope);
      return L.inline(callee.fn, args, n, scope);
    }
    case 'extern':
      return externCall(L, callee.module, callee.name, args, n, scope);
    case 'method':
      return callMethod(L, callee.self, callee.name, args, n, scope);
    case 'opaque':
      return L.wrap(scope, n, callee);
    case 'module':
      return L.op(scope, n, `calling module ${callee.name}`);
    default:
      return L.op(scope, n, `calling a ${callee.k} value`);
  }
}

/** Methods: on event values, constants, compiled patterns, conditional values. */
export function callMethod(L: Lowerer, self: AV, name: string, args: Args, n: Node, scope: Scope): AV {
  switch (self.k) {
    case 'field':
      return fieldMethod(L, self, name, args, n, scope);
    case 'const':
      return constMethod(L, self, name, args, n, scope);
    case 'dict':
      if (name === 'get') {
        const key = args.pos[0];
        if (!key) return L.op(scope, n, 'dict.get() without a key');
        return L.dictGet(self, key, args.pos[1] ?? args.kw.get('default'), scope, n, false);
      }
      if (name === 'keys') return { k: 'seq', t: 'list', items: self.entries.map((e) => e.key) };
      if (name === 'values') return { k: 'seq', t: 'list', items: self.entries.map((e) => e.value) };
      if (name === 'items') return { k: 'seq', t: 'list', items: self.entries.map((e) => ({ k: 'seq', t: 'tuple', items: [e.key, e.value] }) as AV) };
      if (name === 'copy') return self;
      return L.op(scope, n, `dict.${name}() is not modelled`);
    case 'seq':
      if (name === 'copy') return self;
      return L.op(scope, n, `${self.t}.${name}() is not modelled`);
    case 'regex':
      if (name === 'search' || name === 'match' || name === 'fullmatch') return regexCall(L, self.pattern, self.flags, name, args.pos[0], n, scope);
      return L.op(scope, n, `pattern.${name}() is not modelled`);
    case 'cond':
      // a None branch would raise AttributeError: that path does not reach this point
      return L.mapValue(self.tree, (v) => (isNone(v) ? undefined : callMethod(L, v, name, args, n, scope)));
    case 'logic':
      return callMethod(L, logicAsCond(self), name, args, n, scope);
    case 'opaque':
      return L.wrap(scope, n, self);
    case 'bool':
      if (name === 'group' && self.match) return matchGroup(L, self, args, n, scope);
      return L.op(scope, n, `method ${name}() of a condition value`);
    case 'ipconst':
      return L.op(scope, n, `method ${name}() of an address object`);
    case 'module':
    case 'extern':
    case 'method':
    case 'func':
      return L.op(scope, n, `method ${name}() of a ${self.k} value`);
  }
}

function keysOf(L: Lowerer, args: Args, scope: Scope, n: Node): string[] | AV {
  const out: string[] = [];
  for (const k of args.pos) {
    if (k.k === 'const' && (typeof k.v === 'string' || (typeof k.v === 'number' && Number.isInteger(k.v) && k.v >= 0))) out.push(String(k.v));
    else return k.k === 'opaque' ? L.wrap(scope, n, k) : L.op(scope, n, 'key computed at run time');
  }
  return out;
}

/**
 * The value a missing field takes (`default=`): scalars; an empty list/dict default is represented by "" (the same
 * truthiness, equality with strings and `"x" in` result), flagged so that the operators where they differ
 * (ordering, membership of "") stay opaque.
 */
function defaultOf(d: AV | undefined): AV | undefined | false {
  if (!d) return undefined;
  if (d.k === 'const') return d;
  if ((d.k === 'seq' && d.items.length === 0) || (d.k === 'dict' && d.entries.length === 0)) return EMPTY_CONTAINER;
  return false;
}
const EMPTY_CONTAINER: AV = { k: 'const', v: '' };

/**
 * `deep_get(…, default=v)` / `.get(k, v)` where v is computed at run time (another field, an f-string of one): a
 * conditional value, v where the field is missing (for `deep_get`, or None, which it returns its default for) and the
 * field's own value elsewhere. Opaque for `deep_walk` and for a default that is not such a value.
 */
function runtimeDefault(L: Lowerer, path: readonly string[], name: string, walk: boolean, dflt: AV, span: Span | undefined, scope: Scope, n: Node): AV {
  if (dflt.k === 'opaque') return L.wrap(scope, n, dflt);
  if (name === 'deep_walk' || walk || (dflt.k !== 'field' && dflt.k !== 'cond' && dflt.k !== 'logic')) return L.op(scope, n, 'default value computed at run time');
  const own = L.field(path, span);
  if (own.k !== 'field') return own;
  return { k: 'cond', tree: { t: 'if', c: defaultApplies(own, name !== 'get', span), then: valueTree(dflt), else: leaf(own) } };
}

/** A value that is a string on every event: `str()` of a field, or text joined to it (an f-string of one value). */
function isStringValued(f: FieldAV): boolean {
  const last = f.derived?.steps[f.derived.steps.length - 1];
  return last !== undefined && (last.fn === 'str' || last.fn === 'strcat') && f.derived!.onError !== 'null';
}

function fieldMethod(L: Lowerer, f: FieldAV, name: string, args: Args, n: Node, scope: Scope): AV {
  const span = L.span(scope, n);
  switch (name) {
    case 'get':
    case 'deep_get':
    case 'deep_walk': {
      if (f.derived) return derivedGet(L, f, name, args, n, scope);
      if (f.fn) return L.op(scope, n, `${name}() on a string`);
      const dflt = name === 'get' ? (args.pos[1] ?? args.kw.get('default')) : args.kw.get('default');
      const keys = keysOf(L, { pos: name === 'get' ? args.pos.slice(0, 1) : args.pos, kw: args.kw }, scope, n);
      if (!Array.isArray(keys)) return keys;
      if (keys.length === 0) return L.op(scope, n, `${name}() without a key`);
      if (name === 'deep_walk' && args.kw.has('return_val')) return L.op(scope, n, 'deep_walk(return_val=...) selects among list items');
      const d = defaultOf(dflt);
      if (d === false) return runtimeDefault(L, [...f.path, ...keys], name, f.walk === true, dflt!, span, scope, n);
      let out = L.field([...f.path, ...keys], span, d, name !== 'get');
      if (d === EMPTY_CONTAINER && out.k === 'field') out = { ...out, emptyDefault: true, ...(dflt?.k === 'dict' ? { dictDefault: true } : {}) };
      return out.k === 'field' && (name === 'deep_walk' || f.walk) ? { ...out, walk: true } : out;
    }
    case 'udm': {
      if (f.path.length) return L.op(scope, n, 'udm() on a nested value');
      const keys = keysOf(L, { pos: args.pos, kw: args.kw }, scope, n);
      if (!Array.isArray(keys)) return keys;
      if (keys.length === 0) return L.op(scope, n, 'udm() without a name');
      return udmValue(L, keys, args.kw.get('default'), n, scope);
    }
    case 'lower':
    case 'casefold':
    case 'upper':
      if (args.pos.length) return L.op(scope, n, `${name}() with arguments`);
      if (f.derived) return deriveStep(L, f, { fn: name === 'upper' ? 'upper' : 'lower' }, scope, n);
      return { ...f, fn: name === 'upper' ? 'upper' : 'lower' };
    case 'strip': {
      const chars = args.pos[0];
      if (args.pos.length > 1 || (chars && !(chars.k === 'const' && (typeof chars.v === 'string' || chars.v === null)))) return L.op(scope, n, 'strip() with run-time characters');
      return deriveStep(L, f, chars && chars.k === 'const' && typeof chars.v === 'string' ? { fn: 'trim', args: [chars.v] } : { fn: 'trim' }, scope, n);
    }
    case 'split':
    case 'rsplit': {
      const sep = args.pos[0] ?? args.kw.get('sep');
      const max = args.pos[1] ?? args.kw.get('maxsplit');
      if (sep && !(sep.k === 'const' && (typeof sep.v === 'string' || sep.v === null))) return L.op(scope, n, `${name}() with a run-time separator`);
      if (max && !(max.k === 'const' && typeof max.v === 'number' && Number.isInteger(max.v))) return L.op(scope, n, `${name}() with a run-time maxsplit`);
      const sepV = sep && sep.k === 'const' ? sep.v : null;
      const maxV = max && max.k === 'const' && typeof max.v === 'number' && max.v >= 0 ? max.v : undefined;
      if (maxV !== undefined && sepV === null) return L.op(scope, n, `${name}() on whitespace with maxsplit`);
      if (name === 'rsplit' && maxV === undefined) return deriveStep(L, f, { fn: 'split', args: [sepV] }, scope, n);
      return deriveStep(L, f, { fn: 'split', args: maxV === undefined ? [sepV] : name === 'rsplit' ? [sepV, maxV, 'right'] : [sepV, maxV] }, scope, n);
    }
    case 'startswith':
    case 'endswith': {
      const a = args.pos[0];
      if (!a || args.pos.length > 1) return L.op(scope, n, `${name}() with start/end positions`);
      const pats = a.k === 'seq' ? a.items : [a];
      const op = name === 'startswith' ? 'starts_with' : 'ends_with';
      const parts: Expr[] = [];
      for (const p of pats) {
        // another event value as the argument: one that is never None (`f"/{x}"`: a string), since None raises there
        if (p.k === 'field' && !f.fn && !p.fn && !p.walk && !p.emptyDefault && isStringValued(p)) {
          parts.push(fpred(f, op, [fieldRef(p)], cmpOpts(f), span));
          continue;
        }
        if (p.k !== 'const' || typeof p.v !== 'string') return p.k === 'opaque' ? L.wrap(scope, n, p) : L.op(scope, n, `${name}() with a run-time argument`);
        if (f.fn && (f.fn === 'lower' ? p.v.toLowerCase() : p.v.toUpperCase()) !== p.v) continue; // can never match
        parts.push(fpred(f, op, [p.v], cmpOpts(f), span));
      }
      return boolAV(parts.length ? or(...parts) : FALSE);
    }
    case 'lookup':
      return L.op(scope, n, 'reads a Panther lookup table (event.lookup)');
    default:
      return L.op(scope, n, `method .${name}() of an event value is not modelled`);
  }
}

/** `.get(k, d)` / `deep_get(x, *keys, default=d)` on a derived value: one `get` step per key. */
function derivedGet(L: Lowerer, f: FieldAV, name: string, args: Args, n: Node, scope: Scope): AV {
  if (name === 'deep_walk') return L.op(scope, n, 'deep_walk() of a computed value');
  const keys = keysOf(L, { pos: name === 'get' ? args.pos.slice(0, 1) : args.pos, kw: args.kw }, scope, n);
  if (!Array.isArray(keys)) return keys;
  if (keys.length === 0) return L.op(scope, n, `${name}() without a key`);
  const dflt = name === 'get' ? (args.pos[1] ?? args.kw.get('default')) : args.kw.get('default');
  let d: TransformArg | undefined;
  if (dflt?.k === 'const') d = dflt.v ?? undefined;
  else if (dflt?.k === 'seq' && dflt.items.length === 0) d = [];
  else if (dflt?.k === 'dict' && dflt.entries.length === 0) d = { empty: 'object' };
  else if (dflt) return L.op(scope, n, 'default value of a computed value that is not a scalar or empty');
  let cur: AV = f;
  keys.forEach((k, i) => {
    if (cur.k !== 'field') return;
    const last = i === keys.length - 1;
    const step: TransformStep = { fn: 'get', args: last && d !== undefined ? [k, d] : [k] };
    cur = deriveStep(L, cur, step, scope, n);
  });
  return cur;
}

function constMethod(L: Lowerer, self: Extract<AV, { k: 'const' }>, name: string, args: Args, n: Node, scope: Scope): AV {
  const s = self.v;
  if (typeof s !== 'string') return L.op(scope, n, `method ${name}() of a constant`);
  const a0 = args.pos[0];
  switch (name) {
    case 'lower':
    case 'casefold':
      return constAV(s.toLowerCase());
    case 'upper':
      return constAV(s.toUpperCase());
    case 'strip':
      if (args.pos.length === 0) return constAV(s.trim());
      break;
    case 'startswith':
    case 'endswith': {
      const pats = a0?.k === 'seq' ? a0.items : a0 ? [a0] : [];
      if (pats.length && pats.every((p) => p.k === 'const' && typeof p.v === 'string')) {
        const hit = pats.some((p) => (name === 'startswith' ? s.startsWith(String((p as { v: string }).v)) : s.endsWith(String((p as { v: string }).v))));
        return constAV(hit);
      }
      if (pats.length === 1 && pats[0]!.k === 'field') return L.op(scope, n, `${name}() with an event value as the pattern`);
      break;
    }
    case 'split':
      if (a0?.k === 'const' && typeof a0.v === 'string' && a0.v && args.pos.length === 1) return { k: 'seq', t: 'list', items: s.split(a0.v).map((x) => constAV(x)) };
      break;
    case 'format':
      break;
    default:
      break;
  }
  const opq = args.pos.find((x) => x.k === 'opaque');
  return opq ? L.wrap(scope, n, opq) : L.op(scope, n, `str.${name}() with run-time arguments`);
}

/** `re.search(p, s)` and compiled `P.search(s)`. */
export function regexCall(L: Lowerer, pattern: string, flags: number, fn: string, subject: AV | undefined, n: Node, scope: Scope): AV {
  if (!subject) return L.op(scope, n, 're call without a subject');
  if (subject.k === 'opaque') return L.wrap(scope, n, subject);
  if (flags & RE_FLAG_BITS.verbose) return L.op(scope, n, 'verbose regular expression (re.X)');
  if (subject.k === 'cond') return L.mapValue(subject.tree, (v) => regexCall(L, pattern, flags, fn, v, n, scope));
  if (subject.k === 'logic') return regexCall(L, pattern, flags, fn, logicAsCond(subject), n, scope);
  if (subject.k !== 'field') return L.op(scope, n, `regular expression applied to a ${subject.k} value`);
  let ci = (flags & RE_FLAG_BITS.ignorecase) !== 0;
  if (subject.fn) {
    // searching a lowercased string with a pattern without upper-case letters = case-insensitive search
    if (subject.fn !== 'lower' || pattern !== pattern.toLowerCase()) return L.op(scope, n, 'regular expression on a case-transformed value');
    ci = true;
  }
  let fl = '';
  if (flags & RE_FLAG_BITS.multiline) fl += 'm';
  if (flags & RE_FLAG_BITS.dotall) fl += 's';
  const opts: Record<string, unknown> = { cs: !ci };
  if (fl) opts.flags = fl;
  if (fn === 'match') opts.anchor = 'start';
  if (fn === 'fullmatch') opts.anchor = 'full';
  Object.assign(opts, missingOpts(subject));
  // the match's groups: the anchoring written into the pattern, the case into the flags (a lower-cased subject
  // stays lower-cased: its groups are of the lower-cased text)
  const anchored = fn === 'match' ? `^(?:${pattern})` : fn === 'fullmatch' ? `^(?:${pattern})$` : pattern;
  const groupFlags = ((flags & RE_FLAG_BITS.ignorecase) !== 0 ? 'i' : '') + fl;
  return { k: 'bool', e: fpred(subject, 'regex', [pattern], opts, L.span(scope, n)), match: true, groups: { of: subject, pattern: anchored, flags: groupFlags } };
}

/**
 * `m.group()`, `m.group(n)`, `m.group("name")` of a match object of a pattern on an event value: the `extract` of
 * that group (Python semantics: no match raises AttributeError, so the value fails; a group that did not take part
 * is None). Several groups at once (a tuple) are not modelled.
 */
function matchGroup(L: Lowerer, m: Extract<AV, { k: 'bool' }>, args: Args, n: Node, scope: Scope): AV {
  if (!m.groups || args.pos.length > 1 || args.kw.size) return L.op(scope, n, 'method group() of a condition value');
  const g = args.pos[0] ?? constAV(0);
  if (g.k !== 'const' || !((typeof g.v === 'number' && Number.isInteger(g.v) && g.v >= 0) || typeof g.v === 'string')) return L.op(scope, n, 'match group computed at run time');
  const { of, pattern, flags } = m.groups;
  return deriveStep(L, of, { fn: 'extract', args: flags ? [pattern, g.v, flags] : [pattern, g.v] }, scope, n);
}

function flagsOf(v: AV | undefined): number | undefined {
  if (!v) return 0;
  return v.k === 'const' && typeof v.v === 'number' ? v.v : undefined;
}

function patternOf(v: AV | undefined): { pattern: string; flags: number } | undefined {
  if (v?.k === 'const' && typeof v.v === 'string') return { pattern: v.v, flags: 0 };
  if (v?.k === 'regex') return { pattern: v.pattern, flags: v.flags };
  return undefined;
}

/** fnmatch-style glob as a model wildcard (`*`, `?`); character classes and backslashes are not expressible. */
function globPred(L: Lowerer, subject: AV | undefined, pat: AV | undefined, n: Node, scope: Scope): Expr {
  if (subject?.k === 'opaque') return truthy(L.wrap(scope, n, subject));
  if (pat?.k !== 'const' || typeof pat.v !== 'string') return truthy(L.op(scope, n, 'glob pattern computed at run time'));
  if (pat.v.includes('[') || pat.v.includes('\\')) return truthy(L.op(scope, n, 'glob with a character class or backslash'));
  if (subject?.k !== 'field' || subject.fn) return truthy(L.op(scope, n, 'glob applied to a computed value'));
  return fpred(subject, 'wildcard', [pat.v], { cs: true, ...missingOpts(subject) }, L.span(scope, n));
}

function externCall(L: Lowerer, module: string, name: string, args: Args, n: Node, scope: Scope): AV {
  const [a0, a1] = args.pos;
  if (module === 'builtins') return builtin(L, name, args, n, scope);
  if (module === 're') {
    if (name === 'compile') {
      const p = patternOf(a0);
      const fl = flagsOf(a1 ?? args.kw.get('flags'));
      if (p && fl !== undefined) return { k: 'regex', pattern: p.pattern, flags: p.flags | fl };
      return L.op(scope, n, 'pattern computed at run time');
    }
    if (name === 'search' || name === 'match' || name === 'fullmatch') {
      const p = patternOf(a0);
      const fl = flagsOf(args.pos[2] ?? args.kw.get('flags'));
      if (!p || fl === undefined) return a0?.k === 'opaque' ? L.wrap(scope, n, a0) : L.op(scope, n, 'pattern computed at run time');
      return regexCall(L, p.pattern, p.flags | fl, name, a1 ?? args.kw.get('string'), n, scope);
    }
    return L.op(scope, n, `re.${name}() is not modelled`);
  }
  if (module === 'fnmatch' && (name === 'fnmatch' || name === 'fnmatchcase')) return boolAV(globPred(L, a0, a1, n, scope));
  if (module === 'ipaddress' && (name === 'ip_address' || name === 'ip_network') && args.pos.length === 1 && !args.kw.size && a0) return addressObject(L, name, a0, n, scope);
  if (module === 'json' && name === 'loads' && args.pos.length === 1) {
    if (a0?.k === 'const' && typeof a0.v === 'string') return L.op(scope, n, 'json.loads() of a constant text');
    return derivedCall(L, 'json', a0, n, scope, 'json.loads()') ?? L.op(scope, n, L.externReason(module, name));
  }
  return L.op(scope, n, L.externReason(module, name));
}

/**
 * `ipaddress.ip_address(x)` / `ip_network(x)`: an address object whose `is_private` / `is_global` are read
 * (`ipProperty`): of an event value, the `ipaddress` step; of a constant, the constant; of a conditional value (`x
 * or "0.0.0.0/32"`), each of its values.
 */
function addressObject(L: Lowerer, ctor: 'ip_address' | 'ip_network', x: AV, n: Node, scope: Scope): AV {
  switch (x.k) {
    case 'field':
      return deriveStep(L, x, { fn: 'ipaddress', args: [ctor] }, scope, n);
    case 'const':
      return { k: 'ipconst', constructor: ctor, v: x.v };
    case 'cond':
      return L.mapValue(x.tree, (v) => addressObject(L, ctor, v, n, scope));
    case 'logic':
      return addressObject(L, ctor, logicAsCond(x), n, scope);
    case 'opaque':
      return L.wrap(scope, n, x);
    default:
      return L.op(scope, n, `ipaddress.${ctor}() of a ${x.k} value`);
  }
}

/** A one-argument conversion of a value: a transform step on an event value, mapped over conditional values. */
function derivedCall(L: Lowerer, fn: 'json' | 'str' | 'int' | 'float' | 'len', a0: AV | undefined, n: Node, scope: Scope, what: string): AV | undefined {
  if (!a0) return L.op(scope, n, `${what} without an argument`);
  if (a0.k === 'opaque') return L.wrap(scope, n, a0);
  if (a0.k === 'field') return deriveStep(L, a0, { fn }, scope, n);
  if (a0.k === 'cond') {
    let failed: AV | undefined;
    const v = L.mapValue(a0.tree, (x) => {
      const r = derivedCall(L, fn, x, n, scope, what) ?? L.op(scope, n, `${what} of a ${x.k} value`);
      if (r.k === 'opaque') failed ??= r;
      return r;
    });
    return failed ?? v;
  }
  return undefined;
}

function builtin(L: Lowerer, name: string, args: Args, n: Node, scope: Scope): AV {
  const a0 = args.pos[0];
  const opq = (why: string) => (a0?.k === 'opaque' ? L.wrap(scope, n, a0) : L.op(scope, n, why));
  switch (name) {
    case 'any':
    case 'all': {
      const items = a0 ? L.iterate(a0) : undefined;
      if (!items) return a0 ? L.iterationOpaque(a0, n, scope, n) : opq(`${name}() without an argument`);
      return boolAV(anyAll(name, items));
    }
    case 'bool':
      return boolAV(a0 ? truthy(a0) : FALSE);
    case 'len': {
      if (a0?.k === 'seq') return constAV(a0.items.length);
      if (a0?.k === 'dict') return constAV(a0.entries.length);
      if (a0?.k === 'const' && typeof a0.v === 'string') return constAV([...a0.v].length);
      return (args.pos.length === 1 ? derivedCall(L, 'len', a0, n, scope, 'len()') : undefined) ?? opq('len() of an event value');
    }
    case 'set':
    case 'frozenset':
    case 'list':
    case 'tuple':
    case 'sorted': {
      if (!a0) return { k: 'seq', t: name === 'frozenset' ? 'set' : name === 'sorted' ? 'list' : name, items: [] };
      const items = L.iterate(a0);
      if (!items) return opq(`${name}() of a run-time value`);
      const t = name === 'frozenset' || name === 'set' ? 'set' : name === 'tuple' ? 'tuple' : 'list';
      return L.evalSeqFrom(t, items);
    }
    case 'str':
      if (a0?.k === 'const') return constAV(a0.v === null ? 'None' : a0.v === true ? 'True' : a0.v === false ? 'False' : String(a0.v));
      return (args.pos.length === 1 ? derivedCall(L, 'str', a0, n, scope, 'str()') : undefined) ?? opq('str() of a run-time value');
    case 'int':
    case 'float':
      if (a0?.k === 'const' && (typeof a0.v === 'number' || typeof a0.v === 'string') && !Number.isNaN(Number(a0.v))) return constAV(name === 'int' ? Math.trunc(Number(a0.v)) : Number(a0.v));
      return (args.pos.length === 1 ? derivedCall(L, name, a0, n, scope, `${name}()`) : undefined) ?? opq(`${name}() of an event value`);
    case 'dict': {
      if (args.pos.length === 0) return { k: 'dict', entries: [...args.kw].map(([k, v]) => ({ key: constAV(k), value: v, text: k })) };
      return opq('dict() of a run-time value');
    }
    case 'isinstance':
      return isinstanceCall(L, a0, args.pos[1], scope, n);
    case 'print':
      return NONE;
    default:
      return opq(`builtin ${name}() on run-time values is not modelled`);
  }
}

/** `deep_get(obj, *keys, default=)`: on a non-mapping (None, a string…) it returns the default. */
function deepGet(L: Lowerer, name: string, obj: AV, args: Args, n: Node, scope: Scope): AV {
  switch (obj.k) {
    case 'field':
      return fieldMethod(L, obj, name, args, n, scope);
    case 'opaque':
      return L.wrap(scope, n, obj);
    case 'cond':
      return L.mapValue(obj.tree, (v) => deepGet(L, name, v, args, n, scope));
    case 'logic':
      return deepGet(L, name, logicAsCond(obj), args, n, scope);
    case 'const':
    case 'seq':
      return args.kw.get('default') ?? NONE;
    case 'dict': {
      let cur: AV = obj;
      for (const k of args.pos) {
        if (cur.k !== 'dict') return args.kw.get('default') ?? NONE;
        cur = L.dictGet(cur, k, NONE, scope, n, false);
      }
      return isNone(cur) ? (args.kw.get('default') ?? NONE) : cur;
    }
    default:
      return L.op(scope, n, `${name}() on a ${obj.k} value`);
  }
}

/** Global helpers with a fixed meaning (INTRINSIC_HELPERS). */
function intrinsic(L: Lowerer, fn: FuncRef, args: Args, n: Node, scope: Scope): AV {
  L.deps.add(fn.module.parsed.file);
  const [a0, ...rest] = args.pos;
  switch (fn.name) {
    case 'deep_get':
    case 'deep_walk': {
      if (!a0) return L.op(scope, n, `${fn.name}() without an object`);
      return deepGet(L, fn.name, a0, { pos: rest, kw: args.kw }, n, scope);
    }
    case 'pattern_match':
      return boolAV(globPred(L, a0, args.pos[1] ?? args.kw.get('pattern'), n, scope));
    case 'pattern_match_list': {
      const pats = args.pos[1] ?? args.kw.get('patterns');
      const items = pats ? L.iterate(pats) : undefined;
      if (!items) return L.op(scope, n, 'pattern list computed at run time');
      if (items.length > PY_LIMITS.maxUnroll) return L.op(scope, n, `pattern list of ${items.length} items`);
      return boolAV(or(...items.map((p) => globPred(L, a0, p, n, scope))));
    }
    case 'is_ip_in_network': {
      const nets = args.pos[1] ?? args.kw.get('networks');
      const items = nets ? L.iterate(nets) : undefined;
      if (!items || !items.every((x) => x.k === 'const' && typeof x.v === 'string')) return L.op(scope, n, 'network list computed at run time');
      if (a0?.k !== 'field' || a0.fn) return a0?.k === 'opaque' ? L.wrap(scope, n, a0) : L.op(scope, n, 'IP address computed at run time');
      return boolAV(fpred(a0, 'cidr', items.map((x) => (x as { v: string }).v), undefined, L.span(scope, n)));
    }
    default:
      return L.op(scope, n, `helper ${fn.name} is not modelled`);
  }
}

export type { Args };
