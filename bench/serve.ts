/**
 * Serving under load: 50 concurrent local clients (keep-alive) over a fixed URL mix for 20 s against `detwiki serve`
 * (a child process on 127.0.0.1, port 0), on the catalog of the full corpora.
 * Usage: node --import tsx bench/serve.ts [corpora dir] [attack bundle]
 * The catalog: `DETWIKI_BENCH_CATALOG=DIR` (already built), else built (incrementally) into
 * `$TMPDIR/detwiki-bench-serve`. `DETWIKI_BENCH_SERVE_SECONDS` (20), `DETWIKI_BENCH_SERVE_CLIENTS` (50),
 * `DETWIKI_BENCH_SERVE_WORKERS` (the server's default) change the run.
 * Lines: `serve.<metric>=<value>`: requests, requests_per_s, p50_ms, p95_ms, p99_ms, max_ms, errors, urls,
 * server_rss_before_mb, server_rss_after_mb (every server process, summed), server_rss_anon_before_mb (with anon_after_mb,
 * file_before_mb, file_after_mb: the anonymous and file-backed parts), workers.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { buildCatalog } from '../src/catalog/build.ts';
import { catalogFile } from '../src/catalog/paths.ts';
import { Catalog } from '../src/catalog/query.ts';

const here = import.meta.dirname;
const root = path.resolve(here, '..');
const corpora = path.resolve(process.argv[2] ?? path.join(root, '..', 'shared', 'corpora'));
const attack = path.resolve(process.argv[3] ?? path.join(root, '..', 'shared', 'attack', 'enterprise-attack-19.1.json'));
const seconds = Number(process.env['DETWIKI_BENCH_SERVE_SECONDS'] ?? 20);
const clients = Number(process.env['DETWIKI_BENCH_SERVE_CLIENTS'] ?? 50);
const workers = process.env['DETWIKI_BENCH_SERVE_WORKERS'];
const out = (line: string) => console.log(`serve.${line}`);

// 1. the catalog
let dir = process.env['DETWIKI_BENCH_CATALOG'];
if (!dir) {
  dir = path.join(os.tmpdir(), 'detwiki-bench-serve');
  const t0 = performance.now();
  const r = await buildCatalog({ outDir: dir, mirror: corpora, ...(existsSync(attack) ? { attack } : {}), progress: { start() {}, tick() {}, end() {} } });
  out(`catalog_build_s=${((performance.now() - t0) / 1000).toFixed(1)} rules=${r.totals.rules} up_to_date=${r.upToDate}`);
}
if (!existsSync(catalogFile(dir))) {
  console.error(`bench serve: no catalog in ${dir}`);
  process.exit(1);
}

// 2. a fixed URL mix, the same on every run of the same catalog: pages and API answers of every family
function urlMix(cat: Catalog): string[] {
  const all = <T>(sql: string) => cat.db.prepare(sql).all() as T[];
  const every = <T>(xs: T[], n: number) => xs.filter((_, i) => i % Math.max(1, Math.floor(xs.length / n)) === 0).slice(0, n);
  const rules = every(all<{ id: string }>('SELECT id FROM rules ORDER BY id'), 60).map((r) => `/rule/${r.id}`);
  const techniques = every(all<{ technique: string }>('SELECT DISTINCT technique FROM rule_attack WHERE technique IS NOT NULL ORDER BY technique'), 15).map((t) => `/technique/${t.technique}`);
  const indicators = every(all<{ key: string }>('SELECT key FROM indicator_keys ORDER BY total DESC, key LIMIT 200'), 10).map((k) => `/indicator/${encodeURIComponent(k.key)}`);
  const logsources = every(all<{ key: string }>('SELECT DISTINCT key FROM logsources ORDER BY key'), 5).map((k) => `/logsource/${encodeURIComponent(k.key)}`);
  const searches = ['powershell', 'UpdateAssumeRolePolicy', 'value:"\\reg.exe"', 'field:CommandLine', 'mimikatz', 'reg*', 'format:kusto lsass', 'aws iam'].map((q) => `/search?q=${encodeURIComponent(q)}`);
  const api = ['/api/search?q=powershell', '/api/home', `/api${rules[0] ?? '/rule/x/y'}`, '/api/matrix', '/facets'];
  return ['/', '/browse', '/browse?format=sigma&page=2', '/browse?sort=severity&dir=desc', '/matrix', '/matrix?format=kusto', '/logsources', ...rules, ...techniques, ...indicators, ...logsources, ...searches, ...api];
}
const cat = new Catalog(dir);
const urls = urlMix(cat);
cat.close();

// 3. the server, as a user starts it
const args = [path.join(root, 'bin', 'detwiki.js'), 'serve', '--out', dir, '--port', '0', ...(workers ? ['--workers', workers] : [])];
const server = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
let banner = '';
const base = await new Promise<string>((resolve, reject) => {
  let buf = '';
  server.stdout.on('data', (c: Buffer) => {
    banner = buf + c.toString();
    buf += c.toString();
    const m = /detection-wiki at (http:\/\/\S+\/)/.exec(buf);
    if (m) resolve(m[1]!);
  });
  server.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${buf}`)));
});
const nWorkers = /(\d+) server processes/.exec(banner)?.[1] ?? '1';

/**
 * RSS (MB) of the server process and its children (cluster workers): all of it, and its anonymous and file-backed
 * parts (the catalog file is read through a memory map: its pages a request touched count as file-backed RSS,
 * bounded by the file's size, shared with the OS's cache of the file; a leak shows as anonymous memory).
 */
function serverRss(): { all: number; anon: number; file: number } {
  const pids = new Set<number>([server.pid!]);
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (pids.has(ppid)) pids.add(Number(d));
    } catch {
      // gone
    }
  }
  const kb = { all: 0, anon: 0, file: 0 };
  const field = (status: string, name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  for (const p of pids) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      kb.all += field(status, 'VmRSS');
      kb.anon += field(status, 'RssAnon');
      kb.file += field(status, 'RssFile');
    } catch {
      // gone
    }
  }
  return { all: kb.all / 1024, anon: kb.anon / 1024, file: kb.file / 1024 };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const u = new URL(base);
function get(p: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: u.hostname, port: u.port, path: p, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
  });
}

const rssBefore = serverRss();
const latencies: number[] = [];
let errors = 0;
const statusCounts: Record<string, number> = {};
const tEnd = performance.now() + seconds * 1000;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: clients }, async (_, c) => {
    // each client walks the mix from its own offset: every URL asked for by many clients at once
    for (let i = c * 7; performance.now() < tEnd; i++) {
      const p = urls[i % urls.length]!;
      const ts = performance.now();
      const status = await get(p);
      latencies.push(performance.now() - ts);
      statusCounts[status] = (statusCounts[status] ?? 0) + 1;
      if (status !== 200 && status !== 404) errors++;
    }
  }),
);
const elapsed = (performance.now() - t0) / 1000;
const rssAfter = serverRss();
agent.destroy();
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));

const sorted = latencies.sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
out(`urls=${urls.length} clients=${clients} seconds=${elapsed.toFixed(1)} workers=${nWorkers}`);
out(`requests=${sorted.length}`);
out(`requests_per_s=${(sorted.length / elapsed).toFixed(0)}`);
out(`p50_ms=${pct(50).toFixed(1)}`);
out(`p95_ms=${pct(95).toFixed(1)}`);
out(`p99_ms=${pct(99).toFixed(1)}`);
out(`max_ms=${sorted[sorted.length - 1]!.toFixed(1)}`);
out(`errors=${errors} statuses=${JSON.stringify(statusCounts)}`);
out(`server_rss_before_mb=${rssBefore.all.toFixed(0)}`);
out(`server_rss_after_mb=${rssAfter.all.toFixed(0)}`);
out(`server_rss_anon_before_mb=${rssBefore.anon.toFixed(0)} anon_after_mb=${rssAfter.anon.toFixed(0)} file_before_mb=${rssBefore.file.toFixed(0)} file_after_mb=${rssAfter.file.toFixed(0)}`);
