/** detwiki search <query> [--out DIR] [--format F] [--kind K] [--technique T] [--limit N] [--json] */
import { explainMatch } from '../../catalog/snippets.ts';
import { parseCommand, printJson } from '../args.ts';
import { jsonText } from '../../model/ascii.ts';
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
      // a technique no bundle or rule knows (`T9999`, a tactic's id) is said, not searched as "0 result(s)"
      const unknown = values.technique ? cat.unknownTechnique(values.technique) : undefined;
      if (unknown) throw new UsageError(`--technique: ${unknown}`);
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
