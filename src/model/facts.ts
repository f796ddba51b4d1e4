/**
 * Constrained values of the model, named once with their validators and normalizers
 * (DESIGN.md §1). Every adapter maps its native spelling onto these.
 */

/** The detection languages the catalog knows. A rule id is `<format>/<slug>`. */
export const FORMATS = ['panther', 'sigma', 'kusto', 'splunk', 'elastic', 'yaral', 'mql'] as const;
export type Format = (typeof FORMATS)[number];
export function isFormat(s: string): s is Format {
  return (FORMATS as readonly string[]).includes(s);
}

/**
 * A command's comma-separated choice (`--format sigma,kusto`, `--kind rule`): the words, each one of `allowed` (the
 * lists are lower case; `Sigma` is `sigma`), or an error naming the first that is not and the words that are.
 * `single`: exactly one word (a filter of one value); `also`: another accepted spelling the caller reads itself, named
 * in the error (`all`).
 */
export function choicesOf<T extends string>(s: string, allowed: readonly T[], noun: string, { single = false, also = '' } = {}): T[] {
  const given = s.split(',').map((x) => x.trim()).filter(Boolean);
  const out = given.map((x) => x.toLowerCase());
  const words = `one of ${allowed.join(', ')}${also ? `, or ${also}` : ''}`;
  out.forEach((w, i) => {
    if (!(allowed as readonly string[]).includes(w)) throw new Error(`unknown ${noun} '${given[i]}' (${words})`);
  });
  if (!out.length) throw new Error(`no ${noun} given (${words})`);
  if (single && out.length > 1) throw new Error(`one ${noun} only, not ${out.length}`);
  return out as T[];
}

/** Human names of the formats, for pages and reports. */
export const FORMAT_LABELS: Record<Format, string> = {
  panther: 'Panther',
  sigma: 'Sigma',
  kusto: 'KQL (Sentinel / Defender XDR)',
  splunk: 'Splunk SPL',
  elastic: 'Elastic',
  yaral: 'Chronicle YARA-L',
  mql: 'Sublime MQL',
};

export const SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Native severity words onto the five levels; unknown words give undefined (the native value is kept). */
export function normalizeSeverity(native: unknown): Severity | undefined {
  if (typeof native === 'number') {
    // Elastic risk scores / Sublime numeric: 0-100 scale
    if (native >= 90) return 'critical';
    if (native >= 70) return 'high';
    if (native >= 40) return 'medium';
    if (native >= 20) return 'low';
    return 'informational';
  }
  if (typeof native !== 'string') return undefined;
  switch (native.trim().toLowerCase()) {
    case 'info':
    case 'informational':
    case 'information':
      return 'informational';
    case 'low':
      return 'low';
    case 'medium':
    case 'moderate':
      return 'medium';
    case 'high':
      return 'high';
    case 'critical':
      return 'critical';
    default:
      return undefined;
  }
}

export const STATUSES = ['stable', 'test', 'experimental', 'deprecated', 'unsupported', 'disabled', 'unknown'] as const;
export type Status = (typeof STATUSES)[number];

export function normalizeStatus(native: unknown): Status {
  if (typeof native !== 'string') return 'unknown';
  switch (native.trim().toLowerCase()) {
    case 'stable':
    case 'production':
    case 'available':
    case 'ga':
      return 'stable';
    case 'test':
    case 'testing':
    case 'beta':
      return 'test';
    case 'experimental':
    case 'development':
    case 'preview':
      return 'experimental';
    case 'deprecated':
    case 'retired':
      return 'deprecated';
    case 'unsupported':
      return 'unsupported';
    case 'disabled':
      return 'disabled';
    default:
      return 'unknown';
  }
}

/**
 * What a rule is for. Kinds other than `detection` and `correlation` are searchable but kept out of
 * the browse default and out of the coverage matrix.
 */
export const KINDS = [
  'detection',
  'correlation',
  'hunting',
  'alert_feed',
  'enrichment',
  'building_block',
  'signal',
  'policy',
  'exclusion',
  'response',
  'deprecated',
  'placeholder',
] as const;
export type Kind = (typeof KINDS)[number];

export const KIND_LABELS: Record<Kind, string> = {
  detection: 'Detection',
  correlation: 'Correlation',
  hunting: 'Hunting query',
  alert_feed: 'Third-party alert feed',
  enrichment: 'Enrichment / summary query',
  building_block: 'Building block',
  signal: 'Signal',
  policy: 'Policy (configuration check)',
  exclusion: 'Exclusion (suppresses other rules)',
  response: 'Response action (automation)',
  deprecated: 'Deprecated',
  placeholder: 'Placeholder',
};

/** Kinds that count in the ATT&CK coverage matrix and in the default browse listing. */
export function countsForCoverage(kind: Kind): boolean {
  return kind === 'detection' || kind === 'correlation';
}

/** ATT&CK identifiers. */
export const TECHNIQUE_ID = /^T\d{4}(?:\.\d{3})?$/;
export const TACTIC_ID = /^TA\d{4}$/;

/** Make a slug from a file stem: lowercase, [a-z0-9_-]. */
export function slugify(s: string): string {
  return (
    s
      .normalize('NFKD')
      .replace(/[^\w.-]+/g, '_')
      .replace(/_+/g, '_')
      .replace(/^[_.-]+|[_.-]+$/g, '')
      .toLowerCase() || 'rule'
  );
}
