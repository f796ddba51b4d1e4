/**
 * `plainProcessEnv()` (src/formats/env.ts): process.env becomes a plain copy (the `yaml` library reads it for every
 * token), with the same variables, still inherited by child processes and by the worker threads given it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { parseDocument } from 'yaml';
import { plainProcessEnv } from '../src/formats/env.ts';

test('process.env becomes a plain object with the same variables, inherited by children and by workers given it', async () => {
  process.env['DETWIKI_ENV_TEST_BEFORE'] = 'before';
  const before = { ...process.env };
  assert.notEqual(Object.getPrototypeOf(process.env), Object.prototype, 'Node’s own process.env is not a plain object');
  plainProcessEnv();
  assert.equal(Object.getPrototypeOf(process.env), Object.prototype);
  assert.deepEqual({ ...process.env }, before);
  const first = process.env;
  plainProcessEnv();
  assert.equal(process.env, first, 'a second call keeps the copy');

  process.env['DETWIKI_ENV_TEST_AFTER'] = 'after';
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(`${process.env.DETWIKI_ENV_TEST_BEFORE} ${process.env.DETWIKI_ENV_TEST_AFTER}`)'], { encoding: 'utf8' });
  assert.equal(child.stdout, 'before after');

  // a worker thread given the copy, as the project's are (by default a worker copies the process's environment)
  const worker = new Worker('require("node:worker_threads").parentPort.postMessage(`${process.env.DETWIKI_ENV_TEST_BEFORE} ${process.env.DETWIKI_ENV_TEST_AFTER}`)', { eval: true, env: process.env });
  const seen = await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
  assert.equal(seen, 'before after');
  await worker.terminate();
});

test('YAML parses the same with the plain copy', () => {
  plainProcessEnv();
  const doc = parseDocument('a: 1\nb: [x, "y", 2.5]\nc: |\n  text\n', { prettyErrors: false });
  assert.deepEqual(doc.toJS(), { a: 1, b: ['x', 'y', 2.5], c: 'text\n' });
  assert.equal(doc.errors.length, 0);
});
