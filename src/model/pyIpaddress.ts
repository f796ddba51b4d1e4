/**
 * Python's `ipaddress` module as the `ipaddress` transform reads it: `ip_address(x)` and `ip_network(x)` of an
 * event value, and their `is_private` / `is_global` properties. The blocks Python calls private changed in
 * CPython 3.12.4 / 3.11.10 / 3.13 (the IANA special-purpose registry: all of 192.0.0.0/24 but 192.0.0.9 and
 * 192.0.0.10, where releases before had 192.0.0.0/29); a property is read under both tables, and where they differ
 * the value is unknown, as it is for IPv6 (whose tables changed more) and for text older and newer releases parse
 * differently (an octet with a leading zero). A value Python rejects raises ValueError: the step fails.
 */

/** The outcome of a step: a value, a failure (Python raises), or unknown. */
export type IpStep = { readonly ok: boolean } | 'fail' | 'unknown';

type Range = readonly [number, number];

const v4 = (text: string): Range => {
  const [addr, bits] = text.split('/') as [string, string];
  const n = addr.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  return [n, n + size - 1];
};

/** CPython before 3.12.4 / 3.11.10: `_private_networks`. */
const PRIVATE_OLD = ['0.0.0.0/8', '10.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/29', '192.0.0.170/31', '192.0.2.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '240.0.0.0/4', '255.255.255.255/32'].map(v4);
/** From CPython 3.12.4 / 3.11.10 / 3.13: `_private_networks` and `_private_networks_exceptions`. */
const PRIVATE_NEW = ['0.0.0.0/8', '10.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.0.0.170/31', '192.0.2.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '240.0.0.0/4', '255.255.255.255/32'].map(v4);
const PRIVATE_NEW_EXCEPTIONS = ['192.0.0.9/32', '192.0.0.10/32'].map(v4);
/** `_public_network`: shared address space, neither private nor global. */
const SHARED = v4('100.64.0.0/10');

const inRange = (n: number, [lo, hi]: Range): boolean => n >= lo && n <= hi;

/** The first and last address of an IPv4 address or network; 'fail' where Python raises, 'unknown' where releases differ. */
function parse(v: unknown, network: boolean): Range | 'fail' | 'unknown' {
  if (typeof v === 'boolean') return 'unknown'; // an int to Python (True is 0.0.0.1): not read here
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) return 'fail';
    return v <= 0xffffffff ? [v, v] : 'unknown'; // larger integers are IPv6 addresses
  }
  if (typeof v !== 'string') return 'fail';
  if (v.includes(':')) return 'unknown';
  const slash = v.indexOf('/');
  if (slash >= 0 && !network) return 'fail';
  const addr = slash >= 0 ? v.slice(0, slash) : v;
  const octets = addr.split('.');
  if (octets.length !== 4) return 'fail';
  let n = 0;
  for (const o of octets) {
    if (!/^[0-9]{1,3}$/.test(o)) return 'fail';
    const x = Number(o);
    if (x > 255) return 'fail';
    n = n * 256 + x;
  }
  let size = 1;
  if (slash >= 0) {
    const bits = v.slice(slash + 1);
    // a netmask or host mask (`/255.255.0.0`) is not read here
    if (!/^[0-9]{1,2}$/.test(bits)) return /^[0-9.]+$/.test(bits) ? 'unknown' : 'fail';
    const len = Number(bits);
    if (len > 32) return 'fail';
    size = 2 ** (32 - len);
    if (n % size !== 0) return 'fail'; // strict: host bits set
  }
  // an octet with a leading zero: read as decimal before 3.9.5, rejected since (after what every release rejects)
  if (octets.some((o) => o.length > 1 && o.startsWith('0'))) return 'unknown';
  return [n, n + size - 1];
}

/** The address blocks the properties read, for the SQL that writes them (`src/hunt/sql/derive.ts`). */
export const PY_IP_BLOCKS = { before: PRIVATE_OLD, after: PRIVATE_NEW, exceptions: PRIVATE_NEW_EXCEPTIONS, shared: SHARED } as const;

/**
 * is_private of a network (an address is a network of one): before 3.12.4 both its first and its last address are
 * private; since, both are in one block and neither in an exception.
 */
function isPrivate([lo, hi]: Range, release: 'before' | 'after'): boolean {
  if (release === 'before') return PRIVATE_OLD.some((b) => inRange(lo, b)) && PRIVATE_OLD.some((b) => inRange(hi, b));
  return PRIVATE_NEW.some((b) => inRange(lo, b) && inRange(hi, b)) && PRIVATE_NEW_EXCEPTIONS.every((e) => !inRange(lo, e) && !inRange(hi, e));
}

function property([lo, hi]: Range, name: string, release: 'before' | 'after'): boolean {
  const priv = isPrivate([lo, hi], release);
  if (name === 'is_private') return priv;
  // is_global: not inside the shared address space (both ends, for a network), and not private
  return !(inRange(lo, SHARED) && inRange(hi, SHARED)) && !priv;
}

/** Properties read. */
export const IP_PROPERTIES: ReadonlySet<string> = new Set(['is_private', 'is_global']);

/** `ipaddress.<constructor>(v).<name>`: the property's value under every release's table when they agree. */
export function pyIpProperty(v: unknown, constructor: string, name: string): IpStep {
  if (!IP_PROPERTIES.has(name) || (constructor !== 'ip_address' && constructor !== 'ip_network')) return 'unknown';
  const r = parse(v, constructor === 'ip_network');
  if (typeof r === 'string') return r;
  const before = property(r, name, 'before');
  const after = property(r, name, 'after');
  return before === after ? { ok: after } : 'unknown';
}
