/**
 * detwiki hunt <events...> [--catalog DIR | --rules PATH...] [--format f,..] [--kind k,..] [--status s,..|all]
 *   [--logsource ls,..] [--all] [--min-severity s] [--json | --jsonl] [--navigator FILE] [--no-explain] [--workers N|auto]
 *   [--lists FILE|DIR ...]
 * Which rules fire on these logs: every rule of every language run over JSON / JSON lines / gzip events (files,
 * folders or `-`), each event routed to the rules of its log source. Hits, "may fire" (unknown: partial rules)
 * listed apart, a summary by rule, technique and log source, and counts of files / lines / events / bad input. With
 * `--lists`, rules' tests of named lists (MQL `$org_domains`) are decided with the values given (`src/hunt/lists.ts`).
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultCatalogDir } from '../../catalog/paths.ts';
import { HuntEngine } from '../../hunt/engine.ts';
import { heapForHunting } from '../../hunt/heap.ts';
import { inputFiles } from '../../hunt/events.ts';
import { HitLines } from '../../hunt/hitLines.ts';
import { autoWorkers } from '../../hunt/parallel.ts';
import { parseFormats, parseKinds, parseStatuses, rulesFromCatalog, rulesFromPaths, statusKept, STATUSES_LEFT_OUT, type RuleFilter } from '../../hunt/load.ts';
import type { DuckFailure } from '../../hunt/sql/session.ts';
import { hunt, navigatorLayer, type SessionOptions, type Hit, type HuntSummary, type RuleTally } from '../../hunt/session.ts';
import { escapeControls, jsonText } from '../../model/ascii.ts';
import { choicesOf, SEVERITIES, type Severity } from '../../model/facts.ts';
import { AGGREGATE_FUNCTIONS } from '../../model/aggregate.ts';
import { bindAll, type ListsReport } from '../../model/lists.ts';
import { parseCommand, printJson, progress } from '../args.ts';
import { guarded, listsOption, nearestNamesHint, UsageError } from '../context.ts';
import { LineWriter, matchedLines, say, sayLine } from '../lines.ts';

const USAGE = 'usage: detwiki hunt <events file (JSON, JSON lines, audit.log; gzip too) | folder | -> ... [--engine memory|duckdb] [--catalog DIR | --rules PATH ...] [--lists FILE|DIR ...] [--format f,..] [--kind k,..] [--status s,..|all] [--logsource ls,..] [--all] [--min-severity s] [--json | --jsonl] [--navigator FILE] [--workers N|auto]';

export function run(argv: string[]): Promise<number> {
  return guarded(async () => {
    const { values, positionals } = parseCommand(argv, {
      catalog: { type: 'string' },
      rules: { type: 'string', multiple: true },
      format: { type: 'string' },
      kind: { type: 'string' },
      status: { type: 'string' },
      logsource: { type: 'string' },
      all: { type: 'boolean' },
      'min-severity': { type: 'string' },
      jsonl: { type: 'boolean' },
      navigator: { type: 'string' },
      'no-explain': { type: 'boolean' },
      engine: { type: 'string' },
      workers: { type: 'string' },
      lists: { type: 'string', multiple: true },
    });
    if (values.help) {
      say(USAGE);
      return 0;
    }
    if (positionals.length === 0) throw new UsageError(USAGE);
    // choices that exclude each other: one was dropped without a word (--catalog behind --rules, --jsonl behind --json)
    if (values.catalog !== undefined && values.rules?.length) throw new UsageError('--catalog and --rules: one or the other (--rules runs the rule files and folders given, --catalog the rules of a built catalog)');
    if (values.json && values.jsonl) throw new UsageError('--json and --jsonl: one or the other (--json prints one document at the end, --jsonl a line per hit as it is found)');
    // a path given that does not exist (a typo) is the command's error before any rule is loaded: a hunt of what is
    // left would end as if those events were clean (a file that exists and cannot be read is READ_ERROR, and goes on)
    const absent = positionals.filter((p) => p !== '-' && !existsSync(p));
    if (absent.length) throw new UsageError(`no such file or folder: ${absent.join(', ')}`);
    // so is a Navigator layer whose folder is not there (it was a stack trace once the whole hunt had run)
    if (values.navigator !== undefined) {
      const dir = statSync(path.dirname(path.resolve(values.navigator)), { throwIfNoEntry: false });
      if (!dir?.isDirectory()) throw new UsageError(`--navigator ${values.navigator}: no such folder ${path.dirname(values.navigator)}`);
      if (statSync(values.navigator, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--navigator ${values.navigator}: a folder, not a file`);
    }
    const engineName = values.engine ?? 'memory';
    if (engineName !== 'memory' && engineName !== 'duckdb') throw new UsageError(`--engine must be 'memory' or 'duckdb'`);
    // --workers N, or by default (`auto`) as many as the input's size, the cores and free memory call for
    const autoThreads = values.workers === undefined || values.workers === 'auto';
    const asked = autoThreads ? 0 : Number(values.workers);
    if (!autoThreads && (!Number.isInteger(asked) || asked < 0 || asked > 64)) throw new UsageError("--workers must be 'auto' or a whole number from 0 to 64");
    let filter: RuleFilter;
    let statuses;
    let minSev: Severity | undefined;
    try {
      statuses = parseStatuses(values.status);
      const formats = parseFormats(values.format);
      const kinds = parseKinds(values.kind);
      // one severity word, read as the other words are (any case; an unknown one names them)
      minSev = values['min-severity'] === undefined ? undefined : choicesOf(values['min-severity'], SEVERITIES, 'severity', { single: true })[0];
      filter = { ...(formats ? { formats } : {}), ...(kinds ? { kinds } : {}), ...(minSev ? { minSeverity: minSev } : {}) };
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const t0 = performance.now();
    // the catalog's records are parsed into objects that all stay: V8's own growing collects less often while they
    // load (heap.ts); rule files are parsed as a build parses them, with the command's setting
    if (!values.rules?.length) heapForHunting();
    let rules;
    try {
      rules = values.rules?.length ? await rulesFromPaths(values.rules, filter, progress) : await rulesFromCatalog(values.catalog ?? defaultCatalogDir(), filter);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    // deprecated and unsupported rules only when --status names them: counted
    const loaded = rules.length;
    rules = rules.filter((r) => statusKept(r, statuses));
    const leftOutByStatus = loaded - rules.length;
    // no rule to run: a hunt that can never fire would end as if the events were clean
    if (!rules.length) {
      const filtered = values.format !== undefined || values.kind !== undefined || minSev !== undefined;
      const from = values.rules?.length ? `--rules ${values.rules.join(' ')}` : `the catalog`;
      throw new UsageError(
        loaded
          ? `no rule to hunt with: the ${loaded} rule(s) of ${from}${filtered ? ' that the filters keep' : ''} are all of a status left out (${values.status ? `not in --status ${values.status}` : '--status all runs them'})`
          : `no rule to hunt with: ${from} holds no rule${filtered ? ' that --format, --kind and --min-severity keep' : ' this command reads'}`,
      );
    }
    // the named lists rules test (MQL `$org_domains`): bound where given, counted where not
    const bound = bindAll(rules, listsOption(values.lists));
    rules = bound.rules;
    const force = values.logsource ? values.logsource.split(',').map((s) => s.trim()) : undefined;
    // filters and exclusions run alone only when asked for by kind (they are applied to the rules they target)
    const filtersAlone = filter.kinds?.some((k) => k === 'exclusion' || k === 'building_block') ?? false;
    const engine = new HuntEngine(rules, { ...(force ? { forceLogSources: force } : {}), ...(values.all ? { all: true } : {}), ...(filtersAlone ? { filtersAlone } : {}) });
    // the names as the engine reads them (in any case: the rules' own spelling)
    const forced = engine.options.forceLogSources;
    if (forced) checkForcedLogSources(forced, engine);
    const loadSeconds = (performance.now() - t0) / 1000;
    const skipped: string[] = [];
    const files = inputFiles(positionals, skipped);
    const chosen = autoThreads && engineName === 'memory' ? autoWorkers(files) : undefined;
    const workers = chosen ? chosen.workers : asked;
    if (chosen?.workers && !values.json && !values.jsonl)
      process.stderr.write(`detwiki hunt: ${chosen.workers} worker threads for about ${Math.round((chosen.inputBytes ?? 0) / 1048576)} MB of events (--workers 0 runs the hunt on this thread)\n`);
    const hits: Hit[] = [];
    // hit lines go out in chunks (lines.ts), each written before anything after it is printed
    const out = new LineWriter();
    const lines = new HitLines();
    const MAX_KEPT = 10_000;
    let dropped = 0;
    const tty = process.stderr.isTTY && !values.json && !values.jsonl;
    const bar = tty ? (n: number) => process.stderr.write(`\rhunting: ${n} events, ${((performance.now() - t0) / 1000).toFixed(1)} s`) : undefined;
    const sessionOpts: SessionOptions = {
      explain: !values['no-explain'],
      ...(workers ? { workers } : {}),
      onHit: (h) => {
        if (values.jsonl) out.line(lines.line(h));
        else if (values.json) {
          if (hits.length < MAX_KEPT) hits.push(h);
          else dropped++;
        } else if (h.type !== 'may_fire') printHit(h, out);
      },
      onBad: (b) => {
        if (!values.json) process.stderr.write(`detwiki hunt: ${b.pos.file}:${b.pos.line}: ${b.code}: ${b.message}\n`);
      },
      ...(bar ? { onProgress: bar } : {}),
    };
    // the rules are loaded: from here on the process streams events (see heap.ts)
    heapForHunting();
    const huntAll = async () =>
      engineName === 'duckdb'
        ? // DuckDB (a native module, about 0.3 s to load) only when asked for
          await (await import('../../hunt/sql/session.ts')).huntDuckdb(engine, files, {
            ...sessionOpts,
            ...(forced ? { forceLogSources: forced } : {}),
            ...(values.all ? { all: true } : {}),
            ...(tty ? { onBatch: (done: number, total: number) => process.stderr.write(`\rduckdb: ${done}/${total} rules, ${((performance.now() - t0) / 1000).toFixed(1)} s`) } : {}),
          })
        : await hunt(engine, files, sessionOpts);
    const summary = await huntAll().finally(() => out.flush());
    if (bar) process.stderr.write('\n');
    // rules DuckDB could not run even alone: left out, said (in --json: `duckdbFailed`)
    const failed = (summary as { readonly duckdbFailed?: readonly DuckFailure[] }).duckdbFailed ?? [];
    if (!values.json) for (const f of failed) process.stderr.write(`detwiki hunt: duckdb could not run ${f.rule.id}, left out: ${f.error}\n`);
    // a layer that cannot be written (checked before the hunt; the disk full, the folder gone since) is said, exit 1,
    // after the output: the hunt's results are not lost to it
    let navigatorFailed: string | undefined;
    if (values.navigator) {
      try {
        writeFileSync(values.navigator, jsonText(navigatorLayer(summary), 2) + '\n');
      } catch (e) {
        navigatorFailed = `detwiki hunt: cannot write the Navigator layer to ${values.navigator}: ${(e as Error).message}`;
      }
    }
    if (values.json) printJson({ loadSeconds, workers, filesSkipped: skipped, rulesLeftOutByStatus: leftOutByStatus, lists: bound.report, ...summary, hits, hitsNotListed: dropped, aggregateFunctions: Object.keys(AGGREGATE_FUNCTIONS) });
    else if (values.jsonl) process.stdout.write(jsonText({ type: 'summary', loadSeconds, workers, rulesLeftOutByStatus: leftOutByStatus, lists: bound.report, ...summary }) + '\n');
    else {
      printSummary(summary, loadSeconds, skipped);
      printLists(bound.report);
    }
    if (!values.json && !values.jsonl && leftOutByStatus) say(`\n${leftOutByStatus} rule(s) left out by status (${values.status ? `not in --status ${values.status}` : `${STATUSES_LEFT_OUT.join(' or ')}: --status all runs them`})`);
    if (navigatorFailed) {
      process.stderr.write(`${escapeControls(navigatorFailed)}\n`);
      return 1;
    }
    return 0;
  });
}

function printHit(h: Hit, out: LineWriter): void {
  const where = `${h.pos.file}:${h.pos.line}${h.pos.made ? " (Auditbeat's document of the audit event whose first record is there)" : ''}`;
  const agg = h.type === 'aggregate' ? ` [${h.count !== undefined ? `${h.count} in window, ` : ''}group ${h.group}]` : '';
  // rule texts, file names and event values are untrusted: no character a terminal acts on is printed as it is
  out.line(escapeControls(`HIT ${h.rule.id} (${h.rule.severity ?? '-'}) ${h.rule.title} @ ${where}${agg}${h.rule.attack.length ? ` ${h.rule.attack.join(',')}` : ''}`));
  if (h.readAs) out.line(`    read with ${h.readAs}`);
  for (const l of matchedLines(h)) out.line(l);
}

function printSummary(s: HuntSummary, loadSeconds: number, skipped: readonly string[]): void {
  const c = s.counts;
  say('');
  sayLine(`input: ${c.files} file(s), ${c.lines} lines read, ${c.events} events parsed${c.made ? ` (${c.made} of them made of Linux audit records, one per audit event, as Auditbeat's documents for Elastic's rules)` : ''}, ${c.bad} bad${skipped.length ? `; ${skipped.length} file(s) in the folders skipped (not .json, .jsonl, .ndjson, .log or .gz)` : ''}`);
  sayLine(`rules: ${s.rules.loaded} loaded (${loadSeconds.toFixed(1)} s), ${s.rules.runnable} runnable, ${s.rules.withoutLogSource} without a canonical log source (run with --all or --logsource), ${s.rules.notRunnable} without logic, ${s.rules.notOnTheirOwn} filters and exclusions not run alone (--kind building_block,exclusion runs them); ${s.rules.aggregating} aggregating (${s.rules.aggregationUnsupported} with a function the hunt does not count)`);
  for (const n of s.notices ?? []) sayLine(`note: ${n}`);
  if (s.excluded.events) sayLine(`exclusions: ${s.excluded.events} event(s) kept from the detection rules of their language by an exclusion (${s.excluded.results} hit(s) and may-fire(s) not reported)`);
  // events the hunt could not place ran no rule: say how to place them (a log source forced, or every rule on every event)
  const unplaced = s.unroutedEvents ? ` (no rule ran on them: --logsource NAME reads every event as that log source, --all runs every rule on every event)` : '';
  sayLine(`${s.evaluations} rule evaluations in ${s.seconds.toFixed(2)} s (${Math.round(c.events / Math.max(s.seconds, 1e-9))} events/s); ${s.unroutedEvents} events matched no loaded log source${unplaced}`);
  const fired = s.byRule.filter((r) => r.hits);
  say(`\nfired: ${fired.length} rule(s)`);
  for (const r of fired) sayLine(`  ${String(r.hits).padStart(6)}  ${r.rule.id}  ${r.rule.title}${heldText(r.held)}`);
  const maybe = s.byRule.filter((r) => !r.hits && r.mayFire);
  if (maybe.length) {
    say(`\nmay fire (unknown: depends on logic the parser could not express, or on values undecided on the event): ${maybe.length} rule(s)`);
    for (const r of maybe) sayLine(`  ${String(r.mayFire).padStart(6)}  ${r.rule.id}  depends on ${r.dependsOn.join('; ').slice(0, 160)}`);
  }
  if (s.byTechnique.length) {
    say('\nby technique:');
    for (const t of s.byTechnique) sayLine(`  ${t.technique.padEnd(10)} ${t.hits} hit(s), ${t.rules} rule(s)`);
  }
  say('\nby log source:');
  for (const l of s.byLogSource) sayLine(`  ${l.logSource.padEnd(36)} ${l.events} events, ${l.hits} with a hit`);
}

/** Characters of a fired rule's summary line given to the values that held most often. */
const HELD_SHOWN = 160;

/** `   held: "\\procdump64.exe" ×2, "\\procdump.exe" ×1` (the most frequent first), or nothing. */
function heldText(held: RuleTally['held']): string {
  if (!held?.length) return '';
  const text = held.map((h) => `${h.value} ×${h.hits}`).join(', ');
  return `   held: ${text.length > HELD_SHOWN ? `${text.slice(0, HELD_SHOWN)}…` : text}`;
}

/** The named lists: what was bound, and which lists the rules test that were not given (their tests stay unknown). */
function printLists(r: ListsReport): void {
  if (!r.given.length && !r.notGiven.length) return;
  say('\nnamed lists:');
  for (const b of r.bound) sayLine(`  ${b.name}: bound in ${b.rules} rule(s)`);
  if (r.unused.length) sayLine(`  given but tested by no loaded rule: ${r.unused.join(', ')}`);
  for (const u of r.unfit) sayLine(`  ${u.name}: its values do not fit the tests of ${u.rules} rule(s) (plain values where a rule tests a field of each record, or records where it tests values): those tests stay unknown`);
  if (r.completed) sayLine(`  ${r.completed} partial rule(s) complete with the lists given`);
  if (r.notGiven.length) {
    const top = r.notGiven.slice(0, 8).map((n) => `${n.name} (${n.rules})`).join(', ');
    sayLine(`  tested but not given (their tests stay unknown; --lists FILE gives them): ${top}${r.notGiven.length > 8 ? `, and ${r.notGiven.length - 8} more` : ''}`);
  }
}

/**
 * `--logsource a,b`: each must be a log source some loaded rule reads (`windows.process_creation`, `aws.cloudtrail`,
 * `vendor:…`), or the hunt could never fire and would end as if the events were clean: a usage error naming the known
 * names that contain the word given, else the most common. Read in any case: the names as the rules spell them.
 */
function checkForcedLogSources(force: readonly string[], engine: HuntEngine): void {
  const known = new Map<string, number>();
  for (const hr of engine.rules) for (const l of hr.logSources) known.set(l, (known.get(l) ?? 0) + 1);
  for (const l of force) {
    if (known.has(l)) continue;
    const byUse = [...known].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);
    const word = l.toLowerCase();
    const isNear = (k: string) => k.toLowerCase().includes(word) || (word.length > 2 && word.includes(k.toLowerCase().split(/[./:]/).pop()!));
    throw new UsageError(`--logsource: no loaded rule reads the log source '${l}' (${nearestNamesHint(byUse, isNear, 'log sources the loaded rules read include')})`);
  }
}
