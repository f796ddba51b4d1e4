/** The ATT&CK tables of the catalog (tactics in matrix order, techniques), so pages never read the bundle. */
import type { AttackIndex } from '../attack/index.ts';
import type { DB } from './schema.ts';

export function writeAttackTables(db: DB, index: AttackIndex | undefined): void {
  db.exec('DELETE FROM attack_tactics; DELETE FROM attack_techniques;');
  if (!index) return;
  const insT = db.prepare('INSERT INTO attack_tactics (id, name, shortname, ord, url, description) VALUES (?,?,?,?,?,?)');
  index.data.tactics.forEach((t, i) => insT.run(t.id, t.name, t.shortname, i, t.url ?? null, t.description ?? null));
  const byShort = new Map(index.data.tactics.map((t) => [t.shortname, t.id]));
  const insQ = db.prepare('INSERT INTO attack_techniques (id, name, parent, is_sub, revoked, deprecated, replaced_by, tactics, platforms, url, description) VALUES (?,?,?,?,?,?,?,?,?,?,?)');
  for (const t of index.data.techniques) {
    insQ.run(t.id, t.name, t.parentId ?? null, t.isSubtechnique ? 1 : 0, t.revoked ? 1 : 0, t.deprecated ? 1 : 0, t.replacedBy ?? null, JSON.stringify(t.tactics.map((s) => byShort.get(s) ?? s)), JSON.stringify(t.platforms), t.url ?? null, t.description ?? null);
  }
}
