/**
 * The contract between the Panther adapter (spec YAML, Tests, SQL) and its Python lowering (tree-sitter).
 */
import type { Diagnostic } from '../../../model/diagnostics.ts';
import type { FullLowering } from '../../../model/lowering.ts';
import type { DerivedKey, MissingPart, OutputField } from '../../../model/rule.ts';
import type { RepoState } from './repo.ts';

/** Everything repository-wide the lowering needs: global helpers and data models, parsed once. */
export interface PythonRepoContext {
  /** Files read to build the context (helpers, data models), for incremental builds. */
  readonly files: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
  /** Internal: parsed helper modules, data models and the inlining cache (absent: no repository context). */
  readonly internal?: RepoState;
}

export interface LowerPythonInput {
  /** Path of the .py file relative to the repo root. */
  readonly file: string;
  readonly text: string;
  /** LogTypes / ResourceTypes of the spec: select the data model for `event.udm`. */
  readonly logTypes: readonly string[];
  /** rule, scheduled_rule, policy, correlation… : policies use `policy(resource)`. */
  readonly analysisType: string;
  /**
   * Names the spec's Tests mock (`Mocks: - objectName: x`): their behaviour in the tests is not their code's,
   * so calls to them are opaque. Optional.
   */
  readonly mockedNames?: readonly string[];
}

/**
 * The model's `Lowering` of a Python body: the condition from rule()/policy() (undefined when nothing could be
 * expressed), stages (the rule()/policy() function, helpers inlined, other functions: title, dedup,
 * alert_context…), what was left out, output fields from alert_context() (through helpers such as
 * aws_rule_context), with what only Python knows.
 */
export interface PythonLowering extends FullLowering {
  /** Fields used by title() and dedup(), when statically known. */
  readonly titleFields: readonly string[];
  readonly dedupFields: readonly string[];
  /**
   * What alerts are grouped by (the dedup string): dedup()'s value, else title()'s, else the rule's id (none).
   * Fields when the function returns event fields as they are (one, or an f-string of them); `computed` otherwise.
   */
  readonly dedupKey: DedupKey;
  readonly diagnostics: readonly Diagnostic[];
  /** Helper / data-model files whose code was used, for incremental builds. */
  readonly dependsOn: readonly string[];
}

/**
 * What alerts are grouped by: the rule id (`none`), event fields, values the model computes from fields (`derived`:
 * each interpolated part of the string a key, `cases` for a value chosen by conditions), or a value it cannot state.
 */
export type DedupKey =
  | { readonly kind: 'none' }
  | { readonly kind: 'fields'; readonly fields: readonly string[] }
  | { readonly kind: 'derived'; readonly by: 'dedup()' | 'title()'; readonly keys: readonly DerivedKey[] }
  | { readonly kind: 'computed'; readonly by: string };
