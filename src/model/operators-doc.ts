/** Renders docs/operators.md from OPERATOR_FACTS, so the documentation cannot drift from the code. */
import { OPERATORS } from './expr.ts';
import { OPERATOR_FACTS } from './operators.ts';

export function renderOperatorsDoc(): string {
  const lines = [
    '# Operators',
    '',
    'Generated from `src/model/operators.ts` by `node --import tsx scripts/gen-docs.ts`; a test checks it is current.',
    '',
    '| operator | meaning | case-sensitive by default | negation | negative | source constructs |',
    '|---|---|---|---|---|---|',
  ];
  for (const op of OPERATORS) {
    const f = OPERATOR_FACTS[op];
    const cell = (s: string) => s.replace(/\|/g, '\\|');
    lines.push(`| \`${op}\` | ${cell(f.meaning)} | ${f.defaultCaseSensitive ? 'yes' : 'no'} | ${f.negation ? `\`${f.negation}\`` : ''} | ${f.negative ? 'yes' : ''} | ${cell(f.sources.join('; '))} |`);
  }
  return lines.join('\n') + '\n';
}
