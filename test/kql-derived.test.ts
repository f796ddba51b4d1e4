/**
 * KQL derived columns (issue 19): columns made by extend / parse / parse-where from a field and then filtered are
 * predicates on a transform chain. Golden pairs under test/fixtures/kusto/derived (one per derived form), and
 * evaluation on events (a derived value that matches, one that does not, a parse or extract that fails), by the
 * reference evaluator and the compiled one, which must agree.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { jsonPathKeys, trimCharacters } from '../src/formats/kusto/derived.ts';
import { compile, runCompiled } from '../src/model/compile.ts';
import { evaluate, resolveDotted } from '../src/model/evaluate.ts';
import { evaluateSides, renderSides } from '../src/model/multiEvent.ts';
import { renderExpr } from '../src/model/render.ts';
import { leaves } from '../src/model/expr.ts';
import type { Logic } from '../src/model/rule.ts';
import { kqlLogic } from './helpers/kql.ts';
import { assertGolden, fixture } from './helpers/golden.ts';

const logicOf = kqlLogic;

function describeLogic(L: Logic): string {
  const out = [`completeness: ${L.completeness}`, `condition: ${L.condition ? renderExpr(L.condition) : '(none)'}`];
  // what renderExpr does not show: the value a missing field takes (column_ifexists)
  if (L.condition) for (const l of leaves(L.condition)) if (l.kind === 'pred' && l.opts?.missingAs !== undefined) out.push(`missing ${l.field} is ${JSON.stringify(l.opts.missingAs)}`);
  for (const i of L.indicators) out.push(`indicator: ${i.chain ?? i.field} ${i.op} ${JSON.stringify(i.values)}`);
  if (L.aggregation?.sides) for (const l of renderSides(L.aggregation.sides)) out.push(`side: ${l}`);
  for (const m of L.missing) out.push(`missing ${m.kind}: ${m.text.replace(/\s+/g, ' ').slice(0, 120)} — ${m.reason}`);
  return out.join('\n');
}

describe('KQL derived columns: golden pairs', () => {
  const dir = fixture('kusto', 'derived');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.kql'))) {
    it(f, () => {
      const L = logicOf(readFileSync(`${dir}/${f}`, 'utf8'), f);
      assertGolden(`${dir}/${f.replace(/\.kql$/, '.expected.txt')}`, describeLogic(L));
    });
  }
});

/** The rule's condition on one event, checked against the compiled form. */
function on(q: string) {
  const L = logicOf(q);
  assert.equal(L.completeness, 'complete', `${q} is complete: ${L.missing.map((m) => m.reason).join('; ')}`);
  const cond = L.condition!;
  const compiled = compile(cond);
  return (event: unknown) => {
    const r = evaluate(cond, event);
    assert.equal(runCompiled(compiled, event, resolveDotted), r, `compiled and evaluated differ on ${JSON.stringify(event)}`);
    return r;
  };
}

describe('KQL derived columns: evaluation on events', () => {
  it('extend tolower: a match, a miss, a comparison with a mixed-case value never holds', () => {
    const ev = on('T | extend cmd = tolower(Cmd) | where cmd has "invoke-webrequest"');
    assert.equal(ev({ Cmd: 'powershell Invoke-WebRequest http://x' }), true);
    assert.equal(ev({ Cmd: 'powershell Get-Date' }), false);
    const mixed = on('T | extend cmd = tolower(Cmd) | where cmd == "Invoke"');
    assert.equal(mixed({ Cmd: 'Invoke' }), false);
    assert.equal(mixed({ Cmd: 'invoke' }), false);
  });

  it('parse (simple): a capture that matches, one that does not, a parse that fails (string column "")', () => {
    const root = on('T | parse Msg with * "user=" User " " * | where User == "root"');
    assert.equal(root({ Msg: 'login user=root from 10.0.0.1' }), true);
    assert.equal(root({ Msg: 'login user=alice from 10.0.0.1' }), false);
    assert.equal(root({ Msg: 'no user here' }), false);
    assert.equal(root({}), false);
    const empty = on('T | parse Msg with * "user=" User " " * | where isempty(User)');
    assert.equal(empty({ Msg: 'no user here' }), true);
    assert.equal(empty({ Msg: 'login user=bob from x' }), false);
    const notRoot = on('T | parse Msg with * "user=" User " " * | where User != "root"');
    assert.equal(notRoot({ Msg: 'no user here' }), true, 'a failed parse leaves "" in a string column, which is not "root"');
    const blank = on('T | parse Msg with * "user=" User " " * | where User == ""');
    assert.equal(blank({ Msg: 'no user here' }), true, 'KQL has no null string: the column is ""');
  });

  it('parse (simple) with a typed column: a failed parse is null', () => {
    const ev = on('T | parse Msg with "bytes=" N:long " " * | where N > 100');
    assert.equal(ev({ Msg: 'bytes=2048 sent' }), true);
    assert.equal(ev({ Msg: 'bytes=12 sent' }), false);
    assert.equal(ev({ Msg: 'bytes=many sent' }), false);
    const isnull = on('T | parse Msg with "bytes=" N:long " " * | where isnull(N)');
    assert.equal(isnull({ Msg: 'bytes=many sent' }), true);
    assert.equal(isnull({ Msg: 'bytes=1 sent' }), false);
  });

  it('parse kind=regex with flags=i', () => {
    const ev = on('T | parse kind=regex flags=i Line with @"method=" M @"\\s+path=" P @"\\s" * | where M == "PUT"');
    assert.equal(ev({ Line: 'METHOD=PUT  path=/a x' }), true);
    assert.equal(ev({ Line: 'method=GET path=/a x' }), false);
    assert.equal(ev({ Line: 'garbage' }), false);
  });

  it('parse-where: rows that do not match the pattern are dropped', () => {
    const ev = on('T | parse-where Msg with "login " Who " from " Ip | where Who != "svc"');
    assert.equal(ev({ Msg: 'login bob from 1.2.3.4' }), true);
    assert.equal(ev({ Msg: 'login svc from 1.2.3.4' }), false);
    assert.equal(ev({ Msg: 'logout bob' }), false, 'the parse fails: the row is dropped although "" != "svc"');
  });

  it('extract: typed and untyped, no match', () => {
    const ev = on('T | extend b = extract(@"bytes=(\\d+)", 1, D, typeof(long)) | where b > 1000');
    assert.equal(ev({ D: 'x bytes=5000 y' }), true);
    assert.equal(ev({ D: 'x bytes=50 y' }), false);
    assert.equal(ev({ D: 'nothing' }), false);
    const some = on('T | extend u = extract("user=(\\\\w+)", 1, D) | where isnotempty(u)');
    assert.equal(some({ D: 'user=bob' }), true);
    assert.equal(some({ D: 'anonymous' }), false);
    assert.equal(some({}), false);
  });

  it('split index (negative from the end) and strcat', () => {
    const ev = on('T | extend img = tostring(split(P, @"\\")[-1]) | where img =~ "RUNDLL32.exe"');
    assert.equal(ev({ P: 'C:\\Windows\\System32\\rundll32.exe' }), true);
    assert.equal(ev({ P: 'C:\\Windows\\System32\\cmd.exe' }), false);
    const port = on('T | extend p = tostring(split(Endpoint, ":", 1)[0]) | where p == "8443"');
    assert.equal(port({ Endpoint: '10.0.0.1:8443' }), true);
    assert.equal(port({ Endpoint: '10.0.0.1' }), false, 'out of range: null');
    const acct = on('T | extend a = strcat(Dom, "\\\\", User) | where a =~ "corp\\\\admin"');
    assert.equal(acct({ Dom: 'CORP', User: 'Admin' }), true);
    assert.equal(acct({ Dom: 'CORP', User: 'bob' }), false);
    assert.equal(acct({ User: 'admin' }), false);
  });

  it('a JSON text inside a string field', () => {
    const ev = on('T | extend level = extract_json("$.event.level", Payload) | where level == "critical"');
    assert.equal(ev({ Payload: '{"event":{"level":"critical"}}' }), true);
    assert.equal(ev({ Payload: '{"event":{"level":"info"}}' }), false);
    assert.equal(ev({ Payload: 'not json' }), false);
    const owner = on('T | extend o = parse_json(tostring(extract(@"meta=(\\{.*\\})", 1, M))).owner | where o == "root"');
    assert.equal(owner({ M: 'x meta={"owner":"root"}' }), true);
    assert.equal(owner({ M: 'x meta={"owner":"bob"}' }), false);
    assert.equal(owner({ M: 'x meta=none' }), false);
  });

  it('trim and strlen: a missing value has length 0', () => {
    const ev = on('T | extend n = trim(@"\\s+", Name) | where strlen(n) < 3');
    assert.equal(ev({ Name: '  ab  ' }), true);
    assert.equal(ev({ Name: '  abcd ' }), false);
    assert.equal(ev({}), true);
  });

  it('array_length: elements of an array; anything else is null (false in a comparison)', () => {
    const ev = on('T | where array_length(Recipients) > 2');
    assert.equal(ev({ Recipients: ['a', 'b', 'c'] }), true);
    assert.equal(ev({ Recipients: ['a'] }), false);
    assert.equal(ev({ Recipients: 'abcdef' }), false, 'a string is not an array');
    assert.equal(ev({}), false);
  });

  it('string_size: UTF-8 bytes; a missing value is 0', () => {
    const ev = on('T | extend n = tostring(Name) | where string_size(n) >= 4');
    assert.equal(ev({ Name: 'abcd' }), true);
    assert.equal(ev({ Name: 'été' }), true, '5 bytes, 3 characters');
    assert.equal(ev({ Name: 'abc' }), false);
    assert.equal(ev({}), false);
  });

  it('conditional columns: iff, case, coalesce', () => {
    const kind = on('T | extend k = case(A endswith "$", "Machine", Sid == "S-1-5-18", "System", "User") | where k == "User"');
    assert.equal(kind({ A: 'alice', Sid: 'S-1-5-21-1' }), true);
    assert.equal(kind({ A: 'HOST$', Sid: 'S-1-5-21-1' }), false);
    assert.equal(kind({ A: 'system', Sid: 'S-1-5-18' }), false);
    const addr = on('T | extend a = iff(Type == "ip", Value, "") | where isnotempty(a) and a startswith "10."');
    assert.equal(addr({ Type: 'ip', Value: '10.1.2.3' }), true);
    assert.equal(addr({ Type: 'host', Value: '10.1.2.3' }), false);
    const who = on('T | extend w = coalesce(Subject, Actor, "nobody") | where w == "nobody"');
    assert.equal(who({}), true);
    assert.equal(who({ Subject: '', Actor: 'bob' }), false, 'an empty string is skipped: the actor is taken');
    assert.equal(who({ Subject: 'alice' }), false);
    const actor = on('T | extend w = coalesce(Subject, Actor) | where w == "bob"');
    assert.equal(actor({ Subject: '', Actor: 'bob' }), true);
    assert.equal(actor({ Subject: 'alice', Actor: 'bob' }), false);
  });

  it('base64_decode_tostring of an extracted argument (UTF-16 text: its NULs removed)', () => {
    const ev = on('T | extend d = replace_string(base64_decode_tostring(extract(@"-enc\\s+(\\S+)", 1, Cmd)), "\\0", "") | where d has "DownloadString"');
    const enc = (t: string) => Buffer.from(t, 'utf16le').toString('base64');
    assert.equal(ev({ Cmd: `powershell -enc ${enc("IEX (iwr x).DownloadString('y')")}` }), true);
    assert.equal(ev({ Cmd: `powershell -enc ${enc('Get-Date')}` }), false);
    assert.equal(ev({ Cmd: 'powershell -enc %%%' }), false, 'not base64: ""');
  });

  it('url_decode: percent-decoding; a + or a stray % (which the reference does not say how it reads) is unknown', () => {
    const ev = on('W3CIISLog | where url_decode(csUriQuery) has "<script>"');
    assert.equal(ev({ csUriQuery: 'q=%3Cscript%3Ealert(1)%3C%2Fscript%3E' }), true);
    assert.equal(ev({ csUriQuery: 'q=hello%20world' }), false);
    assert.equal(ev({ csUriQuery: 'q=a+b' }), 'unknown');
    assert.equal(ev({ csUriQuery: 'q=100%' }), 'unknown');
    assert.equal(ev({}), false, 'a missing column is "": no <script> in it');
  });

  it('column_ifexists: the default when the event has no such column', () => {
    const ev = on('T | extend r = column_ifexists("ResultType", "NoResultType") | where r == "NoResultType"');
    assert.equal(ev({}), true);
    assert.equal(ev({ ResultType: '0' }), false);
    const num = on('T | extend s = column_ifexists("Status", 0) | where s < 100');
    assert.equal(num({}), true);
    assert.equal(num({ Status: 404 }), false);
  });

  it('a boolean column made by a condition function', () => {
    const ev = on('T | extend IsPrivate = ipv4_is_private(Ip) | where IsPrivate == false');
    assert.equal(ev({ Ip: '8.8.8.8' }), true);
    assert.equal(ev({ Ip: '10.1.1.1' }), false);
    const bare = on('T | extend E = isempty(User) | where E');
    assert.equal(bare({ User: '' }), true);
    assert.equal(bare({ User: 'bob' }), false);
  });

  it('replace_string and replace_regex', () => {
    const ev = on('T | extend c = replace_string(Cmd, "^", "") | where c has "powershell"');
    assert.equal(ev({ Cmd: 'p^ower^shell -enc x' }), true);
    assert.equal(ev({ Cmd: 'cmd /c dir' }), false);
    const re = on('T | extend a = replace_regex(S, @"(\\w+)@(\\w+)", @"\\2/\\1") | where a == "corp/bob"');
    assert.equal(re({ S: 'bob@corp' }), true);
    assert.equal(re({ S: 'bob-corp' }), false);
  });

  it('a column renamed by project-rename keeps its meaning', () => {
    const ev = on('T | extend exe = tolower(tostring(split(Path, "/")[-1])) | project-rename Image = exe | where Image == "sh"');
    assert.equal(ev({ Path: '/usr/bin/SH' }), true);
    assert.equal(ev({ Path: '/usr/bin/bash' }), false);
  });
});

describe('KQL joins on derived keys: evaluation over events', () => {
  const sidesOf = (q: string) => {
    const L = logicOf(q);
    assert.equal(L.completeness, 'complete', L.missing.map((m) => m.reason).join('; '));
    return L.aggregation!.sides!;
  };
  const inner = sidesOf('EmailEvents | where DeliveryAction == "Delivered" | extend User = tolower(tostring(split(Recipient, "@")[0])) | join kind=inner (IdentityLogonEvents | extend User = tolower(AccountName)) on User');
  const mail = { DeliveryAction: 'Delivered', Recipient: 'Bob@corp.example' };
  it('a pair whose computed keys are equal matches', () => assert.equal(evaluateSides(inner, [mail, { AccountName: 'BOB' }]), true));
  it('a pair whose computed keys differ does not', () => assert.equal(evaluateSides(inner, [mail, { AccountName: 'alice' }]), false));
  const hour = sidesOf('T | where EventID == 1 | extend k = bin(TimeGenerated, 1h) | join kind=inner (T | where EventID == 2 | extend k = bin(TimeGenerated, 1h)) on Computer, k');
  it('a join on a time bin: the same hour bucket pairs, the next one does not', () => {
    const a = { EventID: 1, Computer: 'h1', TimeGenerated: '2024-03-01T10:05:00Z' };
    assert.equal(evaluateSides(hour, [a, { EventID: 2, Computer: 'h1', TimeGenerated: '2024-03-01T10:55:00Z' }]), true);
    assert.equal(evaluateSides(hour, [a, { EventID: 2, Computer: 'h1', TimeGenerated: '2024-03-01T11:01:00Z' }]), false);
    assert.equal(evaluateSides(hour, [a, { EventID: 2, Computer: 'h2', TimeGenerated: '2024-03-01T10:55:00Z' }]), false);
  });
  const member = sidesOf('SigninLogs | where ResultType == "0" | where tostring(split(Upn, "@")[0]) !in ((IdentityInfo | project Name = tolower(AccountName)))');
  it('!in (subquery) on computed values of both sides', () => {
    assert.equal(evaluateSides(member, [{ ResultType: '0', Upn: 'bob@corp' }, { AccountName: 'BOB' }]), false);
    assert.equal(evaluateSides(member, [{ ResultType: '0', Upn: 'Bob@corp' }, { AccountName: 'BOB' }]), true, 'only the subquery side is folded');
  });
  const cross = sidesOf('T | where a == 1 | extend k = 1 | join kind=inner (U | where b == 2 | extend k = 1) on k');
  it('a join on the same constant on both sides pairs any two events of the sides', () => {
    assert.equal(evaluateSides(cross, [{ a: 1 }, { b: 2 }]), true);
    assert.equal(evaluateSides(cross, [{ a: 1 }, { b: 3 }]), false);
  });
  const anti = sidesOf('SecurityEvent | where EventID == 4624 | join kind=leftanti (SigninLogs | extend Acct = tolower(UserPrincipalName)) on $left.TargetUserName == $right.Acct');
  it('anti-join on a folded key of one side only', () => {
    assert.equal(evaluateSides(anti, [{ EventID: 4624, TargetUserName: 'bob' }, { UserPrincipalName: 'BOB' }]), false);
    assert.equal(evaluateSides(anti, [{ EventID: 4624, TargetUserName: 'Bob' }, { UserPrincipalName: 'BOB' }]), true, 'the left key is not folded: "Bob" is not "bob"');
  });
});

describe('KQL derived columns: small readers', () => {
  it('JSONPath keys', () => {
    assert.deepEqual(jsonPathKeys('$.a.b'), ['a', 'b']);
    assert.deepEqual(jsonPathKeys('$["a b"][0].c'), ['a b', 0, 'c']);
    assert.equal(jsonPathKeys('$..a'), undefined);
    assert.equal(jsonPathKeys('$.a[*]'), undefined);
    assert.equal(jsonPathKeys('a.b'), undefined);
  });
  it('trim patterns that are sets of characters', () => {
    assert.equal(trimCharacters('\\s+'), '\t\n\f\r ');
    assert.equal(trimCharacters('[ "]+'), ' "');
    assert.equal(trimCharacters('\\.'), '.');
    assert.equal(trimCharacters('[a-z]+'), undefined);
    assert.equal(trimCharacters('ab'), undefined);
  });
});
