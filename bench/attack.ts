/**
 * ATT&CK bundle load figures: read, JSON.parse, derivation, index build, memory, derived-cache write and hit,
 * and resolution throughput. Usage: node --expose-gc --import tsx bench/attack.ts [bundle.json]
 * Prints `attack.<metric> <value> <unit>` lines (stable format).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildAttackIndex, loadAttack, readAttackBundle, type AttackIndex } from '../src/attack/index.ts';

const here = path.dirname(new URL(import.meta.url).pathname);
const file = process.argv[2] ?? path.resolve(here, '..', '..', 'shared', 'attack', 'enterprise-attack-19.1.json');
const gc = (globalThis as { gc?: () => void }).gc;
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
const out = (metric: string, value: string | number, unit = '') => console.log(`attack.${metric} ${value}${unit ? ` ${unit}` : ''}`);
const time = <T>(f: () => T): [T, number] => {
  const t0 = performance.now();
  const v = f();
  return [v, performance.now() - t0];
};

gc?.();
const heap0 = process.memoryUsage().heapUsed;
out('bundle_bytes', statSync(file).size);
/** In its own scope so that the parsed bundle can be collected afterwards. */
function coldLoad(): AttackIndex {
  const [text, readMs] = time(() => readFileSync(file, 'utf8'));
  const [json, parseMs] = time(() => JSON.parse(text) as unknown);
  const peak = process.memoryUsage();
  const [result, deriveMs] = time(() => readAttackBundle(json, file));
  const [built, buildMs] = time(() => buildAttackIndex(result.value!, result.diagnostics));
  out('read_decode_ms', readMs.toFixed(0));
  out('json_parse_ms', parseMs.toFixed(0));
  out('derive_ms', deriveMs.toFixed(0));
  out('build_ms', buildMs.toFixed(0));
  out('load_total_ms', (readMs + parseMs + deriveMs + buildMs).toFixed(0));
  out('heap_peak_mb', mb(peak.heapUsed - heap0));
  out('rss_peak_mb', mb(peak.rss));
  return built;
}
const index = coldLoad();
gc?.();
out('heap_retained_mb', gc ? mb(process.memoryUsage().heapUsed - heap0) : 'n/a (run with --expose-gc)');
out('data_json_bytes', JSON.stringify(index.data).length);
out('version', index.version);
out('tactics', index.tactics.length);
out('techniques', index.techniques.size);
out('objects', index.objects.size);
out('diagnostics', index.diagnostics.length);

const dir = mkdtempSync(path.join(os.tmpdir(), 'detwiki-bench-attack-'));
try {
  let t0 = performance.now();
  await loadAttack(file, { cacheDir: dir });
  out('load_cold_with_cache_write_ms', (performance.now() - t0).toFixed(0));
  t0 = performance.now();
  await loadAttack(file, { cacheDir: dir });
  out('load_cache_hit_ms', (performance.now() - t0).toFixed(0));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const entries = [...index.techniques.values()].flatMap((t) => [
  { text: t.id },
  { text: `attack.${t.id.toLowerCase()}` },
  ...t.tactics.map((tac) => ({ text: `${tac.id}:${t.id}` })),
  { text: 'DefenseEvasion' },
]);
const [mappings, resolveMs] = time(() => entries.map((e) => index.resolve(e)));
out('resolve_entries', mappings.length);
out('resolve_per_sec', Math.round(mappings.length / (resolveMs / 1000)));
