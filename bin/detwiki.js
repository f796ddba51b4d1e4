#!/usr/bin/env -S node --v8-pool-size=1 --interrupt-budget=270000 --max-inlined-bytecode-size-cumulative=230 --heap-growing-percent=25
// Entry point: runs the TypeScript sources through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
