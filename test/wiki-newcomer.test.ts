/**
 * Issue 18, the wiki as a newcomer meets it: the five defects (search help, favicon, query kept in the box, `show`
 * errors before the ATT&CK note; the matrix overlap and the static query box are in browser.test.ts), "why it
 * matched", comparing two rules, and the parser coverage page against `detwiki scan --json`.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildCatalog } from '../src/catalog/build.ts';
import { compareRules } from '../src/catalog/compare.ts';
import { parsingCoverage } from '../src/catalog/parsingCoverage.ts';
import { Catalog } from '../src/catalog/query.ts';
import { parseQuery } from '../src/catalog/searchQuery.ts';
import { explainMatch, type MatchLocation } from '../src/catalog/snippets.ts';
import { examplesDir, exampleSources } from '../src/catalog/sources.ts';
import { and, not, or, pred } from '../src/model/expr.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { exportSite } from '../src/web/export.ts';
import { renderSearch, searchData } from '../src/web/pages/lists.ts';
import { whyList } from '../src/web/pages/why.ts';
import { renderCompare } from '../src/web/pages/compare.ts';
import { serveCatalog, type Serving } from '../src/web/server.ts';
import { SERVER, staticSite } from '../src/web/site.ts';
import { fixture } from './helpers/golden.ts';
import { scanRepo } from '../src/cli/context.ts';
import { scanReport } from '../src/cli/commands/scan.ts';
import type { Format } from '../src/model/facts.ts';
import { tempDir } from './helpers/tempDir.ts';

const BIN = path.join(import.meta.dirname, '..', 'bin', 'detwiki.js');
const ENV = { ...process.env, DETWIKI_ATTACK: '', DETWIKI_CACHE: '/nonexistent-detwiki-cache' };

function get(url: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type'] ?? '') }));
      })
      .on('error', reject);
  });
}

/** `detwiki …` as a child process, without blocking the event loop (several run at once). */
function detwikiAsync(args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: ENV });
    let out = '';
    let err = '';
    p.stdout.on('data', (c) => (out += c));
    p.stderr.on('data', (c) => (err += c));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

/** A rule record with only what the tests need (invented). */
function record(over: Omit<Partial<RuleRecord>, 'logic'> & { logic: Partial<RuleRecord['logic']> }): RuleRecord {
  const base = {
    id: 'sigma/x',
    format: 'sigma',
    title: 'A rule',
    kind: 'detection',
    kindReason: '',
    status: 'stable',
    tags: [],
    references: [],
    falsePositives: [],
    logSources: [],
    attackDeclared: [],
    attack: [],
    tests: [],
    diagnostics: [],
    facts: {},
    body: [],
    source: { repository: 'r', path: 'p.yml' },
  };
  const logic = { stages: [], completeness: 'complete', missing: [], exclusions: [], indicators: [], outputFields: [], eventKeys: [], ...over.logic };
  return { ...base, ...over, logic } as unknown as RuleRecord;
}

const where = (locs: readonly MatchLocation[]) => locs.map((l) => l.where);
const marked = (l: MatchLocation | undefined) => (l?.snippet ?? []).filter((p) => p.mark).map((p) => p.text);

describe('defect 1: the search help shows value:"\\reg.exe" (no carriage return)', () => {
  it('server and static search pages', () => {
    const d = { q: '', filters: {}, paging: {}, result: { parsed: parseQuery(''), total: 0, page: 1, pageSize: 50, rows: [] }, facets: { format: [], kind: [], severity: [], status: [], tactic: [], logsource: [] }, why: {} };
    for (const site of [SERVER, staticSite('search.html')]) {
      const h = renderSearch(site, d);
      assert.ok(!h.includes('\r'), `${site.mode}: a carriage return in the page`);
      assert.ok(h.includes('value:"\\reg.exe"'), `${site.mode}: the help names value:"\\reg.exe"`);
    }
  });
});

describe('why it matched', () => {
  const rule = record({
    title: 'Trust policy opened',
    description: 'Someone <b>opened</b> a role trust policy.',
    body: [{ path: 'x.py', language: 'python', text: 'def rule(e):\n    # looks at UpdateAssumeRolePolicy calls only\n    return e.get("eventName") != "Other"' }],
    logic: {
      condition: and(not(or(pred('errorCode', 'is_not_null'), pred('eventName', 'ne', ['UpdateAssumeRolePolicy']))), not(pred('userAgent', 'contains', ['terraform<script>']))),
    },
  } as never);

  it('a value the logic tests, in its positive form, with the value marked', () => {
    const locs = explainMatch(rule, parseQuery('updateassumerolepolicy'));
    assert.deepEqual(where(locs), ['value']);
    assert.equal(locs[0]!.label, 'value its logic tests');
    assert.equal(locs[0]!.snippet.map((p) => p.text).join(''), 'eventName eq "UpdateAssumeRolePolicy"');
    assert.deepEqual(marked(locs[0]), ['UpdateAssumeRolePolicy']);
  });

  it('an excluded value is labelled as excluded; fields, title, description', () => {
    assert.deepEqual(where(explainMatch(rule, parseQuery('terraform'))), ['excluded']);
    assert.deepEqual(where(explainMatch(rule, parseQuery('errorcode'))), ['field']);
    assert.deepEqual(where(explainMatch(rule, parseQuery('trust'))), ['title', 'description']);
    assert.deepEqual(where(explainMatch(rule, parseQuery('field:userAgent'))), ['field']);
    assert.deepEqual(where(explainMatch(rule, parseQuery('value:terraform'))), ['excluded']);
  });

  it('a word found only in the body sends the snippet there; prefixes and phrases follow the index', () => {
    assert.deepEqual(where(explainMatch(rule, parseQuery('calls'))), ['body']);
    assert.deepEqual(where(explainMatch(rule, parseQuery('trust calls'))), ['title', 'description', 'body']);
    assert.deepEqual(marked(explainMatch(rule, parseQuery('upd*'))[0]), ['UpdateAssumeRolePolicy']);
    assert.deepEqual(where(explainMatch(rule, parseQuery('"opened policy"'))), []);
    assert.deepEqual(where(explainMatch(rule, parseQuery('"role trust"'))), ['description']);
  });

  it('snippets are escaped, <mark> added after escaping', () => {
    const h = whyList(explainMatch(rule, parseQuery('terraform opened'))).value;
    assert.match(h, /<mark>terraform<\/mark>&lt;script&gt;/);
    assert.match(h, /&lt;b&gt;<mark>opened<\/mark>&lt;\/b&gt;/);
    assert.doesNotMatch(h, /<script|<b>/);
  });
});

describe('compare two rules', () => {
  it('predicate by predicate: same, differs (values or options), only in one; roles kept apart', () => {
    const a = record({ id: 'panther/a', logic: { condition: and(pred('eventName', 'eq', ['StopLogging']), pred('eventSource', 'eq', ['cloudtrail.amazonaws.com']), not(pred('userAgent', 'contains', ['terraform']))) } } as never);
    const b = record({ id: 'sigma/b', logic: { condition: and(pred('EventName', 'in', ['StopLogging', 'DeleteTrail']), pred('eventSource', 'eq', ['cloudtrail.amazonaws.com'], { cs: false }), pred('sourceIPAddress', 'is_not_null')) } } as never);
    const c = compareRules(a, b);
    const row = (f: string) => c.predicates.find((p) => p.field.toLowerCase() === f.toLowerCase())!;
    assert.equal(row('eventName').status, 'differs');
    assert.deepEqual(row('eventName').values, { both: ['StopLogging'], onlyA: [], onlyB: ['DeleteTrail'] });
    assert.equal(row('eventSource').status, 'differs', 'case-sensitive eq vs eq[ci]');
    assert.equal(row('userAgent').status, 'only-a');
    assert.equal(row('userAgent').role, 'excludes');
    assert.equal(row('sourceIPAddress').status, 'only-b');
    assert.deepEqual(c.fields.both, ['eventName', 'eventSource']);
    const same = compareRules(a, a);
    assert.ok(same.predicates.every((p) => p.status === 'same'));
  });

  it('the page renders untrusted rule text inert', () => {
    const evil = record({
      id: 'mql/evil',
      title: '<script>alert(1)</script>',
      body: [{ path: 'x.yml', language: 'yaml', text: 'name: "<img src=x onerror=alert(1)>"' }],
      logic: { condition: pred('<b>f</b>', 'eq', ['"><script>alert(2)</script>']) },
    } as never);
    const h = renderCompare(SERVER, { a: 'mql/evil', b: 'mql/evil', comparison: compareRules(evil, evil) });
    assert.doesNotMatch(h, /<script>alert|<img|<b>f/);
    assert.match(h, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });
});

describe('on the examples catalog', () => {
  let tmp: string;
  let s: Serving;
  before(async () => {
    tmp = tempDir('detwiki-newcomer-');
    cpSync(examplesDir(), path.join(tmp, 'mirror'), { recursive: true });
    await buildCatalog({ outDir: path.join(tmp, 'cat'), mirror: path.join(tmp, 'mirror'), sources: exampleSources(), attack: fixture('attack', 'mini-enterprise.json') });
    s = await serveCatalog({ dir: path.join(tmp, 'cat'), port: 0 });
  });
  after(async () => {
    await s?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('defect 3: the page icon is linked and served; /favicon.ico answers', async () => {
    const home = await get(s.url);
    const m = /<link rel="icon" href="([^"]+)"/.exec(home.body);
    assert.ok(m, 'a page icon link');
    const icon = await get(new URL(m[1]!, s.url).href);
    assert.equal(icon.status, 200);
    assert.match(icon.type, /^image\/svg\+xml/);
    const ico = await get(`${s.url}favicon.ico`);
    assert.equal(ico.status, 200);
  });

  it('defect 4 (server): a search page keeps its query in both search boxes', async () => {
    const r = await get(`${s.url}search?q=${encodeURIComponent('StopLogging "x"')}`);
    assert.match(r.body, /<header>[\s\S]*<input name="q" type="search" value="StopLogging &quot;x&quot;"/);
    assert.match(r.body, /<main>[\s\S]*name="q" value="StopLogging &quot;x&quot;"/);
  });

  it('why it matched on the search page and in the API', async () => {
    const r = await get(`${s.url}search?q=StopLogging`);
    assert.match(r.body, /value its logic tests:<\/span><code>eventName eq &quot;<mark>StopLogging<\/mark>&quot;/);
    const api = JSON.parse((await get(`${s.url}api/search?q=StopLogging`)).body);
    const why = api.why['panther/aws_cloudtrail_stop_logging'] as MatchLocation[];
    assert.equal(why[0]!.where, 'value');
  });

  it('compare page, API and links from the same-action entries', async () => {
    const rule = await get(`${s.url}rule/panther/aws_cloudtrail_stop_logging`);
    const links = [...rule.body.matchAll(/<a class="compare" href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
    assert.ok(links.length >= 1, 'compare links on the rule page');
    const page = await get(new URL(links[0]!, s.url).href);
    assert.equal(page.status, 200);
    assert.match(page.body, /class="cond-a"><h3>A: Panther<\/h3><pre class="expr">/);
    assert.match(page.body, /class="cond-b"><h3>B: [^<]+<\/h3><pre class="expr">/);
    assert.match(page.body, /data-status="(same|differs)"/);
    const api = JSON.parse((await get(new URL(links[0]!.replace('/compare', '/api/compare'), s.url).href)).body);
    assert.equal(api.comparison.a.id, 'panther/aws_cloudtrail_stop_logging');
    const none = await get(`${s.url}compare?a=panther/aws_cloudtrail_stop_logging&b=nope/none`);
    assert.equal(none.status, 404);
    assert.match(none.body, /no rule &#39;nope\/none&#39; in the catalog: nothing to compare/);
    assert.equal((await get(`${s.url}compare`)).status, 200);
  });

  it('limit= sets the rules a page of browse and search (at most 500), and the pager keeps it', async () => {
    const one = JSON.parse((await get(`${s.url}api/browse?limit=2`)).body);
    assert.deepEqual([one.listing.rows.length, one.paging.pageSize], [2, 2]);
    const two = JSON.parse((await get(`${s.url}api/browse?limit=2&page=2`)).body);
    assert.equal(two.listing.rows.length, 2);
    assert.notEqual(two.listing.rows[0].id, one.listing.rows[0].id);
    assert.equal(JSON.parse((await get(`${s.url}api/browse?limit=99999`)).body).paging.pageSize, 500);
    assert.equal(JSON.parse((await get(`${s.url}api/browse?limit=abc`)).body).listing.rows.length, Math.min(50, one.listing.total));
    const page = await get(`${s.url}search?q=cloudtrail&limit=1`);
    assert.match(page.body, /href="\/search\?q=cloudtrail&amp;limit=1&amp;page=2"/);
  });

  it('a page of something the catalog does not have is a 404 that says why and leads on', async () => {
    // a tactic where a technique was meant: named, and linked
    const tactic = await get(`${s.url}technique/TA0001`);
    assert.equal(tactic.status, 404);
    assert.match(tactic.body, /no technique &#39;TA0001&#39; in ATT&amp;CK v[\d.]+ or in any rule&#39;s mapping \(TA0001 is the tactic Initial Access\)/);
    assert.match(tactic.body, /<a href="\/tactic\/TA0001">TA0001 Initial Access<\/a>/);
    const api = await get(`${s.url}api/tactic/TA9999`);
    assert.equal(api.status, 404);
    assert.match(JSON.parse(api.body).error, /^no tactic 'TA9999' in ATT&CK v[\d.]+ \(ids look like TA0001/);
    // a rule id with a typo: a search for its words
    const rule = await get(`${s.url}rule/panther/aws_cloudtrail_stop_loging`);
    assert.equal(rule.status, 404);
    assert.match(rule.body, /no rule &#39;panther\/aws_cloudtrail_stop_loging&#39; in the catalog/);
    assert.match(rule.body, /<a href="\/search\?q=aws\+cloudtrail\+stop\+loging">/);
    assert.equal((await get(`${s.url}tactic/TA0001`)).status, 200);
  });

  it('compare links from the shared indicators of a rule page (through the indicator page)', async () => {
    const rule = await get(`${s.url}rule/panther/aws_cloudtrail_stop_logging`);
    const ind = [...rule.body.matchAll(/href="(\/indicator\/[^"?]+\?from=panther%2Faws_cloudtrail_stop_logging)"/g)].map((m) => m[1]!);
    assert.ok(ind.length >= 1, 'indicator links carry the rule');
    const page = await get(new URL(ind[0]!, s.url).href);
    const cmp = [...page.body.matchAll(/<a class="compare" href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
    assert.ok(cmp.length >= 1);
    assert.ok(cmp.every((h) => h.startsWith('/compare?a=panther%2Faws_cloudtrail_stop_logging&b=') && !h.endsWith('b=panther%2Faws_cloudtrail_stop_logging')));
    assert.equal((await get(new URL(cmp[0]!, s.url).href)).status, 200);
  });

  it('detwiki compare a b --json', async () => {
    const r = await detwikiAsync(['compare', 'panther/aws_cloudtrail_stop_logging', 'sigma/aws_cloudtrail_stop_logging', '--out', path.join(tmp, 'cat'), '--json']);
    assert.equal(r.code, 0, r.err);
    const c = JSON.parse(r.out);
    assert.equal(c.a.id, 'panther/aws_cloudtrail_stop_logging');
    assert.ok(c.a.condition && c.b.condition);
    assert.ok(c.predicates.some((p: { field: string }) => p.field.toLowerCase() === 'eventname'));
    const text = await detwikiAsync(['compare', 'panther/aws_cloudtrail_stop_logging', 'nope/none', '--out', path.join(tmp, 'cat')]);
    assert.equal(text.code, 1);
  });

  it('the parser coverage page equals `detwiki scan --json` for every source', async () => {
    const cat = new Catalog(path.join(tmp, 'cat'));
    let cov;
    try {
      cov = parsingCoverage(cat.db);
    } finally {
      cat.close();
    }
    assert.ok(cov.sources.length >= 7);
    const offenders: string[] = [];
    const same = (name: string, k: string, page: unknown, scan: unknown) => {
      try {
        assert.deepEqual(JSON.parse(JSON.stringify(page)), scan);
      } catch {
        offenders.push(`${name} ${k}: page ${JSON.stringify(page)} scan ${JSON.stringify(scan)}`);
      }
    };
    const KEYS = ['files', 'rules', 'complete', 'partial', 'none', 'byKind', 'diagnosticsByCode'] as const;
    // every source with the function `scan --json` prints (in process), one through the CLI itself
    for (const src of cov.sources) {
      const root = path.join(tmp, 'mirror', src.name);
      const rep = scanReport(await scanRepo(root, src.format as Format, undefined), root, src.format, 0);
      for (const k of KEYS) same(src.name, k, src[k], rep[k]);
    }
    const sigma = cov.sources.find((x) => x.name === 'sigma')!;
    const cli = await detwikiAsync(['scan', path.join(tmp, 'mirror', 'sigma'), '--format', 'sigma', '--json']);
    for (const k of KEYS) same('sigma (CLI)', k, sigma[k], JSON.parse(cli.out)[k]);
    assert.deepEqual(offenders, []);
    const total = cov.total;
    assert.equal(total.rules, total.complete + total.partial + total.none);
    const page = await get(`${s.url}coverage/parsing`);
    assert.equal(page.status, 200);
    assert.match(page.body, new RegExp(`<tr class="total" data-parsed="${total.files.parsed}"[^>]* data-rules="${total.rules}" data-complete="${total.complete}"`));
  });

  it('the static export writes the coverage page and the icon', async () => {
    const cat = new Catalog(path.join(tmp, 'cat'));
    try {
      const out = path.join(tmp, 'site');
      await exportSite(cat, out);
      assert.ok(existsSync(path.join(out, 'coverage', 'parsing.html')));
      assert.ok(existsSync(path.join(out, 'static', 'favicon.svg')));
      assert.match(readFileSync(path.join(out, 'coverage', 'parsing.html'), 'utf8'), /href="\.\.\/static\/favicon\.svg"/);
      const d = searchData(cat, { q: 'StopLogging' });
      assert.ok(d.result.rows.length && d.why[d.result.rows[0]!.id]!.length);
    } finally {
      cat.close();
    }
  });
});

describe('defect 5: detwiki show reports a missing file before (and without) the ATT&CK note', () => {
  it('missing file: the error alone', () => {
    const r = spawnSync(process.execPath, [BIN, 'show', path.join(os.tmpdir(), 'no-such-dir', 'missing.yml')], { encoding: 'utf8', env: ENV });
    assert.equal(r.status, 2);
    assert.match(r.stderr.split('\n')[0]!, /no such file/);
    assert.doesNotMatch(r.stderr, /ATT&CK/);
  });
  it('a rule without a bundle: the note comes after the page', () => {
    const r = spawnSync(process.execPath, [BIN, 'show', fixture('cli', 'repo', 'rules', 'login_from_root.yml')], { encoding: 'utf8', env: ENV });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.length > 0);
    assert.match(r.stderr, /no ATT&CK bundle/);
  });
});
