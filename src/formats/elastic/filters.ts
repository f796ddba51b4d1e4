/**
 * Kibana filter pills (`rule.filters`, `rule.threat_filters`) and inline exception items (`[[rule.exceptions]]`)
 * into model expressions. A filter is Elasticsearch Query DSL (`query.match_phrase`, `exists`, `bool`…) with
 * `meta.negate` (the pill excludes what it matches) and `meta.disabled` (the pill is off). Meanings, for ECS
 * keyword fields: `match_phrase` / `match` / `term` are exact, case-sensitive values (`term` with
 * `case_insensitive: true` is not); `terms` a list; `wildcard` a Lucene wildcard (`*`, `?`, `\` escapes;
 * `case_insensitive` honoured); `prefix` starts-with; `exists` presence; `range` comparisons; `regexp` an anchored
 * regular expression; `bool` must / filter (and), should (or, at least one when there is no must or filter),
 * must_not (none). Anything else is opaque with a `filter:` reason.
 */
import { and, FALSE, not, opaque, or, pred, stripSpans, TRUE, type Expr, type Operator, type Value } from '../../model/expr.ts';
import { LOWERERS } from './languages.ts';
import { isTable, list, str, type Table } from './toml.ts';
import { LUCENE_REGEX, rlikeToRegex } from './esql/patterns.ts';

/** Bound on Query DSL nesting. */
const MAX_DEPTH = 50;

export interface LoweredFilters {
  /** One expression per enabled filter, negated when the pill says so. */
  readonly exprs: readonly Expr[];
  /** How many pills are disabled (not applied). */
  readonly disabled: number;
}

/** Every enabled filter pill of a `filters` array. */
export function lowerFilters(filters: unknown, file: string): LoweredFilters {
  const exprs: Expr[] = [];
  let disabled = 0;
  for (const f of list(filters)) {
    if (!isTable(f)) {
      exprs.push(opaque(JSON.stringify(f) ?? String(f), 'filter: a filter that is not an object'));
      continue;
    }
    const meta = isTable(f.meta) ? f.meta : {};
    if (meta.disabled === true) {
      disabled++;
      continue;
    }
    const body = isTable(f.query) ? f.query : withoutKeys(f, ['meta', '$state']);
    const e = lowerDsl(body, 0, file);
    exprs.push(meta.negate === true ? not(e) : e);
  }
  return { exprs, disabled };
}

function withoutKeys(t: Table, keys: readonly string[]): Table {
  const out: Table = {};
  for (const [k, v] of Object.entries(t)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/** `{field: value}` or `{field: {query|value: v, case_insensitive}}`: the one field and its parameters. */
function fieldParams(q: unknown, valueKey: 'query' | 'value'): { field: string; value: unknown; ci: boolean } | undefined {
  if (!isTable(q)) return undefined;
  const entries = Object.entries(q).filter(([k]) => !['boost', '_name'].includes(k));
  if (entries.length !== 1) return undefined;
  const [field, v] = entries[0]!;
  if (isTable(v)) return { field, value: v[valueKey] ?? v.value ?? v.query, ci: v.case_insensitive === true };
  return { field, value: v, ci: false };
}

function scalar(v: unknown): Value | undefined {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  return undefined;
}

function lowerDsl(q: Table, depth: number, file: string): Expr {
  const text = JSON.stringify(q);
  if (depth > MAX_DEPTH) return opaque(text, `filter: Query DSL nested deeper than ${MAX_DEPTH} levels`);
  const keys = Object.keys(q);
  if (keys.length !== 1) return keys.length === 0 ? TRUE : and(...keys.map((k) => lowerDsl({ [k]: q[k] }, depth + 1, file)));
  const kind = keys[0]!;
  const arg = q[kind];
  const simple = (op: Operator, valueKey: 'query' | 'value', csAware: boolean, wildcard?: 'sigma'): Expr => {
    const p = fieldParams(arg, valueKey);
    const v = p ? scalar(p.value) : undefined;
    if (!p || v === undefined) return opaque(text, `filter: ${kind} without a single field and value`);
    return pred(p.field, op, [v], { cs: csAware ? !p.ci : true, ...(wildcard ? { wildcard } : {}) });
  };
  switch (kind) {
    case 'match_all':
      return TRUE;
    case 'match_none':
      return FALSE;
    case 'match_phrase':
    case 'match':
      return simple('eq', 'query', false);
    case 'term':
      return simple('eq', 'value', true);
    case 'wildcard':
      return simple('wildcard', 'value', true, 'sigma');
    case 'prefix':
      return simple('starts_with', 'value', true);
    case 'regexp': {
      const p = fieldParams(arg, 'value');
      if (!p || typeof p.value !== 'string') return opaque(text, 'filter: regexp without a single field and pattern');
      const re = rlikeToRegex(p.value);
      if (!re.ok) return opaque(text, `filter: regexp uses ${re.what} (Lucene regular-expression syntax without an RE2 equivalent)`);
      return pred(p.field, 'regex', [re.regex], { cs: !p.ci, ...LUCENE_REGEX });
    }
    case 'terms': {
      if (!isTable(arg)) return opaque(text, 'filter: terms without a field');
      const entries = Object.entries(arg).filter(([k]) => k !== 'boost');
      const [field, vs] = entries[0] ?? [];
      const values = list(vs).map(scalar);
      if (entries.length !== 1 || !field || values.some((v) => v === undefined)) return opaque(text, 'filter: terms without a single field and a list of values');
      return pred(field, values.length === 1 ? 'eq' : 'in', values as Value[], { cs: true });
    }
    case 'exists': {
      const field = isTable(arg) ? str(arg.field) : undefined;
      return field ? pred(field, 'is_not_null') : opaque(text, 'filter: exists without a field');
    }
    case 'range': {
      if (!isTable(arg) || Object.keys(arg).length !== 1) return opaque(text, 'filter: range without a single field');
      const [field, bounds] = Object.entries(arg)[0]!;
      if (!isTable(bounds)) return opaque(text, 'filter: range without bounds');
      const ops: Record<string, Operator> = { gt: 'gt', gte: 'ge', lt: 'lt', lte: 'le' };
      const parts: Expr[] = [];
      for (const [k, v] of Object.entries(bounds)) {
        const op = ops[k];
        const val = scalar(v);
        if (op && val !== undefined && val !== null) parts.push(pred(field, op, [val]));
        else if (!['format', 'time_zone', 'boost', 'relation'].includes(k)) return opaque(text, `filter: range bound ${k} not understood`);
      }
      return and(...parts);
    }
    case 'bool':
      return lowerBool(arg, depth, file, text);
    case 'query_string': {
      const query = isTable(arg) ? str(arg.query) : undefined;
      const lucene = LOWERERS['lucene'];
      if (query && lucene) {
        const low = lucene(query, { file, line: 1, column: 1 });
        // offsets of a Lucene text inside a JSON filter do not point into the TOML: they are dropped
        if (low.parsed && low.condition) return stripSpans(low.condition);
      }
      return opaque(text, 'filter: query_string (Lucene) is not lowered here');
    }
    default:
      return opaque(text, `filter: Query DSL ${kind} has no model operator`);
  }
}


function lowerBool(arg: unknown, depth: number, file: string, text: string): Expr {
  if (!isTable(arg)) return opaque(text, 'filter: bool that is not an object');
  const clauses = (k: string) => list(arg[k]).map((c) => (isTable(c) ? lowerDsl(c, depth + 1, file) : opaque(JSON.stringify(c) ?? '', `filter: bool.${k} clause that is not an object`)));
  const must = [...clauses('must'), ...clauses('filter')];
  const should = clauses('should');
  const mustNot = clauses('must_not');
  const msm = arg.minimum_should_match;
  const parts: Expr[] = [...must];
  if (should.length) {
    const min = typeof msm === 'number' ? msm : typeof msm === 'string' && /^\d+$/.test(msm) ? Number(msm) : must.length ? 0 : 1;
    if (min === 1) parts.push(or(...should));
    else if (min > 1) parts.push(opaque(text, `filter: bool.should with minimum_should_match ${min}`));
  }
  for (const n of mustNot) parts.push(not(n));
  return and(...parts);
}

/**
 * Inline exception items (`[[rule.exceptions]]` with `entries`): each item is the AND of its entries, and the rule
 * suppresses every event an item matches. Entry types: match (exact), match_any (list), wildcard, exists, nested;
 * `operator: excluded` negates the entry. Returns the items in positive form.
 */
export function lowerExceptionItems(items: unknown): Expr[] {
  const out: Expr[] = [];
  for (const item of list(items)) {
    if (!isTable(item)) continue;
    const entries = list(item.entries).filter(isTable);
    if (!entries.length) continue;
    out.push(and(...entries.map((e) => exceptionEntry(e, ''))));
  }
  return out;
}

function exceptionEntry(e: Table, prefix: string): Expr {
  const field = prefix + (str(e.field) ?? '');
  const type = str(e.type) ?? 'match';
  let x: Expr;
  switch (type) {
    case 'match': {
      const v = scalar(e.value);
      x = v === undefined ? opaque(JSON.stringify(e), 'exception: match without a value') : pred(field, 'eq', [v], { cs: true });
      break;
    }
    case 'match_any': {
      const vs = list(e.value).map(scalar).filter((v): v is Value => v !== undefined);
      x = pred(field, vs.length === 1 ? 'eq' : 'in', vs, { cs: true });
      break;
    }
    case 'wildcard': {
      const v = scalar(e.value);
      x = typeof v === 'string' ? pred(field, 'wildcard', [v], { cs: true, wildcard: 'sigma' }) : opaque(JSON.stringify(e), 'exception: wildcard without a pattern');
      break;
    }
    case 'exists':
      x = pred(field, 'is_not_null');
      break;
    case 'nested':
      x = and(...list(e.entries).filter(isTable).map((n) => exceptionEntry(n, `${field}.`)));
      break;
    default:
      x = opaque(JSON.stringify(e), `exception: entry type ${type} (a value list kept outside the rule)`);
  }
  return str(e.operator) === 'excluded' ? not(x) : x;
}
