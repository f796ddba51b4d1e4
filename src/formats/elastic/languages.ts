/**
 * The query languages of Elastic rules, keyed by the TOML `language` value (`eql`, `kuery`, `esql`, `lucene`, and
 * `sql`: the osquery SQL of hunts): each entry lowers one query text into the model. A language without an entry
 * keeps its query verbatim with logic none and a note saying so.
 */
import { lowerEql } from './eql/index.ts';
import { lowerEsql } from './esql/index.ts';
import { lowerKuery } from './kuery/index.ts';
import type { ElasticLower } from './lowering.ts';
import { lowerLucene } from './lucene/index.ts';
import { lowerOsquery } from './osquery.ts';

export const LOWERERS: Partial<Record<string, ElasticLower>> = { eql: lowerEql, kuery: lowerKuery, esql: lowerEsql, lucene: lowerLucene, sql: lowerOsquery };
