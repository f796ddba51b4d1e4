/**
 * Panther Python lowering: each fixture (test/fixtures/panther/python/*.py, written for these tests) lowers to an
 * exact rendered condition, evaluates as Python would on positive and negative events, and keeps what it cannot
 * express as opaque with a reason.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { listFiles } from '../src/formats/io.ts';
import { lowerPythonRule, preparePythonRepo, type PythonRepoContext } from '../src/formats/panther/python/index.ts';
import { resolvePythonField } from '../src/formats/panther/python/resolve.ts';
import { deriveExclusions, deriveIndicators, structuredPart } from '../src/model/analyze.ts';
import { buildLogic } from '../src/model/lowering.ts';
import { groupKeyTexts } from '../src/model/aggregate.ts';
import { evaluate } from '../src/model/evaluate.ts';
import { leaves, type Expr } from '../src/model/expr.ts';
import { renderExpr } from '../src/model/render.ts';
import { lineColAt } from '../src/model/span.ts';
import { assertGolden, fixture } from './helpers/golden.ts';

let ctx: PythonRepoContext;
before(async () => {
  const root = fixture('panther', 'python', 'repo');
  ctx = await preparePythonRepo(root, await listFiles(root));
});

async function lower(file: string, opts: { logTypes?: string[]; analysisType?: string; mocked?: string[] } = {}) {
  const text = readFileSync(fixture('panther', 'python', file), 'utf8');
  const r = await lowerPythonRule(
    { file, text, logTypes: opts.logTypes ?? ['AWS.CloudTrail'], analysisType: opts.analysisType ?? 'rule', ...(opts.mocked ? { mockedNames: opts.mocked } : {}) },
    ctx,
  );
  const logic = buildLogic({ stages: r.stages, ...(r.condition ? { condition: r.condition } : {}), missing: r.missing });
  return { r, logic, text };
}

const ev = (cond: Expr, event: unknown) => evaluate(cond, event, { resolve: resolvePythonField });

interface Case {
  readonly file: string;
  readonly expect: string;
  readonly completeness: 'complete' | 'partial' | 'none';
  readonly pos: readonly unknown[];
  readonly neg: readonly unknown[];
  readonly unknown?: readonly unknown[];
  readonly logTypes?: string[];
  readonly analysisType?: string;
}

const CASES: readonly Case[] = [
  {
    file: 'guards.py',
    expect: 'readOnly is_null and (eventName eq "Break" or eventSource eq "s3.amazonaws.com")',
    completeness: 'complete',
    pos: [{ eventName: 'Break' }, { eventSource: 's3.amazonaws.com', readOnly: false }, { eventName: 'Break', readOnly: 0 }],
    neg: [{ readOnly: true, eventName: 'Break' }, { eventName: 'Other' }, {}],
  },
  {
    file: 'elif_chain.py',
    expect: '(kind eq "a" and size gt 10) or (not kind eq "a" and not kind eq "b" and flag eq true)',
    completeness: 'complete',
    pos: [{ kind: 'a', size: 11 }, { kind: 'c', flag: true }],
    neg: [{ kind: 'a', size: 3 }, { kind: 'b', flag: true }, { kind: 'c', flag: false }],
    unknown: [{ kind: 'a', size: 'big' }],
  },
  {
    file: 'locals.py',
    expect: 'eventName eq "Delete" and eventSource ne "internal"',
    completeness: 'complete',
    pos: [{ eventName: 'Delete' }, { eventName: 'Delete', eventSource: 'x' }],
    neg: [{ eventName: 'Delete', eventSource: 'internal' }, { eventName: 'delete' }],
  },
  {
    file: 'comparisons.py',
    expect: 'count ge 1 and count lt 5 and level ge 3 and user ne "root"',
    completeness: 'complete',
    pos: [{ count: 1, level: 3 }, { count: 4, level: 9, user: 'bob' }],
    neg: [{ count: 5, level: 3 }, { count: 2, level: 3, user: 'root' }, { count: 0, level: 3 }],
    unknown: [{ count: '2', level: 3 }],
  },
  {
    file: 'nulls.py',
    expect: 'session is_not_null and (mfa is_null or token is_not_null)',
    completeness: 'complete',
    pos: [{ session: 's' }, { session: 's', mfa: '' }, { session: 's', mfa: true, token: '' }],
    neg: [{ mfa: false }, { session: null }, { session: 's', mfa: true }],
  },
  {
    file: 'fields.py',
    expect: 'a eq "x" and b.c eq "y" and d.e eq "z" and f.g eq 1 and h.i eq "w"',
    completeness: 'complete',
    pos: [{ a: 'x', b: { c: 'y' }, d: { e: 'z' }, f: { g: 1 }, h: { i: 'w' } }, { a: 'x', B: { C: 'y' }, d: { e: 'z' }, f: { g: 1 }, h: { i: 'w' } }],
    neg: [{ b: { c: 'y' }, d: { e: 'z' }, f: { g: 1 }, h: { i: 'w' } }, { a: 'x', b: { c: 'y' }, d: { e: 'z' }, f: { g: '1' }, h: { i: 'w' } }],
  },
  {
    file: 'membership.py',
    expect: 'action in ["Create", "Delete"] and not kind in ["alpha", "beta"] and (n in ["one", "two"] or c in "red" or m in ["k1", "k2"]) and roles contains[cs] "admin"',
    completeness: 'complete',
    pos: [{ action: 'Create', n: 'two', roles: ['admin'] }, { action: 'Delete', kind: 'gamma', m: 'k2', roles: ['x', 'admin'] }],
    neg: [{ action: 'Create', kind: 'alpha', n: 'one', roles: ['admin'] }, { action: 'Create', n: 'one', roles: ['user'] }, { action: 'Create', n: 'one' }],
  },
  {
    // a lookup guarded by a membership test cannot miss its key: the KeyError branch is not part of the condition
    file: 'guarded_lookup.py',
    expect:
      'not object ne "LOGIN" and not (new.identityProvider in ["OKTA", "GOOGLE"] and ((new.identityProvider eq "OKTA" and new.loginType in "PASSWORD_LOGIN") or (not new.identityProvider eq "OKTA" and new.loginType in ["OIDC_LOGIN", "SAML_LOGIN"]))) and ((level in ["low", "high"] and ((level eq "low" and attempts gt 10) or (not level eq "low" and attempts gt 1))) or (not level in ["low", "high"] and attempts gt 5) or (not (not userIdentity.accountId in ["111", "222", "333"] or userIdentity.accountId eq "333") and ((userIdentity.accountId eq "111" and not awsRegion in "us-east-1") or (not userIdentity.accountId eq "111" and ((userIdentity.accountId eq "222" and not awsRegion in ["eu-west-1", "eu-west-2"]) or (not userIdentity.accountId eq "222" and not awsRegion in "ap-south-1"))))))',
    completeness: 'complete',
    pos: [
      { object: 'LOGIN', new: { identityProvider: 'OKTA', loginType: 'OIDC_LOGIN' }, level: 'high', attempts: 2 },
      { object: 'LOGIN', userIdentity: { accountId: '222' }, awsRegion: 'us-east-1' },
    ],
    neg: [
      { object: 'LOGIN', new: { identityProvider: 'GOOGLE', loginType: 'SAML_LOGIN' }, attempts: 100 },
      { object: 'LOGIN', userIdentity: { accountId: '222' }, awsRegion: 'eu-west-2' },
      { object: 'LOGIN', userIdentity: { accountId: '999' } },
      { object: 'LOGIN', level: 'low', attempts: 10, userIdentity: { accountId: '333' } },
      { object: 'LOGOUT', attempts: 100 },
    ],
  },
  {
    // the guard's default is a key: it holds without the value, so the lookup after it may still raise
    file: 'guarded_lookup_default.py',
    expect: 'idp in "OKTA" and ((idp eq "OKTA" and type in "PASSWORD_LOGIN") or (not idp eq "OKTA" and <opaque: event.get("type") in ALLOWED[event.get("idp")]>))',
    completeness: 'partial',
    pos: [{ idp: 'OKTA', type: 'PASSWORD_LOGIN' }],
    neg: [{ idp: 'OKTA', type: 'OTHER' }, { idp: 'GOOGLE', type: 'PASSWORD_LOGIN' }],
    unknown: [{ type: 'PASSWORD_LOGIN' }],
  },
  {
    // None as a key: the guard holds on an event without the value, and the lookup then takes None's entry
    file: 'guarded_lookup_none.py',
    expect: 'not (idp in ["OKTA", null] and ((idp eq "OKTA" and type in "PASSWORD_LOGIN") or (not idp eq "OKTA" and type in ["PASSWORD_LOGIN", "MAGIC_LINK"])))',
    completeness: 'complete',
    pos: [{ idp: 'OKTA', type: 'MAGIC_LINK' }, { type: 'OTHER' }, { idp: 'GOOGLE', type: 'PASSWORD_LOGIN' }],
    neg: [{ idp: 'OKTA', type: 'PASSWORD_LOGIN' }, { type: 'MAGIC_LINK' }, { idp: null, type: 'PASSWORD_LOGIN' }],
  },
  {
    // defaults computed at run time: another field (deep_get: where the value is missing or None), an f-string of one
    // value (`str()` between texts: None is "None"), `.get` (only where the key is missing: a null value is None)
    file: 'runtime_defaults.py',
    expect:
      '(userIdentity.type eq "Root" and ((userIdentity.userName is_null and userIdentity.accountId in ["alice", "UnknownSAMLUser", "111122223333", "UnknownNone"]) or (userIdentity.userName is_not_null and userIdentity.userName in ["alice", "UnknownSAMLUser", "111122223333", "UnknownNone"]))) or (not userIdentity.type eq "Root" and ((userIdentity.type in ["IAMUser", "SAMLUser"] and ((userIdentity.userName is_null and strcat("Unknown", str(userIdentity.type)) in ["alice", "UnknownSAMLUser", "111122223333", "UnknownNone"]) or (userIdentity.userName is_not_null and userIdentity.userName in ["alice", "UnknownSAMLUser", "111122223333", "UnknownNone"]))) or (not userIdentity.type in ["IAMUser", "SAMLUser"] and ((sourceIdentity is_null and not sourceIdentity is_null[default=""] and strcat("Unknown", str(userIdentity.type)) in ["alice", "UnknownSAMLUser", "111122223333", "UnknownNone"]) or (not (sourceIdentity is_null and not sourceIdentity is_null[default=""]) and sourceIdentity in ["alice", "UnknownSAMLUser", "111122223333", "UnknownNone"])))))',
    completeness: 'complete',
    pos: [
      { userIdentity: { type: 'Root', accountId: '111122223333' } },
      { userIdentity: { type: 'Root', userName: 'alice' } },
      { userIdentity: { type: 'SAMLUser' } },
      {},
      { sourceIdentity: 'alice', userIdentity: { type: 'AWSService' } },
    ],
    neg: [
      { userIdentity: { type: 'Root' } },
      { userIdentity: { type: 'IAMUser', userName: null } },
      { userIdentity: { type: 'Root', userName: null, accountId: 'bob' } },
      { sourceIdentity: null },
      { userIdentity: { type: 'AWSService' } },
    ],
  },
  {
    // endswith() of another event value that is always a string (an f-string of it): a comparison of two fields,
    // case-sensitive as Python's; the argument's default and `str()` are kept (None would be "None")
    file: 'suffix_of_field.py',
    expect: 'userIdentity.arn ends_with[cs] field(strcat("/", str(requestParameters.userName)))',
    completeness: 'complete',
    pos: [
      { userIdentity: { arn: 'arn:aws:iam::1:user/bob' }, requestParameters: { userName: 'bob' } },
      { userIdentity: { arn: 'arn:aws:iam::1:user/' } },
      { userIdentity: { arn: 'x/5' }, requestParameters: { userName: 5 } },
    ],
    neg: [
      { userIdentity: { arn: 'arn:aws:iam::1:user/bob' }, requestParameters: { userName: 'alice' } },
      { userIdentity: { arn: 'X/BOB' }, requestParameters: { userName: 'bob' } },
      { userIdentity: { arn: 'x/None' }, requestParameters: { userName: null } },
    ],
  },
  {
    // isinstance() of a read with default {}: the default's type where the key is missing, the value's own elsewhere;
    // bytes is never the type of a JSON value
    file: 'isinstance_default.py',
    expect:
      '((not (details is_null and not details is_null[default=""]) and type(details) eq "str" and type(json(details)) eq "dict") or (not (not (details is_null and not details is_null[default=""]) and type(details) eq "str") and ((details is_null and not details is_null[default=""]) or (not (details is_null and not details is_null[default=""]) and type(details) eq "dict")))) and ((not (details is_null and not details is_null[default=""]) and type(details) eq "str" and json(details).kind eq "alert") or (not (not (details is_null and not details is_null[default=""]) and type(details) eq "str") and details.kind eq "alert"))',
    completeness: 'complete',
    pos: [{ details: '{"kind":"alert"}' }, { details: { kind: 'alert' } }],
    neg: [{}, { details: { kind: 'x' } }, { details: null }, { details: '[1]' }, { details: 5 }],
  },
  {
    // `{{` and `}}` are one brace in an f-string, with or without an interpolation
    file: 'fstring_braces.py',
    expect: 't eq "{literal}" and u eq field(strcat("x{", str(v), "}"))',
    completeness: 'complete',
    pos: [{ t: '{literal}', u: 'x{7}', v: 7 }],
    neg: [{ t: '{{literal}}', u: 'x{7}', v: 7 }, { t: '{literal}', u: 'x{{7}}', v: 7 }],
  },
  {
    file: 'strings.py',
    expect:
      '(path starts_with[cs] "/api" or path starts_with[cs] "/v2") and not path ends_with[cs] ".png" and agent eq[ci] "curl" and method in[ci] ["POST", "PUT"] and host contains[cs] "evil"',
    completeness: 'complete',
    pos: [{ path: '/api/x', agent: 'CURL', method: 'post', host: 'evil.com' }],
    neg: [
      { path: '/api/x.png', agent: 'curl', method: 'POST', host: 'evil.com' },
      { path: '/api/x', agent: 'curl', method: 'GET', host: 'evil.com' },
      { path: '/api/x', agent: 'curl', method: 'PUT', host: 'EVIL.com' },
    ],
  },
  {
    file: 'regexes.py',
    expect: 'file regex "\\\\.exe$" and user regex[anchored] "adm" and token regex "^tok_[0-9a-f]{8}$" and note regex[ci] "secret" and pin regex[fullmatch] "\\\\d+"',
    completeness: 'complete',
    pos: [{ file: 'a.exe', user: 'admin', token: 'tok_0123abcd', note: 'TOP SECRET', pin: '1234' }],
    neg: [
      { file: 'a.exe', user: 'sysadm', token: 'tok_0123abcd', note: 'secret', pin: '1234' },
      { file: 'a.exe', user: 'admin', token: 'tok_0123abcd', note: 'secret', pin: '12a4' },
    ],
  },
  {
    file: 'anyall.py',
    expect: '(cmd contains[cs] "mimikatz" or cmd contains[cs] "psexec") and flags contains[cs] "a" and flags contains[cs] "b"',
    completeness: 'complete',
    pos: [{ cmd: 'run psexec now', flags: ['b', 'a'] }],
    neg: [{ cmd: 'run psexec now', flags: ['a'] }, { cmd: 'ls', flags: ['a', 'b'] }],
  },
  {
    file: 'helpers.py',
    expect: 'not (errorCode is_not_null or errorMessage is_not_null) and eventName eq "Put" and (path starts_with[cs] "/admin" or path ends_with[cs] "/sudo")',
    completeness: 'complete',
    pos: [{ eventName: 'Put', path: '/admin/x' }, { eventName: 'Put', path: '/x/sudo', errorCode: '' }],
    neg: [{ eventName: 'Put', path: '/admin/x', errorCode: 'Denied' }, { eventName: 'Get', path: '/admin' }],
  },
  {
    file: 'opaque_parts.py',
    expect: 'not type ne "change" and (any(items, .bad is_not_null) or <opaque: magic(doc)>)',
    completeness: 'partial',
    pos: [{ type: 'change', items: [{ bad: false }, { bad: true }] }],
    neg: [{ type: 'other' }],
    unknown: [{ type: 'change', items: [{ bad: false }] }],
  },
  {
    file: 'udm_rule.py',
    logTypes: ['Acme.Audit'],
    expect: 'actor.name eq "alice" and (action eq "login" or action eq "LOGIN") and (p_udm.unmapped_thing eq "v" or (p_udm.unmapped_thing is_null and unmapped_thing eq "v"))',
    completeness: 'complete',
    pos: [{ actor: { name: 'alice' }, action: 'login', p_udm: { unmapped_thing: 'v' } }, { actor: { name: 'alice' }, action: 'LOGIN', unmapped_thing: 'v' }],
    neg: [{ actor: { name: 'bob' }, action: 'login', unmapped_thing: 'v' }, { actor: { name: 'alice' }, action: 'logout', unmapped_thing: 'v' }],
  },
  {
    file: 'policy_check.py',
    analysisType: 'policy',
    expect: 'Encrypted is_not_null or Tags.exempt eq "yes"',
    completeness: 'complete',
    pos: [{ Encrypted: true }, { Encrypted: false, Tags: { exempt: 'yes' } }],
    neg: [{ Encrypted: false }, { Tags: { exempt: 'no' } }],
  },
  {
    file: 'walrus_loop.py',
    expect: 'zone eq "us" or zone eq "eu" or (name is_not_null and name starts_with[cs] "tmp")',
    completeness: 'complete',
    pos: [{ zone: 'eu' }, { name: 'tmp1' }],
    neg: [{ zone: 'ap', name: 'prod' }, {}],
  },
];

describe('panther python lowering: constructs', () => {
  for (const c of CASES) {
    it(c.file, async () => {
      const { r, logic } = await lower(c.file, { ...(c.logTypes ? { logTypes: c.logTypes } : {}), ...(c.analysisType ? { analysisType: c.analysisType } : {}) });
      assert.ok(r.condition, 'a condition');
      assert.equal(renderExpr(r.condition), c.expect);
      assert.equal(logic.completeness, c.completeness);
      for (const e of c.pos) assert.equal(ev(r.condition, e), true, `positive ${JSON.stringify(e)}`);
      for (const e of c.neg) assert.equal(ev(r.condition, e), false, `negative ${JSON.stringify(e)}`);
      for (const e of c.unknown ?? []) assert.equal(ev(r.condition, e), 'unknown', `unknown ${JSON.stringify(e)}`);
    });
  }
});

describe('panther python lowering: seed-like construction', () => {
  it('guard helper + != guard, opaque library call, exclusions and indicators', async () => {
    const { r, logic } = await lower('seed_like.py');
    const cond = r.condition!;
    const sp = structuredPart(cond)!;
    assert.equal(renderExpr(sp), 'not (errorCode is_not_null or errorMessage is_not_null or eventName ne "ReplaceTrustPolicy")');
    assert.equal(logic.completeness, 'partial');
    const opq = [...leaves(cond)].filter((l) => l.kind === 'opaque');
    assert.equal(opq.length, 1);
    assert.equal(opq[0]!.kind === 'opaque' && opq[0]!.text, 'Document(json.loads(document)).is_public()');
    assert.deepEqual(deriveExclusions(cond).map((x) => renderExpr(x.expr)), ['errorCode is_not_null', 'errorMessage is_not_null']);
    assert.deepEqual(deriveIndicators(cond), [{ field: 'eventName', op: 'eq', values: ['ReplaceTrustPolicy'], cs: true }]);
    // a failed call or another event is false whatever the opaque part says; a matching event is unknown
    assert.equal(ev(cond, { eventName: 'ReplaceTrustPolicy', errorCode: 'AccessDenied' }), false);
    assert.equal(ev(cond, { eventName: 'Other' }), false);
    assert.equal(ev(cond, { eventName: 'ReplaceTrustPolicy', errorCode: null }), 'unknown');
    const lines = [
      `condition: ${renderExpr(cond)}`,
      `structured: ${renderExpr(sp)}`,
      `completeness: ${logic.completeness}`,
      ...logic.missing.map((m) => `missing: ${m.text} | ${m.reason}`),
      ...logic.exclusions.map((x) => `exclusion: ${renderExpr(x.expr)}`),
      ...logic.indicators.map((i) => `indicator: ${i.field} ${i.op} ${JSON.stringify(i.values)}`),
      ...r.outputFields.map((o) => `output: ${o.name} <- ${o.source} (${o.from})`),
      ...r.stages.map((s) => `stage: ${s.kind} ${s.label} ${s.span?.start}-${s.span?.end} ${JSON.stringify(s.detail)}`),
      `dependsOn: ${r.dependsOn.join(', ')}`,
    ];
    assertGolden(fixture('panther', 'python', 'seed_like.expected.txt'), lines.join('\n'));
  });
});

describe('panther python lowering: outputs, stages, spans', () => {
  it('alert_context through a helper, item assignment and update; title and dedup fields', async () => {
    const { r } = await lower('context.py');
    assert.deepEqual(
      r.outputFields.map((o) => [o.name, o.source, o.from]),
      [
        ['action', 'alert_context → common_context()', 'event.get("eventName", "<none>")'],
        ['region', 'alert_context → common_context()', 'event.get("awsRegion")'],
        ['caller', 'alert_context → common_context()', 'event.deep_get("userIdentity", "arn")'],
        ['bucket', 'alert_context', 'event.deep_get("requestParameters", "bucketName")'],
        ['extra', 'alert_context', 'event.get("extra", "")'],
      ],
    );
    assert.deepEqual(r.titleFields, ['eventName', 'userIdentity.arn']);
    assert.deepEqual(r.dedupFields, ['sourceIPAddress']);
    assert.deepEqual(
      r.stages.map((s) => [s.kind, s.label]),
      [
        ['condition', 'rule()'],
        ['output', 'title()'],
        ['output', 'dedup()'],
        ['output', 'alert_context()'],
      ],
    );
  });

  it('a title() whose value has run-time defaults is a dedup key by cases; an f-string of one value groups by the value', async () => {
    const { r } = await lower('title_runtime_default.py');
    assert.equal(r.dedupKey.kind, 'derived');
    const keys = r.dedupKey.kind === 'derived' ? r.dedupKey.keys : [];
    assert.deepEqual(
      groupKeyTexts({ groupBy: [], computedKeys: keys.map((k) => k.name), derivedKeys: keys }),
      [
        {
          key: 'title()',
          computed:
            'case(userIdentity.type eq "Root" and userIdentity.userName is_null → userIdentity.accountId; userIdentity.type eq "Root" and userIdentity.userName is_not_null → userIdentity.userName; not userIdentity.type eq "Root" and sourceIdentity is_null and not sourceIdentity is_null[default=""] → strcat("Unknown", str(userIdentity.type)); not userIdentity.type eq "Root" and not (sourceIdentity is_null and not sourceIdentity is_null[default=""]) → sourceIdentity)',
        },
      ],
    );
  });

  it('spans are UTF-16 offsets into the file', async () => {
    const text = 'def rule(event):\n    # café 😀\n    return event.get("a") == "é😀"\n';
    const r = await lowerPythonRule({ file: 'u.py', text, logTypes: [], analysisType: 'rule' }, ctx);
    const p = [...leaves(r.condition!)][0]!;
    assert.equal(p.kind, 'pred');
    assert.ok(p.span);
    assert.equal(text.slice(p.span.start, p.span.end), 'event.get("a") == "é😀"');
    assert.equal(renderExpr(r.condition!), 'a eq "é😀"');
    const st = r.stages[0]!;
    assert.equal(text.slice(st.span!.start, st.span!.end), text.trimEnd());
  });

  it('inlined helpers of the file become stages; global helpers are listed as dependencies', async () => {
    const { r } = await lower('helpers.py');
    assert.deepEqual(r.stages.map((s) => s.label), ['rule()', 'is_interesting()']);
    assert.deepEqual(r.dependsOn, ['global_helpers/acme_base.py']);
    const inl = (r.stages[0]!.detail as { inlined: { name: string; file: string }[] }).inlined.map((x) => x.name).sort();
    assert.deepEqual(inl, ['call_succeeded', 'is_admin_path', 'is_interesting']);
  });
});

describe('panther python lowering: opaque and diagnostics', () => {
  it('each opaque part has a precise reason', async () => {
    const { logic } = await lower('opaque_parts.py');
    assert.deepEqual(
      logic.missing.map((m) => m.reason),
      ['magic comes from somewhere_else, a library outside the repository'],
    );
  });

  it('a standard-library module the model does not follow is named as such, not as a library outside the repository', async () => {
    const { logic } = await lower('stdlib_ipaddress.py');
    assert.deepEqual(
      logic.missing.map((m) => m.reason),
      ["ipaddress.ip_interface: a part of Python's ipaddress module the model does not follow (ip_address() and ip_network() with is_private and is_global it does)"],
    );
  });

  it('mocked functions are opaque', async () => {
    const { r } = await lower('helpers.py', { mocked: ['is_admin_path'] });
    assert.equal(
      renderExpr(r.condition!),
      'not (errorCode is_not_null or errorMessage is_not_null) and eventName eq "Put" and <opaque: is_admin_path(event.get("path", ""))>',
    );
  });

  it('a file the parser recovers from (NUL characters in words and f-strings) lowers without an internal error', async () => {
    const text = 'def rule(event):\n\n    re\u0000turn \u0000event.get("action") == "x"\n\n\ndef title(event):\n    link = f"https://a.\u0000b/{event.get(\'r\',\'<U>\')}/s"\n    return (\n        f"R [{event.get(\'r\', \'<U>\')}] v\u0000i\u0000s changed. "\n        f"See {link}"\n    )\n';
    const r = await lowerPythonRule({ file: 'nul.py', text, logTypes: ['AWS.CloudTrail'], analysisType: 'rule' }, ctx);
    assert.doesNotMatch(r.missing.map((m) => m.reason).join('\n'), /internal error/);
    assert.match(r.missing.map((m) => m.reason).join('\n'), /syntax error inside the function/);
  });
  it('recursion and inline depth are bounded', async () => {
    const text = 'from acme_base import recurse_forever\n\ndef rule(event):\n    return recurse_forever(event)\n';
    const r = await lowerPythonRule({ file: 'rec.py', text, logTypes: [], analysisType: 'rule' }, ctx);
    const o = [...leaves(r.condition!)][0]!;
    assert.equal(o.kind === 'opaque' && o.reason, 'recursive call to recurse_forever');
  });

  it('a syntax error gives PY001 at its line and column; the valid rule() is still lowered', async () => {
    const { r, text } = await lower('syntax_error.py');
    const d = r.diagnostics.find((x) => x.code === 'PY001');
    assert.ok(d);
    assert.equal(d.line, 5);
    assert.equal(d.column, 1);
    assert.equal(lineColAt(text, text.indexOf('def title')).line, 5);
    assert.equal(renderExpr(r.condition!), 'a eq "b"');
  });

  it('no rule() gives PY003 and no condition; bad input never throws', async () => {
    const r = await lowerPythonRule({ file: 'empty.py', text: '\u0000(((', logTypes: [], analysisType: 'rule' }, ctx);
    assert.equal(r.condition, undefined);
    assert.ok(r.diagnostics.some((d) => d.code === 'PY003'));
  });

  it('udm with several log types branches on p_log_type; a non-plain JSONPath is opaque', async () => {
    const text = 'def rule(event):\n    return event.udm("actor_user") == "x"\n';
    const r = await lowerPythonRule({ file: 'm.py', text, logTypes: ['Acme.Audit', 'Other.Log'], analysisType: 'rule' }, ctx);
    assert.equal(renderExpr(r.condition!), '(p_log_type eq "Acme.Audit" and actor.name eq "x") or (not p_log_type eq "Acme.Audit" and user.login eq "x")');
    const t2 = 'def rule(event):\n    return event.udm("odd_path") == "x"\n';
    const r2 = await lowerPythonRule({ file: 'm.py', text: t2, logTypes: ['Acme.Audit'], analysisType: 'rule' }, ctx);
    const o = [...leaves(r2.condition!)][0]!;
    assert.equal(o.kind, 'opaque');
  });
});
