/**
 * The hunt's readings of Splunk searches over raw logs (`FormatAdapter.huntReadings`). A Splunk search tests the
 * fields Splunk's add-ons extract from a raw log at search time: the event's own fields (a Windows event's
 * `TargetImage`, CloudTrail's `eventName`) and the fields the add-on computes from them (`process_name`, the file name
 * of Sysmon's `Image`; `user_arn`, CloudTrail's `userIdentity.arn` or the request's role). A search over a CIM data
 * model (`tstats … from datamodel=Endpoint.Processes where Processes.process_name=…`) tests the same computed fields,
 * under the data set's prefix. Here each is read over the raw event as the add-on computes it; a field the add-on
 * computes in a way these tables do not follow (CloudTrail's `user`, a long case over event names) or that another
 * component sets (the forwarder's `host`, `eventtype`) is unknown wherever it is tested: the search may fire,
 * depending on it.
 *
 * What each add-on does was read from its configuration (`default/props.conf`, `transforms.conf`), not copied:
 * - the Splunk Add-on for Sysmon 4.0.0 (`Splunk_TA_microsoft_sysmon`) for Sysmon events, and the Splunk Add-on for
 *   Microsoft Windows 8.8.0 (`Splunk_TA_windows`) for every event of the XML event log (`XmlWinEventLog`): EventCode,
 *   the Security log's process creation (4688), the PowerShell log;
 * - the Splunk Add-on for Sysmon for Linux 1.0.0 (`Splunk_TA_sysmon-for-linux`, Splunkbase 6652) for `sysmon:linux`: the
 *   XML's `<Data Name>` fields by their names, `user` from the header's user id (`root` for 0), `process_name` cut at
 *   the last slash as the Windows add-on cuts at the last backslash;
 * - the Splunk Add-on for AWS 7.10.0 (`Splunk_TA_aws`) for `aws:cloudtrail` (CloudTrail's records, JSON extracted
 *   with its dotted paths), and Amazon Security Lake's OCSF fields (`aws:asl`) for the searches that read them;
 * - the Splunk Add-on for Okta Identity Cloud 5.0.2 for `OktaIM2:log` (the System Log's JSON);
 * - the Splunk Add-on for Microsoft Office 365 (its `props.conf` as public repositories vendor it, of 2021 and later)
 *   for `o365:management:activity` (the Management Activity API's records); its `user`, `object` and `src_user` are
 *   long cases over the record's actors and targets, not read here;
 * - the Splunk Add-on for Google Workspace's `gws:reports:*` (its input's code: the form of its events; its
 *   `props.conf` was not found, so only its CIM fields named below are read).
 *
 * A Windows event is read only in the event log's own form (`SYSMON_EVENT_LOG`, `SECURITY_EVENT_LOG`,
 * `POWERSHELL_EVENT_LOG`; Sysmon for Linux's `LINUX_SYSMON_EVENT_LOG`), as the XML event log gives it to Splunk; the
 * event's own EventData fields keep their names (`sameName`).
 */
import { and, FALSE, not, opaque, or, pred, type Expr, type Predicate, type TransformStep } from '../../model/expr.ts';
import { renderPredicate } from '../../model/render.ts';
import type { RuleRecord } from '../../model/rule.ts';
import type { HuntReading } from '../adapter.ts';
import {
  addressIn,
  computed,
  constant,
  constantPredicate,
  derivedFrom,
  ENTRA_EXPORT,
  onField as on,
  oneOf,
  present,
  eventId,
  LINUX_SYSMON_EVENT_LOG,
  path,
  POWERSHELL_EVENT_LOG,
  SECURITY_EVENT_LOG,
  stringValues,
  SYSMON_EVENT_LOG,
  tableReading,
  words,
  WORKSPACE_EVENT,
  type Column,
  type TableReading,
} from '../readings.ts';
import { applicationIs } from '../workspace.ts';

// ---------------------------------------------------------------------------------------------------------------
// Column kinds the add-ons' definitions need

const isNull = (f: string, p: Predicate): Expr => pred(f, 'is_null', [], {}, p.span);
const notNull = (f: string, p: Predicate): Expr => pred(f, 'is_not_null', [], {}, p.span);
/** The add-on's `case(cond, value)` without a default (or `if(cond, value, null())`): the value where cond holds, else null. */
const orNull = (cond: Expr, then: Expr, p: Predicate): Expr => or(and(cond, then), and(not(cond), constantPredicate(p, null)));
/** A test of a column the add-on leaves unset for these events: unknown, with the reason. */
const unsetHere = (p: Predicate, why: string): Expr => opaque(renderPredicate(p), `${p.field}: ${why}`, p.span);

/** SPL `coalesce(a, b, …)`: the first of these raw fields the event has. */
function coalesced(...fields: string[]): Column {
  return computed((p) => or(...fields.map((f, i) => and(...fields.slice(0, i).map((g) => isNull(g, p)), on(p, f)))));
}

/** Only whether the field is there: its value is written in another form (a SID in quotes), so a test of it is unknown. */
function presenceOnly(field: string): Column {
  return computed((p) => (p.op === 'is_null' || p.op === 'is_not_null') && !p.derived ? on(p, field) : undefined);
}

/** A regular expression step (RE2: the add-ons' expressions here use no look-around). */
const replaceRe = (re: string, rewrite: string): TransformStep => ({ fn: 'replace', args: [re, rewrite, 'regex'] });

/**
 * The Sysmon add-on's file name of a path: `replace(x, "(.*\\)(?=.*(\.\w*)$|(\w+)$)", "")`, the text after the last
 * backslash when that text ends with a dot and word characters (`rundll32.exe`) or is word characters alone
 * (`rundll32`); any other path (`C:\Tools\my-tool`) is left whole, and so is a path without a backslash. The Sysmon for
 * Linux add-on cuts at the last slash the same way (`sep` `/`: `/usr/bin/apt-get` stays whole).
 */
function sysmonBasename(field: string, sep: '\\' | '/' = '\\'): Column {
  const s = sep === '/' ? '/' : '\\\\';
  return computed((p, lang) => {
    const names = stringValues(p);
    // a file name that the cut keeps as it is: the path is that name, or ends with it after a separator
    if (names && names.every((n) => !n.includes(sep) && /\.\w*$|^\w+$/.test(n))) {
      return or(on(p, field), pred(field, 'ends_with', names.map((n) => sep + n), p.opts, p.span));
    }
    if (p.values.some((v) => typeof v === 'object' && v !== null)) return undefined;
    const cut = pred(field, 'regex', [`${s}[^${s}]*\\.\\w*$|${s}\\w+$`], { cs: true }, p.span);
    return or(and(cut, on(p, field, [replaceRe(`^.*${s}`, '')], lang)), and(not(cut), on(p, field)));
  });
}

/** The Windows add-on's file name of a path, `(?:.*\\)?(.*)`: the text after the last backslash. */
const windowsBasename = (field: string): Column => computed((p, lang) => (p.values.some((v) => typeof v === 'object' && v !== null) ? undefined : on(p, field, [replaceRe('^.*\\\\', '')], lang)));

/** `DOMAIN\name` → `name` (`replace(User, "(.*)\\(.+)$", "\2")`), where the event has a user other than `-`. */
function strippedUser(field: string): Column {
  return computed((p, lang) => {
    if (p.values.some((v) => typeof v === 'object' && v !== null)) return undefined;
    const has = and(notNull(field, p), not(pred(field, 'eq', ['-'], { cs: true }, p.span)));
    return or(and(has, on(p, field, [replaceRe('^(.*)\\\\(.+)$', '\\2')], lang)), and(not(has), unsetHere(p, `the add-on takes it from other fields where ${field} is "-" or missing`)));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Every event of the XML event log (Splunk_TA_windows's [XmlWinEventLog])

/**
 * Names the event log's XML gives a value in another form than the event's JSON (`Opcode`, `Level`: names in
 * RenderingInfo, numbers in System), or that Splunk's own event (`Message`, `Type`) holds: not read by name.
 */
const NOT_THE_EVENTS = new Set(['Opcode', 'OpCode', 'Level', 'Task', 'TaskCategory', 'Keywords', 'Message', 'Type', 'RecordNumber', 'LogName', 'SourceName', 'ComputerName', 'Name']);

/** An EventData or System field of the event, by its own name (`TargetImage`, `Channel`, `Computer`). */
const windowsSameName = (f: string): boolean => /^[A-Z][A-Za-z0-9]*$/.test(f) && !NOT_THE_EVENTS.has(f);

const WINDOWS_COMMON: Readonly<Record<string, Column>> = {
  _time: present,
  EventCode: path('EventID'),
  signature_id: path('EventID'),
  dvc: path('Computer'),
  // System's attributes, which the add-on writes with their quotes ('S-1-5-18')
  UserID: presenceOnly('Security_UserID'),
  user_id: presenceOnly('Security_UserID'),
  ProcessID: presenceOnly('Execution_ProcessID'),
  ThreadID: presenceOnly('Execution_ThreadID'),
  Opcode: presenceOnly('Opcode'),
};

const WINDOWS_BASE = { readAs: 'sigma', lang: 'eql', sameName: windowsSameName } as const;

// ---------------------------------------------------------------------------------------------------------------
// Sysmon (Splunk_TA_microsoft_sysmon 4.0.0)

/** The acting process, which the add-on names for every Sysmon event with an `Image`. */
const SYSMON_PROCESS: Readonly<Record<string, Column>> = {
  process_name: sysmonBasename('Image'),
  process_exec: sysmonBasename('Image'),
  process_path: path('Image'),
  process_id: path('ProcessId'),
  process_guid: path('ProcessGuid'),
  user: strippedUser('User'),
};

/** The columns every Sysmon event read here has. */
const SYSMON_COMMON: Readonly<Record<string, Column>> = {
  ...WINDOWS_COMMON,
  EventID: path('EventID'),
  vendor_product: constant('Microsoft Sysmon'),
};

/** `dest`: the computer, for every Sysmon event but a connection (its destination) and a DNS query (none). */
const SYSMON_DEST: Readonly<Record<string, Column>> = { dest: path('Computer') };

/** A CIM data set's columns also under its prefix (`Processes.process_name`), as a `tstats` search names them. */
function withDataset(dataset: string, columns: Readonly<Record<string, Column>>, datasetOnly: Readonly<Record<string, Column>> = {}): Record<string, Column> {
  const out: Record<string, Column> = { ...columns };
  for (const [k, c] of Object.entries({ ...columns, ...datasetOnly })) out[`${dataset}.${k}`] = c;
  return out;
}

const SYSMON_BASE = { ...WINDOWS_BASE, onlyWith: SYSMON_EVENT_LOG, raw: 'Sysmon as the Sysmon add-on extracts it' } as const;

/** `original_file_name`: `OriginalFileName` unless Sysmon wrote `-`. */
const originalFileName: Column = computed((p) => or(and(not(pred('OriginalFileName', 'eq', ['-'], { cs: true }, p.span)), on(p, 'OriginalFileName')), and(pred('OriginalFileName', 'eq', ['-'], { cs: true }, p.span), constantPredicate(p, null))));

const PROCESS_CREATION: Readonly<Record<string, Column>> = {
  ...SYSMON_PROCESS,
  process: path('CommandLine'),
  parent_process: path('ParentCommandLine'),
  parent_process_name: sysmonBasename('ParentImage'),
  parent_process_exec: sysmonBasename('ParentImage'),
  parent_process_path: path('ParentImage'),
  parent_process_id: path('ParentProcessId'),
  parent_process_guid: path('ParentProcessGuid'),
  original_file_name: originalFileName,
  process_current_directory: path('CurrentDirectory'),
  process_integrity_level: path('IntegrityLevel'),
  process_hash: path('Hashes'),
  action: constant('allowed'),
  ...SYSMON_DEST,
};

/** Registry events: 12 creates or deletes a key or value, 13 sets a value, 14 renames a key or value. */
const LAST_NAME = '\\\\(\\w+|\\(Default\\))$';
const registryKeyName: Column = computed((p, lang) => or(and(eventId([12, 14], p), on(p, 'TargetObject')), and(eventId([13], p), on(p, 'TargetObject', [replaceRe(LAST_NAME, '')], lang))));
const registryValueName: Column = computed((p, lang) => {
  const named = or(eventId([13], p), and(eventId([14], p), pred('EventType', 'eq', ['RenameValue'], { cs: true }, p.span)));
  return orNull(named, on(p, 'TargetObject', [replaceRe(`^(.*)${LAST_NAME}`, '\\2')], lang), p);
});
/** `registry_value_data` of a value set: `Details`, or what is inside the parentheses of `DWORD (0x00000001)`. */
const registryValueData: Column = computed((p, lang) => orNull(eventId([13], p), on(p, 'Details', [replaceRe('^\\w+\\s\\((.+)\\)$', '\\1')], lang), p));
const registryAction: Column = words({
  created: (p) => and(eventId([12], p), pred('EventType', 'eq', ['CreateKey'], { cs: true }, p.span)),
  deleted: (p) => and(eventId([12], p), pred('EventType', 'in', ['DeleteKey', 'DeleteValue'], { cs: true }, p.span)),
  modified: (p) => eventId([13, 14], p),
});

const REGISTRY: Readonly<Record<string, Column>> = {
  ...SYSMON_PROCESS,
  ...SYSMON_DEST,
  registry_path: path('TargetObject'),
  registry_key_name: registryKeyName,
  registry_value_name: registryValueName,
  registry_value_data: registryValueData,
  action: registryAction,
};

/** A file event's path without an alternate data stream (`:Zone.Identifier`). */
const NO_STREAM = replaceRe(':[\\w. ]+', '');
const fileAction: Column = words({
  created: (p) => and(eventId([11], p), pred('UtcTime', 'eq', [{ kind: 'field', field: 'CreationUtcTime' }], { cs: true }, p.span)),
  modified: (p) => and(eventId([11], p), not(pred('UtcTime', 'eq', [{ kind: 'field', field: 'CreationUtcTime' }], { cs: true }, p.span))),
  deleted: (p) => eventId([23, 26], p),
});

const FILESYSTEM: Readonly<Record<string, Column>> = {
  ...SYSMON_PROCESS,
  ...SYSMON_DEST,
  file_path: computed((p, lang) => on(p, 'TargetFilename', [NO_STREAM], lang)),
  file_name: computed((p, lang) => on(p, 'TargetFilename', [replaceRe('^.*\\\\', ''), NO_STREAM], lang)),
  file_create_time: path('CreationUtcTime'),
  action: fileAction,
};

/** `src` / `dest` of a connection: the host name Sysmon resolved, else the address. */
const hostOrAddress = (host: string, ip: string): Column =>
  computed((p) => {
    const named = and(notNull(host, p), not(pred(host, 'eq', ['-'], { cs: true }, p.span)));
    return or(and(named, on(p, host)), and(not(named), on(p, ip)));
  });

const NETWORK_COLUMNS: Readonly<Record<string, Column>> = {
  ...SYSMON_PROCESS,
  src: hostOrAddress('SourceHostname', 'SourceIp'),
  src_ip: path('SourceIp'),
  src_port: path('SourcePort'),
  dest: hostOrAddress('DestinationHostname', 'DestinationIp'),
  dest_ip: path('DestinationIp'),
  dest_port: path('DestinationPort'),
  transport: path('Protocol'),
  protocol: constant('ip'),
  direction: words({ outbound: (p) => pred('Initiated', 'eq', ['true'], { cs: true }, p.span), inbound: (p) => not(pred('Initiated', 'eq', ['true'], { cs: true }, p.span)) }),
  action: constant('allowed'),
  app: path('Image'),
};

/** Sysmon events as the add-on extracts them, by canonical log source (`SYSMON_EVENT_IDS`). */
const SYSMON_TABLES: readonly TableReading[] = [
  {
    ...SYSMON_BASE,
    logSource: 'windows.process_creation',
    label: "Sysmon's fields as the Sysmon add-on extracts them (process_name as the file name of Image, process as CommandLine…)",
    columns: { ...SYSMON_COMMON, ...withDataset('Processes', PROCESS_CREATION, { process_integrity_level: computed((p, lang) => on(p, 'IntegrityLevel', [{ fn: 'lower' }], lang)) }) },
  },
  {
    ...SYSMON_BASE,
    logSource: 'windows.registry',
    label: "Sysmon's fields as the Sysmon add-on extracts them (registry_path as TargetObject, registry_value_data as Details…)",
    columns: { ...SYSMON_COMMON, ...withDataset('Registry', REGISTRY) },
  },
  {
    ...SYSMON_BASE,
    logSource: 'windows.file',
    label: "Sysmon's fields as the Sysmon add-on extracts them (file_path as TargetFilename, file_name as its file name…)",
    columns: { ...SYSMON_COMMON, ...withDataset('Filesystem', FILESYSTEM) },
  },
  {
    ...SYSMON_BASE,
    logSource: 'windows.network',
    label: "Sysmon's fields as the Sysmon add-on extracts them (dest_ip as DestinationIp, app as Image…)",
    // the Network_Traffic data model lower-cases the transport
    columns: { ...SYSMON_COMMON, ...withDataset('All_Traffic', NETWORK_COLUMNS, { transport: computed((p, lang) => on(p, 'Protocol', [{ fn: 'lower' }], lang)) }) },
  },
  {
    ...SYSMON_BASE,
    logSource: 'windows.dns',
    label: "Sysmon's fields as the Sysmon add-on extracts them (query as QueryName…)",
    columns: {
      ...SYSMON_COMMON,
      process_name: sysmonBasename('Image'),
      process_path: path('Image'),
      process_guid: path('ProcessGuid'),
      user: strippedUser('User'),
      src: path('Computer'),
      // the add-on sets no destination and no process id for a DNS query
      dest: constant(null),
      process_id: constant(null),
      query: path('QueryName'),
      reply_code_id: path('QueryStatus'),
    },
  },
  {
    ...SYSMON_BASE,
    logSource: 'windows.image_load',
    label: "Sysmon's fields as the Sysmon add-on extracts them (process_name as the file name of Image…)",
    columns: { ...SYSMON_COMMON, ...SYSMON_PROCESS, ...SYSMON_DEST, original_file_name: originalFileName },
  },
  ...['windows.process_access', 'windows.pipe', 'windows.driver_load'].map(
    (logSource): TableReading => ({
      ...SYSMON_BASE,
      logSource,
      label: "Sysmon's fields by their own names (TargetImage, GrantedAccess…), dest as Computer",
      columns: { ...SYSMON_COMMON, ...SYSMON_DEST },
    }),
  ),
];

// ---------------------------------------------------------------------------------------------------------------
// Sysmon for Linux (Splunk_TA_sysmon-for-linux 1.0.0's [sysmon:linux])

/**
 * What the add-on extracts from the XML: `EventID`, `Keywords`, `Computer` and every `<Data Name="X">` by its name,
 * and the header's attributes by Splunk's automatic key-value extraction (`UserId`, `ProcessID`…); the header's elements
 * (`Channel`, `EventRecordID`, `Level`…) are not extracted (unknown where a search tests them), nor is `EventCode`.
 */
const LINUX_NOT_EXTRACTED = new Set(['Channel', 'EventRecordID', 'Level', 'Task', 'Opcode', 'Version', 'TimeCreated', 'EventCode', 'Provider', 'Correlation', 'Execution', 'Security', 'System', 'EventData']);
const LINUX_BASE = {
  readAs: 'sigma',
  lang: 'eql',
  sameName: (f: string) => windowsSameName(f) && !LINUX_NOT_EXTRACTED.has(f),
  onlyWith: LINUX_SYSMON_EVENT_LOG,
  raw: 'Sysmon for Linux as its add-on extracts it',
} as const;

/** `user`: `case(EventID IN ("3"), User, UserId="0", "root")`: the header's user id (Sysmon's own, 0), not the event's `User`. */
const linuxUser: Column = computed((p) => {
  const connection = eventId([3], p);
  const root = pred('Security_UserId', 'eq', ['0'], { cs: true }, p.span);
  return or(and(connection, on(p, 'User')), and(not(connection), root, constantPredicate(p, 'root')), and(not(connection), not(root), constantPredicate(p, null)));
});

/** A Linux path's file name as the add-on cuts it (`sysmonBasename` at the last slash). */
const linuxName = (field: string): Column => sysmonBasename(field, '/');

const LINUX_COMMON: Readonly<Record<string, Column>> = {
  _time: present,
  EventID: path('EventID'),
  signature_id: path('EventID'),
  dvc: path('Computer'),
  dest: path('Computer'),
  user_id: path('Security_UserId'),
  vendor_product: constant('Sysmon For Linux'),
  user: linuxUser,
  process_path: path('Image'),
  process_name: linuxName('Image'),
  process_exec: linuxName('Image'),
  process_guid: path('ProcessGuid'),
  process_id: path('ProcessId'),
};

const LINUX_PROCESS: Readonly<Record<string, Column>> = {
  ...LINUX_COMMON,
  process: path('CommandLine'),
  parent_process: path('ParentCommandLine'),
  parent_process_path: path('ParentImage'),
  parent_process_name: linuxName('ParentImage'),
  parent_process_exec: linuxName('ParentImage'),
  parent_process_id: path('ParentProcessId'),
  parent_process_guid: path('ParentProcessGuid'),
  // the image's file name, not Sysmon's OriginalFileName
  original_file_name: linuxName('Image'),
  process_current_directory: path('CurrentDirectory'),
  process_integrity_level: path('IntegrityLevel'),
  process_hash: computed((p) => orNull(not(pred('Hashes', 'eq', ['-'], { cs: true }, p.span)), on(p, 'Hashes'), p)),
  os: constant('Linux'),
  action: constant('allowed'),
};

const LINUX_FILESYSTEM: Readonly<Record<string, Column>> = {
  ...LINUX_COMMON,
  file_path: computed((p, lang) => on(p, 'TargetFilename', [NO_STREAM], lang)),
  file_name: computed((p, lang) => on(p, 'TargetFilename', [replaceRe('^.*/', ''), NO_STREAM], lang)),
  file_create_time: path('CreationUtcTime'),
  file_modify_time: computed((p) => orNull(eventId([23], p), on(p, 'UtcTime'), p)),
  object_category: constant('file'),
  action: fileAction,
};

/** Sysmon for Linux's events as its add-on extracts them: process creation (1) and file creation and deletion (11, 23). */
const LINUX_SYSMON_TABLES: readonly TableReading[] = [
  {
    ...LINUX_BASE,
    logSource: 'linux.process_creation',
    label: "Sysmon for Linux's fields as its add-on extracts them (process_name as the file name of Image, user as root…)",
    columns: withDataset('Processes', LINUX_PROCESS),
  },
  {
    ...LINUX_BASE,
    logSource: 'linux.file',
    label: "Sysmon for Linux's fields as its add-on extracts them (file_path as TargetFilename, file_name as its file name…)",
    columns: withDataset('Filesystem', LINUX_FILESYSTEM),
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Linux audit records (the Splunk Add-on for Linux 2.1.1's [linux:audit], Splunkbase 3412: the sourcetype of
// /var/log/audit/audit.log that security_content's `linux_auditd` macro names)

/**
 * The fields the add-on computes, by long cases over record types (`user` from the interpreted `AUID` or `UID`,
 * `action` and `status` per type, `process` from a USER_CMD record's decoded `cmd`, `src` from `hostname` or `addr`):
 * not read here, so unknown wherever a search tests them.
 */
const AUDIT_COMPUTED = [
  'user', 'user_name', 'user_id', 'src_user', 'src_user_name', 'action', 'status', 'result', 'reason', 'object', 'object_id', 'object_category', 'change_type',
  'src', 'src_ip', 'signature', 'signature_id', 'app', 'service', 'service_name', 'command', 'dvc',
  'process', 'process_path', 'process_exec', 'process_name', 'process_id', 'process_current_directory',
];

/** The record's `msg=audit(<time>:<serial>)`, one of its two parts (the add-on's `event_id` transform). */
const auditHeader = (part: 1 | 2): Column => derivedFrom('msg', [{ fn: 'extract', args: ['^audit\\(([^:]+):(.+)\\)$', part] }]);

/**
 * Every pair of the record by its name (the add-on sets no KV_MODE: Splunk's automatic key-value extraction takes each
 * `key=value`, a user-space message's inner pairs and the ENRICHED format's interpreted fields, double quotes
 * stripped, hexadecimal values as written); `host` and `dest` are the input's host, whose value the record does not
 * hold (a `node=` prefix is only a field `node`).
 */
const AUDITD_TABLE: TableReading = {
  logSource: 'linux.auditd',
  onlyWith: 'linux.auditd',
  raw: 'the audit log as the Splunk Add-on for Linux extracts it',
  label: "the audit record's pairs by their names, as the Splunk Add-on for Linux extracts them (dest as the input's host)",
  lang: 'eql',
  sameName: () => true,
  columns: {
    _time: present,
    host: present,
    dest: present,
    vendor_product: constant('Linux Audit'),
    subject: path('subj'),
    time_stamp: auditHeader(1),
    event_id: auditHeader(2),
    ...Object.fromEntries(AUDIT_COMPUTED.map((f) => [f, computed((p) => unsetHere(p, "the add-on computes it by record type; not read here"))])),
  },
};

// ---------------------------------------------------------------------------------------------------------------
// The Security log (Splunk_TA_windows 8.8.0's [source::XmlWinEventLog:Security])

/** 4688's user: `TargetUserName` unless it is `-`, else `SubjectUserName`. */
const securityUser: Column = computed((p) => {
  const target = and(notNull('TargetUserName', p), not(pred('TargetUserName', 'eq', ['-'], { cs: true }, p.span)));
  return or(and(target, on(p, 'TargetUserName')), and(not(target), on(p, 'SubjectUserName')));
});

/** The add-on's split of 4688's command line into its first token (a quoted string, or up to a blank) and the rest. */
const FIRST_TOKEN = '(^"[^"]+"|[^\\s]+)';
const firstToken = { fn: 'extract', args: [FIRST_TOKEN, 1] } as const;
const theArguments = { fn: 'extract', args: [`${FIRST_TOKEN}\\s*(.*)`, 2] } as const;

/**
 * 4688's `process`: the command line where its first token holds a backslash (a path); else `NewProcessName` (quoted
 * where it has a blank), a blank and the command line's arguments; `NewProcessName` where there is no command line.
 */
const securityProcess: Column = computed((p, lang) => {
  if (p.values.some((v) => typeof v === 'object' && v !== null)) return undefined;
  const hasLine = notNull('CommandLine', p);
  const pathFirst: Predicate = { ...pred('CommandLine', 'contains', ['\\'], { cs: true }, p.span), derived: { steps: [firstToken], lang: 'eql' } } as Predicate;
  const spaced = pred('NewProcessName', 'regex', ['\\s'], { cs: true }, p.span);
  const image = { kind: 'field', field: 'NewProcessName' } as const;
  const rebuilt = (before: readonly (string | typeof image)[]) => on(p, 'CommandLine', [theArguments, { fn: 'strcat', args: [before, []] }], lang);
  return or(
    and(hasLine, pathFirst, on(p, 'CommandLine')),
    and(hasLine, not(pathFirst), spaced, rebuilt(['"', image, '" '])),
    and(hasLine, not(pathFirst), not(spaced), rebuilt([image, ' '])),
    and(isNull('CommandLine', p), on(p, 'NewProcessName')),
  );
});

const SECURITY_PROCESS: Readonly<Record<string, Column>> = {
  process_name: windowsBasename('NewProcessName'),
  process_exec: windowsBasename('NewProcessName'),
  process_path: path('NewProcessName'),
  process: securityProcess,
  // the parent's path: the Security log has no parent command line
  parent_process: path('ParentProcessName'),
  parent_process_name: windowsBasename('ParentProcessName'),
  parent_process_path: path('ParentProcessName'),
  // the ids as the event writes them (0x1a2c)
  process_id: path('NewProcessId'),
  parent_process_id: path('ProcessId'),
  user: securityUser,
  dest: path('Computer'),
  // unset for 4688 (missing in a search of the events, `unknown` in the data model)
  ...Object.fromEntries(['original_file_name', 'process_guid', 'parent_process_guid', 'process_integrity_level', 'process_current_directory', 'process_hash', 'parent_process_exec'].map((f) => [f, oneOf([null, 'unknown'], 'the Windows add-on does not set it for 4688 (missing, or `unknown` in the data model)')])),
};

const SECURITY_BASE = { ...WINDOWS_BASE, onlyWith: SECURITY_EVENT_LOG, raw: 'the Security event as the Windows add-on extracts it' } as const;

const SECURITY_TABLES: readonly TableReading[] = [
  {
    ...SECURITY_BASE,
    logSource: 'windows.security',
    label: "the Security event's fields by their own names (TargetUserName…), EventCode as EventID, dest as Computer",
    columns: { ...WINDOWS_COMMON, dest: path('Computer') },
  },
  {
    ...SECURITY_BASE,
    logSource: 'windows.process_creation',
    label: "4688's fields as the Windows add-on extracts them (process_name as the file name of NewProcessName…)",
    columns: { ...WINDOWS_COMMON, ...withDataset('Processes', { ...SECURITY_PROCESS, action: computed((p) => orNull(eventId([4688], p), constantPredicate(p, 'allowed'), p)) }) },
  },
];

// ---------------------------------------------------------------------------------------------------------------
// PowerShell Operational (the Windows add-on's [XmlWinEventLog] alone: no dest, no user)

const POWERSHELL_TABLE: TableReading = {
  ...WINDOWS_BASE,
  onlyWith: POWERSHELL_EVENT_LOG,
  logSource: 'windows.powershell',
  raw: 'the PowerShell event as the Windows add-on extracts it',
  label: "the PowerShell event's fields by their own names (ScriptBlockText…), EventCode as EventID",
  columns: { ...WINDOWS_COMMON },
};

// ---------------------------------------------------------------------------------------------------------------
// AWS CloudTrail (Splunk_TA_aws 7.10.0's [aws:cloudtrail]), and Security Lake's OCSF names ([aws:asl])

const CLOUDTRAIL = 'aws.cloudtrail';

/** The members of a CloudTrail record, which Splunk's JSON extraction names by their dotted paths. */
const CLOUDTRAIL_MEMBERS = new Set([
  'eventVersion', 'userIdentity', 'eventTime', 'eventSource', 'eventName', 'awsRegion', 'sourceIPAddress', 'userAgent', 'errorCode',
  'errorMessage', 'requestParameters', 'responseElements', 'additionalEventData', 'requestID', 'eventID', 'eventType', 'apiVersion',
  'managementEvent', 'readOnly', 'recipientAccountId', 'serviceEventDetails', 'sharedEventID', 'vpcEndpointId', 'eventCategory',
  'tlsDetails', 'sessionCredentialFromConsole', 'edgeDeviceDetails', 'insightDetails',
]);

/** A member by its dotted path (`userIdentity.arn`, an array's elements `resources{}.ARN`: `resolveSplunkField`). */
const cloudTrailSameName = (f: string): boolean => CLOUDTRAIL_MEMBERS.has(f.split('.')[0]!.replace(/(\{\})+$/, ''));

/**
 * `errorCode`, which the add-on overwrites: the event's own, else `failure` for a console sign-in whose
 * `responseElements.ConsoleLogin` is `Failure`, else `success`.
 */
const cloudTrailErrorCode: Column = computed((p) => {
  const failed = pred('responseElements.ConsoleLogin', 'eq', ['Failure'], { cs: true }, p.span);
  return or(and(notNull('errorCode', p), on(p, 'errorCode')), and(isNull('errorCode', p), failed, constantPredicate(p, 'failure')), and(isNull('errorCode', p), not(failed), constantPredicate(p, 'success')));
});

/** `aws_account_id`: the recipient account for a call by an AWS account or service, else the caller's account. */
const awsAccountId: Column = computed((p) => {
  const service = pred('userIdentity.type', 'in', ['AWSAccount', 'AWSService'], { cs: true }, p.span);
  return or(and(service, on(p, 'recipientAccountId')), and(not(service), on(p, 'userIdentity.accountId')));
});

/** An OCSF `src_endpoint.ip`: `sourceIPAddress` for an address test (a service's name gives none). */
const sourceIp = addressIn('sourceIPAddress');

const CLOUDTRAIL_TABLE: TableReading = {
  // the add-on leaves out what it cannot extract
  lang: 'eql',
  logSource: CLOUDTRAIL,
  onlyWith: CLOUDTRAIL,
  raw: "CloudTrail's JSON as the AWS add-on extracts it",
  label: "CloudTrail's JSON by its dotted paths, with the AWS add-on's fields (src_ip as sourceIPAddress, user_arn…) and Security Lake's OCSF names (api.operation as eventName…)",
  sameName: cloudTrailSameName,
  columns: {
    _time: present,
    errorCode: cloudTrailErrorCode,
    msg: coalesced('errorCode'),
    result_id: path('errorCode'),
    reason: path('errorMessage'),
    src: path('sourceIPAddress'),
    src_ip: path('sourceIPAddress'),
    region: path('awsRegion'),
    vendor_region: path('awsRegion'),
    signature: path('eventName'),
    command: path('eventName'),
    dvc: path('eventSource'),
    app: path('eventType'),
    start_time: path('eventTime'),
    user_group_id: path('userIdentity.accountId'),
    user_access_key: path('userIdentity.accessKeyId'),
    temp_access_key: path('responseElements.credentials.accessKeyId'),
    aws_account_id: awsAccountId,
    vendor_account: coalesced('userIdentity.accountId', 'recipientAccountId'),
    user_arn: coalesced('userIdentity.arn', 'requestParameters.roleArn'),
    user_agent: path('userAgent'),
    vendor_product: constant('AWS CloudTrail'),
    // Security Lake's OCSF CloudTrail (OCSF 1.1)
    'api.operation': path('eventName'),
    'api.service.name': path('eventSource'),
    'cloud.region': path('awsRegion'),
    'http_request.user_agent': path('userAgent'),
    'actor.user.uid': path('userIdentity.arn'),
    'actor.user.account.uid': path('userIdentity.accountId'),
    'src_endpoint.ip': sourceIp,
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Okta System Log (Splunk_TA_okta_identity_cloud 5.0.2's [OktaIM2:log])

const OKTA = 'okta.system';

/** The members of an Okta System Log event, by their dotted paths (`outcome.result`, `target{}.alternateId`). */
const OKTA_MEMBERS = new Set([
  'uuid', 'published', 'eventType', 'version', 'severity', 'legacyEventType', 'displayMessage', 'actor', 'client', 'device', 'outcome',
  'target', 'transaction', 'debugContext', 'authenticationContext', 'securityContext', 'request', 'insertionTimestamp',
]);
const oktaSameName = (f: string): boolean => OKTA_MEMBERS.has(f.split('.')[0]!.replace(/(\{\})+$/, ''));

const eventTypeIn = (types: readonly string[], p: Predicate): Expr => pred('eventType', 'in', [...types], { cs: true }, p.span);

/** Event types whose `user` the add-on takes from the first target of a kind (a regular expression over the raw text). */
const OKTA_TARGET_USER_TYPES = [
  'user.account.privilege.grant', 'system.sms.send_password_reset_message', 'user.mfa.factor.unsuspend', 'user.mfa.factor.suspend',
  'app.realtimesync.import.details.update_user', 'user.account.privilege.revoke', 'user.account.reset_password', 'user.account.unlock',
  'user.account.update_password', 'user.account.update_profile', 'user.account.update_secondary_email', 'user.lifecycle.activate',
  'user.lifecycle.create', 'user.lifecycle.deactivate', 'user.lifecycle.suspend', 'user.lifecycle.unsuspend', 'user.mfa.factor.activate',
  'user.mfa.factor.deactivate', 'user.mfa.factor.reset_all', 'user.mfa.factor.update', 'system.sms.send_account_unlock_message',
  'app.user_management.push_new_user_success', 'system.sms.send_phone_verification_message', 'system.sms.send_factor_verify_message',
  'user.lifecycle.reactivate', 'app.access_request.expire', 'system.agent.ad.reset_user_password', 'app.user_management',
  'system.import.user_matching.start', 'system.import.user.complete',
];
const OKTA_TOKEN_GRANTS = ['app.oauth2.as.token.grant.access_token', 'app.oauth2.token.grant.access_token', 'app.oauth2.token.grant.id_token', 'app.oauth2.token.grant.refresh_token'];

/** `user`: the actor's display name for a token grant, a target's name for the user changes (not read), else the actor. */
const oktaUser: Column = computed((p) =>
  or(
    and(eventTypeIn(OKTA_TOKEN_GRANTS, p), on(p, 'actor.displayName')),
    and(eventTypeIn(OKTA_TARGET_USER_TYPES, p), unsetHere(p, 'the add-on takes it from a target it finds in the raw text for this event type')),
    and(not(eventTypeIn([...OKTA_TOKEN_GRANTS, ...OKTA_TARGET_USER_TYPES], p)), on(p, 'actor.alternateId')),
  ),
);

const OKTA_IMPORTS = ['system.import.implicit_deletion.complete', 'system.import.implicit_deletion.start', 'system.import.membership_processing.complete', 'system.import.membership_processing.start', 'system.import.user_matching.complete', 'system.import.user_matching.start'];

/** `status`: `success` for the import steps, `failure` for a skipped directory import, else the outcome lower-cased. */
const oktaStatus: Column = computed((p, lang) => {
  const skipped = and(pred('eventType', 'eq', ['system.agent.ad.import_user'], { cs: true }, p.span), pred('outcome.result', 'eq', ['SKIPPED'], { cs: true }, p.span));
  return or(and(eventTypeIn(OKTA_IMPORTS, p), constantPredicate(p, 'success')), and(not(eventTypeIn(OKTA_IMPORTS, p)), skipped, constantPredicate(p, 'failure')), and(not(eventTypeIn(OKTA_IMPORTS, p)), not(skipped), on(p, 'outcome.result', [{ fn: 'lower' }], lang)));
});

/** `user_agent`: the raw user agent unless Okta wrote `unknown`. */
const oktaUserAgent: Column = computed((p) => {
  const known = and(notNull('client.userAgent.rawUserAgent', p), not(pred('client.userAgent.rawUserAgent', 'eq', ['unknown'], { cs: true }, p.span)));
  return orNull(known, on(p, 'client.userAgent.rawUserAgent'), p);
});

const OKTA_TABLE: TableReading = {
  // the add-on leaves out what it cannot extract
  lang: 'eql',
  logSource: OKTA,
  onlyWith: OKTA,
  raw: "the Okta System Log's JSON as the Okta add-on extracts it",
  label: "the Okta System Log's JSON by its dotted paths, with the Okta add-on's fields (src_ip as client.ipAddress, user as the actor…)",
  sameName: oktaSameName,
  columns: {
    _time: present,
    src_ip: path('client.ipAddress'),
    signature: path('eventType'),
    command: path('eventType'),
    src_user: path('actor.alternateId'),
    src_user_name: path('actor.displayName'),
    src_user_id: path('actor.id'),
    id: path('transaction.id'),
    user: oktaUser,
    status: oktaStatus,
    user_agent: oktaUserAgent,
    vendor_product: constant('Okta Identity Cloud'),
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Microsoft 365 (the Splunk Add-on for Microsoft Office 365's [o365:management:activity]: the Management Activity API's
// records, JSON extracted with their own names)

const M365 = 'm365.audit';

/** A field the add-on's `case(isnotnull(f) and f!="", f, …)` takes: present and not empty. */
const filled = (f: string, p: Predicate): Expr => and(notNull(f, p), not(pred(f, 'eq', [''], { cs: true }, p.span)));

/** The first of these fields that is present and not empty, else null (the add-on's `case` without a default). */
function firstFilled(fields: readonly string[], rest: (p: Predicate) => Expr = (p) => constantPredicate(p, null)): Column {
  return computed((p) =>
    or(
      ...fields.map((f, i) => and(...fields.slice(0, i).map((g) => not(filled(g, p))), filled(f, p), on(p, f))),
      and(...fields.map((g) => not(filled(g, p))), rest(p)),
    ),
  );
}

const operationIn = (ops: readonly string[], p: Predicate): Expr => pred('Operation', 'in', [...ops], { cs: true }, p.span);
/** Sign-in operations whose `action` is their `LogonError`'s absence. */
const M365_LOGONS = ['ForeignRealmIndexLogonInitialAuthUsingADFSFederatedToken', 'PasswordLogonCookieCopyUsingDAToken', 'PasswordLogonInitialAuthUsingADFSFederatedToken', 'PasswordLogonInitialAuthUsingPassword', 'UserLoggedIn'];

/** `action`: `failure` for UserLoginFailed; for the sign-in operations `success` without a LogonError, else `failure`; else none. */
const m365Action: Column = computed((p) => {
  const failed = operationIn(['UserLoginFailed'], p);
  const logon = and(not(failed), operationIn(M365_LOGONS, p));
  return or(
    and(failed, constantPredicate(p, 'failure')),
    and(logon, isNull('LogonError', p), constantPredicate(p, 'success')),
    and(logon, notNull('LogonError', p), constantPredicate(p, 'failure')),
    and(not(failed), not(operationIn(M365_LOGONS, p)), constantPredicate(p, null)),
  );
});

/** `status`: `failure` where ResultStatus is Failed, Failure or Error, else `success`. */
const m365Status: Column = computed((p) => {
  const failed = pred('ResultStatus', 'in', ['Failed', 'Failure', 'Error'], { cs: true }, p.span);
  return or(and(failed, constantPredicate(p, 'failure')), and(not(failed), constantPredicate(p, 'success')));
});

/**
 * Fields of the records themselves (the Management Activity API's common schema and the workloads' schemas), which no
 * `ExtendedProperties` entry names.
 */
const M365_RECORD = new Set([
  'Id', 'RecordType', 'CreationTime', 'Operation', 'OrganizationId', 'UserType', 'UserKey', 'Workload', 'ResultStatus', 'ObjectId', 'UserId',
  'ClientIP', 'ClientIPAddress', 'ActorIpAddress', 'Actor', 'Target', 'ActorContextId', 'TargetContextId', 'ApplicationId', 'AppId', 'ClientAppId',
  'ClientInfoString', 'ExtendedProperties', 'ModifiedProperties', 'Parameters', 'ErrorNumber', 'LogonError', 'AzureActiveDirectoryEventType',
  'InterSystemsId', 'IntraSystemId', 'SupportTicketId', 'SiteUrl', 'SourceFileName', 'SourceFileExtension', 'SourceRelativeUrl', 'ItemType',
  'EventSource', 'Site', 'MailboxOwnerUPN', 'MailboxGuid', 'LogonType', 'ExternalAccess', 'OriginatingServer', 'OrganizationName', 'AlertId',
  'AlertType', 'Name', 'Severity', 'Status', 'PolicyId', 'Category', 'Comments', 'Data', 'EntityType', 'AlertLinks', 'AlertEntityId',
  'TargetUserOrGroupName', 'TargetUserOrGroupType', 'Folder', 'Item', 'Folders', 'AffectedItems', 'OperationCount', 'SessionId', 'TeamName',
  'Members', 'Version', 'DeviceProperties', 'ClientRequestId', 'CorrelationId', 'EventData', 'ListItemUniqueId', 'WebId', 'FileSizeBytes',
]);

/** Capitalized fields the add-on's extractions make (`Params` from the record's `Parameters`…): not the record's own. */
const M365_EXTRACTED = new Set(['Params', 'SrcUserDomain', 'RecipientDomain']);

/**
 * A record field by its own name; a word-named one the record lacks may be an `ExtendedProperties` entry of that
 * name, which the add-on extracts as a field (`RequestType`, `UserAgent`): unknown there, as its value is cut by a
 * regular expression over the raw text.
 */
function m365SameName(f: string): boolean | Column {
  if (!/^[A-Z]/.test(f) || M365_EXTRACTED.has(f)) return false;
  if (!/^\w+$/.test(f) || M365_RECORD.has(f)) return true;
  return computed((p) => {
    const entry = pred('ExtendedProperties{}.Name', 'eq', [f], { cs: true }, p.span);
    return or(and(notNull(f, p), on(p, f)), and(isNull(f, p), entry, unsetHere(p, 'an ExtendedProperties entry the add-on extracts by its name')), and(isNull(f, p), not(entry), constantPredicate(p, null)));
  });
}

const M365_TABLE: TableReading = {
  // the add-on leaves out what it cannot extract
  lang: 'eql',
  logSource: M365,
  onlyWith: M365,
  raw: "the Management Activity API's record as the Microsoft Office 365 add-on extracts it",
  label: "the Management Activity API's record by its own names, with the Microsoft Office 365 add-on's fields (command as Operation, src_ip as ActorIpAddress or ClientIP…)",
  // the record's own fields (`Operation`, `Workload`, `ModifiedProperties{}.Name`); the add-on's are lower case
  sameName: m365SameName,
  columns: {
    _time: present,
    command: path('Operation'),
    vendor_account: path('OrganizationId'),
    tenant_id: path('OrganizationId'),
    file_path: path('SourceRelativeUrl'),
    object_size: path('FileSizeBytes'),
    src_ip: firstFilled(['ActorIpAddress', 'ClientIP']),
    // then the cloud role the add-on's environment lookup adds: not read
    src: firstFilled(['ActorIpAddress', 'ClientIP'], (p) => unsetHere(p, "the add-on's environment field, not read here")),
    app: coalesced('Client', 'Workload'),
    authentication_service: computed((p) => or(and(operationIn(['TeamsSessionStarted'], p), constantPredicate(p, null)), and(not(operationIn(['TeamsSessionStarted'], p)), on(p, 'Workload')))),
    reason: computed((p) => {
      const failed = and(operationIn(['UserLoginFailed'], p), notNull('LogonError', p));
      return orNull(failed, on(p, 'LogonError'), p);
    }),
    email: computed((p) => {
      const yammer = pred('Workload', 'eq', ['Yammer'], { cs: true }, p.span);
      return orNull(yammer, on(p, 'UserId'), p);
    }),
    action: m365Action,
    status: m365Status,
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Entra ID (the Splunk Add-on for Microsoft Cloud Services' [azure:monitor:aad]: the sign-in and audit records as
// Azure Monitor's diagnostic settings export them to an Event Hub, JSON extracted by its dotted paths)

/** The export's own top-level fields; the record's are under `properties.`. */
const ENTRA_EXPORT_FIELDS = new Set([
  'time', 'resourceId', 'operationName', 'operationVersion', 'category', 'tenantId', 'resultType', 'resultSignature', 'resultDescription',
  'durationMs', 'callerIpAddress', 'correlationId', 'identity', 'Level', 'location', 'properties',
]);
/** A path the export does not have at its top (`initiatedBy.user.id` without `properties.`): missing (the add-on's fields are plain names). */
const MISSING_HERE: Column = computed((p) => constantPredicate(p, null));
const entraSameName = (f: string): boolean | Column => (ENTRA_EXPORT_FIELDS.has(f.split('.')[0]!.replace(/(\{\})+$/, '')) ? true : /[.{]/.test(f) ? MISSING_HERE : false);

const opIn = (ops: readonly string[], p: Predicate): Expr => pred('operationName', 'in', [...ops], { cs: true }, p.span);
const SIGN_IN_OP = ['Sign-in activity'];
const FAILURE_REASON = 'properties.status.failureReason';

/** `user`: a case over operations; the branches that take a target by its type (`mvfind`) or an extracted field, unknown. */
const ENTRA_TARGET_USER_OPS = [
  'Add member to role', 'Add member to group', 'Add owner to application', 'Update user', 'Invite external user', 'Reset user password', 'Restore user',
  'Add member to role outside of PIM (permanent)', 'Change password (self-service)', 'Reset password (by admin)', 'Add eligible member to role',
  'Remove eligible member from role', 'Remove member from group', 'Change user password', 'Add user', 'Delete user', 'Remove member from role',
  'Clear block on user', 'Add blocked user', 'User registered all required security info', 'User registered security info', 'Set user manager',
  'Enable account', 'Disable account', 'Hard Delete user',
];
const ENTRA_PIM_PREFIXES = ['Add member to role in PIM', 'Add eligible member to role in PIM', 'Remove eligible member from role in PIM', 'Remove member from role in PIM'];
const ENTRA_UNREAD_USER_OPS = [
  'Add service principal', 'Update service principal', 'Redeem external user invite', 'Delete external user', 'Viral user creation',
  'Set Company Information', 'Create connected organization', 'Finish applying group based license to users', 'Add label', 'Hard delete service principal',
  'Remove app role assignment from user', 'Add app role assignment grant to user',
];
const entraUser: Column = computed((p, lang) => {
  const targets = or(opIn(ENTRA_TARGET_USER_OPS, p), pred('operationName', 'starts_with', ENTRA_PIM_PREFIXES, { cs: true }, p.span));
  const named = or(targets, opIn(['Provisioning activity', 'Add device', 'Hard Delete group', ...ENTRA_UNREAD_USER_OPS], p));
  const fallback = ['properties.initiatedBy.user.userPrincipalName', 'properties.userPrincipalName', 'properties.servicePrincipalName'];
  return or(
    and(opIn(['Provisioning activity'], p), on(p, 'properties.provisioningSteps{}.details.dynamicProperties.userPrincipalName')),
    and(not(opIn(['Provisioning activity'], p)), targets, on(p, 'properties.targetResources{}.userPrincipalName')),
    and(opIn(['Add device'], p), on(p, 'properties.initiatedBy.app.displayName')),
    and(opIn(['Hard Delete group'], p), on(p, 'identity')),
    and(opIn(ENTRA_UNREAD_USER_OPS, p), unsetHere(p, 'the add-on takes it from a target by its type or an extracted field for this operation')),
    and(not(named), coalesced(...fallback).read!(p, lang)!),
  );
});

const ENTRA_TABLE: TableReading = {
  // the add-on leaves out what it cannot extract
  lang: 'eql',
  logSource: 'entra.audit',
  onlyWith: ENTRA_EXPORT,
  raw: "Entra ID's exported record as the Microsoft Cloud Services add-on extracts it",
  label: "Entra ID's exported record by its dotted paths, with the Microsoft Cloud Services add-on's fields (src_ip as callerIpAddress, user as the initiator…)",
  sameName: entraSameName,
  columns: {
    _time: present,
    command: path('operationName'),
    signature: path('operationName'),
    src: path('callerIpAddress'),
    src_ip: path('callerIpAddress'),
    dest: path('tenantId'),
    vendor_account: path('tenantId'),
    id: path('properties.id'),
    reason: path(FAILURE_REASON),
    severity: path('properties.riskLevel'),
    authentication_service: path('properties.tokenIssuerType'),
    // a sign-in's: success without a failure reason, failure with one; none for another operation
    action: computed((p) =>
      or(
        and(opIn(SIGN_IN_OP, p), isNull(FAILURE_REASON, p), constantPredicate(p, 'success')),
        and(opIn(SIGN_IN_OP, p), notNull(FAILURE_REASON, p), constantPredicate(p, 'failure')),
        and(not(opIn(SIGN_IN_OP, p)), constantPredicate(p, null)),
      ),
    ),
    app: computed((p) => {
      const named = notNull('properties.appDisplayName', p);
      const azure = opIn(['Risky user', 'User Risk Detection', 'Sign-in activity'], p);
      return or(and(named, on(p, 'properties.appDisplayName')), and(not(named), azure, constantPredicate(p, 'Azure AD')), and(not(named), not(azure), constantPredicate(p, null)));
    }),
    // success for a provisioning step whose result type is Success, or a result of success; else failure
    status: computed((p) => {
      const ok = or(and(opIn(['Provisioning activity'], p), pred('resultType', 'eq', ['Success'], { cs: true }, p.span)), pred('properties.result', 'eq', ['success'], { cs: true }, p.span));
      return or(and(ok, constantPredicate(p, 'success')), and(not(ok), constantPredicate(p, 'failure')));
    }),
    user_agent: computed((p) => or(and(opIn(SIGN_IN_OP, p), on(p, 'properties.userAgent')), and(not(opIn(SIGN_IN_OP, p)), unsetHere(p, "the add-on takes it from the record's additional details by key")))),
    user: entraUser,
  },
};


// ---------------------------------------------------------------------------------------------------------------
// Google Workspace's Reports API events, one event a record (`WORKSPACE_EVENT`): the Splunk Add-on for Google
// Workspace's `gws:reports:<application>` (its input writes each event of an activity as a Splunk event of its own,
// the activity's `id`, `actor` and `ipAddress` beside the event under `event`, JSON extracted by its dotted paths), and
// the flat form of the older `gsuite:drive:json` and `gsuite:calendar:json` (the event's `name`, `type` and
// `parameters` map, the actor's address in `email`). The add-on's `props.conf` could not be read here: of its
// search-time fields, only those a CIM data set names for these values are read (`src_ip` the address, `user` a login's
// actor, `command` the event's name); the others (`app`, `action`, `status`, `vendor_account`) are unknown.

/** `sourcetype`: the add-on's per application, or the older forms' (drive's and calendar's events). */
const workspaceSourcetype: Column = computed((p) => {
  const vs = stringValues(p);
  if (!vs) return undefined;
  const cs = p.opts?.cs !== false;
  return or(
    ...vs.map((v) => {
      const t = cs ? v : v.toLowerCase();
      const m = /^gws:reports:([a-z_]+)$/.exec(t) ?? /^gsuite:(drive|calendar):json$/.exec(t);
      return m ? applicationIs([m[1]!], p) : FALSE;
    }),
  );
});

/** The record's own fields, which both forms keep by their names (the parameters as a map in the flat form). */
const WORKSPACE_OWN = new Set(['id', 'actor', 'ipAddress', 'kind', 'ownerDomain', 'name', 'type', 'parameters']);

const WORKSPACE_TABLE: TableReading = {
  // the add-on leaves out what it cannot extract
  lang: 'eql',
  logSource: 'google_workspace',
  onlyWith: WORKSPACE_EVENT,
  raw: "the Reports API event as the Google Workspace add-on extracts it",
  label: "the Reports API event by its dotted paths (event.name as name…), with the add-on's CIM fields (src_ip as ipAddress, user as a login's actor…)",
  sameName: (f) => WORKSPACE_OWN.has(f.split('.')[0]!),
  columns: {
    _time: present,
    sourcetype: workspaceSourcetype,
    'event.name': path('name'),
    'event.type': path('type'),
    // the older flat form's names
    email: path('actor.email'),
    ip_address: path('ipAddress'),
    unique_id: path('id.uniqueQualifier'),
    src: path('ipAddress'),
    src_ip: path('ipAddress'),
    command: path('name'),
    // a login's account (CIM Authentication's user); on another application's events (an admin's target user?) unknown
    user: computed((p) => or(and(applicationIs(['login'], p), on(p, 'actor.email')), and(not(applicationIs(['login'], p)), unsetHere(p, "the add-on's user of this application's events is not read here")))),
    // the list values of the event's parameters (`multiValue`): a login event's one list is its challenge methods
    'event.parameters{}.multiValue{}': computed((p) => or(and(applicationIs(['login'], p), on(p, 'parameters.login_challenge_method')), and(not(applicationIs(['login'], p)), unsetHere(p, "the list values of this application's parameters are not read here")))),
    login_challenge_method: path('parameters.login_challenge_method'),
    authentication_method: path('parameters.login_challenge_method'),
  },
  // a key read as the login's actor, as `user` is on the only events a search over logins counts
  groupsAs: { user: 'actor.email' },
};


/**
 * The hunt's readings of a Splunk search over raw logs (`FormatAdapter.huntReadings`): one per raw log of the
 * search's log sources.
 */
export function splunkHuntReadings(logSources: readonly string[], condition: Expr, rule?: RuleRecord): readonly HuntReading[] {
  if (!rule) return [];
  const tables = [...SYSMON_TABLES, ...LINUX_SYSMON_TABLES, AUDITD_TABLE, ...SECURITY_TABLES, POWERSHELL_TABLE, CLOUDTRAIL_TABLE, OKTA_TABLE, M365_TABLE, WORKSPACE_TABLE].filter((t) => logSources.includes(t.logSource));
  const readings = tables.flatMap((t) => tableReading(t, condition, rule));
  // Entra ID: one reading over the sign-in and the audit records alike (the add-on's sourcetype holds both, and the
  // vocabulary names the audit log for every Azure AD search)
  if (logSources.includes('entra.audit') || logSources.includes('entra.signin')) for (const r of tableReading(ENTRA_TABLE, condition, rule)) readings.push({ ...r, logSources: ['entra.audit', 'entra.signin'] });
  return readings;
}
