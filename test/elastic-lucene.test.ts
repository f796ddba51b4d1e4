/**
 * Lucene query strings in Elastic rules: golden pairs per construct (test/fixtures/elastic/lucene), Lucene's
 * required / optional / prohibited clause rules under evaluation, and diagnostics with codes and locations.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lowerLucene, parseLucene } from '../src/formats/elastic/lucene/index.ts';
import { LUCENE_LIMITS } from '../src/formats/elastic/lucene/luceneFacts.ts';
import { evaluate } from '../src/model/evaluate.ts';
import { renderExpr } from '../src/model/render.ts';
import { assertGolden } from './helpers/golden.ts';
import { fixtureCases, lowerFixture, renderLowering } from './helpers/elasticQuery.ts';

const CTX = { file: 'rules/x.toml', line: 5, column: 10 };
const cond = (q: string) => {
  const r = lowerLucene(q, CTX);
  assert.ok(r.parsed, `did not parse: ${q}`);
  return r.condition!;
};
const show = (q: string) => renderExpr(cond(q));

describe('Lucene golden pairs', () => {
  for (const c of fixtureCases('lucene', 'lucene')) {
    it(c.name, () => assertGolden(c.expected, renderLowering(c.text, lowerFixture(lowerLucene, c.name, c.text))));
  }
});

describe('Lucene semantics', () => {
  it('white space between clauses is OR (query_string default operator)', () => {
    assert.equal(show('a:1 b:2'), 'a eq "1" or b eq "2"');
  });
  it('AND makes both sides required; an OR-clause beside a required one does not change what matches', () => {
    assert.equal(show('a:1 AND b:2'), 'a eq "1" and b eq "2"');
    const c = cond('a:1 AND b:2 OR c:3');
    assert.equal(renderExpr(c), 'a eq "1" and b eq "2"');
    assert.equal(evaluate(c, { a: '1', b: '2' }), true);
    assert.equal(evaluate(c, { c: '3' }), false);
  });
  it('- and NOT prohibit; a query of prohibited clauses matches every other document', () => {
    assert.equal(show('-a:1'), 'not a eq "1"');
    assert.equal(show('a:1 -b:2'), 'not b eq "2" and a eq "1"');
    assert.equal(evaluate(cond('NOT a:1'), {}), true);
  });
  it('field groups: the field applies to each clause inside; a leading - inside a group prohibits', () => {
    assert.equal(show('a:(x OR y)'), 'a eq "x" or a eq "y"');
    assert.equal(show('a:(-x OR y)'), 'not a eq "x" and a eq "y"');
    assert.equal(show('a:(\\-x)'), 'a eq "-x"');
  });
  it('terms are exact and case-sensitive on keyword fields; * and ? are wildcards', () => {
    const c = cond('process.name:cmd?.exe');
    assert.equal(evaluate(c, { process: { name: 'cmd1.exe' } }), true);
    assert.equal(evaluate(c, { process: { name: 'CMD1.exe' } }), false);
  });
  it('ranges: [ ] inclusive, { } exclusive, * open', () => {
    const c = cond('port:{1024 TO *]');
    assert.equal(evaluate(c, { port: 1024 }), false);
    assert.equal(evaluate(c, { port: 1025 }), true);
  });
});

describe('Lucene diagnostics', () => {
  const codes = (q: string) => {
    const r = lowerLucene(q, CTX);
    return { parsed: r.parsed, diags: r.diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`) };
  };
  it('ELU001: syntax errors located in the host file', () => {
    assert.deepEqual(codes('a:(b OR c'), { parsed: false, diags: ['ELU001 5:19'] });
    assert.deepEqual(codes('a:b AND\n"x'), { parsed: false, diags: ['ELU001 6:1'] });
  });
  it('ELU002: nesting and length are bounded; the parser never throws', () => {
    const deep = '('.repeat(LUCENE_LIMITS.maxDepth + 2) + 'a:b' + ')'.repeat(LUCENE_LIMITS.maxDepth + 2);
    assert.equal(codes(deep).diags[0]?.split(' ')[0], 'ELU002');
    assert.equal(codes('a:' + 'x'.repeat(LUCENE_LIMITS.maxLength)).diags[0]?.split(' ')[0], 'ELU002');
    assert.equal(parseLucene('a:[1 TO', CTX).value, undefined);
  });
  it('ELU003: lower-case or is a term; ELU004: optional clause beside a required one', () => {
    assert.deepEqual(codes('a:(x or y)').diags, ['ELU003 5:15']);
    assert.deepEqual(codes('a:1 AND b:2 OR c:3').diags, ['ELU004 5:22']);
  });
});
