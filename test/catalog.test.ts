/** The catalog: build from the project's examples, account for every file, incremental rebuilds, search, pages' data. */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { buildCatalog, formatBuildReport } from '../src/catalog/build.ts';
import { catalogFile } from '../src/catalog/paths.ts';
import { HuntEngine } from '../src/hunt/engine.ts';
import { rulesFromCatalog } from '../src/hunt/load.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { Catalog } from '../src/catalog/query.ts';
import { renderTechnique, techniqueData } from '../src/web/pages/attack.ts';
import { SERVER } from '../src/web/site.ts';
import { ftsBody, ruleRows } from '../src/catalog/rows.ts';
import { badWordFilter, ftsTiers, parseQuery } from '../src/catalog/searchQuery.ts';
import { DEFAULT_SOURCES, examplesDir, exampleSources } from '../src/catalog/sources.ts';
import { listFiles } from '../src/formats/io.ts';
import { parseElasticText } from '../src/formats/elastic/index.ts';
import { parseSplunkText } from '../src/formats/splunk/index.ts';
import { parseYaralText } from '../src/formats/yaral/index.ts';
import { parseMqlText } from '../src/formats/mql/index.ts';
import { SHARED, SHARED_PRESENT } from './helpers/golden.ts';
import { tempDir } from './helpers/tempDir.ts';

const ATTACK = SHARED_PRESENT ? path.join(SHARED, 'attack', 'enterprise-attack-19.1.json') : path.join(import.meta.dirname, 'fixtures', 'attack', 'mini-enterprise.json');

describe('catalog build from examples/', () => {
  let tmp: string;
  let mirror: string;
  before(() => {
    tmp = tempDir('detwiki-cat-');
    mirror = path.join(tmp, 'mirror');
    cpSync(examplesDir(), mirror, { recursive: true });
    // a rule that does not count for coverage (deprecated), on a sub-technique: its parent's total leaves it out
    writeFileSync(
      path.join(mirror, 'sigma', 'rules', 'windows', 'process_creation', 'proc_creation_win_deprecated_psh.yml'),
      `title: Deprecated PowerShell Example\nid: 0b7e6d1c-2f3a-4b5c-8d9e-0f1a2b3c4d5e\nstatus: deprecated\ntags:\n  - attack.execution\n  - attack.t1059.001\nlogsource:\n  category: process_creation\n  product: windows\ndetection:\n  sel:\n    Image|endswith: '\\\\powershell.exe'\n  condition: sel\nlevel: low\n`,
    );
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('accounts for every file of every source, builds rules of every format', async () => {
    const sources = exampleSources();
    const r = await buildCatalog({ outDir: path.join(tmp, 'cat'), mirror, attack: ATTACK, sources });
    for (const s of r.sources) {
      const files = await listFiles(path.join(mirror, s.name));
      assert.equal(s.files, files.length, `${s.name}: every file has an outcome`);
      assert.equal(s.outcomes.parsed + s.outcomes.support + s.outcomes.skipped + s.outcomes.error, files.length);
    }
    assert.ok(r.totals.rules >= 10, `rules: ${r.totals.rules}`);
    const cat = new Catalog(path.join(tmp, 'cat'));
    try {
      const home = cat.home();
      for (const f of ['panther', 'sigma', 'kusto', 'splunk', 'elastic', 'yaral', 'mql']) assert.ok(home.formats.includes(f as never), `format ${f} present`);
      assert.equal(home.attackVersion !== '', true);
    } finally {
      cat.close();
    }
  });

  it('stages, output_fields and event_keys are views of every rule record: a row per stage, output field and event key', () => {
    const cat = new Catalog(path.join(tmp, 'cat'));
    try {
      const db = cat.db;
      assert.deepEqual((db.prepare("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name").all() as { name: string }[]).map((r) => r.name), ['event_keys', 'output_fields', 'stages']);
      const want = { stages: [] as unknown[], outputs: [] as unknown[], keys: [] as unknown[] };
      for (const { rowid, json } of db.prepare('SELECT rowid, json FROM rule_json ORDER BY rowid').all() as { rowid: number; json: string }[]) {
        const r = JSON.parse(json) as RuleRecord;
        r.logic.stages.forEach((st, i) => want.stages.push([rowid, i, st.kind, st.label, st.text]));
        for (const o of r.logic.outputFields) want.outputs.push([rowid, o.name, o.source]);
        for (const k of r.logic.eventKeys) want.keys.push([rowid, r.format, k.field, String(k.value)]);
      }
      const rows = (sql: string) => (db.prepare(sql).raw().all() as unknown[][]);
      assert.ok(want.stages.length > 20 && want.outputs.length > 10 && want.keys.length > 0, `${want.stages.length} ${want.outputs.length} ${want.keys.length}`);
      assert.deepEqual(rows('SELECT rule, ord, kind, label, text FROM stages ORDER BY rule, ord'), want.stages);
      assert.deepEqual(rows('SELECT rule, name, source FROM output_fields'), want.outputs);
      assert.deepEqual(rows('SELECT rule, format, field, value FROM event_keys'), want.keys);
    } finally {
      cat.close();
    }
  });

  it("a technique's listing total (from technique_totals) is the count of its rules, alone and with a format", () => {
    const cat = new Catalog(path.join(tmp, 'cat'));
    try {
      const pairs = cat.db.prepare('SELECT DISTINCT t, format FROM (SELECT technique t, format FROM rule_attack WHERE technique IS NOT NULL UNION SELECT parent, format FROM rule_attack WHERE parent IS NOT NULL)').all() as { t: string; format: string }[];
      const techniques = [...new Set(pairs.map((p) => p.t))];
      assert.ok(techniques.some((t) => t.includes('.')) && techniques.length >= 5, `techniques: ${techniques.join(' ')}`);
      // the count the listing made before the summary: every rule that counts for coverage, of the technique or of a sub-technique
      const count = (t: string, format?: string) =>
        (cat.db.prepare(`SELECT COUNT(*) n FROM rules r WHERE r.counts = 1 AND r.rowid IN (SELECT rule FROM rule_attack WHERE technique = ? OR parent = ?)${format ? ' AND r.format = ?' : ''}`).get(t, t, ...(format ? [format] : [])) as { n: number }).n;
      let nonzero = 0;
      for (const t of techniques) {
        assert.equal(cat.browse({ technique: t }).total, count(t), t);
        assert.equal(cat.browse({ technique: t.toLowerCase() }).total, count(t), `${t} in lower case`);
        if (count(t)) nonzero++;
      }
      for (const p of pairs) assert.equal(cat.browse({ technique: p.t, format: p.format }).total, count(p.t, p.format), `${p.t} ${p.format}`);
      assert.ok(nonzero >= 3);
      // rules that do not count (the deprecated one) are left out of the totals of the technique and of its parent
      assert.ok((cat.db.prepare("SELECT COUNT(*) n FROM rule_attack WHERE counts = 0 AND parent = 'T1059'").get() as { n: number }).n > 0);
      assert.ok(cat.browse({ technique: 'T1059', all: true }).total > cat.browse({ technique: 'T1059' }).total);
      // another filter: counted over the rules, as before
      const t = techniques.find((x) => count(x) > 0)!;
      assert.equal(cat.browse({ technique: t, all: true }).total, (cat.db.prepare('SELECT COUNT(*) n FROM rules r WHERE r.rowid IN (SELECT rule FROM rule_attack WHERE technique = ? OR parent = ?)').get(t, t) as { n: number }).n);
      assert.equal(cat.browse({ technique: 'T9999' }).total, 0);
    } finally {
      cat.close();
    }
  });

  it('the coverage matrix counts detections and correlations, or the one kind asked for (the deprecated rule under kind=deprecated)', () => {
    const cat = new Catalog(path.join(tmp, 'cat'));
    try {
      const cell = (m: ReturnType<Catalog['matrix']>, id: string) => Math.max(0, ...m.tactics.flatMap((t) => t.techniques.filter((q) => q.id === id).map((q) => q.count)));
      const counted = cat.matrix({});
      const deprecated = cat.matrix({ kind: 'deprecated' });
      assert.equal(deprecated.rules, 1, 'the deprecated PowerShell rule, and no other');
      assert.equal(cell(deprecated, 'T1059'), 1);
      assert.equal(cat.matrix({ kind: 'detection' }).rules + cat.matrix({ kind: 'correlation' }).rules, counted.rules);
      assert.match(JSON.stringify(cat.navigatorLayer({ kind: 'deprecated' })), /Rules per technique \(kind deprecated only\)/);
    } finally {
      cat.close();
    }
  });

  it('the hunt reads every rule of the catalog without its page-only parts, and runs the same rules as on whole records', async () => {
    const db = new Database(catalogFile(path.join(tmp, 'cat')), { readonly: true });
    let whole: RuleRecord[];
    try {
      whole = (db.prepare('SELECT j.json FROM rules r JOIN rule_json j ON j.rowid = r.rowid ORDER BY r.id').all() as { json: string }[]).map((r) => JSON.parse(r.json) as RuleRecord);
    } finally {
      db.close();
    }
    const slim = await rulesFromCatalog(path.join(tmp, 'cat'), {});
    assert.equal(slim.length, whole.length);
    assert.ok(slim.every((r) => r.body === undefined && r.logic.stages.every((st) => st.expr === undefined) && r.logic.exclusions.length === 0));
    assert.ok(whole.some((r) => r.logic.exclusions.length > 0));
    // read by two threads (the reading thread queries the later part), as a large catalog is: the same records in the same order
    const outcomes: string[] = [];
    const split = await rulesFromCatalog(path.join(tmp, 'cat'), {}, { readThreadMin: 2, onThread: (o) => outcomes.push(o) });
    assert.deepEqual(outcomes, ['read']);
    assert.deepEqual(split, slim);
    // a build committed after this thread's snapshot and before the reading thread's: the rest is read again here, in
    // this thread's snapshot (the records of one build, not a mix)
    const file = catalogFile(path.join(tmp, 'cat'));
    const writer = new Database(file);
    const before = writer.prepare("SELECT value FROM meta WHERE key = 'build_id'").pluck().get() as string;
    const last = whole[whole.length - 1]!;
    try {
      const again: string[] = [];
      const mixed = await rulesFromCatalog(path.join(tmp, 'cat'), {}, {
        readThreadMin: 2,
        onThread: (o) => again.push(o),
        afterSnapshot: () => {
          writer.transaction(() => {
            writer.prepare("UPDATE meta SET value = 'another' WHERE key = 'build_id'").run();
            writer.prepare("UPDATE rule_json SET json = json_set(json, '$.title', 'changed') WHERE rowid = (SELECT rowid FROM rules WHERE id = ?)").run(last.id);
          })();
        },
      });
      assert.deepEqual(again, ['another build']);
      assert.deepEqual(mixed, slim);
      // the change is there for a read that starts after it
      assert.equal((await rulesFromCatalog(path.join(tmp, 'cat'), { ids: [last.id] })).at(0)?.title, 'changed');
    } finally {
      writer.prepare("UPDATE meta SET value = ? WHERE key = 'build_id'").run(before);
      writer.prepare("UPDATE rule_json SET json = json_set(json, '$.title', ?) WHERE rowid = (SELECT rowid FROM rules WHERE id = ?)").run(last.title, last.id);
      writer.close();
    }
    assert.deepEqual(slim.map((r) => r.id), whole.map((r) => r.id));
    // one rule by its id or its native id (`detwiki convert`), with or without the reading thread
    const one = whole.find((r) => r.nativeId !== undefined && r.nativeId !== r.id)!;
    for (const min of [2, 1e9]) {
      assert.deepEqual((await rulesFromCatalog(path.join(tmp, 'cat'), { ids: [one.id] }, { readThreadMin: min })).map((r) => r.id), [one.id]);
      assert.deepEqual((await rulesFromCatalog(path.join(tmp, 'cat'), { ids: [one.nativeId!] }, { readThreadMin: min })).map((r) => r.id), whole.filter((r) => r.nativeId === one.nativeId || r.id === one.nativeId).map((r) => r.id));
    }
    const view = (rules: readonly RuleRecord[]) => new HuntEngine(rules).rules.map((hr) => JSON.stringify([hr.rule.id, hr.rule.kind, hr.rule.severity, hr.rule.attack, hr.logSources, hr.condition, hr.onlyWith ?? null]));
    const want = view(whole);
    assert.ok(want.length > 10);
    assert.deepEqual(view(slim), want);
  });

  it('rebuild with nothing changed parses nothing; a changed file is parsed again', async () => {
    const sources = exampleSources();
    const again = await buildCatalog({ outDir: path.join(tmp, 'cat'), mirror, attack: ATTACK, sources });
    assert.equal(again.upToDate, true);
    assert.equal(again.totals.parsed, 0);
    const f = path.join(mirror, 'sigma', 'rules', 'cloud', 'aws', 'aws_cloudtrail_stop_logging.yml');
    writeFileSync(f, (await import('node:fs')).readFileSync(f, 'utf8').replace('Example - CloudTrail Trail Stopped', 'Example - CloudTrail Trail Halted'));
    utimesSync(f, new Date(), new Date(Date.now() + 5000));
    const third = await buildCatalog({ outDir: path.join(tmp, 'cat'), mirror, attack: ATTACK, sources });
    assert.equal(third.upToDate, false);
    assert.equal(third.totals.parsed, 1);
    const cat = new Catalog(path.join(tmp, 'cat'));
    try {
      assert.equal(cat.search('Halted').rows[0]?.id, 'sigma/aws_cloudtrail_stop_logging');
      assert.equal(cat.search('Stopped Trail').rows.some((r) => r.id === 'sigma/aws_cloudtrail_stop_logging'), false);
    } finally {
      cat.close();
    }
  });

  it('an incremental build that parses many files again (over several batches) writes what a cold build writes', async () => {
    // a source of 120 rules (more than one batch of results), built, then every title changed and one file removed
    const root = tempDir('detwiki-cat-many-');
    const rule = (i: number, word: string) =>
      `title: Many ${word} ${i}\nid: 00000000-0000-4000-8000-${String(i).padStart(12, '0')}\nstatus: test\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    CommandLine|contains: 'tool${i}.exe'\n  condition: sel\nlevel: low\n`;
    const write = (word: string, n: number) => {
      rmSync(path.join(root, 'mirror'), { recursive: true, force: true });
      for (let i = 0; i < n; i++) {
        const f = path.join(root, 'mirror', 'sigma', 'rules', `r${i}.yml`);
        mkdirSync(path.dirname(f), { recursive: true });
        writeFileSync(f, rule(i, word));
      }
    };
    const opts = (out: string) => ({ outDir: path.join(root, out), mirror: path.join(root, 'mirror'), sources: [DEFAULT_SOURCES.find((d) => d.name === 'sigma')!], attack: ATTACK });
    const rows = (out: string) => {
      const cat = new Catalog(path.join(root, out));
      try {
        const rules = (cat.db.prepare('SELECT r.id, r.title, j.json FROM rules r JOIN rule_json j ON j.rowid = r.rowid ORDER BY r.id').all() as { id: string; title: string; json: string }[]).map((r) => JSON.stringify(r));
        const fts = (q: string) => cat.search(q).total;
        return { rules, oldWord: fts('Alpha'), newWord: fts('Beta'), fields: cat.db.prepare('SELECT COUNT(*) n FROM rule_fields').get() };
      } finally {
        cat.close();
      }
    };
    try {
      write('Alpha', 120);
      await buildCatalog(opts('inc'));
      assert.equal(rows('inc').oldWord, 120);
      write('Beta', 119);
      const r = await buildCatalog(opts('inc'));
      assert.equal(r.totals.parsed, 119);
      await buildCatalog(opts('cold'));
      const inc = rows('inc');
      const cold = rows('cold');
      assert.equal(inc.oldWord, 0);
      assert.equal(inc.newWord, 119);
      assert.deepEqual(inc, cold);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('search: filters typed alone list the rules they keep; an empty box lists none', () => {
    const cat = new Catalog(path.join(tmp, 'cat'));
    try {
      const r = cat.search('format:Sigma');
      assert.ok(r.total > 0 && r.rows.every((x) => x.format === 'sigma'), JSON.stringify(r.rows.slice(0, 3)));
      // every Sigma rule of every kind, as a search lists them
      assert.equal(r.total, cat.browse({ format: 'sigma', all: true }).total);
      assert.equal(cat.search('').total, 0);
      assert.equal(cat.search('   ').total, 0);
    } finally {
      cat.close();
    }
  });

  it('search: FTS syntax characters are text, field: and value: find rules by their logic', () => {
    const cat = new Catalog(path.join(tmp, 'cat'));
    try {
      for (const q of ['CVE-2021-44228', '"unbalanced', 'a*b -c', 'NEAR(x y)', 'AND OR NOT', '*', '-', ':', '(', 'field:', 'value:""', "o'brien", '\\reg.exe']) {
        assert.doesNotThrow(() => cat.search(q), q);
      }
      assert.ok(cat.search('StopLogging').total >= 5);
      const byField = cat.search('field:eventName');
      assert.ok(byField.rows.some((r) => r.format === 'panther') && byField.rows.some((r) => r.format === 'sigma'), JSON.stringify(byField.rows));
      const byValue = cat.search('value:"\\reg.exe"');
      assert.deepEqual(byValue.rows.map((r) => r.id), ['sigma/proc_creation_win_reg_query_run_keys']);
      assert.equal(cat.search('value:"\\reg.exe"', { format: 'panther' }).total, 0);
    } finally {
      cat.close();
    }
  });

  it('pages data: same action across formats, matrix counts only detections, indicators with corpus counts', () => {
    const cat = new Catalog(path.join(tmp, 'cat'));
    try {
      const r = cat.rule('panther/aws_cloudtrail_stop_logging')!;
      assert.ok(r.sameAction.groups.some((g) => g.format === 'sigma'), 'sigma rule shares eventName=StopLogging');
      assert.ok(r.sameAction.groups.every((g) => g.format !== 'panther' && g.rules.length > 0), 'no empty group, no own format');
      const ind = r.indicators.find((i) => i.field === 'eventName' && i.value === 'StopLogging');
      assert.equal(ind?.counts.sigma, 1);
      const m = cat.matrix();
      assert.ok(m.rules >= 1 && m.tactics.length === 15 || m.tactics.length > 0);
      assert.ok(cat.browse({}).rows.every((x) => x.kind === 'detection' || x.kind === 'correlation'));
      assert.ok(cat.browse({ all: true }).total >= cat.browse({}).total);
      const layer = cat.navigatorLayer();
      assert.equal(layer.versions.layer, '4.5');
    } finally {
      cat.close();
    }
  });
});

describe('build report errors', () => {
  it("an error in a file whose rule was read is said to be one (the table's error column counts files by outcome)", async (t) => {
    const tmp = tempDir('detwiki-cat-errors-');
    t.after(() => rmSync(tmp, { recursive: true, force: true }));
    const rules = path.join(tmp, 'mirror', 'sigma', 'rules');
    mkdirSync(rules, { recursive: true });
    const rule = (condition: string) => `title: Example\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: x.exe\n  condition: ${condition}\n`;
    writeFileSync(path.join(rules, 'bad_condition.yml'), rule('sel and ('));
    writeFileSync(path.join(rules, 'good.yml'), rule('sel'));
    writeFileSync(path.join(rules, 'broken.yml'), 'title: [unclosed\n');
    const r = await buildCatalog({ outDir: path.join(tmp, 'cat'), mirror: path.join(tmp, 'mirror'), sources: DEFAULT_SOURCES.filter((d) => d.name === 'sigma'), workers: 0 });
    const sigma = r.sources.find((x) => x.name === 'sigma')!;
    assert.equal(sigma.outcomes.error, 1);
    const byFile = Object.fromEntries(sigma.errors.map((e) => [e.file, e.read ?? false]));
    assert.deepEqual(byFile, { 'rules/bad_condition.yml': true, 'rules/broken.yml': false });
    assert.match(formatBuildReport(r), /\nerrors \(2, 1 of them in files whose rules are in the catalog, the part that failed shown verbatim\):\n/);
  });
});

describe('a technique ATT&CK revoked', () => {
  it("a filter of the old id lists the rules that declared it (resolved to what replaced it), beside those of the new id", async (t) => {
    const tmp = tempDir('detwiki-cat-revoked-');
    t.after(() => rmSync(tmp, { recursive: true, force: true }));
    const rules = path.join(tmp, 'mirror', 'sigma', 'rules');
    mkdirSync(rules, { recursive: true });
    const rule = (title: string, tag: string) => `title: ${title}\ntags:\n  - ${tag}\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: x.exe\n  condition: sel\n`;
    // T9002 is revoked in the fixture bundle, replaced by T9003, itself replaced by T9004
    writeFileSync(path.join(rules, 'old.yml'), rule('Declares the old id', 'attack.t9002'));
    writeFileSync(path.join(rules, 'new.yml'), rule('Declares the new id', 'attack.t9004'));
    const out = path.join(tmp, 'cat');
    await buildCatalog({ outDir: out, mirror: path.join(tmp, 'mirror'), sources: DEFAULT_SOURCES.filter((d) => d.name === 'sigma'), workers: 0, attack: path.join(import.meta.dirname, 'fixtures', 'attack', 'mini-enterprise.json') });
    const cat = new Catalog(out);
    try {
      const titles = (f: Parameters<Catalog['browse']>[0]) => cat.browse(f).rows.map((r) => r.title).sort();
      assert.deepEqual(titles({ technique: 'T9004' }), ['Declares the new id', 'Declares the old id']);
      assert.deepEqual(titles({ technique: 'T9002' }), ['Declares the new id', 'Declares the old id']);
      assert.equal(cat.browse({ technique: 't9002' }).total, 2);
      assert.equal(cat.search('technique:T9002').total, 2);
      assert.deepEqual(cat.techniqueFilterIds('t9002'), ['T9002', 'T9004']);
      assert.deepEqual(cat.techniqueFilterIds('T9004'), ['T9004']);
      // the static export's search reads the same replacements (search-index.js)
      assert.deepEqual(cat.replacedTechniques()['T9002'], ['T9004']);
      assert.equal(cat.replacedTechniques()['T9004'], undefined);
      // the old id's page says where its rules are counted, and links them
      const page = renderTechnique(SERVER, techniqueData(cat, 'T9002')!);
      assert.match(page, /Revoked: replaced by <a href="\/technique\/T9003">T9003<\/a>\. A rule that declares T9002 is counted under what replaced it \(<a href="\/browse\?technique=T9002">browse those rules<\/a>\)/);
      assert.match(page, /<dt>Rules<\/dt><dd>none under this id: counted under what replaced it \(<a href="\/browse\?technique=T9002">browse them<\/a>\)<\/dd>/);
    } finally {
      cat.close();
    }
  });
});

describe('search relevance and counts (test/fixtures/search)', () => {
  let tmp: string;
  let cat: Catalog;
  const ids = (rows: readonly { id: string }[]) => rows.map((r) => r.id);
  before(async () => {
    tmp = tempDir('detwiki-search-');
    const sigma = DEFAULT_SOURCES.find((d) => d.name === 'sigma')!;
    await buildCatalog({ outDir: path.join(tmp, 'cat'), mirror: path.join(import.meta.dirname, 'fixtures', 'search'), sources: [sigma], attack: path.join(tmp, 'none.json') });
    cat = new Catalog(path.join(tmp, 'cat'));
  });
  after(() => {
    cat?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a value the logic tests ranks first, then title and description matches (title first), then body-only matches', () => {
    const r = cat.search('zorblax');
    assert.equal(r.total, 5);
    assert.equal(r.rows[0]?.id, 'sigma/value_match');
    assert.equal(r.rows[1]?.id, 'sigma/title_match');
    assert.deepEqual(ids(r.rows.slice(0, 3)).sort(), ['sigma/description_match', 'sigma/title_match', 'sigma/value_match']);
    assert.deepEqual(ids(r.rows.slice(3)).sort(), ['sigma/body_only', 'sigma/split_match'], 'body-only matches last, however often the body repeats the word');
  });

  it('reads the catalog file through a read-only memory map (64 KB pages, a small page cache: READ_MMAP_BYTES)', () => {
    assert.ok((cat.db.pragma('mmap_size', { simple: true }) as number) > 0, 'the reading connection maps the file');
    assert.equal(cat.db.pragma('query_only', { simple: true }), 1);
    // a reader of every page (the export) turns it off, and back
    assert.equal(cat.mapFile(false), true);
    assert.equal(cat.db.pragma('mmap_size', { simple: true }), 0);
    assert.equal(cat.search('zorblax').total, 5);
    assert.equal(cat.mapFile(true), false);
    assert.ok((cat.db.pragma('mmap_size', { simple: true }) as number) > 0);
    const unmapped = new Catalog(path.join(tmp, 'cat'), { mapFile: false });
    try {
      assert.equal(unmapped.db.pragma('mmap_size', { simple: true }), 0);
    } finally {
      unmapped.close();
    }
  });

  it('every term in what describes the rule beats a term found only in the body', () => {
    // split_match has "quux" in its title but "zorblax" only in a comment
    assert.deepEqual(ids(cat.search('zorblax quux').rows), ['sigma/description_match', 'sigma/split_match']);
  });

  it('the body stays searchable', () => {
    assert.deepEqual(ids(cat.search('appears only in these comments').rows), ['sigma/body_only']);
  });

  it('lines the description holds are indexed once: its terms and phrases match, with terms of the body', () => {
    assert.deepEqual(ids(cat.search('brevwood').rows), ['sigma/guide_lines']);
    assert.deepEqual(ids(cat.search('"plimquat brevwood launcher"').rows), ['sigma/guide_lines']);
    assert.deepEqual(ids(cat.search('brevwood vextrion').rows), ['sigma/guide_lines'], 'a description term and a comment term');
    assert.deepEqual(ids(cat.search('vextrion').rows), ['sigma/guide_lines']);
  });

  it('pages run across both tiers in order, with the same total', () => {
    const all = cat.search('zorblax');
    const paged = [1, 2, 3, 4, 5, 6].flatMap((page) => {
      const r = cat.search('zorblax', {}, { page, pageSize: 2 });
      assert.equal(r.total, 5, `total on page ${page}`);
      return ids(r.rows);
    });
    assert.deepEqual(paged, ids(all.rows));
    assert.deepEqual(ids(cat.search('zorblax', {}, { page: 3, pageSize: 2 }).rows), ids(all.rows.slice(4)));
  });

  it('filters, value: and sorts apply to ranked searches', () => {
    assert.deepEqual(ids(cat.search('zorblax', { severity: 'high' }).rows), ['sigma/title_match', 'sigma/body_only']);
    assert.deepEqual(ids(cat.search('value:"\\zorblax.exe"').rows), ['sigma/value_match']);
    assert.deepEqual(ids(cat.search('zorblax severity:low').rows), ['sigma/split_match']);
    const sorted = cat.search('zorblax', {}, { sort: 'title' }).rows.map((r) => r.title);
    assert.deepEqual(sorted, [...sorted].sort((a, b) => a.localeCompare(b)));
    assert.equal(sorted.length, 5);
  });

  it('totals stop at the count cap and say so', () => {
    const capped = new Catalog(path.join(tmp, 'cat'), { searchCountCap: 3 });
    try {
      const r = capped.search('zorblax', {}, { pageSize: 2 });
      assert.equal(r.total, 3);
      assert.equal(r.totalCapped, true);
      assert.equal(r.rows.length, 2);
      const few = capped.search('zorblax quux');
      assert.equal(few.total, 2);
      assert.equal(few.totalCapped, undefined);
      const byField = capped.search('field:Image');
      assert.equal(byField.total, 3);
      assert.equal(byField.totalCapped, true);
      assert.equal(byField.rows.length, 5);
    } finally {
      capped.close();
    }
  });
});

describe('ftsBody', () => {
  it('drops the lines of the rule text that are lines of the description column, trimmed; keeps the rest', () => {
    const description = 'Short.\nThe first line of the guide.\n  The second line of the guide.  \n \n Flags tools.';
    const body = 'note = \"\"\"\nThe first line of the guide.\n    The second line of the guide.\n\"\"\"\nquery = \'process.name : x\'\nShort.';
    assert.equal(ftsBody(body, description), 'note = \"\"\"\n\"\"\"\nquery = \'process.name : x\'\nShort.');
    assert.equal(ftsBody(body, ''), body);
    assert.equal(ftsBody('nothing in common here', description), 'nothing in common here');
  });
});

describe('indicator rows', () => {
  it('a value computed from a field is listed and keyed as the computation, not as a test of the field', () => {
    const src = { repository: 'fixtures/mql' };
    const text = 'name: d\ntype: rule\nsource: |\n  type.inbound and strings.ilevenshtein(sender.display_name, "paypal") <= 2 and sender.display_name == "x"\n';
    const rule = parseMqlText('detection-rules/d.yml', text, src).rules[0]!;
    const rows = ruleRows(rule).indicators.map((r) => `${String(r[0])} ${String(r[2])} ${String(r[4])}`);
    assert.deepEqual(rows.sort(), ['ilevenshtein(sender.display_name, "paypal") le 2', 'sender.display_name eq "x"', 'type.inbound eq true']);
  });
});

describe('parseQuery', () => {
  it('quotes every token and reads prefixes', () => {
    const p = parseQuery('CVE-2021-44228 field:CommandLine value:"\\reg.exe" format:sigma mimi*');
    assert.equal(p.fts, '"CVE-2021-44228" AND "mimi"* AND vals : "\\reg.exe"');
    assert.deepEqual(p.fields, ['CommandLine']);
    assert.deepEqual(p.filters, { format: 'sigma' });
  });

  it("reads the words of a list in any case, and says which typed word is none of its list's", () => {
    assert.deepEqual(parseQuery('format:Sigma kind:DETECTION technique:t1078 x').filters, { format: 'sigma', kind: 'detection', technique: 't1078' });
    assert.equal(badWordFilter(parseQuery('format:Sigma x').filters), undefined);
    assert.equal(badWordFilter(parseQuery('severity:huge x').filters), "unknown severity 'huge' (one of informational, low, medium, high, critical)");
  });

  it('splits a match into the tested, described and body-only tiers', () => {
    const [tested, described, bodyOnly] = ftsTiers('"a" AND vals : "b"');
    assert.equal(tested, '{vals} : ("a" AND vals : "b")');
    assert.equal(described, '{title description fields vals meta} : ("a" AND vals : "b") NOT {vals} : ("a" AND vals : "b")');
    assert.equal(bodyOnly, '("a" AND vals : "b") NOT ({title description fields vals meta} : ("a" AND vals : "b"))');
  });
});

describe('metadata adapters', () => {
  const src = { repository: 'x/y', urlBase: 'https://github.com/x/y/blob/HEAD/', licence: 'L' };
  it('splunk: kinds from type, ATT&CK from mitre_attack_id, SPL parsed', () => {
    const text = 'name: A\nid: 1\ntype: Hunting\nstatus: production\nsearch: "| tstats count"\ntags:\n  mitre_attack_id:\n  - T1003.001\n  - bogus\n';
    const r = parseSplunkText('detections/endpoint/a.yml', text, src);
    assert.equal(r.outcome, 'parsed');
    const rule = r.rules[0]!;
    assert.equal(rule.kind, 'hunting');
    assert.deepEqual(rule.attackDeclared.map((a) => a.techniqueId), ['T1003.001', undefined]);
    assert.deepEqual(r.diagnostics.map((d) => d.code), ['SPL003']);
    // `| tstats count` reads every event of its source: parsed, but no condition
    assert.equal(rule.logic.completeness, 'none');
    assert.match(rule.logic.parser ?? '', /^SPL via/);
    assert.deepEqual(rule.logic.stages.map((st) => st.label), ['tstats']);
    const bad = parseSplunkText('detections/b.yml', 'name: [unclosed\n', src);
    assert.equal(bad.outcome, 'error');
    assert.equal(bad.diagnostics[0]!.code, 'GEN003');
    assert.equal(typeof bad.diagnostics[0]!.line, 'number');
  });
  it('elastic: building blocks, threshold kept, threat blocks declared with their tactic', () => {
    const text = '[metadata]\nmaturity = "production"\n[rule]\nname = "T"\nrule_id = "r"\ntype = "threshold"\nlanguage = "kuery"\nquery = "a:b"\nseverity = "low"\nbuilding_block_type = "default"\n[rule.threshold]\nfield = ["user.name"]\nvalue = 25\n[[rule.threat]]\nframework = "MITRE ATT&CK"\n[rule.threat.tactic]\nid = "TA0006"\nname = "Credential Access"\n[[rule.threat.technique]]\nid = "T1110"\nname = "Brute Force"\n';
    const rule = parseElasticText('rules_building_block/x.toml', text, src).rules[0]!;
    assert.equal(rule.kind, 'building_block');
    assert.deepEqual(rule.logic.aggregation?.threshold, { op: 'ge', value: 25 });
    assert.deepEqual(rule.attackDeclared, [{ text: 'TA0006:T1110', techniqueId: 'T1110', tactic: 'TA0006' }]);
    const err = parseElasticText('rules/y.toml', '[rule\nname=', src);
    assert.equal(err.outcome, 'error');
    assert.equal(err.diagnostics[0]!.line, 1);
  });
  it('yaral: meta, match window and #count threshold, outcome fields', () => {
    const text = 'rule r1 {\n meta:\n  rule_name = "R // not a comment"\n  technique = "T1110"\n  tactic = "TA0006"\n  severity = "High"\n events:\n  $e.metadata.event_type = "USER_LOGIN"\n  $e.target.user.userid = $u\n  $e.x = /a\\/b/ nocase\n match:\n  $u over 10m\n outcome:\n  $risk_score = max(50)\n  $ips = array_distinct($e.principal.ip)\n condition:\n  #e > 5\n}\n';
    const r = parseYaralText('rules/x.yaral', text, src);
    assert.equal(r.outcome, 'parsed', JSON.stringify(r.diagnostics));
    const rule = r.rules[0]!;
    assert.equal(rule.title, 'R // not a comment');
    assert.deepEqual(rule.attackDeclared, [{ text: 'TA0006:T1110', techniqueId: 'T1110', tactic: 'TA0006' }]);
    assert.deepEqual(rule.logic.aggregation?.threshold, { op: 'gt', value: 5, of: '#e' });
    assert.equal(rule.logic.aggregation?.window, '10m');
    assert.deepEqual(rule.logic.outputFields.map((o) => o.name), ['$risk_score', '$ips', '$u']);
    assert.deepEqual(rule.logic.stages.map((s) => s.label), ['$e', 'match', 'outcome', 'condition']);
    const bad = parseYaralText('rules/y.yaral', 'rule r {\n meta:\n  a = "unterminated\n', src);
    assert.equal(bad.outcome, 'error');
    assert.equal(bad.diagnostics[0]!.code, 'YRL001');
    assert.equal(bad.diagnostics[0]!.line, 3);
  });
  it('mql: kinds by type and folder, no ATT&CK invented from Sublime tactics', () => {
    const rule = parseMqlText('insights/x.yml', 'name: q\ntype: query\nsource: type.inbound\ntactics_and_techniques: ["Social engineering"]\n', src).rules[0]!;
    assert.equal(rule.kind, 'signal');
    assert.deepEqual(rule.attackDeclared, []);
    assert.deepEqual(rule.facts.tactics_and_techniques, ['Social engineering']);
  });
});
