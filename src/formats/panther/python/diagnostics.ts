/**
 * Diagnostics of the Panther Python lowering. Every code is made by a factory below; tests check the code and
 * the location, not the message text.
 *
 * | code  | severity | meaning |
 * |-------|----------|---------|
 * | PY001 | error    | Python syntax error (tree-sitter ERROR node); the rest of the file is still lowered |
 * | PY002 | error    | missing token (tree-sitter MISSING node) |
 * | PY003 | warning  | no `rule(event)` / `policy(resource)` function in the file |
 * | PY004 | warning  | a global helper or data-model file could not be read or parsed |
 * | PY005 | warning  | data-model YAML without usable Mappings |
 * | PY006 | error    | the tree-sitter Python grammar could not be loaded |
 */
import { diag, type Diagnostic } from '../../../model/diagnostics.ts';

export interface At {
  readonly line: number;
  readonly column: number;
}

export const PythonDiagnostics = {
  syntax: (file: string, at: At, near: string) =>
    diag('PY001', 'error', file, `Python syntax error near ${JSON.stringify(near)}`, at, 'fix the Python source; the code around the error is lowered as far as possible'),
  missingToken: (file: string, at: At, token: string) =>
    diag('PY002', 'error', file, `Python syntax error: missing ${JSON.stringify(token)}`, at, `insert ${JSON.stringify(token)}`),
  noEntryPoint: (file: string, fn: string) =>
    diag('PY003', 'warning', file, `no ${fn} function found; the rule has no condition`, undefined, `define def ${fn}:`),
  helperUnreadable: (file: string, why: string) =>
    diag('PY004', 'warning', file, `helper file not used: ${why}`, undefined, 'calls into it become opaque'),
  dataModelUnusable: (file: string, why: string) =>
    diag('PY005', 'warning', file, `data model not used: ${why}`, undefined, 'event.udm() calls for its log types become opaque'),
  grammar: (file: string, why: string) =>
    diag('PY006', 'error', file, `tree-sitter Python grammar unavailable: ${why}`, undefined, 'reinstall web-tree-sitter and tree-sitter-python'),
} as const;

/** Every code this module can produce (for the docs table and tests). */
export const PYTHON_DIAGNOSTIC_CODES = ['PY001', 'PY002', 'PY003', 'PY004', 'PY005', 'PY006'] as const;
