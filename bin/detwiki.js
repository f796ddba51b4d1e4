#!/usr/bin/env -S node --v8-pool-size=1 --interrupt-budget=270000 --max-inlined-bytecode-size-cumulative=230 --heap-growing-percent=25
// Entry point: runs `src/` compiled to JavaScript once (bin/compiled.js), or through tsx (DETWIKI_TSX=1).
import { compiledModule } from './compiled.js';

const compiled = await compiledModule('cli/main.ts');
if (!compiled) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { main } = await import(compiled ?? '../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
