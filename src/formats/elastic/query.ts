/**
 * Running a query language's lowering on a query that sits inside a TOML file: where the query starts in the file
 * (so that diagnostics and spans point into the TOML), which language it is (from `language` / `type`, or found by
 * trying each parser when a repository does not say), and spans moved from query offsets to file offsets.
 */
import { assertNever, leaves, type Expr } from '../../model/expr.ts';
import { lineColAt, type Span } from '../../model/span.ts';
import type { Stage } from '../../model/rule.ts';
import { lowerEqlWith } from './eql/index.ts';
import { LOWERERS } from './languages.ts';
import type { ElasticLower, ElasticLowering } from './lowering.ts';

/** Languages tried, in order, when a rule does not say which one its query is in. */
export const DETECTION_ORDER = ['eql', 'kuery', 'esql', 'lucene'] as const;

/** Hunting TOML `language` entries onto the lowering table's keys (SQL there is osquery SQL: no lowering). */
export const HUNT_LANGUAGES: Readonly<Record<string, string>> = { 'ES|QL': 'esql', ESQL: 'esql', EQL: 'eql', KQL: 'kuery', KUERY: 'kuery', LUCENE: 'lucene', SQL: 'sql' };

export interface HostedQuery {
  /** The host file's path and text. */
  readonly path: string;
  readonly hostText: string;
  readonly query: string;
  /** Where to start looking for the query in the host text (queries of a list follow each other). */
  readonly from?: number;
  /** The rule's `event_category_override` (EQL). */
  readonly categoryField?: string;
  /**
   * The host-file offset of each offset into the query, when the query is not verbatim in the file (a JSON string
   * with escapes: `jsonLocate.ts`); spans and diagnostics are placed through it.
   */
  readonly toHost?: (offset: number) => number;
}

export interface HostedLowering {
  readonly lowering: ElasticLowering;
  /** The language that lowered it. */
  readonly language: string;
  /** Offset of the query in the host file, when found verbatim (a TOML literal string). */
  readonly offset?: number;
}

/** The lowering function of a language key, with the EQL category override applied. */
function lowererOf(language: string, categoryField: string | undefined): ElasticLower | undefined {
  if (language === 'eql' && categoryField) return (t, c) => lowerEqlWith(t, c, { categoryField });
  return LOWERERS[language];
}

/**
 * Lower a hosted query in the given language (or, with several candidates, in the first that parses; when none
 * parses, the result of the one that read furthest before its syntax error, the first of those on a tie). Undefined
 * when no candidate has a lowering.
 */
export function lowerHosted(q: HostedQuery, candidates: readonly string[]): HostedLowering | undefined {
  const toHost = q.toHost;
  const found = toHost ? -1 : q.hostText.indexOf(q.query, q.from ?? 0);
  const offset = found >= 0 ? found : undefined;
  // not found verbatim and not mapped: diagnostics point at where the rule starts
  const lc = lineColAt(q.hostText, toHost ? toHost(0) : (offset ?? q.from ?? 0));
  const ctx = { file: q.path, line: lc.line, column: lc.column, ...(toHost ? { at: (o: number) => lineColAt(q.hostText, toHost(o)) } : {}) };
  let best: HostedLowering | undefined;
  let bestAt = -1;
  for (const language of candidates) {
    const lower = lowererOf(language, q.categoryField);
    if (!lower) continue;
    const raw = lower(q.query, ctx);
    const lowering = toHost ? mapSpans(raw, (sp) => (sp ? { ...sp, start: toHost(sp.start), end: toHost(sp.end) } : undefined)) : offset !== undefined ? rebaseLowering(raw, offset) : stripLowering(raw);
    const r: HostedLowering = { lowering, language, ...(offset !== undefined ? { offset } : {}) };
    if (lowering.parsed) return r;
    // none parses: the language that read furthest before its error is the likelier one (the first on a tie)
    const at = errorPosition(raw);
    if (at > bestAt) [best, bestAt] = [r, at];
  }
  return best;
}

/** Where a failed lowering's first error is, as one number ordered like (line, column); 0 without one. */
function errorPosition(l: ElasticLowering): number {
  const d = l.diagnostics.find((x) => x.severity === 'error' && x.line !== undefined);
  return d ? d.line! * 1_000_000 + (d.column ?? 0) : 0;
}

/** Spans moved by `delta` (query offsets → host-file offsets). */
function rebaseLowering(l: ElasticLowering, delta: number): ElasticLowering {
  const sp = (s: Span | undefined): Span | undefined => (s ? { ...s, start: s.start + delta, end: s.end + delta } : undefined);
  return mapSpans(l, sp);
}

/** Spans removed (the query could not be found verbatim in the host file, so offsets would point elsewhere). */
function stripLowering(l: ElasticLowering): ElasticLowering {
  return mapSpans(l, () => undefined);
}

function mapSpans(l: ElasticLowering, sp: (s: Span | undefined) => Span | undefined): ElasticLowering {
  const stage = (s: Stage): Stage => {
    const { span, expr, ...rest } = s;
    const ns = sp(span);
    return { ...rest, ...(ns ? { span: ns } : {}), ...(expr ? { expr: mapExprSpans(expr, sp) } : {}) };
  };
  const withSpan = <T extends { span?: Span }>(x: T): T => {
    const { span, ...rest } = x;
    const ns = sp(span);
    return (ns ? { ...rest, span: ns } : rest) as T;
  };
  return {
    ...l,
    stages: l.stages.map(stage),
    ...(l.condition ? { condition: mapExprSpans(l.condition, sp) } : {}),
    missing: l.missing.map(withSpan),
    ...(l.aggregation ? { aggregation: withSpan(l.aggregation) } : {}),
  };
}

export function mapExprSpans(e: Expr, sp: (s: Span | undefined) => Span | undefined): Expr {
  switch (e.kind) {
    case 'pred':
    case 'opaque': {
      const { span, ...rest } = e;
      const ns = sp(span);
      return (ns ? { ...rest, span: ns } : rest) as Expr;
    }
    case 'and':
    case 'or':
      return { ...e, args: e.args.map((a) => mapExprSpans(a, sp)) };
    case 'not':
      return { kind: 'not', arg: mapExprSpans(e.arg, sp) };
    case 'quant':
      return { ...e, items: e.items.map((i) => ({ name: i.name, expr: mapExprSpans(i.expr, sp) })) };
    case 'each': {
      const { span, ...rest } = e;
      const ns = sp(span);
      return { ...rest, expr: mapExprSpans(e.expr, sp), ...(ns ? { span: ns } : {}) };
    }
    case 'const':
      return e;
    default:
      return assertNever(e, 'expression');
  }
}

/** True when the expression has leaves and every one is opaque: nothing of it is expressed. */
export function allOpaque(e: Expr): boolean {
  let any = false;
  for (const l of leaves(e)) {
    if (l.kind !== 'opaque') return false;
    any = true;
  }
  return any;
}
