/**
 * Cross-vendor links confirmed by a rule's own test events (`confirmByEvents` in src/catalog/crossvendor.ts): a
 * positive test event of one rule, re-expressed in another language's view, fires a rule of that language with the
 * same action; only rules with tests (`rules.tests`) are read for their events.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { confirmByEvents } from '../src/catalog/crossvendor.ts';
import { ruleRows } from '../src/catalog/rows.ts';
import { openCatalogDb } from '../src/catalog/schema.ts';
import { ruleWriter } from '../src/catalog/store.ts';
import { and, not, or, pred, type Expr } from '../src/model/expr.ts';
import type { Format } from '../src/model/facts.ts';
import type { LogSource, RuleRecord, RuleTest } from '../src/model/rule.ts';
import { minimalRule } from './helpers/records.ts';
import { tempDir } from './helpers/tempDir.ts';

const rule = (id: string, format: Format, logSources: LogSource[], condition: Expr, tests: RuleTest[] = []): RuleRecord => minimalRule(format, logSources, condition, { id, tests });

const cloudTrail = { kind: 'LogTypes', name: 'AWS.CloudTrail' };
const event = { eventName: 'UpdateAssumeRolePolicy', eventSource: 'iam.amazonaws.com', userIdentity: { arn: 'arn:aws:iam::1:user/x' } };
// a Panther rule with a positive and a negative test, a KQL rule and a Sigma rule of the same action without tests
const panther = rule('panther/backdoor', 'panther', [cloudTrail], not(or(pred('errorCode', 'is_not_null'), pred('eventName', 'ne', ['UpdateAssumeRolePolicy']))), [
  { name: 'policy updated', expected: true, event },
  { name: 'failed call', expected: false, event: { ...event, errorCode: 'AccessDenied' } },
]);
const kql = rule('kusto/backdoor', 'kusto', [{ kind: 'table', name: 'AWSCloudTrail' }], and(pred('EventName', 'eq', ['UpdateAssumeRolePolicy'], { cs: true }), pred('UserIdentityArn', 'contains', [':user/'])));
const kqlRole = rule('kusto/role-only', 'kusto', [{ kind: 'table', name: 'AWSCloudTrail' }], and(pred('EventName', 'eq', ['UpdateAssumeRolePolicy'], { cs: true }), pred('UserIdentityArn', 'contains', [':role/'])));
const sigma = rule('sigma/backdoor', 'sigma', [{ kind: 'logsource', name: 'aws/cloudtrail', detail: { product: 'aws', service: 'cloudtrail' } }], pred('eventName', 'eq', ['UpdateAssumeRolePolicy']));

describe('cross-vendor links confirmed by test events', () => {
  it('a positive test event of one rule fires another language\'s rule of the same action', () => {
    const tmp = tempDir('confirm-');
    const db = openCatalogDb(path.join(tmp, 'catalog.sqlite'));
    try {
      const w = ruleWriter(db, undefined);
      const rowid = new Map<string, number>();
      db.transaction(() => {
        for (const r of [panther, kql, kqlRole, sigma]) rowid.set(r.id, w.insert(ruleRows(r), 1, 'fixtures'));
        w.flush();
      })();
      assert.deepEqual(db.prepare('SELECT id, tests FROM rules ORDER BY rowid').raw().all(), [['panther/backdoor', 2], ['kusto/backdoor', 0], ['kusto/role-only', 0], ['sigma/backdoor', 0]]);
      const got = db.transaction(() => confirmByEvents(db))();
      assert.deepEqual(got, { pairs: 2, rulesWithEvents: 1 });
      const pairs = db.prepare('SELECT rule, other, test FROM event_confirmed ORDER BY other').raw().all();
      // the KQL rule that needs a role ARN does not fire on the user's event
      assert.deepEqual(pairs, [
        [rowid.get('panther/backdoor'), rowid.get('kusto/backdoor'), 'policy updated'],
        [rowid.get('panther/backdoor'), rowid.get('sigma/backdoor'), 'policy updated'],
      ]);
    } finally {
      db.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
