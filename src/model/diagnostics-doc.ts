/** Renders docs/diagnostics.md from the code tables of every area, so the documentation cannot drift from the code. */
import type { CodeFacts, CodeTable } from './diagnostics.ts';

/** One area's table and where it lives. */
export interface CodeTableEntry {
  readonly title: string;
  /** The module that holds the table and its factories. */
  readonly module: string;
  readonly table: CodeTable;
}

export function renderDiagnosticsDoc(entries: readonly CodeTableEntry[]): string {
  const lines = [
    '# Diagnostic codes',
    '',
    'Generated from the code tables (`*_CODES`) of every area by `node --import tsx scripts/gen-docs.ts`; a test checks it is current.',
    'A code is stable: it is never reused for another meaning. A number missing from a table is not in use.',
    '',
  ];
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  for (const e of entries) {
    lines.push(`## ${e.title} (\`${e.module}\`)`, '', '| code | severity | meaning |', '|---|---|---|');
    for (const [code, f] of Object.entries(e.table) as [string, CodeFacts][]) lines.push(`| ${code} | ${f.severity} | ${cell(f.meaning)} |`);
    lines.push('');
  }
  return lines.join('\n');
}
