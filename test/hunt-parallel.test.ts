/**
 * Hunt speed paths give the same answers as the plain ones: worker threads (`--workers`) report the same hits,
 * may-fires, aggregations, bad input and summary, in the same order, as one thread; the JSON-lines fast path of the
 * reader cuts values exactly as the character scan (two values on a line, a value over several lines, a broken line).
 */
import assert from 'node:assert/strict';
import { truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { scanSource } from '../src/formats/scan.ts';
import { sigmaAdapter } from '../src/formats/sigma/index.ts';
import { HuntEngine } from '../src/hunt/engine.ts';
import { rawText, readEventBatches, readEvents, type InputCounts } from '../src/hunt/events.ts';
import { AUTO_WORKER_BYTES, AUTO_WORKERS_MAX, AUTO_WORKERS_MIN_BYTES, autoWorkers } from '../src/hunt/parallel.ts';
import { hunt, type Hit } from '../src/hunt/session.ts';
import { fixture } from './helpers/golden.ts';
import { tempDir } from './helpers/tempDir.ts';

const dir = tempDir('detwiki-hunt-par-');
const file = (name: string, content: string): string => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};

describe('hunt speed paths', () => {
  it('JSON lines: a line that parses is one value; other lines are cut by the character scan', async () => {
    const f = file('mixed.jsonl', ['{"a":1}', '{"b":2}{"c":3}', '{"d": [1,', '2]}', '{"e": "x"} trailing', '{"f":', '  {"g": 1}}', '{"h":9}'].join('\n') + '\n');
    const counts: InputCounts = { files: 0, lines: 0, events: 0, bad: 0 };
    const got: string[] = [];
    for await (const it of readEvents([f], counts)) got.push(it.kind === 'event' ? `${it.pos.line}:${JSON.stringify(it.event)}` : `${it.pos.line}:${it.code}`);
    assert.deepEqual(got, ['1:{"a":1}', '2:{"b":2}', '2:{"c":3}', '3:{"d":[1,2]}', '5:{"e":"x"}', '5:NOT_JSON', '6:{"f":{"g":1}}', '8:{"h":9}']);
    assert.deepEqual(counts, { files: 1, lines: 8, events: 7, bad: 1 });
    // raw mode (for workers) cuts the same values, unparsed
    const raw: string[] = [];
    for await (const b of readEventBatches([f], { files: 0, lines: 0, events: 0, bad: 0 }, { raw: true })) for (const it of b) raw.push(it.kind === 'raw' ? `${it.pos.line}:${JSON.stringify(JSON.parse(rawText(it)))}` : `${it.pos.line}:${it.code}`);
    assert.deepEqual(raw, got);
  });

  it('raw values (for worker threads): the line fast path cuts what the character scan cuts', async () => {
    const lines = [
      '{"a":"}"}',
      '{"p":"x\\"}',
      '{"b":"\\"}", "c": [1, {"d": "]"}]}',
      '{"e":"\\\\"}  \r',
      '{"f":"é中 {"}',
      '{"g":1} {"h":2}',
      '{"i":1} x',
      '{"j": "a"',
      '}',
      '{"k": [}',
      '{"l": ]}',
      '{"m":"unterminated',
      '{"n":1}\t',
      '  {"o":1}',
    ];
    const f = file('raw.jsonl', lines.join('\n') + '\n');
    const cut = async (lineFastPath: boolean) => {
      const counts: InputCounts = { files: 0, lines: 0, events: 0, bad: 0 };
      const out: string[] = [];
      for await (const b of readEventBatches([f], counts, { raw: true, lineFastPath })) for (const it of b) out.push(it.kind === 'raw' ? `${it.pos.line}:${rawText(it)}` : `${it.pos.line}:${it.code}`);
      return { out, counts };
    };
    const fast = await cut(true);
    const scan = await cut(false);
    assert.deepEqual(fast, scan);
    assert.ok(fast.out.includes('1:{"a":"}"}') && fast.out.includes('4:{"e":"\\\\"}') && fast.out.includes('5:{"f":"é中 {"}'), fast.out.join('\n'));
    assert.ok(fast.out.includes('6:{"g":1}') && fast.out.includes('6:{"h":2}'), 'two values on a line');
  });

  it('worker threads report what one thread reports, in the same order', async () => {
    const res = await scanSource(sigmaAdapter, fixture('sigma', 'source'), { repository: 'fixture/sigma' });
    const t0 = Date.parse('2024-05-01T10:00:00Z');
    const logon = (i: number, user: string, ip: string, minutes: number) => ({ Event: { System: { EventID: 4625, Channel: 'Security', TimeCreated: { '#attributes': { SystemTime: new Date(t0 + minutes * 60_000 + i).toISOString() } } }, EventData: { TargetUserName: user, IpAddress: ip } } });
    const whoami = { Event: { System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } }, EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational' }, EventData: { Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /all', User: 'CORP\\bob' } } };
    const lines: string[] = [];
    for (let i = 0; i < 1200; i++) {
      if (i % 100 === 7) lines.push('not json');
      if (i % 3 === 0) lines.push(JSON.stringify(whoami));
      else if (i % 3 === 1) lines.push(JSON.stringify(logon(i, i < 600 ? 'alice' : `u${i % 9}`, '10.0.0.2', i * 0.1)));
      else lines.push(JSON.stringify({ eventSource: 's3.amazonaws.com', eventName: 'GetObject', awsRegion: 'eu-west-1', n: i }));
    }
    const f = file('events.jsonl', lines.join('\n') + '\n' + JSON.stringify(whoami, null, 2) + '\n{"broken": \n');
    const runs: { hits: string[]; summary: string }[] = [];
    for (const workers of [0, 2]) {
      const hits: string[] = [];
      const s = await hunt(new HuntEngine(res.rules), [f], { workers, onHit: (h: Hit) => hits.push(JSON.stringify(h)), onBad: (b) => hits.push(JSON.stringify(b)) });
      runs.push({ hits, summary: JSON.stringify({ ...s, seconds: 0 }) });
    }
    assert.ok(runs[0]!.hits.some((h) => h.includes('"aggregate"')), 'the events make an aggregation fire');
    assert.ok(runs[0]!.hits.some((h) => h.includes('NOT_JSON')));
    assert.ok(runs[0]!.hits.some((h) => h.includes('"may_fire"') && h.includes('"dependsOn":["')), 'a may-fire with what it depends on');
    assert.deepEqual(runs[1]!.hits, runs[0]!.hits);
    assert.equal(runs[1]!.summary, runs[0]!.summary);
  });

  it('long values (a batch cut by its bytes, the buffer grown and given back) reach the workers whole, in order', async () => {
    const res = await scanSource(sigmaAdapter, fixture('sigma', 'source'), { repository: 'fixture/sigma' });
    const whoami = (pad: string) => JSON.stringify({ Event: { System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } }, EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational' }, EventData: { Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /all', User: 'CORP\\bob', Pad: pad } } });
    // three values of 12 MB (over the 32 MB a batch holds) between short ones, and a pretty-printed one (a string
    // the character scan cut, not bytes)
    const big = 'x'.repeat(12 * 1024 * 1024);
    const lines = [whoami(''), whoami(big), whoami('é'), whoami(big), whoami(big), whoami('中')];
    const f = file('long.jsonl', lines.join('\n') + '\n' + JSON.stringify(JSON.parse(whoami('p')), null, 2) + '\n');
    const runs: string[][] = [];
    for (const workers of [0, 2]) {
      const hits: string[] = [];
      const s = await hunt(new HuntEngine(res.rules), [f], { workers, onHit: (h: Hit) => hits.push(`${h.type} ${h.rule.id} ${h.pos.line} ${h.matched.join(';')}`) });
      assert.equal(s.counts.events, 7);
      runs.push(hits);
    }
    assert.ok(runs[0]!.length >= 7, runs[0]!.join('\n'));
    assert.deepEqual(runs[1], runs[0]);
  });

  it('by default, worker threads for large inputs only: by size (gzip counted larger), cores and free memory', () => {
    const big = (name: string, bytes: number): string => {
      const p = file(name, '');
      truncateSync(p, bytes); // sparse: its size without its blocks
      return p;
    };
    const plenty = { cores: 8, freeBytes: 64 * 1024 ** 3 };
    const small = file('small.jsonl', '{"a":1}\n');
    const large = big('large.jsonl', AUTO_WORKERS_MIN_BYTES);
    assert.deepEqual(autoWorkers([small], plenty), { workers: 0, inputBytes: 8 });
    assert.deepEqual(autoWorkers([large], plenty), { workers: AUTO_WORKERS_MAX, inputBytes: AUTO_WORKERS_MIN_BYTES });
    // the sizes of several inputs add up; a gzip file is counted 8 times its size; a missing file as nothing
    const half = big('half.jsonl', AUTO_WORKERS_MIN_BYTES / 2);
    assert.equal(autoWorkers([half], plenty).workers, 0);
    assert.equal(autoWorkers([half, big('other.jsonl', AUTO_WORKERS_MIN_BYTES / 2)], plenty).workers, AUTO_WORKERS_MAX);
    assert.deepEqual(autoWorkers([big('logs.jsonl.gz', AUTO_WORKERS_MIN_BYTES / 8)], plenty), { workers: AUTO_WORKERS_MAX, inputBytes: AUTO_WORKERS_MIN_BYTES });
    assert.equal(autoWorkers([half, path.join(dir, 'missing.jsonl')], plenty).workers, 0);
    // standard input: its size is not known
    assert.deepEqual(autoWorkers([large, '-'], plenty), { workers: 0, inputBytes: undefined });
    // one per core, one core none; as many as free memory holds
    assert.equal(autoWorkers([large], { cores: 2, freeBytes: plenty.freeBytes }).workers, 2);
    assert.equal(autoWorkers([large], { cores: 1, freeBytes: plenty.freeBytes }).workers, 0);
    assert.equal(autoWorkers([large], { cores: 8, freeBytes: 3 * AUTO_WORKER_BYTES }).workers, 3);
    assert.equal(autoWorkers([large], { cores: 8, freeBytes: AUTO_WORKER_BYTES - 1 }).workers, 0);
  });

  it('the command takes --workers auto (the default) or a number, and says how many threads it used', async () => {
    const { spawnSync } = await import('node:child_process');
    const bin = path.resolve(import.meta.dirname, '..', 'bin', 'detwiki.js');
    const events = file('few.jsonl', '{"EventID": 1, "Image": "C:\\\\Windows\\\\System32\\\\whoami.exe"}\n');
    const run = (...extra: string[]) => spawnSync(process.execPath, [bin, 'hunt', events, '--rules', fixture('sigma'), '--json', ...extra], { encoding: 'utf8', env: { ...process.env, DETWIKI_ATTACK: '' } });
    for (const [extra, workers] of [[[], 0], [['--workers', 'auto'], 0], [['--workers', '2'], 2], [['--workers', '0'], 0]] as const) {
      const r = run(...extra);
      assert.equal(r.status, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { workers: number }).workers, workers, extra.join(' '));
    }
    for (const bad of ['two', '-1', '1.5', '65']) {
      const r = run(`--workers=${bad}`);
      assert.equal(r.status, 2, bad);
      assert.match(r.stderr, /--workers must be 'auto' or a whole number from 0 to 64/);
    }
  });
});
