/**
 * The types the Python lowering's modules share, below all of them: scopes and variables, the repository context
 * (helpers, data models), call arguments, and `LowererApi`, what the interpreter (`interp.ts`) offers the modules
 * it calls (calls, comparisons, statements, data models). They import these types, never the interpreter, so the
 * modules form no import cycle: interp → exec → calls → datamodel, interp → compare, repo → datamodel.
 */
import type { Diagnostic } from '../../../model/diagnostics.ts';
import type { Span } from '../../../model/span.ts';
import type { ModuleInfo } from './module.ts';
import type { Node } from './parser.ts';
import type { AV, FuncRef, Tree } from './values.ts';

/** Local variables of a function body (immutable: statements return a new map). */
export type Env = ReadonlyMap<string, AV>;

export interface Scope {
  readonly mod: ModuleInfo;
  readonly vars: Env;
}

export interface LowerOptions {
  readonly logTypes: readonly string[];
  /** Names the rule's tests mock: calls to them are opaque. */
  readonly mocked: ReadonlySet<string>;
}

export interface RepoState {
  readonly root: string;
  /** Global helper modules by module name (`panther_aws_helpers`). */
  readonly helpers: ReadonlyMap<string, ModuleInfo>;
  readonly dataModels: readonly DataModel[];
  /** Inlined `helper(event)` results, keyed by helper and log types. */
  readonly cache: Map<string, unknown>;
  readonly files: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

export interface DataModelMapping {
  readonly name: string;
  /** Field path segments (`$.a.b` → [a, b]); undefined when the JSONPath is not a plain path. */
  readonly path?: readonly string[];
  readonly rawPath?: string;
  readonly method?: string;
}

export interface DataModel {
  readonly file: string;
  readonly id: string;
  readonly logTypes: readonly string[];
  readonly mappings: ReadonlyMap<string, DataModelMapping>;
  /** The .py file named by Filename, when there is one. */
  readonly pyFile?: string;
  module?: ModuleInfo;
}

export interface Args {
  readonly pos: readonly AV[];
  readonly kw: ReadonlyMap<string, AV>;
  /** A `*args` / `**kwargs` argument we could not spread. */
  readonly splat?: AV;
}

/** What the interpreter offers the modules it calls (implemented by `Lowerer`). */
export interface LowererApi {
  /** Functions being inlined (`module.name`), innermost last. */
  readonly stack: string[];
  /** Helpers inlined: name → file. */
  readonly inlined: Map<string, string>;
  /** Files whose code was used. */
  readonly deps: Set<string>;
  /** Event fields read, when collecting (title, dedup). */
  reads: Set<string> | undefined;
  /** Names bound by `:=` while evaluating the current statement. */
  pending: Map<string, AV>;
  /**
   * Inside a `try` whose handlers catch only lookup and parse errors: a derived value that fails is null (the
   * handler's fallback), not an exception (`Derived.onError`).
   */
  nullOnError: number;
  readonly repo: RepoState;
  readonly opts: LowerOptions;
  span(scope: Scope, n: Node): Span;
  /** An opaque value for node `n`. */
  op(scope: Scope, n: Node, reason: string): AV;
  /** An opaque value for `n` that failed because an operand was opaque. */
  wrap(scope: Scope, n: Node, inner: AV): AV;
  field(path: readonly string[], span: Span | undefined, missingAs?: AV, nullAsMissing?: boolean): AV;
  eval(n: Node, scope: Scope): AV;
  moduleValue(mod: ModuleInfo, name: string, at: Node): AV;
  externReason(module: string, name: string): string;
  evalSeqFrom(t: 'list' | 'tuple' | 'set', items: AV[]): AV;
  iterate(v: AV): AV[] | undefined;
  dictGet(d: Extract<AV, { k: 'dict' }>, key: AV, dflt: AV | undefined, scope: Scope, n: Node, strictKey: boolean): AV;
  mapValue(t: Tree, f: (v: AV) => AV | undefined): AV;
  iterationOpaque(iterable: AV, src: Node, scope: Scope, n: Node): AV;
  /** Inline a call to a function of the repository (`exec.ts` inlineFunction). */
  inline(fn: FuncRef, args: Args, n: Node, scope: Scope): AV;
}
