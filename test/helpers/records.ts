/** Minimal rule records for tests that need a rule of a language with given log sources and condition only. */
import type { Expr } from '../../src/model/expr.ts';
import type { Format } from '../../src/model/facts.ts';
import { buildLogic } from '../../src/model/lowering.ts';
import type { LogSource, RuleRecord, RuleTest } from '../../src/model/rule.ts';

/** A rule record of `format` (id `<format>/x` unless given) with its declared log sources, condition and tests. */
export function minimalRule(format: Format, logSources: LogSource[], condition: Expr, opts: { readonly id?: string; readonly tests?: RuleTest[] } = {}): RuleRecord {
  return {
    id: opts.id ?? `${format}/x`,
    format,
    source: { repository: 'fixtures', path: 'x' },
    title: 'x',
    references: [],
    falsePositives: [],
    tags: [],
    status: 'stable',
    kind: 'detection',
    kindReason: '',
    logSources,
    attackDeclared: [],
    attack: [],
    body: [],
    logic: buildLogic({ stages: [], condition }),
    tests: opts.tests ?? [],
    diagnostics: [],
    facts: {},
  };
}
