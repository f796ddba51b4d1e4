/**
 * Python lowering for Panther rules (tree-sitter). PLACEHOLDER: signatures fixed, implementation in progress.
 */
import type { LowerPythonInput, PythonLowering, PythonRepoContext } from './api.ts';

export type { LowerPythonInput, PythonLowering, PythonRepoContext } from './api.ts';

/** Parse global_helpers and data_models once per repository. `files` is every file of the repo, relative. */
export async function preparePythonRepo(_root: string, _files: readonly string[]): Promise<PythonRepoContext> {
  return { files: [], diagnostics: [] };
}

/** Lower one rule's Python body into the model. Never throws on bad input. */
export async function lowerPythonRule(input: LowerPythonInput, _ctx: PythonRepoContext): Promise<PythonLowering> {
  return {
    missing: [{ text: input.file, reason: 'Python lowering not implemented yet' }],
    stages: [],
    outputFields: [],
    titleFields: [],
    dedupFields: [],
    diagnostics: [],
    dependsOn: [],
  };
}
