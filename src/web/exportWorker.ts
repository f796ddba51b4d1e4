/**
 * An export worker thread (`export.ts`): opens the catalog itself (read-only), claims pages from the counter it
 * shares with the other threads until none is left, renders and writes them, then answers with its counts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Catalog } from '../catalog/query.ts';
import { renderClaimed, SiteWriter, type ExportWorkerData, type ExportWorkerReply } from './export.ts';

const data = workerData as ExportWorkerData;
let reply: ExportWorkerReply;
try {
  const cat = new Catalog(data.catalogDir);
  try {
    const w = new SiteWriter(data.dir);
    renderClaimed(cat, data.jobs, new Int32Array(data.next), w);
    reply = { files: w.files, bytes: w.bytes, pages: w.pages };
  } finally {
    cat.close();
  }
} catch (e) {
  reply = { error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}
parentPort!.postMessage(reply);
