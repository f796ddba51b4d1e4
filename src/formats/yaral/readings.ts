/**
 * The hunt's readings of YARA-L rules over raw logs (`FormatAdapter.huntReadings`). A YARA-L rule tests the UDM event
 * Google SecOps' default parsers make of a log (`metadata.product_event_type`, `target.process.file.full_path`,
 * `principal.user.userid`); here each UDM field is read over the raw log as the parser fills it: Sysmon's `Image` is
 * the launched process's path in a process creation (`target.process.file.full_path`) and the acting process's in a
 * file creation (`principal.process.file.full_path`), so a field is read per event id. A field the parser fills in a
 * way not read here, or for an event id the table does not name, is unknown wherever it is tested: the rule may
 * fire, depending on it.
 *
 * The parsers' mappings were read from Google's published field maps and parser change logs (WINDOWS_SYSMON, WINEVTLOG,
 * AWS_CLOUDTRAIL, OKTA, GITHUB; GCP_CLOUDAUDIT through the other Google Cloud parsers'; WORKSPACE_ACTIVITY's change log) and, where those are silent,
 * from how Google's own rules (`chronicle/detection-rules`, `rules/community`) test the fields (`docs/hunt.md` says which is which). `metadata.product_event_type` of a Windows
 * event is its id as text (`"1"`), as Google's current rules test it and the WINEVTLOG map writes it (an older
 * WINDOWS_SYSMON map wrote `Category [1]`).
 */
import { and, FALSE, not, opaque, or, pred, type Each, type Expr, type Predicate, type TransformStep } from '../../model/expr.ts';
import { renderPredicate } from '../../model/render.ts';
import type { RuleRecord } from '../../model/rule.ts';
import type { HuntReading } from '../adapter.ts';
import { addressIn, byEventId, computed, constant, derivedFrom, ENTRA_EXPORT, eventId, onField, path, SECURITY_EVENT_LOG, stringValues, SYSMON_EVENT_IDS, SYSMON_EVENT_LOG, tableReading, WORKSPACE_EVENT, type Column, type TableReading } from '../readings.ts';
import { applicationIs, fromEither, parameter, WORKSPACE_APPLICATION } from '../workspace.ts';

/** A test whose values are other fields (`$e.a = $e.b`): not read per event id. */
const refersToFields = (p: Predicate): boolean => p.values.some((v) => typeof v === 'object' && v !== null);

/**
 * A UDM field a parser does not set reads as its zero value ("" for a string) in YARA-L: the readings' derivations
 * follow KQL's semantics, whose string functions give "" where the raw field is missing.
 */
const UDM_LANG = 'kql';

/**
 * A UDM field the parser fills from another raw field for each event id (`target.process.file.full_path`: `Image`
 * for 1, `TargetImage` for 10); for an id the table does not name, unknown.
 */
function perId(byId: Readonly<Record<number, string>>, steps: Readonly<Record<string, readonly TransformStep[]>> = {}): Column {
  const fields = new Map<string, number[]>();
  for (const [id, f] of Object.entries(byId)) fields.set(f, [...(fields.get(f) ?? []), Number(id)]);
  const ids = Object.keys(byId).map(Number);
  return computed((p, lang) => {
    if (refersToFields(p)) return undefined;
    const known = [...fields].map(([f, is]) => and(eventId(is, p), onField(p, f, steps[f] ?? [], lang)));
    return or(...known, and(not(eventId(ids, p)), opaque(renderPredicate(p), `${p.field}: the parser's source of it for this event id is not read here`, p.span)));
  });
}

/** `metadata.product_event_type` of a Windows event: its id as text. */
const productEventType: Column = computed((p) => {
  const vs = stringValues(p);
  if (!vs) return undefined;
  const ids = vs.filter((v) => /^\d+$/.test(v)).map(Number);
  // a value that is not an id's text is never the parser's
  return ids.length ? eventId(ids, p) : FALSE;
});

/** `DOMAIN\name` split at its last backslash: the parser's user id is the name, its administrative domain the domain. */
const AFTER_DOMAIN = { fn: 'replace', args: ['^.*\\\\', '', 'regex'] } as const;
const DOMAIN = { fn: 'extract', args: ['^(.*)\\\\', 1] } as const;

const WINDOWS_COMMON: Readonly<Record<string, Column>> = {
  'metadata.product_event_type': productEventType,
  'metadata.product_name': path('Provider_Name'),
  'metadata.vendor_name': constant('Microsoft'),
  'principal.hostname': path('Computer'),
};

// ---------------------------------------------------------------------------------------------------------------
// Sysmon (WINDOWS_SYSMON)

/** The event types the parser gives Sysmon's events. */
const SYSMON_EVENT_TYPES: Readonly<Record<number, readonly string[]>> = {
  1: ['PROCESS_LAUNCH'], 2: ['FILE_MODIFICATION'], 3: ['NETWORK_CONNECTION'], 10: ['PROCESS_OPEN'], 11: ['FILE_CREATION'], 12: ['REGISTRY_CREATION'],
  13: ['REGISTRY_MODIFICATION'], 18: ['PROCESS_UNCATEGORIZED'], 22: ['NETWORK_DNS'],
};

/** Sysmon events with a `User` (the acting process's user). */
const USER_EVENTS = [1, 2, 3, 11, 12, 13, 22];
const sysmonUser = (steps: readonly TransformStep[]) => perId(Object.fromEntries(USER_EVENTS.map((id) => [id, 'User'])), { User: steps });

/**
 * The UDM event-type family of each Sysmon event id, where the table above does not name its type: a process event's
 * type is a `PROCESS_…` one, a file event's a `FILE_…` one (the parser's types follow Sysmon's own kinds of event), so a
 * test of a type of another family is false there; a type of the family, unknown.
 */
const SYSMON_FAMILIES: Readonly<Record<number, string>> = {
  5: 'PROCESS_', 7: 'PROCESS_', 8: 'PROCESS_', 9: 'PROCESS_', 17: 'PROCESS_', 25: 'PROCESS_',
  14: 'REGISTRY_', 15: 'FILE_', 23: 'FILE_', 26: 'FILE_', 27: 'FILE_', 28: 'FILE_', 29: 'FILE_',
};

/** `metadata.event_type` of a Sysmon event: the table's type for its id, else false outside the id's family. */
const sysmonEventType: Column = computed((p, lang) => {
  const vs = stringValues(p);
  if (!vs) return undefined;
  const named = byEventId(SYSMON_EVENT_TYPES, 'metadata.event_type').read!(p, lang)!;
  const all = [...Object.keys(SYSMON_EVENT_TYPES), ...Object.keys(SYSMON_FAMILIES)].map(Number);
  const up = (v: string) => (p.opts?.cs === false ? v.toUpperCase() : v);
  const byFamily = [...new Set(Object.values(SYSMON_FAMILIES))].map((family) => {
    const ids = Object.entries(SYSMON_FAMILIES).filter(([, f]) => f === family).map(([id]) => Number(id));
    const inFamily = vs.some((v) => up(v).startsWith(family));
    return and(eventId(ids, p), inFamily ? opaque(renderPredicate(p), `metadata.event_type: the parser's type for this event id is not read here (a ${family}… type)`, p.span) : FALSE);
  });
  const known = Object.keys(SYSMON_EVENT_TYPES).map(Number);
  return or(and(eventId(known, p), named), ...byFamily, and(not(eventId(all, p)), opaque(renderPredicate(p), "metadata.event_type: the parser's type for this event id is not read here", p.span)));
});

const SYSMON_UDM: TableReading = {
  lang: UDM_LANG,
  logSource: 'vendor:windows/sysmon',
  onlyWith: SYSMON_EVENT_LOG,
  label: "Sysmon's fields as the WINDOWS_SYSMON parser fills UDM (target.process.file.full_path as Image, principal.process.file.full_path as ParentImage…)",
  raw: 'Sysmon as the WINDOWS_SYSMON parser fills UDM',
  readAs: 'sigma',
  columns: {
    ...WINDOWS_COMMON,
    'metadata.event_type': sysmonEventType,
    'target.process.file.full_path': perId({ 1: 'Image', 10: 'TargetImage' }),
    'target.process.command_line': perId({ 1: 'CommandLine' }),
    'target.process.pid': perId({ 1: 'ProcessId', 10: 'TargetProcessId' }),
    'principal.process.file.full_path': perId({ 1: 'ParentImage', 2: 'Image', 3: 'Image', 10: 'SourceImage', 11: 'Image', 12: 'Image', 13: 'Image' }),
    'principal.process.command_line': perId({ 1: 'ParentCommandLine' }),
    'principal.process.pid': perId({ 1: 'ParentProcessId', 10: 'SourceProcessId' }),
    'principal.user.userid': sysmonUser([AFTER_DOMAIN]),
    'principal.administrative_domain': sysmonUser([DOMAIN]),
    'target.file.full_path': perId({ 2: 'TargetFilename', 11: 'TargetFilename' }),
    'target.registry.registry_key': perId({ 12: 'TargetObject', 13: 'TargetObject' }),
    'target.registry.registry_value_data': perId({ 13: 'Details' }),
    'target.resource.name': perId({ 10: 'GrantedAccess' }),
    'target.ip': perId({ 3: 'DestinationIp' }),
    'target.port': perId({ 3: 'DestinationPort' }),
    'principal.ip': perId({ 3: 'SourceIp' }),
    'principal.port': perId({ 3: 'SourcePort' }),
    'network.dns.questions.name': perId({ 22: 'QueryName' }),
  },
};

// ---------------------------------------------------------------------------------------------------------------
// The Security log (WINEVTLOG)

const SECURITY_EVENT_TYPES: Readonly<Record<number, readonly string[]>> = { 4688: ['PROCESS_LAUNCH'], 4624: ['USER_LOGIN'], 4625: ['USER_LOGIN'], 4720: ['USER_CREATION'] };

const SECURITY_UDM: TableReading = {
  lang: UDM_LANG,
  logSource: 'vendor:windows/security',
  onlyWith: SECURITY_EVENT_LOG,
  label: "the Security event's fields as the WINEVTLOG parser fills UDM (target.process.file.full_path as NewProcessName, target.user.userid as TargetUserName…)",
  raw: 'the Security event as the WINEVTLOG parser fills UDM',
  readAs: 'sigma',
  columns: {
    ...WINDOWS_COMMON,
    'metadata.event_type': byEventId(SECURITY_EVENT_TYPES, 'metadata.event_type'),
    'target.process.file.full_path': perId({ 4688: 'NewProcessName' }),
    'principal.process.file.full_path': perId({ 4688: 'ParentProcessName' }),
    'principal.user.userid': perId({ 4688: 'SubjectUserName', 4624: 'SubjectUserName', 4625: 'SubjectUserName', 4720: 'SubjectUserName' }),
    'target.user.userid': perId({ 4624: 'TargetUserName', 4625: 'TargetUserName', 4720: 'TargetUserName' }),
    'principal.ip': perId({ 4624: 'IpAddress', 4625: 'IpAddress' }),
    'principal.port': perId({ 4624: 'IpPort', 4625: 'IpPort' }),
  },
};

// ---------------------------------------------------------------------------------------------------------------
// AWS CloudTrail (AWS_CLOUDTRAIL)

/** `principal.ip`: CloudTrail's `sourceIPAddress`. */
const sourceIp = addressIn('sourceIPAddress');

/** `metadata.event_type`: `USER_LOGIN` for a console sign-in; for other calls the parser's table is not read here. */
const cloudTrailEventType: Column = computed((p): Expr | undefined => {
  const vs = stringValues(p);
  if (!vs) return undefined;
  const login = pred('eventName', 'eq', ['ConsoleLogin'], { cs: true }, p.span);
  const hit = vs.some((v) => (p.opts?.cs === false ? v.toUpperCase() : v) === 'USER_LOGIN');
  return or(...(hit ? [login] : []), and(not(login), opaque(renderPredicate(p), "metadata.event_type: the parser's event type for this call is not read here", p.span)));
});

const CLOUDTRAIL_UDM: TableReading = {
  lang: UDM_LANG,
  logSource: 'aws.cloudtrail',
  onlyWith: 'aws.cloudtrail',
  label: "CloudTrail's JSON as the AWS_CLOUDTRAIL parser fills UDM (metadata.product_event_type as eventName, target.application as eventSource…)",
  raw: "CloudTrail's JSON as the AWS_CLOUDTRAIL parser fills UDM",
  columns: {
    'metadata.log_type': constant('AWS_CLOUDTRAIL'),
    'metadata.vendor_name': constant('AMAZON'),
    'metadata.product_name': constant('AWS CloudTrail'),
    'metadata.product_event_type': path('eventName'),
    'metadata.event_type': cloudTrailEventType,
    'target.application': path('eventSource'),
    'principal.ip': sourceIp,
    'network.http.user_agent': path('userAgent'),
    'principal.location.name': path('awsRegion'),
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Okta System Log (OKTA), GitHub audit log (GITHUB), Google Cloud audit log (GCP_CLOUDAUDIT)

/**
 * A UDM field whose value is one of a few words, each a test of the raw event (`security_result.action` `BLOCK` for
 * an Okta outcome of FAILURE or DENY); a word the table does not name is unknown (the parser may write it).
 */
function udmWords(table: Readonly<Record<string, (p: Predicate) => Expr>>, what: string): Column {
  return computed((p) => {
    const vs = stringValues(p);
    if (!vs) return undefined;
    const up = (v: string) => (p.opts?.cs === false ? v.toUpperCase() : v);
    const known = (p2: Predicate) => or(...Object.values(table).map((f) => f(p2)));
    return or(
      ...vs.map((v) => (Object.hasOwn(table, up(v)) ? table[up(v)]!(p) : FALSE)),
      and(not(known(p)), opaque(renderPredicate(p), `${what}: the parser's value for this event is not read here`, p.span)),
    );
  });
}

/** Okta's outcome, in any case. */
const oktaResult = (values: readonly string[]) => (p: Predicate): Expr => pred('outcome.result', 'in', [...values], { cs: false }, p.span);

const OKTA_UDM: TableReading = {
  lang: UDM_LANG,
  logSource: 'okta.system',
  onlyWith: 'okta.system',
  label: 'the Okta System Log as the OKTA parser fills UDM (metadata.product_event_type as eventType, security_result.summary as displayMessage…)',
  raw: 'the Okta System Log as the OKTA parser fills UDM',
  // the parser writes one security result for an event (its summary, action and reason)
  single: ['security_result'],
  columns: {
    'metadata.log_type': constant('OKTA'),
    'metadata.vendor_name': constant('Okta'),
    'metadata.product_name': constant('Okta'),
    'metadata.product_event_type': path('eventType'),
    'metadata.product_log_id': path('uuid'),
    // the actor's `alternateId`: an address `name@domain` is the user's address and `name` its id; another is the id
    'principal.user.userid': derivedFrom('actor.alternateId', [{ fn: 'replace', args: ['@.*$', '', 'regex'] }]),
    'principal.user.email_addresses': computed((p) => (!p.derived && (p.op === 'eq' || p.op === 'in') && p.values.length && p.values.every((v) => typeof v === 'string' && v.includes('@')) ? onField(p, 'actor.alternateId') : undefined)),
    'principal.user.user_display_name': path('actor.displayName'),
    'principal.ip': path('client.ipAddress'),
    'network.http.user_agent': path('client.userAgent.rawUserAgent'),
    'principal.location.city': path('client.geographicalContext.city'),
    'principal.location.state': path('client.geographicalContext.state'),
    'principal.location.country_or_region': path('client.geographicalContext.country'),
    'security_result.summary': path('displayMessage'),
    'security_result.category_details': path('outcome.reason'),
    'network.session_id': path('transaction.id'),
    // SUCCESS and ALLOW as ALLOW, FAILURE and DENY as BLOCK (as Google's Okta rules test them; the field map names
    // only the source), UNANSWERED and ABANDONED as QUARANTINE (the parser's change log)
    'security_result.action': udmWords(
      { ALLOW: oktaResult(['SUCCESS', 'ALLOW']), BLOCK: oktaResult(['FAILURE', 'DENY']), QUARANTINE: oktaResult(['UNANSWERED', 'ABANDONED']) },
      'security_result.action',
    ),
  },
};

const GITHUB_UDM: TableReading = {
  lang: UDM_LANG,
  logSource: 'github.audit',
  onlyWith: 'github.audit',
  label: "GitHub's audit log as the GITHUB parser fills UDM (metadata.product_event_type as action, principal.user.userid as actor…)",
  raw: "GitHub's audit log as the GITHUB parser fills UDM",
  columns: {
    'metadata.log_type': constant('GITHUB'),
    // the vendor's and product's names as Google's GitHub rules test them (the field map does not name them)
    'metadata.vendor_name': constant('GITHUB'),
    'metadata.product_name': constant('GITHUB'),
    'metadata.product_event_type': path('action'),
    'principal.user.userid': path('actor'),
    'principal.ip': path('actor_ip'),
    'principal.location.country_or_region': path('actor_location.country_code'),
    'target.resource.name': path('repo'),
    'target.administrative_domain': path('org'),
    'target.user.userid': path('user'),
    'network.http.user_agent': path('user_agent'),
  },
};

/** `principal.ip`: the caller's address (`gce-internal-ip` and `private` are not addresses). */
const callerIp = addressIn('protoPayload.requestMetadata.callerIp');

const GCP_UDM: TableReading = {
  lang: UDM_LANG,
  logSource: 'gcp.audit',
  onlyWith: 'gcp.audit',
  label: 'the Cloud Audit Log as the GCP_CLOUDAUDIT parser fills UDM (metadata.product_event_type as protoPayload.methodName, target.application as serviceName…)',
  raw: 'the Cloud Audit Log as the GCP_CLOUDAUDIT parser fills UDM',
  columns: {
    'metadata.log_type': constant('GCP_CLOUDAUDIT'),
    'metadata.product_event_type': path('protoPayload.methodName'),
    'target.application': path('protoPayload.serviceName'),
    'target.resource.name': path('protoPayload.resourceName'),
    'principal.user.email_addresses': path('protoPayload.authenticationInfo.principalEmail'),
    'principal.ip': callerIp,
    'network.http.user_agent': path('protoPayload.requestMetadata.callerSuppliedUserAgent'),
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Google Workspace's Reports API events (WORKSPACE_ACTIVITY), one event a record (`WORKSPACE_EVENT`). Google's field map
// for this parser could not be read here: the product, event name and event type below are as every Google rule over
// it tests them (the application's and the event's own names), the addresses and parameters as its change log
// describes them (a parameter in a label of its own name; drive's target user in `target.user.email_addresses`; the
// actor's profile id is not its user id), and the actor's address as its user id an inference (`docs/hunt.md`).

/** A field the parser fills for some applications' events from one parameter; unknown on the others'. */
function onlyFor(apps: readonly string[], field: string, what: string, steps: readonly TransformStep[] = []): Column {
  return computed((p, lang) => or(and(applicationIs(apps, p), onField(p, field, steps, lang)), and(not(applicationIs(apps, p)), opaque(renderPredicate(p), `${what}: the parser's source of it for this application's events is not read here`, p.span))));
}

const WORKSPACE_UDM: TableReading = {
  lang: UDM_LANG,
  logSource: 'google_workspace',
  onlyWith: WORKSPACE_EVENT,
  label: "the Reports API event as the WORKSPACE_ACTIVITY parser fills UDM (metadata.product_event_type as name, metadata.product_name as the application…)",
  raw: 'the Reports API event as the WORKSPACE_ACTIVITY parser fills UDM',
  single: ['security_result'],
  columns: {
    'metadata.log_type': constant('WORKSPACE_ACTIVITY'),
    'metadata.vendor_name': constant('Google Workspace'),
    'metadata.product_name': path(WORKSPACE_APPLICATION),
    'metadata.product_event_type': path('name'),
    'security_result.category_details': path('type'),
    // the event types Google's rules pair with the events they test
    'metadata.event_type': udmWords(
      {
        USER_RESOURCE_UPDATE_PERMISSIONS: (p) => and(applicationIs(['admin'], p), pred('name', 'eq', ['ASSIGN_ROLE'], { cs: true }, p.span)),
        USER_RESOURCE_CREATION: (p) => and(applicationIs(['admin'], p), pred('name', 'eq', ['CREATE_ROLE'], { cs: true }, p.span)),
        GROUP_MODIFICATION: (p) => and(applicationIs(['admin'], p), pred('name', 'eq', ['ADD_GROUP_MEMBER'], { cs: true }, p.span)),
        EMAIL_TRANSACTION: (p) => or(and(applicationIs(['gmail'], p), pred('name', 'eq', ['delivery'], { cs: true }, p.span)), and(applicationIs(['drive'], p), pred('name', 'eq', ['email_as_attachment'], { cs: true }, p.span))),
      },
      'metadata.event_type',
    ),
    'principal.user.email_addresses': path('actor.email'),
    'principal.user.userid': path('actor.email'),
    'principal.ip': path('ipAddress'),
    'target.resource.name': fromEither([parameter(['drive'], 'doc_title'), parameter(['admin'], 'SETTING_NAME')]),
    // a count's argument: drive's document id (a plain field, as a count needs: other applications' events have no such parameter)
    'target.resource.product_object_id': path('parameters.doc_id'),
    'target.application': fromEither([parameter(['admin'], 'APPLICATION_NAME')]),
    'target.resource.attribute.labels["visibility"]': fromEither([parameter(['drive'], 'visibility')]),
    'target.resource.attribute.labels["new_value"]': fromEither([parameter(['admin'], 'NEW_VALUE')]),
    'target.labels["new_value"]': fromEither([parameter(['admin'], 'NEW_VALUE')]),
    // a label's text; a missing parameter is UDM's zero value "" (KQL's tostring of null), not EQL's string() null
    'about.labels["is_suspicious"]': fromEither([parameter(['login'], 'is_suspicious', [{ fn: 'tostring' }])]),
    'target.user.email_addresses': onlyFor(['drive'], 'parameters.target_user', 'target.user.email_addresses'),
    'target.group.email_addresses': fromEither([parameter(['admin'], 'GROUP_EMAIL')]),
    'src.user.email_addresses': fromEither([parameter(['admin'], 'USER_EMAIL')]),
    'network.email.subject': onlyFor(['gmail'], 'parameters.message_info.subject', 'network.email.subject'),
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Microsoft 365 (OFFICE_365) and Entra ID (AZURE_AD, AZURE_AD_AUDIT). Google's field maps for these parsers could not
// be read here; what follows is as Google's own rules over them test the fields (`chronicle/detection-rules`,
// `rules/community/microsoft`), as the parsers' change logs describe them, or, where marked, inferred (`docs/hunt.md`).

/** A word of one of these lists, in the raw field (its case as the rules write it). */
const fieldIn = (field: string, values: readonly string[], p: Predicate, cs = true): Expr => pred(field, 'in', [...values], { cs }, p.span);
const fieldStarts = (field: string, prefix: string, p: Predicate): Expr => pred(field, 'starts_with', [prefix], { cs: true }, p.span);

/** A UDM field the parser fills on some events from a raw field, and on the others in a way not read here. */
function onlyWhere(when: (p: Predicate) => Expr, field: string, what: string, steps: readonly TransformStep[] = []): Column {
  return computed((p, lang) => (refersToFields(p) ? undefined : or(and(when(p), onField(p, field, steps, lang)), and(not(when(p)), opaque(renderPredicate(p), `${what}: the parser's source of it for this operation is not read here`, p.span)))));
}

/**
 * `security_result.detection_fields["K"]` of an Exchange cmdlet's record: the value of its parameter K (the record's
 * `Parameters`, a list of `{Name, Value}`), as Google's rules test `UnifiedAuditLogIngestionEnabled`.
 */
const M365_DETECTION_FIELD = 'security_result.detection_fields["';
function m365Parameter(rest: string): Column | undefined {
  if (!rest.endsWith('"]')) return undefined;
  const name = rest.slice(0, -2);
  return computed((p) => {
    if (p.derived || refersToFields(p) || p.op === 'is_null' || p.op === 'is_not_null' || p.op === 'ne') return undefined;
    const each: Each = { kind: 'each', quant: 'any', array: 'Parameters', expr: and(pred('.Name', 'eq', [name], { cs: true }, p.span), { ...p, field: '.Value' }), ...(p.span ? { span: p.span } : {}) };
    return each;
  });
}

const m365Operation = (ops: readonly string[]) => (p: Predicate): Expr => fieldIn('Operation', ops, p);
const m365Login = (p: Predicate): Expr => fieldIn('Operation', ['UserLoggedIn'], p);

const M365_UDM: TableReading = {
  lang: UDM_LANG,
  logSource: 'm365.audit',
  onlyWith: 'm365.audit',
  label: "the Management Activity API's record as the OFFICE_365 parser fills UDM (metadata.product_event_type as Operation, target.application as Workload…)",
  raw: 'the Management Activity API record as the OFFICE_365 parser fills UDM',
  single: ['security_result'],
  // a sign-in's user (`target.user.userid`) groups the events as the record's user id does
  groupsAs: { 'target.user.userid': 'UserId' },
  prefixes: { [M365_DETECTION_FIELD]: m365Parameter },
  columns: {
    'metadata.log_type': constant('OFFICE_365'),
    'metadata.vendor_name': constant('Microsoft'),
    'metadata.product_name': constant('Office 365'),
    // verbatim: Entra ID's operations keep their closing period in this log ("Add member to role.")
    'metadata.product_event_type': path('Operation'),
    'target.application': path('Workload'),
    'principal.user.userid': path('UserId'),
    // the address as the record writes it (an Exchange record's may carry a port: read as written)
    'principal.ip': path('ClientIP'),
    'target.user.userid': onlyWhere(m365Login, 'UserId', 'target.user.userid'),
    'target.resource.product_object_id': onlyWhere(m365Login, 'ApplicationId', 'target.resource.product_object_id'),
    'network.http.user_agent': onlyWhere((p) => fieldIn('Workload', ['Exchange'], p), 'ClientInfoString', 'network.http.user_agent'),
    // the event types Google's rules pair with the operations they test; another operation's type is not read
    'metadata.event_type': udmWords(
      {
        USER_LOGIN: m365Operation(['UserLoggedIn']),
        USER_RESOURCE_ACCESS: m365Operation(['FileAccessed', 'AnonymousLinkUsed']),
        USER_RESOURCE_UPDATE_CONTENT: (p) => or(m365Operation(['FileDownloaded', 'Update policy.'])(p), fieldStarts('Operation', 'Update application', p)),
        USER_RESOURCE_CREATION: m365Operation(['AnonymousLinkCreated', 'Add application.']),
        USER_RESOURCE_UPDATE_PERMISSIONS: m365Operation(['Add delegated permission grant.']),
        STATUS_UPDATE: m365Operation(['AnonymousLinkUpdated']),
        EMAIL_UNCATEGORIZED: m365Operation(['MailItemsAccessed']),
        SETTING_CREATION: m365Operation(['Set-AdminAuditLogConfig']),
        USER_CHANGE_PERMISSIONS: m365Operation(['MemberRemoved']),
        USER_CREATION: m365Operation(['Add user.']),
        USER_UNCATEGORIZED: m365Operation(['Add member to role.']),
        GROUP_CREATION: m365Operation(['Add group.']),
        GROUP_DELETION: m365Operation(['Delete group.']),
        GROUP_MODIFICATION: m365Operation(['Add member to group.', 'Remove member from group.']),
      },
      'metadata.event_type',
    ),
    // ALLOW for a success, UNKNOWN_ACTION without a result (Teams' records), as Google's rules test them; BLOCK for a
    // failure (inferred: a rule tests BLOCK on a failed group creation); another result (PartiallySucceeded) unknown
    'security_result.action': udmWords(
      {
        ALLOW: (p) => fieldIn('ResultStatus', ['Succeeded', 'Success', 'True'], p, false),
        BLOCK: (p) => fieldIn('ResultStatus', ['Failed', 'Failure', 'False'], p, false),
        UNKNOWN_ACTION: (p) => pred('ResultStatus', 'is_null', [], {}, p.span),
      },
      'security_result.action',
    ),
  },
};

/** The export's operation (Entra ID's `activityDisplayName`, as the operation's name), in its record or its properties. */
const ENTRA_ACTIVITY = 'operationName';
const entraActivity = (ops: readonly string[]) => (p: Predicate): Expr => fieldIn(ENTRA_ACTIVITY, ops, p);

/**
 * `target.resource.attribute.labels["K"]` (and `src.`'s) of a directory audit record: the new (old) value of its
 * target's modified property K, without the JSON quotes the export writes around it (`"\"62e90394-…\""`; Google's
 * rules compare the bare value).
 */
function entraModified(side: 'newValue' | 'oldValue'): (rest: string) => Column | undefined {
  return (rest) => {
    if (!rest.endsWith('"]')) return undefined;
    const name = rest.slice(0, -2);
    return computed((p) => {
      if (p.derived || refersToFields(p) || p.op === 'is_null' || p.op === 'is_not_null' || p.op === 'ne') return undefined;
      const value: Predicate = { ...p, field: `.${side}`, derived: { steps: [{ fn: 'replace', args: ['^"|"$', '', 'regex'] }], lang: 'kql' } };
      const property: Each = { kind: 'each', quant: 'any', array: '.modifiedProperties', expr: and(pred('.displayName', 'eq', [name], { cs: true }, p.span), value) };
      const target: Each = { kind: 'each', quant: 'any', array: 'properties.targetResources', expr: property, ...(p.span ? { span: p.span } : {}) };
      return target;
    });
  };
}

/** Entra ID's directory audit records of the diagnostic export, as the AZURE_AD_AUDIT parser fills UDM. */
const ENTRA_AUDIT_UDM: TableReading = {
  lang: UDM_LANG,
  logSource: 'entra.audit',
  onlyWith: ENTRA_EXPORT,
  label: "Entra ID's exported audit record as the AZURE_AD_AUDIT parser fills UDM (metadata.product_event_type as the activity, principal.user.userid as the initiator…)",
  raw: "Entra ID's exported audit record as the AZURE_AD_AUDIT parser fills UDM",
  single: ['security_result'],
  prefixes: { 'target.resource.attribute.labels["': entraModified('newValue'), 'src.resource.attribute.labels["': entraModified('oldValue') },
  columns: {
    'metadata.log_type': constant('AZURE_AD_AUDIT'),
    'metadata.vendor_name': constant('Microsoft'),
    'metadata.product_name': constant('Azure AD Directory Audit'),
    // the activity's name, without the closing period Microsoft 365's log gives it
    'metadata.product_event_type': path(ENTRA_ACTIVITY),
    'principal.user.userid': path('properties.initiatedBy.user.userPrincipalName'),
    'principal.ip': path('properties.initiatedBy.user.ipAddress'),
    'security_result.category_details': path('properties.category'),
    'metadata.event_type': udmWords(
      {
        USER_CHANGE_PERMISSIONS: entraActivity(['Add member to role']),
        SERVICE_CREATION: entraActivity(['Add application', 'Restore application']),
        SETTING_DELETION: entraActivity(['Delete application', 'Hard Delete application']),
        SERVICE_MODIFICATION: (p) => fieldStarts(ENTRA_ACTIVITY, 'Update application', p),
        GROUP_DELETION: entraActivity(['Delete group']),
        USER_CREATION: entraActivity(['Add user']),
        USER_UNCATEGORIZED: entraActivity(['Add member to role outside of PIM (permanent)']),
      },
      'metadata.event_type',
    ),
    // ALLOW for a success, as Google's rules test it; another result's action is not read
    'security_result.action': udmWords({ ALLOW: (p) => fieldIn('properties.result', ['success'], p, false) }, 'security_result.action'),
  },
};

/** Entra ID's sign-in records of the diagnostic export, as the AZURE_AD parser fills UDM. */
const ENTRA_SIGNIN_UDM: TableReading = {
  lang: UDM_LANG,
  logSource: 'entra.signin',
  onlyWith: ENTRA_EXPORT,
  label: "Entra ID's exported sign-in as the AZURE_AD parser fills UDM (target.user.userid as userPrincipalName, security_result.rule_id as the error code…)",
  raw: "Entra ID's exported sign-in as the AZURE_AD parser fills UDM",
  single: ['security_result'],
  columns: {
    'metadata.log_type': constant('AZURE_AD'),
    'metadata.vendor_name': constant('Microsoft'),
    'metadata.product_name': constant('Azure AD'),
    'metadata.event_type': constant('USER_LOGIN'),
    'target.user.userid': path('properties.userPrincipalName'),
    'target.user.user_display_name': path('properties.userDisplayName'),
    'target.application': path('properties.appDisplayName'),
    'target.resource.attribute.labels["App Id"]': path('properties.appId'),
    'principal.ip': path('properties.ipAddress'),
    'network.http.user_agent': path('properties.userAgent'),
    'network.session_id': path('properties.sessionId'),
    // the error code as text ("0" a success)
    'security_result.rule_id': derivedFrom('properties.status.errorCode', [{ fn: 'tostring' }]),
    // ALLOW for a success (error code 0), as Google's rules test it; a failure's action is not read
    'security_result.action': udmWords({ ALLOW: (p) => pred('properties.status.errorCode', 'eq', [0], { typing: 'loose' }, p.span) }, 'security_result.action'),
  },
};

/**
 * Rule log sources whose rules are read over Sysmon's events (those of its event ids too: a rule naming its events
 * by id alone has them, see `windowsById` in vocabulary.ts), and over the Security log's.
 */
const OVER_SYSMON = new Set(['vendor:chronicle/windows/sysmon', 'vendor:chronicle/sysmon', 'vendor:chronicle/windows', 'vendor:chronicle/windows/process_creation', ...Object.values(SYSMON_EVENT_IDS)]);
const OVER_SECURITY = new Set(['vendor:chronicle/windows/security', 'vendor:chronicle/windows security events', 'vendor:chronicle/windows', 'vendor:chronicle/windows/process_creation', 'windows.process_creation', 'windows.security']);

/**
 * The hunt's readings of a YARA-L rule over raw logs (`FormatAdapter.huntReadings`): over Sysmon's and the Security
 * log's events for a rule on Windows events, over CloudTrail's JSON for a rule on CloudTrail.
 */
export function yaralHuntReadings(logSources: readonly string[], condition: Expr, rule?: RuleRecord): readonly HuntReading[] {
  if (!rule) return [];
  const tables: TableReading[] = [];
  if (logSources.some((l) => OVER_SYSMON.has(l))) tables.push(SYSMON_UDM);
  if (logSources.some((l) => OVER_SECURITY.has(l))) tables.push(SECURITY_UDM);
  if (logSources.includes('aws.cloudtrail')) tables.push(CLOUDTRAIL_UDM);
  if (logSources.includes('okta.system')) tables.push(OKTA_UDM);
  if (logSources.includes('github.audit')) tables.push(GITHUB_UDM);
  if (logSources.includes('gcp.audit')) tables.push(GCP_UDM);
  if (logSources.includes('google_workspace')) tables.push(WORKSPACE_UDM);
  if (logSources.includes('m365.audit')) tables.push(M365_UDM);
  // Entra ID: both of the export's kinds of record for a rule over either (the vocabulary names the sign-ins for rules
  // over the directory audit too; the product's name tells them apart)
  if (logSources.includes('entra.signin') || logSources.includes('entra.audit')) tables.push(ENTRA_AUDIT_UDM, ENTRA_SIGNIN_UDM);
  return tables.flatMap((t) => tableReading(t, condition, rule));
}
