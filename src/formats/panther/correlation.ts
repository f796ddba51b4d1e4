/**
 * Panther correlation rules: `Detection: [{Group | Sequence: [{ID, RuleID, MinMatchCount?, Absence?}],
 * MatchCriteria | Transitions, LookbackWindowMinutes, Schedule, EventEvaluationOrder?}]`. The logic is an
 * aggregation over other rules' matches (no single-event condition): stages per member, the join keys and the
 * window, and `aggregation` with the rules, window, keys and the MinMatchCount thresholds.
 */
import type { Diagnostic } from '../../model/diagnostics.ts';
import type { Aggregation, CorrelationMember, CorrelationTransition, RuleCorrelation, Stage } from '../../model/rule.ts';
import { detailValue } from '../../model/lowering.ts';
import { PantherDiagnostics } from './diagnostics.ts';
import { asString, isRecord, lineAt, rangeAt, type YamlSpec } from './yamlDoc.ts';

export interface CorrelationLowering {
  readonly stages: Stage[];
  readonly aggregation?: Aggregation;
  readonly note: string;
  readonly diagnostics: Diagnostic[];
  /** RuleIDs this correlation depends on. */
  readonly rules: string[];
}

interface Member {
  readonly id: string;
  readonly ruleId: string;
  readonly minMatchCount?: number;
  readonly absence: boolean;
}

export function lowerCorrelation(spec: YamlSpec, file: string): CorrelationLowering {
  const diagnostics: Diagnostic[] = [];
  const stages: Stage[] = [];
  const root = spec.value as Record<string, unknown>;
  const det = root['Detection'];
  const items = Array.isArray(det) ? det : det === undefined ? [] : [det];
  const slice = (path: (string | number)[]) => {
    const r = rangeAt(spec, path);
    return r ? { text: spec.text.slice(r.start, r.end).trimEnd(), span: { file, ...r } } : { text: '' };
  };
  const at = (path: (string | number)[]) => {
    const line = lineAt(spec, path);
    return line === undefined ? undefined : { line };
  };
  if (items.length === 0) diagnostics.push(PantherDiagnostics.badCorrelation(file, 'no Detection block', at(['AnalysisType'])));
  const members: Member[] = [];
  const keys: string[] = [];
  const windows: string[] = [];
  const modes: string[] = [];
  const groupMin: number[] = [];
  items.forEach((item, i) => {
    const base = Array.isArray(det) ? ['Detection', i] : ['Detection'];
    if (!isRecord(item)) {
      diagnostics.push(PantherDiagnostics.badCorrelation(file, 'Detection entry is not a mapping', at(base)));
      return;
    }
    const mode = Array.isArray(item['Sequence']) ? 'Sequence' : Array.isArray(item['Group']) ? 'Group' : undefined;
    if (!mode) {
      diagnostics.push(PantherDiagnostics.badCorrelation(file, 'expected Group or Sequence', at(base)));
      return;
    }
    modes.push(mode);
    (item[mode] as unknown[]).forEach((m, j) => {
      const path = [...base, mode, j];
      if (!isRecord(m) || asString(m['RuleID']) === undefined) {
        diagnostics.push(PantherDiagnostics.badCorrelation(file, `${mode} member without RuleID`, at(path)));
        return;
      }
      const mm = typeof m['MinMatchCount'] === 'number' ? m['MinMatchCount'] : undefined;
      const member: Member = { id: asString(m['ID']) ?? asString(m['RuleID'])!, ruleId: asString(m['RuleID'])!, absence: m['Absence'] === true, ...(mm !== undefined ? { minMatchCount: mm } : {}) };
      members.push(member);
      const s = slice(path);
      stages.push({
        kind: mode === 'Sequence' ? 'sequence' : 'source',
        label: member.id,
        text: s.text,
        ...(s.span ? { span: s.span } : {}),
        detail: { ruleId: member.ruleId, ...(mm !== undefined ? { minMatchCount: mm } : {}), ...(member.absence ? { absence: true } : {}), position: j + 1 },
      });
    });
    const mc = item['MatchCriteria'];
    if (isRecord(mc)) {
      for (const [name, list] of Object.entries(mc)) {
        const on = Array.isArray(list) ? list.filter(isRecord).map((x) => asString(x['Match'])).filter((x): x is string => !!x) : [];
        for (const k of on) if (!keys.includes(k)) keys.push(k);
        const s = slice([...base, 'MatchCriteria', name]);
        stages.push({ kind: 'join', label: `MatchCriteria ${name}`, text: s.text, ...(s.span ? { span: s.span } : {}), detail: { fields: on } });
      }
    }
    const tr = item['Transitions'];
    if (Array.isArray(tr)) {
      tr.forEach((t, k) => {
        if (!isRecord(t)) return;
        const on = Array.isArray(t['Match']) ? t['Match'].filter(isRecord).map((x) => asString(x['On'])).filter((x): x is string => !!x) : [];
        for (const key of on) if (!keys.includes(key)) keys.push(key);
        const s = slice([...base, 'Transitions', k]);
        stages.push({
          kind: 'sequence',
          label: asString(t['ID']) ?? `${asString(t['From'])} → ${asString(t['To'])}`,
          text: s.text,
          ...(s.span ? { span: s.span } : {}),
          detail: { from: asString(t['From']), to: asString(t['To']), withinMinutes: detailValue(t['WithinTimeFrameMinutes']), on },
        });
      });
    }
    if (typeof item['MinMatchCount'] === 'number') {
      groupMin.push(item['MinMatchCount']);
      stages.push({ kind: 'having', label: 'MinMatchCount', text: `MinMatchCount: ${item['MinMatchCount']}`, detail: { minMatchCount: item['MinMatchCount'] } });
    }
    if (typeof item['LookbackWindowMinutes'] === 'number') {
      windows.push(`${item['LookbackWindowMinutes']}m`);
      const s = slice([...base, 'LookbackWindowMinutes']);
      stages.push({ kind: 'window', label: 'LookbackWindowMinutes', text: `LookbackWindowMinutes: ${item['LookbackWindowMinutes']}`, ...(s.span ? { span: s.span } : {}) });
    }
    if (item['EventEvaluationOrder'] !== undefined) stages.push({ kind: 'modifier', label: 'EventEvaluationOrder', text: `EventEvaluationOrder: ${String(item['EventEvaluationOrder'])}` });
  });
  const correlation = readCorrelation(items, members);
  const withMin = members.filter((m) => m.minMatchCount !== undefined);
  const first = withMin[0];
  const rules = [...new Set(members.map((m) => m.ruleId))];
  const describe = (m: Member) => `${m.ruleId}${m.absence ? ' (absent)' : ''}${m.minMatchCount !== undefined ? ` (at least ${m.minMatchCount})` : ''}`;
  const aggregation: Aggregation | undefined = members.length
    ? {
        function: modes.join('+').toLowerCase() || 'group',
        groupBy: keys,
        rules,
        ...(windows.length ? { window: windows.join(', ') } : {}),
        ...(groupMin.length ? { threshold: { op: 'ge' as const, value: groupMin[0]!, of: 'group matches' } } : first ? { threshold: { op: 'ge' as const, value: first.minMatchCount!, of: first.id } } : {}),
        text: `${modes.join('+')} of ${members.map(describe).join(', ')}${keys.length ? ` matched on ${keys.join(', ')}` : ''}${windows.length ? ` within ${windows.join(', ')}` : ''}`,
        ...(correlation ? { correlation } : {}),
      }
    : undefined;
  const note = 'Correlation rule: it alerts on other rules\u2019 matches (grouped or in sequence, joined on the match keys, within the lookback window), not on a single event; the logic is the aggregation below.';
  return { stages, ...(aggregation ? { aggregation } : {}), note, diagnostics, rules };
}

/** Panther's lookback when `LookbackWindowMinutes` is not given. */
const DEFAULT_LOOKBACK_MINUTES = 15;

/** A transition's `Match` entry: `On: field` (the same field on both steps) or `From: field` and `To: field`. */
function matchPair(x: unknown): { from: string; to: string } | undefined {
  if (!isRecord(x)) return undefined;
  const on = asString(x['On']);
  if (on !== undefined) return { from: on, to: on };
  const from = asString(x['From']);
  const to = asString(x['To']);
  return from !== undefined && to !== undefined ? { from, to } : undefined;
}

const DETECTION_KEYS = new Set(['Group', 'Sequence', 'MatchCriteria', 'MinMatchCount', 'Transitions', 'LookbackWindowMinutes', 'Schedule', 'EventEvaluationOrder']);

/**
 * The correlation as the model states it (`RuleCorrelation`), from the one `Detection` entry; what it cannot state is
 * listed in `unread` (several entries, a key it does not know, a transition without its members), so that evaluating
 * it is unknown rather than wrong.
 */
function readCorrelation(items: readonly unknown[], members: readonly Member[]): RuleCorrelation | undefined {
  const item = items[0];
  if (!isRecord(item) || members.length === 0) return undefined;
  const unread: string[] = [];
  if (items.length > 1) unread.push(`${items.length} Detection entries`);
  for (const k of Object.keys(item)) if (!DETECTION_KEYS.has(k)) unread.push(`Detection key ${k}`);
  const minMembers = item['MinMatchCount'];
  if (minMembers !== undefined && (typeof minMembers !== 'number' || !Array.isArray(item['Group']))) unread.push('MinMatchCount of the Detection entry (a number, in a Group)');
  for (const m of [...(Array.isArray(item['Group']) ? item['Group'] : []), ...(Array.isArray(item['Sequence']) ? item['Sequence'] : [])]) {
    if (isRecord(m) && m['MaxMatchCount'] !== undefined) unread.push('MaxMatchCount (its meaning is not documented)');
  }
  const mode = Array.isArray(item['Sequence']) ? 'sequence' : 'group';
  const criteria: string[] = [];
  const fieldOf = new Map<string, string>();
  const mc = item['MatchCriteria'];
  if (mc !== undefined && !isRecord(mc)) unread.push('MatchCriteria is not a mapping');
  if (isRecord(mc)) {
    for (const [name, list] of Object.entries(mc)) {
      criteria.push(name);
      if (!Array.isArray(list)) {
        unread.push(`MatchCriteria ${name} is not a list`);
        continue;
      }
      for (const e of list) {
        const gid = isRecord(e) ? asString(e['GroupID']) : undefined;
        const field = isRecord(e) ? asString(e['Match']) : undefined;
        if (gid === undefined || field === undefined || !members.some((m) => m.id === gid)) unread.push(`MatchCriteria ${name}: an entry without a member's GroupID and a Match`);
        else fieldOf.set(`${criteria.length - 1}\u0000${gid}`, field);
      }
    }
  }
  const transitions: CorrelationTransition[] = [];
  const tr = item['Transitions'];
  if (tr !== undefined && !Array.isArray(tr)) unread.push('Transitions is not a list');
  for (const t of Array.isArray(tr) ? tr : []) {
    const from = isRecord(t) ? asString(t['From']) : undefined;
    const to = isRecord(t) ? asString(t['To']) : undefined;
    if (!isRecord(t) || from === undefined || to === undefined || !members.some((m) => m.id === from) || !members.some((m) => m.id === to)) {
      unread.push('a transition without its From and To members');
      continue;
    }
    // the evaluation bounds neighbouring steps (an absent step included): a transition that skips a step is not
    // read (one written backwards, From the later step To the earlier, joins the same two: panther-analysis has one)
    const gap = members.findIndex((m) => m.id === to) - members.findIndex((m) => m.id === from);
    if (mode === 'sequence' && Math.abs(gap) !== 1) unread.push(`the transition ${from} → ${to} does not join neighbouring steps`);
    const within = t['WithinTimeFrameMinutes'];
    if (within !== undefined && typeof within !== 'number') unread.push(`WithinTimeFrameMinutes of ${from} → ${to} is not a number`);
    const on: { from: string; to: string }[] = [];
    for (const x of Array.isArray(t['Match']) ? t['Match'] : t['Match'] === undefined ? [] : [t['Match']]) {
      const pair = matchPair(x);
      if (pair !== undefined) on.push(pair);
      else unread.push(`a Match of ${from} → ${to} without On, or From and To`);
    }
    const id = asString(t['ID']);
    transitions.push({ ...(id !== undefined ? { id } : {}), from, to, ...(typeof within === 'number' ? { withinMinutes: within } : {}), on });
  }
  // a transition's `Match` pairs its two steps on those fields: a criterion of those two members
  for (const t of transitions) {
    for (const pair of t.on) {
      const name = pair.from === pair.to ? `On ${pair.from}` : `${t.from}.${pair.from} = ${t.to}.${pair.to}`;
      let i = criteria.indexOf(name);
      if (i < 0) i = criteria.push(name) - 1;
      fieldOf.set(`${i}\u0000${t.from}`, pair.from);
      fieldOf.set(`${i}\u0000${t.to}`, pair.to);
    }
  }
  const ms: CorrelationMember[] = members.map((m) => ({
    id: m.id,
    rule: m.ruleId,
    minMatches: m.minMatchCount ?? 1,
    absent: m.absence,
    keys: criteria.map((_, i) => fieldOf.get(`${i}\u0000${m.id}`) ?? null),
  }));
  const lookback = item['LookbackWindowMinutes'];
  if (lookback !== undefined && typeof lookback !== 'number') unread.push('LookbackWindowMinutes is not a number');
  const order = item['EventEvaluationOrder'];
  return {
    mode,
    members: ms,
    criteria,
    // Panther's default lookback is 15 minutes
    windowMinutes: typeof lookback === 'number' ? lookback : DEFAULT_LOOKBACK_MINUTES,
    ...(typeof minMembers === 'number' && mode === 'group' ? { minMembers } : {}),
    ...(transitions.length ? { transitions } : {}),
    ...(order !== undefined ? { order: String(order) } : {}),
    ...(unread.length ? { unread } : {}),
  };
}
