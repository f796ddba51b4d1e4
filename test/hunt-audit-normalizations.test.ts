/**
 * go-libaudit's normalizations (how Auditbeat names an audit event) are upstream data: `detwiki sync` brings the file,
 * the hunt reads it at run time in go-libaudit's own format (`src/hunt/auditNormalizations.ts`), and without it makes
 * its Auditbeat documents unnamed and says so. The table here is the tests' own, written in that format.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { syncedAuditNormalizations } from '../src/catalog/paths.ts';
import { syncSources } from '../src/catalog/sync.ts';
import { auditbeatDocument } from '../src/hunt/auditbeat.ts';
import { auditNormalizationsNotice, parseAuditNormalizations } from '../src/hunt/auditNormalizations.ts';
import { tempDir } from './helpers/tempDir.ts';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'hunt', 'audit-normalizations.yaml');
const LOGIN = `type=USER_LOGIN msg=audit(1767225603.000:303): pid=970 uid=0 auid=1000 ses=2 msg='op=login acct="alice" exe="/usr/sbin/sshd" hostname=? addr=203.0.113.9 terminal=ssh res=success'`;

describe("go-libaudit's audit normalizations, read at run time", () => {
  it('reads the format: anchors and merge keys, a string or a list, an index by system call and by record type', () => {
    const { table, errors } = parseAuditNormalizations(readFileSync(FIXTURE, 'utf8'), 'n.yaml');
    assert.deepEqual(errors, []);
    assert.equal(table!.entries, 9);
    // `<<: *session` at the entry and `<<: *who` in its ecs
    const login = table!.byRecordType.get('USER_LOGIN')![0]!;
    assert.deepEqual(login.subjectSecondary, ['acct', 'id', 'uid']);
    assert.equal(login.what, 'user-session');
    assert.deepEqual(login.mappings, [['subject.primary', 'user'], ['subject.secondary', 'user.effective']]);
    assert.deepEqual(login.category, ['authentication']);
    // a single string is a list of one
    assert.deepEqual(table!.bySyscall.get('connect')!.syscalls, ['connect']);
    assert.equal(table!.bySyscall.get('execveat')!.action, 'executed');
    assert.equal(table!.byRecordType.get('LOGIN')!.length, 2);
  });

  it('refuses what go-libaudit refuses to load, each with its place', () => {
    const bad = (text: string) => parseAuditNormalizations(text, 'n.yaml');
    assert.match(bad('normalizations:\n  - syscalls: [open]\n  - syscalls: open\n').errors[0]!, /two normalizations for system call open/);
    assert.match(bad('normalizations:\n  - record_types: LOGIN\n  - record_types: LOGIN\n    has_fields: [x]\n').errors[0]!, /record type LOGIN, one without has_fields/);
    assert.match(bad('normalizations:\n  - syscalls: open\n    ecs:\n      mappings:\n        - from: subject.primary\n          to: host\n').errors[0]!, /^n\.yaml:2: normalization 1: mapping to "host"/);
    assert.match(bad('normalizations:\n  - syscalls: open\n    ecs:\n      mappings:\n        - from: nowhere\n          to: user\n').errors[0]!, /mapping from "nowhere"/);
    assert.match(bad('normalizations:\n  - syscalls: 3\n').errors[0]!, /`syscalls` is not a string or a list of strings/);
    assert.match(bad('normalizations:\n  - syscalls: open\n    object_path_index: -1\n').errors[0]!, /object_path_index/);
    assert.match(bad('normalizations:\n  - [a]\n').errors[0]!, /not a mapping/);
    assert.match(bad('macros: []\n').errors[0]!, /no `normalizations` list/);
    assert.match(bad('normalizations: []\n').errors[0]!, /empty/);
    assert.match(bad('normalizations:\n  - syscalls: [open\n').errors[0]!, /^n\.yaml:\d+: /);
    // nested aliases that would expand to millions of values: an error, not a blow-up
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 6 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)];
    const r = bad(`m:\n${bomb.map((l) => `  ${l}`).join('\n')}\nnormalizations:\n  - syscalls: open\n    how: *g\n`);
    assert.equal(r.table, undefined);
    assert.match(r.errors[0]!, /normalization 1: .*alias/i);
  });

  describe('without the file', () => {
    let prev: string | undefined;
    before(() => {
      prev = process.env.DETWIKI_AUDIT_NORMALIZATIONS;
      process.env.DETWIKI_AUDIT_NORMALIZATIONS = path.join(os.tmpdir(), 'detwiki-no-such-normalizations.yaml');
    });
    after(() => {
      if (prev === undefined) delete process.env.DETWIKI_AUDIT_NORMALIZATIONS;
      else process.env.DETWIKI_AUDIT_NORMALIZATIONS = prev;
    });

    it('documents are made, unnamed, and the notice says why and what to do', () => {
      const d = auditbeatDocument([LOGIN])!;
      assert.equal((d.event as Record<string, unknown>).action, undefined);
      assert.equal((d.event as Record<string, unknown>).category, undefined);
      assert.equal((d.event as Record<string, unknown>).outcome, 'success');
      assert.equal((d.auditd as Record<string, unknown>).message_type, 'user_login');
      assert.match(auditNormalizationsNotice()!, /detwiki-no-such-normalizations\.yaml is not there.*`detwiki sync` brings the file/);
      // with the file: named, and no notice
      process.env.DETWIKI_AUDIT_NORMALIZATIONS = FIXTURE;
      assert.equal((auditbeatDocument([LOGIN])!.event as Record<string, unknown>).action, 'logged-in');
      assert.equal(auditNormalizationsNotice(), undefined);
    });
  });

  describe('detwiki sync', () => {
    let tmp: string;
    let prevCache: string | undefined;
    before(() => {
      tmp = tempDir('detwiki-sync-audit-');
      prevCache = process.env.DETWIKI_CACHE;
      process.env.DETWIKI_CACHE = path.join(tmp, 'cache');
    });
    after(() => {
      if (prevCache === undefined) delete process.env.DETWIKI_CACHE;
      else process.env.DETWIKI_CACHE = prevCache;
      rmSync(tmp, { recursive: true, force: true });
    });
    // no ATT&CK bundle: a file that is not there (kept or failed, never downloaded)
    const sync = (opts: { mirror?: string; auditNormalizations?: string }) => syncSources([], { attack: path.join(tmp, 'no-attack.json'), ...opts });

    it("copies them from a mirror's go-libaudit, offline; a mirror without them is missing, not a download", async () => {
      const empty = path.join(tmp, 'empty-mirror');
      mkdirSync(empty, { recursive: true });
      const none = (await sync({ mirror: empty })).auditNormalizations;
      assert.equal(none.status, 'missing');
      assert.match(none.message!, /go-libaudit\/aucoalesce\/normalizations\.yaml is not there/);
      assert.equal(existsSync(syncedAuditNormalizations()), false);
      const mirror = path.join(tmp, 'mirror');
      mkdirSync(path.join(mirror, 'go-libaudit', 'aucoalesce'), { recursive: true });
      copyFileSync(FIXTURE, path.join(mirror, 'go-libaudit', 'aucoalesce', 'normalizations.yaml'));
      const r = (await sync({ mirror })).auditNormalizations;
      assert.equal(r.status, 'copied');
      assert.equal(r.entries, 9);
      assert.equal(readFileSync(syncedAuditNormalizations(), 'utf8'), readFileSync(FIXTURE, 'utf8'));
      const stamp = JSON.parse(readFileSync(path.join(tmp, 'cache', 'last-sync.json'), 'utf8')) as { auditNormalizations: { status: string } };
      assert.equal(stamp.auditNormalizations.status, 'copied');
    });

    it('a file that does not load never replaces the one kept; --audit-normalizations copies a given file', async () => {
      const broken = path.join(tmp, 'broken.yaml');
      writeFileSync(broken, 'normalizations:\n  - syscalls: open\n  - syscalls: open\n');
      const r = (await sync({ auditNormalizations: broken })).auditNormalizations;
      assert.equal(r.status, 'kept');
      assert.match(r.message!, /two normalizations for system call open/);
      assert.equal(readFileSync(syncedAuditNormalizations(), 'utf8'), readFileSync(FIXTURE, 'utf8'));
      const own = path.join(tmp, 'own.yaml');
      writeFileSync(own, 'normalizations:\n  - action: executed\n    syscalls: execve\n');
      const c = (await sync({ auditNormalizations: own })).auditNormalizations;
      assert.deepEqual([c.status, c.entries], ['copied', 1]);
      assert.equal(readFileSync(syncedAuditNormalizations(), 'utf8'), readFileSync(own, 'utf8'));
    });
  });
});
