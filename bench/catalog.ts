/**
 * Catalog benchmark on the full corpora: every figure printed with the floor it is measured against in the same run.
 * floor = reading every file of the corpora and parsing every YAML / TOML file (the least any build must do): the median of
 * three runs of `bench/_floor.ts`, each a process of its own with the Node flags of `npm start`, as the build runs; the
 * cold build is the median of three too (`DETWIKI_BENCH_COLD_RUNS`), each `detwiki build` into a new folder. Floors
 * and builds alternate, and each build's ratio to the floor run just before it is printed too (their median:
 * `cold_build_ratio_paired`), as the machine's speed drifts during a run.
 * Usage: node --import tsx bench/catalog.ts [corpora dir] [attack bundle]
 * `DETWIKI_BENCH_CATALOG=DIR` measures search, pages and export on the catalog already built in DIR (no floor, no
 * build figures): `DETWIKI_BENCH_CATALOG=/tmp/cat npm run bench -- catalog`.
 * `DETWIKI_BENCH_BUILD_ONLY=1` stops after the build figures (no search, pages, export or hunt start-up). The build figures end
 * with two rebuilds: nothing changed, and every file of one source (Sigma) marked changed, as an update of its
 * adapter's code does (on a copy of the catalog); then the floor is measured again (`floor_again_s`), so that a
 * machine that drifted during the run shows. After the export, `hunt_start_s`: `detwiki hunt` of one event with every
 * rule of the catalog.
 * Lines: `catalog.<metric>=<value> [floor_s=<floor> ratio=<x>]`.
 */
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BuildReport } from '../src/catalog/build.ts';
import type { JobSpan } from '../src/catalog/buildTypes.ts';
import { Catalog } from '../src/catalog/query.ts';
import { exportSite } from '../src/web/export.ts';
import { renderRule, ruleData } from '../src/web/pages/rule.ts';
import { SERVER } from '../src/web/site.ts';
import { warmPages } from '../src/web/warm.ts';

const here = import.meta.dirname;
const corpora = path.resolve(process.argv[2] ?? path.join(here, '..', '..', 'shared', 'corpora'));
const attack = path.resolve(process.argv[3] ?? path.join(here, '..', '..', 'shared', 'attack', 'enterprise-attack-19.1.json'));

const out = (line: string) => console.log(`catalog.${line}`);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const f2 = (n: number) => n.toFixed(2);

// ---- floor: read every file, parse every YAML / TOML (bench/_floor.ts), a process each, as the build runs
/** Floor runs, each before a cold build (their median is the floor); one more after the builds shows the machine's drift. */
const FLOOR_RUNS = 3;

/**
 * Cold builds, a process each into a new folder (`DETWIKI_BENCH_COLD_RUNS`): the ratio is the median build's to the
 * median floor, as the floor is, since one run of either moves by ±15 % on this machine; the peak is the largest.
 */
const COLD_RUNS = Math.max(1, Number(process.env.DETWIKI_BENCH_COLD_RUNS ?? 3) || 1);

interface Floor {
  seconds: number;
  files: number;
  parsed: number;
  /** Each run's seconds, in order. */
  runs: number[];
}

type FloorRun = Omit<Floor, 'runs'>;

/** One run of `bench/_floor.ts` in a process of its own, with the Node flags of `npm start`. */
function floorRun(): FloorRun {
  const r = spawnSync(process.execPath, [...startFlags(), '--import', 'tsx', path.join(here, '_floor.ts'), corpora], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`floor failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as FloorRun;
}

/** The run of median seconds (the upper one of an even count). */
function medianRun<T extends { readonly seconds: number }>(runs: readonly T[]): T {
  return [...runs].sort((a, b) => a.seconds - b.seconds)[runs.length >> 1]!;
}

/** The median of floor runs, with every run's seconds. */
function medianFloor(each: readonly FloorRun[]): Floor {
  return { ...medianRun(each), runs: each.map((x) => x.seconds) };
}

interface ChildBuild {
  seconds: number;
  maxRssMB: number;
  /** CPU seconds of the build's process (every thread; 0 when its report has none). */
  cpuSeconds: number;
  /** CPU seconds of the building thread at the build's end (undefined when its report has none: not Linux). */
  buildingThreadCpu: number | undefined;
  rules: number;
  files: number;
  parsed: number;
  upToDate: boolean;
  outcomes: Record<string, number>;
  sources: { name: string; scan: number; write: number; timeline?: { readonly jobs: readonly JobSpan[]; readonly writeStart: number; readonly writeEnd: number } }[];
  phases: Record<string, number>;
  startedAt: number;
}

/**
 * The Node flags of `npm start` (package.json's start script, between `node` and the script): the build is measured
 * as the main command runs it.
 */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(here, '..', 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  const script = words.findIndex((w) => w.endsWith('detwiki.js'));
  return words.slice(words[0] === 'node' ? 1 : 0, Math.max(0, script)).filter((w) => w.startsWith('--'));
}

/** The CLI compiles `src/` when it changed (bin/compiled.js): done before any build is timed. */
let compiled = false;

/** One `detwiki build` as a separate process with the flags of `npm start`: wall time, and its report (peak RSS included). */
function childBuild(outDir: string): ChildBuild {
  if (!compiled) {
    spawnSync(process.execPath, [path.join(here, '..', 'bin', 'detwiki.js'), '--help'], { encoding: 'utf8' });
    compiled = true;
  }
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...startFlags(), path.join(here, '..', 'bin', 'detwiki.js'), 'build', '--mirror', corpora, '--attack', attack, '--out', outDir, '--json'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
  const rep = JSON.parse(r.stdout) as BuildReport;
  return {
    seconds,
    maxRssMB: rep.peakRssMB ?? 0,
    cpuSeconds: rep.cpuSeconds ?? 0,
    buildingThreadCpu: rep.buildingThreadCpuSeconds,
    rules: rep.totals.rules,
    files: rep.totals.files,
    parsed: rep.totals.parsed,
    outcomes: rep.totals.outcomes,
    upToDate: rep.upToDate,
    sources: rep.sources.map((x) => ({ name: x.name, scan: x.scanSeconds, write: x.writeSeconds, ...(x.timeline ? { timeline: x.timeline } : {}) })),
    phases: { ...(rep.phases ?? {}) },
    startedAt: rep.startedAt ?? 0,
  };
}

const reuse = process.env.DETWIKI_BENCH_CATALOG;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'detwiki-bench-'));
try {
  const catDir = reuse ? path.resolve(reuse) : path.join(tmp, 'catalog');
  if (reuse) out(`reused_catalog=${catDir} (DETWIKI_BENCH_CATALOG: no floor or build figures)`);
  else await buildFigures(catDir);
  if (!process.env.DETWIKI_BENCH_BUILD_ONLY) {
    const cat = new Catalog(catDir);
    searchFigures(cat);
    pageFigures(cat);
    // ---- static export
    const ex = await exportSite(cat, path.join(tmp, 'site'));
    out(`export_s=${f2(ex.seconds)} files=${ex.files} size_mb=${(ex.bytes / 1e6).toFixed(1)} rule_pages=${ex.pages.rule ?? 0} indicator_pages=${ex.pages.indicator ?? 0} threads=${ex.threads}`);
    cat.close();
    huntStartFigures(catDir, tmp);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

/**
 * `detwiki hunt` of one invented Sysmon event with every rule of the catalog, a process each with the flags of `npm
 * start` (three runs, medians): the hunt's start-up, most of it reading the catalog's records and making the engine
 * (`loadSeconds` in the hunt's summary).
 */
function huntStartFigures(catDir: string, tmp: string): void {
  const events = path.join(tmp, 'one-event.jsonl');
  writeFileSync(events, `${JSON.stringify({ EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /all', ParentImage: 'C:\\Windows\\System32\\cmd.exe' })}\n`);
  const walls: number[] = [];
  const loads: number[] = [];
  let loaded = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [...startFlags(), path.join(here, '..', 'bin', 'detwiki.js'), 'hunt', events, '--catalog', catDir, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    walls.push((performance.now() - t0) / 1000);
    if (r.status !== 0) throw new Error(`hunt failed: ${r.stderr}`);
    const summary = JSON.parse(r.stdout) as { loadSeconds: number; rules: { loaded: number } };
    loads.push(summary.loadSeconds);
    loaded = summary.rules.loaded;
  }
  out(`hunt_start_s=${f2(pct(walls, 50))} load_s=${f2(pct(loads, 50))} runs=${walls.length} rules=${loaded} (detwiki hunt of one event with every rule of the catalog, a process each: the median)`);
}

async function buildFigures(catDir: string): Promise<void> {
  // floors and cold builds alternate (a floor, then a build, and again): this machine's speed drifts by 10 % and more
  // within the minutes a bench takes (floors of 4.6 s before the builds and 5.0 s after them), so the ratio of a floor
  // and the build run beside it is also printed, as `farm-bench` pairs its runs (`cold_build_ratio_paired`); the last
  // build is the catalog the figures after it read, the others go once measured
  const floors: FloorRun[] = [];
  const colds: ChildBuild[] = [];
  for (let i = 0; i < Math.max(FLOOR_RUNS, COLD_RUNS); i++) {
    if (i < FLOOR_RUNS) floors.push(floorRun());
    if (i >= COLD_RUNS) continue;
    const dir = i === COLD_RUNS - 1 ? catDir : `${catDir}-cold-${i}`;
    colds.push(childBuild(dir));
    if (dir !== catDir) rmSync(dir, { recursive: true, force: true });
  }
  const fl = medianFloor(floors);
  out(`floor_s=${f2(fl.seconds)} files=${fl.files} yaml_toml_parsed=${fl.parsed} runs=${fl.runs.map(f2).join(',')} (bench/_floor.ts, a process each with the flags of npm start: the median)`);
  const cold = medianRun(colds);
  const peak = Math.max(...colds.map((c) => c.maxRssMB));
  out(`node_flags=${startFlags().join(' ') || '(none)'} (those of npm start)`);
  out(`cold_build_s=${f2(cold.seconds)} floor_s=${f2(fl.seconds)} ratio=${f2(cold.seconds / fl.seconds)} target_s=30 runs=${colds.map((c) => f2(c.seconds)).join(',')} (a process each into a new folder: the median; its figures below)`);
  const paired = colds.slice(0, floors.length).map((c, i) => c.seconds / floors[i]!.seconds);
  out(`cold_build_ratio_paired=${f2(pct(paired, 50))} pairs=${paired.map(f2).join(',')} (each build against the floor run just before it: the median)`);
  out(`cold_build_peak_mb=${peak.toFixed(0)} target_mb=512 runs=${colds.map((c) => c.maxRssMB.toFixed(0)).join(',')} (the largest)`);
  // CPU over wall says how busy both cores were; the CPU is what a faster build has to cut on a busy 2-core machine
  out(`cold_build_cpu_s=${f2(cold.cpuSeconds)} per_wall_s=${f2(cold.cpuSeconds / cold.seconds)} (user and system, every thread of the build's process)`);
  out(`cold_build_rules=${cold.rules} files=${cold.files} outcomes=${Object.entries(cold.outcomes).map(([k, v]) => `${k}:${v}`).join(',')}`);
  const scan = cold.sources.reduce((a, s) => a + s.scan, 0);
  const write = cold.sources.reduce((a, s) => a + s.write, 0);
  // adapters run in two threads, so their summed seconds can exceed the wall time: report the sum, not a remainder
  out(`cold_build_adapters_cpu_s=${f2(scan)} catalog_write_s=${f2(write)} (adapter seconds summed over both threads)`);
  for (const s of cold.sources) out(`cold_build_source.${s.name}=scan:${f2(s.scan)},write:${f2(s.write)}`);
  timeline(cold);
  const warm = childBuild(catDir);
  out(`rebuild_unchanged_s=${f2(warm.seconds)} floor_s=${f2(fl.seconds)} ratio=${f2(warm.seconds / fl.seconds)} target_s=3 reparsed=${warm.parsed} up_to_date=${warm.upToDate}`);
  // an update of one adapter's code parses its files again on the incremental path (rows deleted and written with
  // the indexes in place): every Sigma file marked changed, on a copy (the figures below read the cold catalog)
  const oneDir = `${catDir}-one-source`;
  cpSync(catDir, oneDir, { recursive: true });
  const db = new Database(path.join(oneDir, 'catalog.sqlite'));
  const marked = db.prepare("UPDATE files SET key = '' WHERE source = 'sigma'").run().changes;
  db.close();
  const one = childBuild(oneDir);
  const sigmaCold = cold.sources.find((x) => x.name === 'sigma');
  out(`rebuild_one_source_s=${f2(one.seconds)} source=sigma files_marked=${marked} reparsed=${one.parsed} (cold build of all sources ${f2(cold.seconds)} s; sigma's scan there ${f2(sigmaCold?.scan ?? 0)} s, write ${f2(sigmaCold?.write ?? 0)} s)`);
  rmSync(oneDir, { recursive: true, force: true });
  // the floor once more, after the builds: how far the machine drifted during the run (the ratio above uses the first)
  const again = floorRun();
  out(`floor_again_s=${f2(again.seconds)} first_floor_s=${f2(fl.seconds)} cold_build_ratio_to_this_floor=${f2(cold.seconds / again.seconds)}`);
}

/**
 * The cold build's timeline: per thread (0 = the building thread), the seconds it spent parsing, its jobs, when its
 * first job started and its last ended (seconds from the build's start) and its largest heap at a job's end; the
 * building thread's writing; the phases after the sources.
 */
function timeline(b: ChildBuild): void {
  const at = (ms: number) => f2((ms - b.startedAt) / 1000);
  const threads = new Map<number, { busy: number; jobs: number; first: number; last: number; heap: number }>();
  let write = 0;
  let lastWrite = 0;
  for (const s of b.sources) {
    if (!s.timeline) continue;
    write += s.write * 1000;
    lastWrite = Math.max(lastWrite, s.timeline.writeEnd);
    for (const j of s.timeline.jobs) {
      const t = threads.get(j.thread) ?? { busy: 0, jobs: 0, first: Infinity, last: 0, heap: 0 };
      t.busy += j.endedAt - j.startedAt;
      t.jobs++;
      t.first = Math.min(t.first, j.startedAt);
      t.last = Math.max(t.last, j.endedAt);
      t.heap = Math.max(t.heap, j.heapMB);
      threads.set(j.thread, t);
    }
  }
  for (const [id, t] of [...threads].sort((a, c) => a[0] - c[0])) out(`cold_build_thread.${id}=parse_s:${f2(t.busy / 1000)},jobs:${t.jobs},first:${at(t.first)},last:${at(t.last)},heap_mb:${t.heap.toFixed(0)}`);
  out(`cold_build_writing=write_s:${f2(write / 1000)},last:${at(lastWrite)}`);
  out(`cold_build_phases=${Object.entries(b.phases).map(([k, v]) => `${k}:${f2(v)}`).join(',')}`);
  cpuByThread(b);
}

/**
 * The cold build's CPU by thread: the building thread's at the build's end, each scan worker's at its last job's end,
 * and the rest of the process's CPU, which is V8's helper threads (concurrent marking, parallel scavenging, sweeping,
 * optimizing compilation; a worker's few steps after its last job count there too). Linux only (the threads read
 * `/proc/thread-self`): without the figures the line says so.
 */
function cpuByThread(b: ChildBuild): void {
  const workers = new Map<number, number>();
  for (const s of b.sources) for (const j of s.timeline?.jobs ?? []) if (j.thread !== 0 && j.cpuS !== undefined) workers.set(j.thread, Math.max(workers.get(j.thread) ?? 0, j.cpuS));
  if (b.buildingThreadCpu === undefined || !b.cpuSeconds) {
    out('cold_build_cpu_by_thread=unknown (no per-thread CPU in the build report: not Linux)');
    return;
  }
  const inWorkers = [...workers.values()].reduce((a, c) => a + c, 0);
  const helpers = b.cpuSeconds - b.buildingThreadCpu - inWorkers;
  const parts = [`0:${f2(b.buildingThreadCpu)}`, ...[...workers].sort((x, y) => x[0] - y[0]).map(([id, c]) => `${id}:${f2(c)}`), `v8_helpers:${f2(helpers)}`];
  out(`cold_build_cpu_by_thread=${parts.join(',')} helpers_share=${f2(helpers / b.cpuSeconds)} (seconds; 0 = the building thread; v8_helpers = the process's CPU less its JavaScript threads': garbage collection and optimizing compilation)`);
}

/** Search latency per query class: words, phrases, prefixes, FTS-syntax strings, field and value searches, filters. */
function searchFigures(cat: Catalog): void {
  // the fixed query set, by class (the overall figure is over all of them)
  const classes: Record<string, readonly string[]> = {
    word: ['powershell', 'mimikatz', 'UpdateAssumeRolePolicy', 'lateral movement', 'CVE-2021-44228', 'okta admin'],
    phrase: ['"scheduled task"'],
    prefix: ['reg*'],
    field: ['field:CommandLine', 'field:eventName'],
    value: ['value:"\\reg.exe"', 'value:"StopLogging"', 'field:Image value:"\\rundll32.exe"'],
    filtered: ['cloudtrail format:sigma', 'kerberos kind:hunting', 'technique:T1078 login'],
  };
  const queries = Object.values(classes).flat();
  for (const q of queries) cat.search(q); // warm statements
  const lat: number[] = [];
  const byQuery = new Map<string, number[]>();
  for (let rep = 0; rep < 10; rep++) {
    for (const q of queries) {
      const t0 = performance.now();
      cat.search(q);
      const ms = performance.now() - t0;
      lat.push(ms);
      byQuery.set(q, [...(byQuery.get(q) ?? []), ms]);
    }
  }
  out(`search_p50_ms=${f2(pct(lat, 50))} p95_ms=${f2(pct(lat, 95))} queries=${lat.length} target_p95_ms=10`);
  for (const [name, qs] of Object.entries(classes)) {
    const xs = qs.flatMap((q) => byQuery.get(q)!);
    out(`search_class.${name}=p50:${f2(pct(xs, 50))},p95:${f2(pct(xs, 95))} queries=${qs.length}`);
  }
  const worst = [...byQuery].map(([q, xs]) => [q, pct(xs, 50)] as const).sort((a, b) => b[1] - a[1])[0]!;
  out(`search_slowest_query=${JSON.stringify(worst[0])} p50_ms=${f2(worst[1])}`);
  const seed = cat.search('UpdateAssumeRolePolicy');
  out(`search_seed_rule_found=${seed.rows.some((r) => r.id === 'panther/aws_iam_backdoor_role')} rank=${seed.rows.findIndex((r) => r.id === 'panther/aws_iam_backdoor_role') + 1} total=${seed.total}`);
}

function pageFigures(cat: Catalog): void {
  // ---- technique listing
  const techs = cat.db.prepare('SELECT technique t FROM rule_attack WHERE technique IS NOT NULL GROUP BY technique ORDER BY COUNT(*) DESC LIMIT 30').all() as { t: string }[];
  const tl: number[] = [];
  for (let rep = 0; rep < 3; rep++)
    for (const t of techs) {
      const t0 = performance.now();
      cat.browse({ technique: t.t });
      tl.push(performance.now() - t0);
    }
  out(`technique_listing_p95_ms=${f2(pct(tl, 95))} p50_ms=${f2(pct(tl, 50))} techniques=${techs.length} target_p95_ms=5`);
  const tp: number[] = [];
  for (const t of techs.slice(0, 15)) {
    const t0 = performance.now();
    cat.technique(t.t);
    tp.push(performance.now() - t0);
  }
  out(`technique_page_data_p95_ms=${f2(pct(tp, 95))} p50_ms=${f2(pct(tp, 50))}`);
  // ---- rule page render: a fixed sample across formats, first visits of a server that warmed up as `detwiki serve`
  // does before its first request (warm.ts) and then served 20 pages
  const warm = warmPages(cat);
  out(`rule_page_warm_up_ms=${f2(warm.ms)} pages=${warm.pages} (before the server's first request)`);
  const ids = cat.db.prepare('SELECT id FROM rules ORDER BY (rowid * 2654435761) % 4294967296 LIMIT 300').all() as { id: string }[];
  for (const r of ids.slice(0, 20)) renderRule(SERVER, ruleData(cat, r.id)!);
  const rp: number[] = [];
  for (const r of ids) {
    const t0 = performance.now();
    renderRule(SERVER, ruleData(cat, r.id)!);
    rp.push(performance.now() - t0);
  }
  out(`rule_page_p50_ms=${f2(pct(rp, 50))} p95_ms=${f2(pct(rp, 95))} pages=${rp.length} target_p95_ms=10`);
  const t0 = performance.now();
  cat.matrix({});
  out(`matrix_first_ms=${f2(performance.now() - t0)}`);
}
