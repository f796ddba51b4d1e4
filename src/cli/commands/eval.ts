/**
 * detwiki eval <rule file> <events file (JSON, JSON lines, audit.log; gzip too) | -> [--repo DIR] [--lists FILE|DIR ...] [--json]
 * Runs a rule's extracted condition against events (a JSON object, an array, one object per line, gzip of these, or a
 * Linux audit log: `loadEvents`, the hunt's reader) and prints
 * true / false / unknown for each, with the rule's completeness: a partial rule's `true` means "the structured
 * part matches", and `unknown` means the outcome depends on logic the parser could not express. A true or unknown
 * result is explained as a hunt's hit is (`HuntEngine.explain`): the predicates that held, with what the event had
 * there and which value held, and what an unknown result depends on (`explained`). A rule that
 * alerts on a count (a threshold, new terms) or on paired events is also counted over the events in order, as
 * `detwiki hunt` counts it: the events where it fires (`fires`), since a true row condition alone only says the
 * event is counted. `--lists` gives the values of named lists the rule tests (MQL `$org_domains`: `src/hunt/lists.ts`).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { formatDiagnostic } from '../../model/diagnostics.ts';
import { readingApplies } from '../../formats/adapter.ts';
import { adapterFor } from '../../formats/registry.ts';
import { vocabularyFor } from '../../formats/vocabularies.ts';
import { auditNormalizationsNotice } from '../../hunt/auditNormalizations.ts';
import { readEvents, type InputCounts } from '../../hunt/events.ts';
import { recogniseLogSources } from '../../hunt/recognise.ts';
import { aggregationDecides, describeCount } from '../../model/aggregate.ts';
import { verdict } from '../../model/evaluate.ts';
import { failedPartLine, whyFalse } from '../../model/evidence.ts';
import { overEvents } from '../../model/expr.ts';
import type { RuleRecord } from '../../model/rule.ts';
import { HuntEngine, type Explained } from '../../hunt/engine.ts';
import { bindAll } from '../../model/lists.ts';
import { huntReporter, type Hit } from '../../hunt/session.ts';
import { parseCommand, printJson } from '../args.ts';
import { guarded, listsOption, ruleFileRepo, scanRepo, UsageError } from '../context.ts';
import { matchedLines, say, sayLine } from '../lines.ts';

/**
 * The events of a file (or `-`), read as `detwiki hunt` reads them: a JSON value, an array of them, JSON lines, gzip of
 * these, or a Linux audit log (each record, and each audit event's Auditbeat document: `EventPosition.made`). A bad line stops here.
 */
export async function loadEvents(file: string): Promise<{ events: unknown[]; made: (number | undefined)[] }> {
  const counts: InputCounts = { files: 0, lines: 0, events: 0, bad: 0 };
  const events: unknown[] = [];
  const made: (number | undefined)[] = [];
  for await (const item of readEvents([file], counts)) {
    if (item.kind === 'bad') throw new UsageError(`events line ${item.pos.line}: ${item.code}: ${item.message}`);
    events.push(item.event);
    made.push(item.pos.made ? item.pos.line : undefined);
  }
  return { events, made };
}

export function run(argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseCommand(argv, { repo: { type: 'string' }, format: { type: 'string' }, lists: { type: 'string', multiple: true } });
    if (positionals.length !== 2) throw new UsageError('usage: detwiki eval <rule file> <events file (JSON, JSON lines, audit.log; gzip too) | -> [--repo DIR] [--lists FILE|DIR ...] [--json]');
    const lists = listsOption(values.lists);
    const abs = path.resolve(positionals[0]!);
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st?.isFile()) throw new UsageError(st?.isDirectory() ? `not a rule file: ${positionals[0]} is a folder (eval reads one rule file; \`detwiki hunt EVENTS --rules ${positionals[0]}\` runs a folder's rules)` : `no such rule file: ${positionals[0]}`);
    const found = ruleFileRepo(abs, values.repo, values.format);
    if (!found) throw new UsageError(`cannot find the repository of ${positionals[0]}; pass --repo DIR`);
    const rel = path.relative(found.root, abs).split(path.sep).join('/');
    const res = await scanRepo(found.root, found.format, undefined, { only: [rel] });
    const rules = bindAll(res.files[0]?.rules ?? [], lists).rules;
    if (rules.length === 0) {
      // why: the file's outcome and its diagnostics (a YAML or syntax error at its line), as `show` gives them
      const file = res.files[0];
      const why = file ? ` (${file.outcome}${file.reason ? `: ${file.reason}` : ''})` : '';
      throw new UsageError([`${positionals[0]} holds no rule${why}`, ...(file?.diagnostics ?? []).slice(0, 5).map((d) => `  ${formatDiagnostic(d)}`)].join('\n'));
    }
    const { events, made } = await loadEvents(positionals[1]!);
    const adapter = adapterFor(found.format);
    const resolve = adapter?.resolveField;
    // an event made of audit records (Auditbeat's document): the line of its event's first record
    const documentOf = made.some((x) => x !== undefined) ? { documentOf: made.map((x) => x ?? null) } : {};
    const notice = documentOf.documentOf ? auditNormalizationsNotice() : undefined;
    if (notice) console.error(`note: ${notice}`);
    const results = rules.map((r) => {
      // over events: a part that reads a host's state (an Elastic hunt's osquery SQL) is false
      const cond = r.logic.condition && overEvents(r.logic.condition);
      // the rule's other readings, as the hunt runs them (a Sigma process creation rule over a Security 4688 event)
      const readings = cond ? (adapter?.huntReadings?.(vocabularyFor(r.format)?.logSources(r) ?? [], cond, r) ?? []) : [];
      // the hunt's explanations: the rule as written and each reading, by its label
      const engine = cond ? new HuntEngine([r]) : undefined;
      const readAs: (string | null)[] = [];
      const explained: (EvalExplained | null)[] = [];
      const failed: (ReturnType<typeof whyFalse> | null)[] = [];
      const res = events.map((e) => {
        if (!cond) return 'unknown';
        const sources = readings.length ? recogniseLogSources(e) : [];
        const reading = readings.find((x) => readingApplies(x, sources) && (!x.logSources || x.logSources.some((l) => sources.includes(l))));
        readAs.push(reading?.label ?? null);
        // a reading read through another language's field resolution (a Defender XDR rule over a Sysmon event)
        const by = reading?.readAsFormat ? adapterFor(reading.readAsFormat)?.resolveField : resolve;
        const truth = verdict(reading?.condition ?? cond, e, by ? { resolve: by } : {});
        const hr = truth !== false ? engine?.rules.find((h) => h.reading === reading?.label) : undefined;
        explained.push(hr ? explainedFor(engine!.explain(hr, e, truth)) : null);
        // false: the parts that decided it (an event expected to match, and the predicate it missed)
        failed.push(truth === false ? whyFalse(reading?.condition ?? cond, e, by) : null);
        return truth;
      });
      const counted = countedOver(r, events);
      return {
        rule: r.id,
        completeness: r.logic.completeness,
        results: res,
        ...(explained.some((x) => x) ? { explained } : {}),
        ...(failed.some((x) => x) ? { failed } : {}),
        ...(readAs.some((x) => x) ? { readAs } : {}),
        ...documentOf,
        ...counted,
      };
    });
    if (values.json) printJson(results);
    else {
      for (const r of results) {
        sayLine(`${r.rule} [${r.completeness}]`);
        r.results.forEach((v, i) => {
          sayLine(`  event ${i + 1}${made[i] !== undefined ? ` (Auditbeat's document of the audit event at line ${made[i]})` : ''}: ${v}${r.readAs?.[i] ? ` (read with ${r.readAs[i]})` : ''}`);
          const why = r.failed?.[i];
          for (const p of why?.parts ?? []) sayLine(`    ${failedPartLine(p)}`);
          if (why?.more) sayLine(`    … and ${why.more} more part(s)`);
          const ex = r.explained?.[i];
          if (!ex) return;
          for (const l of matchedLines(ex)) say(l);
          for (const d of (ex.dependsOn ?? []).slice(0, DEPENDS_LISTED)) sayLine(`    depends on: ${d}`);
          if ((ex.dependsOn?.length ?? 0) > DEPENDS_LISTED) sayLine(`    … and ${ex.dependsOn!.length - DEPENDS_LISTED} more (--json lists them all)`);
        });
        if (r.fires) {
          sayLine(`  counted (a true row condition counts the event): ${r.counted ?? 'the rule alerts on a count or on paired events'}`);
          if (!r.fires.length) say('  fires: on no event');
          for (const f of r.fires) sayLine(`  fires: event ${f.event}${f.truth === true ? '' : ' (may fire)'}${f.group !== undefined ? `, group ${f.group}` : ''}${f.count !== undefined ? `, count ${f.count}` : ''}${f.dependsOn?.length ? `; depends on ${f.dependsOn.join('; ')}` : ''}`);
        }
      }
    }
    return 0;
  });
}

/** What an unknown result depends on, listed a line each in text. */
const DEPENDS_LISTED = 6;

/** An event's explanation as `eval` reports it: what held, with what the event had, and what an unknown depends on. */
interface EvalExplained {
  readonly matched: readonly string[];
  readonly seen: readonly string[];
  readonly held: readonly (string | null)[];
  readonly dependsOn?: readonly string[];
}

function explainedFor(ex: Explained): EvalExplained {
  return { matched: ex.matched, seen: ex.seen, held: ex.held, ...(ex.dependsOn.length ? { dependsOn: ex.dependsOn } : {}) };
}

/**
 * A rule that alerts on a count or on paired events, counted over the events in order by the hunt's own counting
 * (one rule, every event routed to it): where it fires or may fire. Nothing for other rules.
 */
function countedOver(r: RuleRecord, events: readonly unknown[]): { counted?: string; fires?: { event: number; truth: true | 'unknown'; group?: string; count?: number; dependsOn?: readonly string[] }[] } {
  const a = r.logic.aggregation;
  if (!a || !(aggregationDecides(a) || a.sides?.length)) return {};
  const engine = new HuntEngine([r], { all: true });
  const fires: { event: number; truth: true | 'unknown'; group?: string; count?: number; dependsOn?: readonly string[] }[] = [];
  const onHit = (h: Hit): void => {
    if (h.type === 'hit') return;
    // a row hit of an aggregating rule is reported only when it is the group's result (aggregate), or may be
    if (h.type === 'may_fire' && h.group === undefined && h.count === undefined && !h.dependsOn?.length) return;
    fires.push({ event: h.pos.index + 1, truth: h.type === 'aggregate' ? true : 'unknown', ...(h.group !== undefined ? { group: h.group } : {}), ...(h.count !== undefined ? { count: h.count } : {}), ...(h.type === 'may_fire' && h.dependsOn?.length ? { dependsOn: h.dependsOn } : {}) });
  };
  const report = huntReporter(engine, { onHit, explain: false });
  events.forEach((e, i) => {
    const { logSources, results } = engine.run(e);
    report.event({ file: 'events', line: i + 1, index: i }, e, logSources, results, (j) => engine.explain(results[j]!.rule, e, results[j]!.truth));
  });
  report.summary({ counts: { files: 1, lines: events.length, events: events.length, bad: 0 }, seconds: 0, evaluations: engine.stats.evaluations, unroutedEvents: 0, bad: [] });
  const words = describeCount(a);
  return { ...(words ? { counted: words } : {}), fires };
}
