/**
 * Panther correlation rules: `Detection: [{Group | Sequence: [{ID, RuleID, MinMatchCount?, Absence?}],
 * MatchCriteria | Transitions, LookbackWindowMinutes, Schedule, EventEvaluationOrder?}]`. The logic is an
 * aggregation over other rules' matches (no single-event condition): stages per member, the join keys and the
 * window, and `aggregation` with the rules, window, keys and the MinMatchCount thresholds.
 */
import type { Diagnostic } from '../../model/diagnostics.ts';
import type { Aggregation, Stage } from '../../model/rule.ts';
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
      }
    : undefined;
  const note = 'Correlation rule: it alerts on other rules\u2019 matches (grouped or in sequence, joined on the match keys, within the lookback window), not on a single event; the logic is the aggregation below.';
  return { stages, ...(aggregation ? { aggregation } : {}), note, diagnostics, rules };
}
