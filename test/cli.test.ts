/**
 * The `detwiki` CLI as a user runs it (a child process), on the project's own fixture repository
 * (test/fixtures/cli/repo: a seed-like Python rule through a helper, a complete rule with one wrong test on purpose,
 * and a malformed spec); `detwiki hunt` over the Sigma regression data of ../shared (skipped without it).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { listSource } from '../src/formats/io.ts';
import { readRegressionData } from '../src/formats/sigma/regression.ts';
import { fixture, SHARED, SHARED_PRESENT } from './helpers/golden.ts';
import { elasticDetection } from './huntThreeWays.ts';
import { tempDir } from './helpers/tempDir.ts';

const BIN = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'bin', 'detwiki.js');
const REPO = fixture('cli', 'repo');
const ATTACK = fixture('attack', 'mini-enterprise.json');

function detwiki(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, DETWIKI_ATTACK: '', DETWIKI_CACHE: '/nonexistent-detwiki-cache' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('detwiki scan', () => {
  it('accounts for every file and reports the malformed spec with file:line', () => {
    const r = detwiki('scan', REPO, '--format', 'panther', '--json', '--files');
    assert.equal(r.code, 0, r.err);
    const rep = JSON.parse(r.out);
    assert.deepEqual(rep.files, { parsed: 2, support: 4, skipped: 0, error: 1 });
    const broken = rep.fileResults.find((f: { path: string }) => f.path === 'rules/broken.yml');
    assert.equal(broken.outcome, 'error');
    assert.equal(broken.diagnostics[0].code, 'GEN003');
    assert.equal(broken.diagnostics[0].line, 3);
  });
  it('--strict fails when a rule file failed to parse', () => {
    assert.equal(detwiki('scan', REPO, '--format', 'panther', '--strict', '--json').code, 1);
  });
  it('unknown format is a usage error', () => {
    assert.equal(detwiki('scan', REPO, '--format', 'cobol').code, 2);
  });
  it('a folder where a rule file is wanted is said to be one (eval, show), not "no such file"', () => {
    const e = detwiki('eval', path.join(REPO, 'rules'), path.join(REPO, 'rules', 'login_from_root.yml'));
    assert.equal(e.code, 2);
    assert.match(e.err, /not a rule file: .*rules is a folder/);
    const s = detwiki('show', path.join(REPO, 'rules'));
    assert.equal(s.code, 2);
    assert.match(s.err, /not a rule file: .*rules is a folder/);
    // a relative folder reads as a rule id (`sigma/rules`): not in the catalog, and said to be a folder
    const catalog = tempDir('detwiki-cli-show-');
    assert.equal(detwiki('build', '--examples', '--out', catalog).code, 0);
    const rel = spawnSync(process.execPath, [BIN, 'show', 'rules', '--out', catalog], { cwd: REPO, encoding: 'utf8', env: { ...process.env, DETWIKI_ATTACK: '' } });
    assert.equal(rel.status, 1);
    assert.match(rel.stderr, /no rule 'rules' in the catalog .*; rules is a folder here: show reads one rule file\)/);
  });
  it('--format decides the language of one rule file without --repo too (eval, show, test), checked', () => {
    const file = path.join(REPO, 'rules', 'login_from_root.yml');
    // read as Sigma, the Panther rule holds no rule: said with the Sigma diagnostic (it was read as Panther regardless)
    const e = detwiki('eval', file, '-', '--format', 'sigma');
    assert.equal(e.code, 2);
    assert.match(e.err, /holds no rule .*\n.*SIG002/);
    for (const cmd of ['show', 'test']) assert.match(detwiki(cmd, file, '--format', 'sigma').err, /SIG002/, cmd);
    const bad = detwiki('eval', file, '-', '--format', 'sigam');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /unknown format 'sigam' \(one of panther, sigma, /);
    assert.match(detwiki('scan', REPO, '--format', 'COBOL').err, /--format: unknown format 'COBOL' \(one of panther, /);
    const show = detwiki('show', file, '--format', 'Panther');
    assert.equal(show.code, 0, show.err);
    // the missing-bundle note once, its reason not said twice
    assert.equal(show.err.match(/technique ids are shown without names/g)?.length, 1, show.err);
  });
  it('convert of a file that holds no rule says where to learn why, not "no rule" as if it were an id', () => {
    const broken = path.join(REPO, 'rules', 'broken.yml');
    const r = detwiki('convert', broken, '--to', 'duckdb');
    assert.equal(r.code, 2);
    assert.match(r.err, /broken\.yml holds no rule this command reads \(`detwiki show .*broken\.yml` says why\)/);
    // an id without a catalog: what convert can do instead (it has no --rules)
    const id = detwiki('convert', 'mql/no_such_rule', '--to', 'duckdb', '--catalog', path.join(os.tmpdir(), 'detwiki-no-such-catalog'));
    assert.equal(id.code, 2);
    assert.match(id.err, /no catalog at .*: run `detwiki build` or give a rule file instead of an id/);
  });
  it('convert --events: a file missing here is a note (the SQL may run elsewhere); --events for a dialect that reads a table is a usage error', () => {
    const file = path.join(REPO, 'rules', 'login_from_root.yml');
    const missing = path.join(os.tmpdir(), 'detwiki-no-such-events.jsonl');
    const duck = detwiki('convert', file, '--to', 'duckdb', '--events', missing);
    assert.equal(duck.code, 0, duck.err);
    assert.match(duck.out, /read_json_objects\('[^']*detwiki-no-such-events\.jsonl'/);
    assert.match(duck.err, /note: .*detwiki-no-such-events\.jsonl does not exist here; the SQL reads it where it runs/);
    assert.equal(detwiki('convert', file, '--to', 'duckdb', '--events', file).err, '');
    const ch = detwiki('convert', file, '--to', 'clickhouse', '--events', missing);
    assert.equal(ch.code, 2);
    assert.equal(ch.out, '');
    assert.match(ch.err, /--events names the file DuckDB's SQL reads; the clickhouse SQL reads a table `events`/);
  });
  it('a file where a repository folder is wanted is a usage error, not a scan of no file', () => {
    const r = detwiki('scan', path.join(REPO, 'rules', 'login_from_root.yml'));
    assert.equal(r.code, 2);
    assert.match(r.err, /not a folder: .*login_from_root\.yml \(a repository folder is wanted here/);
  });
});

describe('coverage --rules: the ATT&CK matrix of one\'s own rule folders, without a catalog of them', () => {
  it('reads each folder in the language it tells, resolves ATT&CK (revoked ids too), and says what it read', () => {
    const tmp = tempDir('detwiki-cov-rules-');
    const dir = path.join(tmp, 'team-rules');
    mkdirSync(dir);
    const rule = (title: string, tags: string) => `title: ${title}\n${tags}logsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: x.exe\n  condition: sel\n`;
    writeFileSync(path.join(dir, 'a.yml'), rule('Sub-technique', 'tags:\n  - attack.t9001.001\n'));
    // T9002 is revoked in the fixture bundle, replaced by T9003, itself replaced by T9004
    writeFileSync(path.join(dir, 'b.yml'), rule('Revoked id', 'tags:\n  - attack.t9002\n'));
    writeFileSync(path.join(dir, 'c.yml'), rule('No mapping', ''));
    writeFileSync(path.join(dir, 'd.yml'), 'title: Broken\ndetection:\n  sel: [unclosed\n');
    writeFileSync(path.join(dir, 'notes.yml'), 'owner: soc\n');
    writeFileSync(path.join(dir, 'e.yml'), `status: deprecated\n${rule('Retired', 'tags:\n  - attack.t9005\n')}`);
    const attack = path.join(import.meta.dirname, 'fixtures', 'attack', 'mini-enterprise.json');
    const temps = () => readdirSync(os.tmpdir()).filter((f) => f.startsWith('detwiki-coverage-')).sort();
    const before = temps();
    const r = detwiki('coverage', '--rules', dir, '--attack', attack, '--json');
    assert.equal(r.code, 0, r.err);
    const m = JSON.parse(r.out) as { rules: number; tactics: { techniques: { id: string; count: number; subs: { id: string; count: number }[] }[] }[] };
    assert.equal(m.rules, 2);
    const counts = new Map<string, number>();
    for (const t of m.tactics) for (const q of t.techniques) for (const x of [q, ...q.subs]) if (x.count) counts.set(x.id, x.count);
    assert.equal(counts.get('T9001.001'), 1);
    assert.equal(counts.get('T9004'), 1, 'the revoked id is counted under what replaced it');
    assert.match(r.err, /detwiki coverage: .*team-rules: sigma, 4 rule\(s\) from 6 file\(s\) \(skipped 1\); errors in 1 file\(s\): `detwiki scan .*team-rules` lists them/);
    // the temporary catalog is gone, and with it only the link to the folder: the rules are where they were
    assert.deepEqual(temps(), before);
    assert.deepEqual(readdirSync(dir).sort(), ['a.yml', 'b.yml', 'c.yml', 'd.yml', 'e.yml', 'notes.yml']);
    const text = detwiki('coverage', '--rules', dir, '--attack', attack);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /^ATT&CK Enterprise v[\d.]+: 2 rules mapped \(detections and correlations\)\nalso mapped, not counted here: 1 deprecated \(--kind K counts one kind\)\n/);
    const nav = detwiki('coverage', '--rules', dir, '--attack', attack, '--navigator');
    const layer = JSON.parse(nav.out) as { techniques: unknown[]; description: string };
    assert.ok(layer.techniques.length >= 2);
    assert.match(layer.description, /^Rules per technique \(detections and correlations\) from the rules in .*team-rules\.$/);
    // what it cannot read is a usage error, and a catalog's ATT&CK is not given again
    assert.match(detwiki('coverage', '--rules', path.join(tmp, 'nope')).err, /--rules: no such folder: /);
    assert.match(detwiki('coverage', '--rules', path.join(dir, 'a.yml')).err, /--rules: not a folder: /);
    const empty = path.join(tmp, 'empty');
    mkdirSync(empty);
    assert.match(detwiki('coverage', '--rules', empty).err, /--rules: the files in .*empty do not tell their language/);
    assert.equal(detwiki('coverage', '--attack', attack).code, 2);
    assert.equal(detwiki('coverage', '--rules', dir, '--out', tmp).code, 2);
  });
});

describe('commands that take options only', () => {
  it('a bare argument is a usage error naming the option it was likely meant for, not an argument dropped', () => {
    // `detwiki build ../corpora` built the project's examples and said so only among its lines; `serve catalog`
    // served the default catalog; none of these may start anything
    for (const [cmd, flag] of [['build', 'mirror'], ['start', 'mirror'], ['sync', 'mirror'], ['serve', 'out'], ['coverage', 'out']] as const) {
      const r = detwiki(cmd, 'some/folder');
      assert.equal(r.code, 2, `${cmd}: ${r.err}`);
      assert.equal(r.err.trim(), `detwiki: unexpected argument 'some/folder': \`detwiki ${cmd}\` takes options only (did you mean --${flag} some/folder?)`);
      assert.equal(r.out, '', cmd);
    }
    const two = detwiki('build', 'a', 'b');
    assert.equal(two.code, 2);
    assert.match(two.err, /unexpected argument 'a': `detwiki build` takes options only$/m);
  });
  it('a build that falls back to the examples (nothing synced, no mirror) builds the examples of --sources only', () => {
    const cat = tempDir('detwiki-cli-examples-');
    const r = detwiki('build', '--out', cat, '--sources', 'sigma,splunk', '--json');
    assert.equal(r.code, 0, r.err);
    const rep = JSON.parse(r.out);
    assert.equal(rep.examplesFallback, true);
    assert.deepEqual(rep.sources.map((s: { name: string }) => s.name), ['sigma', 'splunk']);
  });
  it('sync --mirror of a folder that is not there is a usage error, not every source "missing"', () => {
    const cache = tempDir('detwiki-cli-sync-');
    const r = detwiki('sync', '--mirror', path.join(cache, 'no-such-mirror'), '--cache', cache);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /no such mirror folder: .*no-such-mirror/);
  });
});

describe('detwiki search and coverage', () => {
  it('an unknown --format or --kind is a usage error naming the known words, not an empty answer', () => {
    for (const cmd of ['search', 'coverage']) {
      const words = cmd === 'search' ? ['StopLogging'] : [];
      const f = detwiki(cmd, ...words, '--format', 'sigam');
      assert.equal(f.code, 2, cmd);
      assert.match(f.err, /--format: unknown format 'sigam' \(one of panther, sigma, /);
      const k = detwiki(cmd, ...words, '--kind', 'detections');
      assert.equal(k.code, 2, cmd);
      assert.match(k.err, /--kind: unknown kind 'detections' \(one of /);
      // a word in another case is that word
      // (no catalog here: past the words, the command stops at the catalog)
      const cased = detwiki(cmd, ...words, '--format', 'Sigma', '--kind', 'DETECTION');
      assert.notEqual(cased.code, 2, cmd);
      assert.match(cased.err, /catalog/, cmd);
      const two = detwiki(cmd, ...words, '--format', 'sigma,kusto');
      assert.equal(two.code, 2, cmd);
      assert.match(two.err, /one format only/);
    }
  });
  it('a count option that is not a whole number is a usage error (compare and show --body-lines), not a page cut oddly', () => {
    const cat = tempDir('detwiki-cli-count-');
    assert.equal(detwiki('build', '--examples', '--out', cat).code, 0);
    const [a, b] = ['panther/aws_cloudtrail_stop_logging', 'sigma/aws_cloudtrail_stop_logging'];
    for (const bad of ['abc', '-5', '2.5', '']) {
      const c = detwiki('compare', a, b, '--out', cat, `--body-lines=${bad}`);
      assert.equal(c.code, 2, `compare ${bad}: ${c.err}`);
      assert.match(c.err, /--body-lines must be a whole number from 0 on/);
      assert.equal(detwiki('show', a, '--out', cat, `--body-lines=${bad}`).code, 2, `show ${bad}`);
    }
    const none = detwiki('compare', a, b, '--out', cat, '--body-lines', '0');
    assert.equal(none.code, 0, none.err);
    assert.match(none.out, /… \d+ more line\(s\) \(--body-lines N\)/);
    assert.match(detwiki('show', a, '--out', cat, '--body-lines', '1').out, /… \(\d+ more lines\)/);
    // this catalog was built without ATT&CK: that is what show says, not to pass a bundle now
    const noBundle = detwiki('show', a, '--out', cat);
    assert.match(noBundle.err, /the catalog was built without an ATT&CK bundle: technique ids are shown without names \(`detwiki build --attack FILE` resolves them\)/);
    assert.doesNotMatch(noBundle.err, /pass --attack/);
    // search pages: --limit a page, --page which; the text says which results it shows and how to see the next
    const first = detwiki('search', 'cloudtrail', '--out', cat, '--limit', '1');
    assert.equal(first.code, 0, first.err);
    const total = Number(/^(\d+) result\(s\)/.exec(first.out)![1]);
    assert.ok(total >= 2, first.out);
    assert.match(first.out, new RegExp(`\nshowing 1–1 of ${total} \\(--page 2 for the next 1\\)\n$`));
    const second = JSON.parse(detwiki('search', 'cloudtrail', '--out', cat, '--limit', '1', '--page', '2', '--json').out);
    assert.deepEqual([second.page, second.pageSize, second.rules.length], [2, 1, 1]);
    assert.notEqual(second.rules[0].id, JSON.parse(detwiki('search', 'cloudtrail', '--out', cat, '--limit', '1', '--json').out).rules[0].id);
    assert.match(detwiki('search', 'cloudtrail', '--out', cat, '--page', '99').out, /page 99 is past the last result \(--page 1 to 1\)/);
    for (const bad of [['--limit', '501'], ['--limit', '0'], ['--page', '0'], ['--page', 'x']]) assert.equal(detwiki('search', 'cloudtrail', '--out', cat, ...bad).code, 2, bad.join(' '));
  });
  it('the reading commands take --catalog DIR as hunt and convert do, beside --out DIR', () => {
    const cat = tempDir('detwiki-cli-catalog-');
    assert.equal(detwiki('build', '--examples', '--out', cat).code, 0);
    const a = 'panther/aws_cloudtrail_stop_logging';
    const runs: string[][] = [['search', 'cloudtrail'], ['show', a], ['compare', a, 'sigma/aws_cloudtrail_stop_logging'], ['coverage']];
    for (const args of runs) {
      const viaCatalog = detwiki(...args, '--catalog', cat, '--json');
      assert.equal(viaCatalog.code, 0, `${args[0]}: ${viaCatalog.err}`);
      assert.equal(viaCatalog.out, detwiki(...args, '--out', cat, '--json').out, args[0]);
      assert.equal(detwiki(...args, '--catalog', cat, '--out', cat, '--json').code, 0, `${args[0]}: the same folder twice`);
      const two = detwiki(...args, '--catalog', cat, '--out', path.join(cat, 'other'));
      assert.equal(two.code, 2, args[0]);
      assert.match(two.err, /name two catalogs: give one/);
    }
    const site = path.join(cat, 'site');
    assert.equal(detwiki('export', site, '--catalog', cat).code, 0);
    assert.ok(readdirSync(site).includes('index.html'));
  });
  it('search --technique that is no technique of ATT&CK or of any rule is a usage error, not 0 results', () => {
    const cat = tempDir('detwiki-cli-tech-');
    assert.equal(detwiki('build', '--examples', '--out', cat, '--attack', ATTACK).code, 0);
    const unknown = detwiki('search', 'x', '--out', cat, '--technique', 'T9999');
    assert.equal(unknown.code, 2, unknown.err);
    assert.match(unknown.err, /--technique: no technique 'T9999' in ATT&CK v[\d.]+ or in any rule's mapping\n/);
    const tactic = detwiki('search', 'x', '--out', cat, '--technique', 'ta0001');
    assert.equal(tactic.code, 2);
    assert.match(tactic.err, /\(TA0001 is the tactic Initial Access\)/);
    assert.match(detwiki('search', 'x', '--out', cat, '--technique', 'nonsense').err, /\(ids look like T1078 or T1078\.004\)/);
    // the same typed in the query, and a word of a list that is none of its words
    const typed = detwiki('search', 'technique:T9999 x', '--out', cat);
    assert.equal(typed.code, 2);
    assert.match(typed.err, /in the query: technique: no technique 'T9999'/);
    assert.match(detwiki('search', 'format:sigam x', '--out', cat).err, /in the query: unknown format 'sigam'/);
    // a technique of the bundle is a filter, whether rules map it or not, in either case
    const known = detwiki('search', 'x', '--out', cat, '--technique', 't9001.002', '--json');
    assert.equal(known.code, 0, known.err);
    assert.equal(JSON.parse(known.out).total, 0);
    // a rule shown from the catalog is shown with the catalog's ATT&CK: no bundle is asked for
    const shown = detwiki('show', 'panther/aws_cloudtrail_stop_logging', '--out', cat);
    assert.equal(shown.code, 0, shown.err);
    assert.match(shown.out, /\(ATT&CK v[\d.]+\)/);
    assert.doesNotMatch(shown.err, /no ATT&CK bundle/);
  });
  it('coverage --logsource the catalog does not have is a usage error naming its log sources, not a matrix of zeros', () => {
    const cat = tempDir('detwiki-cli-cov-');
    assert.equal(detwiki('build', '--examples', '--out', cat).code, 0);
    const r = detwiki('coverage', '--out', cat, '--logsource', 'no-such-logsource');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /--logsource: the catalog has no log source 'no-such-logsource' \(its largest are: /);
    assert.equal(detwiki('coverage', '--out', cat, '--json').code, 0);
  });
});

describe('detwiki test', () => {
  it('finds the wrong expectation and exits non-zero', () => {
    const r = detwiki('test', REPO, '--format', 'panther', '--json');
    assert.equal(r.code, 1);
    const rep = JSON.parse(r.out);
    assert.equal(rep.totals.disagree, 1);
    const bad = rep.rules.find((c: { ruleId: string }) => c.ruleId === 'panther/login_from_root');
    assert.equal(bad.completeness, 'complete');
    assert.deepEqual(
      bad.outcomes.map((o: { got: unknown; agrees: boolean }) => [o.got, o.agrees]),
      [
        [true, true],
        [false, true],
        [false, false],
      ],
    );
    // the failed test says which part decided it, with what the event had; the text lists it under the test
    assert.deepEqual(bad.outcomes[2].failed, [{ text: 'userIdentity.type eq "Root"', seen: '"IAMUser"' }]);
    assert.match(detwiki('test', REPO, '--format', 'panther').out, /✗ wrong expectation on purpose: expected true, got false\n {11}failed: userIdentity\.type eq "Root" {3}\(event: "IAMUser"\)\n/);
    assert.match(detwiki('show', path.join(REPO, 'rules', 'login_from_root.yml')).out, /← DISAGREES\n {6}failed: userIdentity\.type eq "Root" {3}\(event: "IAMUser"\)\n/);
    // the partial rule: never false on its expected-true test
    const partial = rep.rules.find((c: { ruleId: string }) => c.ruleId === 'panther/trust_policy_opened');
    assert.deepEqual(
      partial.outcomes.map((o: { got: unknown }) => o.got),
      ['unknown', false, false],
    );
    // the file that does not parse is listed, not counted as a rule without tests
    assert.deepEqual(
      rep.unread.map((f: { path: string; outcome: string; diagnostics: string[] }) => [f.path, f.outcome, f.diagnostics.some((d) => d.startsWith('rules/broken.yml:3:') && d.includes('GEN003'))]),
      [['rules/broken.yml', 'error', true]],
    );
  });
  it('a rule file that does not parse fails with its diagnostic, not "0 tests"', () => {
    const r = detwiki('test', path.join(REPO, 'rules', 'broken.yml'), '--repo', REPO, '--format', 'panther');
    assert.equal(r.code, 1, r.out);
    assert.match(r.err, /rules\/broken\.yml holds no rule \(error/);
    assert.match(r.err, /rules\/broken\.yml:3:\d+: error GEN003/);
    const ok = detwiki('test', path.join(REPO, 'rules', 'login_from_root.yml'), '--repo', REPO, '--format', 'panther', '--json');
    assert.equal(JSON.parse(ok.out).unread, undefined, 'a rule file that parses is not listed');
  });
});

describe('detwiki show', () => {
  it('prints the page sections of the seed, with ATT&CK resolved and the declared tactic noted', () => {
    const r = detwiki('show', path.join(REPO, 'rules', 'trust_policy_opened.yml'), '--attack', ATTACK);
    assert.equal(r.code, 0, r.err);
    const out = r.out;
    for (const section of ['MITRE ATT&CK coverage', 'Rule body yaml', 'Rule body python', 'Detection logic', 'Exclusions', 'Indicators', 'Output fields', 'Tests (3)']) {
      assert.ok(out.includes(section), `missing section ${section}`);
    }
    assert.ok(out.includes('not (errorCode is_not_null or errorMessage is_not_null or eventName ne "UpdateTrustPolicy")'));
    assert.ok(out.includes('Completeness: partial'));
    assert.match(out, /\| errorCode \| is_not_null \|/);
    assert.match(out, /\| eventName \| eq \| "UpdateTrustPolicy" \|/);
    assert.match(out, /\| sourceIPAddress \| alert_context → cloud_context\(\) \|/);
    assert.match(out, /\| Initial Access \| T9001\.001 Fixture Cloud Accounts \|/);
    assert.match(out, /TA0005:T9001\.001: tactic_mismatch/);
  });
  it('--json prints the rule record with test results', () => {
    const r = detwiki('show', path.join(REPO, 'rules', 'login_from_root.yml'), '--json');
    assert.equal(r.code, 0, r.err);
    const rec = JSON.parse(r.out);
    assert.equal(rec.id, 'panther/login_from_root');
    assert.equal(rec.logic.completeness, 'complete');
    assert.equal(rec.testResults.agrees, false);
    assert.ok(r.err.includes('no ATT&CK bundle') === false || rec.attack.length === 0);
  });
  it('a rule id needs --repo; with it the native id is found', () => {
    assert.equal(detwiki('show', 'Acme.RootLogin').code, 2);
    const r = detwiki('show', 'Acme.RootLogin', '--repo', REPO, '--format', 'panther', '--json');
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).id, 'panther/login_from_root');
  });
});

describe('detwiki eval', () => {
  it('a rule file that does not parse is a usage error that says why, at its line', () => {
    const r = detwiki('eval', path.join(REPO, 'rules', 'broken.yml'), path.join(REPO, '..', 'events.jsonl'), '--repo', REPO, '--format', 'panther');
    assert.equal(r.code, 2);
    assert.match(r.err, /broken\.yml holds no rule \(error\)\n  rules\/broken\.yml:3:\d+: error GEN003/);
  });
  it('evaluates a rule on JSON lines, three-valued', () => {
    const events = path.join(REPO, '..', 'events.jsonl');
    const r = detwiki('eval', path.join(REPO, 'rules', 'trust_policy_opened.yml'), events, '--json');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out)[0].results, ['unknown', false, false]);
    // an unknown result says what it depends on (the external library's check); a false one is not explained
    const [first, ...rest] = (JSON.parse(r.out)[0] as { explained: ({ matched: string[]; dependsOn?: string[] } | null)[] }).explained;
    assert.match(first?.dependsOn?.join('\n') ?? '', /^PolicyChecker\(json\.loads\(document\)\)\.is_public\(\) \(PolicyChecker comes from some_external_library/);
    assert.deepEqual(rest, [null, null]);
    const text = detwiki('eval', path.join(REPO, 'rules', 'trust_policy_opened.yml'), events);
    assert.match(text.out, /^ {2}event 1: unknown\n {4}depends on: PolicyChecker\(json\.loads/m);
  });
  it('counts a rule that alerts on a count as the hunt does, and says on which event it fires', () => {
    const dir = tempDir('detwiki-eval-');
    const ev = (user: string, i: number) => JSON.stringify({ Event: { System: { EventID: 4625, Channel: 'Security', TimeCreated: { '#attributes': { SystemTime: new Date(Date.parse('2024-05-01T10:00:00Z') + i * 10_000).toISOString() } } }, EventData: { TargetUserName: user, IpAddress: '10.0.0.9' } } });
    // 3 failures for bob, then 20 for alice within 4 minutes: Brute Force (20 within 10m per user and address)
    const events = path.join(dir, 'logons.jsonl');
    writeFileSync(events, [...[0, 1, 2].map((i) => ev('bob', i)), ...Array.from({ length: 20 }, (_, i) => ev('alice', 3 + i))].join('\n') + '\n');
    const rule = path.join(fixture('sigma', 'source'), 'rules', 'correlation', 'correlation_brute_force.yml');
    const r = detwiki('eval', rule, events, '--json');
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out) as { rule: string; results: unknown[]; fires?: { event: number; truth: unknown; group?: string; count?: number }[]; counted?: string }[];
    // the file's rules in order: Failed Logon, Successful Logon, Brute Force (event_count), Password Spray…
    const [failed, , brute] = out;
    assert.ok(failed && brute);
    assert.deepEqual(brute.fires, [{ event: 23, truth: true, group: '"alice"|"10.0.0.9"', count: 20 }]);
    assert.match(brute.counted ?? '', /at least 20 matching events are seen per TargetUserName, IpAddress within any 10m/);
    // a rule without a count has no such list; its row results are the events it matches
    assert.equal(failed.fires, undefined);
    assert.equal(failed.results.filter((t) => t === true).length, 23);
    const text = detwiki('eval', rule, events);
    assert.match(text.out, /fires: event 23, group "alice"\|"10.0.0.9", count 20/);
  });  it('reads a Linux audit log as the hunt does: each record, then its audit event as Auditbeat\'s document', () => {
    const dir = tempDir('detwiki-eval-audit-');
    mkdirSync(path.join(dir, 'rules', 'linux'), { recursive: true });
    const rule = path.join(dir, 'rules', 'linux', 'whoami.toml');
    writeFileSync(rule, elasticDetection('10', 1, 'Whoami', 'auditbeat-*', 'process where host.os.type == "linux" and event.action == "executed" and process.name == "whoami"'));
    const log = path.join(dir, 'audit.log');
    writeFileSync(log, [
      'type=SYSCALL msg=audit(1767225600.000:7): arch=c000003e syscall=59 success=yes exit=0 items=1 ppid=1 pid=2 auid=1000 uid=1000 ses=1 comm="whoami" exe="/usr/bin/whoami"',
      'type=EXECVE msg=audit(1767225600.000:7): argc=1 a0="whoami"',
      'type=EOE msg=audit(1767225600.000:7): ',
    ].join('\n') + '\n');
    // without go-libaudit's normalizations (none synced in this cache) the document has no event.action: said, and false
    const without = detwiki('eval', rule, log, '--repo', dir, '--format', 'elastic', '--json');
    assert.equal(without.code, 0, without.err);
    assert.deepEqual((JSON.parse(without.out) as { results: unknown[] }[])[0]!.results, [false, false, false, false]);
    assert.match(without.err, /note: Auditbeat's documents were made without go-libaudit's normalizations \(.*is not there\)/);
    process.env.DETWIKI_AUDIT_NORMALIZATIONS = path.join(import.meta.dirname, 'fixtures', 'hunt', 'audit-normalizations.yaml');
    try {
      const r = detwiki('eval', rule, log, '--repo', dir, '--format', 'elastic', '--json');
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err, '');
      const [out] = JSON.parse(r.out) as { results: unknown[]; documentOf: (number | null)[] }[];
      assert.deepEqual(out!.results, [false, false, false, true]);
      assert.deepEqual(out!.documentOf, [null, null, null, 1]);
      assert.match(detwiki('eval', rule, log, '--repo', dir, '--format', 'elastic').out, /event 4 \(Auditbeat's document of the audit event at line 1\): true/);
    } finally {
      delete process.env.DETWIKI_AUDIT_NORMALIZATIONS;
    }
    // a line that is neither JSON nor a record stops it, with its line
    writeFileSync(log, '{"a":1}\nnot an event\n');
    assert.match(detwiki('eval', rule, log, '--repo', dir, '--format', 'elastic').err, /events line 2: NOT_JSON/);
  });
});

describe('detwiki hunt of events it cannot place', () => {
  it('says that no rule ran on them and how to place them; --logsource places them', () => {
    const dir = tempDir('detwiki-cli-unplaced-');
    const rules = path.join(dir, 'rules');
    mkdirSync(rules);
    writeFileSync(path.join(rules, 'whoami.yml'), ['title: Whoami', 'logsource:', '  category: process_creation', '  product: windows', 'detection:', '  sel:', "    Image|endswith: '\\whoami.exe'", '  condition: sel', ''].join('\n'));
    // an event with no field that tells its log source (no channel, no event id)
    const events = path.join(dir, 'events.jsonl');
    writeFileSync(events, JSON.stringify({ Image: 'C:\\Windows\\System32\\whoami.exe' }) + '\n');
    const r = detwiki('hunt', events, '--rules', rules, '--workers', '0');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /; 1 events matched no loaded log source \(no rule ran on them: --logsource NAME reads every event as that log source, --all runs every rule on every event\)/);
    assert.match(r.out, /fired: 0 rule\(s\)/);
    const placed = detwiki('hunt', events, '--rules', rules, '--workers', '0', '--logsource', 'windows.process_creation');
    assert.match(placed.out, /fired: 1 rule\(s\)/);
    assert.doesNotMatch(placed.out, /no rule ran on them/);
  });
});

describe('output to a reader that stops reading', () => {
  it('ends quietly when the pipe closes (`detwiki hunt … --jsonl | head`): exit 0, no EPIPE error', async () => {
    const dir = tempDir('detwiki-epipe-');
    const events = path.join(dir, 'logons.jsonl');
    const line = JSON.stringify({ Event: { System: { EventID: 4625, Channel: 'Security' }, EventData: { TargetUserName: 'bob', IpAddress: '10.0.0.9' } } });
    writeFileSync(events, `${line}\n`.repeat(20_000));
    const child = spawn(process.execPath, [BIN, 'hunt', events, '--rules', fixture('sigma', 'source'), '--jsonl'], { env: { ...process.env, DETWIKI_CACHE: '/nonexistent-detwiki-cache' } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // read the first chunk, then close the pipe as `head` does
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(code, 0, err);
    assert.doesNotMatch(err, /EPIPE|Unhandled/);
  });
});

describe('detwiki hunt over the Sigma regression data', { skip: !SHARED_PRESENT && 'no ../shared corpora' }, () => {
  it('every rule a regression folder names (info.yml) fires on that folder\'s events', async () => {
    const sigma = path.join(SHARED, 'corpora', 'sigma');
    const data = path.join(sigma, 'regression_data');
    const r = spawnSync(process.execPath, [BIN, 'hunt', data, '--rules', sigma, '--jsonl'], { encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, DETWIKI_CACHE: '/nonexistent-detwiki-cache' } });
    assert.equal(r.status, 0, r.stderr);
    /** Event file (absolute) → the Sigma ids of the rules that fired on it. */
    const fired = new Map<string, Set<string>>();
    let summary: { counts: { events: number; bad: number } } | undefined;
    for (const line of r.stdout.split('\n')) {
      if (!line) continue;
      const o = JSON.parse(line) as { type: string; rule?: { nativeId?: string }; pos?: { file: string } } & { counts?: { events: number; bad: number } };
      if (o.type === 'summary') summary = o as typeof summary;
      if (o.type !== 'hit' || !o.rule?.nativeId || !o.pos) continue;
      const file = path.resolve(o.pos.file);
      if (!fired.has(file)) fired.set(file, new Set());
      fired.get(file)!.add(o.rule.nativeId);
    }
    // the regression data as the Sigma adapter reads it: each info.yml's rules and event files
    const reg = await readRegressionData(sigma, listSource(sigma).files);
    const missing: string[] = [];
    let named = 0;
    for (const e of reg.entries) {
      if (!e.eventFiles.length) continue;
      for (const id of e.ruleIds) {
        named++;
        if (!e.eventFiles.some((f) => fired.get(path.join(sigma, f))?.has(id))) missing.push(`${e.infoPath}: ${id}`);
      }
    }
    assert.ok(named >= 200, `${named} named rules`);
    assert.deepEqual(missing, []);
    assert.ok(summary && summary.counts.events >= 238 && summary.counts.bad === 0, JSON.stringify(summary?.counts));
  });
});
