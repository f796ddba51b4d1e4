/**
 * Repository-wide state of the Python lowering: global helpers (global_helpers/*.py) and data models
 * (data_models/*.yml with their .py), each parsed once, and a cache of inlined `helper(event)` calls.
 */
import type { Diagnostic } from '../../../model/diagnostics.ts';
import { readSourceText } from '../../io.ts';
import { parseDataModelSpec } from './datamodel.ts';
import type { DataModel, RepoState } from './scope.ts';
import { PythonDiagnostics } from './diagnostics.ts';
import { loadModule, type ModuleInfo } from './module.ts';


export const EMPTY_REPO: RepoState = { root: '', helpers: new Map(), dataModels: [], cache: new Map(), files: [], diagnostics: [] };

const stem = (f: string) => f.slice(f.lastIndexOf('/') + 1).replace(/\.py$/, '');

/** Is this file a global helper module? (`global_helpers/x.py`, tests excluded) */
export function isHelperFile(f: string): boolean {
  return f.startsWith('global_helpers/') && f.endsWith('.py') && !f.slice('global_helpers/'.length).includes('/') && !f.endsWith('_test.py');
}

export async function loadRepoState(root: string, files: readonly string[]): Promise<RepoState> {
  const helpers = new Map<string, ModuleInfo>();
  const diagnostics: Diagnostic[] = [];
  const used: string[] = [];
  for (const f of files.filter(isHelperFile)) {
    const r = await readSourceText(root, f);
    if (!r.ok) {
      diagnostics.push(r.diagnostic);
      continue;
    }
    const mod = await loadModule(stem(f), f, r.text);
    diagnostics.push(...mod.parsed.diagnostics);
    helpers.set(stem(f), mod);
    used.push(f);
  }
  const dataModels: DataModel[] = [];
  for (const f of files.filter((x) => x.startsWith('data_models/') && (x.endsWith('.yml') || x.endsWith('.yaml')))) {
    const r = await readSourceText(root, f);
    if (!r.ok) {
      diagnostics.push(r.diagnostic);
      continue;
    }
    const dm = parseDataModelSpec(f, r.text);
    if (typeof dm === 'string') {
      diagnostics.push(PythonDiagnostics.dataModelUnusable(f, dm));
      continue;
    }
    used.push(f);
    if (dm.pyFile) {
      const p = await readSourceText(root, dm.pyFile);
      if (p.ok) {
        dm.module = await loadModule(dm.pyFile, dm.pyFile, p.text);
        diagnostics.push(...dm.module.parsed.diagnostics);
        used.push(dm.pyFile);
      } else diagnostics.push(PythonDiagnostics.dataModelUnusable(f, `its Filename ${dm.pyFile} cannot be read`));
    }
    dataModels.push(dm);
  }
  return { root, helpers, dataModels, cache: new Map(), files: used, diagnostics };
}

export type { RepoState };
