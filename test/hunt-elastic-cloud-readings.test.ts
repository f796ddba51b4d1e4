/**
 * Elastic rules read over the raw logs of Kubernetes' API server, Google Cloud's audit log, GitHub's audit log, Entra
 * ID's exported sign-in and audit logs, the exported Azure Activity log and Microsoft 365's audit records
 * (`src/formats/elastic/readings.ts`): each ECS or integration field as the integration's pipeline derives it, the
 * outcomes and types it computes included; the same results in process, on workers and in DuckDB.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { elasticAdapter } from '../src/formats/elastic/index.ts';
import { GCP_ECS, GITHUB_ECS, KUBERNETES_ECS, SIGN_IN_ECS, snakeCase } from '../src/formats/elastic/readings.ts';
import { readOver } from '../src/formats/readings.ts';
import { scanSource } from '../src/formats/scan.ts';
import { recogniseLogSources } from '../src/hunt/recognise.ts';
import { evaluate } from '../src/model/evaluate.ts';
import { pred } from '../src/model/expr.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { hitKey, huntThreeWays, writeHuntFixture } from './huntThreeWays.ts';

const rule = (id: number, name: string, index: string, query: string) => `[rule]
author = ["detection-wiki"]
description = "Invented rule for the hunt's readings of cloud audit logs."
name = "${name}"
risk_score = 21
rule_id = "00000000-0000-4000-8000-0000000002${String(id).padStart(2, '0')}"
severity = "low"
type = "query"
language = "kuery"
index = ["${index}"]
query = '''
${query}
'''
`;

const RULES: Record<string, string> = {
  k8sforbidden: rule(1, 'Forbidden Secret Read', 'logs-kubernetes.audit_logs-*', `event.dataset:kubernetes.audit_logs and kubernetes.audit.objectRef.resource:secrets and
  kubernetes.audit.annotations.authorization_k8s_io/decision:forbid and event.outcome:failure and not user.name:system\\:*`),
  gcpfailed: rule(2, 'Failed Firewall Deletion', 'logs-gcp.audit-*', `event.dataset:gcp.audit and event.action:*.compute.firewalls.delete and event.outcome:failure and
  service.name:compute.googleapis.com and client.user.email:*@example.com`),
  ghteam: rule(3, 'Team Change', 'logs-github.audit-*', `data_stream.dataset:github.audit and github.category:team and event.category:iam and event.type:user and not event.type:creation`),
  ghrepo: rule(4, 'Repository Created', 'logs-github.audit-*', `event.dataset:github.audit and event.type:creation and github.repo:* and user.name:ann`),
  signin: rule(5, 'Legacy Client Sign-in', 'logs-azure.signinlogs-*', `data_stream.dataset:azure.signinlogs and azure.signinlogs.properties.client_app_used:"Exchange ActiveSync" and
  azure.signinlogs.properties.user_principal_name:ann@x and event.outcome:success`),
  // a rule over both data sets: on an Activity log record the sign-in fields are absent (false), not unknown
  either: rule(6, 'Device Code Either Way', 'logs-azure.*', `(data_stream.dataset:azure.signinlogs and azure.signinlogs.properties.authentication_protocol:deviceCode) or
  (data_stream.dataset:azure.activitylogs and azure.activitylogs.operation_name:"MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE" and event.outcome:success)`),
  guest: rule(7, 'Guest Invited', 'logs-azure.auditlogs-*', `event.dataset:azure.auditlogs and azure.auditlogs.operation_name:"Invite external user" and
  azure.auditlogs.properties.target_resources.0.display_name:guest* and event.outcome:success`),
  o365: rule(8, 'Failed STS Logon', 'logs-o365*', `event.dataset:o365.audit and event.code:AzureActiveDirectoryStsLogon and event.category:authentication and
  event.outcome:failure and o365.audit.LogonError:InvalidUserNameOrPassword`),
};

const audit = (resource: string, decision: string, username: string) => ({
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'Metadata',
  auditID: `id-${resource}-${decision}-${username}`,
  stage: 'ResponseComplete',
  verb: 'get',
  user: { username },
  sourceIPs: ['203.0.113.7'],
  objectRef: { resource, namespace: 'kube-system', name: 'token' },
  annotations: { 'authorization.k8s.io/decision': decision, 'authorization.k8s.io/reason': '' },
});

const gcp = (methodName: string, status: Record<string, unknown> | undefined, authorizationInfo: unknown[]) => ({
  insertId: `x${methodName.length}${status ? 's' : ''}${authorizationInfo.length}`,
  logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity',
  resource: { type: 'gce_firewall_rule', labels: { project_id: 'p' } },
  protoPayload: {
    '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
    serviceName: 'compute.googleapis.com',
    methodName,
    authenticationInfo: { principalEmail: 'ann@example.com' },
    authorizationInfo,
    ...(status ? { status } : {}),
  },
});

const github = (action: string, extra: Record<string, unknown> = {}) => ({ action, actor: 'ann', org: 'corp', created_at: 1714557600000, ...extra });

const exported = (category: string, operationName: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ time: '2024-12-17T10:30:00Z', category, operationName, resourceId: '/tenants/t/providers/Microsoft.aadiam', properties, ...extra });
const m365 = (ResultStatus: string, RecordType: number) => ({ CreationTime: '2024-12-17T10:30:00', Id: `m${RecordType}${ResultStatus}`, Operation: 'UserLoginFailed', OrganizationId: 'o', RecordType, ResultStatus, UserId: 'ann@x', Workload: 'AzureActiveDirectory', ClientIP: '203.0.113.7', LogonError: 'InvalidUserNameOrPassword' });

const EVENTS = [
  audit('secrets', 'forbid', 'mallory'),
  audit('secrets', 'allow', 'mallory'),
  audit('secrets', 'forbid', 'system:node:n1'),
  // a status code decides; without one, the one authorization's grant
  gcp('v1.compute.firewalls.delete', { code: 7, message: 'denied' }, [{ permission: 'compute.firewalls.delete', granted: true }]),
  gcp('v1.compute.firewalls.delete', undefined, [{ permission: 'compute.firewalls.delete', granted: false }]),
  gcp('v1.compute.firewalls.delete', undefined, [{ permission: 'compute.firewalls.delete', granted: true }]),
  // two authorizations and no status: the pipeline says unknown
  gcp('v1.compute.firewalls.delete', undefined, [{ granted: false }, { granted: false }]),
  // a team's action: group and user, so no change
  github('team.change_privacy'),
  github('team.add_member'),
  github('repo.create', { repo: 'corp/x' }),
  github('repo.access', { repo: 'corp/x' }),
  // 11-13: Entra ID sign-ins as the diagnostic export writes them; a sign-in without an error code succeeded
  exported('SignInLogs', 'Sign-in activity', { userPrincipalName: 'ann@x', clientAppUsed: 'Exchange ActiveSync', authenticationProtocol: 'deviceCode', status: {} }),
  exported('SignInLogs', 'Sign-in activity', { userPrincipalName: 'ann@x', clientAppUsed: 'Exchange ActiveSync', status: { errorCode: 50126 } }),
  exported('AuditLogs', 'Invite external user', { result: 'Success', targetResources: [{ displayName: 'guest-bo', type: 'User' }] }),
  // 14: the Activity log, its result type in capitals
  { time: '2024-12-17T10:30:00Z', resourceId: '/SUBSCRIPTIONS/S/PROVIDERS/MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/R', operationName: 'MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE', category: 'Administrative', resultType: 'SUCCESS', callerIpAddress: '203.0.113.7' },
  // 15-16: Microsoft 365 records
  m365('Failed', 15),
  m365('Failed', 8),
];

describe('detwiki hunt: Elastic rules over Kubernetes, Google Cloud, GitHub, Entra ID, Azure Activity and Microsoft 365 logs', () => {
  let dir: string;
  let rules: readonly RuleRecord[];
  let file: string;
  before(async () => {
    ({ dir, file } = writeHuntFixture('detwiki-ecs-cloud-', Object.fromEntries(Object.entries(RULES).map(([name, text]) => [`elastic/rules/integrations/${name}.toml`, text])), EVENTS));
    rules = (await scanSource(elasticAdapter, path.join(dir, 'elastic'), { repository: 'test/elastic' })).rules;
    assert.equal(rules.length, 8);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the raw events are recognised as their logs', () => {
    assert.deepEqual([EVENTS[0], EVENTS[3], EVENTS[7]].map((e) => recogniseLogSources(e)), [['kubernetes.audit'], ['gcp.audit'], ['github.audit']]);
  });

  it("event.outcome as each pipeline computes it: Kubernetes' decision, Google Cloud's status code or single grant", () => {
    const outcome = (t: typeof GCP_ECS, v: string) => readOver(t, pred('event.outcome', 'eq', [v], { cs: true }))!;
    assert.deepEqual(EVENTS.slice(0, 2).map((e) => evaluate(outcome(KUBERNETES_ECS, 'failure'), e)), [true, false]);
    assert.deepEqual(EVENTS.slice(0, 2).map((e) => evaluate(outcome(KUBERNETES_ECS, 'success'), e)), [false, true]);
    const g = EVENTS.slice(3, 7);
    assert.deepEqual(g.map((e) => evaluate(outcome(GCP_ECS, 'failure'), e)), [true, true, false, false]);
    assert.deepEqual(g.map((e) => evaluate(outcome(GCP_ECS, 'success'), e)), [false, false, true, false]);
    assert.deepEqual(g.map((e) => evaluate(outcome(GCP_ECS, 'unknown'), e)), [false, false, false, true]);
  });

  it("GitHub's event.type and event.category from the action", () => {
    const is = (f: string, v: string) => EVENTS.slice(7, 11).map((e) => evaluate(readOver(GITHUB_ECS, pred(f, 'eq', [v], { cs: true }))!, e));
    assert.deepEqual(is('event.type', 'change'), [false, false, false, true]);
    assert.deepEqual(is('event.type', 'creation'), [false, true, true, false]);
    assert.deepEqual(is('event.type', 'group'), [true, true, false, false]);
    assert.deepEqual(is('event.category', 'iam'), [true, true, false, false]);
    assert.deepEqual(is('github.category', 'repo'), [false, false, true, true]);
  });

  it("the sign-in pipeline's snake case, and the sign-in columns it keeps", () => {
    assert.deepEqual(['userPrincipalName', 'IPAddress', 'riskEventTypes_v2', 'isCAEToken'].map(snakeCase), ['user_principal_name', 'ipaddress', 'risk_event_types_v2', 'is_caetoken']);
    const col = (f: string) => readOver(SIGN_IN_ECS, pred(f, 'eq', ['x'], { cs: true }));
    assert.deepEqual(col('azure.signinlogs.properties.status.error_code'), { ...pred('properties.status.errorCode', 'eq', ['x'], { cs: true }) });
    // moved by the pipeline (to source.ip, to the message): not under the properties
    assert.equal(col('azure.signinlogs.properties.ip_address'), undefined);
    assert.equal(col('azure.signinlogs.properties.status.failure_reason'), undefined);
  });

  it('in process, on two worker threads and in DuckDB: the same hits', async () => {
    const { mem, par, duck, readAs } = await huntThreeWays(rules, file, hitKey);
    const want = [
      '0 hit elastic/k8sforbidden', '3 hit elastic/gcpfailed', '4 hit elastic/gcpfailed', '7 hit elastic/ghteam', '9 hit elastic/ghrepo',
      '11 hit elastic/signin', '11 hit elastic/either', '13 hit elastic/guest', '14 hit elastic/either', '15 hit elastic/o365',
    ];
    assert.deepEqual(mem, want.sort(), mem.join('\n'));
    assert.match(readAs.get('0 elastic/k8sforbidden') ?? '', /^the Kubernetes audit event's own field names/);
    assert.deepEqual(par, mem);
    assert.deepEqual(duck, mem);
  });
});
