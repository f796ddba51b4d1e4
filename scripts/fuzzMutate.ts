/**
 * Mutations of real rule files for the fuzz harness (`fuzz.ts`): byte flips, truncation, duplicate keys, huge
 * strings, deep nesting of every YAML / JSON / TOML / expression form, NUL, invalid UTF-8, alias bombs, CRLF and
 * tabs, 10,000-term conditions, backtracking regexes. Deterministic for a seed: the same seed mutates the same way.
 */
import type { Format } from '../src/model/facts.ts';

/** A small fast seeded PRNG (mulberry32). */
export function rng(seed: number): { next(): number; int(n: number): number; pick<T>(xs: readonly T[]): T } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)]! };
}

export type Rng = ReturnType<typeof rng>;

/** Per language: the rule files mutated (by extension) and the keys its query or condition sits under. */
export const FUZZ_FACTS: Record<Format, { readonly exts: readonly string[]; readonly queryKeys: readonly string[]; readonly op: string; readonly atom: string }> = {
  panther: { exts: ['.yml', '.yaml', '.py'], queryKeys: ['return ', 'Query:', 'Detection:', 'Condition:'], op: 'and', atom: 'event.get("a") == "b"' },
  sigma: { exts: ['.yml', '.yaml'], queryKeys: ['condition:', 'detection:'], op: 'or', atom: 'selection' },
  kusto: { exts: ['.yaml', '.yml', '.md', '.txt'], queryKeys: ['query:', '| where', 'where '], op: 'or', atom: 'EventID == 4625' },
  splunk: { exts: ['.yml'], queryKeys: ['search:', 'definition:'], op: 'OR', atom: 'EventCode=4625' },
  elastic: { exts: ['.toml'], queryKeys: ['query = ', 'query ='], op: 'or', atom: 'process.name : "x.exe"' },
  yaral: { exts: ['.yaral'], queryKeys: ['events:', 'condition:'], op: 'or', atom: '$e.metadata.event_type = "USER_LOGIN"' },
  mql: { exts: ['.yml'], queryKeys: ['source:', 'source: |'], op: 'or', atom: 'type.inbound' },
};

/** Nesting depths tried: around the limit (200), well past it, and far past it (stack exhaustion). */
const DEPTHS = [50, 199, 201, 300, 5000, 20000];

type Mutation = (b: Buffer, r: Rng, format: Format) => Buffer;

const s = (b: Buffer) => b.toString('latin1');
const B = (t: string) => Buffer.from(t, 'latin1');
/** Insert at a random offset (at a line start when `line`). */
function insertAt(b: Buffer, r: Rng, what: Buffer, line = false): Buffer {
  let at = r.int(b.length + 1);
  if (line) {
    const t = s(b);
    const nl = t.lastIndexOf('\n', at - 1);
    at = nl + 1;
  }
  return Buffer.concat([b.subarray(0, at), what, b.subarray(at)]);
}
const lines = (b: Buffer) => s(b).split('\n');

/** Deep nesting of one form: YAML block sequences and mappings, flow (JSON) arrays and objects, TOML tables, parentheses. */
function deepForm(r: Rng, format: Format): string {
  const k = r.pick(DEPTHS);
  const forms: (() => string)[] = [
    () => `deep:\n  ${'- '.repeat(k)}x\n`,
    () => `deep:\n${Array.from({ length: Math.min(k, 3000) }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')} x\n`,
    () => `deep: ${'['.repeat(k)}${']'.repeat(k)}\n`,
    () => `deep: ${'{a: '.repeat(k)}1${'}'.repeat(k)}\n`,
    () => `deep = ${'['.repeat(k)}1${']'.repeat(k)}\n`,
    () => `deep = ${'{a = '.repeat(k)}1${'}'.repeat(k)}\n`,
    () => `[${Array.from({ length: Math.min(k, 3000) }, () => 'a').join('.')}]\nx = 1\n`,
    () => `${'('.repeat(k)}x${')'.repeat(k)}\n`,
    () => `? ${'? '.repeat(k)}x\n`,
  ];
  // a language's own form first in half the cases
  if (format === 'elastic' && r.next() < 0.5) return forms[r.pick([4, 5, 6])]!();
  return r.pick(forms)();
}

export const MUTATIONS: Record<string, Mutation> = {
  flip: (b, r) => {
    const out = Buffer.from(b);
    for (let i = 0, n = 1 + r.int(8); i < n && out.length; i++) out[r.int(out.length)] ^= 1 << r.int(8);
    return out;
  },
  truncate: (b, r) => b.subarray(0, r.int(b.length + 1)),
  duplicateKey: (b, r) => {
    const ls = lines(b);
    const keyed = ls.map((l, i) => (/^\s*[\w.$-]+\s*[:=]/.test(l) ? i : -1)).filter((i) => i >= 0);
    if (!keyed.length) return b;
    const i = r.pick(keyed);
    ls.splice(i + 1, 0, r.next() < 0.5 ? ls[i]! : ls[i]!.replace(/([:=]).*/, '$1 duplicate'));
    return B(ls.join('\n'));
  },
  hugeString: (b, r) => {
    const n = r.pick([70_000, 1_000_000, 2 * 1024 * 1024 + 10]);
    const t = s(b);
    const q = t.indexOf('"', r.int(Math.max(1, t.length)));
    if (q >= 0 && r.next() < 0.6) return B(t.slice(0, q + 1) + 'A'.repeat(n) + t.slice(q + 1));
    return insertAt(b, r, B(`huge: "${'A'.repeat(n)}"\n`), true);
  },
  deepNesting: (b, r, f) => insertAt(b, r, B(deepForm(r, f)), true),
  nul: (b, r) => {
    let out = b;
    for (let i = 0, n = 1 + r.int(5); i < n; i++) out = insertAt(out, r, Buffer.from([0]));
    return out;
  },
  invalidUtf8: (b, r) => {
    let out = b;
    const bad = [[0xff], [0xfe, 0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf0, 0x28, 0x8c, 0x28], [0xe2, 0x82]];
    for (let i = 0, n = 1 + r.int(4); i < n; i++) out = insertAt(out, r, Buffer.from(r.pick(bad)));
    return out;
  },
  aliasBomb: (b, r) => {
    const levels = 9 + r.int(3);
    const bomb = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < levels; i++) bomb.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(',')}]`);
    return r.next() < 0.5 ? Buffer.concat([b, B(`\n${bomb.join('\n')}\n`)]) : Buffer.concat([B(`${bomb.join('\n')}\n`), b]);
  },
  crlfTabs: (b, r) => {
    const t = s(b);
    switch (r.int(4)) {
      case 0:
        return B(t.replace(/\n/g, '\r\n'));
      case 1:
        return B(t.replace(/\n/g, '\r'));
      case 2:
        return B(t.replace(/^( {2})+/gm, (m) => '\t'.repeat(m.length / 2)));
      default:
        return B(t.replace(/ /g, () => (r.next() < 0.05 ? '\t' : ' ')));
    }
  },
  longCondition: (b, r, f) => {
    const facts = FUZZ_FACTS[f];
    const ls = lines(b);
    const at = ls.findIndex((l) => facts.queryKeys.some((k) => l.includes(k)));
    const n = r.pick([1000, 7000, 10_000]);
    const chain = ` ${facts.op} ${facts.atom}`.repeat(n);
    if (at < 0) return Buffer.concat([b, B(`\n${facts.queryKeys[0]} ${facts.atom}${chain}\n`)]);
    // on the key's line, or on the first line of a block scalar below it
    const target = /[|>][-+]?\s*$/.test(ls[at]!) && at + 1 < ls.length ? at + 1 : at;
    ls[target] = ls[target]! + chain;
    return B(ls.join('\n'));
  },
  backtrackingRegex: (b, r) => {
    const t = s(b);
    const evil = r.pick(['(a+)+$', '(a|aa)+$', '(.*a){20}', '^(([a-z])+.)+[A-Z]([a-z])+$', '(x+x+)+y', '\\\\']);
    const q = t.indexOf("'", r.int(Math.max(1, t.length)));
    const payload = `${evil}${'a'.repeat(64)}!`;
    if (q >= 0) return B(t.slice(0, q + 1) + payload + t.slice(q + 1));
    return insertAt(b, r, B(`re: '${payload}'\n`), true);
  },
  deleteLines: (b, r) => {
    const ls = lines(b);
    for (let i = 0, n = 1 + r.int(3); i < n && ls.length; i++) ls.splice(r.int(ls.length), 1 + r.int(3));
    return B(ls.join('\n'));
  },
  swapLines: (b, r) => {
    const ls = lines(b);
    if (ls.length < 2) return b;
    const i = r.int(ls.length);
    const j = r.int(ls.length);
    [ls[i], ls[j]] = [ls[j]!, ls[i]!];
    return B(ls.join('\n'));
  },
  garbage: (b, r) => (r.next() < 0.3 ? Buffer.alloc(0) : Buffer.from(Array.from({ length: 1 + r.int(4096) }, () => r.int(256)))),
};

export const MUTATION_NAMES = Object.keys(MUTATIONS);

/** 1 to 3 mutations of `b`, chosen by `r`; returns the bytes and the names applied. */
export function mutate(b: Buffer, r: Rng, format: Format): { bytes: Buffer; applied: string[] } {
  const applied: string[] = [];
  let out = b;
  for (let i = 0, n = 1 + r.int(3); i < n; i++) {
    const name = r.pick(MUTATION_NAMES);
    out = MUTATIONS[name]!(out, r, format);
    applied.push(name);
  }
  return { bytes: out, applied };
}
