/**
 * Lowering of a whole KQL query: let statements, the main tabular statement's pipeline (with let-bound tables,
 * functions and union branches expanded), into stages, the row-level condition, the aggregation and its
 * thresholds, the output fields and what the condition leaves out.
 *
 * Row-level (the condition): the `where` filters applied to the source's events before any operator after which
 * rows stop being those events — summarize/distinct/count (aggregation), join/lookup, evaluate (other than
 * bag_unpack), invoke, make-series, mv-apply, scan… Filters after extend/project/parse/mv-expand/sort stay
 * row-level (computed columns are substituted: renames, conversions and case folds as the field, values computed
 * from a field as derived operands — see derived.ts — and iff / case / coalesce as conditional values, cases.ts;
 * the rest opaque with its reason). After an aggregation, a filter on aggregate columns is a threshold
 * (`count_ > 5`); a filter only on group-by keys is still row-level (it can be applied before the aggregation);
 * anything else stays in its stage and is listed in `missing`. Union branches contribute the OR of their own
 * row-level conditions.
 */
import { and, containsOpaque, mapLeaves, opaque, or, pred, TRUE, type Expr, type Operator, type Value } from '../../model/expr.ts';
import type { Diagnostic } from '../../model/diagnostics.ts';
import { simplifyPresence, type FullLowering } from '../../model/lowering.ts';
import type { Aggregation, DerivedKey, KeyCase, MissingPart, OutputField, Stage, StageDetail, StageKind, ThresholdTest } from '../../model/rule.ts';
import { AGGREGATE_FUNCTIONS, exprParts, foldedKey, thresholdDnf, withThresholds } from '../../model/aggregate.ts';
import { renderExpr } from '../../model/render.ts';
import { KqlDiagnostics } from './diagnostics.ts';
import { CONDITIONAL_AGGREGATES, COUNT_FUNCTIONS, ENRICHMENT_FUNCTIONS, IP_LOOKUP_PLUGINS, QUERY_OPERATOR_FACTS, ROW_KEEPING_AFTER_LIMIT, ROW_WISE_PLUGINS, TIME_COLUMNS } from './kqlFacts.ts';
import { bindingOf, lowerPredicate, operand, spanOf, syntaxConjuncts, type ExprCtx, type TimeFilter } from './lowerExpr.ts';
import { child, firstToken, isBuiltinFunction, listItems, nameOf, nodes, textOf, type KNode, type ParsedKql } from './parser.ts';
import { Scope, type Binding, type Operand } from './scope.ts';
import { addJoinedFilter, applyJoin, applyMembership, finishMulti, noteJoinedColumns, type MultiState } from './lowerJoin.ts';
import { forgetNames, noteNames } from './joinColumns.ts';
import { parseOperatorColumns } from './derived.ts';

/** Deepest let / function / union expansion. */
export const MAX_EXPANSION_DEPTH = 12;

/**
 * The model's `Lowering` of a whole query (the condition is the AND of the row-level filters, undefined when the
 * query has none), with what only KQL knows.
 */
export interface QueryLowering extends FullLowering {
  /** Tables read (sources of the main query, union branches, joined and let-bound queries). */
  readonly tables: readonly string[];
  /** Functions used as sources (ASIM parsers, watchlists, saved functions). */
  readonly functions: readonly string[];
  readonly timeFilters: readonly TimeFilter[];
  /** Tables of the main pipeline's own source (not joined), for alert-feed classification. */
  readonly mainTables: readonly string[];
  /** Let bindings that could not be expanded (cycles, depth). */
  readonly unexpanded: readonly string[];
  /**
   * Row limits at the end of the main query (`top 10 by n`, `take 5`) that leave whether it returns rows unchanged,
   * so they are not missing parts; a result-count trigger counts the kept rows, and then they are (record.ts).
   */
  readonly endLimits: readonly MissingPart[];
}

export interface Env {
  readonly q: ParsedKql;
  readonly file: string;
  readonly toFile: (o: number) => number;
  readonly tables: Set<string>;
  readonly functions: Set<string>;
  readonly timeFilters: TimeFilter[];
  readonly unexpanded: Set<string>;
}

/** Pipeline state while walking operators. */
export interface State {
  phase: 'rows' | 'aggregated' | 'ended';
  /** Why rows stopped being the source's events (for `missing`). */
  endedBy?: string;
  cond: Expr[];
  columns: Map<string, Operand>;
  groupKeys: Set<string>;
  aggregation?: Aggregation;
  extraThresholds: MissingPart[];
  missing: MissingPart[];
  outputs: Map<string, OutputField>;
  stages: Stage[];
  sourceTables: string[];
  /** The columns are known (a project, summarize or distinct named them all). */
  explicit: boolean;
  /** Sides joined so far (join, lookup, `in (subquery)`), when the rows are joined rows. */
  multi?: MultiState;
  /** Columns the rows are known to have, because the pipeline read or made them (see joinColumns.ts). */
  seen: Set<string>;
  /** Of those, the names the pipeline made that the rows did not have before. */
  made: Set<string>;
  /** A column of the source tables was dropped or renamed (project-away, project-keep, project-rename). */
  narrowed: boolean;
  /**
   * A row limit of the main query not yet known to be harmless: it becomes a missing part when an operator that
   * drops or counts rows follows it (see ROW_KEEPING_AFTER_LIMIT), and stays out of `missing` at the query's end.
   */
  pendingLimit?: MissingPart;
  /**
   * The union the rows come from, while a filter on a column its branches give differently (`Dns` computed in one
   * branch, the field in another) can still be applied to each branch with the branch's own column: each branch's
   * condition and columns, the place of the union's condition in `cond`, and the columns that differ (the operands
   * `unionColumns` gave them: a column defined again since then is no longer the union's).
   */
  union?: { readonly branches: { cond: Expr; readonly columns: ReadonlyMap<string, Operand> }[]; readonly at: number; readonly differing: ReadonlyMap<string, Operand> };
  /**
   * After `summarize arg_max(t, *) by k` (one row kept per group, `Aggregation.keep`): the filters on the kept rows
   * so far, each with the missing part it was reported as. The main query's lowering makes them the kept row's
   * filter when nothing but filters and operators that keep rows (`ROW_KEEPING_AFTER_LIMIT`) followed the
   * aggregation, or a further aggregation of the kept rows with no filter after it (`keptRowsRegrouped`: its rows
   * exist exactly when some kept row passed); any other operator ends this (undefined), and the filters stay
   * missing parts.
   */
  keptRowFilters?: { readonly expr: Expr; readonly part: MissingPart }[];
  keptRowsRegrouped?: boolean;
}

export const newState = (): State => ({
  phase: 'rows',
  cond: [],
  columns: new Map(),
  groupKeys: new Set(),
  extraThresholds: [],
  missing: [],
  outputs: new Map(),
  stages: [],
  sourceTables: [],
  explicit: false,
  seen: new Set(),
  made: new Set(),
  narrowed: false,
});

/** Lower a parsed query. `file` and `toFile` place spans in the rule's file. */
export function lowerQuery(q: ParsedKql, file: string, toFile: (o: number) => number = (o) => o): QueryLowering {
  const env: Env = { q, file, toFile, tables: new Set(), functions: new Set(), timeFilters: [], unexpanded: new Set() };
  const lists = q.root.children.filter((c) => c.kind === 'List');
  const statements = lists.length ? nodes(lists[lists.length - 1]!) : [];
  let scope = Scope.empty;
  const letStages: Stage[] = [];
  let main: KNode | undefined;
  for (const st of statements) {
    if (st.kind === 'LetStatement') {
      const name = nameOf(child(st, 'NameDeclaration')) ?? '';
      const rhs = nodes(st).filter((c) => c.kind !== 'NameDeclaration')[0];
      if (!rhs) continue;
      const b = bindingOf(ctxFor(env, scope, new Map()), rhs);
      scope = scope.with(name, b);
      letStages.push(letStage(env, st, name, b, scope));
    } else if (st.kind === 'ExpressionStatement') {
      if (main) letStages.push(stage(env, 'statement', 'statement', main, { note: 'an earlier tabular statement; its rows are not the rule result' }));
      main = nodes(st)[0];
    } else {
      letStages.push(stage(env, 'statement', firstToken(st) ?? st.kind, st));
    }
  }
  const s = newState();
  if (main) runPipeline(env, s, main, scope, 0, undefined);
  // the presence checks a null-aware negation adds, where another part of the condition implies them
  let condition = s.cond.length ? simplifyPresence(and(...s.cond)) : main && s.sourceTables.length ? TRUE : undefined;
  let aggregation = s.aggregation;
  let missing = [...s.missing, ...s.extraThresholds];
  // filters on the row each group keeps (`arg_max(TimeGenerated, *) by k | where …`): the kept row's filter
  if (s.keptRowFilters?.length && aggregation?.keep && !s.multi) {
    const parts = new Set(s.keptRowFilters.map((f) => f.part));
    missing = missing.filter((m) => !parts.has(m));
    aggregation = { ...aggregation, keep: { ...aggregation.keep, where: and(...s.keptRowFilters.map((f) => f.expr)) } };
  }
  // a limit at the end keeps some of the result rows: the query returns rows exactly when it would without it
  const endLimits = s.pendingLimit ? [s.pendingLimit] : [];
  if (s.multi) {
    const m = finishMulti(s, s.multi);
    condition = m.condition;
    aggregation = m.aggregation;
    missing.push(...m.missing);
  }
  return {
    stages: [...letStages, ...s.stages],
    ...(condition ? { condition } : {}),
    missing,
    ...(aggregation ? { aggregation } : {}),
    outputFields: [...s.outputs.values()],
    tables: [...env.tables],
    functions: [...env.functions],
    timeFilters: env.timeFilters,
    mainTables: s.sourceTables,
    unexpanded: [...env.unexpanded],
    endLimits,
    diagnostics: [...env.unexpanded].map((u) => KqlDiagnostics.letCycle(file, u)),
  };
}

export function ctxFor(env: Env, scope: Scope, columns: Map<string, Operand>, onRef?: (o: Operand) => void): ExprCtx {
  return { q: env.q, file: env.file, toFile: env.toFile, scope, columns, onTime: (t) => env.timeFilters.push(t), ...(onRef ? { onRef } : {}) };
}

export function stage(env: Env, kind: StageKind, label: string, n: KNode, detail?: StageDetail, expr?: Expr): Stage {
  return {
    kind,
    label,
    text: textOf(env.q, n),
    span: spanOf(env, n),
    ...(detail && Object.keys(detail).length ? { detail } : {}),
    ...(expr ? { expr } : {}),
  };
}

function letStage(env: Env, st: KNode, name: string, b: ReturnType<typeof bindingOf>, scope: Scope): Stage {
  switch (b.kind) {
    case 'operand': {
      const o = b.operand;
      const value = o.kind === 'value' ? o.value : o.kind === 'values' ? o.values : o.kind === 'span' || o.kind === 'time' ? o.text : undefined;
      return stage(env, 'let', 'let', st, { name, binding: o.kind, ...(value !== undefined ? { value } : {}), ...(o.kind === 'other' ? { reason: o.reason } : {}) });
    }
    case 'datatable':
      return stage(env, 'let', 'let', st, { name, binding: 'datatable', columns: b.columns, rows: b.rows.length });
    case 'function':
      return stage(env, 'let', 'let', st, { name, binding: 'function', params: b.params.map((p) => p.name) });
    case 'table': {
      // lower the bound query on its own to show its filter and collect its tables
      const s = newState();
      runPipeline({ ...env, timeFilters: [] }, s, b.node, scope, 1, name);
      const cond = s.cond.length ? simplifyPresence(and(...s.cond)) : undefined;
      return stage(env, 'let', 'let', st, { name, binding: 'table', tables: s.sourceTables }, cond && cond.kind !== 'const' ? cond : undefined);
    }
    default:
      return stage(env, 'let', 'let', st, { name });
  }
}

/** Functions that name another workspace, cluster, database or service whose tables a query reads. */
const CROSS_RESOURCE_FUNCTIONS: ReadonlySet<string> = new Set(['cluster', 'database', 'workspace', 'app', 'resource', 'arg', 'adx']);

/** `cluster("c").database("d")`, `workspace("w")`, `arg("")`: each call one of those, with constant arguments. */
function crossResource(n: KNode): boolean {
  if (n.kind === 'PathExpression') return nodes(n).every(crossResource);
  if (n.kind !== 'FunctionCallExpression') return false;
  const name = nameOf(nodes(n)[0]);
  return name !== undefined && CROSS_RESOURCE_FUNCTIONS.has(name) && listItems(child(n, 'ExpressionList')).every((a) => a.kind === 'StringLiteralExpression');
}

/** Split a left-nested pipe expression into its source and operators. */
function flatten(n: KNode): { source: KNode; ops: KNode[] } {
  const ops: KNode[] = [];
  let cur = n;
  while (cur.kind === 'PipeExpression') {
    const parts = nodes(cur);
    ops.unshift(parts[parts.length - 1]!);
    cur = parts[0]!;
  }
  return { source: cur, ops };
}

/** Walk a tabular expression: expand its source, then apply each operator to the state. */
export function runPipeline(env: Env, s: State, n: KNode, scope: Scope, depth: number, from: string | undefined): void {
  const { source, ops } = flatten(n);
  runSource(env, s, source, scope, depth, from);
  for (const op of ops) applyOperator(env, s, op, scope, depth, from);
}

function runSource(env: Env, s: State, src: KNode, scope: Scope, depth: number, from: string | undefined): void {
  const fromDetail = from ? { from } : {};
  if (depth > MAX_EXPANSION_DEPTH) {
    env.unexpanded.add(textOf(env.q, src).slice(0, 60));
    s.cond.push(opaque(textOf(env.q, src), 'nested let / function expansion deeper than the limit', spanOf(env, src)));
    return;
  }
  switch (src.kind) {
    case 'ParenthesizedExpression':
    case 'MaterializeExpression': {
      const inner = nodes(src)[0];
      if (inner) runPipeline(env, s, inner, scope, depth, from);
      return;
    }
    case 'NameReference': {
      const name = nameOf(src) ?? textOf(env.q, src);
      const b = scope.get(name);
      if (b?.kind === 'table') {
        if (b.node === src) break; // a bare table name bound to itself
        runPipeline(env, s, b.node, b.scope, depth + 1, name);
        return;
      }
      if (b?.kind === 'datatable') {
        s.stages.push(stage(env, 'source', name, src, { datatable: name, ...fromDetail }));
        return;
      }
      if (b?.kind === 'function') {
        runFunction(env, s, b, [], src, scope, depth, name);
        return;
      }
      if (b?.kind === 'rows') {
        // the body of a function `invoke` runs: its pipeline goes on from the rows piped into it
        if (b.owner === s) return;
        s.stages.push(stage(env, 'source', name, src, fromDetail));
        s.missing.push({ kind: 'source', text: textOf(env.q, src), reason: `${name}: the rows invoke passed to the function, read again inside it (a side of a join or union): not expanded`, span: spanOf(env, src) });
        return;
      }
      break;
    }
    case 'FunctionCallExpression': {
      const fname = nameOf(nodes(src)[0]) ?? '';
      const b = scope.get(fname);
      if (fname === 'table' && !b) {
        // table(name): the table a constant names (a function's parameter bound to a string at the call)
        const args = listItems(child(src, 'ExpressionList'));
        const o = args.length === 1 ? operand(ctxFor(env, scope, new Map()), args[0]!) : undefined;
        if (o?.kind === 'value' && typeof o.value === 'string' && o.value !== '') {
          env.tables.add(o.value);
          s.sourceTables.push(o.value);
          s.stages.push(stage(env, 'source', o.value, src, { table: o.value, ...fromDetail }));
          return;
        }
      }
      if (b?.kind === 'function') {
        runFunction(env, s, b, listItems(child(src, 'ExpressionList')), src, scope, depth, fname);
        return;
      }
      if (b?.kind === 'table') {
        runPipeline(env, s, b.node, b.scope, depth + 1, fname);
        return;
      }
      if (!isBuiltinFunction(fname)) {
        env.functions.add(fname);
        s.stages.push(stage(env, 'source', fname, src, { function: fname, ...fromDetail }));
        if (listItems(child(src, 'ExpressionList')).length > 0) {
          // parameters of a parser function (ASIM `_Im_Dns(response_has_any_prefix=…)`) filter inside it
          s.cond.push(opaque(textOf(env.q, src), `rows filtered inside the function ${fname}() by its arguments; its body is not part of the rule`, spanOf(env, src)));
        } else {
          s.missing.push({ kind: 'source', text: textOf(env.q, src), reason: `source is the function ${fname}() (a parser, watchlist or saved function): the filtering it does is not expanded`, span: spanOf(env, src) });
        }
        return;
      }
      break;
    }
    case 'PathExpression': {
      // a table of another workspace, cluster or service: `workspace("…").SecurityEvent`,
      // `cluster("…").database("…").T`, `arg("").Resources` (Azure Resource Graph): that table's rows
      const parts = nodes(src);
      const table = parts.length === 2 && parts[1]!.kind === 'NameReference' && crossResource(parts[0]!) ? nameOf(parts[1]) : undefined;
      if (table) {
        env.tables.add(table);
        s.sourceTables.push(table);
        s.stages.push(stage(env, 'source', table, src, { table, in: textOf(env.q, parts[0]!), ...fromDetail }));
        return;
      }
      break;
    }
    case 'UnionOperator':
      runUnion(env, s, src, scope, depth, from, true);
      return;
    case 'DataTableExpression':
      s.stages.push(stage(env, 'source', 'datatable', src, fromDetail));
      return;
    case 'ExternalDataExpression':
      // rows read from a URL when the query runs: not events of a log source, and not known beforehand
      s.stages.push(stage(env, 'source', 'externaldata', src, fromDetail));
      s.missing.push({ kind: 'source', text: textOf(env.q, src), reason: 'externaldata: rows of an external file read when the query runs', span: spanOf(env, src) });
      return;
    default:
      break;
  }
  if (src.kind === 'NameReference') {
    const name = nameOf(src) ?? textOf(env.q, src);
    env.tables.add(name);
    s.sourceTables.push(name);
    s.stages.push(stage(env, 'source', name, src, { table: name, ...fromDetail }));
    return;
  }
  if (src.kind.endsWith('Operator')) {
    // search, find, print, range…: an operator without input
    const fact = QUERY_OPERATOR_FACTS[src.kind];
    s.stages.push(stage(env, fact?.stage ?? 'source', firstToken(src) ?? src.kind, src, fromDetail));
    if (src.kind === 'SearchOperator' || src.kind === 'FindOperator') {
      s.cond.push(opaque(textOf(env.q, src), `${firstToken(src)} over tables and columns`, spanOf(env, src)));
    }
    return;
  }
  s.stages.push(stage(env, 'source', src.kind, src, fromDetail));
  s.missing.push({ kind: 'source', text: textOf(env.q, src), reason: 'source expression not understood', span: spanOf(env, src) });
}

/**
 * A let-bound function's body run where it is called: its parameters bound to the call's arguments (read in the
 * caller's scope, `callerScope`) or their defaults, then its let statements and its expression. `input`: the rows
 * `invoke` pipes into it, bound to its first (tabular) parameter; the arguments then fill the parameters after it.
 */
function runFunction(env: Env, s: State, b: Extract<ReturnType<typeof bindingOf>, { kind: 'function' }>, args: KNode[], call: KNode, callerScope: Scope, depth: number, name: string, input?: Binding): void {
  let fscope = b.scope;
  const callerCtx = ctxFor(env, callerScope, new Map());
  const params = input ? b.params.slice(1) : b.params;
  if (input) fscope = fscope.with(b.params[0]!.name, input);
  params.forEach((p, i) => {
    const a = args[i];
    // a default is read where the function is defined
    if (a) fscope = fscope.with(p.name, bindingOf(callerCtx, a));
    else if (p.default) fscope = fscope.with(p.name, bindingOf(ctxFor(env, b.scope, new Map()), p.default));
  });
  const { lets, expr } = functionBody(b.body);
  for (const l of lets) fscope = fscope.with(l.name, bindingOf(ctxFor(env, fscope, new Map()), l.rhs));
  if (!expr) {
    s.missing.push({ kind: 'source', text: textOf(env.q, call), reason: `function ${name} has no body`, span: spanOf(env, call) });
    return;
  }
  runPipeline(env, s, expr, fscope, depth + 1, name);
}

/** A function body's let statements (name and right-hand side, in order) and its final expression. */
function functionBody(body: KNode): { lets: { name: string; rhs: KNode }[]; expr: KNode | undefined } {
  const lets: { name: string; rhs: KNode }[] = [];
  const list = child(body, 'List');
  for (const st of list ? nodes(list) : []) {
    if (st.kind !== 'LetStatement') continue;
    const rhs = nodes(st).filter((c) => c.kind !== 'NameDeclaration')[0];
    if (rhs) lets.push({ name: nameOf(child(st, 'NameDeclaration')) ?? '', rhs });
  }
  return { lets, expr: nodes(body).filter((c) => c.kind !== 'List').pop() };
}

/** `union A, (B | where …)`: each branch lowered alone; the condition is the OR of the branches'. */
function runUnion(env: Env, s: State, u: KNode, scope: Scope, depth: number, from: string | undefined, isSource: boolean): void {
  const lists = u.children.filter((c) => c.kind === 'List');
  const branches = listItems(lists[lists.length - 1]);
  const conds: Expr[] = [];
  const branchTables: string[] = [];
  let ended: string | undefined;
  const states: State[] = [];
  for (const br of branches) {
    const bs = newState();
    states.push(bs);
    if (br.kind === 'NameReference' && child(br, 'WildcardedName')) {
      const name = textOf(env.q, br);
      env.tables.add(name);
      bs.sourceTables.push(name);
    } else runPipeline(env, bs, br, scope, depth + 1, from);
    branchTables.push(...bs.sourceTables);
    s.missing.push(...bs.missing, ...bs.extraThresholds);
    const brText = textOf(env.q, br);
    if (bs.multi) {
      // a joined branch: its rows are pairs of events; the union keeps its sides' row-level conditions, not the pairing
      const m = finishMulti(bs, bs.multi);
      conds.push(m.condition ?? TRUE);
      s.missing.push(...m.missing, { kind: 'correlation', text: brText.slice(0, 400), reason: 'union: a branch is a multi-event rule (join, lookup or in (subquery)); its sides are not kept inside a union', span: spanOf(env, br) });
    } else {
      conds.push(bs.cond.length ? and(...bs.cond) : TRUE);
      if (bs.aggregation?.threshold) {
        const a = bs.aggregation;
        s.missing.push({ kind: 'aggregation', text: a.text ?? brText.slice(0, 400), reason: 'union: a branch alerts on a threshold over its matching events', span: a.span ?? spanOf(env, br) });
      }
    }
    if (bs.phase !== 'rows' || bs.multi) ended = `a union branch (${brText.slice(0, 60)}) is aggregated or joined`;
  }
  const branchCond = or(...conds);
  if (s.multi && !isSource) {
    ended = ended ?? 'a union after a join';
    s.missing.push({ kind: 'correlation', text: textOf(env.q, u), reason: 'union: rows added after a join are not a side of it', span: spanOf(env, u) });
  }
  if (isSource) {
    s.sourceTables.push(...branchTables);
    s.cond.push(branchCond);
    unionColumns(s, states);
    const differing = new Map([...s.columns].filter(([, o]) => o.kind === 'other' && o.reason.endsWith('is not the same in every branch of the union')));
    // a branch that names its columns and lacks one gives it null: such a column is not filtered per branch
    const given = (n: string) => states.every((b) => b.columns.has(n) || !b.explicit || b.outputs.has(n));
    for (const n of [...differing.keys()]) if (!given(n)) differing.delete(n);
    if (differing.size && !ended && !s.multi) s.union = { branches: states.map((b, i) => ({ cond: conds[i]!, columns: b.columns })), at: s.cond.length - 1, differing };
  } else {
    const mine = s.cond.length ? and(...s.cond) : TRUE;
    s.cond = [or(mine, branchCond)];
    s.union = undefined;
  }
  const ex = branchCond.kind === 'const' ? undefined : branchCond;
  s.stages.push(stage(env, isSource ? 'source' : 'union', 'union', u, { tables: branchTables, ...(from ? { from } : {}) }, ex));
  if (ended) endRows(s, ended);
}

/**
 * The columns of a union's rows: every branch's (a branch lacking one gives it null). When every branch names its
 * columns, they are known: a column that is the same in every branch is that, another one a value the union's
 * rows cannot be said to hold (before, such a column was read as the field of its name). When some branch keeps
 * every column of its table, a column another branch computes or renames (`extend Weight = 3`) is still known only
 * if every branch gives it the same way; the others are read as the fields of their names.
 */
function unionColumns(s: State, states: readonly State[]): void {
  for (const b of states) {
    for (const n of b.seen) s.seen.add(n);
    for (const n of b.made) s.made.add(n);
    if (b.narrowed) s.narrowed = true;
  }
  if (!states.length || !states.every((b) => b.phase === 'rows' && !b.multi)) return;
  const explicit = states.every((b) => b.explicit);
  const field = (n: string) => ({ kind: 'field', field: n, text: n }) as const;
  const isField = (o: Operand | undefined, n: string) => o?.kind === 'field' && o.field === n && !o.fold;
  const names = new Set(states.flatMap((b) => [...(explicit ? b.outputs.keys() : []), ...b.columns.keys()]));
  for (const n of names) {
    const ops = states.map((b) => b.columns.get(n) ?? (!b.explicit || b.outputs.has(n) ? field(n) : undefined));
    if (!explicit && ops.every((o) => isField(o, n))) continue;
    const same = ops.every((o) => o && JSON.stringify(o) === JSON.stringify(ops[0]));
    s.columns.set(n, same ? ops[0]! : { kind: 'other', text: n, reason: `column ${n} is not the same in every branch of the union` });
    if (explicit) s.outputs.set(n, { name: n, source: 'union' });
  }
  if (explicit) s.explicit = true;
}

/** Whether an operand is a column the union's branches give differently, as the union gave it. */
function isUnionColumn(s: State, o: Operand): boolean {
  if (o.kind !== 'other' || !s.union) return false;
  for (const [n, u] of s.union.differing) if (u === o && s.columns.get(n) === o) return true;
  return false;
}

/**
 * A filter on a column the union's branches give differently, applied to each branch with its own column (a union
 * then a filter keeps the rows of each branch that pass it): the union's condition becomes the OR of each branch's
 * condition and its filter. Returns the OR of the filters (the stage's expression).
 */
function filterBranches(env: Env, s: State, u: NonNullable<State['union']>, cj: KNode, scope: Scope): Expr {
  const filters = u.branches.map((b) => {
    const columns = new Map(s.columns);
    for (const n of u.differing.keys()) columns.set(n, b.columns.get(n) ?? { kind: 'field', field: n, text: n });
    const f = lowerPredicate(ctxFor(env, scope, columns), cj, true);
    b.cond = and(b.cond, f);
    return f;
  });
  s.cond[u.at] = or(...u.branches.map((b) => b.cond));
  return or(...filters);
}

/**
 * `evaluate ipv4_lookup(T, ip, range[, return_unmatched])`: each row gets T's columns where its address falls in one
 * of T's ranges; unless unmatched rows are returned, a row in none is dropped, which no condition here states (T's
 * ranges are data the rule does not hold).
 */
function ipLookup(env: Env, s: State, op: KNode, call: KNode, plugin: string): void {
  const args = listItems(nodes(child(call, 'ExpressionList') ?? call).find((x) => x.kind === 'List'));
  const named = args.find((a) => a.kind === 'SimpleNamedExpression' && nameOf(nodes(a)[0]) === 'return_unmatched');
  const flag = named ? nodes(named).at(-1) : args.length > 3 && args[3]!.kind !== 'SimpleNamedExpression' ? args[3] : undefined;
  if (flag && textOf(env.q, flag).trim().toLowerCase() === 'true') return;
  const [table, ip] = args.map((a) => textOf(env.q, a).trim());
  s.missing.push({
    kind: 'rows',
    text: textOf(env.q, op),
    reason: `evaluate ${plugin}() keeps only the ${s.phase === 'rows' ? 'rows' : 'aggregated rows'} whose ${ip ?? 'address'} falls in a range of ${table ?? 'its lookup table'} (the table's ranges are data the rule does not hold)`,
    span: spanOf(env, op),
  });
}

export function endRows(s: State, why: string): void {
  if (s.phase === 'rows') s.endedBy = why;
  s.phase = 'ended';
}

function applyOperator(env: Env, s: State, op: KNode, scope: Scope, depth: number, from: string | undefined): void {
  const fact = QUERY_OPERATOR_FACTS[op.kind];
  const label = firstToken(op) ?? op.kind;
  const fromDetail = from ? { from } : {};
  const ctx = (onRef?: (o: Operand) => void) => ctxFor(env, scope, s.columns, onRef);
  if (s.multi) noteJoinedColumns(env, s, s.multi, op, scope);
  noteNames(s, op, scope);
  if (s.keptRowFilters) {
    if (op.kind === 'SummarizeOperator' || op.kind === 'DistinctOperator') s.keptRowsRegrouped = true;
    else if (op.kind === 'FilterOperator' ? s.keptRowsRegrouped : !ROW_KEEPING_AFTER_LIMIT.has(op.kind)) s.keptRowFilters = undefined;
  }
  if (s.pendingLimit && !ROW_KEEPING_AFTER_LIMIT.has(op.kind)) {
    s.missing.push({ ...s.pendingLimit, reason: `${s.pendingLimit.reason}, and ${label} after it sees only those` });
    s.pendingLimit = undefined;
  }
  if (op.kind === 'ProjectAwayOperator') forgetNames(s, listItems(op.children.filter((x) => x.kind === 'List').pop()).map((x) => nameOf(x) ?? ''));
  if (op.kind === 'ProjectAwayOperator' || op.kind === 'ProjectKeepOperator' || op.kind === 'ProjectRenameOperator') s.narrowed = true;
  if (op.kind === 'InvokeOperator') {
    if (applyEnrichment(env, s, op, label, fromDetail)) return;
    if (invokeLetFunction(env, s, op, scope, depth, label, fromDetail)) return;
    // `T | invoke F()` is F(T): the function decides which of the rows it returns (a filter, a sample, an
    // aggregation inside it), which is not stated here
    if (s.phase === 'rows') s.missing.push({ kind: 'rows', text: textOf(env.q, op), reason: `${label} passes the rows to a function, which decides which rows come out: not stated here`, span: spanOf(env, op) });
  }
  switch (op.kind) {
    case 'FilterOperator':
      return applyFilter(env, s, op, ctx, label, fromDetail, scope, depth);
    case 'ExtendOperator': {
      const c = ctx();
      for (const it of listItems(op.children.filter((x) => x.kind === 'List').pop())) {
        if (it.kind !== 'SimpleNamedExpression') continue;
        const name = nameOf(child(it, 'NameDeclaration')) ?? '';
        const e = nodes(it).filter((x) => x.kind !== 'NameDeclaration')[0];
        if (!e) continue;
        s.columns.set(name, computed(operand(c, e), name));
        s.outputs.set(name, { name, source: 'extend', from: textOf(env.q, e) });
      }
      s.stages.push(stage(env, 'extend', label, op, fromDetail));
      return;
    }
    case 'ProjectOperator':
    case 'ProjectKeepOperator':
    case 'ProjectRenameOperator':
    case 'ProjectAwayOperator':
    case 'ProjectReorderOperator':
      applyProject(env, s, op, ctx(), label);
      s.stages.push(stage(env, 'project', label, op, fromDetail));
      return;
    case 'SummarizeOperator':
      applySummarize(env, s, op, ctx(), label, fromDetail);
      return;
    case 'DistinctOperator':
    case 'CountOperator': {
      const keys = op.kind === 'CountOperator' ? [] : listItems(op.children.filter((x) => x.kind === 'List').pop()).map((k) => nameOf(k) ?? textOf(env.q, k));
      const wasRows = s.phase === 'rows';
      const keyOperands = keys.map((k) => [k, s.columns.get(k) ?? { kind: 'field' as const, field: k, text: k }] as const);
      const plain = (o: Operand) => o.kind === 'field' && !o.fold;
      startAggregation(s, op.kind === 'CountOperator' ? 'count' : 'distinct', keyOperands.filter(([, o]) => plain(o)).map(([, o]) => (o as { field: string }).field), textOf(env.q, op), spanOf(env, op));
      const computed = keyOperands.filter(([, o]) => !plain(o));
      const derivedKeys = computed.map(([k, o]) => derivedKey(k, o)).filter((d) => d !== undefined);
      if (wasRows && s.aggregation && computed.length) s.aggregation = { ...s.aggregation, computedKeys: computed.map(([k]) => k), ...(derivedKeys.length ? { derivedKeys } : {}) };
      const cols = new Map<string, Operand>();
      for (const k of keys) {
        const o = s.columns.get(k) ?? { kind: 'field' as const, field: k, text: k };
        cols.set(k, o);
        if (o.kind === 'field') s.groupKeys.add(k);
      }
      if (op.kind === 'CountOperator') cols.set('Count', { kind: 'agg', column: 'Count', fn: 'count', text: 'count', ...(wasRows ? {} : { regrouped: true as const }) });
      s.columns = cols;
      s.outputs = new Map([...cols.keys()].map((k) => [k, { name: k, source: label }]));
      s.explicit = true;
      s.stages.push(stage(env, 'aggregate', label, op, { groupBy: keys, ...fromDetail }));
      return;
    }
    case 'JoinOperator':
    case 'LookupOperator':
      applyJoin(env, s, op, scope, depth, label, fromDetail);
      return;
    case 'UnionOperator':
      runUnion(env, s, op, scope, depth, from, false);
      return;
    case 'ParseOperator':
    case 'ParseWhereOperator': {
      const c = ctx();
      const parsed = parseOperatorColumns(env.q, op, (x) => operand(c, x));
      for (const { name, operand: o } of parsed.columns) {
        s.columns.set(name, o);
        s.outputs.set(name, { name, source: label, from: textOf(env.q, op) });
      }
      let kept: Expr | undefined;
      if (op.kind === 'ParseWhereOperator') {
        // parse-where keeps the rows whose source matches the pattern: a regex condition on it
        const m = parsed.match;
        if (m && s.phase === 'rows' && !s.multi) {
          kept = pred(m.field, 'regex', [m.pattern], { cs: !m.flags.includes('i'), ...(m.flags.replace('i', '') ? { flags: m.flags.replace('i', '') } : {}), ...(m.missingAs !== undefined ? { missingAs: m.missingAs } : {}) }, spanOf(env, op), m.derived);
          s.cond.push(kept);
        } else s.missing.push({ kind: 'rows', text: textOf(env.q, op), reason: 'parse-where drops rows that do not match the pattern', span: spanOf(env, op) });
      }
      s.stages.push(stage(env, 'parse', label, op, fromDetail, kept));
      return;
    }
    case 'ParseKvOperator': {
      for (const d of collect(op, 'NameDeclaration')) {
        const name = nameOf(d) ?? '';
        s.columns.set(name, { kind: 'other', text: name, reason: `column ${name} extracted by ${label}` });
        s.outputs.set(name, { name, source: label, from: textOf(env.q, op) });
      }
      s.stages.push(stage(env, 'parse', label, op, fromDetail));
      return;
    }
    case 'MvExpandOperator': {
      const c = ctx();
      for (const it of collect(op, 'MvExpandExpression')) {
        const e = nodes(it)[0];
        if (e?.kind === 'SimpleNamedExpression') {
          const name = nameOf(child(e, 'NameDeclaration')) ?? '';
          const v = nodes(e).filter((x) => x.kind !== 'NameDeclaration')[0];
          if (v) s.columns.set(name, expanded(computed(operand(c, v), name)));
        } else if (e?.kind === 'NameReference') {
          // mv-expand of a computed column: each element of the computed array
          const name = nameOf(e) ?? '';
          const o = s.columns.get(name);
          if (o?.kind === 'derived') s.columns.set(name, expanded(o));
        }
      }
      s.stages.push(stage(env, 'expand', label, op, fromDetail));
      return;
    }
    case 'MvApplyOperator': {
      const sub = nodes(op).find((x) => x.kind === 'MvApplySubqueryExpression');
      const ops = sub ? collectOperators(sub) : [];
      const any = s.phase === 'rows' && !s.multi ? mvApplyAny(env, s, op, ops, scope) : undefined;
      if (any) {
        // a row goes on when some element passes the subquery's filters: one condition on the source row
        s.cond.push(any);
        s.stages.push(stage(env, 'filter', label, op, fromDetail, any));
        endRows(s, `${label} changes what a row is`);
        return;
      }
      s.stages.push(stage(env, 'expand', label, op, fromDetail));
      // the subquery runs over each row's elements and only the rows it returns go on: a filter, limit or
      // aggregation in it decides which events pass, per element, which no row-level condition here states
      const dropping = ops.find((o) => o.kind === 'FilterOperator' || o.kind === 'ParseWhereOperator' || QUERY_OPERATOR_FACTS[o.kind]?.rows !== 'keep');
      if (dropping && s.phase === 'rows') {
        s.missing.push({ kind: 'rows', text: textOf(env.q, op), reason: `${label} keeps a row only when its subquery (${firstToken(dropping) ?? dropping.kind} …) returns rows for the row's elements: not a row-level filter on the source events`, span: spanOf(env, op) });
      }
      endRows(s, `${label} changes what a row is`);
      return;
    }
    case 'EvaluateOperator': {
      const call = nodes(op).filter((x) => x.kind === 'FunctionCallExpression')[0];
      const plugin = nameOf(call ? nodes(call)[0] : undefined) ?? '';
      s.stages.push(stage(env, 'function', label, op, { plugin, ...fromDetail }));
      if (call && IP_LOOKUP_PLUGINS.has(plugin)) {
        ipLookup(env, s, op, call, plugin);
        return;
      }
      if (!ROW_WISE_PLUGINS.has(plugin)) endRows(s, `evaluate ${plugin}() reshapes the rows`);
      return;
    }
    default: {
      const kind = fact?.stage ?? 'other';
      const count = fact?.rows === 'limit' ? limitCount(op, ctx()) : undefined;
      s.stages.push(stage(env, kind, label, op, count !== undefined ? { ...fromDetail, count } : fromDetail));
      if (!fact || fact.rows === 'end') endRows(s, `${label} changes what a row is`);
      else if (fact.rows === 'limit' && s.phase !== 'ended') {
        const part: MissingPart = { kind: 'rows', text: textOf(env.q, op), reason: `${label} keeps only some of the ${s.phase === 'rows' ? 'matching rows' : 'aggregated rows'}`, span: spanOf(env, op) };
        // in the main query, a limit of N >= 1 rows with nothing after it that drops or counts rows does not change
        // whether the query returns rows: it is shown as a stage, not missing (the hunt reports every matching row)
        if (depth === 0 && count !== undefined && count >= 1) s.pendingLimit ??= part;
        else s.missing.push(part);
      }
      if (op.kind === 'TopOperator' || op.kind === 'SortOperator') return;
    }
  }
}

/**
 * `T | invoke f(a)` of a function the query defines with a tabular first parameter (`let f = (T:(x:string), n:int)
 * { T | where … }`): `f(T, a)`, so the body runs on the rows so far, its operators applied to them as the query's
 * own are. False for any other function (a function of the workspace: its body is not part of the rule).
 */
function invokeLetFunction(env: Env, s: State, op: KNode, scope: Scope, depth: number, label: string, fromDetail: StageDetail): boolean {
  const call = nodes(op).find((x) => x.kind === 'FunctionCallExpression');
  const fn = nameOf(call ? nodes(call)[0] : undefined) ?? '';
  const b = fn ? scope.get(fn) : undefined;
  if (!call || b?.kind !== 'function' || !b.params[0]?.tabular) return false;
  // the body's result must be its input's rows piped on (`T | …`, or through its own lets: `let U = (T | …); U | …`):
  // a body that reads another table returns rows the query's so far do not decide
  const { lets, expr } = functionBody(b.body);
  if (!pipesFrom(expr, b.params[0].name, new Map(lets.map((l) => [l.name, l.rhs])), 0)) return false;
  s.stages.push(stage(env, 'function', label, op, { function: fn, ...fromDetail }));
  runFunction(env, s, b, listItems(child(call, 'ExpressionList')), call, scope, depth, fn, { kind: 'rows', node: call, owner: s });
  return true;
}

/** Whether a tabular expression's rows are `param`'s piped on, through the lets of the function's body (`lets`). */
function pipesFrom(n: KNode | undefined, param: string, lets: ReadonlyMap<string, KNode>, hops: number): boolean {
  if (!n || hops > MAX_EXPANSION_DEPTH) return false;
  const src = flatten(n).source;
  if (src.kind === 'ParenthesizedExpression' || src.kind === 'MaterializeExpression') return pipesFrom(nodes(src)[0], param, lets, hops + 1);
  if (src.kind !== 'NameReference') return false;
  const name = nameOf(src);
  if (name === param) return true;
  const rhs = name !== undefined ? lets.get(name) : undefined;
  return pipesFrom(rhs, param, lets, hops + 1);
}

/**
 * `invoke FileProfile(SHA1, 1000)` on the source's rows: the rows stay the events, with the function's columns
 * added; a filter on those is a part the model does not express (their values come from the service), the others
 * stay row-level filters. False for any other function (its rows are not known).
 */
function applyEnrichment(env: Env, s: State, op: KNode, label: string, fromDetail: StageDetail): boolean {
  const call = nodes(op).find((x) => x.kind === 'FunctionCallExpression');
  const fn = nameOf(call ? nodes(call)[0] : undefined) ?? '';
  const enrichment = Object.hasOwn(ENRICHMENT_FUNCTIONS, fn) ? ENRICHMENT_FUNCTIONS[fn] : undefined;
  if (!enrichment || s.phase !== 'rows' || s.multi) return false;
  s.stages.push(stage(env, 'function', label, op, { function: fn, ...fromDetail }));
  for (const col of enrichment.columns) {
    s.columns.set(col, { kind: 'other', text: col, reason: `a column invoke ${fn}() adds: ${enrichment.what}` });
    s.outputs.set(col, { name: col, source: `invoke ${fn}` });
  }
  return true;
}

/** N of `take N` / `top N by …` / `sample N` when it is a number (literal or let-bound). */
function limitCount(op: KNode, c: ExprCtx): number | undefined {
  const n = nodes(op).find((x) => x.kind !== 'List');
  const o = n ? operand(c, n) : undefined;
  return o?.kind === 'value' && typeof o.value === 'number' ? o.value : undefined;
}

/**
 * How a computed group-by key is computed, when the model states it: a case fold or a transform chain of one field
 * (`tolower(Account)`, `tostring(parse_json(AdditionalFields).Domain)`), or a conditional value (`iff`, `case`,
 * `coalesce`) whose branches are such values or constants under conditions the model states; undefined for anything
 * else (an aggregate, a time bin, a value computed otherwise).
 */
function derivedKey(name: string, o: Operand): DerivedKey | undefined {
  if (o.kind === 'cases') {
    // `iff`, `case`, `coalesce`: each branch a field computed as below, or a constant
    const cases: KeyCase[] = [];
    for (const b of o.branches) {
      if (b.value.kind === 'value') cases.push({ when: b.when, value: b.value.value });
      else {
        const k = b.value.kind === 'field' && !b.value.fold ? { field: b.value.field } : derivedKey(name, b.value);
        if (!k || 'cases' in k || containsOpaque(b.when)) return undefined;
        const { name: _n, ...value } = k as DerivedKey;
        cases.push({ when: b.when, ...value });
      }
    }
    const first = cases.find((c) => c.field !== undefined)?.field;
    return first === undefined ? undefined : { name, field: first, cases };
  }
  if (o.kind === 'field' && o.fold) return foldedKey(name, o.field, o.fold, 'kql');
  if (o.kind === 'derived') return { name, field: o.field, derived: o.derived, ...(o.missingAs !== undefined ? { missingAs: o.missingAs } : {}) };
  return undefined;
}

/** A computed column after mv-expand: a derived array's elements (any element, as mv-expand of a field is). */
function expanded(o: Operand): Operand {
  return o.kind === 'derived' ? { ...o, derived: { ...o.derived, steps: [...o.derived.steps, { fn: 'elements' }] } } : o;
}

/** A computed column's meaning: renames, conversions and case folds stay fields; the rest is named opaque. */
function computed(o: Operand, name: string): Operand {
  if (o.kind === 'other') return { kind: 'other', text: name, reason: `computed column ${name} = ${o.text.length > 80 ? o.text.slice(0, 77) + '...' : o.text} (${o.reason})`, ...(o.shift ? { shift: o.shift } : {}) };
  return o;
}

/**
 * `mv-apply x = <array column> [to typeof(string|dynamic)] on (where … | where …)` (`filters`: the subquery's
 * operators): the subquery runs over the
 * row's elements and keeps those its filters pass, so the row goes on when some element passes them: the model's
 * `each` over the array, `x` the element (`.`, its members `.m`). A missing or empty array gives no row. Anything
 * else in the subquery (extend, summarize, top…), several arrays, or a conversion to another type: undefined.
 */
function mvApplyAny(env: Env, s: State, op: KNode, filters: readonly KNode[], scope: Scope): Expr | undefined {
  const items = collect(op, 'MvApplyExpression');
  // one array, and no parameters (`with_itemindex=`, `limit`) in the operator's other list
  const params = nodes(op).filter((x) => x.kind === 'List' && !x.children.some((c) => c.kind === 'MvApplyExpression'));
  if (items.length !== 1 || params.some((l) => l.children.length > 0)) return undefined;
  const [named, ...rest] = nodes(items[0]!);
  if (named?.kind !== 'SimpleNamedExpression') return undefined;
  const typed = rest.find((x) => x.kind === 'ToTypeOfClause');
  // elements as they are (`dynamic`) or as strings (KQL's comparisons of strings are those of the values here)
  const types = typed ? collect(typed, 'PrimitiveTypeExpression') : [];
  if (rest.some((x) => x.kind !== 'ToTypeOfClause') || (typed && (types.length !== 1 || !['StringKeyword', 'DynamicKeyword'].includes(types[0]!.children[0]?.kind ?? '')))) return undefined;
  const name = nameOf(child(named, 'NameDeclaration'));
  const value = nodes(named).find((x) => x.kind !== 'NameDeclaration');
  const array = value ? operand(ctxFor(env, scope, s.columns), value) : undefined;
  if (!name || array?.kind !== 'field' || array.fold || array.field.startsWith('.')) return undefined;
  if (!filters.length || filters.some((f) => f.kind !== 'FilterOperator')) return undefined;
  const columns = new Map(s.columns).set(name, { kind: 'field', field: '.', text: name });
  const c = ctxFor(env, scope, columns);
  const conds = filters.map((f) => {
    const e = nodes(f).filter((x) => x.kind !== 'List')[0];
    return e ? lowerPredicate(c, e, false) : TRUE;
  });
  return { kind: 'each', quant: 'any', array: array.field, expr: and(...conds), span: spanOf(env, op) };
}

/** The query operators of a subquery, in order (those of nested subqueries too). */
function collectOperators(n: KNode): KNode[] {
  const out: KNode[] = [];
  const walk = (x: KNode) => {
    if (QUERY_OPERATOR_FACTS[x.kind] || x.kind === 'FilterOperator') out.push(x);
    for (const c of x.children) walk(c);
  };
  walk(n);
  return out;
}

function collect(n: KNode, kind: string): KNode[] {
  const out: KNode[] = [];
  const walk = (x: KNode) => {
    if (x.kind === kind) out.push(x);
    else for (const c of x.children) walk(c);
  };
  for (const c of n.children) walk(c);
  return out;
}

function applyFilter(env: Env, s: State, op: KNode, ctx: (onRef?: (o: Operand) => void) => ExprCtx, label: string, fromDetail: StageDetail, scope: Scope, depth: number): void {
  const e = nodes(op).filter((x) => x.kind !== 'List')[0];
  if (!e) return;
  const parts: Expr[] = [];
  let having = false;
  for (const cj of syntaxConjuncts(e)) {
    if (s.phase === 'rows' && applyMembership(env, s, cj, ctx(), scope, depth)) continue;
    const refs: Operand[] = [];
    let lowered = lowerPredicate(ctx((o) => refs.push(o)), cj, true);
    if (s.phase === 'rows' && s.union && !s.multi && refs.some((r) => isUnionColumn(s, r))) {
      lowered = filterBranches(env, s, s.union, cj, scope);
      parts.push(lowered);
      continue;
    }
    parts.push(lowered);
    if (lowered.kind === 'const' && lowered.value) continue; // a time window
    const usesAgg = refs.some((r) => r.kind === 'agg');
    const keyOperands = new Set([...s.groupKeys].map((k) => s.columns.get(k)));
    const onlyKeys = refs.length > 0 && refs.every((r) => r.kind === 'value' || r.kind === 'values' || (r.kind === 'field' && keyOperands.has(r))) && !usesAgg;
    if (s.phase === 'rows') {
      if (s.multi) addJoinedFilter(env, s, cj, lowered, scope);
      else s.cond.push(lowered);
    } else if (usesAgg) {
      having = true;
      takeThreshold(env, s, lowered, cj, refs);
    } else if (s.phase === 'aggregated' && onlyKeys) {
      // a filter on group-by keys can be applied before the aggregation
      if (s.multi) addJoinedFilter(env, s, cj, lowered, scope);
      else s.cond.push(lowered);
    } else {
      const part: MissingPart = { kind: 'filter', text: textOf(env.q, cj), reason: `filter after ${s.endedBy ?? 'the rows were reshaped'}: not a row-level filter on the source events`, span: spanOf(env, cj) };
      s.missing.push(part);
      // a filter on the row each group kept (its columns are the event's): the kept row's filter, if nothing
      // but such filters follow (see `keptRowFilters`)
      if (s.phase === 'aggregated' && s.keptRowFilters && refs.every((r) => KEPT_ROW_OPERANDS.has(r.kind))) s.keptRowFilters.push({ expr: lowered, part });
      else s.keptRowFilters = undefined;
    }
  }
  const expr = and(...parts);
  s.stages.push(stage(env, having ? 'having' : 'filter', label, op, fromDetail, expr.kind === 'const' ? undefined : expr));
}

/** Operands a filter on a kept row may read: the event's columns, values computed from them, and constants. */
const KEPT_ROW_OPERANDS: ReadonlySet<Operand['kind']> = new Set(['field', 'derived', 'cases', 'value', 'values']);

const ORDERING: ReadonlySet<Operator> = new Set(['lt', 'le', 'gt', 'ge', 'eq', 'ne']);

/**
 * A filter on aggregate columns: each conjunct that compares aggregates with numbers, alone or in ands and ors
 * (`FailedLogonCount >= 10 or DistinctIPs >= 3`), is a threshold the groups must pass (the first one is the rule's).
 */
function takeThreshold(env: Env, s: State, e: Expr, node: KNode, refs: readonly Operand[]): void {
  const conj = e.kind === 'and' ? e.args : [e];
  const where = ` | where ${textOf(env.q, node)}`;
  // an aggregate column, or one computed from one (`array_length(make_set(x))`, named by its text)
  const columnOf = (name: string): Operand | undefined => s.columns.get(name) ?? refs.find((r) => r.kind === 'agg' && r.column === name);
  for (const c of conj) {
    let why: string | undefined;
    /**
     * The aggregate column `name` as a counted function (with its condition), or undefined (`why` says why). Over a
     * capped set (`make_set(x, 128)`) it is a distinct count only for a threshold the cap cannot reach (`fits`).
     */
    const aggregateOf = (name: string, fits: (cap: number) => boolean): { function: string; where?: Expr } | undefined => {
      const agg = columnOf(name);
      if (agg?.kind !== 'agg') return undefined;
      if (agg.regrouped) {
        why ??= `aggregation: ${agg.text} aggregates the rows of an earlier aggregation (its groups), not events`;
        return undefined;
      }
      if (agg.cap !== undefined && !fits(agg.cap)) {
        why ??= `aggregation: the set behind ${agg.text} keeps at most ${agg.cap} values, so the threshold is not a distinct count`;
        return undefined;
      }
      // the function with the event field it aggregates (`dcount(SrcGeoCountry)`), as the other languages state it; a
      // count or sum of a value the query computes (`extend W = …`, `tolower(x)`) counts no event field. A
      // conditional aggregate (`countif(p)`) is its base aggregate over the events that meet its condition.
      const conditional = CONDITIONAL_AGGREGATES[agg.fn.toLowerCase()];
      const fn = conditional?.base ?? agg.fn;
      const arg = conditional?.base === 'count' ? undefined : agg.of;
      const plain = arg?.operand.kind === 'field' && !arg.operand.fold ? arg.operand.field : undefined;
      if (arg && plain === undefined && AGGREGATE_FUNCTIONS[fn.toLowerCase()] !== undefined) {
        why ??= `aggregation: ${agg.text} aggregates a value the query computes, not an event field`;
        return undefined;
      }
      const counted = plain !== undefined ? `${fn}(${plain})` : conditional?.base === 'count' ? 'count' : agg.of ? agg.text : agg.fn;
      if (conditional && !agg.where) return undefined;
      return { function: counted, ...(agg.where ? { where: agg.where } : {}) };
    };
    const leaf = (p: Expr): ThresholdTest | undefined => {
      const inSet = setMembership(p, columnOf);
      if (inSet) return inSet;
      if (p.kind !== 'pred' || !ORDERING.has(p.op) || p.values.length !== 1) return undefined;
      const v = p.values[0];
      // another aggregate of the group (`Failures > Successes`), or a number
      const other = typeof v === 'object' && v !== null && v.kind === 'field' && !v.missingAs ? v.field : undefined;
      if (typeof v !== 'number' && other === undefined) return undefined;
      // a count compared with another one may be any number: a capped set is not read then
      const counted = aggregateOf(p.field, (cap) => typeof v === 'number' && belowCap(p.op, v, cap));
      if (!counted) return undefined;
      if (typeof v === 'number') return { ...counted, op: p.op, value: v, of: p.field };
      const than = aggregateOf(other!, () => false);
      return than ? { ...counted, op: p.op, value: 0, of: p.field, than: { ...than, of: other! } } : undefined;
    };
    const dnf = thresholdDnf(termsApart(c, columnOf), leaf, exprParts);
    const text = !s.aggregation ? textOf(env.q, node) : s.aggregation.text?.endsWith(where) ? s.aggregation.text : `${s.aggregation.text ?? ''}${where}`;
    const next = dnf && withThresholds(s.aggregation ?? { groupBy: [] }, dnf, text);
    if (next && !('unsupported' in next)) s.aggregation = next;
    else s.extraThresholds.push({ kind: 'aggregation', text: renderExpr(c), reason: why ?? (next ? `aggregation: ${next.unsupported}` : 'aggregation: condition on aggregated rows (having)'), span: spanOf(env, node) });
  }
}

/** Aggregates whose value is the array of the group's values of a field (`make_set(ResultType)`). */
const SET_AGGREGATES: ReadonlySet<string> = new Set(['make_set', 'make_list', 'makeset', 'makelist']);

/** The event field a set aggregate column holds the values of (`make_set(ResultType)` → `ResultType`), if plain. */
function setOf(o: Operand | undefined): string | undefined {
  if (o?.kind !== 'agg' || !SET_AGGREGATES.has(o.fn.toLowerCase()) || o.regrouped || o.of?.size !== undefined || o.of?.args !== 1) return undefined;
  return o.of.operand.kind === 'field' && !o.of.operand.fold ? o.of.operand.field : undefined;
}

/**
 * A term test (`has`, `has_any`, `hasprefix`…) of a set aggregate's column: KQL tests the array's JSON text, whose
 * terms are those of its elements (quotes and commas separate them), so `Results has "0"` holds when some event of
 * the group has a `ResultType` with the term: a count of those events, at least 1 (`not …`: exactly 0). Values with
 * a character of the array's JSON syntax (a term could then span two elements) are not read so.
 */
function setMembership(p: Expr, column: (name: string) => Operand | undefined): ThresholdTest | undefined {
  const negated = p.kind === 'not';
  const q = negated ? p.arg : p;
  if (q.kind !== 'pred' || q.op !== 'has' || q.opts?.match === 'all' || q.derived || !q.values.length) return undefined;
  const field = setOf(column(q.field));
  if (field === undefined) return undefined;
  if (!q.values.every((v) => typeof v === 'number' || (typeof v === 'string' && !/["\\,[\]]/.test(v)))) return undefined;
  const where = pred(field, 'has', q.values, q.opts, q.span);
  return { function: 'count', op: negated ? 'eq' : 'ge', value: negated ? 0 : 1, of: q.field, where };
}

/**
 * `Set has_all (a, b)` on a set aggregate's column: each term in some element, not all in one: the AND of one
 * test per term (a negation: the OR of their negations), for `setMembership`.
 */
function termsApart(e: Expr, column: (name: string) => Operand | undefined): Expr {
  return mapLeaves(e, (q) => {
    if (q.kind !== 'pred' || q.op !== 'has' || q.opts?.match !== 'all' || q.derived || setOf(column(q.field)) === undefined) return q;
    const { match: _m, ...opts } = q.opts;
    return and(...q.values.map((v) => pred(q.field, 'has', [v], opts, q.span)));
  });
}

/** A threshold on a capped distinct count that the cap cannot reach (`> 5` under 128 values): read as the count. */
function belowCap(op: Operator, v: Value | undefined, cap: number): boolean {
  return typeof v === 'number' && ((op === 'gt' && v < cap) || (op === 'ge' && v <= cap));
}

function startAggregation(s: State, fn: string, keys: string[], text: string, span: Stage['span']): void {
  if (s.phase === 'rows') {
    s.aggregation = { function: fn, groupBy: keys, text, ...(span ? { span } : {}) };
    s.endedBy = `the aggregation (${text.length > 60 ? text.slice(0, 57) + '...' : text})`;
    s.phase = 'aggregated';
  } else if (s.phase === 'aggregated') {
    s.endedBy = s.endedBy ?? 'a second aggregation';
  }
}

/** Default result name of an unnamed aggregate (`count()` → `count_`, `dcount(x)` → `dcount_x`). */
export function aggregateColumnName(fn: string, firstArg: string | undefined): string {
  const base = fn === 'make_set' ? 'set' : fn === 'make_list' ? 'list' : fn === 'make_bag' ? 'bag' : fn === 'take_any' || fn === 'any' ? 'any' : fn;
  return firstArg && fn !== 'count' && fn !== 'countif' ? `${base}_${firstArg}` : `${base}_`;
}

function applySummarize(env: Env, s: State, op: KNode, c: ExprCtx, label: string, fromDetail: StageDetail): void {
  const lists = op.children.filter((x) => x.kind === 'List');
  const aggItems = listItems(lists[lists.length - 1]);
  const by = child(op, 'SummarizeByClause');
  const keyItems = listItems(by ? child(by, 'List') : undefined);
  const cols = new Map<string, Operand>();
  const keys: string[] = [];
  const keyFields = new Set<string>();
  // what the aggregation groups by: the event fields of the keys; a time bin is the window, computed keys are listed
  const groupFields: string[] = [];
  const computedKeys: string[] = [];
  const derivedKeys: DerivedKey[] = [];
  let bins = false;
  let window: string | undefined;
  for (const k of keyItems) {
    let name: string;
    let o: Operand;
    if (k.kind === 'SimpleNamedExpression') {
      name = nameOf(child(k, 'NameDeclaration')) ?? '';
      o = computed(operand(c, nodes(k).filter((x) => x.kind !== 'NameDeclaration')[0]!), name);
    } else if (k.kind === 'FunctionCallExpression' && (nameOf(nodes(k)[0]) === 'bin' || nameOf(nodes(k)[0]) === 'floor')) {
      const args = listItems(child(k, 'ExpressionList'));
      name = nameOf(args[0]) ?? textOf(env.q, k);
      const size = args[1] ? operand(c, args[1]) : undefined;
      const binned = args[0] ? operand(c, args[0]) : undefined;
      if (size?.kind === 'span' && binned?.kind === 'field' && TIME_COLUMNS.has(binned.field) && !bins) {
        window = size.text;
        bins = true;
      } else computedKeys.push(textOf(env.q, k));
      o = { kind: 'other', text: textOf(env.q, k), reason: 'time bin' };
    } else {
      name = nameOf(k) ?? textOf(env.q, k);
      o = computed(operand(c, k), name);
    }
    keys.push(name);
    cols.set(name, o);
    if (o.kind === 'field' && !o.fold) {
      keyFields.add(name);
      groupFields.push(o.field);
    } else if (!(o.kind === 'other' && o.reason === 'time bin')) {
      computedKeys.push(textOf(env.q, k));
      const d = derivedKey(textOf(env.q, k), o);
      if (d) derivedKeys.push(d);
    }
  }
  const fns: string[] = [];
  // `arg_max(t, *)` / `arg_min(t, *)`: the row of the greatest (least) t kept per group
  const kept: { which: 'latest' | 'earliest'; by?: string }[] = [];
  for (const a of aggItems) {
    let name: string | undefined;
    let call = a;
    if (a.kind === 'SimpleNamedExpression') {
      name = nameOf(child(a, 'NameDeclaration'));
      call = nodes(a).filter((x) => x.kind !== 'NameDeclaration')[0] ?? a;
    }
    const fn = call.kind === 'FunctionCallExpression' ? (nameOf(nodes(call)[0]) ?? '') : '';
    const firstArg = call.kind === 'FunctionCallExpression' ? nameOf(listItems(child(call, 'ExpressionList'))[0]) : undefined;
    if (fn === 'arg_max' || fn === 'arg_min') {
      // arg_max(TimeGenerated, *) keeps the row's columns: they stay what they were
      for (const [k, v] of s.columns) if (!cols.has(k)) cols.set(k, v);
      const by = firstArg !== undefined ? operand(c, listItems(child(call, 'ExpressionList'))[0]!) : undefined;
      const byField = by?.kind === 'field' && !by.fold ? by.field : undefined;
      // the name given to the function is its first column, the greatest (least) t
      if (name && by) cols.set(name, by);
      kept.push({ which: fn === 'arg_max' ? 'latest' : 'earliest', ...(byField ? { by: byField } : {}) });
      fns.push(fn);
      continue;
    }
    name = name ?? aggregateColumnName(fn, firstArg);
    fns.push(fn || textOf(env.q, call));
    const args = call.kind === 'FunctionCallExpression' ? listItems(child(call, 'ExpressionList')) : [];
    const second = args[1] ? operand(c, args[1]) : undefined;
    const size = second?.kind === 'value' && typeof second.value === 'number' ? { size: second.value } : {};
    // a conditional aggregate's condition, as a row-level predicate (`countif(ResultType != 0)`)
    const conditional = CONDITIONAL_AGGREGATES[fn];
    const condArg = conditional ? args[conditional.condition] : undefined;
    const where = condArg ? { where: lowerPredicate(c, condArg) } : {};
    // an aggregate of a second aggregation counts the first one's groups (or its deduplicated rows), not events
    const regrouped = s.phase !== 'rows' ? { regrouped: true as const } : {};
    cols.set(name, { kind: 'agg', column: name, fn, text: textOf(env.q, call), ...(args[0] ? { of: { operand: operand(c, args[0]), args: args.length, ...size } } : {}), ...where, ...regrouped });
  }
  const wasRows = s.phase === 'rows';
  startAggregation(s, fns.find((f) => COUNT_FUNCTIONS.has(f)) ?? fns[0] ?? 'summarize', groupFields, textOf(env.q, op), spanOf(env, op));
  if (wasRows && s.aggregation) s.aggregation = { ...s.aggregation, ...(computedKeys.length ? { computedKeys } : {}), ...(derivedKeys.length ? { derivedKeys } : {}), ...(window ? { window } : {}), ...(bins ? { bins } : {}) };
  // one row kept per group, and no other aggregate: later filters test that row
  const [one] = kept;
  if (wasRows && s.aggregation && !s.multi && kept.length === 1 && aggItems.length === 1 && one!.by !== undefined) {
    s.aggregation = { ...s.aggregation, keep: { which: one!.which, by: one!.by } };
    s.keptRowFilters = [];
  }
  s.groupKeys = wasRows || s.phase === 'aggregated' ? new Set([...keyFields].filter((k) => wasRows || s.groupKeys.has(k))) : new Set();
  s.columns = cols;
  s.outputs = new Map();
  // arg_max(t, *) keeps every column of the row: the column list is not known then
  s.explicit = !aggItems.some((x) => collect(x, 'StarExpression').length > 0 || x.kind === 'StarExpression');
  for (const k of keyItems) s.outputs.set(nameOf(k.kind === 'SimpleNamedExpression' ? child(k, 'NameDeclaration') : k) ?? textOf(env.q, k), { name: nameOf(k) ?? textOf(env.q, k), source: 'summarize by', from: textOf(env.q, k) });
  for (const [name, o] of cols) if (o.kind === 'agg') s.outputs.set(name, { name, source: 'summarize', from: o.text });
  s.stages.push(stage(env, 'aggregate', label, op, { groupBy: keys, functions: fns, ...(window ? { bin: window } : {}), ...fromDetail }));
}

function applyProject(env: Env, s: State, op: KNode, c: ExprCtx, label: string): void {
  const items = listItems(op.children.filter((x) => x.kind === 'List').pop());
  if (op.kind === 'ProjectReorderOperator') return;
  if (op.kind === 'ProjectAwayOperator') {
    for (const it of items) s.outputs.delete(nameOf(it) ?? '');
    return;
  }
  if (op.kind === 'ProjectRenameOperator') {
    for (const it of items) {
      const name = nameOf(child(it, 'NameDeclaration')) ?? '';
      const old = nodes(it).filter((x) => x.kind !== 'NameDeclaration')[0];
      if (!old) continue;
      s.columns.set(name, computed(operand(c, old), name));
      const prev = s.outputs.get(nameOf(old) ?? '');
      s.outputs.delete(nameOf(old) ?? '');
      s.outputs.set(name, { name, source: label, from: prev?.from ?? textOf(env.q, old) });
    }
    return;
  }
  const next = new Map<string, OutputField>();
  for (const it of items) {
    if (it.kind === 'SimpleNamedExpression') {
      const name = nameOf(child(it, 'NameDeclaration')) ?? '';
      const e = nodes(it).filter((x) => x.kind !== 'NameDeclaration')[0];
      if (!e) continue;
      s.columns.set(name, computed(operand(c, e), name));
      next.set(name, { name, source: label, from: textOf(env.q, e) });
    } else {
      const name = nameOf(it) ?? textOf(env.q, it);
      const prev = s.outputs.get(name);
      next.set(name, prev && prev.from ? { name, source: label, from: prev.from } : { name, source: label });
    }
  }
  s.outputs = next;
  if (op.kind === 'ProjectOperator') s.explicit = true;
}
