/** detwiki search <query> [--out DIR] [--format F] [--kind K] [--technique T] [--limit N] [--page N] [--json] */
import { explainMatch } from '../../catalog/snippets.ts';
import { CATALOG_OPTIONS, parseCommand, printJson } from '../args.ts';
import { jsonText } from '../../model/ascii.ts';
import { catalogOption, countOption, guarded, oneFormatAndKind, UsageError, withCatalog } from '../context.ts';
import { MAX_PAGE_SIZE } from '../../catalog/read/types.ts';
import { say, sayLine } from '../lines.ts';

export async function run(argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseCommand(argv, {
      ...CATALOG_OPTIONS,
      format: { type: 'string' },
      kind: { type: 'string' },
      technique: { type: 'string' },
      limit: { type: 'string' },
      page: { type: 'string' },
    });
    if (values.help || !positionals.length) {
      say('usage: detwiki search <query> [--out DIR] [--format F] [--kind K] [--technique T] [--limit N] [--page N] [--json]');
      return values.help ? 0 : 2;
    }
    // results a page (the catalog's pages hold at most MAX_PAGE_SIZE), and which page
    const limit = countOption('limit', values.limit, 20, 1);
    if (limit > MAX_PAGE_SIZE) throw new UsageError(`--limit is at most ${MAX_PAGE_SIZE} (--page N for the next results)`);
    const pageNo = countOption('page', values.page, 1, 1);
    const f = { ...oneFormatAndKind(values), ...(values.technique ? { technique: values.technique } : {}) };
    return withCatalog('search', catalogOption(values), (cat) => {
      // a technique no bundle or rule knows (`T9999`, a tactic's id) is said, not searched as "0 result(s)"
      const unknown = values.technique ? cat.unknownTechnique(values.technique) : undefined;
      if (unknown) throw new UsageError(`--technique: ${unknown}`);
      const q = positionals.join(' ');
      // so are the filters typed in the query (`format:splnk`, `technique:T9999`)
      const typed = cat.typedFilterProblem(q);
      if (typed) throw new UsageError(`in the query: ${typed}`);
      const r = cat.search(q, f, { pageSize: limit, page: pageNo });
      const why = (id: string) => {
        const rec = cat.ruleRecord(id);
        return rec ? explainMatch(rec, r.parsed) : [];
      };
      const from = (r.page - 1) * r.pageSize;
      if (values.json) printJson({ query: q, total: r.total, ...(r.totalCapped ? { totalCapped: true } : {}), page: r.page, pageSize: r.pageSize, rules: r.rows.map((x) => ({ ...x, matched: why(x.id) })) });
      else {
        sayLine(`${r.total}${r.totalCapped ? '+' : ''} result(s) for ${jsonText(q)}`);
        for (const x of r.rows) {
          sayLine(`  ${x.id.padEnd(60)} ${x.kind.padEnd(12)} ${x.title}`);
          // where it matched, the matching text in [brackets]
          for (const l of why(x.id)) sayLine(`      ${l.label}: ${l.snippet.map((p) => (p.mark ? `[${p.text}]` : p.text)).join('')}`);
        }
        // the results are a page of them: which, and how to see the next
        const more = r.totalCapped || from + r.rows.length < r.total;
        if (r.rows.length && (more || from > 0)) sayLine(`showing ${from + 1}–${from + r.rows.length} of ${r.total}${r.totalCapped ? '+' : ''}${more ? ` (--page ${r.page + 1} for the next ${r.pageSize})` : ''}`);
        else if (!r.rows.length && r.total > 0) sayLine(`page ${pageNo} is past the last result (--page 1 to ${Math.ceil(r.total / r.pageSize)})`);
      }
      return 0;
    });
  });
}
