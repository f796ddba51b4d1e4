/**
 * Invented Sysmon and Security events as Elastic's ingest pipelines leave them (values moved from `winlog.event_data`
 * to ECS fields), with the EventData values a Sigma rule should read of each (`want`). Written for the project's tests.
 */
const sysmon = (id: number | string, eventData: Record<string, unknown> | undefined, ecs: Record<string, unknown>) => ({
  '@timestamp': '2026-11-30T10:00:00.000Z',
  ecs: { version: '8.0.0' },
  event: { code: String(id), module: 'sysmon' },
  winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', event_id: String(id), provider_name: 'Microsoft-Windows-Sysmon', computer_name: 'ws7.corp', ...(eventData ? { event_data: eventData } : {}) },
  ...ecs,
});

const security = (id: number, eventData: Record<string, unknown>, ecs: Record<string, unknown>) => ({
  '@timestamp': '2026-11-30T10:00:00.000Z',
  event: { code: String(id), module: 'security' },
  winlog: { channel: 'Security', event_id: String(id), provider_name: 'Microsoft-Windows-Security-Auditing', computer_name: 'dc1.corp', event_data: eventData },
  ...ecs,
});

export const ECS_WINLOG_EVENTS: readonly { readonly event: unknown; readonly want: Readonly<Record<string, unknown>> }[] = [
  {
    event: sysmon(1, { IntegrityLevel: 'High', Company: 'Contoso' }, {
      process: {
        executable: 'C:\\Tools\\rclone.exe', command_line: 'rclone.exe copy C:\\data remote:x', working_directory: 'C:\\Users\\ann\\', pid: 4242, entity_id: '{a1}',
        pe: { original_file_name: 'rclone.exe', imphash: 'abc123' }, hash: { md5: 'd41d8cd9', sha256: 'e3b0c442' },
        parent: { executable: 'C:\\Windows\\System32\\cmd.exe', command_line: 'cmd.exe /c go.bat', pid: 4000, entity_id: '{a0}' },
      },
      user: { domain: 'CORP', name: 'ann' },
      rule: { name: 'technique_id=T1567' },
    }),
    want: {
      Image: 'C:\\Tools\\rclone.exe', CommandLine: 'rclone.exe copy C:\\data remote:x', CurrentDirectory: 'C:\\Users\\ann\\', ProcessId: 4242, ProcessGuid: '{a1}',
      OriginalFileName: 'rclone.exe', Hashes: 'MD5=D41D8CD9,SHA256=E3B0C442,IMPHASH=ABC123', ParentImage: 'C:\\Windows\\System32\\cmd.exe',
      ParentCommandLine: 'cmd.exe /c go.bat', ParentProcessId: 4000, ParentProcessGuid: '{a0}', User: 'CORP\\ann', RuleName: 'technique_id=T1567',
      IntegrityLevel: 'High', Company: 'Contoso', SourceImage: undefined, TargetFilename: undefined, EventID: '1',
    },
  },
  {
    event: sysmon(3, undefined, {
      process: { executable: 'C:\\Tools\\agent.exe', pid: 77 },
      source: { ip: '10.1.2.3', port: 49700, domain: 'ws7.corp' },
      destination: { ip: '203.0.113.9', port: 443, domain: 'exfil.example' },
      network: { transport: 'tcp', direction: 'egress', type: 'ipv4', protocol: 'https' },
      user: { name: 'svc' },
    }),
    want: {
      Image: 'C:\\Tools\\agent.exe', ProcessId: 77, SourceIp: '10.1.2.3', SourcePort: 49700, SourceHostname: 'ws7.corp', DestinationIp: '203.0.113.9',
      DestinationPort: 443, DestinationHostname: 'exfil.example', Protocol: 'tcp', Initiated: 'true', SourceIsIpv6: 'false',
      // the domain is missing: no User
      User: undefined,
    },
  },
  {
    // process access: process.executable is SourceImage here, not Image
    event: sysmon(10, { TargetImage: 'C:\\Windows\\System32\\lsass.exe', GrantedAccess: '0x1010' }, { process: { executable: 'C:\\Tools\\dump.exe', pid: 9, thread: { id: 10 }, entity_id: '{s9}' } }),
    want: { SourceImage: 'C:\\Tools\\dump.exe', SourceProcessId: 9, SourceThreadId: 10, SourceProcessGuid: '{s9}', Image: undefined, ProcessId: undefined, TargetImage: 'C:\\Windows\\System32\\lsass.exe', GrantedAccess: '0x1010' },
  },
  {
    // image load: the loaded file's name and hashes are under file.*
    event: sysmon(7, { Signed: 'true' }, { process: { executable: 'C:\\Tools\\host.exe' }, file: { path: 'C:\\Temp\\evil.dll', pe: { original_file_name: 'evil.dll', imphash: 'ff00' }, hash: { sha1: 'aa' } } }),
    want: { Image: 'C:\\Tools\\host.exe', ImageLoaded: 'C:\\Temp\\evil.dll', OriginalFileName: 'evil.dll', Hashes: 'SHA1=AA,IMPHASH=FF00', TargetFilename: undefined, Signed: 'true' },
  },
  {
    // shipped without the pipeline: event_data keeps its own values, whatever ECS fields say
    event: sysmon(1, { Image: 'C:\\Windows\\notepad.exe', CommandLine: 'notepad' }, { process: { executable: 'C:\\other.exe', command_line: 'other', pid: 5 } }),
    want: { Image: 'C:\\Windows\\notepad.exe', CommandLine: 'notepad', ProcessId: 5 },
  },
  {
    event: sysmon(3, {}, { network: { direction: 'constructor', type: 'toString' }, user: { domain: 'CORP', name: { first: 'x' } } }),
    want: { Initiated: undefined, SourceIsIpv6: undefined, User: undefined },
  },
  {
    event: sysmon(13, { Details: 'DWORD (0x00000001)', EventType: 'SetValue' }, { registry: { path: 'HKLM\\SOFTWARE\\Run\\x' }, process: { executable: 'C:\\x.exe' } }),
    want: { TargetObject: 'HKLM\\SOFTWARE\\Run\\x', Details: 'DWORD (0x00000001)', Image: 'C:\\x.exe' },
  },
  { event: sysmon(25, undefined, { message: 'Image is replaced', process: { executable: 'C:\\y.exe' } }), want: { Type: 'Image is replaced', Image: 'C:\\y.exe' } },
  { event: sysmon(22, undefined, { dns: { question: { name: 'evil.example' } }, process: { executable: null } }), want: { QueryName: 'evil.example', Image: undefined } },
  {
    // a channel without a table: nothing restored
    event: { winlog: { channel: 'Microsoft-Windows-PowerShell/Operational', event_id: '4104', provider_name: 'Microsoft-Windows-PowerShell', event_data: {} }, process: { executable: 'C:\\z.exe', command_line: 'z' } },
    want: { Image: undefined, CommandLine: undefined, NewProcessName: undefined, ProcessName: undefined },
  },
  {
    // Security 4688: the new and parent process names moved; the command line and the parent's id (hexadecimal) kept
    event: security(4688, { SubjectUserName: 'ann', CommandLine: 'whoami /all', ProcessId: '0x1f0', TargetUserName: '-' }, { process: { executable: 'C:\\Windows\\System32\\whoami.exe', pid: 3000, command_line: 'whoami /all', parent: { executable: 'C:\\Windows\\System32\\cmd.exe', pid: 496 } } }),
    want: { NewProcessName: 'C:\\Windows\\System32\\whoami.exe', ParentProcessName: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'whoami /all', ProcessId: '0x1f0', NewProcessId: undefined, Image: undefined, ProcessName: undefined },
  },
  {
    // a failed logon: the caller's process, the source address, port and workstation moved
    event: security(4625, { TargetUserName: 'admin', LogonType: '3' }, { source: { ip: '10.0.0.5', port: 51234, domain: 'WS9' }, process: { executable: 'C:\\Windows\\System32\\svchost.exe', pid: 1234 } }),
    want: { IpAddress: '10.0.0.5', IpPort: 51234, WorkstationName: 'WS9', ProcessName: 'C:\\Windows\\System32\\svchost.exe', TargetUserName: 'admin', LogonType: '3', NewProcessName: undefined, Application: undefined },
  },
  {
    // a permitted connection (Windows Filtering Platform)
    event: security(5156, { Direction: '%%14593' }, { source: { ip: '10.0.0.5', port: 50000 }, destination: { ip: '198.51.100.7', port: 445 }, process: { executable: '\\device\\harddiskvolume2\\tools\\x.exe' } }),
    want: { Application: '\\device\\harddiskvolume2\\tools\\x.exe', SourceAddress: '10.0.0.5', SourcePort: 50000, DestAddress: '198.51.100.7', DestPort: 445, IpAddress: undefined, ProcessName: undefined },
  },
  {
    // shipped without the pipeline: the event's own value wins
    event: security(4624, { IpAddress: '192.0.2.1', LogonType: '10' }, { source: { ip: '192.0.2.99' } }),
    want: { IpAddress: '192.0.2.1', LogonType: '10' },
  },
];
