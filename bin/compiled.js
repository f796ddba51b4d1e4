// The TypeScript sources compiled once to JavaScript, for the CLI (bin/detwiki.js) and the threads it starts.
//
// Running `src/` through tsx costs every thread a loader-hooks thread of its own (a V8 isolate of ~16 MB, and
// 33 MB in the main thread) and the hooks' round trips at each import: a cold build of the four folders of issue
// 17 peaked 80 MB higher that way than on compiled JavaScript. So the CLI compiles `src/` once with esbuild, the
// transform tsx itself applies (same target), into `.cache/js/<fingerprint>/`, laid out as `src/` with its other
// files (grammars, web assets) copied beside; relative `.ts` imports become `.js`, packages stay imports. The
// fingerprint covers every file of `src/` (path, size, modification time) and esbuild's version, so an edited
// source is compiled again at the next run (about a second). Processes compiling at the same time each write a
// folder of their own and rename it into place; the last three fingerprints are kept.
//
// `DETWIKI_TSX=1` runs the sources through tsx instead, as does any failure here (a read-only checkout, esbuild
// missing): the program is the same either way.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'src');
const OUT = path.join(ROOT, '.cache', 'js');
/** Marks a finished compilation (written last). */
const DONE = '.complete';
/** Compilations kept (a server started before an edit still starts workers from its own). */
const KEEP = 3;

/** Every file under a folder, as paths relative to it, sorted. */
function filesUnder(dir, rel = '') {
  const out = [];
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(dir, r));
    else if (e.isFile()) out.push(r);
  }
  return out.sort();
}

function fingerprint(files, esbuildVersion) {
  const h = createHash('sha1');
  h.update(`esbuild ${esbuildVersion}\n`);
  h.update(`compiled.js ${statSync(fileURLToPath(import.meta.url)).mtimeMs}\n`);
  for (const f of files) {
    const st = statSync(path.join(SRC, f));
    h.update(`${f}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return h.digest('hex').slice(0, 16);
}

/** Relative `.ts` imports become `.js`; everything else stays an import (packages, node: modules). */
const externals = {
  name: 'detwiki-externals',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (args.path.startsWith('.') && args.path.endsWith('.ts')) return { path: `${args.path.slice(0, -3)}.js`, external: true };
      return { path: args.path, external: true };
    });
  },
};

async function compile(esbuild, files, dest) {
  const tmp = `${dest}.tmp-${process.pid}-${Date.now()}`;
  try {
    const ts = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
    await esbuild.build({
      entryPoints: ts.map((f) => path.join(SRC, f)),
      outdir: tmp,
      outbase: SRC,
      bundle: true,
      plugins: [externals],
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // each module is an output of its own, so esbuild renames nothing and every function keeps its name without
      // keepNames (tsx sets it), which would wrap each closure in a `__name()` call every time it is created
      keepNames: false,
      sourcemap: 'linked',
      logLevel: 'silent',
    });
    // grammars and web assets, read beside their module; the .mjs entries load tsx, which compiled code does not use
    for (const f of files) {
      if (f.endsWith('.ts') || f.endsWith('.mjs')) continue;
      mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
      copyFileSync(path.join(SRC, f), path.join(tmp, f));
    }
    writeFileSync(path.join(tmp, DONE), '');
    try {
      renameSync(tmp, dest);
    } catch (e) {
      // another process put the same compilation in place first
      if (!existsSync(path.join(dest, DONE))) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function prune(keep) {
  const dirs = readdirSync(OUT, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== keep)
    .map((e) => ({ name: e.name, mtime: statSync(path.join(OUT, e.name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const d of dirs.slice(KEEP - 1)) {
    // a folder still being written by another process is left alone for a minute
    if (d.name.includes('.tmp-') && Date.now() - d.mtime < 60_000) continue;
    rmSync(path.join(OUT, d.name), { recursive: true, force: true });
  }
}

/**
 * The URL of a module of `src/` compiled (`cli/main.ts` → `.cache/js/<fingerprint>/cli/main.js`), compiling `src/`
 * first when it changed; undefined when the sources are to be run through tsx (DETWIKI_TSX=1, or compiling failed).
 */
export async function compiledModule(rel) {
  if (process.env.DETWIKI_TSX === '1') return undefined;
  try {
    const require = createRequire(import.meta.url);
    const esbuild = require('esbuild');
    const files = filesUnder(SRC);
    const dest = path.join(OUT, fingerprint(files, esbuild.version));
    if (!existsSync(path.join(dest, DONE))) {
      mkdirSync(OUT, { recursive: true });
      await compile(esbuild, files, dest);
      prune(path.basename(dest));
    }
    return pathToFileURL(path.join(dest, rel.replace(/\.ts$/, '.js'))).href;
  } catch (e) {
    if (process.env.DETWIKI_DEBUG) process.stderr.write(`detwiki: running the sources through tsx (${e instanceof Error ? e.message : String(e)})\n`);
    return undefined;
  }
}
