/**
 * Sigma process creation rules over Windows Security events 4688 (`src/formats/sigma/securityAudit.ts`): read with
 * 4688's field names, missing fields missing, a filter on a field 4688 does not record unknown; the same in process,
 * on worker threads and in DuckDB; Sysmon events still read as written.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { scanSource } from '../src/formats/scan.ts';
import { sigmaAdapter } from '../src/formats/sigma/index.ts';
import { readAs, SECURITY_PROCESS_CREATION, sigmaHuntReadings } from '../src/formats/sigma/securityAudit.ts';
import { HuntEngine } from '../src/hunt/engine.ts';
import { hunt, type Hit } from '../src/hunt/session.ts';
import { huntDuckdb } from '../src/hunt/sql/session.ts';
import { and, leaves, not, or, pred, type Expr } from '../src/model/expr.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { tempDir } from './helpers/tempDir.ts';

const R = SECURITY_PROCESS_CREATION;

describe('Sigma process creation read over Security 4688 (readAs)', () => {
  it('renames Image, ParentImage and LogonId, translates IntegrityLevel to MandatoryLabel SIDs', () => {
    const e = and(pred('Image', 'ends_with', ['\\whoami.exe']), pred('ParentImage', 'eq', ['C:\\x.exe']), pred('IntegrityLevel', 'in', ['High', 'system', 'AppContainer']), pred('CommandLine', 'contains', ['/priv']));
    assert.deepEqual(readAs(R, e), and(pred('NewProcessName', 'ends_with', ['\\whoami.exe']), pred('ParentProcessName', 'eq', ['C:\\x.exe']), pred('MandatoryLabel', 'in', ['S-1-16-12288', 'S-1-16-16384', 'AppContainer']), pred('CommandLine', 'contains', ['/priv'])));
    assert.deepEqual(readAs(R, pred('LogonId', 'eq', ['0x3e7'])), pred('SubjectLogonId', 'eq', ['0x3e7']));
    assert.deepEqual(readAs(R, pred('IntegrityLevel', 'regex', ['^High$'])), pred('MandatoryLabel', 'regex', ['^High$']), 'a pattern is not a value to translate');
    assert.deepEqual(readAs(R, pred('CommandLine', 'eq', [{ kind: 'field', field: 'ParentImage' }])), pred('CommandLine', 'eq', [{ kind: 'field', field: 'ParentProcessName' }]));
  });

  it('a field 4688 does not record stays missing where it is tested, and is unknown under a NOT', () => {
    const sel = or(pred('Image', 'ends_with', ['\\rundll32.exe']), pred('OriginalFileName', 'eq', ['RUNDLL32.EXE']));
    const read = readAs(R, and(sel, not(pred('User', 'contains', ['AUTHORI']))))!;
    const [pos, neg] = (read as Extract<Expr, { kind: 'and' }>).args;
    assert.deepEqual(pos, or(pred('NewProcessName', 'ends_with', ['\\rundll32.exe']), pred('OriginalFileName', 'eq', ['RUNDLL32.EXE'])));
    assert.equal(neg!.kind, 'not');
    const opaque = [...leaves(neg!)];
    assert.equal(opaque.length, 1);
    assert.equal(opaque[0]!.kind, 'opaque');
    assert.match((opaque[0] as { reason: string }).reason, /^User: a Security event 4688/);
    // under two NOTs a test is positive again
    assert.equal(readAs(R, not(not(pred('Hashes', 'contains', ['MD5=00'])))), undefined);
  });

  it('ProcessId (4688 has the creator\'s, in hexadecimal) is unknown wherever tested; a condition read the same gives no reading', () => {
    assert.equal(readAs(R, pred('ProcessId', 'eq', [4]))!.kind, 'opaque');
    assert.equal(readAs(R, pred('CommandLine', 'contains', ['x'])), undefined);
    const security = (e: Expr) => sigmaHuntReadings(['windows.process_creation'], e).filter((r) => r.onlyWith === 'vendor:windows/security');
    assert.deepEqual(security(pred('CommandLine', 'contains', ['x'])), []);
    assert.deepEqual(sigmaHuntReadings(['windows.file_event'], pred('Image', 'eq', ['x'])), [], 'only process creation rules');
    assert.equal(security(pred('Image', 'eq', ['x'])).length, 1);
  });
});

const RULES: Record<string, string> = {
  whoami: `title: Whoami Privileges
id: 7a1d0000-0000-4000-8000-000000000001
logsource: { category: process_creation, product: windows }
detection:
  selection_img:
    - Image|endswith: '\\whoami.exe'
    - OriginalFileName: 'whoami.exe'
  selection_cli:
    CommandLine|contains: '/priv'
  condition: all of selection_*
level: high
`,
  renamed: `title: Renamed Rundll32
id: 7a1d0000-0000-4000-8000-000000000002
logsource: { category: process_creation, product: windows }
detection:
  selection:
    CommandLine|contains: 'DllRegisterServer'
  filter:
    Image|endswith: '\\rundll32.exe'
  condition: selection and not filter
level: high
`,
  notsystem: `title: Task Created Not By System
id: 7a1d0000-0000-4000-8000-000000000003
logsource: { category: process_creation, product: windows }
detection:
  selection:
    Image|endswith: '\\schtasks.exe'
    CommandLine|contains: '/create'
  filter:
    User|contains: 'AUTHORI'
  condition: selection and not filter
level: medium
`,
  elevated: `title: Elevated Command Shell
id: 7a1d0000-0000-4000-8000-000000000004
logsource: { category: process_creation, product: windows }
detection:
  selection:
    Image|endswith: '\\cmd.exe'
    IntegrityLevel: 'High'
  condition: selection
level: low
`,
};

const win4688 = (data: Record<string, unknown>) => ({ Event: { System: { EventID: 4688, Channel: 'Security', Provider: { '#attributes': { Name: 'Microsoft-Windows-Security-Auditing' } } }, EventData: data } });
const sysmon1 = (data: Record<string, unknown>) => ({ Event: { System: { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } } }, EventData: data } });
// Winlogbeat's shape, the executable moved to ECS as Elastic's Security pipeline does
const winlog4688 = (data: Record<string, unknown>, executable: string) => ({
  winlog: { event_id: '4688', channel: 'Security', provider_name: 'Microsoft-Windows-Security-Auditing', event_data: data },
  process: { executable },
});

const EVENTS = [
  win4688({ NewProcessName: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /priv', ParentProcessName: 'C:\\Windows\\System32\\cmd.exe', MandatoryLabel: 'S-1-16-8192' }),
  win4688({ NewProcessName: 'C:\\Windows\\System32\\rundll32.exe', CommandLine: 'rundll32 x.dll,DllRegisterServer', SubjectUserName: 'ann', ProcessId: '0x13f0' }),
  win4688({ NewProcessName: 'C:\\Windows\\System32\\schtasks.exe', CommandLine: 'schtasks /create /tn x', SubjectUserName: 'SYSTEM' }),
  win4688({ NewProcessName: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'cmd', MandatoryLabel: 'S-1-16-12288' }),
  sysmon1({ Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /priv', User: 'CORP\\ann' }),
  sysmon1({ Image: 'C:\\Windows\\System32\\schtasks.exe', CommandLine: 'schtasks /create /tn x', User: 'NT AUTHORITY\\SYSTEM' }),
  sysmon1({ Image: 'C:\\Users\\Public\\r.exe', CommandLine: 'r x.dll,DllRegisterServer', User: 'CORP\\ann' }),
  winlog4688({ CommandLine: 'whoami /priv' }, 'C:\\Windows\\System32\\whoami.exe'),
];

describe('detwiki hunt: Sigma process creation rules over Security 4688', () => {
  let dir: string;
  let rules: readonly RuleRecord[];
  let file: string;
  before(async () => {
    dir = tempDir('detwiki-4688-');
    mkdirSync(path.join(dir, 'sigma', 'rules'), { recursive: true });
    for (const [name, text] of Object.entries(RULES)) writeFileSync(path.join(dir, 'sigma', 'rules', `${name}.yml`), text);
    rules = (await scanSource(sigmaAdapter, path.join(dir, 'sigma'), { repository: 'test/sigma' })).rules;
    assert.equal(rules.length, 4);
    file = path.join(dir, 'events.jsonl');
    writeFileSync(file, EVENTS.map((e) => JSON.stringify(e)).join('\n') + '\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const key = (h: Hit) => `${h.pos.index} ${h.type} ${h.rule.id}${h.type === 'may_fire' && (h.dependsOn ?? []).some((d) => d.includes('(User: a Security event 4688')) ? ' (User)' : ''}`;
  const WANT = [
    '0 hit sigma/whoami', // NewProcessName read as Image
    // event 1: NewProcessName is rundll32.exe, so the filter holds (read as written, Image was missing and the rule fired)
    '2 may_fire sigma/notsystem (User)', // the filter asks for User, which 4688 does not record
    '3 hit sigma/elevated', // MandatoryLabel S-1-16-12288 read as IntegrityLevel High
    '4 hit sigma/whoami',
    // event 5: Sysmon's User is NT AUTHORITY\SYSTEM: filtered
    '6 hit sigma/renamed',
    '7 hit sigma/whoami', // Winlogbeat's copy, NewProcessName restored from process.executable
  ].map((w) => w.replace(/ \/\/.*$/, ''));

  it('in process, on two worker threads and in DuckDB: 4688 read with its own names, Sysmon as written, the same results', async () => {
    const mem: string[] = [];
    await hunt(new HuntEngine(rules), [file], { onHit: (h) => mem.push(key(h)) });
    const par: string[] = [];
    await hunt(new HuntEngine(rules), [file], { onHit: (h) => par.push(key(h)), workers: 2 });
    const duck: string[] = [];
    const summary = await huntDuckdb(new HuntEngine(rules), [file], { onHit: (h) => duck.push(key(h)) });
    assert.deepEqual(mem.sort(), [...WANT].sort(), mem.join('\n'));
    assert.deepEqual(par.sort(), mem);
    assert.deepEqual(duck.sort(), mem);
    // a reading is the rule: one tally per rule
    assert.deepEqual(summary.byRule.map((r) => r.rule.id).sort(), ['sigma/elevated', 'sigma/notsystem', 'sigma/renamed', 'sigma/whoami']);
    assert.equal(summary.byRule.find((r) => r.rule.id === 'sigma/whoami')!.hits, 3);
  });

  it('detwiki eval reads a 4688 event as the hunt does, and says so', () => {
    const bin = path.join(import.meta.dirname, '..', 'bin', 'detwiki.js');
    const r = spawnSync(process.execPath, [bin, 'eval', path.join(dir, 'sigma', 'rules', 'renamed.yml'), file, '--repo', path.join(dir, 'sigma'), '--format', 'sigma', '--json'], { encoding: 'utf8', env: { ...process.env, DETWIKI_CACHE: '/nonexistent-detwiki-cache' } });
    assert.equal(r.status, 0, r.stderr);
    const [res] = JSON.parse(r.stdout) as { results: unknown[]; readAs?: (string | null)[]; explained?: ({ matched: string[]; seen: string[]; held: (string | null)[] } | null)[] }[];
    assert.deepEqual(res!.results, [false, false, false, false, false, false, true, false]);
    // the event that holds is explained as a hunt's hit is: the predicate that held, with what the event had there
    const ex = res!.explained![6]!;
    assert.deepEqual(ex.matched, ['CommandLine contains "DllRegisterServer"']);
    assert.equal(ex.seen.length, 1);
    assert.match(ex.seen[0]!, /DllRegisterServer/);
    assert.deepEqual(ex.held, [null]);
    assert.deepEqual(res!.explained!.filter((x, i) => x !== null && i !== 6), []);
    assert.match(res!.readAs![1]!, /^Security 4688's field names/);
    assert.equal(res!.readAs![6], null, 'a Sysmon event is read as written');
  });
});
