/**
 * How a Sigma field name finds its value in a JSON event.
 * - flat events and dotted paths: the model's default (exact key, then dotted path);
 * - Windows events rendered from XML/evtx (`{"Event": {"System": {...}, "EventData": {...}}}`, also without the
 *   `Event` wrapper): `Image` in `EventData`, `EventID` / `Channel` / `Computer` in `System`, `Provider_Name` in
 *   `System.Provider` attributes (`#attributes.Name` or `@Name`), `EventData.Data` as a list of
 *   `{"#attributes": {"Name": …}, "#text": …}` / `{"@Name": …, "#text": …}`, and `UserData.<element>.<field>`;
 *   a node `{"#text": v, "#attributes": …}` stands for v; data names written with spaces (Windows Defender's
 *   "Source Name") are found by their Sigma spelling without spaces (`SourceName`);
 * - the keyword pseudo-field `_keywords`: every scalar value of the event (full-text keyword search).
 */
import { resolveDotted } from '../../model/evaluate.ts';
import type { IndexingResolver } from '../../model/compile.ts';
import { KEYWORD_FIELD } from './sigmaFacts.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const has = (o: Obj, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** `{"#text": v}` (XML element with attributes) stands for v. */
function unwrap(v: unknown): unknown {
  if (isObj(v) && has(v, '#text')) return v['#text'];
  return v;
}

function attr(o: Obj, name: string): unknown {
  const a = o['#attributes'];
  if (isObj(a) && has(a, name)) return a[name];
  if (has(o, `@${name}`)) return o[`@${name}`];
  return undefined;
}

/** A field of EventData: a direct key, or a `Data` element named so. */
function fromData(ed: unknown, field: string): unknown {
  if (!isObj(ed)) return undefined;
  if (has(ed, field)) return unwrap(ed[field]);
  // Windows Defender and others name data items with spaces ("Source Name"); Sigma writes them without
  for (const k of Object.keys(ed)) if (k.includes(' ') && k.replaceAll(' ', '') === field) return unwrap(ed[k]);
  const data = ed['Data'];
  const list = Array.isArray(data) ? data : data !== undefined ? [data] : [];
  for (const d of list) {
    if (!isObj(d)) continue;
    const name = attr(d, 'Name') ?? d['Name'];
    if (name === field || (typeof name === 'string' && name.replaceAll(' ', '') === field)) return d['#text'] ?? d['value'] ?? d['Value'] ?? null;
  }
  return undefined;
}

/** The `Event` element of a Windows event (or the event itself when it has System / EventData at the top). */
function windowsEvent(event: Obj): Obj | undefined {
  const e = event['Event'];
  if (isObj(e)) return e;
  if (isObj(event['System']) || isObj(event['EventData']) || isObj(event['UserData'])) return event;
  return undefined;
}

const MAX_KEYWORD_VALUES = 10_000;

/** Every scalar value of the event, as strings (for keyword searches). */
export function keywordValues(event: unknown): string[] {
  const out: string[] = [];
  const visit = (v: unknown, depth: number): void => {
    if (out.length >= MAX_KEYWORD_VALUES || depth > 64) return;
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) for (const x of v) visit(x, depth + 1);
    else if (typeof v === 'object') for (const x of Object.values(v as Obj)) visit(x, depth + 1);
    else out.push(String(v));
  };
  visit(event, 0);
  return out;
}

export const resolveSigmaField: IndexingResolver = (event, field) => {
  if (field === KEYWORD_FIELD) return keywordValues(event);
  const direct = resolveDotted(event, field);
  if (direct !== undefined) return unwrap(direct);
  if (!isObj(event)) return undefined;
  const win = windowsEvent(event);
  if (!win) return undefined;
  const fromEventData = fromData(win['EventData'], field);
  if (fromEventData !== undefined) return fromEventData;
  const ud = win['UserData'];
  if (isObj(ud)) {
    for (const child of Object.values(ud)) {
      const v = fromData(child, field);
      if (v !== undefined) return v;
    }
  }
  const sys = win['System'];
  if (isObj(sys)) {
    if (has(sys, field)) return unwrap(sys[field]);
    // Provider_Name → System.Provider's Name attribute; Security_UserID → System.Security's UserID attribute
    const us = field.indexOf('_');
    if (us > 0) {
      const el = sys[field.slice(0, us)];
      if (isObj(el)) {
        const v = attr(el, field.slice(us + 1));
        if (v !== undefined) return v;
      }
    }
  }
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
  let ok = true;
  const put = (k: string, v: unknown): void => {
    if (v === undefined) ok = false;
    else if (!idx.has(k)) idx.set(k, v);
  };
  const data = (ed: unknown): void => {
    if (!isObj(ed)) return;
    const keys = Object.keys(ed);
    for (const k of keys) put(k, unwrap(ed[k]));
    for (const k of keys) if (k.includes(' ')) put(k.replaceAll(' ', ''), unwrap(ed[k]));
    const d0 = ed['Data'];
    const list = Array.isArray(d0) ? d0 : d0 !== undefined ? [d0] : [];
    for (const d of list) {
      if (!isObj(d)) continue;
      const name = attr(d, 'Name') ?? d['Name'];
      if (typeof name !== 'string') continue;
      const v = d['#text'] ?? d['value'] ?? d['Value'] ?? null;
      put(name, v);
      if (name.includes(' ')) put(name.replaceAll(' ', ''), v);
    }
  };
  data(win['EventData']);
  const ud = win['UserData'];
  if (isObj(ud)) for (const child of Object.values(ud)) data(child);
  const sys = win['System'];
  if (isObj(sys)) {
    const keys = Object.keys(sys);
    for (const k of keys) put(k, unwrap(sys[k]));
    for (const k of keys) {
      const el = sys[k];
      if (k === '' || k.includes('_') || !isObj(el)) continue;
      const a = el['#attributes'];
      if (isObj(a)) for (const n of Object.keys(a)) put(`${k}_${n}`, a[n]);
      for (const n of Object.keys(el)) if (n.startsWith('@')) put(`${k}_${n.slice(1)}`, el[n]);
    }
  }
  return ok ? idx : undefined;
}

/**
 * One event's resolver (what the hunt's views use): a Windows event is indexed once, then each field is one
 * lookup after the direct path; the same answers as `resolveSigmaField`.
 */
Object.assign(resolveSigmaField, {
  perEvent(event: unknown): (field: string) => unknown {
    if (!isObj(event)) return (field) => resolveSigmaField(event, field);
    let idx: Map<string, unknown> | undefined | null = null;
    return (field) => {
      if (field === KEYWORD_FIELD || field.includes('.')) return resolveSigmaField(event, field);
      if (has(event, field) && event[field] !== undefined) return unwrap(event[field]);
      if (idx === null) idx = windowsIndex(event);
      return idx ? idx.get(field) : resolveSigmaField(event, field);
    };
  },
});
