/**
 * Whether a file with no marker around it holds KQL (a folder of raw `.kql` files, Markdown whose KQL sits in fences
 * labelled `C#` or nothing, a team's own Sentinel rules as YAML or ARM JSON): a raw query file (`.kql`, `.csl`,
 * `.kusto`) decides by its extension; Markdown, text and JSON decide when one KQL query or Sentinel / Defender rule is
 * in them, YAML when a document is shaped as a Sentinel rule (a `query` text beside Sentinel's own keys).
 */
import type { FormatSniffer, SniffedFile } from '../adapter.ts';
import { someYamlMap } from '../sniff.ts';
import { isQueryShaped, markdownCodeBlocks } from './defender.ts';
import { parseKqlJson } from './arm.ts';

/** Keys of a Sentinel analytics rule or hunting query beside its `query` (Panther's YAML capitalises its own). */
const SENTINEL_KEYS = ['queryFrequency', 'queryPeriod', 'triggerOperator', 'triggerThreshold', 'requiredDataConnectors', 'relevantTechniques', 'tactics', 'entityMappings'];

export const KQL_SNIFF: FormatSniffer = {
  decides: ['.kql', '.csl', '.kusto'],
  reads: ['.md', '.txt', '.json', '.yaml', '.yml'],
  test(f: SniffedFile): boolean {
    switch (f.ext) {
      case '.json':
        return parseKqlJson(f.name, f.text, { repository: 'sniff' }).outputs.length > 0;
      case '.txt':
        return isQueryShaped(f.text);
      case '.md':
        return markdownCodeBlocks(f.text).some(isQueryShaped);
      default:
        return someYamlMap(f, (m) => typeof m.query === 'string' && SENTINEL_KEYS.some((k) => m[k] !== undefined));
    }
  },
};
