/**
 * detwiki hunt: event input (JSON lines, pretty-printed sequences, arrays, gzip) and bad input (non-JSON line,
 * truncated gzip, 50 MB single line, binary file) reported per line while the hunt goes on; log-source
 * recognition; routing; aggregations (Sigma correlations) counted over event time; the command end to end.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { scanSource } from '../src/formats/scan.ts';
import { sigmaAdapter } from '../src/formats/sigma/index.ts';
import { describeCount, planAggregation, thresholdText, windowMs } from '../src/model/aggregate.ts';
import { AggregateState } from '../src/hunt/aggregate.ts';
import { HuntEngine } from '../src/hunt/engine.ts';
import { inputFiles, notJson, rawText, readEventBatches, readEvents, type InputCounts, type InputItem } from '../src/hunt/events.ts';
import { recogniseLogSources } from '../src/hunt/recognise.ts';
import { resolveSigmaField } from '../src/formats/sigma/resolve.ts';
import { kustoVocabulary } from '../src/formats/kusto/vocabulary.ts';
import { hunt, type Hit } from '../src/hunt/session.ts';
import { HitLines } from '../src/hunt/hitLines.ts';
import { jsonText } from '../src/model/ascii.ts';
import { fixture } from './helpers/golden.ts';
import { kqlLogic } from './helpers/kql.ts';
import { ECS_WINLOG_EVENTS } from './helpers/ecsWinlog.ts';
import { tempDir } from './helpers/tempDir.ts';

const dir = tempDir('detwiki-hunt-');
const file = (name: string, content: string | Buffer): string => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};

async function read(files: string[]): Promise<{ items: InputItem[]; counts: InputCounts }> {
  const counts: InputCounts = { files: 0, lines: 0, events: 0, bad: 0 };
  const items: InputItem[] = [];
  for await (const i of readEvents(files, counts)) items.push(i);
  return { items, counts };
}
const bads = (items: InputItem[]) => items.flatMap((i) => (i.kind === 'bad' ? [`${path.basename(i.pos.file)}:${i.pos.line}:${i.code}`] : []));

describe('hunt input', () => {
  it('reads JSON lines, pretty-printed sequences and arrays, with positions', async () => {
    const a = file('a.jsonl', '{"a":1}\n\n{"a":2}\n');
    const b = file('b.json', '{\n  "b": "x}"\n}\n{\n  "b": 2\n}\n');
    const c = file('c.json', '[\n {"c": 1},\n {"c": 2}\n]\n');
    const { items, counts } = await read([a, b, c]);
    assert.deepEqual(
      items.map((i) => (i.kind === 'event' ? `${path.basename(i.pos.file)}:${i.pos.line}:${JSON.stringify(i.event)}` : 'bad')),
      ['a.jsonl:1:{"a":1}', 'a.jsonl:3:{"a":2}', 'b.json:1:{"b":"x}"}', 'b.json:4:{"b":2}', 'c.json:2:{"c":1}', 'c.json:3:{"c":2}'],
    );
    assert.deepEqual(counts, { files: 3, lines: 13, events: 6, bad: 0 });
  });

  it('JSON lines read a line of bytes at a time agree with the character scan: characters cut by chunks, long lines, bad lines, pretty-printed values and arrays between lines', async () => {
    // about 2 MB (chunks are 64 KB): multi-byte characters of 2, 3 and 4 bytes land on chunk boundaries
    let seed = 3;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) >>> 16) % n;
    const pieces = ['a', 'é', '中', '\u{1d518}', 'Σ', ' ', '"', '\\', '{', '}', '[', ']'];
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const r = rnd(40);
      const text = Array.from({ length: rnd(300) }, () => pieces[rnd(pieces.length)]).join('');
      // a line over two chunks (held in parts until its newline) and one over the 1 MB the line path holds
      if (i === 1000 || i === 2000) lines.push(JSON.stringify({ i, long: 'é中'.repeat(i === 1000 ? 30_000 : 200_000) }));
      else if (r === 0) lines.push('hello world ' + text.slice(0, 20));
      else if (r === 1) lines.push(JSON.stringify({ i, text }, null, 2));
      else if (r === 2) lines.push('[\n' + JSON.stringify({ i }) + ',\n' + JSON.stringify({ i, text }) + '\n]');
      else if (r === 3) lines.push(JSON.stringify({ i }) + ' ' + JSON.stringify({ text }));
      else if (r === 4) lines.push('{"i": ' + i + ', "broken": }');
      else lines.push(JSON.stringify({ i, text }) + (r === 5 ? '\r' : ''));
    }
    const f = file('bytes.jsonl', lines.join('\n'));
    const { items, counts } = await read([f]);
    // the reference: the character scan alone (raw values, without the line fast path), parsed here
    const refCounts: InputCounts = { files: 0, lines: 0, events: 0, bad: 0 };
    const ref: string[] = [];
    for await (const batch of readEventBatches([f], refCounts, { raw: true, lineFastPath: false })) {
      for (const x of batch) {
        if (x.kind === 'bad') ref.push(`${x.pos.line}:${x.code}`);
        else {
          let ev: unknown;
          try {
            ev = JSON.parse(rawText(x));
          } catch (e) {
            ref.push(`${x.pos.line}:${notJson(x.pos, e).code}`);
            continue;
          }
          ref.push(`${x.pos.line}:${JSON.stringify(ev)}`);
        }
      }
    }
    const got = items.map((x) => (x.kind === 'bad' ? `${x.pos.line}:${x.code}` : `${x.pos.line}:${JSON.stringify(x.event)}`));
    assert.equal(got.length, ref.length);
    assert.deepEqual(got, ref);
    assert.equal(counts.lines, refCounts.lines);
    assert.ok(got.some((g) => g.includes('NOT_JSON')) && got.some((g) => g.includes('中')), 'the input has bad lines and multi-byte characters');
    assert.ok(got.some((g) => g.includes('"i":2000,"long"')), 'the line over 1 MB is read');
  });

  it('a non-JSON line and a broken object are errors at their line; the lines after are read', async () => {
    const f = file('bad.jsonl', '{"a":1}\nhello world\n{"a": }\n{"a":"unterminated\n{"a":4}\n');
    const { items, counts } = await read([f]);
    assert.deepEqual(bads(items), ['bad.jsonl:2:NOT_JSON', 'bad.jsonl:3:NOT_JSON', 'bad.jsonl:4:NOT_JSON']);
    assert.equal(counts.events, 2);
    assert.equal(counts.bad, 3);
    assert.equal(counts.lines, 5);
  });

  it('a JSON value that is not an object (a number, a string, true, false, null) is NOT_EVENT at its line, alone or in a top-level array', async () => {
    const f = file('scalars.jsonl', '5\n"a, b"\ntrue\n {"a":1}\nnull  \n-1.5e3\n[{"b":2}, 7, "x]y" ,{"c":3}]\n5 five\n"open\nnulll\n{"d":4}\n');
    const { items, counts } = await read([f]);
    const got = items.map((x) => (x.kind === 'bad' ? `${x.pos.line}:${x.code}` : `${x.pos.line}:${JSON.stringify(x.event)}`));
    assert.deepEqual(got, ['1:NOT_EVENT', '2:NOT_EVENT', '3:NOT_EVENT', '4:{"a":1}', '5:NOT_EVENT', '6:NOT_EVENT', '7:{"b":2}', '7:NOT_EVENT', '7:NOT_EVENT', '7:{"c":3}', '8:NOT_JSON', '9:NOT_JSON', '10:NOT_JSON', '11:{"d":4}']);
    const messages = items.flatMap((x) => (x.kind === 'bad' ? [x.message] : []));
    assert.equal(messages[0], 'not an event: a JSON number "5" (an event is a JSON object)');
    assert.equal(messages[1], 'not an event: a JSON string "\\"a, b\\"" (an event is a JSON object)');
    assert.equal(counts.events, 4);
    assert.equal(counts.bad, 10);
  });

  it('an array that is not a top-level array of events (`[1,2]`, an array inside one) is NOT_EVENT, read whole or raw for the workers', async () => {
    const f = file('arrays.jsonl', '[1,2]\n[{"a":1},[3,{"x":0}],4]\n{"e":5}\n[[1], {"f":6}]\n');
    // a top-level array is one of events when its first value is an object: `[[1], {"f":6}]` is one value, not an event
    const want = ['1:NOT_EVENT', '2:{"a":1}', '2:NOT_EVENT', '2:NOT_EVENT', '3:{"e":5}', '4:NOT_EVENT'];
    const { items, counts } = await read([f]);
    assert.deepEqual(items.map((x) => (x.kind === 'bad' ? `${x.pos.line}:${x.code}` : `${x.pos.line}:${JSON.stringify(x.event)}`)), want);
    assert.equal(items[0]!.kind === 'bad' && items[0]!.message, 'not an event: an array of 2 value(s) (an event is a JSON object)');
    assert.deepEqual([counts.events, counts.bad], [2, 4]);
    const raw: string[] = [];
    for await (const b of readEventBatches([f], { files: 0, lines: 0, events: 0, bad: 0 }, { raw: true })) for (const x of b) raw.push(x.kind === 'bad' ? `${x.pos.line}:${x.code}` : `${x.pos.line}:${rawText(x)}`);
    assert.deepEqual(raw, want);
  });

  it('gzip is read; a truncated gzip is one error after the events before it', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(50) })).join('\n') + '\n';
    const gz = gzipSync(Buffer.from(lines));
    const whole = file('ok.jsonl.gz', gz);
    const cut = file('cut.jsonl.gz', gz.subarray(0, Math.floor(gz.length / 2)));
    const ok = await read([whole]);
    assert.equal(ok.counts.events, 2000);
    const r = await read([cut, whole]);
    const codes = bads(r.items).map((s) => s.split(':').slice(0, 1).concat(s.split(':').slice(2)).join(':'));
    assert.deepEqual(codes, ['cut.jsonl.gz:TRUNCATED_GZIP']);
    assert.ok(r.counts.events > 2000 && r.counts.events < 4000, `${r.counts.events} events`);
  });

  it('a 50 MB single line is one TOO_LONG error; a binary file is one BINARY error; the hunt goes on', async () => {
    const big = file('big.jsonl', `{"a":1}\n{"big":"${'y'.repeat(50 * 1024 * 1024)}"}\n{"a":3}\n`);
    const bin = file('bin.json', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3, 0xff, 0xfe]));
    const { items, counts } = await read([big, bin, file('after.jsonl', '{"z":1}\n')]);
    assert.deepEqual(bads(items), ['big.jsonl:2:TOO_LONG', 'bin.json:1:BINARY']);
    assert.equal(counts.events, 3);
  });

  it('a value spread over many reads is read whole; one over the limit is TOO_LONG at its line; one cut at the end is TRUNCATED', async () => {
    // pretty-printed (the character scan, not the line fast path), about 540 KB: 9 reads of 64 KB; the strings hold
    // braces, quotes and backslashes that must not end the value
    const parts = Array.from({ length: 20_000 }, (_, i) => `"k${i}": "v}{\\"${i}\\\\"`);
    const doc = `{\n  ${parts.join(',\n  ')}\n}`;
    const lines = doc.split('\n').length;
    // a line over the line fast path's 1 MB: the character scan reads it a chunk at a time too
    const long = `{"big": "${'z'.repeat(1_500_000)}"}`;
    const f = file('spread.json', `${doc}\n${long}\n{"after": 1}\n${doc.slice(0, 300_000)}`);
    const read = async (opts: { maxValueChars?: number }) => {
      const items: InputItem[] = [];
      for await (const i of readEvents([f], { files: 0, lines: 0, events: 0, bad: 0 }, opts)) items.push(i);
      return { bad: bads(items), events: items.flatMap((i) => (i.kind === 'event' ? [i] : [])) };
    };
    const whole = await read({});
    assert.deepEqual(whole.bad, [`spread.json:${lines + 3}:TRUNCATED`]);
    assert.deepEqual(
      whole.events.map((i) => i.pos.line),
      [1, lines + 1, lines + 2],
    );
    assert.deepEqual(whole.events[0]!.event, JSON.parse(doc));
    assert.equal((whole.events[1]!.event as { big: string }).big.length, 1_500_000);
    assert.deepEqual(whole.events[2]!.event, { after: 1 });
    // under a limit between the two: the document is read, the long line is one error, the line after it is read
    const tight = await read({ maxValueChars: 1_200_000 });
    assert.deepEqual(tight.bad, [`spread.json:${lines + 1}:TOO_LONG`, `spread.json:${lines + 3}:TRUNCATED`]);
    assert.deepEqual(
      tight.events.map((i) => i.pos.line),
      [1, lines + 2],
    );
  });

  it('folders are walked for event files; others are listed as skipped', () => {
    const skipped: string[] = [];
    const files = inputFiles([dir], skipped);
    assert.ok(files.some((f) => f.endsWith('a.jsonl')) && files.some((f) => f.endsWith('ok.jsonl.gz')));
    assert.ok(!files.some((f) => f.endsWith('bin.json.txt')));
    const t = file('notes.txt', 'x');
    assert.ok(inputFiles([dir], skipped).every((f) => f !== t) && skipped.includes(t));
  });
});

describe('log-source recognition', () => {
  it('Windows events (nested evtx JSON and flat), CloudTrail, Okta, Panther, unknown', () => {
    const sysmon1 = { Event: { System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } }, EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational' }, EventData: { Image: 'C:\\x.exe' } } };
    assert.ok(recogniseLogSources(sysmon1).includes('windows.process_creation'));
    // a flat event is in the event log's own form (an Elastic rule is read over it); Winlogbeat's copy below is not
    assert.deepEqual([...recogniseLogSources({ EventID: 4688, Channel: 'Security' })].sort(), ['vendor:windows', 'vendor:windows/security', 'vendor:windows/security-eventlog', 'windows.process_creation', 'windows.security']);
    assert.ok(recogniseLogSources({ EventID: '4104', Channel: 'Microsoft-Windows-PowerShell/Operational' }).includes('windows.powershell'));
    assert.deepEqual(recogniseLogSources({ eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', awsRegion: 'us-east-1' }), ['aws.cloudtrail']);
    assert.deepEqual(recogniseLogSources({ eventType: 'user.session.start', actor: { id: 'x' }, published: '2024-01-01T00:00:00Z' }), ['okta.system']);
    assert.deepEqual(recogniseLogSources({ p_log_type: 'AWS.CloudTrail', eventName: 'x' }), ['aws.cloudtrail']);
    assert.deepEqual(recogniseLogSources({ hello: 'world' }), []);
  });

  it('Windows events as Winlogbeat ships them (winlog.*): routed, and read by Sigma fields as the element they come from', () => {
    const wl = {
      event: { code: '1' },
      host: { name: 'ws1' },
      winlog: {
        channel: 'Microsoft-Windows-Sysmon/Operational',
        event_id: '1',
        provider_name: 'Microsoft-Windows-Sysmon',
        computer_name: 'ws1.corp',
        record_id: 77,
        process: { pid: 4, thread: { id: 8 } },
        user: { identifier: 'S-1-5-18' },
        event_data: { Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /all', 'Source Name': 'sn' },
        user_data: { xml_name: 'EventXML', Param1: 'p1' },
        task: 'Process Create (rule: ProcessCreate)',
      },
    };
    assert.ok(recogniseLogSources(wl).includes('windows.process_creation'), recogniseLogSources(wl).join());
    assert.deepEqual([...recogniseLogSources({ winlog: { channel: 'Security', event_id: 4688 } })].sort(), ['vendor:windows', 'vendor:windows/security', 'windows.process_creation', 'windows.security']);
    // not a Winlogbeat event: no event id
    assert.deepEqual(recogniseLogSources({ winlog: { channel: 'Security', event_id: null } }), []);
    const want: Record<string, unknown> = {
      Image: 'C:\\Windows\\System32\\whoami.exe',
      CommandLine: 'whoami /all',
      SourceName: 'sn',
      Param1: 'p1',
      EventID: '1',
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Computer: 'ws1.corp',
      EventRecordID: 77,
      Provider_Name: 'Microsoft-Windows-Sysmon',
      Execution_ProcessID: 4,
      Execution_ThreadID: 8,
      Security_UserID: 'S-1-5-18',
      // Winlogbeat's task is a name, not System's number: not mapped
      Task: undefined,
      'winlog.task': 'Process Create (rule: ProcessCreate)',
      'host.name': 'ws1',
    };
    const per = resolveSigmaField.perEvent!(wl);
    for (const [f, v] of Object.entries(want)) {
      assert.deepEqual(resolveSigmaField(wl, f), v, f);
      assert.deepEqual(per(f), v, `${f} (per event)`);
    }
  });
});

describe('Sysmon and Security events through Elastic\'s pipelines (ECS fields)', () => {
  it('read by Sigma names: what the pipeline moved is found in its ECS field, for the event ids it moved it in', () => {
    for (const { event, want } of ECS_WINLOG_EVENTS) {
      const per = resolveSigmaField.perEvent!(event);
      for (const [f, v] of Object.entries(want)) {
        assert.deepEqual(resolveSigmaField(event, f), v, `${f} of ${JSON.stringify(event).slice(0, 200)}`);
        assert.deepEqual(per(f), v, `${f} (per event)`);
      }
    }
    assert.ok(recogniseLogSources(ECS_WINLOG_EVENTS[0]!.event).includes('windows.process_creation'));
  });

  it('a Sigma rule fires on the ECS copy as on the event Sysmon wrote, and its filter still holds', async () => {
    const dir = tempDir('detwiki-ecs-');
    writeFileSync(path.join(dir, 'r.yml'), [
      'title: Rclone copy by a renamed binary', 'id: 6f0c6a59-1d4e-4c55-9d8b-2b8a2a0c7e01', 'status: test', 'logsource:', '  category: process_creation', '  product: windows',
      'detection:', '  sel:', '    OriginalFileName: rclone.exe', "    CommandLine|contains: ' copy '", '  filter:', "    Image|endswith: '\\rclone.exe'",
      "  hashes:", "    Hashes|contains: 'IMPHASH=ABC123'", '  condition: sel and hashes and not filter', 'level: high', '',
    ].join('\n'));
    const res = await scanSource(sigmaAdapter, dir, { repository: 'test/ecs' });
    const engine = new HuntEngine(res.rules);
    const ecs = ECS_WINLOG_EVENTS[0]!.event as { process: { executable: string } };
    const renamed = { ...ecs, process: { ...ecs.process, executable: 'C:\\Temp\\svc.exe' } };
    const fired = (ev: unknown) => engine.run(ev).results.map((r) => `${r.rule.rule.id} ${String(r.truth)}`);
    // the rule's own binary name: filtered out; renamed: fires. Before ECS fields were read, the first fired too
    // (Image was missing, so the filter did not hold) and the second fired only by that accident
    assert.deepEqual(fired(ecs), []);
    assert.deepEqual(fired(renamed), [`${res.rules[0]!.id} true`]);
  });
});

describe('aggregations', () => {
  it('windows and plans: supported functions, and the others with their reason', () => {
    assert.equal(windowMs('10m'), 600_000);
    assert.equal(windowMs('PT1H'), 3_600_000);
    assert.equal(windowMs('15 minutes'), 900_000);
    assert.equal(windowMs('P2D'), 2 * 86_400_000);
    for (const unread of ['P1M', '1M', '3 months', 'now-1d/d', '5']) assert.equal(windowMs(unread), undefined, unread);
    const p = planAggregation({ function: 'value_count(TargetUserName)', groupBy: ['IpAddress'], window: '30m', threshold: { op: 'gt', value: 5, of: 'TargetUserName' } });
    assert.ok(!('unsupported' in p) && p.kind === 'distinct' && p.of === 'TargetUserName');
    const s = planAggregation({ function: 'avg(bytes)', groupBy: [], threshold: { op: 'gt', value: 5 } });
    assert.ok('unsupported' in s);
    const sum = planAggregation({ function: 'sum(bytes)', groupBy: [], threshold: { op: 'gt', value: 5 } });
    assert.ok(!('unsupported' in sum) && sum.kind === 'sum' && sum.of === 'bytes');
    assert.ok('unsupported' in planAggregation({ function: 'sum', groupBy: [], threshold: { op: 'gt', value: 5 } }), 'a sum of nothing');
    // "fewer than" is decided when the window closes: per fixed window, or over the whole run without one
    const fewer = planAggregation({ function: 'count', groupBy: [], window: '1h', threshold: { op: 'lt', value: 5 } });
    assert.ok(!('unsupported' in fewer) && fewer.atClose && fewer.bins && fewer.windowMs === 3_600_000, JSON.stringify(fewer));
    const whole = planAggregation({ function: 'count', groupBy: [], threshold: { op: 'le', value: 5 } });
    assert.ok(!('unsupported' in whole) && whole.atClose && !whole.bins && whole.windowMs === undefined, JSON.stringify(whole));
    const atLeast = planAggregation({ function: 'count', groupBy: [], window: '1h', threshold: { op: 'ge', value: 5 } });
    assert.ok(!('unsupported' in atLeast) && !atLeast.atClose && !atLeast.bins, 'at least: decided as events arrive, in a sliding window');
  });

  it('each language states the event field its distinct count counts, not the name of the result column', () => {
    const kql = kqlLogic('SigninLogs | where ResultType == 0 | summarize Places = dcount(Location), Seen = count() by UserPrincipalName | where Places >= 3');
    const k = planAggregation(kql.aggregation!);
    assert.ok(!('unsupported' in k) && k.kind === 'distinct' && k.of === 'Location', JSON.stringify(k));
    assert.equal(kql.completeness, 'complete');
    const counted = kqlLogic('SigninLogs | summarize Seen = count() by UserPrincipalName | where Seen > 20');
    const c = planAggregation(counted.aggregation!);
    assert.ok(!('unsupported' in c) && c.kind === 'count' && c.of === undefined, JSON.stringify(c)); // not "events where Seen is present"
    // a distinct count of a computed value is not read: the rule stays partial with the function named
    const computed = kqlLogic('SigninLogs | summarize Places = dcount(tolower(Location)) by UserPrincipalName | where Places >= 3');
    assert.equal(computed.completeness, 'partial');
    assert.match(computed.missing.map((m) => m.reason).join('\n'), /dcount\(tolower\(Location\)\) aggregates a value the query computes/);
    // nor is one of a column the query computes, here in union branches (each its own constant)
    const union = kqlLogic('let a = DeviceProcessEvents | where FileName == "net.exe" | extend Weight = 1; let b = DeviceProcessEvents | where FileName == "w32tm.exe" | extend Weight = 5; union a, b | summarize Score = sum(Weight) by DeviceName | where Score > 30');
    assert.equal(union.completeness, 'partial');
    assert.match(union.missing.map((m) => m.reason).join('\n'), /sum\(Weight\) aggregates a value the query computes/);
    const renamed = kqlLogic('SigninLogs | extend L = tolower(Location) | summarize Places = dcount(L) by UserPrincipalName | where Places >= 3');
    assert.equal(renamed.completeness, 'partial');
  });

  it('Sigma event_count and value_count correlations fire once their threshold passes within the window, per group', async () => {
    const res = await scanSource(sigmaAdapter, fixture('sigma', 'source'), { repository: 'fixture/sigma' });
    const engine = new HuntEngine(res.rules);
    const t0 = Date.parse('2024-05-01T10:00:00Z');
    const ev = (i: number, user: string, ip: string, minutes: number) =>
      JSON.stringify({ Event: { System: { EventID: 4625, Channel: 'Security', TimeCreated: { '#attributes': { SystemTime: new Date(t0 + minutes * 60_000 + i).toISOString() } } }, EventData: { TargetUserName: user, IpAddress: ip } } });
    const lines: string[] = [];
    // 19 failures for bob from 10.0.0.1 spread over an hour: never 20 within 10 minutes
    for (let i = 0; i < 19; i++) lines.push(ev(i, 'bob', '10.0.0.1', i * 4));
    // 20 failures for alice within 5 minutes: Brute Force fires once
    for (let i = 0; i < 20; i++) lines.push(ev(i, 'alice', '10.0.0.2', 100 + i * 0.25));
    // 6 users from one address within 30 minutes: Password Spray (value_count > 5)
    for (let i = 0; i < 6; i++) lines.push(ev(i, `u${i}`, '10.0.0.3', 200 + i));
    const f = file('logons.jsonl', lines.join('\n') + '\n');
    const hits: Hit[] = [];
    const s = await hunt(engine, [f], { onHit: (h) => hits.push(h) });
    const agg = hits.filter((h) => h.type === 'aggregate').map((h) => `${h.rule.title} ${h.group} ${h.count}`);
    // Sigma v1 `count(TargetUserName) by IpAddress > 10` counts distinct users: one address never has 11
    assert.deepEqual(agg, ['Brute Force "alice"|"10.0.0.2" 20', 'Password Spray "10.0.0.3" 6']);
    assert.equal(s.byRule.find((r) => r.rule.title === 'Failed Logon')?.hits, 45);
    const temporal = s.byRule.find((r) => r.rule.title === 'Brute Force Then Success');
    assert.ok(temporal && temporal.hits === 0 && temporal.mayFire > 0, 'a temporal correlation is not counted: may fire');
  });
});

describe('hit lines (--jsonl)', () => {
  it('each line is the hit as jsonText writes it: aggregates, may-fire, control characters, parts written once reused', async () => {
    const res = await scanSource(sigmaAdapter, fixture('sigma', 'source'), { repository: 'fixture/sigma' });
    const t0 = Date.parse('2024-05-01T10:00:00Z');
    const ev = (i: number, user: string, ip: string) =>
      JSON.stringify({ Event: { System: { EventID: 4625, Channel: 'Security', TimeCreated: { '#attributes': { SystemTime: new Date(t0 + i * 1000).toISOString() } } }, EventData: { TargetUserName: user, IpAddress: ip } } });
    const lines: string[] = [];
    for (let i = 0; i < 22; i++) lines.push(ev(i, 'alice', '10.0.0.2'));
    const hits: Hit[] = [];
    await hunt(new HuntEngine(res.rules), [file('hit-lines.jsonl', lines.join('\n') + '\n')], { onHit: (h) => hits.push(h) });
    assert.ok(new Set(hits.map((h) => h.type)).size === 3, `hits, aggregates and may-fires: ${[...new Set(hits.map((h) => h.type))].join(', ')}`);
    const writer = new HitLines();
    // twice over: the second time every shared part comes from what the first wrote
    for (const round of [1, 2]) for (const h of hits) assert.equal(writer.line(h), jsonText(h), `round ${round}`);
    // what a terminal acts on is escaped in the parts written afresh (an event's value) as in those kept
    const h = hits[0]!;
    const controls: Hit = { ...h, seen: ['"ali\u202ece\u001b[2J"'] };
    assert.equal(writer.line(controls), jsonText(controls));
    assert.ok(writer.line(controls).includes('ali\\u202ece\\u001b[2J'));
    // the rule part is kept by the rule object, not its id: another object with the same id is written afresh
    const renamed: Hit = { ...h, rule: { ...h.rule, title: 'Another \u2028 title' }, readAs: 'a reading', seen: undefined };
    assert.equal(writer.line(renamed), jsonText(renamed));
    assert.ok(writer.line(renamed).includes('Another \\u2028 title') && !writer.line(renamed).includes('"seen"'));
  });
});

/** The rules of KQL files written to a fresh folder (file name → query), as the KQL adapter scans them. */
async function kqlRules(files: Record<string, string>, prefix: string) {
  const dir = tempDir(prefix);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const { kustoAdapter } = await import('../src/formats/kusto/index.ts');
  return (await scanSource(kustoAdapter, dir, { repository: 'fixture/kql' })).rules;
}

/** Every hit of a hunt with --all over JSON lines. */
async function huntLines(rules: ConstructorParameters<typeof HuntEngine>[0], name: string, lines: readonly string[]): Promise<Hit[]> {
  const hits: Hit[] = [];
  await hunt(new HuntEngine(rules, { all: true }), [file(name, lines.join('\n') + '\n')], { onHit: (h) => hits.push(h) });
  return hits;
}

/**
 * The hits of the same hunt on worker threads and in the DuckDB engine (both report through the in-process
 * counting, so they must give the in-process hits in the same order).
 */
async function otherEngines(rules: ConstructorParameters<typeof HuntEngine>[0], name: string, lines: readonly string[]): Promise<{ threads: Hit[]; duck: Hit[] }> {
  const f = file(name, lines.join('\n') + '\n');
  const threads: Hit[] = [];
  await hunt(new HuntEngine(rules, { all: true }), [f], { workers: 2, onHit: (h) => threads.push(h) });
  const { huntDuckdb } = await import('../src/hunt/sql/session.ts');
  const duck: Hit[] = [];
  await huntDuckdb(new HuntEngine(rules, { all: true }), [f], { all: true, onHit: (h) => duck.push(h) });
  return { threads, duck };
}

/**
 * A hunt's results as `key` lines, sorted, in process, on two worker threads (with `threads`) and in DuckDB: the
 * in-process lines, after asserting that the other engines give the same.
 */
async function sameInEveryEngine(rules: ConstructorParameters<typeof HuntEngine>[0], f: string, key: (h: Hit) => string, opts: { threads?: boolean } = {}): Promise<string[]> {
  const run = async (go: (onHit: (h: Hit) => void) => Promise<unknown>): Promise<string[]> => {
    const out: string[] = [];
    await go((h) => out.push(key(h)));
    return out.sort();
  };
  const mem = await run((onHit) => hunt(new HuntEngine(rules), [f], { onHit }));
  if (opts.threads) assert.deepEqual(await run((onHit) => hunt(new HuntEngine(rules), [f], { workers: 2, onHit })), mem, 'worker threads');
  const { huntDuckdb } = await import('../src/hunt/sql/session.ts');
  assert.deepEqual(await run((onHit) => huntDuckdb(new HuntEngine(rules), [f], { onHit })), mem, 'DuckDB');
  return mem;
}

describe('KQL rules over Defender XDR tables in a hunt', () => {
  it("run on their table's own rows (Log Analytics' Type column), not on raw Windows events; the same on threads and in DuckDB", async () => {
    const rules = await kqlRules(
      {
        // before, this held on every Windows logon event: the Defender column is missing there
        'notsystem.kql': 'DeviceLogonEvents | where InitiatingProcessAccountName != "system"\n',
        'whoami.kql': 'DeviceProcessEvents | where FileName =~ "whoami.exe"\n',
        // SecurityEvent's columns are the Windows event data's own names: it still runs on the raw events
        'logon.kql': 'SecurityEvent | where EventID == 4624 and TargetUserName == "bob"\n',
      },
      'detwiki-hunt-defender-',
    );
    const lines = [
      // a flat Windows event (NXLog's): SecurityEvent's columns at the top
      { EventID: 4624, Channel: 'Security', TargetUserName: 'bob', LogonType: 3 },
      { Event: { System: { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational' }, EventData: { Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /all' } } },
      { Type: 'DeviceLogonEvents', DeviceName: 'pc1', ActionType: 'LogonSuccess', InitiatingProcessAccountName: 'alice' },
      { Type: 'DeviceLogonEvents', DeviceName: 'pc1', ActionType: 'LogonSuccess', InitiatingProcessAccountName: 'system' },
      { Type: 'DeviceProcessEvents', DeviceName: 'pc1', FileName: 'WHOAMI.EXE', ProcessCommandLine: 'whoami /all' },
    ].map((e) => JSON.stringify(e));
    const f = file('defender.jsonl', lines.join('\n') + '\n');
    const key = (h: Hit) => `${h.pos.index} ${h.type} ${h.rule.id}`;
    // the Sysmon event is read for the process rule with Sysmon's names (the next test); no logon table has a reading
    assert.deepEqual(await sameInEveryEngine(rules, f, key, { threads: true }), ['0 hit kusto/logon', '1 hit kusto/whoami', '2 hit kusto/notsystem', '4 hit kusto/whoami']);
    // the catalog still links them by the action (the canonical log source), not by the rows a hunt gives them
    const notsystem = rules.find((r) => r.id === 'kusto/notsystem')!;
    assert.deepEqual(kustoVocabulary.logSources(notsystem), ['windows.security']);
    assert.deepEqual(kustoVocabulary.huntLogSources!(notsystem), ['vendor:defender/devicelogonevents']);
  });

  it('a rule over an endpoint table reads Sysmon events of its action with Sysmon field names, a column Sysmon lacks unknown; the same on threads and in DuckDB', async () => {
    const rules = await kqlRules(
      {
        'whoami.kql': 'DeviceProcessEvents | where FileName =~ "whoami.exe" and ProcessCommandLine has "/all"\n',
        'notsys.kql': 'DeviceProcessEvents | where FileName in~ ("cmd.exe", "powershell.exe") and AccountName != "system"\n',
        'drop.kql': 'DeviceFileEvents | where FileName endswith ".ps1" and InitiatingProcessFileName =~ "winword.exe"\n',
        'count.kql': 'DeviceProcessEvents | where FileName =~ "whoami.exe" | summarize n = count() by DeviceName | where n > 5\n',
      },
      'detwiki-hunt-sysmonread-',
    );
    const sysmon = (id: number, data: Record<string, unknown>) => ({ Event: { System: { EventID: id, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'pc1' }, EventData: data } });
    const lines = [
      sysmon(1, { Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /all', User: 'CORP\\bob' }),
      sysmon(1, { Image: 'C:\\Windows\\System32\\WHOAMI.EXE', CommandLine: 'whoami /priv' }),
      sysmon(1, { Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'cmd /c dir' }),
      sysmon(11, { Image: 'C:\\Program Files\\Office\\WINWORD.EXE', TargetFilename: 'C:\\Users\\bob\\a.ps1' }),
      // a Security 4688 event is process creation too, but not a Sysmon event: no reading there
      { Event: { System: { EventID: 4688, Channel: 'Security' }, EventData: { NewProcessName: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /all' } } },
      // the table's own row is read as written
      { Type: 'DeviceProcessEvents', FileName: 'whoami.exe', ProcessCommandLine: 'whoami /all' },
    ].map((e) => JSON.stringify(e));
    const f = file('sysmonread.jsonl', lines.join('\n') + '\n');
    const key = (h: Hit) => `${h.pos.index} ${h.type} ${h.rule.id}`;
    // AccountName is Defender's short name (Sysmon's User is DOMAIN\name): unknown, so cmd.exe may fire
    assert.deepEqual(await sameInEveryEngine(rules, f, key, { threads: true }), ['0 hit kusto/whoami', '2 may_fire kusto/notsys', '3 hit kusto/drop', '5 hit kusto/whoami']);
  });

  it('a threshold over a table is counted over the raw events with their field names (DeviceId groups as the Computer); both engines', async () => {
    const rules = await kqlRules(
      {
        'cipher.kql': 'DeviceProcessEvents | where FileName =~ "cipher.exe" | summarize CommandCount = dcount(ProcessCommandLine) by DeviceId | where CommandCount > 1\n',
        'secrets.kql': 'AWSCloudTrail | where EventName == "GetSecretValue" | summarize n = count() by UserIdentityArn | where n >= 2\n',
        // a file name computed from a path is not a key the reading keeps: no reading, and no run on Sysmon events
        'byname.kql': 'DeviceProcessEvents | where FileName =~ "cipher.exe" | summarize n = count() by FileName | where n >= 1\n',
      },
      'detwiki-hunt-readagg-',
    );
    const sysmon = (pc: string, cmd: string) => ({ Event: { System: { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: pc }, EventData: { Image: 'C:\\Windows\\System32\\cipher.exe', CommandLine: cmd } } });
    const trail = (arn: string) => ({ eventSource: 'secretsmanager.amazonaws.com', eventName: 'GetSecretValue', awsRegion: 'eu-west-1', userIdentity: { arn } });
    const lines = [sysmon('pc1', 'cipher /w:c'), sysmon('pc1', 'cipher /w:d'), sysmon('pc2', 'cipher /w:c'), trail('arn:a'), trail('arn:a'), trail('arn:b')].map((e) => JSON.stringify(e));
    const f = file('readagg.jsonl', lines.join('\n') + '\n');
    const key = (h: Hit) => `${h.pos.index} ${h.type} ${h.rule.id}`;
    assert.deepEqual(await sameInEveryEngine(rules, f, key, { threads: true }), ['1 aggregate kusto/cipher', '4 aggregate kusto/secrets']);
  });

  it("a hash column of an endpoint table reads Sysmon's Hashes: listed, another hash of the algorithm, or the algorithm not listed (unknown)", async () => {
    const h = 'c92c158d7c37fea795114fa6491fe5f145ad2f8c08776b18ae79db811e8e36a3';
    const rules = await kqlRules({ 'ioc.kql': `DeviceProcessEvents | where SHA256 == "${h}"\n` }, 'detwiki-hunt-sysmonhash-');
    const sysmon = (hashes: string) => JSON.stringify({ Event: { System: { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational' }, EventData: { Image: 'C:\\t\\AdFind.exe', Hashes: hashes } } });
    const lines = [sysmon(`MD5=0123456789ABCDEF0123456789ABCDEF,SHA256=${h.toUpperCase()}`), sysmon(`SHA256=${'0'.repeat(64)}`), sysmon('MD5=0123456789ABCDEF0123456789ABCDEF')];
    const f = file('sysmonhash.jsonl', lines.join('\n') + '\n');
    const key = (x: Hit) => `${x.pos.index} ${x.type}`;
    assert.deepEqual(await sameInEveryEngine(rules, f, key), ['0 hit', '2 may_fire']);
  });

  it("a rule over SecurityEvent reads a Windows event as the event log renders it (EventData, System), a column Log Analytics computes unknown; both engines", async () => {
    const rules = await kqlRules(
      {
        'bob.kql': 'SecurityEvent | where EventID == 4624 and TargetUserName == "bob" and LogonType == 10\n',
        'acct.kql': 'SecurityEvent | where EventID == 4624 and Account !endswith "$"\n',
      },
      'detwiki-hunt-secevent-',
    );
    const logon = (user: string) => JSON.stringify({ Event: { System: { EventID: 4624, Channel: 'Security', Computer: 'dc1' }, EventData: { TargetUserName: user, TargetDomainName: 'CORP', LogonType: 10 } } });
    const f = file('secevent.jsonl', [logon('bob'), logon('eve')].join('\n') + '\n');
    const key = (h: Hit) => `${h.pos.index} ${h.type} ${h.rule.id}`;
    // read as written (top-level columns), nothing held: TargetUserName is inside EventData; Account, Log Analytics'
    // DOMAIN\\user, is not in the event at all
    assert.deepEqual(await sameInEveryEngine(rules, f, key), ['0 hit kusto/bob', '0 may_fire kusto/acct', '1 may_fire kusto/acct']);
  });

  it("a rule over another Sentinel table runs on that table's rows (Type) with its own columns, and on the raw log it copies with the raw field names; both engines", async () => {
    const rules = await kqlRules(
      {
        'stop.kql': 'AWSCloudTrail | where EventName == "StopLogging" and UserIdentityType != "AWSService"\n',
        'fail.kql': 'SigninLogs | where ResultType == "50126"\n',
        'okta.kql': 'Okta_CL | where eventType_s == "user.session.start" and outcome_result_s == "FAILURE"\n',
        'oktatarget.kql': 'Okta_CL | where eventType_s == "user.session.start" and target_s has "admin"\n',
        'count.kql': 'AWSCloudTrail | where EventName == "StopLogging" | summarize n = count() by UserIdentityArn\n',
      },
      'detwiki-hunt-sentinelrows-',
    );
    const lines = [
      { Type: 'AWSCloudTrail', EventName: 'StopLogging', EventSource: 'cloudtrail.amazonaws.com', UserIdentityType: 'IAMUser', AWSRegion: 'us-east-1', UserIdentityArn: 'arn:a' },
      { Type: 'AWSCloudTrail', EventName: 'StopLogging', UserIdentityType: 'AWSService' },
      // CloudTrail's own JSON: read with CloudTrail's names (EventName is eventName, the count's key UserIdentityArn
      // userIdentity.arn)
      { eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging', awsRegion: 'us-east-1', userIdentity: { type: 'IAMUser' } },
      // a sign-in row is both the table's row and the flat sign-in log
      { Type: 'SigninLogs', ResultType: '50126', UserPrincipalName: 'bob@x', AppDisplayName: 'Portal' },
      // the Okta System Log's JSON: eventType_s is eventType, outcome_result_s outcome.result; target_s, a serialized
      // array in Sentinel, is unknown
      { uuid: 'u1', published: '2024-05-01T10:00:00Z', eventType: 'user.session.start', actor: { alternateId: 'bob@x' }, outcome: { result: 'FAILURE' }, target: [{ type: 'User' }] },
    ].map((e) => JSON.stringify(e));
    assert.deepEqual(recogniseLogSources(JSON.parse(lines[3]!)), ['entra.signin', 'vendor:sentinel/signinlogs']);
    const f = file('sentinelrows.jsonl', lines.join('\n') + '\n');
    const key = (h: Hit) => `${h.pos.index} ${h.type} ${h.rule.id}`;
    // (the count's group of row 1 is the empty ARN: KQL's summarize groups a missing key as a value of its own)
    assert.deepEqual(await sameInEveryEngine(rules, f, key), ['0 hit kusto/count', '0 hit kusto/stop', '1 hit kusto/count', '2 hit kusto/count', '2 hit kusto/stop', '3 hit kusto/fail', '4 hit kusto/okta', '4 may_fire kusto/oktatarget']);
  });

  it("a JSON-text column of AWSCloudTrail is unknown over CloudTrail's JSON, but a member the rule parses out of it is the object's member", async () => {
    const rules = await kqlRules(
      {
        'mfa.kql': 'AWSCloudTrail | where EventName == "ConsoleLogin" | extend MFAUsed = tostring(parse_json(AdditionalEventData).MFAUsed) | where MFAUsed != "Yes"\n',
        'params.kql': 'AWSCloudTrail | where EventName == "CreateUser" and RequestParameters has "admin"\n',
      },
      'detwiki-hunt-trailjson-',
    );
    const login = (mfa: string) => ({ eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', awsRegion: 'us-east-1', additionalEventData: { MFAUsed: mfa } });
    const lines = [login('No'), login('Yes'), { eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', awsRegion: 'us-east-1', requestParameters: { userName: 'admin2' } }].map((e) => JSON.stringify(e));
    const f = file('trailjson.jsonl', lines.join('\n') + '\n');
    const key = (h: Hit) => `${h.pos.index} ${h.type} ${h.rule.id}`;
    assert.deepEqual(await sameInEveryEngine(rules, f, key), ['0 hit kusto/mfa', '2 may_fire kusto/params']);
  });

  it('an AzureActivity rule reads the exported Activity log; a case-sensitive test of a name the export may spell in another case is unknown', async () => {
    const rules = await kqlRules(
      {
        'blind.kql': 'AzureActivity | where OperationNameValue =~ "Microsoft.Insights/actionGroups/delete" and CategoryValue =~ "Administrative"\n',
        'cased.kql': 'AzureActivity | where OperationNameValue == "MICROSOFT.INSIGHTS/ACTIONGROUPS/DELETE"\n',
        'status.kql': 'AzureActivity | where OperationNameValue =~ "Microsoft.Insights/actionGroups/delete" and ActivityStatusValue == "Success"\n',
      },
      'detwiki-hunt-azact-',
    );
    const ev = (op: string) => JSON.stringify({ time: '2024-12-17T10:30:00Z', resourceId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Insights/actionGroups/a', operationName: op, category: 'Administrative', resultType: 'Success' });
    const f = file('azact.jsonl', [ev('microsoft.insights/actiongroups/delete'), ev('Microsoft.Compute/virtualMachines/write')].join('\n') + '\n');
    const key = (h: Hit) => `${h.pos.index} ${h.type} ${h.rule.id}`;
    // cased: its one test cannot be read, so it has no reading (it would "may fire" on every Activity event)
    assert.deepEqual(await sameInEveryEngine(rules, f, key), ['0 hit kusto/blind', '0 may_fire kusto/status']);
  });

  it("sign-in and audit rules read Entra ID's diagnostic export, each table over its own category; a flat row runs as written; both engines", async () => {
    const rules = await kqlRules(
      {
        'fail.kql': 'SigninLogs | where ResultType == "50126" and AppDisplayName == "Portal"\n',
        'os.kql': 'SigninLogs | extend OS = tostring(DeviceDetail.operatingSystem) | where OS == "Linux"\n',
        'both.kql': 'union SigninLogs, AADNonInteractiveUserSignInLogs | where UserPrincipalName =~ "bob@x" and IPAddress == "203.0.113.9"\n',
        'role.kql': 'AuditLogs | where OperationName == "Add member to role" and Result =~ "success" | extend Actor = tostring(InitiatedBy.user.userPrincipalName) | where Actor == "eve@x"\n',
        'all.kql': 'SigninLogs | summarize n = count() by AppDisplayName\n',
      },
      'detwiki-hunt-entra-',
    );
    const signIn = (category: string, props: Record<string, unknown>, resultType = '0') => ({ time: '2024-12-17T10:30:00Z', category, operationName: 'Sign-in activity', resultType, properties: props });
    const lines = [
      signIn('SignInLogs', { userPrincipalName: 'bob@x', appDisplayName: 'Portal', ipAddress: '203.0.113.9', deviceDetail: { operatingSystem: 'Linux' } }, '50126'),
      // a non-interactive sign-in: not a SigninLogs row, but one of the union's
      signIn('NonInteractiveUserSignInLogs', { userPrincipalName: 'BOB@x', appDisplayName: 'Portal', ipAddress: '203.0.113.9' }, '50126'),
      { time: '2024-12-17T10:31:00Z', category: 'AuditLogs', operationName: 'Add member to role', properties: { result: 'success', initiatedBy: { user: { userPrincipalName: 'eve@x' } } } },
      // a flat SigninLogs row: the rules run on it as written
      { ResultType: '50126', UserPrincipalName: 'bob@x', AppDisplayName: 'Portal', IPAddress: '203.0.113.9' },
      // Panther's Azure.Audit keeps the export's form
      { ...signIn('SignInLogs', { userPrincipalName: 'ann@x', appDisplayName: 'Portal' }, '50126'), p_log_type: 'Azure.Audit' },
    ].map((e) => JSON.stringify(e));
    assert.deepEqual(recogniseLogSources(JSON.parse(lines[0]!)), ['entra.signin', 'vendor:entra/diagnostic-export']);
    const f = file('entra.jsonl', lines.join('\n') + '\n');
    const key = (h: Hit) => `${h.pos.index} ${h.type} ${h.rule.id}`;
    assert.deepEqual(await sameInEveryEngine(rules, f, key), [
      '0 hit kusto/all', '0 hit kusto/both', '0 hit kusto/fail', '0 hit kusto/os',
      '1 hit kusto/both',
      '2 hit kusto/role',
      '3 hit kusto/all', '3 hit kusto/both', '3 hit kusto/fail',
      '4 hit kusto/all', '4 hit kusto/fail',
    ]);
  });

  it("OfficeActivity and CloudAppEvents rules read Microsoft 365's records: the record type by its name, RawEventData as the record; both engines", async () => {
    const rules = await kqlRules(
      {
        'inbox.kql': 'OfficeActivity | where OfficeWorkload == "Exchange" and Operation == "New-InboxRule" and RecordType == "ExchangeAdmin"\n',
        'download.kql': 'CloudAppEvents | where ActionType == "FileDownloaded" and RawEventData.Workload == "SharePoint"\n',
        'yammer.kql': 'OfficeActivity | where RecordType == "Yammer"\n',
      },
      'detwiki-hunt-m365-',
    );
    const rec = (e: Record<string, unknown>) => JSON.stringify({ Id: 'r', CreationTime: '2026-01-01T00:00:00', OrganizationId: 'o', UserId: 'ann@example.com', ...e });
    const f = file('m365.jsonl', [rec({ Workload: 'Exchange', Operation: 'New-InboxRule', RecordType: 1 }), rec({ Workload: 'SharePoint', Operation: 'FileDownloaded', RecordType: 6 }), rec({ Workload: 'Yammer', Operation: 'GroupCreation', RecordType: 22 })].join('\n') + '\n');
    const key = (h: Hit) => `${h.pos.index} ${h.type} ${h.rule.id}`;
    // 22 is Yammer in older tables and Viva Engage in Microsoft's current one: which name the table writes is not read
    assert.deepEqual(await sameInEveryEngine(rules, f, key), ['0 hit kusto/inbox', '1 hit kusto/download', '2 may_fire kusto/yammer']);
  });

  it("a join's side takes only the events of its tables: a sign-in row is no CloudTrail side, whatever columns it has; both engines", async () => {
    const rules = await kqlRules(
      { 'pair.kql': 'AWSCloudTrail | where EventName == "ConsoleLogin" | join kind=inner (SigninLogs | where ResultType == "0") on $left.SourceIpAddress == $right.IPAddress\n' },
      'detwiki-hunt-sidetables-',
    );
    const lines = [
      // a sign-in row that happens to have the CloudTrail side's columns
      { Type: 'SigninLogs', TimeGenerated: '2024-05-01T10:00:00Z', ResultType: '0', UserPrincipalName: 'bob@x', AppDisplayName: 'Portal', IPAddress: '203.0.113.9', EventName: 'ConsoleLogin', SourceIpAddress: '203.0.113.9' },
      { Type: 'AWSCloudTrail', TimeGenerated: '2024-05-01T10:01:00Z', EventName: 'ConsoleLogin', SourceIpAddress: '203.0.113.9' },
    ].map((e) => JSON.stringify(e));
    const f = file('sidetables.jsonl', lines.join('\n') + '\n');
    const key = (h: Hit) => `${h.pos.index} ${h.type} ${h.rule.id}`;
    // before, the sign-in row took both sides and fired alone
    assert.deepEqual(await sameInEveryEngine(rules, f, key), ['1 aggregate kusto/pair']);
  });

  it('a query that passes its rows to a function it defines (invoke) runs the body on them: its filter is row-level, a take in it leaves the rule partial; a workspace function decides the rows itself', async () => {
    const rules = await kqlRules(
      {
        'inv.kql': 'let F = (T:(FolderPath:string)) { T | where FolderPath startswith "c:" | take 1 };\nDeviceProcessEvents\n| invoke F()\n',
        'filter.kql': 'let G = (T:(FolderPath:string), drive:string) { T | where FolderPath startswith drive };\nDeviceProcessEvents\n| invoke G("c:")\n',
        'ws.kql': 'DeviceProcessEvents\n| invoke WorkspaceFunction()\n',
      },
      'detwiki-hunt-invoke-',
    );
    const byId = (id: string) => rules.find((r) => r.id === id)!;
    assert.equal(byId('kusto/inv').logic.completeness, 'partial');
    assert.match(byId('kusto/inv').logic.missing.map((m) => m.reason).join('\n'), /take keeps only some of the matching rows/);
    assert.equal(byId('kusto/filter').logic.completeness, 'complete');
    assert.match(byId('kusto/ws').logic.missing.map((m) => m.reason).join('\n'), /invoke passes the rows to a function/);
    const lines = [
      { Type: 'DeviceProcessEvents', DeviceName: 'pc1', FileName: 'a.exe', FolderPath: 'C:\\Users\\a' },
      { Type: 'DeviceProcessEvents', DeviceName: 'pc1', FileName: 'b.exe', FolderPath: 'D:\\Tools' },
    ].map((e) => JSON.stringify(e));
    const f = file('invoke.jsonl', lines.join('\n') + '\n');
    const key = (h: Hit) => `${h.pos.index} ${h.type} ${h.rule.id}`;
    // startswith is case-insensitive in KQL: C:\ starts with "c:"; the rule whose function takes 1 row may fire
    const got = await sameInEveryEngine([byId('kusto/filter')], f, key);
    assert.deepEqual(got, ['0 hit kusto/filter']);
  });
});

describe('KQL thresholds in a hunt', () => {
  it('a distinct count per user in hourly bins fires when one bin holds three places; the same three across two bins do not', async () => {
    const rules = await kqlRules({ 'places.kql': 'AppSignins | where Result == "ok" | summarize Places = dcount(City) by Who, bin(TimeGenerated, 1h) | where Places >= 3\n' }, 'detwiki-hunt-kqlthr-');
    assert.equal(rules[0]!.logic.completeness, 'complete');
    const at = (h: number, m: number) => `2024-05-01T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00Z`;
    const ev = (who: string, city: string, t: string, result = 'ok') => JSON.stringify({ Who: who, City: city, Result: result, TimeGenerated: t });
    const lines = [
      // ann: three places within 10:00-11:00 (one repeated, one failed sign-in that does not count)
      ev('ann', 'Oslo', at(10, 5)), ev('ann', 'Oslo', at(10, 6)), ev('ann', 'Rome', at(10, 30), 'fail'), ev('ann', 'Lima', at(10, 40)), ev('ann', 'Pune', at(10, 50)),
      // a bin is one result row: more places in it do not alert again
      ev('ann', 'Kyiv', at(10, 52)), ev('ann', 'Riga', at(10, 53)), ev('ann', 'Baku', at(10, 54)),
      // bob: three places within 40 minutes, but across the 11:00 bin boundary
      ev('bob', 'Oslo', at(10, 40)), ev('bob', 'Lima', at(10, 50)), ev('bob', 'Pune', at(11, 20)),
    ];
    const hits = await huntLines(rules, 'signins.jsonl', lines);
    const agg = hits.filter((h) => h.type === 'aggregate').map((h) => `${h.rule.title} ${h.count}`);
    assert.deepEqual(agg, ['places 3']); // a sliding hour would also fire for bob
    assert.equal(hits.find((h) => h.type === 'aggregate')!.group, '"ann"');
  });
});

describe('several thresholds', () => {
  it('a group alerts when it passes every count: four attempts from two accounts, not four from one', async () => {
    const rules = await kqlRules({ 'spray.kql': 'AppSignins | where Result == "fail" | summarize Tries = count(), Accounts = dcount(Who) by Ip | where Tries >= 4 and Accounts >= 2\n' }, 'detwiki-hunt-more-');
    assert.equal(rules[0]!.logic.completeness, 'complete');
    const ev = (ip: string, who: string) => JSON.stringify({ Ip: ip, Who: who, Result: 'fail', TimeGenerated: '2024-05-01T10:00:00Z' });
    const lines = [ev('10.1.1.1', 'ann'), ev('10.1.1.1', 'ann'), ev('10.1.1.1', 'ann'), ev('10.1.1.1', 'ann'), ev('10.2.2.2', 'ann'), ev('10.2.2.2', 'bob'), ev('10.2.2.2', 'ann'), ev('10.2.2.2', 'ann')];
    const hits = await huntLines(rules, 'more.jsonl', lines);
    assert.deepEqual(hits.filter((h) => h.type === 'aggregate').map((h) => `${h.group} ${h.count} ${h.pos.line}`), ['"10.2.2.2" 4 8']);
  });
  it('a sum of a field over a sliding window: the numbers of the field (text that is one too) add up, anything else adds nothing', async () => {
    const rules = await kqlRules({ 'sum.kql': 'Net | summarize Out = sum(SentBytes) by Src | where Out > 1000\n' }, 'detwiki-hunt-sum-');
    assert.equal(rules[0]!.logic.completeness, 'complete');
    const ev = (src: string, bytes: unknown, min: number) => JSON.stringify({ Src: src, SentBytes: bytes, TimeGenerated: `2024-05-01T10:${String(min).padStart(2, '0')}:00Z` });
    const lines = [
      ev('a', 600, 0), ev('a', 'n/a', 1), ev('a', '300', 2), ev('a', 200, 3), // 1,100 at line 4
      ev('b', 900, 0), ev('b', null, 1), ev('b', [500], 2), ev('b', 100, 3), // 1,000: not more than 1,000
    ];
    const hits = await huntLines(rules, 'sum.jsonl', lines);
    assert.deepEqual(hits.filter((h) => h.type === 'aggregate').map((h) => `${h.group} ${h.count} ${h.pos.line}`), ['"a" 1100 4']);
  });
  it('conditional counts: ten failures and then a success from one user (countif), each count over its own events', async () => {
    const rules = await kqlRules({ 'bf.kql': 'SigninLogs | summarize Fails = countif(ResultType != "0"), Ok = countif(ResultType == "0") by User | where Fails >= 3 and Ok > 0\n' }, 'detwiki-hunt-countif-');
    assert.equal(rules[0]!.logic.completeness, 'complete');
    const ev = (user: string, result: string) => JSON.stringify({ User: user, ResultType: result, TimeGenerated: '2024-05-01T10:00:00Z' });
    const lines = [ev('ann', '50126'), ev('ann', '0'), ev('ann', '50126'), ev('ann', '50126'), ev('bob', '0'), ev('bob', '0'), ev('bob', '0'), ev('bob', '50126')];
    const hits = await huntLines(rules, 'bf.jsonl', lines);
    // ann: the third failure (line 4) completes both counts; bob: three successes are not failures
    assert.deepEqual(hits.filter((h) => h.type === 'aggregate').map((h) => `${h.group} ${h.count} ${h.pos.line}`), ['"ann" 3 4']);
  });
  it('alternatives: a group alerts when it passes every count of one of them (six failures, or three accounts with two failures)', async () => {
    const rules = await kqlRules({ 'alt.kql': 'AppSignins | where Result == "fail" | summarize Tries = count(), Accounts = dcount(Who) by Ip | where Tries >= 6 or (Accounts >= 3 and Tries >= 2)\n' }, 'detwiki-hunt-alt-');
    assert.equal(rules[0]!.logic.completeness, 'complete');
    const ev = (ip: string, who: string) => JSON.stringify({ Ip: ip, Who: who, Result: 'fail', TimeGenerated: '2024-05-01T10:00:00Z' });
    const lines = [
      // 10.1: one account, the sixth failure alerts (line 6)
      ...Array.from({ length: 6 }, () => ev('10.1.1.1', 'ann')),
      // 10.2: the third account alerts (line 9), with three failures
      ev('10.2.2.2', 'ann'), ev('10.2.2.2', 'bob'), ev('10.2.2.2', 'cat'),
      // 10.3: two accounts, five failures: neither alternative
      ev('10.3.3.3', 'ann'), ev('10.3.3.3', 'bob'), ev('10.3.3.3', 'ann'), ev('10.3.3.3', 'ann'), ev('10.3.3.3', 'ann'),
    ];
    const hits = await huntLines(rules, 'alt.jsonl', lines);
    assert.deepEqual(hits.filter((h) => h.type === 'aggregate').map((h) => `${h.group} ${h.count} ${h.pos.line}`), ['"10.1.1.1" 6 6', '"10.2.2.2" 3 9']);
  });
});

describe('thresholds decided when the window closes', () => {
  it('fewer than, exactly and at most: each group of a fixed window is tested once it has closed, at its last event; the end of the input closes the last window', async () => {
    const rules = await kqlRules(
      {
        'rare.kql': 'Proc | where Action == "start" | summarize Runs = count() by Exe, bin(TimeGenerated, 1h) | where Runs < 3\n',
        'exact.kql': 'Proc | where Action == "start" | summarize Hosts = dcount(Host) by Exe | where Hosts == 2\n',
        'few.kql': 'Proc | where Action == "start" | summarize Runs = countif(Host == "h1") by Exe | where Runs <= 1\n',
      },
      'detwiki-hunt-close-',
    );
    for (const r of rules) assert.equal(r.logic.completeness, 'complete', r.id);
    const ev = (exe: string, host: string, t: string) => JSON.stringify({ Exe: exe, Host: host, Action: 'start', TimeGenerated: `2024-05-01T${t}:00Z` });
    const lines = [
      ev('a.exe', 'h1', '10:00'), ev('a.exe', 'h1', '10:10'), ev('a.exe', 'h2', '10:20'), // a: 3 runs in 10:00-11:00
      ev('b.exe', 'h1', '10:30'), ev('b.exe', 'h2', '10:40'), // b: 2 runs, on 2 hosts
      JSON.stringify({ Exe: 'c.exe', Host: 'h1', Action: 'stop', TimeGenerated: '2024-05-01T10:45:00Z' }), // not selected
      ev('a.exe', 'h3', '11:05'), // line 7: the 10:00 window has closed; a's 11:00 window has one run
      ev('d.exe', 'h2', '11:30'), // line 8: d once, on h2 (no h1 run: countif 0, still a row)
    ];
    const hits = await huntLines(rules, 'close.jsonl', lines);
    const agg = hits.filter((h) => h.type === 'aggregate').map((h) => `${h.rule.title} ${h.group} ${h.count} ${h.pos.line}`);
    assert.deepEqual(agg, [
      // line 7 closes the 10:00 window: b's 2 runs pass, a's 3 do not
      'rare "b.exe" 2 5',
      // the end of the input closes the 11:00 window and the whole run, reported in the order of their last events
      'exact "b.exe" 2 5', // a ran on 3 hosts, d on 1
      'few "b.exe" 1 5', // a ran twice on h1; d never did, and still has its row (0)
      'rare "a.exe" 1 7',
      'few "d.exe" 0 8',
      'rare "d.exe" 1 8',
    ]);
    // worker threads and DuckDB report through the same counting: the same hits, in the same order (below)
    const show = (h: Hit) => `${h.type} ${h.rule.title} ${h.group ?? ''} ${h.count ?? ''} ${h.pos.line}`;
    const memory = hits.map(show);
    const { threads, duck } = await otherEngines(rules, 'close2.jsonl', lines);
    assert.deepEqual(threads.map(show), memory);
    assert.deepEqual(duck.map(show), memory);

  });
});

describe('one row kept per group (arg_max / arg_min), then filtered', () => {
  it("a device's latest state: the group alerts when its latest event meets the filter; ties and unreadable times that the filter tells apart make it may fire", async () => {
    const rules = await kqlRules(
      {
        'latest.kql': 'DeviceInfo | where OSPlatform startswith "Windows" | summarize arg_max(Timestamp, *) by DeviceId | where OnboardingStatus == "Can be onboarded" | summarize Devices = dcount(DeviceId) by OSPlatform\n',
        'first.kql': 'DeviceInfo | where OSPlatform startswith "Windows" | summarize arg_min(Timestamp, *) by DeviceId | where OnboardingStatus == "Onboarded"\n',
      },
      'detwiki-hunt-keep-',
    );
    for (const r of rules) assert.equal(r.logic.completeness, 'complete', `${r.id}: ${r.logic.missing.map((m) => m.reason).join('; ')}`);
    const latest = rules.find((r) => r.title === 'latest')!;
    assert.equal(describeCount(latest.logic.aggregation!), 'alerts for each DeviceId whose latest matching event (by Timestamp) has OnboardingStatus eq "Can be onboarded" over the whole run, decided at its end');
    const ev = (id: string, status: string, t?: string, os = 'Windows11') => JSON.stringify({ DeviceId: id, OSPlatform: os, OnboardingStatus: status, ...(t ? { Timestamp: `2024-05-01T${t}:00Z` } : {}) });
    const lines = [
      ev('d1', 'Can be onboarded', '10:00'), ev('d1', 'Onboarded', '11:00'), // d1: onboarded since
      ev('d2', 'Onboarded', '10:00'), ev('d2', 'Can be onboarded', '12:00'), // d2: latest (line 4) can be onboarded
      ev('d3', 'Can be onboarded', '09:00'), ev('d3', 'Onboarded', '08:00'), // d3: out of time order, line 5 is the latest
      ev('d4', 'Can be onboarded', '10:00'), ev('d4', 'Onboarded', '10:00'), // d4: two events at the same time
      ev('d5', 'Can be onboarded'), // d5: no time to compare
      ev('d6', 'Can be onboarded', '10:00', 'Linux'), // not selected
    ];
    const hits = await huntLines(rules, 'keep.jsonl', lines);
    const show = (h: Hit) => `${h.type} ${h.rule.title} ${h.group ?? ''} ${h.pos.line}`;
    // reported at the end of the input (no window), in the order of the kept events; d1 was first seen unonboarded
    assert.deepEqual(hits.map(show), [
      'aggregate first "d2" 3',
      'aggregate latest "d2" 4',
      'aggregate latest "d3" 5',
      'aggregate first "d3" 6',
      'may_fire first "d4" 7', // either of d4's two events may be kept
      'may_fire latest "d4" 7',
      'may_fire latest "d5" 9',
    ]);
    assert.match(hits.find((h) => h.group === '"d4"' && h.rule.title === 'latest')!.dependsOn!.join(), /several events may be the latest by Timestamp/);
    assert.match(hits.find((h) => h.group === '"d5"')!.dependsOn!.join(), /no event of the group has a Timestamp value/);
    // worker threads and DuckDB report through the same reporter: the same results in the same order
    const { threads, duck } = await otherEngines(rules, 'keep2.jsonl', lines);
    assert.deepEqual(threads.map(show), hits.map(show));
    assert.deepEqual(duck.map(show), hits.map(show));
  });
});

describe('a set of values tested after the aggregation', () => {
  it('failures and never a success per user (make_set has, not has): a count of the events with the term, decided when the window closes', async () => {
    const rules = await kqlRules({ 'nosuccess.kql': 'SigninLogs | summarize Results = make_set(ResultType) by User | where Results has "50126" and not(Results has "0")\n' }, 'detwiki-hunt-set-');
    assert.equal(rules[0]!.logic.completeness, 'complete', rules[0]!.logic.missing.map((m) => m.reason).join('; '));
    const ev = (user: string, result: string) => JSON.stringify({ User: user, ResultType: result, TimeGenerated: '2024-05-01T10:00:00Z' });
    const lines = [ev('ann', '50126'), ev('bob', '50126'), ev('ann', '0'), ev('cy', '0'), ev('bob', '50126'), ev('dee', '50053')];
    const hits = await huntLines(rules, 'set.jsonl', lines);
    assert.deepEqual(hits.filter((h) => h.type === 'aggregate').map((h) => `${h.group} ${h.pos.line}`), ['"bob" 5']);
  });
});

describe('computed group-by keys', () => {
  it('a key the rule computes from one field (tolower, a split part) is computed per event; a key the model cannot compute makes its group may fire', async () => {
    const rules = await kqlRules(
      {
        'fold.kql': 'SigninLogs | where ResultType != "0" | summarize n = count() by tolower(UserPrincipalName) | where n >= 3\n',
        'domain.kql': 'SigninLogs | extend Domain = tostring(split(UserPrincipalName, "@")[1]) | summarize Users = dcount(UserPrincipalName) by Domain | where Users >= 2\n',
      },
      'detwiki-hunt-derived-key-',
    );
    for (const r of rules) assert.equal(r.logic.completeness, 'complete', r.logic.missing.map((m) => m.reason).join('; '));
    const fold = rules.find((r) => r.id.endsWith('fold'))!;
    assert.equal(describeCount(fold.logic.aggregation!), 'alerts when at least 3 matching events are seen per tolower(UserPrincipalName) over the whole run');
    const ev = (upn: string | number, result: string) => JSON.stringify({ UserPrincipalName: upn, ResultType: result, TimeGenerated: '2024-05-01T10:00:00Z' });
    const lines = [ev('Ann@corp.example', '50126'), ev('ann@corp.example', '50126'), ev('bob@other.example', '50126'), ev('ANN@CORP.EXAMPLE', '50126'), ev('cy@corp.example', '0'), ev('bob@other.example', '50053')];
    const hits = await huntLines(rules, 'derived.jsonl', lines);
    const show = (h: Hit) => `${h.rule.id.replace(/^kusto\//, '')} ${h.group} ${h.count} ${h.pos.line} ${h.type}`;
    // three spellings of one address are one group of the folded key; dcount counts the field as it is, so Ann@ and
    // ann@ are two values of corp.example (ANN@CORP.EXAMPLE's domain is another key: split does not fold)
    assert.deepEqual(hits.filter((h) => h.type === 'aggregate').map(show).sort(), ['domain "corp.example" 2 2 aggregate', 'fold "ann@corp.example" 3 4 aggregate']);
    // worker threads and DuckDB report the same
    const groups = (hs: readonly Hit[]) => hs.filter((h) => h.type !== 'hit').map(show);
    const { threads, duck } = await otherEngines(rules, 'derived2.jsonl', lines);
    assert.deepEqual(groups(threads), groups(hits));
    assert.deepEqual(groups(duck), groups(hits));
  });
  it('AggregateState: a key the derivation cannot compute (several values) is a group of its own whose result is unknown; COALESCE keys take the first present field', () => {
    const resolve = (e: unknown, f: string) => (e as Record<string, unknown>)[f];
    const spread = new AggregateState({ kind: 'count', op: 'ge', value: 1, groupBy: ['elements(x)'], derivedKeys: [{ name: 'elements(x)', field: 'x', derived: { steps: [{ fn: 'elements' }] } }] });
    const fired = spread.add({ x: ['a', 'b'] }, 0, resolve);
    assert.deepEqual(fired, { key: '?', count: 1, uncertain: ['the value of the group-by key elements(x) (not computed here)'] });
    const co = new AggregateState({ kind: 'count', op: 'ge', value: 2, groupBy: ['COALESCE(a, b)'], derivedKeys: [{ name: 'COALESCE(a, b)', field: 'a', coalesce: ['b'] }] });
    assert.equal(co.add({ a: null, b: 'k' }, 0, resolve), undefined);
    assert.deepEqual(co.add({ a: 'k' }, 1, resolve), { key: '"k"', count: 2 });
  });
  it('a conditional key (KQL iff): the branch whose condition holds; a condition the event cannot decide makes the key unknown', async () => {
    const rules = await kqlRules({ 'who.kql': 'SigninLogs | summarize n = count() by Who = iff(isempty(UserPrincipalName), tostring(AppId), tolower(UserPrincipalName)) | where n >= 2\n' }, 'detwiki-hunt-cases-key-');
    assert.equal(rules[0]!.logic.completeness, 'complete', rules[0]!.logic.missing.map((m) => m.reason).join('; '));
    const ev = (upn: string | undefined, app: string) => JSON.stringify({ ...(upn === undefined ? {} : { UserPrincipalName: upn }), AppId: app, TimeGenerated: '2024-05-01T10:00:00Z' });
    const hits = await huntLines(rules, 'cases.jsonl', [ev('Ann@x', 'a1'), ev('', 'a1'), ev('ann@x', 'a2'), ev(undefined, 'a1')]);
    assert.deepEqual(hits.filter((h) => h.type !== 'hit').map((h) => `${h.type} ${h.group} ${h.count} ${h.pos.line}`), ['aggregate "ann@x" 2 3', 'aggregate "a1" 2 4']);
    const resolve = (e: unknown, f: string) => (e as Record<string, unknown>)[f];
    const st = new AggregateState({ kind: 'count', op: 'ge', value: 1, groupBy: ['k'], derivedKeys: [{ name: 'k', field: 'b', cases: [{ when: { kind: 'opaque', text: 'f(a)', reason: 'not modelled' }, field: 'b' }, { when: { kind: 'not', arg: { kind: 'opaque', text: 'f(a)', reason: 'not modelled' } }, value: 'none' }] }] });
    assert.deepEqual(st.add({ b: 'x' }, 0, resolve), { key: '?', count: 1, uncertain: ['the value of the group-by key k (not computed here)'] });
  });
});

describe('two counts compared', () => {
  it('more failures than successes per user: decided when the window closes, as either count may still grow', async () => {
    const rules = await kqlRules({ 'more.kql': 'SigninLogs | summarize Fails = countif(ResultType != "0"), Ok = countif(ResultType == "0") by User | where Fails > Ok and Fails >= 2\n' }, 'detwiki-hunt-than-');
    assert.equal(rules[0]!.logic.completeness, 'complete');
    assert.equal(describeCount(rules[0]!.logic.aggregation!), 'alerts when more events where ResultType ne "0" than events where ResultType eq "0" and at least 2 events where ResultType ne "0" are seen per User over the whole run, decided at its end');
    assert.equal(thresholdText(rules[0]!.logic.aggregation!), 'Fails gt Ok and Fails ge 2');
    const ev = (user: string, result: string) => JSON.stringify({ User: user, ResultType: result, TimeGenerated: '2024-05-01T10:00:00Z' });
    const lines = [ev('ann', '50126'), ev('ann', '0'), ev('bob', '50126'), ev('ann', '50126'), ev('bob', '0'), ev('ann', '50126'), ev('bob', '0'), ev('cy', '50126')];
    const hits = await huntLines(rules, 'than.jsonl', lines);
    // ann: 3 failures, 1 success; bob: 1 and 2; cy: 1 failure, too few
    assert.deepEqual(hits.filter((h) => h.type === 'aggregate').map((h) => `${h.group} ${h.count} ${h.pos.line}`), ['"ann" 3 6']);
  });
});

describe('partial rules', () => {
  it('a true row-level condition of a rule that also does what the model leaves out (a filter after take) may fire; a complete one hits (a take at the end too), an aggregation without a threshold too', async () => {
    const rules = await kqlRules(
      {
        'limited.kql': '// Limited\nAppEvents | take 5 | where Action == "delete"\n',
        'ranked.kql': '// Ranked\nAppEvents | where Action == "delete" | take 5\n',
        'whole.kql': '// Whole\nAppEvents | where Action == "delete"\n',
        'grouped.kql': '// Grouped\nAppEvents | where Action == "delete" | summarize n = count() by User\n',
        'twice.kql': '// Twice\nAppEvents | take 5 | where Action == "delete" | take 3 | where Action != "x"\n',
      },
      'detwiki-hunt-partial-',
    );
    // the same reason twice in the rule's missing parts (each take): listed once
    const twice = rules.find((r) => r.id.endsWith('twice'))!;
    assert.equal(new Set(twice.logic.missing.map((m) => m.reason)).size < twice.logic.missing.length, true);
    const hits = await huntLines(rules, 'app.jsonl', [JSON.stringify({ Action: 'delete' }), JSON.stringify({ Action: 'read' })]);
    assert.deepEqual(
      hits.map((h) => `${h.type} ${h.rule.title} ${h.pos.line} ${(h.dependsOn ?? []).join('; ')}`).sort(),
      ['hit grouped 1 ', 'hit ranked 1 ', 'hit whole 1 ', 'may_fire limited 1 take keeps only some of the matching rows, and where after it sees only those', 'may_fire twice 1 take keeps only some of the matching rows, and where after it sees only those'],
    );
  });
});

describe('detwiki hunt (command)', () => {
  it('a Sublime exclusion keeps the messages it matches from the detection rules (memory, worker threads and DuckDB alike)', async () => {
    const { spawnSync } = await import('node:child_process');
    const bin = path.resolve(import.meta.dirname, '..', 'bin', 'detwiki.js');
    const logs = tempDir('detwiki-hunt-exclusion-');
    // the fixture's invoice rule matches all four; one exclusion (a simulation vendor's relay and headers) holds on
    // the second and does not on the third; on the first (no headers at all) both are SQL-style null, which is no
    // match in MQL, so neither holds; on the fourth the other (the organisation's own relay, named by a list whose
    // contents the catalog does not hold) may
    const invoice = { type: { inbound: true }, subject: { subject: 'Your INVOICE 42' }, sender: { email: { email: 'billing@evil.test', domain: { root_domain: 'evil.test' } } }, attachments: [{ file_name: 'inv.HTML', file_extension: 'HTML', size: 2048 }] };
    const hops = (names: string[]) => [{ fields: names.map((name) => ({ name })) }];
    const events = [
      invoice,
      { ...invoice, headers: { ips: [{ ip: '192.0.2.9' }], hops: hops(['X-ExampleSim-Id', 'X-ExampleSim-Sig']) } },
      { ...invoice, headers: { ips: [{ ip: '192.0.2.9' }], hops: hops(['X-Other']) } },
      // a link to the recipient's name without a display text: the lookalike rule's count of links whose text asks
      // to verify an account is undecided (a null test in MQL's filter)
      { ...invoice, headers: { ips: [{ ip: '192.0.2.9' }], hops: [{ fields: [{ name: 'X-Example-Relay', value: 'corp.example' }] }] }, recipients: { to: [{ email: { local_part: 'alice', domain: { valid: true } } }] }, body: { links: [{ href_url: { url: 'https://x.test/alice', domain: { root_domain: 'x.test' } } }] } },
    ];
    writeFileSync(path.join(logs, 'mail.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    for (const extra of [[], ['--workers', '2'], ['--engine', 'duckdb']]) {
      const r = spawnSync(process.execPath, [bin, 'hunt', logs, '--rules', fixture('mql'), '--logsource', 'email', '--json', ...extra], { encoding: 'utf8', env: { ...process.env, DETWIKI_ATTACK: '' } });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { hits: Hit[]; excluded: { events: number; results: number } };
      const invoiceHits = out.hits.filter((h) => h.rule.id === 'mql/html_attachment_invoice').map((h) => `${h.type} ${h.pos.line} ${(h.dependsOn ?? []).join()}`);
      assert.deepEqual(invoiceHits, ['hit 1 ', 'hit 3 ', 'may_fire 4 not excluded by mql/own_relay'], extra.join(' '));
      // a response (automation) is not a detection rule: the exclusion does not keep messages from it
      assert.deepEqual(out.hits.filter((h) => h.rule.id === 'mql/acknowledge_report').map((h) => `${h.type} ${h.pos.line}`), ['hit 1', 'hit 2', 'hit 3', 'hit 4'], extra.join(' '));
      assert.deepEqual(out.excluded, { events: 1, results: 1 }, extra.join(' '));
      // why a may-fire is unknown: an opaque part, even inside a quantifier, else the tests undecided on the event
      const why = (id: string, line: number) => out.hits.find((h) => h.rule.id === id && h.pos.line === line)?.dependsOn ?? [];
      assert.ok(why('mql/macro_attachment_names', 3).some((d) => d.includes('$file_extensions_macros')), why('mql/macro_attachment_names', 3).join());
      assert.ok(why('mql/lookalike_link_recipient', 4).length > 0 && why('mql/lookalike_link_recipient', 4).every((d) => d.startsWith('undecided on this event: ')), why('mql/lookalike_link_recipient', 4).join());
      // a test that is null on the message (no display name) is not undecided: it is null, and cannot make the rule fire
      assert.ok(!why('mql/lookalike_link_recipient', 4).some((d) => d.includes('display_name')), why('mql/lookalike_link_recipient', 4).join());
      // where a rule's result is SQL-style null (a field it needs is missing), it is no match, not a may-fire
      assert.deepEqual(out.hits.filter((h) => h.rule.id === 'mql/lookalike_link_recipient' || h.rule.id === 'mql/outbound_ssn').map((h) => `${h.rule.id} ${h.pos.line}`), ['mql/lookalike_link_recipient 4'], extra.join(' '));
    }
  });

  it('runs the rules of a repository over a folder of events with bad input: hits, may-fire, counts', async () => {
    const { spawnSync } = await import('node:child_process');
    const bin = path.resolve(import.meta.dirname, '..', 'bin', 'detwiki.js');
    const src = fixture('sigma', 'source');
    const logs = tempDir('detwiki-hunt-cli-');
    const whoami = { Event: { System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } }, EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational' }, EventData: { Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /all', User: 'CORP\\bob' } } };
    writeFileSync(path.join(logs, 'a.jsonl'), `${JSON.stringify(whoami)}\nnot json\n${JSON.stringify({ eventSource: 's3.amazonaws.com', eventName: 'GetObject', awsRegion: 'eu-west-1' })}\n`);
    writeFileSync(path.join(logs, 'b.jsonl.gz'), gzipSync(Buffer.from(JSON.stringify(whoami) + '\n')));
    writeFileSync(path.join(logs, 'notes.md'), 'not an event file');
    const r = spawnSync(process.execPath, [bin, 'hunt', logs, '--rules', src, '--json'], { encoding: 'utf8', env: { ...process.env, DETWIKI_ATTACK: '' } });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { counts: InputCounts; hits: Hit[]; byRule: { rule: { id: string }; hits: number }[]; bad: { code: string; pos: { line: number } }[]; filesSkipped: string[]; byLogSource: { logSource: string; events: number }[]; rules: { notOnTheirOwn: number } };
    assert.deepEqual(out.counts, { files: 2, lines: 4, events: 3, bad: 1 });
    assert.deepEqual(out.bad.map((b) => `${b.code}:${b.pos.line}`), ['NOT_JSON:2']);
    assert.equal(out.filesSkipped.length, 1);
    const whoamiHits = out.hits.filter((h) => h.rule.id === 'sigma/proc_creation_win_whoami');
    assert.deepEqual(whoamiHits.map((h) => `${h.type} ${path.basename(h.pos.file)}:${h.pos.line}`), ['hit a.jsonl:1', 'hit b.jsonl.gz:1']);
    assert.ok(whoamiHits[0]!.matched.some((m) => m.includes('whoami.exe')), JSON.stringify(whoamiHits[0]!.matched));
    assert.ok(out.byLogSource.some((l) => l.logSource === 'aws.cloudtrail' && l.events === 1));
    // the fixture's filter (not a svc_ user) is applied to the rule it targets, not run alone: run alone it would
    // "fire" on bob's events; asked for by kind, it does
    const filterId = 'sigma/filter_service_accounts';
    assert.equal(out.hits.filter((h) => h.rule.id === filterId).length, 0);
    assert.equal(out.rules.notOnTheirOwn, 1);
    const alone = spawnSync(process.execPath, [bin, 'hunt', logs, '--rules', src, '--json', '--kind', 'building_block'], { encoding: 'utf8', env: { ...process.env, DETWIKI_ATTACK: '' } });
    assert.equal(alone.status, 0, alone.stderr);
    const aloneOut = JSON.parse(alone.stdout) as { hits: Hit[]; rules: { notOnTheirOwn: number } };
    assert.deepEqual(aloneOut.hits.filter((h) => h.rule.id === filterId).map((h) => `${path.basename(h.pos.file)}:${h.pos.line}`), ['a.jsonl:1', 'b.jsonl.gz:1']);
    assert.equal(aloneOut.rules.notOnTheirOwn, 0);

    // standard input is told as a file is: gzip by its magic bytes, binary by NUL bytes
    const stdin = (input: Buffer) => {
      const x = spawnSync(process.execPath, [bin, 'hunt', '-', '--rules', src, '--json'], { input, encoding: 'utf8', env: { ...process.env, DETWIKI_ATTACK: '' } });
      assert.equal(x.status, 0, x.stderr);
      return JSON.parse(x.stdout) as { counts: InputCounts; hits: Hit[]; bad: { code: string }[] };
    };
    const gz = stdin(gzipSync(Buffer.from(`${JSON.stringify(whoami)}\n${JSON.stringify(whoami)}\n`)));
    assert.deepEqual(gz.counts, { files: 1, lines: 2, events: 2, bad: 0 });
    assert.deepEqual(gz.hits.filter((h) => h.rule.id === 'sigma/proc_creation_win_whoami').map((h) => `${h.pos.file}:${h.pos.line}`), ['<stdin>:1', '<stdin>:2']);
    assert.deepEqual(stdin(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2])).bad.map((b) => b.code), ['BINARY']);
    assert.deepEqual(stdin(Buffer.from(JSON.stringify(whoami))).counts, { files: 1, lines: 1, events: 1, bad: 0 });

    // deprecated and unsupported rules run only when --status names them (the fixture's deprecated rule: old.exe)
    const old = { Event: { ...whoami.Event, EventData: { ...whoami.Event.EventData, Image: 'C:\\tmp\\old.exe' } } };
    const byStatus = (...args: string[]) => {
      const x = spawnSync(process.execPath, [bin, 'hunt', '-', '--rules', src, '--json', ...args], { input: JSON.stringify(old), encoding: 'utf8', env: { ...process.env, DETWIKI_ATTACK: '' } });
      assert.equal(x.status, 0, x.stderr);
      const o = JSON.parse(x.stdout) as { hits: Hit[]; rulesLeftOutByStatus: number };
      return `${o.rulesLeftOutByStatus} ${o.hits.map((h) => h.rule.id).filter((id) => id.includes('old_rule')).join(',')}`;
    };
    assert.equal(byStatus(), '3 ');
    assert.equal(byStatus('--status', 'all'), '0 sigma/old_rule');
    assert.match(byStatus('--status', 'deprecated'), / sigma\/old_rule$/);
    const bad = spawnSync(process.execPath, [bin, 'hunt', '-', '--rules', src, '--status', 'retired'], { input: '', encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /unknown status 'retired'/);
    // a kind no rule can have is a usage error too, not a hunt with no rules
    const badKind = spawnSync(process.execPath, [bin, 'hunt', '-', '--rules', src, '--kind', 'detection,detections'], { input: '', encoding: 'utf8' });
    assert.equal(badKind.status, 2);
    assert.match(badKind.stderr, /unknown kind 'detections'/);
    // so is a forced log source no loaded rule reads (`process_creation` for `windows.process_creation`): the hunt
    // could never fire, and would end as if the events were clean
    const forced = (ls: string) => spawnSync(process.execPath, [bin, 'hunt', '-', '--rules', src, '--logsource', ls, '--json'], { input: JSON.stringify(whoami), encoding: 'utf8', env: { ...process.env, DETWIKI_ATTACK: '' } });
    const near = forced('process_creation');
    assert.equal(near.status, 2);
    assert.match(near.stderr, /--logsource: no loaded rule reads the log source 'process_creation' \(did you mean: windows\.process_creation/);
    const none = forced('windows.process_creation,nosuch');
    assert.equal(none.status, 2);
    assert.match(none.stderr, /'nosuch' \(log sources the loaded rules read include: /);
    // a known name in another case is that name: the hunt runs and fires as with the rules' own spelling
    const [lower, upper] = ['windows.process_creation', 'Windows.Process_Creation'].map((ls) => forced(ls));
    assert.equal(upper.status, 0, upper.stderr);
    assert.ok(JSON.parse(lower.stdout).hits.length > 0, lower.stdout);
    assert.deepEqual(JSON.parse(upper.stdout).hits, JSON.parse(lower.stdout).hits);
    // the DuckDB engine is given the rules' spelling too
    const duck = spawnSync(process.execPath, [bin, 'hunt', '-', '--rules', src, '--logsource', 'Windows.Process_Creation', '--engine', 'duckdb', '--json'], { input: JSON.stringify(whoami), encoding: 'utf8', env: { ...process.env, DETWIKI_ATTACK: '' } });
    assert.equal(duck.status, 0, duck.stderr);
    assert.deepEqual(JSON.parse(duck.stdout).hits.map((h: { rule: { id: string } }) => h.rule.id), JSON.parse(lower.stdout).hits.map((h: { rule: { id: string } }) => h.rule.id));
    // a path that does not exist is one too, before any rule is loaded (a typo would hunt less and say nothing)
    const typo = spawnSync(process.execPath, [bin, 'hunt', path.join(os.tmpdir(), 'detwiki-no-such-events.jsonl'), '-', '--rules', src], { input: '', encoding: 'utf8' });
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /no such file or folder: .*detwiki-no-such-events\.jsonl/);
    // a Navigator layer whose folder is not there, or that is a folder, before the hunt; one that cannot be written
    // after it: the hunt's output stays, exit 1, no stack trace
    const nav = (file: string) => spawnSync(process.execPath, [bin, 'hunt', '-', '--rules', src, '--navigator', file], { input: JSON.stringify(whoami), encoding: 'utf8', env: { ...process.env, DETWIKI_ATTACK: '' } });
    const noFolder = nav(path.join(os.tmpdir(), 'detwiki-no-such-folder', 'layer.json'));
    assert.equal(noFolder.status, 2);
    assert.match(noFolder.stderr, /--navigator .*layer\.json: no such folder/);
    assert.match(nav(os.tmpdir()).stderr, /a folder, not a file/);
    if (existsSync('/proc/self')) {
      const unwritable = nav('/proc/self/detwiki-layer.json');
      assert.equal(unwritable.status, 1);
      assert.match(unwritable.stderr, /cannot write the Navigator layer to \/proc\/self\/detwiki-layer\.json: /);
      assert.doesNotMatch(unwritable.stderr, /    at /);
      assert.match(unwritable.stdout, /^HIT /m);
    }
    // and a hunt with no rule to run: rules that hold none, filters or statuses that leave none
    const none0 = spawnSync(process.execPath, [bin, 'hunt', '-', '--rules', src, '--format', 'panther'], { input: '', encoding: 'utf8' });
    assert.equal(none0.status, 2);
    assert.match(none0.stderr, /no rule to hunt with: --rules .* holds no rule that --format, --kind and --min-severity keep/);
    const none1 = spawnSync(process.execPath, [bin, 'hunt', '-', '--rules', src, '--status', 'disabled'], { input: '', encoding: 'utf8' });
    assert.equal(none1.status, 2);
    assert.match(none1.stderr, /no rule to hunt with: the \d+ rule\(s\) of --rules .* are all of a status left out \(not in --status disabled\)/);
    // --min-severity: one severity word, in any case, as --format and --kind read theirs
    const sev = (word: string) => spawnSync(process.execPath, [bin, 'hunt', '-', '--rules', src, '--min-severity', word], { input: JSON.stringify(whoami), encoding: 'utf8' });
    const huge = sev('huge');
    assert.equal(huge.status, 2);
    assert.match(huge.stderr, /unknown severity 'huge' \(one of informational, low, medium, high, critical\)/);
    assert.equal(sev('High').status, 0);
    assert.match(sev('low,high').stderr, /one severity only/);
    // choices that exclude each other: both given is an error, not one of them dropped
    const both = (...flags: string[]) => spawnSync(process.execPath, [bin, 'hunt', '-', '--rules', src, ...flags], { input: JSON.stringify(whoami), encoding: 'utf8' });
    const cat = both('--catalog', os.tmpdir());
    assert.equal(cat.status, 2);
    assert.match(cat.stderr, /--catalog and --rules: one or the other/);
    const outputs = both('--json', '--jsonl');
    assert.equal(outputs.status, 2);
    assert.match(outputs.stderr, /--json and --jsonl: one or the other/);
    assert.equal(outputs.stdout, '');
    const ok = forced('windows.process_creation');
    assert.equal(ok.status, 0, ok.stderr);
    assert.ok((JSON.parse(ok.stdout) as { hits: Hit[] }).hits.length > 0);
  });
});
