/**
 * Linux audit records as `auditd` writes them to `/var/log/audit/audit.log`, read as events for `detwiki hunt`: one
 * record a line, `type=SYSCALL msg=audit(1700000000.123:4242): arch=c000003e syscall=59 … comm="whoami"
 * exe="/usr/bin/whoami" key="recon"`, optionally after `node=<host> ` (auditd's `name_format`) and, in the `ENRICHED`
 * log format, followed by a group separator (0x1d) and the interpreted fields in capitals (`ARCH=x86_64
 * SYSCALL=execve AUID="alice" UID="root"`).
 *
 * Each record is one event whose fields are the record's pairs as written, the way Splunk's key-value extraction and
 * Sigma's `linux/auditd` rules read them:
 * - a value in double quotes loses its quotes; any other value is kept as written (`?`, `(null)`, a number as text);
 * - a value auditd wrote in hexadecimal (a string with a blank, a quote or a control character: `proctitle`, an
 *   EXECVE argument with a space) stays in hexadecimal, as in the log (Splunk's add-on does not decode it either;
 *   security_content's `linux_auditd_normalized_proctitle_process` macro decodes `proctitle` itself);
 * - a user-space message's pairs in single quotes (`msg='op=PAM:session_open acct="root" exe="/usr/sbin/sshd"
 *   res=success'`) are fields too, after the record's own (which win where a name repeats);
 * - words that are not pairs (an AVC record's `avc:  denied  { read } for`) are not fields;
 * - `msg` is the record's `audit(<seconds>.<milliseconds>:<serial>)`; `auditdTime` reads its time.
 *
 * Records of one event (a SYSCALL, its EXECVE, CWD, PATH and PROCTITLE records) share the serial and stay separate
 * events here: Sigma's and Splunk's auditd rules each test one record type.
 */

/** Group separator: the ENRICHED format's boundary between the raw and the interpreted fields. */
const GS = 0x1d;

const isBlank = (c: number): boolean => c === 32 || c === 9 || c === GS || c === 13;
/** A key's characters: letters, digits, `_` and `-`. */
const isKeyChar = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;

/**
 * Whether a line is an audit record: `type=<type> msg=` first, after an optional `node=<host> ` (the header is
 * `msg=audit(…):`, or `msg=?` where the kernel wrote none).
 */
export function looksLikeAuditRecord(line: string): boolean {
  let i = 0;
  if (line.startsWith('node=')) {
    i = line.indexOf(' ');
    if (i < 0) return false;
    while (i < line.length && line.charCodeAt(i) === 32) i++;
  }
  if (!line.startsWith('type=', i)) return false;
  const blank = line.indexOf(' ', i);
  return blank > i + 5 && line.startsWith('msg=', blank + 1);
}

/** One record line's pairs in the order written (a name may repeat: the first is the field). */
export interface AuditPairs {
  readonly keys: string[];
  readonly values: string[];
  /** Whether each value was in quotes (an unquoted value of a text field is hexadecimal). */
  readonly quoted: boolean[];
  /**
   * Pairs `[0, own)` are the record's own, `[own, interpreted)` the ENRICHED format's interpreted fields after the
   * separator (`AUID="alice"`), the rest a user-space message's (`msg='op=… res=success'`).
   */
  own: number;
  interpreted: number;
}

/** The pairs of `text` from `from` to `to` into `p`; a single-quoted `msg`'s text into `nested`, read after. */
function pairs(text: string, from: number, to: number, p: AuditPairs, nested: string[]): void {
  let i = from;
  while (i < to) {
    while (i < to && isBlank(text.charCodeAt(i))) i++;
    const keyStart = i;
    while (i < to && isKeyChar(text.charCodeAt(i))) i++;
    const key = text.slice(keyStart, i);
    if (!key || i >= to || text.charCodeAt(i) !== 61 /* = */) {
      // a word that is not a pair: skip it
      while (i < to && !isBlank(text.charCodeAt(i))) i++;
      continue;
    }
    i++;
    const q = i < to ? text.charCodeAt(i) : 0;
    let value: string;
    const inQuotes = q === 34 /* " */ || q === 39; /* ' */
    if (inQuotes) {
      const end = text.indexOf(q === 34 ? '"' : "'", i + 1);
      const close = end < 0 || end > to ? to : end;
      value = text.slice(i + 1, close);
      i = close + 1;
      if (q === 39 && key === 'msg') {
        // a user-space message: its own pairs, read after the record's
        nested.push(value);
        continue;
      }
    } else {
      const start = i;
      while (i < to && !isBlank(text.charCodeAt(i))) i++;
      value = text.slice(start, i);
      // the header's `msg=audit(…):` ends with a colon that is not the value's
      if (key === 'msg' && value.endsWith('):')) value = value.slice(0, -1);
    }
    p.keys.push(key);
    p.values.push(value);
    p.quoted.push(inQuotes);
  }
}

const GS_CHAR = String.fromCharCode(GS);

/** One audit record line's pairs (see `AuditPairs`), or undefined when the line is not a record. */
export function auditPairs(line: string): AuditPairs | undefined {
  if (!looksLikeAuditRecord(line)) return undefined;
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 10 || line.charCodeAt(end - 1) === 13)) end--;
  const p: AuditPairs = { keys: [], values: [], quoted: [], own: 0, interpreted: 0 };
  const nested: string[] = [];
  const gs = line.indexOf(GS_CHAR);
  pairs(line, 0, gs < 0 || gs > end ? end : gs, p, nested);
  p.own = p.keys.length;
  if (gs >= 0 && gs < end) pairs(line, gs + 1, end, p, nested);
  p.interpreted = p.keys.length;
  for (const n of nested) pairs(n, 0, n.length, p, []);
  return p;
}

/** A record's pairs as an event: each name's first value (the record's own, its interpreted fields, its message's). */
export function auditEvent(p: AuditPairs): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (let i = 0; i < p.keys.length; i++) {
    const key = p.keys[i]!;
    if (Object.hasOwn(out, key)) continue;
    // (a pair named `__proto__` is a field like any other, not the object's prototype)
    if (key === '__proto__') Object.defineProperty(out, key, { value: p.values[i], enumerable: true, writable: true, configurable: true });
    else out[key] = p.values[i]!;
  }
  return typeof out.type === 'string' ? out : undefined;
}

/** One audit record line as an event (see the module's comment), or undefined when the line is not one. */
export function auditRecord(line: string): Record<string, string> | undefined {
  const p = auditPairs(line);
  return p && auditEvent(p);
}

/** The time of an audit record's `msg` (`audit(1700000000.123:4242)`), in ms since the epoch. */
export function auditdTime(msg: unknown): number | undefined {
  if (typeof msg !== 'string' || !msg.startsWith('audit(')) return undefined;
  const colon = msg.indexOf(':', 6);
  const t = Number(msg.slice(6, colon < 0 ? undefined : colon));
  return Number.isFinite(t) && t > 0 ? Math.round(t * 1000) : undefined;
}
