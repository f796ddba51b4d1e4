/**
 * How a Sigma field name finds its value in a JSON event.
 * - flat events and dotted paths: the model's default (exact key, then dotted path);
 * - Windows events rendered from XML/evtx (`{"Event": {"System": {...}, "EventData": {...}}}`, also without the
 *   `Event` wrapper): `Image` in `EventData`, `EventID` / `Channel` / `Computer` in `System`, `Provider_Name` in
 *   `System.Provider` attributes (`#attributes.Name` or `@Name`), `EventData.Data` as a list of
 *   `{"#attributes": {"Name": …}, "#text": …}` / `{"@Name": …, "#text": …}`, and `UserData.<element>.<field>`;
 *   a node `{"#text": v, "#attributes": …}` stands for v; data names written with spaces (Windows Defender's
 *   "Source Name") are found by their Sigma spelling without spaces (`SourceName`);
 * - Windows events as Winlogbeat and Elastic Agent ship them (`winlog.event_data`…): read as the element they were
 *   rendered from (`winlogElement`);
 * - the keyword pseudo-field `_keywords`: every scalar value of the event (full-text keyword search).
 */
import { resolveDotted } from '../../model/evaluate.ts';
import type { IndexingResolver } from '../../model/compile.ts';
import { KEYWORD_FIELD } from './sigmaFacts.ts';
import { isRecord } from '../../model/isRecord.ts';

type Obj = Record<string, unknown>;

const has = (o: Obj, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** The value at a path of own keys (literal keys, no dotted splits), undefined when one is missing. */
function keyPath(o: unknown, path: readonly string[]): unknown {
  let v = o;
  for (const k of path) v = isRecord(v) && has(v, k) ? v[k] : undefined;
  return v;
}

/** A Windows event id as a number: a number, or a text of digits. */
export function eventIdOf(v: unknown): number | undefined {
  return typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** `{"#text": v}` (XML element with attributes) stands for v. */
function unwrap(v: unknown): unknown {
  if (isRecord(v) && has(v, '#text')) return v['#text'];
  return v;
}

function attr(o: Obj, name: string): unknown {
  const a = o['#attributes'];
  if (isRecord(a) && has(a, name)) return a[name];
  if (has(o, `@${name}`)) return o[`@${name}`];
  return undefined;
}

/** A field of EventData: a direct key, or a `Data` element named so. */
function fromData(ed: unknown, field: string): unknown {
  if (!isRecord(ed)) return undefined;
  if (has(ed, field)) return unwrap(ed[field]);
  // Windows Defender and others name data items with spaces ("Source Name"); Sigma writes them without
  for (const k of Object.keys(ed)) if (k.includes(' ') && k.replaceAll(' ', '') === field) return unwrap(ed[k]);
  const data = ed['Data'];
  const list = Array.isArray(data) ? data : data !== undefined ? [data] : [];
  for (const d of list) {
    if (!isRecord(d)) continue;
    const name = attr(d, 'Name') ?? d['Name'];
    if (name === field || (typeof name === 'string' && name.replaceAll(' ', '') === field)) return d['#text'] ?? d['value'] ?? d['Value'] ?? null;
  }
  return undefined;
}

/**
 * The `Event` element of a Windows event (or the event itself when it has System / EventData at the top, or the
 * element a Winlogbeat event stands for: `winlogElement`).
 */
function windowsEvent(event: Obj): Obj | undefined {
  const e = event['Event'];
  if (isRecord(e)) return e;
  if (isRecord(event['System']) || isRecord(event['EventData']) || isRecord(event['UserData'])) return event;
  return winlogElement(event);
}

/**
 * What Winlogbeat and Elastic Agent carry of a Windows event's System element as values (`winlogElement`): System
 * keys, then attributes of System elements, each with its path under `winlog`. Its `task`, `opcode`, `keywords`
 * and level are names, not the element's numbers, and are not mapped.
 */
export const WINLOG_SYSTEM: readonly (readonly [string, readonly string[]])[] = [
  ['EventID', ['event_id']],
  ['Channel', ['channel']],
  ['Computer', ['computer_name']],
  ['EventRecordID', ['record_id']],
  ['Version', ['version']],
];
export const WINLOG_SYSTEM_ATTRIBUTES: readonly (readonly [string, readonly (readonly [string, readonly string[]])[]])[] = [
  ['Provider', [['Name', ['provider_name']]]],
  ['Execution', [['ProcessID', ['process', 'pid']], ['ThreadID', ['process', 'thread', 'id']]]],
  ['Security', [['UserID', ['user', 'identifier']]]],
];

/**
 * How a Windows EventData value that Elastic's ingest pipelines (Elastic Agent's Windows and System integrations,
 * Winlogbeat's modules) move out of `winlog.event_data` is found again in the ECS field they moved it to, so that a
 * Sigma rule reads `Image`, `CommandLine`, `User` or `IpAddress` of such an event as it reads them of the event
 * Windows wrote. One table per channel (`WINLOG_ECS`: Sysmon's, and the Security log's). A value is read only when
 * nothing else of the event has the name (after EventData, UserData and System: `RESTORED`), and only for the event
 * ids listed (`ids`) or not excluded (`notIds`): the Sysmon pipeline writes `process.executable` from `Image`, but from
 * `SourceImage` in events 8 and 10.
 * - `path`: the value at the ECS path, as it is (numbers the pipeline converted stay numbers: `IpPort`);
 * - `join`: the texts at several paths joined by `sep`, when all are present (`User` is `domain\name`);
 * - `map`: the text at a path translated (`Initiated` from `network.direction`);
 * - `pairs`: `NAME=value` for each path present, joined by commas, values upper-cased (`Hashes` from
 *   `process.hash.*`: the pipeline split and lower-cased the list Sysmon writes as `SHA1=…,MD5=…`; the order of the
 *   restored pairs is this table's, not necessarily the original's).
 * Not restored: what a pipeline translated without a way back (Sysmon's DNS query status names, `QueryResults`,
 * `UtcTime`), process ids it turned from hexadecimal text into numbers (Security's `ProcessId`, `NewProcessId`),
 * `ClientAddress` (merged into `related.ip`), and values it dropped as empty (`-`). The Security log's IPv4-mapped
 * addresses come back without their `::ffff:` prefix, which the pipeline strips.
 */
export type EcsValue =
  | { readonly kind: 'path'; readonly path: readonly string[] }
  | { readonly kind: 'join'; readonly paths: readonly (readonly string[])[]; readonly sep: string }
  | { readonly kind: 'map'; readonly path: readonly string[]; readonly to: Readonly<Record<string, string>> }
  | { readonly kind: 'pairs'; readonly pairs: readonly (readonly [string, readonly string[]])[] };
export interface EcsField {
  /** The EventData name. */
  readonly name: string;
  readonly value: EcsValue;
  readonly ids?: readonly number[];
  readonly notIds?: readonly number[];
}
const at = (...path: string[]): EcsValue => ({ kind: 'path', path });
const hashes = (base: string): EcsValue => ({
  kind: 'pairs',
  pairs: [['SHA1', [base, 'hash', 'sha1']], ['MD5', [base, 'hash', 'md5']], ['SHA256', [base, 'hash', 'sha256']], ['IMPHASH', [base, 'pe', 'imphash']]],
});
const SYSMON_ECS: readonly EcsField[] = [
  { name: 'Image', value: at('process', 'executable'), notIds: [8, 10, 20] },
  { name: 'SourceImage', value: at('process', 'executable'), ids: [8, 10] },
  { name: 'Destination', value: at('process', 'executable'), ids: [20] },
  { name: 'ProcessGuid', value: at('process', 'entity_id'), notIds: [8, 10] },
  { name: 'SourceProcessGuid', value: at('process', 'entity_id'), ids: [8, 10] },
  { name: 'SourceProcessGUID', value: at('process', 'entity_id'), ids: [8, 10] },
  { name: 'ProcessId', value: at('process', 'pid'), notIds: [8, 10] },
  { name: 'SourceProcessId', value: at('process', 'pid'), ids: [8, 10] },
  { name: 'SourceThreadId', value: at('process', 'thread', 'id'), ids: [8, 10] },
  { name: 'CommandLine', value: at('process', 'command_line') },
  { name: 'CurrentDirectory', value: at('process', 'working_directory') },
  { name: 'ParentProcessGuid', value: at('process', 'parent', 'entity_id') },
  { name: 'ParentProcessId', value: at('process', 'parent', 'pid') },
  { name: 'ParentImage', value: at('process', 'parent', 'executable') },
  { name: 'ParentCommandLine', value: at('process', 'parent', 'command_line') },
  { name: 'OriginalFileName', value: at('process', 'pe', 'original_file_name'), notIds: [7] },
  { name: 'OriginalFileName', value: at('file', 'pe', 'original_file_name'), ids: [7] },
  { name: 'Hashes', value: hashes('process'), ids: [1, 23, 24, 25] },
  { name: 'Hashes', value: hashes('file'), ids: [6, 7, 15, 26, 29] },
  { name: 'TargetFilename', value: at('file', 'path'), ids: [2, 11, 15, 23, 26, 27, 28, 29] },
  { name: 'ImageLoaded', value: at('file', 'path'), ids: [6, 7] },
  { name: 'Device', value: at('file', 'path'), ids: [9] },
  { name: 'PipeName', value: at('file', 'name'), ids: [17, 18] },
  { name: 'Protocol', value: at('network', 'transport') },
  { name: 'SourceIp', value: at('source', 'ip') },
  { name: 'SourceHostname', value: at('source', 'domain') },
  { name: 'SourcePort', value: at('source', 'port') },
  { name: 'DestinationIp', value: at('destination', 'ip') },
  { name: 'DestinationHostname', value: at('destination', 'domain') },
  { name: 'DestinationPort', value: at('destination', 'port') },
  { name: 'Initiated', value: { kind: 'map', path: ['network', 'direction'], to: { egress: 'true', ingress: 'false' } }, ids: [3] },
  { name: 'SourceIsIpv6', value: { kind: 'map', path: ['network', 'type'], to: { ipv6: 'true', ipv4: 'false' } }, ids: [3] },
  { name: 'QueryName', value: at('dns', 'question', 'name'), ids: [22] },
  { name: 'User', value: { kind: 'join', paths: [['user', 'domain'], ['user', 'name']], sep: '\\' } },
  { name: 'RuleName', value: at('rule', 'name') },
  { name: 'TargetObject', value: at('registry', 'path'), ids: [12, 13, 14] },
  { name: 'Type', value: at('message'), ids: [25] },
];

/** Event ids from a list of ids and `[first, last]` ranges. */
const idList = (...xs: (number | readonly [number, number])[]): number[] => xs.flatMap((x) => (typeof x === 'number' ? [x] : Array.from({ length: x[1] - x[0] + 1 }, (_, i) => x[0] + i)));
/** The Security events whose process, address and workstation values Elastic's Security pipeline moves. */
const SECURITY_AUTH_IDS = idList(1100, 1102, 1104, 1105, 1108, 4624, 4625, 4648, 4670, 4673, 4674, 4689, 4697, 4719, 4720, [4722, 4735], 4737, 4738, [4740, 4764], [4767, 4771], 4798, 4799, 4817, 4904, 4905, 4907, 4912, 5140, 5145);
/** Windows Filtering Platform connection events (5152, 5156–5158). */
const SECURITY_WFP_IDS = [5152, 5156, 5157, 5158];
const SECURITY_ECS: readonly EcsField[] = [
  { name: 'NewProcessName', value: at('process', 'executable'), ids: [4688] },
  { name: 'ParentProcessName', value: at('process', 'parent', 'executable'), ids: [4688] },
  { name: 'ProcessName', value: at('process', 'executable'), ids: SECURITY_AUTH_IDS },
  { name: 'IpAddress', value: at('source', 'ip'), ids: SECURITY_AUTH_IDS },
  { name: 'IpPort', value: at('source', 'port'), ids: SECURITY_AUTH_IDS },
  { name: 'WorkstationName', value: at('source', 'domain'), ids: SECURITY_AUTH_IDS },
  { name: 'Application', value: at('process', 'executable'), ids: SECURITY_WFP_IDS },
  { name: 'SourceAddress', value: at('source', 'ip'), ids: SECURITY_WFP_IDS },
  { name: 'SourcePort', value: at('source', 'port'), ids: SECURITY_WFP_IDS },
  { name: 'DestAddress', value: at('destination', 'ip'), ids: SECURITY_WFP_IDS },
  { name: 'DestPort', value: at('destination', 'port'), ids: SECURITY_WFP_IDS },
];

/** A channel's table: its events are told by `winlog.channel` or `winlog.provider_name` (lower-cased). */
export interface WinlogEcsTable {
  readonly channel: string;
  readonly provider: string;
  readonly fields: readonly EcsField[];
}
export const WINLOG_ECS: readonly WinlogEcsTable[] = [
  { channel: 'microsoft-windows-sysmon/operational', provider: 'microsoft-windows-sysmon', fields: SYSMON_ECS },
  { channel: 'security', provider: 'microsoft-windows-security-auditing', fields: SECURITY_ECS },
];
/** Every EventData name some table restores. */
export const ECS_RESTORED_NAMES: ReadonlySet<string> = new Set(WINLOG_ECS.flatMap((t) => t.fields.map((f) => f.name)));

/** Key of a Winlogbeat event's element (`winlogElement`) holding the values restored from ECS fields (`WINLOG_ECS`). */
export const RESTORED = '#restored';

/** Does the table's entry apply to an event of this id. */
function ecsApplies(f: EcsField, id: number): boolean {
  return (f.ids === undefined || f.ids.includes(id)) && !(f.notIds?.includes(id) ?? false);
}

/** EventData values of a Windows event shipped through Elastic's pipelines, restored from its ECS fields (`WINLOG_ECS`). */
function ecsRestored(event: Obj, w: Obj): Obj | undefined {
  const channel = typeof w['channel'] === 'string' ? w['channel'].toLowerCase() : undefined;
  const provider = typeof w['provider_name'] === 'string' ? w['provider_name'].toLowerCase() : undefined;
  const table = WINLOG_ECS.find((t) => t.channel === channel || t.provider === provider);
  if (!table) return undefined;
  const id = eventIdOf(w['event_id']) ?? NaN;
  const get = (path: readonly string[]): unknown => keyPath(event, path) ?? undefined;
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);
  let out: Obj | undefined;
  for (const f of table.fields) {
    if ((out && has(out, f.name)) || !ecsApplies(f, id)) continue;
    let v: unknown;
    const x = f.value;
    if (x.kind === 'path') v = get(x.path);
    else if (x.kind === 'map') {
      const t = text(get(x.path));
      v = t !== undefined && has(x.to, t) ? x.to[t] : undefined;
    } else if (x.kind === 'join') {
      const parts = x.paths.map((p) => text(get(p)));
      v = parts.every((p) => p !== undefined) ? parts.join(x.sep) : undefined;
    } else {
      const parts: string[] = [];
      for (const [n, p] of x.pairs) {
        const t = text(get(p));
        if (t !== undefined) parts.push(`${n}=${t.toUpperCase()}`);
      }
      v = parts.length ? parts.join(',') : undefined;
    }
    if (v !== undefined && (typeof v !== 'object' || v === null)) (out ??= {})[f.name] = v;
  }
  return out;
}

const winlogElements = new WeakMap<Obj, Obj>();

/**
 * A Windows event as Winlogbeat and Elastic Agent ship it (`winlog.event_id`, `winlog.channel`,
 * `winlog.event_data`…), as the XML element it was rendered from: System from `WINLOG_SYSTEM` (attributes as
 * `@Name` keys), EventData is `winlog.event_data`, and `winlog.user_data` is UserData's one child; for Sysmon and Security, the
 * values Elastic's pipelines moved to ECS fields are under `RESTORED` (`WINLOG_ECS`). A `winlog` value
 * that is missing or null is left out. Undefined unless `winlog` is an object with an `event_id`. Made once per
 * event (the hunt asks for it field after field). `winlogElementSql` (`src/hunt/sql/fields.ts`) builds the same in SQL.
 */
export function winlogElement(event: Obj): Obj | undefined {
  const w = event['winlog'];
  if (!isRecord(w) || w['event_id'] === undefined || w['event_id'] === null) return undefined;
  const known = winlogElements.get(event);
  if (known) return known;
  const at = (path: readonly string[]): unknown => keyPath(w, path);
  const sys: Obj = {};
  for (const [k, path] of WINLOG_SYSTEM) {
    const v = at(path);
    if (v !== undefined && v !== null) sys[k] = v;
  }
  for (const [el, attrs] of WINLOG_SYSTEM_ATTRIBUTES) {
    const o: Obj = {};
    for (const [a, path] of attrs) {
      const v = at(path);
      if (v !== undefined && v !== null) o[`@${a}`] = v;
    }
    if (Object.keys(o).length) sys[el] = o;
  }
  const el: Obj = { System: sys };
  const ed = isRecord(w['event_data']) ? w['event_data'] : undefined;
  if (ed) el['EventData'] = ed;
  const restored = ecsRestored(event, w);
  if (restored) el[RESTORED] = restored;
  if (isRecord(w['user_data'])) el['UserData'] = { data: w['user_data'] };
  winlogElements.set(event, el);
  return el;
}

const MAX_KEYWORD_VALUES = 10_000;

/** Every scalar value of the event, as strings (for keyword searches). */
export function keywordValues(event: unknown): string[] {
  const out: string[] = [];
  visitScalars(event, 0, out);
  return out;
}

function visitScalars(v: unknown, depth: number, out: string[]): void {
  if (out.length >= MAX_KEYWORD_VALUES || depth > 64) return;
  if (v === null || v === undefined) return;
  if (Array.isArray(v)) for (const x of v) visitScalars(x, depth + 1, out);
  else if (typeof v === 'object') for (const k in v) {
    if (has(v as Obj, k)) visitScalars((v as Obj)[k], depth + 1, out);
  }
  else out.push(String(v));
}

export const resolveSigmaField: IndexingResolver = (event, field) => {
  if (field === KEYWORD_FIELD) return keywordValues(event);
  const direct = resolveDotted(event, field);
  if (direct !== undefined) return unwrap(direct);
  if (!isRecord(event)) return undefined;
  const win = windowsEvent(event);
  if (!win) return undefined;
  const fromEventData = fromData(win['EventData'], field);
  if (fromEventData !== undefined) return fromEventData;
  const ud = win['UserData'];
  if (isRecord(ud)) {
    for (const child of Object.values(ud)) {
      const v = fromData(child, field);
      if (v !== undefined) return v;
    }
  }
  const sys = win['System'];
  if (isRecord(sys)) {
    if (has(sys, field)) return unwrap(sys[field]);
    // Provider_Name → System.Provider's Name attribute; Security_UserID → System.Security's UserID attribute
    const us = field.indexOf('_');
    if (us > 0) {
      const el = sys[field.slice(0, us)];
      if (isRecord(el)) {
        const v = attr(el, field.slice(us + 1));
        if (v !== undefined) return v;
      }
    }
  }
  const restored = win[RESTORED];
  if (isRecord(restored) && has(restored, field)) return restored[field];
  return undefined;
};

/**
 * The Windows part of `resolveSigmaField` for one event as one table, built once (EventData keys, their spellings
 * without spaces, `Data` items by name, then `UserData` children, `System` keys and `<element>_<attribute>`), the
 * first entry of a name winning as the resolver's order has it. Undefined when a value is `undefined` (not JSON:
 * the resolver's order then depends on it) or the event is not a Windows event.
 */
function windowsIndex(event: Obj): Map<string, unknown> | undefined {
  const win = windowsEvent(event);
  if (!win) return undefined;
  const idx = new Map<string, unknown>();
  // EventData's own keys are read directly (`perEvent`), before the index
  if (!indexData(idx, win['EventData'], true)) return undefined;
  const ud = win['UserData'];
  if (isRecord(ud)) for (const child of Object.values(ud)) if (!indexData(idx, child)) return undefined;
  const sys = win['System'];
  if (isRecord(sys)) {
    const keys = Object.keys(sys);
    for (const k of keys) if (!put(idx, k, unwrap(sys[k]))) return undefined;
    for (const k of keys) {
      const el = sys[k];
      if (k === '' || k.includes('_') || !isRecord(el)) continue;
      const a = el['#attributes'];
      if (isRecord(a)) for (const n of Object.keys(a)) if (!put(idx, `${k}_${n}`, a[n])) return undefined;
      for (const n of Object.keys(el)) if (n.startsWith('@') && !put(idx, `${k}_${n.slice(1)}`, el[n])) return undefined;
    }
  }
  const restored = win[RESTORED];
  if (isRecord(restored)) for (const k of Object.keys(restored)) put(idx, k, restored[k]);
  return idx;
}

/** First entry of a name wins; false for an `undefined` value (the index is then not used). */
function put(idx: Map<string, unknown>, k: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (!idx.has(k)) idx.set(k, v);
  return true;
}

/** The entries `fromData` finds in one EventData-like element, in its order. */
function indexData(idx: Map<string, unknown>, ed: unknown, skipKeys = false): boolean {
  if (!isRecord(ed)) return true;
  const keys = Object.keys(ed);
  if (!skipKeys) for (const k of keys) if (!put(idx, k, unwrap(ed[k]))) return false;
  for (const k of keys) if (k.includes(' ') && !put(idx, k.replaceAll(' ', ''), unwrap(ed[k]))) return false;
  const d0 = ed['Data'];
  const list = Array.isArray(d0) ? d0 : d0 !== undefined ? [d0] : [];
  for (const d of list) {
    if (!isRecord(d)) continue;
    const name = attr(d, 'Name') ?? d['Name'];
    if (typeof name !== 'string') continue;
    const v = d['#text'] ?? d['value'] ?? d['Value'] ?? null;
    put(idx, name, v);
    if (name.includes(' ')) put(idx, name.replaceAll(' ', ''), v);
  }
  return true;
}

/**
 * A Windows event whose index would hold only System's entries (and `RESTORED` ones) besides EventData's own keys
 * (read directly): no
 * UserData, and an EventData without `Data` items or keys with spaces (Sysmon's, Security's as JSON exports write them).
 */
function simpleWindows(win: Obj): boolean {
  if (isRecord(win['UserData'])) return false;
  const ed = win['EventData'];
  if (!isRecord(ed)) return true;
  if (has(ed, 'Data')) return false;
  for (const k in ed) if (k.includes(' ')) return false;
  return true;
}

const MISSING = Symbol('missing');

/**
 * A field as `windowsIndex` would find it in System alone: a key of it (first), then `<element>_<attribute>` (the
 * element's `#attributes`, then its `@` keys); `MISSING` when it has none; undefined when the value found is
 * undefined (the index is then not used: the caller goes the index's way).
 */
function fromSystem(sys: unknown, field: string): unknown {
  if (!isRecord(sys)) return MISSING;
  if (has(sys, field)) return unwrap(sys[field]);
  const us = field.indexOf('_');
  if (us <= 0) return MISSING;
  const k = field.slice(0, us);
  const el = has(sys, k) ? sys[k] : undefined;
  if (!isRecord(el)) return MISSING;
  const n = field.slice(us + 1);
  const a = el['#attributes'];
  if (isRecord(a) && has(a, n)) return a[n];
  if (has(el, `@${n}`)) return el[`@${n}`];
  return MISSING;
}

/**
 * One event's resolver (what the hunt's views use): a Windows event is indexed once, then each field is one
 * lookup after the direct path; the same answers as `resolveSigmaField`.
 */
Object.assign(resolveSigmaField, {
  perEvent(event: unknown): (field: string) => unknown {
    if (!isRecord(event)) return (field) => resolveSigmaField(event, field);
    let idx: Map<string, unknown> | undefined | null = null;
    let simple: boolean | undefined;
    const win = windowsEvent(event);
    const ed = win?.['EventData'];
    const data = isRecord(ed) ? ed : undefined;
    return (field) => {
      if (field === KEYWORD_FIELD || field.includes('.')) return resolveSigmaField(event, field);
      if (has(event, field) && event[field] !== undefined) return unwrap(event[field]);
      if (data && has(data, field)) {
        const v = unwrap(data[field]);
        return v !== undefined ? v : resolveSigmaField(event, field);
      }
      if (simple === undefined) simple = win !== undefined && simpleWindows(win);
      if (simple) {
        // only System can answer (what the index would hold of it), then the values restored from ECS fields; an
        // undefined value: the index's way
        const v = fromSystem(win!['System'], field);
        if (v !== undefined) {
          if (v !== MISSING) return v;
          const r = win![RESTORED];
          return isRecord(r) && has(r, field) ? r[field] : undefined;
        }
      }
      if (idx === null) idx = windowsIndex(event);
      return idx ? idx.get(field) : resolveSigmaField(event, field);
    };
  },
});
