/**
 * YARA-L rules over Microsoft 365's and Entra ID's raw records (`src/formats/yaral/readings.ts`): UDM fields read as
 * the OFFICE_365, AZURE_AD and AZURE_AD_AUDIT parsers fill them (the operation verbatim, its event type, the action
 * from the result, an Exchange cmdlet's parameters as detection fields, a sign-in's user as its target). The same
 * results in process, on workers and in DuckDB.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { scanSource } from '../src/formats/scan.ts';
import { yaralAdapter } from '../src/formats/yaral/index.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { hitKey, huntThreeWays, writeHuntFixture } from './huntThreeWays.ts';

const rule = (name: string, source: string, events: string, match = '') => `rule ${name} {
  meta:
    author = "detection-wiki fixtures"
    description = "Invented rule for the hunt's UDM readings of Microsoft's logs."
    data_source = "${source}"
  events:
${events}
${match ? `  match:\n    ${match}\n` : ''}  condition:
    $e
}
`;

const RULES: Record<string, string> = {
  // a sign-in to Azure AD PowerShell, by the user it signs in (Microsoft 365's record)
  ps: rule(
    'o365_ps_login',
    'o365',
    '    $e.metadata.event_type = "USER_LOGIN"\n    $e.metadata.product_event_type = "UserLoggedIn"\n    $e.metadata.product_name = "Office 365"\n    $e.metadata.vendor_name = "Microsoft"\n    $e.target.resource.product_object_id = "1b730954-1685-4b74-9bfd-dac224a7b894"\n    $e.security_result.action = "ALLOW"\n    $e.target.user.userid = $user',
    '$user over 5m',
  ),
  // an Exchange cmdlet's parameter
  audit: rule('o365_audit_off', 'o365', '    $e.metadata.event_type = "SETTING_CREATION"\n    $e.metadata.product_event_type = "Set-AdminAuditLogConfig"\n    $e.metadata.product_name = "Office 365"\n    $e.security_result.detection_fields["UnifiedAuditLogIngestionEnabled"] = "False"'),
  // a failed group creation, and Teams' removal without a result
  group: rule('o365_group_failed', 'o365', '    $e.metadata.event_type = "GROUP_CREATION"\n    $e.metadata.product_event_type = "Add group."\n    $e.metadata.product_name = "Office 365"\n    $e.security_result.action = "BLOCK"'),
  teams: rule('o365_teams_removed', 'o365', '    $e.metadata.log_type = "OFFICE_365"\n    $e.metadata.product_event_type = "MemberRemoved"\n    $e.target.application = "MicrosoftTeams"\n    $e.security_result.action = "UNKNOWN_ACTION"'),
  // an operation whose event type is not read: it may fire
  other: rule('o365_rule_created', 'o365', '    $e.metadata.event_type = "USER_RESOURCE_CREATION"\n    $e.metadata.product_event_type = "New-InboxRule"\n    $e.metadata.product_name = "Office 365"'),
  // Entra ID's directory audit (no closing period) and sign-ins
  app: rule('entra_app_added', 'azure ad audit', '    $e.metadata.event_type = "SERVICE_CREATION"\n    $e.metadata.product_event_type = "Add application"\n    $e.metadata.product_name = "Azure AD Directory Audit"\n    $e.security_result.action = "ALLOW"\n    $e.principal.user.userid = $user', '$user over 5m'),
  role: rule('entra_global_admin', 'azure ad audit', '    $e.metadata.product_event_type = "Add member to role"\n    $e.metadata.product_name = "Azure AD Directory Audit"\n    $e.target.resource.attribute.labels["Role.TemplateId"] = "62e90394-69f5-4237-9190-012177145e10"'),
  signin: rule('entra_ps_signin', 'azure ad', '    $e.metadata.event_type = "USER_LOGIN"\n    $e.metadata.product_name = "Azure AD"\n    $e.target.application = "Azure Active Directory PowerShell"\n    $e.security_result.action = "ALLOW"'),
  code: rule('entra_error_code', 'azure ad', '    $e.metadata.product_name = "Azure AD"\n    re.regex($e.security_result.rule_id, `^(0|50199)$`)'),
};

const m365 = (Operation: string, more: Record<string, unknown> = {}) => ({ CreationTime: '2026-01-01T00:00:00', Id: `id-${Operation}`, Operation, RecordType: 15, Workload: 'AzureActiveDirectory', UserId: 'ann@corp.example', ClientIP: '198.51.100.7', ...more });
const entra = (category: string, operationName: string, properties: Record<string, unknown>) => ({ time: '2026-01-01T00:00:00Z', category, operationName, resultType: '0', properties });

const EVENTS = [
  // 0-1: sign-ins through Microsoft 365's log, to PowerShell and to another application
  m365('UserLoggedIn', { ResultStatus: 'Success', ApplicationId: '1b730954-1685-4b74-9bfd-dac224a7b894' }),
  m365('UserLoggedIn', { ResultStatus: 'Success', ApplicationId: '00000003-0000-0000-c000-000000000000' }),
  // 2-3: the audit log's ingestion turned off, then on
  m365('Set-AdminAuditLogConfig', { Workload: 'Exchange', ResultStatus: 'True', Parameters: [{ Name: 'Identity', Value: 'Admin Audit Log Settings' }, { Name: 'UnifiedAuditLogIngestionEnabled', Value: 'False' }] }),
  m365('Set-AdminAuditLogConfig', { Workload: 'Exchange', ResultStatus: 'True', Parameters: [{ Name: 'UnifiedAuditLogIngestionEnabled', Value: 'True' }] }),
  // 4-5: a failed group creation, a successful one
  m365('Add group.', { ResultStatus: 'Failed' }),
  m365('Add group.', { ResultStatus: 'Success' }),
  // 6: Teams' member removal (no result)
  m365('MemberRemoved', { Workload: 'MicrosoftTeams', RecordType: 25 }),
  // 7: an inbox rule (an operation whose type is not read)
  m365('New-InboxRule', { Workload: 'Exchange', ResultStatus: 'True' }),
  // 8-9: Entra ID's export: an application added, and a failed one
  entra('AuditLogs', 'Add application', { activityDisplayName: 'Add application', category: 'ApplicationManagement', result: 'success', initiatedBy: { user: { userPrincipalName: 'bob@corp.example' } } }),
  entra('AuditLogs', 'Add application', { activityDisplayName: 'Add application', category: 'ApplicationManagement', result: 'failure', initiatedBy: { user: { userPrincipalName: 'bob@corp.example' } } }),
  // 10-11: sign-ins: to PowerShell, and one refused (50126)
  entra('SignInLogs', 'Sign-in activity', { userPrincipalName: 'ann@corp.example', appDisplayName: 'Azure Active Directory PowerShell', appId: '1b730954-1685-4b74-9bfd-dac224a7b894', status: { errorCode: 0 } }),
  entra('SignInLogs', 'Sign-in activity', { userPrincipalName: 'ann@corp.example', appDisplayName: 'Azure Active Directory PowerShell', status: { errorCode: 50126 } }),
  // 12-13: a role given, Global Administrator's template and another's (the export's JSON-quoted values)
  ...['62e90394-69f5-4237-9190-012177145e10', '88d8e3e3-8f55-4a1e-953a-9b9898b8876b'].map((role) =>
    entra('AuditLogs', 'Add member to role', {
      activityDisplayName: 'Add member to role',
      result: 'success',
      targetResources: [
        { type: 'User', userPrincipalName: 'eve@corp.example', modifiedProperties: [{ displayName: 'Role.DisplayName', oldValue: null, newValue: '"Some Role"' }, { displayName: 'Role.TemplateId', oldValue: null, newValue: `"${role}"` }] },
      ],
    }),
  ),
];

describe("detwiki hunt: YARA-L over Microsoft 365's and Entra ID's records", () => {
  let dir: string;
  let file: string;
  let rules: readonly RuleRecord[];
  before(async () => {
    ({ dir, file } = writeHuntFixture('detwiki-yaral-ms-', Object.fromEntries(Object.entries(RULES).map(([k, v]) => [`rules/${k}.yaral`, v])), EVENTS));
    rules = (await scanSource(yaralAdapter, path.join(dir, 'rules'), { repository: 'test/yaral' })).rules;
    assert.equal(rules.length, Object.keys(RULES).length);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the UDM fields as the parsers fill them, the same three ways', async () => {
    const { mem, par, duck, readAs } = await huntThreeWays(rules, file, hitKey);
    const expected = [
      '0 hit yaral/ps',
      '2 hit yaral/audit',
      '4 hit yaral/group',
      '6 hit yaral/teams',
      // an operation whose event type the reading does not know
      '7 may_fire yaral/other (metadata.event_type)',
      '8 hit yaral/app',
      // a failed one: a failure's action is not read
      '9 may_fire yaral/app (security_result.action)',
      '10 hit yaral/signin',
      '10 hit yaral/code',
      '12 hit yaral/role',
      // the refused sign-in: its action is not read (BLOCK or FAIL?), its error code is not 0 nor 50199
      '11 may_fire yaral/signin (security_result.action)',
    ];
    assert.deepEqual(mem, expected.sort(), mem.join('\n'));
    assert.deepEqual(par, mem);
    assert.deepEqual(duck, mem);
    assert.match(readAs.get('0 yaral/ps') ?? '', /OFFICE_365/);
    assert.match(readAs.get('8 yaral/app') ?? '', /AZURE_AD_AUDIT/);
    assert.match(readAs.get('10 yaral/signin') ?? '', /AZURE_AD parser/);
  });
});
