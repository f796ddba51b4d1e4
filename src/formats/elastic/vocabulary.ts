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
  ['windows.powershell_operational', 'windows.powershell'],
];

/** `event.category` (with the OS from `host.os.type` or the index) onto endpoint log sources. */
const CATEGORY: Readonly<Record<string, string>> = {
  process: 'process_creation',
  registry: 'registry',
  file: 'file',
  network: 'network',
  library: 'image_load',
  driver: 'driver_load',
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

function osOf(names: readonly string[], os: string | undefined): string {
  if (os === 'linux' || os === 'macos') return os;
  if (os === 'darwin') return 'macos';
  if (names.some((n) => n.includes('auditd') || n.includes('auditbeat'))) return 'linux';
  return 'windows';
}

const PROCESS: FieldTable = {
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
  logSources: (rule: RuleRecord) => {
    // declared index patterns and integrations, and the indices an ES|QL query reads (`FROM logs-aws.cloudtrail-*`)
    const names = [...rule.logSources.map((l) => l.name), ...fromIndices(rule)].map((n) => n.toLowerCase());
    const datasets = rule.logic.indicators.filter((i) => i.field === 'event.dataset' || i.field === 'data_stream.dataset').flatMap((i) => i.values.map((v) => String(v).toLowerCase()));
    const out = new Set<string>();
    for (const n of [...names, ...datasets]) for (const [frag, ls] of ELASTIC_DATASETS) if (n.includes(frag)) out.add(ls);
    const { categories, os } = categoryFor(rule);
    for (const c of categories) {
      const kind = CATEGORY[c];
      if (!kind) continue;
      const o = osOf(names, os);
      // a Linux or macOS event kind without a canonical log source of its own stays the endpoint's (never Windows')
      const id = `${o}.${kind}`;
      out.add(LOG_SOURCE_BY_ID.has(id) ? id : `vendor:elastic.endpoint.${id}`);
    }
    if (out.size === 0 && names.some((n) => n.includes('endpoint.events.process') || n.includes('process'))) out.add(`${osOf(names, os)}.process_creation`);
    return [...out];
  },
  fields: {
    'windows.process_creation': PROCESS,
    'linux.process_creation': PROCESS,
    'macos.process_creation': PROCESS,
    'windows.registry': { ...ACTOR, 'registry.path': 'TargetObject', 'registry.data.strings': 'Details', 'registry.key': 'TargetObject' },
    'windows.file': { ...ACTOR, 'file.path': 'TargetFilename', 'file.name': 'TargetFilename:name' },
    'linux.file': { ...ACTOR, 'file.path': 'TargetFilename', 'file.name': 'TargetFilename:name' },
    'windows.network': { ...ACTOR, 'destination.ip': 'DestinationIp', 'destination.port': 'DestinationPort', 'destination.domain': 'DestinationHostname', 'source.ip': 'SourceIp', 'source.port': 'SourcePort', 'network.transport': 'Protocol' },
    'windows.dns': { ...ACTOR, 'dns.question.name': 'QueryName' },
    'windows.image_load': { ...ACTOR, 'dll.path': 'ImageLoaded', 'dll.name': 'ImageLoaded:name' },
    'windows.driver_load': { 'dll.path': 'ImageLoaded', 'file.path': 'ImageLoaded', 'file.name': 'ImageLoaded:name' },
    'windows.powershell': { 'powershell.file.script_block_text': 'ScriptBlockText' },
    'windows.security': { 'event.code': 'EventID', 'winlog.event_id': 'EventID', 'winlog.event_data.TargetUserName': 'TargetUserName', 'winlog.event_data.SubjectUserName': 'SubjectUserName', 'winlog.logon.type': 'LogonType' },
    'aws.cloudtrail': {
      'event.action': 'eventName',
      'event.provider': 'eventSource',
      'aws.cloudtrail.user_identity.type': 'userIdentity.type',
      'aws.cloudtrail.user_identity.arn': 'userIdentity.arn',
      'source.ip': 'sourceIPAddress',
      'user_agent.original': 'userAgent',
      'cloud.region': 'awsRegion',
      'aws.cloudtrail.error_code': 'errorCode',
      'aws.cloudtrail.error_message': 'errorMessage',
      'aws.cloudtrail.request_parameters': 'requestParameters',
      'aws.cloudtrail.response_elements': 'responseElements',
    },
    'gcp.audit': { 'event.action': 'protoPayload.methodName', 'event.provider': 'protoPayload.serviceName', 'gcp.audit.method_name': 'protoPayload.methodName', 'client.user.email': 'protoPayload.authenticationInfo.principalEmail' },
    'azure.activity': { 'azure.activitylogs.operation_name': 'operationName', 'event.action': 'operationName', 'azure.activitylogs.category': 'category' },
    'entra.signin': { 'azure.signinlogs.properties.app_display_name': 'AppDisplayName', 'azure.signinlogs.properties.status.error_code': 'ResultType', 'azure.signinlogs.properties.user_principal_name': 'UserPrincipalName', 'azure.signinlogs.properties.client_app_used': 'ClientAppUsed' },
    'entra.audit': { 'azure.auditlogs.operation_name': 'OperationName', 'event.action': 'OperationName', 'azure.auditlogs.category': 'Category' },
    'm365.audit': { 'event.action': 'Operation', 'event.provider': 'Workload', 'o365.audit.Workload': 'Workload', 'o365.audit.Operation': 'Operation' },
    'okta.system': { 'event.action': 'eventType', 'okta.event_type': 'eventType', 'okta.outcome.result': 'outcome.result', 'okta.actor.alternate_id': 'actor.alternateId', 'okta.client.ip': 'client.ipAddress' },
    'github.audit': { 'event.action': 'action', 'github.category': 'action' },
    google_workspace: { 'event.action': 'name', 'google_workspace.event.type': 'type' },
    'kubernetes.audit': { 'kubernetes.audit.verb': 'verb', 'kubernetes.audit.objectRef.resource': 'objectRef.resource', 'kubernetes.audit.objectRef.subresource': 'objectRef.subresource', 'kubernetes.audit.user.username': 'user.username' },
  },
};
