/**
 * Table readings: a rule written over one product's form of a log (a Defender XDR table, a Sentinel table, an ECS
 * document) read over the raw log it comes from, for the hunt (`FormatAdapter.huntReadings`). A reading is data: for
 * each of the rule's fields (a column), the raw field that holds the same value in the same form, or the file name
 * of that field's path, or the value every event the reading runs on has (an ECS document's `event.category` for a
 * Sysmon process creation event). A test of any other field is unknown, with the reason: the rule may fire,
 * depending on it. The languages' tables are beside their adapters (`src/formats/kusto/readings.ts`,
 * `src/formats/elastic/readings.ts`, `src/formats/splunk/readings.ts`, `src/formats/yaral/readings.ts`).
 */
import { and, derivedFields, FALSE, isFieldRef, mapEachLeaf, not, opaque, or, pred, relativeDepth, TRUE, type Derived, type Each, type Expr, type Predicate, type TransformStep, type Value } from '../model/expr.ts';
import { aggregateCall, aggregationDecides, MISSING_KEYS_WORDS } from '../model/aggregate.ts';
import { evaluatePredicate, resolveDotted } from '../model/evaluate.ts';
import { renderExpr, renderPredicate } from '../model/render.ts';
import type { Format } from '../model/facts.ts';
import type { Aggregation, DerivedKey, RuleRecord } from '../model/rule.ts';
import type { HuntReading } from './adapter.ts';

/**
 * A Sysmon event in the event log's own form (evtx rendered as JSON, or flat with `EventID` and `Channel`), not an ECS
 * document shipped by Winlogbeat or Elastic Agent (`src/hunt/recognise.ts` tells them apart): the Sysmon events an
 * Elastic rule is read over (`src/formats/elastic/readings.ts`); on an ECS document the rule runs as written.
 */
export const SYSMON_EVENT_LOG = 'vendor:windows/sysmon-eventlog';
/**
 * A Sysmon for Linux event in the form Sysmon writes it (its XML rendered as JSON, as evtx is: channel
 * `Linux-Sysmon/Operational`), not an ECS document (as `SYSMON_EVENT_LOG`).
 */
export const LINUX_SYSMON_EVENT_LOG = 'vendor:linux/sysmon-eventlog';
/**
 * Sysmon for Linux's channel and provider (lower-case): its events have Windows Sysmon's form, ids and field names
 * (`Image`, `CommandLine`, `TargetFilename`…), and are Linux events.
 */
export const LINUX_SYSMON = { channel: 'linux-sysmon/operational', provider: 'linux-sysmon' } as const;

/**
 * Sysmon for Linux event id → log source: Sigma's `linux` categories (`process_creation`, `file_event`,
 * `network_connection`; a deletion is a file event, as on Windows), the others as Sysmon names them. Ids Windows has
 * and Linux does not (registry, image load, pipes, DNS…) are not listed.
 */
export const LINUX_SYSMON_EVENT_IDS: Readonly<Record<number, string>> = {
  1: 'linux.process_creation',
  3: 'vendor:linux/network_connection',
  4: 'vendor:linux/sysmon_status',
  5: 'vendor:linux/process_termination',
  9: 'vendor:linux/raw_access_read',
  11: 'linux.file',
  16: 'vendor:linux/sysmon_status',
  23: 'linux.file',
  255: 'vendor:linux/sysmon_error',
};

/** Sysmon event id → canonical log source (or a Sigma category without one, as `vendor:windows/<category>`). */
export const SYSMON_EVENT_IDS: Readonly<Record<number, string>> = {
  1: 'windows.process_creation',
  2: 'vendor:windows/file_change',
  3: 'windows.network',
  4: 'vendor:windows/sysmon_status',
  5: 'vendor:windows/process_termination',
  6: 'windows.driver_load',
  7: 'windows.image_load',
  8: 'vendor:windows/create_remote_thread',
  9: 'vendor:windows/raw_access_thread',
  10: 'windows.process_access',
  11: 'windows.file',
  12: 'windows.registry',
  13: 'windows.registry',
  14: 'windows.registry',
  15: 'vendor:windows/create_stream_hash',
  16: 'vendor:windows/sysmon_status',
  17: 'windows.pipe',
  18: 'windows.pipe',
  19: 'vendor:windows/wmi_event',
  20: 'vendor:windows/wmi_event',
  21: 'vendor:windows/wmi_event',
  22: 'windows.dns',
  23: 'windows.file',
  24: 'vendor:windows/clipboard_capture',
  25: 'vendor:windows/process_tampering',
  26: 'windows.file',
  27: 'vendor:windows/file_block_executable',
  28: 'vendor:windows/file_block_shredding',
  29: 'windows.file',
  255: 'vendor:windows/sysmon_error',
};

/** Security events that Sigma's taxonomy also reads as a category (4688 is process creation). */
export const SECURITY_EVENT_CATEGORIES: Readonly<Record<number, string>> = { 4688: 'windows.process_creation' };

/** A Security event in the event log's own form (as `SYSMON_EVENT_LOG`). */
export const SECURITY_EVENT_LOG = 'vendor:windows/security-eventlog';
/** A PowerShell Operational event in the event log's own form (as `SYSMON_EVENT_LOG`). */
export const POWERSHELL_EVENT_LOG = 'vendor:windows/powershell-eventlog';
/**
 * Entra ID's sign-in and audit logs as Azure Monitor's diagnostic settings export them (`category`, `operationName`,
 * the record's own fields under `properties`), not Log Analytics' flat rows (`SigninLogs`' `UserPrincipalName`…): the
 * events a KQL rule over those tables is read over (`src/formats/kusto/readings.ts`); on a flat row it runs as written.
 */
export const ENTRA_EXPORT = 'vendor:entra/diagnostic-export';
/**
 * A Google Workspace audit event as one record of its own (the Admin SDK Reports API's activity with one of its
 * `events` and that event's `parameters` as a map of name to value: Panther's `GSuite.ActivityEvent`), not the API's
 * activity with its list of events: the events the other languages' rules over Google Workspace are read over
 * (each language's `readings.ts`).
 */
export const WORKSPACE_EVENT = 'vendor:google_workspace/activity-event';

/**
 * A column read as a raw log's field (`name`: the file name of that field's path), or a value the column has on
 * every event the reading runs on (`constant`).
 */
export type Column =
  | {
      readonly field: string;
      readonly name?: true;
      /** The column is computed from the raw field by these steps (a file extension cut from a path). */
      readonly steps?: readonly TransformStep[];
      /** The raw log may spell the value in another case than the table does: only a case-blind test of it is read. */
      readonly anyCase?: true;
      readonly constant?: undefined;
      readonly read?: undefined;
    }
  | { readonly constant: Value | readonly Value[]; readonly field?: undefined; readonly name?: undefined; readonly steps?: undefined; readonly anyCase?: undefined; readonly read?: undefined }
  | {
      /**
       * A column the raw log's shipper computes from several fields (an ECS `event.outcome` from CloudTrail's
       * `errorCode`): a test of it as an expression over the raw fields, or undefined where that cannot be said.
       */
      readonly read: (p: Predicate, lang: ReadingLang) => Expr | undefined;
      readonly field?: undefined;
      readonly name?: undefined;
      readonly steps?: undefined;
      readonly anyCase?: undefined;
      readonly constant?: undefined;
    };

export interface TableReading {
  /** The canonical log source of the raw events the table's rows correspond to. */
  readonly logSource: string;
  /** The raw events the reading runs on (their recogniser's log source). */
  readonly onlyWith: string;
  /** What the reading is, for output. */
  readonly label: string;
  /** The raw log, in the reason a column it does not hold is unknown. */
  readonly raw: string;
  /** The language whose field resolution reads the raw events (a Windows event's EventData: Sigma's). */
  readonly readAs?: Format;
  /**
   * Columns read only as group-by keys, by a field that parts the events into the same groups (Defender's `DeviceId`
   * names one device as its `DeviceName`, Sysmon's `Computer`, does), though not with the same values.
   */
  readonly groupsAs?: Readonly<Record<string, string>>;
  /**
   * Columns that hold a raw object as JSON text: the whole column is in another form (unknown), but a member the rule
   * reads of it (`AdditionalEventData.MFAUsed`, after `parse_json`) is the raw object's member.
   */
  readonly json?: Readonly<Record<string, string>>;
  /**
   * Which of the raw log's events are the table's rows, where the log holds more than one table's (the export of
   * Entra ID's logs: a sign-in table's rows are one `category`): a condition over the raw events, ANDed to the reading.
   */
  readonly rows?: Expr;
  /**
   * Column prefixes under which the raw object's own members are kept (`aws.cloudtrail.flattened.request_parameters.`
   * is `requestParameters.`), or renamed (a function of the rest of the column's name giving the raw path or a column,
   * undefined where the rest names nothing the raw log holds in the same form).
   */
  readonly prefixes?: Readonly<Record<string, string | ((rest: string) => string | Column | undefined)>>;
  /**
   * Column prefixes the table's rows never hold (another data set's fields: `azure.signinlogs.` in an Activity log
   * document): a test of such a column is a test of a missing field.
   */
  readonly absent?: readonly string[];
  /**
   * Repeated fields that hold one element on the events read (the UDM `security_result` an Okta event fills): a test
   * of any or every element (YARA-L `$e.security_result.action`) is a test of that element's fields.
   */
  readonly single?: readonly string[];
  readonly columns: Readonly<Record<string, Column>>;
  /**
   * Whose semantics the derivations the reading writes follow (`Derived.lang`), in its columns' steps and in what its
   * computed columns derive (`onField`): a file name cut from a path, an extension, a value lower-cased. KQL's where
   * the table stands for a value never null (a cut that finds nothing is "", UDM's zero value); EQL's where a shipper
   * leaves out what it cannot compute (an ingest pipeline, a Splunk add-on).
   */
  readonly lang: ReadingLang;
  /**
   * Hash columns and their algorithm, which Sysmon lists in the event's `Hashes` (`SHA1=…,MD5=…,SHA256=…,IMPHASH=…`,
   * upper-case hexadecimal, the algorithms the configuration chose).
   */
  readonly hashes?: Readonly<Record<string, 'SHA1' | 'SHA256' | 'MD5'>>;
  /**
   * Columns the raw log holds under the same name, besides `columns` (a Splunk search over Windows events names the
   * events' own EventData fields, `TargetImage`, as the event does).
   */
  readonly sameName?: (column: string) => boolean | Column;
}

export const path = (field: string): Column => ({ field });
export const anyCase = (field: string): Column => ({ field, anyCase: true });
export const nameOf = (field: string): Column => ({ field, name: true });
export const constant = (value: Value | readonly Value[]): Column => ({ constant: value });
export const derivedFrom = (field: string, steps: readonly TransformStep[]): Column => ({ field, steps });
/** The languages a reading's derivations are written in (`TableReading.lang`). */
export type ReadingLang = NonNullable<Derived['lang']>;

/** A computed column: `read` is given the test, and the language its derivations are written in (`onField`'s). */
export const computed = (read: (p: Predicate, lang: ReadingLang) => Expr | undefined): Column => ({ read });

/** The string values of an `eq` / `in` test (undefined for any other test, or a value that is not a string). */
export function stringValues(p: Predicate): string[] | undefined {
  if ((p.op !== 'eq' && p.op !== 'in') || p.derived || p.opts?.match === 'all' || !p.values.length) return undefined;
  return p.values.every((v): v is string => typeof v === 'string') ? (p.values as string[]) : undefined;
}

/** The same word, with or without case. */
export const sameWord = (a: string, b: string, cs: boolean): boolean => (cs ? a === b : a.toLowerCase() === b.toLowerCase());

/**
 * A column whose value is one of a few words, each standing for a test of the raw event (`network.direction`
 * `egress` is Sysmon's `Initiated` "true"): a test of the column with those words, the OR of their tests; a word
 * the pipeline never writes is false, and so is a case-sensitive test of another spelling than the pipeline's.
 * `unread`: the events whose value the table does not say, where a test of any word is unknown (ORed to each).
 */
export function words(table: Readonly<Record<string, (p: Predicate) => Expr>>, unread?: (p: Predicate) => Expr): Column {
  return computed((p) => {
    const vs = stringValues(p);
    if (!vs) return undefined;
    const cs = p.opts?.cs !== false;
    return or(
      ...vs.map((v) => {
        const key = Object.keys(table).find((k) => sameWord(k, v, cs));
        const known = key !== undefined ? table[key]!(p) : FALSE;
        return unread ? or(known, unread(p)) : known;
      }),
    );
  });
}

/** The event's id is one of these (an id written as text, `"4688"`, is that number). */
export const eventId = (ids: readonly number[], p: Predicate): Expr => pred('EventID', 'in', [...ids], { typing: 'loose' }, p.span);

/**
 * A column whose value the log's shipper or parser sets per event id (`event.action` `logged-in` for 4624): a test of it is the
 * events whose ids the tested values stand for; an event of another id has a value the table does not say (unknown).
 */
export function byEventId(table: Readonly<Record<number, readonly string[]>>, what: string): Column {
  const ids = Object.keys(table).map(Number);
  return computed((p) => {
    const vs = stringValues(p);
    if (!vs) return undefined;
    const cs = p.opts?.cs !== false;
    const hit = ids.filter((id) => table[id]!.some((w) => vs.some((v) => sameWord(v, w, cs))));
    const other = and(not(eventId(ids, p)), opaque(renderPredicate(p), `${what}: the table read here does not set it for this event id`, p.span));
    return or(...(hit.length ? [eventId(hit, p)] : []), other);
  });
}

/**
 * The test, of another raw field: its operand computed from that field as the test computes it from the column, the
 * steps written in `lang` (a computed column's `read` is given its table's; the test's own derivation keeps its own).
 */
export function onField(p: Predicate, field: string): Predicate;
export function onField(p: Predicate, field: string, steps: readonly TransformStep[], lang: ReadingLang): Predicate;
export function onField(p: Predicate, field: string, steps: readonly TransformStep[] = [], lang?: ReadingLang): Predicate {
  return steps.length ? { ...p, field, derived: { ...(p.derived ?? {}), steps: [...steps, ...(p.derived?.steps ?? [])], lang: p.derived?.lang ?? lang } } : { ...p, field };
}

/**
 * The hunt's reading of a rule over a table's raw log: its condition and, where the rule counts, its aggregation read
 * there; none when the rule pairs events, when no test of the condition can be answered, or when a threshold's keys or
 * counted fields have no raw field.
 */
export function tableReading(table: TableReading, condition: Expr, rule: RuleRecord): readonly HuntReading[] {
  const a = rule.logic.aggregation;
  if (a?.sides?.length || a?.correlation) return [];
  // an aggregation without a threshold (`summarize min(TimeGenerated) by …`) has a result row for each event's group
  // whatever its keys are, when the language groups a missing key too: the reading shares it as written; a threshold's
  // keys and counted columns must be read
  const decides = aggregationDecides(a);
  const counted = decides || (a?.missingKeys !== undefined && a.missingKeys !== 'group');
  const aggregation = a && counted ? readAggregation(table, a) : undefined;
  // without a threshold, an aggregation that drops an event missing a key (Splunk's `stats … by dest, user`) is a
  // result row for each event that has every key: where a key is not read as a plain raw field, the reading tests the
  // keys' presence instead (unknown where the raw log does not say)
  // (a key whose absence leaves the row to other events, `missingKeys: 'unknown'`, is tested the same way, unknown
  // where absent)
  const keyTest = (k: string): Expr => {
    const present = pred(k, 'is_not_null', [], {}, a?.span);
    return a?.missingKeys === 'unknown' ? or(present, opaque(`${k} missing`, MISSING_KEYS_WORDS.unknown(k), a.span)) : present;
  };
  // a key that is the first of several fields present (a coalesce without a derivation) is present where one is
  const coalesced = (a?.derivedKeys ?? []).filter((d) => d.coalesce && !d.derived && !d.cases && d.missingAs === undefined);
  // a key the rule computes in a way the model does not hold (a Splunk `eval` left opaque): whether it is there is
  // unknown
  const opaqueKeys = (a?.computedKeys ?? []).filter((k) => !(a?.derivedKeys ?? []).some((d) => d.name === k));
  const plainKeys = !a?.computedKeys?.length || (coalesced.length + opaqueKeys.length === a.computedKeys.length && coalesced.length === (a.derivedKeys?.length ?? 0));
  const keysPresent =
    a && counted && !aggregation && !decides && (a.missingKeys === 'drop' || a.missingKeys === 'unknown') && plainKeys
      ? [
          ...a.groupBy.map(keyTest),
          ...coalesced.map((d) => or(...[d.field, ...d.coalesce!].map(keyTest))),
          ...opaqueKeys.map((k) => opaque(`${k} present`, `${k}: a key the rule computes in a way not read here`, a.span)),
        ]
      : undefined;
  if (counted && !aggregation && !keysPresent) return [];
  const cond = keysPresent ? and(condition, ...keysPresent) : condition;
  // a condition with no test (`SigninLogs | summarize count() by UserAgent`) still reads the table's rows only
  const read0 = readOver(table, cond) ?? (table.rows && cond.kind === 'const' && cond.value === true ? cond : undefined);
  // a key the reading computes (`readAggregation`'s derived keys) whose language leaves out an event without it: the
  // computed value's presence (and, for zero values, not empty), tested on the raw event
  const derivedPresent = read0 && aggregation?.derivedKeys && !a?.derivedKeys && (a?.missingKeys === 'drop' || a?.missingKeys === 'zero')
    ? aggregation.derivedKeys.map((k): Expr => {
        const on = (op: 'is_not_null' | 'eq', values: Value[]): Predicate => ({ ...pred(k.field, op, values, { cs: true }, a.span), ...(k.derived ? { derived: k.derived } : {}) });
        return a.missingKeys === 'zero' ? and(on('is_not_null', []), not(on('eq', ['']))) : on('is_not_null', []);
      })
    : [];
  const read = read0 && derivedPresent.length ? and(read0, ...derivedPresent) : read0;
  // the keys' presence now in the condition, each matching event is a result row of its own (not one of the rule's
  // groups, whose keys the raw event names otherwise)
  const ownRows = keysPresent && a ? (({ missingKeys: _m, listKeys: _l, ...rest }) => ({ ...rest, groupBy: [] }))(a) : undefined;
  const agg = aggregation ?? ownRows;
  return read ? [{ onlyWith: table.onlyWith, logSources: [table.logSource], condition: table.rows ? and(table.rows, read) : read, label: table.label, ...(table.readAs ? { readAsFormat: table.readAs } : {}), ...(agg ? { aggregation: agg } : {}) }] : [];
}

/** The raw field a column (or a member of a JSON or object column) is read as. */
export function columnOf(table: TableReading, f: string): Column | undefined {
  if (Object.hasOwn(table.columns, f)) return table.columns[f];
  const dot = f.indexOf('.');
  const head = dot > 0 ? f.slice(0, dot) : '';
  if (head && table.json && Object.hasOwn(table.json, head)) return path(table.json[head] + f.slice(dot));
  if (table.prefixes) {
    for (const [pre, raw] of Object.entries(table.prefixes)) {
      if (f.length <= pre.length || !f.startsWith(pre)) continue;
      const rest = f.slice(pre.length);
      const to = typeof raw === 'string' ? raw + rest : raw(rest);
      return typeof to === 'string' ? path(to) : to;
    }
  }
  const same = table.sameName?.(f);
  if (same) return same === true ? path(f) : same;
  return table.absent?.some((pre) => f.startsWith(pre)) ? ABSENT : undefined;
}

/** A column no event read has: its test as the rule's language tests a missing field. */
const ABSENT: Column = computed((p) => {
  const t = evaluatePredicate(p, {}, resolveDotted);
  return t === true ? TRUE : t === false ? FALSE : undefined;
});

/** A column read as a raw field itself (not a file name computed from one, nor a constant). */
const plainField = (c: Column | undefined): string | undefined => (c && c.field !== undefined && !c.name && !c.steps ? c.field : undefined);

/** `fn(Column)` with the column read as its raw field; `count()` as it is; undefined for anything else. */
function readFunction(table: TableReading, fn: string): string | undefined {
  const call = aggregateCall(fn);
  if (!call) return fn.includes('(') ? undefined : fn;
  if (call.arg === undefined) return fn;
  const f = plainField(columnOf(table, call.arg));
  return f !== undefined ? `${call.name}(${f})` : undefined;
}

/**
 * A rule's aggregation read over the raw events: group-by keys and counted columns as their raw fields, counting
 * conditions read as the rule's condition is; undefined when a key or a counted column has no such field (a file
 * name computed from a path included), the aggregation keeps rows or pairs events, or it computes a key otherwise than
 * from one column (a case, a coalesce, a derivation reading other fields).
 */
export function readAggregation(table: TableReading, a: Aggregation): Aggregation | undefined {
  if (a.sides?.length || a.correlation || a.keep || a.rules?.length) return undefined;
  // the rule's own computed keys (a YARA-L placeholder over a repeated field, `$e.principal.user.userid = $user`):
  // each from its column's raw field (and the column's own steps before the key's), where the column is one
  const own = (a.derivedKeys ?? []).map((d): DerivedKey | undefined => {
    if (d.cases || d.coalesce || (d.derived && derivedFields(d.derived).some((f) => f !== d.field))) return undefined;
    const c = columnOf(table, d.field);
    if (c?.field === undefined || c.name) return undefined;
    if (!c.steps) return { ...d, field: c.field };
    return { ...d, field: c.field, derived: { ...(d.derived ?? {}), steps: [...c.steps, ...(d.derived?.steps ?? [])], lang: d.derived?.lang ?? table.lang } };
  });
  if (own.some((d) => !d) || (a.computedKeys ?? []).some((k) => !own.some((d) => d?.name === k))) return undefined;
  const groupBy: string[] = [];
  // a key the table computes from one raw field (Okta's user id, the address cut at `@`): a key computed per event
  const derivedKeys: DerivedKey[] = own as DerivedKey[];
  for (const g of a.groupBy) {
    const c = columnOf(table, g);
    const field = plainField(c) ?? (table.groupsAs && Object.hasOwn(table.groupsAs, g) ? table.groupsAs[g] : undefined);
    if (field !== undefined) groupBy.push(field);
    else if (c?.field !== undefined && c.steps && !c.name) derivedKeys.push({ name: g, field: c.field, derived: { steps: c.steps, lang: table.lang } });
    else return undefined;
  }
  const where = (w: Expr | undefined): Expr | undefined => (w ? readOver(table, w) ?? opaque(renderExpr(w), `the counting condition: ${why(table)}`) : undefined);
  let failed = false;
  const fn = (f: string): string => {
    const r = readFunction(table, f);
    if (r === undefined) failed = true;
    return r ?? f;
  };
  const test = <T extends { readonly function: string; readonly where?: Expr }>(t: T): T => ({ ...t, function: fn(t.function), ...(t.where ? { where: where(t.where) } : {}) });
  const th = a.threshold;
  const out: Aggregation = {
    ...a,
    groupBy,
    ...(derivedKeys.length ? { computedKeys: derivedKeys.map((k) => k.name), derivedKeys } : {}),
    // the function is counted only against a threshold; without one each group is a result row, whatever it computes
    ...(a.function !== undefined ? { function: th ? fn(a.function) : a.function } : {}),
    ...(th ? { threshold: { ...th, ...(th.where ? { where: where(th.where) } : {}), ...(th.than ? { than: test(th.than) } : {}) } } : {}),
    ...(a.moreThresholds ? { moreThresholds: a.moreThresholds.map(test) } : {}),
    ...(a.orThresholds ? { orThresholds: a.orThresholds.map((alt) => alt.map(test)) } : {}),
  };
  return failed ? undefined : out;
}

/**
 * The condition with each column read as its raw field; undefined when no test of a raw field can be answered (a
 * condition of constants alone says nothing of the event).
 */
export function readOver(table: TableReading, e: Expr): Expr | undefined {
  let answered = 0;
  const leaf = (x: Parameters<Parameters<typeof mapEachLeaf>[1]>[0]): Expr => {
    if (x.kind === 'pred') {
      const p = predicate(table, x);
      if (p.kind !== 'opaque' && p.kind !== 'const') answered++;
      return p;
    }
    if (x.kind !== 'each') return x;
    // a repeated field of one element on these events: the test of any (or every) element is the test of that one
    const one = table.single?.includes(x.array) ? singleElement(x) : undefined;
    if (one) return mapEachLeaf(one, leaf);
    // an array column: its elements are the table's, which no raw field holds
    return opaque(x.array, `${x.array}: ${why(table)}`, x.span);
  };
  const out = mapEachLeaf(e, leaf);
  return answered ? out : undefined;
}

/**
 * An `any` / `all` over an array of one element as the test of that element, its element-relative fields (`.action`)
 * made fields of the array (`security_result.action`); undefined for a count, a derived array or a nested one.
 */
function singleElement(x: Each): Expr | undefined {
  if ((x.quant !== 'any' && x.quant !== 'all') || x.derived || x.distinct || x.iterate) return undefined;
  let ok = true;
  const out = mapEachLeaf(x.expr, (l) => {
    if (l.kind === 'each') ok = false;
    if (l.kind !== 'pred') return l;
    const fix = (f: string): string => {
      const n = relativeDepth(f);
      if (n > 1) ok = false;
      return n === 1 ? (f === '.' ? x.array : `${x.array}${f}`) : f;
    };
    const values = l.values.some(isFieldRef) ? l.values.map((v) => (isFieldRef(v) ? { ...v, field: fix(v.field) } : v)) : l.values;
    return { ...l, field: fix(l.field), values };
  });
  return ok ? out : undefined;
}

export const why = (t: TableReading): string => `a column ${t.raw} does not hold in the same form (a ${t.logSource} event read for a rule over the table)`;

/** Hexadecimal digits of each hash algorithm. */
const HASH_LENGTH = { SHA1: 40, SHA256: 64, MD5: 32 } as const;

/**
 * A hash column equal to one of some hashes, read in Sysmon's `Hashes`: the event lists one of them (case aside: the
 * same file), or lists another hash of that algorithm (no match); an event whose `Hashes` does not list the algorithm
 * cannot tell (unknown).
 */
function hashPredicate(table: TableReading, p: Predicate): Expr | undefined {
  const alg = table.hashes && Object.hasOwn(table.hashes, p.field) ? table.hashes[p.field]! : undefined;
  if (alg === undefined || p.derived || (p.op !== 'eq' && p.op !== 'in') || p.opts?.match === 'all') return undefined;
  const len = HASH_LENGTH[alg];
  if (!p.values.length || !p.values.every((v) => typeof v === 'string' && v.length === len && /^[0-9a-fA-F]+$/.test(v))) return undefined;
  const listed = pred('Hashes', 'contains', p.values.map((v) => `${alg}=${String(v)}`), { cs: false }, p.span);
  const unlisted = not(pred('Hashes', 'contains', [`${alg}=`], { cs: false }, p.span));
  return or(listed, and(unlisted, opaque(renderPredicate(p), `${p.field}: the event's Hashes does not list ${alg}`, p.span)));
}

/** A test whose result does not depend on the case of the value (`=~`, `has`, a case fold, a presence test). */
function caseBlind(p: Predicate): boolean {
  return p.opts?.cs === false || p.op === 'is_null' || p.op === 'is_not_null' || (p.derived?.steps.some((s) => s.fn === 'lower' || s.fn === 'upper') ?? false);
}

/** The file name of a path (after its last `\` or `/`): a derivation step. */
const FILE_NAME: Derived['steps'][number] = { fn: 'extract', args: ['[^\\\\/]*$', 0] };

/** A predicate on a column whose value is the same on every event read: its truth, as the rule's language tests it. */
export function constantPredicate(p: Predicate, value: Value | readonly Value[]): Expr {
  const t = evaluatePredicate(p, { [p.field]: value }, resolveDotted);
  return t === true ? TRUE : t === false ? FALSE : opaque(renderPredicate(p), `${p.field}: a constant the test cannot be decided on`, p.span);
}

/**
 * A column whose value on the events read is one of some values, which the raw log does not say (a CIM data set's
 * field the add-on leaves unset: missing in a search of the raw events, `unknown` in the data model): a test of it is
 * decided where every value gives the same result, else unknown.
 */
export function oneOf(values: readonly Value[], why: string): Column {
  return computed((p) => {
    const rs = values.map((v) => constantPredicate(p, v));
    if (rs.every((r) => r.kind === 'const' && r.value === true)) return TRUE;
    if (rs.every((r) => r.kind === 'const' && r.value === false)) return FALSE;
    return opaque(renderPredicate(p), `${p.field}: ${why}`, p.span);
  });
}

const IP_LIKE = /^[0-9a-fA-F:.]+(\/\d+)?$/;
/**
 * A column that holds an address copied from a raw field that may hold something else (CloudTrail's `sourceIPAddress`
 * names a service for a service's call): a test of addresses (or a CIDR range) is the raw field's test; another test
 * is not read.
 */
export const addressIn = (field: string): Column =>
  computed((p) => (!p.derived && (p.op === 'cidr' || ((p.op === 'eq' || p.op === 'in') && p.values.every((v) => typeof v === 'string' && IP_LIKE.test(v)))) ? onField(p, field) : undefined));

/** A column every event has (Splunk's `_time`), whose value is not read: only a test of its presence is decided. */
export const present: Column = computed((p) => (p.derived ? undefined : p.op === 'is_not_null' ? TRUE : p.op === 'is_null' ? FALSE : undefined));

function predicate(table: TableReading, p: Predicate): Expr {
  const lang = p.derived?.lang ?? table.lang;
  const hash = hashPredicate(table, p);
  if (hash) return hash;
  const col = (f: string): Column | undefined => columnOf(table, f);
  const refs = p.values.flatMap((v) => (isFieldRef(v) ? [v.field] : []));
  const missing = [p.field, ...derivedFields(p.derived), ...refs].find((f) => !col(f));
  if (missing !== undefined) return opaque(renderPredicate(p), `${missing}: ${why(table)}`, p.span);
  const c = col(p.field)!;
  if (c.read) {
    const own = !refs.length && !(p.derived && derivedFields(p.derived).some((f) => f !== p.field));
    return (own ? c.read(p, lang) : undefined) ?? opaque(renderPredicate(p), `${p.field}: ${why(table)}`, p.span);
  }
  if (c.constant !== undefined) {
    return refs.length || (p.derived && derivedFields(p.derived).some((f) => f !== p.field)) ? opaque(renderPredicate(p), `${p.field}: ${why(table)}`, p.span) : constantPredicate(p, c.constant);
  }
  // a derived operand that reads other columns, or a column compared with a file name computed from a path or a
  // constant: unknown rather than a new derivation written around the old
  if ((p.derived && derivedFields(p.derived).some((f) => f !== p.field)) || refs.some((f) => plainField(col(f)) === undefined)) return opaque(renderPredicate(p), `${p.field}: ${why(table)}`, p.span);
  if ([p.field, ...refs].some((f) => col(f)!.anyCase) && !caseBlind(p)) return opaque(renderPredicate(p), `${p.field}: ${table.raw} may spell its values in another case than the table does, and this test is case-sensitive`, p.span);
  const values: Value[] = p.values.map((v) => (isFieldRef(v) ? { ...v, field: col(v.field)!.field! } : v));
  if (c.steps) return { ...p, field: c.field!, values, derived: { ...(p.derived ?? {}), steps: [...c.steps, ...(p.derived?.steps ?? [])], lang } };
  if (!c.name) return { ...p, field: c.field!, values };
  // a file name equal to one of some names (none with a separator): the path is that name or ends with it after a
  // separator, a test of the path itself (which the hunt's prefilter keys on) rather than a derivation of it
  const names = p.values.filter((v): v is string => typeof v === 'string' && !v.includes('\\') && !v.includes('/'));
  if (!p.derived && (p.op === 'eq' || p.op === 'in') && names.length === p.values.length && names.length && p.opts?.match !== 'all') {
    const ends = (sep: string) => pred(c.field!, 'ends_with', names.map((n) => sep + n), p.opts, p.span);
    return or(pred(c.field!, p.op, names, p.opts, p.span), ends('\\'), ends('/'));
  }
  const steps = [FILE_NAME, ...(p.derived?.steps ?? [])];
  return { ...p, field: c.field!, values, derived: { ...(p.derived ?? {}), steps, lang } };
}
