/**
 * An event's canonical log sources in SQL, from the same tables as `recognise.ts` (`recogniseFacts.ts`): Windows
 * events (Winlogbeat's too, and Sysmon for Linux's) by channel, provider and event id, Panther events by `p_log_type`,
 * Elastic's own documents, then the recognisers in order. The result is a list of strings per event; a rule runs on an
 * event when the lists share a log source.
 */
import { PANTHER_LOGTYPES } from '../../formats/panther/vocabulary.ts';
import { ELASTIC_DOCUMENT, LINUX_SYSMON, LINUX_SYSMON_EVENT_IDS, LINUX_SYSMON_EVENT_LOG, PANTHER_RAW_FORMS, POWERSHELL_EVENT_CATEGORIES, RECOGNISERS, SECURITY_EVENT_CATEGORIES, SYSMON_EVENT_IDS, SYSMON_EVENT_LOG, WINDOWS_CHANNELS } from '../recogniseFacts.ts';
import type { SqlDialect } from './dialects.ts';
import { eventIdSql, fieldSql, Names, winlogElementSql } from './fields.ts';

const cols = (ev: string) => ({ ev, win: 'NULL', ed: 'NULL', ud: 'NULL', sys: 'NULL' });

/** SQL of the list of log sources of the event `ev` (a JSON column). */
export function logSourcesSql(d: SqlDialect, ev: string): string {
  const names = new Names();
  const str = (s: string) => d.str(s);
  const lst = (xs: readonly string[]) => d.list(xs.map(str));
  const idv = names.next('id');
  const ch = names.next('ch');
  const pr = names.next('pr');
  const win = windowsSystemSql(d, ev, names);
  const idNum = eventIdSql(d, win.idRaw);
  const channel = `CASE WHEN ${d.is(win.chRaw, 'string')} THEN ${d.text(win.chRaw)} END`;
  const provider = `CASE WHEN ${d.is(win.provRaw, 'string')} THEN ${d.text(win.provRaw)} END`;
  const eventLog = win.eventLog;
  const lch = d.lower(`COALESCE(${ch}, '')`);
  const lpr = d.lower(`COALESCE(${pr}, '')`);
  const sysmon = `(${lch} = 'microsoft-windows-sysmon/operational' OR ${lpr} = 'microsoft-windows-sysmon')`;
  const byId = (table: Readonly<Record<number, string>>, wrap: (s: string) => string) => {
    const whens = Object.entries(table).map(([id, ls]) => `WHEN ${idv} = ${id} THEN ${lst([wrap(ls)])}`);
    return `CASE ${whens.join(' ')} ELSE ${d.EMPTY_TEXT_LIST} END`;
  };
  const channelCases = Object.entries(WINDOWS_CHANNELS).map(([c, v]) => {
    const out = [...(v.logSources ?? []), v.service ? `vendor:windows/${v.service}` : `vendor:windows/${c}`];
    let extra = v.eventLog ? `CASE WHEN ${eventLog} THEN ${lst([v.eventLog])} ELSE ${d.EMPTY_TEXT_LIST} END` : '';
    const parts = [lst(out), ...(extra ? [extra] : [])];
    if (c === 'security') parts.push(byId(SECURITY_EVENT_CATEGORIES, (s) => s));
    if (v.logSources?.includes('windows.powershell')) parts.push(byId(POWERSHELL_EVENT_CATEGORIES, (s) => `vendor:windows/${s}`));
    return `WHEN ${lch} = ${str(c)} THEN ${parts.length > 1 ? d.concat(parts) : parts[0]}`;
  });
  const other = `CASE ${channelCases.join(' ')} WHEN ${lch} <> '' THEN ${d.list([`'vendor:windows/' || ${lch}`])} ELSE ${d.EMPTY_TEXT_LIST} END`;
  const sysmonLs = `CASE WHEN ${eventLog} THEN ${lst(['vendor:windows/sysmon', SYSMON_EVENT_LOG])} ELSE ${lst(['vendor:windows/sysmon'])} END`;
  const windowsOnly = d.concat([lst(['vendor:windows']), `CASE WHEN ${sysmon} THEN ${d.concat([byId(SYSMON_EVENT_IDS, (s) => s), sysmonLs])} ELSE ${other} END`]);
  // Sysmon for Linux: the event log's form, but a Linux event (`windowsLogSources` in recognise.ts)
  const linuxSysmon = `(${lch} = ${str(LINUX_SYSMON.channel)} OR ${lpr} = ${str(LINUX_SYSMON.provider)})`;
  const linuxLs = d.concat([lst(['vendor:linux']), byId(LINUX_SYSMON_EVENT_IDS, (s) => s), lst(['vendor:linux/sysmon']), `CASE WHEN ${eventLog} THEN ${lst([LINUX_SYSMON_EVENT_LOG])} ELSE ${d.EMPTY_TEXT_LIST} END`]);
  const windows = `CASE WHEN ${linuxSysmon} THEN ${linuxLs} ELSE ${windowsOnly} END`;
  const isWindows = `${idv} IS NOT NULL AND (${ch} IS NOT NULL OR ${pr} IS NOT NULL)`;
  const winBlock = win.bind(d.let(idNum, idv, d.let(channel, ch, d.let(provider, pr, `CASE WHEN ${isWindows} THEN ${windows} END`))));
  // Panther p_log_type
  const plt = names.next('plt');
  const pltCases = Object.entries(PANTHER_LOGTYPES).map(([k, ls]) => `WHEN ${plt} = ${str(k)} THEN ${lst([...ls, ...(PANTHER_RAW_FORMS[k] ?? [])])}`);
  const panther = d.let(`CASE WHEN ${d.is(d.get(ev, ['p_log_type']), 'string')} THEN ${d.text(d.get(ev, ['p_log_type']))} END`, plt, `CASE ${pltCases.join(' ')} WHEN ${plt} IS NOT NULL THEN ${d.list([`'vendor:' || ${d.lower(plt)}`])} END`);
  // recognisers in order
  const present = (spec: string) =>
    '(' +
    spec
      .split('|')
      .map((p) => {
        const v = names.next('pv');
        return d.let(fieldSql(d, 'dotted', p, cols(ev), names), v, `(${v} IS NOT NULL AND NOT ${d.is(v, 'null')})`);
      })
      .join(' OR ') +
    ')';
  const recs = RECOGNISERS.map((r) => {
    const conds = r.has.map(present);
    for (const [f, pres] of Object.entries(r.startsWith ?? {})) {
      const v = names.next('sv');
      conds.push(d.let(fieldSql(d, 'dotted', f, cols(ev), names), v, `COALESCE(${d.is(v, 'string')} AND (${pres.map((p) => d.startsWith(d.lower(d.text(v)), str(p))).join(' OR ')}), FALSE)`));
    }
    return `WHEN ${conds.join(' AND ')} THEN ${lst(r.logSources)}`;
  });
  // Elastic's documents (`elasticDocument` in recognise.ts): each field read once
  /** The fields' string values, lower-cased ('' for another value), bound for `body`. */
  const lowered = (fields: readonly string[], body: (vs: readonly string[]) => string): string => {
    const vs: string[] = [];
    const bind = (i: number): string => {
      if (i === fields.length) return body(vs);
      const raw = names.next('er');
      const v = names.next('el');
      vs.push(v);
      return d.let(fieldSql(d, 'dotted', fields[i]!, cols(ev), names), raw, d.let(`CASE WHEN ${d.is(raw, 'string')} THEN ${d.lower(d.text(raw))} ELSE '' END`, v, bind(i + 1)));
    };
    return bind(0);
  };
  const cat = names.next('ec');
  const catRaw = names.next('ecr');
  const ce = names.next('ece');
  const catList = d.let(fieldSql(d, 'dotted', 'event.category', cols(ev), names), catRaw, `CASE WHEN ${d.is(catRaw, 'array')} THEN ${d.map(d.elements(catRaw), d.lambda(ce, `CASE WHEN ${d.is(ce, 'string')} THEN ${d.lower(d.text(ce))} END`))} ELSE ${d.list([`CASE WHEN ${d.is(catRaw, 'string')} THEN ${d.lower(d.text(catRaw))} END`])} END`);
  const ecsDoc = lowered(['event.dataset', 'host.os.type', 'host.os.platform', 'event.module', 'agent.type'], ([ds, type, platform, module, agent]) => {
    const byDataset = ELASTIC_DOCUMENT.datasets.map(([prefix, ls]) => `WHEN ${d.startsWith(ds!, str(prefix))} THEN ${lst([ls])}`).join(' ');
    const auditd = `(${d.startsWith(ds!, str(ELASTIC_DOCUMENT.auditd))} OR ${module} = ${str(ELASTIC_DOCUMENT.auditd)} OR COALESCE(${d.is(d.get(ev, [ELASTIC_DOCUMENT.auditd]), 'object')}, FALSE))`;
    const os = `CASE WHEN ${type} IN ('linux', 'macos', 'windows') THEN ${type} WHEN ${platform} = 'darwin' THEN 'macos' WHEN ${platform} = 'windows' THEN 'windows' WHEN ${platform} <> '' OR ${auditd} THEN 'linux' ELSE 'windows' END`;
    const osv = names.next('eos');
    const whens = ELASTIC_DOCUMENT.categories.map((e) => `WHEN ${d.hasAny(cat, [e.category])} THEN CASE ${osv} WHEN 'linux' THEN ${lst([e.byOs.linux])} WHEN 'macos' THEN ${lst([e.byOs.macos])} ELSE ${lst([e.byOs.windows])} END`);
    const byCategory = d.let(os, osv, d.let(catList, cat, `CASE ${whens.join(' ')} ELSE ${lst([ELASTIC_DOCUMENT.other])} END`));
    // and the integration's and the data stream's own (`vendor:elastic/<integration>`, `vendor:elastic/logs-<data set>-*`)
    const split = d.derive?.split;
    const integration = split ? `CASE WHEN ${ds} <> '' THEN ${d.list([`${str(ELASTIC_DOCUMENT.integrationPrefix)} || ${d.first(split(ds!, "'.'"))}`, `${str(ELASTIC_DOCUMENT.integrationPrefix)} || 'logs-' || ${ds} || '-*'`])} ELSE ${d.EMPTY_TEXT_LIST} END` : d.EMPTY_TEXT_LIST;
    // Auditbeat's auditd document is also one of Auditbeat's own indices (`recognise.ts`, `elasticDocument`)
    const auditbeat = `CASE WHEN ${auditd} AND ${agent} = 'auditbeat' THEN ${lst([ELASTIC_DOCUMENT.integrationPrefix + ELASTIC_DOCUMENT.auditbeatIndex])} ELSE ${d.EMPTY_TEXT_LIST} END`;
    return d.concat([`CASE ${byDataset} ELSE ${byCategory} END`, integration, auditbeat]);
  });
  const ver = names.next('ecv');
  const elastic = d.let(fieldSql(d, 'dotted', 'ecs.version', cols(ev), names), ver, `CASE WHEN ${d.is(ver, 'string')} THEN ${ecsDoc} END`);
  const isObj = d.is(ev, 'object');
  return `CASE WHEN NOT ${isObj} THEN ${d.EMPTY_TEXT_LIST} ELSE COALESCE(${winBlock}, ${panther}, ${elastic}, CASE ${recs.join(' ')} ELSE ${d.EMPTY_TEXT_LIST} END) END`;
}

/** The values of System the Windows log sources read: EventID and its #text, Channel and its #text, the provider's three spellings, Provider. */
const SYSTEM_VALUES: readonly (readonly string[])[] = [['EventID'], ['EventID', '#text'], ['Channel'], ['Channel', '#text'], ['Provider', '#attributes', 'Name'], ['Provider', '@Name'], ['Provider_Name'], ['Provider']];

/**
 * What the Windows part of `logSourcesSql` reads of an event, as `windowsLogSources` in recognise.ts finds it: the
 * Windows element E (the event's `Event` object; else the element a Winlogbeat document stands for,
 * `winlogElementSql`; else the event itself), its System S (E's `System` object, else E), S's event id, channel and
 * provider values (JSON, an element's `#text` for the first two), and whether the event is in the event log's own
 * form (not a Winlogbeat document); `bind` wraps the SQL that reads them.
 *
 * A dialect that reads several paths of a document in one parse (`getMany`, `typesOf`: DuckDB) takes the element's
 * form from the types at five paths and S's eight values from one extraction under the path of that form: two parses
 * of the event, where the walk through E and S (the other dialects') parsed it, or E written out as text, about a
 * dozen times. The log sources of 200,000 of the hunt bench's Windows events took 2.7 s that way, 1.2 s this way,
 * with the same lists. A Winlogbeat document still builds its element first, as the walk does (the element's System
 * is always an object: `winlogElementSql` writes one).
 */
function windowsSystemSql(d: SqlDialect, ev: string, names: Names): { idRaw: string; chRaw: string; provRaw: string; eventLog: string; bind: (body: string) => string } {
  const read = (at: (i: number) => string) => {
    const textOf = (v: string, t: string) => `CASE WHEN ${d.is(v, 'object')} AND ${t} IS NOT NULL THEN ${t} ELSE ${v} END`;
    return {
      idRaw: textOf(at(0), at(1)),
      chRaw: textOf(at(2), at(3)),
      provRaw: `COALESCE(${at(4)}, ${at(5)}, ${at(6)}, CASE WHEN ${d.is(at(7), 'string')} THEN ${at(7)} END)`,
    };
  };
  if (d.getMany && d.pick && d.typesOf) {
    const T = names.next('wt');
    const V = names.next('ws');
    const type = (i: number) => d.pick!(T, i);
    // types of /Event, /Event/System, /System, /winlog, /winlog/event_id
    const types = d.typesOf(ev, [['Event'], ['Event', 'System'], ['System'], ['winlog'], ['winlog', 'event_id']]);
    const eventObj = d.typeIs(type(0), 'object');
    const winlogDoc = `(NOT COALESCE(${eventObj}, FALSE) AND COALESCE(${d.typeIs(type(3), 'object')}, FALSE) AND ${type(4)} IS NOT NULL AND NOT ${d.typeIs(type(4), 'null')})`;
    const under = (prefix: readonly string[]) => d.getMany!(ev, SYSTEM_VALUES.map((f) => [...prefix, ...f]));
    const values = `CASE WHEN ${winlogDoc} THEN ${d.getMany(winlogElementSql(d, ev, names, false), SYSTEM_VALUES.map((f) => ['System', ...f]))} WHEN ${eventObj} THEN CASE WHEN ${d.typeIs(type(1), 'object')} THEN ${under(['Event', 'System'])} ELSE ${under(['Event'])} END WHEN ${d.typeIs(type(2), 'object')} THEN ${under(['System'])} ELSE ${under([])} END`;
    return {
      ...read((i) => d.pick!(V, i)),
      eventLog: `(${eventObj} OR NOT COALESCE(${d.typeIs(type(3), 'object')}, FALSE) OR ${type(4)} IS NULL OR ${d.typeIs(type(4), 'null')})`,
      bind: (body) => d.let(types, T, d.let(values, V, body)),
    };
  }
  const E = names.next('E');
  const S = names.next('S');
  const eOf = `CASE WHEN ${d.is(d.get(ev, ['Event']), 'object')} THEN ${d.get(ev, ['Event'])} ELSE COALESCE(${winlogElementSql(d, ev, names, false)}, ${ev}) END`;
  const sysOf = `CASE WHEN ${d.is(d.get(E, ['System']), 'object')} THEN ${d.get(E, ['System'])} ELSE ${E} END`;
  // the values read twice (the event id and channel, which may be elements, and the provider) bound once
  const twice = [0, 2, 7];
  const bound = new Map(twice.map((i) => [i, names.next('sf')]));
  const winlogId = d.get(ev, ['winlog', 'event_id']);
  return {
    ...read((i) => bound.get(i) ?? d.get(S, SYSTEM_VALUES[i]!)),
    eventLog: `(${d.is(d.get(ev, ['Event']), 'object')} OR NOT COALESCE(${d.is(d.get(ev, ['winlog']), 'object')}, FALSE) OR ${winlogId} IS NULL OR ${d.is(winlogId, 'null')})`,
    bind: (body) => d.let(eOf, E, d.let(sysOf, S, twice.reduceRight((b, i) => d.let(d.get(S, SYSTEM_VALUES[i]!), bound.get(i)!, b), body))),
  };
}
