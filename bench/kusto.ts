/**
 * KQL adapter benchmark over the Sentinel and Defender XDR corpora:
 *   node --import tsx bench/kusto.ts /work/shared/corpora
 * Prints stable `key: value` lines: files by outcome, queries accepted by the Kusto parser without syntax
 * diagnostics, conditions (non-empty / complete) per kind, parse time per query (median, p95), peak memory.
 * Parse time is the Kusto parser's `Parse` call alone (markdown blocks probed for KQL count too).
 * `--offenders` also lists files with syntax errors and analytic rules without a condition.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { scanSource } from '../src/formats/scan.ts';
import { kustoAdapter } from '../src/formats/kusto/index.ts';
import { parseKql, recordParseTimes } from '../src/formats/kusto/parser.ts';

const corpora = process.argv[2] ?? '/work/shared/corpora';
const showOffenders = process.argv.includes('--offenders');
const SOURCES = [
  { name: 'sentinel', dir: 'sentinel' },
  { name: 'defender-xdr/m365-hunting-queries', dir: 'defender-xdr/m365-hunting-queries' },
  { name: 'defender-xdr/bert-jan-p', dir: 'defender-xdr/bert-jan-p' },
];

let peakRss = process.memoryUsage().rss;
const sample = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const timer = setInterval(sample, 50);

const t0 = performance.now();
parseKql('T | take 1');
const loadMs = performance.now() - t0;

const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : 'n/a');
const quantile = (xs: number[], q: number) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))]!;
};

const allParse = recordParseTimes(true);
for (const src of SOURCES) {
  const root = path.join(corpora, src.dir);
  if (!existsSync(root)) {
    console.log(`${src.name}: absent`);
    continue;
  }
  const res = await scanSource(kustoAdapter, root, { repository: src.name });
  const outcomes: Record<string, number> = {};
  for (const f of res.files) outcomes[f.outcome] = (outcomes[f.outcome] ?? 0) + 1;
  const rules = res.rules;
  sample();
  const syntaxOk = rules.filter((r) => !r.diagnostics.some((d) => d.code === 'KQL001'));
  console.log(`${src.name}: files ${res.files.length} parsed ${outcomes['parsed'] ?? 0} support ${outcomes['support'] ?? 0} skipped ${outcomes['skipped'] ?? 0} error ${outcomes['error'] ?? 0}`);
  console.log(`${src.name}: queries ${rules.length} syntax-clean ${syntaxOk.length} (${pct(syntaxOk.length, rules.length)})`);
  const kinds = [...new Set(rules.map((r) => r.kind))].sort();
  for (const k of kinds) {
    const rs = rules.filter((r) => r.kind === k);
    const cond = rs.filter((r) => r.logic.condition !== undefined);
    const complete = rs.filter((r) => r.logic.completeness === 'complete');
    const partial = rs.filter((r) => r.logic.completeness === 'partial');
    console.log(`${src.name}: kind ${k} ${rs.length} condition ${cond.length} (${pct(cond.length, rs.length)}) complete ${complete.length} (${pct(complete.length, rs.length)}) partial ${partial.length}`);
  }
  const analytic = rules.filter((r) => r.kind === 'detection' || r.kind === 'alert_feed');
  if (analytic.length) {
    const c = analytic.filter((r) => r.logic.condition !== undefined).length;
    console.log(`${src.name}: analytic-rules ${analytic.length} condition ${c} (${pct(c, analytic.length)})`);
  }
  const thresholds = rules.filter((r) => r.logic.aggregation?.threshold).length;
  console.log(`${src.name}: aggregations ${rules.filter((r) => r.logic.aggregation).length} thresholds ${thresholds}`);
  if (showOffenders) {
    for (const r of rules) for (const d of r.diagnostics) if (d.code === 'KQL001') console.log(`  syntax ${d.file}:${d.line}:${d.column} ${d.message}`);
    for (const r of analytic) if (!r.logic.condition) console.log(`  no-condition ${r.source.path} ${r.logic.stages.map((s) => s.label).join('|')}`);
    for (const f of res.files) if (f.outcome === 'error') console.log(`  error ${f.path} ${f.diagnostics.map((d) => d.code + ' ' + d.message).join('; ')}`);
  }
}
sample();
clearInterval(timer);
console.log(`parser-load-ms: ${loadMs.toFixed(0)}`);
console.log(`parse-ms-per-query: median ${quantile(allParse, 0.5).toFixed(2)} p95 ${quantile(allParse, 0.95).toFixed(2)} n ${allParse.length}`);
console.log(`peak-rss-mb: ${(peakRss / 1024 / 1024).toFixed(0)}`);
