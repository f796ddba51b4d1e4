/**
 * Elastic rules as Kibana exports them (`.ndjson`: one rule object a line, then an `exported_count` summary line) and
 * as its detection engine API takes them (`.json`: one rule object, or an array of them). The object is the `[rule]`
 * table of detection-rules' TOML (the TOML is a serialization of it): `elasticRule` reads both.
 */
import { GeneralDiagnostics, type Diagnostic } from '../../model/diagnostics.ts';
import { slugify } from '../../model/facts.ts';
import { isRecord } from '../../model/isRecord.ts';
import type { BodyFile, RuleRecord } from '../../model/rule.ts';
import { lineColAt } from '../../model/span.ts';
import type { FileResult, SourceInfo } from '../adapter.ts';
import { jsonStringMapper, locateJsonStrings, type StringLiteral } from '../jsonLocate.ts';
import { bodyPart } from '../record.ts';
import { ElasticDiagnostics } from './diagnostics.ts';
import { elasticRule } from './rule.ts';
import { str, type Table } from './toml.ts';

/** Elastic's rule types: an object with one of these, a `name` and a query (or an ML job) is a rule. */
const RULE_TYPES = new Set(['query', 'saved_query', 'eql', 'esql', 'threshold', 'new_terms', 'threat_match', 'machine_learning']);

/** Whether a parsed JSON value is an Elastic rule object (Kibana's export, the API's body). */
export function isElasticRuleObject(v: unknown): v is Table {
  if (!isRecord(v) || typeof v.name !== 'string' || typeof v.type !== 'string' || !RULE_TYPES.has(v.type)) return false;
  return typeof v.query === 'string' || v.type === 'machine_learning' || v.type === 'saved_query';
}

export function parseElasticJson(path: string, text: string, source: SourceInfo): FileResult {
  const diagnostics: Diagnostic[] = [];
  const rules: RuleRecord[] = [];
  const ids = new Map<string, number>();
  /**
   * `pointer`: the rule object's JSON pointer in `scope` (`''`: the whole of it), the text that starts at offset
   * `from` of the file (a line of NDJSON, or the file): its query's literal maps query offsets to the file.
   */
  const add = (r: Table, from: number, to: number, scope: string, located: Map<string, StringLiteral> | undefined, pointer: string, element?: number): void => {
    const lit = located?.get(`${pointer}/query`);
    const inScope = lit ? jsonStringMapper(scope, lit) : undefined;
    // a rule's id in the source: its name (a file holds several), then its rule_id; a second of a name is numbered
    const base = slugify(str(r.name) ?? str(r.rule_id) ?? '') || 'rule';
    const n = (ids.get(base) ?? 0) + 1;
    ids.set(base, n);
    // the rule's own text: the file with its line as range (a large file: the line alone; an element of an array:
    // the element as JSON, its place in the file not kept), so that a file of many rules is not stored once a rule
    const body: BodyFile[] = [element !== undefined ? { path: `${path} [${element}]`, language: 'json', text: JSON.stringify(r, null, 2) } : bodyPart(path, 'json', text, { start: from, end: to })];
    const made = elasticRule(path, text, r, {}, source, { id: n > 1 ? `${base}_${n}` : base, body, from, ...(inScope ? { queryToHost: (o: number) => from + inScope(o) } : {}) });
    rules.push(made.rule);
    diagnostics.push(...made.diagnostics);
  };
  let others = 0;
  if (path.toLowerCase().endsWith('.ndjson')) {
    // one value a line; a line that is not JSON is an error at its line, and the others are still read
    let from = 0;
    while (from < text.length) {
      let to = text.indexOf('\n', from);
      if (to < 0) to = text.length;
      const line = text.slice(from, to);
      if (line.trim()) {
        const v = parsed(line);
        if (v.ok) {
          if (isElasticRuleObject(v.value)) add(v.value, from, to, line, locateJsonStrings(line), '');
          else if (!(isRecord(v.value) && 'exported_count' in v.value)) others++;
        } else diagnostics.push(GeneralDiagnostics.syntax(path, 'JSON', v.message, { line: lineColAt(text, from).line, column: 1 }));
      }
      from = to + 1;
    }
  } else {
    const v = parsed(text);
    if (!v.ok) return { path, outcome: 'skipped', reason: 'JSON that does not parse: not read as an Elastic rule (see diagnostics)', rules: [], diagnostics: [GeneralDiagnostics.syntax(path, 'JSON', v.message)] };
    const values = Array.isArray(v.value) ? v.value : [v.value];
    const located = locateJsonStrings(text);
    values.forEach((x, i) => {
      if (isElasticRuleObject(x)) add(x, 0, text.length, text, located, Array.isArray(v.value) ? `/${i}` : '', Array.isArray(v.value) ? i : undefined);
    });
    others = values.length - rules.length;
  }
  if (!rules.length) {
    if (diagnostics.length) return { path, outcome: 'error', rules: [], diagnostics };
    return { path, outcome: 'skipped', reason: 'JSON without an Elastic rule object (a `name`, a rule `type` and its `query`): tooling, data or another product\'s', rules: [], diagnostics };
  }
  if (others) diagnostics.push(ElasticDiagnostics.notRules(path, others));
  return { path, outcome: 'parsed', rules, diagnostics };
}

/** A JSON text's value, or why it is not JSON (or nests too deep for the parser); never throws. */
export function parsed(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}
