/**
 * Kibana KQL (kuery) in Elastic rules: golden pairs per construct (test/fixtures/elastic/kuery), the meaning of the
 * lowered predicates under evaluation (keyword fields exact and case-sensitive, caseless fields, wildcards,
 * existence, nested), and diagnostics with their codes and host-file locations.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lowerKuery, parseKuery } from '../src/formats/elastic/kuery/index.ts';
import { KUERY_LIMITS } from '../src/formats/elastic/kuery/kueryFacts.ts';
import { evaluate } from '../src/model/evaluate.ts';
import { renderExpr } from '../src/model/render.ts';
import { assertGolden } from './helpers/golden.ts';
import { fixtureCases, lowerFixture, renderLowering } from './helpers/elasticQuery.ts';

const CTX = { file: 'rules/x.toml', line: 10, column: 9 };
const cond = (q: string) => {
  const r = lowerKuery(q, CTX);
  assert.ok(r.parsed, `did not parse: ${q}`);
  return r.condition!;
};
const show = (q: string) => renderExpr(cond(q));

describe('Kibana KQL golden pairs', () => {
  for (const c of fixtureCases('kuery', 'kuery')) {
    it(c.name, () => assertGolden(c.expected, renderLowering(c.text, lowerFixture(lowerKuery, c.name, c.text))));
  }
});

describe('Kibana KQL semantics', () => {
  it('keyword fields: exact and case-sensitive', () => {
    const c = cond('process.name:cmd.exe');
    assert.equal(evaluate(c, { process: { name: 'cmd.exe' } }), true);
    assert.equal(evaluate(c, { process: { name: 'CMD.EXE' } }), false);
    assert.equal(evaluate(c, { process: { name: 'xcmd.exe' } }), false);
  });
  it('.caseless fields compare case-insensitively', () => {
    assert.equal(evaluate(cond('process.name.caseless:cmd.exe'), { process: { name: { caseless: 'CMD.exe' } } }), true);
  });
  it('* is a wildcard, \\* a literal star, ? a literal character', () => {
    const c = cond('file.name:a*b?.txt');
    assert.equal(evaluate(c, { file: { name: 'aXXb?.txt' } }), true);
    assert.equal(evaluate(c, { file: { name: 'aXXbZ.txt' } }), false);
    assert.equal(evaluate(c, { file: { name: 'AXXb?.txt' } }), false);
    const lit = cond('file.name:a\\*b');
    assert.equal(evaluate(lit, { file: { name: 'a*b' } }), true);
    assert.equal(evaluate(lit, { file: { name: 'aXb' } }), false);
  });
  it('escaped backslashes before a wildcard stay literal backslashes', () => {
    const c = cond('file.path:C\\:\\\\Users\\\\*');
    assert.equal(evaluate(c, { file: { path: 'C:\\Users\\bob' } }), true);
    assert.equal(evaluate(c, { file: { path: 'C:\\Usersbob' } }), false);
  });
  it('a quoted value has no wildcards', () => {
    const c = cond('file.name:"a*b"');
    assert.equal(evaluate(c, { file: { name: 'a*b' } }), true);
    assert.equal(evaluate(c, { file: { name: 'aXb' } }), false);
  });
  it('field:* is presence (any indexed value, even empty)', () => {
    const c = cond('url.path:*');
    assert.equal(evaluate(c, { url: { path: '' } }), true);
    assert.equal(evaluate(c, { url: {} }), false);
  });
  it('keywords are case-insensitive and and binds tighter than or', () => {
    assert.equal(show('a:1 OR b:2 AnD c:3'), show('a:1 or (b:2 and c:3)'));
    assert.equal(show('NOT a:1'), 'not a eq "1"');
  });
  it('inside a value, or / and need spaces on both sides', () => {
    assert.equal(show('a:orange'), 'a eq "orange"');
    assert.equal(show('a:x-or-y'), 'a eq "x-or-y"');
    assert.equal(show('a:(x or y)'), 'a in ["x", "y"]');
  });
  it('value lists: or gives in, and / not keep their meaning', () => {
    const c = cond('process.args:(-enc and not -nop)');
    assert.equal(evaluate(c, { process: { args: ['-enc', '-w'] } }), true);
    assert.equal(evaluate(c, { process: { args: ['-enc', '-nop'] } }), false);
  });
  it('ranges compare numbers as numbers', () => {
    const c = cond('destination.port >= 1024');
    assert.equal(evaluate(c, { destination: { port: 8080 } }), true);
    assert.equal(evaluate(c, { destination: { port: 80 } }), false);
  });
  it('nested queries prefix the path and say that one object must match', () => {
    const r = lowerKuery('a:{ b:1 and c:2 }', CTX);
    assert.equal(renderExpr(r.condition!), 'a.b eq "1" and a.c eq "2"');
    assert.equal(r.missing.length, 1);
    assert.match(r.missing[0]!.reason, /^nested:/);
    assert.equal(lowerKuery('a:{ b:1 }', CTX).missing.length, 0);
  });
  it('free text and field-name patterns are opaque with a reason, never dropped', () => {
    const r = lowerKuery('mimikatz and file.hash.*:abc', CTX);
    const c = r.condition!;
    assert.equal(c.kind, 'and');
    const reasons = c.kind === 'and' ? c.args.map((a) => (a.kind === 'opaque' ? a.reason.split(':')[0] : a.kind)) : [];
    assert.deepEqual(reasons, ['search', 'field']);
    assert.deepEqual(r.diagnostics.map((d) => d.code), ['EKQ003', 'EKQ004']);
  });
  it('the empty query and a bare * match every document', () => {
    assert.deepEqual(cond('  '), { kind: 'const', value: true });
    assert.deepEqual(cond('*'), { kind: 'const', value: true });
  });
  it('predicate spans slice their clause from the query', () => {
    const q = 'a:1 and b:(x or y)';
    const c = cond(q);
    assert.equal(c.kind, 'and');
    const spans = c.kind === 'and' ? c.args.map((a) => (a.kind === 'pred' && a.span ? q.slice(a.span.start, a.span.end) : '')) : [];
    assert.deepEqual(spans, ['a:1', 'x or y']);
  });
});

describe('Kibana KQL diagnostics', () => {
  const codeAt = (q: string) => {
    const r = lowerKuery(q, CTX);
    return { parsed: r.parsed, diags: r.diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`) };
  };
  it('EKQ001: syntax error located in the host file (first line offset by the column)', () => {
    assert.deepEqual(codeAt('a:(b or'), { parsed: false, diags: ['EKQ001 10:16'] });
    assert.deepEqual(codeAt('a:b and\n  c:"unterminated'), { parsed: false, diags: ['EKQ001 11:5'] });
    assert.deepEqual(codeAt('a:b c:d'), { parsed: false, diags: ['EKQ001 10:14'] });
  });
  it('EKQ002: nesting and length are bounded; the parser never throws', () => {
    const deep = '('.repeat(KUERY_LIMITS.maxDepth + 5) + 'a:b' + ')'.repeat(KUERY_LIMITS.maxDepth + 5);
    assert.equal(codeAt(deep).diags[0]?.split(' ')[0], 'EKQ002');
    assert.equal(codeAt('a:' + 'x'.repeat(KUERY_LIMITS.maxLength)).diags[0]?.split(' ')[0], 'EKQ002');
    assert.equal(parseKuery('\u0000(((', CTX).value, undefined);
  });
  it('a text that does not parse keeps its stage and has no condition', () => {
    const r = lowerKuery('a:(', CTX);
    assert.equal(r.parsed, false);
    assert.equal(r.condition, undefined);
    assert.equal(r.stages.length, 1);
  });
});
