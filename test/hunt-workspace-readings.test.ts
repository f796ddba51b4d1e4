/**
 * Rules of every language over Google Workspace's Reports API events, one event a record (`WORKSPACE_EVENT`): Elastic's
 * google_workspace fields, Sentinel's GWorkspaceActivityReports columns, Sigma's Cloud Logging and taxonomy names,
 * YARA-L's UDM and Splunk's add-on fields, each read over the event's own fields and parameters
 * (`src/formats/workspace.ts` and each language's `readings.ts`). An activity with its list of events is not such a
 * record: no reading runs on it. The same results in process, on workers and in DuckDB.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { elasticAdapter } from '../src/formats/elastic/index.ts';
import { kustoAdapter } from '../src/formats/kusto/index.ts';
import { WORKSPACE_EVENT } from '../src/formats/readings.ts';
import { scanSource } from '../src/formats/scan.ts';
import { sigmaAdapter } from '../src/formats/sigma/index.ts';
import { splunkAdapter } from '../src/formats/splunk/index.ts';
import { yaralAdapter } from '../src/formats/yaral/index.ts';
import { recogniseLogSources } from '../src/hunt/recognise.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { hitKey, huntThreeWays, splunkDetection, writeHuntFixture } from './huntThreeWays.ts';

const elastic = (id: number, name: string, type: 'query' | 'eql', query: string) => `[rule]
author = ["detection-wiki"]
description = "Invented rule for the hunt's readings of Google Workspace events."
name = "${name}"
risk_score = 21
rule_id = "00000000-0000-4000-8000-0000000003${String(id).padStart(2, '0')}"
severity = "low"
type = "${type}"
language = "${type === 'eql' ? 'eql' : 'kuery'}"
index = ["logs-google_workspace*"]
query = '''
${query}
'''
`;

const kql = (id: number, name: string, query: string) => `id: 00000000-0000-4000-8000-0000000004${String(id).padStart(2, '0')}
name: ${name}
description: Invented rule for the hunt's readings of Google Workspace events.
severity: Low
kind: Scheduled
query: |
${query.split('\n').map((l) => `  ${l}`).join('\n')}
`;

const sigma = (id: number, service: string, detection: string) => `title: Workspace ${id}
id: 6b6e5d1c-0d3f-4c1a-9a3e-0000000001${String(id).padStart(2, '0')}
status: test
description: Invented rule for the hunt's readings of Google Workspace events.
author: detection-wiki
date: 2026-12-05
logsource:
  product: gcp
  service: ${service}
detection:
${detection}
  condition: selection
level: medium
`;

const yaral = (name: string, events: string, match = '') => `rule ${name} {
  meta:
    author = "detection-wiki fixtures"
    description = "Invented rule for the hunt's readings of Google Workspace events."
    data_source = "Workspace Activity"
  events:
    $ws.metadata.vendor_name = "Google Workspace"
${events}
${match}
  condition:
    $ws
}
`;

const FILES: Record<string, string> = {
  'elastic/rules/role.toml': elastic(1, 'Role Created', 'query', 'data_stream.dataset:google_workspace.admin and event.action:CREATE_ROLE'),
  'elastic/rules/mfa.toml': elastic(2, 'MFA Enforcement Off', 'query', 'data_stream.dataset:google_workspace.admin and event.action:(ENFORCE_STRONG_AUTHENTICATION or ALLOW_STRONG_AUTHENTICATION) and google_workspace.admin.new_value:false'),
  'elastic/rules/pem.toml': elastic(3, 'Key File Downloaded', 'eql', 'file where data_stream.dataset == "google_workspace.drive" and event.action : "download" and file.extension : "pem"'),
  // the login pipeline's categories, the actor's domain cut from the address
  'elastic/rules/logins.toml': elastic(4, 'Logins', 'query', 'data_stream.dataset:google_workspace.login and event.category:authentication and user.domain:example.com'),
  // another stream's parameter: the admin stream's field on a login event is missing
  'elastic/rules/notadmin.toml': elastic(5, 'Not Admin Value', 'query', 'data_stream.dataset:google_workspace.login and not google_workspace.admin.new_value:*'),
  'sentinel/Analytic Rules/MfaOff.yaml': kql(1, 'MFA Enforcement Off', 'GWorkspaceActivityReports\n| where EventMessage =~ "ENFORCE_STRONG_AUTHENTICATION" and NeqValue == "false"'),
  'sentinel/Analytic Rules/Pem.yaml': kql(2, 'Key File', 'GWorkspaceActivityReports\n| where isnotempty(DocTitle)\n| where DocTitle endswith ".pem"'),
  'sigma/rules/cloud/gcp/role.yml': sigma(1, 'google_workspace.admin', '  selection:\n    eventService: admin.googleapis.com\n    eventName: CREATE_ROLE'),
  'sigma/rules/cloud/gcp/failure.yml': sigma(2, 'google_workspace.login', '  selection:\n    protoPayload.serviceName: login.googleapis.com\n    protoPayload.metadata.event.eventName: login_failure'),
  'yaral/role.yaral': yaral(
    'role_created',
    '    $ws.metadata.product_name = "admin"\n    $ws.metadata.product_event_type = "CREATE_ROLE"\n    $ws.metadata.event_type = "USER_RESOURCE_CREATION"\n    $ws.principal.user.email_addresses = $email',
    '  match:\n    $email over 1h',
  ),
  'yaral/suspicious.yaral': yaral('suspicious_login', '    $ws.metadata.product_name = "login"\n    $ws.about.labels["is_suspicious"] = "true"'),
  'splunk/macros/gws_reports_login.yml': "definition: 'sourcetype=gws:reports:login'\ndescription: Invented macro.\nname: gws_reports_login\n",
  'splunk/detections/cloud/failures.yml': splunkDetection('05', 1, 'Workspace Login Failures', 'Google Workspace', '`gws_reports_login` event.name=login_failure | stats count by user, src_ip', 'T1110'),
};

const ws = (app: string, name: string, type: string, parameters: Record<string, unknown>, email = 'ann@example.com') => ({
  id: { applicationName: app, customerId: 'C0', time: '2026-01-01T00:00:00.000Z', uniqueQualifier: `${app}-${name}` },
  actor: { callerType: 'USER', email, profileId: '1' },
  ipAddress: '198.51.100.1',
  kind: 'admin#reports#activity',
  name,
  type,
  parameters,
});

const EVENTS = [
  ws('admin', 'CREATE_ROLE', 'DELEGATED_ADMIN_SETTINGS', { ROLE_NAME: 'Helpdesk' }),
  ws('admin', 'ENFORCE_STRONG_AUTHENTICATION', 'SECURITY_SETTINGS', { NEW_VALUE: 'false', ORG_UNIT_NAME: 'Sales' }),
  ws('login', 'login_failure', 'login', { login_type: 'google_password', login_challenge_method: ['password'] }),
  ws('login', 'login_success', 'login', { login_type: 'google_password', is_suspicious: true }, 'bo@other.example'),
  ws('drive', 'download', 'access', { doc_title: 'deploy.pem', doc_type: 'unknown', visibility: 'people_with_link' }),
  // 5: the same admin event as the API gives the activity, its events in a list: not a record of one event
  { id: { applicationName: 'admin', customerId: 'C0', time: '2026-01-01T00:00:00.000Z', uniqueQualifier: 'x' }, actor: { email: 'ann@example.com' }, kind: 'admin#reports#activity', events: [{ type: 'DELEGATED_ADMIN_SETTINGS', name: 'CREATE_ROLE' }] },
];

describe('detwiki hunt: every language over Google Workspace events', () => {
  let dir: string;
  let rules: readonly RuleRecord[];
  let file: string;
  before(async () => {
    ({ dir, file } = writeHuntFixture('detwiki-workspace-', FILES, EVENTS));
    const at = (p: string) => path.join(dir, p);
    rules = [
      ...(await scanSource(elasticAdapter, at('elastic'), { repository: 'test/elastic' })).rules,
      ...(await scanSource(kustoAdapter, at('sentinel'), { repository: 'test/sentinel' })).rules,
      ...(await scanSource(sigmaAdapter, at('sigma'), { repository: 'test/sigma' })).rules,
      ...(await scanSource(yaralAdapter, at('yaral'), { repository: 'test/yaral' })).rules,
      ...(await scanSource(splunkAdapter, at('splunk'), { repository: 'test/splunk' })).rules,
    ];
    assert.equal(rules.length, 12);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a record of one event is recognised as such; an activity with its list of events is not', () => {
    assert.deepEqual(recogniseLogSources(EVENTS[0]), ['google_workspace', WORKSPACE_EVENT]);
    assert.deepEqual(recogniseLogSources(EVENTS[5]), ['google_workspace']);
  });

  it('in process, on two worker threads and in DuckDB: the same hits', async () => {
    const { mem, par, duck } = await huntThreeWays(rules, file, hitKey);
    const expected = [
      // the role's creation: Elastic's data set and action, Sigma's service and name, YARA-L's product, event and type
      '0 hit elastic/role',
      '0 hit sigma/role',
      '0 hit yaral/role',
      // the admin stream's new value, Sentinel's (misspelt) NeqValue column: the NEW_VALUE parameter
      '1 hit elastic/mfa',
      '1 hit kusto/mfaoff',
      // a login failure: the login pipeline's category and the actor's domain; no admin parameter on a login event;
      // Cloud Logging's service and event name; the add-on's user and address as keys
      '2 hit elastic/logins',
      '2 hit elastic/notadmin',
      '2 hit sigma/failure',
      '2 hit splunk/failures',
      // another domain's user: not elastic/logins; the suspicious flag as UDM's label text
      '3 hit elastic/notadmin',
      '3 hit yaral/suspicious',
      // the document's extension cut from its title; Sentinel's DocTitle column
      '4 hit elastic/pem',
      '4 hit kusto/pem',
    ];
    // `bo@other.example` is not example.com's; the activity (5) fires nothing
    assert.deepEqual(mem, expected, mem.join('\n'));
    assert.deepEqual(par, mem);
    assert.deepEqual(duck, mem);
  });
});
