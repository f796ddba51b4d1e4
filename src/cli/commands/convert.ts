/**
 * detwiki convert <rule id | rule file> --to duckdb|clickhouse [--catalog DIR] [--events FILE] [--lists FILE|DIR ...]
 * Prints a rule's condition as one SQL query over JSON events, in the dialect asked (`src/hunt/sql/dialects.ts`):
 * the rows where the rule is TRUE (fires) or NULL (may fire: depends on what SQL or the parser cannot express).
 * `--lists` gives the values of named lists the rule tests (MQL `$org_domains`), which the SQL then holds.
 */
import { existsSync, statSync } from 'node:fs';
import { defaultCatalogDir } from '../../catalog/paths.ts';
import { rulesFromCatalog, rulesFromPaths } from '../../hunt/load.ts';
import { DIALECTS } from '../../hunt/sql/dialects.ts';
import { sqlGaps } from '../../hunt/sql/generate.ts';
import { duckJsonEventsSql, ruleQuerySql } from '../../hunt/sql/query.ts';
import { parseCommand } from '../args.ts';
import { bindLists } from '../../model/lists.ts';
import { guarded, listsOption, UsageError } from '../context.ts';
import { say, sayLine } from '../lines.ts';

const USAGE = `usage: detwiki convert <rule id | rule file> --to ${Object.keys(DIALECTS).join('|')} [--catalog DIR] [--events FILE] [--lists FILE|DIR ...]`;

export function run(argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseCommand(argv, { to: { type: 'string' }, catalog: { type: 'string' }, events: { type: 'string' }, lists: { type: 'string', multiple: true } });
    if (values.help) {
      say(USAGE);
      return 0;
    }
    if (positionals.length !== 1 || !values.to) throw new UsageError(USAGE);
    const d = DIALECTS[values.to];
    if (!d) throw new UsageError(`--to must be one of ${Object.keys(DIALECTS).join(', ')}`);
    const target = positionals[0]!;
    let rules;
    try {
      rules = existsSync(target) ? await rulesFromPaths([target], {}) : await rulesFromCatalog(values.catalog ?? defaultCatalogDir(), { ids: [target] }, { otherwise: 'give a rule file instead of an id' });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (!rules.length) {
      // a path that holds none: where to learn why (a syntax error at its line, a file of another kind)
      if (!existsSync(target)) throw new UsageError(`no rule '${target}' in the catalog (ids look like panther/aws_iam_backdoor_role), and no such file`);
      const folder = statSync(target).isDirectory();
      throw new UsageError(`${target} holds no rule this command reads (${folder ? `\`detwiki scan ${target}\` accounts for each file` : `\`detwiki show ${target}\` says why`})`);
    }
    const lists = listsOption(values.lists);
    // ClickHouse's SQL reads a table, not a file: an --events given there would be dropped without a word
    if (values.events !== undefined && d.name !== 'duckdb') throw new UsageError(`--events names the file DuckDB's SQL reads; the ${d.name} SQL reads a table \`events\` (a String column ev): leave --events out`);
    const events = values.events ?? 'events.jsonl';
    // the SQL may run on another machine, so a file missing here is a note, not an error
    if (values.events !== undefined && !existsSync(events)) process.stderr.write(`detwiki convert: note: ${events} does not exist here; the SQL reads it where it runs\n`);
    const source =
      d.name === 'duckdb'
        ? duckJsonEventsSql(events, 'unstructured')
        : `events /* a table with the event JSON in a String column ev */`;
    for (const written of rules) {
      const { rule: r, bound, unbound, unfit } = bindLists(written, lists);
      // a rule's title is untrusted: a line break in it would end the SQL comment
      sayLine(`-- ${r.id}: ${r.title} (${r.format}, logic ${r.logic.completeness})`);
      if (!r.logic.condition || r.logic.completeness === 'none') {
        say('-- no condition the parser could express: nothing to convert\n');
        continue;
      }
      for (const n of bound) sayLine(`-- list ${n}: values from --lists`);
      for (const n of unbound) sayLine(`-- list ${n}: not given (--lists FILE gives it), so its test is NULL`);
      for (const n of unfit) sayLine(`-- list ${n}: its values do not fit the test (plain values for a field of records, or records for values), so the test is NULL`);
      say('-- dw_truth: TRUE fires, NULL may fire (depends on parts SQL or the parser cannot express)');
      const gaps = sqlGaps(r.logic.condition, d);
      for (const g of gaps) sayLine(`-- NULL in SQL: ${g.replace(/\s+/g, ' ')}`);
      say(ruleQuerySql(d, r.format, r.logic.condition, source) + ';\n');
    }
    return 0;
  });
}
