/**
 * An event's canonical log sources, told from the event itself with the tables of `recogniseFacts.ts`: Windows
 * events (evtx rendered to JSON as the Sigma regression data has them, `{"Event": {"System": …}}`, as Winlogbeat
 * ships them, `{"winlog": {"event_id": …}}`, or flat with `EventID` and `Channel`; Sysmon for Linux's are Linux events),
 * Panther-normalised events (`p_log_type`), Elastic's own documents (`ecs.version`, `ELASTIC_DOCUMENT`), then the
 * recognisers in order.
 */
import { PANTHER_LOGTYPES } from '../formats/panther/vocabulary.ts';
import { eventIdOf, winlogElement } from '../formats/sigma/resolve.ts';
import { resolveDotted } from '../model/evaluate.ts';
import { ELASTIC_DOCUMENT, LINUX_SYSMON, LINUX_SYSMON_EVENT_IDS, LINUX_SYSMON_EVENT_LOG, PANTHER_RAW_FORMS, POWERSHELL_EVENT_CATEGORIES, RECOGNISERS, SECURITY_EVENT_CATEGORIES, SYSMON_EVENT_IDS, SYSMON_EVENT_LOG, WINDOWS_CHANNELS } from './recogniseFacts.ts';
import { isRecord } from '../model/isRecord.ts';

type Obj = Record<string, unknown>;

/** `{"#text": v}` stands for v; `{"#attributes": {"Name": n}}` / `{"@Name": n}` for the attribute. */
function text(v: unknown): unknown {
  return isRecord(v) && '#text' in v ? v['#text'] : v;
}
function attr(v: unknown, name: string): unknown {
  if (!isRecord(v)) return undefined;
  const a = v['#attributes'];
  if (isRecord(a) && name in a) return a[name];
  return v[`@${name}`];
}

/** Channel, provider and event id of a Windows event, when it is one. */
export function windowsHeader(event: unknown): { channel: string; provider: string; eventId: number } | undefined {
  if (!isRecord(event)) return undefined;
  const ev = isRecord(event['Event']) ? event['Event'] : (winlogElement(event) ?? event);
  const sys = isRecord(ev['System']) ? ev['System'] : ev;
  const id = eventIdOf(text(sys['EventID']));
  if (id === undefined) return undefined;
  const channel = text(sys['Channel']);
  const provider = attr(sys['Provider'], 'Name') ?? sys['Provider_Name'] ?? (typeof sys['Provider'] === 'string' ? sys['Provider'] : undefined);
  if (typeof channel !== 'string' && typeof provider !== 'string') return undefined;
  return { channel: typeof channel === 'string' ? channel : '', provider: typeof provider === 'string' ? provider : '', eventId: id };
}

/** A Windows event in Winlogbeat's (Elastic Agent's) form: an ECS document with the event under `winlog`. */
export function isWinlogbeatDocument(event: Record<string, unknown>): boolean {
  return !isRecord(event['Event']) && winlogElement(event) !== undefined;
}

function windowsLogSources(h: { channel: string; provider: string; eventId: number }, ecs: boolean): string[] {
  const ch = h.channel.toLowerCase();
  // Sysmon for Linux: the event log's form, but a Linux event
  if (ch === LINUX_SYSMON.channel || h.provider.toLowerCase() === LINUX_SYSMON.provider) {
    const s = LINUX_SYSMON_EVENT_IDS[h.eventId];
    return ['vendor:linux', ...(s ? [s] : []), 'vendor:linux/sysmon', ...(ecs ? [] : [LINUX_SYSMON_EVENT_LOG])];
  }
  const out = new Set<string>(['vendor:windows']);
  const sysmon = ch === 'microsoft-windows-sysmon/operational' || h.provider.toLowerCase() === 'microsoft-windows-sysmon';
  if (sysmon) {
    const s = SYSMON_EVENT_IDS[h.eventId];
    if (s) out.add(s);
    out.add('vendor:windows/sysmon');
    if (!ecs) out.add(SYSMON_EVENT_LOG);
    return [...out];
  }
  const c = WINDOWS_CHANNELS[ch];
  for (const l of c?.logSources ?? []) out.add(l);
  if (c?.eventLog && !ecs) out.add(c.eventLog);
  if (c?.service) out.add(`vendor:windows/${c.service}`);
  else if (ch) out.add(`vendor:windows/${ch}`);
  if (ch === 'security') {
    const cat = SECURITY_EVENT_CATEGORIES[h.eventId];
    if (cat) out.add(cat);
  }
  if (c?.logSources?.includes('windows.powershell')) {
    const cat = POWERSHELL_EVENT_CATEGORIES[h.eventId];
    if (cat) out.add(`vendor:windows/${cat}`);
  }
  return [...out];
}

/** A field a recogniser tests, with the event keys its value can be under (`a`, `a.b` for `a.b.c`). */
interface Field {
  readonly path: string;
  readonly heads: readonly string[];
}

const fieldOf = (path: string): Field => {
  const parts = path.split('.');
  return { path, heads: parts.map((_, i) => parts.slice(0, i + 1).join('.')) };
};

/** Whether one of the fields (a `has` spec's alternatives) has a value on the event. */
function present(event: Record<string, unknown>, alternatives: readonly Field[]): boolean {
  for (const f of alternatives) {
    // a field none of whose heads is a key of the event is missing: most recognisers are passed over here
    if (!f.heads.some((h) => Object.hasOwn(event, h))) continue;
    const v = resolveDotted(event, f.path);
    if (v !== undefined && v !== null) return true;
  }
  return false;
}

/** The log sources of an Elastic document (`ELASTIC_DOCUMENT`), undefined for another event. */
function elasticDocument(event: Record<string, unknown>): string[] | undefined {
  if (!Object.hasOwn(event, 'ecs') && !Object.hasOwn(event, 'ecs.version')) return undefined;
  if (typeof resolveDotted(event, 'ecs.version') !== 'string') return undefined;
  const ds = lowerAt(event, 'event.dataset');
  const own = elasticDocumentOwn(event, ds);
  const out = ds === '' ? [own] : [own, ELASTIC_DOCUMENT.integrationPrefix + ds.split('.')[0]!, `${ELASTIC_DOCUMENT.integrationPrefix}logs-${ds}-*`];
  // Auditbeat's auditd document (agent.type auditbeat: Auditbeat's own, or Elastic Agent's Auditd Manager's, which runs
  // Auditbeat) is also one of Auditbeat's own indices, which a rule may name alone (Filebeat's auditd module is not)
  if (isAuditdDocument(event, ds) && lowerAt(event, 'agent.type') === 'auditbeat') out.push(`${ELASTIC_DOCUMENT.integrationPrefix}${ELASTIC_DOCUMENT.auditbeatIndex}`);
  return out;
}

/** A field's text, lower-cased ('' when it is not text). */
function lowerAt(event: Record<string, unknown>, field: string): string {
  const v = resolveDotted(event, field);
  return typeof v === 'string' ? v.toLowerCase() : '';
}

/** An ECS document of auditd events: its data set, its module, or its `auditd` namespace says so. */
function isAuditdDocument(event: Record<string, unknown>, ds: string): boolean {
  return ds.startsWith(ELASTIC_DOCUMENT.auditd) || lowerAt(event, 'event.module') === ELASTIC_DOCUMENT.auditd || isRecord(event[ELASTIC_DOCUMENT.auditd]);
}

/** An Elastic document's log source by its data set, else its category and OS. */
function elasticDocumentOwn(event: Record<string, unknown>, ds: string): string {
  for (const [prefix, ls] of ELASTIC_DOCUMENT.datasets) if (ds.startsWith(prefix)) return ls;
  const c = resolveDotted(event, 'event.category');
  const cats = (Array.isArray(c) ? c : [c]).flatMap((x) => (typeof x === 'string' ? [x.toLowerCase()] : []));
  const found = ELASTIC_DOCUMENT.categories.find((e) => cats.includes(e.category));
  if (!found) return ELASTIC_DOCUMENT.other;
  const type = lowerAt(event, 'host.os.type');
  const platform = lowerAt(event, 'host.os.platform');
  const auditd = isAuditdDocument(event, ds);
  const os = type === 'linux' || type === 'macos' || type === 'windows' ? type : platform === 'darwin' ? 'macos' : platform === 'windows' ? 'windows' : platform !== '' || auditd ? 'linux' : 'windows';
  return found.byOs[os];
}

const windowsCache = new Map<string, readonly string[]>();

/** The canonical log sources of one event (empty when none is recognised). */
export function recogniseLogSources(event: unknown): readonly string[] {
  if (!isRecord(event)) return [];
  const w = windowsHeader(event);
  if (w) {
    // one answer per channel, provider and event id (few distinct ones in a log)
    const ecs = isWinlogbeatDocument(event);
    const key = `${w.eventId}\u0000${w.channel}\u0000${w.provider}\u0000${ecs ? 1 : 0}`;
    let ls = windowsCache.get(key);
    if (!ls) {
      if (windowsCache.size >= 10_000) windowsCache.clear();
      windowsCache.set(key, (ls = windowsLogSources(w, ecs)));
    }
    return ls;
  }
  const plt = event['p_log_type'];
  if (typeof plt === 'string') {
    const ls = PANTHER_LOGTYPES[plt];
    return ls ? [...ls, ...(PANTHER_RAW_FORMS[plt] ?? [])] : [`vendor:${plt.toLowerCase()}`];
  }
  const ecs = elasticDocument(event);
  if (ecs) return ecs;
  for (const r of RECOGNISERS_READ) {
    if (!r.has.every((alternatives) => present(event, alternatives))) continue;
    if (r.startsWith && !r.startsWith.every(([f, pre]) => {
      const v = resolveDotted(event, f);
      return typeof v === 'string' && pre.some((p) => v.toLowerCase().startsWith(p));
    })) continue;
    return r.logSources;
  }
  return [];
}

/** `RECOGNISERS` as read per event: each `has` spec's alternatives split once (`a|b`), `startsWith` as entries. */
const RECOGNISERS_READ = RECOGNISERS.map((r) => ({
  has: r.has.map((h) => h.split('|').map(fieldOf)),
  startsWith: r.startsWith ? Object.entries(r.startsWith) : undefined,
  logSources: r.logSources,
}));
