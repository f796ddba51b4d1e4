import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dottedResolver, resolveDotted } from '../src/model/evaluate.ts';
import {
  and,
  applyTransform,
  buildLogic,
  deriveExclusions,
  deriveIndicators,
  evaluate,
  hasTerm,
  ipInCidr,
  named,
  not,
  opaque,
  or,
  pred,
  renderExpr,
  renderExprPretty,
  structuredPart,
  type Expr,
} from '../src/model/index.ts';

const py = { typing: 'strict', cs: true } as const;

/** The seed rule's shape: not (errorCode or errorMessage or eventName != X) and <policy check>. */
const seed: Expr = and(
  not(
    or(
      pred('errorCode', 'is_not_null', [], { truthy: true, missingAs: '' }),
      pred('errorMessage', 'is_not_null', [], { truthy: true, missingAs: '' }),
      pred('eventName', 'ne', ['UpdateAssumeRolePolicy'], py),
    ),
  ),
  opaque('Policy(json.loads(policy)).is_internet_accessible()', 'call into an external library (policyuniverse)'),
);

describe('rendering', () => {
  it('renders the seed condition as the page shows it', () => {
    assert.equal(
      renderExpr(structuredPart(seed)!),
      'not (errorCode is_not_null or errorMessage is_not_null or eventName ne "UpdateAssumeRolePolicy")',
    );
    assert.match(renderExpr(seed), / and <opaque: Policy\(json\.loads\(policy\)\)\.is_internet_accessible\(\)>$/);
  });
  it('shows meaning-changing options', () => {
    assert.equal(renderExpr(pred('Account', 'has', ['a', 'b'], { match: 'all' })), 'Account has[all] ["a", "b"]');
    assert.equal(renderExpr(pred('Name', 'eq', ['x'], { cs: false })), 'Name eq[ci] "x"');
    assert.equal(renderExpr(pred('CommandLine', 'contains', ['x'], { cs: true })), 'CommandLine contains[cs] "x"');
    assert.equal(renderExpr(pred('EventID', 'eq', [4625])), 'EventID eq 4625');
    assert.equal(renderExpr(pred('A', 'eq', [{ kind: 'field', field: 'B' }])), 'A eq field(B)');
  });
  it('parenthesizes mixed and/or and keeps quantifiers', () => {
    const e = and(pred('a', 'eq', [1]), or(pred('b', 'eq', [2]), pred('c', 'eq', [3])));
    assert.equal(renderExpr(e), 'a eq 1 and (b eq 2 or c eq 3)');
    const q: Expr = { kind: 'quant', count: 1, selector: 'filter_*', items: [{ name: 'filter_a', expr: pred('x', 'eq', ['1']) }] };
    assert.equal(renderExpr(not(q)), 'not (1 of filter_* {filter_a: x eq "1"})');
  });
  it('keeps the parentheses of a short or / and set out on its own line in a long expression', () => {
    const long = pred('CommandLine', 'contains', ['x'.repeat(60)]);
    const inner = or(and(pred('a', 'eq', [1]), pred('b', 'eq', [2])), pred('c', 'eq', [3]));
    assert.equal(renderExprPretty(and(long, inner), 60), `(\n  ${renderExpr(long)}\n  and\n  ((a eq 1 and b eq 2) or c eq 3)\n)`);
    assert.equal(renderExprPretty(not(and(long, pred('a', 'eq', [1]))), 60).split('\n')[0], 'not');
    assert.equal(renderExprPretty(inner, 60), '(a eq 1 and b eq 2) or c eq 3');
  });
});

describe('conjunctions', () => {
  it('a presence test repeated in one conjunction is kept once (SPL `f!=a f!=b`); other repeats, and presence of another kind, stay', () => {
    const present = (f: string, opts?: Parameters<typeof pred>[3]) => pred(f, 'is_not_null', [], opts);
    const spl = and(and(present('dest_ip'), not(pred('dest_ip', 'cidr', ['10.0.0.0/8']))), and(present('dest_ip'), not(pred('dest_ip', 'cidr', ['172.16.0.0/12']))));
    assert.equal(renderExpr(spl), 'dest_ip is_not_null and not dest_ip cidr "10.0.0.0/8" and not dest_ip cidr "172.16.0.0/12"');
    // Python truthiness is another test than presence: both kept; so is another field's, and a repeated equality
    assert.equal(renderExpr(and(present('a'), present('a', { truthy: true }), present('b'), pred('c', 'eq', ['x']), pred('c', 'eq', ['x']))).split(' and ').length, 5);
    // a named group is not opened, so its presence test stays within it
    const grouped = and(present('a'), named('sel', present('a')));
    assert.equal(grouped.kind === 'and' ? grouped.args.length : 0, 2);
  });
});

describe('exclusions and indicators', () => {
  it('seed: errorCode and errorMessage are exclusions, eventName eq is an indicator', () => {
    const ex = deriveExclusions(seed).map((x) => renderExpr(x.expr));
    assert.deepEqual(ex, ['errorCode is_not_null', 'errorMessage is_not_null']);
    const ind = deriveIndicators(seed).map((i) => `${i.field} ${i.op} ${JSON.stringify(i.values)}`);
    assert.deepEqual(ind, ['eventName eq ["UpdateAssumeRolePolicy"]']);
  });
  it('a bare negative predicate excludes its dual; excluded values never become indicators', () => {
    const e = and(pred('user', 'ne', ['root']), pred('action', 'eq', ['login']), not(pred('src', 'in', ['10.0.0.1', '10.0.0.2'])));
    assert.deepEqual(deriveExclusions(e).map((x) => renderExpr(x.expr)), ['user eq "root"', 'src in ["10.0.0.1", "10.0.0.2"]']);
    assert.deepEqual(deriveIndicators(e).map((i) => i.field), ['action']);
  });
  it('not 1 of filter_* excludes each filter with its name', () => {
    const q: Expr = {
      kind: 'quant',
      count: 1,
      selector: 'filter_*',
      items: [
        { name: 'filter_a', expr: pred('Image', 'ends_with', ['\\a.exe'], { cs: false }) },
        { name: 'filter_b', expr: pred('User', 'contains', ['SYSTEM'], { cs: false }) },
      ],
    };
    const ex = deriveExclusions(and(pred('Image', 'ends_with', ['\\reg.exe']), not(q)));
    assert.deepEqual(ex.map((x) => x.stage), ['filter_a', 'filter_b']);
  });
  it('not filter, a named group of one predicate, excludes that predicate with the name (a group of two stays one expression)', () => {
    const one = deriveExclusions(and(pred('OriginalFileName', 'eq', ['whoami.exe']), not(named('filter', pred('Image', 'ends_with', ['\\whoami.exe'])))));
    assert.deepEqual(one.map((x) => [x.expr.kind, renderExpr(x.expr), x.stage]), [['pred', 'Image ends_with "\\\\whoami.exe"', 'filter']]);
    const two = deriveExclusions(and(pred('a', 'eq', [1]), not(named('filter', and(pred('b', 'eq', [2]), pred('c', 'eq', [3]))))));
    assert.deepEqual(two.map((x) => [x.expr.kind, x.stage]), [['and', 'filter']]);
  });
  it('buildLogic marks opaque and thresholds it cannot count partial', () => {
    assert.equal(buildLogic({ stages: [], condition: seed }).completeness, 'partial');
    assert.equal(buildLogic({ stages: [], condition: pred('a', 'eq', [1]) }).completeness, 'complete');
    assert.equal(buildLogic({ stages: [] }).completeness, 'none');
    const agg = buildLogic({ stages: [], condition: pred('a', 'eq', [1]), aggregation: { function: 'avg(bytes)', groupBy: ['u'], threshold: { op: 'gt', value: 10 } } });
    assert.equal(agg.completeness, 'partial');
    assert.ok(agg.missing.some((m) => m.reason.startsWith('aggregation')));
    const counted = buildLogic({ stages: [], condition: pred('a', 'eq', [1]), aggregation: { groupBy: ['u'], threshold: { op: 'gt', value: 10 } } });
    assert.equal(counted.completeness, 'complete');
  });
});

describe('three-valued evaluation', () => {
  const ok = { eventName: 'UpdateAssumeRolePolicy', errorCode: null };
  it('seed: unknown when the guard passes, false when it fails', () => {
    assert.equal(evaluate(seed, ok), 'unknown');
    assert.equal(evaluate(seed, { ...ok, errorCode: 'AccessDenied' }), false);
    assert.equal(evaluate(seed, { ...ok, eventName: 'Other' }), false);
    // Python truthiness: an empty errorCode does not fail the guard
    assert.equal(evaluate(seed, { ...ok, errorCode: '' }), 'unknown');
    assert.equal(evaluate(structuredPart(seed)!, ok), true);
  });
  it('Kleene logic', () => {
    const u = opaque('x', 'y');
    assert.equal(evaluate(or(u, pred('a', 'eq', [1])), { a: 1 }), true);
    assert.equal(evaluate(or(u, pred('a', 'eq', [1])), { a: 2 }), 'unknown');
    assert.equal(evaluate(not(u), {}), 'unknown');
  });
  it('eq: strict typing (Python) vs loose (Sigma, KQL)', () => {
    assert.equal(evaluate(pred('n', 'eq', [5], py), { n: '5' }), false);
    assert.equal(evaluate(pred('n', 'eq', [5], { typing: 'loose' }), { n: '5' }), true);
    assert.equal(evaluate(pred('s', 'eq', ['ABC'], { cs: false }), { s: 'abc' }), true);
    assert.equal(evaluate(pred('s', 'eq', ['ABC'], { cs: true }), { s: 'abc' }), false);
  });
  it('missing fields: eq false, ne true, strict ordering unknown, missingAs default', () => {
    assert.equal(evaluate(pred('x', 'eq', ['a']), {}), false);
    assert.equal(evaluate(pred('x', 'ne', ['a']), {}), true);
    assert.equal(evaluate(pred('x', 'gt', [1], py), {}), 'unknown');
    assert.equal(evaluate(pred('x', 'gt', [1], { typing: 'loose' }), {}), false);
    assert.equal(evaluate(pred('x', 'contains', ['a'], { ...py, missingAs: '' }), {}), false);
    assert.equal(evaluate(pred('x', 'contains', ['a'], py), {}), 'unknown');
  });
  it('dotted paths, keys with dots, arrays', () => {
    assert.equal(evaluate(pred('a.b.c', 'eq', [1]), { a: { b: { c: 1 } } }), true);
    assert.equal(evaluate(pred('a.b', 'eq', [1]), { 'a.b': 1 }), true);
    assert.equal(evaluate(pred('r.name', 'eq', ['y']), { r: [{ name: 'x' }, { name: 'y' }] }), true);
  });
  it('the dotted resolver: longest key first, then shorter ones when the longer leads nowhere; list indexes; case; long paths', () => {
    const ci = dottedResolver({ caseInsensitive: true });
    // asked twice: the second read comes from the path kept for the field
    for (let round = 0; round < 2; round++) {
      assert.equal(resolveDotted({ 'a.b': { c: 1 }, a: { b: { c: 2 } } }, 'a.b.c'), 1);
      assert.equal(resolveDotted({ 'a.b': { x: 1 }, a: { b: { c: 2 } } }, 'a.b.c'), 2);
      assert.equal(resolveDotted({ 'a.b': { c: undefined }, a: { b: { c: 2 } } }, 'a.b.c'), 2);
      assert.deepEqual(resolveDotted({ a: [{ b: 1 }, { c: 2 }, { b: [3, 4] }] }, 'a.b'), [1, 3, 4]);
      assert.equal(resolveDotted({ a: [{ b: 1 }, { b: 5 }] }, 'a.1.b'), 5);
      assert.equal(resolveDotted({ a: { '1': 'k' } }, 'a.1'), 'k');
      assert.equal(resolveDotted({ A: { b: 1 } }, 'a.b'), undefined);
      assert.equal(ci({ A: { B: 1 } }, 'a.b'), 1);
      assert.equal(ci({ a: { b: 0 }, A: { b: 1 } }, 'a.b'), 0);
      assert.equal(resolveDotted({ a: null }, 'a.b'), undefined);
      assert.equal(resolveDotted({ a: null }, 'a'), null);
      const deep = Array.from({ length: 40 }, (_, i) => `k${i}`);
      const ev: Record<string, unknown> = { [deep.slice(0, 20).join('.')]: { [deep.slice(20).join('.')]: 'deep' } };
      assert.equal(resolveDotted(ev, deep.join('.')), 'deep');
    }
  });
  it('match all vs any (has_all)', () => {
    const ev = { cmd: 'powershell -enc abc' };
    assert.equal(evaluate(pred('cmd', 'has', ['powershell', 'enc'], { match: 'all' }), ev), true);
    assert.equal(evaluate(pred('cmd', 'has', ['powershell', 'nope'], { match: 'all' }), ev), false);
    assert.equal(evaluate(pred('cmd', 'has', ['powershell', 'nope']), ev), true);
  });
  it('KQL has is a term match', () => {
    assert.equal(hasTerm('c:\\windows\\system32\\cmd.exe', 'cmd.exe'), true);
    assert.equal(hasTerm('xcmd.exe', 'cmd.exe'), false);
    assert.equal(hasTerm('run powershell.exe', 'power', 'prefix'), true);
    assert.equal(hasTerm('run powershell.exe', 'shell', 'prefix'), false);
    assert.equal(hasTerm('run powershell.exe', 'shell.exe', 'suffix'), true);
    assert.equal(hasTerm('run powershell.exe', 'power', 'suffix'), false);
    assert.equal(evaluate(pred('f', 'has', ['Cmd']), { f: 'run cmd now' }), true);
    assert.equal(evaluate(pred('f', 'has', ['Cmd'], { cs: true }), { f: 'run cmd now' }), false);
  });
  it('wildcards, regex (bounded, unknown when unsupported), cidr', () => {
    assert.equal(evaluate(pred('i', 'wildcard', ['*\\reg.exe']), { i: 'C:\\Windows\\REG.EXE' }), true);
    assert.equal(evaluate(pred('i', 'wildcard', ['a\\*b']), { i: 'a*b' }), true);
    assert.equal(evaluate(pred('i', 'wildcard', ['a\\*b']), { i: 'axxb' }), false);
    assert.equal(evaluate(pred('i', 'wildcard', ['%.exe'], { wildcard: 'like' }), { i: 'a.exe' }), true);
    assert.equal(evaluate(pred('s', 'regex', ['^a+$']), { s: 'aaa' }), true);
    assert.equal(evaluate(pred('s', 'regex', ['b'], { anchor: 'start' }), { s: 'ab' }), false);
    assert.equal(evaluate(pred('s', 'regex', ['(?<=a)b']), { s: 'ab' }), 'unknown');
    assert.equal(evaluate(pred('s', 'regex', ['(a+)+$']), { s: 'a'.repeat(5000) + '!' }), false);
    assert.equal(ipInCidr('10.1.2.3', '10.0.0.0/8'), true);
    assert.equal(ipInCidr('11.1.2.3', '10.0.0.0/8'), false);
    assert.equal(ipInCidr('fe80::1', 'fe80::/10'), true);
    // the edges of the 32-bit arithmetic, host bits in the network, the families kept apart, bad bit counts
    assert.equal(ipInCidr('255.255.255.255', '0.0.0.0/0'), true);
    assert.equal(ipInCidr('192.0.2.7', '192.0.2.7/32'), true);
    assert.equal(ipInCidr('192.0.2.8', '192.0.2.7/32'), false);
    assert.equal(ipInCidr('192.0.2.8', '192.0.2.7'), false);
    assert.equal(ipInCidr('200.1.1.1', '128.0.0.0/1'), true);
    assert.equal(ipInCidr('127.1.1.1', '128.0.0.0/1'), false);
    assert.equal(ipInCidr('10.9.9.9', '10.1.2.3/8'), true);
    assert.equal(ipInCidr(' 10.1.2.3 ', '10.0.0.0/8'), true);
    assert.equal(ipInCidr('::ffff:10.1.2.3', '10.0.0.0/8'), false);
    assert.equal(ipInCidr('10.1.2.3', '::/0'), false);
    assert.equal(ipInCidr('2001:db8::1', '2001:db8::/32'), true);
    assert.equal(ipInCidr('2001:db9::1', '2001:db8::/32'), false);
    for (const bad of ['10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/8.5', '10.0.0.0/x', 'fe80::/129', 'not-a-range/8', '256.0.0.0/8']) assert.equal(ipInCidr('10.1.2.3', bad), false, bad);
  });
  it('is_null vs truthiness', () => {
    assert.equal(evaluate(pred('x', 'is_null'), { x: '' }), false);
    assert.equal(evaluate(pred('x', 'is_null', [], { truthy: true }), { x: '' }), true);
    assert.equal(evaluate(pred('x', 'is_not_null', [], { truthy: true }), { x: [] }), false);
  });
  it('Sigma transforms', () => {
    assert.deepEqual(applyTransform('base64', 'abc'), ['YWJj']);
    assert.equal(applyTransform('base64offset', 'http').length, 3);
    assert.deepEqual(applyTransform('windash', '-enc x').sort(), ['-enc x', '/enc x', '\u2013enc x', '\u2014enc x', '\u2015enc x'].sort());
    const e = pred('CommandLine', 'contains', ['http'], { transforms: ['base64offset'] });
    assert.equal(evaluate(e, { CommandLine: 'xx ' + Buffer.from('get http://a').toString('base64') }), true);
  });
});

describe('documentation', () => {
  it('docs/operators.md is generated from OPERATOR_FACTS and current', async () => {
    const { readFileSync } = await import('node:fs');
    const { renderOperatorsDoc } = await import('../src/model/operators-doc.ts');
    assert.equal(readFileSync(new URL('../docs/operators.md', import.meta.url), 'utf8'), renderOperatorsDoc());
  });
});
