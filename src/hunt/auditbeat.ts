/**
 * Linux audit records made into the documents Auditbeat (and Elastic Agent's Auditd Manager) would have indexed for
 * them, so that Elastic's rules over `auditbeat-*` and `logs-auditd_manager.auditd-*` read a raw `audit.log`.
 *
 * Auditbeat reads the kernel's records through Elastic's go-libaudit: records of one event (same `audit(<time>:<serial>)`)
 * are joined (`AuditCoalescer`, as its reassembler joins them), their values interpreted (system call and architecture
 * names, hexadecimal text decoded, socket addresses, `success`/`res` as a result, errno names), the event named by the
 * library's normalizations (`event.action`, ECS category and type, who and what: read from go-libaudit's own file, which
 * `detwiki sync` brings, by `auditNormalizations.ts`), and written as one ECS document (`auditd.*`, `process.*`,
 * `user.*`, `file.*`, `source.*`/`destination.*`). What this module adds that a record does not hold:
 * - user and group names: from the ENRICHED log format's interpreted fields (`AUID="alice"`), where Auditbeat resolves
 *   ids on the host (`resolve_ids`, on by default); a RAW log gives ids only;
 * - `host.os.type: linux` and `host.name` (from `node=`): Auditbeat's default `add_host_metadata` processor adds the host;
 * - the time and serial of the records, as the event's.
 * Not made: `event.category` from the record type's class where no normalization names an ECS category (go-libaudit's
 * `GetAuditEventType` works on type numbers, which a log of type names does not give for user-space types), SELinux
 * labels of users and files beyond splitting them, and the file's owner and group names.
 */
import { auditPairs, type AuditPairs } from './auditd.ts';
import { auditNormalizations, type AuditNormalization, type AuditNormalizationTable } from './auditNormalizations.ts';
import { ERRNO_NAMES, KERNEL_RECORD_TYPES, SYSCALLS } from './linuxAbi.ts';

/** One record, its values interpreted as go-libaudit's `auparse` interprets them. */
interface Message {
  readonly type: string;
  /** `audit(<time>:<serial>)`: the same for every record of an event. */
  readonly header: string;
  readonly seq: number;
  readonly time: number | undefined;
  readonly node: string | undefined;
  readonly data: Map<string, string>;
  readonly tags: readonly string[];
  /** ENRICHED names of ids, by lower-cased field (`auid` → `alice`). */
  readonly names: ReadonlyMap<string, string>;
  readonly line: string;
}

/** A value the kernel writes where it has none: not a field. */
const NO_VALUE = new Set(['', '?', '?,', '(null)']);
const UNSET = 'unset';

const isUpperHex = (s: string): boolean => s.length % 2 === 0 && s.length > 0 && /^[0-9A-F]+$/.test(s);
const hexBytes = (s: string): Buffer => Buffer.from(s, 'hex');

/**
 * `auparse`'s `hexToStrings`: uppercase hexadecimal, its NUL-separated strings joined by blanks; else undefined. The
 * bytes are read as UTF-8, as Auditbeat's JSON carries them (a byte that is not UTF-8 becomes U+FFFD there too).
 */
function hexText(value: string, quoted: boolean): string | undefined {
  if (quoted || !isUpperHex(value)) return undefined;
  return hexBytes(value).toString('utf8').split('\u0000').join(' ');
}

function setHexDecoded(data: Map<string, string>, quoted: ReadonlySet<string>, key: string): void {
  const v = data.get(key);
  if (v === undefined) return;
  const d = hexText(v, quoted.has(key));
  if (d !== undefined) data.set(key, d);
}

/** An IPv6 address's text as Go's `net.IP.String()` writes it (IPv4-mapped as IPv4, the longest zero run as `::`). */
function ipv6Text(b: Buffer): string {
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(groups) : `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

/** `auparse`'s `parseSockaddr`: a SOCKADDR record's `saddr` (hexadecimal `struct sockaddr`) as named values. */
function sockaddr(s: string): Map<string, string> | undefined {
  if (s.length < 4 || !/^[0-9A-Fa-f]+$/.test(s)) return undefined;
  const family = parseInt(s.slice(2, 4) + s.slice(0, 2), 16); // host order (little-endian)
  const out = new Map<string, string>();
  if (family === 1) {
    out.set('family', 'unix');
    out.set('path', hexBytes(s.slice(4)).toString('utf8').split('\u0000')[0]!);
  } else if (family === 2 && s.length >= 16) {
    const b = hexBytes(s.slice(8, 16));
    out.set('family', 'ipv4');
    out.set('addr', `${b[0]}.${b[1]}.${b[2]}.${b[3]}`);
    out.set('port', String(parseInt(s.slice(4, 8), 16)));
  } else if (family === 10 && s.length >= 48) {
    out.set('family', 'ipv6');
    out.set('addr', ipv6Text(hexBytes(s.slice(16, 48))));
    out.set('port', String(parseInt(s.slice(4, 8), 16)));
    const flow = parseInt(s.slice(8, 16), 16);
    if (flow > 0) out.set('flow', String(flow));
  } else if (family === 2 || family === 10) return undefined;
  else {
    out.set('family', family === 16 ? 'netlink' : String(family));
    out.set('saddr', s);
  }
  return out;
}

/** One audit record's pairs as a `Message`. */
function message(p: AuditPairs, line: string): Message | undefined {
  const quoted = new Set<string>();
  const names = new Map<string, string>();
  const data = new Map<string, string>();
  const seen = new Set<string>();
  let type: string | undefined;
  let header = '';
  let node: string | undefined;
  for (let i = 0; i < p.keys.length; i++) {
    const k = p.keys[i]!;
    const v = p.values[i]!;
    if (i >= p.own && i < p.interpreted) {
      // the ENRICHED format's interpreted fields: names of ids
      if (!names.has(k.toLowerCase())) names.set(k.toLowerCase(), v);
      continue;
    }
    if (seen.has(k)) continue;
    seen.add(k);
    if (k === 'type') type = v;
    else if (k === 'msg') header = v;
    else if (k === 'node') node = v;
    else if (!NO_VALUE.has(v)) {
      data.set(k, v);
      if (p.quoted[i]) quoted.add(k);
    }
  }
  if (type === undefined) return undefined;
  const colon = header.lastIndexOf(':');
  const seq = Number(header.slice(colon + 1, header.endsWith(')') ? -1 : undefined));
  const t = Number(header.slice(6, colon));
  const tags = enrich(type, data, quoted, names);
  return {
    type,
    header,
    seq: Number.isInteger(seq) ? seq : 0,
    time: header.startsWith('audit(') && Number.isFinite(t) ? Math.round(t * 1000) : undefined,
    node,
    data,
    tags,
    names,
    line,
  };
}

/** `auparse`'s `enrichData`, in place; the rule keys (`key=`) as tags. */
function enrich(type: string, data: Map<string, string>, quoted: ReadonlySet<string>, names: ReadonlyMap<string, string>): string[] {
  for (const k of ['auid', 'old-auid', 'ses']) {
    const v = data.get(k);
    if (v === '4294967295' || v === '-1') data.set(k, UNSET);
  }
  splitSelinux(data, 'subj');
  const res = data.get('success') ?? data.get('res');
  if (res !== undefined) {
    data.delete(data.has('success') ? 'success' : 'res');
    const v = res.toLowerCase();
    data.set('result', v === 'yes' || v === '1' || v.startsWith('suc') ? 'success' : 'fail');
  }
  const exit = data.get('exit');
  if (exit !== undefined && /^-\d+$/.test(exit)) {
    const name = ERRNO_NAMES[-Number(exit)];
    if (name) data.set('exit', name);
  }
  let tags: string[] = [];
  const key = data.get('key');
  if (key !== undefined) {
    data.delete('key');
    if (!quoted.has('key') && isUpperHex(key)) tags = hexBytes(key).toString('utf8').split('\u0001');
    else {
      const eq = key.indexOf('=');
      tags = [eq < 0 ? key : key.slice(eq + 1)];
    }
  }
  setHexDecoded(data, quoted, 'cwd');
  switch (type) {
    case 'SECCOMP':
    case 'SYSCALL': {
      const archHex = data.get('arch');
      const table = archHex === undefined ? undefined : SYSCALLS[archHex.toLowerCase()];
      if (archHex !== undefined) data.set('arch', table?.arch ?? names.get('arch') ?? archHex);
      const n = data.get('syscall');
      const name = n !== undefined && /^\d+$/.test(n) ? table?.names[Number(n)] || names.get('syscall') : undefined;
      if (name) data.set('syscall', name);
      setHexDecoded(data, quoted, 'exe');
      break;
    }
    case 'SOCKADDR': {
      const s = data.get('saddr');
      const parsed = s === undefined ? undefined : sockaddr(s);
      if (parsed) {
        data.delete('saddr');
        for (const [k, v] of parsed) data.set(k, v);
      }
      break;
    }
    case 'PROCTITLE':
      setHexDecoded(data, quoted, 'proctitle');
      break;
    case 'USER_CMD':
      setHexDecoded(data, quoted, 'cmd');
      break;
    case 'TTY':
    case 'USER_TTY':
      setHexDecoded(data, quoted, 'data');
      break;
    case 'EXECVE': {
      const argc = Number(data.get('argc'));
      for (let i = 0; Number.isInteger(argc) && i < argc; i++) {
        const k = `a${i}`;
        const v = data.get(k);
        if (v === undefined) break;
        // one argument: its bytes decoded whole (`hexToString`)
        if (!quoted.has(k) && isUpperHex(v)) data.set(k, hexBytes(v).toString('utf8'));
      }
      break;
    }
    case 'PATH':
      splitSelinux(data, 'obj');
      setHexDecoded(data, quoted, 'name');
      break;
    case 'USER_LOGIN':
      setHexDecoded(data, quoted, 'acct');
      break;
  }
  return tags;
}

function splitSelinux(data: Map<string, string>, key: string): void {
  const v = data.get(key);
  if (v === undefined) return;
  data.delete(key);
  const parts = ['_user', '_role', '_domain', '_level', '_category'];
  // SplitN(v, ":", 5): the last part keeps its colons
  let rest = v;
  for (let i = 0; i < parts.length; i++) {
    const c = i < parts.length - 1 ? rest.indexOf(':') : -1;
    data.set(key + parts[i], c < 0 ? rest : rest.slice(0, c));
    if (c < 0) break;
    rest = rest.slice(c + 1);
  }
}

/** A user or group as ECS names it: an id, a name, or `unset`. */
interface Entity {
  id?: string;
  name?: string;
}

/** go-libaudit's coalesced event, as far as a document needs it. */
interface Coalesced {
  readonly first: Message;
  readonly type: string;
  result: string;
  session?: string;
  tags: readonly string[];
  actor: { primary?: string; secondary?: string };
  object: { type?: string; primary?: string; secondary?: string };
  action?: string;
  how?: string;
  readonly ids: Map<string, string>;
  readonly selinux: Map<string, string>;
  readonly data: Map<string, string>;
  readonly paths: Record<string, string>[];
  args?: string[];
  file?: Record<string, string>;
  source?: Record<string, string>;
  dest?: Record<string, string>;
  direction?: string;
  ecs: { kind?: string; category: string[]; type: string[]; outcome?: string; entities: Map<string, Entity> };
  readonly warnings: string[];
}

/** `newEvent`: the event's header from `msg` (or the SYSCALL), its values from the SYSCALL record when there is one. */
function newEvent(msg: Message, syscall: Message | undefined): Coalesced {
  const from = syscall ?? msg;
  const ev: Coalesced = {
    first: msg,
    type: msg.type,
    result: 'unknown',
    tags: from.tags,
    actor: {},
    object: {},
    ids: new Map(),
    selinux: new Map(),
    data: new Map(),
    paths: [],
    ecs: { category: [], type: [], entities: new Map() },
    warnings: [],
  };
  for (const [k, v] of from.data) {
    if (k === 'result') ev.result = v;
    else if (k === 'ses') ev.session = v;
    else if (k.endsWith('uid') || k.endsWith('gid')) ev.ids.set(k, v);
    else if (k.startsWith('subj_')) ev.selinux.set(k.slice(5), v);
    else ev.data.set(k, v);
  }
  if (from.data.has('auid')) ev.actor.primary = from.data.get('auid');
  if (from.data.has('uid')) ev.actor.secondary = from.data.get('uid');
  return ev;
}

/** `CoalesceMessages`: one event of a group's records (an EOE record left out). */
function coalesce(msgs: readonly Message[], table: AuditNormalizationTable | undefined): Coalesced | { error: string } {
  if (msgs.length === 1) return normalize(newEvent(msgs[0]!, undefined), table);
  let special: Message | undefined;
  let syscall: Message | undefined;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    if (i === 0 && m.type !== 'SYSCALL') special = m;
    else if (m.type === 'SYSCALL') {
      syscall = m;
      break;
    }
  }
  if (!syscall) return { error: 'missing syscall message in compound event' };
  const ev = newEvent(special ?? syscall, syscall);
  for (const m of msgs) {
    switch (m.type) {
      case 'SYSCALL':
        ev.data.delete('items');
        break;
      case 'PATH':
        ev.paths.push(Object.fromEntries(m.data));
        break;
      case 'SOCKADDR': {
        const sc = ev.data.get('syscall');
        if (sc === undefined) {
          ev.warnings.push('failed to add SOCKADDR data because syscall is unknown');
          break;
        }
        for (const [k, v] of m.data) ev.data.set(`socket_${k}`, v);
        const addr: Record<string, string> = {};
        for (const k of ['addr', 'port', 'path'] as const) {
          const v = m.data.get(k);
          if (v) addr[k === 'addr' ? 'ip' : k] = v;
        }
        const has = Object.keys(addr).length > 0;
        if (sc === 'recvfrom' || sc === 'recvmsg' || sc === 'accept' || sc === 'accept4') {
          if (has) ev.source = addr;
          ev.direction = 'ingress';
        } else if (sc === 'connect' || sc === 'sendto' || sc === 'sendmsg') {
          if (has) ev.dest = addr;
          ev.direction = 'egress';
        }
        break;
      }
      case 'EXECVE': {
        const argc = m.data.get('argc');
        if (argc === undefined) {
          ev.warnings.push('argc key not found in EXECVE message');
          break;
        }
        ev.data.set('argc', argc);
        const args: string[] = [];
        let complete = true;
        for (let i = 0; i < Number(argc); i++) {
          const a = m.data.get(`a${i}`);
          if (a === undefined) {
            ev.warnings.push(`failed to find arg a${i}`);
            complete = false;
            break;
          }
          args.push(a);
        }
        if (complete) ev.args = args;
        break;
      }
      default:
        for (const [k, v] of m.data) {
          if (ev.data.has(k)) ev.warnings.push(`duplicate key (${k}) from ${m.type} message`);
          else ev.data.set(k, v);
        }
    }
  }
  return normalize(ev, table);
}

const valueOf = (ev: Coalesced, key: string): string | undefined => ev.data.get(key) ?? ev.ids.get(key);

/** `applyNormalization`, by go-libaudit's table (none: the event is not named; the hunt says why: `auditNormalizationsNotice`). */
function normalize(ev: Coalesced, table: AuditNormalizationTable | undefined): Coalesced {
  // how: the executable, or the command for an interpreter
  const exe = ev.data.get('exe') ?? ev.data.get('comm');
  if (exe !== undefined) {
    ev.how = exe;
    const comm = ev.data.get('comm');
    if (comm !== undefined && ['/usr/bin/python', '/usr/bin/sh', '/usr/bin/bash', '/usr/bin/perl'].some((p) => exe.startsWith(p))) ev.how = comm;
  }
  if (!table) return ev;
  const sc = ev.data.get('syscall');
  const syscallNorm = sc === undefined ? undefined : (table.bySyscall.get(sc) ?? table.bySyscall.get('*'));
  let norm: AuditNormalization | undefined;
  if (ev.type === 'SYSCALL') norm = syscallNorm;
  else {
    const norms = table.byRecordType.get(ev.type) ?? [];
    if (norms.length === 1) norm = norms[0];
    else for (const n of norms) if ((n.hasFields ?? []).every((f) => ev.data.has(f))) norm = n;
  }
  if (!norm) {
    ev.warnings.push('no normalization found for event');
    return ev;
  }
  ev.ecs.kind = norm.kind;
  ev.ecs.category = [...(norm.category ?? [])];
  ev.ecs.type = [...(norm.type ?? [])];
  if (syscallNorm && syscallNorm !== norm) {
    ev.ecs.category.push(...(syscallNorm.category ?? []));
    ev.ecs.type.push(...(syscallNorm.type ?? []));
    if (ev.result === 'fail') ev.ecs.outcome = 'failure';
  }
  ev.action = norm.action;
  ev.object.type = norm.what;
  if ((norm.what === 'file' || norm.what === 'filesystem') && ev.paths.length) setFileObject(ev, norm.pathIndex ?? 0);
  else if (norm.what === 'socket') {
    ev.object.primary = ev.data.get('socket_addr') ?? ev.data.get('socket_path') ?? ev.object.primary;
    if (ev.data.has('socket_port')) ev.object.secondary = ev.data.get('socket_port');
  }
  const first = (keys: readonly string[] | undefined): string | undefined => {
    for (const k of keys ?? []) {
      const v = valueOf(ev, k);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  ev.actor.primary = first(norm.subjectPrimary) ?? ev.actor.primary;
  ev.actor.secondary = first(norm.subjectSecondary) ?? ev.actor.secondary;
  ev.object.primary = first(norm.objectPrimary) ?? ev.object.primary;
  ev.object.secondary = first(norm.objectSecondary) ?? ev.object.secondary;
  ev.how = first(norm.how) ?? ev.how;
  if (!ev.source && norm.sourceIp) {
    for (const k of norm.sourceIp) {
      const v = ev.data.get(k);
      if (v === undefined) continue;
      ev.data.delete(k);
      ev.source = { ip: v };
      ev.direction = 'ingress';
      break;
    }
  }
  for (const [from, to] of norm.mappings ?? []) {
    const dot = from.indexOf('.');
    const v =
      from === 'subject.primary' ? ev.actor.primary
      : from === 'subject.secondary' ? ev.actor.secondary
      : from === 'object.primary' ? ev.object.primary
      : from === 'object.secondary' ? ev.object.secondary
      : from.startsWith('data.') ? ev.data.get(from.slice(dot + 1))
      : from.startsWith('uid.') ? ev.ids.get(from.slice(dot + 1))
      : undefined;
    const value = v ?? '';
    ev.ecs.entities.set(to, value === '' || value === UNSET || value === '4294967295' || value === '-1' ? { id: UNSET } : /^\d+$/.test(value) ? { id: value } : { name: value });
  }
  return ev;
}

function setFileObject(ev: Coalesced, hint: number): void {
  const index = ev.paths.length > hint ? hint : 0;
  let path = ev.paths[index]!;
  for (const p of ev.paths.slice(index)) {
    if (p.nametype !== 'PARENT' && p.nametype !== 'UNKNOWN') {
      path = p;
      break;
    }
  }
  const file: Record<string, string> = {};
  if (path.name !== undefined) {
    ev.object.primary = path.name;
    file.path = path.name;
  }
  if (path.inode !== undefined) file.inode = path.inode;
  if (path.rdev !== undefined) file.device = path.rdev;
  if (path.mode !== undefined && /^[0-7]+$/.test(path.mode)) {
    file.mode = (parseInt(path.mode, 8) & 0o7777).toString(8).padStart(4, '0');
    // go-libaudit reads the kernel's st_mode as Go's os.FileMode, whose type bits are others: every mode reads as a
    // regular file there, so the object is a `file` whatever the path is
    ev.object.type = 'file';
  }
  if (path.ouid !== undefined) file.uid = path.ouid;
  if (path.ogid !== undefined) file.gid = path.ogid;
  ev.file = file;
}

// --- the document ------------------------------------------------------------------------------------------------

/** ECS `user.*` names of go-libaudit's id fields (`addUser`). */
const USER_ID_FIELDS: Readonly<Record<string, string>> = {
  uid: '',
  gid: 'group',
  euid: 'effective',
  egid: 'effective.group',
  suid: 'saved',
  sgid: 'saved.group',
  fsuid: 'filesystem',
  fsgid: 'filesystem.group',
  auid: 'audit',
};

type Obj = Record<string, unknown>;

/** `o[k]` as an object, made when missing. */
function sub(o: Obj, k: string): Obj {
  const v = o[k];
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Obj;
  const made: Obj = {};
  o[k] = made;
  return made;
}

/** The ECS version the documents carry (Auditbeat 8's). */
const ECS_VERSION = '8.0.0';

/** The Auditd Manager integration's data set (`logs-auditd_manager.auditd-*`). */
const DATASET = 'auditd_manager.auditd';

/** `buildMetricbeatEvent`: the document of a group of records (lines, in the order read). */
export function auditbeatDocument(records: readonly string[], table: AuditNormalizationTable | undefined = auditNormalizations()): Obj | undefined {
  return documentOf(
    records.flatMap((line) => {
      const p = auditPairs(line);
      const m = p && message(p, line);
      return m ? [m] : [];
    }),
    table,
  );
}

function documentOf(all: readonly Message[], table: AuditNormalizationTable | undefined): Obj | undefined {
  const msgs = all.filter((m) => m.type !== 'EOE');
  if (msgs.length === 0) return undefined;
  const first = msgs[0]!;
  // as Elastic Agent's Auditd Manager writes them (it runs Auditbeat): its data set, which its rules' index names
  const event: Obj = { module: 'auditd', dataset: DATASET };
  const d: Obj = {};
  if (first.time !== undefined) d['@timestamp'] = new Date(first.time).toISOString();
  d.ecs = { version: ECS_VERSION };
  d.data_stream = { type: 'logs', dataset: DATASET, namespace: 'default' };
  d.event = event;
  d.agent = { type: 'auditbeat' };
  d.service = { type: 'auditd' };
  d.host = first.node ? { os: { type: 'linux', family: 'linux' }, name: first.node } : { os: { type: 'linux', family: 'linux' } };
  const ev = coalesce(msgs, table);
  if ('error' in ev) {
    d.error = { message: ev.error };
    event.original = msgs.map((m) => m.line.trim());
    return d;
  }
  // names of ids, as `resolve_ids` gives them: the ENRICHED fields of any of the records
  const idNames = new Map<string, string>();
  const gidNames = new Map<string, string>();
  for (const m of msgs) {
    for (const [k, name] of m.names) {
      const id = m.data.get(k);
      if (id === undefined || !/^\d+$/.test(id)) continue;
      (k.endsWith('gid') ? gidNames : idNames).set(id, name);
    }
  }
  if (ev.action !== undefined) event.action = ev.action;
  event.outcome = ev.result === 'fail' ? 'failure' : ev.result;
  const data: Obj = {};
  for (const [k, v] of ev.data) {
    if (k === 'pid' || k === 'ppid' || k === 'proctitle' || k === 'comm' || k === 'exe' || k === 'cwd') continue;
    if (k.startsWith('socket_')) sub(data, 'socket')[k.slice(7)] = v;
    else data[k] = v;
  }
  const auditd: Obj = { message_type: ev.type.toLowerCase(), sequence: first.seq, result: ev.result, data };
  if (ev.session !== undefined && ev.session !== UNSET) auditd.session = ev.session;
  d.auditd = auditd;
  // user.*: every id, and its name when the log gives it
  const user: Obj = {};
  for (const [k, v] of ev.ids) {
    if (v === UNSET) continue;
    const at = USER_ID_FIELDS[k] ?? k;
    let o = user;
    if (at) for (const part of at.split('.')) o = sub(o, part);
    o.id = v;
    const name = (k.endsWith('gid') ? gidNames : idNames).get(v);
    if (name !== undefined) o.name = name;
  }
  if (ev.selinux.size) user.selinux = Object.fromEntries(ev.selinux);
  d.user = user;
  // process.*
  const process: Obj = {};
  const pid = ev.data.get('pid');
  const ppid = ev.data.get('ppid');
  if (pid !== undefined && /^-?\d+$/.test(pid)) process.pid = Number(pid);
  if (ppid !== undefined && /^-?\d+$/.test(ppid)) process.parent = { pid: Number(ppid) };
  for (const [k, at] of PROCESS_FIELDS) {
    const v = ev.data.get(k);
    if (v) process[at] = v;
  }
  if (ev.args?.length) process.args = ev.args;
  for (const _ in process) {
    d.process = process;
    break;
  }
  if (ev.file) d.file = ev.file;
  if (ev.source) d.source = ev.source;
  if (ev.dest) d.destination = ev.dest;
  if (ev.direction) d.network = { direction: ev.direction };
  if (ev.tags.length) d.tags = ev.tags;
  const summary: Obj = {};
  if (ev.actor.primary || ev.actor.secondary) {
    const actor: Obj = (summary.actor = {});
    if (ev.actor.primary) actor.primary = ev.actor.primary;
    if (ev.actor.secondary) actor.secondary = ev.actor.secondary;
  }
  if (ev.object.primary || ev.object.secondary || ev.object.type) {
    const object: Obj = (summary.object = {});
    if (ev.object.primary) object.primary = ev.object.primary;
    if (ev.object.secondary) object.secondary = ev.object.secondary;
    if (ev.object.type) object.type = ev.object.type;
  }
  if (ev.how) summary.how = ev.how;
  if (summary.actor || summary.object || summary.how) auditd.summary = summary;
  if (ev.paths.length) auditd.paths = ev.paths;
  // event.kind, ECS category and type, outcome (`normalizeEventFields`)
  event.kind = 'event';
  if (ev.ecs.category.length) event.category = ev.ecs.category;
  if (ev.ecs.type.length) event.type = ev.ecs.type;
  if (ev.ecs.outcome) event.outcome = ev.ecs.outcome;
  // user, user.effective, user.target, user.changes, group from the normalization's mappings (`setECSEntity`)
  const related = new Set<string>();
  for (const [at, ent0] of ev.ecs.entities) {
    const ent = { ...ent0 };
    const names = at === 'group' ? gidNames : idNames;
    if (ent.id !== undefined && ent.id !== UNSET && ent.name === undefined) ent.name = names.get(ent.id);
    else if (ent.name !== undefined && ent.id === undefined) for (const [id, n] of names) if (n === ent.name) ent.id = id;
    if (ent.id === UNSET) ent.id = undefined;
    const o = at === 'group' ? sub(d, 'group') : at === 'user' ? user : sub(user, at.slice(5));
    if (ent.id !== undefined) o.id = ent.id;
    else delete o.id;
    if (ent.name !== undefined) {
      o.name = ent.name;
      if (at !== 'group') related.add(ent.name);
    } else delete o.name;
  }
  for (const o of [user, user.effective, user.target, user.changes, user.audit]) {
    const n = (o as Obj | undefined)?.name;
    if (typeof n === 'string') related.add(n);
  }
  if (related.size) d.related = { user: [...related].sort() };
  // user.effective when it is user (`removeRedundantEntity`)
  const eff = user.effective as Obj | undefined;
  if (eff && ((typeof user.id === 'string' && user.id !== '' && eff.id === user.id) || (typeof user.name === 'string' && user.name !== '' && eff.name === user.name))) delete user.effective;
  if (ev.warnings.length) d.error = { message: ev.warnings };
  return d;
}

const PROCESS_FIELDS = [
  ['proctitle', 'title'],
  ['comm', 'name'],
  ['exe', 'executable'],
  ['cwd', 'working_directory'],
] as const;

/** Whether a record of this type ends its event as go-libaudit's reassembler reads it (EOE ends any). */
function endsEvent(type: string): boolean {
  if (type === 'PROCTITLE' || type === 'EOE') return true;
  const unknown = /^UNKNOWN\[(\d+)\]$/.exec(type);
  if (unknown) {
    const n = Number(unknown[1]);
    return n < 1300 || n >= 2100;
  }
  // a kernel record waits for the rest of its event; a user-space or daemon message (1100–1299, 2100–2999) is whole
  return !KERNEL_RECORD_TYPES.has(type);
}

/** Events open at once before the oldest is taken as whole (go-libaudit's `reassembler.max_in_flight` default). */
const MAX_IN_FLIGHT = 50;

/**
 * Records one event holds before it is taken as whole (a system call writes a few: a hostile or broken log of one
 * serial repeated must not grow one event without bound); a record past it starts the event's next document.
 */
export const MAX_EVENT_RECORDS = 1000;

/** One group's records and where its first one is. */
interface Group<P> {
  readonly msgs: Message[];
  readonly pos: P;
}

/** A document and where its event's first record is. */
export interface MadeDocument<P> {
  readonly document: Obj;
  readonly pos: P;
}

/**
 * Joins a stream of audit records into events, in the order their events complete: a record of a kernel event waits
 * for its EOE or PROCTITLE record (or for `MAX_IN_FLIGHT` newer events); a user-space message is an event alone.
 * `P` is whatever the caller keeps of where the group's first record is.
 */
export class AuditCoalescer<P> {
  private readonly open = new Map<string, Group<P>>();

  /** go-libaudit's normalizations, read once for the input (`auditNormalizations`). */
  constructor(private readonly table: AuditNormalizationTable | undefined = auditNormalizations()) {}

  /** A record read (its line, and its pairs when the caller has them); the documents of the events it completes. */
  push(line: string, pos: P, pairs: AuditPairs | undefined = auditPairs(line)): MadeDocument<P>[] {
    const out: MadeDocument<P>[] = [];
    const m = pairs && message(pairs, line);
    if (!m) return out;
    const key = m.node === undefined ? m.header : `${m.node}\u0000${m.header}`;
    let g = this.open.get(key);
    if (!g) {
      if (m.type === 'EOE') return out;
      g = { msgs: [], pos };
      this.open.set(key, g);
    }
    g.msgs.push(m);
    if (endsEvent(m.type) || g.msgs.length >= MAX_EVENT_RECORDS) this.close(key, out);
    while (this.open.size > MAX_IN_FLIGHT) this.close(this.open.keys().next().value!, out);
    return out;
  }

  /** The input ended: every open event as it is. */
  end(): MadeDocument<P>[] {
    const out: MadeDocument<P>[] = [];
    for (const key of [...this.open.keys()]) this.close(key, out);
    return out;
  }

  private close(key: string, out: MadeDocument<P>[]): void {
    const g = this.open.get(key)!;
    this.open.delete(key);
    const document = documentOf(g.msgs, this.table);
    if (document) out.push({ document, pos: g.pos });
  }
}
