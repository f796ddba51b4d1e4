/**
 * YARA-L 2.0: golden lowering per construct (fixtures written for these tests), syntax errors by code and
 * location, evaluation of single-event rules on UDM events, `detwiki eval`, and the Chronicle corpus figures.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { scanSource } from '../src/formats/scan.ts';
import { parseYaralText, yaralAdapter } from '../src/formats/yaral/index.ts';
import { resolveUdmField } from '../src/formats/yaral/resolve.ts';
import { evaluate } from '../src/model/evaluate.ts';
import { leaves } from '../src/model/expr.ts';
import { renderExpr, renderExprPretty } from '../src/model/render.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { assertGolden, fixture, SHARED, SHARED_PRESENT } from './helpers/golden.ts';

const src = { repository: 'test/yaral' };
const RULES = fixture('yaral', 'rules');

function parseFixture(name: string) {
  const text = readFileSync(path.join(RULES, name), 'utf8');
  return parseYaralText(`rules/${name}`, text, src);
}

function describeRule(r: RuleRecord): string[] {
  const l = r.logic;
  return [
    `rule ${r.id}: ${r.kind} (${r.kindReason})`,
    `attack: ${r.attackDeclared.map((a) => `${a.text}${a.techniqueId ? `=${a.techniqueId}` : ''}${a.tactic ? `@${a.tactic}` : ''}`).join(', ')}`,
    `completeness: ${l.completeness}`,
    ...l.stages.map((s) => `stage ${s.kind} ${s.label} [${s.span?.start}-${s.span?.end}]${s.expr ? `: ${renderExpr(s.expr)}` : ''}${s.detail ? ` ${JSON.stringify(s.detail)}` : ''}`),
    'condition:',
    l.condition ? renderExprPretty(l.condition) : '(none)',
    ...(l.condition ? [...leaves(l.condition)].map((p) => (p.kind === 'pred' ? `pred ${p.field} ${p.op} ${JSON.stringify(p.values)} ${JSON.stringify(p.opts ?? {})} @${p.span?.start}` : `opaque ${p.text.replace(/\s+/g, ' ')} | ${p.reason} @${p.span?.start}`)) : []),
    ...l.missing.map((m) => `missing: ${m.text.replace(/\s+/g, ' ')} | ${m.reason}`),
    `aggregation: ${JSON.stringify(l.aggregation ?? null)}`,
    ...l.outputFields.map((o) => `output ${o.name} (${o.source}) = ${o.from ?? ''}`),
    ...l.indicators.map((i) => `indicator ${i.field} ${i.op} ${JSON.stringify(i.values)}${i.cs === false ? ' ci' : ''}`),
    ...l.exclusions.map((e) => `exclusion: ${renderExpr(e.expr)}`),
    `facts: ${JSON.stringify(r.facts)}`,
    ...r.diagnostics.map((d) => `diagnostic ${d.code} ${d.line}:${d.column}`),
  ];
}

describe('yaral golden', () => {
  for (const name of readdirSync(RULES).filter((f) => f.endsWith('.yaral'))) {
    it(name, () => {
      const res = parseFixture(name);
      const lines = [`outcome: ${res.outcome}`, ...res.rules.flatMap((r) => ['', ...describeRule(r)])];
      assertGolden(fixture('yaral', name.replace(/\.yaral$/, '.expected.txt')), lines.join('\n'));
    });
  }
});

describe('yaral syntax errors', () => {
  it('a rule the grammar rejects keeps its metadata, with YRL005 at the offending token; the other rule is lowered', () => {
    const res = parseFixture('several_rules.yaral');
    assert.equal(res.outcome, 'parsed');
    const [first, second] = res.rules;
    assert.equal(first!.logic.completeness, 'partial');
    assert.equal(second!.title, 'Second');
    assert.equal(second!.logic.completeness, 'none');
    const d = second!.diagnostics.find((x) => x.code === 'YRL005');
    assert.ok(d, JSON.stringify(second!.diagnostics));
    assert.equal(d.line, 17);
    assert.equal(d.column, 30);
  });
  it('metric functions take named arguments in any order (bare words, `*`, placeholders): parsed, their value kept opaque', () => {
    const text = `rule first_seen_app {\n meta:\n  severity = "Low"\n events:\n  $e.metadata.event_type = "USER_LOGIN"\n  $e.target.user.userid = $user\n match:\n  $user over 1h\n outcome:\n  $days = max(metrics.auth_attempts_success(\n    period:1d, window:30d, metric:num_unique_filter_values,\n    agg:num_metric_periods, target.user.userid: $user,\n    principal.ip_geo_artifact.location.country_or_region: *))\n condition:\n  $e and $days = 0\n}\n`;
    const r = parseYaralText('rules/first_seen_app.yaral', text, src);
    assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
    const L = r.rules[0]!.logic;
    assert.equal(L.completeness, 'partial');
    assert.match(L.missing.map((m) => m.reason).join('\n'), /metrics\.auth_attempts_success\(/);
    // a named argument is not an expression elsewhere: `a: b` in a condition is still an error
    assert.equal(parseYaralText('rules/bad.yaral', text.replace('$e and $days = 0', '$e and period:1d'), src).rules[0]!.logic.completeness, 'none');
  });
  it('an outcome aggregate of a placeholder counts the event field it is bound to; sum is counted', () => {
    const rule = (outcome: string, bind = '$e.target.resource.name = $repo') =>
      parseYaralText('rules/o.yaral', `rule o {\n events:\n  $e.metadata.product_event_type = "git.clone"\n  $e.principal.user.userid = $user\n  ${bind}\n match:\n  $user over 30m\n outcome:\n  $n = ${outcome}\n condition:\n  $e and $n > 5\n}\n`, src).rules[0]!.logic;
    const repos = rule('count_distinct($repo)');
    assert.equal(repos.completeness, 'complete', JSON.stringify(repos.missing));
    assert.deepEqual([repos.aggregation?.function, repos.aggregation?.groupBy], ['count_distinct(target.resource.name)', ['principal.user.userid']]);
    assert.equal(rule('sum($e.network.sent_bytes)').aggregation?.function, 'sum(network.sent_bytes)');
    assert.equal(rule('sum($e.network.sent_bytes)').completeness, 'complete');
    // a placeholder bound to a repeated field (unnested: one value per element) is not that field
    assert.equal(rule('count_distinct($ip)', '$e.principal.ip = $ip').completeness, 'partial');
  });
  it('unterminated string: YRL001 at its line', () => {
    const res = parseYaralText('rules/u.yaral', 'rule u {\n events:\n  $e.x = "abc\n condition:\n  $e\n}\n', src);
    assert.equal(res.diagnostics[0]!.code, 'YRL001');
    assert.equal(res.diagnostics[0]!.line, 3);
  });
  it('a condition naming an undefined variable: YRL007 at the variable', () => {
    const res = parseYaralText('rules/v.yaral', 'rule v {\n events:\n  $e.metadata.event_type = "X"\n condition:\n  $e and #nope > 2\n}\n', src);
    const d = res.diagnostics.find((x) => x.code === 'YRL007');
    assert.ok(d);
    assert.deepEqual([d.line, d.column], [5, 10]);
  });
  for (const n of [300, 20_000]) {
    it(`nesting ${n} deep: YRL006 at the rule, no crash`, () => {
      const deep = '('.repeat(n) + '$e.x = "a"' + ')'.repeat(n);
      const res = parseYaralText('rules/d.yaral', `// deep\nrule d {\n events:\n  ${deep}\n condition:\n  $e\n}\n`, src);
      assert.equal(res.rules.length, 1);
      const d = res.rules[0]!.diagnostics.find((x) => x.code === 'YRL006');
      assert.ok(d, JSON.stringify(res.rules[0]!.diagnostics));
      assert.equal(d.line, n === 300 ? 3 : 2);
      assert.equal(res.rules[0]!.logic.completeness, 'none');
    });
  }
});

describe('yaral eval on UDM events', () => {
  const rule = parseFixture('single_event.yaral').rules[0]!;
  const ev = (e: unknown) => evaluate(rule.logic.condition!, e, { resolve: resolveUdmField });
  const base = {
    metadata: { event_type: 'PROCESS_LAUNCH' },
    principal: { hostname: 'ws-1', ip: ['10.9.9.9', '10.1.2.3'], user: { userid: 'alice' }, process: { file: { full_path: 'C:\\Office\\WINWORD.EXE' } } },
    target: { ip: ['192.168.4.4'], process: { file: { full_path: 'C:\\Windows\\PowerShell.exe', size: 4096 }, command_line: 'powershell -enc SQBFAFgA' } },
    security_result: [{ detection_fields: [{ key: 'status', value: 'allowed' }] }],
  };
  it('the single-event rule is complete', () => assert.equal(rule.logic.completeness, 'complete', JSON.stringify(rule.logic.missing)));
  it('matches (nocase regex, contains, map access, any over a repeated field, cidr)', () => assert.equal(ev(base), true));
  it('camelCase UDM JSON and a {udm: …} wrapper are found', () => {
    const camel = JSON.parse(JSON.stringify(base).replace('"event_type"', '"eventType"').replace('"full_path"', '"fullPath"').replace('"full_path"', '"fullPath"').replace('"command_line"', '"commandLine"').replace('"detection_fields"', '"detectionFields"'));
    assert.equal(ev({ udm: camel }), true);
  });
  it('the excluded user does not match', () => assert.equal(ev({ ...base, principal: { ...base.principal, user: { userid: 'svc_build' } } }), false));
  it('string comparisons are case-sensitive without nocase', () => assert.equal(ev({ ...base, metadata: { event_type: 'process_launch' } }), false));
  it('an omitted hostname is "" (zero value), so `$host != ""` fails', () => {
    const { hostname: _h, ...principal } = base.principal;
    assert.equal(ev({ ...base, principal }), false);
  });
  const withCommandLine = (command_line: string) => ({ ...base, target: { ...base.target, process: { ...base.target.process, command_line } } });
  it('the `-nop` regex excludes', () => assert.equal(ev(withCommandLine('powershell -nop -enc AAA')), false));
  it('to_lower equality is case-insensitive equality', () => assert.equal(ev(withCommandLine('PowerShell -EncodedCommand')), true));
  it('neither contains nor the lower-cased equality: no match', () => assert.equal(ev(withCommandLine('PowerShell -EncodedCommand x')), false));
  it('an unknown part makes the result unknown, never false', () => {
    const r = parseFixture('functions.yaral').rules[0]!;
    const out = evaluate(r.logic.condition!, { metadata: { event_type: 'USER_LOGIN' }, target: { user: { userid: 'root' } }, principal: { hostname: 'WS-12' }, security_result: [{ action: ['ALLOW'], severity: 'HIGH' }] }, { resolve: resolveUdmField });
    assert.equal(out, 'unknown');
  });
});

describe('yaral repeated fields: each element in turn, as YARA-L unnests them', () => {
  const one = (events: string) => {
    const r = parseYaralText('rules/r.yaral', `rule r {\n events:\n${events}\n condition:\n  $e\n}\n`, src).rules[0]!;
    return { r, ev: (e: unknown) => evaluate(r.logic.condition!, e, { resolve: resolveUdmField }) };
  };
  it('a negative test on a repeated field holds when some element fails it', () => {
    const { r, ev } = one('  $e.metadata.event_type = "NETWORK_CONNECTION"\n  $e.target.ip != "10.0.0.1"');
    assert.equal(r.logic.completeness, 'complete', JSON.stringify(r.logic.missing));
    const net = (ip: unknown) => ({ metadata: { event_type: 'NETWORK_CONNECTION' }, target: { ip } });
    assert.deepEqual([ev(net(['10.0.0.1', '8.8.8.8'])), ev(net(['10.0.0.1'])), ev(net('10.0.0.1')), ev(net(undefined))], [true, false, false, true]);
  });
  it('tests of one repeated field joined by and hold for the same element; joined by or, for any', () => {
    const { r, ev } = one('  $e.metadata.event_type = "USER_LOGIN"\n  $e.security_result.action = "BLOCK"\n  $e.security_result.summary = "denied"');
    assert.equal(r.logic.completeness, 'complete', JSON.stringify(r.logic.missing));
    const login = (sr: unknown) => ({ metadata: { event_type: 'USER_LOGIN' }, security_result: sr });
    assert.equal(ev(login([{ action: 'BLOCK', summary: 'denied' }])), true);
    assert.equal(ev(login([{ action: 'BLOCK' }, { summary: 'denied' }])), false); // no one element has both
    // a not over an or of tests on one element: every test fails for that element
    const { ev: ev2 } = one('  $e.metadata.event_type = "NETWORK_CONNECTION"\n  not (re.regex($e.target.ip, `^10\\.`) or re.regex($e.target.ip, `^192\\.168\\.`))');
    const net = (ip: string[]) => ({ metadata: { event_type: 'NETWORK_CONNECTION' }, target: { ip } });
    assert.deepEqual([ev2(net(['10.1.1.1', '192.168.1.1'])), ev2(net(['10.1.1.1', '8.8.8.8']))], [false, true]);
    // equalities or-ed: some element equals one of them, as before (no per-element scope needed)
    const { r: r3 } = one('  ($e.principal.ip = "1.2.3.4" or $e.principal.ip = "5.6.7.8")');
    assert.equal(r3.logic.condition!.kind !== 'each' && r3.logic.completeness, 'complete');
  });
  it('two repeated fields each with tests joined by and stay a missing part', () => {
    const { r } = one('  $e.security_result.action = "BLOCK"\n  $e.security_result.summary = "x"\n  $e.target.ip != "1.1.1.1"\n  $e.target.ip != "2.2.2.2"');
    assert.match(r.logic.missing.map((m) => m.reason).join('\n'), /must hold for the same element/);
  });
});

describe('detwiki eval on a YARA-L rule', () => {
  it('prints true / false per UDM event', () => {
    const bin = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'bin', 'detwiki.js');
    const events = path.join(fixture('yaral'), 'events.jsonl');
    const out = execFileSync(process.execPath, [bin, 'eval', path.join(RULES, 'entity_graph.yaral'), events, '--repo', fixture('yaral'), '--format', 'yaral', '--json'], { encoding: 'utf8' });
    const r = JSON.parse(out) as { rule: string; completeness: string; results: unknown[] }[];
    assert.equal(r[0]!.completeness, 'partial');
    assert.deepEqual(r[0]!.results, ['unknown', false, false]);
  });
});

describe('yaral corpus (../shared/corpora/chronicle)', { skip: !SHARED_PRESENT }, () => {
  it('every file accounted for; the grammar parses ≥ 98% of community/ and ≥ 95% of _deprecated/; conditions everywhere', async () => {
    const res = await scanSource(yaralAdapter, path.join(SHARED, 'corpora', 'chronicle'), src);
    const offenders: string[] = [];
    for (const f of res.files) if (f.outcome === 'error' || (f.outcome === 'skipped' && !f.reason)) offenders.push(`${f.path}: ${f.outcome}`);
    for (const group of ['rules/community/', 'rules/_deprecated/']) {
      const rules = res.rules.filter((r) => r.source.path.startsWith(group));
      const bad = rules.filter((r) => r.diagnostics.some((d) => d.code === 'YRL005' || d.code === 'YRL006'));
      const noCond = rules.filter((r) => !r.logic.condition);
      const need = group.includes('community') ? 0.98 : 0.95;
      if (rules.length === 0 || 1 - bad.length / rules.length < need) offenders.push(`${group}: ${bad.length} of ${rules.length} rules rejected: ${bad.map((r) => r.source.path).join(', ')}`);
      if (noCond.length / Math.max(1, rules.length) > 0.05) offenders.push(`${group}: ${noCond.length} rules without a condition`);
    }
    const crashes = res.files.flatMap((f) => f.diagnostics.filter((d) => d.code === 'GEN004').map((d) => `${f.path}: ${d.message}`));
    assert.deepEqual([...offenders, ...crashes], []);
  });
});

describe('YARA-L match keys the rule computes', () => {
  const keyed = (events: string, keys: string) => parseYaralText('rules/k.yaral', `rule k {\n meta:\n  severity = "Low"\n events:\n  $e.metadata.event_type = "USER_LOGIN"\n${events}\n match:\n  ${keys} over 10m\n condition:\n  #e > 2\n}\n`, src).rules[0]!;
  it('re.capture of a field: the first capture group (the whole match without one), counted per its value', async () => {
    const r = keyed('  re.capture($e.principal.user.userid, ":assumed-role/[^/(]*/(.*)$") = $instance\n  re.capture($e.target.hostname, "^[a-z]+") = $prefix', '$instance, $prefix');
    assert.equal(r.logic.completeness, 'complete', r.logic.missing.map((m) => m.reason).join('; '));
    assert.deepEqual(r.logic.aggregation?.derivedKeys, [
      { name: '$instance', field: 'principal.user.userid', missingAs: '', derived: { steps: [{ fn: 'extract', args: [':assumed-role/[^/(]*/(.*)$', 1] }] } },
      { name: '$prefix', field: 'target.hostname', missingAs: '', derived: { steps: [{ fn: 'extract', args: ['^[a-z]+', 0] }] } },
    ]);
    const { planAggregation } = await import('../src/model/aggregate.ts');
    const { AggregateState } = await import('../src/hunt/aggregate.ts');
    const p = planAggregation(r.logic.aggregation!);
    assert.ok(!('unsupported' in p));
    const st = new AggregateState(p);
    const resolve = (e: unknown, f: string) => f.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], e);
    const ev = (userid: string, host: string) => ({ principal: { user: { userid } }, target: { hostname: host } });
    const fired = [ev('arn:aws:sts::1:assumed-role/r/i-1', 'web01'), ev('arn:aws:sts::1:assumed-role/r2/i-1', 'web02'), ev('arn:aws:sts::1:assumed-role/r/i-2', 'web03'), ev('x:assumed-role/r/i-1', 'web9')].map((e, i) => st.add(e, i * 1000, resolve));
    assert.deepEqual(fired[3], { key: '"i-1"|"web"', count: 3 });
    // a computed key the model does not state (another function) keeps the rule partial
    assert.match(keyed('  strings.concat($e.principal.hostname, "x") = $h', '$h').logic.missing.map((m) => m.reason).join('; '), /\$h is a rule variable/);
  });
});
