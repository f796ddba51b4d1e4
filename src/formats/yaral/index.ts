/**
 * Chronicle YARA-L 2.0 adapter. Rules are delimited by a tokenizer (tokens.ts, structure.ts) and parsed with our
 * peggy grammar (rule.peggy, parse.ts); lowering (lower.ts, lowerExpr.ts) turns events, match, condition and outcome
 * into the model. A rule the grammar rejects keeps its metadata (from the tokenizer), with a YRL005 error and no
 * logic.
 */
import { buildLogic } from '../../model/lowering.ts';
import type { Diagnostic } from '../../model/diagnostics.ts';
import { normalizeSeverity, normalizeStatus, slugify, TECHNIQUE_ID, type Kind } from '../../model/facts.ts';
import { lineColAt } from '../../model/span.ts';
import type { DeclaredAttack, Logic, LogSource, RuleRecord, Stage, StageKind } from '../../model/rule.ts';
import type { FileResult, FormatAdapter, SourceInfo } from '../adapter.ts';
import { fileExtension, readSourceText } from '../io.ts';
import { YaralDiagnostics } from './diagnostics.ts';
import { lowerRule, type YaralLowering } from './lower.ts';
import { parseFile, parseRuleAt, tooDeep } from './parse.ts';
import { resolveUdmField } from './resolve.ts';
import { readStructure, type Section, type SectionName, type YaralRule } from './structure.ts';
import { sectionOf, type YRule } from './syntax.ts';
import { stringValue, tokenizeYaral } from './tokens.ts';
import { HUNTING_TYPES } from './yaralFacts.ts';
import { YARAL_HIGHLIGHT } from './highlightFacts.ts';
import { YRL_CODES } from './diagnostics.ts';
import { isYaralText, YARAL_OTHER_EXTENSIONS, YARAL_SNIFF } from './sniff.ts';
import { yaralHuntReadings } from './readings.ts';

const STAGE_KINDS: Record<SectionName, StageKind> = { meta: 'metadata', events: 'filter', match: 'window', outcome: 'outcome', condition: 'condition', options: 'modifier' };
const PARSER = 'YARA-L 2.0 grammar (peggy)';

export const yaralAdapter: FormatAdapter<null> = {
  format: 'yaral',
  detect: { markers: [], folderNames: ['chronicle'], sniff: YARAL_SNIFF },
  highlight: YARAL_HIGHLIGHT,
  build: { splittable: true },
  fingerprint: { packages: ['peggy'] },
  diagnosticCodes: [YRL_CODES],
  parserName: PARSER,
  huntReadings: yaralHuntReadings,
  resolveField: resolveUdmField,
  async prepare() {
    return null;
  },
  async parseFile(root, path, _prep, source) {
    const ext = fileExtension(path.slice(path.lastIndexOf('/') + 1));
    const other = ext !== '.yaral' && YARAL_OTHER_EXTENSIONS.includes(ext);
    if (ext !== '.yaral' && !other) return { path, outcome: 'skipped', reason: ext === '.md' ? 'documentation' : 'not a YARA-L rule file (tooling, dashboards, licence)', rules: [], diagnostics: [] };
    const read = await readSourceText(root, path);
    if (!read.ok) return { path, outcome: 'error', rules: [], diagnostics: [read.diagnostic] };
    // a file named otherwise than .yaral (no extension, .yara, .txt): YARA-L only when shaped as a rule with events
    if (other && !isYaralText(read.text)) return { path, outcome: 'skipped', reason: 'no YARA-L rule with an events section in it (a YARA signature, a licence, notes)', rules: [], diagnostics: [] };
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
  // the whole file at once; rule by rule when that fails (or when the grammar and the tokenizer disagree on rules)
  const whole = tok.unterminated === undefined ? parseFile(text) : null;
  const rules = st.rules.map((r, i) => {
    const y = whole && whole.length === st.rules.length && whole[i]!.name === r.name ? whole[i]! : parseRuleAt(text, r.start, r.end);
    const yr: YRule | undefined = 'ok' in y ? (y.ok ? y.rule : undefined) : y;
    const ruleDiags: Diagnostic[] = [];
    if ('ok' in y && !y.ok) ruleDiags.push(y.tooDeep ? YaralDiagnostics.tooDeep(path, r.name, lineColAt(text, y.offset)) : YaralDiagnostics.syntax(path, firstLine(y.message), lineColAt(text, y.offset)));
    const deep = yr ? tooDeep(yr) : undefined;
    if (deep !== undefined) ruleDiags.push(YaralDiagnostics.tooDeep(path, r.name, lineColAt(text, deep)));
    const lowering = yr && deep === undefined ? lowerRule(path, text, yr) : undefined;
    if (lowering) ruleDiags.push(...lowering.diagnostics);
    diagnostics.push(...ruleDiags);
    return toRecord(path, text, r, yr, lowering, ruleDiags, source, st.rules.length > 1, diagnostics);
  });
  return { path, outcome: 'parsed', rules, diagnostics };
}

function firstLine(s: string): string {
  const l = s.split('\n')[0]!;
  return l.length > 200 ? l.slice(0, 197) + '...' : l;
}

function toRecord(path: string, text: string, r: YaralRule, yr: YRule | undefined, lowering: YaralLowering | undefined, ruleDiags: Diagnostic[], source: SourceInfo, multi: boolean, fileDiags: Diagnostic[]): RuleRecord {
  const metaEntries = yr ? (sectionOf(yr, 'meta')?.entries ?? []).map((e) => ({ key: e.key, value: e.value, start: e.at.start })) : r.meta;
  const meta = new Map<string, string | number | boolean>();
  for (const m of metaEntries) if (!meta.has(m.key.toLowerCase())) meta.set(m.key.toLowerCase(), m.value);
  const s = (k: string): string | undefined => {
    const v = meta.get(k);
    return v === undefined ? undefined : String(v);
  };
  const diagnostics: Diagnostic[] = [...ruleDiags];
  for (const need of ['events', 'condition'] as const) {
    if (!r.sections.some((x) => x.name === need)) diagnostics.push(YaralDiagnostics.missingSection(path, r.name, need, lineColAt(text, r.start)));
  }
  fileDiags.push(...diagnostics.slice(ruleDiags.length));
  const section = (n: SectionName) => r.sections.find((x) => x.name === n);
  const logic = lowering ? logicOf(lowering) : unparsedLogic(path, text, r);
  const outcomeString = lowering ? (k: string) => lowering.outcomeStrings.get(k) : tokenOutcomeString(section('outcome'));
  const { kind, kindReason } = classify(path, s('type'), lowering);
  const severityNative = s('severity');
  const slugBase = slugify(path.split('/').pop()!.replace(/\.yaral$/, ''));
  return {
    id: `yaral/${multi ? slugify(r.name) : slugBase}`,
    format: 'yaral',
    nativeId: s('rule_id') ?? r.name,
    nativeType: s('type') ?? 'rule',
    source: {
      repository: source.repository,
      path,
      ...(multi ? { lines: { start: lineColAt(text, r.start).line, end: lineColAt(text, r.end).line } } : {}),
      ...(source.commit ? { commit: source.commit } : {}),
      ...(source.licence ? { licence: source.licence } : {}),
      ...(source.urlBase ? { url: source.urlBase + path } : {}),
    },
    title: s('rule_name') ?? r.name,
    ...(s('description') ? { description: s('description')! } : {}),
    references: ['reference', 'references', 'mitre_attack_url'].flatMap((k) => metaEntries.filter((m) => m.key.toLowerCase() === k).map((m) => String(m.value))),
    falsePositives: s('false_positives') ? [s('false_positives')!] : [],
    ...(s('author') ? { author: s('author')! } : {}),
    ...(s('created') ?? s('date') ? { created: (s('created') ?? s('date'))! } : {}),
    ...(s('version') ? { version: s('version')! } : {}),
    tags: metaEntries.filter((m) => m.key.toLowerCase() === 'tags').map((m) => String(m.value)),
    ...(severityNative && normalizeSeverity(severityNative) ? { severity: normalizeSeverity(severityNative)! } : {}),
    ...(severityNative ? { severityNative } : {}),
    status: kind === 'deprecated' ? 'deprecated' : normalizeStatus(s('status')),
    ...(s('status') ? { statusNative: s('status')! } : {}),
    kind,
    kindReason,
    logSources: logSources(s),
    attackDeclared: declaredAttack(metaEntries, outcomeString),
    attack: [],
    body: [{ path, language: 'yaral', text, ...(multi ? { range: { start: r.start, end: r.end } } : {}) }],
    logic,
    tests: [],
    diagnostics,
    facts: {
      rule_name: r.name,
      ...(s('priority') ? { priority: s('priority') } : {}),
      ...(s('platform') ? { platform: s('platform') } : {}),
      sections: r.sections.map((x) => x.name),
      ...(lowering ? { eventVariables: lowering.eventVariables } : {}),
      ...(lowering?.entityVariables.length ? { entityVariables: lowering.entityVariables } : {}),
      ...(lowering?.joins.length ? { joins: lowering.joins.map((j) => (j.placeholder ? `${j.placeholder}: ${j.fields.join(' = ')}` : j.fields.join(' = '))) } : {}),
      ...(lowering?.riskScore ? { risk_score: lowering.riskScore } : {}),
    },
  };
}

function classify(path: string, type: string | undefined, lowering: YaralLowering | undefined): { kind: Kind; kindReason: string } {
  if (path.split('/').includes('_deprecated')) return { kind: 'deprecated', kindReason: 'in the rules/_deprecated folder' };
  if (type && HUNTING_TYPES.has(type.toLowerCase())) return { kind: 'hunting', kindReason: `meta type = "${type}"` };
  const typeText = type ? `meta type = "${type}"` : 'YARA-L rule (no meta type)';
  if (lowering && lowering.eventVariables.length > 1) return { kind: 'correlation', kindReason: `${typeText}; correlates the event variables ${lowering.eventVariables.join(', ')}` };
  return { kind: 'detection', kindReason: typeText };
}

/** The model's logic from a lowering. */
function logicOf(l: YaralLowering): Logic {
  const multi = l.eventVariables.length > 1;
  return buildLogic({
    stages: l.stages,
    ...(l.condition ? { condition: l.condition } : {}),
    missing: l.missing,
    ...(l.aggregation ? { aggregation: l.aggregation } : {}),
    outputFields: l.outputFields,
    parser: PARSER,
    ...(multi
      ? { note: `multi-event rule: lowered like a Sigma temporal correlation over ${l.eventVariables.join(', ')}; the condition is what one event needs to count as one of them` }
      : l.condition
        ? {}
        : { note: 'no event variable in the events section' }),
  });
}

/** A rule the grammar rejected: its sections verbatim, no logic. */
function unparsedLogic(path: string, text: string, r: YaralRule): Logic {
  const stages: Stage[] = r.sections
    .filter((x) => x.name !== 'meta')
    .map((x) => ({ kind: STAGE_KINDS[x.name], label: x.name, text: text.slice(x.start, x.end), span: { file: path, start: x.start, end: x.end } }));
  return buildLogic({ stages, parser: 'YARA-L tokenizer (structure only)', note: 'the rule does not follow the YARA-L 2.0 grammar (see diagnostics): logic not lowered' });
}

/** Outcome `$name = "literal"` from tokens (rules the grammar rejected). */
function tokenOutcomeString(outcome: Section | undefined): (k: string) => string | undefined {
  const found = new Map<string, string>();
  const t = outcome?.tokens ?? [];
  for (let k = 0; k + 2 < t.length; k++) {
    if (t[k]!.kind === 'var' && t[k + 1]!.text === '=' && t[k + 2]!.kind === 'string' && !found.has(t[k]!.text.slice(1))) found.set(t[k]!.text.slice(1), stringValue(t[k + 2]!));
  }
  return (k) => found.get(k);
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
function declaredAttack(meta: YaralRule['meta'], outcomeString: (name: string) => string | undefined): DeclaredAttack[] {
  const out: DeclaredAttack[] = [];
  const get = (k: string) => meta.filter((m) => m.key.toLowerCase() === k).map((m) => String(m.value).trim()).filter((v) => v);
  const tactics = [...get('tactic'), ...get('mitre_attack_tactic')];
  const tactic = tactics.length === 1 ? tactics[0] : undefined;
  const ids = new Set<string>();
  for (const v of [...get('technique'), ...get('mitre_attack_technique_id')]) for (const id of splitList(v)) ids.add(id);
  for (const u of get('mitre_attack_url')) {
    const id = idFromUrl(u);
    if (id) ids.add(id);
  }
  const fromOutcome = outcomeString('mitre_attack_technique_id');
  if (!ids.size && fromOutcome) for (const id of splitList(fromOutcome)) ids.add(id);
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
