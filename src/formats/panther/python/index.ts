/**
 * Python lowering for Panther rules (tree-sitter): rule()/policy() bodies become the model's condition, with
 * helpers of the file and of global_helpers inlined, data-model `udm()` resolved, and what cannot be expressed
 * kept as opaque nodes with the reason. See values.ts (abstract values), exec.ts (statements), calls.ts,
 * compare.ts, datamodel.ts.
 */
import { and, containsOpaque, FALSE, TRUE, type Expr, type TransformStep } from '../../../model/expr.ts';
import { GeneralDiagnostics, type Diagnostic } from '../../../model/diagnostics.ts';
import type { DerivedKey, DetailValue, KeyCase, MissingPart, OutputField, Stage } from '../../../model/rule.ts';
import type { LowerPythonInput, PythonLowering, PythonRepoContext } from './api.ts';
import { PythonDiagnostics } from './diagnostics.ts';
import { bindParams, lowerFunctionTree } from './exec.ts';
import { ENTRY_FUNCTIONS, OUTPUT_FUNCTIONS } from './facts.ts';
import { Lowerer } from './interp.ts';
import { loadModule, type ModuleInfo } from './module.ts';
import { outputFieldsOf } from './outputs.ts';
import { field, spanOf } from './parser.ts';
import { EMPTY_REPO, loadRepoState } from './repo.ts';
import { fieldName, logicAsCond, missingOpts, neg, treeExpr, truthy, type AV, type FuncRef, type Tree } from './values.ts';

export type { LowerPythonInput, PythonLowering, PythonRepoContext } from './api.ts';

/** Parse global_helpers and data_models once per repository. `files` is every file of the repo, relative. */
export async function preparePythonRepo(root: string, files: readonly string[]): Promise<PythonRepoContext> {
  try {
    const state = await loadRepoState(root, files);
    return { files: state.files, diagnostics: state.diagnostics, internal: state };
  } catch (e) {
    return { files: [], diagnostics: [PythonDiagnostics.grammar(root, e instanceof Error ? e.message : String(e))] };
  }
}

const PARSER_NAME = 'Python via tree-sitter';

/**
 * Lower one rule's Python body into the model. Never throws on bad input. The rule's syntax tree lives in
 * tree-sitter's WebAssembly memory, which JavaScript's collector does not free: it is deleted once the rule is
 * lowered (kept, a long build or fuzz run fills that memory and every later parse aborts).
 */
export async function lowerPythonRule(input: LowerPythonInput, ctx: PythonRepoContext): Promise<PythonLowering> {
  let mod: ModuleInfo | undefined;
  try {
    mod = await loadModule(input.file, input.file, input.text);
    return await lowerUnsafe(input, ctx, mod);
  } catch (e) {
    const d: Diagnostic = GeneralDiagnostics.crash(input.file, e);
    return { missing: [{ kind: 'code', text: input.file, reason: `internal error in the Python lowering: ${d.message}` }], stages: [], outputFields: [], titleFields: [], dedupFields: [], dedupKey: { kind: 'none' }, diagnostics: [d], dependsOn: [] };
  } finally {
    mod?.parsed.root.tree.delete();
  }
}

async function lowerUnsafe(input: LowerPythonInput, ctx: PythonRepoContext, mod: ModuleInfo): Promise<PythonLowering> {
  const repo = ctx.internal ?? EMPTY_REPO;
  const diagnostics: Diagnostic[] = [...mod.parsed.diagnostics];
  const L = new Lowerer(repo, { logTypes: input.logTypes, mocked: new Set(input.mockedNames ?? []) });
  const missing: MissingPart[] = [];
  const stages: Stage[] = [];
  const entry = ENTRY_FUNCTIONS[input.analysisType] ?? 'rule';
  const fnOf = (name: string): FuncRef | undefined => {
    const b = mod.bindings.get(name);
    return b?.kind === 'func' ? { module: mod, name, node: b.node } : undefined;
  };

  let condition: Expr | undefined;
  const entryFn = fnOf(entry);
  if (!entryFn) {
    diagnostics.push(PythonDiagnostics.noEntryPoint(input.file, `${entry}(${entry === 'policy' ? 'resource' : 'event'})`));
    missing.push({ kind: 'code', text: input.file, reason: `no ${entry}() function` });
  } else {
    const tree = runEntry(L, entryFn);
    condition = tree ? (treeExpr(tree, truthy) ?? FALSE) : undefined;
    if (entryFn.node.hasError) missing.push({ kind: 'code', text: `${entry}()`, reason: 'syntax error inside the function; the lowering may be incomplete', span: spanOf(input.file, entryFn.node) });
    const inlined = [...L.inlined].map(([name, file]) => ({ name, file }));
    stages.push({
      kind: 'condition',
      label: `${entry}()`,
      text: entryFn.node.text,
      span: spanOf(input.file, entryFn.node),
      ...(condition ? { expr: condition } : {}),
      detail: { inlined, ...(entry === 'policy' ? { returns: 'True when the resource is compliant; the policy alerts when it returns False' } : {}) },
    });
    for (const h of inlined) {
      if (h.file !== input.file) continue;
      const f = fnOf(h.name);
      if (f) stages.push({ kind: 'function', label: `${h.name}()`, text: f.node.text, span: spanOf(input.file, f.node), detail: { inlinedInto: `${entry}()` } });
    }
  }

  let outputFields: OutputField[] = [];
  let titleFields: string[] = [];
  let dedupFields: string[] = [];
  let dedupKey: PythonLowering['dedupKey'] = { kind: 'none' };
  for (const name of OUTPUT_FUNCTIONS) {
    const fn = fnOf(name);
    if (!fn) continue;
    L.reads = new Set();
    const tree = runEntry(L, fn);
    const reads = [...L.reads];
    L.reads = undefined;
    const detail: Record<string, DetailValue> = { fields: reads };
    if (name === 'alert_context' && tree) {
      outputFields = outputFieldsOf(tree);
      detail.outputs = outputFields.map((o) => o.name);
    }
    if (name === 'title') titleFields = reads;
    if (name === 'dedup') dedupFields = reads;
    // the dedup string: dedup() when defined, else title() (OUTPUT_FUNCTIONS lists title first)
    if (name === 'title' || name === 'dedup') {
      const fields = keyFields(tree?.t === 'leaf' ? tree.v : undefined);
      const by = `${name}()` as const;
      const keys = fields || !tree ? undefined : derivedKeys(tree.t === 'leaf' ? tree.v : { k: 'cond', tree }, by);
      dedupKey = fields ? { kind: 'fields', fields } : keys ? { kind: 'derived', by, keys } : { kind: 'computed', by };
    }
    stages.push({ kind: 'output', label: `${name}()`, text: fn.node.text, span: spanOf(input.file, fn.node), detail });
  }

  const dependsOn = [...L.deps].filter((d) => d !== input.file).sort();
  return { ...(condition ? { condition } : {}), missing, stages, outputFields, titleFields, dedupFields, dedupKey, diagnostics, dependsOn };
}

/** Run an entry function with its first parameter bound to the event. */
/**
 * The event fields a dedup string is made of, when it is one field as it is (or `str()` of it), or an f-string
 * whose every interpolation is such a field: the strings are equal when the fields are (short of a value holding
 * the text between two interpolations); none for a constant string. Undefined for anything else.
 */
function keyFields(v: AV | undefined): string[] | undefined {
  const plain = (x: AV): string | undefined =>
    x.k === 'field' && !x.fn && (!x.derived || x.derived.steps.every(keepsEquality)) && x.path.length > 0 && !x.path.includes('') ? fieldName(x) : undefined;
  if (!v) return undefined;
  if (v.k === 'const') return []; // one string for every event: one group
  const one = plain(v);
  if (one) return [one];
  if (v.k !== 'opaque' || !v.parts?.length) return undefined;
  const fields = v.parts.map(plain);
  return fields.every((f) => f !== undefined) ? [...new Set(fields as string[])] : undefined;
}

/**
 * A step after which two values are equal when they were before (as dedup strings): `str()`, and constant texts
 * around the value (an f-string of one value: `strcat` without field references).
 */
function keepsEquality(s: TransformStep): boolean {
  return s.fn === 'str' || (s.fn === 'strcat' && (s.args ?? []).every((a: unknown) => Array.isArray(a) && a.every((x) => x === null || typeof x !== 'object')));
}

/**
 * The dedup string as keys the model computes, when `keyFields` cannot read it as fields: each interpolated part of
 * an f-string (or the one value) is a key (constant parts split nothing), computed from one field (its default, a
 * case fold or a transform chain) or chosen by conditions (`a or b or "unknown"`, a data model's `udm()` per log
 * type, an if in the function: `cases`). Equal strings come from equal keys, short of a value holding the text
 * between two parts or a non-string whose `str()` equals a string. Undefined when a part is anything else.
 */
function derivedKeys(v: AV, by: 'dedup()' | 'title()'): DerivedKey[] | undefined {
  const parts = v.k === 'opaque' && v.parts?.length ? v.parts : v.k === 'opaque' ? undefined : [v];
  if (!parts) return undefined;
  const keys: Omit<DerivedKey, 'name'>[] = [];
  for (const part of parts) {
    if (part.k === 'const') continue;
    const k = keyValue(part, 0);
    if (!k || k.field === undefined) return undefined;
    const { value: _v, ...rest } = k;
    keys.push({ ...rest, field: k.field });
  }
  if (!keys.length) return undefined;
  return keys.map((k, i) => ({ ...k, name: keys.length > 1 ? `${by}[${i + 1}]` : by }));
}

/** Most branches a conditional dedup key keeps (nested conditions multiply). */
const MAX_KEY_BRANCHES = 64;

/** One part of a dedup string as a key: a field computed as `DerivedKey` says, a constant, or conditional cases. */
function keyValue(v: AV, depth: number): Omit<KeyCase, 'when'> & { cases?: readonly KeyCase[] } | undefined {
  switch (v.k) {
    case 'const':
      return { value: v.v };
    case 'field': {
      if (!v.path.length || v.path.includes('') || (v.fn && v.derived)) return undefined;
      // trailing steps that keep equality (`str()`, an f-string's constant texts) split no group: left out of the key,
      // but not in a branch of a conditional key, whose values are compared with the other branches' (only a `str()`
      // alone is left out there)
      const steps = v.derived?.steps ?? [];
      let end = steps.length;
      if (depth === 0) while (end > 0 && keepsEquality(steps[end - 1]!)) end--;
      else if (steps.every((x) => x.fn === 'str')) end = 0;
      const derived = v.fn ? { steps: [{ fn: v.fn }], lang: 'python' as const } : v.derived && end > 0 ? { ...v.derived, steps: steps.slice(0, end) } : undefined;
      return { field: fieldName(v), ...(derived ? { derived } : {}), ...missingOpts(v) };
    }
    case 'logic':
      return depth > 8 ? undefined : keyValue(logicAsCond(v), depth + 1);
    case 'cond': {
      const cases: KeyCase[] = [];
      const walk = (t: Tree, when: Expr[]): boolean => {
        if (t.t === 'none') return true;
        if (t.t === 'if') return !containsOpaque(t.c) && walk(t.then, [...when, t.c]) && walk(t.else, [...when, neg(t.c)]);
        const k = depth > 8 ? undefined : keyValue(t.v, depth + 1);
        if (!k) return false;
        const w = and(...when);
        for (const c of k.cases ?? [{ ...k, when: TRUE }]) {
          const { cases: _c, ...value } = c as KeyCase & { cases?: unknown };
          cases.push({ ...value, when: and(w, c.when) });
        }
        return cases.length <= MAX_KEY_BRANCHES;
      };
      if (!walk(v.tree, [])) return undefined;
      const field = cases.find((c) => c.field !== undefined)?.field;
      return field === undefined ? { value: null } : { field, cases };
    }
    default:
      return undefined;
  }
}

function runEntry(L: Lowerer, fn: FuncRef) {
  const params = field(fn.node, 'parameters');
  const first = params?.namedChildren.find((p) => p !== null && p.type !== 'comment');
  const args = first ? { pos: [L.field([], undefined)], kw: new Map() } : { pos: [], kw: new Map() };
  const bound = bindParams(L, fn, args);
  if ('why' in bound) return undefined;
  return lowerFunctionTree(L, fn, bound.vars);
}

export type { ModuleInfo };
