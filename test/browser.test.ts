/**
 * The wiki in a real browser (playwright-core driving Debian's chromium, /usr/bin/chromium; install it with
 * scripts/ensure-chromium.sh). Skipped with a message when chromium is absent. Screenshots go to test-output/.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildCatalog } from '../src/catalog/build.ts';
import { examplesDir, exampleSources } from '../src/catalog/sources.ts';
import { serveCatalog, type Serving } from '../src/web/server.ts';
import { SHARED, SHARED_PRESENT } from './helpers/golden.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = path.join(import.meta.dirname, '..', 'test-output');
const ATTACK = SHARED_PRESENT ? path.join(SHARED, 'attack', 'enterprise-attack-19.1.json') : path.join(import.meta.dirname, 'fixtures', 'attack', 'mini-enterprise.json');

describe('wiki in chromium', { skip: existsSync(CHROMIUM) ? false : `no chromium at ${CHROMIUM} (run scripts/ensure-chromium.sh)` }, () => {
  let tmp: string;
  let s: Serving;
  let browser: BrowserContext;
  let page: Page;
  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'detwiki-browser-'));
    cpSync(examplesDir(), path.join(tmp, 'mirror'), { recursive: true });
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
});
