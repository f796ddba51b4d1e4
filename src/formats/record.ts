/**
 * The rule-record and rule-source builders every adapter uses: an adapter states what it read, the builder fills
 * the defaults (empty lists, no facts, status `unknown`) and leaves out what is absent, so no adapter writes a
 * record field by field with conditional spreads.
 */
import type { Format, Kind, Status } from '../model/facts.ts';
import { buildLogic, type Lowering } from '../model/lowering.ts';
import { lineColAt } from '../model/span.ts';
import type { BodyFile, LogSource, Logic, RuleRecord, RuleSource } from '../model/rule.ts';
import type { SourceInfo } from './adapter.ts';

/** A file path as a URL path: each segment percent-encoded once (`Microsoft Entra ID` → `Microsoft%20Entra%20ID`). */
export function encodeUrlPath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/**
 * Where a rule lives upstream: the source's repository, commit and licence, and the link to the file (encoded
 * once here; pages use it as is). `lines` is the rule's line range in a multi-rule file; `anchor` a fragment
 * for the link (`L3-L40`).
 */
/** Log sources without repeats (same kind and name), in first-seen order. */
export function uniqueLogSources(ls: readonly LogSource[]): LogSource[] {
  const seen = new Set<string>();
  return ls.filter((l) => {
    const k = `${l.kind}:${l.name}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function ruleSource(source: SourceInfo, path: string, opts: { lines?: RuleSource['lines']; anchor?: string } = {}): RuleSource {
  return compact({
    repository: source.repository,
    path,
    lines: opts.lines,
    commit: source.commit,
    licence: source.licence,
    url: source.urlBase ? source.urlBase + encodeUrlPath(path) + (opts.anchor ? `#${opts.anchor}` : '') : undefined,
  }) as RuleSource;
}

type Optional<T, K extends keyof T> = Omit<T, K> & { readonly [P in K]?: T[P] | undefined };

/**
 * What an adapter states about a rule. Lists default to empty, `facts` to `{}`, `status` to `unknown`, `attack`
 * (filled by resolution) to empty; `logic` may be given as the lowering, which `buildLogic` turns into logic.
 * Optional fields that are `undefined` or `''` are left out of the record.
 */
export type RecordInput = Optional<
  Omit<RuleRecord, 'logic' | 'status' | 'kind'>,
  | 'nativeId'
  | 'nativeType'
  | 'description'
  | 'references'
  | 'runbook'
  | 'falsePositives'
  | 'author'
  | 'created'
  | 'modified'
  | 'version'
  | 'tags'
  | 'severity'
  | 'severityNative'
  | 'statusNative'
  | 'enabled'
  | 'logSources'
  | 'attackDeclared'
  | 'attack'
  | 'tests'
  | 'diagnostics'
  | 'facts'
> & {
  readonly format: Format;
  readonly status?: Status;
  readonly kind: Kind;
  readonly logic: Logic | Lowering;
};

/** The rule record of what an adapter read. */
/**
 * A rule's body when its file holds several rules (Markdown of many queries, an export of many rules, a
 * savedsearches.conf): the whole file with the rule's part as its range, so that spans (file offsets) and lines
 * read on it; or, for a file over `WHOLE_FILE_BODY` characters, the part alone under the name `file:line`, since
 * the catalog stores a rule's body with it and a file of many rules would be stored once a rule.
 */
export function bodyPart(path: string, language: string, text: string, range: { readonly start: number; readonly end: number }, line?: number): BodyFile {
  if (text.length <= WHOLE_FILE_BODY) return { path, language, text, range };
  // `line`: the part's first line, when the caller knows it (counting lines for each of many parts is quadratic)
  return { path: `${path}:${line ?? lineColAt(text, range.start).line}`, language, text: text.slice(range.start, range.end) };
}

/** Files of several rules up to this many characters are each rule's body whole (`bodyPart`). */
export const WHOLE_FILE_BODY = 64 * 1024;

export function ruleRecord(input: RecordInput): RuleRecord {
  const logic = 'completeness' in input.logic ? input.logic : buildLogic(input.logic);
  return compact({
    id: input.id,
    format: input.format,
    nativeId: input.nativeId,
    nativeType: input.nativeType,
    source: input.source,
    title: input.title,
    description: input.description,
    references: input.references ?? [],
    runbook: input.runbook,
    falsePositives: input.falsePositives ?? [],
    author: input.author,
    created: input.created,
    modified: input.modified,
    version: input.version,
    tags: input.tags ?? [],
    severity: input.severity,
    severityNative: input.severityNative,
    status: input.status ?? 'unknown',
    statusNative: input.statusNative,
    enabled: input.enabled,
    kind: input.kind,
    kindReason: input.kindReason,
    logSources: input.logSources ?? [],
    attackDeclared: input.attackDeclared ?? [],
    attack: input.attack ?? [],
    body: input.body,
    logic,
    tests: input.tests ?? [],
    diagnostics: input.diagnostics ?? [],
    facts: input.facts ?? {},
  }) as RuleRecord;
}

/** The object without its `undefined` and `''` fields. */
function compact<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined || o[k] === '') delete o[k];
  return o;
}
