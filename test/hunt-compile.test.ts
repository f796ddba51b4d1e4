/**
 * Compiled evaluation agrees with `evaluate()` exactly (three-valued), and the hunt engine's routing and literal
 * prefilters never drop a rule that is true or unknown on an event: a differential test over the Sigma regression
 * data and Panther tests (rules × events, sampled), plus invented edge cases for each fast path.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { adapterFor } from '../src/formats/registry.ts';
import { compile, runCompiled } from '../src/model/compile.ts';
import { evaluate, resolveDotted, verdict, type Truth } from '../src/model/evaluate.ts';
import { prefilterKeys } from '../src/hunt/prefilter.ts';
import { and, not, or, pred, type Expr } from '../src/model/expr.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { HuntEngine } from '../src/hunt/engine.ts';
import { SHARED } from './helpers/golden.ts';
import { pantherSample, sigmaSample, type CorpusSample } from './helpers/huntCorpus.ts';

const SIGMA = path.join(SHARED, 'corpora', 'sigma');
const PANTHER = path.join(SHARED, 'corpora', 'panther');

function resolverOf(r: RuleRecord) {
  return adapterFor(r.format)?.resolveField ?? resolveDotted;
}

/** Rules × events (each rule: its own events and up to `per` others, by stride): every disagreement listed. */
function differential(sample: CorpusSample, pool: readonly unknown[], per: number): { checked: number; offenders: string[] } {
  const offenders: string[] = [];
  let checked = 0;
  for (const r of sample.rules) {
    const cond = r.logic.condition;
    if (!cond) continue;
    const c = compile(cond);
    const resolve = resolverOf(r);
    const own = sample.events.filter((e) => e.ruleId === r.id).map((e) => e.event);
    const stride = Math.max(1, Math.floor(pool.length / per));
    const events = [...own, ...pool.filter((_, i) => i % stride === 0)];
    events.forEach((ev, i) => {
      checked++;
      const want = evaluate(cond, ev, { resolve });
      const got = runCompiled(c, ev, resolve);
      if (want !== got) offenders.push(`${r.id} event ${i}: evaluate=${String(want)} compiled=${String(got)}`);
    });
  }
  return { checked, offenders };
}

/** The engine (routing off, prefilter on) gives exactly the brute-force non-false results. */
function prefilterAgrees(rules: readonly RuleRecord[], events: readonly unknown[]): string[] {
  const engine = new HuntEngine(rules, { all: true });
  const offenders: string[] = [];
  events.forEach((ev, i) => {
    const got = new Map(engine.run(ev).results.map((r) => [r.rule.rule.id, r.truth]));
    for (const hr of engine.rules) {
      const want = evaluate(hr.condition, ev, { resolve: resolverOf(hr.rule) });
      const g: Truth = got.get(hr.rule.id) ?? false;
      if (g !== want) offenders.push(`${hr.rule.id} event ${i}: evaluate=${String(want)} engine=${String(g)}`);
    }
  });
  return offenders;
}

describe('compiled evaluation (invented cases)', () => {
  const cases: { name: string; e: Expr; events: unknown[] }[] = [
    {
      name: 'string fast paths with numbers, lists, null, missing and case',
      e: or(pred('a', 'contains', ['Ab']), pred('b', 'starts_with', ['x'], { cs: true }), pred('c', 'ends_with', ['.EXE']), pred('d', 'eq', ['Foo'], { cs: false })),
      events: [{ a: 'xaBy' }, { a: 12 }, { a: ['q', 'ab'] }, { a: null }, {}, { b: 'X1' }, { b: 'x1' }, { c: 'C:\\A.exe' }, { d: 'FOO' }, { d: ['foo'] }, { d: 5 }, { a: { ab: 1 } }],
    },
    {
      name: 'strict typing keeps Python errors unknown',
      e: and(pred('a', 'contains', ['x'], { typing: 'strict', cs: true }), pred('b', 'eq', ['1'], { typing: 'strict' })),
      events: [{ a: 'xx', b: '1' }, { a: 5, b: '1' }, { a: ['x'], b: '1' }, { b: '1' }, { a: 'x', b: 1 }, { a: null, b: '1' }],
    },
    {
      name: 'globs: escapes, non-ASCII, over-long input, all',
      e: or(pred('a', 'wildcard', ['*\\\\cmd.exe']), pred('b', 'wildcard', ['a\\*b*c', '*x?y*']), pred('c', 'wildcard', ['*ſ*']), pred('d', 'wildcard', ['*a*', '*b*'], { match: 'all' })),
      events: [{ a: 'C:\\Windows\\CMD.EXE' }, { a: 'C:\\cmd.exe' }, { b: 'a*bzzc' }, { b: 'axbzc' }, { b: 'qqxzyq' }, { c: 'S' }, { c: 'ſ' }, { a: 'é\\cmd.exe' }, { a: 'x'.repeat(70_000) + '\\cmd.exe' }, { d: 'ba' }, { d: 'a' }, { b: 7 }, { b: true }],
    },
    {
      name: 'not, quantifiers and unknown',
      e: and(not(pred('a', 'eq', ['1'])), { kind: 'quant', count: 1, selector: 's*', items: [{ name: 's1', expr: pred('b', 'regex', ['(?=x)']) }, { name: 's2', expr: pred('c', 'contains', ['z']) }] }),
      events: [{ a: '2', c: 'z' }, { a: '2', b: 'x' }, { a: '1' }, { c: 'zz' }],
    },
    {
      name: 'numbers (an event id): a number, a numeric string, a list, a boolean, null and missing; strict and loose; many values',
      e: or(pred('a', 'in', [1, 2, 11]), pred('b', 'eq', [4688], { typing: 'strict' }), pred('c', 'in', [1, 2, 3, 5, 7, 8, 9, 10, 11, 12, 13]), not(pred('d', 'in', [0, 22]))),
      events: [{ a: 11 }, { a: '11' }, { a: ' 11' }, { a: [3, 2] }, { a: true }, { a: 1.5 }, { a: null }, {}, { b: 4688 }, { b: '4688' }, { b: [4688] }, { c: 13 }, { c: '13' }, { c: 6 }, { d: 0 }, { d: -0 }, { d: '0' }, { d: false }, { d: 22, a: 3 }],
    },
    {
      name: 'null tests, defaults for a missing field (KQL), equality on a missing or null value',
      e: or(
        pred('a', 'is_null', []),
        and(pred('b', 'is_not_null', [], { empty: true }), pred('b', 'is_null', [], { empty: true })),
        pred('c', 'contains', ['x'], { missingAs: '', cs: false }),
        pred('d', 'regex', ['^$'], { missingAs: '', nullAsMissing: true }),
        pred('e', 'eq', ['v'], { typing: 'strict', cs: true }),
        pred('f', 'in', ['v', 'w'], { cs: false }),
        and(pred('g', 'is_null', [], { truthy: true }), pred('h', 'is_not_null', [], { truthy: true })),
      ),
      events: [
        { a: 1, g: 0, h: 'x' }, { a: 1, g: '', h: 0 }, { a: 1, g: [], h: [0] }, { a: 1, g: {}, h: {} }, { a: 1, g: false, h: true }, { a: 1, g: 'x', h: 'x' }, { a: 1, h: -1 },
        {}, { a: null }, { a: 0 }, { a: '' }, { a: 'x', b: '' }, { a: 'x', b: 'q' }, { a: 1, b: null }, { a: 1, c: 'aXb' }, { a: 1, c: null }, { a: 1, c: 5 }, { a: 1, d: null }, { a: 1, d: '' }, { a: 1, d: 'q' }, { a: 1, e: null }, { a: 1, e: 'v' }, { a: 1, f: 'W' }, { a: 1, f: null }, { a: 1, f: ['w'] }, { a: [], b: [] }],
    },
    {
      name: 'not equal, and lists against strings: any of the values, or the list whole (strict, listMatch)',
      e: and(
        pred('a', 'ne', ['Cmd.exe'], { cs: false }),
        pred('b', 'ne', ['x', 'y'], { cs: true, typing: 'strict' }),
        or(pred('c', 'eq', ['v'], { cs: false }), pred('d', 'in', ['v', 'w'], { typing: 'strict' }), pred('e', 'eq', ['v'], { listMatch: 'whole' }), pred('f', 'eq', ['v'], { typing: 'strict', listMatch: 'any', cs: true })),
      ),
      events: [
        { c: ['q', 'V'] }, { a: 'CMD.EXE', c: 'v' }, { a: 'x', b: 'y', c: 'v' }, { a: null, b: 5, c: 'v' }, { a: 7, c: 'v' }, { a: ['cmd.exe'], c: 'v' }, { a: ['q'], c: 'v' },
        { c: [null, 'v'] }, { c: [1, 'v'] }, { c: [{ v: 1 }] }, { c: [['v']] }, { c: [] }, { d: ['v'] }, { e: ['v'] }, { f: ['V', 'v'] }, { f: ['V'] }, { f: [null] },
      ],
    },
    {
      name: 'not equal is equal negated, unknown staying unknown (SQL-style nulls), numbers and field references too',
      e: or(and(pred('a', 'ne', ['v'], { nulls: 'propagate' }), pred('b', 'ne', [4688])), pred('c', 'ne', [{ kind: 'field', field: 'd' }])),
      events: [{ c: 'x', d: 'x' }, { a: null, c: 'x', d: 'x' }, { a: 'w', b: 4688, c: 'x', d: 'x' }, { a: 'w', b: '4688', c: 'x', d: 'X' }, { a: 'v', c: 'q' }, { a: 'w', c: 'x', d: 'x' }],
    },
    {
      name: "a field's default against another field of the event: decided on each event, not once",
      e: or(pred('i', 'eq', [{ kind: 'field', field: 'j' }], { missingAs: '' }), pred('k', 'contains', ['x'], { missingAs: 'xx' })),
      events: [{ j: '' }, { j: 'x' }, {}, { i: 'x', j: 'x' }, { j: '' }, { k: 'y' }, { k: null }],
    },
    {
      name: "KQL's has, hasprefix, hassuffix, has_all: terms bounded by non-word characters, case, numbers, lists, missing",
      e: or(
        pred('a', 'has', ['cmd', 'Power-Shell']),
        pred('b', 'has', ['inv'], { term: 'prefix', cs: true }),
        pred('c', 'has', ['shell'], { term: 'suffix' }),
        pred('d', 'has', ['x', 'y'], { match: 'all' }),
        pred('e', 'has', ['42']),
      ),
      events: [{ a: 'C:\\Windows\\CMD.exe /c' }, { a: 'cmdlet' }, { a: 'power-shell.exe' }, { a: 'é cmdé' }, { a: '_cmd' }, { a: ['x', 'cmd'] }, { a: null }, {}, { b: 'Invoke-X' }, { b: 'invoke' }, { b: 'x-invoke' }, { c: 'PowerShell' }, { c: 'shelly' }, { d: 'x y' }, { d: 'x-yz' }, { e: 42 }, { e: 1420 }, { e: '4 42' }],
    },
    {
      name: 'lists for regexes and globs: any of the values (null, objects, numbers, lists inside, long and non-ASCII values), "all" the slow way',
      e: or(
        pred('a', 'regex', ['^c:\\\\perf', 'x$']),
        pred('b', 'wildcard', ['C:\\Users\\Public\\*'], { cs: true, wildcard: 'plain' }),
        pred('c', 'wildcard', ['*\\cmd.exe']),
        pred('d', 'wildcard', ['*a*', '*b*'], { match: 'all' }),
        pred('e', 'regex', ['('], {}),
      ),
      events: [
        { a: ['q', 'C:\\PerfLogs\\x'] }, { a: ['q', 'C:\\perflogs'] }, { a: [null, { x: 1 }, 5, 'ax'] }, { a: [['x']] }, { a: [] }, { a: ['y', 'é'] },
        { b: ['C:\\Users\\Public\\a.exe'] }, { b: ['c:\\users\\public\\a.exe', 7] }, { b: [true, null] },
        { c: ['x', 'C:\\Windows\\CMD.EXE'] }, { c: ['é\\cmd.exe'] }, { c: ['x'.repeat(70_000) + '\\cmd.exe'] }, { c: [1, false, null] },
        { d: ['a', 'b'] }, { d: ['ab'] }, { d: ['a'] }, { e: ['x'] }, { e: [] },
      ],
    },
    {
      name: 'derived operands: a list (argv, split), a spread of elements, a field reference, a failed step, an unknown one',
      e: or(
        { ...pred('a', 'wildcard', ['C:\\PerfLogs\\*', 'C:\\Users\\Public\\*'], { cs: true, wildcard: 'plain' }), derived: { steps: [{ fn: 'argv' }] } },
        { ...pred('b', 'regex', ['^-enc']), derived: { steps: [{ fn: 'argv' }] } },
        { ...pred('c', 'contains', ['EVIL']), derived: { steps: [{ fn: 'split', args: [','] }, { fn: 'elements' }], lang: 'kql' } },
        { ...pred('d', 'eq', [{ kind: 'field', field: 'e' }]), derived: { steps: [{ fn: 'json' }, { fn: 'get', args: ['k'] }], lang: 'python', onError: 'unknown' } },
        { ...pred('f', 'eq', ['x'], { missingAs: '' }), derived: { steps: [{ fn: 'split', args: [','] }], lang: 'kql' } },
      ),
      events: [
        { a: 'cmd.exe /c C:\\PerfLogs\\x.bat' }, { a: '"C:\\Users\\Public\\a b.exe" -x' }, { a: 'c:\\perflogs\\x' }, { a: 5 }, { a: null }, {},
        { b: 'powershell -ENC AAAA' }, { b: 'powershell -e AAAA' }, { b: 'é -enc' },
        { c: 'a,evil,b' }, { c: 'a,b' }, { c: ['x,evil'] }, { c: 12 },
        { d: '{"k": "v"}', e: 'v' }, { d: '{"k": "v"}', e: 'w' }, { d: 'not json', e: 'v' }, { d: '{"k": null}' },
        { f: 'x,y' }, { f: 'x' }, { f: null }, {},
      ],
    },
    {
      name: 'transforms and field references',
      e: or(pred('a', 'contains', ['ab'], { transforms: ['base64offset'] }), pred('b', 'eq', [{ kind: 'field', field: 'c' }]), pred('d', 'contains', ['/x'], { transforms: ['windash'] })),
      events: [{ a: Buffer.from('xxab').toString('base64') }, { b: 'q', c: 'q' }, { b: 'q', c: 'Q' }, { d: '-x' }, { d: 'a /x' }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const compiled = compile(c.e);
      const got = c.events.map((ev) => runCompiled(compiled, ev, resolveDotted));
      const want = c.events.map((ev) => evaluate(c.e, ev));
      assert.deepEqual(got, want);
    });
  }
  it('globs of every style: an EQL or SPL backslash is a character, an SPL `?` too (compiled as evaluate reads them)', () => {
    const eql = (v: string, cs = false) => pred('a', 'wildcard', [v], { wildcard: 'plain', cs });
    const spl = (v: string, cs = false) => pred('a', 'wildcard', [v], { wildcard: 'spl', cs });
    const cases: [Expr, unknown, Truth][] = [
      [eql('C:\\Program Files\\*.exe'), { a: 'c:\\program files\\Foo.EXE' }, true],
      [eql('C:\\Program Files\\*.exe', true), { a: 'C:\\Program Files\\Foo.exe' }, true],
      [eql('?:\\$RECYCLE.BIN\\*'), { a: 'D:\\$Recycle.Bin\\S-1-5\\x' }, true],
      [eql('?:\\$RECYCLE.BIN\\*'), { a: 'D:\\Temp\\x' }, false],
      [eql('*\\\\server\\*'), { a: 'net use \\\\server\\share' }, true],
      [spl('*\\Windows Defender\\*'), { a: 'HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Real-Time' }, true],
      [spl('*\\Windows Defender\\*', true), { a: 'HKLM\\windows defender\\x' }, false],
      [spl('*a?b*'), { a: 'xxA?Bxx' }, true],
      [spl('*a?b*'), { a: 'xxacbxx' }, false],
      [pred('a', 'wildcard', ['*a\\*b'], { cs: false }), { a: 'xa*b' }, true],
      [pred('a', 'wildcard', ['*a\\*b'], { cs: false }), { a: 'xa\\yb' }, false],
    ];
    for (const [e, ev, want] of cases) {
      assert.equal(evaluate(e, ev), want, `evaluate ${JSON.stringify(e)} on ${JSON.stringify(ev)}`);
      assert.equal(runCompiled(compile(e), ev, resolveDotted), want, `compiled ${JSON.stringify(e)} on ${JSON.stringify(ev)}`);
    }
  });

  it('SQL-style nulls (MQL): a missing or null operand is unknown on the fast paths too, also under a not', () => {
    const nulls = { nulls: 'propagate' as const, cs: false };
    const e = and(pred('type.inbound', 'eq', [true], { nulls: 'propagate' }), not(pred('subject.subject', 'contains', ['signature requested'], nulls)));
    const cases: [unknown, Truth][] = [
      [{ type: { inbound: true }, subject: { subject: 'Hello' } }, true],
      [{ type: { inbound: true }, subject: { subject: 'Signature Requested now' } }, false],
      [{ type: { inbound: true } }, 'unknown'],
      [{ type: { inbound: true }, subject: { subject: null } }, 'unknown'],
      [{ type: { inbound: false } }, false],
    ];
    for (const [ev, want] of cases) {
      assert.equal(evaluate(e, ev), want, `evaluate on ${JSON.stringify(ev)}`);
      assert.equal(runCompiled(compile(e), ev, resolveDotted), want, `compiled on ${JSON.stringify(ev)}`);
      // the rule's verdict: the null (a missing or null subject) is no match
      assert.equal(verdict(e, ev), want === 'unknown' ? false : want, `verdict on ${JSON.stringify(ev)}`);
    }
    // the prefilter keys an MQL predicate again: an event without the key is skipped, as the verdict of a rule that
    // needs the predicate is then no match (null or false)
    assert.deepEqual(prefilterKeys(and(e, pred('sender.display_name', 'contains', ['Support'], nulls))), [{ field: 'sender.display_name', kind: 'sub', value: 'support' }]);
    const isNull = pred('a', 'is_null', [], { nulls: 'propagate' });
    assert.equal(runCompiled(compile(isNull), {}, resolveDotted), evaluate(isNull, {}));
  });

  it('a glob on a value longer than the regex input bound is unknown, as evaluate says', () => {
    const e = pred('a', 'wildcard', ['*x']);
    assert.equal(runCompiled(compile(e), { a: 'y'.repeat(70_000) + 'x' }, resolveDotted), 'unknown');
  });
});

describe('compiled evaluation and prefilters over the corpora', { skip: !existsSync(SIGMA) && 'no corpora' }, () => {
  it('Sigma regression data: compiled = evaluate on every rule × event (sampled); the engine drops nothing', async () => {
    const sample = await sigmaSample(SIGMA, 12);
    const pool = sample.events.map((e) => e.event);
    assert.ok(sample.rules.length > 400, `${sample.rules.length} rules`);
    const d = differential(sample, pool, 120);
    assert.ok(d.checked > 40_000, `${d.checked} checks`);
    assert.deepEqual(d.offenders, []);
    assert.deepEqual(prefilterAgrees(sample.rules, pool.filter((_, i) => i % 2 === 0)), []);
  });

  it('Panther tests: compiled = evaluate on every rule × event (sampled); the engine drops nothing', { skip: !existsSync(PANTHER) && 'no Panther corpus' }, async () => {
    const sample = await pantherSample(PANTHER, 4);
    const pool = sample.events.map((e) => e.event);
    assert.ok(sample.rules.length > 150, `${sample.rules.length} rules`);
    const d = differential(sample, pool, 60);
    assert.deepEqual(d.offenders, []);
    assert.deepEqual(prefilterAgrees(sample.rules, pool.filter((_, i) => i % 3 === 0)), []);
  });
});

describe('prefilter keys (invented cases)', () => {
  it('a regex gives the literal it requires, never a quantifier count or an alternative', async () => {
    const { requiredLiteral } = await import('../src/hunt/prefilter.ts');
    const got = ['abc\\.exe', 'a(b|c)def', 'x|yzzz', 'cmd\\.exe\\s+/c', 'ab?cdef', 'foo[bar]bazz', 'a{100}', 'x{1,3}yyyy', '\\d+', 'abc+de'].map(requiredLiteral);
    assert.deepEqual(got, ['abc.exe', 'def', undefined, 'cmd.exe', 'cdef', 'bazz', undefined, 'yyyy', undefined, 'abc']);
  });

  it('EQL and SPL globs key on their literals as their style reads them (a backslash before `*` is a character)', async () => {
    const { prefilterRequirement } = await import('../src/hunt/prefilter.ts');
    const rule = (id: string, e: Expr) => ({ id, format: 'sigma', title: id, logSources: [], attack: [], attackDeclared: [], facts: {}, logic: { condition: e, completeness: 'complete', stages: [], missing: [], exclusions: [], indicators: [], outputFields: [], eventKeys: [] } }) as unknown as RuleRecord;
    const exprs: Record<string, Expr> = {
      eqlDir: pred('path', 'wildcard', ['?:\\$RECYCLE.BIN\\*'], { wildcard: 'plain', cs: false }),
      eqlExe: pred('path', 'wildcard', ['C:\\Program Files\\*.exe'], { wildcard: 'plain', cs: false }),
      splReg: pred('path', 'wildcard', ['*\\Windows Defender\\*'], { wildcard: 'spl', cs: false }),
      splQ: pred('path', 'wildcard', ['*\\what?.exe'], { wildcard: 'spl', cs: false }),
    };
    assert.deepEqual(prefilterRequirement(exprs['splReg']!), { any: [{ field: 'path', kind: 'sub', value: '\\windows defender\\' }] });
    assert.deepEqual(prefilterRequirement(exprs['splQ']!), { any: [{ field: 'path', kind: 'base\\', value: 'what?.exe' }] });
    const rules = Object.entries(exprs).map(([id, e]) => rule(id, e));
    const events = [{ path: 'C:\\$RECYCLE.BIN\\S-1-5-21\\x.exe' }, { path: 'C:\\Program Files\\App\\a.exe' }, { path: 'c:\\program files\\a.EXE' }, { path: 'HKLM\\SOFTWARE\\Windows Defender\\Features\\TamperProtection' }, { path: 'D:\\x\\what?.exe' }, { path: 'D:\\x\\whatX.exe' }];
    const engine = new HuntEngine(rules, { all: true });
    const fired = events.map((ev) => engine.run(ev).results.map((r) => r.rule.rule.id).join(','));
    assert.deepEqual(fired, ['eqlDir', 'eqlExe', 'eqlExe', 'splReg', 'splQ', '']);
    assert.deepEqual(prefilterAgrees(rules, events), []);
  });

  it("KQL's has and a field's default key as far as they imply the value (a default the predicate holds on gives none)", async () => {
    const { prefilterRequirement } = await import('../src/hunt/prefilter.ts');
    const key = (field: string, kind: string, value: string) => ({ any: [{ field, kind, value }] });
    assert.deepEqual(prefilterRequirement(pred('CommandLine', 'has', ['WDigest'], { cs: false })), key('CommandLine', 'sub', 'wdigest'));
    assert.deepEqual(prefilterRequirement(pred('CommandLine', 'has', ['Mimi'], { cs: true, term: 'prefix' })), key('CommandLine', 'sub', 'mimi'));
    assert.equal(prefilterRequirement(pred('CommandLine', 'has', [''])), undefined);
    // YARA-L: an omitted field reads as its zero value ""
    assert.deepEqual(prefilterRequirement(pred('metadata.event_type', 'eq', ['PROCESS_LAUNCH'], { cs: true, missingAs: '' })), key('metadata.event_type', 'eq', 'process_launch'));
    assert.equal(prefilterRequirement(pred('target.process.file.sha256', 'eq', [''], { cs: true, missingAs: '' })), undefined);
    assert.equal(prefilterRequirement(pred('x', 'contains', [''], { missingAs: '' })), undefined);
    const rule = (id: string, e: Expr) => ({ id, format: 'sigma', title: id, logSources: [], attack: [], attackDeclared: [], facts: {}, logic: { condition: e, completeness: 'complete', stages: [], missing: [], exclusions: [], indicators: [], outputFields: [], eventKeys: [] } }) as unknown as RuleRecord;
    const rules = [
      rule('has', pred('a', 'has', ['WDigest'], { cs: false })),
      rule('zero', pred('b', 'eq', ['X'], { cs: true, missingAs: '' })),
      rule('zeroEmpty', or(pred('b', 'eq', [''], { cs: true, missingAs: '' }), pred('a', 'eq', ['q']))),
    ];
    const events = [{ a: 'reg add wdigest /v' }, { a: 'x.wdigest.y' }, { a: 'WDigestX' }, { b: 'X' }, { b: 'x' }, {}, { b: '' }, { a: 'q', b: 'z' }];
    assert.deepEqual(prefilterAgrees(rules, events), []);
  });

  it('a value over the regex input bound runs the keyed glob and regex rules (unknown, not skipped)', () => {
    const rule = (id: string, e: Expr) => ({ id, format: 'sigma', title: id, logSources: [], attack: [], attackDeclared: [], facts: {}, logic: { condition: e, completeness: 'complete', stages: [], missing: [], exclusions: [], indicators: [], outputFields: [], eventKeys: [] } }) as unknown as RuleRecord;
    const rules = [rule('g', pred('CommandLine', 'wildcard', ['*mimikatz*'])), rule('r', pred('CommandLine', 'regex', ['sekurlsa::\\w+']))];
    const engine = new HuntEngine(rules, { all: true });
    const long = { CommandLine: 'x'.repeat(70_000) };
    const got = Object.fromEntries(engine.run(long).results.map((r) => [r.rule.rule.id, r.truth]));
    assert.deepEqual(got, { g: 'unknown', r: 'unknown' });
    assert.deepEqual(engine.run({ CommandLine: 'hello' }).results, []);
  });
});
