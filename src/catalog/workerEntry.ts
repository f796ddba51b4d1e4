/**
 * Where a worker thread or process starts, beside the module that starts it: run from the TypeScript sources, the
 * `.mjs` entry that loads tsx and then the worker's module; run compiled (`bin/compiled.js`), the worker's compiled
 * module itself, with no loader (a tsx loader costs each thread a hooks thread of its own).
 */
export function workerEntry(moduleUrl: string, name: string): URL {
  return new URL(moduleUrl.endsWith('.ts') ? `./${name}.mjs` : `./${name}.js`, moduleUrl);
}
