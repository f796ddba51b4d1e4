#!/usr/bin/env -S node --v8-pool-size=1 --interrupt-budget=540000 --max-inlined-bytecode-size-cumulative=230 --heap-growing-percent=60
// Entry point: runs `src/` compiled to JavaScript once (bin/compiled.js), or through tsx (DETWIKI_TSX=1, or when the
// compiled CLI cannot be compiled or loaded: a damaged cache folder).
import { compiledModule } from './compiled.js';

const compiled = await compiledModule('cli/main.ts');
let cli;
if (compiled) {
  try {
    cli = await import(compiled);
  } catch (e) {
    if (process.env.DETWIKI_DEBUG) process.stderr.write(`detwiki: the compiled CLI did not load (${e instanceof Error ? e.message : String(e)}); running the sources through tsx\n`);
  }
}
if (!cli) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli/main.ts');
}
process.exitCode = await cli.main(process.argv.slice(2));
