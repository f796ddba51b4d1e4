/**
 * Linux audit records made into Auditbeat's documents (`src/hunt/auditbeat.ts`): the records of one audit event joined
 * as go-libaudit's reassembler joins them, their values interpreted (system call and architecture names, hexadecimal
 * text, socket addresses, results, errno names), the event named by go-libaudit's normalizations, written as ECS; and
 * Elastic's rules over `auditbeat-*` reading a raw audit.log through them, in process, on workers and in DuckDB.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { elasticAdapter } from '../src/formats/elastic/index.ts';
import { scanSource } from '../src/formats/scan.ts';
import { AuditCoalescer, auditbeatDocument, MAX_EVENT_RECORDS } from '../src/hunt/auditbeat.ts';
import { readEvents, type InputCounts, type InputItem } from '../src/hunt/events.ts';
import { recogniseLogSources } from '../src/hunt/recognise.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { elasticDetection, hitKey, huntThreeWays, writeHuntFixture } from './huntThreeWays.ts';

// go-libaudit's normalizations: the tests' own small table in its format (the hunt reads the one `detwiki sync` brings)
process.env.DETWIKI_AUDIT_NORMALIZATIONS = path.join(import.meta.dirname, 'fixtures', 'hunt', 'audit-normalizations.yaml');

const GS = '\x1d';
const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex').toUpperCase();

/** An invented `sh -c 'id; whoami'` run by alice, as a RAW log writes it: numbers, hexadecimal text. */
const EXEC = [
  'type=SYSCALL msg=audit(1767225600.250:300): arch=c000003e syscall=59 success=yes exit=0 a0=55d1 a1=55d2 a2=55d3 a3=0 items=2 ppid=900 pid=901 auid=1000 uid=1000 gid=1000 euid=0 suid=0 fsuid=0 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="sh" exe="/usr/bin/dash" subj=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 key="exec"',
  `type=EXECVE msg=audit(1767225600.250:300): argc=3 a0="sh" a1="-c" a2=${hex('id; whoami')}`,
  `type=CWD msg=audit(1767225600.250:300): cwd=${hex('/home/alice/my dir é')}`,
  'type=PATH msg=audit(1767225600.250:300): item=0 name="/bin/sh" inode=101 dev=fd:00 mode=0120777 ouid=0 ogid=0 rdev=00:00 nametype=PARENT',
  'type=PATH msg=audit(1767225600.250:300): item=1 name="/usr/bin/dash" inode=102 dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL',
  `type=PROCTITLE msg=audit(1767225600.250:300): proctitle=${hex('sh\u0000-c\u0000id; whoami')}`,
  'type=EOE msg=audit(1767225600.250:300): ',
];

/** alice's failed open of /etc/shadow on host web1, as an ENRICHED log writes it. */
const OPEN = [
  `node=web1 type=SYSCALL msg=audit(1767225601.000:301): arch=c000003e syscall=2 success=no exit=-13 a0=7ffd a1=0 a2=0 a3=0 items=1 ppid=1 pid=950 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="cat" exe="/usr/bin/cat" key=(null)${GS}ARCH=x86_64 SYSCALL=open AUID="alice" UID="alice" GID="staff" EUID="alice"`,
  'node=web1 type=PATH msg=audit(1767225601.000:301): item=0 name="/etc/shadow" inode=7 dev=fd:00 mode=0100640 ouid=0 ogid=42 rdev=00:00 nametype=NORMAL',
  'node=web1 type=EOE msg=audit(1767225601.000:301): ',
];

type Doc = Record<string, unknown>;
const at = (d: Doc | undefined, p: string): unknown => p.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Doc)[k] : undefined), d);

describe('detwiki hunt: audit records as Auditbeat documents', () => {
  it("joins an execve's records into one process event and interprets their values", () => {
    const d = auditbeatDocument(EXEC)!;
    assert.equal(d['@timestamp'], '2026-01-01T00:00:00.250Z');
    assert.deepEqual(d.event, { module: 'auditd', dataset: 'auditd_manager.auditd', action: 'executed', outcome: 'success', kind: 'event', category: ['process'], type: ['start'] });
    assert.deepEqual(d.process, { pid: 901, parent: { pid: 900 }, title: 'sh -c id; whoami', name: 'sh', executable: '/usr/bin/dash', working_directory: '/home/alice/my dir é', args: ['sh', '-c', 'id; whoami'] });
    // the first path that is not a parent directory is the file
    assert.deepEqual(d.file, { path: '/usr/bin/dash', inode: '102', device: '00:00', mode: '0755', uid: '0', gid: '0' });
    assert.equal(at(d, 'auditd.data.syscall'), 'execve');
    assert.equal(at(d, 'auditd.data.arch'), 'x86_64');
    assert.equal(at(d, 'auditd.data.argc'), '3');
    assert.equal(at(d, 'auditd.data.key'), undefined);
    assert.equal(at(d, 'auditd.sequence'), 300);
    assert.equal(at(d, 'auditd.session'), '3');
    assert.equal(at(d, 'auditd.message_type'), 'syscall');
    assert.deepEqual(at(d, 'auditd.summary'), { actor: { primary: '1000', secondary: '1000' }, object: { primary: '/usr/bin/dash', type: 'file' }, how: '/usr/bin/dash' });
    assert.deepEqual(d.tags, ['exec']);
    // ids (a RAW log has no names); effective ids kept where they differ from the real ones
    assert.equal(at(d, 'user.id'), '1000');
    assert.equal(at(d, 'user.audit.id'), '1000');
    assert.equal(at(d, 'user.effective.id'), '0');
    assert.equal(at(d, 'user.name'), undefined);
    assert.equal(at(d, 'user.selinux.domain'), 'unconfined_t');
    assert.equal(at(d, 'host.os.type'), 'linux');
    // what the hunt routes it as: Auditbeat's process documents on Linux
    // (and the Auditd Manager's data set, and Auditbeat's own indices, which a rule may name alone)
    const ls = recogniseLogSources(d);
    assert.ok(ls.some((l) => l.endsWith('linux.process_creation')), String(ls));
    assert.ok(ls.some((l) => l.endsWith('logs-auditd_manager.auditd-*')) && ls.some((l) => l.endsWith('auditbeat-*')), String(ls));
  });

  it('takes user names from the ENRICHED format, the host from node=, a failure and its errno name', () => {
    const d = auditbeatDocument(OPEN)!;
    assert.equal(at(d, 'host.name'), 'web1');
    assert.equal(at(d, 'event.action'), 'opened-file');
    assert.deepEqual(at(d, 'event.category'), ['file']);
    assert.equal(at(d, 'event.outcome'), 'failure');
    assert.equal(at(d, 'auditd.result'), 'fail');
    assert.equal(at(d, 'auditd.data.exit'), 'EACCES');
    assert.equal(at(d, 'user.name'), 'alice');
    assert.equal(at(d, 'user.audit.name'), 'alice');
    assert.equal(at(d, 'user.group.name'), 'staff');
    // user.effective is user: left out, as Auditbeat leaves it out
    assert.equal(at(d, 'user.effective'), undefined);
    assert.equal(at(d, 'file.path'), '/etc/shadow');
    assert.equal(d.tags, undefined);
    // the interpreted fields are not data
    assert.equal(at(d, 'auditd.data.SYSCALL'), undefined);
  });

  it('reads socket addresses: a connect is an outgoing connection to its address', () => {
    const connect = (saddr: string) =>
      auditbeatDocument([
        'type=SYSCALL msg=audit(1767225602.000:302): arch=c000003e syscall=42 success=no exit=-115 a0=3 a1=7ffd a2=10 a3=0 items=0 ppid=1 pid=960 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="nc" exe="/usr/bin/nc.openbsd" key="net"',
        `type=SOCKADDR msg=audit(1767225602.000:302): saddr=${saddr}`,
        'type=EOE msg=audit(1767225602.000:302): ',
      ])!;
    const v4 = connect('02000FA0C63364070000000000000000');
    assert.equal(at(v4, 'event.action'), 'connected-to');
    assert.deepEqual(at(v4, 'event.category'), ['network']);
    assert.deepEqual(at(v4, 'event.type'), ['connection', 'start']);
    assert.deepEqual(v4.destination, { ip: '198.51.100.7', port: '4000' });
    assert.equal(at(v4, 'network.direction'), 'egress');
    assert.deepEqual(at(v4, 'auditd.data.socket'), { family: 'ipv4', addr: '198.51.100.7', port: '4000' });
    assert.equal(at(v4, 'auditd.data.exit'), 'EINPROGRESS');
    const v6 = connect('0A0001BB0000000020010DB8000000000000000000000001' + '00000000');
    assert.deepEqual(v6.destination, { ip: '2001:db8::1', port: '443' });
    const mapped = connect('0A0001BB0000000000000000000000000000FFFFC6336407' + '00000000');
    assert.deepEqual(mapped.destination, { ip: '198.51.100.7', port: '443' });
    const unix = connect('01002F72756E2F646F636B65722E736F636B00');
    assert.deepEqual(unix.destination, { path: '/run/docker.sock' });
  });

  it("names user-space messages by their type: a failed login from an address, an account's creation", () => {
    const login = auditbeatDocument([
      `type=USER_LOGIN msg=audit(1767225603.000:303): pid=970 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 msg='op=login acct=${hex('root')} exe="/usr/sbin/sshd" hostname=? addr=203.0.113.9 terminal=ssh res=failed'`,
    ])!;
    assert.equal(at(login, 'event.action'), 'logged-in');
    assert.deepEqual(at(login, 'event.category'), ['authentication']);
    assert.equal(at(login, 'event.outcome'), 'failure');
    assert.equal(at(login, 'source.ip'), '203.0.113.9');
    assert.equal(at(login, 'auditd.data.acct'), 'root');
    // the actor is unset: no user.id (Auditbeat's mapping removes it)
    assert.equal(at(login, 'user.id'), undefined);
    assert.equal(at(login, 'auditd.session'), undefined);
    const add = auditbeatDocument([
      `type=ADD_USER msg=audit(1767225604.000:304): pid=980 uid=0 auid=1000 ses=3 msg='op=add-user acct="mallory" exe="/usr/sbin/useradd" hostname=web1 addr=? terminal=pts/0 res=success'${GS}UID="root" AUID="alice"`,
    ])!;
    assert.equal(at(add, 'event.action'), 'added-user-account');
    assert.deepEqual(at(add, 'event.category'), ['iam']);
    assert.deepEqual(at(add, 'event.type'), ['user', 'creation']);
    assert.deepEqual(at(add, 'user.target'), { name: 'mallory' });
    assert.deepEqual(at(add, 'user.effective'), { id: '0', name: 'root' });
    assert.equal(at(add, 'user.name'), 'alice');
    assert.deepEqual(at(add, 'related.user'), ['alice', 'mallory', 'root']);
  });

  it('a compound event without its SYSCALL record is a document with the error and the records', () => {
    const d = auditbeatDocument(['type=CWD msg=audit(1767225605.000:305): cwd="/"', 'type=PATH msg=audit(1767225605.000:305): item=0 name="/tmp/x"'])!;
    assert.equal(at(d, 'error.message'), 'missing syscall message in compound event');
    assert.equal((at(d, 'event.original') as string[]).length, 2);
    assert.equal(at(d, 'event.action'), undefined);
  });

  it('joins interleaved events; an event ends at EOE or PROCTITLE, a user-space message alone; the oldest of too many open is closed', () => {
    const c = new AuditCoalescer<number>();
    const done: number[][] = [];
    const push = (line: string, n: number) => done.push(c.push(line, n).map((x) => x.pos));
    push(EXEC[0]!.replace(':300)', ':400)'), 1);
    push('type=SYSCALL msg=audit(1767225600.300:401): arch=c000003e syscall=62 success=yes exit=0 items=0 ppid=1 pid=2 auid=0 uid=0 ses=1 comm="kill" exe="/usr/bin/kill"', 2);
    push(`type=USER_CMD msg=audit(1767225600.310:402): pid=5 uid=1000 auid=1000 ses=3 msg='cwd="/" cmd=${hex('ls /root')} exe="/usr/bin/sudo" terminal=pts/0 res=success'`, 3);
    push(EXEC[1]!.replace(':300)', ':400)'), 4);
    push('type=EOE msg=audit(1767225600.300:401): ', 5);
    push(EXEC[5]!.replace(':300)', ':400)'), 6);
    // an EOE of an event already closed: nothing
    push(EXEC[6]!.replace(':300)', ':400)'), 7);
    assert.deepEqual(done, [[], [], [3], [], [2], [1], []]);
    // a kernel record whose event has no end waits, then closes when 50 newer events are open, or at the end
    const wait = new AuditCoalescer<number>();
    assert.deepEqual(wait.push('type=CONFIG_CHANGE msg=audit(1767225606.000:500): auid=4294967295 ses=4294967295 op=add_rule key="pam" list=4 res=1', 0), []);
    for (let i = 1; i < 50; i++) assert.deepEqual(wait.push(`type=CWD msg=audit(1767225606.000:${500 + i}): cwd="/"`, i), []);
    const closed = wait.push('type=CWD msg=audit(1767225606.000:550): cwd="/"', 50);
    assert.deepEqual(closed.map((x) => x.pos), [0]);
    assert.equal(at(closed[0]!.document, 'event.action'), 'changed-audit-configuration');
    assert.deepEqual(closed[0]!.document.tags, ['pam']);
    assert.equal(wait.end().length, 50);
    // one serial repeated without end: an event of at most MAX_EVENT_RECORDS records at a time
    const flood = new AuditCoalescer<number>();
    let made = 0;
    for (let i = 0; i < 2500; i++) made += flood.push('type=PATH msg=audit(1767225607.000:600): item=0 name="/tmp/x" nametype=NORMAL', i).length;
    made += flood.end().length;
    assert.equal(made, Math.ceil(2500 / MAX_EVENT_RECORDS));
  });

  describe('in the hunt', () => {
    let dir: string;
    let file: string;
    let rules: readonly RuleRecord[];
    before(async () => {
      const FILES = {
        'elastic/rules/linux/shell.toml': elasticDetection('09', 1, 'Shell -c', 'auditbeat-*', 'process where host.os.type == "linux" and event.type == "start" and event.action in ("exec", "executed") and process.name == "sh" and process.args == "-c"'),
        'elastic/rules/linux/user.toml': elasticDetection('09', 2, 'User Added', 'logs-auditd_manager.auditd-*', 'iam where host.os.type == "linux" and event.type == "creation" and event.outcome == "success"'),
        'elastic/rules/linux/shadow.toml': elasticDetection('09', 3, 'Shadow Read', 'auditbeat-*', 'event.category:file and host.os.type:linux and file.path:"/etc/shadow" and event.outcome:failure', 'kuery'),
        // a rule over Auditbeat's indices that names no category: read over every document
        'elastic/rules/linux/any.toml': elasticDetection('09', 5, 'Any Auditd Failure', 'auditbeat-*', 'event.module:auditd and event.outcome:failure', 'kuery'),
        // an Endpoint rule: not read over Auditbeat's documents
        'elastic/rules/linux/endpoint.toml': elasticDetection('09', 4, 'Shell -c (Endpoint)', 'logs-endpoint.events.process*', 'process where event.type == "start" and process.name == "sh"'),
      };
      ({ dir } = writeHuntFixture('detwiki-auditbeat-', FILES, []));
      file = path.join(dir, 'audit.log');
      writeFileSync(file, [...EXEC, ...OPEN, 'not a record', `type=ADD_USER msg=audit(1767225604.000:304): pid=980 uid=0 auid=1000 ses=3 msg='op=add-user acct="mallory" exe="/usr/sbin/useradd" hostname=web1 addr=? terminal=pts/0 res=success'`].join('\n') + '\n');
      rules = (await scanSource(elasticAdapter, path.join(dir, 'elastic'), { repository: 'test/elastic' })).rules;
      assert.equal(rules.length, 5);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('reads each audit event as one more event, at the line of its first record, counted apart', async () => {
      const counts: InputCounts = { files: 0, lines: 0, events: 0, bad: 0 };
      const got: InputItem[] = [];
      for await (const i of readEvents([file], counts)) got.push(i);
      assert.deepEqual(counts, { files: 1, lines: 12, events: 14, bad: 1, made: 3 });
      assert.deepEqual(got.flatMap((i) => (i.kind === 'event' && i.pos.made ? [i.pos.line] : [])), [1, 8, 12]);
    });

    it("Elastic's rules over auditbeat-* and Auditd Manager fire on the raw log, the same three ways", async () => {
      // each hit at its event's line, a document's marked as one (DuckDB too: its lines come from the reader)
      const { mem, par, duck } = await huntThreeWays(rules, file, (h) => `${hitKey(h)} @${h.pos.line}${h.pos.made ? ' document' : ''}`);
      const id = (name: string) => rules.find((r) => r.title === name)!.id;
      // the documents are events 6 (the execve's, once its PROCTITLE record is read), 11 (the open's, after its EOE
      // record) and 13 (the account's, after the bad line 11); the records are the others
      assert.deepEqual(mem, [`11 hit ${id('Any Auditd Failure')} @8 document`, `11 hit ${id('Shadow Read')} @8 document`, `13 hit ${id('User Added')} @12 document`, `6 hit ${id('Shell -c')} @1 document`], mem.join('\n'));
      assert.deepEqual(par, mem);
      assert.deepEqual(duck, mem);
    });
  });
});
