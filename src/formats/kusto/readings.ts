/**
 * The hunt's readings of KQL rules over raw logs (`FormatAdapter.huntReadings`): Windows events, CloudTrail's JSON,
 * the Okta System Log, the exported Azure Activity log, Entra ID's exported sign-in and audit logs, Google Workspace's
 * Reports API events, Google Cloud's IAM audit entries, Slack's audit log, Box's events and Cisco Duo's authentication and
 * administrator logs.
 *
 * A rule over SecurityEvent reads a Windows event as the event log renders it (`securityEventReading`).
 *
 * A rule over one of Defender XDR's endpoint tables is read over Sysmon events: the
 * hunt runs the rule as written on the table's own rows (`huntLogSources` in `vocabulary.ts`), and this reading on
 * the Sysmon events of the same action, with each Defender column read as the Sysmon field that holds the same value
 * in the same form (`FolderPath` is process creation's `Image`, `FileName` the file name of that path). A column
 * Sysmon does not record, or records in another form (`AccountName` is `bob` in Defender, `DOMAIN\bob` in Sysmon's
 * `User`; `ActionType` values are Defender's own), is unknown wherever it is tested: the rule may fire, depending on
 * it. A rule that pairs events, or has no test Sysmon can answer, gets no reading; a threshold is read with its keys
 * and counted columns as Sysmon fields (`readAggregation`), or the rule gets no reading.
 *
 * A rule over a Sentinel table that copies a raw log's fields (`AWSCloudTrail`, `Okta_CL`, `AzureActivity`, `SigninLogs`,
 * `AuditLogs`: `SENTINEL_READINGS`) is read over that raw log the same way, each column as the field it copies.
 */
import { and, derivedFields, isFieldRef, mapEachLeaf, not, opaque, or, pred, type Expr, type Predicate } from '../../model/expr.ts';
import { renderPredicate } from '../../model/render.ts';
import type { RuleRecord } from '../../model/rule.ts';
import { aggregationDecides } from '../../model/aggregate.ts';
import type { HuntReading } from '../adapter.ts';
import { M365_RENAMED_RECORD_TYPES, recordTypeName } from '../m365.ts';
import { anyCase, constant, derivedFrom, ENTRA_EXPORT, nameOf, path, tableReading, WORKSPACE_EVENT, type Column, type TableReading } from '../readings.ts';
import { WORKSPACE_APPLICATION } from '../workspace.ts';

/** IAM methods the `GCP_IAM` connector's filter names (`protoPayload.methodName:(…)`), those its rules test among them. */
const GCP_IAM_METHODS = [
  'CreateRole', 'UpdateRole', 'SetIamPolicy', 'GenerateAccessToken', 'ListRoles', 'ListServiceAccounts', 'ListServiceAccountKeys',
  'CreateServiceAccount', 'CreateServiceAccountKey', 'DeleteServiceAccount', 'DisableServiceAccount',
];

/** The Sysmon events a reading runs on (recognised by their channel or provider). */
export const SYSMON = 'vendor:windows/sysmon';

const SYSMON_READING = {
  onlyWith: SYSMON,
  lang: 'kql',
  label: 'Sysmon field names for Defender XDR columns (FolderPath as Image, FileName as its file name…)',
  raw: 'Sysmon',
  readAs: 'sigma',
  groupsAs: { DeviceId: 'Computer' },
} as const;

/** The acting process of file, network and image-load rows: Sysmon's `Image` of those events. */
const INITIATOR: Readonly<Record<string, Column>> = {
  InitiatingProcessFolderPath: path('Image'),
  InitiatingProcessFileName: nameOf('Image'),
  InitiatingProcessId: path('ProcessId'),
  DeviceName: path('Computer'),
};

/** Defender's hash columns, which Sysmon lists in the event's `Hashes`. */
const DEFENDER_HASHES = { SHA1: 'SHA1', SHA256: 'SHA256', MD5: 'MD5' } as const;

/**
 * Defender XDR endpoint tables and the Sysmon fields of the same values (Defender XDR advanced hunting schema; Sysmon's
 * event schema). Registry rows are not read: Defender's `RegistryKey` names the hive in full and leaves out the value
 * name, which Sysmon's `TargetObject` abbreviates and includes.
 */
export const SYSMON_READINGS: Readonly<Record<string, TableReading>> = {
  DeviceProcessEvents: {
    ...SYSMON_READING,
    logSource: 'windows.process_creation',
    hashes: DEFENDER_HASHES,
    columns: {
      FolderPath: path('Image'),
      FileName: nameOf('Image'),
      ProcessCommandLine: path('CommandLine'),
      ProcessId: path('ProcessId'),
      InitiatingProcessFolderPath: path('ParentImage'),
      InitiatingProcessFileName: nameOf('ParentImage'),
      InitiatingProcessCommandLine: path('ParentCommandLine'),
      InitiatingProcessId: path('ParentProcessId'),
      ProcessVersionInfoOriginalFileName: path('OriginalFileName'),
      ProcessVersionInfoCompanyName: path('Company'),
      ProcessVersionInfoProductName: path('Product'),
      ProcessVersionInfoFileDescription: path('Description'),
      ProcessIntegrityLevel: path('IntegrityLevel'),
      DeviceName: path('Computer'),
    },
  },
  DeviceFileEvents: { ...SYSMON_READING, logSource: 'windows.file', columns: { ...INITIATOR, FolderPath: path('TargetFilename'), FileName: nameOf('TargetFilename') } },
  DeviceImageLoadEvents: { ...SYSMON_READING, logSource: 'windows.image_load', hashes: DEFENDER_HASHES, columns: { ...INITIATOR, FolderPath: path('ImageLoaded'), FileName: nameOf('ImageLoaded') } },
  DeviceNetworkEvents: {
    ...SYSMON_READING,
    logSource: 'windows.network',
    columns: { ...INITIATOR, RemoteIP: path('DestinationIp'), RemotePort: path('DestinationPort'), LocalIP: path('SourceIp'), LocalPort: path('SourcePort') },
  },
};

const CLOUDTRAIL = 'aws.cloudtrail';
const OKTA = 'okta.system';

// ---------------------------------------------------------------------------------------------------------------
// Entra ID's sign-in and audit logs as Azure Monitor's diagnostic settings export them (`ENTRA_EXPORT`): each record's
// own fields under `properties`, beside the export's `category`, `operationName`, `resultType`… (Microsoft's
// "Azure Monitor resource logs" schema and the Entra ID log schemas), which Log Analytics makes the flat columns of
// `SigninLogs` and `AuditLogs`.

/** A table's rows: the export's records of one category. */
const exportRows = (category: string): Expr => and(pred('category', 'eq', [category], { cs: false }), pred('properties', 'is_not_null'));

/** The columns of the sign-in tables (interactive, non-interactive, service principal), each the field it copies. */
const SIGN_IN_COLUMNS: Readonly<Record<string, Column>> = {
  OperationName: path('operationName'),
  Category: path('category'),
  ResultType: path('resultType'),
  ResultSignature: path('resultSignature'),
  ResultDescription: path('properties.status.failureReason'),
  CorrelationId: path('correlationId'),
  Identity: path('identity'),
  TenantId: path('tenantId'),
  Id: path('properties.id'),
  UserPrincipalName: path('properties.userPrincipalName'),
  UserId: path('properties.userId'),
  UserDisplayName: path('properties.userDisplayName'),
  AppDisplayName: path('properties.appDisplayName'),
  AppId: path('properties.appId'),
  ResourceDisplayName: path('properties.resourceDisplayName'),
  ResourceIdentity: path('properties.resourceId'),
  IPAddress: path('properties.ipAddress'),
  UserAgent: path('properties.userAgent'),
  ClientAppUsed: path('properties.clientAppUsed'),
  AuthenticationRequirement: path('properties.authenticationRequirement'),
  AuthenticationProtocol: path('properties.authenticationProtocol'),
  IsInteractive: path('properties.isInteractive'),
  RiskLevelDuringSignIn: path('properties.riskLevelDuringSignIn'),
  RiskLevelAggregated: path('properties.riskLevelAggregated'),
  RiskState: path('properties.riskState'),
  RiskDetail: path('properties.riskDetail'),
  AutonomousSystemNumber: path('properties.autonomousSystemNumber'),
  HomeTenantId: path('properties.homeTenantId'),
  ResourceTenantId: path('properties.resourceTenantId'),
  CrossTenantAccessType: path('properties.crossTenantAccessType'),
  IncomingTokenType: path('properties.incomingTokenType'),
  UniqueTokenIdentifier: path('properties.uniqueTokenIdentifier'),
  OriginalRequestId: path('properties.originalRequestId'),
  Location: path('properties.location.countryOrRegion'),
  ServicePrincipalName: path('properties.servicePrincipalName'),
  ServicePrincipalId: path('properties.servicePrincipalId'),
};

/** Columns that hold an object of the record (or its JSON text): a member a rule reads of one is the record's. */
const SIGN_IN_OBJECTS: Readonly<Record<string, string>> = {
  DeviceDetail: 'properties.deviceDetail',
  LocationDetails: 'properties.location',
  Status: 'properties.status',
  ConditionalAccessPolicies: 'properties.conditionalAccessPolicies',
  MfaDetail: 'properties.mfaDetail',
  AuthenticationDetails: 'properties.authenticationDetails',
  AuthenticationProcessingDetails: 'properties.authenticationProcessingDetails',
  NetworkLocationDetails: 'properties.networkLocationDetails',
};

const signIn = (table: string, category: string): TableReading => ({
  lang: 'kql',
  logSource: 'entra.signin',
  onlyWith: ENTRA_EXPORT,
  rows: exportRows(category),
  label: `the diagnostic export's ${category} records for ${table} columns (UserPrincipalName as properties.userPrincipalName…)`,
  raw: `the diagnostic export's ${category} records`,
  json: SIGN_IN_OBJECTS,
  columns: SIGN_IN_COLUMNS,
});

// ---------------------------------------------------------------------------------------------------------------
// Microsoft 365's audit records as the Management Activity API gives them: Sentinel's `OfficeActivity` (the record's
// fields, a few renamed) and Defender's `CloudAppEvents` (the record whole in `RawEventData`)

/** OfficeActivity over a record: its own fields by the same names, those below renamed. */
const OFFICE_ACTIVITY: TableReading = {
  lang: 'kql',
  logSource: 'm365.audit',
  onlyWith: 'm365.audit',
  label: "the Management Activity API's record for OfficeActivity columns (OfficeWorkload as Workload, RecordType by its name…)",
  raw: "the Management Activity API's record",
  // JSON text in the table, lists in the record: a member a rule parses out of one is the record's
  json: { Parameters: 'Parameters', ExtendedProperties: 'ExtendedProperties', ModifiedProperties: 'ModifiedProperties', AppAccessContext: 'AppAccessContext' },
  columns: {
    Operation: path('Operation'),
    OfficeWorkload: path('Workload'),
    // the name of the record type where the record has its number (the names that changed, 22 and 44, unknown)
    RecordType: recordTypeName('RecordType', M365_RENAMED_RECORD_TYPES),
    UserId: path('UserId'),
    UserKey: path('UserKey'),
    ResultStatus: path('ResultStatus'),
    OfficeObjectId: path('ObjectId'),
    OfficeId: path('Id'),
    OrganizationId: path('OrganizationId'),
    OfficeTenantId: path('OrganizationId'),
    ClientIP: path('ClientIP'),
    Client_IPAddress: path('ClientIPAddress'),
    ActorIpAddress: path('ActorIpAddress'),
    SourceFileName: path('SourceFileName'),
    SourceFileExtension: path('SourceFileExtension'),
    SourceRelativeUrl: path('SourceRelativeUrl'),
    Site_Url: path('SiteUrl'),
    Site_: path('Site'),
    ItemType: path('ItemType'),
    Event_Data: path('EventData'),
    MailboxOwnerUPN: path('MailboxOwnerUPN'),
    MailboxOwnerSid: path('MailboxOwnerSid'),
    MailboxGuid: path('MailboxGuid'),
    LogonUserSid: path('LogonUserSid'),
    ExternalAccess: path('ExternalAccess'),
    ClientInfoString: path('ClientInfoString'),
    OriginatingServer: path('OriginatingServer'),
    TargetUserOrGroupName: path('TargetUserOrGroupName'),
    TargetUserOrGroupType: path('TargetUserOrGroupType'),
    UserAgent: path('UserAgent'),
    ApplicationId: path('ApplicationId'),
    AzureActiveDirectory_EventType: path('AzureActiveDirectoryEventType'),
  },
};

/**
 * CloudAppEvents over a record: `RawEventData` is the record itself (a member the rule reads of it is the record's),
 * `ActionType` its operation. Defender's own columns (`Application`, `IPAddress`, the account's, `ActivityType`)
 * are unknown.
 */
const CLOUD_APP_EVENTS: TableReading = {
  lang: 'kql',
  logSource: 'm365.audit',
  onlyWith: 'm365.audit',
  label: "the Management Activity API's record for CloudAppEvents columns (ActionType as Operation, RawEventData as the record…)",
  raw: "the Management Activity API's record",
  prefixes: { 'RawEventData.': '' },
  columns: {
    ActionType: path('Operation'),
  },
};

/**
 * The Entra ID tables read over the export, by name. Left out (a test of one is unknown): `ConditionalAccessStatus`
 * and `UserType`, whose export values may be numbers where the table has words; `TimeGenerated` and the other
 * columns Log Analytics adds.
 */
const ENTRA_READINGS: Readonly<Record<string, TableReading>> = {
  SigninLogs: signIn('SigninLogs', 'SignInLogs'),
  AADNonInteractiveUserSignInLogs: signIn('AADNonInteractiveUserSignInLogs', 'NonInteractiveUserSignInLogs'),
  AADServicePrincipalSignInLogs: signIn('AADServicePrincipalSignInLogs', 'ServicePrincipalSignInLogs'),
  AuditLogs: {
    lang: 'kql',
    logSource: 'entra.audit',
    onlyWith: ENTRA_EXPORT,
    rows: exportRows('AuditLogs'),
    label: "the diagnostic export's AuditLogs records for AuditLogs columns (OperationName as operationName, InitiatedBy as properties.initiatedBy…)",
    raw: "the diagnostic export's AuditLogs records",
    json: { InitiatedBy: 'properties.initiatedBy', TargetResources: 'properties.targetResources', AdditionalDetails: 'properties.additionalDetails' },
    columns: {
      // the activity's display name, which the export also writes as its operation name
      OperationName: path('operationName'),
      ActivityDisplayName: path('operationName'),
      Category: path('properties.category'),
      // `success` / `failure` in the table; the export's spelling may differ in case
      Result: anyCase('properties.result'),
      ResultReason: path('properties.resultReason'),
      LoggedByService: path('properties.loggedByService'),
      AADOperationType: path('properties.operationType'),
      CorrelationId: path('correlationId'),
      Identity: path('identity'),
      TenantId: path('tenantId'),
      Id: path('properties.id'),
      ActivityDateTime: path('properties.activityDateTime'),
    },
  },
};

/**
 * Sentinel tables whose columns copy one field of a raw log each, with the same value (Azure Monitor's table
 * reference; the Okta connector's custom log flattens the System Log's JSON into `path_parts_s` columns): a rule over
 * such a table is read over the raw log with the raw field names. Columns whose value Sentinel stores in another form
 * (`RequestParameters`, `ResponseElements` and `AdditionalEventData` are JSON text there and objects in CloudTrail's
 * JSON, though a member of one is the object's member; `SessionMfaAuthenticated` a boolean there and the string
 * `"true"` in CloudTrail's; Okta's `target_s` an array serialized) or computes (`TimeGenerated`, `Type`) are left
 * out: a test of one is unknown.
 */
export const SENTINEL_READINGS: Readonly<Record<string, TableReading>> = {
  AWSCloudTrail: {
    lang: 'kql',
    logSource: CLOUDTRAIL,
    onlyWith: CLOUDTRAIL,
    label: "CloudTrail's JSON field names for AWSCloudTrail columns (EventName as eventName…)",
    raw: "CloudTrail's JSON",
    json: { RequestParameters: 'requestParameters', ResponseElements: 'responseElements', AdditionalEventData: 'additionalEventData' },
    columns: {
      EventName: path('eventName'),
      EventSource: path('eventSource'),
      EventTypeName: path('eventType'),
      EventVersion: path('eventVersion'),
      AwsEventId: path('eventID'),
      AwsRequestId: path('requestID'),
      AWSRegion: path('awsRegion'),
      SourceIpAddress: path('sourceIPAddress'),
      UserAgent: path('userAgent'),
      ErrorCode: path('errorCode'),
      ErrorMessage: path('errorMessage'),
      RecipientAccountId: path('recipientAccountId'),
      ReadOnly: path('readOnly'),
      ManagementEvent: path('managementEvent'),
      VpcEndpointId: path('vpcEndpointId'),
      UserIdentityType: path('userIdentity.type'),
      UserIdentityArn: path('userIdentity.arn'),
      UserIdentityAccountId: path('userIdentity.accountId'),
      UserIdentityPrincipalid: path('userIdentity.principalId'),
      UserIdentityUserName: path('userIdentity.userName'),
      UserIdentityAccessKeyId: path('userIdentity.accessKeyId'),
      UserIdentityInvokedBy: path('userIdentity.invokedBy'),
      SessionIssuerType: path('userIdentity.sessionContext.sessionIssuer.type'),
      SessionIssuerArn: path('userIdentity.sessionContext.sessionIssuer.arn'),
      SessionIssuerUserName: path('userIdentity.sessionContext.sessionIssuer.userName'),
      SessionIssuerAccountId: path('userIdentity.sessionContext.sessionIssuer.accountId'),
      SessionIssuerPrincipalId: path('userIdentity.sessionContext.sessionIssuer.principalId'),
    },
  },
  // the Activity log as Azure Monitor exports it (diagnostic settings: storage, Event Hubs), whose operation names and
  // resource ids Sentinel may spell in another case; ActivityStatusValue is left out (its values are not always the
  // export's resultType: `Success` against `Succeeded`)
  AzureActivity: {
    lang: 'kql',
    logSource: 'azure.activity',
    onlyWith: 'azure.activity',
    label: "the exported Activity log's field names for AzureActivity columns (OperationNameValue as operationName…)",
    raw: 'the exported Activity log',
    columns: {
      OperationNameValue: anyCase('operationName'),
      CategoryValue: anyCase('category'),
      CallerIpAddress: path('callerIpAddress'),
      _ResourceId: anyCase('resourceId'),
      ResourceId: anyCase('resourceId'),
      CorrelationId: path('correlationId'),
    },
  },
  Okta_CL: {
    lang: 'kql',
    logSource: OKTA,
    onlyWith: OKTA,
    label: "Okta System Log field names for Okta_CL columns (eventType_s as eventType…)",
    raw: "the Okta System Log's JSON",
    columns: {
      eventType_s: path('eventType'),
      legacyEventType_s: path('legacyEventType'),
      displayMessage_s: path('displayMessage'),
      severity_s: path('severity'),
      outcome_result_s: path('outcome.result'),
      outcome_reason_s: path('outcome.reason'),
      actor_id_s: path('actor.id'),
      actor_type_s: path('actor.type'),
      actor_alternateId_s: path('actor.alternateId'),
      actor_displayName_s: path('actor.displayName'),
      client_ipAddress_s: path('client.ipAddress'),
      client_device_s: path('client.device'),
      client_zone_s: path('client.zone'),
      client_userAgent_rawUserAgent_s: path('client.userAgent.rawUserAgent'),
      client_userAgent_os_s: path('client.userAgent.os'),
      client_userAgent_browser_s: path('client.userAgent.browser'),
      client_geographicalContext_country_s: path('client.geographicalContext.country'),
      client_geographicalContext_state_s: path('client.geographicalContext.state'),
      client_geographicalContext_city_s: path('client.geographicalContext.city'),
      authenticationContext_externalSessionId_s: path('authenticationContext.externalSessionId'),
      transaction_id_s: path('transaction.id'),
      debugContext_debugData_requestUri_s: path('debugContext.debugData.requestUri'),
    },
  },
  // Google Workspace's Reports API events (`WORKSPACE_EVENT`), as Sentinel's `GWorkspaceActivityReports` parser names
  // the connector's columns: the event's own fields, and each parameter in a column of its own name (its case kept)
  GWorkspaceActivityReports: {
    lang: 'kql',
    logSource: 'google_workspace',
    onlyWith: WORKSPACE_EVENT,
    label: "the Reports API event's field names for GWorkspaceActivityReports columns (EventMessage as name, DocTitle as the doc_title parameter…)",
    raw: "the Reports API event's JSON",
    columns: {
      EventMessage: path('name'),
      EventType: path('type'),
      IdApplicationName: path(WORKSPACE_APPLICATION),
      ActorEmail: path('actor.email'),
      ActorCallerType: path('actor.callerType'),
      SrcIpAddr: path('ipAddress'),
      OwnerDomain: path('ownerDomain'),
      UserAgentOriginal: path('parameters.user_agent'),
      DocTitle: path('parameters.doc_title'),
      DocType: path('parameters.doc_type'),
      Visibility: path('parameters.visibility'),
      OldVisibility: path('parameters.old_visibility'),
      TargetUserName: path('parameters.target_user'),
      OrganizerCalendarId: path('parameters.organizer_calendar_id'),
      EventResponseStatus: path('parameters.event_response_status'),
      LoginType: path('parameters.login_type'),
      IsSuspicious: path('parameters.is_suspicious'),
      // the upper-case parameters of the admin and mobile reports (drive's own `new_value` is another column)
      NeqValue: path('parameters.NEW_VALUE'),
      OldValue: path('parameters.OLD_VALUE'),
      ProcessName: path('parameters.SETTING_NAME'),
      RoleName: path('parameters.ROLE_NAME'),
      UserEmail: path('parameters.USER_EMAIL'),
      DstUserUpn: path('parameters.USER_EMAIL'),
      DvcModelName: path('parameters.DEVICE_MODEL'),
    },
  },
  // Google Cloud's IAM audit log entries, as Sentinel's `GCP_IAM` parser (2023) names the columns its connector (a
  // function pulling the entries from the Cloud Logging API) writes: the entry's payload under `Payload…`, its lists
  // as JSON text (a member read after `parse_json` is the list's; the text itself is unknown). The function pulls the
  // entries of IAM methods only (its filter, read in part: the methods below are in it; another entry may be)
  GCP_IAM: {
    lang: 'kql',
    logSource: 'gcp.audit',
    onlyWith: 'gcp.audit',
    rows: or(
      pred('protoPayload.methodName', 'contains', GCP_IAM_METHODS, { cs: false }),
      and(not(pred('protoPayload.methodName', 'contains', GCP_IAM_METHODS, { cs: false })), opaque('GCP_IAM holds the entry', "the connector's filter of IAM methods is not read here in full")),
    ),
    label: "the Cloud Audit Log entry's field names for GCP_IAM columns (PayloadMethodname as protoPayload.methodName…)",
    raw: "the Cloud Audit Log entry's JSON",
    json: {
      PayloadAuthorizationinfo: 'protoPayload.authorizationInfo',
      PayloadServicedataPolicydeltaBindingdeltas: 'protoPayload.serviceData.policyDelta.bindingDeltas',
      PayloadRequestPolicyBindings: 'protoPayload.request.policy.bindings',
      PayloadRequestPolicyAuditconfigs: 'protoPayload.request.policy.auditConfigs',
    },
    columns: {
      PayloadMethodname: path('protoPayload.methodName'),
      PayloadAuthenticationinfoPrincipalemail: path('protoPayload.authenticationInfo.principalEmail'),
      SrcIpAddr: path('protoPayload.requestMetadata.callerIp'),
      HttpUserAgentOriginal: path('protoPayload.requestMetadata.callerSuppliedUserAgent'),
      PayloadRequestAccountId: path('protoPayload.request.account_id'),
      PayloadResponseName: path('protoPayload.response.name'),
      ResourceLabelsProjectId: path('resource.labels.project_id'),
      ResourceType: path('resource.type'),
    },
  },
  // Slack's Audit Logs API records, as Sentinel's `SlackAudit` parser names the connector's columns (each a field of
  // the record; `TimeGenerated` is the ingestion's time, not the record's)
  SlackAudit: {
    lang: 'kql',
    logSource: 'slack.audit',
    onlyWith: 'slack.audit',
    label: "the Slack Audit Logs API record's field names for SlackAudit columns (Action as action, SrcUserEmail as actor.user.email…)",
    raw: "the Slack Audit Logs API record's JSON",
    columns: {
      Action: path('action'),
      DvcAction: path('action'),
      SrcUserName: path('actor.user.name'),
      SrcUserEmail: path('actor.user.email'),
      SrcUserIdentity: path('actor.user.id'),
      SrcIpAddr: path('context.ip_address'),
      UserAgentOriginal: path('context.ua'),
      EntityFileName: path('entity.file.name'),
      EntityUserEmail: path('entity.user.email'),
      EntityUserId: path('entity.user.id'),
      EntityAppName: path('entity.app.name'),
      DetailsType: path('details.type'),
    },
  },
  // Box's events (the Events API's admin logs), as Sentinel's `BoxEvents` parser names the connector's columns
  BoxEvents: {
    lang: 'kql',
    logSource: 'box.event',
    onlyWith: 'box.event',
    label: "the Box event's field names for BoxEvents columns (EventType as event_type, SrcUserUpn as created_by.login…)",
    raw: "the Box event's JSON",
    columns: {
      EventType: path('event_type'),
      SrcUserName: path('created_by.name'),
      SrcUserUpn: path('created_by.login'),
      SrcIpAddr: path('ip_address'),
      SourceName: path('source.name'),
      SourceLogin: path('source.login'),
      SourceItemName: path('source.item_name'),
      SourceFileName: path('source.file_name'),
      FileDirectory: path('source.parent.name'),
      FileSize: path('additional_details.size'),
      AdditionalDetailsRole: path('additional_details.role'),
      AdditionalDetailsGroupName: path('additional_details.group_name'),
      AccessibleByName: path('accessible_by.name'),
      AccessibleByLogin: path('accessible_by.login'),
    },
  },
  ...ENTRA_READINGS,
  OfficeActivity: OFFICE_ACTIVITY,
  CloudAppEvents: CLOUD_APP_EVENTS,
};

/**
 * SecurityEvent's columns that Log Analytics computes (`Account` is `DOMAIN\\user`, `Activity` the id with its
 * description, `Process` the file name of the process path…) or adds (`TimeGenerated`, `Type`…): a Windows event's own
 * rendering has none of them.
 */
const SECURITY_EVENT_COMPUTED: ReadonlySet<string> = new Set([
  'Account', 'AccountType', 'Activity', 'EventSourceName', 'SourceComputerId', 'EventOriginId', 'MG', 'ManagementGroupName', 'TimeGenerated', 'Type',
  '_ResourceId', 'TenantId', 'SourceSystem', 'LogonTypeName', 'SubjectAccount', 'TargetAccount', 'Process', 'FailureReason', 'EventData', 'TargetUser',
]);

const WINDOWS = 'vendor:windows';

/**
 * A KQL rule over SecurityEvent read over a Windows event as rendered by the event log (evtx as JSON, Winlogbeat's):
 * SecurityEvent's columns are the event's data and System fields by the same names, which Sigma's field resolution
 * finds there (`EventData`, `System`, Winlogbeat's `winlog.event_data`); a column Log Analytics computes is unknown.
 */
function securityEventReading(condition: Expr): HuntReading {
  const computed = (x: Predicate): Expr => {
    const refs = x.values.flatMap((v) => (isFieldRef(v) ? [v.field] : []));
    const f = [x.field, ...derivedFields(x.derived), ...refs].find((n) => SECURITY_EVENT_COMPUTED.has(n) || n.startsWith('_'));
    return f === undefined ? x : opaque(renderPredicate(x), `${f}: a SecurityEvent column Log Analytics computes, which the Windows event does not hold`, x.span);
  };
  const read = mapEachLeaf(condition, (x) => (x.kind === 'pred' ? computed(x) : x.kind === 'each' && SECURITY_EVENT_COMPUTED.has(x.array) ? opaque(x.array, `${x.array}: a SecurityEvent column Log Analytics computes`, x.span) : x));
  return { onlyWith: WINDOWS, condition: read, label: "SecurityEvent's columns in the Windows event's own data (EventData, System)", readAsFormat: 'sigma' };
}

// Cisco Duo's authentication and administrator logs (the Admin API's records), as Sentinel's `CiscoDuo` parser names the
// connector's columns: a union of both, so each log is read with its own; the parser's `EventType` is the field Duo's
// API client adds to every record of one log (`authentication`, `administrator`), its `SrcUserName` an admin action's
// object, and its `SrcIpAddr` the address in an admin record's JSON description (the access device's in an
// authentication); the device's security flags are read by the parser in a form the records do not have (unknown)
const DUO_AUTHENTICATION: TableReading = {
  lang: 'kql',
  logSource: 'vendor:duo.authentication',
  onlyWith: 'vendor:duo.authentication',
  label: "the Duo authentication record's field names for CiscoDuo columns (EventResult as result, DstUserName as user.name…)",
  raw: "the Duo authentication record's JSON",
  columns: {
    EventType: constant('authentication'),
    EventResult: path('result'),
    EventResultDetails: path('reason'),
    AuthFactor: path('factor'),
    AccessDvcIpAddr: path('access_device.ip'),
    AccessDvcOsVersion: path('access_device.os_version'),
    AuthDeviceCountry: path('auth_device.location.country'),
    DstUserName: path('user.name'),
    SrcIpAddr: path('access_device.ip'),
    // an administrator record's columns, empty in an authentication's row
    DvcAction: constant(''),
    SrcUserName: constant(''),
  },
};
const DUO_ADMINISTRATOR: TableReading = {
  lang: 'kql',
  logSource: 'vendor:duo.administrator',
  onlyWith: 'vendor:duo.administrator',
  label: "the Duo administrator record's field names for CiscoDuo columns (DvcAction as action, DstUserName as username…)",
  raw: "the Duo administrator record's JSON",
  columns: {
    EventType: constant('administrator'),
    DvcAction: path('action'),
    DstUserName: path('username'),
    SrcUserName: path('object'),
    SrcIpAddr: derivedFrom('description', [{ fn: 'json' }, { fn: 'get', args: ['ip_address'] }]),
    // an authentication record's columns, empty in an administrator's row
    EventResult: constant(''),
    EventResultDetails: constant(''),
    AuthFactor: constant(''),
  },
};

/** Every table read over a raw log, by name. */
const TABLE_READINGS: Readonly<Record<string, TableReading>> = { ...SYSMON_READINGS, ...SENTINEL_READINGS };

/** The hunt's readings of a KQL rule over raw logs (`FormatAdapter.huntReadings`). */
export function kustoHuntReadings(_logSources: readonly string[], condition: Expr, rule?: RuleRecord): readonly HuntReading[] {
  if (!rule) return [];
  const tables = rule.logSources.filter((l) => l.kind === 'table').map((l) => l.name);
  if (tables.length && tables.every((t) => t === 'SecurityEvent')) {
    return [securityEventReading(condition)];
  }
  const t = tables.length === 1 ? tables[0]! : '';
  if (t === 'CiscoDuo') return [DUO_AUTHENTICATION, DUO_ADMINISTRATOR].flatMap((x) => tableReading(x, condition, rule));
  const table = Object.hasOwn(TABLE_READINGS, t) ? TABLE_READINGS[t] : undefined;
  if (table) return tableReading(table, condition, rule);
  // a union of the sign-in tables (`union SigninLogs, AADNonInteractiveUserSignInLogs`): each read over its own records,
  // unless the rule counts over the union (the readings would count apart)
  if (tables.length > 1 && tables.every((x) => Object.hasOwn(ENTRA_READINGS, x)) && !aggregationDecides(rule.logic.aggregation)) return [...new Set(tables)].flatMap((x) => tableReading(ENTRA_READINGS[x]!, condition, rule));
  return [];
}
