/**
 * Lowering of a Lucene query string (Elasticsearch `query_string`, default operator OR) into the model.
 *
 * Each clause list follows Lucene's classic parser: a clause introduced by AND, or marked `+`, is required (AND
 * also makes the clause before it required); `-`, `!` and NOT prohibit; the rest are optional. A list matches when
 * every required clause matches, no prohibited one does, and, when nothing is required, at least one optional
 * clause does (optional clauses beside a required one change only the score). A list with only prohibited
 * clauses matches every other document (Elasticsearch adds a match-all). Values: as Kibana KQL on keyword
 * fields (exact and case-sensitive; `*` and `?` wildcards; `field:*` and `_exists_:field` presence); phrases on
 * text fields are term matches; `/re/` is a whole-value regular expression; ranges are ordered comparisons;
 * fuzzy terms and values without a field are opaque.
 */
import { and, assertNever, not, opaque, or, pred, TRUE, type Expr, type Value } from '../../../model/expr.ts';
import type { Diagnostic } from '../../../model/diagnostics.ts';
import { LUCENE_REGEX, rlikeToRegex } from '../esql/patterns.ts';
import { fieldMapping } from '../kuery/kueryFacts.ts';
import type { ElasticLowering, ElasticQueryContext } from '../lowering.ts';
import { clip, hostAt, spanOf, toModelGlob, type TextRange } from '../queryText.ts';
import { LuceneDiagnostics } from './diagnostics.ts';
import { EXISTS_FIELD, LOWER_CASE_OPERATORS, LUCENE_COMPARE_OPS } from './luceneFacts.ts';
import { parseLucene } from './parser.ts';
import type { LuceneBool, LuceneItem, LuceneValue } from './syntax.ts';

export const LUCENE_PARSER = "Lucene query string via the project's peggy grammar";

interface Env {
  readonly text: string;
  readonly ctx: ElasticQueryContext;
  readonly diagnostics: Diagnostic[];
}

/** Lower one Lucene query string (a lucene rule's query, an ES|QL `QSTR()` text). */
export function lowerLuceneText(text: string, ctx: ElasticQueryContext): ElasticLowering {
  const parsed = parseLucene(text, ctx);
  const whole = spanOf(ctx, { start: 0, end: text.length });
  if (!parsed.value) {
    return { stages: [{ kind: 'filter', label: 'lucene', text, span: whole }], missing: [], outputFields: [], diagnostics: parsed.diagnostics, parser: LUCENE_PARSER, parsed: false };
  }
  const env: Env = { text, ctx, diagnostics: [...parsed.diagnostics] };
  const condition = lowerBool(env, parsed.value, undefined);
  return { stages: [{ kind: 'filter', label: 'lucene', text, span: whole, expr: condition }], condition, missing: [], outputFields: [], diagnostics: env.diagnostics, parser: LUCENE_PARSER, parsed: true };
}

type Occur = 'must' | 'should' | 'must_not';

function lowerBool(env: Env, b: LuceneBool, field: string | undefined): Expr {
  if (b.clauses.length === 0) return TRUE;
  const occurs: Occur[] = [];
  b.clauses.forEach((c, i) => {
    if (i > 0 && c.conj === 'and' && occurs[i - 1] !== 'must_not') occurs[i - 1] = 'must';
    const prohibited = c.mod === 'prohibited';
    const required = c.mod === 'required' || (c.conj === 'and' && !prohibited);
    occurs.push(prohibited ? 'must_not' : required ? 'must' : 'should');
  });
  const must: Expr[] = [];
  const mustNot: Expr[] = [];
  const should: Expr[] = [];
  b.clauses.forEach((c, i) => {
    const e = lowerItem(env, c.item, field);
    const o = occurs[i]!;
    if (o === 'must') must.push(e);
    else if (o === 'must_not') mustNot.push(e);
    else should.push(e);
  });
  if (must.length && should.length) {
    for (let i = 0; i < b.clauses.length; i++) if (occurs[i] === 'should') env.diagnostics.push(LuceneDiagnostics.optionalClause(env.ctx.file, hostAt(env.ctx, env.text, b.clauses[i]!.at.start)));
  }
  return and(...must, ...mustNot.map(not), must.length === 0 && should.length > 0 ? or(...should) : TRUE);
}

function lowerItem(env: Env, it: LuceneItem, field: string | undefined): Expr {
  switch (it.type) {
    case 'group':
      return lowerBool(env, it.query, field);
    case 'field':
      if (it.field.name === EXISTS_FIELD) {
        if (it.value.type === 'term' && it.value.chunks.every((c) => typeof c === 'string')) return pred(it.value.chunks.join(''), 'is_not_null', [], undefined, spanOf(env.ctx, it.at));
        return opaque(env.text.slice(it.at.start, it.at.end), 'field: _exists_ with a field name pattern', spanOf(env.ctx, it.at));
      }
      if (it.field.name.includes('*')) return opaque(env.text.slice(it.at.start, it.at.end), `field: ${it.field.name} is a pattern over field names`, spanOf(env.ctx, it.at));
      return lowerValue(env, it.field.name, it.value, it.at);
    case 'default':
      return lowerValue(env, field, it.value, it.at);
    default:
      return assertNever(it, 'Lucene item');
  }
}

function scalar(s: string): Value {
  const n = Number(s);
  return s.trim() !== '' && Number.isFinite(n) ? n : s;
}

function lowerValue(env: Env, field: string | undefined, v: LuceneValue, at: TextRange): Expr {
  const span = spanOf(env.ctx, at);
  const raw = env.text.slice(at.start, at.end);
  if (v.type === 'group') return lowerBool(env, v.query, field);
  if (v.type === 'term' && v.chunks.length === 1 && typeof v.chunks[0] === 'string' && LOWER_CASE_OPERATORS.has(v.chunks[0])) {
    env.diagnostics.push(LuceneDiagnostics.lowerCaseOperator(env.ctx.file, v.chunks[0], hostAt(env.ctx, env.text, v.at.start)));
  }
  if (field === undefined) return opaque(clip(raw, 400), 'search: a value without a field is searched in the default fields', span);
  const mapping = fieldMapping(field);
  const cs = mapping === 'keyword';
  switch (v.type) {
    case 'term': {
      if (v.fuzzy !== null) return opaque(raw, `match: fuzzy term (~${v.fuzzy}) matches values within an edit distance`, span);
      const wild = v.chunks.some((c) => typeof c !== 'string');
      if (wild && v.chunks.length === 1 && typeof v.chunks[0] !== 'string' && v.chunks[0]!.wildcard === '*') return pred(field, 'is_not_null', [], undefined, span);
      if (mapping === 'text') return wild ? opaque(raw, `match: wildcard on the analysed text field ${field} applies to its terms`, span) : pred(field, 'has', [v.chunks.join('')], { cs: false }, span);
      if (wild) return pred(field, 'wildcard', [toModelGlob(v.chunks)], { cs }, span);
      return pred(field, 'eq', [v.chunks.join('')], { cs }, span);
    }
    case 'phrase':
      if (v.slop !== null && v.slop !== '' && v.slop !== '0') return opaque(raw, `match: phrase with slop ~${v.slop}`, span);
      return mapping === 'text' ? pred(field, 'has', [v.text], { cs: false }, span) : pred(field, 'eq', [v.text], { cs }, span);
    case 'regex': {
      const re = rlikeToRegex(v.pattern);
      if (!re.ok) return opaque(raw, `regex: the pattern uses ${re.what} (Lucene regular-expression syntax without an RE2 equivalent)`, span);
      return pred(field, 'regex', [re.regex], { cs, ...LUCENE_REGEX }, span);
    }
    case 'range': {
      const parts: Expr[] = [];
      if (v.lower !== null) parts.push(pred(field, v.includeLower ? 'ge' : 'gt', [scalar(v.lower)], undefined, span));
      if (v.upper !== null) parts.push(pred(field, v.includeUpper ? 'le' : 'lt', [scalar(v.upper)], undefined, span));
      return parts.length ? and(...parts) : pred(field, 'is_not_null', [], undefined, span);
    }
    case 'compare':
      return pred(field, LUCENE_COMPARE_OPS[v.op], [scalar(v.value)], undefined, span);
    default:
      return assertNever(v, 'Lucene value');
  }
}
