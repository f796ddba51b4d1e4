/**
 * Precision of the cross-vendor "same action" links (issue 14): `test/fixtures/crossvendor/links-sample.tsv` is a
 * seeded (14), stratified sample of 100 links as the rule page shows them (`sameActionRules`; every format pair
 * with links has at least two rows, the rest in proportion to its links), each read by hand and
 * given a verdict. The sample is data the project keeps: this test fails when a row lacks a verdict or a reason,
 * or when the share of correct links falls below 95% (someone recorded more wrong links).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const FILE = new URL('./fixtures/crossvendor/links-sample.tsv', import.meta.url);
const COLUMNS = ['rule', 'other', 'shared_keys', 'relation', 'verdict', 'reason'] as const;

interface Row {
  readonly line: number;
  readonly cells: Readonly<Record<(typeof COLUMNS)[number], string>>;
}

function readSample(): { header: string[]; rows: Row[] } {
  const lines = readFileSync(FILE, 'utf8').split('\n');
  const header = (lines[0] ?? '').split('\t');
  const rows: Row[] = [];
  lines.slice(1).forEach((text, i) => {
    if (!text.trim() || text.startsWith('#')) return;
    const parts = text.split('\t');
    const cells = Object.fromEntries(COLUMNS.map((c, j) => [c, (parts[j] ?? '').trim()])) as Row['cells'];
    rows.push({ line: i + 2, cells });
  });
  return { header, rows };
}

describe('same-action links: hand-checked sample', () => {
  const { header, rows } = readSample();

  it('has the expected columns and 100 rows', () => {
    assert.deepEqual(header, [...COLUMNS]);
    assert.equal(rows.length, 100);
  });

  it('every row names both rules, the shared keys, a verdict and a reason', () => {
    const bad = rows.filter((r) => !r.cells.rule || !r.cells.other || !r.cells.shared_keys || !['correct', 'wrong'].includes(r.cells.verdict) || r.cells.reason.length < 10).map((r) => `line ${r.line}`);
    assert.deepEqual(bad, []);
  });

  it('links two rules of different formats, each pair once', () => {
    const fmt = (id: string) => id.split('/')[0];
    const seen = new Set<string>();
    const bad: string[] = [];
    for (const r of rows) {
      const k = `${r.cells.rule} ${r.cells.other}`;
      if (fmt(r.cells.rule) === fmt(r.cells.other) || seen.has(k)) bad.push(`line ${r.line}`);
      seen.add(k);
    }
    assert.deepEqual(bad, []);
  });

  it('at least 95% of the links are correct', () => {
    const correct = rows.filter((r) => r.cells.verdict === 'correct').length;
    assert.ok(correct / rows.length >= 0.95, `${correct} of ${rows.length} correct; wrong: ${rows.filter((r) => r.cells.verdict === 'wrong').map((r) => `${r.cells.rule} → ${r.cells.other}`).join(', ')}`);
  });
});
