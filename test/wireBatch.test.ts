/**
 * A scan worker's batch on the wire (`wireBatch` / `batchFiles` in src/catalog/scanJob.ts): the rules' long texts go
 * as UTF-8 bytes beside the serialized rows, come back in their places, and are written into the catalog as the
 * strings would have been (the same record JSON, as text; the same full-text matches).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseMqlText } from '../src/formats/mql/index.ts';
import { scannedFile, type ScannedFile } from '../src/catalog/rows.ts';
import { batchFiles, wireBatch, type ScanBatch } from '../src/catalog/scanJob.ts';
import { Chunk, Spill } from '../src/catalog/buildScan.ts';
import { openCatalogDb } from '../src/catalog/schema.ts';
import { ruleWriter } from '../src/catalog/store.ts';
import { tempDir } from './helpers/tempDir.ts';

const src = { repository: 'fixtures/mql' };
// characters of one, two, three and four UTF-8 bytes (and a surrogate pair in UTF-16)
const rule = (name: string, description: string, needle: string): string =>
  `name: ${name}\ndescription: ${description}\ntype: rule\nsource: |\n  type.inbound and strings.icontains(subject.subject, "${needle}")\n`;
const files = (): ScannedFile[] => [
  scannedFile(parseMqlText('detection-rules/a.yml', rule('Überweisung angefordert', 'Rechnung — 請求書 😀 fällig', 'zahlung'), src)),
  { path: 'README.md', outcome: 'skipped', reason: 'documentation', rules: [], diagnostics: [] },
  scannedFile(parseMqlText('detection-rules/b.yml', rule('plain ascii', 'nothing special', 'invoice'), src)),
];

/** The batch as the building thread receives it from a worker: cloned, its buffers transferred. */
function received(batch: ScanBatch): ScanBatch {
  const { batch: wire, transfer } = wireBatch(batch);
  const copy = structuredClone(wire, { transfer });
  assert.equal(wire.texts!.bytes.byteLength, 0, 'the texts buffer was moved, not copied');
  return copy;
}

describe('scan batches on the wire', () => {
  it('sends each rule’s record JSON and FTS body as UTF-8 bytes and puts them back in their places', () => {
    const sent = files();
    assert.equal(sent[0]!.rules.length, 1);
    const back = batchFiles(received({ files: sent, hashes: { 'a.yml': 'h' }, done: 3, path: 'detection-rules/b.yml' }));
    assert.equal(back.length, sent.length);
    const text = (t: unknown): string => {
      assert.ok(t instanceof Uint8Array, 'a text arrives as bytes');
      return Buffer.from(t).toString('utf8');
    };
    sent.forEach((f, i) => {
      const b = back[i]!;
      assert.equal(b.rules.length, f.rules.length);
      f.rules.forEach((r, j) => {
        const got = b.rules[j]!;
        assert.equal(text(got.json), r.json);
        assert.equal(text(got.fts.body), r.fts.body);
        // everything else as it was sent
        assert.deepEqual({ ...got, json: r.json, fts: { ...got.fts, body: r.fts.body } }, r);
      });
      assert.deepEqual({ ...b, rules: [] }, { ...f, rules: [] });
    });
    assert.match(String(sent[0]!.rules[0]!.json), /請求書 😀/);
  });

  it('a batch waiting for its source\'s turn goes to the spill file with its texts, and comes back whole', () => {
    const tmp = tempDir('spill-');
    const spill = new Spill(tmp);
    try {
      const chunk = new Chunk(spill);
      const sent = files();
      const waiting = [received({ files: sent, hashes: {}, done: 3, path: 'x' }), received({ files: sent.slice(2), hashes: {}, done: 4, path: 'y' })];
      for (const b of waiting) {
        chunk.batch(b);
        // what the chunk holds in memory is not these buffers: zeroed, the batch still comes back whole
        (b.files as Uint8Array).fill(0);
        b.texts!.bytes.fill(0);
      }
      for (const expected of [sent, sent.slice(2)]) {
        const b = chunk.takeBatch()!;
        const back = batchFiles(b);
        assert.deepEqual(back.map((f) => f.rules.map((r) => [Buffer.from(r.json as Uint8Array).toString(), Buffer.from(r.fts.body as Uint8Array).toString()])), expected.map((f) => f.rules.map((r) => [r.json, r.fts.body])));
      }
      assert.equal(chunk.takeBatch(), undefined);
    } finally {
      spill.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('a batch of rules as bytes writes the same catalog rows as the same rules as strings', () => {
    const tmp = tempDir('wire-');
    try {
      const write = (name: string, batch: readonly ScannedFile[]) => {
        const db = openCatalogDb(path.join(tmp, name));
        const w = ruleWriter(db, undefined);
        db.transaction(() => {
          for (const f of batch) for (const r of f.rules) w.insert(r, 1, 'mql');
          w.flush();
        })();
        return db;
      };
      const strings = write('a.sqlite', files());
      const bytes = write('b.sqlite', batchFiles(received({ files: files(), hashes: {}, done: 3, path: 'x' })));
      const rows = (db: ReturnType<typeof openCatalogDb>) => db.prepare('SELECT r.id, typeof(j.json) t, j.json FROM rules r JOIN rule_json j ON j.rowid = r.rowid ORDER BY r.rowid').all() as { id: string; t: string; json: string }[];
      const a = rows(strings);
      assert.equal(a.length, 2);
      assert.deepEqual(rows(bytes), a);
      assert.ok(a.every((r) => r.t === 'text'));
      assert.equal((JSON.parse(a[0]!.json) as { id: string }).id, a[0]!.id);
      const match = (db: ReturnType<typeof openCatalogDb>, q: string) => (db.prepare('SELECT rowid FROM rules_fts WHERE rules_fts MATCH ? ORDER BY rowid').all(q) as { rowid: number }[]).map((r) => r.rowid);
      // a word of the body only (the rule's source), and words of other columns, some beyond ASCII
      const queries: [string, number][] = [['body:zahlung', 1], ['body:invoice', 1], ['body:icontains', 2], ['請求書', 1], ['überweisung', 1], ['fallig', 1], ['ascii', 1]];
      for (const [q, n] of queries) {
        assert.deepEqual(match(bytes, q), match(strings, q), q);
        assert.equal(match(strings, q).length, n, q);
      }
      strings.close();
      bytes.close();
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
