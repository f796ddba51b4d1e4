/**
 * Sigma rules over raw cloud logs (`src/formats/sigma/cloudReadings.ts`): SigmaHQ's Google Cloud audit rules name
 * Filebeat's `gcp.audit.method_name`, read over Cloud Logging's own JSON as `protoPayload.methodName`; a field named as
 * the entry has it is read as it is. The same results in process, on workers and in DuckDB.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { scanSource } from '../src/formats/scan.ts';
import { sigmaAdapter } from '../src/formats/sigma/index.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { hitKey, huntThreeWays, writeHuntFixture } from './huntThreeWays.ts';

const rule = (id: string, title: string, detection: string) => `title: ${title}
id: ${id}
status: test
description: Invented rule for the hunt's Sigma readings of cloud logs.
author: detection-wiki
date: 2026-12-05
logsource:
  product: gcp
  service: gcp.audit
detection:
${detection}
level: medium
`;

const RULES: Record<string, string> = {
  firewall: rule('6b6e5d1c-0d3f-4c1a-9a3e-000000000001', 'Firewall Rule Deleted', '  selection:\n    gcp.audit.method_name|endswith: .firewalls.delete\n  condition: selection'),
  // a field named as the entry has it
  service: rule('6b6e5d1c-0d3f-4c1a-9a3e-000000000002', 'IAM Key Created', '  selection:\n    protoPayload.serviceName: iam.googleapis.com\n    gcp.audit.method_name|contains: CreateServiceAccountKey\n  condition: selection'),
};

const entry = (methodName: string, serviceName: string) => ({ insertId: methodName, logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity', protoPayload: { '@type': 'type.googleapis.com/google.cloud.audit.AuditLog', methodName, serviceName } });
const EVENTS = [entry('v1.compute.firewalls.delete', 'compute.googleapis.com'), entry('v1.compute.firewalls.insert', 'compute.googleapis.com'), entry('google.iam.admin.v1.CreateServiceAccountKey', 'iam.googleapis.com')];

describe('detwiki hunt: Sigma rules over raw Google Cloud audit logs', () => {
  let dir: string;
  let rules: readonly RuleRecord[];
  let file: string;
  before(async () => {
    ({ dir, file } = writeHuntFixture('detwiki-sigma-cloud-', Object.fromEntries(Object.entries(RULES).map(([name, text]) => [`sigma/rules/cloud/gcp/${name}.yml`, text])), EVENTS));
    rules = (await scanSource(sigmaAdapter, path.join(dir, 'sigma'), { repository: 'test/sigma' })).rules;
    assert.equal(rules.length, 2);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('in process, on two worker threads and in DuckDB: the same hits', async () => {
    const { mem, par, duck, readAs } = await huntThreeWays(rules, file, hitKey);
    // the firewall rule on the deletion only; the key rule on its service and method
    assert.deepEqual(mem, ['0 hit sigma/firewall', '2 hit sigma/service'], mem.join('\n'));
    assert.match([...readAs.values()][0] ?? '', /Filebeat's gcp\.audit names/);
    assert.deepEqual(par, mem);
    assert.deepEqual(duck, mem);
  });
});
