/** ATT&CK pages: the coverage matrix, the Navigator layer, technique and tactic pages. */
import { badWordFilter, parseQuery } from '../searchQuery.ts';
import type { CatalogCore } from './core.ts';
import { canonicalTotals, techniqueSameAction } from './crossvendor.ts';
import { ROW_COLS, techniqueFrom, type Filters, type IndicatorAgg, type MatrixCell, type MatrixData, type RuleRow, type TechniqueInfo } from './types.ts';

/** The matrix with these filters, computed once per filter set. */
export function matrixOf(cat: CatalogCore, f: Filters = {}): MatrixData {
  return cat.memoize(`matrix ${JSON.stringify(f)}`, () => matrixData(cat, f));
}

export function matrixData(cat: CatalogCore, f: Filters): MatrixData {
  const params: unknown[] = [];
  // detections and correlations (the kinds that count for coverage), or the one kind asked for (`kind=hunting`: the
  // coverage of the hunting queries, which the default matrix leaves out)
  const w = cat.where({ ...f, all: false }, params);
  const counts = cat.st(
    `SELECT a.tactic, a.technique, a.parent, COUNT(DISTINCT a.rule) n FROM rule_attack a JOIN rules r ON r.rowid = a.rule
     WHERE a.technique IS NOT NULL AND a.tactic IS NOT NULL AND ${w.join(' AND ')} GROUP BY a.tactic, a.technique`,
  ).all(...params) as { tactic: string; technique: string; parent: string | null; n: number }[];
  const parentCounts = cat.st(
    `SELECT a.tactic, COALESCE(a.parent, a.technique) t, COUNT(DISTINCT a.rule) n FROM rule_attack a JOIN rules r ON r.rowid = a.rule
     WHERE a.technique IS NOT NULL AND a.tactic IS NOT NULL AND ${w.join(' AND ')} GROUP BY a.tactic, t`,
  ).all(...params) as { tactic: string; t: string; n: number }[];
  const tacticCounts = cat.st(
    `SELECT a.tactic, COUNT(DISTINCT a.rule) n FROM rule_attack a JOIN rules r ON r.rowid = a.rule WHERE a.tactic IS NOT NULL AND ${w.join(' AND ')} GROUP BY a.tactic`,
  ).all(...params) as { tactic: string; n: number }[];
  const ruleTotal = (cat.st(`SELECT COUNT(DISTINCT a.rule) n FROM rule_attack a JOIN rules r ON r.rowid = a.rule WHERE ${w.join(' AND ')}`).get(...params) as { n: number }).n;
  const cnt = new Map(counts.map((c) => [`${c.tactic}|${c.technique}`, c.n]));
  const pcnt = new Map(parentCounts.map((c) => [`${c.tactic}|${c.t}`, c.n]));
  const techs = (cat.st('SELECT * FROM attack_techniques WHERE revoked = 0 AND deprecated = 0 ORDER BY name').all() as Record<string, unknown>[]).map(techniqueFrom);
  let max = 0;
  const subsOf = new Map<string, TechniqueInfo[]>();
  for (const q of techs) if (q.parent) subsOf.set(q.parent, [...(subsOf.get(q.parent) ?? []), q]);
  const tactics = cat.tactics().map((t) => {
    const techniques: MatrixCell[] = techs
      .filter((q) => !q.isSub && q.tactics.includes(t.id))
      .map((q) => {
        const subs = (subsOf.get(q.id) ?? []).filter((s) => s.tactics.includes(t.id)).sort((a, b) => a.id.localeCompare(b.id)).map((s) => ({ id: s.id, name: s.name, count: cnt.get(`${t.id}|${s.id}`) ?? 0 }));
        const count = pcnt.get(`${t.id}|${q.id}`) ?? 0;
        if (count > max) max = count;
        return { id: q.id, name: q.name, count, subs };
      });
    return { ...t, techniques, count: tacticCounts.find((c) => c.tactic === t.id)?.n ?? 0 };
  });
  return { version: cat.meta('attack_version'), attribution: cat.meta('attack_attribution'), filters: f, max, rules: ruleTotal, tactics };
}

/**
 * ATT&CK Navigator layer (layer format 4.5) of the matrix with these filters. `from`: what the rules are, for the
 * layer's description (`detwiki coverage --rules`: the folders; else the catalog and when it was built).
 */
export function navigatorLayerOf(cat: CatalogCore, f: Filters = {}, from = `the detection-wiki catalog built ${cat.meta('built_at')}`) {
  const m = matrixOf(cat, f);
  const techniques: unknown[] = [];
  for (const t of m.tactics) {
    for (const q of t.techniques) {
      if (q.count) techniques.push({ techniqueID: q.id, tactic: t.shortname, score: q.count, comment: `${q.count} rule(s)`, enabled: true, showSubtechniques: q.subs.some((s) => s.count > 0) });
      for (const s of q.subs) if (s.count) techniques.push({ techniqueID: s.id, tactic: t.shortname, score: s.count, comment: `${s.count} rule(s)`, enabled: true });
    }
  }
  const fdesc = Object.entries(f).filter(([, v]) => v).map(([k, v]) => `${k}=${String(v)}`).join(', ');
  return {
    name: `detection-wiki coverage${fdesc ? ` (${fdesc})` : ''}`,
    versions: { attack: (m.version || '19').split('.')[0], navigator: '5.1.0', layer: '4.5' },
    domain: 'enterprise-attack',
    description: `Rules per technique (${coveredKinds(f.kind)}) from ${from}.`,
    filters: { platforms: [] as string[] },
    sorting: 3,
    layout: { layout: 'side', aggregateFunction: 'max', showID: true, showName: true, showAggregateScores: false, countUnscored: false, expandedSubtechniques: 'annotated' },
    hideDisabled: false,
    techniques,
    gradient: { colors: ['#ffffffff', '#66b1ffff', '#0b3d91ff'], minValue: 0, maxValue: Math.max(1, m.max) },
    legendItems: [] as unknown[],
    metadata: [{ name: 'generator', value: 'detection-wiki' }],
    showTacticRowBackground: false,
    selectTechniquesAcrossTactics: true,
    selectSubtechniquesWithParent: false,
    selectVisibleTechniques: false,
  };
}

export function techniquePageData(cat: CatalogCore, id: string, f: Filters = {}) {
  const info = cat.techniqueInfo(id);
  const tid = id.toUpperCase();
  const params: unknown[] = [];
  const w = cat.where({ ...f, all: true }, params);
  const rows = cat.st(
    `SELECT DISTINCT ${ROW_COLS}, r.counts, a.technique matched FROM rule_attack a JOIN rules r ON r.rowid = a.rule
     WHERE (a.technique = ? OR a.parent = ?)${w.length ? ` AND ${w.join(' AND ')}` : ''} ORDER BY r.format, r.title COLLATE NOCASE`,
  ).all(tid, tid, ...params) as (RuleRow & { counts: number; matched: string })[];
  const seen = new Set<string>();
  const uniq = rows.filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
  const byFormat: Record<string, (RuleRow & { matched: string })[]> = {};
  const others: RuleRow[] = [];
  for (const r of uniq) {
    if (r.counts) (byFormat[r.format] ??= []).push(r);
    else others.push(r);
  }
  const sub = 'SELECT DISTINCT a.rule FROM rule_attack a JOIN rules r ON r.rowid = a.rule WHERE (a.technique = ? OR a.parent = ?) AND r.counts = 1';
  const withCanonical = (rows: IndicatorAgg[]): IndicatorAgg[] => {
    const totals = canonicalTotals(cat, rows.map((r) => r.key));
    return rows.map((r) => (totals.has(r.key) ? { ...r, canonical: totals.get(r.key)! } : r));
  };
  return {
    id: tid,
    info,
    parent: info?.parent ? cat.techniqueInfo(info.parent) : undefined,
    subs: (cat.st('SELECT id, name FROM attack_techniques WHERE parent = ? AND revoked = 0 AND deprecated = 0 ORDER BY id').all(tid) as { id: string; name: string }[]).map((s) => ({
      ...s,
      count: (cat.st('SELECT COUNT(DISTINCT a.rule) n FROM rule_attack a JOIN rules r ON r.rowid = a.rule WHERE a.technique = ? AND r.counts = 1').get(s.id) as { n: number }).n,
    })),
    tactics: cat.tactics().filter((t) => info?.tactics.includes(t.id)),
    byFormat,
    others,
    topFields: cat.st(`SELECT field, COUNT(DISTINCT rule) n FROM rule_fields WHERE rule IN (${sub}) AND role = 'condition' GROUP BY field_lc ORDER BY n DESC, field LIMIT 25`).all(tid, tid) as { field: string; n: number }[],
    topIndicators: withCanonical(cat.withPage(cat.st(`SELECT key, field, op, value_json, COUNT(DISTINCT rule) n FROM indicators WHERE rule IN (${sub}) AND value_key != '-' GROUP BY key ORDER BY n DESC, field LIMIT 25`).all(tid, tid) as Omit<IndicatorAgg, 'page'>[])),
    commonExclusions: cat.withPage(cat.st(`SELECT key, field, op, value_json, COUNT(DISTINCT rule) n FROM exclusions WHERE rule IN (${sub}) GROUP BY key ORDER BY n DESC, field LIMIT 25`).all(tid, tid) as Omit<IndicatorAgg, 'page'>[]),
    sameAction: techniqueSameAction(cat, sub, [tid, tid]),
    version: cat.meta('attack_version'),
    attribution: cat.meta('attack_attribution'),
  };
}

export function tacticPageData(cat: CatalogCore, id: string) {
  const tacId = cat.tacticId(id);
  const t = cat.tactics().find((x) => x.id === tacId);
  if (!t) return undefined;
  const m = matrixOf(cat, {});
  const col = m.tactics.find((x) => x.id === tacId)!;
  return { tactic: t, techniques: [...col.techniques].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)), count: col.count, attribution: m.attribution, version: m.version };
}

/**
 * Why a technique filter cannot match any rule, when it names no technique of the catalog's ATT&CK bundle nor of any
 * rule's mapping (`T9999`, a tactic's id or name, a typo); undefined when it is one (rules mapping it or not). A
 * filter of such an id lists no rule, which reads as a gap in coverage: the CLI's `--technique` and the pages'
 * `technique=` say this instead.
 */
export function unknownTechnique(cat: CatalogCore, id: string): string | undefined {
  const tid = id.trim().toUpperCase();
  if (cat.techniqueInfo(tid) || cat.st('SELECT 1 FROM rule_attack WHERE technique = ? OR parent = ? LIMIT 1').get(tid, tid)) return undefined;
  const tactic = cat.tactics().find((t) => t.id === tid || t.shortname === id.trim().toLowerCase());
  const version = cat.meta('attack_version');
  const hint = tactic ? ` (${tactic.id} is the tactic ${tactic.name})` : /^T\d{4}(\.\d{3})?$/.test(tid) ? '' : ' (ids look like T1078 or T1078.004)';
  return `no technique '${id}' in ${version ? `ATT&CK v${version}` : 'the catalog (built without an ATT&CK bundle)'} or in any rule's mapping${hint}`;
}

/**
 * Why the filters typed in a search (`format:splnk`, `technique:T9999`) cannot match any rule: a word that is none of
 * its list's, or a technique of no bundle or rule (`unknownTechnique`); undefined when they can. The pages and
 * `detwiki search` say it instead of answering 0 results.
 */
export function typedFilterProblem(cat: CatalogCore, q: string): string | undefined {
  const typed = parseQuery(q).filters;
  const why = typed.technique ? unknownTechnique(cat, typed.technique.slice(0, 200)) : undefined;
  return badWordFilter(typed) ?? (why && `technique: ${why}`);
}

/**
 * Rules mapped to ATT&CK that the matrix of these filters leaves out by their kind (hunting queries, building blocks…),
 * counted by kind: what `--kind` would count. None when a kind is asked for.
 */
export function uncountedMapped(cat: CatalogCore, f: Filters): { kind: string; n: number }[] {
  if (f.kind) return [];
  const params: unknown[] = [];
  const w = cat.where({ ...f, all: true }, params);
  w.push('r.counts = 0', 'r.rowid IN (SELECT rule FROM rule_attack)');
  return cat.st(`SELECT r.kind kind, COUNT(*) n FROM rules r WHERE ${w.join(' AND ')} GROUP BY r.kind ORDER BY n DESC, r.kind`).all(...params) as { kind: string; n: number }[];
}

/** The rules a coverage matrix counts, in words: detections and correlations, or the one kind a filter names. */
export function coveredKinds(kind: string | undefined): string {
  return kind ? `kind ${kind} only` : 'detections and correlations';
}
