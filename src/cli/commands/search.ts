/** detwiki search <query> [--out DIR] [--format F] [--kind K] [--technique T] [--limit N] [--json] */
import { explainMatch } from '../../catalog/snippets.ts';
import { parseCommand, printJson } from '../args.ts';
import { jsonText } from '../../model/ascii.ts';
import type { Catalog } from '../../catalog/query.ts';
import { guarded, oneFormatAndKind, UsageError, withCatalog } from '../context.ts';
import { say, sayLine } from '../lines.ts';

export async function run(argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseCommand(argv, {
      out: { type: 'string' },
      format: { type: 'string' },
      kind: { type: 'string' },
      technique: { type: 'string' },
      limit: { type: 'string' },
    });
    if (values.help || !positionals.length) {
      say('usage: detwiki search <query> [--out DIR] [--format F] [--kind K] [--technique T] [--limit N] [--json]');
      return values.help ? 0 : 2;
    }
    const limit = values.limit ? Number(values.limit) : 20;
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`bad --limit ${values.limit}`);
    const f = { ...oneFormatAndKind(values), ...(values.technique ? { technique: values.technique } : {}) };
    return withCatalog('search', values.out, (cat) => {
      if (values.technique) knownTechnique(cat, values.technique);
      const q = positionals.join(' ');
      const r = cat.search(q, f, { pageSize: limit });
      const why = (id: string) => {
        const rec = cat.ruleRecord(id);
        return rec ? explainMatch(rec, r.parsed) : [];
      };
      if (values.json) printJson({ query: q, total: r.total, ...(r.totalCapped ? { totalCapped: true } : {}), rules: r.rows.map((x) => ({ ...x, matched: why(x.id) })) });
      else {
        sayLine(`${r.total}${r.totalCapped ? '+' : ''} result(s) for ${jsonText(q)}`);
        for (const x of r.rows) {
          sayLine(`  ${x.id.padEnd(60)} ${x.kind.padEnd(12)} ${x.title}`);
          // where it matched, the matching text in [brackets]
          for (const l of why(x.id)) sayLine(`      ${l.label}: ${l.snippet.map((p) => (p.mark ? `[${p.text}]` : p.text)).join('')}`);
        }
      }
      return 0;
    });
  });
}

/**
 * `--technique` names a technique of the catalog's ATT&CK bundle or of some rule's mapping: anything else (`T9999`, a
 * tactic's id, a typo) is a usage error, not "0 result(s)" that reads as a gap in coverage.
 */
function knownTechnique(cat: Catalog, id: string): void {
  const tid = id.trim().toUpperCase();
  if (cat.techniqueInfo(tid) || cat.st('SELECT 1 FROM rule_attack WHERE technique = ? OR parent = ? LIMIT 1').get(tid, tid)) return;
  const tactic = cat.tactics().find((t) => t.id === tid || t.shortname === id.trim().toLowerCase());
  const version = cat.matrix({}).version;
  throw new UsageError(
    `--technique: no technique '${id}' in ${version ? `ATT&CK v${version}` : 'the catalog (built without an ATT&CK bundle)'} or in any rule's mapping${tactic ? ` (${tactic.id} is the tactic ${tactic.name}: \`detwiki coverage\` lists its techniques)` : /^T\d{4}(\.\d{3})?$/.test(tid) ? '' : ' (ids look like T1078 or T1078.004)'}`,
  );
}
