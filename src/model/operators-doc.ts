/** Renders docs/operators.md from OPERATOR_FACTS and TRANSFORM_FACTS, so the documentation cannot drift from the code. */
import { OPERATORS } from './expr.ts';
import { OPERATOR_FACTS } from './operators.ts';
import { TRANSFORMS } from './expr.ts';
import { TRANSFORM_FACTS } from './transformFacts.ts';

export function renderOperatorsDoc(): string {
  const lines = [
    '# Operators',
    '',
    'Generated from `src/model/operators.ts` by `node --import tsx scripts/gen-docs.ts`; a test checks it is current.',
    '',
    '| operator | meaning | case-sensitive by default | negation | negative | source constructs |',
    '|---|---|---|---|---|---|',
  ];
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  for (const op of OPERATORS) {
    const f = OPERATOR_FACTS[op];
    lines.push(`| \`${op}\` | ${cell(f.meaning)} | ${f.defaultCaseSensitive ? 'yes' : 'no'} | ${f.negation ? `\`${f.negation}\`` : ''} | ${f.negative ? 'yes' : ''} | ${cell(f.sources.join('; '))} |`);
  }
  lines.push(
    '',
    '## Transforms (derived operands)',
    '',
    'Generated from `src/model/transformFacts.ts`. A predicate\'s operand may be a field or a chain of these over a field',
    '(`Predicate.derived`: `{steps: [{fn, args}], lang?, onError?}`), rendered left to right:',
    '`json(requestParameters.policyDocument).Statement[*].Effect eq "Allow"`. A step that fails never raises: the value',
    'is null (`onError: null`, the default: KQL, and Python code guarded by `try`/`except`; a predicate on it is evaluated',
    'as on a missing value with loose typing, so an ordering is false, not a type error), or the predicate is',
    'unknown (`onError: unknown`: a Python exception the rule does not catch). `lang` chooses the language\'s',
    'semantics where they differ. An `each` quantifier may iterate over a derived array the same way (`Each.derived`).',
    'Indicators on a derived operand keep the field they start from and name the chain (`chain`); the catalog, its',
    'pages and the indicator pages list and key them by the chain (`len(Tags) ge 1`), never as a test of the field\'s own value.',
    '',
    '| transform | arguments | rendered | meaning | languages | failure | source constructs |',
    '|---|---|---|---|---|---|---|',
  );
  for (const t of TRANSFORMS) {
    const f = TRANSFORM_FACTS[t];
    lines.push(`| \`${t}\` | ${cell(f.args)} | \`${cell(f.render)}\` | ${cell(f.meaning)} | ${cell(f.languages ?? '')} | ${cell(f.failure)} | ${cell(f.sources.join('; '))} |`);
  }
  return lines.join('\n') + '\n';
}
