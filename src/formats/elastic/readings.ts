/**
 * The hunt's readings of Elastic rules over raw logs (`FormatAdapter.huntReadings`): an Elastic rule tests the ECS
 * document Elastic's integrations make of a log, and is read here over the raw log itself, each ECS field as the raw
 * field the integration's ingest pipeline copies it from, or computes it from the way the pipeline does
 * (`process.name`, the file name of `Image`; `process.args`, the command line split as Windows splits it;
 * `event.outcome` of CloudTrail, from its error fields) (`src/formats/readings.ts`). A field the pipeline computes in a
 * way no test of the raw event can say (`aws.cloudtrail.request_parameters`, the request object printed as a Java
 * map in hash order) or that another component adds (`host.id`, Elastic Defend's `process.code_signature.*`) is
 * unknown wherever it is tested: the rule may fire, depending on it.
 *
 * What each pipeline does was read from the `elastic/integrations` repository's ingest pipelines (`docs/hunt.md`
 * names the versions): AWS CloudTrail (`packages/aws/data_stream/cloudtrail`), Windows Sysmon
 * (`packages/windows/data_stream/sysmon_operational`, package 1.47.0; the image-load event as the newer pipeline's
 * tests show it), Windows Security (`security_standard`) and PowerShell Operational (`powershell_operational`), Okta
 * (`packages/okta/data_stream/system`), Kubernetes (`packages/kubernetes/data_stream/audit_logs`), Google Cloud
 * (`packages/gcp/data_stream/audit`), GitHub (`packages/github/data_stream/audit`), Azure (`packages/azure/data_stream/
 * activitylogs`, `signinlogs`, `auditlogs`), Microsoft 365 (`packages/o365/data_stream/audit`) and Google Workspace
 * (`packages/google_workspace/data_stream/admin`, `login`, `drive`, `token`, `device`, `user_accounts`). A document of one
 * data set holds none of another's fields: a column of another integration's namespace is a missing field there.
 *
 * A Windows event is read only in the event log's own form (`SYSMON_EVENT_LOG`, `SECURITY_EVENT_LOG`,
 * `POWERSHELL_EVENT_LOG`): on an ECS document shipped by Winlogbeat or Elastic Agent, the rule runs as written.
 */
import { and, not, opaque, or, pred, FALSE, TRUE, type Expr, type Predicate } from '../../model/expr.ts';
import { renderPredicate } from '../../model/render.ts';
import type { RuleRecord } from '../../model/rule.ts';
import type { HuntReading } from '../adapter.ts';
import { recordTypeIs, recordTypeName } from '../m365.ts';
import { byEventId, computed, constant, derivedFrom, ENTRA_EXPORT, eventId, LINUX_SYSMON_EVENT_IDS, LINUX_SYSMON_EVENT_LOG, nameOf, path, POWERSHELL_EVENT_LOG, sameWord, SECURITY_EVENT_LOG, stringValues, SYSMON_EVENT_LOG, tableReading, words, WORKSPACE_EVENT, type Column, type TableReading } from '../readings.ts';
import { applicationIs, DOMAIN_PART, fromEither, LOCAL_PART, parameter, WORKSPACE_APPLICATION } from '../workspace.ts';

// ---------------------------------------------------------------------------------------------------------------
// Sysmon (the Windows integration's sysmon_operational pipeline)

/** `DOMAIN\user` split on its backslash: the name after it (Sysmon's `User`). */
const USER: Readonly<Record<string, Column>> = { 'user.name': nameOf('User') };

/** The acting process of every Sysmon event read here. */
const PROCESS: Readonly<Record<string, Column>> = {
  'process.executable': path('Image'),
  'process.name': nameOf('Image'),
  'process.pid': path('ProcessId'),
  ...USER,
};

/** The columns every Sysmon event has, whatever its id: the data stream and the host's OS (the agent's metadata). */
const SYSMON_COMMON: Readonly<Record<string, Column>> = {
  'host.os.type': constant('windows'),
  'host.os.family': constant('windows'),
  'event.kind': constant('event'),
  'event.module': constant('windows'),
  'event.dataset': constant('windows.sysmon_operational'),
  'data_stream.dataset': constant('windows.sysmon_operational'),
  'event.provider': constant('Microsoft-Windows-Sysmon'),
  'winlog.channel': constant('Microsoft-Windows-Sysmon/Operational'),
  'winlog.provider_name': constant('Microsoft-Windows-Sysmon'),
};

const SYSMON_BASE = {
  onlyWith: SYSMON_EVENT_LOG,
  raw: 'Sysmon',
  readAs: 'sigma',
  // a cut that finds nothing (a path without a dot has no extension) leaves the field out, as the pipeline does
  lang: 'eql',
} as const;

/** A Windows command line's arguments (`TRANSFORM_FACTS.argv`). */
const ARGV = { fn: 'argv' } as const;

/** `HKLM\…\Run\Value`: the last part of the path, the value's name. */
const LAST_PART = { fn: 'extract', args: ['[^\\\\]*$', 0] } as const;

/** Sysmon's registry events and the `event.action` the pipeline gives each. */
const REGISTRY_ACTIONS: Readonly<Record<string, number>> = {
  'RegistryEvent (Object create and delete)': 12,
  'RegistryEvent (Value Set)': 13,
  'RegistryEvent (Key and Value Rename)': 14,
};

/**
 * `registry.data.strings` of a value set: `Details` as Sysmon writes it, except a `DWORD (0x…)` or `QWORD (0x…)`,
 * which the pipeline turns into a decimal number (unknown here).
 */
const registryStrings: Column = computed((p) => {
  const numeric = pred('Details', 'starts_with', ['DWORD (', 'QWORD ('], { cs: true }, p.span);
  return or(and(not(numeric), { ...p, field: 'Details' }), and(numeric, opaque(renderPredicate(p), 'registry.data.strings: a DWORD or QWORD the pipeline turns into a decimal number', p.span)));
});

/** Sysmon events as the pipeline makes ECS documents of them, by the canonical log source an Elastic rule reads. */
export const SYSMON_ECS: Readonly<Record<string, TableReading>> = {
  'windows.process_creation': {
    ...SYSMON_BASE,
    logSource: 'windows.process_creation',
    label: 'Sysmon field names for ECS fields (process.executable as Image, process.name as its file name…)',
    hashes: { 'process.hash.sha256': 'SHA256', 'process.hash.sha1': 'SHA1', 'process.hash.md5': 'MD5' },
    columns: {
      ...SYSMON_COMMON,
      ...PROCESS,
      'event.category': constant(['process']),
      'event.type': constant(['start']),
      'event.action': constant('Process creation'),
      'event.code': constant('1'),
      'process.command_line': path('CommandLine'),
      // the command line split as Windows splits it (the pipeline's port of CommandLineToArgvW)
      'process.args': derivedFrom('CommandLine', [ARGV]),
      'process.args_count': derivedFrom('CommandLine', [ARGV, { fn: 'array_len' }]),
      'process.parent.args': derivedFrom('ParentCommandLine', [ARGV]),
      'process.parent.args_count': derivedFrom('ParentCommandLine', [ARGV, { fn: 'array_len' }]),
      'process.working_directory': path('CurrentDirectory'),
      'process.parent.executable': path('ParentImage'),
      'process.parent.name': nameOf('ParentImage'),
      'process.parent.command_line': path('ParentCommandLine'),
      'process.parent.pid': path('ParentProcessId'),
      'process.pe.original_file_name': path('OriginalFileName'),
      'process.pe.company': path('Company'),
      'process.pe.description': path('Description'),
      'process.pe.product': path('Product'),
      'process.pe.file_version': path('FileVersion'),
      'winlog.event_data.IntegrityLevel': path('IntegrityLevel'),
    },
  },
  'windows.network': {
    ...SYSMON_BASE,
    logSource: 'windows.network',
    label: 'Sysmon field names for ECS fields (destination.ip as DestinationIp…)',
    columns: {
      ...SYSMON_COMMON,
      ...PROCESS,
      'event.category': constant(['network']),
      'event.type': constant(['start', 'connection', 'protocol']),
      'event.action': constant('Network connection'),
      'event.code': constant('3'),
      'destination.ip': path('DestinationIp'),
      'destination.port': path('DestinationPort'),
      'destination.domain': path('DestinationHostname'),
      'source.ip': path('SourceIp'),
      'source.port': path('SourcePort'),
      'source.domain': path('SourceHostname'),
      'network.transport': path('Protocol'),
      'network.direction': words({ egress: (p) => pred('Initiated', 'eq', ['true'], { cs: false }, p.span), ingress: (p) => pred('Initiated', 'eq', ['false'], { cs: false }, p.span) }),
    },
  },
  'windows.dns': {
    ...SYSMON_BASE,
    logSource: 'windows.dns',
    label: 'Sysmon field names for ECS fields (dns.question.name as QueryName…)',
    columns: {
      ...SYSMON_COMMON,
      ...PROCESS,
      'event.category': constant(['network']),
      'event.type': constant(['connection', 'protocol', 'info']),
      'event.action': constant('DNSEvent (DNS query)'),
      'event.code': constant('22'),
      'network.protocol': constant('dns'),
      'dns.question.name': path('QueryName'),
    },
  },
  'windows.file': {
    ...SYSMON_BASE,
    logSource: 'windows.file',
    label: 'Sysmon field names for ECS fields (file.path as TargetFilename…)',
    columns: {
      ...SYSMON_COMMON,
      ...PROCESS,
      'event.category': constant(['file']),
      'event.type': constant(['creation']),
      'event.action': constant('FileCreate'),
      'event.code': constant('11'),
      'file.path': path('TargetFilename'),
      'file.name': nameOf('TargetFilename'),
      // the text after the path's last dot, as the pipeline cuts it
      'file.extension': derivedFrom('TargetFilename', [{ fn: 'extract', args: ['\\.([^.]*)$', 1] }]),
    },
  },
  // the image-load event as the integration's newer pipeline makes it (its tests: `library` beside `process`, `dll.*`)
  'windows.image_load': {
    ...SYSMON_BASE,
    logSource: 'windows.image_load',
    label: 'Sysmon field names for ECS fields (dll.path as ImageLoaded…)',
    hashes: { 'dll.hash.sha256': 'SHA256', 'dll.hash.sha1': 'SHA1', 'dll.hash.md5': 'MD5', 'file.hash.sha256': 'SHA256', 'file.hash.sha1': 'SHA1', 'file.hash.md5': 'MD5' },
    columns: {
      ...SYSMON_COMMON,
      ...PROCESS,
      'event.category': constant(['process', 'library']),
      'event.type': constant(['change', 'start']),
      'event.action': constant(['Image loaded', 'load']),
      'event.code': constant('7'),
      'dll.path': path('ImageLoaded'),
      'dll.name': nameOf('ImageLoaded'),
      'dll.pe.original_file_name': path('OriginalFileName'),
      'file.path': path('ImageLoaded'),
      'file.name': nameOf('ImageLoaded'),
      'file.pe.original_file_name': path('OriginalFileName'),
      'file.code_signature.subject_name': path('Signature'),
      'file.code_signature.status': path('SignatureStatus'),
    },
  },
  'windows.registry': {
    ...SYSMON_BASE,
    logSource: 'windows.registry',
    label: 'Sysmon field names for ECS fields (registry.path as TargetObject…)',
    columns: {
      ...SYSMON_COMMON,
      ...PROCESS,
      'event.category': constant(['configuration', 'registry']),
      'event.type': constant(['change']),
      'event.action': words(Object.fromEntries(Object.entries(REGISTRY_ACTIONS).map(([a, id]) => [a, (p: Predicate) => pred('EventID', 'eq', [id], { typing: 'loose' }, p.span)]))),
      'registry.path': path('TargetObject'),
      'registry.value': derivedFrom('TargetObject', [LAST_PART]),
      'registry.data.strings': registryStrings,
    },
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Windows Security and PowerShell events (the Windows integration's security_standard and powershell_operational
// pipelines; the agent's event-log reader sets `event.code`, `event.outcome` from the event's keywords, and
// `event.action` as the event's task name where the pipeline's table does not)

/** `event.code` (and `winlog.event_id`): the event id as text. */
const eventCode: Column = computed((p) => {
  const vs = stringValues(p) ?? (p.op === 'eq' || p.op === 'in' ? p.values.map(String) : undefined);
  const ids = vs?.filter((v) => /^\d+$/.test(v)).map(Number);
  return vs && ids && ids.length === vs.length ? eventId(ids, p) : undefined;
});

/** Security events whose action, category and type the pipeline's table sets. */
const SECURITY_ACTIONS: Readonly<Record<number, readonly string[]>> = {
  4624: ['logged-in'], 4625: ['logon-failed'], 4672: ['logged-in-special'], 4688: ['created-process'], 4720: ['added-user-account'],
  4726: ['deleted-user-account'], 4732: ['added-member-to-group'], 4768: ['kerberos-authentication-ticket-requested'],
  4769: ['kerberos-service-ticket-requested'], 4776: ['credential-validated'],
};
const SECURITY_CATEGORIES: Readonly<Record<number, readonly string[]>> = {
  4624: ['authentication'], 4625: ['authentication'], 4672: ['iam'], 4688: ['process'], 4720: ['iam'], 4726: ['iam'], 4732: ['iam'],
  4768: ['authentication'], 4769: ['authentication'], 4776: ['authentication'],
};
const SECURITY_TYPES: Readonly<Record<number, readonly string[]>> = {
  4624: ['start'], 4625: ['start'], 4672: ['admin'], 4688: ['start'], 4720: ['user', 'creation'], 4726: ['user', 'deletion'], 4732: ['group', 'change'],
  4768: ['start'], 4769: ['start'], 4776: ['start'],
};
/** The audit result each of these events always has (a failed logon is an Audit Failure event). */
const SECURITY_OUTCOMES: Readonly<Record<number, readonly string[]>> = { 4624: ['success'], 4625: ['failure'], 4672: ['success'], 4688: ['success'] };

/** `winlog.logon.type`: the names of `LogonType`'s numbers. */
const LOGON_TYPES: Readonly<Record<string, number>> = {
  Interactive: 2, Network: 3, Batch: 4, Service: 5, Unlock: 7, NetworkCleartext: 8, NewCredentials: 9, RemoteInteractive: 10, CachedInteractive: 11,
};
const logonType: Column = words(Object.fromEntries(Object.entries(LOGON_TYPES).map(([name, n]) => [name, (p: Predicate) => pred('LogonType', 'eq', [n], { typing: 'loose' }, p.span)])));

/** Events whose `user.*` the pipeline takes from the Target* fields (`user.name` cut at `@`), and from Subject*. */
const TARGET_USER_EVENTS = [4624, 4625, 4768, 4769, 4776];
const SUBJECT_USER_EVENTS = [4672, 4688, 4720, 4726, 4732];

/** `user.name` / `user.domain` from the fields the event id says; unknown for other events. */
function securityUser(target: string, subject: string, targetSteps: readonly { fn: 'extract'; args: [string, number] }[]): Column {
  return computed((p) => {
    if (p.derived || p.values.some((v) => typeof v === 'object' && v !== null)) return undefined;
    const onTarget: Predicate = targetSteps.length ? { ...p, field: target, derived: { steps: targetSteps, lang: 'eql' } } : { ...p, field: target };
    return or(
      and(eventId(TARGET_USER_EVENTS, p), onTarget),
      and(eventId(SUBJECT_USER_EVENTS, p), { ...p, field: subject }),
      and(not(eventId([...TARGET_USER_EVENTS, ...SUBJECT_USER_EVENTS], p)), opaque(renderPredicate(p), `${p.field}: the pipeline's source for this event id is not read here`, p.span)),
    );
  });
}

const SECURITY_ECS: TableReading = {
  logSource: 'windows.security',
  onlyWith: SECURITY_EVENT_LOG,
  label: 'Security event field names for ECS fields (event.action by event id, user.name as TargetUserName…)',
  raw: 'the Security event',
  readAs: 'sigma',
  lang: 'eql',
  prefixes: { 'winlog.event_data.': '' },
  columns: {
    'host.os.type': constant('windows'),
    'host.os.family': constant('windows'),
    'event.kind': constant('event'),
    'event.provider': constant('Microsoft-Windows-Security-Auditing'),
    'winlog.channel': constant('Security'),
    'winlog.provider_name': constant('Microsoft-Windows-Security-Auditing'),
    'event.dataset': constant('system.security'),
    'data_stream.dataset': constant('system.security'),
    'event.code': eventCode,
    'winlog.event_id': eventCode,
    'event.action': byEventId(SECURITY_ACTIONS, 'event.action'),
    'event.category': byEventId(SECURITY_CATEGORIES, 'event.category'),
    'event.type': byEventId(SECURITY_TYPES, 'event.type'),
    'event.outcome': byEventId(SECURITY_OUTCOMES, 'event.outcome'),
    'winlog.logon.type': logonType,
    'user.name': securityUser('TargetUserName', 'SubjectUserName', [{ fn: 'extract', args: ['^[^@]*', 0] }]),
    'user.domain': securityUser('TargetDomainName', 'SubjectDomainName', []),
    // an IPv4 address mapped into IPv6 is written as the IPv4 address
    'source.ip': derivedFrom('IpAddress', [{ fn: 'replace', args: ['^::ffff:', '', 'regex'] }]),
    'source.port': path('IpPort'),
    // process creation (4688)
    'process.executable': path('NewProcessName'),
    'process.name': nameOf('NewProcessName'),
    'process.command_line': path('CommandLine'),
    'process.parent.executable': path('ParentProcessName'),
    'process.parent.name': nameOf('ParentProcessName'),
  },
};

/** `event.type` of a PowerShell event: `start` for 4105, `end` for 4106, else `info`. */
const powershellType: Column = words({
  start: (p) => eventId([4105], p),
  end: (p) => eventId([4106], p),
  info: (p) => not(eventId([4105, 4106], p)),
});

const POWERSHELL_ECS: TableReading = {
  logSource: 'windows.powershell',
  onlyWith: POWERSHELL_EVENT_LOG,
  label: 'PowerShell event field names for ECS fields (powershell.file.script_block_text as ScriptBlockText…)',
  raw: 'the PowerShell event',
  readAs: 'sigma',
  lang: 'eql',
  columns: {
    'host.os.type': constant('windows'),
    'host.os.family': constant('windows'),
    'event.kind': constant('event'),
    'event.provider': constant('Microsoft-Windows-PowerShell'),
    'winlog.channel': constant('Microsoft-Windows-PowerShell/Operational'),
    'winlog.provider_name': constant('Microsoft-Windows-PowerShell'),
    'event.dataset': constant('windows.powershell_operational'),
    'data_stream.dataset': constant('windows.powershell_operational'),
    'event.category': constant(['process']),
    'event.type': powershellType,
    'event.code': eventCode,
    'winlog.event_id': eventCode,
    // the pipeline trims the text's leading and trailing blanks
    'powershell.file.script_block_text': derivedFrom('ScriptBlockText', [{ fn: 'trim' }]),
    'powershell.file.script_block_id': path('ScriptBlockId'),
    'powershell.sequence': path('MessageNumber'),
    'powershell.total': path('MessageTotal'),
    'file.path': path('Path'),
    'file.name': nameOf('Path'),
  },
};

// ---------------------------------------------------------------------------------------------------------------
// AWS CloudTrail (the AWS integration's cloudtrail pipeline)

const CLOUDTRAIL = 'aws.cloudtrail';
const CONSOLE_LOGIN_RESULT = 'responseElements.ConsoleLogin';

/**
 * `event.outcome`: `failure` where the event has an error code or message, `success` where it has neither; a console
 * sign-in's outcome is its `responseElements.ConsoleLogin`, lower-cased, where it has one.
 */
const cloudTrailOutcome: Column = computed((p) => {
  const vs = stringValues(p);
  if (!vs) return undefined;
  const cs = p.opts?.cs !== false;
  const signIn = and(pred('eventName', 'eq', ['ConsoleLogin'], { cs: true }, p.span), pred(CONSOLE_LOGIN_RESULT, 'is_not_null', [], {}, p.span));
  const failed = or(pred('errorCode', 'is_not_null', [], {}, p.span), pred('errorMessage', 'is_not_null', [], {}, p.span));
  return or(
    ...vs.map((v) => {
      // the pipeline writes lower case: a case-sensitive test of another spelling never holds
      if (cs && v !== v.toLowerCase()) return FALSE;
      const word = v.toLowerCase();
      const byError = word === 'failure' ? failed : word === 'success' ? not(failed) : FALSE;
      return or(and(not(signIn), byError), and(signIn, pred(CONSOLE_LOGIN_RESULT, 'eq', [word], { cs: false }, p.span)));
    }),
  );
});

/**
 * `source.ip` copied from a raw field only where that field holds an address (the pipelines move anything else, a
 * service's name or Google's `private`, elsewhere): a test of an address is the raw field's test; another is unknown.
 */
const ipOnly = (field: string): Column => computed((p) => ((p.op === 'eq' || p.op === 'in' || p.op === 'cidr') && !p.derived ? { ...p, field } : undefined));

export const CLOUDTRAIL_ECS: TableReading = {
  lang: 'eql',
  logSource: CLOUDTRAIL,
  onlyWith: CLOUDTRAIL,
  label: "CloudTrail's JSON field names for ECS fields (event.action as eventName, event.provider as eventSource…)",
  raw: "CloudTrail's JSON",
  prefixes: {
    'aws.cloudtrail.flattened.request_parameters.': 'requestParameters.',
    'aws.cloudtrail.flattened.response_elements.': 'responseElements.',
    'aws.cloudtrail.flattened.additional_eventdata.': 'additionalEventData.',
    'aws.cloudtrail.flattened.service_event_details.': 'serviceEventDetails.',
  },
  columns: {
    'event.dataset': constant(CLOUDTRAIL),
    'data_stream.dataset': constant(CLOUDTRAIL),
    'event.module': constant('aws'),
    'event.kind': constant('event'),
    'event.action': path('eventName'),
    'event.provider': path('eventSource'),
    'event.id': path('eventID'),
    'event.outcome': cloudTrailOutcome,
    'cloud.region': path('awsRegion'),
    'source.address': path('sourceIPAddress'),
    // `sourceIPAddress` when it is an address (a service's name, `ec2.amazonaws.com`, gives none)
    'source.ip': ipOnly('sourceIPAddress'),
    'user_agent.original': path('userAgent'),
    'aws.cloudtrail.user_identity.type': path('userIdentity.type'),
    'aws.cloudtrail.user_identity.arn': path('userIdentity.arn'),
    'aws.cloudtrail.user_identity.access_key_id': path('userIdentity.accessKeyId'),
    'aws.cloudtrail.user_identity.invoked_by': path('userIdentity.invokedBy'),
    'aws.cloudtrail.user_identity.session_context.mfa_authenticated': path('userIdentity.sessionContext.attributes.mfaAuthenticated'),
    'aws.cloudtrail.user_identity.session_context.session_issuer.type': path('userIdentity.sessionContext.sessionIssuer.type'),
    'aws.cloudtrail.user_identity.session_context.session_issuer.arn': path('userIdentity.sessionContext.sessionIssuer.arn'),
    'aws.cloudtrail.user_identity.session_context.session_issuer.principal_id': path('userIdentity.sessionContext.sessionIssuer.principalId'),
    'aws.cloudtrail.user_identity.session_context.session_issuer.account_id': path('userIdentity.sessionContext.sessionIssuer.accountId'),
    'aws.cloudtrail.event_version': path('eventVersion'),
    'aws.cloudtrail.event_category': path('eventCategory'),
    'aws.cloudtrail.event_type': path('eventType'),
    'aws.cloudtrail.read_only': path('readOnly'),
    'aws.cloudtrail.management_event': path('managementEvent'),
    'aws.cloudtrail.api_version': path('apiVersion'),
    'aws.cloudtrail.request_id': path('requestID'),
    'aws.cloudtrail.recipient_account_id': path('recipientAccountId'),
    'aws.cloudtrail.vpc_endpoint_id': path('vpcEndpointId'),
    'aws.cloudtrail.error_code': path('errorCode'),
    'aws.cloudtrail.error_message': path('errorMessage'),
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Okta System Log (the Okta integration's system pipeline)

const OKTA = 'okta.system';

/** `event.outcome`: the lower-cased `outcome.result`, `success` for SUCCESS and ALLOW, `failure` for FAILURE and DENY, else `unknown`. */
const oktaOutcome: Column = words({
  success: (p) => pred('outcome.result', 'in', ['success', 'allow'], { cs: false }, p.span),
  failure: (p) => pred('outcome.result', 'in', ['failure', 'deny'], { cs: false }, p.span),
  unknown: (p) => not(pred('outcome.result', 'in', ['success', 'allow', 'failure', 'deny'], { cs: false }, p.span)),
});

export const OKTA_ECS: TableReading = {
  lang: 'eql',
  logSource: OKTA,
  onlyWith: OKTA,
  label: 'Okta System Log field names for ECS fields (event.action as eventType…)',
  raw: "the Okta System Log's JSON",
  prefixes: { 'okta.debug_context.debug_data.flattened.': 'debugContext.debugData.' },
  columns: {
    'event.dataset': constant(OKTA),
    'data_stream.dataset': constant(OKTA),
    'event.module': constant('okta'),
    'event.kind': constant('event'),
    'event.action': path('eventType'),
    'okta.event_type': path('eventType'),
    'event.id': path('uuid'),
    'okta.uuid': path('uuid'),
    'event.outcome': oktaOutcome,
    'okta.display_message': path('displayMessage'),
    'okta.outcome.result': path('outcome.result'),
    'okta.outcome.reason': path('outcome.reason'),
    'okta.actor.alternate_id': path('actor.alternateId'),
    'okta.actor.id': path('actor.id'),
    'okta.actor.type': path('actor.type'),
    'okta.actor.display_name': path('actor.displayName'),
    'okta.client.ip': path('client.ipAddress'),
    'client.ip': path('client.ipAddress'),
    'source.ip': path('client.ipAddress'),
    'okta.client.id': path('client.id'),
    'okta.client.zone': path('client.zone'),
    'okta.client.device': path('client.device'),
    'okta.client.user_agent.raw_user_agent': path('client.userAgent.rawUserAgent'),
    'okta.client.user_agent.os': path('client.userAgent.os'),
    'okta.client.user_agent.browser': path('client.userAgent.browser'),
    'user_agent.original': path('client.userAgent.rawUserAgent'),
    'okta.security_context.is_proxy': path('securityContext.isProxy'),
    'okta.security_context.isp': path('securityContext.isp'),
    'okta.security_context.domain': path('securityContext.domain'),
    'okta.authentication_context.external_session_id': path('authenticationContext.externalSessionId'),
    'okta.authentication_context.credential_type': path('authenticationContext.credentialType'),
    'okta.authentication_context.credential_provider': path('authenticationContext.credentialProvider'),
    'okta.transaction.id': path('transaction.id'),
    'okta.transaction.type': path('transaction.type'),
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes audit log (the Kubernetes integration's audit_logs pipeline)

const KUBERNETES = 'kubernetes.audit';
/** The API server's authorization decision, under its own (dotted) annotation key. */
const DECISION = 'annotations.authorization.k8s.io/decision';

export const KUBERNETES_ECS: TableReading = {
  lang: 'eql',
  logSource: KUBERNETES,
  onlyWith: KUBERNETES,
  label: "the Kubernetes audit event's own field names under kubernetes.audit (event.action as verb, user.name as user.username…)",
  raw: "the Kubernetes audit event's JSON",
  // the pipeline keeps the audit event under `kubernetes.audit.`, but writes each annotation's key with `_` for every
  // `.` (the two the rules read are stated below) and drops the request's and the response's object metadata
  prefixes: { 'kubernetes.audit.': '' },
  columns: {
    'event.dataset': constant('kubernetes.audit_logs'),
    'data_stream.dataset': constant('kubernetes.audit_logs'),
    'event.module': constant('kubernetes'),
    'event.kind': constant('event'),
    'event.action': path('verb'),
    'user.name': path('user.username'),
    'user.id': path('user.uid'),
    'user_agent.original': path('userAgent'),
    'source.ip': path('sourceIPs'),
    'client.ip': path('sourceIPs'),
    'orchestrator.type': constant('kubernetes'),
    'orchestrator.api_version': path('apiVersion'),
    'orchestrator.resource.type': path('objectRef.resource'),
    'orchestrator.resource.name': path('objectRef.name'),
    'orchestrator.namespace': path('objectRef.namespace'),
    'kubernetes.audit.annotations.authorization_k8s_io/decision': path(DECISION),
    'kubernetes.audit.annotations.authorization_k8s_io/reason': path('annotations.authorization.k8s.io/reason'),
    // `allow` and `forbid`, as the API server writes them; another decision sets no outcome
    'event.outcome': words({
      success: (p) => pred(DECISION, 'eq', ['allow'], { cs: true }, p.span),
      failure: (p) => pred(DECISION, 'eq', ['forbid'], { cs: true }, p.span),
    }),
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Google Cloud audit log (the GCP integration's audit pipeline): a Cloud Logging entry whose protoPayload is an AuditLog

const GCP = 'gcp.audit';
const STATUS_CODE = 'protoPayload.status.code';
const AUTHORIZATION = 'protoPayload.authorizationInfo';

/**
 * `event.outcome`: by the status code where there is one (0: `success`, else `failure`); without one, by the
 * authorization's `granted` where the entry has exactly one authorization; else `unknown`.
 */
const gcpOutcome: Column = (() => {
  const oneAuthorization = (p: Predicate): Expr => ({ ...pred(AUTHORIZATION, 'eq', [1], {}, p.span), derived: { steps: [{ fn: 'array_len' }], lang: 'eql' } });
  const coded = (p: Predicate): Expr => pred(STATUS_CODE, 'is_not_null', [], {}, p.span);
  const byGrant = (p: Predicate, granted: boolean): Expr => and(not(coded(p)), oneAuthorization(p), pred(`${AUTHORIZATION}.granted`, 'eq', [granted], {}, p.span));
  return words({
    success: (p) => or(and(coded(p), pred(STATUS_CODE, 'eq', [0], { typing: 'loose' }, p.span)), byGrant(p, true)),
    failure: (p) => or(and(coded(p), not(pred(STATUS_CODE, 'eq', [0], { typing: 'loose' }, p.span))), byGrant(p, false)),
    unknown: (p) => and(not(coded(p)), not(and(oneAuthorization(p), pred(`${AUTHORIZATION}.granted`, 'in', [true, false], {}, p.span)))),
  });
})();


export const GCP_ECS: TableReading = {
  lang: 'eql',
  logSource: GCP,
  onlyWith: GCP,
  label: 'Cloud Audit Log field names for ECS fields (event.action as protoPayload.methodName…)',
  raw: "the Cloud Logging entry's JSON",
  prefixes: {
    'gcp.audit.request.': 'protoPayload.request.',
    'gcp.audit.response.': 'protoPayload.response.',
    'gcp.audit.labels.': 'labels.',
    'gcp.audit.authorization_info.': 'protoPayload.authorizationInfo.',
    'gcp.audit.status.': 'protoPayload.status.',
    'gcp.audit.metadata.': 'protoPayload.metadata.',
    'gcp.audit.service_data.policy_delta.binding_deltas.': 'protoPayload.serviceData.policyDelta.bindingDeltas.',
  },
  columns: {
    'event.dataset': constant(GCP),
    'data_stream.dataset': constant(GCP),
    'event.module': constant('gcp'),
    'event.kind': constant('event'),
    'cloud.provider': constant('gcp'),
    'event.action': path('protoPayload.methodName'),
    'event.id': path('insertId'),
    'event.outcome': gcpOutcome,
    'log.logger': path('logName'),
    'log.level': path('severity'),
    'service.name': path('protoPayload.serviceName'),
    'cloud.project.id': path('resource.labels.project_id'),
    'client.user.email': path('protoPayload.authenticationInfo.principalEmail'),
    'user.email': path('protoPayload.authenticationInfo.principalEmail'),
    'client.user.id': path('protoPayload.authenticationInfo.principalSubject'),
    'user.id': path('protoPayload.authenticationInfo.principalSubject'),
    // the caller's address, which the pipeline leaves out where Google writes `gce-internal-ip` or `private`
    'source.ip': ipOnly('protoPayload.requestMetadata.callerIp'),
    'user_agent.original': path('protoPayload.requestMetadata.callerSuppliedUserAgent'),
    'gcp.audit.type': path('protoPayload.@type'),
    'gcp.audit.resource_name': path('protoPayload.resourceName'),
    'gcp.audit.request': path('protoPayload.request'),
    'gcp.audit.response': path('protoPayload.response'),
    'gcp.audit.num_response_items': path('protoPayload.numResponseItems'),
    'gcp.audit.resource.type': path('resource.type'),
    'gcp.audit.authentication_info.authority_selector': path('protoPayload.authenticationInfo.authoritySelector'),
    'gcp.audit.authentication_info.service_account_key_name': path('protoPayload.authenticationInfo.serviceAccountKeyName'),
  },
};

// ---------------------------------------------------------------------------------------------------------------
// GitHub audit log (the GitHub integration's audit pipeline)

const GITHUB = 'github.audit';
/** The action's category and the rest of it (`repo.create`: `repo`, `create`), as the pipeline cuts them. */
const ACTION_PARTS = '^([a-z_]+)\\.';
const actionRest = (p: Predicate, re: string): Expr => pred('action', 'regex', [`${ACTION_PARTS}.*(${re})`], { cs: true }, p.span);
const TEAM_OR_ORG = (p: Predicate): Expr => pred('action', 'regex', ['^(team|org)\\.'], { cs: true }, p.span);
const ALERTS = ['code_scanning.alert_created', 'secret_scanning_alert.create'];

export const GITHUB_ECS: TableReading = {
  logSource: GITHUB,
  onlyWith: GITHUB,
  label: "GitHub audit log field names for ECS fields (event.action as action, user.name as actor…)",
  raw: "the GitHub audit log's JSON",
  // the pipeline keeps every field of the event under `github.`
  prefixes: { 'github.': '' },
  lang: 'eql',
  columns: {
    'event.dataset': constant(GITHUB),
    'data_stream.dataset': constant(GITHUB),
    'event.module': constant('github'),
    'event.action': path('action'),
    'user.name': path('actor'),
    'user.id': path('actor_id'),
    'user.target.name': path('user'),
    'user.target.id': path('user_id'),
    'client.geo.country_iso_code': path('actor_location.country_code'),
    'github.category': derivedFrom('action', [{ fn: 'extract', args: [ACTION_PARTS, 1] }]),
    'event.kind': words({
      alert: (p) => pred('action', 'in', ALERTS, { cs: false }, p.span),
      event: (p) => not(pred('action', 'in', ALERTS, { cs: false }, p.span)),
    }),
    // configuration and web always, iam for a team's or an organization's action
    'event.category': words({ configuration: () => TRUE, web: () => TRUE, iam: TEAM_OR_ORG }),
    // group and user for a team's or an organization's action; then from the rest of the action: creation (create,
    // add), deletion (delete, remove), and change where none of these was set
    'event.type': words({
      creation: (p) => actionRest(p, 'create|add'),
      deletion: (p) => actionRest(p, 'delete|remove'),
      change: (p) => and(pred('action', 'regex', [ACTION_PARTS], { cs: true }, p.span), not(actionRest(p, 'create|add|delete|remove')), not(TEAM_OR_ORG(p))),
      group: TEAM_OR_ORG,
      user: TEAM_OR_ORG,
    }),
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Azure (the Azure integration's activitylogs, signinlogs and auditlogs pipelines), over the records as Azure Monitor's
// diagnostic settings export them

/** The subscription and the resource group the shared pipeline cuts from a resource id (any case). */
const SUBSCRIPTION = { fn: 'extract', args: ['(?i)^/subscriptions/([^/]+)', 1] } as const;
const RESOURCE_GROUP = { fn: 'extract', args: ['(?i)^/subscriptions/[^/]+/resourcegroups/([^/]+)', 1] } as const;
/** `event.outcome` from a field whose value is `success` or `failure` in any case (the pipeline lower-cases it). */
const outcomeOf = (field: string): Column =>
  words({
    success: (p) => pred(field, 'eq', ['success'], { cs: false }, p.span),
    failure: (p) => pred(field, 'eq', ['failure'], { cs: false }, p.span),
  });

/** The columns every Azure record has, by their two layouts' names (the released one and the newer). */
const AZURE_COMMON: Readonly<Record<string, Column>> = {
  'cloud.provider': constant('azure'),
  'event.kind': constant('event'),
  'event.module': constant('azure'),
  'azure.tenant_id': path('tenantId'),
  'azure.tenant.id': path('tenantId'),
  'azure.correlation_id': path('correlationId'),
  'azure.correlation.id': path('correlationId'),
  'azure.resource.id': path('resourceId'),
  'cloud.resource_id': path('resourceId'),
  'azure.subscription_id': derivedFrom('resourceId', [SUBSCRIPTION]),
  'azure.resource.group': derivedFrom('resourceId', [RESOURCE_GROUP]),
  'azure.resource_group.name': derivedFrom('resourceId', [RESOURCE_GROUP]),
};

const AZURE_ACTIVITY = 'azure.activity';
/** A claim of the caller's token under its own (URL) name. */
const CLAIMS = 'identity.claims.';
const CLAIM_NAME = `${CLAIMS}http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name`;
/** The role assignment that let the caller act, by the pipeline's snake-case names. */
const EVIDENCE_KEYS: Readonly<Record<string, string>> = {
  role_assignment_scope: 'roleAssignmentScope', role_definition_id: 'roleDefinitionId', role_assignment_id: 'roleAssignmentId',
  principal_id: 'principalId', principal_type: 'principalType', role: 'role',
};

export const AZURE_ACTIVITY_ECS: TableReading = {
  logSource: AZURE_ACTIVITY,
  onlyWith: AZURE_ACTIVITY,
  label: "the exported Activity log's field names for the Azure integration's fields (event.action as operationName…)",
  raw: 'the exported Activity log',
  lang: 'eql',
  prefixes: {
    'azure.activitylogs.identity.authorization.evidence.': (rest) => (Object.hasOwn(EVIDENCE_KEYS, rest) ? `identity.authorization.evidence.${EVIDENCE_KEYS[rest]}` : undefined),
    // a claim whose name has no dot keeps it (`appid`); the pipeline writes `_` for each dot of the others
    'azure.activitylogs.identity.claims.': (rest) => (rest.includes('_') ? undefined : CLAIMS + rest),
    // the record's properties as they are (but the two renamed below)
    'azure.activitylogs.properties.': 'properties.',
  },
  columns: {
    ...AZURE_COMMON,
    'event.dataset': constant('azure.activitylogs'),
    'data_stream.dataset': constant('azure.activitylogs'),
    'event.action': path('operationName'),
    'azure.activitylogs.operation_name': path('operationName'),
    'azure.activitylogs.category': path('category'),
    'azure.activitylogs.result_type': path('resultType'),
    'azure.activitylogs.result_signature': path('resultSignature'),
    'azure.activitylogs.tenant_id': path('tenantId'),
    'azure.activitylogs.identity.claims_initiated_by_user.name': path(CLAIM_NAME),
    'azure.activitylogs.identity.claims_initiated_by_user.fullname': path(`${CLAIMS}name`),
    'azure.activitylogs.properties.status_code': path('properties.statusCode'),
    'azure.activitylogs.properties.service_request_id': path('properties.serviceRequestId'),
    'source.ip': ipOnly('callerIpAddress'),
    // `resultType` where it is success or failure in any case; else the properties' `result` where it is exactly
    // success, failure or unknown
    'event.outcome': (() => {
      const byType = (p: Predicate) => pred('resultType', 'in', ['success', 'failure'], { cs: false }, p.span);
      const byResult = (p: Predicate, word: string) => and(not(byType(p)), pred('properties.result', 'eq', [word], { cs: true }, p.span));
      return words({
        success: (p) => or(pred('resultType', 'eq', ['success'], { cs: false }, p.span), byResult(p, 'success')),
        failure: (p) => or(pred('resultType', 'eq', ['failure'], { cs: false }, p.span), byResult(p, 'failure')),
        unknown: (p) => byResult(p, 'unknown'),
      });
    })(),
  },
};

/** The pipeline's snake case of a camel-case key (`userPrincipalName`: `user_principal_name`; `IPAddress`: `ipaddress`). */
export const snakeCase = (key: string): string => key.replace(/([a-z])([A-Z]+)/g, '$1_$2').toLowerCase();

/**
 * The keys of a sign-in record's properties (Microsoft's schema of the sign-in logs), by the snake case the pipeline
 * writes them in; a key it moves, renames or turns into another form is not here (unknown where tested).
 */
const SIGN_IN_KEYS: ReadonlyMap<string, string> = new Map(
  [
    'userPrincipalName', 'userId', 'userDisplayName', 'userType', 'appId', 'appDisplayName', 'resourceDisplayName', 'resourceId', 'resourceTenantId',
    'homeTenantId', 'authenticationProtocol', 'authenticationRequirement', 'authenticationDetails', 'authenticationMethodsUsed', 'isInteractive',
    'incomingTokenType', 'sessionId', 'correlationId', 'clientAppUsed', 'conditionalAccessStatus', 'appliedConditionalAccessPolicies', 'riskLevelAggregated',
    'riskState', 'riskDetail', 'riskEventTypes', 'riskEventTypes_v2', 'servicePrincipalId', 'servicePrincipalName', 'servicePrincipalCredentialKeyId',
    'servicePrincipalCredentialThumbprint', 'tokenIssuerType', 'tokenIssuerName', 'crossTenantAccessType', 'uniqueTokenIdentifier', 'originalRequestId',
    'autonomousSystemNumber', 'deviceDetail', 'deviceId', 'displayName', 'operatingSystem', 'isCompliant', 'isManaged', 'trustType', 'errorCode',
    'managedIdentityType', 'flaggedForReview', 'signInEventTypes', 'signInIdentifierType', 'sourceAppClientId', 'isTenantRestricted',
    'isThroughGlobalSecureAccess', 'enforcedGrantControls', 'enforcedSessionControls', 'mfaDetail', 'authMethod', 'authDetail', 'networkLocationDetails',
    'originalTransferMethod', 'federatedCredentialId', 'authenticationContextClassReferences', 'privateLinkDetails', 'sessionLifetimePolicies',
  ].map((k) => [snakeCase(k), k]),
);
/** Sign-in keys the pipeline moves elsewhere or drops: not under the properties in the stored document. */
const SIGN_IN_MOVED: ReadonlySet<string> = new Set(['ip_address', 'ipaddress', 'location', 'user_agent', 'created_date_time', 'risk_level_during_sign_in', 'processing_time_in_milliseconds', 'authentication_processing_details']);
const SIGN_IN_RENAMED: Readonly<Record<string, string>> = { created_at: 'createdDateTime', risk_level_during_signin: 'riskLevelDuringSignIn', processing_time_ms: 'processingTimeInMilliseconds' };

/** The raw path of a sign-in column under `azure.signinlogs.properties.`, segment by segment. */
function signInPath(rest: string): string | undefined {
  const segs = rest.split('.');
  if (SIGN_IN_MOVED.has(segs[0]!) || (segs[0] === 'status' && (segs[1] === 'failure_reason' || segs[1] === 'additional_details'))) return undefined;
  const out: string[] = [];
  for (const [i, seg] of segs.entries()) {
    const raw = i === 0 && Object.hasOwn(SIGN_IN_RENAMED, seg) ? SIGN_IN_RENAMED[seg] : SIGN_IN_KEYS.get(seg) ?? (/^[a-z0-9]+$/.test(seg) ? seg : undefined);
    if (raw === undefined) return undefined;
    out.push(raw);
  }
  return `properties.${out.join('.')}`;
}

/** A sign-in's error code: none or 0 is a success. */
const ERROR_CODE = 'properties.status.errorCode';

export const SIGN_IN_ECS: TableReading = {
  logSource: 'entra.signin',
  onlyWith: ENTRA_EXPORT,
  // the pipeline keeps only the records of a sign-in category
  rows: pred('category', 'ends_with', ['SignInLogs'], { cs: true }),
  label: "the diagnostic export's sign-in records as the Azure integration's signinlogs pipeline stores them (keys in snake case…)",
  raw: "the diagnostic export's sign-in records",
  lang: 'eql',
  prefixes: { 'azure.signinlogs.properties.': signInPath },
  columns: {
    ...AZURE_COMMON,
    'event.dataset': constant('azure.signinlogs'),
    'data_stream.dataset': constant('azure.signinlogs'),
    'event.category': constant(['authentication']),
    'event.type': constant(['info']),
    'event.action': path('operationName'),
    'event.id': path('properties.id'),
    'azure.signinlogs.operation_name': path('operationName'),
    'azure.signinlogs.category': path('category'),
    'azure.signinlogs.result_type': path('resultType'),
    'azure.signinlogs.result_signature': path('resultSignature'),
    'azure.signinlogs.result_description': path('resultDescription'),
    'azure.signinlogs.identity': path('identity'),
    'azure.signinlogs.caller_ip_address': path('callerIpAddress'),
    'source.ip': ipOnly('properties.ipAddress'),
    'user.name': path('properties.userPrincipalName'),
    'user.id': path('properties.userId'),
    'user.full_name': path('properties.userDisplayName'),
    'user_agent.original': path('properties.userAgent'),
    'service.name': path('properties.servicePrincipalName'),
    'event.outcome': words({
      success: (p) => or(pred(ERROR_CODE, 'is_null', [], {}, p.span), pred(ERROR_CODE, 'eq', [0], { typing: 'loose' }, p.span)),
      failure: (p) => pred(ERROR_CODE, 'gt', [0], { typing: 'loose' }, p.span),
    }),
  },
};

/** A target resource's keys the pipeline keeps, in snake case (`modified_properties.4.new_value`). */
const TARGET_KEYS: Readonly<Record<string, string>> = {
  display_name: 'displayName', id: 'id', type: 'type', ip_address: 'ipAddress', user_principal_name: 'userPrincipalName',
  modified_properties: 'modifiedProperties', new_value: 'newValue', old_value: 'oldValue',
};
/** `target_resources.0.display_name`: the list made a map by index, each key in snake case. */
function targetPath(rest: string): string | undefined {
  const segs = rest.split('.');
  if (!/^\d+$/.test(segs[0]!)) return undefined;
  const out = segs.map((seg) => (/^\d+$/.test(seg) ? seg : Object.hasOwn(TARGET_KEYS, seg) ? TARGET_KEYS[seg] : undefined));
  return out.includes(undefined) ? undefined : `properties.targetResources.${out.join('.')}`;
}

export const AUDIT_ECS: TableReading = {
  logSource: 'entra.audit',
  onlyWith: ENTRA_EXPORT,
  rows: pred('category', 'eq', ['AuditLogs'], { cs: true }),
  label: "the diagnostic export's audit records as the Azure integration's auditlogs pipeline stores them (event.action as operationName…)",
  raw: "the diagnostic export's audit records",
  lang: 'eql',
  prefixes: {
    'azure.auditlogs.properties.target_resources.': targetPath,
    'azure.auditlogs.properties.initiated_by.': 'properties.initiatedBy.',
    'azure.auditlogs.properties.additional_details.': 'properties.additionalDetails.',
  },
  columns: {
    ...AZURE_COMMON,
    'event.dataset': constant('azure.auditlogs'),
    'data_stream.dataset': constant('azure.auditlogs'),
    'event.action': path('operationName'),
    'azure.auditlogs.operation_name': path('operationName'),
    'azure.auditlogs.category': path('category'),
    'azure.auditlogs.identity': path('identity'),
    'azure.auditlogs.result_signature': path('resultSignature'),
    'azure.auditlogs.properties.id': path('properties.id'),
    'azure.auditlogs.properties.category': path('properties.category'),
    'azure.auditlogs.properties.activity_display_name': path('properties.activityDisplayName'),
    'azure.auditlogs.properties.activity_datetime': path('properties.activityDateTime'),
    'azure.auditlogs.properties.result_reason': path('properties.resultReason'),
    'azure.auditlogs.properties.logged_by_service': path('properties.loggedByService'),
    'azure.auditlogs.properties.operation_type': path('properties.operationType'),
    'azure.auditlogs.properties.correlation_id': path('properties.correlationId'),
    'source.ip': ipOnly('callerIpAddress'),
    'user.name': path('properties.initiatedBy.user.userPrincipalName'),
    'user.id': path('properties.initiatedBy.user.id'),
    'event.outcome': outcomeOf('properties.result'),
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Microsoft 365 audit (the o365 integration's audit pipeline), over the Management Activity API's records

const M365 = 'm365.audit';

// `event.code`: the record type's name, for the numbers the pipeline's table names (`M365_RECORD_TYPES`: Microsoft's
// `AuditLogRecordType` values up to 181 as the pipeline has them, `Yammer` for 22, not the newer `Viva Engage`)
const m365EventCode: Column = recordTypeName('event.code');

/** The data-loss-prevention record types, whose outcome the pipeline takes from the rules the record lists. */
const DLP_TYPES = [11, 13];
/** `event.outcome`: `failure` for a `ResultStatus` of failed or false (any case), else `success` (none too). */
const m365Outcome: Column = (() => {
  const failed = (p: Predicate) => pred('ResultStatus', 'in', ['failed', 'false'], { cs: false }, p.span);
  const dlp = (p: Predicate) => recordTypeIs(DLP_TYPES, p);
  const unlessDlp = (p: Predicate, e: Expr) => or(and(not(dlp(p)), e), and(dlp(p), opaque(renderPredicate(p), 'event.outcome: a data-loss-prevention record takes it from its rules', p.span)));
  return words({ success: (p) => unlessDlp(p, not(failed(p))), failure: (p) => unlessDlp(p, failed(p)) });
})();

/** Operations whose `event.action` the pipeline rewrites (Entra ID user changes, Teams memberships). */
const M365_ACTIONS: Readonly<Record<string, string>> = {
  'added-user-account': 'Add user.',
  'modified-user-account': 'Update user.',
  'deleted-user-account': 'Delete user.',
  'added-group-account-to': 'TeamCreated',
  'added-users-to-group': 'MemberAdded',
};
const m365Action: Column = computed((p) => {
  const vs = stringValues(p);
  if (!vs) return undefined;
  const cs = p.opts?.cs !== false;
  const rewritten = Object.values(M365_ACTIONS);
  return or(
    ...vs.map((v) => {
      const to = Object.keys(M365_ACTIONS).find((k) => sameWord(k, v, cs));
      if (to) return pred('Operation', 'eq', [M365_ACTIONS[to]!], { cs: true }, p.span);
      // an operation the pipeline rewrites (in its workload) is that operation's word, not its own name
      if (rewritten.some((r) => sameWord(r, v, cs))) return opaque(renderPredicate(p), 'event.action: the pipeline rewrites this operation in some workloads', p.span);
      return pred('Operation', 'eq', [v], { ...p.opts, cs }, p.span);
    }),
  );
});

/**
 * `source.ip`: `ClientIPAddress`, else `ClientIP`, else `ActorIpAddress`, as the pipeline picks them; read where the
 * value picked is a plain IPv4 address (the pipeline cuts ports and brackets off the others).
 */
const m365SourceIp: Column = computed((p) => {
  if (!((p.op === 'eq' || p.op === 'in' || p.op === 'cidr') && !p.derived)) return undefined;
  const fields = ['ClientIPAddress', 'ClientIP', 'ActorIpAddress'];
  const plain = (f: string) => pred(f, 'regex', ['^[0-9]{1,3}(\\.[0-9]{1,3}){3}$'], { cs: true }, p.span);
  return or(
    ...fields.map((f, i) => {
      const before = fields.slice(0, i).map((g) => pred(g, 'is_null', [], {}, p.span));
      return and(...before, pred(f, 'is_not_null', [], {}, p.span), or(and(plain(f), { ...p, field: f }), and(not(plain(f)), opaque(renderPredicate(p), `source.ip: ${f} is not a plain address, which the pipeline cuts`, p.span))));
    }),
  );
});

/** Record fields the pipeline turns into another form under `o365.audit.` (name/value lists made maps, numbers made text). */
const M365_RESHAPED = new Set(['Parameters', 'ExtendedProperties', 'ModifiedProperties', 'AlertLinks', 'Platform', 'Data', 'OperationProperties', 'Version', 'LogonType', 'InternalLogonType', 'AzureActiveDirectoryEventType', 'Actor.Type', 'Target.Type', 'Message']);

export const M365_ECS: TableReading = {
  logSource: M365,
  onlyWith: M365,
  label: "the Management Activity API's record as the o365 integration's audit pipeline stores it (event.action as Operation, o365.audit.* the record's own fields…)",
  raw: "the Management Activity API's record",
  lang: 'eql',
  prefixes: {
    'o365.audit.': (rest) => (M365_RESHAPED.has(rest.split('.')[0]!) || M365_RESHAPED.has(rest) ? undefined : rest),
  },
  columns: {
    'event.dataset': constant('o365.audit'),
    'data_stream.dataset': constant('o365.audit'),
    'event.module': constant('o365'),
    'event.provider': path('Workload'),
    'event.action': m365Action,
    'event.code': m365EventCode,
    'event.outcome': m365Outcome,
    'event.id': path('Id'),
    // web for every record, authentication for a Security Token Service sign-in; the other categories the pipeline
    // adds per operation (iam, file) are not read here
    'event.category': computed((p) => {
      const vs = stringValues(p);
      if (!vs) return undefined;
      const cs = p.opts?.cs !== false;
      return or(
        ...vs.map((v) => (sameWord(v, 'web', cs) ? TRUE : sameWord(v, 'authentication', cs) ? recordTypeIs([15], p) : opaque(renderPredicate(p), "event.category: the pipeline's other categories are not read here", p.span))),
      );
    }),
    'o365.audit.RecordType': derivedFrom('RecordType', [{ fn: 'tostring' }]),
    'user.id': path('UserId'),
    'source.ip': m365SourceIp,
    'client.ip': m365SourceIp,
    'organization.id': derivedFrom('OrganizationId', [{ fn: 'lower' }]),
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Google Workspace (the google_workspace integration's Reports API data streams: admin, login, drive, token, device,
// user_accounts…), over one event a record (`WORKSPACE_EVENT`): the integration too splits an activity into its events

const WORKSPACE = 'google_workspace';
/** The data stream of each application whose stream is named otherwise (`mobile` events are the `device` stream's). */
const WORKSPACE_STREAMS: Readonly<Record<string, string>> = { mobile: 'device', groups_enterprise: 'group_enterprise', gmail: 'gmail_reports', gemini_in_workspace_apps: 'gemini' };

/** `data_stream.dataset` / `event.dataset`: `google_workspace.<stream>`, the stream the event's application is read by. */
const workspaceDataset: Column = computed((p) => {
  const vs = stringValues(p);
  if (!vs) return undefined;
  const cs = p.opts?.cs !== false;
  const pre = 'google_workspace.';
  return or(
    ...vs.map((v) => {
      if (!sameWord(v.slice(0, pre.length), pre, cs)) return FALSE;
      const stream = cs ? v.slice(pre.length) : v.slice(pre.length).toLowerCase();
      const renamed = Object.keys(WORKSPACE_STREAMS).find((app) => WORKSPACE_STREAMS[app] === stream);
      if (renamed) return applicationIs([renamed], p);
      // `alert` is the Alert Center's stream, `gmail` the BigQuery export's: neither is a Reports API event
      return Object.hasOwn(WORKSPACE_STREAMS, stream) || stream === 'alert' || !/^[a-z_]+$/.test(stream) ? FALSE : applicationIs([stream], p);
    }),
  );
});

const adminIs = (p: Predicate): Expr => applicationIs(['admin'], p);
const loginIs = (p: Predicate): Expr => applicationIs(['login'], p);
const driveIs = (p: Predicate): Expr => applicationIs(['drive'], p);
const nameIn = (names: readonly string[], p: Predicate): Expr => pred('name', 'in', [...names], { cs: true }, p.span);

/** Admin events whose `event.category` the pipeline's tables give `configuration` besides `iam`. */
const ADMIN_CONFIGURATION = [
  'CHANGE_APPLICATION_SETTING', 'CHANGE_GMAIL_SETTING', 'ENFORCE_STRONG_AUTHENTICATION', 'ALLOW_STRONG_AUTHENTICATION', 'CHANGE_EMAIL_SETTING',
  'CHANGE_CALENDAR_SETTING', 'DELETE_APPLICATION_SETTING', 'DELETE_GMAIL_SETTING',
];
/** Admin events read in the pipeline's tables and given no `configuration`. */
const ADMIN_OTHER = [
  'CREATE_APPLICATION_SETTING', 'CREATE_GMAIL_SETTING', 'CREATE_ROLE', 'DELETE_ROLE', 'ASSIGN_ROLE', 'ADD_PRIVILEGE', 'UPDATE_ROLE', 'RENAME_ROLE',
  'UNASSIGN_ROLE', 'REMOVE_PRIVILEGE', 'ADD_TRUSTED_DOMAINS', 'REMOVE_TRUSTED_DOMAINS', 'AUTHORIZE_API_CLIENT_ACCESS', 'ADD_APPLICATION',
  'ADD_MOBILE_APPLICATION_TO_WHITELIST', 'ADD_GROUP_MEMBER', 'REMOVE_GROUP_MEMBER', 'CHANGE_GROUP_SETTING', 'UNSUSPEND_USER', 'SUSPEND_USER',
  'MOVE_USER_TO_ORG_UNIT', 'GRANT_ADMIN_PRIVILEGE', 'TURN_OFF_2_STEP_VERIFICATION', 'CREATE_USER', 'CREATE_DATA_TRANSFER_REQUEST', 'DELETE_USER',
  'CUSTOMER_TAKEOUT_CREATED', 'CUSTOMER_TAKEOUT_SUCCEEDED',
];
/** Login events by the categories the login pipeline gives them. */
const LOGIN_SESSION = ['login_success', 'login_failure', 'logout'];
const LOGIN_AUTHENTICATION = [...LOGIN_SESSION, 'user_signed_out_due_to_suspicious_session_cookie', 'suspicious_login', 'suspicious_login_less_secure_app', 'suspicious_programmatic_login', 'login_challenge', 'login_verification'];
const LOGIN_IAM = ['2sv_disable', '2sv_enroll', 'titanium_enroll', 'titanium_unenroll', 'account_disabled_password_leak', 'account_disabled_generic', 'account_disabled_spamming', 'account_disabled_spamming_through_relay', 'account_disabled_hijacked', 'gov_attack_warning'];
const LOGIN_CONFIGURATION = ['password_edit', 'recovery_email_edit', 'recovery_phone_edit', 'recovery_secret_qa_edit', 'blocked_sender', 'email_forwarding_out_of_domain', 'risky_sensitive_action_allowed', 'risky_sensitive_action_blocked'];
/** Drive events the pipeline gives `iam` and `configuration` besides `file` (sharing and approvals). */
const driveAccess = (p: Predicate): Expr =>
  and(driveIs(p), or(nameIn(['change_acl_editors', 'change_document_access_scope', 'change_document_visibility', 'shared_drive_membership_change', 'shared_drive_settings_change', 'sheets_import_range_access_change', 'change_user_access'], p), pred('name', 'starts_with', ['approval_'], { cs: true }, p.span)));

/** The applications whose pipelines' categories are read here (the `mobile` one sets none). */
const CATEGORISED = ['admin', 'login', 'drive', 'token', 'user_accounts', 'mobile'];
/** `event.category`: an event of another application, or an admin or login event the tables above do not name, is unknown. */
const workspaceCategory: Column = (() => {
  const why = (p: Predicate, what: string) => opaque(renderPredicate(p), `event.category: ${what}`, p.span);
  const unread = (p: Predicate): Expr =>
    or(
      and(not(applicationIs(CATEGORISED, p)), why(p, "this application's pipeline is not read here")),
      and(adminIs(p), not(nameIn([...ADMIN_CONFIGURATION, ...ADMIN_OTHER], p)), why(p, 'an admin event the tables read here do not name')),
      and(loginIs(p), not(nameIn([...LOGIN_AUTHENTICATION, ...LOGIN_IAM, ...LOGIN_CONFIGURATION], p)), why(p, 'a login event the tables read here do not name')),
    );
  return words(
    {
      iam: (p) => or(applicationIs(['admin', 'token', 'user_accounts'], p), and(loginIs(p), nameIn(LOGIN_IAM, p)), driveAccess(p)),
      configuration: (p) => or(and(adminIs(p), nameIn(ADMIN_CONFIGURATION, p)), and(loginIs(p), nameIn(LOGIN_CONFIGURATION, p)), driveAccess(p)),
      authentication: (p) => and(loginIs(p), nameIn(LOGIN_AUTHENTICATION, p)),
      session: (p) => and(loginIs(p), nameIn(LOGIN_SESSION, p)),
      file: driveIs,
    },
    unread,
  );
})();

/** `event.outcome`: the login pipeline's, by the event (a challenge's status is not read here); the admin pipeline sets none. */
const workspaceOutcome: Column = (() => {
  const unread = (p: Predicate): Expr =>
    or(
      and(not(applicationIs(['admin', 'login'], p)), opaque(renderPredicate(p), "event.outcome: this application's pipeline is not read here", p.span)),
      and(loginIs(p), not(nameIn(['login_success', 'login_failure'], p)), pred('parameters.login_challenge_status', 'is_not_null', [], {}, p.span), opaque(renderPredicate(p), "event.outcome: from the challenge's status, whose reading changed between the pipeline's versions", p.span)),
    );
  return words(
    {
      success: (p) => and(loginIs(p), nameIn(['login_success'], p)),
      failure: (p) => and(loginIs(p), nameIn(['login_failure'], p)),
    },
    unread,
  );
})();

/** Admin parameters the pipeline renames (several parameters filling one field: whichever the event has). */
const ADMIN_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  'setting.name': ['SETTING_NAME', 'USER_CUSTOM_FIELD', 'PERMISSION_GROUP_NAME'],
  new_value: ['NEW_VALUE', 'DEVICE_NEW_STATE', 'DEVICE_NEW_ORG_UNIT', 'CAA_ASSIGNMENTS_NEW', 'REAUTH_SETTING_NEW', 'DESTINATION_USER_EMAIL', 'NEW_PERMISSION_GRANT_STATE'],
  old_value: ['OLD_VALUE', 'DEVICE_PREVIOUS_STATE', 'DEVICE_PREVIOUS_ORG_UNIT', 'CAA_ASSIGNMENTS_OLD', 'REAUTH_SETTING_OLD', 'OLD_PERMISSION_GRANT_STATE'],
  'org_unit.name': ['ORG_UNIT_NAME'],
  'org_unit.full': ['FULL_ORG_UNIT_PATH'],
  'application.name': ['APPLICATION_NAME', 'REAUTH_APPLICATION'],
  'application.edition': ['APPLICATION_EDITION'],
  'application.enabled': ['APPLICATION_ENABLED'],
  'application.id': ['APP_ID'],
  'role.name': ['ROLE_NAME'],
  'role.id': ['ROLE_ID'],
  'privilege.name': ['PRIVILEGE_NAME'],
  'domain.name': ['DOMAIN_NAME'],
  'user_defined_setting.name': ['USER_DEFINED_SETTING_NAME'],
  'api.client.name': ['API_CLIENT_NAME'],
  'api.scopes': ['API_SCOPES'],
  'user.email': ['USER_EMAIL'],
  'group.email': ['GROUP_EMAIL'],
};
const DRIVE_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  'file.id': ['doc_id'], 'file.type': ['doc_type'], 'file.owner.email': ['owner'], 'file.owner.is_shared_drive': ['owner_is_shared_drive'],
  new_value: ['new_value', 'new_settings_state'], old_value: ['old_value', 'old_settings_state'], target: ['target', 'target_user'],
};
const TOKEN_PARAMETERS: Readonly<Record<string, readonly string[]>> = { 'client.id': ['client_id'], 'client.type': ['client_type'], 'scope.value': ['scope'], 'scope.data': ['scope_data'] };
const DEVICE_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  account_state: ['ACCOUNT_STATE'], id: ['DEVICE_ID'], type: ['DEVICE_TYPE'], model: ['DEVICE_MODEL'], 'resource.id': ['RESOURCE_ID'], 'os.version': ['OS_VERSION'],
  failed_passwd_attempts: ['FAILED_PASSWD_ATTEMPTS'], compromised_state: ['DEVICE_COMPROMISED_STATE'], new_value: ['NEW_VALUE'], old_value: ['OLD_VALUE'],
};
/**
 * The fields a stream's pipeline makes of its events' parameters (`google_workspace.<stream>.<rest>`): by its table of
 * renames, else the parameter of that name where the pipeline keeps the others as they are (`verbatim`, the names'
 * form); undefined for a name the stream's pipeline would not have.
 */
function streamParameters(app: string, renames: Readonly<Record<string, readonly string[]>>, verbatim?: RegExp, alsoNamed?: (rest: string) => string): (rest: string) => Column | undefined {
  return (rest) => {
    const names = Object.hasOwn(renames, rest) ? renames[rest]! : verbatim?.test(rest) ? [...(alsoNamed ? [alsoNamed(rest)] : []), rest] : undefined;
    return names ? fromEither(names.map((n) => parameter([app], n))) : undefined;
  };
}

/** An address's parts as the pipelines cut them (at its one `@`). */
const WHOLE_ADDRESS = { fn: 'extract', args: ['^[^@]*@[^@]*$', 0] } as const;

export const WORKSPACE_ECS: TableReading = {
  logSource: WORKSPACE,
  onlyWith: WORKSPACE_EVENT,
  label: "the Reports API event's field names for the google_workspace integration's fields (event.action as name, google_workspace.admin.* its parameters…)",
  raw: "the Reports API event's JSON",
  lang: 'eql',
  prefixes: {
    'google_workspace.admin.': streamParameters('admin', ADMIN_PARAMETERS, /^[A-Z0-9_]+$/),
    // the login pipeline cuts `login_` off its parameters' names
    'google_workspace.login.': streamParameters('login', {}, /^[a-z0-9_]+$/, (rest) => `login_${rest}`),
    'google_workspace.drive.': streamParameters('drive', DRIVE_PARAMETERS, /^[a-z0-9_]+$/),
    'google_workspace.token.': streamParameters('token', TOKEN_PARAMETERS, /^[a-z0-9_]+$/),
    'google_workspace.device.': streamParameters('mobile', DEVICE_PARAMETERS),
    'google_workspace.user_accounts.': streamParameters('user_accounts', {}, /^[A-Za-z0-9_]+$/),
  },
  columns: {
    'event.dataset': workspaceDataset,
    'data_stream.dataset': workspaceDataset,
    'event.module': constant(WORKSPACE),
    'event.provider': path(WORKSPACE_APPLICATION),
    'event.action': path('name'),
    'event.id': path('id.uniqueQualifier'),
    'event.category': workspaceCategory,
    'event.outcome': workspaceOutcome,
    'event.kind': words({
      alert: (p) => and(loginIs(p), nameIn(['gov_attack_warning'], p)),
      event: (p) => not(and(loginIs(p), nameIn(['gov_attack_warning'], p))),
    }),
    'organization.id': path('id.customerId'),
    'source.ip': path('ipAddress'),
    'source.user.email': path('actor.email'),
    'source.user.id': path('actor.profileId'),
    'user.id': path('actor.profileId'),
    'source.user.name': derivedFrom('actor.email', [LOCAL_PART]),
    'user.name': derivedFrom('actor.email', [LOCAL_PART]),
    'source.user.domain': derivedFrom('actor.email', [DOMAIN_PART]),
    'user.domain': derivedFrom('actor.email', [DOMAIN_PART]),
    // the device stream lists the device's user beside the actor
    'user.email': fromEither([{ field: 'actor.email' }, parameter(['mobile'], 'USER_EMAIL')]),
    'user.target.email': fromEither([parameter(['admin'], 'USER_EMAIL', [WHOLE_ADDRESS])]),
    'user.target.name': fromEither([parameter(['admin'], 'USER_EMAIL', [LOCAL_PART]), parameter(['login'], 'affected_email_address', [LOCAL_PART])]),
    'user.target.domain': fromEither([parameter(['admin'], 'USER_EMAIL', [DOMAIN_PART]), parameter(['login'], 'affected_email_address', [DOMAIN_PART])]),
    'user.target.group.name': fromEither([parameter(['admin'], 'GROUP_EMAIL', [LOCAL_PART])]),
    'user.target.group.domain': fromEither([parameter(['admin'], 'GROUP_EMAIL', [DOMAIN_PART])]),
    'file.name': fromEither([parameter(['drive'], 'doc_title')]),
    'file.extension': fromEither([parameter(['drive'], 'doc_title', [{ fn: 'extract', args: ['\\.([^.]*)$', 1] }])]),
    'google_workspace.actor.type': path('actor.callerType'),
    'google_workspace.actor.key': path('actor.key'),
    'google_workspace.event.type': path('type'),
    'google_workspace.kind': path('kind'),
    'google_workspace.organization.domain': path('ownerDomain'),
  },
};

/** Every raw log an Elastic rule is read over, by the canonical log source the rule reads. */
const ECS_READINGS: Readonly<Record<string, TableReading>> = {
  ...SYSMON_ECS,
  [CLOUDTRAIL]: CLOUDTRAIL_ECS,
  [OKTA]: OKTA_ECS,
  [KUBERNETES]: KUBERNETES_ECS,
  [GCP]: GCP_ECS,
  [GITHUB]: GITHUB_ECS,
  [AZURE_ACTIVITY]: AZURE_ACTIVITY_ECS,
  'entra.signin': SIGN_IN_ECS,
  'entra.audit': AUDIT_ECS,
  [M365]: M365_ECS,
  [WORKSPACE]: WORKSPACE_ECS,
};



/** The log sources of Sysmon for Linux's events (`LINUX_SYSMON_EVENT_IDS`). */
const LINUX_SYSMON_LOG_SOURCES = new Set(['vendor:linux', ...Object.values(LINUX_SYSMON_EVENT_IDS)]);

/** The integrations' own field namespaces: a document of one data set has none of another's. */
const NAMESPACES = ['aws.cloudtrail.', 'okta.', 'kubernetes.audit.', 'gcp.audit.', 'github.', 'azure.activitylogs.', 'azure.signinlogs.', 'azure.auditlogs.', 'o365.', 'google_workspace.'];
const absentOf = new WeakMap<TableReading, TableReading>();
/** The table with the other data sets' namespaces absent (those its columns and prefixes do not name). */
function withAbsent(t: TableReading): TableReading {
  let out = absentOf.get(t);
  if (!out) {
    const own = [...Object.keys(t.columns), ...Object.keys(t.prefixes ?? {})];
    out = { ...t, absent: NAMESPACES.filter((ns) => !own.some((c) => c.startsWith(ns))) };
    absentOf.set(t, out);
  }
  return out;
}

/**
 * The hunt's readings of an Elastic rule over raw logs (`FormatAdapter.huntReadings`): one per raw log of the rule's
 * log sources (a rule on network events is read over Sysmon's connections and its DNS queries).
 */
export function elasticHuntReadings(logSources: readonly string[], condition: Expr, rule?: RuleRecord): readonly HuntReading[] {
  if (!rule) return [];
  const tables = logSources.flatMap((ls) => (Object.hasOwn(ECS_READINGS, ls) ? [ECS_READINGS[ls]!] : []));
  if (logSources.includes('windows.network') && !logSources.includes('windows.dns')) tables.push(SYSMON_ECS['windows.dns']!);
  const readings = tables.flatMap((t) => tableReading(withAbsent(t), condition, rule));
  // a Security event: a process rule (whose index may name the Security log too) reads its process creations (4688)
  // only, any other rule every Security event
  const sec = logSources.includes('windows.process_creation') ? 'windows.process_creation' : logSources.includes('windows.security') ? 'windows.security' : undefined;
  if (sec) for (const r of tableReading(withAbsent(SECURITY_ECS), condition, rule)) readings.push({ ...r, logSources: [sec] });
  if (logSources.includes('windows.powershell')) readings.push(...tableReading(withAbsent(POWERSHELL_ECS), condition, rule));
  // Sysmon for Linux's events: no Elastic query rule reads them (none names the sysmon_linux integration's indices,
  // `logs-sysmon_linux.log-*`, whose pipeline also leaves `process.name` as `sysmon`): the rule never meets one
  if (logSources.some((ls) => LINUX_SYSMON_LOG_SOURCES.has(ls))) readings.push({ onlyWith: LINUX_SYSMON_EVENT_LOG, condition: FALSE, label: "Sysmon for Linux: not in the rule's indices" });
  return readings;
}
