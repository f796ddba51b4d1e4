import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { elasticAdapter } from '../src/formats/elastic/index.ts';
import { scanSource } from '../src/formats/scan.ts';
import { SHARED, SHARED_PRESENT } from './helpers/golden.ts';

describe('elastic corpus (../shared/corpora/elastic)', { skip: !SHARED_PRESENT && 'corpora absent' }, () => {
  it('every EQL query parses, EQL rules have a condition, sequences keep their join keys, hunting pages are not rules', async () => {
    const res = await scanSource(elasticAdapter, path.join(SHARED, 'corpora', 'elastic'), { repository: 'elastic/detection-rules' });
    const eql = res.rules.filter((r) => r.facts.language === 'eql' || (Array.isArray(r.facts.language) && r.facts.language.includes('EQL')));
    const syntax = eql.filter((r) => r.diagnostics.some((d) => d.code === 'EQL001')).map((r) => `${r.source.path}: ${r.diagnostics.find((d) => d.code === 'EQL001')!.message}`);
    assert.deepEqual(syntax, [], 'EQL syntax errors');
    const noCondition = eql.filter((r) => !r.logic.condition).map((r) => r.source.path);
    assert.ok(noCondition.length <= eql.length * 0.05, `EQL rules without a condition: ${noCondition.join(', ')}`);
    const sequences = eql.filter((r) => r.logic.aggregation?.function === 'sequence');
    assert.ok(sequences.length >= 200, `sequences: ${sequences.length}`);
    const declaredKeys = (r: (typeof sequences)[number]) => r.logic.stages.some((s) => Array.isArray(s.detail?.joinKeys) && (s.detail.joinKeys as unknown[]).length > 0);
    const keyless = sequences.filter((r) => declaredKeys(r) && r.logic.aggregation!.groupBy.length === 0);
    assert.ok(sequences.filter(declaredKeys).length >= 200, 'sequences with join keys');
    assert.deepEqual(keyless.map((r) => r.source.path), [], 'sequences whose join keys were lost');
    assert.equal(res.rules.filter((r) => r.source.path.endsWith('.md')).length, 0);
    const errors = res.files.filter((f) => f.outcome === 'error').map((f) => f.path);
    assert.deepEqual(errors, []);
  });
});
