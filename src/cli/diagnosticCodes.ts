/** Every diagnostic code table of the project, in docs order: shared codes, ATT&CK, then each adapter's. */
import { ATK_CODES } from '../attack/diagnostics.ts';
import { ADAPTERS } from '../formats/registry.ts';
import { GEN_CODES } from '../model/diagnostics.ts';
import type { CodeTableEntry } from '../model/diagnostics-doc.ts';
import { FORMAT_LABELS } from '../model/facts.ts';

export function diagnosticCodeTables(): CodeTableEntry[] {
  const out: CodeTableEntry[] = [
    { title: 'Every adapter', module: 'src/model/diagnostics.ts', table: GEN_CODES },
    { title: 'ATT&CK bundle', module: 'src/attack/diagnostics.ts', table: ATK_CODES },
  ];
  for (const a of Object.values(ADAPTERS)) {
    for (const table of a.diagnosticCodes) {
      const first = Object.keys(table)[0] ?? '';
      out.push({ title: `${FORMAT_LABELS[a.format]}, ${first.replace(/\d+$/, '')}`, module: `src/formats/${a.format}`, table });
    }
  }
  return out;
}
