/**
 * The parser of a peggy grammar beside an adapter (`new URL('./spl.peggy', import.meta.url)`), generated from the
 * grammar on first use. Generating runs peggy's passes (600 ms for the project's eight grammars in one thread, and
 * each thread of a build that parses a language generates its grammars again), so the generated source is also kept
 * on disk, in `.cache/peggy/<sha1 of grammar, options and peggy's version>.js` under the project root: later
 * processes and threads only compile that source (18 ms for all eight). A missing or unwritable cache folder only
 * means generating every time.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runInThisContext } from 'node:vm';
import peggy from 'peggy';
import { projectRoot } from './io.ts';

/** What the adapters call on a generated parser. */
export interface PeggyParser {
  parse(input: string, options?: { startRule?: string } & Record<string, unknown>): unknown;
}

const parsers = new Map<string, PeggyParser>();

/** The cache folder of generated grammars (`DETWIKI_GRAMMAR_CACHE`, else `<project>/.cache/peggy`). */
function cacheDir(): string {
  return process.env['DETWIKI_GRAMMAR_CACHE'] ?? path.join(projectRoot(), '.cache', 'peggy');
}

/** The parser of the grammar file at `url` (with its extra start rules), generated once per process. */
export function grammarParser(url: URL, allowedStartRules?: readonly string[]): PeggyParser {
  const memo = `${url.href}\u0000${allowedStartRules?.join(',') ?? ''}`;
  let p = parsers.get(memo);
  if (!p) {
    p = generatedParser(readFileSync(url, 'utf8'), allowedStartRules);
    parsers.set(memo, p);
  }
  return p;
}

/** The parser of a grammar text: its generated source from the cache folder, else generated (and kept there). */
export function generatedParser(grammar: string, allowedStartRules?: readonly string[]): PeggyParser {
  const options = allowedStartRules ? { allowedStartRules: [...allowedStartRules] } : {};
  const key = createHash('sha1').update(`${peggy.VERSION}\u0000${JSON.stringify(options)}\u0000${grammar}`).digest('hex');
  const file = path.join(cacheDir(), `${key}.js`);
  let source: string | undefined;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    source = undefined;
  }
  if (source !== undefined) {
    try {
      return runInThisContext(source, { filename: file }) as PeggyParser;
    } catch {
      // a damaged cache file: generated again below
    }
  }
  source = peggy.generate(grammar, { ...options, output: 'source' });
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(tmp, source);
    try {
      renameSync(tmp, file);
    } catch {
      rmSync(tmp, { force: true });
    }
  } catch {
    // not writable: the next process generates it again
  }
  return runInThisContext(source, { filename: file }) as PeggyParser;
}
