/**
 * Panther adapter: fixtures (test/fixtures/panther/repo, a miniature panther-analysis checkout) for YAML detections,
 * SQL queries, correlation rules, error cases; and the shared corpus (skipped when absent).
 */
import { SourceMap } from '../src/formats/sourceMap.ts';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { pantherAdapter } from '../src/formats/panther/index.ts';
import { lowerSql } from '../src/formats/panther/sql.ts';
import { parseAttackEntry } from '../src/formats/panther/spec.ts';
import { planAggregation } from '../src/model/aggregate.ts';
import { AggregateState } from '../src/hunt/aggregate.ts';
import { resolvePantherField } from '../src/formats/panther/keyPath.ts';
import { scanSource, type ScanResult } from '../src/formats/scan.ts';
import { evaluate, formatDiagnostic, harmlessLimit, renderExpr, verdict, type RuleRecord } from '../src/model/index.ts';
import { buildLogic } from '../src/model/lowering.ts';
import { checkRuleTests } from '../src/model/checks.ts';
import { fixture, SHARED } from './helpers/golden.ts';
import { tempDir } from './helpers/tempDir.ts';

const REPO = fixture('panther', 'repo');
let scan: ScanResult;
const rule = (stem: string): RuleRecord => {
  const r = scan.rules.find((x) => x.id === `panther/${stem}`);
  assert.ok(r, `no rule panther/${stem}`);
  return r;
};
const file = (p: string) => {
  const f = scan.files.find((x) => x.path === p);
  assert.ok(f, `no file ${p}`);
  return f;
};
const ev = (r: RuleRecord, event: unknown) => evaluate(r.logic.condition!, event, { resolve: pantherAdapter.resolveField! });

before(async () => {
  scan = await scanSource(pantherAdapter, REPO, { repository: 'fixture/panther', commit: 'abc', licence: 'Apache-2.0', urlBase: 'https://example.test/blob/abc/' });
});

describe('panther fixtures: files accounted for', () => {
  test('every file has an outcome, with reasons for skipped / support', () => {
    const outcomes = Object.fromEntries(scan.files.map((f) => [f.path, f.outcome]));
    assert.equal(outcomes['README.md'], 'skipped');
    assert.equal(outcomes['packs/pack.yml'], 'skipped');
    assert.equal(outcomes['deprecated.txt'], 'support');
    assert.equal(outcomes['rules/with_python.py'], 'support');
    assert.equal(outcomes['rules/simple_ops.yml'], 'parsed');
    for (const f of scan.files) if (f.outcome === 'skipped' || f.outcome === 'support') assert.ok(f.reason, f.path);
  });
  test('malformed YAML: GEN003 at its line, other files unaffected', () => {
    const f = file('rules/bad_yaml.yml');
    assert.equal(f.outcome, 'error');
    assert.deepEqual(f.diagnostics.map((d) => [d.code, d.line]), [['GEN003', 5]]);
    assert.equal(file('rules/simple_ops.yml').outcome, 'parsed');
  });
  test('unknown AnalysisType: PAN001 at the AnalysisType line', () => {
    const f = file('rules/unknown_type.yml');
    assert.equal(f.outcome, 'error');
    assert.deepEqual(f.diagnostics.map((d) => [d.code, d.severity, d.line]), [['PAN001', 'error', 2]]);
  });
  test('spec without AnalysisType in a content folder: PAN002', () => {
    assert.deepEqual(file('rules/no_type.yml').diagnostics.map((d) => d.code), ['PAN002']);
  });
});

describe('panther metadata', () => {
  test('identity, source, text, severity, ATT&CK, facts, tests', () => {
    const r = rule('simple_ops');
    assert.equal(r.nativeId, 'Fixture.Simple.Ops');
    assert.equal(r.nativeType, 'rule');
    assert.equal(r.title, 'Fixture simple detection operators');
    assert.equal(r.source.url, 'https://example.test/blob/abc/rules/simple_ops.yml');
    assert.equal(r.source.commit, 'abc');
    assert.equal(r.severity, 'high');
    assert.equal(r.severityNative, 'High');
    assert.deepEqual(r.references, ['https://example.com/simple']);
    assert.deepEqual(r.attackDeclared, [
      { text: 'TA0007:T1078', tactic: 'TA0007', techniqueId: 'T1078' },
      { text: 'TA0005', tactic: 'TA0005' },
    ]);
    assert.deepEqual(r.facts['Reports'], { CIS: [1.2] });
    assert.equal(r.facts['DedupPeriodMinutes'], 30);
    assert.equal(r.facts['Threshold'], 5);
    assert.deepEqual(r.logSources, [{ kind: 'LogTypes', name: 'AWS.CloudTrail' }]);
    assert.deepEqual(r.body.map((b) => b.language), ['yaml']);
    assert.equal(r.tests.length, 2);
    assert.equal(r.tests[0]!.line, 46);
    // a Log given as a JSON string is parsed
    assert.equal((r.tests[1]!.event as Record<string, unknown>)['sourceIPAddress'], '10.1.1.1');
  });
  test('kinds: signal, deprecated (deprecated.txt), policy, correlation, hunting, building block, enrichment, template', () => {
    assert.equal(rule('simple_combinators').kind, 'signal');
    assert.equal(rule('deprecated_rule').kind, 'deprecated');
    assert.equal(rule('deprecated_rule').status, 'deprecated');
    assert.equal(rule('policy').kind, 'policy');
    assert.equal(rule('seq').kind, 'correlation');
    assert.equal(rule('simple_saved').kind, 'hunting');
    assert.equal(rule('logins_query').kind, 'building_block');
    assert.match(rule('logins_query').kindReason, /Fixture\.Scheduled\.Logins/);
    assert.equal(rule('logins_rule').kind, 'detection');
    assert.equal(rule('intel_summary').kind, 'enrichment');
    assert.match(rule('intel_summary').kindReason, /panther_lookups\.public\.intel_feed/);
    assert.equal(rule('macro_library').kind, 'building_block');
    assert.equal(rule('policy').tests[0]!.expected, false);
  });
  test('ATT&CK entries keep their text; malformed ones are flagged', () => {
    assert.deepEqual(parseAttackEntry('TA0006:T1110.003').value, { text: 'TA0006:T1110.003', tactic: 'TA0006', techniqueId: 'T1110.003' });
    assert.equal(parseAttackEntry('TA003:T1556').ok, false);
    assert.equal(parseAttackEntry('TA003:T1556').value.text, 'TA003:T1556');
  });
  test('mocks', () => {
    assert.deepEqual(rule('py_missing').tests[0]!.mocks, [{ name: 'get_counter', value: 5 }]);
  });
});

describe('panther Python bodies', () => {
  test('missing Python body: PAN004 warning at Filename, completeness none, a note, not parsed logic', () => {
    const r = rule('py_missing');
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.severity, d.line]), [['PAN004', 'warning', 2]]);
    assert.equal(r.logic.completeness, 'none');
    assert.equal(r.logic.condition, undefined);
    assert.equal(r.logic.parser, undefined);
    assert.match(r.logic.note ?? '', /rules\/py_missing\.py/);
  });
  test('present Python body: shown verbatim, lowered, InlineFilters ANDed before rule()', () => {
    const r = rule('with_python');
    assert.deepEqual(r.body.map((b) => [b.path, b.language]), [['rules/with_python.yml', 'yaml'], ['rules/with_python.py', 'python']]);
    assert.equal(r.logic.parser, 'Python via tree-sitter');
    assert.equal(r.logic.stages[0]!.label, 'InlineFilters');
    if (r.logic.condition) assert.match(renderExpr(r.logic.condition), /^eventSource eq "iam\.amazonaws\.com"/);
    assert.ok(file('rules/with_python.yml').dependsOn?.includes('rules/with_python.py'));
  });
  test('Threshold: a count of matches per dedup string within DedupPeriodMinutes; an f-string of fields groups by them', async () => {
    const r = rule('threshold_fields');
    const a = r.logic.aggregation!;
    assert.deepEqual([a.function, a.groupBy, a.window, a.threshold], ['count', ['recipientAccountId', 'awsRegion'], '30m', { op: 'ge', value: 5, of: 'rule matches' }]);
    assert.equal(r.logic.completeness, 'complete');
    // a title() built by a helper from one field (`.upper()` of it with a default): a computed key with its derivation
    // (default 60m), counted per its value
    const t = rule('threshold_title');
    assert.deepEqual([t.logic.aggregation?.computedKeys, t.logic.aggregation?.window], [['title()'], '60m']);
    // (the f-string around it is `str` and its texts, which split no group: left out; `.upper()` of a value that is
    // not a string raises, so the key is unknown there, not null)
    assert.deepEqual(t.logic.aggregation?.derivedKeys, [{ name: 'title()', field: 'userIdentity.userName', derived: { steps: [{ fn: 'upper' }], lang: 'python', onError: 'unknown' }, missingAs: '<unknown>' }]);
    assert.equal(t.logic.completeness, 'complete');
    const plan = planAggregation(t.logic.aggregation!);
    assert.ok(!('unsupported' in plan));
    const st = new AggregateState(plan);
    const resolve = (e: unknown, f: string) => f.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], e);
    const fired = [{ userIdentity: { userName: 'ann' } }, { userIdentity: { userName: 'ANN' } }, {}, ...Array.from({ length: 8 }, () => ({ userIdentity: { userName: 'Ann' } }))].map((e, i) => st.add(e, Date.UTC(2024, 0, 1, 0, i), resolve));
    assert.deepEqual(fired.filter(Boolean), [{ key: '"ANN"', count: 10 }]);
    // two values joined by + (no text between them to tell where one ends): computed, the rule partial with that reason
    const c = rule('threshold_concat');
    assert.deepEqual(c.logic.aggregation?.computedKeys, ['title()']);
    assert.equal(c.logic.completeness, 'partial');
    assert.match(c.logic.missing.map((m) => m.reason).join('\n'), /group-by key title\(\) is a value the rule computes/);
    // without a Threshold above 1 there is no aggregation
    assert.equal(rule('with_python').logic.aggregation, undefined);
    // the hunt alerts at the fifth denied call of one account and region within 30 minutes, not before
    const { HuntEngine } = await import('../src/hunt/engine.ts');
    const { hunt } = await import('../src/hunt/session.ts');
    const { writeFileSync } = await import('node:fs');
    const dir = tempDir('detwiki-panther-threshold-');
    const at = (m: number) => new Date(Date.UTC(2024, 4, 1, 10, m)).toISOString();
    const call = (region: string, m: number) => JSON.stringify({ p_log_type: 'AWS.CloudTrail', eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances', errorCode: 'AccessDenied', recipientAccountId: '111', awsRegion: region, eventTime: at(m) });
    // four in eu-north-1 and one in us-east-1 within ten minutes: no alert; the fifth in eu-north-1 at 20 minutes: one
    const lines = [call('eu-north-1', 0), call('eu-north-1', 2), call('us-east-1', 3), call('eu-north-1', 5), call('eu-north-1', 9), call('eu-north-1', 20)];
    writeFileSync(path.join(dir, 'ct.jsonl'), lines.join('\n') + '\n');
    const hits: { type: string; rule: RuleRecord; count?: number; pos: { line?: number } }[] = [];
    await hunt(new HuntEngine([r], { all: true }), [path.join(dir, 'ct.jsonl')], { onHit: (h) => hits.push(h as never) });
    assert.deepEqual(hits.filter((h) => h.type === 'aggregate').map((h) => [h.count, h.pos.line]), [[5, 6]]);
  });
});

describe('panther YAML detections', () => {
  test('scalar conditions: exact rendering', () => {
    const r = rule('simple_ops');
    assert.equal(r.logic.parser, 'Panther YAML detection');
    assert.equal(r.logic.completeness, 'complete');
    assert.equal(
      renderExpr(r.logic.condition!),
      'eventName eq "ConsoleLogin" and region in ["us-east-1", "us-west-2"] and userIdentity.arn ends_with ":root" and not userAgent contains[cs] "Terraform" and responseElements.count ge 3 and not sourceIPAddress cidr "10.0.0.0/8" and errorCode is_null',
    );
    assert.deepEqual(r.logic.outputFields, [{ name: 'user', source: 'AlertContext', from: 'userIdentity.arn' }]);
  });
  test('scalar conditions: evaluation agrees with the rule tests and Panther semantics', () => {
    const r = rule('simple_ops');
    for (const t of r.tests) assert.equal(ev(r, t.event), t.expected, t.name);
    const base = r.tests[0]!.event as Record<string, unknown>;
    assert.equal(ev(r, { ...base, eventName: 'consolelogin' }), false, 'Equals is case-sensitive');
    assert.equal(ev(r, { ...base, userAgent: 'terraform' }), true, 'DoesNotContain is case-sensitive');
    assert.equal(ev(r, { ...base, userAgent: 'x-Terraform' }), false);
    assert.equal(ev(r, { ...base, responseElements: { count: '4' } }), 'unknown', 'no type coercion: "4" >= 3 is a Python TypeError');
    assert.equal(ev(r, { ...base, errorCode: 'AccessDenied' }), false);
  });
  test('OnlyOne is exactly one; None is none; [*], AnyElement, multi-key', () => {
    const r = rule('simple_combinators');
    const text = renderExpr(r.logic.condition!);
    assert.ok(text.startsWith('((a eq 1 and not b eq 2 and not c eq 3) or (b eq 2 and not a eq 1 and not c eq 3) or (c eq 3 and not a eq 1 and not b eq 2))'), text);
    assert.ok(text.includes('not (actor starts_with[cs] "bot-" or (actor is_null and actor ne 0))'), text);
    assert.ok(text.includes('(repo.topics[*] contains "secret" or tags[*].name eq "prod" or stats.after gt field(stats.before))'), text);
    assert.equal(r.logic.completeness, 'partial');
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.line]), [['PAN008', 45]]);
    assert.equal(r.logic.missing.length, 2);
    // evaluate the structured parts: OnlyOne
    const only = r.logic.condition!.kind === 'and' ? r.logic.condition!.args[0]! : r.logic.condition!;
    assert.equal(evaluate(only, { a: 1 }), true);
    assert.equal(evaluate(only, { a: 1, b: 2 }), false, 'two of three is not exactly one');
    assert.equal(evaluate(only, {}), false);
    const none = r.logic.condition!.kind === 'and' ? r.logic.condition!.args[1]! : r.logic.condition!;
    assert.equal(evaluate(none, { actor: 'bot-1' }), false);
    assert.equal(evaluate(none, { actor: '' }), false, 'IsNullOrEmpty: "" is empty');
    assert.equal(evaluate(none, {}), false, 'IsNullOrEmpty: absent');
    assert.ok(none.kind === 'not' && none.arg.kind === 'or');
    const nullOrEmpty = none.kind === 'not' && none.arg.kind === 'or' ? none.arg.args[1]! : none;
    assert.equal(evaluate(nullOrEmpty, { actor: 0 }), false, '0 is not null or empty');
    assert.equal(evaluate(nullOrEmpty, { actor: false }), false, 'False is not null or empty');
    assert.equal(evaluate(nullOrEmpty, { actor: [] }), true, '[] is empty');
    assert.equal(evaluate(nullOrEmpty, { actor: {} }), true, '{} is empty');
    assert.equal(evaluate(nullOrEmpty, { actor: null }), true);
    assert.equal(evaluate(none, { actor: 'alice' }), true);
    const any = r.logic.condition!.kind === 'and' ? r.logic.condition!.args[2]! : r.logic.condition!;
    const res = (e: unknown) => evaluate(any, e, { resolve: resolvePantherField });
    assert.equal(res({ repo: { topics: ['a', 'My-SECRET'] } }), true);
    assert.equal(res({ tags: [{ name: 'dev' }, { name: 'prod' }] }), true);
    assert.equal(res({ tags: [{ name: 'dev' }], stats: { after: 1, before: 3 } }), false);
    // ordering a missing key: Panther does not document it (a Python TypeError) → unknown, never a guess
    assert.equal(res({ tags: [{ name: 'dev' }] }), 'unknown');
    assert.equal(res({ stats: { after: 5, before: 3 } }), true);
    assert.equal(res({ stats: { after: 1, before: 3 } }), false);
  });
  test('KeyPath resolver: [*] and [n]', () => {
    const e = { a: [{ b: 1 }, { b: 2 }], c: { d: ['x', 'y'] } };
    assert.deepEqual(resolvePantherField(e, 'a[*].b'), [1, 2]);
    assert.equal(resolvePantherField(e, 'c.d[1]'), 'y');
    assert.equal(resolvePantherField(e, 'a[5].b'), undefined);
  });
});

describe('panther SQL queries', () => {
  test('CTE query: stages, WHERE condition of the log-table SELECT, GROUP BY, every HAVING threshold', () => {
    const r = rule('logins_query');
    assert.equal(r.logic.parser, 'Snowflake SQL via node-sql-parser');
    assert.equal(
      renderExpr(r.logic.condition!),
      'eventType eq "user.session.start" and outcome.result ne "SUCCESS" and actor.alternateId wildcard[like] "%@example.com" and client.ipAddress is_not_null and severity in ["WARN", "ERROR"]',
    );
    assert.deepEqual(r.logic.stages.map((s) => `${s.kind}:${s.label}`), ['window:time window', 'source:FROM', 'filter:WHERE', 'source:FROM', 'aggregate:GROUP BY', 'having:HAVING', 'sort:ORDER BY', 'limit:LIMIT', 'project:SELECT']);
    // the outer SELECT reads the CTE: its key and counted column are columns of derived rows, not event fields
    assert.deepEqual([r.logic.aggregation?.groupBy, r.logic.aggregation?.computedKeys], [[], ['actor_id']]);
    assert.equal(r.logic.aggregation?.threshold, undefined);
    assert.equal(r.logic.aggregation?.window, '1 day'); // p_occurs_since('1 day')
    assert.ok(r.logic.missing.some((m) => /COUNT\(\*\) aggregates derived rows \(a CTE or subquery\), not events/.test(m.reason)), JSON.stringify(r.logic.missing));
    assert.equal(r.logic.completeness, 'partial');
    assert.deepEqual(r.logSources, [{ kind: 'table', name: 'panther_logs.public.okta_systemlog' }]);
    assert.deepEqual(r.body.map((b) => b.language), ['yaml', 'sql']);
    assert.ok(!/python/i.test(r.logic.parser ?? ''));
    // ILIKE is case-insensitive, = is not
    assert.equal(evaluate(r.logic.condition!, { eventType: 'user.session.start', outcome: { result: 'FAILURE' }, actor: { alternateId: 'Bob@EXAMPLE.com' }, client: { ipAddress: '1.1.1.1' }, severity: 'WARN' }), true);
    assert.equal(evaluate(r.logic.condition!, { eventType: 'USER.SESSION.START', outcome: { result: 'FAILURE' }, actor: { alternateId: 'b@example.com' }, client: { ipAddress: '1.1.1.1' }, severity: 'WARN' }), false);
  });
  test('simple query: NOT, IS NOT NULL, NOT LIKE, BETWEEN; the main query\'s LIMIT does not change whether it returns rows', () => {
    const r = rule('simple_saved');
    assert.equal(renderExpr(r.logic.condition!), 'eventName eq "DeleteTrail" and not errorCode is_not_null and not awsRegion wildcard[cs,like] "us-%" and requestParameters.name ge 1 and requestParameters.name le 5');
    assert.equal(r.logic.completeness, 'complete');
    assert.deepEqual(r.logic.missing, []);
    assert.ok(r.logic.stages.some((s) => s.kind === 'limit' && s.text === 'LIMIT 10'));
    assert.deepEqual(r.logic.exclusions.map((x) => renderExpr(x.expr)), ['errorCode is_not_null', 'awsRegion wildcard[cs,like] "us-%"']);
  });
  test('SQL syntax error: PAN005 at the YAML line, query body still shown, others unaffected', () => {
    const r = rule('bad_sql');
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.line]), [['PAN005', 7]]);
    assert.equal(r.logic.completeness, 'none');
    assert.equal(r.body[1]!.language, 'sql');
    assert.match(r.body[1]!.text, /eventName = = 'x'/);
  });
  test('scheduled rule: its query in body and stages, unknown query flagged', () => {
    const r = rule('logins_rule');
    assert.ok(r.body.some((b) => b.path === 'queries/logins_query.yml#Query' && b.language === 'sql'));
    assert.deepEqual(r.logic.stages.map((s) => s.detail?.['query']), ['Fixture Many Failed Logins', 'Fixture Query That Does Not Exist']);
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.line]), [['PAN012', 8], ['PAN004', 2]]);
  });
  test("scheduled rule: the condition is its query's WHERE and its Python over the query's rows", () => {
    // SELECT *: the row is the event, rule() tests an event field
    const root = rule('root_logins_rule');
    assert.equal(root.logic.completeness, 'complete', JSON.stringify(root.logic.missing));
    assert.equal(renderExpr(root.logic.condition!), 'eventName eq "ConsoleLogin" and userIdentity.type eq "Root"');
    assert.equal(ev(root, { eventName: 'ConsoleLogin', userIdentity: { type: 'Root' } }), true);
    // the query's filter holds too: a root AssumeRole is not one of its rows
    assert.equal(ev(root, { eventName: 'AssumeRole', userIdentity: { type: 'Root' } }), false);
    // an alias of an event field is that field; a column the query computes is not an event's: unknown
    const admin = rule('admin_rule');
    assert.equal(admin.logic.completeness, 'partial');
    assert.match(renderExpr(admin.logic.condition!), /^eventType eq "user\.account\.privilege\.grant" and actor\.alternateId eq "breakglass@example\.com" and /);
    assert.deepEqual(admin.logic.missing.map((m) => m.reason), ['os: a column scheduled query "Fixture Admin Grants" computes (LOWER(client:userAgent:os)), not an event\'s field']);
    const grant = { eventType: 'user.account.privilege.grant', actor: { alternateId: 'breakglass@example.com' } };
    assert.equal(ev(admin, grant), 'unknown');
    assert.equal(ev(admin, { ...grant, actor: { alternateId: 'someone@example.com' } }), false);
    // the rule's tests give rows of the query: they run against rule() alone, which is read in full
    assert.equal(admin.logic.tested?.completeness, 'complete');
    const checked = checkRuleTests(admin, pantherAdapter.resolveField);
    assert.deepEqual(checked.outcomes.map((o) => [o.got, o.agrees]), [[true, true], [false, true]]);
    assert.deepEqual(checkRuleTests(root, pantherAdapter.resolveField).outcomes.map((o) => o.got), [true]);
    // a query that returns groups: rule() tests the groups after the aggregation (a missing part); the events are
    // counted by the query's own condition and threshold
    const burst = rule('burst_rule');
    assert.equal(renderExpr(burst.logic.condition!), 'eventType eq "user.session.start"');
    assert.deepEqual([burst.logic.aggregation?.groupBy, burst.logic.aggregation?.threshold?.value], [['actor.alternateId'], 5]);
    assert.equal(burst.logic.completeness, 'partial');
    assert.ok(burst.logic.missing.some((m) => m.kind === 'filter' && /rule\(\) tests the aggregated rows the query returns \(n: a column of the aggregated rows/.test(m.reason)), JSON.stringify(burst.logic.missing));
    assert.deepEqual(checkRuleTests(burst, pantherAdapter.resolveField).outcomes.map((o) => o.got), [true]);
    // a query missing from the source, or aggregating into groups, leaves the rows unknown
    const logins = rule('logins_rule');
    assert.equal(logins.logic.condition?.kind, 'or');
    assert.ok(logins.logic.missing.some((m) => /the rows of scheduled query "Fixture Query That Does Not Exist"/.test(m.reason)));
    assert.ok(logins.logic.missing.some((m) => /scheduled query "Fixture Many Failed Logins": /.test(m.reason)));
  });
  test('templates and threshold mirroring', () => {
    const tpl = "-- pragma: template\n{% import 'x' y %}\nselect 1";
    const t = lowerSql(tpl, 'q#Query', SourceMap.verbatim('q.yml', tpl));
    assert.deepEqual(t.diagnostics.map((d) => d.code), ['PAN006']);
    const sql = 'select a from t group by a having 5 < count(*)';
    const m = lowerSql(sql, 'q#Query', SourceMap.verbatim('q.yml', sql));
    // aggregates carry no location in node-sql-parser's AST: their text is regenerated
    assert.deepEqual(m.aggregation?.threshold, { op: 'gt', value: 5, of: 'COUNT(*)' });
  });
  test("SQL's NULL: a test of a missing column is NULL, also under NOT and in !=; IS NULL is not", () => {
    const cond = (where: string) => buildLogic({ ...lowerSql(`select * from t where ${where}`, 'q#Query', SourceMap.verbatim('q.yml', `select * from t where ${where}`)), parser: 'sql' }).condition!;
    const row = { eventName: 'CreateUser' };
    assert.equal(verdict(cond("eventName = 'CreateUser' AND userType != 'AWSService'"), row), false, 'a row without userType is left out');
    assert.equal(verdict(cond("eventName = 'CreateUser' AND NOT userType = 'AWSService'"), row), false);
    assert.equal(verdict(cond("eventName = 'CreateUser' AND NOT userType LIKE 'AWS%'"), row), false);
    assert.equal(verdict(cond("eventName = 'CreateUser' AND userType != 'AWSService'"), { ...row, userType: 'IAMUser' }), true);
    assert.equal(verdict(cond("eventName = 'CreateUser' AND (userType IS NULL OR userType != 'AWSService')"), row), true);
    assert.equal(verdict(cond("eventName = 'CreateUser' OR userType = 'Root'"), row), true, 'NULL or true is true');
  });
  test('a member of a JSON text, PARSE_JSON(col):key, compared with a literal either way round', () => {
    const cond = (where: string) => buildLogic({ ...lowerSql(`select * from t where ${where}`, 'q#Query', SourceMap.verbatim('q.yml', `select * from t where ${where}`)), parser: 'sql' }).condition!;
    const c = cond("PARSE_JSON(env):APPLICATION = 'x' AND 'Linux' = PARSE_JSON(env):OS.NAME");
    assert.equal(renderExpr(c), 'json(env).APPLICATION eq "x" and json(env).OS.NAME eq "Linux"');
    assert.equal(verdict(c, { env: '{"APPLICATION":"x","OS":{"NAME":"Linux"}}' }), true);
    assert.equal(verdict(c, { env: '{"APPLICATION":"x","OS":{"NAME":"Windows"}}' }), false);
    assert.equal(verdict(c, { env: '{"APPLICATION":"x"}' }), false);
    assert.equal(verdict(c, {}), false);
    assert.equal(verdict(cond("NOT PARSE_JSON(env):APPLICATION = 'x'"), {}), false, 'NULL under NOT');
    assert.equal(cond("PARSE_JSON(env)[0] = 'x'").kind, 'opaque');
  });
  test('HAVING thresholds over a log table: event fields (aliases resolved), distinct counts, ORs, the p_occurs_since window', () => {
    const low = (sql: string) => buildLogic({ ...lowerSql(sql, 'q#Query', SourceMap.verbatim('q.yml', sql)), parser: 'sql' });
    const l = low(`SELECT userIdentity:arn AS arn, COUNT(*) AS n FROM panther_logs.public.aws_cloudtrail
      WHERE p_occurs_since('1 day') AND errorCode = 'AccessDenied'
      GROUP BY arn HAVING COUNT(DISTINCT eventName) > 10 OR (COUNT(*) > 100 AND COUNT(sourceIPAddress) >= 2)`);
    assert.equal(l.completeness, 'complete', JSON.stringify(l.missing));
    const a = l.aggregation!;
    assert.deepEqual([a.groupBy, a.window, a.function, a.threshold], [['userIdentity.arn'], '1 day', 'count_distinct(eventName)', { op: 'gt', value: 10, of: 'COUNT(DISTINCT "eventName")' }]);
    assert.deepEqual(a.orThresholds, [[{ function: 'COUNT', op: 'gt', value: 100, of: 'COUNT(*)' }, { function: 'COUNT(sourceIPAddress)', op: 'ge', value: 2, of: 'COUNT("sourceIPAddress")' }]]);
    // a negation, an aggregate of a computed value, and a computed key are not read, each with its reason
    assert.equal(low("SELECT a FROM t WHERE p_occurs_since('1 hour') GROUP BY a HAVING NOT COUNT(*) > 5").completeness, 'partial');
    const computed = low("SELECT a FROM t GROUP BY a HAVING COUNT(DISTINCT CASE WHEN ip LIKE '%:%' THEN NULL ELSE ip END) >= 3");
    assert.match(computed.missing.map((m) => m.reason).join('\n'), /aggregates a value the query computes/);
    const key = low('SELECT LOWER(a) AS k, COUNT(*) FROM t WHERE b = 1 GROUP BY k HAVING COUNT(*) > 5');
    assert.deepEqual([key.aggregation?.groupBy, key.aggregation?.computedKeys], [[], ['k']]);
    assert.equal(key.completeness, 'partial');
    // two windows, or one that is not p_occurs_since: not read as the window
    assert.equal(low("SELECT a FROM t WHERE p_occurs_between('2024-01-01', '2024-01-02') GROUP BY a HAVING COUNT(*) > 5").completeness, 'partial');
  });
  test('a LIMIT in a subquery, or with an offset, keeps only some rows: missing', () => {
    const reasons = (sql: string) => lowerSql(sql, 'q#Query', SourceMap.verbatim('q.yml', sql)).missing.map((m) => m.reason);
    assert.deepEqual(reasons('select a from t where b = 1 limit 5'), []);
    assert.deepEqual(reasons('select a from t where b = 1 limit 5 offset 10'), ['LIMIT 5 OFFSET 10: only some of the matching rows are kept']);
    assert.ok(reasons('select a from (select a from t where b = 1 limit 5) s').some((r) => r.startsWith('LIMIT 5 (in s)')), reasons('select a from (select a from t where b = 1 limit 5) s').join('; '));
    // pages call only the final limit harmless
    const logic = (sql: string) => buildLogic({ ...lowerSql(sql, 'q#Query', SourceMap.verbatim('q.yml', sql)), parser: 'sql' });
    const end = logic('select a from t where b = 1 limit 5');
    assert.deepEqual(end.stages.filter((st) => harmlessLimit(end, st)).map((st) => st.text), ['LIMIT 5']);
    const sub = logic('select a from (select a from t where b = 1 limit 5) s');
    assert.deepEqual(sub.stages.filter((st) => harmlessLimit(sub, st)), []);
  });
});

describe('panther correlation rules', () => {
  test('sequence: stages, rules, keys, window', () => {
    const r = rule('seq');
    assert.deepEqual(r.logic.stages.map((s) => `${s.kind}:${s.label}`), ['sequence:Created', 'sequence:Deleted', 'sequence:Created FOLLOWED BY Deleted', 'window:LookbackWindowMinutes']);
    assert.deepEqual(r.logic.aggregation?.rules, ['Fixture.UserCreated', 'Fixture.UserDeleted']);
    assert.deepEqual(r.logic.aggregation?.groupBy, ['p_alert_context.user']);
    assert.equal(r.logic.aggregation?.window, '120m');
    assert.equal(r.logic.parser, 'Panther YAML correlation');
    assert.equal(r.tests[0]!.expected, true);
  });
  test('sequence: the correlation stated, and its own tests decided by it', () => {
    const r = rule('seq');
    assert.deepEqual(r.logic.aggregation?.correlation, {
      mode: 'sequence',
      members: [
        { id: 'Created', rule: 'Fixture.UserCreated', minMatches: 1, absent: false, keys: ['p_alert_context.user'] },
        { id: 'Deleted', rule: 'Fixture.UserDeleted', minMatches: 1, absent: false, keys: ['p_alert_context.user'] },
      ],
      criteria: ['On p_alert_context.user'],
      windowMinutes: 120,
      transitions: [{ id: 'Created FOLLOWED BY Deleted', from: 'Created', to: 'Deleted', withinMinutes: 60, on: [{ from: 'p_alert_context.user', to: 'p_alert_context.user' }] }],
    });
    const check = checkRuleTests(r);
    assert.equal(check.checked, true);
    assert.deepEqual(check.outcomes.map((o) => [o.name, o.got, o.agrees]), [
      ['created then deleted within the hour', true, true],
      ['deleted first', false, true],
      ['deleted too late', false, true],
    ]);
  });
  test('group: MinMatchCount threshold and Absence kept', () => {
    const r = rule('group');
    assert.deepEqual(r.logic.aggregation?.threshold, { op: 'ge', value: 5, of: 'Fails' });
    assert.equal(r.logic.stages.find((s) => s.label === 'Archived')?.detail?.['absence'], true);
    assert.match(r.logic.aggregation?.text ?? '', /Fixture\.RepoArchived \(absent\)/);
  });
});

const CORPUS = path.join(SHARED, 'corpora', 'panther');
describe('panther corpus', { skip: !existsSync(CORPUS) && 'corpus absent' }, () => {
  let res: ScanResult;
  before(async () => {
    res = await scanSource(pantherAdapter, CORPUS, { repository: 'panther-labs/panther-analysis' });
  });
  test('every .yml is parsed, support or skipped, with no error diagnostics', () => {
    const offenders: string[] = [];
    for (const f of res.files) {
      if (f.outcome === 'error') offenders.push(`${f.path}: error outcome`);
      for (const d of f.diagnostics) if (d.severity === 'error') offenders.push(formatDiagnostic(d));
    }
    assert.deepEqual(offenders, []);
  });
  test('metadata, ATT&CK and tests are read', () => {
    const offenders: string[] = [];
    for (const r of res.rules) {
      if (!r.nativeId) offenders.push(`${r.source.path}: no native id`);
      const text = r.body[0]!.text;
      if (text.includes('MITRE ATT&CK:') && r.attackDeclared.length === 0) offenders.push(`${r.source.path}: ATT&CK entries not read`);
      if (/^Tests:\s*\n\s+-/m.test(text) && r.tests.length === 0) offenders.push(`${r.source.path}: tests not read`);
    }
    assert.deepEqual(offenders, []);
    assert.ok(res.rules.filter((r) => r.attackDeclared.length).length > 500);
  });
  test('correlation rules: their own tests are decided by the correlation, and every one agrees', () => {
    const corr = res.rules.filter((r) => r.logic.aggregation?.correlation && r.tests.length);
    assert.ok(corr.length >= 25, `${corr.length} correlation rules with tests`);
    const offenders: string[] = [];
    let decided = 0;
    for (const r of corr) {
      for (const o of checkRuleTests(r).outcomes) {
        if (o.got === 'unknown' || !o.agrees) offenders.push(`${r.source.path}: ${o.name}: expected ${o.expected}, got ${o.got} (${o.detail})`);
        else decided++;
      }
    }
    assert.deepEqual(offenders, []);
    assert.ok(decided >= 80, `${decided} tests decided`);
  });
  test('rules whose Python body is absent say so and are not counted as parsed logic', () => {
    const offenders: string[] = [];
    for (const r of res.rules) {
      if (!r.diagnostics.some((d) => d.code === 'PAN004')) continue;
      if (r.logic.completeness !== 'none' || r.logic.condition || r.logic.parser || !r.logic.note) offenders.push(r.source.path);
    }
    assert.deepEqual(offenders, []);
    // exactly the rules whose spec names a body file that is not in the corpus (it carries Panther's Python now)
    const missing = res.rules.filter((r) => {
      const m = /^Filename:\s*(\S+)/m.exec(r.body[0]!.text);
      return m !== null && !existsSync(path.join(CORPUS, path.dirname(r.source.path), m[1]!));
    });
    assert.equal(res.rules.filter((r) => r.diagnostics.some((d) => d.code === 'PAN004')).length, missing.length);
  });
  test('SQL parser notes never mention Python; most queries parse', () => {
    const queries = res.rules.filter((r) => r.nativeType === 'scheduled_query' || r.nativeType === 'saved_query');
    for (const q of queries) assert.ok(!/python/i.test(q.logic.parser ?? ''), q.source.path);
    const parsed = queries.filter((q) => q.logic.parser?.startsWith('Snowflake SQL'));
    assert.ok(parsed.length / queries.length > 0.55, `${parsed.length}/${queries.length}`);
  });
});
