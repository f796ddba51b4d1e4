/**
 * A test helper (not a test file): a hunt of the same rules over the same events in process, on two worker threads
 * and in DuckDB, each result written by `key`, sorted; and how each hit was read (`Hit.readAs`), by event index and
 * rule id, from the in-process run.
 */
import { HuntEngine } from '../src/hunt/engine.ts';
import { hunt, type Hit } from '../src/hunt/session.ts';
import { huntDuckdb } from '../src/hunt/sql/session.ts';
import type { RuleRecord } from '../src/model/rule.ts';

export async function huntThreeWays(rules: readonly RuleRecord[], file: string, key: (h: Hit) => string): Promise<{ mem: string[]; par: string[]; duck: string[]; readAs: Map<string, string | undefined> }> {
  const mem: string[] = [];
  const readAs = new Map<string, string | undefined>();
  await hunt(new HuntEngine(rules), [file], { onHit: (h) => (mem.push(key(h)), readAs.set(`${h.pos.index} ${h.rule.id}`, h.readAs)) });
  const par: string[] = [];
  await hunt(new HuntEngine(rules), [file], { onHit: (h) => par.push(key(h)), workers: 2 });
  const duck: string[] = [];
  await huntDuckdb(new HuntEngine(rules), [file], { onHit: (h) => duck.push(key(h)) });
  return { mem: mem.sort(), par: par.sort(), duck: duck.sort(), readAs };
}
