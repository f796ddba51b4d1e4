/**
 * Elastic's vocabulary (data): index patterns, integrations, `event.dataset` / `event.category` and
 * `host.os.type` onto canonical log sources, and ECS field names onto the raw log's names (ECS `process.name` is
 * the file name of Sysmon's `Image`; `event.action` is CloudTrail's `eventName` in the AWS integration…).
 */
import type { RuleRecord } from '../../model/rule.ts';
import type { FieldTable, Vocabulary } from '../../model/vocabulary/canonical.ts';
import { LOG_SOURCE_BY_ID } from '../../model/vocabulary/logSources.ts';

/** Dataset / index-pattern fragments (lower-case) onto cloud and SaaS log sources. */
export const ELASTIC_DATASETS: readonly [string, string][] = [
  ['aws.cloudtrail', 'aws.cloudtrail'],
  ['gcp.audit', 'gcp.audit'],
  ['azure.activitylogs', 'azure.activity'],
  ['azure.signinlogs', 'entra.signin'],
  ['azure.auditlogs', 'entra.audit'],
  ['o365.audit', 'm365.audit'],
  ['okta.system', 'okta.system'],
  ['github.audit', 'github.audit'],
  ['google_workspace', 'google_workspace'],
  ['kubernetes.audit', 'kubernetes.audit'],
  ['windows.powershell', 'windows.powershell'],
  ['logs-system.security', 'windows.security'],
  ['logs-windows.forwarded', 'windows.security'],
  ['integration=kubernetes', 'kubernetes.audit'],
  ['integration=okta', 'okta.system'],
  ['integration=github', 'github.audit'],
  ['integration=o365', 'm365.audit'],
];

/** `event.category` (with the OS from `host.os.type` or the index) onto endpoint log sources. */
export const ELASTIC_CATEGORIES: Readonly<Record<string, string>> = {
  process: 'process_creation',
  registry: 'registry',
  file: 'file',
  network: 'network',
  library: 'image_load',
  driver: 'driver_load',
  authentication: 'security',
  iam: 'security',
};

function categoryFor(rule: RuleRecord): { categories: string[]; os?: string } {
  const cats: string[] = [];
  let os: string | undefined;
  for (const i of rule.logic.indicators) {
    if (i.op !== 'eq' && i.op !== 'in') continue;
    const f = i.field.toLowerCase();
    if (f === 'event.category') cats.push(...i.values.map((v) => String(v).toLowerCase()));
    if (f === 'host.os.type' || f === 'host.os.family' || f === 'host.os.platform') os = String(i.values[0] ?? '').toLowerCase();
  }
  for (const s of rule.logic.stages) {
    const c = s.detail?.['category'];
    if (typeof c === 'string') cats.push(c.toLowerCase());
  }
  return { categories: cats, ...(os ? { os } : {}) };
}

/** Indices of ES|QL `FROM` stages (the query's own source; a rule may declare only its integration). */
function fromIndices(rule: RuleRecord): string[] {
  return rule.logic.stages.flatMap((s) => {
    const ix = s.kind === 'source' ? s.detail?.['indices'] : undefined;
    return Array.isArray(ix) ? ix.filter((x): x is string => typeof x === 'string') : [];
  });
}

/**
 * The log source of an endpoint event of `os` (`windows`, `linux`, `macos`) and ECS `category`; a Linux or macOS event
 * kind without a canonical log source of its own stays the endpoint's (never Windows').
 */
export function endpointLogSource(os: string, category: string): string | undefined {
  const kind = ELASTIC_CATEGORIES[category];
  if (!kind) return undefined;
  const id = `${os}.${kind}`;
  return LOG_SOURCE_BY_ID.has(id) ? id : `vendor:elastic.endpoint.${id}`;
}

/**
 * The log source of Elastic's own documents (ECS, as Elastic Agent, Beats and Elastic Defend index them) of the events
 * of log source `ls`: the form Elastic's rules are written for, and no other language's (a Sigma or KQL rule tests
 * the raw log's names, which such a document no longer has). Elastic's rules run on both (`huntLogSources`).
 */
export function ecsDocuments(ls: string): string {
  return `vendor:ecs/${ls}`;
}

function osOf(names: readonly string[], os: string | undefined): string {
  if (os === 'linux' || os === 'macos') return os;
  if (os === 'darwin') return 'macos';
  if (names.some((n) => n.includes('auditd') || n.includes('auditbeat'))) return 'linux';
  return 'windows';
}

/**
 * ECS fields that select the log source or the outcome rather than describe the event (`event.category:process`,
 * `host.os.type:windows`, `data_stream.dataset`, `event.outcome`): canonical meta fields `@…`, the same in every
 * log source.
 */
const META: FieldTable = {
  'event.category': '@event.category',
  'event.type': '@event.type',
  'event.action': '@event.action',
  'event.kind': '@event.kind',
  'event.module': '@dataset',
  'event.dataset': '@dataset',
  'data_stream.dataset': '@dataset',
  'event.outcome': '@outcome',
  'host.os.type': '@os',
  'host.os.family': '@os',
  'host.os.platform': '@os',
  'host.os.name': '@os',
};

const PROCESS: FieldTable = {
  'process.args': 'CommandLine:args',
  'process.args_count': 'CommandLine:argc',
  'process.parent.args': 'ParentCommandLine:args',
  'process.code_signature.trusted': 'Signed',
  'process.code_signature.subject_name': 'Signature',
  'process.executable': 'Image',
  'process.name': 'Image:name',
  'process.command_line': 'CommandLine',
  'process.parent.executable': 'ParentImage',
  'process.parent.name': 'ParentImage:name',
  'process.parent.command_line': 'ParentCommandLine',
  'process.pe.original_file_name': 'OriginalFileName',
  'process.working_directory': 'CurrentDirectory',
  'user.name': 'User',
  'winlog.event_data.IntegrityLevel': 'IntegrityLevel',
};
const ACTOR: FieldTable = { 'process.executable': 'Image', 'process.name': 'Image:name' };

export const elasticVocabulary: Vocabulary = {
  readsStages: true,
  logSources: (rule: RuleRecord) => {
    // declared index patterns and integrations (`index=…`, `integration=…`), and the indices an ES|QL query reads
    // (`FROM logs-aws.cloudtrail-*`)
    const names = [...rule.logSources.map((l) => `${l.kind}=${l.name}`), ...fromIndices(rule)].map((n) => n.toLowerCase());
    const datasets = rule.logic.indicators.filter((i) => i.field === 'event.dataset' || i.field === 'data_stream.dataset').flatMap((i) => i.values.map((v) => String(v).toLowerCase()));
    const out = new Set<string>();
    for (const n of [...names, ...datasets]) for (const [frag, ls] of ELASTIC_DATASETS) if (n.includes(frag)) out.add(ls);
    // a rule on PowerShell script blocks reads the PowerShell log, whatever event.category it also tests
    if (rule.logic.indicators.some((i) => i.field.startsWith('powershell.file.'))) return ['windows.powershell'];
    const { categories, os } = categoryFor(rule);
    for (const c of categories) {
      const ls = endpointLogSource(osOf(names, os), c);
      if (ls) out.add(ls);
    }
    if (out.size === 0 && names.some((n) => n.includes('endpoint.events.process') || n.includes('process'))) out.add(`${osOf(names, os)}.process_creation`);
    // no other vocabulary covers it (Elastic Defend alerts, ML jobs, other integrations): a vendor log source
    if (out.size === 0 && rule.logSources.length) out.add(`vendor:elastic/${rule.logSources[0]!.name.toLowerCase()}`);
    return [...out];
  },
  // a rule runs on the raw logs of its log sources (read through `readings.ts`) and on Elastic's documents of them
  huntLogSources: (rule: RuleRecord) => {
    const ls = elasticVocabulary.logSources(rule);
    return [...ls, ...ls.map(ecsDocuments)];
  },
  // `.caseless` variants are the same field compared case-insensitively (the predicate says so)
  normalizeField: (f) => (f.endsWith('.caseless') ? f.slice(0, -'.caseless'.length) : f),
  // Winlogbeat keeps the Windows event data under winlog.event_data, with the event's own field names; the Kubernetes
  // integration's audit_logs data stream keeps the audit event under kubernetes.audit (kubernetes.audit.stage, .level)
  rawPrefixes: { 'windows.security': 'winlog.event_data.', 'windows.system': 'winlog.event_data.', 'windows.powershell': 'winlog.event_data.', 'kubernetes.audit': 'kubernetes.audit.' },
  fields: {
    '*': META,
    'windows.process_creation': PROCESS,
    'linux.process_creation': PROCESS,
    'macos.process_creation': PROCESS,
    'windows.registry': { ...ACTOR, 'registry.path': 'TargetObject', 'registry.data.strings': 'Details', 'registry.key': 'TargetObject', 'registry.value': 'TargetObject:name' },
    'windows.file': { ...ACTOR, 'file.path': 'TargetFilename', 'file.name': 'TargetFilename:name', 'file.extension': 'TargetFilename:ext' },
    'linux.file': { ...ACTOR, 'file.path': 'TargetFilename', 'file.name': 'TargetFilename:name', 'file.extension': 'TargetFilename:ext' },
    'windows.network': { ...ACTOR, 'dns.question.name': 'DestinationHostname', 'network.direction': 'Initiated', 'destination.ip': 'DestinationIp', 'destination.port': 'DestinationPort', 'destination.domain': 'DestinationHostname', 'source.ip': 'SourceIp', 'source.port': 'SourcePort', 'network.transport': 'Protocol', 'process.pid': 'ProcessId' },
    'windows.dns': { ...ACTOR, 'dns.question.name': 'QueryName' },
    'windows.image_load': { ...ACTOR, 'dll.path': 'ImageLoaded', 'dll.name': 'ImageLoaded:name', 'dll.code_signature.trusted': 'Signed', 'dll.code_signature.subject_name': 'Signature', 'dll.code_signature.status': 'SignatureStatus', 'dll.hash.sha256': 'Hashes' },
    'windows.driver_load': { 'dll.path': 'ImageLoaded', 'file.path': 'ImageLoaded', 'file.name': 'ImageLoaded:name' },
    'windows.powershell': { 'powershell.file.script_block_text': 'ScriptBlockText' },
    'windows.security': { 'source.ip': 'IpAddress', 'source.port': 'IpPort', 'user.name': 'TargetUserName', 'user.domain': 'TargetDomainName', 'event.code': 'EventID', 'winlog.event_id': 'EventID', 'winlog.event_data.TargetUserName': 'TargetUserName', 'winlog.event_data.SubjectUserName': 'SubjectUserName', 'winlog.logon.type': 'LogonType' },
    'aws.cloudtrail': {
      'event.action': 'eventName',
      'event.provider': 'eventSource',
      'aws.cloudtrail.user_identity.type': 'userIdentity.type',
      'aws.cloudtrail.user_identity.arn': 'userIdentity.arn',
      'source.ip': 'sourceIPAddress',
      'source.address': 'sourceIPAddress',
      'user_agent.original': 'userAgent',
      'aws.cloudtrail.flattened.request_parameters': 'requestParameters',
      'aws.cloudtrail.flattened.response_elements': 'responseElements',
      'cloud.region': 'awsRegion',
      'aws.cloudtrail.error_code': 'errorCode',
      'aws.cloudtrail.error_message': 'errorMessage',
      'aws.cloudtrail.request_parameters': 'requestParameters',
      'aws.cloudtrail.response_elements': 'responseElements',
    },
    'gcp.audit': { 'event.action': 'protoPayload.methodName', 'event.provider': 'protoPayload.serviceName', 'service.name': 'protoPayload.serviceName', 'gcp.audit.method_name': 'protoPayload.methodName', 'client.user.email': 'protoPayload.authenticationInfo.principalEmail', 'user.email': 'protoPayload.authenticationInfo.principalEmail', 'gcp.audit.resource_name': 'protoPayload.resourceName', 'source.ip': 'protoPayload.requestMetadata.callerIp', 'user_agent.original': 'protoPayload.requestMetadata.callerSuppliedUserAgent' },
    'azure.activity': { 'azure.activitylogs.operation_name': 'operationName', 'event.action': 'operationName', 'azure.activitylogs.category': 'category' },
    'entra.signin': { 'azure.signinlogs.properties.app_id': 'AppId', 'azure.signinlogs.properties.resource_id': 'ResourceId', 'azure.signinlogs.properties.user_type': 'UserType', 'azure.signinlogs.category': 'Category', 'azure.signinlogs.properties.incoming_token_type': 'IncomingTokenType', 'user_agent.original': 'UserAgent', 'source.ip': 'IPAddress', 'azure.signinlogs.properties.app_display_name': 'AppDisplayName', 'azure.signinlogs.properties.status.error_code': 'ResultType', 'azure.signinlogs.properties.user_principal_name': 'UserPrincipalName', 'azure.signinlogs.properties.client_app_used': 'ClientAppUsed' },
    'entra.audit': { 'azure.auditlogs.operation_name': 'OperationName', 'event.action': 'OperationName', 'azure.auditlogs.category': 'Category' },
    'm365.audit': { 'event.action': 'Operation', 'event.provider': 'Workload', 'o365.audit.Workload': 'Workload', 'o365.audit.Operation': 'Operation' },
    'okta.system': { 'event.action': 'eventType', 'okta.event_type': 'eventType', 'okta.outcome.result': 'outcome.result', 'okta.actor.alternate_id': 'actor.alternateId', 'okta.client.ip': 'client.ipAddress' },
    'github.audit': { 'event.action': 'action', 'github.category': 'action' },
    google_workspace: { 'event.action': 'name', 'google_workspace.event.type': 'type' },
    'kubernetes.audit': { 'kubernetes.audit.requestObject.spec.containers.image': 'requestObject.spec.containers.image', 'kubernetes.audit.annotations.authorization_k8s_io/decision': 'annotations.authorization.k8s.io/decision', 'kubernetes.audit.requestURI': 'requestURI', 'kubernetes.audit.impersonatedUser.username': 'impersonatedUser.username', 'kubernetes.audit.objectRef.namespace': 'objectRef.namespace', 'kubernetes.audit.objectRef.name': 'objectRef.name', 'kubernetes.audit.user.groups': 'user.groups', 'user.name': 'user.username', 'user_agent.original': 'userAgent', 'kubernetes.audit.verb': 'verb', 'kubernetes.audit.objectRef.resource': 'objectRef.resource', 'kubernetes.audit.objectRef.subresource': 'objectRef.subresource', 'kubernetes.audit.user.username': 'user.username' },
  },
};
