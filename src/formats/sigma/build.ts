/**
 * The whole Sigma source at once: every file classified (rule YAML parsed; regression data attached as tests;
 * documentation and tool files skipped with a reason), then the links that cross files resolved: filters applied
 * to the rules they target, correlations given the conditions of the rules they aggregate, regression tests
 * attached to the rules they name.
 */
import { isMap, isScalar, YAMLMap, type Node } from 'yaml';
import { GeneralDiagnostics, type Diagnostic } from '../../model/diagnostics.ts';
import { and, opaque, or, type Expr } from '../../model/expr.ts';
import type { Aggregation, BodyFile, CorrelationSide, MissingPart, RuleRecord, RuleTest, Stage } from '../../model/rule.ts';
import type { FileResult, SourceInfo } from '../adapter.ts';
import { ruleRecord } from '../record.ts';
import { readSourceText, type ReadResult } from '../io.ts';
import { parseCorrelation, type ParsedCorrelation } from './correlation.ts';
import { SigmaDiagnostics } from './diagnostics.ts';
import { lowerDetection } from './lower.ts';
import { folderFact, kindOf, readMetadata, ruleSource, slugOf, type Metadata } from './metadata.ts';
import { readRegressionData, type RegressionData } from './regression.ts';
import { getPair, keyText, nodeSpan, parseSigmaFile, plain, atOffset, type SigmaDocument, type SigmaFile } from './syntax.ts';

export const SIGMA_PARSER = 'Sigma YAML + condition grammar (peggy)';

/** One document on its way to a rule record. */
interface Draft {
  readonly path: string;
  readonly docKind: 'rule' | 'correlation' | 'filter';
  /**
   * What later steps need of the file and the document: their text, line table and offsets. Not the YAML documents
   * themselves: the whole source's drafts are held until every link is made, and its YAML trees were most of the
   * building thread's memory.
   */
  readonly file: DraftFile;
  readonly doc: Pick<SigmaDocument, 'range'>;
  readonly meta: Metadata;
  readonly diagnostics: Diagnostic[];
  stages: Stage[];
  condition?: Expr;
  missing: MissingPart[];
  aggregation?: Aggregation;
  body: BodyFile[];
  tests: RuleTest[];
  facts: Record<string, unknown>;
  correlation?: ParsedCorrelation;
  /** Filters: targets and the condition as applied to other rules (selection names prefixed). */
  filter?: { readonly targets: readonly string[]; readonly applied?: Expr; readonly stage: Stage };
  note?: string;
}

/** A rule a correlation names (`ref`, as the correlation lists it), found in the source with its condition. */
interface Correlated {
  readonly ref: string;
  readonly draft: Draft;
  readonly condition: Expr;
}

/** The parts of a Sigma file a draft keeps. */
type DraftFile = Pick<SigmaFile, 'path' | 'text' | 'lines'>;

export interface SigmaBuild {
  /**
   * A file's result, made when asked for and then forgotten (each file is asked for once, by `parseFile`): the
   * records of a whole source are not held at once.
   */
  take(path: string): FileResult | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

/** Every file's result at once (tests, single files). */
export function allResults(build: SigmaBuild, files: readonly string[]): Map<string, FileResult> {
  const out = new Map<string, FileResult>();
  for (const f of files) {
    const r = build.take(f);
    if (r) out.set(f, r);
  }
  return out;
}

/** Why a file that is not a rule is skipped. */
function skipReason(path: string): string | undefined {
  const name = path.split('/').pop()!;
  const lower = name.toLowerCase();
  if (lower.startsWith('license') || lower.startsWith('licence')) return 'licence text';
  if (lower.endsWith('.md')) return 'documentation (Markdown)';
  if (path.startsWith('other/') && lower.endsWith('.json')) return 'ATT&CK Navigator coverage layer generated from the rules, not a rule';
  if (path.startsWith('deprecated/') && (lower.endsWith('.json') || lower.endsWith('.csv'))) return 'generated index of deprecated rules, not a rule';
  if (path === 'tests/logsource.json') return 'SigmaHQ test configuration (log source list), not a rule';
  if (!/\.ya?ml$/i.test(lower)) return `not a Sigma YAML file (${lower.includes('.') ? lower.slice(lower.lastIndexOf('.')) : 'no extension'})`;
  return undefined;
}

export async function buildSigmaSource(root: string, files: readonly string[], source: SourceInfo): Promise<SigmaBuild> {
  const regression = await readRegressionData(root, files);
  const texts = await readAll(root, files.filter((p) => !p.startsWith('regression_data/') && !skipReason(p)));
  // the whole source is built here, seconds of work: give the event loop a turn every few files (in a build, the
  // building thread then goes on handing jobs to the scan workers and writing their results meanwhile)
  const steps = linkSource(files, texts, regression, source);
  for (let r = steps.next(); ; r = steps.next()) {
    if (r.done) return r.value;
    await new Promise((res) => setImmediate(res));
  }
}

/** Build from texts in memory (tests, single files): no regression data; every file's result. */
export function buildSigmaTexts(texts: Readonly<Record<string, string>>, source: SourceInfo = { repository: 'local' }): { readonly results: ReadonlyMap<string, FileResult>; readonly diagnostics: readonly Diagnostic[] } {
  const files = Object.keys(texts).sort();
  const read = new Map<string, ReadResult>(files.map((f) => [f, { ok: true, text: texts[f]! }]));
  const steps = linkSource(files, read, { entries: [], diagnostics: [], supportFiles: new Set() }, source);
  for (let r = steps.next(); ; r = steps.next()) if (r.done) return { results: allResults(r.value, files), diagnostics: r.value.diagnostics };
}

/** Files built between two yields of `linkSource` (a turn of the event loop for an asynchronous caller). */
const LINK_YIELD_EVERY = 64;

/** Build every file, link across files, make the records; yields every LINK_YIELD_EVERY files, returns the build. */
function* linkSource(files: readonly string[], texts: ReadonlyMap<string, ReadResult>, regression: RegressionData, source: SourceInfo): Generator<void, SigmaBuild> {
  let n = 0;
  const results = new Map<string, FileResult>();
  const drafts: Draft[] = [];
  const fileDrafts = new Map<string, Draft[]>();
  const fileDiags = new Map<string, Diagnostic[]>();
  /** Files with a rule (a document with `detection` or `correlation`) that failed to parse: errors wherever they are. */
  const failedRules = new Set<string>();
  for (const path of files) {
    if (path.startsWith('regression_data/')) {
      const used = regression.supportFiles.has(path);
      results.set(path, { path, outcome: 'support', reason: used ? 'SigmaHQ regression data: attached as tests to the rule it names' : 'SigmaHQ regression data (raw log without JSON rendering)', rules: [], diagnostics: [] });
      continue;
    }
    const skip = skipReason(path);
    if (skip) {
      results.set(path, { path, outcome: 'skipped', reason: skip, rules: [], diagnostics: [] });
      continue;
    }
    const read = texts.get(path)!;
    if (!read.ok) {
      results.set(path, { path, outcome: 'error', rules: [], diagnostics: [read.diagnostic] });
      continue;
    }
    if (++n % LINK_YIELD_EVERY === 0) yield;
    const file = parseSigmaFile(path, read.text);
    const diags: Diagnostic[] = [...file.diagnostics];
    const mine: Draft[] = [];
    for (const d of file.docs) {
      const draft = draftOf(file, d, diags);
      if (draft) mine.push(draft);
    }
    drafts.push(...mine);
    fileDrafts.set(path, mine);
    fileDiags.set(path, diags);
    if (file.failedRules) failedRules.add(path);
  }

  // ---- links across files ----
  const byRef = new Map<string, Draft[]>();
  const index = (k: string | undefined, d: Draft) => {
    if (!k) return;
    const l = byRef.get(k);
    if (l) l.push(d);
    else byRef.set(k, [d]);
  };
  for (const d of drafts) if (d.docKind !== 'filter') {
    index(d.meta.nativeId, d);
    index(d.meta.name, d);
  }
  for (const f of drafts) {
    if (!f.filter) continue;
    for (const t of f.filter.targets) {
      const targets = byRef.get(t) ?? [];
      if (targets.length === 0) f.diagnostics.push(SigmaDiagnostics.filterTargetMissing(f.path, t, atOffset(f.file.lines, f.doc.range.start)));
      for (const r of targets) applyFilter(r, f);
    }
  }
  const resolving = new Set<Draft>();
  const rowCondition = (d: Draft): Expr | undefined => {
    if (!d.correlation) return d.condition;
    if (d.condition) return d.condition;
    if (resolving.has(d)) return opaque(d.meta.title ?? d.path, 'correlation refers to itself');
    resolving.add(d);
    const parts: Expr[] = [];
    const targets: Correlated[] = [];
    for (const ref of d.correlation.rules) {
      const target = byRef.get(ref)?.[0];
      if (!target) {
        d.diagnostics.push(SigmaDiagnostics.correlationTargetMissing(d.path, ref, atOffset(d.file.lines, d.correlation.rulesSpan.start)));
        parts.push(opaque(ref, `correlated rule "${ref}" is not in this source`));
        continue;
      }
      const c = rowCondition(target);
      parts.push(c ? { kind: 'and', args: [c], name: ref } : opaque(ref, `correlated rule "${ref}" has no condition`));
      if (c) targets.push({ ref, draft: target, condition: c });
    }
    resolving.delete(d);
    d.condition = or(...parts);
    if (targets.length === d.correlation.rules.length) temporalSides(d, d.correlation, targets);
    return d.condition;
  };
  for (const d of drafts) if (d.correlation) rowCondition(d);
  const regressionDiags: Diagnostic[] = [...regression.diagnostics];
  for (const e of regression.entries) {
    for (const id of e.ruleIds) {
      const targets = (byRef.get(id) ?? []).filter((d) => d.meta.nativeId === id);
      if (targets.length === 0) regressionDiags.push(SigmaDiagnostics.regressionTargetMissing(e.infoPath, `regression test names rule ${id}, which is not in this source`));
      for (const t of targets) {
        t.tests.push(...e.tests);
        t.facts['regressionData'] = e.infoPath;
      }
    }
  }

  // ---- records: made per file when the file's result is taken (every link is made by now) ----
  const record = (path: string, mine: readonly Draft[]): FileResult => {
    const diags = fileDiags.get(path)!;
    const rules = mine.map((d) => toRecord(d, source));
    for (const d of mine) diags.push(...d.diagnostics.filter((x) => !diags.includes(x)));
    if (rules.length > 0) return { path, outcome: 'parsed', rules, diagnostics: diags };
    if (folderFact(path) || failedRules.has(path)) return { path, outcome: 'error', rules: [], diagnostics: diags.length ? diags : [SigmaDiagnostics.notARule(path)] };
    if (diags.length) return { path, outcome: 'skipped', reason: 'YAML outside the rule folders that does not parse as Sigma: not read as a rule (see diagnostics)', rules: [], diagnostics: diags };
    return { path, outcome: 'skipped', reason: 'YAML that is not a Sigma rule, correlation or filter (tool configuration or pipeline)', rules: [], diagnostics: [] };
  };
  // the links are made: a draft is now held by its file's entry only (and dropped when that is taken)
  drafts.length = 0;
  byRef.clear();
  return {
    take(path) {
      const done = results.get(path);
      if (done) {
        results.delete(path);
        return done;
      }
      const mine = fileDrafts.get(path);
      if (!mine) return undefined;
      const r = record(path, mine);
      fileDrafts.delete(path);
      fileDiags.delete(path);
      return r;
    },
    diagnostics: regressionDiags,
  };
}

/** Read files concurrently (async reads are slow one at a time). */
async function readAll(root: string, paths: readonly string[]): Promise<Map<string, ReadResult>> {
  const out = new Map<string, ReadResult>();
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const p = paths[next++]!;
      out.set(p, await readSourceText(root, p));
    }
  };
  await Promise.all(Array.from({ length: READ_CONCURRENCY }, worker));
  return out;
}

const READ_CONCURRENCY = 32;

function draftOf(file: SigmaFile, d: SigmaDocument, fileDiags: Diagnostic[]): Draft | undefined {
  const has = (k: string) => getPair(d.map, k) !== undefined;
  // a `correlation` that is text beside a `detection` is a note (some repositories describe the pairing in words)
  const corr = getPair(d.map, 'correlation');
  const noteOnly = corr !== undefined && isScalar(corr.value) && has('detection');
  if (noteOnly) fileDiags.push(SigmaDiagnostics.correlationNote(file.path, atOffset(file.lines, nodeSpan(file.path, corr.key as Node, d.range.start).start)));
  const docKind = has('correlation') && !noteOnly ? 'correlation' : has('filter') ? 'filter' : has('detection') ? 'rule' : undefined;
  if (!docKind) {
    // in a rule folder every document must be a rule; elsewhere YAML of other kinds is skipped
    if (folderFact(file.path) || has('logsource')) fileDiags.push(SigmaDiagnostics.notARule(file.path, atOffset(file.lines, d.range.start)));
    return undefined;
  }
  const diagnostics: Diagnostic[] = [];
  const meta = readMetadata(file, d);
  if (meta.title === undefined) diagnostics.push(GeneralDiagnostics.missingField(file.path, 'title', atOffset(file.lines, d.range.start)));
  const draft: Draft = {
    path: file.path,
    docKind,
    file: { path: file.path, text: file.text, lines: file.lines },
    doc: { range: d.range },
    meta,
    diagnostics,
    stages: meta.logsourceStage ? [meta.logsourceStage] : [],
    missing: [],
    body: [{ path: file.path, language: 'yaml', text: file.text, range: d.range }],
    tests: [],
    facts: { ...meta.facts },
  };
  const section = getPair(d.map, docKind === 'rule' ? 'detection' : docKind)!.value;
  switch (docKind) {
    case 'rule': {
      if (!isMap(section)) {
        diagnostics.push(SigmaDiagnostics.badShape(file.path, '`detection` must be a map of selections and a condition', atOffset(file.lines, d.range.start)));
        break;
      }
      const det = lowerDetection(file, section as YAMLMap);
      diagnostics.push(...det.diagnostics);
      draft.stages.push(...det.stages);
      if (det.condition) draft.condition = det.condition;
      draft.missing.push(...det.missing);
      if (det.aggregation) draft.aggregation = det.aggregation;
      if (det.timeframe) draft.facts['timeframe'] = det.timeframe;
      break;
    }
    case 'filter': {
      if (!isMap(section)) {
        diagnostics.push(SigmaDiagnostics.badShape(file.path, '`filter` must be a map with rules, selections and a condition', atOffset(file.lines, d.range.start)));
        break;
      }
      const map = section as YAMLMap;
      const rulesPair = getPair(map, 'rules');
      const targets = rulesPair?.value ? toStrings(plain(rulesPair.value as Node, d.doc)) : [];
      const det = withoutRules(map);
      const own = lowerDetection(file, det);
      diagnostics.push(...own.diagnostics);
      draft.stages.push(...own.stages);
      if (own.condition) draft.condition = own.condition;
      const prefix = `${slugOf(file.path)}.`;
      const applied = lowerDetection(file, det, prefix);
      const span = { file: file.path, start: d.range.start, end: d.range.end };
      draft.filter = {
        targets,
        ...(applied.condition ? { applied: applied.condition } : {}),
        stage: { kind: 'filter', label: `filter ${slugOf(file.path)}`, text: file.text.slice(d.range.start, d.range.end), span, detail: { filter: meta.title ?? slugOf(file.path), rules: targets } },
      };
      draft.facts['filterTargets'] = targets;
      draft.note = 'A Sigma filter is applied to the rules it targets: their condition is ANDed with this one.';
      break;
    }
    case 'correlation': {
      const c = parseCorrelation(file, d, diagnostics);
      if (!c) break;
      draft.correlation = c;
      draft.stages.push(c.stage);
      draft.aggregation = c.aggregation;
      Object.assign(draft.facts, c.facts);
      if (c.comparisons.length === 0)
        draft.missing.push({ kind: 'correlation', text: c.aggregation.text ?? c.type, reason: `correlation: ${c.type} alerts when every correlated rule matches within ${c.aggregation.window}${c.type === 'temporal_ordered' ? ', in order' : ''}; one event cannot show it` });
      else if (c.comparisons.length > 1) draft.missing.push({ kind: 'aggregation', text: c.aggregation.text ?? c.type, reason: 'aggregation: the rule alerts on a count in a range over matching events, not on one event' });
      break;
    }
  }
  if (meta.fieldsStage) draft.stages.push(meta.fieldsStage);
  return draft;
}

/**
 * A temporal correlation over every rule it names (`temporal` or `temporal_ordered` without a `condition`) stated side
 * by side: one side per correlated rule, each an event of that rule, all within the timespan and pairing on the
 * group-by fields (each rule's own field through `aliases`); `temporal_ordered` also puts each side's event after the
 * previous side's (by the events' own times: Sigma names no time field; equal times in input order). The
 * specification leaves two things to the backend, so both are unknown here: whether events that lack a group-by field
 * group together (SQL groups nulls, Splunk's `stats … by` drops them), and whether one event matching two of the rules
 * counts for both. A `condition` over how many of the rules matched stays a missing part.
 */
function temporalSides(d: Draft, c: ParsedCorrelation, targets: readonly Correlated[]): void {
  if ((c.type !== 'temporal' && c.type !== 'temporal_ordered') || c.comparisons.length > 0 || !d.aggregation || targets.length < 2) return;
  const ordered = c.type === 'temporal_ordered';
  const time = (side: number) => ({ side, field: '', eventTime: true });
  const groupBy = d.aggregation.groupBy;
  const keysOf = (t: Correlated): string[] =>
    groupBy.map((g) => {
      const perRule = c.aliases[g];
      return perRule?.[t.ref] ?? (t.draft.meta.name !== undefined ? perRule?.[t.draft.meta.name] : undefined) ?? (t.draft.meta.nativeId !== undefined ? perRule?.[t.draft.meta.nativeId] : undefined) ?? g;
    });
  const first = keysOf(targets[0]!);
  const names = targets.map((t) => t.draft.meta.title ?? t.ref);
  const sides: CorrelationSide[] = targets.map((t, i) => ({
    name: names[i]!,
    condition: t.condition,
    presence: 'required',
    keys: i === 0 ? first : keysOf(t),
    ...(i > 0 ? { partner: 0, partnerKeys: first } : {}),
    ...(groupBy.length ? { keysNullUnknown: true } : {}),
    sameEventUnknown: true,
    ...(ordered && i > 0 ? { constraints: [{ kind: 'time' as const, from: time(i - 1), to: time(i), minMs: 0, later: true, text: `${names[i]} after ${names[i - 1]}` }] } : {}),
    text: t.ref,
  }));
  d.aggregation = { ...d.aggregation, sides };
  d.missing = d.missing.filter((m) => m.kind !== 'correlation');
}

function withoutRules(map: YAMLMap): YAMLMap {
  const out = new YAMLMap();
  out.items = map.items.filter((p) => keyText(p as never) !== 'rules');
  out.range = map.range;
  return out;
}

function toStrings(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => String(x));
}

/** A filter applies to a rule: its condition is ANDed with the rule's; its text joins the rule's body and stages. */
function applyFilter(rule: Draft, f: Draft): void {
  if (!f.filter?.applied || !rule.condition) return;
  rule.condition = and(rule.condition, f.filter.applied);
  rule.stages.push(f.filter.stage);
  if (!rule.body.some((b) => b.path === f.path)) rule.body.push({ path: f.path, language: 'yaml', text: f.file.text, range: f.doc.range });
  const list = (rule.facts['filters'] as string[] | undefined) ?? [];
  rule.facts['filters'] = [...list, f.meta.title ?? f.path];
}

function toRecord(d: Draft, source: SourceInfo): RuleRecord {
  const m = d.meta;
  const k = kindOf(d.path, d.docKind, m.status, m.statusNative);
  const isUnsupportedFolder = folderFact(d.path)?.status === 'unsupported';
  return ruleRecord({
    ...m,
    id: `sigma/${slugOf(d.path)}`,
    format: 'sigma',
    nativeType: d.docKind === 'rule' ? 'rule' : d.docKind,
    source: ruleSource(d.path, d.doc, d.file, source),
    title: m.title ?? slugOf(d.path),
    status: k.status,
    statusNative: m.statusNative ?? (isUnsupportedFolder ? 'unsupported' : undefined),
    kind: k.kind,
    kindReason: k.kindReason,
    body: d.body,
    // a correlation is partial unless its rules' events are stated side by side (`temporalSides`)
    logic: { ...d, outputFields: m.outputFields, parser: SIGMA_PARSER, partial: d.correlation !== undefined && !d.aggregation?.sides },
    tests: d.tests,
    diagnostics: d.diagnostics,
    facts: d.facts,
  });
}
