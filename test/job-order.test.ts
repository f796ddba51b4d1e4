import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JobOrder } from '../src/catalog/buildScan.ts';
import type { PendingJob } from '../src/catalog/scanPool.ts';
import type { Format } from '../src/model/facts.ts';

let nextId = 1;
const job = (format: Format): PendingJob => ({
  job: { id: nextId++, format, root: '/nowhere', info: { repository: 'x' }, all: [], only: [], hash: [] } as unknown as PendingJob['job'],
  onBatch: () => {},
  resolve: () => {},
  reject: () => {},
});
const fmt = (p: PendingJob | undefined) => p?.job.format;

describe('JobOrder: which thread parses which scan job', () => {
  it('workers take their own formats first, and nothing else while sources are still being planned', () => {
    const o = new JobOrder((f) => f === 'kusto');
    o.push(job('sigma'));
    o.push(job('kusto'));
    assert.equal(fmt(o.takeForWorker()), 'kusto');
    assert.equal(o.takeForWorker(), undefined);
    o.planned();
    assert.equal(fmt(o.takeForWorker()), 'sigma');
    assert.equal(o.drained(), true);
  });

  it('a thread keeps to a format it parses, else takes one the other thread has not started', () => {
    const o = new JobOrder(() => false);
    for (const f of ['elastic', 'splunk', 'sublime', 'splunk'] as Format[]) o.push(job(f));
    o.planned();
    assert.equal(fmt(o.takeForLocal(false)), 'elastic');
    assert.equal(fmt(o.takeForWorker()), 'splunk');
    // the building thread passes over splunk, which a worker parses
    assert.equal(fmt(o.takeForLocal(false)), 'sublime');
    assert.equal(fmt(o.takeForWorker()), 'splunk');
  });

  it('a job a retiring worker put back does not make its format the workers’', () => {
    const o = new JobOrder((f) => f === 'kusto');
    for (const f of ['kusto', 'splunk', 'chronicle'] as Format[]) o.push(job(f));
    o.planned();
    assert.equal(fmt(o.takeForWorker()), 'kusto');
    const splunk = o.takeForWorker();
    assert.equal(fmt(splunk), 'splunk');
    o.putBack(splunk!);
    // nobody parsed splunk: the building thread takes it, first in line, rather than skipping to chronicle
    assert.equal(fmt(o.takeForLocal(false)), 'splunk');
    assert.equal(fmt(o.takeForWorker()), 'chronicle');
  });

  it('a format a worker did parse stays the workers’ when another of its jobs is put back', () => {
    const o = new JobOrder(() => false);
    for (const f of ['splunk', 'splunk', 'chronicle'] as Format[]) o.push(job(f));
    o.planned();
    o.takeForWorker();
    const second = o.takeForWorker()!;
    o.putBack(second);
    assert.equal(fmt(o.takeForLocal(false)), 'chronicle');
  });

  it('with no worker left the building thread takes every job in order', () => {
    const o = new JobOrder((f) => f === 'kusto');
    for (const f of ['kusto', 'sigma'] as Format[]) o.push(job(f));
    o.planned();
    assert.equal(fmt(o.takeForLocal(true)), 'kusto');
    assert.equal(fmt(o.takeForLocal(true)), 'sigma');
    assert.equal(o.takeForLocal(true), undefined);
  });
});
