/**
 * Whether a folder with no marker files holds Sigma rules (a team's own rules kept as loose YAML files, not in
 * SigmaHQ's layout): a few YAML files of a bounded sample are parsed, and one document shaped as a Sigma rule (a
 * `detection` map beside `logsource`) or correlation (a `correlation` map with `rules`) decides. Keys are Sigma's
 * own, lower case: Panther's YAML detections say `Detection`, Splunk's `search`, Sentinel's `query`.
 */
import { isMap, parseAllDocuments, type YAMLMap } from 'yaml';
import { readSampled, sampleFolder } from '../sniff.ts';
import { getNode, getPair } from './syntax.ts';

const YAML_EXTENSIONS = new Set(['.yml', '.yaml']);

export function looksLikeSigmaFolder(dir: string): boolean {
  const { sample } = sampleFolder(dir, (ext) => (YAML_EXTENSIONS.has(ext) ? 'read' : undefined));
  for (const p of sample) {
    const text = readSampled(p);
    if (text === undefined) continue;
    let docs;
    try {
      docs = parseAllDocuments(text, { uniqueKeys: false });
    } catch {
      // a file the parser cannot take (nesting deep enough to exhaust the stack) decides nothing
      continue;
    }
    for (const doc of docs) {
      if (!('contents' in doc) || !isMap(doc.contents)) continue;
      const map = doc.contents as YAMLMap;
      const correlation = getNode(map, 'correlation');
      if ((isMap(getNode(map, 'detection')) && getPair(map, 'logsource') !== undefined) || (isMap(correlation) && getPair(correlation as YAMLMap, 'rules') !== undefined)) return true;
    }
  }
  return false;
}
