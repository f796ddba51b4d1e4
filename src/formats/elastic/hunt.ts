/**
 * Elastic hunting TOML (`[hunt]`): a list of queries in the languages the `language` list names (ES|QL, EQL, and
 * osquery SQL, which has no lowering). Each query is lowered in the first listed language whose parser accepts it;
 * the rule's condition is the OR of its queries (each a separate hunt, named `query 1`…), an unlowered query being
 * an opaque branch. The Markdown page generated from the TOML (`docs/<stem>.md`) joins the record's body.
 */
import { buildLogic } from '../../model/lowering.ts';
import type { Diagnostic } from '../../model/diagnostics.ts';
import { opaque, or, type Expr } from '../../model/expr.ts';
import { slugify, TECHNIQUE_ID } from '../../model/facts.ts';
import type { Aggregation, BodyFile, OutputField, RuleRecord, Stage } from '../../model/rule.ts';
import type { MissingInput } from '../../model/lowering.ts';
import type { SourceInfo } from '../adapter.ts';
import { lineColAt } from '../../model/span.ts';
import { allOpaque, HUNT_LANGUAGES, lowerHosted } from './query.ts';
import { ElasticDiagnostics } from './diagnostics.ts';
import { list, sourceOf, str, text as tomlText, type Table } from './toml.ts';

/** A first line that is only a query language's name: a Markdown fence's tag (```sql) left in a TOML string. */
const FENCE_TAG = /^[ \t]*(sql|esql|es\|ql|eql|kql|kuery|lucene|osquery)[ \t]*\r?\n/i;

export function huntRecord(path: string, text: string, h: Table, source: SourceInfo, extraBody: readonly BodyFile[] = []): { rule: RuleRecord; diagnostics: Diagnostic[] } {
  const name = str(h.name);
  const slug = slugify(path.split('/').pop()!.replace(/\.toml$/, ''));
  const langs = list(h.language).map(tomlText);
  const candidates = [...new Set(langs.map((l) => HUNT_LANGUAGES[l.toUpperCase()] ?? l.toLowerCase()))];
  const stages: Stage[] = [];
  const missing: MissingInput[] = [];
  const outputFields: OutputField[] = [];
  const diagnostics: Diagnostic[] = [];
  const branches: Expr[] = [];
  const parsers = new Set<string>();
  const found: string[] = [];
  let aggregation: Aggregation | undefined;
  let from = 0;
  const queries = list(h.query).map(tomlText);
  queries.forEach((query, i) => {
    const label = `query ${i + 1}`;
    let q = query;
    let hosted = lowerHosted({ path, hostText: text, query: q, from }, candidates);
    const tag = hosted && !hosted.lowering.parsed ? FENCE_TAG.exec(q) : null;
    if (hosted && tag) {
      // a first line that is only a language's name: read the query after it, if that parses
      const rest = q.slice(tag[0].length);
      const retry = lowerHosted({ path, hostText: text, query: rest, from }, candidates);
      if (retry?.lowering.parsed) {
        diagnostics.push(ElasticDiagnostics.fenceTag(path, hosted.offset !== undefined ? lineColAt(text, hosted.offset).line : undefined, label, tag[1]!));
        hosted = retry;
        q = rest;
      }
    }
    if (hosted?.offset !== undefined) from = hosted.offset + q.length;
    const l = hosted?.lowering;
    if (l) diagnostics.push(...l.diagnostics);
    if (!hosted || !l || !l.parsed) {
      const why = !hosted ? `no lowering for ${langs.join(' / ') || 'its language'}` : 'it did not parse in any listed language';
      stages.push({ kind: 'query', label, text: q, detail: { language: hosted?.language ?? candidates[0] ?? 'text' } });
      branches.push(opaque(q, `language: ${label} is not lowered (${why})`));
      found.push('?');
      return;
    }
    if (!l.condition) {
      // parsed, but it filters no events: every event of its source takes part
      parsers.add(l.parser);
      found.push(hosted.language);
      stages.push(...l.stages.map((s) => ({ ...s, label: queries.length > 1 ? `${label}: ${s.label}` : s.label })));
      branches.push(opaque(q, `query: ${label} has no row-level filter (every event of its source takes part)`));
      missing.push(...l.missing);
      return;
    }
    parsers.add(l.parser);
    found.push(hosted.language);
    stages.push(...l.stages.map((s) => ({ ...s, label: queries.length > 1 ? `${label}: ${s.label}` : s.label })));
    branches.push(queries.length > 1 ? { kind: 'and', args: [l.condition], name: label } : l.condition);
    missing.push(...l.missing);
    outputFields.push(...l.outputFields.filter((o) => !outputFields.some((x) => x.name === o.name)));
    aggregation ??= l.aggregation;
    // the rule keeps one aggregation: with several queries, a query's threshold is not expressed
    if (queries.length > 1 && l.aggregation?.threshold) missing.push({ kind: 'aggregation', text: l.aggregation.text ?? q, reason: `aggregation: ${label} keeps only groups passing a threshold, and a hunt of several queries has no single aggregation to state it` });
  });
  const condition = branches.length ? or(...branches) : undefined;
  const rule: RuleRecord = {
    id: `elastic/${slug}`,
    format: 'elastic',
    ...(str(h.uuid) ? { nativeId: str(h.uuid)! } : {}),
    nativeType: 'hunt',
    source: sourceOf(path, source),
    title: name ?? slug,
    ...(str(h.description) ? { description: str(h.description)! } : {}),
    references: list(h.references).map(tomlText),
    ...(list(h.notes).length ? { runbook: list(h.notes).map((n) => `- ${tomlText(n)}`).join('\n') } : {}),
    falsePositives: [],
    ...(str(h.author) ? { author: str(h.author)! } : {}),
    tags: [],
    status: 'unknown',
    kind: 'hunting',
    kindReason: 'Elastic hunting query ([hunt]): run by an analyst, raises no alert',
    logSources: list(h.integration).map((i) => ({ kind: 'integration', name: tomlText(i) })),
    attackDeclared: list(h.mitre).map((m) => tomlText(m)).map((m) => ({ text: m, ...(TECHNIQUE_ID.test(m) ? { techniqueId: m } : {}) })),
    attack: [],
    body: [{ path, language: 'toml', text }, ...extraBody],
    logic: buildLogic({
      stages,
      ...(condition && !allOpaque(condition) ? { condition } : {}),
      missing,
      ...(aggregation && queries.length === 1 ? { aggregation } : {}),
      outputFields,
      parser: parsers.size ? [...parsers].join('; ') : `${langs.join(', ') || 'query'}: no lowering`,
      ...(branches.some((b) => b.kind === 'opaque') ? { note: `${branches.filter((b) => b.kind === 'opaque').length} of ${queries.length} queries not lowered (${langs.join(', ')})` } : {}),
    }),
    tests: [],
    diagnostics,
    facts: { language: langs, ...(queries.length > 1 ? { queries: queries.length, query_languages: found } : {}) },
  };
  return { rule, diagnostics };
}
