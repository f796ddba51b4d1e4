/**
 * SaaS and security products' own logs recognised from the record itself (`VENDOR_RECOGNISERS` in
 * `src/hunt/recogniseFacts.ts`), so that the rules over them run without a `p_log_type`: each invented record below
 * follows its vendor's documented form. The cloud logs recognised before keep their log sources. Panther's rules over
 * them run as written; Sentinel's rules over its Slack, Box and Duo parsers are read over the records with the parsers'
 * columns as the records' fields. The same hits in process, on workers and in DuckDB (whose routing is the
 * recognisers' SQL).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { kustoAdapter } from '../src/formats/kusto/index.ts';
import { pantherAdapter } from '../src/formats/panther/index.ts';
import { scanSource } from '../src/formats/scan.ts';
import { recogniseLogSources } from '../src/hunt/recognise.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { hitKey, huntThreeWays, writeHuntFixture } from './huntThreeWays.ts';

const slack = { id: 's1', date_create: 1767225600, action: 'user_login', actor: { type: 'user', user: { id: 'U1', name: 'ann', email: 'ann@example.com' } }, entity: { type: 'user', user: { id: 'U1' } }, context: { location: { type: 'workspace', id: 'T1' }, ua: 'Mozilla/5.0', ip_address: '198.51.100.4' } };
const databricks = { version: '2.0', timestamp: 1767225600000, workspaceId: '1', serviceName: 'accounts', actionName: 'tokenLogin', userIdentity: { email: 'ann@example.com' }, requestParams: { user: 'ann@example.com' }, response: { statusCode: 401 } };

const gcp = (methodName: string, granted: boolean, callerSuppliedUserAgent?: string) => ({
  insertId: methodName,
  logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity',
  resource: { type: 'service_account', labels: { project_id: 'p' } },
  protoPayload: { '@type': 'type.googleapis.com/google.cloud.audit.AuditLog', methodName, authorizationInfo: [{ permission: 'iam.serviceAccountKeys.create', granted }], requestMetadata: { callerIp: '198.51.100.9', ...(callerSuppliedUserAgent ? { callerSuppliedUserAgent } : {}) } },
});

/** Records and the log sources they are recognised as. */
const RECORDS: readonly [string, unknown, readonly string[]][] = [
  ['Slack', slack, ['slack.audit']],
  ['Databricks', databricks, ['vendor:databricks.audit']],
  ['Auth0', { log_id: 'l1', data: { log_id: 'l1', date: '2026-01-01T00:00:00Z', type: 'fp', client_id: 'c', ip: '198.51.100.5', user_id: 'auth0|1' } }, ['vendor:auth0.events']],
  ['AWS WAF', { timestamp: 1767225600000, webaclId: 'arn:aws:wafv2:…', terminatingRuleId: 'Default_Action', action: 'ALLOW', httpSourceName: 'ALB', httpRequest: { clientIp: '198.51.100.6', uri: '/' } }, ['vendor:aws.wafwebacl']],
  ['osquery', { name: 'pack_processes', hostIdentifier: 'h1', action: 'added', columns: { pid: '1', name: 'nc' } }, ['vendor:osquery.differential']],
  ['CrowdStrike event stream', { metadata: { customerIDString: 'c', offset: 1, eventType: 'AuthActivityAuditEvent', eventCreationTime: 1767225600000, version: '1.0' }, event: { UserId: 'ann', OperationName: 'userAuthenticate', Success: true } }, ['vendor:crowdstrike.eventstreams']],
  ['Proofpoint', { messageID: '<m@x>', messageTime: '2026-01-01T00:00:00Z', phishScore: 90, spamScore: 10, malwareScore: 0, sender: 'a@b.example', recipient: ['ann@example.com'] }, ['vendor:proofpoint.event']],
  ['Duo authentication', { event_type: 'authentication', result: 'denied', factor: 'duo_push', reason: 'user_marked_fraud', access_device: { ip: '198.51.100.7' }, user: { name: 'ann' } }, ['vendor:duo.authentication']],
  ['Duo administrator', { action: 'user_update', isotimestamp: '2026-01-01T00:00:00+00:00', timestamp: 1767225600, username: 'admin', description: '{}' }, ['vendor:duo.administrator']],
  ['Box', { type: 'event', event_id: 'e1', event_type: 'DOWNLOAD', created_by: { type: 'user', id: '1', login: 'ann@example.com' }, source: { type: 'file', id: 'f1' } }, ['box.event']],
  ['Asana', { gid: '1', created_at: '2026-01-01T00:00:00Z', event_type: 'user_login_succeeded', event_category: 'logins', actor: { actor_type: 'user', gid: '2', email: 'ann@example.com' }, resource: { resource_type: 'user', gid: '2' }, context: { context_type: 'web' } }, ['vendor:asana.audit']],
  ['Notion', { event: { id: 'n1', timestamp: '2026-01-01T00:00:00Z', workspace_id: 'w1', actor: { id: 'u1', object: 'user' }, type: 'workspace.content_exported', ip_address: '198.51.100.8' } }, ['vendor:notion.auditlogs']],
  // the cloud logs recognised before: not taken by a vendor's recogniser
  ['GitHub audit', { action: 'repo.destroy', actor: 'ann', org: 'corp', repo: 'corp/app', '@timestamp': 1767225600000 }, ['github.audit']],
  ['CloudTrail', { eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', awsRegion: 'us-east-1' }, ['aws.cloudtrail']],
  ['GitHub webhook', { action: 'completed', repository: { id: 1, full_name: 'corp/app' }, sender: { login: 'ann' }, workflow_job: { id: 2, conclusion: 'failure' } }, ['vendor:github.webhook']],
  // 15-16: Cloudflare's Logpush records
  ['Cloudflare firewall', { Action: 'block', ClientIP: '198.51.100.10', ClientRequestHost: 'example.com', ClientRequestPath: '/', RayID: 'r1', RuleID: 'x', EdgeResponseStatus: 403 }, ['vendor:cloudflare.firewall']],
  ['Cloudflare HTTP', { ClientIP: '198.51.100.10', ClientRequestHost: 'example.com', ClientRequestMethod: 'GET', EdgeResponseStatus: 200, RayID: 'r2' }, ['vendor:cloudflare.httprequest']],
  // a record of no known form
  ['unknown', { action: 'login', user: 'ann' }, []],
  // 18-20: Google Cloud audit entries, an IAM method's granted and refused, and another service's without a user agent
  ['GCP IAM granted', gcp('google.iam.admin.v1.CreateServiceAccountKey', true, 'gcloud'), ['gcp.audit']],
  ['GCP IAM refused', gcp('google.iam.admin.v1.CreateServiceAccountKey', false, 'gcloud'), ['gcp.audit']],
  ['GCP compute', gcp('v1.compute.instances.insert', true), ['gcp.audit']],
];

const RULES: Record<string, string> = {
  'rules/slack_login.yml': 'AnalysisType: rule\nFilename: slack_login.py\nRuleID: "Fixture.Slack.Login"\nEnabled: true\nLogTypes:\n  - Slack.AuditLogs\nSeverity: Low\n',
  'rules/slack_login.py': 'def rule(event):\n    return event.get("action") == "user_login"\n',
  'rules/databricks_token.yml': 'AnalysisType: rule\nRuleID: "Fixture.Databricks.TokenLogin"\nEnabled: true\nLogTypes:\n  - Databricks.Audit\nSeverity: Low\nDetection:\n  - KeyPath: actionName\n    Condition: Equals\n    Value: tokenLogin\n',
};

const kql = (n: number, name: string, query: string) =>
  `id: 00000000-0000-4000-8000-0000000006${String(n).padStart(2, '0')}\nname: ${name}\ndescription: Invented rule.\nseverity: Low\nkind: Scheduled\nquery: |\n${query.split('\n').map((l) => `  ${l}`).join('\n')}\n`;
const KQL: Record<string, string> = {
  'Analytic Rules/SlackLogin.yaml': kql(1, 'Slack Login From Address', 'SlackAudit\n| where Action =~ "user_login"\n| where SrcIpAddr == "198.51.100.4"'),
  'Analytic Rules/BoxDownload.yaml': kql(2, 'Box Download By Corp User', 'BoxEvents\n| where EventType =~ "DOWNLOAD"\n| where SrcUserUpn endswith "@example.com"'),
  // Duo's two logs under one parser: each read with its own columns
  'Analytic Rules/DuoDenied.yaml': kql(3, 'Duo Denied', "CiscoDuo\n| where EventType =~ 'authentication'\n| where EventResult in~ ('denied', 'failure')"),
  'Analytic Rules/DuoUserUpdate.yaml': kql(4, 'Duo User Update', 'CiscoDuo\n| where DvcAction =~ "user_update"'),
  // Google Cloud's IAM entries: a list's member read after parse_json; an entry the connector's filter may not hold
  'Analytic Rules/GcpKey.yaml': kql(5, 'GCP Key Created', "GCP_IAM\n| where PayloadMethodname =~ 'google.iam.admin.v1.CreateServiceAccountKey'\n| extend result = parse_json(todynamic(PayloadAuthorizationinfo))[0]['granted']\n| where result =~ 'true'"),
  'Analytic Rules/GcpNoUa.yaml': kql(6, 'GCP Empty User Agent', 'GCP_IAM\n| where isempty(HttpUserAgentOriginal)'),
};

describe("detwiki hunt: vendors' own logs, recognised from the record", () => {
  let dir: string;
  let rules: readonly RuleRecord[];
  let file: string;
  before(async () => {
    const files = [...Object.entries(RULES).map(([p, t]) => [`panther/${p}`, t]), ...Object.entries(KQL).map(([p, t]) => [`sentinel/${p}`, t])];
    ({ dir, file } = writeHuntFixture('detwiki-vendor-', Object.fromEntries(files), RECORDS.map(([, r]) => r)));
    rules = [
      ...(await scanSource(pantherAdapter, path.join(dir, 'panther'), { repository: 'test/panther' })).rules,
      ...(await scanSource(kustoAdapter, path.join(dir, 'sentinel'), { repository: 'test/sentinel' })).rules,
    ];
    assert.equal(rules.length, 8);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, record, expected] of RECORDS) {
    it(`${name}: ${expected.join(', ') || 'not recognised'}`, () => assert.deepEqual(recogniseLogSources(record), expected));
  }

  it('the rules over them, in process, on two worker threads and in DuckDB: the same hits', async () => {
    const { mem, par, duck } = await huntThreeWays(rules, file, hitKey);
    const slackRule = rules.find((r) => r.logSources.some((l) => l.name === 'Slack.AuditLogs'))!.id;
    const dbRule = rules.find((r) => r.logSources.some((l) => l.name === 'Databricks.Audit'))!.id;
    const expected = [
      `0 hit ${slackRule}`, '0 hit kusto/slacklogin', `1 hit ${dbRule}`, '7 hit kusto/duodenied', '8 hit kusto/duouserupdate', '9 hit kusto/boxdownload',
      '18 hit kusto/gcpkey', '20 may_fire kusto/gcpnoua (GCP_IAM)',
    ];
    assert.deepEqual(mem, expected.sort(), mem.join('\n'));
    assert.deepEqual(par, mem);
    assert.deepEqual(duck, mem);
  });
});
