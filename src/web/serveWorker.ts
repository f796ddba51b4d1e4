/**
 * One worker process of a clustered wiki server (`cluster.ts`): it opens the catalog itself (its own read-only
 * connection, its own response cache) and listens on the address the primary shares with every worker.
 */
import { serveCatalog } from './server.ts';

const dir = process.env['DETWIKI_SERVE_DIR'];
if (!dir) throw new Error('serveWorker: DETWIKI_SERVE_DIR is not set');
const s = await serveCatalog({ dir, host: process.env['DETWIKI_SERVE_HOST'] ?? '127.0.0.1', port: Number(process.env['DETWIKI_SERVE_PORT'] ?? '8080') });
process.on('disconnect', () => void s.close().then(() => process.exit(0)));
