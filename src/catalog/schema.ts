/**
 * The SQLite catalog schema. `files` keeps every file of every source with its outcome and the key it was parsed
 * with (incremental builds); `rules` keeps the columns the filters, sorts and listings use (narrow: ~150 rows a
 * page, so a search joining thousands of matches to their filters touches few pages) and `rule_json` each record
 * as JSON (read only for one rule's page); the other tables are derived from the records (indicators and
 * exclusions with value keys, fields, ATT&CK links, log sources, diagnostics; stages, output fields and event keys are
 * views over the records) and `rules_fts` is the full-text index (see FTS_COLUMNS).
 */
import Database from 'better-sqlite3';
import { CROSSVENDOR_SCHEMA_SQL } from './crossvendor.ts';

/** Bump when the schema or the derivation of any table changes: the catalog is then rebuilt from scratch. */
export const SCHEMA_VERSION = 13;

export type DB = Database.Database;

export const SCHEMA_SQL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (name TEXT PRIMARY KEY, format TEXT NOT NULL, repository TEXT NOT NULL, root TEXT NOT NULL,
  origin TEXT NOT NULL, commit_id TEXT, licence TEXT, url_base TEXT, ord INTEGER NOT NULL, diagnostics TEXT NOT NULL DEFAULT '[]');
CREATE TABLE files (id INTEGER PRIMARY KEY, source TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, mtime REAL NOT NULL,
  hash TEXT NOT NULL, key TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT, diagnostics TEXT NOT NULL, deps TEXT NOT NULL, rules INTEGER NOT NULL,
  UNIQUE (source, path));
CREATE TABLE rules (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, file_id INTEGER NOT NULL, source TEXT NOT NULL,
  format TEXT NOT NULL, title TEXT NOT NULL, kind TEXT NOT NULL, counts INTEGER NOT NULL, severity TEXT, severity_rank INTEGER NOT NULL,
  status TEXT NOT NULL, completeness TEXT NOT NULL, path TEXT NOT NULL, modified TEXT, tests INTEGER NOT NULL, native_id TEXT);
CREATE TABLE rule_json (rowid INTEGER PRIMARY KEY, json TEXT NOT NULL);
CREATE INDEX rules_file ON rules (file_id);
CREATE INDEX rules_format ON rules (format, kind);
CREATE INDEX rules_title ON rules (title COLLATE NOCASE);
-- a rule by its native id (a correlation's rules: Panther RuleID, Sigma id)
CREATE INDEX rules_native ON rules (format, native_id);
-- a rule's stages, output fields and event keys are read from its record (rule page, API, hunt): these views give
-- them as rows for SQL over the catalog, and a build writes no copy of them (it wrote 134,000 rows that no query
-- of detwiki read until 8 December 2026)
CREATE VIEW stages (rule, ord, kind, label, text) AS
  SELECT j.rowid, s.key, json_extract(s.value, '$.kind'), json_extract(s.value, '$.label'), json_extract(s.value, '$.text')
  FROM rule_json j, json_each(j.json, '$.logic.stages') s;
CREATE VIEW output_fields (rule, name, source) AS
  SELECT j.rowid, json_extract(o.value, '$.name'), json_extract(o.value, '$.source')
  FROM rule_json j, json_each(j.json, '$.logic.outputFields') o;
CREATE VIEW event_keys (rule, format, field, value) AS
  SELECT j.rowid, json_extract(j.json, '$.format'), json_extract(k.value, '$.field'),
    CASE json_type(k.value, '$.value') WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(json_extract(k.value, '$.value') AS TEXT) END
  FROM rule_json j, json_each(j.json, '$.logic.eventKeys') k;
CREATE TABLE indicators (rule INTEGER NOT NULL, format TEXT NOT NULL, field TEXT NOT NULL, field_lc TEXT NOT NULL, op TEXT NOT NULL,
  value_key TEXT NOT NULL, value_json TEXT NOT NULL, key TEXT NOT NULL);
-- with the rule, the index covers the build's per-format counts (indicator_counts) without reading the table
CREATE INDEX indicators_key ON indicators (key, format, rule);
CREATE INDEX indicators_rule ON indicators (rule);
CREATE INDEX indicators_field ON indicators (field_lc);
CREATE TABLE indicator_counts (key TEXT NOT NULL, format TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (key, format)) WITHOUT ROWID;
CREATE TABLE indicator_keys (key TEXT PRIMARY KEY, field TEXT NOT NULL, op TEXT NOT NULL, value_json TEXT NOT NULL, total INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE exclusions (rule INTEGER NOT NULL, format TEXT NOT NULL, field TEXT NOT NULL, op TEXT NOT NULL, value_key TEXT NOT NULL,
  value_json TEXT NOT NULL, stage TEXT, key TEXT NOT NULL);
CREATE INDEX exclusions_rule ON exclusions (rule);
CREATE INDEX exclusions_key ON exclusions (key);
CREATE TABLE rule_fields (rule INTEGER NOT NULL, field TEXT NOT NULL, field_lc TEXT NOT NULL, role TEXT NOT NULL);
CREATE INDEX rule_fields_lc ON rule_fields (field_lc);
CREATE INDEX rule_fields_rule ON rule_fields (rule);
CREATE TABLE rule_attack (rule INTEGER NOT NULL, format TEXT NOT NULL, counts INTEGER NOT NULL, technique TEXT, parent TEXT, tactic TEXT,
  status TEXT NOT NULL, declared TEXT NOT NULL);
CREATE INDEX rule_attack_technique ON rule_attack (technique);
CREATE INDEX rule_attack_parent ON rule_attack (parent);
CREATE INDEX rule_attack_tactic ON rule_attack (tactic);
CREATE INDEX rule_attack_rule ON rule_attack (rule);
-- rules that count for coverage per technique (as itself or as the parent of a sub-technique) and format: the total of
-- a technique's listing (browseListing) without reading its rules
CREATE TABLE technique_totals (technique TEXT NOT NULL, format TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (technique, format)) WITHOUT ROWID;
CREATE TABLE logsources (rule INTEGER NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL);
CREATE INDEX logsources_key ON logsources (key);
CREATE INDEX logsources_rule ON logsources (rule);
CREATE TABLE diagnostics (source TEXT NOT NULL, file TEXT NOT NULL, rule INTEGER, code TEXT NOT NULL, severity TEXT NOT NULL,
  line INTEGER, col INTEGER, message TEXT NOT NULL);
CREATE INDEX diagnostics_file ON diagnostics (source, file);
CREATE TABLE attack_tactics (id TEXT PRIMARY KEY, name TEXT NOT NULL, shortname TEXT NOT NULL, ord INTEGER NOT NULL, url TEXT, description TEXT);
CREATE TABLE attack_techniques (id TEXT PRIMARY KEY, name TEXT NOT NULL, parent TEXT, is_sub INTEGER NOT NULL, revoked INTEGER NOT NULL,
  deprecated INTEGER NOT NULL, replaced_by TEXT, tactics TEXT NOT NULL, platforms TEXT NOT NULL, url TEXT, description TEXT);
CREATE VIRTUAL TABLE rules_fts USING fts5(title, description, fields, vals, meta, body, content='', contentless_delete=1,
  prefix = '3', tokenize = "unicode61 remove_diacritics 2");
`;

/**
 * The columns of `rules_fts`, in order. Every column but `body` describes the rule (title; description with runbook
 * and false positives; the fields its logic uses; the values it looks for or excludes; ids, tags, log sources,
 * ATT&CK and references); `body` is the verbatim rule text, searchable (a Panther rule's test logs, a query's
 * comments) but ranked after every rule matched by its description. A prefix index of 3 characters makes `reg*`
 * read one doclist instead of merging every term that starts so (one of 2 characters cost a tenth of the cold
 * build's writing and did not make `re*` faster: ranking its thousands of matches is what takes the time).
 */
export const FTS_COLUMNS = ['title', 'description', 'fields', 'vals', 'meta', 'body'] as const;

/** Page cache of the writing connection (KiB). */
export const CACHE_KB = 4096;

/** Page size of a new catalog file (bytes). */
export const PAGE_SIZE = 65536;

/** Open (or create) the catalog; a catalog of another schema version is recreated empty. */
export function openCatalogDb(file: string, opts: { readonly readonly?: boolean } = {}): DB {
  const db = new Database(file, opts.readonly ? { readonly: true, fileMustExist: true } : {});
  if (opts.readonly) {
    db.pragma('query_only = ON');
    return db;
  }
  // a new file only (an existing catalog keeps its page size): 64 KB pages write the catalog's 400 MB in fewer,
  // larger writes (rule records average 14 KB, FTS segments are blobs) — about 0.5 s of a cold build's writing
  db.pragma(`page_size = ${PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('temp_store = MEMORY');
  // the writing connection's page cache: 16 MB wrote a cold catalog as fast as 64 MB (a little faster) with 48 MB
  // less memory, and 4 MB faster again (all corpora: 0.90 and 0.95 of the wall time and about half the kernel
  // time by the median pair, two sets of four alternating pairs; 2 MB was slower) with about 10 MB less, while the
  // scan workers hold theirs; the build raises it for its last phases (END_CACHE_KB)
  db.pragma(`cache_size = -${CACHE_KB}`);
  const version = (() => {
    try {
      return (db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined)?.value;
    } catch {
      return undefined;
    }
  })();
  if (version !== String(SCHEMA_VERSION)) {
    const tables = db.prepare("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'rules_fts_%' ORDER BY type = 'table'").all() as { name: string; type: string }[];
    db.exec('BEGIN');
    for (const t of tables) db.exec(`DROP ${t.type === 'view' ? 'VIEW' : 'TABLE'} IF EXISTS "${t.name}"`);
    db.exec(SCHEMA_SQL);
    db.exec(CROSSVENDOR_SCHEMA_SQL);
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
    db.exec('COMMIT');
  }
  return db;
}

export function getMeta(db: DB, key: string): string | undefined {
  return (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
}

export function setMeta(db: DB, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}
