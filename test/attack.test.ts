/**
 * ATT&CK against the real Enterprise v19.1 bundle (../shared/attack), skipped when it is absent.
 * Every declared form the adapters produce, each status, matrix order, crosswalks of v18 names and ids.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadAttack, type AttackIndex } from '../src/attack/index.ts';
import type { DeclaredAttack } from '../src/model/rule.ts';
import { SHARED } from './helpers/golden.ts';

const BUNDLE = path.join(SHARED, 'attack', 'enterprise-attack-19.1.json');
const skip = existsSync(BUNDLE) ? false : `ATT&CK bundle not found at ${BUNDLE}`;
const index: AttackIndex | undefined = skip ? undefined : await loadAttack(BUNDLE);
const ix = () => index!;
const resolve = (entry: DeclaredAttack | string) => ix().resolve(typeof entry === 'string' ? { text: entry } : entry);
const ids = (ts: readonly { id: string }[]) => ts.map((t) => t.id);

test('bundle loads without diagnostics; version 19.1 from the file name; counts', { skip }, () => {
  assert.deepEqual(ix().diagnostics, []);
  assert.equal(ix().version, '19.1');
  assert.equal(ix().data.versionSource, 'file-name');
  assert.equal(ix().domain, 'enterprise-attack');
  assert.equal(ix().techniques.size, 858);
  assert.match(ix().data.attribution, /The MITRE Corporation/);
});

test('the 15 tactics in matrix order', { skip }, () => {
  assert.deepEqual(
    ix().tactics.map((t) => `${t.id} ${t.name}`),
    [
      'TA0043 Reconnaissance',
      'TA0042 Resource Development',
      'TA0001 Initial Access',
      'TA0002 Execution',
      'TA0003 Persistence',
      'TA0004 Privilege Escalation',
      'TA0005 Stealth',
      'TA0112 Defense Impairment',
      'TA0006 Credential Access',
      'TA0007 Discovery',
      'TA0008 Lateral Movement',
      'TA0009 Collection',
      'TA0011 Command and Control',
      'TA0010 Exfiltration',
      'TA0040 Impact',
    ],
  );
});

test('acceptance: Panther TA0007:T1078 is a tactic mismatch, technique tactics in matrix order', { skip }, () => {
  assert.deepEqual(resolve('TA0007:T1078'), {
    declared: { text: 'TA0007:T1078' },
    status: 'tactic_mismatch',
    techniqueId: 'T1078',
    techniqueName: 'Valid Accounts',
    tactics: [
      { id: 'TA0001', name: 'Initial Access', shortname: 'initial-access' },
      { id: 'TA0003', name: 'Persistence', shortname: 'persistence' },
      { id: 'TA0004', name: 'Privilege Escalation', shortname: 'privilege-escalation' },
      { id: 'TA0005', name: 'Stealth', shortname: 'stealth' },
    ],
    declaredTactic: { id: 'TA0007', name: 'Discovery', shortname: 'discovery' },
    note: 'declared tactic TA0007 Discovery is not a tactic of T1078 Valid Accounts (Initial Access, Persistence, Privilege Escalation, Stealth)',
  });
});

test('Panther TA0001:T1078 ok; bare T1078 ok without declared tactic', { skip }, () => {
  const m = resolve('TA0001:T1078');
  assert.equal(m.status, 'ok');
  assert.equal(m.declaredTactic?.id, 'TA0001');
  assert.equal(m.note, undefined);
  const b = resolve('T1078');
  assert.equal(b.status, 'ok');
  assert.equal(b.declaredTactic, undefined);
  assert.deepEqual(ids(b.tactics), ['TA0001', 'TA0003', 'TA0004', 'TA0005']);
});

test('sub-technique T1078.004 with its parent; parent lists it', { skip }, () => {
  const m = resolve('T1078.004');
  assert.equal(m.status, 'ok');
  assert.equal(m.techniqueName, 'Cloud Accounts');
  assert.equal(m.parentId, 'T1078');
  assert.equal(m.parentName, 'Valid Accounts');
  assert.ok(ix().technique('T1078')!.subtechniqueIds.includes('T1078.004'));
});

test('Sigma tags: technique, sub-technique, tactic shortnames (v19, v18 and underscore spellings)', { skip }, () => {
  const t = resolve('attack.t1059.001');
  assert.deepEqual([t.status, t.techniqueId, t.techniqueName, t.parentId], ['ok', 'T1059.001', 'PowerShell', 'T1059']);
  assert.deepEqual([resolve('attack.privilege_escalation').status, resolve('attack.privilege_escalation').declaredTactic?.id], ['tactic_only', 'TA0004']);
  assert.equal(resolve('attack.stealth').declaredTactic?.id, 'TA0005');
  assert.equal(resolve('attack.defense-impairment').declaredTactic?.id, 'TA0112');
  for (const tag of ['attack.defense-evasion', 'attack.defense_evasion']) {
    const m = resolve(tag);
    assert.equal(m.status, 'tactic_only');
    assert.equal(m.declaredTactic?.id, 'TA0005');
    assert.match(m.note!, /ATT&CK v18 name of TA0005, renamed Stealth; part of its techniques moved to TA0112 Defense Impairment/);
  }
});

test('Sigma group and software tags are not techniques, named from the bundle', { skip }, () => {
  const g = resolve('attack.g0007');
  assert.equal(g.status, 'not_technique');
  assert.equal(g.techniqueId, undefined);
  assert.equal(g.note, 'G0007 is an ATT&CK group (APT28), not a technique');
  const s = resolve('attack.s0002');
  assert.equal(s.status, 'not_technique');
  assert.equal(s.note, 'S0002 is an ATT&CK software (Mimikatz), not a technique');
  assert.match(resolve('attack.ds0005').note!, /data source .*deprecated/);
});

test('Sentinel tactic names without spaces, v18 names, and relevantTechniques', { skip }, () => {
  const want: [string, string][] = [
    ['InitialAccess', 'TA0001'],
    ['PrivilegeEscalation', 'TA0004'],
    ['CommandAndControl', 'TA0011'],
    ['CredentialAccess', 'TA0006'],
    ['LateralMovement', 'TA0008'],
    ['ResourceDevelopment', 'TA0042'],
    ['DefenseEvasion', 'TA0005'],
    ['Initial access', 'TA0001'],
  ];
  for (const [text, id] of want) {
    const m = resolve(text);
    assert.equal(m.status, 'tactic_only', text);
    assert.equal(m.declaredTactic?.id, id, text);
  }
  assert.equal(resolve('PreAttack').status, 'unknown_tactic');
  assert.match(resolve('InhibitResponseFunction').note!, /ICS/);
  assert.equal(resolve('T1078').status, 'ok');
});

test('Elastic threat block: TA0005 "Defense Evasion" with a technique moved to Defense Impairment', { skip }, () => {
  const m = resolve({ text: 'TA0005 Defense Evasion / T1112', techniqueId: 'T1112', tactic: 'TA0005 Defense Evasion' });
  assert.equal(m.status, 'ok');
  assert.deepEqual(ids(m.tactics), ['TA0003', 'TA0112']);
  assert.equal(m.declaredTactic?.id, 'TA0112');
  assert.match(m.note!, /TA0005 Defense Evasion, as named until ATT&CK v18, now Stealth; T1112 Modify Registry is under TA0112 Defense Impairment/);
  const stays = resolve({ text: 'x', techniqueId: 'T1078', tactic: 'TA0005 Defense Evasion' });
  assert.equal(stays.status, 'ok');
  assert.equal(stays.declaredTactic?.id, 'TA0005');
  const wrong = resolve({ text: 'x', techniqueId: 'T1059', tactic: 'Defense Evasion' });
  assert.equal(wrong.status, 'tactic_mismatch');
  assert.match(wrong.note!, /declared tactic Defense Evasion \(TA0005, now Stealth or TA0112 Defense Impairment\) is not a tactic of T1059/);
});

test('tactic lookups: ids, names, shortnames, v18 names, id with name', { skip }, () => {
  assert.equal(ix().tactic('TA0112')?.name, 'Defense Impairment');
  assert.equal(ix().tactic('command-and-control')?.id, 'TA0011');
  assert.equal(ix().tactic('Defense Evasion')?.id, 'TA0005');
  assert.equal(ix().tactic('Lateral Movement (TA0008)')?.id, 'TA0008');
  assert.equal(ix().tactic('TA0999'), undefined);
  assert.equal(ix().tactic('Evasion'), undefined);
  const r = ix().resolveTactic('TA0005 Discovery');
  assert.equal(r.tactic?.id, 'TA0005');
  assert.match(r.note!, /the name "Discovery" is TA0007 Discovery, not TA0005/);
});

test('revoked v18 ids resolve to their replacement through revoked-by', { skip }, () => {
  const m = resolve('TA0005:T1562.001');
  assert.equal(m.status, 'revoked');
  assert.equal(m.techniqueName, 'Disable or Modify Tools');
  assert.deepEqual(m.replacement, { id: 'T1685', name: 'Disable or Modify Tools' });
  assert.deepEqual(resolve('T1562').replacement, { id: 'T1685', name: 'Disable or Modify Tools' });
  const chain = resolve('T1150');
  assert.deepEqual(chain.replacement, { id: 'T1647', name: 'Plist File Modification' });
  assert.match(chain.note!, /via T1547\.011, also revoked/);
});

test('deprecated, unknown and malformed ids', { skip }, () => {
  const d = resolve('T1064');
  assert.deepEqual([d.status, d.techniqueName], ['deprecated', 'Scripting']);
  const u = resolve('T9999');
  assert.equal(u.status, 'unknown');
  assert.equal(u.note, 'T9999 is not in ATT&CK Enterprise 19.1');
  assert.equal(resolve('T1078.999').note, 'T1078.999 is not in ATT&CK Enterprise 19.1 (its parent T1078 Valid Accounts is)');
  assert.equal(resolve('T123').status, 'unknown');
});

test('each current technique is ok under every spelling of each of its own tactics', { skip }, () => {
  const offenders: string[] = [];
  for (const t of ix().techniques.values()) {
    if (t.revoked || t.deprecated) continue;
    for (const tac of t.tactics) {
      for (const spelling of [tac.id, tac.name, tac.shortname, tac.name.replace(/ /g, '')]) {
        const m = resolve({ text: `${spelling}:${t.id}`, techniqueId: t.id, tactic: spelling });
        if (m.status !== 'ok' || m.declaredTactic?.id !== tac.id) offenders.push(`${spelling}:${t.id} → ${m.status}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});

test('Chronicle technique names resolve by name (Parent: Sub), live techniques first, with a note', { skip }, () => {
  const m = resolve('Valid Accounts: Cloud Accounts');
  assert.deepEqual([m.status, m.techniqueId], ['ok', 'T1078.004']);
  assert.equal(m.note, 'technique given by name "Valid Accounts: Cloud Accounts", resolved to T1078.004');
  // Same name on a revoked sub-technique and its live replacement: the live one wins.
  assert.equal(resolve({ text: 'x', techniqueId: 'Disable or Modify Tools' }).techniqueId, 'T1685');
  const old = resolve('Impair Defenses: Disable or Modify Tools');
  assert.deepEqual([old.status, old.techniqueId, old.replacement?.id], ['revoked', 'T1562.001', 'T1685']);
  const withTactic = resolve({ text: 'x', techniqueId: 'Exfiltration Over Web Service', tactic: 'Exfiltration' });
  assert.deepEqual([withTactic.status, withTactic.techniqueId, withTactic.declaredTactic?.id], ['ok', 'T1567', 'TA0010']);
  const none = resolve('Impair Defenses: Disable Cloud Logs');
  assert.equal(none.status, 'unknown_tactic');
  assert.match(none.note!, /not a tactic of ATT&CK Enterprise 19\.1 \(nor a technique name\)/);
});
