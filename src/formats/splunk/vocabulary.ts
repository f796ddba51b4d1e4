/**
 * Splunk's vocabulary (data): ESCU `data_source` names and CIM data models onto canonical log sources, and CIM
 * field names (`Processes.process_name`, or `process_name` after `drop_dm_object_name`) and Splunk Add-on
 * spellings (`EventCode`, 4688's `New_Process_Name`) onto the raw log's names. Searches over a source macro that
 * reads the raw log (`cloudtrail`, `okta`, `sysmon`) already use the raw names.
 */
import { topConjuncts } from '../../model/analyze.ts';
import type { RuleRecord } from '../../model/rule.ts';
import type { FieldTable, Vocabulary } from '../../model/vocabulary/canonical.ts';

/** ESCU data source names: exact names first, then the rules below. */
export const SPLUNK_DATA_SOURCES: Readonly<Record<string, string>> = {
  'sysmon eventid 1': 'windows.process_creation',
  'windows event log security 4688': 'windows.process_creation',
  'crowdstrike processrollup2': 'windows.process_creation',
  'sysmon eventid 12': 'windows.registry',
  'sysmon eventid 13': 'windows.registry',
  'sysmon eventid 14': 'windows.registry',
  'sysmon eventid 11': 'windows.file',
  'sysmon eventid 23': 'windows.file',
  'sysmon eventid 3': 'windows.network',
  'sysmon eventid 22': 'windows.dns',
  'sysmon eventid 7': 'windows.image_load',
  'sysmon eventid 10': 'windows.process_access',
  'sysmon eventid 6': 'windows.driver_load',
  'sysmon eventid 17': 'windows.pipe',
  'sysmon eventid 18': 'windows.pipe',
  'powershell script block logging 4104': 'windows.powershell',
  'sysmon for linux eventid 1': 'linux.process_creation',
  'sysmon for linux eventid 11': 'linux.file',
  'aws cloudtrail': 'aws.cloudtrail',
  'asl aws cloudtrail': 'aws.cloudtrail',
  okta: 'okta.system',
  'azure active directory': 'entra.audit',
  'kubernetes audit': 'kubernetes.audit',
  'o365 universal audit log': 'm365.audit',
  'gcp cloud audit': 'gcp.audit',
  'office 365 universal audit log': 'm365.audit',
  o365: 'm365.audit',
  'azure monitor activity': 'azure.activity',
  'sysmon event id 11': 'windows.file',
  'sysmon eventid 8': 'windows.process_access',
  'sysmon eventid 15': 'windows.file',
  'github enterprise audit logs': 'github.audit',
  'github organizations audit logs': 'github.audit',
  'google workspace': 'google_workspace',
  'nginx access': 'webserver',
};

/** Prefix rules for the rest (`Windows Event Log Security 4624`, `Linux Auditd Execve`, `AWS CloudTrail CreateKey`). */
const PREFIXES: readonly [string, string][] = [
  ['windows event log security ', 'windows.security'],
  ['windows security ', 'windows.security'],
  ['windows event log system ', 'windows.system'],
  ['linux auditd', 'linux.auditd'],
  ['aws cloudtrail', 'aws.cloudtrail'],
  ['azure active directory', 'entra.audit'],
  ['o365 ', 'm365.audit'],
  ['okta', 'okta.system'],
  ['github', 'github.audit'],
  ['gsuite', 'google_workspace'],
  ['google workspace', 'google_workspace'],
  ['kubernetes', 'kubernetes.audit'],
  ['gcp ', 'gcp.audit'],
];

/**
 * Windows event log channels as the Windows add-on names their `source` and `sourcetype`
 * (`XmlWinEventLog:Microsoft-Windows-Sysmon/Operational`, `WinEventLog:Security`): a search of its own over one (a
 * team's Markdown notes, a `.spl` file) reads that log. Sysmon's log holds every Sysmon event (the search's
 * `EventCode` picks which): the Windows events recognised as Sysmon's.
 */
const EVENT_LOG_CHANNELS: Readonly<Record<string, string>> = {
  security: 'windows.security',
  system: 'windows.system',
  'microsoft-windows-sysmon/operational': 'vendor:windows/sysmon',
  'microsoft-windows-powershell/operational': 'windows.powershell',
};

/**
 * The log sources of a `source=` or `sourcetype=` constraint naming a Windows event log channel. Over Sysmon's log,
 * the events the search's top-level `EventCode` keeps, as ESCU's data sources name them (`Sysmon EventID 1`: process
 * creation); without one, every Sysmon event.
 */
function eventLogSources(constraint: string, rule: RuleRecord): string[] {
  const channel = eventLogSource(constraint);
  if (channel !== 'vendor:windows/sysmon') return channel ? [channel] : [];
  const ids = new Set<string>();
  for (const c of rule.logic.condition ? topConjuncts(rule.logic.condition) : []) {
    if (c.kind === 'pred' && c.field === 'EventCode' && (c.op === 'eq' || c.op === 'in') && !c.derived) for (const v of c.values) ids.add(String(v));
  }
  const named = [...ids].flatMap((id) => resolveName(`sysmon eventid ${id}`));
  return named.length === ids.size && ids.size ? [...new Set(named)] : [channel];
}

/** A `source=` or `sourcetype=` constraint naming a Windows event log channel: its log source. */
function eventLogSource(constraint: string): string | undefined {
  const eq = constraint.indexOf('=');
  if (eq < 0 || !/^(source|sourcetype)$/i.test(constraint.slice(0, eq).trim())) return undefined;
  const value = constraint.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  const colon = value.indexOf(':');
  if (colon < 0 || (value.slice(0, colon) !== 'wineventlog' && value.slice(0, colon) !== 'xmlwineventlog')) return undefined;
  return EVENT_LOG_CHANNELS[value.slice(colon + 1)];
}

/** CIM data models onto log sources (`tstats … from datamodel=Endpoint.Processes`). */
export const SPLUNK_DATAMODELS: Readonly<Record<string, string>> = {
  'endpoint.processes': 'windows.process_creation',
  'endpoint.registry': 'windows.registry',
  'endpoint.filesystem': 'windows.file',
  'network_traffic.all_traffic': 'firewall',
  'network_resolution.dns': 'dns',
  'web.web': 'proxy',
  'email.all_email': 'email',
};

function resolveName(name: string): string[] {
  return name
    .split(/\s+AND\s+/i)
    .flatMap((part) => {
      const n = part.trim().toLowerCase();
      const hit = SPLUNK_DATA_SOURCES[n] ?? PREFIXES.find(([p]) => n.startsWith(p))?.[1];
      return hit ? [hit] : [];
    });
}

const PROCESS: FieldTable = {
  process_name: 'Image:name',
  process_path: 'Image',
  process: 'CommandLine',
  parent_process_name: 'ParentImage:name',
  parent_process_path: 'ParentImage',
  parent_process: 'ParentCommandLine',
  original_file_name: 'OriginalFileName',
  user: 'User',
  process_integrity_level: 'IntegrityLevel',
  process_current_directory: 'CurrentDirectory',
  New_Process_Name: 'Image',
  Process_Command_Line: 'CommandLine',
  Creator_Process_Name: 'ParentImage',
  ImageFileName: 'Image',
};

export const splunkVocabulary: Vocabulary = {
  logSources: (rule: RuleRecord) => {
    const out: string[] = [];
    for (const l of rule.logSources) {
      if (l.kind === 'data_source') out.push(...resolveName(l.name));
      else if (l.kind === 'datamodel') {
        const hit = SPLUNK_DATAMODELS[l.name.toLowerCase()];
        if (hit) out.push(hit);
      } else {
        const channel = l.kind === 'constraint' ? eventLogSources(l.name, rule) : [];
        out.push(...(channel.length ? channel : resolveName(l.name)));
      }
    }
    // a data source no other vocabulary covers (Suricata, Palo Alto, PingID…): a vendor log source
    const ds = rule.logSources.find((l) => l.kind === 'data_source');
    if (out.length === 0 && ds) out.push(`vendor:splunk/${ds.name.toLowerCase()}`);
    return out;
  },
  // CIM object prefixes (`Processes.`, `Registry.`, `All_Traffic.`) are dropped before lookup
  normalizeField: (f) => f.replace(/^(Processes|Registry|Filesystem|All_Traffic|DNS|Web|All_Email|Endpoint\.Processes|Endpoint\.Registry|Endpoint\.Filesystem)\./, ''),
  fields: {
    // the Windows add-on's EventCode is the event id; source, sourcetype, eventtype and Channel select the log
    '*': { EventCode: 'EventID', source: '@dataset', sourcetype: '@dataset', eventtype: '@dataset', Channel: '@dataset', action: '@outcome' },
    'windows.process_creation': PROCESS,
    'linux.process_creation': PROCESS,
    'windows.registry': { registry_path: 'TargetObject', registry_value_data: 'Details', registry_key_name: 'TargetObject', process_name: 'Image:name', process_path: 'Image' },
    'windows.file': { file_path: 'TargetFilename', file_name: 'TargetFilename:name', process_name: 'Image:name', process_path: 'Image' },
    'windows.security': { EventCode: 'EventID' },
    'windows.system': { EventCode: 'EventID' },
    'windows.powershell': { ScriptBlockText: 'ScriptBlockText' },
    'aws.cloudtrail': { 'api.operation': 'eventName', 'api.service.name': 'eventSource', 'src_endpoint.ip': 'sourceIPAddress', 'actor.user.uid': 'userIdentity.arn' },
    // CIM Network_Traffic fed by Sysmon event 3 (ESCU's `Sysmon EventID 3` searches): `app` is the connecting
    // process's image path there (those searches test it with path wildcards, `rex field=app ".*\\(?<process_name>.*)$"`
    // and `rename app as process`); `dest` (host name or address) is left unmapped
    'windows.network': { app: 'Image', process_path: 'Image', process_name: 'Image:name', process_id: 'ProcessId', user: 'User', dest_ip: 'DestinationIp', dest_port: 'DestinationPort', src_ip: 'SourceIp', src_port: 'SourcePort', transport: 'Protocol' },
    firewall: { dest_port: 'dst_port', dest: 'dst_ip', dest_ip: 'dst_ip', src: 'src_ip', src_ip: 'src_ip', src_port: 'src_port', action: 'action', transport: 'protocol' },
    dns: { query: 'query', answer: 'answer', record_type: 'record_type' },
    'm365.audit': { Operation: 'Operation', Workload: 'Workload', UserId: 'UserId', ClientIP: 'ClientIP' },
    google_workspace: { 'event.name': 'name', 'event.type': 'type' },
  },
};
