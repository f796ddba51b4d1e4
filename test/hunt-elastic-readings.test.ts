/**
 * Elastic rules read over raw logs (`src/formats/elastic/readings.ts`): an EQL rule on ECS process fields over a Sysmon
 * event in the event log's own form, and as written over Winlogbeat's ECS document of it; KQL rules over CloudTrail's
 * and Okta's JSON with `event.outcome` computed as the integrations' pipelines compute it; `process.args` split from
 * the command line as Windows splits it. The same results in process, on workers and in DuckDB.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { elasticAdapter } from '../src/formats/elastic/index.ts';
import { sigmaAdapter } from '../src/formats/sigma/index.ts';
import { CLOUDTRAIL_ECS, elasticHuntReadings } from '../src/formats/elastic/readings.ts';
import { readOver } from '../src/formats/readings.ts';
import { scanSource } from '../src/formats/scan.ts';
import { recogniseLogSources } from '../src/hunt/recognise.ts';
import { DUCKDB } from '../src/hunt/sql/dialects.ts';
import { hitKey, huntThreeWays, writeHuntFixture } from './huntThreeWays.ts';
import { commandLineToArgv } from '../src/model/derive.ts';
import { evaluate } from '../src/model/evaluate.ts';
import { pred } from '../src/model/expr.ts';
import type { RuleRecord } from '../src/model/rule.ts';

const rule = (id: number, name: string, body: string) => `[rule]
author = ["detection-wiki"]
description = "Invented rule for the hunt's ECS readings."
name = "${name}"
risk_score = 21
rule_id = "00000000-0000-4000-8000-0000000001${String(id).padStart(2, '0')}"
severity = "low"
${body}
`;

const RULES: Record<string, string> = {
  certutil: rule(1, 'Certutil URL Cache', `type = "eql"
language = "eql"
index = ["logs-windows.sysmon_operational-*", "winlogbeat-*"]
query = '''
process where host.os.type == "windows" and event.type == "start" and
  process.name : "certutil.exe" and process.command_line : "*urlcache*"
'''`),
  encoded: rule(2, 'Certutil Decode Argument', `type = "eql"
language = "eql"
index = ["logs-windows.sysmon_operational-*"]
query = '''
process where event.type == "start" and process.name : "certutil.exe" and process.args : "-decode"
'''`),
  rootlogin: rule(3, 'Console Root Login', `type = "query"
language = "kuery"
index = ["filebeat-*", "logs-aws.cloudtrail-*"]
query = '''
event.dataset:aws.cloudtrail and event.provider:signin.amazonaws.com and event.action:ConsoleLogin and
  aws.cloudtrail.user_identity.type:Root and event.outcome:success
'''`),
  failedcall: rule(4, 'Failed Trail Deletion', `type = "query"
language = "kuery"
index = ["logs-aws.cloudtrail-*"]
query = '''
event.dataset:aws.cloudtrail and event.action:DeleteTrail and event.outcome:failure
'''`),
  oktafail: rule(5, 'Okta Denied Sign-in', `type = "query"
language = "kuery"
index = ["logs-okta*"]
query = '''
event.dataset:okta.system and event.action:user.session.start and event.outcome:failure
'''`),  netlogon: rule(6, 'Network Logon From Outside', `type = "query"
language = "kuery"
index = ["logs-system.security*", "winlogbeat-*"]
query = '''
event.category:authentication and event.action:logged-in and winlog.logon.type:Network and
  event.outcome:success and source.ip:203.0.113.5
'''`),
  psencoded: rule(7, 'PowerShell FromBase64String', `type = "eql"
language = "eql"
index = ["logs-windows.powershell*"]
query = '''
any where host.os.type == "windows" and powershell.file.script_block_text : "*FromBase64String*"
'''`),
  whoami4688: rule(8, 'Whoami From Security 4688', `type = "eql"
language = "eql"
index = ["logs-system.security*"]
query = '''
process where host.os.type == "windows" and event.type == "start" and process.name : "whoami.exe"
'''`),
};

const sysmon1 = (data: Record<string, unknown>) => ({ Event: { System: { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } } }, EventData: data } });
// the same event as Elastic Agent ships it: ECS fields, the event data's remaining fields under winlog.event_data
const winlogbeat1 = (executable: string, commandLine: string) => ({
  winlog: { event_id: '1', channel: 'Microsoft-Windows-Sysmon/Operational', provider_name: 'Microsoft-Windows-Sysmon', event_data: {} },
  host: { os: { type: 'windows' } },
  event: { category: ['process'], type: ['start'], code: '1' },
  process: { executable, name: executable.split('\\').pop(), command_line: commandLine, args: commandLine.split(' ') },
});
const security = (id: number, data: Record<string, unknown>) => ({ Event: { System: { EventID: id, Channel: 'Security', Provider: { '#attributes': { Name: 'Microsoft-Windows-Security-Auditing' } } }, EventData: data } });
const powershell = (text: string) => ({ Event: { System: { EventID: 4104, Channel: 'Microsoft-Windows-PowerShell/Operational', Provider: { '#attributes': { Name: 'Microsoft-Windows-PowerShell' } } }, EventData: { ScriptBlockText: text, ScriptBlockId: 'b1', MessageNumber: 1, MessageTotal: 1 } } });
const trail = (e: Record<string, unknown>) => ({ eventVersion: '1.08', awsRegion: 'us-east-1', eventTime: '2026-01-01T00:00:00Z', userIdentity: { type: 'Root' }, ...e });
const okta = (result: string) => ({ eventType: 'user.session.start', uuid: `u-${result}`, published: '2026-01-01T00:00:00Z', actor: { alternateId: 'ann@example.com' }, outcome: { result } });

const EVENTS = [
  sysmon1({ Image: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil -urlcache -f http://x/a a.exe', User: 'CORP\\ann' }),
  sysmon1({ Image: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil -decode a.b64 a.exe', User: 'CORP\\ann' }),
  sysmon1({ Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'cmd /c certutil -urlcache', User: 'CORP\\ann' }),
  winlogbeat1('C:\\Windows\\System32\\certutil.exe', 'certutil -urlcache -f http://x/b b.exe'),
  trail({ eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', responseElements: { ConsoleLogin: 'Success' } }),
  // a failed sign-in with an error message: its responseElements decides
  trail({ eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', errorMessage: 'Failed authentication', responseElements: { ConsoleLogin: 'Failure' } }),
  trail({ eventSource: 'cloudtrail.amazonaws.com', eventName: 'DeleteTrail', errorCode: 'AccessDenied' }),
  trail({ eventSource: 'cloudtrail.amazonaws.com', eventName: 'DeleteTrail' }),
  okta('DENY'),
  okta('SUCCESS'),
  security(4624, { LogonType: '3', IpAddress: '::ffff:203.0.113.5', TargetUserName: 'ann', TargetDomainName: 'CORP' }),
  security(4624, { LogonType: '3', IpAddress: '10.1.2.3', TargetUserName: 'ann' }),
  security(4624, { LogonType: '2', IpAddress: '203.0.113.5', TargetUserName: 'ann' }),
  // an event id the pipeline's table (as read here) does not name: its action is unknown
  security(4648, { TargetUserName: 'ann', IpAddress: '203.0.113.9' }),
  security(4688, { NewProcessName: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /all', ParentProcessName: 'C:\\Windows\\System32\\cmd.exe' }),
  powershell('  $b = [Convert]::FromBase64String($s)  '),
  powershell('Get-Process'),
];

describe('detwiki hunt: Elastic rules read over raw logs', () => {
  let dir: string;
  let rules: readonly RuleRecord[];
  let file: string;
  before(async () => {
    ({ dir, file } = writeHuntFixture('detwiki-ecs-', Object.fromEntries(Object.entries(RULES).map(([name, text]) => [`elastic/rules/windows/${name}.toml`, text])), EVENTS));
    rules = (await scanSource(elasticAdapter, path.join(dir, 'elastic'), { repository: 'test/elastic' })).rules;
    assert.equal(rules.length, 8);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('tells a Sysmon event in the event log\'s form from an ECS document of it', () => {
    assert.ok(recogniseLogSources(EVENTS[0]).includes('vendor:windows/sysmon-eventlog'));
    assert.ok(!recogniseLogSources(EVENTS[3]).includes('vendor:windows/sysmon-eventlog'));
    assert.ok(recogniseLogSources(EVENTS[3]).includes('windows.process_creation'));
  });

  it('argv splits a command line as CommandLineToArgvW (the rule from before 2008)', () => {
    assert.deepEqual(commandLineToArgv('"C:\\Program Files\\x.exe" /a  "b c"'), ['C:\\Program Files\\x.exe', '/a', 'b c']);
    assert.deepEqual(commandLineToArgv('a\\\\\\"b'), ['a\\"b'], '2n+1 backslashes and a quote: n backslashes and a literal quote');
    assert.deepEqual(commandLineToArgv('a\\\\"b c"'), ['a\\b c'], '2n backslashes and a quote: n backslashes, the quote opens');
    assert.deepEqual(commandLineToArgv('"a""b"'), ['a"b'], 'a doubled quote inside quotes: one quote, and the quoted part closes');
    assert.deepEqual(commandLineToArgv(' \tx\t y '), ['x', 'y']);
    assert.deepEqual(commandLineToArgv('""'), ['']);
    assert.deepEqual(commandLineToArgv('C:\\dir\\ x'), ['C:\\dir\\', 'x'], 'backslashes before anything but a quote are literal');
  });

  it('argv in DuckDB splits as the memory engine does (random command lines of quotes, backslashes, blanks)', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) >> 16) % n;
    const alphabet = ['a', 'b', ' ', '\t', '"', '\\', 'é', '/'];
    const lines = ['', ' ', '""', '"a""b"', ...Array.from({ length: 2000 }, () => Array.from({ length: rnd(24) }, () => alphabet[rnd(alphabet.length)]).join(''))];
    await conn.run(`CREATE TABLE t AS SELECT * FROM (VALUES ${lines.map((l, i) => `(${i}, ${DUCKDB.str(l)})`).join(', ')}) v(i, s)`);
    // many rows at once, the text bound by an outer lambda as the generated SQL binds it (DuckDB 1.5 misread such a
    // variable inside list_reduce's lambda: the split reads none there)
    const rows = (await conn.runAndReadAll(`SELECT to_json(list_transform([s], lambda tt: ${DUCKDB.derive!.argv('tt')})[1])::VARCHAR FROM t ORDER BY i`)).getRows();
    assert.deepEqual(rows.map((r) => JSON.parse(String(r[0]))), lines.map((l) => commandLineToArgv(l)));
  });

  it('Security events: action, category and outcome by event id; an id the table read here lacks is unknown', () => {
    const [r] = elasticHuntReadings(['windows.security'], pred('event.action', 'eq', ['logged-in'], { cs: true }), rules[0]);
    const resolve = sigmaAdapter.resolveField!;
    assert.deepEqual([EVENTS[10], EVENTS[13], EVENTS[14]].map((e) => evaluate(r!.condition, e, { resolve })), [true, 'unknown', false]);
  });

  it('event.outcome over CloudTrail: the error fields, or a console sign-in\'s own result', () => {
    const outcome = (v: string, cs = true) => readOver(CLOUDTRAIL_ECS, pred('event.outcome', 'eq', [v], { cs }))!;
    const [login, failedLogin, denied, deleted] = EVENTS.slice(4, 8);
    assert.deepEqual([login, failedLogin, denied, deleted].map((e) => evaluate(outcome('success'), e)), [true, false, false, true]);
    assert.deepEqual([login, failedLogin, denied, deleted].map((e) => evaluate(outcome('failure'), e)), [false, true, true, false]);
    assert.equal(outcome('Success'), undefined, 'the pipeline writes lower case: a test of nothing but constants, no reading');
    assert.equal(evaluate(outcome('Success', false), login), true);
    // a field the pipeline prints as a Java map, in hash order: unknown
    assert.equal(readOver(CLOUDTRAIL_ECS, pred('aws.cloudtrail.request_parameters', 'contains', ['x'])), undefined);
  });

  it('a rule on network events is read over Sysmon connections and DNS queries, where a test is answered', () => {
    const [r] = rules;
    const net = elasticHuntReadings(['windows.network'], pred('destination.port', 'eq', [4444]), r);
    assert.deepEqual(net.map((x) => x.logSources), [['windows.network']], 'DNS events have no destination.port: no test answered');
    const dns = elasticHuntReadings(['windows.network'], pred('process.name', 'eq', ['a.exe'], { cs: false }), r);
    assert.deepEqual(dns.map((x) => x.logSources), [['windows.network'], ['windows.dns']]);
  });

  const WANT = [
    '0 hit elastic/certutil', // process.name read as Image's file name, process.command_line as CommandLine
    '1 hit elastic/encoded', // process.args: the command line split as Windows splits it
    '3 hit elastic/certutil', // the ECS document: read as written
    '4 hit elastic/rootlogin',
    '6 hit elastic/failedcall',
    '8 hit elastic/oktafail',
    '10 hit elastic/netlogon', // LogonType 3 is Network; ::ffff: dropped from the address
    '14 hit elastic/whoami4688', // process.name read as NewProcessName's file name
    '15 hit elastic/psencoded', // the script block's text
  ].map((w) => w.replace(/ \/\/.*$/, ''));

  it('in process, on two worker threads and in DuckDB: the same hits', async () => {
    const { mem, par, duck, readAs } = await huntThreeWays(rules, file, hitKey);
    // a hit says how the event was read: Sysmon's names for the event log's form, as written for the ECS document
    assert.match(readAs.get('0 elastic/certutil') ?? '', /^Sysmon field names for ECS fields/);
    assert.ok(readAs.has('3 elastic/certutil'));
    assert.equal(readAs.get('3 elastic/certutil'), undefined);
    assert.deepEqual(mem, [...WANT].sort(), mem.join('\n'));
    assert.deepEqual(par, mem);
    assert.deepEqual(duck, mem);
  });
});
