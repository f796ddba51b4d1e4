/**
 * Rows for one table, inserted several at a time: one statement of `ROWS_PER_INSERT` rows instead of one statement
 * per row. Each statement run costs a call into better-sqlite3 and a step of SQLite's VM besides its row's own work.
 * A build's 134,000 indicator rows and 123,000 canonical ones, written alone, took 1.68–2.02 µs a row one at a time
 * and 1.22–1.49 µs sixteen at a time: 0.71–0.76 of the time (`docs/performance.md`). Rows go in in the order they
 * were added, so each table's rowids are what row-by-row inserts gave; `flush` writes what is left before anything
 * reads the table or the transaction moves on (the writer flushes after each batch of files and before it deletes).
 */
import type Database from 'better-sqlite3';
import type { Cell } from './rows.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Stmt = Database.Statement<any[]>;

/** Rows a multi-row INSERT carries. */
export const ROWS_PER_INSERT = 16;

export class RowBuffer {
  private readonly one: Stmt;
  private readonly many: Stmt;
  private readonly width: number;
  private readonly values: Cell[] = [];

  /**
   * The rows of `table`, each of `columns` in order. The statement of many rows is `INSERT OR FAIL`: a plain INSERT
   * of several rows into a table with NOT NULL columns may have to undo its own first rows, so SQLite opens a
   * statement savepoint for it, and FTS5 writes its pending index out at every savepoint (20,000 such inserts beside
   * an FTS5 table: 231–235 ms against 95 ms row by row). FAIL stops at the faulty row without undoing the others: the
   * error still ends the build's writing, and its transaction is rolled back.
   */
  constructor(db: Database.Database, table: string, columns: readonly string[], private readonly rowsPerInsert = ROWS_PER_INSERT) {
    const tuple = `(${columns.map(() => '?').join(',')})`;
    const into = `INTO ${table} (${columns.join(', ')}) VALUES`;
    this.one = db.prepare(`INSERT ${into} ${tuple}`);
    this.many = db.prepare(`INSERT OR FAIL ${into} ${Array(rowsPerInsert).fill(tuple).join(',')}`);
    this.width = columns.length;
  }

  /** Add a row: `head` (the cells every row of a rule shares: its rowid, its format) then `row`. */
  add(head: readonly Cell[], row: readonly Cell[]): void {
    if (head.length + row.length !== this.width) throw new Error(`a row of ${head.length + row.length} cells for ${this.width} columns`);
    const v = this.values;
    for (const c of head) v.push(c);
    for (const c of row) v.push(c);
    if (v.length === this.width * this.rowsPerInsert) {
      this.many.run(v);
      v.length = 0;
    }
  }

  /** Insert the rows added since the last full statement. */
  flush(): void {
    const v = this.values;
    for (let i = 0; i < v.length; i += this.width) this.one.run(v.slice(i, i + this.width));
    v.length = 0;
  }

  /** Forget the rows not inserted yet (the writing failed and its transaction is rolled back). */
  discard(): void {
    this.values.length = 0;
  }
}
