/**
 * Kibana Query Language (kuery) for Elastic rules: `lowerKuery` parses a query with the project's peggy grammar
 * (`kuery.peggy`) and lowers it into the model (`lower.ts`).
 */
import type { ElasticLower } from '../lowering.ts';
import { lowerKueryText } from './lower.ts';

export { parseKuery } from './parser.ts';
export { KUERY_PARSER } from './lower.ts';
export type { KueryNode } from './syntax.ts';

/** Lower one Kibana KQL query text into the model. Never throws. */
export const lowerKuery: ElasticLower = (text, ctx) => lowerKueryText(text, ctx);
