/**
 * KQL joins, lookups and `in (subquery)` as multi-event logic: golden pairs under test/fixtures/kusto/joins (one
 * per join kind), and evaluation of the sides over pairs of events.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { lowerQuery } from '../src/formats/kusto/lowerQuery.ts';
import { parseKql } from '../src/formats/kusto/parser.ts';
import { buildLogic } from '../src/model/lowering.ts';
import { evaluateSides, renderSides } from '../src/model/multiEvent.ts';
import { renderExpr } from '../src/model/render.ts';
import type { Logic } from '../src/model/rule.ts';
import { assertGolden, fixture } from './helpers/golden.ts';

const logicOf = (q: string, file = 'q.kql'): Logic => buildLogic(lowerQuery(parseKql(q).value, file));

function describeLogic(L: Logic): string {
  const out = [`completeness: ${L.completeness}`, `condition: ${L.condition ? renderExpr(L.condition) : '(none)'}`];
  const a = L.aggregation;
  if (a) {
    out.push(`aggregation: ${a.function ?? ''}${a.groupBy.length ? ` by ${a.groupBy.join(', ')}` : ''}${a.window ? ` within ${a.window}` : ''}${a.threshold ? ` threshold ${a.threshold.op} ${a.threshold.value}` : ''}`);
    if (a.sides) for (const l of renderSides(a.sides)) out.push(`  ${l}`);
  }
  for (const m of L.missing) out.push(`missing ${m.kind}: ${m.text.replace(/\s+/g, ' ').slice(0, 120)} — ${m.reason}`);
  return out.join('\n');
}

describe('KQL joins: golden pairs', () => {
  const dir = fixture('kusto', 'joins');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.kql'))) {
    it(f, () => {
      const L = logicOf(readFileSync(`${dir}/${f}`, 'utf8'), f);
      assertGolden(`${dir}/${f.replace(/\.kql$/, '.expected.txt')}`, describeLogic(L));
    });
  }
});
