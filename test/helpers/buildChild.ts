/**
 * A build in a child process, for crash tests (`DETWIKI_CRASH_AT` kills it at a named point; a test may also
 * `kill -9` it at any time): `node --import tsx test/helpers/buildChild.ts <catalog dir> <mirror> <attack bundle>`
 * builds the example sources found in the mirror and prints the report's totals as JSON.
 */
import { buildCatalog } from '../../src/catalog/build.ts';
import { exampleSources } from '../../src/catalog/sources.ts';

const [out, mirror, attack] = process.argv.slice(2);
const r = await buildCatalog({ outDir: out!, mirror: mirror!, attack: attack!, sources: exampleSources(), workers: 0, progress: { start() {}, tick() {}, end() {} } });
console.log(JSON.stringify({ upToDate: r.upToDate, totals: r.totals, attack: r.attack, interrupted: r.interrupted ?? null }));
