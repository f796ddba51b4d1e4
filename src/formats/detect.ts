/**
 * Which format a repository folder holds, from marker folders and files (data, not code), and the root of the
 * repository a rule file belongs to.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Format } from '../model/facts.ts';

interface Marker {
  readonly format: Format;
  /** All of these must exist below the folder. */
  readonly all: readonly string[];
}

/** Marker table: the first row whose paths all exist wins. */
export const FORMAT_MARKERS: readonly Marker[] = [
  { format: 'panther', all: ['global_helpers'] },
  { format: 'panther', all: ['data_models', 'rules'] },
  { format: 'sigma', all: ['rules', 'regression_data'] },
  { format: 'sigma', all: ['rules', 'deprecated', 'unsupported'] },
  { format: 'kusto', all: ['Detections'] },
  { format: 'kusto', all: ['Hunting Queries'] },
  { format: 'splunk', all: ['detections', 'macros'] },
  { format: 'elastic', all: ['rules', 'rules_building_block'] },
  { format: 'elastic', all: ['detection_rules'] },
  { format: 'mql', all: ['detection-rules'] },
];

/** Folder names of the default sources (../shared/corpora layout) and their formats. */
export const SOURCE_FOLDER_FORMATS: Readonly<Record<string, Format>> = {
  panther: 'panther',
  'panther-analysis': 'panther',
  sigma: 'sigma',
  'sigma-pysigma-testfiles': 'sigma',
  elastic: 'elastic',
  'detection-rules': 'elastic',
  splunk: 'splunk',
  security_content: 'splunk',
  sentinel: 'kusto',
  'Azure-Sentinel': 'kusto',
  'm365-hunting-queries': 'kusto',
  'bert-jan-p': 'kusto',
  chronicle: 'yaral',
  sublime: 'mql',
  'sublime-rules': 'mql',
};

export function detectFormat(dir: string): Format | undefined {
  return detectByMarkers(dir) ?? SOURCE_FOLDER_FORMATS[path.basename(path.resolve(dir))];
}

function detectByMarkers(dir: string): Format | undefined {
  for (const m of FORMAT_MARKERS) {
    if (m.all.every((p) => existsSync(path.join(dir, p)))) return m.format;
  }
  return undefined;
}

/**
 * The nearest ancestor folder of `file` that is a repository of a known format: marker folders first (a Sublime
 * `detection-rules/` folder inside a sublime-rules checkout is not Elastic's repository of that name), then folder
 * names.
 */
export function findRepoRoot(file: string): { root: string; format: Format } | undefined {
  let start = path.resolve(file);
  if (!isDir(start)) start = path.dirname(start);
  for (const detect of [detectByMarkers, detectFormat]) {
    let dir = start;
    for (;;) {
      const f = detect(dir);
      if (f) return { root: dir, format: f };
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return undefined;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
