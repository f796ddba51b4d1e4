/**
 * Writing rule records and what derives from them into the catalog, and removing them again (incremental builds).
 */
import type Database from 'better-sqlite3';
import type { AttackIndex } from '../attack/index.ts';
import { fieldsOf, leaves, type Expr, type Predicate, type Value } from '../model/expr.ts';
import { countsForCoverage, SEVERITIES } from '../model/facts.ts';
import { renderExpr } from '../model/render.ts';
import type { RuleRecord } from '../model/rule.ts';
import type { DB } from './schema.ts';
import { crossVendorWriter } from './crossvendor.ts';
import { indicatorKey, logSourceKey, valueKey, valueText } from './keys.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Stmt = Database.Statement<any[]>;

export interface RuleWriter {
  insert(rule: RuleRecord, fileId: number, source: string): number;
  deleteFile(fileId: number): void;
}

export function ruleWriter(db: DB, attack: AttackIndex | undefined): RuleWriter {
  const s = (sql: string): Stmt => db.prepare(sql);
  const insRule = s('INSERT INTO rules (id, file_id, source, format, title, kind, counts, severity, severity_rank, status, completeness, path, modified) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)');
  const insJson = s('INSERT INTO rule_json (rowid, json) VALUES (?,?)');
  const insStage = s('INSERT INTO stages (rule, ord, kind, label, text) VALUES (?,?,?,?,?)');
  const insInd = s('INSERT INTO indicators (rule, format, field, field_lc, op, value_key, value_json, key) VALUES (?,?,?,?,?,?,?,?)');
  const insExc = s('INSERT INTO exclusions (rule, format, field, op, value_key, value_json, stage, text, key) VALUES (?,?,?,?,?,?,?,?,?)');
  const insField = s('INSERT INTO rule_fields (rule, field, field_lc, role) VALUES (?,?,?,?)');
  const insOut = s('INSERT INTO output_fields (rule, name, source) VALUES (?,?,?)');
  const insEk = s('INSERT INTO event_keys (rule, format, field, value) VALUES (?,?,?,?)');
  const insAtt = s('INSERT INTO rule_attack (rule, format, counts, technique, parent, tactic, status, declared) VALUES (?,?,?,?,?,?,?,?)');
  const insLs = s('INSERT INTO logsources (rule, key, kind, name) VALUES (?,?,?,?)');
  const insFts = s('INSERT INTO rules_fts (rowid, title, description, fields, vals, meta, body) VALUES (?,?,?,?,?,?,?)');
  const idTaken = s('SELECT 1 FROM rules WHERE id = ?');
  const rowsOfFile = s('SELECT rowid FROM rules WHERE file_id = ?');
  const dels = ['stages', 'indicators', 'exclusions', 'rule_fields', 'output_fields', 'event_keys', 'rule_attack', 'logsources'].map((t) => s(`DELETE FROM ${t} WHERE rule = ?`));
  const delFts = s('DELETE FROM rules_fts WHERE rowid = ?');
  const delRule = s('DELETE FROM rules WHERE rowid = ?');
  const delJson = s('DELETE FROM rule_json WHERE rowid = ?');

  const xv = crossVendorWriter(db);
  const uniqueId = (id: string): string => {
    if (!idTaken.get(id)) return id;
    for (let n = 2; ; n++) if (!idTaken.get(`${id}-${n}`)) return `${id}-${n}`;
  };

  return {
    insert(rule0, fileId, source) {
      const id = uniqueId(rule0.id);
      const rule = id === rule0.id ? rule0 : { ...rule0, id };
      const counts = countsForCoverage(rule.kind) ? 1 : 0;
      const sevRank = rule.severity ? SEVERITIES.indexOf(rule.severity) + 1 : 0;
      const { lastInsertRowid } = insRule.run(id, fileId, source, rule.format, rule.title, rule.kind, counts, rule.severity ?? null, sevRank, rule.status, rule.logic.completeness, rule.source.path, rule.modified ?? rule.created ?? null);
      const rid = Number(lastInsertRowid);
      insJson.run(rid, JSON.stringify(rule));
      rule.logic.stages.forEach((st, i) => insStage.run(rid, i, st.kind, st.label, st.text));
      const values: string[] = [];
      const seenInd = new Set<string>();
      for (const ind of rule.logic.indicators) {
        const vals: readonly Value[] = ind.values.length ? ind.values : [null];
        for (const v of vals) {
          const vk = ind.values.length ? valueKey(v) : '-';
          const key = indicatorKey(ind.field, ind.op, vk);
          if (seenInd.has(key)) continue;
          seenInd.add(key);
          insInd.run(rid, rule.format, ind.field, ind.field.toLowerCase(), ind.op, vk, ind.values.length ? JSON.stringify(v) : 'null', key);
          if (ind.values.length) values.push(valueText(v));
        }
      }
      for (const ex of rule.logic.exclusions) {
        for (const p of predicatesOf(ex.expr)) {
          const vals: readonly Value[] = p.values.length ? p.values : [null];
          for (const v of vals) {
            const vk = p.values.length ? valueKey(v) : '-';
            insExc.run(rid, rule.format, p.field, p.op, vk, p.values.length ? JSON.stringify(v) : 'null', ex.stage ?? null, renderExpr(ex.expr), indicatorKey(p.field, p.op, vk));
            if (p.values.length) values.push(valueText(v));
          }
        }
      }
      const fields = new Set<string>();
      if (rule.logic.condition) for (const f of fieldsOf(rule.logic.condition)) fields.add(f);
      for (const st of rule.logic.stages) if (st.expr) for (const f of fieldsOf(st.expr)) fields.add(f);
      for (const f of fields) insField.run(rid, f, f.toLowerCase(), 'condition');
      for (const o of rule.logic.outputFields) {
        insOut.run(rid, o.name, o.source);
        if (!fields.has(o.name)) insField.run(rid, o.name, o.name.toLowerCase(), 'output');
      }
      for (const g of rule.logic.aggregation?.groupBy ?? []) if (!fields.has(g)) insField.run(rid, g, g.toLowerCase(), 'group_by');
      for (const ek of rule.logic.eventKeys) insEk.run(rid, rule.format, ek.field, String(ek.value));
      const attackText: string[] = [];
      for (const m of rule.attack) {
        attackText.push(m.declared.text, m.techniqueId ?? '', m.techniqueName ?? '', m.replacement?.id ?? '', m.declaredTactic?.name ?? '');
        for (const cell of attackCells(m, attack)) insAtt.run(rid, rule.format, counts, cell.technique ?? null, cell.parent ?? null, cell.tactic ?? null, m.status, m.declared.text);
      }
      if (!rule.attack.length) for (const d of rule.attackDeclared) attackText.push(d.text);
      const lsText: string[] = [];
      for (const ls of rule.logSources) {
        insLs.run(rid, logSourceKey(ls.kind, ls.name), ls.kind, ls.name);
        lsText.push(ls.name);
      }
      const meta = [rule.id, rule.nativeId ?? '', rule.format, rule.kind, rule.author ?? '', ...rule.tags, ...lsText, ...attackText, ...rule.references].join(' \n ');
      const description = [rule.description ?? '', rule.runbook ?? '', ...rule.falsePositives].join(' \n ');
      xv.insert(rid, rule);
      insFts.run(rid, rule.title, description, [...fields, ...rule.logic.outputFields.map((o) => o.name)].join(' '), values.join(' \n '), meta, rule.body.map((b) => b.text).join('\n'));
      return rid;
    },
    deleteFile(fileId) {
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

function predicatesOf(e: Expr): Predicate[] {
  return [...leaves(e)].filter((l): l is Predicate => l.kind === 'pred');
}
