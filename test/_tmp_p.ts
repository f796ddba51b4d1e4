import { scanSource } from '../src/formats/scan.ts';
import { adapterFor } from '../src/formats/registry.ts';
const r = await scanSource(adapterFor('panther')!, process.argv[2]!, { repository: 'x' });
for (const f of r.files) if (f.path.endsWith('.yml')) console.log(f.path, f.outcome, f.diagnostics.map(d => d.code + ' ' + d.message.slice(0, 80)).join(' | ').slice(0, 300));
