/**
 * `detwiki export <dir>`: the whole wiki as static files. Pages link relatively (they work from any folder or
 * file://); search and browse run in the browser on a JSON index (search-index.json, also as search-index.js for
 * file://).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Catalog } from '../catalog/query.ts';
import { assets } from './assets.ts';
import { matrixData, renderMatrix, renderTactic, renderTechnique, tacticData, techniqueData } from './pages/attack.ts';
import { browseData, homeData, renderBrowse, renderHome, renderSearch, searchData } from './pages/lists.ts';
import { renderIndicator, renderLogsource, renderLogsources } from './pages/misc.ts';
import { renderRule, ruleData } from './pages/rule.ts';
import { parsingData, renderParsing } from './pages/parsing.ts';
import { staticSite } from './site.ts';

export interface ExportReport {
  readonly dir: string;
  readonly files: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly pages: Record<string, number>;
}

export function exportSite(cat: Catalog, dir: string, onProgress?: (what: string, done: number, total: number) => void): ExportReport {
  const t0 = performance.now();
  let files = 0;
  let bytes = 0;
  const pages: Record<string, number> = {};
  const made = new Set<string>();
  const write = (rel: string, content: string | Buffer, kind: string) => {
    const abs = path.join(dir, rel);
    const d = path.dirname(abs);
    if (!made.has(d)) {
      mkdirSync(d, { recursive: true });
      made.add(d);
    }
    writeFileSync(abs, content);
    files++;
    bytes += typeof content === 'string' ? Buffer.byteLength(content) : content.length;
    pages[kind] = (pages[kind] ?? 0) + 1;
  };
  for (const [name, a] of assets()) write(`static/${name}`, a.body, 'asset');
  write('index.html', renderHome(staticSite('index.html'), homeData(cat)), 'home');
  write('browse.html', renderBrowse(staticSite('browse.html'), browseData(cat, {})), 'browse');
  write('search.html', renderSearch(staticSite('search.html'), searchData(cat, {})), 'search');
  write('matrix.html', renderMatrix(staticSite('matrix.html'), matrixData(cat, {})), 'matrix');
  write('navigator-layer.json', JSON.stringify(cat.navigatorLayer({}), null, 1), 'navigator');
  write('coverage/parsing.html', renderParsing(staticSite('coverage/parsing.html'), parsingData(cat)), 'parsing');
  write('logsources.html', renderLogsources(staticSite('logsources.html'), cat.logsources()), 'logsources');
  const index = cat.searchIndex();
  const indexJson = JSON.stringify(index);
  write('search-index.json', indexJson, 'index');
  write('search-index.js', `window.DETWIKI_INDEX=${indexJson};\n`, 'index');
  const ids = cat.allRuleIds();
  ids.forEach((id, i) => {
    const d = ruleData(cat, id);
    if (d) write(`rule/${id}.html`, renderRule(staticSite(`rule/${id}.html`), d), 'rule');
    if (i % 500 === 0) onProgress?.('rules', i, ids.length);
  });
  for (const id of cat.allTechniqueIds()) {
    const d = techniqueData(cat, id);
    if (d) write(`technique/${id}.html`, renderTechnique(staticSite(`technique/${id}.html`), d), 'technique');
  }
  for (const t of cat.tactics()) {
    const d = tacticData(cat, t.id);
    if (d) write(`tactic/${t.id}.html`, renderTactic(staticSite(`tactic/${t.id}.html`), d), 'tactic');
  }
  for (const l of cat.logsources()) {
    const d = cat.logsource(l.key);
    if (d) write(`logsource/${l.key}.html`, renderLogsource(staticSite(`logsource/${l.key}.html`), d), 'logsource');
  }
  const keys = cat.indicatorPageKeys();
  keys.forEach((k, i) => {
    const d = cat.indicator(k);
    if (d) write(`indicator/${k}.html`, renderIndicator(staticSite(`indicator/${k}.html`), d), 'indicator');
    if (i % 5000 === 0) onProgress?.('indicators', i, keys.length);
  });
  return { dir, files, bytes, seconds: (performance.now() - t0) / 1000, pages };
}
