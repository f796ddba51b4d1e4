/**
 * `npm run bench -- hunt`: the hunt engine over the whole SigmaHQ rule set on the Sigma regression events
 * replicated to ≥ 1 M events (a JSON lines file written to the temp folder), end to end (read, parse, route,
 * prefilter, evaluate, explain hits): events per second per core (CPU time) and per second of wall time, peak
 * memory; the same on worker threads (`--workers`, DETWIKI_HUNT_WORKERS, default 2; 0 skips it); then the engine
 * alone on the same events with and without the prefilter (the share of event × rule pairs it leaves to evaluate). Zircolite is not run:
 * it needs Python packages from PyPI, which this machine cannot reach; its published figure is printed, labelled.
 * Usage: node --import tsx bench/hunt.ts <corpora dir> [events]
 */
import { createWriteStream, existsSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scanSource } from '../src/formats/scan.ts';
import { sigmaAdapter } from '../src/formats/sigma/index.ts';
import { parseJsonSequence } from '../src/formats/sigma/regression.ts';
import { HuntEngine } from '../src/hunt/engine.ts';
import { hunt } from '../src/hunt/session.ts';

const corpora = process.argv[2] ?? path.resolve(import.meta.dirname, '..', '..', 'shared', 'corpora');
const target = Number(process.argv[3] ?? process.env.DETWIKI_HUNT_EVENTS ?? 1_000_000);
const sigma = path.join(corpora, 'sigma');

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const mb = (n: number) => (n / 1048576).toFixed(0);

// rules: the whole SigmaHQ set
let t = performance.now();
const scan = await scanSource(sigmaAdapter, sigma, { repository: 'SigmaHQ/sigma' });
const rules = scan.rules;
console.log(`bench.hunt.rules ${rules.length} (${rules.filter((r) => r.logic.condition).length} with logic) parsed in ${((performance.now() - t) / 1000).toFixed(1)} s`);

// events: every regression log, replicated
const events: string[] = [];
const walk = (d: string): void => {
  for (const e of readdirSync(d).sort()) {
    const p = path.join(d, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.json')) for (const v of parseJsonSequence(readFileSync(p, 'utf8')).values) events.push(JSON.stringify(v));
  }
};
walk(path.join(sigma, 'regression_data'));
const reps = Math.ceil(target / events.length);
const file = path.join(os.tmpdir(), `detwiki-hunt-bench-${events.length}x${reps}.jsonl`);
if (!existsSync(file)) {
  const out = createWriteStream(file);
  const block = events.join('\n') + '\n';
  for (let i = 0; i < reps; i++) if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((r) => out.end(() => r()));
}
const total = events.length * reps;
console.log(`bench.hunt.events ${total} (${events.length} regression events x ${reps}) ${mb(statSync(file).size)} MB at ${file}`);

// end to end, as `detwiki hunt` runs
t = performance.now();
const engine = new HuntEngine(rules);
const compileMs = performance.now() - t;
const cpu0 = process.cpuUsage();
t = performance.now();
// hits go to a sink, as the CLI's output (so hits are explained: the predicates that matched)
let matchedPredicates = 0;
const summary = await hunt(engine, [file], { onHit: (h) => (matchedPredicates += h.matched.length) });
const wall = (performance.now() - t) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
const hits = summary.byRule.reduce((a, r) => a + r.hits, 0);
console.log(`bench.hunt.compile ${engine.rules.length} rules compiled in ${compileMs.toFixed(0)} ms`);
console.log(`bench.hunt.e2e events=${summary.counts.events} bad=${summary.counts.bad} hits=${hits} rules_fired=${summary.byRule.filter((r) => r.hits).length} evaluations=${summary.evaluations} (${(summary.evaluations / summary.counts.events).toFixed(1)} rules/event)`);
console.log(`bench.hunt.e2e wall=${wall.toFixed(1)} s cpu=${cpuS.toFixed(1)} s events_per_s=${Math.round(summary.counts.events / wall)} events_per_s_per_core=${Math.round(summary.counts.events / cpuS)} (CPU time; 2-core machine shared with other jobs)`);

void matchedPredicates;
console.log(`bench.hunt.e2e_peak_rss ${mb(peakRss)} MB (one thread: rules, engine and streaming input)`);

// the same on worker threads: events per second per core divide by every thread's CPU time
const workers = Number(process.env.DETWIKI_HUNT_WORKERS ?? 2);
if (workers > 0) {
  const c0 = process.cpuUsage();
  const t1 = performance.now();
  const s = await hunt(new HuntEngine(rules), [file], { workers });
  const w = (performance.now() - t1) / 1000;
  const c = process.cpuUsage(c0);
  const cs = (c.user + c.system) / 1e6;
  console.log(`bench.hunt.workers workers=${workers} events=${s.counts.events} hits=${s.byRule.reduce((a, r) => a + r.hits, 0)} wall=${w.toFixed(1)} s cpu=${cs.toFixed(1)} s events_per_s=${Math.round(s.counts.events / w)} events_per_s_per_core=${Math.round(s.counts.events / cs)} (CPU time of the main thread and the workers, rules compiled once per worker included)`);
}

// the engine alone (events already parsed), with and without the prefilter, on a slice
const parsed = events.map((e) => JSON.parse(e) as unknown);
const perEvent: number[] = [];
for (const noPrefilter of [false, true]) {
  const eng = new HuntEngine(rules, { noPrefilter });
  const n = noPrefilter ? 5_000 : 50_000;
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) eng.run(parsed[i % parsed.length]);
  const c = process.cpuUsage(c0);
  const s = (c.user + c.system) / 1e6;
  perEvent.push(eng.stats.evaluations / n);
  console.log(`bench.hunt.engine${noPrefilter ? '_no_prefilter' : ''} events=${n} cpu=${s.toFixed(1)} s events_per_s_per_core=${Math.round(n / s)} rules_per_event=${(eng.stats.evaluations / n).toFixed(1)}`);
}
console.log(`bench.hunt.prefilter evaluated ${(perEvent[0]! / perEvent[1]! * 100).toFixed(1)}% of the event x rule pairs routing leaves (${perEvent[0]!.toFixed(1)} of ${perEvent[1]!.toFixed(1)} rules per event), ${(perEvent[0]! / engine.rules.length * 100).toFixed(2)}% of event x runnable rule pairs (${engine.rules.length} rules)`);
clearInterval(sampler);
console.log(`bench.hunt.peak_rss ${mb(peakRss)} MB (rules, engine and streaming input, worker threads included; the input file is not held)`);
console.log('bench.hunt.zircolite not run: it needs Python packages from PyPI, not reachable here. Published (not measured here): no events/s figure; its README says it "can parse large datasets in just seconds", and docs/Advanced.md that its memory use is 2 to 3 times the size of the logs.');

// the DuckDB engine (new lines; the lines above stay as they were): the SigmaHQ rules over the regression events
// (JSON lines) and over a Parquet file of >= 1 M events written by DuckDB itself (COPY ... TO), peak memory
if (process.env.DETWIKI_HUNT_DUCKDB !== '0') {
  const { DuckEngine } = await import('../src/hunt/sql/duckdb.ts');
  const duckSampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const duckRules = engine.rules.filter((hr) => hr.logSources.length > 0).map((hr) => ({ format: hr.rule.format, condition: hr.condition, logSources: hr.logSources }));
  // the Parquet leg runs the first DETWIKI_HUNT_DUCKDB_PARQUET_RULES rules (default 50: every batch is one scan of
  // the million events, and the whole set would take hours here); the regression leg runs them all
  const nRules = Number(process.env.DETWIKI_HUNT_DUCKDB_RULES ?? duckRules.length);
  const nParquet = Number(process.env.DETWIKI_HUNT_DUCKDB_PARQUET_RULES ?? 50);
  const small = path.join(os.tmpdir(), `detwiki-hunt-bench-${events.length}.jsonl`);
  if (!existsSync(small)) (await import('node:fs')).writeFileSync(small, events.join('\n') + '\n');
  const runDuck = async (label: string, file: string, count: number, n: number): Promise<void> => {
    const duck = await DuckEngine.open();
    const w0 = performance.now();
    await duck.load(file);
    const loadS = (performance.now() - w0) / 1000;
    let hitsD = 0;
    const w1 = performance.now();
    for (let b = 0; b < n; b += 50) for (const row of await duck.runBatch(duckRules.slice(b, Math.min(b + 50, n)))) hitsD += row.hits.filter((h) => h > 0).length;
    const runS = (performance.now() - w1) / 1000;
    duck.close();
    console.log(`bench.hunt.duckdb.${label} events=${duck.events || count} rules=${n} load=${loadS.toFixed(1)} s rules_run=${runS.toFixed(1)} s events_per_s=${Math.round((duck.events || count) / (loadS + runS))} hits=${hitsD} (wall time, 2-core machine shared with other jobs)`);
  };
  await runDuck('regression_jsonl', small, events.length, nRules);
  const parquet = path.join(os.tmpdir(), `detwiki-hunt-bench-${events.length}x${reps}.parquet`);
  if (!existsSync(parquet)) {
    const duck = await DuckEngine.open();
    // without insertion order DuckDB streams the copy within its memory limit (with it, it ran out of memory at
    // 1 GB); written beside and renamed, so a copy that fails leaves no partial file for the next run
    await duck.conn.run('SET preserve_insertion_order = false');
    await duck.conn.run(`COPY (SELECT json AS ev FROM read_json_objects('${file}', format = 'newline_delimited')) TO '${parquet}.part' (FORMAT parquet)`);
    duck.close();
    renameSync(`${parquet}.part`, parquet);
  }
  console.log(`bench.hunt.duckdb.parquet_file ${mb(statSync(parquet).size)} MB at ${parquet}`);
  await runDuck('parquet', parquet, total, nParquet);
  clearInterval(duckSampler);
  console.log(`bench.hunt.duckdb.peak_rss ${mb(Math.max(peakRss, process.memoryUsage().rss))} MB (whole bench process, DuckDB memory_limit 1GB, spilling to the temp folder)`);
}
