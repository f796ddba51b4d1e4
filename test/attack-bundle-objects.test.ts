/** A bundle's objects parsed one at a time (src/attack/bundleObjects.ts) give what `JSON.parse` of the whole text gives. */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { bundleObjects, bundleObjectSpans } from '../src/attack/bundleObjects.ts';
import { AttackLoadError, attackIndexToJSON, loadAttack, parseAttackBundle } from '../src/attack/index.ts';
import { fixture } from './helpers/golden.ts';
import { tempDir } from './helpers/tempDir.ts';

const objectsOf = (text: string): unknown[] | undefined => {
  const buf = Buffer.from(text, 'utf8');
  const spans = bundleObjectSpans(buf);
  return spans ? [...bundleObjects(buf, spans)] : undefined;
};

test('the objects of a bundle, whatever the spacing, escapes, nesting and other members', () => {
  const objects = [
    { type: 'x-mitre-tactic', id: 'a', name: 'quote " and backslash \\', list: [1, [2, { deep: '}]' }], -3.5e2, true, null] },
    { type: 'attack-pattern', id: 'b', description: 'ends with a backslash \\\\', note: 'é — 漢字 \u2028 😀' },
    {},
  ];
  const text = JSON.stringify({ type: 'bundle', id: 'bundle--1', spec_version: '2.1', objects, after: { x: [1, 2] }, n: 7, t: false });
  assert.deepEqual(objectsOf(text), objects);
  assert.deepEqual(objectsOf(JSON.stringify({ type: 'bundle', objects }, null, 2).replaceAll('\n', '\r\n\t')), objects);
  assert.deepEqual(objectsOf('{"objects":[]}'), []);
  assert.deepEqual(objectsOf(' { "objects" : [ 1 , "s" , { } ] } \n'), [1, 's', {}]);
});

test('bytes that are not a plain bundle are left to JSON.parse of the whole text', () => {
  for (const text of [
    '',
    '[]',
    '{}',
    '{"type":"bundle"}',
    '{"objects":{}}',
    '{"objects":[],"objects":[]}',
    '\ufeff{"objects":[]}',
    '{"objects":[1,]}',
    '{"objects":[1 2]}',
    '{"objects":[1]',
    '{"objects":[1]} x',
    '{"type":tru,"objects":[]}',
    '{"type":"bundle,"objects":[]}',
    '{"objects":[{"a":"b}]}',
  ]) {
    assert.equal(bundleObjectSpans(Buffer.from(text, 'utf8')), undefined, text);
  }
});

test('an element that is not valid JSON fails its iteration (the loader then parses the whole text)', () => {
  const buf = Buffer.from('{"objects":[{"a":1},{"a":01},{"b":2}]}', 'utf8');
  const spans = bundleObjectSpans(buf);
  assert.ok(spans);
  assert.throws(() => [...bundleObjects(buf, spans)]);
});

test('loadAttack: the same index as parsing the whole text, and the same errors for bad bundles', async (t) => {
  const file = fixture('attack', 'mini-enterprise.json');
  const whole = parseAttackBundle(readFileSync(file, 'utf8'), file);
  const loaded = await loadAttack(file);
  assert.deepEqual(attackIndexToJSON(loaded), whole.value);
  const dir = tempDir('detwiki-attack-split-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [text, code] of [
    ['{"type":"bundle","objects":[{"type":"x"},{"type":01}]}', 'ATK002'],
    ['{"type":"bundle","objects":{}}', 'ATK003'],
    ['{not json', 'ATK002'],
  ] as const) {
    const bad = path.join(dir, 'bundle.json');
    writeFileSync(bad, text);
    await assert.rejects(loadAttack(bad), (e: unknown) => {
      assert.ok(e instanceof AttackLoadError);
      assert.deepEqual(e.diagnostics.map((d) => d.code), [code]);
      return true;
    });
  }
});
