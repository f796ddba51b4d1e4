// Regenerates docs that are derived from code tables.
import { writeFileSync } from 'node:fs';
import { diagnosticCodeTables } from '../src/cli/diagnosticCodes.ts';
import { renderDiagnosticsDoc } from '../src/model/diagnostics-doc.ts';
import { renderOperatorsDoc } from '../src/model/operators-doc.ts';

writeFileSync(new URL('../docs/operators.md', import.meta.url), renderOperatorsDoc());
console.log('wrote docs/operators.md');
writeFileSync(new URL('../docs/diagnostics.md', import.meta.url), renderDiagnosticsDoc(diagnosticCodeTables()));
console.log('wrote docs/diagnostics.md');
