/**
 * The catalog-reading thread of `rulesFromCatalog` (`load.ts`): runs the query it is given in a read transaction of
 * its own connection and sends back the build it read and the rows' JSON text, which the calling thread parses. It
 * imports nothing of the project but types, so that it starts in a few tens of milliseconds.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/** What the calling thread sends: the catalog file, the query of the build's id, and a query whose rows are one text column. */
export interface ReadJob {
  readonly file: string;
  readonly buildSql: string;
  readonly sql: string;
  readonly params: readonly string[];
}

/** The build id the rows were read from (`meta.build_id`), and the rows. */
export interface ReadReply {
  readonly build: string | undefined;
  readonly rows: string[];
}

const job = workerData as ReadJob;
const db = new Database(job.file, { readonly: true, fileMustExist: true });
try {
  db.exec('BEGIN');
  const build = db.prepare(job.buildSql).pluck().get() as string | undefined;
  const reply: ReadReply = { build, rows: db.prepare(job.sql).pluck().all(...job.params) as string[] };
  db.exec('COMMIT');
  parentPort!.postMessage(reply);
} finally {
  db.close();
}
