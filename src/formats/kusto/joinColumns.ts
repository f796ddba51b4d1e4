/**
 * Which columns a pipeline's rows are known to carry, so that a filter after a join can be given to the side its
 * columns come from. KQL names a column only if the rows have it (a query naming a column its rows lack does not
 * compile), so every column a side's pipeline reads (`where`, `extend`, `summarize … by`, `parse`…) or makes
 * (`extend x = …`, `project-rename`) is one of its columns (`State.seen`); the names it makes that its rows did not
 * have before are `State.made`. After a join, a right column whose name the left also has is renamed with the
 * suffix `1` (`Timestamp1`); see `applyJoin` in lowerJoin.ts for how those facts decide each name's side.
 */
import { listItems, nameOf, nodes, type KNode, type ParsedKql } from './parser.ts';
import type { Scope } from './scope.ts';

/** Operators whose names are columns of the rows they run on (and none inside a subquery). */
const ROW_OPERATORS: ReadonlySet<string> = new Set([
  'FilterOperator',
  'ExtendOperator',
  'ProjectOperator',
  'ProjectKeepOperator',
  'ProjectRenameOperator',
  'ProjectReorderOperator',
  'SummarizeOperator',
  'DistinctOperator',
  'ParseOperator',
  'ParseWhereOperator',
  'ParseKvOperator',
  'MvExpandOperator',
  'SortOperator',
  'TopOperator',
]);

/** Nodes whose names are not the rows' columns: subqueries, and named parameters (`hint.strategy=shuffle`). */
const OPAQUE_NODES: ReadonlySet<string> = new Set(['PipeExpression', 'ToScalarExpression', 'MaterializeExpression', 'DataTableExpression', 'NamedParameter', 'UnionOperator', 'ToTableExpression']);

/** The names a node reads as columns (not functions, members, let-bound names, nor names inside subqueries). */
export function columnRefs(n: KNode, scope: Scope, out: Set<string> = new Set()): Set<string> {
  if (OPAQUE_NODES.has(n.kind)) return out;
  if (n.kind === 'NameReference') {
    const nm = nameOf(n);
    if (nm && !scope.get(nm)) out.add(nm);
    return out;
  }
  if (n.kind === 'FunctionCallExpression') {
    for (const c of nodes(n).slice(1)) columnRefs(c, scope, out);
    return out;
  }
  if (n.kind === 'PathExpression' || n.kind === 'ElementExpression') {
    const first = nodes(n)[0];
    if (first) columnRefs(first, scope, out);
    if (n.kind === 'ElementExpression') for (const c of nodes(n).slice(1)) columnRefs(c, scope, out);
    return out;
  }
  for (const c of nodes(n)) columnRefs(c, scope, out);
  return out;
}

/** The names an operator declares (`extend x = …`, `parse … with x:string`), outside subqueries. */
function declared(n: KNode, out: string[] = []): string[] {
  if (OPAQUE_NODES.has(n.kind)) return out;
  if (n.kind === 'NameDeclaration') {
    const nm = nameOf(n);
    if (nm) out.push(nm);
    return out;
  }
  for (const c of nodes(n)) declared(c, out);
  return out;
}

/** What a pipeline knows of its rows' columns. */
export interface NamesState {
  /** Columns the rows are known to have (read or made by the pipeline). */
  readonly seen: Set<string>;
  /** Of those, the names the pipeline made that its rows did not have before. */
  readonly made: Set<string>;
}

/** Record the columns an operator reads and makes. */
export function noteNames(s: NamesState, op: KNode, scope: Scope): void {
  if (!ROW_OPERATORS.has(op.kind)) return;
  if (op.kind === 'ProjectRenameOperator') {
    // project-rename new = old: old is gone, new is made
    for (const it of listItems(op.children.filter((x) => x.kind === 'List').pop())) {
      const [decl, old] = nodes(it);
      const o = old ? nameOf(old) : undefined;
      const d = decl ? nameOf(decl) : undefined;
      if (o) {
        s.seen.delete(o);
        s.made.delete(o);
      }
      if (d) {
        s.seen.add(d);
        s.made.add(d);
      }
    }
    return;
  }
  for (const r of columnRefs(op, scope)) s.seen.add(r);
  for (const d of declared(op)) {
    if (!s.seen.has(d)) s.made.add(d);
    s.seen.add(d);
  }
}

/** `project-away a, b`: the columns are gone. */
export function forgetNames(s: NamesState, names: readonly string[]): void {
  for (const n of names) {
    s.seen.delete(n);
    s.made.delete(n);
  }
}

const QUERY_NAMES = new WeakMap<ParsedKql, Set<string>>();

/** Every name the query text reads anywhere (computed once per query). */
export function queryNames(q: ParsedKql): Set<string> {
  let out = QUERY_NAMES.get(q);
  if (!out) {
    const found = new Set<string>();
    const walk = (n: KNode) => {
      if (n.kind === 'NameReference') {
        const nm = nameOf(n);
        if (nm) found.add(nm);
      }
      for (const c of n.children) walk(c);
    };
    walk(q.root);
    out = found;
    QUERY_NAMES.set(q, out);
  }
  return out;
}
