/**
 * Sigma's vocabulary (data): `logsource` product / category / service onto canonical log sources, and the few
 * field names of Sigma's taxonomy that differ from the raw log's (Sigma rules otherwise use the raw names: Sysmon
 * and Windows event data, CloudTrail JSON, Okta's schema).
 */
import type { LogSource, RuleRecord } from '../../model/rule.ts';
import type { Vocabulary } from '../../model/vocabulary/canonical.ts';

/** `product/category` or `product/service` (lower-case) → canonical log source. `*` matches any product. */
export const SIGMA_LOGSOURCES: Readonly<Record<string, string>> = {
  'windows/process_creation': 'windows.process_creation',
  'windows/registry_set': 'windows.registry',
  'windows/registry_event': 'windows.registry',
  'windows/registry_add': 'windows.registry',
  'windows/registry_delete': 'windows.registry',
  'windows/registry_rename': 'windows.registry',
  'windows/file_event': 'windows.file',
  'windows/file_delete': 'windows.file',
  'windows/file_rename': 'windows.file',
  'windows/file_change': 'windows.file',
  'windows/file_access': 'windows.file',
  'windows/file_executable_detected': 'windows.file',
  'windows/network_connection': 'windows.network',
  'windows/dns_query': 'windows.dns',
  'windows/image_load': 'windows.image_load',
  'windows/ps_script': 'windows.powershell',
  'windows/ps_module': 'windows.powershell',
  'windows/ps_classic_start': 'windows.powershell',
  'windows/ps_classic_provider_start': 'windows.powershell',
  'windows/powershell': 'windows.powershell',
  'windows/security': 'windows.security',
  'windows/system': 'windows.system',
  'windows/process_access': 'windows.process_access',
  'windows/driver_load': 'windows.driver_load',
  'windows/pipe_created': 'windows.pipe',
  'linux/process_creation': 'linux.process_creation',
  'linux/auditd': 'linux.auditd',
  'linux/file_event': 'linux.file',
  'macos/process_creation': 'macos.process_creation',
  'aws/cloudtrail': 'aws.cloudtrail',
  'azure/signinlogs': 'entra.signin',
  'azure/auditlogs': 'entra.audit',
  'azure/activitylogs': 'azure.activity',
  'm365/*': 'm365.audit',
  'okta/okta': 'okta.system',
  'github/audit': 'github.audit',
  'gcp/gcp.audit': 'gcp.audit',
  'google_workspace/google_workspace.admin': 'google_workspace',
  'gcp/google_workspace.admin': 'google_workspace',
  'gcp/google_workspace.login': 'google_workspace',
  'kubernetes/audit': 'kubernetes.audit',
  '*/proxy': 'proxy',
  '*/webserver': 'webserver',
  '*/firewall': 'firewall',
  '*/dns': 'dns',
};

function resolve(ls: LogSource): string | undefined {
  const d = ls.detail ?? {};
  const product = (d['product'] ?? '*').toLowerCase();
  for (const second of [d['category'], d['service']]) {
    if (!second) continue;
    const s = second.toLowerCase();
    const hit = SIGMA_LOGSOURCES[`${product}/${s}`] ?? SIGMA_LOGSOURCES[`*/${s}`];
    if (hit) return hit;
  }
  return SIGMA_LOGSOURCES[`${product}/*`];
}

export const sigmaVocabulary: Vocabulary = {
  // a logsource no other vocabulary covers (opencanary, bitbucket, windows/application…) is a vendor log source
  logSources: (rule: RuleRecord) => rule.logSources.filter((l) => l.kind === 'logsource').flatMap((l) => resolve(l) ?? (l.name !== '(any)' ? `vendor:${l.name.toLowerCase()}` : [])),
  raw: ['windows.', 'linux.', 'macos.', 'aws.cloudtrail', 'okta.system', 'github.audit', 'kubernetes.audit', 'azure.activity', 'entra.signin', 'entra.audit', 'proxy', 'webserver'],
  fields: {
    'gcp.audit': { 'gcp.audit.method_name': 'protoPayload.methodName', 'data.protoPayload.methodName': 'protoPayload.methodName', 'data.protoPayload.serviceName': 'protoPayload.serviceName' },
    'entra.audit': { 'properties.message': 'OperationName', operationName: 'OperationName' },
    google_workspace: { eventName: 'name', 'protoPayload.metadata.event.eventName': 'name' },
    'windows.security': { EventID: 'EventID' },
  },
};
