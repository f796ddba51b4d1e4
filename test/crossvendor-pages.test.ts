/**
 * Cross-format views on the technique and indicator pages, and indicator counts over canonical fields: the examples
 * (CloudTrail StopLogging in seven languages, each spelling the field its own way) plus two invented Sigma rules: one
 * testing `stoplogging` case-sensitively (a spelling no case-sensitive rule of the examples uses) and one whose
 * title and value carry markup.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildCatalog } from '../src/catalog/build.ts';
import { Catalog } from '../src/catalog/query.ts';
import { examplesDir, exampleSources } from '../src/catalog/sources.ts';
import { renderTechnique } from '../src/web/pages/attack.ts';
import { renderIndicator } from '../src/web/pages/misc.ts';
import { renderRule, ruleData } from '../src/web/pages/rule.ts';
import { SERVER } from '../src/web/site.ts';
import { SHARED, SHARED_PRESENT } from './helpers/golden.ts';
import { tempDir } from './helpers/tempDir.ts';

const ATTACK = SHARED_PRESENT ? path.join(SHARED, 'attack', 'enterprise-attack-19.1.json') : path.join(import.meta.dirname, 'fixtures', 'attack', 'mini-enterprise.json');

const CASED = `title: Stop logging, lower case, case-sensitive
id: 0b7e4c1a-1111-4c7e-9a53-2c4b8f1e7a11
status: test
description: Invented for a test.
tags:
    - attack.defense-evasion
    - attack.t1562.008
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventName|cased: stoplogging
    condition: selection
level: low
`;

const MARKUP = `title: "<script>alert(1)</script> trail stopped"
id: 0b7e4c1a-2222-4c7e-9a53-2c4b8f1e7a12
status: test
description: Invented for a test.
tags:
    - attack.defense-evasion
    - attack.t1562.008
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventName: StopLogging
        userAgent: "<img src=x onerror=alert(2)>"
    condition: selection
level: low
`;

describe('cross-format views of the technique and indicator pages', () => {
  let tmp: string;
  let cat: Catalog;
  before(async () => {
    tmp = tempDir('detwiki-xvpages-');
    const mirror = path.join(tmp, 'mirror');
    cpSync(examplesDir(), mirror, { recursive: true });
    const dir = path.join(mirror, 'sigma', 'rules', 'cloud', 'aws');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'aws_cased_stop_logging.yml'), CASED);
    writeFileSync(path.join(dir, 'aws_markup_stop_logging.yml'), MARKUP);
    await buildCatalog({ outDir: path.join(tmp, 'cat'), mirror, attack: ATTACK, sources: exampleSources() });
    cat = new Catalog(path.join(tmp, 'cat'));
  });
  after(() => {
    cat?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const eventNameOf = (id: string) => cat.rule(id)!.indicators.find((i) => /^(eventName|event\.action|metadata\.product_event_type)$/.test(i.field) && String(i.value).toLowerCase() === 'stoplogging')!;

  it('a rule page counts the rules of every format that test the canonical field and value, however they spell the field', () => {
    const ind = eventNameOf('panther/aws_cloudtrail_stop_logging');
    // natively only the rules spelling the field eventName count
    assert.equal(ind.counts.elastic, undefined);
    assert.equal(ind.canonical?.label, 'aws.cloudtrail: eventName eq "StopLogging"');
    // every other example language, and the invented Sigma rule with the same spelling; not the case-sensitive `stoplogging`
    assert.deepEqual(ind.canonical?.counts, { elastic: 1, kusto: 1, sigma: 2, splunk: 1, yaral: 1 });
    assert.equal(ind.canonical?.formats, 5);
    const el = eventNameOf('elastic/defense_evasion_cloudtrail_stopped');
    assert.equal(el.field, 'event.action');
    assert.equal(el.canonical?.counts.panther, 1);
    assert.equal(el.page, true, 'its only native rule, but other formats test it: it has a page');
    assert.equal(cat.indicatorHasPage(el.key), true);
    assert.ok(cat.indicatorPageKeys().includes(el.key));
  });

  it('case rules: a case-sensitive value counts case-insensitive tests and its own spelling only', () => {
    const ind = eventNameOf('sigma/aws_cased_stop_logging');
    assert.equal(ind.value, 'stoplogging');
    // Panther (==), KQL (==), Elastic and YARA-L test "StopLogging" case-sensitively: never the same value
    assert.deepEqual(ind.canonical?.counts, { sigma: 2, splunk: 1 }, 'the two other Sigma rules and Splunk compare case-insensitively');
    // natively (values compare case-insensitively across formats) they are one indicator
    assert.equal(ind.counts.kusto, 1);
  });

  it('the indicator page lists the rules that spell the canonical field otherwise, with their field', () => {
    const ind = eventNameOf('panther/aws_cloudtrail_stop_logging');
    const d = cat.indicator(ind.key)!;
    const listed = new Set(Object.values(d.byFormat).flat().map((r) => r.id));
    assert.equal(d.canonical.length, 1);
    const c = d.canonical[0]!;
    // the native key compares values case-insensitively: the case-sensitive `stoplogging` is one of its rules, so every spelling counts
    assert.equal(c.rules, 8);
    const others = new Map(c.others.map((r) => [r.id, r.native_field]));
    assert.equal(others.get('elastic/defense_evasion_cloudtrail_stopped'), 'event.action');
    assert.equal(others.get('yaral/aws_cloudtrail_stopped'), 'metadata.product_event_type');
    for (const id of others.keys()) assert.equal(listed.has(id), false, `${id} is listed once`);
    const page = renderIndicator(SERVER, d, 'panther/aws_cloudtrail_stop_logging');
    assert.match(page, /Same canonical field and value, every format/);
    assert.match(page, /8 rules in 6 formats/);
    assert.match(page, /<code>event\.action<\/code>/);
  });

  it('the technique page groups its rules by the canonical action rules of two or more formats test', () => {
    const tid = (cat.db.prepare("SELECT a.technique t FROM rule_attack a JOIN rules r ON r.rowid = a.rule WHERE r.id = 'panther/aws_cloudtrail_stop_logging' AND a.technique IS NOT NULL").get() as { t: string }).t;
    const d = cat.technique(tid);
    const g = d.sameAction.find((x) => x.key.toLowerCase() === 'aws.cloudtrail: eventname = stoplogging');
    assert.ok(g, JSON.stringify(d.sameAction.map((x) => x.key)));
    const formats = new Set(g.formats.map((f) => f.format));
    for (const f of ['panther', 'sigma', 'elastic']) assert.ok(formats.has(f), `${f} in ${[...formats].join(',')}`);
    assert.ok(g.formats.every((f) => f.rules.length <= f.count && f.rules.length > 0));
    assert.ok(d.topIndicators.some((i) => i.canonical && i.canonical.formats >= 5), 'the indicators show their count across formats');
    const page = renderTechnique(SERVER, d);
    assert.match(page, /<h2>Same action across formats<\/h2>/);
    assert.match(page, /Across formats/);
    // untrusted rule text renders inert
    assert.doesNotMatch(page, /<script>alert\(1\)/);
    assert.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt; trail stopped/);
  });

  it('markup in a value stays text on the rule and indicator pages', () => {
    const id = 'sigma/aws_markup_stop_logging';
    const d = ruleData(cat, id)!;
    const page = renderRule(SERVER, d);
    assert.doesNotMatch(page, /<img src=x/);
    assert.doesNotMatch(page, /<script>alert/);
    const ua = d.indicators.find((i) => i.field === 'userAgent')!;
    assert.ok(ua.canonical, 'userAgent is a CloudTrail field');
    const ip = renderIndicator(SERVER, cat.indicator(eventNameOf(id).key)!, id);
    assert.doesNotMatch(ip, /<script>alert/);
  });
});
