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

/**
 * The pairs of `text` from `from` to `to` into `out` (a name already there is kept): the record's own, and again for
 * a single-quoted message's inside. `quoted`, when given, gets the names whose value was in quotes.
 */
function pairs(text: string, from: number, to: number, out: Record<string, string>, nested: string[], quoted?: Set<string>): void {
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
    // (a pair named `__proto__` is a field like any other, not the object's prototype)
    if (!Object.hasOwn(out, key)) {
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      if (inQuotes) quoted?.add(key);
    }
  }
}

/** One audit record line as an event (see the module's comment), or undefined when the line is not one. */
export function auditRecord(line: string): Record<string, string> | undefined {
  return auditRecordPairs(line)?.fields;
}

/**
 * One audit record line's pairs, as `auditRecord` reads them, with the names whose value was in quotes (an unquoted
 * value of a text field is hexadecimal: `src/hunt/auditbeat.ts` decodes it as Auditbeat does) and, when `enriched` is
 * given, the ENRICHED format's interpreted fields apart (`AUID="alice"`; else they are fields like the others).
 */
export function auditRecordPairs(line: string, quoted?: Set<string>, enriched?: Record<string, string>): { fields: Record<string, string> } | undefined {
  if (!looksLikeAuditRecord(line)) return undefined;
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 10 || line.charCodeAt(end - 1) === 13)) end--;
  const out: Record<string, string> = {};
  const nested: string[] = [];
  // with `enriched`, the ENRICHED format's interpreted fields (after the separator) go there instead
  const gs = enriched ? line.indexOf(String.fromCharCode(GS)) : -1;
  pairs(line, 0, gs < 0 ? end : gs, out, nested, quoted);
  for (const n of nested) pairs(n, 0, n.length, out, [], quoted);
  if (enriched && gs >= 0) pairs(line, gs + 1, end, enriched, []);
  return typeof out.type === 'string' ? { fields: out } : undefined;
}

/** The time of an audit record's `msg` (`audit(1700000000.123:4242)`), in ms since the epoch. */
export function auditdTime(msg: unknown): number | undefined {
  if (typeof msg !== 'string' || !msg.startsWith('audit(')) return undefined;
  const colon = msg.indexOf(':', 6);
  const t = Number(msg.slice(6, colon < 0 ? undefined : colon));
  return Number.isFinite(t) && t > 0 ? Math.round(t * 1000) : undefined;
}
