/**
 * Writing rule records and what derives from them into the catalog, and removing them again (incremental builds).
 */
import type Database from 'better-sqlite3';
import type { AttackIndex } from '../attack/index.ts';
import type { RuleRecord } from '../model/rule.ts';
import type { DB } from './schema.ts';
import { crossVendorWriter } from './crossvendor.ts';
import { recordJsonParts, type RuleRows } from './rows.ts';
import { RowBuffer } from './rowBuffer.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Stmt = Database.Statement<any[]>;

export interface RuleWriter {
  /** Write a rule's rows (`ruleRows`, made where it was parsed, with its ATT&CK mappings resolved); returns its rowid. */
  insert(rows: RuleRows, fileId: number, source: string): number;
  deleteFile(fileId: number): void;
  /** Insert the rows `insert` buffered (`RowBuffer`): before anything reads the derived tables. */
  flush(): void;
  /** Forget the buffered rows (their writing failed: the transaction is rolled back). */
  discard(): void;
}

export function ruleWriter(db: DB, index: AttackIndex | undefined): RuleWriter {
  const s = (sql: string): Stmt => db.prepare(sql);
  const insRule = s('INSERT INTO rules (id, file_id, source, format, title, kind, counts, severity, severity_rank, status, completeness, path, modified, tests, native_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)');
  // long texts may come as UTF-8 bytes (`RowText`): CAST reads them as text, and leaves a string as it is
  const insJson = s('INSERT INTO rule_json (rowid, json) VALUES (?, ? || CAST(? AS TEXT))');
  // the derived tables' rows, several to a statement (flushed by `flush`, and before any delete)
  const buf = (table: string, columns: readonly string[]) => new RowBuffer(db, table, columns);
  const insInd = buf('indicators', ['rule', 'format', 'field', 'field_lc', 'op', 'value_key', 'value_json', 'key']);
  const insExc = buf('exclusions', ['rule', 'format', 'field', 'op', 'value_key', 'value_json', 'stage', 'key']);
  const insField = buf('rule_fields', ['rule', 'field', 'field_lc', 'role']);
  const insAtt = buf('rule_attack', ['rule', 'format', 'counts', 'technique', 'parent', 'tactic', 'status', 'declared']);
  const insLs = buf('logsources', ['rule', 'key', 'kind', 'name']);
  const buffers = [insInd, insExc, insField, insAtt, insLs];
  const insFts = s('INSERT INTO rules_fts (rowid, title, description, fields, vals, meta, body) VALUES (?,?,?,?,?,?,CAST(? AS TEXT))');
  const idTaken = s('SELECT 1 FROM rules WHERE id = ?');
  const rowsOfFile = s('SELECT rowid FROM rules WHERE file_id = ?');
  const dels = ['indicators', 'exclusions', 'rule_fields', 'rule_attack', 'logsources'].map((t) => s(`DELETE FROM ${t} WHERE rule = ?`));
  const delFts = s('DELETE FROM rules_fts WHERE rowid = ?');
  const delRule = s('DELETE FROM rules WHERE rowid = ?');
  const delJson = s('DELETE FROM rule_json WHERE rowid = ?');

  const xv = crossVendorWriter(db);
  const flush = (): void => {
    for (const b of buffers) b.flush();
    xv.flush();
  };
  const uniqueId = (id: string): string => {
    if (!idTaken.get(id)) return id;
    for (let n = 2; ; n++) if (!idTaken.get(`${id}-${n}`)) return `${id}-${n}`;
  };

  return {
    insert(rows, fileId, source) {
      const id = uniqueId(rows.id);
      const format = rows.format;
      const rid = Number(insRule.run(id, fileId, source, format, ...rows.rule).lastInsertRowid);
      insJson.run(rid, ...recordJsonParts(rows, id));
      const attack = rows.attack;
      const byRule = [rid];
      const byRuleFormat = [rid, format];
      for (const r of rows.indicators) insInd.add(byRuleFormat, r);
      for (const r of rows.exclusions) insExc.add(byRuleFormat, r);
      for (const r of rows.fields) insField.add(byRule, r);
      const attackText: string[] = [];
      for (const m of attack) {
        attackText.push(m.declared.text, m.techniqueId ?? '', m.techniqueName ?? '', m.replacement?.id ?? '', m.declaredTactic?.name ?? '');
        for (const cell of attackCells(m, index)) insAtt.add(byRuleFormat, [rows.counts, cell.technique ?? null, cell.parent ?? null, cell.tactic ?? null, m.status, m.declared.text]);
      }
      if (!attack.length) for (const d of rows.attackDeclared) attackText.push(d.text);
      for (const r of rows.logSources) insLs.add(byRule, r);
      if (rows.crossVendor) xv.insert(rid, format, rows.crossVendor);
      const f = rows.fts;
      const meta = [id, f.metaBefore, ...attackText, f.metaAfter].join(' \n ');
      insFts.run(rid, f.title, f.description, f.fields, f.vals, meta, f.body);
      return rid;
    },
    flush,
    discard() {
      for (const b of buffers) b.discard();
      xv.discard();
    },
    deleteFile(fileId) {
      flush();
      for (const r of rowsOfFile.all(fileId) as { rowid: number }[]) {
        for (const d of dels) d.run(r.rowid);
        xv.remove(r.rowid);
        delFts.run(r.rowid);
        delJson.run(r.rowid);
        delRule.run(r.rowid);
      }
    },
  };
}

interface Cell {
  technique?: string;
  parent?: string;
  tactic?: string;
}

/**
 * Where a mapping counts in the matrix: a revoked technique counts for its replacement; the declared tactic when it
 * is one of the technique's tactics, else every tactic of the technique (the page shows the mismatch).
 */
export function attackCells(m: RuleRecord['attack'][number], index: AttackIndex | undefined): Cell[] {
  let technique = m.techniqueId;
  let tactics = m.tactics;
  let parent = m.parentId;
  if (m.status === 'revoked' && m.replacement && index) {
    const t = index.technique(m.replacement.id);
    if (t) {
      technique = t.id;
      tactics = t.tactics;
      parent = t.parentId;
    }
  }
  if (technique && !parent && index) parent = index.technique(technique)?.parentId;
  if (!technique) return m.declaredTactic ? [{ tactic: m.declaredTactic.id }] : [];
  const declared = m.declaredTactic && tactics.some((t) => t.id === m.declaredTactic!.id) ? [m.declaredTactic] : tactics;
  if (!declared.length) return [{ technique, ...(parent ? { parent } : {}) }];
  return declared.map((t) => ({ technique, ...(parent ? { parent } : {}), tactic: t.id }));
}
