/**
 * detwiki compare <rule id A> <rule id B> [--out CATALOG_DIR] [--json]
 * Two rules of the built catalog side by side: metadata, ATT&CK, log sources, fields, and their conditions
 * predicate by predicate (src/catalog/compare.ts), then each condition and its native form.
 */
import { compareRules, type Comparison, type SetDiff } from '../../catalog/compare.ts';
import { defaultCatalogDir } from '../../catalog/paths.ts';
import { Catalog } from '../../catalog/query.ts';
import { CATALOG_OPTIONS, parseCommand, printJson } from '../args.ts';
import { escapeControlsByLine } from '../../model/ascii.ts';
import { catalogOption, countOption, guarded, UsageError } from '../context.ts';
import { say } from '../lines.ts';

const USAGE = 'usage: detwiki compare <rule id A> <rule id B> [--out CATALOG_DIR] [--body-lines N] [--json]';

export function run(argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseCommand(argv, { ...CATALOG_OPTIONS, 'body-lines': { type: 'string' } });
    if (values.help) {
      say(USAGE);
      return 0;
    }
    if (positionals.length !== 2) throw new UsageError(USAGE);
    const bodyLines = countOption('body-lines', values['body-lines'], 40);
    const dir = catalogOption(values) ?? defaultCatalogDir();
    let cat: Catalog;
    try {
      cat = new Catalog(dir);
    } catch (e) {
      console.error(`detwiki compare: ${(e as Error).message}`);
      return 1;
    }
    try {
      const [a, b] = positionals.map((id) => cat.ruleRecord(id));
      const missing = positionals.filter((_, i) => !(i ? b : a));
      if (missing.length) {
        console.error(`detwiki compare: no rule ${missing.map((m) => `'${m}'`).join(' nor ')} in the catalog ${dir} (ids look like panther/aws_iam_backdoor_role)`);
        return 1;
      }
      const c = compareRules(a!, b!);
      if (values.json) printJson(c);
      else process.stdout.write(escapeControlsByLine(renderComparison(c, bodyLines)));
      return 0;
    } finally {
      cat.close();
    }
  });
}

const STATUS = { same: 'same     ', differs: 'differs  ', 'only-a': 'only in A', 'only-b': 'only in B' } as const;

function diff<T>(label: string, d: SetDiff<T>, show: (t: T) => string): string[] {
  const list = (xs: readonly T[]) => (xs.length ? xs.map(show).join(', ') : '-');
  return [`${label}`, `  both:      ${list(d.both)}`, `  only in A: ${list(d.onlyA)}`, `  only in B: ${list(d.onlyB)}`];
}

/** The comparison as text: sections as on the page, conditions one after the other. */
export function renderComparison(c: Comparison, bodyLines: number): string {
  const out: string[] = [`A: ${c.a.id}  ${c.a.title}`, `B: ${c.b.id}  ${c.b.title}`, '', 'Metadata'];
  const w = Math.max(...c.metadata.map((m) => m.a.length), 8);
  for (const m of c.metadata) out.push(`  ${m.same ? ' ' : '≠'} ${m.label.padEnd(12)} ${m.a.padEnd(Math.min(w, 50))}  ${m.b}`);
  out.push('', ...diff('ATT&CK', c.attack, (t) => `${t.id} ${t.name}`.trim()), '', ...diff('Log sources', c.logSources, (s) => s), '', ...diff('Fields the logic uses', c.fields, (f) => f), '');
  out.push('Conditions, predicate by predicate');
  if (!c.predicates.length) out.push('  (neither rule has a parsed predicate)');
  for (const p of c.predicates) {
    out.push(`  ${STATUS[p.status]}  ${p.field} (${p.role})`);
    for (const x of p.a) out.push(`      A: ${x.length > 400 ? `${x.slice(0, 399)}…` : x}`);
    for (const x of p.b) out.push(`      B: ${x.length > 400 ? `${x.slice(0, 399)}…` : x}`);
  }
  for (const [tag, s] of [['A', c.a], ['B', c.b]] as const) {
    out.push('', `Condition ${tag} (${s.format}, ${s.completeness})`, s.condition ? s.condition.replace(/^/gm, '  ') : '  (no condition was extracted)');
    for (const o of s.opaque) out.push(`  not comparable: ${o.text.slice(0, 120)} (${o.reason})`);
    for (const n of s.native) {
      const lines = n.text.split('\n');
      out.push('', `Native ${tag}: ${n.path} (${n.language})`, ...lines.slice(0, bodyLines).map((l) => `  ${l}`), ...(lines.length > bodyLines ? [`  … ${lines.length - bodyLines} more line(s) (--body-lines N)`] : []));
    }
  }
  return out.join('\n') + '\n';
}
