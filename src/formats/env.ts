/**
 * Node's `process.env` asks the environment on every read, a call into C++ (about 130 ns here, in the main thread
 * and in a worker thread alike). The `yaml` library reads `process.env.LOG_TOKENS` for every token it parses and
 * `LOG_STREAM` for every document: a fifth of the time `parseDocument` takes over Sigma's and Splunk's files.
 *
 * `plainProcessEnv()` puts a plain copy in its place, so those reads are property reads. It is called where the CLI
 * and each scan worker start (`cli/main.ts`, `catalog/scanWorker.ts`). Child processes inherit the copy, as they
 * inherited `process.env`. Worker threads do only when given it (`env: process.env`, as `scanPool.ts` and
 * `hunt/parallel.ts` do): by default they copy the environment of the process as it was. Native code's `getenv` no
 * longer sees a variable set after the call (the one the project sets, `detwiki sync --cache`, is read from
 * JavaScript).
 */
export function plainProcessEnv(): void {
  if (envCopied) return;
  envCopied = true;
  process.env = { ...process.env };
}
let envCopied = false;
