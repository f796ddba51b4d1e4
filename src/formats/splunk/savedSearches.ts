/**
 * Splunk's own files of searches, beside security_content's YAML: an app's `savedsearches.conf` (one rule per
 * stanza with a `search`: Enterprise Security correlation searches, alerts and reports), its `macros.conf`, and
 * plain `.spl` files (one search each). The settings read are those of Splunk's savedsearches.conf reference:
 * `description`, `disabled`, `dispatch.earliest_time`, `cron_schedule`, the alert trigger (`counttype`, `relation`,
 * `quantity`), the alert actions, and Enterprise Security's `action.correlationsearch.*` / `action.notable.param.*`
 * (ATT&CK ids from the annotations' `mitre_attack`, severity), ESCU's `action.escu.mappings`.
 */
import { GeneralDiagnostics, type Diagnostic } from '../../model/diagnostics.ts';
import type { Operator } from '../../model/expr.ts';
import { normalizeSeverity, slugify, TECHNIQUE_ID, type Kind } from '../../model/facts.ts';
import { lineColAt } from '../../model/span.ts';
import type { DeclaredAttack } from '../../model/rule.ts';
import type { FileResult, SourceInfo } from '../adapter.ts';
import { bodyPart, ruleRecord, ruleSource, uniqueLogSources } from '../record.ts';
import { readConf, setting, type ConfStanza } from './conf.ts';
import { SplunkDiagnostics } from './diagnostics.ts';
import { searchLogic, type ResultTrigger } from './logic.ts';
import { isSourceConstraint, macroKey, type MacroDef, type MacroTable } from './macros.ts';

const truthy = (v: string | undefined) => v !== undefined && /^(1|true|t|yes|y)$/i.test(v.trim());

/** The lines of a `.conf` file that are not settings, as SPL009 warnings. */
function confDiagnostics(path: string, text: string, errors: readonly { offset: number; message: string }[]): Diagnostic[] {
  return errors.map((e) => SplunkDiagnostics.badConfLine(path, e.message, lineColAt(text, e.offset)));
}

/** The macros of a `macros.conf`: `[name]` or `[name(2)]` with `definition` and `args`. */
export function readConfMacros(path: string, text: string): { defs: MacroDef[]; diagnostics: Diagnostic[] } {
  const conf = readConf(text);
  const defs: MacroDef[] = [];
  for (const s of conf.stanzas) {
    const definition = setting(s, 'definition')?.value;
    if (!s.name || definition === undefined) continue;
    const open = s.name.lastIndexOf('(');
    const argc = open > 0 && s.name.endsWith(')') ? Number(s.name.slice(open + 1, -1)) : 0;
    const name = open > 0 && Number.isInteger(argc) && argc > 0 ? s.name.slice(0, open).trim() : s.name;
    const args = (setting(s, 'args')?.value ?? '').split(',').map((a) => a.trim()).filter(Boolean);
    defs.push({ name, args: args.length ? args : Array.from({ length: Number.isInteger(argc) ? argc : 0 }, (_, i) => `arg${i + 1}`), definition, file: path, source: isSourceConstraint(definition) });
  }
  return { defs, diagnostics: confDiagnostics(path, text, conf.errors) };
}

/** Add a file's macros to a table (the first definition of a name and arity wins, as files are read in order). */
export function addConfMacros(table: Map<string, MacroDef>, defs: readonly MacroDef[]): void {
  for (const d of defs) {
    const key = macroKey(d.name, d.args.length);
    if (!table.has(key)) table.set(key, d);
  }
}

/** `counttype = number of events` with `relation` and `quantity`: what the trigger compares the result count with. */
const RELATIONS: Readonly<Record<string, Operator>> = { 'greater than': 'gt', 'less than': 'lt', 'equal to': 'eq', 'not equal to': 'ne' };

function triggerOf(s: ConfStanza): { trigger?: ResultTrigger; text?: string } {
  const counttype = setting(s, 'counttype')?.value.trim().toLowerCase();
  const relation = setting(s, 'relation')?.value.trim().toLowerCase();
  const quantity = Number(setting(s, 'quantity')?.value ?? NaN);
  const custom = setting(s, 'alert_condition')?.value;
  if (custom) return { text: `alert when: ${custom}` };
  if (counttype !== 'number of events' && counttype !== 'number of results') return counttype ? { text: `alert when the ${counttype} ${relation ?? ''} ${setting(s, 'quantity')?.value ?? ''}`.trim() } : {};
  const op = relation ? RELATIONS[relation] : undefined;
  const text = `alert when the ${counttype} is ${relation} ${quantity}`;
  if (!op || !Number.isFinite(quantity)) return { text };
  // more than none: every result alerts, as a detection without a trigger does
  if (op === 'gt' && quantity === 0) return { text };
  return { trigger: { op, value: quantity, text }, text };
}

/** Does the stanza alert (rather than only report)? With the setting that says so. */
function alerting(s: ConfStanza): string | undefined {
  for (const k of ['action.correlationsearch.enabled', 'action.notable', 'action.risk', 'alert.track']) if (truthy(setting(s, k)?.value)) return k;
  if (setting(s, 'counttype') || setting(s, 'alert_condition')) return 'its alert condition';
  const actions = setting(s, 'actions')?.value.trim();
  return actions ? `actions = ${actions}` : undefined;
}

/** ATT&CK ids of Enterprise Security's annotations or ESCU's mappings (JSON objects with `mitre_attack`). */
function declaredAttack(s: ConfStanza): { attack: DeclaredAttack[]; bad: string[] } {
  const attack: DeclaredAttack[] = [];
  const bad: string[] = [];
  for (const key of ['action.correlationsearch.annotations', 'action.escu.mappings']) {
    const v = setting(s, key)?.value;
    if (!v) continue;
    let ids: unknown;
    try {
      ids = (JSON.parse(v) as Record<string, unknown>)?.mitre_attack;
    } catch {
      continue;
    }
    for (const id of Array.isArray(ids) ? ids : []) {
      const t = String(id).trim();
      if (attack.some((a) => a.text === t)) continue;
      if (TECHNIQUE_ID.test(t)) attack.push({ text: t, techniqueId: t });
      else {
        attack.push({ text: t });
        bad.push(t);
      }
    }
  }
  return { attack, bad };
}

/** One rule per stanza of a `savedsearches.conf` that has a `search`. */
export function parseSavedSearches(path: string, text: string, source: SourceInfo, macros: MacroTable): FileResult {
  const conf = readConf(text);
  const diagnostics: Diagnostic[] = confDiagnostics(path, text, conf.errors);
  const rules = [];
  const seen = new Map<string, number>();
  for (const s of conf.stanzas) {
    const search = setting(s, 'search');
    if (!s.name || !search || !search.value.trim()) continue;
    const ruleDiags: Diagnostic[] = [];
    const { trigger, text: triggerText } = triggerOf(s);
    const sl = searchLogic(path, text, search.value, (o) => search.toFile(o), macros, trigger);
    ruleDiags.push(...sl.diagnostics);
    const { attack, bad } = declaredAttack(s);
    for (const b of bad) ruleDiags.push(SplunkDiagnostics.badTechnique(path, b, lineColAt(text, s.at).line));
    const alert = alerting(s);
    const disabled = truthy(setting(s, 'disabled')?.value);
    const kind: Kind = alert ? 'detection' : 'hunting';
    const severityNative = setting(s, 'action.notable.param.severity')?.value.trim() || ALERT_SEVERITY[setting(s, 'alert.severity')?.value.trim() ?? ''];
    const base = slugify(s.name) || 'saved-search';
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    const get = (k: string) => setting(s, k)?.value.trim() || undefined;
    rules.push(
      ruleRecord({
        id: `splunk/${base}${n > 1 ? `-${n}` : ''}`,
        format: 'splunk',
        nativeType: 'saved search',
        source: ruleSource(source, path),
        title: get('action.correlationsearch.label') ?? s.name,
        description: get('description') ?? get('action.notable.param.rule_description'),
        severity: severityNative ? normalizeSeverity(severityNative) : undefined,
        severityNative,
        kind,
        kindReason: alert ? `a saved search that alerts (${alert})` : 'a saved search without an alert action: a report, run on demand or on schedule',
        logSources: uniqueLogSources(sl.logSources),
        attackDeclared: attack,
        body: [bodyPart(path, 'text', text, { start: s.at, end: s.end })],
        logic: sl.logic,
        diagnostics: ruleDiags,
        facts: {
          stanza: s.name,
          ...(disabled ? { disabled: true } : {}),
          ...(triggerText ? { trigger: triggerText } : {}),
          ...(get('cron_schedule') ? { cron_schedule: get('cron_schedule') } : {}),
          ...(get('dispatch.earliest_time') ? { earliest_time: get('dispatch.earliest_time') } : {}),
          ...(get('action.risk.param._risk_score') ? { risk_score: get('action.risk.param._risk_score') } : {}),
          ...sl.facts,
        },
      }),
    );
    diagnostics.push(...ruleDiags);
  }
  if (!rules.length) {
    if (diagnostics.some((d) => d.severity === 'error')) return { path, outcome: 'error', rules: [], diagnostics };
    return { path, outcome: 'skipped', reason: 'savedsearches.conf without a stanza that has a search', rules: [], diagnostics };
  }
  return { path, outcome: 'parsed', rules, diagnostics };
}

/** `alert.severity` 1–6 as Splunk numbers them. */
const ALERT_SEVERITY: Readonly<Record<string, string>> = { '1': 'debug', '2': 'info', '3': 'low', '4': 'medium', '5': 'high', '6': 'critical' };

/** A `.spl` file: one search, the file name its title. */
export function parseSplFile(path: string, text: string, source: SourceInfo, macros: MacroTable): FileResult {
  const name = path.split('/').pop()!.replace(/\.spl$/i, '');
  if (!text.trim()) return { path, outcome: 'skipped', reason: 'empty .spl file', rules: [], diagnostics: [] };
  const sl = searchLogic(path, text, text, (o) => o, macros);
  const diagnostics = [...sl.diagnostics];
  if (!name.trim()) diagnostics.push(GeneralDiagnostics.missingField(path, 'name'));
  const rule = ruleRecord({
    id: `splunk/${slugify(name) || 'search'}`,
    format: 'splunk',
    nativeType: 'search',
    source: ruleSource(source, path),
    title: name,
    kind: 'hunting',
    kindReason: 'a .spl file: a search, with no alert settings',
    logSources: uniqueLogSources(sl.logSources),
    body: [{ path, language: 'spl', text }],
    logic: sl.logic,
    diagnostics,
    facts: { ...sl.facts },
  });
  return { path, outcome: 'parsed', rules: [rule], diagnostics };
}
