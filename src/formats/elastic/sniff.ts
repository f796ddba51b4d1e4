/**
 * Whether a TOML file with no marker around it is an Elastic rule: a `[rule]` table with its `type` (detection-rules'
 * SIEM rules) or a `query` (Elastic Endpoint's behavior rules, EQL with no `type`), or a hunting query (`[hunt]` with
 * a `query`); or JSON (one rule object, a list of them) or NDJSON (a rule object a line) as Kibana exports rules.
 */
import type { FormatSniffer } from '../adapter.ts';
import { asMap } from '../sniff.ts';
import { isElasticRuleObject, parsed } from './json.ts';

export const ELASTIC_SNIFF: FormatSniffer = {
  reads: ['.toml', '.ndjson', '.json'],
  test(f) {
    // Kibana's export (a rule object a line) and the API's JSON: a rule object with its type and query
    if (f.ext === '.ndjson') return f.text.split('\n', 20).some((l) => l.trim().startsWith('{') && isRuleLine(l));
    // JSON is YAML: read once for every sniffer, with the YAML reader's guards
    if (f.ext === '.json') return f.yamlDocs().some((v) => (Array.isArray(v) ? v.some(isElasticRuleObject) : isElasticRuleObject(v)));
    const t = f.toml();
    const rule = asMap(t?.rule);
    return typeof rule?.type === 'string' || typeof rule?.query === 'string' || asMap(t?.hunt)?.query !== undefined;
  },
};

/** One line of NDJSON that is a rule object. */
function isRuleLine(line: string): boolean {
  const v = parsed(line);
  return v.ok && isElasticRuleObject(v.value);
}
