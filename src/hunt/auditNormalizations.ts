/**
 * How Auditbeat names an audit event (`event.action`, `event.category`, `event.type`, and who and what it is about),
 * per system call or record type: the normalizations of Elastic's go-libaudit (`aucoalesce/normalizations.yaml`), the
 * library Auditbeat and Elastic Agent's Auditd Manager make their documents with. They are upstream data, not part of
 * this project: `detwiki sync` brings the file into the cache (`syncAuditNormalizations`), and this module reads it at
 * run time, in go-libaudit's own format (`LoadNormalizationConfig`: YAML, `macros` as anchors, `<<` merge keys).
 * Without the file, documents are still made, without the names (`auditNormalizationsNotice` says so).
 *
 * - `syscalls` / `recordTypes`: what the entry applies to (`*`: any system call without an entry of its own);
 * - `action`: `event.action`; `what`: the object's kind (`file`, `socket`, `user-session`, …);
 * - `subjectPrimary` … `objectSecondary`, `how`, `sourceIp`: the data fields that fill the summary (the first found);
 * - `pathIndex`: which PATH record is the file; `hasFields`: the entry applies only when these fields are present
 *   (two entries for one record type);
 * - `kind`, `category`, `type`: ECS `event.*`; `mappings`: summary values copied to `user`, `user.effective`,
 *   `user.target`, `user.changes` or `group`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isMap, isSeq, parseDocument } from 'yaml';
import { syncedAuditNormalizations } from '../catalog/paths.ts';
import { lineColAt } from '../model/span.ts';

export interface AuditNormalization {
  readonly action?: string;
  readonly what?: string;
  readonly subjectPrimary?: readonly string[];
  readonly subjectSecondary?: readonly string[];
  readonly objectPrimary?: readonly string[];
  readonly objectSecondary?: readonly string[];
  readonly how?: readonly string[];
  readonly sourceIp?: readonly string[];
  readonly pathIndex?: number;
  readonly hasFields?: readonly string[];
  readonly kind?: string;
  readonly category?: readonly string[];
  readonly type?: readonly string[];
  readonly mappings?: readonly (readonly [from: string, to: string])[];
  readonly syscalls?: readonly string[];
  readonly recordTypes?: readonly string[];
}

/** The normalizations by system call and by record type, as go-libaudit indexes them. */
export interface AuditNormalizationTable {
  readonly file: string;
  readonly entries: number;
  readonly bySyscall: ReadonlyMap<string, AuditNormalization>;
  readonly byRecordType: ReadonlyMap<string, readonly AuditNormalization[]>;
}

/** Where a mapping may read from (`readReference`): a summary value, or a data or id field by name. */
const FROM_FIELDS = new Set(['subject.primary', 'subject.secondary', 'object.primary', 'object.secondary']);
const FROM_DICTS = ['data.', 'uid.'];
/** Where a mapping may write (`writeReference`). */
const TO_FIELDS = new Set(['user', 'user.effective', 'user.target', 'user.changes', 'group']);

/** Input bigger than this is not a normalization table (go-libaudit's is about 60 kB). */
const MAX_BYTES = 8 * 1024 * 1024;

/**
 * Read go-libaudit's normalization file (its text, and its name for the messages). An entry that go-libaudit would
 * refuse to load (a value of the wrong type, a mapping to or from an unknown place, a system call named twice, a record
 * type named twice without `has_fields`) makes the whole file unusable, as it does there: `errors` says where.
 */
export function parseAuditNormalizations(text: string, file: string): { table?: AuditNormalizationTable; errors: string[] } {
  const errors: string[] = [];
  if (text.length > MAX_BYTES) return { errors: [`${file}: ${text.length} bytes: too big for a normalization file`] };
  const doc = parseDocument(text, { merge: true, prettyErrors: false });
  for (const e of doc.errors) errors.push(`${file}:${lineColAt(text, e.pos[0]).line}: ${e.message.split('\n')[0]}`);
  if (errors.length) return { errors };
  const root = doc.contents;
  const list = isMap(root) ? root.get('normalizations', true) : undefined;
  if (!isSeq(list)) return { errors: [`${file}: no \`normalizations\` list`] };
  const norms: AuditNormalization[] = [];
  list.items.forEach((item, i) => {
    const at = `${file}:${lineColAt(text, (item as { range?: number[] }).range?.[0] ?? 0).line}: normalization ${i + 1}`;
    if (!isMap(item)) return void errors.push(`${at}: not a mapping`);
    let value: Record<string, unknown>;
    try {
      // aliases expanded per entry, boundedly: a file of nested aliases is an error, not a blow-up
      value = item.toJS(doc, { maxAliasCount: 1000 }) as Record<string, unknown>;
    } catch (e) {
      return void errors.push(`${at}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const n = normalization(value, at, errors);
    if (n) norms.push(n);
  });
  const bySyscall = new Map<string, AuditNormalization>();
  const byRecordType = new Map<string, AuditNormalization[]>();
  for (const n of norms) {
    for (const s of n.syscalls ?? []) {
      if (bySyscall.has(s)) errors.push(`${file}: two normalizations for system call ${s}`);
      bySyscall.set(s, n);
    }
    for (const t of n.recordTypes ?? []) {
      const had = byRecordType.get(t) ?? [];
      if (had.some((h) => !h.hasFields?.length)) errors.push(`${file}: two normalizations for record type ${t}, one without has_fields`);
      byRecordType.set(t, [...had, n]);
    }
  }
  if (errors.length) return { errors };
  if (!norms.length) return { errors: [`${file}: the \`normalizations\` list is empty`] };
  return { table: { file, entries: norms.length, bySyscall, byRecordType }, errors };
}

/** One entry, its values checked as go-libaudit's YAML decoding checks them (`Strings`: a string or a list of them). */
function normalization(o: Record<string, unknown>, at: string, errors: string[]): AuditNormalization | undefined {
  const before = errors.length;
  const strings = (key: string, from: Record<string, unknown> = o): string[] | undefined => {
    const v = from[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return [v];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    errors.push(`${at}: \`${key}\` is not a string or a list of strings`);
    return undefined;
  };
  const string = (key: string, from: Record<string, unknown> = o): string | undefined => {
    const v = from[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    errors.push(`${at}: \`${key}\` is not a string`);
    return undefined;
  };
  const pathIndex = o.object_path_index;
  if (pathIndex !== undefined && !(Number.isInteger(pathIndex) && (pathIndex as number) >= 0)) errors.push(`${at}: \`object_path_index\` is not a whole number`);
  const ecs = o.ecs ?? {};
  if (typeof ecs !== 'object' || Array.isArray(ecs)) errors.push(`${at}: \`ecs\` is not a mapping`);
  const e = (typeof ecs === 'object' && !Array.isArray(ecs) ? ecs : {}) as Record<string, unknown>;
  const mappings: [string, string][] = [];
  if (e.mappings !== undefined && !Array.isArray(e.mappings)) errors.push(`${at}: \`ecs.mappings\` is not a list`);
  for (const m of Array.isArray(e.mappings) ? e.mappings : []) {
    const from = (m as { from?: unknown })?.from;
    const to = (m as { to?: unknown })?.to;
    if (typeof from !== 'string' || !(FROM_FIELDS.has(from) || FROM_DICTS.some((d) => from.startsWith(d) && from.length > d.length))) errors.push(`${at}: mapping from ${JSON.stringify(from)}: not a field go-libaudit reads`);
    else if (typeof to !== 'string' || !TO_FIELDS.has(to)) errors.push(`${at}: mapping to ${JSON.stringify(to)}: not a field go-libaudit writes`);
    else mappings.push([from, to]);
  }
  const n: AuditNormalization = {
    action: string('action'),
    what: string('object_what'),
    subjectPrimary: strings('subject_primary'),
    subjectSecondary: strings('subject_secondary'),
    objectPrimary: strings('object_primary'),
    objectSecondary: strings('object_secondary'),
    how: strings('how'),
    sourceIp: strings('source_ip'),
    pathIndex: pathIndex as number | undefined,
    hasFields: strings('has_fields'),
    kind: string('kind', e),
    category: strings('category', e),
    type: strings('type', e),
    mappings: mappings.length ? mappings : undefined,
    syscalls: strings('syscalls'),
    recordTypes: strings('record_types'),
  };
  return errors.length === before ? n : undefined;
}

/** The file read at run time: `$DETWIKI_AUDIT_NORMALIZATIONS`, else the one `detwiki sync` keeps in the cache. */
export function auditNormalizationsFile(): string {
  return process.env.DETWIKI_AUDIT_NORMALIZATIONS || syncedAuditNormalizations();
}

let loaded: { file: string; table?: AuditNormalizationTable; problem?: string } | undefined;

/** The normalizations, read once per file (undefined when the file is missing or unusable: see the notice). */
export function auditNormalizations(): AuditNormalizationTable | undefined {
  const file = auditNormalizationsFile();
  if (loaded?.file !== file) {
    if (!existsSync(file)) loaded = { file, problem: `${file} is not there` };
    else {
      let text: string | undefined;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        loaded = { file, problem: `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}` };
      }
      if (text !== undefined) {
        const { table, errors } = parseAuditNormalizations(text, file);
        loaded = table ? { file, table } : { file, problem: `${errors[0]}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}` };
      }
    }
  }
  return loaded!.table;
}

/**
 * What to tell the user of documents made without go-libaudit's normalizations (a hunt that made some: its counts'
 * `made`): they have no `event.action`, `event.category` nor `event.type`, so rules that test those do not fire on them.
 */
export function auditNormalizationsNotice(): string | undefined {
  if (auditNormalizations() || !loaded) return undefined;
  return `Auditbeat's documents were made without go-libaudit's normalizations (${loaded.problem}): they have no event.action, event.category nor event.type, so rules testing those cannot fire on them. \`detwiki sync\` brings the file (or set DETWIKI_AUDIT_NORMALIZATIONS to a copy of go-libaudit's aucoalesce/normalizations.yaml).`;
}
