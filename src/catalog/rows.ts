/**
 * What a rule contributes to the catalog's tables, as plain rows: computed where the rule was parsed (a scan worker,
 * `scanJob.ts`), so that the building thread only resolves the rule's ATT&CK mappings, makes its id unique and runs
 * the inserts (`store.ts`). Rows are strings and numbers: a worker hands them over in a few compact bytes, and the
 * record's object graph never crosses threads.
 */
import type { FileResult } from '../formats/adapter.ts';
import { GeneralDiagnostics } from '../model/diagnostics.ts';
import { fieldsOf, leaves, type Expr, type Predicate, type Value } from '../model/expr.ts';
import { renderOperand } from '../model/render.ts';
import { countsForCoverage, SEVERITIES } from '../model/facts.ts';
import type { DeclaredAttack, RuleRecord } from '../model/rule.ts';
import { crossVendorRows, type CrossVendorRows } from './crossvendor.ts';
import { indicatorKey, logSourceKey, valueKey, valueText } from './keys.ts';

/** A cell of a table row: what SQLite stores for the catalog's columns. */
export type Cell = string | number | null;

/**
 * A long text of a rule's rows (its record's JSON, its FTS body): a string, or its UTF-8 bytes when a scan worker
 * sent it (`wireBatch` in `scanJob.ts`). The bytes arrive as a view of the batch's buffer and are written as they are
 * (`CAST(? AS TEXT)`: SQLite reads a blob as text in the catalog's encoding, UTF-8); a string would have been
 * serialized as one- or two-byte characters, made a string again, then encoded to UTF-8 to be bound.
 */
export type RowText = string | Uint8Array;

/** A rule's rows, but for its id and ATT&CK mappings (the building thread resolves those). */
export interface RuleRows {
  /** The id the rule asks for (made unique when written). */
  readonly id: string;
  readonly format: string;
  readonly kind: string;
  /** 1 when the rule counts for ATT&CK coverage. */
  readonly counts: number;
  readonly attackDeclared: readonly DeclaredAttack[];
  /** The rule's ATT&CK mappings: as the adapter made them (usually none), then resolved by the building thread. */
  readonly attack: RuleRecord['attack'];
  /** The record as JSON without `id` and `attack` (`{…}`, at least the format): the building thread adds them. */
  readonly json: RowText;
  /** `rules` columns after `format`: title, kind, counts, severity, severity_rank, status, completeness, path, modified, tests (how many), native_id. */
  readonly rule: readonly Cell[];
  /** field, field_lc, op, value_key, value_json, key. */
  readonly indicators: readonly (readonly Cell[])[];
  /** field, op, value_key, value_json, stage, key. */
  readonly exclusions: readonly (readonly Cell[])[];
  /** field, field_lc, role. */
  readonly fields: readonly (readonly Cell[])[];
  /** key, kind, name. */
  readonly logSources: readonly (readonly Cell[])[];
  readonly crossVendor?: CrossVendorRows;
  /** Full-text columns; `meta` is completed with the id and the resolved ATT&CK names when written. */
  readonly fts: { readonly title: string; readonly description: string; readonly fields: string; readonly vals: string; readonly metaBefore: string; readonly metaAfter: string; readonly body: RowText };
}

/** The rows of a rule (pure: runs in any thread). */
export function ruleRows(rule: RuleRecord): RuleRows {
  const counts = countsForCoverage(rule.kind) ? 1 : 0;
  const sevRank = rule.severity ? SEVERITIES.indexOf(rule.severity) + 1 : 0;
  const { id: _id, attack: _attack, ...rest } = rule;
  const L = rule.logic;
  const values: string[] = [];
  const indicators: Cell[][] = [];
  const seenInd = new Set<string>();
  for (const ind of L.indicators) {
    // a value computed from the field (`len(Tags) ge 1`, `levenshtein(x, "paypal") le 2`) is listed and keyed as that
    // computation: it is not a test of the field's own value
    const field = ind.chain ?? ind.field;
    const vals: readonly Value[] = ind.values.length ? ind.values : [null];
    for (const v of vals) {
      const vk = ind.values.length ? valueKey(v) : '-';
      const key = indicatorKey(field, ind.op, vk);
      if (seenInd.has(key)) continue;
      seenInd.add(key);
      indicators.push([field, field.toLowerCase(), ind.op, vk, ind.values.length ? JSON.stringify(v) : 'null', key]);
      if (ind.values.length) values.push(valueText(v));
    }
  }
  const exclusions: Cell[][] = [];
  for (const ex of L.exclusions) {
    for (const p of predicatesOf(ex.expr)) {
      const vals: readonly Value[] = p.values.length ? p.values : [null];
      for (const v of vals) {
        const vk = p.values.length ? valueKey(v) : '-';
        const field = p.derived ? renderOperand(p.field, p.derived) : p.field;
        exclusions.push([field, p.op, vk, p.values.length ? JSON.stringify(v) : 'null', ex.stage ?? null, indicatorKey(field, p.op, vk)]);
        if (p.values.length) values.push(valueText(v));
      }
    }
  }
  const fieldSet = new Set<string>();
  if (L.condition) for (const f of fieldsOf(L.condition)) fieldSet.add(f);
  for (const st of L.stages) if (st.expr) for (const f of fieldsOf(st.expr)) fieldSet.add(f);
  const fields: Cell[][] = [...fieldSet].map((f) => [f, f.toLowerCase(), 'condition']);
  for (const o of L.outputFields) if (!fieldSet.has(o.name)) fields.push([o.name, o.name.toLowerCase(), 'output']);
  for (const g of L.aggregation?.groupBy ?? []) if (!fieldSet.has(g)) fields.push([g, g.toLowerCase(), 'group_by']);
  const lsText = rule.logSources.map((ls) => ls.name);
  const xv = crossVendorRows(rule);
  const description = [rule.description ?? '', rule.runbook ?? '', ...rule.falsePositives].join(' \n ');
  return {
    id: rule.id,
    format: rule.format,
    kind: rule.kind,
    counts,
    attackDeclared: rule.attackDeclared,
    attack: rule.attack,
    json: JSON.stringify(rest),
    rule: [rule.title, rule.kind, counts, rule.severity ?? null, sevRank, rule.status, L.completeness, rule.source.path, rule.modified ?? rule.created ?? null, rule.tests.length, rule.nativeId ?? null],
    indicators,
    exclusions,
    fields,
    logSources: rule.logSources.map((ls) => [logSourceKey(ls.kind, ls.name), ls.kind, ls.name]),
    ...(xv ? { crossVendor: xv } : {}),
    fts: {
      title: rule.title,
      description,
      fields: [...fieldSet, ...L.outputFields.map((o) => o.name)].join(' '),
      vals: values.join(' \n '),
      metaBefore: [rule.nativeId ?? '', rule.format, rule.kind, rule.author ?? '', ...rule.tags, ...lsText].join(' \n '),
      metaAfter: rule.references.join(' \n '),
      body: ftsBody(rule.body.map((b) => b.text).join('\n'), description),
    },
  };
}

/**
 * The rule text as the FTS `body` column indexes it: without the lines that are, trimmed, lines of the description
 * column too (an Elastic rule's investigation guide is in its TOML and in `runbook`: 10 of the 17 million characters
 * of Elastic's rule texts). Every term of such a line is in the description column, which matches first; a query's
 * terms may be spread over columns, so the rules a query matches are the same, and the index is a fifth smaller.
 */
export function ftsBody(body: string, description: string): string {
  if (description.length < DUP_LINE_MIN) return body;
  const described = new Set<string>();
  for (const line of description.split('\n')) {
    const t = line.trim();
    if (t.length >= DUP_LINE_MIN) described.add(t);
  }
  if (!described.size) return body;
  const lines = body.split('\n');
  const kept = lines.filter((line) => {
    const t = line.trim();
    return t.length < DUP_LINE_MIN || !described.has(t);
  });
  return kept.length === lines.length ? body : kept.join('\n');
}

/** Lines shorter than this (trimmed) stay in the body's index whatever the description holds. */
const DUP_LINE_MIN = 8;

function predicatesOf(e: Expr): Predicate[] {
  return leaves(e).filter((l): l is Predicate => l.kind === 'pred');
}

/**
 * The record's JSON with its (unique) id and its mappings put back, in two parts (the catalog stores `head || tail`):
 * the head with those two, the tail the rest of `json` after its `{`, as string or bytes.
 */
export function recordJsonParts(rows: RuleRows, id: string): [head: string, tail: RowText] {
  const json = rows.json;
  return [`{"id":${JSON.stringify(id)},"attack":${JSON.stringify(rows.attack)},`, typeof json === 'string' ? json.slice(1) : json.subarray(1)];
}

/** A file's result as the build receives it from a scan job: its rules as rows. */
export type ScannedFile = Omit<FileResult, 'rules'> & { readonly rules: readonly RuleRows[] };

/**
 * A file's result with its rules as rows. A rule whose rows cannot be made (a bug) makes the file a GEN004 error,
 * as any adapter failure on one file does.
 */
export function scannedFile(fr: FileResult): ScannedFile {
  try {
    return { ...fr, rules: fr.rules.map(ruleRows) };
  } catch (e) {
    return { path: fr.path, outcome: 'error', rules: [], diagnostics: [...fr.diagnostics, GeneralDiagnostics.crash(fr.path, e)], ...(fr.dependsOn ? { dependsOn: fr.dependsOn } : {}) };
  }
}
