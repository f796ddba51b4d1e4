/**
 * Issue 16, input side: no input crashes a source. The YAML nesting pre-check counts block collections and is not
 * fooled by an apostrophe; a whole-source step (`prepare`) that throws fails only the files that cause it; a Panther
 * Python `and` chain of thousands of terms lowers flat, and deeper nesting becomes opaque, not a stack overflow.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { FormatAdapter } from '../src/formats/adapter.ts';
import { adapterFor } from '../src/formats/registry.ts';
import { scanSource } from '../src/formats/scan.ts';
import { KQL_TOO_DEEP, kqlDepthExceeds, parseKql } from '../src/formats/kusto/parser.ts';
import { depthScan, flowDepthExceeds, withinDepthBound } from '../src/formats/yaml.ts';
import { observeReads, readSourceText } from '../src/formats/io.ts';
import { LIMITS } from '../src/model/diagnostics.ts';
import { tempDir } from './helpers/tempDir.ts';

const tmp = tempDir('detwiki-reliab-in-');
after(() => rmSync(tmp, { recursive: true, force: true }));

const write = (root: string, rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
};

const SIGMA_GOOD = "title: Good\nid: 11111111-1111-1111-1111-111111111111\nlogsource:\n  product: windows\ndetection:\n  sel:\n    Image|endswith: '\\good.exe'\n  condition: sel\n";

describe('YAML nesting pre-check', () => {
  it('counts block sequences (`- - - x`) and nested block mappings', () => {
    assert.ok(flowDepthExceeds('tags:\n  ' + '- '.repeat(10_000) + 'x\n'), 'compact block sequences');
    // a line indented by a tab (not YAML indentation, but the parser reads on): its compact sequences count too
    assert.ok(flowDepthExceeds('tags:\n\t' + '- '.repeat(10_000) + 'x\n'), 'compact block sequences after a tab');
    const mappings = Array.from({ length: LIMITS.maxDepth + 5 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' x\n';
    assert.ok(flowDepthExceeds(mappings), 'indented block mappings');
    assert.ok(flowDepthExceeds('a:\n  - b:\n' + '    '.repeat(1) + '- '.repeat(300) + 'y\n'));
  });

  it('is not fooled by an apostrophe in a plain scalar, and skips quoted, commented and block-scalar text', () => {
    assert.ok(flowDepthExceeds("description: it's here\nv: " + '['.repeat(10_000) + ']'.repeat(10_000) + '\n'));
    assert.equal(flowDepthExceeds("a: 'it''s [[[[ {{{'\nb: |\n  " + '[- '.repeat(300) + "\n    - - - - -\nc: [1, {d: e}]\n# " + '['.repeat(300) + '\n'), undefined);
    assert.equal(flowDepthExceeds(SIGMA_GOOD), undefined);
  });

  it('cannot be blinded: an apostrophe-led continuation line, a bracket inside a plain scalar or a multi-line quote', () => {
    const deep = 'deep:\n  ' + '- '.repeat(20_000) + 'x\n';
    // found by the fuzz harness: a continuation line starting with an apostrophe hid everything after it
    assert.ok(flowDepthExceeds(`a: 5m\r\n  'Checks if it is assigned. \r\nb: 1\r\n${deep}`), 'apostrophe-led continuation');
    assert.ok(flowDepthExceeds(`description: see [docs\n${deep}`), 'bracket inside a plain scalar');
    assert.ok(flowDepthExceeds(`description: "text\n  [ more text"\n${deep}`), 'multi-line quote with a bracket');
    assert.ok(flowDepthExceeds(`a: [1,\n  2]\nb: "x |\n  "\n${deep}`), 'flow collection and a quoted bar');
  });

  it('the quick bound clears a text only when the character scan finds it within the limit', () => {
    // texts of YAML's structural characters, random but reproducible, against small limits: where the bound says
    // "within", the scan must agree; and the bound must clear plain shallow texts (else it saves nothing)
    const alphabet = [' ', ' ', '  ', '\t', '- ', '-', '? ', '?', '[', '{', ']', '}', 'a', 'k: ', ':', '\n', '\n', '\r\n', '#', '"', "'", '|', '>', ',', '---\n'];
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let cleared = 0;
    for (let k = 0; k < 20_000; k++) {
      const limit = 1 + rand(9);
      let t = '';
      for (let n = rand(60); n > 0; n--) t += alphabet[rand(alphabet.length)];
      if (withinDepthBound(t, limit)) {
        cleared++;
        assert.equal(depthScan(t, limit), undefined, `limit ${limit}: ${JSON.stringify(t)}`);
      }
    }
    assert.ok(cleared > 2_000, `cleared ${cleared}`);
    // at the edge: a run one short of the budget is cleared, a run that reaches it is left to the scan
    assert.equal(withinDepthBound('a: [x]\n' + ' '.repeat(3) + 'b: c\n', 5), true);
    assert.equal(withinDepthBound('a: [x]\n' + ' '.repeat(4) + 'b: c\n', 5), false);
    assert.ok(depthScan('a:\n b:\n  c:\n   d: [x]\n', 4), 'the scan finds 5 levels where the bound is 5 - 1 - 1 = 3 columns');
    assert.equal(withinDepthBound('a:\n b:\n  c:\n   d: [x]\n', 4), false);
    assert.equal(withinDepthBound(SIGMA_GOOD, LIMITS.maxDepth), true);
  });

  it('a Sigma file 10,000 block levels deep is one GEN005 error; the rest of the source is parsed', async () => {
    const root = path.join(tmp, 'sigma');
    write(root, 'rules/good.yml', SIGMA_GOOD);
    write(root, 'rules/deep.yml', SIGMA_GOOD.replace('Good', "Deep (it's)").replace(/1111/g, '2222') + 'tags:\n  ' + '- '.repeat(10_000) + 'x\n');
    const r = await scanSource(adapterFor('sigma')!, root, { repository: 'test' });
    const deep = r.files.find((f) => f.path === 'rules/deep.yml')!;
    assert.equal(deep.outcome, 'error');
    assert.deepEqual(deep.diagnostics.map((d) => [d.code, d.line]), [['GEN005', 10]]);
    assert.equal(r.files.find((f) => f.path === 'rules/good.yml')!.outcome, 'parsed');
  });
});

describe('whole-source steps under per-file accounting', () => {
  it('a prepare that throws because of one file fails that file (GEN004), not the source', async () => {
    const root = path.join(tmp, 'prep');
    for (const f of ['a.txt', 'bad.txt', 'c.txt']) write(root, f, f);
    const fake: FormatAdapter<readonly string[]> = {
      format: 'sigma',
      parserName: 'test',
      detect: { markers: [], folderNames: [] },
      highlight: {},
      fingerprint: { packages: [] },
      diagnosticCodes: [],
      async prepare(_root, files) {
        if (files.includes('bad.txt')) throw new RangeError('Maximum call stack size exceeded');
        return files;
      },
      async parseFile(_root, p, prep) {
        return { path: p, outcome: prep.includes(p) ? 'parsed' : 'skipped', reason: 'not prepared', rules: [], diagnostics: [] };
      },
    };
    const r = await scanSource(fake, root, { repository: 'test' });
    assert.deepEqual(
      r.files.map((f) => [f.path, f.outcome, f.diagnostics.map((d) => d.code).join()]),
      [
        ['a.txt', 'parsed', ''],
        ['bad.txt', 'error', 'GEN004'],
        ['c.txt', 'parsed', ''],
      ],
    );
  });
});

describe('Panther Python: long chains and deep nesting', () => {
  const spec = (name: string) => `AnalysisType: rule\nFilename: ${name}.py\nRuleID: Chain.${name}\nEnabled: true\nLogTypes:\n  - AWS.CloudTrail\nSeverity: Low\n`;
  it('a 7,000-term `and` chain lowers to one flat `and`; 5,000 nested parentheses become opaque and a syntax error 20,000 levels deep is reported, not a crash', async () => {
    const root = path.join(tmp, 'panther');
    write(root, 'global_helpers/README.md', 'helpers\n');
    write(root, 'rules/chain.yml', spec('chain'));
    write(root, 'rules/chain.py', `def rule(event):\n    return ${Array.from({ length: 7000 }, (_, i) => `event.get("f${i}") == "v${i}"`).join(' and ')}\n`);
    write(root, 'rules/paren.yml', spec('paren'));
    write(root, 'rules/paren.py', `def rule(event):\n    return ${'('.repeat(5000)}event.get("a") == "b"${')'.repeat(5000)}\n`);
    // a syntax error 20,000 levels down (found by the fuzz harness: the syntax-error walk recursed per level)
    write(root, 'rules/deeperr.yml', spec('deeperr'));
    // a helper returning a 10,000-term `and` chain, used as a value (found by the fuzz harness: one tree level per term)
    write(root, 'rules/helper.yml', spec('helper'));
    write(root, 'rules/helper.py', `def count(event):\n    return len(event.get("x", [])) ${'and event.get("a") == "b" '.repeat(10_000)}\n\n\ndef rule(event):\n    return count(event) > 1\n`);
    write(root, 'rules/deeperr.py', `def rule(event):\n    return True\n\nx = ${'{a: '.repeat(20_000)}1 +${'}'.repeat(20_000)}\n`);
    const r = await scanSource(adapterFor('panther')!, root, { repository: 'test' });
    const deeperr = r.files.find((f) => f.path === 'rules/deeperr.yml')!;
    assert.ok(!deeperr.diagnostics.some((d) => d.code === 'GEN004'), JSON.stringify(deeperr.diagnostics.slice(0, 3)));
    assert.ok(deeperr.diagnostics.some((d) => d.code === 'PY001' || d.code === 'PY002'), 'the syntax error is reported');
    const helper = r.files.find((f) => f.path === 'rules/helper.yml')!;
    assert.ok(!helper.diagnostics.some((d) => d.code === 'GEN004'), JSON.stringify(helper.diagnostics.slice(0, 3)));
    const chain = r.files.find((f) => f.path === 'rules/chain.yml')!;
    assert.deepEqual(chain.diagnostics.map((d) => d.code), []);
    const cond = chain.rules[0]!.logic.condition!;
    assert.equal(cond.kind, 'and');
    assert.equal(cond.kind === 'and' ? cond.args.length : 0, 7000);
    const paren = r.files.find((f) => f.path === 'rules/paren.yml')!;
    assert.ok(!paren.diagnostics.some((d) => d.code === 'GEN004'), JSON.stringify(paren.diagnostics));
    assert.equal(paren.rules[0]!.logic.condition?.kind, 'opaque');
  });
});

describe('KQL nesting pre-check', () => {
  it('20,000 nested parentheses are refused before the Kusto parser (which takes minutes on them)', () => {
    const t0 = performance.now();
    const r = parseKql(`T\n| where ${'('.repeat(20_000)}x == 1${')'.repeat(20_000)}`);
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.start]), [[KQL_TOO_DEEP, 10 + LIMITS.maxDepth]]);
    assert.ok(performance.now() - t0 < 1000);
  });
  it('brackets in strings and comments do not count', () => {
    const open = '('.repeat(LIMITS.maxDepth + 1);
    assert.equal(kqlDepthExceeds(`T | where a == "${open}" or b == '${open}' or c == @"${open}" // ${open}\n| take 1`), undefined);
    assert.equal(kqlDepthExceeds(`T | where x == \`\`\`${open}\`\`\``), undefined);
    assert.equal(kqlDepthExceeds(`T | where ${open}`), 10 + LIMITS.maxDepth);
  });
  it('a run of signs nests as unary operators (a fuzz finding: 20,000 of them took the parser 8 s); binary minus, comments and strings do not', () => {
    const t0 = performance.now();
    const r = parseKql(`T\n| where x == ${'- '.repeat(20_000)}1`);
    assert.deepEqual(r.diagnostics.map((d) => d.code), [KQL_TOO_DEEP]);
    assert.ok(performance.now() - t0 < 1000);
    // the first sign may be binary: limit + 1 signs are limit levels
    assert.equal(kqlDepthExceeds(`print ${'-'.repeat(LIMITS.maxDepth + 1)}1`), undefined);
    assert.equal(kqlDepthExceeds(`print ${'- '.repeat(LIMITS.maxDepth + 2)}1`), 6 + 2 * (LIMITS.maxDepth + 1));
    // signs and brackets add up
    assert.equal(kqlDepthExceeds(`print ${'('.repeat(LIMITS.maxDepth - 2)}${'-'.repeat(4)}1`), 6 + LIMITS.maxDepth - 2 + 3);
    const dashes = '-'.repeat(3 * LIMITS.maxDepth);
    assert.equal(kqlDepthExceeds(`T | where a - b - c - -1 // ${dashes}\n| extend s = "${dashes}", t = '${dashes}' | where x > 1 - 2 + 3 - 4 + 5`), undefined);
  });
});

describe('reading a source file', () => {
  it('reads once: the text without its BOM, the bytes to observers, a file over the limit refused with its size', async () => {
    const dir = path.join(tmp, 'read-once');
    mkdirSync(dir, { recursive: true });
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('title: é\n'), Buffer.from([0xff])]);
    writeFileSync(path.join(dir, 'a.yml'), bytes);
    writeFileSync(path.join(dir, 'big.yml'), 'x'.repeat(100));
    writeFileSync(path.join(dir, 'empty.yml'), '');
    const seen: [string, string, Buffer][] = [];
    const stop = observeReads((root, rel, b) => seen.push([root, rel, Buffer.from(b)]));
    const a = await readSourceText(dir, 'a.yml');
    const big = await readSourceText(dir, 'big.yml', 99);
    const exact = await readSourceText(dir, 'big.yml', 100);
    const empty = await readSourceText(dir, 'empty.yml');
    const missing = await readSourceText(dir, 'missing.yml');
    stop();
    await readSourceText(dir, 'a.yml');
    assert.deepEqual(a, { ok: true, text: 'title: é\n\ufffd' });
    assert.ok(!big.ok && big.diagnostic.code === 'GEN002' && big.diagnostic.message.includes('100 bytes'), JSON.stringify(big));
    assert.deepEqual(exact, { ok: true, text: 'x'.repeat(100) });
    assert.deepEqual(empty, { ok: true, text: '' });
    assert.ok(!missing.ok && missing.diagnostic.code === 'GEN001', JSON.stringify(missing));
    // the observer saw the bytes as they are on disk (BOM and invalid UTF-8 kept: a hash of them is the file's),
    // only for files read whole, and nothing after it stopped
    assert.deepEqual(seen.map(([root, rel]) => [root, rel]), [[dir, 'a.yml'], [dir, 'big.yml'], [dir, 'empty.yml']]);
    assert.ok(seen[0]![2].equals(bytes));
    assert.equal(seen[2]![2].length, 0);
  });
});
