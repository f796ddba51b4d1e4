/**
 * RecogniseFacts: how `detwiki hunt` tells an event's canonical log source (`src/model/vocabulary/logSources.ts`)
 * from the event itself (data, not code). A recogniser names the fields an event must have (dotted paths,
 * `a|b` for either) and, optionally, values a field must start with; the first recogniser that fits gives its
 * log sources. Windows events (Sysmon, Security, System, PowerShell…) are recognised by channel and event id
 * through `WINDOWS_CHANNELS` and `SYSMON_EVENT_IDS`; a channel without a canonical log source becomes the Sigma
 * service name a rule declares (`vendor:windows/<service>`), as the Sigma vocabulary names it.
 */

export { LINUX_SYSMON, LINUX_SYSMON_EVENT_IDS, LINUX_SYSMON_EVENT_LOG, POWERSHELL_EVENT_LOG, SECURITY_EVENT_CATEGORIES, SECURITY_EVENT_LOG, SYSMON_EVENT_IDS, SYSMON_EVENT_LOG } from '../formats/readings.ts';
import { ENTRA_EXPORT, POWERSHELL_EVENT_LOG, SECURITY_EVENT_LOG, WORKSPACE_EVENT } from '../formats/readings.ts';
import { DEFENDER_TABLES, defenderRows, KQL_TABLES, SENTINEL_ROW_TABLES, sentinelRows } from '../formats/kusto/vocabulary.ts';
import { logTypeSources } from '../formats/panther/vocabulary.ts';
import { ecsDocuments, ELASTIC_CATEGORIES, ELASTIC_DATASETS, endpointLogSource } from '../formats/elastic/vocabulary.ts';

export interface Recogniser {
  readonly name: string;
  /** Every entry must be present (not null); `a|b` means either path. */
  readonly has: readonly string[];
  /** Field → lower-case prefixes, one of which the field's string value must start with. */
  readonly startsWith?: Readonly<Record<string, readonly string[]>>;
  readonly logSources: readonly string[];
}

/**
 * Rows of Defender XDR's own tables as Log Analytics (Sentinel) exports them: the `Type` column names the table. Their
 * log source is the table's own (`vendor:defender/<table>`), which the KQL rules over that table read
 * (`huntLogSources` in `src/formats/kusto/vocabulary.ts`); no other language's rule reads Defender's columns.
 */
const DEFENDER_ROW_TYPES: readonly Recogniser[] = DEFENDER_TABLES.map((t) => ({
  name: `Defender XDR ${t} row`,
  has: ['Type'],
  startsWith: { Type: [t.toLowerCase()] },
  logSources: [defenderRows(t)],
}));

/** Rows of Sentinel's other tables with their `Type` column (`SENTINEL_ROW_TABLES` in `src/formats/kusto/vocabulary.ts`). */
const SENTINEL_ROW_TYPES: readonly Recogniser[] = Object.entries(SENTINEL_ROW_TABLES).map(([t, canonicalToo]) => ({
  name: `Sentinel ${t} row`,
  has: ['Type'],
  startsWith: { Type: [t.toLowerCase()] },
  logSources: canonicalToo && KQL_TABLES[t] ? [KQL_TABLES[t], sentinelRows(t)] : [sentinelRows(t)],
}));

/**
 * Log sources of the raw form a Panther log type keeps, besides the log type's own (`PANTHER_LOGTYPES`): Panther's
 * `Azure.Audit` is Entra ID's diagnostic export, sign-ins and audit records alike; `GSuite.ActivityEvent` is one Google
 * Workspace event a record.
 */
export const PANTHER_RAW_FORMS: Readonly<Record<string, readonly string[]>> = { 'Azure.Audit': [ENTRA_EXPORT], 'GSuite.ActivityEvent': [WORKSPACE_EVENT] };

/**
 * SaaS and security products' own audit and event logs as their APIs or exports give them (each vendor's documented
 * record: Slack's Audit Logs API, Databricks' audit log schema, Auth0's log events…), by fields no other log here
 * combines; their log source is the one Panther's schema of that log names (`vendor:<log type>`), which Panther's rules
 * over it read. Tried after the cloud logs above (a GitHub audit record before a webhook's payload), a Cloudflare firewall
 * event before an HTTP request (both have the request's fields).
 */
const VENDOR_RECOGNISERS: readonly Recogniser[] = [
  { name: 'Databricks audit log', has: ['serviceName', 'actionName', 'userIdentity|requestParams|response'], logSources: logTypeSources('Databricks.Audit') },
  { name: 'GitHub webhook', has: ['repository.full_name|organization.login|sender.login'], logSources: logTypeSources('GitHub.Webhook') },
  { name: 'Slack audit log', has: ['action', 'actor.type', 'context.location|context.ua|context.ip_address'], logSources: logTypeSources('Slack.AuditLogs') },
  { name: 'Auth0 log event', has: ['data.type', 'data.log_id|log_id'], logSources: logTypeSources('Auth0.Events') },
  { name: 'AWS WAF web ACL log', has: ['webaclId', 'httpRequest', 'terminatingRuleId'], logSources: logTypeSources('AWS.WAFWebACL') },
  { name: 'AWS GuardDuty finding', has: ['schemaVersion', 'service.detectorId', 'accountId', 'type'], logSources: logTypeSources('AWS.GuardDuty') },
  { name: 'Wiz audit log', has: ['action', 'status', 'actionParameters|requestId'], logSources: logTypeSources('Wiz.Audit') },
  { name: 'Anthropic activity', has: ['organization_id', 'created_at', 'type', 'actor.type'], logSources: logTypeSources('Anthropic.Activity') },
  { name: 'OpenAI audit log', has: ['effective_at', 'type', 'actor.type', 'object'], logSources: logTypeSources('OpenAI.Audit') },
  { name: 'osquery differential result', has: ['name', 'columns', 'action'], startsWith: { action: ['added', 'removed', 'snapshot'] }, logSources: logTypeSources('Osquery.Differential') },
  { name: 'CrowdStrike event stream', has: ['metadata.eventType', 'metadata.customerIDString'], logSources: logTypeSources('Crowdstrike.EventStreams') },
  { name: 'Proofpoint TAP message', has: ['messageID', 'phishScore', 'malwareScore|spamScore'], logSources: logTypeSources('Proofpoint.Event') },
  { name: 'Notion audit log', has: ['event.workspace_id', 'event.type', 'event.actor'], logSources: logTypeSources('Notion.AuditLogs') },
  { name: 'Zscaler ZIA admin audit log', has: ['event.auditlogtype', 'event.adminid'], logSources: logTypeSources('Zscaler.ZIA.AdminAuditLog') },
  { name: 'Duo authentication log', has: ['access_device', 'factor', 'result', 'event_type'], logSources: logTypeSources('Duo.Authentication') },
  { name: 'Duo administrator log', has: ['action', 'isotimestamp', 'username'], logSources: logTypeSources('Duo.Administrator') },
  { name: 'Zoom operation log', has: ['operator', 'category_type', 'action', 'operation_detail'], logSources: logTypeSources('Zoom.Operation') },
  { name: 'Box event', has: ['event_type', 'created_by.type|created_by.login', 'type'], startsWith: { type: ['event'] }, logSources: logTypeSources('Box.Event') },
  { name: 'Teleport audit event', has: ['event', 'uid', 'code', 'ei|cluster_name'], logSources: logTypeSources('Gravitational.TeleportAudit') },
  { name: 'OneLogin event', has: ['event_type_id', 'user_id|actor_user_id'], logSources: logTypeSources('OneLogin.Events') },
  { name: 'Asana audit log', has: ['event_category', 'event_type', 'actor.actor_type', 'resource'], logSources: logTypeSources('Asana.Audit') },
  { name: 'MongoDB Atlas project event', has: ['eventTypeName', 'groupId'], logSources: logTypeSources('MongoDB.ProjectEvent') },
  { name: 'MongoDB Atlas organization event', has: ['eventTypeName', 'orgId'], logSources: logTypeSources('MongoDB.OrganizationEvent') },
  { name: 'Tines audit log', has: ['operation_name', 'tenant_id', 'request_ip', 'user_email'], logSources: logTypeSources('Tines.Audit') },
  { name: 'DocuSign Connect event', has: ['event', 'configurationId', 'generatedDateTime', 'data'], logSources: logTypeSources('Docusign.Connect') },
  { name: 'Dropbox team event', has: ['event_type._tag', 'timestamp|actor'], logSources: logTypeSources('Dropbox.TeamEvent') },
  { name: 'AWS Bedrock model invocation log', has: ['modelId', 'operation', 'identity.arn', 'input|output'], logSources: logTypeSources('AWS.BedrockModelInvocation') },
  { name: 'Netskope audit event', has: ['audit_log_event', 'supporting_data|is_netskope_personnel'], logSources: logTypeSources('Netskope.Audit') },
  { name: 'Cloudflare firewall event', has: ['Action', 'ClientIP', 'ClientRequestHost', 'RayID|RuleID'], logSources: logTypeSources('Cloudflare.Firewall') },
  { name: 'Cloudflare HTTP request', has: ['ClientIP', 'ClientRequestHost', 'EdgeResponseStatus|EdgeStartTimestamp'], logSources: logTypeSources('Cloudflare.HttpRequest') },
  { name: 'Carbon Black Cloud audit log', has: ['eventId', 'loginName', 'orgName', 'description'], logSources: logTypeSources('CarbonBlack.Audit') },
  { name: 'Atlassian organization audit event', has: ['attributes.action', 'attributes.actor', 'attributes.time'], logSources: logTypeSources('Atlassian.Audit') },
  { name: 'Sublime audit log', has: ['created_by.email_address', 'data.request', 'type'], logSources: logTypeSources('Sublime.Audit') },
];

/**
 * Elastic's own documents (ECS with its `ecs.version`, as Elastic Agent, Beats and Elastic Defend index them; a
 * Winlogbeat document of a Windows event is told by its channel before these): their log sources are those Elastic's
 * vocabulary gives a rule that reads them (`logSources` in `src/formats/elastic/vocabulary.ts`), in their ECS form
 * (`ecsDocuments`), so that only Elastic's rules run on them as written (a Sigma or KQL rule tests the raw log's names,
 * which such a document no longer has; Sigma's Windows rules read them through pySigma's ecs_windows mapping,
 * `src/formats/sigma/ecsWindows.ts`). Tried after the Windows and Panther checks, before the recognisers.
 * - `datasets`: an integration's data set (`event.dataset` starting with one of these) gives its log source;
 * - else the first of `categories` (`ELASTIC_CATEGORIES`' order) that `event.category` has, on the host's OS:
 *   `host.os.type`, else `host.os.platform` (`darwin` is macOS, `windows` Windows, another Linux), else Linux for
 *   auditd's (its data set, its module, or its `auditd` namespace), else Windows (as for a rule that names no OS);
 * - else `other`;
 * - and, with a data set, its integration's (`integrationPrefix` and the data set's first part: `endpoint` for
 *   `endpoint.alerts`) and its data stream's index pattern (`logs-endpoint.alerts-*`), which Elastic's vocabulary gives
 *   a rule that names only its integration or its index.
 */
export const ELASTIC_DOCUMENT = {
  datasets: ELASTIC_DATASETS.filter(([frag]) => !frag.startsWith('integration=')).map(([frag, ls]) => [frag.replace(/^logs-/, ''), ecsDocuments(ls)] as const),
  categories: Object.keys(ELASTIC_CATEGORIES).map((c) => ({ category: c, byOs: Object.fromEntries(['windows', 'linux', 'macos'].map((os) => [os, ecsDocuments(endpointLogSource(os, c)!)])) as Readonly<Record<'windows' | 'linux' | 'macos', string>> })),
  auditd: 'auditd',
  /** The index pattern of Auditbeat's own documents (`auditbeat-*`), which its auditd documents (`agent.type` auditbeat) are also read as. */
  auditbeatIndex: 'auditbeat-*',
  other: 'vendor:ecs',
  integrationPrefix: ecsDocuments('vendor:elastic/'),
} as const;

/** Tried in order after the Windows and Panther (`p_log_type`) checks. */
export const RECOGNISERS: readonly Recogniser[] = [
  ...DEFENDER_ROW_TYPES,
  ...SENTINEL_ROW_TYPES,
  { name: 'AWS CloudTrail', has: ['eventSource', 'eventName', 'awsRegion'], logSources: ['aws.cloudtrail'] },
  { name: 'Okta System Log', has: ['eventType', 'actor', 'published|uuid'], logSources: ['okta.system'] },
  { name: 'GCP audit log', has: ['protoPayload.methodName'], logSources: ['gcp.audit'] },
  { name: 'Google Workspace event', has: ['id.applicationName', 'name'], logSources: ['google_workspace', WORKSPACE_EVENT] },
  { name: 'Google Workspace activity', has: ['id.applicationName'], logSources: ['google_workspace'] },
  { name: 'Kubernetes audit', has: ['verb', 'objectRef|requestURI', 'auditID'], logSources: ['kubernetes.audit'] },
  { name: 'Entra ID sign-in (diagnostic export)', has: ['category', 'properties'], startsWith: { category: ['signinlogs', 'noninteractiveusersignin', 'serviceprincipalsignin'] }, logSources: ['entra.signin', ENTRA_EXPORT] },
  { name: 'Entra ID audit (diagnostic export)', has: ['category', 'properties'], startsWith: { category: ['auditlogs'] }, logSources: ['entra.audit', ENTRA_EXPORT] },
  { name: 'Entra ID sign-in', has: ['ResultType', 'UserPrincipalName', 'AppDisplayName'], logSources: ['entra.signin'] },
  { name: 'Entra ID audit', has: ['OperationName', 'LoggedByService'], logSources: ['entra.audit'] },
  { name: 'Azure activity log', has: ['operationName', 'resourceId|ResourceId'], logSources: ['azure.activity'] },
  { name: 'Microsoft 365 audit', has: ['Workload', 'Operation', 'RecordType'], logSources: ['m365.audit'] },
  { name: 'GitHub audit log', has: ['action', 'actor', 'org|repo|business'], logSources: ['github.audit'] },
  ...VENDOR_RECOGNISERS,
  { name: 'Linux auditd', has: ['type', 'syscall|exe|proctitle|msg'], startsWith: { type: ['syscall', 'execve', 'path', 'user_', 'proctitle', 'config_change', 'service_', 'add_', 'del_', 'cred_', 'login'] }, logSources: ['linux.auditd', 'vendor:linux'] },
  // any record type, where its header is the audit log's (`msg=audit(<time>:<serial>)`: as `detwiki hunt` reads audit.log)
  { name: 'Linux auditd', has: ['type', 'msg'], startsWith: { msg: ['audit('] }, logSources: ['linux.auditd', 'vendor:linux'] },
  { name: 'Web proxy', has: ['c-uri|cs-host|c-useragent'], logSources: ['proxy'] },
  { name: 'Web server', has: ['cs-uri-stem|cs-uri-query'], logSources: ['webserver'] },
  { name: 'DNS', has: ['query', 'record_type|answer'], logSources: ['dns'] },
];

/** Windows channel (lower-case) → canonical log sources, or the Sigma service name of the channel. */
/**
 * `eventLog`: the log source an event of the channel also has in the event log's own form, not as an ECS document
 * (`SYSMON_EVENT_LOG`): the events an Elastic rule is read over.
 */
export const WINDOWS_CHANNELS: Readonly<Record<string, { readonly logSources?: readonly string[]; readonly service?: string; readonly eventLog?: string }>> = {
  security: { logSources: ['windows.security'], service: 'security', eventLog: SECURITY_EVENT_LOG },
  system: { logSources: ['windows.system'], service: 'system' },
  application: { service: 'application' },
  'microsoft-windows-powershell/operational': { logSources: ['windows.powershell'], service: 'powershell', eventLog: POWERSHELL_EVENT_LOG },
  'windows powershell': { logSources: ['windows.powershell'], service: 'powershell-classic' },
  'powershellcore/operational': { logSources: ['windows.powershell'], service: 'powershell' },
  'microsoft-windows-windows defender/operational': { service: 'windefend' },
  'microsoft-windows-taskscheduler/operational': { service: 'taskscheduler' },
  'microsoft-windows-wmi-activity/operational': { service: 'wmi' },
  'microsoft-windows-bits-client/operational': { service: 'bits-client' },
  'microsoft-windows-codeintegrity/operational': { service: 'codeintegrity-operational' },
  'microsoft-windows-dns-client/operational': { service: 'dns-client' },
  'microsoft-windows-ntlm/operational': { service: 'ntlm' },
  'microsoft-windows-printservice/admin': { service: 'printservice-admin' },
  'microsoft-windows-printservice/operational': { service: 'printservice-operational' },
  'microsoft-windows-smbclient/security': { service: 'smbclient-security' },
  'microsoft-windows-lsa/operational': { service: 'lsa-server' },
  'microsoft-windows-security-mitigations/kernel mode': { service: 'security-mitigations' },
  'microsoft-windows-security-mitigations/user mode': { service: 'security-mitigations' },
  'microsoft-windows-shell-core/operational': { service: 'shell-core' },
  'openssh/operational': { service: 'openssh' },
  'microsoft-windows-diagnosis-scripted/operational': { service: 'diagnosis-scripted' },
  'microsoft-windows-windows firewall with advanced security/firewall': { service: 'firewall-as' },
  'microsoft-windows-applocker/exe and dll': { service: 'applocker' },
  'microsoft-windows-applocker/msi and script': { service: 'applocker' },
  'microsoft-windows-applocker/packaged app-deployment': { service: 'applocker' },
  'microsoft-windows-applocker/packaged app-execution': { service: 'applocker' },
  'microsoft-windows-terminalservices-localsessionmanager/operational': { service: 'terminalservices-localsessionmanager' },
  'microsoft-windows-appxdeploymentserver/operational': { service: 'appxdeployment-server' },
  'microsoft-windows-appxpackaging/operational': { service: 'appxpackaging-om' },
  'microsoft-windows-capi2/operational': { service: 'capi2' },
  'microsoft-windows-certificateservicesclient-lifecycle-system/operational': { service: 'certificateservicesclient-lifecycle-system' },
  'microsoft-windows-sysmon/operational': { service: 'sysmon' },
};

/** PowerShell events by id: script block (4104) and module (4103) logging, classic engine start (400) and provider start (600). */
export const POWERSHELL_EVENT_CATEGORIES: Readonly<Record<number, string>> = { 4104: 'ps_script', 4103: 'ps_module', 400: 'ps_classic_start', 600: 'ps_classic_provider_start', 800: 'ps_classic_script' };

