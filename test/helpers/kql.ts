/** A KQL query's logic as the adapter builds it (parse, lower, assemble), for tests that lower queries directly. */
import { lowerQuery } from '../../src/formats/kusto/lowerQuery.ts';
import { parseKql } from '../../src/formats/kusto/parser.ts';
import { buildLogic } from '../../src/model/lowering.ts';
import type { Logic } from '../../src/model/rule.ts';

export const kqlLogic = (q: string, file = 'q.kql'): Logic => buildLogic(lowerQuery(parseKql(q).value, file));
