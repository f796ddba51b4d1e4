/**
 * Memory samples of every thread of a build, for docs/performance.md ("Memory of a cold build"). Preloaded into the
 * main thread with `--import` and into each scan worker with DETWIKI_WORKER_IMPORT; every 200 ms (when the thread's
 * event loop gets a turn) it appends one JSON line to `$DETWIKI_MEMTRACE.<threadId>`: epoch ms, RSS of the process,
 * the thread's V8 heap (total, used, per space) and its external memory (ArrayBuffers and WebAssembly memories).
 *
 *   DETWIKI_MEMTRACE=/tmp/mt DETWIKI_WORKER_IMPORT=$PWD/bench/memtrace.mjs \
 *     node --import ./bench/memtrace.mjs bin/detwiki.js build --mirror ../shared/corpora --out /tmp/c
 *
 * A thread busy in a long synchronous step (a source's `prepare`) is not sampled meanwhile; sample
 * /proc/<pid>/smaps_rollup from outside for the whole process.
 */
import { appendFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { threadId } from 'node:worker_threads';

const file = process.env.DETWIKI_MEMTRACE;
if (file) {
  const mb = (n) => Math.round(n / 2 ** 20);
  setInterval(() => {
    const m = process.memoryUsage();
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name.replace(/_space$/, ''), mb(s.space_size)]));
    appendFileSync(`${file}.${threadId}`, `${JSON.stringify({ at: Date.now(), rss: mb(m.rss), heapTotal: mb(m.heapTotal), heapUsed: mb(m.heapUsed), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers), spaces })}\n`);
  }, 200).unref();
}
