/**
 * Lowering of a Sigma detection (selections + condition) into the model: one stage per selection and one for
 * the condition (verbatim slices with offsets), the condition expression with selections as named groups and
 * quantifiers (`1 of filter_*`, `all of them`) kept as `quant` nodes, and Sigma v1 aggregations as an
 * aggregation with its threshold.
 */
import type { YAMLMap } from 'yaml';
import { assertNever, named, not, opaque, and, or, type Expr } from '../../model/expr.ts';
import type { Diagnostic } from '../../model/diagnostics.ts';
import type { Lowering } from '../../model/lowering.ts';
import type { Aggregation, MissingPart, Stage } from '../../model/rule.ts';
import type { Operator } from '../../model/expr.ts';
import { parseCondition, type CondAggregation, type CondNode } from './condition.ts';
import { parseDetection } from './detection.ts';
import { SigmaDiagnostics } from './diagnostics.ts';
import { lowerSearch, type LowerContext } from './lowerDetection.ts';
import { atOffset, type SigmaFile } from './syntax.ts';

/** The model's `Lowering` of a Sigma detection, with what only Sigma knows. */
export interface LoweredDetection extends Lowering {
  readonly missing: readonly MissingPart[];
  readonly diagnostics: readonly Diagnostic[];
  /** Selection name → lowered search (unnamed), for filters and correlations. */
  readonly selections: ReadonlyMap<string, Expr>;
  readonly timeframe?: string;
}

/** Does a selection name match a `x of pattern` pattern (`*` any run, `?` one character)? */
export function matchName(pattern: string, name: string): boolean {
  const p = pattern;
  const n = name;
  // iterative glob match with backtracking on the last star (linear in practice)
  let pi = 0;
  let ni = 0;
  let star = -1;
  let mark = 0;
  while (ni < n.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === n[ni])) {
      pi++;
      ni++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = ni;
    } else if (star >= 0) {
      pi = star + 1;
      ni = ++mark;
    } else return false;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

const AGG_OPS: Record<string, Operator> = { '>': 'gt', '>=': 'ge', '<': 'lt', '<=': 'le', '==': 'eq', '=': 'eq' };

/**
 * Lower a detection mapping. `prefix` renames selections (filters applied to other rules: `<filter>.<name>`).
 */
export function lowerDetection(file: SigmaFile, det: YAMLMap, prefix = ''): LoweredDetection {
  const diagnostics: Diagnostic[] = [];
  const at = (o: number) => atOffset(file.lines, o);
  const parsed = parseDetection(file, det);
  diagnostics.push(...parsed.diagnostics);
  const ctx: LowerContext = { file: file.path, at, diagnostics };
  const stages: Stage[] = [];
  const selections = new Map<string, Expr>();
  const order: string[] = [];
  for (const s of parsed.selections) {
    const expr = s.body ? lowerSearch(s.body, ctx) : opaque(s.text, `selection "${s.name}" could not be read`, s.span);
    selections.set(s.name, expr);
    order.push(s.name);
    stages.push({ kind: 'selection', label: prefix + s.name, text: s.text, span: s.span, expr });
  }
  const missing: MissingPart[] = [];
  let aggregation: Aggregation | undefined;
  if (!parsed.condition) {
    diagnostics.push(SigmaDiagnostics.noCondition(file.path, at(det.range?.[0] ?? 0)));
    return { stages, missing, diagnostics, selections, ...(parsed.timeframe ? { timeframe: parsed.timeframe } : {}) };
  }
  const conds: Expr[] = [];
  for (const c of parsed.condition.texts) {
    const res = parseCondition(c.text);
    if (!res.ok) {
      diagnostics.push(SigmaDiagnostics.conditionSyntax(file.path, res.message, c.map.at(res.offset)));
      const e = opaque(c.text, `condition does not parse: ${res.message}`, c.span);
      conds.push(e);
      stages.push({ kind: 'condition', label: 'condition', text: c.text, span: c.span, expr: e });
      continue;
    }
    const lowerNode = (n: CondNode): Expr => {
      switch (n.type) {
        case 'and':
          return and(...n.args.map(lowerNode));
        case 'or':
          return or(...n.args.map(lowerNode));
        case 'not':
          return not(lowerNode(n.arg));
        case 'group':
          return lowerNode(n.expr);
        case 'ref': {
          const e = selections.get(n.name);
          if (!e) {
            diagnostics.push(SigmaDiagnostics.missingSelection(file.path, n.name, c.map.at(n.at.start, n.at.end)));
            return opaque(n.name, `condition names selection "${n.name}" which is not defined`, c.map.span(n.at.start, n.at.end));
          }
          return named(prefix + n.name, e);
        }
        case 'quant': {
          const names = n.selector === 'them' ? order.filter((x) => !x.startsWith('_')) : order.filter((x) => matchName(n.selector, x));
          if (names.length === 0) {
            diagnostics.push(SigmaDiagnostics.emptyPattern(file.path, n.selector, c.map.at(n.at.start, n.at.end)));
            return opaque(c.text.slice(n.at.start, n.at.end), `"${n.selector}" matches no selection`, c.map.span(n.at.start, n.at.end));
          }
          return { kind: 'quant', count: n.count, selector: n.selector, items: names.map((x) => ({ name: prefix + x, expr: selections.get(x)! })) };
        }
        default:
          return assertNever(n, 'condition node');
      }
    };
    const e = lowerNode(res.value.expr);
    conds.push(e);
    stages.push({ kind: 'condition', label: 'condition', text: c.text, span: c.span, expr: e });
    if (res.value.agg) {
      const a = res.value.agg;
      const aggText = c.text.slice(a.at.start, a.at.end);
      diagnostics.push(SigmaDiagnostics.legacyAggregation(file.path, aggText, c.map.at(a.at.start, a.at.end)));
      const span = c.map.span(a.at.start, a.at.end);
      const lowered = lowerAggregation(a, aggText, parsed.timeframe, span);
      if (lowered.aggregation) aggregation = lowered.aggregation;
      if (lowered.missing) missing.push(lowered.missing);
      stages.push({ kind: 'aggregate', label: a.type === 'near' ? 'near' : a.fn, text: aggText, span });
    }
  }
  return {
    condition: conds.length === 1 ? conds[0]! : or(...conds),
    stages,
    missing,
    ...(aggregation ? { aggregation } : {}),
    diagnostics,
    selections,
    ...(parsed.timeframe ? { timeframe: parsed.timeframe } : {}),
  };
}

function lowerAggregation(a: CondAggregation, text: string, timeframe: string | undefined, span: { file: string; start: number; end: number }): { aggregation?: Aggregation; missing?: MissingPart } {
  switch (a.type) {
    case 'aggregate':
      return {
        aggregation: {
          // v1 `count(field)` counts the distinct values of the field (Sigma v2 `value_count`)
          function: a.field ? `${a.fn === 'count' ? 'value_count' : a.fn}(${a.field})` : `${a.fn}()`,
          groupBy: a.groupBy ? [a.groupBy] : [],
          // as in correlations (`correlation.ts`): how an event without the field is counted is the backend's choice
          ...(a.groupBy ? { missingKeys: 'unknown' as const } : {}),
          ...(timeframe ? { window: timeframe } : {}),
          threshold: { op: AGG_OPS[a.op]!, value: a.value, ...(a.field ? { of: a.field } : {}) },
          text,
          span,
        },
      };
    case 'near':
      return { missing: { kind: 'correlation', text, reason: `near: the rule also requires other events within ${timeframe ?? 'a time window'} (Sigma v1 temporal proximity), which one event cannot show`, span } };
    default:
      return assertNever(a, 'aggregation');
  }
}
