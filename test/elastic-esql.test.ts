/**
 * ES|QL in Elastic rules and hunting queries: golden pairs per construct (test/fixtures/elastic/esql), the meaning
 * of the lowered condition under evaluation (null semantics of WHERE, case-sensitive ==, LIKE / RLIKE, folds),
 * thresholds and output fields, and diagnostics with their codes and host-file locations.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeCount, planAggregation, thresholdText } from '../src/model/aggregate.ts';
import { lowerEsql, parseEsql } from '../src/formats/elastic/esql/index.ts';
import { ESQL_LIMITS } from '../src/formats/elastic/esql/esqlFacts.ts';
import { grokKeys, grokToRegex, likeToGlob, rlikeToRegex } from '../src/formats/elastic/esql/patterns.ts';
import { evaluate } from '../src/model/evaluate.ts';
import { dissect, dissectKeys, dissectUnsupported, parseDissect } from '../src/model/dissect.ts';
import { renderExpr } from '../src/model/render.ts';
import { assertGolden } from './helpers/golden.ts';
import { fixtureCases, lowerFixture, renderLowering } from './helpers/elasticQuery.ts';

const CTX = { file: 'rules/x.toml', line: 20, column: 1 };
const low = (q: string) => {
  const r = lowerEsql(q, CTX);
  assert.ok(r.parsed, `did not parse: ${q} ${JSON.stringify(r.diagnostics)}`);
  return r;
};
const where = (e: string) => low(`from logs-* | where ${e}`).condition!;

describe('ES|QL golden pairs', () => {
  for (const c of fixtureCases('esql', 'esql')) {
    it(c.name, () => assertGolden(c.expected, renderLowering(c.text, lowerFixture(lowerEsql, c.name, c.text))));
  }
});

describe('ES|QL thresholds', () => {
  it('each condition on an aggregate is a threshold with the event field it counts; an EVAL column is not one', () => {
    const l = low('from logs-* | where event.outcome == "failure" | stats n = count(*), u = count_distinct(user.name) by source.ip | where n >= 20 and u > 5');
    assert.deepEqual([l.aggregation?.function, l.aggregation?.threshold?.value], ['count', 20]);
    assert.deepEqual(l.aggregation?.moreThresholds, [{ function: 'count_distinct(user.name)', op: 'gt', value: 5, of: 'u' }]);
    const evald = low('from logs-* | eval low = to_lower(user.name) | stats n = count_distinct(low) by host.name | where n >= 20');
    assert.equal(evald.aggregation?.threshold, undefined);
    assert.match(evald.missing.map((m) => m.reason).join('\n'), /count_distinct\(low\) aggregates a value the query computes/);
  });
  it('a time filter of its own before the aggregation (`@timestamp > now() - 14 day`) is the window of the events counted', () => {
    const l = low('from logs-* | where @timestamp > now() - 14 day | where event.outcome == "success" | stats n = count(*) by user.name | where n < 2');
    assert.equal(l.aggregation?.window, '14 day');
    assert.equal(describeCount(l.aggregation!), 'alerts when fewer than 2 matching events are seen per user.name within one fixed 14 day window, decided when it closes');
    assert.equal(low('from logs-* | where now() - 1 hour <= @timestamp and x == 1 | stats n = count(*) by user.name | where n > 2').aggregation?.window, '1 hour');
    // not a window: inside an or, another field, a bound after the aggregation, or a time bucket (its own window)
    for (const q of [
      'from logs-* | where @timestamp > now() - 14 day or x == 1 | stats n = count(*) by user.name | where n > 2',
      'from logs-* | where event.created > now() - 14 day | stats n = count(*) by user.name | where n > 2',
      'from logs-* | where @timestamp < now() - 14 day | stats n = count(*) by user.name | where n > 2',
    ]) assert.equal(low(q).aggregation?.window, undefined, q);
    const b = low('from logs-* | where @timestamp > now() - 14 day | stats n = count(*) by user.name, bucket(@timestamp, 1 hour) | where n > 2');
    assert.deepEqual([b.aggregation?.window, b.aggregation?.bins], ['1 hour', true]);
    // a time bucket EVAL computed, named by the key, is the window's bins as well
    for (const q of ['from logs-* | eval w = date_trunc(5 minutes, @timestamp) | stats n = count(*) by user.name, w | where n > 2', 'from logs-* | eval w = bucket(@timestamp, 5 minutes) | rename w as t | stats n = count(*) by t, user.name | where n > 2']) {
      const e = low(q);
      assert.deepEqual([e.aggregation?.window, e.aggregation?.bins, e.aggregation?.groupBy, e.aggregation?.computedKeys, e.missing], ['5 minutes', true, ['user.name'], undefined, []], q);
    }
    // a second bucket is a computed key
    assert.deepEqual(low('from logs-* | eval w = date_trunc(5 minutes, @timestamp) | stats n = count(*) by w, bucket(@timestamp, 1 hour) | where n > 2').aggregation?.computedKeys, ['bucket(@timestamp, 1 hour)']);
    // a case fold or a COALESCE of fields is a computed key the model states (a hunt counts per its value)
    const keys = low('from logs-* | eval who = coalesce(user.name, user.id), h = to_lower(host.name) | stats n = count(*) by who, h | where n > 2');
    assert.deepEqual(keys.aggregation?.derivedKeys, [{ name: 'who', field: 'user.name', coalesce: ['user.id'] }, { name: 'h', field: 'host.name', derived: { steps: [{ fn: 'lower' }] } }]);
    assert.deepEqual([keys.missing, (planAggregation(keys.aggregation!) as { groupBy?: readonly string[] }).groupBy], [[], ['who', 'h']]);
  });
  it('an aggregate of CASE(c, v), in the call or in an EVAL column, counts the rows meeting c', () => {
    const l = low('from logs-* | eval bad = case(event.outcome == "failure", source.ip, null), hit = case(event.code == "4625", 1, 0), tag = case(event.code == "4624", "ok") | stats n = count(bad), u = count_distinct(bad), h = sum(hit), t = count(tag), k = count_distinct(case(event.code == "1", user.name)) by host.name | where n >= 20 and u > 2 and h > 1 and t > 0 and k > 3');
    assert.deepEqual(l.missing, []);
    const tests = [{ function: l.aggregation!.function, ...l.aggregation!.threshold! }, ...l.aggregation!.moreThresholds!].map((t) => `${t.function} ${t.op} ${t.value} where ${renderExpr(t.where!)}`);
    assert.deepEqual(tests, [
      'count(source.ip) ge 20 where event.outcome eq "failure"',
      'count_distinct(source.ip) gt 2 where event.outcome eq "failure"',
      'count gt 1 where event.code eq "4625"',
      'count gt 0 where event.code eq "4624"',
      'count_distinct(user.name) gt 3 where event.code eq "1"',
    ]);
    // not conditional: COUNT of CASE(c, 1, 0) counts every row (0 is a value), a distinct count of a value computed
    for (const q of ['from logs-* | eval hit = case(event.code == "4625", 1, 0) | stats n = count(hit) by host.name | where n > 1', 'from logs-* | eval v = case(x == 1, to_lower(user.name)) | stats n = count_distinct(v) by host.name | where n > 1']) {
      assert.match(low(q).missing.map((m) => m.reason).join('\n'), /aggregates a value the query computes/, q);
    }
  });
  it('two aggregates compared (`WHERE f > o`) are a threshold of one against the other', () => {
    const l = low('from logs-* | stats f = count(*) where event.outcome == "failure", o = count(*) where event.outcome == "success" by user.name | where f > o and f >= 3');
    assert.deepEqual(l.missing, []);
    assert.equal(describeCount(l.aggregation!), 'alerts when more events where event.outcome eq "failure" than events where event.outcome eq "success" and at least 3 events where event.outcome eq "failure" are seen per user.name over the whole run, decided at its end');
    // an aggregate of an EVAL'd value on either side is not read
    assert.match(low('from logs-* | eval u = to_lower(user.name) | stats f = count(*), d = count_distinct(u) by host.name | where f > d').missing.map((m) => m.reason).join('\n'), /count_distinct\(u\) aggregates a value the query computes/);
  });
  it('conditional counts: COUNT(*) WHERE c and SUM(CASE(c, 1, 0)) count the rows meeting c', () => {
    const l = low('from logs-* | eval failed = event.outcome == "failure" | stats fails = sum(case(failed, 1, 0)), ok = count(*) where event.outcome == "success", users = count_distinct(user.name) where event.outcome == "failure" by source.ip | where fails >= 10 and ok > 0 and users > 2');
    assert.deepEqual(l.missing, []);
    assert.deepEqual(thresholdText(l.aggregation!), 'fails ge 10 and ok gt 0 and users gt 2');
    assert.equal(describeCount(l.aggregation!), 'alerts when at least 10 events where event.outcome eq "failure" and more than 0 events where event.outcome eq "success" and more than 2 distinct user.name values of events where event.outcome eq "failure" are seen per source.ip over the whole run');
    // a CASE that does not count one per row is a computed value
    assert.match(low('from logs-* | stats n = sum(case(event.outcome == "failure", 2, 0)) by source.ip | where n >= 10').missing.map((m) => m.reason).join(), /aggregates a value the query computes/);
  });
  it('thresholds in ORs are alternatives; a condition on a value of an aggregate in one keeps the whole OR out', () => {
    const l = low('from logs-* | stats n = count(*), u = count_distinct(user.name) by source.ip | where n >= 20 or (u > 5 and n > 2)');
    assert.deepEqual([l.aggregation?.function, l.aggregation?.threshold], ['count', { op: 'ge', value: 20, of: 'n' }]);
    assert.deepEqual(l.aggregation?.orThresholds, [[{ function: 'count_distinct(user.name)', op: 'gt', value: 5, of: 'u' }, { function: 'count', op: 'gt', value: 2, of: 'n' }]]);
    assert.deepEqual(l.missing, []);
    // an alternative over an aggregate that is not counted (max) is stated, and the hunt says why it does not count it
    const max = low('from logs-* | stats n = count(*), m = max(event.duration) by source.ip | where n >= 20 or m > 100');
    assert.deepEqual(max.aggregation?.orThresholds, [[{ function: 'max(event.duration)', op: 'gt', value: 100, of: 'm' }]]);
    assert.match(JSON.stringify(planAggregation(max.aggregation!)), /aggregate function max\(event.duration\) is not counted/);
    // a test of an aggregate's value that is not a comparison with a number keeps the whole OR out
    const mixed = low('from logs-* | stats n = count(*), v = values(user.name) by source.ip | where n >= 20 or v == "root"');
    assert.equal(mixed.aggregation?.threshold, undefined);
    assert.deepEqual(mixed.missing.map((m) => m.reason), ['aggregation: a further condition on an aggregate']);
  });
});

describe('ES|QL semantics', () => {
  it('== on strings is exact and case-sensitive; =~ is case-insensitive', () => {
    assert.equal(evaluate(where('process.name == "cmd.exe"'), { process: { name: 'CMD.EXE' } }), false);
    assert.equal(evaluate(where('process.name =~ "cmd.exe"'), { process: { name: 'CMD.EXE' } }), true);
  });
  it('a null field makes a comparison null: WHERE drops the row under NOT and !=', () => {
    assert.equal(evaluate(where('not user.name == "root"'), {}), false);
    assert.equal(evaluate(where('user.name != "root"'), {}), false);
    assert.equal(evaluate(where('not user.name == "root"'), { user: { name: 'bob' } }), true);
    assert.equal(evaluate(where('not process.name in ("a", "b")'), {}), false);
    assert.equal(evaluate(where('not process.name like "*.exe"'), { process: { name: 'x.dll' } }), true);
    assert.equal(evaluate(where('not (a == "1" or b == "2")'), { a: '3' }), false);
    assert.equal(evaluate(where('a is null or not a == "1"'), {}), true);
  });
  it('LIKE: * and ? wildcards, \\ escapes, whole value, case-sensitive', () => {
    const c = where('file.path like """C:\\\\Windows\\\\*.exe"""');
    assert.equal(evaluate(c, { file: { path: 'C:\\Windows\\notepad.exe' } }), true);
    assert.equal(evaluate(c, { file: { path: 'c:\\windows\\notepad.exe' } }), false);
    assert.equal(likeToGlob('a\\*b?'), 'a\\*b?');
    assert.equal(likeToGlob('C:\\\\x\\\\*'), 'C:\\x\\\\*');
  });
  it('RLIKE is a whole-value Lucene regular expression; ^ and $ are ordinary characters', () => {
    const c = where('host.name rlike "web-[0-9]+"');
    assert.equal(evaluate(c, { host: { name: 'web-12' } }), true);
    assert.equal(evaluate(c, { host: { name: 'xweb-12' } }), false);
    assert.deepEqual(rlikeToRegex('^a$'), { ok: true, regex: '\\^a\\$' });
    assert.deepEqual(rlikeToRegex('"a.b"c'), { ok: true, regex: 'a\\.bc' });
    assert.equal(rlikeToRegex('a~b').ok, false);
  });
  it("RLIKE's . matches a line break too (Lucene has no lines): a multi-line value matches .*x.*", () => {
    const c = where('process.command_line rlike ".*(aws sts|aws configure).*"');
    assert.equal(evaluate(c, { process: { command_line: 'set -e\naws sts get-caller-identity\nexit' } }), true);
    assert.equal(evaluate(c, { process: { command_line: 'set -e\naws s3 ls' } }), false);
  });
  it('TO_LOWER(x) compared with a lower-case value is case-insensitive; with upper case it is opaque, never a guess', () => {
    assert.equal(renderExpr(where('to_lower(user.name) == "admin"')), 'user.name eq[ci] "admin"');
    assert.equal(where('to_lower(user.name) == "Admin"').kind, 'opaque');
    assert.equal(renderExpr(where('to_lower(process.name) like "*mimi*"')), 'process.name wildcard "*mimi*"');
  });
  it('EVAL aliases, conversions and folds are substituted; computed columns are opaque with a derived reason', () => {
    const r = low('from l | eval n = to_lower(process.name), m = length(process.name), k = mv_count(process.args) | where n == "a" and m > 3 and k > 2');
    const c = r.condition!;
    assert.equal(c.kind, 'and');
    if (c.kind === 'and') {
      assert.equal(renderExpr(c.args[0]!), 'process.name eq[ci] "a"');
      assert.equal(renderExpr(c.args[1]!), 'len(process.name) gt 3');
      assert.equal(c.args[2]!.kind, 'opaque');
      assert.match(c.args[2]!.kind === 'opaque' ? c.args[2]!.reason : '', /^derived:/);
    }
  });
  it('string functions of a field (LENGTH, URL_DECODE, FROM_BASE64, REPLACE, folds of these) test the field through them', () => {
    assert.equal(renderExpr(where('to_lower(url_decode(url.original)) like "*../../*"')), 'lower(urldecode(url.original)) wildcard[cs] "*../../*"');
    const decoded = where('to_lower(url_decode(url.original)) like "*../../*"');
    assert.equal(evaluate(decoded, { url: { original: '/a?p=..%2F..%2Fetc' } }), true);
    assert.equal(evaluate(decoded, { url: { original: '/a?p=..%2F%2zz' } }), false, 'an escape URL_DECODE cannot read makes it null');
    assert.equal(evaluate(decoded, { url: { original: ['/../../', '/b'] } }), 'unknown', 'a multi-valued field');
    // REPLACE's Java rewrite: $1 is a group; a backslash takes the next character as it is
    const host = where('replace(destination.domain, "^(.*):[0-9]+$", "$1") == "example.com"');
    assert.equal(evaluate(host, { destination: { domain: 'example.com:8443' } }), true);
    assert.equal(evaluate(host, { destination: { domain: 'example.com' } }), true);
    assert.equal(evaluate(where('replace(x, "a", """\\$""") == "$b"'), { x: 'ab' }), true);
    // a rewrite that names a group by name is not read: the comparison stays opaque
    assert.equal(where('replace(x, "(?<n>a)", "${n}") == "a"').kind, 'opaque');
    // a function of null is null: IS NULL holds, and a comparison is dropped (also under NOT)
    assert.equal(evaluate(where('length(process.command_line) is null'), {}), true);
    assert.equal(evaluate(where('not length(process.command_line) > 3'), {}), false);
    assert.equal(evaluate(where('not length(process.command_line) > 3'), { process: { command_line: 'ab' } }), true);
    // case folds of a computed value are steps of it: the comparison is exact on the folded value
    assert.equal(evaluate(where('to_upper(from_base64(b)) == "ADMIN"'), { b: 'YWRtaW4=' }), true);
    assert.equal(evaluate(where('to_upper(from_base64(b)) == "admin"'), { b: 'YWRtaW4=' }), false);
  });
  it('LENGTH(t) - LENGTH(REPLACE(t, "c", "")) counts c in t: matches replaced by a marker, then the markers counted', () => {
    const q = 'from logs-* | eval t = replace(s, """(\\{\\d+\\}){2,}""", "🔥") | eval n = length(t) - length(replace(t, "🔥", "")) | where n >= 2';
    const c = low(q).condition!;
    assert.equal(renderExpr(c), 'count(replace_regex(s, "(\\\\{\\\\d+\\\\}){2,}", "🔥"), "🔥") ge 2');
    assert.equal(evaluate(c, { s: '"{0}{1}" -f a; "{1}{0}" -f b' }), true);
    assert.equal(evaluate(c, { s: '"{0}{1}" -f a; "{1}" -f b' }), false);
    assert.equal(evaluate(c, { s: '"{0}{1}" 🔥' }), true, 'a marker already in the text is counted too, as ES|QL counts it');
    assert.equal(evaluate(c, {}), false);
    assert.equal(evaluate(c, { s: ['{0}{1}{2}{3}'] }), 'unknown', 'a multi-valued field');
    // a removed text of more than one character, or a pattern: its length times the count, not read
    assert.equal(low('from logs-* | eval n = length(s) - length(replace(s, "ab", "")) | where n >= 2').condition!.kind, 'opaque');
    assert.equal(low('from logs-* | eval n = length(s) - length(replace(s, "a.", "")) | where n >= 2').condition!.kind, 'opaque');
    assert.equal(low('from logs-* | eval n = length(s) - length(replace(u, "a", "")) | where n >= 2').condition!.kind, 'opaque');
  });
  it('a boolean column computed by EVAL stands for its condition in later filters', () => {
    const q = (w: string) => renderExpr(low(`from l | eval b = to_lower(p) in ("x", "y") | where ${w}`).condition!);
    assert.equal(q('b'), 'p in[ci] ["x", "y"]');
    assert.equal(q('b == true'), 'p in[ci] ["x", "y"]');
    assert.equal(q('b == false'), 'p is_not_null and not p in[ci] ["x", "y"]');
    assert.equal(q('not b'), 'p is_not_null and not p in[ci] ["x", "y"]');
    assert.equal(renderExpr(where('true in (starts_with(a, "x"), ends_with(a, "y"))')), 'a starts_with[cs] "x" or a ends_with[cs] "y"');
  });
  it('a predicate on COALESCE(a, b) holds through the first item that is not null', () => {
    const c = where('coalesce(a, b) == "x"');
    assert.equal(evaluate(c, { a: 'x' }), true);
    assert.equal(evaluate(c, { a: 'y', b: 'x' }), false);
    assert.equal(evaluate(c, { b: 'x' }), true);
    const n = where('not coalesce(a, b) == "x"');
    assert.equal(evaluate(n, {}), false);
    assert.equal(evaluate(n, { b: 'y' }), true);
    assert.equal(evaluate(where('coalesce(a, b) is null'), { b: 1 }), false);
  });
  it('a WHERE on a STATS result is the threshold; on a group-by key it stays row-level', () => {
    const r = low('from l | where a == "x" | stats c = count(*) by host.id | where c >= 5 and host.id != "h1"');
    assert.deepEqual(r.aggregation?.threshold, { op: 'ge', value: 5, of: 'c' });
    assert.deepEqual(r.aggregation?.groupBy, ['host.id']);
    assert.equal(r.aggregation?.function, 'count');
    assert.equal(renderExpr(r.condition!), 'a eq "x" and host.id is_not_null and host.id ne "h1"');
  });
  it('STATS over the groups of an earlier STATS: the alert groups are the last keys', () => {
    const r = low('from l | stats n = count(*) by ip, user | stats users = count(*), total = sum(n) by ip | where users >= 15');
    assert.deepEqual(r.aggregation?.groupBy, ['ip']);
    assert.deepEqual(r.aggregation?.threshold, { op: 'ge', value: 15, of: 'users' });
    assert.ok(r.missing.some((m) => m.reason.startsWith('aggregation: a second STATS')));
  });
  it('KEEP gives the output fields, following RENAME and EVAL', () => {
    const r = low('from l | eval x = to_string(a) | rename b as c | keep x, c, d');
    assert.deepEqual(r.outputFields, [
      { name: 'x', source: 'keep', from: 'to_string(a)' },
      { name: 'c', source: 'keep', from: 'b' },
      { name: 'd', source: 'keep' },
    ]);
  });
  it('DISSECT and GROK patterns name the columns they extract', () => {
    const d = parseDissect('%{a} %{?skip} %{+a} %{b->} %{} %{&c}');
    assert.deepEqual(d.ok && dissectKeys(d.pattern), ['a', 'b']);
    assert.deepEqual(grokKeys('%{IP:client.ip} %{WORD:verb:keyword} (?<path>x) (?:y)'), ['client.ip', 'verb', 'path']);
  });
  it('GROK of one pattern: each named capture a column computed from the field by the pattern\'s regex', () => {
    const g = grokToRegex('%{DATA}/exec\\?%{DATA:cmds}&(?:stdin|stdout)=%{GREEDYDATA}');
    assert.ok(g.ok);
    assert.deepEqual([g.regex, g.captures], ['(?:.*?)/exec\\?(.*?)&(?:stdin|stdout)=(?:.*)', [{ name: 'cmds', group: 1 }]]);
    // a named group loses its name (dots are not RE2 names), plain groups stop capturing, as in Oniguruma
    const n = grokToRegex('(a|b)=(?<Esql.id>[^,}\\]]+)(?:x)?');
    assert.ok(n.ok && n.regex === '(?:a|b)=([^,}\\]]+)(?:x)?' && n.captures[0]!.group === 1);
    // what the model does not express, said
    assert.deepEqual(
      ['%{IP:ip}', '%{NOTSPACE:k}', '%{INT:n:int}', '%{DATA:a} %{DATA:a}', '(?<=x)(?<v>y)', '[a[b]](?<v>y)', '(?<v>\\w+)'].map((p) => {
        const r = grokToRegex(p);
        return r.ok ? 'ok' : r.what.split(/ \(|, /)[0];
      }),
      ['the grok pattern IP', 'the grok pattern NOTSPACE', 'the conversion in %{INT:n:int}', 'the name a used twice', 'a construct RE2 does not run', 'a nested or intersected character class', 'the escape \\w'],
    );
    const q = low('from logs-* | grok url.original """.*roleArn=(?<Esql.role>arn:aws:iam::[0-9]{12}:role/[^,}]+).*""" | where Esql.role is not null and ends_with(Esql.role, "/admin")');
    assert.deepEqual(q.missing, []);
    const c = q.condition!;
    const on = (v: unknown) => evaluate(c, { url: { original: v } });
    assert.equal(on('x roleArn=arn:aws:iam::123456789012:role/admin, y'), true);
    assert.equal(on('x roleArn=arn:aws:iam::123456789012:role/user, y'), false);
    assert.equal(on('no role here'), false, 'no match: the column is null');
    assert.equal(on(['a', 'b']), 'unknown', 'a multi-valued field: each value is matched, the column multi-valued');
    // `^` and `$` are line anchors (Oniguruma's Ruby syntax)
    const line = low('from l | grok m "^id: (?<v>[0-9]+)$" | where v == "42"').condition!;
    assert.equal(evaluate(line, { m: 'first\nid: 42\nlast' }), true);
    // several patterns, or a pattern the model cannot run: a column it does not compute, and why
    const ip = low('from l | grok m "%{IP:ip}" | where ip == "1.2.3.4"').condition!;
    assert.ok(ip.kind === 'opaque' && ip.reason.startsWith('derived: column ip extracted by GROK from m (the grok pattern IP'), JSON.stringify(ip));
  });
  it('DISSECT: each key a column computed by Elasticsearch\'s dissect; a comparison of two computed columns', () => {
    const run = (p: string, s: string) => {
      const r = parseDissect(p);
      assert.ok(r.ok, p);
      const m = dissect(r.pattern, s);
      return m && Object.fromEntries(m);
    };
    assert.deepEqual(run('%{a} %{b},%{c}', 'foo bar,baz'), { a: 'foo', b: 'bar', c: 'baz' });
    assert.equal(run('%{a},%{b}:%{c}', 'foo,bar,baz'), null, 'every delimiter must be found');
    assert.deepEqual(run('%{a->} %{b} %{c}', 'foo      bar baz'), { a: 'foo', b: 'bar', c: 'baz' });
    assert.deepEqual(run('%{a},%{b},%{c},%{d}', 'foo,,,'), { a: 'foo', b: '', c: '', d: '' });
    // a repeated delimiter gives the next key "" and moves on, whatever that key's own delimiter
    assert.deepEqual(run('%{a},%{b}:%{c}', 'x,,y:z'), { a: 'x', b: '', c: 'y:z' });
    assert.deepEqual(run('{%{k}=%{v}}', '{key=val} and more'), { k: 'key', v: 'val' }, 'text after the last delimiter is not read');
    assert.equal(run('{%{k}=%{v}}', 'key=val}'), null, 'the leading text must start the string');
    assert.equal(run('x%{a}', 'x'), null, 'and the string must be longer than it');
    assert.deepEqual(run('%{}name=%{u},', '{a=1, name=bob, c=2}'), { u: 'bob' });
    assert.deepEqual(run('%{a} %{?skip} %{a}', 'one two three'), { a: 'three' });
    assert.deepEqual(['%{a} %{+a}', '%{*k} %{&k}', 'no keys', '%{?only}', 'a\n%{b}'].map((p) => { const r = parseDissect(p); const what = r.ok ? dissectUnsupported(r.pattern) : r.what; return what === undefined ? 'ok' : what.split(/ \(|, /)[0]; }), [
      'the modifier of %{+a}', 'the modifier of %{*k}', 'a pattern without keys', 'a pattern that keeps no key', 'a line break before the first key',
    ]);
    const c = low('from l | dissect m "%{}name=%{u}," | where u == "bob"').condition!;
    assert.deepEqual(['{a=1, name=bob, c=2}', '{a=1, name=al, c=2}', 'name=bob', ['{name=bob,}']].map((m) => evaluate(c, { m })), [true, false, false, 'unknown']);
    assert.equal(evaluate(c, {}), false);
    // two computed columns compared: null (no row) when either is
    const cmp = low('from l | grok a ":(?<x>[0-9]+):" | dissect b "%{}=%{y}," | where x != y').condition!;
    assert.deepEqual([{ a: ':1:', b: 'k=2,' }, { a: ':1:', b: 'k=1,' }, { a: ':1:', b: 'k=2' }, { b: 'k=2,' }].map((e) => evaluate(cmp, e)), [true, false, false, false]);
  });
  it('a query without WHERE counts every event of its source; ROW has no event condition', () => {
    assert.deepEqual(low('from logs-* | stats count(*)').condition, { kind: 'const', value: true });
    assert.equal(renderExpr(low('row a = 1 | where a > 0').condition!), 'a gt 0');
  });
  it('keywords and function names are case-insensitive, field names are not', () => {
    assert.equal(renderExpr(where('Process.Name == "x" AND TO_LOWER(a) == "y"')), 'Process.Name eq "x" and a eq[ci] "y"');
  });
  it('KQL() and QSTR() texts are lowered by their own modules, with spans into the ES|QL text', () => {
    const q = 'from a | where KQL("""user.name : admin""") and QSTR("host.name:web*")';
    const c = low(q).condition!;
    assert.equal(renderExpr(c), 'user.name eq "admin" and host.name wildcard[cs] "web*"');
    const spans = c.kind === 'and' ? c.args.map((a) => (a.kind === 'pred' && a.span ? q.slice(a.span.start, a.span.end) : '')) : [];
    assert.deepEqual(spans, ['user.name : admin', 'host.name:web*']);
  });
  it('LIMIT at the end does not change whether the query returns rows; followed by WHERE or STATS it does', () => {
    const end = low('from logs-* | where a == 1 | stats n = count(*) by host | sort n desc | limit 10 | keep host, n');
    assert.deepEqual(end.missing, []);
    assert.deepEqual(low('from logs-* | where a == 1 | limit 5 | where b == 2').missing.map((m) => m.reason), ['limit: only the first 5 matching rows are kept, and WHERE after it sees only those']);
    assert.deepEqual(low('from logs-* | where a == 1 | limit 100 | stats n = count(*) by host').missing.map((m) => m.reason)[0], 'limit: only the first 100 matching rows are kept, and STATS after it sees only those');
    assert.deepEqual(low('from logs-* | where a == 1 | limit 0').missing.map((m) => m.reason), ['limit: only the first 0 matching rows are kept']);
  });
  it('stage spans slice their command from the query', () => {
    const q = 'from a\n| where b == 1 // c\n| keep b';
    const r = low(q);
    assert.deepEqual(r.stages.map((s) => q.slice(s.span!.start, s.span!.end)), ['from a', 'where b == 1', 'keep b']);
  });
});

describe('ES|QL diagnostics', () => {
  const codes = (q: string, ctx = CTX) => {
    const r = lowerEsql(q, ctx);
    return { parsed: r.parsed, diags: r.diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`) };
  };
  it('ESQ001: syntax errors located in the host file', () => {
    assert.deepEqual(codes('from a\n| where x = 1'), { parsed: false, diags: ['ESQ001 21:11'] });
    assert.deepEqual(codes('from a | where x == "unterminated', { file: 'f', line: 3, column: 12 }), { parsed: false, diags: ['ESQ001 3:32'] });
    assert.deepEqual(codes('sql\nfrom a'), { parsed: false, diags: ['ESQ001 20:1'] });
    assert.deepEqual(codes('from a | where (a == 1'), { parsed: false, diags: ['ESQ001 20:23'] });
    assert.equal(codes('from a | where a == "\\q"').parsed, false); // only \t \n \r \" \\ escapes
  });
  it('ESQ002: nesting and length are bounded; the parser never throws', () => {
    const deep = 'from a | where ' + '('.repeat(ESQL_LIMITS.maxDepth + 1) + 'a == 1' + ')'.repeat(ESQL_LIMITS.maxDepth + 1);
    assert.equal(codes(deep).diags[0]?.split(' ')[0], 'ESQ002');
    assert.equal(codes('from a | where a == "' + 'x'.repeat(ESQL_LIMITS.maxLength) + '"').diags[0]?.split(' ')[0], 'ESQ002');
    assert.equal(parseEsql('\u0000|||', CTX).value, undefined);
    assert.equal(codes('from a | where ' + 'not '.repeat(1000) + 'a == 1').diags[0]?.split(' ')[0], 'ESQ002');
    assert.equal(codes('from a | where ' + 'not '.repeat(45000) + 'a == 1').diags[0]?.split(' ')[0], 'ESQ002');
  });
  it('ESQ003: an unknown command is a stage and a missing part; rows after it are not followed', () => {
    const r = lowerEsql('from a\n| frob x\n| where b == 1', CTX);
    assert.deepEqual(r.diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`), ['ESQ003 21:3']);
    assert.equal(r.condition?.kind, 'const');
    assert.deepEqual(r.missing.map((m) => m.reason.split(':')[0]), ['command', 'aggregation']);
  });
  it('ESQ004: RLIKE with Lucene-only operators is opaque', () => {
    assert.deepEqual(codes('from a | where b rlike "x&y"').diags, ['ESQ004 20:24']);
  });
  it('ESQ005: a KQL() text that does not parse is reported with its own code, at its place', () => {
    assert.deepEqual(codes('from a\n| where KQL("""a:(""")').diags, ['EKQ001 21:19', 'ESQ005 21:9']);
  });
});
