/**
 * SigmaFacts: the static tables of the Sigma adapter (modifiers, folders, tags), as data.
 * References: Sigma specification v2 (sigma-rules-specification.md, sigma-modifiers-appendix.md,
 * sigma-correlation-rules-specification.md, sigma-filters-specification.md).
 */
import type { Operator, ValueTransform } from '../../model/expr.ts';
import type { Kind } from '../../model/facts.ts';

/** What one value modifier does. */
export type ModifierFact =
  /** Match position: the value is wrapped in `*` on the given sides. */
  | { readonly role: 'position'; readonly wrap: 'both' | 'start' | 'end' }
  /** A value transform applied to the pattern before matching (model `opts.transforms`). */
  | { readonly role: 'transform'; readonly transform: ValueTransform }
  /** Replace the comparison operator. */
  | { readonly role: 'operator'; readonly op: Operator }
  /** Regular expression (`re`) and its flags (`i`, `m`, `s`). */
  | { readonly role: 're' }
  | { readonly role: 'flag'; readonly flag: 'i' | 'm' | 's' }
  /** `all`: every value of the list must match (AND instead of OR). */
  | { readonly role: 'all' }
  /** `cased`: case-sensitive matching. */
  | { readonly role: 'cased' }
  /** `exists`: the value is a boolean, the field must (not) exist. */
  | { readonly role: 'exists' }
  /** `fieldref`: the value names another field of the same event. */
  | { readonly role: 'fieldref' }
  /** `expand`: `%placeholder%` values filled by a processing pipeline. */
  | { readonly role: 'expand' }
  /** Valid Sigma modifiers the model cannot hold; the item becomes opaque with this reason. */
  | { readonly role: 'unsupported'; readonly reason: string };

export const MODIFIER_FACTS: Readonly<Record<string, ModifierFact>> = {
  contains: { role: 'position', wrap: 'both' },
  startswith: { role: 'position', wrap: 'end' },
  endswith: { role: 'position', wrap: 'start' },
  all: { role: 'all' },
  base64: { role: 'transform', transform: 'base64' },
  base64offset: { role: 'transform', transform: 'base64offset' },
  utf16le: { role: 'transform', transform: 'utf16le' },
  utf16be: { role: 'transform', transform: 'utf16be' },
  wide: { role: 'transform', transform: 'wide' },
  windash: { role: 'transform', transform: 'windash' },
  re: { role: 're' },
  i: { role: 'flag', flag: 'i' },
  m: { role: 'flag', flag: 'm' },
  s: { role: 'flag', flag: 's' },
  cidr: { role: 'operator', op: 'cidr' },
  gt: { role: 'operator', op: 'gt' },
  gte: { role: 'operator', op: 'ge' },
  lt: { role: 'operator', op: 'lt' },
  lte: { role: 'operator', op: 'le' },
  exists: { role: 'exists' },
  fieldref: { role: 'fieldref' },
  cased: { role: 'cased' },
  expand: { role: 'expand' },
  utf16: { role: 'unsupported', reason: 'utf16 (UTF-16 with byte-order mark) is not a model transform' },
  minute: { role: 'unsupported', reason: 'timestamp part modifier (minute) compares a part of a timestamp' },
  hour: { role: 'unsupported', reason: 'timestamp part modifier (hour) compares a part of a timestamp' },
  day: { role: 'unsupported', reason: 'timestamp part modifier (day) compares a part of a timestamp' },
  week: { role: 'unsupported', reason: 'timestamp part modifier (week) compares a part of a timestamp' },
  month: { role: 'unsupported', reason: 'timestamp part modifier (month) compares a part of a timestamp' },
  year: { role: 'unsupported', reason: 'timestamp part modifier (year) compares a part of a timestamp' },
};

/**
 * The pseudo-field of keyword searches (a detection that is a plain list of strings). Sigma matches keywords
 * against the whole event; the model writes that as a predicate over `_keywords`, whose value (see resolve.ts)
 * is every scalar value of the event, so `_keywords contains "x"` holds when any value of the event contains x.
 */
export const KEYWORD_FIELD = '_keywords';

/** Top-level folders of a SigmaHQ checkout and what the rules in them are. */
export interface FolderFact {
  readonly kind: Kind;
  readonly kindReason: string;
  /** Status forced by the folder (unsupported/), else the rule's own. */
  readonly status?: 'unsupported' | 'deprecated';
}

export const FOLDER_FACTS: Readonly<Record<string, FolderFact>> = {
  rules: { kind: 'detection', kindReason: 'Sigma detection rule (rules/)' },
  'rules-emerging-threats': { kind: 'detection', kindReason: 'Sigma emerging-threat detection rule (rules-emerging-threats/)' },
  'rules-compliance': { kind: 'detection', kindReason: 'Sigma compliance rule (rules-compliance/): detects events that violate a compliance control' },
  'rules-dfir': { kind: 'hunting', kindReason: 'Sigma DFIR rule (rules-dfir/): for forensic triage, not alerting' },
  'rules-threat-hunting': { kind: 'hunting', kindReason: 'Sigma threat-hunting rule (rules-threat-hunting/): broad, meant for hunting, not alerting' },
  'rules-placeholder': {
    kind: 'placeholder',
    kindReason: 'Sigma placeholder rule (rules-placeholder/): values are %placeholders% filled by a processing pipeline before use',
  },
  deprecated: { kind: 'deprecated', kindReason: 'Sigma deprecated rule (deprecated/): replaced or withdrawn', status: 'deprecated' },
  unsupported: {
    kind: 'detection',
    kindReason: 'Sigma rule in unsupported/: it uses constructs current Sigma tooling does not convert (v1 aggregations, near, timeframe); shown as a detection with status unsupported',
    status: 'unsupported',
  },
};
