/**
 * Field resolution in SQL: each language's resolver (`FieldResolver` of its adapter) written over the dialect's
 * JSON primitives, so that a field finds the same value in SQL as in process:
 * - `dotted` (the model's default, `dottedResolver`): exact key, then the dotted path trying the longest dotted key
 *   at each level; a path crossing a list collects from every element (flattened); a numeric part indexes a list;
 * - `dotted_ci` (Panther's Python runtime): the same, with a case-insensitive key match when no exact key exists;
 * - `panther`: KeyPath fields (`a[*].b`, `a[0].b`) segment by segment, else `dotted_ci`;
 * - `sigma`: `dotted`, unwrapping `{"#text": v}`, then the Windows event's EventData (keys, keys written with
 *   spaces, `Data` items by `Name`), UserData children, System keys and `X_Y` attributes (a Winlogbeat event read as
 *   the element it was rendered from, `winlogElementSql`); `_keywords`: every scalar of the event;
 * - `udm` (YARA-L): snake_case or camelCase keys, map access `["k"]` over `{key, value}` entries, `{"udm": …}`;
 * - `splunk`: a name with `{}` segment by segment (exact keys in objects, `{}` collecting an array's elements), else
 *   `dotted` (`resolveSplunkField`).
 * A SQL NULL is a missing field; a JSON null is a present null. Every walk binds each intermediate value once
 * (`let`) so that the SQL stays linear in the path's length (dotted-key splits are tried for paths of up to
 * {@link MAX_SPLIT_PARTS} parts; longer paths try the whole key and the plain split).
 */
import type { Format } from '../../model/facts.ts';
import { parseKeyPath } from '../../formats/panther/keyPath.ts';
import { splitUdmPath } from '../../formats/yaral/resolve.ts';
import { splunkPath } from '../../formats/splunk/resolve.ts';
import { ECS_RESTORED_NAMES, RESTORED, WINLOG_ECS, WINLOG_SYSTEM, WINLOG_SYSTEM_ATTRIBUTES, type EcsValue } from '../../formats/sigma/resolve.ts';
import { KEYWORD_FIELD } from '../../formats/sigma/sigmaFacts.ts';
import type { SqlDialect } from './dialects.ts';

export type ResolverKind = 'dotted' | 'dotted_ci' | 'panther' | 'sigma' | 'udm' | 'splunk';

/** Which resolver a language's rules use (as `adapterFor(format).resolveField`). */
export function resolverKindOf(format: Format | string): ResolverKind {
  switch (format) {
    case 'sigma':
      return 'sigma';
    case 'panther':
      return 'panther';
    case 'yaral':
      return 'udm';
    case 'splunk':
      return 'splunk';
    default:
      return 'dotted';
  }
}

export const MAX_SPLIT_PARTS = 5;

/** Names of the per-event columns the resolvers read (computed once per event by the query). */
export interface EventColumns {
  /** The event, JSON. */
  readonly ev: string;
  /** Windows event element (`Event`, or the event itself), and its EventData / UserData / System (Sigma). */
  readonly win: string;
  readonly ed: string;
  readonly ud: string;
  readonly sys: string;
  /**
   * Key paths of `ev`, `ed` or `sys` read from values extracted once per event (one parse for every field of a
   * batch: `SqlDialect.getMany`); undefined: read directly.
   */
  readonly prefetch?: (base: string, keys: readonly string[]) => string | undefined;
  /** Per-event columns of EventData: does a key contain a space (boolean), and its `Data` value. */
  readonly edSpaced?: string;
  readonly edData?: string;
}

/** SQL of the per-event EventData columns {@link EventColumns.edSpaced} and {@link EventColumns.edData}. */
export function eventDataColumnsSql(d: SqlDialect, ed: string): { spaced: string; data: string } {
  const k = 'k0';
  return { spaced: `(${d.listLength(d.filter(d.keys(ed), d.lambda(k, d.contains(k, "' '"))))} > 0)`, data: d.get(ed, ['Data']) };
}

/** A key path of an event column, prefetched when the query does so. */
function getAt(d: SqlDialect, cols: EventColumns, base: string, keys: readonly string[]): string {
  return cols.prefetch?.(base, keys) ?? d.get(base, keys);
}

/** The parts of the Windows element the Sigma columns read ({@link EventColumns}' `ed`, `ud`, `sys`), by key. */
export const WINDOWS_PARTS = [
  ['ed', 'EventData'],
  ['ud', 'UserData'],
  ['sys', 'System'],
] as const;

/** SQL of the per-event Windows columns, in the order of {@link EventColumns}. */
export function windowsColumnsSql(d: SqlDialect, ev: string): { win: string; ed: (win: string) => string; ud: (win: string) => string; sys: (win: string) => string } {
  const E = d.get(ev, ['Event']);
  const top = ['System', 'EventData', 'UserData'].map((k) => d.is(d.get(ev, [k]), 'object')).join(' OR ');
  const [ed, ud, sys] = WINDOWS_PARTS.map(([, key]) => (w: string) => d.get(w, [key]));
  return { win: `CASE WHEN ${d.is(E, 'object')} THEN ${E} WHEN ${top} THEN ${ev} ELSE ${winlogElementSql(d, ev)} END`, ed: ed!, ud: ud!, sys: sys! };
}

/**
 * SQL of `winlogElement` (`src/formats/sigma/resolve.ts`): the Windows element a Winlogbeat event (`winlog.*`) stands
 * for, as a JSON object built from the same keys (a missing or null one left out); NULL when the event is not one.
 */
export function winlogElementSql(d: SqlDialect, ev: string, names = new Names(), restored = true): string {
  const w = names.next('wl');
  const val = (path: readonly string[]) => d.nullIfJsonNull(d.get(w, path));
  const sys = d.jsonObject([
    ...WINLOG_SYSTEM.map(([k, path]) => [k, val(path)] as const),
    ...WINLOG_SYSTEM_ATTRIBUTES.map(([el, attrs]) => [el, d.jsonObject(attrs.map(([a, path]) => [`@${a}`, val(path)] as const), true)] as const),
  ]);
  const part = (key: string, json: (v: string) => string) => {
    const p = names.next('wp');
    return d.let(d.get(w, [key]), p, `CASE WHEN ${d.is(p, 'object')} THEN ${json(p)} END`);
  };
  const el = d.jsonObject([
    ['System', sys],
    ['EventData', part('event_data', (p) => p)],
    ['UserData', part('user_data', (p) => d.jsonObject([['data', p]]))],
    ...(restored ? [[RESTORED, ecsRestoredSql(d, ev, w, names)] as const] : []),
  ]);
  return d.let(d.get(ev, ['winlog']), w, `CASE WHEN ${d.is(w, 'object')} AND ${val(['event_id'])} IS NOT NULL THEN ${el} END`);
}

/** SQL of `eventIdOf` (`src/formats/sigma/resolve.ts`): a JSON number, or a string of digits, as a number; else NULL. */
export function eventIdSql(d: SqlDialect, x: string): string {
  return `CASE WHEN ${d.is(x, 'number')} THEN ${d.num(d.text(x))} WHEN ${d.is(x, 'string')} AND ${d.regex(d.text(x), "'^[0-9]+$'")} THEN ${d.num(d.text(x))} END`;
}

/**
 * SQL of the values `winlogElement` restores from the ECS fields of a Windows event shipped through Elastic's
 * pipelines (`WINLOG_ECS`), as a JSON object (NULL when none is, or no table is the event's channel's); `w` is the
 * event's `winlog`.
 */
function ecsRestoredSql(d: SqlDialect, ev: string, w: string, names: Names): string {
  const channel = names.next('ch');
  const provider = names.next('pr');
  const id = names.next('id');
  /** A scalar at a path of the event as JSON (NULL when missing, null, an object or an array), and as text. */
  const scalar = (path: readonly string[]): string => {
    const v = names.next();
    return d.let(d.get(ev, path), v, `CASE WHEN ${d.is(v, 'string')} OR ${d.is(v, 'number')} OR ${d.is(v, 'boolean')} THEN ${v} END`);
  };
  const text = (path: readonly string[]) => d.text(scalar(path));
  const value = (x: EcsValue): string => {
    switch (x.kind) {
      case 'path':
        return scalar(x.path);
      case 'map': {
        const t = names.next('t');
        return d.let(text(x.path), t, `CASE ${Object.entries(x.to).map(([k, v]) => `WHEN ${t} = ${d.str(k)} THEN ${d.json(JSON.stringify(v))}`).join(' ')} END`);
      }
      case 'join':
        return d.jsonString(d.concatText(x.paths.flatMap((p, i) => (i ? [d.str(x.sep), text(p)] : [text(p)]))));
      case 'pairs':
        return d.jsonString(d.joinPresent(',', x.pairs.map(([n, p]) => d.concatText([d.str(`${n}=`), d.upper(text(p))]))));
    }
  };
  // a table's object: one value per name, the first entry whose event ids hold (the table's order, as `ecsRestored`
  // takes them); the first table whose channel or provider is the event's
  const arms = WINLOG_ECS.map((table) => {
    const byName = new Map<string, string[]>();
    for (const f of table.fields) {
      const cond = [...(f.ids ? [`${id} IN (${f.ids.join(', ')})`] : []), ...(f.notIds ? [`NOT COALESCE(${id} IN (${f.notIds.join(', ')}), FALSE)`] : [])];
      const arm = cond.length ? `CASE WHEN ${cond.join(' AND ')} THEN ${value(f.value)} END` : value(f.value);
      byName.set(f.name, [...(byName.get(f.name) ?? []), arm]);
    }
    const obj = d.jsonObject([...byName].map(([n, xs]) => [n, xs.length === 1 ? xs[0]! : `COALESCE(${xs.join(', ')})`] as const), true);
    return `WHEN ${channel} = ${d.str(table.channel)} OR ${provider} = ${d.str(table.provider)} THEN ${obj}`;
  });
  const body = d.let(eventIdSql(d, d.get(w, ['event_id'])), id, `CASE ${arms.join(' ')} END`);
  return d.let(d.lower(d.text(d.get(w, ['channel']))), channel, d.let(d.lower(d.text(d.get(w, ['provider_name']))), provider, body));
}

/**
 * Lower-case strings one of which the event's text (lower-cased; for Sigma also without spaces) must contain for
 * the field to be present: the last key of the path (snake or camel case for UDM). Undefined: no such guard.
 * A key written with JSON escapes (`\u0041`) in the input is not seen by the guard.
 */
export function fieldGuard(kind: ResolverKind, field: string): { readonly keys: readonly string[]; readonly noSpaces: boolean } | undefined {
  switch (kind) {
    case 'dotted':
    case 'dotted_ci':
      return { keys: [field.split('.').pop()!.toLowerCase()], noSpaces: false };
    case 'panther': {
      if (!field.includes('[')) return { keys: [field.split('.').pop()!.toLowerCase()], noSpaces: false };
      const segs = parseKeyPath(field);
      const last = segs?.[segs.length - 1];
      return last && 'key' in last ? { keys: [last.key.toLowerCase()], noSpaces: false } : undefined;
    }
    case 'sigma': {
      if (field === KEYWORD_FIELD) return undefined;
      const keys = [field.split('.').pop()!.toLowerCase().replaceAll(' ', '')];
      const us = field.indexOf('_');
      if (us > 0 && !field.includes('.')) keys.push(field.slice(us + 1).toLowerCase().replaceAll(' ', ''));
      // a System value of a Winlogbeat event is under its winlog name; a value Elastic's pipelines moved, under its ECS
      // name
      for (const path of winlogPathsOf(field)) keys.push(path[path.length - 1]!.toLowerCase());
      for (const t of WINLOG_ECS) for (const f of t.fields) if (f.name === field) for (const path of ecsPathsOf(f.value)) keys.push(path[path.length - 1]!.toLowerCase());
      return { keys: keys.filter((k) => k !== ''), noSpaces: true };
    }
    case 'splunk': {
      if (!field.includes('{}')) return { keys: [field.split('.').pop()!.toLowerCase()], noSpaces: false };
      const segs = splunkPath(field);
      const last = segs?.filter((x): x is { key: string } => 'key' in x).pop();
      return last ? { keys: [last.key.toLowerCase()], noSpaces: false } : undefined;
    }
    case 'udm': {
      const parts = splitUdmPath(field);
      const last = parts?.[parts.length - 1];
      if (!last || last.kind === 'index') return undefined;
      const k = last.kind === 'name' ? last.name : last.key;
      return { keys: [...new Set([k.toLowerCase(), camel(k).toLowerCase()])], noSpaces: false };
    }
  }
}

/** The ECS paths a restored value is read from. */
function ecsPathsOf(x: EcsValue): readonly (readonly string[])[] {
  return x.kind === 'path' || x.kind === 'map' ? [x.path] : x.kind === 'join' ? x.paths : x.pairs.map(([, p]) => p);
}

/** The winlog paths a Sigma System name (`EventID`, `Provider_Name`…) is read from in a Winlogbeat event. */
function winlogPathsOf(field: string): (readonly string[])[] {
  const out: (readonly string[])[] = [];
  for (const [k, path] of WINLOG_SYSTEM) if (k === field) out.push(path);
  for (const [el, attrs] of WINLOG_SYSTEM_ATTRIBUTES) for (const [a, path] of attrs) if (`${el}_${a}` === field) out.push(path);
  return out;
}

/** Fresh lambda variable names. */
export class Names {
  private n = 0;
  next(p = 'v'): string {
    return `${p}${this.n++}`;
  }
}

const isIndex = (k: string) => k !== '' && [...k].every((c) => c >= '0' && c <= '9');

/** SQL of a field's value (JSON, or NULL when missing) for a resolver. */
export function fieldSql(d: SqlDialect, kind: ResolverKind, field: string, cols: EventColumns, names = new Names()): string {
  switch (kind) {
    case 'dotted':
      return dotted(d, cols.ev, field.split('.'), false, names, 0, cols.ev !== 'ev', cols);
    case 'dotted_ci':
      return dotted(d, cols.ev, field.split('.'), true, names, 0, cols.ev !== 'ev', cols);
    case 'panther': {
      if (!field.includes('[')) return dotted(d, cols.ev, field.split('.'), true, names, 0, cols.ev !== 'ev', cols);
      const segs = parseKeyPath(field);
      return segs ? keyPath(d, cols.ev, segs, 0, names) : 'NULL';
    }
    case 'sigma':
      return sigma(d, field, cols, names);
    case 'udm':
      return udm(d, field, cols, names);
    case 'splunk': {
      if (!field.includes('{}')) return dotted(d, cols.ev, field.split('.'), false, names, 0, cols.ev !== 'ev', cols);
      const segs = splunkPath(field);
      return segs ? keyPath(d, cols.ev, segs, 0, names, false) : 'NULL';
    }
  }
}

/** A key of an object; with `ci`, a case-insensitive match when no exact key exists. */
function lookup(d: SqlDialect, v: string, key: string, ci: boolean, names: Names): string {
  const exact = d.get(v, [key]);
  if (!ci) return exact;
  const k = names.next('k');
  return `COALESCE(${exact}, ${d.getDynamic(v, d.first(d.filter(d.keys(v), d.lambda(k, `${d.lower(k)} = ${d.str(key.toLowerCase())}`))))})`;
}

/** A value as a list: a JSON array's elements, or the value alone. */
function asList(d: SqlDialect, w: string, names: Names): string {
  const v = names.next();
  return d.let(w, v, `CASE WHEN ${d.is(v, 'array')} THEN ${d.elements(v)} ELSE ${d.list([v])} END`);
}

/** A list of JSON values (NULLs dropped) as one JSON array, NULL when empty. */
function collected(d: SqlDialect, list: string, names: Names): string {
  const y = names.next('y');
  const l = names.next('l');
  return d.let(d.filter(list, d.lambda(y, `${y} IS NOT NULL`)), l, `CASE WHEN ${d.listLength(l)} > 0 THEN ${d.toJsonArray(l)} END`);
}

/** The model's dotted resolver from part `i` of `parts` on value `x` (see `dottedResolver`). */
function dotted(d: SqlDialect, x: string, parts: readonly string[], ci: boolean, names: Names, i = 0, arrays = true, cols?: EventColumns): string {
  if (i === parts.length) return x;
  if (cols && !arrays && i === 0 && x === cols.ev) {
    // the event root (an object): exact keys from the prefetched values
    const n = parts.length;
    const tries: string[] = [];
    for (let j = n; j > 0; j--) {
      if (!(n <= MAX_SPLIT_PARTS || j === n || j === 1)) continue;
      const key = parts.slice(0, j).join('.');
      const found = ci ? `COALESCE(${getAt(d, cols, x, [key])}, ${lookup(d, x, key, true, names)})` : getAt(d, cols, x, [key]);
      tries.push(dotted(d, found, parts, ci, names, j, true));
    }
    return tries.length === 1 ? tries[0]! : `COALESCE(${tries.join(', ')})`;
  }
  const v = names.next();
  const n = parts.length;
  const splits: number[] = [];
  for (let j = n; j > i; j--) if (n - i <= MAX_SPLIT_PARTS || j === n || j === i + 1) splits.push(j);
  /** The rest of the path from an object `o`: every split of the parts into a key (longest first). */
  const rest = (o: string): string => {
    const tries = splits.map((j) => dotted(d, lookup(d, o, parts.slice(i, j).join('.'), ci, names), parts, ci, names, j, true));
    return tries.length === 1 ? tries[0]! : `COALESCE(${tries.join(', ')})`;
  };
  if (!arrays) return d.let(x, v, rest(v));
  const key = parts[i]!;
  if (isIndex(key)) return d.let(x, v, `CASE WHEN ${d.is(v, 'array')} THEN ${dotted(d, d.get(v, [key]), parts, ci, names, i + 1, true)} ELSE ${rest(v)} END`);
  // a list: the rest from each element, collected; else from the value itself. The rest is written once, over a
  // list of the elements or of the value alone: a copy for each case doubled the SQL at every level of the path
  const e = names.next('e');
  const r = names.next('r');
  const z = names.next('z');
  const each = d.map(`CASE WHEN ${d.is(v, 'array')} THEN ${d.elements(v)} ELSE ${d.list([v])} END`, d.lambda(e, rest(e)));
  return d.let(x, v, d.let(each, r, `CASE WHEN ${d.is(v, 'array')} THEN ${collected(d, d.flatten(d.map(r, d.lambda(z, asList(d, z, names)))), names)} ELSE ${d.first(r)} END`));
}

type Seg = ReturnType<typeof parseKeyPath> extends (infer T)[] | undefined ? T : never;

/** Panther KeyPath segments (`[*]` collects, `[n]` indexes, keys exact then case-insensitive; with `ci` false, exact only: Splunk's `{}` paths). */
function keyPath(d: SqlDialect, x: string, segs: readonly Seg[], i: number, names: Names, ci = true): string {
  if (i === segs.length) return x;
  const s = segs[i]!;
  const v = names.next();
  if ('any' in s) {
    const e = names.next('e');
    const flat = segs.slice(i + 1).some((t) => 'any' in t);
    const inner = keyPath(d, e, segs, i + 1, names, ci);
    const list = flat ? d.flatten(d.map(d.elements(v), d.lambda(e, asList(d, inner, names)))) : d.map(d.elements(v), d.lambda(e, inner));
    return d.let(x, v, `CASE WHEN ${d.is(v, 'array')} THEN ${collected(d, list, names)} END`);
  }
  if ('index' in s) return d.let(x, v, `CASE WHEN ${d.is(v, 'array')} THEN ${keyPath(d, d.get(v, [String(s.index)]), segs, i + 1, names, ci)} END`);
  return d.let(x, v, `CASE WHEN ${d.is(v, 'object')} THEN ${keyPath(d, lookup(d, v, s.key, ci, names), segs, i + 1, names, ci)} END`);
}

/** `{"#text": v}` stands for v. */
function unwrap(d: SqlDialect, w: string, names: Names): string {
  // a key path on a non-object is NULL: COALESCE(w.#text, w) is exactly unwrap
  const v = names.next();
  return d.let(w, v, `COALESCE(${d.get(v, ['#text'])}, ${v})`);
}

/** A JSON null as SQL NULL (JavaScript `??` skips both). */
function nn(d: SqlDialect, w: string, names: Names): string {
  void names;
  return d.nullIfJsonNull(w);
}

/** An attribute of an XML element rendered to JSON: `#attributes.Name` or `@Name`. */
function attr(d: SqlDialect, o: string, name: string): string {
  return `COALESCE(${d.get(o, ['#attributes', name])}, ${d.get(o, [`@${name}`])})`;
}

/** Sigma's `fromData`: a key of EventData (or a UserData child), a key written with spaces, a `Data` item named so. */
function fromData(d: SqlDialect, edExpr: string, field: string, names: Names, direct?: (keys: readonly string[]) => string, pre?: { spaced?: string; data?: string }): string {
  const ed = names.next('ed');
  const at = (keys: readonly string[]) => (direct ? direct(keys) : d.get(ed, keys));
  const k = names.next('k');
  const spaced = d.first(d.filter(d.keys(ed), d.lambda(k, `${d.contains(k, "' '")} AND ${d.stripSpaces(k)} = ${d.str(field)}`)));
  const data = names.next('data');
  const it = names.next('it');
  const nm = names.next('nm');
  const name = `COALESCE(${attr(d, it, 'Name')}, ${d.get(it, ['Name'])})`;
  const matches = `(${d.is(nm, 'string')} AND (${d.text(nm)} = ${d.str(field)} OR ${d.stripSpaces(d.text(nm))} = ${d.str(field)}))`;
  const item = d.let(name, nm, `CASE WHEN ${matches} THEN COALESCE(${nn(d, d.get(it, ['#text']), names)}, ${nn(d, d.get(it, ['value']), names)}, ${nn(d, d.get(it, ['Value']), names)}, ${d.JSON_NULL}) END`);
  const items = `CASE WHEN ${d.is(data, 'array')} THEN ${d.elements(data)} WHEN ${data} IS NOT NULL THEN ${d.list([data])} END`;
  const y = names.next('y');
  const fromItems = d.let(pre?.data ?? d.get(ed, ['Data']), data, d.first(d.filter(d.map(items, d.lambda(it, `CASE WHEN ${d.is(it, 'object')} THEN ${item} END`)), d.lambda(y, `${y} IS NOT NULL`))));
  const body = `CASE WHEN ${d.is(ed, 'object')} THEN COALESCE(${at([field, '#text'])}, ${at([field])}, ${pre?.spaced ? `CASE WHEN ${pre.spaced} THEN ${unwrap(d, d.getDynamic(ed, spaced), names)} END` : unwrap(d, d.getDynamic(ed, spaced), names)}, ${pre?.data ? `CASE WHEN ${pre.data} IS NOT NULL THEN ${fromItems} END` : fromItems}) END`;
  return d.let(edExpr, ed, body);
}

function sigma(d: SqlDialect, field: string, cols: EventColumns, names: Names): string {
  if (field === KEYWORD_FIELD) return d.toJsonArray(d.keywords(cols.ev));
  // a plain name: two pointer lookups (`{"#text": v}` first), no walk
  const plain = !field.includes('.');
  const keyUnwrapped = (o: string, k: string) => `COALESCE(${getAt(d, cols, o, [k, '#text'])}, ${getAt(d, cols, o, [k])})`;
  const direct = plain ? keyUnwrapped(cols.ev, field) : unwrap(d, dotted(d, cols.ev, field.split('.'), false, names, 0, cols.ev !== 'ev', cols), names);
  const c = names.next('c');
  const y = names.next('y');
  const userData = `CASE WHEN ${d.is(cols.ud, 'object')} THEN ${d.first(d.filter(d.map(d.keys(cols.ud), d.lambda(c, fromData(d, d.getDynamic(cols.ud, c), field, names))), d.lambda(y, `${y} IS NOT NULL`)))} END`;
  const sysParts = [keyUnwrapped(cols.sys, field)];
  const us = field.indexOf('_');
  if (us > 0) {
    const el = names.next('el');
    sysParts.push(d.let(d.get(cols.sys, [field.slice(0, us)]), el, `CASE WHEN ${d.is(el, 'object')} THEN ${attr(d, el, field.slice(us + 1))} END`));
  }
  // last, a value restored from the ECS field Elastic's pipelines moved it to (`winlogElement`)
  const restored = ECS_RESTORED_NAMES.has(field) ? [d.get(cols.win, [RESTORED, field])] : [];
  const win = `CASE WHEN ${cols.win} IS NOT NULL THEN COALESCE(${[fromData(d, cols.ed, field, names, (keys) => getAt(d, cols, cols.ed, keys), { ...(cols.edSpaced ? { spaced: cols.edSpaced } : {}), ...(cols.edData ? { data: cols.edData } : {}) }), userData, `CASE WHEN ${d.is(cols.sys, 'object')} THEN COALESCE(${sysParts.join(', ')}) END`, ...restored].join(', ')}) END`;
  return `COALESCE(${direct}, ${win})`;
}

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_m, ch: string) => ch.toUpperCase());

/** YARA-L's UDM resolver (see `resolveUdmField`). */
function udm(d: SqlDialect, field: string, cols: EventColumns, names: Names): string {
  const parts = splitUdmPath(field);
  if (!parts) return 'NULL';
  const own = (v: string, k: string) => (camel(k) !== k ? `COALESCE(${d.get(v, [k])}, ${d.get(v, [camel(k)])})` : d.get(v, [k]));
  const step = (x: string, p: (typeof parts)[number], arrays: boolean): string => {
    const v = names.next();
    if (p.kind === 'index') return d.let(x, v, `CASE WHEN ${d.is(v, 'array')} THEN ${d.get(v, [String(p.index)])} END`);
    const k = p.kind === 'name' ? p.name : p.key;
    const obj = `CASE WHEN ${d.is(v, 'object')} THEN ${own(v, k)} END`;
    if (!arrays) return d.let(x, v, obj);
    const e = names.next('e');
    const each = collected(d, d.flatten(d.map(d.elements(v), d.lambda(e, asList(d, step(e, p, false), names)))), names);
    let arr = each;
    if (p.kind === 'key') {
      const e2 = names.next('e');
      const e3 = names.next('e');
      const allEntries = `${d.listLength(d.filter(d.elements(v), d.lambda(e2, `NOT (${d.is(e2, 'object')} AND ${d.get(e2, ['key'])} IS NOT NULL)`)))} = 0`;
      const vals = names.next('l');
      const entries = d.let(d.map(d.filter(d.elements(v), d.lambda(e3, `${d.text(d.get(e3, ['key']))} = ${d.str(p.key)} AND ${d.is(d.get(e3, ['key']), 'string')}`)), d.lambda(e3, `COALESCE(${d.get(e3, ['value'])}, ${d.JSON_NULL})`)), vals, `CASE WHEN ${d.listLength(vals)} = 1 THEN ${d.first(vals)} WHEN ${d.listLength(vals)} > 1 THEN ${d.toJsonArray(vals)} END`);
      arr = `CASE WHEN ${allEntries} THEN ${entries} ELSE ${each} END`;
    }
    return d.let(x, v, `CASE WHEN ${d.is(v, 'array')} THEN ${arr} ELSE ${obj} END`);
  };
  const walk = (root: string) => parts.reduce((x, p) => step(x, p, true), root);
  return `COALESCE(${walk(cols.ev)}, ${walk(d.get(cols.ev, ['udm']))})`;
}
