/**
 * How a Sigma rule over a Windows event category reads Elastic's own documents of it (an Elastic Defend or Winlogbeat
 * ECS document, recognised as `vendor:ecs/<log source>`), as pySigma's `ecs_windows` pipeline converts a rule for
 * Elasticsearch (`pySigma-backend-elasticsearch`, `sigma/pipelines/elasticsearch/windows.py`, "ECS Windows log mappings
 * from Winlogbeat from version 7"): each field the pipeline maps is read under its ECS name (`Image` is
 * `process.executable`, `TargetObject` `registry.path`), some by the rule's category (`CommandLine` is
 * `process.command_line` in `process_creation`), and every other field under `winlog.event_data.` (which an Elastic
 * Defend document does not have: a test of it does not hold, as in the converted query). Only category rules: the
 * pipeline adds a `winlog.channel` condition to a rule of a Windows service (`security`, `powershell`), which an
 * Elastic document recognised here has no Winlogbeat form for.
 */
import { ecsDocuments } from '../elastic/vocabulary.ts';
import type { SigmaLogSourceReading } from './securityAudit.ts';

/** The pipeline's mapping for every Windows rule. */
const ECS_WINDOWS: Readonly<Record<string, string>> = {
  EventID: 'event.code',
  Channel: 'winlog.channel',
  Provider_Name: 'winlog.provider_name',
  ComputerName: 'winlog.computer_name',
  FileName: 'file.path',
  ProcessGuid: 'process.entity_id',
  ProcessId: 'process.pid',
  Image: 'process.executable',
  CurrentDirectory: 'process.working_directory',
  ParentProcessGuid: 'process.parent.entity_id',
  ParentProcessId: 'process.parent.pid',
  ParentImage: 'process.parent.executable',
  ParentCommandLine: 'process.parent.command_line',
  TargetFilename: 'file.path',
  SourceIp: 'source.ip',
  SourceHostname: 'source.domain',
  SourcePort: 'source.port',
  DestinationIp: 'destination.ip',
  DestinationHostname: 'destination.domain',
  DestinationPort: 'destination.port',
  DestinationPortName: 'network.protocol',
  ImageLoaded: 'file.path',
  Signed: 'file.code_signature.signed',
  SignatureStatus: 'file.code_signature.status',
  Imphash: 'file.pe.imphash',
  SourceProcessGuid: 'process.entity_id',
  SourceProcessId: 'process.pid',
  SourceImage: 'process.executable',
  Device: 'file.path',
  SourceThreadId: 'process.thread.id',
  TargetObject: 'registry.path',
  PipeName: 'file.name',
  Destination: 'process.executable',
  QueryName: 'dns.question.name',
  QueryStatus: 'sysmon.dns.status',
  IsExecutable: 'sysmon.file.is_executable',
  Archived: 'sysmon.file.archived',
  AccountDomain: 'user.domain',
  AccountName: 'user.name',
  Application: 'process.executable',
  ClientAddress: 'source.ip',
  ClientName: 'source.domain',
  DestAddress: 'destination.ip',
  DestPort: 'destination.port',
  IpAddress: 'source.ip',
  IpPort: 'source.port',
  NewProcessId: 'process.pid',
  NewProcessName: 'process.executable',
  ParentProcessName: 'process.parent.name',
  ProcessName: 'process.executable',
  SourceAddress: 'source.ip',
  TargetDomainName: 'user.domain',
  User: 'user.name',
  WorkstationName: 'source.domain',
};

/** The pipeline's mappings by the rule's category, before the ones above. */
const BY_CATEGORY: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  process_creation: {
    FileVersion: 'process.pe.file_version',
    Description: 'process.pe.description',
    Product: 'process.pe.product',
    Company: 'process.pe.company',
    OriginalFileName: 'process.pe.original_file_name',
    CommandLine: 'process.command_line',
  },
  image_load: {
    FileVersion: 'file.pe.file_version',
    Description: 'file.pe.description',
    Product: 'file.pe.product',
    Company: 'file.pe.company',
    OriginalFileName: 'file.pe.original_file_name',
  },
  network_connection: { Protocol: 'network.transport', Initiated: 'network.direction' },
};

/** The canonical log sources of Sigma's Windows categories, and the category whose mappings each reads. */
const CATEGORIES: readonly (readonly [string, string])[] = [
  ['windows.process_creation', 'process_creation'],
  ['windows.image_load', 'image_load'],
  ['windows.network', 'network_connection'],
  ['windows.file', 'file_event'],
  ['windows.registry', 'registry_event'],
  ['windows.dns', 'dns_query'],
  ['windows.driver_load', 'driver_load'],
  ['windows.process_access', 'process_access'],
  ['windows.pipe', 'pipe_created'],
];

export const ECS_WINDOWS_READINGS: readonly SigmaLogSourceReading[] = CATEGORIES.map(([logSource, category]) => ({
  logSource,
  onlyWith: ecsDocuments(logSource),
  logSources: [ecsDocuments(logSource)],
  readAsFormat: 'elastic',
  renamed: { ...ECS_WINDOWS, ...(BY_CATEGORY[category] ?? {}) },
  translated: {},
  absent: new Set(),
  unknowable: new Set(),
  prefixOthers: 'winlog.event_data.',
  why: "pySigma's ecs_windows pipeline",
  label: "ECS field names, as pySigma's ecs_windows pipeline converts the rule for Elasticsearch",
}));
