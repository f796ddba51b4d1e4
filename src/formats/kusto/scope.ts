/**
 * What a name means while lowering a query: let bindings (scalars, lists, datatables, tabular expressions,
 * functions) and the columns a pipeline computed so far (extend, project, summarize). Immutable: `with`
 * returns a new scope.
 */
import type { Derived, Expr, Value } from '../../model/expr.ts';
import type { KNode } from './parser.ts';

/** The meaning of one side of a comparison. */
export type Operand =
  /** A column of the event (dotted path); `fold` when wrapped in tolower/toupper. */
  | { readonly kind: 'field'; readonly field: string; readonly fold?: 'lower' | 'upper'; readonly text: string }
  /**
   * A value computed from a column by a transform chain (`tolower(split(Url, "/")[2])`, a `parse` capture, an
   * `extract` group): a predicate on it is a predicate on the derived operand (see `derived.ts`).
   */
  | {
      readonly kind: 'derived';
      readonly field: string;
      readonly derived: Derived;
      /** The value the field takes when the event lacks it (`column_ifexists("X", default)`), before the chain. */
      readonly missingAs?: Value;
      readonly text: string;
    }
  /**
   * A conditional value (`iff`, `case`, `coalesce`): one operand per branch, each under a condition; the branch
   * conditions exclude each other (see `cases.ts`).
   */
  | { readonly kind: 'cases'; readonly branches: readonly { readonly when: Expr; readonly value: Operand }[]; readonly text: string }
  | { readonly kind: 'value'; readonly value: Value; readonly text: string }
  /** A list of values: `dynamic([…])`, `pack_array(…)`, a one-column datatable. */
  | { readonly kind: 'values'; readonly values: readonly Value[]; readonly text: string }
  /** A timespan (`1h`), kept as written. */
  | { readonly kind: 'span'; readonly text: string }
  /** A point in time relative to the query run (`ago(1h)`, `now()`, `datetime(…)`); window when it is `ago(span)`. */
  | { readonly kind: 'time'; readonly text: string; readonly window?: string }
  /** A tabular expression (subquery, let-bound table). */
  | { readonly kind: 'table'; readonly text: string }
  /**
   * A column computed by an aggregation (`c = count()`). `of`: the operand of its first argument and the number of
   * arguments, kept for the aggregates whose value is made of the argument's values (`make_set(x)`), and a constant
   * second argument (the size of `make_set(x, 10)`). `cap`: the
   * value is a distinct count only below this (`array_length(makeset(x))` is `dcount(x)` up to 128).
   */
  | { readonly kind: 'agg'; readonly column: string; readonly fn: string; readonly text: string; readonly of?: { readonly operand: Operand; readonly args: number; readonly size?: number }; readonly cap?: number; readonly where?: Expr; readonly regrouped?: true }
  /**
   * Anything else, with the reason it is not one of the above. `shift`: the value is a column moved by a constant
   * timespan (`TimeGenerated + 1h`, `datetime_add("minute", -5, Timestamp)`), which a time relation between join
   * sides can use.
   */
  | {
      readonly kind: 'other';
      readonly text: string;
      readonly reason: string;
      readonly shift?: { readonly base: Operand; readonly ms: number };
      /** A record's time that is not a column (`ingestion_time()`): compared with `ago()` it is the lookback window. */
      readonly timeColumn?: string;
    };

export type Binding =
  | { readonly kind: 'operand'; readonly operand: Operand; readonly node: KNode }
  | { readonly kind: 'table'; readonly node: KNode; readonly scope: Scope }
  | { readonly kind: 'datatable'; readonly columns: readonly string[]; readonly rows: readonly (readonly Value[])[]; readonly node: KNode }
  /**
   * A function's tabular parameter bound by `invoke` to the rows piped into it (`T | invoke f()` is `f(T)`):
   * `owner` is the pipeline state those rows are in, so that the body's pipeline starting from the parameter goes on
   * from them, and another use of it (a join's or union's side) is known for what it is.
   */
  | { readonly kind: 'rows'; readonly node: KNode; readonly owner: object }
  | {
      readonly kind: 'function';
      /** `tabular`: the parameter is a table (`T:(col:type, …)` or `T:(*)`), as `invoke` passes its input rows. */
      readonly params: readonly { readonly name: string; readonly default?: KNode; readonly tabular?: true }[];
      readonly body: KNode;
      readonly scope: Scope;
      readonly node: KNode;
    };

/** Let bindings visible at a point of the query. */
export class Scope {
  private constructor(private readonly vars: ReadonlyMap<string, Binding>) {}
  static readonly empty = new Scope(new Map());
  get(name: string): Binding | undefined {
    return this.vars.get(name);
  }
  with(name: string, b: Binding): Scope {
    const m = new Map(this.vars);
    m.set(name, b);
    return new Scope(m);
  }
  names(): string[] {
    return [...this.vars.keys()];
  }
}

/** Columns computed by the pipeline so far, by name. */
export type Columns = ReadonlyMap<string, Operand>;
