/**
 * The floor of a build: reading every file of the corpora and parsing every YAML and TOML file with the libraries the
 * build uses, the least any build must do. `bench/catalog.ts` runs it as a process of its own with the Node flags
 * of `npm start`, as it runs the build, and prints the median of several runs. A floor measured inside the bench's
 * own process ran once with V8's code for the parsers not yet optimized and once after the builds, with it optimized,
 * while the build, a fresh process, starts cold (in five fresh processes the first of three floors took 5.3–6.6 s,
 * the later ones 4.3–6.5 s). The machine's own drift, often larger (7.3–7.7 s floors at one bench's start, 5.3 s
 * after its builds), remains: `floor_again_s` shows it. Prints `{"seconds", "files", "parsed"}` as JSON.
 * Usage: node [flags] --import tsx bench/_floor.ts <corpora dir> (not a benchmark of its own: `bench/run.ts` skips
 * names starting with `_`)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import YAML from 'yaml';
import { DEFAULT_SOURCES } from '../src/catalog/sources.ts';
import { plainProcessEnv } from '../src/formats/env.ts';
import { listFiles } from '../src/formats/io.ts';

const corpora = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..', '..', 'shared', 'corpora'));
// the yaml library reads process.env for every token: the floor parses with the plain copy the build's threads use
// (src/formats/env.ts), or it would be slower for a reason the build does not have (and flatter the ratio)
plainProcessEnv();
// the files are listed and read once first, untimed: the floor and the build both read from the page cache (a floor
// that read cold files, and a build after it that did not, would flatter the ratio)
const files: string[] = [];
for (const s of DEFAULT_SOURCES) {
  const root = path.join(corpora, s.name);
  for (const f of await listFiles(root)) files.push(path.join(root, f));
}
for (const f of files) readFileSync(f);
const t0 = performance.now();
let parsed = 0;
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  try {
    if (f.endsWith('.yml') || f.endsWith('.yaml')) {
      YAML.parseAllDocuments(text);
      parsed++;
    } else if (f.endsWith('.toml')) {
      parseToml(text);
      parsed++;
    }
  } catch {
    /* counted as read */
  }
}
console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, files: files.length, parsed }));
