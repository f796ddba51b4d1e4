import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { elasticAdapter, parseElasticText } from '../src/formats/elastic/index.ts';
import { lowerEql } from '../src/formats/elastic/eql/index.ts';
import { parseEql } from '../src/formats/elastic/eql/syntax.ts';
import { scanSource } from '../src/formats/scan.ts';
import { evaluate } from '../src/model/evaluate.ts';
import { overEvents, type Expr } from '../src/model/expr.ts';
import { renderExpr, renderExprPretty } from '../src/model/render.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { assertGolden, fixture } from './helpers/golden.ts';

const src = { repository: 'test/elastic' };
const ctx = { file: 'q.eql', line: 1, column: 1 };

function ruleOf(rel: string): { rule: RuleRecord; text: string; diagnostics: string[] } {
  const text = readFileSync(fixture('elastic', rel), 'utf8');
  const res = parseElasticText(rel, text, src);
  assert.equal(res.outcome, 'parsed', JSON.stringify(res.diagnostics));
  return { rule: res.rules[0]!, text, diagnostics: res.diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`) };
}

/** The rule as the golden files show it: logic with spans as the source text they cover. */
function describeRule(rule: RuleRecord, text: string, diagnostics: readonly string[]): string {
  const L = rule.logic;
  const at = (s?: { start: number; end: number }) => (s ? ` @${JSON.stringify(text.slice(s.start, s.end).split('\n')[0]!.slice(0, 40))}` : '');
  return [
    `id: ${rule.id}`,
    `kind: ${rule.kind} (${rule.kindReason})`,
    `attack: ${rule.attackDeclared.map((a) => a.text).join(', ')}`,
    `parser: ${L.parser}`,
    `completeness: ${L.completeness}`,
    ...(L.note ? [`note: ${L.note}`] : []),
    ...L.missing.map((m) => `missing: ${m.reason}${at(m.span)}`),
    ...L.stages.map((s) => `stage ${s.kind} ${s.label}${at(s.span)}${s.detail ? ` ${JSON.stringify(s.detail)}` : ''}`),
    ...(L.aggregation ? [`aggregation: ${JSON.stringify({ ...L.aggregation, span: undefined })}`] : []),
    'condition:',
    L.condition ? renderExprPretty(L.condition) : '(none)',
    ...L.exclusions.map((e) => `exclusion ${e.stage ?? ''}: ${renderExpr(e.expr)}`),
    ...L.indicators.map((i) => `indicator ${i.field} ${i.op} ${JSON.stringify(i.values)}${i.cs === false ? ' ci' : ''}`),
    ...L.eventKeys.map((k) => `event key ${k.field}=${k.value}`),
    ...L.outputFields.map((o) => `output ${o.name} (${o.source})`),
    ...diagnostics.map((d) => `diagnostic ${d}`),
  ].join('\n');
}

describe('elastic EQL golden', () => {
  for (const name of ['eql_event', 'eql_sequence', 'eql_sample', 'eql_filters', 'eql_broken']) {
    it(`${name}.toml`, () => {
      const { rule, text, diagnostics } = ruleOf(`rules/${name}.toml`);
      assertGolden(fixture('elastic', 'rules', `${name}.expected.txt`), describeRule(rule, text, diagnostics));
    });
  }
});

describe('elastic EQL spans and diagnostics', () => {
  it('a syntax error is EQL001 at its line and column in the TOML file', () => {
    const { rule } = ruleOf('rules/eql_broken.toml');
    const d = rule.diagnostics.find((x) => x.code === 'EQL001');
    assert.ok(d, 'EQL001 present');
    // `=` is not an EQL operator: line 12 of the file, column 16
    assert.deepEqual([d.line, d.column], [12, 16]);
    assert.equal(rule.logic.completeness, 'none');
  });
  it('unknown functions and pipes are EQL002 / EQL003 at their place; spans are offsets into the file', () => {
    const r = lowerEql('process where unknownFn(process.name) | nonsense', { file: 'f.toml', line: 3, column: 5 });
    assert.equal(r.parsed, true);
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.line, d.column]), [['EQL002', 3, 19], ['EQL003', 3, 43]]);
    const { rule, text } = ruleOf('rules/eql_event.toml');
    const cmp = (function find(e: Expr): Expr | undefined {
      if (e.kind === 'pred' && e.field === 'process.pid') return e;
      if (e.kind === 'and' || e.kind === 'or') for (const a of e.args) { const f = find(a); if (f) return f; }
      return undefined;
    })(rule.logic.condition!);
    assert.ok(cmp && cmp.kind === 'pred' && cmp.span);
    assert.equal(text.slice(cmp.span.start, cmp.span.end), 'process.pid > 4');
  });
  it('bad input never throws: deep nesting, long not-chains, huge text', () => {
    for (const q of ['process where ' + '('.repeat(5000) + 'a == 1' + ')'.repeat(5000), 'any where ' + 'not '.repeat(20000) + 'a == 1', 'x'.repeat(300_000), '', 'sequence', '[[[', '"unterminated']) {
      const r = lowerEql(q, ctx);
      assert.equal(r.parsed, false, q.slice(0, 30));
      assert.equal(r.diagnostics[0]?.code, 'EQL001');
    }
  });
  it('nested calls and parentheses parse in linear time (no backtracking blow-up)', () => {
    for (const q of ['process where ' + 'f(('.repeat(60) + 'a', 'process where ' + '(a == 1 or '.repeat(90), 'process where x : ' + '('.repeat(90) + '"a"']) {
      const t0 = performance.now();
      parseEql(q);
      assert.ok(performance.now() - t0 < 1000, `${q.slice(0, 30)} took ${(performance.now() - t0).toFixed(0)} ms`);
    }
  });
  it('the grammar covers the reference constructs', () => {
    for (const q of [
      'any where true',
      '"my-category" where `my field` == 1',
      'process where ?user.id != null and process.args[0] : "a"',
      'process where add(process.pid, 1) % 2 == 0 and -process.pid < 0',
      'sequence with maxspan=1h by user.name [a where true] [b where true]',
      'sequence [a where true] by ?x [b where true] by y until [c where true] | tail 3',
      'process where x like ("a*", "b?") and y regex~ """raw\\string""" and z : "\\u{41}"',
      'process where x in (1, 2.5, -3, null, true) // comment',
      'process where startswith~(a, "x") | filter a != "b" | unique a, b',
      // Endpoint EQL (elastic/protections-artifacts): lineage, step aliases, $variables, raw strings ending in a quote
      'process where descendant of [process where process.name : "winword.exe"] and process. name : "cmd.exe"',
      'sequence [process where true] as event0 [file where _arraysearch(process.thread.Ext.call_stack, $entry, $entry.trusted == false)]',
      'process where process.command_line : """a "quoted" end""""',
    ]) {
      const r = parseEql(q);
      assert.ok(r.ok, `${q}: ${r.ok ? '' : r.message}`);
    }
    for (const q of ['process where a = "b"', "process where a == 'b'", 'process where', 'sequence by x', 'process where a == "b" and']) assert.equal(parseEql(q).ok, false, q);
  });
});

describe('elastic EQL pipes', () => {
  const reasons = (q: string) => lowerEql(q, ctx).missing.map((m) => m.reason);
  it('head / tail at the end do not change whether the query returns a match: stages, not missing', () => {
    assert.deepEqual(reasons('process where process.name == "a" | head 5'), []);
    assert.deepEqual(reasons('process where process.name == "a" | tail 1 | head 3'), []);
    assert.ok(lowerEql('process where process.name == "a" | head 5', ctx).stages.some((s) => s.kind === 'limit'));
  });
  it('a pipe after a limit sees only the kept matches: the limit is missing', () => {
    assert.deepEqual(reasons('process where process.name == "a" | head 5 | filter process.pid > 4'), ['pipe: | head: only the first matches (oldest first) are returned, and | filter after it sees only those']);
    assert.deepEqual(reasons('process where process.name == "a" | head 0'), ['pipe: | head: only the first matches (oldest first) are returned']);
  });
});

describe('elastic EQL semantics (ECS)', () => {
  const run = (q: string, event: unknown) => {
    const r = lowerEql(q, ctx);
    assert.ok(r.parsed && r.condition, q);
    return evaluate(r.condition, event);
  };
  const ev = (e: Record<string, unknown>) => ({ event: { category: ['process'] }, ...e });
  it(': is case-insensitive with * and ? wildcards; a backslash is an ordinary character', () => {
    assert.equal(run('process where process.executable : "C:\\\\Windows\\\\*.EXE"', ev({ process: { executable: 'c:\\windows\\cmd.exe' } })), true);
    assert.equal(run('process where process.executable : "C:\\\\Windows\\\\?md.exe"', ev({ process: { executable: 'C:\\Windows\\cmd.exe' } })), true);
    assert.equal(run('process where process.name : ("a.exe", "B.EXE")', ev({ process: { name: 'b.exe' } })), true);
  });
  it('== is case-sensitive and does not expand wildcards; != holds on a missing field; null tests presence', () => {
    assert.equal(run('process where process.name == "cmd.exe"', ev({ process: { name: 'CMD.EXE' } })), false);
    assert.equal(run('process where process.name == "cmd*"', ev({ process: { name: 'cmd.exe' } })), false);
    assert.equal(run('process where process.name != "cmd.exe"', ev({})), true);
    assert.equal(run('process where ?process.name == null', ev({})), true);
    assert.equal(run('process where process.name != null', ev({})), false);
  });
  it('like / like~, regex / regex~ (anchored), in / in~, not in', () => {
    assert.equal(run('process where process.name like "CMD*"', ev({ process: { name: 'cmd.exe' } })), false);
    assert.equal(run('process where process.name like~ "CMD*"', ev({ process: { name: 'cmd.exe' } })), true);
    assert.equal(run('process where process.name regex "cmd"', ev({ process: { name: 'cmd.exe' } })), false);
    assert.equal(run('process where process.name regex~ "CMD\\\\.exe"', ev({ process: { name: 'cmd.exe' } })), true);
    // Lucene's syntax: ^ and $ are ordinary characters, "…" quotes a literal, . matches a line break too
    assert.equal(run('process where process.name regex "a^b$"', ev({ process: { name: 'a^b$' } })), true);
    assert.equal(run('process where process.name regex \"\"\"x"a.b"\"\"\"', ev({ process: { name: 'xa.b' } })), true);
    assert.equal(run('process where process.name regex \"\"\"x"a.b"\"\"\"', ev({ process: { name: 'xacb' } })), false);
    assert.equal(run('process where process.command_line regex ".*-enc.*"', ev({ process: { command_line: 'powershell\n-enc AAAA' } })), true);
    assert.equal(run('process where process.name in ("CMD.EXE")', ev({ process: { name: 'cmd.exe' } })), false);
    assert.equal(run('process where process.name in~ ("CMD.EXE")', ev({ process: { name: 'cmd.exe' } })), true);
    assert.equal(run('process where process.name not in ("cmd.exe")', ev({ process: { name: 'sh' } })), true);
  });
  it('substring() and string() of a field, compared with another field: the machine-account relay test', () => {
    const q = 'file where startswith~(host.name, substring(user.name, 0, -1)) and not endswith(string(source.ip), string(host.ip))';
    const file = (e: Record<string, unknown>) => ({ event: { category: ['file'] }, ...e });
    assert.equal(run(q, file({ host: { name: 'DC01.corp', ip: '10.0.0.5' }, user: { name: 'dc01$' }, source: { ip: '10.0.0.9' } })), true);
    assert.equal(run(q, file({ host: { name: 'WS7', ip: '10.0.0.5' }, user: { name: 'dc01$' }, source: { ip: '10.0.0.9' } })), false);
    // the machine relays to itself: its own address
    assert.equal(run(q, file({ host: { name: 'DC01', ip: '10.0.0.5' }, user: { name: 'DC01$' }, source: { ip: '10.0.0.5' } })), false);
    // substring counts UTF-16 code units as Java does; positions past the end clamp; string() of a list is unknown
    assert.equal(run('file where startswith(host.name, substring(user.name, -3))', file({ host: { name: '😀$x' }, user: { name: 'a😀$' } })), true);
    assert.equal(run('file where endswith(host.name, substring(user.name, 5, 99))', file({ host: { name: 'x' }, user: { name: 'abc' } })), true);
    assert.equal(run('file where endswith(host.name, substring(user.name, 1, 2))', file({ host: { name: 'x' }, user: { name: 'abc' } })), false);
    assert.equal(run(q, file({ host: { name: 'DC01', ip: ['10.0.0.5', 'fe80::1'] }, user: { name: 'DC01$' }, source: { ip: '10.0.0.5' } })), 'unknown');
  });
  it('functions: startsWith is case-sensitive unless ~, cidrMatch, stringContains; array fields match any element', () => {
    assert.equal(run('process where startsWith(process.name, "CMD")', ev({ process: { name: 'cmd.exe' } })), false);
    assert.equal(run('process where startsWith~(process.name, "CMD")', ev({ process: { name: 'cmd.exe' } })), true);
    assert.equal(run('network where cidrMatch(destination.ip, "10.0.0.0/8")', { event: { category: ['network'] }, destination: { ip: '10.1.2.3' } }), true);
    assert.equal(run('process where process.args : "-enc*"', ev({ process: { args: ['powershell', '-EncodedCommand'] } })), true);
    assert.equal(run('process where process.args != "-c"', ev({ process: { args: ['sh', '-c'] } })), false);
  });
  it('a raw string ending in a quote keeps it; lineage is opaque', () => {
    assert.equal(run('process where process.command_line : """say "hi""""', ev({ process: { command_line: 'say "hi"' } })), true);
    const r = lowerEql('process where child of [process where true]', ctx);
    assert.ok(JSON.stringify(r.condition).includes('"reason":"lineage:'));
  });
  it('arraySearch / _arraysearch: some element of the array satisfies the condition over its $variable; nested searches; event fields inside', () => {
    const stack = (...frames: Record<string, unknown>[]) => ev({ process: { name: 'rundll32.exe', thread: { Ext: { call_stack: frames } } } });
    const q = 'process where _arraysearch(process.thread.Ext.call_stack, $entry, $entry.trusted == false or $entry.exists == false)';
    assert.equal(run(q, stack({ trusted: true, exists: true }, { trusted: false, exists: true })), true);
    assert.equal(run(q, stack({ trusted: true, exists: true })), false);
    assert.equal(run(q, ev({ process: { name: 'x' } })), false); // no array: no element
    assert.deepEqual(lowerEql(q, ctx).missing, []);
    // the variable itself (an array of strings), an event field beside it, the Endgame spelling
    const s = 'process where arraySearch(process.args, $a, $a : "-enc*" and process.name == "powershell.exe")';
    assert.equal(run(s, ev({ process: { name: 'powershell.exe', args: ['powershell.exe', '-EncodedCommand', 'x'] } })), true);
    assert.equal(run(s, ev({ process: { name: 'cmd.exe', args: ['cmd.exe', '-enc'] } })), false);
    // nested: an element's own array, with the outer element's field
    const n = 'process where arraySearch(modules, $m, arraySearch($m.exports, $x, $x.name == "Run" and $m.signed == false))';
    assert.equal(run(n, ev({ modules: [{ signed: true, exports: [{ name: 'Run' }] }, { signed: false, exports: [{ name: 'Stop' }] }] })), false);
    assert.equal(run(n, ev({ modules: [{ signed: true, exports: [{ name: 'Stop' }] }, { signed: false, exports: [{ name: 'Run' }] }] })), true);
    // a variable no search binds, or a search without a variable, stays opaque with its reason
    assert.equal(run('process where $e.x == 1', ev({})), 'unknown');
    assert.match(JSON.stringify(lowerEql('process where arraySearch(process.args, "x", true)', ctx).condition), /needs an array field, a \$variable and a condition/);
  });
  it('concat() of constants and fields compared with: EQL text of numbers and booleans, null when a value is null or missing', () => {
    const q = 'library where endswith~(process.thread.Ext.call_stack_summary, concat("kernelbase.dll|", process.name, "|", process.pid))';
    const lib = (name: string | undefined, pid: unknown, summary: string) => ({ event: { category: ['library'] }, process: { ...(name === undefined ? {} : { name }), ...(pid === undefined ? {} : { pid }), thread: { Ext: { call_stack_summary: summary } } } });
    assert.deepEqual(lowerEql(q, ctx).missing, []);
    assert.equal(run(q, lib('evil.exe', 42, 'ntdll.dll|KernelBase.dll|EVIL.EXE|42')), true); // endswith~: either case
    assert.equal(run(q, lib('evil.exe', 43, 'ntdll.dll|kernelbase.dll|evil.exe|42')), false);
    // a missing or null value makes the concatenation null, and a function of null is false (not "" as in KQL's strcat)
    assert.equal(run(q, lib('evil.exe', undefined, 'ntdll.dll|kernelbase.dll|evil.exe|')), false);
    assert.equal(run(q, lib('evil.exe', null, 'ntdll.dll|kernelbase.dll|evil.exe|')), false);
    assert.equal(run(q, lib(undefined, 42, 'kernelbase.dll||42')), false);
    // nested concats flatten; a boolean is written as EQL writes it; constants alone fold
    const n = 'process where startswith(process.executable, concat(concat("/opt/tools/", process.name), "-", process.Ext.trusted))';
    assert.equal(run(n, ev({ process: { name: 'a', executable: '/opt/tools/a-true-x', Ext: { trusted: true } } })), true);
    assert.equal(run(n, ev({ process: { name: 'a', executable: '/OPT/tools/a-true-x', Ext: { trusted: true } } })), false); // startswith: case-sensitive
    assert.equal(run('process where stringcontains(process.name, concat("sh", "ell"))', ev({ process: { name: 'powershell.exe' } })), true);
    assert.equal(run('process where stringcontains(process.name, concat("sh", null))', ev({ process: { name: 'powershell.exe' } })), false);
    // a list or an object is not a value concat takes: unknown; a computed argument stays opaque with its reason
    assert.equal(run(q, lib('evil.exe', [1, 2], 'x')), 'unknown');
    assert.match(JSON.stringify(lowerEql('process where endswith(process.name, concat(length(process.name), "x"))', ctx).condition), /concat\(\) of something other than constants and fields/);
  });
  it('the event category is required; length() of a field is derived, other value functions stay unknown', () => {
    assert.equal(run('file where true', ev({})), false);
    assert.equal(run('any where true', ev({})), true);
    assert.equal(run('process where length(process.name) > 3', ev({ process: { name: 'abcd' } })), true);
    assert.equal(run('process where length(process.name) > 3', ev({ process: { name: 'abc' } })), false);
    assert.equal(run('process where 3 < length(process.name)', ev({ process: { name: 'abcd' } })), true);
    // a missing field has no length: the comparison is false, as a comparison with null is in EQL
    assert.equal(run('process where length(process.name) < 3', ev({ process: {} })), false);
    assert.equal(run('process where length(process.name) == null', ev({ process: { name: 'abcd' } })), 'unknown');
    assert.equal(run('process where substring(process.name, 0, 2) == "ab"', ev({ process: { name: 'abcd' } })), 'unknown');
  });
});

describe('elastic adapter layouts and rule types', () => {
  it('hunting TOML: each query in the first listed language that parses; the Markdown page is part of the body', async () => {
    const res = await scanSource(elasticAdapter, fixture('elastic'), src);
    const hunt = res.rules.find((r) => r.nativeType === 'hunt')!;
    assert.deepEqual(hunt.body.map((b) => b.path), ['hunting/demo/queries/demo_hunt.toml', 'hunting/demo/docs/demo_hunt.md']);
    assert.equal(hunt.logic.completeness, 'partial');
    // the osquery query is told from a broken EQL query: parsed as SQL, its tables on its stage, no EQL error
    assert.deepEqual(hunt.facts.query_languages, ['eql', 'sql']);
    assert.deepEqual(hunt.logic.stages.find((s) => s.label.endsWith('osquery'))?.detail, { language: 'sql', tables: ['scheduled_tasks'] });
    assert.ok(hunt.logic.missing.some((m) => m.reason.startsWith("language: osquery SQL reads the host's scheduled_tasks table")));
    assert.deepEqual(hunt.diagnostics, []);
    const md = res.files.find((f) => f.path.endsWith('.md'))!;
    assert.equal(md.outcome, 'skipped');
    assert.equal(res.rules.filter((r) => r.source.path.endsWith('.md')).length, 0);
    const other = res.rules.find((r) => r.source.path === 'other/behavior_rule.toml')!;
    assert.equal(other.facts.language_found_by_parsing, 'eql');
    assert.equal(other.logic.completeness, 'complete');
    assert.deepEqual(other.attackDeclared.map((a) => a.text), ['TA0005:T1218']);
  });
  it('osquery SQL in an ES|QL + SQL hunt: a SELECT is SQL (no ES|QL error); a query neither parses keeps the error of the one that read further', () => {
    const hunt = (q: string) => parseElasticText('hunting/x/queries/h.toml', `[hunt]\nname = "H"\nlanguage = ["ES|QL", "SQL"]\nquery = ['''\n${q}\n''']\n`, src);
    const ok = hunt('SELECT p.name, l.port FROM listening_ports l JOIN processes p USING (pid) WHERE l.port = 4444');
    assert.deepEqual(ok.rules[0]!.facts.language, ['ES|QL', 'SQL']);
    assert.deepEqual(ok.rules[0]!.diagnostics, []);
    assert.deepEqual((ok.rules[0]!.logic.stages[0]!.detail as { tables: string[] }).tables.sort(), ['listening_ports', 'processes']);
    // SQL reads to the end, ES|QL stops at its first word: SQL's error, where it stopped
    const broken = hunt('SELECT name FROM WHERE');
    assert.deepEqual(broken.rules[0]!.diagnostics.map((d) => [d.code, d.line, d.column]), [['ELA004', 5, 23]]);
    // ES|QL reads further (to its `=` for `==`): its error
    const esql = hunt('from logs-x | where a = 1');
    assert.deepEqual(esql.rules[0]!.diagnostics.map((d) => d.code), ['ESQ001']);
    // the SQL parser's own check has no position: placed after the statement's first word, so it is SQL's error,
    // not that of ES|QL, which stopped at that word
    const alias = hunt('SELECT g.x AS group owner FROM t');
    assert.deepEqual(alias.rules[0]!.diagnostics.map((d) => [d.code, d.line, d.column]), [['ELA004', 5, 7]]);
    assert.match(alias.rules[0]!.diagnostics[0]!.message, /"group" is a reserved word/);
  });
  it("a hunting query whose first line is only a language's name (a fence's tag left in the string) is read without that line, with a warning", () => {
    const toml = `[hunt]\nname = "H"\nlanguage = ["ES|QL", "SQL"]\nquery = [\n'''sql\nfrom logs-x\n| where process.name == "curl"\n''',\n'''sql\nSELECT name FROM processes WHERE name = 'x'\n''',\n'''\nfrom logs-y | where user.name == "root"\n'''\n]\n`;
    const r = parseElasticText('hunting/x/queries/h.toml', toml, src).rules[0]!;
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.line]), [['ELA003', 5], ['ELA003', 9]]);
    assert.deepEqual(r.facts.query_languages, ['esql', 'sql', 'esql']);
    const preds: { field: string; values: unknown[]; span?: { start: number; end: number } }[] = [];
    const walk = (e: unknown): void => {
      if (!e || typeof e !== 'object') return;
      const x = e as { kind?: string; args?: unknown[] };
      if (x.kind === 'pred') preds.push(e as (typeof preds)[number]);
      for (const a of x.args ?? []) walk(a);
    };
    walk(r.logic.condition);
    assert.deepEqual(preds.map((p) => [p.field, p.values[0], toml.slice(p.span!.start, p.span!.end)]), [['process.name', 'curl', 'process.name == "curl"'], ['user.name', 'root', 'user.name == "root"']]);
    // a query that does not parse without the line either keeps its syntax error, and no warning
    const broken = parseElasticText('hunting/x/queries/h.toml', `[hunt]\nname = "H"\nlanguage = ["ES|QL"]\nquery = ['''sql\nfrom logs-x | where ==\n''']\n`, src).rules[0]!;
    assert.deepEqual(broken.diagnostics.map((d) => d.code), ['ESQ001']);
  });
  it('an osquery part reads the host, not events: unknown in the catalog, false over events (the hunt, eval)', () => {
    const toml = `[hunt]\nname = "H"\nlanguage = ["ES|QL", "SQL"]\nquery = [\n'''\nfrom logs-x | where process.name == "curl"\n''',\n'''\nSELECT name FROM processes WHERE name = 'curl'\n'''\n]\n`;
    const r = parseElasticText('hunting/x/queries/h.toml', toml, src).rules[0]!;
    const cond = r.logic.condition!;
    const other = { process: { name: 'wget' } };
    // as the rule states it: the host's processes may hold a curl
    assert.equal(evaluate(cond, other), 'unknown');
    // over an event: no event satisfies a query of the host's tables
    assert.equal(evaluate(overEvents(cond), other), false);
    assert.equal(evaluate(overEvents(cond), { process: { name: 'curl' } }), true);
    // a condition without such a part is left as it is
    const plain = parseElasticText('rules/x.toml', '[rule]\nname = "R"\nrule_id = "r"\ntype = "query"\nlanguage = "kuery"\nseverity = "low"\nquery = "process.name: curl"\n', src).rules[0]!.logic.condition!;
    assert.equal(overEvents(plain), plain);
  });
  it('machine_learning: no condition, the page says why, job ids and threshold kept', () => {
    const text = '[rule]\nname = "ML"\nrule_id = "m"\ntype = "machine_learning"\nseverity = "low"\nmachine_learning_job_id = ["job_a", "job_b"]\nanomaly_threshold = 75\n';
    const res = parseElasticText('rules/ml/x.toml', text, src);
    const r = res.rules[0]!;
    assert.equal(r.logic.condition, undefined);
    assert.equal(r.logic.completeness, 'none');
    assert.match(r.logic.note ?? '', /job_a, job_b/);
    assert.match(r.kindReason, /machine_learning.*75/);
    assert.deepEqual(r.facts.machine_learning_job_id, ['job_a', 'job_b']);
    assert.deepEqual(res.diagnostics, []);
  });
  it('threshold (with cardinality: further thresholds) and new_terms (its history a window) are aggregations; threat_match is an indicator match', () => {
    const th = parseElasticText('rules/t.toml', '[rule]\nname = "T"\ntype = "threshold"\nlanguage = "kuery"\nquery = "event.action: x"\n[rule.threshold]\nfield = ["host.id"]\nvalue = 10\n[[rule.threshold.cardinality]]\nfield = "user.name"\nvalue = 3\n', src).rules[0]!;
    assert.deepEqual(th.logic.aggregation?.threshold, { op: 'ge', value: 10 });
    assert.deepEqual(th.logic.aggregation?.groupBy, ['host.id']);
    assert.match(th.logic.aggregation?.text ?? '', /cardinality\(user\.name\) >= 3/);
    assert.deepEqual(th.logic.aggregation?.moreThresholds, [{ function: 'cardinality(user.name)', op: 'ge', value: 3 }]);
    // a scheduled ES|QL rule counts what one run reads: the shorter of `from` and the query's own time filter
    const esql = (from: string, back: string) => parseElasticText('rules/e.toml', `[rule]\nname = "E"\ntype = "esql"\nlanguage = "esql"\nfrom = "${from}"\nquery = '''\nfrom logs-* | where @timestamp > now() - ${back} | stats n = count(*) by user.name | where n > 5\n'''\n`, src).rules[0]!.logic.aggregation?.window;
    assert.equal(esql('now-9m', '7 day'), '9m');
    assert.equal(esql('now-2d', '1 hour'), '1 hour');
    const nt = parseElasticText('rules/n.toml', '[rule]\nname = "N"\ntype = "new_terms"\nlanguage = "kuery"\nquery = "event.action: x"\n[rule.new_terms]\nfield = "new_terms_fields"\nvalue = ["user.name", "host.id"]\n[[rule.new_terms.history_window_start]]\nfield = "history_window_start"\nvalue = "now-7d"\n', src).rules[0]!;
    assert.equal(nt.logic.aggregation?.function, 'new_terms(user.name, host.id)');
    assert.equal(nt.logic.aggregation?.window, '7d');
    assert.equal(nt.logic.completeness, 'complete'); // the hunt counts new terms (test/hunt-new-terms.test.ts)
    const tm = parseElasticText('rules/m.toml', '[rule]\nname = "M"\ntype = "threat_match"\nlanguage = "eql"\nquery = "any where event.kind == \\"event\\""\nthreat_index = ["logs-ti_*"]\n[[rule.threat_mapping]]\n[[rule.threat_mapping.entries]]\nfield = "source.ip"\ntype = "mapping"\nvalue = "threat.indicator.ip"\n', src).rules[0]!;
    assert.equal(tm.logic.completeness, 'partial');
    assert.ok(tm.logic.stages.some((s) => s.kind === 'lookup' && JSON.stringify(s.detail).includes('threat.indicator.ip')));
    assert.ok(tm.logic.missing.some((m) => m.reason.startsWith('lookup:')));
    assert.match(tm.kindReason, /indicator match/);
  });
  it('a building block keeps its kind with its EQL logic', () => {
    const r = parseElasticText('rules_building_block/b.toml', '[rule]\nname = "B"\ntype = "eql"\nlanguage = "eql"\nbuilding_block_type = "default"\nquery = "process where process.name : \\"whoami.exe\\""\n', src).rules[0]!;
    assert.equal(r.kind, 'building_block');
    assert.equal(r.logic.completeness, 'complete');
  });
});

describe('Elastic TOML values of an unexpected shape', () => {
  it('a table where text is expected is read as JSON, not an exception (tables have no prototype: String() throws on them)', () => {
    const toml = [
      '[rule]',
      'name = "T"',
      'type = "eql"',
      'language = "eql"',
      'tags = ["Domain: Endpoint", { odd = 1 }]',
      'references = [["a", "b"]]',
      'query = "process where process.name : \\"whoami.exe\\""',
      '[rule.investigation_fields]',
      'field_names = ["host.name", { excluded = false, field = "user.name" }]',
      '',
    ].join('\n');
    const res = parseElasticText('rules/t.toml', toml, src);
    assert.equal(res.outcome, 'parsed', JSON.stringify(res.diagnostics));
    const r = res.rules[0]!;
    assert.deepEqual(r.tags, ['Domain: Endpoint', '{"odd":1}']);
    assert.deepEqual(r.references, ['a, b']);
    assert.deepEqual(r.logic.outputFields.map((o) => o.name), ['host.name', '{"excluded":false,"field":"user.name"}']);
  });
});
