/**
 * Linux audit logs in the hunt (`src/hunt/auditd.ts`): `audit.log`'s records read as events (the record's pairs as
 * written, a user-space message's pairs too, the ENRICHED format's interpreted fields), from plain or gzip files cut
 * anywhere, beside JSON; recognised as auditd; Sigma's `linux/auditd` rules read them as written and Splunk's searches
 * as the Splunk Add-on for Unix and Linux extracts them, the same in process, on workers and in DuckDB.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { scanSource } from '../src/formats/scan.ts';
import { sigmaAdapter } from '../src/formats/sigma/index.ts';
import { splunkAdapter } from '../src/formats/splunk/index.ts';
import { auditdTime, auditRecord, looksLikeAuditRecord } from '../src/hunt/auditd.ts';
import { readEventBatches, readEvents, type InputCounts, type InputItem } from '../src/hunt/events.ts';
import { HuntEngine } from '../src/hunt/engine.ts';
import { recogniseLogSources } from '../src/hunt/recognise.ts';
import { huntDuckdb } from '../src/hunt/sql/session.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { hitKey, huntThreeWays, sigmaDetection, splunkDetection, writeHuntFixture } from './huntThreeWays.ts';

const GS = '\x1d';

/** An invented audit log: a whoami run (ENRICHED), its EXECVE and PROCTITLE records, a stopped firewall, a file watch. */
const LOG = [
  `type=SYSCALL msg=audit(1767225600.123:100): arch=c000003e syscall=59 success=yes exit=0 a0=55d1 a1=55d2 a2=55d3 a3=0 items=2 ppid=900 pid=901 auid=1000 uid=0 gid=0 euid=0 tty=pts0 ses=3 comm="whoami" exe="/usr/bin/whoami" subj=unconfined key="recon"${GS}ARCH=x86_64 SYSCALL=execve AUID="alice" UID="root" GID="root"`,
  'type=EXECVE msg=audit(1767225600.123:100): argc=1 a0="whoami"',
  // hexadecimal, as auditd writes a value with a blank: kept as written
  'type=PROCTITLE msg=audit(1767225600.123:100): proctitle=2F62696E2F7368002D63',
  `type=SERVICE_STOP msg=audit(1767225601.000:101): pid=1 uid=0 auid=4294967295 ses=4294967295 subj=system_u msg='unit=firewalld comm="systemd" exe="/usr/lib/systemd/systemd" hostname=? addr=? terminal=? res=success'${GS}UID="root" AUID="unset"`,
  'not an audit record',
  'node=web1 type=PATH msg=audit(1767225602.000:102): item=0 name="/etc/ld.so.preload" inode=12 nametype=CREATE',
  'type=AVC msg=audit(1767225603.000:103): avc:  denied  { read } for  pid=2 comm="cat" name="shadow" tclass=file permissive=0',
  'type=EXECVE msg=audit(1767225604.000:104): argc=2 a0="cat" a1="/root/.bash_history"',
];

const AUDITD = { product: 'linux', service: 'auditd' };
const sigma = (id: number, detection: string, condition = 'selection', logsource: Readonly<Record<string, string>> = AUDITD) => sigmaDetection('08', id, `Auditd ${id}`, logsource, detection, condition);

const FILES: Record<string, string> = {
  'sigma/rules/whoami.yml': sigma(1, '  selection:\n    type: SYSCALL\n    exe|endswith: /whoami\n    SYSCALL: execve'),
  'sigma/rules/firewall.yml': sigma(2, "  selection:\n    type: SERVICE_STOP\n    unit:\n      - firewalld\n      - ufw"),
  'sigma/rules/preload.yml': sigma(3, "  selection:\n    type: PATH\n    name: /etc/ld.so.preload"),
  'sigma/rules/history.yml': sigma(4, '  execve:\n    type: EXECVE\n  keywords:\n    - .bash_history', 'execve and keywords'),
  // a value auditd wrote in hexadecimal is not the text it encodes
  'sigma/rules/proctitle.yml': sigma(5, '  selection:\n    type: PROCTITLE\n    proctitle|contains: /bin/sh'),
  // a rule over any Linux log (no service): its keywords are searched in the records' values too
  'sigma/rules/any_linux.yml': sigma(6, '  keywords:\n    - ld.so.preload', 'keywords', { product: 'linux' }),
  'splunk/macros/linux_auditd.yml': "definition: sourcetype=\"linux:audit\"\ndescription: Invented macro.\nname: linux_auditd\n",
  'splunk/detections/endpoint/whoami.yml': splunkDetection(
    '08',
    1,
    'Auditd Whoami',
    'Linux Auditd Syscall',
    '`linux_auditd` type=SYSCALL comm=whoami OR exe= "*/whoami" | rename host as dest | stats count min(_time) as firstTime max(_time) as lastTime by comm exe SYSCALL UID ppid pid dest success',
    'T1033',
  ),
  'splunk/detections/endpoint/firewall.yml': splunkDetection('08', 2, 'Auditd Firewall Stopped', 'Linux Auditd Service Stop', '`linux_auditd` type=SERVICE_STOP unit IN ("firewalld", "ufw") | rename host as dest | stats count by dest unit', 'T1562'),
  // a command line auditd wrote in hexadecimal, decoded in SPL (its NUL separators as spaces) where it is hexadecimal
  'splunk/macros/proctitle_text.yml':
    "definition: 'type=PROCTITLE | eval t=if(type==\"PROCTITLE\" AND isnotnull(proctitle), if(match(proctitle, \"^[0-9A-F]+$\"), replace(proctitle, \"00\", \"20\"), proctitle), null()) | eval cmdline=if(match(t, \"^[0-9A-F]+$\"), urldecode(replace(t, \"([0-9A-F]{2})\", \"%\\1\")), t)'\ndescription: Invented macro.\nname: proctitle_text\n",
  'splunk/detections/endpoint/shell.yml': splunkDetection('08', 4, 'Auditd Shell Command', 'Linux Auditd Proctitle', '`linux_auditd` `proctitle_text` | where like(cmdline, "%/bin/sh -c%") | stats count by cmdline', 'T1059'),
  'splunk/detections/endpoint/preload.yml': splunkDetection('08', 3, 'Auditd Preload', 'Linux Auditd Path', '`linux_auditd` type=PATH name="/etc/ld.so.preload*" | rename host as dest | stats count by dest name nametype', 'T1574'),
};

async function items(file: string): Promise<{ items: InputItem[]; counts: InputCounts }> {
  const counts: InputCounts = { files: 0, lines: 0, events: 0, bad: 0 };
  const out: InputItem[] = [];
  for await (const i of readEvents([file], counts)) out.push(i);
  return { items: out, counts };
}

describe('detwiki hunt: Linux audit logs', () => {
  let dir: string;
  let file: string;
  let rules: readonly RuleRecord[];
  before(async () => {
    ({ dir } = writeHuntFixture('detwiki-auditd-', FILES, []));
    file = path.join(dir, 'audit.log');
    writeFileSync(file, LOG.join('\n') + '\n');
    rules = [
      ...(await scanSource(sigmaAdapter, path.join(dir, 'sigma'), { repository: 'test/sigma' })).rules,
      ...(await scanSource(splunkAdapter, path.join(dir, 'splunk'), { repository: 'test/splunk' })).rules,
    ];
    assert.equal(rules.length, 10);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a record's pairs as written, a message's pairs too, the interpreted fields after the separator", () => {
    assert.deepEqual(auditRecord(LOG[0]!), {
      type: 'SYSCALL', msg: 'audit(1767225600.123:100)', arch: 'c000003e', syscall: '59', success: 'yes', exit: '0', a0: '55d1', a1: '55d2', a2: '55d3', a3: '0', items: '2',
      ppid: '900', pid: '901', auid: '1000', uid: '0', gid: '0', euid: '0', tty: 'pts0', ses: '3', comm: 'whoami', exe: '/usr/bin/whoami', subj: 'unconfined', key: 'recon',
      ARCH: 'x86_64', SYSCALL: 'execve', AUID: 'alice', UID: 'root', GID: 'root',
    });
    assert.deepEqual(auditRecord(LOG[3]!), {
      type: 'SERVICE_STOP', msg: 'audit(1767225601.000:101)', pid: '1', uid: '0', auid: '4294967295', ses: '4294967295', subj: 'system_u', UID: 'root', AUID: 'unset',
      unit: 'firewalld', comm: 'systemd', exe: '/usr/lib/systemd/systemd', hostname: '?', addr: '?', terminal: '?', res: 'success',
    });
    assert.deepEqual(auditRecord(LOG[5]!), { node: 'web1', type: 'PATH', msg: 'audit(1767225602.000:102)', item: '0', name: '/etc/ld.so.preload', inode: '12', nametype: 'CREATE' });
    // words that are not pairs are left out; the hexadecimal stays
    assert.deepEqual(auditRecord(LOG[6]!), { type: 'AVC', msg: 'audit(1767225603.000:103)', pid: '2', comm: 'cat', name: 'shadow', tclass: 'file', permissive: '0' });
    assert.equal(auditRecord(LOG[2]!)!.proctitle, '2F62696E2F7368002D63');
    assert.equal(auditRecord(LOG[4]!), undefined);
    assert.equal(looksLikeAuditRecord('type=SYSCALL arch=c000003e'), false);
    // hostile names are fields like any other
    const hostile = auditRecord('type=USER_CMD msg=audit(1:1): __proto__="x" constructor=y')!;
    assert.equal(Object.getPrototypeOf(hostile), Object.prototype);
    assert.equal(JSON.stringify(hostile), '{"type":"USER_CMD","msg":"audit(1:1)","__proto__":"x","constructor":"y"}');
    // a record without a header (a type the user space does not know): an event, of no log source the hunt knows
    assert.deepEqual(auditRecord('type=UNKNOWN[1329] msg=?'), { type: 'UNKNOWN[1329]', msg: '?' });
    assert.deepEqual(recogniseLogSources(auditRecord('type=UNKNOWN[1329] msg=?')), []);
    assert.equal(auditdTime('audit(1767225600.123:100)'), 1767225600123);
    assert.equal(auditdTime('audit(x:1)'), undefined);
  });

  it('recognises every record type of the audit log as auditd, and as a Linux log', () => {
    for (const line of [LOG[0]!, LOG[3]!, LOG[5]!, LOG[6]!]) assert.deepEqual(recogniseLogSources(auditRecord(line)), ['linux.auditd', 'vendor:linux'], line);
  });

  it('reads audit logs line by line, whole or gzip, cut anywhere, beside JSON; a line of neither is one bad line', async () => {
    const { items: got, counts } = await items(file);
    // the records, and the documents of their five audit events (`hunt-auditbeat.test.ts`) after the record that ends each
    assert.deepEqual(counts, { files: 1, lines: 8, events: 12, bad: 1, made: 5 });
    assert.deepEqual(
      got.map((i) => (i.kind === 'event' ? `${i.pos.line} ${i.pos.made ? `document ${(i.event as { auditd: { message_type: string } }).auditd.message_type}` : (i.event as { type: string }).type}` : `${i.pos.line} ${i.kind} ${i.code}`)),
      ['1 SYSCALL', '2 EXECVE', '3 PROCTITLE', '1 document syscall', '4 SERVICE_STOP', '4 document service_stop', '5 bad NOT_JSON', '6 PATH', '7 AVC', '8 EXECVE', '6 document path', '7 document avc', '8 document execve'],
    );
    // long enough for records to cross the reader's 64 KB chunks, JSON lines between, gzip, no newline at the end
    const many: string[] = [];
    for (let i = 0; i < 3000; i++) many.push(i % 7 === 3 ? JSON.stringify({ n: i }) : LOG[i % LOG.length]!.replace(':100)', `:${i})`));
    const big = path.join(dir, 'big.log.gz');
    writeFileSync(big, gzipSync(many.join('\n')));
    const r = await items(big);
    const notRecords = many.filter((l, i) => i % 7 !== 3 && !auditRecord(l)).length;
    assert.equal(r.counts.bad, notRecords);
    assert.equal(r.counts.events - r.counts.made!, many.length - notRecords);
    const events = r.items.flatMap((i) => (i.kind === 'event' && !i.pos.made ? [i.event] : []));
    const want = many.flatMap((l, i) => (i % 7 === 3 ? [JSON.parse(l) as unknown] : auditRecord(l) ? [auditRecord(l)] : []));
    assert.deepEqual(events, want);
    // the workers' raw values: each record's JSON text
    const raw: unknown[] = [];
    for await (const b of readEventBatches([big], { files: 0, lines: 0, events: 0, bad: 0 }, { raw: true })) for (const i of b) if (i.kind === 'raw' && !i.pos.made) raw.push(JSON.parse(typeof i.text === 'string' ? i.text : i.text.toString('utf8')));
    assert.deepEqual(raw, want);
  });

  it('hostile lines: an unterminated quote, CRLF, a bare `type=`, a record longer than the bound; the next line is read', async () => {
    const hostile = path.join(dir, 'hostile.log');
    const long = `type=EXECVE msg=audit(1767225600.000:1): argc=1 a0="${'x'.repeat(40_000)}"`;
    writeFileSync(hostile, ['type=SYSCALL msg=audit(1767225600.000:2): comm="unterminated exe=/bin/sh', 'type=PATH msg=audit(1767225600.000:3): name="/etc/shadow"\r', 'type=', long, LOG[1]].join('\n'));
    const counts: InputCounts = { files: 0, lines: 0, events: 0, bad: 0 };
    const got: InputItem[] = [];
    for await (const b of readEventBatches([hostile], counts, { maxValueChars: 30_000 })) got.push(...b);
    assert.deepEqual(
      got.filter((i) => !(i.kind === 'event' && i.pos.made)).map((i) => (i.kind === 'event' ? `${i.pos.line} ${JSON.stringify(i.event).slice(0, 200)}` : `${i.pos.line} ${i.code}`)),
      [
        '1 {"type":"SYSCALL","msg":"audit(1767225600.000:2)","comm":"unterminated exe=/bin/sh"}',
        '2 {"type":"PATH","msg":"audit(1767225600.000:3)","name":"/etc/shadow"}',
        '3 NOT_JSON',
        '4 TOO_LONG',
        '5 {"type":"EXECVE","msg":"audit(1767225600.123:100)","argc":"1","a0":"whoami"}',
      ],
    );
    // each record is an audit event of its own here (three documents)
    assert.deepEqual(counts, { files: 1, lines: 5, events: 6, bad: 2, made: 3 });
  });

  it("Sigma's auditd rules read the records as written, Splunk's as its add-on extracts them, the same three ways", async () => {
    const { mem, par, duck } = await huntThreeWays(rules, file, hitKey);
    const id = (title: string) => rules.find((r) => r.title === title)!.id;
    const expected = [
      `0 hit ${id('Auditd 1')}`,
      `0 hit ${id('Auditd Whoami')}`,
      // (events 3, 5, 9, 10 and 11 are the documents made of the records' audit events, which these rules do not read)
      // the PROCTITLE record's hexadecimal decoded: `/bin/sh -c`
      `2 hit ${id('Auditd Shell Command')}`,
      `4 hit ${id('Auditd 2')}`,
      `4 hit ${id('Auditd Firewall Stopped')}`,
      `6 hit ${id('Auditd 3')}`,
      `6 hit ${id('Auditd Preload')}`,
      `6 hit ${id('Auditd 6')}`,
      `8 hit ${id('Auditd 4')}`,
    ];
    assert.deepEqual(mem, expected.sort(), mem.join('\n'));
    assert.deepEqual(par, mem);
    assert.deepEqual(duck, mem);
    // DuckDB reads the file through the same reader: the line that is neither JSON nor a record is one bad line
    const summary = await huntDuckdb(new HuntEngine(rules), [file], {});
    assert.equal(summary.counts.bad, 1);
    assert.deepEqual(summary.bad.map((b) => [b.pos.line, b.code]), [[5, 'NOT_JSON']]);
  });
});
