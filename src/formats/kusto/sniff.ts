/**
 * Whether a folder with no marker files holds KQL queries (issue: a folder of raw `.kql` files, or Markdown whose
 * KQL sits in fences labelled `C#` or nothing, must be recognised without `--format`). Looks at a bounded sample:
 * any raw query file (`.kql`, `.csl`, `.kusto`) decides; otherwise a few Markdown, text and JSON files are read and
 * one KQL query or Sentinel / Defender rule in them decides.
 */
import path from 'node:path';
import { readSampled, sampleFolder } from '../sniff.ts';
import { isQueryShaped, markdownCodeBlocks } from './defender.ts';
import { parseKqlJson } from './arm.ts';

const RAW_EXTENSIONS = new Set(['.kql', '.csl', '.kusto']);
const READ_EXTENSIONS = new Set(['.md', '.txt', '.json']);

export function looksLikeKqlFolder(dir: string): boolean {
  const { decided, sample } = sampleFolder(dir, (ext) => (RAW_EXTENSIONS.has(ext) ? 'decides' : READ_EXTENSIONS.has(ext) ? 'read' : undefined));
  if (decided) return true;
  for (const p of sample) {
    const text = readSampled(p);
    if (text === undefined) continue;
    const ext = path.extname(p).toLowerCase();
    if (ext === '.json') {
      if (parseKqlJson(path.basename(p), text, { repository: 'sniff' }).outputs.length) return true;
    } else if (ext === '.txt') {
      if (isQueryShaped(text)) return true;
    } else if (markdownCodeBlocks(text).some(isQueryShaped)) return true;
  }
  return false;
}
