/**
 * KQL completeness at the edges of a query: a table read whole (every event is a result row), a union with a
 * joined or aggregated branch, and row limits (`top` / `take` / `sample`): at the end of the main query they
 * leave whether it returns rows unchanged; followed by a filter, an aggregation or a join they do not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lowerQuery } from '../src/formats/kusto/lowerQuery.ts';
import { parseKql } from '../src/formats/kusto/parser.ts';
import { harmlessLimit } from '../src/model/page.ts';
import { renderExpr } from '../src/model/render.ts';
import { evaluate } from '../src/model/evaluate.ts';
import type { Logic } from '../src/model/rule.ts';
import { kqlLogic } from './helpers/kql.ts';

const logicOf = kqlLogic;
const reasons = (L: Logic) => L.missing.map((m) => m.reason);

describe('KQL completeness: a table read whole', () => {
  it('a table with no row filter: every event of it is a result, the condition is true and complete', () => {
    const L = logicOf('AlertFeed_CL\n| extend Sev = severity_s\n| project Sev, name_s');
    assert.equal(L.completeness, 'complete');
    assert.equal(L.condition && renderExpr(L.condition), 'true');
  });
  it('an aggregation without a threshold over the whole table: each group is a result row', () => {
    const L = logicOf('Heartbeat | summarize LastSeen = max(TimeGenerated) by Computer');
    assert.equal(L.completeness, 'complete');
  });
  it('a query with no tabular statement has no condition', () => {
    const L = logicOf('let Window = 1h;\nlet Names = dynamic(["a"]);');
    assert.equal(L.completeness, 'none');
    assert.equal(L.condition, undefined);
  });
  it('a time window alone leaves the whole table', () => {
    const L = logicOf('Syslog | where TimeGenerated > ago(1d)');
    assert.equal(L.completeness, 'complete');
    assert.equal(L.condition && renderExpr(L.condition), 'true');
  });
});

describe('KQL completeness: row limits', () => {
  it('top at the end, after summarize: the query returns groups exactly when it would without it, so complete', () => {
    const L = logicOf('Proxy | where Action == "allowed" | summarize n = count() by Host | top 10 by n asc');
    assert.equal(L.completeness, 'complete');
    assert.deepEqual(reasons(L), []);
    assert.equal(L.condition && renderExpr(L.condition), 'Action eq "allowed"');
    assert.ok(L.stages.some((s) => s.kind === 'limit' && s.label === 'top'), 'the limit stays a stage');
  });
  it('take at the end, then only columns and order: complete', () => {
    assert.equal(logicOf('Proxy | where Action == "allowed" | take 5 | project Host, Action | sort by Host').completeness, 'complete');
    assert.equal(logicOf('let n = 3;\nProxy | where Action == "allowed" | sample n').completeness, 'complete');
  });
  it('a filter after a limit sees only the kept rows: partial, with both named', () => {
    const L = logicOf('Proxy | where Action == "allowed" | top 1 by TimeGenerated desc | where Host == "a"');
    assert.equal(L.completeness, 'partial');
    assert.deepEqual(reasons(L), ['top keeps only some of the matching rows, and where after it sees only those']);
  });
  it('an aggregation after a limit counts only the kept rows: partial', () => {
    const L = logicOf('Proxy | where Action == "allowed" | take 100 | summarize n = count() by Host');
    assert.deepEqual(reasons(L), ['take keeps only some of the matching rows, and summarize after it sees only those']);
  });
  it('take 0, or a count that is not a number, stays missing', () => {
    assert.deepEqual(reasons(logicOf('Proxy | where Action == "allowed" | take 0')), ['take keeps only some of the matching rows']);
    assert.deepEqual(reasons(logicOf('Proxy | where Action == "allowed" | take toint(x)')), ['take keeps only some of the matching rows']);
  });
  it('a limit inside a joined query changes the join: missing', () => {
    const L = logicOf('A | where x == 1 | join kind=inner (B | where y == 2 | take 1) on k');
    assert.ok(reasons(L).includes('take keeps only some of the matching rows'), reasons(L).join('; '));
  });
  it('pages say a limit at the end does not matter, and not of a limit that is missing', () => {
    const end = logicOf('Proxy | where Action == "allowed" | take 5');
    assert.deepEqual(end.stages.filter((st) => harmlessLimit(end, st)).map((st) => st.text), ['take 5']);
    const mid = logicOf('Proxy | take 5 | where Action == "allowed"');
    assert.deepEqual(mid.stages.filter((st) => harmlessLimit(mid, st)), []);
  });
  it('sort after summarize keeps every group: complete', () => {
    const L = logicOf('Proxy | where Action == "allowed" | summarize n = count() by Host | sort by n desc');
    assert.equal(L.completeness, 'complete');
  });
});

describe('KQL completeness: union branches', () => {
  it('a branch with a threshold makes the rule partial, with the branch named', () => {
    const L = logicOf('union (A | where x == 1), (B | where y == 2 | summarize c = count() by k | where c > 5)');
    assert.equal(L.completeness, 'partial');
    assert.ok(reasons(L).includes('union: a branch alerts on a threshold over its matching events'), reasons(L).join('; '));
  });
  it('a joined branch keeps its sides\' row conditions and says the pairing is not kept', () => {
    const L = logicOf('union (A | where x == 1), (B | where y == 2 | join kind=inner (C | where z == 3) on k)');
    assert.equal(L.completeness, 'partial');
    assert.ok(reasons(L).some((r) => r.startsWith('union: a branch is a multi-event rule')), reasons(L).join('; '));
    const text = L.condition ? renderExpr(L.condition) : '';
    assert.match(text, /x eq 1/);
    assert.match(text, /y eq 2/);
  });
});

describe('KQL sources', () => {
  it('table(name) inside a function called with a table name reads that table', () => {
    const L = logicOf('let failures = (tableName:string) { table(tableName) | where ResultType != "0" };\nfailures("SigninLogs")');
    assert.equal(L.completeness, 'complete');
    assert.equal(L.condition && renderExpr(L.condition), 'ResultType ne "0"');
    assert.deepEqual(lowerQuery(parseKql('let f = (t:string) { table(t) | take 1 };\nf("AuditLogs")').value, 'q.kql').mainTables, ['AuditLogs']);
  });
  it('externaldata rows are read when the query runs: a missing source with that reason', () => {
    const L = logicOf('externaldata(ip:string) [@"https://example.invalid/ips.csv"] with (format="csv") | where ip startswith "10."');
    assert.equal(L.completeness, 'partial');
    assert.deepEqual(reasons(L), ['externaldata: rows of an external file read when the query runs']);
  });
});

describe('KQL completeness: mv-apply', () => {
  it('a subquery that filters, limits or aggregates decides which rows go on: partial, with the mv-apply named (it was complete with the filter lost)', () => {
    const L = logicOf('DeviceFileEvents | where ActionType == "FileCreated" | mv-apply ext = dynamic([".exe", ".dll"]) to typeof(string) on (where FileName endswith ext)');
    assert.equal(L.completeness, 'partial');
    assert.match(reasons(L).join('\n'), /^mv-apply keeps a row only when its subquery \(where …\) returns rows/);
    assert.equal(L.condition && renderExpr(L.condition), 'ActionType eq "FileCreated"');
    assert.equal(logicOf('T | mv-apply x = A on (top 1 by tostring(x))').completeness, 'partial');
    // a conversion to a type the comparison depends on, or filters with an extend between: not read as any element
    assert.equal(logicOf('T | mv-apply x = Tags to typeof(long) on (where x > 5)').completeness, 'partial');
    assert.equal(logicOf('T | mv-apply x = A on (where x.a == 1 | extend y = 2)').completeness, 'partial');
  });
  it('a subquery of filters over an array column is `any` element: the row goes on when one element passes them all', () => {
    const L = logicOf('AuditLogs | where Op == "Set" | mv-apply mp = TargetResources[0].modifiedProperties to typeof(dynamic) on (where mp.displayName =~ "livetype" | where tostring(mp.newValue) has "Federated")');
    assert.equal(L.completeness, 'complete');
    assert.equal(L.condition && renderExpr(L.condition), 'Op eq "Set" and any(TargetResources.0.modifiedProperties, .displayName eq[ci] "livetype" and .newValue has "Federated")');
    const ev = (props: unknown) => evaluate(L.condition!, { Op: 'Set', TargetResources: [{ modifiedProperties: props }] });
    assert.equal(ev([{ displayName: 'LiveType', newValue: 'Managed' }, { displayName: 'Other', newValue: 'Federated' }]), false); // not the same element
    assert.equal(ev([{ displayName: 'Other', newValue: 'x' }, { displayName: 'LiveType', newValue: '"Federated"' }]), true);
    assert.equal(ev(undefined), false); // no array, no row
    const tags = logicOf('T | mv-apply t = Tags to typeof(string) on (where t startswith "adm")');
    assert.equal(tags.condition && renderExpr(tags.condition), 'any(Tags, . starts_with "adm")');
    assert.equal(evaluate(tags.condition!, { Tags: ['user', 'ADMINS'] }), true);
  });
  it('a subquery that only adds columns keeps every row: the filter after it is what is missing', () => {
    assert.deepEqual(reasons(logicOf('T | where Op == "x" | mv-apply mp = Props on (extend N = tostring(mp.v))')), []);
    assert.deepEqual(reasons(logicOf('T | mv-apply mp = Props on (extend N = tostring(mp.v)) | where N has "F"')), ['filter after mv-apply changes what a row is: not a row-level filter on the source events']);
  });
});

describe('KQL time: ingestion_time()', () => {
  it('ingestion_time() compared with ago() is the lookback window, as TimeGenerated is; inside or it stays opaque', () => {
    const L = logicOf('DeviceProcessEvents | where ingestion_time() >= ago(2h) | where FileName =~ "certutil.exe"');
    assert.equal(L.completeness, 'complete');
    assert.equal(L.condition && renderExpr(L.condition), 'FileName eq[ci] "certutil.exe"');
    assert.equal(logicOf('T | where ingestion_time() between (ago(1d) .. now()) and A == 1').completeness, 'complete');
    assert.deepEqual(reasons(logicOf('T | where ingestion_time() > ago(1d) or A == 1')), ['time comparison inside or / not']);
  });
});

describe('KQL operator spellings', () => {
  it('the older spellings the Kusto parser reads: notcontains, containscs, notcontainscs, likecs, notlikecs', () => {
    const r = (q: string) => {
      const L = logicOf(`T | where ${q}`);
      assert.equal(L.completeness, 'complete', q);
      return L.condition && renderExpr(L.condition);
    };
    assert.equal(r('FolderPath notcontains "Temp"'), 'not FolderPath contains "Temp"');
    assert.equal(r('A containscs "X" and B notcontainscs "y"'), 'A contains[cs] "X" and not B contains[cs] "y"');
    assert.equal(r('A likecs "X%" and B notlikecs "y%"'), 'A wildcard[cs,like] "X%" and not B wildcard[cs,like] "y%"');
  });
});
