/**
 * Correlations of rules' matches in a hunt (Panther correlation rules, `src/hunt/correlations.ts`): the rules they
 * correlate run on the events, their matches are correlated at the end; what the hunt cannot compute (an alert
 * context key, a rule that may have matched) leaves the correlation "may fire"; one whose rules are not loaded is
 * named, not run. Written as a small Panther repository in a temporary folder.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { pantherAdapter } from '../src/formats/panther/index.ts';
import { scanSource } from '../src/formats/scan.ts';
import { HuntEngine } from '../src/hunt/engine.ts';
import { hunt, type Hit, type HuntSummary } from '../src/hunt/session.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { tempDir } from './helpers/tempDir.ts';

const root = tempDir('detwiki-corr-');
const put = (p: string, text: string) => {
  mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
  writeFileSync(path.join(root, p), text);
};
const detection = (id: string, eventName: string) => `AnalysisType: rule
RuleID: "${id}"
Enabled: true
LogTypes:
  - AWS.CloudTrail
Severity: Medium
Detection:
  - KeyPath: eventName
    Condition: Equals
    Value: ${eventName}
`;
/** A Python rule matching CreateUser, with `alert_context()`'s body as given. */
const pyRule = (file: string, id: string, alertContext: string) => {
  put(`rules/${file}.yml`, `AnalysisType: rule
Filename: ${file}.py
RuleID: "${id}"
Enabled: true
LogTypes:
  - AWS.CloudTrail
Severity: Medium
`);
  put(`rules/${file}.py`, `def rule(event):
    return event.get("eventName") == "CreateUser"


def alert_context(event):
${alertContext}
`);
};
const correlation = (id: string, body: string) => `AnalysisType: correlation_rule
RuleID: "${id}"
Enabled: true
Severity: High
Detection:
${body}
`;
const event = (eventName: string, time: string, extra: Record<string, unknown> = {}) => ({ eventSource: 'iam.amazonaws.com', eventName, eventTime: time, awsRegion: 'us-east-1', eventVersion: '1.08', userIdentity: { type: 'IAMUser' }, ...extra });

let rules: readonly RuleRecord[];
before(async () => {
  put('rules/create.yml', detection('T.CreateUser', 'CreateUser'));
  put('rules/attach.yml', detection('T.AttachPolicy', 'AttachUserPolicy'));
  put('rules/mfa.yml', detection('T.Mfa', 'EnableMFADevice'));
  put('correlation_rules/group.yml', correlation('T.CreateThenAttach', `  - Group:
      - ID: Create
        RuleID: T.CreateUser
      - ID: Attach
        RuleID: T.AttachPolicy
    MatchCriteria:
      user:
        - GroupID: Create
          Match: requestParameters.userName
        - GroupID: Attach
          Match: requestParameters.userName
    LookbackWindowMinutes: 60
    Schedule:
      RateMinutes: 60
      TimeoutMinutes: 1`));
  put('correlation_rules/without_mfa.yml', correlation('T.CreateWithoutMfa', `  - Group:
      - ID: Create
        RuleID: T.CreateUser
      - ID: Mfa
        RuleID: T.Mfa
        Absence: true
    MatchCriteria:
      user:
        - GroupID: Create
          Match: requestParameters.userName
        - GroupID: Mfa
          Match: requestParameters.userName
    LookbackWindowMinutes: 60
    Schedule:
      RateMinutes: 60
      TimeoutMinutes: 1`));
  put('correlation_rules/context.yml', correlation('T.ByContext', `  - Group:
      - ID: Create
        RuleID: T.CreateUser
      - ID: Attach
        RuleID: T.AttachPolicy
    MatchCriteria:
      user:
        - GroupID: Create
          Match: p_alert_context.user
        - GroupID: Attach
          Match: p_alert_context.user
    LookbackWindowMinutes: 60
    Schedule:
      RateMinutes: 60
      TimeoutMinutes: 1`));
  put('correlation_rules/elsewhere.yml', correlation('T.Elsewhere', `  - Group:
      - ID: Create
        RuleID: T.CreateUser
      - ID: Other
        RuleID: T.NotInThisRepository
    LookbackWindowMinutes: 60
    Schedule:
      RateMinutes: 60
      TimeoutMinutes: 1`));
  // Python rules whose alert context is the event's fields on every path (with a default too), and one where it is not
  pyRule('create_py', 'T.CreatePy', `    return {"user": event.deep_get("requestParameters", "userName"), "region": event.get("awsRegion")}`);
  pyRule('create_py2', 'T.CreatePy2', `    if event.get("awsRegion") == "us-east-1":
        return {"user": event.deep_get("requestParameters", "userName")}
    return {"user": event.get("userAgent")}`);
  pyRule('create_py3', 'T.CreatePy3', `    return {"user": event.deep_get("requestParameters", "userName", default="<none>")}`);
  for (const [id, member] of [['T.ByPyContext', 'T.CreatePy'], ['T.ByPyContext2', 'T.CreatePy2']] as const) {
    put(`correlation_rules/${id}.yml`, correlation(id, `  - Group:
      - ID: Create
        RuleID: ${member}
      - ID: Attach
        RuleID: T.AttachPolicy
    MatchCriteria:
      user:
        - GroupID: Create
          Match: p_alert_context.user
        - GroupID: Attach
          Match: requestParameters.userName
    LookbackWindowMinutes: 60
    Schedule:
      RateMinutes: 60
      TimeoutMinutes: 1`));
  }
  rules = (await scanSource(pantherAdapter, root, { repository: 'fixture/corr' })).rules;
});

async function run(events: unknown[], workers = 0): Promise<{ hits: Hit[]; summary: HuntSummary }> {
  const f = path.join(root, `events-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(f, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const hits: Hit[] = [];
  const summary = await hunt(new HuntEngine(rules), [f], { onHit: (h) => hits.push(h), workers });
  return { hits, summary };
}
const of = (hits: Hit[], id: string) => hits.filter((h) => h.rule.nativeId === id).map((h) => `${h.type} ${h.group ?? ''} ${h.count ?? ''} @${h.pos.line}`.trim());

describe('correlations in a hunt', () => {
  it('fire on each value of the keys their rules matched on within the window, at the last match', async () => {
    const { hits } = await run([
      event('CreateUser', '2024-06-01T10:00:00Z', { requestParameters: { userName: 'bob' } }),
      event('CreateUser', '2024-06-01T10:05:00Z', { requestParameters: { userName: 'eve' } }),
      event('AttachUserPolicy', '2024-06-01T10:20:00Z', { requestParameters: { userName: 'bob' } }),
      event('AttachUserPolicy', '2024-06-01T12:00:00Z', { requestParameters: { userName: 'eve' } }),
    ]);
    assert.deepEqual(of(hits, 'T.CreateThenAttach'), ['aggregate user = bob 2 @3']);
  });
  it('an absent rule matching the same value keeps the correlation from firing', async () => {
    const { hits } = await run([
      event('CreateUser', '2024-06-01T10:00:00Z', { requestParameters: { userName: 'bob' } }),
      event('CreateUser', '2024-06-01T10:00:00Z', { requestParameters: { userName: 'eve' } }),
      event('EnableMFADevice', '2024-06-01T10:10:00Z', { requestParameters: { userName: 'bob' } }),
    ]);
    assert.deepEqual(of(hits, 'T.CreateWithoutMfa'), ['aggregate user = eve 1 @2']);
  });
  it('a key from the alert context may fire, with the reason; a correlation of rules not loaded is named', async () => {
    const { hits, summary } = await run([
      event('CreateUser', '2024-06-01T10:00:00Z', { requestParameters: { userName: 'bob' } }),
      event('AttachUserPolicy', '2024-06-01T10:20:00Z', { requestParameters: { userName: 'bob' } }),
    ]);
    const ctx = hits.filter((h) => h.rule.nativeId === 'T.ByContext');
    assert.deepEqual(ctx.map((h) => h.type), ['may_fire']);
    assert.match(ctx[0]!.dependsOn![0]!, /p_alert_context\.user: the alert context T\.CreateUser computes/);
    assert.deepEqual(summary.correlationsNotRun, [{ id: 'panther/elsewhere', why: 'correlated rule not run in this hunt: T.NotInThisRepository' }]);
    const tally = summary.byRule.find((t) => t.rule.nativeId === 'T.CreateThenAttach');
    assert.equal(tally?.hits, 1);
  });
  it("an alert context key that is an event field on every path of the rule's alert_context() is read from the event", async () => {
    const { hits } = await run([
      event('CreateUser', '2024-06-01T10:00:00Z', { requestParameters: { userName: 'bob' } }),
      event('AttachUserPolicy', '2024-06-01T10:20:00Z', { requestParameters: { userName: 'bob' } }),
    ]);
    assert.deepEqual(of(hits, 'T.ByPyContext'), ['aggregate user = bob 2 @2']);
    const outputs = (id: string) => rules.find((r) => r.nativeId === id)!.logic.outputFields.map((o) => [o.name, o.field, o.nullAsMissing]);
    assert.deepEqual(outputs('T.CreatePy'), [['user', 'requestParameters.userName', undefined], ['region', 'awsRegion', undefined]]);
    assert.deepEqual(outputs('T.CreatePy2'), [['user', undefined, undefined]]);
    const withDefault = rules.find((r) => r.nativeId === 'T.CreatePy3')!.logic.outputFields[0]!;
    assert.deepEqual([withDefault.field, withDefault.fieldDefault, withDefault.nullAsMissing], ['requestParameters.userName', '<none>', true]);
    const other = hits.filter((h) => h.rule.nativeId === 'T.ByPyContext2');
    assert.deepEqual(other.map((h) => h.type), ['may_fire']);
    assert.match(other[0]!.dependsOn![0]!, /p_alert_context\.user: the alert context T\.CreatePy2 computes/);
  });
  it('a list of values matches by each element; the same alerts with worker threads', async () => {
    const events = [
      event('CreateUser', '2024-06-01T10:00:00Z', { requestParameters: { userName: ['ann', 'bob'] } }),
      event('AttachUserPolicy', '2024-06-01T10:20:00Z', { requestParameters: { userName: 'bob' } }),
    ];
    const one = await run(events);
    assert.deepEqual(of(one.hits, 'T.CreateThenAttach'), ['aggregate user = bob 2 @2']);
    const two = await run(events, 2);
    assert.deepEqual(of(two.hits, 'T.CreateThenAttach'), of(one.hits, 'T.CreateThenAttach'));
  });
});
