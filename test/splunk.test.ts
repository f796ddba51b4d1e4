import { describe, it } from 'node:test';
import { describeCount, planAggregation } from '../src/model/aggregate.ts';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseSplunkText, splunkAdapter, type SplunkPrep } from '../src/formats/splunk/index.ts';
import { parseSpl } from '../src/formats/splunk/parser.ts';
import { expandMacros, macroKey, readMacroFile, type MacroDef } from '../src/formats/splunk/macros.ts';
import { lowerPipeline, wildcardCaptures } from '../src/formats/splunk/lower.ts';
import { renderExpr } from '../src/model/render.ts';
import { evaluate } from '../src/model/evaluate.ts';
import { lineColAt } from '../src/model/span.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { not, type Expr } from '../src/model/expr.ts';
import { assertGolden, fixture, SHARED, SHARED_PRESENT } from './helpers/golden.ts';

const REPO = fixture('splunk', 'repo');
const SRC = { repository: 'test/splunk' };

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(path.join(root, d))) {
      const p = d ? `${d}/${f}` : f;
      if (statSync(path.join(root, p)).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk('');
  return out.sort();
}

let prepared: SplunkPrep | undefined;
async function prep(): Promise<SplunkPrep> {
  prepared ??= await splunkAdapter.prepare!(REPO, listFiles(REPO), SRC);
  return prepared;
}
async function rule(file: string) {
  const r = await splunkAdapter.parseFile(REPO, file, await prep(), SRC);
  return { result: r, rule: r.rules[0] as RuleRecord, text: readFileSync(path.join(REPO, file), 'utf8') };
}

/** The condition of a bare search (no macros), rendered. */
function cond(search: string): string {
  const p = parseSpl(search);
  assert.ok(p.ok, `does not parse: ${search}`);
  const low = lowerPipeline({ pipeline: p.value, text: search, span: (r) => ({ file: 'q', ...r }), source: (r) => search.slice(r.start, r.end), macroAt: () => undefined });
  return low.condition ? show(low.condition) : '(none)';
}

/** Compact rendering with every predicate option (the page renderer leaves some out). */
function show(e: Expr): string {
  switch (e.kind) {
    case 'and':
    case 'or':
      return `(${e.args.map(show).join(` ${e.kind} `)})`;
    case 'not':
      return `not ${show(e.arg)}`;
    case 'pred':
      return `${e.derived ? `${e.derived.steps.map((s) => s.fn).join('.')}(${e.field})` : e.field} ${e.op}${e.values.length ? ' ' + e.values.map((v) => JSON.stringify(v)).join(',') : ''}${e.opts ? ' ' + JSON.stringify(e.opts).replace(/"/g, '') : ''}`;
    case 'opaque':
      return `opaque(${e.reason})`;
    case 'const':
      return String(e.value);
    case 'quant':
      return 'quant';
    case 'each':
      return 'each';
  }
}

function summary(r: RuleRecord): string {
  const L = r.logic;
  return [
    `kind ${r.kind}`,
    `completeness ${L.completeness}`,
    `condition ${L.condition ? renderExpr(L.condition) : '(none)'}`,
    ...r.logSources.map((s) => `source ${s.kind} ${s.name}`),
    ...(L.aggregation ? [`aggregation ${JSON.stringify({ ...L.aggregation, span: undefined, text: undefined })}`] : []),
    ...L.exclusions.map((e) => `exclusion ${renderExpr(e.expr)}`),
    ...L.indicators.map((i) => `indicator ${i.field} ${i.op} ${JSON.stringify(i.values)}`),
    ...L.outputFields.map((o) => `output ${o.name} (${o.source}${o.from ? ` from ${o.from}` : ''})`),
    ...L.missing.map((m) => `missing ${m.reason}`),
    ...L.stages.map((s) => `stage ${s.kind} ${s.label}`),
    ...Object.entries(r.facts).map(([k, v]) => `fact ${k}: ${JSON.stringify(v)}`),
    ...r.diagnostics.map((d) => `diagnostic ${d.code} ${d.line ?? ''}:${d.column ?? ''}`),
  ].join('\n');
}

describe('SPL search command semantics', () => {
  const cases: [string, string][] = [
    ['user=Admin', 'user eq "Admin" {cs:false,typing:loose}'],
    ['EventCode=4688', 'EventCode eq 4688 {cs:false,typing:loose}'],
    ['process="*\\\\temp\\\\*"', 'process wildcard "*\\\\temp\\\\*" {cs:false,wildcard:spl}'],
    ['user=CASE(Admin)', 'user eq "Admin" {cs:true,typing:loose}'],
    ['dest=*', 'dest is_not_null'],
    ['user!=root', '(user is_not_null and not user eq "root" {cs:false,typing:loose})'],
    ['NOT user=root', 'not user eq "root" {cs:false,typing:loose}'],
    // OR binds tighter than (implicit) AND in the search command
    ['a=1 b=2 OR c=3', '(a eq 1 {cs:false,typing:loose} and (b eq 2 {cs:false,typing:loose} or c eq 3 {cs:false,typing:loose}))'],
    ['x IN (a, "b")', 'x in "a","b" {cs:false,typing:loose}'],
    ['x IN ("a*", b)', '(x wildcard "a*" {cs:false,wildcard:spl} or x eq "b" {cs:false,typing:loose})'],
    ['src=10.0.0.0/8', 'src cidr "10.0.0.0/8"'],
    ['bytes > 1000', 'bytes gt 1000 {typing:loose}'],
    ['mimikatz', '_raw has "mimikatz" {cs:false}'],
    ['earliest=-24h user=x', 'user eq "x" {cs:false,typing:loose}'],
    ['| from datamodel Risk.All_Risk | search risk_score > 50', 'risk_score gt 50 {typing:loose}'],
    ['| tstats count from datamodel=Network_Resolution where nodename=DNS DNS.query=x by DNS.src', 'DNS.query eq "x" {cs:false,typing:loose}'],
  ];
  for (const [q, want] of cases) it(q, () => assert.equal(cond(q), want));
});

describe('SPL where / eval semantics', () => {
  const X = '_raw has "x" {cs:false}';
  const cases: [string, string][] = [
    ['x | where a="B"', `(${X} and a eq "B" {cs:true,typing:loose})`],
    ['x | where lower(a)="b"', `(${X} and a eq "b" {cs:false,typing:loose})`],
    ['x | eval l=lower(a) | where l="b"', `(${X} and a eq "b" {cs:false,typing:loose})`],
    ['x | where a!="b"', `(${X} and a is_not_null and a ne "b" {cs:true,typing:loose})`],
    ['x | where like(a, "%x_")', `(${X} and a wildcard "%x_" {cs:true,typing:loose,wildcard:like})`],
    ['x | where a LIKE "%x"', `(${X} and a wildcard "%x" {cs:true,typing:loose,wildcard:like})`],
    ['x | where match(a, "^b+")', `(${X} and a regex "^b+" {cs:true})`],
    ['x | where cidrmatch("10.0.0.0/8", ip)', `(${X} and ip cidr "10.0.0.0/8")`],
    ['x | where isnull(a) OR isnotnull(b)', `(${X} and (a is_null or b is_not_null))`],
    ['x | where in(a, "x", "y")', `(${X} and a in "x","y" {cs:true,typing:loose})`],
    ['x | where a IN ("x", "y")', `(${X} and a in "x","y" {cs:true,typing:loose})`],
    ['x | where searchmatch("b=c*")', `(${X} and b wildcard "c*" {cs:false,wildcard:spl})`],
    ['x | where 5 < n', `(${X} and n gt 5 {typing:loose})`],
    ['x | regex cmd="^a.*b$"', `(${X} and cmd regex "^a.*b$" {cs:true})`],
    // string functions of a field: the field through their steps
    ['x | where len(a) > 5', `(${X} and len(a) gt 5 {typing:loose})`],
    ['x | eval u=urldecode(uri) | where like(lower(u), "%../..%")', `(${X} and urldecode.lower(uri) wildcard "%../..%" {cs:true,typing:loose,wildcard:like})`],
    ['x | eval s=replace(w, "\\\\\\\\", "") | where s!=c', `(${X} and replace(w) is_not_null and c is_not_null and replace(w) ne {"kind":"field","field":"c"} {cs:true,typing:loose})`],
    ['x | where substr(h, 1, 2)="MZ"', `(${X} and substring(h) eq "MZ" {cs:true,typing:loose})`],
    ['x | where mvindex(a, 0)="b"', `(${X} and opaque(function: mvindex() computes a value the model cannot compare))`],
    // the values of a split: one by its index (negative from the end), or how many
    ['x | eval p=mvindex(split(img, "\\\\"), -1) | where p="a.exe"', `(${X} and split.get(img) eq "a.exe" {cs:true,typing:loose})`],
    ['x | where mvcount(split(a, ",")) > 2', `(${X} and split.array_len(a) gt 2 {typing:loose})`],
    ['x | where mvcount(a) > 2', `(${X} and opaque(function: mvcount() computes a value the model cannot compare))`],
    ['x | where mvindex(split(a, ","), 0, 1)="b"', `(${X} and opaque(function: mvindex() computes a value the model cannot compare))`],
    // rex: a named group of the first match is the model's extract of the field; a null when it does not match
    ['x | rex field=a "(?<b>\\d+)" | where b="1"', `(${X} and extract(a) eq "1" {cs:true,typing:loose})`],
    ['x | rex "(?<b>\\d+)" | search b=1 OR b=*', `(${X} and (extract(_raw) eq 1 {cs:false,typing:loose} or extract(_raw) is_not_null))`],
    ['x | rex field=a "(?P<b>\\d+)" | where isnotnull(b) AND b!="0"', `(${X} and extract(a) is_not_null and extract(a) is_not_null and extract(a) ne "0" {cs:true,typing:loose})`],
    ['x | rex field=a max_match=5 "(?<b>\\d+)" | where b="1"', `(${X} and opaque(rex: b is extracted from a by a regular expression (max_match=5: every match)))`],
    ['x | eval c=lower(a) | rex field=c "(?<b>\\d+)" | where b="1"', `(${X} and opaque(rex: b is extracted from c by a regular expression))`],
    ['x | rex field=a "(?<b>\\d+)" | where b=c', `(${X} and extract(a) is_not_null and c is_not_null and extract(a) eq {"kind":"field","field":"c"} {cs:true,typing:loose})`],
    ['x | rex field=a "(?<b>\\d+)" | where lower(b)="x"', `(${X} and extract.lower(a) eq "x" {cs:true,typing:loose})`],
    ['x | stats count by a | where count > 5 AND a="q"', `(${X} and a eq "q" {cs:true,typing:loose})`],
    ['x | eval big=if(n > 100 AND u="v", 1, 0) | where big=1', `(${X} and n gt 100 {typing:loose} and u eq "v" {cs:true,typing:loose})`],
    ['x | eval big=if(n > 100, "yes", "no") | search big=no', `(${X} and not n gt 100 {typing:loose})`],
  ];
  for (const [q, want] of cases) it(q, () => assert.equal(cond(`search ${q}`), want));
});

describe('SPL aggregation and thresholds', () => {
  const low = (q: string) => {
    const p = parseSpl(q);
    assert.ok(p.ok);
    return lowerPipeline({ pipeline: p.value, text: q, span: (r) => ({ file: 'q', ...r }), source: (r) => q.slice(r.start, r.end), macroAt: () => undefined });
  };
  it('join: the events so far and the subsearch\'s are two sides paired on the join fields (through renames, folds and a grouping stats)', () => {
    const j = low('eventName=CreateLoginProfile | rename requestParameters.userName as who | table src_ip who | join who src_ip [search eventName=ConsoleLogin | rename userIdentity.userName as who | stats count by eventSource who src_ip] | stats count by who');
    assert.deepEqual(j.missing, []);
    const sides = j.aggregation!.sides!;
    assert.deepEqual(sides.map((x) => [x.name, x.presence, x.keys, x.partnerKeys ?? null]), [
      ['search', 'required', ['requestParameters.userName', 'src_ip'], null],
      ['subsearch', 'required', ['userIdentity.userName', 'src_ip'], ['requestParameters.userName', 'src_ip']],
    ]);
    // the subsearch's stats keeps a row per group of events whose every key is present
    assert.equal(renderExpr(sides[1]!.condition), 'eventName eq[ci] "ConsoleLogin" and eventSource is_not_null and userIdentity.userName is_not_null and src_ip is_not_null');
    // an event of either side may be one of a pair
    assert.equal(renderExpr(j.condition!), 'eventName eq[ci] "CreateLoginProfile" or (eventName eq[ci] "ConsoleLogin" and eventSource is_not_null and userIdentity.userName is_not_null and src_ip is_not_null)');
    // a grouping stats before the join, keys folded on both sides: case-insensitive pairing
    const g = low('EventCode=5136 | eval ObjectDN=upper(ObjectDN) | stats count by ObjectDN SubjectLogonId | join ObjectDN [search admonEventType=Update | eval ObjectDN=upper(distinguishedName)]');
    assert.deepEqual([g.missing, g.aggregation!.sides!.map((x) => x.keys), g.aggregation!.sides![1]!.keysCi], [[], [['ObjectDN'], ['distinguishedName']], true]);
    // what stays a missing part: a pairing option, a time bin as a key, a threshold, a key folded on one side only
    for (const q of [
      'a=1 | join usetime=true k [search b=2]',
      'a=1 | stats count by k _time span=1h | join k _time [search b=2 | stats count by k _time span=1h]',
      'a=1 | join k [search b=2 | stats count by k | where count > 5]',
      'a=1 | eval k=lower(k) | join k [search b=2]',
    ]) assert.match(low(q).missing.map((m) => m.reason).join(), /join keeps only events the subsearch matches/, q);
    // a filter right after the join, conjunct by conjunct, on one side's columns (the subsearch's grouping stats
    // names its own): that side's condition; one over both sides stays missing
    const after = low('a=1 | stats count by guid dest | join guid [search b=2 | stats count by guid val] | where isnotnull(val) AND dest="x" AND val!=dest');
    assert.deepEqual(after.aggregation!.sides!.map((x) => renderExpr(x.condition)), ['a eq 1 and guid is_not_null and dest is_not_null and dest eq "x"', 'b eq 2 and guid is_not_null and val is_not_null']);
    assert.deepEqual(after.missing.map((m) => m.text), ['val!=dest']);
    // a side that reads every event of its source: the rule is still its sides
    const all = low('| tstats fillnull_value=null count from datamodel=Endpoint.Processes by guid | join guid [search b=2]');
    assert.deepEqual([all.missing, renderExpr(all.condition!)], [[], 'true']);
    // an outer join keeps the events whatever the subsearch finds: not a pairing
    const outer = low('a=1 | join type=left k [search b=2]');
    assert.deepEqual([outer.missing, outer.aggregation?.sides], [[], undefined]);
  });
  it('a distinct count states the event field it reads; one of a value eval computed is not read as a count', () => {
    const renamed = low('EventCode=4625 | rename TargetUserName as who | stats dc(who) as n count by src | where n > 3 AND count > 10');
    assert.equal(renamed.aggregation?.function, 'dc(TargetUserName)');
    assert.deepEqual(renamed.aggregation?.moreThresholds, [{ function: 'count', op: 'gt', value: 10, of: 'count' }]);
    const computed = low('EventCode=4625 | eval who=lower(TargetUserName) | stats dc(who) as n by src | where n > 3');
    assert.equal(computed.aggregation?.threshold, undefined);
    assert.match(computed.missing.map((m) => m.reason).join('\n'), /dc\(who\) aggregates a value the search computes/);
  });
  it('an undefined macro right after a command (no pipe before it) is a command of its own: the filters before it are kept', () => {
    const l = low('EventCode=1 | where n > 0 `hec_collect` | table a');
    assert.equal(renderExpr(l.condition!), 'EventCode eq 1 and n gt 0');
    assert.deepEqual(l.missing.map((m) => m.reason), ['macro: `hec_collect` is not defined in the source (macros/*.yml or macros.conf); it follows the previous command without a pipe, so its definition may begin one']);
    assert.equal(low('EventCode=1 | eval u=coalesce(a, b)\n `rba_score(asset, u)`').missing.length, 1);
    // in a search expression a macro is still a term of it
    assert.match(JSON.stringify(low("EventCode=1 `my_filter` | table a").condition), /my_filter/);
  });
  it('thresholds in ORs are alternatives the groups may pass instead; a computed aggregate in one keeps it out', () => {
    for (const q of ['sourcetype=fw | stats dc(dest_port) as port_count dc(dest) as dest_count by src | where port_count > 10 OR dest_count > 10', 'sourcetype=fw | stats dc(dest_port) as port_count dc(dest) as dest_count by src | search port_count>10 OR dest_count>10']) {
      const l = low(q);
      assert.deepEqual(l.missing, [], q);
      assert.equal(l.aggregation?.function, 'dc(dest_port)', q);
      assert.deepEqual(l.aggregation?.threshold, { op: 'gt', value: 10, of: 'dc(dest_port)' }, q);
      assert.deepEqual(l.aggregation?.orThresholds, [[{ function: 'dc(dest)', op: 'gt', value: 10, of: 'dc(dest)' }]], q);
      assert.equal(describeCount(l.aggregation!), 'alerts when more than 10 distinct dest_port values, or more than 10 distinct dest values are seen per src over the whole run; events without src are not counted', q);
    }
    // a lower() key is the field, case-folded: counted per its value
    const folded = low('sourcetype=fw | eval u=lower(user) | stats count by u | where count > 100');
    assert.deepEqual([folded.aggregation?.computedKeys, folded.aggregation?.derivedKeys, folded.missing], [['u'], [{ name: 'u', field: 'user', derived: { steps: [{ fn: 'lower' }] } }], []]);
    const computed = low('sourcetype=fw | eval d=lower(dest) | stats count dc(d) as n by src | where count > 100 OR n > 10');
    assert.equal(computed.aggregation?.threshold, undefined);
    assert.match(computed.missing.map((m) => m.reason).join('\n'), /dc\(d\) aggregates a value the search computes/);
    // an OR with a test of a value (not a count) is a filter on aggregated values, as before
    const mixed = low('sourcetype=fw | stats count values(user) as user by src | where count > 100 OR user="admin"');
    assert.equal(mixed.aggregation?.threshold, undefined);
    assert.match(mixed.missing.map((m) => m.reason).join('\n'), /a filter on aggregated values/);
  });
  it('a threshold on an aggregate of an earlier stats\' rows (its groups) or of the events dedup kept is not read', () => {
    for (const q of ['EventCode=4625 | stats count by src, user | stats count as users by src | where users > 5', 'EventCode=4625 | tstats count from datamodel=Authentication by src, user | stats sum(count) as n by src | where n > 5', 'EventCode=1 | tstats count from datamodel=Endpoint.Processes by dest, process | eventstats dc(process) as procs by dest | where procs > 2']) {
      const l = low(q);
      assert.equal(l.aggregation?.threshold, undefined, q);
      assert.match(l.missing.map((m) => m.reason).join('\n'), /aggregates the rows of an earlier stats \(its groups\), not every event/, q);
    }
    // nor is a count of the events dedup keeps (one per user); a dedup without a count after it changes nothing
    const deduped = low('EventCode=4625 | dedup user | stats count by src | where count > 5');
    assert.equal(deduped.aggregation?.threshold, undefined);
    assert.match(deduped.missing.map((m) => m.reason).join('\n'), /count aggregates the events dedup user keeps/);
    assert.deepEqual(low('EventCode=4625 | stats count by src | dedup src | where count > 5').missing, []);
    // eventstats before any stats runs over events
    assert.deepEqual(low('EventCode=4625 | eventstats count as n by src | where n > 5').missing, []);
  });
  it('count(eval(c)) counts the events where c holds, each count over its own events', () => {
    const l = low('EventCode=4625 OR EventCode=4624 | stats count(eval(EventCode=4625)) as failures count(eval(EventCode=4624)) as successes by src | where failures > 10 AND successes > 0');
    assert.deepEqual(l.missing, []);
    assert.equal(describeCount(l.aggregation!), 'alerts when more than 10 events where EventCode eq 4625 and more than 0 events where EventCode eq 4624 are seen per src over the whole run; events without src are not counted');
    assert.ok(!('unsupported' in planAggregation(l.aggregation!)));
    // another function of an eval is not a count of events
    assert.ok('unsupported' in planAggregation(low('EventCode=4625 | stats dc(eval(lower(user))) as n by src | where n > 3').aggregation!));
  });
  it('a search on the values a stats collected is "some event of the group has such a value": the condition when it is the only one and nothing is counted, else a count of such events', () => {
    const reasons = (l: ReturnType<typeof low>) => l.missing.map((m) => m.reason).join('\n');
    const counts = (l: ReturnType<typeof low>) => [{ function: l.aggregation!.function!, ...l.aggregation!.threshold! }, ...(l.aggregation!.moreThresholds ?? [])].map((t) => `${t.function} ${t.op} ${t.value}${t.where ? ` where ${renderExpr(t.where)}` : ''}`);
    // stats values(f) as g by k | search g=…: the events of the group with such a value make it alert
    const one = low('sourcetype=stream:http method=POST | stats values(form_data) as body count by src | search body IN ("*class.module*", "*suffix=.jsp*") OR src=10.0.0.1');
    assert.deepEqual(one.missing, []);
    assert.equal(renderExpr(one.condition!), 'method eq[ci] "POST" and (form_data wildcard "*class.module*" or form_data wildcard "*suffix=.jsp*" or src eq[ci] "10.0.0.1")');
    // two such filters may each be met by another event of the group: each is a count of the events meeting it
    const two = low('EventCode=7 | stats values(ImageLoaded) as dlls by dest | search dlls=*WinSCard.dll | search dlls=*cryptdll.dll');
    assert.deepEqual(two.missing, []);
    assert.equal(renderExpr(two.condition!), 'EventCode eq 7');
    assert.deepEqual(counts(two), ['count ge 1 where ImageLoaded wildcard "*WinSCard.dll"', 'count ge 1 where ImageLoaded wildcard "*cryptdll.dll"']);
    assert.match(describeCount(two.aggregation!) ?? "", /^alerts when at least 1 event where ImageLoaded wildcard "\*WinSCard.dll" and at least 1 event where ImageLoaded wildcard "\*cryptdll.dll" are seen per dest/);
    assert.ok(!('unsupported' in planAggregation(two.aggregation!)));
    // with a threshold the count is over every event of the group; the filter is one more count beside it
    const counted = low('EventCode=7 | stats values(ImageLoaded) as dlls count by dest | search dlls=*WinSCard.dll | where count > 5');
    assert.deepEqual(counted.missing, []);
    assert.deepEqual(counts(counted), ['count gt 5', 'count ge 1 where ImageLoaded wildcard "*WinSCard.dll"']);
    // a negation: no event of the group has such a value (decided when the window closes)
    const none = low('EventCode=7 | stats values(ImageLoaded) as dlls by dest | search NOT dlls=*WinSCard.dll');
    assert.deepEqual(none.missing, []);
    assert.deepEqual(counts(none), ['count eq 0 where ImageLoaded wildcard "*WinSCard.dll"']);
    // list() (its first 100 values) and != (some value differs) are not read so
    for (const q of ['EventCode=7 | stats list(ImageLoaded) as dlls by dest | search dlls=*WinSCard.dll', 'EventCode=7 | stats values(ImageLoaded) as dlls by dest | search dlls!=*WinSCard.dll', 'EventCode=7 | stats values(ImageLoaded) as dlls by dest | search dlls=*WinSCard.dll | search dlls!=*x.dll']) {
      assert.match(reasons(low(q)), /a filter on aggregated values/, q);
    }
    // a bare term after stats: the rows have no raw text to search
    assert.match(JSON.stringify(low('EventCode=7 | stats count by dest | search foo').condition), /term: foo is searched for in rows that are not events/);
    assert.equal(renderExpr(low('EventCode=7 foo').condition!), 'EventCode eq 7 and _raw has "foo"');
  });
  it('dc(eval(if(c, f, null()))) and sum(eval(if(c, 1, 0))) count over the events where c holds', () => {
    const l = low('index=fw | stats dc(eval(if(transport="tcp", dest_port, null()))) as tcp_ports sum(eval(if(action="blocked", 1, 0))) as blocked by src | where tcp_ports > 100 AND blocked >= 10');
    assert.deepEqual(l.missing, []);
    const tests = [{ function: l.aggregation!.function!, ...l.aggregation!.threshold! }, ...l.aggregation!.moreThresholds!].map((t) => `${t.function} ${t.op} ${t.value} where ${renderExpr(t.where!)}`);
    assert.deepEqual(tests, ['dc(dest_port) gt 100 where transport eq "tcp"', 'count ge 10 where action eq "blocked"']);
    // if() with another else, or of a computed value, is not a conditional count
    for (const q of ['index=fw | stats sum(eval(if(action="blocked", 2, 0))) as b by src | where b > 1', 'index=fw | stats dc(eval(if(transport="tcp", lower(dest), null()))) as d by src | where d > 1']) {
      assert.ok('unsupported' in planAggregation(low(q).aggregation!) || low(q).aggregation?.threshold === undefined, q);
    }
  });
  it('two aggregates compared in where (`failures > successes`) are a threshold of one against the other', () => {
    const l = low('index=auth | stats count(eval(action="failure")) as failures count(eval(action="success")) as successes by user | where failures > successes AND failures > 5');
    assert.deepEqual(l.missing, []);
    assert.equal(describeCount(l.aggregation!), 'alerts when more events where action eq "failure" than events where action eq "success" and more than 5 events where action eq "failure" are seen per user over the whole run, decided at its end; events without user are not counted');
    // against an aggregate of an earlier stats' rows: not read
    assert.equal(low('index=auth | stats count by user, src | stats dc(src) as n count as c by user | where n > c').aggregation?.threshold, undefined);
  });
  it('c() is count, as Splunk abbreviates it: counted like count()', () => {
    for (const q of ['EventCode=4625 | stats c(TargetUserName) as n by src | where n > 10', 'EventCode=4625 | stats c by src | where c > 10']) {
      const l = low(q);
      assert.equal(l.aggregation?.function?.replace(/\(.*/, ''), 'count', q);
      assert.deepEqual(l.missing, [], q);
      assert.ok(!('unsupported' in planAggregation(l.aggregation!)), q);
    }
  });
  it('eventstats keeps rows: a later where on its aggregate is the threshold, the rest stays row-level', () => {
    const l = low('EventCode=4625 | eventstats dc(src) as n by user | where n > 3 AND user="a"');
    assert.deepEqual(l.aggregation?.threshold, { op: 'gt', value: 3, of: 'dc(src)' });
    assert.deepEqual(l.aggregation?.groupBy, ['user']);
    assert.equal(show(l.condition!), '(EventCode eq 4625 {cs:false,typing:loose} and user eq "a" {cs:true,typing:loose})');
  });
  it('search count>5 after stats, bin span as the window, renamed keys in the output', () => {
    const l = low('a=1 | bin _time span=10m | stats count by _time, host | rename host as dest | search count>5 dest=web*');
    assert.deepEqual(l.aggregation?.threshold, { op: 'gt', value: 5, of: 'count' });
    assert.equal(l.aggregation?.window, '10m');
    assert.equal(show(l.condition!), '(a eq 1 {cs:false,typing:loose} and host wildcard "web*" {cs:false,wildcard:spl})');
    assert.deepEqual(l.outputFields.map((o) => `${o.name}<${o.from ?? ''}`), ['_time<', 'dest<host', 'count<']);
  });
  it('wildcard renames and field lists: what each * stands for, as a regular expression of (.*) captures it', () => {
    const l = low('a=1 | stats count by src_ip, src_port, dest_ip | rename src_* as from_* | fields - dest*');
    assert.deepEqual(l.outputFields.map((o) => `${o.name}<${o.from ?? ''}`), ['from_ip<src_ip', 'from_port<src_port', 'count<']);
    // against the regular expression it replaces, on every pattern and name over a small alphabet
    const regex = (p: string, n: string) => {
      const m = new RegExp(`^${p.split('*').map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('(.*)')}$`).exec(n);
      return m ? m.slice(1) : undefined;
    };
    const words = (alphabet: string, max: number): string[] => {
      const out = [''];
      for (let len = 1; len <= max; len++) for (let i = 0; i < alphabet.length ** len; i++) out.push([...Array(len)].map((_, j) => alphabet[Math.floor(i / alphabet.length ** j) % alphabet.length]).join(''));
      return out;
    };
    const names = words('ab', 5);
    let compared = 0;
    for (const p of words('ab*', 4))
      for (const n of names) {
        assert.deepEqual(wildcardCaptures(p, n), regex(p, n), `${p} on ${n}`);
        compared++;
      }
    assert.equal(compared, 121 * 63);
    // hostile: many stars on a long name (a regular expression backtracks), a pattern of megabytes (one does not compile)
    const t0 = performance.now();
    assert.equal(wildcardCaptures('a*'.repeat(40) + 'b', 'a'.repeat(100_000)), undefined);
    assert.equal(wildcardCaptures('x' + 'A'.repeat(3_000_000) + '*', 'y'), undefined);
    assert.deepEqual(wildcardCaptures('*' + 'A'.repeat(3_000_000), 'z' + 'A'.repeat(3_000_000)), ['z']);
    assert.ok(performance.now() - t0 < 1000, `${(performance.now() - t0).toFixed(0)} ms`);
  });
  it('a wildcard rename of the events\' own fields: a field it may have renamed is the renamed one where the event has it, else its own', () => {
    const l = low('category=AuditLogs | rename properties.* as * | search result=success | stats count by user, operationName');
    const c = l.condition!;
    assert.equal(renderExpr(c), 'category eq[ci] "AuditLogs" and ((properties.result is_not_null and properties.result eq[ci] "success") or (properties.result is_null and result eq[ci] "success"))');
    // Splunk's rename overwrites the field it renames to, and leaves it where there is nothing to rename
    const ev = (e: Record<string, unknown>) => evaluate(c, { category: 'AuditLogs', ...e });
    assert.deepEqual([ev({ properties: { result: 'success' } }), ev({ result: 'success' }), ev({ result: 'success', properties: { result: 'failure' } })], [true, true, false]);
    // keys: the first field present, and missing where none is
    assert.deepEqual(l.aggregation?.derivedKeys, [
      { name: 'user', field: 'properties.user', coalesce: ['user'] },
      { name: 'operationName', field: 'properties.operationName', coalesce: ['operationName'] },
    ]);
    // a field the search defined before the rename is renamed as it was (the value eval computed, not the events' field)
    const defined = low('a=1 | eval properties.x=lower(b) | rename properties.* as * | search x=y');
    assert.doesNotMatch(renderExpr(defined.condition!), /properties\.x/);
    // two renamed fields compared: unknown, shown as the rule names them (each side's presence, where a null on
    // either makes the comparison null, is stated)
    const pair = low('a=1 | rename properties.* as * | where x == y');
    assert.equal(
      renderExpr(pair.condition!),
      'a eq 1 and (properties.x is_not_null or (properties.x is_null and x is_not_null)) and (properties.y is_not_null or (properties.y is_null and y is_not_null)) and <opaque: x eq field(y)>',
    );
  });

  it('head / tail / top / rare at the end do not change whether the search returns rows: not missing', () => {
    assert.deepEqual(low('EventCode=4625 | head 10').missing, []);
    assert.deepEqual(low('EventCode=4625 | head').missing, [], 'head keeps 10 by default');
    assert.deepEqual(low('EventCode=4625 | stats count by user | sort - count | tail 5 | table user count').missing, []);
    assert.deepEqual(low('EventCode=4625 | rare user').missing, []);
    assert.deepEqual(low('EventCode=4625 | sort - _time | table user').missing, [], 'sort and table keep every row');
  });
  it('a limit followed by a command that drops or counts rows is missing, with both named', () => {
    assert.deepEqual(low('EventCode=4625 | head 10 | search user=admin').missing.map((m) => m.reason), ['command: head keeps only the first matching events, and search after it sees only those']);
    assert.deepEqual(low('EventCode=4625 | head 100 | stats count by user').missing.map((m) => m.reason), ['command: head keeps only the first matching events, and stats after it sees only those']);
    assert.deepEqual(low('EventCode=4625 | rare user | where count < 3').missing.map((m) => m.reason).slice(0, 1), ['command: rare keeps only the least common values of its fields, and where after it sees only those']);
  });
  it('head 0 or head with an eval expression (stops at the first row failing it) stays missing', () => {
    assert.deepEqual(low('EventCode=4625 | head 0').missing.map((m) => m.reason), ['command: head keeps only the first matching events']);
    assert.deepEqual(low('EventCode=4625 | head (count > 5)').missing.map((m) => m.reason), ['command: head keeps only the first matching events']);
  });
  it('a filter after join or transaction is missing, not part of the condition', () => {
    // the join is two sides (an event of either may be one of a pair); the filter after it is on joined rows
    const l = low('a=1 | join x [search b=2] | where c=3');
    assert.equal(show(l.condition!), '(a eq 1 {cs:false,typing:loose} or b eq 2 {cs:false,typing:loose})');
    assert.deepEqual(l.missing.map((m) => m.reason), ['command: filter after join, whose rows are not single events']);
    const t = low('a=1 | transaction x maxspan=5m | where c=3');
    assert.equal(show(t.condition!), 'a eq 1 {cs:false,typing:loose}');
    assert.deepEqual(t.missing.map((m) => m.reason.split(':')[0]), ['command']);
  });
});

describe('SPL evaluation follows Splunk', () => {
  const e = (q: string) => {
    const p = parseSpl(q);
    assert.ok(p.ok);
    return lowerPipeline({ pipeline: p.value, text: q, span: (r) => ({ file: 'q', ...r }), source: (r) => q.slice(r.start, r.end), macroAt: () => undefined }).condition!;
  };
  it('eval string functions: substr is 1-based, urldecode percent-decodes (a + is unknown), trim takes spaces and tabs, len counts characters', () => {
    // the search's own term (`x`) is in every event's _raw
    const on = (q: string) => (ev: Record<string, unknown>) => evaluate(e(`search x | ${q}`), { _raw: 'x', ...ev });
    const mz = on('where substr(h, 1, 2)="MZ"');
    assert.equal(mz({ h: 'MZ\u0090\u0000' }), true);
    assert.equal(mz({ h: 'ZM' }), false);
    const trav = on('eval u=urldecode(uri) | where like(u, "%../..%")');
    assert.equal(trav({ uri: '/a?f=..%2F..%2Fetc' }), true);
    assert.equal(trav({ uri: '/a?f=..%2Fetc' }), false);
    assert.equal(trav({ uri: '/a?f=a+b' }), 'unknown');
    assert.equal(trav({ uri: ['/../../', '/x'] }), 'unknown', 'a multivalue field');
    assert.equal(on('where trim(n)="a"')({ n: ' \ta\t ' }), true);
    assert.equal(on('where trim(n)="a"')({ n: '\na' }), false, 'a line break is not trimmed');
    assert.equal(on('where len(n) > 3')({ n: 'äöüß' }), true);
    assert.equal(on('where len(n) > 3')({}), false);
  });
  it('split, and mvindex / mvcount of its values: an empty value or a multivalue field is unknown', () => {
    const on = (q: string) => (ev: Record<string, unknown>) => evaluate(e(`search x | ${q}`), { _raw: 'x', ...ev });
    const base = on('eval p=mvindex(split(img, "\\\\"), -1) | where NOT match(p, "(?i)^(svchost|lsass)\\.exe$")');
    assert.equal(base({ img: 'C:\\Windows\\System32\\lsass.exe' }), false);
    assert.equal(base({ img: 'C:\\Users\\a\\LSASS.EXE.bat' }), true);
    assert.equal(base({ img: 'rundll32.exe' }), true, 'no delimiter: the value itself');
    assert.equal(base({ img: 'C:\\Windows\\' }), 'unknown', 'an empty last value');
    assert.equal(base({ img: 'C:\\\\x.exe' }), 'unknown', 'delimiters side by side');
    assert.equal(base({ img: ['C:\\a.exe', 'C:\\b.exe'] }), 'unknown', 'a multivalue field');
    const second = on('where mvindex(split(u, "@"), 1) = "corp"');
    assert.equal(second({ u: 'a@corp' }), true);
    assert.equal(second({ u: 'a' }), false, 'out of range: null');
    assert.equal(second({}), false);
    const parts = on('where mvcount(split(k, "\\\\")) <= 2');
    assert.equal(parts({ k: 'HKLM\\Run' }), true);
    assert.equal(parts({ k: 'HKLM\\Software\\Run' }), false);
    assert.equal(parts({ k: 3 }), true, 'a number is its text: one value');
  });
  it('a value rex extracts compared with another field, or with another extracted value: null on either side is no match', () => {
    const on = (q: string) => (ev: Record<string, unknown>) => evaluate(e(`search x | ${q}`), { _raw: 'x', ...ev });
    const differ = on('rex field=arn "::(?<acct>\\d+):" | where acct != dest');
    assert.equal(differ({ arn: 'arn:aws:iam::111:role/r', dest: '222' }), true);
    assert.equal(differ({ arn: 'arn:aws:iam::111:role/r', dest: '111' }), false);
    assert.equal(differ({ arn: 'arn:aws:iam::111:role/r' }), false, 'dest missing: null');
    assert.equal(differ({ arn: 'no account', dest: '222' }), false, 'no match: acct is null');
    const same = on('rex field=img "(?<d>.+)/[^/]+$" | rex field=dll "(?<e>.+)/[^/]+$" | where d = e');
    assert.equal(same({ img: 'C:/a/b.exe', dll: 'C:/a/x.dll' }), true);
    assert.equal(same({ img: 'C:/a/b.exe', dll: 'C:/c/x.dll' }), false);
    assert.equal(same({ img: 'C:/a/b.exe', dll: 'x.dll' }), false);
    assert.equal(same({ img: 'b.exe', dll: 'x.dll' }), false, 'both null: no match');
  });
  it('if(match(x, re), f(x), x) is f where the regex matches and x elsewhere; if(cond, v, null()) is null where cond fails', () => {
    // a hexadecimal command line decoded (the NUL bytes between its arguments as spaces), as Linux auditd's PROCTITLE
    // records need, in three evals whose if() keeps a text that is not hexadecimal as it is
    const q = 'search type=T | eval h=if(kind=="T" AND isnotnull(t), if(match(t, "^[0-9A-F]+$"), replace(t, "00", "20"), t), null()) ' +
      '| eval cmd=if(match(h, "^[0-9A-F]+$"), urldecode(replace(h, "([0-9A-F]{2})", "%\\1")), h) | where like(cmd, "%chmod +x %")';
    const hex = (x: string) => Buffer.from(x).toString('hex').toUpperCase();
    const cond = e(q);
    const on = (ev: Record<string, unknown>) => evaluate(cond, { _raw: 'x', type: 'T', kind: 'T', ...ev });
    assert.equal(on({ t: hex('chmod\0+x\0/tmp/a') }), true);
    assert.equal(on({ t: 'chmod +x /tmp/a' }), true, 'not hexadecimal: the text as it is');
    assert.equal(on({ t: hex('chmod\0-x\0/tmp/a') }), false);
    assert.equal(on({ t: hex('chmod\0+x\0/tmp/a').toLowerCase() }), false, 'match() is case-sensitive: lower-case digits are kept as they are');
    assert.equal(on({ kind: 'U', t: hex('chmod\0+x\0/tmp/a') }), false, 'the first eval gives null where its condition fails');
    assert.equal(evaluate(not(cond), { _raw: 'x', type: 'T', kind: 'U', t: 'chmod +x a' }), true);
    assert.equal(on({}), false);
    assert.equal(on({ t: 'FF' }), 'unknown', 'bytes that are not UTF-8');
    // the condition states the if()'s condition once, beside the decoded value's test
    assert.equal(show(cond).split('kind eq "T"').length, 2);
    assert.match(renderExpr(cond), /ifmatch\(ifmatch\(t, "\^\[0-9A-F\]\+\$", replace_regex\(_, "00", "20"\)\), "\^\[0-9A-F\]\+\$", urldecode\(replace_regex\(_, /);
    // isnull() of such a value holds where the condition fails
    const n = e('search type=T | eval h=if(kind=="T", if(match(t, "^[0-9A-F]+$"), replace(t, "00", "20"), t), null()) | where isnull(h)');
    assert.equal(evaluate(n, { _raw: 'x', type: 'T', kind: 'U', t: '00' }), true);
    assert.equal(evaluate(n, { _raw: 'x', type: 'T', kind: 'T', t: '00' }), false);
    // compared with another field, such a value is null on one side only: not stated
    const other = e('search type=T | eval h=if(kind=="T", replace(t, "00", "20"), null()) | where u == h');
    assert.equal(evaluate(other, { _raw: 'x', type: 'T', kind: 'T', t: '00', u: '20' }), 'unknown');
  });
  it('search values are case-insensitive with * wildcards, ? literal', () => {
    assert.equal(evaluate(e('p="*CMD.exe"'), { p: 'C:\\cmd.EXE' }), true);
    assert.equal(evaluate(e('p="a?c"'), { p: 'abc' }), false);
    assert.equal(evaluate(e('p="a?c"'), { p: 'a?c' }), true);
  });
  it('!= needs the field, NOT does not', () => {
    assert.equal(evaluate(e('user!=root'), {}), false);
    assert.equal(evaluate(e('NOT user=root'), {}), true);
  });
  it('where is case-sensitive', () => {
    assert.equal(evaluate(e('search * | where a="B"'), { a: 'b' }), false);
    assert.equal(evaluate(e('search * | where lower(a)="b"'), { a: 'B' }), true);
  });
});

describe('Splunk macros', () => {
  const table = new Map<string, MacroDef>();
  for (const f of readdirSync(path.join(REPO, 'macros'))) {
    const r = readMacroFile(`macros/${f}`, readFileSync(path.join(REPO, 'macros', f), 'utf8'));
    if (r.def) table.set(macroKey(r.def.name, r.def.args.length), r.def);
  }
  it('expands arguments and nested macros, and maps offsets back to the call', () => {
    const s = 'x | `demo_ctime(firstTime)` | tstats `demo_summariesonly` count';
    const exp = expandMacros(s, table);
    assert.equal(exp.text, 'x | convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(firstTime) | tstats summariesonly=false allow_old_summaries=true count');
    const inner = exp.text.indexOf('ctime(');
    assert.equal(exp.toSource(inner), s.indexOf('`demo_ctime'));
    assert.equal(exp.toSource(exp.text.indexOf('count')), s.indexOf('count'));
  });
  it('classifies source macros, builtins, filters, undefined and recursion', () => {
    assert.equal(table.get('wineventlog_demo')?.source, true);
    const exp = expandMacros('`wineventlog_demo` `drop_dm_object_name(P)` `a_filter` `nope` `demo_loop_a`', table);
    assert.deepEqual(
      exp.uses.map((u) => [u.name, u.status, u.tooDeep]),
      [
        ['wineventlog_demo', 'defined', false],
        ['drop_dm_object_name', 'builtin', false],
        ['a_filter', 'filter', false],
        ['nope', 'undefined', false],
        ['demo_loop_a', 'defined', true],
      ],
    );
  });
});

describe('Splunk golden rules', () => {
  for (const name of ['demo_tstats_process', 'demo_threshold', 'demo_rex_lookup', 'demo_column_zero']) {
    it(name, async () => {
      const { rule: r } = await rule(`detections/endpoint/${name}.yml`);
      assertGolden(fixture('splunk', `${name}.expected.txt`), summary(r));
    });
  }
  it('baseline', async () => {
    const { rule: r } = await rule('baselines/demo_baseline.yml');
    assertGolden(fixture('splunk', 'demo_baseline.expected.txt'), summary(r));
  });
  it('stage and predicate spans point into the YAML file', async () => {
    for (const f of ['demo_tstats_process', 'demo_threshold', 'demo_rex_lookup']) {
      const { rule: r, text } = await rule(`detections/endpoint/${f}.yml`);
      for (const s of r.logic.stages) assert.equal(text.slice(s.span!.start, s.span!.end).replace(/\s+/g, ' '), s.text.replace(/\s+/g, ' '), `${f} ${s.label}`);
    }
    const { rule: r, text } = await rule('detections/endpoint/demo_threshold.yml');
    const like = r.logic.stages.find((s) => s.label === 'where')!;
    const sp = like.span!;
    assert.ok(text.slice(sp.start, sp.end).startsWith('where like(Workstation'));
  });
  it('macro files are support files; a recursive macro and a syntax error are diagnosed with file:line', async () => {
    assert.equal((await splunkAdapter.parseFile(REPO, 'macros/demo_ctime.yml', await prep(), SRC)).outcome, 'support');
    const { result, text } = await rule('detections/endpoint/demo_broken.yml');
    const codes = result.diagnostics.map((d) => d.code).sort();
    assert.deepEqual(codes, ['SPL004', 'SPL006']);
    const syn = result.diagnostics.find((d) => d.code === 'SPL004')!;
    const at = lineColAt(text, text.indexOf('| stats'));
    assert.deepEqual([syn.line, syn.column], [at.line, at.column]);
    assert.equal(result.rules[0]!.logic.completeness, 'none');
  });
  it('an undefined macro is a diagnostic at its call and an opaque leaf', async () => {
    const { result, rule: r, text } = await rule('detections/endpoint/demo_rex_lookup.yml');
    const d = result.diagnostics.find((x) => x.code === 'SPL005')!;
    const at = lineColAt(text, text.indexOf('`demo_undefined_macro`'));
    assert.deepEqual([d.line, d.column], [at.line, at.column]);
    assert.ok(r.logic.missing.some((m) => m.reason.startsWith('macro:') || m.reason.startsWith('command:')));
  });
});

describe('SPL command arguments', () => {
  const generic = (q: string) => {
    const p = parseSpl(q);
    assert.ok(p.ok, q);
    return p.value.commands.filter((c) => c.type === 'generic').map((c) => (c.type === 'generic' ? { name: c.name, options: c.options, words: c.words } : undefined));
  };
  it('options (spaces around =, quoted values) and positional words (quoted or bare), groups and subsearches apart', () => {
    assert.deepEqual(generic('a=1 | spath output = "out field" path=a.b input=raw_json | join type=left user [search b=2] | transaction user startswith=(x="1") maxspan=5m'), [
      { name: 'spath', options: [{ name: 'output', value: 'out field' }, { name: 'path', value: 'a.b' }, { name: 'input', value: 'raw_json' }], words: [] },
      { name: 'join', options: [{ name: 'type', value: 'left' }], words: ['user'] },
      { name: 'transaction', options: [{ name: 'startswith', value: '' }, { name: 'maxspan', value: '5m' }], words: ['user'] },
    ]);
  });
  it('a data model source, in each spelling', () => {
    for (const q of ['| from datamodel Endpoint.Processes | stats count', '| from datamodel:Endpoint.Processes | stats count', '| from datamodel:"Endpoint.Processes" | stats count']) {
      const low = lowerPipeline({ pipeline: (parseSpl(q) as { ok: true; value: Parameters<typeof lowerPipeline>[0]['pipeline'] }).value, text: q, span: (r) => ({ file: 'q', ...r }), source: (r) => q.slice(r.start, r.end), macroAt: () => undefined });
      assert.deepEqual(low.logSources, [{ kind: 'datamodel', name: 'Endpoint.Processes' }], q);
    }
  });
  it('join: an inner join keeps only matched events (sides, or a missing part when they cannot be stated); type=left / outer does not', () => {
    const lowered = (q: string) => lowerPipeline({ pipeline: (parseSpl(q) as { ok: true; value: Parameters<typeof lowerPipeline>[0]['pipeline'] }).value, text: q, span: (r) => ({ file: 'q', ...r }), source: (r) => q.slice(r.start, r.end), macroAt: () => undefined });
    const reasons = (q: string) => lowered(q).missing.map((m) => m.reason);
    assert.equal(lowered('a=1 | join user [search b=2]').aggregation?.sides?.length, 2);
    assert.ok(reasons('a=1 | join usetime=true user [search b=2]').includes('command: join keeps only events the subsearch matches'));
    assert.ok(!reasons('a=1 | join type = outer user [search b=2]').includes('command: join keeps only events the subsearch matches'));
  });
});

describe('SPL hostile input', () => {
  it('deep nesting, long input and unbalanced quotes give a syntax error, never an exception', () => {
    for (const q of ['('.repeat(5000) + 'a', 'NOT '.repeat(20000) + 'a', 'x | where ' + '('.repeat(3000) + '1', 'a="'.repeat(10) , 'a'.repeat(200_000), '| stats count by', '[ [ [ ] ] ]']) {
      const p = parseSpl(q);
      if (!p.ok) assert.equal(typeof p.offset, 'number');
    }
  });
  it('a string left open is reported where it opens, not at the end of the search', () => {
    const q = 'index=win EventCode=1\n| eval report="T1126 share removal\n| eval asset=host\n| table asset report';
    const p = parseSpl(q);
    assert.ok(!p.ok);
    assert.deepEqual([p.offset, p.message], [q.indexOf('"T1126'), 'a double-quoted string opened here is not closed: it runs to the end of the search']);
    // an escaped quote does not close it; a closed string followed by another error keeps the parser's own message
    assert.equal((parseSpl('a="x\\" b=1') as { offset: number }).offset, 2);
    const other = parseSpl('a="x" | stats count by');
    assert.ok(!other.ok && !other.message.includes('not closed'));
    // in a detection: SPL004 at the quote's line and column
    const y = `name: x\nsearch: |\n  ${q.split('\n').join('\n  ')}\n`;
    const d = parseSplunkText('detections/x.yml', y, SRC).diagnostics.find((x) => x.code === 'SPL004')!;
    assert.deepEqual([d.line, d.column], [4, 17]);
  });
  it('a deep NOT chain (no brackets) is refused before lowering, as SPL004', () => {
    const y = `name: x\nsearch: '${'NOT '.repeat(6000)}a=1'\n`;
    const r = parseSplunkText('detections/x.yml', y, SRC);
    assert.deepEqual(r.diagnostics.map((d) => d.code), ['SPL004']);
    assert.equal(r.rules[0]!.logic.completeness, 'none');
  });
  it('a recursive macro stops at the depth and call limits', () => {
    // a macro calling itself three times would make 3^20 calls without the call budget
    const t = new Map<string, MacroDef>([['a', { name: 'a', args: [], definition: '`a` `a` `a`', file: 'm', source: false }]]);
    const e = expandMacros('`a`', t);
    assert.equal(e.uses[0]!.tooDeep, true);
    assert.ok(e.text.length <= 200_000 + 10);
  });
});

describe('Splunk corpus', { skip: !SHARED_PRESENT }, () => {
  it('every detection search parses (known invalid SPL excepted) and most have a condition', async () => {
    const root = path.join(SHARED, 'corpora', 'splunk');
    const files = listFiles(root).filter((f) => f.startsWith('detections/') || f.startsWith('baselines/') || f.startsWith('macros/'));
    const p = await splunkAdapter.prepare!(root, files, SRC);
    const offenders: string[] = [];
    let searches = 0;
    let withCondition = 0;
    // searches Splunk itself rejects: `search` with eval functions (relative_time(now(), ...)) in deprecated rules
    const KNOWN_INVALID = new Set(['detections/deprecated/abnormally_high_aws_instances_launched_by_user.yml', 'detections/deprecated/abnormally_high_aws_instances_terminated_by_user.yml']);
    for (const f of files) {
      const r = await splunkAdapter.parseFile(root, f, p, SRC);
      if (r.outcome === 'error') offenders.push(`${f}: ${r.diagnostics.map((d) => `${d.code}:${d.line}`).join(', ')}`);
      for (const rr of r.rules) {
        searches++;
        if (rr.logic.condition) withCondition++;
        const syn = r.diagnostics.find((d) => d.code === 'SPL004');
        if (syn && !KNOWN_INVALID.has(f)) offenders.push(`${f}:${syn.line}:${syn.column} ${syn.message.slice(0, 100)}`);
      }
    }
    assert.deepEqual(offenders, []);
    assert.ok(withCondition / searches >= 0.9, `only ${withCondition}/${searches} searches have a condition`);
  });
});
