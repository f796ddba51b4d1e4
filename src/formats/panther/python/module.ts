/**
 * A parsed Python module (a rule file, a global helper, a data-model file): its functions, imports and
 * module-level assignments, indexed once. Module-level values (constants, compiled patterns) are evaluated
 * lazily, on first use, by the lowering.
 */
import { field, namedKids, parsePython, type Node, type ParsedPython } from './parser.ts';
import type { AV } from './values.ts';

export type Binding =
  | { readonly kind: 'func'; readonly node: Node }
  /** `import x` / `import x as y`: the module named `module`. */
  | { readonly kind: 'import'; readonly module: string }
  /** `from m import n as alias`. */
  | { readonly kind: 'from'; readonly module: string; readonly name: string }
  /** `NAME = value` at module level (the right-hand side node; `index` for tuple targets). */
  | { readonly kind: 'assign'; readonly value: Node; readonly index?: number; readonly stmt: Node }
  /** A module-level name bound in a way we do not follow (loop, with, conditional import…). */
  | { readonly kind: 'other'; readonly node: Node; readonly why: string };

export interface ModuleInfo {
  /** Module name (`panther_aws_helpers`) or the rule file's path. */
  readonly name: string;
  readonly parsed: ParsedPython;
  readonly bindings: ReadonlyMap<string, Binding>;
  /** Values of module-level names, filled lazily. */
  readonly values: Map<string, AV>;
  /** Names under evaluation (cycle guard). */
  readonly evaluating: Set<string>;
}

export async function loadModule(name: string, file: string, text: string): Promise<ModuleInfo> {
  const parsed = await parsePython(file, text);
  return { name, parsed, bindings: indexBindings(parsed.root), values: new Map(), evaluating: new Set() };
}

/** Index the module's top-level statements; a later binding of the same name wins, as in Python. */
export function indexBindings(root: Node): Map<string, Binding> {
  const b = new Map<string, Binding>();
  const visitStmt = (s: Node, conditional: boolean): void => {
    switch (s.type) {
      case 'function_definition': {
        const n = field(s, 'name');
        if (n) b.set(n.text, { kind: 'func', node: s });
        return;
      }
      case 'decorated_definition': {
        const d = field(s, 'definition');
        if (d) visitStmt(d, conditional);
        return;
      }
      case 'import_statement':
        for (const c of namedKids(s)) {
          if (c.type === 'dotted_name') b.set(c.text.split('.')[0]!, { kind: 'import', module: c.text.split('.')[0]! });
          else if (c.type === 'aliased_import') {
            const n = field(c, 'name');
            const a = field(c, 'alias');
            if (n && a) b.set(a.text, { kind: 'import', module: n.text });
          }
        }
        return;
      case 'import_from_statement': {
        const m = field(s, 'module_name');
        if (!m) return;
        for (const c of s.childrenForFieldName('name')) {
          if (!c) continue;
          if (c.type === 'dotted_name') b.set(c.text, { kind: 'from', module: m.text, name: c.text });
          else if (c.type === 'aliased_import') {
            const n = field(c, 'name');
            const a = field(c, 'alias');
            if (n && a) b.set(a.text, { kind: 'from', module: m.text, name: n.text });
          }
        }
        return;
      }
      case 'expression_statement': {
        const a = namedKids(s)[0];
        if (a?.type !== 'assignment') return;
        bindAssignment(a, b, conditional);
        return;
      }
      case 'ERROR':
        // tree-sitter error recovery keeps valid definitions inside ERROR nodes: index them
        for (const c of namedKids(s)) visitStmt(c, conditional);
        return;
      case 'if_statement':
      case 'try_statement':
        // module-level code under a condition: every name it binds is recorded as not followed
        for (const d of s.descendantsOfType(['assignment', 'function_definition'])) {
          if (!d) continue;
          const t = d.type === 'assignment' ? field(d, 'left') : field(d, 'name');
          if (t?.type === 'identifier' && !b.has(t.text)) b.set(t.text, { kind: 'other', node: d, why: 'bound inside a module-level if/try' });
        }
        for (const d of s.descendantsOfType(['import_from_statement', 'import_statement'])) if (d) visitStmt(d, true);
        return;
      default:
        return;
    }
  };
  for (const s of namedKids(root)) visitStmt(s, false);
  return b;
}

function bindAssignment(a: Node, b: Map<string, Binding>, conditional: boolean): void {
  const left = field(a, 'left');
  const right = field(a, 'right');
  if (!left) return;
  if (!right) return; // annotation only
  if (conditional) {
    if (left.type === 'identifier') b.set(left.text, { kind: 'other', node: a, why: 'bound conditionally' });
    return;
  }
  if (left.type === 'identifier') {
    // chained `A = B = value`
    if (right.type === 'assignment') {
      bindAssignment(right, b, conditional);
      const v = innermostValue(right);
      if (v) b.set(left.text, { kind: 'assign', value: v, stmt: a });
      return;
    }
    b.set(left.text, { kind: 'assign', value: right, stmt: a });
    return;
  }
  if (left.type === 'pattern_list' || left.type === 'tuple_pattern') {
    namedKids(left).forEach((t, i) => {
      if (t.type === 'identifier') b.set(t.text, { kind: 'assign', value: right, index: i, stmt: a });
    });
  }
}

function innermostValue(a: Node): Node | undefined {
  let r = field(a, 'right');
  while (r?.type === 'assignment') r = field(r, 'right');
  return r;
}
