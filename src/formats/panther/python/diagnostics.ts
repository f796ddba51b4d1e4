/**
 * Diagnostics of the Panther Python lowering.
 *
 * The code table `PY_CODES` below is the list of every code this area emits, with its severity and meaning;
 * `docs/diagnostics.md` is generated from it (a test checks it is current). The factories after it make every
 * diagnostic of the area and take the severity from the table. Tests check the code and location, not the text.
 */
import { diagnosticMaker, type CodeTable, type Diagnostic } from '../../../model/diagnostics.ts';

/** Every code of this area: its severity and meaning. */
export const PY_CODES = {
  PY001: { severity: 'error', meaning: 'Python syntax error (tree-sitter ERROR node); the rest of the file is still lowered' },
  PY002: { severity: 'error', meaning: 'missing token (tree-sitter MISSING node)' },
  PY003: { severity: 'warning', meaning: 'no `rule(event)` / `policy(resource)` function in the file' },
  PY004: { severity: 'warning', meaning: 'a global helper or data-model file could not be read or parsed' },
  PY005: { severity: 'warning', meaning: 'data-model YAML without usable Mappings' },
  PY006: { severity: 'error', meaning: 'the tree-sitter Python grammar could not be loaded' },
} as const satisfies CodeTable<'PY'>;

const make = diagnosticMaker(PY_CODES);

export interface At {
  readonly line: number;
  readonly column: number;
}

export const PythonDiagnostics = {
  syntax: (file: string, at: At, near: string) =>
    make('PY001', file, `Python syntax error near ${JSON.stringify(near)}`, at, 'fix the Python source; the code around the error is lowered as far as possible'),
  missingToken: (file: string, at: At, token: string) =>
    make('PY002', file, `Python syntax error: missing ${JSON.stringify(token)}`, at, `insert ${JSON.stringify(token)}`),
  noEntryPoint: (file: string, fn: string) =>
    make('PY003', file, `no ${fn} function found; the rule has no condition`, undefined, `define def ${fn}:`),
  helperUnreadable: (file: string, why: string) =>
    make('PY004', file, `helper file not used: ${why}`, undefined, 'calls into it become opaque'),
  dataModelUnusable: (file: string, why: string) =>
    make('PY005', file, `data model not used: ${why}`, undefined, 'event.udm() calls for its log types become opaque'),
  grammar: (file: string, why: string) =>
    make('PY006', file, `tree-sitter Python grammar unavailable: ${why}`, undefined, 'reinstall web-tree-sitter and tree-sitter-python'),
} as const;
