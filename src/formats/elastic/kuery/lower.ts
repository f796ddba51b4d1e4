/**
 * Lowering of a Kibana KQL syntax tree into the model. Keyword fields (the ECS default, see kueryFacts.ts):
 * `field:value` is `eq` case-sensitive, a value with `*` is a case-sensitive `wildcard`, `field:*` is
 * `is_not_null`, `field:(a or b)` is `in`; `.caseless` fields compare case-insensitively; text fields are
 * analysed (`has`, case-insensitive, any of the terms; a quoted value is one phrase). Ranges are ordered
 * comparisons (numbers when the value is a number, else ISO dates / strings). Free text without a field and field
 * name patterns are opaque; a nested query keeps its predicates with the nested path prefixed, and says that they
 * must hold on the same nested object.
 */
import { and, assertNever, not, opaque, or, pred, TRUE, type Expr, type PredicateOptions, type Value } from '../../../model/expr.ts';
import type { Diagnostic } from '../../../model/diagnostics.ts';
import type { MissingInput } from '../../../model/lowering.ts';
import type { ElasticLowering, ElasticQueryContext } from '../lowering.ts';
import { clip, hostAt, spanOf, toModelGlob, type TextRange } from '../queryText.ts';
import { KueryDiagnostics } from './diagnostics.ts';
import { fieldMapping, KUERY_RANGE_OPS } from './kueryFacts.ts';
import { parseKuery } from './parser.ts';
import type { KueryField, KueryNode, KueryValue, KueryValueNode } from './syntax.ts';

export const KUERY_PARSER = "Kibana KQL via the project's peggy grammar";

interface Env {
  readonly text: string;
  readonly ctx: ElasticQueryContext;
  readonly diagnostics: Diagnostic[];
  readonly missing: MissingInput[];
}

/** Lower one KQL query (the `query` of a kuery rule, or the text of an ES|QL `KQL()` call). */
export function lowerKueryText(text: string, ctx: ElasticQueryContext): ElasticLowering {
  const parsed = parseKuery(text, ctx);
  const whole = spanOf(ctx, { start: 0, end: text.length });
  if (!parsed.value) {
    return { stages: [{ kind: 'filter', label: 'kuery', text, span: whole }], missing: [], outputFields: [], diagnostics: parsed.diagnostics, parser: KUERY_PARSER, parsed: false };
  }
  const env: Env = { text, ctx, diagnostics: [...parsed.diagnostics], missing: [] };
  const condition = lowerKueryNode(env, parsed.value, '');
  return {
    stages: [{ kind: 'filter', label: 'kuery', text, span: whole, expr: condition }],
    condition,
    missing: env.missing,
    outputFields: [],
    diagnostics: env.diagnostics,
    parser: KUERY_PARSER,
    parsed: true,
  };
}

function slice(env: Env, r: TextRange): string {
  return env.text.slice(r.start, r.end).trim();
}

function lowerKueryNode(env: Env, n: KueryNode, prefix: string): Expr {
  switch (n.type) {
    case 'all':
      return TRUE;
    case 'and':
      return and(...n.args.map((a) => lowerKueryNode(env, a, prefix)));
    case 'or':
      return or(...n.args.map((a) => lowerKueryNode(env, a, prefix)));
    case 'not':
      return not(lowerKueryNode(env, n.arg, prefix));
    case 'group':
      return lowerKueryNode(env, n.expr, prefix);
    case 'nested': {
      const field = fieldName(env, n.field, prefix);
      if (field === undefined) return opaque(slice(env, n.at), `field: the nested path ${n.field.name} is a pattern over field names`, spanOf(env.ctx, n.at));
      const inner = lowerKueryNode(env, n.expr, `${field}.`);
      if (countLeaves(inner) > 1) {
        env.missing.push({ text: slice(env, n.at), reason: `nested: the conditions inside ${n.field.name}:{ } must hold on one and the same nested object; the model checks each on any object`, span: spanOf(env.ctx, n.at) });
      }
      return inner;
    }
    case 'range': {
      const field = fieldName(env, n.field, prefix);
      if (field === undefined) return opaque(slice(env, n.at), `field: ${n.field.name} is a pattern over field names`, spanOf(env.ctx, n.at));
      const num = Number(n.value.text);
      const value: Value = n.value.text.trim() !== '' && Number.isFinite(num) ? num : n.value.text;
      return pred(field, KUERY_RANGE_OPS[n.op], [value], undefined, spanOf(env.ctx, n.at));
    }
    case 'match': {
      const field = fieldName(env, n.field, prefix);
      if (field === undefined) return opaque(slice(env, n.at), `field: ${n.field.name} is a pattern over field names; the value may match in any of them`, spanOf(env.ctx, n.at));
      return lowerValues(env, field, n.value, n.value.type === 'value' ? n.at : undefined);
    }
    case 'freetext': {
      if (!n.value.quoted && n.value.chunks.length === 1 && typeof n.value.chunks[0] !== 'string') return TRUE; // `*`: every document
      env.diagnostics.push(KueryDiagnostics.freeText(env.ctx.file, clip(n.value.text, 60), hostAt(env.ctx, env.text, n.at.start)));
      return opaque(slice(env, n.at), 'search: free text without a field is searched in every field of the document', spanOf(env.ctx, n.at));
    }
    default:
      return assertNever(n, 'KQL node');
  }
}

function fieldName(env: Env, f: KueryField, prefix: string): string | undefined {
  if (f.wildcard) {
    env.diagnostics.push(KueryDiagnostics.fieldPattern(env.ctx.file, f.name, hostAt(env.ctx, env.text, f.at.start)));
    return undefined;
  }
  return prefix + f.name.trim();
}

function countLeaves(e: Expr): number {
  switch (e.kind) {
    case 'and':
    case 'or':
      return e.args.reduce((s, a) => s + countLeaves(a), 0);
    case 'not':
      return countLeaves(e.arg);
    case 'quant':
      return e.items.reduce((s, i) => s + countLeaves(i.expr), 0);
    case 'each':
      return countLeaves(e.expr);
    case 'pred':
    case 'opaque':
      return 1;
    case 'const':
      return 0;
    default:
      return assertNever(e, 'expression');
  }
}

/** `field: <values>`; `whole` is the span of `field:value` when the value is a single one. */
function lowerValues(env: Env, field: string, v: KueryValueNode, whole: TextRange | undefined): Expr {
  switch (v.type) {
    case 'value':
      return lowerValue(env, field, v, whole ?? v.at);
    case 'vgroup':
      return lowerValues(env, field, v.expr, undefined);
    case 'vand':
      return and(...v.args.map((a) => lowerValues(env, field, a, undefined)));
    case 'vnot':
      return not(lowerValues(env, field, v.arg, undefined));
    case 'vor':
      return collapseIn(or(...v.args.map((a) => lowerValues(env, field, a, undefined))), spanOf(env.ctx, v.at));
    default:
      return assertNever(v, 'KQL value');
  }
}

function lowerValue(env: Env, field: string, v: KueryValue, at: TextRange): Expr {
  const span = spanOf(env.ctx, at);
  const hasWildcard = !v.quoted && v.chunks.some((c) => typeof c !== 'string');
  if (hasWildcard && v.chunks.length === 1) return pred(field, 'is_not_null', [], undefined, span);
  const mapping = fieldMapping(field);
  switch (mapping) {
    case 'keyword':
    case 'caseless': {
      const opts: PredicateOptions = { cs: mapping === 'keyword' };
      if (hasWildcard) return pred(field, 'wildcard', [toModelGlob(v.chunks.map((c) => (typeof c === 'string' ? c : { wildcard: '*' as const })))], opts, span);
      return pred(field, 'eq', [v.text], opts, span);
    }
    case 'text': {
      if (hasWildcard) return opaque(slice(env, at), `match: wildcard on the analysed text field ${field} applies to its terms`, span);
      if (v.quoted) return pred(field, 'has', [v.text], { cs: false }, span);
      const terms = v.text.split(/[^\p{L}\p{N}_]+/u).filter((t) => t);
      if (terms.length === 0) return opaque(slice(env, at), `match: the value has no terms once analysed`, span);
      return pred(field, 'has', terms, { cs: false }, span);
    }
    default:
      return assertNever(mapping, 'field mapping');
  }
}

/** `f:(a or b or c)` of exact values becomes one `in` predicate. */
function collapseIn(e: Expr, span: ReturnType<typeof spanOf>): Expr {
  if (e.kind !== 'or') return e;
  const first = e.args[0];
  if (!first || first.kind !== 'pred' || first.op !== 'eq') return e;
  const same = e.args.every((a) => a.kind === 'pred' && a.op === 'eq' && a.field === first.field && a.opts?.cs === first.opts?.cs && a.values.length === 1);
  if (!same) return e;
  return pred(first.field, 'in', e.args.flatMap((a) => (a.kind === 'pred' ? a.values : [])), first.opts, span);
}
