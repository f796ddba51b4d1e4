/**
 * One detection's search → logic: expand macros, parse (spl.peggy), lower, and assemble with the model's
 * `buildLogic`. Offsets go search → expanded text (macros.ts) and search → file (scalarMap.ts).
 */
import { buildLogic } from '../../model/lowering.ts';
import type { Diagnostic } from '../../model/diagnostics.ts';
import type { Operator } from '../../model/expr.ts';
import type { LogSource, Logic } from '../../model/rule.ts';
import { lineColAt, type Span } from '../../model/span.ts';
import { SplunkDiagnostics } from './diagnostics.ts';
import { lowerPipeline, type SplLowering } from './lower.ts';
import { expandMacros, MACRO_LIMITS, type MacroTable, type MacroUse } from './macros.ts';
import { parseSpl } from './parser.ts';

export const PARSER_NAME = 'SPL via the project\'s peggy grammar (spl.peggy), macros expanded from macros/*.yml and macros.conf';

/** A saved search's alert condition on its number of results (`counttype = number of events`, `relation`, `quantity`). */
export interface ResultTrigger {
  readonly op: Operator;
  readonly value: number;
  readonly text: string;
}

export interface SearchLogic {
  readonly logic: Logic;
  readonly diagnostics: readonly Diagnostic[];
  readonly logSources: readonly LogSource[];
  readonly facts: Readonly<Record<string, unknown>>;
  /** For corpus figures: did the grammar parse the search, and what became of its macros. */
  readonly parsed: boolean;
  readonly uses: readonly MacroUse[];
  readonly lowering?: SplLowering;
}

/**
 * @param toFile offset in the file of an offset in the search text
 */
export function searchLogic(file: string, fileText: string, search: string, toFile: (o: number) => number, macros: MacroTable, trigger?: ResultTrigger): SearchLogic {
  const exp = expandMacros(search, macros);
  const at = (o: number) => lineColAt(fileText, toFile(o));
  const diagnostics: Diagnostic[] = [];
  for (const u of exp.uses) {
    if (u.status === 'undefined') diagnostics.push(SplunkDiagnostics.undefinedMacro(file, u.name, at(u.start)));
    for (const n of new Set(u.nestedUndefined)) diagnostics.push(SplunkDiagnostics.undefinedMacro(file, n, at(u.start)));
    if (u.tooDeep) diagnostics.push(SplunkDiagnostics.macroTooDeep(file, u.name, MACRO_LIMITS.maxDepth, MACRO_LIMITS.maxExpansions, at(u.start)));
  }
  const filter = exp.uses.find((u) => u.status === 'filter' || (u.name.endsWith('_filter') && u.status === 'defined'));
  const facts: Record<string, unknown> = {
    ...(filter
      ? { tuning: filter.status === 'filter' ? `\`${filter.name}\`: the rule's tuning point; shipped as \`search *\` (no exclusions shipped)` : `\`${filter.name}\`: the rule's tuning point, defined in ${filter.file}` }
      : {}),
    ...(exp.uses.length ? { macros: exp.uses.map((u) => `${u.name}${u.args.length ? `(${u.args.join(', ')})` : ''}: ${u.status}`) } : {}),
  };
  const parsed = parseSpl(exp.text);
  if (!parsed.ok) {
    const o = exp.toSource(parsed.offset);
    diagnostics.push(SplunkDiagnostics.syntax(file, parsed.message, at(o)));
    const logic = buildLogic({
      stages: [{ kind: 'query', label: 'search', text: search, span: { file, start: toFile(0), end: toFile(search.length) } }],
      parser: PARSER_NAME,
      note: `the search does not parse as SPL at ${at(o).line}:${at(o).column}; it is shown verbatim`,
    });
    return { logic, diagnostics, logSources: [], facts, parsed: false, uses: exp.uses };
  }
  const span = (r: { start: number; end: number }): Span => ({ file, start: toFile(exp.toSource(r.start)), end: toFile(exp.toSource(r.end, true)) });
  const low = lowerPipeline({
    pipeline: parsed.value,
    text: exp.text,
    span,
    source: (r) => search.slice(exp.toSource(r.start), exp.toSource(r.end, true)),
    macroAt: (r) => exp.useAt(r.start, r.end),
  });
  diagnostics.push(...low.diagnostics);
  if (low.timeRange.length) facts['timeRange'] = low.timeRange;
  // a saved search's alert trigger counts its result rows: over events, a count threshold; over groups, not read
  let aggregation = low.aggregation;
  const missing = [...low.missing];
  if (trigger && !aggregation) aggregation = { function: 'count', groupBy: [], threshold: { op: trigger.op, value: trigger.value, of: 'result count' }, text: trigger.text };
  else if (trigger) missing.push({ kind: 'aggregation', text: trigger.text, reason: 'aggregation: the search alerts only when the number of its result rows (groups) passes its trigger' });
  const logic = buildLogic({
    stages: low.stages,
    ...(low.condition ? { condition: low.condition } : {}),
    missing,
    ...(aggregation ? { aggregation } : {}),
    outputFields: low.outputFields,
    parser: PARSER_NAME,
    ...(low.condition ? {} : { note: 'the search filters on nothing an event carries: it reads every event of its source' }),
  });
  return { logic, diagnostics, logSources: low.logSources, facts, parsed: true, uses: exp.uses, lowering: low };
}
