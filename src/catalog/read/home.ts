/** The home page's data: counts by format and kind, sources, file outcomes, build and ATT&CK facts. */
import { FORMATS, KINDS, type Format, type Kind } from '../../model/facts.ts';
import type { CatalogCore } from './core.ts';

export function homeData(cat: CatalogCore) {
  const counts = cat.st('SELECT format, kind, COUNT(*) n FROM rules GROUP BY format, kind').all() as { format: Format; kind: Kind; n: number }[];
  const byFormat: Record<string, Record<string, number>> = {};
  for (const c of counts) (byFormat[c.format] ??= {})[c.kind] = c.n;
  const sources = cat.st('SELECT s.name, s.format, s.repository, s.origin, s.commit_id, s.licence, (SELECT COUNT(*) FROM files f WHERE f.source = s.name) files, (SELECT COUNT(*) FROM rules r WHERE r.source = s.name) rules FROM sources s ORDER BY s.ord').all();
  const outcomes = cat.st('SELECT outcome, COUNT(*) n FROM files GROUP BY outcome').all() as { outcome: string; n: number }[];
  return {
    total: counts.reduce((a, c) => a + c.n, 0),
    formats: FORMATS.filter((f) => byFormat[f]),
    kinds: KINDS.filter((k) => counts.some((c) => c.kind === k)),
    byFormat,
    sources,
    files: Object.fromEntries(outcomes.map((o) => [o.outcome, o.n])),
    builtAt: cat.meta('built_at'),
    lastSync: cat.meta('last_sync'),
    attackVersion: cat.meta('attack_version'),
    attackMessage: cat.meta('attack_message'),
    examplesFallback: cat.meta('examples_fallback') === '1',
  };
}
