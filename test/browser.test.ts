/**
 * The wiki in a real browser (playwright-core driving Debian's chromium, /usr/bin/chromium; install it with
 * scripts/ensure-chromium.sh). Skipped with a message when chromium is absent. Screenshots go to test-output/.
 * The catalog is the project's examples, plus the seed rule (Panther aws_iam_backdoor_role with its helpers)
 * copied from the shared corpus into the temporary mirror when that corpus is present.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildCatalog } from '../src/catalog/build.ts';
import { examplesDir, exampleSources } from '../src/catalog/sources.ts';
import { serveCatalog, type Serving } from '../src/web/server.ts';
import { SHARED, SHARED_PRESENT } from './helpers/golden.ts';
import { Catalog } from '../src/catalog/query.ts';
import { exportSite } from '../src/web/export.ts';
import { scanReport } from '../src/cli/commands/scan.ts';
import { scanRepo } from '../src/cli/context.ts';
import type { Format } from '../src/model/facts.ts';
import { tempDir } from './helpers/tempDir.ts';

const BIN = path.join(import.meta.dirname, '..', 'bin', 'detwiki.js');
/** The seed rule and the helpers it imports, relative to the Panther corpus. */
const SEED_FILES = ['rules/aws_cloudtrail_rules/aws_iam_backdoor_role.yml', 'rules/aws_cloudtrail_rules/aws_iam_backdoor_role.py', 'global_helpers/panther_aws_helpers.py', 'global_helpers/panther_aws_helpers.yml', 'global_helpers/panther_base_helpers.py', 'global_helpers/panther_base_helpers.yml'];
const SEED_PRESENT = SHARED_PRESENT && SEED_FILES.every((f) => existsSync(path.join(SHARED, 'corpora', 'panther', f)));

function scanJson(dir: string, format: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, 'scan', dir, '--format', format, '--json'], { env: { ...process.env, DETWIKI_ATTACK: '', DETWIKI_CACHE: '/nonexistent-detwiki-cache' } });
    let out = '';
    p.stdout.on('data', (c) => (out += c));
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Record<string, unknown>) : reject(new Error(`scan ${dir}: exit ${code}`))));
  });
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = path.join(import.meta.dirname, '..', 'test-output');
const ATTACK = SHARED_PRESENT ? path.join(SHARED, 'attack', 'enterprise-attack-19.1.json') : path.join(import.meta.dirname, 'fixtures', 'attack', 'mini-enterprise.json');

describe('wiki in chromium', { skip: existsSync(CHROMIUM) ? false : `no chromium at ${CHROMIUM} (run scripts/ensure-chromium.sh)` }, () => {
  let tmp: string;
  let s: Serving;
  let browser: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  before(async () => {
    tmp = tempDir('detwiki-browser-');
    cpSync(examplesDir(), path.join(tmp, 'mirror'), { recursive: true });
    if (SEED_PRESENT) for (const f of SEED_FILES) cpSync(path.join(SHARED, 'corpora', 'panther', f), path.join(tmp, 'mirror', 'panther', f));
    await buildCatalog({ outDir: path.join(tmp, 'cat'), mirror: path.join(tmp, 'mirror'), sources: exampleSources(), attack: ATTACK });
    s = await serveCatalog({ dir: path.join(tmp, 'cat'), port: 0 });
    // a fresh --user-data-dir per run (playwright passes it for a persistent context)
    browser = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1400, height: 1000 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    // every console error and failed request of every page view (a missing /favicon.ico was one per page)
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()} (${page.url()})`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    mkdirSync(OUT, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await s?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('home → search → rule page with its sections', async () => {
    await page.goto(s.url);
    assert.match(await page.locator('h1').innerText(), /Detection rules/);
    assert.ok((await page.locator('table.counts tbody tr').count()) >= 7);
    await page.fill('header input[name=q]', 'StopLogging');
    await page.click('header button');
    await page.waitForURL(/\/search\?q=StopLogging/);
    assert.ok(Number(await page.locator('#result-count').innerText()) >= 5);
    await page.click('a[href="/rule/panther/aws_cloudtrail_stop_logging"]');
    await page.waitForURL(/\/rule\/panther\/aws_cloudtrail_stop_logging$/);
    for (const id of ['description', 'attack', 'logic', 'exclusions', 'indicators', 'output', 'tests', 'same-action', 'body']) {
      assert.equal(await page.locator(`section#${id}`).count(), 1, id);
    }
    assert.match(await page.locator('section#logic pre.expr').innerText(), /eventName/);
    assert.ok((await page.locator('section#body pre.code').count()) >= 1);
    assert.ok((await page.locator('section#same-action a').count()) >= 1);
    await page.screenshot({ path: path.join(OUT, 'rule-page.png'), fullPage: true });
  });

  it('matrix → technique page', async () => {
    await page.goto(`${s.url}matrix`);
    const cells = page.locator('#matrix a.cell:not(.h0)');
    assert.ok((await cells.count()) >= 1, 'some covered technique');
    await page.screenshot({ path: path.join(OUT, 'matrix.png'), fullPage: false });
    const href = await cells.first().getAttribute('href');
    await page.goto(new URL(href!, s.url).href);
    assert.match(await page.locator('h1').innerText(), /^T\d{4}/);
    assert.ok((await page.locator('table.rules tbody tr').count()) >= 1);
  });

  it('filters change results (and submit on change with JS)', async () => {
    await page.goto(`${s.url}browse`);
    const all = Number(await page.locator('#result-count').innerText());
    await page.selectOption('form.filters select[name=format]', 'sigma');
    await page.waitForURL(/format=sigma/);
    const sigma = Number(await page.locator('#result-count').innerText());
    assert.ok(sigma > 0 && sigma < all, `${sigma} < ${all}`);
    await page.check('form.filters input[name=all]');
    await page.waitForURL(/all=1/);
    assert.ok(Number(await page.locator('#result-count').innerText()) >= sigma);
  });

  it('matrix: each count sits inside its cell, beside the name, never over it', async () => {
    await page.goto(`${s.url}matrix`);
    const bad = await page.evaluate(() => {
      const out: string[] = [];
      for (const cell of document.querySelectorAll('#matrix a.cell')) {
        const count = cell.querySelector('b');
        if (!count || !cell.getClientRects().length) continue;
        const c = count.getBoundingClientRect();
        const box = cell.getBoundingClientRect();
        if (c.left < box.left - 0.5 || c.right > box.right + 0.5 || c.top < box.top - 0.5 || c.bottom > box.bottom + 0.5) {
          out.push(`outside its cell: ${cell.textContent?.trim()}`);
          continue;
        }
        // every line box of the cell's other text keeps 2px away from the count
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          if (count.contains(n) || !n.textContent?.trim()) continue;
          const r = document.createRange();
          r.selectNodeContents(n);
          for (const t of r.getClientRects()) {
            if (t.width && t.left < c.right + 2 && c.left < t.right + 2 && t.top < c.bottom - 0.5 && c.top < t.bottom - 0.5) out.push(`over the name: ${cell.textContent?.trim()}`);
          }
        }
      }
      return out;
    });
    assert.deepEqual(bad, []);
    await page.screenshot({ path: path.join(OUT, 'matrix-cells.png'), fullPage: false });
  });

  it('"/" focuses the search box on every page; typing "/" in a box stays typing', async () => {
    for (const p of ['', 'browse', 'matrix', 'rule/panther/aws_cloudtrail_stop_logging', 'logsources', 'coverage/parsing']) {
      await page.goto(`${s.url}${p}`);
      await page.keyboard.press('/');
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'q', p);
      assert.equal(await page.evaluate(() => !!document.activeElement?.closest('header')), true, `${p}: the header box`);
    }
    await page.goto(`${s.url}search?q=StopLogging`);
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => !!document.activeElement?.closest('main form')), true, 'the search page: its query box');
    await page.keyboard.type('/x');
    assert.equal(await page.inputValue('main input[name=q]'), '/x', 'the query was selected, then replaced by what was typed');
  });

  it('search results say why they matched; the query stays in the boxes', async () => {
    await page.goto(`${s.url}search?q=StopLogging`);
    assert.equal(await page.inputValue('header input[name=q]'), 'StopLogging');
    assert.equal(await page.inputValue('main input[name=q]'), 'StopLogging');
    const row = page.locator('table.rules tr', { has: page.locator('a[href="/rule/panther/aws_cloudtrail_stop_logging"]') });
    const li = row.locator('ul.why li[data-where=value]');
    assert.match(await li.innerText(), /value its logic tests:\s*eventName eq "StopLogging"/);
    assert.equal(await li.locator('mark').innerText(), 'StopLogging');
  });

  it('search "UpdateAssumeRolePolicy": the seed rule matched on a value its logic tests', { skip: SEED_PRESENT ? false : 'the shared Panther corpus is not here' }, async () => {
    await page.goto(s.url);
    await page.fill('header input[name=q]', 'UpdateAssumeRolePolicy');
    await page.press('header input[name=q]', 'Enter');
    await page.waitForURL(/\/search\?q=UpdateAssumeRolePolicy/);
    const row = page.locator('table.rules tr', { has: page.locator('a[href="/rule/panther/aws_iam_backdoor_role"]') });
    assert.equal(await row.count(), 1);
    const li = row.locator('ul.why li[data-where=value]');
    assert.match(await li.locator('.where').innerText(), /value its logic tests/);
    assert.match(await li.innerText(), /eventName eq "UpdateAssumeRolePolicy"/);
    assert.equal(await li.locator('mark').innerText(), 'UpdateAssumeRolePolicy');
    await page.screenshot({ path: path.join(OUT, 'search-why.png'), fullPage: false });
  });

  it('compare from a same-action entry: both conditions side by side', async () => {
    await page.goto(`${s.url}rule/panther/aws_cloudtrail_stop_logging`);
    const link = page.locator('section#same-action a.compare').first();
    await link.click();
    await page.waitForURL(/\/compare\?a=panther%2Faws_cloudtrail_stop_logging&b=/);
    const a = await page.locator('#cmp-conditions .cond-a pre.expr').innerText();
    const b = await page.locator('#cmp-conditions .cond-b pre.expr').innerText();
    assert.match(a, /eventName/);
    assert.match(b, /eventName|EventName|event\.action|ActionType|Operation/i);
    assert.ok((await page.locator('#cmp-predicates tr[data-status]').count()) >= 1);
    assert.ok((await page.locator('#cmp-native pre.code').count()) >= 2);
    await page.screenshot({ path: path.join(OUT, 'compare.png'), fullPage: true });
  });

  it('parser coverage: every source row equals `detwiki scan --json` on the same folder', async () => {
    await page.goto(`${s.url}coverage/parsing`);
    const rows = await page.locator('table.sources tr[data-source]').evaluateAll((trs) => trs.map((tr) => ({ ...(tr as HTMLElement).dataset })));
    assert.ok(rows.length >= 7);
    const formatOf = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('table.sources tr[data-source]')].map((tr) => [tr.getAttribute('data-source'), tr.querySelector('th .small')?.textContent ?? ''])));
    const cat = new Catalog(path.join(tmp, 'cat'));
    const formats = Object.fromEntries(cat.home().sources.map((x) => [String((x as { name: string }).name), String((x as { format: string }).format)]));
    cat.close();
    // every source with the function whose result `detwiki scan --json` prints (in process: one CLI start per
    // source costs seconds), and the Panther source through the CLI itself
    const scans: Record<string, unknown>[] = [];
    for (const r of rows) {
      const dir = path.join(tmp, 'mirror', r.source!);
      const format = formats[r.source!]! as Format;
      scans.push(r.source === 'panther' ? await scanJson(dir, format) : scanReport(await scanRepo(dir, format, undefined), dir, format, 0));
    }
    assert.ok(rows.some((r) => r.source === 'panther'));
    const offenders: string[] = [];
    rows.forEach((r, i) => {
      const sc = scans[i]! as { files: Record<string, number>; rules: number; complete: number; partial: number; none: number };
      const want = { parsed: sc.files.parsed, support: sc.files.support, skipped: sc.files.skipped, error: sc.files.error, rules: sc.rules, complete: sc.complete, partial: sc.partial, none: sc.none };
      for (const [k, v] of Object.entries(want)) if (Number(r[k]) !== v) offenders.push(`${r.source} (${formatOf[r.source!]}) ${k}: page ${r[k]}, scan ${v}`);
    });
    assert.deepEqual(offenders, []);
    const total = await page.locator('table.formats tr.total').evaluate((tr) => ({ ...(tr as HTMLElement).dataset }));
    assert.equal(Number(total.rules), scans.reduce((a, x) => a + (x.rules as number), 0));
    assert.equal(Number(total.complete), scans.reduce((a, x) => a + (x.complete as number), 0));
    await page.screenshot({ path: path.join(OUT, 'parser-coverage.png'), fullPage: false });
  });

  it('static export: the search page keeps its query in the box and says why rules matched', async () => {
    const cat = new Catalog(path.join(tmp, 'cat'));
    try {
      await exportSite(cat, path.join(tmp, 'site'));
    } finally {
      cat.close();
    }
    await page.goto(`file://${path.join(tmp, 'site', 'search.html')}?q=StopLogging`);
    await page.locator('#static-results table.rules').waitFor();
    assert.equal(await page.inputValue('main input[name=q]'), 'StopLogging');
    assert.equal(await page.inputValue('header input[name=q]'), 'StopLogging');
    assert.ok((await page.locator('#static-results ul.why mark').count()) >= 1);
    await page.keyboard.press('Escape');
    await page.locator('h1').click();
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'q');
    await page.screenshot({ path: path.join(OUT, 'static-search.png'), fullPage: false });
  });

  it('static export: a title with a right-to-left override is listed with a visible mark, not reversed', async () => {
    // one more rule in the exported index, as a hostile rule's title would reach it
    const file = path.join(tmp, 'site', 'search-index.js');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('window.DETWIKI_INDEX=[', `window.DETWIKI_INDEX=[${JSON.stringify({ id: 'sigma/rtlo_probe', title: 'Invoice Ann\u202egepj.exe', format: 'sigma', kind: 'detection', severity: 'low' })},`));
    await page.goto(`file://${path.join(tmp, 'site', 'search.html')}?q=rtlo_probe`);
    await page.locator('#static-results table.rules').waitFor();
    const shown = await page.locator('#static-results table.rules a').first().textContent();
    assert.equal(shown, 'Invoice Ann<U+202E>gepj.exe');
  });

  it('static export: technique: of a revoked id finds the rules counted under what replaced it, as the server does', async () => {
    const file = path.join(tmp, 'site', 'search-index.js');
    const text = readFileSync(file, 'utf8');
    const replaced = JSON.parse(/window\.DETWIKI_REPLACED=(.*);\n/.exec(text)![1]!) as Record<string, string[]>;
    const [old, ids] = Object.entries(replaced)[0]!;
    // a rule whose mapping the build resolved to the replacement, as a rule that declared the old id is stored
    writeFileSync(file, text.replace('window.DETWIKI_INDEX=[', `window.DETWIKI_INDEX=[${JSON.stringify({ id: 'sigma/revoked_probe', title: 'Revoked probe', format: 'sigma', kind: 'detection', techniques: ids[0] })},`));
    await page.goto(`file://${path.join(tmp, 'site', 'search.html')}?q=${encodeURIComponent(`technique:${old.toLowerCase()} revoked_probe`)}`);
    await page.locator('#static-results table.rules').waitFor();
    assert.equal(await page.locator('#static-results table.rules a').first().textContent(), 'Revoked probe');
  });

  it('no page view logged an error or got a failed request (no favicon 404)', () => {
    assert.deepEqual(problems, []);
  });
});
