/**
 * JSON nested deeper than the limit (`LIMITS.maxDepth`, 200 levels), wherever untrusted JSON is read: the hunt's
 * events (one bad value, in every reading path and on worker threads), a text a rule parses as JSON (unknown), SigmaHQ
 * regression events and Panther tests' logs (a diagnostic, the rule still parsed). The walks over a parsed value
 * recurse: before the limit, a hunt stopped with `Maximum call stack size exceeded`, a worker's unreadable reply left
 * a hunt waiting for ever, and a deep regression event made its rule an internal error.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { scanSource } from '../src/formats/scan.ts';
import { sigmaAdapter } from '../src/formats/sigma/index.ts';
import { parseJsonSequence } from '../src/formats/sigma/regression.ts';
import { parseKqlJson } from '../src/formats/kusto/arm.ts';
import { parseTests } from '../src/formats/panther/tests.ts';
import { parseYamlSpec } from '../src/formats/panther/yamlDoc.ts';
import { HuntEngine } from '../src/hunt/engine.ts';
import { MAX_EVENT_DEPTH, rawText, readEventBatches, readEvents, type InputCounts } from '../src/hunt/events.ts';
import { hunt, type Hit } from '../src/hunt/session.ts';
import { compile, runCompiled } from '../src/model/compile.ts';
import { LIMITS } from '../src/model/diagnostics.ts';
import { evaluate, resolveDotted } from '../src/model/evaluate.ts';
import { pred, type Derived } from '../src/model/expr.ts';
import { nestsDeeperThan } from '../src/model/jsonDepth.ts';
import { fixture } from './helpers/golden.ts';
import { tempDir } from './helpers/tempDir.ts';

const dir = tempDir('detwiki-deep-');
const file = (name: string, content: string): string => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};
const nested = (depth: number, inner = ''): string => '['.repeat(depth) + inner + ']'.repeat(depth);
const whoami = (extra: Record<string, unknown> = {}) => ({ Event: { System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } }, EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational' }, EventData: { Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /all', User: 'CORP\\bob', ...extra } } });
/** A whoami event with a member nested `depth` levels below the event (the event itself is one level, EventData three). */
const whoamiAt = (depth: number): string => JSON.stringify(whoami()).replace('"EventData":{', `"EventData":{"X":${nested(depth - 3)},`);

describe('nestsDeeperThan', () => {
  it('counts objects and arrays, not brackets inside strings; text and UTF-8 bytes alike', () => {
    for (const wrap of [(s: string) => s, (s: string) => Buffer.from(s)]) {
      assert.equal(nestsDeeperThan(wrap(nested(200)), 200), false);
      assert.equal(nestsDeeperThan(wrap(nested(201)), 200), true);
      assert.equal(nestsDeeperThan(wrap(`{"a":${nested(198, '{"b":1}')}}`), 200), false);
      assert.equal(nestsDeeperThan(wrap(`{"a":${nested(199, '{"b":1}')}}`), 200), true);
      // many brackets, shallow: the scan after the count
      assert.equal(nestsDeeperThan(wrap(`[${Array.from({ length: 500 }, () => '[{}]').join(',')}]`), 200), false);
      // brackets in strings, escaped quotes before them
      assert.equal(nestsDeeperThan(wrap(`{"s":"${'['.repeat(500)}","t":"\\"${'{'.repeat(500)}\\\\"}`), 200), false);
      assert.equal(nestsDeeperThan(wrap(`{"é中":"x","a":${nested(300)}}`), 200), true);
    }
  });
});

describe('hunt input nested too deep', () => {
  const deepLine = whoamiAt(MAX_EVENT_DEPTH + 1);
  const edgeLine = whoamiAt(MAX_EVENT_DEPTH);
  assert.ok(nestsDeeperThan(deepLine, MAX_EVENT_DEPTH) && !nestsDeeperThan(edgeLine, MAX_EVENT_DEPTH));
  // JSON lines (the line fast path), a deep value that is not JSON either, a pretty-printed deep value (the
  // character scan), a deep element of a top-level array, a value of 100,000 levels, and events after each
  const pretty = JSON.stringify(JSON.parse(deepLine), null, 1);
  const text = [
    deepLine,
    edgeLine,
    `{"a":${nested(300)},}`,
    pretty,
    JSON.stringify(whoami()),
    `[${JSON.stringify(whoami())}, ${deepLine}, ${JSON.stringify(whoami())}]`,
    `{"x":${nested(100_000)}}`,
    JSON.stringify(whoami()),
  ].join('\n');
  const f = file('deep.jsonl', text + '\n');
  const prettyStart = 4;
  const after = prettyStart + pretty.split('\n').length;

  it('a value nested deeper than the limit is one TOO_DEEP error at its line, in every reading path; the values after it are read', async () => {
    const counts: InputCounts = { files: 0, lines: 0, events: 0, bad: 0 };
    const got: string[] = [];
    for await (const it of readEvents([f], counts)) got.push(it.kind === 'event' ? `${it.pos.line}:event` : `${it.pos.line}:${it.code}`);
    const expected = ['1:TOO_DEEP', '2:event', '3:NOT_JSON', `${prettyStart}:TOO_DEEP`, `${after}:event`, `${after + 1}:event`, `${after + 1}:TOO_DEEP`, `${after + 1}:event`, `${after + 2}:TOO_DEEP`, `${after + 3}:event`];
    assert.deepEqual(got, expected);
    assert.deepEqual({ events: counts.events, bad: counts.bad }, { events: 5, bad: 5 });
    // raw values (worker threads parse them), with and without the line fast path: the same errors where they are
    for (const lineFastPath of [true, false]) {
      const raw: string[] = [];
      for await (const b of readEventBatches([f], { files: 0, lines: 0, events: 0, bad: 0 }, { raw: true, lineFastPath })) {
        for (const it of b) {
          if (it.kind === 'bad') raw.push(`${it.pos.line}:${it.code}`);
          else {
            try {
              JSON.parse(rawText(it));
              raw.push(`${it.pos.line}:event`);
            } catch {
              raw.push(`${it.pos.line}:NOT_JSON`);
            }
          }
        }
      }
      assert.deepEqual(raw, expected, `raw, lineFastPath ${lineFastPath}`);
    }
  });

  it('a hunt goes on past them, on one thread and on two workers, with the same results', async () => {
    const res = await scanSource(sigmaAdapter, fixture('sigma', 'source'), { repository: 'fixture/sigma' });
    const runs: string[][] = [];
    for (const workers of [0, 2]) {
      const out: string[] = [];
      const s = await hunt(new HuntEngine(res.rules), [f], { workers, onHit: (h: Hit) => out.push(`${h.type} ${h.rule.id} ${h.pos.line}`), onBad: (b) => out.push(`bad ${b.pos.line} ${b.code}`) });
      assert.deepEqual({ events: s.counts.events, bad: s.counts.bad }, { events: 5, bad: 5 });
      runs.push(out);
    }
    assert.ok(runs[0]!.some((h) => h.startsWith('hit ') && h.endsWith(' 2')), 'the event at the limit is hunted');
    assert.equal(runs[0]!.filter((h) => h.endsWith('TOO_DEEP')).length, 4);
    assert.deepEqual(runs[1], runs[0]);
  });
});

describe('JSON a rule parses, nested too deep', () => {
  const json: Derived = { steps: [{ fn: 'json' }], lang: 'kql' };
  const toText: Derived = { steps: [{ fn: 'json' }, { fn: 'tostring' }], lang: 'kql' };
  it("a field's text nested deeper than the limit is unknown as JSON, in the evaluator and the compiled closures", () => {
    const deep = { x: nested(100_000) };
    const shallow = { x: `{"a":${nested(LIMITS.maxDepth - 1, '"needle"')}}` };
    for (const [d, op, values] of [[json, 'contains', ['needle']], [toText, 'eq', ['x']], [toText, 'is_not_null', []]] as const) {
      const p = pred('x', op, [...values], {}, undefined, d);
      assert.equal(evaluate(p, deep), 'unknown', `${op} on the deep text`);
      assert.equal(runCompiled(compile(p), deep, resolveDotted), 'unknown', `${op} on the deep text, compiled`);
      assert.notEqual(evaluate(p, shallow), 'unknown', `${op} on a text at the limit`);
    }
  });
});

describe('rule files with deep JSON events', () => {
  it('a SigmaHQ regression file: its values end with an error at the deep one', () => {
    const r = parseJsonSequence(`{"a":1}\n${nested(250)}\n{"b":2}\n`);
    assert.deepEqual(r.values, [{ a: 1 }]);
    assert.match(r.error ?? '', /nests objects and arrays deeper than 200 levels/);
  });

  it('a Sentinel ARM template nested deeper than the limit is one GEN005 error; brackets in its query strings do not count', () => {
    const deep = parseKqlJson('t.json', `{"resources":${nested(250, '{}')}}`, { repository: 'x' });
    assert.deepEqual(deep.diagnostics.map((d) => d.code), ['GEN005']);
    const query = `SecurityEvent | where CommandLine has "${'['.repeat(300)}"`;
    const fine = parseKqlJson('t.json', JSON.stringify({ resources: [{ type: 'Microsoft.OperationalInsights/workspaces/providers/alertRules', properties: { displayName: 'x', query } }] }), { repository: 'x' });
    assert.ok(!fine.diagnostics.some((d) => d.code === 'GEN005'));
  });

  it("a Panther test's log given as JSON text: a diagnostic, the text not parsed, the other tests kept", () => {
    const yaml = ['Tests:', '  - Name: deep', '    ExpectedResult: false', `    Log: '${nested(250, '{}')}'`, '  - Name: fine', '    ExpectedResult: true', `    Log: '{"a": 1}'`, ''].join('\n');
    const spec = parseYamlSpec(yaml);
    assert.ok(spec.ok);
    const r = parseTests(spec.spec, 'rule.yml');
    assert.deepEqual(
      r.tests.map((t) => [t.name, typeof t.event]),
      [
        ['deep', 'string'],
        ['fine', 'object'],
      ],
    );
    assert.equal(r.diagnostics.length, 1);
    assert.match(r.diagnostics[0]!.message, /"deep": Log nests objects and arrays deeper than 200 levels/);
  });
});
