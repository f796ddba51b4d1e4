import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { diagnosticCodeTables } from '../src/cli/diagnosticCodes.ts';
import { DIAGNOSTIC_AREAS } from '../src/model/diagnostics.ts';
import { renderDiagnosticsDoc } from '../src/model/diagnostics-doc.ts';

describe('diagnostic code tables', () => {
  it('docs/diagnostics.md is generated from the code tables and current', () => {
    assert.equal(readFileSync(new URL('../docs/diagnostics.md', import.meta.url), 'utf8'), renderDiagnosticsDoc(diagnosticCodeTables()));
  });

  it('every table holds codes of one known area, each code in one table only', () => {
    const seen = new Map<string, string>();
    for (const e of diagnosticCodeTables()) {
      const areas = new Set(Object.keys(e.table).map((c) => c.replace(/\d+$/, '')));
      assert.equal(areas.size, 1, `${e.title}: ${[...areas].join(', ')}`);
      assert.ok((DIAGNOSTIC_AREAS as readonly string[]).includes([...areas][0]!), e.title);
      for (const code of Object.keys(e.table)) {
        assert.match(code, /^[A-Z]{2,3}\d{3}$/);
        assert.ok(!seen.has(code), `${code} in ${e.title} and ${seen.get(code)}`);
        seen.set(code, e.title);
      }
    }
  });
});
