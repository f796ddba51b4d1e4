/**
 * `npm run bench -- hunt`: the hunt engine over the whole SigmaHQ rule set on the Sigma regression events
 * replicated to ≥ 1 M events (a JSON lines file written to the temp folder), end to end (read, parse, route,
 * prefilter, evaluate, explain hits): events per second per core (CPU time) and per second of wall time, peak
 * memory; the same on worker threads (`--workers`, DETWIKI_HUNT_WORKERS, default 2; 0 skips it); then the engine
 * alone on the same events with and without the prefilter (the share of event × rule pairs it leaves to evaluate).
 * Zircolite side by side, when DETWIKI_ZIRCOLITE names its `zircolite.py` (installed by hand outside the project, with
 * its Python dependencies: see docs/hunt.md), on the same JSON lines; otherwise its published claims, labelled.
 * `npm run bench` runs it with the Node flags of the `detwiki` command (its shebang), printed first.
 * Usage: node --import tsx bench/hunt.ts <corpora dir> [events]
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scanSource } from '../src/formats/scan.ts';
import { sigmaAdapter } from '../src/formats/sigma/index.ts';
import { parseJsonSequence } from '../src/formats/sigma/regression.ts';
import { HuntEngine } from '../src/hunt/engine.ts';
import { hunt } from '../src/hunt/session.ts';
import { heapForHunting } from '../src/hunt/heap.ts';

const corpora = process.argv[2] ?? path.resolve(import.meta.dirname, '..', '..', 'shared', 'corpora');
const target = Number(process.argv[3] ?? process.env.DETWIKI_HUNT_EVENTS ?? 1_000_000);
const sigma = path.join(corpora, 'sigma');

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const mb = (n: number) => (n / 1048576).toFixed(0);

console.log(`bench.hunt.node_flags ${process.execArgv.filter((f) => f.startsWith('--') && f !== '--import' && f !== '--expose-gc').join(' ') || '(none)'}`);

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

// end to end, as `detwiki hunt` runs: its heap setting once the rules are loaded
heapForHunting();
t = performance.now();
const engine = new HuntEngine(rules);
const compileMs = performance.now() - t;
const cpu0 = process.cpuUsage();
t = performance.now();
// hits go to a sink, as the CLI's output (so hits are explained: the predicates that matched and what the event had for each)
let matchedPredicates = 0;
const summary = await hunt(engine, [file], { onHit: (h) => (matchedPredicates += h.matched.length) });
const wall = (performance.now() - t) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
const hits = summary.byRule.reduce((a, r) => a + r.hits, 0);
const readings = engine.rules.filter((hr) => hr.of !== undefined).length;
console.log(`bench.hunt.compile ${engine.rules.length - readings} rules compiled in ${compileMs.toFixed(0)} ms (and ${readings} other readings: Sigma over Security 4688 and over Elastic's documents; the engine made and its prefilter planned: each condition is compiled at its first evaluation, inside the run below)`);
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
console.log(`bench.hunt.prefilter evaluated ${(perEvent[0]! / perEvent[1]! * 100).toFixed(1)}% of the event x rule pairs routing leaves (${perEvent[0]!.toFixed(1)} of ${perEvent[1]!.toFixed(1)} rules per event), ${(perEvent[0]! / (engine.rules.length - readings) * 100).toFixed(2)}% of event x runnable rule pairs (${engine.rules.length - readings} rules)`);
clearInterval(sampler);
console.log(`bench.hunt.peak_rss ${mb(peakRss)} MB (rules, engine and streaming input, worker threads included; the input file is not held)`);
const zircolite = process.env.DETWIKI_ZIRCOLITE;
if (zircolite) await zircoliteSideBySide(zircolite, summary.byRule, summary.counts.events / cpuS);
else console.log('bench.hunt.zircolite not run (set DETWIKI_ZIRCOLITE to its zircolite.py). Published (not measured here): no events/s figure; its README says it "can parse large datasets in just seconds", and docs/Advanced.md that its memory use is 2 to 3 times the size of the logs.');

// the DuckDB engine (new lines; the lines above stay as they were): the SigmaHQ rules over the regression events
// (JSON lines) and over a Parquet file of >= 1 M events written by DuckDB itself (COPY ... TO), peak memory
if (process.env.DETWIKI_HUNT_DUCKDB !== '0') {
  const { DuckEngine } = await import('../src/hunt/sql/duckdb.ts');
  const duckSampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  // in the order `detwiki hunt --engine duckdb` batches them (by log source)
  const { byLogSource, sqlRuleOf, runInBatches, DUCK_LANES } = await import('../src/hunt/sql/session.ts');
  const toSql = (hr: (typeof engine.rules)[number]) => sqlRuleOf(hr);
  // the rules as written (their other readings, Sigma over Security 4688 and over Elastic's documents, never apply to these
  // events: `detwiki hunt --engine duckdb` batches them apart and reads only the events they apply to)
  const duckRules = byLogSource(engine.rules.filter((hr) => hr.logSources.length > 0 && hr.of === undefined)).map(toSql);
  // the Parquet line's rules as before the batching by log source: the first 50 in rule order
  const firstRules = engine.rules.filter((hr) => hr.logSources.length > 0 && hr.of === undefined).map(toSql);
  // the rules of the largest log source (a batch reads only its rules' log sources: the first 50 rules, of small
  // log sources, leave most events unread)
  const groups = new Map<string, typeof duckRules>();
  for (const r of duckRules) {
    const k = (r.logSources ?? []).join('|');
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(r);
  }
  const largest = [...groups].sort((a, b) => b[1].length - a[1].length)[0]!;
  // the Parquet legs run DETWIKI_HUNT_DUCKDB_PARQUET_RULES rules (default 50: each batch scans the events of its
  // log sources among the million, and the whole set would take tens of minutes here); the regression leg runs all
  const nRules = Number(process.env.DETWIKI_HUNT_DUCKDB_RULES ?? duckRules.length);
  const nParquet = Number(process.env.DETWIKI_HUNT_DUCKDB_PARQUET_RULES ?? 50);
  const small = path.join(os.tmpdir(), `detwiki-hunt-bench-${events.length}.jsonl`);
  if (!existsSync(small)) (await import('node:fs')).writeFileSync(small, events.join('\n') + '\n');
  const runDuck = async (label: string, file: string, count: number, n: number, list = duckRules): Promise<void> => {
    const duck = await DuckEngine.open();
    const w0 = performance.now();
    await duck.load(file);
    const loadS = (performance.now() - w0) / 1000;
    let hitsD = 0;
    const w1 = performance.now();
    // batches of 50, DUCK_LANES at once on connections of their own, as `detwiki hunt --engine duckdb` runs them
    const conns = await duck.connections(DUCK_LANES);
    await runInBatches(
      list.slice(0, n),
      50,
      (batch, lane) => duck.runBatch(batch, {}, conns[lane]),
      (_batch, rows) => {
        for (const row of rows) hitsD += row.hits.filter((h) => h > 0).length;
      },
      (_rule, e) => {
        throw e;
      },
      undefined,
      undefined,
      conns.length,
    );
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
  await runDuck('parquet', parquet, total, nParquet, firstRules);
  await runDuck(`parquet_${largest[0]}`, parquet, total, nParquet, largest[1]);
  clearInterval(duckSampler);
  console.log(`bench.hunt.duckdb.peak_rss ${mb(Math.max(peakRss, process.memoryUsage().rss))} MB (whole bench process, DuckDB memory_limit 1GB, spilling to the temp folder)`);
}

/**
 * Zircolite (a Python tool that loads the events into SQLite and runs each rule of its pre-converted Sigma rule sets
 * as SQL) on the same JSON lines, one process (`-P`), no result files (`-n`), a per-rule summary through its own CSV
 * template. Its CPU time and peak memory are read from `/proc` every 100 ms while it runs (`utime + stime` with its
 * waited-for children, `VmHWM`). DETWIKI_ZIRCOLITE_PYTHON (default python3; the interpreter itself, not a wrapper
 * script, whose figures would be the wrapper's) runs it, in its own folder (it reads
 * `config/` from there); DETWIKI_ZIRCOLITE_RULES lists rule set files (comma-separated, relative to that folder;
 * default: `rules/rules_windows_generic.json` and `rules/rules_windows_sysmon.json`, those present);
 * DETWIKI_ZIRCOLITE_EVENTS runs it on the first N events only (its rate is per event, as this bench's). The rules
 * that fired are compared by Sigma id with the rules that fired here.
 */
async function zircoliteSideBySide(script: string, ours: readonly { rule: { id: string; nativeId?: string }; hits: number }[], oursPerCore: number): Promise<void> {
  const dir = path.dirname(path.resolve(script));
  const asked = (process.env.DETWIKI_ZIRCOLITE_RULES ?? 'rules/rules_windows_generic.json,rules/rules_windows_sysmon.json').split(',').map((r) => r.trim()).filter(Boolean);
  const rulesets = asked.filter((r) => existsSync(path.resolve(dir, r)));
  if (rulesets.length < asked.length) console.log(`bench.hunt.zircolite rule sets not found in ${dir}: ${asked.filter((r) => !rulesets.includes(r)).join(', ')}`);
  if (!rulesets.length) {
    console.log(`bench.hunt.zircolite not run: no rule set found in ${dir} (DETWIKI_ZIRCOLITE_RULES)`);
    return;
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'detwiki-zircolite-'));
  try {
    const cap = Number(process.env.DETWIKI_ZIRCOLITE_EVENTS ?? 0);
    let input = file;
    let n = total;
    if (cap > 0 && cap < total) {
      input = path.join(tmp, 'events.jsonl');
      n = await headLines(file, input, cap);
    }
    const summaryCsv = path.join(tmp, 'summary.csv');
    const args = [path.resolve(script), '-j', '-e', input, '-r', ...rulesets, '-n', '-q', '-P', '--no-auto-mode', '-t', 'templates/exportSummaryCSV.tmpl', '-T', summaryCsv];
    const t0 = performance.now();
    const child = spawn(process.env.DETWIKI_ZIRCOLITE_PYTHON ?? 'python3', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    let cpuTicks = 0;
    let hwmKb = 0;
    const poll = (): void => {
      try {
        // fields after the command name: state is field 3, utime 14, stime 15, cutime 16, cstime 17
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        cpuTicks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
      } catch {
        // gone
      }
    };
    const timer = setInterval(poll, 100);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(timer);
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuTicks / 100; // USER_HZ
    if (code !== 0 || !existsSync(summaryCsv)) {
      console.log(`bench.hunt.zircolite failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
      return;
    }
    const fired = zircoliteSummary(readFileSync(summaryCsv, 'utf8'));
    const matched = fired.reduce((a, r) => a + r.count, 0);
    const rulesCount = rulesets.reduce((a, r) => a + (JSON.parse(readFileSync(path.resolve(dir, r), 'utf8')) as unknown[]).length, 0);
    const perCore = n / cpu;
    console.log(`bench.hunt.zircolite events=${n}${n < total ? ` (the first ${n} of the ${total})` : ''} rules=${rulesCount} (in ${rulesets.join(', ')}) wall=${wall.toFixed(1)} s cpu=${cpu.toFixed(1)} s events_per_s=${Math.round(n / wall)} events_per_s_per_core=${Math.round(perCore)} peak_rss=${mb(hwmKb * 1024)} MB rules_fired=${fired.length} rule_matches=${matched} (one process, -P; CPU and memory read from /proc every 100 ms)`);
    console.log(`bench.hunt.zircolite.ratio detection-wiki end to end ${Math.round(oursPerCore)} events/s/core = ${(oursPerCore / perCore).toFixed(1)}x Zircolite's (different rule sets: the whole SigmaHQ folder here, Zircolite's pre-converted Windows sets there)`);
    const oursFired = new Set(ours.filter((r) => r.hits > 0).map((r) => r.rule.nativeId ?? r.rule.id));
    const both = fired.filter((r) => oursFired.has(r.id));
    const only = fired.filter((r) => !oursFired.has(r.id));
    console.log(`bench.hunt.zircolite.overlap zircolite_fired=${fired.length} also_fired_here=${both.length} not_here=${only.length}${only.length ? ` (${only.slice(0, 8).map((r) => `${r.id} ${JSON.stringify(r.title)}`).join('; ')}${only.length > 8 ? '; …' : ''})` : ''} fired_here=${oursFired.size}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Zircolite's summary CSV (its `exportSummaryCSV` template: JSON-encoded title and id, level, count, description). */
function zircoliteSummary(csv: string): { id: string; title: string; count: number }[] {
  const out: { id: string; title: string; count: number }[] = [];
  for (const line of csv.split('\n')) {
    if (!line.trim() || line.startsWith('rule_title,')) continue;
    // each cell but the count is a JSON string (`tojson`), so the row reads as a JSON array
    try {
      const cells = JSON.parse(`[${line}]`) as [string, string, string, number, string];
      out.push({ title: cells[0], id: cells[1], count: Number(cells[3]) });
    } catch {
      console.log(`bench.hunt.zircolite unreadable summary row: ${line.slice(0, 120)}`);
    }
  }
  return out;
}

/** Copy the first `n` lines of a file; returns how many were copied. */
async function headLines(from: string, to: string, n: number): Promise<number> {
  const out = createWriteStream(to);
  let copied = 0;
  let rest = '';
  for await (const chunk of createReadStream(from, { encoding: 'utf8' })) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const l of lines) {
      if (copied >= n) break;
      if (!out.write(l + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
      copied++;
    }
    if (copied >= n) break;
  }
  await new Promise<void>((r) => out.end(() => r()));
  return copied;
}
