/**
 * The hunt's literal prefilter never drops a rule that matches: the engine with the prefilter gives exactly what it
 * gives without it (every rule evaluated on every event) on an invented rule and event set made to hit each key
 * kind (equality, numbers, path suffixes, substrings, `contains[all]`, OR of ANDs, NOT, lists, non-ASCII text, keys
 * across list elements, values over the regex bound); the substring set agrees with `includes`; the Sigma resolver's
 * per-event index answers as the resolver does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSigmaTexts } from '../src/formats/sigma/build.ts';
import { resolveSigmaField } from '../src/formats/sigma/resolve.ts';
import { HuntEngine } from '../src/hunt/engine.ts';
import { prefilterRequirement, requirementCut, withoutComputedKeys, type PrefilterKey } from '../src/hunt/prefilter.ts';
import { SubstringSet } from '../src/hunt/substrings.ts';
import { norm } from '../src/model/compile.ts';
import { and, not, opaque, or, pred, type Expr } from '../src/model/expr.ts';
import type { RuleRecord } from '../src/model/rule.ts';

const rule = (id: string, e: Expr): RuleRecord =>
  ({ id, format: 'sigma', title: id, logSources: [], attack: [], attackDeclared: [], facts: {}, tests: [], logic: { condition: e, completeness: 'complete', stages: [], missing: [], exclusions: [], indicators: [], outputFields: [], eventKeys: [] } }) as unknown as RuleRecord;

const RULES: RuleRecord[] = [
  rule('eq', pred('Image', 'eq', ['C:\\Windows\\System32\\cmd.exe'], { cs: false })),
  rule('num', pred('EventID', 'in', [4688, '1'])),
  rule('suffix', and(pred('Image', 'ends_with', ['\\rundll32.exe']), pred('CommandLine', 'contains', ['.dll,']))),
  rule('all', pred('CommandLine', 'contains', ['sekurlsa', 'logonpasswords'], { match: 'all' })),
  rule('or-of-ands', or(and(pred('ParentImage', 'ends_with', ['\\winword.exe']), pred('Image', 'ends_with', ['\\powershell.exe'])), and(pred('Image', 'ends_with', ['\\mshta.exe']), pred('CommandLine', 'contains', ['http'])))),
  rule('not', and(pred('Image', 'ends_with', ['\\net.exe']), not(pred('CommandLine', 'contains', ['/domain'])))),
  rule('glob', pred('CommandLine', 'wildcard', ['*\\\\appdata\\\\*.ps1*'])),
  rule('regex', pred('CommandLine', 'regex', ['invoke-(web|rest)request\\s+http'], { cs: false })),
  rule('list', pred('Tags', 'contains', ['ab-cd'])),
  rule('unicode', pred('Text', 'contains', ['ǅx', 'straße'])),
  rule('starts', and(pred('User', 'starts_with', ['NT AUTHORITY\\']), pred('LogonType', 'eq', ['3']))),
  rule('kelvin', pred('Text', 'contains', ['kelvin'])),
  rule('short', pred('CommandLine', 'contains', [' /c', '-e '])),
  rule('never', and(pred('a', 'eq', ['x']), { kind: 'const', value: false })),
  // a reading's shape: the event kinds it has a mapping for, and an opaque branch for the others (a NOT of a numeric
  // equality needs none of its keys: \`none\`)
  rule('guarded', or(and(pred('EventID', 'in', [1]), pred('Image', 'ends_with', ['\\cmd.exe'])), and(not(pred('EventID', 'in', [1, 10])), opaque('kind', 'a kind without a mapping')))),
  rule('guarded-strict', and(not(pred('EventID', 'in', [1], { typing: 'strict' })), opaque('x', 'y'))),
  // a derived operand that is a part of the field's text (a file name as `extract`): the field contains its literal
  rule('derived-base', { ...pred('Image', 'wildcard', ['cmd.exe', 'pwsh*.exe'], { cs: false }), derived: { steps: [{ fn: 'extract', args: ['[^\\\\/]*$', 0] }], lang: 'kql' } } as Expr),
  rule('derived-lower', { ...pred('CommandLine', 'contains', ['whoami']), derived: { steps: [{ fn: 'lower' }, { fn: 'trim' }], lang: 'kql' } } as Expr),
  // derived operands that are not a part of the field's text: the scan computes them (`xsub`). A stream name removed
  // (Splunk's Sysmon reading) joins the text around it; a command line's arguments drop their quotes; `elements`
  // gives several values; a pattern RE2 cannot run makes the operand unknown
  rule('derived-ads', { ...pred('TargetFilename', 'wildcard', ['*\\screenconnect\\app_extensions\\*'], { wildcard: 'plain', cs: false }), derived: { steps: [{ fn: 'replace', args: [':[\\w. ]+', '', 'regex'] }], lang: 'eql' } } as Expr),
  rule('derived-argv', { ...pred('CommandLine', 'wildcard', ['*.ost', '*.pst'], { wildcard: 'plain' }), derived: { steps: [{ fn: 'argv' }], lang: 'eql' } } as Expr),
  rule('derived-spread', { ...pred('CommandLine', 'eq', ['whoami'], { cs: false }), derived: { steps: [{ fn: 'split', args: [' '] }, { fn: 'elements' }], lang: 'kql' } } as Expr),
  // SQL-style nulls (MQL): the predicate is unknown on a missing operand, so a missing one offers every key
  rule('derived-nulls', { ...pred('Subject', 'contains', ['invoice'], { nulls: 'propagate' }), derived: { steps: [{ fn: 'replace', args: ['\\s+', ' ', 'regex'] }], lang: 'eql' } } as Expr),
  rule('derived-unknown', { ...pred('TargetFilename', 'contains', ['evil']), derived: { steps: [{ fn: 'replace', args: ['(?<=x)y', '', 'regex'] }], lang: 'eql' } } as Expr),
];

const long = 'x'.repeat(70_000);
const EVENTS: unknown[] = [
  { Image: 'c:\\windows\\system32\\CMD.EXE', CommandLine: 'cmd /c whoami', EventID: 1 },
  { Image: 'C:\\Windows\\System32\\rundll32.exe', CommandLine: 'rundll32 a.DLL,Entry', EventID: '4688' },
  { Image: 'C:\\Windows\\System32\\rundll32.exe', CommandLine: 'rundll32 a.dll Entry' },
  { CommandLine: 'mimikatz SEKURLSA::LogonPasswords exit' },
  { CommandLine: 'mimikatz sekurlsa::tickets' },
  { ParentImage: 'C:\\Office\\WINWORD.EXE', Image: 'C:\\ps\\powershell.exe' },
  { ParentImage: 'C:\\Office\\WINWORD.EXE', Image: 'C:\\Windows\\mshta.exe', CommandLine: 'mshta HTTP://x' },
  { Image: 'C:\\Windows\\mshta.exe', CommandLine: 'mshta file.hta' },
  { Image: 'C:\\Windows\\net.exe', CommandLine: 'net user' },
  { Image: 'C:\\Windows\\net.exe', CommandLine: 'net user /domain' },
  { CommandLine: 'powershell C:\\Users\\a\\AppData\\Local\\x.PS1 -e ' },
  { CommandLine: 'Invoke-WebRequest   http://a' },
  { CommandLine: long },
  { CommandLine: `${long} invoke-webrequest http://a` },
  { Tags: ['zz', 'AB-CD'] },
  { Tags: ['ab', '-cd'] },
  { Tags: ['ab-', 'cd'] },
  { Text: 'ǄX and STRASSE' },
  { Text: 'Ǆx and STRAßE' },
  { Text: 'ǅX' },
  { Text: '\u212Aelvin scale' },
  { User: 'nt authority\\system', LogonType: 3 },
  { User: 'NT AUTHORITY\\SYSTEM', LogonType: '3' },
  { User: 'NT AUTHORITY\\SYSTEM', LogonType: '03' },
  { CommandLine: 42, Image: null, Tags: 'ab-cd' },
  { CommandLine: ['cmd /c x', { a: 1 }], Image: ['C:\\x\\net.exe'] },
  { a: 'x' },
  {},
  { EventID: 10, Image: 'C:\\x\\cmd.exe' },
  { EventID: '0x1', Image: 'C:\\x\\CMD.exe' },
  { EventID: ' 10 ' },
  { EventID: true },
  { EventID: false },
  { EventID: [5, 10] },
  { EventID: [5, 6] },
  { EventID: 5 },
  { EventID: 1.5 },
  { EventID: { a: 1 } },
  { EventID: '1'.padStart(70_000, ' ') },
  { Image: ['C:\\x\\cmd.exe'] },
  { Image: { path: 'C:\\x\\cmd.exe' } },
  { Image: 'C:\\x\\PWSH7.EXE', CommandLine: '  WHOAMI /all  ' },
  { Image: 'C:\\cmd.exe\\x.exe', CommandLine: true },
  { Image: 7, CommandLine: ['whoami'] },
  { TargetFilename: 'C:\\Users\\a\\ScreenConnect:Zone.Identifier\\App_Extensions\\x.aspx' },
  { TargetFilename: 'C:\\Users\\a\\ScreenConnect\\App_Extensions\\x.aspx:evil' },
  { TargetFilename: 'C:\\Users\\a\\ScreenConnect\\Other\\x.aspx' },
  { TargetFilename: ['C:\\ScreenConnect\\App_Extensions\\', 'x'] },
  { CommandLine: 'copy "C:\\mail\\box.o"st D:\\' },
  { CommandLine: 'copy C:\\mail\\box.ost.bak D:\\' },
  { CommandLine: 'copy C:\\mail\\BOX.PST' },
  { CommandLine: 'cmd /c WhoAmI' },
  { Subject: 'Your   Invoice' },
];

describe('hunt prefilter (invented rules and events)', () => {
  it('the engine with the prefilter gives exactly what it gives without it', () => {
    const run = (noPrefilter: boolean) => {
      const engine = new HuntEngine(RULES, { all: true, noPrefilter });
      return EVENTS.map((ev) => engine.run(ev).results.map((r) => `${r.rule.rule.id}=${String(r.truth)}`).join(' '));
    };
    const want = run(true);
    assert.deepEqual(run(false), want);
    // the set is not trivial: most rules fire somewhere, and the prefilter skips most pairs
    const fired = new Set(want.flatMap((l) => l.split(' ').filter(Boolean).map((x) => x.split('=')[0])));
    assert.ok(fired.size >= 11, [...fired].join(','));
    const engine = new HuntEngine(RULES, { all: true });
    for (const ev of EVENTS) engine.run(ev);
    assert.ok(engine.stats.evaluations < (RULES.length * EVENTS.length) / 3, `${engine.stats.evaluations} evaluations`);
  });

  it('a requirement needs every value of contains[all] and one branch of an OR; its cut is one of them', () => {
    const r = prefilterRequirement(RULES.find((x) => x.id === 'all')!.logic.condition!)!;
    assert.deepEqual(r, { all: [{ any: [{ field: 'CommandLine', kind: 'sub', value: 'sekurlsa' }] }, { any: [{ field: 'CommandLine', kind: 'sub', value: 'logonpasswords' }] }] });
    assert.deepEqual(requirementCut(r, (k) => -k.value.length)!.keys, [{ field: 'CommandLine', kind: 'sub', value: 'logonpasswords' }]);
    assert.equal(prefilterRequirement(RULES.find((x) => x.id === 'not')!.logic.condition!) !== undefined, true);
    assert.equal(prefilterRequirement(not(pred('a', 'eq', ['x']))), undefined);
    assert.equal(prefilterRequirement(or(pred('a', 'eq', ['x']), not(pred('b', 'eq', ['y'])))), undefined);
  });

  it('a NOT of a loosely typed numeric equality needs none of its keys; its requirement has no cut', () => {
    const r = prefilterRequirement(RULES.find((x) => x.id === 'guarded')!.logic.condition!)!;
    assert.deepEqual(r, {
      either: [
        { all: [{ any: [{ field: 'EventID', kind: 'eq', value: '#1' }] }, { any: [{ field: 'Image', kind: 'base\\', value: 'cmd.exe' }] }] },
        { all: [{ none: [{ field: 'EventID', kind: 'num', value: '#1' }, { field: 'EventID', kind: 'num', value: '#10' }] }] },
      ],
    });
    assert.equal(requirementCut(r, () => 1), undefined);
    // strings, strict typing and transforms are not decided by their keys: nothing needed
    assert.equal(prefilterRequirement(not(pred('EventID', 'in', ['1']))), undefined);
    assert.equal(prefilterRequirement(RULES.find((x) => x.id === 'guarded-strict')!.logic.condition!), undefined);
    // on a set of events of the mapped kinds, the guarded rule is evaluated only where a branch can hold
    const engine = new HuntEngine([RULES.find((x) => x.id === 'guarded')!], { all: true });
    for (let i = 0; i < 10; i++) engine.run({ EventID: 1, Image: 'C:\\x\\notepad.exe' });
    assert.equal(engine.stats.evaluations, 0);
    assert.equal(engine.run({ EventID: 7 }).results[0]?.truth, 'unknown');
  });

  it('a derived operand that is a part of the field keys a substring of the field; other derivations key the operand the scan computes', () => {
    assert.deepEqual(prefilterRequirement(RULES.find((x) => x.id === 'derived-base')!.logic.condition!), { any: [{ field: 'Image', kind: 'dsub', value: 'cmd.exe' }, { field: 'Image', kind: 'dsub', value: 'pwsh' }] });
    const cond = RULES.find((x) => x.id === 'derived-base')!.logic.condition! as Extract<Expr, { kind: 'pred' }>;
    for (const derived of [{ ...cond.derived!, onError: 'unknown' as const }, { steps: [{ fn: 'replace' as const, args: ['a', 'b'] }] }, { steps: [{ fn: 'argv' as const }] }, { steps: [{ fn: 'extract' as const, args: ['(?<=x)y', 0] }] }]) {
      const r = prefilterRequirement({ ...cond, derived } as Expr) as { any: PrefilterKey[] };
      assert.deepEqual(r.any.map((k) => [k.kind, k.value, k.operand?.derived]), [['xsub', 'cmd.exe', derived], ['xsub', 'pwsh', derived]], JSON.stringify(derived));
    }
    // a derived numeric equality keys nothing
    assert.equal(prefilterRequirement({ ...pred('x', 'eq', ['10']), derived: { steps: [{ fn: 'trim' }], lang: 'kql' } } as Expr), undefined);
    // an `xsub` key is checked only as a trigger: the rest of the requirement is checked after it
    const both = and(pred('Image', 'ends_with', ['\\outlook.exe']), RULES.find((x) => x.id === 'derived-argv')!.logic.condition!);
    const req = prefilterRequirement(both)!;
    assert.deepEqual(withoutComputedKeys(req), { any: [{ field: 'Image', kind: 'base\\', value: 'outlook.exe' }] });
    assert.equal(withoutComputedKeys(prefilterRequirement(or(pred('a', 'eq', ['x']), RULES.find((x) => x.id === 'derived-ads')!.logic.condition!))!), undefined);
    // each derived rule is evaluated only where its operand holds the literal, or is not a string (unknown, a list of
    // paths); an event without the field offers none (the predicates are false on a missing operand)
    const engine = new HuntEngine(RULES.filter((x) => x.id.startsWith('derived-') && x.id !== 'derived-unknown' && x.id !== 'derived-nulls'), { all: true });
    const out = EVENTS.slice(-9, -1).map((ev) => engine.run(ev).results.map((x) => x.rule.rule.id).join(','));
    assert.deepEqual(out, ['derived-ads', 'derived-ads', '', '', 'derived-argv', '', 'derived-argv', 'derived-lower,derived-spread']);
    // the six hits, and the rule over a list of paths (a `replace` of a list: not scanned)
    assert.equal(engine.stats.evaluations, 7);
  });

  it("a rule's trigger is chosen by its own log sources' rules: the same whichever events come first, and only those rules' requirements are made", () => {
    // `r` needs both keys; which is its trigger depends on how many rules need each. Counted over every rule (the Okta
    // rules test `requestParameters.name` too) `eventName` would be the rarer; over CloudTrail's rules it is the other
    const sigma = (id: string, logsource: string, sel: string): string =>
      `title: ${id}\nid: ${id}\nlogsource:\n${logsource}\ndetection:\n    selection:\n${sel}\n    condition: selection\n`;
    const ct = '    product: aws\n    service: cloudtrail';
    const okta = '    product: okta\n    service: okta';
    const texts: Record<string, string> = { 'rules/r.yml': sigma('r', ct, '        eventName: DeleteTrail\n        requestParameters.name: audit') };
    for (let i = 0; i < 3; i++) texts[`rules/ct${i}.yml`] = sigma(`ct${i}`, ct, `        eventName: DeleteTrail\n        userAgent: agent-${i}`);
    for (let i = 0; i < 5; i++) texts[`rules/okta${i}.yml`] = sigma(`okta${i}`, okta, `        requestParameters.name: audit\n        displayMessage: message ${i}`);
    const rules = [...buildSigmaTexts(texts).results.values()].flatMap((r) => r.rules);
    assert.equal(rules.length, 9);
    const ctEvent = { eventVersion: '1.08', eventSource: 'cloudtrail.amazonaws.com', eventName: 'DeleteTrail', awsRegion: 'us-east-1', userIdentity: { type: 'IAMUser' }, requestParameters: { name: 'audit' }, userAgent: 'cli', eventID: 'e1', eventType: 'AwsApiCall' };
    const oktaEvent = { uuid: 'u1', published: '2026-11-30T10:00:00Z', eventType: 'user.session.start', displayMessage: 'message 1', actor: { id: 'a', type: 'User' }, outcome: { result: 'SUCCESS' }, requestParameters: { name: 'audit' } };
    const runs = [[ctEvent], [oktaEvent, ctEvent]].map((events) => {
      const engine = new HuntEngine(rules);
      const fired = events.map((ev) => engine.run(ev).results.map((x) => x.rule.rule.title).join(','));
      const made = engine.stats.requirements;
      const r = engine.rules.find((x) => x.rule.title === 'r')!;
      return { fired, made, trigger: engine.triggerKeys(r) };
    });
    assert.deepEqual(runs[0]!.fired, ['r']);
    assert.deepEqual(runs[1]!.fired, ['okta1', 'r']);
    assert.deepEqual(runs[0]!.trigger, ['eq requestParameters.name audit']);
    assert.deepEqual(runs[1]!.trigger, runs[0]!.trigger);
    // a hunt of CloudTrail events made the requirements of CloudTrail's four rules only
    assert.equal(runs[0]!.made, 4);
    assert.equal(runs[1]!.made, 9);
  });
});

describe('substring set', () => {
  it('finds exactly the keys that occur, short and long, shared grams and repeats', () => {
    const keys = ['ab', '-e ', 'abcd', 'bcde', 'sekurlsa::', 'c:\\windows\\', 'windows', 'dows\\sys', 'ß', 'straße', 'xyzw', 'abcdabcd'];
    const set = new SubstringSet(keys);
    const texts = ['', 'abcde', 'c:\\windows\\system32\\cmd.exe -e x', 'sekurlsa::logonpasswords', 'straße', 'abcdabcdabcd', 'xyz', 'wxyzw'];
    for (const t of texts) {
      const got = [...new Set(set.collect(t, []))].sort((a, b) => a - b);
      const want = keys.flatMap((k, i) => (t.includes(k) ? [i] : []));
      assert.deepEqual(got, want, t);
    }
  });

  it('finds keys longer than a gram offset can say (64K characters), in a sampled set and in a gram set', () => {
    let seed = 11;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const huge = Array.from({ length: 70_000 }, () => 'abcdefghij'[rnd(10)]).join('');
    // a key's only rare grams past offset 65,535: the gram set must choose one before it
    const tail = huge.slice(0, 66_000) + 'xyzq';
    for (const keys of [[huge, tail], [huge, tail, huge.slice(5, 20)], [huge, tail, 'zz']]) {
      const set = new SubstringSet(keys);
      for (const t of [`--${huge}--`, `${tail}!`, huge.slice(3, 40), huge.slice(1)]) {
        const want = keys.flatMap((k, j) => (t.includes(k) ? [j] : []));
        assert.deepEqual([...new Set(set.collect(t, []))].sort((a, b) => a - b), want);
      }
    }
  });

  for (const [label, count, alphabet, minLen] of [['a small set (one automaton)', 300, 'abc\\. é', 1], ['a large set (grams)', 6000, 'abcdefghijklmnop\\. é-ß', 1], ['long keys only (sampled grams)', 200, 'abc\\. é', 6], ['long keys only, large (sampled grams)', 3000, 'abcdefgh\\. é-ß', 9]] as const) {
    it(`agrees with includes on generated keys and texts: ${label}`, () => {
      let seed = 7;
      const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
      const word = (n: number) => Array.from({ length: n }, () => alphabet[rnd(alphabet.length)]).join('');
      const keys = [...new Set(Array.from({ length: count }, () => word(minLen + rnd(12))))];
      const set = new SubstringSet(keys);
      for (let i = 0; i < 300; i++) {
        // texts of the keys' own pieces as well, so that long keys occur
        const t = i % 2 ? word(rnd(80)) : Array.from({ length: 1 + rnd(4) }, () => (rnd(2) ? keys[rnd(keys.length)]! : word(rnd(10)))).join('');
        const want = keys.flatMap((k, j) => (t.includes(k) ? [j] : []));
        assert.deepEqual([...new Set(set.collect(t, []))].sort((a, b) => a - b), want, t);
        const upper = t.toUpperCase();
        assert.deepEqual([...new Set(set.collectText(upper, undefined, []))].sort((a, b) => a - b), keys.flatMap((k, j) => (norm(upper).includes(k) ? [j] : [])), upper);
      }
    });
  }
});

describe('Sigma resolver per event', () => {
  it('answers as resolveSigmaField on Windows events (EventData, spaces, Data items, UserData, System attributes)', () => {
    const ev = {
      Event: {
        System: { Provider: { '#attributes': { Name: 'P' } }, EventID: { '#text': 4104 }, Channel: 'C', Security: { '@UserID': 'S-1-5-18' }, Foo_Bar: 'fb' },
        EventData: { Image: 'C:\\a.exe', 'Source Name': 'sn', Data: [{ '#attributes': { Name: 'Target Name' }, '#text': 'tn' }, { '@Name': 'Image', '#text': 'shadowed' }, { Name: 'Plain', value: 'v' }, { '@Name': 'Empty' }] },
        UserData: { X: { Param: 'p', Image: 'no' } },
      },
    };
    const fields = ['Image', 'SourceName', 'Source Name', 'TargetName', 'Target Name', 'Plain', 'Empty', 'Param', 'EventID', 'Channel', 'Provider_Name', 'Security_UserID', 'Foo_Bar', 'Foo', 'Missing', 'Event.System.Channel', '_keywords', 'Data'];
    const per = resolveSigmaField.perEvent!(ev);
    for (const f of fields) assert.deepEqual(per(f), resolveSigmaField(ev, f), f);
    // EventData without Data items or spaces and no UserData: System answers alone (its keys, then attributes)
    const simple = {
      Event: {
        System: { Provider: { '#attributes': { Name: 'P', Guid: '{g}' } }, EventID: 1, Channel: 'C', Security: { '@UserID': 'S-1-5-18' }, Execution: { '#attributes': { ProcessID: 4 }, '@ThreadID': 8 }, Foo_Bar: 'fb', Foo: { '#attributes': { Bar: 'shadowed' } }, TimeCreated: { '#text': 't', '#attributes': { SystemTime: 's' } }, Odd: { '#attributes': { Name: undefined } } },
        EventData: { Image: 'C:\\a.exe', CommandLine: 'a b' },
      },
    };
    const simpleFields = ['Image', 'CommandLine', 'Provider_Name', 'Provider_Guid', 'Provider_Missing', 'Provider', 'EventID', 'Channel', 'Security_UserID', 'Execution_ProcessID', 'Execution_ThreadID', 'Foo_Bar', 'Foo', 'TimeCreated', 'TimeCreated_SystemTime', 'Odd_Name', 'EventID_x', '_Name', 'Missing', 'Missing_Name', 'toString', 'constructor_name', 'Event.System.Channel', '_keywords'];
    const perSimple = resolveSigmaField.perEvent!(simple);
    for (const f of simpleFields) assert.deepEqual(perSimple(f), resolveSigmaField(simple, f), f);
    assert.equal(perSimple('Provider_Name'), 'P');
    assert.equal(perSimple('Foo_Bar'), 'fb');
    const flat = { Image: 'x', EventID: 1 };
    const perFlat = resolveSigmaField.perEvent!(flat);
    for (const f of ['Image', 'EventID', 'Missing']) assert.deepEqual(perFlat(f), resolveSigmaField(flat, f), f);
  });

  it('the keyword text is lower-cased as a whole as each value is (norm of a join = join of norms)', () => {
    const vals = ['ΣΑΣ', 'İx', 'ABC', 'ſ', 'Ꮶ'];
    assert.equal(norm(vals.join('\n')), vals.map(norm).join('\n'));
  });
});
