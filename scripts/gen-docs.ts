// Regenerates docs that are derived from code tables.
import { writeFileSync } from 'node:fs';
import { renderOperatorsDoc } from '../src/model/operators-doc.ts';

writeFileSync(new URL('../docs/operators.md', import.meta.url), renderOperatorsDoc());
console.log('wrote docs/operators.md');
