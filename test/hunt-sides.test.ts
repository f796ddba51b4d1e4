/**
 * Multi-event rules in a hunt: EQL sequences stated side by side (steps in order on their keys, within maxspan; a
 * missing event and `until` as absent sides) and KQL joins, their events paired as they come, in process and in
 * DuckDB alike.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { detectFormat } from '../src/formats/detect.ts';
import { parseElasticText } from '../src/formats/elastic/index.ts';
import { scanSource } from '../src/formats/scan.ts';
import { sigmaAdapter } from '../src/formats/sigma/index.ts';
import { parseSplunkText } from '../src/formats/splunk/index.ts';
import { parseYaralText } from '../src/formats/yaral/index.ts';
import { resolveUdmField } from '../src/formats/yaral/resolve.ts';
import { HuntEngine } from '../src/hunt/engine.ts';
import { hunt, type Hit } from '../src/hunt/session.ts';
import { huntDuckdb } from '../src/hunt/sql/session.ts';
import { evaluateSides, keyBucket, renderSides } from '../src/model/multiEvent.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { kqlLogic } from './helpers/kql.ts';
import { tempDir } from './helpers/tempDir.ts';

const SRC = { repository: 'test/sides' };
const dir = tempDir('detwiki-sides-');

const eqlRule = (query: string): RuleRecord => {
  const text = `[rule]\nname = "S"\nrule_id = "s"\ntype = "eql"\nlanguage = "eql"\nquery = '''\n${query}\n'''\n`;
  const r = parseElasticText('rules/s.toml', text, SRC);
  assert.equal(r.outcome, 'parsed', JSON.stringify(r.diagnostics));
  return r.rules[0]!;
};

const SEQ = 'sequence by host.id with maxspan=1m [process where process.name == "a.exe"] by process.entity_id [network where destination.port == 443] by process.parent.entity_id';
const t = (s: number) => new Date(Date.UTC(2024, 0, 1) + s * 1000).toISOString();
const proc = (s: number, entity = 'p1', name = 'a.exe') => ({ '@timestamp': t(s), event: { category: 'process', type: 'start' }, host: { id: 'h' }, process: { name, entity_id: entity } });
const net = (s: number, parent = 'p1') => ({ '@timestamp': t(s), event: { category: 'network' }, host: { id: 'h' }, destination: { port: 443 }, process: { parent: { entity_id: parent } } });
const file = (s: number) => ({ '@timestamp': t(s), event: { category: 'file', type: 'deletion' }, host: { id: 'h' }, process: { entity_id: 'p1' } });
const end = (s: number) => ({ '@timestamp': t(s), event: { category: 'process', type: 'end' }, host: { id: 'h' }, process: { entity_id: 'p1' } });

/** Hits of a hunt with --all, in process and in DuckDB (which must agree): `type line group (dependsOn)`. */
async function both(rule: RuleRecord, name: string, events: readonly unknown[]): Promise<string[]> {
  const f = path.join(dir, name);
  writeFileSync(f, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const show = (h: Hit) => `${h.type} ${h.pos.line}${h.group ? ` [${h.group.replaceAll(`${f}:`, '')}]` : ''}${h.dependsOn?.length ? ` (${h.dependsOn.join('; ')})` : ''}`;
  const mem: string[] = [];
  const duck: string[] = [];
  await hunt(new HuntEngine([rule], { all: true }), [f], { onHit: (h) => mem.push(show(h)) });
  await huntDuckdb(new HuntEngine([rule], { all: true }), [f], { all: true, onHit: (h) => duck.push(show(h)) });
  assert.deepEqual(duck, mem);
  return mem;
}

describe('an EQL sequence stated side by side', () => {
  it('is complete: steps in order on their keys within maxspan, a missing event and until as absent sides', () => {
    const r = eqlRule(SEQ.replace(' [network', ' ![file where event.type == "deletion"] by process.entity_id [network') + ' until [process where event.type == "end"] by process.entity_id');
    assert.equal(r.logic.completeness, 'complete', JSON.stringify(r.logic.missing));
    assert.deepEqual(renderSides(r.logic.aggregation!.sides!), [
      'step 1 (an event must match): event.category eq "process" and process.name eq "a.exe"',
      'missing step 2 (no event may match) on host.id, process.entity_id: event.category eq "file" and event.type eq "deletion"',
      'step 3 (an event must match) on step 1.host.id == step 3.host.id, step 1.process.entity_id == step 3.process.parent.entity_id: event.category eq "network" and destination.port eq 443',
      'until (no event may match) on host.id, process.entity_id: event.category eq "process" and event.type eq "end"',
      'where missing step 2.@timestamp after step 1.@timestamp',
      'where step 3.@timestamp after step 1.@timestamp',
      'where step 3.@timestamp after missing step 2.@timestamp',
      'where until.@timestamp after step 1.@timestamp',
      'where step 3.@timestamp after until.@timestamp',
    ]);
  });

  it('one event never takes two steps; with equal times the later step is the later event', () => {
    const r = eqlRule('sequence with maxspan=1m [process where true] [process where true]');
    const sides = r.logic.aggregation!.sides!;
    assert.equal(evaluateSides(sides, [proc(0)]), false);
    assert.equal(evaluateSides(sides, [proc(0), proc(0, 'p2')]), true);
  });

  it('an optional key, or more steps than are stated side by side, leaves the sequence unstated, saying why', () => {
    const opt = eqlRule('sequence by ?host.id [process where true] [network where true]');
    assert.equal(opt.logic.aggregation?.sides, undefined);
    assert.match(opt.logic.missing[0]!.reason, /the join key \?host\.id is optional/);
    // runs are expanded into sides, so a hostile count is not
    const runs = eqlRule('sequence [process where true] with runs=100000000 [file where true]');
    assert.equal(runs.logic.aggregation?.sides, undefined);
    assert.match(runs.logic.missing[0]!.reason, /100000001 steps \(with their runs\), more than the 100 stated side by side/);
  });
});

const YARAL = (extra = '', options = '') => `rule fail_then_success {
 meta:
  severity = "Medium"
 events:
  $fail.metadata.event_type = "USER_LOGIN"
  $fail.security_result.action = "BLOCK"
  $fail.target.user.userid = $user
  $success.metadata.event_type = "USER_LOGIN"
  $success.security_result.action = "ALLOW"
  $success.target.user.userid = $user
  $fail.metadata.event_timestamp.seconds < $success.metadata.event_timestamp.seconds
${extra} match:
  $user over 15m
 condition:
  $fail and $success
${options}}
`;

const yaralRule = (text: string): RuleRecord => {
  const r = parseYaralText('rules/fail_then_success.yaral', text, SRC);
  assert.equal(r.outcome, 'parsed', JSON.stringify(r.diagnostics));
  return r.rules[0]!;
};

describe('a YARA-L rule over several event variables stated side by side', () => {
  it('each variable a side, joined on its placeholder, with the time order and a != between them as constraints: complete', () => {
    const r = yaralRule(YARAL('  $fail.principal.hostname != $success.principal.hostname\n'));
    assert.equal(r.logic.completeness, 'complete', JSON.stringify(r.logic.missing));
    assert.equal(r.logic.aggregation?.window, '15m');
    assert.deepEqual(renderSides(r.logic.aggregation!.sides!), [
      '$fail (an event must match): metadata.event_type eq "USER_LOGIN" and security_result.action eq "BLOCK"',
      '$success (an event must match) on target.user.userid: metadata.event_type eq "USER_LOGIN" and security_result.action eq "ALLOW"',
      'where $success.metadata.event_timestamp.seconds > $fail.metadata.event_timestamp.seconds',
      'where not $fail.principal.hostname eq $success.principal.hostname',
    ]);
  });

  it('a join on a repeated field pairs element by element (YARA-L unnests it); a tumbling window keeps the rule a correlation, saying why', async () => {
    const r = yaralRule(YARAL().replaceAll('target.user.userid = $user', 'principal.ip = $user'));
    assert.equal(r.logic.completeness, 'complete', JSON.stringify(r.logic.missing));
    assert.equal(r.logic.aggregation?.sides?.[1]?.keysAny, true);
    const login = (action: string, ip: string[], sec: number) => ({ metadata: { event_type: 'USER_LOGIN', event_timestamp: { seconds: sec } }, security_result: { action }, principal: { ip } });
    const hits = await both(r, 'yaral-ip.jsonl', [login('BLOCK', ['10.0.0.1', '10.0.0.2'], 100), login('ALLOW', ['10.0.0.3'], 110), login('ALLOW', ['10.0.0.2', '10.0.0.9'], 120)]);
    assert.deepEqual(hits, ['aggregate 3 [1, 3]']);
    const tumbling = yaralRule(YARAL().replace('$user over 15m', '$user by 15m'));
    assert.equal(tumbling.logic.aggregation?.sides, undefined);
    assert.ok(tumbling.logic.missing.some((m) => /\(a tumbling match window\)/.test(m.reason)), JSON.stringify(tumbling.logic.missing));
  });
});

describe('hunting multi-event rules', () => {
  it('a sequence fires at the event that completes it, naming the events it pairs', async () => {
    const hits = await both(eqlRule(SEQ), 'seq.jsonl', [proc(0), net(10, 'p2'), net(20), net(100), proc(200, 'p3', 'b.exe'), net(210, 'p3')]);
    assert.deepEqual(hits, ['aggregate 3 [1, 3]']);
  });

  it('the steps out of order, another key or beyond maxspan do not fire', async () => {
    assert.deepEqual(await both(eqlRule(SEQ), 'order.jsonl', [net(0), proc(10), net(80), proc(100, 'p2'), net(110)]), []);
  });

  it('a missing event or until between the steps keeps it from firing; after the last step it does not', async () => {
    const missing = eqlRule(SEQ.replace(' [network', ' ![file where event.type == "deletion"] by process.entity_id [network'));
    assert.deepEqual(await both(missing, 'missing.jsonl', [proc(0), file(5), net(10)]), []);
    assert.deepEqual(await both(missing, 'missing-after.jsonl', [proc(0), net(10), file(15)]), ['aggregate 2 [1, 2]']);
    const until = eqlRule(`${SEQ} until [process where event.type == "end"] by process.entity_id`);
    assert.deepEqual(await both(until, 'until.jsonl', [proc(0), end(5), net(10)]), []);
    assert.deepEqual(await both(until, 'until-after.jsonl', [proc(0), net(10), end(15)]), ['aggregate 2 [1, 2]']);
  });

  it('a missing event after the last step cannot be ruled out as events come: the rule may fire', async () => {
    const trailing = eqlRule('sequence by host.id with maxspan=1m [process where process.name == "a.exe"] ![file where event.type == "deletion"]');
    assert.deepEqual(await both(trailing, 'trailing.jsonl', [proc(0)]), ['may_fire 1 (no event of missing step 2 may come later (the hunt decides as events come))']);
  });

  it('on worker threads as on one: the events reach the pairing in input order', async () => {
    const events = [proc(0), net(10, 'p2'), net(20), net(100), proc(200, 'p3', 'b.exe'), net(210, 'p3'), proc(300, 'p4'), net(301, 'p4')];
    const f = path.join(dir, 'workers.jsonl');
    writeFileSync(f, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const runs: string[][] = [];
    for (const workers of [0, 2]) {
      const hits: string[] = [];
      await hunt(new HuntEngine([eqlRule(SEQ)], { all: true }), [f], { workers, onHit: (h) => hits.push(`${h.type} ${h.pos.line} ${h.group?.replaceAll(`${f}:`, '')}`) });
      runs.push(hits);
    }
    assert.deepEqual(runs[0], ['aggregate 3 1, 3', 'aggregate 8 7, 8']);
    assert.deepEqual(runs[1], runs[0]);
  });

  it('a YARA-L failure then success of one user within 15m fires; an empty user id pairs with nothing', async () => {
    const login = (action: string, user: string, sec: number) => ({ metadata: { event_type: 'USER_LOGIN', event_timestamp: { seconds: sec } }, security_result: { action }, target: { user: { userid: user } } });
    const r = yaralRule(YARAL());
    const hits = await both(r, 'yaral.jsonl', [login('BLOCK', 'ann', 100), login('ALLOW', 'bob', 110), login('ALLOW', 'ann', 90), login('ALLOW', 'ann', 200), login('BLOCK', '', 300), login('ALLOW', '', 310), login('BLOCK', 'cy', 400), login('ALLOW', 'cy', 400 + 16 * 60)]);
    assert.deepEqual(hits, ['aggregate 4 [1, 4]']);
    // UDM JSON writes a timestamp as RFC 3339 text: the rule's .seconds read from it, the window too
    const text = (e: ReturnType<typeof login>) => ({ ...e, metadata: { ...e.metadata, event_timestamp: new Date(e.metadata.event_timestamp.seconds * 1000).toISOString() } });
    const rfc = await both(r, 'yaral-rfc3339.jsonl', [login('BLOCK', 'ann', 100), login('ALLOW', 'ann', 90), login('ALLOW', 'ann', 200), login('BLOCK', 'cy', 400), login('ALLOW', 'cy', 400 + 16 * 60)].map(text));
    assert.deepEqual(rfc, ['aggregate 3 [1, 3]']);
    assert.equal(resolveUdmField({ metadata: { event_timestamp: '2024-05-01T10:00:00.25Z' } }, 'metadata.event_timestamp.seconds'), 1714557600);
    assert.equal(resolveUdmField({ metadata: { event_timestamp: '2024-05-01T10:00:00.25Z' } }, 'metadata.event_timestamp.nanos'), 250000000);
  });

  it('a KQL join pairs the rows of its sides on the key', async () => {
    const logic = kqlLogic('SigninLogs | where ResultType == "0" | join kind=inner (AuditLogs | where OperationName == "Add member to role") on UserId');
    assert.equal(logic.aggregation?.sides?.length, 2);
    const rule = eqlRule('process where true');
    const kql: RuleRecord = { ...rule, format: 'kusto', logic };
    const hits = await both(kql, 'join.jsonl', [{ ResultType: '0', UserId: 'u1' }, { OperationName: 'Add member to role', UserId: 'u2' }, { OperationName: 'Add member to role', UserId: 'u1' }]);
    assert.deepEqual(hits, ['aggregate 3 [1, 3]']);
  });
  it('a Splunk join pairs the search\'s events with the subsearch\'s on the join fields, through renames', async () => {
    const r = parseSplunkText('detections/cloud/x.yml', "name: X\nid: 1\ntype: TTP\nsearch: 'eventName=CreateLoginProfile | rename requestParameters.userName as who | join who [search eventName=ConsoleLogin | rename userIdentity.userName as who | stats count by who]'\n", SRC);
    const rule = r.rules[0]!;
    assert.equal(rule.logic.completeness, 'complete', JSON.stringify(rule.logic.missing));
    const created = (who: string) => ({ eventName: 'CreateLoginProfile', requestParameters: { userName: who } });
    const login = (who?: string) => ({ eventName: 'ConsoleLogin', ...(who ? { userIdentity: { userName: who } } : {}) });
    // bob's profile is created, then bob logs in (3 pairs with 2); ann logs in without a profile; a login without
    // a user name is left out by the subsearch's stats
    const hits = await both(rule, 'spljoin.jsonl', [created('bob'), login('ann'), login('bob'), login(), created('cy')]);
    assert.deepEqual(hits, ['aggregate 3 [1, 3]']);
  });
  it('kept events are filed so that every pair the pairing accepts shares a bucket (a number with its text or a boolean)', async () => {
    const logic = kqlLogic('SigninLogs | where ResultType == "0" | join kind=inner (AuditLogs | where OperationName == "Add member to role") on UserId');
    const sides = logic.aggregation!.sides!;
    const values: unknown[] = [1, '1', ' 1', true, 0, '', false, 'u1', 'U1', { a: 1 }, [1], 2.5, '2.5'];
    const resolve = (e: unknown, f: string) => (e as Record<string, unknown>)[f];
    for (const x of values) {
      for (const y of values) {
        const pairs = evaluateSides(sides, [{ ResultType: '0', UserId: x }, { OperationName: 'Add member to role', UserId: y }]) === true;
        if (pairs) assert.equal(keyBucket(resolve, { UserId: x }, ['UserId'], undefined, false), keyBucket(resolve, { UserId: y }, ['UserId'], undefined, false), `${JSON.stringify(x)} ~ ${JSON.stringify(y)}`);
      }
    }
    // in a hunt: a key true pairs with 1, as the pairing says
    const kql: RuleRecord = { ...eqlRule('process where true'), format: 'kusto', logic };
    assert.deepEqual(await both(kql, 'join-bool.jsonl', [{ ResultType: '0', UserId: true }, { OperationName: 'Add member to role', UserId: 1 }]), ['aggregate 2 [1, 2]']);
  });
});

/** The rules of one Sigma file (documents separated by `---`) in a fresh source folder, as the Sigma adapter scans it. */
async function sigmaRules(yaml: string): Promise<readonly RuleRecord[]> {
  const root = mkdtempSync(path.join(dir, 'sigma-'));
  mkdirSync(path.join(root, 'rules'));
  writeFileSync(path.join(root, 'rules', 'logons.yml'), yaml);
  const res = await scanSource(sigmaAdapter, root, SRC);
  return res.rules;
}

const LOGON_RULES = `title: Failed Logon
name: failed_logon
logsource: {product: windows, service: security}
detection: {selection: {EventID: 4625}, condition: selection}
---
title: Successful Logon
id: 5e1f0000-0000-4000-8000-000000000001
name: successful_logon
logsource: {product: windows, service: security}
detection: {selection: {EventID: 4624}, condition: selection}
---
title: Any Logon
name: any_logon
logsource: {product: windows, service: security}
detection: {selection: {EventID: [4624, 4625]}, condition: selection}
`;
const logon = (id: number, s: number, user?: string, field = id === 4625 ? 'TargetUserName' : 'SubjectUserName') => ({ EventID: id, '@timestamp': t(s), ...(user !== undefined ? { [field]: user } : {}) });

describe('a Sigma temporal correlation stated side by side', () => {
  it('pairs one event of each correlated rule on the group-by fields (through aliases) within the timespan', async () => {
    const rules = await sigmaRules(`${LOGON_RULES}---
title: Failure Then Success
correlation:
    type: temporal
    rules: [failed_logon, 5e1f0000-0000-4000-8000-000000000001]
    group-by: [User]
    aliases:
        User:
            failed_logon: TargetUserName
            successful_logon: SubjectUserName
    timespan: 10m
`);
    const r = rules.find((x) => x.title === 'Failure Then Success')!;
    assert.equal(r.logic.completeness, 'complete', JSON.stringify(r.logic.missing));
    const sides = r.logic.aggregation!.sides!;
    // the second rule is named by its id, its alias by its name
    assert.deepEqual(sides.map((s) => [s.name, s.keys, s.partnerKeys]), [['Failed Logon', ['TargetUserName'], undefined], ['Successful Logon', ['SubjectUserName'], ['TargetUserName']]]);
    const hits = await both(r, 'temporal.jsonl', [
      logon(4625, 0, 'alice'),
      logon(4624, 60, 'bob'), // another user: no pair
      logon(4624, 120, 'alice'), // alice's failure 2 minutes before: fires
      logon(4625, 1000, 'carol'),
      logon(4624, 2900, 'carol'), // 31 minutes later: outside the timespan
      logon(4624, 3000, 'dave'),
      logon(4625, 3100, 'dave'), // success before failure: the unordered type fires too
    ]);
    assert.deepEqual(hits, ['aggregate 3 [1, 3]', 'aggregate 7 [7, 6]']);
  });

  it('leaves to the backend (unknown) whether events without the group-by field pair, and whether one event stands for two rules', async () => {
    const rules = await sigmaRules(`${LOGON_RULES}---
title: Failure And Any
correlation:
    type: temporal
    rules: [failed_logon, any_logon]
    group-by: [TargetUserName]
    timespan: 10m
`);
    const r = rules.find((x) => x.title === 'Failure And Any')!;
    assert.equal(r.logic.completeness, 'complete');
    const hits = await both(r, 'temporal-unknown.jsonl', [
      logon(4625, 0, 'erin'), // a failure is also any logon: it alone may stand for both rules
      logon(4624, 30, 'erin', 'TargetUserName'), // a second event for erin: a true pair with the first
      logon(4625, 1000), // no user
      logon(4624, 1010), // no user either: SQL groups the two nulls, Splunk drops them
    ]);
    const why = '(a side or a key of the paired events cannot be decided, or the backend decides whether one event may stand for two sides and whether events without a key pair with each other)';
    assert.deepEqual(hits, [`may_fire 1 ${why}`, 'aggregate 2 [1, 2]', `may_fire 3 ${why}`, `may_fire 4 ${why}`]);
  });

  it('puts temporal_ordered events in the order of its rules, by their own times', async () => {
    const rules = await sigmaRules(`${LOGON_RULES}---
title: Ordered
correlation: {type: temporal_ordered, rules: [failed_logon, successful_logon], group-by: [User], aliases: {User: {failed_logon: TargetUserName, successful_logon: SubjectUserName}}, timespan: 10m}
`);
    const r = rules.find((x) => x.title === 'Ordered')!;
    assert.equal(r.logic.completeness, 'complete', JSON.stringify(r.logic.missing));
    assert.deepEqual(renderSides(r.logic.aggregation!.sides!), [
      'Failed Logon (an event must match): EventID eq 4625',
      'Successful Logon (an event must match) on Failed Logon.TargetUserName == Successful Logon.SubjectUserName: EventID eq 4624',
      'where Successful Logon.time after Failed Logon.time',
    ]);
    const hits = await both(r, 'ordered.jsonl', [
      logon(4624, 0, 'dave'),
      logon(4625, 60, 'dave'), // success before failure: not in order
      logon(4625, 120, 'alice'),
      logon(4624, 180, 'alice'), // in order: fires
      logon(4625, 300, 'frank'),
      { EventID: 4624, SubjectUserName: 'frank' }, // no time: its order cannot be known
    ]);
    assert.deepEqual(hits.map((h) => h.replace(/ \(.*\)/, '')), ['aggregate 4 [3, 4]', 'may_fire 6']);
  });

  it('keeps a temporal condition on how many of the rules matched a missing part', async () => {
    const rules = await sigmaRules(`${LOGON_RULES}---
title: Two Of Three
correlation: {type: temporal, rules: [failed_logon, successful_logon, any_logon], group-by: [TargetUserName], timespan: 10m, condition: {gte: 2}}
`);
    const r = rules.find((x) => x.title === 'Two Of Three')!;
    assert.equal(r.logic.completeness, 'partial');
    assert.equal(r.logic.aggregation!.sides, undefined);
  });
});

describe('a Sigma value_sum correlation', () => {
  it('sums the field over the correlated rule\'s events per group within the timespan', async () => {
    const rules = await sigmaRules(`title: Upload
name: upload
logsource: {product: aws, service: cloudtrail}
detection: {sel: {eventName: PutObject}, condition: sel}
---
title: Large Upload Volume
correlation: {type: value_sum, rules: [upload], group-by: [user], timespan: 1h, condition: {gte: 1000, field: bytes}}
`);
    const r = rules.find((x) => x.title === 'Large Upload Volume')!;
    const put = (s: number, user: string, bytes: number | string) => ({ eventName: 'PutObject', '@timestamp': t(s), user, bytes });
    const hits = await both(r, 'value-sum.jsonl', [put(0, 'ann', 600), put(60, 'bob', 900), put(120, 'ann', '500'), put(5000, 'bob', 200)]);
    // ann: 600 + 500 (text holding a number) within the hour; bob's 900 and 200 are 82 minutes apart
    assert.deepEqual(hits, ['aggregate 3 ["ann"]']);
  });
});

describe('a folder of loose Sigma rules', () => {
  it('is recognised as Sigma without marker folders (rules, correlations), and other YAML is not', () => {
    const loose = mkdtempSync(path.join(dir, 'loose-'));
    mkdirSync(path.join(loose, 'aws'));
    writeFileSync(path.join(loose, 'aws', 'a.yaml'), 'title: A\nlogsource: {product: aws, service: cloudtrail}\ndetection: {sel: {eventName: X}, condition: sel}\n');
    assert.equal(detectFormat(loose), 'sigma');
    const corr = mkdtempSync(path.join(dir, 'corr-'));
    writeFileSync(path.join(corr, 'c.yml'), 'title: only a correlation\ncorrelation: {type: temporal, rules: [a, b], timespan: 5m}\n');
    assert.equal(detectFormat(corr), 'sigma');
    // Panther's YAML detections (`Detection:`), Splunk's (`search:`), a compose file: not Sigma (each language's
    // own sniffer: test/sniff.test.ts)
    const other = mkdtempSync(path.join(dir, 'other-'));
    writeFileSync(path.join(other, 'p.yml'), 'AnalysisType: rule\nRuleID: x\nDetection:\n  - Key: a\n    Condition: Equals\n    Value: 1\nLogTypes: [AWS.CloudTrail]\n');
    writeFileSync(path.join(other, 's.yml'), 'name: x\nsearch: index=main | stats count\n');
    writeFileSync(path.join(other, 'docker-compose.yml'), 'services: {web: {image: nginx}}\n');
    assert.notEqual(detectFormat(other), 'sigma');
    const compose = mkdtempSync(path.join(dir, 'compose-'));
    writeFileSync(path.join(compose, 'docker-compose.yml'), 'services: {web: {image: nginx}}\n');
    assert.equal(detectFormat(compose), undefined);
  });
});
