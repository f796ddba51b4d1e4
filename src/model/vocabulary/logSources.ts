/**
 * Canonical log sources: the logs the corpora's rules are written for, named once (data, not code). Each
 * language's vocabulary (`src/formats/<language>/vocabulary.ts`) resolves a rule to one or more of these ids from
 * what the rule declares (Panther LogTypes, Sigma logsource, KQL tables, Splunk data sources and data models,
 * Elastic index patterns and datasets, YARA-L log and event types, MQL = email) and maps its field names to the
 * raw log's own names (`fields` below: CloudTrail JSON, Sysmon / Windows event data, Okta's schema…).
 *
 * Field names starting with `@` are meta fields every log source shares: what selects the log source or the outcome
 * in a language's schema (`@event.category`, `@dataset`, `@os`, `@outcome`), kept apart from the raw log's fields.
 * `X:args` is the argument list of command line X, `X:ext` the extension of path X.
 *
 * `actionFields` are the canonical fields that name the action an event records (CloudTrail `eventName`, Okta
 * `eventType`, the image of a created process): two rules that test the same log source, action field and value
 * detect the same action ("same action" links).
 */

export interface CanonicalLogSource {
  readonly id: string;
  readonly name: string;
  /** The raw log's field names that vocabularies map onto (documentation; comparisons are case-insensitive). */
  readonly fields: readonly string[];
  /** Fields whose value names the action (see above). `Image:name` is the file name of the `Image` path. */
  readonly actionFields: readonly string[];
  /**
   * Fields that name the action only together (Kubernetes: the verb on a resource and subresource; `create` alone
   * or `pods` alone is no action). Keys are made per conjunction of the condition, one value per combination
   * (`create pods/exec`; a rule that does not pin the verb tests every verb, `actionTupleAll`); the first field is
   * the verb-like one, the last an optional qualifier.
   */
  readonly actionTuple?: readonly [string, string, string];
  /** Every value of the tuple's first field: a rule that does not pin it tests each of them (all verbs). */
  readonly actionTupleAll?: readonly string[];
  /**
   * The numbers an action field can take in this log (the Security log's event ids are 1100-1108 and
   * 4608-6424): a value outside is another log's event (Sysmon's EventID 1 tested under a generic Windows event
   * log type) and gives no key.
   */
  readonly actionRange?: readonly [number, number];
}

const PROCESS_FIELDS = ['Image', 'Image:name', 'CommandLine', 'CommandLine:args', 'CommandLine:argc', 'ParentCommandLine:args', 'Signed', 'Signature', 'ParentImage', 'ParentImage:name', 'ParentCommandLine', 'OriginalFileName', 'User', 'IntegrityLevel', 'Hashes', 'CurrentDirectory', 'Company', 'Product', 'Description', 'ProcessId', 'ParentProcessId', 'ParentUser', 'Computer'];

export const CANONICAL_LOG_SOURCES: readonly CanonicalLogSource[] = [
  { id: 'aws.cloudtrail', name: 'AWS CloudTrail', fields: ['eventName', 'eventSource', 'eventType', 'userIdentity.type', 'userIdentity.arn', 'userIdentity.accountId', 'userIdentity.principalId', 'userIdentity.userName', 'sourceIPAddress', 'userAgent', 'awsRegion', 'errorCode', 'errorMessage', 'requestParameters', 'responseElements', 'recipientAccountId', 'additionalEventData'], actionFields: ['eventName'] },
  { id: 'gcp.audit', name: 'GCP Cloud Audit Logs', fields: ['protoPayload.methodName', 'protoPayload.serviceName', 'protoPayload.authenticationInfo.principalEmail', 'protoPayload.resourceName', 'protoPayload.requestMetadata.callerIp', 'protoPayload.status.code', 'resource.type', 'severity'], actionFields: ['protoPayload.methodName'] },
  { id: 'azure.activity', name: 'Azure Activity log', fields: ['operationName', 'operationDisplayName', 'category', 'resultType', 'caller', 'callerIpAddress', 'resourceId', 'resourceProvider'], actionFields: ['operationName'] },
  { id: 'entra.signin', name: 'Microsoft Entra ID sign-in logs', fields: ['ResultType', 'ResultDescription', 'AppDisplayName', 'UserPrincipalName', 'IPAddress', 'ClientAppUsed', 'UserAgent', 'AuthenticationRequirement', 'ConditionalAccessStatus', 'RiskState', 'RiskLevelDuringSignIn', 'ResourceDisplayName', 'Status', 'DeviceDetail', 'Location'], actionFields: ['ResultType'] },
  { id: 'entra.audit', name: 'Microsoft Entra ID audit logs', fields: ['OperationName', 'Category', 'Result', 'LoggedByService', 'InitiatedBy', 'TargetResources', 'ActivityDisplayName'], actionFields: ['OperationName'] },
  { id: 'm365.audit', name: 'Microsoft 365 unified audit log', fields: ['Operation', 'Workload', 'RecordType', 'UserId', 'ClientIP', 'ResultStatus', 'Parameters', 'ObjectId'], actionFields: ['Operation'] },
  { id: 'okta.system', name: 'Okta System Log', fields: ['eventType', 'displayMessage', 'outcome.result', 'outcome.reason', 'actor.alternateId', 'actor.type', 'client.ipAddress', 'target', 'securityContext.isProxy', 'debugContext.debugData'], actionFields: ['eventType'] },
  { id: 'github.audit', name: 'GitHub audit log', fields: ['action', 'actor', 'org', 'repo', 'user', 'visibility'], actionFields: ['action'] },
  { id: 'slack.audit', name: 'Slack audit logs', fields: ['action', 'actor.user.email', 'actor.user.name', 'context.ip_address', 'context.ua', 'entity.type', 'details'], actionFields: ['action'] },
  { id: 'box.event', name: 'Box events', fields: ['event_type', 'created_by.login', 'source.item_name', 'ip_address', 'additional_details'], actionFields: ['event_type'] },
  { id: 'google_workspace', name: 'Google Workspace audit (Admin / activity)', fields: ['name', 'type', 'id.applicationName', 'parameters', 'actor.email'], actionFields: ['name'] },
  { id: 'kubernetes.audit', name: 'Kubernetes audit log', fields: ['verb', 'objectRef.resource', 'objectRef.subresource', 'objectRef.namespace', 'objectRef.name', 'user.username', 'user.groups', 'requestURI', 'responseStatus.code', 'sourceIPs', 'requestObject'], actionFields: [], actionTuple: ['verb', 'objectRef.resource', 'objectRef.subresource'], actionTupleAll: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] },
  { id: 'windows.process_creation', name: 'Windows process creation (Sysmon 1, Security 4688)', fields: PROCESS_FIELDS, actionFields: ['Image:name', 'OriginalFileName'] },
  { id: 'windows.registry', name: 'Windows registry events (Sysmon 12-14)', fields: ['TargetObject', 'Details', 'EventType', 'Image', 'Image:name', 'NewName'], actionFields: ['TargetObject'] },
  { id: 'windows.file', name: 'Windows file events (Sysmon 11, 23, 26)', fields: ['TargetFilename', 'TargetFilename:name', 'Image', 'Image:name', 'CreationUtcTime'], actionFields: ['TargetFilename:name'] },
  { id: 'windows.network', name: 'Windows network connections (Sysmon 3)', fields: ['DestinationIp', 'DestinationPort', 'DestinationPortName', 'DestinationHostname', 'DestinationIsIpv6', 'SourceIp', 'SourcePort', 'SourcePortName', 'SourceHostname', 'SourceIsIpv6', 'Initiated', 'Protocol', 'Image', 'Image:name', 'User', 'ProcessId', 'ProcessGuid', 'EventID'], actionFields: ['DestinationPort', 'DestinationHostname'] },
  { id: 'windows.dns', name: 'Windows DNS queries (Sysmon 22)', fields: ['QueryName', 'QueryResults', 'QueryStatus', 'Image', 'Image:name'], actionFields: ['QueryName'] },
  { id: 'windows.image_load', name: 'Windows image loads (Sysmon 7)', fields: ['ImageLoaded', 'ImageLoaded:name', 'Image', 'Image:name', 'Signed', 'SignatureStatus', 'Hashes', 'OriginalFileName'], actionFields: ['ImageLoaded:name'] },
  { id: 'windows.powershell', name: 'PowerShell script block logging (4104) and module logging', fields: ['ScriptBlockText', 'Payload', 'ContextInfo', 'Path'], actionFields: [] },
  { id: 'windows.security', name: 'Windows Security event log (by event id)', fields: ['EventID', 'SubjectUserName', 'TargetUserName', 'LogonType', 'ObjectName', 'ObjectType', 'ServiceName', 'ShareName', 'RelativeTargetName', 'IpAddress', 'WorkstationName', 'AccessMask', 'TicketEncryptionType'], actionFields: ['EventID'], actionRange: [1100, 6499] },
  { id: 'windows.system', name: 'Windows System event log (by event id)', fields: ['EventID', 'Provider_Name', 'ServiceName', 'ImagePath', 'ServiceType', 'StartType'], actionFields: ['EventID'] },
  { id: 'windows.process_access', name: 'Windows process access (Sysmon 10)', fields: ['TargetImage', 'TargetImage:name', 'SourceImage', 'GrantedAccess', 'CallTrace'], actionFields: ['TargetImage:name'] },
  { id: 'windows.driver_load', name: 'Windows driver loads (Sysmon 6)', fields: ['ImageLoaded', 'ImageLoaded:name', 'Hashes', 'Signed', 'Signature'], actionFields: ['ImageLoaded:name'] },
  { id: 'windows.pipe', name: 'Windows named pipes (Sysmon 17, 18)', fields: ['PipeName', 'Image', 'Image:name'], actionFields: ['PipeName'] },
  { id: 'linux.process_creation', name: 'Linux process creation (Sysmon for Linux 1, auditd execve, EDR)', fields: PROCESS_FIELDS, actionFields: ['Image:name'] },
  { id: 'linux.auditd', name: 'Linux auditd', fields: ['type', 'syscall', 'exe', 'comm', 'a0', 'a1', 'a2', 'key', 'name'], actionFields: ['syscall', 'exe'] },
  { id: 'linux.file', name: 'Linux file events', fields: ['TargetFilename', 'TargetFilename:name', 'Image'], actionFields: ['TargetFilename:name'] },
  { id: 'macos.process_creation', name: 'macOS process creation', fields: PROCESS_FIELDS, actionFields: ['Image:name'] },
  { id: 'proxy', name: 'Web proxy', fields: ['c-uri', 'c-uri-extension', 'c-useragent', 'cs-host', 'cs-method', 'r-dns', 'sc-status'], actionFields: ['cs-host'] },
  { id: 'webserver', name: 'Web server access logs', fields: ['cs-uri-query', 'cs-uri-stem', 'cs-method', 'cs-user-agent', 'sc-status', 'c-ip'], actionFields: [] },
  { id: 'firewall', name: 'Firewall / network traffic', fields: ['dst_ip', 'dst_port', 'src_ip', 'src_port', 'action', 'protocol'], actionFields: ['dst_port'] },
  { id: 'dns', name: 'DNS server / resolver logs', fields: ['query', 'answer', 'record_type', 'rcode'], actionFields: ['query'] },
  { id: 'email', name: 'Email messages (Message Data Model / EmailEvents)', fields: ['sender.email.email', 'sender.email.domain.domain', 'sender.email.domain.root_domain', 'subject.subject', 'attachments.file_extension', 'attachments.file_name', 'body.links.href_url.domain.domain', 'headers.hops', 'recipients.to.email.email'], actionFields: ['sender.email.domain.root_domain', 'attachments.file_extension'] },
];

/**
 * Log sources whose raw fields are flat (Windows and Sysmon event data, the process and file events modelled on
 * them): a dotted name under one of their fields is no sub-field of it (ECS `user.id` is not a part of Sysmon's
 * `User`), unlike CloudTrail's `requestParameters.roleArn`.
 */
export const FLAT_LOG_SOURCES: ReadonlySet<string> = new Set([
  ...CANONICAL_LOG_SOURCES.filter((l) => l.id.startsWith('windows.')).map((l) => l.id),
  'linux.process_creation',
  'linux.file',
  'macos.process_creation',
]);

export const LOG_SOURCE_BY_ID: ReadonlyMap<string, CanonicalLogSource> = new Map(CANONICAL_LOG_SOURCES.map((l) => [l.id, l]));
