/**
 * CPU time of the calling thread, for a build's figures: a build's process runs the building thread, its scan
 * workers, and V8's own helper threads (concurrent marking, parallel scavenging, sweeping, optimizing compilation),
 * whose CPU `process.resourceUsage` counts with the rest. Each thread reads its own time when it ends a job; what is
 * left of the process's time is the helpers' (docs/performance.md, "Where a cold build goes").
 *
 * Linux only (`/proc/thread-self/schedstat`: nanoseconds on a CPU); undefined elsewhere or when unreadable.
 */
import { readFileSync } from 'node:fs';

export function threadCpuSeconds(): number | undefined {
  try {
    const ns = Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ', 1)[0]);
    return Number.isFinite(ns) ? ns / 1e9 : undefined;
  } catch {
    return undefined;
  }
}
