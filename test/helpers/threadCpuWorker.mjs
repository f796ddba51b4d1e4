// A worker thread for test/threadCpu.test.ts: it loads TypeScript as the scan workers do (src/catalog/scanWorker.mjs),
// spins for 0.3 s of its own CPU as `threadCpuSeconds` reads it, and posts what that reading grew by.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { threadCpuSeconds } = await import('../../src/catalog/threadCpu.ts');
const c0 = threadCpuSeconds();
while (threadCpuSeconds() - c0 < 0.3);
parentPort.postMessage(threadCpuSeconds() - c0);
