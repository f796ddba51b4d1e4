/** The wiki server: untrusted rule text renders inert, nothing outside the catalog is served, read-only. */
import { highlightFactsFor } from '../src/catalog/formatServices.ts';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildCatalog } from '../src/catalog/build.ts';
import { Catalog } from '../src/catalog/query.ts';
import { DEFAULT_SOURCES, examplesDir, exampleSources } from '../src/catalog/sources.ts';
import { CLAIM, EXPORT_MARKER, exportSite } from '../src/web/export.ts';
import { renderMarkdown } from '../src/web/markdown.ts';
import { highlight } from '../src/web/highlight.ts';
import { pathSegments, serveCatalog, type Serving } from '../src/web/server.ts';
import { renderRule, ruleData } from '../src/web/pages/rule.ts';
import { renderSearch, searchData } from '../src/web/pages/lists.ts';
import { link, SERVER } from '../src/web/site.ts';
import { warmPages } from '../src/web/warm.ts';
import { esc } from '../src/web/html.ts';
import { SHARED, SHARED_PRESENT } from './helpers/golden.ts';
import { tempDir } from './helpers/tempDir.ts';

const FIX = path.join(import.meta.dirname, 'fixtures', 'web', 'xss');

/** Raw request (fetch would normalise `..` away before sending). */
function rawGet(url: string, p: string, method = 'GET'): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: p, method }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('esc', () => {
  it('escapes the five characters, the ampersand once, and returns other text as it is', () => {
    assert.equal(esc(`<a href="x" title='&lt;'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;&amp;lt;&#39;&gt;&amp;&lt;/a&gt;');
    assert.equal(esc('&&<<>>""\'\''), '&amp;&amp;&lt;&lt;&gt;&gt;&quot;&quot;&#39;&#39;');
    const plain = 'cmd.exe /c whoami — ünïcode';
    assert.equal(esc(plain), plain);
    assert.equal(esc(12), '12');
    assert.equal(esc(null), '');
    assert.equal(esc(undefined), '');
    assert.equal(esc({ toString: () => '<b>' }), '&lt;b&gt;');
  });
});

describe('wiki server security', () => {
  let tmp: string;
  let s: Serving;
  before(async () => {
    tmp = tempDir('detwiki-web-');
    const def = DEFAULT_SOURCES.find((d) => d.name === 'sublime')!;
    await buildCatalog({ outDir: path.join(tmp, 'cat'), mirror: FIX, sources: [def], attack: path.join(tmp, 'none.json') });
    s = await serveCatalog({ dir: path.join(tmp, 'cat'), port: 0 });
  });
  after(async () => {
    await s.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('binds 127.0.0.1 by default', () => {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('rule title, description, references, tags and body with HTML/script render inert', async () => {
    const r = await rawGet(s.url, '/rule/mql/xss');
    assert.equal(r.status, 200);
    const b = r.body;
    assert.doesNotMatch(b, /<script>alert/i);
    assert.doesNotMatch(b, /<script(?![^>]*src="\/static\/app\.js")/i, 'only the wiki script tag');
    assert.doesNotMatch(b, /href\s*=\s*["']?\s*javascript:/i);
    assert.doesNotMatch(b, /<img/i);
    assert.doesNotMatch(b, /<b onmouseover/i);
    assert.doesNotMatch(b, /<[a-z][^>]*\son\w+\s*=/i, 'no event-handler attribute in any real tag');
    assert.match(b, /&lt;script&gt;alert\(&#39;title&#39;\)&lt;\/script&gt;/);
    assert.match(b, /href="https:\/\/example\.com\/ok"/);
    // a right-to-left override in a reference is shown as a mark, not obeyed (it would show "Annexe.jpeg")
    assert.match(b, /Ann&lt;U\+202E&gt;gepj\.exe/);
    assert.doesNotMatch(b, /\u202e/);
    assert.match(String(r.headers['content-security-policy'] ?? ''), /script-src 'self'/);
    const search = await rawGet(s.url, '/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    assert.equal(search.status, 200);
    assert.doesNotMatch(search.body, /<script>alert/);
  });

  it('markdown sanitizer and highlighter escape', () => {
    const h = renderMarkdown('[x](javascript:alert(1)) <script>x</script> [y](data:text/html,hi) [z](vbscript:x)');
    assert.doesNotMatch(h, /href="(javascript|data|vbscript):/i);
    assert.doesNotMatch(h, /<script>/);
    assert.doesNotMatch(highlight('a: "<script>"\n# <b>', highlightFactsFor('yaml')), /<script>|<b>/);
    // bidirectional controls: a visible mark in text, code and link text alike (the link's address is percent-encoded)
    const bidi = renderMarkdown('Ann\u202egepj.exe `c\u2066d` [l\u202e](https://example.com/\u202e)');
    assert.equal(bidi.match(/&lt;U\+202E&gt;/g)?.length, 2);
    assert.match(bidi, /<code>c&lt;U\+2066&gt;d<\/code>/);
    assert.match(bidi, /href="https:\/\/example\.com\/%E2%80%AE"/);
    assert.doesNotMatch(bidi + highlight('a: "\u202e"', highlightFactsFor('yaml')), /[\u202e\u2066]/);
  });

  it('paths outside the catalog and the assets cannot be served', async () => {
    for (const p of ['/static/../catalog.sqlite', '/../catalog.sqlite', '/%2e%2e/catalog.sqlite', '/static/%2e%2e%2fcatalog.sqlite', '/static/..%2f..%2fpackage.json', '/static/%2E%2E/%2E%2E/etc/passwd', '/rule/..%5c..%5cetc', '/static/style.css%00.txt', '/catalog.sqlite', '/build-report.json', '/static/%ZZ']) {
      const r = await rawGet(s.url, p);
      assert.equal(r.status, 404, p);
      assert.doesNotMatch(r.body, /SQLite format|"dependencies"|root:/, p);
    }
    assert.equal(pathSegments('/a/%2e%2e/b'), undefined);
    assert.equal((await rawGet(s.url, '/static/style.css')).status, 200);
  });

  it('is read-only: only GET and HEAD', async () => {
    for (const m of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const r = await rawGet(s.url, '/', m);
      assert.equal(r.status, 405, m);
      assert.equal(r.headers.allow, 'GET, HEAD');
    }
    const head = await rawGet(s.url, '/', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });

  it('JSON API mirrors the pages', async () => {
    const r = await rawGet(s.url, '/api/rule/mql/xss');
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).rule.id, 'mql/xss');
    // a reference with an escape sequence and a C1 CSI: the same text to a JSON reader, neither raw in the body
    // (`curl` of the API on a terminal)
    assert.ok((JSON.parse(r.body).rule.references as string[]).includes('https://example.com/\u001b[2J\u009b2J'));
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(r.body, /[\u0000-\u001f\u007f-\u009f]/);
    assert.equal((await rawGet(s.url, '/api/home')).status, 200);
    assert.equal((await rawGet(s.url, '/api/search?q=evil')).status, 200);
    assert.equal(JSON.parse((await rawGet(s.url, '/api/search?q=evil')).body).result.total, 1);
    assert.equal((await rawGet(s.url, '/api/nothing')).status, 404);
  });

  it('a 404 of a rule, technique or tactic says why, the id escaped', async () => {
    const rule = await rawGet(s.url, '/rule/mql/%3Cscript%3Ealert(1)');
    assert.equal(rule.status, 404);
    assert.match(rule.body, /no rule &#39;mql\/&lt;script&gt;alert\(1\)&#39; in the catalog/);
    assert.doesNotMatch(rule.body, /<script>alert/);
    const tech = await rawGet(s.url, '/api/technique/T9999');
    assert.equal(tech.status, 404);
    assert.match(tech.headers['content-type'] ?? '', /application\/json/);
    assert.equal(JSON.parse(tech.body).error, "no technique 'T9999' in the catalog (built without an ATT&CK bundle) or in any rule's mapping");
    assert.match(JSON.parse((await rawGet(s.url, '/api/tactic/x')).body).error, /^no tactic 'x' in the catalog \(built without an ATT&CK bundle\)/);
  });

  it('a filter word that is none of its list is a bad request naming the words, not an empty list', async () => {
    const api = await rawGet(s.url, '/api/search?q=evil&format=sigam');
    assert.equal(api.status, 400);
    assert.match(JSON.parse(api.body).error, /^unknown format 'sigam' \(one of panther, sigma, kusto/);
    for (const p of ['/api/browse?kind=rulez', '/api/matrix?severity=huge', '/api/technique/T1078?status=stabl', '/browse?format=sigma,kusto']) assert.equal((await rawGet(s.url, p)).status, 400, p);
    // the page says it, the word escaped
    const page = await rawGet(s.url, '/search?q=evil&format=%3Cscript%3Ex');
    assert.equal(page.status, 400);
    assert.match(page.headers['content-type'] ?? '', /text\/html/);
    assert.match(page.body, /unknown format &#39;&lt;script&gt;x&#39;/);
    // the words of the lists are still filters, in any case; the other filters (free words) are not checked
    assert.equal(JSON.parse((await rawGet(s.url, '/api/search?q=evil&format=mql&severity=high')).body).filters.format, 'mql');
    const upper = JSON.parse((await rawGet(s.url, '/api/search?q=evil&format=MQL')).body);
    assert.deepEqual([upper.filters.format, upper.result.total], ['mql', 1]);
    assert.equal((await rawGet(s.url, '/api/browse?logsource=nothing&tactic=nothing')).status, 200);
    // a technique no bundle or rule knows is one too; a tactic's id is named as one
    const tech = await rawGet(s.url, '/api/search?q=evil&technique=T9999');
    assert.equal(tech.status, 400);
    assert.match(JSON.parse(tech.body).error, /^technique: no technique 'T9999' in /);
    // so are the filters typed in the search box
    const typed = await rawGet(s.url, '/api/search?q=evil+format%3Asigam');
    assert.equal(typed.status, 400);
    assert.match(JSON.parse(typed.body).error, /^in the search: unknown format 'sigam' \(one of panther/);
    assert.match(JSON.parse((await rawGet(s.url, '/api/search?q=technique%3AT9999')).body).error, /^in the search: technique: no technique 'T9999'/);
    assert.equal(JSON.parse((await rawGet(s.url, '/api/search?q=evil+format%3AMQL')).body).result.total, 1);
  });

  it('static export writes every rule page and the JSON index, inert too', async () => {
    const cat = new Catalog(path.join(tmp, 'cat'));
    try {
      const out = path.join(tmp, 'site');
      const r = await exportSite(cat, out, { workers: 0 });
      assert.ok(r.files >= 8);
      const page = readFileSync(path.join(out, 'rule', 'mql', 'xss.html'), 'utf8');
      assert.doesNotMatch(page, /<script>alert|href="javascript:/i);
      assert.match(page, /href="\.\.\/\.\.\/static\/style\.css"/);
      assert.ok(existsSync(path.join(out, 'search-index.json')));
      assert.equal(JSON.parse(readFileSync(path.join(out, 'search-index.json'), 'utf8'))[0].id, 'mql/xss');
    } finally {
      cat.close();
    }
  });
});

describe('static export of the examples: indicator pages only for shared indicators', () => {
  let tmp: string;
  let cat: Catalog;
  before(async () => {
    tmp = tempDir('detwiki-export-');
    cpSync(examplesDir(), path.join(tmp, 'mirror'), { recursive: true });
    const attack = SHARED_PRESENT ? path.join(SHARED, 'attack', 'enterprise-attack-19.1.json') : path.join(import.meta.dirname, 'fixtures', 'attack', 'mini-enterprise.json');
    await buildCatalog({ outDir: path.join(tmp, 'cat'), mirror: path.join(tmp, 'mirror'), sources: exampleSources(), attack });
    cat = new Catalog(path.join(tmp, 'cat'));
  });
  after(() => {
    cat?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const htmlFiles = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith('.html'))
      .map((e) => path.join(e.parentPath, e.name));

  it('writes a page for each indicator of two or more rules, and every indicator link resolves', async () => {
    const out = path.join(tmp, 'site');
    const r = await exportSite(cat, out, { workers: 0 });
    const keys = cat.indicatorPageKeys();
    assert.ok(keys.length >= 1, 'some indicator is shared (eventName = StopLogging: Panther and Sigma)');
    assert.equal(r.pages.indicator, keys.length);
    for (const k of keys) assert.ok(cat.indicatorHasPage(k), k);
    const single = (cat.db.prepare('SELECT key FROM indicator_keys WHERE total = 1 AND key NOT IN (SELECT key FROM exclusions) AND key NOT IN (SELECT key FROM indicator_canon) LIMIT 1').get() as { key: string } | undefined)?.key;
    assert.ok(single, 'some indicator belongs to one rule only');
    assert.equal(cat.indicatorHasPage(single), false);
    assert.equal(existsSync(path.join(out, 'indicator', `${single}.html`)), false);
    const broken: string[] = [];
    let links = 0;
    for (const f of htmlFiles(out)) {
      for (const m of readFileSync(f, 'utf8').matchAll(/href="([^"#?]*indicator\/[^"#?]+\.html)"/g)) {
        links++;
        const target = path.resolve(path.dirname(f), decodeURIComponent(m[1]!));
        if (!existsSync(target)) broken.push(`${path.relative(out, f)} -> ${m[1]}`);
      }
    }
    assert.ok(links >= 1, 'rule pages link shared indicators');
    assert.deepEqual(broken, []);
    assert.ok(existsSync(path.join(out, 'search-index.json')) && existsSync(path.join(out, 'search-index.js')));
  });

  it('an export on worker threads writes the same files, byte for byte, as one thread', async () => {
    const one = await exportSite(cat, path.join(tmp, 'one'), { workers: 0 });
    const two = await exportSite(cat, path.join(tmp, 'two'), { workers: 2 });
    // the export reads without the memory map, and leaves the connection as it found it
    assert.ok((cat.db.pragma('mmap_size', { simple: true }) as number) > 0);
    assert.equal(one.threads, 1);
    assert.equal(two.threads, 3);
    assert.deepEqual([two.files, two.bytes, two.pages], [one.files, one.bytes, one.pages]);
    const files = (dir: string) =>
      readdirSync(dir, { withFileTypes: true, recursive: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
        .sort();
    const names = files(path.join(tmp, 'one'));
    assert.ok(names.length > 2 * CLAIM, 'more pages than one claim, so that every thread renders some');
    assert.deepEqual(files(path.join(tmp, 'two')), names);
    const differ = names.filter((f) => !readFileSync(path.join(tmp, 'one', f)).equals(readFileSync(path.join(tmp, 'two', f))));
    assert.deepEqual(differ, []);
  });

  it('a worker that stops leaves no page out: the main thread writes the pages it claimed and did not finish', async () => {
    // the worker reads a copy of the catalog without the table every keyed page reads, so it stops on its first page
    const broken = path.join(tmp, 'broken-cat');
    cpSync(path.join(tmp, 'cat'), broken, { recursive: true });
    const db = new Database(path.join(broken, 'catalog.sqlite'));
    db.exec('DROP TABLE rules');
    db.close();
    // the main thread is slowed down on the first pages it renders, so that the worker (which starts in about a
    // second) claims some pages of its own before the main thread has claimed them all
    let slow = 4;
    const viaBroken = Object.create(cat, {
      dir: { value: broken },
      rule: {
        value: (id: string) => {
          if (slow-- > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
          return cat.rule(id);
        },
      },
    }) as Catalog;
    const r = await exportSite(viaBroken, path.join(tmp, 'three'), { workers: 1 });
    assert.equal(r.workerFailures?.length, 1);
    assert.match(r.workerFailures![0]!, /no such table: rules/);
    const one = await exportSite(cat, path.join(tmp, 'four'), { workers: 0 });
    assert.deepEqual([r.files, r.bytes, r.pages], [one.files, one.bytes, one.pages]);
    const differ = readdirSync(path.join(tmp, 'four'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.relative(path.join(tmp, 'four'), path.join(e.parentPath, e.name)))
      .filter((f) => !existsSync(path.join(tmp, 'three', f)) || !readFileSync(path.join(tmp, 'three', f)).equals(readFileSync(path.join(tmp, 'four', f))));
    assert.deepEqual(differ, []);
  });

  it('an export into the folder of an earlier export removes the files it did not write there, and nothing else', async () => {
    const site = path.join(tmp, 'again');
    const first = await exportSite(cat, site, { workers: 0 });
    assert.equal(first.removed, 0);
    assert.ok(existsSync(path.join(site, EXPORT_MARKER)));
    // what a rule, an indicator and an asset gone from the catalog leave behind; the user's own files beside them
    const outside = path.join(tmp, 'outside.txt');
    writeFileSync(outside, 'kept');
    writeFileSync(path.join(site, 'rule', 'panther', 'gone_rule.html'), 'old page');
    mkdirSync(path.join(site, 'rule', 'vanished'));
    writeFileSync(path.join(site, 'rule', 'vanished', 'x.html'), 'old page');
    writeFileSync(path.join(site, 'static', 'old.css'), 'old asset');
    symlinkSync(outside, path.join(site, 'indicator', 'link.html'));
    writeFileSync(path.join(site, 'notes.txt'), 'mine');
    mkdirSync(path.join(site, 'mine'));
    writeFileSync(path.join(site, 'mine', 'page.html'), 'mine');
    const second = await exportSite(cat, site, { workers: 1 });
    assert.equal(second.removed, 4);
    assert.deepEqual([second.files, second.bytes, second.pages], [first.files, first.bytes, first.pages]);
    for (const gone of ['rule/panther/gone_rule.html', 'rule/vanished', 'static/old.css', 'indicator/link.html']) assert.equal(existsSync(path.join(site, gone)), false, gone);
    // a link is removed, not what it points to; files outside the export's own folders stay
    assert.equal(readFileSync(outside, 'utf8'), 'kept');
    assert.equal(readFileSync(path.join(site, 'notes.txt'), 'utf8'), 'mine');
    assert.equal(readFileSync(path.join(site, 'mine', 'page.html'), 'utf8'), 'mine');
    // every page of the export is still there, the same as in a fresh folder
    const fresh = path.join(tmp, 'fresh');
    await exportSite(cat, fresh, { workers: 0 });
    const files = (dir: string) =>
      readdirSync(dir, { withFileTypes: true, recursive: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
        .sort();
    assert.deepEqual(files(site), [...files(fresh), 'mine/page.html', 'notes.txt'].sort());
  });

  it('a folder no export wrote before keeps every file it had: nothing is removed', async () => {
    const site = path.join(tmp, 'users');
    mkdirSync(path.join(site, 'rule'), { recursive: true });
    writeFileSync(path.join(site, 'rule', 'mine.html'), 'mine');
    const r = await exportSite(cat, site, { workers: 0 });
    assert.equal(r.removed, 0);
    assert.equal(readFileSync(path.join(site, 'rule', 'mine.html'), 'utf8'), 'mine');
  });

  it('a rule page links a shared indicator and lists a one-rule indicator without a link', () => {
    const d = ruleData(cat, 'panther/aws_cloudtrail_stop_logging')!;
    const shared = d.indicators.find((i) => i.field === 'eventName' && i.value === 'StopLogging')!;
    assert.equal(shared.page, true);
    const page = renderRule(SERVER, d);
    // the link carries the rule it is on (?from=): the indicator page offers to compare with it
    assert.ok(page.includes(`href="/indicator/${encodeURIComponent(shared.key)}?from=`) || page.includes(`href="/indicator/${shared.key}?from=`));
    const one = cat.db.prepare(
      `SELECT r.id, i.key FROM indicator_keys k JOIN indicators i ON i.key = k.key JOIN rules r ON r.rowid = i.rule
       WHERE k.total = 1 AND k.key NOT IN (SELECT key FROM exclusions) AND i.op = 'eq' LIMIT 1`,
    ).get() as { id: string; key: string };
    const owner = ruleData(cat, one.id)!;
    const alone = owner.indicators.find((i) => i.key === one.key)!;
    assert.equal(alone.page, false);
    const html = renderRule(SERVER, owner);
    assert.equal(html.includes(`/indicator/${encodeURIComponent(one.key)}`) || html.includes(`/indicator/${one.key}`), false, 'no link to a page that lists one rule');
    assert.ok(html.includes(esc(JSON.stringify(alone.value))), 'the value is listed on the rule page');
  });

  it("a correlation rule's page states its correlation and says its tests are decided by it", () => {
    const d = ruleData(cat, 'panther/aws_root_login_then_stop_logging')!;
    assert.equal(d.tests.by, 'correlation');
    assert.deepEqual(d.tests.outcomes.map((o) => [o.got, o.agrees]), [[true, true], [false, true], [false, true], [false, true]]);
    const page = renderRule(SERVER, d);
    assert.ok(page.includes('<li>Sequence (in this order) within 120 minutes:</li>'), 'the correlation in words');
    assert.ok(page.includes('<li>1. RootLogin (rule Example.AWS.Console.RootLogin): at least one match</li>'));
    assert.ok(page.includes('decided by the rule’s correlation'));
    assert.ok(page.includes('correlated on recipientAccountId = 123456789012'), 'why the first test fired');
    // the rules it correlates, linked by their native ids
    assert.deepEqual(d.aggregated['Example.AWS.Console.RootLogin']?.id, 'panther/aws_console_root_login');
    assert.ok(page.includes(`<a href="${link.rule(SERVER, 'panther/aws_cloudtrail_stop_logging')}" title="Example: CloudTrail logging stopped"><code>Example.AWS.CloudTrail.StopLogging</code></a>`));
  });
  it('the server warms a page of each format and kind (and the Markdown and RE2 code) before its first request', () => {
    const kinds = cat.db.prepare('SELECT COUNT(*) n FROM (SELECT DISTINCT format, kind FROM rules)').get() as { n: number };
    const w = warmPages(cat);
    assert.ok(kinds.n >= 5);
    assert.equal(w.pages, kinds.n);
    // a catalog it cannot read is not an error at start: the requests say what is wrong
    const closed = new Catalog(path.join(tmp, 'cat'));
    closed.db.close();
    assert.equal(warmPages(closed).pages, 0);
  });

  it('a capped search total reads "N+" and the pager offers the next page', () => {
    const capped = new Catalog(path.join(tmp, 'cat'), { searchCountCap: 1 });
    try {
      const d = searchData(capped, { q: 'StopLogging' });
      assert.equal(d.result.totalCapped, true);
      const html = renderSearch(SERVER, { ...d, result: { ...d.result, pageSize: d.result.rows.length } });
      assert.match(html, /<strong id="result-count">1\+<\/strong>/);
      assert.match(html, /rel="next"/);
    } finally {
      capped.close();
    }
  });
});
