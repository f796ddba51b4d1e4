/**
 * The CLI runs `src/` compiled once to JavaScript (bin/compiled.js): the compiled tree has every module, its
 * grammars and web assets, no import of a `.ts` file, and runs without a TypeScript loader; workers start from their
 * compiled module; `DETWIKI_TSX=1` runs the sources through tsx instead.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { workerEntry } from '../src/catalog/workerEntry.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
type Compiled = { compiledModule(rel: string): Promise<string | undefined> };
const load = async (): Promise<Compiled> => (await import(path.join(ROOT, 'bin', 'compiled.js') as string)) as Compiled;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

describe('compiled sources', () => {
  it('compiles every module of src/ with its grammars and assets, once', async () => {
    const { compiledModule } = await load();
    const url = await compiledModule('cli/main.ts');
    assert.ok(url, 'compiled');
    const main = fileURLToPath(url);
    assert.match(main, /\.cache\/js\/[0-9a-f]{16}\/cli\/main\.js$/);
    const out = path.resolve(path.dirname(main), '..');
    assert.equal(existsSync(path.join(out, '.complete')), true);
    const src = filesUnder(path.join(ROOT, 'src'));
    const built = new Set(filesUnder(out));
    const missing = src.filter((f) => !f.endsWith('.mjs') && !built.has(f.replace(/\.ts$/, '.js')));
    assert.deepEqual(missing, []);
    // no relative import of a TypeScript file is left
    const tsImports = [...built].filter((f) => f.endsWith('.js') && /from\s+["']\.{1,2}\/[^"']*\.ts["']|import\(["']\.{1,2}\/[^"']*\.ts["']\)/.test(readFileSync(path.join(out, f), 'utf8')));
    assert.deepEqual(tsImports, []);
    // the same sources: the same folder, not compiled again
    assert.equal(await compiledModule('cli/main.ts'), url);
    assert.equal(fileURLToPath((await compiledModule('catalog/scanWorker.ts'))!), path.join(out, 'catalog', 'scanWorker.js'));
  });

  it('runs without a TypeScript loader', async () => {
    const { compiledModule } = await load();
    const url = (await compiledModule('catalog/sources.ts'))!;
    // a plain node process (no --import tsx) loads the compiled module and finds the project root from it
    const rootSeen = execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(url)}); process.stdout.write(m.PROJECT_ROOT);`], { encoding: 'utf8' });
    assert.equal(rootSeen, ROOT);
    const help = execFileSync(process.execPath, [path.join(ROOT, 'bin', 'detwiki.js'), '--help'], { encoding: 'utf8' });
    assert.match(help, /usage: detwiki/);
  });

  it('falls back to tsx when asked', async () => {
    const { compiledModule } = await load();
    const before = process.env['DETWIKI_TSX'];
    process.env['DETWIKI_TSX'] = '1';
    try {
      assert.equal(await compiledModule('cli/main.ts'), undefined);
    } finally {
      if (before === undefined) delete process.env['DETWIKI_TSX'];
      else process.env['DETWIKI_TSX'] = before;
    }
    const help = execFileSync(process.execPath, [path.join(ROOT, 'bin', 'detwiki.js'), '--help'], { encoding: 'utf8', env: { ...process.env, DETWIKI_TSX: '1' } });
    assert.match(help, /usage: detwiki/);
  });

  it('starts workers from the loader entry when run from the sources, from the compiled module otherwise', () => {
    assert.equal(workerEntry('file:///p/src/catalog/scanPool.ts', 'scanWorker').href, 'file:///p/src/catalog/scanWorker.mjs');
    assert.equal(workerEntry('file:///p/.cache/js/0123456789abcdef/catalog/scanPool.js', 'scanWorker').href, 'file:///p/.cache/js/0123456789abcdef/catalog/scanWorker.js');
  });
});
