/**
 * What a hunt's hit shows of the event beside each matched predicate (`Hit.seen`, `model/evidence.ts`): the value
 * the predicate read, cut when long, in the order of `matched`, the same on worker threads, and on the CLI's lines.
 * The rules and events are this project's own.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { scanSource } from '../src/formats/scan.ts';
import { sigmaAdapter } from '../src/formats/sigma/index.ts';
import { HuntEngine } from '../src/hunt/engine.ts';
import { hunt, type Hit, type HuntSummary } from '../src/hunt/session.ts';
import { resolveDotted } from '../src/model/evaluate.ts';
import { heldBy, operandOf, shownOperand, shownValue, whyFalse } from '../src/model/evidence.ts';
import { compileRecorded, derivedOperandKey, EventView } from '../src/model/compile.ts';
import { and, named, not, or, pred, type Predicate } from '../src/model/expr.ts';
import { jsonText } from '../src/model/ascii.ts';
import { tempDir } from './helpers/tempDir.ts';

const BIN = path.resolve('bin/detwiki.js');

describe('shownValue', () => {
  it('writes JSON, cuts a long string and says its length', () => {
    assert.equal(shownValue('C:\\Windows\\cmd.exe'), '"C:\\\\Windows\\\\cmd.exe"');
    assert.equal(shownValue(4648), '4648');
    assert.equal(shownValue(false), 'false');
    assert.equal(shownValue(null), 'null');
    assert.equal(shownValue(undefined), 'missing');
    assert.equal(shownValue('x'.repeat(500), 10), `"${'x'.repeat(10)}"… (500 characters)`);
  });

  it('writes a list or an object until its budget is spent, with one mark where it stops', () => {
    assert.equal(shownValue(['a', 1, null, { k: true }]), '["a",1,null,{"k":true}]');
    const cut = shownValue({ args: ['-enc', 'A'.repeat(50), 'B'.repeat(50)], user: 'bob' }, 40);
    assert.ok(cut.startsWith('{"args":["-enc","AAAA'), cut);
    assert.equal(cut.split('…').length, 2, cut);
    assert.ok(!cut.includes('bob'), cut);
    assert.ok(cut.length < 60, cut);
    // a value that fits exactly keeps its closing bracket and no mark
    assert.equal(shownValue([1, 2], 5), '[1,2]');
  });

  it('leaves no character a terminal acts on as it is', () => {
    // ESC (a C0 control, escaped by JSON), CSI as one C1 character, DEL and a line separator
    const shown = shownValue('a\u001b[31mred\u009b2Jb\u007f\u2028c');
    assert.equal(shown, '"a\\u001b[31mred\\u009b2Jb\\u007f\\u2028c"');
    assert.equal(shownValue({ 'k\u009b': ['\u0085'] }), '{"k\\u009b":["\\u0085"]}');
    // a right-to-left override (a file name that shows as "Annexe.jpeg") is shown as written
    assert.equal(shownValue('Ann\u202egepj.exe \u2066x\u2069\u200f'), '"Ann\\u202egepj.exe \\u2066x\\u2069\\u200f"');
  });

  it('jsonText (--json, --jsonl): the same value to a JSON reader, none of those characters as they are', () => {
    const v = { title: 'a\u001b[31mred\u009b2Jb\u007f\u2028c\u2029', n: [1, { 'k\u0085': true }] };
    const text = jsonText(v);
    assert.equal(text, '{"title":"a\\u001b[31mred\\u009b2Jb\\u007f\\u2028c\\u2029","n":[1,{"k\\u0085":true}]}');
    assert.deepEqual(JSON.parse(text), v);
    assert.equal(jsonText(v, 2), JSON.stringify(JSON.parse(text), null, 2).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
    assert.equal(jsonText({ plain: 'é ✓' }), '{"plain":"é ✓"}');
  });
});

describe('what a predicate read (operandOf, shownOperand)', () => {
  const seenBy = (p: Predicate, event: unknown, resolve: typeof resolveDotted) => shownOperand(operandOf(p, event, resolve));
  const pred = (p: Partial<Predicate>): Predicate => ({ kind: 'pred', field: 'f', op: 'eq', values: ['x'], ...p });
  it('reads the field with its default, or the value derived from it', () => {
    assert.equal(seenBy(pred({}), { f: 'A' }, resolveDotted), '"A"');
    assert.equal(seenBy(pred({}), {}, resolveDotted), 'missing');
    // KQL's empty string for a missing column
    assert.equal(seenBy(pred({ opts: { missingAs: '' } }), {}, resolveDotted), '""');
    assert.equal(seenBy(pred({ derived: { steps: [{ fn: 'lower' }] } }), { f: 'PowerShell.EXE' }, resolveDotted), '"powershell.exe"');
    // a derivation that fails: null (a missing value) or unknown, as the rule's language says
    assert.equal(seenBy(pred({ derived: { steps: [{ fn: 'json' }], lang: 'python', onError: 'null' } }), { f: '{bad' }, resolveDotted), 'missing');
    assert.equal(seenBy(pred({ derived: { steps: [{ fn: 'json' }], lang: 'python', onError: 'unknown' } }), { f: '{bad' }, resolveDotted), 'unknown');
    assert.equal(seenBy(pred({ derived: { steps: [{ fn: 'json' }, { fn: 'get', args: ['a'] }], lang: 'kql' } }), { f: '{"a":[1,2]}' }, resolveDotted), '[1,2]');
  });

  it('an explanation reads the operand the evaluation derived, from the event view', () => {
    const p = pred({ op: 'eq', values: ['powershell.exe'], derived: { steps: [{ fn: 'lower' }] } });
    const rec = compileRecorded(p);
    const view = new EventView({ f: 'PowerShell.EXE' }, resolveDotted);
    assert.equal(rec.compiled(view), true);
    const operand = rec.preds[0]!.operand!;
    assert.equal(shownOperand(operand(view)), seenBy(p, view.event, resolveDotted));
    // the same value the evaluation cached (the view derives each chain once per event)
    assert.equal(operand(view), view.derived(derivedOperandKey(p as Predicate & { derived: NonNullable<Predicate['derived']> }), () => 'derived again'));
    assert.equal(compileRecorded(pred({})).preds[0]!.operand, undefined);
  });
});

describe('heldBy', () => {
  const pred = (p: Partial<Predicate>): Predicate => ({ kind: 'pred', field: 'f', op: 'eq', values: ['x'], ...p });
  const held = (p: Predicate, event: Record<string, unknown>) => heldBy(p, operandOf(p, event, resolveDotted), event, resolveDotted);
  it('names the first value of a list that holds, as the rule wrote it', () => {
    const ends = pred({ op: 'ends_with', values: ['\\cscript.exe', '\\WScript.exe', '\\mshta.exe'], opts: { cs: false } });
    assert.equal(held(ends, { f: 'C:\\Windows\\System32\\wscript.EXE' }), '"\\\\WScript.exe"');
    // with case: the value that matches with its case
    assert.equal(held(pred({ op: 'contains', values: ['Temp', 'temp'], opts: { cs: true } }), { f: 'C:\\temp\\a' }), '"temp"');
    // an equality with many values (tested through a set): the rule's spelling, not the event's
    const many = Array.from({ length: 40 }, (_, i) => `Host${i}`);
    assert.equal(held(pred({ op: 'in', values: many, opts: { cs: false } }), { f: 'HOST17' }), '"Host17"');
    assert.equal(held(pred({ op: 'in', values: [4624, 4625, 4648] }), { f: 4625 }), '4625');
  });

  it('through the reference evaluator for the other operators', () => {
    assert.equal(held(pred({ op: 'wildcard', values: ['*\\Temp\\*.ps1', '*\\Downloads\\*.js'], opts: { cs: false, wildcard: 'plain' } }), { f: 'C:\\Users\\ann\\downloads\\x.JS' }), '"*\\\\Downloads\\\\*.js"');
    assert.equal(held(pred({ op: 'has', values: ['urlcache', 'split'], opts: { cs: false } }), { f: 'certutil.exe -URLCache -f http://a/b' }), '"urlcache"');
    // a regular expression: the text it matched
    assert.equal(held(pred({ op: 'regex', values: ['^a+$', 'b{2}'] }), { f: 'abbc' }), 'matched "bb"');
    assert.equal(held(pred({ op: 'cidr', values: ['10.0.0.0/8', '192.168.0.0/16'] }), { f: '192.168.4.1' }), '"192.168.0.0/16"');
    // a comparison with another field of the event
    assert.equal(held(pred({ op: 'eq', values: ['nobody', { kind: 'field', field: 'g' }] }), { f: 'ann', g: 'ann' }), 'field g');
    // Sigma's value transforms: the value before them (base64 of "net user" at its first offset)
    const b64 = pred({ op: 'contains', values: ['whoami', 'net user'], opts: { cs: true, transforms: ['base64offset'] } });
    assert.equal(held(b64, { f: 'powershell -enc bmV0IHVzZXIgL2FkZA==' }), '"net user"');
    // a derived operand: the value the predicate read
    assert.equal(held(pred({ op: 'in', values: ['cmd.exe', 'powershell.exe'], derived: { steps: [{ fn: 'lower' }] } }), { f: 'PowerShell.EXE' }), '"powershell.exe"');
  });

  it('a regular expression, of one pattern or several: the text it matched in the event\'s value', () => {
    const tools = pred({ op: 'regex', values: ['\\\\(cachedump|procdump64|mimikatz)\\.exe$'], opts: { cs: false } });
    assert.equal(held(tools, { f: 'C:\\Users\\a\\Downloads\\ProcDump64.EXE' }), 'matched "\\\\ProcDump64.EXE"');
    // a list of values: the first element it matches in; a case-sensitive pattern does not match another case
    assert.equal(held(tools, { f: ['C:\\a.txt', 'D:\\mimikatz.exe'] }), 'matched "\\\\mimikatz.exe"');
    assert.equal(held(pred({ op: 'regex', values: ['Temp', 'te.p'], opts: { cs: true } }), { f: 'C:\\temp\\x' }), 'matched "temp"');
    // anchored as the language anchors it (Python's re.match): the match from the start
    assert.equal(held(pred({ op: 'regex', values: ['[a-z]+'], opts: { anchor: 'start' } }), { f: 'cmd /c whoami' }), 'matched "cmd"');
    // a match of the whole value is the value (shown as `seen`): the pattern that held instead, for several
    assert.equal(held(pred({ op: 'regex', values: ['^x$', '^ab+c$'] }), { f: 'abbc' }), '"^ab+c$"');
    assert.equal(held(pred({ op: 'regex', values: ['.*'] }), { f: 'abc' }), null);
    // not true on the event: nothing
    assert.equal(held(pred({ op: 'regex', values: ['zz'] }), { f: 'abc' }), null);
    // SQL-style nulls: a null value among the patterns makes the predicate unknown, and nothing is named
    assert.equal(held(pred({ op: 'regex', values: ['b', null], opts: { nulls: 'propagate' } }), { f: 'abc' }), null);
    assert.equal(held(pred({ op: 'regex', values: ['b'], opts: { nulls: 'propagate' } }), { f: 'abc' }), 'matched "b"');
  });

  it('names none where no single value is the reason', () => {
    // one value, every value needed, a negation, a null test
    assert.equal(held(pred({ op: 'contains', values: ['a'] }), { f: 'abc' }), null);
    assert.equal(held(pred({ op: 'contains', values: ['a', 'b'], opts: { match: 'all' } }), { f: 'abc' }), null);
    assert.equal(held(pred({ op: 'ne', values: ['x', 'y'] }), { f: 'abc' }), null);
    assert.equal(held(pred({ op: 'is_not_null', values: [] }), { f: 'abc' }), null);
    // the predicate does not hold: nothing is claimed
    assert.equal(held(pred({ op: 'contains', values: ['Temp', 'Tmp'], opts: { cs: true } }), { f: 'C:\\temp' }), null);
    assert.equal(held(pred({ op: 'ends_with', values: ['.exe', '.dll'] }), {}), null);
    // and a value the rule wrote is shown as untrusted text
    assert.equal(held(pred({ op: 'contains', values: ['a\u009b', 'b'], opts: { cs: true } }), { f: 'xa\u009by' }), '"a\\u009b"');
  });
});

describe('a hunt hit shows what the event had', () => {
  const dir = tempDir('detwiki-seen-');
  const rules = path.join(dir, 'rules');
  execFileSync('mkdir', ['-p', rules]);
  writeFileSync(path.join(rules, 'dropper.yml'), [
    'title: Script host started from a download folder', 'id: 3b1f7d2e-5a41-4c1e-9b7a-0c2d4e6f8a10', 'status: test',
    'logsource:', '  category: process_creation', '  product: windows',
    'detection:', '  host:', '    Image|endswith:', "      - '\\wscript.exe'", "      - '\\cscript.exe'", "      - '\\mshta.exe'",
    '  place:', "    CommandLine|contains: '\\Downloads\\'",
    // the same test written twice: listed once, with what the event had
    '  again:', '    Image|endswith:', "      - '\\wscript.exe'", "      - '\\cscript.exe'", "      - '\\mshta.exe'",
    '  condition: host and place and again', 'level: high', '',
  ].join('\n'));
  writeFileSync(path.join(rules, 'user.yml'), [
    'title: "Script host run by \\e[2Jann"', 'id: 7c2e9a40-1f3b-4d5c-8e6f-a0b1c2d3e4f5', 'status: test',
    'logsource:', '  category: process_creation', '  product: windows',
    'detection:', '  sel:', "    Image|endswith: '\\wscript.exe'", "    CommandLine|contains: '.js'", "    User|endswith: '\\ann'",
    '  condition: sel', 'level: low', '',
  ].join('\n'));
  const event = (image: string, cmd: string, user = 'CORP\\ann') => ({ Event: { System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } }, EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational' }, EventData: { Image: image, CommandLine: cmd, User: user } } });
  const longCmd = `wscript.exe C:\\Users\\ann\\Downloads\\invoice.js ${'x'.repeat(400)}`;
  const events = path.join(dir, 'events.jsonl');
  writeFileSync(events, [event('C:\\Windows\\System32\\wscript.exe', 'wscript.exe C:\\Users\\ann\\Downloads\\invoice.js'), event('C:\\Windows\\System32\\notepad.exe', 'notepad.exe C:\\Users\\ann\\Downloads\\a.txt'), event('C:\\Windows\\System32\\wscript.exe', longCmd, 'CORP\u009b2J\\ann')].map((e) => JSON.stringify(e)).join('\n') + '\n');

  it('in the order of the matched predicates, each predicate once, the same on worker threads', async () => {
    const res = await scanSource(sigmaAdapter, rules, { repository: 'test/seen' });
    const runs: Hit[][] = [];
    for (const workers of [0, 2]) {
      const hits: Hit[] = [];
      await hunt(new HuntEngine(res.rules), [events], { workers, onHit: (h) => hits.push(h) });
      runs.push(hits);
    }
    assert.deepEqual(runs[1], runs[0]);
    const hits = runs[0]!;
    assert.deepEqual(hits.map((h) => [h.type, h.rule.title, h.pos.line]), [['hit', 'Script host started from a download folder', 1], ['hit', 'Script host run by \u001b[2Jann', 1], ['hit', 'Script host started from a download folder', 3], ['hit', 'Script host run by \u001b[2Jann', 3]]);
    const at = (h: Hit, field: string) => h.seen![h.matched.findIndex((m) => m.startsWith(`${field} `))];
    // each predicate beside its own value
    const ann = hits[1]!;
    assert.deepEqual(ann.matched.map((m) => m.split(' ')[0]), ['Image', 'CommandLine', 'User']);
    assert.deepEqual(ann.seen, ['"C:\\\\Windows\\\\System32\\\\wscript.exe"', '"wscript.exe C:\\\\Users\\\\ann\\\\Downloads\\\\invoice.js"', '"CORP\\\\ann"']);
    // a test written twice is listed once, and the values stay beside their predicates
    const first = hits[0]!;
    assert.deepEqual(first.matched.map((m) => m.split(' ')[0]), ['Image', 'CommandLine'], first.matched.join('\n'));
    assert.deepEqual(first.seen, ['"C:\\\\Windows\\\\System32\\\\wscript.exe"', '"wscript.exe C:\\\\Users\\\\ann\\\\Downloads\\\\invoice.js"']);
    // which of the three file names held; a predicate of one value names none
    assert.deepEqual(first.held, ['"\\\\wscript.exe"', null]);
    assert.deepEqual(ann.held, [null, null, null]);
    const cut = at(hits[2]!, 'CommandLine')!;
    assert.ok(cut.startsWith('"wscript.exe C:') && cut.endsWith(`x"… (${longCmd.length} characters)`), cut);
  });

  it('on the CLI: beside each predicate of a hit line, and in --jsonl', () => {
    const text = execFileSync(process.execPath, [BIN, 'hunt', events, '--rules', rules, '--workers', '0'], { encoding: 'utf8' });
    // the rule's title carries an escape sequence and the event a C1 one: neither reaches the terminal as it is
    assert.match(text, /Script host run by \\u001b\[2Jann/);
    assert.match(text, /User ends_with "\\\\ann" {3}\(event: "CORP\\u009b2J\\\\ann"\)/);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(text, /[\u001b\u009b]/);
    assert.match(text, /^ {4}CommandLine contains "\\\\Downloads\\\\" {3}\(event: "wscript\.exe C:\\\\Users\\\\ann\\\\Downloads\\\\invoice\.js"\)$/m);
    assert.match(text, /^ {4}Image ends_with \[.*\] {3}\(event: "C:\\\\Windows\\\\System32\\\\wscript\.exe"; held: "\\\\wscript\.exe"\)$/m);
    const lines = execFileSync(process.execPath, [BIN, 'hunt', events, '--rules', rules, '--workers', '0', '--jsonl'], { encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l) as Hit & { type: string });
    const hit = lines.find((l) => l.type === 'hit')!;
    assert.equal(hit.seen?.length, hit.matched.length);
    assert.equal(hit.held?.length, hit.matched.length);
    assert.ok(hit.seen?.includes('"C:\\\\Windows\\\\System32\\\\wscript.exe"'), JSON.stringify(hit));
  });
});

describe('the value that held, on the CLI', () => {
  it('is said beside the event\'s value, once where it is that value', () => {
    const dir = tempDir('detwiki-held-');
    const rules = path.join(dir, 'rules');
    execFileSync('mkdir', ['-p', rules]);
    writeFileSync(path.join(rules, 'ids.yml'), [
      'title: Script host by event id', 'id: 5e0c1a2b-3d4e-4f60-8a1b-2c3d4e5f6a7b', 'status: test',
      'logsource:', '  product: windows', '  service: sysmon',
      'detection:', '  sel:', '    EventID:', '      - 1', '      - 10', '    Image|endswith:', "      - '\\cscript.exe'", "      - '\\WScript.exe'",
      '  condition: sel', 'level: low', '',
    ].join('\n'));
    const events = path.join(dir, 'events.jsonl');
    const sysmon = (image: string) => JSON.stringify({ Event: { System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } }, EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational' }, EventData: { Image: image } } });
    writeFileSync(events, [sysmon('C:\\Windows\\wscript.exe'), sysmon('C:\\Temp\\WSCRIPT.EXE'), sysmon('C:\\Windows\\cscript.exe')].join('\n') + '\n');
    const text = execFileSync(process.execPath, [BIN, 'hunt', events, '--rules', rules, '--workers', '0'], { encoding: 'utf8' });
    assert.match(text, /^ {4}EventID in \[1, 10\] {3}\(event: 1\)$/m);
    assert.match(text, /^ {4}Image ends_with \[.*\] {3}\(event: "C:\\\\Windows\\\\wscript\.exe"; held: "\\\\WScript\.exe"\)$/m);
    const hit = JSON.parse(execFileSync(process.execPath, [BIN, 'hunt', events, '--rules', rules, '--workers', '0', '--jsonl'], { encoding: 'utf8' }).split('\n')[0]!) as Hit;
    assert.deepEqual(hit.held, ['1', '"\\\\WScript.exe"']);
    // the summary: the values that held most often in the rule's hits (the event id's too), with how many hits each held in
    assert.match(text, /^ +3 {2}sigma\/ids {2}Script host by event id {3}held: 1 ×3, "\\\\WScript\.exe" ×2, "\\\\cscript\.exe" ×1$/m);
    const summary = JSON.parse(execFileSync(process.execPath, [BIN, 'hunt', events, '--rules', rules, '--workers', '0', '--json'], { encoding: 'utf8' })) as HuntSummary;
    assert.deepEqual(summary.byRule[0]!.held, [{ value: '1', hits: 3 }, { value: '"\\\\WScript.exe"', hits: 2 }, { value: '"\\\\cscript.exe"', hits: 1 }]);
    // detwiki eval explains the rule's true result the same way
    const evalText = execFileSync(process.execPath, [BIN, 'eval', path.join(rules, 'ids.yml'), events, '--repo', dir, '--format', 'sigma'], { encoding: 'utf8' });
    assert.match(evalText, /^ {2}event 1: true\n {4}EventID in \[1, 10\] {3}\(event: 1\)\n {4}Image ends_with \[.*\] {3}\(event: "C:\\\\Windows\\\\wscript\.exe"; held: "\\\\WScript\.exe"\)$/m);
  });
});

describe('why a condition is false on an event (whyFalse, `detwiki eval`)', () => {
  // selection and not filter, the selection one of two groups
  const cond = and(
    named('selection', or(named('by_image', pred('Image', 'ends_with', ['\\whoami.exe'])), named('by_name', pred('OriginalFileName', 'eq', ['whoami.exe'])))),
    not(named('filter', pred('User', 'contains', ['SYSTEM']))),
  );
  it("names the parts that decided it, with what the event had there and their group's name", () => {
    const miss = whyFalse(cond, { Image: 'C:\\notepad.exe', User: 'bob' });
    assert.deepEqual(miss.parts, [
      { text: 'Image ends_with "\\\\whoami.exe"', seen: '"C:\\\\notepad.exe"', group: 'by_image' },
      { text: 'OriginalFileName eq "whoami.exe"', seen: 'missing', group: 'by_name' },
    ]);
    // the selection holds, the filter too: the exclusion is named, with the value it held on
    const excluded = whyFalse(cond, { Image: 'C:\\whoami.exe', User: 'NT AUTHORITY\\SYSTEM' });
    assert.deepEqual(excluded.parts, [{ text: 'not (User contains "SYSTEM")', seen: '"NT AUTHORITY\\\\SYSTEM"', excluded: true, group: 'filter' }]);
  });
  it('is empty when the condition is true or unknown, and lists at most max parts, counting the rest', () => {
    assert.deepEqual(whyFalse(cond, { Image: 'C:\\whoami.exe', User: 'bob' }), { parts: [], more: 0 });
    const many = or(...Array.from({ length: 5 }, (_, i) => pred(`f${i}`, 'eq', [i])));
    const r = whyFalse(many, {}, undefined, 3);
    assert.deepEqual([r.parts.map((p) => p.text), r.more], [['f0 eq 0', 'f1 eq 1', 'f2 eq 2'], 2]);
  });
  it('detwiki eval lists them under a false result', () => {
    const dir = tempDir('detwiki-whyfalse-');
    const rule = path.join(dir, 'whoami.yml');
    writeFileSync(rule, ['title: Whoami', 'logsource:', '  category: process_creation', '  product: windows', 'detection:', '  selection:', "    Image|endswith: '\\whoami.exe'", '  filter:', "    User|contains: 'SYSTEM'", '  condition: selection and not filter', ''].join('\n'));
    const events = path.join(dir, 'events.jsonl');
    writeFileSync(events, [{ Image: 'C:\\calc.exe' }, { Image: 'C:\\whoami.exe', User: 'SYSTEM' }, { Image: 'C:\\whoami.exe' }].map((e) => JSON.stringify(e)).join('\n'));
    const out = execFileSync(process.execPath, [BIN, 'eval', rule, events, '--format', 'sigma'], { encoding: 'utf8' });
    assert.match(out, /event 1: false\n    failed in selection: Image ends_with "\\\\whoami\.exe"   \(event: "C:\\\\calc\.exe"\)\n/);
    assert.match(out, /event 2: false\n    excluded by filter: not \(User contains "SYSTEM"\)   \(event: "SYSTEM"\)\n/);
    assert.match(out, /event 3: true\n/);
    const json = JSON.parse(execFileSync(process.execPath, [BIN, 'eval', rule, events, '--format', 'sigma', '--json'], { encoding: 'utf8' }));
    assert.deepEqual(json[0].failed.map((f: { parts: unknown[] } | null) => f?.parts.length ?? null), [1, 1, null]);
  });
});

describe('rule texts on the terminal', () => {
  it('convert: a line break in a title stays inside the SQL comment; show: an escape sequence is text', () => {
    const dir = tempDir('detwiki-title-');
    const file = path.join(dir, 'evil.yml');
    writeFileSync(file, [
      'title: "Whoami\\nDROP TABLE events; --"', 'id: 0d9a4c1e-2b3f-4a5d-8e7f-90a1b2c3d4e5', 'status: test', 'description: "Clears the screen \\e[2J here, and \\x9b2J there"',
      'logsource:', '  category: process_creation', '  product: windows',
      'detection:', '  sel:', '    Image|endswith:', "      - '\\whoami.exe'", '      - "\\\\who\\e[2Jami.exe"', '  condition: sel', 'level: low', '',
    ].join('\n'));
    const sql = execFileSync(process.execPath, [BIN, 'convert', file, '--to', 'duckdb'], { encoding: 'utf8' });
    assert.match(sql, /^-- .*: Whoami\\u000aDROP TABLE events; -- \(sigma, /m);
    assert.doesNotMatch(sql, /^DROP TABLE/m);
    // a value's escape sequence is in the SQL as chr(27), not as the character
    assert.ok(sql.includes("('\\who' || chr(27) || '[2jami.exe')"), sql);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(sql, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    // --json: the same text to a JSON reader, nothing raw that a terminal acts on (JSON.stringify leaves C1 controls)
    const json = execFileSync(process.execPath, [BIN, 'show', file, '--json'], { encoding: 'utf8' });
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(json, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    assert.equal((JSON.parse(json) as { description: string }).description, 'Clears the screen \u001b[2J here, and \u009b2J there');
    // show: the page keeps its lines, and the description's escape sequence is written as text
    const page = execFileSync(process.execPath, [BIN, 'show', file], { encoding: 'utf8' });
    assert.match(page, /Clears the screen \\u001b\[2J here/);
    assert.ok(page.split('\n').length > 5, page);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(page, /\u001b/);
  });
});
