import { and, not, opaque, or, pred, type Expr, type Predicate } from '../model/expr.ts';
import { renderPredicate } from '../model/render.ts';
import { computed, sameWord, stringValues, type Column } from './readings.ts';

/**
 * Microsoft 365's audit record types (the Office 365 Management Activity API's `AuditLogRecordType`): the number a
 * record carries in `RecordType`, and the name a shipper writes for it (Elastic's `event.code`, Sentinel's
 * `OfficeActivity.RecordType`). The values up to 181 as Microsoft's schema listed them when Elastic's o365 pipeline
 * took its table (Microsoft has since renamed 22 `Viva Engage` and 44 `VivaInsights`, and dropped 12 `Sway`).
 */
export const M365_RECORD_TYPES: Readonly<Record<number, string>> = {
  1: 'ExchangeAdmin', 2: 'ExchangeItem', 3: 'ExchangeItemGroup', 4: 'SharePoint', 6: 'SharePointFileOperation',
  7: 'OneDrive', 8: 'AzureActiveDirectory', 9: 'AzureActiveDirectoryAccountLogon', 10: 'DataCenterSecurityCmdlet', 11: 'ComplianceDLPSharePoint',
  12: 'Sway', 13: 'ComplianceDLPExchange', 14: 'SharePointSharingOperation', 15: 'AzureActiveDirectoryStsLogon', 16: 'SkypeForBusinessPSTNUsage',
  17: 'SkypeForBusinessUsersBlocked', 18: 'SecurityComplianceCenterEOPCmdlet', 19: 'ExchangeAggregatedOperation', 20: 'PowerBIAudit', 21: 'CRM',
  22: 'Yammer', 23: 'SkypeForBusinessCmdlets', 24: 'Discovery', 25: 'MicrosoftTeams', 28: 'ThreatIntelligence',
  29: 'MailSubmission', 30: 'MicrosoftFlow', 31: 'AeD', 32: 'MicrosoftStream', 33: 'ComplianceDLPSharePointClassification',
  34: 'ThreatFinder', 35: 'Project', 36: 'SharePointListOperation', 37: 'SharePointCommentOperation', 38: 'DataGovernance',
  39: 'Kaizala', 40: 'SecurityComplianceAlerts', 41: 'ThreatIntelligenceUrl', 42: 'SecurityComplianceInsights', 43: 'MIPLabel',
  44: 'WorkplaceAnalytics', 45: 'PowerAppsApp', 46: 'PowerAppsPlan', 47: 'ThreatIntelligenceAtpContent', 48: 'LabelContentExplorer',
  49: 'TeamsHealthcare', 50: 'ExchangeItemAggregated', 51: 'HygieneEvent', 52: 'DataInsightsRestApiAudit', 53: 'InformationBarrierPolicyApplication',
  54: 'SharePointListItemOperation', 55: 'SharePointContentTypeOperation', 56: 'SharePointFieldOperation', 57: 'MicrosoftTeamsAdmin', 58: 'HRSignal',
  59: 'MicrosoftTeamsDevice', 60: 'MicrosoftTeamsAnalytics', 61: 'InformationWorkerProtection', 62: 'Campaign', 63: 'DLPEndpoint',
  64: 'AirInvestigation', 65: 'Quarantine', 66: 'MicrosoftForms', 67: 'ApplicationAudit', 68: 'ComplianceSupervisionExchange',
  69: 'CustomerKeyServiceEncryption', 70: 'OfficeNative', 71: 'MipAutoLabelSharePointItem', 72: 'MipAutoLabelSharePointPolicyLocation', 73: 'MicrosoftTeamsShifts',
  75: 'MipAutoLabelExchangeItem', 76: 'CortanaBriefing', 78: 'WDATPAlerts', 82: 'SensitivityLabelPolicyMatch', 83: 'SensitivityLabelAction',
  84: 'SensitivityLabeledFileAction', 85: 'AttackSim', 86: 'AirManualInvestigation', 87: 'SecurityComplianceRBAC', 88: 'UserTraining',
  89: 'AirAdminActionInvestigation', 90: 'MSTIC', 91: 'PhysicalBadgingSignal', 93: 'AipDiscover', 94: 'AipSensitivityLabelAction',
  95: 'AipProtectionAction', 96: 'AipFileDeleted', 97: 'AipHeartBeat', 98: 'MCASAlerts', 99: 'OnPremisesFileShareScannerDlp',
  100: 'OnPremisesSharePointScannerDlp', 101: 'ExchangeSearch', 102: 'SharePointSearch', 103: 'PrivacyInsights', 105: 'MyAnalyticsSettings',
  106: 'SecurityComplianceUserChange', 107: 'ComplianceDLPExchangeClassification', 109: 'MipExactDataMatch', 113: 'MS365DCustomDetection', 147: 'CoreReportingSettings',
  148: 'ComplianceConnector', 174: 'DataShareOperation', 181: 'EduDataLakeDownloadOperation',
};

/** Numbers whose name changed or was dropped since: a reading that cannot tell which name its shipper writes leaves them out. */
export const M365_RENAMED_RECORD_TYPES: ReadonlySet<number> = new Set([12, 22, 44]);

/** The record's `RecordType` is one of these numbers (a number written as text too). */
export const recordTypeIs = (nums: readonly number[], p: Predicate): Expr => pred('RecordType', 'in', [...nums], { typing: 'loose' }, p.span);

/**
 * A column holding the record type's name (`without`: numbers whose name the shipper may write otherwise, unknown):
 * a test of names is a test of their numbers; a record of a number the table does not name is unknown.
 */
export function recordTypeName(what: string, without: ReadonlySet<number> = new Set()): Column {
  const nums = Object.keys(M365_RECORD_TYPES).map(Number).filter((n) => !without.has(n));
  return computed((p) => {
    const vs = stringValues(p);
    if (!vs) return undefined;
    const cs = p.opts?.cs !== false;
    const hit = nums.filter((n) => vs.some((v) => sameWord(v, M365_RECORD_TYPES[n]!, cs)));
    return or(...(hit.length ? [recordTypeIs(hit, p)] : []), and(not(recordTypeIs(nums, p)), opaque(renderPredicate(p), `${what}: the name of this record type is not read here`, p.span)));
  });
}
