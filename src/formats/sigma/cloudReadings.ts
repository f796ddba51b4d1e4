/**
 * Sigma rules over raw cloud logs (`FormatAdapter.huntReadings`, beside `securityAudit.ts`): a Sigma rule names the
 * fields of the log as some shipper stored it, which the rule's author had in front of them. SigmaHQ's Google Cloud
 * audit rules test `gcp.audit.method_name`, the name Filebeat's `gcp` module gave the entry's `protoPayload.methodName`
 * (its `audit` fileset's script, `x-pack/filebeat/module/gcp/audit/config/pipeline.js`, renames the AuditLog's fields
 * into `gcp.audit.*`); over Cloud Logging's own JSON such a field is read as the one it was renamed from. A field
 * the rule names as the raw entry has it (`protoPayload.serviceName`, or under a Pub/Sub message's `data.`) is read
 * as it is.
 *
 * SigmaHQ's Google Workspace rules come in two forms, read over one Reports API event a record (`WORKSPACE_EVENT`):
 * the login rules name Cloud Logging's copy of the event (`protoPayload.serviceName` `login.googleapis.com`, the event's
 * name in `protoPayload.metadata.event.eventName`); the admin rules name the fields Sigma's taxonomy lists for
 * `google_workspace.admin` (`eventService`, `eventName`, `setting_name`, `new_value`), which no shipper documented here
 * writes: they are read as the same values of the event (the application's service, its name, its `SETTING_NAME` and
 * `NEW_VALUE` parameters), an inference from the taxonomy's descriptions.
 */
import { FALSE, or, type Expr, type Predicate } from '../../model/expr.ts';
import type { RuleRecord } from '../../model/rule.ts';
import type { HuntReading } from '../adapter.ts';
import { computed, path, stringValues, tableReading, WORKSPACE_EVENT, type Column, type TableReading } from '../readings.ts';
import { applicationIs, fromEither, parameter } from '../workspace.ts';

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

/** An application's service in Cloud Logging (`admin.googleapis.com`): a test of it is a test of the event's application. */
const workspaceService: Column = computed((p: Predicate) => {
  const vs = stringValues(p);
  if (!vs) return undefined;
  return or(
    ...vs.map((v) => {
      const m = /^([a-z_]+)\.googleapis\.com$/.exec(p.opts?.cs === false ? v.toLowerCase() : v);
      return m ? applicationIs([m[1]!], p) : FALSE;
    }),
  );
});

const WORKSPACE: TableReading = {
  logSource: 'google_workspace',
  onlyWith: WORKSPACE_EVENT,
  label: "the Reports API event's fields for Cloud Logging's and Sigma's taxonomy's names (eventName and protoPayload.metadata.event.eventName as name…)",
  raw: "the Reports API event's JSON",
  lang: 'eql',
  columns: {
    'protoPayload.serviceName': workspaceService,
    'protoPayload.metadata.event.eventName': path('name'),
    'protoPayload.metadata.event.eventType': path('type'),
    'protoPayload.authenticationInfo.principalEmail': path('actor.email'),
    'protoPayload.requestMetadata.callerIp': path('ipAddress'),
    eventService: workspaceService,
    eventName: path('name'),
    setting_name: fromEither([parameter(['admin'], 'SETTING_NAME')]),
    new_value: fromEither([parameter(['admin'], 'NEW_VALUE')]),
  },
};

/** The readings of a Sigma rule over raw cloud logs. */
export function sigmaCloudReadings(logSources: readonly string[], condition: Expr, rule: RuleRecord): readonly HuntReading[] {
  return [GCP_FILEBEAT, WORKSPACE].flatMap((t) => (logSources.includes(t.logSource) ? tableReading(t, condition, rule) : []));
}
