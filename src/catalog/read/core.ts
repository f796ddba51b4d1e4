/**
 * The catalog opened for reading: the database (read-only, every statement prepared once), memoized aggregates and
 * the helpers every page family shares (filters, ATT&CK tactics and techniques, capped counts). The page families
 * are functions of it in `read/`; `Catalog` (`query.ts`) is their public face.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { catalogFile } from '../paths.ts';
import { SCHEMA_VERSION } from '../schema.ts';
import { INDICATOR_PAGE_MIN_RULES, ROW_COLS, SEARCH_COUNT_CAP, techniqueFrom, type Filters, type IndicatorAgg, type RuleRow, type TacticInfo, type TechniqueInfo } from './types.ts';

/**
 * The catalog file is read through a memory map of up to this many bytes (SQLite caps it at its own maximum, about
 * 2 GB). The catalog's pages are 64 KB (`PAGE_SIZE`, for the build) and a reading connection's page cache holds 2 MB
 * of them, so a page visit that reads rows spread over the file copied a 64 KB page from the OS for each row it
 * touched (a common action's same-action candidates: hundreds); mapped, a page is read in place. The 300 rule pages
 * of the bench, first visits, six alternating pairs: p95 9.0–10.5 ms against 10.8–13.7 ms, p50 2.4–2.8 against
 * 2.9–3.7 ms (docs/performance.md). The map is read-only, and shares the OS's cache of the file between processes;
 * the pages it has read count as the process's file-backed RSS (`mapFile(false)` for a reader of every page, the
 * export: each thread's map would hold the whole file).
 */
export const READ_MMAP_BYTES = 2 ** 31;

export class CatalogCore {
  readonly db: Database.Database;
  readonly dir: string;
  private readonly cache = new Map<string, Database.Statement>();
  /** The catalog does not change while it is open: derived aggregates are computed once per filter set. */
  private readonly memo = new Map<string, unknown>();
  /** Search totals stop here (SEARCH_COUNT_CAP unless the catalog was opened with another cap). */
  readonly countCap: number;

  memoize<T>(key: string, f: () => T): T {
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const v = f();
    if (this.memo.size > 500) this.memo.clear();
    this.memo.set(key, v);
    return v;
  }

  constructor(dir: string, opts: { readonly searchCountCap?: number; readonly mapFile?: boolean } = {}) {
    this.dir = dir;
    this.countCap = opts.searchCountCap ?? SEARCH_COUNT_CAP;
    const file = catalogFile(dir);
    if (!existsSync(file)) throw new Error(`no catalog in ${dir}: run \`detwiki build\` first`);
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.db.pragma('query_only = ON');
    this.mapFile(opts.mapFile !== false);
    const version = (() => {
      try {
        return (this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined)?.value;
      } catch {
        return undefined;
      }
    })();
    if (version !== String(SCHEMA_VERSION)) {
      this.db.close();
      throw new Error(`the catalog in ${dir} has schema ${version ?? 'unknown'}, this detwiki reads schema ${SCHEMA_VERSION}: run \`detwiki build\` again`);
    }
  }

  close(): void {
    this.db.close();
  }

  /** Read the file through a memory map (`READ_MMAP_BYTES`) or not; returns whether it was. */
  mapFile(on: boolean): boolean {
    const was = (this.db.pragma('mmap_size', { simple: true }) as number) > 0;
    this.db.pragma(`mmap_size = ${on ? READ_MMAP_BYTES : 0}`);
    return was;
  }

  st(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) this.cache.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  meta(key: string): string {
    return (this.st('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? '';
  }

  where(f: Filters, params: unknown[]): string[] {
    const w: string[] = [];
    if (f.format) (w.push('r.format = ?'), params.push(f.format));
    if (f.kind) (w.push('r.kind = ?'), params.push(f.kind));
    else if (!f.all) w.push('r.counts = 1');
    if (f.severity) (w.push('r.severity = ?'), params.push(f.severity));
    if (f.status) (w.push('r.status = ?'), params.push(f.status));
    if (f.technique) {
      const ids = this.techniqueFilterIds(f.technique);
      const list = ids.map(() => '?').join(', ');
      w.push(`r.rowid IN (SELECT rule FROM rule_attack WHERE technique IN (${list}) OR parent IN (${list}))`);
      params.push(...ids, ...ids);
    }
    if (f.tactic) {
      w.push('r.rowid IN (SELECT rule FROM rule_attack WHERE tactic = ?)');
      params.push(this.tacticId(f.tactic));
    }
    if (f.logsource) {
      w.push('r.rowid IN (SELECT rule FROM logsources WHERE key = ? OR name = ?)');
      params.push(f.logsource, f.logsource);
    }
    return w;
  }

  /**
   * The technique ids a technique filter reads: the id (upper case), or, for one ATT&CK revoked, what replaced it and
   * what replaced each of its revoked sub-techniques (the build resolves a rule's revoked mapping to its replacement:
   * `T1562.008` is `T1685.002` in ATT&CK 19.1, so a filter of the old id lists the rules that declared it).
   */
  techniqueFilterIds(technique: string): string[] {
    const id = technique.trim().toUpperCase();
    return this.memoize(`technique ids ${id}`, () => {
      const replaced = (t: string): string | undefined => (this.st('SELECT replaced_by FROM attack_techniques WHERE id = ? AND revoked = 1').get(t) as { replaced_by: string | null } | undefined)?.replaced_by ?? undefined;
      // the end of a chain of replacements (bounded: a loop in the bundle ends it)
      const final = (t: string): string | undefined => {
        let cur = replaced(t);
        for (let i = 0; cur && i < 10; i++) {
          const next = replaced(cur);
          if (!next) break;
          cur = next;
        }
        return cur;
      };
      const top = final(id);
      if (!top) return [id];
      const subs = (this.st('SELECT id FROM attack_techniques WHERE parent = ?').all(id) as { id: string }[]).map((s) => final(s.id)).filter((x): x is string => x !== undefined);
      return [...new Set([id, top, ...subs])];
    });
  }

  tacticId(t: string): string {
    const r = this.st('SELECT id FROM attack_tactics WHERE id = ? OR shortname = ? OR name = ? COLLATE NOCASE').get(t.toUpperCase(), t.toLowerCase(), t) as { id: string } | undefined;
    return r?.id ?? t;
  }

  capped(n: number): { total: number; totalCapped?: true } {
    return n > this.countCap ? { total: this.countCap, totalCapped: true } : { total: n };
  }

  /** Listing rows of these rules, in the order given. */
  rowsByRowid(ids: readonly number[]): RuleRow[] {
    if (!ids.length) return [];
    const got = this.st(`SELECT r.rowid rowid_, ${ROW_COLS} FROM rules r WHERE r.rowid IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as (RuleRow & { rowid_: number })[];
    const byId = new Map(got.map(({ rowid_, ...row }) => [rowid_, row as RuleRow]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  tactics(): TacticInfo[] {
    return this.memoize('tactics', () => this.st('SELECT id, name, shortname, url, description FROM attack_tactics ORDER BY ord').all() as TacticInfo[]);
  }

  techniqueInfo(id: string): TechniqueInfo | undefined {
    const r = this.st('SELECT * FROM attack_techniques WHERE id = ?').get(id.toUpperCase()) as Record<string, unknown> | undefined;
    return r ? techniqueFrom(r) : undefined;
  }

  /**
   * Whether an indicator key has its own page: at least INDICATOR_PAGE_MIN_RULES rules look for or exclude it, or
   * another rule tests its canonical field and value (`indicator_canon`, see canonicalIndicators.ts). A key
   * of one rule only is listed on that rule's page (most keys are: hashes, one-off paths), which keeps the static
   * export from writing tens of thousands of pages that each list a single rule.
   */
  indicatorHasPage(key: string): boolean {
    const r = this.st('SELECT COUNT(*) n FROM (SELECT rule FROM indicators WHERE key = ? UNION SELECT rule FROM exclusions WHERE key = ? LIMIT ?)').get(key, key, INDICATOR_PAGE_MIN_RULES) as { n: number };
    // or another rule tests its canonical field and value (another spelling, another format)
    return r.n >= INDICATOR_PAGE_MIN_RULES || this.st('SELECT 1 FROM indicator_canon WHERE key = ? LIMIT 1').get(key) !== undefined;
  }

  withPage(rows: readonly Omit<IndicatorAgg, 'page'>[]): IndicatorAgg[] {
    return rows.map((r) => ({ ...r, page: r.n >= INDICATOR_PAGE_MIN_RULES || this.indicatorHasPage(r.key) }));
  }
}
