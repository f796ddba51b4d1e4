/**
 * KQL joins, lookups and `in (subquery)` as multi-event logic: golden pairs under test/fixtures/kusto/joins (one
 * per join kind), and evaluation of the sides over pairs of events.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { evaluateSides, renderSides, timeMs } from '../src/model/multiEvent.ts';
import { renderExpr } from '../src/model/render.ts';
import type { Logic } from '../src/model/rule.ts';
import { kqlLogic } from './helpers/kql.ts';
import { assertGolden, fixture } from './helpers/golden.ts';

const logicOf = kqlLogic;

function describeLogic(L: Logic): string {
  const out = [`completeness: ${L.completeness}`, `condition: ${L.condition ? renderExpr(L.condition) : '(none)'}`];
  const a = L.aggregation;
  if (a) {
    out.push(`aggregation: ${a.function ?? ''}${a.groupBy.length ? ` by ${a.groupBy.join(', ')}` : ''}${a.window ? ` within ${a.window}` : ''}${a.threshold ? ` threshold ${a.threshold.op} ${a.threshold.value}` : ''}`);
    if (a.sides) for (const l of renderSides(a.sides)) out.push(`  ${l}`);
  }
  for (const m of L.missing) out.push(`missing ${m.kind}: ${m.text.replace(/\s+/g, ' ').slice(0, 120)} — ${m.reason}`);
  return out.join('\n');
}

describe('KQL joins: golden pairs', () => {
  const dir = fixture('kusto', 'joins');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.kql'))) {
    it(f, () => {
      const L = logicOf(readFileSync(`${dir}/${f}`, 'utf8'), f);
      assertGolden(`${dir}/${f.replace(/\.kql$/, '.expected.txt')}`, describeLogic(L));
    });
  }
});

describe('KQL joins: evaluation over events', () => {
  const sidesOf = (q: string) => {
    const a = logicOf(q).aggregation;
    assert.ok(a?.sides, 'the query lowers to sides');
    return a.sides;
  };
  const inner = sidesOf('SigninLogs | where ResultType == "0" | join kind=inner (AuditLogs | where OperationName == "Add member to role") on $left.UserPrincipalName == $right.InitiatedBy');
  const signin = { ResultType: '0', UserPrincipalName: 'alice@contoso.com' };
  const audit = { OperationName: 'Add member to role', InitiatedBy: 'alice@contoso.com' };
  const auditOther = { OperationName: 'Add member to role', InitiatedBy: 'bob@contoso.com' };
  it('inner: a pair matching on the keys matches', () => assert.equal(evaluateSides(inner, [signin, audit]), true));
  it('inner: a pair not matching on the keys does not', () => assert.equal(evaluateSides(inner, [signin, auditOther]), false));
  it('inner: one side alone does not', () => assert.equal(evaluateSides(inner, [signin]), false));
  it('inner: a missing key pairs with nothing', () => assert.equal(evaluateSides(inner, [{ ResultType: '0' }, { OperationName: 'Add member to role' }]), false));
  it('inner: keys compare case-sensitively', () => assert.equal(evaluateSides(inner, [signin, { ...audit, InitiatedBy: 'ALICE@contoso.com' }]), false));

  const anti = sidesOf('SigninLogs | where ResultType == "0" | join kind=leftanti (AuditLogs | where OperationName == "Add member to role") on $left.UserPrincipalName == $right.InitiatedBy');
  it('anti: a left event with no matching right event matches', () => assert.equal(evaluateSides(anti, [signin, auditOther]), true));
  it('anti: a matching right event suppresses it', () => assert.equal(evaluateSides(anti, [signin, audit]), false));
  it('anti: a right event that fails its own filter does not suppress', () => assert.equal(evaluateSides(anti, [signin, { ...audit, OperationName: 'Other' }]), true));

  const rightanti = sidesOf('AuditLogs | where OperationName == "Add member to role" | join kind=rightanti (SigninLogs | where ResultType == "0") on $left.InitiatedBy == $right.UserPrincipalName');
  it('rightanti: the right event without a left match matches', () => assert.equal(evaluateSides(rightanti, [signin, auditOther]), true));
  it('rightanti: with a left match it does not', () => assert.equal(evaluateSides(rightanti, [signin, audit]), false));

  const outer = sidesOf('SigninLogs | where ResultType == "0" | join kind=leftouter (AuditLogs | where OperationName == "x") on $left.UserPrincipalName == $right.InitiatedBy');
  it('leftouter: the left event alone matches', () => assert.equal(evaluateSides(outer, [signin]), true));
  const full = sidesOf('SigninLogs | where ResultType == "0" | join kind=fullouter (AuditLogs | where OperationName == "Add member to role") on $left.UserPrincipalName == $right.InitiatedBy');
  it('fullouter: an event of either side matches', () => assert.equal(evaluateSides(full, [auditOther]), true));

  const membership = sidesOf('DeviceNetworkEvents | where RemotePort == 445 | where DeviceId !in ((DeviceInfo | where IsExcluded == true | project DeviceId))');
  it('!in (subquery): matches unless the key is in the subquery rows', () => {
    assert.equal(evaluateSides(membership, [{ RemotePort: 445, DeviceId: 'd1' }, { IsExcluded: true, DeviceId: 'd2' }]), true);
    assert.equal(evaluateSides(membership, [{ RemotePort: 445, DeviceId: 'd1' }, { IsExcluded: true, DeviceId: 'd1' }]), false);
  });

  const setMembership = sidesOf('let Known = DeviceInfo | where IsExcluded == true | summarize Ids = make_set(DeviceId);\nDeviceNetworkEvents | where RemotePort == 445 | where DeviceId in (Known)');
  it('in (make_set subquery): pairs with the values the array holds', () => {
    assert.equal(evaluateSides(setMembership, [{ RemotePort: 445, DeviceId: 'd1' }, { IsExcluded: true, DeviceId: 'd1' }]), true);
    assert.equal(evaluateSides(setMembership, [{ RemotePort: 445, DeviceId: 'd1' }, { IsExcluded: true, DeviceId: 'd2' }]), false);
    assert.equal(evaluateSides(setMembership, [{ RemotePort: 445, DeviceId: 'd1' }, { IsExcluded: false, DeviceId: 'd1' }]), false);
  });

  it('three-valued: an unknown side condition makes the pair unknown', () => {
    const sides = sidesOf('SigninLogs | where ResultType == "0" | join kind=inner (AuditLogs | where OperationName == "Add member to role" and ipv4_is_in_any_range(IP, ranges)) on $left.UserPrincipalName == $right.InitiatedBy');
    assert.equal(evaluateSides(sides, [signin, audit]), 'unknown');
    assert.equal(evaluateSides(sides, [signin, auditOther]), false);
    const antiU = sidesOf('SigninLogs | where ResultType == "0" | join kind=leftanti (AuditLogs | where ipv4_is_in_any_range(IP, ranges)) on $left.UserPrincipalName == $right.InitiatedBy');
    assert.equal(evaluateSides(antiU, [signin, audit]), 'unknown');
    assert.equal(evaluateSides(antiU, [signin, auditOther]), true);
  });

  it('a window: paired events must lie within it when their times are known', () => {
    const timeOf = (e: unknown) => (e as { t?: number }).t;
    assert.equal(evaluateSides(inner, [{ ...signin, t: 0 }, { ...audit, t: 30_000 }], { windowMs: 60_000, timeOf }), true);
    assert.equal(evaluateSides(inner, [{ ...signin, t: 0 }, { ...audit, t: 90_000 }], { windowMs: 60_000, timeOf }), false);
    assert.equal(evaluateSides(inner, [signin, audit], { windowMs: 60_000, timeOf }), 'unknown');
  });

  it('a join that cannot be stated as sides stays partial with its reason', () => {
    const L = logicOf('SecurityEvent | where EventID == 4624 | join kind=inner (SecurityEvent | summarize c = count() by Account | where c > 10) on Account');
    assert.equal(L.completeness, 'partial');
    assert.ok(L.missing.some((m) => m.kind === 'correlation'));
  });
});

describe('KQL joins: case-insensitive keys', () => {
  it('in~ pairs keys case-insensitively, in does not', () => {
    const q = (op: string) => logicOf(`T | where a == 1 | where k ${op} ((U | where b == 2 | project j))`).aggregation!.sides!;
    const events = [{ a: 1, k: 'Alice' }, { b: 2, j: 'alice' }];
    assert.equal(evaluateSides(q('in~'), events), true);
    assert.equal(evaluateSides(q('in'), events), false);
  });
  it('join keys folded on both sides pair case-insensitively', () => {
    const sides = logicOf('T | where a == 1 | extend u = tolower(x) | join kind=inner (U | where b == 2 | extend u = tolower(y)) on u').aggregation!.sides!;
    assert.equal(sides[1]!.keysCi, true);
    assert.equal(evaluateSides(sides, [{ a: 1, x: 'ALICE' }, { b: 2, y: 'alice' }]), true);
    assert.equal(evaluateSides(sides, [{ a: 1, x: 'ALICE' }, { b: 2, y: 'bob' }]), false);
  });
});

describe('KQL joins: constraints between sides', () => {
  const fixtureSides = (f: string) => {
    const a = logicOf(readFileSync(`${fixture('kusto', 'joins')}/${f}`, 'utf8'), f).aggregation;
    assert.ok(a?.sides, `${f} lowers to sides`);
    return a.sides;
  };
  const mail = (t: unknown) => ({ EmailDirection: 'Inbound', NetworkMessageId: 'm1', RecipientEmailAddress: 'alice@contoso.com', Timestamp: t });
  const warn = (t: unknown) => ({ ActionType: 'UrlWarningShown', InitiatingProcessAccountUpn: 'alice@contoso.com', Timestamp: t });
  const win = fixtureSides('constraint_window.kql');
  it('window: a pair inside the window matches', () => assert.equal(evaluateSides(win, [mail('2024-05-01T10:00:00Z'), warn('2024-05-01T10:03:00Z')]), true));
  it('window: a pair outside the window does not', () => assert.equal(evaluateSides(win, [mail('2024-05-01T10:00:00Z'), warn('2024-05-01T10:05:00Z')]), false));
  it('window: the order counts (the warning before the mail does not match)', () => assert.equal(evaluateSides(win, [mail('2024-05-01T10:03:00Z'), warn('2024-05-01T10:00:00Z')]), false));
  it('window: an unparseable time is unknown', () => assert.equal(evaluateSides(win, [mail('yesterday'), warn('2024-05-01T10:03:00Z')]), 'unknown'));
  it('window: a missing time is false (the comparison is null in KQL)', () => assert.equal(evaluateSides(win, [mail(undefined), warn('2024-05-01T10:03:00Z')]), false));
  it('window: epoch numbers (seconds or milliseconds) are times', () => {
    assert.equal(evaluateSides(win, [mail(1_714_557_600), warn(1_714_557_600_000 + 60_000)]), true);
    assert.equal(evaluateSides(win, [mail(1_714_557_600), warn(1_714_557_600_000 + 600_000)]), false);
  });
  it('window: the keys still pair the events', () => assert.equal(evaluateSides(win, [mail('2024-05-01T10:00:00Z'), { ...warn('2024-05-01T10:01:00Z'), InitiatingProcessAccountUpn: 'bob@contoso.com' }]), false));

  const offset = fixtureSides('constraint_offset.kql');
  const perms = (t: string) => ({ ActionType: 'Grant app role.', AccountObjectId: 'u1', Timestamp: t });
  const consent = (t: string) => ({ ActionType: 'Approve application.', AccountObjectId: 'u1', Timestamp: t });
  it('offsets: within two minutes either way', () => {
    assert.equal(evaluateSides(offset, [perms('2024-05-01T10:00:00Z'), consent('2024-05-01T10:01:30Z')]), true);
    assert.equal(evaluateSides(offset, [perms('2024-05-01T10:00:00Z'), consent('2024-05-01T09:58:00Z')]), true);
    assert.equal(evaluateSides(offset, [perms('2024-05-01T10:00:00Z'), consent('2024-05-01T09:57:59Z')]), false);
  });

  const letSpan = fixtureSides('constraint_let_span.kql');
  it('a let-bound timespan bounds the difference', () => {
    const elev = { FileName: 'consent.exe', DeviceId: 'd1', Timestamp: '2024-05-01 10:00:20' };
    assert.equal(evaluateSides(letSpan, [elev, { ProcessIntegrityLevel: 'High', DeviceId: 'd1', Timestamp: '2024-05-01 10:00:00' }]), true);
    assert.equal(evaluateSides(letSpan, [elev, { ProcessIntegrityLevel: 'High', DeviceId: 'd1', Timestamp: '2024-05-01 09:59:00' }]), false);
  });

  const diff = fixtureSides('constraint_datetime_diff.kql');
  const clip = (t: string) => ({ ActionType: 'GetClipboardData', DeviceName: 'pc1', TimeGenerated: t });
  const ps = (t: string) => ({ FileName: 'powershell.exe', DeviceName: 'pc1', TimeGenerated: t });
  it('datetime_diff counts the unit boundaries crossed', () => {
    assert.equal(evaluateSides(diff, [clip('2024-05-01T10:00:00Z'), ps('2024-05-01T10:01:59Z')]), true);
    assert.equal(evaluateSides(diff, [clip('2024-05-01T10:00:59Z'), ps('2024-05-01T10:03:00Z')]), false);
    assert.equal(evaluateSides(diff, [clip('2024-05-01T10:00:00Z'), ps('2024-05-01T10:02:59Z')]), true, 'almost 3 minutes apart, 2 boundaries crossed');
    assert.equal(evaluateSides(diff, [clip('2024-05-01T10:02:00Z'), ps('2024-05-01T10:01:00Z')]), true);
  });

  const eq = fixtureSides('constraint_equal_ci.kql');
  const upload = { OperationName: 'PutBlob', CallerIpAddress: '10.0.0.1', UserAgentHeader: 'Mozilla/5.0', Country: 'FR' };
  const login = { IPAddress: '10.0.0.1', UserAgent: 'MOZILLA/5.0', Location: 'US' };
  it('=~ between sides compares case-insensitively; != case-sensitively', () => {
    assert.equal(evaluateSides(eq, [upload, login]), true);
    assert.equal(evaluateSides(eq, [upload, { ...login, UserAgent: 'curl/8.0' }]), false);
    assert.equal(evaluateSides(eq, [upload, { ...login, Location: 'FR' }]), false);
    assert.equal(evaluateSides(eq, [upload, { ...login, Location: 'fr' }]), true);
  });

  const suffix = fixtureSides('constraint_suffix.kql');
  it('the suffixed column is the right side\'s', () => {
    const file = { FolderPath: 'C:\\Windows\\System32\\spool\\drivers\\x64\\3\\', FileName: 'evil.dll', DeviceId: 'd1', Timestamp: '2024-05-01T10:00:00Z' };
    const load = { FolderPath: 'C:\\Old\\1', FileName: 'evil.dll', DeviceId: 'd1', Timestamp: '2024-05-01T10:00:05Z' };
    assert.equal(evaluateSides(suffix, [file, load]), true);
    assert.equal(evaluateSides(suffix, [file, { ...load, Timestamp: '2024-05-01T09:00:00Z' }]), false);
  });

  const keyOther = fixtureSides('key_other_side.kql');
  it('a key of another side is an equality between those sides', () => {
    const url = { UrlDomain: 'example.org', NetworkMessageId: 'n1' };
    const mailEv = { DeliveryAction: 'Delivered', NetworkMessageId: 'n1', RecipientEmailAddress: 'alice@contoso.com' };
    const zap = { ActionType: 'Phish ZAP', NetworkMessageId: 'n1', RecipientEmailAddress: 'alice@contoso.com' };
    assert.equal(evaluateSides(keyOther, [url, mailEv, zap]), true);
    assert.equal(evaluateSides(keyOther, [url, mailEv, { ...zap, RecipientEmailAddress: 'bob@contoso.com' }]), false);
  });

  const outer = fixtureSides('leftouter_promoted.kql');
  it('a leftouter join whose filter drops unmatched rows needs the match', () => {
    const signin = { ResultType: '0', UserPrincipalName: 'alice@contoso.com', TimeGenerated: '2024-05-01T10:00:00Z' };
    const mfa = { OperationName: 'Register security info', InitiatedBy: { user: { userPrincipalName: 'alice@contoso.com' } }, Result: 'success', TimeGenerated: '2024-05-01T11:00:00Z' };
    assert.equal(evaluateSides(outer, [signin]), false);
    assert.equal(evaluateSides(outer, [signin, mfa]), true);
  });

  it('times: ISO strings (UTC unless zoned), epoch numbers; anything else is not a time', () => {
    assert.equal(timeMs('2024-05-01T10:00:00Z'), Date.UTC(2024, 4, 1, 10));
    assert.equal(timeMs('2024-05-01 10:00:00'), Date.UTC(2024, 4, 1, 10));
    assert.equal(timeMs('2024-05-01T12:00:00+02:00'), Date.UTC(2024, 4, 1, 10));
    assert.equal(timeMs(1_714_557_600), 1_714_557_600_000);
    assert.equal(timeMs(null), null);
    assert.equal(timeMs('soon'), undefined);
    assert.equal(timeMs({ t: 1 }), undefined);
  });

  it('a comparison between sides that is not a constraint stays missing with its reason', () => {
    const L = logicOf('T | where a == 1 | project k, t1 = TimeGenerated | join kind=inner (U | where b == 2 | project k, t2 = TimeGenerated) on k | where t2 * 2 > t1');
    assert.equal(L.completeness, 'partial');
    assert.ok(L.missing.some((m) => m.kind === 'filter' && /several sides/.test(m.reason)));
  });
});
