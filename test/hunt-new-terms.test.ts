/**
 * Elastic's new terms rules (`new_terms(f, …)` over a history window) and threshold cardinalities, as the model
 * states them and as the hunt counts them: an event alerts when its terms were on no matching event within the
 * history before it; each value of an array is a term; an event without a value of a field has none.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseElasticText } from '../src/formats/elastic/index.ts';
import { AggregateState } from '../src/hunt/aggregate.ts';
import { HuntEngine } from '../src/hunt/engine.ts';
import { hunt, type Hit } from '../src/hunt/session.ts';
import { huntDuckdb } from '../src/hunt/sql/session.ts';
import { aggregationDecides, describeCount, planAggregation, type AggregatePlan } from '../src/model/aggregate.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { tempDir } from './helpers/tempDir.ts';

const SRC = { repository: 'test/new-terms' };
const dir = tempDir('detwiki-new-terms-');

const elasticRule = (tail: string, type = 'new_terms'): RuleRecord => {
  const text = `[metadata]\nmaturity = "production"\n[rule]\nname = "T"\nrule_id = "r-${type}"\ntype = "${type}"\nlanguage = "kuery"\nquery = "event.category:process and event.type:start"\nseverity = "low"\n${tail}`;
  const r = parseElasticText('rules/x.toml', text, SRC);
  assert.equal(r.outcome, 'parsed', JSON.stringify(r.diagnostics));
  return r.rules[0]!;
};

const NEW_TERMS = '[rule.new_terms]\nfield = "new_terms_fields"\nvalue = ["host.id", "process.executable"]\n[[rule.new_terms.history_window_start]]\nfield = "history_window_start"\nvalue = "now-7d"\n';

const DAY = 24 * 3600 * 1000;
const resolve = (e: unknown, f: string) => (e as Record<string, unknown>)[f];

function run(plan: AggregatePlan, events: readonly (readonly [unknown, number])[]) {
  const st = new AggregateState(plan);
  return events.map(([e, t]) => st.add(e, t, resolve)?.key ?? '-');
}

describe('new terms in the model', () => {
  it('an Elastic new_terms rule states its fields, its history as a window, and that events without a field have no term; it is complete', () => {
    const r = elasticRule(NEW_TERMS);
    const a = r.logic.aggregation!;
    assert.equal(a.function, 'new_terms(host.id, process.executable)');
    assert.deepEqual(a.groupBy, ['host.id', 'process.executable']);
    assert.equal(a.window, '7d');
    assert.equal(a.missingKeys, 'drop');
    assert.ok(aggregationDecides(a));
    assert.equal(r.logic.completeness, 'complete', JSON.stringify(r.logic.missing));
    assert.equal(describeCount(a), 'alerts when an event has a combination of host.id, process.executable that no matching event had within the 7d before it (each value of an array is a term of its own); events without host.id, process.executable are not counted');
  });

  it('a history that cannot be read as a length keeps the rule partial, saying so', () => {
    const r = elasticRule(NEW_TERMS.replace('now-7d', 'now-1M'));
    assert.equal(r.logic.completeness, 'partial');
    assert.deepEqual(r.logic.missing.map((m) => m.reason), ['aggregation: history window now-1M cannot be read']);
    assert.ok('unsupported' in planAggregation({ function: 'new_terms(user)', groupBy: ['user'] }));
  });

  it('a threshold with cardinalities is a count and distinct counts that must all pass: complete', () => {
    const r = elasticRule('[rule.threshold]\nfield = ["user.name"]\nvalue = 5\n[[rule.threshold.cardinality]]\nfield = "source.ip"\nvalue = 3\n', 'threshold');
    const a = r.logic.aggregation!;
    assert.equal(a.function, 'count');
    assert.deepEqual(a.moreThresholds, [{ function: 'cardinality(source.ip)', op: 'ge', value: 3 }]);
    assert.equal(r.logic.completeness, 'complete', JSON.stringify(r.logic.missing));
    assert.equal(describeCount(a), 'alerts when at least 5 matching events and at least 3 distinct source.ip values are seen per user.name within any 6m; events without user.name are not counted');
  });
});

describe('counting new terms', () => {
  const plan = (() => {
    const p = planAggregation({ function: 'new_terms(host, exe)', groupBy: ['host', 'exe'], window: '7d', missingKeys: 'drop' });
    assert.ok(!('unsupported' in p));
    return p;
  })();

  it('first appearance fires; again within the history does not; after a history without it, it is new again', () => {
    const e = (host: string, exe: string) => ({ host, exe });
    const got = run(plan, [
      [e('h1', 'a.exe'), 0],
      [e('h1', 'a.exe'), 1 * DAY],
      [e('h2', 'a.exe'), 2 * DAY], // a new combination
      [e('h1', 'a.exe'), 8 * DAY], // last seen 7 days before: within the history
      [e('h1', 'a.exe'), 16 * DAY], // 8 days after: new again
    ]);
    assert.deepEqual(got, ['"h1"|"a.exe"', '-', '"h2"|"a.exe"', '-', '"h1"|"a.exe"']);
  });

  it('each value of an array is a term; an event without a value of a field has none', () => {
    const got = run(plan, [
      [{ host: 'h1', exe: ['a.exe', 'b.exe'] }, 0],
      [{ host: 'h1', exe: ['b.exe', 'c.exe'] }, 1],
      [{ host: 'h1' }, 2],
      [{ host: 'h1', exe: [] }, 3],
      [{ host: null, exe: 'z.exe' }, 4],
      [{ host: 'h1', exe: ['c.exe', 'a.exe'] }, 5],
    ]);
    assert.deepEqual(got, ['"h1"|"a.exe", "h1"|"b.exe"', '"h1"|"c.exe"', '-', '-', '-', '-']);
  });
});

describe('hunting a new terms rule', () => {
  it('in process and in DuckDB: the first process start of each executable on each host alerts, later ones do not, and other events are not counted', async () => {
    const rule = elasticRule(NEW_TERMS);
    const ev = (host: string | undefined, exe: string, day: number, type = 'start') => ({
      '@timestamp': new Date(Date.UTC(2024, 4, 1) + day * DAY).toISOString(),
      event: { category: 'process', type },
      ...(host ? { host: { id: host } } : {}),
      process: { executable: exe },
    });
    const events = [ev('h1', '/bin/sh', 0), ev('h1', '/bin/sh', 1), ev('h1', '/tmp/x', 2, 'end'), ev('h1', '/tmp/x', 3), ev(undefined, '/tmp/y', 3), ev('h2', '/bin/sh', 4), ev('h1', '/bin/sh', 20)];
    const f = path.join(dir, 'proc.jsonl');
    writeFileSync(f, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const show = (h: Hit) => `${h.type} ${h.pos.line} ${h.group} ${h.count}`;
    const mem: string[] = [];
    const duck: string[] = [];
    await hunt(new HuntEngine([rule], { all: true }), [f], { onHit: (h) => mem.push(show(h)) });
    await huntDuckdb(new HuntEngine([rule], { all: true }), [f], { all: true, onHit: (h) => duck.push(show(h)) });
    assert.deepEqual(mem, ['aggregate 1 "h1"|"/bin/sh" 1', 'aggregate 4 "h1"|"/tmp/x" 1', 'aggregate 6 "h2"|"/bin/sh" 1', 'aggregate 7 "h1"|"/bin/sh" 1']);
    assert.deepEqual(duck, mem);
  });
});
