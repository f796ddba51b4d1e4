/**
 * detwiki eval <rule file> <events.json | events.jsonl | -> [--repo DIR] [--json]
 * Runs a rule's extracted condition against JSON events (an object, an array, or one object per line) and prints
 * true / false / unknown for each, with the rule's completeness: a partial rule's `true` means "the structured
 * part matches", and `unknown` means the outcome depends on logic the parser could not express.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { readingApplies } from '../../formats/adapter.ts';
import { findRepoRoot } from '../../formats/detect.ts';
import { adapterFor } from '../../formats/registry.ts';
import { vocabularyFor } from '../../formats/vocabularies.ts';
import { recogniseLogSources } from '../../hunt/recognise.ts';
import { evaluate } from '../../model/evaluate.ts';
import { parseCommand, printJson } from '../args.ts';
import { guarded, repoAndFormat, scanRepo, UsageError } from '../context.ts';

export function parseEvents(text: string): unknown[] {
  const t = text.trim();
  if (t === '') return [];
  try {
    const v = JSON.parse(t) as unknown;
    return Array.isArray(v) ? v : [v];
  } catch {
    // JSON lines
    return t
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l, i) => {
        try {
          return JSON.parse(l) as unknown;
        } catch (e) {
          throw new UsageError(`events line ${i + 1} is not JSON: ${(e as Error).message}`);
        }
      });
  }
}

export function run(argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseCommand(argv, { repo: { type: 'string' }, format: { type: 'string' } });
    if (positionals.length !== 2) throw new UsageError('usage: detwiki eval <rule file> <events.json | events.jsonl | -> [--repo DIR] [--json]');
    const abs = path.resolve(positionals[0]!);
    if (!statSync(abs, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`no such rule file: ${positionals[0]}`);
    const found = values.repo ? repoAndFormat(values.repo, values.format) : findRepoRoot(abs);
    if (!found) throw new UsageError(`cannot find the repository of ${positionals[0]}; pass --repo DIR`);
    const rel = path.relative(found.root, abs).split(path.sep).join('/');
    const res = await scanRepo(found.root, found.format, undefined, { only: [rel] });
    const rules = res.files[0]?.rules ?? [];
    if (rules.length === 0) throw new UsageError(`${positionals[0]} holds no rule`);
    const events = parseEvents(positionals[1] === '-' ? readFileSync(0, 'utf8') : readFileSync(positionals[1]!, 'utf8'));
    const adapter = adapterFor(found.format);
    const resolve = adapter?.resolveField;
    const results = rules.map((r) => {
      const cond = r.logic.condition;
      // the rule's other readings, as the hunt runs them (a Sigma process creation rule over a Security 4688 event)
      const readings = cond ? (adapter?.huntReadings?.(vocabularyFor(r.format)?.logSources(r) ?? [], cond) ?? []) : [];
      const readAs: (string | null)[] = [];
      const res = events.map((e) => {
        if (!cond) return 'unknown';
        const sources = readings.length ? recogniseLogSources(e) : [];
        const reading = readings.find((x) => readingApplies(x, sources));
        readAs.push(reading?.label ?? null);
        return evaluate(reading?.condition ?? cond, e, resolve ? { resolve } : {});
      });
      return { rule: r.id, completeness: r.logic.completeness, results: res, ...(readAs.some((x) => x) ? { readAs } : {}) };
    });
    if (values.json) printJson(results);
    else {
      for (const r of results) {
        console.log(`${r.rule} [${r.completeness}]`);
        r.results.forEach((v, i) => console.log(`  event ${i + 1}: ${v}${r.readAs?.[i] ? ` (read with ${r.readAs[i]})` : ''}`));
      }
    }
    return 0;
  });
}
