/**
 * YARA-L's vocabulary (data): UDM `metadata.log_type` / `metadata.event_type` (and the rule's declared data
 * source) onto canonical log sources, and UDM field paths onto the raw log's names (`target.process.file.full_path`
 * is Sysmon's `Image`; `metadata.product_event_type` is CloudTrail's `eventName`…). Event variables (`$e.`) are
 * dropped before lookup.
 */
import type { RuleRecord } from '../../model/rule.ts';
import type { FieldTable, Vocabulary } from '../../model/vocabulary/canonical.ts';
import { SECURITY_EVENT_CATEGORIES, SYSMON_EVENT_IDS } from '../readings.ts';

export const UDM_LOG_TYPES: Readonly<Record<string, string>> = {
  AWS_CLOUDTRAIL: 'aws.cloudtrail',
  GCP_CLOUDAUDIT: 'gcp.audit',
  AZURE_AD: 'entra.signin',
  AZURE_AD_AUDIT: 'entra.audit',
  AZURE_ACTIVITY: 'azure.activity',
  OFFICE_365: 'm365.audit',
  OKTA: 'okta.system',
  GITHUB: 'github.audit',
  WORKSPACE_ACTIVITY: 'google_workspace',
  KUBERNETES_NODE: 'kubernetes.audit',
};

export const UDM_EVENT_TYPES: Readonly<Record<string, string>> = {
  PROCESS_LAUNCH: 'process_creation',
  REGISTRY_CREATION: 'registry',
  REGISTRY_MODIFICATION: 'registry',
  REGISTRY_DELETION: 'registry',
  FILE_CREATION: 'file',
  FILE_MODIFICATION: 'file',
  FILE_DELETION: 'file',
  NETWORK_CONNECTION: 'network',
  NETWORK_DNS: 'dns',
  PROCESS_MODULE_LOAD: 'image_load',
};

/** Declared data sources (meta) onto log sources, lower-case fragments. */
const DATA_SOURCES: readonly [string, string][] = [
  ['sysmon windows registry', 'windows.registry'],
  ['windows registry', 'windows.registry'],
  ['cloudtrail', 'aws.cloudtrail'],
  ['okta', 'okta.system'],
  ['github', 'github.audit'],
  ['gcp', 'gcp.audit'],
  ['workspace', 'google_workspace'],
  ['o365', 'm365.audit'],
  ['azure ad audit', 'entra.audit'],
  ['azure ad', 'entra.signin'],
];

const PROCESS: FieldTable = {
  'target.process.file.full_path': 'Image',
  'target.process.command_line': 'CommandLine',
  'principal.process.file.full_path': 'ParentImage',
  'principal.process.command_line': 'ParentCommandLine',
  'target.process.file.names': 'Image:name',
  'principal.user.userid': 'User',
  'target.user.userid': 'User',
};
const ACTOR: FieldTable = { 'principal.process.file.full_path': 'Image', 'principal.process.command_line': 'CommandLine' };

function values(rule: RuleRecord, field: string): string[] {
  return rule.logic.indicators.filter((i) => normalize(i.field) === field && (i.op === 'eq' || i.op === 'in')).flatMap((i) => i.values.map((v) => String(v).toUpperCase()));
}

function normalize(f: string): string {
  return f.replace(/^\$?[A-Za-z_][A-Za-z0-9_]*\.(?=(metadata|principal|target|src|observer|intermediary|about|network|security_result|additional|extensions)\b)/, '');
}

/** The Windows log a rule declares (`product = "windows"`, `service = "sysmon"` → `windows/sysmon`), when it names one. */
function windowsLog(declared: readonly string[]): 'sysmon' | 'security' | 'system' | 'windows' | undefined {
  const logs = new Set<string>();
  for (const d of declared) {
    if (d === 'sysmon' || d === 'windows/sysmon') logs.add('sysmon');
    else if (d === 'windows/security' || d === 'windows/system' || d === 'windows') logs.add(d.replace('windows/', ''));
    else return undefined;
  }
  return logs.size === 1 ? ([...logs][0] as 'sysmon' | 'security' | 'system' | 'windows') : undefined;
}

/**
 * The log sources of a Windows rule that names its events by id alone (`metadata.product_event_type = "1"`, the
 * event's id as text, with `product = "windows"` and `service = "sysmon"` declared: Sigma rules converted to YARA-L),
 * as the hunt recognises those events: Sysmon's ids by `SYSMON_EVENT_IDS`, the Security log's 4688 as process
 * creation and its other ids as the log itself, the System log's ids as the log. A rule declaring Windows alone reads
 * 4688 as the Security log's and the ids Sysmon has as Sysmon's (its converter's reading of a process creation is
 * `"1" or "4688"`). Every id must have a log source, or the rule gets none from them.
 */
function windowsById(rule: RuleRecord, declared: readonly string[]): string[] {
  const log = windowsLog(declared);
  const ids = values(rule, 'metadata.product_event_type');
  if (!log || !ids.length || !ids.every((id) => /^\d{1,5}$/.test(id))) return [];
  const out = new Set<string>();
  for (const id of ids.map(Number)) {
    const ls =
      log === 'sysmon'
        ? SYSMON_EVENT_IDS[id]
        : log === 'security'
          ? (SECURITY_EVENT_CATEGORIES[id] ?? 'windows.security')
          : log === 'system'
            ? 'windows.system'
            : (SECURITY_EVENT_CATEGORIES[id] ?? SYSMON_EVENT_IDS[id]);
    if (!ls) return [];
    out.add(ls);
  }
  return [...out];
}

export const yaralVocabulary: Vocabulary = {
  logSources: (rule: RuleRecord) => {
    const out = new Set<string>();
    for (const lt of values(rule, 'metadata.log_type')) if (UDM_LOG_TYPES[lt]) out.add(UDM_LOG_TYPES[lt]!);
    const declared = rule.logSources.map((l) => l.name.toLowerCase());
    if (out.size === 0) for (const d of declared) for (const [frag, ls] of DATA_SOURCES) if (d.includes(frag)) out.add(ls);
    const os = declared.some((d) => d.includes('linux')) ? 'linux' : 'windows';
    for (const et of values(rule, 'metadata.event_type')) {
      const kind = UDM_EVENT_TYPES[et];
      if (kind) out.add(kind === 'process_creation' ? `${os}.process_creation` : `windows.${kind}`);
    }
    if (out.size === 0) for (const ls of windowsById(rule, declared)) out.add(ls);
    // a data source no other vocabulary covers (GuardDuty, OneLogin, MS Graph activity…): a vendor log source
    if (out.size === 0 && rule.logSources.length) out.add(`vendor:chronicle/${rule.logSources[0]!.name.toLowerCase()}`);
    return [...out];
  },
  normalizeField: normalize,
  fields: {
    // UDM metadata that selects the log source or the outcome (canonical meta fields, as ECS's in elastic/vocabulary.ts)
    '*': { 'metadata.event_type': '@event.category', 'metadata.log_type': '@dataset', 'metadata.product_name': '@dataset', 'metadata.vendor_name': '@vendor', 'security_result.action': '@outcome' },
    'windows.process_creation': PROCESS,
    'linux.process_creation': PROCESS,
    'windows.registry': { ...ACTOR, 'target.registry.registry_key': 'TargetObject', 'target.registry.registry_value_data': 'Details', 'target.registry.registry_value_name': 'TargetObject' },
    'windows.file': { ...ACTOR, 'target.file.full_path': 'TargetFilename' },
    'windows.network': { ...ACTOR, 'target.ip': 'DestinationIp', 'target.port': 'DestinationPort', 'target.hostname': 'DestinationHostname', 'principal.ip': 'SourceIp', 'principal.port': 'SourcePort', 'principal.user.userid': 'User' },
    'windows.dns': { ...ACTOR, 'network.dns.questions.name': 'QueryName' },
    'windows.image_load': { ...ACTOR, 'target.process.file.full_path': 'ImageLoaded' },
    // the event's id as text, on the logs whose canonical action is the id
    'windows.security': { 'metadata.product_event_type': 'EventID' },
    'windows.system': { 'metadata.product_event_type': 'EventID' },
    'aws.cloudtrail': { 'metadata.product_event_type': 'eventName', 'target.application': 'eventSource', 'principal.ip': 'sourceIPAddress', 'principal.user.userid': 'userIdentity.userName', 'network.http.user_agent': 'userAgent', 'security_result.action_details': 'errorCode' },
    'gcp.audit': { 'metadata.product_event_type': 'protoPayload.methodName', 'target.application': 'protoPayload.serviceName', 'principal.user.email_addresses': 'protoPayload.authenticationInfo.principalEmail' },
    'okta.system': { 'metadata.product_event_type': 'eventType', 'principal.user.email_addresses': 'actor.alternateId', 'principal.ip': 'client.ipAddress' },
    'github.audit': { 'metadata.product_event_type': 'action' },
    google_workspace: { 'metadata.product_event_type': 'name', 'security_result.category_details': 'type' },
    'm365.audit': { 'metadata.product_event_type': 'Operation' },
    'entra.audit': { 'metadata.product_event_type': 'OperationName', 'metadata.description': 'OperationName' },
    'entra.signin': { 'security_result.description': 'ResultDescription' },
    'azure.activity': { 'metadata.product_event_type': 'operationName' },
  },
};
