/**
 * `RowBuffer` (src/catalog/rowBuffer.ts): rows written several to a statement land as row-by-row inserts would put
 * them, a faulty row still fails the writing, and the statements open no savepoint that makes FTS5 write out its
 * pending index.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { RowBuffer } from '../src/catalog/rowBuffer.ts';

const table = 'CREATE TABLE t (rule INTEGER NOT NULL, format TEXT NOT NULL, v TEXT NOT NULL, n INTEGER)';

describe('RowBuffer', () => {
  it('inserts in the order rows were added, sixteen at a time, the rest at flush', () => {
    const db = new Database(':memory:');
    db.exec(table);
    const b = new RowBuffer(db, 't', ['rule', 'format', 'v', 'n']);
    const count = (): number => (db.prepare('SELECT COUNT(*) n FROM t').get() as { n: number }).n;
    for (let i = 0; i < 37; i++) b.add([i % 5, 'sigma'], [`v${i}`, i % 3 ? i : null]);
    assert.equal(count(), 32, 'two statements of sixteen rows ran; five rows wait');
    b.flush();
    assert.equal(count(), 37);
    const rows = db.prepare('SELECT rowid, rule, format, v, n FROM t ORDER BY rowid').all() as { rowid: number; rule: number; v: string; n: number | null }[];
    assert.deepEqual(rows.map((r) => [r.rowid, r.rule, r.v, r.n]), Array.from({ length: 37 }, (_, i) => [i + 1, i % 5, `v${i}`, i % 3 ? i : null]));
    b.flush();
    assert.equal(count(), 37, 'a second flush inserts nothing');
    assert.throws(() => b.add([1], ['x']), /2 cells for 4 columns/);
  });

  it('a row that breaks a constraint fails the writing; discard forgets what waits', () => {
    const db = new Database(':memory:');
    db.exec(table);
    const b = new RowBuffer(db, 't', ['rule', 'format', 'v', 'n']);
    db.exec('BEGIN');
    assert.throws(() => {
      for (let i = 0; i < 16; i++) b.add([i, 'kusto'], [i === 9 ? null : 'x', 1]);
    }, /NOT NULL/);
    db.exec('ROLLBACK');
    b.discard();
    b.add([1, 'kusto'], ['y', 2]);
    b.flush();
    assert.deepEqual(db.prepare('SELECT rule, v FROM t').all(), [{ rule: 1, v: 'y' }]);
  });

  it('opens no savepoint beside an FTS5 table: its index is written out as often as with row-by-row inserts', () => {
    // a savepoint makes FTS5 write its pending terms out as a new segment: more segments than row by row
    const segments = (multi: boolean): number => {
      const db = new Database(':memory:');
      db.exec(`${table}; CREATE VIRTUAL TABLE f USING fts5(x, content='', contentless_delete=1)`);
      const fts = db.prepare('INSERT INTO f (rowid, x) VALUES (?, ?)');
      const one = db.prepare('INSERT INTO t (rule, format, v, n) VALUES (?,?,?,?)');
      const b = new RowBuffer(db, 't', ['rule', 'format', 'v', 'n'], 4);
      db.exec('BEGIN');
      for (let i = 1; i <= 20_000; i++) {
        fts.run(i, `word${i} common text`);
        for (const v of ['a', 'b', 'c', 'd']) {
          if (multi) b.add([i, 'sigma'], [v, i]);
          else one.run(i, 'sigma', v, i);
        }
      }
      b.flush();
      db.exec('COMMIT');
      return (db.prepare('SELECT COUNT(*) n FROM f_data').get() as { n: number }).n;
    };
    assert.equal(segments(true), segments(false));
  });
});
