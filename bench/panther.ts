/**
 * Panther adapter benchmark: `node --import tsx bench/panther.ts <dir> [--list-errors]`.
 * Prints stable `key: value` lines: files by outcome, rules by kind and type, logic completeness, SQL parse share,
 * diagnostics by code, time.
 */
import { pantherAdapter } from '../src/formats/panther/index.ts';
import { scanSource } from '../src/formats/scan.ts';
import { formatDiagnostic } from '../src/model/diagnostics.ts';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node --import tsx bench/panther.ts <panther-analysis dir> [--list-errors]');
  process.exit(2);
}
const t0 = performance.now();
const res = await scanSource(pantherAdapter, dir, { repository: 'panther-labs/panther-analysis' });
const ms = performance.now() - t0;

const count = <T>(xs: readonly T[], key: (x: T) => string) => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
};
const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : 'n/a');
const line = (k: string, v: string | number) => console.log(`${k}: ${v}`);

line('dir', dir);
line('files', res.files.length);
for (const [k, n] of count(res.files, (f) => f.outcome)) line(`files.${k}`, n);
line('rules', res.rules.length);
for (const [k, n] of count(res.rules, (r) => r.kind)) line(`rules.kind.${k}`, n);
for (const [k, n] of count(res.rules, (r) => r.nativeType ?? '?')) line(`rules.type.${k}`, n);
for (const [k, n] of count(res.rules, (r) => r.logic.parser ?? '(no parser)')) line(`rules.parser.${k}`, n);
for (const [k, n] of count(res.rules, (r) => r.logic.completeness)) line(`rules.completeness.${k}`, `${n} (${pct(n, res.rules.length)})`);
const withCond = res.rules.filter((r) => r.logic.condition && r.logic.condition.kind !== 'opaque');
line('rules.with_condition', `${withCond.length} (${pct(withCond.length, res.rules.length)})`);
const complete = res.rules.filter((r) => r.logic.completeness === 'complete');
line('rules.complete', `${complete.length} (${pct(complete.length, res.rules.length)})`);
const pyRules = res.rules.filter((r) => r.body.some((b) => b.language === 'python'));
const pyMissing = res.rules.filter((r) => r.diagnostics.some((d) => d.code === 'PAN004'));
line('rules.python_body_present', pyRules.length);
line('rules.python_body_missing', pyMissing.length);
const pyCond = pyRules.filter((r) => r.logic.condition && r.logic.condition.kind !== 'opaque');
line('rules.python_with_condition', `${pyCond.length} (${pct(pyCond.length, pyRules.length)})`);
const queries = res.rules.filter((r) => r.nativeType === 'scheduled_query' || r.nativeType === 'saved_query');
const sqlParsed = queries.filter((r) => r.logic.parser?.startsWith('Snowflake SQL'));
const sqlSnowflake = queries.filter((r) => r.logic.parser === 'Snowflake SQL via node-sql-parser');
const sqlTemplates = queries.filter((r) => r.diagnostics.some((d) => d.code === 'PAN006'));
line('sql.queries', queries.length);
line('sql.parsed', `${sqlParsed.length} (${pct(sqlParsed.length, queries.length)})`);
line('sql.parsed_as_snowflake', `${sqlSnowflake.length} (${pct(sqlSnowflake.length, queries.length)})`);
line('sql.jinja_templates', sqlTemplates.length);
line('sql.parsed_share_of_non_templates', pct(sqlParsed.length, queries.length - sqlTemplates.length));
const sqlCond = queries.filter((r) => r.logic.condition);
line('sql.with_condition', sqlCond.length);
const sqlThresh = queries.filter((r) => r.logic.aggregation?.threshold);
line('sql.with_threshold', sqlThresh.length);
const attack = res.rules.filter((r) => r.attackDeclared.length);
line('rules.with_attack', attack.length);
line('tests', res.rules.reduce((n, r) => n + r.tests.length, 0));
const diags = [...res.files.flatMap((f) => f.diagnostics), ...res.diagnostics];
for (const [k, n] of count(diags, (d) => `${d.severity}.${d.code}`)) line(`diagnostics.${k}`, n);
line('time_ms', Math.round(ms));
if (process.argv.includes('--list-errors')) {
  for (const d of diags) if (d.severity !== 'info') console.log(formatDiagnostic(d));
}
