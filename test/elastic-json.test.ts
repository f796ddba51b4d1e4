/**
 * Elastic rules as Kibana exports them (NDJSON: a rule object a line, then the export's summary) and as its detection
 * engine API takes them (JSON): the same rule objects as detection-rules' `[rule]` tables.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { detectFormat } from '../src/formats/detect.ts';
import { elasticAdapter } from '../src/formats/elastic/index.ts';
import { scanSource } from '../src/formats/scan.ts';
import { evaluate } from '../src/model/evaluate.ts';
import { renderExpr } from '../src/model/render.ts';
import { tempDir } from './helpers/tempDir.ts';

const KQL_RULE = {
  rule_id: '0b9e2c3a-0000-4000-8000-000000000001',
  name: 'Whoami Discovery',
  description: 'whoami started by a user',
  type: 'query',
  language: 'kuery',
  index: ['logs-endpoint.events.*'],
  query: 'process.name : "whoami.exe" and event.type : "start"',
  risk_score: 21,
  severity: 'low',
  threat: [{ framework: 'MITRE ATT&CK', tactic: { id: 'TA0007', name: 'Discovery', reference: 'https://attack.mitre.org/tactics/TA0007/' }, technique: [{ id: 'T1033', name: 'System Owner/User Discovery', reference: 'https://attack.mitre.org/techniques/T1033/' }] }],
};
const EQL_RULE = {
  rule_id: '0b9e2c3a-0000-4000-8000-000000000002',
  name: 'Certutil Download',
  type: 'eql',
  language: 'eql',
  index: ['logs-endpoint.events.*'],
  query: 'process where event.type == "start" and\n  process.name : "certutil.exe" and process.args : ("-urlcache", "-split")',
  risk_score: 47,
  severity: 'medium',
};
const PLAIN_RULE = { rule_id: '3', name: 'Plain query', type: 'query', language: 'kuery', index: ['logs-*'], query: 'event.action:CreateUser', risk_score: 1, severity: 'low' };
/** A new_terms rule as the API gives it: its fields and history on the rule, not in a `new_terms` table as in TOML. */
const NEW_TERMS = { rule_id: '4', name: 'New GPS position', type: 'new_terms', language: 'kuery', query: '*', new_terms_fields: ['data.lat', 'data.lon'], history_window_start: 'now-1d', risk_score: 21, severity: 'low' };
/** An EQL query whose second line does not parse: the error is at the rule's line of the file, not a line below. */
const BROKEN = { rule_id: '5', name: 'Broken EQL', type: 'eql', language: 'eql', query: 'process where true and\n  process.name : (', risk_score: 1, severity: 'low' };
const EXCEPTION = { list_id: 'endpoint_list', item_id: 'x', type: 'simple', name: 'an exception' };
const SUMMARY = { exported_count: 4, exported_rules_count: 3, missing_rules: [] };

describe('Elastic rules exported from Kibana (NDJSON) or as API JSON', () => {
  const dir = tempDir('detwiki-elastic-json-');
  after(() => rmSync(dir, { recursive: true, force: true }));
  const ndjson = [KQL_RULE, EQL_RULE, PLAIN_RULE, NEW_TERMS, BROKEN, EXCEPTION].map((x) => JSON.stringify(x)).concat('{not json', JSON.stringify(SUMMARY)).join('\n') + '\n';
  writeFileSync(path.join(dir, 'export.ndjson'), ndjson);
  writeFileSync(path.join(dir, 'api.json'), JSON.stringify({ ...KQL_RULE, name: 'API Whoami' }, null, 2));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'team-rules', version: '1.0.0' }));
  const scan = scanSource(elasticAdapter, dir, { repository: 'team/rules' });

  it('each rule object is a rule, read as its TOML table is; other values are said, a bad line is an error at its line', async () => {
    const r = await scan;
    assert.deepEqual(r.files.map((f) => `${f.path} ${f.outcome}`).sort(), ['api.json parsed', 'export.ndjson parsed', 'package.json skipped']);
    assert.deepEqual(r.rules.map((x) => `${x.id} | ${x.title} | ${x.nativeId}`).sort(), [
      'elastic/api_whoami | API Whoami | 0b9e2c3a-0000-4000-8000-000000000001',
      'elastic/broken_eql | Broken EQL | 5',
      'elastic/certutil_download | Certutil Download | 0b9e2c3a-0000-4000-8000-000000000002',
      'elastic/new_gps_position | New GPS position | 4',
      'elastic/plain_query | Plain query | 3',
      'elastic/whoami_discovery | Whoami Discovery | 0b9e2c3a-0000-4000-8000-000000000001',
    ]);
    const exported = r.files.find((f) => f.path === 'export.ndjson')!;
    assert.deepEqual(exported.diagnostics.filter((d) => d.severity === 'error' || d.code === 'ELA005').map((d) => `${d.code}:${d.line ?? ''}`).sort(), ['ELA005:', 'EQL001:5', 'GEN003:7']);
    const who = r.rules.find((x) => x.title === 'Whoami Discovery')!;
    assert.equal(who.severity, 'low');
    assert.deepEqual(who.attackDeclared.map((a) => a.text), ['TA0007:T1033']);
    assert.equal(renderExpr(who.logic.condition!), 'process.name eq "whoami.exe" and event.type eq "start"');
    // the query is an escaped JSON string (`\"`, `\n`): its spans are mapped through the escapes to the file
    const eql = r.rules.find((x) => x.title === 'Certutil Download')!;
    assert.equal(eql.logic.completeness, 'complete');
    const eqlCond = eql.logic.condition!;
    assert.ok(eqlCond.kind === 'and');
    const name = eqlCond.args.find((a) => a.kind === 'pred' && a.field === 'process.name');
    assert.ok(name?.kind === 'pred' && name.span);
    assert.equal(ndjson.slice(name.span.start, name.span.end), 'process.name : \\"certutil.exe\\"');
    assert.equal(evaluate(eql.logic.condition!, { event: { category: 'process', type: 'start' }, process: { name: 'CertUtil.exe', args: ['certutil', '-urlcache', '-f'] } }), true);
    // a query verbatim in its line: its predicates point into the file, at that line
    const plain = r.rules.find((x) => x.title === 'Plain query')!;
    const cond = plain.logic.condition!;
    assert.ok(cond.kind === 'pred' && cond.span);
    assert.equal(ndjson.slice(cond.span.start, cond.span.end), 'event.action:CreateUser');
    assert.equal(plain.body[0]!.range!.start, ndjson.indexOf(JSON.stringify(PLAIN_RULE)));
    const terms = r.rules.find((x) => x.title === 'New GPS position')!;
    assert.deepEqual(terms.logic.aggregation?.groupBy, ['data.lat', 'data.lon']);
    assert.equal(terms.logic.aggregation?.window, '1d');
  });

  it('a folder of such files is recognised as Elastic', () => {
    assert.equal(detectFormat(dir), 'elastic');
  });
});
