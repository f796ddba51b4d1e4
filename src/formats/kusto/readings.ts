/**
 * The hunt's readings of KQL rules over raw logs (`FormatAdapter.huntReadings`): Windows events, CloudTrail's JSON,
 * the Okta System Log, the exported Azure Activity log.
 *
 * A rule over SecurityEvent reads a Windows event as the event log renders it (`securityEventReading`).
 *
 * A rule over one of Defender XDR's endpoint tables is read over Sysmon events: the
 * hunt runs the rule as written on the table's own rows (`huntLogSources` in `vocabulary.ts`), and this reading on
 * the Sysmon events of the same action, with each Defender column read as the Sysmon field that holds the same value
 * in the same form (`FolderPath` is process creation's `Image`, `FileName` the file name of that path). A column
 * Sysmon does not record, or records in another form (`AccountName` is `bob` in Defender, `DOMAIN\bob` in Sysmon's
 * `User`; `ActionType` values are Defender's own), is unknown wherever it is tested: the rule may fire, depending on
 * it. A rule that pairs events, or has no test Sysmon can answer, gets no reading; a threshold is read with its keys
 * and counted columns as Sysmon fields (`readAggregation`), or the rule gets no reading.
 *
 * A rule over a Sentinel table that copies a raw log's fields (`AWSCloudTrail`, `Okta_CL`, `AzureActivity`:
 * `SENTINEL_READINGS`) is read over that raw log the same way, each column as the field it copies.
 */
import { and, derivedFields, isFieldRef, mapEachLeaf, not, opaque, or, pred, type Derived, type Expr, type Predicate, type Value } from '../../model/expr.ts';
import { aggregateCall, aggregationDecides } from '../../model/aggregate.ts';
import { renderExpr, renderPredicate } from '../../model/render.ts';
import type { Format } from '../../model/facts.ts';
import type { Aggregation, RuleRecord } from '../../model/rule.ts';
import type { HuntReading } from '../adapter.ts';

/** A column read as a raw log's field (`name`: the file name of that field's path). */
interface Column {
  readonly field: string;
  readonly name?: true;
  /** The raw log may spell the value in another case than the table does: only a case-blind test of it is read. */
  readonly anyCase?: true;
}

interface TableReading {
  /** The canonical log source of the raw events the table's rows correspond to. */
  readonly logSource: string;
  /** The raw events the reading runs on (their recogniser's log source). */
  readonly onlyWith: string;
  /** What the reading is, for output. */
  readonly label: string;
  /** The raw log, in the reason a column it does not hold is unknown. */
  readonly raw: string;
  /** The language whose field resolution reads the raw events (a Windows event's EventData: Sigma's). */
  readonly readAs?: Format;
  /**
   * Columns read only as group-by keys, by a field that parts the events into the same groups (Defender's `DeviceId`
   * names one device as its `DeviceName`, Sysmon's `Computer`, does), though not with the same values.
   */
  readonly groupsAs?: Readonly<Record<string, string>>;
  /**
   * Columns that hold a raw object as JSON text: the whole column is in another form (unknown), but a member the rule
   * reads of it (`AdditionalEventData.MFAUsed`, after `parse_json`) is the raw object's member.
   */
  readonly json?: Readonly<Record<string, string>>;
  readonly columns: Readonly<Record<string, Column>>;
  /**
   * The row's `SHA1` / `SHA256` / `MD5` are the hashes Sysmon lists in the event's `Hashes`
   * (`SHA1=…,MD5=…,SHA256=…,IMPHASH=…`, upper-case hexadecimal, the algorithms the configuration chose).
   */
  readonly hashes?: true;
}

const path = (field: string): Column => ({ field });
const anyCase = (field: string): Column => ({ field, anyCase: true });
const nameOf = (field: string): Column => ({ field, name: true });

/** The Sysmon events a reading runs on (recognised by their channel or provider). */
export const SYSMON = 'vendor:windows/sysmon';

const SYSMON_READING = {
  onlyWith: SYSMON,
  label: 'Sysmon field names for Defender XDR columns (FolderPath as Image, FileName as its file name…)',
  raw: 'Sysmon',
  readAs: 'sigma',
  groupsAs: { DeviceId: 'Computer' },
} as const;

/** The acting process of file, network and image-load rows: Sysmon's `Image` of those events. */
const INITIATOR: Readonly<Record<string, Column>> = {
  InitiatingProcessFolderPath: path('Image'),
  InitiatingProcessFileName: nameOf('Image'),
  InitiatingProcessId: path('ProcessId'),
  DeviceName: path('Computer'),
};

/**
 * Defender XDR endpoint tables and the Sysmon fields of the same values (Defender XDR advanced hunting schema; Sysmon's
 * event schema). Registry rows are not read: Defender's `RegistryKey` names the hive in full and leaves out the value
 * name, which Sysmon's `TargetObject` abbreviates and includes.
 */
export const SYSMON_READINGS: Readonly<Record<string, TableReading>> = {
  DeviceProcessEvents: {
    ...SYSMON_READING,
    logSource: 'windows.process_creation',
    hashes: true,
    columns: {
      FolderPath: path('Image'),
      FileName: nameOf('Image'),
      ProcessCommandLine: path('CommandLine'),
      ProcessId: path('ProcessId'),
      InitiatingProcessFolderPath: path('ParentImage'),
      InitiatingProcessFileName: nameOf('ParentImage'),
      InitiatingProcessCommandLine: path('ParentCommandLine'),
      InitiatingProcessId: path('ParentProcessId'),
      ProcessVersionInfoOriginalFileName: path('OriginalFileName'),
      ProcessVersionInfoCompanyName: path('Company'),
      ProcessVersionInfoProductName: path('Product'),
      ProcessVersionInfoFileDescription: path('Description'),
      ProcessIntegrityLevel: path('IntegrityLevel'),
      DeviceName: path('Computer'),
    },
  },
  DeviceFileEvents: { ...SYSMON_READING, logSource: 'windows.file', columns: { ...INITIATOR, FolderPath: path('TargetFilename'), FileName: nameOf('TargetFilename') } },
  DeviceImageLoadEvents: { ...SYSMON_READING, logSource: 'windows.image_load', hashes: true, columns: { ...INITIATOR, FolderPath: path('ImageLoaded'), FileName: nameOf('ImageLoaded') } },
  DeviceNetworkEvents: {
    ...SYSMON_READING,
    logSource: 'windows.network',
    columns: { ...INITIATOR, RemoteIP: path('DestinationIp'), RemotePort: path('DestinationPort'), LocalIP: path('SourceIp'), LocalPort: path('SourcePort') },
  },
};

const CLOUDTRAIL = 'aws.cloudtrail';
const OKTA = 'okta.system';

/**
 * Sentinel tables whose columns copy one field of a raw log each, with the same value (Azure Monitor's table
 * reference; the Okta connector's custom log flattens the System Log's JSON into `path_parts_s` columns): a rule over
 * such a table is read over the raw log with the raw field names. Columns whose value Sentinel stores in another form
 * (`RequestParameters`, `ResponseElements` and `AdditionalEventData` are JSON text there and objects in CloudTrail's
 * JSON, though a member of one is the object's member; `SessionMfaAuthenticated` a boolean there and the string
 * `"true"` in CloudTrail's; Okta's `target_s` an array serialized) or computes (`TimeGenerated`, `Type`) are left
 * out: a test of one is unknown.
 */
export const SENTINEL_READINGS: Readonly<Record<string, TableReading>> = {
  AWSCloudTrail: {
    logSource: CLOUDTRAIL,
    onlyWith: CLOUDTRAIL,
    label: "CloudTrail's JSON field names for AWSCloudTrail columns (EventName as eventName…)",
    raw: "CloudTrail's JSON",
    json: { RequestParameters: 'requestParameters', ResponseElements: 'responseElements', AdditionalEventData: 'additionalEventData' },
    columns: {
      EventName: path('eventName'),
      EventSource: path('eventSource'),
      EventTypeName: path('eventType'),
      EventVersion: path('eventVersion'),
      AwsEventId: path('eventID'),
      AwsRequestId: path('requestID'),
      AWSRegion: path('awsRegion'),
      SourceIpAddress: path('sourceIPAddress'),
      UserAgent: path('userAgent'),
      ErrorCode: path('errorCode'),
      ErrorMessage: path('errorMessage'),
      RecipientAccountId: path('recipientAccountId'),
      ReadOnly: path('readOnly'),
      ManagementEvent: path('managementEvent'),
      VpcEndpointId: path('vpcEndpointId'),
      UserIdentityType: path('userIdentity.type'),
      UserIdentityArn: path('userIdentity.arn'),
      UserIdentityAccountId: path('userIdentity.accountId'),
      UserIdentityPrincipalid: path('userIdentity.principalId'),
      UserIdentityUserName: path('userIdentity.userName'),
      UserIdentityAccessKeyId: path('userIdentity.accessKeyId'),
      UserIdentityInvokedBy: path('userIdentity.invokedBy'),
      SessionIssuerType: path('userIdentity.sessionContext.sessionIssuer.type'),
      SessionIssuerArn: path('userIdentity.sessionContext.sessionIssuer.arn'),
      SessionIssuerUserName: path('userIdentity.sessionContext.sessionIssuer.userName'),
      SessionIssuerAccountId: path('userIdentity.sessionContext.sessionIssuer.accountId'),
      SessionIssuerPrincipalId: path('userIdentity.sessionContext.sessionIssuer.principalId'),
    },
  },
  // the Activity log as Azure Monitor exports it (diagnostic settings: storage, Event Hubs), whose operation names and
  // resource ids Sentinel may spell in another case; ActivityStatusValue is left out (its values are not always the
  // export's resultType: `Success` against `Succeeded`)
  AzureActivity: {
    logSource: 'azure.activity',
    onlyWith: 'azure.activity',
    label: "the exported Activity log's field names for AzureActivity columns (OperationNameValue as operationName…)",
    raw: 'the exported Activity log',
    columns: {
      OperationNameValue: anyCase('operationName'),
      CategoryValue: anyCase('category'),
      CallerIpAddress: path('callerIpAddress'),
      _ResourceId: anyCase('resourceId'),
      ResourceId: anyCase('resourceId'),
      CorrelationId: path('correlationId'),
    },
  },
  Okta_CL: {
    logSource: OKTA,
    onlyWith: OKTA,
    label: "Okta System Log field names for Okta_CL columns (eventType_s as eventType…)",
    raw: "the Okta System Log's JSON",
    columns: {
      eventType_s: path('eventType'),
      legacyEventType_s: path('legacyEventType'),
      displayMessage_s: path('displayMessage'),
      severity_s: path('severity'),
      outcome_result_s: path('outcome.result'),
      outcome_reason_s: path('outcome.reason'),
      actor_id_s: path('actor.id'),
      actor_type_s: path('actor.type'),
      actor_alternateId_s: path('actor.alternateId'),
      actor_displayName_s: path('actor.displayName'),
      client_ipAddress_s: path('client.ipAddress'),
      client_device_s: path('client.device'),
      client_zone_s: path('client.zone'),
      client_userAgent_rawUserAgent_s: path('client.userAgent.rawUserAgent'),
      client_userAgent_os_s: path('client.userAgent.os'),
      client_userAgent_browser_s: path('client.userAgent.browser'),
      client_geographicalContext_country_s: path('client.geographicalContext.country'),
      client_geographicalContext_state_s: path('client.geographicalContext.state'),
      client_geographicalContext_city_s: path('client.geographicalContext.city'),
      authenticationContext_externalSessionId_s: path('authenticationContext.externalSessionId'),
      transaction_id_s: path('transaction.id'),
      debugContext_debugData_requestUri_s: path('debugContext.debugData.requestUri'),
    },
  },
};

/** The file name of a path (after its last `\` or `/`), as KQL reads it: a derivation step. */
const FILE_NAME: Derived['steps'][number] = { fn: 'extract', args: ['[^\\\\/]*$', 0] };

/**
 * SecurityEvent's columns that Log Analytics computes (`Account` is `DOMAIN\\user`, `Activity` the id with its
 * description, `Process` the file name of the process path…) or adds (`TimeGenerated`, `Type`…): a Windows event's own
 * rendering has none of them.
 */
const SECURITY_EVENT_COMPUTED: ReadonlySet<string> = new Set([
  'Account', 'AccountType', 'Activity', 'EventSourceName', 'SourceComputerId', 'EventOriginId', 'MG', 'ManagementGroupName', 'TimeGenerated', 'Type',
  '_ResourceId', 'TenantId', 'SourceSystem', 'LogonTypeName', 'SubjectAccount', 'TargetAccount', 'Process', 'FailureReason', 'EventData', 'TargetUser',
]);

const WINDOWS = 'vendor:windows';

/**
 * A KQL rule over SecurityEvent read over a Windows event as rendered by the event log (evtx as JSON, Winlogbeat's):
 * SecurityEvent's columns are the event's data and System fields by the same names, which Sigma's field resolution
 * finds there (`EventData`, `System`, Winlogbeat's `winlog.event_data`); a column Log Analytics computes is unknown.
 */
function securityEventReading(condition: Expr): HuntReading {
  const computed = (x: Predicate): Expr => {
    const refs = x.values.flatMap((v) => (isFieldRef(v) ? [v.field] : []));
    const f = [x.field, ...derivedFields(x.derived), ...refs].find((n) => SECURITY_EVENT_COMPUTED.has(n) || n.startsWith('_'));
    return f === undefined ? x : opaque(renderPredicate(x), `${f}: a SecurityEvent column Log Analytics computes, which the Windows event does not hold`, x.span);
  };
  const read = mapEachLeaf(condition, (x) => (x.kind === 'pred' ? computed(x) : x.kind === 'each' && SECURITY_EVENT_COMPUTED.has(x.array) ? opaque(x.array, `${x.array}: a SecurityEvent column Log Analytics computes`, x.span) : x));
  return { onlyWith: WINDOWS, condition: read, label: "SecurityEvent's columns in the Windows event's own data (EventData, System)", readAsFormat: 'sigma' };
}

/** Every table read over a raw log, by name. */
const TABLE_READINGS: Readonly<Record<string, TableReading>> = { ...SYSMON_READINGS, ...SENTINEL_READINGS };

/** The hunt's readings of a KQL rule over raw logs (`FormatAdapter.huntReadings`). */
export function kustoHuntReadings(_logSources: readonly string[], condition: Expr, rule?: RuleRecord): readonly HuntReading[] {
  if (!rule) return [];
  const tables = rule.logSources.filter((l) => l.kind === 'table').map((l) => l.name);
  if (tables.length && tables.every((t) => t === 'SecurityEvent')) {
    return [securityEventReading(condition)];
  }
  const t = tables.length === 1 ? tables[0]! : '';
  const table = Object.hasOwn(TABLE_READINGS, t) ? TABLE_READINGS[t] : undefined;
  if (!table) return [];
  const a = rule.logic.aggregation;
  if (a?.sides?.length || a?.correlation) return [];
  // an aggregation without a threshold (`summarize min(TimeGenerated) by …`) has a result row for each event's group
  // whatever its keys are, as KQL groups a missing key too: the reading shares it as written; a threshold's keys and
  // counted columns must be read
  const counted = aggregationDecides(a) || (a?.missingKeys !== undefined && a.missingKeys !== 'group');
  const aggregation = a && counted ? readAggregation(table, a) : undefined;
  if (counted && !aggregation) return [];
  const read = readOver(table, condition);
  return read ? [{ onlyWith: table.onlyWith, logSources: [table.logSource], condition: read, label: table.label, ...(table.readAs ? { readAsFormat: table.readAs } : {}), ...(aggregation ? { aggregation } : {}) }] : [];
}

/** The raw field a column (or a member of a JSON column) is read as. */
function columnOf(table: TableReading, f: string): Column | undefined {
  if (Object.hasOwn(table.columns, f)) return table.columns[f];
  const dot = f.indexOf('.');
  const head = dot > 0 ? f.slice(0, dot) : '';
  return head && table.json && Object.hasOwn(table.json, head) ? path(table.json[head] + f.slice(dot)) : undefined;
}

/** `fn(Column)` with the column read as its raw field; `count()` as it is; undefined for anything else. */
function readFunction(table: TableReading, fn: string): string | undefined {
  const call = aggregateCall(fn);
  if (!call) return fn.includes('(') ? undefined : fn;
  if (call.arg === undefined) return fn;
  const c = columnOf(table, call.arg);
  return c && !c.name ? `${call.name}(${c.field})` : undefined;
}

/**
 * A rule's aggregation read over the raw events: group-by keys and counted columns as their raw fields, counting
 * conditions read as the rule's condition is; undefined when a key or a counted column has no such field (a file
 * name computed from a path included), or the aggregation keeps rows, pairs events or computes its keys.
 */
function readAggregation(table: TableReading, a: Aggregation): Aggregation | undefined {
  if (a.sides?.length || a.correlation || a.keep || a.rules?.length || a.computedKeys?.length || a.derivedKeys?.length) return undefined;
  const groupBy: string[] = [];
  for (const g of a.groupBy) {
    const c = columnOf(table, g);
    const field = c && !c.name ? c.field : table.groupsAs && Object.hasOwn(table.groupsAs, g) ? table.groupsAs[g] : undefined;
    if (field === undefined) return undefined;
    groupBy.push(field);
  }
  const where = (w: Expr | undefined): Expr | undefined => (w ? readOver(table, w) ?? opaque(renderExpr(w), `the counting condition: ${why(table)}`) : undefined);
  let failed = false;
  const fn = (f: string): string => {
    const r = readFunction(table, f);
    if (r === undefined) failed = true;
    return r ?? f;
  };
  const test = <T extends { readonly function: string; readonly where?: Expr }>(t: T): T => ({ ...t, function: fn(t.function), ...(t.where ? { where: where(t.where) } : {}) });
  const th = a.threshold;
  const out: Aggregation = {
    ...a,
    groupBy,
    // the function is counted only against a threshold; without one each group is a result row, whatever it computes
    ...(a.function !== undefined ? { function: th ? fn(a.function) : a.function } : {}),
    ...(th ? { threshold: { ...th, ...(th.where ? { where: where(th.where) } : {}), ...(th.than ? { than: test(th.than) } : {}) } } : {}),
    ...(a.moreThresholds ? { moreThresholds: a.moreThresholds.map(test) } : {}),
    ...(a.orThresholds ? { orThresholds: a.orThresholds.map((alt) => alt.map(test)) } : {}),
  };
  return failed ? undefined : out;
}

/** The condition with each column read as its raw field; undefined when no test can be answered. */
export function readOver(table: TableReading, e: Expr): Expr | undefined {
  let answered = 0;
  const out = mapEachLeaf(e, (x) => {
    if (x.kind === 'pred') {
      const p = predicate(table, x);
      if (p.kind !== 'opaque') answered++;
      return p;
    }
    // an array column: its elements are the table's, which no raw field holds
    return x.kind === 'each' ? opaque(x.array, `${x.array}: ${why(table)}`, x.span) : x;
  });
  return answered ? out : undefined;
}

const why = (t: TableReading): string => `a column ${t.raw} does not hold in the same form (a ${t.logSource} event read for a rule over the table)`;

/** Hexadecimal digits of each hash column. */
const HASH_LENGTH: Readonly<Record<string, number>> = { SHA1: 40, SHA256: 64, MD5: 32 };

/**
 * A hash column equal to one of some hashes, read in Sysmon's `Hashes`: the event lists one of them (case aside: the
 * same file), or lists another hash of that algorithm (no match); an event whose `Hashes` does not list the algorithm
 * cannot tell (unknown).
 */
function hashPredicate(table: TableReading, p: Predicate): Expr | undefined {
  const len = Object.hasOwn(HASH_LENGTH, p.field) ? HASH_LENGTH[p.field]! : undefined;
  if (!table.hashes || len === undefined || p.derived || (p.op !== 'eq' && p.op !== 'in') || p.opts?.match === 'all') return undefined;
  if (!p.values.length || !p.values.every((v) => typeof v === 'string' && v.length === len && /^[0-9a-fA-F]+$/.test(v))) return undefined;
  const listed = pred('Hashes', 'contains', p.values.map((v) => `${p.field}=${String(v)}`), { cs: false }, p.span);
  const unlisted = not(pred('Hashes', 'contains', [`${p.field}=`], { cs: false }, p.span));
  return or(listed, and(unlisted, opaque(renderPredicate(p), `${p.field}: the event's Hashes does not list this algorithm`, p.span)));
}

/** A test whose result does not depend on the case of the value (`=~`, `has`, a case fold, a presence test). */
function caseBlind(p: Predicate): boolean {
  return p.opts?.cs === false || p.op === 'is_null' || p.op === 'is_not_null' || (p.derived?.steps.some((s) => s.fn === 'lower' || s.fn === 'upper') ?? false);
}

function predicate(table: TableReading, p: Predicate): Expr {
  const hash = hashPredicate(table, p);
  if (hash) return hash;
  const col = (f: string): Column | undefined => columnOf(table, f);
  const refs = p.values.flatMap((v) => (isFieldRef(v) ? [v.field] : []));
  const missing = [p.field, ...derivedFields(p.derived), ...refs].find((f) => !col(f));
  if (missing !== undefined) return opaque(renderPredicate(p), `${missing}: ${why(table)}`, p.span);
  // a derived operand that reads other columns, or a column compared with a file name computed from a path: unknown
  // rather than a new derivation written around the old
  if ((p.derived && derivedFields(p.derived).some((f) => f !== p.field)) || refs.some((f) => col(f)!.name)) return opaque(renderPredicate(p), `${p.field}: ${why(table)}`, p.span);
  const c = col(p.field)!;
  if ([p.field, ...refs].some((f) => col(f)!.anyCase) && !caseBlind(p)) return opaque(renderPredicate(p), `${p.field}: ${table.raw} may spell its values in another case than the table does, and this test is case-sensitive`, p.span);
  const values: Value[] = p.values.map((v) => (isFieldRef(v) ? { ...v, field: col(v.field)!.field } : v));
  if (!c.name) return { ...p, field: c.field, values };
  // a file name equal to one of some names (none with a separator): the path is that name or ends with it after a
  // separator, a test of the path itself (which the hunt's prefilter keys on) rather than a derivation of it
  const names = p.values.filter((v): v is string => typeof v === 'string' && !v.includes('\\') && !v.includes('/'));
  if (!p.derived && (p.op === 'eq' || p.op === 'in') && names.length === p.values.length && names.length && p.opts?.match !== 'all') {
    const ends = (sep: string) => pred(c.field, 'ends_with', names.map((n) => sep + n), p.opts, p.span);
    return or(pred(c.field, p.op, names, p.opts, p.span), ends('\\'), ends('/'));
  }
  const steps = [FILE_NAME, ...(p.derived?.steps ?? [])];
  return { ...p, field: c.field, values, derived: { ...(p.derived ?? {}), steps, lang: 'kql' } };
}

