/**
 * Splunk searches read over raw logs (`src/formats/splunk/readings.ts`): CIM data model searches (`tstats … from
 * datamodel=Endpoint.Processes`) and raw searches over Sysmon, Security and PowerShell events in the event log's own
 * form, and over CloudTrail's JSON, each field as Splunk's add-ons extract it; a `stats … by` key the raw log does not
 * say makes the search may-fire; JSON arrays by Splunk's `{}` names. The same results in process, on workers and in DuckDB.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { splunkAdapter } from '../src/formats/splunk/index.ts';
import { sigmaAdapter } from '../src/formats/sigma/index.ts';
import { splunkHuntReadings } from '../src/formats/splunk/readings.ts';
import { resolveSplunkField, splunkPath } from '../src/formats/splunk/resolve.ts';
import { scanSource } from '../src/formats/scan.ts';
import { hitKey, huntThreeWays, splunkDetection, writeHuntFixture } from './huntThreeWays.ts';
import { evaluate } from '../src/model/evaluate.ts';
import { pred, type Expr } from '../src/model/expr.ts';
import type { RuleRecord } from '../src/model/rule.ts';

const detection = (id: number, name: string, dataSource: string, search: string) => splunkDetection('02', id, name, dataSource, search);

const MACROS: Record<string, string> = {
  sysmon: 'source=XmlWinEventLog:Microsoft-Windows-Sysmon/Operational',
  powershell: 'source="XmlWinEventLog:Microsoft-Windows-PowerShell/Operational"',
  cloudtrail: 'sourcetype=aws:cloudtrail',
  kube_audit: 'sourcetype=_json',
  okta: 'sourcetype=OktaIM2:log',
  o365_management_activity: 'sourcetype=o365:management:activity',
  azure_monitor_aad: 'sourcetype=azure:monitor:aad',
};

const RULES: Record<string, string> = {
  rundll: detection(1, 'Rundll32 Script Protocol', 'Sysmon EventID 1', '| tstats count from datamodel=Endpoint.Processes where (Processes.process_name=rundll32.exe OR Processes.original_file_name=RUNDLL32.EXE) Processes.process=*javascript* by Processes.dest Processes.user Processes.parent_process_name'),
  whoami: detection(2, 'Whoami Run', 'Windows Event Log Security 4688', '| tstats count from datamodel=Endpoint.Processes where Processes.process_name=whoami.exe by Processes.dest Processes.process_path'),
  lsass: detection(3, 'Lsass Read', 'Sysmon EventID 10', '`sysmon` EventCode=10 TargetImage=*lsass.exe GrantedAccess=0x1010 | stats count by dest, SourceImage'),
  runkey: detection(4, 'Run Key Value Set', 'Sysmon EventID 13', '| tstats count from datamodel=Endpoint.Registry where Registry.registry_path=*\\Run\\* Registry.registry_value_name=Updater Registry.action=modified by Registry.dest Registry.registry_value_data'),
  script: detection(5, 'Script Dropped In Temp', 'Sysmon EventID 11', '| tstats count from datamodel=Endpoint.Filesystem where Filesystem.file_name=*.ps1 Filesystem.file_path=*\\Temp\\* Filesystem.action=created by Filesystem.dest Filesystem.file_name'),
  decode: detection(6, 'PowerShell Decode', 'Powershell Script Block Logging 4104', '`powershell` EventCode=4104 ScriptBlockText=*FromBase64String* | stats count by Opcode Computer UserID EventCode'),
  signin: detection(7, 'Console Sign-in Failed', 'AWS CloudTrail ConsoleLogin', '`cloudtrail` eventName=ConsoleLogin errorCode=failure | stats count by src_ip user_arn aws_account_id'),
  trail: detection(8, 'Trail Deleted', 'AWS CloudTrail DeleteTrail', '`cloudtrail` eventName=DeleteTrail | stats count by user'),
  // JSON arrays by Splunk's `{}` names
  anonymous: detection(9, 'Anonymous Kubernetes Request', 'Kubernetes Audit', '`kube_audit` "user.groups{}"="system:unauthenticated" | stats count by sourceIPs{}'),
  rebuilt: detection(12, 'Whoami All From A Bare Command Line', 'Windows Event Log Security 4688', '| tstats count from datamodel=Endpoint.Processes where Processes.process="*\\System32\\whoami.exe /all" by Processes.dest'),
  oktafail: detection(11, 'Okta Sign-in Failed', 'Okta', '`okta` eventType=user.session.start status=failure | stats count by src_ip user'),
  // the Microsoft 365 add-on's action, status and src_ip (ActorIpAddress, else ClientIP)
  m365fail: detection(13, 'O365 Sign-in Failed', 'O365 UserLoginFailed', '`o365_management_activity` Workload=AzureActiveDirectory Operation=UserLoginFailed action=failure status=success | stats count by src_ip'),
  // an ExtendedProperties entry the add-on extracts by its name
  m365request: detection(14, 'O365 Login Request', 'O365 UserLoggedIn', '`o365_management_activity` Operation=UserLoggedIn RequestType=*Login* | stats count by UserId'),
  // Entra ID's export: the record's fields renamed out of properties, the add-on's user (a role's new member: the target)
  aadrole: detection(15, 'Azure AD Role Member Added', 'Azure Active Directory Add member to role', '`azure_monitor_aad` operationName="Add member to role" | rename properties.* as * | search result=success | stats count by user, initiatedBy.user.userPrincipalName'),
  // a sign-in's action: failure where it has a failure reason; src_ip the caller's address
  aadfail: detection(16, 'Azure AD Sign-in Failed', 'Azure Active Directory Sign-in activity', '`azure_monitor_aad` operationName="Sign-in activity" action=failure | stats count by src_ip, user'),
  shared: detection(10, 'Image Shared With Everyone', 'AWS CloudTrail ModifyImageAttribute', '`cloudtrail` eventName=ModifyImageAttribute requestParameters.launchPermission.add.items{}.group=all | stats count by src_ip'),
};

const win = (channel: string, provider: string, id: number, data: Record<string, unknown>, system: Record<string, unknown> = {}) => ({
  Event: { System: { EventID: id, Channel: channel, Computer: 'ws1.corp', Provider: { '#attributes': { Name: provider } }, ...system }, EventData: data },
});
const sysmon = (id: number, data: Record<string, unknown>) => win('Microsoft-Windows-Sysmon/Operational', 'Microsoft-Windows-Sysmon', id, { User: 'CORP\\ann', ProcessGuid: '{1}', ProcessId: 42, ...data });
const trail = (e: Record<string, unknown>) => ({ eventVersion: '1.08', awsRegion: 'us-east-1', eventTime: '2026-01-01T00:00:00Z', sourceIPAddress: '203.0.113.5', recipientAccountId: '111122223333', userIdentity: { type: 'IAMUser', accountId: '111122223333', arn: 'arn:aws:iam::111122223333:user/ann' }, ...e });

const m365 = (Operation: string, e: Record<string, unknown>) => ({ Id: `m-${Operation}`, CreationTime: '2026-01-01T00:00:00', Operation, OrganizationId: 'org1', RecordType: 15, ResultStatus: 'Success', UserId: 'ann@example.com', Workload: 'AzureActiveDirectory', ...e });

const aad = (category: string, operationName: string, properties: Record<string, unknown>) => ({ time: '2026-01-01T00:00:00Z', resourceId: '/tenants/t/providers/Microsoft.aadiam', tenantId: 't', category, operationName, callerIpAddress: '203.0.113.8', properties });

const EVENTS = [
  sysmon(1, { Image: 'C:\\Windows\\System32\\rundll32.exe', OriginalFileName: 'RUNDLL32.EXE', CommandLine: 'rundll32.exe javascript:"\\..\\mshtml,RunHTMLApplication"', ParentImage: 'C:\\Windows\\explorer.exe' }),
  // the add-on's file name of C:\Tools\rundll32-x is the whole path, and the original name is "-": no hit
  sysmon(1, { Image: 'C:\\Tools\\rundll32-x', OriginalFileName: '-', CommandLine: 'rundll32-x javascript:x', ParentImage: 'C:\\Windows\\explorer.exe' }),
  sysmon(10, { SourceImage: 'C:\\Temp\\x.exe', TargetImage: 'C:\\Windows\\System32\\lsass.exe', GrantedAccess: '0x1010' }),
  sysmon(13, { Image: 'C:\\Temp\\x.exe', EventType: 'SetValue', TargetObject: 'HKU\\S-1-5-21\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater', Details: 'C:\\Temp\\x.exe' }),
  // a value name with a blank: the add-on's value name is then the whole path
  sysmon(13, { Image: 'C:\\Temp\\x.exe', EventType: 'SetValue', TargetObject: 'HKU\\S-1-5-21\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\My Updater', Details: 'C:\\Temp\\x.exe' }),
  sysmon(11, { Image: 'C:\\Temp\\x.exe', TargetFilename: 'C:\\Users\\ann\\AppData\\Local\\Temp\\a.ps1', UtcTime: '2026-01-01 00:00:00.000', CreationUtcTime: '2026-01-01 00:00:00.000' }),
  // an alternate data stream: the add-on's file name leaves it out
  sysmon(11, { Image: 'C:\\Temp\\x.exe', TargetFilename: 'C:\\Users\\ann\\AppData\\Local\\Temp\\b.ps1:Zone.Identifier', UtcTime: '2026-01-01 00:00:01.000', CreationUtcTime: '2026-01-01 00:00:01.000' }),
  // an older file written again: modified, not created
  sysmon(11, { Image: 'C:\\Temp\\x.exe', TargetFilename: 'C:\\Users\\ann\\AppData\\Local\\Temp\\c.ps1', UtcTime: '2026-01-02 00:00:00.000', CreationUtcTime: '2025-01-01 00:00:00.000' }),
  win('Microsoft-Windows-PowerShell/Operational', 'Microsoft-Windows-PowerShell', 4104, { ScriptBlockText: '$b = [Convert]::FromBase64String($s)', ScriptBlockId: 'b1' }, { Opcode: 15, Security: { '#attributes': { UserID: 'S-1-5-21-1' } } }),
  win('Security', 'Microsoft-Windows-Security-Auditing', 4688, { NewProcessName: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'C:\\Windows\\System32\\whoami.exe /all', ParentProcessName: 'C:\\Windows\\System32\\cmd.exe', NewProcessId: '0x1a2c' }),
  trail({ eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', responseElements: { ConsoleLogin: 'Failure' }, errorMessage: 'Failed authentication' }),
  trail({ eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', responseElements: { ConsoleLogin: 'Success' } }),
  trail({ eventSource: 'cloudtrail.amazonaws.com', eventName: 'DeleteTrail' }),
  { kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: 'a1', verb: 'get', requestURI: '/api', user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, sourceIPs: ['198.51.100.7'] },
  // the same name where the event has a string, not an array: Splunk has no `user.groups{}` there
  { kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: 'a2', verb: 'get', requestURI: '/api', user: { username: 'system:anonymous', groups: 'system:unauthenticated' }, sourceIPs: ['198.51.100.8'] },
  trail({ eventSource: 'ec2.amazonaws.com', eventName: 'ModifyImageAttribute', requestParameters: { launchPermission: { add: { items: [{ userId: '444455556666' }, { group: 'all' }] } } } }),
  { uuid: 'o1', published: '2026-01-01T00:00:00Z', eventType: 'user.session.start', actor: { alternateId: 'ann@example.com' }, client: { ipAddress: '198.51.100.9' }, outcome: { result: 'FAILURE' } },
  { uuid: 'o2', published: '2026-01-01T00:00:00Z', eventType: 'user.session.start', actor: { alternateId: 'ann@example.com' }, client: { ipAddress: '198.51.100.9' }, outcome: { result: 'SUCCESS' } },
  // a command line without a path: the add-on's process is NewProcessName, a blank and the arguments
  win('Security', 'Microsoft-Windows-Security-Auditing', 4688, { NewProcessName: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami  /all', ParentProcessName: 'C:\\Windows\\System32\\cmd.exe' }),
  // 19-21: Microsoft 365 records
  m365('UserLoginFailed', { ActorIpAddress: '', ClientIP: '203.0.113.7' }),
  m365('UserLoggedIn', { ExtendedProperties: [{ Name: 'RequestType', Value: 'Login:login' }] }),
  m365('UserLoggedIn', { ExtendedProperties: [{ Name: 'UserAgent', Value: 'x' }] }),
  // 22-24: Entra ID's export
  aad('AuditLogs', 'Add member to role', { result: 'success', initiatedBy: { user: { userPrincipalName: 'eve@example.com' } }, targetResources: [{ type: 'User', userPrincipalName: 'bo@example.com' }] }),
  aad('SignInLogs', 'Sign-in activity', { userPrincipalName: 'ann@example.com', status: { errorCode: 50126, failureReason: 'Invalid username or password.' } }),
  aad('SignInLogs', 'Sign-in activity', { userPrincipalName: 'ann@example.com', status: { errorCode: 0 } }),
];

describe('detwiki hunt: Splunk searches read over raw logs', () => {
  let dir: string;
  let rules: readonly RuleRecord[];
  let file: string;
  before(async () => {
    const macros = Object.entries(MACROS).map(([name, definition]) => [`splunk/macros/${name}.yml`, `definition: '${definition}'\ndescription: Invented macro.\nname: ${name}\n`]);
    const searches = Object.entries(RULES).map(([name, text]) => [`splunk/detections/endpoint/${name}.yml`, text]);
    ({ dir, file } = writeHuntFixture('detwiki-spl-', Object.fromEntries([...macros, ...searches]), EVENTS));
    rules = (await scanSource(splunkAdapter, path.join(dir, 'splunk'), { repository: 'test/splunk' })).rules;
    assert.equal(rules.length, Object.keys(RULES).length);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** One column test read over Sysmon process creation, evaluated on events. */
  const onProcess = (e: Expr, events: readonly unknown[]) => {
    const plain = { ...rules[0]!, logic: { ...rules[0]!.logic, aggregation: undefined } };
    const [r] = splunkHuntReadings(['windows.process_creation'], e, plain);
    return events.map((ev) => evaluate(r!.condition, ev, { resolve: sigmaAdapter.resolveField! }));
  };

  it("process_name: the file name of Image where the add-on's cut keeps it, else the whole path", () => {
    const evs = [sysmon(1, { Image: 'C:\\x\\tool.exe' }), sysmon(1, { Image: 'C:\\Tools\\my-tool' }), sysmon(1, { Image: 'C:\\x\\rundll32' })];
    assert.deepEqual(onProcess(pred('process_name', 'eq', ['tool.exe'], { cs: false }), evs), [true, false, false]);
    assert.deepEqual(onProcess(pred('process_name', 'eq', ['my-tool'], { cs: false }), evs), [false, false, false]);
    assert.deepEqual(onProcess(pred('process_name', 'eq', ['C:\\Tools\\my-tool'], { cs: false }), evs), [false, true, false]);
    assert.deepEqual(onProcess(pred('Processes.process_name', 'wildcard', ['rundll*'], { cs: false, wildcard: 'spl' }), evs), [false, false, true]);
  });

  it("Splunk's JSON names: `{}` only on an array, keys only in objects, nested lists flattened", () => {
    const ev = { a: [{ b: [1, 2] }, { b: [3] }, { c: 4 }], s: 'x', o: { k: [{ v: 'y' }] }, top: 1 };
    assert.deepEqual(resolveSplunkField(ev, 'a{}.b{}'), [1, 2, 3]);
    assert.deepEqual(resolveSplunkField(ev, 'o.k{}.v'), ['y']);
    assert.equal(resolveSplunkField(ev, 's{}'), undefined);
    assert.equal(resolveSplunkField(ev, 'o{}.k'), undefined);
    assert.deepEqual(resolveSplunkField([{ n: 1 }, { n: 2 }], '{}.n'), [1, 2]);
    assert.equal(resolveSplunkField(ev, 'top'), 1);
    assert.deepEqual(splunkPath('a.b{}{}.c'), [{ key: 'a' }, { key: 'b' }, { any: true }, { any: true }, { key: 'c' }]);
    assert.equal(splunkPath('a..b'), undefined);
  });

  it("4688's process: the command line where its first token is a path, else NewProcessName (quoted) and the arguments", () => {
    const plain = { ...rules[0]!, logic: { ...rules[0]!.logic, aggregation: undefined } };
    const [r] = splunkHuntReadings(['windows.process_creation'], pred('process', 'eq', ['"C:\\Program Files\\T\\t.exe" -q x'], { cs: false }), plain).filter((x) => x.onlyWith === 'vendor:windows/security-eventlog');
    const ev = (data: Record<string, unknown>) => win('Security', 'Microsoft-Windows-Security-Auditing', 4688, data);
    const got = [
      ev({ NewProcessName: 'C:\\Program Files\\T\\t.exe', CommandLine: 't.exe -q x' }),
      ev({ NewProcessName: 'C:\\Program Files\\T\\t.exe', CommandLine: '"C:\\Program Files\\T\\t.exe" -q x' }),
      ev({ NewProcessName: 'C:\\Program Files\\T\\t.exe', CommandLine: '"t.exe" -q x' }),
      ev({ NewProcessName: '"C:\\Program Files\\T\\t.exe" -q x' }),
    ].map((e) => evaluate(r!.condition, e, { resolve: sigmaAdapter.resolveField! }));
    assert.deepEqual(got, [true, true, true, true]);
  });

  it('user: the name after the domain; a user of "-" is unknown', () => {
    const evs = [sysmon(1, { Image: 'C:\\x\\a.exe', User: 'CORP\\ann' }), sysmon(1, { Image: 'C:\\x\\a.exe', User: 'ann' }), sysmon(1, { Image: 'C:\\x\\a.exe', User: '-' })];
    assert.deepEqual(onProcess(pred('user', 'eq', ['ann'], { cs: false }), evs), [true, true, 'unknown']);
  });

  const WANT = [
    '0 hit splunk/rundll', // process_name as Image's file name; user (a key) present
    '2 hit splunk/lsass', // the event's own fields, EventCode as EventID
    '3 hit splunk/runkey', // registry_value_name, the last part of TargetObject; a value set is modified
    '5 hit splunk/script', // file_name of TargetFilename; created at its creation time
    '6 hit splunk/script', // the stream left out of the file name
    '8 hit splunk/decode', // Opcode and UserID present
    '9 hit splunk/whoami', // 4688: process_name as NewProcessName's file name
    '9 hit splunk/rebuilt', // a command line whose first token is a path: the process as it is
    '10 hit splunk/signin', // errorCode is the add-on's: failure for a failed console sign-in
    '12 may_fire splunk/trail (user)', // the add-on's user: a case over event names, not read
    '13 hit splunk/anonymous', // user.groups{}: the array's elements
    '15 hit splunk/shared', // items{}.group: collected from the array's objects
    '16 hit splunk/oktafail', // status: the outcome lower-cased; user the actor; src_ip the client's address
    '18 hit splunk/rebuilt', // 4688's process rebuilt from NewProcessName and the arguments
    '18 hit splunk/whoami',
    '19 hit splunk/m365fail', // src_ip: ActorIpAddress is empty, so ClientIP
    '20 may_fire splunk/m365request (RequestType)', // the entry's value is cut from the raw text: not read
    '22 hit splunk/aadrole', // result and the initiator renamed out of properties; user the role's new member
    '23 hit splunk/aadfail',
  ].map((w) => w.replace(/ \/\/.*$/, ''));

  it('in process, on two worker threads and in DuckDB: the same hits', async () => {
    const { mem, par, duck, readAs } = await huntThreeWays(rules, file, hitKey);
    assert.match(readAs.get('0 splunk/rundll') ?? '', /Sysmon add-on/);
    assert.deepEqual(mem, [...WANT].sort(), mem.join('\n'));
    assert.deepEqual(par, mem);
    assert.deepEqual(duck, mem);
  });
});
