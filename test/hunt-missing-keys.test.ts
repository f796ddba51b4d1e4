/**
 * Events without a group-by key, as each language counts them (`Aggregation.missingKeys`): Splunk's `stats … by`
 * and an Elastic threshold leave them out, YARA-L leaves out zero values too (unless `allow_zero_values`), KQL
 * groups them under null, and a Sigma correlation, whose specification does not say, may fire on them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseElasticText } from '../src/formats/elastic/index.ts';
import { scanSource } from '../src/formats/scan.ts';
import { sigmaAdapter } from '../src/formats/sigma/index.ts';
import { parseSplunkText } from '../src/formats/splunk/index.ts';
import { parseYaralText } from '../src/formats/yaral/index.ts';
import { AggregateState, missingKey } from '../src/hunt/aggregate.ts';
import { HuntEngine } from '../src/hunt/engine.ts';
import { hunt, type Hit } from '../src/hunt/session.ts';
import { describeCount, planAggregation, type AggregatePlan } from '../src/model/aggregate.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { kqlLogic } from './helpers/kql.ts';
import { tempDir } from './helpers/tempDir.ts';

const SRC = { repository: 'test/missing-keys' };
const dir = tempDir('detwiki-missing-keys-');

/** Every hit of a hunt with --all over the events as JSON lines. */
async function huntEvents(rules: readonly RuleRecord[], name: string, events: readonly unknown[]): Promise<Hit[]> {
  const f = path.join(dir, name);
  writeFileSync(f, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const hits: Hit[] = [];
  await hunt(new HuntEngine(rules, { all: true }), [f], { onHit: (h) => hits.push(h) });
  return hits;
}

const show = (hits: readonly Hit[]) => hits.map((h) => `${h.type} ${h.pos.line}${h.group !== undefined ? ` ${h.group} ${h.count}` : ''}${h.dependsOn?.length ? ` (${h.dependsOn.join('; ')})` : ''}`);

const splunkRule = (search: string): RuleRecord => {
  const r = parseSplunkText('detections/application/x.yml', `name: X\nid: 1\ntype: TTP\nsearch: '${search}'\n`, SRC);
  assert.equal(r.outcome, 'parsed', JSON.stringify(r.diagnostics));
  return r.rules[0]!;
};

const yaralRule = (options: string): RuleRecord => {
  const text = `rule many_deletes {\n meta:\n  severity = "Low"\n events:\n  $e.metadata.event_type = "USER_RESOURCE_DELETION"\n  $e.principal.user.userid = $u\n match:\n  $u over 10m\n condition:\n  #e > 2\n${options}}\n`;
  const r = parseYaralText('rules/many_deletes.yaral', text, SRC);
  assert.equal(r.outcome, 'parsed', JSON.stringify(r.diagnostics));
  return r.rules[0]!;
};

describe('what each language says of an event without a group-by key', () => {
  it('the adapters state it: Splunk stats and an Elastic threshold drop it, YARA-L drops zero values unless allowed, KQL and chart keep a null group, Sigma leaves it to the backend', async () => {
    assert.equal(splunkRule('index=app action=delete | stats count by user | where count > 2').logic.aggregation?.missingKeys, 'drop');
    assert.equal(splunkRule('index=app action=delete | stats count').logic.aggregation?.missingKeys, undefined); // no key, nothing to say
    assert.equal(splunkRule('index=app action=delete | chart count by user').logic.aggregation?.missingKeys, undefined);
    assert.equal(splunkRule('index=app action=delete | chart usenull=f count by user').logic.aggregation?.missingKeys, 'drop');
    assert.equal(splunkRule('| tstats count from datamodel=Endpoint.Processes by Processes.dest Processes.user').logic.aggregation?.missingKeys, 'drop');
    assert.equal(splunkRule('| tstats fillnull_value="unknown" count from datamodel=Endpoint.Processes by Processes.dest Processes.user').logic.aggregation?.missingKeys, undefined);
    // fillnull before stats: a field list creates its fields; without one it fills a field only where another
    // result has it, which one event cannot tell
    assert.equal(splunkRule('index=app action=delete | fillnull value=none user | stats count by user').logic.aggregation?.missingKeys, undefined);
    assert.equal(splunkRule('index=app action=delete | fillnull | stats count by user').logic.aggregation?.missingKeys, 'unknown');
    assert.equal(splunkRule('index=app action=delete | fillnull value=none user | stats count by user dest').logic.aggregation?.missingKeys, 'unknown');
    assert.equal(splunkRule('index=app action=delete | fillnull value=none user dest | stats count by _time user dest').logic.aggregation?.missingKeys, undefined);
    assert.equal(splunkRule('index=app action=delete | stats count by user | fillnull').logic.aggregation?.missingKeys, 'drop');
    assert.equal(yaralRule('').logic.aggregation?.missingKeys, 'zero');
    assert.equal(yaralRule(' options:\n  allow_zero_values = true\n').logic.aggregation?.missingKeys, 'group');
    assert.equal(kqlLogic('AppEvents | summarize n = count() by User | where n > 2').aggregation?.missingKeys, undefined);
    const elastic = parseElasticText('rules/x.toml', '[metadata]\nmaturity = "production"\n[rule]\nname = "T"\nrule_id = "r"\ntype = "threshold"\nlanguage = "kuery"\nquery = "event.action:delete"\nseverity = "low"\n[rule.threshold]\nfield = ["user.name"]\nvalue = 3\n', SRC).rules[0]!;
    assert.equal(elastic.logic.aggregation?.missingKeys, 'drop');
    const sigmaDir = mkdtempSync(path.join(dir, 'sigma-'));
    writeFileSync(path.join(sigmaDir, 'corr.yml'), SIGMA_CORRELATION);
    const sigma = (await scanSource(sigmaAdapter, sigmaDir, SRC)).rules.find((r) => r.logic.aggregation);
    assert.equal(sigma?.logic.aggregation?.missingKeys, 'unknown');
  });

  it('a page says it in words', () => {
    const base = { function: 'count', groupBy: ['user'], window: '10m', threshold: { op: 'gt' as const, value: 2 } };
    assert.equal(describeCount({ ...base, missingKeys: 'drop' }), 'alerts when more than 2 matching events are seen per user within any 10m; events without user are not counted');
    assert.equal(describeCount({ ...base, missingKeys: 'zero' }), 'alerts when more than 2 matching events are seen per user within any 10m; events whose user is missing, empty or zero are not counted');
    assert.match(describeCount({ ...base, missingKeys: 'unknown' })!, /; events without user may or may not be counted \(the backend decides, or the other events do\)$/);
    assert.equal(describeCount({ ...base, missingKeys: 'group' }), 'alerts when more than 2 matching events are seen per user within any 10m');
  });

  it('counting: dropped, zero values dropped, or a null group that names the key', () => {
    const plan = (missingKeys?: AggregatePlan['missingKeys']): AggregatePlan => {
      const p = planAggregation({ function: 'count', groupBy: ['user'], threshold: { op: 'ge', value: 2 }, ...(missingKeys ? { missingKeys } : {}) });
      assert.ok(!('unsupported' in p));
      return p;
    };
    const resolve = (e: unknown, f: string) => (e as Record<string, unknown>)[f];
    const run = (p: AggregatePlan, events: readonly unknown[]) => {
      const st = new AggregateState(p);
      return events.map((e, i) => st.add(e, i, resolve)).filter((x) => x !== undefined);
    };
    const events = [{}, { user: null }, { user: '' }, { user: '' }, { user: 0 }, { user: 'ann' }, { user: 'ann' }];
    assert.deepEqual(run(plan(), events), [{ key: 'null', count: 2 }, { key: '""', count: 2 }, { key: '"ann"', count: 2 }]);
    assert.deepEqual(run(plan('drop'), events), [{ key: '""', count: 2 }, { key: '"ann"', count: 2 }]);
    assert.deepEqual(run(plan('zero'), events), [{ key: '"ann"', count: 2 }]);
    assert.deepEqual(run(plan('unknown'), events), [{ key: 'null', count: 2, missing: 'user' }, { key: '""', count: 2 }, { key: '"ann"', count: 2 }]);
    // decided when the window closes (fewer than 2): the groups with one event pass, the null group naming its key;
    // a group one of whose events may not count (an exclusion that may hold) says why
    const fewer = planAggregation({ function: 'count', groupBy: ['user'], threshold: { op: 'lt', value: 2 }, missingKeys: 'unknown' });
    assert.ok(!('unsupported' in fewer) && fewer.atClose);
    const st = new AggregateState<number>(fewer);
    [{ user: 'ann' }, { user: 'bob' }, { user: 'ann' }, {}, { user: 'cy' }].forEach((e, i) => st.add(e, i, resolve, i, e.user === 'cy' ? ['not excluded by x'] : undefined));
    assert.deepEqual(st.closeUntil(10), [], 'no window: nothing closes before the end');
    assert.deepEqual(st.closeAll(), [
      { key: '"bob"', count: 1, last: 1 },
      { key: 'null', count: 1, missing: 'user', last: 3 },
      { key: '"cy"', count: 1, last: 4, uncertain: ['not excluded by x'] },
    ]);
    assert.equal(missingKey(['a', 'b'], ['x', false], 'zero'), 'b');
    assert.equal(missingKey(['a', 'b'], ['x', false], 'drop'), undefined);
    assert.equal(missingKey(['a'], [undefined], 'group'), undefined);
  });
});

describe('hunting events without a group-by key', () => {
  const del = (user: string | undefined, i: number) => ({ action: 'delete', ...(user !== undefined ? { user } : {}), _time: `2024-05-01T10:00:0${i}Z` });
  const events = [del(undefined, 1), del(undefined, 2), del(undefined, 3), del('ann', 4), del('ann', 5), del('ann', 6)];

  it('Splunk `stats count by user | where count > 2` counts ann\'s three deletions, not the three without a user; KQL counts both', async () => {
    const spl = await huntEvents([splunkRule('index=app action=delete | stats count by user | where count > 2')], 'spl.jsonl', events);
    assert.deepEqual(show(spl), ['aggregate 6 "ann" 3']);
    const kqlDir = mkdtempSync(path.join(dir, 'kql-'));
    writeFileSync(path.join(kqlDir, 'deletes.kql'), 'AppEvents | where action == "delete" | summarize n = count() by user | where n > 2\n');
    const { kustoAdapter } = await import('../src/formats/kusto/index.ts');
    const kql = await huntEvents((await scanSource(kustoAdapter, kqlDir, SRC)).rules, 'kql.jsonl', events);
    assert.deepEqual(show(kql), ['aggregate 3 null 3', 'aggregate 6 "ann" 3']);
  });

  it('Splunk `stats count by user` without a threshold: an event without a user makes no result row', async () => {
    const hits = await huntEvents([splunkRule('index=app action=delete | stats count by user')], 'rows.jsonl', events);
    assert.deepEqual(show(hits), ['hit 4', 'hit 5', 'hit 6']);
  });

  it('Splunk `fillnull | stats count by user`: an event without a user may make a row (if another result has one), one with a user does', async () => {
    const hits = await huntEvents([splunkRule('index=app action=delete | fillnull | stats count by user')], 'filled.jsonl', events);
    assert.deepEqual(show(hits).map((h) => h.replace(/ \(.*/, '')), ['may_fire 1', 'may_fire 2', 'may_fire 3', 'hit 4', 'hit 5', 'hit 6']);
    assert.match(hits[0]!.dependsOn![0]!, /^events without user may or may not be counted/);
    const named = await huntEvents([splunkRule('index=app action=delete | fillnull value=nobody user | stats count by user')], 'named.jsonl', events);
    assert.deepEqual(show(named), ['hit 1', 'hit 2', 'hit 3', 'hit 4', 'hit 5', 'hit 6']);
  });

  it('YARA-L leaves out an empty user id unless the rule allows zero values', async () => {
    const login = (userid: string, i: number) => ({ metadata: { event_type: 'USER_RESOURCE_DELETION', event_timestamp: `2024-05-01T10:00:0${i}Z` }, principal: { user: { userid } } });
    const udm = [login('', 1), login('', 2), login('', 3), login('bo', 4), login('bo', 5), login('bo', 6)];
    assert.deepEqual(show(await huntEvents([yaralRule('')], 'udm.jsonl', udm)), ['aggregate 6 "bo" 3']);
    assert.deepEqual(show(await huntEvents([yaralRule(' options:\n  allow_zero_values = true\n')], 'udm-zero.jsonl', udm)), ['aggregate 3 "" 3', 'aggregate 6 "bo" 3']);
  });

  it('a Sigma correlation fires for the users it sees and may fire for the events without one', async () => {
    const sigmaDir = mkdtempSync(path.join(dir, 'sigma-'));
    writeFileSync(path.join(sigmaDir, 'corr.yml'), SIGMA_CORRELATION);
    const rules = (await scanSource(sigmaAdapter, sigmaDir, SRC)).rules;
    const hits = (await huntEvents(rules, 'sigma.jsonl', events)).filter((h) => h.rule.title === 'Many deletions');
    assert.deepEqual(show(hits), ['may_fire 3 null 3 (events without user may or may not be counted (the backend decides, or the other events do))', 'aggregate 6 "ann" 3']);
  });
});

const SIGMA_CORRELATION = `title: Deletion
id: 5b0b7f0e-6a55-4c1a-9d3e-1f7f1c3a0001
name: app_deletion
logsource:
  product: app
detection:
  selection:
    action: delete
  condition: selection
---
title: Many deletions
id: 5b0b7f0e-6a55-4c1a-9d3e-1f7f1c3a0002
correlation:
  type: event_count
  rules:
    - app_deletion
  group-by:
    - user
  timespan: 10m
  condition:
    gte: 3
`;

describe('a group-by key over a repeated field: one group per element', () => {
  it('YARA-L `$e.principal.ip = $ip` with `match: $ip`: an event with two addresses counts in both groups, a zero value in none', async () => {
    const text = `rule many_failures {\n meta:\n  severity = "Low"\n events:\n  $e.metadata.event_type = "USER_LOGIN"\n  $e.security_result.action = "BLOCK"\n  $e.principal.ip = $ip\n match:\n  $ip over 10m\n condition:\n  #e >= 2\n}\n`;
    const rule = parseYaralText('rules/many_failures.yaral', text, SRC).rules[0]!;
    assert.equal(rule.logic.completeness, 'complete', rule.logic.missing.map((m) => m.reason).join('; '));
    assert.deepEqual([rule.logic.aggregation?.groupBy, rule.logic.aggregation?.computedKeys, rule.logic.aggregation?.derivedKeys], [[], ['$ip'], [{ name: '$ip', field: 'principal.ip', derived: { steps: [{ fn: 'elements' }] } }]]);
    const ev = (ip: unknown, i: number) => ({ metadata: { event_type: 'USER_LOGIN', event_timestamp: `2024-05-01T10:0${i}:00Z` }, security_result: [{ action: 'BLOCK' }], principal: { ip } });
    const hits = await huntEvents([rule], 'per-element.jsonl', [ev(['10.0.0.1', '10.0.0.2'], 0), ev(['10.0.0.2'], 1), ev(['', '10.0.0.1'], 2), ev([], 3), ev([''], 4)]);
    assert.deepEqual(show(hits.filter((h) => h.type !== 'hit')), ['aggregate 2 "10.0.0.2" 2', 'aggregate 3 "10.0.0.1" 2']);
  });
  it('Splunk `stats … by` a multivalue field counts the event under each value; KQL `summarize by` a dynamic column groups the list as one value', async () => {
    const spl = splunkRule('index=app action=delete | stats count by user | where count >= 2');
    assert.equal(spl.logic.aggregation?.listKeys, 'each');
    const kql = kqlLogic('AppEvents | summarize n = count() by User | where n >= 2');
    assert.equal(kql.aggregation?.listKeys, undefined);
    const resolve = (e: unknown, f: string) => (e as Record<string, unknown>)[f];
    const run = (a: NonNullable<RuleRecord['logic']['aggregation']>, events: readonly unknown[]) => {
      const p = planAggregation(a);
      assert.ok(!('unsupported' in p));
      const st = new AggregateState(p);
      return events.flatMap((e, i) => st.addAll(e, i, resolve).map((f) => `${i} ${f.key} ${f.count}`));
    };
    const splEvents = [{ user: ['ann', 'bob'] }, { user: 'bob' }, { user: ['ann'] }, { user: [] }];
    assert.deepEqual(run(spl.logic.aggregation!, splEvents), ['1 "bob" 2', '2 "ann" 2']);
    const kqlEvents = [{ User: ['ann', 'bob'] }, { User: 'bob' }, { User: ['ann', 'bob'] }];
    assert.deepEqual(run(kql.aggregation!, kqlEvents), ['2 ["ann","bob"] 2']);
  });
});
