/**
 * KQL completeness of detection and hunting rules over the Sentinel and Defender XDR corpora, and how many rules a
 * derived-column reason keeps partial (issue 19):
 *   node --import tsx bench/kusto-reasons.ts /work/shared/corpora [--reasons] [--rules]
 * A derived-column reason is a missing part whose reason names a computed column, a column extracted by parse, a
 * member / element of a computed value or a function of one (join keys on computed columns included).
 * `--reasons` lists the most frequent reasons of partial rules; `--rules` lists each rule with such a reason.
 */
import path from 'node:path';
import { scanSource } from '../src/formats/scan.ts';
import { kustoAdapter } from '../src/formats/kusto/index.ts';

const corpora = process.argv[2] ?? '/work/shared/corpora';
const SOURCES = ['sentinel', 'defender-xdr/m365-hunting-queries', 'defender-xdr/bert-jan-p'];
const DERIVED = /computed column|extracted by|of a computed value|member of a computed value|element of a computed value/;

let total = 0;
let complete = 0;
let withDerived = 0;
let onlyDerived = 0;
const reasons = new Map<string, number>();
const listed: string[] = [];
for (const s of SOURCES) {
  const t0 = performance.now();
  const res = await scanSource(kustoAdapter, path.join(corpora, s), { repository: s });
  let n = 0;
  let c = 0;
  for (const r of res.rules) {
    if (r.kind !== 'detection' && r.kind !== 'hunting') continue;
    n++;
    if (r.logic.completeness === 'complete') c++;
    const rs = r.logic.missing.map((m) => m.reason);
    const d = rs.filter((x) => DERIVED.test(x));
    if (d.length) withDerived++;
    if (d.length && d.length === rs.length) onlyDerived++;
    for (const x of new Set(rs.map((x) => x.slice(0, 100)))) reasons.set(x, (reasons.get(x) ?? 0) + 1);
    if (d.length) listed.push(`${s}/${r.source.path}\t${d.length === rs.length ? 'only' : 'also'}\t${d.join(' | ')}`);
  }
  total += n;
  complete += c;
  console.log(`${s}: detection+hunting ${n} complete ${c} (${((100 * c) / n).toFixed(1)}%) scan ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
console.log(`all: detection+hunting ${total} complete ${complete} (${((100 * complete) / total).toFixed(1)}%)`);
console.log(`derived-column reason: rules ${withDerived}, the only reason ${onlyDerived}`);
if (process.argv.includes('--reasons')) for (const [k, v] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 60)) console.log(`${v}\t${k}`);
if (process.argv.includes('--rules')) console.log(listed.join('\n'));
