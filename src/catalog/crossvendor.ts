/**
 * Cross-vendor links in the catalog: each rule's canonical view (`src/model/vocabulary`) is stored when the rule is
 * written (`canonical_ls`, `action_keys`, `canonical_cond`); a rule page asks for the rules of other formats that
 * test the same action (log source + action field + value, each language's case rule applied), how their
 * conditions relate (equivalent, stricter, broader: proved, never guessed) and which of them fire on this rule's
 * own positive test events re-expressed in their language (`event_confirmed`, filled after the build).
 */
import type Database from 'better-sqlite3';
import { stripSpans, type Expr, type Predicate } from '../model/expr.ts';
import { evaluate } from '../model/evaluate.ts';
import { escapeRegex } from '../model/regex.ts';
import { renderExpr, renderPredicateWith } from '../model/render.ts';
import type { RuleRecord } from '../model/rule.ts';
import { canonicalField, canonicalView, type CanonicalView, type Vocabulary } from '../model/vocabulary/canonical.ts';
import { relator, type Relation } from '../model/vocabulary/implication.ts';
import type { Format } from '../model/facts.ts';
import { adapterFor } from '../formats/registry.ts';
import { vocabularyFor } from '../formats/vocabularies.ts';
import type { DB } from './schema.ts';
import { CANONICAL_INDICATOR_SCHEMA_SQL, canonicalIndicatorRows } from './canonicalIndicators.ts';
import { RowBuffer } from './rowBuffer.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Stmt = Database.Statement<any[]>;

export const CROSSVENDOR_SCHEMA_SQL = `
CREATE TABLE canonical_ls (rule INTEGER NOT NULL, format TEXT NOT NULL, ls TEXT NOT NULL);
CREATE INDEX canonical_ls_ls ON canonical_ls (ls);
CREATE INDEX canonical_ls_rule ON canonical_ls (rule);
CREATE TABLE action_keys (rule INTEGER NOT NULL, format TEXT NOT NULL, ls TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
  display TEXT NOT NULL, cs INTEGER NOT NULL);
CREATE INDEX action_keys_key ON action_keys (ls, field, value);
CREATE INDEX action_keys_rule ON action_keys (rule);
CREATE TABLE canonical_cond (rowid INTEGER PRIMARY KEY, json TEXT NOT NULL, leaves TEXT NOT NULL, mapped INTEGER NOT NULL, total INTEGER NOT NULL);
CREATE TABLE event_confirmed (rule INTEGER NOT NULL, other INTEGER NOT NULL, test TEXT NOT NULL);
CREATE INDEX event_confirmed_rule ON event_confirmed (rule);
${CANONICAL_INDICATOR_SCHEMA_SQL}`;

/** Tables cleared per rule when its file is parsed again. */
export const CROSSVENDOR_RULE_TABLES = ['canonical_ls', 'action_keys', 'canonical_ind'] as const;

/** The canonical view of a rule (empty when its language has no vocabulary). */
export function viewOf(rule: RuleRecord): CanonicalView | undefined {
  const v = vocabularyFor(rule.format);
  return v ? canonicalView(rule, v) : undefined;
}

/** A rule's canonical rows (`crossVendorRows`), plain data. */
export interface CrossVendorRows {
  readonly logSources: readonly string[];
  /** ls, field, value, display, cs (1/0). */
  readonly actionKeys: readonly (readonly (string | number)[])[];
  /** `canonical_ind` rows after rule and format (`canonicalIndicatorRows`). */
  readonly indicators: readonly (readonly (string | number)[])[];
  /** The canonical condition (JSON, spans stripped), its positive leaves (JSON), mapped and total predicates. */
  readonly condition?: readonly [string, string, number, number];
}

/** The canonical rows of a rule, undefined when its language has no vocabulary (pure: runs in any thread). */
export function crossVendorRows(rule: RuleRecord): CrossVendorRows | undefined {
  const view = viewOf(rule);
  if (!view) return undefined;
  return {
    logSources: view.logSources,
    actionKeys: view.actionKeys.map((k) => [k.logSource, k.field, k.value, k.display, k.cs ? 1 : 0]),
    indicators: canonicalIndicatorRows(view),
    // the positive leaves are stored beside the condition: a rule page compares them for every candidate, the
    // whole condition only for the few it relates
    ...(view.condition ? { condition: [JSON.stringify(stripSpans(view.condition)), JSON.stringify(positiveLeaves(view.condition)), view.mapped, view.total] as const } : {}),
  };
}

/** Writes a rule's canonical rows; made once per build. */
export function crossVendorWriter(db: DB): { insert(rid: number, format: string, rows: CrossVendorRows): void; remove(rid: number): void; flush(): void; discard(): void } {
  const s = (sql: string): Stmt => db.prepare(sql);
  // several rows to a statement (`RowBuffer`): the rule writer flushes them
  const insLs = new RowBuffer(db, 'canonical_ls', ['rule', 'format', 'ls']);
  const insKey = new RowBuffer(db, 'action_keys', ['rule', 'format', 'ls', 'field', 'value', 'display', 'cs']);
  const insCond = s('INSERT OR REPLACE INTO canonical_cond (rowid, json, leaves, mapped, total) VALUES (?,?,?,?,?)');
  const dels = [...CROSSVENDOR_RULE_TABLES.map((t) => s(`DELETE FROM ${t} WHERE rule = ?`)), s('DELETE FROM canonical_cond WHERE rowid = ?')];
  const delConfirmed = s('DELETE FROM event_confirmed WHERE rule = ? OR other = ?');
  const insInd = new RowBuffer(db, 'canonical_ind', ['rule', 'format', 'ckey', 'native', 'nfield', 'cs', 'exact', 'ls', 'field', 'op']);
  const buffers = [insLs, insKey, insInd];
  return {
    insert(rid, format, rows) {
      const head = [rid, format];
      for (const ls of rows.logSources) insLs.add(head, [ls]);
      for (const k of rows.actionKeys) insKey.add(head, k);
      for (const r of rows.indicators) insInd.add(head, r);
      if (rows.condition) insCond.run(rid, ...rows.condition);
    },
    flush() {
      for (const b of buffers) b.flush();
    },
    discard() {
      for (const b of buffers) b.discard();
    },
    remove(rid) {
      for (const d of dels) d.run(rid);
      delConfirmed.run(rid, rid);
    },
  };
}

/** A rule of another format that tests the same action. */
export interface SameActionRule {
  readonly id: string;
  readonly title: string;
  readonly kind: string;
  readonly format: string;
  /** The shared action keys, as `log source: field = value`. */
  readonly keys: readonly string[];
  /** How this rule's condition relates to the other's over canonical fields (this rule is the subject). */
  readonly relation?: Relation;
  /** Canonical predicates only in this rule / only in the other (for a relation). */
  readonly onlyHere?: readonly string[];
  readonly onlyThere?: readonly string[];
  /** The other rule fires on one of this rule's positive test events, re-expressed in its language. */
  readonly firesOnSameEvent?: readonly string[];
  /** Canonical predicates both rules have besides the action (shown for a common action such as cmd.exe). */
  readonly alsoShared?: readonly string[];
}

/**
 * An action that more rules than this test (cmd.exe process creation, Security event 4663) links two rules only
 * when they also share another canonical predicate (the same command-line fragment, the same registry key…).
 */
export const COMMON_ACTION_RULES = 60;

/** Candidates compared for a relation at most, most shared keys first (the rest are listed without one). */
export const MAX_RELATED = 60;

/** The statements of `sameActionRules`, and how common each action key is, per connection (a catalog does not change while it is open). */
interface SameActionStatements {
  readonly join: Stmt;
  readonly ownKeys: Stmt;
  readonly popularity: Stmt;
  readonly cond: Stmt;
  readonly leaves: Stmt;
  readonly rule: Stmt;
  readonly confirmed: Stmt;
  readonly common: Map<string, boolean>;
  /** Parsed canonical conditions by rule rowid, the most recently used last (`canonicalCondition`). */
  readonly conds: Map<number, Expr | null>;
}

/**
 * Parsed canonical conditions kept per connection: a common action's candidates come back on page after page, and
 * a kept condition also keeps its normal form (`relator`'s comparisons, implication.ts). With their normal forms,
 * 2,000 sampled conditions of all corpora take 7 MB of heap, the 2,000 largest 24 MB.
 */
export const KEPT_CONDITIONS = 2_000;
const sameActionCache = new WeakMap<DB, SameActionStatements>();
function sameActionStatements(db: DB): SameActionStatements {
  let st = sameActionCache.get(db);
  if (!st) {
    st = {
      // numbers only (this rule's key by its rowid, the other rule, whether the two spellings differ where both test
      // case-sensitively): a row of strings costs a new JS string per cell, and a common action has a thousand rows
      join: db
        .prepare(
          `SELECT a1.rowid, a2.rule, a1.cs AND a2.cs AND a1.display != a2.display
           FROM action_keys a1 JOIN action_keys a2 ON a2.ls = a1.ls AND a2.field = a1.field AND a2.value = a1.value AND a2.format != ?
           WHERE a1.rule = ? LIMIT 5000`,
        )
        .raw(true),
      ownKeys: db.prepare('SELECT rowid, ls, field, display FROM action_keys WHERE rule = ?'),
      popularity: db.prepare('SELECT COUNT(DISTINCT rule) n FROM action_keys WHERE ls = ? AND field = ? AND value = ?'),
      cond: db.prepare('SELECT json, leaves FROM canonical_cond WHERE rowid = ?'),
      leaves: db.prepare('SELECT rowid, leaves FROM canonical_cond WHERE rowid IN (SELECT value FROM json_each(?))'),
      rule: db.prepare('SELECT id, title, kind, format FROM rules WHERE rowid = ?'),
      confirmed: db.prepare('SELECT other, test FROM event_confirmed WHERE rule = ?'),
      common: new Map(),
      conds: new Map(),
    };
    sameActionCache.set(db, st);
  }
  return st;
}

/** Rule `rowid`'s canonical condition, parsed (kept: `KEPT_CONDITIONS`); null when it has none. */
function canonicalCondition(st: SameActionStatements, rowid: number, json?: string): Expr | null {
  let e = st.conds.get(rowid);
  if (e !== undefined) {
    st.conds.delete(rowid);
  } else {
    const j = json ?? (st.cond.get(rowid) as { json: string } | undefined)?.json;
    e = j === undefined ? null : (JSON.parse(j) as Expr);
    if (st.conds.size >= KEPT_CONDITIONS) st.conds.delete(st.conds.keys().next().value!);
  }
  st.conds.set(rowid, e);
  return e;
}

/**
 * Rules of other formats sharing an action key with rule `rowid`. Case rules: a value tested case-sensitively by
 * both rules must be equal as written; otherwise the lower-case values are compared (a case-insensitive test
 * matches the case-sensitive one's value).
 */
export function sameActionRules(db: DB, rowid: number, format: string): SameActionRule[] {
  const st = sameActionStatements(db);
  const isCommon = (ls: string, field: string, value: string) => {
    const k = `${ls}|${field}|${value}`;
    let c = st.common.get(k);
    if (c === undefined) {
      if (st.common.size > 10_000) st.common.clear();
      st.common.set(k, (c = (st.popularity.get(ls, field, value) as { n: number }).n > COMMON_ACTION_RULES));
    }
    return c;
  };
  const joined = st.join.all(format, rowid) as [number, number, number][];
  // only rules that share an action key are kept (below): with none, there is nothing to read or compare
  if (!joined.length) return [];
  // this rule's keys that another rule shares: their text, and whether many rules test them, once each
  const rows = new Map<number, { ls: string; field: string; display: string }>();
  for (const k of st.ownKeys.all(rowid) as { rowid: number; ls: string; field: string; display: string }[]) rows.set(k.rowid, k);
  const ownKeys = new Map<number, { text: string; common: boolean }>();
  const ownKey = (key: number): { text: string; common: boolean } => {
    let o = ownKeys.get(key);
    if (!o) {
      const k = rows.get(key)!;
      ownKeys.set(key, (o = { text: `${k.ls}: ${k.field} = ${k.display}`, common: isCommon(k.ls, k.field, k.display.toLowerCase()) }));
    }
    return o;
  };
  const byRule = new Map<number, { keys: Set<string>; specific: boolean }>();
  for (const [key, rule, spelledApart] of joined) {
    if (spelledApart) continue;
    const own = ownKey(key);
    let e = byRule.get(rule);
    if (!e) byRule.set(rule, (e = { keys: new Set(), specific: false }));
    e.keys.add(own.text);
    if (!own.common) e.specific = true;
  }
  if (!byRule.size) return [];
  const own = st.cond.get(rowid) as { json: string; leaves: string } | undefined;
  // this rule's condition and its normal form are made only when a candidate is kept to be compared with it (most
  // pages of a format no other format shares an action with keep none)
  let ownCond: Expr | null | undefined;
  let relateOwn: ((b: Expr) => Relation | undefined) | undefined;
  const ownCondition = (): Expr | null => {
    if (ownCond === undefined) ownCond = own ? canonicalCondition(st, rowid, own.json) : null;
    return ownCond;
  };
  const confirmed = new Map<number, string[]>();
  for (const c of st.confirmed.all(rowid) as { other: number; test: string }[]) {
    const l = confirmed.get(c.other) ?? [];
    l.push(c.test);
    confirmed.set(c.other, l);
  }
  const ownLeaves = new Set(own ? (JSON.parse(own.leaves) as string[]) : []);
  // a common action alone is not a link: the rules must also share another predicate. The stored leaves of the
  // candidates that only share common actions are read in one statement; each of this rule's leaves is looked for
  // as it is written inside a stored list, and a list that holds none of them (most candidates of a common action)
  // is not parsed
  const needles = [...ownLeaves].filter((l) => !ACTION_LEAF.test(l)).map((l) => JSON.stringify(l));
  const shared = new Map<number, string[]>();
  if (needles.length) {
    const common = [...byRule].filter(([, e]) => !e.specific).map(([rid]) => rid);
    // one pass over each stored list for all the needles (a list per needle read it as many times)
    const anyNeedle = new RegExp(needles.map(escapeRegex).join('|'));
    for (const r of st.leaves.all(JSON.stringify(common)) as { rowid: number; leaves: string }[]) {
      if (!anyNeedle.test(r.leaves)) continue;
      const also = (JSON.parse(r.leaves) as string[]).filter((l) => ownLeaves.has(l) && !ACTION_LEAF.test(l));
      if (also.length) shared.set(r.rowid, also);
    }
  }
  // which candidates are kept does not depend on their order: their titles are read, and they are ranked, after
  const kept: { rid: number; id: string; title: string; kind: string; format: string; keys: Set<string>; specific: boolean; alsoShared: string[] }[] = [];
  for (const [rid, e] of byRule) {
    const alsoShared = e.specific ? [] : (shared.get(rid) ?? []);
    if (!e.specific && !alsoShared.length && !confirmed.has(rid)) continue;
    const r = st.rule.get(rid) as { id: string; title: string; kind: string; format: string };
    kept.push({ rid, ...r, keys: e.keys, specific: e.specific, alsoShared });
  }
  kept.sort((a, b) => b.keys.size - a.keys.size || a.title.localeCompare(b.title));
  const out: SameActionRule[] = [];
  let compared = 0;
  let ownTexts: Set<string> | undefined;
  for (const e of kept) {
    let rel: { relation: Relation; onlyHere: string[]; onlyThere: string[] } | undefined;
    const mine = compared < MAX_RELATED ? ownCondition() : null;
    const oc = mine ? canonicalCondition(st, e.rid) : null;
    if (mine && oc) {
      compared++;
      const relation = (relateOwn ??= relator(mine))(oc);
      if (relation) rel = { relation, ...differing((ownTexts ??= new Set(leafTexts(mine))), oc) };
    }
    const fires = confirmed.get(e.rid);
    out.push({ id: e.id, title: e.title, kind: e.kind, format: e.format, keys: [...e.keys], ...(rel ?? {}), ...(fires ? { firesOnSameEvent: fires } : {}), ...(!e.specific && e.alsoShared.length ? { alsoShared: e.alsoShared } : {}) });
  }
  return out;
}

/** Rendered canonical predicates of one condition (`leafTexts`, rendered once per page) that the other does not have. */
function differing(pa: ReadonlySet<string>, b: Expr): { onlyHere: string[]; onlyThere: string[] } {
  const pb = new Set(leafTexts(b));
  return { onlyHere: [...pa].filter((x) => !pb.has(x)), onlyThere: [...pb].filter((x) => !pa.has(x)) };
}

/** Leaves on an action field (the key itself), left out of "also shared". */
const ACTION_LEAF = /^(image:name|originalfilename|eventid|eventname|eventtype|operation|operationname|action) /;

/** Rendered positive canonical predicates (not under a negation), lower-case, with `in` lists split into values. */
function positiveLeaves(e: Expr): string[] {
  const out: string[] = [];
  const walk = (x: Expr, neg: boolean, d: number): void => {
    if (d > 100) return;
    if (x.kind === 'pred') {
      if (neg || x.field.startsWith('?')) return;
      // one copy of the predicate for all its values (an `in` list is a leaf per value)
      const one: Predicate = { ...x, op: x.op === 'in' ? 'eq' : x.op, opts: { ...(x.opts ?? {}), cs: false } };
      if (!x.values.length) out.push(renderPredicateWith(one, []).toLowerCase());
      for (const v of x.values) out.push(renderPredicateWith(one, v === null ? [] : [v]).toLowerCase());
    } else if (x.kind === 'not') walk(x.arg, !neg, d + 1);
    else if (x.kind === 'and' || x.kind === 'or') for (const a of x.args) walk(a, neg, d + 1);
    else if (x.kind === 'quant') for (const i of x.items) walk(i.expr, neg, d + 1);
  };
  walk(e, false, 0);
  return out;
}

function leafTexts(e: Expr): string[] {
  const out: string[] = [];
  const walk = (x: Expr, neg: boolean, d: number): void => {
    if (d > 100) return;
    if (x.kind === 'pred' || x.kind === 'opaque') out.push((neg ? 'not ' : '') + renderExpr(x).toLowerCase());
    else if (x.kind === 'not') walk(x.arg, !neg, d + 1);
    else if (x.kind === 'and' || x.kind === 'or') for (const a of x.args) walk(a, neg, d + 1);
    else if (x.kind === 'quant') for (const i of x.items) walk(i.expr, neg, d + 1);
  };
  walk(e, false, 0);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Confirmed by events

/** Positive test events of one rule at most, and candidate rules per event at most. */
export const CONFIRM_LIMITS = { eventsPerRule: 4, candidates: 200 } as const;

/**
 * For every rule with positive test events (Panther Tests, Sigma regression logs), re-express each event in the
 * view of every other-format rule that shares an action key (native → canonical through the rule's vocabulary,
 * canonical → native through the other's), evaluate the other's condition, and record the pairs that fire.
 */
export function confirmByEvents(db: DB): { pairs: number; rulesWithEvents: number } {
  db.exec('DELETE FROM event_confirmed');
  const withKeys = db.prepare('SELECT DISTINCT a.rule FROM action_keys a').all() as { rule: number }[];
  // a rule's record is read only when it has tests (`rules.tests`): 470 of the 5,408 rules with action keys (all corpora)
  const tested = new Set((db.prepare('SELECT rowid FROM rules WHERE tests > 0').raw().all() as [number][]).map((r) => r[0]));
  // only the parts used are taken out of the records' JSON (by SQLite): a rule's tests, a candidate's condition
  const testsOf = db.prepare("SELECT r.format, json_extract(j.json, '$.tests') tests FROM rules r JOIN rule_json j ON j.rowid = r.rowid WHERE r.rowid = ?");
  const conditionOf = db.prepare("SELECT r.format, json_extract(j.json, '$.logic.condition') cond FROM rules r JOIN rule_json j ON j.rowid = r.rowid WHERE r.rowid = ?");
  const cands = db.prepare(
    `SELECT DISTINCT a2.rule, a2.ls FROM action_keys a1 JOIN action_keys a2 ON a2.ls = a1.ls AND a2.field = a1.field AND a2.value = a1.value AND a2.format != a1.format
     WHERE a1.rule = ? LIMIT ${CONFIRM_LIMITS.candidates}`,
  );
  const ins = db.prepare('INSERT INTO event_confirmed (rule, other, test) VALUES (?,?,?)');
  const cache = new Map<number, { format: Format; condition: Expr | undefined }>();
  const load = (rid: number): { format: Format; condition: Expr | undefined } | undefined => {
    let r = cache.get(rid);
    if (!r) {
      const row = conditionOf.get(rid) as { format: Format; cond: string | null } | undefined;
      if (!row) return undefined;
      r = { format: row.format, condition: row.cond ? (JSON.parse(row.cond) as Expr) : undefined };
      if (cache.size > 2000) cache.clear();
      cache.set(rid, r);
    }
    return r;
  };
  let pairs = 0;
  let rulesWithEvents = 0;
  // inside the build's own transaction (a build commits as a whole); a savepoint otherwise
  const run = db.transaction(() => {
    for (const { rule: rid } of withKeys) {
      if (!tested.has(rid)) continue;
      const row = testsOf.get(rid) as { format: Format; tests: string | null } | undefined;
      if (!row?.tests) continue;
      const rule = { format: row.format, tests: JSON.parse(row.tests) as RuleRecord['tests'] };
      const events = positiveEvents(rule).map((e) => ({ ...e, canon: new Map<string, CanonicalEvent>(), views: new Map<string, Record<string, unknown>>() }));
      if (!events.length) continue;
      rulesWithEvents++;
      const vA = vocabularyFor(rule.format)!;
      for (const c of cands.all(rid) as { rule: number; ls: string }[]) {
        const other = load(c.rule);
        const vB = other && vocabularyFor(other.format);
        if (!other || !vB || !other.condition) continue;
        const resolve = adapterFor(other.format as Format)?.resolveField;
        for (const ev of events) {
          // the event in B's view, made once per log source and vocabulary (a rule has tens of candidates)
          const key = `${c.ls}\u0000${other.format}`;
          let native = ev.views.get(key);
          if (!native) {
            let canon = ev.canon.get(c.ls);
            if (!canon) ev.canon.set(c.ls, (canon = canonicalEvent(ev.event, vA, c.ls)));
            ev.views.set(key, (native = inVocabulary(canon, vB, c.ls)));
          }
          if (evaluate(other.condition, native, resolve ? { resolve } : {}) === true) {
            ins.run(rid, c.rule, ev.name);
            pairs++;
            break;
          }
        }
      }
    }
  });
  run();
  return { pairs, rulesWithEvents };
}

function positiveEvents(rule: Pick<RuleRecord, 'tests'>): { name: string; event: unknown }[] {
  const out: { name: string; event: unknown }[] = [];
  for (const t of rule.tests) {
    if (!t.expected) continue;
    if (t.event && typeof t.event === 'object') out.push({ name: t.name, event: t.event });
    else if (t.events) for (const e of t.events.slice(0, 2)) if (e && typeof e === 'object') out.push({ name: t.name, event: e });
    if (out.length >= CONFIRM_LIMITS.eventsPerRule) break;
  }
  return out;
}

/**
 * One event of language A as language B sees it, for log source `ls`: A's field paths onto canonical names, the
 * derived file names, then B's names (its table entries and, for raw-name languages, the canonical names as they
 * are). Values are kept; value maps are not reversed (a mapped value stays canonical).
 */
export function reexpressEvent(event: unknown, vA: Vocabulary, vB: Vocabulary, ls: string): Record<string, unknown> {
  return inVocabulary(canonicalEvent(event, vA, ls), vB, ls);
}

/** An event on canonical names (for one log source), with its names in lower case for lookups. */
interface CanonicalEvent {
  readonly canon: Readonly<Record<string, unknown>>;
  readonly lower: ReadonlyMap<string, unknown>;
}

/** A's field paths onto canonical names, and the file names derived from path values. */
function canonicalEvent(event: unknown, vA: Vocabulary, ls: string): CanonicalEvent {
  const canon: Record<string, unknown> = {};
  for (const [path, value] of flatten(event, '', 0)) {
    const f = canonicalField(vA, ls, path);
    if (f && canon[f] === undefined) canon[f] = value;
  }
  for (const k of Object.keys(canon)) {
    const v = canon[k];
    if (typeof v === 'string' && !k.endsWith(':name')) {
      const cut = Math.max(v.lastIndexOf('\\'), v.lastIndexOf('/'));
      if (cut >= 0 && canon[`${k}:name`] === undefined) canon[`${k}:name`] = v.slice(cut + 1);
    }
  }
  const lower = new Map<string, unknown>();
  for (const [k, v] of Object.entries(canon)) if (!lower.has(k.toLowerCase())) lower.set(k.toLowerCase(), v);
  return { canon, lower };
}

/** A canonical event under B's names: its table entries and, for raw-name languages, the canonical names as they are. */
function inVocabulary(ev: CanonicalEvent, vB: Vocabulary, ls: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...ev.canon };
  for (const table of [vB.fields['*'], vB.fields[ls]]) {
    if (!table) continue;
    for (const [native, c] of Object.entries(table)) {
      const v = ev.canon[c] ?? ev.lower.get(c.toLowerCase());
      if (v !== undefined) out[native] = v;
    }
  }
  return out;
}

/** Leaf values of a JSON event as dotted paths (bounded depth). */
function flatten(v: unknown, prefix: string, depth: number): [string, unknown][] {
  if (depth > 8 || v === null || typeof v !== 'object' || Array.isArray(v)) return prefix ? [[prefix, v]] : [];
  const out: [string, unknown][] = [];
  if (prefix) out.push([prefix, v]);
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out.push(...flatten(x, prefix ? `${prefix}.${k}` : k, depth + 1));
  return out;
}
