/**
 * Chronicle YARA-L 2.0 adapter: rules found with a tokenizer (tokens.ts) and their structure (structure.ts); meta
 * read as key = value; sections kept verbatim as stages. Logic is not lowered yet (completeness none), but the
 * match window, a `#var > N` condition threshold and outcome variables are recorded.
 */
import { buildLogic } from '../../model/lowering.ts';
import type { Diagnostic } from '../../model/diagnostics.ts';
import { YARAL_HIGHLIGHT } from './highlightFacts.ts';
import type { Operator } from '../../model/expr.ts';
import { normalizeSeverity, normalizeStatus, slugify, TECHNIQUE_ID, type Kind } from '../../model/facts.ts';
import { lineColAt } from '../../model/span.ts';
import type { Aggregation, DeclaredAttack, LogSource, OutputField, RuleRecord, Stage, StageKind } from '../../model/rule.ts';
import type { FileResult, FormatAdapter, SourceInfo } from '../adapter.ts';
import { ruleSource } from '../record.ts';
import { readSourceText } from '../io.ts';
import { YRL_CODES, YaralDiagnostics } from './diagnostics.ts';
import { readStructure, type Section, type SectionName, type YaralRule } from './structure.ts';
import { stringValue, tokenizeYaral, type Token } from './tokens.ts';

const STAGE_KINDS: Record<SectionName, StageKind> = { meta: 'metadata', events: 'filter', match: 'window', outcome: 'outcome', condition: 'condition', options: 'modifier' };
const THRESHOLD_OPS: Readonly<Record<string, Operator>> = { '>': 'gt', '>=': 'ge', '<': 'lt', '<=': 'le', '=': 'eq', '==': 'eq', '!=': 'ne' };

export const yaralAdapter: FormatAdapter<undefined> = {
  format: 'yaral',
  detect: { markers: [], folderNames: ['chronicle'] },
  highlight: YARAL_HIGHLIGHT,
  fingerprint: { packages: [] },
  diagnosticCodes: [YRL_CODES],
  parserName: 'YARA-L structure via tokenizer; events and condition not lowered yet',
  async parseFile(root, path, _prep, source) {
    if (!path.endsWith('.yaral')) return { path, outcome: 'skipped', reason: path.endsWith('.md') ? 'documentation' : 'not a YARA-L rule file (tooling, dashboards, licence)', rules: [], diagnostics: [] };
    const read = await readSourceText(root, path);
    if (!read.ok) return { path, outcome: 'error', rules: [], diagnostics: [read.diagnostic] };
    return parseYaralText(path, read.text, source);
  },
};

/** Parse one .yaral file (exported for tests). */
export function parseYaralText(path: string, text: string, source: SourceInfo): FileResult {
  const tok = tokenizeYaral(text);
  const diagnostics: Diagnostic[] = [];
  if (tok.unterminated !== undefined) diagnostics.push(YaralDiagnostics.unterminated(path, lineColAt(text, tok.unterminated)));
  const st = readStructure(tok.tokens, text.length);
  if (st.errorAt) diagnostics.push(YaralDiagnostics.structure(path, st.errorAt.message, lineColAt(text, st.errorAt.offset)));
  if (!st.rules.length) {
    if (!diagnostics.length) diagnostics.push(YaralDiagnostics.noRule(path));
    return { path, outcome: 'error', rules: [], diagnostics };
  }
  const rules = st.rules.map((r) => toRecord(path, text, r, source, st.rules.length > 1, diagnostics));
  return { path, outcome: 'parsed', rules, diagnostics };
}

function toRecord(path: string, text: string, r: YaralRule, source: SourceInfo, multi: boolean, fileDiags: Diagnostic[]): RuleRecord {
  const meta = new Map<string, string | number | boolean>();
  for (const m of r.meta) if (!meta.has(m.key.toLowerCase())) meta.set(m.key.toLowerCase(), m.value);
  const s = (k: string): string | undefined => {
    const v = meta.get(k);
    return v === undefined ? undefined : String(v);
  };
  const diagnostics: Diagnostic[] = [];
  for (const need of ['events', 'condition'] as const) {
    if (!r.sections.some((x) => x.name === need)) diagnostics.push(YaralDiagnostics.missingSection(path, r.name, need, lineColAt(text, r.start)));
  }
  fileDiags.push(...diagnostics);
  const stages: Stage[] = r.sections
    .filter((x) => x.name !== 'meta')
    .map((x) => ({ kind: STAGE_KINDS[x.name], label: x.name, text: text.slice(x.start, x.end), span: { file: path, start: x.start, end: x.end } }));
  const section = (n: SectionName) => r.sections.find((x) => x.name === n);
  const aggregation = readAggregation(path, section('match'), section('condition'), text);
  const outputFields = readOutcome(section('outcome'));
  const { kind, kindReason } = classify(path, s('type'));
  const severityNative = s('severity');
  const slugBase = slugify(path.split('/').pop()!.replace(/\.yaral$/, ''));
  return {
    id: `yaral/${multi ? slugify(r.name) : slugBase}`,
    format: 'yaral',
    nativeId: s('rule_id') ?? r.name,
    nativeType: s('type') ?? 'rule',
    source: ruleSource(source, path, multi ? { lines: { start: lineColAt(text, r.start).line, end: lineColAt(text, r.end).line } } : {}),
    title: s('rule_name') ?? r.name,
    ...(s('description') ? { description: s('description')! } : {}),
    references: ['reference', 'references', 'mitre_attack_url'].flatMap((k) => r.meta.filter((m) => m.key.toLowerCase() === k).map((m) => String(m.value))),
    falsePositives: s('false_positives') ? [s('false_positives')!] : [],
    ...(s('author') ? { author: s('author')! } : {}),
    ...(s('created') ?? s('date') ? { created: (s('created') ?? s('date'))! } : {}),
    ...(s('version') ? { version: s('version')! } : {}),
    tags: r.meta.filter((m) => m.key.toLowerCase() === 'tags').map((m) => String(m.value)),
    ...(severityNative && normalizeSeverity(severityNative) ? { severity: normalizeSeverity(severityNative)! } : {}),
    ...(severityNative ? { severityNative } : {}),
    status: kind === 'deprecated' ? 'deprecated' : normalizeStatus(s('status')),
    ...(s('status') ? { statusNative: s('status')! } : {}),
    kind,
    kindReason,
    logSources: logSources(s),
    attackDeclared: declaredAttack(r, section('outcome')),
    attack: [],
    body: [{ path, language: 'yaral', text, ...(multi ? { range: { start: r.start, end: r.end } } : {}) }],
    logic: buildLogic({ stages, ...(aggregation ? { aggregation } : {}), outputFields, parser: 'YARA-L tokenizer (structure only)', note: 'logic not parsed yet for YARA-L' }),
    tests: [],
    diagnostics,
    facts: {
      rule_name: r.name,
      ...(s('priority') ? { priority: s('priority') } : {}),
      ...(s('platform') ? { platform: s('platform') } : {}),
      sections: r.sections.map((x) => x.name),
    },
  };
}

function classify(path: string, type: string | undefined): { kind: Kind; kindReason: string } {
  if (path.split('/').includes('_deprecated')) return { kind: 'deprecated', kindReason: 'in the rules/_deprecated folder' };
  if (type && type.toLowerCase() === 'hunt') return { kind: 'hunting', kindReason: 'meta type = "hunt"' };
  return { kind: 'detection', kindReason: type ? `meta type = "${type}"` : 'YARA-L rule (no meta type)' };
}

function logSources(s: (k: string) => string | undefined): LogSource[] {
  const out: LogSource[] = [];
  if (s('data_source')) out.push({ kind: 'data_source', name: s('data_source')! });
  if (s('product')) out.push({ kind: 'logsource', name: [s('product'), s('service')].filter(Boolean).join('/') });
  if (s('log_type')) out.push({ kind: 'log_type', name: s('log_type')! });
  return out;
}

/**
 * Declared ATT&CK from meta: `technique` / `tactic` ids, `mitre_attack_technique` (+ the id in `mitre_attack_url`),
 * SOC Prime's `mitre = "tactic, tactic, T1234"`; when meta has no technique id, outcome `$mitre_attack_technique_id`.
 */
function declaredAttack(r: YaralRule, outcome: Section | undefined): DeclaredAttack[] {
  const out: DeclaredAttack[] = [];
  const get = (k: string) => r.meta.filter((m) => m.key.toLowerCase() === k).map((m) => String(m.value).trim()).filter((v) => v);
  const tactics = [...get('tactic'), ...get('mitre_attack_tactic')];
  const tactic = tactics.length === 1 ? tactics[0] : undefined;
  const ids = new Set<string>();
  for (const v of [...get('technique'), ...get('mitre_attack_technique_id')]) for (const id of splitList(v)) ids.add(id);
  for (const u of get('mitre_attack_url')) {
    const id = idFromUrl(u);
    if (id) ids.add(id);
  }
  if (!ids.size && outcome) {
    const t = outcome.tokens;
    for (let k = 0; k + 2 < t.length; k++) {
      if (t[k]!.kind === 'var' && t[k]!.text === '$mitre_attack_technique_id' && t[k + 1]!.text === '=' && t[k + 2]!.kind === 'string') {
        for (const id of splitList(stringValue(t[k + 2]!))) ids.add(id);
      }
    }
  }
  for (const id of ids) out.push({ text: tactic ? `${tactic}:${id}` : id, ...(TECHNIQUE_ID.test(id) ? { techniqueId: id } : {}), ...(tactic ? { tactic } : {}) });
  if (!ids.size) {
    for (const name of get('mitre_attack_technique')) out.push({ text: name, ...(tactic ? { tactic } : {}) });
    if (!out.length) for (const t of tactics) out.push({ text: t, tactic: t });
  } else if (tactics.length > 1) for (const t of tactics) out.push({ text: t, tactic: t });
  for (const v of get('mitre')) {
    const items = splitList(v);
    const techs = items.filter((x) => TECHNIQUE_ID.test(x.toUpperCase()));
    const tacs = items.filter((x) => !TECHNIQUE_ID.test(x.toUpperCase()));
    for (const id of techs) {
      if (tacs.length === 1) out.push({ text: v, techniqueId: id.toUpperCase(), tactic: tacs[0]!.replace(/_/g, '-') });
      else out.push({ text: v, techniqueId: id.toUpperCase() });
    }
    if (techs.length === 0 || tacs.length > 1) for (const tc of tacs) out.push({ text: v, tactic: tc.replace(/_/g, '-') });
  }
  return out;
}

function splitList(v: string): string[] {
  return v.split(',').map((x) => x.trim()).filter((x) => x);
}

function idFromUrl(u: string): string | undefined {
  try {
    const parts = new URL(u).pathname.split('/').filter((p) => p);
    const i = parts.indexOf('techniques');
    if (i < 0 || !parts[i + 1]) return undefined;
    const id = parts[i + 2] && /^\d{3}$/.test(parts[i + 2]!) ? `${parts[i + 1]}.${parts[i + 2]}` : parts[i + 1]!;
    return TECHNIQUE_ID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** `match: $a, $b over 1h` and a `#var OP N` in condition. */
function readAggregation(path: string, match: Section | undefined, condition: Section | undefined, text: string): Aggregation | undefined {
  let groupBy: string[] = [];
  let window: string | undefined;
  if (match) {
    const t = match.tokens;
    const over = t.findIndex((x) => x.kind === 'ident' && x.text === 'over');
    const keys = over >= 0 ? t.slice(0, over) : t;
    groupBy = keys.filter((x) => x.kind === 'var').map((x) => x.text);
    if (over >= 0 && t[over + 1]) window = t[over + 1]!.text;
  }
  let threshold: Aggregation['threshold'];
  let thText: string | undefined;
  if (condition) {
    const t = condition.tokens;
    for (let k = 0; k + 2 < t.length; k++) {
      const op = THRESHOLD_OPS[t[k + 1]!.text];
      if (t[k]!.kind === 'count' && op && t[k + 2]!.kind === 'number' && Number.isFinite(Number(t[k + 2]!.text))) {
        threshold = { op, value: Number(t[k + 2]!.text), of: t[k]!.text };
        thText = text.slice(t[k]!.start, t[k + 2]!.end);
        break;
      }
    }
  }
  if (!match && !threshold) return undefined;
  return {
    function: threshold ? 'count' : 'match',
    groupBy,
    ...(window ? { window } : {}),
    ...(threshold ? { threshold } : {}),
    text: [match ? text.slice(match.start, match.end) : '', thText ? `condition: ${thText}` : ''].filter(Boolean).join('\n'),
    ...(match ? { span: { file: path, start: match.start, end: match.end } } : {}),
  };
}

/** Outcome variables: `$name = …` at the start of a line of the outcome section. */
function readOutcome(outcome: Section | undefined): OutputField[] {
  if (!outcome) return [];
  const out: OutputField[] = [];
  const t: readonly Token[] = outcome.tokens;
  for (let k = 0; k + 1 < t.length; k++) {
    if (t[k]!.kind === 'var' && t[k]!.lineStart && t[k + 1]!.text === '=') {
      let e = k + 2;
      while (e < t.length && !(t[e]!.lineStart && t[e]!.kind === 'var' && t[e + 1]?.text === '=')) e++;
      const from = t.slice(k + 2, e).map((x) => x.text).join(' ');
      out.push({ name: t[k]!.text, source: 'outcome', ...(from ? { from: from.length > 200 ? from.slice(0, 197) + '...' : from } : {}) });
      k = e - 1;
    }
  }
  return out;
}
