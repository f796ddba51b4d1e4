/**
 * A full garbage collection on demand, for the build's threads. `gc` is not exposed without `--expose-gc`, which is
 * set here at run time the first time it is needed (the flag only makes the function reachable; it changes nothing
 * else of V8's collection).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gcFn: (() => void) | undefined;

/** Collect garbage now (a full, blocking collection) when the heap in use is at least `above` bytes. */
export function fullCollection(above = 0): void {
  if (process.memoryUsage().heapUsed < above) return;
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}
