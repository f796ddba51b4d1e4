/**
 * osquery SQL in Elastic hunting TOML (a hunt whose `language` lists "SQL"). osquery runs SQLite, so a query is
 * parsed with node-sql-parser's SQLite dialect: that tells an osquery query from a broken query of the hunt's other
 * languages (before, it got their syntax errors). It is not lowered: it reads the host's state tables (processes,
 * listening_ports, …) when an analyst runs it, not events, so it has no row-level condition over an event; its
 * branch of the hunt is opaque and says so, and the tables it reads are on its stage.
 */
import { opaque } from '../../model/expr.ts';
import { sqlParser } from '../sqlParser.ts';
import type { ElasticLower } from './lowering.ts';
import { ElasticDiagnostics } from './diagnostics.ts';
import { hostAt, spanOf } from './queryText.ts';

export const OSQUERY_PARSER = 'osquery SQL (SQLite dialect) via node-sql-parser';

/** Parse one osquery query; never throws. A query the SQL parser refuses is `parsed: false` with the parser's error where it stopped. */
export const lowerOsquery: ElasticLower = (text, ctx) => {
  const whole = spanOf(ctx, { start: 0, end: text.length });
  const stage = { kind: 'query' as const, label: 'osquery', text, span: whole };
  const empty = { missing: [], outputFields: [], diagnostics: [], parser: OSQUERY_PARSER };
  let tables: string[];
  try {
    const { tableList } = sqlParser().parse(text, { database: 'sqlite' });
    tables = [...new Set(tableList.map((t) => t.split('::').pop()!).filter((t) => t && t !== 'null'))];
  } catch (e) {
    // where the SQL parser stopped; its own checks (a reserved word as an alias, say) have no position, and run once
    // the statement's first word is read: placed after that word, so that a hunt whose languages all fail names SQL's
    // error, not that of a language that stopped at the first word (`lowerHosted`: the furthest error wins)
    const where = (e as { location?: { start?: { offset?: number } } }).location?.start?.offset ?? afterFirstWord(text);
    const diagnostics = [ElasticDiagnostics.osquerySyntax(ctx.file, hostAt(ctx, text, where), e instanceof Error ? e.message : String(e))];
    return { stages: [{ ...stage, detail: { language: 'sql' } }], ...empty, diagnostics, parsed: false };
  }
  const reads = tables.length ? `the host's ${tables.join(', ')} table${tables.length > 1 ? 's' : ''}` : "the host's state";
  // no event satisfies it: over events (the hunt, `detwiki eval`) it is false (`readsHost`)
  const condition = { ...opaque(text, `language: osquery SQL reads ${reads} when run, not events: not lowered`, whole), readsHost: true as const };
  return { stages: [{ ...stage, detail: { language: 'sql', tables } }], condition, ...empty, parsed: true };
};

/** The offset after a text's first word (its leading blanks skipped); 0 when it does not start with a letter. */
function afterFirstWord(text: string): number {
  let i = 0;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  const start = i;
  while (i < text.length && /[A-Za-z]/.test(text[i]!)) i++;
  return i > start ? i : 0;
}
