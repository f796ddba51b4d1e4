/**
 * The adapter kit: the record builder (golden record per adapter), the source map, the one test-agreement
 * function, diagnostics with code and span, upstream links and fingerprint inputs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseDocument, type Scalar } from 'yaml';
import { fingerprintInputs } from '../src/catalog/fingerprint.ts';
import { ADAPTERS } from '../src/formats/registry.ts';
import { parseDefenderMarkdown } from '../src/formats/kusto/defender.ts';
import { parseSentinelYaml } from '../src/formats/kusto/sentinel.ts';
import { pantherAdapter } from '../src/formats/panther/index.ts';
import { queryMap } from '../src/formats/panther/prep.ts';
import { lowerSql } from '../src/formats/panther/sql.ts';
import { parseYamlSpec } from '../src/formats/panther/yamlDoc.ts';
import { encodeUrlPath, ruleRecord, ruleSource } from '../src/formats/record.ts';
import { scanSource } from '../src/formats/scan.ts';
import { sigmaAdapter } from '../src/formats/sigma/index.ts';
import { SourceMap } from '../src/formats/sourceMap.ts';
import { yamlScalarMap } from '../src/formats/yaml.ts';
import { agreesWith, checkTest, logDetail } from '../src/model/checks.ts';
import { opaque, or, pred } from '../src/model/expr.ts';
import { buildLogic } from '../src/model/lowering.ts';
import { renderExpr } from '../src/model/render.ts';
import type { Aggregation, RuleRecord } from '../src/model/rule.ts';
import { describeCount } from '../src/model/aggregate.ts';
import { assertGolden, fixture } from './helpers/golden.ts';

const SRC = { repository: 'fixture/repo', commit: 'abc123', licence: 'MIT', urlBase: 'https://example.com/blob/abc123/' };

/** A record as golden text: its JSON with body texts as their length and the condition rendered. */
function recordText(r: RuleRecord): string {
  const { condition, ...logic } = r.logic;
  const shown = { ...r, body: r.body.map((b) => ({ ...b, text: `${b.text.length} chars` })), logic: { condition: condition ? renderExpr(condition) : null, ...logic } };
  return JSON.stringify(shown, (k, v) => (k === 'condition' || k === 'expr' ? (typeof v === 'string' || v === null ? v : renderExpr(v)) : v), 2);
}

describe('golden record per adapter', () => {
  it('Panther rule with a Python body', async () => {
    const res = await scanSource(pantherAdapter, fixture('panther', 'repo'), SRC);
    assertGolden(fixture('panther', 'records', 'with_python.expected.txt'), recordText(res.rules.find((r) => r.source.path === 'rules/with_python.yml')!));
  });
  it('Panther scheduled query (SQL)', async () => {
    const res = await scanSource(pantherAdapter, fixture('panther', 'repo'), SRC);
    assertGolden(fixture('panther', 'records', 'logins_query.expected.txt'), recordText(res.rules.find((r) => r.source.path === 'queries/logins_query.yml')!));
  });
  it('Sigma rule', async () => {
    const res = await scanSource(sigmaAdapter, fixture('sigma', 'source'), SRC);
    assertGolden(fixture('sigma', 'records', 'proc_creation_win_whoami.expected.txt'), recordText(res.rules.find((r) => r.source.path.endsWith('proc_creation_win_whoami.yml'))!));
  });
  it('Sentinel analytic rule', () => {
    const text = readFileSync(fixture('kusto', 'record_entra.yaml'), 'utf8');
    const r = parseSentinelYaml('Solutions/Microsoft Entra ID/Analytic Rules/record_entra.yaml', text, false, SRC).outputs[0]!.rule;
    assertGolden(fixture('kusto', 'record_entra.expected.txt'), recordText(r));
  });
  it('Defender XDR Markdown query', () => {
    const text = readFileSync(fixture('kusto', 'hunting.md'), 'utf8');
    const r = parseDefenderMarkdown('Execution/Office spawning PowerShell.md', text, 'm365', SRC).outputs[0]!.rule;
    assertGolden(fixture('kusto', 'hunting.record.expected.txt'), recordText(r));
  });
});

describe('diagnostics: code and span', () => {
  it('KQL syntax error in a Sentinel block scalar points into the YAML file', () => {
    const text = readFileSync(fixture('kusto', 'record_bad_query.yaml'), 'utf8');
    const r = parseSentinelYaml('Detections/x/record_bad_query.yaml', text, false, SRC).outputs[0]!.rule;
    const d = r.diagnostics.find((x) => x.code === 'KQL001')!;
    const at = text.indexOf('== \n') + 2; // the expression is missing right after `==`
    assert.deepEqual([d.code, d.span, d.line, d.column], ['KQL001', { start: at, end: at }, 6, 24]);
  });
  it('SQL syntax error of a Panther query points at its line and column in the spec', () => {
    const file = 'bad_sql_query.yml';
    const text = readFileSync(fixture('panther', file), 'utf8');
    const p = parseYamlSpec(text);
    assert.ok(p.ok);
    const sql = (p.spec.value as { Query: string }).Query;
    const low = lowerSql(sql, `${file}#Query`, queryMap(file, text, p.spec.doc.get('Query', true)));
    const d = low.diagnostics[0]!;
    assert.equal(d.code, 'PAN005');
    assert.equal(d.line, 6);
    assert.equal(d.span!.start, text.length - 1); // the end of the query: the parenthesis is never closed
    assert.equal(text.slice(0, d.span!.start).split('\n').length, d.line);
  });
  it('Sigma: a condition naming an undefined selection, in a block scalar, points at the name on its own line', async () => {
    const res = await scanSource(sigmaAdapter, fixture('sigma'), SRC, { only: ['condition_errors.yml'] });
    const text = readFileSync(fixture('sigma', 'condition_errors.yml'), 'utf8');
    const d = res.files[0]!.diagnostics.find((x) => x.code === 'SIG005') ?? res.rules[0]!.diagnostics.find((x) => x.code === 'SIG005')!;
    const at = text.indexOf('filter_missing');
    assert.deepEqual([d.code, d.span, d.line, d.column], ['SIG005', { start: at, end: at + 'filter_missing'.length }, 12, 13]);
    const missing = res.rules[0]!.logic.missing.find((m) => m.text === 'filter_missing')!;
    assert.deepEqual([missing.kind, missing.span?.start], ['opaque', at]);
  });
});

describe('source map', () => {
  const host = 'a: 1\nq: |\n  line one\n    indented\n  last\nz: "x\\ty"\n';
  const doc = parseDocument(host);
  it('maps a block scalar line by line, its indentation removed', () => {
    const node = doc.get('q', true) as Scalar;
    const m = yamlScalarMap('f.yml', host, node);
    const value = String(node.value);
    for (const word of ['line', 'indented', 'last']) assert.equal(host.slice(m.toHost(value.indexOf(word))).startsWith(word), true, word);
    assert.deepEqual(m.at(value.indexOf('indented')), { line: 4, column: 5, span: { start: host.indexOf('indented'), end: host.indexOf('indented') } });
    assert.equal(m.sub(value.indexOf('last')).toHost(0), host.indexOf('last'));
  });
  it('maps a quoted scalar from after its quote', () => {
    const m = yamlScalarMap('f.yml', host, doc.get('z', true) as Scalar);
    assert.equal(m.toHost(0), host.indexOf('"x') + 1);
  });
  it('verbatim text and spans', () => {
    const m = SourceMap.verbatim('f.txt', 'ab\ncd', 0);
    assert.deepEqual(m.span(3, 5), { file: 'f.txt', start: 3, end: 5 });
    assert.deepEqual(m.lineCol(4), { line: 2, column: 2 });
  });
});

const cond = pred('EventID', 'eq', [1]);

describe('test agreement, decided once', () => {
  const log = { name: 'log', expected: true, event: null, matchCount: 1 };
  it('a log test passes when the rule fires; no match and some unknown is unknown, so a complete rule does not agree', () => {
    const withOpaque = or(cond, opaque('x', 'not expressible'));
    const fired = checkTest(withOpaque, 'complete', { ...log, events: [{ EventID: 1 }, { EventID: 2 }] });
    assert.deepEqual([fired.matched, fired.unknown, fired.got, fired.agrees, fired.countAgrees], [1, 1, true, true, false]);
    const out = checkTest(withOpaque, 'complete', { ...log, events: [{ EventID: 2 }, { EventID: 3 }] });
    assert.deepEqual([out.matched, out.unknown, out.got, out.agrees], [0, 2, 'unknown', false]);
    assert.equal(checkTest(withOpaque, 'partial', { ...log, events: [{ EventID: 2 }, { EventID: 3 }] }).agrees, true);
    assert.equal(checkTest(cond, 'complete', { ...log, events: [{ EventID: 2 }] }).agrees, false);
    assert.equal(agreesWith('partial', false, true), true);
    assert.equal(agreesWith('partial', true, false), false);
  });
  it('says what happened in a multi-event test', () => {
    assert.equal(logDetail(3, 0, 5, 1), '3 of 5 events matched, 2 more than the 1 expected');
    assert.equal(logDetail(0, 0, 5, 2), '0 of 5 events matched, 2 fewer than the 2 expected');
    assert.equal(logDetail(1, 1, 5, 1), '1 of 5 events matched (1 unknown), 1 expected: the unknown ones may match too');
    // more matches than declared: the rule fires (agrees, as SigmaHQ's runner decides), the count is reported apart
    const out = checkTest(cond, 'complete', { ...log, events: [{ EventID: 1 }, { EventID: 1 }, { EventID: 1 }] });
    assert.deepEqual([out.got, out.agrees, out.countAgrees, out.detail], [true, true, false, '3 of 3 events matched, 2 more than the 1 expected']);
  });
});

describe('record builder', () => {
  it('encodes an upstream link once', () => {
    const s = ruleSource(SRC, 'Solutions/Microsoft Entra ID/Analytic Rules/x.yaml');
    assert.equal(s.url, 'https://example.com/blob/abc123/Solutions/Microsoft%20Entra%20ID/Analytic%20Rules/x.yaml');
    assert.equal(encodeUrlPath('a b/c#d'), 'a%20b/c%23d');
  });
  it('fills defaults and leaves out what is absent', () => {
    const r = ruleRecord({ id: 'x/y', format: 'sigma', source: ruleSource({ repository: 'r' }, 'p.yml'), title: 't', description: '', kind: 'detection', kindReason: 'k', body: [], logic: { stages: [] } });
    assert.deepEqual(Object.keys(r).sort(), ['attack', 'attackDeclared', 'body', 'diagnostics', 'facts', 'falsePositives', 'format', 'id', 'kind', 'kindReason', 'logSources', 'logic', 'references', 'source', 'status', 'tags', 'tests', 'title']);
    assert.deepEqual(r.source, { repository: 'r', path: 'p.yml' });
    assert.equal(r.logic.completeness, 'none');
  });
  it('buildLogic: missing parts carry a kind; a threshold the model cannot count adds an aggregation part', () => {
    const avg = { function: 'avg(bytes)', groupBy: ['host'], threshold: { op: 'gt' as const, value: 5 } };
    const l = buildLogic({ stages: [], condition: cond, aggregation: avg, missing: [{ text: 't', reason: 'r' }] });
    assert.deepEqual(l.missing.map((m) => m.kind), ['opaque', 'aggregation']); // a part without kind defaults to opaque
    const l2 = buildLogic({ stages: [], condition: cond, aggregation: avg });
    assert.deepEqual(l2.missing.map((m) => [m.kind, m.reason]), [['aggregation', 'aggregation: aggregate function avg(bytes) is not counted (counted: count, event_count, dcount, dc, distinct_count, count_distinct, value_count, cardinality, sum, value_sum)']]);
    assert.equal(l2.completeness, 'partial');
  });
  it('buildLogic: a threshold aggregation read whole (count, keys, window, a comparison with a number) is complete', () => {
    for (const aggregation of [
      { function: 'count', groupBy: ['host'], window: '5m', threshold: { op: 'gt' as const, value: 5 } },
      { function: 'dcount(user)', groupBy: ['src'], window: '1h', threshold: { op: 'ge' as const, value: 10, of: 'Users' } },
    ]) {
      const l = buildLogic({ stages: [], condition: cond, aggregation });
      assert.deepEqual([l.completeness, l.missing], ['complete', []], aggregation.function);
    }
    // pages say how it is counted
    assert.equal(describeCount({ function: 'dcount(user)', groupBy: ['src'], window: '1h', bins: true, threshold: { op: 'ge', value: 10, of: 'Users' } }), 'alerts when at least 10 distinct user values are seen per src within one 1h bin');
    assert.equal(describeCount({ function: 'count', groupBy: [], threshold: { op: 'gt', value: 5 } }), 'alerts when more than 5 matching events are seen over the whole run');
    assert.equal(describeCount({ function: 'avg(bytes)', groupBy: [], threshold: { op: 'gt', value: 5 } }), undefined);
    assert.equal(describeCount({ function: 'count', groupBy: ['TaskName'], window: '7d', threshold: { op: 'lt', value: 5 } }), 'alerts when fewer than 5 matching events are seen per TaskName within one fixed 7d window, decided when it closes');
    assert.equal(describeCount({ function: 'dcount(host)', groupBy: ['exe'], threshold: { op: 'eq', value: 1 } }), 'alerts when exactly 1 distinct host values are seen per exe over the whole run, decided at its end');
    assert.equal(describeCount({ function: 'sum(bytes)', groupBy: ['host'], window: '1h', threshold: { op: 'gt', value: 5 } }), 'alerts when bytes values summing to more than 5 are seen per host within any 1h');
    assert.equal(
      describeCount({ function: 'count', groupBy: ['ip'], window: '10m', threshold: { op: 'ge', value: 4 }, moreThresholds: [{ function: 'dcount(user)', op: 'ge', value: 2 }] }),
      'alerts when at least 4 matching events and at least 2 distinct user values are seen per ip within any 10m',
    );
    // every further threshold must be countable too
    const more = buildLogic({ stages: [], condition: cond, aggregation: { function: 'count', groupBy: [], threshold: { op: 'ge', value: 4 }, moreThresholds: [{ function: 'avg(bytes)', op: 'gt', value: 2 }] } });
    assert.equal(more.completeness, 'partial');
    // each of these keeps the rule partial, with what could not be read
    const partial: [Aggregation, RegExp][] = [
      [{ function: 'count', groupBy: [], threshold: { op: 'in', value: 3 } }, /not a comparison of the count with a number/],
      [{ function: 'dcount', groupBy: [], threshold: { op: 'gt', value: 3 } }, /without a field/],
      [{ function: 'count, cardinality(user)', groupBy: [], threshold: { op: 'gt', value: 3 } }, /is not counted/],
      [{ function: 'count', groupBy: [], window: 'the lookback', threshold: { op: 'gt', value: 3 } }, /window the lookback cannot be read/],
      [{ function: 'count_distinct($user)', groupBy: ['$host'], threshold: { op: 'gt', value: 3 } }, /rule variable/],
    ];
    // "exactly", "fewer than", "at most" and "other than" are decided when the window closes: counted too
    for (const op of ['eq', 'lt', 'le', 'ne'] as const) {
      const l = buildLogic({ stages: [], condition: cond, aggregation: { function: 'count', groupBy: ['user'], window: '1h', threshold: { op, value: 3 } } });
      assert.equal(l.completeness, 'complete', op);
    }
    for (const [aggregation, why] of partial) {
      const l = buildLogic({ stages: [], condition: cond, aggregation });
      assert.equal(l.completeness, 'partial', aggregation.function);
      assert.match(l.missing[0]?.reason ?? '', why);
    }
  });
});

describe('adapters declare themselves', () => {
  it('every adapter declares detection, highlighting, codes and fingerprint inputs', () => {
    for (const a of Object.values(ADAPTERS)) {
      assert.ok(a.detect.folderNames.length > 0, a.format);
      assert.ok(Object.keys(a.highlight).length > 0, a.format);
      assert.ok(a.diagnosticCodes.length > 0, a.format);
      assert.ok(Array.isArray(a.fingerprint.packages), a.format);
    }
  });
  it('the fingerprint covers shared modules (yaml.ts) and parser versions', () => {
    const f = fingerprintInputs('kusto');
    assert.ok(f.paths.includes('src/formats/yaml.ts'));
    assert.ok(f.paths.includes('src/formats/sourceMap.ts'));
    assert.deepEqual(f.packages.map(([p]) => p), ['@kusto/language-service-next', 'markdown-it', 'yaml']);
    assert.ok(f.packages.every(([, v]) => /^\d+\.\d+/.test(v)));
  });
});

describe('Defender collections', () => {
  it('are found by the template file at their root, not by folder names', async () => {
    const { findDefenderCollections, classifyKqlFile } = await import('../src/formats/kusto/index.ts');
    const collections = findDefenderCollections(['any-name/DetectionTemplate.md', 'any-name/DFIR/q.md', 'other/00-query-submission-template.md', 'other/Execution/q.md', 'loose/q.md']);
    const prep = { collections };
    assert.deepEqual(classifyKqlFile('any-name/DFIR/q.md', prep), { role: 'markdown', flavour: 'bertjan', collection: 'any-name/' });
    assert.deepEqual(classifyKqlFile('other/Execution/q.md', prep), { role: 'markdown', flavour: 'm365', collection: 'other/' });
    assert.deepEqual(classifyKqlFile('loose/q.md', prep), { role: 'markdown', flavour: 'generic', collection: '' });
    // the folder name alone decides nothing
    assert.deepEqual(classifyKqlFile('bert-jan-p/DFIR/q.md'), { role: 'markdown', flavour: 'generic', collection: '' });
  });
});
