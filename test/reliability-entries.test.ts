/**
 * Issue 16, item 6: entries of a source that are not regular files are accounted for, never dropped: symbolic links
 * (leaving the source, dangling, to a directory, a loop), FIFOs and names that are not UTF-8 are skipped with a
 * reason, by `scan` and by the build; links are never followed (a rule outside the source is never read).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildCatalog } from '../src/catalog/build.ts';
import { Catalog } from '../src/catalog/query.ts';
import { DEFAULT_SOURCES } from '../src/catalog/sources.ts';
import { listSource } from '../src/formats/io.ts';
import { adapterFor } from '../src/formats/registry.ts';
import { scanSource } from '../src/formats/scan.ts';
import { tempDir } from './helpers/tempDir.ts';

const rule = (title: string, id: string) => `title: ${title}\nid: ${id}\nlogsource:\n  product: windows\ndetection:\n  sel:\n    EventID: 4625\n  condition: sel\n`;

describe('links, FIFOs and odd names are accounted for', () => {
  let tmp: string;
  let root: string;
  /** Expected reason (a pattern) of every entry that is not read. */
  const expected: Record<string, RegExp> = {
    'rules/outside.yml': /leaving the source/,
    'rules/dangling.yml': /dangling/,
    'rules/outdir': /leaving the source/,
    'rules/indir': /to a directory of the source/,
    'rules/alias.yml': /symbolic link to rules\/good\.yml/,
    'rules/loop.yml': /loop/,
    'rules/pipe.yml': /FIFO/,
    'rules/bad\uFFFDname.yml': /not valid UTF-8/,
  };
  before(() => {
    tmp = tempDir('detwiki-reliab-entries-');
    root = path.join(tmp, 'mirror', 'sigma');
    const r = path.join(root, 'rules');
    mkdirSync(path.join(r, 'sub'), { recursive: true });
    mkdirSync(path.join(tmp, 'elsewhere'), { recursive: true });
    writeFileSync(path.join(r, 'good.yml'), rule('Good', '11111111-1111-1111-1111-111111111111'));
    writeFileSync(path.join(r, 'sub', 'inner.yml'), rule('Inner', '22222222-2222-2222-2222-222222222222'));
    writeFileSync(path.join(tmp, 'elsewhere', 'secret.yml'), rule('Outside secret', '33333333-3333-3333-3333-333333333333'));
    symlinkSync(path.join(tmp, 'elsewhere', 'secret.yml'), path.join(r, 'outside.yml'));
    symlinkSync(path.join(tmp, 'nowhere.yml'), path.join(r, 'dangling.yml'));
    symlinkSync(path.join(tmp, 'elsewhere'), path.join(r, 'outdir'));
    symlinkSync(path.join(r, 'sub'), path.join(r, 'indir'));
    symlinkSync('good.yml', path.join(r, 'alias.yml'));
    symlinkSync('loop.yml', path.join(r, 'loop.yml'));
    execFileSync('mkfifo', [path.join(r, 'pipe.yml')]);
    writeFileSync(Buffer.concat([Buffer.from(path.join(r, 'bad')), Buffer.from([0xff]), Buffer.from('name.yml')]), rule('Bad name', '44444444-4444-4444-4444-444444444444'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('the walk lists every entry that is not read, with its reason', () => {
    const l = listSource(root);
    assert.deepEqual(l.files, ['rules/good.yml', 'rules/sub/inner.yml']);
    assert.deepEqual(l.skipped.map((e) => e.path).sort(), Object.keys(expected).sort());
    for (const e of l.skipped) assert.match(e.reason, expected[e.path]!, e.path);
  });

  it('scan accounts for every entry (skipped with the reason) and never reads through a link', async () => {
    const r = await scanSource(adapterFor('sigma')!, root, { repository: 'test' });
    assert.equal(r.files.length, 2 + Object.keys(expected).length);
    for (const [p, re] of Object.entries(expected)) {
      const f = r.files.find((x) => x.path === p);
      assert.equal(f?.outcome, 'skipped', p);
      assert.match(f.reason ?? '', re, p);
    }
    assert.deepEqual(r.rules.map((x) => x.title).sort(), ['Good', 'Inner']);
  });

  it('the build counts them, and a second build is up to date', async () => {
    const opts = { outDir: path.join(tmp, 'cat'), mirror: path.join(tmp, 'mirror'), sources: [DEFAULT_SOURCES.find((d) => d.name === 'sigma')!], attack: path.join(tmp, 'none.json'), workers: 0 };
    const r = await buildCatalog(opts);
    const s = r.sources[0]!;
    assert.equal(s.files, 2 + Object.keys(expected).length);
    assert.equal(s.outcomes.skipped, Object.keys(expected).length);
    assert.equal(s.rules, 2);
    const cat = new Catalog(opts.outDir);
    try {
      assert.equal((cat.db.prepare("SELECT COUNT(*) n FROM rules WHERE title LIKE 'Outside%'").get() as { n: number }).n, 0);
    } finally {
      cat.close();
    }
    const again = await buildCatalog(opts);
    assert.equal(again.upToDate, true);
    assert.equal(again.sources[0]!.files, s.files);
  });
});
