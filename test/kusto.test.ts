/**
 * KQL adapter: operators and stages lowered with KQL's meaning, let substitution, joins, thresholds, evaluation,
 * Sentinel YAML and Defender Markdown metadata, diagnostics, and the corpora (skipped when absent).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { describeCount, groupKeyTexts, planAggregation, thresholdText } from '../src/model/aggregate.ts';
import { evaluate } from '../src/model/evaluate.ts';
import { renderExpr } from '../src/model/render.ts';
import { kustoAdapter } from '../src/formats/kusto/index.ts';
import { lowerQuery } from '../src/formats/kusto/lowerQuery.ts';
import { kustoLoaded, lexer, parseKql, unloadKusto } from '../src/formats/kusto/parser.ts';
import { WARM_UP_QUERIES } from '../src/formats/kusto/warmUp.ts';
import { parseSentinelYaml } from '../src/formats/kusto/sentinel.ts';
import { parseDefenderMarkdown, parseDefenderText } from '../src/formats/kusto/defender.ts';
import { scanSource } from '../src/formats/scan.ts';
import { assertGolden, fixture, SHARED } from './helpers/golden.ts';
import { tempDir } from './helpers/tempDir.ts';

const low = (q: string) => lowerQuery(parseKql(q).value, 'q.kql');
const cond = (q: string) => {
  const c = low(q).condition;
  return c ? renderExpr(c) : '(none)';
};
const where = (e: string) => cond(`T | where ${e}`);
const SRC = { repository: 'test/kusto' };

describe('KQL operators', () => {
  const cases: [string, string][] = [
    ['a == "X"', 'a eq "X"'],
    ['a != "X"', 'a ne "X"'],
    ['a <> 5', 'a is_not_null and a ne 5'],
    ['a =~ "X"', 'a eq[ci] "X"'],
    ['a !~ "X"', 'a ne[ci] "X"'],
    ['a in ("x", "y")', 'a in ["x", "y"]'],
    ['a !in ("x", "y")', 'not a in ["x", "y"]'],
    ['a in~ ("x", "y")', 'a in[ci] ["x", "y"]'],
    ['a !in~ ("x")', 'not a in[ci] "x"'],
    ['a has "x"', 'a has "x"'],
    ['a !has "x"', 'not a has "x"'],
    ['a has_cs "x"', 'a has[cs] "x"'],
    ['a !has_cs "x"', 'not a has[cs] "x"'],
    ['a has_any ("x", "y")', 'a has ["x", "y"]'],
    ['a has_all ("x", "y")', 'a has[all] ["x", "y"]'],
    ['a contains "x"', 'a contains "x"'],
    ['a !contains "x"', 'not a contains "x"'],
    ['a contains_cs "x"', 'a contains[cs] "x"'],
    ['a !contains_cs "x"', 'not a contains[cs] "x"'],
    ['a startswith "x"', 'a starts_with "x"'],
    ['a !startswith "x"', 'not a starts_with "x"'],
    ['a startswith_cs "x"', 'a starts_with[cs] "x"'],
    ['a endswith "x"', 'a ends_with "x"'],
    ['a !endswith_cs "x"', 'not a ends_with[cs] "x"'],
    ['a matches regex "^x.*y$"', 'a regex "^x.*y$"'],
    ['a between (1 .. 5)', 'a ge 1 and a le 5'],
    ['a !between (1 .. 5)', 'a is_not_null and not (a ge 1 and a le 5)'],
    ['a > 5', 'a gt 5'],
    ['a <= 5.5', 'a le 5.5'],
    ['5 < a', 'a gt 5'],
    ['a == -3', 'a eq -3'],
    ['isempty(a)', 'a is_null[empty]'],
    ['isnotempty(a)', 'a is_not_null[empty]'],
    ['isnull(a)', 'a is_null'],
    ['isnotnull(a)', 'a is_not_null'],
    // the deprecated aliases
    ['notempty(a)', 'a is_not_null[empty]'],
    ['notnull(a)', 'a is_not_null'],
    ['ipv4_is_in_range(ip, "10.0.0.0/8")', 'ip cidr "10.0.0.0/8"'],
    ['ipv4_is_in_any_range(ip, "10.0.0.0/8", "192.168.0.0/16")', 'ip cidr ["10.0.0.0/8", "192.168.0.0/16"]'],
    ['ipv4_is_private(ip)', 'ip cidr ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]'],
    ['not(a has "x" or b == 1)', 'not a has "x" and b is_not_null and not b eq 1'],
    // a test that holds on a missing value (KQL's string functions read it as "", a column_ifexists default) does
    // not make the presence check of a null-aware negation redundant
    ['not(a > 5) and strlen(a) == 0', 'a is_not_null and not a gt 5 and len(a) eq 0'],
    ['not(a > 5) and a == 1', 'not a gt 5 and a eq 1'],
    ['not(ipv4_is_private(ip) or ip == "x")', 'ip cidr "0.0.0.0/0" and not ip cidr ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] and not ip eq "x"'],
    ['tolower(a) == "x"', 'a eq[ci] "x"'],
    ['tolower(a) == "X"', 'lower(a) eq "X"'],
    ['tostring(AdditionalFields.Name) == "x"', 'AdditionalFields.Name eq "x"'],
    ['tostring(parse_json(AdditionalFields).Name) =~ "x"', 'AdditionalFields.Name eq[ci] "x"'],
    ['P["k"] == 1', 'P.k eq 1'],
    ['a == b', 'a eq field(b)'],
    ['a hasprefix "x"', 'a has[prefix] "x"'],
    ['a !hassuffix_cs "x"', 'not a has[cs,suffix] "x"'],
    ['strlen(a) > 5', 'len(a) gt 5'],
    ['string_size(a) > 5', 'string_size(a) gt 5'],
    ['geo_distance_2points(a, b, c, d) > 5', '<opaque: geo_distance_2points(a, b, c, d) > 5>'],
    ['IsExternal', 'IsExternal eq true'],
    ['a == true', 'a eq true'],
  ];
  for (const [src, want] of cases) {
    it(src, () => assert.equal(where(src), want));
  }

  it('keeps case sensitivity explicit on string operators', () => {
    const c = low('T | where a == "X" and b =~ "Y" and c has "z"').condition!;
    assert.equal(c.kind, 'and');
    const opts = (c.kind === 'and' ? c.args : []).map((p) => (p.kind === 'pred' ? p.opts?.cs : undefined));
    assert.deepEqual(opts, [true, false, false]);
  });

  it('keeps numbers as numbers', () => {
    const c = low('T | where EventID == 4688').condition!;
    assert.ok(c.kind === 'pred' && c.values[0] === 4688);
  });

  it('records spans in the query', () => {
    const q = 'T\n| where a == "X"';
    const c = low(q).condition!;
    assert.ok(c.kind === 'pred' && c.span);
    assert.equal(q.slice(c.span!.start, c.span!.end), 'a == "X"');
  });
});

describe('the Kusto library in a thread', () => {
  it('is dropped by unloadKusto (its globals too) and loaded again by the next parse, with the same results', () => {
    const q = 'SecurityEvent | where EventID == 4625 and Account has_any ("admin", "root") | summarize n = count() by Computer';
    const first = JSON.stringify(parseKql(q));
    assert.equal(kustoLoaded(), true);
    assert.ok((globalThis as Record<string, unknown>)['Kusto']);
    unloadKusto();
    assert.equal(kustoLoaded(), false);
    assert.equal((globalThis as Record<string, unknown>)['Kusto'], undefined, 'the library\'s globals are gone');
    assert.equal((globalThis as Record<string, unknown>)['Bridge'], undefined);
    assert.equal(JSON.stringify(parseKql(q)), first, 'parsed again by a freshly loaded library');
    assert.equal(kustoLoaded(), true);
  });

  it('reads its warm-up queries at load: they are clean KQL (but the two error texts), and afterwards their constructs define no new library type', () => {
    unloadKusto();
    parseKql('T | take 1'); // a fresh library, warmed at load
    // Bridge.NET defines a generic type instance at its first use (see warmUp.ts): none is left for these constructs
    const bridge = (globalThis as unknown as Record<string, { define: (...a: unknown[]) => unknown }>)['Bridge']!;
    const define = bridge.define;
    const defined: string[] = [];
    bridge.define = function (this: unknown, ...a: unknown[]) {
      defined.push(String(a[0]));
      return define.apply(this, a);
    };
    try {
      for (const q of [
        'T | top-nested 2 of A by count(), top-nested 1 of B by sum(C)',
        'T | extend d = dynamic({"a": {"b": [1, 2]}}) | mv-apply x = d to typeof(long) on (take 1)',
        'T | mv-expand a, b | make-series n = count() on TimeGenerated step 1h by A',
        'T | extend x = extract(@(\\d+)$, 1, A)',
        'let f = (a: string, b: long = 1) { T | where c == a }; f("x") | scan with (step s: true => n = 1;)',
      ]) parseKql(q);
    } finally {
      bridge.define = define;
    }
    assert.deepEqual(defined, []);
    const errorTexts = WARM_UP_QUERIES.filter((q) => parseKql(q).diagnostics.length > 0);
    assert.equal(errorTexts.length, 2, `unexpected syntax errors in: ${errorTexts.slice(0, -2).join('\n---\n')}`);
  });
});

describe('fast paths around the Kusto library', () => {
  // the library's globals, once a parse has loaded it (untyped: Bridge.NET's runtime)
  /* eslint-disable @typescript-eslint/no-explicit-any */
  const lib = (): any => {
    parseKql('T | take 1');
    return globalThis as any;
  };
  const texts = [
    ...WARM_UP_QUERIES,
    'T | where A == "caf\u00e9 \\"quoted\\"" and B == @\'C:\\Windows\\\' and C has h"secret" // comment\n| project A',
    "T | where Name == 'unterminated\n| take 1",
    '#connect cluster("x").database("y")\nT | take 1',
    '.show tables',
    'T | where x == 0x1F or y == 1.5e-3 or z == guid(8f5a2f2e-1c1e-4f5e-9b1e-0123456789ab) or t > ago(1d)',
    "let ids = dynamic(['\u0430dm\u0456n', '\u7ba1\u7406']);\nT\n\t| where Id in (ids)   \r\n| summarize count() by bin(TimeGenerated, 1h)",
    '',
    '   ',
    'T | where A == "a" "b" \'c\' and B == ```multi\nline```',
  ];

  it('lexes as the library\'s ParseTokens does, token by token, without its string table', () => {
    const G = lib();
    const K = G.Kusto;
    const opts = K.Language.ParseOptions.Default.WithAlwaysProduceEndTokens(true);
    const lex = lexer(K, opts);
    const table = K.Language.Utils.StringTable.prototype;
    const add = table.Add$1;
    let interned = 0;
    table.Add$1 = function (this: unknown, ...a: unknown[]) {
      interned++;
      return add.apply(this, a);
    };
    try {
      const read = (tokens: any[]) => Array.from(tokens, (t: any) => [t.Kind, t.Trivia, t.Text, t.Length, t.Diagnostics?.Count ?? 0]);
      let libraryInterned = 0;
      for (const q of texts) {
        const before = interned;
        const expected = read(K.Language.Parsing.TokenParser.ParseTokens(q, opts));
        libraryInterned += interned - before;
        const mark = interned;
        assert.deepEqual(read(lex(q)), expected, q);
        assert.equal(interned, mark, 'no token text went through a string table');
      }
      assert.ok(libraryInterned > 100, 'the library\'s own lexing interns (what the fast lexer leaves out)');
    } finally {
      table.Add$1 = add;
    }
  });

  it('copies a List<T> into an array from its storage, giving what the runtime\'s enumeration gives', () => {
    const G = lib();
    const List = G.System.Collections.Generic.List$1(G.System.String);
    const list = new List.ctor();
    for (const s of ['a', 'b', 'c']) list.add(s);
    list.removeAt(1);
    // every name the runtime may enumerate a list by (its own, and its interfaces' aliases)
    let enumerated = 0;
    for (let o = list; o; o = Object.getPrototypeOf(o)) {
      for (const k of Object.getOwnPropertyNames(o)) {
        if (!k.endsWith('GetEnumerator') || typeof list[k] !== 'function' || Object.prototype.hasOwnProperty.call(list, k)) continue;
        const own = list[k];
        list[k] = function (this: unknown, ...a: unknown[]) {
          enumerated++;
          return own.apply(this, a);
        };
      }
    }
    const copy = G.System.Linq.Enumerable.from(list, G.System.String).ToArray(G.System.String);
    assert.deepEqual([...copy], ['a', 'c']);
    assert.equal(copy.$type?.$elementType, G.System.String, 'an array typed string[], as the runtime makes it');
    assert.equal(enumerated, 0, 'read from the list\'s storage, not through its enumerator');
    // other sources and chains go through the runtime's own code
    assert.deepEqual([...G.System.Linq.Enumerable.from(['x', 'y'], G.System.String).ToArray(G.System.String)], ['x', 'y']);
    assert.deepEqual([...G.System.Linq.Enumerable.from(list, G.System.String).where((s: string) => s !== 'a').ToArray(G.System.String)], ['c']);
    assert.ok(enumerated > 0, 'a chain enumerates the list');
  });
  /* eslint-enable @typescript-eslint/no-explicit-any */
});

describe('let substitution', () => {
  it('substitutes scalars, dynamic lists and one-column datatables', () => {
    assert.equal(cond('let x = "a"; T | where f == x'), 'f eq "a"');
    assert.equal(cond('let n = 10; T | where f > n'), 'f gt 10');
    assert.equal(cond('let l = dynamic(["a", "b"]); T | where f in~ (l)'), 'f in[ci] ["a", "b"]');
    assert.equal(cond('let l = pack_array("a", "b"); T | where f has_any (l)'), 'f has ["a", "b"]');
    assert.equal(cond('let d = datatable(N:string)["a", "b"]; T | where f !in (d)'), 'not f in ["a", "b"]');
    // array_concat / set_union of constant arrays: their values in turn (the union once each)
    assert.equal(cond('let a = dynamic(["a", "b"]); let b = dynamic(["c"]); let l = array_concat(a, b, dynamic(["b"])); T | where f in~ (l)'), 'f in[ci] ["a", "b", "c", "b"]');
    assert.equal(cond('let a = dynamic(["a", "b"]); T | where f has_any (set_union(a, dynamic(["b", "c"])))'), 'f has ["a", "b", "c"]');
    // of a computed array: opaque, with its reason
    assert.equal(cond('T | where f in (array_concat(pack_array(g), dynamic(["a"])))'), '<opaque: f in (array_concat(pack_array(g), dynamic(["a"])))>');
  });
  it('keeps what is known only at run time opaque, never as a literal', () => {
    assert.equal(cond('let s = toscalar(U | count); T | where f > s'), '<opaque: f > s>');
    const c = low('let s = toscalar(U | count); T | where f > s').condition!;
    assert.ok(c.kind === 'opaque' && c.reason.includes('toscalar'));
    // membership in a let-bound query's rows is a side of a multi-event rule, not a list of literals
    const m = low('let t = U | where x == 1 | project f; T | where f in (t)').aggregation!;
    assert.deepEqual(m.sides!.map((s) => [s.name, s.presence, renderExpr(s.condition), s.keys, s.partnerKeys ?? []]), [
      ['left', 'required', 'true', ['f'], []],
      ['subquery', 'required', 'x eq 1', ['f'], ['f']],
    ]);
    assert.equal(cond('let t = U | where x == 1 | extend g = hash_sha256(f) | project g; T | where f in (t)').startsWith('<opaque: f in (t)>'), true);
  });
  it('expands let-bound tables and functions into the pipeline', () => {
    assert.equal(cond('let base = SecurityEvent | where EventID == 4688; base | where a has "x"'), 'EventID eq 4688 and a has "x"');
    assert.equal(cond('let f = (v:string) { SigninLogs | where UserType == v }; f("Guest") | where x == 1'), 'UserType eq "Guest" and x eq 1');
    assert.equal(cond('let m = materialize(T | where a == 1); m | where b == 2'), 'a eq 1 and b eq 2');
    const l = low('let base = SecurityEvent | where EventID == 4688; base | where a has "x"');
    assert.deepEqual(l.tables, ['SecurityEvent']);
  });
  it('substitutes computed columns that are renames, conversions and case folds', () => {
    assert.equal(cond('T | extend h = Computer, lc = tolower(Cmd) | where h == "x" and lc has "y"'), 'Computer eq "x" and Cmd has "y"');
    assert.equal(cond('T | project-rename Host = Computer | where Host == "x"'), 'Computer eq "x"');
    assert.equal(cond('T | extend p = split(Image, "\\\\")[-1] | where p == "x.exe"'), 'split(Image, "\\\\")[-1] eq "x.exe"');
    const c = low('T | extend p = hash_sha256(Image) | where p == "x.exe"').condition!;
    assert.ok(c.kind === 'opaque' && c.reason.includes('computed column p'));
  });
});

describe('time windows', () => {
  it('takes time filters out of the condition into the window', () => {
    const l = low('let lookback = 14d; T | where TimeGenerated > ago(lookback) | where a == 1');
    assert.equal(renderExpr(l.condition!), 'a eq 1');
    assert.deepEqual(l.timeFilters.map((t) => t.window), ['14d']);
    const b = low('T | where Timestamp between (ago(7d) .. now()) and a == 1');
    assert.equal(renderExpr(b.condition!), 'a eq 1');
    assert.equal(b.timeFilters[0]!.window, '7d');
  });
  it('keeps a time comparison under or as opaque', () => {
    assert.equal(where('TimeGenerated > ago(1h) or a == 1'), '<opaque: TimeGenerated > ago(1h)> or a eq 1');
  });
});

describe('stages, aggregation, joins', () => {
  it('a filter on an aggregate after summarize is the threshold', () => {
    const l = low('SecurityEvent | where EventID == 4625 | summarize c = count() by Account | where c > 10');
    assert.equal(renderExpr(l.condition!), 'EventID eq 4625');
    assert.deepEqual({ ...l.aggregation, text: undefined, span: undefined }, { function: 'count', groupBy: ['Account'], threshold: { op: 'gt', value: 10, of: 'c' }, text: undefined, span: undefined });
    assert.deepEqual(
      l.stages.map((s) => `${s.kind}:${s.label}`),
      ['source:SecurityEvent', 'filter:where', 'aggregate:summarize', 'having:where'],
    );
  });
  it('default aggregate names, let-bound thresholds, bins and further thresholds', () => {
    const l = low('let thr = 3; T | summarize count(), dcount(ip) by user, bin(TimeGenerated, 5m) | where count_ >= thr and dcount_ip > 2');
    assert.deepEqual(l.aggregation?.threshold, { op: 'ge', value: 3, of: 'count_' });
    assert.equal(l.aggregation?.window, '5m');
    assert.deepEqual(l.aggregation?.groupBy, ['user']); // the time bin is the window, counted in bins
    assert.equal(l.aggregation?.bins, true);
    // a further threshold the groups must pass too, with the aggregate it compares
    assert.deepEqual(l.aggregation?.moreThresholds, [{ function: 'dcount(ip)', op: 'gt', value: 2, of: 'dcount_ip' }]);
    assert.equal(l.missing.length, 0);
    // keys are event fields: a renamed column groups by the field it names; a computed one is listed apart
    const renamed = low('T | extend Who = user, Low = tolower(host) | summarize n = count() by Who, Low | where n > 3');
    assert.deepEqual([renamed.aggregation?.groupBy, renamed.aggregation?.computedKeys], [['user'], ['Low']]);
    // a computed key the model states (a case fold, a transform chain of one field) has its derivation: a hunt counts
    // per its value; a conditional one (iff) has none and is not counted
    assert.deepEqual(renamed.aggregation?.derivedKeys, [{ name: 'Low', field: 'host', derived: { steps: [{ fn: 'lower' }], lang: 'kql' } }]);
    assert.deepEqual((planAggregation(renamed.aggregation!) as { groupBy?: readonly string[] }).groupBy, ['user', 'Low']);
    // pages name each computed key with its derivation when the model states one
    assert.deepEqual(groupKeyTexts(renamed.aggregation!), [{ key: 'user' }, { key: 'Low', computed: 'lower(host)' }]);
    const split = low('T | extend Domain = tostring(split(upn, "@")[1]) | summarize n = dcount(upn) by Domain | where n > 3');
    assert.deepEqual(split.aggregation?.derivedKeys?.map((d) => [d.name, d.field, d.derived?.steps.map((x) => x.fn).join('.')]), [['Domain', 'upn', 'split.get.tostring']]);
    // a conditional key (iff, case, coalesce): the branch whose condition holds, each a field computed so or a constant
    const cond = low('T | summarize n = count() by Who = iff(isempty(a), b, a) | where n > 3');
    assert.deepEqual(groupKeyTexts(cond.aggregation!), [{ key: 'Who = iff(isempty(a), b, a)', computed: 'case(a is_null[empty] → b; not a is_null[empty] → a)' }]);
    assert.ok(!('unsupported' in planAggregation(cond.aggregation!)));
    // a branch whose value or condition the model does not state leaves the key computed, not counted
    const other = low('T | summarize n = count() by Who = iff(isempty(a), tostring(now()), a) | where n > 3');
    assert.equal(other.aggregation?.derivedKeys, undefined);
    assert.match((planAggregation(other.aggregation!) as { unsupported: string }).unsupported, /is a value the rule computes/);
  });
  it('thresholds in ors: alternatives the groups may pass instead (disjunctive normal form)', () => {
    const l = low('T | summarize Fails = count(), IPs = dcount(ip), Apps = dcount(app) by user | where (IPs >= 2 and Fails >= 5) or Fails >= 20');
    assert.deepEqual(l.aggregation?.threshold, { op: 'ge', value: 2, of: 'IPs' });
    assert.equal(l.aggregation?.function, 'dcount(ip)');
    assert.deepEqual(l.aggregation?.moreThresholds, [{ function: 'count', op: 'ge', value: 5, of: 'Fails' }]);
    assert.deepEqual(l.aggregation?.orThresholds, [[{ function: 'count', op: 'ge', value: 20, of: 'Fails' }]]);
    assert.equal(l.missing.length, 0);
    assert.deepEqual(planAggregation(l.aggregation!), {
      kind: 'distinct', of: 'ip', op: 'ge', value: 2, groupBy: ['user'],
      more: [{ kind: 'count', op: 'ge', value: 5 }],
      or: [[{ kind: 'count', op: 'ge', value: 20 }]],
    });
    // a later filter is anded into every alternative
    const two = low('T | summarize Fails = count(), IPs = dcount(ip) by user | where Fails > 10 or IPs > 3 | where Fails > 1');
    assert.deepEqual(
      [two.aggregation?.threshold, two.aggregation?.moreThresholds, two.aggregation?.orThresholds],
      [{ op: 'gt', value: 10, of: 'Fails' }, [{ function: 'count', op: 'gt', value: 1, of: 'Fails' }], [[{ function: 'dcount(ip)', op: 'gt', value: 3, of: 'IPs' }, { function: 'count', op: 'gt', value: 1, of: 'Fails' }]]],
    );
    // an alternative that is not a threshold (a substring of a set's text) keeps the whole condition out, with the
    // reason; a term of a set is a count of the events with it (below)
    const mixed = low('T | summarize Fails = count(), Hosts = make_set(host) by user | where Fails > 10 or Hosts contains "dc1"');
    assert.equal(mixed.aggregation?.threshold, undefined);
    assert.match(mixed.missing.map((m) => m.reason).join('; '), /condition on aggregated rows \(having\)/);
    // "fewer than" in an alternative is decided only when the window closes: the whole plan is decided so, over the
    // whole run (the query has no window)
    const fewer = low('T | summarize Fails = count(), IPs = dcount(ip) by user | where IPs > 5 or Fails < 3');
    assert.equal(fewer.missing.length, 0);
    const fp = planAggregation(fewer.aggregation!);
    assert.ok(!('unsupported' in fp) && fp.atClose && fp.windowMs === undefined && !fp.bins, JSON.stringify(fp));
  });
  it('arg_max(t, *) by k then where: one row kept per group, and the filter tests that row (not each event)', () => {
    const l = low('DeviceInfo | where OSPlatform startswith "Windows" | summarize arg_max(Timestamp, *) by DeviceId | where OnboardingStatus == "Can be onboarded" | where isnotempty(DeviceName) | project DeviceId, DeviceName');
    assert.deepEqual(l.missing, []);
    assert.equal(renderExpr(l.condition!), 'OSPlatform starts_with "Windows"');
    assert.deepEqual([l.aggregation?.groupBy, l.aggregation?.keep?.which, l.aggregation?.keep?.by], [['DeviceId'], 'latest', 'Timestamp']);
    assert.match(renderExpr(l.aggregation!.keep!.where!), /^OnboardingStatus eq "Can be onboarded" and /);
    const p = planAggregation(l.aggregation!);
    assert.ok(!('unsupported' in p) && p.kind === 'keep' && p.atClose, JSON.stringify(p));
    // arg_min keeps the earliest; the function's name is its time column; a later aggregation of the kept rows
    // (without a filter after it) returns rows exactly when some kept row passed
    const first = low('T | summarize First = arg_min(TimeGenerated, *) by User | where First > ago(1d) and App == "x" | summarize dcount(User) by App');
    assert.deepEqual(first.missing, []);
    assert.equal(first.aggregation?.keep?.which, 'earliest');
    assert.equal(renderExpr(first.aggregation!.keep!.where!), 'App eq "x"'); // First > ago(1d): the time window
    // a value computed from the kept row's columns is tested on that row
    assert.equal(renderExpr(low('T | summarize arg_max(TimeGenerated, *) by Dev | extend s = strcat(S, "a") | where s == "xa"').aggregation!.keep!.where!), 'strcat(S, "a") eq "xa"');
    // what the filter cannot be given to: a filter after the later aggregation, a computed column, rows reshaped
    for (const q of [
      'T | summarize arg_max(TimeGenerated, *) by Dev | where S == "x" | summarize n = count() by OS | where n > 5',
      'T | summarize arg_max(TimeGenerated, *) by Dev | extend r = rand() | where r > 0.5',
      'T | summarize arg_max(TimeGenerated, *) by Dev | mv-expand P = Perms | where P == "x"',
      'T | summarize arg_max(TimeGenerated, *), n = count() by Dev | where S == "x"',
    ]) {
      const x = low(q);
      assert.equal(x.aggregation?.keep?.where, undefined, q);
      assert.ok(x.missing.some((m) => /filter after|aggregat/.test(m.reason)), `${q}: ${x.missing.map((m) => m.reason).join('; ')}`);
    }
  });
  it('a table of another workspace, cluster or service (workspace("…").T, cluster("…").database("…").T, arg("").Resources) is that table', () => {
    for (const [q, table] of [['workspace("abc").SecurityEvent | where EventID == 4688', 'SecurityEvent'], ['cluster("c").database("d").Proc | where EventID == 4688', 'Proc'], ['arg("").Resources | where EventID == 4688', 'Resources']] as const) {
      const l = low(q);
      assert.deepEqual([l.missing, l.mainTables, renderExpr(l.condition!)], [[], [table], 'EventID eq 4688'], q);
    }
    // any other function before the dot is not a table of a known kind
    assert.match(low('myfn("x").T | where a == 1').missing.map((m) => m.reason).join(), /source expression not understood/);
  });
  it('invoke FileProfile() keeps the rows: filters on its columns are opaque, the others stay row-level', () => {
    const l = low('DeviceProcessEvents | where FileName =~ "x.exe" | invoke FileProfile(SHA1, 1000) | where GlobalPrevalence < 250 and ProcessCommandLine has "-enc"');
    assert.equal(renderExpr(l.condition!), 'FileName eq[ci] "x.exe" and <opaque: GlobalPrevalence < 250> and ProcessCommandLine has "-enc"');
    assert.deepEqual(l.missing, []);
    assert.ok(l.outputFields.some((o) => o.name === 'Signer' && o.source === 'invoke FileProfile'));
    // another function's rows are not known
    assert.match(low('T | invoke MyFunction() | where a == 1').missing.map((m) => m.reason).join(), /invoke changes what a row is/);
  });
  it('invoke of a function the query defines with a tabular first parameter runs its body on the rows so far', () => {
    const fn = 'let keepMatches = (T:(FileName:string, FolderPath:string), ext:string, n:int = 2) { T | where FileName endswith ext | extend Depth = n };\n';
    const l = low(`${fn}DeviceFileEvents | where ActionType == "FileCreated" | invoke keepMatches(".iso") | where FolderPath startswith @"C:\\Users"`);
    assert.deepEqual(l.missing, []);
    assert.equal(renderExpr(l.condition!), 'ActionType eq "FileCreated" and FileName ends_with ".iso" and FolderPath starts_with "C:\\\\Users"');
    assert.deepEqual(l.mainTables, ['DeviceFileEvents']);
    assert.deepEqual(l.stages.map((st) => st.kind), ['let', 'source', 'filter', 'function', 'filter', 'extend', 'filter']);
    // an argument is read where the function is called: a let bound after the function's own definition
    const late = low('let f = (T:(a:string), v:string) { T | where a == v };\nlet wanted = "x";\nEvents | invoke f(wanted)');
    assert.equal(renderExpr(late.condition!), 'a eq "x"');
    // an aggregation inside the body ends the rows as the query's own would
    const agg = low('let counted = (T:(*)) { T | summarize n = count() by User };\nSigninLogs | where ResultType != "0" | invoke counted() | where n > 5');
    assert.deepEqual(agg.missing, []);
    assert.equal(agg.aggregation?.threshold && renderExpr(agg.condition!), 'ResultType ne "0"');
    // the input rows read again inside the body (a side of a join) are not expanded, and say so
    const again = low('let selfJoin = (T:(k:string)) { T | join kind=inner (T | where b == 1) on k };\nEvents | where a == 1 | invoke selfJoin()');
    assert.match(again.missing.map((m) => m.reason).join(), /T: the rows invoke passed to the function, read again inside it/);
    // through the body's own lets
    const viaLet = low('let f = (T:(a:string)) { let U = (T | where b == 2); U | where c == 3 };\nEvents | where a == 1 | invoke f()');
    assert.deepEqual([renderExpr(viaLet.condition!), viaLet.missing], ['a eq 1 and b eq 2 and c eq 3', []]);
    // a body that does not go on from its input rows returns rows the query so far does not decide
    assert.match(low('let other = (T:(a:string)) { Other | where b == 2 };\nEvents | where a == 1 | invoke other()').missing.map((m) => m.reason).join(), /passes the rows to a function/);
    // a function whose first parameter is not a table is still another function's rows
    assert.match(low('let g = (x:string) { Other | where a == x };\nT | invoke g("v") | where a == 1').missing.map((m) => m.reason).join(), /passes the rows to a function/);
  });
  it('a term test of a make_set / make_list column is a count of the events with the term (has_all: one count per term)', () => {
    const l = low('SigninLogs | summarize Results = make_set(ResultType), n = count() by User | where Results has "0" and not(Results has_any ("50126", "50053")) and n > 3');
    assert.deepEqual(l.missing, []);
    assert.equal(describeCount(l.aggregation!), 'alerts when at least 1 event where ResultType has "0" and no event where ResultType has ["50126", "50053"] and more than 3 matching events are seen per User over the whole run, decided at its end');
    const all = low('T | summarize Codes = make_list(ErrorCode) by App | where Codes has_all ("0", "7000222")');
    assert.deepEqual([all.missing, thresholdText(all.aggregation!)], [[], 'Codes ge 1 and Codes ge 1']);
    // a capped set may have dropped the value; a value with the array's JSON syntax could span two elements
    for (const q of ['T | summarize S = make_set(x, 10) by k | where S has "a"', 'T | summarize S = make_set(x) by k | where S has "a,b"', 'T | summarize S = make_set(tolower(x)) by k | where S has "a"']) {
      assert.match(low(q).missing.map((m) => m.reason).join('; '), /condition on aggregated rows|computes/, q);
    }
  });
  it('conditional aggregates: countif, dcountif and sumif count only the events that meet their condition', () => {
    const l = low('SigninLogs | summarize Fails = countif(ResultType != "0"), Apps = dcountif(AppId, ResultType != "0"), Out = sumif(Bytes, Dir =~ "out") by User | where Fails > 10 or Apps >= 3 or Out > 100');
    assert.equal(l.missing.length, 0);
    assert.deepEqual([l.aggregation?.function, l.aggregation?.threshold?.of, renderExpr(l.aggregation!.threshold!.where!)], ['count', 'Fails', 'ResultType ne "0"']);
    assert.deepEqual(l.aggregation?.orThresholds?.map((alt) => alt.map((t) => `${t.function} ${t.op} ${t.value} where ${renderExpr(t.where!)}`)), [['dcount(AppId) ge 3 where ResultType ne "0"'], ['sum(Bytes) gt 100 where Dir eq[ci] "out"']]);
    const p = planAggregation(l.aggregation!);
    assert.ok(!('unsupported' in p), JSON.stringify(p));
    // a condition the model cannot express leaves the count unread, with the reason
    const opaqueIf = low('SigninLogs | summarize Fails = countif(hash(User) % 3 == 0) by User | where Fails > 10');
    assert.match(JSON.stringify(planAggregation(opaqueIf.aggregation!)), /the condition of count .* is not fully expressed/);
  });
  it('a threshold on a second aggregation counts the first one\'s groups, not events: not read', () => {
    for (const q of ['T | summarize count() by a, b | summarize Hosts = count() by a | where Hosts > 5', 'T | summarize by a | count | where Count > 5', 'T | summarize arg_max(TimeGenerated, *) by a | summarize Bad = countif(x == 1) by a | where Bad > 0']) {
      const l = low(q);
      assert.equal(l.aggregation?.threshold, undefined, q);
      assert.match(l.missing.map((m) => m.reason).join('\n'), /aggregates the rows of an earlier aggregation/, q);
    }
    // a column the second keeps from the first (arg_max(c, *)) is still the first one's count
    assert.deepEqual(low('T | summarize c = count() by a, b | summarize arg_max(c, *) by a | where c > 5').aggregation?.threshold, { op: 'gt', value: 5, of: 'c' });
  });
  it('a filter on a group-by key after summarize is still row-level', () => {
    assert.equal(cond('T | summarize c = count() by Host = Computer | where Host startswith "srv" and c > 1'), 'Computer starts_with "srv"');
  });
  it('join: both sides, kind and keys; the right side filter is the stage expr', () => {
    const l = low('SigninLogs | where ResultType == "0" | join kind=leftanti (AuditLogs | where OperationName == "Add member") on $left.UserId == $right.TargetId | where x == 1');
    // rows after a leftanti join are the left's: the later filter is the left side's
    assert.equal(renderExpr(l.condition!), 'ResultType eq "0" and x eq 1');
    const j = l.stages.find((s) => s.kind === 'join')!;
    assert.equal(renderExpr(j.expr!), 'OperationName eq "Add member"');
    assert.deepEqual({ kind: j.detail!['kind'], on: j.detail!['on'], right: j.detail!['right'] }, { kind: 'leftanti', on: ['$left.UserId == $right.TargetId'], right: ['AuditLogs'] });
    assert.deepEqual(l.aggregation!.sides!.map((s) => [s.presence, s.keys]), [['required', ['UserId']], ['absent', ['TargetId']]]);
    assert.deepEqual(l.missing, []);
    assert.deepEqual(l.tables, ['SigninLogs', 'AuditLogs']);
  });
  it('union: the OR of the branches', () => {
    assert.equal(cond('union (A | where x == 1), (B | where y == 2) | where z == 3'), '(x eq 1 or y eq 2) and z eq 3');
    // a column one branch computes and another keeps from its table: a filter on it applies to each branch with
    // the branch's own column (union then where keeps each branch's rows that pass)
    assert.equal(cond('let a = T | where x == 1 | extend Dns = strcat(y, "."); let b = T | where x == 2; union a, b | where Dns has "evil"'), '(x eq 1 and strcat(y, ".") has "evil") or (x eq 2 and Dns has "evil")');
    assert.equal(
      cond('let a = T | where x == 1 | extend Dns = tostring(y); let b = U | where x == 2 | extend Dns = z; union a, b | where Dns has_any ("a", "b") and w == 3'),
      '((x eq 1 and y has ["a", "b"]) or (x eq 2 and z has ["a", "b"])) and w eq 3',
    );
    // once defined again after the union, the column is that
    assert.equal(cond('let a = T | where x == 1 | extend Dns = y; let b = U | where x == 2 | extend Dns = z; union a, b | extend Dns = v | where Dns == "k"'), '(x eq 1 or x eq 2) and v eq "k"');
    // one every branch gives the same way is that
    assert.equal(cond('let a = T | where x == 1 | extend Dns = y; let b = U | where x == 2 | extend Dns = y; union a, b | where Dns has "evil"'), '(x eq 1 or x eq 2) and y has "evil"');
  });
  it('stage kinds of the other operators', () => {
    const l = low('T | where a == 1 | project-away b | mv-expand c | parse d with * "k=" v | lookup L on k | sort by a | take 5 | distinct a | evaluate bag_unpack(e) | invoke f()');
    assert.deepEqual(
      l.stages.map((s) => `${s.kind}:${s.label}`),
      ['source:T', 'filter:where', 'project:project-away', 'expand:mv-expand', 'parse:parse', 'lookup:lookup', 'sort:sort', 'limit:take', 'aggregate:distinct', 'function:evaluate', 'function:invoke'],
    );
  });
  it('evaluate ipv4_lookup keeps only the rows in a range of its table unless unmatched rows are returned', () => {
    const q = (args: string) => low(`let R = externaldata(net:string) [@"https://example.test/r.csv"] with (format="csv");\nT | where a == 1 | evaluate ipv4_lookup(R, Ip, net${args}) | project a`);
    for (const dropping of ['', ', false', ', return_unmatched = false']) {
      const l = q(dropping);
      assert.deepEqual(l.missing.map((m) => [m.kind, m.reason]), [['rows', 'evaluate ipv4_lookup() keeps only the rows whose Ip falls in a range of R (the table\'s ranges are data the rule does not hold)']], dropping);
    }
    // the rows go on as they are, with the table's columns where they match
    for (const keeping of [', true', ', return_unmatched = true']) assert.deepEqual(q(keeping).missing, [], keeping);
  });
  it('output fields from project, extend and summarize', () => {
    const l = low('T | extend u = tolower(x) | summarize n = count() by u | project u, n');
    assert.deepEqual(l.outputFields, [{ name: 'u', source: 'project', from: 'u' }, { name: 'n', source: 'project', from: 'count()' }]);
  });
});

describe('three-valued evaluation with KQL case rules', () => {
  const ev = (q: string, event: unknown) => evaluate(low(`T | where ${q}`).condition!, event);
  it('== is case-sensitive, =~ is not', () => {
    assert.equal(ev('a == "Admin"', { a: 'admin' }), false);
    assert.equal(ev('a =~ "Admin"', { a: 'admin' }), true);
  });
  it('has is a term match, has_all needs every term', () => {
    assert.equal(ev('c has "enc"', { c: 'powershell -enc AAA' }), true);
    assert.equal(ev('c has "enc"', { c: 'powershell -encoded' }), false);
    assert.equal(ev('c has_all ("-enc", "hidden")', { c: 'ps -enc x' }), false);
    assert.equal(ev('c has_all ("-enc", "hidden")', { c: 'ps -w hidden -enc x' }), true);
  });
  it('isempty holds for the empty string; opaque is unknown; false and unknown is false', () => {
    assert.equal(ev('isempty(a)', { a: '' }), true);
    assert.equal(ev('isnotempty(a)', { a: '' }), false);
    assert.equal(ev('geo_distance_2points(a, a, a, a) > 3', { a: 1 }), 'unknown');
    assert.equal(ev('geo_distance_2points(a, a, a, a) > 3 and b == 1', { a: 1, b: 2 }), false);
    assert.equal(ev('geo_distance_2points(a, a, a, a) > 3 or b == 1', { a: 1, b: 1 }), true);
  });
  it('negations and cidr', () => {
    assert.equal(ev('a !in~ ("x")', { a: 'X' }), false);
    assert.equal(ev('ipv4_is_private(ip)', { ip: '172.20.1.1' }), true);
    assert.equal(ev('ipv4_is_private(ip)', { ip: '8.8.8.8' }), false);
  });
  it('a comparison with a number is null on a missing or null value: != and negations do not hold there', () => {
    for (const q of ['a != 5', 'a <> 5', 'not(a == 5)', 'not(a > 5)', 'a !in (1, 2)', 'a !between (1 .. 5)', 'not(a > 5 or a < 1)', 'not(not(a > 5))']) {
      assert.equal(ev(q, {}), false, `${q} on a missing value`);
      assert.equal(ev(q, { a: null }), false, `${q} on null`);
    }
    assert.equal(ev('a != 5', { a: 6 }), true);
    assert.equal(ev('not(a > 5)', { a: 3 }), true);
    assert.equal(ev('not(a > 5 or a < 1)', { a: 3 }), true);
    assert.equal(ev('not(not(a > 5))', { a: 6 }), true);
    assert.equal(ev('not(a != 5)', { a: 5 }), true);
    assert.equal(ev('not(a != 5)', {}), false);
    // not(true and null) is null; not(false and null) is true
    assert.equal(ev('not(a > 5 and b > 1)', { a: 9 }), false);
    assert.equal(ev('not(a > 5 and b > 1)', { a: 1 }), true);
    // strings are empty, never null: a string comparison's negation holds on a missing value
    assert.equal(ev('a != "x"', {}), true);
    assert.equal(ev('not(a has "x")', {}), true);
  });
  it('a negated address function holds for an address outside the ranges only: on a value that is not one it is null', () => {
    // ipv4_is_private("") and ipv4_is_private("::1") are null; not(null) is null; where drops the row
    for (const q of ['not(ipv4_is_private(ip))', 'ipv4_is_private(ip) == false', 'ipv4_is_private(ip) != true', 'not((ipv4_is_private(ip)))']) {
      assert.equal(ev(q, { ip: '8.8.8.8' }), true, q);
      assert.equal(ev(q, { ip: '10.1.2.3' }), false, q);
      assert.equal(ev(q, { ip: '' }), false, q);
      assert.equal(ev(q, { ip: '::1' }), false, q);
      assert.equal(ev(q, { ip: 'host.example' }), false, q);
    }
    assert.equal(ev('not(ipv4_is_in_range(ip, "10.0.0.0/8"))', { ip: '-' }), false);
    assert.equal(ev('not(ipv4_is_in_range(ip, "10.0.0.0/8"))', { ip: '11.0.0.1' }), true);
    assert.equal(ev('ipv4_is_match("127.0.0.1", ip) == false', { ip: '' }), false);
    assert.equal(ev('ipv4_is_match("127.0.0.1", ip) == false', { ip: '127.0.0.2' }), true);
    // the ipv6_ functions read IPv4 too
    assert.equal(ev('not(ipv6_is_in_range(ip, "fe80::/10"))', { ip: '10.0.0.1' }), true);
    assert.equal(ev('not(ipv6_is_in_range(ip, "fe80::/10"))', { ip: 'x' }), false);
    // inside and / or, and negated twice: null stays null (KQL's three-valued logic)
    const publicIp = 'not(ipv4_is_private(ip) or ip == "127.0.0.1")';
    assert.equal(ev(publicIp, { ip: '8.8.8.8' }), true);
    assert.equal(ev(publicIp, { ip: '127.0.0.1' }), false);
    assert.equal(ev(publicIp, { ip: '10.0.0.1' }), false);
    assert.equal(ev(publicIp, { ip: '' }), false);
    assert.equal(ev('not(not(ipv4_is_private(ip)))', { ip: '' }), false);
    assert.equal(ev('not(not(ipv4_is_private(ip)))', { ip: '10.0.0.1' }), true);
    assert.equal(ev('not(a == 1 and not(ipv4_is_private(ip)))', { a: 1, ip: '' }), false);
    assert.equal(ev('not(a == 1 and not(ipv4_is_private(ip)))', { a: 2, ip: '' }), true);
    assert.equal(ev('not(a == 1 and not(ipv4_is_private(ip)))', { a: 1, ip: '10.0.0.1' }), true);
    assert.equal(ev('not(a == 1 and ipv4_is_private(ip) == false)', { a: 1, ip: '8.8.8.8' }), false);
    // other negations keep their meaning
    assert.equal(ev('not(isempty(ip))', { ip: '' }), false);
    assert.equal(ev('not(ip == "x")', { ip: '' }), true);
  });
});

describe('Sentinel YAML', () => {
  const file = 'Detections/SecurityEvent/sentinel_rule.yaml';
  const text = readFileSync(fixture('kusto', 'sentinel_rule.yaml'), 'utf8');
  const r = parseSentinelYaml(file, text, false, SRC).outputs[0]!.rule;
  it('metadata', () => {
    assert.equal(r.id, 'kusto/sentinel_rule');
    assert.equal(r.nativeId, '0b9c1f0e-1111-4a2b-9c3d-000000000001');
    assert.equal(r.severity, 'medium');
    assert.equal(r.status, 'stable');
    assert.equal(r.kind, 'detection');
    assert.deepEqual(r.attackDeclared, [
      { text: 'Execution', tactic: 'Execution' },
      { text: 'DefenseEvasion', tactic: 'DefenseEvasion' },
      { text: 'T1059.001', techniqueId: 'T1059.001' },
      { text: 'T1027', techniqueId: 'T1027' },
    ]);
    assert.deepEqual(r.logSources, [
      { kind: 'dataConnector', name: 'SecurityEvents', detail: { dataTypes: 'SecurityEvent' } },
      { kind: 'table', name: 'SecurityEvent' },
    ]);
    assert.equal(r.facts['queryFrequency'], '1h');
    assert.equal(r.facts['window'], '1h');
  });
  it('logic: condition, threshold, outputs (golden)', () => {
    const lines = [
      `condition: ${renderExpr(r.logic.condition!)}`,
      `completeness: ${r.logic.completeness}`,
      `aggregation: ${JSON.stringify({ ...r.logic.aggregation, span: undefined, text: undefined })}`,
      ...r.logic.stages.map((s) => `stage ${s.kind} ${s.label}${s.expr ? ` => ${renderExpr(s.expr)}` : ''}`),
      ...r.logic.outputFields.map((o) => `output ${o.name} <- ${o.source} ${o.from ?? ''}`),
      ...r.logic.exclusions.map((e) => `exclusion ${renderExpr(e.expr)}`),
      ...r.logic.missing.map((m) => `missing ${m.reason}`),
    ];
    assertGolden(fixture('kusto', 'sentinel_rule.expected.txt'), lines.join('\n'));
  });
  it('spans point into the YAML file', () => {
    for (const s of r.logic.stages) assert.equal(text.slice(s.span!.start, s.span!.end), s.text);
  });
  it('a result-count trigger counts the events of a query that does not aggregate', () => {
    const y = text.replace('  | summarize Count = count() by HostCustomEntity, AccountCustomEntity\n  | where Count > 5\n', '');
    const r2 = parseSentinelYaml(file, y, false, SRC).outputs[0]!.rule;
    assert.deepEqual(r2.logic.aggregation?.threshold, { op: 'gt', value: 2, of: 'result count' });
    assert.equal(r2.logic.aggregation?.function, 'count');
  });
  it('a result-count trigger counts the rows a limit at the end keeps: the limit is a missing part then', () => {
    const y = text.replace('  | summarize Count = count() by HostCustomEntity, AccountCustomEntity\n  | where Count > 5\n', '  | take 2\n');
    assert.notEqual(y, text);
    const r2 = parseSentinelYaml(file, y, false, SRC).outputs[0]!.rule;
    assert.equal(r2.logic.completeness, 'partial');
    assert.deepEqual(r2.logic.missing.map((m) => m.reason), ['take keeps only some of the matching rows: the result-count trigger counts only those']);
  });
  it('over an aggregated query the trigger counts groups: a missing part, not the events of a group', () => {
    const y = text.replace('  | where Count > 5\n', '');
    const r2 = parseSentinelYaml(file, y, false, SRC).outputs[0]!.rule;
    assert.equal(r2.logic.aggregation?.threshold, undefined);
    assert.equal(r2.logic.completeness, 'partial');
    assert.match(r2.logic.missing.find((m) => m.kind === 'aggregation')?.reason ?? '', /number of result rows \(groups or pairs\)/);
  });
  it('hunting and alert feeds', () => {
    assert.equal(parseSentinelYaml('Hunting Queries/x.yaml', text, true, SRC).outputs[0]!.rule.kind, 'hunting');
    const feed = parseSentinelYaml('Detections/SecurityAlert/alert_feed.yaml', readFileSync(fixture('kusto', 'alert_feed.yaml'), 'utf8'), false, SRC).outputs[0]!.rule;
    assert.equal(feed.kind, 'alert_feed');
    assert.match(feed.kindReason, /SecurityAlert/);
  });
  it('syntax errors: KQL001 at file:line:column', () => {
    const t = readFileSync(fixture('kusto', 'broken.yaml'), 'utf8');
    const rule = parseSentinelYaml('broken.yaml', t, false, SRC).outputs[0]!.rule;
    const d = rule.diagnostics.find((x) => x.code === 'KQL001')!;
    assert.deepEqual([d.line, d.column], [5, 24]); // just after `==`
  });
  it('YAML errors: GEN003 with a line; no query: KQL002', () => {
    const bad = parseSentinelYaml('bad.yaml', readFileSync(fixture('kusto', 'bad_yaml.yaml'), 'utf8'), false, SRC);
    assert.equal(bad.outputs.length, 0);
    assert.equal(bad.diagnostics[0]!.code, 'GEN003');
    assert.ok(bad.diagnostics[0]!.line !== undefined);
    const noq = parseSentinelYaml('n.yaml', 'id: x\nname: y\n', false, SRC);
    assert.equal(noq.diagnostics[0]!.code, 'KQL002');
  });
});

describe('Defender XDR Markdown and text', () => {
  const md = readFileSync(fixture('kusto', 'hunting.md'), 'utf8');
  it('one rule per KQL block, with title, description, ATT&CK and kind', () => {
    const out = parseDefenderMarkdown('Defender For Endpoint/hunting.md', md, 'bertjan', SRC).outputs.map((o) => o.rule);
    assert.deepEqual(out.map((r) => r.id), ['kusto/hunting-1', 'kusto/hunting-2']);
    assert.deepEqual(out.map((r) => r.title), ['Office spawning encoded PowerShell (Defender XDR)', 'Office spawning encoded PowerShell (Sentinel)']);
    assert.equal(out[0]!.description, 'Office applications rarely start PowerShell with an encoded command.');
    assert.deepEqual(out[0]!.attackDeclared, [{ text: 'T1059.001', techniqueId: 'T1059.001' }]);
    assert.deepEqual(out[0]!.references, ['https://example.org/office-powershell']);
    assert.equal(out[0]!.kind, 'detection');
    assert.equal(renderExpr(out[0]!.logic.condition!), 'InitiatingProcessFileName in[ci] ["winword.exe", "excel.exe"] and ProcessCommandLine has "-enc"');
    for (const r of out) for (const s of r.logic.stages) assert.equal(md.slice(s.span!.start, s.span!.end), s.text);
    assert.equal(parseDefenderMarkdown('Threat Hunting/hunting.md', md, 'bertjan', SRC).outputs[0]!.rule.kind, 'hunting');
  });
  it('a query in an indented code block, or in an indented fence: stage spans slice it from the file', () => {
    const text = [
      '# Indented blocks',
      '',
      'An older file keeps its query as an indented code block:',
      '',
      '    DeviceProcessEvents',
      '    | where FileName =~ "rundll32.exe"',
      '    | where ProcessCommandLine has "javascript:"',
      '',
      '- and a list item holds a fenced one:',
      '',
      '  ```kql',
      '  DeviceNetworkEvents',
      '  | where RemotePort == 4444',
      '  ```',
      '',
    ].join('\n');
    const out = parseDefenderMarkdown('Defender For Endpoint/indented.md', text, 'bertjan', SRC).outputs.map((o) => o.rule);
    assert.equal(out.length, 2);
    for (const r of out) for (const s of r.logic.stages) assert.equal(text.slice(s.span!.start, s.span!.end), s.text, `${r.id} ${s.label}`);
    const where = out[0]!.logic.stages.find((s) => s.text.includes('javascript:'))!;
    assert.equal(text.slice(0, where.span!.start).split('\n').length, 7, 'the third line of the indented block is the file\'s seventh');
    assert.equal(renderExpr(out[1]!.logic.condition!), 'RemotePort eq 4444');
  });
  it('text files: blank-line separated queries, comments as description', () => {
    const t = readFileSync(fixture('kusto', 'two_queries.txt'), 'utf8');
    const out = parseDefenderText('Execution/two_queries.txt', t, 'm365', SRC).outputs.map((o) => o.rule);
    assert.equal(out.length, 2);
    // the comment header's `Tags:` line is metadata, the rest the description
    assert.equal(out[0]!.description, 'Downloads by PowerShell');
    assert.deepEqual(out[0]!.tags, ['#execution']);
    assert.equal(renderExpr(out[1]!.logic.condition!), 'InitiatingProcessFileName eq[ci] "powershell.exe" and RemotePort eq 443');
    assert.equal(out[1]!.kind, 'hunting');
    assert.ok(out.every((r) => r.diagnostics.length === 0));
  });
  it('a query over inline data only (datatable) says there is no condition over events, and why', () => {
    const t = "let Sample = datatable(Text: string) ['user=alice', 'user=bob'];\nSample\n| extend User = extract('user=(\\\\w+)', 1, Text)\n";
    const [r] = parseDefenderText('Examples/regex.kql', t, 'bertjan', SRC).outputs.map((o) => o.rule);
    assert.equal(r!.logic.condition, undefined);
    assert.equal(r!.logic.completeness, 'none');
    assert.equal(r!.logic.note, 'the query reads no table or function, only inline data (datatable, print, range): there is no condition over events');
    // a query over a table keeps no such note
    const [q] = parseDefenderText('Examples/t.kql', 'DeviceProcessEvents\n| where FileName == "x.exe"\n', 'bertjan', SRC).outputs.map((o) => o.rule);
    assert.equal(q!.logic.note, undefined);
  });
});

describe('adapter over fixtures', () => {
  it('every fixture file is accounted for', async () => {
    const res = await scanSource(kustoAdapter, fixture('kusto'), SRC);
    const byPath = Object.fromEntries(res.files.map((f) => [f.path, f.outcome]));
    assert.equal(byPath['sentinel_rule.yaml'], 'parsed');
    assert.equal(byPath['bad_yaml.yaml'], 'error');
    assert.equal(byPath['sentinel_rule.expected.txt'], 'skipped'); // a golden file: not KQL
    assert.equal(byPath['two_queries.txt'], 'parsed');
    assert.equal(byPath['hunting.md'], 'parsed');
    for (const f of res.files) assert.ok(f.outcome !== 'skipped' || f.reason, `${f.path} skipped without a reason`);
  });
});

describe('files without an extension', () => {
  it('Markdown with a KQL block is read as a .md file is (a collection that left off the extension), a file that is one query as a .kql file is; other files are skipped, saying why', async () => {
    const root = tempDir('detwiki-kql-noext-');
    try {
      writeFileSync(path.join(root, 'policy_listing_aws'), '# Policy listing\n\nWho lists policies.\n\n```KQL\nAWSCloudTrail\n| where EventName == "ListPolicies"\n```\n');
      writeFileSync(path.join(root, 'Key deletion by a new user'), 'let known = dynamic(["admin"]);\nAWSCloudTrail\n| where EventName == "ScheduleKeyDeletion" and UserIdentityUserName !in (known)\n');
      // a dot in the name, then a space: no extension (`fileExtension`), so Markdown with a KQL block as above
      writeFileSync(path.join(root, 'Registry change and OCI.DLL SideLoad'), '# OCI.DLL side-load\n\n```KQL\nDeviceImageLoadEvents\n| where FileName =~ "oci.dll"\n```\n');
      writeFileSync(path.join(root, 'NOTES'), 'owner: soc team\nreview monthly\n');
      writeFileSync(path.join(root, 'collect'), 'cat events.log | sort | uniq -c\n');
      writeFileSync(path.join(root, 'Makefile'), 'all:\n\tnode build.js | tee build.log\n');
      writeFileSync(path.join(root, 'blob'), Buffer.from([0, 1, 2, 0xff, 0xfe, 0, 0, 7]));
      writeFileSync(path.join(root, 'LICENSE'), 'MIT License\n');
      const res = await scanSource(kustoAdapter, root, SRC);
      const by = Object.fromEntries(res.files.map((f) => [f.path, f]));
      assert.equal(by['policy_listing_aws']!.outcome, 'parsed');
      const [rule] = by['policy_listing_aws']!.rules;
      assert.equal(rule!.title, 'Policy listing');
      assert.equal(renderExpr(rule!.logic.condition!), 'EventName eq "ListPolicies"');
      assert.equal(by['Registry change and OCI.DLL SideLoad']!.rules[0]!.title, 'OCI.DLL side-load');
      const [query] = by['Key deletion by a new user']!.rules;
      assert.equal(query!.title, 'Key deletion by a new user');
      assert.equal(renderExpr(query!.logic.condition!), 'EventName eq "ScheduleKeyDeletion" and not UserIdentityUserName in "admin"');
      for (const f of ['NOTES', 'blob', 'collect', 'Makefile']) {
        assert.equal(by[f]!.outcome, 'skipped', f);
        assert.match(by[f]!.reason!, /extensionless file that is neither Markdown with a KQL block nor a KQL query: not a KQL rule file/, f);
      }
      assert.equal(by['LICENSE']!.reason, 'licence text');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('corpora', { skip: !existsSync(path.join(SHARED, 'corpora', 'sentinel')) && 'corpora absent' }, () => {
  it('every file is accounted for; analytic rules mostly have a condition', async () => {
    const offenders: string[] = [];
    for (const dir of ['sentinel', 'defender-xdr/m365-hunting-queries', 'defender-xdr/bert-jan-p']) {
      const root = path.join(SHARED, 'corpora', dir);
      if (!existsSync(root)) continue;
      const res = await scanSource(kustoAdapter, root, { repository: dir });
      for (const f of res.files) {
        if (f.outcome === 'skipped' && !f.reason) offenders.push(`${dir}/${f.path}: skipped without reason`);
        if (f.outcome === 'error' && f.diagnostics.length === 0) offenders.push(`${dir}/${f.path}: error without diagnostic`);
        if (f.outcome === 'parsed' && f.rules.length === 0) offenders.push(`${dir}/${f.path}: parsed without rules`);
      }
      const analytic = res.rules.filter((r) => r.kind === 'detection' || r.kind === 'alert_feed');
      const withCond = analytic.filter((r) => r.logic.condition).length;
      if (analytic.length && withCond / analytic.length < 0.9) offenders.push(`${dir}: only ${withCond}/${analytic.length} analytic rules have a condition`);
      for (const r of res.rules) for (const l of r.logic.indicators) for (const v of l.values) if (typeof v === 'string' && r.logic.stages.some((s) => s.kind === 'let' && s.detail?.['name'] === v)) offenders.push(`${r.id}: variable ${v} used as a literal`);
    }
    assert.deepEqual(offenders, []);
  });
});
