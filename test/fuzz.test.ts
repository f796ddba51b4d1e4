/**
 * The fuzz harness (`npm run fuzz`, scripts/fuzz.ts) with a small N: mutated real rule files of every language
 * through `scan`: no crash, no hang, every file accounted for with a code. Needs the corpora (../shared/corpora);
 * skipped without them.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { failures, runFuzz } from '../scripts/fuzz.ts';
import { MUTATION_NAMES, MUTATIONS, rng } from '../scripts/fuzzMutate.ts';
import { SHARED, SHARED_PRESENT } from './helpers/golden.ts';

describe('fuzz harness', () => {
  it('mutations are deterministic for a seed', () => {
    const text = Buffer.from('title: x\ndetection:\n  sel:\n    a: "b"\n  condition: sel\n');
    for (const name of MUTATION_NAMES) {
      const a = MUTATIONS[name]!(text, rng(42), 'sigma');
      const b = MUTATIONS[name]!(text, rng(42), 'sigma');
      assert.ok(a.equals(b), name);
    }
  });

  it('a small run over every language: no crash, no hang, every file accounted for', { skip: !SHARED_PRESENT && 'no ../shared/corpora' }, async () => {
    const n = Number(process.env['DETWIKI_FUZZ_N'] ?? 12);
    const r = await runFuzz({ n, seed: 16, formats: ['panther', 'sigma', 'kusto', 'splunk', 'elastic', 'yaral', 'mql'], corpora: path.join(SHARED, 'corpora'), batch: 100, hangMs: 120_000, strict: false });
    assert.equal(r.formats.length, 7);
    for (const f of r.formats) assert.ok(f.files >= n, `${f.format}: ${f.files} files`);
    assert.deepEqual(failures(r, false).map((f) => `${f.kind} ${f.format} ${f.file}: ${f.message}`), []);
  });
});
