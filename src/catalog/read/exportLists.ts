/** What the static export enumerates: every rule, technique and indicator page, and the client-side search index. */
import type { CatalogCore } from './core.ts';
import { INDICATOR_PAGE_MIN_RULES } from './types.ts';

export function allRuleIds(cat: CatalogCore): string[] {
  return (cat.st('SELECT id FROM rules ORDER BY id').all() as { id: string }[]).map((r) => r.id);
}

export function allTechniqueIds(cat: CatalogCore): string[] {
  return (cat.st('SELECT id FROM attack_techniques WHERE revoked = 0 AND deprecated = 0 ORDER BY id').all() as { id: string }[]).map((r) => r.id);
}

/** The indicator keys that have their own page (see indicatorHasPage). */
export function indicatorPageKeys(cat: CatalogCore): string[] {
  return (
    cat.st('SELECT key FROM (SELECT key, rule FROM indicators UNION SELECT key, rule FROM exclusions) GROUP BY key HAVING COUNT(*) >= ? UNION SELECT key FROM indicator_canon ORDER BY key').all(INDICATOR_PAGE_MIN_RULES) as { key: string }[]
  ).map((r) => r.key);
}

/** Compact index for client-side search in the static export. */
export function searchIndex(cat: CatalogCore) {
  const rows = cat.st(
    `SELECT r.id, r.title, r.format, r.kind, r.counts, r.severity, r.status,
      (SELECT GROUP_CONCAT(DISTINCT technique) FROM rule_attack a WHERE a.rule = r.rowid) techniques,
      (SELECT GROUP_CONCAT(DISTINCT tactic) FROM rule_attack a WHERE a.rule = r.rowid) tactics,
      (SELECT GROUP_CONCAT(DISTINCT field) FROM rule_fields f WHERE f.rule = r.rowid) fields,
      (SELECT GROUP_CONCAT(DISTINCT name) FROM logsources l WHERE l.rule = r.rowid) logsources,
      (SELECT GROUP_CONCAT(v, ' ') FROM (SELECT DISTINCT json_extract(i.value_json, '$') v FROM indicators i WHERE i.rule = r.rowid LIMIT 40)) vals
     FROM rules r ORDER BY r.title COLLATE NOCASE`,
  ).all() as Record<string, string | number | null>[];
  return rows;
}

/**
 * For the static export's search: each revoked technique that something replaced, and the ids its filter reads
 * besides its own (`techniqueFilterIds`: the build counts a rule's revoked mapping under what replaced it, so
 * `technique:T1562.008` typed in the exported search looks for T1685.002, as the server's search does).
 */
export function replacedTechniques(cat: CatalogCore): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const { id } of cat.st('SELECT id FROM attack_techniques WHERE revoked = 1 ORDER BY id').all() as { id: string }[]) {
    const ids = cat.techniqueFilterIds(id).filter((x) => x !== id);
    if (ids.length) out[id] = ids;
  }
  return out;
}
