/** ATT&CK loading and resolution against a small hand-written STIX bundle (test/fixtures/attack). */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  ATTACK_CACHE_FILE,
  AttackLoadError,
  attackIndexFromJSON,
  attackIndexToJSON,
  loadAttack,
  parseAttackBundle,
  resolveRuleAttack,
  type AttackIndex,
} from '../src/attack/index.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { fixture } from './helpers/golden.ts';
import { tempDir } from './helpers/tempDir.ts';

const FILE = fixture('attack', 'mini-enterprise.json');
const index = await loadAttack(FILE);
const ids = (ts: readonly { id: string }[]) => ts.map((t) => t.id);

test('tactics follow the matrix tactic_refs, not bundle or id order', () => {
  assert.deepEqual(
    index.tactics.map((t) => `${t.id} ${t.name} ${t.shortname}`),
    ['TA0001 Initial Access initial-access', 'TA0005 Stealth stealth', 'TA0112 Defense Impairment defense-impairment', 'TA0007 Discovery discovery'],
  );
});

test('version, domain and attribution come from the collection, matrix and marking definition', () => {
  assert.equal(index.version, '9.9');
  assert.equal(index.data.versionSource, 'collection');
  assert.equal(index.domain, 'enterprise-attack');
  assert.equal(index.data.specVersion, '3.3.0');
  assert.equal(index.data.attribution, 'Fixture statement: hand-written test data for detection-wiki.');
});

test('technique tactics are in matrix order; other kill chains ignored; unknown phase diagnosed', () => {
  assert.deepEqual(ids(index.technique('T9001')!.tactics), ['TA0001', 'TA0007']);
  assert.deepEqual(ids(index.technique('t9007')!.tactics), ['TA0005']);
  const codes = index.diagnostics.map((d) => d.code).sort();
  assert.deepEqual(codes, ['ATK006', 'ATK007', 'ATK008']);
  assert.match(index.diagnostics.find((d) => d.code === 'ATK007')!.message, /T9007.*lateral-movement/);
});

test('sub-techniques: parent from subtechnique-of, else from the id prefix; parent lists its subs', () => {
  assert.equal(index.technique('T9001.001')!.parentId, 'T9001');
  assert.equal(index.technique('T9001.002')!.parentId, 'T9001');
  assert.equal(index.technique('T9001.002')!.isSubtechnique, true);
  assert.deepEqual(index.technique('T9001')!.subtechniqueIds, ['T9001.001', 'T9001.002']);
  const m = index.resolve({ text: 'T9001.001' });
  assert.equal(m.status, 'ok');
  assert.equal(m.parentId, 'T9001');
  assert.equal(m.parentName, 'Fixture Accounts');
});

test('revoked: follows the revoked-by chain to the first live technique and says so', () => {
  assert.equal(index.technique('T9002')!.replacedBy, 'T9003');
  const m = index.resolve({ text: 'TA0005:T9002' });
  assert.equal(m.status, 'revoked');
  assert.deepEqual(m.replacement, { id: 'T9004', name: 'New Technique' });
  assert.equal(m.techniqueName, 'Old Technique');
  assert.equal(m.declaredTactic?.id, 'TA0005');
  assert.equal(m.note, 'T9002 Old Technique is revoked in ATT&CK Enterprise 9.9; replaced by T9004 New Technique (via T9003, also revoked)');
  assert.deepEqual(index.replacementOf('T9003'), { id: 'T9004', name: 'New Technique', chain: ['T9003', 'T9004'] });
  assert.equal(index.replacementOf('T9004'), undefined);
});

test('deprecated technique keeps its data and gets status deprecated (dangling revoked-by ignored)', () => {
  const m = index.resolve({ text: 'T9005' });
  assert.equal(m.status, 'deprecated');
  assert.equal(m.techniqueName, 'Withdrawn Technique');
  assert.equal(m.replacement, undefined);
  assert.match(m.note!, /deprecated/);
});

test('a deprecated technique with a mismatched tactic keeps status deprecated and notes the mismatch', () => {
  const m = index.resolve({ text: 'TA0007:T9005' });
  assert.equal(m.status, 'deprecated');
  assert.match(m.note!, /declared tactic TA0007 Discovery is not a tactic of T9005 Withdrawn Technique \(Stealth\)/);
});

test('tactic_mismatch note lists the technique tactics in matrix order', () => {
  const m = index.resolve({ text: 'TA0005:T9001' });
  assert.equal(m.status, 'tactic_mismatch');
  assert.equal(m.declaredTactic?.id, 'TA0005');
  assert.ok(m.note!.startsWith('declared tactic TA0005 Stealth is not a tactic of T9001 Fixture Accounts (Initial Access, Discovery)'), m.note);
});

test('legacy Defense Evasion: name resolves to TA0005 with a note; matches a technique moved to TA0112', () => {
  assert.equal(index.tactic('Defense Evasion')?.id, 'TA0005');
  assert.equal(index.tactic('DefenseEvasion')?.id, 'TA0005');
  assert.equal(index.resolveTactic('defense_evasion').by, 'legacy-name');
  assert.deepEqual(ids(index.resolveTactic('Defense Evasion').successors!), ['TA0005', 'TA0112']);
  const m = index.resolve({ text: 'x', techniqueId: 'T9006', tactic: 'TA0005 Defense Evasion' });
  assert.equal(m.status, 'ok');
  assert.equal(m.declaredTactic?.id, 'TA0112');
  assert.match(m.note!, /TA0005 Defense Evasion, as named until ATT&CK v18, now Stealth; T9006 Impair Thing is under TA0112 Defense Impairment/);
  // The v19 name means v19: no successor leniency.
  assert.equal(index.resolve({ text: 'stealth:T9006' }).status, 'tactic_mismatch');
});

test('groups and software are not techniques; revoked software names its replacement', () => {
  const g = index.resolve({ text: 'attack.g9001' });
  assert.equal(g.status, 'not_technique');
  assert.equal(g.note, 'G9001 is an ATT&CK group (Fixture Group), not a technique');
  const s = index.resolve({ text: 'attack.s9001' });
  assert.equal(s.status, 'not_technique');
  assert.match(s.note!, /revoked, replaced by S9002 New Tool/);
  assert.match(index.resolve({ text: 'attack.g0001' }).note!, /G0001 is an ATT&CK group id, not a technique, and is not in/);
});

test('unknown ids, unknown tactics and tactic-only entries', () => {
  assert.equal(index.resolve({ text: 'T1234' }).status, 'unknown');
  assert.match(index.resolve({ text: 'T9001.009' }).note!, /its parent T9001 Fixture Accounts is/);
  assert.equal(index.resolve({ text: 'TA0099' }).status, 'unknown_tactic');
  assert.equal(index.resolve({ text: 'Lateral Movement' }).status, 'unknown_tactic'); // not in this fixture matrix
  const u = index.resolve({ text: 'TA0099:T9001' });
  assert.equal(u.status, 'unknown_tactic');
  assert.equal(u.techniqueId, 'T9001');
  const t = index.resolve({ text: 'InitialAccess' });
  assert.equal(t.status, 'tactic_only');
  assert.deepEqual(t.tactics, []);
  assert.deepEqual(t.declaredTactic, { id: 'TA0001', name: 'Initial Access', shortname: 'initial-access' });
});

test('resolveRuleAttack fills attack from attackDeclared, declared entries kept verbatim', () => {
  const declared = [{ text: 'TA0001:T9001' }, { text: 'attack.t9001.001' }];
  const rule = { attackDeclared: declared, attack: [] } as unknown as RuleRecord;
  const out = resolveRuleAttack(rule, index);
  assert.deepEqual(out.attack.map((m) => [m.declared, m.status, m.techniqueId]), [
    [declared[0], 'ok', 'T9001'],
    [declared[1], 'ok', 'T9001.001'],
  ]);
});

test('JSON round trip gives an index that resolves identically', () => {
  const again = attackIndexFromJSON(JSON.parse(JSON.stringify(attackIndexToJSON(index)))) as AttackIndex;
  assert.ok(again);
  assert.deepEqual(again.data, index.data);
  for (const text of ['TA0005:T9002', 'T9001.002', 'DefenseEvasion', 'attack.s9001', 'TA0007:T9005']) {
    assert.deepEqual(again.resolve({ text }), index.resolve({ text }));
  }
  assert.equal(attackIndexFromJSON({ ...index.data, format: 999 }), undefined);
  assert.equal(attackIndexFromJSON('nope'), undefined);
});

test('bad bundles: diagnostics, no throw from the parser; loadAttack throws AttackLoadError', async () => {
  assert.deepEqual(parseAttackBundle('{not json', 'b.json').diagnostics.map((d) => d.code), ['ATK002']);
  const nb = parseAttackBundle('{"type":"bundle"}', 'b.json');
  assert.equal(nb.value, undefined);
  assert.deepEqual(nb.diagnostics.map((d) => d.code), ['ATK003']);
  const bare = parseAttackBundle(
    JSON.stringify({ type: 'bundle', objects: [
      { type: 'x-mitre-tactic', id: 'x-mitre-tactic--2', name: 'B Tactic', x_mitre_shortname: 'b', external_references: [{ source_name: 'mitre-attack', external_id: 'TA0902' }] },
      { type: 'x-mitre-tactic', id: 'x-mitre-tactic--1', name: 'A Tactic', x_mitre_shortname: 'a', external_references: [{ source_name: 'mitre-attack', external_id: 'TA0901' }] },
    ] }),
    'enterprise-attack-v17.0.json',
  );
  assert.deepEqual(bare.diagnostics.map((d) => d.code), ['ATK004']);
  assert.deepEqual(bare.value!.tactics.map((t) => t.id), ['TA0902', 'TA0901']);
  assert.equal(bare.value!.version, '17.0');
  assert.equal(bare.value!.versionSource, 'file-name');
  const nov = parseAttackBundle('{"type":"bundle","objects":[]}', 'bundle.json');
  assert.equal(nov.value!.version, 'unknown');
  assert.ok(nov.diagnostics.some((d) => d.code === 'ATK009'));
  await assert.rejects(loadAttack(path.join(os.tmpdir(), 'no-such-attack-bundle.json')), (e: unknown) => {
    assert.ok(e instanceof AttackLoadError);
    assert.deepEqual(e.diagnostics.map((d) => d.code), ['ATK001']);
    return true;
  });
});

test('derived cache: written, used while size+mtime+sha match, rebuilt when the bundle changes', async (t) => {
  const dir = tempDir('detwiki-attack-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = path.join(dir, 'enterprise-attack.json');
  copyFileSync(FILE, bundle);
  const cacheDir = path.join(dir, 'catalog');
  const first = await loadAttack(bundle, { cacheDir });
  assert.equal(first.version, '9.9');
  const cacheFile = path.join(cacheDir, ATTACK_CACHE_FILE);
  const cached = JSON.parse(readFileSync(cacheFile, 'utf8'));
  assert.equal(cached.key.sha256.length, 64);
  // Mark the cache so that its use is observable.
  cached.data.version = 'from-cache';
  writeFileSync(cacheFile, JSON.stringify(cached));
  assert.equal((await loadAttack(bundle, { cacheDir })).version, 'from-cache');
  // Same size and mtime, other content: the sha differs, so the cache is not used.
  const text = readFileSync(bundle, 'utf8').replace('"9.9"', '"9.8"');
  const { mtime } = statSync(bundle);
  writeFileSync(bundle, text);
  utimesSync(bundle, mtime, mtime);
  assert.equal((await loadAttack(bundle, { cacheDir })).version, '9.8');
});
