/**
 * SigmaHQ regression data: `regression_data/<rule path>/info.yml` names a rule (rule_metadata[].id) and its tests
 * (regression_tests_info: type, match_count, path of an .evtx log). The .json beside it is that log converted to
 * JSON: one or several events, written one after the other. The tests become RuleTest entries of the named rule:
 * one per event (expected true) when match_count says every event matches, else one multi-event test that
 * passes when the rule fires on the log (SigmaHQ's own verdict), its `matchCount` compared and reported apart.
 */
import { parse as parseYaml } from 'yaml';
import { LIMITS, type Diagnostic } from '../../model/diagnostics.ts';
import { evaluate, type FieldResolver, type Truth } from '../../model/evaluate.ts';
import type { Expr } from '../../model/expr.ts';
import type { RuleTest } from '../../model/rule.ts';
import { readSourceText } from '../io.ts';
import { SigmaDiagnostics } from './diagnostics.ts';

export interface RegressionEntry {
  /** The info.yml. */
  readonly infoPath: string;
  readonly ruleIds: readonly string[];
  readonly tests: readonly RuleTest[];
  /** The event files used. */
  readonly eventFiles: readonly string[];
}

export interface RegressionData {
  readonly entries: readonly RegressionEntry[];
  readonly diagnostics: readonly Diagnostic[];
  /** Every file under regression_data/ that was read (support files). */
  readonly supportFiles: ReadonlySet<string>;
}

/**
 * Split a text holding JSON values one after the other (evtx dumps: `{...}\n{...}`) into the values. A string-aware
 * scan finds where each top-level value ends; each slice goes through JSON.parse.
 */
export function parseJsonSequence(text: string): { values: unknown[]; error?: string } {
  const values: unknown[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i]!)) i++;
    if (i >= n) break;
    const start = i;
    const open = text[i];
    if (open !== '{' && open !== '[') return { values, error: `unexpected character at offset ${i}` };
    let depth = 0;
    let deepest = 0;
    let inString = false;
    for (; i < n; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{' || c === '[') deepest = Math.max(deepest, ++depth);
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    // a value nested deeper than the limit would overflow the walks over a test's event (the rule became an internal
    // error): the file's values end there, as at a syntax error
    if (deepest > LIMITS.maxDepth) return { values, error: `a value at offset ${start} nests objects and arrays deeper than ${LIMITS.maxDepth} levels` };
    try {
      const v = JSON.parse(text.slice(start, i)) as unknown;
      if (Array.isArray(v) && open === '[') values.push(...v);
      else values.push(v);
    } catch (e) {
      return { values, error: e instanceof Error ? e.message : String(e) };
    }
  }
  return { values };
}

interface InfoTest {
  readonly name?: unknown;
  readonly type?: unknown;
  readonly match_count?: unknown;
  readonly path?: unknown;
}

/** Read every info.yml of regression_data/ and its event files. */
export async function readRegressionData(root: string, files: readonly string[]): Promise<RegressionData> {
  const diagnostics: Diagnostic[] = [];
  const entries: RegressionEntry[] = [];
  const supportFiles = new Set<string>();
  const fileSet = new Set(files);
  for (const infoPath of files.filter((f) => f.startsWith('regression_data/') && f.endsWith('/info.yml'))) {
    supportFiles.add(infoPath);
    const read = await readSourceText(root, infoPath);
    if (!read.ok) {
      diagnostics.push(read.diagnostic);
      continue;
    }
    let info: { rule_metadata?: { id?: unknown }[]; regression_tests_info?: InfoTest[] };
    try {
      info = (parseYaml(read.text) ?? {}) as typeof info;
    } catch (e) {
      diagnostics.push(SigmaDiagnostics.yamlSyntax(infoPath, e instanceof Error ? e.message.split('\n')[0]! : String(e)));
      continue;
    }
    const ruleIds = (info.rule_metadata ?? []).map((m) => String(m?.id ?? '')).filter((x) => x);
    const tests: RuleTest[] = [];
    const eventFiles: string[] = [];
    const infos = Array.isArray(info.regression_tests_info) ? info.regression_tests_info : [];
    if (infos.length === 0) diagnostics.push(SigmaDiagnostics.noRunnableTest(infoPath, 'info.yml has no regression_tests_info (commented out or empty): no test'));
    for (const t of infos) {
      const logPath = String(t.path ?? '');
      const jsonPath = logPath.replace(/\.[^./]+$/, '.json');
      if (!fileSet.has(jsonPath)) {
        diagnostics.push(SigmaDiagnostics.noRunnableTest(infoPath, `no JSON rendering of ${logPath || '(no path)'} (type ${String(t.type)}): test not run`));
        continue;
      }
      supportFiles.add(jsonPath);
      const ev = await readSourceText(root, jsonPath);
      if (!ev.ok) {
        diagnostics.push(ev.diagnostic);
        continue;
      }
      const seq = parseJsonSequence(ev.text);
      if (seq.error) {
        diagnostics.push(SigmaDiagnostics.badEventJson(jsonPath, seq.error));
        continue;
      }
      eventFiles.push(jsonPath);
      const name = `${String(t.name ?? 'regression test')} (${jsonPath.split('/').pop()})`;
      const count = typeof t.match_count === 'number' ? t.match_count : undefined;
      const events = seq.values;
      if (events.length === 1 && (count === undefined || count === 1)) tests.push({ name, expected: true, event: events[0] });
      else if (count === events.length) events.forEach((e, i) => tests.push({ name: `${name} event ${i + 1}/${events.length}`, expected: true, event: e }));
      else tests.push({ name: `${name} ${count === undefined ? 'at least 1' : count} of ${events.length} events`, expected: true, event: null, events, ...(count !== undefined ? { matchCount: count } : {}) });
    }
    for (const f of files) if (f.startsWith(infoPath.slice(0, -'info.yml'.length))) supportFiles.add(f);
    entries.push({ infoPath, ruleIds, tests, eventFiles });
  }
  return { entries, diagnostics, supportFiles };
}
