import { scanSource } from '../src/formats/scan.ts';
import { adapterFor } from '../src/formats/registry.ts';
const r = await scanSource(adapterFor('kusto')!, process.argv[2]!, { repository: 'x' });
for (const f of r.files) { console.log(f.path, f.outcome, JSON.stringify(f.diagnostics).slice(0, 300)); for (const x of f.rules) console.log(x.id, x.logic.completeness, JSON.stringify(x.diagnostics ?? []).slice(0, 300)); }
