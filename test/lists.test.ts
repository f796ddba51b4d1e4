/**
 * Named lists (MQL `$org_domains`, Sigma `|expand` placeholders): the lowerings keep what a list's test is, `bindLists` decides it with values given,
 * `readNamedLists` reads them from files and folders, and `detwiki hunt --lists` / `detwiki eval --lists` use them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildCatalog } from '../src/catalog/build.ts';
import { Catalog } from '../src/catalog/query.ts';
import { DEFAULT_SOURCES } from '../src/catalog/sources.ts';
import { mqlAdapter, parseMqlText } from '../src/formats/mql/index.ts';
import { buildSigmaTexts } from '../src/formats/sigma/build.ts';
import { resolveSigmaField } from '../src/formats/sigma/resolve.ts';
import { readNamedLists } from '../src/hunt/lists.ts';
import { compile, EventView } from '../src/model/compile.ts';
import { evaluate, resolveDotted, verdict } from '../src/model/evaluate.ts';
import { leaves, pred, type Opaque } from '../src/model/expr.ts';
import { bindAll, bindLists, listName, listsTested } from '../src/model/lists.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { renderRule, ruleData } from '../src/web/pages/rule.ts';
import { SERVER } from '../src/web/site.ts';
import { tempDir } from './helpers/tempDir.ts';

const SRC = { repository: 'fixtures/mql' };
const BIN = path.resolve('bin/detwiki.js');

function rule(source: string): RuleRecord {
  const text = `name: "lists"\ntype: "rule"\nseverity: "high"\nsource: |\n${source
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;
  const res = parseMqlText('detection-rules/lists.yml', text, SRC);
  assert.equal(res.rules.length, 1);
  return res.rules[0]!;
}

const opaques = (r: RuleRecord): Opaque[] => leaves(r.logic.condition!).filter((l): l is Opaque => l.kind === 'opaque');
const resolve = mqlAdapter.resolveField!;
const run = (r: RuleRecord, event: unknown) => verdict(r.logic.condition!, event, { resolve });

const msg = (domain: string | null, replyTo?: string) => ({
  type: { inbound: true },
  sender: { email: domain === null ? {} : { domain: { root_domain: domain } } },
  headers: { reply_to: replyTo === undefined ? [] : [{ email: { domain: { root_domain: replyTo } } }] },
});

describe('named lists: what the MQL lowering keeps', () => {
  it('a membership test of a list stays opaque (the rule partial) and says which test the list makes', () => {
    const r = rule('type.inbound and sender.email.domain.root_domain in $free_email_providers');
    assert.equal(r.logic.completeness, 'partial');
    const [o] = opaques(r);
    assert.equal(o!.list?.name, 'free_email_providers');
    assert.equal(o!.list?.pred.field, 'sender.email.domain.root_domain');
    assert.equal(o!.list?.pred.op, 'in');
    assert.deepEqual(o!.list?.pred.values, []);
    assert.equal(o!.list?.pred.opts?.cs, true);
    assert.equal(o!.list?.negated, undefined);
    assert.deepEqual(listsTested(r), ['free_email_providers']);
  });

  it('in~ is case-insensitive, not in is negated, and a test inside a loop keeps its element-relative field', () => {
    const r = rule('sender.email.domain.root_domain in~ $org_domains\nand sender.email.domain.root_domain not in $free_email_providers\nand any(headers.reply_to, .email.domain.root_domain in $free_email_providers)');
    const [ci, neg, inLoop] = opaques(r);
    assert.equal(ci!.list?.pred.opts?.cs, false);
    assert.equal(neg!.list?.negated, true);
    assert.equal(inLoop!.list?.pred.field, '.email.domain.root_domain');
    assert.deepEqual(listsTested(r), ['org_domains', 'free_email_providers']);
  });

  it('a loop over a list whose lambda is one test of the item is that test of the list’s values', () => {
    const r = rule('type.inbound and any($suspicious_subjects, strings.icontains(subject.subject, .))');
    const t = opaques(r)[0]!.list!;
    assert.equal(t.name, 'suspicious_subjects');
    assert.deepEqual([t.pred.field, t.pred.op, t.pred.opts?.cs, t.pred.values], ['subject.subject', 'contains', false, []]);
    const lists = new Map([['suspicious_subjects', ['urgent', 'invoice']]]);
    const b = bindLists(r, lists).rule;
    assert.equal(b.logic.completeness, 'complete');
    assert.equal(run(b, { type: { inbound: true }, subject: { subject: 'Your INVOICE is ready' } }), true);
    assert.equal(run(b, { type: { inbound: true }, subject: { subject: 'lunch' } }), false);
    // all(): every value; the item compared with a field (`. =~ f`)
    const all = bindLists(rule('all($words, strings.icontains(subject.subject, .))'), new Map([['words', ['pay', 'now']]])).rule;
    assert.equal(run(all, { subject: { subject: 'pay it now' } }), true);
    assert.equal(run(all, { subject: { subject: 'pay later' } }), false);
    const eq = bindLists(rule('any($names, . =~ sender.display_name)'), new Map([['names', ['Alice Smith']]])).rule;
    assert.equal(run(eq, { sender: { display_name: 'alice smith' } }), true);
  });

  it('a loop over a list of records tests a field of each (`.display_name` of `$org_vips`)', () => {
    const r = rule('type.inbound and any($org_vips, strings.icontains(sender.display_name, .display_name))');
    const t = opaques(r)[0]!.list!;
    assert.deepEqual([t.name, t.item, t.pred.field, t.pred.op, t.pred.opts?.cs], ['org_vips', 'display_name', 'sender.display_name', 'contains', false]);
    const vips = [{ display_name: 'Jane Doe', email: 'jane@corp.test' }, { display_name: 'John Roe' }, { email: 'no-name@corp.test' }];
    const b = bindLists(r, new Map([['org_vips', vips]]));
    assert.equal(b.rule.logic.completeness, 'complete');
    assert.equal(run(b.rule, { type: { inbound: true }, sender: { display_name: 'jane doe (CEO)' } }), true);
    assert.equal(run(b.rule, { type: { inbound: true }, sender: { display_name: 'Helpdesk' } }), false);
    // a list of plain values does not fit a test of a field of each record: the test stays unknown
    const plain = bindLists(r, new Map([['org_vips', ['Jane Doe']]]));
    assert.deepEqual([plain.bound, plain.unbound, plain.unfit], [[], [], ['org_vips']]);
    assert.equal(run(plain.rule, { type: { inbound: true }, sender: { display_name: 'Jane Doe' } }), 'unknown');
  });

  it('the item inside a text (strings.concat) is a template each value takes its place in, in a loop inside a loop too', () => {
    const r = rule('any(body.links, any($exts, strings.iends_with(..href_url.url, strings.concat(".", .))))');
    const t = opaques(r)[0]!.list!;
    assert.deepEqual([t.template, t.pred.field, t.pred.op], ['.%exts%', '.href_url.url', 'ends_with']);
    const b = bindLists(r, new Map([['exts', ['exe', 'scr']]])).rule;
    const links = (...urls: string[]) => ({ body: { links: urls.map((url) => ({ href_url: { url } })) } });
    assert.equal(run(b, links('https://x.test/a', 'https://x.test/setup.EXE')), true);
    assert.equal(run(b, links('https://x.test/notexe')), false);
  });

  it('a loop whose lambda is more than one test stays opaque without a test', () => {
    const r = rule('any($org_vips, 0 <= strings.ilevenshtein(sender.display_name, .display_name) < 4)');
    assert.equal(opaques(r)[0]!.list, undefined);
    assert.deepEqual(listsTested(r), []);
  });
});

describe('named lists: binding', () => {
  const lists = new Map([
    ['free_email_providers', ['gmail.com', 'outlook.com']],
    ['org_domains', ['Example.COM']],
  ]);

  it('decides the test on events, and a rule whose only missing parts were lists becomes complete', () => {
    const r = rule('type.inbound and sender.email.domain.root_domain in $free_email_providers');
    assert.equal(run(r, msg('gmail.com')), 'unknown');
    const b = bindLists(r, lists);
    assert.deepEqual(b.bound, ['free_email_providers']);
    assert.equal(b.rule.logic.completeness, 'complete');
    assert.deepEqual(b.rule.logic.missing, []);
    assert.equal(run(b.rule, msg('gmail.com')), true);
    assert.equal(run(b.rule, msg('Gmail.com')), false, '`in` is case-sensitive');
    assert.equal(run(b.rule, msg('corp.test')), false);
    // MQL's nulls: a missing field makes the test null, and a null rule does not match
    assert.equal(run(b.rule, msg(null)), false);
    assert.equal(r.logic.completeness, 'partial', 'the record given is not changed');
  });

  it('keeps each test’s case rule, negation and loop, and leaves lists not given unknown', () => {
    const r = rule('sender.email.domain.root_domain in~ $org_domains\nor (sender.email.domain.root_domain not in $free_email_providers and any(headers.reply_to, .email.domain.root_domain in $free_email_providers) and sender.email.domain.root_domain in $vip_domains)');
    const b = bindLists(r, lists);
    assert.deepEqual([...b.bound].sort(), ['free_email_providers', 'org_domains']);
    assert.deepEqual(b.unbound, ['vip_domains']);
    assert.equal(b.rule.logic.completeness, 'partial');
    assert.deepEqual(b.rule.logic.missing.map((m) => m.text), ['sender.email.domain.root_domain in $vip_domains']);
    assert.equal(run(b.rule, msg('EXAMPLE.com')), true, '`in~` folds case');
    // the other branch: sender not a freemail, reply-to a freemail, and the unknown VIP list
    assert.equal(run(b.rule, msg('corp.test', 'outlook.com')), 'unknown');
    assert.equal(run(b.rule, msg('corp.test', 'corp.test')), false);
    assert.equal(run(b.rule, msg('gmail.com', 'outlook.com')), false);
  });

  it('bindAll counts what was bound, what no rule tests, what was not given, and what it completed', () => {
    const rules = [rule('sender.email.domain.root_domain in $free_email_providers'), rule('sender.email.domain.root_domain in $tranco_1m and sender.email.domain.root_domain in $free_email_providers'), rule('type.inbound')];
    const { rules: out, report } = bindAll(rules, new Map([...lists, ['unused_list', ['x']]]));
    assert.equal(out[2], rules[2], 'a rule without list tests is the same record');
    assert.deepEqual(report.bound, [{ name: 'free_email_providers', rules: 2 }]);
    assert.deepEqual(report.unused, ['org_domains', 'unused_list']);
    assert.deepEqual(report.notGiven, [{ name: 'tranco_1m', rules: 1 }]);
    assert.deepEqual(report.unfit, []);
    assert.equal(report.completed, 1);
    // the rules testing one list share the values array their tests take (one set for all of them)
    const [a, b] = [out[0]!, out[1]!].map((x) => leaves(x.logic.condition!).find((l) => l.kind === 'pred' && l.field === 'sender.email.domain.root_domain' && l.op === 'in'));
    assert.ok(a && b && a.kind === 'pred' && b.kind === 'pred' && a.values === b.values);
  });

  it('a long list is one set lookup, with the same answers as value by value (case, ne, numbers, lists of values)', () => {
    const many = Array.from({ length: 50 }, (_, i) => `Site${i}.test`);
    const cases: [string, unknown][] = [['site7.test', true], ['SITE7.TEST', true], ['site70.test', false], ['', false]];
    for (const cs of [false, true]) {
      for (const op of ['in', 'eq', 'ne'] as const) {
        const long = pred('d', op, many, { cs, typing: 'loose' });
        for (const [v, _] of cases) {
          // the reference: the same test over the values one at a time (an `or` of single-value predicates)
          const oneByOne = many.map((m) => evaluate(pred('d', op === 'ne' ? 'eq' : op, [m], { cs, typing: 'loose' }), { d: v }));
          const any = oneByOne.includes(true);
          const want = op === 'ne' ? !any : any;
          assert.equal(evaluate(long, { d: v }), want, `${op} cs=${cs} ${v}`);
          assert.equal(compile(long)(new EventView({ d: v }, resolveDotted)), want, `compiled ${op} cs=${cs} ${v}`);
        }
      }
    }
    // not a string: value by value (a number equals a numeric string under loose typing)
    const nums = pred('n', 'in', Array.from({ length: 40 }, (_, i) => String(i)), { typing: 'loose' });
    assert.equal(evaluate(nums, { n: 7 }), true);
    assert.equal(evaluate(nums, { n: ['x', '7'] }), true);
    assert.equal(evaluate(nums, { n: 70 }), false);
  });

  it('list names may keep their sigil', () => {
    assert.equal(listName('$org_domains'), 'org_domains');
    assert.equal(listName('%Admins_Workstations%'), 'Admins_Workstations');
    assert.equal(listName(' org_domains '), 'org_domains');
  });
});

function sigmaRule(detection: string): RuleRecord {
  const text = `title: Placeholder\nid: 00000000-0000-4000-8000-000000000001\nstatus: test\nlogsource:\n    product: windows\n    service: security\ndetection:\n${detection}\nlevel: low\n`;
  const res = buildSigmaTexts({ 'rules-placeholder/p.yml': text }).results.get('rules-placeholder/p.yml')!;
  assert.equal(res.rules.length, 1);
  return res.rules[0]!;
}

describe('named lists: Sigma placeholders (|expand)', () => {
  const r = sigmaRule(`    selection:\n        EventID: 4624\n        WorkstationName|expand: '%Workstations%'\n    filter:\n        TargetUserName|contains|expand: '%admin_names%'\n    condition: selection and not filter`);
  const sigma = (x: RuleRecord, e: unknown) => verdict(x.logic.condition!, e, { resolve: resolveSigmaField });
  const ev = (ws: string, user: string) => ({ EventID: 4624, WorkstationName: ws, TargetUserName: user });

  it('a placeholder value keeps its test: a Sigma pattern with the position modifier’s wildcards around the list value', () => {
    const [ws, user] = opaques(r);
    assert.equal(ws!.list?.name, 'Workstations');
    assert.equal(ws!.list?.template, '%Workstations%');
    assert.equal(ws!.list?.pred.op, 'wildcard');
    assert.equal(user!.list?.template, '*%admin_names%*');
    assert.equal(r.logic.completeness, 'partial');
    assert.equal(sigma(r, ev('WS-01', 'bob')), 'unknown');
  });

  it('bound, each list value is a Sigma string: case-insensitive unless |cased, wildcards and escapes as Sigma reads them', () => {
    const b = bindLists(r, new Map([['Workstations', ['ws-*', 'KIOSK\\*']], ['admin_names', ['adm']]]));
    assert.equal(b.rule.logic.completeness, 'complete');
    assert.equal(sigma(b.rule, ev('WS-01', 'bob')), true);
    assert.equal(sigma(b.rule, ev('kiosk*', 'bob')), true, 'an escaped star is a star');
    assert.equal(sigma(b.rule, ev('KIOSK-1', 'bob')), false);
    assert.equal(sigma(b.rule, ev('WS-01', 'the_ADMin')), false, 'the filter holds: contains, any case');
    assert.equal(sigma(b.rule, ev('srv-01', 'bob')), false);
  });

  it('two placeholders in one value, or an encoding modifier, stay unknown without a test', () => {
    const two = sigmaRule(`    selection:\n        CommandLine|expand: '%a% %b%'\n    condition: selection`);
    assert.equal(opaques(two)[0]!.list, undefined);
    const enc = sigmaRule(`    selection:\n        CommandLine|base64|expand: '%a%'\n    condition: selection`);
    assert.equal(opaques(enc)[0]!.list, undefined);
  });
});

describe('named lists: files', () => {
  const dir = tempDir('detwiki-lists-');

  it('reads mappings (YAML, JSON), one-value-per-line files and folders, and merges a list given twice', () => {
    writeFileSync(path.join(dir, 'a.yml'), '$free_email_providers:\n  - gmail.com\n  - outlook.com\norg_domains: example.com\n');
    writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ free_email_providers: ['yahoo.com', 'gmail.com'], ports: [25, 587], org_vips: [{ display_name: 'Jane Doe', email: 'jane@corp.test' }] }));
    mkdirSync(path.join(dir, 'folder'));
    writeFileSync(path.join(dir, 'folder', 'vip_domains.txt'), '# VIPs\nceo.test\n\n  board.test  \r\n');
    const lists = readNamedLists([path.join(dir, 'a.yml'), path.join(dir, 'b.json'), path.join(dir, 'folder')]);
    assert.deepEqual(lists.get('free_email_providers'), ['gmail.com', 'outlook.com', 'yahoo.com']);
    assert.deepEqual(lists.get('org_domains'), ['example.com']);
    assert.deepEqual(lists.get('ports'), [25, 587]);
    assert.deepEqual(lists.get('org_vips'), [{ display_name: 'Jane Doe', email: 'jane@corp.test' }]);
    assert.deepEqual(lists.get('vip_domains'), ['ceo.test', 'board.test']);
  });

  it('says which file, list and value cannot be read', () => {
    writeFileSync(path.join(dir, 'bad.yml'), 'org_domains:\n  - [nested]\n');
    assert.throws(() => readNamedLists([path.join(dir, 'bad.yml')]), /bad\.yml: list "org_domains", value 1: .*not an array/);
    writeFileSync(path.join(dir, 'broken.yml'), 'org_domains: [a, b\nother: x\n');
    assert.throws(() => readNamedLists([path.join(dir, 'broken.yml')]), /broken\.yml:\d+/);
    writeFileSync(path.join(dir, 'top.json'), '["a"]');
    assert.throws(() => readNamedLists([path.join(dir, 'top.json')]), /top\.json: a lists file is a mapping/);
    assert.throws(() => readNamedLists([path.join(dir, 'none.yml')]), /no such lists file or folder/);
  });
});

describe('named lists: detwiki hunt and eval', () => {
  const dir = tempDir('detwiki-lists-cli-');
  const mirror = path.join(dir, 'mirror');
  const repo = path.join(mirror, 'sublime');
  // a sublime-rules checkout, as its marker folders tell
  mkdirSync(path.join(repo, 'detection-rules'), { recursive: true });
  mkdirSync(path.join(repo, 'insights'));
  const ruleFile = path.join(repo, 'detection-rules', 'freemail.yml');
  writeFileSync(ruleFile, 'name: "Freemail sender"\ntype: "rule"\nseverity: "medium"\nsource: |\n  type.inbound\n  and sender.email.domain.root_domain in $free_email_providers\n');
  const events = path.join(dir, 'messages.jsonl');
  writeFileSync(events, [msg('gmail.com'), msg('corp.test')].map((m) => JSON.stringify(m)).join('\n') + '\n');
  const listsFile = path.join(dir, 'lists.yml');
  writeFileSync(listsFile, 'free_email_providers: [gmail.com, outlook.com]\n');
  const cli = (args: string[]) => JSON.parse(execFileSync(process.execPath, [BIN, ...args], { encoding: 'utf8' })) as Record<string, unknown>;

  it('hunt: without the list the rule may fire on every message; with it, it fires on the freemail one only', () => {
    const without = cli(['hunt', events, '--rules', repo, '--logsource', 'email', '--json', '--workers', '0']) as { hits: { type: string; pos: { line: number } }[]; lists: { notGiven: unknown[] } };
    assert.deepEqual(without.hits.map((h) => [h.type, h.pos.line]), [['may_fire', 1], ['may_fire', 2]]);
    assert.deepEqual(without.lists.notGiven, [{ name: 'free_email_providers', rules: 1 }]);
    const withList = cli(['hunt', events, '--rules', repo, '--logsource', 'email', '--json', '--workers', '0', '--lists', listsFile]) as { hits: { type: string; pos: { line: number } }[]; lists: { bound: unknown[]; completed: number } };
    assert.deepEqual(withList.hits.map((h) => [h.type, h.pos.line]), [['hit', 1]]);
    assert.deepEqual(withList.lists.bound, [{ name: 'free_email_providers', rules: 1 }]);
    assert.equal(withList.lists.completed, 1);
  });

  it('hunt --engine duckdb and convert --to duckdb: the list’s values in the SQL', () => {
    const duck = cli(['hunt', events, '--rules', repo, '--logsource', 'email', '--json', '--engine', 'duckdb', '--lists', listsFile]) as { hits: { type: string; pos: { line: number } }[] };
    assert.deepEqual(duck.hits.map((h) => [h.type, h.pos.line]), [['hit', 1]]);
    const sql = execFileSync(process.execPath, [BIN, 'convert', ruleFile, '--to', 'duckdb', '--lists', listsFile], { encoding: 'utf8' });
    assert.match(sql, /-- list free_email_providers: values from --lists/);
    assert.match(sql, /'outlook\.com'/);
    const without = execFileSync(process.execPath, [BIN, 'convert', ruleFile, '--to', 'duckdb'], { encoding: 'utf8' });
    assert.match(without, /-- list free_email_providers: not given/);
    assert.doesNotMatch(without, /'outlook\.com'/);
    const records = path.join(dir, 'records.json');
    writeFileSync(records, JSON.stringify({ free_email_providers: [{ domain: 'gmail.com' }] }));
    const unfit = execFileSync(process.execPath, [BIN, 'convert', ruleFile, '--to', 'duckdb', '--lists', records], { encoding: 'utf8' });
    assert.match(unfit, /-- list free_email_providers: its values do not fit the test/);
  });

  it('the rule page names the lists the rule tests and how to give them', async () => {
    const out = path.join(dir, 'cat');
    await buildCatalog({ outDir: out, mirror, sources: [DEFAULT_SOURCES.find((d) => d.name === 'sublime')!], attack: path.join(dir, 'none.json'), workers: 0, progress: { start() {}, tick() {}, end() {} } });
    const cat = new Catalog(out);
    try {
      const page = renderRule(SERVER, ruleData(cat, 'mql/freemail')!);
      assert.match(page, /Named lists this rule tests: <code>free_email_providers<\/code>/);
      assert.match(page, /detwiki hunt --lists FILE/);
    } finally {
      cat.close();
    }
  });

  it('eval: the same rule, true and false with the list, unknown without it', () => {
    const without = cli(['eval', ruleFile, events, '--json']) as unknown as { completeness: string; results: unknown[] }[];
    assert.deepEqual(without[0]!.results, ['unknown', 'unknown']);
    const withList = cli(['eval', ruleFile, events, '--json', '--lists', listsFile]) as unknown as { completeness: string; results: unknown[] }[];
    assert.equal(withList[0]!.completeness, 'complete');
    assert.deepEqual(withList[0]!.results, [true, false]);
  });
});
