/**
 * Loose rule files (a team's own rules, in no upstream layout): every language's sniffer tells its files from the
 * others', a folder goes to the language most of its sampled files belong to, a single file to its own, and `detwiki
 * hunt --rules PATH` loads them. The rules here are written for these tests.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { detectFormat, detectRuleFolders, findRepoRoot } from '../src/formats/detect.ts';
import { scanSource } from '../src/formats/scan.ts';
import { splunkAdapter } from '../src/formats/splunk/index.ts';
import { rulesFromPaths } from '../src/hunt/load.ts';
import type { Format } from '../src/model/facts.ts';
import { tempDir } from './helpers/tempDir.ts';

const dir = tempDir('detwiki-sniff-');
const bin = path.join(import.meta.dirname, '..', 'bin', 'detwiki.js');
const ATTACK = path.join(import.meta.dirname, 'fixtures', 'attack', 'mini-enterprise.json');

/** One rule file of each language (the name carries the extension). */
const RULES: Record<string, { format: Format; name: string; text: string }> = {
  panther: {
    format: 'panther',
    name: 'root_login.yml',
    text: 'AnalysisType: rule\nRuleID: Team.Root.Login\nEnabled: true\nSeverity: High\nLogTypes: [AWS.CloudTrail]\nDetection:\n  - KeyPath: userIdentity.type\n    Condition: Equals\n    Value: Root\n',
  },
  sigma: {
    format: 'sigma',
    name: 'whoami.yml',
    text: 'title: Whoami\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel: {Image|endswith: \\whoami.exe}\n  condition: sel\nlevel: low\n',
  },
  sentinel: {
    format: 'kusto',
    name: 'many_failures.yaml',
    text: 'id: 00000000-0000-0000-0000-000000000001\nname: Many sign-in failures\nseverity: Medium\nqueryFrequency: 1h\nqueryPeriod: 1h\ntriggerOperator: gt\ntriggerThreshold: 0\ntactics: [CredentialAccess]\nquery: |\n  SigninLogs\n  | where ResultType != "0"\n  | summarize n = count() by UserPrincipalName\n  | where n > 20\n',
  },
  kql: { format: 'kusto', name: 'hunt.kql', text: 'DeviceProcessEvents | where FileName =~ "whoami.exe"\n' },
  splunk: {
    format: 'splunk',
    name: 'whoami_run.yml',
    text: 'name: Whoami Run\nid: 00000000-0000-0000-0000-000000000002\ntype: TTP\ndescription: whoami was run.\nsearch: \'| tstats count from datamodel=Endpoint.Processes where Processes.process_name="whoami.exe" by Processes.dest\'\ntags:\n  mitre_attack_id: [T1033]\n',
  },
  savedsearches: {
    format: 'splunk',
    name: 'savedsearches.conf',
    text: '[Team - Whoami]\nsearch = index=main sourcetype=sysmon process_name=whoami.exe\ncron_schedule = */5 * * * *\n',
  },
  savedSearchJson: {
    format: 'splunk',
    name: 'many_paths.json',
    text: '{\n\t"name": "Many paths",\n\t"search": "index=web sourcetype=access_combined status=404 | stats dc(uri_path) as paths by clientip | where paths > 100",\n\t"cron_schedule": "*/10 * * * *"\n}\n',
  },
  elastic: {
    format: 'elastic',
    name: 'whoami.toml',
    text: '[metadata]\ncreation_date = "2026/01/01"\n\n[rule]\nauthor = ["Team"]\ndescription = "whoami was run"\nname = "Whoami"\nrisk_score = 21\nrule_id = "00000000-0000-0000-0000-000000000003"\nseverity = "low"\ntype = "query"\nlanguage = "kuery"\nindex = ["logs-endpoint.events.process-*"]\nquery = \'process.name : "whoami.exe"\'\n',
  },
  endpoint: {
    format: 'elastic',
    name: 'whoami_endpoint.toml',
    text: '[rule]\ndescription = "whoami was run"\nid = "00000000-0000-0000-0000-000000000004"\nname = "Whoami (endpoint)"\nos_list = ["windows"]\nversion = "1.0.0"\n\nquery = \'\'\'\nprocess where event.action == "start" and process.name : "whoami.exe"\n\'\'\'\n',
  },
  yaral: {
    format: 'yaral',
    name: 'whoami.yaral',
    text: 'rule whoami {\n  meta:\n    author = "Team"\n  events:\n    $e.metadata.event_type = "PROCESS_LAUNCH"\n    $e.target.process.file.full_path = /whoami\\.exe$/ nocase\n  condition:\n    $e\n}\n',
  },
  yaralNoExtension: {
    format: 'yaral',
    name: 'Whoami_Launch',
    text: 'rule whoami_launch {\n  meta:\n    author = "Team"\n  events:\n    $e.metadata.event_type = "PROCESS_LAUNCH"\n    $e.target.process.file.full_path = /whoami\\.exe$/ nocase\n  condition:\n    $e\n}\n',
  },
  mql: {
    format: 'mql',
    name: 'free_gift.yml',
    text: 'name: Free gift\ndescription: A subject offering a free gift.\ntype: rule\nseverity: low\nsource: |\n  type.inbound\n  and strings.icontains(subject.subject, "free gift")\n',
  },
};

function folder(name: string, files: Record<string, string>): string {
  const d = path.join(dir, name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(d, rel)), { recursive: true });
    writeFileSync(path.join(d, rel), text);
  }
  return d;
}

describe('loose rule files', () => {
  it('a folder of each language is recognised by its content, in a subfolder too', () => {
    for (const [key, r] of Object.entries(RULES)) {
      const d = folder(`one-${key}`, { [`team/${r.name}`]: r.text, 'README.md': '# our rules\n' });
      assert.equal(detectFormat(d), r.format, key);
    }
  });

  it('each rule is claimed by its own language only (the file alone, in a folder of other things)', () => {
    for (const [key, r] of Object.entries(RULES)) {
      // beside a rule of another language too: the file's own content decides, not the folder's
      const other = key === 'sigma' ? RULES.splunk! : RULES.sigma!;
      const d = folder(`mixed-${key}`, { [r.name]: r.text, [`other_${other.name}`]: other.text, 'docker-compose.yml': 'services: {web: {image: nginx}}\n', 'pyproject.toml': '[project]\nname = "tools"\n' });
      const found = findRepoRoot(path.join(d, r.name));
      assert.equal(found?.format, r.format, key);
    }
  });

  it('a folder name the file itself contradicts is passed over: a Sublime rule in a bare detection-rules/ folder', () => {
    // `detection-rules` names Elastic's repository; Sublime's has the same folder, told apart by its other folders
    const d = folder('own-sublime', { [`detection-rules/${RULES.mql!.name}`]: RULES.mql!.text });
    assert.equal(findRepoRoot(path.join(d, 'detection-rules', RULES.mql!.name))?.format, 'mql');
    const e = folder('own-elastic', { [`detection-rules/rules/${RULES.elastic!.name}`]: RULES.elastic!.text });
    assert.deepEqual(findRepoRoot(path.join(e, 'detection-rules', 'rules', RULES.elastic!.name)), { root: path.join(e, 'detection-rules'), format: 'elastic' });
  });

  it('a folder goes to the language most of its files are in', () => {
    const d = folder('mostly-splunk', {
      'a.yml': RULES.splunk!.text,
      'b.yml': RULES.splunk!.text.replace('Whoami Run', 'Whoami Again'),
      'c.yml': RULES.sigma!.text,
    });
    assert.equal(detectFormat(d), 'splunk');
    const e = folder('mostly-sigma', { 'a.yml': RULES.sigma!.text, 'b.yml': RULES.sigma!.text.replace('Whoami', 'Whoami 2'), 'c.yml': RULES.splunk!.text });
    assert.equal(detectFormat(e), 'sigma');
  });

  it('a folder of documentation does not crowd out the rules below it', () => {
    const docs = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`doc${String(i).padStart(2, '0')}.md`, `# Page ${i}\n\nNothing to see.\n`]));
    const d = folder('docs-first', { ...docs, 'rules/windows/whoami.yml': RULES.sigma!.text });
    assert.equal(detectFormat(d), 'sigma');
  });

  it('folders of no rule language, and hostile YAML, decide nothing and do not throw', () => {
    assert.equal(detectFormat(folder('not-rules', { 'docker-compose.yml': 'services: {web: {image: nginx}}\n', 'pyproject.toml': '[project]\nname = "x"\n', 'notes.md': '# notes\n\n```\nls -la | grep x\n```\n', 'ci.yaml': 'name: ci\non: push\njobs: {}\n', 'data_source.yml': 'name: AWS CloudTrail\nsource: aws_cloudtrail\nsourcetype: aws:cloudtrail\n' })), undefined);
    const bomb = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n' + Array.from({ length: 12 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`).join('\n') + '\n';
    const deep = 'a: ' + '['.repeat(20000) + ']'.repeat(20000) + '\n';
    assert.equal(detectFormat(folder('hostile', { 'bomb.yml': bomb, 'deep.yml': deep, 'bad.toml': '[rule\ntype = ', 'bad.yml': 'a: [\n' })), undefined);
  });

  it('a YARA signature is not YARA-L: not claimed, and skipped beside YARA-L rules kept without the .yaral extension', async () => {
    const sig = 'rule Evil_Dropper {\n  meta:\n    author = "Team"\n  strings:\n    $a = "evil" ascii\n  condition:\n    $a\n}\n';
    assert.equal(detectFormat(folder('yara-only', { 'evil.yar': sig, 'LICENSE': 'MIT License\n' })), undefined);
    const d = folder('yaral-mixed', { 'evil.yar': sig, 'rules/Whoami_Launch': RULES.yaralNoExtension!.text, 'rules/whoami.yara': RULES.yaral!.text, 'LICENSE': 'MIT License\n' });
    assert.equal(detectFormat(d), 'yaral');
    const rules = await rulesFromPaths([d], {});
    assert.deepEqual(rules.map((r) => r.source.path).sort(), ['rules/Whoami_Launch', 'rules/whoami.yara']);
    assert.ok(rules.every((r) => r.logic.completeness === 'complete'));
  });

  it('Splunk reads a detection YAML kept outside security_content\'s folders, and skips other YAML with the reason', async () => {
    // PyYAML's reading: a quoted search continued at column 0 (YAML 1.2 refuses it; security_content has such files)
    const pyyaml = "name: Net Run\nid: 00000000-0000-0000-0000-000000000005\ntype: TTP\nsearch: '| tstats count from datamodel=Endpoint.Processes where\nProcesses.process_name=\"net.exe\" by Processes.dest'\n";
    const d = folder('splunk-loose', { 'endpoint/whoami_run.yml': RULES.splunk!.text, 'endpoint/net_run.yml': pyyaml, 'notes.yml': 'name: not a detection\nowner: team\n' });
    const res = await scanSource(splunkAdapter, d, { repository: 'team' });
    const byPath = Object.fromEntries(res.files.map((f) => [f.path, f]));
    assert.equal(byPath['endpoint/whoami_run.yml']?.outcome, 'parsed');
    assert.equal(byPath['endpoint/whoami_run.yml']?.rules[0]?.title, 'Whoami Run');
    assert.ok(byPath['endpoint/whoami_run.yml']?.rules[0]?.logic.condition, 'the search is parsed');
    assert.equal(byPath['endpoint/net_run.yml']?.outcome, 'parsed');
    assert.equal(byPath['endpoint/net_run.yml']?.rules[0]?.title, 'Net Run');
    assert.equal(byPath['notes.yml']?.outcome, 'skipped');
    assert.match(byPath['notes.yml']?.reason ?? '', /not a Splunk detection/);
    // a saved search kept as JSON (tab-indented): its search is parsed, the threshold counted
    const j = folder('splunk-json', { 'many_paths.json': RULES.savedSearchJson!.text, 'package.json': '{"name": "tools"}\n' });
    const jr = await scanSource(splunkAdapter, j, { repository: 'team' });
    const rule = jr.rules.find((r) => r.title === 'Many paths');
    assert.ok(rule?.logic.condition, 'the search is parsed');
    assert.equal(rule?.logic.aggregation?.threshold?.value, 100);
    assert.equal(jr.files.find((f) => f.path === 'package.json')?.outcome, 'skipped');
  });

  it('a sources file entry without "format" is built as the language its folder tells; one that tells nothing is an error', () => {
    const mirror = path.join(dir, 'mirror');
    folder('mirror/team-elastic', { 'a/whoami.toml': RULES.elastic!.text });
    folder('mirror/team-sigma', { [RULES.sigma!.name]: RULES.sigma!.text });
    folder('mirror/notes', { 'README.md': '# notes\n', 'x.txt': 'nothing here\n' });
    const sources = path.join(dir, 'sources.json');
    const build = (entries: unknown[]) => {
      writeFileSync(sources, JSON.stringify(entries));
      return spawnSync(process.execPath, [bin, 'build', '--mirror', mirror, '--sources-file', sources, '--out', path.join(dir, 'out-sources'), '--json'], { encoding: 'utf8', env: { ...process.env, DETWIKI_ATTACK: '' } });
    };
    const ok = build([{ name: 'team-elastic' }, { name: 'team-sigma', format: 'auto' }]);
    assert.equal(ok.status, 0, ok.stderr);
    const report = JSON.parse(ok.stdout) as { sources: { name: string; format: string; rules: number }[] };
    assert.deepEqual(report.sources.map((s) => [s.name, s.format, s.rules]), [['team-elastic', 'elastic', 1], ['team-sigma', 'sigma', 1]]);
    const bad = build([{ name: 'notes' }, { name: 'not-synced' }]);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /source notes: no "format", and the rules in .* do not tell their language/);
    assert.match(bad.stderr, /source not-synced: no "format", and .* is not there/);
    assert.match(build([{ name: 'x', format: 'cobol' }]).stderr, /needs "name", and a "format" that is a known language or "auto"/);
  });

  it('`--rules` on Python alone, or on no rule, says why', async () => {
    const py = folder('python-alone', { 'root_login.py': 'def rule(event):\n    return event.get("userIdentity", {}).get("type") == "Root"\n' });
    await assert.rejects(rulesFromPaths([py], {}), /cannot tell the language of .*: Python alone is not a rule \(a Panther rule is its YAML file/);
    await assert.rejects(rulesFromPaths([path.join(py, 'root_login.py')], {}), /cannot find the repository of .*: Python alone is not a rule/);
    const none = folder('no-rules', { 'notes.txt': 'nothing\n' });
    await assert.rejects(rulesFromPaths([none], {}), /no marker file, folder name or file in it reads as a rule of a known language/);
  });

  it('a folder whose subfolders hold different languages is read as each (hunt and coverage `--rules`), its own rule files too', async () => {
    const spl = '# Whoami\n\n```spl\nindex=main sourcetype=sysmon EventCode=1 Image="*\\\\whoami.exe"\n```\n';
    const d = folder('team-repo', {
      'sigma/whoami.yml': RULES.sigma!.text,
      'sigma/whoami2.yml': RULES.sigma!.text.replace('Whoami', 'Whoami 2'),
      'queries/whoami.md': spl,
      'queries/net.md': spl.replace('whoami', 'net'),
      'docs/guide.md': '# Guide\n\nNothing to run here.\n',
      'README.md': spl.replace('whoami', 'hostname'),
    });
    const { folders, loose } = detectRuleFolders(d);
    assert.deepEqual(folders.map((f) => [path.basename(f.root), f.format]), [['queries', 'splunk'], ['sigma', 'sigma']]);
    assert.deepEqual(loose, [{ name: 'README.md', format: 'splunk' }]);
    const rules = await rulesFromPaths([d], {});
    assert.deepEqual(rules.map((r) => `${r.format} ${r.source.path}`).sort(), ['sigma whoami.yml', 'sigma whoami2.yml', 'splunk README.md', 'splunk net.md', 'splunk whoami.md']);
    // one language below, a folder of no language beside it: the folder as before
    const one = folder('one-language', { 'rules/a.yml': RULES.sigma!.text, 'rules/b.yml': RULES.sigma!.text.replace('Whoami', 'B'), 'docs/guide.md': '# Guide\n' });
    assert.deepEqual(detectRuleFolders(one), { format: 'sigma', folders: [{ root: one, format: 'sigma' }], loose: [] });
    const cov = spawnSync(process.execPath, [bin, 'coverage', '--rules', d, '--attack', ATTACK, '--json'], { encoding: 'utf8' });
    assert.equal(cov.status, 0, cov.stderr);
    assert.deepEqual(cov.stderr.split('\n').filter((l) => l.startsWith('detwiki coverage:')).map((l) => l.replace(d, 'D')), [
      'detwiki coverage: D/queries: splunk, 2 rule(s) from 2 file(s)',
      'detwiki coverage: D/sigma: sigma, 2 rule(s) from 2 file(s)',
      'detwiki coverage: D/README.md: splunk, 1 rule(s) from 1 file(s)',
    ]);
    // `scan` reads one language (the folder's sample is mostly Splunk here) and names what it leaves to another
    const scan = spawnSync(process.execPath, [bin, 'scan', d, '--json'], { encoding: 'utf8', env: { ...process.env, DETWIKI_ATTACK: '' } });
    assert.equal(scan.status, 0, scan.stderr);
    assert.equal((JSON.parse(scan.stdout) as { format: string }).format, 'splunk');
    assert.deepEqual(scan.stderr.split('\n').filter((l) => l.startsWith('note:')).map((l) => l.replaceAll(d, 'D')), ['note: D/sigma holds sigma rules, not read as splunk here: `detwiki scan D/sigma` reads them']);
  });
  it('`--rules` loads a loose folder or file of any language, and the hunt runs them', async () => {
    for (const [key, r] of Object.entries(RULES)) {
      const d = folder(`rules-${key}`, { [r.name]: r.text });
      const rules = await rulesFromPaths([d], {});
      assert.equal(rules.length, 1, key);
      assert.equal(rules[0]!.format, r.format, key);
      assert.deepEqual((await rulesFromPaths([path.join(d, r.name)], {})).map((x) => x.id), [rules[0]!.id], key);
    }
    // end to end: the loose Elastic rule fires on an event it matches, not on another
    const events = path.join(dir, 'events.jsonl');
    writeFileSync(events, `${JSON.stringify({ '@timestamp': '2026-01-01T00:00:00Z', event: { category: 'process' }, process: { name: 'whoami.exe' } })}\n${JSON.stringify({ '@timestamp': '2026-01-01T00:00:01Z', event: { category: 'process' }, process: { name: 'cmd.exe' } })}\n`);
    const r = spawnSync(process.execPath, [bin, 'hunt', events, '--rules', path.join(dir, 'rules-elastic'), '--all', '--jsonl'], { encoding: 'utf8', env: { ...process.env, DETWIKI_ATTACK: '' } });
    assert.equal(r.status, 0, r.stderr);
    const hits = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type?: string; pos?: { line?: number }; rule?: { title?: string } });
    assert.deepEqual(hits.filter((h) => h.type === 'hit').map((h) => [h.rule?.title, h.pos?.line]), [['Whoami', 1]]);
  });
});
