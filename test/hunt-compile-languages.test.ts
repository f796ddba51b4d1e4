/**
 * The hunt's compiled evaluation (`src/model/compile.ts`) and its prefilter (`src/hunt/prefilter.ts`) against the
 * reference evaluator, for every language: each rule is run on events made from its own literals (the value, the
 * literal runs of a wildcard joined, upper-cased, inside a longer text, in a list, as a number, null, missing; under
 * the field's dotted name and nested), so that every operator and option a language lowers to meets values that
 * decide it. The project's own examples always; a sample of each corpus of `../shared` when it is there.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_SOURCES, examplesDir } from '../src/catalog/sources.ts';
import { adapterFor } from '../src/formats/registry.ts';
import { listSource } from '../src/formats/io.ts';
import { scanSource } from '../src/formats/scan.ts';
import { HuntEngine } from '../src/hunt/engine.ts';
import { compile, runCompiled } from '../src/model/compile.ts';
import { evaluate, resolveDotted, verdict, wildcardRuns, type Truth } from '../src/model/evaluate.ts';
import { leaves, type Predicate } from '../src/model/expr.ts';
import type { RuleRecord } from '../src/model/rule.ts';
import { SHARED } from './helpers/golden.ts';

/** `v` at a dotted path of nested objects in `into` (made when missing; a scalar in the way is replaced). */
function deepSet(into: Record<string, unknown>, field: string, v: unknown): Record<string, unknown> {
  const parts = field.split('.');
  let cur = into;
  parts.forEach((k, i) => {
    if (i === parts.length - 1) cur[k] = v;
    else {
      const next = cur[k];
      cur = (next !== null && typeof next === 'object' && !Array.isArray(next) ? next : (cur[k] = {})) as Record<string, unknown>;
    }
  });
  return into;
}

/** Values near a predicate's literals: null, then per literal the value, a text its wildcard pattern matches, … */
function valuesFor(p: Predicate): unknown[] {
  const values: unknown[] = [null];
  for (const v of p.values.slice(0, 3)) {
    if (v !== null && typeof v === 'object') continue;
    values.push(v);
    if (typeof v !== 'string') continue;
    const style = p.opts?.wildcard ?? 'sigma';
    const s = p.op !== 'wildcard' ? v : style === 'like' ? v.replace(/[%_]/g, 'X') : wildcardRuns(v, style).runs.join('X');
    values.push(s, s.toUpperCase(), `pre ${s} post`, `a\\${s}`, [s, 'zz']);
    // as a number when it reads as one (JSON has no NaN)
    if (Number.isFinite(Number(s)) && s.trim() !== '') values.push(Number(s));
  }
  return values;
}

/**
 * Events for a rule: each predicate's values alone in its field (under its dotted name and nested), and the same
 * variant of every predicate's first literal at once (so that the predicates inside a conjunction are reached).
 */
function eventsFor(preds: readonly Predicate[]): unknown[] {
  const out: unknown[] = [{}];
  const all = preds.map(valuesFor);
  preds.forEach((p, i) => {
    for (const x of all[i]!) out.push({ [p.field]: x }, deepSet({}, p.field, x));
  });
  for (let j = 1; j < 5; j++) {
    const flat: Record<string, unknown> = {};
    const nested: Record<string, unknown> = {};
    preds.forEach((p, i) => {
      const x = all[i]![j];
      if (x === undefined) return;
      flat[p.field] = x;
      deepSet(nested, p.field, x);
    });
    out.push(flat, nested);
  }
  return out;
}

interface Outcome {
  readonly checked: number;
  readonly offenders: string[];
}

/**
 * Compiled against `evaluate`, and prefiltered (an engine of the rule alone, routing off) against the rule's verdict
 * (`verdict`: `evaluate`'s, a SQL-style null no match), on each rule's own events.
 */
function differential(rules: readonly RuleRecord[]): Outcome {
  const offenders: string[] = [];
  let checked = 0;
  const note = (s: string) => {
    if (offenders.length < 20) offenders.push(s);
  };
  for (const rule of rules) {
    const engine = new HuntEngine([rule], { all: true, filtersAlone: true });
    const hr = engine.rules[0];
    if (!hr) continue;
    const r = hr.rule;
    const resolve = adapterFor(r.format)?.resolveField ?? resolveDotted;
    const compiled = compile(hr.condition);
    const events = eventsFor(leaves(hr.condition).filter((l): l is Predicate => l.kind === 'pred'));
    for (const ev of events) {
      checked++;
      const want = evaluate(hr.condition, ev, { resolve });
      const got = runCompiled(compiled, ev, resolve);
      if (got !== want) note(`${r.id}: evaluate=${String(want)} compiled=${String(got)} on ${JSON.stringify(ev).slice(0, 160)}`);
      // the engine reports the rule's verdict (a SQL-style null is no match)
      const verdictWanted = verdict(hr.condition, ev, { resolve });
      const inEngine: Truth = engine.run(ev).results.find((x) => x.rule === hr)?.truth ?? false;
      if (inEngine !== verdictWanted) note(`${r.id}: verdict=${String(verdictWanted)} engine=${String(inEngine)} on ${JSON.stringify(ev).slice(0, 160)}`);
    }
  }
  return { checked, offenders };
}

/** The rules of every `every`-th file of a source (of every file of a source of fewer than 400). */
async function sample(root: string, name: string, every: number): Promise<RuleRecord[]> {
  const def = DEFAULT_SOURCES.find((s) => s.name === name)!;
  const adapter = adapterFor(def.format)!;
  const files = listSource(root).files;
  const only = files.length < 400 ? files : files.filter((_, i) => i % every === 0);
  const res = await scanSource(adapter, root, { repository: def.repository }, { only });
  return res.rules.filter((r) => r.logic.condition);
}

describe('compiled evaluation and prefilters = the reference evaluator, every language', () => {
  for (const def of DEFAULT_SOURCES) {
    const own = path.join(examplesDir(), def.name);
    it(`the examples: ${def.name}`, { skip: !existsSync(own) && 'no example of this source' }, async () => {
      const rules = await sample(own, def.name, 1);
      const d = differential(rules);
      assert.ok(rules.length === 0 || d.checked > rules.length, `${d.checked} checks for ${rules.length} rules`);
      assert.deepEqual(d.offenders, []);
    });
  }
  for (const def of DEFAULT_SOURCES) {
    const corpus = path.join(SHARED, 'corpora', def.name);
    it(`a sample of the corpus: ${def.name}`, { skip: !existsSync(corpus) && 'no corpus' }, async () => {
      const rules = await sample(corpus, def.name, 16);
      const d = differential(rules);
      assert.ok(rules.length > 0 && d.checked > 10 * rules.length, `${d.checked} checks for ${rules.length} rules`);
      assert.deepEqual(d.offenders, []);
    });
  }
});
