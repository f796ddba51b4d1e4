/**
 * node-sql-parser, loaded on first use (a scan thread that never meets SQL does not pay for it): Panther's
 * Snowflake queries (`panther/sql.ts`) and the osquery SQL of Elastic hunts (`elastic/osquery.ts`).
 */
import { loadCommonJs } from './io.ts';

/** The parts of node-sql-parser's `Parser` the adapters use. */
export interface SqlParser {
  astify(sql: string, opt?: object): unknown;
  exprToSQL(n: unknown, opt?: object): string;
  /** The syntax tree and `statement::schema::table` for every table the query reads or writes, in one pass. */
  parse(sql: string, opt?: object): { ast: unknown; tableList: string[] };
}

let instance: SqlParser | undefined;

export function sqlParser(): SqlParser {
  return (instance ??= new (loadCommonJs(import.meta.url, 'node-sql-parser') as { Parser: new () => SqlParser }).Parser());
}
