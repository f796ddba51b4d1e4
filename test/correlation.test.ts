/**
 * Correlations of rules' matches (`Aggregation.correlation`, Panther correlation rules), evaluated over the matches
 * a test gives (`correlationInputOfTest`, `evaluateCorrelation`): windows, match counts, absent members, keys,
 * sequences and their transitions, and what stays unknown.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lowerCorrelation } from '../src/formats/panther/correlation.ts';
import { parseYamlSpec } from '../src/formats/panther/yamlDoc.ts';
import { correlationInputOfTest, correlationLines, evaluateCorrelation } from '../src/model/correlation.ts';
import type { CorrelationMember, RuleCorrelation } from '../src/model/rule.ts';

const member = (id: string, keys: (string | null)[], extra: Partial<CorrelationMember> = {}): CorrelationMember => ({ id, rule: `Rule.${id}`, minMatches: 1, absent: false, keys, ...extra });
/** A test's outputs: member → field → value → times. */
type Outputs = Record<string, Record<string, Record<string, (number | string)[]>>>;
const outputs = (o: Outputs) => Object.entries(o).map(([ID, Matches]) => ({ ID, Matches }));
const run = (c: RuleCorrelation, o: Outputs) => {
  const input = correlationInputOfTest(c, outputs(o));
  assert.ok(input);
  return evaluateCorrelation(c, input).truth;
};

const group: RuleCorrelation = {
  mode: 'group',
  members: [member('Fails', ['user'], { minMatches: 3 }), member('Login', ['actor'])],
  criteria: ['who'],
  windowMinutes: 30,
};

describe('group correlations', () => {
  test('every member, enough matches, one key, inside the window, in any order', () => {
    assert.equal(run(group, { Fails: { user: { bob: [0, 1, 2] } }, Login: { actor: { bob: [3] } } }), true);
    assert.equal(run(group, { Login: { actor: { bob: [0] } }, Fails: { user: { bob: [1, 2, 3] } } }), true);
  });
  test('too few matches, another key, a member missing, outside the window: false', () => {
    assert.equal(run(group, { Fails: { user: { bob: [0, 1] } }, Login: { actor: { bob: [3] } } }), false);
    assert.equal(run(group, { Fails: { user: { bob: [0, 1, 2] } }, Login: { actor: { eve: [3] } } }), false);
    assert.equal(run(group, { Fails: { user: { bob: [0, 1, 2] } } }), false);
    assert.equal(run(group, { Fails: { user: { bob: [0, 1, 2] } }, Login: { actor: { bob: [40] } } }), false);
    // the three failures must fit in one window with the login
    assert.equal(run(group, { Fails: { user: { bob: [0, 20, 40] } }, Login: { actor: { bob: [41] } } }), false);
  });
  test('one key correlating is enough; timestamps are read as times', () => {
    assert.equal(run(group, { Fails: { user: { bob: [0, 1, 2], eve: [0] } }, Login: { actor: { eve: [1], bob: [5] } } }), true);
    assert.equal(run(group, { Fails: { user: { bob: ['2024-06-01T10:00:00Z', '2024-06-01T10:10:00Z', '2024-06-01T10:20:00Z'] } }, Login: { actor: { bob: ['2024-06-01T10:29:00Z'] } } }), true);
    assert.equal(run(group, { Fails: { user: { bob: ['2024-06-01T10:00:00Z', '2024-06-01T10:10:00Z', '2024-06-01T10:20:00Z'] } }, Login: { actor: { bob: ['2024-06-01T10:31:00Z'] } } }), false);
  });
  const absence: RuleCorrelation = { mode: 'group', members: [member('Sso', ['actor'], { absent: true }), member('Console', ['userName'])], criteria: ['user'], windowMinutes: 30 };
  test('an absent member: its match with the same key near the others suppresses, before or after them', () => {
    assert.equal(run(absence, { Console: { userName: { igor: [2] } } }), true);
    assert.equal(run(absence, { Sso: { actor: { igor: [0] } }, Console: { userName: { igor: [2] } } }), false);
    assert.equal(run(absence, { Console: { userName: { igor: [0] } }, Sso: { actor: { igor: [2] } } }), false);
    assert.equal(run(absence, { Sso: { actor: { sam: [0] } }, Console: { userName: { igor: [2] } } }), true);
    assert.equal(run(absence, { Sso: { actor: { igor: [0] } }, Console: { userName: { igor: [100] } } }), true);
  });
  test('without match criteria every match correlates', () => {
    const c: RuleCorrelation = { mode: 'group', members: [member('Quarantined', [], { absent: true }), member('Found', [])], criteria: [], windowMinutes: 30 };
    assert.equal(run(c, { Found: { any: { x: [0] } } }), true);
    assert.equal(run(c, { Found: { any: { x: [10] } }, Quarantined: { other: { y: [0] } } }), false);
  });
});

describe('sequence correlations', () => {
  const seq: RuleCorrelation = {
    mode: 'sequence',
    members: [member('Fails', ['user'], { minMatches: 2 }), member('Login', ['user']), member('Mfa', ['user'], { absent: true }), member('Export', ['user'])],
    criteria: ['On user'],
    windowMinutes: 60,
    transitions: [{ from: 'Login', to: 'Export', withinMinutes: 10, on: [{ from: 'user', to: 'user' }] }],
  };
  test('steps in order, within the transition and the window', () => {
    assert.equal(run(seq, { Fails: { user: { bob: [0, 1] } }, Login: { user: { bob: [2] } }, Export: { user: { bob: [5] } } }), true);
  });
  test('out of order, a transition too slow, an absent step between, too few of a step: false', () => {
    assert.equal(run(seq, { Fails: { user: { bob: [0, 3] } }, Login: { user: { bob: [2] } }, Export: { user: { bob: [5] } } }), false);
    assert.equal(run(seq, { Fails: { user: { bob: [0, 1] } }, Login: { user: { bob: [2] } }, Export: { user: { bob: [20] } } }), false);
    assert.equal(run(seq, { Fails: { user: { bob: [0, 1] } }, Login: { user: { bob: [2] } }, Mfa: { user: { bob: [3] } }, Export: { user: { bob: [5] } } }), false);
    assert.equal(run(seq, { Fails: { user: { bob: [0] } }, Login: { user: { bob: [2] } }, Export: { user: { bob: [5] } } }), false);
  });
  test('an absent step outside the steps around it does not suppress', () => {
    assert.equal(run(seq, { Fails: { user: { bob: [0, 1] } }, Mfa: { user: { bob: [0] } }, Login: { user: { bob: [2] } }, Export: { user: { bob: [5] } } }), true);
    assert.equal(run(seq, { Fails: { user: { bob: [0, 1] } }, Login: { user: { bob: [2] } }, Mfa: { user: { eve: [3] } }, Export: { user: { bob: [5] } } }), true);
  });
});

describe('what stays unknown', () => {
  test('a time that cannot be read, or a field the member does not match on, where it matters', () => {
    assert.equal(run(group, { Fails: { user: { bob: [0, 1, 2] } }, Login: { actor: { bob: ['yesterday'] } } }), 'unknown');
    assert.equal(run(group, { Fails: { user: { bob: [0, 1, 2] } }, Login: { other: { bob: [3] } } }), 'unknown');
    // decided true whatever the unreadable match is
    assert.equal(run(group, { Fails: { user: { bob: [0, 1, 2] } }, Login: { actor: { bob: [3, 'soon'] } } }), true);
  });
  test('parts of the rule not read make it unknown; outputs naming no member are not read', () => {
    const c: RuleCorrelation = { ...group, unread: ['2 Detection entries'] };
    assert.equal(run(c, { Fails: { user: { bob: [0, 1, 2] } }, Login: { actor: { bob: [3] } } }), 'unknown');
    assert.equal(correlationInputOfTest(group, [{ ID: 'Nobody', Matches: {} }]), undefined);
    assert.equal(correlationInputOfTest(group, { ID: 'Fails' }), undefined);
  });
});

/** The correlation a Panther `Detection` (YAML text, indented as under `Detection:`) lowers to. */
const lowered = (detection: string): RuleCorrelation => {
  const parsed = parseYamlSpec(`AnalysisType: correlation_rule\nRuleID: X\nDetection:\n${detection}`);
  assert.ok(parsed.ok);
  const c = lowerCorrelation(parsed.spec, 'x.yml').aggregation?.correlation;
  assert.ok(c);
  return c;
};

describe('Panther correlation rules as the model states them', () => {
  test('a transition pairing two fields (From / To), its bound; the default lookback of 15 minutes', () => {
    const c = lowered(`  - Sequence:
      - ID: Reset
        RuleID: R.Reset
      - ID: Login
        RuleID: R.Login
    Transitions:
      - ID: reset then login
        From: Reset
        To: Login
        WithinTimeFrameMinutes: 5
        Match:
          - From: target.user
            To: actor.user
    Schedule:
      RateMinutes: 5
      TimeoutMinutes: 1
`);
    assert.equal(c.windowMinutes, 15);
    assert.deepEqual(c.criteria, ['Reset.target.user = Login.actor.user']);
    assert.deepEqual(c.members.map((m) => m.keys), [['target.user'], ['actor.user']]);
    assert.equal(c.unread, undefined);
    assert.deepEqual(correlationLines(c), [
      'Sequence (in this order) within 15 minutes:',
      '1. Reset (rule R.Reset): at least one match',
      '2. Login (rule R.Login): at least one match',
      'equal values: Reset.target.user = Login.actor.user',
      'Reset → Login within 5 minutes',
    ]);
    assert.equal(run(c, { Reset: { 'target.user': { bob: [0] } }, Login: { 'actor.user': { bob: [4] } } }), true);
    assert.equal(run(c, { Reset: { 'target.user': { bob: [0] } }, Login: { 'actor.user': { bob: [6] } } }), false);
    assert.equal(run(c, { Reset: { 'target.user': { bob: [0] } }, Login: { 'actor.user': { eve: [4] } } }), false);
  });
  test("a group's own MinMatchCount: that many of its members are enough", () => {
    const c = lowered(`  - Group:
      - ID: A
        RuleID: R.A
      - ID: B
        RuleID: R.B
      - ID: C
        RuleID: R.C
    MinMatchCount: 2
    LookbackWindowMinutes: 60
    Schedule:
      RateMinutes: 30
      TimeoutMinutes: 1
`);
    assert.equal(c.minMembers, 2);
    assert.equal(run(c, { A: { k: { x: [0] } }, C: { k: { x: [10] } } }), true);
    assert.equal(run(c, { A: { k: { x: [0] } } }), false);
  });
  test('a transition that skips a step is not read', () => {
    const c = lowered(`  - Sequence:
      - ID: A
        RuleID: R.A
      - ID: B
        RuleID: R.B
      - ID: C
        RuleID: R.C
    Transitions:
      - ID: a to c
        From: A
        To: C
        WithinTimeFrameMinutes: 5
`);
    assert.deepEqual(c.unread, ['the transition A → C does not join neighbouring steps']);
  });
  test('what is not read is listed: several entries, an unknown key, MaxMatchCount', () => {
    const c = lowered(`  - Group:
      - ID: A
        RuleID: R.A
        MaxMatchCount: 3
      - ID: B
        RuleID: R.B
    Threshold: 4
  - Group:
      - ID: C
        RuleID: R.C
`);
    assert.deepEqual(c.unread, ['2 Detection entries', 'Detection key Threshold', 'MaxMatchCount (its meaning is not documented)']);
    assert.equal(run(c, { A: { k: { x: [0] } }, B: { k: { x: [0] } } }), 'unknown');
  });
  test('absent first and last steps of a sequence are bounded by their transitions', () => {
    const c = lowered(`  - Sequence:
      - ID: Sso
        RuleID: R.Sso
        Absence: true
      - ID: Console
        RuleID: R.Console
      - ID: Push
        RuleID: R.Push
        Absence: true
    Transitions:
      - ID: no sso before
        From: Sso
        To: Console
        WithinTimeFrameMinutes: 10
        Match:
          - On: user
      - ID: no push after
        From: Console
        To: Push
        WithinTimeFrameMinutes: 20
        Match:
          - On: user
    LookbackWindowMinutes: 120
    Schedule:
      RateMinutes: 60
      TimeoutMinutes: 1
`);
    assert.equal(run(c, { Console: { user: { bob: [50] } } }), true);
    assert.equal(run(c, { Sso: { user: { bob: [45] } }, Console: { user: { bob: [50] } } }), false);
    assert.equal(run(c, { Sso: { user: { bob: [30] } }, Console: { user: { bob: [50] } } }), true);
    assert.equal(run(c, { Console: { user: { bob: [50] } }, Push: { user: { bob: [60] } } }), false);
    assert.equal(run(c, { Console: { user: { bob: [50] } }, Push: { user: { bob: [80] } } }), true);
    assert.equal(run(c, { Console: { user: { bob: [50] } }, Push: { user: { eve: [60] } } }), true);
  });
});
