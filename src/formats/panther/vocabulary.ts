/**
 * Panther's vocabulary (data): `LogTypes` (and the tables of SQL queries) onto canonical log sources. Panther
 * rules read the raw log (CloudTrail JSON, Okta System Log…), so most fields are the raw names; the tables below
 * cover the schemas Panther reshapes (Azure.Audit's `properties.*`, CrowdStrike FDR's `event.*`).
 * Log types of one vendor only (Slack, Notion, Asana…) resolve to a vendor log source `vendor:<logtype>`.
 */
import type { RuleRecord } from '../../model/rule.ts';
import type { Vocabulary } from '../../model/vocabulary/canonical.ts';

export const PANTHER_LOGTYPES: Readonly<Record<string, readonly string[]>> = {
  'AWS.CloudTrail': ['aws.cloudtrail'],
  'GCP.AuditLog': ['gcp.audit'],
  'Azure.MonitorActivity': ['azure.activity'],
  'Azure.Audit': ['entra.signin', 'entra.audit'],
  'GSuite.ActivityEvent': ['google_workspace'],
  'GSuite.Reports': ['google_workspace'],
  'Amazon.EKS.Audit': ['kubernetes.audit'],
  'Okta.SystemLog': ['okta.system'],
  'GitHub.Audit': ['github.audit'],
  'Slack.AuditLogs': ['slack.audit'],
  'Box.Event': ['box.event'],
  'Microsoft365.Audit.AzureActiveDirectory': ['m365.audit'],
  'Microsoft365.Audit.SharePoint': ['m365.audit'],
  'Microsoft365.Audit.Exchange': ['m365.audit'],
  'Microsoft365.Audit.General': ['m365.audit'],
  'Crowdstrike.FDREvent': ['windows.process_creation'],
  'Crowdstrike.DNSRequest': ['dns'],
  'AWS.VPCFlow': ['firewall'],
  'AWS.VPCDns': ['dns'],
  'CiscoUmbrella.DNS': ['dns'],
  'Zeek.DNS': ['dns'],
  'Suricata.DNS': ['dns'],
  'OCSF.DnsActivity': ['dns'],
  'Windows.EventLogs': ['windows.security'],
};

/** The log sources of a Panther log type: its canonical ones, or the vendor's own (`vendor:notion.auditlogs`). */
export const logTypeSources = (lt: string): readonly string[] => PANTHER_LOGTYPES[lt] ?? [`vendor:${lt.toLowerCase()}`];

/** Panther Snowflake tables of SQL queries onto log types (`panther_logs.public.aws_cloudtrail`). */
function tableLogType(table: string): string | undefined {
  const t = table.toLowerCase().split('.').pop() ?? '';
  const known: Record<string, string> = { aws_cloudtrail: 'AWS.CloudTrail', okta_systemlog: 'Okta.SystemLog', amazon_eks_audit: 'Amazon.EKS.Audit', gcp_auditlog: 'GCP.AuditLog', github_audit: 'GitHub.Audit', gsuite_reports: 'GSuite.Reports', azure_monitoractivity: 'Azure.MonitorActivity' };
  return known[t];
}

/** Log types that also carry Kubernetes audit events (GKE, AKS): the rule reads those when it tests their fields. */
const KUBERNETES_CARRIERS: ReadonlySet<string> = new Set(['GCP.AuditLog', 'Azure.MonitorActivity']);
const KUBERNETES_FIELDS: ReadonlySet<string> = new Set(['verb', 'objectref.resource', 'objectref.subresource', 'objectref.namespace', 'requesturi', 'user.username']);

export const pantherVocabulary: Vocabulary = {
  logSources: (rule: RuleRecord) => {
    const k8s = rule.logic.indicators.some((i) => KUBERNETES_FIELDS.has(i.field.toLowerCase()));
    return rule.logSources.flatMap((l) => {
      const lt = l.kind === 'LogTypes' ? l.name : l.kind === 'table' ? tableLogType(l.name) : undefined;
      if (!lt) return [];
      if (k8s && KUBERNETES_CARRIERS.has(lt)) return ['kubernetes.audit', ...(PANTHER_LOGTYPES[lt] ?? [])];
      return logTypeSources(lt);
    });
  },
  raw: ['aws.cloudtrail', 'okta.system', 'github.audit', 'gcp.audit', 'google_workspace', 'kubernetes.audit', 'azure.activity', 'm365.audit', 'slack.audit', 'box.event'],
  // AKS audit events come in Azure.MonitorActivity as a JSON text in `properties.log`: a rule reads them as
  // json.loads(event.deep_get("properties", "log")).get("verb"), the Kubernetes audit log's own `verb`
  rawPrefixes: { 'kubernetes.audit': 'properties.log.' },
  fields: {
    '*': { p_log_type: '@logType' },
    'entra.signin': {
      'properties.status.errorCode': 'ResultType',
      'properties.userPrincipalName': 'UserPrincipalName',
      'properties.appDisplayName': 'AppDisplayName',
      'properties.ipAddress': 'IPAddress',
      'properties.userAgent': 'UserAgent',
      'properties.riskLevelDuringSignIn': 'RiskLevelDuringSignIn',
      'properties.resourceDisplayName': 'ResourceDisplayName',
      'properties.clientAppUsed': 'ClientAppUsed',
      'properties.authenticationRequirement': 'AuthenticationRequirement',
    },
    'entra.audit': { operationName: 'OperationName', 'properties.activityDisplayName': 'OperationName', 'properties.result': 'Result', category: 'Category' },
    'windows.process_creation': { 'event.ImageFileName': 'Image', 'event.CommandLine': 'CommandLine', 'event.ParentBaseFileName': 'ParentImage:name', 'event.UserName': 'User', ImageFileName: 'Image', CommandLine: 'CommandLine' },
    dns: { query_name: 'query', 'event.DomainName': 'query', 'query.domain': 'query', domain: 'query', query: 'query' },
    firewall: { dstport: 'dst_port', dstaddr: 'dst_ip', srcaddr: 'src_ip', srcport: 'src_port', action: 'action' },
    'm365.audit': { Operation: 'Operation', Workload: 'Workload', UserId: 'UserId' },
  },
};
