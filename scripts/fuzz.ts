/**
 * `npm run fuzz`: mutations of real rule files of every language (read at run time from the corpora, written
 * mutated to a temporary folder, never into the project) through `scan`, asserting no crash, no hang and every file
 * accounted for (an outcome; an error with a diagnostic code; a skip with a reason).
 *
 *   npm run fuzz -- [--n 200] [--seed 1] [--formats sigma,kusto] [--corpora DIR] [--batch 200] [--hang-ms 60000]
 *                   [--keep DIR] [--json]
 *
 * `--n`: mutated files per language; `--keep DIR`: write the files of every finding there (to reproduce). Findings:
 * crash (scan threw or its thread died), hang (no progress for --hang-ms), unaccounted (a file missing from the
 * results, an error without a code, a skip without a reason); GEN004 (an adapter exception caught for one file) is
 * counted, and a finding with `--strict`. Exit 1 on any finding. Batches run in a worker thread so that a hang can be
 * stopped; a failed batch is run again file by file to name the culprit.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DEFAULT_SOURCES } from '../src/catalog/sources.ts';
import { listSource } from '../src/formats/io.ts';
import type { Format } from '../src/model/facts.ts';
import { FUZZ_FACTS, mutate, rng } from './fuzzMutate.ts';
import type { FuzzFileResult, FuzzReply } from './fuzzWorker.ts';

export interface FuzzOptions {
  readonly n: number;
  readonly seed: number;
  readonly formats: readonly Format[];
  readonly corpora: string;
  readonly batch: number;
  readonly hangMs: number;
  readonly strict: boolean;
  readonly keep?: string;
  readonly log?: (line: string) => void;
}

export interface Finding {
  readonly kind: 'crash' | 'hang' | 'unaccounted' | 'gen004';
  readonly format: Format;
  readonly file: string;
  readonly seedFile: string;
  readonly mutations: readonly string[];
  readonly message: string;
}

export interface FormatFigures {
  readonly format: Format;
  readonly seedFiles: number;
  readonly files: number;
  readonly outcomes: Record<string, number>;
  readonly codes: Record<string, number>;
  readonly mutations: Record<string, number>;
  readonly seconds: number;
  readonly findings: number;
  /** The slowest files: ms, the file, the mutations applied. */
  readonly slowest: readonly { readonly ms: number; readonly file: string; readonly mutations: string }[];
}

export interface FuzzReport {
  readonly seed: number;
  readonly n: number;
  readonly formats: readonly FormatFigures[];
  readonly findings: readonly Finding[];
}

const ALL_FORMATS: readonly Format[] = ['panther', 'sigma', 'kusto', 'splunk', 'elastic', 'yaral', 'mql'];

/** Real rule files of a language in the corpora: `{root, rel}` (read when mutated). */
function seedFiles(corpora: string, format: Format): { root: string; rel: string }[] {
  const exts = FUZZ_FACTS[format].exts;
  const out: { root: string; rel: string }[] = [];
  for (const def of DEFAULT_SOURCES.filter((d) => d.format === format)) {
    const root = path.join(corpora, def.name);
    let files: string[];
    try {
      files = listSource(root).files;
    } catch {
      continue;
    }
    for (const rel of files) {
      if (!exts.some((e) => rel.toLowerCase().endsWith(e))) continue;
      // Panther: the YAML specs (each brings its Python body); other languages: every rule-like file
      if (format === 'panther' && rel.endsWith('.py')) continue;
      out.push({ root, rel });
    }
  }
  return out;
}

/** Files of one mutated case: relative path → bytes (a Panther spec with its Python body). */
function makeCase(seed: { root: string; rel: string }, format: Format, i: number, r: ReturnType<typeof rng>): { files: Map<string, Buffer>; applied: string[] } {
  const files = new Map<string, Buffer>();
  const ext = path.extname(seed.rel);
  const name = `${seed.rel.slice(0, -ext.length)}__m${i}${ext}`;
  let text: Buffer = readFileSync(path.join(seed.root, seed.rel));
  const applied: string[] = [];
  if (format === 'panther') {
    const m = /^Filename:\s*(\S+\.py)\s*$/m.exec(text.toString('utf8'));
    if (m) {
      const py = path.posix.join(path.posix.dirname(seed.rel), m[1]!);
      const pyName = `${py.slice(0, -3)}__m${i}.py`;
      text = Buffer.from(text.toString('utf8').replace(m[0], `Filename: ${path.posix.basename(pyName)}`));
      try {
        let body: Buffer = readFileSync(path.join(seed.root, py));
        if (r.next() < 0.5) {
          const mm = mutate(body, r, format);
          body = mm.bytes;
          applied.push(...mm.applied.map((a) => `py:${a}`));
        }
        files.set(pyName, body);
      } catch {
        // a spec whose body is missing upstream: mutated alone
      }
    }
  }
  if (format !== 'panther' || !applied.length || r.next() < 0.5) {
    const mm = mutate(text, r, format);
    text = mm.bytes;
    applied.push(...mm.applied);
  }
  files.set(name, text);
  return { files, applied };
}

/** A scan in a worker thread, stopped when it makes no progress for hangMs. */
class ScanThread {
  private worker: Worker | undefined;
  private nextId = 1;

  private spawn(): Worker {
    if (!this.worker) this.worker = new Worker(new URL('./fuzzWorker.mjs', import.meta.url));
    return this.worker;
  }

  scan(format: Format, dir: string, hangMs: number): Promise<{ ok: true; files: FuzzFileResult[] } | { ok: false; kind: 'crash' | 'hang'; message: string; at?: string }> {
    const w = this.spawn();
    const id = this.nextId++;
    return new Promise((resolve) => {
      let last = '';
      let timer: NodeJS.Timeout;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          cleanup();
          void w.terminate();
          this.worker = undefined;
          resolve({ ok: false, kind: 'hang', message: `no progress for ${hangMs} ms`, ...(last ? { at: last } : {}) });
        }, hangMs);
      };
      const onMessage = (m: FuzzReply) => {
        if (m.id !== id) return;
        if (m.type === 'progress') {
          last = m.path;
          arm();
        } else {
          cleanup();
          resolve(m.type === 'done' ? { ok: true, files: m.files } : { ok: false, kind: 'crash', message: m.message });
        }
      };
      const onError = (e: Error) => {
        cleanup();
        this.worker = undefined;
        resolve({ ok: false, kind: 'crash', message: `scan thread died: ${e.message}` });
      };
      const onExit = (code: number) => {
        cleanup();
        this.worker = undefined;
        resolve({ ok: false, kind: 'crash', message: `scan thread exited (${code})` });
      };
      const cleanup = () => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
      };
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      arm();
      w.postMessage({ id, format, dir });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}

/** What is wrong with a batch's results: every file listed, an outcome each, a code for errors, a reason for skips. */
function auditResults(dir: string, files: readonly FuzzFileResult[]): { file: string; message: string }[] {
  const listing = listSource(dir);
  const expected = new Set([...listing.files, ...listing.skipped.map((e) => e.path)]);
  const problems: { file: string; message: string }[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    seen.add(f.path);
    if (!['parsed', 'support', 'skipped', 'error'].includes(f.outcome)) problems.push({ file: f.path, message: `outcome ${f.outcome}` });
    if (f.outcome === 'error' && !f.codes.length) problems.push({ file: f.path, message: 'error without a diagnostic code' });
    if (f.codes.some((c) => !/^[A-Z]{2,5}\d{3}$/.test(c))) problems.push({ file: f.path, message: `malformed code in ${f.codes.join(',')}` });
    if (f.outcome === 'skipped' && !f.reason) problems.push({ file: f.path, message: 'skipped without a reason' });
  }
  for (const p of expected) if (!seen.has(p)) problems.push({ file: p, message: 'missing from the scan results' });
  return problems;
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const log = opts.log ?? (() => {});
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'detwiki-fuzz-'));
  const thread = new ScanThread();
  const figures: FormatFigures[] = [];
  const findings: Finding[] = [];
  /** Write a finding's files (every file of its case: a Panther spec and its body) under --keep. */
  const keep = (f: Finding, dir: string, caseFiles: readonly string[]) => {
    if (!opts.keep) return;
    for (const rel of caseFiles) {
      const to = path.join(opts.keep, f.format, rel);
      mkdirSync(path.dirname(to), { recursive: true });
      try {
        copyFileSync(path.join(dir, rel), to);
      } catch {
        // the file was not written (a name the system refused): the finding says what it was
      }
    }
    writeFileSync(path.join(opts.keep, f.format, `${f.file}.finding.json`), JSON.stringify(f, null, 2));
  };
  try {
    for (const format of opts.formats) {
      const t0 = performance.now();
      const seeds = seedFiles(opts.corpora, format);
      const outcomes: Record<string, number> = {};
      const codes: Record<string, number> = {};
      const mutationCounts: Record<string, number> = {};
      let files = 0;
      const before = findings.length;
      let slowest: { ms: number; file: string; mutations: string }[] = [];
      if (!seeds.length) {
        log(`fuzz.${format} skipped: no rule files under ${opts.corpora}`);
        continue;
      }
      const r = rng(opts.seed * 7919 + ALL_FORMATS.indexOf(format));
      for (let start = 0; start < opts.n; start += opts.batch) {
        const dir = path.join(tmp, `${format}-${start}`);
        const origin = new Map<string, { seedFile: string; applied: string[]; case: number }>();
        for (let i = start; i < Math.min(opts.n, start + opts.batch); i++) {
          const seed = r.pick(seeds);
          const c = makeCase(seed, format, i, r);
          for (const a of c.applied) mutationCounts[a] = (mutationCounts[a] ?? 0) + 1;
          for (const [rel, bytes] of c.files) {
            mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
            writeFileSync(path.join(dir, rel), bytes);
            origin.set(rel, { seedFile: path.join(path.relative(opts.corpora, seed.root), seed.rel), applied: c.applied, case: i });
            files++;
          }
        }
        if (format === 'panther') mkdirSync(path.join(dir, 'global_helpers'), { recursive: true });
        const add = (kind: Finding['kind'], file: string, message: string) => {
          const o = origin.get(file);
          const f: Finding = { kind, format, file, seedFile: o?.seedFile ?? '', mutations: o?.applied ?? [], message };
          findings.push(f);
          keep(f, dir, [...origin.keys()].filter((k) => origin.get(k)!.case === o?.case));
        };
        const res = await thread.scan(format, dir, opts.hangMs);
        if (res.ok) {
          for (const f of res.files) {
            outcomes[f.outcome] = (outcomes[f.outcome] ?? 0) + 1;
            for (const c of f.codes) codes[c] = (codes[c] ?? 0) + 1;
            if (f.codes.includes('GEN004')) add('gen004', f.path, f.messages.find((m) => m.startsWith('GEN004')) ?? 'GEN004');
            if (slowest.length < 5 || f.ms > slowest[slowest.length - 1]!.ms) {
              slowest = [...slowest, { ms: Math.round(f.ms), file: f.path, mutations: origin.get(f.path)?.applied.join('+') ?? '' }].sort((a, b) => b.ms - a.ms).slice(0, 5);
            }
          }
          for (const p of auditResults(dir, res.files)) add('unaccounted', p.file, p.message);
        } else {
          // the batch failed: each file alone, to name the ones that crash or hang
          log(`fuzz.${format} batch ${start}: ${res.kind} (${res.message}${res.at ? ` at ${res.at}` : ''}); isolating`);
          for (const rel of origin.keys()) {
            if (rel.endsWith('.py') && format === 'panther') continue;
            const one = path.join(tmp, 'one');
            rmSync(one, { recursive: true, force: true });
            const group = [...origin.keys()].filter((k) => origin.get(k)!.case === origin.get(rel)!.case);
            for (const g of group) {
              mkdirSync(path.dirname(path.join(one, g)), { recursive: true });
              copyFileSync(path.join(dir, g), path.join(one, g));
            }
            const single = await thread.scan(format, one, opts.hangMs);
            if (!single.ok) add(single.kind, rel, single.message);
            else {
              for (const f of single.files) outcomes[f.outcome] = (outcomes[f.outcome] ?? 0) + 1;
              for (const p of auditResults(one, single.files)) add('unaccounted', p.file, p.message);
            }
          }
        }
        rmSync(dir, { recursive: true, force: true });
        log(`fuzz.${format} ${Math.min(opts.n, start + opts.batch)}/${opts.n} cases, ${files} files, ${findings.length - before} finding(s)`);
      }
      const fig: FormatFigures = { format, seedFiles: seeds.length, files, outcomes, codes, mutations: mutationCounts, seconds: (performance.now() - t0) / 1000, findings: findings.length - before, slowest };
      figures.push(fig);
    }
  } finally {
    await thread.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  return { seed: opts.seed, n: opts.n, formats: figures, findings };
}

/** Findings that fail the run: every kind, GEN004 only with `strict`. */
export function failures(r: FuzzReport, strict: boolean): Finding[] {
  return r.findings.filter((f) => strict || f.kind !== 'gen004');
}

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const json = argv.includes('--json');
  const strict = argv.includes('--strict');
  const formats = (arg(argv, 'formats')?.split(',') ?? ALL_FORMATS).filter((f): f is Format => (ALL_FORMATS as readonly string[]).includes(f));
  const opts: FuzzOptions = {
    n: Number(arg(argv, 'n') ?? process.env['DETWIKI_FUZZ_N'] ?? 200),
    seed: Number(arg(argv, 'seed') ?? 1),
    formats,
    corpora: path.resolve(arg(argv, 'corpora') ?? path.join(import.meta.dirname, '..', '..', 'shared', 'corpora')),
    batch: Number(arg(argv, 'batch') ?? 200),
    hangMs: Number(arg(argv, 'hang-ms') ?? 60_000),
    strict,
    ...(arg(argv, 'keep') ? { keep: path.resolve(arg(argv, 'keep')!) } : {}),
    log: json ? () => {} : (l) => console.error(l),
  };
  const t0 = performance.now();
  const report = await runFuzz(opts);
  const bad = failures(report, strict);
  if (json) console.log(JSON.stringify(report, null, 2));
  else {
    for (const f of report.formats) {
      const top = Object.entries(f.codes).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([c, n]) => `${c}:${n}`).join(' ');
      console.log(`fuzz.${f.format} cases=${opts.n} files=${f.files} seeds=${f.seedFiles} seconds=${f.seconds.toFixed(1)} files_per_s=${(f.files / f.seconds).toFixed(0)} outcomes=${JSON.stringify(f.outcomes)} findings=${f.findings} codes=${top} slowest_ms=${f.slowest.map((x) => `${x.ms}(${x.mutations})`).join(',')}`);
    }
    const by = (k: string) => report.findings.filter((f) => f.kind === k).length;
    console.log(`fuzz.total seed=${opts.seed} files=${report.formats.reduce((n, f) => n + f.files, 0)} crash=${by('crash')} hang=${by('hang')} unaccounted=${by('unaccounted')} gen004=${by('gen004')} seconds=${((performance.now() - t0) / 1000).toFixed(1)}`);
    for (const f of report.findings.slice(0, 30)) console.log(`  ${f.kind} ${f.format} ${f.file} (from ${f.seedFile}; ${f.mutations.join('+')}): ${f.message.slice(0, 200)}`);
  }
  process.exit(bad.length ? 1 : 0);
}
