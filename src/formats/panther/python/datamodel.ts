/**
 * Panther data models (data_models/*.yml + .py): `event.udm("name")` resolved to the native field of the rule's
 * log types. Semantics follow PantherEvent.udm: a single key mapped by Path gives that field (the default when
 * absent); mapped by Method gives the method's result (inlined); an unmapped key reads `p_udm.<key>`, then
 * `<key>` on the event, then the default (`p_udm.k or k or default`). Several log types with different
 * mappings give a value conditional on `p_log_type`.
 */
import { loadYaml } from '../../yaml.ts';
import { pred } from '../../../model/expr.ts';
import type { DataModel, DataModelMapping, LowererApi as Lowerer, Scope } from './scope.ts';
import type { ModuleInfo } from './module.ts';
import type { Node } from './parser.ts';
import { stripForCompare, valueTree, type AV, type Tree } from './values.ts';



/** Read a data-model spec; returns a reason string when it cannot be used. */
export function parseDataModelSpec(file: string, text: string): DataModel | string {
  const loaded = loadYaml(file, text);
  if (!loaded.ok) return loaded.diagnostic.message;
  const doc = loaded.yaml.value;
  if (!doc || typeof doc !== 'object') return 'not a mapping';
  const d = doc as Record<string, unknown>;
  if (d.AnalysisType !== 'datamodel') return 'not a datamodel';
  const logTypes = Array.isArray(d.LogTypes) ? d.LogTypes.filter((x): x is string => typeof x === 'string') : [];
  const mappings = new Map<string, DataModelMapping>();
  for (const m of Array.isArray(d.Mappings) ? d.Mappings : []) {
    if (!m || typeof m !== 'object') continue;
    const r = m as Record<string, unknown>;
    if (typeof r.Name !== 'string') continue;
    if (typeof r.Method === 'string') mappings.set(r.Name, { name: r.Name, method: r.Method });
    else if (typeof r.Path === 'string') {
      const path = plainJsonPath(r.Path);
      mappings.set(r.Name, path ? { name: r.Name, path, rawPath: r.Path } : { name: r.Name, rawPath: r.Path });
    }
  }
  if (!logTypes.length) return 'no LogTypes';
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
  return {
    file,
    id: typeof d.DataModelID === 'string' ? d.DataModelID : file,
    logTypes,
    mappings,
    ...(typeof d.Filename === 'string' ? { pyFile: dir + d.Filename } : {}),
  };
}

/** `$.a.b` / `a.b` → [a, b]; JSONPath with filters, wildcards or brackets → undefined. */
export function plainJsonPath(p: string): string[] | undefined {
  let s = p.trim();
  if (s.startsWith('$.')) s = s.slice(2);
  else if (s === '$') return [];
  const parts = s.split('.');
  for (const part of parts) {
    if (!part || [...part].some((c) => '[]*?()@$\'" '.includes(c))) return undefined;
  }
  return parts;
}

function mappedValue(L: Lowerer, dm: DataModel, key: string, dflt: AV | undefined, n: Node, scope: Scope): AV | undefined {
  const m = dm.mappings.get(key);
  if (!m) return undefined;
  const span = L.span(scope, n);
  if (m.method) {
    if (!dm.module) return L.op(scope, n, `data model ${dm.id} maps ${key} to method ${m.method}, but its Python file is missing`);
    L.deps.add(dm.file);
    const fn = dm.module.bindings.get(m.method);
    if (fn?.kind !== 'func') {
      const v = dm.module.bindings.has(m.method) ? L.moduleValue(dm.module, m.method, n) : undefined;
      if (v?.k !== 'func') return L.op(scope, n, `data model method ${m.method} not found in ${dm.module.parsed.file}`);
      return L.inline(v.fn, { pos: [L.field([], span)], kw: new Map() }, n, scope);
    }
    return L.inline({ module: dm.module, name: m.method, node: fn.node }, { pos: [L.field([], span)], kw: new Map() }, n, scope);
  }
  L.deps.add(dm.file);
  if (!m.path) return L.op(scope, n, `data model ${dm.id} maps ${key} to the JSONPath ${m.rawPath}, which is not a plain field path`);
  return L.field(m.path, span, dflt);
}

/** `event.udm(*keys, default=...)` for the rule's log types. */
export function udmValue(L: Lowerer, keys: readonly string[], dflt: AV | undefined, n: Node, scope: Scope): AV {
  const logTypes = L.opts.logTypes;
  const span = L.span(scope, n);
  const unmapped = (): AV => {
    const args: AV[] = [L.field(['p_udm', ...keys], span), L.field([...keys], span)];
    if (dflt && !(dflt.k === 'const' && dflt.v === null)) args.push(dflt);
    return { k: 'logic', op: 'or', args };
  };
  const per: { logType: string; v: AV }[] = [];
  for (const lt of logTypes) {
    const dm = L.repo.dataModels.find((d) => d.logTypes.includes(lt));
    let v: AV | undefined;
    if (dm && keys.length === 1) v = mappedValue(L, dm, keys[0]!, dflt, n, scope);
    per.push({ logType: lt, v: v ?? unmapped() });
  }
  if (per.length === 0) return unmapped();
  const same = per.every((p) => JSON.stringify(stripForCompare(p.v)) === JSON.stringify(stripForCompare(per[0]!.v)));
  if (same) return per[0]!.v;
  // the event's p_log_type is one of the rule's LogTypes: the last one needs no test
  let tree: Tree = valueTree(per[per.length - 1]!.v);
  for (let i = per.length - 2; i >= 0; i--) {
    const p = per[i]!;
    tree = { t: 'if', c: pred('p_log_type', 'eq', [p.logType], { typing: 'strict', cs: true }, span), then: valueTree(p.v), else: tree };
  }
  return { k: 'cond', tree };
}

export type { DataModel, DataModelMapping };
