/** Reading declared ATT&CK spellings (no bundle needed) and locating the bundle. */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { classifyDeclared, classifyText, findAttackBundle, NO_ATTACK_BUNDLE_MESSAGE, parseDeclaredAttack } from '../src/attack/index.ts';
import { tempDir } from './helpers/tempDir.ts';

test('classifyText: every spelling adapters declare', () => {
  const cases: [string, unknown][] = [
    ['TA0007:T1078', { kind: 'technique', id: 'T1078', tactic: 'TA0007' }],
    [' TA0005:T1562.001 ', { kind: 'technique', id: 'T1562.001', tactic: 'TA0005' }],
    ['T1078', { kind: 'technique', id: 'T1078' }],
    ['t1078.004', { kind: 'technique', id: 'T1078.004' }],
    ['T1059/001', { kind: 'technique', id: 'T1059.001' }],
    ['TA0005', { kind: 'tactic', text: 'TA0005' }],
    ['attack.t1059.001', { kind: 'technique', id: 'T1059.001' }],
    ['attack.ta0002', { kind: 'tactic', text: 'TA0002' }],
    ['attack.defense-evasion', { kind: 'tactic', text: 'defense-evasion' }],
    ['attack.g0007', { kind: 'object', id: 'G0007' }],
    ['attack.s0002', { kind: 'object', id: 'S0002' }],
    ['attack.ds0005', { kind: 'object', id: 'DS0005' }],
    ['DefenseEvasion', { kind: 'tactic', text: 'DefenseEvasion' }],
    ['Initial Access', { kind: 'tactic', text: 'Initial Access' }],
    ['T123', { kind: 'malformed', text: 'T123' }],
    ['T1078.1', { kind: 'malformed', text: 'T1078.1' }],
    ['attack.', { kind: 'empty' }],
    ['', { kind: 'empty' }],
  ];
  for (const [text, want] of cases) assert.deepEqual(classifyText(text), want, text);
});

test('classifyDeclared: adapter-filled fields win over the text', () => {
  assert.deepEqual(classifyDeclared({ text: 'whatever', techniqueId: 't1078', tactic: ' TA0005 Defense Evasion ' }), {
    kind: 'technique',
    id: 'T1078',
    tactic: 'TA0005 Defense Evasion',
  });
  assert.deepEqual(classifyDeclared({ text: 'CommandAndControl', tactic: 'CommandAndControl' }), { kind: 'tactic', text: 'CommandAndControl' });
  assert.deepEqual(classifyDeclared({ text: 'x', techniqueId: 'G0007' }), { kind: 'object', id: 'G0007' });
  assert.deepEqual(classifyDeclared({ text: 'TA0001:T1078' }), { kind: 'technique', id: 'T1078', tactic: 'TA0001' });
});

test('parseDeclaredAttack keeps the text verbatim and fills ids', () => {
  assert.deepEqual(parseDeclaredAttack('TA0007:T1078'), { text: 'TA0007:T1078', techniqueId: 'T1078', tactic: 'TA0007' });
  assert.deepEqual(parseDeclaredAttack('attack.t1059.001'), { text: 'attack.t1059.001', techniqueId: 'T1059.001' });
  assert.deepEqual(parseDeclaredAttack('attack.defense_evasion'), { text: 'attack.defense_evasion', tactic: 'defense_evasion' });
  assert.deepEqual(parseDeclaredAttack('attack.g0007'), { text: 'attack.g0007' });
});

test('findAttackBundle: flag, then DETWIKI_ATTACK, then the synced bundle, else a message', (t) => {
  const dir = tempDir('detwiki-locate-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const a = path.join(dir, 'a.json');
  const b = path.join(dir, 'b.json');
  const synced = path.join(dir, 'synced.json');
  for (const f of [a, b, synced]) writeFileSync(f, '{}');
  const env = { DETWIKI_ATTACK: b };
  assert.equal(findAttackBundle({ flag: a, env, synced }).path, a);
  assert.match(findAttackBundle({ flag: a, env, synced }).message, /from --attack/);
  assert.equal(findAttackBundle({ env, synced }).path, b);
  assert.equal(findAttackBundle({ env: {}, synced }).path, synced);
  const none = findAttackBundle({ env: {}, synced: path.join(dir, 'absent.json') });
  assert.equal(none.path, undefined);
  assert.equal(none.message, NO_ATTACK_BUNDLE_MESSAGE);
  assert.match(none.message, /pass --attack FILE, set DETWIKI_ATTACK, or run `detwiki sync`; technique ids are shown without names/);
  // A named file that does not exist is reported, not silently replaced by the synced bundle.
  const missing = findAttackBundle({ flag: path.join(dir, 'nope.json'), env, synced });
  assert.equal(missing.path, undefined);
  assert.match(missing.message, /nope\.json \(from --attack\) does not exist/);
});

test('findAttackBundle: a folder named for the bundle gives its enterprise-attack*.json, the newest by version', (t) => {
  const dir = tempDir('detwiki-locate-dir-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const empty = findAttackBundle({ flag: dir, env: {} });
  assert.equal(empty.path, undefined);
  assert.match(empty.message, /holds no enterprise-attack\*\.json; no ATT&CK bundle/);
  writeFileSync(path.join(dir, 'README.md'), '');
  writeFileSync(path.join(dir, 'enterprise-attack-9.0.json'), '{}');
  assert.equal(findAttackBundle({ flag: dir, env: {} }).path, path.join(dir, 'enterprise-attack-9.0.json'));
  writeFileSync(path.join(dir, 'enterprise-attack-19.1.json'), '{}');
  const two = findAttackBundle({ env: { DETWIKI_ATTACK: dir } });
  assert.equal(two.path, path.join(dir, 'enterprise-attack-19.1.json'));
  assert.match(two.message, /from DETWIKI_ATTACK, the newest of 2 in the folder/);
});
