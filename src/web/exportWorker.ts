/**
 * An export worker thread (`export.ts`): opens the catalog itself (read-only), claims chunks of pages from the ledger
 * it shares with the other threads until none is left, renders and writes them (the ledger records each page's
 * size), then answers that it is done, or why it stopped.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Catalog } from '../catalog/query.ts';
import { PageLedger, renderClaimed, SiteWriter, type ExportWorkerData, type ExportWorkerReply } from './export.ts';

const data = workerData as ExportWorkerData;
let reply: ExportWorkerReply;
try {
  // every page is read once: without a memory map (each thread's would hold the whole file in its RSS)
  const cat = new Catalog(data.catalogDir, { mapFile: false });
  try {
    renderClaimed(cat, data.jobs, new PageLedger(data.jobs.length, data.ledger), new SiteWriter(data.dir));
    reply = { ok: true };
  } finally {
    cat.close();
  }
} catch (e) {
  reply = { error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}
parentPort!.postMessage(reply);
