/**
 * KQL's vocabulary (data): Sentinel and Defender XDR tables onto canonical log sources, and each table's columns
 * onto the raw log's field names (Defender's `FileName` is the file name of Sysmon's `Image`, Sentinel's
 * `AWSCloudTrail.EventName` is CloudTrail's `eventName`…). Sources: the Defender XDR advanced hunting schema and
 * the Azure Monitor table reference.
 */
import type { RuleRecord } from '../../model/rule.ts';
import type { FieldTable, Vocabulary } from '../../model/vocabulary/canonical.ts';

/** Table → canonical log source. SecurityEvent is decided by its EventID (see below). */
export const KQL_TABLES: Readonly<Record<string, string>> = {
  DeviceProcessEvents: 'windows.process_creation',
  DeviceRegistryEvents: 'windows.registry',
  DeviceFileEvents: 'windows.file',
  DeviceNetworkEvents: 'windows.network',
  DeviceImageLoadEvents: 'windows.image_load',
  AWSCloudTrail: 'aws.cloudtrail',
  SigninLogs: 'entra.signin',
  AADNonInteractiveUserSignInLogs: 'entra.signin',
  AADServicePrincipalSignInLogs: 'entra.signin',
  AuditLogs: 'entra.audit',
  OfficeActivity: 'm365.audit',
  CloudAppEvents: 'm365.audit',
  AzureActivity: 'azure.activity',
  GCPAuditLogs: 'gcp.audit',
  Okta_CL: 'okta.system',
  OktaV2_CL: 'okta.system',
  GitHubAuditLogPolling_CL: 'github.audit',
  GitHubAuditData: 'github.audit',
  GWorkspaceActivityReports: 'google_workspace',
  // the vendors' own logs, as their raw records are recognised (`VENDOR_RECOGNISERS`)
  SlackAudit: 'slack.audit',
  GCP_IAM: 'gcp.audit',
  BoxEvents: 'box.event',
  DnsEvents: 'dns',
  CommonSecurityLog: 'firewall',
  EmailEvents: 'email',
  EmailAttachmentInfo: 'email',
  EmailUrlInfo: 'email',
  Syslog: 'linux.auditd',
  DeviceLogonEvents: 'windows.security',
  // IdentityLogonEvents (Defender for Identity) records authentications seen by domain controllers and online
  // services, not the host's Security 4624/4625: it stays a vendor log source
};

/**
 * Defender XDR's own tables (advanced hunting, and their copies in Sentinel): their columns are Defender's
 * (`FileName`, `ProcessCommandLine`, `InitiatingProcessAccountName`…), which no raw log has. A hunt runs a rule over
 * them as written on those tables' rows (`vendor:defender/<table>`, recognised by the `Type` column Log Analytics gives
 * every row: `DEFENDER_ROW_TYPES` in `src/hunt/recogniseFacts.ts`), not on a Sysmon or Security event, where a test of
 * a Defender column held or failed only because the column is missing (`FileName != "x"` held on every event); the
 * endpoint tables Sysmon also records are read over Sysmon events with Sysmon's names instead (`readings.ts`).
 */
export const DEFENDER_TABLES: readonly string[] = [
  'DeviceProcessEvents', 'DeviceNetworkEvents', 'DeviceFileEvents', 'DeviceRegistryEvents', 'DeviceLogonEvents',
  'DeviceImageLoadEvents', 'DeviceEvents', 'DeviceInfo', 'DeviceNetworkInfo', 'DeviceFileCertificateInfo',
  'EmailEvents', 'EmailAttachmentInfo', 'EmailUrlInfo', 'EmailPostDeliveryEvents', 'UrlClickEvents',
  'IdentityLogonEvents', 'IdentityQueryEvents', 'IdentityDirectoryEvents', 'IdentityInfo', 'CloudAppEvents',
  'AlertInfo', 'AlertEvidence',
];
const DEFENDER = new Set(DEFENDER_TABLES);

/** The log source a hunt gives the rows of a Defender XDR table. */
export const defenderRows = (table: string): string => `vendor:defender/${table.toLowerCase()}`;

/**
 * Sentinel (Log Analytics) tables whose rows, exported with their `Type` column, a hunt recognises as themselves
 * (`vendor:sentinel/<table>`, `SENTINEL_ROW_TYPES` in `src/hunt/recogniseFacts.ts`), so that the KQL rules over a
 * table run on its rows, with the table's own columns (`AWSCloudTrail`'s `EventName`, not CloudTrail's `eventName`).
 * `true` where such a row is also the table's canonical log source (`KQL_TABLES`): the flat sign-in and audit rows have
 * the columns the raw logs' recognisers read, and the other languages' rules run on them as before, and these tables'
 * rules run on the raw logs too. The others' columns are the table's own: their rules run on their rows, and on a raw
 * log only through a reading (`readings.ts`).
 */
export const SENTINEL_ROW_TABLES: Readonly<Record<string, boolean>> = {
  SigninLogs: true,
  AADNonInteractiveUserSignInLogs: true,
  AADServicePrincipalSignInLogs: true,
  AuditLogs: true,
  AWSCloudTrail: false,
  AzureActivity: false,
  GCPAuditLogs: false,
  Okta_CL: false,
  OktaV2_CL: false,
  GitHubAuditLogPolling_CL: false,
  GitHubAuditData: false,
  GWorkspaceActivityReports: false,
  SlackAudit: false,
  GCP_IAM: false,
  BoxEvents: false,
  OfficeActivity: false,
  DnsEvents: false,
  CommonSecurityLog: false,
  Syslog: false,
  W3CIISLog: false,
  AzureDiagnostics: false,
};

/** The log source a hunt gives the rows of a Sentinel table (`SENTINEL_ROW_TABLES`). */
export const sentinelRows = (table: string): string => `vendor:sentinel/${table.toLowerCase()}`;

/** Security event ids whose events are process creation. */
const PROCESS_CREATION_EVENT_IDS: ReadonlySet<string> = new Set(['4688']);

const PROCESS: FieldTable = {
  FileName: 'Image:name',
  FolderPath: 'Image',
  ProcessCommandLine: 'CommandLine',
  InitiatingProcessFileName: 'ParentImage:name',
  InitiatingProcessFolderPath: 'ParentImage',
  InitiatingProcessCommandLine: 'ParentCommandLine',
  ProcessVersionInfoOriginalFileName: 'OriginalFileName',
  ProcessVersionInfoCompanyName: 'Company',
  ProcessVersionInfoProductName: 'Product',
  ProcessVersionInfoFileDescription: 'Description',
  AccountName: 'User',
  ProcessIntegrityLevel: 'IntegrityLevel',
  DeviceName: 'Computer',
  Computer: 'Computer',
  // SecurityEvent 4688
  NewProcessName: 'Image',
  CommandLine: 'CommandLine',
  ParentProcessName: 'ParentImage',
  SubjectUserName: 'User',
};

const INITIATOR: FieldTable = { DeviceName: 'Computer', InitiatingProcessFileName: 'Image:name', InitiatingProcessFolderPath: 'Image', InitiatingProcessCommandLine: 'CommandLine' };

export const KQL_FIELDS: Readonly<Record<string, FieldTable>> = {
  'windows.process_creation': PROCESS,
  'windows.registry': { ...INITIATOR, RegistryKey: 'TargetObject', RegistryValueData: 'Details', ActionType: 'EventType' },
  'windows.file': { ...INITIATOR, FolderPath: 'TargetFilename', FileName: 'TargetFilename:name' },
  // Sysmon's network connection (event 3) names the connecting process's account `User`, as its process creation does
  'windows.network': { ...INITIATOR, RemoteIP: 'DestinationIp', RemotePort: 'DestinationPort', RemoteUrl: 'DestinationHostname', LocalIP: 'SourceIp', LocalPort: 'SourcePort', Protocol: 'Protocol', InitiatingProcessId: 'ProcessId', InitiatingProcessAccountName: 'User' },
  'windows.image_load': { ...INITIATOR, FileName: 'ImageLoaded:name', FolderPath: 'ImageLoaded' },
  'windows.security': { EventID: 'EventID', TargetUserName: 'TargetUserName', SubjectUserName: 'SubjectUserName', LogonType: 'LogonType', ObjectName: 'ObjectName', ServiceName: 'ServiceName', ShareName: 'ShareName', IpAddress: 'IpAddress' },
  'aws.cloudtrail': {
    EventName: 'eventName',
    EventSource: 'eventSource',
    EventTypeName: 'eventType',
    UserIdentityType: 'userIdentity.type',
    UserIdentityArn: 'userIdentity.arn',
    UserIdentityAccountId: 'userIdentity.accountId',
    UserIdentityPrincipalid: 'userIdentity.principalId',
    UserIdentityUserName: 'userIdentity.userName',
    SourceIpAddress: 'sourceIPAddress',
    UserAgent: 'userAgent',
    AWSRegion: 'awsRegion',
    ErrorCode: 'errorCode',
    ErrorMessage: 'errorMessage',
    RequestParameters: 'requestParameters',
    ResponseElements: 'responseElements',
    RecipientAccountId: 'recipientAccountId',
    AdditionalEventData: 'additionalEventData',
  },
  'entra.signin': { ResultType: 'ResultType', ResultDescription: 'ResultDescription', AppDisplayName: 'AppDisplayName', UserPrincipalName: 'UserPrincipalName', IPAddress: 'IPAddress', ClientAppUsed: 'ClientAppUsed', UserAgent: 'UserAgent' },
  'entra.audit': { OperationName: 'OperationName', Category: 'Category', Result: 'Result', LoggedByService: 'LoggedByService' },
  'm365.audit': { Operation: 'Operation', OfficeWorkload: 'Workload', RecordType: 'RecordType', UserId: 'UserId', ClientIP: 'ClientIP', ActionType: 'Operation' },
  'azure.activity': { OperationNameValue: 'operationName', OperationName: 'operationDisplayName', CategoryValue: 'category', ActivityStatusValue: 'resultType', Caller: 'caller', CallerIpAddress: 'callerIpAddress', ResourceProviderValue: 'resourceProvider', _ResourceId: 'resourceId' },
  'gcp.audit': { MethodName: 'protoPayload.methodName', ServiceName: 'protoPayload.serviceName', PrincipalEmail: 'protoPayload.authenticationInfo.principalEmail' },
  'okta.system': { eventType_s: 'eventType', EventType: 'eventType', outcome_result_s: 'outcome.result', actor_alternateId_s: 'actor.alternateId', client_ipAddress_s: 'client.ipAddress', displayMessage_s: 'displayMessage' },
  'github.audit': { action_s: 'action', Action: 'action', actor_s: 'actor', repo_s: 'repo', org_s: 'org' },
  google_workspace: { EventMessage: 'name', EventType: 'type', ActorEmail: 'actor.email', SrcIpAddr: 'ipAddress' },
  'slack.audit': { Action: 'action', DvcAction: 'action', SrcUserEmail: 'actor.user.email', SrcIpAddr: 'context.ip_address' },
  'box.event': { EventType: 'event_type', SrcUserUpn: 'created_by.login', SrcIpAddr: 'ip_address' },
  dns: { Name: 'query', QueryType: 'record_type', IPAddresses: 'answer' },
  firewall: { DestinationPort: 'dst_port', DestinationIP: 'dst_ip', SourceIP: 'src_ip', SourcePort: 'src_port', DeviceAction: 'action', Protocol: 'protocol' },
  email: { SenderFromAddress: 'sender.email.email', SenderFromDomain: 'sender.email.domain.domain', Subject: 'subject.subject', FileName: 'attachments.file_name', FileType: 'attachments.file_extension', UrlDomain: 'body.links.href_url.domain.domain', RecipientEmailAddress: 'recipients.to.email.email' },
};

/** Defender columns every table shares that name the device or account rather than the event (meta fields). */
const DEVICE_META: FieldTable = { DeviceId: '@host.id', InitiatingProcessAccountSid: '@user.sid', AccountSid: '@user.sid', ActionType: '@event.action', SHA1: 'Hashes', SHA256: 'Hashes', MD5: 'Hashes', InitiatingProcessSHA1: 'Hashes', InitiatingProcessSHA256: 'Hashes' };

/** The canonical log source of a table the rule reads (SecurityEvent by the event ids the rule asks for). */
function tableLogSource(rule: RuleRecord, name: string): string {
  if (name === 'SecurityEvent' || name === 'WindowsEvent') {
    const ids = rule.logic.indicators.filter((i) => i.field === 'EventID' && (i.op === 'eq' || i.op === 'in')).flatMap((i) => i.values.map(String));
    return ids.length && ids.every((id) => PROCESS_CREATION_EVENT_IDS.has(id)) ? 'windows.process_creation' : 'windows.security';
  }
  return KQL_TABLES[name] ?? `vendor:${name.toLowerCase()}`;
}

export const kustoVocabulary: Vocabulary = {
  // SecurityEvent columns are the Windows event data's own names
  raw: ['windows.security'],
  logSources: (rule: RuleRecord) => rule.logSources.flatMap((l) => (l.kind === 'table' ? [tableLogSource(rule, l.name)] : [])),
  huntLogSources: (rule: RuleRecord) =>
    rule.logSources.flatMap((l) => {
      if (l.kind !== 'table') return [];
      if (DEFENDER.has(l.name)) return [defenderRows(l.name)];
      if (!Object.hasOwn(SENTINEL_ROW_TABLES, l.name)) return [tableLogSource(rule, l.name)];
      // a table whose columns are its own runs on its rows only: on a raw log of the same action (CloudTrail's JSON)
      // its columns are missing, so a test of one would fail and its negation hold; a reading renames them
      // (`readings.ts`, `SENTINEL_READINGS`)
      return SENTINEL_ROW_TABLES[l.name] ? [tableLogSource(rule, l.name), sentinelRows(l.name)] : [sentinelRows(l.name)];
    }),
  fields: { '*': DEVICE_META, ...KQL_FIELDS, 'windows.security': { ...KQL_FIELDS['windows.security'], ActionType: 'EventID', AccountName: 'TargetUserName', LogonType: 'LogonType' } },
  values: {
    // DeviceLogonEvents / IdentityLogonEvents ActionType onto Security event ids
    'windows.security': { EventID: { logonsuccess: 4624, logonfailed: 4625, logonattempted: 4648 } },
    // Defender registry ActionType onto Sysmon's EventType
    'windows.registry': { EventType: { registryvalueset: 'SetValue', registrykeycreated: 'CreateKey', registrykeydeleted: 'DeleteKey', registryvaluedeleted: 'DeleteValue' } },
  },
};
