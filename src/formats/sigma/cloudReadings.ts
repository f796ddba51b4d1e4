/**
 * Sigma rules over raw cloud logs (`FormatAdapter.huntReadings`, beside `securityAudit.ts`): a Sigma rule names the
 * fields of the log as some shipper stored it, which the rule's author had in front of them. SigmaHQ's Google Cloud
 * audit rules test `gcp.audit.method_name`, the name Filebeat's `gcp` module gave the entry's `protoPayload.methodName`
 * (its `audit` fileset's script, `x-pack/filebeat/module/gcp/audit/config/pipeline.js`, renames the AuditLog's fields
 * into `gcp.audit.*`); over Cloud Logging's own JSON such a field is read as the one it was renamed from. A field
 * the rule names as the raw entry has it (`protoPayload.serviceName`, or under a Pub/Sub message's `data.`) is read
 * as it is.
 */
import type { Expr } from '../../model/expr.ts';
import type { RuleRecord } from '../../model/rule.ts';
import type { HuntReading } from '../adapter.ts';
import { path, tableReading, type TableReading } from '../readings.ts';

const GCP_FILEBEAT: TableReading = {
  logSource: 'gcp.audit',
  onlyWith: 'gcp.audit',
  label: "the Cloud Audit Log entry's fields for Filebeat's gcp.audit names (gcp.audit.method_name as protoPayload.methodName…)",
  raw: 'the Cloud Audit Log entry',
  lang: 'eql',
  // a Pub/Sub message's `data` is the entry itself
  prefixes: { 'data.': '' },
  // the entry's own names
  sameName: (f) => !f.startsWith('gcp.'),
  columns: {
    'gcp.audit.method_name': path('protoPayload.methodName'),
    'gcp.audit.service_name': path('protoPayload.serviceName'),
    'gcp.audit.resource_name': path('protoPayload.resourceName'),
    'gcp.audit.authentication_info.principal_email': path('protoPayload.authenticationInfo.principalEmail'),
    'gcp.audit.request_metadata.caller_ip': path('protoPayload.requestMetadata.callerIp'),
    'gcp.audit.request_metadata.caller_supplied_user_agent': path('protoPayload.requestMetadata.callerSuppliedUserAgent'),
    'gcp.audit.status.code': path('protoPayload.status.code'),
    'gcp.audit.status.message': path('protoPayload.status.message'),
    'gcp.audit.type': path('protoPayload.@type'),
  },
};

/** The readings of a Sigma rule over raw cloud logs. */
export function sigmaCloudReadings(logSources: readonly string[], condition: Expr, rule: RuleRecord): readonly HuntReading[] {
  return logSources.includes(GCP_FILEBEAT.logSource) ? tableReading(GCP_FILEBEAT, condition, rule) : [];
}
