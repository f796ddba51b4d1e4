/**
 * The V8 heap setting of a hunt. The `detwiki` command starts with `--heap-growing-percent=60` (its shebang, for a
 * build's peak memory; 25 until issue 17's thirty-ninth round): after each full collection, the old generation may
 * grow by that share of what survived before the next one starts. A hunt's live heap is its rules and engine (about
 * 150 MB for the SigmaHQ set), and every event promotes a little garbage, so at 25 % a full collection marked those
 * 150 MB again for about every 40 MB promoted: in alternating runs over 200,158 events that marking took 2.6–6.7 s
 * of V8's platform thread against 2.0 s, and in two of six runs of the hunt bench 13–15 s of CPU beyond the run's
 * wall time (see docs/hunt.md). A hunt therefore sets V8's own growing back (`0`: the factor V8 derives from its
 * collection and allocation speeds, up to 4×) once its rules are loaded. The flag is read by V8 whenever it sets the
 * next limit, so it applies from the next full collection on, to every thread of the process.
 *
 * A hunt over the catalog sets it before reading the records: every record parsed stays (the rules), so a full
 * collection during the load finds little garbage. The one-event hunt with every rule of all corpora, `farm-bench`,
 * alternating, 2026-12-06: 0.948 and 0.952 of the wall time by the median pair (8 and 10 pairs), CPU 0.923 and 0.925,
 * peak 374 and 376 MiB against 394 and 395. A hunt of rule files (`--rules`) parses them as a build does and sets it
 * after (over SigmaHQ's folder the early setting cost 30 MiB more for a gain the noise hides: 1.131 and 0.871 by the
 * median pair).
 */
import { setFlagsFromString } from 'node:v8';

/** Let V8 size the old generation by its own heuristics for the rest of the process (a hunt's streaming phase). */
export function heapForHunting(): void {
  setFlagsFromString('--heap-growing-percent=0');
}
