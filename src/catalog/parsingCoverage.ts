/**
 * How far the parsers got, per format and per source (`/coverage/parsing`): files by outcome, rules by kind and by
 * completeness of their logic (complete / partial / none), the most frequent missing constructs (the reasons of
 * `logic.missing`) and why rules have no logic (`logic.note`), each with a count and an example rule, and the
 * diagnostics by code (in files, in rules, about the source as a whole). Per source these are the figures
 * `detwiki scan <source> --json` prints for the same files (`files`, `rules`, `byKind`, `complete`, `partial`,
 * `none`, `diagnosticsByCode`); the test `parsing coverage equals scan` holds them to it.
 */
import type Database from 'better-sqlite3';

/** Files by outcome, as `detwiki scan --json` counts them. */
export interface FileCounts {
  parsed: number;
  support: number;
  skipped: number;
  error: number;
}

/** Diagnostics of one code: how many in files, in rules, about the source. */
export interface DiagnosticCount {
  files: number;
  rules: number;
  source: number;
}

/** The totals of one source, one format or the whole catalog. */
export interface ParsingCounts {
  readonly files: FileCounts;
  rules: number;
  complete: number;
  partial: number;
  none: number;
  readonly byKind: Record<string, number>;
  readonly diagnosticsByCode: Record<string, DiagnosticCount>;
}

/** A frequent reason (a missing construct, or why a rule has no logic) with an example rule. */
export interface ReasonRow {
  readonly format: string;
  readonly reason: string;
  readonly n: number;
  readonly example: { readonly id: string; readonly title: string };
}

export interface ParsingCoverage {
  readonly sources: readonly (ParsingCounts & { readonly name: string; readonly format: string })[];
  readonly formats: readonly (ParsingCounts & { readonly format: string })[];
  readonly total: ParsingCounts;
  /** Most frequent missing constructs of partial and logic-less rules (reasons of `logic.missing`). */
  readonly missing: readonly ReasonRow[];
  /** Why rules have no logic (`logic.note` of rules whose completeness is none). */
  readonly noLogic: readonly ReasonRow[];
  /** Severity of each diagnostic code seen. */
  readonly severities: Record<string, string>;
}

/** How many reason rows the page lists. */
export const REASONS_SHOWN = 40;

export function emptyCounts(): ParsingCounts {
  return { files: { parsed: 0, support: 0, skipped: 0, error: 0 }, rules: 0, complete: 0, partial: 0, none: 0, byKind: {}, diagnosticsByCode: {} };
}

function addDiag(c: ParsingCounts, code: string, where: keyof DiagnosticCount, n: number): void {
  const d = (c.diagnosticsByCode[code] ??= { files: 0, rules: 0, source: 0 });
  d[where] += n;
}

/** Add the figures of `b` into `a`. */
function addInto(a: ParsingCounts, b: ParsingCounts): void {
  for (const k of ['parsed', 'support', 'skipped', 'error'] as const) a.files[k] += b.files[k];
  a.rules += b.rules;
  a.complete += b.complete;
  a.partial += b.partial;
  a.none += b.none;
  for (const [k, n] of Object.entries(b.byKind)) a.byKind[k] = (a.byKind[k] ?? 0) + n;
  for (const [code, d] of Object.entries(b.diagnosticsByCode)) for (const w of ['files', 'rules', 'source'] as const) if (d[w]) addDiag(a, code, w, d[w]);
}

/** The parsing coverage of a catalog (read-only queries; a few hundred ms on the full corpora). */
export function parsingCoverage(db: Database.Database): ParsingCoverage {
  const sources = db.prepare('SELECT name, format, diagnostics FROM sources ORDER BY ord').all() as { name: string; format: string; diagnostics: string }[];
  const bySource = new Map(sources.map((s) => [s.name, { name: s.name, format: s.format, ...emptyCounts() }]));
  const severities: Record<string, string> = {};
  for (const s of sources) {
    for (const d of JSON.parse(s.diagnostics || '[]') as { code: string; severity: string }[]) {
      addDiag(bySource.get(s.name)!, d.code, 'source', 1);
      severities[d.code] ??= d.severity;
    }
  }
  const get = (name: string) => {
    let c = bySource.get(name);
    if (!c) bySource.set(name, (c = { name, format: '?', ...emptyCounts() }));
    return c;
  };
  for (const r of db.prepare('SELECT source, outcome, COUNT(*) n FROM files GROUP BY source, outcome').all() as { source: string; outcome: keyof FileCounts; n: number }[]) get(r.source).files[r.outcome] += r.n;
  for (const r of db.prepare('SELECT source, kind, completeness, COUNT(*) n FROM rules GROUP BY source, kind, completeness').all() as { source: string; kind: string; completeness: 'complete' | 'partial' | 'none'; n: number }[]) {
    const c = get(r.source);
    c.rules += r.n;
    c[r.completeness] += r.n;
    c.byKind[r.kind] = (c.byKind[r.kind] ?? 0) + r.n;
  }
  for (const r of db.prepare('SELECT source, code, severity, COUNT(*) n FROM diagnostics GROUP BY source, code, severity').all() as { source: string; code: string; severity: string; n: number }[]) {
    addDiag(get(r.source), r.code, 'files', r.n);
    severities[r.code] ??= r.severity;
  }
  const ruleDiags = db
    .prepare(
      `SELECT r.source, json_extract(d.value, '$.code') code, json_extract(d.value, '$.severity') severity, COUNT(*) n
       FROM rules r JOIN rule_json j ON j.rowid = r.rowid, json_each(j.json, '$.diagnostics') d GROUP BY r.source, code, severity`,
    )
    .all() as { source: string; code: string; severity: string; n: number }[];
  for (const r of ruleDiags) {
    addDiag(get(r.source), r.code, 'rules', r.n);
    severities[r.code] ??= r.severity;
  }
  const formats = new Map<string, ParsingCounts & { format: string }>();
  const total = emptyCounts();
  for (const s of bySource.values()) {
    let f = formats.get(s.format);
    if (!f) formats.set(s.format, (f = { format: s.format, ...emptyCounts() }));
    addInto(f, s);
    addInto(total, s);
  }
  const reasons = (sql: string) =>
    (db.prepare(sql).all(REASONS_SHOWN) as { format: string; reason: string; n: number; id: string; title: string }[]).map((r) => ({ format: r.format, reason: r.reason, n: r.n, example: { id: r.id, title: r.title } }));
  // MIN(r.id) with bare columns: SQLite takes id and title from the row that holds the minimum
  const missing = reasons(
    `SELECT r.format, json_extract(m.value, '$.reason') reason, COUNT(*) n, MIN(r.id) id, r.title
     FROM rules r JOIN rule_json j ON j.rowid = r.rowid, json_each(j.json, '$.logic.missing') m
     WHERE r.completeness != 'complete' GROUP BY r.format, reason ORDER BY n DESC, reason LIMIT ?`,
  );
  const noLogic = reasons(
    `SELECT r.format, COALESCE(json_extract(j.json, '$.logic.note'), '(no note)') reason, COUNT(*) n, MIN(r.id) id, r.title
     FROM rules r JOIN rule_json j ON j.rowid = r.rowid WHERE r.completeness = 'none' GROUP BY r.format, reason ORDER BY n DESC, reason LIMIT ?`,
  );
  return { sources: [...bySource.values()], formats: [...formats.values()], total, missing, noLogic, severities };
}
